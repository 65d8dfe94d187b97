"""Cases for the ndarray methods and properties in the rule table (``x.sum()``, ``x.T``...), which
the tape reaches through the Tensor's own methods and the source transformer through the
argument's type: positional and keyword arguments, and no arguments at all."""

import numpy as np

from ._base import away, case, distinct, uniform, weights


def method_sum(x, c):
    return np.sum(x.sum(axis=-1) * c) + x.sum()


def method_sum_positional(x, c):
    return np.sum(x.sum(0, keepdims=True) * c)


def method_mean(x, c):
    return np.sum(x.mean(axis=(0, -1), keepdims=True) * c) + x.mean()


def method_max(x, c):
    return np.sum(x.max(axis=0) * c) + x.max()


def method_min(x, c):
    return np.sum(x.min(axis=-1, keepdims=True) * c) + x.min()


def method_prod(x, c):
    return np.sum(x.prod(axis=1) * c) + x.prod()


def method_dot(a, b, c):
    return np.sum(a.dot(b) * c)


def method_reshape(x, c):
    return np.sum(x.reshape(4, 3) * c) + np.sum(x.reshape((3, 4)) * c.T)


def method_T(x, c):
    return np.sum(x.T * c)


def method_transpose(x, c):
    return np.sum(x.transpose(2, 0, 1) * c) + np.sum(x.transpose((1, 2, 0)) * np.transpose(c, (2, 0, 1)))


def method_transpose_no_axes(x, c):
    return np.sum(x.transpose() * c)


def method_ravel_flatten(x, c):
    return np.sum(x.ravel() * c) + np.sum(x.flatten() * c * c)


def method_squeeze(x, c):
    return np.sum(x.squeeze() * c)


def method_cumsum(x, c):
    return np.sum(x.cumsum(axis=0) * c) + np.sum(x.cumsum() * np.ravel(c))


def method_cumprod(x, c):
    return np.sum(x.cumprod(axis=1) * c)


def method_var_std(x, c):
    return np.sum(x.var(axis=0) * c) + np.sum(x.std(axis=0, ddof=1) * c * c)


def method_astype(x, c):
    return np.sum(x.astype(float) * c) + np.sum(x.astype(np.float64) * c * c)


def method_astype_int(x, c):
    return np.sum(x.astype(int) * c + x * c)


def method_copy(x, c):
    return np.sum(x.copy() * c)


def method_item(x, c):
    return x.item(2) * c + x.item(1, 0)


def method_item_single(x):
    return x.item() * 3.0


def method_swapaxes(x, c):
    return np.sum(x.swapaxes(0, 1) * c)


def method_repeat(x, c):
    return np.sum(x.repeat(2, axis=0) * c)


def method_take(x, c):
    return np.sum(x.take([0, 2, 2], axis=1) * c)


def method_diagonal_trace(x, c):
    return np.sum(x.diagonal() * c) + x.trace(1)


def method_conj(x, c):
    return np.sum(x.conj() * c) + np.sum(x.conjugate() * c * c)


# ---------------------------------------------------------------- arguments


_x34, _x3, _xd = uniform((3, 4)), uniform((2, 3, 4)), distinct((2, 3, 4))
case("method_sum", method_sum, (_x3, weights((2, 3))), (0,), np.ndarray.sum)
case("method_sum[positional]", method_sum_positional, (_x34, weights((1, 4))), (0,), np.ndarray.sum)
case("method_mean", method_mean, (_x3, weights((1, 3, 1))), (0,), np.ndarray.mean)
case("method_max", method_max, (_xd, weights((3, 4))), (0,), np.ndarray.max)
case("method_min", method_min, (_xd, weights((2, 3, 1))), (0,), np.ndarray.min)
case("method_prod", method_prod, (away((2, 3), 0.5, 1.5), weights((2,))), (0,), np.ndarray.prod)
case("method_dot[2d]", method_dot, (uniform((2, 3)), uniform((3, 4)), weights((2, 4))), (0, 1), np.ndarray.dot)
case("method_dot[1d]", method_dot, (uniform((3,)), uniform((3, 4)), weights((4,))), (0, 1), np.ndarray.dot)
case("method_dot[2d,1d]", method_dot, (uniform((2, 3)), uniform((3,)), weights((2,))), (0, 1), np.ndarray.dot)
case("method_reshape", method_reshape, (_x34, weights((4, 3))), (0,), np.ndarray.reshape)
case("method_T[2d]", method_T, (_x34, weights((4, 3))), (0,), np.ndarray.T)
case("method_T[3d]", method_T, (_x3, weights((4, 3, 2))), (0,), np.ndarray.T)
case("method_T[1d]", method_T, (uniform((3,)), weights((3,))), (0,), np.ndarray.T)
case("method_transpose", method_transpose, (_x3, weights((4, 2, 3))), (0,), np.ndarray.transpose)
case("method_transpose[no_axes]", method_transpose_no_axes, (_x3, weights((4, 3, 2))), (0,), np.ndarray.transpose)
case("method_ravel_flatten", method_ravel_flatten, (_x34, weights((12,))), (0,), (np.ndarray.ravel, np.ndarray.flatten))
case("method_squeeze", method_squeeze, (uniform((3, 1, 2)), weights((3, 2))), (0,), np.ndarray.squeeze)
case("method_cumsum", method_cumsum, (_x34, weights((3, 4))), (0,), np.ndarray.cumsum)
case("method_cumprod", method_cumprod, (away((3, 4), 0.5, 1.5), weights((3, 4))), (0,), np.ndarray.cumprod)
case("method_var_std", method_var_std, (_x34, weights((4,))), (0,), (np.ndarray.var, np.ndarray.std))
case("method_astype", method_astype, (_x34, weights((3, 4))), (0,), np.ndarray.astype)
case("method_astype_int", method_astype_int, (_x34 * 3, weights((3, 4))), (0,), np.ndarray.astype)
case("method_copy", method_copy, (_x34, weights((3, 4))), (0,), np.ndarray.copy)
case("method_item", method_item, (uniform((2, 3)), 0.8), (0,), np.ndarray.item)
case("method_item[single]", method_item_single, (uniform((1, 1)),), (0,), np.ndarray.item)
case("method_swapaxes", method_swapaxes, (_x3, weights((3, 2, 4))), (0,), np.ndarray.swapaxes)
case("method_repeat", method_repeat, (_x34, weights((6, 4))), (0,), np.ndarray.repeat)
case("method_take", method_take, (_x34, weights((3, 3))), (0,), np.ndarray.take)
case("method_diagonal_trace", method_diagonal_trace, (_x34, weights((3,))), (0,),
     (np.ndarray.diagonal, np.ndarray.trace))
case("method_conj", method_conj, (_x34, weights((3, 4))), (0,), (np.ndarray.conj, np.ndarray.conjugate))
