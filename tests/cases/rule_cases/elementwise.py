"""Cases for the elementwise rules of ``sourcegrad/rules/numpy.py`` (and the ufuncs that share a rule
with an operator in ``core.py``): every shape class, broadcasting partners, ties, and the functions
declared to have no gradient."""

import numpy as np

from ._base import (
    NUMPY_2_1,
    SHAPES,
    case,
    binary_cases,
    unary_cases,
    away,
    distinct,
    mod_dividend,
    mod_divisor,
    tag,
    uniform,
    weights,
    weights_like,
)

# ---------------------------------------------------------------- elementwise, one argument


def exp(x, c):
    return np.sum(np.exp(x) * c)


def exp2(x, c):
    return np.sum(np.exp2(x) * c)


def expm1(x, c):
    return np.sum(np.expm1(x) * c)


def log(x, c):
    return np.sum(np.log(x) * c)


def log2(x, c):
    return np.sum(np.log2(x) * c)


def log10(x, c):
    return np.sum(np.log10(x) * c)


def log1p(x, c):
    return np.sum(np.log1p(x) * c)


def sqrt(x, c):
    return np.sum(np.sqrt(x) * c)


def cbrt(x, c):
    return np.sum(np.cbrt(x) * c)


def square(x, c):
    return np.sum(np.square(x) * c)


def reciprocal(x, c):
    return np.sum(np.reciprocal(x) * c)


def sin(x, c):
    return np.sum(np.sin(x) * c)


def cos(x, c):
    return np.sum(np.cos(x) * c)


def tan(x, c):
    return np.sum(np.tan(x) * c)


def arcsin(x, c):
    return np.sum(np.arcsin(x) * c)


def arccos(x, c):
    return np.sum(np.arccos(x) * c)


def arctan(x, c):
    return np.sum(np.arctan(x) * c)


def sinh(x, c):
    return np.sum(np.sinh(x) * c)


def cosh(x, c):
    return np.sum(np.cosh(x) * c)


def tanh(x, c):
    return np.sum(np.tanh(x) * c)


def arcsinh(x, c):
    return np.sum(np.arcsinh(x) * c)


def arccosh(x, c):
    return np.sum(np.arccosh(x) * c)


def arctanh(x, c):
    return np.sum(np.arctanh(x) * c)


def abs_(x, c):
    return np.sum(np.abs(x) * c)


def absolute(x, c):
    return np.sum(np.absolute(x) * c)


def fabs(x, c):
    return np.sum(np.fabs(x) * c)


def negative(x, c):
    return np.sum(np.negative(x) * c)


def positive(x, c):
    return np.sum(np.positive(x) * c)


def deg2rad(x, c):
    return np.sum(np.deg2rad(x) * c)


def radians(x, c):
    return np.sum(np.radians(x) * c)


def rad2deg(x, c):
    return np.sum(np.rad2deg(x) * c)


def degrees(x, c):
    return np.sum(np.degrees(x) * c)


def sinc(x, c):
    return np.sum(np.sinc(x) * c)


def real(x, c):
    return np.sum(np.real(x) * c)


def imag(x, c):
    return np.sum(np.imag(x) * c + x * c)


def conj(x, c):
    return np.sum(np.conj(x) * c)


def conjugate(x, c):
    return np.sum(np.conjugate(x) * c)


# ---------------------------------------------------------------- elementwise, two arguments


def add(x, y, c):
    return np.sum(np.add(x, y) * c)


def subtract(x, y, c):
    return np.sum(np.subtract(x, y) * c)


def multiply(x, y, c):
    return np.sum(np.multiply(x, y) * c)


def divide(x, y, c):
    return np.sum(np.divide(x, y) * c)


def true_divide(x, y, c):
    return np.sum(np.true_divide(x, y) * c)


def power(x, y, c):
    return np.sum(np.power(x, y) * c)


def float_power(x, y, c):
    return np.sum(np.float_power(x, y) * c)


def mod(x, y, c):
    return np.sum(np.mod(x, y) * c)


def remainder(x, y, c):
    return np.sum(np.remainder(x, y) * c)


def logaddexp(x, y, c):
    return np.sum(np.logaddexp(x, y) * c)


def logaddexp2(x, y, c):
    return np.sum(np.logaddexp2(x, y) * c)


def arctan2(x, y, c):
    return np.sum(np.arctan2(x, y) * c)


def hypot(x, y, c):
    return np.sum(np.hypot(x, y) * c)


def maximum(x, y, c):
    return np.sum(np.maximum(x, y) * c)


def minimum(x, y, c):
    return np.sum(np.minimum(x, y) * c)


def fmax(x, y, c):
    return np.sum(np.fmax(x, y) * c)


def fmin(x, y, c):
    return np.sum(np.fmin(x, y) * c)


def where(x, y, c):
    return np.sum(np.where(x > 0.1, x, y) * c)


def clip(x, c):
    return np.sum(np.clip(x, -0.5, 0.6) * c)


def clip_bounds(x, lo, hi, c):
    return np.sum(np.clip(x, lo, hi) * c)


def clip_method(x, c):
    return np.sum(x.clip(-0.5, 0.6) * c)


def clip_method_bounds(x, lo, hi, c):
    return np.sum(x.clip(lo, hi) * c)


def clip_keywords(x, lo, hi, c):
    return np.sum(np.clip(x, a_min=lo, a_max=hi) * c) + np.sum(x.clip(max=hi, min=lo) * c * c)


def clip_min_max(x, lo, hi, c):
    return np.sum(np.clip(x, min=lo, max=hi) * c)


def where_condition(condition, x, c):
    return np.sum(np.where(condition, x, 0.0) * c)


# ---------------------------------------------------------------- no gradient (checked: zero)


def floor_times(x, c):
    return np.sum(np.floor(x) * x * c)


def ceil_times(x, c):
    return np.sum(np.ceil(x) * x * c)


def round_times(x, c):
    return np.sum(np.round(x) * x * c)


def rint_trunc_fix(x, c):
    return np.sum((np.rint(x) + np.trunc(x) + np.fix(x)) * x * c)


def sign_times(x, c):
    return np.sum(np.sign(x) * x * c)


def argmax_pick(x, c):
    return np.sum(x[np.argmax(x)] * c) + np.sum(x[np.argmin(x)] * c)


def comparisons(x, c):
    return np.sum(np.where(np.greater(x, 0.2) | np.less_equal(x, -0.3), x, 2.0 * x) * c)


# ---------------------------------------------------------------- arguments


def between(lo, hi):
    return lambda shape: uniform(shape, lo, hi)


_UNARY = [
    (exp, np.exp, uniform), (exp2, np.exp2, uniform), (expm1, np.expm1, uniform), (log, np.log, between(0.3, 2.0)),
    (log2, np.log2, between(0.3, 2.0)), (log10, np.log10, between(0.3, 2.0)), (log1p, np.log1p, between(-0.5, 2.0)),
    (sqrt, np.sqrt, between(0.3, 2.0)), (cbrt, np.cbrt, away), (square, np.square, uniform),
    (reciprocal, np.reciprocal, away), (sin, np.sin, uniform), (cos, np.cos, uniform), (tan, np.tan, uniform),
    (arcsin, np.arcsin, between(-0.8, 0.8)), (arccos, np.arccos, between(-0.8, 0.8)),
    (arctan, np.arctan, between(-2.0, 2.0)), (sinh, np.sinh, uniform), (cosh, np.cosh, uniform),
    (tanh, np.tanh, uniform), (arcsinh, np.arcsinh, between(-2.0, 2.0)), (arccosh, np.arccosh, between(1.2, 3.0)),
    (arctanh, np.arctanh, between(-0.8, 0.8)), (abs_, np.abs, away), (absolute, np.absolute, away),
    (fabs, np.fabs, away), (negative, np.negative, uniform), (positive, np.positive, uniform),
    (deg2rad, np.deg2rad, uniform), (radians, np.radians, uniform), (rad2deg, np.rad2deg, uniform),
    (degrees, np.degrees, uniform), (sinc, np.sinc, between(-1.7, 1.7)), (real, np.real, uniform),
    (imag, np.imag, uniform), (conj, np.conjugate, uniform), (conjugate, np.conjugate, uniform),
]
for _fn, _prim, _make in _UNARY:
    unary_cases(_fn, _prim, _make)
for _fn, _prim, _make in _UNARY[::6]:   # NumPy scalars (np.float64) too
    case(f"{_fn.__name__}[np.float64]", _fn, (np.float64(_make(None)), weights(None)), (0,), _prim)
case("sinc[at_zero]", sinc, (np.array([0.0, 0.5, -1.2]), weights((3,))), (0,), np.sinc)

for _fn, _prim, _make_x, _make_y in [
    (add, np.add, uniform, uniform), (subtract, np.subtract, uniform, uniform),
    (multiply, np.multiply, uniform, uniform), (divide, np.divide, uniform, away),
    (true_divide, np.divide, uniform, away), (power, np.power, between(0.5, 2.0), uniform),
    (float_power, np.float_power, between(0.5, 2.0), uniform), (mod, np.mod, mod_dividend, mod_divisor),
    (remainder, np.remainder, mod_dividend, mod_divisor), (logaddexp, np.logaddexp, uniform, uniform),
    (logaddexp2, np.logaddexp2, uniform, uniform), (arctan2, np.arctan2, away, away), (hypot, np.hypot, away, away),
    (maximum, np.maximum, uniform, uniform), (minimum, np.minimum, uniform, uniform), (fmax, np.fmax, uniform, uniform),
    (fmin, np.fmin, uniform, uniform),
]:
    binary_cases(_fn, _prim, _make_x, _make_y)

# ties: the gradient is shared equally, which is what central differences see for a pair
_t, _u = np.array([0.5, -0.2, 0.3, 0.9]), np.array([0.5, 0.1, -0.4, 0.9])
case("maximum[tie]", maximum, (_t, _u, weights((4,))), (0, 1), np.maximum)
case("minimum[tie]", minimum, (_t, _u, weights((4,))), (0, 1), np.minimum)
case("maximum[relu]", maximum, (away((2, 3)), 0.0, weights((2, 3))), (0,), np.maximum)

for _sx, _sy in [((4,), (4,)), ((2, 3), (3,)), ((2, 3), None), ((), (2, 3))]:
    _x, _y = away(_sx), uniform(_sy)
    case(f"where[{tag(_sx)},{tag(_sy)}]", where, (_x, _y, weights_like(_x + _y)), (0, 1), np.where)
case("where[condition]", where_condition, (np.array([True, False, True]), uniform((2, 3)), weights((2, 3))), (1,),
     np.where)


def clip_operand(shape):
    """Values in [-1.2, 1.2] but at least 0.05 away from the bounds -0.5 and 0.6."""
    x = uniform(shape, -1.2, 1.2)
    x = np.where(np.abs(x + 0.5) < 0.05, x - 0.1, x)
    x = np.where(np.abs(x - 0.6) < 0.05, x + 0.1, x)
    return float(x) if shape is None else x


unary_cases(clip, np.clip, clip_operand)
unary_cases(clip_method, np.ndarray.clip, clip_operand, SHAPES[1:])   # a Python float has no .clip()
_x = np.array([[-1.0, -0.2, 0.3, 0.9], [0.1, 0.8, -0.7, 0.45]])
_bounds = (np.array([-0.5, -0.4, 0.35, 0.0]), np.array([[0.6], [0.4]]))
case("clip[array_bounds]", clip_bounds, (_x, *_bounds, weights((2, 4))), (0, 1, 2), np.clip)
case("clip_method[array_bounds]", clip_method_bounds, (_x, *_bounds, weights((2, 4))), (0, 1, 2), np.ndarray.clip)
case("clip[keywords]", clip_keywords, (_x, *_bounds, weights((2, 4))), (0, 1, 2), (np.clip, np.ndarray.clip))
if NUMPY_2_1:
    case("clip[min_max]", clip_min_max, (_x, *_bounds, weights((2, 4))), (0, 1, 2), np.clip)

# no gradient: the functions multiply by x so the total gradient is not zero
_nd = uniform((2, 3), -2.0, 2.0)
_nd = np.where(np.abs(_nd - np.round(_nd)) < 0.1, _nd + 0.25, _nd)   # away from the rounding jumps
_nd = np.where(np.abs(_nd - np.floor(_nd) - 0.5) < 0.1, _nd + 0.2, _nd)
for _fn in [floor_times, ceil_times, round_times, rint_trunc_fix, sign_times, comparisons]:
    case(_fn.__name__, _fn, (_nd, weights((2, 3))), (0,))
case("argmax_pick", argmax_pick, (distinct((5,)), weights(())), (0,))
