"""Every supported construct through source mode, against central finite differences."""

import numpy as np
import pytest

import sourcegrad as sg
from tests.cases.straight_line import CASES
from tests.helpers import numeric_grad


def _wrt_indices(case):
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    names = list(case.func.__code__.co_varnames[: case.func.__code__.co_argcount])
    return [names.index(w) if isinstance(w, str) else w for w in wrt]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_source_gradient_matches_finite_differences(case):
    g = sg.grad(case.func, wrt=case.wrt, mode="source")
    got = g(*case.args)
    got = got if isinstance(case.wrt, tuple) else (got,)
    assert g.mode == "source"
    for value, index in zip(got, _wrt_indices(case)):
        expected = numeric_grad(case.func, case.args, index)
        arg = case.args[index]
        assert type(value) is type(arg) if not isinstance(arg, np.ndarray) else value.shape == arg.shape
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_value_and_grad_returns_the_function_value(case):
    value, _ = sg.value_and_grad(case.func, wrt=case.wrt, mode="source")(*case.args)
    assert value == pytest.approx(case.func(*case.args), rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_source_and_tape_agree(case):
    source = sg.grad(case.func, wrt=case.wrt, mode="source")(*case.args)
    if case.tape_error is not None:
        with pytest.raises(case.tape_error, match="(?i)tensor"):
            sg.grad(case.func, wrt=case.wrt, mode="tape")(*case.args)
        return
    tape = sg.grad(case.func, wrt=case.wrt, mode="tape")(*case.args)
    source = source if isinstance(case.wrt, tuple) else (source,)
    tape = tape if isinstance(case.wrt, tuple) else (tape,)
    for s, t in zip(source, tape):
        np.testing.assert_allclose(s, t, rtol=1e-10, atol=1e-12)
