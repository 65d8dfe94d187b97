"""Mutation testing: does the test suite notice when the code is wrong?

    python -m tests.mutation                                  # the default modules, every mutant
    python -m tests.mutation --module sourcegrad/check.py     # one module (repeat --module for more)
    python -m tests.mutation --module sourcegrad/rules/ --limit 150 --seed 1 --jobs 2
    python -m tests.mutation --module sourcegrad/check.py --list      # the mutants, without running

Each mutant is one small change to one module's source, made on its syntax tree: an arithmetic
operator flipped (``+``/``-``, ``*``/``/``, ``**``/``*``, ``@``/``*``), a sign dropped, a comparison
flipped (``<``/``<=``/``>``, ``==``/``!=``, ``is``/``is not``, ``in``/``not in``), ``and``/``or``
swapped, a condition negated, a number changed (×2, +1, 0) or a boolean flipped, a statement
dropped, a ``return`` made early (a function returns ``None`` at its first statement), two
arguments of a call or the operands of a non-commutative operator swapped. Only the text of the
node changed is rewritten (line numbers stay where they were). For each mutant the module's test
subset runs with ``pytest -x`` and a timeout; the mutant is *killed* when a test fails (or the run
times out), and *survives* when every test passes. The score of a module is killed / mutants.

Everything happens in a temporary copy of the repository (``git archive HEAD`` by default, or the
working tree's files with ``--worktree``), never in the working tree itself, which other people
may be editing: the original file is restored after every mutant (try/finally, Ctrl-C included)
and the copy is removed at the end. Not part of CI (it takes minutes to hours).

Survivors known to be equivalent (no test can tell them apart from the original) are listed in
``EQUIVALENT`` below, with the reason; the report marks them and leaves them out of the score's
denominator only in the "adjusted" column.
"""

import argparse
import ast
import concurrent.futures
import fnmatch
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

DEFAULT_MODULES = [
    "sourcegrad/check.py",
    "sourcegrad/rules/",
    "sourcegrad/transforms/reverse.py",
    "sourcegrad/transforms/optimize.py",
    "sourcegrad/transforms/analysis.py",
    "sourcegrad/tape/",
    "sourcegrad/runtime/helpers.py",
]

# Which tests run for a mutant of a module (first matching pattern wins). Ordered so that the
# tests most likely to fail come first (pytest -x stops at the first failure).
TEST_SUBSETS = [
    ("sourcegrad/check.py", ["tests/test_check.py", "tests/test_check_internals.py"]),
    ("sourcegrad/testing.py", ["tests/test_check.py"]),
    ("sourcegrad/rules/*", ["tests/rules", "tests/runtime/test_tape.py", "tests/transforms"]),
    ("sourcegrad/tape/*", ["tests/runtime", "tests/rules"]),
    ("sourcegrad/runtime/*", ["tests/rules", "tests/transforms", "tests/runtime"]),
    ("sourcegrad/transforms/*", ["tests/transforms", "tests/rules", "tests/test_api.py", "tests/differential"]),
    ("sourcegrad/optim.py", ["tests/test_optim.py"]),
    ("sourcegrad/cli.py", ["tests/test_cli.py"]),
    ("*", ["tests"]),
]

# (module, the original line stripped, mutation description) -> why no test can kill it.
_C = "sourcegrad/check.py"
_STEP_LINE = "h = _STEP * max(1.0, abs(x0)) if math.isfinite(x0) else 0.0"
_WIDTH = "width = taken[0] + taken[1]"
_SCALE = "scale = max(abs(values[0]), abs(values[1]), abs(value))"
_REL = "rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)"
_RATIO = "ratio = np.where(tol > 0, diff / np.where(tol > 0, tol, 1.0), np.where(diff > 0, np.inf, 0.0))"
_INNER = "only changes the inner np.where that keeps the division quiet; its result is discarded where it matters"
# the two guards named below, in reverse.py and optimize.py
_NO_RULE_GUARD = 'raise names.source.error(stmt.node, f"no derivative rule for {primitive_name(stmt.prim)}",'
_MATH_FALLBACK = 'return found and value is math and name not in self.names.bound'
EQUIVALENT = {
    (_C, "return grad.astype(dtype, copy=False)", "False -> True"):
        "copying a fresh internal array that nothing else holds",
    (_C, "kwargs = dict(kwargs)", "statement dropped (Assign)"):
        "_resolve: callers pass a fresh **kwargs dict; _call: the dict is check's own and each call sets the "
        "same keys again",
    (_C, _STEP_LINE, "first two arguments swapped"): "max(1.0, |x|) == max(|x|, 1.0)",
    (_C, _STEP_LINE, "constant 0.0 -> 1.0 (+1)"): "x0 is inf or nan there: x0 +- 1 is too, the difference is nan "
                                                 "either way",
    (_C, "taken.append(abs(point[s][index] - x0))  # the step actually representable", "operands of - swapped"):
        "inside abs()",
    (_C, _WIDTH, "constant 0 -> 1 (+1)"): "the two representable steps are equal to within an ulp of x0 "
                                         "(relative 1e-10 of the step)",
    (_C, _WIDTH, "constant 1 -> 0 (0)"): "as above",
    (_C, "grad[index] = (values[0] - values[1]) / width if width > 0 else math.nan", "> -> >="):
        "width is > 0 for finite x0 and nan otherwise; it is never exactly 0",
    (_C, "noise[index] = _NOISE_FACTOR * _EPS * scale / width if width > 0 else math.inf", "> -> >="):
        "as above",
    (_C, _SCALE, "first two arguments swapped"): "max() is symmetric",
    (_C, _SCALE, "constant 0 -> 1 (+1)"): "|f(x+h)| and |f(x-h)| differ by ~|f'|h (1e-5 relative) in an estimate "
                                         "that carries a factor of 100 of margin",
    (_C, _SCALE, "constant 1 -> 0 (0)"): "as above",
    (_C, "diff = np.abs(a - b)", "operands of - swapped"): "inside abs()",
    (_C, "scale = np.maximum(np.abs(a), np.abs(b))", "first two arguments swapped"): "maximum is symmetric",
    (_C, _REL, "> -> >="): "where scale == 0 both values are 0 and so is diff (outer); inner: " + _INNER,
    (_C, _REL, "constant 1.0 -> 0 (0)"): _INNER,
    (_C, _REL, "constant 1.0 -> 2.0 (+1)"): _INNER,
    (_C, _REL, "constant 1.0 -> 2.0 (x2)"): _INNER,
    (_C, _RATIO, "> -> >="): "inner: " + _INNER + "; outer: with zero tolerance every differing element is "
                            "infinitely outside it, and the mutant ranks those by |a - b| instead: which one the "
                            "report shows, never the verdict",
    (_C, _RATIO, "constant 1.0 -> 0 (0)"): _INNER,
    (_C, _RATIO, "constant 1.0 -> 2.0 (+1)"): _INNER,
    (_C, _RATIO, "constant 1.0 -> 2.0 (x2)"): _INNER,
    (_C, '+ ("" if r.ok or not r.note else f"  ({r.note})"))', "or -> and"):
        "records that are ok carry no note (check_grad never gives them one)",
    (_C, "if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).eps > 1e-10:", "> -> >="):
        "no float type has eps exactly 1e-10",
    (_C, "if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).eps > 1e-10:",
     "constant 1e-10 -> 2e-10 (x2)"): "any threshold between float64's eps (2e-16) and float32's (1e-7) is the same",
    (_C, "and np.finfo(value.dtype).eps > _EPS:", "> -> >="):
        "float64 arguments not differentiated are copied instead of passed as they are: only visible to an f "
        "that modifies such an argument in place",
    (_C, "return np.array(value, dtype=np.float64) if isinstance(value, np.ndarray) else np.float64(value)",
     "condition of conditional expression negated"):
        "np.float64(an array) is a float64 array too, and a 0-d float64 array computes like a NumPy float",
    (_C, _RATIO, "first two arguments swapped"):
        "np.where(np.inf, diff > 0, 0.0): a differing element outside a zero tolerance ranks 1 instead of inf; "
        "the verdict and the first such element shown are the same",
    ("sourcegrad/rules/core.py", "@vjp_rule(operator.add, np.add, elementwise=True)", "first two arguments swapped"):
        "the order in which one rule is registered for several primitives",
    ("sourcegrad/rules/core.py", "@vjp_rule(operator.sub, np.subtract, elementwise=True)",
     "first two arguments swapped"): "as above",
    ("sourcegrad/rules/core.py", "@vjp_rule(operator.neg, np.negative, elementwise=True)",
     "first two arguments swapped"): "as above",
    ("sourcegrad/rules/core.py", "@vjp_rule(operator.truediv, np.divide, elementwise=True)",
     "first two arguments swapped"): "as above",
    ("sourcegrad/rules/core.py", "@vjp_rule(builtins.float, elementwise=True)", "True -> False"):
        "float(), math.log10 and math.pow take and give Python numbers: no shape class depends on the flag for "
        "them, and the analysis counts math.* and float results as new objects anyway",
    ("sourcegrad/rules/core.py", "@vjp_rule(math.log10, elementwise=True)", "True -> False"): "as above",
    ("sourcegrad/rules/core.py", "@vjp_rule(math.pow, elementwise=True)", "True -> False"): "as above",
    ("sourcegrad/rules/linalg.py", "@vjp_rule(np.dot, np.ndarray.dot)", "first two arguments swapped"):
        "the order in which one rule is registered for several primitives",
    ("sourcegrad/rules/linalg.py", "@vjp_rule(operator.matmul, np.matmul)", "first two arguments swapped"):
        "as above",
    ("sourcegrad/rules/numpy.py", "@vjp_rule(np.trace, np.ndarray.trace)", "first two arguments swapped"):
        "as above",
    ("sourcegrad/rules/linalg.py", "grad_cross(g, a, b, 1, axisa, axisb, axisc, axis),", "constant 1 -> 2 (+1)"):
        "grad_cross tests which == 0; any other value means b",
    ("sourcegrad/rules/linalg.py", "grad_cross(g, a, b, 1, axisa, axisb, axisc, axis),", "constant 1 -> 2 (x2)"):
        "as above",
    ("sourcegrad/rules/registry.py", "VERSION = [0]         # bumped on every registration, so generated code made "
     "before it is rebuilt", "constant 0 -> 1 (+1)"): "only changes of the counter matter, not its start",
    ("sourcegrad/rules/registry.py", "if isinstance(primitive, np.ufunc):", "statement dropped (If)"):
        "the general path names NumPy's ufuncs the same way (module 'numpy', qualname = name)",
    ("sourcegrad/rules/registry.py", "if qualname is None:  # a property such as ndarray.T", "statement dropped (If)"):
        "NumPy's properties have a __qualname__ ('ndarray.T'); no registered primitive lacks one",
    ("sourcegrad/rules/registry.py",
     'if module.startswith("numpy") or module == "" and "ndarray" in qualname:', "and -> or"):
        "no registered primitive has an empty module without 'ndarray' in its name",
    ("sourcegrad/rules/linalg.py",
     'def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):', "False -> True"):
        "hermitian is not used by the rule (the gradient is the same)",
    ("sourcegrad/tape/redirect.py", "if any(a is not b for a, b in zip(new, old)):", "first two arguments swapped"):
        "`a is not b` is symmetric",
    ("sourcegrad/tape/protection.py", "depth = 0", "constant 0 -> 1 (+1)"):
        "_view_depth is only a sort key: one more for every array keeps the order",
    ("sourcegrad/tape/tensor.py", "__array_priority__ = 1000.0", "constant 1000.0 -> 0 (0)"):
        "Tensor defines __array_ufunc__, which NumPy's operators consult instead of the priority (and Tensor is "
        "no ndarray subclass, so no result type is chosen by it)",
    ("sourcegrad/tape/functional.py", "budget -= len(items)", "statement dropped (AugAssign)"):
        "the budget only bounds the leak scan's work on containers of more than _LEAK_SCAN_LIMIT items; a test "
        "could only pin the cutoff (Tensors left past it), which is no behaviour to keep",
    ("sourcegrad/tape/functional.py", "while stack and budget > 0:", "constant 0 -> 1 (+1)"):
        "as above: the scan stops one item sooner, only on containers of more than _LEAK_SCAN_LIMIT items",
    ("sourcegrad/rules/numpy.py",
     'def pad(g, ans, array, pad_width, mode="constant", *, constant_values=0, end_values=0, reflect_type="even",',
     "constant 0 -> 1 (+1)"):
        "the defaults of constant_values and end_values are never read: the rule passes constant_values on only "
        "when it was given, and ignores end_values (constants of the ramp)",
    ("sourcegrad/transforms/reverse.py", _NO_RULE_GUARD, "statement dropped (Raise)"):
        "a second guard no program reaches: the normalizer declines every call without a rule and lowers only "
        "operators that have one, so the rule is never missing here",
    ("sourcegrad/transforms/reverse.py", _NO_RULE_GUARD, "first two arguments swapped"):
        "the same unreachable guard (its message is never built)",
    ("sourcegrad/transforms/optimize.py", _MATH_FALLBACK, "returns None instead"):
        "the fallback after the externals check: no adjoint holds a math call the inliner did not register "
        "(only inlined rules' expressions are folded, and their math is in externals)",
    ("sourcegrad/transforms/optimize.py", _MATH_FALLBACK, "statement dropped (Return)"):
        "the same fallback (None is falsy like its False)",
    ("sourcegrad/rules/numpy.py", "@vjp_rule(np.diagonal, np.ndarray.diagonal)", "first two arguments swapped"):
        "the same rule registered for both, in either order",
    ("sourcegrad/rules/numpy.py",
     'def array(g, ans, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None):',
     "False -> True"):
        "subok is not used by the rule (the gradient of a subclass result is the same)",
}


# ---------------------------------------------------------------- mutants


class Mutant:
    def __init__(self, path, node, lineno, col, end_lineno, end_col, replacement, description, original_line):
        self.path = path                  # relative to the repository root, as text
        self.node = node
        self.lineno, self.col, self.end_lineno, self.end_col = lineno, col, end_lineno, end_col
        self.replacement = replacement    # text that replaces the node's source segment
        self.description = description
        self.original_line = original_line.strip()
        self.status = None                # 'killed', 'survived', 'timeout', 'error'
        self.seconds = None
        self.detail = ""

    @property
    def key(self):
        return (self.path, self.original_line, self.description)

    def apply(self, text):
        """The module's text with this mutant applied; lines keep their numbers."""
        lines = text.splitlines(keepends=True)
        start = sum(len(line) for line in lines[:self.lineno - 1]) + _byte_to_char(lines[self.lineno - 1], self.col)
        end = sum(len(line) for line in lines[:self.end_lineno - 1]) + _byte_to_char(lines[self.end_lineno - 1],
                                                                                  self.end_col)
        return text[:start] + self.replacement + text[end:]

    def __str__(self):
        return f"{self.path}:{self.lineno}: {self.description}   [{self.original_line[:70]}]"


def _byte_to_char(line, col):
    """ast column offsets are UTF-8 byte offsets."""
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


BINOP_SWAPS = {
    ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
    ast.Pow: [ast.Mult], ast.MatMult: [ast.Mult], ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv],
    ast.BitAnd: [ast.BitOr], ast.BitOr: [ast.BitAnd],
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.Pow, ast.MatMult, ast.FloorDiv, ast.Mod)
CMP_SWAPS = {
    ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt],
    ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@",
          ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.Lt: "<", ast.LtE: "<=",
          ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
          ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}


def _copy(node):
    return ast.parse(ast.unparse(node), mode="eval").body if isinstance(node, ast.expr) else None


def _expr(node):
    """Text for an expression replacing a source segment: parenthesised, so precedence is kept."""
    return "(" + ast.unparse(node) + ")"


def _docstring_nodes(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                out.add(id(body[0]))
    return out


def _skipped_regions(tree):
    """Nodes whose mutation says nothing: __all__, ``if __name__ == '__main__'`` and type-only code."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.JoinedStr,)):
            skipped.update(id(n) for n in ast.walk(node))       # text of messages
    return skipped


def mutants_of(path, text):
    """Every mutant of the module ``text`` (``path`` relative to the root), in source order."""
    tree = ast.parse(text)
    lines = text.splitlines()
    docstrings = _docstring_nodes(tree)
    skipped = _skipped_regions(tree)
    out = []

    def add(node, replacement, description, start=None, end=None):
        lineno, col = start or (node.lineno, node.col_offset)
        end_lineno, end_col = end or (node.end_lineno, node.end_col_offset)
        out.append(Mutant(path, node, lineno, col, end_lineno, end_col, replacement, description,
                          lines[lineno - 1]))

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.BinOp):
            for new in BINOP_SWAPS.get(type(node.op), []):
                mutated = _copy(node)
                mutated.op = new()
                add(node, _expr(mutated), f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}")
            if isinstance(node.op, NON_COMMUTATIVE):
                mutated = _copy(node)
                mutated.left, mutated.right = mutated.right, mutated.left
                add(node, _expr(mutated), f"operands of {SYMBOL[type(node.op)]} swapped")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not, ast.Invert)):
            what = {ast.USub: "sign", ast.Not: "not", ast.Invert: "~"}[type(node.op)]
            add(node, _expr(node.operand), f"{what} dropped")
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            for new in CMP_SWAPS.get(type(node.ops[0]), []):
                mutated = _copy(node)
                mutated.ops = [new()]
                add(node, _expr(mutated), f"{SYMBOL[type(node.ops[0])]} -> {SYMBOL[new]}")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            mutated = _copy(node)
            mutated.op = other()
            add(node, _expr(mutated), f"{SYMBOL[type(node.op)]} -> {SYMBOL[other]}")
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            value = node.value
            if isinstance(value, bool):
                add(node, repr(not value), f"{value} -> {not value}")
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                for new, label in ((value * 2, "x2"), (value + 1, "+1"), (0, "0")):
                    if new != value:
                        add(node, f"({new!r})", f"constant {value!r} -> {new!r} ({label})")
        elif isinstance(node, ast.Call):
            positional = [a for a in node.args if not isinstance(a, ast.Starred)]
            if len(positional) >= 2 and len(positional) == len(node.args):
                mutated = _copy(node)
                mutated.args[0], mutated.args[1] = mutated.args[1], mutated.args[0]
                if ast.unparse(mutated) != ast.unparse(node):
                    add(node, _expr(mutated), "first two arguments swapped")
        if isinstance(node, (ast.If, ast.While)) and id(node.test) not in skipped:
            add(node.test, f"(not {_expr(node.test)})", f"condition of {type(node).__name__.lower()} negated")
        if isinstance(node, ast.IfExp):
            add(node.test, f"(not {_expr(node.test)})", "condition of conditional expression negated")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module, ast.If, ast.For,
                             ast.While, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                body = getattr(node, field, None) or []
                for stmt in body:
                    if id(stmt) in docstrings or id(stmt) in skipped:
                        continue
                    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                         ast.ClassDef, ast.Pass, ast.Global, ast.Nonlocal)):
                        continue
                    if isinstance(node, ast.Module) and isinstance(stmt, ast.Assign):
                        continue   # module constants: their values are mutated instead
                    if len(body) == 1 and field == "body":
                        replacement = "pass"
                    else:
                        replacement = "pass"
                    span = stmt.end_lineno - stmt.lineno
                    add(stmt, replacement + "\n" * span + (" " * stmt.end_col_offset if span else ""),
                        f"statement dropped ({type(stmt).__name__})")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if id(first) in docstrings and len(node.body) > 1:
                first = node.body[1]
            if id(first) not in docstrings and not isinstance(first, ast.Return):
                indent = " " * first.col_offset
                add(first, f"return None\n{indent}" + ast.get_source_segment(text, first, padded=False),
                    f"early return in {node.name}()")
        if isinstance(node, ast.Return) and node.value is not None and id(node) not in skipped:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                span = node.end_lineno - node.lineno
                add(node, "return None" + "\n" * span + (" " * node.end_col_offset if span else ""),
                    "returns None instead")
    out.sort(key=lambda m: (m.lineno, m.col, m.description))
    return out


def _compiles(mutant, text):
    try:
        compile(mutant.apply(text), mutant.path, "exec")
        return True
    except SyntaxError:
        return False


# ---------------------------------------------------------------- running


def tests_for(path):
    for pattern, tests in TEST_SUBSETS:
        if fnmatch.fnmatch(path, pattern):
            return tests
    return ["tests"]


def make_copy(worktree):
    """A private copy of the repository in a temporary directory: HEAD, or the working tree's files."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="sourcegrad-mutation-"))
    if worktree:
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               capture_output=True, check=True).stdout.decode().split("\0")
        for name in filter(None, files):
            source = ROOT / name
            if source.is_file():
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    else:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_tests(folder, tests, timeout):
    """(returncode, seconds, tail of the output); returncode None on timeout."""
    env = dict(os.environ, PYTHONPATH=str(folder), PYTHONDONTWRITEBYTECODE="1",
               SOURCEGRAD_MUTATION="1")
    env.pop("SOURCEGRAD_UPDATE_GOLDEN", None)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-W", "ignore",
               "--hypothesis-profile=default", *tests]
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    RUNNING.add(process.pid)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)      # this run's own process group only
        process.communicate()
        return None, time.monotonic() - start, ""
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    finally:
        RUNNING.discard(process.pid)
    return process.returncode, time.monotonic() - start, out[-2000:]


def _stop_running():
    """Kill the test runs in progress (each its own process group, started by this script)."""
    for pid in list(RUNNING):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _terminate(signum, frame):
    raise KeyboardInterrupt


RUNNING = set()            # process groups of the test runs in progress (killed on an interrupt)


class Worker:
    """One private copy of the repository, mutated one file at a time."""

    def __init__(self, worktree):
        self.folder = make_copy(worktree)

    def run(self, mutant, original_text, tests, timeout):
        path = self.folder / mutant.path
        try:
            path.write_text(mutant.apply(original_text))
            code, seconds, out = run_tests(self.folder, tests, timeout)
        finally:
            path.write_text(original_text)        # restored whatever happened
        mutant.seconds = seconds
        if code is None:
            mutant.status = "timeout"
        elif code == 0:
            mutant.status = "survived"
        elif code in (1,):
            mutant.status = "killed"
        else:
            mutant.status = "killed"              # collection/import errors: the mutant broke the package
            mutant.detail = f"pytest exit code {code}"
        return mutant

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def select_modules(patterns):
    out = []
    for pattern in patterns:
        path = ROOT / pattern
        if path.is_dir():
            out += sorted(str(p.relative_to(ROOT)) for p in path.rglob("*.py") if p.name != "__init__.py"
                          or p.stat().st_size > 200)
        elif path.is_file():
            out.append(str(path.relative_to(ROOT)))
        else:
            raise SystemExit(f"no such module: {pattern}")
    return list(dict.fromkeys(out))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="a module file or a package folder (repeatable); "
                        f"default: {' '.join(DEFAULT_MODULES)}")
    parser.add_argument("--limit", type=int, default=None, help="at most this many mutants per module (a random "
                        "sample, see --seed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample taken with --limit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (each in its own copy)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per test run (default: 3 x the "
                        "unmutated run + 20 s)")
    parser.add_argument("--tests", nargs="+", help="tests to run for every mutant (default: per module, see "
                        "TEST_SUBSETS)")
    parser.add_argument("--worktree", action="store_true", help="mutate a copy of the working tree's files "
                        "instead of HEAD")
    parser.add_argument("--lines", help="only the mutants on these lines (comma-separated; e.g. to run the "
                        "survivors of a sample again with other --tests)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)

    modules = select_modules(args.module or DEFAULT_MODULES)
    plan = []
    for module in modules:
        text = (ROOT / module).read_text() if args.worktree else subprocess.run(
            ["git", "show", f"HEAD:{module}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        mutants = [m for m in mutants_of(module, text) if _compiles(m, text)]
        if args.lines:
            lines = {int(n) for n in args.lines.split(",")}
            mutants = [m for m in mutants if m.lineno in lines]
        total = len(mutants)
        if args.limit is not None and len(mutants) > args.limit:
            mutants = sorted(random.Random(f"{args.seed}:{module}").sample(mutants, args.limit),
                             key=lambda m: (m.lineno, m.col, m.description))
        plan.append((module, text, mutants, total))
    if args.list:
        for module, _, mutants, total in plan:
            print(f"{module}: {len(mutants)} of {total} mutants")
            for m in mutants:
                print(f"  {m}")
        return 0

    signal.signal(signal.SIGTERM, _terminate)      # kill PID: stop cleanly too (SIGINT is ignored in background)
    workers = [Worker(args.worktree) for _ in range(max(1, args.jobs))]
    results = []
    try:
        for module, text, mutants, total in plan:
            tests = args.tests or tests_for(module)
            code, seconds, out = run_tests(workers[0].folder, tests, None)
            if code != 0:
                print(f"{module}: the unmutated tests fail ({' '.join(tests)}), skipped:\n{out}", flush=True)
                continue
            timeout = args.timeout or 3 * seconds + 20
            print(f"{module}: {len(mutants)} of {total} mutants, tests {' '.join(tests)} ({seconds:.1f} s each "
                  f"unmutated, timeout {timeout:.0f} s)", flush=True)
            free = list(workers)
            lock = threading.Lock()

            def job(mutant, text=text, tests=tests, timeout=timeout):
                with lock:
                    worker = free.pop()
                try:
                    return worker.run(mutant, text, tests, timeout)
                finally:
                    with lock:
                        free.append(worker)

            done = 0
            with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
                futures = [pool.submit(job, m) for m in mutants]
                try:
                    for future in concurrent.futures.as_completed(futures):
                        mutant = future.result()
                        done += 1
                        mark = {"killed": ".", "timeout": "T", "survived": "S"}[mutant.status]
                        if mutant.status == "survived":
                            print(f"  [{done}/{len(mutants)}] SURVIVED {mutant}", flush=True)
                        elif done % 50 == 0:
                            print(f"  [{done}/{len(mutants)}] {mark}", flush=True)
                except KeyboardInterrupt:
                    for future in futures:
                        future.cancel()
                    _stop_running()       # their workers restore their files in their finally blocks
                    raise
            results.append((module, mutants, total))
    except KeyboardInterrupt:
        print("\ninterrupted: files restored; partial report follows", flush=True)
    finally:
        for worker in workers:
            worker.close()
    report(results)
    return 0


def report(results):
    print()
    print(f"{'module':<40} {'mutants':>7} {'killed':>7} {'survived':>8} {'equiv.':>6} {'score':>7} {'adjusted':>8}")
    survivors = []
    for module, mutants, total in results:
        ran = [m for m in mutants if m.status]
        killed = sum(m.status in ("killed", "timeout") for m in ran)
        alive = [m for m in ran if m.status == "survived"]
        equivalent = [m for m in alive if m.key in EQUIVALENT]
        score = killed / len(ran) if ran else float("nan")
        adjusted = killed / (len(ran) - len(equivalent)) if len(ran) > len(equivalent) else float("nan")
        sample = "" if len(mutants) == total else f" (sample of {total})"
        print(f"{module:<40} {len(ran):>7} {killed:>7} {len(alive):>8} {len(equivalent):>6} {score:>7.1%} "
              f"{adjusted:>8.1%}{sample}")
        survivors += alive
    if survivors:
        print("\nsurvivors:")
        for m in survivors:
            reason = EQUIVALENT.get(m.key)
            print(f"  {m}" + (f"\n      equivalent: {reason}" if reason else ""))


if __name__ == "__main__":
    sys.exit(main())
