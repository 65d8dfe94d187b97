"""The reverse-mode transformer: from a normalized program, the primal sweep and the adjoint sweep.

The primal is the program itself. The adjoint walks it backwards: for each statement on the path
from a ``wrt`` input to the output it inlines the statement's rule once per active operand and adds
the result into that operand's adjoint (``bx = ...`` the first time, ``bx = bx + ...`` after).
"""

import ast
import operator
from dataclasses import dataclass

from ..errors import TransformError
import numpy as np

from ..rules import is_elementwise, lookup_vjp, primitive_name
from ..runtime import helpers
from .analysis import SCALAR, ShapeClasses, _free_numbers, _is_size, needs_adjoint
from .inline import bind_arguments, inline
from .patterns import Patterns, broadcast
from .specialise import specialise, unbroadcast_sum
from .ir import IDENTITY, PACK, Assign, Break, If, Loop, Passive, assigned_names, assignment_counts, clone, walk_statements


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
    seeded: bool = True   # the function takes the seed as its last parameter; else the seed is 1.0
    numbers: frozenset = frozenset()   # names that certainly hold a Python or NumPy number, never an array
    adjoint_names: dict = None         # primal name -> the name of its adjoint variable
    floating: frozenset = frozenset()  # names certainly holding floating-point values (differentiated, adjoints)


def reverse(program, wrt, kinds=None, seeded=True):
    """The Adjoint of ``program`` with respect to the parameters named in ``wrt``, specialised on the kinds of the
    parameters in ``kinds`` (name -> kind). ``seeded``: the gradient function takes the output's adjoint (the
    seed) as its last parameter; else it is the constant 1.0 (``grad``)."""
    kinds = kinds or {}
    scalar_params = {name for name, kind in kinds.items() if kind == SCALAR}
    names = program.names
    needed = needs_adjoint(program)
    shapes = ShapeClasses(program, set(scalar_params))
    numbers = shapes.numbers(program, set(scalar_params)) if program.hazards else set()
    for name, error in program.hazards:   # in-place updates that are right only if name holds a number
        if name not in numbers:
            raise error
    result = program.result
    result_name = result.id if isinstance(result, ast.Name) else program.name
    seed = names.fresh("b" + result_name)
    sweep = _Sweep(program, needed, shapes, seed, set(scalar_params))
    sweep.patterns = Patterns(program, kinds, _free_numbers(program), shapes._resolve)
    primal, statements = sweep.block(program.body, keep=set())   # (nothing reads an adjoint after the function)

    defined = set(sweep.sites) | set(program.params)
    lost = sorted(set(sweep.adjoints) - defined)
    if lost:   # a gradient reached a value no primitive made: it would be dropped silently
        raise names.source.error(names.source.tree, f"internal error: the gradient reaches {', '.join(lost)}, "
                                 "which source mode did not compute through a primitive; please report it",
                                 'Use mode="tape" meanwhile.', cls=TransformError)
    for param in wrt:
        if param in sweep.uniform:
            sweep.spread(param, statements)
    grads = []
    for param in wrt:
        if param in sweep.live and param not in sweep.zero_marked:
            grads.append(ast.Name(sweep.adjoints[param], ast.Load()))
        else:
            zeros = names.load("zeros_like", helpers.zeros_like)
            grads.append(ast.Call(zeros, [ast.Name(param, ast.Load())], []))
    if isinstance(result, ast.Name) and result.id in sweep.in_loops:
        # the adjoint restores values of earlier iterations into the loop's names: keep the one returned
        value = names.fresh(result_name + "_value")
        primal.append(_assign(value, ast.Name(result.id, ast.Load())))
        result = ast.Name(value, ast.Load())
    effects = sweep.effects
    if not seeded:
        statements.insert(0, _assign(seed, ast.Constant(1.0)))
    sources = getattr(program, "sources", None)
    label = getattr(sources[0].func, "__sourcegrad_wrt__", wrt) if sources else wrt   # structures: their names
    return Adjoint(_gradient_name(program.name, label), program.params, seed, primal, statements, result, grads,
                   names, effects, seeded, frozenset(sweep.numbers), dict(sweep.adjoints),
                   _floating(program, needed) | frozenset(sweep.adjoints.values()) | {seed})


def _floating(program, needed):
    """The differentiated names that certainly hold floating-point values: all but conversions to another dtype."""
    converted = {s.target for s in walk_statements(program.body)
                 if isinstance(s, Assign) and getattr(s.prim, "__name__", None) == "astype"}
    return frozenset(needed) - converted


class _Sweep:
    """Writes the primal and the adjoint of a structured program, block by block.

    ``live`` is the flow state of the adjoint: the primal names whose adjoint variable holds a value at the
    point being written (the first contribution assigns it, later ones add to it; the adjoint of a name's
    assignment hands its adjoint on and, for a value carried around a loop, resets it to zero). Before a
    branch or a loop, the adjoints it adds into that are not yet live are set to zero, so that every path
    leaves the same names live.

    Inside loops the primal records, at the end of each straight run of statements, the values of the loop's
    names that the adjoint of that run reads (``saved.append(...)``); the adjoint pops them back before it
    runs that run's adjoint (``... = saved.pop()``). Each loop counts its iterations (``trips``); its adjoint
    runs that many times."""

    def __init__(self, program, needed, shapes, seed, scalar_params=frozenset()):
        self.program = program
        self.names = program.names
        self.needed = needed
        self.shapes = shapes
        self.adjoints = {}
        self.primal_of = {}       # adjoint variable -> the name it is the adjoint of
        self.live = set()
        self.zero_marked = set()  # live adjoints known to be zero, whose statement is not written yet
        result = program.result
        if isinstance(result, ast.Name) and result.id in needed:
            self.adjoints[result.id] = seed
            self.primal_of[seed] = result.id
            self.live.add(result.id)
        # primal name -> number of places assigning it (parameters count one)
        self.sites = assignment_counts(program.body, program.params)
        self.in_loops = set()     # names assigned inside some loop
        for stmt in walk_statements(program.body):
            if isinstance(stmt, Loop):
                self.in_loops |= {t for inner in [stmt] + list(walk_statements(stmt.body)) for t in assigned_names(inner)}
        self.loop_names = None    # names assigned inside the outermost loop being written, or None outside loops
        self.records = []         # record lists of the outermost loop being written
        self.numbers = shapes.numbers(program, scalar_params)   # names certainly holding immutable numbers
        self.effects = set()
        self._summaries = {}
        self.uniform = set()      # names whose adjoint variable holds one number standing for every element
        self.uniform_origin = {}  # such a name -> the statement that first assigned its adjoint

    # ---- blocks ----

    def block(self, stmts, keep=None, defer=False):
        """(primal statements, adjoint statements) of a block. ``keep``: the names whose adjoint still matters
        after the block (those assigned outside the branch or loop it is the body of; None: all); with ``defer``,
        the zeros it owes them are left owed (``zero_marked``) for the block around it to write, or not."""
        runs, structures = _split(stmts)
        in_loop = self.loop_names is not None
        marked_before = set(self.zero_marked)   # (zeros owed by an enclosing block stay owed there)
        adjoint, primal_parts = [], [None] * len(structures)
        # An if that breaks on some paths ends the block (canonical form): nothing after it runs on those paths,
        # so what its adjoint reads itself (its condition) is recorded before it, with the run before it.
        leaving = bool(structures) and isinstance(structures[-1], If) and _breaks(structures[-1])
        for j in range(len(runs) - 1, -1, -1):
            if leaving and j == len(runs) - 1:
                continue
            parts = []   # (adjoint statements, the names they read themselves that this record restores)
            if leaving and j == len(runs) - 2:
                parts.append(self.structure_adjoint(structures[j], primal_parts, j))
            run = []
            self.run_adjoint(runs[j], run)
            parts.append((run, _reads_all(run)))
            if j > 0:
                parts.append(self.structure_adjoint(structures[j - 1], primal_parts, j - 1))
            else:   # the end of the block: adjoints reset to zero in it get their statement, if still needed
                owed = self.zero_marked - marked_before
                dead = owed if keep is None else owed - keep
                owed -= dead
                self.live -= dead if keep is not None else set()
                zeros = [] if defer else [self.zero(name) for name in sorted(owed)]
                self.zero_marked -= dead if defer else owed | dead
                parts.append((zeros, _reads_all(zeros)))
            segment = [s for statements, _ in parts for s in statements]
            reads = set().union(*(r for _, r in parts))
            saved = sorted(reads & self.loop_names) if in_loop else []
            if saved:
                record = self.names.fresh("saved")
                self.records.append(record)
                segment.insert(0, _assign_names(saved, _call(ast.Attribute(ast.Name(record, ast.Load()), "pop",
                                                                           ast.Load()))))
                runs[j] = _append_record(runs[j], record, saved)
            adjoint.extend(segment)
        primal = []
        for j, run in enumerate(runs):
            if j > 0:
                primal.extend(primal_parts[j - 1])
            primal.extend(self.primal_statement(s) for s in run)
        return primal, adjoint

    def structure_adjoint(self, stmt, primal_parts, index):
        """(adjoint statements of a branch or loop, the names they read outside its own blocks); its primal
        goes to ``primal_parts[index]``."""
        before, compound, own_reads, primal_parts[index] = self.structure(stmt)
        return before + ([compound] if compound is not None else []), _reads_all(before) | own_reads

    def run_adjoint(self, run, out):
        """The adjoint of a straight run of statements (in reverse), appended to ``out``."""
        for stmt in reversed(run):
            if isinstance(stmt, Assign) and stmt.target in self.live:
                self.assign_adjoint(stmt, out)
            elif isinstance(stmt, Passive):
                # a value with no gradient: what reached its name goes nowhere, and a value the name held before
                # (a carried value, a join's other branch) gets its own contributions
                for target in stmt.targets:
                    if target in self.live:
                        self.consume(target)

    # ---- branches and loops ----

    def structure(self, stmt):
        """(adjoint statements before it, its adjoint compound statement or None, the names that compound reads
        itself, its primal statements). Adjoints held as one number for every element are arrays again before
        it (its paths and iterations must agree on what each adjoint holds)."""
        spread = []
        for name in sorted(self.uniform):
            self.spread(name, spread)
        before, compound, reads, primal = self._structure(stmt)
        return spread + before, compound, reads, primal

    def _structure(self, stmt):
        assigned, accumulated, work = self.summary(stmt)
        if not work:
            return [], None, set(), [self.plain_primal(stmt)]
        before = []
        carried = set(stmt.carried.values()) & self.needed if isinstance(stmt, Loop) else set()
        for name in sorted(accumulated | carried):
            if name in self.zero_marked or name not in self.live and \
                    self.sites.get(name, 0) > assigned.get(name, 0):   # assigned before it too
                before.append(self.zero(name))
                self.live.add(name)
                self.zero_marked.discard(name)
        entry, marked = set(self.live), set(self.zero_marked)
        outside = {n for n in entry if self.sites.get(n, 0) > assigned.get(n, 0)}
        keep = {n for n in self.sites if self.sites[n] > assigned.get(n, 0)}   # assigned outside it too
        if isinstance(stmt, If):
            state = self.state()
            for defer in (True, False):
                # First try leaving the zeros both branches owe to the code around them (a join's adjoint that
                # nothing before the if reads needs none); if the branches disagree, each writes its own.
                self.live, self.zero_marked = set(entry), set(marked)
                primal_body, adjoint_body = self.block(stmt.body, keep, defer)
                after_body, owed_body = self.live, self.zero_marked - marked
                self.live, self.zero_marked = set(entry), set(marked)
                primal_else, adjoint_else = self.block(stmt.orelse, keep, defer)
                after_else, owed_else = self.live, self.zero_marked - marked
                differ = {n for n in after_body ^ after_else if self.sites.get(n, 0) > assigned.get(n, 0)}
                if not defer or owed_body == owed_else and not differ:
                    break
                self.restore(state)
            if differ or not defer and (owed_body or owed_else):
                raise self.internal(stmt, f"the adjoints of {', '.join(sorted(differ or owed_body | owed_else))} "
                                    "differ between the branches")
            self.live = {n for n in after_body | after_else if self.sites.get(n, 0) > assigned.get(n, 0)}
            self.zero_marked = marked | owed_body
            test = ast.Name(stmt.test, ast.Load())
            compound = ast.If(test, adjoint_body or [ast.Pass()], adjoint_else) if adjoint_body or adjoint_else \
                else None
            primal = [ast.If(ast.Name(stmt.test, ast.Load()), primal_body or [ast.Pass()], primal_else)]
            return before, compound, {stmt.test}, primal
        # a loop
        outermost = self.loop_names is None
        if outermost:
            self.loop_names = set(assigned)
            self.records = []
        # A loop over range(...) that never breaks runs its adjoint over the same range, reversed: the index
        # needs no record and the iterations no count.
        counted = stmt.counts and isinstance(stmt.header.target, ast.Name) and not _breaks(stmt) \
            and all(self.stable(a) for a in stmt.header.iter.args) and not stmt.header.iter.keywords
        if counted:
            index = stmt.header.target.id
            self.loop_names.discard(index)
            own_reads = {n.id for n in ast.walk(stmt.header.iter) if isinstance(n, ast.Name)}
        else:
            trips = self.names.fresh("trips")
            self.loop_names.add(trips)
            own_reads = {trips}
        try:
            primal_body, adjoint_body = self.block(stmt.body, keep)
            after = {n for n in self.live if self.sites.get(n, 0) > assigned.get(n, 0)}
            if after != outside or self.zero_marked != marked:
                raise self.internal(stmt, "the adjoints live around the loop change from one iteration to the next")
            self.live = entry
            header = _copy_header(stmt.header)
            if counted:
                header.body = primal_body
                primal = [header]
                backwards = _call(self.names.load("reversed", reversed), [clone(stmt.header.iter)])
                compound = ast.For(ast.Name(index, ast.Store()), backwards, adjoint_body or [ast.Pass()], [])
            else:
                header.body = [ast.AugAssign(ast.Name(trips, ast.Store()), ast.Add(), ast.Constant(1))] + primal_body
                primal = [_assign(trips, ast.Constant(0)), header]
                counter = self.names.fresh("_")
                compound = ast.For(ast.Name(counter, ast.Store()),
                                   _call(self.names.load("range", range), [ast.Name(trips, ast.Load())]),
                                   adjoint_body or [ast.Pass()], [])
            compound.type_comment = None
            if outermost:
                primal = [_assign(r, ast.List([], ast.Load())) for r in self.records] + primal
        finally:
            if outermost:
                self.loop_names = None
        return before, compound, own_reads, primal

    def state(self):
        """What writing a block changes, to write it again another way (``restore``)."""
        return (set(self.live), set(self.zero_marked), dict(self.adjoints), self.names.snapshot(), len(self.records),
                set(self.effects), set(self.loop_names) if self.loop_names is not None else None)

    def restore(self, state):
        live, marked, adjoints, names, records, effects, loop_names = state
        self.live, self.zero_marked, self.adjoints = set(live), set(marked), dict(adjoints)
        self.names.restore(names)
        del self.records[records:]
        self.effects, self.loop_names = set(effects), loop_names and set(loop_names)

    def stable(self, expr):
        """Whether evaluating ``expr`` (an argument of a loop's range) again after the loop gives what it gave
        before it: numbers and the sizes of arrays, combined by arithmetic."""
        if isinstance(expr, ast.Constant):
            return type(expr.value) is int
        if isinstance(expr, ast.Name):
            return expr.id in self.numbers
        if isinstance(expr, ast.BinOp):
            return self.stable(expr.left) and self.stable(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return self.stable(expr.operand)
        if isinstance(expr, ast.Attribute):   # x.size, x.ndim of an array (x itself never rebound: SSA)
            return expr.attr in ("size", "ndim") and isinstance(expr.value, ast.Name)
        if isinstance(expr, ast.Subscript):   # x.shape[0]
            return isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape" and isinstance(
                expr.value.value, ast.Name) and isinstance(expr.slice, ast.Constant)
        return False

    def summary(self, stmt):
        """(names assigned inside ``stmt`` -> how many times, names whose adjoint it adds into, whether its
        adjoint does anything)."""
        key = id(stmt)
        if key not in self._summaries:
            inner = [stmt] + list(walk_statements(stmt.body + (stmt.orelse if isinstance(stmt, If) else [])))
            assigned = assignment_counts([stmt])
            accumulated, work = set(), False
            for s in inner:
                if isinstance(s, Passive) and set(s.targets) & self.needed:
                    work = True   # (a value with no gradient replaces one that had one)
                if isinstance(s, Assign) and s.target in self.needed:
                    work = True
                    accumulated |= {a.id for a in list(s.args) + list(s.kwargs.values())
                                    if _is_active(a, self.needed)}
            self._summaries[key] = (assigned, accumulated, work)
        return self._summaries[key]

    def zero(self, name):
        """``bname = 0.0`` (for a scalar) or ``zeros_like(name)``."""
        if self.shapes.of(ast.Name(name, ast.Load())) == SCALAR:
            value = ast.Constant(0.0)
        else:
            value = _call(self.names.load("zeros_like", helpers.zeros_like), [ast.Name(name, ast.Load())])
        return _assign(self.adjoint_name(name), value)

    def internal(self, stmt, detail):
        return self.names.source.error(stmt.node, f"internal error: {detail}; please report it",
                                       'Use mode="tape" meanwhile.', cls=TransformError)

    # ---- one statement ----

    def adjoint_name(self, name):
        if name not in self.adjoints:
            self.adjoints[name] = self.names.fresh("b" + name)
            self.primal_of[self.adjoints[name]] = name
        return self.adjoints[name]

    def accumulate(self, target, expr, out, uniform=False):
        """Add ``expr`` into the adjoint of ``target``. ``uniform``: ``expr`` is one number standing for an array of
        ``target``'s shape with that number everywhere."""
        name = self.adjoint_name(target)
        first = target in self.zero_marked or target not in self.live
        if not uniform:
            number = self.spread_number(target, expr)
            if number is not None:
                expr, uniform = number, True
        if uniform:
            # (inside a branch or loop a first contribution is to a name assigned there: the structure sets the
            # adjoints of names from outside it that it adds into to zero first)
            if first and self.sites.get(target) == 1 and self.patterns.rank(
                    ast.Name(target, ast.Load())) is not None:
                self.uniform.add(target)
            elif first:
                expr = self.spread_expression(expr, target)
            # else: adjoint + number: a number if the adjoint is one, else the array plus it everywhere
        elif target in self.uniform:
            self.uniform.discard(target)   # number + array of target's shape: the array
        if target in self.zero_marked:
            self.zero_marked.discard(target)
            out.append(_assign(name, expr))
        elif target in self.live:
            out.append(_assign(name, ast.BinOp(ast.Name(name, ast.Load()), ast.Add(), expr)))
        else:
            out.append(_assign(name, expr))
            self.live.add(target)
        if target in self.uniform and first:
            self.uniform_origin[target] = (out, out[-1])

    # ---- adjoints that are one number for every element ----

    def spread_number(self, target, expr):
        """For ``expand_reduced(s, target, None, False)`` with ``s`` a number: ``s``. The adjoint variable then holds
        that number (``self.uniform``): the adjoint of ``target``'s own statement may use it as it is where its
        contributions come out with the right shape anyway (``s * 2 * t1``), or spreads it first."""
        if not (isinstance(expr, ast.Call) and self.calls(expr, helpers.expand_reduced) and len(expr.args) == 4
                and not expr.keywords):
            return None
        value, x, axis, keepdims = expr.args
        if not (isinstance(x, ast.Name) and x.id == target and isinstance(axis, ast.Constant) and axis.value is None
                and isinstance(keepdims, ast.Constant) and keepdims.value is False and self.is_number(value)):
            return None
        return value

    def spread_expression(self, number, target):
        return _call(self.names.load("expand_reduced", helpers.expand_reduced),
                     [number, ast.Name(target, ast.Load()), ast.Constant(None), ast.Constant(False)])

    def is_number(self, expr):
        """Whether an adjoint expression certainly gives a number: constants, numbers, size arithmetic."""
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
        if isinstance(expr, ast.Name):
            primal = self.primal_of.get(expr.id)
            return expr.id in self.numbers or primal in self.uniform or primal in self.numbers
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            return self.is_number(expr.left) and self.is_number(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return self.is_number(expr.operand)
        return _is_size(expr)   # x.size, x.ndim, x.shape[0]

    def calls(self, expr, function):
        """Whether ``expr`` is a call of ``function`` (a runtime helper) by the name generated code gives it."""
        func = expr.func
        return isinstance(func, ast.Name) and self.names.externals.get(func.id) is function

    def spread(self, target, out):
        """Make the adjoint of ``target`` an array again: ``bt = expand_reduced(bt, t, None, False)``."""
        self.uniform.discard(target)
        origin_out, origin = self.uniform_origin.pop(target, (None, None))
        if origin_out is out:   # spread where the number is first assigned, in the same run of statements (a
            # record of a loop saves what a run reads once it is written); what adds numbers to it still may
            origin.value = self.spread_expression(origin.value, target)
            return
        name = self.adjoints[target]
        out.append(_assign(name, self.spread_expression(ast.Name(name, ast.Load()), target)))

    def matmul_of_number(self, stmt, g):
        """``[(a, adjoint), (b, adjoint)]`` of ``a @ b`` (two matrices) whose adjoint is the number ``g`` everywhere:
        ``g @ b.T`` has ``g * b.sum(axis=1)`` in every row, and ``a.T @ g`` has ``g * a.sum(axis=0)`` in every column
        (a matrix product less, as a careful hand would write it). None for other operands."""
        if len(stmt.args) != 2 or not all(isinstance(a, ast.Name) for a in stmt.args):
            return None
        a, b = stmt.args
        if (self.patterns.rank(a), self.patterns.rank(b)) != (2, 2):
            return None
        np_name = self.names.load("np", np)

        def spread(value, like):
            shape = ast.Attribute(ast.Name(like.id, ast.Load()), "shape", ast.Load())
            return ast.Call(ast.Attribute(np_name, "broadcast_to", ast.Load()), [value, shape], [])

        def sums(atom, axis):
            return ast.Call(ast.Attribute(ast.Name(atom.id, ast.Load()), "sum", ast.Load()), [],
                            [ast.keyword("axis", ast.Constant(axis))])

        rows = ast.BinOp(clone(g), ast.Mult(), sums(b, 1))
        columns = ast.BinOp(clone(g), ast.Mult(), ast.Subscript(
            sums(a, 0), ast.Tuple([ast.Slice(), ast.Constant(None)], ast.Load()), ast.Load()))
        return [(a, spread(rows, a)), (b, spread(columns, b))]

    def uniform_contributions(self, stmt, contributions):
        """For contributions computed from the number the adjoint of ``stmt.target`` holds: for each, whether it is
        a number standing for an array of its operand's shape (else it has that shape itself, as the contribution
        computed from the whole array would); None where neither is certain."""
        number = self.adjoints[stmt.target]
        ans = self.patterns.known(ast.Name(stmt.target, ast.Load()))
        flags = []
        for operand, expr in contributions:
            want = self.patterns.known(ast.Name(operand, ast.Load()))
            if isinstance(expr, ast.Call) and self.calls(expr, helpers.unbroadcast) and len(expr.args) == 2:
                got, want = self.elementwise_pattern(expr.args[0], number), ans
                if got is None or got != want:
                    return None
                flags.append(False)
            else:
                got = self.elementwise_pattern(expr, number)
                if got == "" and want is not None and want == ans and self.is_number(expr):
                    flags.append(True)
                elif got is not None and got == want:
                    flags.append(False)
                else:
                    return None
        return flags

    def elementwise_pattern(self, expr, number):
        """The pattern of an elementwise expression of the statement's operands (``number`` names a number), or None."""
        if isinstance(expr, ast.Name) and expr.id == number:
            return ""
        if isinstance(expr, (ast.Name, ast.Constant)):
            return self.patterns.known(expr)
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            parts = [self.elementwise_pattern(expr.left, number), self.elementwise_pattern(expr.right, number)]
        elif isinstance(expr, ast.UnaryOp):
            parts = [self.elementwise_pattern(expr.operand, number)]
        elif (isinstance(expr, ast.Call) and not expr.keywords and isinstance(expr.func, ast.Attribute)
              and isinstance(expr.func.value, ast.Name) and self.names.externals.get(expr.func.value.id) is np
              and isinstance(getattr(np, expr.func.attr, None), np.ufunc)
              and getattr(np, expr.func.attr).signature is None):
            parts = [self.elementwise_pattern(a, number) for a in expr.args]
        else:
            return None
        if any(p is None for p in parts):
            return None
        pattern = broadcast(parts)
        return pattern if "?" not in pattern else None

    def assign_adjoint(self, stmt, out):
        """The adjoint of ``target = prim(args)``: each active operand receives its contribution."""
        names, shapes, needed = self.names, self.shapes, self.needed
        if stmt.target in self.zero_marked:   # its adjoint is zero here: nothing to hand on
            self.consume(stmt.target)
            return
        g = ast.Name(self.adjoints[stmt.target], ast.Load())
        contributions = []
        uniform = set()   # ids of contributions that are numbers standing for arrays of their operand's shape
        if stmt.target in self.uniform and stmt.prim is PACK:
            self.spread(stmt.target, out)
        elif stmt.target in self.uniform and stmt.prim is IDENTITY:
            self.uniform.discard(stmt.target)
            uniform.add(id(g))
        if stmt.prim is IDENTITY:
            contributions = [(stmt.args[0].id, g)]
        elif stmt.prim is PACK:
            contributions = [(atom.id, ast.Subscript(g, ast.Constant(i), ast.Load()))
                             for i, atom in enumerate(stmt.args) if _is_active(atom, needed)]
        else:
            rule = lookup_vjp(stmt.prim)
            if rule is None:
                raise names.source.error(stmt.node, f"no derivative rule for {primitive_name(stmt.prim)}",
                                         'Register one with sg.vjp_rule, or use mode="tape".')
            arguments = bind_arguments(rule, stmt.args, stmt.kwargs, stmt.node, names.source)
            ans = ast.Name(stmt.target, ast.Load())

            def simplify(helper, call, ans=ans):
                if helper is helpers.unbroadcast:   # the identity where the operand has the result's shape
                    atom = call.args[1] if len(call.args) == 2 else None
                    same = atom is not None and (shapes.same(atom, ans) or self.patterns.same_shape(atom, ans))
                    if same:
                        return call.args[0]
                    sums = atom is not None and unbroadcast_sum(call.args[0], self.patterns.known(ans),
                                                                self.patterns.known(atom))
                    return sums or call
                return specialise(helper, call, self.patterns, names)

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
            setup, adjoints_of = inline(rule, list(active), g, ans, arguments, names, simplify)
            contributions = _merge_repeated([(active[i], expr) for i, expr in adjoints_of.items()])
            if stmt.target in self.uniform and stmt.prim in (operator.matmul, np.matmul) and not stmt.kwargs:
                products = self.matmul_of_number(stmt, g)
                if products is not None:
                    self.uniform.discard(stmt.target)
                    setup, contributions = [], [(atom.id, expr) for atom, expr in products
                                                if _is_active(atom, needed)]
            if stmt.target in self.uniform:
                flags = self.uniform_contributions(stmt, contributions) if is_elementwise(stmt.prim) else None
                if flags is not None:
                    self.uniform.discard(stmt.target)
                    uniform = {id(expr) for (_, expr), flag in zip(contributions, flags) if flag}
                else:
                    self.spread(stmt.target, out)
                    setup, adjoints_of = inline(rule, list(active), g, ans, arguments, names, simplify)
                    contributions = _merge_repeated([(active[i], expr) for i, expr in adjoints_of.items()])
            out.extend(setup)
        self.live.discard(stmt.target)
        for name, expr in contributions:
            self.accumulate(name, expr, out, id(expr) in uniform)
        self.consume(stmt.target)

    def consume(self, name):
        """``name``'s adjoint was handed on (or dropped, for a value with no gradient). A name assigned in several
        places (a value carried around a loop, a join of branches) starts again from zero: its value before this
        assignment gets its own contributions. Any other is done."""
        if self.sites.get(name, 0) > 1:
            self.live.add(name)
            self.zero_marked.add(name)
        else:
            self.live.discard(name)
            self.zero_marked.discard(name)

    # ---- primal ----

    def primal_statement(self, stmt):
        if isinstance(stmt, Passive):
            if stmt.effect or _has_effects(stmt.stmt):
                self.effects.add(id(stmt.stmt))
            return stmt.stmt
        if isinstance(stmt, Break):
            return ast.Break()
        if isinstance(stmt, ast.stmt):   # a record of a loop's values
            return stmt
        return _assign(stmt.target, stmt.value)

    def plain_primal(self, stmt):
        """The primal of a branch or loop whose adjoint does nothing: the statements as they are."""
        if isinstance(stmt, If):
            return ast.If(ast.Name(stmt.test, ast.Load()), [self.plain_primal(s) for s in stmt.body] or [ast.Pass()],
                          [self.plain_primal(s) for s in stmt.orelse])
        if isinstance(stmt, Loop):
            header = _copy_header(stmt.header)
            header.body = [self.plain_primal(s) for s in stmt.body] or [ast.Pass()]
            return header
        return self.primal_statement(stmt)


def _breaks(stmt):
    """Whether some path through an ``if`` (or a loop's own body) breaks out of the innermost loop around it (a
    break of a loop nested in it does not count)."""
    stack = list(stmt.body) + list(getattr(stmt, "orelse", []))
    while stack:
        inner = stack.pop()
        if isinstance(inner, Break):
            return True
        if isinstance(inner, If):
            stack.extend(inner.body + inner.orelse)
    return False


def _split(stmts):
    """Runs of simple statements and the branches and loops between them: runs has one more item."""
    runs, structures = [[]], []
    for stmt in stmts:
        if isinstance(stmt, (If, Loop)):
            structures.append(stmt)
            runs.append([])
        else:
            runs[-1].append(stmt)
    return runs, structures


def _append_record(run, record, names):
    """``run`` with ``record.append(values)`` at its end, before the loop's carried values take their
    values for the next iteration (and before a final break)."""
    end = len(run)
    while end and (isinstance(run[end - 1], Break) or getattr(run[end - 1], "back_edge", False)):
        end -= 1
    values = ast.Name(names[0], ast.Load()) if len(names) == 1 else ast.Tuple(
        [ast.Name(n, ast.Load()) for n in names], ast.Load())
    append = ast.Expr(_call(ast.Attribute(ast.Name(record, ast.Load()), "append", ast.Load()), [values]))
    return run[:end] + [append] + run[end:]


def _assign_names(names, value):
    target = ast.Name(names[0], ast.Store()) if len(names) == 1 else ast.Tuple(
        [ast.Name(n, ast.Store()) for n in names], ast.Store())
    return ast.Assign([target], value)


def _call(func, args=()):
    return ast.Call(func, list(args), [])


def _copy_header(header):
    if isinstance(header, ast.For):
        new = ast.For(clone(header.target), clone(header.iter), [], [])
        new.type_comment = None
        return new
    return ast.While(clone(header.test), [], [])


def _reads_all(stmts):
    found = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                found.add(node.id)
    return found


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


def _gradient_name(name, wrt):
    return f"d{name}_d{'_'.join(wrt)}"
