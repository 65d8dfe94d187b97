"""The straight-line benchmark workloads (benchmarks/workloads.py, issue 11): each hand-written gradient
gives the function's value and agrees with central finite differences, and sg.grad and the tape agree
with it, so the benchmark compares against right answers; the report runs end to end on tiny sizes.

No timing assertions (machines are noisy): ``python -m benchmarks`` reports the times.
"""

import ast
import inspect
import textwrap

import numpy as np
import pytest

import sourcegrad as sg
from benchmarks import loops, run, workloads as wl

WORKLOADS = wl.workloads("tiny")


def _relative_error(got, expected):
    """Largest entry of |got - expected| over the largest entry of |expected|, for each gradient."""
    return [float(np.max(np.abs(np.asarray(a, dtype=float) - b)) / max(float(np.max(np.abs(b))), 1e-300))
            for a, b in zip(got, expected)]


def _grads(grads, wrt):
    return tuple(grads) if isinstance(wrt, tuple) else (grads,)


def _check_against_fd_and_source(func, hand, args, wrt, fd_tolerance=1e-6):
    """hand(*args) has func's value, finite differences' gradient and source mode's gradient."""
    value, grads = hand(*args)
    assert value == pytest.approx(func(*args), rel=1e-12)
    grads = _grads(grads, wrt)
    numerical = _grads(sg.numerical_grad(func, *args, wrt=wrt), wrt)
    assert max(_relative_error(grads, numerical)) < fd_tolerance
    source = _grads(sg.grad(func, wrt=wrt, mode="source")(*args), wrt)
    assert max(_relative_error(source, grads)) < 1e-10


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_value_is_the_function_value(workload):
    value, _ = workload.hand(*workload.args)
    assert value == pytest.approx(workload.func(*workload.args), rel=1e-12)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_has_the_arguments_types_and_shapes(workload):
    _, grads = workload.hand(*workload.args)
    wrt = workload.wrt if isinstance(workload.wrt, tuple) else (workload.wrt,)
    grads = _grads(grads, workload.wrt)
    assert len(grads) == len(wrt)
    for g, i in zip(grads, wrt):
        arg = workload.args[i]
        if isinstance(arg, float):
            assert isinstance(g, float)
        else:
            assert np.shape(g) == arg.shape


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_matches_finite_differences(workload):
    _, grads = workload.hand(*workload.args)
    numerical = sg.numerical_grad(workload.func, *workload.args, wrt=workload.wrt)
    assert max(_relative_error(_grads(grads, workload.wrt), _grads(numerical, workload.wrt))) < 1e-6


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_sg_grad_matches_the_hand_gradient(workload):
    _, grads = workload.hand(*workload.args)
    through_grad = sg.grad(workload.func, wrt=workload.wrt, mode="source")
    got = through_grad(*workload.args)
    assert max(_relative_error(_grads(got, workload.wrt), _grads(grads, workload.wrt))) < 1e-10
    # the bare generated function the benchmark times: (*args) -> (value, gradient), no seed
    value, raw = through_grad.adjoint_function(*workload.args)
    assert value == pytest.approx(workload.func(*workload.args), rel=1e-12)
    assert max(_relative_error(_grads(raw, workload.wrt), _grads(grads, workload.wrt))) < 1e-10


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_tape_matches_the_hand_gradient(workload):
    _, grads = workload.hand(*workload.args)
    tape, _ = run._tape_grad(workload)
    assert max(_relative_error(_grads(tape(*workload.args), workload.wrt), _grads(grads, workload.wrt))) < 1e-10


def test_every_size_has_the_same_workloads_with_the_issue_11_targets():
    names = [[w.name.split(" (")[0] for w in wl.workloads(size)] for size in wl.SIZES]
    assert all(n == names[0] for n in names)
    targets = {w.func.__name__: w.target for w in WORKLOADS if w.target is not None}
    assert targets == {"polynomial": 2.0, "pendulum": 1.2, "scalar_code": 1.2, "logistic": 1.5, "mlp": 1.05,
                       "broadcast_mix": 1.1, "softmax_xent": 1.2, "rosenbrock": 1.5, "matmul_chain": 1.0}
    memory = {w.func.__name__ for w in WORKLOADS + loops.loop_workloads() if w.memory}
    assert memory == {"mlp", "matmul_chain", "broadcast_mix", "rnn"}
    sizes = sorted(w.args[1].shape[0] for w in WORKLOADS if w.func is wl.logistic)
    assert sizes == [10, 10_000]


def test_pendulum_has_55_operations():
    """Binary and unary operators and calls (math.sin, math.cos) in the body: 5 steps x 9, then 10."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(wl.pendulum)))
    ops = sum(isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) for node in ast.walk(tree))
    assert ops == 55


@pytest.mark.parametrize("theta, omega, length, damping", [(-2.0, 3.0, 0.4, 0.0), (0.01, -0.5, 7.0, 1.3)])
def test_pendulum_gradient_at_other_points(theta, omega, length, damping):
    _check_against_fd_and_source(wl.pendulum, wl.pendulum_hand, (theta, omega, length, damping), (0, 1, 2, 3))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rosenbrock_gradient_at_other_points(seed):
    x = np.random.default_rng(seed).normal(size=5) * 2
    _check_against_fd_and_source(wl.rosenbrock, wl.rosenbrock_hand, (x,), 0)


def test_rosenbrock_hand_gradient_is_the_vectorised_formula():
    x = np.random.default_rng(4).normal(size=5)
    r = x[1:] - x[:-1] ** 2
    expected = np.zeros(5)
    expected[:-1] = -400 * r * x[:-1] - 2 * (1 - x[:-1])
    expected[1:] += 200 * r
    np.testing.assert_allclose(wl.rosenbrock_hand(x)[1], expected, rtol=1e-13)


@pytest.mark.parametrize("n, d, k", [(7, 3, 4), (40, 5, 2)])
def test_softmax_xent_gradient_with_other_shapes(n, d, k):
    rng = np.random.default_rng(n)
    W, X, y = rng.normal(size=(d, k)), rng.normal(size=(n, d)) * 3, rng.integers(0, k, size=n)
    _check_against_fd_and_source(wl.softmax_xent, wl.softmax_xent_hand, (W, X, y), 0)


def test_softmax_xent_hand_leaves_its_inputs_alone():
    W, X, y = next(w for w in WORKLOADS if w.func is wl.softmax_xent).args
    before = W.copy(), X.copy(), y.copy()
    wl.softmax_xent_hand(W, X, y)
    for a, b in zip((W, X, y), before):
        np.testing.assert_array_equal(a, b)


def test_logistic_hand_gradient_is_the_closed_form():
    w, X, y = next(w for w in WORKLOADS if w.func is wl.logistic and w.args[1].shape[0] == 10_000).args
    p = 1 / (1 + np.exp(-(X @ w)))
    np.testing.assert_allclose(wl.logistic_hand(w, X, y)[1], X.T @ (p - y) / 10_000, rtol=1e-13)


# ---- the runner ----

def test_report_runs_on_tiny_sizes(capsys):
    results, checks = run.report("tiny", rounds=1, budget=0.0)
    out = capsys.readouterr().out
    assert "WRONG" not in out and "FAILED" not in out
    for w in WORKLOADS + loops.loop_workloads():
        assert f"\n{w.name}" in out
    for m in results:
        assert {"hand", "tape"} <= set(m.times)
        if m.workload.func in {w.func for w in WORKLOADS}:    # straight-line: source mode must run
            assert {"generated", "sg.grad"} <= set(m.times)
    labels = [label for label, _, _ in checks]
    assert len(labels) == 9 + 4 + 2            # speed ratios, peak memory ratios, transform, call overhead
    assert all(measured is not None for _, measured, _ in checks)
    assert "peak memory of one call" in out and "cached call overhead" in out
    assert "first transform of a 30-line function" in out and "\nissue 11: " in out


def test_target_marks():
    assert run._target_cell(1.04, 1.05) == "<= 1.05 met"
    assert run._target_cell(1.2, 1.05) == "<= 1.05 MISSED"
    assert run._target_cell(None, 1.05) == "<= 1.05 -"
    assert run._target_cell(3.0, None) == ""
    checks = [("sg.grad/hand, a", 1.0, 2.0), ("sg.grad/hand, b", 3.0, 2.0), ("sg.grad/hand, c", None, 2.0),
              ("peak memory, d", 1.3, 1.2), ("cached call overhead", 0.1e-6, 0.3e-6)]
    assert run.summary(checks) == "issue 11: 2 of 5 targets met; missed: sg.grad/hand (2), peak memory"


def test_samples_are_interleaved_rounds_of_each_callable():
    calls = []
    times = run.samples({"a": (calls.append, ("a",)), "b": (calls.append, ("b",))}, rounds=3, budget=0.0)
    assert [len(t) for t in times.values()] == [3, 3]
    # one calibration call each, then the rounds in turn, the order rotating
    assert calls == ["a", "b"] + ["a", "b"] + ["b", "a"] + ["a", "b"]
    assert set(run.compare({"a": (abs, (-1,))}, rounds=3, budget=0.0)) == {"a"}


def test_ratios_are_medians_of_per_round_ratios():
    m = run.Measured(None, {}, samples={"hand": [1.0, 2.0, 10.0], "sg.grad": [1.5, 3.0, 12.0]})
    assert m.times == {"hand": 2.0, "sg.grad": 3.0}
    assert m.ratio("sg.grad") == 1.5 and m.ratio("tape") is None


def test_peak_bytes_counts_what_a_call_allocates():
    small = run._peak_bytes(np.ones, (10,))
    big = run._peak_bytes(np.ones, (100_000,))
    assert big >= 800_000 > small
