"""Behaviours of the tape that mutation testing (``python -m tests.mutation``) found unchecked.

Each test pins down one behaviour of the package sourcegrad/tape/ that a small change of its code
(a mutant) altered without any other test failing."""

import importlib
import math
import sys
import textwrap

import numpy as np
import pytest

from sourcegrad.rules import registry
from sourcegrad.tape import (
    InPlaceError,
    RuleBypassError,
    Tensor,
    apply,
    no_grad,
    tensor,
    value_and_grad_tape,
)
from tests.helpers import numeric_grad

RTOL, ATOL = 1e-6, 1e-8


@pytest.mark.parametrize("nested", [lambda x: [[x, x]], lambda x: [[[x]]]], ids=["two levels", "three levels"])
def test_tensor_that_requires_grad_nested_deeper_than_one_list_raises(nested):
    x = tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="inside a nested list"):
        apply(np.stack, nested(x))


def test_in_place_update_of_a_view_of_a_leaf_raises():
    x = tensor(np.arange(3.0), requires_grad=True)
    v = x[1:]  # shares the leaf's array: an update of v alone would leave x behind
    with pytest.raises(InPlaceError, match="shared with other arrays"):
        v += 1.0


def test_ceil_of_a_tensor_is_a_plain_int():
    c = math.ceil(tensor(1.25, requires_grad=True))
    assert c == 2 and type(c) is int


def test_greater_equal_with_a_number_on_the_right():
    x = tensor(np.array([0.5, 1.0, 2.0]), requires_grad=True)
    assert (tensor(2.0, requires_grad=True) >= 1.0) == True  # noqa: E712 (a NumPy bool or a bool)
    np.testing.assert_array_equal(x >= 1.0, [False, True, True])
    assert not isinstance(x >= 1.0, Tensor)


def test_storing_a_graph_tensor_into_a_plain_tensor_under_no_grad_leaves_it_updatable():
    x = tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 2.0
    buf = tensor(np.zeros(3))
    with no_grad():
        buf[:] = y  # copies y's values: y's array is not handed out
    np.testing.assert_array_equal(buf.value, [2.0, 4.0, 6.0])
    y += 1.0  # so y may still be updated in place, recorded
    (y ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, 4.0 * (2.0 * x.value + 1.0))


# ---------------------------------------------------------------- out=

A = np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4], [2.2, -0.9, 0.1], [-1.1, 0.6, 1.3]])


def _std_loss(a):
    return np.sum(np.std(a, 0, ddof=1) ** 2)


def test_out_by_position_with_positional_arguments_after_it():
    x = tensor(A, requires_grad=True)
    out = tensor(np.zeros(3)) * 1.0
    np.std(x, 0, None, out, 1)  # np.std(a, axis, dtype, out, ddof)
    np.testing.assert_allclose(out.value, np.std(A, 0, ddof=1))
    np.sum(out ** 2).backward()
    np.testing.assert_allclose(x.grad, numeric_grad(_std_loss, (A,), 0), rtol=RTOL, atol=ATOL)


def test_out_by_position_with_keyword_arguments():
    x = tensor(A, requires_grad=True)
    out = tensor(np.zeros(3)) * 1.0
    np.std(x, 0, None, out, ddof=1)
    np.testing.assert_allclose(out.value, np.std(A, 0, ddof=1))
    np.sum(out ** 2).backward()
    np.testing.assert_allclose(x.grad, numeric_grad(_std_loss, (A,), 0), rtol=RTOL, atol=ATOL)


def test_reduction_to_a_scalar_into_a_0d_tensor_is_the_update_t_equals_result():
    x = tensor(A, requires_grad=True)
    t = np.copy(x[0, 0, ...])  # a 0-d array of the graph
    assert np.sum(x, out=t) is t
    assert t.grad_fn == "np.sum" and type(t.value) is np.ndarray and t.value.shape == ()
    np.testing.assert_allclose(t.value, A.sum())
    (t ** 2).backward()
    np.testing.assert_allclose(x.grad, numeric_grad(lambda a: np.sum(a) ** 2, (A,), 0), rtol=RTOL, atol=ATOL)


def test_views_of_a_plain_tensor_written_with_out_are_updated_through():
    x = tensor(A, requires_grad=True)
    t = tensor(np.zeros(3)) * 1.0  # a fresh array without gradient
    np.sum(x, axis=0, out=t)       # now a Tensor of the graph whose array only the graph holds
    v = t[1:]
    v *= 2.0                       # written through to t
    np.testing.assert_allclose(t.value, A.sum(0) * [1.0, 2.0, 2.0])

    def loss(a):
        s = a.sum(0) * [1.0, 2.0, 2.0]
        return np.sum(s ** 2)

    np.sum(t ** 2).backward()
    np.testing.assert_allclose(x.grad, numeric_grad(loss, (A,), 0), rtol=RTOL, atol=ATOL)


def test_out_that_the_result_does_not_broadcast_into_raises():
    x = tensor(A, requires_grad=True)
    out = tensor(np.zeros(2)) * 1.0
    with pytest.raises(InPlaceError, match=r"would convert the result \(shape \(3,\)"):
        np.sum(x, axis=0, out=out)


# ---------------------------------------------------------------- gradients of leaves


@pytest.mark.parametrize("scalar_type", [np.float64, np.float32])
def test_leaf_holding_a_numpy_scalar_gets_a_numpy_scalar_gradient(scalar_type):
    x = tensor(scalar_type(1.5), requires_grad=True)
    (x ** 2).backward()
    assert type(x.grad) is scalar_type and x.grad == 3.0


# ---------------------------------------------------------------- rules registered for Python functions
#
# A straight-through rule for rounding (its derivative taken as 1, where np.round's is 0): the gradient
# shows whether a call went through the rule or through the function's own code.

_RULES_MODULE = """
import numpy as np

def ste_round(v):
    return np.round(v)

def round_pair(parts):
    return np.round(parts[0]) + np.round(parts[1])

def uses(x):
    return np.sum(ste_round(x) * x)

def uses_on_a_number_too(x):
    return np.sum(ste_round(x) * x) * ste_round(1.6)

def through_default(x, r=ste_round, scale=1.0):
    return np.sum(r(x) * x) * scale

def through_keyword_default(x, *, r=ste_round, scale=1.0):
    return np.sum(r(x) * x) * scale

def make_closure():
    r, scale = ste_round, 1.0

    def closure(x):
        return np.sum(r(x) * x) * scale

    return closure

def with_activation(x, act):
    return np.sum(act(x) * x)

TABLE = {"round": ste_round, "pair": round_pair}

def hidden(x):
    return np.sum(TABLE["round"](x) * x)

def hidden_with_a_list(x):
    return np.sum(TABLE["pair"]([x, x]))
"""

_IMPORTING_MODULE = """
import numpy as np
from {rules} import ste_round

def uses(x):
    return np.sum(ste_round(x) * x)
"""

XS = np.array([0.3, 1.6, -2.4])
STE_GRAD = np.round(XS) + XS  # d/dx sum(round(x) * x) with round's derivative taken as 1


@pytest.fixture
def ste(tmp_path, monkeypatch):
    """The module above with the straight-through rule registered for ``ste_round`` (and a rule for
    ``round_pair``), and a second module that imports ``ste_round`` from it; all removed after."""
    name = f"sg_mutants_rules_{tmp_path.name}"
    (tmp_path / f"{name}.py").write_text(_RULES_MODULE)
    (tmp_path / f"{name}_user.py").write_text(_IMPORTING_MODULE.format(rules=name))
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module(name)
    mod.user = importlib.import_module(f"{name}_user")
    registry.vjp_rule(mod.ste_round, elementwise=True)(lambda g, ans, v: g)
    registry.vjp_rule(mod.round_pair)(lambda g, ans, parts: [g, g])
    try:
        yield mod
    finally:
        for fn in (mod.ste_round, mod.round_pair):
            registry.VJP_RULES.pop(fn, None)
            registry.ELEMENTWISE.discard(fn)
            registry.PYTHON_FUNCTIONS.discard(fn)
        registry.VERSION[0] += 1
        sys.modules.pop(name, None)
        sys.modules.pop(f"{name}_user", None)


def _grad(f, *args, **kwargs):
    return value_and_grad_tape(f, args, kwargs, (0,))


def test_python_function_with_a_rule_is_recorded_through_its_rule_via_a_module_global(ste):
    value, (grad,) = _grad(ste.uses, XS)
    assert value == pytest.approx(np.sum(np.round(XS) * XS))
    np.testing.assert_allclose(grad, STE_GRAD)


def test_python_function_with_a_rule_called_on_plain_values_during_a_run_returns_its_value(ste):
    value, (grad,) = _grad(ste.uses_on_a_number_too, XS)
    assert value == pytest.approx(np.sum(np.round(XS) * XS) * 2.0)
    np.testing.assert_allclose(grad, 2.0 * STE_GRAD)


def test_module_globals_are_the_users_functions_again_after_a_run(ste):
    original = ste.ste_round
    _grad(ste.uses, XS)
    _grad(ste.user.uses, XS)
    assert ste.ste_round is original and ste.user.ste_round is original
    np.testing.assert_allclose(_grad(ste.uses, XS)[1][0], STE_GRAD)  # and a second run still redirects


def test_python_function_with_a_rule_imported_into_a_module_the_run_reaches(ste):
    np.testing.assert_allclose(_grad(ste.user.uses, XS)[1][0], STE_GRAD)
    # only reached during the run, through a function of another module (this one)
    np.testing.assert_allclose(_grad(lambda x: ste.user.uses(x), XS)[1][0], STE_GRAD)


def test_python_function_with_a_rule_as_a_default_argument(ste):
    np.testing.assert_allclose(_grad(ste.through_default, XS)[1][0], STE_GRAD)
    np.testing.assert_allclose(_grad(ste.through_keyword_default, XS)[1][0], STE_GRAD)
    assert ste.through_default.__defaults__ == (ste.ste_round, 1.0)
    assert ste.through_keyword_default.__kwdefaults__ == {"r": ste.ste_round, "scale": 1.0}


def test_python_function_with_a_rule_in_a_closure(ste):
    closure = ste.make_closure()
    np.testing.assert_allclose(_grad(closure, XS)[1][0], STE_GRAD)
    assert [c.cell_contents for c in closure.__closure__] == [ste.ste_round, 1.0]


@pytest.mark.parametrize("by_keyword", [False, True], ids=["by position", "by keyword"])
def test_python_function_with_a_rule_passed_as_an_argument(ste, by_keyword):
    if by_keyword:
        value, (grad,) = _grad(ste.with_activation, XS, act=ste.ste_round)
    else:
        value, (grad,) = _grad(ste.with_activation, XS, ste.ste_round)
    np.testing.assert_allclose(grad, STE_GRAD)


def test_python_function_with_a_rule_is_redirected_under_a_profiler(ste):
    calls = []
    sys.setprofile(lambda frame, event, arg: calls.append(event))  # the tape must not displace it
    try:
        grad = _grad(ste.user.uses, XS)[1][0]
    finally:
        sys.setprofile(None)
    assert calls
    np.testing.assert_allclose(grad, STE_GRAD)


def test_python_function_with_a_rule_reached_through_a_container_raises(ste):
    with pytest.raises(RuleBypassError, match="ste_round has a derivative rule"):
        _grad(ste.hidden, XS)


def test_python_function_with_a_rule_given_tensors_inside_a_list_through_a_container_raises(ste):
    with pytest.raises(RuleBypassError, match="round_pair has a derivative rule"):
        _grad(ste.hidden_with_a_list, XS)


def test_tape_run_without_any_rule_for_a_python_function(monkeypatch):
    monkeypatch.setattr(registry, "PYTHON_FUNCTIONS", set())
    value, (grad,) = _grad(lambda x: np.sum(np.sin(x)), XS)
    np.testing.assert_allclose(grad, np.cos(XS))


# ---------------------------------------------------------------- more of the seed-9 sample


@pytest.mark.filterwarnings("ignore:the rule for the Python function")  # apply() is called explicitly
def test_result_sharing_memory_with_an_item_of_a_list_argument_is_not_updated_alone():
    def head(parts):
        return parts[0][:2]  # a view of the first item

    registry.vjp_rule(head)(lambda g, ans, parts: [np.concatenate([g, np.zeros(1)])])
    try:
        y = tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True) * 1.0
        h = apply(head, [y])
        with pytest.raises(InPlaceError, match="shared with other arrays"):
            h += 1.0  # NumPy would change y too
    finally:
        registry.VJP_RULES.pop(head, None)
        registry.PYTHON_FUNCTIONS.discard(head)
        registry.VERSION[0] += 1


def test_sort_method_of_a_tensor_of_the_graph_is_recorded():
    a = np.array([0.4, -1.3, 2.2, 0.9])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    x = tensor(a, requires_grad=True)
    y = x * 1.0
    y.sort()
    np.testing.assert_allclose(y.value, np.sort(a))
    np.sum(y * w).backward()
    np.testing.assert_allclose(x.grad, numeric_grad(lambda v: np.sum(np.sort(v) * w), (a,), 0), rtol=RTOL, atol=ATOL)


def test_fill_method_of_a_tensor_without_gradient_is_numpys_fill():
    t = tensor(np.array([1.0, 2.0, 3.0]))
    t.fill(5.0)
    np.testing.assert_array_equal(t.value, [5.0, 5.0, 5.0])
    with pytest.raises(ValueError, match="sequence"):  # as np.ndarray.fill: a scalar only
        t.fill(np.array([6.0, 7.0, 8.0]))


def test_leaf_made_from_a_fraction_holds_a_float():
    from fractions import Fraction

    assert type(tensor(Fraction(1, 4)).value) is Fraction  # no gradient: kept as it is
    x = tensor(Fraction(1, 4), requires_grad=True)
    assert type(x.value) is float and x.value == 0.25
    (x * x).backward()
    assert x.grad == 0.5


def test_out_keeps_the_memory_layout_of_the_tensor_written_into():
    a = np.arange(6.0).reshape(2, 3)
    x = tensor(a, requires_grad=True)
    t = tensor(np.zeros((2, 3), order="F")) * 1.0  # Fortran order, no gradient
    np.multiply(x, 2.0, out=t)
    r = t.reshape(6)  # NumPy copies here (t is not C-contiguous): r does not see later updates of t
    t += 1.0
    np.testing.assert_array_equal(r.value, (2.0 * a).reshape(6))
    np.testing.assert_array_equal(t.value, 2.0 * a + 1.0)


def test_a_run_leaves_arrays_in_the_callers_list_next_to_a_list_that_contains_itself():
    log, cycle = [], []
    cycle.append(cycle)

    def f(x, log, cycle):
        y = np.sin(x)
        log.append(y)
        return np.sum(y)

    value, (grad,) = value_and_grad_tape(f, (XS, log, cycle), {}, (0,))
    np.testing.assert_allclose(grad, np.cos(XS))
    assert type(log[0]) is np.ndarray and cycle[0] is cycle
    np.testing.assert_allclose(log[0], np.sin(XS))


def test_out_parameter_of_an_unhashable_callable_is_looked_up_without_the_cache():
    from sourcegrad.runtime.helpers import out_parameter

    class Unhashable:
        __hash__ = None

        def __call__(self, a, out=None):
            return a

    assert out_parameter(Unhashable()) == (None, ())
