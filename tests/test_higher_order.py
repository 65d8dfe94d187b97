"""Higher order and forward mode (issue 12): grad of grad, mixed partials, grad inside a differentiated function,
jvp, jacobian, hessian, hvp, check_grad(order=2), in source, tape and auto mode, against analytic values or finite
differences of first-order gradients."""

import ast
import inspect

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers
from sourcegrad.transforms import effects
from tests.cases.higher_order import mixed, quartic, rosenbrock, rosenbrock_hessian

RNG = np.random.default_rng(1212)


# ---------------------------------------------------------------- functions and their exact derivatives


def mixed_partials(x, y):
    s, c = np.sin(x * y), np.cos(x * y)
    dxx = 2 * y ** 3 - y * y * s
    dyy = 6 * x * x * y - x * x * s
    dxy = 6 * x * y * y + c - x * y * s
    return dxx, dxy, dyy


def loss(w, x, y):
    return np.mean((np.tanh(x @ w) - y) ** 2)


def maml(w, xs, ys, xq, yq):
    adapted = w - 0.1 * sg.grad(loss)(w, xs, ys)
    return loss(adapted, xq, yq)


def critic(w, x):
    return np.sum(np.tanh(x @ w))


CRITIC_GRAD = sg.grad(critic, wrt=1)


def gradient_penalty(w, x):
    gx = CRITIC_GRAD(w, x)
    return (np.sqrt(np.sum(gx ** 2)) - 1.0) ** 2


def gradient_penalty_in_place(w, x):
    gx = sg.grad(critic, wrt="x")(w, x)
    return (np.sqrt(np.sum(gx ** 2)) - 1.0) ** 2


X10 = np.linspace(-1.2, 1.4, 10)


# ---------------------------------------------------------------- grad of grad


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_hessian_of_rosenbrock_10d(mode):
    h = sg.hessian(rosenbrock, mode=mode)(X10)
    assert h.shape == (10, 10)
    np.testing.assert_allclose(h, rosenbrock_hessian(X10), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_third_derivative_of_a_quartic(mode):
    third = sg.grad(sg.grad(sg.grad(quartic, mode=mode), mode=mode), mode=mode)
    for x in (-1.3, 0.0, 0.4, 2.0):
        assert third(x) == pytest.approx(72.0 * x - 12.0, rel=1e-12, abs=1e-12)
    assert third.mode == "source"
    fourth = sg.grad(third, mode=mode)
    assert fourth(0.7) == pytest.approx(72.0)


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_mixed_partials(mode):
    x, y = 0.7, -1.3
    dxx, dxy, dyy = mixed_partials(x, y)
    assert sg.grad(sg.grad(mixed, wrt=0), wrt=0, mode=mode)(x, y) == pytest.approx(dxx, rel=1e-12)
    assert sg.grad(sg.grad(mixed, wrt=0), wrt=1, mode=mode)(x, y) == pytest.approx(dxy, rel=1e-12)
    assert sg.grad(sg.grad(mixed, wrt="y"), wrt="x", mode=mode)(x, y) == pytest.approx(dxy, rel=1e-12)
    assert sg.grad(sg.grad(mixed, wrt=1), wrt=1, mode=mode)(x, y) == pytest.approx(dyy, rel=1e-12)
    both = sg.grad(sg.grad(mixed, wrt=0), wrt=(0, 1), mode=mode)(x, y)
    assert both == pytest.approx((dxx, dxy), rel=1e-12)


def test_mixed_partials_on_arrays():
    x, y = RNG.uniform(0.5, 1.5, 4), RNG.uniform(0.5, 1.5, 4)

    def f(x, y):
        return np.sum(x ** 2 * y ** 3 + np.sin(x * y))

    def dfdx_sum(x, y):
        return np.sum(sg.grad(f, wrt=0)(x, y))

    got = sg.grad(dfdx_sum, wrt=1, mode="source")(x, y)
    np.testing.assert_allclose(got, mixed_partials(x, y)[1], rtol=1e-12)


def test_second_derivative_source_is_plain_readable_code():
    second = sg.grad(sg.grad(mixed, wrt=0), wrt=1, mode="source")
    second(0.7, 1.1)
    text = second.source
    ast.parse(text)
    assert text.startswith("def ddmixed_dx_dy(x, y):")
    assert "np.cos(t3)" in text and text.rstrip().endswith("return bx, by")   # (value: the first derivative)
    again = sg.grad(sg.grad(mixed, wrt=0), wrt=1, mode="source")
    again(0.7, 1.1)
    assert again.source == text   # deterministic


def test_generated_second_order_is_rebuilt_when_a_global_changes():
    global SCALE
    SCALE = 2.0
    second = sg.grad(sg.grad(scaled_cube), mode="source")
    assert second(1.5) == pytest.approx(2.0 * 6 * 1.5)
    SCALE = 5.0
    assert second(1.5) == pytest.approx(5.0 * 6 * 1.5)


SCALE = 2.0


def scaled_cube(x):
    return SCALE * x ** 3


# ---------------------------------------------------------------- grad inside a differentiated function


def _data():
    rng = np.random.default_rng(7)
    return (rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(4, 3)),
            rng.normal(size=4))


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_maml_one_step_against_finite_differences_of_the_first_order_gradient(mode):
    args = _data()
    got = sg.grad(maml, mode=mode)(*args)
    np.testing.assert_allclose(got, sg.numerical_grad(maml, *args), rtol=1e-6, atol=1e-9)
    assert sg.grad(maml, mode=mode).mode == "source"


@pytest.mark.parametrize("penalty", [gradient_penalty, gradient_penalty_in_place])
@pytest.mark.parametrize("mode", ["source", "auto"])
def test_gradient_penalty_against_finite_differences(penalty, mode):
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    for wrt in (0, 1):
        got = sg.grad(penalty, wrt=wrt, mode=mode)(w, x)
        np.testing.assert_allclose(got, sg.numerical_grad(penalty, w, x, wrt=wrt), rtol=1e-6, atol=1e-9)


def test_a_gradient_made_in_place_needs_constant_options():
    def bad(w, x):
        k = 1
        return np.sum(sg.grad(critic, wrt=k)(w, x))

    with pytest.raises(sg.UnsupportedError, match="wrt= of sg.grad called in place must be a constant"):
        sg.grad(bad, mode="source")(np.ones(3), np.ones((2, 3)))


# ---------------------------------------------------------------- first-order rules and the tape


def test_a_rule_that_stays_first_order_is_a_named_error():
    def top(a):
        return np.sum(np.linalg.eigh(a)[0] ** 2)

    a = np.array([[2.0, 0.3], [0.3, 1.0]])
    with pytest.raises(sg.UnsupportedError,
                       match=r"derivative rule of np\.linalg\.eigh calls sourcegrad's helper grad_eigh\(\).*stays first order"):
        sg.hessian(top, mode="source")(a)
    with pytest.raises(sg.UnsupportedError, match="stays first order|not available yet|cannot record"):
        sg.hessian(top)(a)   # auto: the tape cannot either; never a number


def test_tape_mode_higher_order_entry_points_work():
    # (tests/runtime/test_tape_higher_order.py tests the tape's own higher order in depth)
    np.testing.assert_allclose(sg.hessian(rosenbrock, mode="tape")(X10), rosenbrock_hessian(X10), rtol=1e-10)
    np.testing.assert_allclose(sg.hvp(rosenbrock, X10, X10, mode="tape"), rosenbrock_hessian(X10) @ X10, rtol=1e-10)
    assert sg.grad(sg.grad(quartic, mode="tape"))(0.5) == pytest.approx(36 * 0.25 - 12 * 0.5 + 2, rel=1e-12)


def test_grad_of_a_source_gradient_on_the_tape():
    # the tape runs the generated first-order code, recording its helpers through their rules
    second = sg.grad(sg.grad(mixed, wrt=0), wrt=1, mode="tape")
    assert second(0.7, -1.3) == pytest.approx(mixed_partials(0.7, -1.3)[1], rel=1e-12)


def test_runtime_helpers_write_into_no_argument_but_the_declared_ones():
    """effects.written_arguments trusts every runtime helper and rule kernel but HELPERS_WRITING_ARGUMENTS to write
    into none of its arguments; this reads their source for item stores and np.add.at into a parameter."""
    functions = [fn for module in (helpers, kernels) for fn in ast.parse(inspect.getsource(module)).body]
    writers = set()
    for fn in functions:
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
        for node in ast.walk(fn):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AugAssign) else []
            for target in targets:
                while isinstance(target, (ast.Subscript, ast.Attribute)):
                    target = target.value
                    if isinstance(target, ast.Name) and target.id in params:
                        writers.add(fn.name)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
                    and node.func.attr in ("at", "put_along_axis", "copyto", "fill", "put", "place") \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in params:
                writers.add(fn.name)
    assert writers == set(effects.HELPERS_WRITING_ARGUMENTS)


# ---------------------------------------------------------------- jvp


def vector_fn(x, y):
    return np.sin(x) * y + x ** 2


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_jvp_against_the_analytic_jacobian(mode):
    x, y, tx, ty = (RNG.normal(size=4) for _ in range(4))
    value, tangent = sg.jvp(vector_fn, (x, y), (tx, ty), mode=mode)
    np.testing.assert_allclose(value, vector_fn(x, y))
    np.testing.assert_allclose(tangent, (np.cos(x) * y + 2 * x) * tx + np.sin(x) * ty, rtol=1e-12)


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_jvp_of_a_scalar_function(mode):
    value, tangent = sg.jvp(quartic, (0.8,), (2.0,), mode=mode)
    assert type(tangent) is float and value == pytest.approx(quartic(0.8))
    assert tangent == pytest.approx(2.0 * (12 * 0.8 ** 3 - 6 * 0.8 ** 2 + 2 * 0.8 - 5))


def test_jvp_source_is_generated_from_the_vjp():
    w = RNG.normal(size=(3, 4))

    def layer(w, x):
        return np.tanh(w @ x)

    x, tw, tx = RNG.normal(size=4), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    _, tangent = sg.jvp(layer, (w, x), (tw, tx), mode="source")
    expected = (1 - np.tanh(w @ x) ** 2) * (tw @ x + w @ tx)
    np.testing.assert_allclose(tangent, expected, rtol=1e-12)


def test_jvp_wrt_some_primals():
    x, t = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))

    def sum_axis(x, axis):
        return np.sum(np.exp(x), axis=axis)

    _, tangent = sg.jvp(sum_axis, (x, 1), (t,), wrt=0, mode="source")
    np.testing.assert_allclose(tangent, np.sum(np.exp(x) * t, axis=1), rtol=1e-12)


def test_a_jvp_rule_for_the_function_itself_is_used():
    calls = []

    def softsign(x):
        return x / (1 + np.abs(x))

    @sg.jvp_rule(softsign)
    def softsign_jvp(t, ans, x):
        calls.append(x)
        return t / (1 + np.abs(x)) ** 2

    value, tangent = sg.jvp(softsign, (0.5,), (2.0,))
    assert calls and tangent == pytest.approx(2.0 / 1.5 ** 2)


def test_jvp_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        sg.jvp(vector_fn, (np.ones(3), np.ones(3)), (np.ones(2), np.ones(3)))
    with pytest.raises(ValueError, match="one tangent per primal"):
        sg.jvp(vector_fn, (np.ones(3), np.ones(3)), (np.ones(3),))
    with pytest.raises(TypeError, match="tuples"):
        sg.jvp(quartic, 1.0, 1.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        sg.jvp(quartic, (1.0,), (1.0,), mode="fwd")


# ---------------------------------------------------------------- jacobian, hessian, hvp


def layer(w, x):
    return np.tanh(w @ x)


@pytest.mark.parametrize("mode,engine", [("rev", "auto"), ("fwd", "auto"), ("auto", "auto"), ("rev", "tape"),
                                         ("fwd", "tape"), ("rev", "source"), ("fwd", "source")])
def test_jacobian(mode, engine):
    w, x = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    d = 1 - np.tanh(w @ x) ** 2
    jac_x = sg.jacobian(layer, wrt=1, mode=mode, engine=engine)(w, x)
    np.testing.assert_allclose(jac_x, d[:, None] * w, rtol=1e-12)
    jac_w = sg.jacobian(layer, wrt=0, mode=mode, engine=engine)(w, x)
    expected = np.zeros((3, 3, 4))
    for i in range(3):
        expected[i, i] = d[i] * x
    np.testing.assert_allclose(jac_w, expected, rtol=1e-12, atol=1e-15)
    both = sg.jacobian(layer, wrt=(0, 1), mode=mode, engine=engine)(w, x)
    assert isinstance(both, tuple) and both[0].shape == (3, 3, 4) and both[1].shape == (3, 4)


def test_jacobian_engine_shorthand_and_bad_mode():
    w, x = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    np.testing.assert_allclose(sg.jacobian(layer, wrt=1, mode="tape")(w, x),
                               sg.jacobian(layer, wrt=1, mode="source")(w, x), rtol=1e-12)
    with pytest.raises(ValueError, match="mode must be one of"):
        sg.jacobian(layer, mode="sideways")


def test_hessian_of_a_function_of_several_arguments():
    x, y = 0.7, -1.3
    dxx, dxy, dyy = mixed_partials(x, y)
    assert sg.hessian(mixed, wrt=1)(x, y) == pytest.approx(dyy, rel=1e-12)
    with pytest.raises(sg.UnsupportedError, match="hessian takes one argument"):
        sg.hessian(mixed, wrt=(0, 1))


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_hvp(mode):
    v = RNG.normal(size=10)
    np.testing.assert_allclose(sg.hvp(rosenbrock, X10, v, mode=mode), rosenbrock_hessian(X10) @ v, rtol=1e-12)
    with pytest.raises(ValueError, match="hvp needs v of x's shape"):
        sg.hvp(rosenbrock, X10, v[:3])


# ---------------------------------------------------------------- check_grad(order=2)


def test_check_grad_order_2_passes_for_right_second_derivatives():
    report = sg.check_grad(rosenbrock, X10[:5], order=2)
    assert report.ok and report.modes["source"] == "ok"
    report = sg.check_grad(mixed, 0.7, -1.3, wrt=(0, 1), order=2)
    assert report.ok and report.modes["tape"] == "ok"


@sg.primitive
def cube_rounded(x):
    return x ** 3


@sg.vjp_rule(cube_rounded)
def cube_rounded_vjp(g, ans, x):
    return g * 3 * x * np.round(x, 9)   # right to 1e-9, but np.round passes no derivative: d/dx is 3x, not 6x


def uses_cube_rounded(x):
    return cube_rounded(x) + x


def test_check_grad_order_2_finds_a_rule_right_only_at_first_order():
    assert sg.check_grad(uses_cube_rounded, 0.8).ok
    report = sg.check_grad(uses_cube_rounded, 0.8, order=2, raise_on_failure=False)
    assert not report.ok
    with pytest.raises(sg.GradientCheckError):
        sg.check_grad(uses_cube_rounded, 0.8, order=2)


def test_check_grad_order_must_be_1_or_2():
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        sg.check_grad(quartic, 0.5, order=3)


def loop_poly(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i / (i + 1)
    return s


def branchy(x):
    if x > 0:
        y = x ** 3
    else:
        y = -x ** 2
    return y * np.sin(x)


def test_second_order_through_a_loop_declines_in_source_mode_and_auto_uses_the_tape():
    with pytest.raises(sg.UnsupportedError, match="cannot differentiate the generated gradient of loop_poly again"):
        sg.grad(sg.grad(loop_poly), mode="source")(0.7, 5)
    second = sg.grad(sg.grad(loop_poly))
    assert second(0.7, 5) == pytest.approx(sum(i * (i - 1) * 0.7 ** (i - 2) / (i + 1) for i in range(2, 5)))
    assert second.mode == "tape"


@pytest.mark.parametrize("x", [0.8, -0.8])
def test_second_order_through_a_branch_in_source_mode(x):
    second = sg.grad(sg.grad(branchy), mode="source")
    if x > 0:
        expected = 6 * x * np.sin(x) + 6 * x ** 2 * np.cos(x) - x ** 3 * np.sin(x)
    else:
        expected = -2 * np.sin(x) - 4 * x * np.cos(x) + x ** 2 * np.sin(x)
    assert second(x) == pytest.approx(expected, rel=1e-12)


def fan_out(x):
    return np.sin(x * np.arange(1.0, 11.0))


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_jacobian_of_a_scalar_to_vector_function(mode):
    jac = sg.jacobian(fan_out, mode=mode)(0.3)
    k = np.arange(1.0, 11.0)
    np.testing.assert_allclose(jac, k * np.cos(0.3 * k), rtol=1e-12)


def cubes(x):
    return np.sum(x ** 3)


def test_float32_stays_float32():
    x = np.array([1.0, 2.0], dtype=np.float32)
    h = sg.hessian(cubes)(x)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, np.diag(6 * x))
    value, tangent = sg.jvp(cubes, (x,), (np.ones(2, np.float32),))
    assert type(value) is np.float32 and type(tangent) is np.float32 and tangent == pytest.approx(15.0)


def test_integer_arguments_are_promoted():
    np.testing.assert_allclose(sg.hessian(cubes)(np.array([1, 2])), [[6.0, 0.0], [0.0, 12.0]])
    assert sg.grad(sg.grad(scaled_cube))(2) == pytest.approx(SCALE * 12.0)


@sg.primitive
def forward_only(x):
    return x / (1 + np.abs(x))


@sg.jvp_rule(forward_only)
def forward_only_jvp(t, ans, x):
    return t / (1 + np.abs(x)) ** 2


def uses_forward_only(x):
    return np.sum(forward_only(x) * x)


def test_a_primitive_with_only_a_forward_rule_is_differentiated_in_reverse_by_its_transpose():
    x = np.array([0.5, -1.0, 2.0])
    expected = x / (1 + np.abs(x)) ** 2 + x / (1 + np.abs(x))
    for mode in ("source", "tape", "auto"):
        np.testing.assert_allclose(sg.grad(uses_forward_only, mode=mode)(x), expected, rtol=1e-12)
    _, tangent = sg.jvp(uses_forward_only, (x,), (np.ones(3),))
    assert tangent == pytest.approx(np.sum(expected))
    with pytest.raises(sg.UnsupportedError, match="rule of tests.test_higher_order.forward_only.* calls sourcegrad's helper vjp_from_jvp"):
        sg.hessian(uses_forward_only, mode="source")(x)


def two_arguments(x, y):
    return x * y


@sg.jvp_rule(two_arguments)
def two_arguments_jvp(tangents, ans, x, y):
    tx, ty = tangents
    return tx * y + x * ty


def test_a_forward_rule_of_several_arguments_gives_no_reverse_rule():
    _, tangent = sg.jvp(two_arguments, (2.0, 3.0), (1.0, 10.0))
    assert tangent == pytest.approx(3.0 + 20.0)
    assert sg.rules.lookup_vjp(two_arguments) is None
