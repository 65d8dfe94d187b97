"""Fit a small tanh network to a sine curve, with a progress bar and the loss curve saved as a picture.

The progress bar is tqdm's when tqdm is installed (plain lines otherwise); the loss curve is drawn with
matplotlib when it is installed (pip install tqdm matplotlib), else the example says it was not drawn.

    python examples/train_progress.py                       # 400 steps, loss_curve.png
    python examples/train_progress.py --steps 40 --out /tmp/curve.png
"""

import argparse

import numpy as np

import sourcegrad as sg


def loss(W1, b1, W2, b2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    prediction = hidden @ W2 + b2
    return np.mean((prediction - y) ** 2)


def make_data(n=64):
    X = np.linspace(-3.0, 3.0, n).reshape(n, 1)
    return X, np.sin(X)


def initial_params(rng, hidden=16):
    return {"W1": rng.normal(size=(1, hidden)), "b1": np.zeros(hidden),
            "W2": 0.3 * rng.normal(size=(hidden, 1)), "b2": np.zeros(1)}


def progress(steps):
    """tqdm's bar over range(steps) when tqdm is installed, else None (plain lines are printed)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(range(steps), desc="training", unit="step")


def save_curve(losses, path):
    """Draw the loss curve to ``path`` with matplotlib; False when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")   # no window: write a file
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(losses)), losses)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.set_title("fitting sin(x) with a tanh network (sourcegrad)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(steps=400, out="loss_curve.png", lr=0.02, every=None):
    every = every or max(1, steps // 8)
    rng = np.random.default_rng(0)
    X, y = make_data()
    params = initial_params(rng)
    names = tuple(params)
    value_and_grad = sg.value_and_grad(loss, wrt=names)
    optimizer = sg.optim.Adam(lr=lr)
    losses = []
    bar = progress(steps)
    for step in bar if bar is not None else range(steps):
        value, grads = value_and_grad(*params.values(), X, y)
        losses.append(value)
        params = optimizer.update(params, dict(zip(names, grads)))
        if bar is not None:
            bar.set_postfix(loss=f"{value:.5f}")
        elif step % every == 0 or step == steps - 1:
            print(f"step {step + 1:4d}/{steps}  loss {value:.6f}")
    if bar is not None:
        bar.close()
    print(f"loss {losses[0]:.6f} -> {losses[-1]:.6f} (mode: {value_and_grad.mode})")
    if save_curve(losses, out):
        print(f"loss curve saved to {out}")
    else:
        print("matplotlib is not installed: the loss curve was not drawn (pip install matplotlib)")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=400, help="training steps (default 400)")
    parser.add_argument("--out", default="loss_curve.png", help="where to save the loss curve (PNG)")
    options = parser.parse_args()
    main(steps=options.steps, out=options.out)
