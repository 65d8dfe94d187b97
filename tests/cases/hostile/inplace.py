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


def index_list_mutated_after_setitem(x):
    idx = [0, 2]
    y = np.zeros(4)
    y[idx] = x[:2] ** 2
    idx[0] = 1
    y[idx] += x[2:]
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(index_list_mutated_after_setitem, V)


def mask_mutated_after_setitem(x):
    m = x > 0.0
    y = x * 2.0
    y[m] = x[m] ** 3
    m[:] = True
    return np.sum(y * x)


CASES.add(mask_mutated_after_setitem, V)


def gather_index_array_mutated(x):
    idx = np.array([0, 2])
    z = x[idx] * 3.0
    idx[0] = 3
    return np.sum(z ** 2) + np.sum(x[idx])


CASES.add(gather_index_array_mutated, V)


def slice_object_variable(x):
    s = slice(1, 3)
    y = x.copy()
    y[s] = np.exp(x[s])
    return np.sum(y * x)


CASES.add(slice_object_variable, V)


def overwritten_slot_read_in_value(x):
    y = x.copy()
    y[0] = y[0] ** 2 + y[1]
    y[1] = y[0] * 3.0
    return np.sum(y ** 2)


CASES.add(overwritten_slot_read_in_value, V)


def view_read_after_parent_setitem(x):
    y = x.copy()
    tail = y[1:]
    y[1] = 10.0 * x[0]
    return np.sum(tail ** 2)


CASES.add(view_read_after_parent_setitem, V)


def row_iadd_row(x):
    y = x.copy()
    y[0] += y[1] * 2.0
    return np.sum(y ** 2)


CASES.add(row_iadd_row, M)


def scalar_broadcast_into_slice(s):
    y = np.ones(5)
    y[1:4] = s
    return np.sum(np.sin(y) * np.arange(5.0))


CASES.add(scalar_broadcast_into_slice, S)


def negative_step_setitem(x):
    y = np.zeros(4)
    y[::-2] = x[:2]
    return np.sum(y * np.arange(1.0, 5.0)) + np.sum(y ** 2)


CASES.add(negative_step_setitem, V)


def ellipsis_int_iadd(x, v):
    y = x.copy()
    y[..., 1] += v
    return np.sum(y ** 2)


CASES.add(ellipsis_int_iadd, T, np.array([[0.5, -0.5, 1.0], [0.2, 0.3, -0.1]]), wrt=(0, 1))


def int_array_target_truncates(x):
    y = np.zeros(4, dtype=int)
    y[0] = x[3] * 10.0
    return np.sum(y * x)


CASES.add(int_array_target_truncates, V)


def int_array_iadd_truncates(x):
    k = np.array([1, 2, 3, 4])
    k += (x * 10.0 + 100.0).astype(int)
    return np.sum(k * x)


CASES.add(int_array_iadd_truncates, np.array([0.34, -0.81, 1.15, 0.45]))


def bool_array_target(x):
    flags = np.zeros(4, dtype=bool)
    flags[1:3] = x[1:3] > 0.0
    return np.sum(np.where(flags, x ** 2, x))


CASES.add(bool_array_target, V)


def float_rebinding_not_mutation(x):
    k = 2.0
    y = x * k
    k += 1.0
    return np.sum(y * k)


CASES.add(float_rebinding_not_mutation, V)


def setitem_index_from_argmax(x):
    i = int(np.argmax(x))
    y = x.copy()
    y[i] = y[i] ** 2
    return np.sum(y)


CASES.add(setitem_index_from_argmax, V)


def tuple_holds_array_then_iadd(x):
    y = x * 1.0
    t = (y, 2.0)
    y += x ** 2
    return np.sum(t[0] * t[1])


CASES.add(tuple_holds_array_then_iadd, V)


def transpose_view_read_after_parent_write(x):
    y = x.copy()
    z = y.T
    y[0, 1] = 5.0 * x[1, 2]
    return np.sum(z * np.arange(6.0).reshape(3, 2))


CASES.add(transpose_view_read_after_parent_write, M)


def square_assign_own_transpose(x):
    y = x * 1.0
    y[:, :] = y.T
    return np.sum(y * np.arange(9.0).reshape(3, 3))


CASES.add(square_assign_own_transpose, np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]]))


def rows_built_then_multiplied(x):
    y = np.zeros((2, 4))
    y[0] = x
    y[1] = x ** 2
    y[1] *= y[0]
    return np.sum(y * np.array([[1.0], [2.0]]))


CASES.add(rows_built_then_multiplied, V)


def tuple_index_variable(x):
    idx = (0, slice(None))
    y = np.ones((2, 3))
    y[idx] = x[1] * 2.0
    return np.sum(y ** 2 * x)


CASES.add(tuple_index_variable, M)


def mask_reused_after_write(x):
    y = x * 2.0
    m = y > 0.5
    y[m] = y[m] ** 2
    return np.sum(y[m]) + np.sum(y)


CASES.add(mask_reused_after_write, V)


def int_index_argument(x, i):
    y = x.copy()
    y[i] = y[i] * 5.0
    return np.sum(y ** 2)


CASES.add(int_index_argument, V, 2)


def setitem_then_reduce_then_setitem(x):
    y = np.zeros(4)
    y[:2] = x[:2]
    s = np.sum(y ** 2)
    y[2:] = s * x[2:]
    return np.sum(y)


CASES.add(setitem_then_reduce_then_setitem, V)


def dict_item_iadd_on_copy(x):
    d = {"acc": x * 1.0}
    d["acc"] += x ** 2
    return np.sum(d["acc"]) + np.sum(x)


CASES.add(dict_item_iadd_on_copy, V)


def dict_item_iadd_aliases_local(x):
    y = x * 1.0
    d = {"acc": y}
    d["acc"] += 1.0
    return np.sum(y * x)


CASES.add(dict_item_iadd_aliases_local, V)


def rebind_argument_to_copy_then_mutate(x):
    x = x.copy()
    x[0] = 0.25
    x *= 2.0
    return np.sum(x ** 2)


CASES.add(rebind_argument_to_copy_then_mutate, V)


def rebind_argument_to_asarray_then_mutate(x):
    x = np.asarray(x)
    x += 1.0
    return np.sum(x ** 2)


CASES.add(rebind_argument_to_asarray_then_mutate, V)


def rebind_argument_to_asarray_float_then_setitem(x):
    x = np.asarray(x, dtype=float)
    x[1] = 3.0
    return np.sum(np.sin(x))


CASES.add(rebind_argument_to_asarray_float_then_setitem, V)


def rebind_argument_to_array_then_mutate(x):
    x = np.array(x)
    x -= 0.5
    return np.sum(x ** 3)


CASES.add(rebind_argument_to_array_then_mutate, V)


def empty_like_filled_then_iadd(x):
    out = np.empty_like(x)
    out[:] = x
    out += np.cos(x)
    return np.sum(out ** 2)


CASES.add(empty_like_filled_then_iadd, M)


def inline_out_temporary(x):
    y = np.exp(x, out=np.empty_like(x))
    return np.sum(y * x)


CASES.add(inline_out_temporary, V)


def method_self_state_reset(x):
    class Acc:
        def __init__(self):
            self.total = 0.0

        def add(self, v):
            self.total += v

    a = Acc()
    a.add(np.sum(x ** 2))
    a.add(np.sum(x))
    return a.total


CASES.add(method_self_state_reset, V)


def row_vector_broadcast_into_block(x, r):
    y = x.copy()
    y[:, 1:] = r[None, :2]
    return np.sum(y ** 2 * np.arange(1.0, 4.0))


CASES.add(row_vector_broadcast_into_block, M, V3, wrt=(0, 1))


def scalar_into_fancy_index(x):
    y = np.zeros(4)
    y[[0, 3]] = x[1]
    return np.sum(y * np.arange(1.0, 5.0)) + x[1] ** 2


CASES.add(scalar_into_fancy_index, V)


def reversed_rows_column_setitem(x):
    y = np.ones((3, 3))
    y[::-1, 1] = x[:3]
    return np.sum(y * np.arange(9.0).reshape(3, 3))


CASES.add(reversed_rows_column_setitem, V)


def negative_fancy_indices_setitem(x):
    y = np.zeros(4)
    y[[-1, 0]] = x[:2] ** 2
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(negative_fancy_indices_setitem, V)


def fancy_imul_repeated_last_wins(x, v):
    y = x.copy()
    y[[0, 0]] *= v[:2]
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(fancy_imul_repeated_last_wins, V, VP, wrt=(0, 1))


def mask_isub_scalar(x, s):
    y = x * 1.0
    y[x > 0.0] -= s
    return np.sum(y ** 2)


CASES.add(mask_isub_scalar, V, S, wrt=(0, 1))


def item_ipow(x):
    y = x * 1.0
    y[1] **= 2
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(item_ipow, V)


def slice_idiv_by_own_element(x):
    y = x * 1.0
    y[1:3] /= y[0]
    return np.sum(y ** 2)


CASES.add(slice_idiv_by_own_element, VP)


def list_copy_idiom_is_a_view(x):
    z = x * 1.0
    y = z[:]
    y[0] = 5.0
    return np.sum(z * x)


CASES.add(list_copy_idiom_is_a_view, V)


def setitem_leading_one_dims(x):
    y = np.zeros((1, 4))
    y[0:1] = x[None] * 2.0
    return np.sum(y ** 2)


CASES.add(setitem_leading_one_dims, V)


def setitem_value_is_view_of_target(x):
    y = x * 1.0
    y[:2] = y[2:]
    y[2:] = y[:2] * 3.0
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(setitem_value_is_view_of_target, V)


def setitem_3d_fancy_and_slice(x):
    y = np.zeros((2, 3, 4))
    y[[1, 0], :, 1:3] = x[:, :, :2] ** 2
    return np.sum(y * np.arange(24.0).reshape(2, 3, 4))


CASES.add(setitem_3d_fancy_and_slice, T)


def iadd_with_broadcast_column(x, c):
    y = x * 1.0
    y += c[:, None]
    return np.sum(np.sin(y))


CASES.add(iadd_with_broadcast_column, M, np.array([0.5, -0.25]), wrt=(0, 1))


def isub_scalar_array_result_of_reduction(x):
    y = x * 1.0
    y -= np.mean(y)
    return np.sum(y ** 2)


CASES.add(isub_scalar_array_result_of_reduction, V)


def imul_by_own_reduction_keepdims(x):
    y = x * 1.0
    y /= y.sum(axis=1, keepdims=True)
    return np.sum(y * np.arange(3.0))


CASES.add(imul_by_own_reduction_keepdims, MP)


def gather_2d_index_arrays_mutated(x):
    rows = np.array([0, 1, 1])
    cols = np.array([2, 0, 1])
    g = x[rows, cols] ** 2
    rows[0] = 1
    cols[:] = 0
    return np.sum(g * np.arange(1.0, 4.0))


CASES.add(gather_2d_index_arrays_mutated, M)


def take_index_mutated(x):
    idx = np.array([3, 1])
    t = np.take(x, idx) * 2.0
    idx[1] = 0
    return np.sum(t ** 2)


CASES.add(take_index_mutated, V)


def boolean_mask_gather_mutated(x):
    m = x > 0.0
    g = x[m] ** 2
    m[:] = True
    return np.sum(g) + 0.0 * np.sum(m)


CASES.add(boolean_mask_gather_mutated, V)


def scatter_index_mutated_after_iadd(x):
    idx = np.array([0, 2])
    y = np.zeros(4)
    y[idx] += x[:2] ** 2
    idx[0] = 3
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(scatter_index_mutated_after_iadd, V)


def take_along_axis_index_mutated(x):
    idx = np.array([[2], [0]])
    t = np.take_along_axis(x, idx, axis=1)
    idx[0, 0] = 1
    return np.sum(t ** 2)


CASES.add(take_along_axis_index_mutated, M)


def argsort_result_mutated_after_gather(x):
    order = np.argsort(x)
    s = x[order] * np.arange(1.0, 5.0)
    order[:] = order[::-1].copy()
    return np.sum(s ** 2)


CASES.add(argsort_result_mutated_after_gather, V)


def compress_condition_mutated(x):
    cond = np.array([True, False, True, True])
    c = np.compress(cond, x) ** 2
    cond[1] = True
    return np.sum(c * np.arange(1.0, 4.0))


CASES.add(compress_condition_mutated, V)


def choose_index_mutated(x):
    sel = np.array([0, 1, 0, 1])
    c = np.choose(sel, [x, x ** 2])
    sel[:] = 0
    return np.sum(c * np.arange(1.0, 5.0))


CASES.add(choose_index_mutated, V)


def ix_gather_indices_mutated(x):
    r = np.array([1, 0])
    c = np.array([2, 0])
    g = x[np.ix_(r, c)] ** 2
    r[0] = 0
    return np.sum(g * np.array([[1.0, 2.0], [3.0, 4.0]]))


CASES.add(ix_gather_indices_mutated, M)


def ellipsis_index_array_mutated(x):
    idx = np.array([3, 0])
    g = x[..., idx] * 2.0
    idx[0] = 1
    return np.sum(g ** 2 * np.arange(1.0, 3.0))


CASES.add(ellipsis_index_array_mutated, T)


def index_array_reused_after_mutation(x):
    idx = np.array([0, 1])
    a = x[idx]
    idx += 2
    b = x[idx]
    return np.sum(a * b)


CASES.add(index_array_reused_after_mutation, V)


def gather_list_index_mutated(x):
    idx = [0, 2]
    g = x[idx] * 3.0
    idx[0] = 3
    return np.sum(g ** 2) + 0.0 * len(idx)


CASES.add(gather_list_index_mutated, V)


def gather_rows_index_array_mutated(x):
    idx = np.array([1, 1, 0])
    g = x[idx, :] ** 2
    idx[:] = 0
    return np.sum(g * np.arange(9.0).reshape(3, 3))


CASES.add(gather_rows_index_array_mutated, M)


def gather_columns_index_array_mutated(x):
    idx = np.array([2, 0])
    g = x[:, idx] * np.array([1.0, 5.0])
    idx[0] = 1
    return np.sum(g ** 2)


CASES.add(gather_columns_index_array_mutated, M)


def gather_index_from_helper_mutated(x):
    idx = np.arange(2)
    g = x[idx] ** 3
    np.copyto(idx, np.array([3, 3]))
    return np.sum(g)


CASES.add(gather_index_from_helper_mutated, V)


def gather_index_is_view_of_mutated_array(x):
    order = np.array([0, 2, 1, 3])
    idx = order[:2]
    g = x[idx] ** 2
    order[0] = 3
    return np.sum(g * np.array([1.0, 5.0]))


CASES.add(gather_index_is_view_of_mutated_array, V)


def gather_index_argument_mutated(x, idx):
    g = x[idx] * 2.0
    idx[0] = 3
    return np.sum(g ** 2)


CASES.add(gather_index_argument_mutated, V, np.array([0, 2]))


def gather_index_global_mutated_and_restored(x):
    g = x[_GLOBAL_IDX] ** 2
    _GLOBAL_IDX[0] = 3
    s = np.sum(g * np.array([1.0, 4.0]))
    _GLOBAL_IDX[0] = 0
    return s


_GLOBAL_IDX = np.array([0, 1])
CASES.add(gather_index_global_mutated_and_restored, V)


def inplace_matmul_operator(x, A):
    y = x * 1.0
    y @= A
    return np.sum(y ** 2)


CASES.add(inplace_matmul_operator, np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]]),
          np.array([[1.0, 0.5, -0.2], [0.3, 1.2, 0.4], [-0.6, 0.1, 0.9]]), wrt=(0, 1))


def inplace_matmul_through_alias(x, A):
    y = x * 1.0
    z = y
    y @= A
    return np.sum(z * x)


CASES.add(inplace_matmul_through_alias, np.array([[0.9, -0.3, 0.5], [0.2, 1.1, -0.6], [0.7, 0.4, 1.3]]),
          np.array([[1.0, 0.5, -0.2], [0.3, 1.2, 0.4], [-0.6, 0.1, 0.9]]), wrt=(0, 1))


def inplace_mod_and_floordiv(x):
    y = x * 3.0
    y %= 1.0
    z = x * 3.0
    z //= 1.0
    return np.sum(y ** 2 + z * x)


CASES.add(inplace_mod_and_floordiv, np.array([0.34, -0.81, 1.17, 0.46]))


def inplace_mask_and_then_used(x):
    m = x > -0.5
    y = np.where(m, x, 0.0)
    m &= x < 1.0
    return np.sum(y ** 2) + np.sum(np.where(m, x ** 3, 0.0))


CASES.add(inplace_mask_and_then_used, V)


def gather_index_shuffled_after(x):
    idx = np.array([3, 0, 2])
    g = x[idx] * np.array([1.0, 2.0, 3.0])
    np.random.default_rng(0).shuffle(idx)
    return np.sum(g ** 2)


CASES.add(gather_index_shuffled_after, V)


def gather_index_sorted_after(x):
    idx = np.array([3, 0, 2])
    g = x[idx] * np.array([1.0, 2.0, 3.0])
    idx.sort()
    return np.sum(g ** 2)


CASES.add(gather_index_sorted_after, V)


def gather_index_put_after(x):
    idx = np.array([1, 2])
    g = x[idx] ** 2
    np.put(idx, [0], [3])
    return np.sum(g * np.array([1.0, 10.0]))


CASES.add(gather_index_put_after, V)
