"""Calls that write: np.add.at, out=, np.copyto, ndarray.sort/fill/put, dict and list methods,
np.put/np.place, seeded shuffles, setattr on objects, writes to module globals."""

import numpy as np

from . import M, MP, S, T, V, V3, VP, Registry

CASES = Registry("effects")


class Box:
    pass


class Accumulator:
    def __init__(self):
        self.items = []

    def add(self, v):
        self.items.append(v)

    def total(self):
        return sum(self.items)


STATE = {}
LOG = []


def add_at_scatter(x):
    buf = np.zeros(3)
    np.add.at(buf, [0, 0, 1, 2], x)
    return np.sum(buf ** 2)


CASES.add(add_at_scatter, V)


def multiply_at(x):
    buf = np.ones(4)
    np.multiply.at(buf, [1, 3], x[:2])
    return np.sum(buf * x)


CASES.add(multiply_at, V)


def ufunc_out_fresh_buffer(x):
    out = np.empty_like(x)
    np.exp(x, out=out)
    return np.sum(out)


CASES.add(ufunc_out_fresh_buffer, V)


def binary_ufunc_out(x, y):
    res = np.zeros(4)
    np.multiply(x, y, out=res)
    return np.sum(res ** 2)


CASES.add(binary_ufunc_out, V, VP, wrt=(0, 1))


def reduction_out(x):
    acc = np.zeros(3)
    np.sum(x, axis=0, out=acc)
    return np.sum(acc ** 2)


CASES.add(reduction_out, M)


def matmul_out(a):
    res = np.empty((2, 2))
    np.matmul(a, a.T, out=res)
    return np.sum(res)


CASES.add(matmul_out, M)


def copyto_buffer(x):
    buf = np.zeros(4)
    np.copyto(buf, x * 2.0)
    return np.sum(buf ** 2)


CASES.add(copyto_buffer, V)


def copyto_where(x):
    buf = np.ones(4)
    np.copyto(buf, x, where=np.array([True, False, True, False]))
    return np.sum(buf * x)


CASES.add(copyto_where, V)


def ndarray_sort_inplace(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(ndarray_sort_inplace, V)


def ndarray_fill(x):
    y = x * 2.0
    y.fill(1.0)
    return np.sum(y * x)


CASES.add(ndarray_fill, V)


def ndarray_put_method(x):
    y = x * 1.0
    y.put([0, 2], [5.0, 6.0])
    return np.sum(y ** 2)


CASES.add(ndarray_put_method, V)


def np_put_values_active(x):
    y = np.zeros(5)
    np.put(y, [1, 3], x[:2] ** 2)
    return np.sum(y * np.arange(5.0))


CASES.add(np_put_values_active, V)


def np_place(x):
    y = x * 1.0
    np.place(y, y > 0.0, np.array([9.0]))
    return np.sum(y ** 2)


CASES.add(np_place, V)


def np_putmask(x):
    y = x * 1.0
    np.putmask(y, x < 0.0, x * 10.0)
    return np.sum(y ** 2)


CASES.add(np_putmask, V)


def setitem_dunder_call(x):
    y = x * 1.0
    y.__setitem__(0, 2.0)
    return np.sum(y ** 2)


CASES.add(setitem_dunder_call, V)


def dict_update_from_active(x):
    d = {"a": 1.0}
    d.update(a=x * 3.0)
    return np.sum(d["a"] ** 2)


CASES.add(dict_update_from_active, V)


def dict_item_assign_then_clear(x):
    d = {"v": x}
    v = d["v"] * 2.0
    d.clear()
    d["v"] = v
    return np.sum(d["v"])


CASES.add(dict_item_assign_then_clear, V)


def list_pop_index(x):
    seq = [x, x * 2.0, x * 3.0]
    mid = seq.pop(1)
    return np.sum(mid * seq[1])


CASES.add(list_pop_index, V)


def list_insert_middle(x):
    seq = [x, x ** 3]
    seq.insert(1, np.sin(x))
    return np.sum(seq[1] * seq[2])


CASES.add(list_insert_middle, V)


def list_reverse_then_stack(x):
    seq = [x, x ** 2]
    seq.reverse()
    return np.sum(np.stack(seq) * np.array([[1.0], [3.0]]))


CASES.add(list_reverse_then_stack, V)


def list_remove(x):
    a = x * 2.0
    seq = [x, a, 3.0 * x]
    seq.remove(a)
    return seq[1] * seq[0]


CASES.add(list_remove, S)


def list_del_item(x):
    seq = [x ** 2, x * 5.0, x]
    del seq[0]
    return np.sum(seq[0] + seq[1])


CASES.add(list_del_item, V)


def list_iadd_extends(x):
    seq = [x]
    seq += [np.exp(x)]
    return np.sum(seq[-1])


CASES.add(list_iadd_extends, V)


def shuffle_fixed_seed(x):
    rng = np.random.default_rng(42)
    y = x * 1.0
    rng.shuffle(y)
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(shuffle_fixed_seed, V)


def legacy_shuffle_fixed_seed(x):
    np.random.seed(3)
    y = x ** 2
    np.random.shuffle(y)
    return np.sum(y * np.array([1.0, 2.0, 3.0, 4.0]))


CASES.add(legacy_shuffle_fixed_seed, V)


def permutation_fixed_seed(x):
    rng = np.random.default_rng(7)
    p = rng.permutation(4)
    return np.sum(x[p] * np.arange(4.0))


CASES.add(permutation_fixed_seed, V)


def setattr_object(x):
    b = Box()
    b.value = x * 2.0
    return np.sum(b.value ** 2)


CASES.add(setattr_object, V)


def setattr_builtin_fn(x):
    b = Box()
    setattr(b, "w", np.sin(x))
    return np.sum(getattr(b, "w") * x)


CASES.add(setattr_builtin_fn, V)


def object_method_accumulates(x):
    acc = Accumulator()
    acc.add(x ** 2)
    acc.add(x * 3.0)
    return np.sum(acc.total())


CASES.add(object_method_accumulates, V)


def object_argument_mutated(x, box):
    box.seen = x * 2.0
    return np.sum(box.seen * x)


def _box_with_seen():
    b = Box()
    b.seen = None
    return b


CASES.add(object_argument_mutated, V, _box_with_seen())


def write_global_dict(x):
    STATE["h"] = np.tanh(x)
    return np.sum(STATE["h"] * x)


CASES.add(write_global_dict, V)


def append_global_list(x):
    LOG.clear()
    LOG.append(x * 2.0)
    return np.sum(LOG[-1] ** 2)


CASES.add(append_global_list, V)


def list_argument_appended(x, history):
    history.append(x ** 2)
    return np.sum(history[-1])


CASES.add(list_argument_appended, V, [])


def dict_argument_updated(x, cache):
    cache["sq"] = x ** 2
    return np.sum(cache["sq"] * 3.0)


CASES.add(dict_argument_updated, V, {})


def printing_is_harmless(x):
    y = x ** 2
    print("y =", y)
    return np.sum(y)


CASES.add(printing_is_harmless, V)


def array_argument_out_target(x, buf):
    np.multiply(x, 3.0, out=buf)
    return np.sum(buf ** 2)


CASES.add(array_argument_out_target, V, np.zeros(4))


def clip_out_inplace(x):
    y = x * 2.0
    np.clip(y, -1.0, 1.0, out=y)
    return np.sum(y ** 2)


CASES.add(clip_out_inplace, V)


def cumsum_out(x):
    buf = np.empty(4)
    np.cumsum(x, out=buf)
    return np.sum(buf ** 2)


CASES.add(cumsum_out, V)


BUFFER = np.zeros(4)


def fill_diagonal_inplace(x):
    a = np.zeros((3, 3))
    np.fill_diagonal(a, x[:3])
    return np.sum(a @ a + a)


CASES.add(fill_diagonal_inplace, V)


def put_along_axis_inplace(x):
    a = np.zeros((2, 3))
    np.put_along_axis(a, np.array([[0], [2]]), x[:, :1], axis=1)
    return np.sum(a ** 2 * np.arange(1.0, 4.0))


CASES.add(put_along_axis_inplace, M)


def subtract_at(x):
    buf = np.ones(2)
    np.subtract.at(buf, [0, 1, 1], x[:3])
    return np.sum(buf ** 2)


CASES.add(subtract_at, V)


def accumulate_with_out(x):
    acc = np.zeros(4)
    np.add(acc, x ** 2, out=acc)
    np.add(acc, x, out=acc)
    return np.sum(acc * np.arange(1.0, 5.0))


CASES.add(accumulate_with_out, V)


def negative_out_on_copy(x):
    y = x.copy()
    np.negative(y, out=y)
    return np.sum(np.exp(y))


CASES.add(negative_out_on_copy, V)


def partition_method_inplace(x):
    y = x * 1.0
    y.partition(1)
    return y[0] * 3.0 + y[1]


CASES.add(partition_method_inplace, V)


def list_sort_method_scalars(x):
    vals = [x, 2.0 * x, x * x]
    vals.sort()
    return vals[0] * 10.0 + vals[2]


CASES.add(list_sort_method_scalars, S)


def heap_push_pop(x):
    import heapq
    heap = []
    heapq.heappush(heap, x * 3.0)
    heapq.heappush(heap, x * x)
    smallest = heapq.heappop(heap)
    return smallest * 5.0 + heap[0]


CASES.add(heap_push_pop, S)


def deque_appendleft(x):
    import collections
    q = collections.deque([x])
    q.appendleft(x ** 3)
    return q[0] + 2.0 * q[1]


CASES.add(deque_appendleft, S)


def operator_setitem(x):
    import operator
    y = x * 1.0
    operator.setitem(y, 0, x[1] ** 2)
    return np.sum(y ** 2)


CASES.add(operator_setitem, V)


def vars_dict_write(x):
    b = Box()
    vars(b)["w"] = x * 4.0
    return np.sum(b.w ** 2)


CASES.add(vars_dict_write, V)


def namespace_object(x):
    import types
    ns = types.SimpleNamespace(w=x * 2.0)
    ns.w = ns.w + x ** 2
    return np.sum(ns.w)


CASES.add(namespace_object, V)


def global_buffer_overwritten(x):
    BUFFER[:] = x * 2.0
    return np.sum(BUFFER ** 2)


CASES.add(global_buffer_overwritten, V)


def default_buffer_overwritten(x, buf=np.zeros(4)):
    buf[:] = np.sin(x)
    return np.sum(buf * x)


CASES.add(default_buffer_overwritten, V)


def flat_assign_attribute(x):
    y = np.zeros(4)
    y.flat = x ** 2
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(flat_assign_attribute, V)


def reshape_view_fill_from_active(x):
    y = np.zeros(4)
    y.reshape(2, 2)[:] = x.reshape(2, 2) * 3.0
    return np.sum(y ** 2)


CASES.add(reshape_view_fill_from_active, V)


def seeded_noise_added(x):
    rng = np.random.default_rng(0)
    noise = rng.normal(size=x.shape)
    return np.sum((x + noise) ** 2)


CASES.add(seeded_noise_added, M)


def legacy_seeded_rand(x):
    np.random.seed(1)
    w = np.random.rand(4)
    return np.sum(w * x ** 2)


CASES.add(legacy_seeded_rand, V)


def positional_out_binary_ufunc(x):
    buf = np.zeros(4)
    np.multiply(x, 2.0, buf)
    return np.sum(buf ** 2)


CASES.add(positional_out_binary_ufunc, V)


def positional_out_unary_ufunc(x):
    buf = np.zeros(4)
    np.exp(x, buf)
    return np.sum(buf * x)


CASES.add(positional_out_unary_ufunc, V)


def positional_out_reduction(x):
    buf = np.zeros(3)
    np.sum(x, 0, None, buf)
    return np.sum(buf ** 2)


CASES.add(positional_out_reduction, M)


def positional_out_cumsum(x):
    buf = np.zeros(4)
    np.cumsum(x, 0, None, buf)
    return np.sum(buf ** 2)


CASES.add(positional_out_cumsum, V)


def positional_out_clip(x):
    buf = np.zeros(4)
    np.clip(x * 2.0, -1.0, 1.0, buf)
    return np.sum(buf ** 2)


CASES.add(positional_out_clip, V)


def positional_out_dot(a):
    buf = np.zeros((2, 2))
    np.dot(a, a.T, buf)
    return np.sum(buf)


CASES.add(positional_out_dot, M)


def positional_out_concatenate(x):
    buf = np.zeros(8)
    np.concatenate([x, x ** 2], 0, buf)
    return np.sum(buf * np.arange(8.0))


CASES.add(positional_out_concatenate, V)


def method_out_clip(x):
    y = x * 2.0
    y.clip(-1.0, 1.0, out=y)
    return np.sum(y ** 2)


CASES.add(method_out_clip, V)


def method_out_sum(x):
    buf = np.zeros(2)
    x.sum(axis=1, out=buf)
    return np.sum(buf ** 2)


CASES.add(method_out_sum, M)


def unbound_ndarray_setitem(x):
    y = np.zeros(4)
    np.ndarray.__setitem__(y, slice(0, 2), x[2:] * 3.0)
    return np.sum(y ** 2)


CASES.add(unbound_ndarray_setitem, V)


def unbound_ndarray_fill(x):
    y = x * 1.0
    np.ndarray.fill(y, 0.5)
    return np.sum(y * x)


CASES.add(unbound_ndarray_fill, V)


def where_with_out_and_mask(x):
    buf = np.ones(4)
    np.multiply(x, 3.0, out=buf, where=np.array([True, False, True, False]))
    return np.sum(buf * x)


CASES.add(where_with_out_and_mask, V)


def einsum_out(a):
    buf = np.zeros(2)
    np.einsum("ij,ij->i", a, a, out=buf)
    return np.sum(buf ** 2)


CASES.add(einsum_out, M)


def take_out(x):
    buf = np.zeros(2)
    np.take(x, [1, 3], out=buf)
    return np.sum(buf ** 2)


CASES.add(take_out, V)


def round_out_then_used(x):
    y = x * 10.0
    np.round(y, 0, y)
    return np.sum(y * x)


CASES.add(round_out_then_used, np.array([0.34, -0.81, 1.17, 0.46]))


class _Grid:
    def __init__(self):
        self.data = np.zeros(4)

    def __setitem__(self, i, v):
        self.data[i] = v

    def __getitem__(self, i):
        return self.data[i]


def custom_setitem_object(x):
    g = _Grid()
    g[1] = x[0] ** 2
    g[2] = x[1] * 3.0
    return np.sum(g.data * np.arange(1.0, 5.0))


CASES.add(custom_setitem_object, V)


_G2 = np.ones(4)


def _set_g2(v):
    _G2[0] = v


def global_mutated_by_helper_between_uses(x):
    y = x * _G2
    _set_g2(3.0)
    z = x * _G2
    _set_g2(1.0)
    return np.sum(y * z)


CASES.add(global_mutated_by_helper_between_uses, V)


# effects hidden in expressions whose result is discarded (or only printed)


def print_argument_has_effect(x):
    acc = [x]
    print("appending", acc.append(x ** 2))
    return np.sum(acc[-1] * 3.0)


CASES.add(print_argument_has_effect, V)


def print_argument_walrus_binding(x):
    print("y is", (y := x * 2.0).shape)
    return np.sum(y ** 2)


CASES.add(print_argument_walrus_binding, V)


def discarded_map_of_append(x):
    acc = []
    list(map(acc.append, [x, x ** 2]))
    return np.sum(acc[0] * acc[1])


CASES.add(discarded_map_of_append, V)


def any_over_generator_with_append(x):
    acc = []
    any(acc.append(v * 3.0) for v in (x, x ** 2))
    return np.sum(acc[1] + acc[0])


CASES.add(any_over_generator_with_append, V)


def underscore_assigned_append(x):
    acc = [x]
    _ = acc.append(np.sin(x))
    return np.sum(acc[1] * acc[0])


CASES.add(underscore_assigned_append, V)


def tuple_expression_statement_effects(x):
    acc = []
    (acc.append(x), acc.append(x ** 3))
    return np.sum(acc[1])


CASES.add(tuple_expression_statement_effects, V)


def boolean_or_expression_statement(x):
    acc = []
    acc.append(x * 2.0) or acc.append(x ** 2)
    return np.sum(acc[-1])


CASES.add(boolean_or_expression_statement, V)


def len_of_effectful_comprehension(x):
    acc = []
    n = len([acc.append(v ** 2) for v in x])
    return sum(acc) * n


CASES.add(len_of_effectful_comprehension, V)


def fstring_with_effect(x):
    acc = []
    label = f"{acc.append(x * 5.0)}"
    return np.sum(acc[0]) + len(label) * 0.0


CASES.add(fstring_with_effect, V)


def str_of_setitem_call(x):
    y = np.zeros(4)
    str(y.__setitem__(slice(None), x * 2.0))
    return np.sum(y ** 2)


CASES.add(str_of_setitem_call, V)


def discarded_ufunc_with_out(x):
    buf = np.zeros(4)
    print(np.add(x, 1.0, out=buf).shape)
    return np.sum(buf ** 2)


CASES.add(discarded_ufunc_with_out, V)


def discarded_dict_setdefault_in_print(x):
    d = {}
    print(d.setdefault("k", x ** 2).shape)
    return np.sum(d["k"])


CASES.add(discarded_dict_setdefault_in_print, V)


def print_of_pop(x):
    acc = [x, x ** 2]
    print(acc.pop())
    return np.sum(acc[-1] * 3.0)


CASES.add(print_of_pop, V)


def print_of_dict_pop(x):
    d = {"a": x ** 2, "b": x}
    print(d.pop("a"))
    return np.sum(d.get("a", x * 10.0))


CASES.add(print_of_dict_pop, V)


def print_of_inplace_sort(x):
    y = x * 1.0
    print(y.sort())
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(print_of_inplace_sort, V)


def print_of_next(x):
    it = iter([x, x ** 2])
    print(next(it))
    return np.sum(next(it))


CASES.add(print_of_next, V)


def print_of_setattr(x):
    b = Box()
    b.w = x
    print(setattr(b, "w", x * 4.0))
    return np.sum(b.w ** 2)


CASES.add(print_of_setattr, V)


def logging_argument_has_effect(x):
    import logging
    acc = [x, x ** 3]
    logging.getLogger("sourcegrad.hostile").debug("dropped %s", acc.pop())
    return np.sum(acc[-1])


CASES.add(logging_argument_has_effect, V)


def repr_of_pop_discarded(x):
    acc = [x * 2.0, x ** 2]
    repr(acc.pop(0))
    return np.sum(acc[0])


CASES.add(repr_of_pop_discarded, V)


def isinstance_of_pop_discarded(x):
    acc = [x * 2.0, x ** 2]
    isinstance(acc.pop(), np.ndarray)
    return np.sum(acc[-1] ** 2)


CASES.add(isinstance_of_pop_discarded, V)


def shape_of_pop(x):
    acc = [x, np.exp(x)]
    n = np.shape(acc.pop())[0]
    return np.sum(acc[-1]) * n


CASES.add(shape_of_pop, V)


def print_star_effectful_comprehension(x):
    acc = []
    print(*[acc.append(v * 2.0) for v in x])
    return sum(acc) ** 2


CASES.add(print_star_effectful_comprehension, V)


def and_expression_statement(x):
    acc = [x]
    acc.append(x ** 2) and None
    return np.sum(acc[-1])


CASES.add(and_expression_statement, V)


def print_of_copyto(x):
    buf = np.zeros(4)
    print(np.copyto(buf, x ** 2))
    return np.sum(buf * 2.0)


CASES.add(print_of_copyto, V)


def walrus_inside_len(x):
    n = len(y := x * 2.0)
    return np.sum(y ** 2) * n


CASES.add(walrus_inside_len, V)


def walrus_inside_mask(x):
    m = (y := np.sin(x)) > 0.0
    return np.sum(np.where(m, y, 0.5 * y))


CASES.add(walrus_inside_mask, V)


def walrus_inside_shape_call(x):
    s = np.shape(y := x ** 2)
    return np.sum(y) * s[0]


CASES.add(walrus_inside_shape_call, V)


def walrus_inside_flag(x):
    flag = float((y := np.exp(x)).sum() > -100.0)
    return np.sum(y) * flag


CASES.add(walrus_inside_flag, V)


def pop_inside_argmax(x):
    acc = [x * 5.0, x ** 2]
    k = int(np.argmax(acc.pop()))
    return acc[-1][k] + np.sum(acc[-1])


CASES.add(pop_inside_argmax, V)


def pop_inside_mask(x):
    acc = [x, x * 3.0]
    m = acc.pop() > 0.0
    return np.sum(np.where(m, acc[-1] ** 2, acc[-1]))


CASES.add(pop_inside_mask, V)


def append_inside_len_in_arithmetic(x):
    acc = [x]
    n = len(acc) + (acc.append(x ** 3) is None)
    return np.sum(acc[-1]) * n


CASES.add(append_inside_len_in_arithmetic, V)


def out_write_inside_mask(x):
    buf = np.zeros(4)
    m = np.greater(np.multiply(x, 2.0, out=buf), 0.0)
    return np.sum(np.where(m, buf ** 2, buf))


CASES.add(out_write_inside_mask, V)


def out_write_inside_isfinite(x):
    buf = np.zeros(4)
    ok = np.isfinite(np.exp(x, out=buf)).all()
    return np.sum(buf) * float(ok)


CASES.add(out_write_inside_isfinite, V)


def out_write_inside_argsort_index(x):
    buf = np.zeros(4)
    order = np.argsort(np.negative(x, out=buf))
    return np.sum(buf * x[order])


CASES.add(out_write_inside_argsort_index, V)


def setitem_call_inside_comparison(x):
    y = np.zeros(4)
    flag = y.__setitem__(slice(0, 4), x ** 2) is None
    return np.sum(y) * float(flag)


CASES.add(setitem_call_inside_comparison, V)


def copyto_inside_shape(x):
    buf = np.zeros(4)
    n = np.shape(np.copyto(buf, x * 3.0) or buf)[0]
    return np.sum(buf ** 2) * n


CASES.add(copyto_inside_shape, V)


def sort_inside_len(x):
    y = x * 1.0
    n = len(str(y.sort()))
    return np.sum(y * np.arange(1.0, 5.0)) + 0.0 * n


CASES.add(sort_inside_len, V)


def add_at_inside_bool(x):
    buf = np.zeros(2)
    done = bool(np.add.at(buf, [0, 1, 1], x[:3]) is None)
    return np.sum(buf ** 2) * float(done)


CASES.add(add_at_inside_bool, V)


# effectful methods and functions reached through another name


def bound_append_aliased(x):
    acc = []
    push = acc.append
    push(x * 2.0)
    push(x ** 2)
    return np.sum(acc[0] * acc[1])


CASES.add(bound_append_aliased, V)


def bound_setitem_aliased(x):
    buf = np.zeros(4)
    setter = buf.__setitem__
    setter(slice(1, 3), x[:2] ** 2)
    return np.sum(buf * np.arange(1.0, 5.0))


CASES.add(bound_setitem_aliased, V)


def bound_fill_aliased(x):
    y = x * 2.0
    fill = y.fill
    fill(0.5)
    return np.sum(y * x)


CASES.add(bound_fill_aliased, V)


def bound_sort_aliased(x):
    y = x * 1.0
    sorter = y.sort
    sorter()
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(bound_sort_aliased, V)


def bound_dict_update_aliased(x):
    d = {"a": x}
    upd = d.update
    upd(a=x ** 3)
    return np.sum(d["a"])


CASES.add(bound_dict_update_aliased, V)


def copyto_function_aliased(x):
    buf = np.zeros(4)
    cp = np.copyto
    cp(buf, x * 3.0)
    return np.sum(buf ** 2)


CASES.add(copyto_function_aliased, V)


def ufunc_at_aliased(x):
    buf = np.zeros(2)
    scatter = np.add.at
    scatter(buf, [0, 1, 1], x[:3])
    return np.sum(buf ** 2)


CASES.add(ufunc_at_aliased, V)


def methodcaller_append(x):
    import operator
    acc = [x]
    operator.methodcaller("append", x ** 2)(acc)
    return np.sum(acc[-1])


CASES.add(methodcaller_append, V)


def getattr_append(x):
    acc = []
    getattr(acc, "append")(x * 5.0)
    return np.sum(acc[0] ** 2)


CASES.add(getattr_append, V)


def unbound_list_append(x):
    acc = []
    list.append(acc, x ** 2)
    return np.sum(acc[0])


CASES.add(unbound_list_append, V)


def type_of_list_append(x):
    acc = [x]
    type(acc).append(acc, np.sin(x))
    return np.sum(acc[1] * acc[0])


CASES.add(type_of_list_append, V)


def partial_of_append(x):
    import functools
    acc = []
    functools.partial(acc.append)(x * 2.0)
    return np.sum(acc[0] ** 2)


CASES.add(partial_of_append, V)


def append_stored_in_dict(x):
    acc = []
    ops = {"push": acc.append}
    ops["push"](x ** 2)
    return np.sum(acc[0])


CASES.add(append_stored_in_dict, V)
