"""Edges of derivative rules that the rule case table does not reach, each written against a
mutant of sourcegrad/rules/ that survived it (python -m tests.mutation --module sourcegrad/rules/)."""

import math

import numpy as np
import pytest

import sourcegrad as sg


def np_power(x, y):
    return np.sum(x ** y)


def math_power(x, y):
    return math.pow(x, y)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_power_at_a_zero_base_has_a_zero_exponent_gradient(mode):
    # d/dy x**y = x**y log x, which is 0 at x = 0 (y > 0): the rule must not compute 0 * log 0 = nan
    x, y = np.array([0.0, 2.0]), np.array([2.0, 3.0])
    with np.errstate(divide="raise", invalid="raise"):
        gx, gy = sg.grad(np_power, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_allclose(gy, [0.0, 8.0 * math.log(2.0)], rtol=1e-12)
    np.testing.assert_allclose(gx, [0.0, 12.0], rtol=1e-12)



def test_math_pow_at_a_zero_base_has_a_zero_exponent_gradient():
    # source mode only: the tape cannot see through math.* (it raises GradientLostError instead)
    gx, gy = sg.grad(math_power, wrt=(0, 1), mode="source")(0.0, 2.0)
    assert (gx, gy) == (0.0, 0.0)
    gx, gy = sg.grad(math_power, wrt=(0, 1), mode="source")(2.0, 3.0)
    assert gx == pytest.approx(12.0) and gy == pytest.approx(8.0 * math.log(2.0))


def einsum4(a, b, c, d):
    return np.einsum("i,ij,j,j->", a, b, c, d)


def einsum5(a, b, c, d, e):
    return np.einsum("i,i,i,i,i->", a, b, c, d, e)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_einsum_of_four_and_five_operands(mode):
    rng = np.random.default_rng(4)
    args4 = [rng.normal(size=2), rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3)]
    for got, want in zip(sg.grad(einsum4, wrt=(0, 1, 2, 3), mode=mode)(*args4),
                         sg.numerical_grad(einsum4, *args4, wrt=(0, 1, 2, 3))):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    args5 = [rng.normal(size=3) for _ in range(5)]
    for got, want in zip(sg.grad(einsum5, wrt=(0, 1, 2, 3, 4), mode=mode)(*args5),
                         sg.numerical_grad(einsum5, *args5, wrt=(0, 1, 2, 3, 4))):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def cross_axes(a, b):
    return np.sum(np.cross(a, b, axisa=0, axisb=0, axisc=0) ** 2) + np.sum(np.cross(a, b, axis=0) * a)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_cross_with_axes(mode):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    for got, want in zip(sg.grad(cross_axes, wrt=(0, 1), mode=mode)(a, b),
                         sg.numerical_grad(cross_axes, a, b, wrt=(0, 1))):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def svd_defaults(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(s)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_svd_called_with_its_defaults(mode):
    # a square matrix: d sum(s) / da = U V^T, whatever full_matrices
    a = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, -0.4], [0.2, -0.1, 1.0]])
    u, _, vt = np.linalg.svd(a)
    np.testing.assert_allclose(sg.grad(svd_defaults, mode=mode)(a), u @ vt, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_svd_of_a_non_square_matrix_with_default_full_matrices_is_declined(mode):
    a = np.arange(6.0).reshape(3, 2) + np.eye(3, 2)
    with pytest.raises(sg.TransformError, match="full_matrices=True is defined only for square matrices"):
        sg.grad(svd_defaults, mode=mode)(a)


def vector_norm_default(x):
    return np.linalg.vector_norm(x) + np.linalg.vector_norm(x, ord=3)


@pytest.mark.skipif(not hasattr(np.linalg, "vector_norm"), reason="NumPy >= 2")
@pytest.mark.parametrize("mode", ["source", "tape"])
def test_vector_norm_called_with_its_default_ord(mode):
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(sg.grad(vector_norm_default, mode=mode)(x),
                               sg.numerical_grad(vector_norm_default, x), rtol=1e-7)


def joined_with_defaults(a, b):
    # np.diff's n=1, axis=-1; np.concatenate's and np.stack's axis=0, all left at their defaults
    w6 = np.linspace(0.5, 1.5, 12).reshape(6, 2)
    w2 = np.linspace(-1.0, 1.0, 12).reshape(2, 3, 2)
    return np.sum(np.diff(a) ** 2) + np.sum(np.concatenate([a, b]) * w6) + np.sum(np.stack([a, b]) * w2)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_rules_of_calls_that_leave_arguments_at_their_defaults(mode):
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    a[:, 1] += 1.0
    for got, want in zip(sg.grad(joined_with_defaults, wrt=(0, 1), mode=mode)(a, b),
                         sg.numerical_grad(joined_with_defaults, a, b, wrt=(0, 1))):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_power_with_a_negative_base_gives_the_exponent_no_gradient(mode):
    # d/dy x**y does not exist for x < 0 (x**y is complex nearby); the rule gives 0 there, not NaN
    gx, gy = sg.grad(np_power, wrt=(0, 1), mode=mode)(np.array([-2.0, 0.5]), np.array([3.0, 2.0]))
    np.testing.assert_allclose(gx, [12.0, 1.0])
    np.testing.assert_allclose(gy, [0.0, 0.25 * math.log(0.5)], rtol=1e-12)


def test_math_pow_with_a_base_below_one():
    gx, gy = sg.grad(math_power, wrt=(0, 1), mode="source")(0.5, 3.0)
    assert gx == pytest.approx(0.75) and gy == pytest.approx(0.125 * math.log(0.5))


def negate_and_add(x):
    y = -x
    return np.sum(y * x + x)


def test_negation_is_elementwise_so_no_unbroadcast_is_generated():
    # -x has the shape of x: the adjoint needs no unbroadcast (nor any other shape fix-up)
    text = sg.source(negate_and_add)
    assert "unbroadcast" not in text, text
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(sg.grad(negate_and_add)(x), -2 * x + 1)


def diff_3d(t):
    return np.sum(np.diff(t) ** 2)          # along the last axis (axis=-1 by default), here axis 2


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_diff_of_a_3d_array_with_its_default_axis(mode):
    t = np.arange(12.0).reshape(2, 2, 3) ** 1.5
    np.testing.assert_allclose(sg.grad(diff_3d, mode=mode)(t), sg.numerical_grad(diff_3d, t), rtol=1e-7)


def clip_method(x):
    y = x.clip(-1.0, 1.0)
    return np.sum(y * x + x)


def test_the_clip_method_is_elementwise_so_no_unbroadcast_is_generated():
    text = sg.source(clip_method)
    assert "unbroadcast" not in text, text
    x = np.array([0.5, -2.0])
    np.testing.assert_allclose(sg.grad(clip_method)(x), sg.numerical_grad(clip_method, x), rtol=1e-7)
