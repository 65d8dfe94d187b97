"""Writes through views (reshape, ravel, .T, slices, squeeze, asarray...) and plain aliases."""

import numpy as np

from . import M, MP, S, T, V, V3, Registry

CASES = Registry("views_aliases")


def reshape_view_write(x):
    y = x.copy()
    flat = y.reshape(-1)
    flat[0] = flat[0] * 5.0
    return np.sum(y ** 2)


CASES.add(reshape_view_write, M)


def ravel_view_imul(x):
    y = x * 1.0
    r = y.ravel()
    r *= 2.0
    return np.sum(y * x)


CASES.add(ravel_view_imul, M)


def transpose_view_iadd(x):
    y = x + 0.0
    yt = y.T
    yt += 1.0
    return np.sum(y ** 2)


CASES.add(transpose_view_iadd, M)


def slice_view_write_then_read_parent(x):
    y = x.copy()
    head = y[:2]
    head[:] = head * 3.0
    return np.sum(y * x)


CASES.add(slice_view_write_then_read_parent, V)


def squeeze_view_imul(x):
    y = x[None, :] * 1.0
    z = np.squeeze(y)
    z *= 2.0
    return np.sum(y) + np.sum(z * x)


CASES.add(squeeze_view_imul, V)


def asarray_alias_write(x):
    y = x * 2.0
    z = np.asarray(y)
    z[1] = 0.0
    return np.sum(y ** 2)


CASES.add(asarray_alias_write, V)


def plain_alias_setitem(x):
    y = x * 1.5
    z = y
    z[0] = z[0] ** 2
    return np.sum(y)


CASES.add(plain_alias_setitem, V)


def swapaxes_view_write(x):
    y = x.copy()
    s = np.swapaxes(y, 0, 2)
    s[0] = s[0] * 2.0
    return np.sum(y ** 2)


CASES.add(swapaxes_view_write, T)


def transpose_func_view_write(x):
    y = x * 1.0
    t = np.transpose(y)
    t[:, 0] = 0.0
    return np.sum(y * x)


CASES.add(transpose_func_view_write, M)


def view_of_argument_write(x):
    v = x[1:]
    v *= 0.5
    return np.sum(x ** 2)


CASES.add(view_of_argument_write, V)


def reshape_3d_view_iadd(x):
    y = x * 1.0
    r = y.reshape(6, 4)
    r += np.arange(4.0)
    return np.sum(np.sin(y))


CASES.add(reshape_3d_view_iadd, T)


def diagonal_readonly_read(x):
    d = np.diagonal(x)
    return np.sum(d * d) + np.sum(x)


CASES.add(diagonal_readonly_read, M)


def view_then_copy_then_write(x):
    y = x * 1.0
    c = y.T.copy()
    c[0, 0] = 10.0
    return np.sum(y ** 2) + np.sum(c)


CASES.add(view_then_copy_then_write, M)


def step_slice_view_write(x):
    y = x + 0.0
    evens = y[::2]
    evens[:] = np.exp(evens)
    return np.sum(y)


CASES.add(step_slice_view_write, V)


def negative_step_view_write(x):
    y = x + 0.0
    rev = y[::-1]
    rev[0] = rev[1] * 4.0
    return np.sum(y * x)


CASES.add(negative_step_view_write, V)


def expand_dims_view_write(x):
    y = x * 1.0
    e = np.expand_dims(y, 0)
    e[0, 1] = 3.0 * e[0, 2]
    return np.sum(y ** 2)


CASES.add(expand_dims_view_write, V)


def view_write_before_reduce(x):
    y = np.exp(x)
    row = y[1]
    row[:] = 1.0
    return np.sum(y)


CASES.add(view_write_before_reduce, M)


def flat_iterator_sum(x):
    total = 0.0
    total = sum(x.flat)
    return total * 2.0


CASES.add(flat_iterator_sum, M)


def flat_setitem(x):
    y = x.copy()
    y.flat[3] = 0.0
    return np.sum(y ** 2)


CASES.add(flat_setitem, M)


def reshape_of_param_view_read_after_write(x):
    y = x * 2.0
    r = y.reshape(3, 2)
    y[0, 0] = 7.0
    return np.sum(r ** 2)


CASES.add(reshape_of_param_view_read_after_write, M)


def atleast_2d_view_write(x):
    y = x * 1.0
    a = np.atleast_2d(y)
    a[0, 0] = a[0, 0] * 10.0
    return np.sum(y ** 2)


CASES.add(atleast_2d_view_write, V)


def real_view_write(x):
    y = x + 0.0
    r = y.real
    r *= 3.0
    return np.sum(y * x)


CASES.add(real_view_write, V)


def view_method_write(x):
    y = x + 0.0
    w = y.view()
    w[2] = 0.25
    return np.sum(y ** 2)


CASES.add(view_method_write, V)


def broadcast_to_read_only(x):
    b = np.broadcast_to(x, (3, 4))
    return np.sum(b * np.arange(3.0)[:, None])


CASES.add(broadcast_to_read_only, V)


def moveaxis_view_write(x):
    y = x * 1.0
    m = np.moveaxis(y, -1, 0)
    m[0] += 2.0
    return np.sum(y ** 2)


CASES.add(moveaxis_view_write, T)


def alias_rebind_not_write(x):
    y = x * 2.0
    z = y
    z = z + 1.0
    return np.sum(y * z)


CASES.add(alias_rebind_not_write, V)


def ravel_of_transpose_is_copy(x):
    y = x * 1.0
    r = np.ravel(y.T)
    r[0] = 100.0
    return np.sum(y ** 2) + np.sum(r)


CASES.add(ravel_of_transpose_is_copy, M)


def reshape_of_transpose_is_copy(x):
    y = x * 1.0
    r = y.T.reshape(-1)
    r *= 0.0
    return np.sum(y ** 2)


CASES.add(reshape_of_transpose_is_copy, M)


def flatten_is_copy(x):
    y = x * 1.0
    f = y.flatten()
    f[:] = 0.0
    return np.sum(y ** 2)


CASES.add(flatten_is_copy, M)


def np_array_is_copy(x):
    y = x * 2.0
    a = np.array(y)
    a[0] = 0.0
    return np.sum(y ** 2) + np.sum(a)


CASES.add(np_array_is_copy, V)


def ascontiguousarray_is_view(x):
    y = x * 2.0
    a = np.ascontiguousarray(y)
    a[0] = 0.0
    return np.sum(y ** 2)


CASES.add(ascontiguousarray_is_view, V)


def squeeze_method_view(x):
    y = x.reshape(1, -1) * 1.0
    s = y.squeeze()
    s[1] = 0.0
    return np.sum(y ** 2)


CASES.add(squeeze_method_view, V)


def newaxis_view_write(x):
    y = x * 1.0
    e = y[np.newaxis, :, None]
    e[0, 2, 0] = 3.0
    return np.sum(y * x)


CASES.add(newaxis_view_write, V)


def split_parts_are_views(x):
    y = x * 1.0
    left, right = np.split(y, 2)
    left[:] = right * 2.0
    return np.sum(y ** 2)


CASES.add(split_parts_are_views, V)


def view_of_view_chain(x):
    y = x * 1.0
    a = y.reshape(2, 2)
    b = a.T
    c = b[0]
    c *= 3.0
    return np.sum(y ** 2)


CASES.add(view_of_view_chain, V)


def alias_of_argument_iadd(x):
    a = x
    a += 1.0
    return np.sum(x ** 2)


CASES.add(alias_of_argument_iadd, V)


def view_taken_before_rebinding(x):
    y = x * 1.0
    v = y[:2]
    y = y * 3.0
    v[0] = 50.0
    return np.sum(y ** 2)


CASES.add(view_taken_before_rebinding, V)


def view_written_then_parent_rebound_read(x):
    y = x * 1.0
    v = y[1:]
    v[0] = 0.0
    z = y
    return np.sum(z * x)


CASES.add(view_written_then_parent_rebound_read, V)


def reshape_view_3d_to_2d_write(x):
    y = x * 1.0
    r = y.reshape(6, 4)
    r[:, 0] = r[:, 1] ** 2
    return np.sum(y * x)


CASES.add(reshape_view_3d_to_2d_write, T)


def slice_of_argument_setitem(x):
    head = x[:2]
    head[0] = 0.5
    return np.sum(np.exp(x))


CASES.add(slice_of_argument_setitem, V)


def tuple_of_views_write(x):
    y = x * 1.0
    a, b = y[:2], y[2:]
    b += a
    return np.sum(y ** 2)


CASES.add(tuple_of_views_write, V)


class _Holder:
    pass


def tuple_holds_array_then_setitem(x):
    y = x * 1.0
    t = (y,)
    y[0] = 5.0 * x[1]
    return np.sum(t[0] ** 2)


CASES.add(tuple_holds_array_then_setitem, V)


def object_attribute_holds_array_then_imul(x):
    y = x * 1.0
    h = _Holder()
    h.arr = y
    y *= 2.0
    return np.sum(h.arr * x)


CASES.add(object_attribute_holds_array_then_imul, V)


def dict_holds_array_then_setitem(x):
    y = x * 1.0
    d = {"y": y}
    y[1] = 0.0
    return np.sum(d["y"] ** 2)


CASES.add(dict_holds_array_then_setitem, V)


def list_holds_array_then_slice_fill(x):
    y = x * 1.0
    lst = [y, x]
    y[:] = x ** 3
    return np.sum(lst[0] + lst[1])


CASES.add(list_holds_array_then_slice_fill, V)


def ellipsis_index_is_view(x):
    y = x * 1.0
    v = y[...]
    v += 1.0
    return np.sum(y ** 2)


CASES.add(ellipsis_index_is_view, V)


def empty_tuple_index_is_view(x):
    y = x * 1.0
    v = y[()]
    v *= 3.0
    return np.sum(y * x)


CASES.add(empty_tuple_index_is_view, M)


def reshape_same_shape_is_view(x):
    y = x * 1.0
    v = np.reshape(y, y.shape)
    v[0, 0] = 0.0
    return np.sum(y ** 2)


CASES.add(reshape_same_shape_is_view, M)


def astype_copy_false_is_same_array(x):
    y = x * 1.0
    z = y.astype(np.float64, copy=False)
    z += 1.0
    return np.sum(y ** 2)


CASES.add(astype_copy_false_is_same_array, V)


def astype_default_is_copy(x):
    y = x * 1.0
    z = y.astype(np.float64)
    z += 1.0
    return np.sum(y ** 2) + np.sum(z)


CASES.add(astype_default_is_copy, V)


def asarray_with_dtype_is_same_array(x):
    y = x * 1.0
    z = np.asarray(y, dtype=np.float64)
    z *= 2.0
    return np.sum(y * x)


CASES.add(asarray_with_dtype_is_same_array, V)


def np_copy_is_copy(x):
    y = x * 1.0
    z = np.copy(y)
    z *= 2.0
    return np.sum(y * x) + np.sum(z)


CASES.add(np_copy_is_copy, V)


def atleast_1d_returns_same_array(x):
    y = x * 1.0
    z = np.atleast_1d(y)
    z[0] = 0.0
    return np.sum(y ** 2)


CASES.add(atleast_1d_returns_same_array, V)


def ravel_function_contiguous_view(x):
    y = x * 1.0
    r = np.ravel(y)
    r[4] = 0.0
    return np.sum(y ** 2)


CASES.add(ravel_function_contiguous_view, M)


def swapaxes_method_view(x):
    y = x * 1.0
    s = y.swapaxes(0, 1)
    s[0, 1] = 0.0
    return np.sum(y ** 2)


CASES.add(swapaxes_method_view, M)


def array_split_parts_are_views(x):
    y = x * 1.0
    parts = np.array_split(y, 3)
    parts[1] *= 10.0
    return np.sum(y ** 2)


CASES.add(array_split_parts_are_views, np.array([0.3, -0.8, 1.1, 0.45, 0.6, -0.2]))


def vsplit_rows_are_views(x):
    y = x * 1.0
    top, bottom = np.vsplit(y, 2)
    bottom += top
    return np.sum(y ** 2)


CASES.add(vsplit_rows_are_views, M)


def transpose_of_1d_is_same_data(x):
    y = x * 1.0
    t = y.T
    t[0] = 3.0
    return np.sum(y * x)


CASES.add(transpose_of_1d_is_same_data, V)


def newaxis_then_index_view(x):
    y = x * 1.0
    w = y[:, np.newaxis][:, 0]
    w += 2.0
    return np.sum(y ** 2)


CASES.add(newaxis_then_index_view, V)


def rollaxis_view(x):
    y = x * 1.0
    r = np.rollaxis(y, 2)
    r[0] = 0.0
    return np.sum(y ** 2)


CASES.add(rollaxis_view, T)


def flat_index_read(x):
    return x.flat[2] * 3.0 + np.sum(x)


CASES.add(flat_index_read, V)


def copy_module_deepcopy(x):
    import copy
    y = copy.deepcopy(x)
    return np.sum(y ** 2)


CASES.add(copy_module_deepcopy, V)


def copy_module_copy(x):
    import copy
    y = copy.copy(x)
    y[0] = 0.0
    return np.sum(y ** 2) + np.sum(x)


CASES.add(copy_module_copy, V)


def deepcopy_dict_of_arrays(w, b):
    import copy
    params = copy.deepcopy({"w": w, "b": b})
    params["w"] *= 2.0
    return np.sum(np.tanh(params["w"] * V3 + params["b"])) + np.sum(w)


CASES.add(deepcopy_dict_of_arrays, V3 * 0.5, 0.25, wrt=(0, 1))


def float_list_item_augassign_no_alias(x):
    a = x * 2.0
    vals = [a, x]
    vals[0] += 1.0
    return a * vals[0] + vals[1]


CASES.add(float_list_item_augassign_no_alias, S)


def numpy_scalar_augassign_no_alias(x):
    s = np.sum(x ** 2)
    t = s
    s += 1.0
    return t * s


CASES.add(numpy_scalar_augassign_no_alias, V)


def zero_d_array_augassign_aliases(x):
    s = np.array(np.sum(x ** 2))
    t = s
    s += 1.0
    return float(t) * 2.0 + float(s)


CASES.add(zero_d_array_augassign_aliases, V)


def ellipsis_after_int_is_0d_view(x):
    y = x * 1.0
    v = y[0, ...]
    v += 5.0
    return np.sum(y ** 2)


CASES.add(ellipsis_after_int_is_0d_view, V)


def keepdims_sum_is_array_alias(x):
    s = np.sum(x, keepdims=True)
    t = s
    s *= 3.0
    return np.sum(t * x)


CASES.add(keepdims_sum_is_array_alias, V)


def scalar_attribute_augassign(x):
    h = _Holder()
    h.v = x * 2.0
    before = h.v
    h.v += 1.0
    return before * h.v


CASES.add(scalar_attribute_augassign, S)


def container_element_chained_setitem(x):
    parts = [x * 1.0, x * 2.0]
    parts[0][1] = 7.0
    return np.sum(parts[0] * parts[1])


CASES.add(container_element_chained_setitem, V)


def base_of_view_is_parent(x):
    y = x * 1.0
    v = y[1:]
    b = v.base
    b[0] = 9.0
    return np.sum(y * x)


CASES.add(base_of_view_is_parent, V)


def dunder_array_returns_self(x):
    y = x * 1.0
    z = y.__array__()
    z[2] = 0.0
    return np.sum(y ** 2)


CASES.add(dunder_array_returns_self, V)


def mT_view_write(x):
    y = x * 1.0
    t = y.mT
    t[0, 1] = 0.0
    return np.sum(y ** 2)


CASES.add(mT_view_write, M)


def as_strided_view_write(x):
    from numpy.lib.stride_tricks import as_strided
    y = x * 1.0
    evens = as_strided(y, shape=(2,), strides=(2 * y.itemsize,))
    evens[1] = 0.0
    return np.sum(y ** 2)


CASES.add(as_strided_view_write, V)


def global_alias_of_local_then_mutated(x):
    global _ALIAS
    y = x * 1.0
    _ALIAS = y
    y *= 2.0
    return np.sum(_ALIAS * x)


_ALIAS = None
CASES.add(global_alias_of_local_then_mutated, V)


def memoryview_roundtrip_view(x):
    y = x * 1.0
    z = np.asarray(memoryview(y))
    z[0] = 4.0
    return np.sum(y ** 2)


CASES.add(memoryview_roundtrip_view, V)


def chained_assignment_shares_array(x):
    a = b = x * 2.0
    a += 1.0
    return np.sum(b * x)


CASES.add(chained_assignment_shares_array, V)


def chained_assignment_float_does_not_share(s):
    a = b = s * 2.0
    a += 1.0
    return a * b


CASES.add(chained_assignment_float_does_not_share, S)


def chained_assignment_setitem(x):
    a = b = np.zeros(4)
    a[1] = x[0] * 3.0
    return np.sum(b * x)


CASES.add(chained_assignment_setitem, V)


# functions that return a view of (or the very same) array, though they read like copies


def flip_returns_view(x):
    y = x * 1.0
    f = np.flip(y)
    f[0] = 9.0
    return np.sum(y * x)


CASES.add(flip_returns_view, V)


def fliplr_flipud_return_views(x):
    y = x * 1.0
    np.fliplr(y)[0, 0] = 7.0
    np.flipud(y)[0, 1] = -7.0
    return np.sum(y * x)


CASES.add(fliplr_flipud_return_views, M)


def rot90_returns_view(x):
    y = x * 1.0
    r = np.rot90(y)
    r[0, 0] = 4.0
    return np.sum(y ** 2)


CASES.add(rot90_returns_view, M)


def np_real_of_real_is_same_memory(x):
    y = x * 1.0
    r = np.real(y)
    r *= 2.0
    return np.sum(y * x)


CASES.add(np_real_of_real_is_same_memory, V)


def np_array_copy_false_is_same(x):
    y = x * 1.0
    z = np.array(y, copy=False)
    z[1] = 0.0
    return np.sum(y ** 2)


CASES.add(np_array_copy_false_is_same, V)


def np_array_copy_none_is_same(x):
    y = x * 1.0
    z = np.array(y, copy=None)
    z += 1.0
    return np.sum(y * x)


CASES.add(np_array_copy_none_is_same, V)


def asanyarray_and_require_are_same(x):
    y = x * 1.0
    np.asanyarray(y)[0] = 3.0
    np.require(y)[1] = -3.0
    return np.sum(y * x)


CASES.add(asanyarray_and_require_are_same, V)


def nan_to_num_copy_false_in_place(x):
    y = x * 2.0
    z = np.nan_to_num(y, copy=False)
    z *= 0.5
    return np.sum(y * x)


CASES.add(nan_to_num_copy_false_in_place, V)


def asarray_chkfinite_is_same(x):
    y = x * 1.0
    z = np.asarray_chkfinite(y)
    z[2] = 0.0
    return np.sum(y ** 2)


CASES.add(asarray_chkfinite_is_same, V)


def asfortranarray_of_1d_is_same(x):
    y = x * 1.0
    z = np.asfortranarray(y)
    z *= 3.0
    return np.sum(y * x)


CASES.add(asfortranarray_of_1d_is_same, V)


def squeeze_without_unit_axes_is_view(x):
    y = x * 1.0
    s = np.squeeze(y)
    s[0, 0] = 0.0
    return np.sum(y ** 2)


CASES.add(squeeze_without_unit_axes_is_view, M)


def unstack_returns_views(x):
    y = x * 1.0
    a, b = np.unstack(y)
    a[0] = 5.0
    return np.sum(y * x)


CASES.add(unstack_returns_views, M)


def trim_zeros_returns_view(x):
    y = np.concatenate([np.zeros(1), x * 1.0, np.zeros(1)])
    t = np.trim_zeros(y)
    t *= 2.0
    return np.sum(y ** 2)


CASES.add(trim_zeros_returns_view, V)


def permute_dims_returns_view(x):
    y = x * 1.0
    p = np.permute_dims(y, (1, 0))
    p[0, 1] = 0.0
    return np.sum(y ** 2)


CASES.add(permute_dims_returns_view, M)


def matrix_transpose_returns_view(x):
    y = x * 1.0
    t = np.matrix_transpose(y)
    t += 1.0
    return np.sum(y * x)


CASES.add(matrix_transpose_returns_view, M)


def einsum_diagonal_is_writeable_view(x):
    y = x * 1.0
    d = np.einsum("ii->i", y)
    d *= 3.0
    return np.sum(y * np.arange(9.0).reshape(3, 3))


CASES.add(einsum_diagonal_is_writeable_view, np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]]))


def einsum_transpose_is_view(x):
    y = x * 1.0
    t = np.einsum("ij->ji", y)
    t[0, 0] = 0.0
    return np.sum(y ** 2)


CASES.add(einsum_transpose_is_view, M)


def atleast_3d_returns_view(x):
    y = x * 1.0
    a = np.atleast_3d(y)
    a[0, 0, 0] = 9.0
    return np.sum(y * x)


CASES.add(atleast_3d_returns_view, M)


def hsplit_returns_views(x):
    y = x * 1.0
    left, right = np.hsplit(y, [1])
    right *= 2.0
    return np.sum(y ** 2)


CASES.add(hsplit_returns_views, M)
