"""verify=True / SOURCEGRAD_VERIFY=1: each newly generated gradient is checked once against the tape
(finite differences where the tape cannot run); on disagreement a VerificationWarning, the tape's
answer, and the tape from then on."""

import math
import warnings

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad import api
from sourcegrad.rules import registry

X = np.array([0.3, -0.7, 1.1])


def loss(x):
    return np.sum(np.sin(x) * x)


def dloss(x):
    return np.cos(x) * x + np.sin(x)


@pytest.fixture
def broken_transformer(monkeypatch):
    """Make every newly generated gradient wrong (its gradient doubled), as a transformer bug would."""
    real = api.build_gradient

    def build(func, wrt, kinds=None, seeded=False):
        generated = real(func, wrt, kinds, seeded)
        correct = generated.function

        def wrong(*args):
            value, grads = correct(*args)
            if isinstance(grads, tuple):
                return value, tuple(g * 2.0 for g in grads)
            return value, grads * 2.0

        generated.function = wrong
        return generated

    monkeypatch.setattr(api, "build_gradient", build)
    api._GENERATED.clear()
    yield
    api._GENERATED.clear()


def test_agreeing_gradient_is_used_and_verified_once(monkeypatch):
    calls = []

    def counted(x):
        calls.append(1)
        return np.sum(np.sin(x) * x)

    g = sg.grad(counted, verify=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(g(X), dloss(X))
    assert g.mode == "source" and g.fallback_reason is None
    assert len(calls) == 2          # the function ran twice: the generated code and the tape
    g(X)
    g(X + 1.0)
    assert len(calls) == 4          # verified once per cache entry: the generated code alone
    g(0.5)                          # a new kind of argument: a new cache entry, verified again
    assert len(calls) == 6


def test_disagreement_warns_and_uses_the_tape(broken_transformer):
    def f(x):
        return np.sum(np.sin(x) * x)

    g = sg.value_and_grad(f, verify=True)
    with pytest.warns(sg.VerificationWarning, match=r"disagrees with the tape") as record:
        value, grad = g(X)
    message = str(record[0].message)
    assert "source mode" in message and "d/dx" in message
    assert np.array2string(2 * dloss(X), precision=8)[:6] in message   # both answers are shown
    np.testing.assert_allclose(grad, dloss(X))                          # the tape's answer
    assert value == pytest.approx(loss(X))
    assert g.mode == "tape" and "verify" in g.fallback_reason and "tape" in g.fallback_reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(g(X)[1], dloss(X))                    # the tape from then on, silently
    assert g.mode == "tape"


def test_without_verify_the_wrong_code_is_what_runs(broken_transformer):
    """The control: the fixture does break source mode."""
    def f(x):
        return np.sum(np.sin(x) * x)

    np.testing.assert_allclose(sg.grad(f)(X), 2 * dloss(X))


def test_environment_variable_turns_it_on(broken_transformer, monkeypatch):
    monkeypatch.setenv("SOURCEGRAD_VERIFY", "1")

    def f(x, w):
        return np.sum(np.tanh(x * w))

    g = sg.grad(f, wrt=(0, 1))
    assert g.verify
    with pytest.warns(sg.VerificationWarning):
        gx, gw = g(X, 2.0)
    d = 1 - np.tanh(X * 2.0) ** 2
    np.testing.assert_allclose(gx, 2.0 * d)
    assert gw == pytest.approx(np.sum(X * d))
    monkeypatch.setenv("SOURCEGRAD_VERIFY", "0")
    assert not sg.grad(f).verify


def test_a_wrong_rule_inlined_by_source_mode(monkeypatch):
    """A rule changed under the generated code without a registration (so the cache is not rebuilt):
    source mode has the wrong rule inlined, the tape reads the right one."""
    rule = registry.VJP_RULES[np.cos]

    def wrong_cos_vjp(g, ans, x):
        return g * np.sin(x)       # the sign is wrong

    def f(x):
        return np.sum(np.cos(x) * 3.0)

    try:
        sg.vjp_rule(np.cos)(wrong_cos_vjp)
        sg.grad(f, mode="source")(X)                  # generated with the wrong rule inlined
        registry.VJP_RULES[np.cos] = rule             # restored behind the cache's back
        g = sg.grad(f, verify=True)
        with pytest.warns(sg.VerificationWarning, match="disagrees with the tape"):
            result = g(X)
        np.testing.assert_allclose(result, -3.0 * np.sin(X))
        assert "verify" in g.fallback_reason
    finally:
        registry.VJP_RULES[np.cos] = rule
        registry.VERSION[0] += 1
        api._GENERATED.pop(f, None)


def with_math(x):   # float(x) of a Tensor: the tape refuses it (math.sin records on the tape since issue 10)
    return math.sin(float(x)) * x


def test_finite_differences_where_the_tape_cannot_run():
    with pytest.raises(sg.GradientLostError):
        sg.grad(with_math, mode="tape")(0.7)
    g = sg.grad(with_math, verify=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(0.7) == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7))
    assert g.mode == "source"


def test_finite_differences_disagree_and_the_tape_cannot_run(broken_transformer):
    g = sg.grad(with_math, verify=True)
    with pytest.warns(sg.VerificationWarning, match="disagrees with finite differences"):
        with pytest.raises(sg.GradientLostError):
            g(0.7)
    assert "finite differences" in g.fallback_reason
