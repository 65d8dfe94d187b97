"""The control-flow benchmark workloads (benchmarks/loops.py): each hand-written gradient agrees with
central finite differences and with the tape, so the benchmark compares against right answers; and
the runner reports a row (declined, or timed) instead of crashing.

No timing assertions (machines are noisy): ``python -m benchmarks`` reports the times.
"""

import math

import numpy as np
import pytest

import sourcegrad as sg
from benchmarks import loops, run

WORKLOADS = loops.loop_workloads()


def _relative_error(got, expected):
    """Largest entry of |got - expected| over the largest entry of |expected|, for each gradient."""
    return [float(np.max(np.abs(np.asarray(a, dtype=float) - b)) / max(float(np.max(np.abs(b))), 1e-300))
            for a, b in zip(got, expected)]


def _tape_gradient(func, args, wrt):
    """The tape's gradient of ``func``, through its NumPy-spelled twin where the tape refuses ``math.*``."""
    target = loops.numpy_math_twin(func) if "math" in func.__code__.co_names else func
    return sg.value_and_grad(target, wrt=wrt, mode="tape")(*args)


def _fd_tolerance(workload):
    # a * i with i up to 999: the O(h^2) truncation error of central differences in a is ~1e-5 there
    return 3e-5 if workload.func is loops.scalar_loop and workload.args[-1] == loops.LONG else 1e-6


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_value_is_the_function_value(workload):
    value, _ = workload.hand(*workload.args)
    assert value == pytest.approx(workload.func(*workload.args), rel=1e-12)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_has_the_arguments_types_and_shapes(workload):
    _, grads = workload.hand(*workload.args)
    assert len(grads) == len(workload.wrt)
    for g, i in zip(grads, workload.wrt):
        arg = workload.args[i]
        if isinstance(arg, float):
            assert isinstance(g, float)
        else:
            assert np.shape(g) == arg.shape


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_matches_finite_differences(workload):
    _, grads = workload.hand(*workload.args)
    numerical = sg.numerical_grad(workload.func, *workload.args, wrt=workload.wrt)
    assert max(_relative_error(grads, numerical)) < _fd_tolerance(workload)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_hand_gradient_matches_the_tape(workload):
    value, grads = workload.hand(*workload.args)
    tape_value, tape_grads = _tape_gradient(workload.func, workload.args, workload.wrt)
    assert tape_value == pytest.approx(value, rel=1e-12)
    assert max(_relative_error(grads, tape_grads)) < 1e-10


@pytest.mark.parametrize("M, e", [(1.2, 0.3), (0.05, 0.9), (3.0, 0.0), (-2.5, 0.6), (5.9, 0.75)])
def test_kepler_implicit_gradient_at_other_points(M, e):
    value, grads = loops.kepler_hand(M, e)
    assert value == loops.kepler(M, e)
    assert max(_relative_error(grads, sg.numerical_grad(loops.kepler, M, e, wrt=(0, 1)))) < 1e-6
    # the tape differentiates the unrolled Newton iterations: at convergence the same derivative
    assert max(_relative_error(grads, _tape_gradient(loops.kepler, (M, e), (0, 1))[1])) < 1e-9


@pytest.mark.parametrize("a, b, c, n", [(0.013, 0.3, 0.95, 1), (-0.2, 1.1, 0.5, 7), (0.4, -0.7, 1.02, 30)])
def test_scalar_loop_gradient_at_other_points(a, b, c, n):
    _, grads = loops.scalar_loop_hand(a, b, c, n)
    assert max(_relative_error(grads, sg.numerical_grad(loops.scalar_loop, a, b, c, n, wrt=(0, 1, 2)))) < 1e-6
    assert max(_relative_error(grads, _tape_gradient(loops.scalar_loop, (a, b, c, n), (0, 1, 2))[1])) < 1e-10


def test_rnn_gradient_with_other_weights():
    rng = np.random.default_rng(1)
    W, U, b = rng.normal(size=(16, 16)) * 0.4, rng.normal(size=(16, 3)), rng.normal(size=16)
    x = rng.normal(size=(6, 3))
    _, grads = loops.rnn_hand(W, U, b, x)
    assert max(_relative_error(grads, sg.numerical_grad(loops.rnn, W, U, b, x, wrt=(0, 1, 2)))) < 1e-6
    assert max(_relative_error(grads, _tape_gradient(loops.rnn, (W, U, b, x), (0, 1, 2))[1])) < 1e-10


@pytest.mark.parametrize("theta, omega, length", [(0.8, 0.1, 1.5), (-2.0, 3.0, 0.4), (0.01, -0.5, 7.0)])
def test_pendulum_forms_agree_and_source_mode_matches_the_hand_gradient(theta, omega, length):
    # the loop and the unrolled form are the same computation
    assert loops.pendulum_loop(theta, omega, length) == loops.pendulum_unrolled(theta, omega, length)
    _, grads = loops.pendulum_hand(theta, omega, length)
    # source mode differentiates the straight-line form: a third, independent gradient
    source = sg.grad(loops.pendulum_unrolled, wrt=(0, 1, 2), mode="source")(theta, omega, length)
    assert max(_relative_error(grads, source)) < 1e-10
    assert max(_relative_error(grads, sg.numerical_grad(loops.pendulum_loop, theta, omega, length,
                                                         wrt=(0, 1, 2)))) < 1e-6


def test_numpy_math_twin_is_the_same_code():
    twin = loops.numpy_math_twin(loops.kepler)
    assert twin.__code__ is loops.kepler.__code__
    assert twin(1.2, 0.3) == pytest.approx(loops.kepler(1.2, 0.3), rel=1e-15)
    assert loops.kepler.__globals__["math"] is math      # the original is left alone


# ---- the runner: a row for every workload, whatever source mode does with it ----

def test_runner_reports_a_row_for_each_loop_workload(capsys):
    w = next(w for w in WORKLOADS if w.func is loops.pendulum_loop)
    result = run.measure(w, rounds=1, budget=0.0)
    run._print_measured(result, with_autograd=False)
    out = capsys.readouterr().out
    assert out.startswith(w.name)
    assert {"hand", "tape"} <= set(result.times)
    assert "WRONG" not in out and "FAILED" not in out
    if result.source_note is None:          # source mode transformed the loop: it was timed
        assert {"generated", "sg.grad"} <= set(result.times)
    else:                                   # declined: said so, with the first line of the reason
        assert result.source_note == "declined"
        assert "\n    declined: " in out and "sg.grad" not in result.times


def _divides_by_zero(x):
    return x / 0.0


def test_runner_survives_source_and_tape_failures(capsys):
    w = loops.Workload("divides by zero", _divides_by_zero, (1.0,), (0,), lambda x: (0.0, (0.0,)))
    result = run.measure(w, rounds=1, budget=0.0)
    run._print_measured(result, with_autograd=False)
    out = capsys.readouterr().out
    assert result.source_note == "FAILED" and "source mode FAILED: ZeroDivisionError" in out
    assert "tape FAILED: ZeroDivisionError" in out
    assert set(result.times) == {"hand"}
    assert " FAILED " in out.splitlines()[0]        # the row shows why the source columns are empty


def test_runner_flags_a_wrong_gradient(capsys):
    wrong = loops.Workload("wrong hand", loops.pendulum_unrolled, (0.8, 0.1, 1.5), (0, 1, 2),
                           lambda *a: (loops.pendulum_hand(*a)[0], (1.0, 2.0, 3.0)))
    run._print_measured(run.measure(wrong, rounds=1, budget=0.0), with_autograd=False)
    out = capsys.readouterr().out
    assert "WRONG: sg.grad (source) disagrees" in out and "WRONG: the tape disagrees" in out


def test_runner_flags_a_wrong_value(capsys):
    wrong = loops.Workload("wrong value", loops.pendulum_unrolled, (0.8, 0.1, 1.5), (0, 1, 2),
                           lambda *a: (loops.pendulum_hand(*a)[0] + 1.0, loops.pendulum_hand(*a)[1]))
    run._print_measured(run.measure(wrong, rounds=1, budget=0.0), with_autograd=False)
    assert "WRONG: the generated function's value" in capsys.readouterr().out
