"""Derivative rules for Python's operators, builtins and the math module.

One rule per primitive, each a line or two; read ``registry.py`` for the calling convention.
The source transformer inlines these bodies into generated code, so they use only names that
generated code has: ``np``, ``math``, the helpers of ``sourcegrad.runtime.helpers`` and the kernels of ``kernels.py``.
"""

import builtins
import math
import operator

import numpy as np

from ..runtime.helpers import added_at, appended, unbroadcast, unindex, updated
from .kernels import grad_added_value, grad_updated_value, unappended, without_index
from .registry import nondifferentiable, vjp_rule

# ---- arithmetic operators (shared with the matching NumPy ufuncs) ----


@vjp_rule(operator.add, np.add, elementwise=True)
def add(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(g, y)


@vjp_rule(operator.sub, np.subtract, elementwise=True)
def sub(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(-g, y)


@vjp_rule(operator.mul, np.multiply, elementwise=True)
def mul(g, ans, x, y):
    return unbroadcast(g * y, x), unbroadcast(g * x, y)


@vjp_rule(operator.truediv, np.divide, elementwise=True)
def truediv(g, ans, x, y):
    return unbroadcast(g / y, x), unbroadcast(-g * ans / y, y)


@vjp_rule(operator.pow, np.power, elementwise=True)
def power(g, ans, x, y):
    return (
        unbroadcast(g * y * x ** (y - 1), x),
        unbroadcast(g * ans * np.log(np.where(x > 0, x, 1)), y),
    )


@vjp_rule(operator.mod, np.mod, np.remainder, elementwise=True)
def mod(g, ans, x, y):
    return unbroadcast(g, x), unbroadcast(-g * np.floor_divide(x, y), y)


@vjp_rule(operator.neg, np.negative, elementwise=True)
def neg(g, ans, x):
    return -g


@vjp_rule(operator.pos, np.positive, elementwise=True)
def pos(g, ans, x):
    return g


@vjp_rule(operator.getitem)
def getitem(g, ans, x, index):
    return unindex(g, x, index), None


@vjp_rule(updated)
def item_update(g, ans, x, index, value):
    # y[index] = value on a local array, written by source mode as y_1 = updated(y, index, value)
    return without_index(g, index), None, grad_updated_value(g, x, index, value)


@vjp_rule(added_at)
def add_at(g, ans, a, index, value):
    # np.add.at(buf, index, value) on a local array, written by source mode as buf_1 = added_at(buf, index, value)
    return g, None, grad_added_value(g, a, index, value)


@vjp_rule(appended)
def append_rule(g, ans, items, value):
    # items.append(value) on a list that carries a gradient, written by source mode as a new list
    return unappended(g), g[-1]


nondifferentiable(
    operator.floordiv, np.floor_divide,
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.truth, operator.and_, operator.or_, operator.xor, operator.invert,
    builtins.len, builtins.round, builtins.int, builtins.bool, math.floor, math.ceil, math.trunc,
)

# ---- builtins ----


@vjp_rule(builtins.abs, elementwise=True)
def builtin_abs(g, ans, x):
    return g * np.sign(x)


@vjp_rule(builtins.float, elementwise=True)
def builtin_float(g, ans, x):
    return g


@vjp_rule(builtins.max, elementwise=True)
def builtin_max(g, ans, x, y):
    return g * (y <= x), g * (y > x)


@vjp_rule(builtins.min, elementwise=True)
def builtin_min(g, ans, x, y):
    return g * (y >= x), g * (y < x)


# ---- math (scalar functions; rules use math so scalar code stays fast) ----


@vjp_rule(math.sin, elementwise=True)
def math_sin(g, ans, x):
    return g * math.cos(x)


@vjp_rule(math.cos, elementwise=True)
def math_cos(g, ans, x):
    return -g * math.sin(x)


@vjp_rule(math.tan, elementwise=True)
def math_tan(g, ans, x):
    return g * (1 + ans * ans)


@vjp_rule(math.exp, elementwise=True)
def math_exp(g, ans, x):
    return g * ans


@vjp_rule(math.expm1, elementwise=True)
def math_expm1(g, ans, x):
    return g * (ans + 1)


@vjp_rule(math.log, elementwise=True)
def math_log(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@vjp_rule(math.log1p, elementwise=True)
def math_log1p(g, ans, x):
    return g / (1 + x)


@vjp_rule(math.log2, elementwise=True)
def math_log2(g, ans, x):
    return g / (x * math.log(2))


@vjp_rule(math.log10, elementwise=True)
def math_log10(g, ans, x):
    return g / (x * math.log(10))


@vjp_rule(math.sqrt, elementwise=True)
def math_sqrt(g, ans, x):
    return g * 0.5 / ans


@vjp_rule(math.pow, elementwise=True)
def math_pow(g, ans, x, y):
    return g * y * x ** (y - 1), g * ans * math.log(x) if x > 0 else 0.0


@vjp_rule(math.tanh, elementwise=True)
def math_tanh(g, ans, x):
    return g * (1 - ans * ans)


@vjp_rule(math.sinh, elementwise=True)
def math_sinh(g, ans, x):
    return g * math.cosh(x)


@vjp_rule(math.cosh, elementwise=True)
def math_cosh(g, ans, x):
    return g * math.sinh(x)


@vjp_rule(math.asin, elementwise=True)
def math_asin(g, ans, x):
    return g / math.sqrt(1 - x * x)


@vjp_rule(math.acos, elementwise=True)
def math_acos(g, ans, x):
    return -g / math.sqrt(1 - x * x)


@vjp_rule(math.atan, elementwise=True)
def math_atan(g, ans, x):
    return g / (1 + x * x)


@vjp_rule(math.atan2, elementwise=True)
def math_atan2(g, ans, y, x):
    return g * x / (x * x + y * y), -g * y / (x * x + y * y)


@vjp_rule(math.hypot, elementwise=True)
def math_hypot(g, ans, x, y):
    return g * x / ans, g * y / ans


@vjp_rule(math.fabs, elementwise=True)
def math_fabs(g, ans, x):
    return g * np.sign(x)        # (np.sign has its rule, zero: math.copysign had none, so no second order)


@vjp_rule(math.asinh, elementwise=True)
def math_asinh(g, ans, x):
    return g / math.sqrt(x * x + 1)


@vjp_rule(math.acosh, elementwise=True)
def math_acosh(g, ans, x):
    return g / math.sqrt(x * x - 1)


@vjp_rule(math.atanh, elementwise=True)
def math_atanh(g, ans, x):
    return g / (1 - x * x)


@vjp_rule(math.erf, elementwise=True)
def math_erf(g, ans, x):
    return g * 2 / math.sqrt(math.pi) * math.exp(-x * x)


@vjp_rule(math.erfc, elementwise=True)
def math_erfc(g, ans, x):
    return -g * 2 / math.sqrt(math.pi) * math.exp(-x * x)


@vjp_rule(math.degrees, elementwise=True)
def math_degrees(g, ans, x):
    return g * (180 / math.pi)


@vjp_rule(math.radians, elementwise=True)
def math_radians(g, ans, x):
    return g * (math.pi / 180)


@vjp_rule(math.copysign, elementwise=True)
def math_copysign(g, ans, x, y):
    # |x| with the sign of y: the sign of y is constant almost everywhere
    return (g * math.copysign(1.0, x) * math.copysign(1.0, y) if x != 0 else 0.0), 0.0


@vjp_rule(math.fmod, elementwise=True)
def math_fmod(g, ans, x, y):
    # x - trunc(x / y) * y, the quotient constant almost everywhere
    return g, -g * ((x - ans) / y)


@vjp_rule(math.remainder, elementwise=True)
def math_remainder(g, ans, x, y):
    # x - n * y with n the nearest integer to x / y, constant almost everywhere
    return g, -g * ((x - ans) / y)


@vjp_rule(math.ldexp, elementwise=True)
def math_ldexp(g, ans, x, i):
    return g * math.ldexp(1.0, i), 0.0


if hasattr(math, "cbrt"):   # Python >= 3.11
    @vjp_rule(math.exp2, elementwise=True)
    def math_exp2(g, ans, x):
        return g * ans * math.log(2)

    @vjp_rule(math.cbrt, elementwise=True)
    def math_cbrt(g, ans, x):
        return g / (3 * ans * ans)
