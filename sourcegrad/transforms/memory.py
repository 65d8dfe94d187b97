"""Memory of a generated gradient: release each array once nothing reads it, add into arrays no one shares.

Without this pass every value the primal computes stays alive until the gradient returns, so a gradient's
peak memory is the sum of all its temporaries. ``reduce_memory`` rewrites the optimised gradient:

- **release dead values**: after the statement holding the last read of a local name that may hold an
  array, ``del name`` (several names in one ``del``). The names the return reads are never released, and
  nothing is released just before the return (at the end of the body, or of a branch that ends it), where it
  would gain nothing.
- **accumulate in place**: ``ba = ba + e`` becomes ``ba += e`` where ``ba`` is an adjoint that certainly owns
  its array (the reasoning of ``optimize._accumulate_in_place``, which does this inside loops, extended to
  the whole function): every value it takes is new (an arithmetic result, ``zeros_like(...)``, a number) or
  its own sum, and every read of it is an operand of arithmetic (which makes a new array), so no other name,
  container or view can hold the array the update writes into.

Liveness is decided per block (the function's body, a loop's body, a branch), each name in the innermost block
holding every use of it (its *home*). A name is released in its home block only, after the last statement of
that block touching it, and only if the first statement touching it there is a plain assignment to it that
does not read it (so it is certainly bound when released, and a loop body never releases a value the next
iteration reads before assigning). A name read inside a loop or a branch whose home is outside it is therefore
live through the whole compound statement; a name assigned only in some branches is left alone.

Each step is one walk over the statements (a name's home costs the nesting depth between its uses), so the
pass is linear in the size of the function for a bounded nesting.
"""

import ast

import numpy

from ..kinds import SCALAR, is_array
from ..runtime import helpers
from .emit import gc_paused
from .ir import push_children
from .optimize import _is_sum_into, _to_augmented

# Statements the control-flow lowering emits; anything else (a return, try, with, a nested def...) means the
# pass does not understand the function well enough to release anything in it.
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Pass, ast.Break, ast.Continue, ast.Assert,
           ast.Raise)
_COMPOUND = (ast.If, ast.For, ast.While)
_BLOCK_FIELDS = ("body", "orelse")
# Calls that read the local namespace as a whole: a released name would be missing from what they see.
_NAMESPACE_READERS = {"locals", "vars", "eval", "exec", "dir"}


def reduce_memory(adjoint, kinds=None):
    """``adjoint`` (an optimised ``reverse.Adjoint``) rewritten in place to hold less memory at once. ``kinds``
    (parameter name -> kind, as for ``reverse``) tells which parameters are arrays of how many dimensions."""
    with gc_paused():
        arrays = _MaybeArrays(adjoint, kinds or {})
        _accumulate_in_place(adjoint, arrays)
        _release_dead_values(adjoint, arrays)
    return adjoint


class _MaybeArrays:
    """Which names may hold an array (or a container of arrays): not a parameter or the seed, not a name
    ``reverse`` knows holds a number, not the adjoint of one, and not a name every assignment of which gives a
    number (``_Numbers``). Taking an array for a number here only keeps it alive longer; the opposite only adds
    a ``del`` of a number: neither changes what the gradient computes."""

    def __init__(self, adjoint, kinds):
        numbers = set(adjoint.numbers)
        adjoint_names = adjoint.adjoint_names or {}
        numbers |= {adjoint_names[n] for n in numbers if n in adjoint_names}
        numbers |= _Numbers(adjoint, numbers, kinds).found
        self.never = set(adjoint.params) | {adjoint.seed} | numbers
        self.adjoint_variables = set(adjoint_names.values()) - self.never

    def __contains__(self, name):
        return name not in self.never


class _Numbers:
    """The local names every assignment of which (in program order, one walk) gives a number: arithmetic on
    numeric constants, ``numbers``, names found so far, numbers the function reads from outside (``DT``) and
    sizes of arrays (``x.shape[0]``), an element of an array parameter (``x[1]`` of a 1-d ``x``); ``math.*`` and
    NumPy's ufuncs of numbers; a full reduction (``np.sum(t)``); ``unbroadcast``,
    ``expand_reduced`` or ``zeros_like`` shaped like a number; the index of a loop over ``range``. A loop's
    record restoring a name (``a, b = saved.pop()``) gives it back a value it had, so it does not count."""

    _REDUCTIONS = ("sum", "mean", "prod", "max", "min", "amax", "amin", "average", "var", "std", "vdot")

    def __init__(self, adjoint, numbers, kinds):
        self.names = adjoint.names
        self.ndims = {name: len(kind[1]) for name, kind in kinds.items() if is_array(kind)}
        self.numbers = numbers | {name for name, kind in kinds.items() if kind == SCALAR}
        self.numpy = numpy
        self.shaped_like = {helpers.unbroadcast: 1, helpers.expand_reduced: 1, helpers.zeros_like: 0}
        self.found, other = set(), set()
        stack = list(reversed(adjoint.primal + adjoint.adjoint))
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, _COMPOUND):
                if isinstance(stmt, ast.For):
                    targets = _names_in(stmt.target)
                    (self.found if self._is_range(stmt.iter) else other).update(targets)
                for field in reversed(_BLOCK_FIELDS):
                    stack.extend(reversed(getattr(stmt, field, None) or ()))
                continue
            if isinstance(stmt, ast.Assign) and _is_pop(stmt.value):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
                target, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AugAssign) and type(stmt.target) is ast.Name:
                target, value = stmt.target.id, ast.BinOp(ast.Name(stmt.target.id, ast.Load()), stmt.op, stmt.value)
            else:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    for target in getattr(stmt, "targets", None) or [stmt.target]:
                        other |= _names_in(target)
                continue
            (self.found if self.numeric(value) else other).add(target)
        self.found -= other

    def numeric(self, node):
        kind = type(node)
        if kind is ast.BinOp:
            return self.numeric(node.left) and self.numeric(node.right)
        if kind is ast.UnaryOp:
            return self.numeric(node.operand)
        if kind is ast.Compare:   # c > 0 of a number: a bool
            return self.numeric(node.left) and all(self.numeric(c) for c in node.comparators)
        if kind is ast.BoolOp:
            return all(self.numeric(v) for v in node.values)
        if kind is ast.Name:
            if node.id in self.numbers or node.id in self.found:
                return True
            value = self.outside(node.id)
            return type(value) in (int, float) or isinstance(value, self.numpy.floating)
        if kind is ast.Attribute:   # x.size, x.ndim
            return node.attr in ("size", "ndim") and type(node.value) is ast.Name
        if kind is ast.Subscript:   # x.shape[0], or x[i, j] of a 2-d array parameter x
            if type(node.value) is ast.Name and node.value.id in self.ndims:
                index = node.slice.elts if type(node.slice) is ast.Tuple else [node.slice]
                return len(index) == self.ndims[node.value.id] and all(self.numeric(i) for i in index)
            return (type(node.value) is ast.Attribute and node.value.attr == "shape"
                    and type(node.value.value) is ast.Name and type(node.slice) is ast.Constant)
        if kind is ast.Call:
            return self._numeric_call(node)
        return _is_number(node)

    def _numeric_call(self, node):
        func = self.callee(node.func)
        if getattr(func, "__module__", None) == "math" or func in (float, int, len):
            return True
        if isinstance(func, self.numpy.ufunc):   # np.sin(theta) of a number: a number
            return not node.keywords and all(self.numeric(a) for a in node.args)
        if func in self.shaped_like:
            index = self.shaped_like[func]
            return len(node.args) > index and self.numeric(node.args[index])
        if (type(node.func) is ast.Attribute and node.func.attr in self._REDUCTIONS
                and self.callee(node.func.value) is self.numpy):   # np.sum(t): no axis, a number
            return not node.keywords and len(node.args) == (2 if node.func.attr == "vdot" else 1)
        return False

    def callee(self, node):
        if type(node) is ast.Name:
            return self.outside(node.id)
        if type(node) is ast.Attribute:
            base = self.callee(node.value)
            return getattr(base, node.attr, None) if base is not None else None
        return None

    def outside(self, name):
        """The object a name the function does not bind reads (a runtime helper, a module, a global), or None."""
        if name in self.names.externals:
            return self.names.externals[name]
        if name in self.names.bound:
            return None
        records = self.names.source.resolved.get(name)
        return records[0][2] if records else None

    def _is_range(self, node):
        if type(node) is ast.Call and self.callee(node.func) is reversed and node.args:
            node = node.args[0]
        return type(node) is ast.Call and self.callee(node.func) is range


def _is_pop(value):
    return (type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr == "pop"
            and type(value.func.value) is ast.Name and not value.args)


# ---------------------------------------------------------------------------------------- release dead values

class _Block:
    """A statement list of the generated function: the body (primal and adjoint), a loop body, a branch.
    ``base``: the (block, index) of each compound statement around it, outermost first."""

    def __init__(self, stmts, parent=None, owner=None, field=None, index=None):
        self.stmts = stmts
        self.parent = parent
        self.depth = 0 if parent is None else parent.depth + 1
        self.owner, self.field = owner, field   # the compound statement and field holding the list
        self.base = () if parent is None else parent.base + ((parent, index),)


def _release_dead_values(adjoint, arrays):
    root = _Block(adjoint.primal + adjoint.adjoint)
    scan = _Scan(root, [adjoint.value] + list(adjoint.grads))
    if scan.give_up:
        return
    releases = {}   # block -> {statement index: [(first index, name)]}
    for name, home in scan.home.items():
        first_path, last_path = scan.first[name], scan.last[name]
        first, last = first_path[home.depth][1], last_path[home.depth][1]
        if (name not in arrays or name in scan.excluded or name in scan.stacks
                or name not in scan.binds_first or len(first_path) != home.depth + 1   # (first bound in home itself)
                or last >= len(home.stmts) - 1 and _returns_after(home)):   # (read by the return, or pointless)
            continue
        releases.setdefault(home, {}).setdefault(last, []).append((first, name))
    for block, found in releases.items():
        stmts = []
        for i, stmt in enumerate(block.stmts):
            stmts.append(stmt)
            if i in found:
                stmts.append(ast.Delete([ast.Name(name, ast.Del()) for _, name in sorted(found[i])]))
        if block is root:   # (a release after the primal's last statement stays with the primal)
            cut = len(adjoint.primal) + sum(1 for i in found if i < len(adjoint.primal))
            adjoint.primal, adjoint.adjoint = stmts[:cut], stmts[cut:]
        else:
            setattr(block.owner, block.field, stmts)


def _returns_after(block):
    """Whether the function returns right after ``block`` ends (the body, or a branch of an ``if`` that ends the
    body, ...): a release at its end would come just before the return and gain nothing."""
    while block.parent is not None:
        parent, index = block.base[-1]
        if not isinstance(block.owner, ast.If) or index != len(parent.stmts) - 1:
            return False
        block = parent
    return True


class _Scan:
    """Where each name is used, in one walk over the function in program order.

    ``home[name]``: the innermost block holding every use of it; ``first[name]``/``last[name]``: the path (the
    (block, index) of each enclosing statement, outermost first) of its first and last use; the return counts as
    a statement after the body's last. ``binds_first``: the names whose first use is a plain assignment binding
    them (maybe by unpacking) that does not read them.

    Also ``excluded`` (names used inside a ``lambda`` or a generator expression, which may run later) and
    ``stacks`` (the records of a loop, ``saved = []`` used only by ``.append``/``.pop`` calls: empty again once
    the last ``pop`` ran, nothing to release). ``give_up``: the function reads its namespace as a whole
    (``locals()``) or holds a statement the pass does not know (a return, try, with, global, nested def)."""

    def __init__(self, root, returned):
        self.give_up = False
        self.home, self.first, self.last = {}, {}, {}
        self.binds_first, self.excluded, self.stacks, self._not_stack = set(), set(), set(), set()
        work = [(root, 0)]
        while work and not self.give_up:
            block, start = work.pop()
            stmts = block.stmts
            for index in range(start, len(stmts)):
                stmt = stmts[index]
                path = block.base + ((block, index),)
                if isinstance(stmt, _COMPOUND):
                    own = [stmt.test] if not isinstance(stmt, ast.For) else [stmt.target, stmt.iter]
                    if isinstance(stmt, ast.For):
                        self._not_stack.update(_names_in(stmt.target))
                    self._visit(own, block, path, ())
                    inner = [(f, getattr(stmt, f)) for f in _BLOCK_FIELDS if getattr(stmt, f, None)]
                    if inner:   # its blocks in order, then the rest of this block
                        work.append((block, index + 1))
                        work.extend((_Block(body, block, stmt, f, index), 0) for f, body in reversed(inner))
                        break
                elif isinstance(stmt, _SIMPLE):
                    self._visit([stmt], block, path, self._targets(stmt))
                else:
                    self.give_up = True
                    break
            else:
                if block is root:
                    self._visit(returned, root, ((root, len(stmts)),), ())
        self.stacks -= self._not_stack

    def _targets(self, stmt):
        """The names a plain assignment binds (and notes which are loop records and which not)."""
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
                bound = {stmt.targets[0].id}
            else:
                bound = {n for t in stmt.targets for n in _names_in(t, ast.Store)}
            is_stack = type(stmt.value) is ast.List and not stmt.value.elts and len(stmt.targets) == 1 \
                and type(stmt.targets[0]) is ast.Name
            (self.stacks if is_stack else self._not_stack).update(bound)
            return bound
        if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            self._not_stack.update(_names_in(stmt.target))
        return ()

    def _visit(self, parts, block, path, bound):
        """Note every use of a name in ``parts`` (the nodes of the statement at ``path``, in ``block``)."""
        home, first, last = self.home, self.first, self.last
        stack = list(parts)
        receivers = set()   # Name nodes that are only the receiver of a .append(...) or .pop()
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.Name:
                name = node.id
                known = home.get(name)
                if known is None:
                    home[name] = block
                    first[name] = path
                    if name in bound and type(node.ctx) is ast.Store:
                        self.binds_first.add(name)
                else:
                    if known is not block:
                        home[name] = _common(known, block)
                    if first[name] is path and type(node.ctx) is not ast.Store:
                        self.binds_first.discard(name)   # (its first statement reads it too)
                last[name] = path
                if type(node.ctx) is not ast.Store and id(node) not in receivers:
                    self._not_stack.add(name)   # (stores: see _targets)
                if name in _NAMESPACE_READERS:
                    self.give_up = True
                continue
            if kind is ast.Call:
                func = node.func
                if type(func) is ast.Attribute and func.attr in ("append", "pop") and type(func.value) is ast.Name:
                    receivers.add(id(func.value))
            elif kind is ast.Lambda or kind is ast.GeneratorExp:
                self.excluded.update(_names_in(node))
            elif kind is ast.NamedExpr:
                self._not_stack.add(node.target.id)
            elif kind in _GIVE_UP:
                self.give_up = True
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    stack.extend(v for v in reversed(value) if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append(value)


_GIVE_UP = (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal, ast.Return)


def _names_in(node, ctx=None):
    """The identifiers of the Name nodes in a tree (only those of context ``ctx``, if given)."""
    found, stack = set(), [node]
    while stack:
        node = stack.pop()
        if type(node) is ast.Name:
            if ctx is None or type(node.ctx) is ctx:
                found.add(node.id)
            continue
        push_children(stack, node)
    return found


def _common(a, b):
    """The innermost block holding both ``a`` and ``b``."""
    while a.depth > b.depth:
        a = a.parent
    while b.depth > a.depth:
        b = b.parent
    while a is not b:
        a, b = a.parent, b.parent
    return a


def _is_number(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex))
            and not isinstance(node.value, bool))


# ------------------------------------------------------------------------------------- accumulate in place

def _accumulate_in_place(adjoint, arrays):
    """``ba = ba + e`` -> ``ba += e`` (or ``added_into``, for ``e = unindex(...)``) for every adjoint ``ba`` that
    certainly owns its array: each value it takes is new or its own sum, each read of it is an operand of
    arithmetic or the return. The loops of the adjoint were done by ``optimize._accumulate_in_place``; this
    finds the rest (straight-line code, branches) and loop sums it declined because ``ba`` is also read by
    arithmetic."""
    zeros = {name for name, value in adjoint.names.externals.items() if value is helpers.zeros_like}
    candidates = set(arrays.adjoint_variables)
    if not candidates:
        return
    disowned, sums = set(), {}
    for stmt in adjoint.primal:
        disowned |= _names_in(stmt) & candidates
    stack = list(adjoint.adjoint)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, _COMPOUND):
            parts = [stmt.test] if isinstance(stmt, (ast.If, ast.While)) else [stmt.target, stmt.iter]
            disowned |= _unsafe_reads(parts, candidates)
            for field in _BLOCK_FIELDS:
                stack.extend(getattr(stmt, field, None) or ())
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
            name = stmt.targets[0].id
            if name in candidates:
                if _is_sum_into(stmt, name):
                    sums.setdefault(name, []).append(stmt)
                    disowned |= _unsafe_reads([stmt.value.right], candidates)
                    continue
                if not _is_new(stmt.value, zeros):
                    disowned.add(name)
            disowned |= _unsafe_reads([stmt.value], candidates)
        elif (isinstance(stmt, ast.AugAssign) and type(stmt.target) is ast.Name and stmt.target.id in candidates
              and isinstance(stmt.op, ast.Add)):
            disowned |= _unsafe_reads([stmt.value], candidates)   # an update in place already
        else:
            disowned |= _unsafe_reads([stmt], candidates)   # (a store into a tuple or element, a call...)
    for name, statements in sums.items():
        if name not in disowned:
            for stmt in statements:
                _to_augmented(stmt, adjoint.names)


def _is_new(value, zeros):
    """Whether ``value`` is certainly a new array no one else holds, or a number: arithmetic, ``zeros_like``."""
    if isinstance(value, ast.BinOp):
        return True
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, (ast.USub, ast.UAdd))
    if isinstance(value, ast.Call):
        return type(value.func) is ast.Name and value.func.id in zeros
    return _is_number(value)


def _unsafe_reads(parts, candidates):
    """The names in ``candidates`` that ``parts`` read, or store into, other than as an operand of arithmetic
    (a call's argument, a subscript, a copy into another name, an item of a tuple...: something that may keep
    the array or a view of it)."""
    found = set()
    safe = set()
    stack = list(parts)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            if node.id in candidates and id(node) not in safe:
                found.add(node.id)
            continue
        if kind is ast.BinOp:
            safe.add(id(node.left))
            safe.add(id(node.right))
        elif kind is ast.UnaryOp and isinstance(node.op, (ast.USub, ast.UAdd)):
            safe.add(id(node.operand))
        push_children(stack, node)
    return found
