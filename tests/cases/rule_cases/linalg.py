"""Cases for ``sourcegrad/rules/linalg.py``: products over every pairing of 0-d to 3-d operands
(broadcast batches, Python numbers, one operand differentiated), ``einsum`` with one to three
operands, and ``np.linalg`` on well-conditioned, batched and sign-changing inputs."""

import operator

import numpy as np

from ._base import NUMPY_2, case, tag, uniform, weights, weights_like, well_conditioned

# ---------------------------------------------------------------- products


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


def tensordot_keyword(a, b, c):
    return np.sum(np.tensordot(a, b, axes=([1, 0], [0, 2])) * c)


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


# ---------------------------------------------------------------- np.linalg


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


# ---------------------------------------------------------------- arguments


_MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((2, 2, 3), (3, 4)),
                  ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
for _sa, _sb in _MATMUL_SHAPES:
    _a, _b = uniform(_sa), uniform(_sb)
    _shape = np.shape(np.matmul(_a, _b))
    case(f"matmul[{tag(_sa)},{tag(_sb)}]", matmul, (_a, _b, weights(_shape)), (0, 1), np.matmul)
    case(f"matmul_op[{tag(_sa)},{tag(_sb)}]", matmul_op, (_a, _b, weights(_shape)), (0, 1), operator.matmul)
for _wrt in [(0,), (1,)]:
    case(f"matmul_op[wrt{_wrt[0]}]", matmul_op, (uniform((2, 3)), uniform((3, 4)), weights((2, 4))), _wrt,
         operator.matmul)
for _sa, _sb in [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((), (2, 3)), ((2, 3), ()),
                 (None, (2, 3)), ((2, 3), None), ((2, 2, 3), (3,)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)),
                 ((2, 3), (2, 3, 4)), ((2, 2, 3), (4, 3, 2))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"dot[{tag(_sa)},{tag(_sb)}]", dot, (_a, _b, weights_like(np.dot(_a, _b))), (0, 1), np.dot)
for _sa, _sb in [((4,), (4,)), ((2, 3), (3, 2)), ((2, 2, 3), (12,))]:
    case(f"vdot[{tag(_sa)},{tag(_sb)}]", vdot, (uniform(_sa), uniform(_sb)), (0, 1), np.vdot)
for _sa, _sb in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (4, 3)), ((), (2, 3))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"inner[{tag(_sa)},{tag(_sb)}]", inner, (_a, _b, weights(np.shape(np.inner(_a, _b)))), (0, 1), np.inner)
for _sa, _sb in [((3,), (4,)), ((2, 2), (3,)), (None, (3,))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"outer[{tag(_sa)},{tag(_sb)}]", outer, (_a, _b, weights(np.shape(np.outer(_a, _b)))), (0, 1), np.outer)
for _sa, _sb, _axes in [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
                        ((2, 3, 4), (4, 2, 5), ([0, 2], [1, 0])), ((3, 4), (4, 3), ([-1, 0], [0, -1])),
                        ((2, 3, 4), (3, 5), (1, 0))]:
    _a, _b = uniform(_sa), uniform(_sb)
    _shape = np.shape(np.tensordot(_a, _b, _axes))
    case(f"tensordot[{tag(_sa)},{tag(_sb)},{_axes}]", tensordot, (_a, _b, weights(_shape), _axes), (0, 1),
         np.tensordot)
case("tensordot[axes_keyword]", tensordot_keyword, (uniform((3, 2)), uniform((2, 4, 3)), weights((4,))), (0, 1),
     np.tensordot)
for _sub, _sa in [("ij->", (3, 4)), ("ij->ji", (3, 4)), ("ii->i", (3, 3)), ("ii", (3, 3)), ("ijk->kj", (2, 3, 4)),
                  ("iij->ij", (3, 3, 2)), ("ij->j", (3, 4))]:
    _a = uniform(_sa)
    case(f"einsum[{_sub}]", einsum1, (_a, weights(np.shape(np.einsum(_sub, _a))), _sub), (0,), np.einsum)
for _sub, _sa, _sb in [("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("i,i->", (4,), (4,)),
                       ("i,j->ij", (3,), (2,)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)), ("ij,ij->i", (3, 4), (3, 4)),
                       ("ij,j->j", (3, 4), (4,)), ("ii,ij->j", (3, 3), (3, 2)), ("ijk,kl->lji", (2, 3, 4), (4, 2))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"einsum[{_sub}]", einsum2, (_a, _b, weights(np.shape(np.einsum(_sub, _a, _b))), _sub), (0, 1), np.einsum)
for _sub, _shapes, _c in [("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)], weights((2, 2))),
                          ("i,ij,j->", [(3,), (3, 4), (4,)], 1.0)]:
    case(f"einsum[{_sub}]", einsum3, (*map(uniform, _shapes), _c, _sub), (0, 1, 2), np.einsum)
for _sa, _sb in [((2, 3), (2, 2)), ((3,), (2,)), ((2, 2), (3,)), ((2,), (2, 3)), ((2, 1, 2), (2, 2))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"kron[{tag(_sa)},{tag(_sb)}]", kron, (_a, _b, weights(np.shape(np.kron(_a, _b)))), (0, 1), np.kron)
for _sa, _sb in [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,))]:
    _a, _b = uniform(_sa), uniform(_sb)
    case(f"cross[{tag(_sa)},{tag(_sb)}]", cross, (_a, _b, weights(np.shape(np.cross(_a, _b)))), (0, 1), np.cross)

_A3 = well_conditioned(3)
_A4 = well_conditioned(4)
_B3 = well_conditioned(3, (2,))
case("inv", inv, (_A3, weights((3, 3))), (0,), np.linalg.inv)
case("inv[batched]", inv, (_B3, weights((2, 3, 3))), (0,), np.linalg.inv)
case("solve[vector]", solve, (_A3, uniform((3,)), weights((3,))), (0, 1), np.linalg.solve)
case("solve[matrix]", solve, (_A3, uniform((3, 2)), weights((3, 2))), (0, 1), np.linalg.solve)
case("solve[batched]", solve, (_B3, uniform((2, 3, 2)), weights((2, 3, 2))), (0, 1), np.linalg.solve)
if NUMPY_2:   # a 1-D b is one vector for every matrix of a batch
    case("solve[batched_vector]", solve, (_B3, uniform((3,)), weights((2, 3))), (0, 1), np.linalg.solve)
else:   # b with one dimension less than a is a stack of vectors
    case("solve[batched_vectors]", solve, (_B3, uniform((2, 3)), weights((2, 3))), (0, 1), np.linalg.solve)
case("det", det, (_A3, 1.3), (0,), np.linalg.det)
case("det[batched]", det, (_B3, weights((2,))), (0,), np.linalg.det)
case("slogdet", slogdet, (_A4,), (0,), np.linalg.slogdet)
case("slogdet[negative_det]", slogdet, (np.array([[0.5, 2.0], [1.5, 0.3]]),), (0,), np.linalg.slogdet)
case("slogdet[batched]", slogdet_batched, (_B3, weights((2,))), (0,), np.linalg.slogdet)
case("cholesky", cholesky, (_A4 @ _A4.T, weights((4, 4))), (0,), np.linalg.cholesky)
case("cholesky[batched]", cholesky_batched, (_B3, weights((2, 3, 3))), (0,), np.linalg.cholesky)
if NUMPY_2:   # cholesky(upper=True)
    case("cholesky[upper]", cholesky_upper, (_A3, weights((3, 3))), (0,), np.linalg.cholesky)
_S4 = weights((4, 4)) + np.diag([0.0, 2.0, 4.0, 6.0])   # well separated eigenvalues
case("eigh", eigh, (_S4, weights((4,)), weights((4, 4))), (0,), np.linalg.eigh)
case("eigh[values_only]", eigh_values_only, (_S4, weights((4,))), (0,), np.linalg.eigh)
case("eigh[vectors_only]", eigh_vectors_only, (_S4, weights((4, 4))), (0,), np.linalg.eigh)
case("eigvalsh", eigvalsh, (_S4, weights((4,))), (0,), np.linalg.eigvalsh)
case("eigvalsh[batched]", eigvalsh, (np.stack([_S4, _S4.T * 0.5]), weights((2, 4))), (0,), np.linalg.eigvalsh)
_R34 = weights((3, 4)) * 0.5 + np.eye(3, 4) * np.array([[1.0], [2.5], [4.0]])
for _a in [_R34, _R34.T.copy(), _A3, np.stack([_R34, 0.5 * _R34])]:
    _k = min(np.shape(_a)[-2:])
    case(f"svd_values[{tag(np.shape(_a))}]", svd_values, (_a, weights(np.shape(_a)[:-2] + (_k,))), (0,),
         np.linalg.svd)
if hasattr(np.linalg, "svdvals"):   # NumPy >= 2
    case("svdvals", svdvals, (_R34, weights((3,))), (0,), np.linalg.svdvals)
for _a in [_R34, _R34.T.copy(), np.stack([_R34, 0.5 * _R34 + 0.1])]:
    case(f"svd_thin[{tag(np.shape(_a))}]", svd_thin, (_a, *map(weights_like, np.linalg.svd(_a, full_matrices=False))),
         (0,), np.linalg.svd)
case("svd_square", svd_square, (_A3, weights((3, 3)), weights((3,)), weights((3, 3))), (0,), np.linalg.svd)
