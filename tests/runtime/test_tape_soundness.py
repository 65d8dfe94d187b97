"""The tape never gives a silently wrong gradient through writes it cannot see: ``out=``, functions that
write into an argument (``np.copyto``, ``np.put``, ``np.add.at``), ``x.flat``, item assignment into plain
arrays, writes through views made before an array was recorded, copies, and other ways of reaching a
Tensor's raw values. Each case either gets the right gradient (checked against finite differences or
the exact derivative) or one of the tape's named errors."""

import copy

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.tape import (
    GradientLostError,
    InPlaceError,
    NoRuleError,
    Tensor,
    no_grad,
    tensor,
)

V = np.array([0.3, -0.8, 1.1, 0.45])
M = np.array([[0.3, -0.8, 1.1], [0.45, 0.7, -0.2]])


def tape_grad(f, *args, wrt=0):
    return sg.grad(f, wrt=wrt, mode="tape")(*copy.deepcopy(args))


def assert_tape_matches_fd(f, *args, wrt=0):
    got = tape_grad(f, *args, wrt=wrt)
    ref = sg.numerical_grad(f, *copy.deepcopy(args), wrt=wrt)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- out= a Tensor: an in-place update t = f(...)


def test_function_out_into_itself_is_recorded_as_an_update():
    def f(x):
        y = x * 2.0
        np.clip(y, -1.0, 1.0, out=y)
        return np.sum(y ** 2)

    np.testing.assert_allclose(tape_grad(f, V), [2.4, 0.0, 0.0, 3.6])
    assert_tape_matches_fd(f, V)


def test_ufunc_out_into_a_tensor_is_recorded_as_an_update():
    def f(x):
        y = x.copy()
        np.multiply(y, 2.0, out=y)
        np.sin(y, out=y)
        np.negative(y, out=y)
        return np.sum(np.exp(y))

    assert_tape_matches_fd(f, V)


def test_method_out_into_itself_is_recorded():
    def f(x):
        y = x * 2.0
        y.clip(-1.0, 1.0, out=y)
        return np.sum(y ** 2)

    assert_tape_matches_fd(f, V)


def test_out_into_a_tensor_keeps_numpys_value_and_the_old_values_recorded():
    x = tensor(V.copy(), requires_grad=True)
    y = x * 1.0
    first = np.exp(y)               # recorded with y's value before the update
    returned = np.multiply(y, 3.0, out=y)
    assert returned is y and np.allclose(y.value, 3.0 * V)
    np.sum(first + y).backward()
    np.testing.assert_allclose(x.grad, np.exp(V) + 3.0)


def test_out_into_a_tensor_without_gradient_writes_in_place_as_numpy():
    buf = np.zeros(3)
    t = Tensor(buf)
    result = np.add(t, 1.0, out=t)
    assert result is t and t.value is buf and buf.tolist() == [1.0, 1.0, 1.0]
    np.cumsum(t, out=t)
    assert buf.tolist() == [1.0, 2.0, 3.0]
    plain = np.zeros(3)  # into a plain array, from Tensors without gradient or inside no_grad(): as NumPy
    np.cumsum(t, out=plain)
    assert plain.tolist() == [1.0, 3.0, 6.0]
    x = tensor(V.copy(), requires_grad=True)
    plain = np.zeros(4)
    with no_grad():
        x.cumsum(out=plain)
    np.testing.assert_allclose(plain, np.cumsum(V))


def test_out_into_a_tensor_that_cannot_follow_raises_inplace_error():
    x = tensor(V.copy(), requires_grad=True)
    with pytest.raises(InPlaceError, match=r"leaf Tensor that requires grad.*without out="):
        np.multiply(x, 2.0, out=x)
    y = x * 1.0
    view = y[1:]
    np.negative(y, out=y)  # followed through the tree of views: the view sees it, as in NumPy
    assert view.value.tolist() == (-V[1:]).tolist()
    np.sum(view * view * view).backward()
    np.testing.assert_allclose(x.grad, np.r_[0.0, -3.0 * V[1:] ** 2])
    x.grad = None
    y = x * 1.0
    view = y[1:]
    handed_out = view.detach()  # now an array outside the tape shares the memory
    with pytest.raises(InPlaceError, match=r"shared with other arrays.*without out="):
        np.negative(y, out=y)
    assert view.value.tolist() == handed_out.value.tolist() == (V[1:]).tolist()
    z = x * 1.0
    with pytest.raises(InPlaceError, match=r"where=mask.*np\.where"):
        np.multiply(z, 2.0, out=z, where=np.array([True, False, True, False]))
    w = x * 1.0
    with pytest.raises(NoRuleError, match=r"complex value computed from a Tensor"):
        np.multiply(x, 1j, out=w)  # complex intermediates are refused before the cast is tried


def test_out_into_a_tensor_broadcasts_and_casts_as_numpy():
    def broadcast(x):
        y = np.zeros((3, 4)) + x * 0.0
        np.multiply(x, 2.0, out=y)
        return np.sum(y ** 2 * np.arange(12.0).reshape(3, 4))

    assert_tape_matches_fd(broadcast, V)
    x = tensor(V.copy(), requires_grad=True)
    w = x.astype(np.float32) * 1.0
    np.multiply(x, 2.0, out=w)  # float64 into float32, as NumPy's out= casts
    assert w.value.dtype == np.float32
    np.sum(w ** 2).backward()
    np.testing.assert_allclose(x.grad, 8.0 * V, rtol=1e-6)


def test_out_into_a_tensor_of_the_graph_inside_no_grad_keeps_the_recorded_values():
    x = tensor(V.copy(), requires_grad=True)
    y = np.exp(x)
    s = np.sum(y)
    with no_grad():
        np.multiply(y, 0.0, out=y)
    assert y.value.tolist() == [0.0] * 4
    s.backward()
    np.testing.assert_allclose(x.grad, np.exp(V))


# ---------------------------------------------------------------- out= a plain array: the gradient would be lost


@pytest.mark.parametrize("write", [
    lambda x, buf: np.cumsum(x, out=buf),
    lambda x, buf: np.cumsum(x, 0, None, buf),                # out given by position
    lambda x, buf: x.cumsum(out=buf),                          # an ndarray method
    lambda x, buf: np.take(x, [0, 1, 2, 3], out=buf),
    lambda x, buf: np.clip(x, -1.0, 1.0, out=buf),
    lambda x, buf: np.round(x, 2, buf),
], ids=["cumsum", "cumsum_positional", "method", "take", "clip", "round_positional"])
def test_out_into_a_plain_array_raises_before_writing(write):
    buf = np.zeros(4)   # made outside the function: a plain array

    def f(x):
        write(x, buf)
        return np.sum(buf ** 2)

    with pytest.raises(GradientLostError, match=r"out=a\) writes into a plain NumPy array.*cannot hold a gradient"):
        tape_grad(f, V)
    assert buf.tolist() == [0.0] * 4

    def g(x):   # np.zeros in the function's own module gives a Tensor (tape/namespace.py): recorded
        new = np.zeros(4)
        write(x, new)
        return np.sum(new ** 2)

    assert_tape_matches_fd(g, V)
    x = tensor(V.copy(), requires_grad=True)
    buf = np.zeros(4)
    with pytest.raises(InPlaceError, match="Drop out="):  # the same error is an InPlaceError too
        write(x, buf)
    assert buf.tolist() == [0.0] * 4


@pytest.mark.parametrize("write", [
    lambda x, buf: np.sum(x, axis=0, out=buf),
    lambda x, buf: x.sum(axis=0, out=buf),
    lambda x, buf: np.mean(x, 0, None, buf),
    lambda x, buf: np.dot(np.ones(2), x, buf),
], ids=["sum", "method_sum", "mean_positional", "dot_positional"])
def test_reductions_into_a_plain_array_raise(write):
    buf = np.zeros(3)   # made outside the function: a plain array

    def f(x):
        write(x, buf)
        return np.sum(buf ** 2)

    with pytest.raises(GradientLostError, match=r"plain NumPy array.*Drop out="):
        tape_grad(f, M)

    def g(x):   # a new array made in the function: recorded
        new = np.zeros(3)
        write(x, new)
        return np.sum(new ** 2)

    assert_tape_matches_fd(g, M)


# ---------------------------------------------------------------- a[i] = t into a plain array


@pytest.mark.parametrize("program", ["setitem", "fromiter", "loop"])
def test_storing_a_tensor_into_a_plain_array_raises_gradient_lost(program):
    ones, zeros = np.ones(3), np.zeros(4)   # made outside the functions: plain arrays

    def setitem(s):
        buf = ones
        buf[1] = s * s
        return np.sum(np.exp(buf))

    def fromiter(x):
        return np.sum(np.fromiter((v ** 2 for v in x), dtype=float))

    def loop(x):
        y = zeros
        for i in range(4):
            y[i] = x[i] * x[-1 - i]
        return np.sum(y)

    f, arg = {"setitem": (setitem, 0.7), "fromiter": (fromiter, V), "loop": (loop, V)}[program]
    with pytest.raises(GradientLostError, match=r"stored into a plain NumPy array.*cannot hold a gradient.*np\.stack"):
        tape_grad(f, arg)


def test_storing_a_tensor_into_a_new_array_is_recorded():
    def setitem(s):
        buf = np.ones(3)
        buf[1] = s * s
        return np.sum(np.exp(buf))

    def loop(x):
        y = np.zeros(4)
        for i in range(4):
            y[i] = x[i] * x[-1 - i]
        return np.sum(y ** 2)

    assert tape_grad(setitem, 0.7) == pytest.approx(np.exp(0.49) * 2 * 0.7)
    assert_tape_matches_fd(loop, V)


def test_the_suggested_rewrites_of_a_plain_array_store_differentiate():
    def zeros_plus(x):
        y = np.zeros(5) + 0.0 * x[0]
        for i in range(4):
            y[i] = x[i] * x[-1 - i]
        return np.sum(y ** 2)

    def stacked(x):
        return np.sum(np.stack([x[i] * x[-1 - i] for i in range(4)]) ** 2)

    assert_tape_matches_fd(zeros_plus, V)
    assert_tape_matches_fd(stacked, V)


# ---------------------------------------------------------------- functions that write into their first argument


def test_copyto_into_a_tensor_of_the_graph_is_recorded():
    def f(x):
        y = x * 1.0
        np.copyto(y, x ** 2)
        return np.sum(y ** 2) + np.sum(np.sin(y))

    assert_tape_matches_fd(f, V)


@pytest.mark.parametrize("write", [
    lambda y: np.put(y, [0], 5.0),
    lambda y: np.add.at(y, [0, 0], 1.0),
    lambda y: np.copyto(y, 0.0, where=np.array([True, False, True, False])),
    lambda y: np.putmask(y, np.array([True, False, True, False]), [1.0, 2.0, 3.0]),  # values cycle
], ids=["put", "add_at", "copyto_where", "putmask_cycling"])
def test_writes_into_a_tensor_of_the_graph_raise_while_recording(write):
    def f(x):
        y = x * 1.0
        write(y)
        return np.sum(y ** 2)

    with pytest.raises(InPlaceError, match=r"writes into a Tensor in place.*out of place"):
        tape_grad(f, V)


@pytest.mark.parametrize("write", [
    lambda y: np.put(y, [0], 5.0),
    lambda y: np.add.at(y, [0], 4.0),
    lambda y: np.copyto(y, np.array([5.0, 0.0, 0.0, 0.0]), where=np.array([True, False, False, False])),
    lambda y: y.flat.__setitem__(0, 5.0),
], ids=["put", "add_at", "copyto", "flat"])
def test_writes_into_a_tensor_of_the_graph_inside_no_grad_keep_the_recorded_values(write):
    x = tensor(V.copy(), requires_grad=True)
    y = np.exp(x)                 # the rule of exp reads its result: it must stay as recorded
    s = np.sum(y)
    with no_grad():
        write(y)
    assert y.value[0] >= 5.0 and y.value[1:].tolist() == np.exp(V[1:]).tolist()  # written as NumPy does
    s.backward()
    np.testing.assert_allclose(x.grad, np.exp(V))


def test_writes_into_a_plain_array_from_a_tensor_raise_before_writing():
    x = tensor(V.copy(), requires_grad=True)
    for write in (lambda a: np.add.at(a, [0, 1], x[:2]), lambda a: np.copyto(a, x),
                  lambda a: np.put(a, [0], x[0])):
        a = np.zeros(4)
        with pytest.raises(GradientLostError, match="cannot hold a gradient"):
            write(a)
        assert a.tolist() == [0.0] * 4


# ---------------------------------------------------------------- x.flat


def test_flat_iteration_and_indexing_are_recorded():
    def total(x):
        return sum(x.flat) * 2.0

    def item(x):
        return x.flat[2] * 3.0 + np.sum(x.flat[1:3] ** 2)

    np.testing.assert_allclose(tape_grad(total, M), 2.0 * np.ones_like(M))
    assert_tape_matches_fd(item, M)


def test_flat_item_assignment_into_a_tensor_of_the_graph_is_recorded():
    def f(x):
        y = np.exp(x)
        z = y * 1.0
        y.flat[0] = 0.0
        y.flat[[2, 4]] = x.flat[[1, 3]] ** 2
        return np.sum(z) + np.sum(y ** 2)

    assert_tape_matches_fd(f, M)


# ---------------------------------------------------------------- writes through a view made before the array was used


def test_write_through_an_older_view_after_use_keeps_the_values_used():
    def before_use(x):
        buf = np.ones(4)
        v = buf[:]
        v[0] = 4.0
        return np.sum(x * buf) ** 2

    assert_tape_matches_fd(before_use, V)  # fine: the values recorded are those written

    def f(x):
        buf = np.ones(4)
        v = buf[:]
        a = np.sum(x * buf)
        v[0] = 4.0
        b = np.sum(x * buf)
        return a * b

    assert_tape_matches_fd(f, V)  # a saw buf as it was, b as written: the tape keeps both


# ---------------------------------------------------------------- copies and other ways to the raw values


def test_deepcopy_and_copy_of_a_tensor_are_recorded_copies():
    def deep(x):
        y = copy.deepcopy(x)
        return np.sum(y ** 2)

    def shallow(x):
        y = copy.copy(x)
        y[0] = 0.0
        return np.sum(y ** 2) + np.sum(x)

    np.testing.assert_allclose(tape_grad(deep, V), 2.0 * V)
    assert_tape_matches_fd(shallow, V)
    t = tensor(np.zeros(3))
    c = copy.copy(t)
    c[0] = 1.0
    assert t.value.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("program", ["frompyfunc", "data", "ctypes", "tobytes"])
def test_raw_values_in_another_form_raise(program):
    def frompyfunc(x):
        return np.sum(np.frompyfunc(lambda v: v * 2.0, 1, 1)(x)) * 1.0

    def data(x):
        return np.sum(np.frombuffer(x.data) ** 2)

    def ctypes(x):
        pointer = x.ctypes.data_as(np.ctypeslib.ctypes.POINTER(np.ctypeslib.ctypes.c_double))
        return np.sum(np.ctypeslib.as_array(pointer, (4,)) ** 2)

    def tobytes(x):
        return np.sum(np.frombuffer(x.tobytes()) ** 2)

    f = {"frompyfunc": frompyfunc, "data": data, "ctypes": ctypes, "tobytes": tobytes}[program]
    with pytest.raises((NoRuleError, GradientLostError), match=r"no derivative rule|silently drop its gradient"):
        tape_grad(f, V)


def test_divmod_of_a_tensor():
    def f(x):
        q, r = divmod(x, 0.5)
        return r * 4.0 + q * x

    assert tape_grad(f, 1.3) == pytest.approx(4.0 + 2.0)


def test_reading_through_flat_does_not_stop_later_updates():
    def f(x):
        y = x * 2.0
        first = y.flat[0]
        y.flat[1] = first * 3.0
        y += 1.0
        return np.sum(y ** 2)

    assert_tape_matches_fd(f, V)


# ---------------------------------------------------------------- type checks see the value's class


@pytest.mark.parametrize("program", ["isinstance_ndarray", "isinstance_float", "isscalar", "number", "hasattr_len",
                                     "iterable", "class_name", "element_isscalar"])
def test_type_checks_take_the_branch_numpy_code_takes(program):
    import numbers

    def isinstance_ndarray(x):
        return np.sum(x ** 2) * (2.0 if isinstance(x, np.ndarray) else 1.0)

    def isinstance_float(s):
        return s ** 3 if isinstance(s, float) else s ** 2

    def isscalar(s):
        return s ** 2 * (3.0 if np.isscalar(s) else 1.0)

    def number(s):
        return s ** 2 * (3.0 if isinstance(s, numbers.Number) else 1.0)

    def hasattr_len(s):
        return s ** 3 * (1.0 + float(hasattr(s, "__len__")))

    def iterable(s):
        return np.sin(s) * (2.0 if np.iterable(s) else 1.0)

    def class_name(x):
        return np.sum(np.sin(x)) * len(x.__class__.__name__)

    def element_isscalar(x):
        return x[0] ** 2 * (3.0 if np.isscalar(x[0]) else 1.0) + np.sum(x)

    f = locals()[program]
    arg = V if program in ("isinstance_ndarray", "class_name", "element_isscalar") else 0.7
    assert_tape_matches_fd(f, arg)


def test_len_and_iteration_of_a_0d_tensor_raise_type_error_as_numpy():
    s = tensor(0.5, requires_grad=True)
    a = tensor(np.array(0.5), requires_grad=True)
    for t in (s, a):
        with pytest.raises(TypeError, match="0-d"):
            len(t)
        with pytest.raises(TypeError, match="0-d"):
            iter(t)
    assert not hasattr(s, "__len__") and hasattr(a, "__len__")  # as for 0.5 and np.array(0.5)
    x = tensor(V.copy(), requires_grad=True)
    assert len(x) == 4 and [v.value for v in x] == V.tolist()
    assert isinstance(x, np.ndarray) and isinstance(x, Tensor) and type(x) is Tensor


def test_pickling_keeps_values_and_never_silently_drops_a_gradient():
    import pickle

    def f(x):
        return np.sum(pickle.loads(pickle.dumps(x)) ** 2)

    with pytest.raises(GradientLostError, match="pickling"):
        tape_grad(f, V)
    x = tensor(V.copy(), requires_grad=True)
    with pytest.raises(GradientLostError, match="pickling"):
        pickle.dumps(x * 2.0)
    leaf = pickle.loads(pickle.dumps(x))  # a leaf, as in PyTorch: a new parameter with the same value
    assert type(leaf) is Tensor and leaf.requires_grad and leaf.is_leaf and leaf.value.tolist() == V.tolist()
    with no_grad():
        plain = pickle.loads(pickle.dumps(x * 2.0))
    assert not plain.requires_grad and plain.value.tolist() == (2.0 * V).tolist()


def test_complex_intermediates_are_refused_not_differentiated_wrongly():
    x = np.array([0.3, -0.8, 1.1])
    with pytest.raises(NoRuleError, match=r"complex value computed from a Tensor"):
        sg.grad(lambda v: np.sum(np.abs(v * (1.0 + 1.0j)) ** 2), mode="tape")(x)


# ---------------------------------------------------------------- trees of views


def test_rows_of_a_matrix_updated_through_views_and_read_through_others():
    def f(x):
        y = x * 1.0
        rows = [y[0], y[1]]  # views, kept in a list
        rows[0] += rows[1] * 2.0
        col = y.T[2]
        col *= x[0, 0]
        flat = y.reshape(-1)
        return np.sum(np.sin(flat)) + np.sum(rows[0] ** 2) + np.sum(col)

    assert_tape_matches_fd(f, np.arange(1.0, 13.0).reshape(3, 4) / 7.0)


def test_a_swap_through_a_stale_view_is_refused_not_guessed():
    # NumPy's shuffle swaps the rows of a non-ndarray as `y[i], y[j] = y[j], y[i]`, which duplicates rows
    # of anything with views; for an ndarray it copies the row first. The tape cannot tell them apart.
    def swap(x):
        y = x * 1.0
        y[0], y[1] = y[1], y[0]
        return np.sum(y * np.arange(6.0).reshape(2, 3))

    with pytest.raises(InPlaceError, match=r"earlier write into the same array.*y\[0\]\.copy\(\)|a = y\[0\]\.copy\(\)"):
        tape_grad(swap, np.ones((2, 3)))

    def shuffled(x):
        y = x * 1.0
        np.random.default_rng(3).shuffle(y)
        return np.sum(y * np.arange(1.0, 1.0 + y.size).reshape(y.shape))

    with pytest.warns(UserWarning, match="shuffling a 'Tensor'"), pytest.raises(InPlaceError, match="shuffle"):
        tape_grad(shuffled, np.ones((3, 2)))
    with pytest.warns(UserWarning, match="shuffling a 'Tensor'"):
        assert_tape_matches_fd(shuffled, np.array([0.1, 0.2, 0.3, 0.4]))  # 1-D: numbers are swapped, no views

    def swap_with_copy(x):
        y = x * 1.0
        first = y[0].copy()
        y[0] = y[1]
        y[1] = first
        return np.sum(y * np.arange(6.0).reshape(2, 3))

    assert_tape_matches_fd(swap_with_copy, np.ones((2, 3)))



def test_sort_partition_and_fill_methods_update_in_place_as_numpy():
    def sort_view(x):
        y = x * 1.0
        y[1:].sort()  # through a view: y sees it
        return np.sum(y * np.arange(1.0, 5.0))

    def partition(x):
        y = x * 2.0
        y.partition(2)
        return y[2] * 3.0 + np.sum(y ** 2)

    def fill_from_active(x):
        y = x * 1.0
        y.fill(x[0])
        return np.sum(y * x)

    def sorted_rows(x):
        m = np.outer(x, x)
        m.sort(axis=0)
        return np.sum(m * np.arange(16.0).reshape(4, 4))

    for f in (sort_view, partition, fill_from_active, sorted_rows):
        assert_tape_matches_fd(f, V)
    t = tensor(np.array([3.0, 1.0, 2.0]))  # no graph: in place, as NumPy
    array = t.value
    assert t.sort() is None and array.tolist() == [1.0, 2.0, 3.0]
    x = tensor(V.copy(), requires_grad=True)
    with pytest.raises(InPlaceError, match="leaf Tensor that requires grad"):
        x.sort()


# ---------------------------------------------------------------- what the taped run leaves behind

LEFT = []
STATE = {}


class _Box:
    pass


def test_the_taped_run_leaves_arrays_not_tensors_where_the_caller_looks():
    global _LAST_SEEN
    kept = tensor(np.ones(2), requires_grad=True)  # the caller's own Tensor, there before: left alone
    STATE["params"] = kept

    def f(x, box, items):
        global _LAST_SEEN
        LEFT.clear()
        LEFT.append(x * 2.0)
        STATE["h"] = [np.sin(x), (x,)]
        _LAST_SEEN = 2.0 * x
        box.v = x ** 2
        items.append(x + 1.0)
        return np.sum(LEFT[-1] ** 2) + np.sum(box.v)

    box, items = _Box(), []
    grad = sg.grad(f, mode="tape")(V.copy(), box, items)
    np.testing.assert_allclose(grad, 8.0 * V + 2.0 * V)
    for value in (LEFT[0], STATE["h"][0], _LAST_SEEN, box.v, items[0]):
        assert type(value) is np.ndarray
    assert type(STATE["h"][1][0]) is np.ndarray  # the leaf, inside a tuple inside a list: its value
    assert STATE["params"] is kept
    np.testing.assert_allclose(items[0], V + 1.0)


# ---------------------------------------------------------------- arguments updated in place

ALIAS = None


def test_a_differentiated_argument_updated_in_place_as_numpy_does():
    def iadd(x):
        x += 1.0
        return np.sum(x ** 2)

    def through_a_view(x):
        head = x[:2]
        head[0] = 0.5 * x[1]
        return np.sum(np.exp(x))

    def out_into_argument(x):
        np.multiply(x, x, out=x)
        x[1:] -= x[:-1]
        return np.sum(np.sin(x))

    for f in (iadd, through_a_view, out_into_argument):
        assert_tape_matches_fd(f, V)  # the gradient at the value the argument had when the call began
        given, itself = V.copy(), V.copy()
        sg.grad(f, mode="tape")(given)
        f(itself)
        np.testing.assert_array_equal(given, itself)  # the caller sees the update, as with f itself
        assert given.flags.writeable


def test_an_argument_updated_in_place_and_read_under_another_name_is_refused():
    global ALIAS

    def read_then_updated(x):
        before = np.sum(x * ALIAS)  # ALIAS is the caller's array of x: a constant to the tape
        x *= 2.0
        return before + np.sum(x)

    def updated_then_read(x):
        x *= 2.0
        return np.sum(x * ALIAS)

    for f in (read_then_updated, updated_then_read):
        given = V.copy()
        ALIAS = given
        with pytest.raises(InPlaceError, match="also uses the caller's array of that argument another way"):
            sg.grad(f, mode="tape")(given)
    ALIAS = given = V.copy()
    with pytest.raises(InPlaceError, match="modifies an array in place after using it"):
        sg.grad(lambda x: np.sum(x) + ALIAS.__setitem__(0, 1.0), mode="tape")(given)  # written another way


def test_an_imperative_leaf_still_refuses_in_place_updates():
    x = tensor(V.copy(), requires_grad=True)
    with pytest.raises(InPlaceError, match="leaf Tensor that requires grad"):
        x += 1.0


def test_in_place_updates_keep_the_memory_layout_so_reshape_views_stay_as_numpy_has_them():
    # found by differential testing: an updated array came back C-ordered, so a later reshape of an
    # F-ordered array became a view on the tape (and saw a later update) where NumPy made a copy
    def f(x):
        y = np.swapaxes(x, 0, 1) * 1.0     # F-ordered
        y[0, 0] = 2.0 * x[1, 1]             # an item update
        y *= 1.5                            # an in-place operator
        np.multiply(y, x.T, out=y)          # out=
        flat = np.reshape(y, (-1, 1))       # a copy in NumPy: y is not C-contiguous
        y += 1.0
        return np.sum(flat ** 2) + np.sum(np.sin(y))

    assert_tape_matches_fd(f, M)
    assert sg.value_and_grad(f, mode="tape")(M.copy())[0] == pytest.approx(f(M.copy()), rel=1e-12)


def test_a_function_that_calls_type_takes_the_branch_of_the_plain_values_or_is_refused():
    def branch(x):
        if type(x) is np.ndarray:  # a Tensor on the tape: type is Tensor-aware in the user's modules
            return np.sum(np.sin(x))
        return np.sum(x)

    def attribute_only(x):  # x.dtype.type is not a call of the builtin
        return np.sum(x.dtype.type(2.0) * x)

    np.testing.assert_allclose(tape_grad(branch, V), np.cos(V), rtol=1e-12)
    outside = {}  # a function of no module of the user's does not see the stand-in: refused
    exec(compile("import numpy as np\ndef branch(x):\n    return np.sum(x) if type(x) is np.ndarray else x\n",
                 "<outside>", "exec"), outside)
    with pytest.raises(TypeError, match=r"branch calls type\(\.\.\.\).*isinstance\(x, np\.ndarray\)"):
        tape_grad(outside["branch"], V)
    g = sg.grad(branch)  # auto: source mode runs the function on plain arrays, where the branch is right
    np.testing.assert_allclose(g(V.copy()), np.cos(V), rtol=1e-12)
    assert g.mode == "source"
    assert_tape_matches_fd(attribute_only, V)


# ---------------------------------------------------------------- found by a hostile review of the above

F_ORDER = np.asfortranarray([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])


def test_a_view_is_remade_from_the_arguments_it_was_made_with():
    def shape_list_changed(x):
        y = x * 1.0
        shape = [2, 3]
        a = y.reshape(shape)
        shape.reverse()  # the list is reused; the view keeps the shape it was made with
        y[0] = 0.5 * x[1]
        return np.sum(a[1] ** 2)

    assert_tape_matches_fd(shape_list_changed, np.arange(6.0) / 5.0)


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_ravel_and_reshape_orders_follow_the_memory_layout(order):
    def flat(x):
        return np.sum(np.ravel(np.sin(x), order) * np.arange(6.0)) + np.sum(x.ravel(order=order) ** 2 * np.arange(6.0))

    def written_through(x):
        y = x * 1.0
        v = y.reshape(-1, order=order if order != "K" else "A")
        v[1] = 2.0 * x[0, 0]
        return np.sum(y * np.arange(6.0).reshape(2, 3))

    for f in (flat, written_through):
        for x in (F_ORDER, np.ascontiguousarray(F_ORDER), F_ORDER[:, ::-1]):
            assert_tape_matches_fd(f, x)  # tape_grad and numerical_grad both keep the layout given
            value, _ = sg.value_and_grad(f, mode="tape")(x.copy(order="K"))
            assert value == pytest.approx(f(x.copy(order="K")), rel=1e-12)


def test_writes_numpy_refuses_are_refused():
    def into_a_diagonal(x):
        y = x * 1.0
        np.diagonal(y.reshape(2, 2))[...] = 0.0  # NumPy: the diagonal is a read-only view
        return np.sum(y)

    with pytest.raises(ValueError, match="assignment destination is read-only"):
        tape_grad(into_a_diagonal, V)
    with pytest.raises(ValueError, match="read-only"):
        into_a_diagonal(V.copy())


def test_arguments_that_cannot_be_updated_like_the_callers_array_are_refused():
    def bump(x, y=None):
        x += 1.0
        return np.sum(x ** 2) + (0.0 if y is None else np.sum(y * y))

    shared = V.copy()
    with pytest.raises(InPlaceError, match="another argument sharing its memory"):
        sg.grad(bump, wrt=(0, 1), mode="tape")(shared, shared)
    with pytest.raises(InPlaceError, match="another argument sharing its memory"):
        sg.grad(bump, wrt=0, mode="tape")(shared, shared[1:])
    ints = np.array([1, 2, 3])
    with pytest.raises(InPlaceError, match="integer array"):
        sg.grad(bump, mode="tape")(ints)
    frozen = V.copy()
    frozen.flags.writeable = False
    with pytest.raises(InPlaceError, match="read-only array"):
        sg.grad(bump, mode="tape")(frozen)
    assert ints.tolist() == [1, 2, 3] and frozen.tolist() == V.tolist() and shared.tolist() == V.tolist()


def test_the_callers_list_gets_its_own_array_and_a_closure_cell_no_tensor():
    def keep(x, log):
        log.append(x)
        x += 1.0
        return np.sum(x ** 2)

    given, log = V.copy(), []
    sg.grad(keep, mode="tape")(given, log)
    assert log[0] is given and given.tolist() == (V + 1.0).tolist()

    def make():
        last = 0.0

        def step(x):
            nonlocal last
            y = np.sin(x) + 0.5 * last
            last = y
            return np.sum(y * y)
        return step

    step = make()
    first = sg.grad(step, mode="tape")(V.copy())
    second = sg.grad(step, mode="tape")(V.copy())  # the cell holds an array now, not a freed graph
    assert type(step.__closure__[0].cell_contents) is np.ndarray
    assert not np.allclose(first, second)


def test_fill_takes_a_single_value_as_numpy_does():
    def fill_with_array(x):
        y = x * 1.0
        y.fill(np.array([6.0, 7.0, 8.0, 9.0]))
        return np.sum(y)

    with pytest.raises(ValueError, match="setting an array element with a sequence"):
        tape_grad(fill_with_array, V)
    with pytest.raises(ValueError, match="setting an array element with a sequence"):
        fill_with_array(V.copy())


def test_putmask_place_and_fill_diagonal_into_a_tensor_are_item_assignments():
    def putmask_per_position(x):
        y = x * 1.0
        np.putmask(y, y > 0, x ** 2)  # values taken at the positions written
        return np.sum(y * np.arange(4.0))

    def putmask_one_value(x):
        y = x * 1.0
        np.putmask(y, y > 0, x[0])
        return np.sum(y ** 2)

    def place_in_order(x):
        y = x * 1.0
        np.place(y, y > 0, np.sin(x[:3]))  # three positive items, three values in order
        return np.sum(y * np.arange(4.0))

    def kernel_diagonal(x):
        K = np.outer(x, x)
        np.fill_diagonal(K, x * 3.0)
        return np.sum(K ** 2)

    for f in (putmask_per_position, putmask_one_value, place_in_order, kernel_diagonal):
        assert_tape_matches_fd(f, V)

    def place_cycling(x):
        y = x * 1.0
        np.place(y, y > 0, x[:2])  # NumPy repeats the two values over three items: not followed
        return np.sum(y)

    with pytest.raises(InPlaceError, match=r"np\.place writes into a Tensor in place"):
        tape_grad(place_cycling, V)
