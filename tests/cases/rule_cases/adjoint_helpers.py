"""Cases for ``sourcegrad/rules/adjoint_helpers.py``: the runtime helpers generated adjoints call, differentiated
in the adjoint ``g`` they pass on and in the operands of the products (what a second derivative goes through)."""

import numpy as np

from sourcegrad.runtime.helpers import (expand_reduced, grad_dot_lhs, grad_dot_rhs, grad_matmul_lhs,
                                        grad_matmul_rhs, matrix_product, rebroadcast, rereshape, unbroadcast,
                                        unindex, unreshape, untranspose)

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
