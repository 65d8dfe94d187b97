"""Derivative rules of the runtime helpers that generated adjoints and first-order rules call.

Higher order in source mode differentiates generated adjoint code again, so every helper that code calls needs a
rule in the one table. Most helpers are linear in their first argument ``g`` (the adjoint they pass on), and
their rule in ``g`` is the transpose of that linear map: ``unbroadcast`` <-> ``rebroadcast``, ``expand_reduced``
<-> ``np.sum``, ``unindex`` <-> indexing, the matrix-product adjoints <-> the product. Arguments that only
give a shape (the ``x`` of ``unbroadcast(g, x)``) carry no derivative. A helper with no rule here stays first
order: differentiating through it declines with ``first_order_only``'s message, never a silent zero.
"""

import numpy as np

from ..runtime import helpers
from ..runtime.helpers import (expand_reduced, grad_dot_lhs, grad_dot_rhs, grad_matmul_lhs, grad_matmul_rhs,
                               grad_tensordot_lhs, grad_tensordot_rhs, inverse_axes, matrix_product, reading_order,
                               rebroadcast, rereshape, unbroadcast, unindex)
from .kernels import (added_value_transpose, grad_added_value, grad_astype, grad_cumsum, grad_diag, grad_diagonal,
                      grad_inner_lhs, grad_inner_rhs, grad_kron_lhs, grad_kron_rhs, grad_repeat, grad_take,
                      grad_take_along_axis, grad_tile, grad_trace, grad_updated_value, max_mask, unarray, unreshape,
                      untranspose, updated_value_transpose, without_index)
from .registry import VJP_RULES, nondifferentiable, vjp_rule

# results that are constants or depend only on shapes, dtypes and comparisons
nondifferentiable(helpers.zeros_like, helpers.float_dtype, helpers.reduced_size, max_mask,
                  helpers.inverse_axes, helpers.reading_order)


@vjp_rule(unbroadcast)
def unbroadcast_rule(g, ans, gin, x):
    return rebroadcast(g, gin), None


@vjp_rule(rebroadcast)
def rebroadcast_rule(g, ans, gin, like):
    return unbroadcast(g, gin), None


@vjp_rule(expand_reduced)
def expand_reduced_rule(g, ans, gin, x, axis=None, keepdims=False):
    return unbroadcast(np.sum(g, axis=axis, keepdims=keepdims), gin), None, None, None


@vjp_rule(unindex)
def unindex_rule(g, ans, gin, x, idx):
    return unbroadcast(g[idx], gin), None, None   # (gin may broadcast to x[idx])


@vjp_rule(grad_matmul_lhs)
def grad_matmul_lhs_rule(g, ans, gin, a, b):
    return matrix_product(g, b), None, grad_matmul_rhs(gin, g, b)


@vjp_rule(grad_matmul_rhs)
def grad_matmul_rhs_rule(g, ans, gin, a, b):
    return matrix_product(a, g), grad_matmul_lhs(gin, a, g), None


@vjp_rule(matrix_product)
def matrix_product_rule(g, ans, a, b):
    return grad_matmul_lhs(g, a, b), grad_matmul_rhs(g, a, b)


@vjp_rule(grad_dot_lhs)
def grad_dot_lhs_rule(g, ans, gin, a, b):
    return np.dot(g, b), None, grad_dot_rhs(gin, g, b)


@vjp_rule(grad_dot_rhs)
def grad_dot_rhs_rule(g, ans, gin, a, b):
    return np.dot(a, g), grad_dot_lhs(gin, a, g), None


@vjp_rule(untranspose)
def untranspose_rule(g, ans, gin, axes):
    return untranspose(g, inverse_axes(axes)), None


@vjp_rule(unreshape)
def unreshape_rule(g, ans, gin, a, order):
    return rereshape(g, gin, a, order), None, None


@vjp_rule(rereshape)
def rereshape_rule(g, ans, gin, like, a, order):
    return unreshape(g, gin, reading_order(a, order)), None, None, None


@vjp_rule(grad_tensordot_lhs)
def grad_tensordot_lhs_rule(g, ans, gin, a, b, axes=2):
    return np.tensordot(g, b, axes), None, grad_tensordot_rhs(gin, g, b, axes), None


@vjp_rule(grad_tensordot_rhs)
def grad_tensordot_rhs_rule(g, ans, gin, a, b, axes=2):
    return np.tensordot(a, g, axes), grad_tensordot_lhs(gin, a, g, axes), None, None


@vjp_rule(grad_inner_lhs)
def grad_inner_lhs_rule(g, ans, gin, a, b):
    return np.inner(g, b), None, grad_inner_rhs(gin, g, b)


@vjp_rule(grad_inner_rhs)
def grad_inner_rhs_rule(g, ans, gin, a, b):
    return np.inner(a, g), grad_inner_lhs(gin, a, g), None


@vjp_rule(grad_kron_lhs)
def grad_kron_lhs_rule(g, ans, gin, a, b):
    return np.kron(g, b), None, grad_kron_rhs(gin, g, b)


@vjp_rule(grad_kron_rhs)
def grad_kron_rhs_rule(g, ans, gin, a, b):
    return np.kron(a, g), grad_kron_lhs(gin, a, g), None


# ---- linear in g, the other arguments giving only shapes and indices: the transpose is the forward operation


@vjp_rule(grad_take)
def grad_take_rule(g, ans, gin, a, indices, axis=None, mode="raise"):
    return unbroadcast(np.take(g, indices, axis=axis, mode=mode), gin), None, None, None, None


@vjp_rule(grad_take_along_axis)
def grad_take_along_axis_rule(g, ans, gin, arr, indices, axis=-1):
    return unbroadcast(np.take_along_axis(g, indices, axis), gin), None, None, None


@vjp_rule(grad_cumsum)
def grad_cumsum_rule(g, ans, gin, x, axis=None):
    return np.cumsum(g, axis=axis), None, None


@vjp_rule(grad_trace)
def grad_trace_rule(g, ans, gin, x, offset=0, axis1=0, axis2=1):
    return np.trace(g, offset, axis1, axis2), None, None, None, None


@vjp_rule(grad_diagonal)
def grad_diagonal_rule(g, ans, gin, x, offset=0, axis1=0, axis2=1):
    return unbroadcast(np.diagonal(g, offset, axis1, axis2), gin), None, None, None, None


@vjp_rule(grad_diag)
def grad_diag_rule(g, ans, gin, v, k=0):
    return grad_diag(g, gin, k), None, None


@vjp_rule(grad_repeat)
def grad_repeat_rule(g, ans, gin, a, repeats, axis=None):
    return np.repeat(g, repeats, axis), None, None, None


@vjp_rule(grad_tile)
def grad_tile_rule(g, ans, gin, a, reps):
    return np.tile(g, reps), None, None


@vjp_rule(unarray)
def unarray_rule(g, ans, gin, obj, dtype=None):
    # gin reshaped to obj's shape (zero for an integer dtype): back to gin's shape, zero the same way
    return np.reshape(unarray(g, gin, dtype), np.shape(gin)), None, None


@vjp_rule(grad_astype)
def grad_astype_rule(g, ans, gin, x, dtype):
    # gin cast to x's floating dtype (zero for an integer cast): cast back to gin's, zero the same way
    return grad_astype(g, gin, dtype), None, None


# ---- item assignment (y[i] = v and np.add.at on local arrays, written as updated / added_at)


@vjp_rule(without_index)
def without_index_rule(g, ans, gin, index):
    return without_index(g, index), None


@vjp_rule(grad_updated_value)
def grad_updated_value_rule(g, ans, gin, x, index, value):
    return updated_value_transpose(g, gin, x, index, value), None, None, None


@vjp_rule(updated_value_transpose)
def updated_value_transpose_rule(g, ans, gin, like, x, index, value):
    return grad_updated_value(g, x, index, gin), None, None, None, None


@vjp_rule(grad_added_value)
def grad_added_value_rule(g, ans, gin, a, index, value):
    return added_value_transpose(g, gin, a, index), None, None, None


@vjp_rule(added_value_transpose)
def added_value_transpose_rule(g, ans, gin, like, a, index):
    return grad_added_value(g, a, index, gin), None, None, None


def rules_calling(helper):
    """The names of the primitives whose derivative rules call ``helper`` (sorted)."""
    name = getattr(helper, "__name__", repr(helper))
    return sorted({rule.name for rule in VJP_RULES.values()
                   if name in getattr(rule.fn, "__code__", None).co_names
                   and rule.fn.__globals__.get(name) is helper})


def first_order_only(helper):
    """Why a call of ``helper`` (a function of sourcegrad's own without a rule) cannot be differentiated: the message
    names the first-order rules whose adjoints call it."""
    name = getattr(helper, "__name__", repr(helper))
    users = rules_calling(helper)
    if not users:
        return (f"sourcegrad's {name}() is not differentiated in source mode (of sourcegrad's own functions, only "
                "gradient functions, sg.grad(f), are, and the runtime helpers with rules)")
    what = f"the derivative rule of {', '.join(users[:6])}{' ...' if len(users) > 6 else ''}"
    return (f"higher-order derivatives: {what} calls sourcegrad's helper {name}(), which has no derivative rule "
            f"yet, so this rule stays first order and cannot be differentiated again")
