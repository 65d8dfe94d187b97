"""Facts about a normalized program that the reverse pass needs.

- ``needs_adjoint``: which values lie on a path from a ``wrt`` input to the output (activity
  forward is computed while normalizing; this is the backward half).
- ``shape_classes``: which values certainly have the same shape, so that ``unbroadcast`` can be
  left out of the generated code where it could only return its argument.
"""

import ast

import numpy as np

from ..rules import is_elementwise, lookup_vjp
from .ir import IDENTITY, Assign, Passive

SCALAR = "scalar"
_REDUCTIONS = {"sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "average"}


def _is_size(atom):
    """``X.shape[0]``, ``X.ndim``, ``X.size``, ``-1``: integers, whatever X is."""
    if isinstance(atom, ast.UnaryOp):
        return isinstance(atom.operand, ast.Constant) and isinstance(atom.operand.value, (int, float))
    if isinstance(atom, ast.Attribute):
        return atom.attr in ("ndim", "size")
    return (isinstance(atom, ast.Subscript) and isinstance(atom.value, ast.Attribute) and atom.value.attr == "shape"
            and isinstance(atom.slice, (ast.Constant, ast.UnaryOp)))


def _is_numpy_reduction(prim):
    if getattr(prim, "__name__", None) not in _REDUCTIONS:
        return False
    module = getattr(prim, "__module__", None) or ""
    return module.startswith("numpy") or getattr(prim, "__objclass__", None) is np.ndarray


def _arguments(stmt):
    """The operands of a primitive application by parameter name (positional ones included), or {}."""
    rule = lookup_vjp(stmt.prim)
    if rule is None or rule.signature is None:
        return {}
    try:
        return rule.signature.bind(*stmt.args, **stmt.kwargs).arguments
    except TypeError:
        return {}


def _keepdims_reduction(stmt):
    keepdims = _arguments(stmt).get("keepdims")
    return (_is_numpy_reduction(stmt.prim) and isinstance(keepdims, ast.Constant) and keepdims.value is True
            and isinstance(stmt.args[0], ast.Name))


def _always_scalar(stmt):
    """Whether a primitive application always gives a scalar: math.*, float(), and NumPy reductions
    over all axes."""
    prim = stmt.prim
    if getattr(prim, "__module__", None) == "math" or prim is float:
        return True
    if not _is_numpy_reduction(prim) or len(stmt.args) != 1:
        return False
    axis, keepdims = stmt.kwargs.get("axis"), stmt.kwargs.get("keepdims")
    return (axis is None or isinstance(axis, ast.Constant) and axis.value is None) and (
        keepdims is None or isinstance(keepdims, ast.Constant) and not keepdims.value)


def needs_adjoint(program):
    """The SSA names whose adjoint the output's gradient needs."""
    result = program.result
    needed = set()
    if isinstance(result, ast.Name) and result.id in program.active:
        needed.add(result.id)
    for stmt in reversed(program.body):
        if isinstance(stmt, Assign) and stmt.active and stmt.target in needed:
            for atom in list(stmt.args) + list(stmt.kwargs.values()):
                if isinstance(atom, ast.Name) and atom.id in program.active:
                    needed.add(atom.id)
    return needed


class ShapeClasses:
    """Equivalence classes of 'same shape'. Values of class SCALAR are Python/NumPy scalars."""

    def __init__(self, program, scalar_params):
        self._classes = {p: SCALAR if p in scalar_params else ("param", p) for p in program.params}
        for stmt in program.body:
            if isinstance(stmt, Assign):
                self._classes[stmt.target] = self._of_assign(stmt)
            elif isinstance(stmt, Passive):
                value = getattr(stmt.stmt, "value", None)
                for target in stmt.targets:
                    known = len(stmt.targets) == 1 and value is not None
                    self._classes[target] = self._of_expression(value) if known else ("value", target)
                    if self._classes[target] is None:
                        self._classes[target] = ("value", target)

    def _of_expression(self, expr):
        """The class of an elementwise expression of atoms (``1 - y``, ``x > 0``), else None."""
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            parts = [expr.left, expr.right]
        elif isinstance(expr, ast.UnaryOp):
            parts = [expr.operand]
        elif isinstance(expr, ast.Compare):
            parts = [expr.left] + expr.comparators
        else:
            return None
        classes = []
        for part in parts:
            if isinstance(part, (ast.BinOp, ast.UnaryOp, ast.Compare)):
                inner = self._of_expression(part)
                if inner is None:
                    return None
                classes.append(inner)
            elif isinstance(part, (ast.Name, ast.Constant)) or _is_size(part):
                classes.append(self.of(part))
            else:
                return None
        return self._join(classes)

    def _of_assign(self, stmt):
        if stmt.prim is IDENTITY:
            return self.of(stmt.args[0])
        if _always_scalar(stmt):
            return SCALAR
        if _keepdims_reduction(stmt):
            # same input, same constant axis, keepdims: the same shape (with 1s where it reduced)
            axis = _arguments(stmt).get("axis")
            if axis is not None and not isinstance(axis, (ast.Constant, ast.Tuple)):
                return ("value", stmt.target)
            return ("reduced", self.of(stmt.args[0]), ast.dump(axis) if axis is not None else None)
        if is_elementwise(stmt.prim):
            return self._merge(stmt.args)
        return ("value", stmt.target)

    def _merge(self, atoms):
        return self._join([self.of(a) for a in atoms])

    def _join(self, classes):
        """The class of the broadcast of values of these classes."""
        classes = set(classes) - {SCALAR}
        # x - x.max(axis=1, keepdims=True) has the shape of x
        classes = {c for c in classes if not (c[0] == "reduced" and c[1] in classes)}
        # The broadcast shape of several operands depends only on their shapes, and broadcasting is
        # associative, commutative and idempotent: a merged class is the set of classes it joins.
        joined = set()
        for c in classes:
            joined |= c[1] if c[0] == "merged" else {c}
        if not joined:
            return SCALAR
        if len(joined) == 1:
            return joined.pop()
        return ("merged", frozenset(joined))

    def of(self, atom):
        """The class of an atom; distinct unknown atoms get distinct classes."""
        if isinstance(atom, ast.Constant) and isinstance(atom.value, (int, float)) or _is_size(atom):
            return SCALAR
        if isinstance(atom, ast.Name):
            return self._classes.get(atom.id, ("free", atom.id))
        return ("expr", id(atom))

    def same(self, a, b):
        return self.of(a) == self.of(b)
