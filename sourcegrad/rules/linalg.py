"""Derivative rules for linear algebra: products, ``einsum``, ``kron`` and ``np.linalg``.

Same conventions as ``numpy.py``: straight-line bodies that the source transformer inlines, helpers
from ``kernels.py`` for anything with a branch, ``ans`` reused where it saves work.
Functions with several outputs (``slogdet``, ``eigh``, full ``svd``) receive ``g`` as a tuple with
one adjoint per output (zeros for outputs nobody used) and ``ans`` as the tuple of outputs.

Assumptions, as in autograd and JAX: ``eigh``/``eigvalsh`` and ``cholesky`` treat their input as
symmetric and return a symmetric adjoint; ``eigh`` and ``svd`` need distinct eigen/singular values
(the derivative of a repeated one is not defined); ``det``/``slogdet``/``inv``/``solve`` need an
invertible matrix. ``np.linalg.svd`` with ``full_matrices=True`` is differentiable only for square
matrices (the extra singular vectors of a rectangular one are not unique).
"""

import operator

import numpy as np

from ..runtime.helpers import (
    grad_dot_lhs, grad_dot_rhs, grad_matmul_lhs, grad_matmul_rhs, grad_tensordot_lhs, grad_tensordot_rhs,
)
from .kernels import (
    grad_cholesky, grad_cross, grad_eigh, grad_eigvalsh, grad_einsum, grad_inner_lhs, grad_inner_rhs, grad_kron_lhs,
    grad_kron_rhs, grad_matrix_norm, grad_norm, grad_solve_a, grad_solve_b, grad_svd, grad_vector_norm,
    matrix_scale,
)
from .registry import vjp_rule

# ---------------------------------------------------------------- products


@vjp_rule(operator.matmul, np.matmul)
def matmul(g, ans, a, b):
    return grad_matmul_lhs(g, a, b), grad_matmul_rhs(g, a, b)


@vjp_rule(np.dot, np.ndarray.dot)
def dot(g, ans, a, b, out=None):
    return grad_dot_lhs(g, a, b), grad_dot_rhs(g, a, b)


@vjp_rule(np.vdot)
def vdot(g, ans, a, b):
    return np.reshape(g * b, np.shape(a)), np.reshape(g * a, np.shape(b))


@vjp_rule(np.inner)
def inner(g, ans, a, b):
    return grad_inner_lhs(g, a, b), grad_inner_rhs(g, a, b)


@vjp_rule(np.outer)
def outer(g, ans, a, b, out=None):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


@vjp_rule(np.tensordot)
def tensordot(g, ans, a, b, axes=2):
    return grad_tensordot_lhs(g, a, b, axes), grad_tensordot_rhs(g, a, b, axes)


@vjp_rule(np.einsum)
def einsum(g, ans, subscripts, a, b=None, c=None, d=None, e=None, *, out=None, optimize=False, dtype=None,
           order="K", casting="safe"):
    return (
        None,
        grad_einsum(g, subscripts, 0, a, b, c, d, e),
        grad_einsum(g, subscripts, 1, a, b, c, d, e),
        grad_einsum(g, subscripts, 2, a, b, c, d, e),
        grad_einsum(g, subscripts, 3, a, b, c, d, e),
        grad_einsum(g, subscripts, 4, a, b, c, d, e),
    )


@vjp_rule(np.kron)
def kron(g, ans, a, b):
    return grad_kron_lhs(g, a, b), grad_kron_rhs(g, a, b)


@vjp_rule(np.cross)
def cross(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (
        grad_cross(g, a, b, 0, axisa, axisb, axisc, axis),
        grad_cross(g, a, b, 1, axisa, axisb, axisc, axis),
    )


# ---------------------------------------------------------------- np.linalg


@vjp_rule(np.linalg.inv)
def inv(g, ans, a):
    ans_t = np.swapaxes(ans, -1, -2)
    return -(ans_t @ g @ ans_t)


@vjp_rule(np.linalg.solve)
def solve(g, ans, a, b):
    return grad_solve_a(g, ans, a, b), grad_solve_b(g, ans, a, b)


@vjp_rule(np.linalg.det)
def det(g, ans, a):
    return matrix_scale(g * ans) * np.swapaxes(np.linalg.inv(a), -1, -2)


@vjp_rule(np.linalg.slogdet)
def slogdet(g, ans, a):
    return matrix_scale(g[1]) * np.swapaxes(np.linalg.inv(a), -1, -2)


@vjp_rule(np.linalg.cholesky)
def cholesky(g, ans, a, *, upper=False):
    return grad_cholesky(g, ans, upper)


@vjp_rule(np.linalg.eigh)
def eigh(g, ans, a, UPLO="L"):
    return grad_eigh(g, ans, a)


@vjp_rule(np.linalg.eigvalsh)
def eigvalsh(g, ans, a, UPLO="L"):
    return grad_eigvalsh(g, a, UPLO)


@vjp_rule(np.linalg.svd)
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return grad_svd(g, ans, a, full_matrices, compute_uv)


@vjp_rule(getattr(np.linalg, "svdvals", None))  # NumPy >= 2
def svdvals(g, ans, x):
    return grad_svd(g, ans, x, False, False)


@vjp_rule(np.linalg.norm)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return grad_norm(g, ans, x, ord, axis, keepdims)


@vjp_rule(getattr(np.linalg, "vector_norm", None))  # NumPy >= 2
def vector_norm(g, ans, x, *, axis=None, keepdims=False, ord=2):
    return grad_vector_norm(g, ans, x, axis, keepdims, ord)


@vjp_rule(getattr(np.linalg, "matrix_norm", None))  # NumPy >= 2
def matrix_norm(g, ans, x, *, keepdims=False, ord="fro"):
    return grad_matrix_norm(g, ans, x, keepdims, ord)
