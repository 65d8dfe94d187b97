"""A network that changes shape while it trains: an MLP held as a list of layer dicts, differentiated in source
mode and trained with Adam; when the loss plateaus, a hidden layer is inserted (close to the identity), and at the
next plateau its activation is swapped for tanh. Training goes on with the same optimiser, which keeps the state
of the layers it had.

The task: regress y = sin(3x) + x/2 on [-2, 2] from 96 noisy samples generated here.

    python examples/growing_network.py            # the full run
    python examples/growing_network.py --quick    # a short run (the tests use it)

Each change of the network is a new structure, so source mode generates (and caches) a gradient for it; the
script prints the first lines of the generated adjoint after each change.
"""

import sys

import numpy as np

import sourcegrad as sg


def identity(z):
    return z


def make_data(rng, n=96):
    x = np.sort(rng.uniform(-2.0, 2.0, size=(n, 1)), axis=0)
    y = np.sin(3.0 * x) + 0.5 * x + 0.05 * rng.normal(size=(n, 1))
    return x, y


def layer(rng, n_in, n_out, act):
    """One layer: weights, biases and its activation (a function: a leaf that gets no gradient)."""
    return {"W": rng.normal(size=(n_in, n_out)) * np.sqrt(1.0 / n_in), "b": np.zeros(n_out), "act": act}


def loss(params, x, y):
    h = x
    for layer in params:
        h = layer["act"](h @ layer["W"] + layer["b"])
    return np.mean((h - y) ** 2)


def describe(params):
    return " -> ".join(f"{p['W'].shape[0]}x{p['W'].shape[1]} {p['act'].__name__}" for p in params)


def first_lines(gradient, n):
    return "\n".join("    | " + line for line in gradient.source.splitlines()[:n])


def train(steps_per_phase=400, patience=60, tolerance=1e-3, seed=0, show=12):
    """Train, growing the network at plateaus. Returns ``(params, x, y, history)``; history holds
    ``(step, loss)`` at each print, and the events."""
    rng = np.random.default_rng(seed)
    x, y = make_data(rng)
    params = [layer(rng, 1, 16, np.tanh), layer(rng, 16, 1, identity)]
    optimizer = sg.optim.Adam(params, lr=0.02)
    value_and_grad = sg.value_and_grad(loss)
    changes = ["insert a layer", "layer 1: identity -> tanh"]
    history = {"losses": [], "events": []}

    print(f"network: {describe(params)}")
    step, best, since_best, phase_start = 0, np.inf, 0, 0
    while True:
        value, grads = value_and_grad(params, x, y)
        params = optimizer.update(params, grads)
        if step == phase_start:
            print(f"  gradient mode: {value_and_grad.mode}; the generated adjoint begins:")
            print(first_lines(value_and_grad, show))
        if step % 100 == 0:
            print(f"  step {step:4d}  loss {value:.5f}")
            history["losses"].append((step, value))
        if value < best * (1 - tolerance):
            best, since_best = value, 0
        else:
            since_best += 1
        step += 1
        plateau = since_best >= patience or step - phase_start >= steps_per_phase
        if not plateau:
            continue
        print(f"  step {step:4d}  loss {value:.5f}  (plateau)")
        history["losses"].append((step, value))
        if not changes:
            break
        change = changes.pop(0)
        if change.startswith("insert"):
            # close to the identity, so that the network computes almost what it did: training goes on from there
            new = {"W": np.eye(16) + 0.01 * rng.normal(size=(16, 16)), "b": np.zeros(16), "act": identity}
            optimizer.add_param_group({"params": new, "lr": 0.01})
            params = params[:-1] + [new] + params[-1:]
        else:
            params = params[:1] + [dict(params[1], act=np.tanh)] + params[2:]
        history["events"].append((step, change))
        print(f"change at step {step}: {change}; network: {describe(params)}")
        best, since_best, phase_start = np.inf, 0, step
    final = loss(params, x, y)
    print(f"final loss {final:.5f} after {step} steps (mode: {value_and_grad.mode})")
    return params, x, y, history


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--quick" in argv:
        return train(steps_per_phase=60, patience=30)
    return train()


if __name__ == "__main__":
    main()
