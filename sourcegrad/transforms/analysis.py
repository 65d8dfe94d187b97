"""Facts about a normalized program that the reverse pass needs.

- ``needs_adjoint``: which values lie on a path from a ``wrt`` input to the output (activity
  forward is computed while normalizing; this is the backward half).
- ``shape_classes``: which values certainly have the same shape, so that ``unbroadcast`` can be
  left out of the generated code where it could only return its argument.
"""

import ast

import numpy as np

from ..rules import is_elementwise, lookup_vjp
from .ir import IDENTITY, Assign, Loop, Passive, assigned_names, assignment_counts, walk_statements

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


def _is_number_atom(atom, numbers):
    if isinstance(atom, ast.Constant):
        return isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) or atom.value is None
    return isinstance(atom, ast.Name) and atom.id in numbers


def _free_numbers(program):
    """Globals, closure variables and constants of inlined helpers that hold a number: the generated code is
    rebuilt when one of them is rebound (the guards check each by identity), so it may rely on their kind."""
    names = getattr(program, "names", None)
    if names is None:
        return {}
    found = {}
    for name, value in names.externals.items():
        if type(value) in (int, float) or isinstance(value, np.floating):
            found[name] = SCALAR
    for name, records in names.source.resolved.items():
        for _mapping, _name, value in records[:1]:
            if (type(value) in (int, float) or isinstance(value, np.floating)) and name not in names.bound:
                found[name] = SCALAR
    return found


def needs_adjoint(program):
    """The SSA names whose adjoint the output's gradient needs."""
    result = program.result
    needed = set()
    if isinstance(result, ast.Name) and result.id in program.active:
        needed.add(result.id)
    assigns = [s for s in walk_statements(program.body) if isinstance(s, Assign) and s.active]
    changed = True
    while changed:   # a loop reads on the next iteration what its body assigns later: until nothing changes
        changed = False
        for stmt in reversed(assigns):
            if stmt.target in needed:
                for atom in list(stmt.args) + list(stmt.kwargs.values()):
                    if isinstance(atom, ast.Name) and atom.id in program.active and atom.id not in needed:
                        needed.add(atom.id)
                        changed = True
    return needed


class ShapeClasses:
    """Equivalence classes of 'same shape'. Values of class SCALAR are Python/NumPy scalars."""

    def __init__(self, program, scalar_params):
        """Names assigned in several places (the joins of branches, values carried around loops) get the
        class all their assignments agree on, else one of their own: a fixpoint, from the optimistic guess
        that each is what its first assignment says (a loop may read a value its body assigns later)."""
        self._names = getattr(program, "names", None)
        params = {p: SCALAR if p in scalar_params else ("param", p) for p in program.params}
        params.update(_free_numbers(program))
        statements = list(walk_statements(program.body))
        joins = {name for name, count in assignment_counts(program.body).items() if count > 1}
        guess = {name: SCALAR for name in joins}
        for attempt in range(len(joins) + 3):
            if attempt == len(joins) + 2:   # no fixpoint (classes need not move one way): every join its own
                guess = {name: ("value", name) for name in joins}
            self._classes = dict(params)
            self._classes.update(guess)
            found = {}
            for stmt in statements:
                for target, cls in self._assigned_classes(stmt):
                    if target in joins:
                        found.setdefault(target, set()).add(cls)
                    else:
                        self._classes[target] = cls
            agreed = {name: next(iter(found[name])) if len(found.get(name, ())) == 1 else ("value", name)
                      for name in joins}
            if agreed == guess:
                break
            guess = agreed

    def numbers(self, program, scalar_params):
        """The names that certainly hold a Python or NumPy number (immutable: an in-place operator on one makes a
        new one), not a 0-d array: made by arithmetic, ``math``, a ufunc or a full reduction from numbers, or
        copies of them. A fixpoint over the program's assignments (a loop's carried value is a number when every
        assignment of it is)."""
        definitions = {}
        for stmt in walk_statements(program.body):
            for target, number in self._number_sources(stmt):
                definitions.setdefault(target, []).append(number)
        known = set(scalar_params)
        candidates = set(definitions)
        while True:
            assumed = known | candidates
            found = {name for name in candidates if all(check(assumed) for check in definitions[name])}
            if found == candidates:
                return known | found
            candidates = found

    def _number_sources(self, stmt):
        """(target, a function of the set of names assumed numbers: whether this assignment gives a number)."""
        def atoms_are_numbers(atoms):
            return lambda numbers: all(_is_number_atom(a, numbers) for a in atoms)
        if isinstance(stmt, Assign):
            if stmt.prim is IDENTITY:
                return [(stmt.target, atoms_are_numbers(stmt.args))]
            prim = stmt.prim
            numeric = (getattr(prim, "__module__", None) in ("math", "_operator", "operator") or prim in (float, abs, max, min)
                       or isinstance(prim, np.ufunc) and prim.signature is None or _always_scalar(stmt))
            if numeric and self.of(ast.Name(stmt.target, ast.Load())) == SCALAR:
                if _always_scalar(stmt):
                    return [(stmt.target, lambda numbers: True)]
                return [(stmt.target, atoms_are_numbers(list(stmt.args) + list(stmt.kwargs.values())))]
            return [(stmt.target, lambda numbers: False)]
        if isinstance(stmt, Passive):
            value = getattr(stmt.stmt, "value", None)
            if len(stmt.targets) == 1 and isinstance(stmt.stmt, ast.Assign) and value is not None:
                return [(stmt.targets[0], lambda numbers: self._is_number(value, numbers))]
            return [(t, lambda numbers: False) for t in stmt.targets]
        if isinstance(stmt, Loop):
            return [(name, (lambda numbers: True) if stmt.counts else (lambda numbers: False))
                    for name in assigned_names(stmt)]
        return []

    def _is_number(self, expr, numbers):
        """Whether an expression with no gradient (kept as written) certainly gives a Python or NumPy number."""
        if isinstance(expr, (ast.Constant, ast.Name)):
            return _is_number_atom(expr, numbers)
        if isinstance(expr, ast.BinOp):
            return self._is_number(expr.left, numbers) and self._is_number(expr.right, numbers)
        if isinstance(expr, ast.UnaryOp):
            return self._is_number(expr.operand, numbers)
        if _is_size(expr):
            return True
        if isinstance(expr, ast.Call) and not expr.keywords:
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in _REDUCTIONS and not expr.args:
                return True   # x.sum(), x.mean()...: a full reduction gives a NumPy scalar
            callee = self._resolve(func)
            numeric = (getattr(callee, "__module__", None) == "math" or callee in (float, int, abs, round, min, max)
                       or isinstance(callee, np.ufunc) and callee.signature is None and callee.nout == 1)
            return numeric and all(self._is_number(a, numbers) for a in expr.args)
        return False

    def _resolve(self, func):
        """The object a callee expression of generated code names (a module attribute, a global), or None."""
        names = getattr(self, "_names", None)
        if names is None:
            return None
        if isinstance(func, ast.Name):
            if func.id in names.externals:
                return names.externals[func.id]
            records = names.source.resolved.get(func.id)
            return records[0][2] if records else None
        if isinstance(func, ast.Attribute):
            base = self._resolve(func.value)
            return getattr(base, func.attr, None) if base is not None else None
        return None

    def _assigned_classes(self, stmt):
        if isinstance(stmt, Assign):
            return [(stmt.target, self._of_assign(stmt))]
        if isinstance(stmt, Passive):
            value = getattr(stmt.stmt, "value", None)
            found = []
            for target in stmt.targets:
                known = len(stmt.targets) == 1 and value is not None
                if known and (isinstance(value, (ast.Name, ast.Constant)) or _is_size(value)):
                    found.append((target, self.of(value)))   # a copy: the joins of branches and loops
                    continue
                cls = self._of_expression(value) if known else None
                found.append((target, cls if cls is not None else ("value", target)))
            return found
        if isinstance(stmt, Loop):
            return [(name, SCALAR if stmt.counts else ("value", name)) for name in assigned_names(stmt)]
        return []

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
