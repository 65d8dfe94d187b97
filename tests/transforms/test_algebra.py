"""Algebra in the generated adjoint (``sourcegrad/transforms/optimize.py``): the reads of one array at several
indices accumulate into one buffer, signs fold into what reads them, the adjoint computes no pure expression
twice, and ``v ** 2`` is ``v * v``.

Each rewrite is checked twice: the generated text has the expected form (a few targeted asserts on
``g.source``, not whole texts), and the gradient is right (an exact derivative, or central differences).
Rewrites that change no rounding (signs, reuse, squares, a buffer without aliasing indices) are also checked
bit for bit against the same statements not optimised.
"""

import ast
import copy
import importlib.util
import random
import re
import sys

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.runtime import helpers
from sourcegrad.transforms import emit, optimize as _optimize_pass  # noqa: F401  (the module is below)
from sourcegrad.transforms.reverse import Adjoint

optimize_module = sys.modules["sourcegrad.transforms.optimize"]

X4 = np.array([0.5, 1.2, -0.3, 0.8])


def adjoint_text(g):
    """The statements of the generated source that assign or write into an adjoint (``b...``)."""
    return [line.strip() for line in g.source.splitlines() if re.match(r"\s+b\w*(\[.*\])? (\+?=|\+=)", line)]


def check_fd(f, *args, wrt=0, rtol=1e-6, atol=1e-8):
    got = sg.grad(f, wrt=wrt, mode="source")(*args)
    expected = sg.numerical_grad(f, *args, wrt=wrt)
    if isinstance(wrt, tuple):
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return got


# ---------------------------------------------------------------- indexed reads: one buffer


def rosen(x):
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + 100 * (x[2] - x[1] ** 2) ** 2 + (1 - x[1]) ** 2
            + 100 * (x[3] - x[2] ** 2) ** 2 + (1 - x[2]) ** 2)


def rosen_der(x):
    xm, xm_m1, xm_p1 = x[1:-1], x[:-2], x[2:]
    der = np.zeros_like(x)
    der[1:-1] = 200 * (xm - xm_m1 ** 2) - 400 * (xm_p1 - xm ** 2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der


def test_rosenbrock_reads_of_x_accumulate_into_one_buffer():
    g = sg.grad(rosen, mode="source")
    np.testing.assert_allclose(g(X4), rosen_der(X4), rtol=1e-12)
    check_fd(rosen, X4)
    assert "bx = zeros_like(x)" in g.source
    assert "unindex(" not in g.source            # no array of x's size per read
    writes = [line for line in adjoint_text(g) if line.startswith("bx[")]
    assert sorted(w.split("]")[0] for w in writes) == ["bx[0", "bx[1", "bx[2", "bx[3"]   # one per index
    assert sum(w.startswith("bx[") and " = " in w and "+=" not in w for w in writes) == 1  # the first one


def aliasing(x):
    return x[-1] ** 2 + 3.0 * x[3] + x[0] * x[-4] + x[1] * x[3]


def test_indices_naming_the_same_element_add_up():
    g = sg.grad(aliasing, mode="source")
    x = X4
    expected = np.array([x[0] + x[0], x[3], 0.0, 2 * x[3] + 3.0 + x[1]])   # x[-4] is x[0], x[-1] is x[3]
    np.testing.assert_allclose(g(x), expected, rtol=1e-15)
    lines = adjoint_text(g)
    assert any(line.startswith("bx[-1] +=") or line.startswith("bx[3] +=") for line in lines)
    assert any(line.startswith("bx[-4] +=") or line.startswith("bx[0] +=") for line in lines)
    assert "unindex(" not in g.source


def repeated(x):
    return x[1] * x[1] * x[2] + np.sin(x[1]) + x[2]


def test_terms_at_the_same_index_are_added_first():
    g = sg.grad(repeated, mode="source")
    x = X4
    expected = np.array([0.0, 2 * x[1] * x[2] + np.cos(x[1]), x[1] ** 2 + 1.0, 0.0])
    np.testing.assert_allclose(g(x), expected, rtol=1e-14)
    lines = adjoint_text(g)
    assert sum(line.startswith("bx[1]") for line in lines) == 1
    assert sum(line.startswith("bx[2]") for line in lines) == 1


def slices(x):
    return np.sum(x[0:2] ** 2) + np.sum(x[1:3] * 3.0) + np.sum(x[::2]) + x[-1]


def test_overlapping_slices():
    g = sg.grad(slices, mode="source")
    x = X4
    expected = np.array([2 * x[0] + 1.0, 2 * x[1] + 3.0, 4.0, 1.0])
    np.testing.assert_allclose(g(x), expected, rtol=1e-15)
    text = "\n".join(adjoint_text(g))
    assert "bx[0:2]" in text and "bx[1:3] +=" in text and "bx[::2]" in text
    assert "unindex(" not in g.source


def rows(A):
    return A[0] @ A[1] + np.sum(A[-1] ** 2) + np.sum(A[2] * 0.5)


def test_rows_of_a_matrix():
    A = np.arange(12.0).reshape(3, 4) / 7.0
    g = sg.grad(rows, mode="source")
    expected = np.array([A[1], A[0], 2 * A[2] + 0.5])    # A[-1] is A[2]
    np.testing.assert_allclose(g(A), expected, rtol=1e-15)
    text = "\n".join(adjoint_text(g))
    assert "bA = zeros_like(A)" in g.source and "bA[1] +=" in text
    check_fd(rows, A)


def test_float32_stays_float32():
    x = X4.astype(np.float32)
    for f in (rosen, aliasing, slices):
        got = sg.grad(f, mode="source")(x)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, sg.grad(f, mode="source")(x.astype(np.float64)), rtol=2e-6, atol=1e-5)
    got = sg.grad(rows, mode="source")(np.ones((3, 4), dtype=np.float32))
    assert got.dtype == np.float32


def data_index(x, k):
    i = int(k)
    j = i + 1
    return x[i] * x[j] + x[i] ** 2 + x[j]


@pytest.mark.parametrize("k", [0.0, 2.0, -1.0, -2.0, -4.0])
def test_indices_that_are_integers_from_the_data(k):
    g = sg.grad(data_index, mode="source")
    x = X4
    got = g(x, k)
    i, j = int(k), int(k) + 1
    expected = np.zeros(4)
    expected[i] += x[j] + 2 * x[i]
    expected[j] += x[i] + 1.0
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    text = "\n".join(adjoint_text(g))
    assert text.count("bx[i]") == 1 and text.count("bx[j]") == 1 and ("bx[i] +=" in text or "bx[j] +=" in text)
    assert "unindex(" not in text


IDX = np.array([2, 2, 3])


def arrays(x):
    return np.sum(x[[0, 0, 1]]) + x[0] * x[1] + np.sum(x[IDX]) * x[1] + np.sum(x[x > 0] ** 2)


def test_array_and_boolean_indices_are_not_written_with_plus_equals():
    g = sg.grad(arrays, mode="source")
    x = X4
    mask = x > 0
    expected = np.array([2.0 + x[1], 1.0 + x[0] + np.sum(x[IDX]), 2 * x[1], x[1]]) + 2 * x * mask
    np.testing.assert_allclose(g(x), expected, rtol=1e-14)     # x[0] twice, x[2] twice: both counted
    check_fd(arrays, x)
    text = "\n".join(adjoint_text(g))
    assert "unindex(" in text and "[0, 0, 1]" in text             # np.add.at semantics for the list
    assert not re.search(r"bx\[\[|bx\[IDX|bx\[t\d+\]", text)    # never bx[array] += ...


def split_halves(x):
    t = np.split(x, 2)
    u = t[0] * t[1]
    return np.sum(u) + np.sum(t[0])


def test_tuples_of_arrays_keep_unindex():
    g = sg.grad(split_halves, mode="source")
    x = X4
    np.testing.assert_allclose(g(x), np.concatenate([x[2:] + 1.0, x[:2]]), rtol=1e-15)
    assert "unindex(" in g.source and "zeros_like(t)" not in g.source


def mixed(x):
    y = x * 2.0
    return np.sum(y * x) + y[0] * y[1] + y[1] + y[-1]


def test_indexed_reads_beside_other_contributions():
    g = sg.grad(mixed, mode="source")
    x = X4
    y = 2.0 * x
    by = x.copy()
    by[0] += y[1]
    by[1] += y[0] + 1.0
    by[-1] += 1.0
    np.testing.assert_allclose(g(x), y + 2.0 * by, rtol=1e-14)
    text = "\n".join(adjoint_text(g))
    assert re.search(r"by = .*unindex\(", text) and "by[" in text       # a new sum, then += into it


def loop_reads(x):
    s = 0.0
    for i in range(3):
        s = s + x[i] * x[i + 1]
    return s


def test_reads_in_a_loop_still_right():
    x = X4
    expected = np.array([x[1], x[0] + x[2], x[1] + x[3], x[2]])
    np.testing.assert_allclose(sg.grad(loop_reads, mode="source")(x), expected, rtol=1e-15)


def test_many_reads_nest_no_deeper(tmp_path):
    coefficients = [round(0.01 * (i % 11 + 1), 2) for i in range(400)]
    lines = ["import numpy as np", "", "", "def many(x):", "    y = x[0] * 0.5"]
    lines += [f"    y = y + x[{i % 7 - 3}] * {c}" for i, c in enumerate(coefficients)]
    lines.append("    return y")
    path = tmp_path / "many_reads.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("many_reads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = np.arange(1.0, 8.0)
    g = sg.grad(module.many, mode="source")
    expected = np.zeros(7)
    expected[0] += 0.5
    for i, c in enumerate(coefficients):
        expected[i % 7 - 3] += c
    np.testing.assert_allclose(g(x), expected, rtol=1e-12)
    tree = ast.parse(g.source)
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += isinstance(node, ast.expr)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    assert deepest < 30


_SCALAR_READS = ["x[0]", "x[-1]", "x[3]", "x[i]", "x[j]", "A[1, 2]", "A[-1, 0]", "A[i, j]"]
_PAIR_READS = ["x[1:3]", "x[::2]", "x[[0, 0]]", "x[PAIRS]", "x[m:m + 2]", "A[0, 1:3]", "A[i, ::2]"]
_ROW_READS = ["A[0]", "A[-1]", "A[2]", "A[i]", "A[j]", "x", "A[0:1]"]
_FUNCTIONS = ["np.sin({})", "np.tanh({})", "{} * 0.5", "{} ** 2", "-{}", "np.exp({} * 0.1)", "{}"]
PAIRS = np.array([3, 3])


def _random_indexing_program(rng, name):
    lines = ["import numpy as np", "", "PAIRS = np.array([3, 3])", "", "", f"def {name}(x, A, k):",
             "    i = int(k)", "    j = i - 1", "    m = i % 2", "    s = x[1] * 0.0"]
    for n in range(rng.randint(2, 9)):
        reads = rng.choice([_SCALAR_READS, _PAIR_READS, _ROW_READS])
        left, right = rng.choice(reads), rng.choice(reads + _SCALAR_READS)
        f, g = rng.choice(_FUNCTIONS), rng.choice(_FUNCTIONS)
        if rng.random() < 0.3:
            lines.append(f"    u{n} = {f.format(left)}")
            left = f"u{n}"
        lines.append(f"    s = s {rng.choice('+-')} np.sum({f.format(left)} * {g.format(right)})")
    lines.append("    return s")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_random_indexing_programs_match_finite_differences(seed, tmp_path):
    rng = random.Random(seed)
    name = f"indexing_{seed}"
    path = tmp_path / f"{name}.py"
    path.write_text(_random_indexing_program(rng, name))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    f = getattr(module, name)
    x = np.array([0.5, -1.2, 0.3, 0.8])
    A = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    k = float(rng.choice([-2, -1, 0, 1, 2]))
    g = sg.grad(f, wrt=(0, 1), mode="source")
    got = g(x, A, k)
    expected = sg.numerical_grad(f, x, A, k, wrt=(0, 1))
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8, err_msg=g.source)
    text = "\n".join(adjoint_text(g))
    assert not re.search(r"\b\w+\[(\[|PAIRS)", text)       # never bx[array] = / += ...


# ---------------------------------------------------------------- signs


def signs(a, b, c):
    x = a * b + c
    y = x * x - a / b
    z = y * c + x / (1 + c * c)
    w = z - y * a + b ** 2
    return w * x + z * y - c


def test_negations_fold_into_their_readers():
    g = sg.grad(signs, wrt=(0, 1, 2), mode="source")
    check_fd(signs, 0.3, 1.2, -0.4, wrt=(0, 1, 2), rtol=1e-7)
    lines = adjoint_text(g)
    assert not [line for line in lines if re.fullmatch(r"b\w+ = -b\w+", line)]   # no negated copies
    for bad in ("+ -", "- -", "-(-", "-1.0 *"):
        assert bad not in g.source


def polynomial(x):
    return 3 * x ** 4 - 2 * x ** 3 + x ** 2 - 5 * x + 7


def test_negative_constants_become_subtractions():
    g = sg.grad(polynomial, mode="source")
    assert g(1.3) == pytest.approx(12 * 1.3 ** 3 - 6 * 1.3 ** 2 + 2 * 1.3 - 5, rel=1e-14)
    assert "- 6.0 * " in g.source and "+ -" not in g.source


def max_difference(u, v, b):
    return max(u - v, b)


def test_one_times_a_mask_stays_a_float():
    # 1.0 * (b <= t) is not the boolean b <= t: its negation would fail
    g = sg.grad(max_difference, wrt=(0, 1), mode="source")
    assert g(np.float64(0.7), np.float64(0.3), 0.1) == (1.0, -1.0)
    assert g(np.float64(0.1), np.float64(0.3), 0.1) == (0.0, 0.0)


# ---------------------------------------------------------------- common subexpressions and squares


def powers(x, p):
    return np.sum(p ** x) + np.sum(p ** (2.0 * x))


def test_an_expression_computed_twice_in_the_adjoint_is_computed_once():
    x, p = np.array([0.3, -0.7, 1.1]), np.array([1.5, 0.4, 2.0])
    g = sg.grad(powers, mode="source")
    np.testing.assert_allclose(g(x, p), np.log(p) * (p ** x + 2 * p ** (2 * x)), rtol=1e-13)
    assert g.source.count("np.log(np.where(") == 1


def sines(x):
    return np.sum(np.sin(x) * np.sin(x)) + np.sum(np.cos(x) * x)


def test_equal_adjoint_statements_are_one():
    x = np.array([0.3, -0.7, 1.1])
    g = sg.grad(sines, mode="source")
    np.testing.assert_allclose(g(x), 2 * np.sin(x) * np.cos(x) + np.cos(x) - x * np.sin(x), rtol=1e-13)
    values = [line.split(" = ", 1)[1] for line in adjoint_text(g) if " = " in line]
    assert len(values) == len(set(values))


def cube(x):
    return np.sum(x ** 3) + np.sum(np.tanh(x) ** 3)


def test_squares_in_the_adjoint_are_products():
    x = np.array([0.3, -0.7, 1.1])
    g = sg.grad(cube, mode="source")
    t = np.tanh(x)
    np.testing.assert_allclose(g(x), 3 * x * x + 3 * t * t * (1 - t * t), rtol=1e-13)
    adjoint = "\n".join(adjoint_text(g))
    assert "** 2" not in adjoint and "x * x" in adjoint


# ---------------------------------------------------------------- bit for bit, statements built by hand


class _Names:
    """The little of a Namespace the optimiser reads."""

    def __init__(self):
        self.externals = {"unindex": helpers.unindex, "zeros_like": helpers.zeros_like}
        self.bound = set()
        self.count = 100

    class source:
        @staticmethod
        def resolve(name):
            return (True, np) if name == "np" else (False, None)

    def load(self, name, value):
        self.externals[name] = value
        return ast.Name(name, ast.Load())

    def temp(self):
        self.count += 1
        return f"t{self.count}"


def _adjoint(primal, adjoint, grads, params=("x", "c", "g"), effects=(), adjoint_names=None):
    primal = [ast.parse(s).body[0] for s in primal]
    named = adjoint_names if adjoint_names is not None else {"x": "bx", "c": "bc", "t0": "bt0", "t1": "bt1"}
    return Adjoint("df", list(params), "bseed", primal, [ast.parse(s).body[0] for s in adjoint],
                   ast.parse("s", mode="eval").body, [ast.parse(g, mode="eval").body for g in grads], _Names(),
                   {id(primal[i]) for i in effects}, adjoint_names=named,
                   floating=frozenset(named) | frozenset(named.values()) | {"bseed"})


def _run(adj, *args):
    text = emit.source_text(adj)
    namespace = {"np": np, "unindex": helpers.unindex, "zeros_like": helpers.zeros_like}
    namespace.update(adj.names.externals)
    exec(compile(text, "<test>", "exec"), namespace)
    return namespace[adj.name](*[copy.deepcopy(a) for a in args]), text


def _flat(result):
    if isinstance(result, tuple):
        return [item for part in result for item in _flat(part)]
    return [result]


def same_bits_after_optimising(adj, *args):
    before, original = _run(copy.deepcopy(adj), *args)
    optimised = optimize_module.optimize(adj)
    after, text = _run(optimised, *args)
    before, after = _flat(before), _flat(after)
    assert len(before) == len(after)
    for b, a in zip(before, after):
        assert np.asarray(a).dtype == np.asarray(b).dtype, f"before:\n{original}\nafter:\n{text}"
        np.testing.assert_array_equal(a, b, err_msg=f"before:\n{original}\nafter:\n{text}")
    return text


X, C, G = np.array([0.3, -1.7, 2.9, 0.11]), np.array([1.5, -0.25, 3.0, 7.0]), np.array([0.7, 1.3, -2.2, 0.05])
PRIMAL = ["t0 = x * c", "t1 = np.sin(x)", "s = np.sum(t0)"]


def test_signs_are_exact():
    adj = _adjoint(PRIMAL, ["bt = -g", "bq = bt * c", "br = t0 + bt / c", "bs = -bt * t1 / c", "bu = bq + -2.0 * br",
                            "bv = -bq * -t1", "bw = -t1 + bs"], ["bu", "bv", "bw", "bs"])
    text = same_bits_after_optimising(adj, X, C, G)
    assert "bt =" not in text and "+ -" not in text and "-(-" not in text


def test_a_buffer_without_aliasing_is_exact():
    adj = _adjoint(PRIMAL, ["bx = unindex(g[0], x, 0) + unindex(t0[1], x, 2) + unindex(np.cos(g[2]), x, 0)",
                            "bq = g * 2.0", "bx = bx + unindex(bq[3], x, 1)",
                            "bx = bx + unindex(g[1:2], x, np.s_[3:4])"], ["bx", "bq"])
    text = same_bits_after_optimising(adj, X, C, G)
    assert "bx = zeros_like(x)" in text and "bx[3:4] +=" in text and "unindex" not in text


def test_a_name_read_between_the_terms_keeps_them_apart():
    adj = _adjoint(PRIMAL, ["bx = unindex(g[0], x, 0) + unindex(t0[1], x, 2)", "bq = bx * 2.0",
                            "bx = bx + unindex(bq[1], x, 1) + unindex(g[2], x, 3)"], ["bx", "bq"])
    text = same_bits_after_optimising(adj, X, C, G)
    assert "bx = zeros_like(x)" in text and "bx = bx + unindex(bq[1], x, 1)" in text   # bq reads the first sum


def test_no_buffer_past_a_store_or_for_an_unknown_array():
    adj = _adjoint(PRIMAL, ["bx = unindex(g[0], x, 0) + unindex(t0[1], x, 2)", "c[0] = 5.0",
                            "bx = bx + unindex(c[1], x, 1) + unindex(g[2], x, 3)"], ["bx"])
    text = same_bits_after_optimising(adj, X, C.copy(), G)
    assert "c[0] = 5.0" in text
    adj = _adjoint(PRIMAL, ["bc = unindex(g[0], c, 0) + unindex(t0[1], c, 2)"], ["bc"], adjoint_names={})
    assert "unindex(" in same_bits_after_optimising(adj, X, C, G)     # c might be a list


def test_reuse_and_squares_are_exact():
    adj = _adjoint(PRIMAL, ["bq = g * np.log(np.where(c > 0, c, 1))", "br = t1 * np.log(np.where(c > 0, c, 1))",
                            "bs = g * np.log(np.where(c > 0, c, 1))", "bu = bs * t1 + g ** 2",
                            "bv = bq * t1 + c ** 2"], ["bq", "br", "bu", "bv"],
                   adjoint_names={"x": "bx", "g": "bg", "t0": "bt0", "t1": "bt1"})
    text = same_bits_after_optimising(adj, X, C, G)
    assert text.count("np.log") == 1 and "g * g" in text and "c ** 2" in text   # (c is not known to be a float)


def test_one_times_what_may_be_a_mask_is_kept():
    adj = _adjoint(PRIMAL, ["bq = 1.0 * (x > c)", "br = 1.0 * bt0 + -bq"], ["bq", "br"], params=("x", "c", "bt0"))
    same_bits_after_optimising(adj, X, C, G)


def _random_adjoint(rng):
    """Random adjoint statement lists over the primal values, the seed g and earlier adjoints: negated copies,
    sums with negative terms, repeated expressions, sums of indexed reads of x (at indices naming distinct
    elements: where two name the same one, the buffer adds its terms in another order), reads of adjoints
    between them, stores and calls that write (barriers), squares."""
    operands = ["x", "c", "g", "t0", "t1"]
    exprs = ["{a} * {b}", "{a} / ({b} + 4.0)", "-{a} * {b}", "np.log(np.where({a} > 0, {a}, 1))", "{a} ** 2",
             "{a} + -2.0 * {b}", "-{a}", "np.cos({a}) * {b}"]
    stmts, adjoints, sums = [], [], {}
    for k in range(rng.randint(3, 18)):
        roll = rng.random()
        a = rng.choice(operands + adjoints)
        b = rng.choice(operands + adjoints)
        expr = rng.choice(exprs).format(a=a, b=b)
        if roll < 0.12:
            target = f"bn{k}"
            stmts.append(f"{target} = -{rng.choice(['g'] + adjoints)}")
            adjoints.append(target)
        elif roll < 0.35:
            index = rng.choice(["0", "1", "np.s_[2:4]"])
            value = f"({expr})[1:3]" if index.startswith("np.s_") else f"np.sum({expr})"
            term = f"unindex({value}, x, {index})"
            if "bx" in sums and rng.random() < 0.7:
                stmts.append(f"bx = bx + {term}")
            else:
                stmts.append(f"bx = {term}")
                sums["bx"] = True
        elif roll < 0.4 and adjoints:
            stmts.append(rng.choice([f"{rng.choice(adjoints)}[0] = 1.5", "np.copyto(c, g)"]))
        else:
            target = f"b{k}"
            stmts.append(f"{target} = {expr}" + (f" + {rng.choice(adjoints)}" if adjoints and rng.random() < 0.4
                                                    else ""))
            adjoints.append(target)
    grads = rng.sample(adjoints, min(2, len(adjoints))) + (["bx"] if "bx" in sums else [])
    return stmts, grads or ["g"]


@pytest.mark.parametrize("seed", range(300))
def test_random_adjoints_give_the_same_bits_optimised(seed):
    rng = random.Random(seed)
    stmts, grads = _random_adjoint(rng)
    adj = _adjoint(PRIMAL, stmts, grads)
    names = {n.id for s in adj.adjoint for n in ast.walk(s) if isinstance(n, ast.Name)}
    adj.adjoint_names.update({n: n for n in names if n.startswith("b")})
    same_bits_after_optimising(adj, X, C.copy(), G)
