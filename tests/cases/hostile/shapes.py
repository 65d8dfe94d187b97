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
