"""In-place updates of local arrays and of arguments: item and slice writes, augmented operators."""

import numpy as np

from . import M, MP, S, T, TP, V, V3, VP, Registry

CASES = Registry("inplace")


def copy_then_setitem(x):
    y = x.copy()
    y[0] = x[1] * 3.0
    return np.sum(y ** 2)


CASES.add(copy_then_setitem, V)


def copy_then_iadd_item(x):
    y = x.copy()
    y[2] += x[0] ** 2
    return np.sum(y * x)


CASES.add(copy_then_iadd_item, V)


def copy_then_slice_assign(x):
    y = np.array(x)
    y[1:3] = np.sin(x[:2])
    return np.sum(y ** 2)


CASES.add(copy_then_slice_assign, V)


def zeros_then_fill_slices(x):
    out = np.zeros(2 * x.shape[0])
    out[: x.shape[0]] = x
    out[x.shape[0]:] = x ** 2
    return np.sum(out * np.arange(out.shape[0]))


CASES.add(zeros_then_fill_slices, V)


def setitem_after_use(x):
    y = x * 2.0
    s = np.sum(y ** 2)
    y[0] = 100.0
    return s + np.sum(y)


CASES.add(setitem_after_use, V)


def iadd_on_argument(x):
    x += 1.0
    return np.sum(x ** 2)


CASES.add(iadd_on_argument, V)


def imul_argument_then_original_alias(x):
    orig = x
    x *= 2.0
    return np.sum(orig * x)


CASES.add(imul_argument_then_original_alias, V)


def setitem_argument(x):
    x[0] = 0.5
    return np.sum(x ** 3)


CASES.add(setitem_argument, V)


def scalar_augassign_chain(x):
    y = x
    y += 1.0
    y *= y
    y -= x
    return y


CASES.add(scalar_augassign_chain, S)


def array_augassign_fresh(x):
    y = x * 1.0
    y += np.cos(x)
    y *= x
    y /= 3.0
    return np.sum(y)


CASES.add(array_augassign_fresh, V)


def augassign_alias_keeps_first(x):
    y = x * 2.0
    z = y
    y += 1.0
    return np.sum(z * x)


CASES.add(augassign_alias_keeps_first, V)


def row_setitem_2d(x):
    y = np.zeros_like(x)
    y[0] = x[1] * 2.0
    y[1] = x[0] ** 2
    return np.sum(y * x)


CASES.add(row_setitem_2d, M)


def column_iadd_2d(x):
    y = x.copy()
    y[:, 1] += y[:, 0]
    return np.sum(y ** 2)


CASES.add(column_iadd_2d, M)


def fancy_index_setitem(x):
    y = np.zeros(5)
    y[[0, 2, 4]] = x[:3]
    return np.sum(y * np.arange(1.0, 6.0)) + np.sum(y ** 2)


CASES.add(fancy_index_setitem, V)


def fancy_index_iadd_repeated(x):
    y = np.zeros(3)
    y[[0, 0, 2]] += x[:3]
    return np.sum(y ** 2)


CASES.add(fancy_index_iadd_repeated, V)


def mask_setitem(x):
    y = x.copy()
    y[y < 0.0] = 0.0
    return np.sum(y ** 2)


CASES.add(mask_setitem, V)


def mask_imul(x):
    y = x * 1.0
    y[x > 0.5] *= 3.0
    return np.sum(y ** 2)


CASES.add(mask_imul, V)


def ellipsis_setitem_3d(x):
    y = np.ones_like(x)
    y[..., 0] = x[..., 1] * x[..., 2]
    return np.sum(y * x)


CASES.add(ellipsis_setitem_3d, T)


def inplace_ufunc_out_self(x):
    y = x.copy()
    np.multiply(y, 2.0, out=y)
    np.sin(y, out=y)
    return np.sum(y)


CASES.add(inplace_ufunc_out_self, V)


def setitem_from_itself(x):
    y = x.copy()
    y[1:] = y[:-1] * 2.0
    return np.sum(y ** 2)


CASES.add(setitem_from_itself, V)


def double_setitem_same_slot(x):
    y = np.zeros(3)
    y[1] = x[0]
    y[1] = x[1] ** 2
    return np.sum(y * x[:3])


CASES.add(double_setitem_same_slot, V)


def float_array_setitem_scalar_arg(s):
    buf = np.ones(3)
    buf[1] = s * s
    return np.sum(np.exp(buf))


CASES.add(float_array_setitem_scalar_arg, S)


def inplace_power_slice(x):
    y = x.copy()
    y[:, :2] **= 2
    return np.sum(y)


CASES.add(inplace_power_slice, MP)


def ipow_then_reuse(x):
    y = x + 0.0
    y **= 3
    return np.sum(y - x)


CASES.add(ipow_then_reuse, VP)


def iadd_broadcast_row(x, b):
    y = x * 1.0
    y += b
    return np.sum(np.tanh(y))


CASES.add(iadd_broadcast_row, M, V3, wrt=(0, 1))


def setitem_3d_plane(x):
    y = x.copy()
    y[1] = y[0] * y[1]
    return np.sum(y ** 2)


CASES.add(setitem_3d_plane, T)


def isub_on_view_row(x):
    y = x.copy()
    r = y[0]
    r -= 1.0
    return np.sum(y ** 2)


CASES.add(isub_on_view_row, M)


def swap_items_tuple_assign(x):
    y = x.copy()
    y[0], y[1] = y[1], y[0] * 3.0
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(swap_items_tuple_assign, V)


def overlapping_slice_iadd(x):
    y = x * 1.0
    y[1:] += y[:-1]
    return np.sum(y ** 2)


CASES.add(overlapping_slice_iadd, V)


def iadd_own_transpose(x):
    y = x * 1.0
    y += y.T
    return np.sum(y * np.arange(9.0).reshape(3, 3))


CASES.add(iadd_own_transpose, np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]]))


def reversed_self_assign(x):
    y = x + 0.0
    y[::-1] = y
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(reversed_self_assign, V)


def repeated_index_setitem_last_wins(x):
    y = np.zeros(3)
    y[[1, 1]] = x[:2]
    return np.sum(y * np.array([1.0, 5.0, 2.0])) + np.sum(x)


CASES.add(repeated_index_setitem_last_wins, V)


def chained_index_write_2d(x):
    y = x * 1.0
    y[1][2] = y[0][0] * 4.0
    return np.sum(y ** 2)


CASES.add(chained_index_write_2d, M)


def chained_slice_then_item_write(x):
    y = x * 1.0
    y[1:3][0] = 10.0 * y[3]
    return np.sum(y * x)


CASES.add(chained_slice_then_item_write, V)


def fancy_copy_write_is_not_a_write(x):
    y = x * 2.0
    y[[0, 1]][0] = 100.0
    return np.sum(y ** 2)


CASES.add(fancy_copy_write_is_not_a_write, V)


def mask_copy_write_is_not_a_write(x):
    y = x * 2.0
    y[x > 0.0][0] = 100.0
    return np.sum(y ** 2)


CASES.add(mask_copy_write_is_not_a_write, V)


def scalar_item_copy_not_view(x):
    y = x * 1.0
    z = y[0]
    z += 5.0
    return np.sum(y ** 2) + z


CASES.add(scalar_item_copy_not_view, V)


def row_of_2d_is_view(x):
    y = x * 1.0
    z = y[0]
    z += 5.0
    return np.sum(y ** 2)


CASES.add(row_of_2d_is_view, M)


def length_one_slice_is_view(x):
    y = x * 1.0
    z = y[0:1]
    z += 5.0
    return np.sum(y ** 2)


CASES.add(length_one_slice_is_view, V)


def ellipsis_full_assign(x):
    y = np.empty_like(x)
    y[...] = np.sin(x)
    return np.sum(y * x)


CASES.add(ellipsis_full_assign, T)


def mask_from_input_iadd(x):
    y = x * 1.0
    y[x < 0.0] += 1.0
    return np.sum(y ** 3)


CASES.add(mask_from_input_iadd, V)


def dict_item_inplace_shares_array(x):
    c = np.array([1.0, 2.0, 3.0, 4.0])
    d = {"c": c}
    d["c"] *= 2.0
    return np.sum(x * c)


CASES.add(dict_item_inplace_shares_array, V)


def list_item_inplace_array(x):
    y = x * 1.0
    items = [y]
    items[0] += 1.0
    return np.sum(y * x)


CASES.add(list_item_inplace_array, V)


def attribute_target_augassign(x):
    class Holder:
        pass

    h = Holder()
    h.v = x * 1.0
    h.v += x ** 2
    return np.sum(h.v)


CASES.add(attribute_target_augassign, V)


def operator_iadd_function(x):
    import operator
    y = x * 1.0
    z = y
    operator.iadd(y, x)
    return np.sum(z * x)


CASES.add(operator_iadd_function, V)


def dunder_iadd_call(x):
    y = x * 1.0
    z = y
    y.__iadd__(x * 2.0)
    return np.sum(z ** 2)


CASES.add(dunder_iadd_call, V)


def setitem_scalar_array_from_float_arg(s):
    y = np.zeros(3)
    y[0] = s
    y[2] = s ** 2
    return np.sum(np.exp(y))


CASES.add(setitem_scalar_array_from_float_arg, S)
