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
