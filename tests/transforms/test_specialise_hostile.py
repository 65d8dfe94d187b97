"""Hostile programs for gradients specialised on the kinds of their arguments (issue 11).

``tests/cases/hostile/specialise.py`` registers each function with several argument sets; one gradient object is
called on them in turn (twice over, so that the generated fast entry serves them too), and every gradient is compared
with finite differences and with its argument's shape, type and dtype. The tests below those are programs that get a
wrong gradient or an error, each marked ``xfail(strict=True)`` with what goes wrong.
"""

import numpy as np
import pytest

import sourcegrad as sg
from tests.cases.hostile import specialise as cases


def _sequences():
    """(function, wrt, note, [argument tuples]) per function, in registration order."""
    grouped = {}
    for case in cases.CASES:
        entry = grouped.setdefault(case.func, (case.func, case.wrt, case.note, []))
        entry[3].append(case.args)
    return list(grouped.values())


SEQUENCES = _sequences()


def _expected_type(arg):
    """The type and dtype a gradient must have for an argument."""
    if isinstance(arg, np.ndarray):
        return np.ndarray, arg.dtype if arg.dtype.kind == "f" else np.dtype(np.float64)
    if isinstance(arg, np.floating):
        return type(arg), None
    return float, None


def _check(func, args, wrt, got, expected):
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    if not isinstance(wrt, tuple):
        got, expected = (got,), (expected,)
    single = any(getattr(a, "dtype", None) == np.float32 or type(a) is np.float32 for a in args)
    rtol, atol = (1e-4, 1e-4) if single else (1e-6, 1e-8)
    for i, mine, theirs in zip(positions, got, expected):
        arg = args[i]
        kind, dtype = _expected_type(arg)
        assert type(mine) is kind, (func.__name__, i, type(mine), kind)
        assert np.shape(mine) == np.shape(arg), (func.__name__, i, np.shape(mine), np.shape(arg))
        if dtype is not None:
            assert mine.dtype == dtype, (func.__name__, i, mine.dtype, dtype)
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol,
                                   err_msg=f"{func.__name__} at {[np.shape(a) for a in args]}")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("func, wrt, note, argument_sets", SEQUENCES, ids=[s[0].__name__ for s in SEQUENCES])
def test_one_gradient_object_at_every_kind(func, wrt, note, argument_sets):
    mode = "auto" if note == "auto" else "source"
    g = sg.grad(func, wrt=wrt, mode=mode)
    expected = [sg.numerical_grad(func, *args, wrt=wrt) for args in argument_sets]
    for _ in range(2):   # the second time round, kinds seen twice take the generated entry
        for args, theirs in zip(argument_sets, expected):
            _check(func, args, wrt, g(*args), theirs)
            if mode == "source":
                assert g.mode == "source"


def test_value_and_grad_through_the_entry():
    vg = sg.value_and_grad(cases.product_used_twice, wrt=(0, 1), mode="source")
    for A, B in [(np.ones((3, 4)), np.full((4, 2), 0.5)), (np.ones((1, 4)), np.full((4, 1), 0.5))] * 3:
        value, grads = vg(A, B)
        assert value == cases.product_used_twice(A, B)
        _check(cases.product_used_twice, (A, B), (0, 1), grads,
               sg.numerical_grad(cases.product_used_twice, A, B, wrt=(0, 1)))


def _numerical_vjp(func, args, wrt, seed):
    return sg.numerical_grad(lambda *a: float(np.sum(np.asarray(func(*a)) * seed)), *args, wrt=wrt)


@pytest.mark.parametrize("x", [np.linspace(-1, 1, 4), np.array([0.3]), np.arange(6.0).reshape(2, 3) / 5,
                               np.array(0.4), 0.4, np.linspace(-1, 1, 3).astype(np.float32)])
@pytest.mark.parametrize("seed", [1.0, 2.5, np.array(-2.0), np.float32(3.0), 2, np.array(2)])
def test_vjp_of_a_full_reduction_with_any_seed(x, seed):
    value, vjp_fn = sg.vjp(cases.squares_and_mean, x, mode="source")
    got = vjp_fn(seed)
    tolerance = 1e-4 if np.result_type(x) == np.float32 else 1e-7
    np.testing.assert_allclose(got, _numerical_vjp(cases.squares_and_mean, (x,), 0, float(seed)),
                               rtol=tolerance, atol=tolerance)


def _shaped_outputs(x):
    return np.mean(x) * x + np.sum(x * x, axis=0) * 0.5


@pytest.mark.parametrize("x", [np.linspace(-1, 1, 4), np.array([0.3]), np.arange(6.0).reshape(2, 3) / 5,
                               np.arange(3.0).reshape(3, 1)])
def test_vjp_of_array_outputs(x):
    value, vjp_fn = sg.vjp(_shaped_outputs, x, mode="source")
    for seed in (np.ones(np.shape(value)), np.linspace(0.5, 2.0, np.size(value)).reshape(np.shape(value)),
                 np.full(np.shape(value), 3)):
        np.testing.assert_allclose(vjp_fn(seed), _numerical_vjp(_shaped_outputs, (x,), 0, seed), rtol=1e-6, atol=1e-8)


def test_gradient_of_a_gradient_already_called_with_a_float():
    # a 0-d Tensor is a numbers.Real (kind SCALAR): it must not take the entry the float made (at 6d82f62 it did,
    # and api._like called float() on it: GradientLostError)
    inner = sg.grad(cases.cube)
    assert inner(0.7) == pytest.approx(3 * 0.7 ** 2)
    assert sg.grad(inner)(0.7) == pytest.approx(6 * 0.7)


# ---------------------------------------------------------------- found by review (fixed, and one known failure)


def test_gradients_are_not_the_callers_arrays():
    u, v = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    g = sg.grad(cases.bilinear, wrt=(0, 1), mode="source")
    gu, gv = g(u, v)
    u -= 0.1 * gu            # an ordinary in-place SGD step ...
    v -= 0.1 * gv            # ... uses gv == the original u, not the updated one
    np.testing.assert_allclose(u, [0.6, 1.5, 2.4])
    np.testing.assert_allclose(v, [3.9, 4.8, 5.7])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_uniform_adjoint_spread_for_a_branch_in_a_loop_of_growing_slices():
    x = np.linspace(-1.0, 1.0, 5)
    g = sg.grad(cases.growing_slices_with_a_branch, mode="source")
    np.testing.assert_allclose(g(x, 4), sg.numerical_grad(cases.growing_slices_with_a_branch, x, 4),
                               rtol=1e-6, atol=1e-8)


def test_uniform_adjoint_spread_for_a_branch_in_a_loop_of_a_growing_value():
    x, a, w = np.array([0.3]), np.array([0.1, 0.2, 0.4]), np.array([2.0])
    g = sg.grad(cases.carried_value_grows_with_a_branch, wrt=(0, 1), mode="source")
    got = g(x, a, w, 3)
    expected = sg.numerical_grad(cases.carried_value_grows_with_a_branch, x, a, w, 3, wrt=(0, 1))
    for mine, theirs in zip(got, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.xfail(strict=True, raises=ZeroDivisionError, reason="also on main: the adjoint of np.mean of an empty "
                   "array is `1.0 / x.size` (before: `1.0 / reduced_size(x, None)`), a Python float divided by the "
                   "int 0; the tape gives the empty gradient")
def test_mean_of_an_empty_array():
    x = np.zeros((0, 3))
    got = sg.grad(cases.mean_of_squares, mode="source")(x)
    assert got.shape == (0, 3)


def test_gradient_at_a_numpy_integer_scalar():
    got = sg.grad(cases.root, mode="source")(np.int64(4))
    assert float(got) == pytest.approx(0.25)


def test_vjp_with_a_boolean_seed():
    x = np.array([0.5, 1.5, -2.0])
    value, vjp_fn = sg.vjp(cases.twice, x, mode="source")
    seed = np.array([True, True, False])   # NumPy would add booleans as "or": refused by name
    with pytest.raises(TypeError, match="not booleans"):
        vjp_fn(seed)
    np.testing.assert_allclose(vjp_fn(seed.astype(float)), _numerical_vjp(cases.twice, (x,), 0, seed.astype(float)))
