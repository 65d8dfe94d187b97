"""The memory pass (sourcegrad/transforms/memory.py): dead values released with ``del``, adjoints added into in
place where nothing else holds their array; gradients unchanged, peak memory lower.

Structural checks parse the generated source; gradients are compared with finite differences; the peak-memory
checks count bytes with tracemalloc (deterministic: no timing).
"""

import ast
import gc
import tracemalloc
import types

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers
from sourcegrad.transforms.memory import reduce_memory
from sourcegrad.transforms.reverse import Adjoint
from benchmarks.workloads import mlp_hand
from tests.cases import control_flow as flow
from tests.cases import straight_line as straight


# ------------------------------------------------------------------------------------------------ helpers

def _source(func, *args, wrt=0):
    g = sg.grad(func, wrt=wrt, mode="source")
    g(*args)
    return g.source


def _releases(text):
    """The ``del`` lines of a generated function, in order."""
    return [line.strip() for line in text.splitlines() if line.strip().startswith("del ")]


def _blocks(body, parent=None, owner=None):
    """(block, parent block, owner statement) for the body and every nested statement list."""
    found = [(body, parent, owner)]
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner and isinstance(stmt, (ast.If, ast.For, ast.While)):
                found.extend(_blocks(inner, body, stmt))
    return found


def _names(nodes):
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


def unsafe_releases(text):
    """The ``del`` statements of generated ``text`` that could fail or free a value still needed: a released name
    must be first bound by a plain assignment earlier in the same block, never be used after the ``del`` (in its
    block, or by the return for the function's body) nor anywhere outside that block (so a loop body releases
    only its own values, and never a name the loop's header or the code around it reads)."""
    func = ast.parse(text).body[0]
    body, problems = func.body, []
    everything = body
    for block, _, _ in _blocks(body):
        for i, stmt in enumerate(block):
            if not isinstance(stmt, ast.Delete):
                continue
            for target in stmt.targets:
                name = target.id
                later = block[i + 1:]
                if name in _names(later):
                    problems.append(f"{name} used after its del")
                if block is not body:
                    inside = sum(1 for s in block for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name)
                    total = sum(1 for s in everything for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name)
                    if inside != total:
                        problems.append(f"{name} released in a nested block but used outside it")
                first = next(s for s in block if name in _names([s]))
                if not (isinstance(first, ast.Assign) and name in _names(first.targets)
                        and name not in _names([first.value])):
                    problems.append(f"{name} released but not first bound by a plain assignment in its block")
    return problems


def owned_updates(text):
    """For each ``name += ...`` of generated ``text``: whether every other assignment of ``name`` gives it a new
    array (arithmetic, ``zeros_like``, a number) and every read of it is an operand of arithmetic, so no other
    name, container or view can hold the array the update writes into."""
    func = ast.parse(text).body[0]
    updated = {s.target.id for s in ast.walk(func) if isinstance(s, ast.AugAssign)}
    verdict = dict.fromkeys(updated, True)
    parents = {}
    for node in ast.walk(func):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in verdict:
                    value = node.value
                    new = isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Constant)) or (
                        isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                        and value.func.id == "zeros_like")
                    verdict[target.id] &= new
        elif isinstance(node, ast.Name) and node.id in verdict and isinstance(node.ctx, ast.Load):
            parent = parents[id(node)]
            ok = isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Return, ast.Delete)) or (
                isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return))
            verdict[node.id] &= ok
    return verdict


def _close(a, b):
    if isinstance(a, tuple):
        return all(_close(x, y) for x, y in zip(a, b))
    return np.allclose(a, b, rtol=1e-5, atol=1e-6)


def _check_gradient(func, *args, wrt=0):
    g = sg.grad(func, wrt=wrt, mode="source")
    assert _close(g(*args), sg.numerical_grad(func, *args, wrt=wrt))
    assert unsafe_releases(g.source) == []
    return g.source


# ------------------------------------------------------------------------------------- straight-line code

def mlp(W1, W2, X, Y):
    H = np.tanh(X @ W1)
    out = H @ W2
    return np.mean((out - Y) ** 2)


def _mlp_args(n=6):
    rng = np.random.default_rng(1)
    return rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(n, 4)), rng.normal(size=(n, 2))


def test_straight_line_array_code_releases_each_value_after_its_last_read():
    text = _source(mlp, *_mlp_args(), wrt=(0, 1))
    assert _releases(text) == ["del t0", "del out", "del t2", "del t1", "del bt1", "del H, bH"]
    lines = [line.strip() for line in text.splitlines()]
    assert lines[lines.index("del t0") - 1] == "H = np.tanh(t0)"          # right after the last read
    assert lines[lines.index("del H, bH") - 1] == "bt0 = bH * (1 - H * H)"
    assert lines[-2].startswith("bW1 = ")                                 # nothing released before the return
    assert unsafe_releases(text) == []


def test_straight_line_gradients_stay_right():
    _check_gradient(mlp, *_mlp_args(), wrt=(0, 1))
    for case in straight.CASES:
        try:
            g = sg.grad(case.func, wrt=case.wrt, mode="source")
            got = g(*case.args)
        except Exception:   # (cases source mode declines or that raise on purpose are tested elsewhere)
            continue
        if "del " in g.source:
            assert _close(got, sg.numerical_grad(case.func, *case.args, wrt=case.wrt)), case.name
            assert unsafe_releases(g.source) == [], case.name


def poly(x):
    return 3 * x ** 4 - 2 * x ** 3 + x ** 2 - 5 * x + 7


DT, G = 0.05, 9.81


def pendulum(theta, omega, length):
    for _ in range(4):
        omega = omega - DT * G / length * np.sin(theta)
        theta = theta + DT * omega
    return 0.5 * length * length * omega * omega + G * length * (1 - np.cos(theta))


def elements(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 100 * (x[2] - x[1] ** 2) ** 2


def test_no_release_in_scalar_code():
    assert _releases(_source(poly, 1.3)) == []
    assert _releases(_source(pendulum, 0.8, 0.1, 1.5, wrt=(0, 1, 2))) == []
    assert _releases(_source(elements, np.array([0.5, -1.0, 2.0]))) == []   # elements of a 1-d array: numbers
    for case in flow.CASES + straight.CASES:
        if all(type(a) in (float, int) for a in case.args):
            try:
                text = _source(case.func, *case.args, wrt=case.wrt)
            except Exception:
                continue
            assert _releases(text) == [], case.name


# ------------------------------------------------------------------------------------- names that must stay

def shared(a, b):
    c = a + b
    return np.sum(c * c)


def test_a_name_the_return_reads_is_never_released():
    a, b = np.linspace(0.1, 1, 4), np.linspace(-1, 2, 4)
    text = _check_gradient(shared, a, b, wrt=(0, 1))   # ba and bb may be bc itself (unbroadcast returns it)
    returned = _names([ast.parse(text).body[0].body[-1]])
    assert not returned & {n.strip() for line in _releases(text) for n in line[4:].split(",")}


def vector(x):
    y = np.sin(x) * 2.0
    z = y * x
    return z


def test_a_name_returned_as_the_value_is_kept():
    x = np.linspace(0.1, 1, 5)
    value, vjp = sg.vjp(vector, x, mode="source")
    assert np.allclose(value, vector(x))
    assert np.allclose(vjp(np.ones(5)), 2 * np.sin(x) + 2 * x * np.cos(x))
    value, grad = sg.value_and_grad(returns_early_value, mode="source")(x)
    assert np.isclose(value, returns_early_value(x))
    assert np.allclose(grad, sg.numerical_grad(returns_early_value, x))


def returns_early_value(x):
    y = np.sum(np.sin(x) * 2.0)
    z = np.exp(x) * y
    w = z * z
    return y + np.sum(w) * 0.0


def gradient_read_late(x, w):
    h = np.tanh(x * w)
    s = h * x
    return np.sum(s * s) + np.sum(h)


def test_a_gradient_that_is_also_read_late():
    x, w = np.linspace(-1, 1, 5), np.linspace(0.5, 1.5, 5)
    _check_gradient(gradient_read_late, x, w, wrt=(0, 1))
    _check_gradient(shared, x, w, wrt=(0, 1))


def view_then_use(x):
    y = x[1:]
    z = y * 2.0
    w = np.sin(z) + y
    return np.sum(w * y) + np.sum(x[:-1] * y)


def test_views_of_arguments_and_of_temporaries():
    x = np.linspace(0.2, 1.4, 6)
    text = _check_gradient(view_then_use, x)
    assert any("y" in line[4:].replace(",", " ").split() for line in _releases(text))   # the view, after its last read

    def view_of_temporary(x):
        t = np.exp(x)
        v = t[::2]
        u = v * 3.0 + t[1::2]
        return np.sum(u * v)

    _check_gradient(view_of_temporary, x)


# ------------------------------------------------------------------------------------- branches and loops

def branchy(x, c):
    y = x * 2.0
    if c > 0:
        z = np.sin(y) + y * x
    else:
        z = y * y
    return np.sum(z * x)


def test_branches():
    x = np.linspace(0.1, 1, 5)
    for c in (1.0, -1.0):
        _check_gradient(branchy, x, c)


def read_in_loop(x, n):
    y = np.sin(x)
    s = x * 0.0
    for i in range(n):
        t = y * i
        s = s + t * x
    return np.sum(s * y)


def test_a_name_read_inside_a_loop_lives_through_the_loop():
    x = np.linspace(0.1, 1, 5)
    for n in (0, 1, 3):
        text = _check_gradient(read_in_loop, x, n)
    func = ast.parse(text).body[0]
    loops = [s for s in ast.walk(func) if isinstance(s, ast.For)]
    for loop in loops:   # y (read in the loops) is never released inside one
        assert "y" not in {t.id for s in ast.walk(loop) if isinstance(s, ast.Delete) for t in s.targets}


def one_branch_only(x, c):
    y = x * 3.0
    if c > 0:
        t = np.exp(y)
        y = t * x
    return np.sum(y * x)


def test_a_name_bound_in_one_branch_only():
    x = np.linspace(0.1, 1, 4)
    for c in (1.0, -1.0):
        _check_gradient(one_branch_only, x, c)


@pytest.mark.parametrize("case", [c for c in flow.CASES if not all(type(a) in (float, int) for a in c.args)],
                         ids=lambda c: c.name)
def test_control_flow_cases_with_arrays(case):
    """Every control-flow case on arrays: what it releases is safe, and its gradient matches finite
    differences."""
    g = sg.grad(case.func, wrt=case.wrt, mode="source")
    got = g(*case.args)
    assert unsafe_releases(g.source) == []
    assert _close(got, sg.numerical_grad(case.func, *case.args, wrt=case.wrt))


# ------------------------------------------------------------------------------------ accumulate in place

def test_an_adjoint_that_owns_its_array_is_updated_in_place():
    x = np.linspace(0.1, 1, 5)
    text = _check_gradient(branchy, x, 1.0)
    assert "by += " in text
    assert all(owned_updates(text).values())


def rnn_loss(W, x):
    h = np.zeros(W.shape[0])
    loss = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(W @ h + x[t])
        loss = loss + np.sum(h ** 2)
    return loss


def test_an_adjoint_that_may_share_its_array_is_not_updated_in_place():
    W, x = np.eye(3) * 0.5 + 0.1, np.linspace(-1, 1, 12).reshape(4, 3)
    text = _check_gradient(rnn_loss, W, x)
    assert "bh_2 = bh_1" in text and "bh_2 += " not in text   # bh_2 starts as bh_1's array
    assert all(owned_updates(text).values())


def _adjoint(primal, adjoint, params, grads, value="out", numbers=(), adjoint_names=None):
    """An Adjoint made from source text (for the pass alone)."""
    names = types.SimpleNamespace(externals={"zeros_like": helpers.zeros_like, "unbroadcast": helpers.unbroadcast},
                                  bound=set(), source=types.SimpleNamespace(resolved={}))
    body = lambda text: ast.parse(text).body if text else []
    return Adjoint("f", list(params), "bout", body(primal), body(adjoint), ast.parse(value, mode="eval").body,
                   [ast.parse(g, mode="eval").body for g in grads], names, set(), False, frozenset(numbers),
                   adjoint_names or {})


def test_in_place_only_for_new_arrays_read_by_arithmetic():
    adjoint = _adjoint(
        "t = x * y\nout = t * 2.0",
        "ba = y * 2.0\nba = ba + x\n"            # new array, read by arithmetic only: in place
        "bb = unbroadcast(g, x)\nbb = bb + y\n"   # unbroadcast may return g itself
        "bc = x * 3.0\nkeep = bc\nbc = bc + y\n"  # another name holds bc's array
        "bd = x * 4.0\nv = bd[1:]\nbd = bd + y\n",   # a view of it
        ["x", "y", "g"], ["ba", "bb", "bc", "bd", "keep", "v"],
        adjoint_names={"a": "ba", "b": "bb", "c": "bc", "d": "bd"})
    reduce_memory(adjoint)
    text = "\n".join(ast.unparse(s) for s in adjoint.adjoint)
    assert "ba += x" in text
    assert "bb = bb + y" in text and "bc = bc + y" in text and "bd = bd + y" in text


# ------------------------------------------------------------------------------------ the pass on its own

def test_release_in_a_loop_body_only_its_own_values():
    adjoint = _adjoint(
        "a = x * 2.0\nb = a * 3.0\nacc = x * 0.0\n"
        "for i in range(n):\n    t = a * i\n    u = t + b\n    acc = acc + u\n"
        "out = acc * 2.0",
        "", ["x", "n"], ["out"], value="out")
    reduce_memory(adjoint)
    text = "\n".join(ast.unparse(s) for s in adjoint.primal)
    assert text.splitlines() == [
        "a = x * 2.0", "b = a * 3.0", "acc = x * 0.0",
        "for i in range(n):", "    t = a * i", "    u = t + b", "    del t", "    acc = acc + u", "    del u",
        "del a, b",
        "out = acc * 2.0"]


def test_names_bound_on_some_paths_are_left_alone():
    adjoint = _adjoint(
        "a = x * 2.0\nif c:\n    b = a * 3.0\n    d = b * 2.0\nelse:\n    d = a * 1.0\ne = d * x\n"
        "while e.sum() > 1.0:\n    e = e * 0.5\n    w = e * 2.0\nout = w + e if c else e",
        "", ["x", "c"], ["out"], value="out")
    reduce_memory(adjoint)
    text = "\n".join(ast.unparse(s) for s in adjoint.primal)
    releases = [line.strip() for line in text.splitlines() if line.strip().startswith("del ")]
    assert "del b" in releases      # local to the first branch: released there
    assert not any("w" in line.split() for line in releases)   # w: bound only if the loop ran
    assert "del a" in releases
    assert not any("d" in line.split() for line in releases)   # d: bound in both branches, left alone
    assert unsafe_releases("def f(x, c):\n" + "\n".join("    " + line for line in text.splitlines())
                           + "\n    return out") == []


def test_records_and_trip_counters_are_not_released():
    x = np.linspace(0.5, 1.5, 4)
    text = _source(flow.branch_in_loop, x)
    released = {n.strip() for line in _releases(text) for n in line[4:].split(",")}
    assert not {n for n in released if n.startswith(("saved", "trips"))}


def test_a_function_reading_its_namespace_is_left_alone():
    adjoint = _adjoint("a = x * 2.0\nb = a * 3.0\nprint(locals())\nout = b * 1.0", "", ["x"], ["out"])
    reduce_memory(adjoint)
    assert not any(isinstance(s, ast.Delete) for s in adjoint.primal)


# ------------------------------------------------------------------------------------------ peak memory

K = 8
N = 200_000                         # float64 entries: 1.6 MB per array


def linear_chain(x):
    a1 = x * 1.5
    a2 = a1 + 1.0
    a3 = a2 * 0.5
    a4 = a3 - 2.0
    a5 = a4 * 3.0
    a6 = a5 + 0.5
    a7 = a6 * 0.25
    a8 = a7 - 1.0
    return np.sum(a8)


def _peak(function, *args):
    function(*args)
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = function(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


def _without_releases(g):
    """The same generated function with its ``del`` statements removed: the code as it was before the pass."""
    tree = ast.parse(g.source)
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                setattr(node, field, [s for s in block if not isinstance(s, ast.Delete)] or [ast.Pass()])
    namespace = {**vars(kernels), **vars(helpers), "np": np}
    exec(compile(ast.fix_missing_locations(tree), "<without releases>", "exec"), namespace)
    return namespace[tree.body[0].name]


def test_peak_memory_of_a_chain_of_large_temporaries():
    x = np.linspace(-1.0, 1.0, N)
    size = x.nbytes
    g = sg.value_and_grad(linear_chain, mode="source")
    assert np.allclose(g(x)[1], 1.5 * 0.5 * 3.0 * 0.25)
    before = _peak(_without_releases(g), x)
    after = _peak(g, x)
    assert before > K * size                  # every temporary alive until the return
    assert after < 3 * size                   # now: the one being computed, the one it reads, the gradient


def test_peak_memory_of_the_mlp_gradient_is_close_to_the_hand_written_one():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(100, 50)) * 0.1, rng.normal(size=(50, 10)) * 0.1, rng.normal(size=(1000, 100)),
            rng.normal(size=(1000, 10)))
    g = sg.value_and_grad(mlp, wrt=(0, 1), mode="source")
    assert _close(g(*args)[1], mlp_hand(*args)[1])
    hand, generated, before = _peak(mlp_hand, *args), _peak(g, *args), _peak(_without_releases(g), *args)
    assert generated <= 1.2 * hand < before
