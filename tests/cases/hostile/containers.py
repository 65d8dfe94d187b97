"""Values that flow through lists, tuples and dicts: built, appended, extended, read back."""

import numpy as np

from . import M, MP, S, S2, T, V, V3, VP, Registry

CASES = Registry("containers")


def list_append_concat(x):
    parts = []
    parts.append(np.sin(x))
    parts.append(x * 3.0)
    return np.sum(np.concatenate(parts) ** 2)


CASES.add(list_append_concat, V)


def list_append_stack(x):
    rows = []
    rows.append(x)
    rows.append(x ** 2)
    rows.append(np.exp(x))
    stacked = np.stack(rows)
    return np.sum(stacked * np.arange(1.0, 4.0)[:, None])


CASES.add(list_append_stack, V)


def list_literal_index(x):
    items = [x, x * 2.0, x ** 3]
    return items[2] + items[0] * items[1]


CASES.add(list_literal_index, S)


def list_extend_sum(x):
    acc = [x]
    acc.extend([x * x, np.cos(x)])
    total = acc[0] + acc[1] + acc[2]
    return total


CASES.add(list_extend_sum, S)


def list_item_overwritten(x):
    vals = [x, x]
    vals[1] = x ** 3
    return vals[0] * vals[1]


CASES.add(list_item_overwritten, S)


def list_negative_index(x):
    seq = [x * 1.5, np.tanh(x), x + 4.0]
    return np.sum(seq[-1] * seq[-2])


CASES.add(list_negative_index, V)


def tuple_pack_unpack(x, y):
    pair = (x * y, x - y)
    a, b = pair
    return np.sum(a ** 2 + b)


CASES.add(tuple_pack_unpack, V, VP, wrt=(0, 1))


def tuple_slice(x):
    t = (x, x * 2.0, x * 3.0, x * 4.0)
    first, second = t[1:3]
    return np.sum(first * second)


CASES.add(tuple_slice, V3)


def dict_values_read(x):
    d = {"a": x * 2.0, "b": np.log(x)}
    return np.sum(d["a"] * d["b"])


CASES.add(dict_values_read, VP)


def dict_overwrite_key(x):
    d = {"w": x}
    d["w"] = d["w"] * 3.0
    d["w"] = d["w"] + x ** 2
    return np.sum(d["w"])


CASES.add(dict_overwrite_key, V)


def dict_update_method(x):
    d = {"a": x}
    d.update({"b": x ** 2})
    d.update(c=np.sin(x))
    return np.sum(d["a"] + d["b"] + d["c"])


CASES.add(dict_update_method, V)


def dict_get_default(x):
    d = {"scale": x * 2.0}
    s = d.get("scale", 1.0)
    o = d.get("offset", 0.5)
    return np.sum(s * x + o)


CASES.add(dict_get_default, V)


def dict_setdefault(x):
    d = {}
    d.setdefault("acc", x * 0.5)
    d.setdefault("acc", x * 100.0)
    return np.sum(d["acc"] ** 2)


CASES.add(dict_setdefault, V)


def list_pop_last(x):
    stack = [x, x ** 2, x ** 3]
    top = stack.pop()
    return np.sum(top + stack[-1])


CASES.add(list_pop_last, V)


def list_insert_front(x):
    seq = [x ** 2]
    seq.insert(0, np.exp(x))
    return np.sum(seq[0] * 2.0 + seq[1])


CASES.add(list_insert_front, V)


def list_reverse_inplace(x):
    seq = [x, x * 2.0, x * 5.0]
    seq.reverse()
    return np.sum(seq[0] - seq[2])


CASES.add(list_reverse_inplace, V)


def list_plus_list(x):
    a = [x]
    b = [x * x]
    c = a + b
    return np.sum(c[1] - c[0] * 3.0)


CASES.add(list_plus_list, V)


def list_times_int(x):
    rep = [x * 2.0] * 3
    return np.sum(np.concatenate(rep) ** 2)


CASES.add(list_times_int, V)


def np_array_of_list(x, y):
    row = np.array([x, y, x * y])
    return np.sum(row ** 2)


CASES.add(np_array_of_list, S, S2, wrt=(0, 1))


def list_aliased(x):
    a = []
    b = a
    b.append(x * 3.0)
    return np.sum(a[0] ** 2)


CASES.add(list_aliased, V)


def list_of_arrays_sum_builtin(x):
    parts = [x, x ** 2, np.sin(x)]
    return np.sum(sum(parts))


CASES.add(list_of_arrays_sum_builtin, M)


def nested_list_matrix(x):
    grid = [[x, 2.0 * x], [x * x, 1.0]]
    mat = np.array(grid)
    return np.sum(mat @ mat)


CASES.add(nested_list_matrix, S)


def dict_of_params(w, b):
    params = {"w": w, "b": b}
    out = np.tanh(V3 @ params["w"] + params["b"])
    return np.sum(out ** 2)


CASES.add(dict_of_params, np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.6]]), np.array([0.1, -0.2]), wrt=(0, 1))


def container_argument(x, cfg):
    return np.sum(x * cfg["scale"] + cfg["shift"][0])


CASES.add(container_argument, V, {"scale": 2.5, "shift": [0.3]})


def list_copy_then_append(x):
    a = [x]
    b = list(a)
    b.append(x * 10.0)
    return np.sum(a[-1] + b[-1])


CASES.add(list_copy_then_append, V)


def dict_pop_value(x):
    d = {"a": x ** 2, "b": x * 7.0}
    v = d.pop("a")
    return np.sum(v + d["b"])


CASES.add(dict_pop_value, M)


def hstack_built_list(x):
    cols = []
    cols.append(x[:, :1] * 2.0)
    cols.append(x[:, 1:] ** 2)
    return np.sum(np.hstack(cols) * np.arange(1.0, 4.0))


CASES.add(hstack_built_list, M)


def list_sort_key(x):
    items = [(1, x * 2.0), (0, x ** 2)]
    items.sort(key=lambda p: p[0])
    return np.sum(items[0][1] - items[1][1])


CASES.add(list_sort_key, V)


def tuple_literal_concatenate(x):
    return np.sum(np.concatenate((x, x ** 2)) * np.arange(8.0))


CASES.add(tuple_literal_concatenate, V)


def np_array_of_elements(x):
    v = np.array([x[0], x[1] ** 2, 3.0])
    return np.sum(v * np.array([1.0, 2.0, 3.0])) + np.sum(v ** 2)


CASES.add(np_array_of_elements, V)


def nested_elements_matrix(x):
    m = np.array([[x[0], 1.0], [2.0, x[1]]])
    return np.linalg.det(m) + np.sum(m ** 2)


CASES.add(nested_elements_matrix, V)


def dict_constructor_call(x):
    d = dict(a=x * 2.0, b=np.sin(x))
    return np.sum(d["a"] * d["b"])


CASES.add(dict_constructor_call, V)


def list_inside_tuple_appended(x):
    t = ([x],)
    t[0].append(x ** 2)
    return np.sum(t[0][1] + t[0][0])


CASES.add(list_inside_tuple_appended, V)


def shallow_copy_shares_arrays(x):
    import copy
    y = x * 1.0
    a = [y]
    b = copy.copy(a)
    b[0][0] = 9.0
    return np.sum(a[0] * x)


CASES.add(shallow_copy_shares_arrays, V)


def stack_tuple_of_rows(x):
    return np.sum(np.stack((x[0], x[1] * 2.0), axis=1) ** 2)


CASES.add(stack_tuple_of_rows, M)


def fromkeys_shares_value(x):
    d = dict.fromkeys(["a", "b"], x * 2.0)
    return np.sum(d["a"] + d["b"])


CASES.add(fromkeys_shares_value, V)


def appended_array_mutated_afterwards(x):
    y = x * 1.0
    parts = []
    parts.append(y)
    y *= 2.0
    return np.sum(np.concatenate(parts) * x)


CASES.add(appended_array_mutated_afterwards, V)


def same_array_appended_twice(x):
    y = x * 1.0
    parts = [y]
    parts.append(y)
    parts[0][0] = 10.0
    return np.sum(parts[1] * x)


CASES.add(same_array_appended_twice, V)


def append_derived_from_first(x):
    parts = []
    parts.append(x * 2.0)
    parts.append(parts[0] ** 2)
    return np.sum(parts[1] - parts[0])


CASES.add(append_derived_from_first, V)


def insert_negative_index(x):
    seq = [x, x ** 2]
    seq.insert(-1, x * 10.0)
    return np.sum(seq[1] + 3.0 * seq[2])


CASES.add(insert_negative_index, V)


def insert_past_the_end(x):
    seq = [x]
    seq.insert(100, np.sin(x))
    return np.sum(seq[1] * seq[0])


CASES.add(insert_past_the_end, V)


def pop_first_and_middle(x):
    seq = [x, x * 2.0, x ** 2, x * 5.0]
    a = seq.pop(0)
    b = seq.pop(-2)
    return np.sum(a * b + seq[0] + 2.0 * seq[-1])


CASES.add(pop_first_and_middle, V)


def list_slice_delete(x):
    seq = [x, x ** 2, x * 3.0]
    del seq[1:]
    seq.append(x * 7.0)
    return np.sum(seq[-1] * seq[0])


CASES.add(list_slice_delete, V)


def list_slice_assignment(x):
    seq = [x, x, x]
    seq[1:2] = [x ** 2, x * 4.0]
    return np.sum(seq[1] + seq[2] * seq[3])


CASES.add(list_slice_assignment, V)


def reversed_list_slice(x):
    seq = [x, x ** 2, x ** 3]
    r = seq[::-1]
    return np.sum(r[0] * 2.0 + r[2])


CASES.add(reversed_list_slice, V)


def list_copy_method_independent(x):
    a = [x]
    b = a.copy()
    b.append(x * 9.0)
    b[0] = x ** 2
    return np.sum(a[0] + b[0] + b[-1])


CASES.add(list_copy_method_independent, V)


def list_clear_then_append(x):
    seq = [x ** 2]
    seq.clear()
    seq.append(x * 3.0)
    return np.sum(seq[0])


CASES.add(list_clear_then_append, V)


def len_of_built_list_scales(x):
    parts = [x]
    parts.append(x)
    parts.append(x)
    return np.sum(x ** 2) * len(parts)


CASES.add(len_of_built_list_scales, V)


def dict_update_with_dict_after_read(x):
    d = {"w": x * 2.0}
    a = d["w"]
    d.update({"w": x * 5.0})
    return np.sum(a * d["w"])


CASES.add(dict_update_with_dict_after_read, V)


def dict_pop_with_default(x):
    d = {"a": x ** 2}
    v = d.pop("b", x * 3.0)
    w = d.pop("a", x)
    return np.sum(v * w)


CASES.add(dict_pop_with_default, V)


def dict_get_active_default(x):
    d = {}
    return np.sum(d.get("missing", x * 2.0) ** 2)


CASES.add(dict_get_active_default, V)


def dict_inplace_union(x):
    d = {"a": x}
    d |= {"b": x ** 2, "a": x * 4.0}
    return np.sum(d["a"] + d["b"])


CASES.add(dict_inplace_union, V)


def dict_union_operator(x):
    d = {"a": x}
    e = d | {"a": np.sin(x)}
    return np.sum(d["a"] * e["a"])


CASES.add(dict_union_operator, V)


def sum_of_dict_values(x):
    d = {"a": x, "b": x ** 2}
    return np.sum(sum(d.values()))


CASES.add(sum_of_dict_values, V)


def dict_values_list_index(x):
    d = {"a": x * 2.0, "b": x ** 3}
    return np.sum(list(d.values())[1])


CASES.add(dict_values_list_index, V)


def dict_popitem_lifo(x):
    d = {"a": x, "b": x ** 2}
    k, v = d.popitem()
    return np.sum(v * 2.0 + d["a"])


CASES.add(dict_popitem_lifo, V)


def dict_variable_key(x):
    k = "a"
    d = {}
    d[k] = x * 3.0
    k = "b"
    d[k] = x ** 2
    return np.sum(d["a"] * d["b"])


CASES.add(dict_variable_key, V)


def tuple_concat_and_repeat(x):
    t = (x,) + (x ** 2,)
    r = (x * 3.0,) * 2
    return np.sum(t[1] * r[1] + t[0])


CASES.add(tuple_concat_and_repeat, V)


def nested_dict_list_append(x):
    d = {"layer": [x, x * 2.0]}
    d["layer"].append(x ** 2)
    return np.sum(d["layer"][2] + d["layer"][1])


CASES.add(nested_dict_list_append, V)


def dict_copy_independent(x):
    d = {"a": x}
    e = d.copy()
    e["a"] = x ** 2
    return np.sum(d["a"] * 3.0 + e["a"])


CASES.add(dict_copy_independent, V)


def list_extend_with_itself(x):
    seq = [x, x ** 2]
    seq.extend(seq)
    return np.sum(seq[3] + seq[2] * 2.0)


CASES.add(list_extend_with_itself, V)


def list_append_itself_alias(x):
    a = [x]
    b = a
    a = a + [x ** 2]
    b.append(x * 3.0)
    return np.sum(a[-1] + b[-1])


CASES.add(list_append_itself_alias, V)


def list_iadd_visible_through_alias(x):
    acc = [x]
    other = acc
    acc += [x * 2.0]
    return np.sum(other[-1] ** 2)


CASES.add(list_iadd_visible_through_alias, V)


def tuple_iadd_not_visible_through_alias(x):
    t = (x,)
    u = t
    t += (x ** 2,)
    return np.sum(u[-1] * 3.0 + t[-1])


CASES.add(tuple_iadd_not_visible_through_alias, V)


def list_imul_visible_through_alias(x):
    acc = [x * 2.0]
    other = acc
    acc *= 2
    return np.sum(other[1] ** 2) * len(other)


CASES.add(list_imul_visible_through_alias, V)


def list_plus_is_new_list(x):
    acc = [x]
    other = acc
    acc = acc + [x ** 2]
    return np.sum(other[-1] * 5.0 + acc[-1])


CASES.add(list_plus_is_new_list, V)


def del_dict_key_then_get_default(x):
    d = {"a": x ** 2}
    del d["a"]
    return np.sum(d.get("a", x * 3.0))


CASES.add(del_dict_key_then_get_default, V)


def list_slice_iadd(x):
    acc = [x, x * 2.0]
    acc[0:1] += [x ** 2]
    return np.sum(acc[1] * acc[2])


CASES.add(list_slice_iadd, V)


def lambda_appends_when_called(x):
    acc = []
    push = lambda v: acc.append(v)   # noqa: E731
    push(x * 4.0)
    return np.sum(acc[0] ** 2)


CASES.add(lambda_appends_when_called, V)


def _returns_its_list(lst, v):
    lst.append(v)
    return lst


def _set_key(d, v):
    d["k"] = v


def _bump_first(lst):
    lst[0] += 1.0


def helper_returns_same_list_alias(x):
    a = [x]
    b = _returns_its_list(a, x ** 2)
    b.append(x * 3.0)
    return np.sum(a[-1] + a[1])


CASES.add(helper_returns_same_list_alias, V)


def helper_sets_dict_key(x):
    d = {"k": x}
    _set_key(d, x ** 3)
    return np.sum(d["k"])


CASES.add(helper_sets_dict_key, V)


def helper_bumps_array_in_list(x):
    y = x * 2.0
    lst = [y]
    _bump_first(lst)
    return np.sum(y * x)


CASES.add(helper_bumps_array_in_list, V)


def appended_array_then_item_iadd(x):
    y = x * 1.0
    parts = []
    parts.append(y)
    parts[0] += 1.0
    return np.sum(y * x)


CASES.add(appended_array_then_item_iadd, V)


def dict_update_shares_array_then_iadd(x):
    y = x * 1.0
    d = {}
    d.update({"y": y})
    d["y"] += x
    return np.sum(y * x)


CASES.add(dict_update_shares_array_then_iadd, V)


def extend_shares_arrays_then_setitem(x):
    y = x * 1.0
    parts = []
    parts.extend([y, y * 2.0])
    parts[0][0] = 0.0
    return np.sum(y * x)


CASES.add(extend_shares_arrays_then_setitem, V)


def insert_shares_array_then_imul(x):
    y = x * 1.0
    parts = [x]
    parts.insert(0, y)
    parts[0] *= 3.0
    return np.sum(y * x) + np.sum(parts[1])


CASES.add(insert_shares_array_then_imul, V)


def setdefault_returns_stored_array(x):
    d = {}
    v = d.setdefault("k", x * 1.0)
    v += 2.0
    return np.sum(d["k"] * x)


CASES.add(setdefault_returns_stored_array, V)


def pop_returns_stored_array_alias(x):
    y = x * 1.0
    parts = [y, x]
    z = parts.pop(0)
    z *= 4.0
    return np.sum(y * x)


CASES.add(pop_returns_stored_array_alias, V)


def get_returns_stored_array_alias(x):
    d = {"w": x * 1.0}
    w = d.get("w")
    w -= 1.0
    return np.sum(d["w"] ** 2)


CASES.add(get_returns_stored_array_alias, V)


from collections import namedtuple  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402

_Params = namedtuple("_Params", "w b")


@_dataclass
class _DataParams:
    w: np.ndarray
    b: float = 0.0


def namedtuple_of_params(x):
    p = _Params(x * 2.0, 0.5)
    return np.sum(p.w ** 2 + p.b) + np.sum(p[0])


CASES.add(namedtuple_of_params, V)


def namedtuple_replace(x):
    p = _Params(x, 1.0)
    q = p._replace(w=x ** 2)
    return np.sum(p.w * q.w)


CASES.add(namedtuple_replace, V)


def dataclass_of_params(x):
    p = _DataParams(w=x * 3.0, b=0.25)
    return np.sum(np.tanh(p.w) + p.b)


CASES.add(dataclass_of_params, V)


def dataclass_field_updated(x):
    p = _DataParams(w=x)
    p.w = p.w * 2.0 + 1.0
    return np.sum(p.w ** 2)


CASES.add(dataclass_field_updated, V)


def itemgetter_attrgetter(x):
    import operator
    first = operator.itemgetter(0)(x)
    tr = operator.attrgetter("T")(x.reshape(2, 2))
    return first * 3.0 + np.sum(tr * np.array([[1.0, 2.0], [3.0, 4.0]]))


CASES.add(itemgetter_attrgetter, V)


def reduce_with_numpy_add(x):
    import functools
    return np.sum(functools.reduce(np.add, [x, x ** 2, np.sin(x)]))


CASES.add(reduce_with_numpy_add, V)


def builtin_sum_with_array_start(x):
    return np.sum(sum([x, x ** 2], np.zeros(4)) ** 2)


CASES.add(builtin_sum_with_array_start, V)


def namespace_from_dict(x):
    import types
    ns = types.SimpleNamespace(**{"w": x * 2.0, "k": 3.0})
    return np.sum(ns.w * ns.k)


CASES.add(namespace_from_dict, V)
