"""Forward mode against reverse mode over every rule case: the dot-product test <u, J v> = <J^T u, v>.

Forward mode is derived from the one rule table (the transpose of the generated vjp, ``sourcegrad/forward.py``),
so this checks, for every rule, that the forward derivative it yields is the transpose of its reverse one. The
rule cases return scalars, so ``u`` is a number and ``J^T u`` is ``u`` times the gradient. A rule that stays first
order must say so (an UnsupportedError naming it), never give a number; auto mode then still answers (from
vjps)."""

import numpy as np
import pytest

import sourcegrad as sg
from tests.cases.rule_cases import CASES

_rng = np.random.default_rng(12)
TANGENTS = {case.name: tuple(_rng.normal(size=np.shape(case.args[i])) if np.ndim(case.args[i])
                             else float(_rng.normal()) for i in case.wrt) for case in CASES}
FIRST_ORDER = "stays first order and cannot be differentiated again"


def _reverse(case, u, mode):
    grads = sg.grad(case.fn, wrt=case.wrt, mode=mode)(*case.args)
    return sum(float(np.sum(u * np.asarray(g) * t)) for g, t in zip(grads, TANGENTS[case.name]))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_dot_product_source(case):
    u = 0.75
    try:
        value, forward = sg.jvp(case.fn, case.args, TANGENTS[case.name], mode="source", wrt=case.wrt)
    except sg.UnsupportedError as exc:
        assert FIRST_ORDER in str(exc) and "the derivative rule of" in str(exc)
        return
    assert value == pytest.approx(case.fn(*case.args))
    assert np.ndim(forward) == 0
    assert u * float(forward) == pytest.approx(_reverse(case, u, "source"), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("case", CASES[::7], ids=[c.name for c in CASES[::7]])
def test_dot_product_auto_always_answers(case):
    value, forward = sg.jvp(case.fn, case.args, TANGENTS[case.name], wrt=case.wrt)
    assert float(forward) == pytest.approx(_reverse(case, 1.0, "source"), rel=1e-6, abs=1e-9)
