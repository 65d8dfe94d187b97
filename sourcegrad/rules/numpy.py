"""Derivative rules for NumPy functions and ndarray methods: elementwise, reductions, shape, indexing.

Linear algebra (``dot``, ``einsum``, ``np.linalg``...) lives in ``linalg.py``. The arithmetic ufuncs
(``np.add``, ``np.subtract``, ``np.multiply``, ``np.divide``/``np.true_divide``, ``np.power``,
``np.negative``, ``np.positive``, ``np.mod``/``np.remainder``) share their rules with the Python
operators in ``core.py``.

Each rule is inlined into generated code, so it is straight-line: a few ``name = expr`` lines and one
``return``; anything that needs a branch is a kernel in ``kernels.py`` (or, if only these
rules use it, a private function at the bottom of this module). Rules for inputs that may have been
broadcast wrap their result in ``unbroadcast(g, x)``; the source transformer drops that call where it
can prove the shapes already match. Rules use ``ans`` (the result) where
that saves work. Constants are Python floats so that float32 gradients stay float32.

Derivatives at non-differentiable points follow the usual conventions: ``abs``/``sign``-like kinks
get ``sign(x)`` (0 at 0); ``maximum``/``minimum``/``max``/``min`` ties share the gradient equally;
``clip`` passes the gradient to ``x`` where it lies within or on the bounds.

Functions with no gradient (``nondifferentiable`` at the bottom) return values that carry none: their
derivative is zero wherever it exists, or their result is not a real number:

- rounding: ``floor``, ``ceil``, ``round``/``around``, ``rint``, ``trunc``, ``fix``, ``sign``,
  ``floor_divide``, ``heaviside``;
- comparisons and predicates: ``greater``, ``less``, ``equal``... , ``logical_*``, ``isnan``,
  ``isinf``, ``isfinite``, ``signbit``, ``isclose``, ``allclose``, ``array_equal``, ``all``, ``any``;
- indices and counts: ``argmax``, ``argmin``, ``argsort``, ``argpartition``, ``argwhere``,
  ``nonzero``, ``flatnonzero``, ``count_nonzero``, ``searchsorted``, ``digitize``;
- shapes and constructors: ``shape``, ``ndim``, ``size``, ``zeros``/``ones``/``empty`` and their
  ``*_like``, ``eye``, ``identity``, ``tri`` (``full`` and
  ``full_like`` have rules: the gradient goes to the fill value).
"""

import math

import numpy as np

from ..runtime.helpers import expand_reduced, float_dtype, reduced_size, unbroadcast, zeros_like
from .kernels import (
    grad_astype, grad_average, grad_average_weights, grad_clip_bound, grad_cumprod, grad_cumsum, grad_diag,
    grad_diagonal, grad_diff, grad_imag, grad_item, grad_pad, grad_pad_constant, grad_ptp, grad_repeat, grad_sorted,
    grad_take, grad_take_along_axis, grad_tile, grad_trace, max_mask, prod_others, sinc_derivative, unarray,
    uncolumn_stack, unconcatenate, undstack, unhstack, unreshape, unsplit, untranspose, unvstack,
)
from .registry import nondifferentiable, vjp_rule

LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEG = math.pi / 180.0      # d deg2rad(x) / dx
RAD = 180.0 / math.pi      # d rad2deg(x) / dx

# ---------------------------------------------------------------- elementwise, one argument


@vjp_rule(np.exp)
def exp(g, ans, x):
    return g * ans


@vjp_rule(np.exp2)
def exp2(g, ans, x):
    return g * ans * LN2


@vjp_rule(np.expm1)
def expm1(g, ans, x):
    return g * (ans + 1)


@vjp_rule(np.log)
def log(g, ans, x):
    return g / x


@vjp_rule(np.log2)
def log2(g, ans, x):
    return g / (x * LN2)


@vjp_rule(np.log10)
def log10(g, ans, x):
    return g / (x * LN10)


@vjp_rule(np.log1p)
def log1p(g, ans, x):
    return g / (1 + x)


@vjp_rule(np.sqrt)
def sqrt(g, ans, x):
    return g * 0.5 / ans


@vjp_rule(np.cbrt)
def cbrt(g, ans, x):
    return g / (3 * ans * ans)


@vjp_rule(np.square)
def square(g, ans, x):
    return g * 2 * x


@vjp_rule(np.reciprocal)
def reciprocal(g, ans, x):
    return -g * ans * ans


@vjp_rule(np.sin)
def sin(g, ans, x):
    return g * np.cos(x)


@vjp_rule(np.cos)
def cos(g, ans, x):
    return -g * np.sin(x)


@vjp_rule(np.tan)
def tan(g, ans, x):
    return g * (1 + ans * ans)


@vjp_rule(np.arcsin)
def arcsin(g, ans, x):
    return g / np.sqrt(1 - x * x)


@vjp_rule(np.arccos)
def arccos(g, ans, x):
    return -g / np.sqrt(1 - x * x)


@vjp_rule(np.arctan)
def arctan(g, ans, x):
    return g / (1 + x * x)


@vjp_rule(np.sinh)
def sinh(g, ans, x):
    return g * np.cosh(x)


@vjp_rule(np.cosh)
def cosh(g, ans, x):
    return g * np.sinh(x)


@vjp_rule(np.tanh)
def tanh(g, ans, x):
    return g * (1 - ans * ans)


@vjp_rule(np.arcsinh)
def arcsinh(g, ans, x):
    return g / np.sqrt(x * x + 1)


@vjp_rule(np.arccosh)
def arccosh(g, ans, x):
    return g / np.sqrt(x * x - 1)


@vjp_rule(np.arctanh)
def arctanh(g, ans, x):
    return g / (1 - x * x)


@vjp_rule(np.abs, np.absolute, np.fabs)
def absolute(g, ans, x):
    return g * np.sign(x)


@vjp_rule(np.deg2rad, np.radians)
def deg2rad(g, ans, x):
    return g * DEG


@vjp_rule(np.rad2deg, np.degrees)
def rad2deg(g, ans, x):
    return g * RAD


@vjp_rule(np.sinc, elementwise=True)
def sinc(g, ans, x):
    return g * sinc_derivative(x, ans)


@vjp_rule(np.real, elementwise=True)
def real(g, ans, val):
    return g


@vjp_rule(np.imag, elementwise=True)
def imag(g, ans, val):
    return grad_imag(g, val)


@vjp_rule(np.conjugate, np.ndarray.conj, np.ndarray.conjugate)
def conjugate(g, ans, x):
    return np.conj(g)


@vjp_rule(np.nan_to_num, elementwise=True)
def nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return (
        np.where(np.isfinite(x), g, 0.0),
        None,
        _grad_fill(g, x, np.isnan, nan),
        _grad_fill(g, x, np.isposinf, posinf),
        _grad_fill(g, x, np.isneginf, neginf),
    )


# ---------------------------------------------------------------- elementwise, two arguments
# (add, subtract, multiply, divide, power, mod: see core.py)


@vjp_rule(np.float_power)
def float_power(g, ans, x, y):
    return (
        unbroadcast(g * y * np.float_power(x, y - 1), x),
        unbroadcast(g * ans * np.log(np.where(x > 0, x, 1)), y),
    )


@vjp_rule(np.maximum, np.minimum, np.fmax, np.fmin)
def maximum(g, ans, x, y):
    tie = x == y
    return (
        unbroadcast(np.where(tie, 0.5 * g, g * (x == ans)), x),
        unbroadcast(np.where(tie, 0.5 * g, g * (y == ans)), y),
    )


@vjp_rule(np.logaddexp)
def logaddexp(g, ans, x, y):
    return unbroadcast(g * np.exp(x - ans), x), unbroadcast(g * np.exp(y - ans), y)


@vjp_rule(np.logaddexp2)
def logaddexp2(g, ans, x, y):
    return unbroadcast(g * np.exp2(x - ans), x), unbroadcast(g * np.exp2(y - ans), y)


@vjp_rule(np.arctan2)
def arctan2(g, ans, y, x):
    r2 = x * x + y * y
    return unbroadcast(g * x / r2, y), unbroadcast(-g * y / r2, x)


@vjp_rule(np.hypot)
def hypot(g, ans, x, y):
    return unbroadcast(g * x / ans, x), unbroadcast(g * y / ans, y)


@vjp_rule(np.where, elementwise=True)
def where(g, ans, condition, x, y):
    return None, unbroadcast(np.where(condition, g, 0.0), x), unbroadcast(np.where(condition, 0.0, g), y)


@vjp_rule(np.clip, elementwise=True)
def clip(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    return (
        unbroadcast(g * (ans == a), a),
        grad_clip_bound(g, ans, a, a_min),
        grad_clip_bound(g, ans, a, a_max),
        None,
        grad_clip_bound(g, ans, a, min),
        grad_clip_bound(g, ans, a, max),
    )


@vjp_rule(np.ndarray.clip, elementwise=True)
def clip_method(g, ans, a, min=None, max=None, out=None):
    return unbroadcast(g * (ans == a), a), grad_clip_bound(g, ans, a, min), grad_clip_bound(g, ans, a, max)


# ---------------------------------------------------------------- reductions


@vjp_rule(np.sum, np.ndarray.sum)
def sum(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    return expand_reduced(g, x, axis, keepdims)


@vjp_rule(np.mean, np.ndarray.mean)
def mean(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    return expand_reduced(g / reduced_size(x, axis), x, axis, keepdims)


@vjp_rule(np.prod, np.ndarray.prod)
def prod(g, ans, x, axis=None, dtype=None, out=None, keepdims=False):
    return expand_reduced(g, x, axis, keepdims) * prod_others(x, axis)


@vjp_rule(np.max, np.amax, np.min, np.amin, np.ndarray.max, np.ndarray.min)
def max(g, ans, x, axis=None, out=None, keepdims=False):
    return expand_reduced(g, x, axis, keepdims) * max_mask(x, ans, axis, keepdims)


@vjp_rule(np.ptp)
def ptp(g, ans, x, axis=None, out=None, keepdims=False):
    return grad_ptp(g, ans, x, axis, keepdims)


@vjp_rule(np.var, np.ndarray.var)
def var(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return expand_reduced(g, x, axis, keepdims) * (2 * centred) / (reduced_size(x, axis) - ddof)


@vjp_rule(np.std, np.ndarray.std)
def std(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return expand_reduced(g / ans, x, axis, keepdims) * centred / (reduced_size(x, axis) - ddof)


@vjp_rule(np.average)
def average(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    return (
        grad_average(g, a, axis, weights, keepdims, returned),
        None,
        grad_average_weights(g, ans, a, axis, weights, keepdims),
    )


@vjp_rule(np.cumsum, np.ndarray.cumsum)
def cumsum(g, ans, x, axis=None, dtype=None, out=None):
    return grad_cumsum(g, x, axis)


@vjp_rule(np.cumprod, np.ndarray.cumprod)
def cumprod(g, ans, x, axis=None, dtype=None, out=None):
    return grad_cumprod(g, ans, x, axis)


@vjp_rule(getattr(np, "cumulative_sum", None))  # NumPy >= 2.1
def cumulative_sum(g, ans, x, *, axis=None, dtype=None, out=None, include_initial=False):
    return grad_cumsum(_without_initial(g, axis, include_initial), x, axis)


@vjp_rule(getattr(np, "cumulative_prod", None))  # NumPy >= 2.1
def cumulative_prod(g, ans, x, *, axis=None, dtype=None, out=None, include_initial=False):
    return grad_cumprod(_without_initial(g, axis, include_initial), _without_initial(ans, axis, include_initial),
                        x, axis)


# ufunc methods: np.add.reduce is a new bound method at each lookup, but bound methods of one ufunc compare
# (and hash) equal, so the table finds them. reduce's axis defaults to 0, not None.


@vjp_rule(np.add.reduce)
def add_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    return (
        _grad_reduce("add", g, ans, array, axis, keepdims, initial, where),
        None,
        None,
        None,
        None,
        _grad_add_reduce_initial(g, initial),
    )


@vjp_rule(np.multiply.reduce)
def multiply_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    return _grad_reduce("multiply", g, ans, array, axis, keepdims, initial, where)


@vjp_rule(np.maximum.reduce)
def maximum_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    return _grad_reduce("maximum", g, ans, array, axis, keepdims, initial, where)


@vjp_rule(np.minimum.reduce)
def minimum_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    return _grad_reduce("minimum", g, ans, array, axis, keepdims, initial, where)


@vjp_rule(np.add.accumulate)
def add_accumulate(g, ans, array, axis=0, dtype=None, out=None):
    return grad_cumsum(g, array, axis)


@vjp_rule(np.multiply.accumulate)
def multiply_accumulate(g, ans, array, axis=0, dtype=None, out=None):
    return grad_cumprod(g, ans, array, axis)


@vjp_rule(np.add.outer)
def add_outer(g, ans, A, B, out=None, *, dtype=None):
    return _grad_outer("add", g, A, B, 0), _grad_outer("add", g, A, B, 1)


@vjp_rule(np.subtract.outer)
def subtract_outer(g, ans, A, B, out=None, *, dtype=None):
    return _grad_outer("subtract", g, A, B, 0), _grad_outer("subtract", g, A, B, 1)


@vjp_rule(np.multiply.outer)
def multiply_outer(g, ans, A, B, out=None, *, dtype=None):
    return _grad_outer("multiply", g, A, B, 0), _grad_outer("multiply", g, A, B, 1)


@vjp_rule(np.trace, np.ndarray.trace)
def trace(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return grad_trace(g, a, offset, axis1, axis2)


@vjp_rule(np.diff)
def diff(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    return (
        grad_diff(g, a, n, axis, prepend, append, 0),
        None,
        None,
        grad_diff(g, a, n, axis, prepend, append, 1),
        grad_diff(g, a, n, axis, prepend, append, 2),
    )


@vjp_rule(getattr(np, "trapezoid", None))  # NumPy >= 2.0
def trapezoid(g, ans, y, x=None, dx=1.0, axis=-1):
    return (
        _grad_trapezoid(g, y, x, dx, axis, 0),
        _grad_trapezoid(g, y, x, dx, axis, 1),
        _grad_trapezoid(g, y, x, dx, axis, 2),
    )


# ---------------------------------------------------------------- polynomials


@vjp_rule(np.polyval)
def polyval(g, ans, p, x):
    return _grad_polyval_p(g, p, x), _grad_polyval_x(g, p, x)


@vjp_rule(np.vander)
def vander(g, ans, x, N=None, increasing=False):
    return _grad_vander(g, x, N, increasing)


# ---------------------------------------------------------------- vector products (gufuncs: the core
# dimensions are the last ones, the loop dimensions broadcast)


@vjp_rule(getattr(np, "vecdot", None))  # NumPy >= 2.0
def vecdot(g, ans, x1, x2, out=None, *, axis=-1, axes=None, keepdims=False, dtype=None, casting="same_kind",
           order="K", subok=True, signature=None):
    return _grad_vecdot(g, x1, x2, axis, axes, keepdims, 0), _grad_vecdot(g, x1, x2, axis, axes, keepdims, 1)


@vjp_rule(getattr(np, "matvec", None))  # NumPy >= 2.2
def matvec(g, ans, x1, x2, out=None, *, axes=None, dtype=None, casting="same_kind", order="K", subok=True,
           signature=None):
    return _grad_matvec(g, x1, x2, axes, 0), _grad_matvec(g, x1, x2, axes, 1)


@vjp_rule(getattr(np, "vecmat", None))  # NumPy >= 2.2
def vecmat(g, ans, x1, x2, out=None, *, axes=None, dtype=None, casting="same_kind", order="K", subok=True,
           signature=None):
    return _grad_vecmat(g, x1, x2, axes, 0), _grad_vecmat(g, x1, x2, axes, 1)


# ---------------------------------------------------------------- shape


@vjp_rule(np.reshape)
def reshape(g, ans, a, shape=None, order="C", *, newshape=None, copy=None):   # newshape: NumPy < 2.1
    return unreshape(g, a, order)


@vjp_rule(np.ndarray.reshape)
def reshape_method(g, ans, a, *shape, order="C", copy=None):
    return unreshape(g, a, order)


@vjp_rule(np.ravel, np.ndarray.ravel, np.ndarray.flatten)
def ravel(g, ans, a, order="C"):
    return unreshape(g, a, order)


@vjp_rule(np.squeeze, np.ndarray.squeeze)
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@vjp_rule(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@vjp_rule(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_nd(g, ans, ary):
    return np.reshape(g, np.shape(ary))


@vjp_rule(np.transpose)
def transpose(g, ans, a, axes=None):
    return untranspose(g, axes)


@vjp_rule(np.ndarray.transpose)
def transpose_method(g, ans, a, *axes):
    return untranspose(g, axes)


@vjp_rule(np.ndarray.T)
def T(g, ans, x):
    return np.transpose(g)


@vjp_rule(getattr(np, "matrix_transpose", None), getattr(np.linalg, "matrix_transpose", None))  # NumPy >= 2
def matrix_transpose(g, ans, x):
    return np.swapaxes(g, -1, -2)


@vjp_rule(np.swapaxes, np.ndarray.swapaxes)
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@vjp_rule(np.moveaxis)
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@vjp_rule(np.rollaxis)
def rollaxis(g, ans, a, axis, start=0):
    return _unroll_axis(g, a, axis, start)


@vjp_rule(np.broadcast_to)
def broadcast_to(g, ans, array, shape, subok=False):
    return unbroadcast(g, array)


@vjp_rule(np.concatenate)
def concatenate(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return unconcatenate(g, arrays, axis)


@vjp_rule(np.stack)
def stack(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return np.moveaxis(g, axis, 0)


@vjp_rule(np.hstack)
def hstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    return unhstack(g, tup)


@vjp_rule(np.vstack)
def vstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    return unvstack(g, tup)


@vjp_rule(np.dstack)
def dstack(g, ans, tup):
    return undstack(g, tup)


@vjp_rule(np.column_stack)
def column_stack(g, ans, tup):
    return uncolumn_stack(g, tup)


@vjp_rule(np.split, np.array_split)
def split(g, ans, ary, indices_or_sections, axis=0):
    return unsplit(g, ary, axis)


@vjp_rule(getattr(np, "unstack", None))  # NumPy >= 2.1
def unstack(g, ans, x, *, axis=0):
    return _restack(g, x, axis)


@vjp_rule(np.vsplit)
def vsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ary, 0)


@vjp_rule(np.hsplit)
def hsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ary, 1 if np.ndim(ary) > 1 else 0)


@vjp_rule(np.dsplit)
def dsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ary, 2)


@vjp_rule(np.tile)
def tile(g, ans, A, reps):
    return grad_tile(g, A, reps)


@vjp_rule(np.repeat, np.ndarray.repeat)
def repeat(g, ans, a, repeats, axis=None):
    return grad_repeat(g, a, repeats, axis)


@vjp_rule(np.flip)
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@vjp_rule(np.fliplr)
def fliplr(g, ans, m):
    return np.fliplr(g)


@vjp_rule(np.flipud)
def flipud(g, ans, m):
    return np.flipud(g)


@vjp_rule(np.rot90)
def rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@vjp_rule(np.roll)
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, np.negative(shift), axis)


@vjp_rule(np.pad)
def pad(g, ans, array, pad_width, mode="constant", *, constant_values=0, end_values=0, reflect_type="even",
        stat_length=None):
    return (
        grad_pad(g, array, pad_width, mode, reflect_type, stat_length),
        None,
        None,
        grad_pad_constant(g, array, pad_width, constant_values, mode),
    )


@vjp_rule(np.triu)
def triu(g, ans, m, k=0):
    return np.triu(g, k)


@vjp_rule(np.tril)
def tril(g, ans, m, k=0):
    return np.tril(g, k)


@vjp_rule(np.diag)
def diag(g, ans, v, k=0):
    return grad_diag(g, v, k)


@vjp_rule(np.diagonal, np.ndarray.diagonal)
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return grad_diagonal(g, a, offset, axis1, axis2)


# ---------------------------------------------------------------- indexing, sorting, copies
# (x[i] itself: operator.getitem in core.py, with np.add.at semantics for repeated indices)


@vjp_rule(np.take, np.ndarray.take)
def take(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return grad_take(g, a, indices, axis, mode)


@vjp_rule(np.take_along_axis)
def take_along_axis(g, ans, arr, indices, axis=-1):
    return grad_take_along_axis(g, arr, indices, axis)


@vjp_rule(np.choose)
def choose(g, ans, a, choices, out=None, mode="raise"):
    return None, _grad_choose(g, a, choices, mode)


@vjp_rule(np.select)
def select(g, ans, condlist, choicelist, default=0):
    return None, _grad_select_choices(g, condlist, choicelist), _grad_select_default(g, condlist, default)


@vjp_rule(np.compress)
def compress(g, ans, condition, a, axis=None, out=None):
    return None, grad_take(g, a, np.flatnonzero(condition), axis)


@vjp_rule(np.ndarray.compress)
def compress_method(g, ans, a, condition, axis=None, out=None):
    return grad_take(g, a, np.flatnonzero(condition), axis)


@vjp_rule(np.sort)
def sort(g, ans, a, axis=-1, kind=None, order=None, *, stable=None):
    return grad_sorted(g, a, ans, axis)


@vjp_rule(np.partition)
def partition(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    return grad_sorted(g, a, ans, axis)


@vjp_rule(np.array)
def array(g, ans, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None):
    return unarray(g, object, dtype)


@vjp_rule(np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray)
def asarray(g, ans, a, dtype=None, order=None, *, device=None, copy=None, like=None):
    return unarray(g, a, dtype)


@vjp_rule(np.copy)
def copy(g, ans, a, order="K", subok=False):
    return g


@vjp_rule(np.ndarray.copy)
def copy_method(g, ans, a, order="C"):
    return g


@vjp_rule(np.ndarray.astype)
def astype(g, ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return grad_astype(g, x, dtype)


@vjp_rule(getattr(np, "astype", None))  # NumPy >= 2.1
def astype_function(g, ans, x, dtype, *, copy=True, device=None):
    return grad_astype(g, x, dtype)


@vjp_rule(np.full)
def full(g, ans, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    return None, unbroadcast(g, fill_value)


@vjp_rule(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return zeros_like(a), unbroadcast(g, fill_value)


@vjp_rule(np.ndarray.item)
def item(g, ans, x, *args):
    return grad_item(g, x, args)


# ---------------------------------------------------------------- no gradient

nondifferentiable(
    # rounding and sign
    np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.heaviside,
    np.ndarray.round,
    # comparisons and predicates
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.isnan, np.isfinite, np.isinf, np.signbit, np.isclose, np.allclose, np.array_equal,
    np.all, np.any, np.ndarray.all, np.ndarray.any,
    # indices and counts
    np.argmax, np.argmin, np.argsort, np.argpartition, np.argwhere, np.nonzero, np.flatnonzero,
    np.count_nonzero, np.searchsorted, np.digitize,
    np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort, np.ndarray.argpartition, np.ndarray.nonzero,
    # shapes and constructors
    np.shape, np.ndim, np.size,
    np.zeros, np.ones, np.zeros_like, np.ones_like, np.empty, np.empty_like,
    np.eye, np.identity, np.tri,
)
# np.arange, np.linspace and np.logspace are differentiable in their start and stop (and arange's length
# jumps with them): they have no rule yet, so both engines refuse them on values that carry a gradient.


# ---------------------------------------------------------------- kernels of the rules above (not inlined:
# generated code calls them, as it calls the helpers of sourcegrad.runtime.helpers)


def _grad_fill(g, x, hit, fill):
    """Adjoint of a replacement value of ``np.nan_to_num`` (``nan=``, ``posinf=``, ``neginf=``): the
    adjoints of the elements it replaced; None for the default, NumPy's own constant."""
    if fill is None:
        return None
    return unbroadcast(np.where(hit(x), g, 0.0), fill)


def _grad_choose(g, a, choices, mode="raise"):
    """Adjoint of ``choices`` in ``np.choose(a, choices)``: ``g`` where ``a`` picked each choice, summed
    down to that choice's shape; a list for a list or tuple of choices, an array for one array."""
    n = len(choices)
    index = np.asarray(a)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"np.choose: mode must be 'raise', 'wrap' or 'clip', not {mode!r}")
    pieces = [unbroadcast(np.where(index == k, g, 0.0), choices[k]) for k in range(n)]
    if isinstance(choices, (list, tuple)):
        return pieces
    return np.stack(pieces).astype(_adjoint_dtype(choices, pieces), copy=False)


def _restack(g, x, axis=0):
    """Adjoint of ``np.unstack(x, axis=axis)``: the pieces' adjoints ``g`` (a tuple) stacked again."""
    if len(g) == 0:
        return zeros_like(x)
    return np.stack([np.asarray(p) for p in g], axis=axis).astype(_adjoint_dtype(x, g), copy=False)


def _adjoint_dtype(x, pieces):
    """x's floating dtype, widened by the adjoints ``pieces`` that are NumPy values (not Python numbers)."""
    return np.result_type(float_dtype(x), *[p.dtype for p in pieces if isinstance(p, (np.ndarray, np.generic))])


def _without_initial(a, axis, include_initial):
    """``a`` without the leading initial value ``include_initial=True`` puts along ``axis`` (the whole
    array for a 1-D ``np.cumulative_sum``/``np.cumulative_prod`` with ``axis=None``)."""
    if not include_initial:
        return a
    a = np.asarray(a)
    axis = 0 if axis is None else axis % a.ndim
    return a[(slice(None),) * axis + (slice(1, None),)]


def _grad_reduce(name, g, ans, x, axis, keepdims, initial, where):
    """Adjoint of ``x`` in ``np.<name>.reduce(x, axis, keepdims=..., initial=..., where=...)``."""
    if name != "add" and (initial is not np._NoValue or where is not True):
        raise NotImplementedError(f"no derivative rule for np.{name}.reduce with initial= or where=; "
                                  f"np.add.reduce takes them, and np.{name}.reduce without them has one")
    axis = None if np.ndim(x) == 0 else axis   # NumPy reduces a 0-d array over axis 0 or -1 to itself
    expanded = expand_reduced(g, x, axis, keepdims)
    if name == "add":
        return expanded if where is True else np.where(where, expanded, 0.0)
    if name == "multiply":
        return expanded * prod_others(x, axis)
    return expanded * max_mask(x, ans, axis, keepdims)


def _grad_add_reduce_initial(g, initial):
    """Adjoint of ``initial=`` of ``np.add.reduce``: it is added once into every result."""
    if initial is np._NoValue:
        return None
    return unbroadcast(g, initial)


def _unroll_axis(g, a, axis, start=0):
    """Adjoint of ``np.rollaxis(a, axis, start)``: ``g`` with the rolled axis moved back."""
    n = np.ndim(a)
    axis = axis % n if -n <= axis < n else axis   # NumPy has already refused an axis out of range
    start = start + n if start < 0 else start
    start = start - 1 if axis < start else start
    return np.moveaxis(g, start, axis)


def _grad_trapezoid(g, y, x, dx, axis, which):
    """Adjoint of ``y`` (which 0), ``x`` (1) or ``dx`` (2) in ``np.trapezoid(y, x, dx, axis)``, which is
    ``sum(d * (y[1:] + y[:-1]) / 2, axis)`` with ``d = diff(x)`` (or ``dx``) along ``axis``, as NumPy
    computes it."""
    if which == 2 and x is not None:
        return None   # dx is ignored when x is given
    if which == 1 and x is None:
        return None
    y = np.asarray(y)
    nd = y.ndim
    hi, lo = [slice(None)] * nd, [slice(None)] * nd
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    hi, lo = tuple(hi), tuple(lo)
    if x is None:
        d = dx
    else:
        x = np.asarray(x)
        if x.ndim == 1:
            shape = [1] * nd
            shape[axis] = x.shape[0] - 1
            d = np.reshape(np.diff(x), shape)
        else:
            d = np.diff(x, axis=axis)
    avg = (y[hi] + y[lo]) / 2.0
    gp = expand_reduced(g, avg * d, axis)
    if which == 0:
        half = unbroadcast(gp * d, avg) / 2.0
        gy = np.zeros(y.shape, np.result_type(float_dtype(y), half))
        gy[lo] += half
        gy[hi] += half
        return gy
    gd = unbroadcast(gp * avg, d)
    if which == 2:
        return gd
    gd = np.ravel(gd) if x.ndim == 1 else gd
    ax = 0 if x.ndim == 1 else axis
    hi, lo = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    hi[ax], lo[ax] = slice(1, None), slice(None, -1)
    gx = np.zeros(x.shape, np.result_type(float_dtype(x), gd))
    gx[tuple(hi)] += gd
    gx[tuple(lo)] -= gd
    return gx


def _grad_polyval_p(g, p, x):
    """Adjoint of the coefficients ``p`` in ``np.polyval(p, x)``: ``g`` times the powers of ``x``."""
    p, x = np.asarray(p), np.asarray(x)
    powers = np.vander(np.ravel(x).astype(float_dtype(x), copy=False), len(p))
    return (np.ravel(np.broadcast_to(g, x.shape)) @ powers).astype(float_dtype(p), copy=False)


def _grad_polyval_x(g, p, x):
    """Adjoint of ``x`` in ``np.polyval(p, x)``: ``g`` times the derivative polynomial at ``x``."""
    slope = np.polyval(np.polyder(np.asarray(p)), x)
    return unbroadcast(np.asarray(g * slope).astype(float_dtype(x), copy=False), x)


def _grad_vander(g, x, N=None, increasing=False):
    """Adjoint of ``x`` in ``np.vander(x, N, increasing)``: column ``x**k`` gives ``k * x**(k-1)``."""
    x = np.asarray(x)
    x = x.astype(float_dtype(x), copy=False)
    n = len(x) if N is None else N
    if n <= 1:
        return zeros_like(x)
    g = np.asarray(g)
    lower = np.vander(x, n - 1, increasing=increasing)   # x**(k-1) for the columns k >= 1
    if increasing:
        g, k = g[:, 1:], np.arange(1, n, dtype=x.dtype)
    else:
        g, k = g[:, :-1], np.arange(n - 1, 0, -1, dtype=x.dtype)
    return np.sum(g * lower * k, axis=1)


def _grad_select_choices(g, condlist, choicelist):
    """Adjoints of the choices of ``np.select``: ``g`` where a choice's condition is the first true one."""
    taken, pieces = False, []
    for cond, choice in zip(condlist, choicelist):
        pieces.append(unbroadcast(np.where(np.logical_and(cond, np.logical_not(taken)), g, 0.0), choice))
        taken = np.logical_or(taken, cond)
    return pieces if isinstance(choicelist, list) else type(choicelist)(pieces)


def _grad_select_default(g, condlist, default):
    """Adjoint of ``default`` of ``np.select``: ``g`` where no condition is true."""
    return unbroadcast(np.where(np.any(np.broadcast_arrays(*condlist), axis=0), 0.0, g), default)


def _no_axes(name, axes, keepdims=False):
    if axes is not None or keepdims:
        raise NotImplementedError(f"no derivative rule for np.{name} with axes= or keepdims=; "
                                  f"np.{name} without them has one")


def _grad_vecdot(g, x1, x2, axis, axes, keepdims, which):
    """Adjoint of ``x1`` (which 0) or ``x2`` (1) in ``np.vecdot(x1, x2, axis=axis)``, which is
    ``sum(conj(x1) * x2, axis)``: the other operand times ``g``, summed over broadcast loop dimensions."""
    _no_axes("vecdot", axes, keepdims)
    a, b = np.moveaxis(np.asarray(x1), axis, -1), np.moveaxis(np.asarray(x2), axis, -1)
    ge = np.expand_dims(g, -1)
    if which == 0:
        return np.moveaxis(unbroadcast(np.conj(ge * b), a), -1, axis)
    return np.moveaxis(unbroadcast(ge * np.conj(a), b), -1, axis)


def _grad_matvec(g, x1, x2, axes, which):
    """Adjoint of the matrix ``x1`` (which 0) or the vector ``x2`` (1) in ``np.matvec(x1, x2)``."""
    _no_axes("matvec", axes)
    a, v = np.asarray(x1), np.asarray(x2)
    ge = np.expand_dims(g, -1)   # (..., m, 1)
    if which == 0:
        return unbroadcast(ge * np.expand_dims(v, -2), a)
    return unbroadcast(np.sum(a * ge, axis=-2), v)


def _grad_vecmat(g, x1, x2, axes, which):
    """Adjoint of the vector ``x1`` (which 0) or the matrix ``x2`` (1) in ``np.vecmat(x1, x2)``, which
    is ``sum(conj(x1)[..., :, None] * x2, axis=-2)``."""
    _no_axes("vecmat", axes)
    v, a = np.asarray(x1), np.asarray(x2)
    ge = np.expand_dims(g, -2)   # (..., 1, m)
    if which == 0:
        return unbroadcast(np.conj(np.sum(a * ge, axis=-1)), v)
    return unbroadcast(np.expand_dims(np.conj(v), -1) * ge, a)


def _grad_outer(name, g, A, B, which):
    """Adjoint of ``A`` (which 0) or ``B`` (1) in ``np.<name>.outer(A, B)``, whose result has the shape
    ``A.shape + B.shape``."""
    na, nb = np.ndim(A), np.ndim(B)
    g = np.asarray(g)
    if which == 0:
        if name == "multiply":
            grad = g * B if nb == 0 else np.tensordot(g, B, nb)
        else:
            grad = np.sum(g, axis=tuple(range(na, na + nb)))
        return unbroadcast(grad, A)
    if name == "multiply":
        grad = A * g if na == 0 else np.tensordot(A, g, na)
    else:
        grad = np.sum(g, axis=tuple(range(na)))
    return unbroadcast(-grad if name == "subtract" else grad, B)
