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
                               inverse_axes, matrix_product, reading_order, rebroadcast, rereshape, unbroadcast, unindex,
                               unreshape, untranspose)
from .registry import VJP_RULES, nondifferentiable, vjp_rule

# results that are constants or depend only on shapes, dtypes and comparisons
nondifferentiable(helpers.zeros_like, helpers.float_dtype, helpers.reduced_size, helpers.max_mask,
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
    return g[idx], None, None


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


def first_order_only(helper):
    """Why a call of ``helper`` (a runtime helper without a rule) cannot be differentiated: the message names the
    first-order rules whose adjoints call it."""
    name = getattr(helper, "__name__", repr(helper))
    users = sorted({rule.name for rule in VJP_RULES.values()
                    if name in getattr(rule.fn, "__code__", None).co_names
                    and rule.fn.__globals__.get(name) is helper})
    what = f"the derivative rule of {', '.join(users[:6])}{' ...' if len(users) > 6 else ''}" if users \
        else "generated adjoint code"
    return (f"higher-order derivatives: {what} calls sourcegrad's helper {name}(), which has no derivative rule "
            f"yet, so this rule stays first order and cannot be differentiated again")
