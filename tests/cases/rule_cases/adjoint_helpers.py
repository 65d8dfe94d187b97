"""Cases for ``sourcegrad/rules/adjoint_helpers.py``: the runtime helpers generated adjoints call, differentiated
in the adjoint ``g`` they pass on and in the operands of the products (what a second derivative goes through)."""

import numpy as np

from sourcegrad.rules.kernels import (added_value_transpose, grad_added_value, grad_astype, grad_cumsum, grad_diag,
                                     grad_diagonal, grad_inner_lhs, grad_inner_rhs, grad_kron_lhs, grad_kron_rhs,
                                     grad_repeat, grad_take, grad_take_along_axis, grad_tile, grad_trace,
                                     grad_updated_value, unarray, unreshape, untranspose, updated_value_transpose,
                                     without_index)
from sourcegrad.runtime.helpers import (expand_reduced, grad_dot_lhs, grad_dot_rhs, grad_matmul_lhs, grad_matmul_rhs,
                                        grad_tensordot_lhs, grad_tensordot_rhs, matrix_product, rebroadcast,
                                        rereshape, unbroadcast, unindex)

from ._base import case, uniform, weights


def unbroadcast_case(g, x, c):
    return np.sum(unbroadcast(g, x) * c)


def rebroadcast_case(g, like, c):
    return np.sum(rebroadcast(g, like) * c)


def expand_reduced_case(g, x, c, axis, keepdims):
    return np.sum(expand_reduced(g, x, axis, keepdims) * c)


def unindex_case(g, x, c, idx):
    return np.sum(unindex(g, x, idx) * c)


def grad_matmul_lhs_case(g, a, b, c):
    return np.sum(grad_matmul_lhs(g, a, b) * c)


def grad_matmul_rhs_case(g, a, b, c):
    return np.sum(grad_matmul_rhs(g, a, b) * c)


def grad_dot_lhs_case(g, a, b, c):
    return np.sum(grad_dot_lhs(g, a, b) * c)


def grad_dot_rhs_case(g, a, b, c):
    return np.sum(grad_dot_rhs(g, a, b) * c)


def matrix_product_case(a, b, c):
    return np.sum(matrix_product(a, b) * c)


def untranspose_case(g, c, axes):
    return np.sum(untranspose(g, axes) * c)


def unreshape_case(g, a, c, order):
    return np.sum(unreshape(g, a, order) * c)


def rereshape_case(g, like, a, c, order):
    return np.sum(rereshape(g, like, a, order) * c)


for gs, xs in [((2, 3), (3,)), ((2, 3), (2, 1)), ((4,), ()), ((2, 3), (2, 3))]:
    case(f"unbroadcast[{gs}->{xs}]", unbroadcast_case, (uniform(gs), uniform(xs), weights(xs)), (0,),
         unbroadcast)
    case(f"rebroadcast[{xs}->{gs}]", rebroadcast_case, (uniform(xs), uniform(gs), weights(gs)), (0,),
         rebroadcast)
for xs, axis, keepdims in [((2, 3), None, False), ((2, 3), 1, False), ((2, 3, 2), (0, 2), True), ((4,), 0, True)]:
    reduced = np.sum(np.zeros(xs), axis=axis, keepdims=keepdims)
    case(f"expand_reduced[{xs},{axis},{keepdims}]", expand_reduced_case,
         (uniform(np.shape(reduced)), uniform(xs), weights(xs), axis, keepdims), (0,), expand_reduced)
for xs, idx in [((5,), 2), ((5,), slice(1, 4)), ((3, 4), (1, slice(None))), ((5,), [0, 2, 2])]:
    picked = np.zeros(xs)[idx]
    case(f"unindex[{xs},{idx}]", unindex_case, (uniform(np.shape(picked)), uniform(xs), weights(xs), idx), (0,),
         unindex)
for sa, sb in [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 2, 3), (3, 2)), ((), (3,))]:
    a, b = uniform(sa), uniform(sb)
    out = np.shape(matrix_product(a, b))
    g = uniform(out)
    case(f"grad_matmul_lhs[{sa},{sb}]", grad_matmul_lhs_case, (g, a, b, weights(sa)), (0, 2), grad_matmul_lhs)
    case(f"grad_matmul_rhs[{sa},{sb}]", grad_matmul_rhs_case, (g, a, b, weights(sb)), (0, 1), grad_matmul_rhs)
    case(f"matrix_product[{sa},{sb}]", matrix_product_case, (a, b, weights(out)), (0, 1), matrix_product)
for sa, sb in [((2, 3), (3, 4)), ((2, 2, 3), (3, 2))]:
    a, b = uniform(sa), uniform(sb)
    g = uniform(np.shape(np.dot(a, b)))
    case(f"grad_dot_lhs[{sa},{sb}]", grad_dot_lhs_case, (g, a, b, weights(sa)), (0, 2), grad_dot_lhs)
    case(f"grad_dot_rhs[{sa},{sb}]", grad_dot_rhs_case, (g, a, b, weights(sb)), (0, 1), grad_dot_rhs)
for gs, axes in [((2, 3, 4), (2, 0, 1)), ((2, 3), None), ((2, 3, 4), ((1, 2, 0),))]:
    case(f"untranspose[{gs},{axes}]", untranspose_case,
         (uniform(gs), weights(np.shape(untranspose(np.zeros(gs), axes))), axes), (0,), untranspose)
for order in ("C", "F", "A"):
    a = np.asfortranarray(uniform((2, 3))) if order == "A" else uniform((2, 3))
    case(f"unreshape[{order}]", unreshape_case, (uniform((6,)), a, weights((2, 3)), order), (0,), unreshape)
    case(f"rereshape[{order}]", rereshape_case, (uniform((2, 3)), uniform((6,)), a, weights((6,)), order), (0,),
         rereshape)


def inner_lhs_case(g, a, b, c):
    return np.sum(grad_inner_lhs(g, a, b) * c)


def inner_rhs_case(g, a, b, c):
    return np.sum(grad_inner_rhs(g, a, b) * c)


def kron_lhs_case(g, a, b, c):
    return np.sum(grad_kron_lhs(g, a, b) * c)


def kron_rhs_case(g, a, b, c):
    return np.sum(grad_kron_rhs(g, a, b) * c)


def tensordot_lhs_case(g, a, b, c, axes):
    return np.sum(grad_tensordot_lhs(g, a, b, axes) * c)


def tensordot_rhs_case(g, a, b, c, axes):
    return np.sum(grad_tensordot_rhs(g, a, b, axes) * c)


for lhs, rhs, forward, shapes in [(inner_lhs_case, inner_rhs_case, np.inner, [((2, 3), (4, 3)), ((), (3,))]),
                                  (kron_lhs_case, kron_rhs_case, np.kron, [((2, 3), (2, 2)), ((3,), (2, 1))])]:
    for sa, sb in shapes:
        a, b = uniform(sa), uniform(sb)
        g = uniform(np.shape(forward(a, b)))
        helpers = (grad_inner_lhs, grad_inner_rhs) if forward is np.inner else (grad_kron_lhs, grad_kron_rhs)
        case(f"{helpers[0].__name__}[{sa},{sb}]", lhs, (g, a, b, weights(sa)), (0, 2), helpers[0])
        case(f"{helpers[1].__name__}[{sa},{sb}]", rhs, (g, a, b, weights(sb)), (0, 1), helpers[1])
for sa, sb, axes in [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), ([1], [0])), ((2, 3), (4,), 0)]:
    a, b = uniform(sa), uniform(sb)
    g = uniform(np.shape(np.tensordot(a, b, axes)))
    case(f"grad_tensordot_lhs[{sa},{sb},{axes}]", tensordot_lhs_case, (g, a, b, weights(sa), axes), (0, 2),
         grad_tensordot_lhs)
    case(f"grad_tensordot_rhs[{sa},{sb},{axes}]", tensordot_rhs_case, (g, a, b, weights(sb), axes), (0, 1),
         grad_tensordot_rhs)


def take_case(g, a, c, indices, axis, mode):
    return np.sum(grad_take(g, a, indices, axis, mode) * c)


def take_along_axis_case(g, arr, c, indices, axis):
    return np.sum(grad_take_along_axis(g, arr, indices, axis) * c)


def cumsum_case(g, x, c, axis):
    return np.sum(grad_cumsum(g, x, axis) * c)


def trace_case(g, x, c, offset, axis1, axis2):
    return np.sum(grad_trace(g, x, offset, axis1, axis2) * c)


def diagonal_case(g, x, c, offset, axis1, axis2):
    return np.sum(grad_diagonal(g, x, offset, axis1, axis2) * c)


def diag_case(g, v, c, k):
    return np.sum(grad_diag(g, v, k) * c)


def repeat_case(g, a, c, repeats, axis):
    return np.sum(grad_repeat(g, a, repeats, axis) * c)


def tile_case(g, a, c, reps):
    return np.sum(grad_tile(g, a, reps) * c)


def without_index_case(g, c, index):
    return np.sum(without_index(g, index) * c)


def updated_value_case(g, x, value, c, index):
    return np.sum(grad_updated_value(g, x, index, value) * c)


def updated_value_transpose_case(g, like, x, value, c, index):
    return np.sum(updated_value_transpose(g, like, x, index, value) * c)


def added_value_case(g, a, value, c, index):
    return np.sum(grad_added_value(g, a, index, value) * c)


def added_value_transpose_case(g, like, a, c, index):
    return np.sum(added_value_transpose(g, like, a, index) * c)


for shape, indices, axis, mode in [((5,), [0, 3, 3], None, "raise"), ((3, 4), [1, -1], 1, "raise"),
                                   ((3, 4), [0, 5], 0, "wrap")]:
    taken = np.take(np.zeros(shape), indices, axis=axis, mode=mode)
    case(f"grad_take[{shape},{axis},{mode}]", take_case,
         (uniform(np.shape(taken)), uniform(shape), weights(shape), indices, axis, mode), (0,), grad_take)
for shape, indices, axis in [((3, 4), np.array([[0, 2], [1, 1], [3, 0]]), 1), ((5,), np.array([4, 0, 0]), None)]:
    taken = np.take_along_axis(np.zeros(shape), indices, axis)
    case(f"grad_take_along_axis[{shape},{axis}]", take_along_axis_case,
         (uniform(np.shape(taken)), uniform(shape), weights(shape), indices, axis), (0,), grad_take_along_axis)
for shape, axis in [((2, 3), 1), ((2, 3), None)]:
    out = np.cumsum(np.zeros(shape), axis=axis)
    case(f"grad_cumsum[{shape},{axis}]", cumsum_case, (uniform(np.shape(out)), uniform(shape), weights(shape), axis),
         (0,), grad_cumsum)
for shape, offset, a1, a2 in [((3, 4), 0, 0, 1), ((2, 3, 3), 1, 1, 2)]:
    out = np.trace(np.zeros(shape), offset, a1, a2)
    case(f"grad_trace[{shape},{offset}]", trace_case,
         (uniform(np.shape(out)), uniform(shape), weights(shape), offset, a1, a2), (0,), grad_trace)
    out = np.diagonal(np.zeros(shape), offset, a1, a2)
    case(f"grad_diagonal[{shape},{offset}]", diagonal_case,
         (uniform(np.shape(out)), uniform(shape), weights(shape), offset, a1, a2), (0,), grad_diagonal)
for shape, k in [((3,), 1), ((3, 3), 0), ((3, 4), -1)]:
    out = np.diag(np.zeros(shape), k)
    case(f"grad_diag[{shape},{k}]", diag_case, (uniform(np.shape(out)), uniform(shape), weights(shape), k), (0,),
         grad_diag)
for shape, repeats, axis in [((2, 3), 2, 1), ((2, 3), [1, 3], 0), ((2, 3), 2, None)]:
    out = np.repeat(np.zeros(shape), repeats, axis)
    case(f"grad_repeat[{shape},{repeats},{axis}]", repeat_case,
         (uniform(np.shape(out)), uniform(shape), weights(shape), repeats, axis), (0,), grad_repeat)
for shape, reps in [((2, 3), (2, 1)), ((3,), (2, 2))]:
    out = np.tile(np.zeros(shape), reps)
    case(f"grad_tile[{shape},{reps}]", tile_case, (uniform(np.shape(out)), uniform(shape), weights(shape), reps), (0,),
         grad_tile)
for shape, index, value_shape in [((5,), slice(1, 3), (2,)), ((3, 4), (1, slice(None)), ()),
                                  ((5,), [0, 2, 0], (3,))]:
    x, g = uniform(shape), uniform(shape)
    value = uniform(value_shape)
    case(f"without_index[{shape},{index}]", without_index_case, (g, weights(shape), index), (0,), without_index)
    case(f"grad_updated_value[{shape},{index}]", updated_value_case, (g, x, value, weights(value_shape), index), (0,),
         grad_updated_value)
    case(f"updated_value_transpose[{shape},{index}]", updated_value_transpose_case,
         (value, g, x, value, weights(shape), index), (0,), updated_value_transpose)
    case(f"grad_added_value[{shape},{index}]", added_value_case, (g, x, value, weights(value_shape), index), (0,),
         grad_added_value)
    case(f"added_value_transpose[{shape},{index}]", added_value_transpose_case,
         (value, g, x, weights(shape), index), (0,), added_value_transpose)


def unarray_case(g, obj, c, dtype):
    return np.sum(unarray(g, obj, dtype) * c)


def grad_astype_case(g, x, c, dtype):
    return np.sum(grad_astype(g, x, dtype) * c)


for g_shape, obj, dtype in [((3,), [0.5, 1.0, 2.0], None), ((2, 2), np.zeros((2, 2)), "float64"),
                            ((6,), np.zeros((2, 3)), None), ((3,), [1, 2, 3], int)]:
    case(f"unarray[{g_shape},{np.shape(obj)},{dtype}]", unarray_case,
         (uniform(g_shape), obj, weights(np.shape(obj)), dtype), (0,), unarray)
for shape, dtype in [((2, 3), np.float64), ((4,), np.float32), ((3,), np.int64)]:
    case(f"grad_astype[{shape},{np.dtype(dtype).name}]", grad_astype_case,
         (uniform(shape), uniform(shape), weights(shape), dtype), (0,), grad_astype)
