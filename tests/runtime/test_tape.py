"""The taping runtime: Tensor semantics, recording, backward, no_grad, user rules and errors.

Every rule of the table runs through the tape (and the source transformer) in tests/rules/test_rule_cases.py."""

import contextlib
import math
import re
import threading

import numpy as np
import pytest

from sourcegrad.rules import registry
from sourcegrad.tape.primitive import primitive
from sourcegrad.tape import (
    GradientLostError,
    InPlaceError,
    NoRuleError,
    Tensor,
    apply,
    enable_grad,
    is_grad_enabled,
    no_grad,
    tensor,
    value_and_grad_tape,
)
from tests.helpers import numeric_grad, recorded_primitives

RTOL, ATOL = 1e-6, 1e-8


# ---------------------------------------------------------------- basics


def test_scalar_example():
    x = tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x + 1
    y.backward()
    assert x.grad == 7.0
    assert isinstance(x.grad, float)
    assert y.value == 11.0


def test_unmodified_numpy_code_records():
    def model(W, b, x):
        h = np.tanh(np.dot(W, x) + b)
        r = np.maximum(h, 0) + np.where(h > 0, h, 0) * 0.5
        return np.sum(np.sin(r) ** 2, axis=0) + np.mean(np.exp(-np.abs(x)))

    rng = np.random.default_rng(1)
    W, b, x = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=3)
    tW, tb, tx = (tensor(a, requires_grad=True) for a in (W, b, x))
    out = model(tW, tb, tx)
    assert isinstance(out, Tensor) and {np.tanh, np.dot, np.maximum, np.where, np.sum} <= recorded_primitives(out)
    out.backward()
    for t, i in ((tW, 0), (tb, 1), (tx, 2)):
        np.testing.assert_allclose(t.grad, numeric_grad(model, (W, b, x), i), rtol=RTOL, atol=ATOL)


def test_reflected_operators_and_numpy_scalars_on_the_left():
    x = tensor(np.array([0.5, 2.0]), requires_grad=True)
    y = (2.0 - x) + 3.0 / x + np.float64(2.0) * x + np.ones(2) @ x + 1.5 ** x + np.array([1.0, 2.0]) * x
    y.sum().backward()
    v = x.value
    # d/dx of each term; the scalar `ones @ x` is broadcast over both entries, so it counts twice
    expected = -1 - 3 / v ** 2 + 2 + 2 + np.log(1.5) * 1.5 ** v + np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_same_tensor_used_twice_and_diamond_graph():
    x = tensor(3.0, requires_grad=True)
    a = x * x          # 2x
    b = a + x          # + 1
    c = b * a          # (x^2 + x) x^2 -> d/dx = 4x^3 + 3x^2
    c.backward()
    assert x.grad == pytest.approx(4 * 27 + 3 * 9)


def test_gradient_keeps_leaf_shape_and_is_never_shared():
    x = tensor(np.ones(3), requires_grad=True)
    y = tensor(np.ones(3), requires_grad=True)
    (x + y).sum().backward()
    assert x.grad is not y.grad
    x.grad[0] = 100.0
    assert y.grad[0] == 1.0


def test_float32_leaf_gives_float32_grad():
    x = tensor(np.linspace(0.1, 1.0, 4, dtype=np.float32), requires_grad=True)
    (np.sin(x) * 2.0 + x[[0, 0]].sum()).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (4,)
    s = tensor(np.float32(0.5), requires_grad=True)
    (s * s).backward()
    assert s.grad.dtype == np.float32 and s.grad == np.float32(1.0)


def test_nonscalar_backward_needs_a_gradient():
    x = tensor(np.arange(3.0), requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError, match=r"scalar Tensor.*shape \(3,\)"):
        y.backward()
    y.backward(gradient=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(x.grad, [2.0, 20.0, 200.0])
    with pytest.raises(ValueError, match="needs shape"):
        (x * 2).backward(gradient=np.ones(2))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (tensor(1.0) * 2).backward()


# ---------------------------------------------------------------- accumulation and freeing


def test_grad_accumulates_across_backward_calls():
    x = tensor(2.0, requires_grad=True)
    (x * x).backward()
    (x * 3).backward()
    assert x.grad == 4.0 + 3.0
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 7.0 + 2 * 12.0
    x.grad = None
    (x * 5).backward()
    assert x.grad == 5.0


def test_backward_through_freed_graph_raises():
    x = tensor(2.0, requires_grad=True)
    y = np.sin(x) * x
    y.backward()
    with pytest.raises(RuntimeError, match=r"already freed.*retain_graph=True"):
        y.backward()
    z = y + 1  # a new op on top of a freed graph
    with pytest.raises(RuntimeError, match="already freed"):
        z.backward()


def test_backward_releases_saved_values():
    x = tensor(np.ones(4), requires_grad=True)
    y = np.exp(x) * 2
    node = y._node
    y.sum().backward()
    assert node.args is None and node.ans is None and node.parents is None
    y2 = np.exp(x)
    y2.sum().backward(retain_graph=True)
    assert y2._node.args is not None


def test_long_chain_is_iterative_and_linear():
    x = tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001 ** 100_000, rel=1e-9)


# ---------------------------------------------------------------- no rule / non-differentiable


@pytest.mark.parametrize("fn, name", [(np.fft.fft, "np.fft.fft"), (np.linalg.eigvals, "np.linalg.eigvals")])
def test_numpy_function_without_rule_raises_naming_it(fn, name):
    x = tensor(np.eye(2) + 0.5, requires_grad=True)
    with pytest.raises(NoRuleError, match=rf"no derivative rule for {re.escape(name)}\b") as info:
        fn(x)
    assert isinstance(info.value, NotImplementedError)
    message = str(info.value)
    assert name in message and "sg.vjp_rule" in message
    with no_grad():
        assert not fn(x).requires_grad  # computing without a gradient is fine
    fn(tensor(np.eye(2)))  # and so is a Tensor that does not require grad


@contextlib.contextmanager
def temporary_rules():
    """Let a test register rules; afterwards the table is exactly as before (same dict objects)."""
    saved = dict(registry.VJP_RULES), set(registry.NONDIFFERENTIABLE), set(registry.ELEMENTWISE)
    try:
        yield
    finally:
        for table, old in zip((registry.VJP_RULES, registry.NONDIFFERENTIABLE, registry.ELEMENTWISE), saved):
            table.clear()
            table.update(old)
        if hasattr(registry, "VERSION"):
            registry.VERSION[0] += 1


_METHOD_CANDIDATES = [("trace", ()), ("cumprod", ()), ("var", ()), ("std", ()), ("diagonal", ()), ("repeat", (2,)),
                      ("take", ([0],)), ("swapaxes", (0, 1)), ("conj", ()), ("compress", ([True, False],)),
                      ("view", ())]


def test_method_and_ufunc_method_without_rule_raise():
    x = tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)
    missing = [(m, a) for m, a in _METHOD_CANDIDATES if registry.lookup_vjp(getattr(np.ndarray, m)) is None]
    assert missing, "every candidate method has a rule now: pick others"
    for name, args in missing[:3]:
        with pytest.raises(NoRuleError, match=rf"np\.ndarray\.{name}\b"):
            getattr(x, name)(*args)
    with pytest.raises(NoRuleError, match=r"np\.maximum\.accumulate"):
        np.maximum.accumulate(x)
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'no_such_method'"):
        x.no_such_method()
    with pytest.raises(TypeError, match=r"Tensor\.put\(\) would modify the value in place"):
        x.put([0], 1.0)


@pytest.mark.filterwarnings("ignore:the rule for the Python function")  # apply() is called explicitly
def test_a_wrong_rule_is_named_instead_of_giving_a_wrong_gradient():
    def shuffle(x):
        return x[::-1]

    with temporary_rules():
        registry.vjp_rule(shuffle)(lambda g, ans, x: np.concatenate([g, g]))  # wrong shape
        x = tensor(np.ones(3), requires_grad=True)
        y = apply(shuffle, x * 2).sum()
        with pytest.raises(RuntimeError, match=r"rule for .*shuffle returned an adjoint of shape \(6,\) for its "
                                               r"argument 0 of shape \(3,\)"):
            y.backward()


@pytest.mark.filterwarnings("ignore:the rule for the Python function")  # apply() is called explicitly
def test_user_rule_is_picked_up_by_methods_ufunc_methods_and_apply():
    def my_cube(v):
        return v ** 3

    with temporary_rules():
        @registry.vjp_rule(np.ndarray.prod)
        def prod_rule(g, ans, x, axis=None):
            return g * ans / x

        @registry.vjp_rule(np.add.reduce)
        def add_reduce_rule(g, ans, x, axis=0):
            return np.broadcast_to(g, np.shape(x))

        @registry.vjp_rule(my_cube)
        def my_cube_rule(g, ans, v):
            return g * 3 * v ** 2

        x = tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        y = x.prod() + np.add.reduce(x) + apply(my_cube, x).sum()
        assert {np.ndarray.prod, np.add.reduce, my_cube} <= recorded_primitives(y)
        y.backward()
        np.testing.assert_allclose(x.grad, [6.0, 3.0, 2.0] + np.ones(3) + 3 * x.value ** 2)


@pytest.mark.filterwarnings("ignore:the rule for the Python function")  # apply() is called explicitly
def test_rule_without_gradient_for_a_tensor_argument_is_an_error():
    def scale(x, s):
        return x * s

    with temporary_rules():
        registry.vjp_rule(scale)(lambda g, ans, x, s: (g * s, None))  # no gradient for s
        x = tensor(np.array([0.2, 0.9]), requires_grad=True)
        apply(scale, x, 2.0).sum().backward()  # fine: s is a plain number
        np.testing.assert_allclose(x.grad, [2.0, 2.0])
        y = apply(scale, x, tensor(2.0, requires_grad=True)).sum()
        with pytest.raises(NoRuleError, match=r"rule for .*scale gives no gradient for its argument 1"):
            y.backward()


def test_keyword_the_rule_cannot_take_fails_at_the_call():
    x = tensor(np.array([0.2, 0.9]), requires_grad=True)
    with pytest.raises(TypeError, match=r"rule for np\.add cannot differentiate this call.*dtype"):
        np.add(x, 1.0, dtype=np.float32)
    with no_grad():
        assert np.add(x, 1.0, dtype=np.float32).dtype == np.float32


@pytest.mark.filterwarnings("ignore:the rule for the Python function")  # apply() is called explicitly
def test_tensors_passed_by_keyword_get_their_adjoint():
    def weighted(x, w=None):
        return x * w

    with temporary_rules():
        registry.vjp_rule(weighted)(lambda g, ans, x, w=None: (g * w, g * x))
        x = tensor(np.array([0.2, 0.9]), requires_grad=True)
        w = tensor(np.array([3.0, 4.0]), requires_grad=True)
        apply(weighted, x, w=w).sum().backward()
        np.testing.assert_allclose(x.grad, [3.0, 4.0])
        np.testing.assert_allclose(w.grad, [0.2, 0.9])
        registry.vjp_rule(weighted)(lambda g, ans, x, *rest, w=None: g)  # w not listed by position
        with pytest.raises(TypeError, match="positional"):
            apply(weighted, x, w=w)


def test_nondifferentiable_functions_return_plain_values():
    x = tensor(np.array([1.5, -2.5, 0.5]), requires_grad=True)
    for result in (np.floor(x), np.argmax(x), np.shape(x), np.zeros_like(x), x > 0, x == x, x // 1,
                   np.sign(x), x.argmax(), np.isfinite(x),
                   # no rule, but integer/boolean results cannot carry a gradient anyway
                   np.isclose(x, 0.5), np.nonzero(x), x.any(), x.nbytes, np.signbit(x), np.count_nonzero(x)):
        assert not isinstance(result, Tensor), result
    assert x.nbytes == 24 and np.isclose(x, 0.5).tolist() == [False, False, True]
    assert np.shape(x) == (3,)
    assert round(tensor(2.6, requires_grad=True)) == 3 and math.floor(tensor(2.6, requires_grad=True)) == 2


# ---------------------------------------------------------------- no_grad


def test_no_grad_records_nothing_and_nests():
    x = tensor(2.0, requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + np.sin(x)
        with no_grad():
            assert not is_grad_enabled()
        with enable_grad():
            z = x * 2
        assert not is_grad_enabled()
        assert math.sin(x) == pytest.approx(math.sin(2.0))  # conversion is allowed here
    assert is_grad_enabled()
    assert isinstance(y, Tensor) and not y.requires_grad and y.is_leaf and y._node is None
    assert z.requires_grad


def test_no_grad_as_decorator():
    @no_grad()
    def f(t):
        assert not is_grad_enabled()
        return t * 2

    @no_grad
    def g(t):
        return t * 3

    x = tensor(1.0, requires_grad=True)
    assert not f(x).requires_grad and not g(x).requires_grad
    assert is_grad_enabled() and f.__name__ == "f"


def test_no_grad_restores_state_after_exception():
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        with no_grad():
            1 / 0
    assert is_grad_enabled()


def test_no_grad_is_thread_local():
    inside, release, seen = threading.Event(), threading.Event(), {}

    def worker():
        with no_grad():
            inside.set()
            release.wait(10)
            seen["worker"] = is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(10)
    x = tensor(1.0, requires_grad=True)
    y = x * 2  # recorded here although the other thread is inside no_grad
    release.set()
    thread.join(10)
    assert y.requires_grad and seen["worker"] is False

    # and the other way round: a thread started while this one is in no_grad records
    with no_grad():
        thread = threading.Thread(target=lambda: seen.update(other=(x * 3).requires_grad))
        thread.start()
        thread.join(10)
    assert seen["other"] is True


# ---------------------------------------------------------------- conversions that drop gradients


def test_math_sin_on_requiring_tensor_raises_clearly():
    x = tensor(0.5, requires_grad=True)
    with pytest.raises(GradientLostError, match=r"would make a plain value and silently drop its gradient") as info:
        math.sin(x)
    assert isinstance(info.value, TypeError)
    message = str(info.value)
    assert "math.sin" in message and ".item()" in message and ".detach()" in message and "np.sin" in message
    assert int(x) == 0 and type(int(x)) is int   # rounding: derivative 0 almost everywhere, nothing is lost
    for convert, what in ((float, r"float\(\)"), (np.asarray, "conversion to a NumPy array"),
                          (lambda t: [0, 1][t], "using as an index")):
        with pytest.raises(GradientLostError, match=rf"^{what} of a Tensor that requires grad would make a plain value"):
            convert(x)
    assert float(tensor(0.5)) == 0.5  # fine when no gradient is involved
    assert x.item() == 0.5 and math.sin(x.detach()) == math.sin(0.5)


# ---------------------------------------------------------------- control flow through value_and_grad_tape


def branchy(x):
    if x > 0:
        return x ** 2
    return -3 * x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-14 * a:
        x = 0.5 * (x + a / x)
    return x


def exp_series(x):
    total, term = 1.0, 1.0
    for k in range(1, 200):
        term = term * x / k
        total = total + term
        if abs(term) < 1e-17:
            break
    return total


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def largest(x, y):
    return max(x, y) * 2 + min(x, y)


def test_control_flow_if():
    assert value_and_grad_tape(branchy, (3.0,), None, (0,)) == (9.0, (6.0,))
    assert value_and_grad_tape(branchy, (-2.0,), None, (0,)) == (6.0, (-3.0,))


@pytest.mark.parametrize("a", [0.3, 2.0, 49.0])
def test_control_flow_newton_while_loop(a):
    value, (grad,) = value_and_grad_tape(newton_sqrt, (a,), None, (0,))
    assert value == pytest.approx(math.sqrt(a), rel=1e-14)
    assert grad == pytest.approx(1 / (2 * math.sqrt(a)), rel=1e-9)


def test_control_flow_break():
    value, (grad,) = value_and_grad_tape(exp_series, (1.3,), None, (0,))
    assert value == pytest.approx(math.exp(1.3), rel=1e-14)
    assert grad == pytest.approx(math.exp(1.3), rel=1e-12)


def test_control_flow_recursion_and_builtin_max():
    value, grads = value_and_grad_tape(power, (1.5, 5), None, (0,))
    assert value == pytest.approx(1.5 ** 5) and grads[0] == pytest.approx(5 * 1.5 ** 4)
    assert value_and_grad_tape(largest, (0.5, 2.0), None, (0, 1))[1] == (1.0, 2.0)


# ---------------------------------------------------------------- user rules on Python functions


@primitive
def hard_clip(x):
    return np.clip(x, -1.0, 1.0)


def uses_hard_clip(x):
    return hard_clip(x) * 2


def stacked_clips(x, depth):
    if depth == 0:
        return x
    return stacked_clips(hard_clip(x), depth - 1)


@pytest.fixture
def straight_through_rule():
    """A user rule that makes hard_clip pass gradients straight through (registered for one test)."""
    with temporary_rules():
        registry.vjp_rule(hard_clip)(lambda g, ans, x: g)
        yield


X_OUTSIDE = np.array([0.5, 3.0, -2.0])


def test_user_rule_is_used_through_globals_helpers_and_recursion(straight_through_rule):
    def f(x):  # reaches hard_clip through the global helper uses_hard_clip
        return np.sum(uses_hard_clip(x))

    assert value_and_grad_tape(f, (X_OUTSIDE,), None, (0,))[1][0].tolist() == [2.0, 2.0, 2.0]
    _, (grad,) = value_and_grad_tape(lambda x: np.sum(stacked_clips(x, 3)), (X_OUTSIDE,), None, (0,))
    assert grad.tolist() == [1.0, 1.0, 1.0]
    assert value_and_grad_tape(lambda x: np.sum(hard_clip(x)), (X_OUTSIDE,), None, (0,))[1][0].tolist() == [1, 1, 1]


def test_user_rule_is_used_through_a_closure_and_on_f_itself(straight_through_rule):
    local_clip = hard_clip

    def f(x):
        return np.sum(local_clip(x) * 3)

    assert value_and_grad_tape(f, (X_OUTSIDE,), None, (0,))[1][0].tolist() == [3.0, 3.0, 3.0]
    value, (grad,) = value_and_grad_tape(hard_clip, (2.0,), None, (0,))
    assert value == 1.0 and grad == 1.0


def test_without_user_rule_bodies_are_traced_and_nothing_is_copied():
    def f(x):
        return np.sum(uses_hard_clip(x))

    assert value_and_grad_tape(f, (X_OUTSIDE,), None, (0,))[1][0].tolist() == [2.0, 0.0, 0.0]


def test_primitive_leaves_plain_calls_alone(straight_through_rule):
    result = uses_hard_clip(np.array([3.0]))
    assert type(result) is np.ndarray and result.tolist() == [2.0]


# ---------------------------------------------------------------- value_and_grad_tape contract


def test_value_and_grad_tape_contract():
    def f(x, y, scale=1.0):
        return np.sum(x * x) * scale

    value, grads = value_and_grad_tape(f, (np.arange(3), 5.0), {"scale": 2.0}, (0, 1))
    assert value == 10.0
    np.testing.assert_allclose(grads[0], [0.0, 4.0, 8.0])
    assert grads[0].dtype == np.float64  # int input promoted
    assert grads[1] is None  # output does not depend on y
    assert value_and_grad_tape(lambda x: 3.0, (1.0,), None, (0,)) == (3.0, (None,))
    assert value_and_grad_tape(lambda x: x, (2.0,), None, (0,)) == (2.0, (1.0,))
    assert value_and_grad_tape(lambda x: x * 0 + 1, (2,), None, (0,)) == (1.0, (0.0,))
    with no_grad():  # asking for a gradient records even inside no_grad
        assert value_and_grad_tape(lambda x: x * x, (3.0,), None, (0,)) == (9.0, (6.0,))


def test_item_and_numpy_inside_value_and_grad_tape():
    # .item() is recorded (the same gradient as source mode gives); .numpy() would lose it: refused
    value, (grad,) = value_and_grad_tape(lambda x: x.item() ** 2, (3.0,), None, (0,))
    assert value == 9.0 and grad == 6.0
    with pytest.raises(GradientLostError, match=r"\.numpy\(\)"):
        value_and_grad_tape(lambda x: np.sum(x.numpy()), (np.ones(2),), None, (0,))
    assert value_and_grad_tape(lambda x: np.sum(x.detach().numpy()) + np.sum(x), (np.ones(2),), None,
                               (0,))[1][0].tolist() == [1.0, 1.0]


def test_value_and_grad_tape_needs_scalar_output():
    with pytest.raises(ValueError, match=r"scalar.*shape \(2,\).*vjp"):
        value_and_grad_tape(lambda x: x * 2, (np.ones(2),), None, (0,))
    with pytest.raises(ValueError, match=r"scalar.*tuple.*vjp"):
        value_and_grad_tape(lambda x: (x, x), (1.0,), None, (0,))


@pytest.mark.parametrize("bad", ["abc", None, object(), True, np.array(["a"])])
def test_value_and_grad_tape_rejects_non_numeric_inputs(bad):
    with pytest.raises(TypeError, match="argument 0"):
        value_and_grad_tape(lambda x: x, (bad,), None, (0,))


# ---------------------------------------------------------------- Tensor API


def test_tensor_factory_and_attributes():
    assert tensor(3, requires_grad=True).value == 3.0 and isinstance(tensor(3, requires_grad=True).value, float)
    assert isinstance(tensor(3).value, int)
    assert tensor([1, 2], requires_grad=True).dtype == np.float64
    for bad in ("abc", object(), None, {"a": 1}):
        with pytest.raises(TypeError, match="number or an array"):
            tensor(bad)
    with pytest.raises(TypeError, match="boolean"):
        tensor(True, requires_grad=True)
    x = tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64 and len(x) == 2
    assert x.data is x.value and x.T.shape == (3, 2) and x.is_leaf and x.grad is None
    np.testing.assert_array_equal(x.detach().numpy(), np.arange(6.0).reshape(2, 3))
    d = x.detach()
    assert not d.requires_grad and d.value is x.value
    assert tensor(np.array(2.5)).item() == 2.5 and tensor(2.5).item() == 2.5
    assert [r.shape for r in x] == [(3,), (3,)]
    # outside sg.grad, .item() and .numpy() leave the tape as in PyTorch (printing in a training loop)
    assert x.item(1) == 1.0 and isinstance(x.item(1), float)
    assert x.numpy() is x.value
    assert bool(tensor(1.0)) and not bool(tensor(0.0))
    with pytest.raises(TypeError, match="0-d"):
        len(tensor(1.0))


def test_repr():
    assert repr(tensor(2.0, requires_grad=True)) == "Tensor(2.0, requires_grad=True)"
    assert repr(tensor(2.0)) == "Tensor(2.0)"
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert repr(np.multiply(x, 2.0)) == "Tensor(array([2., 4.]), grad_fn=<np.multiply>)"
    assert repr(x * 2.0) == "Tensor(array([2., 4.]), grad_fn=<operator.mul>)"
    assert repr(x.sum()) == "Tensor(3.0, grad_fn=<np.ndarray.sum>)"
    assert repr(tensor(np.float32(0.5))) == "Tensor(0.5, dtype=float32)"


def test_inplace_operators():
    w = tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Tensor that requires grad.*no_grad"):
        w -= 0.1
    (w * w).sum().backward()
    same = w
    with no_grad():
        w -= 0.25 * w.grad  # the parameter update idiom keeps the leaf
    assert w is same and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.value, [0.5, 1.0])
    w.grad = None
    h = w * 1.0
    h += w  # non-leaf: out of place, recorded
    h *= 3
    h.sum().backward()
    np.testing.assert_allclose(w.grad, [6.0, 6.0])
    f32 = tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with no_grad():
        f32 -= np.array([0.5, 0.5])  # float64 update keeps the float32 leaf
    assert f32.value.dtype == np.float32


def test_setitem():
    x = tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="item assignment"):
        x[0] = 1.0
    saved = x.value
    with no_grad():
        x[0] = 1.0
    assert x.value[0] == 1.0 and saved[0] == 0.0  # a copy: saved values are never mutated
    plain = tensor(np.zeros(2))
    plain[1] = 5.0
    assert plain.value[1] == 5.0


def test_generic_ndarray_attributes_dispatch_to_the_table():
    x = tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    assert x.argmin() == 0
    with pytest.raises(NoRuleError, match=r"np\.ndarray\.real"):
        x.real  # a property without a rule
    with no_grad():
        assert x.std().item() == pytest.approx(np.std(x.value))
        assert isinstance(x.real, Tensor)


# ---------------------------------------------------------------- in-place updates


def _check_tape(f, *args):
    """value_and_grad_tape of ``f`` with respect to its first argument, checked against NumPy
    (the value, on copies of the arguments) and central differences."""
    def copies():
        return [a.copy() if isinstance(a, np.ndarray) else a for a in args]

    value, (grad,) = value_and_grad_tape(f, args, None, (0,))
    assert value == pytest.approx(f(*copies()), rel=1e-12)
    np.testing.assert_allclose(grad, numeric_grad(f, copies(), 0), rtol=RTOL, atol=ATOL)
    return value, grad


def test_inplace_update_is_seen_through_another_name():
    # found by differential testing: v += 1.0 rebound v only, so w kept the old array (3.5, [1, 2, 3])
    def alias(x):
        v = x * 1.0
        w = v
        v += 1.0
        return np.sum(w * w)

    value, grad = _check_tape(alias, np.array([0.5, 1.0, 1.5]))
    assert value == pytest.approx(12.5)
    np.testing.assert_allclose(grad, [3.0, 4.0, 5.0])


def test_inplace_updates_chain_and_earlier_uses_keep_their_values():
    def f(x):
        v = x * 1.0
        before = v * v  # recorded with v as it is now
        v += 1.0
        v *= v
        v -= x
        v /= 2.0
        v **= 2.0
        v @= np.eye(3) * 0.5
        v %= 10.0
        return np.sum(before) + np.sum(v)

    _check_tape(f, np.array([0.5, 1.0, 1.5]))
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = x * 3.0
    y = v * v
    same = v
    v += 1.0
    assert v is same and v.grad_fn == "operator.add" and y.value.tolist() == [9.0, 36.0]
    y.sum().backward()  # through the old v: 2 * 3x * 3
    np.testing.assert_allclose(x.grad, [18.0, 36.0])


_VIEW_WRITES = [
    "w = v[1:]\n    v *= 2.0",           # the differential-testing case: w kept the old values
    "w = v[1:]\n    w += 1.0",           # NumPy writes through to v
    "w = v.T\n    v -= 1.0",
    "w = v.reshape(-1)\n    v += 1.0",
    "w = v.reshape(2, 2)\n    w[1] = x[:2] ** 2",          # a row of a view of v
    "w = v.reshape(2, 2).T\n    w[:, 0] *= x[2:]",         # a view of a view
    "w = v[::-2]\n    v[0] = 3.0 * x[1]",                   # the base written: the view sees it
    "w = np.squeeze(v[None, :])\n    np.multiply(w, x, out=w)",
    "w = v[1:3]\n    u = v[2:]\n    u -= w[1] * x[3]",   # siblings
    "w = v[...]\n    w[1:] = w[:-1] * 2.0",                # reading and writing the same memory
    "w = np.transpose(v)\n    np.copyto(w, x * x)",
]


@pytest.mark.parametrize("body", _VIEW_WRITES)
def test_inplace_update_through_a_view_is_seen_by_every_view(body):
    # each Tensor of the tree of views shows what NumPy's shared memory shows, with its gradient
    namespace = {"np": np}
    exec(f"def f(x):\n    v = np.sin(x) * 1.0\n    early = np.sum(v * v)\n    {body}\n"
         f"    return np.sum(np.cos(w)) + np.sum(v ** 3) + early", namespace)
    _check_tape(namespace["f"], np.array([0.5, 1.0, 1.5, 2.0]))


@pytest.mark.parametrize("body", [
    "w, _ = np.split(v, 2)\n    w *= 2.0",           # several results: not followed
    "w = v.detach()\n    v += 1.0",                   # handed out
    "w = v[1:]\n    w.detach()\n    w += 1.0",       # a view handed out: the tree is no longer the tape's alone
])
def test_inplace_update_of_a_shared_array_raises(body):
    namespace = {"np": np}
    exec(f"def f(x):\n    v = np.sin(x) * 1.0\n    {body}\n    return np.sum(w) + np.sum(v)", namespace)
    with pytest.raises(InPlaceError, match=r"shared with other arrays.*`v = v [-+*] \.\.\.` instead") as info:
        value_and_grad_tape(namespace["f"], (np.array([0.5, 1.0, 1.5, 2.0]),), None, (0,))
    assert isinstance(info.value, RuntimeError)


def test_a_view_made_without_recording_keeps_its_base_from_being_written():
    def f(x):
        v = np.sin(x) * 1.0
        with no_grad():
            w = v[1:]
        v += 1.0
        return np.sum(v) + np.sum(w)

    with pytest.raises(InPlaceError, match="shared with other arrays"):
        value_and_grad_tape(f, (np.array([0.5, 1.0, 1.5]),), None, (0,))


def test_inplace_update_of_a_result_that_shares_no_argument_is_followed():
    # np.roll, np.tile and 2-D fancy indexing return views of a buffer of their own: nothing to miss
    def f(x):
        rolled = np.roll(x, 1)
        rolled += x
        tiled = np.tile(x, 2)
        tiled *= 2.0
        picked = np.outer(x, x)[:, [0, 2]]
        picked -= 1.0
        return np.sum(rolled * rolled) + np.sum(tiled ** 3) + np.sum(picked * x[:, None])

    _check_tape(f, np.array([0.3, 0.7, 1.1]))


def test_inplace_update_of_a_float_rebinds_like_numpy():
    # found by differential testing: v = s; v += 1.0 raised "in-place operation on a leaf Tensor"
    def copy(s):
        v = s
        v += 1.0
        return v * s

    def square(s):
        v = s
        v += s * s
        return v

    def builtin_min(s):
        v = min(s, 3.0)
        v += np.sin(s)
        return v * s

    assert _check_tape(copy, 2.0) == (6.0, pytest.approx(5.0))
    assert _check_tape(square, 2.0) == (6.0, pytest.approx(5.0))  # 1 + 2s
    _check_tape(builtin_min, 2.0)
    for leaf in (tensor(2.0, requires_grad=True), tensor(np.float32(2.0), requires_grad=True)):
        v = leaf
        v += 1.0
        assert v is not leaf and v.value == 3.0 and leaf.value == 2.0 and leaf.is_leaf


def test_inplace_update_of_an_array_leaf_raises_while_recording():
    w = tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(InPlaceError, match=r"in-place \*= on a leaf Tensor that requires grad.*no_grad"):
        w *= 2.0
    assert w.value.tolist() == [1.0, 2.0]


def test_no_grad_parameter_updates_keep_the_leaves():
    w = tensor(np.array([1.0, -2.0]), requires_grad=True)
    b = tensor(0.5, requires_grad=True)
    params = (w, b)
    losses = []
    for _ in range(20):
        loss = np.sum((w * 2.0 + b) ** 2)
        losses.append(loss.item())
        w.grad = b.grad = None
        loss.backward()
        with no_grad():
            w -= 0.05 * w.grad
            b -= 0.05 * b.grad
    assert (w, b) == params and w.is_leaf and b.is_leaf and type(b.value) is float
    assert losses[-1] < 1e-3 * losses[0]


def test_inplace_update_inside_no_grad_keeps_the_history():
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    with no_grad():
        h += 1.0
    assert h.value.tolist() == [4.0, 7.0] and h.grad_fn == "operator.mul"
    h.sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_inplace_update_without_gradient_writes_into_the_array():
    t = tensor(np.zeros(3))
    w = t[1:]
    t += 1.0  # as NumPy: the view sees it
    assert w.value.tolist() == [1.0, 1.0] and t.value.tolist() == [1.0, 1.0, 1.0]
    raw = np.zeros(2)
    made = tensor(raw)
    made *= 3.0
    made -= 1.0
    assert raw.tolist() == [-1.0, -1.0]
    x = tensor(np.ones(3), requires_grad=True)
    with no_grad():
        t += x  # nothing recorded: in place too
    assert t.value.tolist() == [2.0, 2.0, 2.0] and not t.requires_grad


def test_tensor_without_gradient_updated_with_one_joins_the_graph():
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    acc = tensor([0.0, 0.0])  # its own array
    alias = acc
    acc += x * x
    assert acc is alias and acc.requires_grad and acc.grad_fn == "operator.add"
    acc.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
    made = tensor(np.zeros(2))  # shares the caller's array, which would not see the gradient
    with pytest.raises(InPlaceError, match="shared"):
        made += x


def test_inplace_update_follows_numpy_dtype_and_shape():
    x = tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    v = x * 2.0
    v += np.array([1.0, 2.0, 3.0])  # float64 into float32: stays float32, as in NumPy
    assert v.dtype == np.float32 and v.value.tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="broadcast"):
        v += np.ones((2, 3))  # NumPy cannot write a (2, 3) result into (3,)
    assert v.shape == (3,)
    v.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_setitem_without_gradient_writes_into_the_array():
    t = tensor(np.zeros(3))
    w = t[1:]
    t[1] = 5.0
    assert w.value.tolist() == [5.0, 0.0]
    x = tensor(np.ones(3), requires_grad=True)
    h = x * 1.0
    view = h[1:]
    with no_grad(), pytest.raises(InPlaceError, match="shared"):
        h[0] = 2.0  # view would not see it
    assert view.value.tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- arrays modified after a recorded use


_MODIFIED = {  # arrays the graph does not own, modified after a recorded use
    "dot": "W = A * 1.0\n    out = np.dot(y, W)\n    W -= 1.0",  # found by differential testing: [0, 9]
    "mul": "W = A * 1.0\n    out = y * W\n    W *= 3.0",
    "setitem": "W = A * 1.0\n    out = y * W\n    W[0] = 0.0",
    "out": "W = A * 1.0\n    out = y * W\n    np.add(W, 1.0, out=W)",
    "view": "W = A * 1.0\n    out = y * W[:]\n    W -= 1.0",
    "base": "W = A * 1.0\n    out = y * W\n    W[:] -= 1.0",
    "list": "W = A * 1.0\n    out = np.stack([y, W]) * W\n    W -= 1.0",
    "argument": "out = y * A\n    A -= 1.0",
    "constant": "W = tensor(A * 1.0)\n    out = y * W\n    W += 1.0",
    "between_uses": "W = A * 1.0\n    out = y * W\n    W[0] = 5.0\n    out = out + y * W",
    "keyword": "W = A * 1.0\n    out = np.dot(y, b=W)\n    W -= 1.0",
    "unary": "W = tensor(A * 1.0)\n    out = np.exp(W) * y\n    W += 1.0",
}


def _modifying(name):
    namespace = {"np": np, "tensor": tensor}
    exec(f"def f(y, A):\n    {_MODIFIED[name]}\n    return np.sum(out)", namespace)
    return namespace["f"]


@pytest.mark.parametrize("name", sorted(_MODIFIED))
def test_modifying_an_array_after_a_recorded_use_keeps_the_values_used(name):
    f = _modifying(name)
    y, A = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    expected = numeric_grad(lambda y: f(y, np.array([3.0, 4.0])), (y,), 0)
    A_after = np.array([3.0, 4.0])
    f(y.copy(), A_after)  # what f itself does to the caller's A
    value, (grad,) = value_and_grad_tape(f, (y, A), None, (0,))
    np.testing.assert_allclose(grad, expected, rtol=1e-6)
    assert value == f(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(A, A_after)  # f's own effect on the caller's array, no other
    assert A.flags.writeable and y.flags.writeable and y.tolist() == [1.0, 2.0]


_ESCAPED = {  # arrays the graph owns, handed out, then modified: the graph saved them as they are
    "detached": "out = np.exp(y)\n    d = out.detach()\n    d += 1.0",  # exp's rule reads its result
    "numpy": "out = np.exp(y)\n    out.detach().numpy()[0] = 0.0",
}


@pytest.mark.parametrize("name", sorted(_ESCAPED))
def test_modifying_a_handed_out_array_after_a_recorded_use_raises(name):
    namespace = {"np": np, "tensor": tensor}
    exec(f"def f(y, A):\n    {_ESCAPED[name]}\n    return np.sum(out)", namespace)
    y, A = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    with pytest.raises(InPlaceError, match=r"modifies an array in place after using it.*`W = W - 1\.0`") as info:
        value_and_grad_tape(namespace["f"], (y, A), None, (0,))
    assert isinstance(info.value.__cause__, ValueError) and "read-only" in str(info.value.__cause__)
    assert A.tolist() == [3.0, 4.0] and y.tolist() == [1.0, 2.0]  # the caller's arrays: unchanged,
    assert A.flags.writeable and y.flags.writeable  # and writeable again


def test_an_unchanged_array_is_copied_once_for_all_its_uses():
    W = np.arange(3.0)
    copies = set()

    def f(y):
        out = 0.0
        for _ in range(5):
            out = out + np.sum(y * W)
        return out

    from sourcegrad.tape import protection
    original = protection._kept

    def spy(value, protected):
        kept = original(value, protected)
        copies.add(id(kept))
        assert kept is not value and not np.shares_memory(kept, value)
        return kept

    protection._kept = spy   # what the one recording path (_node_for, through _kept_inputs) calls
    try:
        value, (grad,) = value_and_grad_tape(f, (np.ones(3),), None, (0,))
    finally:
        protection._kept = original
    np.testing.assert_allclose(grad, 5.0 * W)
    assert len(copies) == 1


def test_arrays_are_writeable_again_after_the_call():
    A = np.arange(6.0).reshape(2, 3)
    row = A[1]
    frozen = np.ones(3)
    frozen.flags.writeable = False
    y = np.array([1.0, 2.0, 3.0])
    caller_y = y  # the leaf holds a copy; the caller's array is read-only during the call
    seen = []

    def f(y, A, row, frozen):
        out = np.dot(A, y) * 2.0 + np.sum(row * y * frozen)
        seen.append((A.flags.writeable, row.flags.writeable, caller_y.flags.writeable))
        return np.sum(out)

    value, (grad,) = value_and_grad_tape(f, (y, A, row, frozen), None, (0,))
    np.testing.assert_allclose(grad, 2.0 * A.sum(axis=0) + 2.0 * row)  # out has 2 elements
    assert seen == [(True, True, False)]  # the leaf's array read-only during the call, saved arrays copied
    assert A.flags.writeable and row.flags.writeable and y.flags.writeable and not frozen.flags.writeable

    def fails(y, A):
        np.dot(A, y)
        raise KeyError("f's own error")

    with pytest.raises(KeyError, match="own error"):
        value_and_grad_tape(fails, (y, A), None, (0,))
    assert A.flags.writeable and y.flags.writeable

    def outer(y, A):
        out = np.dot(A, y)
        value_and_grad_tape(lambda z: np.sum(np.dot(A, z)), (np.ones(3),), None, (0,))
        seen.append(y_raw.flags.writeable)  # the outer leaf's array: still protected for the outer call
        return np.sum(out)

    y_raw = y
    value_and_grad_tape(outer, (y, A), None, (0,))
    assert seen[-1] is False and y.flags.writeable


def test_modifying_an_array_before_its_use_or_never_used_is_fine():
    def f(y, A):
        W = A * 1.0
        W -= 1.0  # before any recorded use
        out = y * W
        scratch = np.zeros(2)
        scratch += 1.0  # never used with a Tensor
        return np.sum(out) + np.sum(scratch)

    value, (grad,) = value_and_grad_tape(f, (np.array([1.0, 2.0]), np.array([3.0, 4.0])), None, (0,))
    assert value == 10.0 and grad.tolist() == [2.0, 3.0]


# ---------------------------------------------------------------- plain arrays and Tensors


def test_plain_array_updated_in_place_with_a_tensor_raises():
    # found by differential testing: the message said "drop out=" to code that wrote no out=
    def f(x, A):
        acc = np.sin(A)
        acc += np.sin(x)
        return np.sum(acc)

    with pytest.raises(InPlaceError, match=r"`acc \+= t`.*plain NumPy array.*`acc = acc \+ t`"):
        value_and_grad_tape(f, (np.array([0.1, 0.2, 0.3]), np.ones((2, 3))), None, (0,))
    x = tensor(np.ones(3), requires_grad=True)
    with pytest.raises(InPlaceError, match=r"np\.multiply\(\.\.\., out=\.\.\.\).*Drop out="):
        np.multiply(x, 2.0, out=np.zeros(3))
    acc = np.zeros(3)
    with no_grad():
        result = np.add(acc, x, out=acc)  # nothing recorded: NumPy's in-place add
    assert acc.tolist() == [1.0, 1.0, 1.0] and result.value is acc


def test_ndarray_method_with_a_tensor_suggests_the_function_form():
    x = tensor(np.ones(3), requires_grad=True)
    with pytest.raises(GradientLostError, match=r"ndarray methods cannot see Tensors.*np\.dot\(y, x\)"):
        np.arange(3.0).dot(x)
    assert np.dot(np.arange(3.0), x).value == 3.0

