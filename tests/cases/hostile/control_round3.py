"""Round 3 of the hostile control-flow set: the pieces source mode learnt last. Copies propagated inside the
loop and branch bodies of the adjoint (names read on a later iteration or after the loop, copies of carried
adjoints, nested loops, break paths) and copies back dropped; joins of branches renamed to their branches'
names (a branch's value also read after being copied, arms that are loop-carried values, joins in loops with
break/continue, joins of tuples returned by helpers, arms that keep the old value); ``numbers()``, which lets an
in-place operator through when a name certainly holds an immutable number (0-d arrays against NumPy scalars,
values from np.where/asarray/array/clip/minimum/copy, ``x[()]``, ``.item()``, ``float()``, reductions with
``out=``, carried values that are a number on one path and a 0-d array on another, aliases taken before
``+=``); globals and closure variables holding numbers (the scalar shape class); per-run records of values
that are changed in place after being recorded (views, out= in helpers, np.add.at, ``.sort()``, list items),
very long loops and loops with no differentiable statement; evaluation order in statements with calls
(attributes of local objects, items of a global dict, helpers that change an argument read elsewhere in the
same statement).

Each program states the value Python computes; a source-mode answer that differs is a bug (declining is fine).
Inputs stay away from kinks and from the points where a data-dependent trip count changes."""

import numpy as np

from . import M, S, V, VP, Registry
from . import _helper_lib

CASES = Registry("control_round3")


# ================================================================ (1) copies propagated inside adjoint bodies


def cp_swap_pair_each_iteration(x):
    a = x
    b = x * 2.0
    for i in range(4):
        a, b = b, a * 0.5 + np.sin(b)
    return np.sum(a * b)


CASES.add(cp_swap_pair_each_iteration, V)


def cp_copy_read_after_loop(x):
    y = x
    z = x
    for i in range(3):
        y = np.sin(y) * (i + 1.0)
        z = y
    return np.sum(z * y + z)


CASES.add(cp_copy_read_after_loop, V)


def cp_prev_and_current(x):
    cur = x
    prev = x
    for i in range(4):
        prev = cur
        cur = np.cos(prev) * x + 0.1 * prev
    return np.sum(cur * prev)


CASES.add(cp_prev_and_current, V)


def cp_copy_read_before_next_iteration(x):
    keep = x * 0.0
    y = x
    for i in range(4):
        y = y * 0.9 + keep * 0.3
        keep = y
        y = np.sin(keep)
    return np.sum(y + keep)


CASES.add(cp_copy_read_before_next_iteration, V)


def cp_nested_copy_of_outer(x):
    s = x
    for i in range(3):
        t = s
        for j in range(2):
            t = np.sin(t) + s * 0.5
        s = t
    return np.sum(s)


CASES.add(cp_nested_copy_of_outer, V)


def cp_inner_copy_read_by_outer(x):
    s = x
    last = x
    for i in range(3):
        for j in range(2):
            last = s
            s = np.tanh(s) * 1.5
        s = s + last * 0.25
    return np.sum(s * last)


CASES.add(cp_inner_copy_read_by_outer, V)


def cp_break_after_copy(x):
    cur = x
    prev = x
    for i in range(6):
        prev = cur
        cur = np.cos(prev) * x
        if i == 3:
            break
    return np.sum(cur + prev * prev)


CASES.add(cp_break_after_copy, V)


def cp_break_before_copy(x):
    cur = x
    prev = x * 2.0
    for i in range(6):
        cur = np.sin(cur) + prev * 0.1
        if i == 2:
            break
        prev = cur
    return np.sum(cur * prev)


CASES.add(cp_break_before_copy, V)


def cp_data_break_with_copies(x):
    cur = x
    prev = x
    k = 0.0
    while True:
        prev = cur
        cur = cur * 1.3 + 0.05
        k = k + 1.0
        if np.sum(cur) > 4.0:
            break
    return np.sum(cur * prev) + k


CASES.add(cp_data_break_with_copies, V)


def cp_rotate_three(x):
    a = x
    b = x * 2.0
    c = x * 3.0
    for i in range(5):
        t = a
        a = b
        b = c
        c = np.sin(t) + a * 0.5
    return np.sum(a * 1.0 + b * 2.0 + c * 3.0)


CASES.add(cp_rotate_three, V)


def cp_copy_back_after_swap(x):
    a = x
    b = np.cos(x)
    for i in range(3):
        t = a
        a = b
        b = t
        a = a * 1.1
        b = b + a * 0.2
    return np.sum(a * b * b)


CASES.add(cp_copy_back_after_swap, V)


def cp_copy_in_branch_of_loop(x):
    y = x
    z = x * 0.5
    for i in range(4):
        if i % 2 == 0:
            z = y
            y = np.sin(z) * 2.0
        else:
            y = y * z
    return np.sum(y + z)


CASES.add(cp_copy_in_branch_of_loop, V)


def cp_only_copies_in_body(x):
    a = np.sin(x)
    b = np.cos(x)
    for i in range(3):
        a, b = b, a
    return np.sum(a * 2.0 + b)


CASES.add(cp_only_copies_in_body, V)


def cp_copy_used_twice_in_same_body(x):
    y = x
    for i in range(3):
        z = y
        y = z * z + z * 0.5
        y = y * 0.3
    return np.sum(y)


CASES.add(cp_copy_used_twice_in_same_body, V)


def cp_copy_of_parameter_in_loop(x):
    acc = x * 0.0
    for i in range(3):
        p = x
        acc = acc + np.sin(p) * (i + 1.0)
        x = acc * 0.5 + p
    return np.sum(acc + x)


CASES.add(cp_copy_of_parameter_in_loop, V)


# ================================================================ (2) coalesced joins


def join_value_copied_and_read(x):
    if np.sum(x) > 0.0:
        y = np.sin(x)
        z = y
    else:
        y = np.cos(x)
        z = y * 2.0
    return np.sum(y * z + y)


CASES.add(join_value_copied_and_read, V)


def join_arm_keeps_old_value_in_loop(x):
    a = x
    b = x * 0.5
    for i in range(5):
        if i % 2 == 0:
            a = b
        b = np.sin(a) + b * 0.3
    return np.sum(a * b)


CASES.add(join_arm_keeps_old_value_in_loop, V)


def join_of_carried_values(x):
    a = x
    b = x * 2.0
    for i in range(4):
        if i % 3 == 1:
            c = a
        else:
            c = b
        a = np.cos(c) * 0.5 + a
        b = b * 0.9 + c * 0.1
    return np.sum(a + b * c)


CASES.add(join_of_carried_values, V)


def join_with_continue(x):
    y = x
    for i in range(5):
        if i == 2:
            y = y * 3.0
            continue
        else:
            z = np.sin(y)
        y = z + y * 0.5
    return np.sum(y)


CASES.add(join_with_continue, V)


def join_with_break_arm(x):
    y = x
    w = x
    for i in range(6):
        if i == 3:
            w = y * 2.0
            break
        else:
            w = np.sin(y)
        y = w + 0.1 * y
    return np.sum(w * y)


CASES.add(join_with_break_arm, V)


def _pair_a(v):
    return np.sin(v), v * 2.0


def _pair_b(v):
    return v ** 2, np.cos(v)


def join_of_tuples_from_helpers(x):
    if np.sum(x) > 0.0:
        p, q = _pair_a(x)
    else:
        p, q = _pair_b(x)
    return np.sum(p * q + p)


CASES.add(join_of_tuples_from_helpers, V)


def join_of_tuples_from_helpers_in_loop(x):
    p = x
    q = x
    for i in range(4):
        if i % 2 == 0:
            p, q = _pair_a(p + q * 0.1)
        else:
            p, q = _pair_b(q)
    return np.sum(p * q)


CASES.add(join_of_tuples_from_helpers_in_loop, V)


def join_swap_in_one_arm(x):
    a = np.sin(x)
    b = x * 3.0
    for i in range(4):
        if i % 2 == 1:
            a, b = b, a
        a = a * 0.7 + b * 0.2
    return np.sum(a * b)


CASES.add(join_swap_in_one_arm, V)


def join_nested_with_shared_arm_value(x):
    if x[0] > 0.0:
        t = np.sin(x)
        if x[1] < 0.0:
            y = t
        else:
            y = t * 2.0
        u = t * y
    else:
        y = x
        u = x
    return np.sum(y + u)


CASES.add(join_nested_with_shared_arm_value, V)


def join_arm_value_read_after_copy_in_loop(x):
    s = x * 0.0
    for i in range(4):
        if i % 2 == 0:
            y = np.sin(x) * (i + 1.0)
            w = y
        else:
            y = np.cos(x)
            w = y + s
        s = s + w * y
    return np.sum(s + y)


CASES.add(join_arm_value_read_after_copy_in_loop, V)


def join_arms_are_each_other(x):
    a = np.sin(x)
    b = np.cos(x)
    if x[0] > 0.0:
        c = a
        d = b
    else:
        c = b
        d = a
    return np.sum(c * 2.0 + d * a)


CASES.add(join_arms_are_each_other, V)


def join_same_name_in_both_arms_parameter(x):
    if x[2] > 0.0:
        y = x
    else:
        y = x * 2.0
    x = y * 3.0
    return np.sum(x * y)


CASES.add(join_same_name_in_both_arms_parameter, V)


def join_in_while_with_break_in_arm(x):
    y = x
    n = 0
    while n < 10:
        if np.sum(y) > 3.0:
            z = y
            break
        else:
            z = y * 1.5 + 0.2
        y = z
        n = n + 1
    return np.sum(z * y) + n


CASES.add(join_in_while_with_break_in_arm, V)


def join_conditional_expression_in_loop_keeps_old(x):
    y = x
    z = x * 0.5
    for i in range(5):
        z = y if i % 2 == 0 else z
        y = np.sin(z) + y * 0.5
    return np.sum(y * z)


CASES.add(join_conditional_expression_in_loop_keeps_old, V)


# ================================================================ (3) numbers(): in-place operators on what may be a 0-d array


def num_sum_with_out_then_iadd(x):
    buf = np.zeros(())
    s = np.sum(x ** 2, out=buf)
    t = s
    s += x[0]
    return t * s


CASES.add(num_sum_with_out_then_iadd, V)


def num_method_sum_with_out_then_iadd(x):
    buf = np.zeros(())
    s = (x * 2.0).sum(out=buf)
    t = s
    s += x[1]
    return t * s + s


CASES.add(num_method_sum_with_out_then_iadd, V)


def num_max_with_out_then_imul(x):
    buf = np.zeros(())
    m = np.max(x * 1.5, out=buf)
    keep = m
    m *= x[2]
    return keep + m


CASES.add(num_max_with_out_then_imul, V)


def num_ufunc_with_out_0d(x):
    buf = np.zeros(())
    s = np.add(x[0], x[1], out=buf)
    t = s
    s += x[2]
    return t * s


CASES.add(num_ufunc_with_out_0d, V)


def num_where_of_scalars_then_iadd(x):
    s = np.where(x > 0.0, x, 0.5)
    t = s
    s += 1.0
    return s * t


CASES.add(num_where_of_scalars_then_iadd, S)


def num_asarray_of_float_then_isub(x):
    s = np.asarray(x)
    t = s
    s -= 0.25
    return s * t + x


CASES.add(num_asarray_of_float_then_isub, S)


def num_copy_of_float_then_imul(x):
    s = np.copy(x * 2.0)
    t = s
    s *= x
    return s + t


CASES.add(num_copy_of_float_then_imul, S)


def num_clip_of_float_then_iadd(x):
    s = np.clip(x, -5.0, 5.0)
    t = s
    s += x * x
    return s * t


CASES.add(num_clip_of_float_then_iadd, S)


def num_minimum_of_floats_then_iadd(x):
    s = np.minimum(x, 3.0)
    t = s
    s += 1.0
    return s * t


CASES.add(num_minimum_of_floats_then_iadd, S)


def num_index_empty_tuple_of_0d(x):
    z = np.array(x * 1.5)
    s = z[()]
    t = s
    s += x
    return s * t + z


CASES.add(num_index_empty_tuple_of_0d, S)


def num_index_ellipsis_of_0d(x):
    z = np.array(x * 1.5)
    s = z[...]
    t = s
    s += x
    return s * t + z


CASES.add(num_index_ellipsis_of_0d, S)


def num_index_ellipsis_of_numpy_scalar(x):
    z = np.sin(x)
    s = z[...]
    t = s
    s += x
    return s * t + z


CASES.add(num_index_ellipsis_of_numpy_scalar, S)


def num_item_then_iadd(x):
    s = np.sum(x ** 2)
    f = s.item() if False else s
    g = f
    f += x[0]
    return f * g


CASES.add(num_item_then_iadd, V)


def num_float_of_array_then_iadd(x):
    s = float(np.sum(x))
    t = s
    s += 2.0
    return s * t + np.sum(x ** 2)


CASES.add(num_float_of_array_then_iadd, V)


def num_reshape_to_0d_then_iadd(x):
    s = np.reshape(x[0] * 2.0, ())
    t = s
    s += x[1]
    return s * t


CASES.add(num_reshape_to_0d_then_iadd, V)


def num_squeeze_to_0d_then_iadd(x):
    s = np.squeeze(x[:1] * 2.0)
    t = s
    s += x[1]
    return s * t


CASES.add(num_squeeze_to_0d_then_iadd, V)


def num_carried_number_or_0d(x):
    s = x[0] * 1.0
    for i in range(4):
        if i == 2:
            s = np.array(s * 1.5)
        else:
            s = s + x[1]
    t = s
    s += x[2]
    return s * t


CASES.add(num_carried_number_or_0d, V)


def num_carried_0d_on_first_path_only(x):
    s = np.array(x[0])
    for i in range(3):
        t = s
        s += x[i + 1]
        s = s * 1.0
    return s * t


CASES.add(num_carried_0d_on_first_path_only, V)


def num_branch_number_or_0d_then_iadd(x):
    if x[0] > 0.0:
        s = np.array(x[1] * 2.0)
    else:
        s = x[1] * 2.0
    t = s
    s += x[2]
    return s * t


CASES.add(num_branch_number_or_0d_then_iadd, V)


def num_max_of_0d_arrays_builtin(x):
    a = np.array(x[0] * 2.0)
    b = np.array(x[1])
    m = max(a, b)
    k = m
    m += x[2]
    return k * m + a


CASES.add(num_max_of_0d_arrays_builtin, V)


def num_int_division_counter(x):
    n = 7 // 2
    k = n
    n += 1
    return np.sum(x * n * k)


CASES.add(num_int_division_counter, V)


def num_numpy_integer_scalar(x):
    n = np.int64(3)
    k = n
    n += 2
    return np.sum(x ** 2 * n + x * k)


CASES.add(num_numpy_integer_scalar, V)


def num_float64_then_iadd_alias(x):
    s = np.float64(0.5) * x
    t = s
    s += x * x
    return s * t


CASES.add(num_float64_then_iadd_alias, S)


def num_dot_of_vectors_then_iadd(x):
    s = np.dot(x, x)
    t = s
    s += x[0]
    return s * t


CASES.add(num_dot_of_vectors_then_iadd, V)


def num_iadd_alias_in_loop_0d_parameter_copy(x):
    s = np.array(np.sum(x))
    acc = 0.0
    for i in range(3):
        t = s
        s += x[i]
        acc = acc + t * 1.0
    return acc + s


CASES.add(num_iadd_alias_in_loop_0d_parameter_copy, V)


def num_sum_of_0d_array_keepdims(x):
    z = np.array(x[0] * 3.0)
    s = np.sum(z, keepdims=True)
    t = s
    s += x[1]
    return np.sum(s * t)


CASES.add(num_sum_of_0d_array_keepdims, V)


# ================================================================ (4) globals and closures holding numbers


GAIN3 = 0.5
GAIN3_0D = np.array(0.5)
GAIN3_NP = np.float64(0.75)
COUNT3 = 3
RATE = np.array([1.0, 2.0, 3.0, 4.0])   # _helper_lib.RATE is the float 0.5


def glob_float_broadcast_in_loop(x):
    s = x[0] * 1.0
    for i in range(3):
        s = s * GAIN3 + x[i]
    return s * 2.0


CASES.add(glob_float_broadcast_in_loop, V)


def glob_0d_array_iadd_alias(x):
    s = GAIN3_0D
    t = s * 1.0
    s = s + x[0]
    return s * t + x[1]


CASES.add(glob_0d_array_iadd_alias, V)


def glob_numpy_scalar_in_loop(x):
    s = x[0]
    for i in range(3):
        s = s * GAIN3_NP + x[i + 1]
    return s


CASES.add(glob_numpy_scalar_in_loop, V)


def glob_int_times_float_in_loop(x):
    s = x * 1.0
    for i in range(COUNT3):
        s = s * COUNT3 * 0.25 + np.sin(s)
    return np.sum(s)


CASES.add(glob_int_times_float_in_loop, V)


def _rebind_gain3(v):
    global GAIN3
    GAIN3 = v


def glob_rebound_to_array_by_helper(x):
    _rebind_gain3(np.array([1.0, 2.0, 3.0, 4.0]))
    s = x[0] * GAIN3
    _rebind_gain3(0.5)
    return np.sum(s * x)


CASES.add(glob_rebound_to_array_by_helper, V)


def glob_rebound_to_array_by_helper_in_loop(x):
    s = x[0] * 1.0
    for i in range(2):
        _rebind_gain3(np.array([1.0, 2.0, 3.0, 4.0]))
        s = s * GAIN3 + x[i]
        _rebind_gain3(0.5)
    return np.sum(s)


CASES.add(glob_rebound_to_array_by_helper_in_loop, V)


def glob_name_collides_with_helper_module_float(x):
    a = _helper_lib.scaled(x[0])
    b = x[1] * RATE
    return np.sum(a * b)


CASES.add(glob_name_collides_with_helper_module_float, V)


def glob_name_collides_with_helper_module_float_in_loop(x):
    s = x[0] * 1.0
    for i in range(2):
        s = _helper_lib.scaled(s) * RATE
        s = np.sum(s) * 0.5
    return s


CASES.add(glob_name_collides_with_helper_module_float_in_loop, V)


def _make_closure_scaler(k):
    def scale(v):
        return v * k
    return scale


_close_half = _make_closure_scaler(0.5)
k = np.array([1.0, -1.0, 2.0, 0.5])


def glob_closure_number_and_global_array_same_name(x):
    a = _close_half(x[0])
    b = x[1] * k
    return np.sum(a * b)


CASES.add(glob_closure_number_and_global_array_same_name, V)


def _make_counter_closure(start):
    state = start

    def step(v):
        nonlocal state
        state = state * 2.0
        return v * state
    return step


def glob_closure_number_rebound_by_nonlocal(x):
    step = _make_counter_closure(0.5)
    s = x[0]
    for i in range(3):
        s = step(s) + x[i]
    return s


CASES.add(glob_closure_number_rebound_by_nonlocal, V)


def _make_inner_reader(g):
    def inner(v):
        return v * g + g
    return inner


_reader_0d = _make_inner_reader(np.array(0.25))


def glob_closure_over_0d_array(x):
    s = _reader_0d(x[0])
    t = s
    s = s + x[1]
    return s * t


CASES.add(glob_closure_over_0d_array, V)


def _scale_default(v, c=GAIN3):
    return v * c


def glob_default_argument_number(x):
    s = x[0] * 1.0
    for i in range(3):
        s = _scale_default(s) + x[i]
    return s


CASES.add(glob_default_argument_number, V)


# ================================================================ (5) records changed after being recorded


def rec_add_at_on_recorded_array(x):
    y = x * 1.0
    out = x * 0.0
    for i in range(3):
        t = np.sin(y)
        out = out + t * y
        np.add.at(y, [0, 1], 0.5)
    return np.sum(out)


CASES.add(rec_add_at_on_recorded_array, V)


def rec_sort_on_recorded_array(x):
    y = x * 1.0
    acc = 0.0
    for i in range(3):
        z = y * (i + 1.0)
        acc = acc + np.sum(z * z)
        z.sort()
        y = z[::-1] * 0.5 + y
    return acc


CASES.add(rec_sort_on_recorded_array, V)


def _scale_out(a, c):
    np.multiply(a, c, out=a)


def rec_out_into_recorded_in_helper(x):
    acc = 0.0
    for i in range(3):
        t = np.cos(x) + i
        acc = acc + np.sum(t * t)
        _scale_out(t, 3.0)
        acc = acc + np.sum(t)
    return acc


CASES.add(rec_out_into_recorded_in_helper, V)


def rec_view_of_carried_written(x):
    y = x * 1.0
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(y ** 3)
        v = y[1:3]
        v *= 0.5
    return acc + np.sum(y)


CASES.add(rec_view_of_carried_written, V)


def rec_list_item_mutated_after_record(x):
    items = [x * 1.0, x * 2.0]
    acc = 0.0
    for i in range(2):
        a = items[i]
        acc = acc + np.sum(np.sin(a) * a)
        items[i][0] = 5.0
        acc = acc + np.sum(items[i])
    return acc


CASES.add(rec_list_item_mutated_after_record, V)


def rec_fill_after_record(x):
    acc = 0.0
    buf = x * 1.0
    for i in range(3):
        acc = acc + np.sum(np.exp(buf) * 0.1)
        buf.fill(0.5 * i)
        buf = buf + x
    return acc


CASES.add(rec_fill_after_record, V)


def rec_copyto_into_recorded(x):
    acc = 0.0
    y = np.sin(x)
    for i in range(3):
        z = y * y
        acc = acc + np.sum(z * x)
        np.copyto(y, x * (i + 2.0))
    return acc


CASES.add(rec_copyto_into_recorded, V)


def rec_negative_out_self(x):
    y = x * 1.0
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(y ** 2 * x)
        np.negative(y, out=y)
        y = y + 0.1
    return acc


CASES.add(rec_negative_out_self, V)


def rec_cumsum_out_self(x):
    y = x * 1.0
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum(np.sin(y))
        np.cumsum(y, out=y)
    return acc + np.sum(y)


CASES.add(rec_cumsum_out_self, V)


def rec_five_thousand_iterations(x):
    y = x
    for i in range(5000):
        y = y + 0.0001 * np.sin(y)
    return np.sum(y)


CASES.add(rec_five_thousand_iterations, V)


def rec_five_thousand_iterations_with_copies(x):
    a = x
    b = x * 0.5
    for i in range(5000):
        t = a
        a = b
        b = t + 0.0001 * np.cos(b)
    return np.sum(a * b)


CASES.add(rec_five_thousand_iterations_with_copies, V)


def rec_body_without_differentiable_statement(x):
    y = x * 1.0
    for i in range(3):
        y[i] = 0.5
    return np.sum(y * x)


CASES.add(rec_body_without_differentiable_statement, V)


def rec_body_passive_reorder_carried(x):
    y = np.sin(x)
    for i in range(2):
        y[:] = y[::-1].copy()
    return np.sum(y * np.arange(4.0))


CASES.add(rec_body_passive_reorder_carried, V)


def rec_body_passive_scale_of_read_value(x):
    y = x * 1.0
    z = y * y
    for i in range(2):
        y *= 2.0
    return np.sum(z * y)


CASES.add(rec_body_passive_scale_of_read_value, V)


def rec_record_then_resize_view(x):
    y = x * 1.0
    acc = 0.0
    for i in range(2):
        r = y.reshape(2, 2)
        acc = acc + np.sum(np.sin(r) * r)
        r[0] += 1.0
    return acc


CASES.add(rec_record_then_resize_view, V)


def rec_saved_branch_value_mutated(x):
    acc = 0.0
    y = x * 1.0
    for i in range(3):
        if i % 2 == 0:
            z = y * 2.0
        else:
            z = y * 3.0
        acc = acc + np.sum(z ** 2)
        z[0] = 0.0
        y = y + z * 0.1
    return acc + np.sum(y)


CASES.add(rec_saved_branch_value_mutated, V)


def rec_put_into_recorded(x):
    acc = 0.0
    y = x * 1.0
    for i in range(2):
        acc = acc + np.sum(np.tanh(y) * y)
        np.put(y, [i], [2.0])
    return acc + np.sum(y * x)


CASES.add(rec_put_into_recorded, V)


# ================================================================ (6) evaluation order in statements with calls


class _Box:
    def __init__(self, v):
        self.v = v


def _bump_box(b):
    b.v = b.v * 2.0
    return 1.0


def order_local_object_attribute_then_call(x):
    b = _Box(x * 1.0)
    y = b.v * _bump_box(b)
    return np.sum(y + b.v)


CASES.add(order_local_object_attribute_then_call, V)


def order_call_then_local_object_attribute(x):
    b = _Box(x * 1.0)
    y = _bump_box(b) * b.v
    return np.sum(y * x)


CASES.add(order_call_then_local_object_attribute, V)


CFG3 = {"k": 2.0}


def _bump_cfg(v):
    CFG3["k"] = CFG3["k"] + 1.0
    return v


def order_global_dict_item_then_call(x):
    CFG3["k"] = 2.0
    y = x * CFG3["k"] + _bump_cfg(x)
    return np.sum(y * y)


CASES.add(order_global_dict_item_then_call, V)


def order_call_then_global_dict_item(x):
    CFG3["k"] = 2.0
    y = _bump_cfg(x) + x * CFG3["k"]
    return np.sum(y * y)


CASES.add(order_call_then_global_dict_item, V)


def order_global_dict_item_in_loop(x):
    CFG3["k"] = 2.0
    s = x * 1.0
    for i in range(3):
        s = s * CFG3["k"] + np.sin(_bump_cfg(s)) * 0.1
    return np.sum(s)


CASES.add(order_global_dict_item_in_loop, V)


def _double_in_place(a):
    a *= 2.0
    return np.sum(a)


def order_array_read_then_helper_mutates(x):
    a = x * 1.0
    y = a * _double_in_place(a)
    return np.sum(y)


CASES.add(order_array_read_then_helper_mutates, V)


def order_element_read_then_helper_mutates(x):
    a = x * 1.0
    y = a[0] * _double_in_place(a)
    return y + np.sum(a)


CASES.add(order_element_read_then_helper_mutates, V)


def order_reduction_read_then_helper_mutates(x):
    a = np.sin(x)
    y = np.sum(a ** 2) + _double_in_place(a)
    return y * np.sum(a)


CASES.add(order_reduction_read_then_helper_mutates, V)


def order_helper_mutates_then_reduction(x):
    a = np.sin(x)
    y = _double_in_place(a) * np.sum(a ** 2)
    return y


CASES.add(order_helper_mutates_then_reduction, V)


def order_helper_mutates_in_loop_statement(x):
    a = x * 1.0
    acc = 0.0
    for i in range(2):
        acc = acc + a[i] * _double_in_place(a)
    return acc


CASES.add(order_helper_mutates_in_loop_statement, V)


def order_attribute_of_local_in_loop(x):
    b = _Box(x * 0.5)
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum(b.v * np.cos(x)) * _bump_box(b)
    return acc


CASES.add(order_attribute_of_local_in_loop, V)


def order_slice_read_then_helper_mutates(x):
    a = x * 1.0
    y = a[1:3] * _double_in_place(a)
    return np.sum(y)


CASES.add(order_slice_read_then_helper_mutates, V)


def order_two_helpers_mutating_same_array(x):
    a = x * 1.0
    y = _double_in_place(a) * _double_in_place(a) + np.sum(a)
    return y


CASES.add(order_two_helpers_mutating_same_array, V)


def order_copy_read_then_helper_mutates(x):
    a = x * 1.0
    y = a.copy() * _double_in_place(a)
    return np.sum(y + a)


CASES.add(order_copy_read_then_helper_mutates, V)


def order_attribute_method_call_on_local(x):
    b = _Box(x * 1.0)
    y = np.sum(b.v) * _bump_box(b) + np.sum(b.v)
    return y


CASES.add(order_attribute_method_call_on_local, V)


def order_matrix_row_then_helper(x):
    a = x * 1.0
    y = a[0] @ a[1] * _double_in_place(a)
    return y


CASES.add(order_matrix_row_then_helper, M)


# ================================================================ mixed: joins, copies and records together


def mix_join_copy_record(x):
    y = x
    prev = x
    for i in range(4):
        if np.sum(y) > 1.0:
            prev = y
            y = np.sin(y)
        else:
            y = y * 1.4 + 0.3
        y = y + prev * 0.1
    return np.sum(y * prev)


CASES.add(mix_join_copy_record, V)


def mix_nested_break_join(x):
    y = x
    z = x
    for i in range(3):
        for j in range(3):
            if j == i:
                z = y
                break
            y = np.cos(y) + z * 0.2
        y = y * 0.8 + z
    return np.sum(y * z)


CASES.add(mix_nested_break_join, V)


def mix_while_copy_join(x):
    a = x
    b = x * 0.3
    n = 0
    while n < 4:
        if n % 2 == 0:
            a, b = b, np.sin(a)
        else:
            b = a * b
        n = n + 1
    return np.sum(a + b)


CASES.add(mix_while_copy_join, V)


def mix_matrix_rows_copies(x):
    r = x[0]
    s = x[1]
    for i in range(3):
        t = r
        r = s * 0.5 + np.tanh(t)
        s = t
    return np.sum(r * s)


CASES.add(mix_matrix_rows_copies, M)


def mix_scalar_copies_and_iadd(x):
    a = x
    b = x * 2.0
    for i in range(3):
        c = a
        a = b
        b = c
        b += a * 0.5
    return a * b


CASES.add(mix_scalar_copies_and_iadd, S)


def mix_scalar_join_iadd_alias(x):
    s = x * 1.0
    for i in range(4):
        if i % 2 == 0:
            t = s
        else:
            t = s * 2.0
        s += t * 0.25
    return s * t


CASES.add(mix_scalar_join_iadd_alias, S)


def mix_vector_join_iadd_alias(x):
    s = x * 1.0
    t = x
    for i in range(4):
        if i % 2 == 0:
            t = s
        else:
            t = s * 2.0
        s += t * 0.25
    return np.sum(s * t)


CASES.add(mix_vector_join_iadd_alias, V)


def mix_return_in_branch_inside_loop_copy(x):
    prev = x
    cur = x
    for i in range(5):
        prev = cur
        cur = np.sin(cur) * 1.5 + 0.2
        if i == 2:
            return np.sum(cur * prev)
    return np.sum(cur)


CASES.add(mix_return_in_branch_inside_loop_copy, V)


def mix_nested_rotation_with_outer_break(x):
    a = x
    b = x * 2.0
    for i in range(3):
        for j in range(2):
            t = a
            a = b
            b = t * 0.5 + np.sin(a)
        if i == 1:
            break
    return np.sum(a * b)


CASES.add(mix_nested_rotation_with_outer_break, V)


def mix_join_keeps_carried_then_break(x):
    s = x * 1.0
    for i in range(3):
        if i == 1:
            y = s
        else:
            y = s * 2.0
        s = s + np.sin(y)
        if i == 2:
            break
    return np.sum(y * s)


CASES.add(mix_join_keeps_carried_then_break, V)


def num_scalar_iadd_alias_carried(x):
    s = x * 2.0
    t = s
    for i in range(3):
        s += t * 0.5
        t = s
    return s * t


CASES.add(num_scalar_iadd_alias_carried, S)


def num_average_then_iadd_alias(x):
    a = np.average(x ** 2)
    b = a
    a += x[0]
    return a * b


CASES.add(num_average_then_iadd_alias, V)
