"""Tidy a generated gradient: fold constants, propagate adjoint copies, drop dead statements, and some algebra.

After this pass no statement computes a value nobody reads, no adjoint is a mere copy of another,
and rule templates specialised to constants read naturally (``by * 2 * x``, not ``by * 2 * x ** (2 - 1)``).
The algebra changes no rounding: signs fold into what reads them (``w - bw * b``, not ``bt = -bw`` then
``w + bt * b``), a pure expression the adjoint computes twice is computed once, ``v ** 2`` is ``v * v``; and
the reads of one array at several indices add into one buffer (``bx = zeros_like(x)``, ``bx[2] += g``), where
only terms at indices naming the same element are added in another order.

Every pass is one walk over the statements (time linear in their number), and none builds an
expression whose nesting grows with the program: ``ast.unparse`` and ``compile`` recurse on nesting.
Only ``name = expression`` statements without effects are moved, merged or dropped; any other
statement (a call for its effects, a store into an element or attribute, a compound statement) stays
where it is, and nothing that may have been written by it is assumed unchanged across it.
"""

import ast
import math
import operator

import numpy as np

from .emit import gc_paused
from .ir import clone, push_children
from .reverse import Adjoint

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
         ast.Pow: operator.pow}


def optimize(adjoint: Adjoint, kinds=None, transformable=False) -> Adjoint:
    """``adjoint`` optimised in place. ``kinds`` (parameter name -> kind, as for ``reverse``): the parameters
    the code is specialised to hold arrays, whose reads at several indices may add into one buffer (in
    ``transformable`` code, differentiated again, only a buffer of zeros: one that ``unindex`` made, then written
    into in place, is one the transformer cannot tell is new)."""
    with gc_paused():
        folder = _Fold(adjoint.names, _floating_names(adjoint))
        adjoint.adjoint = [folder.visit(s) for s in adjoint.adjoint]
        adjoint.grads = [folder.visit(g) for g in adjoint.grads]
        _propagate_constants(adjoint)
        _reuse_primal_values(adjoint)
        _fuse_first_contributions(adjoint)
        # again, for the signs of the sums just made, and squares (after the primal's x ** 2 was reused)
        folder.squares = _floating_names(adjoint)
        adjoint.adjoint = [folder.visit(s) for s in adjoint.adjoint]
        adjoint.grads = [folder.visit(g) for g in adjoint.grads]
        _propagate_copies(adjoint)
        _propagate_copies_in_blocks(adjoint)
        _remove_dead(adjoint)
        owned = _gather_indexed_adjoints(adjoint, kinds, transformable)
        _inline_negations(adjoint, owned)
        _reuse_adjoint_values(adjoint, owned)
        _accumulate_in_place(adjoint)
        _copy_borrowed_gradients(adjoint)
    return adjoint


def _copy_borrowed_gradients(adjoint):
    """A gradient that is a value the caller may hold (``1.0 * v`` folded to ``v``: an argument, a global, a view of
    one) is returned as ``np.copy(v)``: changing a gradient in place never changes anything else."""
    assigned = {}
    for stmt in adjoint.adjoint:
        if type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
            assigned[stmt.targets[0].id] = stmt.value if stmt.targets[0].id not in assigned else None
        else:
            for node in ast.walk(stmt):
                if type(node) is ast.Name and type(node.ctx) is not ast.Load:
                    assigned[node.id] = None
    adjoints = set((adjoint.adjoint_names or {}).values()) | {adjoint.seed}
    fresh = {s.targets[0].id for s in adjoint.primal     # (arithmetic makes a new array no one else holds)
             if type(s) is ast.Assign and len(s.targets) == 1 and type(s.targets[0]) is ast.Name
             and type(s.value) in (ast.BinOp, ast.UnaryOp)}
    fresh -= {name for name, value in assigned.items() if value is None}
    stores = {}
    for stmt in adjoint.primal:
        for node in ast.walk(stmt):
            if type(node) is ast.Name and type(node.ctx) is not ast.Load:
                stores[node.id] = stores.get(node.id, 0) + 1
    fresh = {name for name in fresh if stores.get(name) == 1}
    for i, grad in enumerate(adjoint.grads):
        value = assigned.get(grad.id, grad) if type(grad) is ast.Name and grad.id in adjoints else grad
        if type(value) is ast.Name and not {value.id} & (adjoints | fresh | adjoint.numbers):
            copy = ast.Attribute(adjoint.names.load("np", np), "copy", ast.Load())
            adjoint.grads[i] = ast.Call(copy, [grad], [])


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
    folder = _Fold(adjoint.names, _floating_names(adjoint))
    constants = {}
    kept = []
    for stmt in adjoint.adjoint:
        if constants and _constants_read(stmt, constants):
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
            elif _constants_read(grad, constants):
                adjoint.grads[i] = folder.visit(grad)


def _constants_read(node, constants):
    """In place: loads of the names in ``constants`` inside ``node`` become those numbers; whether any did."""
    return _replace_loads(node, lambda load: ast.Constant(constants[load.id]) if load.id in constants
                          else None)[1]


def _number(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


class _Fold:
    """Constant folding, the identities x * 1, 1 * x, x / 1, x ** 1 (for floating x) and the signs (``_signed_sum``,
    ``_fewer_signs``: -(-x), a + -b...), in place, children first (recursion follows the nesting of one
    statement); with ``squares``, ``v ** 2`` is ``v * v`` for those names."""

    def __init__(self, names, floating=()):
        self.names = names
        self.floating = floating    # names holding floating values (``_floating_names``)
        self.squares = ()           # names whose ``v ** 2`` is written ``v * v``

    def is_floating(self, node):
        """Whether an expression certainly gives a floating value (or array): one of ``floating``, a float
        constant, a quotient, arithmetic on one of those. Recursion follows the nesting of the expression."""
        kind = type(node)
        if kind is ast.Name:
            return node.id in self.floating
        if kind is ast.Constant:
            return type(node.value) in (float, complex)
        if kind is ast.BinOp:
            op = type(node.op)
            if op is ast.Div:
                return True
            return op in _FOLD and (self.is_floating(node.left) or self.is_floating(node.right))
        if kind is ast.UnaryOp:
            return type(node.op) in (ast.USub, ast.UAdd) and self.is_floating(node.operand)
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
        # x * 1 is x only for a floating x: 1.0 * mask is a float array, the mask a boolean one (``-mask`` fails,
        # ``mask + mask`` is an or)
        if op is ast.Mult and _number(left) and left.value == 1 and self.is_floating(right):
            return right
        if op in (ast.Mult, ast.Div, ast.Pow) and _number(right) and right.value == 1 and self.is_floating(left):
            return left
        if op is ast.Pow and type(left) is ast.Name and left.id in self.squares and type(right) is ast.Constant \
                and type(right.value) is int and right.value == 2:
            # NumPy computes a square as this product and pow rounds it the same way: the same bits, no pow
            return ast.BinOp(left, ast.Mult(), ast.Name(left.id, ast.Load()))
        if op is ast.Add or op is ast.Sub:
            return _signed_sum(node, self.is_floating)
        if op is ast.Mult or op is ast.Div:
            return _fewer_signs(node, self.is_floating)
        return node

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            if _number(node.operand):
                return ast.Constant(-node.operand.value)
            if isinstance(node.operand, ast.UnaryOp) and isinstance(node.operand.op, ast.USub):
                return node.operand.operand
            core, negated, _ = _split_sign(node.operand)
            if negated and self.is_floating(core):   # -(-a * b) is a * b
                return core
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


# ---- signs
#
# In IEEE arithmetic (and in integer arithmetic, modulo the width of the type) a sign changes no rounding:
# -(a * b) == (-a) * b == a * (-b), -(a / b) == (-a) / b == a / (-b), a + (-b) == a - b, a - (-b) == a + b,
# (-a) + b == b - a and -(-a) == a, exactly (signed zeros included). So a unary minus in a product or quotient
# may move to any of its factors, and one reaching a sum becomes a subtraction: fewer operations, the same
# bits. Nothing else is reassociated.


def _split_sign(node):
    """``(core, negated, minuses)``: ``node`` is ``-core`` when ``negated`` (else ``core``), where ``core`` has
    no unary minus or negative constant along the chain of products and quotients at its top; ``minuses``
    counts the unary minus nodes taken out. Recursion follows that chain (the nesting of one expression)."""
    kind = type(node)
    if kind is ast.UnaryOp and type(node.op) is ast.USub:
        core, negated, minuses = _split_sign(node.operand)
        return core, not negated, minuses + 1
    if kind is ast.BinOp and (type(node.op) is ast.Mult or type(node.op) is ast.Div):
        left, left_negated, left_minuses = _split_sign(node.left)
        right, right_negated, right_minuses = _split_sign(node.right)
        if left is node.left and right is node.right:
            return node, False, 0
        return ast.BinOp(left, node.op, right), left_negated != right_negated, left_minuses + right_minuses
    if _number(node) and node.value < 0:
        return ast.Constant(-node.value), True, 0
    return node, False, 0


def _negated(node):
    """``-node`` written on the first factor of its products and quotients (``-a * b / c``), a negative
    constant where that factor is a number."""
    if type(node) is ast.BinOp and (type(node.op) is ast.Mult or type(node.op) is ast.Div):
        return ast.BinOp(_negated(node.left), node.op, node.right)
    if _number(node):
        return ast.Constant(-node.value)
    return ast.UnaryOp(ast.USub(), node)


def _minuses(node):
    """The number of unary minus nodes in an expression (an explicit stack)."""
    count, stack = 0, [node]
    while stack:
        node = stack.pop()
        if type(node) is ast.UnaryOp and type(node.op) is ast.USub:
            count += 1
        push_children(stack, node)
    return count


def _fewer_signs(node, is_floating):
    """A product or quotient with at most one unary minus, on its first factor: ``-a * -b`` is ``a * b``,
    ``a * -b / c`` stays (one sign is one sign, and ``-a * b`` reads no better)."""
    core, negated, minuses = _split_sign(node)
    if minuses < 2 and (negated or minuses == 0) or not is_floating(core):
        return node     # (for booleans -a * -b fails where a * b would not)
    return _negated(core) if negated else core


def _signed_sum(node, is_floating):
    """``a + -b`` is ``a - b``, ``a - -b`` is ``a + b`` (``-b`` also a product with a negative factor:
    ``a + -2.0 * x`` is ``a - 2.0 * x``), and ``-a + b`` is ``b - a`` where that drops a unary minus.
    (``a - -b`` only for floating values: for booleans ``-b`` fails, ``a + b`` is an or.)"""
    left, right = node.left, node.right
    core, negated, _ = _split_sign(right)
    if negated and (type(node.op) is ast.Add or is_floating(left) or is_floating(core)):
        node = ast.BinOp(left, ast.Sub() if type(node.op) is ast.Add else ast.Add(), core)
    if type(node.op) is ast.Add and not _number(left):
        core, negated, minuses = _split_sign(left)
        if negated and minuses:
            return ast.BinOp(node.right, ast.Sub(), core)
    return node


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


def _replace_loads(node, replacement):
    """In place: every load of a name that ``replacement(name)`` gives a node for reads that node instead.
    Returns the node (another one when ``node`` itself is a replaced load) and whether any load was replaced.
    An explicit stack, no recursion."""
    if type(node) is ast.Name:
        new = replacement(node) if type(node.ctx) is ast.Load else None
        return (node, False) if new is None else (new, True)
    replaced = False
    stack = [node]
    while stack:
        parent = stack.pop()
        for field in parent._fields:
            value = getattr(parent, field, None)
            items = value if isinstance(value, list) else (value,)
            for k, item in enumerate(items):
                if type(item) is ast.Name:
                    new = replacement(item) if type(item.ctx) is ast.Load else None
                    if new is not None:
                        replaced = True
                        if items is value:
                            value[k] = new
                        else:
                            setattr(parent, field, new)
                elif isinstance(item, ast.AST) and item._fields:
                    stack.append(item)
    return node, replaced


def _rename(node, mapping):
    """In place: every load of a name in ``mapping`` reads the name it maps to. Returns the node
    (a new Name when ``node`` itself is one that is renamed)."""
    def renamed(name):
        target = mapping.get(name.id)
        return None if target is None else ast.copy_location(ast.Name(target, ast.Load()), name)
    return _replace_loads(node, renamed)[0]


# Contributions fused into one statement stop at this many terms, so that no generated expression
# nests deeper with the size of the program (ast.unparse and compile recurse on nesting): a value
# read by a thousand statements gets its adjoint in a sequence of short sums, not one long line.
MAX_TERMS = 8


def _fuse_first_contributions(adjoint):
    """``ba = e1`` ... ``ba = ba + e2`` becomes ``ba = e1 + e2`` (``ba = ba - e2``: ``ba = e1 - e2``) when
    nothing in between reads ba or changes what e1 reads (up to MAX_TERMS terms in one statement).

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
                and isinstance(value.op, (ast.Add, ast.Sub)) and isinstance(value.left, ast.Name)
                and value.left.id == name):
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
    """``name = name + e`` or ``name = name - e``, ``e`` not reading name."""
    return (_is_simple_assign(stmt) and isinstance(stmt.value, ast.BinOp)
            and isinstance(stmt.value.op, (ast.Add, ast.Sub))
            and isinstance(stmt.value.left, ast.Name) and stmt.value.left.id == name
            and name not in _reads(stmt.value.right))


def _to_augmented(stmt, names):
    """Turn ``n = n + e`` (an ast.Assign) into ``n += e`` in place (``n = n - e`` into ``n -= e``);
    ``n = n + unindex(g, x, i)`` into ``n = added_into(n, g, x, i)`` (no array of x's size per iteration)."""
    from ..runtime import helpers
    target, right, op = stmt.targets[0], stmt.value.right, stmt.value.op
    if isinstance(op, ast.Add) and isinstance(right, ast.Call) and isinstance(right.func, ast.Name) \
            and len(right.args) == 3 and names.externals.get(right.func.id) is helpers.unindex:
        stmt.value = ast.Call(names.load("added_into", helpers.added_into),
                              [ast.Name(target.id, ast.Load())] + right.args, [])
        return
    stmt.__class__ = ast.AugAssign
    del stmt.targets, stmt.value
    stmt.target, stmt.op, stmt.value = ast.Name(target.id, ast.Store()), type(op)(), right


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


# ---- powers


def _floating_names(adjoint):
    """The names that hold floating values (or arrays): the values that have an adjoint and the adjoints
    (``Adjoint.floating``). For them ``1.0 * v`` is ``v`` and ``v ** 2`` is ``v * v``; not for a boolean ``b``
    (``1.0 * b`` is a float array, ``b ** 2`` an integer one, ``b * b`` a boolean one) or an integer one."""
    return adjoint.floating


# ---- indexed reads of one array: one buffer


def _gather_indexed_adjoints(adjoint, kinds=None, transformable=False):
    """The adjoint of an array read at several indices, ``bx = unindex(g1, x, 2) + unindex(g2, x, 0) + ...``
    (then ``bx = bx + unindex(g3, x, 2)``...: one array of x's size per read and one full-size addition per
    term), becomes one buffer written at each index::

        bx = zeros_like(x)
        bx[2] = g1 + g3
        bx[0] += g2

    Terms at the same index (the same expression) are added first, in their order; ``+=`` at every other
    index, so that indices naming the same element (``-1`` and ``3`` of a length-4 array, overlapping slices)
    add up. Other contributions in the same sum (``unbroadcast(...)``) are added first:
    ``bx = e1 + e2 + unindex(g1, x, 2)`` (a new array), then ``bx[0] += g2``.

    Only where that is the same: ``x`` certainly an array (``_indexable``: never a list or tuple, where
    ``unindex`` builds a tuple of adjoints), every index basic (integer constants, names holding numbers,
    slices of those, tuples of them: no index selects an element twice, where ``+=`` would add once what
    ``np.add.at`` adds twice), the buffer new (no other name holds it), and no term reading it. A buffer has
    ``zeros_like``'s floating dtype of x (float32 for float32), as ``added_into`` accumulates in loops.

    One walk forward over the top-level statements (the body of a loop or branch is left alone): a *chain*
    collects the terms of one adjoint name's sums while nothing reads that name and nothing reassigns what
    its terms read (a statement doing either, or any statement other than ``name = expression``, closes the
    chains it concerns); a closed chain with two or more indexed terms is written at its last statement.
    Returns ``{id(statement): buffer name}`` for the statements writing into buffers: they write into
    nothing else."""
    from ..runtime import helpers

    names = adjoint.names
    unindex = {name for name, value in names.externals.items() if value is helpers.unindex}
    if not unindex:
        return {}
    arrays, numbers, resolve = _indexable(adjoint, kinds)
    stmts = adjoint.adjoint
    chains = {}         # target -> its open _Chain
    readers = {}        # name -> open chains some term of which reads it
    closed = []

    def close(chain):
        if chains.get(chain.target) is chain:
            del chains[chain.target]
            if chain.indexed >= 2:
                closed.append(chain)

    for k, stmt in enumerate(stmts):
        if not _is_simple_assign(stmt):
            for chain in list(chains.values()):
                close(chain)
            readers.clear()
            continue
        target, value = stmt.targets[0].id, stmt.value
        terms = _sum_terms(value)
        chain = chains.get(target)
        adding = len(terms) > 1 and type(terms[0][0]) is ast.Name and terms[0][0].id == target
        continuing = chain is not None and adding
        new_terms = terms[1:] if continuing else terms
        term_reads = [_reads(t) for t, _ in new_terms]
        reads = set().union(*term_reads)
        for name in reads:   # a chain's value read: it must be complete here
            other = chains.get(name)
            if other is not None and other is not chain:
                close(other)
        # ``bx = bx + ...`` with no chain open: the value bx had is the chain's first term, read where the
        # chain is written (nothing assigns bx before, and nothing else reads it)
        own = reads - {target} if adding and not continuing and all(target not in r for r in term_reads[1:]) \
            else reads
        if chain is not None and (not continuing or target in reads):
            close(chain)
            chain = None
        for other in readers.pop(target, ()):   # what a chain's terms read changes
            close(other)
        if target in own:
            continue
        if chain is None:
            chain = chains[target] = _Chain(target)
        chain.statements.append(k)
        for (term, negative), term_read in zip(new_terms, term_reads):
            chain.add(term, negative, unindex, arrays, numbers, resolve)
            for name in term_read:
                if name != target:
                    readers.setdefault(name, []).append(chain)
    for chain in list(chains.values()):
        close(chain)
    if transformable:   # (a sum that starts from unindex(...), then written into: left as the plain sum)
        closed = [chain for chain in closed if not chain.others]
    if not closed:
        return {}
    zeros = names.load("zeros_like", helpers.zeros_like).id if any(not c.others for c in closed) else None
    replaced, removed, owned = {}, set(), {}
    for chain in closed:
        removed.update(chain.statements)
        written = chain.write(zeros, next(iter(unindex)))
        replaced[chain.statements[-1]] = written
        owned.update((id(s), chain.target) for s in written if not _is_simple_assign(s))
    out = []
    for k, stmt in enumerate(stmts):
        if k in replaced:
            out.extend(replaced[k])
        elif k not in removed:
            out.append(stmt)
    adjoint.adjoint = out
    return owned


class _Chain:
    """The terms of the sums one adjoint name is assigned in a row, in order: indexed reads of one array ``x``
    (``("read", index, unindex's argument, value)``) and other terms (``("other", term, subtracted)``)."""

    def __init__(self, target):
        self.target = target
        self.statements = []
        self.array = None
        self.terms = []
        self.indexed = 0
        self.others = False

    def add(self, term, negative, unindex, arrays, numbers, resolve):
        if (not negative and type(term) is ast.Call and type(term.func) is ast.Name and term.func.id in unindex
                and len(term.args) == 3 and not term.keywords and type(term.args[1]) is ast.Name
                and term.args[1].id in arrays and term.args[1].id != self.target
                and (self.array is None or term.args[1].id == self.array)):
            index = argument = term.args[2]
            if (type(index) is ast.Subscript and type(index.value) is ast.Attribute and index.value.attr == "s_"
                    and resolve(index.value.value) is np):
                index = index.slice     # np.s_[1:3]: the index 1:3
            if _basic_index(index, numbers):
                self.array = term.args[1].id
                if not (_number(term.args[0]) and term.args[0].value == 0):   # (adding 0.0 changes nothing)
                    self.terms.append(("read", index, argument, term.args[0]))
                    self.indexed += 1
                return
        self.terms.append(("other", term, negative))
        self.others = True

    def write(self, zeros, unindex):
        """The statements that compute the chain's value."""
        return self._with_others(unindex) if self.others else self._grouped(zeros)

    def _grouped(self, zeros):
        """Only indexed reads: the terms at one index summed in their order, into a new buffer of zeros. Where
        no two indices name the same element, each element gets the sum it had, in the same order."""
        target = self.target
        groups = {}         # ast.dump of an index -> (index, [values])
        for _, index, _, value in self.terms:
            groups.setdefault(ast.dump(index), (index, []))[1].append(value)
        written = [ast.Assign([ast.Name(target, ast.Store())],
                              ast.Call(ast.Name(zeros, ast.Load()), [ast.Name(self.array, ast.Load())], []))]
        for index, values in groups.values():
            for start in range(0, len(values), MAX_TERMS):
                element, value = _element(target, index), _sum(values[start:start + MAX_TERMS])
                written.append(ast.AugAssign(element, ast.Add(), value) if len(written) > 1
                               else ast.Assign([element], value))
        return written

    def _with_others(self, unindex):
        """Indexed reads among other terms: each term added in its order (so each element gets the same sum,
        bit for bit), the indexed ones into the array the sum before them made (a new one, at least x's
        shape): ``bx = e1 + unindex(g1, x, 2)``, ``bx[0] += g2``, ``bx = bx + e2``..."""
        target = self.target
        first = next(k for k, term in enumerate(self.terms) if term[0] == "read")
        _, _, argument, value = self.terms[first]
        base = [(term, negative) for _, term, negative in self.terms[:first]]
        base.append((ast.Call(ast.Name(unindex, ast.Load()), [value, ast.Name(self.array, ast.Load()),
                                                              clone(argument)], []), False))
        written, run = [], base
        for term in self.terms[first + 1:] + [None]:
            if term is not None and term[0] == "other":
                if not run:
                    run.append((ast.Name(target, ast.Load()), False))
                run.append(term[1:])
                continue
            for start in range(0, len(run), MAX_TERMS):   # (a long run: several sums, each a new array)
                part = run[start:start + MAX_TERMS]
                if start:
                    part.insert(0, (ast.Name(target, ast.Load()), False))
                written.append(ast.Assign([ast.Name(target, ast.Store())], _signed_sum_of(part)))
            run = []
            if term is not None:
                written.append(ast.AugAssign(_element(target, term[1]), ast.Add(), term[3]))
        return written


def _element(name, index):
    return ast.Subscript(ast.Name(name, ast.Load()), clone(index), ast.Store())


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        total = ast.BinOp(total, ast.Add(), term)
    return total


def _signed_sum_of(terms):
    """``a - b + c`` from ``[(a, False), (b, True), (c, False)]`` (the first term added)."""
    total = terms[0][0]
    for term, negative in terms[1:]:
        total = ast.BinOp(total, ast.Sub() if negative else ast.Add(), term)
    return total


def _sum_terms(node):
    """The terms of a sum ``a + b - c`` (left-nested additions and subtractions), in order, each with whether
    it is subtracted; ``[(node, False)]`` for anything else."""
    terms = []
    while type(node) is ast.BinOp and (type(node.op) is ast.Add or type(node.op) is ast.Sub):
        terms.append((node.right, type(node.op) is ast.Sub))
        node = node.left
    terms.append((node, False))
    terms.reverse()
    return terms


def _int_constant(node):
    return type(node) is ast.Constant and type(node.value) is int


def _basic_index(node, numbers):
    """Whether ``node`` is an index that selects no element twice and has an integer or a slice in it (so
    the array it indexes has a dimension): integer constants, names holding numbers (an index that is a
    number is an integer, or a boolean, which selects at most once), slices of those, ``None`` and ``...``
    beside them in a tuple."""
    parts = node.elts if type(node) is ast.Tuple else [node]
    found = False
    for part in parts:
        if _int_constant(part) or type(part) is ast.Name and part.id in numbers:
            found = True
        elif type(part) is ast.Slice:
            if not all(p is None or _int_constant(p) or type(p) is ast.Name and p.id in numbers
                       or type(p) is ast.Constant and p.value is None for p in (part.lower, part.upper, part.step)):
                return False
            found = True
        elif not (type(part) is ast.Constant and (part.value is None or part.value is Ellipsis)) or node is part:
            return False
    return found


# Calls that, given arrays and numbers, give an array or a number (never a list or a tuple).
_ARRAY_FUNCTION_NAMES = ("sum mean prod max min amax amin std var dot outer inner vdot tensordot reshape transpose "
                         "ravel squeeze expand_dims cumsum cumprod clip diag diagonal trace tile repeat flip roll "
                         "sort concatenate stack hstack vstack broadcast_to einsum cross kron triu tril "
                         "zeros_like ones_like full_like asarray array copy").split()
_LINALG_NAMES = ("norm", "inv", "det", "solve", "pinv", "matrix_power")
_ARRAY_METHODS = {"sum", "mean", "prod", "max", "min", "std", "var", "dot", "reshape", "transpose", "ravel",
                  "flatten", "squeeze", "cumsum", "cumprod", "clip", "copy", "astype", "conj", "conjugate",
                  "diagonal", "trace", "repeat", "swapaxes"}
_SAFE_KEYWORDS = {"axis", "keepdims", "dtype", "ord", "axes", "ddof", "a_min", "a_max", "decimals"}
_ARRAY_FUNCTIONS = None


def _array_functions():
    global _ARRAY_FUNCTIONS
    if _ARRAY_FUNCTIONS is None:
        found = {getattr(np, name) for name in _ARRAY_FUNCTION_NAMES if hasattr(np, name)}
        found |= {getattr(np.linalg, name) for name in _LINALG_NAMES if hasattr(np.linalg, name)}
        _ARRAY_FUNCTIONS = found
    return _ARRAY_FUNCTIONS


def _indexable(adjoint, kinds=None):
    """(names that certainly hold a NumPy array or a number, never a list, tuple or other object; names that
    certainly hold a number; the resolver of callees). The first: the differentiated parameters (``sg.grad``
    makes them floats or float arrays), the parameters whose kind is an array (the code is only run on
    arguments of its kinds), the names ``reverse`` knows hold numbers, and names the primal binds once, at its
    top level, to arithmetic, indexing, a ufunc or a NumPy function of a known list (``_ARRAY_FUNCTIONS``,
    ``x.T``, ``x.sum()``...) on such names and numbers."""
    from ..kinds import is_array
    stores = {}
    for stmt in adjoint.primal + adjoint.adjoint:
        stack = [stmt]
        while stack:
            node = stack.pop()
            if type(node) is ast.Name:
                if type(node.ctx) is not ast.Load:
                    stores[node.id] = stores.get(node.id, 0) + 1
                continue
            push_children(stack, node)
    known = set(adjoint.numbers)
    named = adjoint.adjoint_names or {}
    known |= {p for p in adjoint.params if (p in named or is_array((kinds or {}).get(p))) and p not in stores}
    numbers = set(adjoint.numbers)
    resolve = _Callee(adjoint.names)
    for stmt in adjoint.primal:
        if _is_simple_assign(stmt) and stores.get(stmt.targets[0].id) == 1:
            target, value = stmt.targets[0].id, stmt.value
            if _gives_number(value, numbers, resolve):
                numbers.add(target)
                known.add(target)
            elif _gives_array(value, known, resolve):
                known.add(target)
    return known, numbers, resolve


def _gives_number(value, numbers, resolve):
    """Whether an expression certainly gives a number (beyond the ones ``reverse`` knows): ``int(...)``,
    ``len(...)``, ``math.floor(...)``, sizes of arrays, and arithmetic, ``abs``, ``min`` and ``max`` of numbers."""
    kind = type(value)
    if kind is ast.Constant:
        return type(value.value) in (int, float)
    if kind is ast.Name:
        return value.id in numbers
    if kind is ast.BinOp:
        return _gives_number(value.left, numbers, resolve) and _gives_number(value.right, numbers, resolve)
    if kind is ast.UnaryOp:
        return _gives_number(value.operand, numbers, resolve)
    if kind is ast.Attribute:   # x.size, x.ndim
        return value.attr in ("size", "ndim") and type(value.value) is ast.Name
    if kind is ast.Subscript:   # x.shape[0]
        return (type(value.value) is ast.Attribute and value.value.attr == "shape"
                and type(value.value.value) is ast.Name and _int_constant(value.slice))
    if kind is ast.Call and not value.keywords and value.args:
        callee = resolve(value.func)
        if len(value.args) == 1 and (callee in (int, len) or callee in (math.floor, math.ceil, math.trunc)):
            return True
        return callee in (abs, min, max) and all(_gives_number(a, numbers, resolve) for a in value.args)
    return False


def _atom(node, known):
    if type(node) is ast.Name:
        return node.id in known
    return type(node) is ast.Constant and type(node.value) in (int, float, complex)


def _argument(node, known):
    """An argument of a call known to give an array: a known name, a constant (a shape, an axis, a
    subscript string), or a list or tuple of those."""
    if type(node) in (ast.List, ast.Tuple):
        return all(_argument(e, known) for e in node.elts)
    return _atom(node, known) or type(node) is ast.Constant and type(node.value) in (str, bool, type(None)) or (
        type(node) is ast.UnaryOp and _int_constant(node.operand))


def _gives_array(value, known, resolve):
    kind = type(value)
    if kind is ast.Name or kind is ast.Constant:
        return _atom(value, known)
    if kind is ast.BinOp:
        return _atom(value.left, known) and _atom(value.right, known)
    if kind is ast.UnaryOp:
        return _atom(value.operand, known)
    if kind is ast.Compare:
        return _atom(value.left, known) and all(_atom(c, known) for c in value.comparators)
    if kind is ast.Subscript:   # an element or a part of an array (a number's [...] fails before)
        return type(value.value) is ast.Name and value.value.id in known
    if kind is ast.Attribute:
        return type(value.value) is ast.Name and value.value.id in known and value.attr in ("T", "real", "imag")
    if kind is ast.Call:
        if not all(_argument(a, known) for a in value.args) or not all(
                k.arg in _SAFE_KEYWORDS and _argument(k.value, known) for k in value.keywords):
            return False
        func = value.func
        if type(func) is ast.Attribute and type(func.value) is ast.Name and func.value.id in known:
            return func.attr in _ARRAY_METHODS
        callee = resolve(func)
        if isinstance(callee, np.ufunc):
            return callee.nout == 1 and not value.keywords
        if callee is np.where:
            return len(value.args) == 3
        try:
            return callee in _array_functions()
        except TypeError:   # unhashable
            return False
    return False


class _Callee:
    """The object a callee expression of the program names (a module attribute, a global), or None."""

    def __init__(self, names):
        self.names = names

    def __call__(self, node):
        if type(node) is ast.Name:
            names = self.names
            if node.id in names.externals:
                return names.externals[node.id]
            if node.id in names.bound:
                return None
            found, value = names.source.resolve(node.id)
            return value if found else None
        if type(node) is ast.Attribute:
            base = self(node.value)
            return getattr(base, node.attr, None) if base is not None else None
        return None


# ---- negations


def _inline_negations(adjoint, owned):
    """``n = -m`` (``m`` a name) and ``n`` read later: the readers read ``-m`` instead and fold the sign into
    what they compute (``w - m * b`` for ``w + n * b``, ``m * t / b`` for ``-n * t / b``), when that leaves
    no more unary minus than there was; the copy is dropped.

    Only top-level statements ``names = expression`` (and writes into the buffers of
    ``_gather_indexed_adjoints``, ``owned``, which write into nothing else) in a row: ``n`` assigned once,
    every read of it after its assignment and before anything reassigns ``m``. One walk forward; each
    candidate's readers are tried on copies. Returns whether anything changed."""
    stmts = adjoint.adjoint
    candidates = {s.targets[0].id for s in stmts if _is_negation(s)}
    if not candidates:
        return False
    total, stores = _counts_of(list(adjoint.primal) + list(adjoint.grads) + [adjoint.value], candidates)
    reads_at = []
    for stmt in stmts:
        reads, stored = _counts_of([stmt], candidates)
        reads_at.append(reads)
        for counts, more in ((total, reads), (stores, stored)):
            for n, count in more.items():
                counts[n] = counts.get(n, 0) + count
    open_ = {}          # n -> m, while reads of n may read -m
    watch = {}          # m -> [n]
    defs, sites, found = {}, {}, {}
    for k, stmt in enumerate(stmts):
        effect = _plain_effect(stmt, owned)
        if effect is None:
            open_.clear()
            watch.clear()
            continue
        if open_ and reads_at[k]:
            for n, count in reads_at[k].items():
                if n in open_:
                    sites.setdefault(n, []).append(k)
                    found[n] = found.get(n, 0) + count
        for name in effect:
            open_.pop(name, None)
            for n in watch.pop(name, ()):
                open_.pop(n, None)
        if _is_negation(stmt):
            n, m = stmt.targets[0].id, stmt.value.operand.id
            if n != m and stores.get(n) == 1:
                open_[n] = m
                watch.setdefault(m, []).append(n)
                defs[n] = (k, m, stmt)
    folder = _Fold(adjoint.names, _floating_names(adjoint))
    dropped = set()
    copies = False
    for n, (k, m, definition) in defs.items():
        where = sorted(set(sites.get(n, ())))
        if not where or found.get(n) != total.get(n) or len(where) > 64 or stmts[k] is not definition:
            continue    # (a definition rewritten by an earlier one, n = -m with m = -a: n = a, a copy)
        before = 1 + sum(_minuses(stmts[i]) for i in where)
        trial = {}
        for i in where:
            stmt = clone(stmts[i])
            _substitute(stmt, n, m)
            stmt.value = folder.visit(stmt.value)
            trial[i] = stmt
        if sum(_minuses(s) for s in trial.values()) <= before:
            for i, stmt in trial.items():
                if id(stmts[i]) in owned:
                    owned[id(stmt)] = owned.pop(id(stmts[i]))
                stmts[i] = stmt
                copies = copies or _is_simple_assign(stmt) and type(stmt.value) is ast.Name
            dropped.add(k)
    if dropped:
        adjoint.adjoint = [s for k, s in enumerate(stmts) if k not in dropped]
    if copies:
        _propagate_copies(adjoint)
    return bool(dropped)


def _is_negation(stmt):
    """``n = -m``, ``m`` a name."""
    return (_is_simple_assign(stmt) and type(stmt.value) is ast.UnaryOp and type(stmt.value.op) is ast.USub
            and type(stmt.value.operand) is ast.Name)


def _counts_of(nodes, names):
    """(reads, stores) of each of ``names`` in ``nodes``: how many times it is loaded (the target of an
    augmented assignment counts as read) and stored into."""
    reads, stores = {}, {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            if node.id in names:
                counts = reads if type(node.ctx) is ast.Load else stores
                counts[node.id] = counts.get(node.id, 0) + 1
            continue
        if kind is ast.AugAssign and type(node.target) is ast.Name and node.target.id in names:
            reads[node.target.id] = reads.get(node.target.id, 0) + 1
        push_children(stack, node)
    return reads, stores


def _plain_effect(stmt, owned):
    """The names a statement assigns, if it is ``names = expression`` or a write into a buffer of its own;
    None for anything else (it may write into anything)."""
    if id(stmt) in owned:
        return {owned[id(stmt)]}
    if _is_plain(stmt):
        return _assigned(stmt)
    return None


def _substitute(node, name, operand):
    """In place: loads of ``name`` become ``-operand``."""
    _replace_loads(node, lambda load: ast.UnaryOp(ast.USub(), ast.Name(operand, ast.Load())) if load.id == name
                   else None)


# ---- common subexpressions of the adjoint

# Expressions whose evaluation is conditional or has a scope of its own: neither reused nor looked into.
_OPAQUE = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
           ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Starred)
# NumPy functions that make a new array to be written into, or write into an argument: never shared.
_NOT_SHARED = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "array",
               "asarray", "asanyarray", "ascontiguousarray", "copy", "eye", "identity", "arange", "linspace",
               "copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "added_into", "updated",
               "added_at"}


def _reuse_adjoint_values(adjoint, owned):
    """Common subexpressions of the adjoint: an expression computed again where nothing it reads has
    changed since is read from a name. A statement ``n = e`` names ``e`` (a later ``e`` reads ``n``); an
    expression computed twice inside statements is computed once, into a new temporary, just before the
    first of them (``t = np.log(np.where(p > 0, p, 1))``).

    As in ``_reuse_primal_values``: only top-level statements ``names = expression`` (and the writes into
    the buffers of ``_gather_indexed_adjoints``, ``owned``, which write into nothing else) are looked into;
    any other statement is a barrier after which nothing earlier is reused. Only pure expressions
    (arithmetic, comparisons, indexing, NumPy, ``math`` and runtime helper functions but those that make or
    write into arrays: ``_NOT_SHARED``), never what is evaluated only on some condition (``a if c else b``).
    One walk forward; each expression gets a structural key in time proportional to its own fields.
    Returns whether anything changed."""
    reuse = _AdjointReuse(adjoint, owned)
    if not reuse.run():
        return False
    if reuse.copies:        # n = e ... m = e: m = n, and the reads of m read n
        _propagate_copies(adjoint)
    if reuse.aliased:       # a copy's reads went to the original: the copy may be dead
        _remove_dead(adjoint)
    return True


class _AdjointReuse:

    def __init__(self, adjoint, owned):
        self.adjoint = adjoint
        self.owned = owned
        self.names = adjoint.names
        self.keys = _Keys()
        self.callee = _Callee(adjoint.names)
        self.pure_callees = {}
        self.table = {}         # key -> entry: ["name", name] or ["at", statement index, parent, field, index, node]
        self.readers = {}       # name -> [(key, entry)] to drop when name is assigned
        self.entry_of = {}      # id(node) -> (key, entry) of an "at" entry
        self.hoisted = {}       # statement index -> [temporary definitions before it]
        self.temporaries = {}   # temporary -> [its definition, [(parent, field, index)] where it is read]
        self.alias = {}         # n -> m after ``n = m`` made here, while neither is assigned again
        self.changed = self.copies = self.aliased = False

    def run(self):
        stmts = self.adjoint.adjoint
        for k, stmt in enumerate(stmts):
            effect = _plain_effect(stmt, self.owned)
            if effect is None:
                self.table.clear()
                self.readers.clear()
                self.entry_of.clear()
                self.alias.clear()
                continue
            self.k = k
            value = stmt.value
            key, reads, pure = self.visit(value)
            named = None
            if pure and self.shareable(value):
                entry = self.table.get(key)
                if entry is not None:
                    self.replace(stmt, "value", None, value, key, entry)
                    self.copies = self.copies or _is_simple_assign(stmt) and type(stmt.value) is ast.Name
                elif _is_simple_assign(stmt) and stmt.targets[0].id not in reads:
                    named = (key, ["name", stmt.targets[0].id], reads | {stmt.targets[0].id})
                else:
                    self.record(key, stmt, "value", None, value, reads)
            for name in effect:
                for key_, entry in self.readers.pop(name, ()):
                    if self.table.get(key_) is entry:
                        del self.table[key_]
                self.alias.pop(name, None)
            if self.alias and effect:
                self.alias = {n: m for n, m in self.alias.items() if m not in effect}
            if _is_simple_assign(stmt) and type(stmt.value) is ast.Name and stmt.value.id != stmt.targets[0].id:
                # a copy made here: what reads the copy is keyed as reading the original
                self.alias[stmt.targets[0].id] = self.alias.get(stmt.value.id, stmt.value.id)
            if named is not None:
                key, entry, reads = named
                self.table[key] = entry
                for name in reads:
                    self.readers.setdefault(name, []).append((key, entry))
        if not self.changed:
            return False
        self.inline_single_use()
        out = []
        for k, stmt in enumerate(stmts):
            out.extend(self.hoisted.get(k, ()))
            out.append(stmt)
        self.adjoint.adjoint = out
        return True

    def visit(self, node):
        """(key, names read, pure) of an expression; children equal to an expression known here are replaced
        by the name holding it (recursion follows the nesting of one expression)."""
        kind = type(node)
        if kind is ast.Name:
            original = self.alias.get(node.id)
            if original is not None and type(node.ctx) is ast.Load:
                return self.keys.leaf(ast.Name(original, ast.Load())), frozenset((node.id, original)), True
            return self.keys.leaf(node), frozenset((node.id,)), True
        if kind is ast.Constant or not node._fields:
            return self.keys.leaf(node), frozenset(), True
        if kind in _OPAQUE:
            return self.keys.intern(("opaque", id(node))), frozenset(), False
        parts = [kind]
        reads = set()
        pure = kind is not ast.Call or self.pure_call(node)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                key, child_reads, child_pure = self.child(node, field, None, value)
                parts.append(key)
                reads |= child_reads
                pure = pure and child_pure
            elif isinstance(value, list):
                items = []
                for k, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        key, child_reads, child_pure = self.child(node, field, k, item)
                        items.append(key)
                        reads |= child_reads
                        pure = pure and child_pure
                    else:
                        items.append(item)
                parts.append(tuple(items))
            else:
                parts.append(value)
        return self.keys.intern(tuple(parts)), frozenset(reads), pure

    def child(self, parent, field, index, node):
        key, reads, pure = self.visit(node)
        if pure and self.shareable(node):
            entry = self.table.get(key)
            if entry is None:
                self.record(key, parent, field, index, node, reads)
            else:
                self.replace(parent, field, index, node, key, entry)
        return key, reads, pure

    def shareable(self, node):
        kind = type(node)
        if kind is ast.BinOp or kind is ast.Compare or kind is ast.Call:
            return True
        return kind is ast.UnaryOp and type(node.operand) not in (ast.Name, ast.Constant)

    def pure_call(self, node):
        if any(k.arg is None or k.arg == "out" for k in node.keywords):
            return False
        func = node.func
        if type(func) is ast.Name:
            label = func.id
        elif type(func) is ast.Attribute and type(func.value) is ast.Name:
            label = (func.value.id, func.attr)
        else:
            return False
        known = self.pure_callees.get(label)
        if known is None:
            known = self.pure_callees[label] = self._pure(self.callee(func))
        return known

    @staticmethod
    def _pure(callee):
        from ..runtime import helpers
        if callee is None:
            return False
        if isinstance(callee, np.ufunc):
            return True
        module = getattr(callee, "__module__", None) or ""
        name = getattr(callee, "__name__", None)
        if name in _NOT_SHARED or not callable(callee):
            return False
        if module == "math":
            return True
        if module.startswith("numpy") and "random" not in module:
            return True
        from ..rules import kernels
        return any(module == m.__name__ and getattr(m, name, None) is callee for m in (helpers, kernels))

    def record(self, key, parent, field, index, node, reads):
        entry = ["at", self.k, parent, field, index, node]
        self.table[key] = entry
        self.entry_of[id(node)] = (key, entry)
        for name in reads:
            self.readers.setdefault(name, []).append((key, entry))

    def replace(self, parent, field, index, node, key, entry):
        """``node`` (in ``parent``) has the value of ``entry``: read it from the entry's name, after making one
        (a temporary computed before the statement holding the entry's node) if it has none."""
        if entry[0] == "at":
            if not hasattr(self.names, "temp"):
                return   # (no way to make a name)
            _, k, first_parent, first_field, first_index, first = entry
            name = self.names.temp()
            definition = ast.Assign([ast.Name(name, ast.Store())], first)
            self.hoisted.setdefault(k, []).append(definition)
            self.temporaries[name] = [definition, [(first_parent, first_field, first_index)]]
            _put(first_parent, first_field, first_index, ast.Name(name, ast.Load()))
            del self.entry_of[id(first)]
            entry[:] = ["name", name]   # (still in the table: later ones read the name)
        name = entry[1]
        self.forget(node)
        _put(parent, field, index, ast.Name(name, ast.Load()))
        if name in self.temporaries:
            self.temporaries[name][1].append((parent, field, index))
        self.changed = True

    def forget(self, node):
        """``node`` leaves the program: the entries of the expressions in it go, and the temporaries it reads
        are read once less."""
        stack = [node]
        while stack:
            current = stack.pop()
            found = self.entry_of.pop(id(current), None)
            if found is not None and self.table.get(found[0]) is found[1]:
                del self.table[found[0]]
            if type(current) is ast.Name:
                if current.id in self.temporaries:
                    places = self.temporaries[current.id][1]
                    places[:] = [p for p in places if _get(*p) is not current]
                self.aliased = self.aliased or current.id in self.alias
                continue
            push_children(stack, current)

    def inline_single_use(self):
        """A temporary read only once (its readers were all inside a larger expression made a temporary
        later) is computed where it is read again."""
        for name, (definition, places) in self.temporaries.items():
            if len(places) == 1:
                _put(*places[0], definition.value)
                definition.value = None
        for k, definitions in self.hoisted.items():
            self.hoisted[k] = [d for d in definitions if d.value is not None]


def _get(parent, field, index):
    value = getattr(parent, field)
    return value if index is None else value[index]


def _put(parent, field, index, node):
    if index is None:
        setattr(parent, field, node)
    else:
        getattr(parent, field)[index] = node
