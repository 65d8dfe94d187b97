"""Lists and comprehensions in code with loops: the part of the normalizer that lowers them.

- A list grown by ``append`` in a loop or a branch whose items carry a gradient is written as new versions,
  ``lst_1 = appended(lst, v)`` (the adjoint reads each version as it was); its adjoint has one entry per
  item, and the list may go only where that is understood (``np.stack``, ``np.array``, ``np.concatenate``,
  ``np.vstack``, ``np.hstack``, reads of one item).
- A loop over a tuple or list whose items are known and carry a gradient is unrolled.
- ``sum(<generator or list comprehension>)`` becomes an accumulating loop before its statement, and a list
  comprehension a loop growing a list, when nothing in the statement has effects (the order is then
  invisible); their variables keep their names unless the function uses the same name.
"""

import ast
import copy
import operator

from ..runtime.helpers import appended
from . import effects
from .ir import IDENTITY, RenameNames, clone
from .parse import TAPE_HINT


class Sequences:
    """Mixed into the Normalizer (through ``control.ControlFlow``)."""

    # ---- lists grown by append ----

    def is_list(self, key):
        """Whether SSA name ``key`` holds a list built here that may grow (a list literal, or a version of one)."""
        container = self.containers.get(key)
        return key in self.growing or container is not None and container.kind == "list"

    def lower_growing_append(self, call, scope, stmt):
        """``lst.append(v)`` on a list grown in a branch or loop, where ``v`` or the list carries a gradient:
        ``lst_1 = appended(lst, v)``, a new version (the adjoint reads each version as it was). False when the
        call is not one."""
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and isinstance(call.func.value, ast.Name) and len(call.args) == 1 and not call.keywords):
            return False
        name = call.func.value.id
        atom = scope.env.get(name)
        if not isinstance(atom, ast.Name) or atom.id not in self.growing:
            return False
        if not (self.is_active(call.args[0], scope) or self.atom_is_active(atom)):
            return False
        current = self.rebindable(name, scope)
        if current is None:
            raise scope.source.error(call, f"{name} is a list that may also be reached another way (another name, "
                                     "the caller, a container holding it), and appending a value that carries a "
                                     "gradient to it in place is not followed by source mode", TAPE_HINT)
        item = self.atomize(call.args[0], scope)
        lst = ast.Name(current, ast.Load())
        value = ast.Call(self.names.load("appended", appended), [clone(lst), clone(item)], [])
        version = self.new_version(name, scope)
        from .normalize import _Op
        self.lower_into(_Op(appended, value, [clone(lst), clone(item)]), version, scope, stmt)
        items = self.aliases.reachable(current) - self.aliases.members(current)   # what the old list holds
        for held in self.alias_roots(item) + sorted(items):
            self.aliases.contain(version, held)
        self.growing.add(version)
        scope.env[name] = ast.Name(version, ast.Load())
        return True

    def check_list_use(self, op, operands, scope, node):
        """A list grown by append goes only where its adjoint, one entry per item, is understood."""
        from .normalize import LIST_CONSUMERS
        for atom in operands:
            if isinstance(atom, ast.Name) and atom.id in self.growing and (atom.id in self.active or op.prim is not
                                                                           IDENTITY):
                if op.prim is IDENTITY:
                    continue
                if op.prim not in LIST_CONSUMERS or op.prim is operator.getitem and (
                        atom is not op.args[0] or isinstance(op.args[1], (ast.Slice, ast.Subscript, ast.Tuple))):
                    label = getattr(op.prim, "__name__", repr(op.prim))
                    raise scope.source.error(node, f"a list grown by append that carries a gradient is used by "
                                             f"{label}; source mode follows such lists into np.stack, np.array, "
                                             "np.concatenate, np.vstack, np.hstack and reads of one item",
                                             TAPE_HINT)

    # ---- loops over known lists and tuples, and sums of comprehensions ----

    MAX_UNROLLED = 64

    def unroll(self, stmt, scope):
        """``for t in (a, b, c)`` (or a list or tuple built here whose items are known) with an item that
        carries a gradient: the body once per item, with the target bound to it (no loop is left: the trip
        count is fixed). Loops that break are not unrolled. Returns whether it unrolled."""
        if not isinstance(stmt, ast.For) or any(isinstance(n, ast.Break) for n in ast.walk(stmt)):
            return False
        literal = isinstance(stmt.iter, (ast.List, ast.Tuple)) and not any(
            isinstance(e, ast.Starred) for e in stmt.iter.elts)
        known = None if literal else self.known_container(stmt.iter, scope)
        if not literal and (known is None or known.kind == "dict"):
            return False
        if literal and not self.is_active(stmt.iter, scope) or known is not None and not any(
                self.atom_is_active(a) for a in known.items):
            return False
        changed = self.changed_in(stmt, scope)
        for name in (n.id for n in ast.walk(stmt.iter) if isinstance(n, ast.Name)):
            if name in changed:
                raise scope.source.error(stmt.iter, f"the loop iterates over {name}, which its body may change "
                                         "(Python's loop would see the change); source mode unrolls loops over "
                                         "lists and tuples of values that carry a gradient only when they stay "
                                         "as they are", TAPE_HINT)
        items = self.container_items(stmt.iter, scope)
        if len(items) > self.MAX_UNROLLED:
            raise scope.source.error(stmt, f"a loop over {len(items)} values that carry a gradient, held in a list or "
                                     f"tuple, is unrolled by source mode up to {self.MAX_UNROLLED} items", TAPE_HINT)
        from .control import FALL   # (control imports this module)
        for item in items:
            self.bind_unrolled(stmt.target, item, scope)
            status, _ = self.lower_block(stmt.body, scope)
            if status != FALL:
                raise scope.source.error(stmt, "internal error: an unrolled loop body did not fall through",
                                         TAPE_HINT)
        return True

    def bind_unrolled(self, target, item, scope):
        if isinstance(target, ast.Name):
            if isinstance(item, ast.Name) or isinstance(item, ast.Constant):
                version = self.new_version(target.id, scope)   # a name for the same object, as ``t = item``
                self.lower_into(clone(item), version, scope, target)
                scope.env[target.id] = ast.Name(version, ast.Load())
                return
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(item, ast.Name):
            container = self.containers.get(item.id)
            if container is not None and container.kind != "dict" and len(container.items) == len(target.elts):
                for part, value in zip(target.elts, container.items):
                    self.bind_unrolled(part, value, scope)
                return
        raise scope.source.error(target, "this loop target cannot be bound to the items of a list or tuple of values "
                                 "that carry a gradient in source mode (use plain names)", TAPE_HINT)

    def unroll_dict_comprehensions(self, stmt, scope):
        """``{k: f(k) for k in range(3)}`` (a constant range, or a literal tuple or list of constants) whose
        values carry a gradient: the dict literal ``{0: f(0), 1: f(1), 2: f(2)}``, evaluated in the same order,
        whose items source mode then follows by constant key. The statement itself when there is none."""
        found = [n for n in ast.walk(stmt) if isinstance(n, ast.DictComp) and self.mentions_active(n, scope)]
        if not found:
            return stmt
        rewritten = copy.deepcopy(stmt)
        replacements = {}
        for comprehension in (n for n in ast.walk(rewritten) if isinstance(n, ast.DictComp)):
            literal = self._dict_literal(comprehension, scope)
            if literal is not None:
                replacements[id(comprehension)] = literal
        return _ReplaceDictComps(replacements).visit(rewritten) if replacements else stmt

    def _dict_literal(self, comprehension, scope):
        if len(comprehension.generators) != 1:
            return None
        generator = comprehension.generators[0]
        if generator.ifs or generator.is_async or not isinstance(generator.target, ast.Name):
            return None
        values = _constant_items(generator.iter, self.resolve_static, scope)
        if values is None or len(values) > self.MAX_UNROLLED:
            return None
        keys, items = [], []
        for value in values:
            mapping = {generator.target.id: value}
            key = _Substitute(mapping).visit(clone(comprehension.key))
            try:
                key = ast.Constant(ast.literal_eval(key))
            except (ValueError, TypeError, SyntaxError):
                return None
            keys.append(key)
            value = _Substitute(mapping).visit(clone(comprehension.value))
            items.append(ast.copy_location(_FoldConstants().visit(value), comprehension))
        if len({repr(k.value) for k in keys}) != len(keys):
            return None   # repeated keys: the later value wins, an order the literal would also keep, but rare
        return ast.copy_location(ast.Dict(keys, items), comprehension)

    def expand_sums(self, stmt, scope):
        """``sum(f(v) for v in it if c)`` (or of a list comprehension) whose items carry a gradient, evaluated
        where the statement evaluates it unconditionally: an accumulating loop before the statement, which
        then reads the total. None when the statement has no such sum."""
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)) or stmt.value is None:
            return None
        found = []
        self._find_sums(stmt.value, scope, found, conditional=False)
        if not found:
            return None
        # the comprehensions run first, before the rest of the statement: that is invisible only when neither
        # they nor the rest have effects
        for call in [n for n in ast.walk(stmt.value) if isinstance(n, ast.Call)]:
            method, target = self.call_target(call, scope)
            pure, _ = effects.written_arguments(call, target, method)
            if not pure:
                raise scope.source.error(call, "a comprehension that carries a gradient is evaluated before the rest "
                                         f"of its statement by source mode, and {ast.unparse(call.func)}() in the "
                                         "statement may have effects that make the order matter", TAPE_HINT)
        statements = []
        mapping = {}
        rewritten = copy.deepcopy(stmt)   # the user's tree stays as it is (a loop around it may be lowered again)
        copies = []
        self._find_sums(rewritten.value, scope, copies, conditional=False)
        for call in copies:
            total = self.user_name("total" if isinstance(call, ast.Call) else "items", scope)
            statements.extend(self.accumulating_loop(call, total, scope))
            mapping[id(call)] = total
        return statements + [_ReplaceCalls(mapping).visit(rewritten)]

    def _find_sums(self, node, scope, found, conditional):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) in (1, 2) \
                and not node.keywords and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)) \
                and self.resolve_static(node.func, scope) == (True, sum) and self.mentions_active(node, scope):
            if conditional:
                raise scope.source.error(node, "a sum of a comprehension that carries a gradient, evaluated only on "
                                         "some paths (inside a conditional expression or and/or), is not "
                                         "supported in source mode; assign it to a name first", TAPE_HINT)
            found.append(node)
            return
        if isinstance(node, ast.ListComp) and self.mentions_active(node, scope):
            if conditional:
                raise scope.source.error(node, "a list comprehension that carries a gradient, evaluated only on "
                                         "some paths (inside a conditional expression or and/or), is not "
                                         "supported in source mode; assign it to a name first", TAPE_HINT)
            found.append(node)
            return
        if isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            return
        for child in ast.iter_child_nodes(node):
            inner = conditional or isinstance(node, (ast.IfExp, ast.BoolOp))
            self._find_sums(child, scope, found, inner)

    def accumulating_loop(self, call, total, scope):
        """``total = start`` and the loops that add each item of the comprehension ``call`` sums; for a list
        comprehension ``call``, ``total = []`` and the loops that append each item."""
        listing = isinstance(call, ast.ListComp)
        comprehension = call if listing else call.args[0]
        if listing:
            start = ast.List([], ast.Load())
        else:
            start = clone(call.args[1]) if len(call.args) == 2 else ast.Constant(0)
        renames = {}
        for generator in comprehension.generators:
            if generator.is_async:
                raise scope.source.error(generator, "async comprehensions are not supported", TAPE_HINT)
            for name in ast.walk(generator.target):
                if isinstance(name, ast.Name) and name.id not in renames:
                    # a comprehension's variables are its own: renamed when the function has a variable so named
                    clash = name.id in self.statement_locals(scope) or name.id in scope.env or \
                        scope.source.resolve(name.id)[0]
                    renames[name.id] = self.user_name(name.id, scope) if clash else name.id
        at = call

        def renamed(node):
            return RenameNames(renames).visit(clone(node))

        if listing:
            append = ast.Attribute(ast.Name(total, ast.Load()), "append", ast.Load())
            body = [ast.copy_location(ast.Expr(ast.Call(append, [renamed(comprehension.elt)], [])), at)]
        else:
            body = [ast.copy_location(ast.Assign([ast.Name(total, ast.Store())], ast.BinOp(
                ast.Name(total, ast.Load()), ast.Add(), renamed(comprehension.elt))), at)]
        for k in range(len(comprehension.generators) - 1, -1, -1):
            generator = comprehension.generators[k]
            for test in reversed(generator.ifs):
                body = [ast.copy_location(ast.If(renamed(test), body, []), at)]
            # the first iterable is evaluated outside the comprehension's scope
            iterable = clone(generator.iter) if k == 0 else renamed(generator.iter)
            loop = ast.For(renamed(generator.target), iterable, body, [])
            loop.type_comment = None
            loop.from_comprehension = True   # its variables are read nowhere else
            body = [ast.copy_location(loop, at)]
        first = ast.copy_location(ast.Assign([ast.Name(total, ast.Store())], start), at)
        statements = [first] + body
        for statement in statements:
            ast.fix_missing_locations(statement)
        return statements



class _ReplaceCalls(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Call(self, node):
        if id(node) in self.mapping:
            return ast.copy_location(ast.Name(self.mapping[id(node)], ast.Load()), node)
        return self.generic_visit(node)

    visit_ListComp = visit_Call




class _ReplaceDictComps(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_DictComp(self, node):
        return self.mapping.get(id(node), node)


class _Substitute(ast.NodeTransformer):
    """Reads of the names in ``mapping`` replaced by constants (an unrolled comprehension's variable)."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.mapping:
            return ast.copy_location(ast.Constant(self.mapping[node.id]), node)
        return node

    def _inner(self, node):   # a nested comprehension or lambda that binds the same name keeps its own
        bound = {n.id for g in getattr(node, "generators", ()) for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Lambda):
            bound |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        if bound & set(self.mapping):
            return node
        return self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda = _inner


class _FoldConstants(ast.NodeTransformer):
    """``0 + 1`` -> ``1`` where a substituted constant made arithmetic on numbers (readable generated code)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant) and all(
                type(c.value) in (int, float) for c in (node.left, node.right)):
            operation = _ARITHMETIC.get(type(node.op))
            try:
                value = operation(node.left.value, node.right.value) if operation else None
            except (ValueError, TypeError, ArithmeticError):
                return node
            if value is not None and abs(value) < 1e15:
                return ast.copy_location(ast.Constant(value), node)
        return node


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _constant_items(iterable, resolve, scope):
    """The values of ``range(<int constants>)`` or of a literal tuple or list of constants, else None."""
    if isinstance(iterable, (ast.Tuple, ast.List)):
        try:
            return list(ast.literal_eval(iterable))
        except (ValueError, TypeError, SyntaxError):
            return None
    if isinstance(iterable, ast.Call) and not iterable.keywords and 1 <= len(iterable.args) <= 3 \
            and resolve(iterable.func, scope) == (True, range):
        try:
            bounds = [ast.literal_eval(a) for a in iterable.args]
        except (ValueError, TypeError, SyntaxError):
            return None
        if all(type(b) is int for b in bounds):
            return list(range(*bounds))
    return None
