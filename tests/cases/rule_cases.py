"""One small function per derivative rule in ``sourcegrad.rules``, with arguments to try it on.

Engine-neutral: ``CASES`` is a list of ``Case(name, fn, args, wrt, covers)`` records. ``fn(*args)``
returns a scalar; ``wrt`` are the positions of ``args`` to differentiate; ``covers`` names the
rule-table primitives the case exercises (so a test can check every rule has a case). Feed them to
any engine and compare with finite differences.

The functions are plain straight-line Python at module level (no control flow), so the source
transformer can read them. Where a primitive's result is not a scalar, the function takes a weight
array ``w`` (not differentiated) and returns ``np.sum(result * w)``: random weights make the
gradient non-uniform, so a transposed or misplaced adjoint is caught. Arguments avoid the
non-differentiable points of each primitive (positive inputs for log/sqrt, no ties for max,
nothing near a clip bound or a jump of ``%``).
"""

import builtins
import math
import operator
from typing import Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: tuple
    covers: tuple = ()


# ---------------------------------------------------------------- operators


def op_add(x, y, w):
    return np.sum((x + y) * w)


def op_sub(x, y, w):
    return np.sum((x - y) * w)


def op_mul(x, y, w):
    return np.sum(x * y * w)


def op_truediv(x, y, w):
    return np.sum(x / y * w)


def op_pow(x, y, w):
    return np.sum(x ** y * w)


def op_pow_int(x, w):
    return np.sum(x ** 3 * w)


def op_rpow(x, w):
    return np.sum(2.0 ** x * w)


def op_mod(x, y, w):
    return np.sum(x % y * w)


def op_neg(x, w):
    return np.sum(-x * w)


def op_pos(x, w):
    return np.sum(+x * w)


def op_matmul(a, b, w):
    return np.sum((a @ b) * w)


# ---------------------------------------------------------------- getitem


def getitem_int(x, w):
    return np.sum(x[1] * w)


def getitem_negative_int(x, w):
    return np.sum(x[-1] * w)


def getitem_slice(x, w):
    return np.sum(x[1:] * w)


def getitem_reversed(x, w):
    return np.sum(x[::-1] * w)


def getitem_step(x, w):
    return np.sum(x[1, ::2] * w)


def getitem_column(x, w):
    return np.sum(x[:, 0] * w)


def getitem_ellipsis(x, w):
    return np.sum(x[..., 1] * w)


def getitem_newaxis(x, w):
    return np.sum(x[None, 1:] * w)


def getitem_fancy(x, w):
    return np.sum(x[[0, 2]] * w)


def getitem_repeated(x, w):
    return np.sum(x[[0, 2, 0, 0]] * w)


def getitem_pairs(x, w):
    return np.sum(x[[0, 1, 1], [2, 0, 2]] * w)


def getitem_mixed(x, w):
    return np.sum(x[1:, [0, 0, 2]] * w)


def getitem_mask(x, mask, w):
    return np.sum(x[mask] * w)


def getitem_mask_from_data(x):
    return np.sum(x[x > 0] ** 2)


# ---------------------------------------------------------------- builtins


def builtin_abs(x, w):
    return np.sum(abs(x) * w)


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


# ---------------------------------------------------------------- numpy elementwise


def np_exp(x, w):
    return np.sum(np.exp(x) * w)


def np_expm1(x, w):
    return np.sum(np.expm1(x) * w)


def np_log(x, w):
    return np.sum(np.log(x) * w)


def np_log1p(x, w):
    return np.sum(np.log1p(x) * w)


def np_sqrt(x, w):
    return np.sum(np.sqrt(x) * w)


def np_square(x, w):
    return np.sum(np.square(x) * w)


def np_reciprocal(x, w):
    return np.sum(np.reciprocal(x) * w)


def np_sin(x, w):
    return np.sum(np.sin(x) * w)


def np_cos(x, w):
    return np.sum(np.cos(x) * w)


def np_tan(x, w):
    return np.sum(np.tan(x) * w)


def np_tanh(x, w):
    return np.sum(np.tanh(x) * w)


def np_sinh(x, w):
    return np.sum(np.sinh(x) * w)


def np_cosh(x, w):
    return np.sum(np.cosh(x) * w)


def np_arctan(x, w):
    return np.sum(np.arctan(x) * w)


def np_abs(x, w):
    return np.sum(np.abs(x) * w)


def np_absolute(x, w):
    return np.sum(np.absolute(x) * w)


def np_negative(x, w):
    return np.sum(np.negative(x) * w)


def np_positive(x, w):
    return np.sum(np.positive(x) * w)


def np_add(x, y, w):
    return np.sum(np.add(x, y) * w)


def np_subtract(x, y, w):
    return np.sum(np.subtract(x, y) * w)


def np_multiply(x, y, w):
    return np.sum(np.multiply(x, y) * w)


def np_divide(x, y, w):
    return np.sum(np.divide(x, y) * w)


def np_power(x, y, w):
    return np.sum(np.power(x, y) * w)


def np_mod(x, y, w):
    return np.sum(np.mod(x, y) * w)


def np_remainder(x, y, w):
    return np.sum(np.remainder(x, y) * w)


def np_maximum(x, y, w):
    return np.sum(np.maximum(x, y) * w)


def np_minimum(x, y, w):
    return np.sum(np.minimum(x, y) * w)


def np_relu(x, w):
    return np.sum(np.maximum(x, 0.0) * w)


def np_logaddexp(x, y, w):
    return np.sum(np.logaddexp(x, y) * w)


def np_where(x, y, w):
    return np.sum(np.where(x > 0, x, y) * w)


def np_where_const(c, x, w):
    return np.sum(np.where(c, x, 0.0) * w)


def np_clip(x, w):
    return np.sum(np.clip(x, -0.5, 0.5) * w)


def method_clip(x, w):
    return np.sum(x.clip(-0.5, 0.5) * w)


# ---------------------------------------------------------------- reductions


def np_sum(x):
    return np.sum(x * x)


def np_sum_axis0(x, w):
    return np.sum(np.sum(x, axis=0) * w)


def np_sum_last_keepdims(x, w):
    return np.sum(np.sum(x, axis=-1, keepdims=True) * w)


def np_sum_axes(x, w):
    return np.sum(np.sum(x, axis=(0, 2)) * w)


def method_sum(x):
    return (x * x).sum()


def method_sum_axis(x, w):
    return np.sum(x.sum(axis=1) * w)


def method_sum_keepdims(x, w):
    return np.sum(x.sum(0, keepdims=True) * w)


def np_mean(x):
    return np.mean(x * x)


def np_mean_axis(x, w):
    return np.sum(np.mean(x, axis=1) * w)


def np_mean_axes_keepdims(x, w):
    return np.sum(np.mean(x, axis=(0, 1), keepdims=True) * w)


def method_mean(x):
    return (x * x).mean()


def method_mean_axis(x, w):
    return np.sum(x.mean(axis=0) * w)


def np_max(x):
    return np.max(x)


def np_max_axis(x, w):
    return np.sum(np.max(x, axis=0) * w)


def np_amax_keepdims(x, w):
    return np.sum(np.amax(x, axis=-1, keepdims=True) * w)


def np_min(x):
    return np.min(x)


def np_min_axis(x, w):
    return np.sum(np.min(x, axis=1) * w)


def np_amin(x, w):
    return np.sum(np.amin(x, axis=0) * w)


def method_max(x):
    return x.max()


def method_max_axis(x, w):
    return np.sum(x.max(axis=1) * w)


def method_min(x):
    return x.min()


def method_min_axis_keepdims(x, w):
    return np.sum(x.min(axis=0, keepdims=True) * w)


# ---------------------------------------------------------------- linear algebra


def np_matmul(a, b, w):
    return np.sum(np.matmul(a, b) * w)


def np_dot(a, b, w):
    return np.sum(np.dot(a, b) * w)


def method_dot(a, b, w):
    return np.sum(a.dot(b) * w)


def np_outer(a, b, w):
    return np.sum(np.outer(a, b) * w)


# ---------------------------------------------------------------- shape


def np_reshape(x, w):
    return np.sum(np.reshape(x, (3, 2)) * w)


def np_reshape_flat(x, w):
    return np.sum(np.reshape(x, -1) * w)


def method_reshape_args(x, w):
    return np.sum(x.reshape(3, 2) * w)


def method_reshape_tuple(x, w):
    return np.sum(x.reshape((6,)) * w)


def method_reshape_column(x, w):
    return np.sum(x.reshape(-1, 1) * w)


def np_ravel(x, w):
    return np.sum(np.ravel(x) * w)


def np_ravel_fortran(x, w):
    return np.sum(np.ravel(x, order="F") * w)


def method_ravel(x, w):
    return np.sum(x.ravel() * w)


def method_flatten(x, w):
    return np.sum(x.flatten() * w)


def np_transpose(x, w):
    return np.sum(np.transpose(x) * w)


def np_transpose_axes(x, w):
    return np.sum(np.transpose(x, (1, 0, 2)) * w)


def np_transpose_axes_kw(x, w):
    return np.sum(np.transpose(x, axes=(2, 0, 1)) * w)


def method_transpose(x, w):
    return np.sum(x.transpose() * w)


def method_transpose_args(x, w):
    return np.sum(x.transpose(2, 0, 1) * w)


def method_transpose_tuple(x, w):
    return np.sum(x.transpose((1, 0)) * w)


def attribute_T(x, w):
    return np.sum(x.T * w)


# ---------------------------------------------------------------- more elementwise


def np_arcsin(x, w):
    return np.sum(np.arcsin(x) * w)


def np_arccos(x, w):
    return np.sum(np.arccos(x) * w)


def np_arctanh(x, w):
    return np.sum(np.arctanh(x) * w)


def np_arcsinh(x, w):
    return np.sum(np.arcsinh(x) * w)


def np_arccosh(x, w):
    return np.sum(np.arccosh(x) * w)


def np_cbrt(x, w):
    return np.sum(np.cbrt(x) * w)


def np_exp2(x, w):
    return np.sum(np.exp2(x) * w)


def np_log2(x, w):
    return np.sum(np.log2(x) * w)


def np_log10(x, w):
    return np.sum(np.log10(x) * w)


def np_fabs(x, w):
    return np.sum(np.fabs(x) * w)


def np_sinc(x, w):
    return np.sum(np.sinc(x) * w)


def np_deg2rad(x, w):
    return np.sum(np.deg2rad(x) * w)


def np_radians(x, w):
    return np.sum(np.radians(x) * w)


def np_rad2deg(x, w):
    return np.sum(np.rad2deg(x) * w)


def np_degrees(x, w):
    return np.sum(np.degrees(x) * w)


def np_conjugate(x, w):
    return np.sum(np.conjugate(x) * w)


def method_conj(x, w):
    return np.sum(x.conj() * w)


def method_conjugate(x, w):
    return np.sum(x.conjugate() * w)


def np_real(x, w):
    return np.sum(np.real(x) * w)


def np_imag(x, w):
    return np.sum(np.imag(x) * w) + np.sum(x * w)


def np_arctan2(y, x, w):
    return np.sum(np.arctan2(y, x) * w)


def np_hypot(x, y, w):
    return np.sum(np.hypot(x, y) * w)


def np_logaddexp2(x, y, w):
    return np.sum(np.logaddexp2(x, y) * w)


def np_float_power(x, y, w):
    return np.sum(np.float_power(x, y) * w)


def np_fmax(x, y, w):
    return np.sum(np.fmax(x, y) * w)


def np_fmin(x, y, w):
    return np.sum(np.fmin(x, y) * w)


# ---------------------------------------------------------------- more reductions


def np_prod(x):
    return np.prod(x)


def np_prod_axis(x, w):
    return np.sum(np.prod(x, axis=0) * w)


def method_prod(x):
    return x.prod()


def method_prod_keepdims(x, w):
    return np.sum(x.prod(axis=1, keepdims=True) * w)


def np_cumsum(x, w):
    return np.sum(np.cumsum(x) * w)


def np_cumsum_axis(x, w):
    return np.sum(np.cumsum(x, axis=1) * w)


def method_cumsum(x, w):
    return np.sum(x.cumsum(axis=0) * w)


def np_cumprod(x, w):
    return np.sum(np.cumprod(x) * w)


def method_cumprod(x, w):
    return np.sum(x.cumprod(axis=1) * w)


def np_std(x):
    return np.std(x)


def np_std_axis_ddof(x, w):
    return np.sum(np.std(x, axis=0, ddof=1) * w)


def method_std(x):
    return x.std()


def np_var(x):
    return np.var(x)


def np_var_ddof(x):
    return np.var(x, ddof=1)


def method_var_axis(x, w):
    return np.sum(x.var(axis=1) * w)


def np_ptp(x):
    return np.ptp(x)


def np_ptp_axis(x, w):
    return np.sum(np.ptp(x, axis=1) * w)


def np_average(x, w):
    return np.sum(np.average(x, axis=0) * w)


def np_average_weights(x, v):
    return np.average(x, weights=v)


def np_trace(x):
    return np.trace(x)


def np_trace_offset(x):
    return np.trace(x, offset=1)


def method_trace(x):
    return x.trace()


def np_diagonal(x, w):
    return np.sum(np.diagonal(x) * w)


def method_diagonal(x, w):
    return np.sum(x.diagonal(1) * w)


def linalg_norm(x):
    return np.linalg.norm(x)


def linalg_norm_axis(x, w):
    return np.sum(np.linalg.norm(x, axis=1) * w)


def linalg_norm_ord1(x):
    return np.linalg.norm(x, ord=1)


def linalg_vector_norm(x):
    return np.linalg.vector_norm(x)


def linalg_vector_norm_axis(x, w):
    return np.sum(np.linalg.vector_norm(x, axis=0) * w)


def linalg_matrix_norm(x):
    return np.linalg.matrix_norm(x)


# ---------------------------------------------------------------- more shape


def np_squeeze(x, w):
    return np.sum(np.squeeze(x) * w)


def np_squeeze_axis(x, w):
    return np.sum(np.squeeze(x, axis=1) * w)


def method_squeeze(x, w):
    return np.sum(x.squeeze() * w)


def np_expand_dims(x, w):
    return np.sum(np.expand_dims(x, 1) * w)


def np_swapaxes(x, w):
    return np.sum(np.swapaxes(x, 0, 2) * w)


def method_swapaxes(x, w):
    return np.sum(x.swapaxes(0, 1) * w)


def np_moveaxis(x, w):
    return np.sum(np.moveaxis(x, 0, -1) * w)


def np_matrix_transpose(x, w):
    return np.sum(np.matrix_transpose(x) * w)


def linalg_matrix_transpose(x, w):
    return np.sum(np.linalg.matrix_transpose(x) * w)


def np_flip(x, w):
    return np.sum(np.flip(x) * w)


def np_flip_axis(x, w):
    return np.sum(np.flip(x, axis=1) * w)


def np_fliplr(x, w):
    return np.sum(np.fliplr(x) * w)


def np_flipud(x, w):
    return np.sum(np.flipud(x) * w)


def np_rot90(x, w):
    return np.sum(np.rot90(x) * w)


def np_rot90_twice(x, w):
    return np.sum(np.rot90(x, 2) * w)


def np_roll(x, w):
    return np.sum(np.roll(x, 1) * w)


def np_roll_axis(x, w):
    return np.sum(np.roll(x, -1, axis=1) * w)


def np_tile(x, w):
    return np.sum(np.tile(x, (2, 1)) * w)


def np_repeat(x, w):
    return np.sum(np.repeat(x, 2) * w)


def np_repeat_axis(x, w):
    return np.sum(np.repeat(x, 2, axis=0) * w)


def method_repeat(x, w):
    return np.sum(x.repeat(3) * w)


def np_broadcast_to(x, w):
    return np.sum(np.broadcast_to(x, (2, 3)) * w)


def np_atleast_1d(x, w):
    return np.sum(np.atleast_1d(x) * w)


def np_atleast_2d(x, w):
    return np.sum(np.atleast_2d(x) * w)


def np_atleast_3d(x, w):
    return np.sum(np.atleast_3d(x) * w)


def np_pad(x, w):
    return np.sum(np.pad(x, 1) * w)


def np_pad_widths(x, w):
    return np.sum(np.pad(x, ((1, 0), (0, 2))) * w)


def np_pad_constant(x, c, w):
    return np.sum(np.pad(x, 1, constant_values=c) * w)


def np_pad_reflect(x, w):
    return np.sum(np.pad(x, 2, mode="reflect") * w)


def np_pad_edge(x, w):
    return np.sum(np.pad(x, (1, 2), mode="edge") * w)


def np_diag(v, w):
    return np.sum(np.diag(v) * w)


def np_diag_offset(v, w):
    return np.sum(np.diag(v, 1) * w)


def np_diag_of_matrix(x, w):
    return np.sum(np.diag(x) * w)


def np_tril(x, w):
    return np.sum(np.tril(x) * w)


def np_triu(x, w):
    return np.sum(np.triu(x, 1) * w)


def np_take(x, w):
    return np.sum(np.take(x, [0, 2, 2]) * w)


def np_take_axis(x, w):
    return np.sum(np.take(x, [1, 0, 1], axis=1) * w)


def method_take(x, w):
    return np.sum(x.take([3, 0]) * w)


def np_take_along_axis(x, idx, w):
    return np.sum(np.take_along_axis(x, idx, axis=1) * w)


def np_sort(x, w):
    return np.sum(np.sort(x) * w)


def np_sort_axis0(x, w):
    return np.sum(np.sort(x, axis=0) * w)


def np_partition(x, w):
    return np.sum(np.partition(x, 2) * w)


def np_diff(x, w):
    return np.sum(np.diff(x) * w)


def np_diff_twice(x, w):
    return np.sum(np.diff(x, n=2) * w)


def np_diff_axis0(x, w):
    return np.sum(np.diff(x, axis=0) * w)


def np_diff_prepend(x, p, w):
    return np.sum(np.diff(x, prepend=p) * w)


# ---------------------------------------------------------------- joining and splitting


def np_concatenate(a, b, w):
    return np.sum(np.concatenate([a, b]) * w)


def np_concatenate_axis1(a, b, w):
    return np.sum(np.concatenate((a, b), axis=1) * w)


def np_concatenate_flat(a, b, w):
    return np.sum(np.concatenate([a, b], axis=None) * w)


def np_stack(a, b, w):
    return np.sum(np.stack([a, b]) * w)


def np_stack_axis1(a, b, w):
    return np.sum(np.stack([a, b], axis=1) * w)


def np_hstack(a, b, w):
    return np.sum(np.hstack([a, b]) * w)


def np_vstack(a, b, w):
    return np.sum(np.vstack([a, b]) * w)


def np_dstack(a, b, w):
    return np.sum(np.dstack([a, b]) * w)


def np_column_stack(a, b, w):
    return np.sum(np.column_stack([a, b]) * w)


def np_split(x, w1, w2):
    parts = np.split(x, 2)
    return np.sum(parts[0] * w1) + np.sum(parts[1] ** 2 * w2)


def np_split_one_used(x, w):
    return np.sum(np.split(x, 3)[1] * w)


def np_array_split(x, w):
    return np.sum(np.array_split(x, 3)[2] * w)


def np_hsplit(x, w):
    return np.sum(np.hsplit(x, 2)[1] * w)


def np_vsplit(x, w):
    return np.sum(np.vsplit(x, 2)[0] * w)


def np_dsplit(x, w):
    return np.sum(np.dsplit(x, 2)[1] * w)


# ---------------------------------------------------------------- more products


def np_inner(a, b, w):
    return np.sum(np.inner(a, b) * w)


def np_vdot(a, b):
    return np.vdot(a, b)


def np_kron(a, b, w):
    return np.sum(np.kron(a, b) * w)


def np_cross(a, b, w):
    return np.sum(np.cross(a, b) * w)


def np_tensordot(a, b, w):
    return np.sum(np.tensordot(a, b) * w)


def np_tensordot_axes1(a, b, w):
    return np.sum(np.tensordot(a, b, axes=1) * w)


def np_tensordot_pairs(a, b, w):
    return np.sum(np.tensordot(a, b, axes=([1, 0], [0, 2])) * w)


def np_einsum_matmul(a, b, w):
    return np.sum(np.einsum("ij,jk->ik", a, b) * w)


def np_einsum_trace(a):
    return np.einsum("ii->", a)


def np_einsum_column_sums(a, w):
    return np.sum(np.einsum("ij->j", a) * w)


def np_einsum_three(a, b, c, w):
    return np.sum(np.einsum("ij,jk,k->i", a, b, c) * w)


# ---------------------------------------------------------------- linear algebra


def linalg_inv(a, w):
    return np.sum(np.linalg.inv(a) * w)


def linalg_det(a):
    return np.linalg.det(a)


def linalg_slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet * 2.0


def linalg_solve(a, b, w):
    return np.sum(np.linalg.solve(a, b) * w)


def linalg_cholesky(m, w):
    a = m @ m.T + 3.0 * np.eye(3)
    return np.sum(np.linalg.cholesky(a) * w)


def linalg_eigh(m, c, w):
    evals, evecs = np.linalg.eigh(m + m.T)
    return np.sum(evals * c) + np.sum(evecs ** 2 * w)


def linalg_eigvalsh(m, c):
    return np.sum(np.linalg.eigvalsh(m + m.T) * c)


def linalg_svd(a, c, w):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(s * c) + np.sum((u[:, :1] @ vt[:1, :]) * w)


def linalg_svd_square(a, c):
    u, s, vt = np.linalg.svd(a)
    return np.sum(s * c) + np.sum(u[:, 0] * vt[0, :])


def linalg_svd_values(a, c):
    return np.sum(np.linalg.svd(a, compute_uv=False) * c)


def linalg_svdvals(a, c):
    return np.sum(np.linalg.svdvals(a) * c)


# ---------------------------------------------------------------- copies and constructors


def np_copy(x, w):
    return np.sum(np.copy(x) * w)


def method_copy(x, w):
    return np.sum(x.copy() * w)


def method_astype(x, w):
    return np.sum(x.astype(np.float64) * w)


def method_item(x):
    return x.item(1) * 3.0


def np_full(x, w):
    return np.sum(np.full((2, 3), x) * w)


def np_full_like(a, x, w):
    return np.sum(np.full_like(a, x) * w)


def np_array(x, y):
    return np.sum(np.array([x, y]) * np.array([2.0, 3.0]))


def np_asarray(x, w):
    return np.sum(np.asarray(x) * w)


def np_asanyarray(x, w):
    return np.sum(np.asanyarray(x) * w)


def np_ascontiguousarray(x, w):
    return np.sum(np.ascontiguousarray(x) * w)


# ================================================================ arguments

_rng = np.random.default_rng(20240611)


def _num(shape, lo=-1.0, hi=1.0):
    """A Python float for shape None, a 0-d array for (), else a float64 array."""
    if shape is None:
        return float(_rng.uniform(lo, hi))
    return _rng.uniform(lo, hi, size=shape)


def _away_from_zero(shape, lo=0.3, hi=1.5):
    magnitude = _num(shape, lo, hi)
    sign = _rng.choice([-1.0, 1.0], size=() if shape is None else shape)
    return float(magnitude * sign) if shape is None else magnitude * sign


def _weight(shape):
    """Random weights of the result's shape (a float for a Python-scalar result)."""
    if shape is None:
        return float(_rng.normal())
    return _rng.normal(size=shape)


def _shape_of(*operands):
    """Broadcast shape of operands, None when every operand is a Python number."""
    if all(np.ndim(o) == 0 and not isinstance(o, np.ndarray) for o in operands):
        return None
    return np.broadcast_shapes(*(np.shape(o) for o in operands))


def _w_like(value):
    return _weight(None if np.ndim(value) == 0 and not isinstance(value, np.ndarray) else np.shape(value))


# shapes for elementwise operands: None is a Python float, () a 0-d array
UNARY_SHAPES = [None, (), (3,), (2, 3)]
BINARY_SHAPES = [(None, None), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((2, 3), None), (None, (2, 3)), ((), (2,))]

CASES = []


def _add(name, fn, args, wrt, *covers):
    CASES.append(Case(name, fn, tuple(args), tuple(wrt), tuple(covers)))


def _tag(shape):
    return "py" if shape is None else "x".join(map(str, shape)) or "0d"


def _binary_cases(prefix, fn, covers, make_x, make_y, wrts=((0, 1),)):
    for sx, sy in BINARY_SHAPES:
        x, y = make_x(sx), make_y(sy)
        w = _weight(_shape_of(x, y))
        for wrt in wrts:
            _add(f"{prefix}[{_tag(sx)},{_tag(sy)}]wrt{''.join(map(str, wrt))}", fn, (x, y, w), wrt, *covers)


def _unary_cases(prefix, fn, covers, make_x, shapes=UNARY_SHAPES):
    for s in shapes:
        x = make_x(s)
        _add(f"{prefix}[{_tag(s)}]", fn, (x, _weight(_shape_of(x))), (0,), *covers)


def _mod_operands():
    def make_y(shape):
        return _num(shape, 0.7, 1.6)

    def make_x(shape):
        # x = y * (k + u) with u in [0.2, 0.8]: far from the jumps of x % y for y in [0.7, 1.6]
        k = _rng.integers(-3, 3, size=() if shape is None else shape)
        u = _rng.uniform(0.2, 0.8, size=() if shape is None else shape)
        value = (k + u) * 1.1
        return float(value) if shape is None else value

    return make_x, make_y


# operators
_binary_cases("add", op_add, (operator.add,), _num, _num, wrts=((0,), (1,), (0, 1)))
_binary_cases("sub", op_sub, (operator.sub,), _num, _num, wrts=((0,), (1,), (0, 1)))
_binary_cases("mul", op_mul, (operator.mul,), _num, _num, wrts=((0,), (1,), (0, 1)))
_binary_cases("truediv", op_truediv, (operator.truediv,), _num, _away_from_zero, wrts=((0,), (1,), (0, 1)))
_binary_cases("pow", op_pow, (operator.pow,), lambda s: _num(s, 0.5, 2.0), _num, wrts=((0,), (1,), (0, 1)))
_unary_cases("pow_int", op_pow_int, (operator.pow,), _num)
_unary_cases("rpow", op_rpow, (operator.pow,), _num)
_mx, _my = _mod_operands()
_binary_cases("mod", op_mod, (operator.mod,), _mx, _my, wrts=((0,), (1,), (0, 1)))
_unary_cases("neg", op_neg, (operator.neg,), _num)
_unary_cases("pos", op_pos, (operator.pos,), _num)

_MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((2, 2, 3), (3, 4)),
                  ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
for _sa, _sb in _MATMUL_SHAPES:
    _a, _b = _num(_sa), _num(_sb)
    _w = _weight(np.shape(np.matmul(_a, _b)))
    _add(f"matmul_op[{_tag(_sa)},{_tag(_sb)}]", op_matmul, (_a, _b, _w), (0, 1), operator.matmul)
    _add(f"np_matmul[{_tag(_sa)},{_tag(_sb)}]", np_matmul, (_a, _b, _w), (0, 1), np.matmul)
_a, _b = _num((2, 3)), _num((3, 4))
_add("matmul_op_lhs_only", op_matmul, (_a, _b, _weight((2, 4))), (0,), operator.matmul)
_add("matmul_op_rhs_only", op_matmul, (_a, _b, _weight((2, 4))), (1,), operator.matmul)

# getitem
_x2 = _num((3, 4))
_x1 = _num((5,))
_x3 = _num((2, 3, 4))
for _name, _fn, _x, _index in [
    ("int", getitem_int, _x2, 1),
    ("int_1d", getitem_int, _x1, 1),
    ("negative_int", getitem_negative_int, _x2, -1),
    ("slice", getitem_slice, _x1, slice(1, None)),
    ("reversed", getitem_reversed, _x2, slice(None, None, -1)),
    ("step", getitem_step, _x2, (1, slice(None, None, 2))),
    ("column", getitem_column, _x2, (slice(None), 0)),
    ("ellipsis", getitem_ellipsis, _x3, (Ellipsis, 1)),
    ("newaxis", getitem_newaxis, _x1, (None, slice(1, None))),
    ("fancy", getitem_fancy, _x2, [0, 2]),
    ("repeated", getitem_repeated, _x1, [0, 2, 0, 0]),
    ("repeated_rows", getitem_repeated, _x2, [0, 2, 0, 0]),
    ("pairs", getitem_pairs, _x2, ([0, 1, 1], [2, 0, 2])),
    ("mixed", getitem_mixed, _x2, (slice(1, None), [0, 0, 2])),
]:
    _add(f"getitem_{_name}", _fn, (_x, _weight(np.shape(_x[_index]))), (0,), operator.getitem)
_mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
_add("getitem_mask", getitem_mask, (_x2, _mask, _weight(int(_mask.sum()))), (0,), operator.getitem)
_add("getitem_mask_from_data", getitem_mask_from_data, (_away_from_zero((3, 4)),), (0,), operator.getitem)

# builtins
_unary_cases("builtin_abs", builtin_abs, (builtins.abs,), _away_from_zero)
_add("builtin_float", builtin_float, (0.7,), (0,), builtins.float)
_add("builtin_max[first]", builtin_max, (0.9, 0.2), (0, 1), builtins.max)
_add("builtin_max[second]", builtin_max, (-0.4, 0.3), (0, 1), builtins.max)
_add("builtin_min[first]", builtin_min, (0.1, 0.6), (0, 1), builtins.min)
_add("builtin_min[second]", builtin_min, (0.8, -0.5), (0, 1), builtins.min)

# math (Python floats)
for _fn, _prim, _x in [
    (math_sin, math.sin, 0.7), (math_cos, math.cos, 0.7), (math_tan, math.tan, 0.6),
    (math_exp, math.exp, 0.4), (math_expm1, math.expm1, -0.3), (math_log, math.log, 1.7),
    (math_log1p, math.log1p, 0.6), (math_log2, math.log2, 2.5), (math_log10, math.log10, 3.5),
    (math_sqrt, math.sqrt, 1.8), (math_tanh, math.tanh, 0.5), (math_sinh, math.sinh, 0.8),
    (math_cosh, math.cosh, -0.6), (math_asin, math.asin, 0.3), (math_acos, math.acos, -0.4),
    (math_atan, math.atan, 1.3), (math_fabs, math.fabs, -0.9), (math_fabs, math.fabs, 0.9),
]:
    _add(f"{_fn.__name__}[{_x}]", _fn, (_x,), (0,), _prim)
_add("math_log_base[x]", math_log_base, (3.0, 2.0), (0,), math.log)
_add("math_log_base[x,base]", math_log_base, (3.0, 2.5), (0, 1), math.log)
_add("math_pow", math_pow, (1.3, 2.2), (0, 1), math.pow)
_add("math_atan2", math_atan2, (0.4, -0.9), (0, 1), math.atan2)
_add("math_hypot", math_hypot, (0.6, 1.1), (0, 1), math.hypot)

# numpy elementwise


def _clip_operand(shape):
    """Values inside (-0.4, 0.4) or outside +-0.6: never near the bounds +-0.5 of the clip cases."""
    inside = _num(shape, -0.4, 0.4)
    outside = _away_from_zero(shape, 0.6, 1.2)
    if shape is None:
        return inside if _rng.random() < 0.5 else outside
    return np.where(_rng.random(shape) < 0.5, inside, outside)


for _fn, _prim, _make in [
    (np_exp, np.exp, _num), (np_expm1, np.expm1, _num),
    (np_log, np.log, lambda s: _num(s, 0.3, 2.0)), (np_log1p, np.log1p, lambda s: _num(s, -0.5, 2.0)),
    (np_sqrt, np.sqrt, lambda s: _num(s, 0.3, 2.0)), (np_square, np.square, _num),
    (np_reciprocal, np.reciprocal, _away_from_zero), (np_sin, np.sin, _num), (np_cos, np.cos, _num),
    (np_tan, np.tan, _num), (np_tanh, np.tanh, _num), (np_sinh, np.sinh, _num), (np_cosh, np.cosh, _num),
    (np_arctan, np.arctan, lambda s: _num(s, -2.0, 2.0)), (np_abs, np.abs, _away_from_zero),
    (np_absolute, np.absolute, _away_from_zero), (np_negative, np.negative, _num),
    (np_positive, np.positive, _num), (np_relu, np.maximum, _away_from_zero),
    (np_clip, np.clip, _clip_operand), (method_clip, np.ndarray.clip, _clip_operand),
]:
    shapes = UNARY_SHAPES if _fn is not method_clip else [(), (3,), (2, 3)]
    _unary_cases(_fn.__name__, _fn, (_prim,), _make, shapes)

for _fn, _prim in [(np_add, np.add), (np_subtract, np.subtract), (np_multiply, np.multiply),
                   (np_logaddexp, np.logaddexp)]:
    _binary_cases(_fn.__name__, _fn, (_prim,), _num, _num)
_binary_cases("np_divide", np_divide, (np.divide,), _num, _away_from_zero)
_binary_cases("np_power", np_power, (np.power,), lambda s: _num(s, 0.5, 2.0), _num)
_binary_cases("np_mod", np_mod, (np.mod,), _mx, _my)
_binary_cases("np_remainder", np_remainder, (np.remainder,), _mx, _my)


def _apart(shape, gap=0.2):
    """Two operands that differ by at least ``gap`` everywhere (no ties for maximum/minimum)."""
    x = _num(shape)
    y = x + _away_from_zero(shape, gap, 1.0)
    return x, y


for _fn, _prim in [(np_maximum, np.maximum), (np_minimum, np.minimum)]:
    for _s in UNARY_SHAPES:
        _x, _y = _apart(_s)
        _add(f"{_fn.__name__}[{_tag(_s)}]", _fn, (_x, _y, _weight(_shape_of(_x, _y))), (0, 1), _prim)
    _x, _y = _num((2, 3)), _num((3,)) + 5.0  # broadcast, y always the larger
    _add(f"{_fn.__name__}[2x3,3]", _fn, (_x, _y, _weight((2, 3))), (0, 1), _prim)

for _s in [None, (4,), (2, 3)]:
    _x = _away_from_zero(_s)
    _add(f"np_where[{_tag(_s)}]", np_where, (_x, _num(_s), _weight(_shape_of(_x))), (0, 1), np.where)
_add("np_where[broadcast]", np_where, (_away_from_zero((2, 3)), _num((3,)), _weight((2, 3))), (0, 1), np.where)
_c = np.array([True, False, True])
_add("np_where_const", np_where_const, (_c, _num((2, 3)), _weight((2, 3))), (1,), np.where)

# reductions
_m = _num((3, 4))
_t = _num((2, 3, 4))
for _name, _fn, _x, _out, _prim in [
    ("np_sum", np_sum, _m, None, np.sum), ("np_sum[1d]", np_sum, _num((5,)), None, np.sum),
    ("np_sum[py]", np_sum, 0.7, None, np.sum),
    ("np_sum_axis0", np_sum_axis0, _m, (4,), np.sum),
    ("np_sum_last_keepdims", np_sum_last_keepdims, _t, (2, 3, 1), np.sum),
    ("np_sum_axes", np_sum_axes, _t, (3,), np.sum),
    ("method_sum", method_sum, _m, None, np.ndarray.sum),
    ("method_sum_axis", method_sum_axis, _m, (3,), np.ndarray.sum),
    ("method_sum_keepdims", method_sum_keepdims, _m, (1, 4), np.ndarray.sum),
    ("np_mean", np_mean, _m, None, np.mean),
    ("np_mean_axis", np_mean_axis, _m, (3,), np.mean),
    ("np_mean_axes_keepdims", np_mean_axes_keepdims, _t, (1, 1, 4), np.mean),
    ("method_mean", method_mean, _t, None, np.ndarray.mean),
    ("method_mean_axis", method_mean_axis, _m, (4,), np.ndarray.mean),
    ("np_max", np_max, _m, None, np.max), ("np_max[1d]", np_max, _num((5,)), None, np.max),
    ("np_max_axis", np_max_axis, _m, (4,), np.max),
    ("np_amax_keepdims", np_amax_keepdims, _t, (2, 3, 1), np.amax),
    ("np_min", np_min, _m, None, np.min),
    ("np_min_axis", np_min_axis, _m, (3,), np.min),
    ("np_amin", np_amin, _m, (4,), np.amin),
    ("method_max", method_max, _m, None, np.ndarray.max),
    ("method_max_axis", method_max_axis, _m, (3,), np.ndarray.max),
    ("method_min", method_min, _t, None, np.ndarray.min),
    ("method_min_axis_keepdims", method_min_axis_keepdims, _m, (1, 4), np.ndarray.min),
]:
    _args = (_x,) if _out is None else (_x, _weight(_out))
    _add(_name, _fn, _args, (0,), _prim)

# linear algebra
for _sa, _sb in [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), (None, (2, 3)),
                 ((2, 3), None), ((), (3,))]:
    _a, _b = _num(_sa), _num(_sb)
    _w = _weight(_shape_of(np.dot(_a, _b)))
    _add(f"np_dot[{_tag(_sa)},{_tag(_sb)}]", np_dot, (_a, _b, _w), (0, 1), np.dot)
for _sa, _sb in [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,))]:
    _a, _b = _num(_sa), _num(_sb)
    _w = _weight(_shape_of(np.dot(_a, _b)))
    _add(f"method_dot[{_tag(_sa)},{_tag(_sb)}]", method_dot, (_a, _b, _w), (0, 1), np.ndarray.dot)
for _sa, _sb in [((3,), (4,)), ((2, 2), (3,))]:
    _a, _b = _num(_sa), _num(_sb)
    _add(f"np_outer[{_tag(_sa)},{_tag(_sb)}]", np_outer, (_a, _b, _weight((_a.size, _b.size))), (0, 1), np.outer)

# shape
_x23 = _num((2, 3))
for _fn, _prim, _x, _out in [
    (np_reshape, np.reshape, _x23, (3, 2)), (np_reshape_flat, np.reshape, _x23, (6,)),
    (method_reshape_args, np.ndarray.reshape, _x23, (3, 2)),
    (method_reshape_tuple, np.ndarray.reshape, _x23, (6,)),
    (method_reshape_column, np.ndarray.reshape, _x23, (6, 1)),
    (np_ravel, np.ravel, _x23, (6,)), (np_ravel_fortran, np.ravel, _x23, (6,)),
    (method_ravel, np.ndarray.ravel, _t, (24,)), (method_flatten, np.ndarray.flatten, _x23, (6,)),
    (np_transpose, np.transpose, _t, (4, 3, 2)), (np_transpose_axes, np.transpose, _t, (3, 2, 4)),
    (np_transpose_axes_kw, np.transpose, _t, (4, 2, 3)),
    (method_transpose, np.ndarray.transpose, _x23, (3, 2)),
    (method_transpose_args, np.ndarray.transpose, _t, (4, 2, 3)),
    (method_transpose_tuple, np.ndarray.transpose, _x23, (3, 2)),
    (attribute_T, np.ndarray.T, _x23, (3, 2)), (attribute_T, np.ndarray.T, _t, (4, 3, 2)),
]:
    _add(f"{_fn.__name__}[{_tag(np.shape(_x))}]", _fn, (_x, _weight(_out)), (0,), _prim)


# ---------------------------------------------------------------- arguments for the rules added later


def _weighted(name, fn, args, wrt, out, *covers):
    """A case whose function takes the weights of its (non-scalar) result last."""
    _add(name, fn, tuple(args) + (_weight(out),), wrt, *covers)


def _nonzero(shape):
    return _away_from_zero(shape, 0.5, 1.5)


def _distinct(shape, gap=0.15):
    """Values at least ``gap`` apart (no ties for sort, partition, ptp)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * gap * 1.5 + _rng.uniform(-gap / 4, gap / 4, n)
    return _rng.permutation(values).reshape(shape)


def _well_conditioned(n):
    return _num((n, n)) + 3.0 * np.eye(n)


for _fn, _prim, _make in [
    (np_arcsin, np.arcsin, lambda s: _num(s, -0.8, 0.8)), (np_arccos, np.arccos, lambda s: _num(s, -0.8, 0.8)),
    (np_arctanh, np.arctanh, lambda s: _num(s, -0.8, 0.8)), (np_arcsinh, np.arcsinh, _num),
    (np_arccosh, np.arccosh, lambda s: _num(s, 1.2, 3.0)), (np_cbrt, np.cbrt, _away_from_zero),
    (np_exp2, np.exp2, _num), (np_log2, np.log2, lambda s: _num(s, 0.3, 2.0)),
    (np_log10, np.log10, lambda s: _num(s, 0.3, 2.0)), (np_fabs, np.fabs, _away_from_zero),
    (np_sinc, np.sinc, _away_from_zero), (np_deg2rad, np.deg2rad, _num), (np_radians, np.radians, _num),
    (np_rad2deg, np.rad2deg, _num), (np_degrees, np.degrees, _num), (np_conjugate, np.conjugate, _num),
    (np_real, np.real, _num), (np_imag, np.imag, _num),
]:
    _unary_cases(_fn.__name__, _fn, (_prim,), _make, [None, (3,), (2, 3)])
for _fn, _prim in [(method_conj, np.ndarray.conj), (method_conjugate, np.ndarray.conjugate)]:
    _unary_cases(_fn.__name__, _fn, (_prim,), _num, [(3,), (2, 3)])
for _fn, _prim, _mx_, _my_ in [
    (np_arctan2, np.arctan2, _num, _away_from_zero), (np_hypot, np.hypot, _away_from_zero, _away_from_zero),
    (np_logaddexp2, np.logaddexp2, _num, _num), (np_float_power, np.float_power, lambda s: _num(s, 0.5, 2.0), _num),
]:
    _binary_cases(_fn.__name__, _fn, (_prim,), _mx_, _my_)
for _fn, _prim in [(np_fmax, np.fmax), (np_fmin, np.fmin)]:
    for _s in [None, (3,), (2, 3)]:
        _x, _y = _apart(_s)
        _add(f"{_fn.__name__}[{_tag(_s)}]", _fn, (_x, _y, _weight(_shape_of(_x, _y))), (0, 1), _prim)

# reductions
_nz = _nonzero((3, 4))
_add("np_prod", np_prod, (_nz,), (0,), np.prod)
_weighted("np_prod_axis", np_prod_axis, (_nz,), (0,), (4,), np.prod)
_add("method_prod", method_prod, (_nonzero((5,)),), (0,), np.ndarray.prod)
_weighted("method_prod_keepdims", method_prod_keepdims, (_nz,), (0,), (3, 1), np.ndarray.prod)
_weighted("np_cumsum", np_cumsum, (_m,), (0,), (12,), np.cumsum)
_weighted("np_cumsum_axis", np_cumsum_axis, (_m,), (0,), (3, 4), np.cumsum)
_weighted("method_cumsum", method_cumsum, (_m,), (0,), (3, 4), np.ndarray.cumsum)
_weighted("np_cumprod", np_cumprod, (_nonzero((5,)),), (0,), (5,), np.cumprod)
_weighted("method_cumprod", method_cumprod, (_nz,), (0,), (3, 4), np.ndarray.cumprod)
_add("np_std", np_std, (_m,), (0,), np.std)
_weighted("np_std_axis_ddof", np_std_axis_ddof, (_m,), (0,), (4,), np.std)
_add("method_std", method_std, (_t,), (0,), np.ndarray.std)
_add("np_var", np_var, (_m,), (0,), np.var)
_add("np_var_ddof", np_var_ddof, (_num((6,)),), (0,), np.var)
_weighted("method_var_axis", method_var_axis, (_m,), (0,), (3,), np.ndarray.var)
_add("np_ptp", np_ptp, (_distinct((3, 4)),), (0,), np.ptp)
_weighted("np_ptp_axis", np_ptp_axis, (_distinct((3, 4)),), (0,), (3,), np.ptp)
_weighted("np_average", np_average, (_m,), (0,), (4,), np.average)
_add("np_average_weights", np_average_weights, (_m, _num((3, 4), 0.5, 1.5)), (0, 1), np.average)
_sq = _num((3, 3))
_add("np_trace", np_trace, (_sq,), (0,), np.trace)
_add("np_trace_offset", np_trace_offset, (_m,), (0,), np.trace)
_add("method_trace", method_trace, (_sq,), (0,), np.ndarray.trace)
_weighted("np_diagonal", np_diagonal, (_m,), (0,), (3,), np.diagonal)
_weighted("method_diagonal", method_diagonal, (_m,), (0,), (3,), np.ndarray.diagonal)
_add("linalg_norm[vector]", linalg_norm, (_num((4,)),), (0,), np.linalg.norm)
_add("linalg_norm[matrix]", linalg_norm, (_m,), (0,), np.linalg.norm)
_weighted("linalg_norm_axis", linalg_norm_axis, (_m,), (0,), (3,), np.linalg.norm)
_add("linalg_norm_ord1", linalg_norm_ord1, (_away_from_zero((4,)),), (0,), np.linalg.norm)
_add("linalg_vector_norm", linalg_vector_norm, (_m,), (0,), np.linalg.vector_norm)
_weighted("linalg_vector_norm_axis", linalg_vector_norm_axis, (_m,), (0,), (4,), np.linalg.vector_norm)
_add("linalg_matrix_norm", linalg_matrix_norm, (_m,), (0,), np.linalg.matrix_norm)

# shape
_x213 = _num((2, 1, 3))
_weighted("np_squeeze", np_squeeze, (_x213,), (0,), (2, 3), np.squeeze)
_weighted("np_squeeze_axis", np_squeeze_axis, (_x213,), (0,), (2, 3), np.squeeze)
_weighted("method_squeeze", method_squeeze, (_x213,), (0,), (2, 3), np.ndarray.squeeze)
_weighted("np_expand_dims", np_expand_dims, (_x23,), (0,), (2, 1, 3), np.expand_dims)
_weighted("np_swapaxes", np_swapaxes, (_t,), (0,), (4, 3, 2), np.swapaxes)
_weighted("method_swapaxes", method_swapaxes, (_x23,), (0,), (3, 2), np.ndarray.swapaxes)
_weighted("np_moveaxis", np_moveaxis, (_t,), (0,), (3, 4, 2), np.moveaxis)
_weighted("np_matrix_transpose", np_matrix_transpose, (_t,), (0,), (2, 4, 3), np.matrix_transpose)
_weighted("linalg_matrix_transpose", linalg_matrix_transpose, (_x23,), (0,), (3, 2), np.linalg.matrix_transpose)
_weighted("np_flip", np_flip, (_x23,), (0,), (2, 3), np.flip)
_weighted("np_flip_axis", np_flip_axis, (_t,), (0,), (2, 3, 4), np.flip)
_weighted("np_fliplr", np_fliplr, (_x23,), (0,), (2, 3), np.fliplr)
_weighted("np_flipud", np_flipud, (_x23,), (0,), (2, 3), np.flipud)
_weighted("np_rot90", np_rot90, (_x23,), (0,), (3, 2), np.rot90)
_weighted("np_rot90_twice", np_rot90_twice, (_x23,), (0,), (2, 3), np.rot90)
_weighted("np_roll", np_roll, (_x23,), (0,), (2, 3), np.roll)
_weighted("np_roll_axis", np_roll_axis, (_x23,), (0,), (2, 3), np.roll)
_weighted("np_tile", np_tile, (_x23,), (0,), (4, 3), np.tile)
_weighted("np_repeat", np_repeat, (_x23,), (0,), (12,), np.repeat)
_weighted("np_repeat_axis", np_repeat_axis, (_x23,), (0,), (4, 3), np.repeat)
_weighted("method_repeat", method_repeat, (_num((3,)),), (0,), (9,), np.ndarray.repeat)
_weighted("np_broadcast_to", np_broadcast_to, (_num((3,)),), (0,), (2, 3), np.broadcast_to)
_weighted("np_atleast_1d", np_atleast_1d, (0.7,), (0,), (1,), np.atleast_1d)
_weighted("np_atleast_2d", np_atleast_2d, (_num((3,)),), (0,), (1, 3), np.atleast_2d)
_weighted("np_atleast_3d", np_atleast_3d, (_x23,), (0,), (2, 3, 1), np.atleast_3d)
_weighted("np_pad", np_pad, (_x23,), (0,), (4, 5), np.pad)
_weighted("np_pad_widths", np_pad_widths, (_x23,), (0,), (3, 5), np.pad)
_weighted("np_pad_constant", np_pad_constant, (_x23, 0.3), (0, 1), (4, 5), np.pad)
_weighted("np_pad_reflect", np_pad_reflect, (_num((5,)),), (0,), (9,), np.pad)
_weighted("np_pad_edge", np_pad_edge, (_num((4,)),), (0,), (7,), np.pad)
_weighted("np_diag", np_diag, (_num((3,)),), (0,), (3, 3), np.diag)
_weighted("np_diag_offset", np_diag_offset, (_num((3,)),), (0,), (4, 4), np.diag)
_weighted("np_diag_of_matrix", np_diag_of_matrix, (_m,), (0,), (3,), np.diag)
_weighted("np_tril", np_tril, (_m,), (0,), (3, 4), np.tril)
_weighted("np_triu", np_triu, (_m,), (0,), (3, 4), np.triu)
_weighted("np_take", np_take, (_m,), (0,), (3,), np.take)
_weighted("np_take_axis", np_take_axis, (_m,), (0,), (3, 3), np.take)
_weighted("method_take", method_take, (_m,), (0,), (2,), np.ndarray.take)
_idx = np.array([[2, 0], [1, 1], [3, 0]])
_weighted("np_take_along_axis", np_take_along_axis, (_m, _idx), (0,), (3, 2), np.take_along_axis)
_weighted("np_sort", np_sort, (_distinct((2, 5)),), (0,), (2, 5), np.sort)
_weighted("np_sort_axis0", np_sort_axis0, (_distinct((4, 3)),), (0,), (4, 3), np.sort)
_weighted("np_partition", np_partition, (_distinct((6,)),), (0,), (6,), np.partition)
_weighted("np_diff", np_diff, (_num((5,)),), (0,), (4,), np.diff)
_weighted("np_diff_twice", np_diff_twice, (_m,), (0,), (3, 2), np.diff)
_weighted("np_diff_axis0", np_diff_axis0, (_m,), (0,), (2, 4), np.diff)
_weighted("np_diff_prepend", np_diff_prepend, (_num((4,)), 0.4), (0, 1), (4,), np.diff)

# joining and splitting
_a23, _b23, _a3, _b3 = _num((2, 3)), _num((2, 3)), _num((3,)), _num((3,))
_weighted("np_concatenate", np_concatenate, (_a23, _num((1, 3))), (0, 1), (3, 3), np.concatenate)
_weighted("np_concatenate_axis1", np_concatenate_axis1, (_a23, _num((2, 2))), (0, 1), (2, 5), np.concatenate)
_weighted("np_concatenate_flat", np_concatenate_flat, (_a23, _a3), (0, 1), (9,), np.concatenate)
_weighted("np_concatenate[one]", np_concatenate, (_a23, _b23), (1,), (4, 3), np.concatenate)
_weighted("np_stack", np_stack, (_a3, _b3), (0, 1), (2, 3), np.stack)
_weighted("np_stack_axis1", np_stack_axis1, (_a23, _b23), (0, 1), (2, 2, 3), np.stack)
_weighted("np_hstack", np_hstack, (_a23, _num((2, 1))), (0, 1), (2, 4), np.hstack)
_weighted("np_hstack[1d]", np_hstack, (_a3, _num((2,))), (0, 1), (5,), np.hstack)
_weighted("np_vstack", np_vstack, (_a3, _b23), (0, 1), (3, 3), np.vstack)
_weighted("np_dstack", np_dstack, (_a23, _b23), (0, 1), (2, 3, 2), np.dstack)
_weighted("np_column_stack", np_column_stack, (_a3, _b3), (0, 1), (3, 2), np.column_stack)
_weighted("np_column_stack[2d]", np_column_stack, (_a3, _num((3, 2))), (0, 1), (3, 3), np.column_stack)
_add("np_split", np_split, (_num((4, 3)), _weight((2, 3)), _weight((2, 3))), (0,), np.split)
_weighted("np_split_one_used", np_split_one_used, (_num((6,)),), (0,), (2,), np.split)
_weighted("np_array_split", np_array_split, (_num((7,)),), (0,), (2,), np.array_split)
_weighted("np_hsplit", np_hsplit, (_num((3, 4)),), (0,), (3, 2), np.hsplit)
_weighted("np_vsplit", np_vsplit, (_num((4, 3)),), (0,), (2, 3), np.vsplit)
_weighted("np_dsplit", np_dsplit, (_num((2, 2, 4)),), (0,), (2, 2, 2), np.dsplit)

# products
_weighted("np_inner[1d]", np_inner, (_a3, _b3), (0, 1), None, np.inner)
_weighted("np_inner[2d]", np_inner, (_a23, _num((4, 3))), (0, 1), (2, 4), np.inner)
_add("np_vdot", np_vdot, (_a23, _b23), (0, 1), np.vdot)
_weighted("np_kron", np_kron, (_num((2, 2)), _num((2, 3))), (0, 1), (4, 6), np.kron)
_weighted("np_cross", np_cross, (_a3, _b3), (0, 1), (3,), np.cross)
_weighted("np_cross[batched]", np_cross, (_a23, _b23), (0, 1), (2, 3), np.cross)
_weighted("np_tensordot", np_tensordot, (_num((2, 3, 4)), _num((3, 4, 2))), (0, 1), (2, 2), np.tensordot)
_weighted("np_tensordot_axes1", np_tensordot_axes1, (_a23, _num((3, 4))), (0, 1), (2, 4), np.tensordot)
_weighted("np_tensordot_pairs", np_tensordot_pairs, (_num((3, 2)), _num((2, 4, 3))), (0, 1), (4,), np.tensordot)
_weighted("np_einsum_matmul", np_einsum_matmul, (_a23, _num((3, 4))), (0, 1), (2, 4), np.einsum)
_add("np_einsum_trace", np_einsum_trace, (_sq,), (0,), np.einsum)
_weighted("np_einsum_column_sums", np_einsum_column_sums, (_a23,), (0,), (3,), np.einsum)
_weighted("np_einsum_three", np_einsum_three, (_a23, _num((3, 4)), _num((4,))), (0, 1, 2), (2,), np.einsum)

# linear algebra
_weighted("linalg_inv", linalg_inv, (_well_conditioned(3),), (0,), (3, 3), np.linalg.inv)
_add("linalg_det", linalg_det, (_well_conditioned(3),), (0,), np.linalg.det)
_add("linalg_slogdet", linalg_slogdet, (_well_conditioned(3) - 6.0 * np.eye(3),), (0,), np.linalg.slogdet)
_weighted("linalg_solve[vector]", linalg_solve, (_well_conditioned(3), _num((3,))), (0, 1), (3,), np.linalg.solve)
_weighted("linalg_solve[matrix]", linalg_solve, (_well_conditioned(3), _num((3, 2))), (0, 1), (3, 2),
          np.linalg.solve)
_weighted("linalg_cholesky", linalg_cholesky, (_num((3, 3)),), (0,), (3, 3), np.linalg.cholesky)
_sym = np.diag([0.0, 1.0, 2.5]) + 0.1 * _num((3, 3))  # well-separated eigenvalues of m + m.T
_weighted("linalg_eigh", linalg_eigh, (_sym, _weight(3)), (0,), (3, 3), np.linalg.eigh)
_add("linalg_eigvalsh", linalg_eigvalsh, (_sym, _weight(3)), (0,), np.linalg.eigvalsh)
_svd_in = np.diag([3.0, 2.0, 1.0])[:, :2] + 0.1 * _num((3, 2))  # distinct singular values
_weighted("linalg_svd", linalg_svd, (_svd_in, _weight(2)), (0,), (3, 2), np.linalg.svd)
_add("linalg_svd_square", linalg_svd_square, (np.diag([3.0, 2.0, 1.0]) + 0.1 * _num((3, 3)), _weight(3)), (0,),
     np.linalg.svd)
_add("linalg_svd_values", linalg_svd_values, (_svd_in, _weight(2)), (0,), np.linalg.svd)
_add("linalg_svdvals", linalg_svdvals, (_svd_in, _weight(2)), (0,), np.linalg.svdvals)

# copies and constructors
_weighted("np_copy", np_copy, (_x23,), (0,), (2, 3), np.copy)
_weighted("method_copy", method_copy, (_x23,), (0,), (2, 3), np.ndarray.copy)
_weighted("method_astype", method_astype, (_x23,), (0,), (2, 3), np.ndarray.astype)
_add("method_item", method_item, (_num((3,)),), (0,), np.ndarray.item)
_weighted("np_full", np_full, (0.6,), (0,), (2, 3), np.full)
_weighted("np_full_like", np_full_like, (_x23, 0.6), (0, 1), (2, 3), np.full_like)
_add("np_array", np_array, (0.3, -0.8), (0, 1), np.array)
_weighted("np_asarray", np_asarray, (_x23,), (0,), (2, 3), np.asarray)
_weighted("np_asanyarray", np_asanyarray, (_x23,), (0,), (2, 3), np.asanyarray)
_weighted("np_ascontiguousarray", np_ascontiguousarray, (_x23,), (0,), (2, 3), np.ascontiguousarray)


def covered_primitives():
    """Every primitive some case exercises."""
    return {p for case in CASES for p in case.covers}
