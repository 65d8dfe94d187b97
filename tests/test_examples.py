"""Every example runs as written, and the numbers it prints are right.

Each test runs the example as a script, reads the numbers it prints and recomputes them
independently of sourcegrad: closed-form or hand-written gradients, and a hand-written Adam (the
update equations of torch.optim.Adam), so a wrong gradient or optimiser step changes a printed
number and fails the test. Code the examples print is executed and its results checked too.
"""

import json
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"
NAMES = ["dask_data_parallel.py", "growing_network.py", "higher_order.py", "mlp.py", "newton_sqrt.py", "pytorch_style.py",
         "quickstart.py", "scipy_minimize.py", "static_vs_dynamic.py", "train_progress.py"]
PACKAGE_ROOT = str(pathlib.Path(helpers.__file__).resolve().parent.parent.parent)   # the sourcegrad under test
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == NAMES


def run_example(name, *args, path=(), cwd=None):
    """Run an example as a script (with the folders ``path`` first on its import path); what it printed."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, path), PACKAGE_ROOT]))
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], capture_output=True, text=True,
                            timeout=300, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def import_example(name):
    sys.path.insert(0, str(EXAMPLES))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


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


# ---------------------------------------------------------------- Dask


def test_dask_data_parallel_gradient_equals_the_full_batch_one_and_trains():
    pytest.importorskip("dask")
    out = run_example("dask_data_parallel.py", "--quick")
    example = import_example("dask_data_parallel")
    rng = np.random.default_rng(0)
    X, y = example.make_data(rng, 800, 4)
    n = len(y)
    w, b, losses = np.zeros(4), 0.0, []
    for _ in range(12):                   # gradient descent with the closed-form logistic gradient
        z = X @ w + b
        losses.append(np.sum(np.logaddexp(0.0, z) - y * z) / n)
        p = 1 / (1 + np.exp(-z))
        w, b = w - 0.5 * X.T @ (p - y) / n, b - 0.5 * np.sum(p - y) / n
    first = re.search(rf"at the start: loss ({NUMBER}) \(one process: ({NUMBER})\), max \|gradient difference\| "
                      rf"({NUMBER})", out)
    assert first, out
    assert float(first.group(1)) == pytest.approx(losses[0], abs=1e-6)
    assert float(first.group(3)) <= 1e-12
    steps = re.findall(rf"^step +(\d+) +loss ({NUMBER})$", out, re.M)
    assert [int(s) for s, _ in steps] == [0, 4, 8]
    for step, loss in steps:
        assert float(loss) == pytest.approx(losses[int(step)], abs=1e-6)
    workers = re.search(r"shards were computed in (\d+) worker processes", out)
    assert workers and int(workers.group(1)) >= 1, out       # the gradient function went to other processes
    assert re.search(rf"-> ({NUMBER}), training accuracy .* \(mode: source\)", out)


# ---------------------------------------------------------------- progress bar and loss curve


def sine_fit_reference(steps):
    """examples/train_progress.py's training with a hand-written gradient and Adam: the loss at each step."""
    example = import_example("train_progress")
    X, y = example.make_data()
    params = example.initial_params(np.random.default_rng(0))
    state = {k: (0, 0.0, 0.0) for k in params}
    n, losses = len(y), []
    for _ in range(steps):
        hidden = np.tanh(X @ params["W1"] + params["b1"])
        r = hidden @ params["W2"] + params["b2"] - y
        losses.append(np.mean(r ** 2))
        d = 2 * r / n
        dpre = (d @ params["W2"].T) * (1 - hidden ** 2)
        grads = {"W1": X.T @ dpre, "b1": dpre.sum(axis=0), "W2": hidden.T @ d, "b2": d.sum(axis=0)}
        for k in params:
            params[k], state[k] = adam_step(params[k], grads[k], state[k], lr=0.02)
    return losses


BLOCK_TQDM_AND_MATPLOTLIB = {"tqdm.py": "raise ImportError('tqdm is blocked by the test')\n",
                             "matplotlib/__init__.py": "raise ImportError('matplotlib is blocked by the test')\n"}

FAKE_TQDM_AND_MATPLOTLIB = {
    "tqdm.py": """
import json, sys

class tqdm:
    def __init__(self, iterable, **options):
        self.iterable, self.postfixes = iterable, []
        print("FAKE-TQDM " + json.dumps({"total": len(iterable), **options}), file=sys.stderr)

    def __iter__(self):
        return iter(self.iterable)

    def set_postfix(self, **values):
        self.postfixes.append(values)

    def close(self):
        print("FAKE-TQDM-POSTFIXES " + json.dumps(self.postfixes), file=sys.stderr)
""",
    "matplotlib/__init__.py": "def use(backend):\n    assert backend == 'Agg'\n",
    "matplotlib/pyplot.py": """
import json

class Axes:
    def __init__(self):
        self.calls = {}

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.calls.setdefault(name, [list(map(_plain, args)), kwargs])

class Figure:
    def __init__(self):
        self.ax = Axes()

    def tight_layout(self):
        pass

    def savefig(self, path, dpi=None):
        with open(path, "w") as out:
            json.dump(self.ax.calls, out)

def _plain(v):
    return [float(x) for x in v] if hasattr(v, "__len__") and not isinstance(v, str) else v

def subplots(figsize=None):
    figure = Figure()
    return figure, figure.ax

def close(figure):
    pass
""",
}


def write_modules(folder, modules):
    for name, text in modules.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_train_progress_without_tqdm_or_matplotlib_prints_plain_lines(tmp_path):
    blocked = write_modules(tmp_path / "blocked", BLOCK_TQDM_AND_MATPLOTLIB)
    out = run_example("train_progress.py", "--steps", 40, "--out", tmp_path / "curve.png", path=[blocked])
    losses = sine_fit_reference(40)
    steps = re.findall(rf"^step +(\d+)/40  loss ({NUMBER})$", out, re.M)
    assert [int(s) for s, _ in steps] == [1, 6, 11, 16, 21, 26, 31, 36, 40]
    for step, loss in steps:
        assert float(loss) == pytest.approx(losses[int(step) - 1], abs=1e-6)
    assert f"loss {losses[0]:.6f} -> {losses[-1]:.6f} (mode: source)" in out
    assert losses[-1] < 0.3 * losses[0]
    assert "matplotlib is not installed: the loss curve was not drawn" in out
    assert not (tmp_path / "curve.png").exists()


def test_train_progress_uses_tqdm_and_matplotlib_when_installed(tmp_path):
    fakes = write_modules(tmp_path / "fakes", FAKE_TQDM_AND_MATPLOTLIB)
    curve = tmp_path / "curve.png"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fakes), PACKAGE_ROOT]))
    result = subprocess.run([sys.executable, str(EXAMPLES / "train_progress.py"), "--steps", "20", "--out", str(curve)],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "step " not in result.stdout                     # the bar replaces the plain lines
    bar = json.loads(re.search(r"^FAKE-TQDM (.*)$", result.stderr, re.M).group(1))
    assert bar["total"] == 20 and bar["unit"] == "step"
    losses = sine_fit_reference(20)
    postfixes = json.loads(re.search(r"^FAKE-TQDM-POSTFIXES (.*)$", result.stderr, re.M).group(1))
    assert [float(p["loss"]) for p in postfixes] == pytest.approx(losses, abs=1e-5)
    assert f"loss curve saved to {curve}" in result.stdout
    drawn = json.loads(curve.read_text())
    assert drawn["plot"][0][1] == pytest.approx(losses, rel=1e-9)      # the curve is the losses
    assert drawn["set_yscale"][0] == ["log"]


# ---------------------------------------------------------------- SciPy


def test_scipy_minimize_with_jac_reaches_the_minimum_with_fewer_calls():
    pytest.importorskip("scipy")
    from scipy.optimize import rosen_der

    out = run_example("scipy_minimize.py")
    exact = re.search(rf"jac=sg\.grad\(rosenbrock\): x = (\[.*?\]), f = ({NUMBER}), (\d+) iterations, (\d+) calls",
                      out)
    estimated = re.search(rf"no jac\): +x = (\[.*?\]), f = ({NUMBER}), (\d+) iterations, (\d+) calls", out)
    assert exact and estimated, out
    np.testing.assert_allclose(printed_array(exact.group(1)), np.ones(5), atol=1e-6)
    assert float(exact.group(2)) < 1e-12
    assert int(exact.group(4)) < int(estimated.group(4))
    example = import_example("scipy_minimize")
    g = example.sg.grad(example.rosenbrock)
    for x in np.random.default_rng(5).normal(size=(5, 5)):
        np.testing.assert_allclose(g(x), rosen_der(x), rtol=1e-12)


# ---------------------------------------------------------------- static or dynamic


def test_static_vs_dynamic_prints_the_table_after_checking_the_gradients():
    out = run_example("static_vs_dynamic.py", "--quick")
    lines = out.splitlines()
    assert lines[0].startswith("machine: ") and "CPUs" in lines[0] and "NumPy" in lines[0]
    assert lines[1] == "gradients agree (source vs tape) on every workload"
    rows = [line for line in lines if line.startswith("| ") and "workload" not in line]
    assert [r.split("|")[1].strip() for r in rows] == ["scalar polynomial (5 operations)",
                                                       "logistic regression, 1000 x 10",
                                                       "two-layer MLP, 256 x 32 -> 64", "scalar loop, 100 iterations"]
    for row in rows:
        source, tape, ratio = (float(c.strip().rstrip("x")) for c in row.split("|")[2:5])
        assert source > 0 and tape > 0
        assert ratio == pytest.approx(tape / source, rel=0.2, abs=0.1)    # (the cells are rounded)


def growing_reference(events, steps):
    """examples/growing_network.py's training, recomputed with hand-written backpropagation through the list of
    layers and a hand-written Adam whose state follows each layer; the network changes at the steps in ``events``
    (read from the example's output). The loss at each step."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import growing_network as example    # for make_data and the initial layers (NumPy code, no gradients)
    finally:
        sys.path.pop(0)
    rng = np.random.default_rng(0)
    x, y = example.make_data(rng)
    layers = [example.layer(rng, 1, 16, np.tanh), example.layer(rng, 16, 1, example.identity)]
    for p in layers:
        p["lr"], p["state"] = 0.02, {"W": (0, 0.0, 0.0), "b": (0, 0.0, 0.0)}
    losses = []
    for step in range(steps):
        if step in events:
            if events[step].startswith("insert"):
                new = {"W": np.eye(16) + 0.01 * rng.normal(size=(16, 16)), "b": np.zeros(16),
                       "act": example.identity, "lr": 0.01, "state": {"W": (0, 0.0, 0.0), "b": (0, 0.0, 0.0)}}
                layers.insert(len(layers) - 1, new)
            else:
                layers[1]["act"] = np.tanh
        inputs, outputs = [], []
        h = x
        for p in layers:
            inputs.append(h)
            h = p["act"](h @ p["W"] + p["b"])
            outputs.append(h)
        losses.append(np.mean((h - y) ** 2))
        dh = 2 * (h - y) / h.size
        for p, a, out in reversed(list(zip(layers, inputs, outputs))):
            dz = dh * (1 - out ** 2) if p["act"] is np.tanh else dh
            grads = {"W": a.T @ dz, "b": dz.sum(axis=0)}
            dh = dz @ p["W"].T
            for k in ("W", "b"):
                p[k], p["state"][k] = adam_step(p[k], grads[k], p["state"][k], lr=p["lr"])
    return losses


def test_growing_network_trains_correctly_through_its_changes_in_source_mode():
    out = run_example("growing_network.py", "--quick")
    events = {int(s): what for s, what in re.findall(r"^change at step (\d+): ([^;]+);", out, re.M)}
    assert list(events.values()) == ["insert a layer", "layer 1: identity -> tanh"]
    final = re.search(rf"^final loss ({NUMBER}) after (\d+) steps \(mode: (\w+)\)$", out, re.M)
    assert final, out
    steps = int(final.group(2))
    losses = growing_reference(events, steps + 1)
    printed = re.findall(rf"^  step +(\d+)  loss ({NUMBER})", out, re.M)
    assert len(printed) >= 5
    for step, value in printed:
        step = int(step)
        # "(plateau)" lines print the loss of the step before (the last one computed)
        expected = losses[step] if not out.count(f"step {step:4d}  loss {value}  (plateau)") else losses[step - 1]
        assert float(value) == pytest.approx(expected, abs=6e-6)
    assert float(final.group(1)) == pytest.approx(losses[steps], abs=6e-6)
    assert final.group(3) == "source" and out.count("gradient mode: source") == 3
    # the adjoint printed after each change takes the leaves of the network as it then was
    assert "| def dloss_dparams(params_0_W, params_0_b, params_1_W, params_1_b, x, y):" in out
    assert "| def dloss_dparams(params_0_W, params_0_b, params_1_W, params_1_b, params_2_W, params_2_b, x, y):" in out
    assert losses[steps] < 0.1 * losses[0]


def test_readme_shows_what_growing_network_prints():
    readme = (EXAMPLES.parent / "README.md").read_text()
    block = readme.split("`python examples/growing_network.py --quick` prints:\n\n```\n", 1)[1].split("```", 1)[0]
    out = run_example("growing_network.py", "--quick").splitlines()
    shown = [line for line in block.splitlines() if line != "    | ..."]
    assert shown and all(line in out for line in shown)


def test_higher_order_prints_exact_second_derivatives_hessians_and_tangents():
    out = run_example("higher_order.py")
    lines = out.splitlines()
    x, first, second = numbers(lines[0])[:3]
    assert abs(4 * x ** 3 - 6 * x + math.cos(x)) < 1e-10 and abs(first) < 1e-12   # (x printed to 12 places)
    assert second == pytest.approx(12 * x ** 2 - 6 - math.sin(x), rel=1e-10)
    p = np.array([-1.2, 1.0, 0.5])
    hessian = np.array([[1200 * p[0] ** 2 - 400 * p[1] + 2, -400 * p[0], 0.0],
                        [-400 * p[0], 200 + 1200 * p[1] ** 2 - 400 * p[2] + 2, -400 * p[1]],
                        [0.0, -400 * p[1], 200.0]])
    np.testing.assert_allclose(printed_array(lines[1]), hessian[0])
    np.testing.assert_allclose(printed_array(lines[2]), hessian @ [1.0, 2.0, 3.0])
    np.testing.assert_allclose(printed_array(lines[3]), 1 - np.tanh(p) ** 2, rtol=1e-6)
    rng = np.random.default_rng(0)
    w, xs, ys, xq, yq = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(4, 3)), \
        rng.normal(size=4)

    def maml(w):
        r = np.tanh(xs @ w) - ys
        inner = xs.T @ (2 * r * (1 - np.tanh(xs @ w) ** 2)) / len(ys)
        adapted = w - 0.1 * inner
        return np.mean((np.tanh(xq @ adapted) - yq) ** 2)

    h = 1e-6
    expected = [(maml(w + h * e) - maml(w - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(printed_array(lines[4]), expected, rtol=1e-5)
    assert lines[5].startswith("def ddenergy_dx_dx(x):") and lines[-1].strip() == "return bx, bx_1", out
