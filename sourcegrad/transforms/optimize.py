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
