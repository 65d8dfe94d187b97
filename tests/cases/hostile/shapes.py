"""Shape traps: positional axis and keepdims, reductions as methods, trace/diagonal on 3-D,
broadcasting against size-1 axes, rank changes."""

import numpy as np

from . import C3, M, MP, Q, S, T, TP, V, V3, VP, Registry

CASES = Registry("shapes")


def positional_axis_keepdims(x):
    a = np.sum(x, 1, keepdims=True)
    b = np.sum(x, 0, keepdims=True)
    return np.sum((a + b) ** 2)


CASES.add(positional_axis_keepdims, M)


def positional_axis_and_keepdims(x):
    a = np.sum(x, 1, None, None, True)
    return np.sum(a * x)


CASES.add(positional_axis_and_keepdims, M)


def mean_positional_axis(x):
    mu = np.mean(x, 0)
    return np.sum((x - mu) ** 2)


CASES.add(mean_positional_axis, M)


def method_sum_positional_axis(x):
    r = x.sum(1)
    return np.sum(r[:, None] * x)


CASES.add(method_sum_positional_axis, M)


def method_mean_keepdims_kw(x):
    mu = x.mean(axis=-1, keepdims=True)
    return np.sum((x - mu) ** 2 * x)


CASES.add(method_mean_keepdims_kw, T)


def method_max_positional(x):
    m = x.max(0)
    return np.sum(m * m)


CASES.add(method_max_positional, M)


def max_keepdims_softmax(x):
    z = x - np.max(x, -1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(-1, keepdims=True)
    return np.sum(p * np.arange(1.0, 5.0))


CASES.add(max_keepdims_softmax, T)


def trace_3d(x):
    return np.sum(np.trace(x) ** 2)


CASES.add(trace_3d, C3)


def trace_3d_axes(x):
    return np.sum(np.trace(x, 0, 1, 2) * np.array([1.0, 2.0, 3.0]))


CASES.add(trace_3d_axes, C3)


def trace_offset(x):
    return np.trace(x, 1) * np.trace(x, -1)


CASES.add(trace_offset, Q)


def diagonal_3d(x):
    d = np.diagonal(x)
    return np.sum(d ** 2 * np.arange(1.0, 4.0))


CASES.add(diagonal_3d, C3)


def diagonal_3d_axes(x):
    d = np.diagonal(x, 0, 1, 2)
    return np.sum(np.sin(d))


CASES.add(diagonal_3d_axes, T)


def method_trace(x):
    return x.trace() ** 2


CASES.add(method_trace, Q)


def method_diagonal_offset(x):
    return np.sum(x.diagonal(1) ** 2)


CASES.add(method_diagonal_offset, M)


def broadcast_column_vector(x):
    c = x[:, :1]
    return np.sum((x - c) ** 2)


CASES.add(broadcast_column_vector, M)


def broadcast_size1_both(x, y):
    return np.sum(np.tanh(x[:, None] * y[None, :]))


CASES.add(broadcast_size1_both, V, V3, wrt=(0, 1))


def broadcast_scalar_array_arg(s, v):
    return np.sum(np.exp(s * v) / (1.0 + s))


CASES.add(broadcast_scalar_array_arg, S, V, wrt=(0, 1))


def broadcast_to_larger_rank(x):
    y = x + np.zeros((3, 1, 4))
    return np.sum(y ** 2 * np.arange(1.0, 4.0)[:, None, None])


CASES.add(broadcast_to_larger_rank, V)


def broadcast_both_ways_3d(a, b):
    return np.sum(np.sin(a[:, :, None] + b[None, :, :]))


CASES.add(broadcast_both_ways_3d, M, np.cos(np.arange(12.0)).reshape(3, 4), wrt=(0, 1))


def reduce_tuple_axis(x):
    s = np.sum(x, (0, 2))
    return np.sum(s * np.array([1.0, -1.0, 2.0]))


CASES.add(reduce_tuple_axis, T)


def reduce_negative_positional(x):
    s = x.sum(-2)
    return np.sum(s ** 2)


CASES.add(reduce_negative_positional, T)


def prod_positional_axis(x):
    return np.sum(np.prod(x, 1))


CASES.add(prod_positional_axis, MP)


def var_positional_axis(x):
    return np.sum(np.var(x, 0))


CASES.add(var_positional_axis, M)


def std_method_positional(x):
    return np.sum(x.std(1))


CASES.add(std_method_positional, M)


def cumsum_positional_axis(x):
    return np.sum(np.cumsum(x, 1) ** 2)


CASES.add(cumsum_positional_axis, M)


def keepdims_positional_mean(x):
    mu = np.mean(x, 2, None, None, True)
    return np.sum((x - mu) ** 2)


CASES.add(keepdims_positional_mean, T)


def reshape_positional_order(x):
    y = np.reshape(x, (4, 6), "F")
    return np.sum(y * np.arange(6.0))


CASES.add(reshape_positional_order, T)


def squeeze_then_broadcast(x):
    s = np.sum(x, axis=1, keepdims=True)
    return np.sum(np.squeeze(s) * V3[:2].sum() + s)


CASES.add(squeeze_then_broadcast, M)


def matmul_vector_matrix(x, A):
    return np.sum((x @ A) ** 2)


CASES.add(matmul_vector_matrix, V3, Q, wrt=(0, 1))


def batched_matmul_3d(a):
    return np.sum(a @ np.swapaxes(a, 1, 2))


CASES.add(batched_matmul_3d, T)


def einsum_trace_batch(x):
    return np.sum(np.einsum("iji->j", x) ** 2)


CASES.add(einsum_trace_batch, C3)


def sum_axis_none_positional(x):
    return np.sum(x, None) * np.mean(x, None)


CASES.add(sum_axis_none_positional, T)


def scalar_times_0d_array(s):
    a = np.array(s)
    return float(np.sum(a * 3.0 + a ** 2))


CASES.add(scalar_times_0d_array, S)


def amax_positional_axis(x):
    return np.sum(np.amax(x, 0) * np.amin(x, 1)[:, None].sum())


CASES.add(amax_positional_axis, M)


def linalg_norm_positional_axis(x):
    return np.sum(np.linalg.norm(x, None, 1))


CASES.add(linalg_norm_positional_axis, M)


SQ = np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]])


def keepdims_as_int(x):
    a = x.sum(axis=0, keepdims=1)
    return np.sum((a - x) ** 2)


CASES.add(keepdims_as_int, M)


def tuple_axis_length_one(x):
    s = np.sum(x, axis=(1,), keepdims=True)
    return np.sum(s * x)


CASES.add(tuple_axis_length_one, M)


def square_row_plus_column_sums(x):
    return np.sum((np.sum(x, 0) + np.sum(x, 1)) ** 2)


CASES.add(square_row_plus_column_sums, SQ)


def square_transpose_confusion(x):
    return np.sum(x * x.T * np.arange(9.0).reshape(3, 3))


CASES.add(square_transpose_confusion, SQ)


def reshape_column_plus_row(a, b):
    return np.sum(np.tanh(a.reshape(-1, 1) + b.reshape(1, -1)))


CASES.add(reshape_column_plus_row, V, V3, wrt=(0, 1))


def concatenate_positional_axis(a, b):
    c = np.concatenate([a, b], 1)
    return np.sum(c ** 2 * np.arange(6.0))


CASES.add(concatenate_positional_axis, M, MP, wrt=(0, 1))


def stack_positional_axis(a, b):
    s = np.stack([a, b], 1)
    return np.sum(s * np.array([[1.0, 2.0]]))


CASES.add(stack_positional_axis, V3, V3 * 2.0, wrt=(0, 1))


def squeeze_positional_axis(x):
    y = x[None, :, :]
    return np.sum(np.squeeze(y, 0) * np.arange(3.0))


CASES.add(squeeze_positional_axis, M)


def expand_dims_positional(x):
    return np.sum(np.expand_dims(x, 1) * np.arange(3.0) * x[:, None])


CASES.add(expand_dims_positional, V)


def diff_positional_n_axis(x):
    return np.sum(np.diff(x, 1, 0) ** 2)


CASES.add(diff_positional_n_axis, T)


def var_positional_ddof(x):
    return np.sum(np.var(x, 1, None, None, 1))


CASES.add(var_positional_ddof, M)


def std_positional_ddof_all(x):
    return np.std(x, None, None, None, 1)


CASES.add(std_positional_ddof_all, T)


def sum_positional_dtype(x):
    return np.sum(np.sum(x, 0, float) ** 2)


CASES.add(sum_positional_dtype, M)


def keepdims_all_axes(x):
    s = np.sum(x, axis=None, keepdims=True)
    return np.sum(s * x)


CASES.add(keepdims_all_axes, T)


def method_sum_keepdims_no_axis(x):
    return np.sum(x / x.sum(keepdims=True) * np.arange(6.0).reshape(2, 3))


CASES.add(method_sum_keepdims_no_axis, MP)


def norm_keepdims_normalize(x):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.sum(x / n * np.array([1.0, 2.0, 3.0]))


CASES.add(norm_keepdims_normalize, M)


def transpose_axes_positional_3d(x):
    y = np.transpose(x, (1, 0, 2))
    return np.sum(y[0] ** 2) + np.sum(y * np.arange(4.0))


CASES.add(transpose_axes_positional_3d, T)


def method_transpose_varargs(x):
    y = x.transpose(2, 0, 1)
    return np.sum(y[1] * y[2])


CASES.add(method_transpose_varargs, T)


def take_positional_axis(x):
    return np.sum(np.take(x, [0, 2, 2], 1) ** 2)


CASES.add(take_positional_axis, M)


def sort_positional_axis(x):
    return np.sum(np.sort(x, 0) * np.array([[1.0], [3.0]]))


CASES.add(sort_positional_axis, M)


def roll_flip_positional(x):
    return np.sum(np.roll(x, 1, 0) * np.flip(x, 1) * np.arange(3.0))


CASES.add(roll_flip_positional, M)


def repeat_tile_positional(x):
    return np.sum(np.repeat(x, 2, 0) * np.tile(x, (2, 1)))


CASES.add(repeat_tile_positional, M)


def trace_offset_axes_3d(x):
    return np.sum(np.trace(x, 0, 0, 2) ** 2)


CASES.add(trace_offset_axes_3d, C3)


def trace_keywords_3d(x):
    return np.sum(np.trace(x, axis1=1, axis2=2) * np.array([1.0, -1.0]))


CASES.add(trace_keywords_3d, T)


def diagonal_offset_axes_3d(x):
    return np.sum(np.diagonal(x, 1, 0, 2) ** 2)


CASES.add(diagonal_offset_axes_3d, T)


def method_diagonal_3d_axes(x):
    return np.sum(x.diagonal(0, 0, 1) * x.diagonal(0, 1, 2))


CASES.add(method_diagonal_3d_axes, C3)


def einsum_rowwise_dot(a, b):
    return np.sum(np.einsum("ij,ij->i", a, b) ** 2)


CASES.add(einsum_rowwise_dot, M, MP, wrt=(0, 1))


def matvec_both_sides(A, x):
    return (x @ A @ x) + np.sum(A @ x)


CASES.add(matvec_both_sides, SQ, V3, wrt=(0, 1))


def ufunc_outer_and_reduce(x, y):
    return np.sum(np.multiply.outer(x, y) ** 2) + np.add.reduce(x * 2.0)


CASES.add(ufunc_outer_and_reduce, V, V3, wrt=(0, 1))


def mean_of_mean_broadcast(x):
    return np.sum((x.mean(0) - x.mean(1)[:, None]) ** 2)


CASES.add(mean_of_mean_broadcast, M)


def numpy_scalar_times_array(x):
    k = np.float64(2.5)
    return np.sum(k * x + x.size * x)


CASES.add(numpy_scalar_times_array, T)


def average_weights_positional(x):
    return np.sum(np.average(x, 1, np.array([1.0, 2.0, 3.0])) ** 2)


CASES.add(average_weights_positional, M)


def cumprod_positional_3d(x):
    return np.sum(np.cumprod(x, 2))


CASES.add(cumprod_positional_3d, TP)


def reshape_minus_one_partial(x):
    y = x.reshape(x.shape[0], -1)
    return np.sum(y @ y.T)


CASES.add(reshape_minus_one_partial, T)


def pad_constant_positional(x):
    return np.sum(np.pad(x, 1) * np.arange(20.0).reshape(4, 5))


CASES.add(pad_constant_positional, M)


ROW = np.array([[0.3, -0.8, 1.1, 0.45]])              # shape (1, 4): broadcasts against (3, 4)
BLOCK = np.cos(np.arange(12.0)).reshape(3, 4)


def size_one_leading_dim_argument(x, y):
    return np.sum(np.tanh(x + y) ** 2)


CASES.add(size_one_leading_dim_argument, ROW, BLOCK, wrt=(0, 1))


def inplace_add_broadcast_operand(x, y):
    z = x.copy()
    z += y
    return np.sum(z ** 2)


CASES.add(inplace_add_broadcast_operand, BLOCK, V, wrt=(0, 1))


def where_broadcast_all_three(c, x, y):
    return np.sum(np.where(c > 0.0, x, y) ** 2)


CASES.add(where_broadcast_all_three, np.array([[1.0], [-1.0], [2.0]]), ROW, BLOCK, wrt=(1, 2))


def maximum_broadcast(x, y):
    return np.sum(np.maximum(x, y) ** 2)


CASES.add(maximum_broadcast, np.array([[0.1], [0.5], [-0.2]]), V, wrt=(0, 1))


def matmul_batch_broadcast(a, b):
    return np.sum(np.tanh(a @ b))


CASES.add(matmul_batch_broadcast, T, np.sin(np.arange(20.0)).reshape(4, 5), wrt=(0, 1))


def clip_array_bounds_broadcast(x, lo):
    return np.sum(np.clip(x, lo, 2.0) ** 2)


CASES.add(clip_array_bounds_broadcast, BLOCK, np.array([[0.0, -0.5, 0.1, -2.0]]), wrt=(0, 1))


def argument_used_only_for_shape(x, y):
    return np.sum(y ** 2) + 0.0 * x.size + np.sum(np.zeros_like(x))


CASES.add(argument_used_only_for_shape, M, V, wrt=(0, 1))


def unused_argument(x, y):
    return np.sum(np.exp(y))


CASES.add(unused_argument, T, V, wrt=(0, 1))


def integer_output_count(x):
    return np.sum(x > 0.0)


CASES.add(integer_output_count, V)


def scalar_and_size_one_array(s, r):
    return np.sum(np.sin(s * r + BLOCK))


CASES.add(scalar_and_size_one_array, S, ROW, wrt=(0, 1))


def einsum_broadcast_ellipsis_free(a, b):
    return np.sum(np.einsum("ij,kj->ik", a, b) ** 2)


CASES.add(einsum_broadcast_ellipsis_free, M, BLOCK[:, :3], wrt=(0, 1))


def reduce_then_broadcast_back(x):
    mu = x.mean(axis=(0, 2), keepdims=True)
    sd = x.std(axis=(0, 2), keepdims=True)
    return np.sum(((x - mu) / sd) ** 3)


CASES.add(reduce_then_broadcast_back, T)
