"""Hostile review of the tape as a complete fallback (issue 10): module stand-ins that must leave no trace,
type checks in helpers, math functions, containers, PyTorch habits. Gradients are checked against exact
derivatives or central differences; errors by type and message."""

import math

import numpy as np
import pytest

import sourcegrad as sg
from tests.runtime import hostile_helpers as hh


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# ---------------------------------------------------------------- no lasting side effect


def test_module_state_built_during_the_run_stays_plain():
    # a helper's lazily built global, a memo dict and an lru_cache filled on the tape (np.zeros gives a Tensor
    # there) must not hand Tensors to the plain program afterwards
    hh._BUFFER = None
    hh.MEMO.clear()
    hh.cached_basis.cache_clear()
    value, grad = sg.value_and_grad(hh.uses_state, mode="tape")(0.7)
    assert value == pytest.approx(0.7 * 4.0) and grad == pytest.approx(4.0)
    assert type(hh._BUFFER) is np.ndarray
    assert type(hh.MEMO[2]) is np.ndarray
    assert type(hh.cached_basis(2)) is np.ndarray
    assert type(hh.uses_state(0.7)) is not sg.Tensor


def test_an_error_midway_restores_the_modules():
    with pytest.raises(KeyError, match="midway"):
        sg.grad(hh.raises_midway, mode="tape")(0.5)
    assert hh.math is math and hh.np is np
    assert "type" not in vars(hh)


# ---------------------------------------------------------------- type checks in helpers


def test_type_checks_in_a_helper_answer_as_for_the_plain_values():
    f = hh.checks_types
    value, grad = sg.value_and_grad(f, mode="tape")(0.7)
    assert value == pytest.approx(f(0.7))
    assert grad == pytest.approx(central(f, 0.7), rel=1e-6)
    assert grad == pytest.approx(1.0 + 2.0 * math.cos(0.7))
    assert "type" not in vars(hh)


def test_type_in_a_users_module_still_works_as_a_metaclass():
    assert sg.grad(hh.checks_metaclass, mode="tape")(0.7) == pytest.approx(3.0)


def test_modules_and_functions_kept_by_objects_are_the_real_ones_afterwards():
    assert sg.grad(hh.keeps_modules, mode="tape")(0.3) == pytest.approx(math.cos(0.3))
    assert hh.HOLDER.xp is np and hh.HOLDER.table["sin"] is math.sin


def test_source_mode_inside_a_taped_function_reads_the_real_modules():
    # the stand-ins are in the module while the outer function runs on the tape: source mode sees through them
    expected = math.cos(0.5) * 0.5 + math.sin(0.5) - math.sin(0.3)
    assert sg.grad(hh.source_inside_tape, mode="tape")(0.3) == pytest.approx(expected, rel=1e-12)
    g = sg.grad(hh.inner, mode="source")
    assert g(0.5) == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))   # built outside: still current
    assert g.mode == "source"


def test_plain_code_of_the_module_in_another_thread_stays_plain():
    import threading

    found = {}
    worker = threading.Thread(target=lambda: found.setdefault("out", hh.plain_work(5000)))
    worker.start()
    x = 0.3
    got = sg.grad(hh.long_tape, mode="tape")(x)
    worker.join()
    assert all(r[0] is np.ndarray and r[1] is np.ndarray for r in found["out"])
    assert [r[2] for r in found["out"]] == [2.0 * i + 2.0 + math.sin(0.1) for i in range(5000)]
    assert got == pytest.approx(central(hh.long_tape, x), rel=1e-5)


# ---------------------------------------------------------------- math functions, both engines


def _asinh(x): return math.asinh(x) * x
def _acosh(x): return math.acosh(x + 1.5)
def _atanh(x): return math.atanh(x / 2)
def _erf(x): return math.erf(x) + math.erfc(2 * x)
def _degrees(x): return math.degrees(x) * math.radians(x)
def _copysign(x): return math.copysign(x * x, -1.0) + math.copysign(2.0, x)
def _fmod(x): return math.fmod(x * 5, 1.5) + math.fmod(3.0, x)
def _remainder(x): return math.remainder(x * 5, 1.5) + math.remainder(3.0, x)
def _ldexp(x): return math.ldexp(x, 3) + math.log(x, 3) + math.log(3.0, x + 1)
def _exp2_cbrt(x): return math.exp2(x) + math.cbrt(x + 1) if hasattr(math, "cbrt") else math.exp(x)


MATH_CASES = [_asinh, _acosh, _atanh, _erf, _degrees, _copysign, _fmod, _remainder, _ldexp, _exp2_cbrt]


@pytest.mark.parametrize("mode", ["tape", "source"])
@pytest.mark.parametrize("f", MATH_CASES, ids=lambda f: f.__name__)
def test_math_functions_have_the_derivatives_of_finite_differences(f, mode):
    x = 0.7
    value, grad = sg.value_and_grad(f, mode=mode)(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    assert grad == pytest.approx(central(f, x), rel=1e-6)
    sg.check_grad(f, x, modes=(mode,))   # raises on a mismatch with finite differences


def test_math_function_without_a_rule_names_it_and_the_users_line():
    def f(x):
        return math.lgamma(x) * 2.0

    with pytest.raises(sg.tape.NoRuleError, match=r"math\.lgamma(.|\n)*test_tape_hostile_fallback\.py:\d+: `return math\.lgamma\(x\) \* 2\.0`"):
        sg.grad(f, mode="tape")(0.5)


# ---------------------------------------------------------------- containers


def _new_array_updated(x):
    a = np.array([1.0, 2.0])   # a new array made from plain values, then updated with a Tensor
    a += np.array([x, x * x])
    b = np.asarray([0.0, 0.0, 0.0])
    b[1] = x
    return a.sum() + (b * b).sum()


def _lists_to_numpy(x):
    return (np.stack([[x, 1.0], [x, x]]).sum() + np.concatenate([[x, 1.0], np.array([x])]).prod()
            + np.hstack([(x, 2.0), np.array([x])]).sum() + np.vstack([[x, x], [1.0, x]]).prod())


def _flat_assign(x):
    y = np.zeros(2)
    y.flat = [x, x * 2]
    return (y ** 2).sum()


def _apply_math(x):
    from sourcegrad.tape import apply

    return apply(math.sin, x) + apply(np.array, [x, x]).sum()


@pytest.mark.parametrize("f", [_new_array_updated, _lists_to_numpy, _flat_assign], ids=lambda f: f.__name__)
def test_containers_of_tensors_give_the_gradient_of_finite_differences(f):
    x = 0.7
    value, grad = sg.value_and_grad(f, mode="tape")(x)
    assert value == pytest.approx(f(x), rel=1e-14)
    assert grad == pytest.approx(central(f, x), rel=1e-6)


def test_apply_of_math_sin_inside_a_taped_function_uses_its_rule():
    # math.sin read in the user's module during the run is the Tensor-aware stand-in: apply sees through it
    value, grad = sg.value_and_grad(_apply_math, mode="tape")(0.7)
    assert value == pytest.approx(math.sin(0.7) + 1.4) and grad == pytest.approx(math.cos(0.7) + 2.0)


def test_an_array_the_caller_made_is_not_turned_into_a_tensor():
    outside = np.array([1.0, 2.0])

    def f(x):
        same = np.asarray(outside)   # no copy: it is the caller's array, which stays plain
        assert same is outside
        return x * same.sum()

    assert sg.grad(f, mode="tape")(0.5) == pytest.approx(3.0)


# ---------------------------------------------------------------- PyTorch habits


def test_view_with_a_shape_says_reshape():
    def f(x):
        return np.array([x, x]).view(2, 1).sum()

    with pytest.raises(TypeError, match=r"Tensor\.view\(2, 1\) is NumPy's view(.|\n)*t\.reshape\(2, 1\)"
                                        r"(.|\n)*test_tape_hostile_fallback\.py:\d+"):
        sg.grad(f, mode="tape")(0.5)


def test_str_and_format_of_tensors_inside_the_run_are_those_of_the_values():
    def f(x):
        return x * len(str(np.array([1.0, 2.0]))) + x * len(f"{x}")

    value, grad = sg.value_and_grad(f, mode="tape")(0.7)
    assert grad == pytest.approx(len(str(np.array([1.0, 2.0]))) + len("0.7"))
    assert value == pytest.approx(f(0.7))


def test_tables_of_functions_compare_equal_to_the_names_while_the_run_lasts():
    f = hh.branches_on_identity
    value, grad = sg.value_and_grad(f, mode="tape")(0.7)
    assert value == pytest.approx(f(0.7)) and grad == pytest.approx(5.0 + math.cos(0.7))
    assert hh.TABLE["sin"] is math.sin and hh.TABLE["zeros"] is np.zeros
    assert hh.SEQUENCE[0] is math.cos and hh.SEQUENCE[1] is np.array and hh.PAIR == (math.exp, np.ones)


@pytest.mark.parametrize("f, mode", [(hh.tape_inside_tape, "tape"), (hh.tape_inside_source, "source"),
                                     (hh.tape_inside_source, "tape")])
def test_a_gradient_taken_inside_a_differentiated_function(f, mode):
    step = math.cos(0.5) * 0.5 + math.sin(0.5)
    expected = step - (math.sin(0.3) if f is hh.tape_inside_tape else 0.0)
    assert sg.grad(f, mode=mode)(0.3) == pytest.approx(expected, rel=1e-12)
    assert hh.math is math and hh.np is np and "type" not in vars(hh)
    assert type(hh.inner(0.5)) is float


def test_a_helpers_global_assignments_are_plain_after_the_run():
    assert sg.grad(hh.remembers_last, mode="tape")(0.3) == pytest.approx(2 * math.cos(0.3))
    assert type(hh.LAST) is float and hh.LAST == pytest.approx(2 * math.sin(0.3))
    assert hh.xp is np
