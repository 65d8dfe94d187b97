"""The rule table through both engines, against central finite differences.

Every case of ``tests/cases/rule_cases`` runs through the source transformer and the tape, in float64
(tight tolerance) and, where it differentiates an array, float32 (loose tolerance, float32
gradients). Known gaps of an engine are strict xfails with the reason, so they show up the day they
are fixed. Then: integer inputs, a few exact values (ties, zeros, repeated indices), and coverage:
every built-in rule has a case, and each case really calls the primitives it says it covers, in the
normalised source and on the tape.
"""

import functools
import math
import types

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import registry
from sourcegrad import tape
from sourcegrad.runtime.helpers import appended
from sourcegrad.tape import Tensor
from sourcegrad.tape.namespace import TAPED_NUMPY
from sourcegrad.transforms.ir import Assign
from sourcegrad.transforms.normalize import normalize
from tests.cases.rule_cases import CASES, core, elementwise, linalg, methods, reductions, shapes
from tests.helpers import numeric_grad, recorded_primitives

# ---------------------------------------------------------------- known engine gaps

XFAIL = {  # (engine, case function): (the error it must raise, why); none left since issue 10
}

# The tape sees what NumPy and Python operators hand to a Tensor; math.sin(x) and float(x) convert x
# to a float first, and max(x, y) only compares. So on the tape, the cases of those rules run with
# the names routed through tape.apply, which records the call under the rule registered for that
# primitive (as sg.primitive does for a user's own function).
_TAPED_MATH = types.SimpleNamespace(**{name: functools.partial(tape.apply, f) if callable(f) else f
                                       for name, f in vars(math).items() if not name.startswith("_")})


def on_tape(case):
    """``case.fn``, with the math functions and builtins it covers recorded through their rules, and ``np``
    as ``sg.grad`` runs it on the tape (``np.array``, ``np.zeros``... Tensor-aware: tape/namespace.py)."""
    routed = {"np": TAPED_NUMPY}
    for primitive in case.covers:
        if getattr(primitive, "__module__", None) == "math":
            routed["math"] = _TAPED_MATH
        elif primitive in (float, max, min):
            routed[primitive.__name__] = functools.partial(tape.apply, primitive)
    fn = case.fn
    if not routed:
        return fn
    return types.FunctionType(fn.__code__, {**fn.__globals__, **routed}, fn.__name__, fn.__defaults__, fn.__closure__)


# ---------------------------------------------------------------- every case, both engines, two dtypes


def _float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    return value


DTYPES = {  # dtype: (convert the arguments, rtol and atol relative to the gradient's size)
    "float64": (lambda args: args, 1e-6),
    "float32": (lambda args: tuple(_float32(a) for a in args), 2e-3),
}


def _float32_cases():
    """Cases that differentiate an array, once per function and arguments: float32 checks dtypes,
    not which operand is differentiated, so of the variants ``op_add[2x3,3]wrt0/wrt1/wrt01`` only
    the one that differentiates the most runs in float32."""
    widest = {}
    for case in CASES:
        if any(isinstance(case.args[i], np.ndarray) for i in case.wrt):
            key = (case.fn, tuple(map(id, case.args)))
            if key not in widest or len(case.wrt) > len(widest[key].wrt):
                widest[key] = case
    return {case.name for case in widest.values()}


def _generated_only(case):
    """The runtime helpers' cases: only generated adjoint code calls those helpers, and only source mode
    differentiates it (the tape runs a helper's own code, which is not written for Tensors)."""
    return case.fn.__module__.endswith("adjoint_helpers")


def _params():
    float32 = _float32_cases()
    params = []
    for mode in ("source", "tape"):
        for dtype in DTYPES:
            for case in CASES:
                if dtype == "float32" and case.name not in float32 or mode == "tape" and _generated_only(case):
                    continue
                gap = XFAIL.get((mode, case.fn.__name__))
                marks = [pytest.mark.xfail(strict=True, raises=gap[0], reason=gap[1])] if gap else []
                params.append(pytest.param(mode, dtype, case, id=f"{mode}-{dtype}-{case.name}", marks=marks))
    return params


_BY_NAME = {case.name: case for case in CASES}


@functools.lru_cache(maxsize=None)
def _expected(name):
    case = _BY_NAME[name]
    return tuple(numeric_grad(case.fn, case.args, i) for i in case.wrt)


@pytest.mark.parametrize("mode,dtype,case", _params())
def test_rule_case(mode, dtype, case):
    convert, tolerance = DTYPES[dtype]
    args = convert(case.args)
    fn = on_tape(case) if mode == "tape" else case.fn
    wrt = case.wrt[0] if len(case.wrt) == 1 else case.wrt
    value, grads = sg.value_and_grad(fn, wrt=wrt, mode=mode)(*args)
    np.testing.assert_allclose(value, case.fn(*args), rtol=1e-12, err_msg=f"{mode} value of {case.name}")
    grads = (grads,) if len(case.wrt) == 1 else grads
    assert isinstance(grads, tuple) and len(grads) == len(case.wrt)
    for position, grad, expected in zip(case.wrt, grads, _expected(case.name)):
        arg = args[position]
        if isinstance(arg, np.ndarray):
            assert isinstance(grad, np.ndarray), f"gradient of argument {position} is {type(grad).__name__}"
            assert grad.shape == arg.shape and grad.dtype == dtype
        else:
            assert isinstance(grad, float), f"gradient of the number argument {position} is {type(grad).__name__}"
        scale = max(1.0, float(np.max(np.abs(expected))) if np.size(expected) else 1.0)
        np.testing.assert_allclose(grad, expected, rtol=tolerance, atol=tolerance * scale,
                                   err_msg=f"{mode} gradient of argument {position} of {case.name}")


# ---------------------------------------------------------------- integer inputs

_c23 = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.5]])
INT_CASES = [
    (elementwise.sin, (np.arange(6).reshape(2, 3), _c23)),
    (reductions.sum_axis, (np.arange(6).reshape(2, 3), np.array([0.5, -1.0]), -1)),
    (reductions.prod_axis, (np.arange(6).reshape(2, 3), np.array([0.5, -1.0, 2.0]), 0)),
    (reductions.cumsum_axis, (np.arange(6).reshape(2, 3), _c23, 1)),
    (reductions.norm_plain, (np.arange(1, 5),)),
    (linalg.matmul, (np.arange(6).reshape(2, 3), np.ones((3, 2)), np.eye(2))),
    (shapes.sort, (np.array([3, -1, 2]), np.array([0.5, 1.0, -2.0]), -1)),
    (shapes.reshape, (np.arange(12).reshape(2, 6), np.arange(12.0).reshape(3, 4))),
    (shapes.concatenate, (np.arange(3), np.arange(2), np.arange(8.0), 0)),
    (methods.method_var_std, (np.arange(12).reshape(3, 4) ** 2, np.arange(4.0))),
]


@pytest.mark.parametrize("mode", ["source", "tape"])
@pytest.mark.parametrize("fn,args", INT_CASES, ids=[c[0].__name__ for c in INT_CASES])
def test_integer_inputs_are_promoted(mode, fn, args):
    grad = sg.grad(fn, wrt=0, mode=mode)(*args)
    assert grad.dtype == np.float64 and grad.shape == args[0].shape
    as_float = (args[0].astype(np.float64),) + args[1:]
    np.testing.assert_allclose(grad, numeric_grad(fn, as_float, 0), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- exact values


@pytest.mark.parametrize("mode", ["source", "tape"])
@pytest.mark.parametrize("axis", [None, -1, (0, -1), (-2,)])
def test_max_ties_split_equally(mode, axis):
    x = np.array([[1.0, 1.0, 1.0, 0.0], [0.5, 2.0, 0.5, 2.0]])
    c = np.ones(np.shape(np.max(x, axis=axis)))
    grad = sg.grad(reductions.max_axis, mode=mode)(x, float(c) if c.ndim == 0 else c, axis)
    hit = x == np.max(x, axis=axis, keepdims=True)
    np.testing.assert_allclose(grad, hit / np.sum(hit, axis=axis, keepdims=True))


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_prod_with_zeros_is_exact(mode):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [1.0, 2.0, 4.0]])
    grad = sg.grad(reductions.prod_axis, mode=mode)(x, np.ones(3), 1)
    np.testing.assert_array_equal(grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_repeated_indices_accumulate(mode):
    x = np.arange(5.0)
    grad = sg.grad(core.getitem_repeated, mode=mode)(x, np.ones(4))
    np.testing.assert_array_equal(grad, [3.0, 0.0, 1.0, 0.0, 0.0])
    grad = sg.grad(shapes.take, mode=mode)(x, np.ones(4), [1, 1, -1, 4], None)
    np.testing.assert_array_equal(grad, [0.0, 2.0, 0.0, 0.0, 2.0])


def test_nondifferentiable_functions_are_declared():
    for fn in [np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.sign, np.argmax, np.argmin,
               np.argsort, np.greater, np.equal, np.isnan, np.nonzero, np.ndarray.argmax]:
        assert registry.is_nondifferentiable(fn) and registry.lookup_vjp(fn) is None, fn


# ---------------------------------------------------------------- coverage


def test_every_builtin_rule_has_a_case():
    """Rules that users or other tests register are not built-in and are left out."""
    covered = {p for case in CASES for p in case.covers}
    missing = [registry.primitive_name(p) for p, rule in registry.VJP_RULES.items()
               if rule.fn.__module__.startswith("sourcegrad.rules.") and p not in covered]
    assert not missing, f"built-in rules without a case in tests/cases/rule_cases: {sorted(missing)}"


def test_cases_call_what_they_cover_in_source():
    """The normalised source of each case calls the primitives it covers."""
    wrong, checked = {}, set()
    for case in CASES:
        if (case.fn, case.covers) in checked:
            continue
        checked.add((case.fn, case.covers))
        names = case.fn.__code__.co_varnames[:case.fn.__code__.co_argcount]
        program = normalize(case.fn, [names[i] for i in case.wrt])
        called = {stmt.prim for stmt in program.body if isinstance(stmt, Assign)}
        if not set(case.covers) <= called:
            wrong[case.name] = [registry.primitive_name(p) for p in set(case.covers) - called]
    assert not wrong


# Primitives source mode writes that the tape runs as the plain Python they are (appended builds a list of
# Tensors, whose items the tape follows one by one).
RUN_THROUGH = {appended}


def test_cases_call_what_they_cover_on_the_tape():
    """Each case records the rules of the primitives it covers, and each covered primitive is recorded
    under its own key somewhere (``ndarray + Tensor`` is sent to np.add, ``Tensor + x`` to operator.add)."""
    wrong, recorded, blind = {}, set(), set()
    for case in CASES:
        if ("tape", case.fn.__name__) in XFAIL or _generated_only(case):
            blind.update(case.covers)
            continue
        args = [Tensor(a, requires_grad=True) if i in case.wrt else a for i, a in enumerate(case.args)]
        saved, tape.mode._mode.functional = tape.mode._mode.functional, True   # as in sg.grad: .item() records
        try:
            primitives = recorded_primitives(on_tape(case)(*args))
        finally:
            tape.mode._mode.functional = saved
        rules = {registry.VJP_RULES[p].fn for p in primitives if p in registry.VJP_RULES}
        missing = [registry.primitive_name(p) for p in case.covers if registry.VJP_RULES[p].fn not in rules
                   and p not in RUN_THROUGH]
        if missing:
            wrong[case.name] = missing
        recorded |= primitives
    assert not wrong
    not_recorded = {p for case in CASES for p in case.covers} - recorded - blind - RUN_THROUGH
    assert not not_recorded, sorted(registry.primitive_name(p) for p in not_recorded)
