"""Lower a function to A-normal form: one primitive operation per statement, in SSA.

The rule above all others: this pass understands every statement of the function, or declines it
with an UnsupportedError naming the construct (auto mode then uses the tape). Nothing is treated as
carrying no gradient because it was not recognised: activity is decided for every expression (any
name of a differentiated value inside an unknown construct makes it active), every call is classified
by what it may write (``effects``), and every in-place write is checked against what may share memory
with it and what the adjoint reads later (``aliases``): kept as written when nothing the adjoint reads
can see it, turned into a new SSA version (``y_1 = updated(y, i, v)``, ``c_1 = c.copy()``) when no
other name can, declined otherwise. Calls that write a value carrying a gradient into a local array
are lowered as the item store they are, through the same checks: ``np.sin(x, out=buf)`` and
``np.copyto(buf, v)`` as ``buf[...] = ...``, ``np.add.at(buf, i, v)`` as ``buf_1 = added_at(buf, i, v)``.

Each nested expression that carries a gradient becomes a statement binding a temporary
(``t0``, ``t1``...); the user's own names are kept, and a name assigned twice gets a new version
(``x_1``) so that the adjoint can still read every value it needs. Calls to the user's own helper
functions are inlined from their source. Statements without gradient are kept as they are.
Anything that straight-line source mode cannot handle raises ``UnsupportedError`` pointing at
the user's line.
"""

import ast
import operator
import types
from typing import NamedTuple

import numpy as np

from ..errors import OutputError, TransformError
from ..rules import is_nondifferentiable, lookup_vjp
from ..runtime.helpers import added_at, appended, check_written, updated
from . import effects
from .aliases import Aliases
from .control import ControlFlow
from .ir import IDENTITY, PACK, Assign, Passive, Program, clone
from .names import Namespace
from .parse import TAPE_HINT, parse_function

BINARY_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.Mod: operator.mod,
}
UNARY_OPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}
SHAPE_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
# Primitives whose result is a new object (a view or the operand itself otherwise).
NEW_PRIMITIVES = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.mod,
                  operator.neg, operator.pos, operator.matmul, updated, added_at, appended}
# What a list grown by append (in a loop or a branch) that carries a gradient may be given to: its adjoint is
# a sequence with one entry per item, which these rules give and read.
LIST_CONSUMERS = {appended, operator.getitem, np.stack, np.array, np.asarray, np.concatenate, np.vstack, np.hstack}
# Static objects a local name may stand for (``xp = np``, ``act = np.tanh``): never arrays or containers.
# (NumPy >= 2 wraps its functions in a dispatcher class: np.sum is one, not a FunctionType)
STATIC_KINDS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, np.ufunc, type, type(np.sum))
DYNAMIC = {"eval", "exec", "vars", "globals", "locals", "compile", "__import__", "setattr", "delattr"}
CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")   # np.copyto's casting rules
INPLACE = "in place"
COPY = "copy"

STATEMENT_NAMES = {
    ast.If: "if statement", ast.For: "for loop", ast.While: "while loop", ast.With: "with block",
    ast.Try: "try block", ast.Raise: "raise statement", ast.FunctionDef: "nested function definition",
    ast.ClassDef: "class definition", ast.Import: "import statement", ast.ImportFrom: "import statement",
    ast.Global: "global statement", ast.Nonlocal: "nonlocal statement", ast.Delete: "del statement",
    ast.AsyncFor: "async for loop", ast.AsyncWith: "async with block", ast.Break: "break statement",
    ast.Continue: "continue statement",
}
EXPRESSION_NAMES = {
    ast.IfExp: "conditional expression (a if c else b)", ast.BoolOp: "and/or expression",
    ast.Lambda: "lambda", ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    ast.Tuple: "tuple", ast.List: "list", ast.Dict: "dict", ast.Set: "set", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield from", ast.NamedExpr: "assignment expression (:=)",
    ast.Starred: "starred expression", ast.JoinedStr: "f-string",
}


def _higher_order_callee(target, call, scope):
    """What a call of ``target`` is differentiated as: a gradient function (``sg.grad(f)``) as its generated code
    (``higher.transformable``); sourcegrad's own runtime helpers (which generated adjoints call) only by their
    derivative rule: one without a rule declines, naming the first-order rules that emit it."""
    from ..api import GradientFunction

    if isinstance(target, GradientFunction):
        from ..higher import transformable

        try:
            return transformable(target)
        except TransformError as exc:
            raise scope.source.error(call, f"cannot differentiate the gradient function {ast.unparse(call.func)} "
                                     f"called here: {exc.reason}", TAPE_HINT) from None
    if _own_without_rule(target):
        from ..rules.adjoint_helpers import first_order_only

        message = first_order_only(target)
        raise scope.source.error(call, message, "Differentiate once only, or register a rule for it with sg.vjp_rule."
                                 if message.startswith("higher-order") else TAPE_HINT)
    return target


# sourcegrad's own code (runtime helpers, kernels of the rules...) is never inlined: it is read by its rule or not at all
_OWN_MODULES = ("sourcegrad.",)


def _own_without_rule(target):
    return (isinstance(target, types.FunctionType) and (target.__module__ or "").startswith(_OWN_MODULES)
            and lookup_vjp(target) is None and not is_nondifferentiable(target))


def _operands(call):
    return list(call.args) + [kw.value for kw in call.keywords]


class _Write(NamedTuple):
    """What a call writes into one of its arguments, as an item store ``dst[index] = prim(dst, index, value)``:
    ``np.sin(x, out=buf)`` is ``buf[...] = np.sin(x)``. ``check`` are the last arguments of
    ``check_written`` (None: nothing to check); ``refusal`` why source mode declines it (None: it does not);
    ``returns_dst``: the call returns ``dst`` (else None)."""

    dst: ast.expr
    index: ast.expr
    value: ast.expr
    prim: object
    check: list
    refusal: str
    returns_dst: bool


class _Op:
    """A primitive application whose operands are atoms, not yet bound to a name."""

    def __init__(self, prim, value, args, kwargs=None):
        self.prim, self.value, self.args, self.kwargs = prim, value, args, kwargs or {}


class _Scope:
    """The function whose body is being lowered: the main one or an inlined helper."""

    def __init__(self, source, env, main):
        self.source = source
        self.env = env        # user name -> atom holding its current value
        self.main = main
        # parameter -> the caller's SSA name it was given: the helper must change that object in place
        # (the main function's parameters are the caller's too: Aliases marks them escaped)
        self.borrowed = {} if main else {name: atom.id for name, atom in env.items() if isinstance(atom, ast.Name)}


class _Container:
    """A list, tuple or dict built in the function whose items are known atoms.

    ``parts.append(v)`` or ``d["w"] = v`` on one makes a new version of it (the old one may be read
    by the adjoint); ``parts[1]`` and ``d["w"]`` read the item's atom directly."""

    def __init__(self, kind, items, keys=None):
        self.kind = kind      # "list", "tuple" or "dict"
        self.items = items
        self.keys = keys

    def item(self, key):
        """The atom at a constant index or key, or None when it is not known."""
        if self.kind == "dict":
            return self.items[self.keys.index(key)] if key in self.keys else None
        if isinstance(key, int) and not isinstance(key, bool) and -len(self.items) <= key < len(self.items):
            return self.items[key]
        return None


class _Renamer(ast.NodeTransformer):
    """Reads every name of an expression through a scope (see ``Normalizer.rename``); names a comprehension
    or lambda inside it binds are its own."""

    def __init__(self, normalizer, scope):
        self.normalizer, self.scope = normalizer, scope
        self.inner = frozenset()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.inner:
            return ast.copy_location(self.normalizer.read(node.id, self.scope, node), node)
        return node

    def comprehension(self, node):
        outer = self.inner
        first = node.generators[0]
        first.iter = self.visit(first.iter)   # evaluated outside the comprehension
        self.inner = outer | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        for k, generator in enumerate(node.generators):
            if k:
                generator.iter = self.visit(generator.iter)
            generator.ifs = [self.visit(test) for test in generator.ifs]
        for field in ("elt", "key", "value"):
            if hasattr(node, field):
                setattr(node, field, self.visit(getattr(node, field)))
        self.inner = outer
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = comprehension

    def visit_Lambda(self, node):
        node.args = self.visit(node.args)   # defaults are evaluated outside
        outer = self.inner
        self.inner = outer | {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        node.body = self.visit(node.body)
        self.inner = outer
        return node


def is_cheap(expr):
    """An inactive expression cheap and pure enough to evaluate again in the adjoint."""
    if isinstance(expr, (ast.Name, ast.Constant)):
        return True
    if isinstance(expr, ast.Attribute):
        return is_cheap(expr.value)
    if isinstance(expr, (ast.Tuple, ast.List)):
        return all(is_cheap(e) for e in expr.elts)
    if isinstance(expr, ast.Slice):
        return all(p is None or is_cheap(p) for p in (expr.lower, expr.upper, expr.step))
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.operand, ast.Constant)
    if isinstance(expr, ast.Subscript):
        return isinstance(expr.value, ast.Attribute) and is_cheap(expr.value) and is_cheap(expr.slice)
    return False


def normalize(func, wrt_names):
    """The Program of ``func`` in A-normal SSA form, with the names in ``wrt_names`` active."""
    return Normalizer(parse_function(func)).run(wrt_names)


class Normalizer(ControlFlow):
    def __init__(self, source):
        self.main = source
        self.names = Namespace(source)
        self.body = []
        self.active = set()
        self.aliases = Aliases()    # which SSA names may share memory; which the adjoint reads
        self.static = {}            # SSA name -> module or function it was bound to (xp = np)
        self.holders = set()        # SSA names of dicts holding values that carry a gradient
        self.sequences = set()      # SSA names bound to a list, tuple or dict this function built
        self._locals = {}           # function tree -> the names it binds
        self._free_keys = {}        # key -> the global object (kept alive, so its id stays unique)
        self.containers = {}        # SSA name -> _Container: a list/tuple/dict whose items are known atoms
        self.kinds = {}             # SSA name -> "array" (made by NumPy) or "literal" (a container built
                                    # here): values that can be copied before a write
        self.inlining = []
        self.hazards = []           # (name, error): in-place updates that are wrong unless name is a number
        self.sources = [source]     # every parse.Source read: the main function, then each inlined helper
        self.loops = []             # the loops being lowered, innermost last (control.ControlFlow)
        self.written_in_loops = []  # (alias keys, name, node) of in-place writes inside them, checked at the end
        self.canonical_bodies = {}  # id(function tree) -> its body in canonical form (structure.canonical)
        self._loads_outside = {}
        self.owners = {}            # SSA name -> (scope, user name) it is a version of
        self.temps = set()          # the temporaries (t0, t1...) of subexpressions, read within their statement
        self.growing = set()        # SSA names of lists grown by append in branches and loops (control.py)
        self.global_writers_in_loops = []   # calls inside loops that may change globals (checked after the loop)
        self.rebound_in_loops = []  # (SSA name, user name, node): values updated as new versions inside loops

    # ---- entry ----

    def run(self, wrt_names):
        tree = self.main.tree
        args = tree.args
        if args.vararg or args.kwarg:
            star = args.vararg or args.kwarg
            raise self.main.error(star, "*args and **kwargs parameters are not supported in source mode",
                                  TAPE_HINT)
        params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        for p in params:
            self.names.claim(p)
            self.aliases.new(p, escaped=True)
        self.active.update(wrt_names)
        scope = _Scope(self.main, {p: ast.Name(p, ast.Load()) for p in params}, main=True)
        result = self.lower_body(tree.body, scope, tree)
        if isinstance(result, list):
            raise self.main.error(tree.body[-1], f"{tree.name} returns a tuple; a gradient needs a scalar "
                                  "output (for several outputs, stack them into one array and use sg.vjp or sg.jacobian)", cls=OutputError)
        program = Program(tree.name, params, self.body, result, self.active, self.names)
        program.hazards = self.hazards
        program.sources = self.sources
        return program

    # ---- statements ----

    def refuse_everywhere(self, stmt, scope):
        """Constructs declined wherever they appear in a statement, even in code with no gradient."""
        err = scope.source.error
        consumed = {id(a) for call in ast.walk(stmt) if isinstance(call, ast.Call) for a in call.args}
        for node in ast.walk(stmt):
            if isinstance(node, ast.GeneratorExp) and id(node) not in consumed and any(
                    isinstance(n, ast.Name) and n.id in self.local_names(scope) for n in ast.walk(node)):
                raise err(node, "a generator expression kept for later reads the function's variables when it "
                          "runs, not when it is made", TAPE_HINT)
            if isinstance(node, ast.NamedExpr):
                raise err(node, "assignment expression (:=) is not supported in source mode", TAPE_HINT)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC \
                    and node.func.id not in scope.env:
                raise err(node, f"{node.func.id}() reads or changes variables by name at run time, which source "
                          "mode cannot follow", TAPE_HINT)
            if isinstance(node, ast.Lambda) and any(isinstance(n, ast.Name) and n.id in self.local_names(scope)
                                                    for n in ast.walk(node.body)):
                raise err(node, "a lambda that reads the function's own variables (Python reads them when it is "
                          "called, not when it is made)", TAPE_HINT)
            if isinstance(node, ast.Constant) and isinstance(node.value, complex):
                raise err(node, "complex numbers are not supported in source mode: the derivative rules are "
                          "written for real values", TAPE_HINT)

    def check_read_order(self, stmt, scope):
        """A statement that reads a global (or an attribute of one) and calls something that may change globals:
        generated code reads a global where the operation using it is written, which may be after the call, while
        Python reads it where it appears. Declined."""
        writers = []
        for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            method, target = self.call_target(call, scope)
            if method is None and effects.may_write_globals(target):
                writers.append(call)
        if not writers:
            return
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in scope.env \
                    and node.id not in self.statement_locals(scope):
                found, obj = scope.source.resolve(node.id)
                if found and not isinstance(obj, STATIC_KINDS) and not (
                        any(node is call.func for call in writers)):
                    raise scope.source.error(node, f"{node.id} (a global) is read in the same statement as a call to "
                                             f"{ast.unparse(writers[0].func)}(), which may change globals; source mode "
                                             "cannot keep Python's order of the two", "Read it into a local first, or "
                                             'use mode="tape".')

    def statement_locals(self, scope):
        """The names the function being lowered binds with statements (not those only a comprehension binds)."""
        tree = scope.source.tree
        key = ("statements", tree)
        if key not in self._locals:
            found = {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
                    targets = [node.target]
                else:
                    continue
                for target in targets:
                    found.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                                 and isinstance(n.ctx, ast.Store))
            self._locals[key] = found
        return self._locals[key]

    def local_names(self, scope):
        """Every name the function being lowered binds (its locals), read lazily by lambdas."""
        tree = scope.source.tree
        if tree not in self._locals:
            self._locals[tree] = {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)} | {
                n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return self._locals[tree]

    def lower_statement(self, stmt, scope):
        err = scope.source.error
        if isinstance(stmt, ast.Pass):
            return
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):
                return  # docstring
            if self.lower_container_call(stmt.value, scope, stmt) or self.lower_write_call(stmt.value, scope, stmt) \
                    or self.lower_growing_append(stmt.value, scope, stmt):
                return
            self.lower_effect(stmt.value, scope, stmt)
            return
        if isinstance(stmt, ast.Assert):
            self.check_effects(stmt, scope, stmt)
            self.emit_passive(self.rename(stmt, scope), (), effect=True)
            return
        if isinstance(stmt, ast.Assign):
            self.lower_assign(stmt.targets, stmt.value, scope, stmt)
            return
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.lower_assign([stmt.target], stmt.value, scope, stmt)
            return
        if isinstance(stmt, ast.AugAssign):
            self.lower_augassign(stmt, scope)
            return
        kind = STATEMENT_NAMES.get(type(stmt), type(stmt).__name__ + " statement")
        lineno = scope.source.location(stmt)[1]
        raise err(stmt, f"{kind} at line {lineno} is not supported in source mode", TAPE_HINT)

    def lower_assign(self, targets, value, scope, stmt):
        if len(targets) > 1:   # a = b[0] = v: v is evaluated once and the same object goes to every target
            atom = self.atomize(value, scope)
            temp = atom.id if isinstance(atom, ast.Name) else None
            if temp is None or temp not in self.names.bound or not temp.startswith("t"):
                temp = self.new_temp()
                self.lower_into(atom, temp, scope, stmt)
            hidden = "<chained>" + temp
            scope.env[hidden] = ast.Name(temp, ast.Load())
            for target in targets:
                self.lower_assign([target], ast.Name(hidden, ast.Load()), scope, stmt)
            del scope.env[hidden]
            return
        first = targets[0]
        if isinstance(first, ast.Name) and self.lower_write_call(value, scope, stmt, result=first.id):
            return
        if isinstance(first, ast.Name):
            self.bind(first.id, value, scope, stmt)
        elif isinstance(first, (ast.Tuple, ast.List)):
            self.lower_unpack(first, value, scope, stmt)
        elif isinstance(first, (ast.Subscript, ast.Attribute)):
            self.lower_store(first, value, scope, stmt)
        else:
            raise scope.source.error(first, "this assignment target is not supported in source mode", TAPE_HINT)

    def lower_unpack(self, target, value, scope, stmt):
        names = []
        for elt in target.elts:
            if not isinstance(elt, ast.Name):
                raise scope.source.error(elt, "only plain names can be unpacked into in source mode", TAPE_HINT)
            names.append(elt.id)
        if not self.is_active(value, scope):
            self.check_effects(value, scope, stmt)
            renamed = self.rename(value, scope)
            versions = [self.new_version(n, scope) for n in names]
            store = ast.Tuple([ast.Name(v, ast.Store()) for v in versions], ast.Store())
            self.emit_passive(ast.Assign([store], renamed), tuple(versions))
            for n, v in zip(names, versions):
                self.alias_passive(v, value, scope)
                scope.env[n] = ast.Name(v, ast.Load())
            return
        known = self.known_container(value, scope)
        if isinstance(value, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in value.elts):
            parts = [self.lower_expr(e, scope) if self.is_active(e, scope) else self.atomize(e, scope)
                     for e in value.elts]
        elif known is not None and known.kind != "dict":
            parts = [clone(a) for a in known.items]
        else:
            parts = self.lower_expr(value, scope)
            if isinstance(parts, _Op):
                parts = self.split_outputs(parts, len(names), scope, stmt)
            elif not isinstance(parts, list):
                raise scope.source.error(value, "unpacking a value that carries a gradient is only supported "
                                         "for tuples written out, functions with several outputs and helper "
                                         "functions returning tuples", TAPE_HINT)
        if len(parts) != len(names):
            raise scope.source.error(stmt, f"cannot unpack {len(parts)} values into {len(names)} names",
                                     cls=TransformError)
        versions = [self.new_version(n, scope) for n in names]
        for version, part in zip(versions, parts):
            self.lower_into(part, version, scope, stmt)
        for n, v in zip(names, versions):
            scope.env[n] = ast.Name(v, ast.Load())

    def split_outputs(self, op, count, scope, stmt):
        """Bind a primitive with several outputs to a temporary; one _Op per output item."""
        temp = self.new_temp()
        self.lower_into(op, temp, scope, stmt)
        whole = ast.Name(temp, ast.Load())
        return [_Op(operator.getitem, ast.Subscript(whole, ast.Constant(i), ast.Load()), [whole, ast.Constant(i)])
                for i in range(count)]

    def lower_augassign(self, stmt, scope):
        target = stmt.target
        if isinstance(target, ast.Name):
            current = self.read(target.id, scope, target)
            binop = ast.BinOp(ast.Name(target.id, ast.Load()), stmt.op, stmt.value)
            ast.copy_location(binop, stmt)
            if self.lower_container_extend(target.id, stmt, scope):
                return
            shared = isinstance(current, ast.Name) and self.rebindable(target.id, scope) is None
            if shared and self.is_active(binop, scope):
                # ``y += v`` updates an array in place: wrong if another name (or the caller) sees y.
                # Harmless for numbers, which are immutable; the reverse pass decides once it knows.
                rewritten = ast.unparse(ast.BinOp(ast.Name(target.id), stmt.op, stmt.value))
                error = scope.source.error(stmt, f"in-place update of {target.id}, which may be an array sharing "
                                           "memory with another variable", f"Write {target.id} = {rewritten} "
                                           'instead, or use mode="tape".')
                self.hazards.append((current.id, error))
            elif shared and isinstance(current, ast.Name):
                # Passive, but an array's in-place update is seen by every alias: keep it in place.
                self.check_effects(stmt.value, scope, stmt)
                if self.writable(current.id, scope, stmt, copy_allowed=False) is INPLACE:
                    self.emit_passive(ast.AugAssign(ast.Name(current.id, ast.Store()), stmt.op,
                                                    self.rename(stmt.value, scope)), (), effect=True)
                    return
            self.bind(target.id, binop, scope, stmt)
            return
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            read = ast.Subscript(clone(target.value), clone(target.slice), ast.Load())
            value = ast.copy_location(ast.BinOp(ast.copy_location(read, target), stmt.op, stmt.value), stmt)
            item = self.container_item(target, scope)
            if isinstance(item, ast.Name) and self.is_active(value, scope):
                # ``lst[0] += v`` updates the item's own array in place: every other holder of it sees that.
                label = ast.unparse(target)
                self.hazards.append((item.id, scope.source.error(
                    stmt, f"in-place update of {label}, which may be an array that other variables also hold",
                    f'Write it without the in-place operator ({label} = {label} + ...), or use mode="tape".')))
            if self.is_active(value, scope):
                self.lower_store(target, value, scope, stmt)
                return
        if self.is_active(target, scope) or self.is_active(stmt.value, scope):
            raise scope.source.error(stmt, "augmented assignment into an attribute, or into an item of an item, "
                                     "of a value that carries a gradient is not supported in source mode",
                                     'Build a new array instead, or use mode="tape".')
        self.check_effects(stmt.value, scope, stmt)
        self.lower_passive_store(target, scope, stmt,
                                 lambda t: ast.AugAssign(t, stmt.op, self.rename(stmt.value, scope)))

    def bind(self, name, value, scope, stmt):
        """Lower ``name = value`` to a new SSA version of ``name``."""
        if self.container_literal(value, scope) is not None:
            self.bind_container(name, value, scope, stmt)
            return
        sliced = self.container_slice(value, scope)
        if sliced is not None:
            self.emit_container(name, sliced, scope, stmt)
            return
        if not self.is_active(value, scope):
            self.check_effects(value, scope, stmt)
            renamed = self.rename(value, scope)
            version = self.new_version(name, scope)
            self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], renamed), (version,))
            self.alias_passive(version, value, scope)
            kind = self.kind_of(value, scope)
            if kind is not None:
                self.kinds[version] = kind
            if isinstance(value, (ast.Name, ast.Attribute)):
                found, obj = self.resolve_static(value, scope)
                if found and isinstance(obj, STATIC_KINDS):
                    self.static[version] = obj
        else:
            lowered = self.lower_expr(value, scope)
            version = self.new_version(name, scope)
            self.lower_into(lowered, version, scope, stmt)
        scope.env[name] = ast.Name(version, ast.Load())

    def new_version(self, name, scope):
        version = self.names.claim(name) if scope.main and name not in self.names.bound else self.names.fresh(name)
        self.owners[version] = (scope, name)
        return version

    def lower_result(self, value, scope):
        if isinstance(value, (ast.Tuple, ast.List)):
            return [self.atomize(e, scope) for e in value.elts]
        if not scope.main:
            return self.atomize(value, scope)
        if isinstance(value, ast.Name):
            return self.read(value.id, scope, value)
        if isinstance(value, ast.Constant):
            return value
        name = self.names.fresh(scope.source.tree.name)
        if self.is_active(value, scope):
            self.lower_into(self.lower_expr(value, scope), name, scope, value)
        else:
            self.check_effects(value, scope, value)
            self.emit_passive(ast.Assign([ast.Name(name, ast.Store())], self.rename(value, scope)), (name,))
            self.alias_passive(name, value, scope)
        return ast.Name(name, ast.Load())

    # ---- expressions ----

    def atomize(self, expr, scope):
        """An atom holding the value of ``expr``, emitting statements to compute it if needed."""
        if isinstance(expr, ast.Name):
            return self.read(expr.id, scope, expr)
        if isinstance(expr, ast.Constant):
            return expr
        if not self.is_active(expr, scope):
            self.check_effects(expr, scope, expr)
            renamed = self.rename(expr, scope)
            if is_cheap(renamed):
                return renamed
            temp = self.new_temp()
            self.emit_passive(ast.Assign([ast.Name(temp, ast.Store())], renamed), (temp,))
            self.alias_passive(temp, expr, scope)
            return ast.Name(temp, ast.Load())
        lowered = self.lower_expr(expr, scope)
        if isinstance(lowered, list):
            raise scope.source.error(expr, "a helper returning a tuple must be unpacked into names", TAPE_HINT)
        if not isinstance(lowered, _Op):
            return lowered
        temp = self.new_temp()
        self.lower_into(lowered, temp, scope, expr)
        return ast.Name(temp, ast.Load())

    def new_temp(self):
        name = self.names.temp()
        self.temps.add(name)
        return name

    def lower_into(self, lowered, target, scope, node):
        """Bind ``target`` to what lower_expr returned: an _Op, an atom, or an inactive expression."""
        if isinstance(lowered, list):
            raise scope.source.error(node, "a helper returning a tuple must be unpacked into names", TAPE_HINT)
        if not isinstance(lowered, _Op):
            if isinstance(lowered, ast.Name):   # another name for a list, tuple or dict is one too
                for kinds in (self.sequences, self.growing, self.holders):
                    if lowered.id in kinds:
                        kinds.add(target)
            if not (isinstance(lowered, ast.Name) and lowered.id in self.active):
                self.emit_passive(ast.Assign([ast.Name(target, ast.Store())], lowered), (target,))
                self.aliases.new(target)
                for root in self.alias_roots(lowered):
                    self.aliases.join(target, root)
                return
            lowered = _Op(IDENTITY, lowered, [lowered])
        operands = list(lowered.args) + list(lowered.kwargs.values())
        for atom in operands:
            if isinstance(atom, ast.Name) and atom.id in self.holders:
                raise scope.source.error(node, "a dict holding values that carry a gradient is used as a whole; "
                                         'source mode follows only reads of its items by constant key (d["w"])',
                                         TAPE_HINT)
        active = any(isinstance(a, ast.Name) and a.id in self.active for a in operands)
        self.check_list_use(lowered, operands, scope, node)
        self.body.append(Assign(target, lowered.value, lowered.prim, lowered.args, lowered.kwargs, active, node))
        if active:
            self.active.add(target)
        if lowered.prim is PACK:
            self.sequences.add(target)
        self.aliases.new(target)
        shared = lowered.args[:1] if lowered.prim is operator.getitem else operands   # not the index
        roots = [root for atom in shared for root in self.alias_roots(atom)]
        if lowered.prim is PACK:
            for root in roots:
                self.aliases.contain(target, root)
        elif not self.returns_new(lowered):
            for root in roots:
                self.aliases.join(target, root)
        if active:
            self.aliases.save(target)
            for atom in operands:   # all of them, the index of x[idx] too: the adjoint reads them
                names = [n for n in ast.walk(atom) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
                for root in self.alias_roots(atom) + [r for n in names for r in self.alias_roots(n)]:
                    self.aliases.save(root)

    def lower_expr(self, expr, scope):
        """Lower an active expression one level: an _Op on atoms, an atom, or a list of atoms."""
        err = scope.source.error
        if isinstance(expr, ast.Name):
            return self.read(expr.id, scope, expr)
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.BinOp):
            left, right = self.atomize(expr.left, scope), self.atomize(expr.right, scope)
            if any(isinstance(a, ast.Name) and a.id in self.sequences for a in (left, right)):
                raise err(expr, "arithmetic on a list, tuple or dict that holds values that carry a gradient "
                          "(concatenation, repetition) is not supported in source mode",
                          "Append the items instead, or use mode=\"tape\".")
            prim = BINARY_OPS[type(expr.op)]
            return _Op(prim, ast.BinOp(left, expr.op, right), [left, right])
        if isinstance(expr, ast.UnaryOp) and type(expr.op) in UNARY_OPS:
            operand = self.atomize(expr.operand, scope)
            return _Op(UNARY_OPS[type(expr.op)], ast.UnaryOp(expr.op, operand), [operand])
        if isinstance(expr, ast.Call):
            return self.lower_call(expr, scope)
        if isinstance(expr, ast.Attribute):
            base = self.atomize(expr.value, scope)   # errors inside the operand come first
            if expr.attr == "T":
                return _Op(np.ndarray.T, ast.Attribute(base, "T", ast.Load()), [base])
            raise err(expr, f"attribute .{expr.attr} of a value that carries a gradient has no derivative rule",
                      TAPE_HINT)
        if isinstance(expr, ast.Subscript):
            if self.is_active(expr.slice, scope):
                raise err(expr.slice, "an index computed from a value that carries a gradient", TAPE_HINT)
            item = self.container_item(expr, scope)
            if item is not None:
                return clone(item)
            sliced = self.container_slice(expr, scope)
            if sliced is not None:
                items = [clone(a) for a in sliced.items]
                return _Op(PACK, (ast.List if sliced.kind == "list" else ast.Tuple)(items, ast.Load()), items)
            base = self.atomize(expr.value, scope)
            if isinstance(base, ast.Name) and base.id in self.sequences and not (
                    isinstance(expr.slice, ast.Constant) and type(expr.slice.value) is int):
                raise err(expr, "indexing a list or tuple that holds values that carry a gradient is supported "
                          "with constant integers and slices only", TAPE_HINT)
            self.check_effects(expr.slice, scope, expr)
            index = self.rename(expr.slice, scope)
            if not is_cheap(index):
                temp = self.new_temp()
                self.emit_passive(ast.Assign([ast.Name(temp, ast.Store())], self.index_value(index)), (temp,))
                self.alias_index(temp, index)
                index = ast.Name(temp, ast.Load())
            return _Op(operator.getitem, ast.Subscript(base, index, ast.Load()), [base, self.index_value(index)])
        if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
            items = [self.atomize(e, scope) for e in expr.elts]
            return _Op(PACK, type(expr)(items, ast.Load()), items)
        if isinstance(expr, ast.IfExp):
            return self.lower_ifexp(expr, scope)
        kind = EXPRESSION_NAMES.get(type(expr), type(expr).__name__)
        raise err(expr, f"{kind} built from values that carry a gradient is not supported in source mode",
                  TAPE_HINT)

    def index_value(self, index):
        """The index of a subscript as an ordinary expression (``np.s_[1:, None]`` for slices)."""
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(p, ast.Slice) for p in parts):
            np_name = self.names.external("np", np)
            return ast.Subscript(ast.Attribute(ast.Name(np_name, ast.Load()), "s_", ast.Load()),
                                 clone(index), ast.Load())
        return clone(index)

    def lower_call(self, call, scope):
        err = scope.source.error
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                raise err(arg, "*args in a call with gradient-carrying values is not supported in source mode",
                          TAPE_HINT)
        for kw in call.keywords:
            if kw.arg is None:
                raise err(kw.value, "**kwargs in a call with gradient-carrying values is not supported in "
                          "source mode", TAPE_HINT)
        for kw in call.keywords:
            if kw.arg == "out":
                raise err(kw, "out= writes a result into an existing array in place, which source mode follows "
                          "for values that carry a gradient only in a statement of its own writing into a local "
                          "array (np.sin(x, out=buf) or y = np.sin(x, out=buf))",
                          'Assign the result instead, or use mode="tape".')
        func = call.func
        if isinstance(func, ast.Attribute) and not self.is_static(func, scope):
            if func.attr in effects.MUTATING_METHODS or effects.out_arguments(call, None, func.attr):
                raise err(call, f"the method .{func.attr}() changes a value in place, which source mode does not "
                          "follow for values that carry a gradient", TAPE_HINT)
            method = getattr(np.ndarray, func.attr, None)
            rule = lookup_vjp(method) if method is not None else None
            if rule is None:
                self.atomize(func.value, scope)   # errors inside the receiver come first
                raise err(call, f"no derivative rule for the method .{func.attr}() of a value that carries a "
                          "gradient", "Write it with a NumPy function that has one, register a rule with "
                          'sg.vjp_rule, or use mode="tape".')
            receiver = self.atomize(func.value, scope)
            args = [self.atomize(a, scope) for a in call.args]
            kwargs = {kw.arg: self.atomize(kw.value, scope) for kw in call.keywords}
            value = ast.Call(ast.Attribute(receiver, func.attr, ast.Load()), args,
                             [ast.keyword(k, v) for k, v in kwargs.items()])
            return _Op(method, value, [receiver] + args, kwargs)
        found, target = self.resolve_static(func, scope) if not isinstance(func, ast.Call) \
            else self.gradient_made_here(func, scope)
        if found:
            target = _higher_order_callee(target, call, scope)
        python_function = isinstance(target, types.FunctionType)   # inlined, or a primitive by its rule
        pure, written = effects.written_arguments(call, target) if found and not python_function else (True, [])
        if written or found and effects.out_arguments(call, target):
            raise err(call, f"{ast.unparse(func)}() writes into one of its arguments in place, which source mode "
                      "does not follow for values that carry a gradient", TAPE_HINT)
        if lookup_vjp(target) is None:   # an @sg.primitive with no rule yet: its function's source
            target = getattr(target, "__sourcegrad_primitive__", target)
        label = ast.unparse(func)
        if not found:
            raise err(call, f"cannot tell which function {label} is: it is not a global, closure or builtin name",
                      TAPE_HINT)
        if lookup_vjp(target) is None and isinstance(target, types.FunctionType):
            return self.inline(target, call, scope)
        if lookup_vjp(target) is None:
            for arg in call.args + [kw.value for kw in call.keywords]:
                self.atomize(arg, scope)   # errors inside the arguments come first
            raise err(call, f"no derivative rule for {label}",
                      f"Register one with @sg.vjp_rule({label}), or use mode=\"tape\".")
        args = [self.atomize(a, scope) for a in call.args]
        kwargs = {kw.arg: self.atomize(kw.value, scope) for kw in call.keywords}
        value = ast.Call(self.rename(func, scope), args, [ast.keyword(k, v) for k, v in kwargs.items()])
        return _Op(target, value, args, kwargs)

    def gradient_made_here(self, make, scope):
        """``(True, gradient function)`` for ``sg.grad(f, wrt=..., mode=...)`` called where it is used
        (``sg.grad(f)(x)``), with ``f`` a static name and the other arguments constants; else ``(False, None)``."""
        from ..api import grad
        from ..higher import gradient_of

        found, maker = self.resolve_static(make.func, scope)
        if not found or maker is not grad:
            return False, None
        err = scope.source.error
        if len(make.args) != 1 or any(kw.arg not in ("wrt", "mode") for kw in make.keywords):
            raise err(make, "source mode differentiates sg.grad(f, wrt=..., mode=...) called in place only with f "
                      "and constant wrt and mode", "Make the gradient function once, outside (df = sg.grad(f)).")
        found, f = self.resolve_static(make.args[0], scope)
        if not found:
            raise err(make.args[0], "cannot tell which function this gradient is of: it is not a global, closure "
                      "or builtin name", TAPE_HINT)
        options = {}
        for kw in make.keywords:
            try:
                options[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise err(kw.value, f"{kw.arg}= of sg.grad called in place must be a constant in source mode",
                          "Make the gradient function once, outside (df = sg.grad(f)).") from None
        return True, gradient_of(f, options.get("wrt", 0), options.get("mode", "auto"))

    def inline(self, func, call, scope):
        """Lower a call to the user's own function by lowering its body in place."""
        if func in self.inlining:
            raise scope.source.error(call, f"recursive call to {func.__name__}: recursion is not supported in "
                                     "source mode", TAPE_HINT)
        source = parse_function(func)
        self.sources.append(source)
        fargs = source.tree.args
        if fargs.vararg or fargs.kwarg:
            raise scope.source.error(call, f"{func.__name__} takes *args or **kwargs, which source mode cannot "
                                     "inline", TAPE_HINT)
        params = [a.arg for a in fargs.posonlyargs + fargs.args + fargs.kwonlyargs]
        positional = [a.arg for a in fargs.posonlyargs + fargs.args]
        if len(call.args) > len(positional):
            raise scope.source.error(call, f"{func.__name__} takes {len(positional)} positional arguments but "
                                     f"{len(call.args)} were given", cls=TransformError)
        env = {}
        for name, arg in zip(positional, call.args):
            env[name] = self.atomize(arg, scope)
        for kw in call.keywords:
            if kw.arg not in params or kw.arg in env:
                raise scope.source.error(call, f"{func.__name__}() got an unexpected or repeated argument "
                                         f"{kw.arg!r}", cls=TransformError)
            env[kw.arg] = self.atomize(kw.value, scope)
        defaults = dict(zip(positional[len(positional) - len(func.__defaults__ or ()):], func.__defaults__ or ()))
        defaults.update(func.__kwdefaults__ or {})
        for name in params:
            if name not in env:
                if name not in defaults:
                    raise scope.source.error(call, f"{func.__name__}() missing argument {name!r}", cls=TransformError)
                env[name] = self.constant(defaults[name], name)
        self.inlining.append(func)
        try:
            return self.lower_body(source.tree.body, _Scope(source, env, main=False), source.tree)
        finally:
            self.inlining.pop()

    def constant(self, value, name):
        """An atom for a Python value: a literal where it is one, else a name bound to the object."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return ast.Constant(value)
        if isinstance(value, tuple) and all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
            return ast.Tuple([ast.Constant(v) for v in value], ast.Load())
        return ast.Name(self.names.external(name, value), ast.Load())

    # ---- names ----

    def read(self, name, scope, node):
        """A fresh atom holding user name ``name``'s current value."""
        if name in scope.env:
            atom = scope.env[name]
            if type(atom) is ast.Name:
                return ast.Name(atom.id, ast.Load())
            return clone(atom)
        if name in self.statement_locals(scope):
            raise scope.source.error(node, f"{name} is read where it may not have been assigned (it is a local "
                                     "variable, assigned on some paths only, or later)", TAPE_HINT)
        if scope.main:
            return ast.Name(name, ast.Load())
        found, value = scope.source.resolve(name)
        if not found:
            raise scope.source.error(node, f"name {name!r} is not defined", cls=TransformError)
        return ast.Name(self.names.external(name, value), ast.Load())

    def rename(self, expr, scope):
        """A copy of an expression with every name read through the current scope."""
        if type(expr) is ast.Name and isinstance(expr.ctx, ast.Load):
            return ast.copy_location(self.read(expr.id, scope, expr), expr)
        return _Renamer(self, scope).visit(clone(expr))

    def is_static(self, expr, scope):
        """Whether an attribute chain starts from a free name (a module, class...) or a local name bound
        to one (``xp = np``), not from a local value."""
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return False
        if expr.id not in scope.env:
            return True
        atom = scope.env[expr.id]
        return isinstance(atom, ast.Name) and atom.id in self.static

    def resolve_static(self, expr, scope):
        """(found, object) for a Name or attribute chain rooted at a free name or a static local."""
        if isinstance(expr, ast.Name):
            if expr.id in scope.env:
                atom = scope.env[expr.id]
                if isinstance(atom, ast.Name) and atom.id in self.static:
                    return True, self.static[atom.id]
                return False, None
            return scope.source.resolve(expr.id)
        if isinstance(expr, ast.Attribute):
            found, base = self.resolve_static(expr.value, scope)
            if found:
                return scope.source.resolve_attribute(base, expr.attr)   # recorded for the guards
        return False, None

    # ---- activity ----

    def is_active(self, expr, scope):
        """Whether ``expr`` may carry a gradient (depends on an active value through differentiable ops).

        Anything not understood here is active when any name in it is: comprehensions, lambdas and
        f-strings included, so that no gradient is dropped because a construct was not recognised."""
        if isinstance(expr, ast.Name):
            if expr.id in scope.env:
                return self.atom_is_active(scope.env[expr.id])
            return False
        if isinstance(expr, ast.Constant):
            return False
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.FloorDiv):
                return False
            return self.is_active(expr.left, scope) or self.is_active(expr.right, scope)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            return False
        if isinstance(expr, ast.Compare):
            return False
        if isinstance(expr, ast.Attribute):
            if expr.attr in SHAPE_ATTRIBUTES:
                return False
            return self.is_active(expr.value, scope)
        if isinstance(expr, ast.Subscript):
            item = self.container_item(expr, scope)
            if item is not None:
                return self.atom_is_active(item)
            return self.is_active(expr.value, scope)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and not self.is_static(func, scope):
                if is_nondifferentiable(getattr(np.ndarray, func.attr, None)):
                    return False
                receiver = self.is_active(func.value, scope)
            else:
                found, target = self.resolve_static(func, scope)
                if found and is_nondifferentiable(target):
                    return False
                receiver = self.is_active(func, scope)
            operands = list(expr.args) + [kw.value for kw in expr.keywords]
            return receiver or any(self.is_active(a, scope) for a in operands)
        return self.mentions_active(expr, scope)

    def mentions_active(self, node, scope):
        """Whether any name read anywhere inside ``node`` holds a value that carries a gradient."""
        return any(isinstance(n, ast.Name) and n.id in scope.env and self.atom_is_active(scope.env[n.id])
                   for n in ast.walk(node))

    # ---- containers: lists, tuples and dicts whose items are known ----

    def container_literal(self, value, scope):
        """"list"/"tuple"/"dict" when ``value`` builds a container source mode can follow item by item
        (a literal with no starred items and constant dict keys, ``[]``, ``list()``, ``dict()``)."""
        if isinstance(value, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in value.elts):
            return "list" if isinstance(value, ast.List) else "tuple"
        if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) for k in value.keys):
            keys = [k.value for k in value.keys]
            if len(set(keys)) == len(keys) and len({type(k) for k in keys}) == 1:
                return "dict"
        if isinstance(value, ast.Call) and not value.args and not value.keywords:
            found, target = self.resolve_static(value.func, scope)
            if found and target in (list, dict):
                return target.__name__
        return None

    def bind_container(self, name, value, scope, stmt):
        kind = self.container_literal(value, scope)
        if isinstance(value, ast.Call):
            items, keys = [], ([] if kind == "dict" else None)
        elif kind == "dict":
            items, keys = [self.atomize(v, scope) for v in value.values], [k.value for k in value.keys]
        else:
            items, keys = [self.atomize(e, scope) for e in value.elts], None
        self.emit_container(name, _Container(kind, items, keys), scope, stmt)

    def emit_container(self, name, container, scope, stmt):
        """Bind a new version of ``name`` to ``container``, written out as a literal."""
        version = self.new_version(name, scope)
        items = [clone(a) for a in container.items]
        active = any(self.atom_is_active(a) for a in items)
        if container.kind == "dict":
            literal = ast.Dict([ast.Constant(k) for k in container.keys], items)
        else:
            literal = (ast.List if container.kind == "list" else ast.Tuple)(items, ast.Load())
        if active and container.kind != "dict":
            self.lower_into(_Op(PACK, literal, items), version, scope, stmt)
        else:
            self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], literal), (version,))
            self.aliases.new(version)
            for atom in items:
                for root in self.alias_roots(atom):
                    self.aliases.contain(version, root)
            if active:
                self.holders.add(version)
                for atom in items:
                    for root in self.alias_roots(atom):
                        self.aliases.save(root)
        self.containers[version] = container
        self.kinds[version] = "literal"
        self.sequences.add(version)
        scope.env[name] = ast.Name(version, ast.Load())

    def container_of(self, expr, scope):
        """(user name, _Container) when ``expr`` names a container this scope may rebind, else None."""
        if not isinstance(expr, ast.Name) or expr.id not in scope.env:
            return None
        atom = scope.env[expr.id]
        if not isinstance(atom, ast.Name) or atom.id not in self.containers:
            return None
        if self.rebindable(expr.id, scope) is None:
            return None
        return expr.id, self.containers[atom.id]

    def container_slice(self, expr, scope):
        """The _Container ``seq[1:]`` or ``seq[::-1]`` gives, when ``seq`` is a known list or tuple and the
        bounds are constant integers; else None."""
        if not isinstance(expr, ast.Subscript) or not isinstance(expr.slice, ast.Slice):
            return None
        known = self.known_container(expr.value, scope)
        if known is None or known.kind == "dict":
            return None
        bounds = []
        for bound in (expr.slice.lower, expr.slice.upper, expr.slice.step):
            try:
                value = None if bound is None else ast.literal_eval(bound)
            except ValueError:
                return None
            if value is not None and type(value) is not int or value == 0 and bound is expr.slice.step:
                return None
            bounds.append(value)
        return _Container(known.kind, list(known.items[slice(*bounds)]))

    def container_item(self, expr, scope):
        """The atom ``lst[2]`` or ``d["w"]`` reads, when the container and the key are known."""
        if not (isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name)
                and isinstance(expr.slice, ast.Constant) and expr.value.id in scope.env):
            return None
        atom = scope.env[expr.value.id]
        container = self.containers.get(atom.id) if isinstance(atom, ast.Name) else None
        return container.item(expr.slice.value) if container is not None else None

    def lower_container_call(self, call, scope, stmt):
        """``lst.append(v)``, ``lst.extend([...])``, ``lst.insert(i, v)``, ``d.update({...})`` on a container
        this function built: a new version of it. False when the call is not one of those."""
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            return False
        found = self.container_of(call.func.value, scope)
        if found is None:
            return False
        name, container = found
        method, args = call.func.attr, call.args
        items, keys = list(container.items), container.keys
        if any(isinstance(n, ast.Name) and n.id == name for a in args for n in ast.walk(a)):
            return False   # lst.append(lst): the list would hold itself
        if container.kind == "list" and method == "append" and len(args) == 1 and not call.keywords:
            items.append(self.atomize(args[0], scope))
        elif container.kind == "list" and method == "extend" and len(args) == 1 and not call.keywords:
            more = self.container_items(args[0], scope)
            if more is None:
                return False
            items.extend(more)
        elif (container.kind == "list" and method == "insert" and len(args) == 2 and not call.keywords
              and isinstance(args[0], ast.Constant) and type(args[0].value) is int):
            items.insert(args[0].value, self.atomize(args[1], scope))
        elif container.kind == "dict" and method == "update" and len(args) <= 1:
            new = self.container_items(args[0], scope, kind="dict") if args else ([], [])
            if new is None:
                return False
            new_keys, new_items = list(new[0]) + [kw.arg for kw in call.keywords], list(new[1])
            new_items += [self.atomize(kw.value, scope) for kw in call.keywords]
            keys = list(keys)
            for key, atom in zip(new_keys, new_items):
                if key in keys:
                    items[keys.index(key)] = atom
                else:
                    keys.append(key)
                    items.append(atom)
        else:
            return False
        self.emit_container(name, _Container(container.kind, items, keys), scope, stmt)
        return True

    def container_items(self, expr, scope, kind="list"):
        """The atoms of a literal list/tuple (or, for kind="dict", (keys, atoms) of a dict literal) or of a
        known container, else None."""
        if kind == "dict":
            if isinstance(expr, ast.Dict) and all(isinstance(k, ast.Constant) for k in expr.keys):
                return [k.value for k in expr.keys], [self.atomize(v, scope) for v in expr.values]
            known = self.known_container(expr, scope)
            return (known.keys, list(known.items)) if known is not None and known.kind == "dict" else None
        if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
            return [self.atomize(e, scope) for e in expr.elts]
        known = self.known_container(expr, scope)
        return list(known.items) if known is not None and known.kind != "dict" else None

    def known_container(self, expr, scope):
        if isinstance(expr, ast.Name) and expr.id in scope.env:
            atom = scope.env[expr.id]
            if isinstance(atom, ast.Name):
                return self.containers.get(atom.id)
        return None

    def lower_container_extend(self, name, stmt, scope):
        """``lst += [a, b]`` on a list this function built."""
        found = self.container_of(ast.Name(name, ast.Load()), scope)
        if found is None or found[1].kind != "list" or not isinstance(stmt.op, ast.Add):
            return False
        more = self.container_items(stmt.value, scope)
        if more is None:
            return False
        self.emit_container(name, _Container("list", found[1].items + more, None), scope, stmt)
        return True

    # ---- writes into items and attributes ----

    def lower_store(self, target, value, scope, stmt):
        """``y[i] = v`` or ``obj.a = v``."""
        err = scope.source.error
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            if self.is_active(target.slice, scope):
                raise err(target.slice, "an index computed from a value that carries a gradient", TAPE_HINT)
            found = self.container_of(target.value, scope)
            if found is not None and isinstance(target.slice, ast.Constant):
                name, container = found
                key = target.slice.value
                if container.kind == "dict" or container.kind == "list" and container.item(key) is not None:
                    items, keys = list(container.items), container.keys
                    if container.kind == "dict" and key not in keys:
                        keys = keys + [key]
                        items.append(self.atomize(value, scope))
                    else:
                        items[keys.index(key) if keys is not None else key] = self.atomize(value, scope)
                    self.emit_container(name, _Container(container.kind, items, keys), scope, stmt)
                    return
            if self.is_active(value, scope) or self.is_active(target.value, scope):
                self.store_active_item(target, value, scope, stmt)
                return
        elif self.is_active(value, scope) or self.is_active(target, scope):
            raise err(target, "assignment into an attribute, or into an item of an item, with a value that carries "
                      "a gradient is not supported in source mode",
                      'Assign to a plain name or one item of a local array, or use mode="tape".')
        self.check_effects(value, scope, stmt)
        self.lower_passive_store(target, scope, stmt, lambda t: ast.Assign([t], self.rename(value, scope)))

    def store_active_item(self, target, value, scope, stmt, prim=updated, check=None):
        """``y[i] = v`` where y or v carries a gradient: ``y_1 = updated(y, i, v)``, a new version of y
        whose adjoint is known; the old y stays intact for the adjoint. ``prim`` makes the new version
        (``added_at`` for ``np.add.at(y, i, v)``); ``check``, extra arguments of ``check_written``, has
        the generated code first check that ``v`` fits into ``y`` as the call written in place requires."""
        name = target.value.id
        err = scope.source.error
        current = scope.env.get(name)
        if not isinstance(current, ast.Name) or current.id not in self.names.bound \
                or self.aliases.escaped(current.id):
            raise err(target, f"{name} is the caller's (an argument or a global), or may be, and writing a value "
                      "that carries a gradient into it in place is not followed by source mode",
                      f'Copy it first ({name} = {name}.copy()), or use mode="tape".')
        version_of = self.rebindable(name, scope)
        if version_of is None:
            raise err(target, f"{name} may share memory with another variable or with the caller (a view, an "
                      "alias, an argument, a list holding it), so writing into it in place would change that too",
                      f"Copy it first ({name} = {name}.copy()), build a new array (np.where, np.concatenate), "
                      'or use mode="tape".')
        item = self.atomize(value, scope)
        index = self.rename(target.slice, scope)
        if not is_cheap(index):
            self.check_effects(target.slice, scope, stmt)
            temp = self.new_temp()
            self.emit_passive(ast.Assign([ast.Name(temp, ast.Store())], self.index_value(index)), (temp,))
            self.alias_index(temp, index)
            index = ast.Name(temp, ast.Load())
        index_value = self.index_value(index)
        current = ast.Name(version_of, ast.Load())
        if check is not None:
            checked = ast.Call(self.names.load("check_written", check_written), [clone(current), clone(item)] + check,
                               [])
            self.emit_passive(ast.Expr(checked), (), effect=True)
        call = ast.Call(self.names.load(prim.__name__, prim), [current, index_value, item], [])
        version = self.new_version(name, scope)
        self.lower_into(_Op(prim, call, [current, clone(index_value), item]), version, scope, stmt)
        scope.env[name] = ast.Name(version, ast.Load())

    # ---- calls that write their result into a local array: out=, np.copyto, np.add.at ----

    def lower_write_call(self, call, scope, stmt, result=None):
        """``np.sin(x, out=buf)`` (``x.sum(0, out=buf)``, ``np.copyto(buf, v)``, ``np.add.at(buf, i, v)``...)
        where what is written into the local array ``buf``, or ``buf`` itself, carries a gradient: lowered
        as the item store ``buf[...] = np.sin(x)`` (``buf[i] += v``, repeats adding up, for ``np.add.at``)
        by ``store_active_item``, then ``result = buf`` when the call's result is assigned (``None`` for
        np.copyto and ``.at``). False, for the general paths to keep as written or decline, when the call
        writes nothing, writes into something other than a plain name, or writes no gradient."""
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args) \
                or any(kw.arg is None for kw in call.keywords):
            return False
        write = self.write_of(call, scope)
        if write is None or not isinstance(write.dst, ast.Name) \
                or not (self.is_active(write.value, scope) or self.is_active(write.dst, scope)):
            return False
        err = scope.source.error
        label = ast.unparse(call.func)
        if write.refusal is not None:
            raise err(call, f"{label}() {write.refusal}, which source mode does not follow for values that carry "
                      "a gradient", "Assign the result and build the new array from it (np.where, indexing), or "
                      'use mode="tape".')
        if self.is_active(write.index, scope):
            raise err(write.index, "an index computed from a value that carries a gradient", TAPE_HINT)
        check = None
        if write.check is not None:
            filename, lineno, _, _ = scope.source.location(call)
            check = [ast.Constant(f"{label}() writing into {write.dst.id} at {filename}:{lineno}")] + write.check
        target = ast.copy_location(ast.Subscript(ast.Name(write.dst.id, ast.Load()), write.index, ast.Store()),
                                   call)
        self.store_active_item(target, write.value, scope, stmt, write.prim, check)
        if result is not None and result != write.dst.id:
            returned = ast.Name(write.dst.id, ast.Load()) if write.returns_dst else ast.Constant(None)
            self.bind(result, returned, scope, stmt)
        return True

    def write_of(self, call, scope):
        """The _Write of a call that writes a result into one of its arguments, else None."""
        method, target = self.call_target(call, scope)
        ufunc = getattr(target, "__self__", None)
        if target is np.copyto:
            args = effects.bound_arguments(call, target)
            if args is None:
                return None
            casting = args.get("casting", ast.Constant("same_kind"))
            refusal = "with where= leaves part of the array as it was" if "where" in args else None
            if not (isinstance(casting, ast.Constant) and casting.value in CASTINGS):
                refusal = refusal or "with casting= other than one of NumPy's rule names written out ('same_kind')"
            return _Write(args["dst"], ast.Constant(Ellipsis), args["src"], updated, [casting, ast.Constant(False)],
                          refusal, False)
        if isinstance(ufunc, np.ufunc) and getattr(target, "__name__", None) == "at":
            args = effects.bound_arguments(call, target)
            if args is None or "b" not in args:
                return None
            value, refusal = args["b"], None
            if ufunc is np.subtract:
                value = ast.copy_location(ast.UnaryOp(ast.USub(), value), value)
            elif ufunc is not np.add:
                refusal = "combines what it writes with what is there other than by adding or subtracting"
            return _Write(args["a"], args["indices"], value, added_at, None, refusal, False)
        if not (effects.is_numpy(target) if method is None else hasattr(np.ndarray, method)):
            return None
        split = effects.split_out(call, target, method)
        if split is None or not split[0]:
            return None
        (dst, *more), rest = split
        elementwise = method is None and isinstance(target, np.ufunc) and target.signature is None
        refusal = None
        if more or isinstance(target, np.ufunc) and target.nout != 1:
            refusal = "writes several results into arrays"
        elif any(kw.arg == "where" for kw in call.keywords):
            refusal = "with where= leaves part of the array as it was"
        elif any(kw.arg == "casting" for kw in call.keywords):
            refusal = "with casting= converts its result by a rule of its own"
        check = [ast.Constant("same_kind"), ast.Constant(not elementwise)]
        return _Write(dst, ast.Constant(Ellipsis), rest, updated, check, refusal, True)

    def lower_passive_store(self, target, scope, stmt, make):
        """A write with no gradient into an item or attribute: kept in place when nothing the adjoint reads
        can see it, else made on a copy when no other name can, else declined."""
        root = target
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            root = root.value
        if not isinstance(root, ast.Name):
            raise scope.source.error(target, "this assignment target is not supported in source mode", TAPE_HINT)
        direct = isinstance(target, ast.Subscript) and target.value is root
        augmented = isinstance(stmt, ast.AugAssign)   # c[k] += v also updates the item c[k] itself in place
        kind = self.kinds.get(getattr(scope.env.get(root.id), "id", None))
        deep = not direct or augmented and kind != "array"
        self.writable(root.id, scope, stmt, copy_allowed=not deep, deep=deep)
        store = make(self.rename(target, scope))
        holder = self.alias_roots(self.rename(root, scope))
        for held in self.alias_roots(store.value):
            for key in holder:
                if self.aliases.escaped(key):
                    self.aliases.escape(held)
                else:
                    self.aliases.contain(key, held)
        self.emit_passive(store, (), effect=True)

    def writable(self, name, scope, node, copy_allowed, deep=False):
        """Prepare an in-place write into user name ``name``'s object (``deep``: into an object reached from
        it, ``a[0][1] = v``): INPLACE when the adjoint reads nothing that can see it; COPY (``name`` rebound
        to a fresh copy first) when only ``name`` holds it; else an UnsupportedError."""
        atom = self.read(name, scope, node)
        keys = self.alias_roots(atom)
        reach = set().union(*(self.aliases.reachable(k) for k in keys)) if keys else set()
        known = all(self.kinds.get(k) in ("array", "literal") for k in keys)
        unknown_reach = deep and not known and any(
            self.aliases.escaped(k) for k in self.aliases.saved_names())
        # (an argument being differentiated is not taken to be a global or another argument until used)
        active = {k for k in reach if k in self.active and not self.aliases.escaped(k)}
        if not unknown_reach and not any(self.aliases.saved(k) for k in keys) and not active:
            for member in reach:
                self.containers.pop(member, None)
            if self.loops:   # the adjoint may read it from another iteration: checked after the loop
                self.written_in_loops.append((keys, name, node))
            return INPLACE
        if copy_allowed and not deep and self.kinds.get(getattr(atom, "id", None)) is not None \
                and self.rebindable(name, scope) is not None:
            version = self.new_version(name, scope)
            copied = ast.Call(ast.Attribute(ast.Name(atom.id, ast.Load()), "copy", ast.Load()), [], [])
            self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], copied), (version,))
            self.aliases.new(version)
            self.kinds[version] = self.kinds[atom.id]
            scope.env[name] = ast.Name(version, ast.Load())
            return COPY
        raise scope.source.error(node, f"{name} is changed in place after its value was used in a computation "
                                 "the gradient needs (or it shares memory with such a value), so the gradient "
                                 "would read the changed value", f"Copy it before the change ({name} = "
                                 f'{name}.copy()), or use mode="tape".')

    def lower_effect(self, value, scope, stmt):
        """An expression statement (``print(loss)``, ``buf.fill(0.0)``): kept as it is once its writes are
        known to be harmless (or made on a copy)."""
        self.check_effects(value, scope, stmt)
        self.emit_passive(ast.Expr(self.rename(value, scope)), (), effect=True)

    def alone_among_versions(self, key, temps_too=False):
        """No name other than earlier versions of the same variable (which the function can no longer name:
        the joins of branches and loops copy one into the next) can reach ``key``'s object; with ``temps_too``,
        temporaries of subexpressions (consumed by the statement that makes them) do not count either."""
        owner = self.owners.get(key)
        return all(m == key or owner is not None and self.owners.get(m) == owner or temps_too and m in self.temps
                   for m in self.aliases.members(key))

    def rebindable(self, name, scope):
        """The SSA name holding user name ``name`` when no other name (nor the caller) can see its object,
        so a write can make a new version instead; else None."""
        atom = scope.env.get(name)
        if not isinstance(atom, ast.Name) or atom.id not in self.names.bound:
            return None
        if scope.borrowed.get(name) == atom.id or not self.alone_among_versions(atom.id) or self.aliases.held(atom.id):
            return None
        if self.aliases.escaped(atom.id):
            return None
        owner = self.owners.get(atom.id)
        if owner is not None and (owner[0] is not scope or owner[1] != name):
            return None   # another variable's value (a name bound to it without a copy)
        if self.loops:   # later in the loop another name may come to see it: checked after the loop
            self.rebound_in_loops.append((name, self.loops[-1]))
        return atom.id

    # ---- effects of calls, and what values may share memory ----

    def call_target(self, call, scope):
        """(method name, None) for ``value.method(...)`` on a local value; (None, the callable) for a
        static call; (None, None) when the callable is unknown."""
        func = call.func
        if isinstance(func, ast.Attribute) and not self.is_static(func, scope):
            return func.attr, None
        found, target = self.resolve_static(func, scope)
        owner = getattr(target, "__self__", None)
        if found and isinstance(func, ast.Attribute) and owner is not None \
                and not isinstance(owner, (types.ModuleType, type, np.ufunc)):
            if isinstance(owner, (np.ndarray, list, dict, set)):
                return func.attr, None      # judged like a method of a local value of that kind
            return "<method of " + type(owner).__name__ + ">", None   # unknown: writes receiver and arguments
        return None, (target if found else None)

    def check_effects(self, node, scope, stmt):
        """Decline, or prepare, every write the calls in ``node`` (kept as the user wrote them) can make."""
        # Names a comprehension or lambda binds inside ``node`` carry a gradient when anything in it does.
        inner = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        inner |= {a.arg for n in ast.walk(node) if isinstance(n, ast.Lambda) for a in ast.walk(n.args)
                  if isinstance(a, ast.arg)}
        inner_active = bool(inner) and self.mentions_active(node, scope)
        for call in [n for n in ast.walk(node) if isinstance(n, ast.Call)]:
            method, target = self.call_target(call, scope)
            if _own_without_rule(target) and any(self.is_active(a, scope) for a in _operands(call)):
                _higher_order_callee(target, call, scope)   # raises: differentiated through a first-order helper
            pure, written = effects.written_arguments(call, target, method)
            if pure:
                continue
            operands = list(call.args) + [kw.value for kw in call.keywords]
            if method is not None:
                operands.append(call.func.value)
            if any(self.is_active(a, scope) or inner_active and any(
                    isinstance(n, ast.Name) and n.id in inner for n in ast.walk(a)) for a in operands):
                raise scope.source.error(call, f"{ast.unparse(call.func)}() may store or change a value that "
                                         "carries a gradient, which source mode cannot follow",
                                         "Register a rule for it with sg.vjp_rule, or use mode=\"tape\".")
            if method is None and effects.may_write_globals(target):
                if any(self.aliases.escaped(k) for k in self.aliases.saved_names()):
                    raise scope.source.error(call, f"{ast.unparse(call.func)}() may change global state (it writes "
                                             "into items or attributes, or uses global), and the gradient reads "
                                             "globals", 'Pass what it changes as an argument, or use mode="tape".')
                if self.loops:   # the gradient may read a global later in the loop: checked after it
                    self.global_writers_in_loops.append(call)
            self.capture(call, method, target, operands, scope)
            for expr in written:
                if isinstance(expr, ast.Starred):
                    expr = expr.value
                root = expr
                while isinstance(root, (ast.Subscript, ast.Attribute)):
                    root = root.value
                if isinstance(root, ast.Name):
                    self.writable(root.id, scope, call, copy_allowed=root is expr, deep=root is not expr)

    def capture(self, call, method, target, operands, scope):
        """Record where a call that writes may keep references to what it is given: a list method into its
        receiver; a helper that writes its arguments into each other; an unknown call anywhere."""
        roots = [self.alias_roots(self.rename(a, scope)) for a in operands]
        if method in effects.MUTATING_METHODS and isinstance(call.func, ast.Attribute):
            receiver = self.alias_roots(self.rename(call.func.value, scope))
            for key in receiver:
                for held in (r for group in roots for r in group):
                    if self.aliases.escaped(key):
                        self.aliases.escape(held)
                    elif held != key:
                        self.aliases.contain(key, held)
        elif isinstance(target, types.FunctionType) and effects.function_writes(target) is effects.ARGUMENTS:
            flat = [r for group in roots for r in group]
            for other in flat[1:]:
                self.aliases.join(flat[0], other)
        elif target is None or not (effects.is_numpy(target) or
                                    isinstance(getattr(target, "__self__", None), np.ufunc)):
            for group in roots:
                for root in group:
                    self.aliases.escape(root)

    def alias_index(self, temp, index):
        """An index computed into ``temp`` (``np.ix_(r, c)``, ``[i, j]``) may hold the index arrays it reads."""
        self.aliases.new(temp)
        for name in ast.walk(index):
            if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Load):
                for root in self.alias_roots(name):
                    self.aliases.join(temp, root)

    def alias_key(self, atom):
        """The name ``Aliases`` knows an atom's object by: its SSA name, or, for a global or closure value,
        the object's identity (two names of one global array are one object)."""
        name = atom.id
        if name in self.names.bound:
            return name
        found, obj = self.free_object(atom)
        return self.object_key(obj) if found else self.object_key(None, "<free>" + name)

    def object_key(self, obj, key=None):
        """The key of an object from outside the function (kept alive here, so its id stays unique)."""
        key = key or f"<free {id(obj)}>"
        if key not in self._free_keys:
            self._free_keys[key] = obj
            self.aliases.new(key, escaped=True)
        return key

    def free_object(self, expr):
        """(found, object) for a renamed Name or attribute chain rooted at a global, closure or external."""
        if isinstance(expr, ast.Name):
            if expr.id in self.names.bound:
                return False, None
            if expr.id in self.names.externals:
                return True, self.names.externals[expr.id]
            return self.main.resolve(expr.id)
        if isinstance(expr, ast.Attribute):
            found, base = self.free_object(expr.value)
            if found:
                try:
                    return True, getattr(base, expr.attr)
                except Exception:   # a property that raises: nothing we can name
                    return False, None
        return False, None

    def alias_roots(self, expr):
        """The keys of the objects a value computed from ``expr`` may share memory with (for a value read out
        of an object, anything that object holds)."""
        if isinstance(expr, ast.Name):
            found, obj = self.free_object(expr)
            return [] if found and isinstance(obj, STATIC_KINDS) else [self.alias_key(expr)]
        if isinstance(expr, (ast.Constant, ast.Compare, ast.JoinedStr, ast.BinOp, ast.UnaryOp)):
            return []
        if isinstance(expr, ast.Attribute):
            if expr.attr in SHAPE_ATTRIBUTES:
                return []
            roots = self._reached(self.alias_roots(expr.value))
            found, obj = self.free_object(expr)
            if found and not isinstance(obj, STATIC_KINDS):
                roots.append(self.object_key(obj))
            return roots
        if isinstance(expr, (ast.Subscript, ast.Starred)):
            return self._reached(self.alias_roots(expr.value))
        if isinstance(expr, ast.Call):
            parts = list(expr.args) + [kw.value for kw in expr.keywords]
            if isinstance(expr.func, ast.Attribute):
                parts.append(expr.func.value)
            return self._reached([r for p in parts for r in self.alias_roots(p)])
        return self._reached([self.alias_key(n) for n in ast.walk(expr)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)])

    def _reached(self, keys):
        return sorted(set().union(*(self.aliases.reachable(k) for k in keys))) if keys else []

    def alias_passive(self, target, value, scope):
        """Record what the passive binding ``target = value`` (``value`` as the user wrote it) may share."""
        self.aliases.new(target)
        if isinstance(value, ast.Call):
            method, callee = self.call_target(value, scope)
            if effects.returns_new(value, callee, method):
                return
            if not (method is not None and method in effects.PURE_METHODS or effects.is_numpy(callee)
                    or callee in effects.PURE_BUILTINS):
                self.aliases.escape(target)   # an unknown call may return a global, or keep what it returns
        renamed = self.rename(value, scope)
        for root in self.alias_roots(renamed):
            self.aliases.join(target, root)

    def kind_of(self, value, scope):
        """"array" for a new NumPy array (a NumPy call or an ndarray's ``copy``/``astype``), else None: what a
        passive binding's value is known to be."""
        if not isinstance(value, ast.Call):
            return None
        method, callee = self.call_target(value, scope)
        if method in ("copy", "astype") and isinstance(value.func.value, ast.Name):
            receiver = scope.env.get(value.func.value.id)
            kind = self.kinds.get(receiver.id) if isinstance(receiver, ast.Name) else None
            return "array" if kind == "array" else None
        if method is None and effects.is_numpy(callee) and effects.returns_new(value, callee):
            return "array"
        return None

    def returns_new(self, op):
        """Whether a primitive application certainly makes a new object."""
        prim = op.prim
        if prim is max or prim is min:   # they return one of their arguments itself
            return False
        if prim in NEW_PRIMITIVES or isinstance(prim, np.ufunc) and prim.signature is None:
            return True
        if prim is IDENTITY or prim is PACK:
            return False
        name = getattr(prim, "__name__", "")
        if getattr(prim, "__objclass__", None) is np.ndarray:
            return name in effects.NEW_METHODS and "copy" not in op.kwargs
        if getattr(prim, "__module__", None) == "math" or prim in (float, abs):
            return True
        if effects.is_numpy(prim):
            return prim not in effects.NUMPY_VIEWS and not (prim is np.array and "copy" in op.kwargs)
        return False

    def atom_is_active(self, atom):
        return isinstance(atom, ast.Name) and (atom.id in self.active or atom.id in self.holders)

    def emit_passive(self, stmt, targets, effect=False):
        self.body.append(Passive(stmt, tuple(targets), effect))

