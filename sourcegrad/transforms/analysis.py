"""Facts about a normalized program that the reverse pass needs.

- ``needs_adjoint``: which values lie on a path from a ``wrt`` input to the output (activity
  forward is computed while normalizing; this is the backward half).
- ``shape_classes``: which values certainly have the same shape, so that ``unbroadcast`` can be
  left out of the generated code where it could only return its argument.
"""

import ast

import numpy as np

from ..rules import is_elementwise
from .ir import IDENTITY, Assign, Passive

SCALAR = "scalar"
_REDUCTIONS = {"sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "average", "trace"}


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


def _keepdims_reduction(stmt):
    keepdims = stmt.kwargs.get("keepdims")
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
        self._unknown = 0
        self._classes = {p: SCALAR if p in scalar_params else ("param", p) for p in program.params}
        for stmt in program.body:
            if isinstance(stmt, Assign):
                self._classes[stmt.target] = self._of_assign(stmt)
            elif isinstance(stmt, Passive):
                value = getattr(stmt.stmt, "value", None)
                for target in stmt.targets:
                    if len(stmt.targets) == 1 and isinstance(value, ast.Compare):
                        self._classes[target] = self._merge([value.left] + value.comparators)
                    else:
                        self._classes[target] = ("value", target)

    def _of_assign(self, stmt):
        if stmt.prim is IDENTITY:
            return self.of(stmt.args[0])
        if _always_scalar(stmt):
            return SCALAR
        if _keepdims_reduction(stmt):
            # same input, same constant axis, keepdims: the same shape (with 1s where it reduced)
            axis = stmt.kwargs.get("axis")
            if axis is not None and not isinstance(axis, (ast.Constant, ast.Tuple)):
                return ("value", stmt.target)
            return ("reduced", self.of(stmt.args[0]), ast.dump(axis) if axis is not None else None)
        if is_elementwise(stmt.prim):
            return self._merge(stmt.args)
        return ("value", stmt.target)

    def _merge(self, atoms):
        classes = {self.of(a) for a in atoms} - {SCALAR}
        # x - x.max(axis=1, keepdims=True) has the shape of x
        classes = {c for c in classes if not (c[0] == "reduced" and c[1] in classes)}
        if not classes:
            return SCALAR
        if len(classes) == 1:
            return classes.pop()
        self._unknown += 1
        return ("merged", self._unknown)

    def of(self, atom):
        """The class of an atom; distinct unknown atoms get distinct classes."""
        if isinstance(atom, ast.Constant) and isinstance(atom.value, (int, float)) or _is_size(atom):
            return SCALAR
        if isinstance(atom, ast.Name):
            return self._classes.get(atom.id, ("free", atom.id))
        return ("expr", id(atom))

    def same(self, a, b):
        return self.of(a) == self.of(b)
