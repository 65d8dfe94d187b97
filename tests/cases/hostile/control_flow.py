"""Branches and loops in source mode (since control flow landed in 8446b49), written to make it return
a wrong number: in-place writes and aliases that only exist from the second iteration on, helpers and
callables that change globals the adjoint reads, side effects in conditions, values that become
differentiated on later iterations, names defined on some paths only, loop variables read after the
loop (after zero iterations too), break/continue/return deep in nested blocks, for/while-else,
shadowing, helpers with loops inlined twice, iteration over rows/enumerate/zip/reversed, loop-carried
values that change type and shape, data-dependent and long trip counts, and user names that collide
with the names the generated code uses (saved, trips, cond, t0, bx, _, k, returned, result, broke).

Each program states the value Python computes; a source-mode answer that differs is a bug (declining
is fine)."""

import functools
import types

import numpy as np

from . import M, MP, S, V, VP, Registry

CASES = Registry("control_flow")


# ================================================================ aliases that appear on a later iteration


def augassign_alias_taken_in_first_iteration(x):
    # acc += ... creates the array on iteration 0 and updates it in place afterwards; ``first`` is the
    # same object, so it ends as 6 * x (not x)
    acc = 0.0
    first = None
    for i in range(3):
        acc += x * (i + 1.0)
        if i == 0:
            first = acc
    return np.sum(first * x)


CASES.add(augassign_alias_taken_in_first_iteration, V)


def item_store_then_snapshot_alias(x):
    # snap is y itself: it sees the writes of the iterations after it was taken
    y = np.zeros(4)
    snap = None
    for i in range(4):
        y[i] = x[i] * 2.0
        if i == 1:
            snap = y
    return np.sum(snap * x)


CASES.add(item_store_then_snapshot_alias, V)


def item_store_prev_alias_without_copy(x):
    # the everyday "forgot to copy": prev = y makes prev the same array, so from iteration 1 on
    # prev already holds this iteration's write
    y = np.zeros(4)
    prev = np.zeros(4)
    acc = 0.0
    for i in range(4):
        y[i] = x[i] * 2.0
        acc = acc + np.sum(prev * x)
        prev = y
    return acc


CASES.add(item_store_prev_alias_without_copy, V)


def copyto_then_snapshot_alias(x):
    buf = np.zeros(4)
    first = None
    for i in range(3):
        np.copyto(buf, x * (i + 1.0))
        if i == 0:
            first = buf
    return np.sum(first * np.sin(x))


CASES.add(copyto_then_snapshot_alias, V)


def out_argument_then_snapshot_alias(x):
    buf = np.zeros(4)
    first = None
    for i in range(3):
        np.multiply(x, i + 1.0, out=buf)
        if i == 0:
            first = buf
    return np.sum(first * x)


CASES.add(out_argument_then_snapshot_alias, V)


def view_of_written_array_taken_in_loop(x):
    # head is a view of y: the writes of later iterations show through it
    y = np.zeros(4)
    head = None
    for i in range(4):
        y[i] = x[i] ** 2
        if i == 1:
            head = y[1:]
    return np.sum(head * x[:3])


CASES.add(view_of_written_array_taken_in_loop, V)


def reshaped_view_taken_in_loop(x):
    y = np.zeros(4)
    grid = None
    for i in range(4):
        y[i] = np.sin(x[i])
        if i == 0:
            grid = y.reshape(2, 2)
    return np.sum(grid @ grid)


CASES.add(reshaped_view_taken_in_loop, V)


def alias_before_loop_then_item_store(x):
    y = np.zeros(4)
    z = y
    for i in range(4):
        y[i] = x[i] * 2.0
    return np.sum(z * x)


CASES.add(alias_before_loop_then_item_store, V)


def passive_write_into_array_aliased_at_end_of_body(x):
    # v becomes w at the end of iteration 0; the writes into w of later iterations change v
    w = np.ones(4)
    v = np.ones(4)
    acc = 0.0
    for i in range(3):
        w[i] = 3.0
        acc = acc + np.sum(x * v)
        v = w
    return acc


CASES.add(passive_write_into_array_aliased_at_end_of_body, V)


def passive_write_through_view_made_later(x):
    # tail is a separate array on iteration 0 and a view of w afterwards: its writes reach w
    w = np.ones(4)
    tail = np.zeros(2)
    acc = 0.0
    for i in range(3):
        tail[0] = i + 2.0
        acc = acc + np.sum(x * w)
        tail = w[2:]
    return acc


CASES.add(passive_write_through_view_made_later, V)


def iadd_into_fresh_buffer_each_iteration(x):
    h = np.zeros(4)
    acc = 0.0
    for i in range(3):
        h += x
        acc = acc + np.sum(h * h)
    return acc


CASES.add(iadd_into_fresh_buffer_each_iteration, V)


def iadd_with_alias_kept_across_iterations(x):
    h = x * 1.0
    hist = h
    for i in range(3):
        h += np.sin(x)
    return np.sum(hist * x)


CASES.add(iadd_with_alias_kept_across_iterations, V)


def list_holds_same_array_each_iteration(x):
    y = np.zeros(4)
    hist = []
    for i in range(3):
        y[i] = x[i] * 3.0
        hist.append(y)
    return np.sum(hist[0] * x)


CASES.add(list_holds_same_array_each_iteration, V)


def passive_write_into_argument_read_by_adjoint(x, w):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(x * w)
        w[i] = 0.5
    return acc


CASES.add(passive_write_into_argument_read_by_adjoint, V, np.array([1.0, 2.0, -1.0, 3.0]))


def argument_zeroed_through_alias_before_use(x):
    y = x
    for i in range(2):
        y[i] = 0.0
    return np.sum(x * x * x)


CASES.add(argument_zeroed_through_alias_before_use, V)


def row_view_scaled_in_place(x):
    acc = 0.0
    for row in x:
        row *= 2.0
        acc = acc + np.sum(row ** 2)
    return acc


CASES.add(row_view_scaled_in_place, M.copy())


# ================================================================ globals changed by calls inside the loop


_SCALE = np.array([1.0])


def _reset_scale():
    _SCALE[0] = 1.0


def _grow_scale():
    _SCALE[0] = _SCALE[0] * 2.0


def global_array_rescaled_by_helper_in_loop(x):
    # the helper doubles _SCALE before each use: the uses see 2, 4, 8
    _reset_scale()
    acc = 0.0
    for i in range(3):
        _grow_scale()
        acc = acc + np.sum(x * _SCALE)
    return acc


CASES.add(global_array_rescaled_by_helper_in_loop, V)


def global_array_rescaled_by_helper_after_use(x):
    _reset_scale()
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(x * _SCALE)
        _grow_scale()
    return acc


CASES.add(global_array_rescaled_by_helper_after_use, V)


_grow_scale_partial = functools.partial(_grow_scale)


def global_array_rescaled_by_partial_in_loop(x):
    _reset_scale()
    acc = 0.0
    for i in range(3):
        _grow_scale_partial()
        acc = acc + np.sum(np.sin(x) * _SCALE)
    return acc


CASES.add(global_array_rescaled_by_partial_in_loop, V)


class _Grower:
    def __call__(self):
        _SCALE[0] = _SCALE[0] + 1.5


_GROWER = _Grower()


def global_array_changed_by_callable_object_in_loop(x):
    _reset_scale()
    acc = 0.0
    for i in range(3):
        _GROWER()
        acc = acc + np.sum(x ** 2 * _SCALE)
    return acc


CASES.add(global_array_changed_by_callable_object_in_loop, V)


_GAIN = 1.0


def _set_gain(value):
    global _GAIN
    _GAIN = value


def global_float_rebound_by_helper_in_loop(x):
    acc = 0.0
    for i in range(3):
        _set_gain(i + 2.0)
        acc = acc + np.sum(x * _GAIN)
    return acc


CASES.add(global_float_rebound_by_helper_in_loop, V)


_CFG = types.SimpleNamespace(scale=1.0)


def _set_cfg_scale(value):
    _CFG.scale = value


def global_attribute_rebound_by_helper_in_loop(x):
    acc = 0.0
    for i in range(3):
        _set_cfg_scale(i + 2.0)
        acc = acc + np.sum(np.cos(x) * _CFG.scale)
    return acc


CASES.add(global_attribute_rebound_by_helper_in_loop, V)


def global_attribute_set_directly_in_loop(x):
    acc = 0.0
    for i in range(3):
        _CFG.scale = i + 2.0
        acc = acc + np.sum(np.cos(x) * _CFG.scale)
    return acc


CASES.add(global_attribute_set_directly_in_loop, V)


def global_rebound_in_branch_of_loop(x):
    acc = 0.0
    for i in range(4):
        if i % 2 == 1:
            _set_gain(3.0)
        else:
            _set_gain(0.5)
        acc = acc + x[i] * _GAIN
    return acc


CASES.add(global_rebound_in_branch_of_loop, V)


# ================================================================ side effects in conditions and branches


def _tick(log):
    log.append(1)
    return len(log)


def condition_with_side_effect_runs_once(x):
    log = []
    acc = 0.0
    for i in range(4):
        if _tick(log) % 2 == 0:
            acc = acc + x[i] ** 2
        else:
            acc = acc - x[i]
    return acc * len(log)


CASES.add(condition_with_side_effect_runs_once, V)


def _pop_positive(stack):
    return stack.pop() > 0 if stack else False


def while_condition_with_side_effect(x):
    stack = [1, 1, -1, 1, 1]
    y = x
    while _pop_positive(stack):
        y = np.sin(y) + x
    return np.sum(y) * len(stack)


CASES.add(while_condition_with_side_effect, V)


def _note(log, value):
    log.append(value)
    return value % 3 != 0


def short_circuit_condition_with_side_effect(x):
    log = []
    acc = 0.0
    for i in range(5):
        if i > 1 and _note(log, i) or i == 0:
            acc = acc + x[i % 4] * (len(log) + 1.0)
    return acc


CASES.add(short_circuit_condition_with_side_effect, V)


def conditional_expression_branch_with_side_effect(x):
    log = []
    acc = 0.0
    for i in range(4):
        y = x * _tick(log) if i % 2 == 0 else x * 0.5
        acc = acc + np.sum(y * x)
    return acc + len(log)


CASES.add(conditional_expression_branch_with_side_effect, V)


def conditional_expression_condition_with_side_effect(x):
    log = []
    total = 0.0
    for i in range(4):
        total = total + (np.sum(x ** 2) if _tick(log) > 2 else np.sum(x))
    return total * len(log)


CASES.add(conditional_expression_condition_with_side_effect, V)


def or_chain_counts_calls(x):
    log = []
    total = 0.0
    for v in x:
        if v > 0.4 or _tick(log) > 1:
            total = total + v ** 3
    return total + len(log) * 0.1


CASES.add(or_chain_counts_calls, V)


# ================================================================ lists and dicts in loops


def passive_list_weights_appended_in_loop(x):
    ws = [1.0]
    acc = 0.0
    for i in range(3):
        ws.append(ws[-1] * 1.5)
        acc = acc + np.sum(x * ws[-1])
    return acc + ws[0]


CASES.add(passive_list_weights_appended_in_loop, V)


def iterate_list_extended_inside_loop(x):
    todo = [1.0, 2.0]
    acc = 0.0
    for v in todo:
        if v < 3.0:
            todo.append(v + 2.0)
        acc = acc + np.sum(x * v)
    return acc


CASES.add(iterate_list_extended_inside_loop, V)


def dict_counter_in_loop(x):
    counts = {"even": 0, "odd": 0}
    acc = 0.0
    for i in range(5):
        if i % 2 == 0:
            counts["even"] += 1
        else:
            counts["odd"] += 1
        acc = acc + x[i % 4] * counts["even"] - x[(i + 1) % 4] * counts["odd"]
    return acc


CASES.add(dict_counter_in_loop, V)


def dict_of_active_updated_in_branch(x):
    d = {"s": x * 1.0}
    for i in range(3):
        if i != 1:
            d["s"] = d["s"] * np.cos(x)
    return np.sum(d["s"])


CASES.add(dict_of_active_updated_in_branch, V)


def list_of_active_rows_in_branch(x):
    parts = []
    for i in range(4):
        if x[i] > 0.0:
            parts.append(x[i] ** 2)
        else:
            parts.append(-x[i])
    return sum(parts)


CASES.add(list_of_active_rows_in_branch, V)


# ================================================================ values that become differentiated later


def becomes_active_on_second_iteration(x):
    a = 1.0
    b = 0.0
    for i in range(3):
        b = b + a * 2.0
        a = x * (i + 1.0)
    return np.sum(b * b)


CASES.add(becomes_active_on_second_iteration, V)


def nested_inner_becomes_active_through_outer(x):
    a = 1.0
    s = 0.0
    for i in range(3):
        for j in range(2):
            s = s + a * (j + 1.0)
        a = np.sin(x) * (i + 1.0)
    return np.sum(s ** 2)


CASES.add(nested_inner_becomes_active_through_outer, V)


def buffer_becomes_active_later(x):
    buf = np.zeros(4)
    acc = 0.0
    for i in range(4):
        acc = acc + np.sum(buf ** 2)
        buf[i] = x[i] * (i + 1.0)
    return acc


CASES.add(buffer_becomes_active_later, V)


def active_only_through_branch_on_later_iteration(x):
    c = 2.0
    acc = 0.0
    for i in range(4):
        acc = acc + c * x[i]
        if i == 1:
            c = np.exp(x[0])
    return acc


CASES.add(active_only_through_branch_on_later_iteration, V)


def three_stage_activity_chain(x):
    a = 1.0
    b = 1.0
    c = 1.0
    for i in range(4):
        c = c * b
        b = b + a
        a = x
    return np.sum(c)


CASES.add(three_stage_activity_chain, VP)


# ================================================================ names bound on some paths only


def defined_in_one_branch_read_under_same_condition(x):
    s = np.sum(x)
    if s > 0.0:
        y = np.exp(x)
    z = x * 2.0
    if s > 0.0:
        z = z + y
    return np.sum(z ** 2)


CASES.add(defined_in_one_branch_read_under_same_condition, V)


def defined_on_some_iterations_read_after(x):
    last = x[0]
    for i in range(4):
        if i == 1:
            last = x[i] * 5.0
    return last * x[3]


CASES.add(defined_on_some_iterations_read_after, V)


def read_before_assignment_on_later_iterations(x):
    acc = 0.0
    for i in range(4):
        if i > 0:
            acc = acc + prev * x[i]
        prev = np.tanh(x[i])
    return acc


CASES.add(read_before_assignment_on_later_iterations, V)


# ================================================================ loop variables after the loop


def active_loop_variable_after_zero_iterations(x):
    v = x[0]
    for v in x[4:]:
        v = v * 10.0
    return v * 3.0


CASES.add(active_loop_variable_after_zero_iterations, V)


def active_loop_variable_after_loop(x):
    v = x[0]
    for v in x[1:3]:
        v = v * 2.0
    return v * 3.0


CASES.add(active_loop_variable_after_loop, V)


def range_variable_after_empty_range(x):
    i = 5
    for i in range(x.shape[0], 2):
        x = x * 2.0
    return np.sum(x * i)


CASES.add(range_variable_after_empty_range, V)


def loop_variable_after_break(x):
    for i in range(10):
        if i * 0.5 > 1.2:
            break
    return np.sum(x ** i)


CASES.add(loop_variable_after_break, VP)


def row_variable_after_loop(x):
    row = x[0] * 0.0
    for row in x:
        pass
    return np.sum(row * x[0])


CASES.add(row_variable_after_loop, M)


# ================================================================ break, continue and return deep inside


def break_deep_in_nested_ifs(x):
    acc = 0.0
    for i in range(4):
        acc = acc + x[i] ** 2
        if i >= 1:
            if x[i] < 0.0:
                if acc > 0.5:
                    break
        acc = acc * 1.5
    return acc


CASES.add(break_deep_in_nested_ifs, V)


def continue_deep_in_nested_ifs(x):
    acc = 0.0
    for i in range(4):
        y = x[i] * 2.0
        if i != 2:
            if y < 0.0:
                acc = acc - y
                continue
        acc = acc + np.sin(y) * acc + y
    return acc


CASES.add(continue_deep_in_nested_ifs, V)


def for_else_break_in_nested_if(x):
    acc = 1.0
    for v in x:
        if v < 0.0:
            if v < -0.5:
                acc = acc * v
                break
        acc = acc + v
    else:
        acc = acc * 100.0
    return acc


CASES.add(for_else_break_in_nested_if, V)


def for_else_without_break(x):
    acc = 1.0
    for v in x:
        if v < -5.0:
            break
        acc = acc * (1.0 + v)
    else:
        acc = acc * np.sum(x)
    return acc


CASES.add(for_else_without_break, V)


def while_else_with_break(x):
    y = x * 1.0
    n = 0
    while n < 6:
        y = y * 1.3
        if np.sum(y) > 2.0:
            break
        n += 1
    else:
        y = y * 0.0
    return np.sum(y ** 2) + n


CASES.add(while_else_with_break, V)


def while_else_returns_in_else(x):
    y = x
    n = 0
    while n < 3:
        y = np.sin(y) + 0.5
        n += 1
    else:
        return np.sum(y * y)
    return np.sum(y)


CASES.add(while_else_returns_in_else, V)


def return_inside_nested_loops(x):
    acc = 0.0
    for i in range(4):
        for j in range(4):
            acc = acc + x[i] * x[j]
            if acc > 1.0:
                return acc * 2.0
    return acc


CASES.add(return_inside_nested_loops, VP)


def return_in_inner_while_from_branch(x):
    s = 0.0
    for i in range(3):
        k = 0
        while k < 4:
            s = s + x[k] * (i + 1.0)
            if s > 3.0:
                if i > 0:
                    return s * x[0]
            k += 1
    return s


CASES.add(return_in_inner_while_from_branch, VP)


def break_outer_via_flag(x):
    done = False
    acc = 0.0
    for i in range(4):
        for j in range(4):
            acc = acc + x[i] * x[j]
            if acc > 2.0:
                done = True
                break
        if done:
            break
    return acc * (i + 1.0)


CASES.add(break_outer_via_flag, VP)


# ================================================================ shadowing


def loop_target_then_comprehension_with_same_name(x):
    acc = 0.0
    for i in range(3):
        acc = acc + x[i] * 2.0
    squares = [x[i] ** 2 for i in range(4)]
    return acc * i + sum(squares)


CASES.add(loop_target_then_comprehension_with_same_name, V)


def comprehension_inside_loop_shadows_loop_variable(x):
    acc = 0.0
    for i in range(3):
        vals = [x[i] * 2.0 for i in range(1, 4)]
        acc = acc + vals[0] * x[i] + vals[2]
    return acc


CASES.add(comprehension_inside_loop_shadows_loop_variable, V)


def loop_target_shadows_parameter(x):
    total = 0.0
    for x in x:
        total = total + x ** 3
    return total + x


CASES.add(loop_target_shadows_parameter, V)


def loop_target_rebinds_iterated_name(x):
    y = x * 1.0
    acc = 0.0
    for v in y:
        acc = acc + v * v
        y = y * 2.0
    return acc + np.sum(y)


CASES.add(loop_target_rebinds_iterated_name, V)


# ================================================================ helpers with control flow


def _clipped(v, lo):
    if v < lo:
        return lo * v
    return v * v


def helper_early_return_called_in_loop(x):
    acc = 0.0
    for i in range(4):
        acc = acc + _clipped(x[i], 0.0)
    return acc


CASES.add(helper_early_return_called_in_loop, V)


def _power_series(v, n):
    total = 0.0
    term = 1.0
    for k in range(n):
        term = term * v
        total = total + term / (k + 1.0)
    return total


def helper_with_loop_called_in_branch(x):
    s = np.sum(x)
    if s > 0.0:
        y = _power_series(x, 3)
    else:
        y = _power_series(-x, 2)
    return np.sum(y)


CASES.add(helper_with_loop_called_in_branch, V)


def same_helper_with_loop_inlined_twice(x):
    a = _power_series(x, 3)
    b = _power_series(a, 2)
    return np.sum(a * b)


CASES.add(same_helper_with_loop_inlined_twice, V)


def _newton_sqrt(a):
    y = a
    n = 0
    while n < 20:
        y_next = 0.5 * (y + a / y)
        if abs(y_next - y) < 1e-12:
            break
        y = y_next
        n += 1
    return y


def helper_with_while_break_called_in_loop(x):
    acc = 0.0
    for i in range(4):
        acc = acc + _newton_sqrt(x[i] + i)
    return acc


CASES.add(helper_with_while_break_called_in_loop, VP)


def _first_big(v):
    for k in range(v.shape[0]):
        if v[k] > 1.0:
            return v[k] * 2.0
    return v[0]


def helper_returning_from_loop_called_in_loop(x):
    acc = 0.0
    for i in range(2):
        acc = acc + _first_big(x * (i + 1.0))
    return acc


CASES.add(helper_returning_from_loop_called_in_loop, VP)


# ================================================================ iteration forms


def rows_running_product(x):
    acc = np.ones(x.shape[1])
    for row in x:
        acc = acc * (row + 2.0)
    return np.sum(acc)


CASES.add(rows_running_product, M)


def enumerate_with_start(x):
    acc = 0.0
    for i, v in enumerate(x, 2):
        acc = acc + v * i
    return acc * i


CASES.add(enumerate_with_start, V)


def zip_unequal_lengths(x, y):
    acc = 0.0
    for a, b in zip(x, y):
        acc = acc + a * b
    return acc


CASES.add(zip_unequal_lengths, V, np.array([2.0, -1.0, 0.5]), wrt=(0, 1))


def reversed_active(x):
    acc = 0.0
    for v in reversed(x):
        acc = acc * 0.5 + v
    return acc


CASES.add(reversed_active, V)


def enumerate_reversed_active(x):
    acc = 0.0
    for i, v in enumerate(reversed(x)):
        acc = acc + v * (i + 1.0)
    return acc


CASES.add(enumerate_reversed_active, V)


def zip_active_with_range(x):
    acc = 0.0
    for v, k in zip(x, range(10, 13)):
        acc = acc + v * k
    return acc


CASES.add(zip_active_with_range, V)


def nested_rows_and_elements(x):
    acc = 0.0
    for row in x:
        for v in row:
            acc = acc + v * acc + v
    return acc


CASES.add(nested_rows_and_elements, M)


# ================================================================ carried values changing type and shape


def carried_int_then_float_then_array(x):
    acc = 0
    for i in range(3):
        if i == 0:
            acc = acc + 1
        elif i == 1:
            acc = acc * x[0]
        else:
            acc = acc + x
    return np.sum(acc ** 2)


CASES.add(carried_int_then_float_then_array, V)


def carried_numpy_scalar_then_vector(x):
    acc = np.float64(1.0)
    for i in range(3):
        acc = acc * np.cos(x) + np.float64(i)
    return np.sum(acc)


CASES.add(carried_numpy_scalar_then_vector, V)


def carried_shape_shrinks(x):
    y = x
    for k in range(2):
        y = np.sin(y).sum(axis=0)
    return y


CASES.add(carried_shape_shrinks, M)


def carried_shape_grows(x):
    y = x[0]
    for k in range(2):
        y = np.outer(y, x[:2]) if k == 0 else y @ np.ones(2) + x
    return np.sum(y ** 2)


CASES.add(carried_shape_grows, V)


# ================================================================ trip counts


def trip_count_from_data(x):
    n = int(np.sum(np.abs(x)) * 2.0)
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(x * (i + 1.0))
    return np.sum(acc)


CASES.add(trip_count_from_data, V)


def while_trip_count_from_data(x):
    y = x * 1.0
    n = 0
    while np.max(np.abs(y)) > 0.05:
        y = y * 0.6 + 0.01 * np.sin(y)
        n += 1
    return np.sum(y) * n


CASES.add(while_trip_count_from_data, V)


def empty_range_returns_initial(x):
    acc = x * 2.0
    for i in range(3, 3):
        acc = acc * x
    return np.sum(acc)


CASES.add(empty_range_returns_initial, V)


def inner_trip_count_varies_with_outer(x):
    acc = 0.0
    for i in range(4):
        for j in range(i):
            acc = acc + x[i] * x[j] * (j + 1.0)
        acc = acc * 0.9
    return acc


CASES.add(inner_trip_count_varies_with_outer, V)


def inner_loop_only_on_some_outer_iterations(x):
    acc = 0.0
    for i in range(4):
        if i % 2 == 1:
            for j in range(i + 1):
                acc = acc + np.sin(x[j]) * acc + x[i]
        else:
            acc = acc + x[i] ** 2
    return acc


CASES.add(inner_loop_only_on_some_outer_iterations, V)


def inner_while_trips_vary_with_data(x):
    acc = 0.0
    for i in range(4):
        y = x[i] + 2.0
        while y > 1.0:
            y = y * 0.7
            acc = acc + y * x[i]
    return acc


CASES.add(inner_while_trips_vary_with_data, V)


def thousand_iterations(x):
    acc = x * 0.0
    for i in range(1000):
        acc = acc * 0.999 + np.sin(x + i * 0.001)
    return np.sum(acc)


CASES.add(thousand_iterations, V)


def thousand_iterations_while(x):
    y = x
    n = 0
    while n < 1000:
        y = y + 0.001 * np.cos(y)
        n += 1
    return np.sum(y ** 2)


CASES.add(thousand_iterations_while, V)


# ================================================================ the returned value is a loop-carried name


def returns_loop_carried_directly(x):
    y = x
    for i in range(3):
        y = np.sin(y) * 1.5
    return np.sum(y)


CASES.add(returns_loop_carried_directly, V)


def returns_scalar_loop_carried_name(x):
    total = 0.0
    for v in x:
        total = total * 0.5 + v ** 2
    return total


CASES.add(returns_scalar_loop_carried_name, V)


def returns_carried_after_break(x):
    total = 1.0
    for v in x:
        total = total * (1.0 + v)
        if total < 0.0:
            break
    return total


CASES.add(returns_carried_after_break, V)


def returns_carried_of_inner_loop(x):
    s = 0.0
    for i in range(3):
        s = s * 0.5
        for v in x:
            s = s + v * (i + 1.0)
    return s


CASES.add(returns_carried_of_inner_loop, V)


# ================================================================ user names that are also generated names


def loop_variables_named_like_generated(x):
    saved = 0.0
    trips = 0
    for t0 in range(3):
        cond = t0 % 2 == 0
        if cond:
            saved = saved + x[t0] * 2.0
        trips += 1
    for k in range(2):
        bx = x[k] ** 2
        saved = saved + bx * trips
    for _ in range(2):
        saved = saved * 1.1
    return saved


CASES.add(loop_variables_named_like_generated, V)


def flag_names_used_by_user(x):
    returned = 2.0
    result = x[0]
    broke = 3.0
    for v in x:
        if v > 1.0:
            break
        result = result + v * returned
    else:
        result = result * 0.0
    for w in x:
        if w < -0.5:
            return result * broke + w
    return result


CASES.add(flag_names_used_by_user, V)


def local_range_len_min_shadow_builtins(x, y):
    range = 3
    len = 2
    min = 0.5
    acc = 0.0
    for a, b in zip(x, y):
        acc = acc + a * b * min
    for i in reversed(x):
        acc = acc + i * len * range
    return acc


CASES.add(local_range_len_min_shadow_builtins, V, VP, wrt=(0, 1))


def user_names_with_adjoint_prefix(x):
    bacc = 2.0
    acc = 0.0
    for bv in x:
        acc = acc + bv * bacc
        bacc = bacc + 1.0
    return acc


CASES.add(user_names_with_adjoint_prefix, V)


# ================================================================ more loop-carried patterns


def tuple_swap_carried(x):
    a = x * 1.0
    b = np.ones(4)
    for i in range(4):
        a, b = b, a * x + b
    return np.sum(a * b)


CASES.add(tuple_swap_carried, V)


def nested_conditional_expression_in_loop(x):
    acc = 0.0
    for v in x:
        acc = acc + (v ** 2 if v > 0.5 else (np.sin(v) if v > -0.5 else -v))
    return acc


CASES.add(nested_conditional_expression_in_loop, V)


def branch_on_carried_value(x):
    s = x * 1.0
    for i in range(5):
        if np.sum(s) > 1.0:
            s = s * 0.5
        else:
            s = s + x ** 2
    return np.sum(s)


CASES.add(branch_on_carried_value, V)


def scalar_argument_in_while(s):
    y = s
    n = 0
    while y < 10.0:
        y = y * 1.7 + s
        n += 1
    return y * n


CASES.add(scalar_argument_in_while, S)


def matrix_argument_loop_over_columns(x):
    acc = 0.0
    for j in range(x.shape[1]):
        col = x[:, j]
        acc = acc + np.prod(col) * (j + 1.0)
    return acc


CASES.add(matrix_argument_loop_over_columns, MP)


def item_store_into_local_copy_then_read_next_iteration(x):
    y = x.copy()
    for i in range(1, 4):
        y[i] = y[i - 1] * x[i] + y[i]
    return np.sum(y)


CASES.add(item_store_into_local_copy_then_read_next_iteration, V)


# ================================================================ more: writes in a while condition, live iterables


def _advance(buf):
    buf[0] = buf[0] + 1.0
    return buf[0] < 4.0


def while_condition_writes_array_read_by_adjoint(x):
    # the condition runs before every iteration and changes buf, which the body multiplies by: the
    # uses see buf[0] = 2 and 3
    buf = np.ones(4)
    acc = 0.0
    while _advance(buf):
        acc = acc + np.sum(x * buf)
    return acc


CASES.add(while_condition_writes_array_read_by_adjoint, V)


def while_condition_out_argument_read_by_adjoint(x):
    buf = np.ones(4)
    acc = 0.0
    while np.add(buf, 0.5, out=buf)[0] < 3.0:
        acc = acc + np.sum(np.sin(x) * buf)
    return acc


CASES.add(while_condition_out_argument_read_by_adjoint, V)


_STEPS = [0]


def _reset_steps():
    _STEPS[0] = 0


def _gain_step():
    global _GAIN
    _STEPS[0] += 1
    _GAIN = _STEPS[0] + 1.0
    return _STEPS[0] < 4


def while_condition_rebinds_global_read_by_adjoint(x):
    # the condition rebinds _GAIN before each iteration: the uses see 2, 3 and 4
    _reset_steps()
    acc = 0.0
    while _gain_step():
        acc = acc + np.sum(x * _GAIN)
    return acc


CASES.add(while_condition_rebinds_global_read_by_adjoint, V)


def nested_while_condition_writes_array_read_by_adjoint(x):
    acc = 0.0
    for i in range(2):
        buf = np.ones(4)
        while _advance(buf):
            acc = acc + np.sum(x * buf) * (i + 1.0)
    return acc


CASES.add(nested_while_condition_writes_array_read_by_adjoint, V)


def zip_with_list_growing_inside_loop(x):
    # zip reads the list as it grows: four iterations, not two
    flags = list((1.0, -1.0))
    acc = 0.0
    for a, f in zip(x, flags):
        if f > 0.0:
            acc = acc + a ** 2
        else:
            acc = acc - a
        flags.append(-f)
    return acc


CASES.add(zip_with_list_growing_inside_loop, V)


def zip_with_list_shrinking_inside_loop(x):
    # the list loses its last item on each iteration: zip stops after two
    flags = list((1.0, -1.0, 1.0, -1.0))
    acc = 0.0
    for a, f in zip(x, flags):
        if f > 0.0:
            acc = acc + a ** 2
        else:
            acc = acc - a
        flags.pop()
    return acc


CASES.add(zip_with_list_shrinking_inside_loop, V)


def passive_list_grows_while_iterated_plainly(x):
    flags = list((1.0, -1.0))
    acc = 0.0
    for f in flags:
        acc = acc + np.sum(x * f) * len(flags)
        if len(flags) < 5:
            flags.append(f * 0.5)
    return acc


CASES.add(passive_list_grows_while_iterated_plainly, V)


def passive_array_zipped_and_written_ahead(x):
    w = np.ones(4)
    acc = 0.0
    for a, b in zip(x, w):
        acc = acc + a * b
        if a > 0.0:
            w[-1] = 5.0
    return acc


CASES.add(passive_array_zipped_and_written_ahead, V)


# ================================================================ more aliases taken on one iteration, written on the next


def imul_alias_taken_in_branch(x):
    y = x + 1.0
    kept = None
    for i in range(3):
        y *= np.cos(x)
        if i == 0:
            kept = y
    return np.sum(kept)


CASES.add(imul_alias_taken_in_branch, V)


def isub_alias_through_conditional_expression(x):
    acc = np.zeros(4)
    first = np.ones(4)
    for i in range(3):
        acc -= x * (i + 2.0)
        first = acc if i == 0 else first
    return np.sum(first * x)


CASES.add(isub_alias_through_conditional_expression, V)


def add_at_then_snapshot_alias(x):
    buf = np.zeros(4)
    first = None
    for i in range(3):
        np.add.at(buf, [0, 1, 1, 3], x * (i + 1.0))
        if i == 0:
            first = buf
    return np.sum(first * x[0])


CASES.add(add_at_then_snapshot_alias, V)


def transposed_view_taken_in_loop(x):
    y = np.zeros((2, 2))
    yt = None
    for i in range(4):
        y[i // 2, i % 2] = np.exp(x[i])
        if i == 1:
            yt = y.T
    return np.sum(yt * np.arange(4.0).reshape(2, 2))


CASES.add(transposed_view_taken_in_loop, V)


def snapshot_alias_in_while(x):
    y = np.zeros(4)
    snap = np.zeros(4)
    n = 0
    while n < 4:
        y[n] = x[n] ** 3
        if n == 0:
            snap = y
        n += 1
    return np.sum(snap)


CASES.add(snapshot_alias_in_while, V)


def helper_returns_its_argument_alias_in_loop(x):
    acc = 0.0
    kept = None
    for i in range(3):
        acc += x * 2.0
        kept = _identity_if(acc, i == 0, kept)
    return np.sum(kept * x)


def _identity_if(value, flag, other):
    if flag:
        return value
    return other


CASES.add(helper_returns_its_argument_alias_in_loop, V)


# ================================================================ more control flow shapes


def while_true_break_first(x):
    y = x * 1.0
    n = 0
    while True:
        if n >= 3:
            break
        y = y * x + 0.5
        n += 1
    return np.sum(y)


CASES.add(while_true_break_first, V)


def while_true_break_in_middle(x):
    y = x * 1.0
    n = 0
    while True:
        y = np.sin(y) + x
        if n == 2:
            break
        y = y * 1.5
        n += 1
    return np.sum(y ** 2)


CASES.add(while_true_break_in_middle, V)


def item_variable_after_break_over_active(x):
    v = x[0]
    for v in x:
        if v > 1.0:
            break
    return v * 2.0 + x[0]


CASES.add(item_variable_after_break_over_active, V)


def for_else_reads_last_item(x):
    for v in x:
        if v > 5.0:
            break
    else:
        v = v * 3.0
    return v ** 2


CASES.add(for_else_reads_last_item, V)


def return_from_for_else_inside_while(x):
    acc = 0.0
    n = 0
    while n < 3:
        for v in x:
            if v < -2.0:
                break
            acc = acc + v * (n + 1.0)
        else:
            if n == 1:
                return acc * x[0]
        n += 1
    return acc


CASES.add(return_from_for_else_inside_while, V)


def carried_value_kept_on_some_paths_through_helper(x):
    acc = 1.0
    for i in range(4):
        acc = _identity_if(acc * x[i], x[i] > 0.0, acc)
    return acc


CASES.add(carried_value_kept_on_some_paths_through_helper, V)


def carried_value_kept_through_conditional_expression(x):
    acc = x * 1.0
    for i in range(4):
        acc = acc if x[i] < 0.0 else acc * np.sin(x)
    return np.sum(acc)


CASES.add(carried_value_kept_through_conditional_expression, V)


def parameter_rebound_in_loop(x):
    x0 = x
    for i in range(3):
        x = np.sin(x) + x0
    return np.sum(x * x0)


CASES.add(parameter_rebound_in_loop, V)


def scalar_parameter_augmented_in_loop(s):
    t = s
    for i in range(3):
        s += t * s
    return s * t


CASES.add(scalar_parameter_augmented_in_loop, S)


def triple_nested_break_levels(x):
    acc = 0.0
    for i in range(3):
        for j in range(3):
            for k in range(3):
                acc = acc + x[i] * x[j] * x[k]
                if k == j:
                    break
            if j > i:
                break
        acc = acc * 0.5
    return acc


CASES.add(triple_nested_break_levels, V)


# ================================================================ a value that carries a gradient, overwritten by one that does not


def loop_target_overwrites_differentiated_value(x):
    # v is x[0] before the loop and the int 2 after it: the gradient has nothing for x[0]
    v = x[0]
    for v in range(3):
        pass
    return v * x[1]


CASES.add(loop_target_overwrites_differentiated_value, V)


def constant_overwrites_carried_value_in_loop(x):
    a = x * 1.0
    for i in range(2):
        a = 0.5
    return np.sum(a * x)


CASES.add(constant_overwrites_carried_value_in_loop, V)


def restart_with_passive_array_in_while(x):
    y = x * 2.0
    n = 0
    while n < 2:
        y = np.ones(4)
        n += 1
    return np.sum(y * x)


CASES.add(restart_with_passive_array_in_while, V)


def passive_conditional_expression_overwrites_carried_value(x):
    a = x * 1.0
    for i in range(2):
        a = 0.5 if i == 0 else 0.25
    return np.sum(a * x)


CASES.add(passive_conditional_expression_overwrites_carried_value, V)


def differentiated_value_replaced_by_constant_only_output(x):
    # the output does not depend on x at all: the gradient is zero (of x's shape)
    a = x * 1.0
    for i in range(2):
        a = 0.5
    return a * 3.0


CASES.add(differentiated_value_replaced_by_constant_only_output, V)


def carried_value_replaced_by_passive_on_some_iterations(x):
    a = x * 1.0
    for i in range(3):
        if i == 1:
            a = 0.5
        else:
            a = a * x
    return np.sum(a)


CASES.add(carried_value_replaced_by_passive_on_some_iterations, V)


# ================================================================ statements after an if that may leave, on several paths


def continue_in_nested_if_then_break_guard(x):
    # a common shape: skip some items, stop on a sentinel, else accumulate (each kept item once)
    total = 0.0
    for v in x:
        if v < 1.0:
            if v < -0.5:
                continue
        if v > 10.0:
            break
        total = total + v ** 2
    return total


CASES.add(continue_in_nested_if_then_break_guard, V)


def continue_in_nested_if_then_break_guard_range(x):
    a = x * 1.0
    for n in range(3):
        if n < 2:
            if n == 0:
                continue
        if n == 5:
            break
        a = a * np.cos(x)
    return np.sum(a)


CASES.add(continue_in_nested_if_then_break_guard_range, V)


def return_in_inner_loop_for_else_continue_then_continue(x):
    a = x * 1.0
    for n in range(2):
        for i2 in range(2):
            if i2 == 0:
                return np.sum(np.cos(a))
        else:
            if n == 0:
                continue
            a = a * 2.0
        if n > 0:
            continue
    return np.sum(a)


CASES.add(return_in_inner_loop_for_else_continue_then_continue, V)


def continue_in_nested_if_then_break_guard_while(x):
    acc = 0.0
    n = 0
    while n < 4:
        n += 1
        if n < 3:
            if n == 1:
                continue
        if n > 10:
            break
        acc = acc + x * n
    return np.sum(acc * x)


CASES.add(continue_in_nested_if_then_break_guard_while, V)


def continue_in_nested_if_then_return_guard(x):
    total = 0.0
    for v in x:
        if v < 1.0:
            if v < -0.5:
                continue
        if v > 10.0:
            return total * 2.0
        total = total + np.sin(v) * v
    return total


CASES.add(continue_in_nested_if_then_return_guard, V)


def return_in_nested_if_then_return_guard(x):
    s = np.sum(x)
    if s < 5.0:
        if s < -5.0:
            return s
    if s > 100.0:
        return 2.0 * s
    y = x * 2.0
    return np.sum(y * x)


CASES.add(return_in_nested_if_then_return_guard, V)


# ================================================================ loops over tuples of arrays, sums of comprehensions


def inplace_update_of_each_array_in_a_tuple(x):
    # p is w, then b: ``p -= ...`` changes w and b themselves (the SGD-style parameter update)
    w = x * 1.0
    b = np.sin(x)
    for p in (w, b):
        p -= 0.1 * np.cos(p)
    return np.sum(w * b)


CASES.add(inplace_update_of_each_array_in_a_tuple, V)


def inplace_update_of_pairs_in_a_list(x):
    w = x * 2.0
    b = x ** 2
    gw = np.cos(x)
    gb = np.sin(x)
    for p, g in [(w, gw), (b, gb)]:
        p -= 0.5 * g
    return np.sum(w * b)


CASES.add(inplace_update_of_pairs_in_a_list, V)


def item_store_into_each_array_in_a_tuple(x):
    a = x * 1.0
    b = x * 3.0
    for arr in (a, b):
        arr[0] = np.sum(arr ** 2)
    return np.sum(a * b)


CASES.add(item_store_into_each_array_in_a_tuple, V)


def loop_over_tuple_target_read_after_loop(x):
    a = np.sin(x)
    b = np.cos(x)
    for v in (a, b):
        pass
    return np.sum(v * x)


CASES.add(loop_over_tuple_target_read_after_loop, V)


order = 3.0   # a module global that a comprehension variable below shadows


def comprehension_variable_named_like_global(x):
    # the comprehension's ``order`` is its own: the second term reads the global 3.0
    s = sum(x[order] ** 2 for order in range(2))
    return s + np.sum(x ** order)


CASES.add(comprehension_variable_named_like_global, VP)


def comprehension_variable_named_like_global_same_statement(x):
    return np.sum(order * sum(x * order for order in (1.0, 2.0)))


CASES.add(comprehension_variable_named_like_global_same_statement, V)


def sum_of_comprehension_inside_loop_shadows_loop_variable(x):
    acc = 0.0
    for i in range(3):
        acc = acc + sum(x[i] * x[j] for j in range(i + 1)) * (i + 1.0)
    return acc * i


CASES.add(sum_of_comprehension_inside_loop_shadows_loop_variable, V)


def loop_target_then_sum_of_comprehension_with_same_name(x):
    acc = 0.0
    for i in range(3):
        acc = acc + x[i] * 2.0
    s = sum([x[i] ** 2 for i in range(4)])
    return acc * i + s


CASES.add(loop_target_then_sum_of_comprehension_with_same_name, V)


def sum_of_comprehension_with_side_effect_in_condition(x):
    log = []
    s = sum(x[k] ** 2 for k in range(4) if _note(log, k))
    return s * len(log)


CASES.add(sum_of_comprehension_with_side_effect_in_condition, V)
