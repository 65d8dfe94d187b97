"""What ``sg.grad`` accepts: partials, callable objects, bound methods, primitives passed directly,
``*args``/``**kwargs`` functions, keyword-only ``wrt``, ``sg.vjp(mode=...)``; clear errors elsewhere.
And user rules: one behaviour in both engines."""

import functools
import importlib
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import registry

MODES = ["auto", "source", "tape"]
X = np.array([0.3, -0.7, 1.1])


def scaled(x, scale=1.0, shift=0.0):
    return np.sum((x * scale + shift) ** 2)


def d_scaled(x, scale, shift):
    return 2 * (x * scale + shift) * scale


@pytest.mark.parametrize("mode", MODES)
def test_partial_with_keywords_and_positional(mode):
    g = sg.grad(functools.partial(scaled, scale=3.0, shift=0.5), mode=mode)
    np.testing.assert_allclose(g(X), d_scaled(X, 3.0, 0.5))
    np.testing.assert_allclose(g(X, shift=-1.0), d_scaled(X, 3.0, -1.0))   # a partial's keyword overridden
    A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])

    def matrix_loss(A, x):
        return np.sum(np.tanh(A @ x))

    g2 = sg.grad(functools.partial(matrix_loss, A), mode=mode)   # wrt=0 is x: A is bound
    expected = A.T @ (1 - np.tanh(A @ X) ** 2)
    np.testing.assert_allclose(g2(X), expected)


@pytest.mark.parametrize("mode", MODES)
def test_partial_wrt_a_keyword_it_binds(mode):
    g = sg.grad(functools.partial(scaled, scale=3.0), wrt="scale", mode=mode)
    assert g(X, scale=2.0) == pytest.approx(float(np.sum(2 * (X * 2.0) * X)))


class Quadratic:
    factor = 1.5

    def __init__(self, A):
        self.A = A

    def __call__(self, x):
        return 0.5 * x @ self.A @ x

    def energy(self, x, *, temperature=1.0):
        return np.sum(np.exp(self.A @ x / temperature))

    @classmethod
    def class_loss(cls, x):
        return np.sum(x ** 2) * cls.factor

    @staticmethod
    def static_loss(x):
        return np.sum(np.cos(x) * x)


Q = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 3.0]])


@pytest.mark.parametrize("mode", MODES)
def test_callable_object_and_methods(mode):
    q = Quadratic(Q)
    np.testing.assert_allclose(sg.grad(q, mode=mode)(X), Q @ X)
    np.testing.assert_allclose(sg.grad(q.energy, mode=mode)(X), Q.T @ np.exp(Q @ X))
    t = 2.0
    np.testing.assert_allclose(sg.grad(q.energy, wrt="temperature", mode=mode)(X, temperature=t),
                               np.sum(np.exp(Q @ X / t) * -(Q @ X) / t ** 2))
    np.testing.assert_allclose(sg.grad(Quadratic.class_loss, mode=mode)(X), 3.0 * X)
    np.testing.assert_allclose(sg.grad(Quadratic.static_loss, mode=mode)(X), np.cos(X) - np.sin(X) * X)
    with pytest.raises(ValueError, match="out of range"):
        sg.grad(q.energy, wrt=2)   # self is bound: x and temperature are left


@pytest.mark.parametrize("mode", MODES)
def test_primitives_passed_directly(mode):
    g = sg.grad(np.sin, mode=mode)
    assert g(0.3) == pytest.approx(np.cos(0.3))
    np.testing.assert_allclose(sg.grad(np.sum, mode=mode)(X), np.ones(3))
    np.testing.assert_allclose(sg.grad(np.linalg.norm, mode=mode)(X), X / np.linalg.norm(X))
    value, grads = sg.value_and_grad(np.arctan2, wrt=(0, 1), mode=mode)(0.5, 2.0)
    assert value == pytest.approx(np.arctan2(0.5, 2.0))
    assert grads[0] == pytest.approx(2.0 / 4.25) and grads[1] == pytest.approx(-0.5 / 4.25)
    if mode != "tape":
        assert g.mode == "source" and "np.sin" in g.source


def star(x, *args, **kwargs):
    total = np.sum(x ** 2) * kwargs.get("scale", 1.0)
    for a in args:
        total = total + np.sum(x * a)
    return total


def test_star_args_and_kwargs():
    g = sg.grad(star)
    np.testing.assert_allclose(g(X), 2 * X)
    np.testing.assert_allclose(g(X, 2.0, scale=3.0), 6 * X + 2.0)
    np.testing.assert_allclose(g(x=X, scale=0.5), X)
    assert g.mode == "tape" and "*args" in g.fallback_reason
    np.testing.assert_allclose(sg.grad(star, mode="tape")(X, 1.0, 1.0), 2 * X + 2.0)
    with pytest.raises(sg.UnsupportedError, match=r"\*args"):
        sg.grad(star, mode="source")(X)
    g1 = sg.grad(star, wrt=1)               # the first argument *args catches
    assert g1(X, 2.0, 5.0) == pytest.approx(np.sum(X))
    with pytest.raises(TypeError, match="positional arguments"):
        g1(X)

    def keywords_only(**kwargs):
        return kwargs["a"] ** 2

    with pytest.raises(ValueError, match="named parameter"):
        sg.grad(keywords_only)


def kwonly(x, *, k, b=1.0):
    return np.sum(x * k ** 2) + b ** 3


@pytest.mark.parametrize("mode", MODES)
def test_keyword_only_wrt(mode):
    assert sg.grad(kwonly, wrt="k", mode=mode)(X, k=2.0) == pytest.approx(4.0 * np.sum(X))
    assert sg.grad(kwonly, wrt="b", mode=mode)(X, k=2.0) == pytest.approx(3.0)
    gx, gk = sg.grad(kwonly, wrt=("x", "k"), mode=mode)(X, k=2.0, b=0.5)
    np.testing.assert_allclose(gx, np.full(3, 4.0))
    assert gk == pytest.approx(4.0 * np.sum(X))


def vector_out(x, w):
    return np.sin(x) * w


@pytest.mark.parametrize("mode", MODES)
def test_vjp_in_every_mode(mode):
    w = np.array([1.0, 2.0, -1.0])
    value, vjp_fn = sg.vjp(vector_out, X, w, mode=mode)
    np.testing.assert_allclose(value, np.sin(X) * w)
    seed = np.array([1.0, 0.5, 2.0])
    np.testing.assert_allclose(vjp_fn(seed), seed * np.cos(X) * w)
    _, vjp_w = sg.vjp(vector_out, X, w, wrt="w", mode=mode)
    np.testing.assert_allclose(vjp_w(seed), seed * np.sin(X))
    with pytest.raises(ValueError, match="shape"):
        vjp_fn(np.ones(2))


def test_vjp_of_variadic_and_partial():
    _, fn = sg.vjp(lambda *a: np.sin(a[0]) * 2.0, X)
    np.testing.assert_allclose(fn(np.ones(3)), 2 * np.cos(X))
    _, fn = sg.vjp(functools.partial(vector_out, w=np.ones(3)), X)
    np.testing.assert_allclose(fn(np.ones(3)), np.cos(X))


def cube(x):
    return x ** 3 + np.sin(x)


@pytest.mark.parametrize("mode", ["auto", "source"])
def test_grad_of_grad_in_source_mode(mode):
    second = sg.grad(sg.grad(cube), mode=mode)
    assert second(0.7) == pytest.approx(6 * 0.7 - np.sin(0.7))
    assert second.mode == "source"
    third = sg.grad(sg.grad(sg.grad(cube)))
    assert third(0.7) == pytest.approx(6 - np.cos(0.7))


def test_grad_of_grad_on_the_tape_runs_the_generated_gradient():
    second = sg.grad(sg.grad(cube), mode="tape")
    assert second(0.7) == pytest.approx(6 * 0.7 - np.sin(0.7))
    assert second.mode == "tape"


def test_grad_of_grad_is_a_named_error_where_unsupported():
    with pytest.raises(sg.UnsupportedError, match="mode='tape', which source mode cannot read as code"):
        sg.grad(sg.grad(cube, mode="tape"), mode="source")(0.7)
    assert sg.grad(sg.grad(cube, mode="tape"))(0.7) == pytest.approx(6 * 0.7 - np.sin(0.7))   # auto: the tape

    def array_loss(x):
        return np.sum(np.sort(x, axis=0) ** 3)   # its adjoint calls grad_sorted, a first-order helper

    inner = sg.grad(array_loss)

    def penalty(x):
        return np.sum(inner(x))

    with pytest.raises(sg.UnsupportedError, match="rule of .*np.sort calls sourcegrad's helper grad_sorted"):
        sg.grad(penalty, mode="source")(X.reshape(-1, 1))


def test_grad_of_grad_of_a_full_reduction_runs_the_generated_numpy_code_on_the_tape():
    def array_loss(x):
        return np.sum(x ** 3)   # its adjoint is 3.0 * x ** 2: NumPy only

    second = sg.grad(lambda x: np.sum(sg.grad(array_loss)(x)))
    np.testing.assert_allclose(second(X), 6 * X, rtol=1e-12)


def test_not_callable_and_no_signature():
    with pytest.raises(TypeError, match="needs a function"):
        sg.grad(3.0)


# ---- user rules: one behaviour in both engines


def _module(text):
    directory = tempfile.mkdtemp(prefix="sg_entry_")
    name = f"sg_entry_rules_{abs(hash(directory))}"
    with open(f"{directory}/{name}.py", "w") as file:
        file.write(textwrap.dedent(text))
    sys.path.insert(0, directory)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(directory)


@pytest.fixture
def ste():
    """A module with a rounding function and a straight-through rule for it (deliberately not its
    true derivative, which is 0), registered for the test and removed after."""
    mod = _module("""
        import numpy as np

        def ste_round(v):
            return np.round(v)

        def uses(x):
            return np.sum(ste_round(x) * x)

        def through_default(x, r=ste_round):
            return np.sum(r(x) * x)

        def scalar_uses(x):
            return ste_round(x) * x ** 2
    """)

    def ste_vjp(g, ans, v):
        return g

    sg.vjp_rule(mod.ste_round, elementwise=True)(ste_vjp)
    try:
        yield mod
    finally:
        registry.VJP_RULES.pop(mod.ste_round, None)
        registry.ELEMENTWISE.discard(mod.ste_round)
        registry.PYTHON_FUNCTIONS.discard(mod.ste_round)
        registry.VERSION[0] += 1


XS = np.array([0.3, 1.6, -2.4])


@pytest.mark.parametrize("mode", MODES)
def test_user_rule_used_top_level_and_nested(ste, mode):
    top = sg.grad(lambda v: np.sum(ste.ste_round(v) * 2.0), mode="tape" if mode == "source" else mode)
    np.testing.assert_allclose(top(XS), np.full(3, 2.0))          # the rule, not round's zero derivative
    direct = sg.value_and_grad(ste.ste_round, mode=mode)
    value, grad = direct(1.6)
    assert value == 2.0 and grad == 1.0
    nested = sg.grad(ste.uses, mode=mode)
    np.testing.assert_allclose(nested(XS), np.round(XS) + XS)
    assert ste.ste_round.__name__ == "ste_round" and ste.uses.__globals__["ste_round"] is ste.ste_round


def test_user_rule_in_a_gradient_differentiated_on_the_tape(ste):
    # d/dx = r'(x) x^2 + 2 x r(x) with the rule's r' = 1; again: 2x + 2 r(x) + 2x r'(x)
    second = sg.grad(sg.grad(ste.scalar_uses))
    assert second(1.6) == pytest.approx(4 * 1.6 + 2 * 2.0)
    assert ste.scalar_uses.__globals__["ste_round"] is ste.ste_round   # restored after the tape run


def test_user_rule_through_defaults_and_closures_of_the_function(ste):
    expected = np.round(XS) + XS
    np.testing.assert_allclose(sg.grad(ste.through_default)(XS), expected)
    assert ste.through_default.__defaults__[0] is ste.ste_round      # restored

    def make(r):
        def closure_loss(x, *, k=ste.ste_round):
            return np.sum(r(x) * x) + np.sum(k(x))
        return closure_loss

    f = make(ste.ste_round)
    np.testing.assert_allclose(sg.grad(f)(XS), expected + 1.0)
    assert f.__closure__[0].cell_contents is ste.ste_round and f.__kwdefaults__["k"] is ste.ste_round


def test_user_rule_unreachable_on_the_tape_is_an_error(ste):
    table = {"r": ste.ste_round}

    def helper(x, r=table["r"]):      # a default of a helper, not of the function differentiated
        return r(x)

    def f(x):
        return np.sum(helper(x) * x)

    with pytest.raises(sg.RuleBypassError, match="ste_round has a derivative rule"):
        sg.grad(f, mode="tape")(XS)
    assert helper.__defaults__[0] is ste.ste_round


def test_no_warning_when_registering_a_rule_for_a_python_function(recwarn):
    def plain(v):
        return v * 2.0

    def rule(g, ans, v):
        return g * 2.0

    try:
        sg.vjp_rule(plain)(rule)
        assert not [w for w in recwarn if "sg.primitive" in str(w.message)]
    finally:
        registry.VJP_RULES.pop(plain, None)
        registry.PYTHON_FUNCTIONS.discard(plain)
        registry.VERSION[0] += 1
