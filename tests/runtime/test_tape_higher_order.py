"""Higher order on the tape (issue 12): the backward pass recorded with ``create_graph=True``, nested gradients
with levels (an inner gradient never writes an outer leaf's ``.grad``), hessian/hvp/grad of grad in tape and auto
mode, against analytic derivatives or finite differences of first-order gradients."""

import math

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.tape import tensor
from sourcegrad.tape.higher import gradient
from tests.cases.higher_order import mixed, quartic, rosenbrock, rosenbrock_hessian

RNG = np.random.default_rng(1212)


def mixed_xy(x, y):
    """d^2 mixed / dx dy."""
    return 6 * x * y ** 2 + np.cos(x * y) - x * y * np.sin(x * y)


def central_difference(f, x, eps=1e-6):
    """The gradient of f (a function of an array returning a float) by central differences."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        out.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return out


X10 = np.linspace(-1.2, 1.4, 10)


# ---------------------------------------------------------------- the entry points in tape and auto mode


@pytest.mark.parametrize("mode", ["tape", "auto"])
def test_hessian_of_rosenbrock_10d(mode):
    np.testing.assert_allclose(sg.hessian(rosenbrock, mode=mode)(X10), rosenbrock_hessian(X10), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("mode", ["tape", "auto"])
def test_hvp_of_rosenbrock(mode):
    v = RNG.normal(size=10)
    np.testing.assert_allclose(sg.hvp(rosenbrock, X10, v, mode=mode), rosenbrock_hessian(X10) @ v, rtol=1e-10)


def test_third_derivative_of_a_quartic_on_the_tape():
    third = sg.grad(sg.grad(sg.grad(quartic, mode="tape"), mode="tape"), mode="tape")
    for x in (-0.7, 0.3, 1.9):
        assert third(x) == pytest.approx(72 * x - 12, rel=1e-12)
    fourth = sg.grad(third, mode="tape")
    assert fourth(0.4) == pytest.approx(72.0, rel=1e-12)


@pytest.mark.parametrize("inner_mode,outer_mode", [("tape", "tape"), ("tape", "auto"), ("auto", "tape")])
def test_mixed_partials_with_different_wrt(inner_mode, outer_mode):
    x, y = 0.7, -1.3
    by_arguments = sg.grad(sg.grad(mixed, wrt=0, mode=inner_mode), wrt=1, mode=outer_mode)
    assert by_arguments(x, y) == pytest.approx(mixed_xy(x, y), rel=1e-12)
    other_order = sg.grad(sg.grad(mixed, wrt=1, mode=inner_mode), wrt=0, mode=outer_mode)
    assert other_order(x, y) == pytest.approx(mixed_xy(x, y), rel=1e-12)


def test_mixed_partial_through_a_closure_is_not_leaked_into_the_outer_leaf():
    # the inner gradient is taken w.r.t. y only; x, the outer leaf, reaches it through the closure
    x, y = 0.7, -1.3

    def outer(x):
        return sg.grad(lambda y: mixed(x, y), mode="tape")(y)

    assert sg.grad(outer, mode="tape")(x) == pytest.approx(mixed_xy(x, y), rel=1e-12)
    assert sg.grad(outer, mode="auto")(x) == pytest.approx(mixed_xy(x, y), rel=1e-12)


# ---------------------------------------------------------------- gradient penalty and MAML


W0 = RNG.normal(size=(3, 4))
DATA = RNG.normal(size=4)
TARGET = RNG.normal(size=3)


def critic(w, x):
    return np.sum(np.tanh(w @ x) ** 2) + 0.1 * np.sum(w * w)


def penalised(w, mode):
    gx = sg.grad(critic, wrt=1, mode=mode)(w, DATA)
    return critic(w, DATA) + 0.5 * np.sum(gx ** 2)


@pytest.mark.parametrize("mode", ["tape", "auto"])
def test_gradient_penalty_against_finite_differences_of_the_first_order_gradient(mode):
    got = sg.grad(lambda w: penalised(w, mode), mode=mode)(W0)
    expected = central_difference(lambda w: penalised(w, mode), W0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def regression_loss(theta, x, y):
    return np.sum((np.tanh(theta @ x) - y) ** 2)


def maml(theta, mode, rate=0.1):
    adapted = theta - rate * sg.grad(regression_loss, mode=mode)(theta, DATA, TARGET)
    return regression_loss(adapted, DATA[::-1], TARGET)


@pytest.mark.parametrize("mode", ["tape", "auto"])
def test_one_step_maml_against_finite_differences_of_the_first_order_gradient(mode):
    got = sg.grad(lambda t: maml(t, mode), mode=mode)(W0)
    expected = central_difference(lambda t: maml(t, mode), W0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def loop_cubes(x):
    total = 0.0
    for i in range(3):
        total = total + x[i] ** 3 * x[(i + 1) % 3]
    return total


def test_auto_mode_hessian_of_a_loop_uses_the_tape():
    # source mode does not differentiate a loop's adjoint again; auto mode runs it on the tape
    x = np.array([0.5, -1.1, 0.8])
    expected = np.array([central_difference(lambda z: sg.grad(loop_cubes)(z)[i], x) for i in range(3)])
    np.testing.assert_allclose(sg.hessian(loop_cubes)(x), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sg.hessian(loop_cubes, mode="tape")(x), expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- PyTorch style


def test_backward_with_create_graph_then_backward_of_the_gradient():
    x = tensor(1.5, requires_grad=True)
    y = quartic(x)
    y.backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.value == pytest.approx(12 * 1.5 ** 3 - 6 * 1.5 ** 2 + 2 * 1.5 - 5)
    x.grad = None
    first.backward(create_graph=True)
    second = x.grad
    assert second.value == pytest.approx(36 * 1.5 ** 2 - 12 * 1.5 + 2)
    x.grad = None
    second.backward()
    assert x.grad == pytest.approx(72 * 1.5 - 12)


def test_gradient_function_hessian_of_arrays():
    x = tensor(X10.copy(), requires_grad=True)
    g = gradient(rosenbrock(x), x, create_graph=True)
    rows = [gradient(g[i], x, retain_graph=True) for i in range(10)]
    np.testing.assert_allclose(np.array(rows), rosenbrock_hessian(X10), rtol=1e-10, atol=1e-9)
    assert x.grad is None   # gradient() returns, it never writes .grad


def test_inner_gradient_does_not_touch_outer_grad():
    x = tensor(0.7, requires_grad=True)
    y = tensor(-1.3, requires_grad=True)
    gy = gradient(mixed(x, y), y, create_graph=True)
    assert x.grad is None and y.grad is None
    gy.backward()
    assert x.grad == pytest.approx(mixed_xy(0.7, -1.3), rel=1e-12)


def test_first_order_backward_is_unchanged():
    x = tensor(np.array([0.3, -0.4]), requires_grad=True)
    np.sum(np.exp(x) * x).backward()
    assert type(x.grad) is np.ndarray
    np.testing.assert_allclose(x.grad, np.exp(x.value) * (1 + x.value))


def test_a_gradient_that_does_not_depend_on_an_input_is_none():
    x = tensor(0.5, requires_grad=True)
    y = tensor(2.0, requires_grad=True)
    (gx, gy) = gradient(x * 3.0, [x, y])
    assert gx == pytest.approx(3.0) and gy is None


# ---------------------------------------------------------------- first-order rules: a named error, never a zero


def eigen_top(a):
    return np.sum(np.linalg.eigh(a)[0] ** 2)


A = np.array([[2.0, 0.3], [0.3, 1.0]])


def test_a_first_order_rule_differentiated_twice_on_the_tape_is_a_named_error():
    message = (r"derivative rule for np\.linalg\.eigh calls sourcegrad's helper grad_eigh\(\).*stays first order")
    with pytest.raises(sg.UnsupportedError, match=message):
        sg.hessian(eigen_top, mode="tape")(A)
    a = tensor(A.copy(), requires_grad=True)
    with pytest.raises(sg.UnsupportedError, match=message):
        eigen_top(a).backward(create_graph=True)
    # once is fine
    b = tensor(A.copy(), requires_grad=True)
    eigen_top(b).backward()
    np.testing.assert_allclose(b.grad, 2 * A, rtol=1e-12)   # the gradient of trace(A @ A) for a symmetric A


def test_a_first_order_rule_on_a_path_not_differentiated_is_no_error():
    # the inner gradient is taken w.r.t. y; the eigh branch reads x only: nothing through it is differentiated twice
    def f(x, y):
        return eigen_top(x) * 0.0 + np.sum(x) * y ** 3

    second = sg.grad(sg.grad(f, wrt=1, mode="tape"), wrt=1, mode="tape")
    assert second(A, 0.5) == pytest.approx(6 * 0.5 * np.sum(A))


# ---------------------------------------------------------------- rules recorded: a sweep of primitives


M3 = RNG.normal(size=(3, 3))


def _inplace(x):
    y = x * 1.0
    y[1] = y[0] * y[2]
    y += x ** 2
    return np.sum(y ** 2)


SWEEP = {
    "matmul": lambda x: np.sum(np.tanh(M3 @ x) ** 2),
    "dot": lambda x: np.dot(x, M3 @ x) ** 2,
    "mean_var": lambda x: np.var(x) * np.mean(x ** 3),
    "indexing": lambda x: x[0] * x[2] ** 3 + np.sum(x[1:] ** 2 * x[:2]),
    "where": lambda x: np.sum(np.where(x > 1.0, x ** 3, np.sin(x))),
    "max": lambda x: np.max(x ** 2) * np.sum(x),
    "maximum": lambda x: np.sum(np.maximum(x ** 2, 1.0) * x),
    "broadcast": lambda x: np.sum(np.exp(x[:, None] * x[None, :])),
    "power_divide": lambda x: np.sum(x ** x / (1 + x)),
    "stack": lambda x: np.sum(np.stack([x, x ** 2]) ** 2),
    "transpose_reshape": lambda x: np.sum(np.outer(x, x).T.reshape(9) ** 2 * np.arange(9)),
    "axis_keyword": lambda x: np.sum(np.sum(np.outer(x, x) ** 2, axis=0, keepdims=True) * x),
    "cumsum": lambda x: np.sum(np.cumsum(x) ** 3),
    "logsumexp": lambda x: np.log(np.sum(np.exp(x))),
    "inv": lambda x: np.sum(np.linalg.inv(np.outer(x, x) + np.eye(3))),
    "in_place": _inplace,
}


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_tape_hessian_against_differences_of_the_first_order_gradient(name):
    f = SWEEP[name]
    x = np.array([0.6, 1.1, 1.4])
    first = sg.grad(f, mode="tape")
    expected = np.array([central_difference(lambda z: first(z)[i], x) for i in range(3)])
    np.testing.assert_allclose(sg.hessian(f, mode="tape")(x), expected, rtol=1e-6, atol=1e-7)


def sincos(x):
    return np.sin(x), np.cos(x)


@sg.vjp_rule(sincos)
def sincos_rule(g, ans, x):
    gs, gc = g
    s, c = ans
    return gs * c - gc * s


def test_a_users_rule_with_several_results_is_differentiated_twice():
    from sourcegrad.tape import apply

    x = tensor(0.7, requires_grad=True)
    s, c = apply(sincos, x)
    g = gradient(s ** 2 * c, x, create_graph=True)   # d/dx sin^2 cos
    assert g.value == pytest.approx(2 * np.sin(0.7) * np.cos(0.7) ** 2 - np.sin(0.7) ** 3, rel=1e-12)
    second = 2 * np.cos(0.7) ** 3 - 4 * np.sin(0.7) ** 2 * np.cos(0.7) - 3 * np.sin(0.7) ** 2 * np.cos(0.7)
    assert gradient(g, x) == pytest.approx(second, rel=1e-12)


def test_check_grad_of_order_2_runs_the_tape():
    report = sg.check_grad(loop_cubes, np.array([0.5, -1.1, 0.8]), order=2, modes=("tape",))
    assert report.ok and report.modes["tape"] == "ok"


def test_an_inner_gradient_of_a_constant_tensor_argument():
    def outer(x):
        c = sg.tensor(np.array([0.5, 2.0]))          # a Tensor that requires no grad
        inner = sg.grad(lambda c: np.sum(x * c ** 3), mode="tape")(c)    # 3 x c^2
        return np.sum(inner)

    assert sg.grad(outer, mode="tape")(1.7) == pytest.approx(3 * (0.25 + 4.0), rel=1e-12)


def scale(x, factor=1.0):
    return x * factor


@sg.vjp_rule(scale)
def scale_rule(g, ans, x, factor=1.0):
    return g * factor, g * x


def test_a_tensor_passed_by_keyword_is_differentiated_twice():
    from sourcegrad.tape import apply

    x = tensor(0.7, requires_grad=True)
    f = tensor(1.9, requires_grad=True)
    gx = gradient(apply(scale, x ** 2, factor=f ** 3), x, create_graph=True)   # of x^2 f^3: 2 x f^3
    assert gradient(gx, f) == pytest.approx(6 * 0.7 * 1.9 ** 2, rel=1e-12)


def sine_times_x(x):
    return math.sin(x) * x + math.exp(0.5 * x)


def test_second_and_third_derivatives_through_math_rules_on_the_tape():
    # math.sin's rule calls math.cos: with create_graph the rule runs on Tensors and must record that call
    second = sg.grad(sg.grad(sine_times_x, mode="tape"), mode="tape")
    third = sg.grad(second, mode="tape")
    x = 0.3
    assert second(x) == pytest.approx(2 * math.cos(x) - x * math.sin(x) + 0.25 * math.exp(0.5 * x), rel=1e-12)
    assert third(x) == pytest.approx(-3 * math.sin(x) - x * math.cos(x) + 0.125 * math.exp(0.5 * x), rel=1e-12)
