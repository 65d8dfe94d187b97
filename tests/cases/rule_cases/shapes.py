"""Cases for the shape, joining/splitting, indexing, sorting and copying rules of
``sourcegrad/rules/numpy.py``: each layout (0-d to 3-d, negative and tuple axes, Fortran order),
arguments by position and by keyword, and the constructors NumPy does not hand to a Tensor."""

import numpy as np

from ._base import NUMPY_2_1, case, distinct, tag, tag_of, uniform, weights, weights_like

# ---------------------------------------------------------------- shape


def reshape(x, c):
    return np.sum(np.reshape(x, (3, -1)) * c)


def reshape_flat(x, c):
    return np.sum(np.reshape(x, -1) * c)


def reshape_keyword(x, c):
    return np.sum(np.reshape(x, shape=(3, -1)) * c)


def reshape_newshape(x, c):
    return np.sum(np.reshape(x, newshape=(3, -1)) * c)


def reshape_fortran(x, c):
    return np.sum(np.reshape(x, (2, 6), order="F") * c)


def ravel(x, c):
    return np.sum(np.ravel(x) * c)


def ravel_fortran(x, c):
    return np.sum(np.ravel(x, order="F") * c)


def squeeze(x, c):
    return np.sum(np.squeeze(x) * c)


def squeeze_axis(x, c):
    return np.sum(np.squeeze(x, axis=1) * c)


def expand_dims(x, c, axis):
    return np.sum(np.expand_dims(x, axis) * c)


def atleast(x, c1, c2, c3):
    return np.sum(np.atleast_1d(x) * c1) + np.sum(np.atleast_2d(x) * c2) + np.sum(np.atleast_3d(x) * c3)


def transpose(x, c):
    return np.sum(np.transpose(x) * c)


def transpose_axes(x, c, axes):
    return np.sum(np.transpose(x, axes) * c)


def transpose_axes_keyword(x, c):
    return np.sum(np.transpose(x, axes=(2, 0, 1)) * c)


def matrix_transpose(x, c):
    return np.sum(np.matrix_transpose(x) * c) + np.sum(np.linalg.matrix_transpose(x) * c * c)


def swapaxes(x, c):
    return np.sum(np.swapaxes(x, 0, -1) * c)


def moveaxis(x, c):
    return np.sum(np.moveaxis(x, 0, -1) * c)


def moveaxis_many(x, c):
    return np.sum(np.moveaxis(x, (0, 1), (-1, 0)) * c)


def broadcast_to(x, c):
    return np.sum(np.broadcast_to(x, (2, 3, 4)) * c)


def concatenate(x, y, c, axis):
    return np.sum(np.concatenate([x, np.sin(y), x], axis=axis) * c)


def concatenate_flat(x, y, c):
    return np.sum(np.concatenate((x, y), axis=None) * c)


def stack(x, y, c, axis):
    return np.sum(np.stack([x, y, x * y], axis=axis) * c)


def hstack(x, y, c):
    return np.sum(np.hstack([x, y]) * c)


def vstack(x, y, c):
    return np.sum(np.vstack((x, y)) * c)


def dstack(x, y, c):
    return np.sum(np.dstack([x, y]) * c)


def column_stack(x, y, c):
    return np.sum(np.column_stack([x, y]) * c)


def split(x, c1, c2):
    a, b = np.split(x, 2)
    return np.sum(a * c1) + np.sum(np.sin(b) * c2)


def split_axis_one_used(x, c):
    a, b, d = np.split(x, [1, 3], axis=1)
    return np.sum(b * c)


def split_indexed(x, c):
    return np.sum(np.split(x, 3)[1] * c)


def array_split(x, c1, c2, c3):
    a, b, d = np.array_split(x, 3, axis=-1)
    return np.sum(a * c1) + np.sum(b * c2) + np.sum(d * c3)


def hsplit(x, c1, c2):
    a, b = np.hsplit(x, 2)
    return np.sum(a * c1) + np.sum(b * b * c2)


def vsplit(x, c1, c2):
    a, b = np.vsplit(x, 2)
    return np.sum(a * c1) + np.sum(b * b * c2)


def dsplit(x, c1, c2):
    a, b = np.dsplit(x, [1])
    return np.sum(a * c1) + np.sum(b * b * c2)


def tile(x, c, reps):
    return np.sum(np.tile(x, reps) * c)


def repeat(x, c, repeats, axis):
    return np.sum(np.repeat(x, repeats, axis=axis) * c)


def flip(x, c, axis):
    return np.sum(np.flip(x, axis=axis) * c)


def fliplr_flipud(x, c):
    return np.sum(np.fliplr(x) * c) + np.sum(np.flipud(x) * c * c)


def rot90(x, c, k):
    return np.sum(np.rot90(x, k) * c)


def roll(x, c, shift, axis):
    return np.sum(np.roll(x, shift, axis=axis) * c)


def pad(x, c, pad_width, mode):
    return np.sum(np.pad(x, pad_width, mode=mode) * c)


def pad_constant_value(x, v, c):
    return np.sum(np.pad(x, ((1, 0), (2, 1)), constant_values=v) * c)


def triu(x, c, k):
    return np.sum(np.triu(x, k) * c)


def tril(x, c, k):
    return np.sum(np.tril(x, k) * c)


def diag(x, c, k):
    return np.sum(np.diag(x, k) * c)


def diagonal(x, c, offset, axis1, axis2):
    return np.sum(np.diagonal(x, offset, axis1, axis2) * c)


# ---------------------------------------------------------------- indexing, sorting, copies


def take(x, c, indices, axis):
    return np.sum(np.take(x, indices, axis=axis) * c)


def take_modes(x, c):
    return np.sum(np.take(x, [0, 7, -1, 3], mode="wrap") * c) + np.sum(np.take(x, [9, -4, 2], mode="clip") * c[:3])


def take_along_axis(x, c, indices, axis):
    return np.sum(np.take_along_axis(x, indices, axis) * c)


def take_along_axis_keyword(x, c, indices):
    return np.sum(np.take_along_axis(x, indices, axis=1) * c)


def sort(x, c, axis):
    return np.sum(np.sort(x, axis=axis) * c)


def partition(x, c, kth, axis):
    return np.sum(np.partition(x, kth, axis=axis) * c)


def array_of_scalars(x, y, c):
    return np.sum(np.array([x, y, x * y]) * c)


def array_of_arrays(x, y, c):
    return np.sum(np.array([x, y]) * c)


def asarray(x, c):
    return (np.sum(np.asarray(x) * c) + np.sum(np.asanyarray(x) * c * c) + np.sum(np.ascontiguousarray(x).T * c.T)
            + np.sum(np.asfortranarray(x) * c * c * c))


def copy(x, c):
    return np.sum(np.copy(x) * c)


def full(v, c):
    return np.sum(np.full((2, 3), v) * c)


def full_like(x, v, c):
    return np.sum(np.full_like(x, v) * c + x * c)


# ---------------------------------------------------------------- arguments


_x34, _x3, _xd = uniform((3, 4)), uniform((2, 3, 4)), distinct((2, 3, 4))
case("reshape", reshape, (uniform((2, 6)), weights((3, 4))), (0,), np.reshape)
case("reshape[3d]", reshape, (uniform((2, 3, 2)), weights((3, 4))), (0,), np.reshape)
case("reshape[fortran]", reshape_fortran, (_x34, weights((2, 6))), (0,), np.reshape)
case("reshape[flat]", reshape_flat, (_x34, weights((12,))), (0,), np.reshape)
if NUMPY_2_1:
    case("reshape[keyword]", reshape_keyword, (uniform((2, 6)), weights((3, 4))), (0,), np.reshape)
else:   # the keyword's name before NumPy 2.1
    case("reshape[newshape]", reshape_newshape, (uniform((2, 6)), weights((3, 4))), (0,), np.reshape)
case("ravel[fortran]", ravel_fortran, (_x34, weights((12,))), (0,), np.ravel)
case("ravel", ravel, (_x3, weights((24,))), (0,), np.ravel)
case("ravel[0d]", ravel, (np.array(0.3), weights((1,))), (0,), np.ravel)
case("squeeze", squeeze, (uniform((1, 3, 1)), weights((3,))), (0,), np.squeeze)
case("squeeze[axis]", squeeze_axis, (uniform((3, 1, 2)), weights((3, 2))), (0,), np.squeeze)
for _x, _axis in [(uniform((3,)), 0), (_x34, -1), (_x34, (0, 2)), (np.array(0.5), 0)]:
    _shape = np.shape(np.expand_dims(_x, _axis))
    case(f"expand_dims[{tag(np.shape(_x))},axis={_axis}]", expand_dims, (_x, weights(_shape), _axis), (0,),
         np.expand_dims)
for _x in [0.7, np.array(0.4), uniform((3,)), _x34]:
    case(f"atleast[{tag_of(_x)}]", atleast,
         (_x, weights_like(np.atleast_1d(_x)), weights_like(np.atleast_2d(_x)), weights_like(np.atleast_3d(_x))),
         (0,), (np.atleast_1d, np.atleast_2d, np.atleast_3d))
case("transpose[2d]", transpose, (_x34, weights((4, 3))), (0,), np.transpose)
case("transpose[3d]", transpose, (_x3, weights((4, 3, 2))), (0,), np.transpose)
case("transpose[1d]", transpose, (uniform((4,)), weights((4,))), (0,), np.transpose)
case("transpose[axes]", transpose_axes, (_x3, weights((3, 4, 2)), (1, 2, 0)), (0,), np.transpose)
case("transpose[negative_axes]", transpose_axes, (_x3, weights((4, 2, 3)), (-1, 0, -2)), (0,), np.transpose)
case("transpose[axes_keyword]", transpose_axes_keyword, (_x3, weights((4, 2, 3))), (0,), np.transpose)
if hasattr(np, "matrix_transpose"):   # NumPy >= 2
    case("matrix_transpose", matrix_transpose, (_x3, weights((2, 4, 3))), (0,),
         (np.matrix_transpose, np.linalg.matrix_transpose))
case("swapaxes", swapaxes, (_x3, weights((4, 3, 2))), (0,), np.swapaxes)
case("moveaxis", moveaxis, (_x3, weights((3, 4, 2))), (0,), np.moveaxis)
case("moveaxis[many]", moveaxis_many, (_x3, weights((3, 4, 2))), (0,), np.moveaxis)
for _x in [0.3, uniform((4,)), uniform((3, 1)), uniform((2, 1, 4))]:
    case(f"broadcast_to[{tag_of(_x)}]", broadcast_to, (_x, weights((2, 3, 4))), (0,), np.broadcast_to)

for _sx, _sy, _axis in [((3,), (2,), 0), ((2, 3), (4, 3), 0), ((2, 3), (2, 1), 1), ((2, 3, 2), (2, 3, 1), -1)]:
    _x, _y = uniform(_sx), uniform(_sy)
    _shape = np.shape(np.concatenate([_x, _y, _x], axis=_axis))
    case(f"concatenate[{tag(_sx)},{tag(_sy)},axis={_axis}]", concatenate, (_x, _y, weights(_shape), _axis), (0, 1),
         np.concatenate)
case("concatenate[axis=None]", concatenate_flat, (_x34, uniform((2,)), weights((14,))), (0, 1), np.concatenate)
case("concatenate[one_differentiated]", concatenate, (uniform((2, 3)), uniform((2, 1)), weights((2, 7)), 1), (1,),
     np.concatenate)
for _s, _axis in [(None, 0), ((3,), 0), ((3,), -1), ((2, 3), 1), ((2, 3), -1)]:
    _x, _y = uniform(_s), uniform(_s)
    _shape = np.shape(np.stack([_x, _y, _x], axis=_axis))
    case(f"stack[{tag(_s)},axis={_axis}]", stack, (_x, _y, weights(_shape), _axis), (0, 1), np.stack)
for _sx, _sy in [((3,), (2,)), ((2, 3), (2, 1)), (None, (2,)), ((), ())]:
    _x, _y = uniform(_sx), uniform(_sy)
    case(f"hstack[{tag(_sx)},{tag(_sy)}]", hstack, (_x, _y, weights(np.shape(np.hstack([_x, _y])))), (0, 1),
         np.hstack)
for _sx, _sy in [((3,), (3,)), ((2, 3), (1, 3)), ((3,), (2, 3)), (None, (1,))]:
    _x, _y = uniform(_sx), uniform(_sy)
    case(f"vstack[{tag(_sx)},{tag(_sy)}]", vstack, (_x, _y, weights(np.shape(np.vstack([_x, _y])))), (0, 1),
         np.vstack)
for _sx, _sy in [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]:
    _x, _y = uniform(_sx), uniform(_sy)
    case(f"dstack[{tag(_sx)},{tag(_sy)}]", dstack, (_x, _y, weights(np.shape(np.dstack([_x, _y])))), (0, 1),
         np.dstack)
for _sx, _sy in [((3,), (3,)), ((3, 2), (3,)), ((3, 2), (3, 1))]:
    _x, _y = uniform(_sx), uniform(_sy)
    case(f"column_stack[{tag(_sx)},{tag(_sy)}]", column_stack, (_x, _y, weights(np.shape(np.column_stack([_x, _y])))),
         (0, 1), np.column_stack)
case("split[1d]", split, (uniform((6,)), weights((3,)), weights((3,))), (0,), np.split)
case("split[2d]", split, (uniform((4, 3)), weights((2, 3)), weights((2, 3))), (0,), np.split)
case("split[one_used]", split_axis_one_used, (uniform((2, 5)), weights((2, 2))), (0,), np.split)
case("split[indexed]", split_indexed, (uniform((6,)), weights((2,))), (0,), np.split)
case("array_split", array_split, (uniform((2, 7)), weights((2, 3)), weights((2, 2)), weights((2, 2))), (0,),
     np.array_split)
case("hsplit[1d]", hsplit, (uniform((6,)), weights((3,)), weights((3,))), (0,), np.hsplit)
case("hsplit[2d]", hsplit, (uniform((3, 4)), weights((3, 2)), weights((3, 2))), (0,), np.hsplit)
case("vsplit", vsplit, (uniform((4, 3)), weights((2, 3)), weights((2, 3))), (0,), np.vsplit)
case("dsplit", dsplit, (uniform((2, 2, 3)), weights((2, 2, 1)), weights((2, 2, 2))), (0,), np.dsplit)

for _x, _reps in [(uniform((3,)), 2), (uniform((3,)), (2, 2)), (uniform((2, 3)), (1, 3)), (uniform((2, 1, 3)), (2, 2)),
                  (0.5, 3)]:
    case(f"tile[{tag_of(_x)},{_reps}]", tile, (_x, weights(np.shape(np.tile(_x, _reps))), _reps), (0,),
         np.tile)
for _x, _repeats, _axis in [(uniform((3,)), 2, None), (_x34, 3, 0), (_x34, [1, 0, 2, 3], -1), (_x34, [2, 1, 1], 0),
                            (uniform((2, 3)), 2, None), (0.4, 3, None)]:
    _shape = np.shape(np.repeat(_x, _repeats, axis=_axis))
    case(f"repeat[{tag_of(_x)},{_repeats},axis={_axis}]", repeat, (_x, weights(_shape), _repeats, _axis),
         (0,), np.repeat)
for _axis in [None, 0, -1, (0, 2)]:
    case(f"flip[axis={_axis}]", flip, (_x3, weights((2, 3, 4)), _axis), (0,), np.flip)
case("fliplr_flipud", fliplr_flipud, (_x34, weights((3, 4))), (0,), (np.fliplr, np.flipud))
for _k in [1, 2, -1]:
    case(f"rot90[k={_k}]", rot90, (_x34, weights(np.shape(np.rot90(_x34, _k))), _k), (0,), np.rot90)
for _shift, _axis in [(2, None), (-1, 0), (1, -1), ((1, -2), (0, 2))]:
    case(f"roll[shift={_shift},axis={_axis}]", roll, (_x3, weights((2, 3, 4)), _shift, _axis), (0,), np.roll)
for _x, _pw, _mode in [(uniform((4,)), 2, "constant"), (_x34, ((1, 0), (2, 1)), "constant"), (_x34, 1, "edge"),
                       (_x34, ((2, 1), (1, 3)), "reflect"), (_x34, (2, 1), "symmetric"),
                       (uniform((5,)), (3, 4), "wrap"), (_x3, ((0, 1), (1, 1), (2, 0)), "edge")]:
    _shape = np.shape(np.pad(_x, _pw, mode=_mode))
    case(f"pad[{tag(np.shape(_x))},{_pw},{_mode}]", pad, (_x, weights(_shape), _pw, _mode), (0,), np.pad)
case("pad[constant_values]", pad_constant_value, (_x34, 0.3, weights((4, 7))), (0, 1), np.pad)
case("pad[constant_values_pair]", pad_constant_value, (_x34, np.array([0.3, -0.2]), weights((4, 7))), (0, 1), np.pad)
case("pad[constant_values_per_axis]", pad_constant_value, (_x34, uniform((2, 2)), weights((4, 7))), (0, 1), np.pad)
case("pad[constant_values_column]", pad_constant_value, (_x34, uniform((2, 1)), weights((4, 7))), (0, 1), np.pad)
for _k in [0, 1, -1]:
    case(f"triu[k={_k}]", triu, (uniform((4, 3)), weights((4, 3)), _k), (0,), np.triu)
    case(f"tril[k={_k}]", tril, (uniform((3, 4)), weights((3, 4)), _k), (0,), np.tril)
case("triu[batched]", triu, (_x3, weights((2, 3, 4)), 1), (0,), np.triu)
for _x, _k in [(uniform((3,)), 0), (uniform((3,)), 1), (uniform((3,)), -2), (_x34, 0), (_x34, 1), (_x34, -1)]:
    case(f"diag[{tag(np.shape(_x))},k={_k}]", diag, (_x, weights(np.shape(np.diag(_x, _k))), _k), (0,), np.diag)
for _offset, _a1, _a2 in [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (0, -1, -2)]:
    _shape = np.shape(np.diagonal(_x3, _offset, _a1, _a2))
    case(f"diagonal[{_offset},{_a1},{_a2}]", diagonal, (_x3, weights(_shape), _offset, _a1, _a2), (0,), np.diagonal)

for _x, _indices, _axis in [(uniform((5,)), [0, 3, 3, -1], None), (_x34, [[0, 1], [1, 1]], None), (_x34, [2, 0, 2], 0),
                            (_x3, [3, 3, 0], -1), (_x3, 1, 1)]:
    _shape = np.shape(np.take(_x, _indices, axis=_axis))
    case(f"take[{tag(np.shape(_x))},{_indices},axis={_axis}]", take, (_x, weights(_shape), _indices, _axis), (0,),
         np.take)
case("take[modes]", take_modes, (uniform((6,)), weights((4,))), (0,), np.take)
_idx = np.array([[0, 2, 2], [1, 1, 0], [3, 0, 3]])
case("take_along_axis[-1]", take_along_axis, (_x34, weights((3, 3)), _idx, -1), (0,), np.take_along_axis)
case("take_along_axis[keyword]", take_along_axis_keyword, (_x34, weights((3, 3)), _idx), (0,), np.take_along_axis)
case("take_along_axis[0]", take_along_axis, (uniform((4, 3)), weights((3, 3)), _idx, 0), (0,), np.take_along_axis)
case("take_along_axis[argsort]", take_along_axis, (_xd, weights((2, 3, 4)), np.argsort(_xd, axis=1), 1), (0,),
     np.take_along_axis)
for _axis in [-1, 0, None]:
    _shape = np.shape(np.sort(_xd, axis=_axis))
    case(f"sort[axis={_axis}]", sort, (_xd, weights(_shape), _axis), (0,), np.sort)
case("sort[1d]", sort, (distinct((6,)), weights((6,)), -1), (0,), np.sort)
for _kth, _axis in [(2, -1), (1, 0), ((0, 3), -1)]:
    case(f"partition[kth={_kth},axis={_axis}]", partition, (_xd, weights((2, 3, 4)), _kth, _axis), (0,), np.partition)
case("array[scalars]", array_of_scalars, (0.6, -1.3, weights((3,))), (0, 1), np.array)
case("array[arrays]", array_of_arrays, (uniform((3,)), uniform((3,)), weights((2, 3))), (0, 1), np.array)
case("asarray", asarray, (_x34, weights((3, 4))), (0,), (np.asarray, np.asanyarray, np.ascontiguousarray,
                                                                 np.asfortranarray))
case("copy", copy, (_x34, weights((3, 4))), (0,), np.copy)
case("copy[py]", copy, (0.4, 1.5), (0,), np.copy)
case("full", full, (0.7, weights((2, 3))), (0,), np.full)
case("full[array]", full, (uniform((3,)), weights((2, 3))), (0,), np.full)
case("full_like", full_like, (_x34, 0.4, weights((3, 4))), (0, 1), np.full_like)


def array_ndmin(x, c):
    return np.sum(np.array(x, ndmin=3) * c)  # adds leading axes: the adjoint drops them again


case("array[ndmin]", array_ndmin, (uniform((4,)), weights((1, 1, 4))), (0,), np.array)


# ---------------------------------------------------------------- np.rollaxis (cases at the end: the
# arguments of the cases above stay what they were)


def rollaxis(x, c, axis):
    return np.sum(np.rollaxis(x, axis) * c)


def rollaxis_start(x, c, axis, start):
    return np.sum(np.rollaxis(x, axis, start) * c)


def rollaxis_keyword(x, c):
    return np.sum(np.rollaxis(x, axis=0, start=3) * c)


_x3r = uniform((2, 3, 4))
for _axis in (2, -1, 1, 0):
    case(f"rollaxis[axis={_axis}]", rollaxis, (_x3r, weights(np.rollaxis(_x3r, _axis).shape), _axis), (0,),
         np.rollaxis)
for _x, _axis, _start in [(_x3r, 0, 2), (_x3r, 0, 3), (_x3r, 2, 1), (_x3r, 1, -1), (_x3r, -1, -3), (_x3r, 1, 1),
                          (uniform((3, 4)), 1, 0), (uniform((5,)), 0, 1), (uniform((2, 1, 3, 2)), 3, 1)]:
    case(f"rollaxis[{tag_of(_x)},axis={_axis},start={_start}]", rollaxis_start,
         (_x, weights(np.rollaxis(_x, _axis, _start).shape), _axis, _start), (0,), np.rollaxis)
case("rollaxis[keyword]", rollaxis_keyword, (_x3r, weights((3, 4, 2))), (0,), np.rollaxis)
