"""Calls that write a value carrying a gradient into a local array: ``out=``, ``np.copyto``, ``np.add.at``.

Source mode lowers them as the item store they are (``np.sin(x, out=buf)`` is ``buf[...] = np.sin(x)``,
``np.add.at(buf, i, v)`` adds ``v`` at ``i``, repeats adding up), through the same checks and the same
functional update as ``buf[i] = v``: ``buf_1 = updated(buf, ..., t0)`` or ``buf_1 = added_at(buf, i, v)``.
Each program here is differentiated in ``mode="source"`` and compared with finite differences, or
declined with a named reason where the write would be seen by something else.
"""

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.errors import DeclinedAtRunTime, UnsupportedError

RNG = np.random.default_rng(7)
X3 = RNG.uniform(-1.0, 1.0, 3)
X23 = RNG.uniform(-1.0, 1.0, (2, 3))
GLOBAL_BUF = np.zeros(3)


def assert_source_right(f, x, rtol=1e-6, atol=1e-8):
    """The source-mode gradient of ``f`` at ``x`` agrees with finite differences; returns the source."""
    g = sg.grad(f, mode="source")
    np.testing.assert_allclose(g(x.copy()), sg.numerical_grad(f, x.copy()), rtol=rtol, atol=atol)
    assert g.mode == "source"
    return g.source


def assert_declined(f, x, match, error=UnsupportedError):
    with pytest.raises(error, match=match):
        sg.grad(f, mode="source")(x.copy())


# ---------------------------------------------------------------- out= on ufuncs


def ufunc_out_keyword(x):
    buf = np.zeros(x.shape)
    np.multiply(x, 2.0, out=buf)
    return np.sum(buf ** 2 * x)


def ufunc_out_positional(x):
    buf = np.zeros(x.shape)
    np.add(x, 1.0, buf)
    return np.sum(buf ** 3)


def ufunc_out_tuple(x):
    buf = np.zeros(x.shape)
    np.exp(x, out=(buf,))
    return np.sum(buf * x)


def ufunc_out_result_assigned(x):
    buf = np.zeros(x.shape)
    y = np.sin(x, out=buf)
    return np.sum(y * buf) + np.sum(y * x)


def ufunc_out_broadcast_into_larger(x):
    buf = np.zeros((4,) + x.shape)
    np.multiply(x, x, out=buf)
    return np.sum(buf * np.arange(4.0).reshape((4,) + (1,) * x.ndim))


def ufunc_out_in_place_on_a_local(x):
    buf = x * 2.0
    np.multiply(buf, buf, out=buf)
    return np.sum(buf * x)


def ufunc_out_after_the_adjoint_read_it(x):
    buf = x * 2.0
    z = buf * buf                  # the adjoint reads this buf: the write makes a new version
    np.exp(x, out=buf)
    return np.sum(z) + np.sum(buf * x)


def ufunc_passive_value_into_active_buf(x):
    buf = x * 3.0
    np.floor(x, out=buf)           # overwrites everything: no gradient through buf any more
    return np.sum(buf * x)


@pytest.mark.parametrize("x", [X3, X23], ids=["1d", "2d"])
@pytest.mark.parametrize("f", [ufunc_out_keyword, ufunc_out_positional, ufunc_out_tuple, ufunc_out_result_assigned,
                               ufunc_out_broadcast_into_larger, ufunc_out_in_place_on_a_local,
                               ufunc_out_after_the_adjoint_read_it, ufunc_passive_value_into_active_buf])
def test_ufunc_out(f, x):
    assert_source_right(f, x)


def test_ufunc_out_source_is_a_functional_update():
    text = sg.grad(ufunc_out_keyword, mode="source").source
    assert "t0 = np.multiply(x, 2.0)" in text
    assert "check_written(buf, t0, " in text
    assert "buf_1 = updated(buf, ..., t0)" in text
    assert "out=" not in text
    text = sg.grad(ufunc_out_result_assigned, mode="source").source
    assert "buf_1 = updated(buf, ..., t0)" in text and "y = buf_1" in text


def float32_buffer(x):
    buf = np.zeros(x.shape, dtype=np.float32)
    np.multiply(x, 1.0 / 3.0, out=buf)
    return np.sum(buf * x)


def test_a_float32_buffer_casts_what_it_receives():
    x = X23.copy()
    value, grad = sg.value_and_grad(float32_buffer, mode="source")(x)
    assert value == float32_buffer(x)                       # the same rounding as NumPy's out=
    np.testing.assert_allclose(grad, 2.0 * x / 3.0, rtol=1e-6)
    assert "buf_1 = updated(buf, ..., t1)" in sg.grad(float32_buffer, mode="source").source


# ---------------------------------------------------------------- out= on reductions and other functions


def reduction_out_keyword(x):
    buf = np.zeros(x.shape[-1])
    np.sum(x * x, axis=0, out=buf)
    return np.sum(buf ** 2)


def reduction_method_out_positional(x):
    buf = np.zeros(x.shape[-1])
    xx = x * x
    xx.sum(0, None, buf)           # x.sum(axis, dtype, out)
    return np.sum(buf ** 2)


def reduction_keepdims_after_out(x):
    buf = np.zeros((1, x.shape[-1]))
    np.mean(x ** 3, 0, None, buf, True)   # np.mean(a, axis, dtype, out, keepdims)
    return np.sum(buf * buf)


def matmul_out(x):
    buf = np.zeros((x.shape[0], x.shape[0]))
    np.matmul(x, x.T, out=buf)
    return np.sum(buf ** 2)


def clip_out(x):
    buf = np.zeros(x.shape)
    np.clip(x, -0.5, 0.5, buf)
    return np.sum(buf * x)


@pytest.mark.parametrize("f", [reduction_out_keyword, reduction_method_out_positional, reduction_keepdims_after_out,
                               matmul_out, clip_out])
def test_function_out(f):
    assert_source_right(f, X23)


def test_a_reduction_out_source_checks_the_exact_shape():
    text = sg.grad(reduction_method_out_positional, mode="source").source
    assert "t0 = xx.sum(0, None)" in text and "buf_1 = updated(buf, ..., t0)" in text
    assert "check_written(buf, t0, " in text and "True)" in text    # exact: same shape and dtype


def reduction_into_float32(x):
    buf = np.zeros(3, dtype=np.float32)
    np.sum(x, axis=0, out=buf)     # NumPy adds up in float32 here: not what updated would store
    return np.sum(buf ** 2)


def ufunc_into_ints(x):
    buf = np.zeros(3, dtype=int)
    np.multiply(x, 10.0, out=buf)  # NumPy refuses float64 -> int64 with casting="same_kind"
    return np.sum(buf * x)


def reduction_shape_broadcast(x):
    buf = np.zeros((2, 3))
    np.sum(x, axis=0, out=buf)     # NumPy refuses: a reduction's out= does not broadcast
    return np.sum(buf ** 2)


@pytest.mark.parametrize("f,match", [
    (reduction_into_float32, r"np.sum\(\) writing into buf at .*test_out_writes.py:\d+: its result \(float64"),
    (ufunc_into_ints, r"np.multiply\(\) writing into buf .*cast same_kind"),
    (reduction_shape_broadcast, r"np.sum\(\) writing into buf .*the same shape and dtype"),
])
def test_writes_numpy_would_make_differently_decline_at_run_time(f, match):
    assert_declined(f, X23, match, DeclinedAtRunTime)


# ---------------------------------------------------------------- np.copyto


def copyto_value(x):
    buf = np.zeros_like(x)
    np.copyto(buf, x * 3.0)
    return np.sum(buf * x)


def copyto_broadcast(x):
    buf = np.ones((3,) + x.shape)
    np.copyto(buf, np.sin(x))
    return np.sum(buf ** 2 * np.arange(1.0, 4.0).reshape((3,) + (1,) * x.ndim))


def copyto_keywords_unsafe_into_ints(x):
    buf = np.zeros(x.shape, dtype=int)
    np.copyto(dst=buf, src=x * 10.0, casting="unsafe")   # truncated: no gradient through buf
    return np.sum(buf * x)


def copyto_constant_into_active(x):
    buf = x * 2.0
    np.copyto(buf, 1.5)
    return np.sum(buf * x)


@pytest.mark.parametrize("x", [X3, X23], ids=["1d", "2d"])
@pytest.mark.parametrize("f", [copyto_value, copyto_broadcast, copyto_keywords_unsafe_into_ints,
                               copyto_constant_into_active])
def test_copyto(f, x):
    assert_source_right(f, x)


def test_copyto_source_is_a_functional_update():
    text = sg.grad(copyto_value, mode="source").source
    assert "buf_1 = updated(buf, ..., t0)" in text and "'same_kind', False)" in text
    assert "np.copyto(buf" not in text


def copyto_float_into_ints(x):
    buf = np.zeros(3, dtype=int)
    np.copyto(buf, x)              # casting="same_kind": NumPy refuses
    return np.sum(buf * x)


def test_copyto_checks_its_casting_rule_at_run_time():
    assert_declined(copyto_float_into_ints, X3, r"np.copyto\(\) writing into buf .*cast same_kind", DeclinedAtRunTime)


# ---------------------------------------------------------------- np.add.at and np.subtract.at


def add_at_repeated(x):
    buf = np.zeros(5)
    np.add.at(buf, [0, 0, 2], x)
    return np.sum(buf ** 2)


def add_at_scalar_broadcast(x):
    buf = np.ones(4)
    np.add.at(buf, [3, 1, 3], np.sum(x))
    return np.sum(buf ** 3)


def add_at_rows(x):
    buf = np.zeros((4, 3))
    np.add.at(buf, [1, 1, 3], x[0] * 2.0)   # a row added three times, twice into row 1
    return np.sum(buf ** 2 * np.arange(12.0).reshape(4, 3))


def add_at_into_active(x):
    buf = x * 1.0
    np.add.at(buf, ([0, 0, 1], [2, 2, 0]), x[1] ** 2)
    return np.sum(buf ** 2)


def subtract_at(x):
    buf = np.ones(5)
    np.subtract.at(buf, [4, 0, 4], x)
    return np.sum(buf ** 2)


@pytest.mark.parametrize("f,x", [(add_at_repeated, X3), (add_at_scalar_broadcast, X23), (add_at_rows, X23),
                                 (add_at_into_active, X23), (subtract_at, X3)])
def test_add_at(f, x):
    assert_source_right(f, x)


def test_add_at_repeated_indices_accumulate():
    x = np.array([0.5, -1.0, 2.0])
    # buf = [x0 + x1, 0, x2, 0, 0]; d sum(buf**2) / dx = [2 (x0 + x1), 2 (x0 + x1), 2 x2]
    np.testing.assert_allclose(sg.grad(add_at_repeated, mode="source")(x), [-1.0, -1.0, 4.0])


def test_add_at_source_is_a_functional_update():
    text = sg.grad(add_at_repeated, mode="source").source
    assert "buf_1 = added_at(buf, [0, 0, 2], x)" in text and "np.add.at" not in text
    text = sg.grad(subtract_at, mode="source").source
    assert "t0 = -x" in text and "buf_1 = added_at(buf, [4, 0, 4], t0)" in text


# ---------------------------------------------------------------- what stays declined


def out_into_argument(x, buf):
    np.multiply(x, 2.0, out=buf)
    return np.sum(buf ** 2)


def out_into_global(x):
    np.multiply(x, 2.0, out=GLOBAL_BUF)
    return np.sum(GLOBAL_BUF ** 2)


def out_into_view(x):
    base = np.zeros((2, 3))
    buf = base[0]
    np.multiply(x, 2.0, out=buf)
    return np.sum(base ** 2)


def copyto_into_view(x):
    base = np.zeros(6)
    buf = base.reshape(2, 3)
    np.copyto(buf, x)
    return np.sum(base ** 2)


def add_at_into_an_alias_the_adjoint_reads(x):
    buf = np.ones(3)
    alias = buf
    y = x * alias                  # the adjoint reads alias: writing into buf would change it
    np.add.at(buf, [0, 1], x[:2])
    return np.sum(y * buf)


def out_into_a_listed_array(x):
    buf = np.zeros(3)
    parts = [buf]
    np.exp(x, out=buf)
    return np.sum(np.stack(parts) ** 2)


def out_with_where(x):
    buf = np.zeros(3)
    np.log(x, out=buf, where=x > 0)
    return np.sum(buf ** 2)


def copyto_with_where(x):
    buf = np.zeros(3)
    np.copyto(buf, x, where=x > 0)
    return np.sum(buf ** 2)


def out_with_casting(x):
    buf = np.zeros(3)
    np.multiply(x, 2.0, out=buf, casting="unsafe")
    return np.sum(buf ** 2)


def multiply_at(x):
    buf = np.ones(3)
    np.multiply.at(buf, [0, 0], x[0])
    return np.sum(buf ** 2)


def two_results_into_arrays(x):
    frac, whole = np.zeros(3), np.zeros(3)
    np.modf(x * 3.0, out=(frac, whole))
    return np.sum(frac ** 2)


def out_inside_an_expression(x):
    buf = np.zeros(3)
    y = np.sin(x, out=buf) + 1.0
    return np.sum(y * buf)


def out_into_an_item(x):
    buf = np.zeros((2, 3))
    np.sin(x, out=buf[0])
    return np.sum(buf ** 2)


def add_at_active_index(x):
    buf = x * 2.0
    np.add.at(buf, x.astype(int), 1.0)
    return np.sum(buf * x)


@pytest.mark.parametrize("f,match", [
    (out_into_global, "GLOBAL_BUF is the caller's"),
    (out_into_view, "buf may share memory with another variable"),
    (copyto_into_view, "buf may share memory with another variable"),
    (add_at_into_an_alias_the_adjoint_reads, "buf may share memory with another variable"),
    (out_into_a_listed_array, "buf may share memory with another variable"),
    (out_with_where, r"np.log\(\) with where= leaves part of the array as it was"),
    (copyto_with_where, r"np.copyto\(\) with where= leaves part of the array as it was"),
    (out_with_casting, r"np.multiply\(\) with casting= converts its result"),
    (multiply_at, r"np.multiply.at\(\) combines what it writes with what is there other than by adding"),
    (two_results_into_arrays, r"np.modf\(\) writes several results into arrays"),
    (out_inside_an_expression, "out= writes a result into an existing array in place"),
    (out_into_an_item, r"np.sin\(\) may store or change a value that carries a gradient"),
])
def test_writes_others_could_see_are_declined(f, match):
    assert_declined(f, X3, match)


def test_writing_into_an_argument_is_declined():
    with pytest.raises(UnsupportedError, match="buf is the caller's"):
        sg.grad(out_into_argument, mode="source")(X3.copy(), np.zeros(3))


def test_an_active_index_is_declined():
    x = np.array([0.5, 1.5, 2.5])
    with pytest.raises(UnsupportedError, match="an index computed from a value that carries a gradient"):
        sg.grad(add_at_active_index, mode="source")(x)


def test_declines_point_at_the_line():
    with pytest.raises(UnsupportedError) as info:
        sg.grad(out_with_where, mode="source")(X3.copy())
    assert info.value.filename.endswith("test_out_writes.py")
    assert info.value.line.strip() == "np.log(x, out=buf, where=x > 0)"


# ---------------------------------------------------------------- passive writes stay as they are


def passive_out_before_use(x):
    c = np.ones(3)
    np.multiply(c, 2.0, out=c)
    np.copyto(c, c + 1.0)
    np.add.at(c, [0, 0], 1.0)
    return np.sum(x * c)


def test_passive_writes_are_kept_as_written():
    text = assert_source_right(passive_out_before_use, X3)
    assert "np.multiply(c, 2.0, out=c)" in text and "np.copyto(c, " in text and "np.add.at(c, [0, 0], 1.0)" in text


def passive_tuple_out_after_use(x):
    c = np.ones(3)
    y = x * c                      # the adjoint reads c...
    np.multiply(c, 2.0, out=(c,))  # ...so this write (out= given as a tuple) must go to a copy
    return np.sum(y * c)


def test_a_passive_write_through_a_tuple_out_after_use_gets_a_copy():
    text = assert_source_right(passive_tuple_out_after_use, X3)
    assert "c_1 = c.copy()" in text
