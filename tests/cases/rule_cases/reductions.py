"""Cases for the reductions of ``sourcegrad/rules/numpy.py`` and ``linalg.py``: every axis form
(None, int, negative, tuple, empty tuple), keepdims, ties and zeros (max, prod, cumprod), and the
vector and matrix norms."""

import numpy as np

from ._base import away, case, distinct, tag, uniform, weights, weights_like


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


def trace_offset(x):
    return np.trace(x, offset=1)


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


# ---------------------------------------------------------------- arguments


_x3 = uniform((2, 3, 4))
_x2 = uniform((3, 4))
case("sum[all]", sum_all, (_x3,), (0,), np.sum)
case("sum[py]", sum_all, (0.7,), (0,), np.sum)
for _axis in [None, 0, -1, (0, 2), (-1, 0), (), (0, 1, 2)]:
    _shape = np.shape(np.sum(_x3, axis=_axis))
    case(f"sum[axis={_axis}]", sum_axis, (_x3, weights(_shape), _axis), (0,), np.sum)
    case(f"mean[axis={_axis}]", mean_axis, (_x3, weights(_shape), _axis), (0,), np.mean)
    _kshape = np.shape(np.sum(_x3, axis=_axis, keepdims=True))
    case(f"sum_keepdims[axis={_axis}]", sum_keepdims, (_x3, weights(_kshape), _axis), (0,), np.sum)
    case(f"mean_keepdims[axis={_axis}]", mean_keepdims, (_x3, weights(_kshape), _axis), (0,), np.mean)
case("sum[1d]", sum_axis, (uniform((5,)), 1.3, 0), (0,), np.sum)
case("mean[0d]", mean_axis, (np.array(0.4), 2.0, None), (0,), np.mean)

case("prod[all]", prod_all, (away((2, 3)),), (0,), np.prod)
case("prod[one_zero]", prod_all, (np.array([[0.5, -1.2, 0.0], [0.8, 1.5, -0.7]]),), (0,), np.prod)
case("prod[two_zeros]", prod_all, (np.array([[0.5, 0.0, 1.1], [0.8, 0.0, -0.7]]),), (0,), np.prod)
_xz = np.array([[[0.5, 0.0, 1.1, -0.9], [0.8, 1.3, -0.7, 0.6], [0.0, 1.2, 0.0, 0.7]],
                [[1.5, -1.0, 0.4, 0.9], [-0.8, 0.0, 1.7, 0.6], [1.1, -1.2, 1.4, 0.75]]])
for _axis in [None, 0, -1, (0, 2), (-1, 1)]:
    _shape = np.shape(np.prod(_xz, axis=_axis))
    case(f"prod[zeros,axis={_axis}]", prod_axis, (_xz, weights(_shape), _axis), (0,), np.prod)
    case(f"prod[axis={_axis}]", prod_axis, (away((2, 3, 4), 0.5, 1.5), weights(_shape), _axis), (0,), np.prod)
    _kshape = np.shape(np.prod(_xz, axis=_axis, keepdims=True))
    case(f"prod_keepdims[axis={_axis}]", prod_keepdims, (_xz, weights(_kshape), _axis), (0,), np.prod)

_xd = distinct((2, 3, 4))
for _axis in [None, 0, -1, (0, 2), (-1, -2), 1]:
    _shape = np.shape(np.max(_xd, axis=_axis))
    _kshape = np.shape(np.max(_xd, axis=_axis, keepdims=True))
    case(f"max[axis={_axis}]", max_axis, (_xd, weights(_shape), _axis), (0,), np.max)
    case(f"min[axis={_axis}]", min_axis, (_xd, weights(_shape), _axis), (0,), np.min)
    case(f"amax_keepdims[axis={_axis}]", amax_keepdims, (_xd, weights(_kshape), _axis), (0,), np.amax)
    case(f"amin_keepdims[axis={_axis}]", amin_keepdims, (_xd, weights(_kshape), _axis), (0,), np.amin)
    case(f"ptp[axis={_axis}]", ptp_axis, (_xd, weights(_shape), _axis), (0,), np.ptp)
_xt = np.array([[0.3, 0.9, 0.9, -0.1], [0.5, -0.4, 0.2, 0.5], [0.1, 0.7, -0.6, 0.0]])
case("max[tie,axis=-1]", max_axis, (_xt, weights((3,)), -1), (0,), np.max)
case("max[tie,axis=(0,1)]", max_axis, (_xt, 1.0, (0, -1)), (0,), np.max)
case("min[tie,axis=(-1,)]", min_axis, (-_xt, weights((3,)), (-1,)), (0,), np.min)
case("max[1d]", max_axis, (distinct((5,)), 0.8, None), (0,), np.max)
case("min[2d,axis=1]", min_axis, (distinct((3, 4)), weights((3,)), 1), (0,), np.min)

for _axis, _ddof in [(None, 0), (0, 0), (-1, 1), ((0, 2), 0), ((-1, 0), 1)]:
    _shape = np.shape(np.var(_x3, axis=_axis))
    case(f"var[axis={_axis},ddof={_ddof}]", var_axis, (_x3, weights(_shape), _axis, _ddof), (0,), np.var)
    case(f"std[axis={_axis},ddof={_ddof}]", std_axis, (_x3, weights(_shape), _axis, _ddof), (0,), np.std)
for _axis in [None, 1, (0, -1)]:
    _kshape = np.shape(np.var(_x3, axis=_axis, keepdims=True))
    case(f"var_keepdims[axis={_axis}]", var_keepdims, (_x3, weights(_kshape), _axis), (0,), np.var)
    case(f"std_keepdims[axis={_axis}]", std_keepdims, (_x3, weights(_kshape), _axis), (0,), np.std)
case("var[1d]", var_axis, (uniform((6,)), 1.0, None, 1), (0,), np.var)

for _x, _axis in [(uniform((5,)), None), (_x2, None), (_x2, 0), (_x2, -1), (_x3, 1)]:
    _shape = np.shape(np.cumsum(_x, axis=_axis))
    case(f"cumsum[{tag(np.shape(_x))},axis={_axis}]", cumsum_axis, (_x, weights(_shape), _axis), (0,), np.cumsum)
    _xc = away(np.shape(_x), 0.5, 1.5)
    case(f"cumprod[{tag(np.shape(_x))},axis={_axis}]", cumprod_axis, (_xc, weights(_shape), _axis), (0,),
         np.cumprod)
_xcz = np.array([[0.5, 0.0, 1.1, -0.9], [0.8, 1.3, 0.0, 0.0], [0.0, 1.2, -0.6, 0.7]])
for _axis in [None, 0, 1]:
    case(f"cumprod[zeros,axis={_axis}]", cumprod_axis, (_xcz, weights(np.shape(np.cumprod(_xcz, axis=_axis))), _axis),
         (0,), np.cumprod)

for _axis in [None, 0, -1, (0, 2)]:
    _shape = np.shape(np.average(_x3, axis=_axis))
    case(f"average[axis={_axis}]", average_plain, (_x3, weights(_shape), _axis), (0,), np.average)
case("average[weights_1d]", average_weights, (_x3, uniform((3,), 0.5, 2.0), weights((2, 4)), 1), (0, 1), np.average)
case("average[weights_full]", average_weights, (_x2, uniform((3, 4), 0.5, 2.0), 1.0, None), (0, 1), np.average)
case("average[weights_full_axis]", average_weights, (_x3, uniform((2, 3, 4), 0.5, 2.0), weights((2, 3)), -1), (0, 1),
     np.average)
case("average[keepdims]", average_keepdims, (_x2, uniform((4,), 0.5, 2.0), weights((3, 1))), (0, 1), np.average)

case("trace[2d]", trace, (uniform((3, 3)), 1.7), (0,), np.trace)
case("trace[rect]", trace, (uniform((3, 5)), -0.6), (0,), np.trace)
case("trace[offset_keyword]", trace_offset, (_x2,), (0,), np.trace)
case("trace[3d,axes]", trace_axes, (_x3, weights((3,)), 1, 2, 0), (0,), np.trace)
case("trace[3d,negative_offset]", trace_axes, (_x3, weights((2,)), -1, -1, 1), (0,), np.trace)

for _x, _n, _axis in [(uniform((5,)), 1, -1), (uniform((5,)), 2, 0), (_x2, 1, 0), (_x3, 2, -1), (_x3, 1, 1)]:
    _shape = np.shape(np.diff(_x, n=_n, axis=_axis))
    case(f"diff[{tag(np.shape(_x))},n={_n},axis={_axis}]", diff, (_x, weights(_shape), _n, _axis), (0,), np.diff)
case("diff[prepend_append]", diff_prepend_append, (_x2, 0.3, uniform((3, 2)), weights((3, 6))), (0, 1, 2), np.diff)

case("norm[1d]", norm_plain, (uniform((5,)),), (0,), np.linalg.norm)
case("norm[3d]", norm_plain, (_x3,), (0,), np.linalg.norm)
_v = distinct((5,))
for _ord in [None, 2, 1, np.inf, -np.inf, 3, 0.5, 0]:
    case(f"norm[vector,ord={_ord}]", norm_ord, (_v, _ord), (0,), np.linalg.norm)
_m = distinct((3, 4), 0.3) + 0.05
for _ord in [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]:
    case(f"norm[matrix,ord={_ord}]", norm_ord, (_m, _ord), (0,), np.linalg.norm)
for _ord, _axis in [(None, 0), (2, -1), (1, 1), (np.inf, 0), (3, -1), (None, (0, 2)), ("fro", (2, 1)),
                    (1, (0, 1)), (np.inf, (-1, 0)), (2, (0, 2)), ("nuc", (1, 2))]:
    _xn = distinct((2, 3, 4), 0.3) + 0.05
    _shape = np.shape(np.linalg.norm(_xn, ord=_ord, axis=_axis))
    case(f"norm[ord={_ord},axis={_axis}]", norm_axis, (_xn, weights(_shape), _ord, _axis), (0,), np.linalg.norm)
    _kshape = np.shape(np.linalg.norm(_xn, ord=_ord, axis=_axis, keepdims=True))
    case(f"norm_keepdims[ord={_ord},axis={_axis}]", norm_keepdims, (_xn, weights(_kshape), _ord, _axis), (0,),
         np.linalg.norm)
if hasattr(np.linalg, "vector_norm"):   # NumPy >= 2
    for _ord, _axis in [(2, None), (1, -1), (np.inf, None), (3, (0, 2))]:
        _xn = distinct((2, 3, 4), 0.3) + 0.05
        case(f"vector_norm[ord={_ord},axis={_axis}]", vector_norm,
             (_xn, weights_like(np.linalg.vector_norm(_xn, ord=_ord, axis=_axis)), _ord, _axis), (0,),
             np.linalg.vector_norm)
    for _ord in ["fro", 2, 1, "nuc"]:
        _xn = distinct((2, 3, 4), 0.3) + 0.05
        case(f"matrix_norm[ord={_ord}]", matrix_norm, (_xn, weights((2,)), _ord), (0,), np.linalg.matrix_norm)
