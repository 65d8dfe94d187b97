"""Round 2 of the hostile control-flow set: the features source mode learnt last (lists grown by append in
loops and branches, list comprehensions and sums of comprehensions turned into loops, loops over known tuples
unrolled) and their combinations: lists used twice (np.concatenate/vstack/hstack give a list one adjoint entry
per item), lists aliased or bound to a second name (where ``*`` and ``+`` are repetition and concatenation),
passed to and returned from helpers, read with negative, computed, slice-object and 0-d array indices, iterated
after growing, grown in one branch, changed by pop/insert/extend/reverse/item stores; sums and list
comprehensions whose statement also reads what the comprehension's calls change (they are evaluated where
Python evaluates them, not before the statement), sums with array starts, over zip, dicts and nested generators,
inside helpers; unrolled loops whose body changes the list they run over or the items in place; reads of an
attribute or a global that Python makes before a call that rebinds it; while loops whose trip count follows the
inputs; early returns from nested loops in helpers; carried values that change type and shape; branches whose
arms differ in shape; writes through views and out= inside helpers; user names that are also the names
generated code uses.

Each program states the value Python computes; a source-mode answer that differs is a bug (declining is fine).
Inputs stay away from kinks and from the points where a data-dependent trip count changes."""

import operator

import numpy as np

from . import M, V, VP, Registry

CASES = Registry("control_round2")

W4 = np.array([0.5, -0.25, 0.75, 1.5])


# ================================================================ lists grown by append: where they go


def grown_list_concatenated_twice(x):
    # each np.concatenate gives the list an adjoint with one entry per item: the two must be added item by
    # item, not put one after the other
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    a = np.concatenate(lst)
    b = np.concatenate(lst)
    return np.sum(a * np.cos(b))


CASES.add(grown_list_concatenated_twice, V)


def list_literal_concatenated_twice(x):
    # the same without a loop: a list literal given to np.concatenate twice
    parts = [x * 2.0, np.sin(x)]
    a = np.concatenate(parts)
    b = np.concatenate(parts)
    return np.sum(a * b * np.arange(8.0))


CASES.add(list_literal_concatenated_twice, V)


def grown_list_hstack_and_vstack(x):
    lst = []
    for i in range(3):
        lst.append(np.sin(x * (i + 1.0)))
    h = np.hstack(lst)
    v = np.vstack(lst)
    return np.sum(h ** 2) + np.sum(v * v[::-1])


CASES.add(grown_list_hstack_and_vstack, V)


def grown_list_stacked_and_concatenated(x):
    lst = []
    for i in range(3):
        lst.append(x ** 2 * (i + 0.5))
    s = np.stack(lst)
    c = np.concatenate(lst)
    return np.sum(s[1] * x) + np.sum(c[:5] ** 2)


CASES.add(grown_list_stacked_and_concatenated, V)


def grown_list_stack_axis_last(x):
    lst = []
    for i in range(3):
        lst.append(np.cos(x) * (i + 1.0))
    s = np.stack(lst, axis=-1)           # shape (4, 3)
    return np.sum(s * np.arange(12.0).reshape(4, 3))


CASES.add(grown_list_stack_axis_last, V)


def grown_list_array_ndmin(x):
    lst = []
    for i in range(4):
        lst.append(x[i] * x[(i + 1) % 4])
    a = np.array(lst, ndmin=2)           # shape (1, 4)
    return np.sum(a @ a.T)


CASES.add(grown_list_array_ndmin, V)


def grown_list_concatenate_axis_none(x):
    lst = []
    for i in range(2):
        lst.append(x.reshape(2, 2) * (i + 1.0))
    flat = np.concatenate(lst, axis=None)
    return np.sum(flat * np.arange(8.0))


CASES.add(grown_list_concatenate_axis_none, V)


def grown_list_hstack_of_matrices(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    h = np.hstack(lst)                   # (2, 9)
    return np.sum(h * np.arange(18.0).reshape(2, 9))


CASES.add(grown_list_hstack_of_matrices, M)


def grown_list_vstack_uneven_rows(x):
    lst = [x[:1] * 1.0]
    for i in range(2):
        lst.append(x * (i + 2.0))
    v = np.vstack(lst)                   # (1 + 2 + 2, 3)
    return np.sum(v * np.arange(15.0).reshape(5, 3))


CASES.add(grown_list_vstack_uneven_rows, M)


def grown_list_of_scalars_hstack(x):
    lst = []
    for i in range(4):
        lst.append(np.sum(x[: i + 1]))
    return np.sum(np.hstack(lst) ** 2)


CASES.add(grown_list_of_scalars_hstack, V)


def grown_list_read_negative_indices(x):
    lst = [x]
    for i in range(3):
        lst.append(np.sin(lst[-1]) + 0.5 * lst[-2 if i > 0 else -1])
    return np.sum(lst[-1] * lst[-3])


CASES.add(grown_list_read_negative_indices, V)


def grown_list_read_computed_index(x):
    lst = []
    for i in range(4):
        lst.append(x * (i + 1.0))
    acc = 0.0
    for i in range(4):
        acc = acc + np.sum(lst[(i * 3) % 4] * lst[len(lst) - 1 - i])
    return acc


CASES.add(grown_list_read_computed_index, V)


def grown_list_read_with_numpy_integer_index(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 2.0))
    k = np.argmax(np.array([0.1, 0.9, 0.3]))
    return np.sum(lst[k] ** 2)


CASES.add(grown_list_read_with_numpy_integer_index, V)


def grown_list_iterated_after_loop(x):
    lst = []
    for i in range(3):
        lst.append(x * (i - 1.5))
    acc = 0.0
    for v in lst:
        acc = acc + np.sum(v * np.sin(v))
    return acc


CASES.add(grown_list_iterated_after_loop, V)


def grown_list_enumerated_reversed_after_loop(x):
    lst = []
    for i in range(3):
        lst.append(np.cos(x) * (i + 1.0))
    acc = 0.0
    for j, v in enumerate(reversed(lst)):
        acc = acc + (j + 1.0) * np.sum(v * x)
    return acc


CASES.add(grown_list_enumerated_reversed_after_loop, V)


def grown_list_zipped_with_other_grown_list(x):
    a, b = [], []
    for i in range(3):
        a.append(x * (i + 1.0))
        b.append(np.sin(x) + i)
    acc = 0.0
    for p, q in zip(a, b):
        acc = acc + np.sum(p * q)
    return acc


CASES.add(grown_list_zipped_with_other_grown_list, V)


def grown_list_appended_in_one_branch(x):
    lst = [x * 0.5]
    for i in range(4):
        if x[i] > 0.0:
            lst.append(x * x[i])
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_appended_in_one_branch, V)


def grown_list_appended_in_both_branches_differently(x):
    lst = []
    for i in range(4):
        if i % 2 == 0:
            lst.append(x[i] * 2.0)
        else:
            lst.append(np.sin(x[i]))
            lst.append(x[i] ** 2)
    return np.sum(np.array(lst) * np.arange(6.0))


CASES.add(grown_list_appended_in_both_branches_differently, V)


def grown_list_appended_twice_same_value(x):
    lst = []
    for i in range(2):
        h = x * (i + 1.0)
        lst.append(h)
        lst.append(h)
    return np.sum(np.stack(lst) * np.arange(16.0).reshape(4, 4))


CASES.add(grown_list_appended_twice_same_value, V)


def grown_list_in_nested_loops(x):
    lst = []
    for i in range(2):
        for j in range(3):
            if (i + j) % 2 == 0:
                lst.append(x[j] * (i + 1.0))
    return np.sum(np.array(lst) ** 3)


CASES.add(grown_list_in_nested_loops, V)


def grown_list_in_while_with_data_trips(x):
    # trips: until the running sum of |x| reaches 1.9 (0.3, 1.1, 2.2: 3 trips, away from the threshold)
    lst = []
    s = 0.0
    i = 0
    while s < 1.9:
        s = s + abs(x[i]) * 1.0
        lst.append(np.sin(x[i]) * s)
        i += 1
    return np.sum(np.array(lst) ** 2) * len(lst)


CASES.add(grown_list_in_while_with_data_trips, V)


def grown_list_starting_with_passive_items(x):
    lst = [0.0, 1.0]
    for i in range(3):
        lst.append(x[i] * lst[-1] + lst[-2])
    return np.sum(np.array(lst) ** 2)


CASES.add(grown_list_starting_with_passive_items, V)


def list_of_lists_built_per_row(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(3):
            row.append(x[i, j] * (j + 1.0))
        rows.append(row)
    return np.sum(np.array(rows) ** 2)


CASES.add(list_of_lists_built_per_row, M)


def list_of_lists_same_row_appended_each_time(x):
    # rows holds one list three times: it keeps growing after being appended, so every row is the whole
    # list at the end (np.array of three rows of length 3)
    rows = []
    row = []
    for j in range(3):
        row.append(x[j] * 2.0)
        rows.append(row)
    return np.sum(np.array(rows) * np.arange(9.0).reshape(3, 3))


CASES.add(list_of_lists_same_row_appended_each_time, V)


def nested_stack_of_two_grown_lists(x):
    a, b = [], []
    for i in range(3):
        a.append(x * (i + 1.0))
        b.append(x ** 2 - i)
    both = np.array([a, b])            # (2, 3, 4)
    return np.sum(both * np.arange(24.0).reshape(2, 3, 4))


CASES.add(nested_stack_of_two_grown_lists, V)


def stack_of_stacks_of_grown_lists(x):
    a, b = [], []
    for i in range(2):
        a.append(np.sin(x) * i)
        b.append(np.cos(x) + i)
    s = np.stack([np.stack(a), np.stack(b)])
    return np.sum(s ** 2 * np.arange(16.0).reshape(2, 2, 4))


CASES.add(stack_of_stacks_of_grown_lists, V)


def stack_of_growing_prefix_each_iteration(x):
    lst = [x]
    acc = 0.0
    for i in range(3):
        lst.append(np.tanh(lst[-1]) * 1.5)
        acc = acc + np.sum(np.stack(lst) ** 2) * (i + 1.0)
    return acc


CASES.add(stack_of_growing_prefix_each_iteration, V)


# ================================================================ lists grown by append: aliases, helpers, changes


def grown_list_alias_before_loop(x):
    lst = []
    other = lst
    for i in range(3):
        lst.append(x * (i + 1.0))
    return np.sum(np.stack(other) ** 2)


CASES.add(grown_list_alias_before_loop, V)


def grown_list_alias_taken_inside_loop(x):
    # snap is lst itself: it sees the appends of the later iterations
    lst = []
    snap = None
    for i in range(4):
        lst.append(x * (i + 1.0))
        if i == 1:
            snap = lst
    return np.sum(np.stack(snap) ** 2)


CASES.add(grown_list_alias_taken_inside_loop, V)


def grown_list_alias_appended_through_other_name(x):
    lst = []
    other = lst
    for i in range(3):
        other.append(np.sin(x) * i)
        lst.append(x * 1.0)
    return np.sum(np.stack(lst) * np.arange(24.0).reshape(6, 4))


CASES.add(grown_list_alias_appended_through_other_name, V)


def _push(items, value):
    items.append(value * 2.0)


def grown_list_appended_by_helper_in_loop(x):
    lst = []
    for i in range(3):
        _push(lst, x * (i + 1.0))
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_appended_by_helper_in_loop, V)


def _push_and_return(items, value):
    items.append(np.sin(value))
    return items


def grown_list_appended_by_helper_returning_it(x):
    lst = [x]
    for i in range(3):
        lst = _push_and_return(lst, lst[-1] * 1.5)
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_appended_by_helper_returning_it, V)


def _trajectory(x, n):
    out = [x]
    for i in range(n):
        out.append(np.sin(out[-1]) + 0.1 * x)
    return out


def grown_list_returned_by_helper(x):
    traj = _trajectory(x, 3)
    return np.sum(np.stack(traj) ** 2) + np.sum(traj[-1] * traj[1])


CASES.add(grown_list_returned_by_helper, V)


def grown_list_returned_by_helper_called_twice_in_loop(x):
    acc = 0.0
    for k in range(2):
        traj = _trajectory(x * (k + 1.0), 2)
        acc = acc + np.sum(np.array(traj)[:, 0] ** 2)
    return acc


CASES.add(grown_list_returned_by_helper_called_twice_in_loop, V)


def grown_list_item_changed_in_place_after_append(x):
    # the list holds h itself: the in-place write shows through the list
    lst = []
    for i in range(3):
        h = x * (i + 1.0)
        lst.append(h)
        h[0] = 0.0
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_item_changed_in_place_after_append, V)


def grown_list_item_scaled_in_place_after_append(x):
    lst = []
    for i in range(3):
        h = np.sin(x) + i
        lst.append(h)
        h *= 2.0
    return np.sum(np.stack(lst) * x)


CASES.add(grown_list_item_scaled_in_place_after_append, V)


def grown_list_carried_item_changed_by_out_argument(x):
    lst = []
    h = x * 1.0
    for i in range(3):
        lst.append(h)
        h = h * 2.0
        np.sin(h, out=h)
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_carried_item_changed_by_out_argument, V)


def grown_list_popped_after_loop(x):
    lst = []
    for i in range(4):
        lst.append(x * (i + 1.0))
    lst.pop()
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_popped_after_loop, V)


def grown_list_reversed_in_place_after_loop(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    lst.reverse()
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(grown_list_reversed_in_place_after_loop, V)


def grown_list_inserted_in_loop(x):
    lst = []
    for i in range(3):
        lst.insert(0, x * (i + 1.0))
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(grown_list_inserted_in_loop, V)


def grown_list_extended_in_loop(x):
    lst = []
    for i in range(2):
        lst.extend([x * (i + 1.0), np.sin(x)])
    return np.sum(np.stack(lst) * np.arange(16.0).reshape(4, 4))


CASES.add(grown_list_extended_in_loop, V)


def grown_list_augmented_in_loop(x):
    lst = []
    for i in range(3):
        lst += [x * (i + 1.0)]
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(grown_list_augmented_in_loop, V)


def grown_list_item_replaced_after_loop(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    lst[0] = np.cos(x)
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(grown_list_item_replaced_after_loop, V)


def grown_list_item_replaced_inside_loop(x):
    lst = [x * 0.0]
    for i in range(3):
        lst.append(x * (i + 1.0))
        lst[0] = lst[0] + lst[-1]
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_item_replaced_inside_loop, V)


def grown_list_sorted_by_key_after_loop(x):
    lst = []
    for i in range(3):
        lst.append(x * (1.5 - i))
    lst.sort(key=lambda a: float(a[0]))
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(grown_list_sorted_by_key_after_loop, V)


def grown_list_cleared_and_regrown(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    lst.clear()
    for i in range(2):
        lst.append(np.sin(x) * (i + 1.0))
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_cleared_and_regrown, V)


def grown_list_copied_then_grown(x):
    lst = []
    for i in range(2):
        lst.append(x * (i + 1.0))
    first = list(lst)
    lst.append(np.cos(x))
    return np.sum(np.stack(first) ** 2) + np.sum(np.stack(lst) * x)


CASES.add(grown_list_copied_then_grown, V)


def grown_list_sliced_copy_then_grown(x):
    lst = []
    for i in range(2):
        lst.append(x * (i + 1.0))
    first = lst[:]
    lst.append(np.cos(x))
    return np.sum(np.stack(first) ** 2) + np.sum(np.stack(lst) * x)


CASES.add(grown_list_sliced_copy_then_grown, V)


def grown_list_in_list_comprehension_fed_to_stack(x):
    rows = [np.sin(x * (i + 1.0)) for i in range(3)]
    rows.append(x * 2.0)
    return np.sum(np.stack(rows) * np.arange(16.0).reshape(4, 4))


CASES.add(grown_list_in_list_comprehension_fed_to_stack, V)


def list_comprehension_read_by_index_then_stacked(x):
    rows = [x * (i + 1.0) for i in range(3)]
    return np.sum(rows[-1] * rows[0]) + np.sum(np.array(rows)[:, 1])


CASES.add(list_comprehension_read_by_index_then_stacked, V)


def list_comprehension_over_grown_list(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    sq = [v * v for v in lst]
    return np.sum(np.stack(sq) * np.arange(12.0).reshape(3, 4))


CASES.add(list_comprehension_over_grown_list, V)


def nested_list_comprehension_to_array(x):
    grid = [[x[i] * x[j] for j in range(3)] for i in range(2)]
    return np.sum(np.array(grid) * np.arange(6.0).reshape(2, 3))


CASES.add(nested_list_comprehension_to_array, V)


def list_comprehension_with_filter_on_values(x):
    kept = [v * 3.0 for v in x if v > 0.0]
    return np.sum(np.array(kept) ** 2)


CASES.add(list_comprehension_with_filter_on_values, V)


# ================================================================ sums of comprehensions


def sum_after_len_of_list_it_pops(x):
    # Python reads len(stack) (4) before the sum pops two items
    stack = [1.0, 2.0, 3.0, 4.0]
    return len(stack) * np.sum(x) + sum(stack.pop() * x[k] for k in range(2))


CASES.add(sum_after_len_of_list_it_pops, V)


def _bump(counter):
    counter[0] += 1.0
    return counter[0]


def sum_after_read_of_array_it_changes(x):
    # Python reads c[0] (1.0) before the comprehension's calls change it
    c = np.ones(1)
    return c[0] * x[3] + sum(_bump(c) * x[k] for k in range(3))


CASES.add(sum_after_read_of_array_it_changes, V)


def sum_then_read_of_array_it_changes(x):
    # here the read comes after the sum: 4.0
    c = np.ones(1)
    return sum(_bump(c) * x[k] for k in range(3)) + c[0] * x[3]


CASES.add(sum_then_read_of_array_it_changes, V)


def two_sums_in_one_statement_with_shared_counter(x):
    c = np.zeros(1)
    return sum(_bump(c) * x[k] for k in range(2)) * sum(_bump(c) * x[k] ** 2 for k in range(2, 4))


CASES.add(two_sums_in_one_statement_with_shared_counter, V)


def sum_with_array_start(x):
    s = sum((x * (i + 1.0) for i in range(3)), np.ones(4))
    return np.sum(s ** 2)


CASES.add(sum_with_array_start, V)


def sum_with_active_start_used_again(x):
    start = np.sin(x)
    s = sum((start * x[i] for i in range(3)), start)
    return np.sum(s * start)


CASES.add(sum_with_active_start_used_again, V)


def sum_over_zip_of_two_inputs(x, w):
    return sum(a * b ** 2 for a, b in zip(x, w))


CASES.add(sum_over_zip_of_two_inputs, V, W4, wrt=(0, 1))


def sum_over_dict_values(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    return np.sum(sum(v * v for v in d.values()))


CASES.add(sum_over_dict_values, V)


def sum_over_dict_keys_reading_items(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    return np.sum(sum(d[k] * x for k in d))


CASES.add(sum_over_dict_keys_reading_items, V)


def sum_over_nested_dependent_generators(x):
    return sum(x[i] * x[j] for i in range(4) for j in range(i) if (i + j) % 2 == 1)


CASES.add(sum_over_nested_dependent_generators, V)


def sum_of_sums_over_rows(x):
    return sum(sum(v ** 2 for v in row) * (i + 1.0) for i, row in enumerate(x))


CASES.add(sum_of_sums_over_rows, M)


def sum_comprehension_variable_shadows_parameter(x):
    return sum(x * x for x in x) + np.sum(x)


CASES.add(sum_comprehension_variable_shadows_parameter, V)


def sum_comprehension_variable_shadows_later_local(x):
    s = sum(v * 2.0 for v in x)
    v = x[0] * 10.0
    return s * v


CASES.add(sum_comprehension_variable_shadows_later_local, V)


def _weighted_total(v, n):
    return sum(v[i] * (i + 1.0) for i in range(n))


def sum_inside_helper_called_in_loop(x):
    acc = 0.0
    for n in range(1, 4):
        acc = acc + _weighted_total(x, n) * n
    return acc


CASES.add(sum_inside_helper_called_in_loop, V)


def sum_of_list_comprehension_of_vectors(x):
    s = sum([np.sin(x) * k for k in range(3)])
    return np.sum(s * x)


CASES.add(sum_of_list_comprehension_of_vectors, V)


def sum_in_return_inside_loop(x):
    for i in range(4):
        if x[i] > 1.0:
            return sum(x[j] * x[i] for j in range(i))
    return np.sum(x)


CASES.add(sum_in_return_inside_loop, V)


def sum_over_grown_list(x):
    lst = []
    for i in range(3):
        lst.append(x[i] * x[i + 1])
    return sum(v * v for v in lst)


CASES.add(sum_over_grown_list, V)


def sum_user_names_total_and_items(x):
    total = 1.5
    items = [2.0, 3.0]
    s = sum(x[k] * items[k % 2] for k in range(4))
    return s * total + items[0]


CASES.add(sum_user_names_total_and_items, V)


def sum_augmented_into_accumulator_in_loop(x):
    acc = np.zeros(4)
    for i in range(3):
        acc += sum(x * x[j] for j in range(i + 1))
    return np.sum(acc ** 2)


CASES.add(sum_augmented_into_accumulator_in_loop, V)


def sum_with_generator_over_sum_target(x):
    # s is read by the comprehension before the statement binds it again
    s = x * 1.0
    s = sum(s * k for k in range(1, 3))
    return np.sum(s * x)


CASES.add(sum_with_generator_over_sum_target, V)


# ================================================================ loops over known lists and tuples (unrolled)


def list_item_replaced_inside_its_own_loop(x):
    # Python's loop reads lst[2] when it gets there: the value the first two iterations wrote
    lst = [x * 1.0, x * 2.0, x * 3.0]
    acc = 0.0
    for t in lst:
        lst[2] = t * 5.0
        acc = acc + np.sum(t * x)
    return acc


CASES.add(list_item_replaced_inside_its_own_loop, V)


def list_popped_inside_its_own_loop(x):
    lst = [x * 1.0, np.sin(x), x * 3.0, np.cos(x)]
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t ** 2)
        lst.pop()
    return acc


CASES.add(list_popped_inside_its_own_loop, V)


def list_rebound_inside_its_own_loop(x):
    lst = [x * 1.0, x * 2.0]
    acc = 0.0
    for t in lst:
        lst = [t * 3.0, t]
        acc = acc + np.sum(t * lst[0])
    return acc


CASES.add(list_rebound_inside_its_own_loop, V)


def dict_item_replaced_inside_loop_over_values(x):
    d = {"a": x * 1.0, "b": x * 2.0}
    acc = 0.0
    for key in ("a", "b"):
        d["b"] = d[key] * 3.0
        acc = acc + np.sum(d["b"] * x)
    return acc


CASES.add(dict_item_replaced_inside_loop_over_values, V)


def nested_unrolled_loops(x):
    acc = 0.0
    for a in (x, np.sin(x)):
        for b in (a * 2.0, a + 1.0):
            acc = acc + np.sum(a * b)
    return acc


CASES.add(nested_unrolled_loops, V)


def unrolled_loop_with_out_argument_on_target(x):
    a = x * 1.0
    b = x ** 2
    for t in (a, b):
        np.multiply(t, 2.0, out=t)
    return np.sum(a * b)


CASES.add(unrolled_loop_with_out_argument_on_target, V)


def unrolled_loop_item_store_through_view_of_target(x):
    a = x * 1.0
    b = np.cos(x)
    for t in (a, b):
        head = t[:2]
        head[0] = np.sum(t ** 2)
    return np.sum(a * b)


CASES.add(unrolled_loop_item_store_through_view_of_target, V)


def unrolled_loop_passive_item_changed_in_place(x):
    # w is passive; the loop scales it in place on its second item; the gradient reads w
    w = np.ones(4)
    a = x * 2.0
    acc = 0.0
    for t in (a, w):
        acc = acc + np.sum(x * w)
        t *= 3.0
    return acc + np.sum(a * w)


CASES.add(unrolled_loop_passive_item_changed_in_place, V)


def unrolled_loop_over_same_array_twice(x):
    a = x * 1.0
    acc = 0.0
    for t in (a, a):
        t[1] = t[1] * 2.0
        acc = acc + np.sum(t * x)
    return acc


CASES.add(unrolled_loop_over_same_array_twice, V)


def unrolled_loop_with_continue(x):
    acc = 0.0
    for t in (x, np.sin(x), np.cos(x)):
        if np.sum(t) < 1.0:          # the sines (0.904) are skipped
            continue
        acc = acc + np.sum(t ** 2)
    return acc


CASES.add(unrolled_loop_with_continue, V)


def unrolled_loop_with_return_in_helper(x):
    acc = 0.0
    for t in (x, np.sin(x), np.cos(x)):
        acc = acc + _first_positive_square(t)
    return acc


def _first_positive_square(v):
    for i in range(v.shape[0]):
        if v[i] > 0.5:
            return v[i] ** 2
    return v[0] * 0.0


CASES.add(unrolled_loop_with_return_in_helper, V)


def unrolled_loop_appends_to_grown_list(x):
    lst = []
    for t in (x, x * 2.0, np.sin(x)):
        lst.append(t * t)
    return np.sum(np.stack(lst) * np.arange(12.0).reshape(3, 4))


CASES.add(unrolled_loop_appends_to_grown_list, V)


def unrolled_loop_over_list_appended_in_loop(x):
    lst = [x]
    lst.append(np.sin(x))
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t * 3.0)
        if acc > 100.0:
            acc = acc * 0.5
    return acc


CASES.add(unrolled_loop_over_list_appended_in_loop, V)


def unrolled_loop_target_unpacks_pairs(x):
    acc = 0.0
    for (a, b) in ((x, 2.0), (np.sin(x), 3.0)):
        acc = acc + np.sum(a * b)
    return acc


CASES.add(unrolled_loop_target_unpacks_pairs, V)


def unrolled_loop_rebinds_target_and_reads_tuple(x):
    a = x * 1.0
    b = x * 2.0
    pair = (a, b)
    for t in pair:
        t = t * 10.0
    return np.sum(pair[0] * pair[1]) + np.sum(t)


CASES.add(unrolled_loop_rebinds_target_and_reads_tuple, V)


def unrolled_loop_iadd_on_scalars(x):
    a = x[0] * 1.0
    b = x[1] * 2.0
    acc = 0.0
    for t in (a, b):
        t += 1.0
        acc = acc + t * x[2]
    return acc + a * b


CASES.add(unrolled_loop_iadd_on_scalars, V)


# ================================================================ while loops whose trip count follows the inputs


def newton_cube_root_fixed_tolerance_in_iterations(a):
    # Newton's method for a ** (1/3), stopped by a trip count that depends on a (2 steps past |dy| < 0.3)
    y = a * 1.0
    steps = 0
    extra = 0
    while extra < 2:
        dy = (y ** 3 - a) / (3.0 * y ** 2)
        y = y - dy
        steps += 1
        if np.all(np.abs(dy) < 0.3):
            extra += 1
    return np.sum(y) * steps


CASES.add(newton_cube_root_fixed_tolerance_in_iterations, VP)


def fixed_point_in_helper_called_in_loop(x):
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum(_fixed_point(x * (i + 1.0), 6))
    return acc


def _fixed_point(c, n):
    y = c * 0.0
    k = 0
    while True:
        y = 0.5 * np.cos(y) + c
        k += 1
        if k >= n:
            break
    return y


CASES.add(fixed_point_in_helper_called_in_loop, V)


def while_trip_count_from_running_sum(x):
    # trips: the smallest n with n * sum(x**2) >= 4.1 (sum(x**2) = 2.1425: 2 trips, away from the threshold)
    t = 0.0
    acc = x * 1.0
    while t < 4.1:
        t = t + np.sum(x ** 2)
        acc = np.sin(acc) * 1.2 + x
    return np.sum(acc) + t


CASES.add(while_trip_count_from_running_sum, V)


def while_nested_in_for_with_varying_trips(x):
    acc = 0.0
    for i in range(4):
        v = x[i] * 1.0
        while abs(v) < 3.0:
            v = v * 1.7 + 0.1
        acc = acc + v
    return acc


CASES.add(while_nested_in_for_with_varying_trips, V)


def while_with_break_and_else_in_helper(x):
    return _scan_until(x, 1.0) + _scan_until(x * 2.0, 3.0)


def _scan_until(v, limit):
    i = 0
    total = 0.0
    while i < v.shape[0]:
        total = total + v[i] ** 2
        if total > limit:
            break
        i += 1
    else:
        total = total * 0.5
    return total


CASES.add(while_with_break_and_else_in_helper, V)


# ================================================================ early returns in nested loops in helpers


def _first_pair_product(v, limit):
    for i in range(v.shape[0]):
        for j in range(i):
            p = v[i] * v[j]
            if p > limit:
                return p * 2.0
    return np.sum(v) * 0.1


def early_return_from_nested_loops_in_helper_called_in_loop(x):
    acc = 0.0
    for k in range(3):
        acc = acc + _first_pair_product(x * (k + 1.0), 0.3)
    return acc


CASES.add(early_return_from_nested_loops_in_helper_called_in_loop, V)


def _search(v):
    i = 0
    while i < v.shape[0]:
        for j in range(v.shape[0]):
            if v[i] + v[j] > 1.2:
                return v[i] - v[j]
        i += 1
    return v[0]


def early_return_from_for_in_while_in_helper(x):
    return _search(x) * _search(np.sin(x) * 2.0)


CASES.add(early_return_from_for_in_while_in_helper, V)


def same_helper_with_early_return_inlined_in_two_loops(x):
    a = 0.0
    for k in range(2):
        a = a + _first_pair_product(x * (k + 1.0), 0.3)
    b = 0.0
    i = 0
    while i < 2:
        b = b + _first_pair_product(np.cos(x) * (i + 1.0), 0.5)
        i += 1
    return a * b


CASES.add(same_helper_with_early_return_inlined_in_two_loops, V)


# ================================================================ carried values that change type or shape


def carried_float_to_numpy_scalar_to_0d_to_vector(x):
    acc = 0
    for i in range(4):
        if i == 0:
            acc = acc + 1.5
        elif i == 1:
            acc = acc * x[0]
        elif i == 2:
            acc = np.array(acc) * x[1]
        else:
            acc = acc * x
    return np.sum(acc ** 2)


CASES.add(carried_float_to_numpy_scalar_to_0d_to_vector, V)


def carried_value_grows_by_broadcasting(x):
    h = x[:1] * 1.0
    for i in range(3):
        h = h * x[i] + x[i:i + 1] * 0.0 + (x if i == 1 else 0.0)
    return np.sum(h ** 2)


CASES.add(carried_value_grows_by_broadcasting, V)


def carried_value_grows_from_column_to_matrix(x):
    h = x[:, :1] * 1.0                  # (2, 1)
    for i in range(2):
        h = np.tanh(h + x * (i + 1.0))   # (2, 3) from the first iteration on
    return np.sum(h)


CASES.add(carried_value_grows_from_column_to_matrix, M)


def carried_int_counter_becomes_float_weight(x):
    w = 0
    acc = 0.0
    for i in range(4):
        w = w + 1 if i < 2 else w * x[i]
        acc = acc + w * x[i]
    return acc


CASES.add(carried_int_counter_becomes_float_weight, V)


def carried_scalar_then_0d_array_iadd(x):
    acc = np.array(0.0)
    for i in range(4):
        acc += x[i] ** 2
    return acc * 2.0


CASES.add(carried_scalar_then_0d_array_iadd, V)


def branch_arms_of_different_shapes(x):
    acc = 0.0
    for i in range(4):
        if x[i] > 0.0:
            y = x[i] * 2.0
        else:
            y = x * 0.5
        acc = acc + np.sum(y * x)
    return acc


CASES.add(branch_arms_of_different_shapes, V)


def branch_arms_of_different_shapes_joined_then_broadcast(x):
    if np.sum(x) > 0.0:
        y = x[:1] * 3.0
    else:
        y = x * 3.0
    z = y + x
    return np.sum(z * y)


CASES.add(branch_arms_of_different_shapes_joined_then_broadcast, V)


def conditional_expression_arms_of_different_shapes_in_loop(x):
    acc = np.zeros(4)
    for i in range(4):
        acc = acc + (x[i] ** 2 if i % 2 == 0 else x * x[i])
    return np.sum(acc * x)


CASES.add(conditional_expression_arms_of_different_shapes_in_loop, V)


# ================================================================ in-place writes inside helpers and through views


def _scale_into(src, dst, factor):
    np.multiply(src, factor, out=dst)


def out_argument_in_helper_overwrites_value_read_later(x):
    # the adjoint of y = h * x reads h, which the helper then overwrites in place through out=
    acc = 0.0
    for i in range(3):
        h = np.sin(x) * (i + 1.0)
        y = h * x
        _scale_into(x, h, 2.0)
        acc = acc + np.sum(y * h)
    return acc


CASES.add(out_argument_in_helper_overwrites_value_read_later, V)


def _clip_in_place(v):
    np.minimum(v, 0.9, out=v)
    return v


def helper_with_out_argument_on_carried_value(x):
    h = x * 1.0
    acc = 0.0
    for i in range(3):
        h = h * 1.5
        acc = acc + np.sum(np.exp(h))
        h = _clip_in_place(h)
    return acc + np.sum(h * x)


CASES.add(helper_with_out_argument_on_carried_value, V)


def inplace_through_view_of_carried_array(x):
    h = x * 1.0
    acc = 0.0
    for i in range(3):
        h = h * 0.9
        tail = h[1:]
        acc = acc + np.sum(tail * h[:3])
        tail += x[1:]
    return acc + np.sum(h ** 2)


CASES.add(inplace_through_view_of_carried_array, V)


def item_store_into_reshaped_view_of_carried_array(x):
    h = x * 1.0
    for i in range(2):
        h = np.sin(h) + 0.1
        grid = h.reshape(2, 2)
        grid[1, 1] = grid[0, 0] * 2.0
    return np.sum(h * x)


CASES.add(item_store_into_reshaped_view_of_carried_array, V)


def carried_array_updated_in_place_by_helper_in_branch(x):
    h = x * 1.0
    acc = 0.0
    for i in range(4):
        if i % 2 == 1:
            _add_into(h, x)
        acc = acc + np.sum(h * np.cos(x))
    return acc


def _add_into(dst, v):
    dst += v * 0.5


CASES.add(carried_array_updated_in_place_by_helper_in_branch, V)


def argument_written_in_place_in_loop_read_by_adjoint(x, w):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(np.sin(x * w))
        w *= 1.1
    return acc


CASES.add(argument_written_in_place_in_loop_read_by_adjoint, V, W4, wrt=0)


# ================================================================ deep nesting


def deeply_nested_loops_and_branches(x):
    acc = 0.0
    for i in range(2):
        for j in range(2):
            if (i + j) % 2 == 0:
                k = 0
                while k < 2:
                    for m in range(2):
                        if x[m + k] > 0.0:
                            acc = acc + x[m + k] * (i + 1.0) * (j + 1.0)
                        else:
                            acc = acc - x[m] ** 2
                    k += 1
            else:
                acc = acc * 0.9
    return acc


CASES.add(deeply_nested_loops_and_branches, V)


def deeply_nested_breaks_with_carried_arrays(x):
    h = x * 1.0
    for i in range(3):
        for j in range(3):
            for k in range(3):
                h = np.sin(h) + x * 0.1 * (i + j + k)
                if k == j:
                    break
            if j == i:
                break
        h = h * 1.1
    return np.sum(h ** 2)


CASES.add(deeply_nested_breaks_with_carried_arrays, V)


# ================================================================ user names that are also generated names


def user_names_saved_trips_cond(x):
    saved = x * 1.0
    saved_1 = 2.0
    trips = 0
    cond = x[0]
    for i in range(3):
        if cond > 0.0:
            saved = saved * np.sin(x) + saved_1
        trips += 1
        cond = cond - 0.2
    return np.sum(saved) * trips + cond


CASES.add(user_names_saved_trips_cond, V)


def user_names_appended_unappended(x):
    appended = []
    unappended = x * 2.0
    for i in range(3):
        appended.append(unappended * (i + 1.0))
        unappended = np.sin(unappended)
    return np.sum(np.stack(appended) ** 2) + np.sum(unappended)


CASES.add(user_names_appended_unappended, V)


def zeros_like(v):
    return np.ones_like(v) * 2.0   # a module helper named like the runtime's zeros_like


def unindex(v, i):
    return v[i] * 3.0              # ... and like unindex


def user_helpers_named_like_runtime_helpers(x):
    acc = zeros_like(x)
    for i in range(3):
        acc = acc * x + unindex(x, i)
    return np.sum(acc ** 2)


CASES.add(user_helpers_named_like_runtime_helpers, V)


def user_names_range_len_shadowed_locally(x):
    range = 3
    len = 2.0
    acc = 0.0
    for v in x:
        acc = acc + v * len
        len = len + range
    return acc


CASES.add(user_names_range_len_shadowed_locally, V)


def user_names_underscore_k_t0(x):
    _ = x * 0.5
    k = 3
    t0 = x[0]
    for t1 in x:
        _ = _ * t1 + t0
        t0 = t0 * 0.5
    for k in range(k):
        _ = _ + x[k]
    return np.sum(_) + t0


CASES.add(user_names_underscore_k_t0, V)


def user_names_bx_and_b_prefixed(x, bx):
    bbx = bx * 2.0
    bx_1 = 0.5
    for i in range(3):
        bbx = bbx * np.sin(x) + bx_1
    return np.sum(bbx * x)


CASES.add(user_names_bx_and_b_prefixed, V, W4, wrt=(0, 1))


def user_names_returned_result_broke_total(x):
    returned = 0.0
    result = x * 1.0
    broke = 1.0
    total = 2.0
    for i in range(4):
        result = result * total + broke
        if x[i] > 1.0:
            returned = returned + sum(x[j] for j in range(i))
            break
    else:
        broke = 3.0
    return np.sum(result) + returned * broke


CASES.add(user_names_returned_result_broke_total, V)


saved = np.array([0.5, 1.5, -0.5, 2.0])   # a module global named like the loop records


def global_named_saved_read_in_loop(x):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(np.sin(x * saved[i]))
    return acc


CASES.add(global_named_saved_read_in_loop, V)


trips = 2.5


def global_named_trips_read_in_loop(x):
    h = x * 1.0
    for i in range(2):
        h = np.sin(h) * trips
    return np.sum(h)


CASES.add(global_named_trips_read_in_loop, V)


# ================================================================ the list adjoints of np.concatenate/vstack/hstack, added


def split_list_vstacked_twice(x):
    # np.split gives a list; each np.vstack of it gives the list an adjoint with one entry per piece
    parts = np.split(x, 2)
    a = np.vstack(parts)
    b = np.vstack(parts)
    return np.sum(a * np.sin(b))


CASES.add(split_list_vstacked_twice, V)


def hstack_of_tuple_twice_in_loop(x):
    acc = 0.0
    for i in range(2):
        pair = (x * (i + 1.0), np.sin(x))
        acc = acc + np.sum(np.hstack(pair) * np.hstack(pair) ** 2)
    return acc


CASES.add(hstack_of_tuple_twice_in_loop, V)


def _flat_twice(items):
    return np.sum(np.concatenate(items) ** 2) + np.sum(np.concatenate(items))


def helper_concatenates_grown_list_twice(x):
    lst = []
    for i in range(2):
        lst.append(np.sin(x) * (i + 1.0))
    return _flat_twice(lst)


CASES.add(helper_concatenates_grown_list_twice, V)


# ================================================================ another name for a list: still a list


def alias_of_list_repeated(x):
    # alias * 2 is list repetition ([a, b, a, b]), not arithmetic on the items
    lst = [x * 2.0, np.sin(x)]
    alias = lst
    return np.sum(np.stack(alias * 2) * np.arange(16.0).reshape(4, 4))


CASES.add(alias_of_list_repeated, V)


def alias_of_list_concatenated_with_itself(x):
    lst = [x * 2.0, np.sin(x)]
    alias = lst
    return np.sum(np.stack(alias + alias) * np.arange(16.0).reshape(4, 4))


CASES.add(alias_of_list_concatenated_with_itself, V)


def tuple_alias_repeated(x):
    tup = (x * 2.0, np.sin(x))
    alias = tup
    return np.sum(np.stack(alias * 2) * np.arange(16.0).reshape(4, 4))


CASES.add(tuple_alias_repeated, V)


def alias_of_list_sliced(x):
    lst = [x * 2.0, np.sin(x)]
    alias = lst
    return np.sum(np.stack(alias[0:1]) ** 2)


CASES.add(alias_of_list_sliced, V)


def grown_list_aliased_after_loop_then_repeated(x):
    lst = []
    for i in range(2):
        lst.append(np.sin(x) * (i + 1.0))
    alias = lst
    return np.sum(np.stack(alias * 2) * np.arange(16.0).reshape(4, 4))


CASES.add(grown_list_aliased_after_loop_then_repeated, V)


def unrolled_over_lists_target_repeated(x):
    l1 = [x * 1.0, np.sin(x)]
    l2 = [np.cos(x), x * 3.0]
    acc = 0.0
    for t in (l1, l2):
        acc = acc + np.sum(np.stack(t * 2) * np.arange(16.0).reshape(4, 4))
    return acc


CASES.add(unrolled_over_lists_target_repeated, V)


def unpacked_list_repeated(x):
    a, n = [x * 2.0, np.cos(x)], 2
    return np.sum(np.concatenate(a * n) * np.arange(16.0))


CASES.add(unpacked_list_repeated, V)


def swapped_grown_lists_repeated_in_loop(x):
    a, b = [], []
    acc = 0.0
    for i in range(3):
        a.append(x * (i + 1.0))
        b.append(np.sin(x) * i)
        a, b = b, a
        acc = acc + np.sum(np.stack(a * 2) ** 2)
    return acc


CASES.add(swapped_grown_lists_repeated_in_loop, V)


def swapped_grown_lists_sliced_in_loop(x):
    a, b = [], []
    acc = 0.0
    for i in range(3):
        a.append(x * (i + 1.0))
        b.append(np.sin(x) * i)
        a, b = b, a
        acc = acc + np.sum(np.stack(a[-1:]) * x)
    return acc


CASES.add(swapped_grown_lists_sliced_in_loop, V)


def grown_list_read_with_slice_object(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    sl = slice(0, 2)
    return np.sum(np.stack(lst[sl]) ** 2)


CASES.add(grown_list_read_with_slice_object, V)


def grown_list_read_with_0d_array_index(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    k = np.array(1)
    return np.sum(lst[k] ** 2)


CASES.add(grown_list_read_with_0d_array_index, V)


def grown_list_alias_summed_with_builtin(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    alias = lst
    return np.sum(sum(alias) * x)


CASES.add(grown_list_alias_summed_with_builtin, V)


# ================================================================ more lists grown in loops


def grown_list_reset_in_chunks(x):
    lst = []
    acc = 0.0
    for i in range(4):
        lst.append(x[i] * 2.0 + x)
        if len(lst) == 2:
            acc = acc + np.sum(np.stack(lst) ** 2)
            lst = []
    return acc


CASES.add(grown_list_reset_in_chunks, V)


def grown_list_reset_in_chunks_remainder(x):
    lst = [x]
    acc = 0.0
    for i in range(3):
        lst.append(np.sin(x) * x[i])
        if len(lst) == 2:
            acc = acc + np.sum(np.stack(lst) * x)
            lst = [x * 0.5]
    return acc + np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_reset_in_chunks_remainder, V)


def grown_list_of_views_written_in_loop(x):
    # every item is a view of the one array h: each shows the writes of all iterations
    h = x * 1.0
    lst = []
    for i in range(3):
        lst.append(h[1:3])
        h[1] = h[1] * 2.0
    return np.sum(np.stack(lst) * x[:2])


CASES.add(grown_list_of_views_written_in_loop, V)


def grown_list_item_is_view_of_carried(x):
    h = x * 1.0
    lst = []
    for i in range(3):
        lst.append(h[1:])
        h = h * 1.5
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_item_is_view_of_carried, V)


def grown_list_of_views_of_one_array_written_later(x):
    h = x * 1.0
    lst = []
    for i in range(3):
        lst.append(h[i:i + 2])
    h[1] = 10.0
    return np.sum(np.stack(lst) * x[:2])


CASES.add(grown_list_of_views_of_one_array_written_later, V)


def grown_list_of_tuples_to_array(x):
    lst = []
    for i in range(3):
        lst.append((x[i] * 2.0, np.sin(x[i + 1])))
    return np.sum(np.array(lst) * np.arange(6.0).reshape(3, 2))


CASES.add(grown_list_of_tuples_to_array, V)


def grown_list_with_break(x):
    lst = []
    for i in range(4):
        lst.append(np.sin(x) * x[i])
        if x[i] > 1.0:
            break
    return np.sum(np.stack(lst) ** 2)


CASES.add(grown_list_with_break, V)


def while_true_appends_with_break_in_middle(x):
    lst = []
    i = 0
    while True:
        v = x[i] * 2.0
        if v > 2.0:
            break
        lst.append(v * x)
        i += 1
    return np.sum(np.stack(lst) ** 2)


CASES.add(while_true_appends_with_break_in_middle, V)


def grown_list_stack_then_inplace_on_stack(x):
    lst = []
    for i in range(3):
        lst.append(x * (i + 1.0))
    s = np.stack(lst)
    s[0] = 0.0
    return np.sum(s * lst[0])


CASES.add(grown_list_stack_then_inplace_on_stack, V)


def grown_list_asarray_then_inplace(x):
    lst = []
    for i in range(4):
        lst.append(x[i] * 2.0)
    a = np.asarray(lst)
    a *= 3.0
    return np.sum(a * x)


CASES.add(grown_list_asarray_then_inplace, V)


def grown_list_appended_then_read_in_branch(x):
    lst = [x[0] * 1.0]
    for i in range(1, 4):
        if x[i] > 0.0:
            lst.append(lst[-1] * x[i])
        else:
            lst.append(lst[0] - x[i])
    return np.sum(np.array(lst) ** 2)


CASES.add(grown_list_appended_then_read_in_branch, V)


def list_of_floats_from_float_calls(x):
    lst = []
    for i in range(4):
        lst.append(float(x[i]) * 2.0)
    return np.sum(np.array(lst) * x)


CASES.add(list_of_floats_from_float_calls, V)


def passive_list_filled_by_item_assignment(x):
    lst = [0.0] * 4
    for i in range(4):
        lst[i] = x[i] * 2.0
    return np.sum(np.array(lst) ** 2)


CASES.add(passive_list_filled_by_item_assignment, V)


def _collect(v, n):
    out = []
    for i in range(n):
        if v[i] > 1.0:
            return out
        out.append(v[i] * 2.0)
    return out


def early_return_of_grown_list_from_helper(x):
    return np.sum(np.array(_collect(x, 4)) ** 2)


CASES.add(early_return_of_grown_list_from_helper, V)


def passive_array_in_loop_modified_after_loop(x):
    acc = 0.0
    for i in range(3):
        m = np.full(4, i + 1.0)
        acc = acc + np.sum(x * m)
    m[0] = 50.0
    return acc + np.sum(m)


CASES.add(passive_array_in_loop_modified_after_loop, V)


def passive_list_of_arrays_modified_after_loop(x):
    ms = []
    acc = 0.0
    for i in range(3):
        m = np.full(4, i + 1.0)
        ms.append(m)
        acc = acc + np.sum(x * m)
    ms[-1][0] = 50.0
    return acc


CASES.add(passive_list_of_arrays_modified_after_loop, V)


# ================================================================ a list changed inside its own unrolled loop


def unrolled_list_appended_inside_own_loop(x):
    # Python's loop also runs over the two items appended by the first two iterations
    lst = [x * 1.0, np.sin(x)]
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t * x)
        if len(lst) < 4:
            lst.append(t * 3.0)
    return acc


CASES.add(unrolled_list_appended_inside_own_loop, V)


def unrolled_list_extended_inside_own_loop(x):
    # lst += [...] extends the list in place: the loop reaches the new items
    lst = [x * 1.0]
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t ** 2)
        if len(lst) < 3:
            lst += [np.sin(t)]
    return acc


CASES.add(unrolled_list_extended_inside_own_loop, V)


def unrolled_list_inserted_inside_own_loop(x):
    lst = [x * 1.0, x * 2.0]
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t * x)
        if len(lst) < 3:
            lst.insert(1, np.cos(t))
    return acc


CASES.add(unrolled_list_inserted_inside_own_loop, V)


def unrolled_list_item_store_negative_index(x):
    lst = [x * 1.0, x * 2.0, x * 3.0]
    acc = 0.0
    for t in lst:
        lst[-1] = t + 1.0
        acc = acc + np.sum(t * x)
    return acc


CASES.add(unrolled_list_item_store_negative_index, V)


def unrolled_list_slice_store(x):
    lst = [x * 1.0, x * 2.0, x * 3.0]
    acc = 0.0
    for t in lst:
        lst[2:] = [t * 5.0]
        acc = acc + np.sum(t * x)
    return acc


CASES.add(unrolled_list_slice_store, V)


def unrolled_list_setitem_through_operator(x):
    lst = [x * 1.0, x * 2.0, x * 3.0]
    acc = 0.0
    for t in lst:
        operator.setitem(lst, 2, t * 5.0)
        acc = acc + np.sum(t * x)
    return acc


CASES.add(unrolled_list_setitem_through_operator, V)


def unrolled_list_item_store_in_branch(x):
    lst = [x * 1.0, np.sin(x), x * 3.0]
    acc = 0.0
    for t in lst:
        if np.sum(t) > 0.5:
            lst[1] = t * 4.0
        acc = acc + np.sum(t * t)
    return acc


CASES.add(unrolled_list_item_store_in_branch, V)


def nested_unroll_inner_list_changed(x):
    acc = 0.0
    for a in (x, np.sin(x)):
        inner = [a * 1.0, a * 2.0]
        for b in inner:
            inner[1] = b * 3.0
            acc = acc + np.sum(a * b)
    return acc


CASES.add(nested_unroll_inner_list_changed, V)


def unrolled_tuple_rebuilt_in_body(x):
    # rebinding the name does not change what the loop runs over
    tup = (x * 1.0, x * 2.0)
    acc = 0.0
    for t in tup:
        tup = (t * 3.0, t)
        acc = acc + np.sum(t * x)
    return acc + np.sum(tup[0])


CASES.add(unrolled_tuple_rebuilt_in_body, V)


def unrolled_dict_values_changed(x):
    d = {"a": x * 1.0, "b": x * 2.0}
    acc = 0.0
    for key in ["a", "b"]:
        d["b"] = d["a"] * 3.0
        acc = acc + np.sum(d[key] * x)
    return acc


CASES.add(unrolled_dict_values_changed, V)


def unrolled_list_via_alias_appended(x):
    lst = [x * 1.0, np.sin(x)]
    alias = lst
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t * x)
        if len(alias) < 3:
            alias.append(t * 2.0)
    return acc


CASES.add(unrolled_list_via_alias_appended, V)


def _grow_to(items, n, v):
    if len(items) < n:
        items.append(v * 2.0)


def unrolled_list_grown_in_helper(x):
    lst = [x * 1.0, np.sin(x)]
    acc = 0.0
    for t in lst:
        acc = acc + np.sum(t * x)
        _grow_to(lst, 3, t)
    return acc


CASES.add(unrolled_list_grown_in_helper, V)


def enumerate_over_list_grown_inside(x):
    lst = [x * 1.0, np.sin(x)]
    acc = 0.0
    for i, t in enumerate(lst):
        acc = acc + np.sum(t * x) * (i + 1.0)
        if len(lst) < 3:
            lst.append(t * 2.0)
    return acc


CASES.add(enumerate_over_list_grown_inside, V)


def zip_over_list_changed_inside(x):
    lst = [x * 1.0, np.sin(x), np.cos(x)]
    acc = 0.0
    for t, w in zip(lst, (1.0, 2.0, 3.0)):
        lst[2] = t * w
        acc = acc + np.sum(t * x)
    return acc


CASES.add(zip_over_list_changed_inside, V)


def break_in_loop_over_tuple_with_inplace_target(x):
    a = x * 1.0
    b = np.sin(x)
    for t in (a, b):
        t *= 2.0
        if np.sum(t) > 0.5:
            break
    return np.sum(a * b)


CASES.add(break_in_loop_over_tuple_with_inplace_target, V)


def break_in_loop_over_tuple_target_read_after(x):
    acc = 0.0
    for t in (x * 0.5, np.sin(x), x ** 2):
        acc = acc + np.sum(t)
        if np.sum(t) > 0.6:
            break
    return acc * np.sum(t * x)


CASES.add(break_in_loop_over_tuple_target_read_after, V)


# ================================================================ sums and list comprehensions: evaluation order


def _pop_positive(stack):
    return stack.pop() > 0.0


def sum_start_pops_list_before_range(x):
    # Python evaluates range(len(stack)) (4 items) when it makes the generator, before the start pops
    stack = [1.0, 2.0, 3.0, 4.0]
    s = sum((x[k] ** 2 for k in range(len(stack))), stack.pop() * x[0])
    return s


CASES.add(sum_start_pops_list_before_range, V)


def sum_condition_pops_list_read_before(x):
    # len(stack) is 4 when Python reads it, before the sum pops two items
    stack = [1.0, 2.0, 3.0, 4.0]
    return len(stack) * np.sum(x) + sum(x[k] ** 2 for k in range(2) if stack.pop() > 0.0)


CASES.add(sum_condition_pops_list_read_before, V)


def sum_condition_bumps_array_read_before(x):
    # c[0] is 1.0 when Python reads it, before the comprehension's calls raise it to 4.0
    c = np.ones(1)
    return c[0] * x[3] + sum(x[k] * 2.0 for k in range(3) if _bump(c) > 0.0)


CASES.add(sum_condition_bumps_array_read_before, V)


def sum_condition_bumps_array_read_before_in_loop(x):
    c = np.ones(1)
    acc = 0.0
    for i in range(2):
        acc = acc + c[0] * x[i] + sum(x[k] * 2.0 for k in range(3) if _bump(c) > 0.0)
    return acc


CASES.add(sum_condition_bumps_array_read_before_in_loop, V)


def sum_augassign_into_item_it_changes(x):
    # c[0] += s reads c[0] (1.0) before evaluating s, whose calls change c[0]; the store then overwrites it
    c = np.ones(1)
    c[0] += sum(x[k] * 2.0 for k in range(3) if _bump(c) > 0.0)
    return c[0] * x[3]


CASES.add(sum_augassign_into_item_it_changes, V)


def sum_augassign_into_name_it_changes(x):
    c = np.ones(2)
    s = c[0] * 1.0
    s += sum(x[k] * 2.0 for k in range(3) if _bump(c) > 0.0)
    return s * x[3] + c[0] * x[0]


CASES.add(sum_augassign_into_name_it_changes, V)


def sum_in_helper_argument_after_read(x):
    # the first argument (len(stack) = 3) is evaluated before the second pops
    stack = [1.0, 2.0, 3.0]
    return _mul(len(stack) * x[0], sum(x[k] for k in range(2) if stack.pop() > 0.0))


def _mul(a, b):
    return a * b


CASES.add(sum_in_helper_argument_after_read, V)


def sum_in_while_body_after_read(x):
    stack = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    acc = 0.0
    i = 0
    while i < 2:
        acc = acc + len(stack) * x[i] + sum(x[k] for k in range(2) if _pop_positive(stack))
        i += 1
    return acc


CASES.add(sum_in_while_body_after_read, V)


def sum_inside_helper_after_read_in_caller(x):
    c = np.ones(1)
    return c[0] * x[3] + _total_bumping(x, c)


def _total_bumping(v, c):
    return sum(v[k] * 2.0 for k in range(3) if _bump(c) > 0.0)


CASES.add(sum_inside_helper_after_read_in_caller, V)


def sum_start_reads_value_changed_by_first_iterable(x):
    c = np.ones(1)
    return sum((x[k] for k in range(int(_bump(c)))), c[0] * x[3])


CASES.add(sum_start_reads_value_changed_by_first_iterable, V)


def list_comprehension_hoisted_before_len_read(x):
    stack = [1.0, 2.0, 3.0, 4.0]
    return len(stack) * np.sum(x) + np.sum(np.array([x[k] * 2.0 for k in range(2) if stack.pop() > 0.0]))


CASES.add(list_comprehension_hoisted_before_len_read, V)


def sum_of_list_comprehension_with_start_array(x):
    return np.sum(sum([x * k for k in range(3)], np.sin(x)) ** 2)


CASES.add(sum_of_list_comprehension_with_start_array, V)


def comprehension_variable_named_like_builtin(x):
    s = sum(x[abs] ** 2 for abs in range(3))
    return s + abs(x[1]) * 2.0


CASES.add(comprehension_variable_named_like_builtin, V)


def comprehension_variable_named_like_helper(x):
    s = sum(x[_sq] * 2.0 for _sq in range(3))
    return s + np.sum(_sq(x))


def _sq(v):
    return v * v


CASES.add(comprehension_variable_named_like_helper, V)


def comprehension_variable_named_sum(x):
    return sum(x[sum] ** 2 for sum in range(3)) + sum(x[k] for k in (3, 0))


CASES.add(comprehension_variable_named_sum, V)


# ================================================================ a read that Python makes before a call that changes it


class _Cfg:
    scale = 2.0


CFG = _Cfg()


def _double_scale_and_pass(v):
    CFG.scale = CFG.scale * 2.0
    return v * 1.0


def attribute_read_before_helper_rebinds_it(x):
    # np.multiply's first argument is CFG.scale as it is before the second argument's call (2.0)
    CFG.scale = 2.0
    y = np.multiply(CFG.scale, _double_scale_and_pass(x))
    return np.sum(y * x)


CASES.add(attribute_read_before_helper_rebinds_it, V)


def attribute_left_operand_read_before_helper_rebinds_it(x):
    CFG.scale = 2.0
    return np.sum((CFG.scale + _double_scale_and_pass(x)) ** 2)


CASES.add(attribute_left_operand_read_before_helper_rebinds_it, V)


def attribute_read_before_helper_rebinds_it_in_loop(x):
    CFG.scale = 2.0
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum((CFG.scale + _double_scale_and_pass(x)) ** 2)
    return acc


CASES.add(attribute_read_before_helper_rebinds_it_in_loop, V)


GAIN = 2.0


def _set_gain(value):
    global GAIN
    GAIN = value
    return 1.0


def global_read_before_passive_call_rebinds_it(x):
    _set_gain(2.0)
    return np.sum(np.multiply(GAIN, x * _set_gain(3.0)))


CASES.add(global_read_before_passive_call_rebinds_it, V)


def global_read_before_passive_call_rebinds_it_in_loop(x):
    _set_gain(2.0)
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum(np.add(GAIN, x * _set_gain(3.0 + i)) ** 2)
    return acc


CASES.add(global_read_before_passive_call_rebinds_it_in_loop, V)


# ================================================================ joins of branches (coalesced into one name)


def join_with_inner_loop_in_one_arm(x):
    acc = 0.0
    for i in range(3):
        if x[i] > 0.0:
            h = x * 1.0
            for j in range(2):
                h = np.sin(h) + x[j]
        else:
            h = np.cos(x)
        acc = acc + np.sum(h * x)
    return acc


CASES.add(join_with_inner_loop_in_one_arm, V)


def join_read_on_next_iteration(x):
    h = x * 1.0
    acc = 0.0
    for i in range(4):
        if x[i] > 0.0:
            g = h * 2.0
        else:
            g = np.sin(h)
        acc = acc + np.sum(g * h)
        h = g
    return acc


CASES.add(join_read_on_next_iteration, V)


def nested_joins_in_loop(x):
    acc = 0.0
    for i in range(4):
        if x[i] > 0.0:
            if x[i] > 1.0:
                y = x * 3.0
            else:
                y = x ** 2
        else:
            y = np.sin(x)
        acc = acc + np.sum(y * x[i])
    return acc


CASES.add(nested_joins_in_loop, V)


def join_used_in_arm_and_after(x):
    acc = 0.0
    for i in range(4):
        if x[i] > 0.0:
            y = x * x[i]
            acc = acc + np.sum(y)
        else:
            y = np.cos(x)
        acc = acc + np.sum(y * y)
    return acc


CASES.add(join_used_in_arm_and_after, V)


# ================================================================ more loops with solvers, and carried lists


def _kepler(m, e):
    E = m * 1.0
    for it in range(20):
        f = E - e * np.sin(E) - m
        E = E - f / (1.0 - e * np.cos(E))
        if np.max(np.abs(f)) < 1e-4:
            return E
    return E


def kepler_newton_with_early_return_in_helper(m):
    return np.sum(_kepler(m, 0.3) ** 2)


CASES.add(kepler_newton_with_early_return_in_helper, VP)


def carried_list_becomes_array(x):
    h = [0.0, 0.0, 0.0, 0.0]
    for i in range(3):
        h = np.tanh(np.asarray(h) * 0.5 + x * (i + 1.0))
    return np.sum(np.asarray(h) ** 2)


CASES.add(carried_list_becomes_array, V)


def carried_tuple_becomes_array(x):
    h = (x[0], x[1])
    for i in range(3):
        h = np.tanh(np.array(h) * 0.5 + x[:2])
    return np.sum(np.array(h) * x[2:])


CASES.add(carried_tuple_becomes_array, V)


def appended(items, v):
    return items + [v * 2.0]      # a module function named like the runtime's appended


def user_function_named_appended_in_loop(x):
    lst = []
    for i in range(3):
        lst = appended(lst, x * (i + 1.0))
    return np.sum(np.stack(lst) ** 2)


CASES.add(user_function_named_appended_in_loop, V)
