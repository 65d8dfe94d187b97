"""Everyday operators and casts whose derivatives are easy to get subtly wrong: powers with active
exponents, masks multiplied in, floor/round/mod, comparisons, casts to Python numbers, norms."""

import math

import numpy as np

from . import M, MP, Q, S, S2, T, V, V3, VP, Registry

CASES = Registry("operators")


def active_exponent_constant_base(x):
    return np.sum(2.0 ** x)


CASES.add(active_exponent_constant_base, V)


def self_power(x):
    return np.sum(x ** x)


CASES.add(self_power, VP)


def np_power_both_active(x, y):
    return np.sum(np.power(x, y))


CASES.add(np_power_both_active, VP, V, wrt=(0, 1))


def negative_and_fractional_powers(x):
    return np.sum(x ** -1 + x ** 0.5 + x ** -2.5)


CASES.add(negative_and_fractional_powers, VP)


def unary_minus_power_precedence(x):
    return -x ** 2 + (-x) ** 3


CASES.add(unary_minus_power_precedence, S)


def mod_and_floordiv(x):
    return np.sum((x % 1.0) * 3.0 + (x // 1.0) * x)


CASES.add(mod_and_floordiv, np.array([0.3, -0.8, 1.1, 2.45]))


def builtin_divmod_scalar(x):
    q, r = divmod(x, 0.5)
    return r * 4.0 + q * x


CASES.add(builtin_divmod_scalar, S)


def mask_multiplied_in(x):
    return np.sum((x > 0) * x ** 2)


CASES.add(mask_multiplied_in, V)


def mask_and_or_not(x):
    m = (x > 0.0) & (x < 1.0) | ~(x > -0.5)
    return np.sum(m * x ** 3 + x)


CASES.add(mask_and_or_not, V)


def boolean_index_sum(x):
    return x[x > 0.4].sum() * 2.0


CASES.add(boolean_index_sum, V)


def sign_times_value(x):
    return np.sum(np.sign(x) * x ** 2)


CASES.add(sign_times_value, V)


def floor_and_round_plus_x(x):
    return np.sum(np.floor(x) * x + np.round(x, 1) + np.ceil(x))


CASES.add(floor_and_round_plus_x, np.array([0.33, -0.84, 1.12, 2.46]))


def builtin_round_scalar(x):
    return round(x, 2) * 0.0 + x * round(3.7)


CASES.add(builtin_round_scalar, 0.7123)


def astype_int_is_constant(x):
    return np.sum((x * 10.0).astype(int) * x)


CASES.add(astype_int_is_constant, np.array([0.34, -0.81, 1.15, 0.46]))


def clip_min_max_keywords(x):
    return np.sum(x.clip(min=-0.5) ** 2 + np.clip(x, a_min=None, a_max=1.0))


CASES.add(clip_min_max_keywords, V)


def leaky_relu_where(x):
    return np.sum(np.where(x > 0, x, 0.01 * x) ** 2)


CASES.add(leaky_relu_where, M)


def float_of_sum(x):
    return float(np.sum(x ** 2)) * 3.0


CASES.add(float_of_sum, V)


def item_of_one_element(x):
    return (x[1:2] ** 2).item() + np.sum(x)


CASES.add(item_of_one_element, V)


def numpy_float64_of_sum(x):
    return np.float64(np.sum(np.sin(x))) ** 2


CASES.add(numpy_float64_of_sum, V)


def int_truncation_scalar(x):
    return int(x * 10.0) / 10.0 * x


CASES.add(int_truncation_scalar, 0.75)


def math_floor_scalar(x):
    return math.floor(x * 3.0) * x + math.fabs(x)


CASES.add(math_floor_scalar, S)


def norm_orders(x):
    return np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf) + np.linalg.norm(x) + np.linalg.norm(x, 3)


CASES.add(norm_orders, V)


def matrix_norm_orders(a):
    return np.linalg.norm(a, "fro") + np.linalg.norm(a, 2) + np.linalg.norm(a, np.inf) + np.linalg.norm(a, 1)


CASES.add(matrix_norm_orders, Q)


def len_and_size_divisors(x):
    return np.sum(x) / len(x) + np.sum(x ** 2) / x.size + x.shape[1] * np.mean(x)


CASES.add(len_and_size_divisors, M)


def comparison_chain_scalar(x):
    return float(0.0 < x < 1.0) * x ** 2 + x


CASES.add(comparison_chain_scalar, S)


def isclose_mask(x):
    return np.sum(np.isclose(x, 1.1, atol=0.01) * x + x)


CASES.add(isclose_mask, V)


def heaviside_times(x):
    return np.sum(np.heaviside(x, 0.5) * np.exp(x))


CASES.add(heaviside_times, V)


def true_division_of_ints_and_arrays(x):
    return np.sum(x * (1 / 2) + x / np.array([1, 2, 3, 4]))


CASES.add(true_division_of_ints_and_arrays, V)


def fmod_and_remainder(x):
    return np.sum(np.fmod(x, 0.7) + np.remainder(x, 0.6) * x)


CASES.add(fmod_and_remainder, np.array([0.3, -0.8, 1.1, 2.45]))


def logical_where_combination(x):
    m = np.logical_and(x > -0.5, np.logical_not(x > 1.0))
    return np.sum(np.where(m, np.sin(x), np.cos(x)))


CASES.add(logical_where_combination, V)


def augmented_power_on_scalar(x):
    y = x
    y **= 3
    y //= 0.001
    return y * 0.0 + x ** 3


CASES.add(augmented_power_on_scalar, S)


def matmul_operator_chain(a, b):
    return np.sum(a @ b @ a.T)


CASES.add(matmul_operator_chain, M, Q, wrt=(0, 1))


def unary_plus_and_invert_mask(x):
    return np.sum(+x * ~(x > 1.0))


CASES.add(unary_plus_and_invert_mask, V)


def isinstance_in_expression(x):
    return np.sum(x ** 2) * (1.0 + float(isinstance(x, np.ndarray)))


CASES.add(isinstance_in_expression, V)


def isscalar_in_expression(s):
    return s ** 2 * (1.0 + 2.0 * np.isscalar(s))


CASES.add(isscalar_in_expression, S)


def type_name_in_expression(x):
    return np.sum(np.sin(x)) * len(type(x).__name__)


CASES.add(type_name_in_expression, V)


def walrus_in_arithmetic(x):
    z = (y := x * 2.0) + 1.0
    return np.sum(y * z)


CASES.add(walrus_in_arithmetic, V)


def walrus_in_helper_argument(x):
    z = np.tanh(y := x ** 2)
    return np.sum(z * y)


CASES.add(walrus_in_helper_argument, V)


def walrus_in_tuple_display(x):
    t = ((y := np.sin(x)), y * 2.0)
    return np.sum(t[0] * t[1] + y)


CASES.add(walrus_in_tuple_display, V)


def walrus_in_dict_value(x):
    d = {"a": (y := x ** 3)}
    return np.sum(d["a"] + 2.0 * y)


CASES.add(walrus_in_dict_value, V)


def walrus_in_subscript_index(x):
    v = x[(i := 2)] * (i + 1.0)
    return v + np.sum(x)


CASES.add(walrus_in_subscript_index, V)


def walrus_in_return(x):
    return np.sum(y := x ** 2) + np.sum(y * x)


CASES.add(walrus_in_return, V)


def walrus_rebinds_argument(x):
    s = np.sum((x := x * 3.0) ** 2)
    return s + np.sum(x)


CASES.add(walrus_rebinds_argument, V)


def walrus_in_boolean_operand(x):
    ok = (y := np.sum(x ** 2)) > 0.0 and (z := y * 2.0) > 0.0
    return y + z * float(ok)


CASES.add(walrus_in_boolean_operand, V)


def numbers_number_check(s):
    import numbers
    return s ** 2 * (1.0 + 2.0 * isinstance(s, numbers.Number))


CASES.add(numbers_number_check, S)


def hasattr_len_check(s):
    return s ** 3 * (1.0 + float(hasattr(s, "__len__")))


CASES.add(hasattr_len_check, S)


def np_iterable_check(s):
    return np.sin(s) * (2.0 if np.iterable(s) else 1.0)


CASES.add(np_iterable_check, S)


def type_equals_float(s):
    return s ** 2 * (3.0 if type(s) == float else 1.0)


CASES.add(type_equals_float, S)


def isinstance_int_or_float(s):
    return s ** 2 * (3.0 if isinstance(s, (int, float)) else 1.0)


CASES.add(isinstance_int_or_float, S)


def ndarray_subclass_check_2d(x):
    return np.sum(x ** 2) * (2.0 if issubclass(type(x), np.ndarray) else 1.0)


CASES.add(ndarray_subclass_check_2d, M)


def np_isscalar_on_element(x):
    return np.sum(x ** 2) * (2.0 if np.isscalar(x[0]) else 1.0)


CASES.add(np_isscalar_on_element, V)
