"""Tidy a generated gradient: fold constants, propagate adjoint copies, drop dead statements.

After this pass no statement computes a value nobody reads, no adjoint is a mere copy of another,
and rule templates specialised to constants read naturally (``by * 2 * x``, not ``by * 2 * x ** (2 - 1)``).

Every pass is one walk over the statements (time linear in their number), and none builds an
expression whose nesting grows with the program: ``ast.unparse`` and ``compile`` recurse on nesting.
Only ``name = expression`` statements without effects are moved, merged or dropped; any other
statement (a call for its effects, a store into an element or attribute, a compound statement) stays
where it is, and nothing that may have been written by it is assumed unchanged across it.
"""

import ast
import math
import operator

from .emit import gc_paused
from .ir import push_children
from .reverse import Adjoint

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
         ast.Pow: operator.pow}


def optimize(adjoint: Adjoint) -> Adjoint:
    with gc_paused():
        folder = _Fold(adjoint.names, adjoint.floating)
        adjoint.adjoint = [folder.visit(s) for s in adjoint.adjoint]
        adjoint.grads = [folder.visit(g) for g in adjoint.grads]
        _propagate_constants(adjoint)
        _reuse_primal_values(adjoint)
        _fuse_first_contributions(adjoint)
        _propagate_copies(adjoint)
        _propagate_copies_in_blocks(adjoint)
        _remove_dead(adjoint)
        _accumulate_in_place(adjoint)
    return adjoint


def _propagate_constants(adjoint):
    """An adjoint name assigned once, to a number (``grad``'s seed is 1.0, a product of seed and constants), is
    replaced by that number where it is read; constant folding then simplifies what reads it (``1.0 * x``)."""
    stores = dict.fromkeys(adjoint.params, 2)   # (a name the primal binds is never replaced)
    for weight, stmts in ((2, adjoint.primal), (1, adjoint.adjoint)):
        for stmt in stmts:
            targets = stmt.targets if type(stmt) is ast.Assign else [stmt]   # (other statements: every store)
            for target in targets:
                for node in ast.walk(target):
                    if type(node) is ast.Name and type(node.ctx) is not ast.Load:
                        stores[node.id] = stores.get(node.id, 0) + weight
    folder = _Fold(adjoint.names, adjoint.floating)
    constants = {}
    kept = []
    for stmt in adjoint.adjoint:
        if constants and _replace_loads(stmt, constants):
            stmt = folder.visit(stmt)
        if (type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name
                and _number(stmt.value) and stores[stmt.targets[0].id] == 1):
            constants[stmt.targets[0].id] = stmt.value.value
            continue
        kept.append(stmt)
    adjoint.adjoint = kept
    if constants:
        for i, grad in enumerate(adjoint.grads):
            if type(grad) is ast.Name and grad.id in constants:
                adjoint.grads[i] = ast.Constant(constants[grad.id])
            elif _replace_loads(grad, constants):
                adjoint.grads[i] = folder.visit(grad)


def _replace_loads(node, constants):
    """In place: loads of the names in ``constants`` inside ``node`` become those numbers; whether any did. An
    explicit stack, no recursion."""
    replaced = False
    stack = [node]
    while stack:
        parent = stack.pop()
        for field in parent._fields:
            value = getattr(parent, field, None)
            items = value if isinstance(value, list) else [value]
            for k, item in enumerate(items):
                if type(item) is ast.Name:
                    if type(item.ctx) is ast.Load and item.id in constants:
                        new = ast.Constant(constants[item.id])
                        if items is value:
                            value[k] = new
                        else:
                            setattr(parent, field, new)
                        replaced = True
                elif isinstance(item, ast.AST) and item._fields:
                    stack.append(item)
    return replaced


def _number(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


class _Fold:
    """Constant folding and the identities x * 1, 1 * x, x / 1, x ** 1 (for floating x), -(-x), a + -b, in
    place, children first (recursion follows the nesting of one statement). ``floating`` names values that
    are certainly floating point and held by no caller (adjoints, differentiated numbers): ``1.0 * x`` is a new
    array where ``x`` would be the caller's."""

    def __init__(self, names, floating=frozenset()):
        self.names = names
        self.floating = floating

    def floating_value(self, node):
        """Whether an expression certainly gives floating-point values."""
        if isinstance(node, ast.Constant):
            return type(node.value) is float
        if isinstance(node, ast.Name):
            return node.id in self.floating
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return True
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow)):
                return self.floating_value(node.left) or self.floating_value(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.floating_value(node.operand)
        return False

    def visit(self, node):
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                if value._fields:
                    new = self.visit(value)
                    if new is not value:
                        setattr(node, field, new)
            elif isinstance(value, list):
                for k, item in enumerate(value):
                    if isinstance(item, ast.AST) and item._fields:
                        value[k] = self.visit(item)
        kind = type(node)
        if kind is ast.BinOp:
            return self.visit_BinOp(node)
        if kind is ast.UnaryOp:
            return self.visit_UnaryOp(node)
        if kind is ast.Call:
            return self.visit_Call(node)
        return node

    def visit_BinOp(self, node):
        left, right, op = node.left, node.right, type(node.op)
        if _number(left) and _number(right) and op in _FOLD:
            try:
                value = _FOLD[op](left.value, right.value)
            except (ArithmeticError, ValueError):
                return node
            if isinstance(value, (int, float)) and abs(value) < 1e15:
                return ast.Constant(value)
        # (x * 1 is x only for a floating x: True * 1.0 is 1.0, and bools add up as "or")
        if op is ast.Mult and _number(left) and left.value == 1 and self.floating_value(right):
            return right
        if op in (ast.Add, ast.Sub) and isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub):
            return ast.BinOp(left, ast.Sub() if op is ast.Add else ast.Add(), right.operand)
        if op in (ast.Mult, ast.Div, ast.Pow) and _number(right) and right.value == 1 and self.floating_value(left):
            return left
        return node

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            if _number(node.operand):
                return ast.Constant(-node.operand.value)
            if isinstance(node.operand, ast.UnaryOp) and isinstance(node.operand.op, ast.USub):
                return node.operand.operand
        return node

    def visit_Call(self, node):
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

    The program is in SSA form, so equal expressions over the same names have equal values, as long
    as nothing in between may have written into one of them. A temporary that repeats an earlier
    primal expression is dropped; adjoint expressions that repeat one (``x ** 2`` in the adjoint of
    ``x ** 3``) read the primal's name instead.

    A *barrier* (a statement with effects, a store into an element or attribute, anything but
    ``names = expression``) may change what any name holds: the table of known expressions starts
    afresh after it, a temporary is only replaced by an earlier name when it is not read after the
    next barrier, and the adjoint (which runs after the whole primal) only reuses what was computed
    after the last one.
    """
    primal = adjoint.primal
    barriers = []
    bound = set(adjoint.params)
    for stmt in primal:
        targets = _assigned(stmt)
        # (a name bound twice breaks SSA: as careful as after a write)
        barriers.append(id(stmt) in adjoint.effects or not _is_plain(stmt) or not targets.isdisjoint(bound))
        bound |= targets
    next_barrier = []       # next_barrier[i]: index of the first barrier after statement i
    following = len(primal)
    for i in range(len(primal) - 1, -1, -1):
        next_barrier.append(following)
        if barriers[i]:
            following = i
    next_barrier.reverse()
    # An adjoint statement other than ``names = expression`` might write into a primal value it
    # reads (or an alias of one) as well: then the adjoint reuses nothing, and no temporary it
    # reads is merged into another name.
    plain_adjoint = all(_is_plain(s) and _assigned(s).isdisjoint(bound) for s in adjoint.adjoint)
    late = []               # when needed: last primal read of each name, and the names the adjoint reads

    def may_alias(temp, i):
        """Whether ``temp`` may be replaced by another name holding the same value at statement i."""
        if next_barrier[i] == len(primal) and plain_adjoint:
            return True
        if not late:
            last_read = {}
            for k, s in enumerate(primal):
                for name in _reads(s):
                    last_read[name] = k
            after = _reads(adjoint.value)
            for node in adjoint.adjoint + adjoint.grads:
                after |= _reads(node)
            late.extend((last_read, after))
        last_read, after = late
        return last_read.get(temp, -1) < next_barrier[i] and temp not in after

    keys = _Keys()
    known = {}      # key of a pure primal expression -> the name holding it
    kept = []
    renames = {}
    walker = _Reuse(keys, {}, renames)
    for i, stmt in enumerate(primal):
        if barriers[i]:
            known.clear()
        if barriers[i] or not _is_simple_assign(stmt):
            if renames:
                _rename(stmt, renames)
            kept.append(stmt)
            continue
        stmt.value, key = walker.visit(stmt.value)
        target = stmt.targets[0].id
        if not isinstance(stmt.value, (ast.Name, ast.Constant)):
            earlier = known.get(key)
            if earlier is not None and _is_temporary(target) and may_alias(target, i):
                renames[target] = earlier
                continue
            if earlier is None:
                known[key] = target
        kept.append(stmt)
    adjoint.primal = kept
    reuse = _Reuse(keys, known if plain_adjoint else {}, renames)
    if reuse.known or renames:
        for stmt in adjoint.adjoint:
            reuse.visit(stmt)
    adjoint.grads = [reuse.visit(g)[0] for g in adjoint.grads]
    adjoint.value = reuse.visit(adjoint.value)[0]


def _is_plain(stmt):
    """``names = expression``: binds names, writes into nothing (effects of calls aside)."""
    return isinstance(stmt, ast.Assign) and all(_binds_names(t) for t in stmt.targets)


def _binds_names(target):
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_binds_names(e.value if isinstance(e, ast.Starred) else e) for e in target.elts)
    return False


def _is_temporary(name):
    return name[0] == "t" and name[1:].isdigit()


class _Keys:
    """Structural keys of expressions, interned as small integers: two expressions get the same key
    exactly when ``ast.dump`` would print them the same, but a key costs time proportional to the
    node's own fields, not to its whole subtree."""

    def __init__(self):
        self.table = {}
        self.names = {}     # (id, type of ctx) -> key of that Name

    def intern(self, parts):
        return self.table.setdefault(parts, len(self.table))

    def leaf(self, node):
        if type(node) is ast.Name:
            index = (node.id, type(node.ctx))
            key = self.names.get(index)
            if key is None:
                key = self.names[index] = self.intern(("Name",) + index)
            return key
        if type(node) is ast.Constant:
            return self.intern(("Constant", type(node.value), repr(node.value), node.kind))
        return self.intern((type(node),))


class _Reuse:
    """In place: rename loads of dropped temporaries, and replace every expression (other than a
    name or constant) whose key is in ``known`` by the name holding its value. ``visit`` returns
    the node (or its replacement) and its key. Recursion follows the nesting of one expression."""

    def __init__(self, keys, known, renames):
        self.keys = keys
        self.known = known
        self.renames = renames

    def visit(self, node):
        kind = type(node)
        if kind is ast.Name:
            if node.id in self.renames and type(node.ctx) is ast.Load:
                node = ast.copy_location(ast.Name(self.renames[node.id], ast.Load()), node)
            return node, self.keys.leaf(node)
        if kind is ast.Constant or not node._fields:
            return node, self.keys.leaf(node)
        parts = [kind]
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                new, key = self.visit(value)
                if new is not value:
                    setattr(node, field, new)
                parts.append(key)
            elif isinstance(value, list):
                items = []
                for k, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        value[k], key = self.visit(item)
                        items.append(key)
                    else:
                        items.append(item)
                parts.append(tuple(items))
            else:
                parts.append(value)
        key = self.keys.intern(tuple(parts))
        if self.known and isinstance(node, ast.expr):
            name = self.known.get(key)
            if name is not None:
                node = ast.Name(name, ast.Load())
                return node, self.keys.leaf(node)
        return node, key


def _rename(node, mapping):
    """In place: every load of a name in ``mapping`` reads the name it maps to. Returns the node
    (a new Name when ``node`` itself is one that is renamed). An explicit stack, no recursion."""
    if type(node) is ast.Name:
        return _renamed(node, mapping)
    stack = [node]
    while stack:
        parent = stack.pop()
        for field in parent._fields:
            value = getattr(parent, field, None)
            if type(value) is ast.Name:
                new = _renamed(value, mapping)
                if new is not value:
                    setattr(parent, field, new)
            elif isinstance(value, list):
                for k, item in enumerate(value):
                    if type(item) is ast.Name:
                        value[k] = _renamed(item, mapping)
                    elif isinstance(item, ast.AST) and item._fields:
                        stack.append(item)
            elif isinstance(value, ast.AST) and value._fields:
                stack.append(value)
    return node


def _renamed(name, mapping):
    if name.id in mapping and type(name.ctx) is ast.Load:
        return ast.copy_location(ast.Name(mapping[name.id], ast.Load()), name)
    return name


# Contributions fused into one statement stop at this many terms, so that no generated expression
# nests deeper with the size of the program (ast.unparse and compile recurse on nesting): a value
# read by a thousand statements gets its adjoint in a sequence of short sums, not one long line.
MAX_TERMS = 8


def _fuse_first_contributions(adjoint):
    """``ba = e1`` ... ``ba = ba + e2`` becomes ``ba = e1 + e2`` when nothing in between reads ba
    or changes what e1 reads (up to MAX_TERMS terms in one statement).

    One pass forward: ``pending`` holds, for each name, the last statement assigning it that may
    still move down to a later ``ba = ba + e2``; ``readers`` which pending statements read a name,
    so that assigning that name stops them."""
    stmts = adjoint.adjoint
    pending = {}    # name -> (index, names its value reads, terms)
    readers = {}    # name -> [(pending name, index)] whose value reads it
    dropped = set()
    for k, stmt in enumerate(stmts):
        if not _is_simple_assign(stmt):
            # A call for its effects, a store into an element (maybe of an alias of what a pending
            # value reads), a compound statement: nothing moves past it.
            pending.clear()
            readers.clear()
            continue
        name, value = stmt.targets[0].id, stmt.value
        reads = _reads(value)
        value_reads, terms = reads, 1
        first = pending.pop(name, None)
        if (first is not None and first[2] < MAX_TERMS and isinstance(value, ast.BinOp)
                and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Name) and value.left.id == name):
            right = _reads(value.right)
            if name not in right:
                value.left = stmts[first[0]].value
                dropped.add(first[0])
                value_reads, terms = first[1] | right, first[2] + 1
        # What this statement reads can no longer move below it; what read its target can no longer
        # move past it.
        for v in reads:
            pending.pop(v, None)
        for p, index in readers.pop(name, ()):
            entry = pending.get(p)
            if entry is not None and entry[0] == index:
                del pending[p]
        pending[name] = (k, value_reads, terms)
        for v in value_reads:
            readers.setdefault(v, []).append((name, k))
    if dropped:
        adjoint.adjoint = [s for k, s in enumerate(stmts) if k not in dropped]


def _is_simple_assign(stmt):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)


def _assigned(stmt):
    """The names a statement may bind or write into (``y`` and ``i`` for ``y[i] = v``), conservatively."""
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
            return {stmt.targets[0].id}
        return {n for t in stmt.targets for n in _names(t)}
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return _names(stmt.target)
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            names |= _assigned(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names |= _names(node.target)
    return names


def _names(node, load_only=False):
    """The identifiers of the Name nodes in a tree (only those read, with ``load_only``; the target
    of an augmented assignment counts as read).
    An explicit stack: faster than ``ast.walk``, and no recursion."""
    found = set()
    stack = [node]
    while stack:
        node = stack.pop()
        if type(node) is ast.Name:
            if not load_only or type(node.ctx) is ast.Load:
                found.add(node.id)
            continue
        if type(node) is ast.AugAssign and type(node.target) is ast.Name:
            found.add(node.target.id)     # ``n += 1`` reads n too
        push_children(stack, node)
    return found


def _reads(node):
    return _names(node, load_only=True)


def _propagate_copies(adjoint):
    """Replace ``ba = bb`` by ``bb`` in later statements where neither name is assigned again.

    One pass forward, with the index of each name's last assignment known beforehand."""
    stmts = adjoint.adjoint
    last = {}
    for k, stmt in enumerate(stmts):
        for name in _assigned(stmt):
            last[name] = k
    mapping = {}
    kept = []
    for k, stmt in enumerate(stmts):
        if mapping:
            _rename(stmt, mapping)
        if _is_simple_assign(stmt) and isinstance(stmt.value, ast.Name):
            a, b = stmt.targets[0].id, stmt.value.id
            if last[a] == k and last.get(b, -1) <= k:
                mapping[a] = b
                continue
        kept.append(stmt)
    adjoint.adjoint = kept
    if mapping:
        adjoint.grads = [_rename(g, mapping) for g in adjoint.grads]


def _propagate_copies_in_blocks(adjoint):
    """``ba = bb`` inside the body of a loop or a branch of the adjoint: later statements of the same body read
    ``bb`` instead, when ``ba`` is read nowhere else (not outside the body, not before the copy in it: a loop
    body's earlier statements would read the previous iteration's ``ba``) and neither is assigned again after
    the copy in the body."""
    everything = list(adjoint.primal) + list(adjoint.adjoint) + list(adjoint.grads) + [adjoint.value]
    total = _read_counts(everything)
    stack = [s for s in adjoint.adjoint if not _is_simple_assign(s)]
    while stack:
        compound = stack.pop()
        for field in ("body", "orelse"):
            block = getattr(compound, field, None)
            if block:
                setattr(compound, field, _propagate_block(block, total))
                stack.extend(s for s in getattr(compound, field) if not _is_simple_assign(s))


def _propagate_block(block, total):
    inside = _read_counts(block)
    last = {}
    for k, stmt in enumerate(block):
        for name in _assigned(stmt):
            last[name] = k
    read_before = set()
    mapping, kept = {}, []
    equal = set()   # pairs (a, b) of names known to hold the same value here
    for k, stmt in enumerate(block):
        if mapping:
            _rename(stmt, mapping)
        copy = _is_simple_assign(stmt) and isinstance(stmt.value, ast.Name)
        if copy:
            a, b = stmt.targets[0].id, stmt.value.id
            if (a, b) in equal:   # b = a; a = b: the second changes nothing
                continue
            if (last[a] == k and last.get(b, -1) <= k and a not in read_before and total.get(a, 0) == inside.get(a, 0)
                    and sum(1 for s in block if a in _assigned(s)) == 1):
                mapping[a] = b
                continue
        assigned = _assigned(stmt)
        equal = {pair for pair in equal if not assigned & set(pair)}
        if copy:
            equal |= {(a, b), (b, a)}
        read_before |= _reads(stmt)
        kept.append(stmt)
    return kept or [ast.Pass()]


def _read_counts(nodes):
    counts = {}
    for node in nodes:
        stack = [node]
        while stack:
            current = stack.pop()
            if type(current) is ast.Name and type(current.ctx) is ast.Load:
                counts[current.id] = counts.get(current.id, 0) + 1
                continue
            if type(current) is ast.AugAssign and type(current.target) is ast.Name:
                counts[current.target.id] = counts.get(current.target.id, 0) + 1
            push_children(stack, current)
    return counts


def _accumulate_in_place(adjoint):
    """``bw = bw + e`` inside a loop becomes ``bw += e`` when ``bw`` certainly owns its array: it starts as
    ``zeros_like(w)``, every other assignment is such a sum (a new array), and nothing else reads it (no copy
    or view of it exists that the update would change). Saves an allocation per iteration."""
    from ..runtime import helpers
    zeros = {name for name, value in adjoint.names.externals.items() if value is helpers.zeros_like}
    starts = {s.targets[0].id: s for s in adjoint.adjoint if _is_simple_assign(s) and isinstance(s.value, ast.Call)
              and isinstance(s.value.func, ast.Name) and s.value.func.id in zeros}
    if not starts:
        return
    in_loops = set()
    for top in adjoint.adjoint:
        if isinstance(top, (ast.For, ast.While)):
            in_loops |= {id(n) for n in ast.walk(top) if isinstance(n, ast.stmt)}
    sums, written_otherwise = {}, set()
    for top in adjoint.adjoint:
        for stmt in ast.walk(top):
            if not isinstance(stmt, ast.stmt) or isinstance(stmt, (ast.For, ast.While, ast.If)):
                continue
            for name in _assigned(stmt) & set(starts):
                if stmt is starts[name]:
                    continue
                if _is_sum_into(stmt, name):
                    sums.setdefault(name, []).append(stmt)
                else:
                    written_otherwise.add(name)
    counts = _read_counts(list(adjoint.primal) + list(adjoint.adjoint) + [adjoint.value])
    for name, statements in sums.items():
        if name in written_otherwise or counts.get(name, 0) != len(statements):
            continue   # read elsewhere (a copy, an argument) or written another way: left as it is
        for stmt in statements:
            if id(stmt) in in_loops:
                _to_augmented(stmt, adjoint.names)


def _is_sum_into(stmt, name):
    return (_is_simple_assign(stmt) and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Add)
            and isinstance(stmt.value.left, ast.Name) and stmt.value.left.id == name
            and name not in _reads(stmt.value.right))


def _to_augmented(stmt, names):
    """Turn ``n = n + e`` (an ast.Assign) into ``n += e`` in place; ``n = n + unindex(g, x, i)`` into
    ``n = added_into(n, g, x, i)`` (no array of x's size per iteration)."""
    from ..runtime import helpers
    target, right = stmt.targets[0], stmt.value.right
    if isinstance(right, ast.Call) and isinstance(right.func, ast.Name) and len(right.args) == 3 \
            and names.externals.get(right.func.id) is helpers.unindex:
        stmt.value = ast.Call(names.load("added_into", helpers.added_into),
                              [ast.Name(target.id, ast.Load())] + right.args, [])
        return
    stmt.__class__ = ast.AugAssign
    del stmt.targets, stmt.value
    stmt.target, stmt.op, stmt.value = ast.Name(target.id, ast.Store()), ast.Add(), right


def _remove_dead(adjoint):
    """Drop assignments to names nobody reads. Statements with effects (print, unknown calls),
    stores into elements or attributes and anything but an assignment stay."""
    live = set()
    for g in adjoint.grads:
        live |= _reads(g)
    live |= _reads(adjoint.value)
    adjoint.adjoint = _sweep(adjoint.adjoint, live, set())
    adjoint.primal = _sweep(adjoint.primal, live, adjoint.effects)


def _sweep(stmts, live, effects):
    kept = []
    for stmt in reversed(stmts):
        if _is_plain(stmt) and id(stmt) not in effects:
            targets = _assigned(stmt)
            if not targets & live:
                continue
            live -= targets
        live |= _reads(stmt)
        kept.append(stmt)
    kept.reverse()
    return kept
