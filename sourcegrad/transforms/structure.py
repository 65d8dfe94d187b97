"""Put a function's control flow in the shape the normalizer lowers: every jump is the last statement of
its block, and loops have no ``else`` and no ``return``.

- ``for``/``while`` ... ``else``: a flag (``broke = False``; ``broke = True`` before each ``break``;
  ``if not broke: <else>`` after the loop);
- ``return`` inside a loop: ``returned, result = True, value`` then ``break``, and after the loop
  ``if returned: return result`` (a ``return`` again, of the enclosing loop if there is one);
- statements after an ``if`` one of whose branches always leaves (``return``, ``break``, ``continue``)
  move into its other branch, so that no statement follows a jump;
- a ``continue`` that ends a path through a loop body is dropped (the iteration ends there anyway).

The statements are the user's own nodes (positions kept, for errors), rearranged; new nodes copy the
position of the statement they stand for.
"""

import ast
import copy


JUMPS = (ast.Return, ast.Break, ast.Continue)


def canonical(body, fresh, error):
    """The statements of ``body`` in canonical form. ``fresh(base)`` gives a new user-level name;
    ``error(node, message)`` builds the exception for unreachable code."""
    body = _desugar(body, fresh, in_loop=False)
    body = _hoist(body, error)
    return body


def always_leaves(block):
    """Whether every path through ``block`` ends in return, break or continue."""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, JUMPS):
        return True
    return isinstance(last, ast.If) and always_leaves(last.body) and always_leaves(last.orelse)


def _at(new, old):
    return ast.copy_location(ast.fix_missing_locations(ast.copy_location(new, old)), old)


def _assign(name, value, node):
    return _at(ast.Assign([ast.Name(name, ast.Store())], value), node)


def _desugar(stmts, fresh, in_loop):
    """Loops lose their ``else`` and their ``return``s (innermost loops first)."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            stmt.body = _desugar(stmt.body, fresh, in_loop)
            stmt.orelse = _desugar(stmt.orelse, fresh, in_loop)
            out.append(stmt)
        elif isinstance(stmt, (ast.For, ast.While)):
            out.extend(_desugar_loop(stmt, fresh))
        else:
            out.append(stmt)
    return out


def _desugar_loop(loop, fresh):
    loop.body = _desugar(loop.body, fresh, in_loop=True)
    before, after = [], []
    returns = _own(loop.body, ast.Return)
    if returns:
        returned, result = fresh("returned"), fresh("result")
        before.append(_assign(returned, ast.Constant(False), loop))
        for ret in returns:
            value = ret.value if ret.value is not None else ast.Constant(None)
            _replace(loop.body, ret, [_assign(result, value, ret), _assign(returned, ast.Constant(True), ret),
                                      _at(ast.Break(), ret)])
        after.append(_at(ast.If(ast.Name(returned, ast.Load()),
                                [_at(ast.Return(ast.Name(result, ast.Load())), loop)], []), loop))
    if loop.orelse:
        broke = fresh("broke")
        before.append(_assign(broke, ast.Constant(False), loop))
        for brk in _own(loop.body, ast.Break):
            _replace(loop.body, brk, [_assign(broke, ast.Constant(True), brk), brk])
        test = _at(ast.UnaryOp(ast.Not(), ast.Name(broke, ast.Load())), loop.orelse[0])
        after.insert(0, _at(ast.If(test, _desugar(loop.orelse, fresh, in_loop=False), []), loop.orelse[0]))
        loop.orelse = []
    return before + [loop] + after


def _own(stmts, kind):
    """The statements of ``kind`` in ``stmts`` that belong to this loop (not to a loop nested in it)."""
    found = []
    for stmt in stmts:
        if isinstance(stmt, kind):
            found.append(stmt)
        elif isinstance(stmt, ast.If):
            found += _own(stmt.body, kind) + _own(stmt.orelse, kind)
        elif isinstance(stmt, (ast.With, ast.Try)):
            for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                found += _own(block, kind)
    return found


def _replace(stmts, old, new):
    """Replace statement ``old`` (found anywhere in the blocks of ``stmts`` outside nested loops)."""
    for k, stmt in enumerate(stmts):
        if stmt is old:
            stmts[k:k + 1] = new
            return True
        if isinstance(stmt, ast.If):
            if _replace(stmt.body, old, new) or _replace(stmt.orelse, old, new):
                return True
        elif isinstance(stmt, (ast.With, ast.Try)):
            for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                if _replace(block, old, new):
                    return True
    return False


def _hoist(stmts, error, loop_body=False):
    """No statement after a jump: what follows an ``if`` with a branch that may leave moves to the end of
    every path through it that does not. A loop body loses the ``continue`` that ends one of its paths."""
    out = []
    for k, stmt in enumerate(stmts):
        rest = stmts[k + 1:]
        if isinstance(stmt, ast.If):
            body, orelse = _hoist(stmt.body, error), _hoist(stmt.orelse, error)
            if rest and (may_leave(body) or may_leave(orelse)):
                if always_leaves(body) and always_leaves(orelse):
                    raise error(rest[0], "unreachable code: every branch of the if before it leaves")
                copies = [0, copy.deepcopy(rest)]   # (hoisting changes the nodes it places: copy them first)
                body = _continue_with(body, rest, error, copies)
                orelse = _continue_with(orelse, rest, error, copies)
                rest = []
            stmt.body, stmt.orelse = body, orelse
            out.append(stmt)
            if not rest:
                break
        elif isinstance(stmt, (ast.For, ast.While)):
            stmt.body = _hoist(stmt.body, error, loop_body=True)
            out.append(stmt)
        elif isinstance(stmt, JUMPS):
            if rest:
                kind = {ast.Return: "return", ast.Break: "break", ast.Continue: "continue"}[type(stmt)]
                raise error(rest[0], f"unreachable code after {kind}")
            out.append(stmt)
        else:
            out.append(stmt)
    if loop_body:
        _drop_final_continue(out)
    return out


MAX_COPIES = 16   # paths a block of statements after a leaving branch may be copied into


def may_leave(block):
    """Whether some path through ``block`` ends in return, break or continue."""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, JUMPS):
        return True
    return isinstance(last, ast.If) and (may_leave(last.body) or may_leave(last.orelse))


def _continue_with(block, rest, error, copies):
    """``block`` followed by ``rest`` on every path through it that does not leave."""
    if always_leaves(block):
        return block
    if block and isinstance(block[-1], ast.If) and may_leave(block):
        last = block[-1]
        last.body = _continue_with(last.body, rest, error, copies)
        last.orelse = _continue_with(last.orelse, rest, error, copies)
        return block
    copies[0] += 1
    if copies[0] > MAX_COPIES:
        raise error(rest[0], "too many paths leave early (return, break, continue) before these statements "
                    "for source mode to place them on each path")
    return _hoist(block + (copy.deepcopy(copies[1]) if copies[0] > 1 else rest), error)


def _drop_final_continue(block):
    if block and isinstance(block[-1], ast.Continue):
        block.pop()
    elif block and isinstance(block[-1], ast.If):
        _drop_final_continue(block[-1].body)
        _drop_final_continue(block[-1].orelse)
