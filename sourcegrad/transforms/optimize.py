"""Tidy a generated gradient: fold constants, propagate adjoint copies, drop dead statements.

After this pass no statement computes a value nobody reads, no adjoint is a mere copy of another,
and rule templates specialised to constants read naturally (``by * 2 * x``, not ``by * 2 * x ** (2 - 1)``).
"""

import ast
import math
import operator

from .reverse import Adjoint

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
         ast.Pow: operator.pow}


def optimize(adjoint: Adjoint) -> Adjoint:
    folder = _Fold(adjoint.names)
    adjoint.adjoint = [folder.visit(s) for s in adjoint.adjoint]
    adjoint.grads = [folder.visit(g) for g in adjoint.grads]
    _reuse_primal_values(adjoint)
    _fuse_first_contributions(adjoint)
    _propagate_copies(adjoint)
    _remove_dead(adjoint)
    return adjoint


def _number(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


class _Fold(ast.NodeTransformer):
    """Constant folding and the identities x * 1, 1 * x, x / 1, x ** 1, -(-x), a + -b."""

    def __init__(self, names):
        self.names = names

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right, op = node.left, node.right, type(node.op)
        if _number(left) and _number(right) and op in _FOLD:
            try:
                value = _FOLD[op](left.value, right.value)
            except (ArithmeticError, ValueError):
                return node
            if isinstance(value, (int, float)) and abs(value) < 1e15:
                return ast.Constant(value)
        if op is ast.Mult and _number(left) and left.value == 1:
            return right
        if op in (ast.Add, ast.Sub) and isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub):
            return ast.BinOp(left, ast.Sub() if op is ast.Add else ast.Add(), right.operand)
        if op in (ast.Mult, ast.Div, ast.Pow) and _number(right) and right.value == 1:
            return left
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub):
            if _number(node.operand):
                return ast.Constant(-node.operand.value)
            if isinstance(node.operand, ast.UnaryOp) and isinstance(node.operand.op, ast.USub):
                return node.operand.operand
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and not node.keywords
                and self._is_math(func.value.id) and all(_number(a) for a in node.args)):
            try:
                return ast.Constant(getattr(math, func.attr)(*(a.value for a in node.args)))
            except (AttributeError, ArithmeticError, ValueError, TypeError):
                return node
        return node

    def _is_math(self, name):
        if self.names.externals.get(name) is math:
            return True
        found, value = self.names.source.resolve(name)
        return found and value is math and name not in self.names.bound


def _reuse_primal_values(adjoint):
    """Common subexpressions: an expression the primal already computed is read from its name.

    The program is in SSA form, so equal expressions over the same names have equal values. A
    temporary that repeats an earlier primal expression is dropped; adjoint expressions that
    repeat one (``x ** 2`` in the adjoint of ``x ** 3``) read the primal's name instead.
    """
    known = {}      # ast.dump of a pure primal expression -> the name holding it
    kept = []
    renames = {}
    for stmt in adjoint.primal:
        stmt = _Rename(renames).visit(stmt) if renames else stmt
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and id(stmt) not in adjoint.effects and not isinstance(stmt.value, (ast.Name, ast.Constant))):
            target, key = stmt.targets[0].id, ast.dump(stmt.value)
            if key in known and _is_temporary(target):
                renames[target] = known[key]
                continue
            known.setdefault(key, target)
        kept.append(stmt)
    adjoint.primal = kept
    reuse = _Reuse(known, renames)
    adjoint.adjoint = [reuse.visit(s) for s in adjoint.adjoint]
    adjoint.grads = [reuse.visit(g) for g in adjoint.grads]
    adjoint.value = reuse.visit(adjoint.value)


def _is_temporary(name):
    return name[0] == "t" and name[1:].isdigit()


class _Reuse(ast.NodeTransformer):
    def __init__(self, known, renames):
        self.known = known
        self.renames = renames

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.renames:
            return ast.Name(self.renames[node.id], ast.Load())
        return node

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, ast.expr) and not isinstance(node, (ast.Name, ast.Constant)):
            name = self.known.get(ast.dump(node))
            if name is not None:
                return ast.Name(name, ast.Load())
        return node


def _fuse_first_contributions(adjoint):
    """``ba = e1`` ... ``ba = ba + e2`` becomes ``ba = e1 + e2`` when nothing in between reads ba
    or changes what e1 reads."""
    stmts = adjoint.adjoint
    i = 0
    while i < len(stmts):
        first = stmts[i]
        if not _is_simple_assign(first):
            i += 1
            continue
        name, reads = first.targets[0].id, _reads(first.value)
        for j in range(i + 1, len(stmts)):
            later = stmts[j]
            if (_is_simple_assign(later) and later.targets[0].id == name and isinstance(later.value, ast.BinOp)
                    and isinstance(later.value.op, ast.Add) and isinstance(later.value.left, ast.Name)
                    and later.value.left.id == name and name not in _reads(later.value.right)):
                later.value.left = first.value
                del stmts[i]
                i -= 1
                break
            if name in _reads(later) or name in _assigned(later) or reads & _assigned(later):
                break
        i += 1


def _is_simple_assign(stmt):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)


def _assigned(stmt):
    if isinstance(stmt, ast.Assign):
        return {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(stmt, ast.AugAssign):
        return {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
    return set()


def _reads(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _propagate_copies(adjoint):
    """Replace ``ba = bb`` by ``bb`` in later statements where neither name is assigned again."""
    stmts = adjoint.adjoint
    i = 0
    while i < len(stmts):
        stmt = stmts[i]
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Name)):
            a, b = stmt.targets[0].id, stmt.value.id
            later = stmts[i + 1:]
            if not any(a in _assigned(s) or b in _assigned(s) for s in later):
                _Rename({a: b}).visit_all(later)
                adjoint.grads = [_Rename({a: b}).visit(g) for g in adjoint.grads]
                del stmts[i]
                continue
        i += 1


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.mapping:
            return ast.copy_location(ast.Name(self.mapping[node.id], ast.Load()), node)
        return node

    def visit_all(self, stmts):
        for k, s in enumerate(stmts):
            stmts[k] = self.visit(s)


def _remove_dead(adjoint):
    """Drop assignments nobody reads; statements with effects (print, unknown calls) stay."""
    live = set()
    for g in adjoint.grads:
        live |= _reads(g)
    live |= _reads(adjoint.value)
    adjoint.adjoint = _sweep(adjoint.adjoint, live, set())
    adjoint.primal = _sweep(adjoint.primal, live, adjoint.effects)


def _sweep(stmts, live, effects):
    kept = []
    for stmt in reversed(stmts):
        targets = _assigned(stmt)
        if isinstance(stmt, ast.Assign) and not (targets & live) and id(stmt) not in effects:
            continue
        live -= targets if isinstance(stmt, ast.Assign) and _simple_target(stmt) else set()
        live |= _reads(stmt)
        kept.append(stmt)
    kept.reverse()
    return kept


def _simple_target(stmt):
    return all(isinstance(t, (ast.Name, ast.Tuple)) for t in stmt.targets)
