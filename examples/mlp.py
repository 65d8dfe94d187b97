"""Train a two-layer MLP with a softmax cross-entropy loss on a synthetic 3-class problem,
using sg.value_and_grad for the gradients and sg.optim.Adam in its functional form.

    python examples/mlp.py
    python -m sourcegrad show examples/mlp.py:loss --wrt W1
    python -m sourcegrad check examples/mlp.py:loss --args random --shape W1=2x16 --shape b1=16 \
        --shape W2=16x3 --shape b2=3
"""

import numpy as np

import sourcegrad as sg


def make_data(rng, n=300):
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    labels = rng.integers(0, 3, size=n)
    X = centres[labels] + 0.6 * rng.normal(size=(n, 2))
    return X, labels


X_DEMO, LABELS_DEMO = make_data(np.random.default_rng(1), n=20)   # default data, for the command line


def loss(W1, b1, W2, b2, X=X_DEMO, labels=LABELS_DEMO):
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(X.shape[0]), labels])


def main(steps=200):
    rng = np.random.default_rng(0)
    X, labels = make_data(rng)
    params = {"W1": 0.5 * rng.normal(size=(2, 16)), "b1": np.zeros(16),
              "W2": 0.5 * rng.normal(size=(16, 3)), "b2": np.zeros(3)}
    value_and_grad = sg.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
    optimizer = sg.optim.Adam(lr=0.05)
    first = None
    for step in range(steps):
        value, grads = value_and_grad(params["W1"], params["b1"], params["W2"], params["b2"], X, labels)
        first = value if first is None else first
        params = optimizer.update(params, dict(zip(("W1", "b1", "W2", "b2"), grads)))
        if step % 50 == 0:
            print(f"step {step:3d}  loss {value:.4f}")
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    accuracy = np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == labels)
    print(f"loss {first:.4f} -> {value:.4f}, training accuracy {accuracy:.1%} (mode: {value_and_grad.mode})")
    return first, value, accuracy


if __name__ == "__main__":
    main()
