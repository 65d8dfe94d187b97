"""The NumPy rule table (issue 5) through both engines, against central finite differences.

Every case of ``tests/cases/numpy_cases.py`` runs through the source transformer and the tape, in
float64 (tight tolerance) and float32 (loose tolerance, float32 gradients). Known gaps of an engine
are strict xfails with the reason, so they show up the day they are fixed.
"""

import functools

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import registry
from sourcegrad.transforms.ir import Assign
from sourcegrad.transforms.normalize import normalize
from tests.cases import numpy_cases
from tests.cases.numpy_cases import CASES
from tests.helpers import numeric_grad

# ---------------------------------------------------------------- known engine gaps

TAPE_XFAIL = {
    "array_of_scalars": ("tape: np.array([a, b]) of Tensors is not dispatched to the Tensor (np.array has no "
                         "__array_function__ hook), so it converts them: GradientLostError"),
    "array_of_arrays": ("tape: np.array([a, b]) of Tensors is not dispatched to the Tensor (np.array has no "
                        "__array_function__ hook), so it converts them: GradientLostError"),
    "asarray": ("tape: np.asarray(tensor) is not dispatched to the Tensor (no __array_function__ hook); it "
                "raises GradientLostError by design"),
    "full": ("tape: np.full(shape, tensor) is not dispatched to the Tensor (no __array_function__ hook); it "
             "copies the fill value into a new array: GradientLostError"),
}
SOURCE_XFAIL = {}


def _params(xfails):
    params = []
    for case in CASES:
        reason = xfails.get(case.fn.__name__)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


# ---------------------------------------------------------------- checking


@functools.lru_cache(maxsize=None)
def _expected(name):
    case = _BY_NAME[name]
    return tuple(numeric_grad(case.fn, case.args, i) for i in case.wrt)


_BY_NAME = {case.name: case for case in CASES}


def _check(case, mode, args, rtol, atol_scale, dtype):
    if len(case.wrt) == 1:
        grads = (sg.grad(case.fn, wrt=case.wrt[0], mode=mode)(*args),)
    else:
        grads = sg.grad(case.fn, wrt=case.wrt, mode=mode)(*args)
    assert isinstance(grads, tuple) and len(grads) == len(case.wrt)
    for position, grad, expected in zip(case.wrt, grads, _expected(case.name)):
        arg = args[position]
        if isinstance(arg, np.ndarray):
            assert isinstance(grad, np.ndarray), f"gradient of argument {position} is {type(grad).__name__}"
            assert grad.shape == arg.shape
            assert grad.dtype == dtype
        else:
            assert isinstance(grad, float), f"gradient of the number argument {position} is {type(grad).__name__}"
        scale = max(1.0, float(np.max(np.abs(expected))) if np.size(expected) else 1.0)
        np.testing.assert_allclose(grad, expected, rtol=rtol, atol=atol_scale * scale,
                                   err_msg=f"{mode} gradient of argument {position} of {case.name}")


@pytest.mark.parametrize("case", _params(SOURCE_XFAIL))
def test_source_float64(case):
    _check(case, "source", case.args, 1e-6, 1e-6, np.float64)


@pytest.mark.parametrize("case", _params(TAPE_XFAIL))
def test_tape_float64(case):
    _check(case, "tape", case.args, 1e-6, 1e-6, np.float64)


def _float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    return value


_F32_CASES = [c for c in CASES if any(isinstance(c.args[i], np.ndarray) for i in c.wrt)]


def _f32_params(xfails):
    return [p for p in _params(xfails) if p.values[0] in _F32_CASES]


@pytest.mark.parametrize("case", _f32_params(SOURCE_XFAIL))
def test_source_float32(case):
    _check(case, "source", tuple(_float32(a) for a in case.args), 2e-3, 2e-3, np.float32)


@pytest.mark.parametrize("case", _f32_params(TAPE_XFAIL))
def test_tape_float32(case):
    _check(case, "tape", tuple(_float32(a) for a in case.args), 2e-3, 2e-3, np.float32)


# ---------------------------------------------------------------- integer inputs

_c23 = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.5]])
INT_CASES = [
    ("sin", numpy_cases.sin, (np.arange(6).reshape(2, 3), _c23)),
    ("sum_axis", numpy_cases.sum_axis, (np.arange(6).reshape(2, 3), np.array([0.5, -1.0]), -1)),
    ("prod_axis", numpy_cases.prod_axis, (np.arange(6).reshape(2, 3), np.array([0.5, -1.0, 2.0]), 0)),
    ("cumsum_axis", numpy_cases.cumsum_axis, (np.arange(6).reshape(2, 3), _c23, 1)),
    ("norm_plain", numpy_cases.norm_plain, (np.arange(1, 5),)),
    ("matmul", numpy_cases.matmul, (np.arange(6).reshape(2, 3), np.ones((3, 2)), np.eye(2))),
    ("sort", numpy_cases.sort, (np.array([3, -1, 2]), np.array([0.5, 1.0, -2.0]), -1)),
    ("reshape", numpy_cases.reshape, (np.arange(12).reshape(2, 6), np.arange(12.0).reshape(3, 4))),
    ("concatenate", numpy_cases.concatenate, (np.arange(3), np.arange(2), np.arange(8.0), 0)),
    ("method_var_std", numpy_cases.method_var_std, (np.arange(12).reshape(3, 4) ** 2, np.arange(4.0))),
]


@pytest.mark.parametrize("mode", ["source", "tape"])
@pytest.mark.parametrize("name,fn,args", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_integer_inputs_are_promoted(mode, name, fn, args):
    if mode == "tape" and fn.__name__ in TAPE_XFAIL:
        pytest.xfail(TAPE_XFAIL[fn.__name__])
    grad = sg.grad(fn, wrt=0, mode=mode)(*args)
    assert grad.dtype == np.float64 and grad.shape == args[0].shape
    as_float = (args[0].astype(np.float64),) + args[1:]
    np.testing.assert_allclose(grad, numeric_grad(fn, as_float, 0), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- specific semantics


@pytest.mark.parametrize("mode", ["source", "tape"])
@pytest.mark.parametrize("axis", [None, -1, (0, -1), (-2,)])
def test_max_ties_split_equally(mode, axis):
    x = np.array([[1.0, 1.0, 1.0, 0.0], [0.5, 2.0, 0.5, 2.0]])
    grad = sg.grad(numpy_cases.max_axis, mode=mode)(x, 1.0 if np.ndim(np.max(x, axis=axis)) == 0 else
                                                    np.ones(np.shape(np.max(x, axis=axis))), axis)
    hit = x == np.max(x, axis=axis, keepdims=True)
    np.testing.assert_allclose(grad, hit / np.sum(hit, axis=axis, keepdims=True))


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_prod_with_zeros_is_exact(mode):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [1.0, 2.0, 4.0]])
    grad = sg.grad(numpy_cases.prod_axis, mode=mode)(x, np.ones(3), 1)
    np.testing.assert_array_equal(grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_repeated_indices_accumulate(mode):
    x = np.arange(5.0)
    grad = sg.grad(numpy_cases.getitem_repeated, mode=mode)(x, np.ones(4))
    np.testing.assert_array_equal(grad, [3.0, 0.0, 1.0, 0.0, 0.0])
    grad = sg.grad(numpy_cases.take, mode=mode)(x, np.ones(4), [1, 1, -1, 4], None)
    np.testing.assert_array_equal(grad, [0.0, 2.0, 0.0, 0.0, 2.0])


def test_nondifferentiable_functions_are_declared():
    for fn in [np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.sign, np.argmax, np.argmin,
               np.argsort, np.greater, np.equal, np.isnan, np.nonzero, np.ndarray.argmax]:
        assert registry.is_nondifferentiable(fn) and registry.lookup_vjp(fn) is None, fn


# ---------------------------------------------------------------- coverage


def _is_numpy_primitive(primitive):
    rule = registry.VJP_RULES[primitive]
    return (registry.primitive_name(primitive).startswith("np.")
            or rule.fn.__module__ in ("sourcegrad.rules.numpy", "sourcegrad.rules.linalg"))


def test_every_numpy_rule_has_a_case():
    covered = {p for case in CASES for p in case.covers}
    missing = [registry.primitive_name(p) for p in registry.VJP_RULES
               if _is_numpy_primitive(p) and p not in covered]
    assert not missing, f"rules without a case in tests/cases/numpy_cases.py: {sorted(missing)}"


def test_every_builtin_rule_has_a_case():
    """With the operator/builtins/math cases of tests/cases/rule_cases.py, the whole built-in table
    is exercised (rules users or other tests register are not built-in and are left out)."""
    from tests.cases import rule_cases

    covered = {p for case in CASES + list(rule_cases.CASES) for p in case.covers}
    missing = [registry.primitive_name(p) for p, rule in registry.VJP_RULES.items()
               if rule.fn.__module__.startswith("sourcegrad.rules.") and p not in covered]
    assert not missing, f"built-in rules without a case: {sorted(missing)}"


def test_cases_call_what_they_cover():
    """The ``covers`` mapping is honest: the normalised source of each case calls those primitives."""
    checked = set()
    for case in CASES:
        if not case.covers or (case.fn, case.covers) in checked:
            continue
        checked.add((case.fn, case.covers))
        names = list(case.fn.__code__.co_varnames[:case.fn.__code__.co_argcount])
        program = normalize(case.fn, [names[i] for i in case.wrt])
        called = {stmt.prim for stmt in program.body if isinstance(stmt, Assign)}
        assert set(case.covers) <= called, (case.name, set(case.covers) - called)
