"""Long functions: transform without RecursionError and with correct gradients; the optimiser's
one-pass rewrites keep every value (including across in-place writes and calls with effects).

No timing assertions (machines are noisy): ``python -m benchmarks.transform_time`` reports times.
"""

import ast
import importlib.util
import random
import sys

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.transforms import optimize as _optimize_pass  # noqa: F401  (the module is below)
from sourcegrad.transforms.reverse import Adjoint
from tests.transforms.test_algebra import same_bits_after_optimising

optimize_module = sys.modules["sourcegrad.transforms.optimize"]


def _max_nesting(tree):
    """The deepest nesting of expression nodes in ``tree``, measured without recursion."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += isinstance(node, ast.expr)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _load_module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- long functions end to end


def test_3000_statement_function_transforms_and_matches_finite_differences(tmp_path):
    # the benchmark's kinds of statement, with fewer operations per line (the test suite's time)
    lines = ["import numpy as np", "", "", "def long3000(x, w):", "    y = x * 0.1"]
    for i in range(1, 3000):
        lines.append([f"    a{i} = np.sin(y)", f"    y = a{i - 1} * w + y", "    y = y * 0.5 + x",
                      f"    b{i} = np.tanh(y) - x", f"    y = b{i - 1} * 0.5"][(i - 1) % 5])
    lines.append("    return np.sum(y * y)")
    f = _load_module(tmp_path, "long3000", "\n".join(lines) + "\n").long3000
    x, w = np.array([0.3, -0.7, 1.1]), np.array([0.9, 0.4, -0.2])
    g = sg.value_and_grad(f, mode="source")
    value, gx = g(x, w)
    assert g.mode == "source"
    assert value == pytest.approx(f(x, w), rel=1e-12)
    np.testing.assert_allclose(gx, sg.numerical_grad(f, x, w), rtol=1e-6, atol=1e-8)
    # ast.unparse/compile recurse on expression nesting: it must not grow with the program
    assert _max_nesting(ast.parse(g.source)) < 30


def test_input_with_1000_adjoint_contributions_compiles_and_is_exact(tmp_path):
    coefficients = [round(0.001 * (i % 13 + 1), 3) for i in range(1000)]
    lines = ["import numpy as np", "", "", "def fan(x):", "    y = x * 0.5"]
    lines += [f"    y = y + x * {c}" for c in coefficients]
    lines.append("    return np.sum(y)")
    f = _load_module(tmp_path, "fan_in_1000", "\n".join(lines) + "\n").fan
    x = np.array([1.0, -2.0, 3.0])
    g = sg.grad(f, mode="source")
    np.testing.assert_allclose(g(x), np.full(3, 0.5 + sum(coefficients)), rtol=1e-12)
    tree = ast.parse(g.source)
    assert _max_nesting(tree) < 30
    # the adjoint of x is a sequence of short sums, each at most MAX_TERMS terms
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.targets[0].id == "bx":
            terms = sum(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub))
                        for n in ast.walk(node.value)) + 1
            assert terms <= optimize_module.MAX_TERMS + 1


def test_long_chain_through_one_name_has_the_exact_gradient(tmp_path):
    n = 600     # 400 raised RecursionError once
    lines = ["import numpy as np", "", "", "def chain(x):", "    y = x * 0.1"]
    lines += ["    y = np.sin(x) * 0.5 + y"] * n
    lines.append("    return np.sum(y)")
    f = _load_module(tmp_path, "chain_600", "\n".join(lines) + "\n").chain
    x = np.array([0.2, 1.3])
    np.testing.assert_allclose(sg.grad(f, mode="source")(x), 0.1 + 0.5 * n * np.cos(x), rtol=1e-12)


# ---------------------------------------------------------------- the optimiser keeps every value
#
# Gradients built by hand as statement lists, optimised, and run against the same lists not
# optimised: the optimiser may rename, merge and drop, never change a result.


class _Names:
    """The little of a Namespace the optimiser reads."""

    externals = {}
    bound = set()

    class source:
        @staticmethod
        def resolve(name):
            return (True, np) if name == "np" else (False, None)

    @staticmethod
    def load(name, value):
        return ast.Name(name, ast.Load())


def _adjoint(primal, adjoint, value, grads, effects=(), params=("x", "c")):
    primal = [ast.parse(s).body[0] for s in primal]
    effect_ids = {id(primal[i]) for i in effects}
    return Adjoint("df", list(params), "bseed", primal, [ast.parse(s).body[0] for s in adjoint],
                   ast.parse(value, mode="eval").body, [ast.parse(g, mode="eval").body for g in grads],
                   _Names(), effect_ids)


X, C = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 4.0])


def test_no_common_subexpression_across_a_store_into_an_element():
    adj = _adjoint(["t0 = x * c", "c[0] = 5.0", "t1 = x * c", "r = t0 + t1", "s = np.sum(r)"],
                   ["bq = x * c"], "s", ["bq"])
    text = same_bits_after_optimising(adj, X, C)
    assert "t1 = x * c" in text and "return s, t0" not in text


def test_no_common_subexpression_across_a_call_with_effects():
    adj = _adjoint(["t0 = x * c", "np.copyto(c, 5.0)", "t1 = x * c", "s = np.sum(t0 + t1)"],
                   ["bq = x * c"], "s", ["bq"], effects=(1,))
    text = same_bits_after_optimising(adj, X, C)
    assert "np.copyto(c, 5.0)" in text and "t1 = x * c" in text


def test_a_temporary_read_after_a_write_is_not_merged_into_the_written_name():
    adj = _adjoint(["a = x * c", "t1 = x * c", "a[0] = 9.0", "s = np.sum(t1) + np.sum(a)"],
                   ["bq = t1 * 2.0"], "s", ["bq"])
    text = same_bits_after_optimising(adj, X, C)
    assert "t1 = x * c" in text


def test_a_dead_store_into_a_view_is_kept():
    adj = _adjoint(["a = c * 1.0", "v = a[0:2]", "v[0] = 7.0", "s = np.sum(a * x)"], ["bx = a"], "s", ["bx"])
    text = same_bits_after_optimising(adj, X, C)
    assert "v[0] = 7.0" in text


def test_a_dead_call_with_effects_is_kept():
    adj = _adjoint(["u = x * 2.0", "np.copyto(c, u)", "s = np.sum(c)"], ["bc = bseed"], "s", ["bc"],
                   effects=(1,))
    assert "np.copyto(c, u)" in same_bits_after_optimising(adj, X, C)


def test_common_subexpressions_are_still_found_between_writes():
    adj = _adjoint(["c[0] = 5.0", "t0 = x * c", "t1 = x * c", "s = np.sum(t0 + t1)"],
                   ["bq = x * c"], "s", ["bq"])
    text = same_bits_after_optimising(adj, X, C)
    assert "t1 = x * c" not in text and "return s, t0" in text


def test_no_fusion_past_a_store_into_an_alias():
    adj = _adjoint(["s = np.sum(x)"],
                   ["ba = c * 2.0", "bb = c", "bb[0] = 100.0", "ba = ba + x"], "s", ["ba"])
    same_bits_after_optimising(adj, X, C)


def test_fusion_stops_at_max_terms():
    adj = _adjoint(["s = np.sum(x)"], ["bx = x * 1.0"] + [f"bx = bx + x * {k}.0" for k in range(2, 40)],
                   "s", ["bx"])
    text = same_bits_after_optimising(adj, X, C)
    longest = max(line.count("+") for line in text.splitlines())
    assert longest <= optimize_module.MAX_TERMS      # bx + (up to MAX_TERMS contributions)
    assert text.count("bx =") <= 39 // optimize_module.MAX_TERMS + 1


def _random_program(rng):
    """A random primal and adjoint over arrays: SSA primal values (some repeated, for CSE), stores
    into elements (some through aliases), in-place updates, calls with effects; adjoint first contributions, sums,
    copies (aliases), stores into adjoint arrays, augmented assignments (in place on arrays) and
    calls that write into their argument."""
    exprs = ["x * c", "x + c", "np.sin(x)", "c * 2.0", "x * x"]
    primal, effects, names, views = [], [], ["x", "c"], []
    for k in range(rng.randint(3, 12)):
        roll = rng.random()
        if roll < 0.15:
            primal.append(f"{rng.choice(names + views)}[{rng.randint(0, 1)}] = {rng.uniform(-2, 2):.2f}")
        elif roll < 0.22:
            effects.append(len(primal))
            primal.append(f"np.copyto({rng.choice(names)}, {rng.choice(names)})")
        elif roll < 0.3:
            primal.append(f"v{k} = {rng.choice(names)}[0:2]")     # a view: written into, never read
            views.append(f"v{k}")
        elif roll < 0.35:
            primal.append(f"{rng.choice(names)} += {rng.choice(names)}")      # in place on an array
        else:
            target = f"t{k}" if rng.random() < 0.6 else f"p{k}"
            expr = rng.choice(exprs + [f"{rng.choice(names)} * {rng.choice(names)}"])
            primal.append(f"{target} = {expr}")
            names.append(target)
    primal.append("s = np.sum(" + " + ".join(n + "[0]" for n in names + views) + ")")
    adjoint, adjoints = [], []
    for k in range(rng.randint(2, 16)):
        roll = rng.random()
        operand = rng.choice(names + adjoints + ["bseed"])
        expr = rng.choice([f"{operand} * 2.0", f"np.cos({operand})", f"{operand} + x * c", operand])
        if adjoints and roll < 0.35:
            target = rng.choice(adjoints)
            adjoint.append(f"{target} = {target} + {expr}")
        elif adjoints and roll < 0.42:
            adjoint.append(f"{rng.choice(adjoints)}[{rng.randint(0, 2)}] = {rng.uniform(-2, 2):.2f}")
        elif adjoints and roll < 0.45:
            adjoint.append(rng.choice([f"{rng.choice(adjoints)} += {expr}",
                                       f"np.copyto({rng.choice(adjoints)}, {rng.choice(adjoints)})"]))
        elif adjoints and roll < 0.55:
            adjoint.append(f"b{k} = {rng.choice(adjoints)}")
            adjoints.append(f"b{k}")
        else:
            adjoint.append(f"b{k} = {expr} * np.ones(3)")
            adjoints.append(f"b{k}")
    grads = rng.sample(adjoints, min(len(adjoints), 2)) or ["bseed"]
    return primal, adjoint, grads, effects


@pytest.mark.parametrize("seed", range(300))
def test_random_programs_give_the_same_results_optimised(seed):
    rng = random.Random(seed)
    primal, adjoint, grads, effects = _random_program(rng)
    adj = _adjoint(primal, adjoint, "s", grads, effects=effects)
    same_bits_after_optimising(adj, X, C, np.ones(3))
