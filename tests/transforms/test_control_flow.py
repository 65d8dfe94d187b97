"""Acceptance tests of control flow in source mode.

Every construct of ``tests/cases/control_flow.py`` (branches, conditional expressions, and/or,
for over ranges/arrays/lists/tuples/enumerate/zip/reversed, while, break/continue/else, early
returns, nesting, helpers, comprehensions, item assignment, accumulators, loop-carried values),
each with its condition active and inactive and its loops run 0, 1 and many times:

* ``mode="source"`` accepts it and its gradient matches central finite differences;
* it matches ``mode="tape"`` (where the tape refuses the function as written, the error is
  checked and the same computation written for the tape is the reference);
* ``sg.value_and_grad`` returns the function's own value.

What source mode must still refuse (recursion, generators, try, with, global/nonlocal writes,
eval/exec, calls whose target is chosen at run time, alone and inside data-dependent control
flow) raises a TransformError naming the construct, and ``mode="auto"`` then gets the right
gradient on the tape with a ``fallback_reason`` naming it.

The ``test_tape_*`` and ``test_cases_*`` tests check the references and the case table itself
(the tape against finite differences; every line, both ways of every ``if`` and 0/1/many trips of
every loop are exercised by the inputs): they do not depend on source mode.
"""

import ast
import copy
import inspect
import re
import sys

import numpy as np
import pytest

import sourcegrad as sg
from tests.cases import control_flow as cf
from tests.cases.control_flow import CASES, UNSUPPORTED
from tests.helpers import numeric_grad

RTOL_FD, ATOL_FD = 1e-6, 1e-8          # against central finite differences
RTOL_TAPE, ATOL_TAPE = 1e-10, 1e-12    # source against the tape: the same arithmetic, reordered


def _ids(case):
    return case.name


def _fresh(args):
    """A deep copy of the arguments: no call can see another's writes."""
    return copy.deepcopy(tuple(args))


def _wrt_indices(case):
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    names = list(case.func.__code__.co_varnames[: case.func.__code__.co_argcount])
    return [names.index(w) if isinstance(w, str) else w for w in wrt]


def _as_tuple(grads, case):
    return grads if isinstance(case.wrt, tuple) else (grads,)


def _assert_like_argument(value, arg):
    """A gradient has the type of a Python-number argument and the shape of an array argument."""
    if isinstance(arg, np.ndarray):
        assert isinstance(value, np.ndarray) and value.shape == arg.shape, (type(value), np.shape(value))
    else:
        assert type(value) is type(arg), type(value)


def _finite_differences(case):
    return [numeric_grad(case.func, _fresh(case.args), i) for i in _wrt_indices(case)]


# ---------------------------------------------------------------- source mode accepts them all

@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_source_gradient_matches_finite_differences(case):
    g = sg.grad(case.func, wrt=case.wrt, mode="source")
    got = _as_tuple(g(*_fresh(case.args)), case)
    assert g.mode == "source"
    assert g.fallback_reason is None
    for value, index, expected in zip(got, _wrt_indices(case), _finite_differences(case)):
        _assert_like_argument(value, case.args[index])
        np.testing.assert_allclose(value, expected, rtol=RTOL_FD, atol=ATOL_FD)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_source_gradient_matches_the_tape(case):
    source = _as_tuple(sg.grad(case.func, wrt=case.wrt, mode="source")(*_fresh(case.args)), case)
    reference = case.func
    if case.tape_error is not None:
        with pytest.raises(case.tape_error, match="(?i)tensor"):
            sg.grad(case.func, wrt=case.wrt, mode="tape")(*_fresh(case.args))
        reference = case.tape_twin
    tape = _as_tuple(sg.grad(reference, wrt=case.wrt, mode="tape")(*_fresh(case.args)), case)
    assert len(source) == len(tape)
    for s, t in zip(source, tape):
        assert np.shape(s) == np.shape(t)
        np.testing.assert_allclose(s, t, rtol=RTOL_TAPE, atol=ATOL_TAPE)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_source_value_and_grad_returns_the_function_value(case):
    vg = sg.value_and_grad(case.func, wrt=case.wrt, mode="source")
    value, grads = vg(*_fresh(case.args))
    assert vg.mode == "source"
    assert value == pytest.approx(case.func(*_fresh(case.args)), rel=1e-12, abs=1e-15)
    alone = _as_tuple(sg.grad(case.func, wrt=case.wrt, mode="source")(*_fresh(case.args)), case)
    for a, b in zip(_as_tuple(grads, case), alone):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def _newton_exact(a):
    return a ** (-2.0 / 3.0) / 3.0      # d/da of the cube root


@pytest.mark.parametrize("a", [1.0, 2.0, 27.0, 0.5])
def test_source_newton_iteration_derivative_is_the_derivative_of_the_root(a):
    """Differentiating through the data-dependent iterations of ``while abs(d) > 1e-12`` gives the
    derivative of what they converge to."""
    g = sg.grad(cf.newton_cube_root, mode="source")
    assert g(a) == pytest.approx(_newton_exact(a), rel=1e-9)
    assert g.mode == "source"


ZERO_TRIPS = [   # (case name, the gradient the code after the loop gives, per wrt)
    ("range_plain_bound-0", (np.full(4, 0.25),)),
    ("for_over_list-0", (0.1,)),
    ("for_over_rows-0", (np.zeros((0, 3)), np.ones(3))),
    ("loop_variable_after_loop-0", (np.array([3 * 0.5 ** 2, 0.0, 0.0, 0.0, 0.0]),)),
    ("accumulators-0", (np.zeros(0),)),
    ("rnn-0", (np.zeros(0), np.zeros((3, 3)))),
    ("becomes_active_later-never", (np.zeros(4),)),
    ("while_halving-0", (2 * np.array([0.3, -0.6]) + np.cos([0.3, -0.6]),)),
    ("return_from_loop-0", (np.zeros(0), 1.0)),
]
BY_NAME = {c.name: c for c in CASES}


@pytest.mark.parametrize("name, expected", ZERO_TRIPS, ids=[n for n, _ in ZERO_TRIPS])
def test_source_loop_run_zero_times_gives_the_gradient_of_the_code_after_it(name, expected):
    case = BY_NAME[name]
    got = _as_tuple(sg.grad(case.func, wrt=case.wrt, mode="source")(*_fresh(case.args)), case)
    for value, want, index in zip(got, expected, _wrt_indices(case)):
        _assert_like_argument(value, case.args[index])
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- what still goes to the tape

@pytest.mark.parametrize("case", UNSUPPORTED, ids=_ids)
def test_source_refuses_by_name(case):
    with pytest.raises(sg.TransformError) as info:
        sg.grad(case.func, wrt=case.wrt, mode="source")(*_fresh(case.args))
    err = info.value
    assert not isinstance(err, sg.OutputError), err
    assert re.search(case.construct, err.reason), err.reason


@pytest.mark.parametrize("case", UNSUPPORTED, ids=_ids)
def test_auto_falls_back_to_the_tape_naming_the_construct(case):
    g = sg.grad(case.func, wrt=case.wrt, mode="auto")
    got = _as_tuple(g(*_fresh(case.args)), case)
    assert g.mode == "tape"
    assert isinstance(g.fallback_reason, str) and re.search(case.construct, g.fallback_reason), g.fallback_reason
    for value, index, expected in zip(got, _wrt_indices(case), _finite_differences(case)):
        _assert_like_argument(value, case.args[index])
        np.testing.assert_allclose(value, expected, rtol=RTOL_FD, atol=ATOL_FD)


# ---------------------------------------------------------------- the references themselves

@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_tape_gradient_matches_finite_differences(case):
    """The tape reference (and the finite differences) agree: inputs are away from kinks."""
    reference = case.func
    if case.tape_error is not None:
        with pytest.raises(case.tape_error, match="(?i)tensor"):
            sg.grad(case.func, wrt=case.wrt, mode="tape")(*_fresh(case.args))
        reference = case.tape_twin
        assert reference(*_fresh(case.args)) == pytest.approx(case.func(*_fresh(case.args)), rel=1e-14, abs=0)
    g = sg.grad(reference, wrt=case.wrt, mode="tape")
    got = _as_tuple(g(*_fresh(case.args)), case)
    assert g.mode == "tape"
    for value, index, expected in zip(got, _wrt_indices(case), _finite_differences(case)):
        _assert_like_argument(value, case.args[index])
        np.testing.assert_allclose(value, expected, rtol=RTOL_FD, atol=ATOL_FD)


@pytest.mark.parametrize("case", UNSUPPORTED, ids=_ids)
def test_tape_gradient_of_refused_function_matches_finite_differences(case):
    got = _as_tuple(sg.grad(case.func, wrt=case.wrt, mode="tape")(*_fresh(case.args)), case)
    for value, index, expected in zip(got, _wrt_indices(case), _finite_differences(case)):
        np.testing.assert_allclose(value, expected, rtol=RTOL_FD, atol=ATOL_FD)


@pytest.mark.parametrize("a", [1.0, 2.0, 27.0, 0.5])
def test_tape_newton_iteration_derivative_is_the_derivative_of_the_root(a):
    assert sg.grad(cf.newton_cube_root, mode="tape")(a) == pytest.approx(_newton_exact(a), rel=1e-9)


@pytest.mark.parametrize("name, expected", ZERO_TRIPS, ids=[n for n, _ in ZERO_TRIPS])
def test_tape_loop_run_zero_times_gives_the_gradient_of_the_code_after_it(name, expected):
    case = BY_NAME[name]
    got = _as_tuple(sg.grad(case.func, wrt=case.wrt, mode="tape")(*_fresh(case.args)), case)
    for value, want in zip(got, expected):
        np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- the case table covers everything

CASES_FILE = inspect.getsourcefile(cf)
with open(CASES_FILE) as _file:
    _SOURCE = _file.read()
_TREE = ast.parse(_SOURCE)
_SOURCE_LINES = _SOURCE.splitlines()
FUNCTIONS = {node.lineno: node for node in ast.walk(_TREE) if isinstance(node, ast.FunctionDef)}
NOT_TRACED = {"_v", "_make_nonlocal_write"}   # run while the module is imported, not by a case
FIXED = "# fixed trip count"
AT_LEAST_ONCE = "# runs at least once"


def _own_nodes(function):
    """The nodes of a function's body, without those of functions defined inside it."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef):
            stack.extend(ast.iter_child_nodes(node))


def _required_lines(function):
    """Lines that must run in some case: every statement, and each arm of a conditional expression
    written on a line of its own."""
    lines = set()
    for node in _own_nodes(function):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.Global, ast.Nonlocal, ast.Pass)):
            lines.add(node.lineno)
        if isinstance(node, ast.IfExp):
            for arm in (node.body, node.orelse):
                if arm.lineno != node.test.lineno:
                    lines.add(arm.lineno)
    return lines


def _trace(func, args):
    """Run ``func(*args)`` as plain Python; the line events of each frame of code in the cases
    file, as (code, [line, ...])."""
    frames = []

    def on_call(frame, event, arg):
        if frame.f_code.co_filename != CASES_FILE:
            return None
        lines = []
        frames.append((frame.f_code, lines))

        def on_line(frame, event, arg):
            if event == "line":
                lines.append(frame.f_lineno)
            return on_line

        return on_line

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        func(*args)
    finally:
        sys.settrace(previous)
    return frames


def _traces(cases, twins=True):
    """The frames of running every case's function (and with ``twins``, its tape twin)."""
    frames = []
    for case in cases:
        frames += _trace(case.func, _fresh(case.args))
        if twins and getattr(case, "tape_twin", None) is not None:
            frames += _trace(case.tape_twin, _fresh(case.args))
    return frames


def _function_frames(frames):
    """{FunctionDef: [line sequence of each call]} for frames of functions (not comprehensions)."""
    found = {}
    for code, lines in frames:
        node = FUNCTIONS.get(code.co_firstlineno)
        if node is not None and node.name == code.co_name:
            found.setdefault(node, []).append(lines)
    return found


def test_cases_run_every_line_of_every_function():
    executed = {line for _, lines in _traces(CASES) + _traces(UNSUPPORTED) for line in lines}
    missing = {}
    for node in FUNCTIONS.values():
        if node.name in NOT_TRACED:
            continue
        lines = _required_lines(node) - executed
        if lines:
            missing[node.name] = sorted(lines)
    assert not missing, f"lines no case runs: {missing}"


def test_cases_take_every_if_both_ways():
    """Every if/elif of the functions the supported cases run is taken and skipped in some case."""
    never = []
    for node, calls in _function_frames(_traces(CASES, twins=False)).items():
        for branch in (n for n in _own_nodes(node) if isinstance(n, ast.If)):
            span = range(branch.lineno, branch.test.end_lineno + 1)
            body = branch.body[0].lineno
            outcomes = set()
            for lines in calls:
                for k, line in enumerate(lines):
                    if line == branch.lineno and (k == 0 or lines[k - 1] not in span):
                        after = next((m for m in lines[k:] if m not in span), None)
                        if after is not None:
                            outcomes.add(after == body)
            if outcomes != {True, False}:
                never.append(f"{node.name} line {branch.lineno}: {'taken' if True in outcomes else 'skipped'} only")
    assert not never, never


def test_cases_run_every_loop_zero_one_and_many_times():
    """Every for/while of the functions the supported cases run (but those marked with a fixed trip
    count) runs 0 times (unless marked as running at least once), once and at least twice in some
    call."""
    short = []
    for node, calls in _function_frames(_traces(CASES, twins=False)).items():
        for loop in (n for n in _own_nodes(node) if isinstance(n, (ast.For, ast.While))):
            if FIXED in _SOURCE_LINES[loop.lineno - 1]:
                continue
            header = loop.iter if isinstance(loop, ast.For) else loop.test
            span = range(loop.lineno, header.end_lineno + 1)
            body = loop.body[0].lineno
            trips = {sum(1 for a, b in zip(lines, lines[1:]) if a in span and b == body)
                     for lines in calls if any(line in span for line in lines)}
            needed = {1} if AT_LEAST_ONCE in _SOURCE_LINES[loop.lineno - 1] else {0, 1}
            if not (needed <= trips and max(trips) >= 2):
                short.append(f"{node.name} line {loop.lineno}: trip counts {sorted(trips)}")
    assert not short, short


def test_cases_have_unique_names_and_every_supported_function_is_used():
    names = [c.name for c in CASES + UNSUPPORTED]
    assert len(names) == len(set(names))
    used = {c.func.__name__ for c in CASES + UNSUPPORTED}
    used |= {c.tape_twin.__name__ for c in CASES if c.tape_twin is not None}
    called = {node.name for node in _function_frames(_traces(CASES) + _traces(UNSUPPORTED))}
    defined = {n.name for n in FUNCTIONS.values()} - NOT_TRACED
    assert defined <= used | called, defined - used - called
