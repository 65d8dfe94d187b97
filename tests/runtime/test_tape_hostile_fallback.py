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
