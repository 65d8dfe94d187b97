"""The generated entry of a GradientFunction (sourcegrad/entry.py).

Once the general path has served a kind of arguments twice, calls with arguments of that kind take a generated
fast path. It must give exactly what the general path gives (the same values, types, dtypes, flags, errors, and
the same ``mode``/``fallback_reason`` afterwards), and hand everything it was not written for to the general path.
The oracle is a twin GradientFunction whose entry is switched off, so that every call takes the general path.
"""

import functools
import linecache
import math
import textwrap
import warnings

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad import api
from sourcegrad.api import GradientFunction
from sourcegrad.rules import registry

# ---------------------------------------------------------------- functions (at module level: source mode reads them)


def poly(x):
    return 3 * x ** 4 - 2 * x ** 3 + x ** 2 - 5 * x + 7


def three(a, b, c):
    return a * b + b * c * c + np.sin(a)


def logistic(w, X, y):
    z = X @ w
    return np.sum(np.log(1 + np.exp(-y * z)))


def square_sum(x):
    return np.sum(x ** 2 + 3 * x)


def helper(x):
    return x ** 2


def uses_helper(x):
    return 3.0 * helper(x)


def cube(x):
    return x ** 3


SCALE = 2.0


def uses_scale(x):
    return SCALE * np.sum(x ** 2)


def rule_target(x):
    return x ** 3


def uses_rule_target(x):
    return np.sum(rule_target(x))


def boxed(x, boxes):
    store = boxes[0].copy()
    store[0] = x * 2.0
    return np.sum(store[0] * x)


def maybe_vector(x, shape):
    return np.sum(x) * np.ones(shape)


def scaled_sum(x, s):
    return np.sum(x * s)


def first_of(x, options):
    return np.sum(x * options[0])


def root(x):
    return math.sqrt(x) * 2.0


def regularized(w, X, y, reg=0.1, power=2):
    return logistic(w, X, y) + reg * np.sum(w ** power)


def keyword_only(x, *, scale=2.0):
    return scale * np.sum(x ** 2)


def clash(gradient, args, value):
    return gradient * args + value ** 2


class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w):
        return self.scale * np.sum(w ** 2)


RNG = np.random.default_rng(0)
W = RNG.normal(size=5)
XS = RNG.normal(size=(5, 5))
YS = np.sign(RNG.normal(size=5))

# ---------------------------------------------------------------- helpers


@pytest.fixture
def general_calls(monkeypatch):
    """The GradientFunctions the general path ran for, one entry per call (the entry does not run it)."""
    calls = []
    real = GradientFunction._value_and_grads

    def counted(self, *args, **kwargs):
        calls.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(GradientFunction, "_value_and_grads", counted)
    return calls


def count(calls, gradient):
    return sum(c is gradient for c in calls)


def twins(func, wrt=0, mode="auto", with_value=False, verify=False):
    """A GradientFunction and its twin that always takes the general path."""
    fast = GradientFunction(func, wrt, mode, with_value=with_value, verify=verify)
    slow = GradientFunction(func, wrt, mode, with_value=with_value, verify=verify)
    slow._entry_possible = False
    return fast, slow


def outcome(gradient, args, kwargs):
    try:
        return "value", gradient(*args, **kwargs)
    except Exception as exc:   # the same error, from either path
        return "error", (type(exc), str(exc))


def assert_same(a, b):
    """``a`` and ``b`` are the same result: types, dtypes, shapes, writeability and values (NaNs equal)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.flags.writeable == b.flags.writeable
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def call_both(fast, slow, *args, **kwargs):
    """Call both twins; they must agree, and say the same afterwards. Returns the fast one's result."""
    kind, got = outcome(fast, args, kwargs)
    kind_slow, expected = outcome(slow, args, kwargs)
    assert kind == kind_slow, (got, expected)
    if kind == "error":
        assert got == expected
    else:
        assert_same(got, expected)
    assert fast._mode == slow._mode and fast.fallback_reason == slow.fallback_reason
    assert fast._last_generated is slow._last_generated      # the same code ran (the cache is shared)
    return got


def warm(gradient, *args):
    """Two calls: the second writes the entry for arguments of this kind (unless it is the general twin)."""
    gradient(*args)
    gradient(*args)
    assert gradient.entry_source is not None or not gradient._entry_possible


# ---------------------------------------------------------------- the fast path gives what the general path gives


def test_floats_take_the_fast_path(general_calls):
    fast, slow = twins(poly)
    call_both(fast, slow, 1.3)
    assert fast.entry_source is None        # one call does not write an entry
    call_both(fast, slow, 1.3)
    assert "def __call__" in fast.entry_source and "type(x) is float" in fast.entry_source
    before = count(general_calls, fast)
    for x in (0.5, -2.0, 1e10, float("nan"), 0.0):
        result = call_both(fast, slow, x)
        assert result == fast.adjoint_function(x)[1] or np.isnan(result)
    assert count(general_calls, fast) == before   # all of them on the entry
    assert fast.mode == "source" and fast.source == slow.source


def test_value_and_grad_and_wrt_tuples(general_calls):
    for wrt in ((0, 1, 2), (0,), ("b",), (2, 0), 1):
        for with_value in (False, True):
            fast, slow = twins(three, wrt=wrt, with_value=with_value)
            warm(fast, 0.5, 1.5, -0.7)
            warm(slow, 0.5, 1.5, -0.7)
            before = count(general_calls, fast)
            result = call_both(fast, slow, 0.25, -1.0, 2.0)
            assert count(general_calls, fast) == before
            grads = result[1] if with_value else result
            if isinstance(wrt, tuple):
                assert isinstance(grads, tuple) and len(grads) == len(wrt)
            value, raw = fast.adjoint_function(0.25, -1.0, 2.0)
            if with_value:
                assert result[0] == value
            assert grads == (raw if len(fast.wrt) > 1 else (raw,) if isinstance(wrt, tuple) else raw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float_arrays(general_calls, dtype):
    fast, slow = twins(logistic)
    w = W.astype(dtype)
    for _ in range(2):
        call_both(fast, slow, w, XS, YS)
    before = count(general_calls, fast)
    grad = call_both(fast, slow, w * 0.5, XS, YS)
    assert count(general_calls, fast) == before
    assert grad.dtype == dtype and grad.flags.writeable and grad.shape == w.shape
    np.testing.assert_allclose(grad, fast.adjoint_function(w * 0.5, XS, YS)[1], rtol=1e-6)
    np.testing.assert_allclose(grad, sg.grad(logistic, mode="tape")(w * 0.5, XS, YS), rtol=1e-5)


def test_ints_and_numpy_scalars_take_the_general_path(general_calls):
    fast, slow = twins(poly)
    warm(fast, 1.5)
    warm(slow, 1.5)
    for x in (2, np.float64(1.5), np.float32(1.5), np.int64(3), True):
        before = count(general_calls, fast)
        call_both(fast, slow, x)
        assert count(general_calls, fast) == before + 1
        call_both(fast, slow, 1.25)           # and floats still take the entry, which was not written again
        assert count(general_calls, fast) == before + 1
    assert fast._entry_builds == 1


def test_int_arrays_are_promoted(general_calls):
    fast, slow = twins(square_sum)
    warm(fast, np.array([1.0, 2.0]))
    warm(slow, np.array([1.0, 2.0]))
    before = count(general_calls, fast)
    grad = call_both(fast, slow, np.array([1, 2]))
    assert count(general_calls, fast) == before + 1
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, [5.0, 7.0])


def test_zero_d_arrays(general_calls):
    fast, slow = twins(square_sum)
    for _ in range(2):
        call_both(fast, slow, np.array(2.0))
    before = count(general_calls, fast)
    grad = call_both(fast, slow, np.array(-1.5))
    assert count(general_calls, fast) == before
    assert type(grad) is np.ndarray and grad.shape == () and grad == 0.0
    call_both(fast, slow, np.array(-1.5, dtype=np.float32))


def test_length_one_axes_then_none(general_calls):
    """``(1, 3)`` and ``(2, 3)`` are different kinds ("1N", "NN"): each has its own generated code and its own
    test in the entry, and each is right."""
    fast, slow = twins(square_sum)
    a, b = np.arange(3.0).reshape(1, 3), np.arange(6.0).reshape(2, 3)
    for x in (a, a, b, b, a, b, a.T, a.T, np.ones((3, 1, 1)), b):
        grad = call_both(fast, slow, x)
        np.testing.assert_array_equal(grad, 2 * x + 3)
    assert "shape_x[0] == 1" in fast.entry_source and "1 not in shape_x" in fast.entry_source
    before = count(general_calls, fast)
    call_both(fast, slow, a * 2)
    call_both(fast, slow, b * 2)
    assert count(general_calls, fast) == before


def test_a_kind_change_does_not_thrash(general_calls):
    """Called alternately with a float and an array: the entry is written for both once, then serves both."""
    fast, slow = twins(square_sum)
    for _ in range(2):
        call_both(fast, slow, 1.5)
        call_both(fast, slow, np.array([1.0, 2.0]))
    assert fast._entry_builds == 2
    before = count(general_calls, fast)
    for i in range(20):
        call_both(fast, slow, 1.5 + i)
        call_both(fast, slow, np.array([1.0, 2.0 + i]))
    assert count(general_calls, fast) == before and fast._entry_builds == 2


def test_many_kinds_stay_right_and_bounded():
    fast, slow = twins(square_sum)
    values = [1.5, np.ones(2), np.ones((2, 2)), np.ones((1, 2)), np.ones((2, 1)), np.ones(()), np.ones((2, 2, 2))]
    for _ in range(6):
        for x in values:
            call_both(fast, slow, x)
    assert fast._entry_builds <= api._ENTRY_BUILDS
    assert len(fast._entry_chain) <= api._ENTRY_KINDS


@pytest.fixture
def altered_outputs(monkeypatch):
    """``alter(value, gradient) -> (value, gradient)``: applied to what every newly generated gradient returns."""
    real = api.build_gradient
    alteration = []

    def build(func, wrt, kinds=None, seeded=False):
        generated = real(func, wrt, kinds, seeded)
        correct = generated.function
        generated.function = lambda *args: alteration[0](*correct(*args))
        return generated

    monkeypatch.setattr(api, "build_gradient", build)
    api._GENERATED.clear()
    yield alteration
    api._GENERATED.clear()


OUTPUTS = {
    "read-only view": lambda v, g: (v, np.broadcast_to(g, np.shape(g))),
    "another dtype": lambda v, g: (v, np.asarray(g, dtype=np.float32)),
    "a list": lambda v, g: (v, np.asarray(g).tolist()),
    "numpy scalars": lambda v, g: (np.float32(v), np.float64(g) if np.ndim(g) == 0 else g),
    "0-d arrays": lambda v, g: (np.array(v), np.array(g) if np.ndim(g) == 0 else g),
    "an int value": lambda v, g: (int(v), g),
    "a wrong shape": lambda v, g: (v, np.ones(7) if np.ndim(g) else np.ones(2)),
    "an array value": lambda v, g: (np.ones(2) * v, g),
    "a bool value": lambda v, g: (True, g),
}


@pytest.mark.parametrize("alter", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_output_checks_and_conversions(altered_outputs, alter):
    """What the generated code returns is checked and converted by the entry exactly as by the general path."""
    altered_outputs.append(alter)
    for func, args in ((square_sum, (W,)), (square_sum, (W.astype(np.float32),)), (poly, (1.5,)),
                       (square_sum, (np.array(2.0),))):
        fast, slow = twins(func)
        for _ in range(4):
            call_both(fast, slow, *args)


# ---------------------------------------------------------------- what the generated code baked in changes


def test_a_global_rebound_after_the_first_call_rebuilds(general_calls, monkeypatch):
    fast, slow = twins(uses_helper)
    warm(fast, 2.0)
    warm(slow, 2.0)
    assert call_both(fast, slow, 2.0) == 12.0
    monkeypatch.setitem(globals(), "helper", cube)
    before = count(general_calls, fast)
    assert call_both(fast, slow, 2.0) == 36.0       # rebuilt: the entry's code was no longer current
    assert count(general_calls, fast) == before + 1
    call_both(fast, slow, 2.0)                      # the entry now holds the new code
    assert count(general_calls, fast) == before + 1
    assert fast(1.0) == 9.0


def test_a_global_read_live(monkeypatch):
    fast, slow = twins(uses_scale)
    x = np.array([1.0, -2.0])
    warm(fast, x)
    warm(slow, x)
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    np.testing.assert_array_equal(call_both(fast, slow, x), 10.0 * x)


@pytest.fixture
def rule_cleanup():
    yield
    registry.VJP_RULES.pop(rule_target, None)
    registry.PYTHON_FUNCTIONS.discard(rule_target)
    registry.VERSION[0] += 1


def test_a_rule_registered_after_the_first_call(general_calls, rule_cleanup):
    fast, slow = twins(uses_rule_target)
    x = np.array([1.0, 2.0])
    warm(fast, x)
    warm(slow, x)
    np.testing.assert_array_equal(call_both(fast, slow, x), 3 * x ** 2)

    @sg.vjp_rule(rule_target)
    def rule_target_vjp(g, ans, x):
        return g * 7.0          # deliberately not the derivative: the rule must win

    before = count(general_calls, fast)
    np.testing.assert_array_equal(call_both(fast, slow, x), [7.0, 7.0])
    assert count(general_calls, fast) == before + 1
    call_both(fast, slow, x)
    assert count(general_calls, fast) == before + 1


# ---------------------------------------------------------------- what the entry hands on


def test_declined_at_run_time_on_a_later_call(general_calls):
    fast, slow = twins(boxed)
    x = np.array([1.0, 2.0, 3.0])
    arrays = [np.zeros((2, 3))]
    for _ in range(3):
        call_both(fast, slow, x, arrays)
    before = count(general_calls, fast)
    grad = call_both(fast, slow, x, [{0: 0.0}])      # same kinds, but the generated code cannot write a dict
    assert count(general_calls, fast) == before     # the entry handled it as the general path does
    np.testing.assert_array_equal(grad, 4 * x)
    assert fast.mode == "tape" and "dict" in fast.fallback_reason
    assert fast.entry_source is None                # these kinds use the tape from now on
    call_both(fast, slow, x, [{0: 1.0}])
    call_both(fast, slow, x, arrays)                # the tape's error, as on the general path


def test_declined_in_source_mode_raises(general_calls):
    fast, slow = twins(boxed, mode="source")
    x = np.array([1.0, 2.0, 3.0])
    for _ in range(3):
        call_both(fast, slow, x, [np.zeros((2, 3))])
    with pytest.raises(sg.DeclinedAtRunTime, match="dict"):
        fast(x, [{0: 0.0}])
    call_both(fast, slow, x, [{0: 0.0}])


def test_the_mode_follows_the_last_call():
    """A kind of arguments that went to the tape, then one the entry serves: mode and source say source again."""
    fast, slow = twins(boxed)
    x, x2 = np.array([1.0, 2.0, 3.0]), np.ones((2, 3))
    for _ in range(2):
        call_both(fast, slow, x, [np.zeros((2, 3))])
        call_both(fast, slow, x2, [np.zeros((2, 2, 3))])
    call_both(fast, slow, x, [{0: 0.0}])
    assert fast.mode == "tape"
    call_both(fast, slow, x2, [np.zeros((2, 2, 3))])
    assert fast.mode == "source" and fast.source == slow.source
    assert fast.adjoint_function is slow.adjoint_function


def test_a_non_scalar_output_on_a_later_call():
    fast, slow = twins(maybe_vector)
    x = np.array([1.0, 2.0])
    for _ in range(3):
        call_both(fast, slow, x, ())
    with pytest.raises(sg.OutputError, match="returned an array of shape"):
        fast(x, (3,))
    call_both(fast, slow, x, (3,))


def test_keywords_and_wrong_arity_take_the_general_path(general_calls):
    fast, slow = twins(logistic)
    warm(fast, W, XS, YS)
    before = count(general_calls, fast)
    call_both(fast, slow, W, XS, y=YS)
    call_both(fast, slow, w=W, X=XS, y=YS)
    assert count(general_calls, fast) == before + 2
    call_both(fast, slow, W, XS)                    # the general path's TypeError
    call_both(fast, slow, W, XS, YS, YS)
    call_both(fast, slow, W, XS, YS, z=1)
    call_both(fast, slow, W, XS, YS)


def test_other_argument_types_take_the_general_path(general_calls):
    fast, slow = twins(logistic)
    warm(fast, W, XS, YS)
    warm(slow, W, XS, YS)
    for args in ((list(W), XS, YS), (W, XS.tolist(), YS), (W, np.asmatrix(XS), YS), (W.astype(np.float16), XS, YS),
                 (W, XS.astype(np.float32), YS), (W[None], XS, YS), ("w", XS, YS)):
        call_both(fast, slow, *args)


def test_arguments_not_differentiated_keep_their_kind(general_calls):
    """The generated code is specialised on the kind of every argument, not only those differentiated."""
    fast, slow = twins(scaled_sum)
    x = np.array([1.0, 2.0, 3.0])
    for _ in range(2):
        call_both(fast, slow, x, 2.0)
    before = count(general_calls, fast)
    for s in (3, 2.5, np.float64(0.5), np.int32(2)):
        np.testing.assert_array_equal(call_both(fast, slow, x, s), np.full(3, float(s)))
    assert count(general_calls, fast) == before
    for s in (np.ones((2, 3)), np.ones(3), np.ones(1), [1.0, 2.0, 3.0], True, np.float64(1.5)):
        call_both(fast, slow, x, s)                       # another kind: the general path


def test_any_other_value_keeps_its_type(general_calls):
    fast, slow = twins(first_of)
    x = np.array([1.0, 2.0])
    for _ in range(3):
        call_both(fast, slow, x, [2.0])
    before = count(general_calls, fast)
    call_both(fast, slow, x, [3.0, 4.0])
    assert count(general_calls, fast) == before
    for options in ((2.0,), np.array([2.0]), np.array([[1.0, 2.0]]), {0: 2.0}):
        call_both(fast, slow, x, options)


def test_partials_and_bound_methods(general_calls):
    model = Model(2.0)
    fast, slow = twins(model.loss)
    for _ in range(3):
        np.testing.assert_array_equal(call_both(fast, slow, W), 4.0 * W)
    before = count(general_calls, fast)
    call_both(fast, slow, W * 2)
    assert count(general_calls, fast) == before      # self is a constant the entry holds
    model.scale = 3.0                                 # read live
    np.testing.assert_array_equal(call_both(fast, slow, W), 6.0 * W)

    data = np.arange(6.0).reshape(2, 3)
    fast, slow = twins(functools.partial(square_sum))
    warm(fast, W)
    call_both(fast, slow, W)

    def matrix_loss(A, x):
        return np.sum(np.tanh(A @ x))

    fast, slow = twins(functools.partial(matrix_loss, data))
    for _ in range(3):
        call_both(fast, slow, np.ones(3))
    before = count(general_calls, fast)
    call_both(fast, slow, np.ones(3) * 0.5)
    assert count(general_calls, fast) == before
    data.shape = (1, 6)                               # the bound array changed kind in place
    call_both(fast, slow, np.ones(6))
    assert count(general_calls, fast) == before + 1


def test_defaults_left_out(general_calls, monkeypatch):
    fast, slow = twins(regularized)
    for _ in range(2):
        call_both(fast, slow, W, XS, YS)
    before = count(general_calls, fast)
    for args in ((W, XS, YS), (W * 2, XS, YS), (W, XS, YS, 0.5), (W, XS, YS, 0.5, 4)):
        call_both(fast, slow, *args)
    assert count(general_calls, fast) == before
    call_both(fast, slow, W, XS, YS, 0.5, 3.5)              # a float power: another kind, the general path
    call_both(fast, slow, W, XS)                             # too few: the general path's TypeError
    monkeypatch.setattr(regularized, "__defaults__", (1.0, 4))
    expected = sg.grad(regularized, mode="tape")(W, XS, YS)
    np.testing.assert_allclose(call_both(fast, slow, W, XS, YS), expected)
    for _ in range(3):
        np.testing.assert_allclose(call_both(fast, slow, W, XS, YS), expected)
    np.testing.assert_allclose(call_both(fast, slow, W, XS, YS, 0.1, 2), sg.grad(logistic)(W, XS, YS) + 0.2 * W)


def test_a_primitive_called_without_its_optional_arguments(general_calls):
    fast, slow = twins(np.linalg.norm)
    for _ in range(2):
        call_both(fast, slow, W)
    before = count(general_calls, fast)
    np.testing.assert_allclose(call_both(fast, slow, W * 3), W / np.linalg.norm(W))
    assert count(general_calls, fast) == before
    call_both(fast, slow, XS)
    call_both(fast, slow, W, 1)


def test_keyword_only_parameters_never_write_an_entry():
    fast, slow = twins(keyword_only)
    for _ in range(3):
        call_both(fast, slow, W)
        call_both(fast, slow, W, scale=3.0)
    assert fast.entry_source is None


def test_partial_with_keywords_never_writes_an_entry():
    fast, slow = twins(functools.partial(logistic, y=YS))
    for _ in range(3):
        call_both(fast, slow, W, XS)
    assert fast.entry_source is None


def test_parameter_names_the_entry_uses_itself():
    fast, slow = twins(clash, wrt=(0, 2))
    for _ in range(3):
        assert call_both(fast, slow, 2.0, 3.0, 4.0) == (3.0, 8.0)
    assert "a0, a1, a2 = args" in fast.entry_source


def test_tape_mode_writes_no_entry():
    fast, slow = twins(poly, mode="tape")
    for _ in range(3):
        call_both(fast, slow, 1.5)
    assert fast.entry_source is None


# ---------------------------------------------------------------- verify on first use


def test_verify_happens_before_the_entry(general_calls):
    calls = []

    def counted(x):
        calls.append(1)
        return np.sum(np.sin(x) * x)

    g = sg.grad(counted, verify=True)
    x = np.array([0.3, -0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g(x)
    assert len(calls) == 2 and g.entry_source is None      # verified: the generated code and the tape
    g(x)
    assert g.entry_source is not None and len(calls) == 3
    before = count(general_calls, g)
    np.testing.assert_allclose(g(x), np.cos(x) * x + np.sin(x))
    assert len(calls) == 4 and count(general_calls, g) == before


def test_verify_after_calls_that_failed():
    """Calls that raise before the gradient was verified write no entry: the first call that returns verifies."""
    fast, slow = twins(root, verify=True)
    for _ in range(3):
        call_both(fast, slow, -1.0)                       # math domain error, from the generated code
    assert fast._last_generated.verdict is None and fast.entry_source is None
    call_both(fast, slow, 4.0)
    assert fast._last_generated.verdict is True


def test_verify_from_the_environment(monkeypatch):
    monkeypatch.setenv("SOURCEGRAD_VERIFY", "1")
    fast, slow = twins(poly, verify=None)
    assert fast.verify and slow.verify
    for _ in range(3):
        call_both(fast, slow, 1.5)
    assert fast.entry_source is not None


def test_a_rejected_gradient_never_reaches_the_entry(monkeypatch, general_calls):
    real = api.build_gradient

    def build(func, wrt, kinds=None, seeded=False):   # as test_verify's broken_transformer: every gradient doubled
        generated = real(func, wrt, kinds, seeded)
        correct = generated.function
        generated.function = lambda *args: (lambda v, g: (v, g * 2.0))(*correct(*args))
        return generated

    monkeypatch.setattr(api, "build_gradient", build)
    api._GENERATED.clear()
    try:
        g = sg.grad(square_sum, verify=True)
        x = np.array([1.0, 2.0])
        with pytest.warns(sg.VerificationWarning):
            np.testing.assert_array_equal(g(x), 2 * x + 3)
        for _ in range(3):
            np.testing.assert_array_equal(g(x), 2 * x + 3)
        assert g.mode == "tape" and g.entry_source is None
    finally:
        api._GENERATED.clear()


# ---------------------------------------------------------------- the object stays what it was


def test_the_object_keeps_its_attributes():
    g = sg.grad(poly)
    warm(g, 1.5)
    assert isinstance(g, GradientFunction) and type(g).__name__ == "GradientFunction"
    assert g.__wrapped__ is poly and g.__name__ == "poly" and g.__doc__ == poly.__doc__
    assert repr(g) == "<sourcegrad.grad of poly wrt x>"
    assert g.mode == "source" and g.fallback_reason is None and "def dpoly_dx" in g.source
    assert g.adjoint_function(1.5)[1] == g(1.5)
    assert g.wrt == ("x",) and g.with_value is False
    other = sg.grad(poly)
    assert type(other) is GradientFunction            # one class of its own per object that has an entry
    filename = g.__call__.__code__.co_filename
    assert linecache.getlines(filename) == g.entry_source.splitlines(True)


def test_with_value_changed_afterwards():
    g = sg.grad(poly)
    warm(g, 1.5)
    g.with_value = True
    value, grad = g(1.5)
    assert value == poly(1.5) and grad == sg.grad(poly)(1.5)
    g(1.5)
    assert g(1.5) == (value, grad)


def test_higher_order_through_an_entry():
    inner = sg.grad(poly)
    second = sg.grad(inner)
    x = 1.5
    assert second(x) == pytest.approx(36 * x ** 2 - 12 * x + 2)
    assert second(x) == pytest.approx(36 * x ** 2 - 12 * x + 2)
    assert second.mode == "source"              # the generated gradient of poly, transformed again
    warm(inner, x)
    assert inner(x) == sg.grad(poly)(x)


def test_higher_order_after_plain_calls():
    inner = sg.grad(poly)
    inner(1.5)
    assert sg.grad(inner)(1.5) == pytest.approx(36 * 1.5 ** 2 - 12 * 1.5 + 2)


def test_vjp_is_unchanged():
    value, vjp_fn = sg.vjp(square_sum, W)
    np.testing.assert_allclose(vjp_fn(2.0), 2.0 * (2 * W + 3))
    np.testing.assert_allclose(vjp_fn(0.5), 0.5 * (2 * W + 3))


def test_the_module_docstring_shows_the_entry_as_written():
    from sourcegrad import entry

    g = sg.grad(poly)
    warm(g, 1.5)
    shown = entry.__doc__[entry.__doc__.index("    def __call__"):]
    assert textwrap.dedent(shown).strip() == g.entry_source.strip()


def test_array_tests_are_the_kinds():
    """The entry's test of an array's kind is true exactly when ``kind_of`` gives that kind."""
    from sourcegrad import entry, kinds

    shapes = [(), (0,), (1,), (2,), (1, 1), (1, 3), (3, 1), (2, 3), (0, 1), (1, 2, 1), (2, 1, 3), (4, 5, 6)]
    values = [np.zeros(s) for s in shapes] + [np.zeros((2, 3), dtype=np.int64), np.asmatrix(np.zeros((1, 3))),
                                              1.5, 2, [1.0, 2.0], None, "x"]
    for pattern in {kinds.kind_of(np.zeros(s))[1] for s in shapes}:
        kind = ("array", pattern)
        mine = eval(f"lambda x: {entry._array_test(pattern, 'x')}", {"ndarray": np.ndarray})
        for value in values:
            assert mine(value) == (kinds.kind_of(value) == kind), (pattern, value)
