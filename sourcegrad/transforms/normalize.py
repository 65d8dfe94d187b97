"""Lower a function to A-normal form: one primitive operation per statement, in SSA.

Each nested expression that carries a gradient becomes a statement binding a temporary
(``t0``, ``t1``...); the user's own names are kept, and a name assigned twice gets a new version
(``x_1``) so that the adjoint can still read every value it needs. Calls to the user's own helper
functions are inlined from their source. Statements without gradient are kept as they are.
Anything that straight-line source mode cannot handle raises ``UnsupportedError`` pointing at
the user's line.
"""

import ast
import copy
import operator
import types

import numpy as np

from ..errors import OutputError, TransformError
from ..rules import is_nondifferentiable, lookup_vjp
from .ir import IDENTITY, PACK, Assign, Passive, Program
from .names import Namespace
from .parse import TAPE_HINT, parse_function

BINARY_OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.Mod: operator.mod,
}
UNARY_OPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}
SHAPE_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
# Operations whose result may share memory with their first operand.
VIEW_PRIMITIVES = {IDENTITY, operator.getitem, np.ndarray.T, np.reshape, np.ndarray.reshape,
                   np.transpose, np.ndarray.transpose, np.ravel, np.ndarray.ravel}

STATEMENT_NAMES = {
    ast.If: "if statement", ast.For: "for loop", ast.While: "while loop", ast.With: "with block",
    ast.Try: "try block", ast.Raise: "raise statement", ast.FunctionDef: "nested function definition",
    ast.ClassDef: "class definition", ast.Import: "import statement", ast.ImportFrom: "import statement",
    ast.Global: "global statement", ast.Nonlocal: "nonlocal statement", ast.Delete: "del statement",
    ast.AsyncFor: "async for loop", ast.AsyncWith: "async with block", ast.Break: "break statement",
    ast.Continue: "continue statement",
}
CONTROL_FLOW = {ast.If, ast.For, ast.While, ast.Try, ast.Raise, ast.Break, ast.Continue, ast.AsyncFor}
EXPRESSION_NAMES = {
    ast.IfExp: "conditional expression (a if c else b)", ast.BoolOp: "and/or expression",
    ast.Lambda: "lambda", ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    ast.Tuple: "tuple", ast.List: "list", ast.Dict: "dict", ast.Set: "set", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield from", ast.NamedExpr: "assignment expression (:=)",
    ast.Starred: "starred expression", ast.JoinedStr: "f-string",
}


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


class _CellView:
    """A closure cell seen as a one-entry mapping, so dependencies read it like a module's globals."""

    def __init__(self, cell):
        self.cell = cell

    def get(self, key, default=None):
        try:
            return self.cell.cell_contents
        except ValueError:   # emptied
            return default


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


class Normalizer:
    def __init__(self, source):
        self.main = source
        self.names = Namespace(source)
        self.body = []
        self.active = set()
        self.shared = set()         # SSA names whose value may share memory with another name
        self.inlining = []
        self.dependencies = []      # (mapping, name, object) of every inlined helper's binding
        self.hazards = []           # (name, error): in-place updates that are wrong unless name is a number
        self.sources = [source]     # every parse.Source read: the main function, then each inlined helper

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
        self.active.update(wrt_names)
        scope = _Scope(self.main, {p: ast.Name(p, ast.Load()) for p in params}, main=True)
        result = self.lower_body(tree.body, scope, tree)
        if isinstance(result, list):
            raise self.main.error(tree.body[-1], f"{tree.name} returns a tuple; a gradient needs a scalar "
                                  "output (use sg.vjp for several outputs)", cls=OutputError)
        program = Program(tree.name, params, self.body, result, self.active, self.names)
        program.dependencies = self.dependencies
        program.hazards = self.hazards
        program.sources = self.sources
        return program

    # ---- statements ----

    def lower_body(self, stmts, scope, owner):
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, ast.Return):
                if i != len(stmts) - 1:
                    raise scope.source.error(stmts[i + 1], "unreachable code after return", TAPE_HINT)
                if stmt.value is None:
                    break
                return self.lower_result(stmt.value, scope)
            self.lower_statement(stmt, scope)
        raise scope.source.error(owner, f"{owner.name} returns nothing; there is no output to differentiate")

    def lower_statement(self, stmt, scope):
        err = scope.source.error
        if isinstance(stmt, ast.Pass):
            return
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant):
                return  # docstring
            value = stmt.value
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    and self.is_active(value.func.value, scope)):
                raise err(stmt, "a method call whose result is discarded may modify a value that carries "
                          "a gradient in place, which source mode cannot follow", TAPE_HINT)
            self.emit_passive(ast.Expr(self.rename(value, scope)), ())
            return
        if isinstance(stmt, ast.Assert):
            self.emit_passive(self.rename(stmt, scope), ())
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
        if type(stmt) in CONTROL_FLOW:
            raise err(stmt, f"{kind} at line {lineno}: control flow is not supported in source mode yet",
                      TAPE_HINT)
        raise err(stmt, f"{kind} at line {lineno} is not supported in source mode", TAPE_HINT)

    def lower_assign(self, targets, value, scope, stmt):
        first, rest = targets[0], targets[1:]
        if isinstance(first, ast.Name):
            self.bind(first.id, value, scope, stmt)
        elif isinstance(first, (ast.Tuple, ast.List)):
            self.lower_unpack(first, value, scope, stmt)
        elif isinstance(first, (ast.Subscript, ast.Attribute)):
            if self.is_active(value, scope) or self.is_active(first, scope):
                raise scope.source.error(first, "assignment into an element or attribute of a value that "
                                         "carries a gradient is not supported in source mode",
                                         "Build a new array instead (np.where, np.concatenate), or use "
                                         'mode="tape".')
            self.emit_passive(ast.Assign([self.rename(first, scope)], self.rename(value, scope)), ())
        else:
            raise scope.source.error(first, "this assignment target is not supported in source mode", TAPE_HINT)
        for target in rest:
            self.lower_assign([target], first, scope, stmt)

    def lower_unpack(self, target, value, scope, stmt):
        names = []
        for elt in target.elts:
            if not isinstance(elt, ast.Name):
                raise scope.source.error(elt, "only plain names can be unpacked into in source mode", TAPE_HINT)
            names.append(elt.id)
        if not self.is_active(value, scope):
            renamed = self.rename(value, scope)
            versions = [self.new_version(n, scope) for n in names]
            store = ast.Tuple([ast.Name(v, ast.Store()) for v in versions], ast.Store())
            self.emit_passive(ast.Assign([store], renamed), tuple(versions))
            for n, v in zip(names, versions):
                scope.env[n] = ast.Name(v, ast.Load())
            return
        if isinstance(value, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in value.elts):
            parts = [self.lower_expr(e, scope) if self.is_active(e, scope) else self.rename(e, scope)
                     for e in value.elts]
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
            if (isinstance(current, ast.Name) and current.id in self.shared
                    and self.is_active(binop, scope)):
                # Harmless for numbers, which are immutable; the reverse pass decides once it knows.
                rewritten = ast.unparse(ast.BinOp(ast.Name(target.id), stmt.op, stmt.value))
                error = scope.source.error(stmt, f"in-place update of {target.id}, which may be an array sharing "
                                           "memory with another variable", f"Write {target.id} = {rewritten} "
                                           'instead, or use mode="tape".')
                self.hazards.append((current.id, error))
            self.bind(target.id, binop, scope, stmt)
            return
        if self.is_active(target, scope) or self.is_active(stmt.value, scope):
            raise scope.source.error(stmt, "augmented assignment into an element or attribute of a value that "
                                     "carries a gradient is not supported in source mode",
                                     'Build a new array instead, or use mode="tape".')
        self.emit_passive(ast.AugAssign(self.rename(target, scope), stmt.op, self.rename(stmt.value, scope)), ())

    def bind(self, name, value, scope, stmt):
        """Lower ``name = value`` to a new SSA version of ``name``."""
        if not self.is_active(value, scope):
            renamed = self.rename(value, scope)
            version = self.new_version(name, scope)
            self.emit_passive(ast.Assign([ast.Name(version, ast.Store())], renamed), (version,))
            if isinstance(renamed, ast.Name):
                self.shared.update((version, renamed.id))
        else:
            lowered = self.lower_expr(value, scope)
            version = self.new_version(name, scope)
            self.lower_into(lowered, version, scope, stmt)
        scope.env[name] = ast.Name(version, ast.Load())

    def new_version(self, name, scope):
        if scope.main and name not in self.names.bound:
            return self.names.claim(name)
        return self.names.fresh(name)

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
            self.emit_passive(ast.Assign([ast.Name(name, ast.Store())], self.rename(value, scope)), (name,))
        return ast.Name(name, ast.Load())

    # ---- expressions ----

    def atomize(self, expr, scope):
        """An atom holding the value of ``expr``, emitting statements to compute it if needed."""
        if isinstance(expr, ast.Name):
            return self.read(expr.id, scope, expr)
        if isinstance(expr, ast.Constant):
            return expr
        if not self.is_active(expr, scope):
            renamed = self.rename(expr, scope)
            if is_cheap(renamed):
                return renamed
            temp = self.new_temp()
            self.emit_passive(ast.Assign([ast.Name(temp, ast.Store())], renamed), (temp,))
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
        return self.names.temp()

    def lower_into(self, lowered, target, scope, node):
        """Bind ``target`` to what lower_expr returned: an _Op, an atom, or an inactive expression."""
        if isinstance(lowered, list):
            raise scope.source.error(node, "a helper returning a tuple must be unpacked into names", TAPE_HINT)
        if not isinstance(lowered, _Op):
            if not (isinstance(lowered, ast.Name) and lowered.id in self.active):
                self.emit_passive(ast.Assign([ast.Name(target, ast.Store())], lowered), (target,))
                return
            lowered = _Op(IDENTITY, lowered, [lowered])
        operands = list(lowered.args) + list(lowered.kwargs.values())
        active = any(isinstance(a, ast.Name) and a.id in self.active for a in operands)
        self.body.append(Assign(target, lowered.value, lowered.prim, lowered.args, lowered.kwargs, active, node))
        if active:
            self.active.add(target)
        first = lowered.args[0] if lowered.args else None
        if lowered.prim in VIEW_PRIMITIVES and isinstance(first, ast.Name):
            self.shared.update((target, first.id))
        if lowered.prim is PACK:
            self.shared.update([target] + [a.id for a in lowered.args if isinstance(a, ast.Name)])

    def lower_expr(self, expr, scope):
        """Lower an active expression one level: an _Op on atoms, an atom, or a list of atoms."""
        err = scope.source.error
        if isinstance(expr, ast.Name):
            return self.read(expr.id, scope, expr)
        if isinstance(expr, ast.Constant):
            return expr
        if isinstance(expr, ast.BinOp):
            left, right = self.atomize(expr.left, scope), self.atomize(expr.right, scope)
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
            base = self.atomize(expr.value, scope)
            index = self.rename(expr.slice, scope)
            if not is_cheap(index):
                temp = self.new_temp()
                self.emit_passive(ast.Assign([ast.Name(temp, ast.Store())], self.index_value(index)), (temp,))
                index = ast.Name(temp, ast.Load())
            return _Op(operator.getitem, ast.Subscript(base, index, ast.Load()), [base, self.index_value(index)])
        if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
            items = [self.atomize(e, scope) for e in expr.elts]
            return _Op(PACK, type(expr)(items, ast.Load()), items)
        kind = EXPRESSION_NAMES.get(type(expr), type(expr).__name__)
        if isinstance(expr, ast.IfExp):
            raise err(expr, f"{kind} on a value that carries a gradient: control flow is not supported in "
                      "source mode yet", TAPE_HINT)
        raise err(expr, f"{kind} built from values that carry a gradient is not supported in source mode",
                  TAPE_HINT)

    def index_value(self, index):
        """The index of a subscript as an ordinary expression (``np.s_[1:, None]`` for slices)."""
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(p, ast.Slice) for p in parts):
            np_name = self.names.external("np", np)
            return ast.Subscript(ast.Attribute(ast.Name(np_name, ast.Load()), "s_", ast.Load()),
                                 copy.deepcopy(index), ast.Load())
        return copy.deepcopy(index)

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
        func = call.func
        if isinstance(func, ast.Attribute) and not self.is_static(func, scope):
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
        found, target = self.resolve_static(func, scope)
        if lookup_vjp(target) is None:   # an @sg.primitive with no rule yet: its function's source
            target = getattr(target, "__sourcegrad_primitive__", target)
        label = ast.unparse(func)
        if not found:
            raise err(call, f"cannot tell which function {label} is: it is not a global, closure or builtin name",
                      TAPE_HINT)
        if lookup_vjp(target) is None and isinstance(target, types.FunctionType):
            self.record_dependency(func, target, scope)
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

    def record_dependency(self, func, target, scope):
        """Remember where an inlined helper was found, so a rebinding invalidates the cache."""
        if isinstance(func, ast.Name):
            cell = scope.source.closure.get(func.id)
            if cell is not None:   # a closure variable can be rebound too (nonlocal)
                self.dependencies.append((_CellView(cell), "cell", target))
            else:
                self.dependencies.append((scope.source.globals, func.id, target))
        elif isinstance(func, ast.Attribute):
            found, base = self.resolve_static(func.value, scope)
            if found and isinstance(base, types.ModuleType):
                self.dependencies.append((vars(base), func.attr, target))

    def constant(self, value, name):
        """An atom for a Python value: a literal where it is one, else a name bound to the object."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return ast.Constant(value)
        if isinstance(value, tuple) and all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
            return ast.Tuple([ast.Constant(v) for v in value], ast.Load())
        return ast.Name(self.names.external(name, value), ast.Load())

    # ---- names ----

    def read(self, name, scope, node):
        if name in scope.env:
            return copy.deepcopy(scope.env[name])
        if scope.main:
            return ast.Name(name, ast.Load())
        found, value = scope.source.resolve(name)
        if not found:
            raise scope.source.error(node, f"name {name!r} is not defined", cls=TransformError)
        return ast.Name(self.names.external(name, value), ast.Load())

    def rename(self, expr, scope):
        """A copy of an expression with every name read through the current scope."""
        normalizer = self

        class Renamer(ast.NodeTransformer):
            def visit_Name(self, node):
                if isinstance(node.ctx, ast.Load):
                    return ast.copy_location(normalizer.read(node.id, scope, node), node)
                return node

        return Renamer().visit(copy.deepcopy(expr))

    def is_static(self, expr, scope):
        """Whether an attribute chain starts from a free name (a module, class...) and not a local."""
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        return isinstance(expr, ast.Name) and expr.id not in scope.env

    def resolve_static(self, expr, scope):
        """(found, object) for a Name or attribute chain rooted at a free name."""
        if isinstance(expr, ast.Name):
            if expr.id in scope.env:
                return False, None
            return scope.source.resolve(expr.id)
        if isinstance(expr, ast.Attribute):
            found, base = self.resolve_static(expr.value, scope)
            if found and hasattr(base, expr.attr):
                return True, getattr(base, expr.attr)
        return False, None

    # ---- activity ----

    def is_active(self, expr, scope):
        """Whether ``expr`` may carry a gradient (depends on an active value through differentiable ops)."""
        if isinstance(expr, ast.Name):
            if expr.id in scope.env:
                atom = scope.env[expr.id]
                return isinstance(atom, ast.Name) and atom.id in self.active
            return False
        if isinstance(expr, ast.Constant):
            return False
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.FloorDiv):
                return False
            return self.is_active(expr.left, scope) or self.is_active(expr.right, scope)
        if isinstance(expr, ast.UnaryOp):
            return type(expr.op) in UNARY_OPS and self.is_active(expr.operand, scope)
        if isinstance(expr, ast.Compare):
            return False
        if isinstance(expr, ast.Attribute):
            if expr.attr in SHAPE_ATTRIBUTES:
                return False
            return self.is_active(expr.value, scope)
        if isinstance(expr, ast.Subscript):
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
                receiver = False
            operands = list(expr.args) + [kw.value for kw in expr.keywords]
            return receiver or any(self.is_active(a, scope) for a in operands)
        return any(self.is_active(child, scope) for child in ast.iter_child_nodes(expr)
                   if isinstance(child, ast.expr))

    def emit_passive(self, stmt, targets):
        self.body.append(Passive(stmt, tuple(targets)))

