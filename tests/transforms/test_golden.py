"""Golden tests of the generated source: readability regressions show up as diffs.

Run with SOURCEGRAD_UPDATE_GOLDEN=1 to rewrite the files after an intended change, and review the diff.
"""

import ast
import inspect
import os
import pathlib
import re

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers
from tests.cases import control_flow as flow
from tests.cases import straight_line as cases

GOLDEN = pathlib.Path(__file__).parent.parent / "golden"

EXAMPLES = [
    ("polynomial", cases.polynomial_named, (2.0,), 0),
    ("tuple_unpack", cases.tuple_unpack, (0.7, 1.9), (0, 1)),
    ("logistic_loss", cases.logistic_loss, (np.ones(3), 0.1, cases.X20, cases.LABELS20), (0, 1)),
    ("mlp_loss", cases.mlp_loss, (np.ones((4, 5)), np.ones(5), np.ones((5, 3)), np.ones(3), cases.X8,
                                  cases.CLASSES8), (0, 2)),
    ("calls_helpers", cases.calls_helpers, (np.ones(4),), 0),
    ("if_elif_else", flow.if_elif_else, (0.5,), 0),
    ("running_product", flow.running_product, (np.ones(4),), 0),
    ("newton_cube_root", flow.newton_cube_root, (2.0,), 0),
    ("break_and_continue", flow.break_and_continue, (np.ones(4), 2.0), 0),
    ("rnn", flow.rnn, (np.ones((3, 2)), np.eye(2)), (0, 1)),
]


def generated(func, args, wrt):
    g = sg.grad(func, wrt=wrt, mode="source")
    g(*args)
    return g.source


@pytest.mark.parametrize("name, func, args, wrt", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_generated_source_matches_golden_file(name, func, args, wrt):
    text = generated(func, args, wrt)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("SOURCEGRAD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name, func, args, wrt", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_generated_source_is_readable(name, func, args, wrt):
    text = generated(func, args, wrt)
    tree = ast.parse(text)                      # valid Python that parses again
    assigned = [t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)]
    user_names = {n.id for n in ast.walk(ast.parse(__import__("inspect").getsource(func)))
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assert user_names <= set(assigned) | set(func.__code__.co_varnames)   # the user's names are kept
    for target in assigned:                     # adjoints are b<name>, temporaries t<k>
        assert re.fullmatch(r"b?(t\d+|[A-Za-z_]\w*)", target)
    assert not re.search(r"(?<![\w.])0(\.0)? \*|\* 0(\.0)?(?![\w.])", text)    # no zero terms
    reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert not set(assigned) - reads            # no dead statements


@pytest.mark.parametrize("name, func, args, wrt", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_golden_file_computes_the_right_gradient_for_its_own_wrt(name, func, args, wrt):
    """The golden text itself, run on its own, gives f and the gradient with respect to exactly the
    arguments the golden file was generated for (a gradient checked with another wrt proves nothing
    about the lines of this file)."""
    text = (GOLDEN / f"{name}.txt").read_text()
    params = list(inspect.signature(func).parameters)
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    wrt_names = [params[w] if isinstance(w, int) else w for w in wrts]
    header = f"def d{func.__name__}_d{'_'.join(wrt_names)}({', '.join(params)}):"
    assert text.startswith(header), text.splitlines()[0]
    namespace = {"np": np, **{k: v for k, v in {**vars(kernels), **vars(helpers)}.items() if not k.startswith("_")}}
    exec(compile(text, f"<golden {name}>", "exec"), namespace)
    adjoint = namespace[header[4:header.index("(")]]
    # away from the golden call's symmetric point (all-ones weights), so that every element matters
    rng = np.random.default_rng(7)
    point = [a + 0.3 * rng.standard_normal(np.shape(a)) if k in wrts or params[k] in wrt_names else a
             for k, a in enumerate(args)]
    point = [float(p) if isinstance(a, float) else p for p, a in zip(point, args)]
    value, grads = adjoint(*point)
    assert value == pytest.approx(func(*point), rel=1e-12)
    expected = sg.numerical_grad(func, *point, wrt=wrt)
    if not isinstance(wrt, tuple):
        grads, expected = (grads,), (expected,)
    assert len(grads) == len(expected) == len(wrts)
    for got, want in zip(grads, expected):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_same_function_gives_byte_identical_source():
    first = sg.source(cases.mlp_loss, wrt=(0, 2))
    sg.api._GENERATED.clear()
    second = sg.source(cases.mlp_loss, wrt=(0, 2))
    assert first == second
