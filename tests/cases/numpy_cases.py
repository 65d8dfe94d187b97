"""One small function per NumPy derivative rule, with arguments to try it on (issue 5).

Engine-neutral: ``CASES`` is a list of ``Case(name, fn, args, wrt, covers)`` records. ``fn(*args)``
returns a scalar; ``wrt`` are the positions of ``args`` to differentiate; ``covers`` names the
rule-table primitives the case exercises (the coverage test compares them with ``VJP_RULES``, and
checks against the normalised source that the function really calls them).

The functions are plain straight-line Python at module level, so the source transformer can read
them. A non-scalar result is reduced as ``np.sum(result * c)`` with a fixed random weight array ``c``
(not differentiated): the gradient is then not uniform, so a transposed or misplaced adjoint shows.
Arguments keep away from the non-differentiable points of each primitive (positive inputs for
log/sqrt, no ties for max except where a tie is the point, nothing near a clip bound), and matrices
are well conditioned.
"""

import operator
from typing import Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: tuple
    covers: tuple = ()


# ================================================================ functions
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


# ---------------------------------------------------------------- reductions


def sum_all(x):
    return np.sum(np.sin(x))


def sum_axis(x, c, axis):
    return np.sum(np.sum(x, axis=axis) * c)


def sum_keepdims(x, c, axis):
    return np.sum(np.sum(x, axis=axis, keepdims=True) * c)


def mean_axis(x, c, axis):
    return np.sum(np.mean(x, axis=axis) * c)


def mean_keepdims(x, c, axis):
    return np.sum(np.mean(x, axis=axis, keepdims=True) * c)


def prod_all(x):
    return np.prod(x)


def prod_axis(x, c, axis):
    return np.sum(np.prod(x, axis=axis) * c)


def prod_keepdims(x, c, axis):
    return np.sum(np.prod(x, axis=axis, keepdims=True) * c)


def max_axis(x, c, axis):
    return np.sum(np.max(x, axis=axis) * c)


def amax_keepdims(x, c, axis):
    return np.sum(np.amax(x, axis=axis, keepdims=True) * c)


def min_axis(x, c, axis):
    return np.sum(np.min(x, axis=axis) * c)


def amin_keepdims(x, c, axis):
    return np.sum(np.amin(x, axis=axis, keepdims=True) * c)


def ptp_axis(x, c, axis):
    return np.sum(np.ptp(x, axis=axis) * c)


def var_axis(x, c, axis, ddof):
    return np.sum(np.var(x, axis=axis, ddof=ddof) * c)


def var_keepdims(x, c, axis):
    return np.sum(np.var(x, axis=axis, keepdims=True) * c)


def std_axis(x, c, axis, ddof):
    return np.sum(np.std(x, axis=axis, ddof=ddof) * c)


def std_keepdims(x, c, axis):
    return np.sum(np.std(x, axis=axis, keepdims=True) * c)


def cumsum_axis(x, c, axis):
    return np.sum(np.cumsum(x, axis=axis) * c)


def cumprod_axis(x, c, axis):
    return np.sum(np.cumprod(x, axis=axis) * c)


def average_plain(x, c, axis):
    return np.sum(np.average(x, axis=axis) * c)


def average_weights(x, w, c, axis):
    return np.sum(np.average(x, axis, w) * c)


def average_keepdims(x, w, c):
    return np.sum(np.average(x, axis=1, weights=w, keepdims=True) * c)


def trace(x, c):
    return np.trace(x) * c


def trace_axes(x, c, offset, axis1, axis2):
    return np.sum(np.trace(x, offset, axis1, axis2) * c)


def diff(x, c, n, axis):
    return np.sum(np.diff(x, n=n, axis=axis) * c)


def diff_prepend_append(x, p, q, c):
    return np.sum(np.diff(x, 1, -1, p, q) * c)


def norm_plain(x):
    return np.linalg.norm(x)


def norm_ord(x, ord):
    return np.linalg.norm(x, ord)


def norm_axis(x, c, ord, axis):
    return np.sum(np.linalg.norm(x, ord=ord, axis=axis) * c)


def norm_keepdims(x, c, ord, axis):
    return np.sum(np.linalg.norm(x, ord=ord, axis=axis, keepdims=True) * c)


def vector_norm(x, c, ord, axis):
    return np.sum(np.linalg.vector_norm(x, axis=axis, ord=ord) * c)


def matrix_norm(x, c, ord):
    return np.sum(np.linalg.matrix_norm(x, ord=ord) * c)


# ---------------------------------------------------------------- shape


def reshape(x, c):
    return np.sum(np.reshape(x, (3, -1)) * c)


def reshape_fortran(x, c):
    return np.sum(np.reshape(x, (2, 6), order="F") * c)


def ravel(x, c):
    return np.sum(np.ravel(x) * c)


def squeeze(x, c):
    return np.sum(np.squeeze(x) * c)


def squeeze_axis(x, c):
    return np.sum(np.squeeze(x, axis=1) * c)


def expand_dims(x, c, axis):
    return np.sum(np.expand_dims(x, axis) * c)


def atleast(x, c1, c2, c3):
    return np.sum(np.atleast_1d(x) * c1) + np.sum(np.atleast_2d(x) * c2) + np.sum(np.atleast_3d(x) * c3)


def transpose(x, c):
    return np.sum(np.transpose(x) * c)


def transpose_axes(x, c, axes):
    return np.sum(np.transpose(x, axes) * c)


def matrix_transpose(x, c):
    return np.sum(np.matrix_transpose(x) * c) + np.sum(np.linalg.matrix_transpose(x) * c * c)


def swapaxes(x, c):
    return np.sum(np.swapaxes(x, 0, -1) * c)


def moveaxis(x, c):
    return np.sum(np.moveaxis(x, 0, -1) * c)


def moveaxis_many(x, c):
    return np.sum(np.moveaxis(x, (0, 1), (-1, 0)) * c)


def broadcast_to(x, c):
    return np.sum(np.broadcast_to(x, (2, 3, 4)) * c)


def concatenate(x, y, c, axis):
    return np.sum(np.concatenate([x, np.sin(y), x], axis=axis) * c)


def concatenate_flat(x, y, c):
    return np.sum(np.concatenate((x, y), axis=None) * c)


def stack(x, y, c, axis):
    return np.sum(np.stack([x, y, x * y], axis=axis) * c)


def hstack(x, y, c):
    return np.sum(np.hstack([x, y]) * c)


def vstack(x, y, c):
    return np.sum(np.vstack((x, y)) * c)


def dstack(x, y, c):
    return np.sum(np.dstack([x, y]) * c)


def column_stack(x, y, c):
    return np.sum(np.column_stack([x, y]) * c)


def split(x, c1, c2):
    a, b = np.split(x, 2)
    return np.sum(a * c1) + np.sum(np.sin(b) * c2)


def split_axis_one_used(x, c):
    a, b, d = np.split(x, [1, 3], axis=1)
    return np.sum(b * c)


def array_split(x, c1, c2, c3):
    a, b, d = np.array_split(x, 3, axis=-1)
    return np.sum(a * c1) + np.sum(b * c2) + np.sum(d * c3)


def hsplit(x, c1, c2):
    a, b = np.hsplit(x, 2)
    return np.sum(a * c1) + np.sum(b * b * c2)


def vsplit(x, c1, c2):
    a, b = np.vsplit(x, 2)
    return np.sum(a * c1) + np.sum(b * b * c2)


def dsplit(x, c1, c2):
    a, b = np.dsplit(x, [1])
    return np.sum(a * c1) + np.sum(b * b * c2)


def tile(x, c, reps):
    return np.sum(np.tile(x, reps) * c)


def repeat(x, c, repeats, axis):
    return np.sum(np.repeat(x, repeats, axis=axis) * c)


def flip(x, c, axis):
    return np.sum(np.flip(x, axis=axis) * c)


def fliplr_flipud(x, c):
    return np.sum(np.fliplr(x) * c) + np.sum(np.flipud(x) * c * c)


def rot90(x, c, k):
    return np.sum(np.rot90(x, k) * c)


def roll(x, c, shift, axis):
    return np.sum(np.roll(x, shift, axis=axis) * c)


def pad(x, c, pad_width, mode):
    return np.sum(np.pad(x, pad_width, mode=mode) * c)


def pad_constant_value(x, v, c):
    return np.sum(np.pad(x, ((1, 0), (2, 1)), constant_values=v) * c)


def triu(x, c, k):
    return np.sum(np.triu(x, k) * c)


def tril(x, c, k):
    return np.sum(np.tril(x, k) * c)


def diag(x, c, k):
    return np.sum(np.diag(x, k) * c)


def diagonal(x, c, offset, axis1, axis2):
    return np.sum(np.diagonal(x, offset, axis1, axis2) * c)


# ---------------------------------------------------------------- indexing, sorting, copies


def getitem_basic(x, c):
    return np.sum(x[1:, ::-2] * c)


def getitem_int_newaxis(x, c):
    return np.sum(x[..., 1, None] * c)


def getitem_repeated(x, c):
    return np.sum(x[[0, 2, 0, 0]] * c)


def getitem_pairs(x, c):
    return np.sum(x[[0, 1, 1, 0], [2, 0, 2, 2]] * c)


def getitem_mask(x, mask, c):
    return np.sum(x[mask] * c)


def take(x, c, indices, axis):
    return np.sum(np.take(x, indices, axis=axis) * c)


def take_modes(x, c):
    return np.sum(np.take(x, [0, 7, -1, 3], mode="wrap") * c) + np.sum(np.take(x, [9, -4, 2], mode="clip") * c[:3])


def take_along_axis(x, c, indices, axis):
    return np.sum(np.take_along_axis(x, indices, axis) * c)


def sort(x, c, axis):
    return np.sum(np.sort(x, axis=axis) * c)


def partition(x, c, kth, axis):
    return np.sum(np.partition(x, kth, axis=axis) * c)


def array_of_scalars(x, y, c):
    return np.sum(np.array([x, y, x * y]) * c)


def array_of_arrays(x, y, c):
    return np.sum(np.array([x, y]) * c)


def asarray(x, c):
    return np.sum(np.asarray(x) * c) + np.sum(np.asanyarray(x) * c * c) + np.sum(np.ascontiguousarray(x).T * c.T)


def copy(x, c):
    return np.sum(np.copy(x) * c)


def full(v, c):
    return np.sum(np.full((2, 3), v) * c)


def full_like(x, v, c):
    return np.sum(np.full_like(x, v) * c + x * c)


# ---------------------------------------------------------------- linear algebra


def matmul(a, b, c):
    return np.sum(np.matmul(a, b) * c)


def matmul_op(a, b, c):
    return np.sum((a @ b) * c)


def dot(a, b, c):
    return np.sum(np.dot(a, b) * c)


def vdot(a, b):
    return np.vdot(a, b)


def inner(a, b, c):
    return np.sum(np.inner(a, b) * c)


def outer(a, b, c):
    return np.sum(np.outer(a, b) * c)


def tensordot(a, b, c, axes):
    return np.sum(np.tensordot(a, b, axes) * c)


def einsum1(a, c, subscripts):
    return np.sum(np.einsum(subscripts, a) * c)


def einsum2(a, b, c, subscripts):
    return np.sum(np.einsum(subscripts, a, b) * c)


def einsum3(a, b, d, c, subscripts):
    return np.sum(np.einsum(subscripts, a, b, d) * c)


def kron(a, b, c):
    return np.sum(np.kron(a, b) * c)


def cross(a, b, c):
    return np.sum(np.cross(a, b) * c)


def inv(a, c):
    return np.sum(np.linalg.inv(a) * c)


def solve(a, b, c):
    return np.sum(np.linalg.solve(a, b) * c)


def det(a, c):
    return np.sum(np.linalg.det(a) * c)


def slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return logabsdet * 1.5


def slogdet_batched(a, c):
    sign, logabsdet = np.linalg.slogdet(a)
    return np.sum(logabsdet * c)


def cholesky(a, c):
    return np.sum(np.linalg.cholesky(0.5 * (a + a.T)) * c)


def cholesky_batched(a, c):
    return np.sum(np.linalg.cholesky(a @ np.swapaxes(a, -1, -2)) * c)


def cholesky_upper(a, c):
    return np.sum(np.linalg.cholesky(a @ a.T, upper=True) * c)


def eigh(a, c1, c2):
    w, v = np.linalg.eigh(0.5 * (a + a.T))
    return np.sum(w * c1) + np.sum(v * v * c2)


def eigh_values_only(a, c):
    w, v = np.linalg.eigh(a + a.T)
    return np.sum(w * c)


def eigh_vectors_only(a, c):
    w, v = np.linalg.eigh(a + a.T)
    return np.sum(v * v * c)


def eigvalsh(a, c):
    return np.sum(np.linalg.eigvalsh(0.5 * (a + np.swapaxes(a, -1, -2))) * c)


def svd_values(a, c):
    return np.sum(np.linalg.svd(a, compute_uv=False) * c)


def svdvals(a, c):
    return np.sum(np.linalg.svdvals(a) * c)


def svd_thin(a, c1, c2, c3):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * u * c1) + np.sum(s * c2) + np.sum(vt * vt * c3)


def svd_square(a, c1, c2, c3):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u * u * c1) + np.sum(s * c2) + np.sum(vt * vt * c3)


# ---------------------------------------------------------------- ndarray methods and properties


def method_sum(x, c):
    return np.sum(x.sum(axis=-1) * c) + x.sum()


def method_mean(x, c):
    return np.sum(x.mean(axis=(0, -1), keepdims=True) * c) + x.mean()


def method_max(x, c):
    return np.sum(x.max(axis=0) * c) + x.max()


def method_min(x, c):
    return np.sum(x.min(axis=-1, keepdims=True) * c) + x.min()


def method_prod(x, c):
    return np.sum(x.prod(axis=1) * c) + x.prod()


def method_dot(a, b, c):
    return np.sum(a.dot(b) * c)


def method_reshape(x, c):
    return np.sum(x.reshape(4, 3) * c) + np.sum(x.reshape((3, 4)) * c.T)


def method_T(x, c):
    return np.sum(x.T * c)


def method_transpose(x, c):
    return np.sum(x.transpose(2, 0, 1) * c) + np.sum(x.transpose((1, 2, 0)) * np.transpose(c, (2, 0, 1)))


def method_ravel_flatten(x, c):
    return np.sum(x.ravel() * c) + np.sum(x.flatten() * c * c)


def method_squeeze(x, c):
    return np.sum(x.squeeze() * c)


def method_cumsum(x, c):
    return np.sum(x.cumsum(axis=0) * c) + np.sum(x.cumsum() * np.ravel(c))


def method_cumprod(x, c):
    return np.sum(x.cumprod(axis=1) * c)


def method_var_std(x, c):
    return np.sum(x.var(axis=0) * c) + np.sum(x.std(axis=0, ddof=1) * c * c)


def method_astype(x, c):
    return np.sum(x.astype(float) * c) + np.sum(x.astype(np.float64) * c * c)


def method_astype_int(x, c):
    return np.sum(x.astype(int) * c + x * c)


def method_copy(x, c):
    return np.sum(x.copy() * c)


def method_item(x, c):
    return x.item(2) * c + x.item(1, 0)


def method_item_single(x):
    return x.item() * 3.0


def method_swapaxes(x, c):
    return np.sum(x.swapaxes(0, 1) * c)


def method_repeat(x, c):
    return np.sum(x.repeat(2, axis=0) * c)


def method_take(x, c):
    return np.sum(x.take([0, 2, 2], axis=1) * c)


def method_diagonal_trace(x, c):
    return np.sum(x.diagonal() * c) + x.trace(1)


def method_conj(x, c):
    return np.sum(x.conj() * c) + np.sum(x.conjugate() * c * c)


# ================================================================ arguments

_rng = np.random.default_rng(20250605)


def _u(shape, lo=-1.0, hi=1.0):
    """Uniform values: a Python float for shape None, else an array (0-d for ())."""
    if shape is None:
        return float(_rng.uniform(lo, hi))
    return np.asarray(_rng.uniform(lo, hi, size=shape))


def _away(shape, lo=0.3, hi=1.5):
    """Values with |x| in [lo, hi] and random sign."""
    magnitude = _u(shape, lo, hi)
    sign = _rng.choice([-1.0, 1.0], size=() if shape is None else shape)
    return float(magnitude * sign) if shape is None else np.asarray(magnitude * sign)


def _distinct(shape, spacing=0.25):
    """A random permutation of well-separated values (no ties, for max/sort)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * spacing + _rng.uniform(-0.05, 0.05, size=n)
    return _rng.permutation(values).reshape(shape)


def _w(shape):
    """Random weights for a result of ``shape`` (a Python float for None)."""
    if shape is None:
        return float(_rng.normal())
    return np.asarray(_rng.normal(size=shape))


def _well_conditioned(n, batch=()):
    return _rng.normal(size=batch + (n, n)) * 0.5 + 2.0 * np.eye(n)


def _tag(shape):
    return "py" if shape is None else "x".join(map(str, shape)) or "0d"


def _result_shape(value):
    return None if isinstance(value, float) else np.shape(value)


CASES = []


def _add(name, fn, args, wrt=(0,), covers=()):
    CASES.append(Case(name, fn, tuple(args), tuple(wrt), tuple(covers)))


SHAPES = [None, (), (4,), (2, 3), (2, 2, 3)]     # None: a Python float; (): a 0-d array
BINARY_SHAPES = [(None, None), ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((2, 3), None), ((), (2, 3)), ((2, 2, 3), (2, 1))]

# ---- elementwise, one argument
_UNARY = [
    (exp, np.exp, _u), (exp2, np.exp2, _u), (expm1, np.expm1, _u),
    (log, np.log, lambda s: _u(s, 0.3, 2.0)), (log2, np.log2, lambda s: _u(s, 0.3, 2.0)),
    (log10, np.log10, lambda s: _u(s, 0.3, 2.0)), (log1p, np.log1p, lambda s: _u(s, -0.5, 2.0)),
    (sqrt, np.sqrt, lambda s: _u(s, 0.3, 2.0)), (cbrt, np.cbrt, _away), (square, np.square, _u),
    (reciprocal, np.reciprocal, _away), (sin, np.sin, _u), (cos, np.cos, _u), (tan, np.tan, _u),
    (arcsin, np.arcsin, lambda s: _u(s, -0.8, 0.8)), (arccos, np.arccos, lambda s: _u(s, -0.8, 0.8)),
    (arctan, np.arctan, lambda s: _u(s, -2.0, 2.0)), (sinh, np.sinh, _u), (cosh, np.cosh, _u),
    (tanh, np.tanh, _u), (arcsinh, np.arcsinh, lambda s: _u(s, -2.0, 2.0)),
    (arccosh, np.arccosh, lambda s: _u(s, 1.2, 3.0)), (arctanh, np.arctanh, lambda s: _u(s, -0.8, 0.8)),
    (abs_, np.abs, _away), (absolute, np.absolute, _away), (fabs, np.fabs, _away),
    (negative, np.negative, _u), (positive, np.positive, _u), (deg2rad, np.deg2rad, _u),
    (radians, np.radians, _u), (rad2deg, np.rad2deg, _u), (degrees, np.degrees, _u),
    (sinc, np.sinc, lambda s: _u(s, -1.7, 1.7)), (real, np.real, _u), (imag, np.imag, _u),
    (conj, np.conjugate, _u), (conjugate, np.conjugate, _u),
]
for _fn, _prim, _make in _UNARY:
    for _s in SHAPES:
        _x = _make(_s)
        _add(f"{_fn.__name__}[{_tag(_s)}]", _fn, (_x, _w(_result_shape(_x))), (0,), (_prim,))
for _fn, _prim, _make in _UNARY[::6]:   # NumPy scalars (np.float64) too
    _x = np.float64(_make(None))
    _add(f"{_fn.__name__}[np.float64]", _fn, (_x, _w(None)), (0,), (_prim,))
_add("sinc[at_zero]", sinc, (np.array([0.0, 0.5, -1.2]), _w((3,))), (0,), (np.sinc,))

# ---- elementwise, two arguments
_BINARY = [
    (add, np.add, _u, _u), (subtract, np.subtract, _u, _u), (multiply, np.multiply, _u, _u),
    (divide, np.divide, _u, _away), (true_divide, np.divide, _u, _away),
    (power, np.power, lambda s: _u(s, 0.5, 2.0), _u), (float_power, np.float_power, lambda s: _u(s, 0.5, 2.0), _u),
    (logaddexp, np.logaddexp, _u, _u), (logaddexp2, np.logaddexp2, _u, _u),
    (arctan2, np.arctan2, _away, _away), (hypot, np.hypot, _away, _away),
    (maximum, np.maximum, _u, _u), (minimum, np.minimum, _u, _u), (fmax, np.fmax, _u, _u),
    (fmin, np.fmin, _u, _u),
]
for _fn, _prim, _mx, _my in _BINARY:
    for _sx, _sy in BINARY_SHAPES:
        _x, _y = _mx(_sx), _my(_sy)
        _shape = None if _sx is None and _sy is None else np.broadcast_shapes(np.shape(_x), np.shape(_y))
        _add(f"{_fn.__name__}[{_tag(_sx)},{_tag(_sy)}]", _fn, (_x, _y, _w(_shape)), (0, 1), (_prim,))


def _mod_operands(shape):
    y = _u(shape, 0.7, 1.6)
    k = _rng.integers(-2, 3, size=np.shape(y))
    x = y * (k + _rng.uniform(0.2, 0.8, size=np.shape(y)))   # far from the jumps of x % y
    return x, y


for _fn, _prim in [(mod, np.mod), (remainder, np.remainder)]:
    for _s in [(4,), (2, 3)]:
        _x, _y = _mod_operands(_s)
        _add(f"{_fn.__name__}[{_tag(_s)}]", _fn, (_x, _y, _w(_s)), (0, 1), (_prim,))

# ties: the gradient is shared equally, which is what central differences see for a pair
_t = np.array([0.5, -0.2, 0.3, 0.9])
_add("maximum[tie]", maximum, (_t, np.array([0.5, 0.1, -0.4, 0.9]), _w((4,))), (0, 1), (np.maximum,))
_add("minimum[tie]", minimum, (_t, np.array([0.5, 0.1, -0.4, 0.9]), _w((4,))), (0, 1), (np.minimum,))
_add("maximum[relu]", maximum, (_away((2, 3)), 0.0, _w((2, 3))), (0,), (np.maximum,))

for _sx, _sy in [((4,), (4,)), ((2, 3), (3,)), ((2, 3), None), ((), (2, 3))]:
    _x, _y = _away(_sx), _u(_sy)
    _shape = np.broadcast_shapes(np.shape(_x), np.shape(_y))
    _add(f"where[{_tag(_sx)},{_tag(_sy)}]", where, (_x, _y, _w(_shape)), (0, 1), (np.where,))


def _clip_operand(shape):
    # values in [-1.2, 1.2] but at least 0.05 away from the bounds -0.5 and 0.6
    x = _u(shape, -1.2, 1.2)
    x = np.where(np.abs(x + 0.5) < 0.05, x - 0.1, x)
    x = np.where(np.abs(x - 0.6) < 0.05, x + 0.1, x)
    return float(x) if shape is None else x


for _s in SHAPES:
    _x = _clip_operand(_s)
    _add(f"clip[{_tag(_s)}]", clip, (_x, _w(_result_shape(_x))), (0,), (np.clip,))
    if _s is not None:   # a Python float has no .clip()
        _add(f"clip_method[{_tag(_s)}]", clip_method, (_x, _w(_result_shape(_x))), (0,), (np.ndarray.clip,))
_x = np.array([[-1.0, -0.2, 0.3, 0.9], [0.1, 0.8, -0.7, 0.45]])
_lo, _hi = np.array([-0.5, -0.4, 0.35, 0.0]), np.array([[0.6], [0.4]])
_add("clip[array_bounds]", clip_bounds, (_x, _lo, _hi, _w((2, 4))), (0, 1, 2), (np.clip,))
_add("clip_method[array_bounds]", clip_method_bounds, (_x, _lo, _hi, _w((2, 4))), (0, 1, 2), (np.ndarray.clip,))

# ---- no gradient: the functions multiply by x so the total gradient is not zero
_nd = _u((2, 3), -2.0, 2.0)
_nd = np.where(np.abs(_nd - np.round(_nd)) < 0.1, _nd + 0.25, _nd)   # away from the rounding jumps
_nd = np.where(np.abs(_nd - np.floor(_nd) - 0.5) < 0.1, _nd + 0.2, _nd)
for _fn in [floor_times, ceil_times, round_times, rint_trunc_fix, sign_times, comparisons]:
    _add(f"{_fn.__name__}", _fn, (_nd, _w((2, 3))), (0,))
_add("argmax_pick", argmax_pick, (_distinct((5,)), _w(())), (0,))

# ---- reductions
_x3 = _u((2, 3, 4))
_x2 = _u((3, 4))
_add("sum[all]", sum_all, (_x3,), (0,), (np.sum,))
_add("sum[py]", sum_all, (0.7,), (0,), (np.sum,))
for _axis in [None, 0, -1, (0, 2), (-1, 0), (), (0, 1, 2)]:
    _shape = np.shape(np.sum(_x3, axis=_axis))
    _add(f"sum[axis={_axis}]", sum_axis, (_x3, _w(_shape), _axis), (0,), (np.sum,))
    _add(f"mean[axis={_axis}]", mean_axis, (_x3, _w(_shape), _axis), (0,), (np.mean,))
    _kshape = np.shape(np.sum(_x3, axis=_axis, keepdims=True))
    _add(f"sum_keepdims[axis={_axis}]", sum_keepdims, (_x3, _w(_kshape), _axis), (0,), (np.sum,))
    _add(f"mean_keepdims[axis={_axis}]", mean_keepdims, (_x3, _w(_kshape), _axis), (0,), (np.mean,))
_add("sum[1d]", sum_axis, (_u((5,)), 1.3, 0), (0,), (np.sum,))
_add("mean[0d]", mean_axis, (np.array(0.4), 2.0, None), (0,), (np.mean,))

_add("prod[all]", prod_all, (_away((2, 3)),), (0,), (np.prod,))
_add("prod[one_zero]", prod_all, (np.array([[0.5, -1.2, 0.0], [0.8, 1.5, -0.7]]),), (0,), (np.prod,))
_add("prod[two_zeros]", prod_all, (np.array([[0.5, 0.0, 1.1], [0.8, 0.0, -0.7]]),), (0,), (np.prod,))
_xz = np.array([[[0.5, 0.0, 1.1, -0.9], [0.8, 1.3, -0.7, 0.6], [0.0, 1.2, 0.0, 0.7]],
                [[1.5, -1.0, 0.4, 0.9], [-0.8, 0.0, 1.7, 0.6], [1.1, -1.2, 1.4, 0.75]]])
for _axis in [None, 0, -1, (0, 2), (-1, 1)]:
    _shape = np.shape(np.prod(_xz, axis=_axis))
    _add(f"prod[zeros,axis={_axis}]", prod_axis, (_xz, _w(_shape), _axis), (0,), (np.prod,))
    _add(f"prod[axis={_axis}]", prod_axis, (_away((2, 3, 4), 0.5, 1.5), _w(_shape), _axis), (0,), (np.prod,))
    _kshape = np.shape(np.prod(_xz, axis=_axis, keepdims=True))
    _add(f"prod_keepdims[axis={_axis}]", prod_keepdims, (_xz, _w(_kshape), _axis), (0,), (np.prod,))

_xd = _distinct((2, 3, 4))
for _axis in [None, 0, -1, (0, 2), (-1, -2), 1]:
    _shape = np.shape(np.max(_xd, axis=_axis))
    _kshape = np.shape(np.max(_xd, axis=_axis, keepdims=True))
    _add(f"max[axis={_axis}]", max_axis, (_xd, _w(_shape), _axis), (0,), (np.max,))
    _add(f"min[axis={_axis}]", min_axis, (_xd, _w(_shape), _axis), (0,), (np.min,))
    _add(f"amax_keepdims[axis={_axis}]", amax_keepdims, (_xd, _w(_kshape), _axis), (0,), (np.amax,))
    _add(f"amin_keepdims[axis={_axis}]", amin_keepdims, (_xd, _w(_kshape), _axis), (0,), (np.amin,))
    _add(f"ptp[axis={_axis}]", ptp_axis, (_xd, _w(_shape), _axis), (0,), (np.ptp,))
_xt = np.array([[0.3, 0.9, 0.9, -0.1], [0.5, -0.4, 0.2, 0.5], [0.1, 0.7, -0.6, 0.0]])
_add("max[tie,axis=-1]", max_axis, (_xt, _w((3,)), -1), (0,), (np.max,))
_add("max[tie,axis=(0,1)]", max_axis, (_xt, 1.0, (0, -1)), (0,), (np.max,))
_add("min[tie,axis=(-1,)]", min_axis, (-_xt, _w((3,)), (-1,)), (0,), (np.min,))

for _axis, _ddof in [(None, 0), (0, 0), (-1, 1), ((0, 2), 0), ((-1, 0), 1)]:
    _shape = np.shape(np.var(_x3, axis=_axis))
    _add(f"var[axis={_axis},ddof={_ddof}]", var_axis, (_x3, _w(_shape), _axis, _ddof), (0,), (np.var,))
    _add(f"std[axis={_axis},ddof={_ddof}]", std_axis, (_x3, _w(_shape), _axis, _ddof), (0,), (np.std,))
for _axis in [None, 1, (0, -1)]:
    _kshape = np.shape(np.var(_x3, axis=_axis, keepdims=True))
    _add(f"var_keepdims[axis={_axis}]", var_keepdims, (_x3, _w(_kshape), _axis), (0,), (np.var,))
    _add(f"std_keepdims[axis={_axis}]", std_keepdims, (_x3, _w(_kshape), _axis), (0,), (np.std,))
_add("var[1d]", var_axis, (_u((6,)), 1.0, None, 1), (0,), (np.var,))

for _x, _axis in [(_u((5,)), None), (_x2, None), (_x2, 0), (_x2, -1), (_x3, 1)]:
    _shape = np.shape(np.cumsum(_x, axis=_axis))
    _add(f"cumsum[{_tag(np.shape(_x))},axis={_axis}]", cumsum_axis, (_x, _w(_shape), _axis), (0,), (np.cumsum,))
    _xc = _away(np.shape(_x), 0.5, 1.5)
    _add(f"cumprod[{_tag(np.shape(_x))},axis={_axis}]", cumprod_axis, (_xc, _w(_shape), _axis), (0,),
         (np.cumprod,))
_xcz = np.array([[0.5, 0.0, 1.1, -0.9], [0.8, 1.3, 0.0, 0.0], [0.0, 1.2, -0.6, 0.7]])
for _axis in [None, 0, 1]:
    _add(f"cumprod[zeros,axis={_axis}]", cumprod_axis, (_xcz, _w(np.shape(np.cumprod(_xcz, axis=_axis))), _axis),
         (0,), (np.cumprod,))

for _axis in [None, 0, -1, (0, 2)]:
    _shape = np.shape(np.average(_x3, axis=_axis))
    _add(f"average[axis={_axis}]", average_plain, (_x3, _w(_shape), _axis), (0,), (np.average,))
_add("average[weights_1d]", average_weights, (_x3, _u((3,), 0.5, 2.0), _w((2, 4)), 1), (0, 1), (np.average,))
_add("average[weights_full]", average_weights, (_x2, _u((3, 4), 0.5, 2.0), 1.0, None), (0, 1), (np.average,))
_add("average[weights_full_axis]", average_weights, (_x3, _u((2, 3, 4), 0.5, 2.0), _w((2, 3)), -1), (0, 1),
     (np.average,))
_add("average[keepdims]", average_keepdims, (_x2, _u((4,), 0.5, 2.0), _w((3, 1))), (0, 1), (np.average,))

_add("trace[2d]", trace, (_u((3, 3)), 1.7), (0,), (np.trace,))
_add("trace[rect]", trace, (_u((3, 5)), -0.6), (0,), (np.trace,))
_add("trace[3d,axes]", trace_axes, (_x3, _w((3,)), 1, 2, 0), (0,), (np.trace,))
_add("trace[3d,negative_offset]", trace_axes, (_x3, _w((2,)), -1, -1, 1), (0,), (np.trace,))

for _x, _n, _axis in [(_u((5,)), 1, -1), (_u((5,)), 2, 0), (_x2, 1, 0), (_x3, 2, -1), (_x3, 1, 1)]:
    _shape = np.shape(np.diff(_x, n=_n, axis=_axis))
    _add(f"diff[{_tag(np.shape(_x))},n={_n},axis={_axis}]", diff, (_x, _w(_shape), _n, _axis), (0,), (np.diff,))
_add("diff[prepend_append]", diff_prepend_append, (_x2, 0.3, _u((3, 2)), _w((3, 6))), (0, 1, 2), (np.diff,))

_add("norm[1d]", norm_plain, (_u((5,)),), (0,), (np.linalg.norm,))
_add("norm[3d]", norm_plain, (_x3,), (0,), (np.linalg.norm,))
_v = _distinct((5,))
for _ord in [None, 2, 1, np.inf, -np.inf, 3, 0.5, 0]:
    _add(f"norm[vector,ord={_ord}]", norm_ord, (_v, _ord), (0,), (np.linalg.norm,))
_m = _distinct((3, 4), 0.3) + 0.05
for _ord in [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]:
    _add(f"norm[matrix,ord={_ord}]", norm_ord, (_m, _ord), (0,), (np.linalg.norm,))
for _ord, _axis in [(None, 0), (2, -1), (1, 1), (np.inf, 0), (3, -1), (None, (0, 2)), ("fro", (2, 1)),
                    (1, (0, 1)), (np.inf, (-1, 0)), (2, (0, 2)), ("nuc", (1, 2))]:
    _xn = _distinct((2, 3, 4), 0.3) + 0.05
    _shape = np.shape(np.linalg.norm(_xn, ord=_ord, axis=_axis))
    _add(f"norm[ord={_ord},axis={_axis}]", norm_axis, (_xn, _w(_shape), _ord, _axis), (0,), (np.linalg.norm,))
    _kshape = np.shape(np.linalg.norm(_xn, ord=_ord, axis=_axis, keepdims=True))
    _add(f"norm_keepdims[ord={_ord},axis={_axis}]", norm_keepdims, (_xn, _w(_kshape), _ord, _axis), (0,),
         (np.linalg.norm,))
for _ord, _axis in [(2, None), (1, -1), (np.inf, None), (3, (0, 2))]:
    _xn = _distinct((2, 3, 4), 0.3) + 0.05
    _shape = np.shape(np.linalg.vector_norm(_xn, ord=_ord, axis=_axis))
    _add(f"vector_norm[ord={_ord},axis={_axis}]", vector_norm, (_xn, _w(_shape), _ord, _axis), (0,),
         (np.linalg.vector_norm,))
for _ord in ["fro", 2, 1, "nuc"]:
    _xn = _distinct((2, 3, 4), 0.3) + 0.05
    _add(f"matrix_norm[ord={_ord}]", matrix_norm, (_xn, _w((2,)), _ord), (0,), (np.linalg.matrix_norm,))

# ---- shape
_x34 = _u((3, 4))
_add("reshape", reshape, (_u((2, 6)), _w((3, 4))), (0,), (np.reshape,))
_add("reshape[3d]", reshape, (_u((2, 3, 2)), _w((3, 4))), (0,), (np.reshape,))
_add("reshape[fortran]", reshape_fortran, (_x34, _w((2, 6))), (0,), (np.reshape,))
_add("ravel", ravel, (_x3, _w((24,))), (0,), (np.ravel,))
_add("ravel[0d]", ravel, (np.array(0.3), _w((1,))), (0,), (np.ravel,))
_add("squeeze", squeeze, (_u((1, 3, 1)), _w((3,))), (0,), (np.squeeze,))
_add("squeeze[axis]", squeeze_axis, (_u((3, 1, 2)), _w((3, 2))), (0,), (np.squeeze,))
for _x, _axis in [(_u((3,)), 0), (_x34, -1), (_x34, (0, 2)), (np.array(0.5), 0)]:
    _shape = np.shape(np.expand_dims(_x, _axis))
    _add(f"expand_dims[{_tag(np.shape(_x))},axis={_axis}]", expand_dims, (_x, _w(_shape), _axis), (0,),
         (np.expand_dims,))
for _x in [0.7, np.array(0.4), _u((3,)), _x34]:
    _add(f"atleast[{_tag(_result_shape(_x))}]", atleast,
         (_x, _w(np.shape(np.atleast_1d(_x))), _w(np.shape(np.atleast_2d(_x))), _w(np.shape(np.atleast_3d(_x)))),
         (0,), (np.atleast_1d, np.atleast_2d, np.atleast_3d))
_add("transpose[2d]", transpose, (_x34, _w((4, 3))), (0,), (np.transpose,))
_add("transpose[3d]", transpose, (_x3, _w((4, 3, 2))), (0,), (np.transpose,))
_add("transpose[1d]", transpose, (_u((4,)), _w((4,))), (0,), (np.transpose,))
_add("transpose[axes]", transpose_axes, (_x3, _w((3, 4, 2)), (1, 2, 0)), (0,), (np.transpose,))
_add("transpose[negative_axes]", transpose_axes, (_x3, _w((4, 2, 3)), (-1, 0, -2)), (0,), (np.transpose,))
_add("matrix_transpose", matrix_transpose, (_x3, _w((2, 4, 3))), (0,),
     (np.matrix_transpose, np.linalg.matrix_transpose))
_add("swapaxes", swapaxes, (_x3, _w((4, 3, 2))), (0,), (np.swapaxes,))
_add("moveaxis", moveaxis, (_x3, _w((3, 4, 2))), (0,), (np.moveaxis,))
_add("moveaxis[many]", moveaxis_many, (_x3, _w((3, 4, 2))), (0,), (np.moveaxis,))
for _x in [0.3, _u((4,)), _u((3, 1)), _u((2, 1, 4))]:
    _add(f"broadcast_to[{_tag(_result_shape(_x))}]", broadcast_to, (_x, _w((2, 3, 4))), (0,), (np.broadcast_to,))

for _sx, _sy, _axis in [((3,), (2,), 0), ((2, 3), (4, 3), 0), ((2, 3), (2, 1), 1), ((2, 3, 2), (2, 3, 1), -1)]:
    _x, _y = _u(_sx), _u(_sy)
    _shape = np.shape(np.concatenate([_x, _y, _x], axis=_axis))
    _add(f"concatenate[{_tag(_sx)},{_tag(_sy)},axis={_axis}]", concatenate, (_x, _y, _w(_shape), _axis), (0, 1),
         (np.concatenate,))
_add("concatenate[axis=None]", concatenate_flat, (_x34, _u((2,)), _w((14,))), (0, 1), (np.concatenate,))
for _s, _axis in [(None, 0), ((3,), 0), ((3,), -1), ((2, 3), 1), ((2, 3), -1)]:
    _x, _y = _u(_s), _u(_s)
    _shape = np.shape(np.stack([_x, _y, _x], axis=_axis))
    _add(f"stack[{_tag(_s)},axis={_axis}]", stack, (_x, _y, _w(_shape), _axis), (0, 1), (np.stack,))
for _sx, _sy in [((3,), (2,)), ((2, 3), (2, 1)), (None, (2,)), ((), ())]:
    _x, _y = _u(_sx), _u(_sy)
    _add(f"hstack[{_tag(_sx)},{_tag(_sy)}]", hstack, (_x, _y, _w(np.shape(np.hstack([_x, _y])))), (0, 1),
         (np.hstack,))
for _sx, _sy in [((3,), (3,)), ((2, 3), (1, 3)), ((3,), (2, 3)), (None, (1,))]:
    _x, _y = _u(_sx), _u(_sy)
    _add(f"vstack[{_tag(_sx)},{_tag(_sy)}]", vstack, (_x, _y, _w(np.shape(np.vstack([_x, _y])))), (0, 1),
         (np.vstack,))
for _sx, _sy in [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]:
    _x, _y = _u(_sx), _u(_sy)
    _add(f"dstack[{_tag(_sx)},{_tag(_sy)}]", dstack, (_x, _y, _w(np.shape(np.dstack([_x, _y])))), (0, 1),
         (np.dstack,))
for _sx, _sy in [((3,), (3,)), ((3, 2), (3,)), ((3, 2), (3, 1))]:
    _x, _y = _u(_sx), _u(_sy)
    _add(f"column_stack[{_tag(_sx)},{_tag(_sy)}]", column_stack, (_x, _y, _w(np.shape(np.column_stack([_x, _y])))),
         (0, 1), (np.column_stack,))
_add("split[1d]", split, (_u((6,)), _w((3,)), _w((3,))), (0,), (np.split,))
_add("split[2d]", split, (_u((4, 3)), _w((2, 3)), _w((2, 3))), (0,), (np.split,))
_add("split[one_used]", split_axis_one_used, (_u((2, 5)), _w((2, 2))), (0,), (np.split,))
_add("array_split", array_split, (_u((2, 7)), _w((2, 3)), _w((2, 2)), _w((2, 2))), (0,), (np.array_split,))
_add("hsplit[1d]", hsplit, (_u((6,)), _w((3,)), _w((3,))), (0,), (np.hsplit,))
_add("hsplit[2d]", hsplit, (_u((3, 4)), _w((3, 2)), _w((3, 2))), (0,), (np.hsplit,))
_add("vsplit", vsplit, (_u((4, 3)), _w((2, 3)), _w((2, 3))), (0,), (np.vsplit,))
_add("dsplit", dsplit, (_u((2, 2, 3)), _w((2, 2, 1)), _w((2, 2, 2))), (0,), (np.dsplit,))

for _x, _reps in [(_u((3,)), 2), (_u((3,)), (2, 2)), (_u((2, 3)), (1, 3)), (_u((2, 1, 3)), (2, 2)), (0.5, 3)]:
    _add(f"tile[{_tag(_result_shape(_x))},{_reps}]", tile, (_x, _w(np.shape(np.tile(_x, _reps))), _reps), (0,),
         (np.tile,))
for _x, _repeats, _axis in [(_u((3,)), 2, None), (_x34, 3, 0), (_x34, [1, 0, 2, 3], -1), (_x34, [2, 1, 1], 0),
                            (_u((2, 3)), 2, None), (0.4, 3, None)]:
    _shape = np.shape(np.repeat(_x, _repeats, axis=_axis))
    _add(f"repeat[{_tag(_result_shape(_x))},{_repeats},axis={_axis}]", repeat, (_x, _w(_shape), _repeats, _axis),
         (0,), (np.repeat,))
for _axis in [None, 0, -1, (0, 2)]:
    _add(f"flip[axis={_axis}]", flip, (_x3, _w((2, 3, 4)), _axis), (0,), (np.flip,))
_add("fliplr_flipud", fliplr_flipud, (_x34, _w((3, 4))), (0,), (np.fliplr, np.flipud))
for _k in [1, 2, -1]:
    _add(f"rot90[k={_k}]", rot90, (_x34, _w(np.shape(np.rot90(_x34, _k))), _k), (0,), (np.rot90,))
for _shift, _axis in [(2, None), (-1, 0), (1, -1), ((1, -2), (0, 2))]:
    _add(f"roll[shift={_shift},axis={_axis}]", roll, (_x3, _w((2, 3, 4)), _shift, _axis), (0,), (np.roll,))
for _x, _pw, _mode in [(_u((4,)), 2, "constant"), (_x34, ((1, 0), (2, 1)), "constant"), (_x34, 1, "edge"),
                       (_x34, ((2, 1), (1, 3)), "reflect"), (_x34, (2, 1), "symmetric"), (_u((5,)), (3, 4), "wrap"),
                       (_x3, ((0, 1), (1, 1), (2, 0)), "edge")]:
    _shape = np.shape(np.pad(_x, _pw, mode=_mode))
    _add(f"pad[{_tag(np.shape(_x))},{_pw},{_mode}]", pad, (_x, _w(_shape), _pw, _mode), (0,), (np.pad,))
_add("pad[constant_values]", pad_constant_value, (_x34, 0.3, _w((4, 7))), (0, 1), (np.pad,))
_add("pad[constant_values_pair]", pad_constant_value, (_x34, np.array([0.3, -0.2]), _w((4, 7))), (0, 1), (np.pad,))
_add("pad[constant_values_per_axis]", pad_constant_value, (_x34, _u((2, 2)), _w((4, 7))), (0, 1), (np.pad,))
_add("pad[constant_values_column]", pad_constant_value, (_x34, _u((2, 1)), _w((4, 7))), (0, 1), (np.pad,))
for _k in [0, 1, -1]:
    _add(f"triu[k={_k}]", triu, (_u((4, 3)), _w((4, 3)), _k), (0,), (np.triu,))
    _add(f"tril[k={_k}]", tril, (_u((3, 4)), _w((3, 4)), _k), (0,), (np.tril,))
_add("triu[batched]", triu, (_x3, _w((2, 3, 4)), 1), (0,), (np.triu,))
for _x, _k in [(_u((3,)), 0), (_u((3,)), 1), (_u((3,)), -2), (_x34, 0), (_x34, 1), (_x34, -1)]:
    _add(f"diag[{_tag(np.shape(_x))},k={_k}]", diag, (_x, _w(np.shape(np.diag(_x, _k))), _k), (0,), (np.diag,))
for _offset, _a1, _a2 in [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (0, -1, -2)]:
    _shape = np.shape(np.diagonal(_x3, _offset, _a1, _a2))
    _add(f"diagonal[{_offset},{_a1},{_a2}]", diagonal, (_x3, _w(_shape), _offset, _a1, _a2), (0,), (np.diagonal,))

# ---- indexing, sorting, copies
_add("getitem[basic]", getitem_basic, (_x34, _w((2, 2))), (0,), (operator.getitem,))
_add("getitem[int_newaxis]", getitem_int_newaxis, (_x3, _w((2, 3, 1))), (0,), (operator.getitem,))
_add("getitem[repeated]", getitem_repeated, (_u((5,)), _w((4,))), (0,), (operator.getitem,))
_add("getitem[repeated_rows]", getitem_repeated, (_x34, _w((4, 4))), (0,), (operator.getitem,))
_add("getitem[pairs]", getitem_pairs, (_x34, _w((4,))), (0,), (operator.getitem,))
_mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
_add("getitem[mask]", getitem_mask, (_x34, _mask, _w((6,))), (0,), (operator.getitem,))
for _x, _indices, _axis in [(_u((5,)), [0, 3, 3, -1], None), (_x34, [[0, 1], [1, 1]], None), (_x34, [2, 0, 2], 0),
                            (_x3, [3, 3, 0], -1), (_x3, 1, 1)]:
    _shape = np.shape(np.take(_x, _indices, axis=_axis))
    _add(f"take[{_tag(np.shape(_x))},{_indices},axis={_axis}]", take, (_x, _w(_shape), _indices, _axis), (0,),
         (np.take,))
_add("take[modes]", take_modes, (_u((6,)), _w((4,))), (0,), (np.take,))
_idx = np.array([[0, 2, 2], [1, 1, 0], [3, 0, 3]])
_add("take_along_axis[-1]", take_along_axis, (_x34, _w((3, 3)), _idx, -1), (0,), (np.take_along_axis,))
_add("take_along_axis[0]", take_along_axis, (_u((4, 3)), _w((3, 3)), _idx, 0), (0,), (np.take_along_axis,))
_add("take_along_axis[argsort]", take_along_axis, (_xd, _w((2, 3, 4)), np.argsort(_xd, axis=1), 1), (0,),
     (np.take_along_axis,))
for _axis in [-1, 0, None]:
    _shape = np.shape(np.sort(_xd, axis=_axis))
    _add(f"sort[axis={_axis}]", sort, (_xd, _w(_shape), _axis), (0,), (np.sort,))
_add("sort[1d]", sort, (_distinct((6,)), _w((6,)), -1), (0,), (np.sort,))
for _kth, _axis in [(2, -1), (1, 0), ((0, 3), -1)]:
    _add(f"partition[kth={_kth},axis={_axis}]", partition, (_xd, _w((2, 3, 4)), _kth, _axis), (0,), (np.partition,))
_add("array[scalars]", array_of_scalars, (0.6, -1.3, _w((3,))), (0, 1), (np.array,))
_add("array[arrays]", array_of_arrays, (_u((3,)), _u((3,)), _w((2, 3))), (0, 1), (np.array,))
_add("asarray", asarray, (_x34, _w((3, 4))), (0,), (np.asarray, np.asanyarray, np.ascontiguousarray))
_add("copy", copy, (_x34, _w((3, 4))), (0,), (np.copy,))
_add("copy[py]", copy, (0.4, 1.5), (0,), (np.copy,))
_add("full", full, (0.7, _w((2, 3))), (0,), (np.full,))
_add("full[array]", full, (_u((3,)), _w((2, 3))), (0,), (np.full,))
_add("full_like", full_like, (_x34, 0.4, _w((3, 4))), (0, 1), (np.full_like,))

# ---- linear algebra
_MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((2, 2, 3), (3, 4)),
                  ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
for _sa, _sb in _MATMUL_SHAPES:
    _a, _b = _u(_sa), _u(_sb)
    _shape = np.shape(np.matmul(_a, _b))
    _add(f"matmul[{_tag(_sa)},{_tag(_sb)}]", matmul, (_a, _b, _w(_shape)), (0, 1), (np.matmul,))
    _add(f"matmul_op[{_tag(_sa)},{_tag(_sb)}]", matmul_op, (_a, _b, _w(_shape)), (0, 1), (operator.matmul,))
for _sa, _sb in [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((), (2, 3)), ((2, 3), ()),
                 ((2, 2, 3), (3,)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 3), (2, 3, 4)),
                 ((2, 2, 3), (4, 3, 2))]:
    _a, _b = _u(_sa), _u(_sb)
    _shape = np.shape(np.dot(_a, _b))
    _add(f"dot[{_tag(_sa)},{_tag(_sb)}]", dot, (_a, _b, _w(_shape)), (0, 1), (np.dot,))
for _sa, _sb in [((4,), (4,)), ((2, 3), (3, 2)), ((2, 2, 3), (12,))]:
    _add(f"vdot[{_tag(_sa)},{_tag(_sb)}]", vdot, (_u(_sa), _u(_sb)), (0, 1), (np.vdot,))
for _sa, _sb in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (4, 3)), ((), (2, 3))]:
    _a, _b = _u(_sa), _u(_sb)
    _add(f"inner[{_tag(_sa)},{_tag(_sb)}]", inner, (_a, _b, _w(np.shape(np.inner(_a, _b)))), (0, 1), (np.inner,))
for _sa, _sb in [((3,), (4,)), ((2, 2), (3,)), (None, (3,))]:
    _a, _b = _u(_sa), _u(_sb)
    _add(f"outer[{_tag(_sa)},{_tag(_sb)}]", outer, (_a, _b, _w(np.shape(np.outer(_a, _b)))), (0, 1), (np.outer,))
for _sa, _sb, _axes in [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
                        ((2, 3, 4), (4, 2, 5), ([0, 2], [1, 0])), ((3, 4), (4, 3), ([-1, 0], [0, -1])),
                        ((2, 3, 4), (3, 5), (1, 0))]:
    _a, _b = _u(_sa), _u(_sb)
    _shape = np.shape(np.tensordot(_a, _b, _axes))
    _add(f"tensordot[{_tag(_sa)},{_tag(_sb)},{_axes}]", tensordot, (_a, _b, _w(_shape), _axes), (0, 1),
         (np.tensordot,))
for _sub, _sa in [("ij->", (3, 4)), ("ij->ji", (3, 4)), ("ii->i", (3, 3)), ("ii", (3, 3)), ("ijk->kj", (2, 3, 4)),
                  ("iij->ij", (3, 3, 2)), ("ij->j", (3, 4))]:
    _a = _u(_sa)
    _add(f"einsum[{_sub}]", einsum1, (_a, _w(np.shape(np.einsum(_sub, _a))), _sub), (0,), (np.einsum,))
for _sub, _sa, _sb in [("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("i,i->", (4,), (4,)),
                       ("i,j->ij", (3,), (2,)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)), ("ij,ij->i", (3, 4), (3, 4)),
                       ("ij,j->j", (3, 4), (4,)), ("ii,ij->j", (3, 3), (3, 2)), ("ijk,kl->lji", (2, 3, 4), (4, 2))]:
    _a, _b = _u(_sa), _u(_sb)
    _add(f"einsum[{_sub}]", einsum2, (_a, _b, _w(np.shape(np.einsum(_sub, _a, _b))), _sub), (0, 1), (np.einsum,))
_add("einsum[ij,jk,kl->il]", einsum3, (_u((2, 3)), _u((3, 4)), _u((4, 2)), _w((2, 2)), "ij,jk,kl->il"), (0, 1, 2),
     (np.einsum,))
_add("einsum[i,ij,j->]", einsum3, (_u((3,)), _u((3, 4)), _u((4,)), 1.0, "i,ij,j->"), (0, 1, 2), (np.einsum,))
for _sa, _sb in [((2, 3), (2, 2)), ((3,), (2,)), ((2, 2), (3,)), ((2,), (2, 3)), ((2, 1, 2), (2, 2))]:
    _a, _b = _u(_sa), _u(_sb)
    _add(f"kron[{_tag(_sa)},{_tag(_sb)}]", kron, (_a, _b, _w(np.shape(np.kron(_a, _b)))), (0, 1), (np.kron,))
for _sa, _sb in [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,))]:
    _a, _b = _u(_sa), _u(_sb)
    _add(f"cross[{_tag(_sa)},{_tag(_sb)}]", cross, (_a, _b, _w(np.shape(np.cross(_a, _b)))), (0, 1), (np.cross,))

_A3 = _well_conditioned(3)
_A4 = _well_conditioned(4)
_B3 = _well_conditioned(3, (2,))
_add("inv", inv, (_A3, _w((3, 3))), (0,), (np.linalg.inv,))
_add("inv[batched]", inv, (_B3, _w((2, 3, 3))), (0,), (np.linalg.inv,))
_add("solve[vector]", solve, (_A3, _u((3,)), _w((3,))), (0, 1), (np.linalg.solve,))
_add("solve[matrix]", solve, (_A3, _u((3, 2)), _w((3, 2))), (0, 1), (np.linalg.solve,))
_add("solve[batched]", solve, (_B3, _u((2, 3, 2)), _w((2, 3, 2))), (0, 1), (np.linalg.solve,))
_add("solve[batched_vector]", solve, (_B3, _u((3,)), _w((2, 3))), (0, 1), (np.linalg.solve,))
_add("det", det, (_A3, 1.3), (0,), (np.linalg.det,))
_add("det[batched]", det, (_B3, _w((2,))), (0,), (np.linalg.det,))
_add("slogdet", slogdet, (_A4,), (0,), (np.linalg.slogdet,))
_add("slogdet[negative_det]", slogdet, (np.array([[0.5, 2.0], [1.5, 0.3]]),), (0,), (np.linalg.slogdet,))
_add("slogdet[batched]", slogdet_batched, (_B3, _w((2,))), (0,), (np.linalg.slogdet,))
_add("cholesky", cholesky, (_A4 @ _A4.T, _w((4, 4))), (0,), (np.linalg.cholesky,))
_add("cholesky[batched]", cholesky_batched, (_B3, _w((2, 3, 3))), (0,), (np.linalg.cholesky,))
_add("cholesky[upper]", cholesky_upper, (_A3, _w((3, 3))), (0,), (np.linalg.cholesky,))
_S4 = _rng.normal(size=(4, 4)) + np.diag([0.0, 2.0, 4.0, 6.0])   # well separated eigenvalues
_add("eigh", eigh, (_S4, _w((4,)), _w((4, 4))), (0,), (np.linalg.eigh,))
_add("eigh[values_only]", eigh_values_only, (_S4, _w((4,))), (0,), (np.linalg.eigh,))
_add("eigh[vectors_only]", eigh_vectors_only, (_S4, _w((4, 4))), (0,), (np.linalg.eigh,))
_add("eigvalsh", eigvalsh, (_S4, _w((4,))), (0,), (np.linalg.eigvalsh,))
_add("eigvalsh[batched]", eigvalsh, (np.stack([_S4, _S4.T * 0.5]), _w((2, 4))), (0,), (np.linalg.eigvalsh,))
_R34 = _rng.normal(size=(3, 4)) * 0.5 + np.eye(3, 4) * np.array([[1.0], [2.5], [4.0]])
for _a in [_R34, _R34.T.copy(), _A3, np.stack([_R34, 0.5 * _R34])]:
    _k = min(np.shape(_a)[-2:])
    _add(f"svd_values[{_tag(np.shape(_a))}]", svd_values, (_a, _w(np.shape(_a)[:-2] + (_k,))), (0,),
         (np.linalg.svd,))
_add("svdvals", svdvals, (_R34, _w((3,))), (0,), (np.linalg.svdvals,))
for _a in [_R34, _R34.T.copy(), np.stack([_R34, 0.5 * _R34 + 0.1])]:
    _u_, _s_, _vt_ = np.linalg.svd(_a, full_matrices=False)
    _add(f"svd_thin[{_tag(np.shape(_a))}]", svd_thin, (_a, _w(_u_.shape), _w(_s_.shape), _w(_vt_.shape)), (0,),
         (np.linalg.svd,))
_add("svd_square", svd_square, (_A3, _w((3, 3)), _w((3,)), _w((3, 3))), (0,), (np.linalg.svd,))

# ---- ndarray methods and properties
_add("method_sum", method_sum, (_x3, _w((2, 3))), (0,), (np.ndarray.sum,))
_add("method_mean", method_mean, (_x3, _w((1, 3, 1))), (0,), (np.ndarray.mean,))
_add("method_max", method_max, (_xd, _w((3, 4))), (0,), (np.ndarray.max,))
_add("method_min", method_min, (_xd, _w((2, 3, 1))), (0,), (np.ndarray.min,))
_add("method_prod", method_prod, (_away((2, 3), 0.5, 1.5), _w((2,))), (0,), (np.ndarray.prod,))
_add("method_dot[2d]", method_dot, (_u((2, 3)), _u((3, 4)), _w((2, 4))), (0, 1), (np.ndarray.dot,))
_add("method_dot[1d]", method_dot, (_u((3,)), _u((3, 4)), _w((4,))), (0, 1), (np.ndarray.dot,))
_add("method_reshape", method_reshape, (_x34, _w((4, 3))), (0,), (np.ndarray.reshape,))
_add("method_T[2d]", method_T, (_x34, _w((4, 3))), (0,), (np.ndarray.T,))
_add("method_T[3d]", method_T, (_x3, _w((4, 3, 2))), (0,), (np.ndarray.T,))
_add("method_T[1d]", method_T, (_u((3,)), _w((3,))), (0,), (np.ndarray.T,))
_add("method_transpose", method_transpose, (_x3, _w((4, 2, 3))), (0,), (np.ndarray.transpose,))
_add("method_ravel_flatten", method_ravel_flatten, (_x34, _w((12,))), (0,), (np.ndarray.ravel, np.ndarray.flatten))
_add("method_squeeze", method_squeeze, (_u((3, 1, 2)), _w((3, 2))), (0,), (np.ndarray.squeeze,))
_add("method_cumsum", method_cumsum, (_x34, _w((3, 4))), (0,), (np.ndarray.cumsum,))
_add("method_cumprod", method_cumprod, (_away((3, 4), 0.5, 1.5), _w((3, 4))), (0,), (np.ndarray.cumprod,))
_add("method_var_std", method_var_std, (_x34, _w((4,))), (0,), (np.ndarray.var, np.ndarray.std))
_add("method_astype", method_astype, (_x34, _w((3, 4))), (0,), (np.ndarray.astype,))
_add("method_astype_int", method_astype_int, (_x34 * 3, _w((3, 4))), (0,), (np.ndarray.astype,))
_add("method_copy", method_copy, (_x34, _w((3, 4))), (0,), (np.ndarray.copy,))
_add("method_item", method_item, (_u((2, 3)), 0.8), (0,), (np.ndarray.item,))
_add("method_item[single]", method_item_single, (_u((1, 1)),), (0,), (np.ndarray.item,))
_add("method_swapaxes", method_swapaxes, (_x3, _w((3, 2, 4))), (0,), (np.ndarray.swapaxes,))
_add("method_repeat", method_repeat, (_x34, _w((6, 4))), (0,), (np.ndarray.repeat,))
_add("method_take", method_take, (_x34, _w((3, 3))), (0,), (np.ndarray.take,))
_add("method_diagonal_trace", method_diagonal_trace, (_x34, _w((3,))), (0,), (np.ndarray.diagonal, np.ndarray.trace))
_add("method_conj", method_conj, (_x34, _w((3, 4))), (0,), (np.ndarray.conj, np.ndarray.conjugate))

del _x, _y, _a, _b
