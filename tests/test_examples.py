"""Every example runs as written, and the numbers it prints are right.

Each test runs the example as a script, reads the numbers it prints and recomputes them
independently of sourcegrad: closed-form or hand-written gradients, and a hand-written Adam (the
update equations of torch.optim.Adam), so a wrong gradient or optimiser step changes a printed
number and fails the test. Code the examples print is executed and its results checked too.
"""

import math
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"
NAMES = ["mlp.py", "newton_sqrt.py", "pytorch_style.py", "quickstart.py"]
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == NAMES


def run_example(name):
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def numbers(text):
    return [float(v) for v in re.findall(NUMBER, text)]


def printed_array(line):
    """The NumPy array printed at the end of ``line`` ('label: [1.5 -2.  0.3]')."""
    return np.array(numbers(line[line.index("["):]))


def adam_step(param, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """torch.optim.Adam's update, written out: state is (t, m, v)."""
    t, m, v = state
    t += 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)


def printed_function(text, start):
    """Execute the generated function printed from the line starting with ``start``, to its end."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    body = [lines[first]]
    for line in lines[first + 1:]:
        if not line.startswith("    "):
            break
        body.append(line)
    namespace = {"np": np, **{k: v for k, v in {**vars(kernels), **vars(helpers)}.items() if not k.startswith("_")}}
    exec("\n".join(body), namespace)
    return namespace[re.match(r"def (\w+)", start).group(1)]


def test_quickstart_prints_the_right_gradients_and_working_code():
    out = run_example("quickstart.py")
    lines = out.splitlines()
    # f(x) = x^2 + 3x + 1: f'(2) = 7
    assert lines[0] == "f'(2.0) = 7.0"
    # the printed adjoint runs and returns (f(x), f'(x))
    df_dx = printed_function(out, "def df_dx(x):")
    for x in (-1.5, 0.0, 2.0, 3.25):
        value, grad = df_dx(x)
        assert value == pytest.approx(x ** 2 + 3 * x + 1, rel=1e-15, abs=1e-15)
        assert grad == pytest.approx(2 * x + 3, rel=1e-15, abs=1e-15)
    # least squares at w = 0: the gradient is A.T (A w - b) = -A.T b, with the example's data
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    expected = A.T @ (A @ np.zeros(3) - b)
    printed = printed_array(next(line for line in lines if line.startswith("least-squares gradient:")))
    np.testing.assert_allclose(printed, expected, rtol=1e-7, atol=1e-8)    # printed with 8 digits
    reference = printed_array(next(line for line in lines if line.startswith("check against")))
    np.testing.assert_allclose(reference, expected, rtol=1e-7, atol=1e-8)
    # the adjoint sg.show printed computes the least-squares gradient anywhere
    dls = printed_function(out, "def dleast_squares_dw(w, A, b):")
    w = rng.normal(size=3)
    value, grad = dls(w, A, b)
    assert value == pytest.approx(np.sum((A @ w - b) ** 2) / 2, rel=1e-12)
    np.testing.assert_allclose(grad, A.T @ (A @ w - b), rtol=1e-12)


def mlp_reference(steps=200):
    """examples/mlp.py's training, recomputed with a hand-written gradient and Adam: the loss at
    each step and the final accuracy."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import mlp       # for make_data only (NumPy code, no gradients)
    finally:
        sys.path.pop(0)
    rng = np.random.default_rng(0)
    X, labels = mlp.make_data(rng)
    params = {"W1": 0.5 * rng.normal(size=(2, 16)), "b1": np.zeros(16),
              "W2": 0.5 * rng.normal(size=(16, 3)), "b2": np.zeros(3)}
    state = {k: (0, 0.0, 0.0) for k in params}
    n = X.shape[0]
    onehot = np.eye(3)[labels]
    losses = []
    for _ in range(steps):
        hidden = np.tanh(X @ params["W1"] + params["b1"])
        logits = hidden @ params["W2"] + params["b2"]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        losses.append(-np.mean(log_probs[np.arange(n), labels]))
        dlogits = (np.exp(log_probs) - onehot) / n
        dpre = (dlogits @ params["W2"].T) * (1 - hidden ** 2)
        grads = {"W1": X.T @ dpre, "b1": dpre.sum(axis=0), "W2": hidden.T @ dlogits, "b2": dlogits.sum(axis=0)}
        for k in params:
            params[k], state[k] = adam_step(params[k], grads[k], state[k], lr=0.05)
    hidden = np.tanh(X @ params["W1"] + params["b1"])
    accuracy = np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == labels)
    return losses, accuracy


def test_mlp_prints_the_losses_and_accuracy_of_a_correct_training():
    out = run_example("mlp.py")
    losses, accuracy = mlp_reference()
    steps = re.findall(rf"^step +(\d+) +loss ({NUMBER})$", out, re.M)
    assert [int(s) for s, _ in steps] == [0, 50, 100, 150]
    for step, loss in steps:
        assert float(loss) == pytest.approx(losses[int(step)], abs=6e-5)     # printed with 4 decimals
    last = re.search(rf"^loss ({NUMBER}) -> ({NUMBER}), training accuracy ({NUMBER})% \(mode: (\w+)\)$", out, re.M)
    assert last, out
    assert float(last.group(1)) == pytest.approx(losses[0], abs=6e-5)
    assert float(last.group(2)) == pytest.approx(losses[-1], abs=6e-5)
    assert float(last.group(3)) == pytest.approx(100 * accuracy, abs=0.06)
    assert last.group(4) == "source"
    assert losses[-1] < 0.1 * losses[0] and accuracy > 0.9


def test_mlp_main_returns_what_it_printed():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import mlp
    finally:
        sys.path.pop(0)
    losses, accuracy = mlp_reference(steps=150)
    first, last, got_accuracy = mlp.main(steps=150)
    assert first == pytest.approx(losses[0], rel=1e-9)
    # `last` is the loss computed at the last step, before its update
    assert last == pytest.approx(losses[-1], rel=1e-6)
    # the accuracy is after the last update: the reference's, within one point of 300
    assert got_accuracy == pytest.approx(accuracy, abs=1 / 300 + 1e-12)


def test_newton_sqrt_differentiates_the_loop_in_source_mode_and_says_why_the_guarded_one_used_the_tape():
    out = run_example("newton_sqrt.py")
    lines = out.splitlines()
    first = re.fullmatch(rf"d sqrt\(a\)/da at a=2: ({NUMBER}) \(exact: ({NUMBER}) \)", lines[0])
    assert first, out
    assert float(first.group(1)) == pytest.approx(1 / (2 * math.sqrt(2.0)), rel=1e-12)
    assert float(first.group(2)) == pytest.approx(1 / (2 * math.sqrt(2.0)), rel=1e-15)
    assert lines[1] == "mode: source"
    assert lines[2].startswith("def dnewton_sqrt_da(a") and "    while abs(x_1 * x_1 - a) > 1e-12:" in lines
    assert any(line.strip().startswith("for _ in range(trips):") for line in lines)
    guarded = next(line for line in lines if line.startswith("guarded: "))
    assert float(guarded.split()[1]) == pytest.approx(1 / (2 * math.sqrt(2.0)), rel=1e-12)
    assert "mode: tape" in lines
    source = (EXAMPLES / "newton_sqrt.py").read_text().splitlines()
    line = next(i + 1 for i, text in enumerate(source) if text.strip() == "try:")
    assert f"why: try block at line {line} is not supported in source mode" in out


def test_pytorch_style_prints_the_losses_and_fit_of_a_correct_training():
    out = run_example("pytorch_style.py")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.01 * rng.normal(size=100)
    w, b = np.zeros(3), 0.0
    sw, sb = (0, 0.0, 0.0), (0, 0.0, 0.0)
    losses = []
    for _ in range(200):
        r = X @ w + b - y
        losses.append(np.mean(r ** 2))
        gw, gb = 2 * X.T @ r / len(y), 2 * np.mean(r)
        w, sw = adam_step(w, gw, sw, lr=0.1)
        b, sb = adam_step(b, gb, sb, lr=0.1)
    steps = re.findall(rf"^step +(\d+) +loss ({NUMBER})$", out, re.M)
    assert [int(s) for s, _ in steps] == [0, 50, 100, 150]
    for step, loss in steps:
        assert float(loss) == pytest.approx(losses[int(step)], abs=6e-6)     # printed with 5 decimals
    fit = re.search(rf"^w = (\[.*\])  b = ({NUMBER})$", out, re.M)
    assert fit, out
    np.testing.assert_allclose(printed_array(fit.group(1)), w, atol=6e-4)   # rounded to 3 decimals
    assert float(fit.group(2)) == pytest.approx(b, abs=6e-4)
    assert out.splitlines()[-1] == "prediction requires grad: False"
