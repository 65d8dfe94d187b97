"""List/dict/set comprehensions and generator expressions over active values."""

import math

import numpy as np

from . import M, MP, S, T, V, V3, VP, Registry

CASES = Registry("comprehensions")


def sum_of_squares_listcomp(x):
    return sum([v * v for v in x])


CASES.add(sum_of_squares_listcomp, V)


def sum_genexp(x):
    return sum(np.sin(v) for v in x)


CASES.add(sum_genexp, V)


def listcomp_over_range_index(x):
    terms = [x[i] * x[i + 1] for i in range(len(x) - 1)]
    return np.sum(np.array(terms))


CASES.add(listcomp_over_range_index, V)


def powers_listcomp_scalar(x):
    return sum([x ** k / (k + 1) for k in range(4)])


CASES.add(powers_listcomp_scalar, S)


def stack_of_rows_comp(x):
    rows = [row * (i + 1.0) for i, row in enumerate(x)]
    return np.sum(np.stack(rows) ** 2)


CASES.add(stack_of_rows_comp, M)


def dict_comprehension(x):
    d = {k: x * k for k in (1.0, 2.0, 3.0)}
    return np.sum(d[2.0] * d[3.0])


CASES.add(dict_comprehension, V)


def zip_comprehension(x, y):
    return sum([a * b for a, b in zip(x, y)])


CASES.add(zip_comprehension, V, VP, wrt=(0, 1))


def nested_comprehension(x):
    return sum([x[i, j] ** 2 for i in range(x.shape[0]) for j in range(x.shape[1])])


CASES.add(nested_comprehension, M)


def filtered_comprehension_constant_filter(x):
    return sum([v ** 3 for k, v in enumerate(x) if k % 2 == 0])


CASES.add(filtered_comprehension_constant_filter, V)


def comprehension_over_list_of_arrays(x):
    parts = [x, 2.0 * x, x ** 2]
    return np.sum(np.concatenate([np.exp(p) for p in parts]))


CASES.add(comprehension_over_list_of_arrays, V3)


def max_of_genexp(x):
    return max(v * 2.0 for v in x)


CASES.add(max_of_genexp, V)


def math_fsum_genexp(x):
    return math.fsum(math.sin(v) for v in x)


CASES.add(math_fsum_genexp, V)


def comprehension_closure_over_arg(x, w):
    return sum([np.tanh(w * v) for v in x])


CASES.add(comprehension_closure_over_arg, V, S, wrt=1)


def np_array_from_comprehension(x):
    y = np.array([np.sum(row ** 2) for row in x])
    return np.sum(np.sqrt(y))


CASES.add(np_array_from_comprehension, M)


def comprehension_over_3d(x):
    return sum(np.sum(plane @ plane.T) for plane in x)


CASES.add(comprehension_over_3d, T)


def set_comprehension_constant_keys(x):
    keys = {k % 2 for k in range(5)}
    return np.sum(x * len(keys))


CASES.add(set_comprehension_constant_keys, V)


def any_all_on_genexp(x):
    scale = 2.0 if all(v > -5.0 for v in x) else 1.0
    return np.sum(x * scale)


CASES.add(any_all_on_genexp, V)


def comprehension_rebinding_name(x):
    y = x * 2.0
    vals = [y for y in range(3)]
    return np.sum(y) + sum(vals)


CASES.add(comprehension_rebinding_name, V)


def listcomp_in_call(x):
    return np.sum(np.concatenate([x[i:i + 2] * i for i in range(3)]) ** 2)


CASES.add(listcomp_in_call, V)


def genexp_product(x):
    return math.prod(v for v in x)


CASES.add(genexp_product, VP)


def comprehension_of_scalar_args(a, b):
    return sum([a * k + b for k in range(3)]) ** 2


CASES.add(comprehension_of_scalar_args, S, S, wrt=(0, 1))


def map_lambda_sum(x):
    return sum(map(lambda v: v * v, x))


CASES.add(map_lambda_sum, V)


def filter_builtin(x):
    return sum(filter(lambda v: v > 0.0, x)) * 2.0


CASES.add(filter_builtin, V)


def sorted_builtin_first(x):
    s = sorted(x)
    return s[0] * 2.0 + s[-1] ** 2


CASES.add(sorted_builtin_first, V)


def min_max_builtin_over_array(x):
    return max(x) * min(x)


CASES.add(min_max_builtin_over_array, V)


def builtin_sum_over_2d_rows(x):
    return np.sum(sum(x) ** 2)


CASES.add(builtin_sum_over_2d_rows, M)


def iterable_unpacking(x):
    a, b, c, d = x
    return a * b + c * d


CASES.add(iterable_unpacking, V)


def starred_unpacking(x):
    first, *rest = x
    return first * np.sum(np.array(rest) ** 2)


CASES.add(starred_unpacking, V)


def tolist_then_sum(x):
    return sum(x.tolist()) * np.sum(x)


CASES.add(tolist_then_sum, V)


def list_of_array(x):
    items = list(x)
    return items[1] * items[2] + np.sum(x)


CASES.add(list_of_array, V)


def star_in_list_display(x):
    items = [*x, 1.0]
    return sum(items) * items[0]


CASES.add(star_in_list_display, V)


def dict_from_zip(x):
    d = dict(zip("abcd", x))
    return d["b"] * d["d"]


CASES.add(dict_from_zip, V)


def dict_merge_display(x):
    d1 = {"a": x * 2.0}
    d2 = {"b": x ** 2}
    d = {**d1, **d2}
    return np.sum(d["a"] * d["b"])


CASES.add(dict_merge_display, V)


def next_iter(x):
    it = iter(x)
    a = next(it)
    b = next(it)
    return a * b


CASES.add(next_iter, V)


def enumerate_weighted(x):
    return sum(k * v for k, v in enumerate(x))


CASES.add(enumerate_weighted, V)


def fromiter_generator(x):
    return np.sum(np.fromiter((v ** 2 for v in x), dtype=float))


CASES.add(fromiter_generator, V)


def itertools_accumulate(x):
    import itertools
    return sum(itertools.accumulate(x)) * 1.5


CASES.add(itertools_accumulate, V)


def nested_genexp_in_max(x):
    return max(sum(r * r) for r in x)


CASES.add(nested_genexp_in_max, M)


def sum_with_active_start(x):
    return np.sum(sum([1.0, 2.0], x) ** 2)


CASES.add(sum_with_active_start, V)


def genexp_over_range_active_element(x):
    return sum(x[i] * x[-1 - i] for i in range(4))


CASES.add(genexp_over_range_active_element, V)


def listcomp_inactive_iterable_active_capture(x):
    parts = [np.sin(x * k) for k in (1.0, 2.0)]
    return np.sum(parts[0] * parts[1])


CASES.add(listcomp_inactive_iterable_active_capture, V)


def max_with_key(x):
    best = max([x, 2.0 * x, x + 1.0], key=lambda t: float(np.sum(t)))
    return np.sum(best ** 2)


CASES.add(max_with_key, V)


def star_args_from_list(x, y):
    parts = [x, y]
    return np.sum(np.hypot(*parts))


CASES.add(star_args_from_list, V, VP, wrt=(0, 1))


def double_star_kwargs_call(x):
    kw = {"a_min": -0.5, "a_max": 0.9}
    return np.sum(np.clip(x * 1.0, **kw) ** 2)


CASES.add(double_star_kwargs_call, V)


def fstring_of_active_value(x):
    s = np.sum(x ** 2)
    label = f"{s:.3f}"
    return s * len(label)


CASES.add(fstring_of_active_value, V)


def dunder_import_numpy(x):
    np_local = __import__("numpy")
    return np_local.sum(np_local.exp(x))


CASES.add(dunder_import_numpy, V)


def generator_consumed_twice(x):
    g = (v * v for v in x)
    a = sum(g)
    b = sum(g)
    return a + 10.0 * b


CASES.add(generator_consumed_twice, V)


def map_object_consumed_twice(x):
    m = map(np.sin, x)
    first = list(m)
    second = list(m)
    return sum(first) + 5.0 * len(second)


CASES.add(map_object_consumed_twice, V)


def zip_partially_consumed(x):
    z = zip(x, x[::-1])
    a, b = next(z)
    rest = list(z)
    return a * b + sum(p * q for p, q in rest)


CASES.add(zip_partially_consumed, V)


def comprehension_with_side_effect_append(x):
    acc = []
    [acc.append(v * 2.0) for v in x]
    return sum(acc) ** 2


CASES.add(comprehension_with_side_effect_append, V)


def comprehension_with_walrus(x):
    total = 0.0
    vals = [(total := total + v) for v in x]
    return sum(vals) + total * 2.0


CASES.add(comprehension_with_walrus, V)


def comprehension_filter_uses_active(x):
    return sum([v * 2.0 for v in x if v * x[0] > 0.0])


CASES.add(comprehension_filter_uses_active, V)


def listcomp_over_zip_active_constant(x):
    w = [1.0, -2.0, 0.5, 3.0]
    return sum([a * b for a, b in zip(x, w)]) ** 2


CASES.add(listcomp_over_zip_active_constant, V)


def comprehension_index_from_argsort(x):
    order = np.argsort(x)
    return sum([x[i] * k for k, i in enumerate(order)])


CASES.add(comprehension_index_from_argsort, V)


def dict_comprehension_over_items(x):
    d = {"a": x, "b": x ** 2}
    e = {k: v * 2.0 for k, v in d.items()}
    return np.sum(e["a"] + e["b"])


CASES.add(dict_comprehension_over_items, V)


def nested_list_comprehension_matrix(x):
    rows = [[x[i] * x[j] for j in range(3)] for i in range(2)]
    return np.sum(np.array(rows) * np.arange(6.0).reshape(2, 3))


CASES.add(nested_list_comprehension_matrix, V)


def set_comprehension_with_effect(x):
    acc = []
    {acc.append(v * 3.0) for v in x}
    return sum(acc) ** 2


CASES.add(set_comprehension_with_effect, V)


def dict_comprehension_with_effect(x):
    acc = []
    {i: acc.append(v ** 2) for i, v in enumerate(x)}
    return sum(acc)


CASES.add(dict_comprehension_with_effect, V)


def tuple_of_generator_with_effect(x):
    acc = [x]
    tuple(acc.append(x * k) for k in (2.0, 3.0))
    return np.sum(acc[2] * acc[1])


CASES.add(tuple_of_generator_with_effect, V)


def next_consumes_only_first(x):
    acc = []
    first = next(acc.append(v * 2.0) or v for v in x)
    return sum(acc) * 10.0 + first


CASES.add(next_consumes_only_first, V)


def all_short_circuits_generator(x):
    acc = []
    all(acc.append(v) or v > 0.0 for v in x)
    return sum(a ** 2 for a in acc) if False else np.sum(np.array(acc) ** 2)


CASES.add(all_short_circuits_generator, V)


def sum_of_generator_with_effect(x):
    acc = []
    s = sum(v + 0.0 * len(acc.append(v ** 2) or acc) for v in x)
    return s + 3.0 * sum(acc)


CASES.add(sum_of_generator_with_effect, V)


def comprehension_mutating_array_elements(x):
    y = x * 1.0
    [y.__setitem__(i, y[i] ** 2) for i in range(2)]
    return np.sum(y * np.arange(1.0, 5.0))


CASES.add(comprehension_mutating_array_elements, V)


# comprehension semantics a transformer has to get exactly right once it supports them


def comprehension_variable_does_not_leak(x):
    v = x * 2.0
    squares = [v ** 2 for v in x]
    return np.sum(v) + sum(squares)


CASES.add(comprehension_variable_does_not_leak, V)


def nested_comprehension_uses_outer_variable(x):
    return sum([sum([a * b for b in x[: i + 1]]) for i, a in enumerate(x)])


CASES.add(nested_comprehension_uses_outer_variable, V)


def comprehension_over_rows_then_setitem_rows(x):
    y = x * 1.0
    rows = [r for r in y]
    rows[0][0] = 5.0
    return np.sum(y * x)


CASES.add(comprehension_over_rows_then_setitem_rows, M)


def conditional_expression_in_element(x):
    return sum([v ** 2 if v > 0.0 else -v for v in x])


CASES.add(conditional_expression_in_element, V)


def zip_truncates_to_shortest(x):
    return sum([a * b for a, b in zip(x, [1.0, 2.0, 3.0])])


CASES.add(zip_truncates_to_shortest, V)


def enumerate_with_start(x):
    return sum([k * v for k, v in enumerate(x, start=5)])


CASES.add(enumerate_with_start, V)


def range_with_step_and_reversed(x):
    return sum([x[i] * i for i in range(3, -1, -2)]) + sum([x[i] for i in reversed(range(2))])


CASES.add(range_with_step_and_reversed, V)


def comprehension_over_dict_keys(x):
    d = {"a": x, "b": x ** 2}
    return np.sum(sum([d[k] for k in d]))


CASES.add(comprehension_over_dict_keys, V)


def comprehension_iterable_evaluated_once(x):
    calls = []

    def source():
        calls.append(1)
        return [x, x * 2.0]

    parts = [p ** 2 for p in source()]
    return np.sum(parts[1]) * len(calls)


CASES.add(comprehension_iterable_evaluated_once, V)


def comprehension_element_captures_later_rebinding(x):
    k = 2.0
    fs = [lambda v: v * k for _ in range(2)]
    k = 5.0
    return np.sum(fs[0](x))


CASES.add(comprehension_element_captures_later_rebinding, V)


def generator_sees_later_rebinding(x):
    k = 2.0
    g = (v * k for v in x)
    k = 10.0
    return sum(g)


CASES.add(generator_sees_later_rebinding, V)


def generator_iterable_bound_early(x):
    seq = x
    g = (v ** 2 for v in seq)
    seq = x * 100.0
    return sum(g) + 0.0 * np.sum(seq)


CASES.add(generator_iterable_bound_early, V)


def unpack_from_generator(x):
    a, b = (v * 2.0 for v in x[:2])
    return a * b


CASES.add(unpack_from_generator, V)


def unpack_from_map(x):
    a, b = map(np.sin, x[:2])
    return a * b + a


CASES.add(unpack_from_map, V)


def unpack_from_dict_values(x):
    d = {"p": x * 2.0, "q": x ** 2}
    a, b = d.values()
    return np.sum(a * b)


CASES.add(unpack_from_dict_values, V)


def unpack_nested(x):
    (a, b), c = (x[0], x[1] ** 2), x[2]
    return a * b + c ** 3


CASES.add(unpack_nested, V)


def unpack_from_zip(x):
    (a, b), = zip(x[:1], x[1:2])
    return a * b


CASES.add(unpack_from_zip, V)
