"""Axis patterns: what the generated code may assume about the shape of each value.

A value's pattern is a string with one letter per axis: ``"1"`` (the axis has length one), ``"N"`` (any
other length) or ``"?"`` (either); ``""`` is a number or a 0-d array; None means nothing is known (not even
the number of axes). The parameters' patterns come from their kinds (``sourcegrad.kinds``: the cache of
generated code is keyed on them), and flow through the program: broadcasting, reductions over constant axes,
matrix products, transposes and basic indexing. Everything else is None.

Broadcasting ties lengths: when two values broadcast together and both have an ``"N"`` axis there, the
forward pass succeeded only because those lengths are equal. So two values one of which was computed from
the other by broadcasting (an operand and the result of an elementwise operation, for instance) have equal
shapes exactly when their patterns are equal and contain no ``"?"``. ``same_shape`` answers for that case.
"""

import ast
import operator

import numpy as np

from ..kinds import SCALAR, is_array
from ..rules import is_elementwise
from .analysis import _always_scalar, _arguments, _is_numpy_reduction, _is_size
from .ir import IDENTITY, Assign, Loop, Passive, assigned_names, assignment_counts, walk_statements

_BOTTOM = object()   # a name not assigned yet in the fixpoint: no information, joins as the identity
_MATMUL = {operator.matmul, np.matmul}
_TRANSPOSE = {np.transpose, np.ndarray.T, np.ndarray.transpose}


def pattern_of_kind(kind):
    """The pattern of a parameter of this kind, or None."""
    if kind == SCALAR:
        return ""
    if is_array(kind):
        return kind[1]
    return None


def broadcast(patterns):
    """The pattern of the broadcast of values with these patterns (None if one is unknown)."""
    if any(p is None for p in patterns):
        return None
    rank = max((len(p) for p in patterns), default=0)
    result = []
    for axis in range(rank):
        letters = {p[len(p) - rank + axis] for p in patterns if len(p) - rank + axis >= 0}
        if "N" in letters:
            result.append("N")      # any "?" there is 1 or the same length
        elif "?" in letters:
            result.append("?")
        else:
            result.append("1")
    return "".join(result)


def _join(a, b):
    """The pattern of a name assigned two values with patterns a and b."""
    if a is _BOTTOM:
        return b
    if b is _BOTTOM:
        return a
    if a is None or b is None or len(a) != len(b):
        return None
    return "".join(x if x == y else "?" for x, y in zip(a, b))


class Patterns:
    """The pattern of every name of a normalized program, given its parameters' kinds (name -> kind)."""

    def __init__(self, program, kinds, free_numbers=(), resolve=None):
        """``resolve(expr)``: the object a callee expression names (for reductions in passive expressions), or None."""
        self._resolve = resolve
        self._table = {p: pattern_of_kind(kinds.get(p)) for p in program.params}
        for name in free_numbers:
            self._table.setdefault(name, "")
        statements = list(walk_statements(program.body))
        self.counters = {name for stmt in statements if isinstance(stmt, Loop) and stmt.counts
                         for name in assigned_names(stmt)}
        several = {name for name, count in assignment_counts(program.body).items() if count > 1}
        for name in several:
            self._table[name] = _BOTTOM
        rounds = 0
        while self._round(statements, several) and several:   # patterns only rise (towards None): they settle
            rounds += 1
            if rounds > 2 * len(several) + 3:
                for name in several:
                    self._table[name] = None
                self._round(statements, several)
                break
        for name, pattern in self._table.items():
            if pattern is _BOTTOM:
                self._table[name] = None

    def _round(self, statements, several):
        """One pass over the statements in program order; whether any pattern changed."""
        changed = False
        for stmt in statements:
            for target, pattern in self._assigned(stmt):
                if target in several:
                    pattern = _join(self._table[target], pattern)
                if self._table.get(target, _BOTTOM) != pattern:
                    self._table[target] = pattern
                    changed = True
        return changed

    def of(self, atom):
        """The pattern of an atom (a Name, a number, ``X.shape[0]``...), or None."""
        if isinstance(atom, ast.Constant):
            return "" if isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) else None
        if isinstance(atom, ast.Name):
            pattern = self._table.get(atom.id)
            return None if pattern is _BOTTOM else pattern
        if _is_size(atom):
            return ""
        return None

    def known(self, atom):
        """The pattern of an atom if it is fully known (no "?"), else None."""
        pattern = self.of(atom)
        return pattern if pattern is not None and "?" not in pattern else None

    def same_shape(self, a, b):
        """Whether a and b certainly have the same shape, given that one was broadcast from the other."""
        pattern = self.known(a)
        return pattern is not None and pattern == self.known(b)

    def rank(self, atom):
        pattern = self.of(atom)
        return None if pattern is None else len(pattern)

    # ---- transfer functions ----

    def _assigned(self, stmt):
        if isinstance(stmt, Assign):
            return [(stmt.target, self._of_assign(stmt))]
        if isinstance(stmt, Passive):
            value = getattr(stmt.stmt, "value", None)
            if len(stmt.targets) == 1 and isinstance(stmt.stmt, ast.Assign) and value is not None:
                return [(stmt.targets[0], self._of_expression(value))]
            return [(t, None) for t in stmt.targets]
        if isinstance(stmt, Loop):
            return [(name, "" if stmt.counts else None) for name in assigned_names(stmt)]
        return []

    def _of_expression(self, expr):
        """The pattern of a passive expression: an atom or an elementwise expression of atoms."""
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            return broadcast([self._of_expression(expr.left), self._of_expression(expr.right)])
        if isinstance(expr, ast.UnaryOp):
            return self._of_expression(expr.operand)
        if isinstance(expr, ast.Compare):
            return broadcast([self._of_expression(e) for e in [expr.left] + expr.comparators])
        if isinstance(expr, ast.Call):
            return self._reduced_call(expr) or self._filled(expr)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name) and not _is_size(expr):
            return self._indexed(self.of(expr.value), expr.slice)
        return self.of(expr)

    def _filled(self, call):
        """``np.zeros(n)``, ``np.ones((n, 3))``...: an array of a shape given by sizes (each axis "?")."""
        if self._resolve is None or not call.args or call.keywords and {k.arg for k in call.keywords} - {"dtype"}:
            return None
        if self._resolve(call.func) not in (np.zeros, np.ones, np.empty, np.full):
            return None
        shape = call.args[0]
        sizes = shape.elts if isinstance(shape, ast.Tuple) else [shape]
        if not all(_is_size(s) or isinstance(s, ast.Constant) and type(s.value) is int for s in sizes):
            return None
        return "".join("1" if isinstance(s, ast.Constant) and s.value == 1 else
                       "N" if isinstance(s, ast.Constant) else "?" for s in sizes)

    def _of_assign(self, stmt):
        prim, args = stmt.prim, stmt.args
        if prim is IDENTITY:
            return self.of(args[0])
        if _always_scalar(stmt):
            return ""
        if is_elementwise(prim):
            if set(stmt.kwargs) - {"dtype", "casting"}:
                return None
            return broadcast([self.of(a) for a in args])
        if _is_numpy_reduction(prim):
            return self._reduced(stmt)
        if prim in _MATMUL and len(args) == 2 and not stmt.kwargs:
            return _matmul(self.of(args[0]), self.of(args[1]))
        if prim is operator.getitem and len(args) == 2:
            return self._indexed(self.of(args[0]), args[1])
        if prim in _TRANSPOSE and len(args) == 1 and not stmt.kwargs:
            pattern = self.of(args[0])
            return None if pattern is None else pattern[::-1]
        return None

    def _reduced(self, stmt):
        """A NumPy reduction (sum, mean, max...) over a constant axis, with or without keepdims."""
        arguments = _arguments(stmt)
        pattern = self.of(stmt.args[0]) if stmt.args else None
        if pattern is None or set(arguments) - {"a", "x", "self", "axis", "keepdims"}:
            return None
        return _reduced(pattern, arguments.get("axis"), arguments.get("keepdims"))

    def _reduced_call(self, call):
        """``np.mean(M, axis=0, keepdims=True)`` written in a passive expression."""
        if self._resolve is None or len(call.args) != 1 or not _is_numpy_reduction(self._resolve(call.func)):
            return None
        keywords = {k.arg: k.value for k in call.keywords}
        if set(keywords) - {"axis", "keepdims"}:
            return None
        pattern = self.of(call.args[0])
        return None if pattern is None else _reduced(pattern, keywords.get("axis"), keywords.get("keepdims"))

    def _indexed(self, pattern, index):
        """``x[index]`` for basic indices: ints, slices, None, and tuples of them."""
        if pattern is None:
            return None
        parts = _index_parts(index, self.counters)
        if parts is None:
            return None
        result, axis = [], 0
        for part in parts:
            if part == "new":
                result.append("1")
                continue
            if axis >= len(pattern):
                return None
            if part == "all":
                result.append(pattern[axis])
            elif part == "slice":
                result.append("?")
            axis += 1          # "int" drops the axis
        return "".join(result) + pattern[axis:]


def _reduced(pattern, axis, keepdims):
    """The pattern of a reduction of a value with ``pattern`` over ``axis`` (atoms or None), or None."""
    if keepdims is not None and not (isinstance(keepdims, ast.Constant) and isinstance(keepdims.value, bool)):
        return None
    keep = keepdims is not None and keepdims.value
    if axis is None or isinstance(axis, ast.Constant) and axis.value is None:
        return "1" * len(pattern) if keep else ""
    axes = axis.elts if isinstance(axis, ast.Tuple) else [axis]
    if not all(isinstance(a, ast.Constant) and type(a.value) is int for a in axes):
        return None
    if not all(-len(pattern) <= a.value < len(pattern) for a in axes):
        return None
    reduced = {a.value % len(pattern) for a in axes}
    if keep:
        return "".join("1" if i in reduced else p for i, p in enumerate(pattern))
    return "".join(p for i, p in enumerate(pattern) if i not in reduced)


def _index_parts(index, counters):
    """Each item of a basic index as "int", "all" (``:``), "slice" or "new" (None), or None for anything else."""
    if isinstance(index, ast.Subscript) and isinstance(index.value, ast.Attribute) and index.value.attr == "s_":
        index = index.slice     # np.s_[...]: how the normalizer writes an index with slices
    items = index.elts if isinstance(index, ast.Tuple) else [index]
    parts = []
    for item in items:
        if isinstance(item, ast.Constant) and type(item.value) is int:
            parts.append("int")
        elif isinstance(item, ast.Name) and item.id in counters:
            parts.append("int")
        elif isinstance(item, ast.Constant) and item.value is None:
            parts.append("new")
        elif isinstance(item, ast.Slice):
            full = item.lower is None and item.upper is None and item.step is None
            parts.append("all" if full else "slice")
        else:
            return None
    return parts


def _matmul(a, b):
    if a is None or b is None or not a or not b or len(a) > 2 or len(b) > 2:
        return None
    if len(a) == 2 and len(b) == 2:
        return a[0] + b[1]
    if len(a) == 2:
        return a[0]
    if len(b) == 2:
        return b[1]
    return ""
