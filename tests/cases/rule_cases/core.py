"""Cases for ``sourcegrad/rules/core.py``: Python operators, ``x[index]``, builtins and ``math``.

The operators are tried with respect to each operand alone and both, so a Python number or an array
meets a differentiated value on either side (``2.0 * x``, ``x * y``, ``array + x``)."""

import builtins
import math
import operator

import numpy as np

from sourcegrad.runtime.helpers import added_at, appended, updated

from ._base import away, binary_cases, case, mod_dividend, mod_divisor, unary_cases, uniform, weights, weights_like

# ---------------------------------------------------------------- operators


def op_add(x, y, c):
    return np.sum((x + y) * c)


def op_sub(x, y, c):
    return np.sum((x - y) * c)


def op_mul(x, y, c):
    return np.sum(x * y * c)


def op_truediv(x, y, c):
    return np.sum(x / y * c)


def op_pow(x, y, c):
    return np.sum(x ** y * c)


def op_mod(x, y, c):
    return np.sum(x % y * c)


def op_pow_int(x, c):
    return np.sum(x ** 3 * c)


def op_rpow(x, c):
    return np.sum(2.0 ** x * c)


def op_neg(x, c):
    return np.sum(-x * c)


def op_pos(x, c):
    return np.sum(+x * c)


# ---------------------------------------------------------------- x[index]


def getitem_int(x, c):
    return np.sum(x[1] * c)


# ---------------------------------------------------------------- y[index] = v into a local array
# (source mode writes them as y_1 = updated(y, index, v))


def setitem(x, v, c, index):
    y = x * 1.0
    y[index] = v
    return np.sum(y * c)


def setitem_augmented(x, v, c, index):
    y = x * 1.0
    y[index] += v * v
    return np.sum(y * y * c)


def setitem_augmented_fancy(x, v, c, index):
    y = x * 1.0
    y[index] += v * v
    return np.sum(y * y * c)


def setitem_into_ints(x, v, c):
    y = np.zeros(4, dtype=int)
    y[1:3] = v
    return np.sum((y + x) * c)


# ---------------------------------------------------------------- np.add.at(y, index, v) into a local array
# (source mode writes it as y_1 = added_at(y, index, v); called directly here, so that the tape, which
# refuses np.add.at into a Tensor, records it too)


def add_at(x, v, c, index):
    y = added_at(x * 1.0, index, v * v)
    return np.sum(y * y * c)


def add_at_into_ints(x, v, c):
    y = added_at(np.zeros(4, dtype=int), np.s_[1:3], v)
    return np.sum((y + x) * c)


# ---------------------------------------------------------------- lst.append(v) on a list grown in a loop
# (source mode writes it as lst_1 = appended(lst, v))


def append_then_stack(x, v, c):
    items = appended(appended([x * 1.0], v * v), np.sin(x))
    return np.sum(np.stack(items) * c)


def append_then_read(x, v, c):
    items = appended([x * 2.0], v)
    return np.sum((items[0] * items[1] + items[-1]) * c)


def getitem_negative_int(x, c):
    return np.sum(x[-1] * c)


def getitem_slice(x, c):
    return np.sum(x[1:] * c)


def getitem_basic(x, c):
    return np.sum(x[1:, ::-2] * c)


def getitem_step(x, c):
    return np.sum(x[1, ::2] * c)


def getitem_column(x, c):
    return np.sum(x[:, 0] * c)


def getitem_ellipsis(x, c):
    return np.sum(x[..., 1] * c)


def getitem_newaxis(x, c):
    return np.sum(x[None, 1:] * c)


def getitem_int_newaxis(x, c):
    return np.sum(x[..., 1, None] * c)


def getitem_fancy(x, c):
    return np.sum(x[[0, 2]] * c)


def getitem_repeated(x, c):
    return np.sum(x[[0, 2, 0, 0]] * c)


def getitem_pairs(x, c):
    return np.sum(x[[0, 1, 1, 0], [2, 0, 2, 2]] * c)


def getitem_mixed(x, c):
    return np.sum(x[1:, [0, 0, 2]] * c)


def getitem_mask(x, mask, c):
    return np.sum(x[mask] * c)


def getitem_mask_from_data(x):
    return np.sum(x[x > 0] ** 2)


# ---------------------------------------------------------------- builtins


def builtin_abs(x, c):
    return np.sum(abs(x) * c)


def builtin_float(x):
    return float(x) ** 2


def builtin_max(x, y):
    return max(x, y) * 3.0


def builtin_min(x, y):
    return min(x, y) * 3.0


# ---------------------------------------------------------------- math


def math_sin(x):
    return math.sin(x)


def math_cos(x):
    return math.cos(x)


def math_tan(x):
    return math.tan(x)


def math_exp(x):
    return math.exp(x)


def math_expm1(x):
    return math.expm1(x)


def math_log(x):
    return math.log(x)


def math_log_base(x, base):
    return math.log(x, base)


def math_log1p(x):
    return math.log1p(x)


def math_log2(x):
    return math.log2(x)


def math_log10(x):
    return math.log10(x)


def math_sqrt(x):
    return math.sqrt(x)


def math_pow(x, y):
    return math.pow(x, y)


def math_tanh(x):
    return math.tanh(x)


def math_sinh(x):
    return math.sinh(x)


def math_cosh(x):
    return math.cosh(x)


def math_asin(x):
    return math.asin(x)


def math_acos(x):
    return math.acos(x)


def math_atan(x):
    return math.atan(x)


def math_atan2(y, x):
    return math.atan2(y, x)


def math_hypot(x, y):
    return math.hypot(x, y)


def math_fabs(x):
    return math.fabs(x)


def math_asinh(x):
    return math.asinh(x)


def math_acosh(x):
    return math.acosh(x)


def math_atanh(x):
    return math.atanh(x)


def math_erf(x):
    return math.erf(x)


def math_erfc(x):
    return math.erfc(x)


def math_degrees(x):
    return math.degrees(x)


def math_radians(x):
    return math.radians(x)


def math_copysign(x, y):
    return math.copysign(x, y)


def math_fmod(x, y):
    return math.fmod(x, y)


def math_remainder(x, y):
    return math.remainder(x, y)


def math_ldexp(x):
    return math.ldexp(x, 3)


def math_exp2(x):
    return math.exp2(x)


def math_cbrt(x):
    return math.cbrt(x)


# ---------------------------------------------------------------- arguments


_ALL_OPERANDS = ((0,), (1,), (0, 1))
binary_cases(op_add, operator.add, wrts=_ALL_OPERANDS)
binary_cases(op_sub, operator.sub, wrts=_ALL_OPERANDS)
binary_cases(op_mul, operator.mul, wrts=_ALL_OPERANDS)
binary_cases(op_truediv, operator.truediv, uniform, away, wrts=_ALL_OPERANDS)
binary_cases(op_pow, operator.pow, lambda s: uniform(s, 0.5, 2.0), uniform, wrts=_ALL_OPERANDS)
binary_cases(op_mod, operator.mod, mod_dividend, mod_divisor, wrts=_ALL_OPERANDS)
unary_cases(op_pow_int, operator.pow)
unary_cases(op_rpow, operator.pow)
unary_cases(op_neg, operator.neg)
unary_cases(op_pos, operator.pos)
unary_cases(builtin_abs, builtins.abs, away)

_x1, _x2, _x3 = uniform((5,)), uniform((3, 4)), uniform((2, 3, 4))
for _name, _fn, _x, _index in [
    ("int", getitem_int, _x2, 1), ("int_1d", getitem_int, _x1, 1), ("negative_int", getitem_negative_int, _x2, -1),
    ("slice", getitem_slice, _x1, np.s_[1:]), ("basic", getitem_basic, _x2, np.s_[1:, ::-2]),
    ("step", getitem_step, _x2, np.s_[1, ::2]), ("column", getitem_column, _x2, np.s_[:, 0]),
    ("ellipsis", getitem_ellipsis, _x3, np.s_[..., 1]), ("newaxis", getitem_newaxis, _x1, np.s_[None, 1:]),
    ("int_newaxis", getitem_int_newaxis, _x3, np.s_[..., 1, None]), ("fancy", getitem_fancy, _x2, [0, 2]),
    ("repeated", getitem_repeated, _x1, [0, 2, 0, 0]), ("repeated_rows", getitem_repeated, _x2, [0, 2, 0, 0]),
    ("pairs", getitem_pairs, _x2, ([0, 1, 1, 0], [2, 0, 2, 2])), ("mixed", getitem_mixed, _x2, np.s_[1:, [0, 0, 2]]),
]:
    case(f"getitem[{_name}]", _fn, (_x, weights_like(_x[_index])), (0,), operator.getitem)
for _name, _fn, _x, _v, _index in [
    ("int", setitem, _x1, 0.4, 1), ("slice_broadcast", setitem, _x1, 0.4, np.s_[1:4]),
    ("slice", setitem, _x1, uniform((3,)), np.s_[1:4]), ("row", setitem, _x2, uniform((4,)), 1),
    ("column_broadcast", setitem, _x2, uniform((1,)), np.s_[:, 2]),
    ("fancy_repeated_last_wins", setitem, _x1, uniform((3,)), [0, 2, 0]),
    ("augmented_slice", setitem_augmented, _x2, uniform((4,)), np.s_[1:]),
    ("augmented_repeated", setitem_augmented_fancy, _x1, uniform((3,)), [1, 1, 3]),
]:
    case(f"updated[{_name}]", _fn, (_x, _v, weights_like(_x), _index), (0, 1), updated)
case("updated[into_ints]", setitem_into_ints, (uniform((4,)), 0.6, weights((4,))), (0, 1), updated)
for _name, _x, _v, _index in [
    ("int", _x1, 0.4, 1), ("slice_broadcast", _x1, 0.4, np.s_[1:4]), ("slice", _x1, uniform((3,)), np.s_[1:4]),
    ("repeated", _x1, uniform((4,)), [0, 2, 0, 0]), ("repeated_broadcast", _x1, 0.7, [3, 3]),
    ("rows_repeated", _x2, uniform((4,)), [2, 0, 2]), ("rows_repeated_column", _x2, uniform((3, 1)), [2, 0, 2]),
    ("pairs", _x2, uniform((4,)), ([0, 1, 1, 0], [2, 0, 2, 2])), ("mixed", _x2, uniform((2, 3)), np.s_[1:, [0, 0, 2]]),
]:
    case(f"added_at[{_name}]", add_at, (_x, _v, weights_like(_x), _index), (0, 1), added_at)
case("appended[stack]", append_then_stack, (uniform((3,)), uniform((3,)), weights((3, 3))), (0, 1), appended)
case("appended[read]", append_then_read, (uniform((3,)), uniform((3,)), weights((3,))), (0, 1), appended)
case("added_at[into_ints]", add_at_into_ints, (uniform((4,)), 0.6, weights((4,))), (0, 1), added_at)
_mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
case("getitem[mask]", getitem_mask, (_x2, _mask, weights((6,))), (0,), operator.getitem)
case("getitem[mask_from_data]", getitem_mask_from_data, (away((3, 4)),), (0,), operator.getitem)

case("builtin_float", builtin_float, (0.7,), (0,), builtins.float)
case("builtin_max[first]", builtin_max, (0.9, 0.2), (0, 1), builtins.max)
case("builtin_max[second]", builtin_max, (-0.4, 0.3), (0, 1), builtins.max)
case("builtin_min[first]", builtin_min, (0.1, 0.6), (0, 1), builtins.min)
case("builtin_min[second]", builtin_min, (0.8, -0.5), (0, 1), builtins.min)

for _fn, _prim, _x in [
    (math_sin, math.sin, 0.7), (math_cos, math.cos, 0.7), (math_tan, math.tan, 0.6), (math_exp, math.exp, 0.4),
    (math_expm1, math.expm1, -0.3), (math_log, math.log, 1.7), (math_log1p, math.log1p, 0.6),
    (math_log2, math.log2, 2.5), (math_log10, math.log10, 3.5), (math_sqrt, math.sqrt, 1.8),
    (math_tanh, math.tanh, 0.5), (math_sinh, math.sinh, 0.8), (math_cosh, math.cosh, -0.6),
    (math_asin, math.asin, 0.3), (math_acos, math.acos, -0.4), (math_atan, math.atan, 1.3),
    (math_fabs, math.fabs, -0.9), (math_fabs, math.fabs, 0.9),
]:
    case(f"{_fn.__name__}[{_x}]", _fn, (_x,), (0,), _prim)
case("math_log_base[x]", math_log_base, (3.0, 2.0), (0,), math.log)
case("math_log_base[x,base]", math_log_base, (3.0, 2.5), (0, 1), math.log)
case("math_pow", math_pow, (1.3, 2.2), (0, 1), math.pow)
case("math_atan2", math_atan2, (0.4, -0.9), (0, 1), math.atan2)
case("math_hypot", math_hypot, (0.6, 1.1), (0, 1), math.hypot)
for _fn, _prim, _x in [
    (math_asinh, math.asinh, 0.7), (math_acosh, math.acosh, 1.6), (math_atanh, math.atanh, -0.4),
    (math_erf, math.erf, 0.6), (math_erfc, math.erfc, -0.3), (math_degrees, math.degrees, 0.7),
    (math_radians, math.radians, 20.0), (math_ldexp, math.ldexp, 0.7),
] + ([(math_exp2, math.exp2, 0.7), (math_cbrt, math.cbrt, -1.7)] if hasattr(math, "cbrt") else []):
    case(f"{_fn.__name__}[{_x}]", _fn, (_x,), (0,), _prim)
case("math_copysign[negative y]", math_copysign, (0.7, -2.0), (0, 1), math.copysign)
case("math_copysign[negative x]", math_copysign, (-0.7, 2.0), (0, 1), math.copysign)
case("math_fmod", math_fmod, (3.7, 1.5), (0, 1), math.fmod)
case("math_fmod[negative x]", math_fmod, (-3.7, 1.5), (0, 1), math.fmod)
case("math_remainder", math_remainder, (3.7, 1.5), (0, 1), math.remainder)
