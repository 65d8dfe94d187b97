"""Source mode understands every statement or declines it: effects, aliases, containers, item updates.

Each function here is either differentiated correctly in ``mode="source"`` (checked against finite
differences) or refused with an UnsupportedError that names the reason, and then ``mode="auto"``
still gives the right gradient through the tape (where the tape can run it).
"""

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.errors import DeclinedAtRunTime, UnsupportedError

X3 = np.array([0.3, -0.7, 1.1])
X4 = np.array([0.3, -0.7, 1.1, 0.5])
GLOBAL_W = np.array([1.5, -0.5, 2.0])


def _fd(f, x):
    return sg.numerical_grad(f, x)


def assert_source_right(f, x):
    g = sg.grad(f, mode="source")
    np.testing.assert_allclose(g(x.copy()), _fd(f, x.copy()), rtol=1e-6, atol=1e-8)
    return g


def assert_declined(f, x, match, auto=True):
    with pytest.raises(UnsupportedError, match=match):
        sg.grad(f, mode="source")(x.copy())
    if auto:
        g = sg.grad(f)
        np.testing.assert_allclose(g(x.copy()), _fd(f, x.copy()), rtol=1e-6, atol=1e-8)
        assert g.mode == "tape" and g.fallback_reason


# ---------------------------------------------------------------- containers followed item by item


def list_append_concatenate(x):
    parts = []
    parts.append(x * 2.0)
    parts.append(x ** 2)
    parts.extend([np.sin(x)])
    return np.sum(np.concatenate(parts) ** 2)


def list_insert_and_read(x):
    parts = [x, x * 3.0]
    parts.insert(1, np.exp(x))
    a, b, c = parts
    return np.sum(a * b + parts[2] * c)


def list_item_replaced_after_use(x):
    parts = [x * 2.0, x]
    first = np.sum(np.stack(parts))
    parts[0] = x ** 3
    return first + np.sum(np.stack(parts))


def dict_of_layers(x):
    d = {"w": x * 2.0}
    d["b"] = np.sin(x)
    d.update({"c": x ** 2}, )
    d["w"] = d["w"] * d["c"]
    return np.sum(d["w"] + d["b"])


def tuple_slices(x):
    t = (x, x * 2.0, x * 3.0)
    a, b = t[1:]
    return np.sum(a * b * t[0])


def list_plus_equals(x):
    acc = [x]
    acc += [x ** 2, np.cos(x)]
    return np.sum(np.stack(acc, axis=1) ** 2)


@pytest.mark.parametrize("f", [list_append_concatenate, list_insert_and_read, list_item_replaced_after_use,
                               dict_of_layers, tuple_slices, list_plus_equals])
def test_containers_are_followed(f):
    assert_source_right(f, X3)


def list_times_int(x):
    return np.sum(np.concatenate([x * 2.0] * 3) ** 2)


def dict_used_whole(x):
    d = {"a": x * 2.0}
    return np.sum(np.array(list(d.values())))


def list_aliased_then_appended(x):
    parts = [x]
    other = parts
    other.append(x * 2.0)
    return np.sum(np.concatenate(parts))


def list_item_updated_in_place(x):
    y = x * 1.0
    items = [y]
    items[0] += 1.0
    return np.sum(y * x)


@pytest.mark.parametrize("f,match", [
    (list_times_int, "arithmetic on a list"),
    (dict_used_whole, r"values\(\) may store or change|no derivative rule"),
    (list_aliased_then_appended, r"other.append\(\) may store or change"),
    (list_item_updated_in_place, r"in-place update of items\[0\]"),
])
def test_containers_used_otherwise_are_declined(f, match):
    assert_declined(f, X3, match, auto=f in (list_times_int, list_aliased_then_appended))


# ---------------------------------------------------------------- y[i] = v into local arrays


def item_updates(x):
    y = x.copy()
    y[0] = x[1] * 3.0
    y[1:3] += x[:2] ** 2
    y[[3, 3]] = x[2]
    return np.sum(y * y)


def buffer_filled(x):
    out = np.zeros(4)
    out[0] = x[0] * 2.0
    out[1:] = np.cos(x[1:])
    return np.sum(out ** 2)


def write_after_read(x):
    y = x * 2.0
    z = y * y
    y[1] = 0.0
    return np.sum(z) + np.sum(y * x)


def int_buffer_truncates(x):
    buf = np.zeros(4, dtype=int)
    buf[1:3] = x[1:3] * 10.0
    return np.sum(buf * x)


@pytest.mark.parametrize("f", [item_updates, buffer_filled, write_after_read])
def test_item_assignment_into_local_arrays(f):
    assert_source_right(f, X4)


def test_a_value_written_into_an_int_array_is_truncated_and_gets_no_gradient():
    x = np.array([0.33, -0.72, 1.13, 0.5])
    buf = np.array([0.0, -7.0, 11.0, 0.0])        # the derivative of sum(buf * x) with buf held fixed
    np.testing.assert_allclose(sg.grad(int_buffer_truncates, mode="source")(x), buf)


def test_item_update_source_is_readable():
    text = sg.grad(item_updates, mode="source").source
    assert "y_1 = updated(y, 0, t1)" in text
    assert "y_2 = updated(y_1, np.s_[1:3], t5)" in text


def write_through_alias(x):
    y = x * 2.0
    z = y
    z[0] = 5.0
    return np.sum(y)


def write_into_view(x):
    y = x * 2.0
    v = y[1:]
    v[0] = 5.0
    return np.sum(y)


def write_into_argument(x):
    y = np.sin(x)
    x[0] += 1.0
    return np.sum(y * x)


def write_into_squeezed(x):
    y = np.squeeze(x)
    y *= 2.0
    return np.sum(x) + np.sum(y)


@pytest.mark.parametrize("f,match", [
    (write_through_alias, "z may share memory"),
    (write_into_view, "v may share memory"),
    (write_into_argument, "x is the caller's"),
    (write_into_squeezed, "in-place update of y"),
])
def test_writes_others_can_see_are_declined(f, match):
    assert_declined(f, X3, match, auto=False)


def test_item_update_of_a_non_array_declines_at_run_time():
    def into_dict(x, cache):
        store = cache.copy()
        store["sq"] = x ** 2
        return np.sum(store["sq"])

    with pytest.raises(DeclinedAtRunTime, match="the value written into is a dict"):
        sg.grad(into_dict, mode="source")(X3, {})


# ---------------------------------------------------------------- constants changed after a use


def constant_changed_after_use(x):
    c = np.ones(3)
    y = x * c
    c[0] = 5.0
    return np.sum(y * c)


def constant_sorted_after_use(x):
    c = np.array([3.0, 1.0, 2.0])
    y = x * c
    c.sort()
    return np.sum(y * c)


def constant_filled_through_helper(x):
    c = np.ones(3)
    a = np.sum(x ** 2 * c)
    _bump(c)
    return a + np.sum(x ** 2 * c)


def _bump(c):
    c += 1.0


@pytest.mark.parametrize("f", [constant_changed_after_use, constant_sorted_after_use])
def test_constants_changed_after_use_are_copied(f):
    g = assert_source_right(f, X3)
    assert ".copy()" in g.source


def test_a_helper_that_changes_a_used_constant_gets_a_copy():
    g = assert_source_right(constant_filled_through_helper, X3)
    assert "_bump(c_1)" in g.source


def global_changed_after_use(x):
    y = x * GLOBAL_W
    _scale_global()
    return np.sum(y)


def _scale_global():
    GLOBAL_W[0] = GLOBAL_W[0] * 1.0


def test_an_impure_helper_after_a_global_was_used_is_declined():
    with pytest.raises(UnsupportedError, match=r"_scale_global\(\) may change global state"):
        sg.grad(global_changed_after_use, mode="source")(X3)


# ---------------------------------------------------------------- calls that write into their arguments


def add_at(x):
    buf = np.zeros(3)
    np.add.at(buf, [0, 0, 1], x)
    return np.sum(buf ** 2)


def ufunc_out(x):
    buf = np.empty(3)
    np.multiply(x, 2.0, out=buf)
    return np.sum(buf)


def copyto(x):
    buf = np.zeros(3)
    np.copyto(buf, x)
    return np.sum(buf ** 2)


def sort_active(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * np.arange(3.0))


def exp_out(x):
    buf = np.empty(3)
    y = np.exp(x, out=buf)
    return np.sum(y)


@pytest.mark.parametrize("f", [add_at, ufunc_out, copyto, exp_out])
def test_calls_writing_into_local_arrays_are_followed(f):
    # written as buf[...] = value (np.add.at: added_at), see tests/transforms/test_out_writes.py
    np.testing.assert_allclose(sg.grad(f, mode="source")(X3), sg.numerical_grad(f, X3), rtol=1e-6)


def test_in_place_methods_on_values_carrying_a_gradient_are_declined():
    with pytest.raises(UnsupportedError, match=r"y.sort\(\) may store or change"):
        sg.grad(sort_active, mode="source")(X3)


def passive_effects_before_use(x):
    c = np.zeros(3)
    np.copyto(c, GLOBAL_W)
    c.sort()
    log = []
    log.append(1.0)
    print(len(log), end="")
    return np.sum(x * c)


def test_effects_on_values_the_gradient_does_not_read_stay_in_place(capsys):
    g = assert_source_right(passive_effects_before_use, X3)
    assert "np.copyto(c, GLOBAL_W)" in g.source and "c.sort()" in g.source


# ---------------------------------------------------------------- activity that sees everything


def comprehension(x):
    return sum([v ** 2 for v in x])


def generator(x):
    return np.sum(np.array(list(v * 2.0 for v in x)))


def flat(x):
    return sum(x.flat)


def test_a_sum_of_a_comprehension_is_an_accumulating_loop():
    g = assert_source_right(comprehension, X3)
    assert "for k in range(len(x)):" in g.source and "v = x[k]" in g.source and "total_2 = total_1 + t0" in g.source


@pytest.mark.parametrize("f,match", [
    (generator, "generator expression|no derivative rule for list"),
    (flat, r"attribute \.flat"),
])
def test_values_through_comprehensions_and_iterators_are_not_dropped(f, match):
    assert_declined(f, X3, match, auto=False)


def module_alias(x):
    xp = np
    act = np.tanh
    return xp.sum(act(x) ** 2)


def test_local_aliases_of_modules_and_functions():
    g = assert_source_right(module_alias, X3)
    assert "act(x)" in g.source


# ---------------------------------------------------------------- shape classes


def positional_axis(x):
    a = np.sum(x, 1, keepdims=True)
    b = np.sum(x, 0, keepdims=True)
    return np.sum(a + b)


def trace_3d(x):
    return np.sum(np.trace(x) * np.ones((2, 4)))


def test_positional_axis_and_rank_changing_reductions():
    assert_source_right(positional_axis, np.arange(6.0).reshape(2, 3) / 7)
    assert_source_right(trace_3d, np.arange(36.0).reshape(3, 3, 4) / 11)


# ---------------------------------------------------------------- shape classes (mutation-testing finds)


def full_sum_keepdims_plus_scalar(x, a):
    return np.sum(np.sum(x, keepdims=True) + a)


def negated_constant(x, k):
    c = -k
    return np.sum(x * c)


def test_a_full_reduction_with_keepdims_is_not_a_scalar():
    x = np.arange(6.0).reshape(2, 3) / 5
    gx, ga = sg.grad(full_sum_keepdims_plus_scalar, wrt=(0, 1), mode="source")(x, 0.3)
    np.testing.assert_allclose(gx, np.ones((2, 3)))
    assert type(ga) is float and ga == 1.0


def test_a_negated_passive_value_has_a_shape_class():
    np.testing.assert_allclose(sg.grad(negated_constant, mode="source")(X3, 2.5), np.full(3, -2.5))


def sorted_through_a_discarded_result(x):
    c = np.array([3.0, 1.0, 2.0])
    _ = c.sort()
    return np.sum(x * c)


def test_a_call_whose_result_is_unused_still_runs():
    np.testing.assert_allclose(sg.grad(sorted_through_a_discarded_result, mode="source")(X3), [1.0, 2.0, 3.0])


def nan_to_num_copy_default(x):
    return np.sum(np.nan_to_num(x * 2.0, copy=True) * x)


def nan_to_num_positional_in_place(x):
    y = x * 2.0
    z = np.nan_to_num(y, False)  # copy=False by position: writes into y, returns y
    return np.sum(z * y)


def test_nan_to_num_writes_in_place_only_without_a_copy():
    np.testing.assert_allclose(sg.grad(nan_to_num_copy_default, mode="source")(X3), 4.0 * X3)
    with pytest.raises(UnsupportedError, match=r"np.nan_to_num\(\) writes into one of its arguments"):
        sg.grad(nan_to_num_positional_in_place, mode="source")(X3)


def total_of(*xs):
    return sum(np.sum(v) for v in xs)


def calls_a_variadic_ruled_function(x):
    return total_of(x, x * 2.0)


def test_a_rule_without_gradients_for_variadic_arguments_is_declined_by_name():
    from tests.runtime.test_tape import temporary_rules

    with temporary_rules():
        @sg.vjp_rule(total_of)
        def total_rule(g, ans, *xs):
            return tuple(np.ones_like(v) * g for v in xs)

        with pytest.raises(UnsupportedError, match=r"the rule of .*total_of gives no gradient for its variadic "
                                                   r"arguments") as info:
            sg.grad(calls_a_variadic_ruled_function, mode="source")(X3)
        assert info.value.lineno == calls_a_variadic_ruled_function.__code__.co_firstlineno + 1
        np.testing.assert_allclose(sg.grad(calls_a_variadic_ruled_function)(X3), 3.0 * np.ones_like(X3))
