"""Hostile cases for structured arguments (issue 14): each once gave a wrong gradient or an internal error.

Every gradient is compared with central differences (``sg.numerical_grad``) or an exact derivative; a decline
is checked by type and message."""

import dataclasses

import numpy as np
import pytest

import sourcegrad as sg

RNG = np.random.default_rng(1414)


def _assert_tree_close(got, want):
    got_leaves, got_def = sg.tree_flatten(got)
    want_leaves, want_def = sg.tree_flatten(want)
    assert got_def == want_def, (got_def, want_def)
    for a, b in zip(got_leaves, want_leaves):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


# ---- wrt in another order than the parameters


def scaled(params, s):
    return params[0] * 2.0 * s + params[1] * 7.0 + np.sum(params[2] ** 2) * s ** 2


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
@pytest.mark.parametrize("wrt", [("s", "params"), (1, 0), ("params", "s")])
def test_wrt_order_differs_from_parameter_order(mode, wrt):
    args = ([1.0, 3.0, np.array([0.5, -1.0])], 1.5)
    g = sg.grad(scaled, wrt=wrt, mode=mode)
    got = g(*args)
    want = sg.numerical_grad(scaled, *args, wrt=wrt)
    assert len(got) == 2
    for a, b in zip(got, want):
        _assert_tree_close(a, b)
    if mode == "auto":
        assert g.mode == "source", g.fallback_reason
    # exactly: d/ds = 2 p0 + 2 s |p2|^2, d/dp0 = 2 s, d/dp1 = 7
    by_name = dict(zip(["params" if w in ("params", 0) else "s" for w in wrt], got))
    assert by_name["s"] == pytest.approx(2 * 1.0 + 2 * 1.5 * 1.25)
    assert by_name["params"][:2] == [pytest.approx(3.0), pytest.approx(7.0)]


def test_value_and_grad_and_vjp_with_wrt_reversed():
    args = ([1.0, 3.0, np.array([0.5, -1.0])], 1.5)
    value, (ds, dparams) = sg.value_and_grad(scaled, wrt=(1, 0), mode="source")(*args)
    assert value == pytest.approx(scaled(*args))
    assert ds == pytest.approx(2 * 1.0 + 2 * 1.5 * 1.25)
    _assert_tree_close(dparams, sg.numerical_grad(scaled, *args, wrt=0))
    out, back = sg.vjp(scaled, *args, wrt=("s", "params"), mode="source")
    ds, dparams = back(2.0)
    assert ds == pytest.approx(2 * (2 * 1.0 + 2 * 1.5 * 1.25))
    assert dparams[:2] == [pytest.approx(6.0), pytest.approx(14.0)]
