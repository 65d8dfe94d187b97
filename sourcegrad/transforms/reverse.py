"""The reverse-mode transformer: from a normalized program, the primal sweep and the adjoint sweep.

The primal is the program itself. The adjoint walks it backwards: for each statement on the path
from a ``wrt`` input to the output it inlines the statement's rule once per active operand and adds
the result into that operand's adjoint (``bx = ...`` the first time, ``bx = bx + ...`` after).
"""

import ast
from dataclasses import dataclass

from ..errors import TransformError
from ..rules import lookup_vjp, primitive_name
from ..runtime import helpers
from .analysis import SCALAR, ShapeClasses, needs_adjoint
from .inline import bind_arguments, inline
from .ir import IDENTITY, PACK, Assign, Passive


@dataclass
class Adjoint:
    """A gradient function before optimisation: statement lists and what it returns."""

    name: str
    params: list
    seed: str
    primal: list
    adjoint: list
    value: ast.expr
    grads: list
    names: object
    effects: set          # ids of primal statements that must stay even if dead (print, unknown calls)


def reverse(program, wrt, scalar_params=()):
    """The Adjoint of ``program`` with respect to the parameters named in ``wrt``."""
    names = program.names
    needed = needs_adjoint(program)
    shapes = ShapeClasses(program, set(scalar_params))
    for name, error in program.hazards:
        if shapes.of(ast.Name(name, ast.Load())) != SCALAR:
            raise error
    result = program.result
    adjoints = {}
    result_name = result.id if isinstance(result, ast.Name) else program.name
    seed = names.fresh("b" + result_name)
    if isinstance(result, ast.Name) and result.id in needed:
        adjoints[result.id] = seed
    statements = []

    def accumulate(target, expr):
        if target in adjoints:
            name = adjoints[target]
            statements.append(_assign(name, ast.BinOp(ast.Name(name, ast.Load()), ast.Add(), expr)))
        else:
            adjoints[target] = names.fresh("b" + target)
            statements.append(_assign(adjoints[target], expr))

    for stmt in reversed(program.body):
        if not isinstance(stmt, Assign):
            continue
        if stmt.target not in adjoints:
            continue
        g = ast.Name(adjoints[stmt.target], ast.Load())
        if stmt.prim is IDENTITY:
            accumulate(stmt.args[0].id, g)
            continue
        if stmt.prim is PACK:
            for i, atom in enumerate(stmt.args):
                if _is_active(atom, needed):
                    accumulate(atom.id, ast.Subscript(g, ast.Constant(i), ast.Load()))
            continue
        rule = lookup_vjp(stmt.prim)
        if rule is None:
            raise names.source.error(stmt.node, f"no derivative rule for {primitive_name(stmt.prim)}",
                                     'Register one with sg.vjp_rule, or use mode="tape".')
        arguments = bind_arguments(rule, stmt.args, stmt.kwargs, stmt.node, names.source)
        ans = ast.Name(stmt.target, ast.Load())

        def keep_broadcast(atom, ans=ans):
            return not shapes.same(atom, ans)

        params = list(rule.signature.parameters.values())
        active = {}   # parameter index -> operand name, for each operand that needs an adjoint
        for index, param in enumerate(params):
            atom = arguments.get(param.name)
            if param.kind == param.VAR_POSITIONAL:
                if any(_is_active(a, needed) for a in atom or ()):
                    raise names.source.error(stmt.node, f"the rule of {rule.name} gives no gradient for its "
                                             "variadic arguments", 'Use mode="tape".')
            elif _is_active(atom, needed):
                active[index] = atom.id
        setup, adjoints_of = inline(rule, list(active), g, ans, arguments, names, keep_broadcast)
        statements.extend(setup)
        found = [(active[i], expr) for i, expr in adjoints_of.items()]
        for name, expr in _merge_repeated(found):
            accumulate(name, expr)

    defined = {s.target for s in program.body if isinstance(s, Assign)} | set(program.params)
    lost = sorted(set(adjoints) - defined)
    if lost:   # a gradient reached a value no primitive made: it would be dropped silently
        raise names.source.error(names.source.tree, f"internal error: the gradient reaches {', '.join(lost)}, "
                                 "which source mode did not compute through a primitive; please report it",
                                 'Use mode="tape" meanwhile.', cls=TransformError)
    grads = []
    for param in wrt:
        if param in adjoints:
            grads.append(ast.Name(adjoints[param], ast.Load()))
        else:
            zeros = names.load("zeros_like", helpers.zeros_like)
            grads.append(ast.Call(zeros, [ast.Name(param, ast.Load())], []))
    primal = [_primal_statement(s) for s in program.body]
    effects = {id(p) for p, s in zip(primal, program.body)
               if isinstance(s, Passive) and (s.effect or _has_effects(p))}
    return Adjoint(_gradient_name(program.name, wrt), program.params, seed, primal, statements, result, grads,
                   names, effects)


def _has_effects(stmt):
    # A passive statement may have effects if it is not a plain assignment to names or it calls something.
    if not isinstance(stmt, ast.Assign) or not all(isinstance(t, (ast.Name, ast.Tuple)) for t in stmt.targets):
        return True
    return any(isinstance(n, ast.Call) for n in ast.walk(stmt.value))


def _merge_repeated(found):
    """``x * x`` gives x the same adjoint twice: add it once, times two."""
    if len(found) == 2 and found[0][0] == found[1][0] and ast.dump(found[0][1]) == ast.dump(found[1][1]):
        name, expr = found[0]
        return [(name, ast.BinOp(ast.Constant(2), ast.Mult(), expr))]
    return found


def _is_active(atom, needed):
    return isinstance(atom, ast.Name) and atom.id in needed


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value)


def _primal_statement(stmt):
    if isinstance(stmt, Passive):
        return stmt.stmt
    return _assign(stmt.target, stmt.value)


def _gradient_name(name, wrt):
    return f"d{name}_d{'_'.join(wrt)}"
