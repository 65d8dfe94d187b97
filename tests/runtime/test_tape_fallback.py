"""The tape as a complete fallback (issue 10): ``math`` and Python scalars, containers of Tensors, no
wrong numbers, errors that point at the user's code, PyTorch habits. Gradients are checked against
exact derivatives or central differences."""

import math
import re

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.tape import GradientLostError, NoRuleError, PlainArrayWriteError, Tensor, tensor
from tests.runtime import math_helpers
from tests.runtime.math_helpers import energy, pendulum_step


def central(f, x, h=1e-6):
    """Central differences of the scalar function ``f`` at the float or array ``x``."""
    if isinstance(x, float):
        return (f(x + h) - f(x - h)) / (2 * h)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ---------------------------------------------------------------- math and Python scalars


def simulate(theta0, steps=200, dt=0.01):
    theta, omega = theta0, 0.0
    for _ in range(steps):
        theta, omega = pendulum_step(theta, omega, dt)
    return energy(theta, omega) + theta


def scalar_loop(x):
    for k in range(100):
        x = math.sin(x) * 0.5 + math.exp(-x * x) + 0.01 * k
    return x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return math.log(x) + x


@pytest.mark.parametrize("mode", ["tape", "auto"])
@pytest.mark.parametrize("f, x", [(simulate, 0.7), (scalar_loop, 0.3), (newton_sqrt, 2.0)])
def test_math_programs_give_the_right_gradient(f, x, mode):
    got = sg.grad(f, mode=mode)(x)
    np.testing.assert_allclose(got, central(f, x), rtol=1e-5, atol=1e-8)


def test_newton_gradient_is_exact():
    # d/da (log(sqrt a) + sqrt a) = 1/(2a) + 1/(2 sqrt a)
    np.testing.assert_allclose(sg.grad(newton_sqrt, mode="tape")(2.0), 0.25 + 0.5 / math.sqrt(2.0), rtol=1e-9)


def test_math_functions_bound_by_name_and_in_another_module():
    def f(a):
        return math_helpers.rotation_sum(a, np.array([1.0, 2.0]))

    # R @ v summed: (cos a - 2 sin a) + (sin a + 2 cos a); derivative:
    expected = (-math.sin(0.4) - 2 * math.cos(0.4)) + (math.cos(0.4) - 2 * math.sin(0.4))
    np.testing.assert_allclose(sg.grad(f, mode="tape")(0.4), expected, rtol=1e-10)


def test_int_round_floor_of_a_tensor_are_plain_numbers():
    def f(x):
        n = int(x)            # a trip count
        total = 0.0
        for _ in range(n):
            total = total + x * x
        kinds.extend([round(x), math.floor(x), math.ceil(x), n])
        return total

    kinds = []

    assert sg.grad(f, mode="tape")(3.5) == pytest.approx(3 * 2 * 3.5)
    assert kinds == [4, 3, 4, 3] and all(isinstance(k, int) and not isinstance(k, Tensor) for k in kinds)


def test_math_function_without_a_rule_raises_norule_naming_it():
    def f(x):
        return math.gamma(x)

    with pytest.raises(NoRuleError, match=r"math\.gamma"):
        sg.grad(f, mode="tape")(0.5)


def test_math_is_restored_after_the_run():
    sg.grad(scalar_loop, mode="tape")(0.3)
    assert globals()["math"] is math and math_helpers.sin is math.sin


# ---------------------------------------------------------------- containers of Tensors


def test_np_array_and_asarray_of_lists_of_tensors():
    def f(x):
        a = np.array([x[0] * x[1], x[1]])
        b = np.asarray((x[0], 2.0))
        c = np.array([[x[0], x[1]], [x[1], 3.0]])   # nested: built with np.stack
        return np.sum(a * b) + np.sum(c @ c)

    x = np.array([0.3, 1.7])
    np.testing.assert_allclose(sg.grad(f, mode="tape")(x), central(f, x), rtol=1e-6)


def test_np_full_with_a_tensor_fill_value():
    def f(x):
        return np.sum(np.full(3, x) * np.arange(3.0))

    assert sg.grad(f, mode="tape")(2.0) == pytest.approx(3.0)


def test_sum_of_a_list_flat_and_iteration():
    def f(x):
        return sum([v * v for v in x]) + sum(v for v in x.flat) + sum(x)

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(sg.grad(f, mode="tape")(x), 2 * x + 2.0)


def test_a_tensor_written_into_a_new_array_joins_the_graph():
    def f(x):
        y = np.zeros(3)
        for i in range(3):
            y[i] = math.sin(x[i]) * (i + 1)
        z = np.zeros_like(x)
        z[0] = 2.0                      # a plain write: a constant
        w = np.empty(2)
        w[:] = x[:2] ** 2
        return np.sum(y * y) + np.sum(z * x) + np.sum(w)

    x = np.array([0.1, 0.2, 0.3])
    for mode in ("tape", "auto"):
        np.testing.assert_allclose(sg.grad(f, mode=mode)(x), central(f, x), rtol=1e-6)


def test_a_tensor_written_into_a_plain_array_from_elsewhere_is_a_clear_error():
    def f(x, buf):
        buf[0] = x[0]
        return buf.sum()

    with pytest.raises(PlainArrayWriteError, match=r"np.stack") as info:
        sg.grad(f, mode="tape")(np.ones(2), np.zeros(2))
    assert "buf[0] = x[0]" in str(info.value)


# ---------------------------------------------------------------- never a wrong number


def test_object_dtype_intermediates_raise_norule_naming_the_operation():
    def f(x):
        return np.sum(x.astype(object).astype(float))

    with pytest.raises(NoRuleError, match=r"astype.*dtype=object"):
        sg.grad(f, mode="tape")(np.ones(2))

    def g(x):
        return np.sum(np.frompyfunc(lambda v: v * v, 1, 1)(x).astype(float))

    with pytest.raises(NoRuleError, match=r"no derivative rule"):
        sg.grad(g, mode="tape")(np.ones(2))


def test_isinstance_ndarray_answers_for_the_value():
    def f(x):
        if isinstance(x, np.ndarray):
            return np.sum(x * x)
        return 0.0 * x[0]

    np.testing.assert_allclose(sg.grad(f, mode="tape")(np.array([1.0, 2.0])), [2.0, 4.0])


# ---------------------------------------------------------------- errors point at the user's code


def helper_that_converts(y):
    return float(y) + 1.0


def test_errors_name_the_function_file_and_line():
    def f(x):
        return helper_that_converts(x * 2.0)

    with pytest.raises(GradientLostError) as info:
        sg.grad(f, mode="tape")(1.0)
    message = str(info.value)
    assert "on the tape, running" in message and "f" in message
    assert "in helper_that_converts" in message and "test_tape_fallback.py:" in message
    assert "return float(y) + 1.0" in message and "x.detach()" in message   # what to do


def test_output_errors_name_the_function():
    def returns_nothing(x):
        x * 2.0

    def generator(x):
        yield x

    with pytest.raises(ValueError, match=r"returned None") as info:
        sg.grad(returns_nothing, mode="tape")(1.0)
    assert "returns_nothing" in str(info.value) and "test_tape_fallback.py:" in str(info.value)
    with pytest.raises(ValueError, match=r"generator"):
        sg.grad(generator, mode="tape")(1.0)


def test_errors_of_the_users_own_code_are_left_alone():
    def f(x):
        raise KeyError("mine")

    with pytest.raises(KeyError) as info:
        sg.grad(f, mode="tape")(1.0)
    assert info.value.args == ("mine",)


# ---------------------------------------------------------------- PyTorch habits


def test_requires_grad_and_retain_grad():
    x = tensor(2, requires_grad=False).requires_grad_()
    assert x.requires_grad and x.value == 2.0 and type(x.value) is float
    u = x * 3.0
    u.retain_grad()
    y = u.exp()
    y.backward()
    assert x.grad == pytest.approx(3 * math.exp(6.0)) and u.grad == pytest.approx(math.exp(6.0))
    with pytest.raises(RuntimeError, match="detach"):
        (x * 2.0).requires_grad_(False)


def test_enable_grad_inside_no_grad():
    x = tensor(1.5, requires_grad=True)
    with sg.no_grad():
        assert not sg.is_grad_enabled()
        with sg.enable_grad():
            y = x * x
    assert y.requires_grad
    y.backward()
    assert x.grad == pytest.approx(3.0)


@pytest.mark.parametrize("method, value, derivative", [
    ("exp", lambda v: np.exp(v), lambda v: np.exp(v)),
    ("log", lambda v: np.log(v), lambda v: 1 / v),
    ("sqrt", lambda v: np.sqrt(v), lambda v: 0.5 / np.sqrt(v)),
    ("tanh", lambda v: np.tanh(v), lambda v: 1 - np.tanh(v) ** 2),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2),
    ("abs", lambda v: np.abs(v), lambda v: np.sign(v)),
])
def test_tensor_methods(method, value, derivative):
    v = np.array([0.5, 1.5, 2.5])
    x = tensor(v, requires_grad=True)
    y = getattr(x, method)()
    np.testing.assert_allclose(y.value, value(v))
    y.sum().backward()
    np.testing.assert_allclose(x.grad, derivative(v))


def test_relu_pow_clamp():
    v = np.array([-1.0, 0.0, 2.0])
    x = tensor(v, requires_grad=True)
    y = x.relu().sum() + x.pow(3).sum() + x.clamp(min=-0.5, max=1.0).sum()
    y.backward()
    np.testing.assert_allclose(x.relu().value, [0.0, 0.0, 2.0])
    assert not np.signbit(x.relu().value).any()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 1.0] + 3 * v ** 2 + [0.0, 1.0, 0.0])
    s = tensor(-2.0, requires_grad=True)
    r = s.relu()
    r.backward()
    assert r.value == 0.0 and s.grad == 0.0


def test_grad_fn_is_an_object_with_next_functions():
    x = tensor(2.0, requires_grad=True)
    y = x * 3.0
    z = np.sin(y)
    fn = z.grad_fn
    assert fn.name == "np.sin" and fn == "np.sin" and repr(fn) == "<np.sin>"
    (inner,) = fn.next_functions
    assert inner.name == "operator.mul" and inner.next_functions == (x,)
    assert x.grad_fn is None


def test_retain_graph_and_grad_zeroing():
    x = tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * 2 * x.value)      # accumulated, as in PyTorch
    x.grad = None                                             # the zeroing idiom
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_tensor_is_the_exported_class():
    assert isinstance(sg.tensor(1.0), Tensor) or type(sg.tensor(1.0)) is Tensor


def test_check_grad_reports_a_tape_value_that_differs_from_the_function():
    def f(x):   # a Tensor has attributes an ndarray lacks: the taped run computes something else
        return np.sum(x * x) + (1.0 if hasattr(x, "requires_grad") else 0.0)

    with pytest.raises(sg.GradientCheckError) as info:
        sg.check_grad(f, np.array([1.0, 2.0]))
    message = str(info.value)
    assert re.search(r"value +tape vs f +FAIL", message) and re.search(r"value +source vs f +ok", message)


def test_flat_assignment_is_recorded():
    def f(x):
        y = np.zeros(4)
        y.flat = x ** 2
        return np.sum(y * np.arange(1.0, 5.0))

    x = np.array([0.5, -1.0, 2.0, 0.3])
    np.testing.assert_allclose(sg.grad(f, mode="tape")(x), 2 * x * np.arange(1.0, 5.0))


def test_pythons_own_type_error_on_a_tensor_is_named_and_located():
    def f(x):
        y = np.zeros(4)
        np.ndarray.__setitem__(y, slice(0, 2), x[2:] * 3.0)
        return np.sum(y ** 2)

    with pytest.raises(sg.TensorTypeError, match=r"received a 'Tensor'.*y\[\.\.\.\] = v") as info:
        sg.grad(f, mode="tape")(np.ones(4))
    assert "np.ndarray.__setitem__(y, slice(0, 2), x[2:] * 3.0)" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_pytorch_keywords_get_numpys_names_in_the_error():
    x = tensor(np.ones((2, 3)), requires_grad=True)
    np.testing.assert_allclose(x.sum(axis=0, keepdims=True).value, [[2.0, 2.0, 2.0]])
    with pytest.raises(TypeError, match=r"axis= and keepdims="):
        x.sum(dim=0)
    with pytest.raises(TypeError, match=r"axis= and keepdims="):
        x.mean(0, keepdim=True)


def test_new_arrays_are_plain_in_other_threads_while_a_tape_run_lasts():
    import threading

    seen = []

    def other():
        seen.append(type(np.zeros(2)))

    def f(x):
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        return x * 2.0

    assert sg.grad(f, mode="tape")(1.0) == 2.0
    assert seen == [np.ndarray]


def test_math_in_a_module_reached_through_a_table_of_functions():
    from tests.runtime import table_of_helpers

    # energy(theta, 0) = g * (1 - cos theta): derivative g * sin theta
    assert sg.grad(table_of_helpers.total_energy, mode="tape")(0.3) == pytest.approx(9.81 * math.sin(0.3))
