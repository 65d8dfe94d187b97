"""Lowering of branches and loops: the part of the normalizer that handles control flow.

Blocks are lowered in order, each returning how it ends: it falls through, returns a value, or breaks
out of the innermost loop (``structure.canonical`` has made every jump the last statement of its block).

- ``if``: the condition is evaluated into a name (``cond``); each branch is lowered from the same
  environment; a user name that ends the branches with different values gets a join, a new version
  assigned at the end of each branch that falls through (a copy, so its adjoint is a copy too).
- loops: the user names a loop may rebind and read again (``carried``) get a name of their own, assigned
  before the loop, at the end of the body and before each ``break``; the body reads them. Which names
  are carried, and which of them carry a gradient, is a fixpoint: the body is lowered, and if it rebinds
  a name not assumed carried or makes a carried value differentiated that was assumed not to be (a
  value that becomes active on a later iteration), the normalizer rolls back to the state before the
  loop and lowers it again with what it learnt. Iterating over a value that carries a gradient becomes
  a loop over indices (``for k in range(len(X)): row = X[k]``).

In-place writes inside a loop are checked once the outermost loop is lowered, against everything the
adjoint reads: a write the adjoint could see from another iteration is declined.
"""

import ast
import operator

from . import effects
from .ir import IDENTITY, Assign, Break, If, Loop, Passive, clone
from .parse import TAPE_HINT
from .sequences import Sequences
from .structure import canonical

GROWING_METHODS = {"append", "extend", "insert", "update"}
FALL, RETURN, BREAK, NEXT = "fall", "return", "break", "next"   # NEXT: the iteration ended (back edge written)
MAX_ATTEMPTS = 64


class _Retry(Exception):
    """Lower loop ``token`` again, with more names carried or more carried names active."""

    def __init__(self, token, carried=(), active=()):
        super().__init__("retry")
        self.token, self.carried, self.active = token, set(carried), set(active)


class _LoopContext:
    def __init__(self, token, carried, phis, active):
        self.token = token
        self.carried = carried    # user names carried around the loop
        self.phis = phis          # user name -> the name holding it at the top of the body
        self.active = active      # carried user names assumed to carry a gradient
        self.entry = {}           # the environment at the top of the body


class ControlFlow(Sequences):
    """Mixed into the Normalizer: lowers function bodies, blocks, ``if``, ``for``, ``while``, ``break`` and
    conditional expressions (lists grown in loops and comprehensions: ``sequences.Sequences``)."""

    # ---- function bodies and blocks ----

    def lower_body(self, stmts, scope, owner):
        """Lower a function's body; the atom (or list of atoms) it returns."""
        branches = any(isinstance(n, (ast.If, ast.For, ast.While)) for s in stmts for n in ast.walk(s))
        if branches or any(isinstance(s, ast.Return) for s in stmts[:-1]):   # (straight-line code is canonical)
            stmts = canonical(list(stmts), lambda base: self.user_name(base, scope),
                              lambda node, message: scope.source.error(node, message, TAPE_HINT))
        self.canonical_bodies[id(scope.source.tree)] = stmts
        status, result = self.lower_block(stmts, scope)
        if status == RETURN:
            return result
        raise scope.source.error(owner, f"{owner.name} returns nothing; there is no output to differentiate")

    def user_name(self, base, scope):
        """A new user-level variable name for ``scope`` (a flag the canonical form introduces)."""
        taken = self.local_names(scope)
        name, i = base, 0
        while name in taken or not self.names._is_free(name):
            i += 1
            name = f"{base}_{i}"
        taken.add(name)
        return name

    def lower_block(self, stmts, scope):
        """Lower statements in order: (FALL, None), (RETURN, result), (BREAK, None) or (NEXT, None) (an ``if``
        some paths of which break: its other paths end the iteration where they end)."""
        for stmt in stmts:
            self.refuse_everywhere(stmt, scope)
            if not isinstance(stmt, (ast.If, ast.For, ast.While)):
                self.check_read_order(stmt, scope)
                stmt = self.unroll_dict_comprehensions(stmt, scope)
            expanded = self.expand_sums(stmt, scope)
            if expanded is not None:
                status, result = self.lower_block(expanded, scope)
                if status != FALL:
                    return status, result
                continue
            if isinstance(stmt, ast.Return):
                if stmt.value is None:
                    raise scope.source.error(stmt, f"{scope.source.tree.name} returns nothing; there is no "
                                             "output to differentiate")
                return RETURN, self.lower_result(stmt.value, scope)
            if isinstance(stmt, ast.Break):
                self.back_edge(scope, stmt)
                self.body.append(Break(stmt))
                return BREAK, None
            if isinstance(stmt, ast.If):
                status, result = self.lower_if(stmt, scope)
                if status != FALL:
                    return status, result
            elif isinstance(stmt, (ast.For, ast.While)):
                self.lower_loop(stmt, scope)
            else:
                self.lower_statement(stmt, scope)
        return FALL, None

    # ---- branches ----

    def condition(self, test, scope, node):
        """Evaluate a condition once, into a name the adjoint reads again (a value with no gradient)."""
        self.check_effects(test, scope, node)
        renamed = self.rename(test, scope)
        fresh_bool = isinstance(renamed, (ast.Compare, ast.Constant)) or (
            isinstance(renamed, ast.UnaryOp) and isinstance(renamed.op, ast.Not))
        if not fresh_bool:
            renamed = ast.Call(self.names.load("bool", bool), [renamed], [])
        name = self.names.fresh("cond")
        self.emit_passive(ast.Assign([ast.Name(name, ast.Store())], renamed), (name,))
        self.aliases.new(name)
        return name

    def lower_if(self, stmt, scope):
        test = self.condition(stmt.test, scope, stmt)
        before, outer = scope.env, self.body
        arms = []
        try:
            for block in (stmt.body, stmt.orelse):
                scope.env, self.body = dict(before), []
                status, result = self.lower_block(block, scope)
                arms.append((self.body, scope.env, status, result))
        finally:
            self.body = outer
        returning = [a for a in arms if a[2] == RETURN]
        falling = [a for a in arms if a[2] == FALL]
        if falling and any(a[2] in (BREAK, NEXT) for a in arms):
            # Some paths break: this if is the last statement of the loop body (canonical form), and the paths
            # that fall through end the iteration at their own end, so that no statement after the if runs on
            # the paths that broke.
            for body, env, _, _ in falling:
                scope.env, self.body = env, body
                self.back_edge(scope, stmt)
            self.body, scope.env = outer, dict(before)
            self.body.append(If(test, arms[0][0], arms[1][0], stmt))
            return NEXT, None
        if returning and falling:
            raise scope.source.error(stmt, f"{scope.source.tree.name} returns nothing on a path through this if; "
                                     "there is no output to differentiate")
        status, result, joined = (NEXT if any(a[2] == NEXT for a in arms) else BREAK), None, dict(before)
        if returning:
            status = RETURN
            result = self.join_results([(body, value) for body, _, _, value in returning], scope, stmt)
        elif falling:
            status = FALL
            joined = self.join_environments([(body, env) for body, env, _, _ in falling], scope, stmt)
        self.body.append(If(test, arms[0][0], arms[1][0], stmt))
        scope.env = joined
        return status, result

    def join_environments(self, arms, scope, node):
        """The environment after a join of ``arms`` (body, environment at its end)."""
        if len(arms) == 1:
            return dict(arms[0][1])
        outside = self.loads_outside(node, scope)
        names = sorted(set().union(*(env for _, env in arms)))
        joined = {}
        for name in names:
            atoms = [env.get(name) for _, env in arms]
            if all(a is not None and same_atom(a, atoms[0]) for a in atoms):
                joined[name] = atoms[0]
            elif any(a is None for a in atoms) and name not in outside:
                continue   # bound on some paths only, and read nowhere else
            else:
                sources = [(body, a if a is not None else ast.Constant(None)) for (body, _), a in zip(arms, atoms)]
                joined[name] = self.join(name, sources, scope, node)
        return joined

    def join_results(self, arms, scope, node):
        results = [value for _, value in arms]
        if all(isinstance(r, list) for r in results) and len({len(r) for r in results}) == 1:
            return [self.join(scope.source.tree.name, [(body, r[i]) for (body, _), r in zip(arms, results)],
                              scope, node) for i in range(len(results[0]))]
        if any(isinstance(r, list) for r in results):
            raise scope.source.error(node, "the branches return tuples of different lengths, or a tuple and a "
                                     "single value", TAPE_HINT)
        if all(same_atom(r, results[0]) for r in results):
            return results[0]
        return self.join(scope.source.tree.name, arms, scope, node)

    def join(self, name, sources, scope, node):
        """A new version of ``name`` assigned ``atom`` at the end of each ``body`` of ``sources``."""
        atoms = [atom for _, atom in sources]
        self.check_joinable(name, atoms, scope, node)
        target = self.new_temp() if name.startswith("<") else self.new_version(name, scope)
        self.aliases.new(target)
        for body, atom in sources:
            self.emit_copy(target, atom, body, node, join=True)
        if any(self.atom_is_active(a) for a in atoms):
            self.active.add(target)
        if any(isinstance(a, ast.Name) and self.is_list(a.id) for a in atoms):
            self.growing.add(target)
        kinds = {self.kinds.get(a.id) if isinstance(a, ast.Name) else None for a in atoms}
        if len(kinds) == 1 and None not in kinds:
            self.kinds[target] = kinds.pop()
        statics = [self.static.get(a.id) if isinstance(a, ast.Name) else None for a in atoms]
        if statics[0] is not None and all(s is statics[0] for s in statics):
            self.static[target] = statics[0]
        return ast.Name(target, ast.Load())

    def emit_copy(self, target, atom, body, node, back_edge=False, join=False):
        """``target = atom`` at the end of ``body``: a copy whose adjoint passes the gradient on when ``atom``
        carries one. ``target`` may be assigned elsewhere too (joins)."""
        if isinstance(atom, ast.Name) and atom.id in self.active:
            body.append(Assign(target, ast.Name(atom.id, ast.Load()), IDENTITY, [ast.Name(atom.id, ast.Load())], {},
                               True, node, back_edge=back_edge, join=join))
        else:
            body.append(Passive(ast.Assign([ast.Name(target, ast.Store())], clone(atom)), (target,),
                                back_edge=back_edge, join=join))
        for root in self.alias_roots(atom):
            self.aliases.join(target, root)

    def check_joinable(self, name, atoms, scope, node):
        for atom in atoms:
            if not isinstance(atom, ast.Name):
                continue
            key = atom.id
            container = self.containers.get(key)
            if self.is_list(key):
                continue   # a list: the join grows it (see lower_growing_append)
            if key in self.holders or key in self.sequences and key in self.active or container is not None and any(
                    self.atom_is_active(a) for a in container.items):
                raise scope.source.error(node, f"{name} holds a list, tuple or dict of values that carry a gradient "
                                         "and takes different values on different paths (a branch or a loop); "
                                         "source mode follows such containers in straight-line code only",
                                         TAPE_HINT)

    def lower_ifexp(self, expr, scope):
        """``a if c else b`` whose value carries a gradient: a branch joining into a temporary."""
        test = self.condition(expr.test, scope, expr)
        outer, arms = self.body, []
        try:
            for branch in (expr.body, expr.orelse):
                self.body = []
                arms.append((self.body, self.atomize(branch, scope)))
        finally:
            self.body = outer
        joined = self.join("<ifexp>", arms, scope, expr)
        self.body.append(If(test, arms[0][0], arms[1][0], expr))
        return joined

    # ---- loops ----

    def lower_loop(self, stmt, scope):
        if self.unroll(stmt, scope):
            return
        token = object()
        carried = self.carried_candidates(stmt, scope)
        active = {n for n in carried if n in scope.env and self.atom_is_active(scope.env[n])}
        for _ in range(MAX_ATTEMPTS):
            state = self.snapshot(scope)
            try:
                self.lower_loop_once(stmt, scope, token, carried, active)
                return
            except _Retry as retry:
                if retry.token is not token:
                    raise
                self.restore(state, scope)
                carried |= retry.carried
                active |= retry.active
        raise scope.source.error(stmt, "internal error: the values carried around this loop did not settle; "
                                 "please report it", TAPE_HINT)

    def lower_loop_once(self, stmt, scope, token, carried, assumed_active):
        before = dict(scope.env)
        header, bind_target = self.loop_header(stmt, scope)
        phis = {}
        for name in sorted(carried):
            atom = before.get(name, ast.Constant(None))
            self.check_joinable(name, [atom], scope, stmt)
            phi = self.new_version(name, scope)
            self.aliases.new(phi)
            if name in assumed_active:
                self.active.add(phi)
            if isinstance(atom, ast.Name) and self.is_list(atom.id):
                self.growing.add(phi)
            self.emit_copy(phi, atom, self.body, stmt)
            scope.env[name] = ast.Name(phi, ast.Load())
            phis[name] = phi
        if isinstance(stmt, ast.While):
            for call in (n for n in ast.walk(stmt.test) if isinstance(n, ast.Call)):
                method, target = self.call_target(call, scope)
                if not effects.written_arguments(call, target, method)[0]:
                    raise scope.source.error(call, "a while condition that calls something that may change values "
                                             "(it runs again on every iteration) is not supported in source mode",
                                             TAPE_HINT)
            self.check_effects(stmt.test, scope, stmt)
            header.test = self.rename(stmt.test, scope)
        context = _LoopContext(token, carried, phis, assumed_active)
        outermost = not self.loops
        written_from = len(self.written_in_loops)
        outer = self.body
        self.loops.append(context)
        self.body = []
        try:
            bind_target()
            context.entry = dict(scope.env)
            status, _ = self.lower_block(stmt.body, scope)
            if status == FALL:
                self.back_edge(scope, stmt)
        finally:
            self.loops.pop()
            body, self.body = self.body, outer
        counts = isinstance(header, ast.For) and isinstance(header.iter, ast.Call) and \
            self.free_object(header.iter.func) == (True, range)
        self.body.append(Loop(header, body, phis, stmt, counts=counts))
        self.check_rebound(context, scope, stmt)
        if outermost:
            self.check_loop_writes(written_from, scope, stmt)
        after = dict(before)
        after.update({name: ast.Name(phi, ast.Load()) for name, phi in phis.items()})
        scope.env = after

    def back_edge(self, scope, node):
        """The end of an iteration (the end of the body, or a ``break``): carried names take their values."""
        context = self.loops[-1]
        changed = {name for name, atom in scope.env.items() if not name.startswith("<") and name not in context.carried
                   and name in context.entry and not same_atom(atom, context.entry[name])}
        if changed:
            raise _Retry(context.token, carried=changed)
        newly_active = {name for name in context.carried if name not in context.active
                        and name in scope.env and self.atom_is_active(scope.env[name])}
        if newly_active:
            raise _Retry(context.token, active=newly_active)
        for name, phi in context.phis.items():
            atom = scope.env.get(name, ast.Constant(None))
            if isinstance(atom, ast.Name) and atom.id == phi:
                continue
            self.check_joinable(name, [atom], scope, node)
            self.emit_copy(phi, atom, self.body, node, back_edge=True)

    def check_rebound(self, context, scope, stmt):
        """Values the loop updated as new versions (``y[i] = v``, ``acc += v``) must not be held by another name
        when the next iteration updates them again: checked on the carried value, once the body is known."""
        for name, where in self.rebound_in_loops:
            phi = context.phis.get(name)
            if where is not context or phi is None:
                continue   # (a value made afresh in each iteration is not updated by the next one)
            # (a temporary is read by the statement that makes it: it cannot see a later iteration's update)
            if not self.alone_among_versions(phi, temps_too=True) or self.aliases.held(phi) or \
                    self.aliases.escaped(phi):
                # harmless for a number (immutable: Python's update makes a new one too); the reverse pass decides
                # once it knows which values are numbers
                self.hazards.append((phi, scope.source.error(
                    stmt, f"{name} is updated as a new value inside this loop, but another name (or a container) "
                    "comes to hold the same object later in the loop, and would see the update from the next "
                    f"iteration on", f"Copy it where it is kept ({name}.copy()), or use mode=\"tape\".")))
        self.rebound_in_loops[:] = [entry for entry in self.rebound_in_loops if entry[1] is not context]

    def check_loop_writes(self, start, scope, stmt):
        """After the outermost loop: what was decided inside it, iteration by iteration, must still hold now that
        the whole body is known (a later statement, run before the next iteration, may have changed it)."""
        if self.global_writers_in_loops and any(self.aliases.escaped(k) for k in self.aliases.saved_names()):
            call = self.global_writers_in_loops[0]
            raise scope.source.error(call, f"{ast.unparse(call.func)}() may change global state inside a loop whose "
                                     "gradient reads globals (a later iteration would see the change)",
                                     'Pass what it changes as an argument, or use mode="tape".')
        self.global_writers_in_loops.clear()
        for keys, name, node in self.written_in_loops[start:]:
            if any(self.aliases.saved(k) for k in keys):
                raise scope.source.error(node, f"{name} is changed in place inside a loop while the gradient reads "
                                         "its value (or a value sharing memory with it) from an iteration that "
                                         "the change comes after", f"Copy it before the change ({name} = "
                                         f'{name}.copy()), or use mode="tape".')
        del self.written_in_loops[start:]

    def loop_header(self, stmt, scope):
        """(the loop's header statement, a function binding the target names at the top of the body).

        The iterable of a ``for`` is evaluated before the loop, with the names as they are there."""
        if isinstance(stmt, ast.While):
            return ast.While(ast.Constant(True), [], []), lambda: None
        if not self.is_active(stmt.iter, scope):
            self.check_effects(stmt.iter, scope, stmt)
            iterable = self.rename(stmt.iter, scope)
            counting = isinstance(iterable, ast.Call) and self.free_object(iterable.func) == (True, range)
            roots = [] if counting else self.alias_roots(iterable)   # (the items of a range are new ints)
            header = ast.For(None, iterable, [], [])
            header.type_comment = None

            def bind():
                header.target = self.bind_loop_target(stmt.target, scope, stmt, roots)
            return header, bind
        return self.indexed_loop(stmt, scope)

    def bind_loop_target(self, target, scope, node, roots):
        """New versions for the names of a ``for`` target whose values carry no gradient."""
        if isinstance(target, ast.Name):
            version = self.new_version(target.id, scope)
            self.aliases.new(version)
            for root in roots:
                self.aliases.join(version, root)
            scope.env[target.id] = ast.Name(version, ast.Load())
            return ast.Name(version, ast.Store())
        if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
            return ast.Tuple([self.bind_loop_target(e, scope, node, roots) for e in target.elts], ast.Store())
        raise scope.source.error(target, "this loop target is not supported in source mode (use plain names)",
                                 TAPE_HINT)

    def indexed_loop(self, stmt, scope):
        """``for v in X`` (and ``enumerate``/``zip``/``reversed`` of X) where X carries a gradient: a loop over
        indices, each item read with ``X[k]`` (so its adjoint is an indexed read's)."""
        err = scope.source.error
        it, target = stmt.iter, stmt.target
        kind, operands, start = "items", [it], None
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
            found, func = self.resolve_static(it.func, scope)
            keywords = {kw.arg: kw.value for kw in it.keywords}
            if found and func in (enumerate, zip, reversed) and (
                    not keywords or func is enumerate and set(keywords) == {"start"} and len(it.args) == 1):
                kind, operands = func.__name__, list(it.args) + list(keywords.values())
        if kind == "enumerate" and not 1 <= len(operands) <= 2 or kind == "reversed" and len(operands) != 1:
            raise err(it, f"{kind}() with these arguments is not supported in source mode", TAPE_HINT)
        inner = operands[0] if kind == "enumerate" else None
        if isinstance(inner, ast.Call) and not inner.keywords and self.resolve_static(inner.func, scope) == (True, zip) \
                and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2 \
                and isinstance(target.elts[0], ast.Name) and isinstance(target.elts[1], (ast.Tuple, ast.List)) \
                and len(target.elts[1].elts) == len(inner.args) and all(isinstance(e, ast.Name)
                                                                        for e in target.elts[1].elts):
            # for i, (a, b) in enumerate(zip(A, B)): one index over both
            start = self.atomize(operands[1], scope) if len(operands) == 2 else None
            index_name, names = target.elts[0].id, [e.id for e in target.elts[1].elts]
            operands = list(inner.args)
        elif kind in ("enumerate", "zip"):
            count = 2 if kind == "enumerate" else len(operands)
            if not (isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == count
                    and all(isinstance(e, ast.Name) for e in target.elts)):
                raise err(target, f"unpack the items of {kind}() into {count} plain names to loop over values "
                          "that carry a gradient in source mode", TAPE_HINT)
            names = [e.id for e in target.elts]
        elif isinstance(target, ast.Name):
            names = [target.id]
        else:
            raise err(target, "unpacking the items of a value that carries a gradient in a for loop is not "
                      "supported in source mode (loop over indices instead)", TAPE_HINT)
        if kind == "enumerate" and inner is not None and operands[0] is inner:
            start = self.atomize(operands[1], scope) if len(operands) == 2 else None
            operands = operands[:1]
            index_name, names = names[0], names[1:]
        changed = self.changed_in(stmt, scope)
        for operand in operands:
            for name in (n.id for n in ast.walk(operand) if isinstance(n, ast.Name)):
                if name in changed and name in self.statement_locals(scope):
                    raise err(operand, f"the loop iterates over {name}, which its body may change (Python's loop would "
                              "see the change); source mode loops over values that carry a gradient only when "
                              "what they iterate over stays as it is", TAPE_HINT)
        sequences = [self.atomize(o, scope) for o in operands]
        for atom in sequences:   # (a tuple or list packed here is indexed like an array: its adjoint is per item)
            if isinstance(atom, ast.Name) and (atom.id in self.holders or atom.id in self.sequences
                                               and atom.id not in self.active):
                raise err(it, "a loop over a list or tuple of values that carry a gradient is not supported in "
                          "source mode", TAPE_HINT)
        length = self.names.load("len", len)
        sizes = [ast.Call(clone(length), [clone(s)], []) for s in sequences]
        size = sizes[0] if len(sizes) == 1 else ast.Call(self.names.load("min", min), sizes, [])
        range_name = self.names.load("range", range)
        if kind == "reversed":
            bounds = [ast.BinOp(size, ast.Sub(), ast.Constant(1)), ast.Constant(-1), ast.Constant(-1)]
        else:
            bounds = [size]
        header = ast.For(None, ast.Call(range_name, bounds, []), [], [])
        header.type_comment = None
        simple_index = kind == "enumerate" and (start is None or isinstance(start, ast.Constant) and start.value == 0)

        def bind():
            if simple_index:
                index = self.new_version(index_name, scope)
                scope.env[index_name] = ast.Name(index, ast.Load())
            else:
                index = self.names.fresh("k")
            self.aliases.new(index)
            header.target = ast.Name(index, ast.Store())
            k = ast.Name(index, ast.Load())
            if kind == "enumerate" and not simple_index:
                value = ast.BinOp(clone(k), ast.Add(), clone(start))
                version = self.new_version(index_name, scope)
                self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], value), (version,))
                self.aliases.new(version)
                scope.env[index_name] = ast.Name(version, ast.Load())
            for name, sequence in zip(names, sequences):
                item = ast.Subscript(clone(sequence), clone(k), ast.Load())
                version = self.new_version(name, scope)
                if self.atom_is_active(sequence):
                    self.lower_into(self.item_op(item), version, scope, stmt)
                else:
                    self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], item), (version,))
                    self.aliases.new(version)
                    for root in self.alias_roots(sequence):
                        self.aliases.join(version, root)
                scope.env[name] = ast.Name(version, ast.Load())
        return header, bind

    def changed_in(self, stmt, scope):
        """User names a loop's body may rebind or change in place (stores, ``+=``, calls that write)."""
        changed = stored_names(stmt.body)
        for node in ast.walk(stmt):
            if isinstance(node, ast.AugAssign):
                changed.update(stored_names_of_target(node.target))
            if not isinstance(node, ast.Call):
                continue
            method, target = self.call_target(node, scope)
            for written in effects.written_arguments(node, target, method)[1]:
                while isinstance(written, (ast.Subscript, ast.Attribute, ast.Starred)):
                    written = written.value
                if isinstance(written, ast.Name):
                    changed.add(written.id)
        return changed

    def item_op(self, subscript):
        from .normalize import _Op   # (the normalizer's operation record)
        return _Op(operator.getitem, subscript, [subscript.value, clone(subscript.slice)])

    # ---- which names a loop carries ----

    def carried_candidates(self, stmt, scope):
        """User names the loop rebinds that may be read with a value from before the loop or from an earlier
        iteration: bound before it, read in the body before being assigned there, or read after it."""
        stored = stored_names([stmt] if isinstance(stmt, ast.For) else stmt.body)
        if isinstance(stmt, ast.For):
            defined = set(stored_names_of_target(stmt.target))
        else:
            defined = set()
        early = unassigned_reads(stmt.body, defined)
        if isinstance(stmt, ast.While):
            early |= loads(stmt.test)
        outside = set() if getattr(stmt, "from_comprehension", False) else self.loads_outside(stmt, scope)
        return {n for n in stored if n in scope.env or n in early or n in outside}

    def loads_outside(self, node, scope):
        """Names read anywhere in the function being lowered, outside ``node``."""
        key = (id(scope.source.tree), id(node))
        if key not in self._loads_outside:
            found = set()
            stack = list(self.canonical_bodies.get(id(scope.source.tree), scope.source.tree.body))
            while stack:
                current = stack.pop()
                if current is node:
                    continue
                if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
                    found.add(current.id)
                elif isinstance(current, ast.AugAssign) and isinstance(current.target, ast.Name):
                    found.add(current.target.id)
                for child in ast.iter_child_nodes(current):
                    stack.append(child)
            self._loads_outside[key] = found
        return self._loads_outside[key]

    # ---- rolling back ----

    def snapshot(self, scope):
        return (self.body, len(self.body), set(self.active), self.aliases.copy(), dict(self.static), set(self.holders),
                set(self.sequences), dict(self.containers), dict(self.kinds), len(self.hazards),
                dict(self._free_keys), self.names.snapshot(), dict(scope.env), len(self.written_in_loops),
                len(self.sources), set(self.growing), len(self.rebound_in_loops), len(self.global_writers_in_loops))

    def restore(self, state, scope):
        (body, length, active, aliases, static, holders, sequences, containers, kinds, hazards, free_keys, names,
         env, written, sources, growing, rebound, writers) = state
        del body[length:]
        self.body = body
        self.active, self.aliases, self.static, self.holders = active, aliases, static, holders
        self.sequences, self.containers, self.kinds = sequences, containers, kinds
        del self.hazards[hazards:]
        self._free_keys = free_keys
        self.names.restore(names)
        scope.env = env
        del self.written_in_loops[written:]
        del self.sources[sources:]
        self.growing = growing
        del self.rebound_in_loops[rebound:]
        del self.global_writers_in_loops[writers:]


def same_atom(a, b):
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    if isinstance(a, ast.Constant) and isinstance(b, ast.Constant):
        return type(a.value) is type(b.value) and a.value == b.value
    return ast.dump(a) == ast.dump(b)


def stored_names_of_target(target):
    """Names a store target rebinds: ``a``, ``a, b``, and the root of ``y[i]`` or ``obj.a`` (an item update may
    make a new version of it)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in stored_names_of_target(e)]
    if isinstance(target, ast.Starred):
        return stored_names_of_target(target.value)
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return [target.id] if isinstance(target, ast.Name) else []


def stored_names(stmts):
    """Every name the statements may rebind (in nested blocks too)."""
    found = set()
    for stmt in stmts:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                found.update(stored_names_of_target(t))
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            found.update(stored_names_of_target(stmt.target))
        elif isinstance(stmt, ast.For):
            found.update(stored_names_of_target(stmt.target))
            found |= stored_names(stmt.body)
        elif isinstance(stmt, (ast.If, ast.While)):
            found |= stored_names(stmt.body) | stored_names(stmt.orelse)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(
                stmt.value.func, ast.Attribute) and stmt.value.func.attr in GROWING_METHODS and isinstance(
                stmt.value.func.value, ast.Name):
            found.add(stmt.value.func.value.id)   # a list grown here gets new versions (lower_growing_append)
    return found


def loads(node):
    """Names read in ``node``, without those bound by comprehensions and lambdas inside it."""
    inner = set()
    for n in ast.walk(node):
        if isinstance(n, ast.comprehension):
            inner.update(x.id for x in ast.walk(n.target) if isinstance(x, ast.Name))
        elif isinstance(n, ast.Lambda):
            inner.update(a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg))
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(node, ast.AugAssign):
        found.update(stored_names_of_target(node.target))
    return found - inner


def unassigned_reads(stmts, defined):
    """Names the statements may read before assigning them (``defined``: names assigned on entry)."""
    found = set()

    def block(stmts, defined):
        defined = set(defined)
        for stmt in stmts:
            if isinstance(stmt, ast.If):
                found.update(loads(stmt.test) - defined)
                defined = block(stmt.body, defined) & block(stmt.orelse, defined)
            elif isinstance(stmt, ast.For):
                found.update(loads(stmt.iter) - defined)
                block(stmt.body, defined | set(stored_names_of_target(stmt.target)))
            elif isinstance(stmt, ast.While):
                found.update(loads(stmt.test) - defined)
                block(stmt.body, defined)
            else:
                found.update(loads(stmt) - defined)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                    [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) else [])
                for t in targets:
                    if isinstance(t, (ast.Subscript, ast.Attribute)):
                        found.update(stored_names_of_target(t))   # y[i] = v reads y
                    else:
                        defined.update(stored_names_of_target(t))
        return defined

    block(stmts, defined)
    return found
