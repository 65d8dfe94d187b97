"""Structured arguments in source mode: a function of ``params`` (a list of dicts, a dataclass...) rewritten into a
function of its leaves, for exactly one structure.

``sg.grad(loss)(params, X, y)`` with ``params = [{"W": W0, "b": b0}, {"W": W1, "b": b1}]`` generates the gradient
of this function (the structure is part of the cache key: ``kinds.tree_kind``)::

    def loss(params_0_W, params_0_b, params_1_W, params_1_b, X, y):
        h = X
        layer = ...            # `for layer in params:` unrolled, one copy of the body per layer
        h = np.tanh(h @ params_0_W + params_0_b)
        h = np.tanh(h @ params_1_W + params_1_b)
        ...

Reads the rewrite understands, with every index and key known when the code is generated: ``params[1]["W"]``,
``params[-1]``, ``params[:-1]``, ``p.weight`` (dataclass, NamedTuple), ``W, b = layer``, ``len(params)``, loops
``for layer in params``, ``for W, b in params``, ``for i, layer in enumerate(params)``, ``zip(...)``,
``d.items()/keys()/values()``, ``for i in range(len(params)): params[i]``, ``[... for layer in params]`` and
``sum(... for layer in params)``. A structure passed to a Python function of the user's (``predict(params, X)``,
``dense(layer, h)``) is followed into it: that function is rewritten too, for those structures, and called with their
leaves. Leaves that are strings, booleans, ``None`` or functions (an activation stored in a layer) are constants of
the generated code. Anything else done with a structure — passing it to NumPy or to a function source mode cannot
read, storing into it, indexing it with a value known only at run time, binding it differently in the branches of
an ``if`` — raises UnsupportedError (auto mode then uses the tape, which handles any use). Never a guess.
"""

import ast
import builtins
import copy
import inspect
import keyword
import linecache
import types
import zlib

import numpy as np

from ..errors import UnsupportedError
from ..rules import registry
from ..kinds import SCALAR, is_array, is_tree_kind, leaf_kind_floats
from ..tree import path_text
from .parse import TAPE_HINT, parse_function

_HINT = ("Source mode follows reads of a structured parameter by constant indices, keys and attributes, and loops "
         "over it; " + TAPE_HINT[0].lower() + TAPE_HINT[1:])
_POISON = object()   # env value of a name bound to a structure on only some paths (in an unrolled loop in a branch)


# ---------------------------------------------------------------- at call time


def _dynamic(kind):
    """Whether a leaf of this kind is passed to the generated code (else it is a constant of it)."""
    return kind[0] not in ("const", "callable") if type(kind) is tuple and not is_array(kind) else True


def flat_arguments(args, kinds, leaves):
    """The arguments of the generated code: each structured argument (its leaves in ``leaves``, by position)
    replaced by its leaves that are not constants."""
    flat = []
    for i, (arg, kind) in enumerate(zip(args, kinds)):
        if is_tree_kind(kind):
            flat.extend(leaf for leaf, k in zip(leaves[i], kind[2]) if _dynamic(k))
        else:
            flat.append(arg)
    return flat


def regroup(raw, kinds, wrt_index):
    """The generated code's gradients (one per float leaf, one per plain argument, in ``wrt`` order) grouped per
    argument differentiated: a list of one entry per leaf (None where not a float) for a structured one."""
    raw = iter(raw)
    out = []
    for i in wrt_index:
        if is_tree_kind(kinds[i]):
            out.append([next(raw) if leaf_kind_floats(k) else None for k in kinds[i][2]])
        else:
            out.append(next(raw))
    return out


# ---------------------------------------------------------------- building


def build_tree_gradient(func, wrt, params, kinds, seeded=False):
    """The Generated gradient of ``func`` (parameter names ``params``, of these ``kinds``) with respect to ``wrt``,
    for arguments of exactly these kinds, some of them structures."""
    from . import Generated, build_gradient

    flat_func, flat_wrt, flat_kinds, sources = _flat_function(func, params, kinds, wrt)
    generated = build_gradient(flat_func, flat_wrt, flat_kinds, seeded=seeded)
    # the rewritten functions never change: the originals' code and the names the rewrite resolved are guarded
    guards = list(generated.guards)
    for source in sources:
        guards.extend(source.guards())
    return Generated(generated.text, generated.function, generated.name, guards)


class _Leaf:
    """One leaf of a structure as the rewritten code reads it: ``kind`` 'param' (a parameter name), 'const' (a
    literal) or 'named': a function, or a constant no literal writes (``np.True_``), read by the name the function's
    module knows it by (``np.tanh``), or else by a closure name."""

    __slots__ = ("name", "value", "kind", "spelled")

    def __init__(self, name, value, kind, spelled=None):
        self.name, self.value, self.kind, self.spelled = name, value, kind, spelled

    def expr(self):
        if self.kind == "const":
            return ast.Constant(self.value)
        if self.spelled is not None:
            return ast.parse(self.spelled, mode="eval").body
        return ast.Name(self.name, ast.Load())


class _Node:
    """A container of a structure: its kind ('list', 'tuple', 'dict', 'namedtuple', 'dataclass'), keys (dict keys
    or field names), items (_Node or _Leaf) and its path (for messages)."""

    __slots__ = ("kind", "keys", "items", "path")

    def __init__(self, kind, keys, items, path):
        self.kind, self.keys, self.items, self.path = kind, keys, items, path

    @property
    def sequence(self):
        return self.kind in ("list", "tuple", "namedtuple")


def _literal(value):
    """Whether ``ast.unparse`` writes ``value`` as a literal that reads back as the same value, of the same type."""
    cls = type(value)
    if cls is tuple:
        return all(map(_literal, value))
    return cls in (int, float, str, bytes, bool, type(None))


class _Const:
    """A value known when the code is generated (a loop index, a dict key)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _spelling(value, globals_, taken):
    """How the function's own code could name the function ``value``: a global of that name (``identity``), or an
    attribute of a global module (``np.tanh``); None when neither is certain. The generated code then reads that
    name, which source mode resolves and guards like any other."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return None
    if name not in taken and globals_.get(name) is value:
        return name
    for alias, module in globals_.items():
        if isinstance(module, types.ModuleType) and alias not in taken and alias.isidentifier() \
                and getattr(module, name, None) is value and name in vars(module):
            return f"{alias}.{name}"
    return None


def _symbolic(treedef, leaf_kinds, paths, root, namer, cells, spell=lambda value: None):
    """The _Node of a structure; leaves get names from ``namer``; functions go into ``cells`` (unless the module
    names them: ``spell``)."""
    counter = iter(range(len(leaf_kinds)))

    def build(td, path):
        if td.kind == "leaf":
            i = next(counter)
            kind = leaf_kinds[i]
            if type(kind) is tuple and kind[0] == "const" and _literal(kind[2]):
                return _Leaf(None, kind[2], "const")
            if type(kind) is tuple and kind[0] in ("callable", "const"):   # (np.True_: no literal writes it)
                value = kind[-1]
                spelled = spell(value)
                if spelled is not None:
                    return _Leaf(None, value, "named", spelled)
                name = namer(root, paths[i])
                cells[name] = value
                return _Leaf(name, value, "named")
            name = namer(root, paths[i])
            return _Leaf(name, None, "param")
        items = [build(child, path + (step,)) for child, step in zip(td.children, _steps(td))]
        return _Node(td.kind, td.keys, items, path)

    return build(treedef, ())


def _steps(td):
    if td.kind in ("namedtuple", "dataclass"):
        return [("attr", k) for k in td.keys]
    if td.kind == "dict":
        return [("key", k) for k in td.keys]
    return [("index", i) for i in range(len(td.children))]


class _Target:
    """One function being rewritten (the one differentiated, or a helper it passes a structure to): its parsed
    source, how its new names are chosen, and the functions its rewritten code reads from closure cells."""

    def __init__(self, func, build):
        self.func = func
        self.build = build              # the _Build this is part of
        self.source = parse_function(func)
        build.sources.append(self.source)
        tree = self.source.tree
        code = func.__code__
        self.taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
            {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)} | set(code.co_freevars) | set(code.co_names)
        self.local = set(code.co_varnames) | set(code.co_cellvars) | set(code.co_freevars)
        self.used = set()
        self.cells = {}                 # closure name -> value (functions stored in structures, helpers rewritten)

    def name(self, root, path=()):
        """A new name for the rewritten code, clashing with none of the function's."""
        name = "_".join([root] + [_part(step, key) for step, key in path])
        while name in self.taken or name in self.used or keyword.iskeyword(name):
            name += "_"
        self.used.add(name)
        return name

    def spell(self, value):
        return _spelling(value, self.func.__globals__, self.local)

    def compile(self, params, body):
        """The rewritten function: ``params``, ``body``, the function's globals and closure (and ``cells``)."""
        func = self.func
        free = list(func.__code__.co_freevars) + sorted(self.cells)
        function = _compile(func, self.source.tree, params, body, free)
        closure_cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
        closure_cells.update((n, types.CellType(v)) for n, v in self.cells.items())
        closure = tuple(closure_cells[n] for n in function.__code__.co_freevars)
        flat = types.FunctionType(function.__code__, func.__globals__, func.__name__, None, closure)
        flat.__qualname__ = func.__qualname__
        flat.__module__ = func.__module__
        return flat


class _Build:
    """What one rewrite shares: the sources read (their guards join the generated code's), the helpers being
    rewritten (a recursive one declines) and those rewritten (one per helper and structure)."""

    def __init__(self):
        self.sources = []
        self.stack = []
        self.helpers = {}


def _flat_function(func, params, kinds, wrt):
    """``(function, wrt, kinds, sources)``: ``func`` rewritten to take the leaves of its structured arguments, the
    names of the leaves (and plain arguments) to differentiate, the kinds of its parameters, and the parse.Source
    of every function read (for guards)."""
    build = _Build()
    target = _Target(func, build)
    env, new_params, flat_kinds = {}, [], {}
    differentiated = {}   # argument in wrt -> the names of the generated code's parameters it becomes
    for name, kind in zip(params, kinds):
        if not is_tree_kind(kind):
            new_params.append(name)
            flat_kinds[name] = kind
            if name in wrt:
                differentiated[name] = [name]
            continue
        _, treedef, leaf_kinds = kind
        paths = _paths_of(treedef)
        for path, k in zip(paths, leaf_kinds):
            if type(k) is tuple and k[0] == "tape":
                raise UnsupportedError(
                    f"{func.__qualname__}: {path_text(path, name)} is a {k[1].__name__}, a subclass of "
                    f"{'np.ndarray' if issubclass(k[1], np.ndarray) else 'float'}: source mode specialises on "
                    "plain arrays and floats", hint=TAPE_HINT)
        node = _symbolic(treedef, leaf_kinds, paths, name, target.name, target.cells, target.spell)
        env[name] = node
        differentiated[name] = []
        for leaf, k in zip(_leaves(node), leaf_kinds):
            if leaf.kind != "param":
                continue
            new_params.append(leaf.name)
            flat_kinds[leaf.name] = _plain_kind(k)
            if name in wrt and leaf_kind_floats(k):
                differentiated[name].append(leaf.name)
    # in wrt's order, not the parameters': regroup() takes the gradients back in that order
    flat_wrt = [leaf_name for name in wrt for leaf_name in differentiated.get(name, ())]
    if not flat_wrt:
        raise UnsupportedError(f"{func.__qualname__}: the structure differentiated has no float leaves, so there "
                               "is nothing to differentiate", hint="Pass floats or float arrays in it.")
    build.stack.append(func)
    body = _Rewriter(target, env).block(target.source.tree.body, conditional=False)
    flat = target.compile(new_params, body)
    flat.__sourcegrad_wrt__ = tuple(wrt)   # the generated gradient is named after the arguments, not the leaves
    return flat, tuple(flat_wrt), flat_kinds, build.sources


def _mirror(node, root, target, pairs, path=()):
    """The _Node a helper's parameter ``root`` gets for the caller's structure ``node``: the same containers, a
    parameter of the helper per leaf the caller passes (``pairs`` gets ``(helper's name, caller's _Leaf)``),
    constants kept, functions spelled as the helper's module names them."""
    items = []
    for item, step in zip(node.items, _node_steps(node)):
        if isinstance(item, _Node):
            child = _mirror(item, root, target, [], path + (step,))
            pairs.extend(child.pairs)
            items.append(child.node)
            continue
        leaf_path = path + (step,)
        if item.kind == "const":
            items.append(item)
        elif item.kind == "named":
            spelled = target.spell(item.value)
            if spelled is None:
                name = target.name(root, leaf_path)
                target.cells[name] = item.value
                items.append(_Leaf(name, item.value, "named"))
            else:
                items.append(_Leaf(None, item.value, "named", spelled))
        else:
            name = target.name(root, leaf_path)
            pairs.append((name, item))
            items.append(_Leaf(name, None, "param"))
    return _Mirrored(_Node(node.kind, node.keys, items, node.path), pairs)


class _Mirrored:
    __slots__ = ("node", "pairs")

    def __init__(self, node, pairs):
        self.node, self.pairs = node, pairs


def _node_steps(node):
    if node.kind in ("namedtuple", "dataclass"):
        return [("attr", k) for k in node.keys]
    if node.kind == "dict":
        return [("key", k) for k in node.keys]
    return [("index", i) for i in range(len(node.items))]


def _part(step, key):
    text = str(key)
    if step == "index":
        return text
    return text if text.isidentifier() and text.isascii() else "k" + format(zlib.crc32(repr(key).encode()), "x")


def _paths_of(treedef):
    paths = []

    def walk(td, path):
        if td.kind == "leaf":
            paths.append(path)
            return
        for child, step in zip(td.children, _steps(td)):
            walk(child, path + (step,))

    walk(treedef, ())
    return paths


def _leaves(node):
    for item in node.items:
        if isinstance(item, _Node):
            yield from _leaves(item)
        else:
            yield item


def _plain_kind(kind):
    if kind == SCALAR or is_array(kind):
        return kind
    if kind == ("int",):
        return SCALAR
    if kind[0] == "data":
        return ("array", kind[1])
    return None


def _compile(func, tree, params, body, free):
    """The rewritten function, compiled (inside a function binding ``free``, so those are closure names), with its
    text registered in linecache (source mode reads it back from there)."""
    inner = ast.FunctionDef(func.__name__, ast.arguments([], [ast.arg(p) for p in params], None, [], [], None, []),
                            body or [ast.Pass()], [], None)
    outer = ast.FunctionDef("_sg_structured", ast.arguments([], [ast.arg(n) for n in free], None, [], [], None, []),
                            [inner, ast.Return(ast.Name(func.__name__, ast.Load()))], [], None)
    if hasattr(ast.FunctionDef, "type_params"):
        inner.type_params = []
        outer.type_params = []
    module = ast.fix_missing_locations(ast.Module([outer], []))
    text = ast.unparse(module) + "\n"
    filename = f"<sourcegrad structured {func.__qualname__} {zlib.crc32(text.encode()):08x}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["_sg_structured"](*[None] * len(free))


class _Rewriter:
    """Rewrites a function body: reads of structures become reads of leaves (see the module's docstring)."""

    def __init__(self, target, env):
        self.function = target     # the _Target rewritten
        self.source = source = target.source
        self.loads = _loads(source.tree)   # name -> how many times the function reads it
        self.env = dict(env)     # name -> _Node: names holding a structure (or part of one)
        self.consts = {}         # name -> value known when generating (loop indices, dict keys)
        self.subst = {}          # inside an expanded comprehension: its variables

    def error(self, node, message):
        return self.source.error(node, message, _HINT)

    # ---- statements

    def block(self, body, conditional):
        out = []
        for stmt in body:
            out.extend(self.statement(stmt, conditional))
        return out

    def statement(self, stmt, conditional):
        for node in ast.walk(stmt):
            if isinstance(node, ast.NamedExpr):
                self.check_target(node.target, True)
        if isinstance(stmt, ast.Assign):
            return self.assign(stmt, conditional)
        if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            if stmt.value is None:
                return [stmt]
            self.check_target(stmt.target, conditional)
            stmt.value = self.expr(stmt.value)
            stmt.target = self.target(stmt.target)
            return [stmt]
        if isinstance(stmt, ast.For):
            return self.for_loop(stmt, conditional)
        if isinstance(stmt, (ast.While, ast.If)):
            stmt.test = self.expr(stmt.test)
            if isinstance(stmt, ast.While):
                self.forget(stmt.body + stmt.orelse, stmt)
            stmt.body = self.block(stmt.body, True) or [ast.Pass()]
            stmt.orelse = self.block(stmt.orelse, True)
            return [stmt]
        if isinstance(stmt, (ast.Return, ast.Expr)):
            if stmt.value is not None:
                stmt.value = self.expr(stmt.value)
            return [stmt]
        if isinstance(stmt, ast.With):
            for item in stmt.items:
                item.context_expr = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.check_target(item.optional_vars, conditional)
            stmt.body = self.block(stmt.body, conditional)
            return [stmt]
        # anything else (try, nested functions, del, global...): only when it does not touch a structure
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id in self.env:
                raise self.error(node, f"{node.id} holds (part of) a structured parameter, and source mode does not "
                                       f"follow it into a {type(stmt).__name__.lower()} statement")
        for name in _stored(stmt):
            if name in self.env:
                raise self.error(stmt, f"{name} holds (part of) a structured parameter and is rebound by this "
                                       f"{type(stmt).__name__.lower()} statement; source mode does not follow that")
            self.consts.pop(name, None)
        return [stmt]

    def assign(self, stmt, conditional):
        value = self.resolve(stmt.value)
        if isinstance(value, _Node) and len(stmt.targets) == 1:
            if conditional:
                raise self.error(stmt, "binding a name to (part of) a structured parameter inside a branch or a "
                                       "loop that is not unrolled is not followed by source mode")
            out = []
            self.bind(stmt.targets[0], value, out, stmt)
            return out
        for target in stmt.targets:
            self.check_target(target, conditional)
        stmt.value = self.expr(stmt.value)
        stmt.targets = [self.target(t) for t in stmt.targets]
        return [stmt]

    def check_target(self, target, conditional):
        """A store: never into a structure; a name holding one may be rebound only outside branches and loops."""
        for node in ast.walk(target):
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(self.resolve(node.value), _Node):
                raise self.error(node, "assigning into a structured parameter (or a part of it) is not followed by "
                                       "source mode")
        for name in _stored_names(target):
            if name in self.env:
                if conditional:
                    raise self.error(target, f"{name} holds (part of) a structured parameter and is rebound inside "
                                             "a branch or a loop; source mode does not follow that")
                del self.env[name]
            self.consts.pop(name, None)

    def target(self, target):
        """A store target with the expressions inside it (indices) rewritten."""
        if isinstance(target, ast.Subscript):
            target.value = self.target(target.value) if isinstance(target.value, (ast.Subscript, ast.Attribute)) \
                else target.value
            target.slice = self.expr(target.slice)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, (ast.Subscript, ast.Attribute)):
            target.value = self.target(target.value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            target.elts = [self.target(t) for t in target.elts]
        return target

    def bind(self, target, value, out, where):
        """Bind ``target`` to a symbolic ``value`` (_Node, _Leaf, _Const, or a tuple of them): names holding a
        structure go into ``env``, others get an assignment appended to ``out``."""
        if isinstance(target, ast.Name):
            self.consts.pop(target.id, None)
            self.env.pop(target.id, None)
            if isinstance(value, _Node):
                self.env[target.id] = value
                return
            if isinstance(value, tuple):
                raise self.error(where, f"{target.id} would hold a tuple of parts of a structure; unpack it "
                                        "(for i, layer in enumerate(params))")
            if isinstance(value, _Const):
                self.consts[target.id] = value.value
                expr = self.known(value.value)
            else:
                expr = value.expr()
            out.append(ast.copy_location(ast.Assign([ast.Name(target.id, ast.Store())], expr), where))
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, _Node) and value.sequence:
                items = value.items
            elif isinstance(value, _Node) and value.kind == "dataclass":
                raise self.error(where, "a dataclass cannot be unpacked")
            elif isinstance(value, _Node):   # a dict unpacks into its keys
                items = [_Const(k) for k in value.keys]
            elif isinstance(value, tuple):
                items = value
            else:
                raise self.error(where, "unpacking a value that is not a structure here is not followed")
            if any(isinstance(t, ast.Starred) for t in target.elts):
                raise self.error(where, "starred unpacking of a structure is not followed by source mode")
            if len(items) != len(target.elts):
                raise self.error(where, f"unpacking {len(items)} items into {len(target.elts)} names")
            for t, item in zip(target.elts, items):
                self.bind(t, item, out, where)
            return
        raise self.error(where, "binding part of a structure to something other than names is not followed")

    def forget(self, body, where):
        """Before a loop that is not unrolled: names it stores are not constants any more, and must not hold
        structures (their value would change from one iteration to the next)."""
        for stmt in body:
            for name in _stored(stmt):
                if name in self.env:
                    raise self.error(where, f"{name} holds (part of) a structured parameter and is rebound in a "
                                            "loop; source mode does not follow that")
                self.consts.pop(name, None)

    def for_loop(self, stmt, conditional):
        items = self.elements(stmt.iter)
        if items is None and isinstance(stmt.target, ast.Name):
            items = self.range_indexing(stmt)
        if items is None:
            stmt.iter = self.expr(stmt.iter)
            self.forget([stmt], stmt)
            self.check_target(stmt.target, conditional)
            stmt.body = self.block(stmt.body, True)
            stmt.orelse = self.block(stmt.orelse, True)
            return [stmt]
        if stmt.orelse or any(isinstance(n, (ast.Break, ast.Continue)) for n in _walk_loop_body(stmt.body)):
            raise self.error(stmt, "a loop over a structure with break, continue or else is not unrolled by source "
                                   "mode")
        out = []
        before = dict(self.env)
        if conditional:
            # in a branch or a loop not unrolled, a name the loop binds to part of a structure must not be read
            # anywhere but in the loop (elsewhere it may hold that part, or what it held before, or a later one)
            inside = _loads(stmt)
            for name in _stored_names(stmt.target):
                if inside.get(name, 0) != self.loads.get(name, 0):
                    raise self.error(stmt, f"{name} is bound to parts of a structured parameter by a loop inside a "
                                           "branch or another loop, and read outside it; source mode does not "
                                           "follow that")
        for item in items:
            self.bind(stmt.target, item, out, stmt)
            out.extend(self.block(copy.deepcopy(stmt.body), conditional))
        if conditional:   # whether the loop ran is known only at run time: what it bound is unknown after it
            for name in set(before) | set(self.env):
                if self.env.get(name) is not before.get(name):
                    self.env[name] = _POISON
        return out

    def range_indexing(self, stmt):
        """``for i in range(<constants>)`` whose body indexes a structure with ``i``: unrolled (the indices are then
        known); None otherwise."""
        it = stmt.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                and not it.keywords and 1 <= len(it.args) <= 3 and self.builtin("range")):
            return None
        bounds = [self.constant(a) for a in it.args]
        if any(b is _UNKNOWN or type(b) is not int for b in bounds):
            return None
        name = stmt.target.id
        indexes = any(isinstance(n, ast.Subscript) and any(isinstance(m, ast.Name) and m.id == name
                                                           for m in ast.walk(n.slice))
                      and isinstance(n.value, ast.Name) and n.value.id in self.env
                      for n in ast.walk(ast.Module(stmt.body, [])))
        values = range(*bounds)
        if not indexes or len(values) > 1000:
            return None
        return [_Const(v) for v in values]

    # ---- what expressions denote

    def known(self, value):
        """An expression for a value known while generating (a dict key, a loop index): a literal, or for a value
        no literal writes (an enum member, an object) a closure name holding it."""
        if _literal(value):
            return ast.Constant(value)
        name = next((n for n, v in self.function.cells.items() if v is value), None)
        if name is None:
            name = self.function.name("key")
            self.function.cells[name] = value
        return ast.Name(name, ast.Load())

    def builtin(self, name):
        """Whether ``name`` read here is Python's builtin of that name, not a local, closure or global name of the
        function shadowing it (what was read is guarded: a global of that name defined later changes the code)."""
        if name in self.env or name in self.subst or name in self.function.local:
            return False
        found, value = self.source.resolve(name)
        return found and value is getattr(builtins, name)

    def resolve(self, node):
        """The symbolic value of ``node`` when it reads a structure (a _Node or _Leaf), else None."""
        if isinstance(node, ast.Name):
            if node.id in self.subst:
                value = self.subst[node.id]
                return value if isinstance(value, (_Node, _Leaf)) else None
            value = self.env.get(node.id)
            if value is _POISON:
                raise self.error(node, f"{node.id} was bound to part of a structured parameter on some paths only "
                                       "(in a loop inside a branch); source mode does not follow that")
            return value
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value)
            if not isinstance(base, _Node):
                return None
            return self.item(base, node)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if not isinstance(base, _Node):
                return None
            if base.kind in ("namedtuple", "dataclass") and node.attr in base.keys:
                return base.items[base.keys.index(node.attr)]
            raise self.error(node, f"reading .{node.attr} of the structured parameter {path_text(base.path, '')!r} "
                                   "is not followed by source mode" if base.path else
                             f"reading .{node.attr} of a structured parameter is not followed by source mode")
        return None

    def item(self, base, node):
        index = node.slice
        if isinstance(index, ast.Slice):
            if not base.sequence:
                raise self.error(node, "slicing a dict or dataclass")
            bounds = [None if b is None else self.constant(b) for b in (index.lower, index.upper, index.step)]
            if any(b is _UNKNOWN for b in bounds):
                raise self.error(node, "slicing a structured parameter with bounds known only at run time is not "
                                       "followed by source mode")
            picked = list(range(len(base.items)))[slice(*bounds)]
            kind = "list" if base.kind == "list" else "tuple"
            return _Node(kind, (), [base.items[i] for i in picked], base.path)
        key = self.constant(index)
        if key is _UNKNOWN:
            raise self.error(node, "indexing a structured parameter with a value known only at run time is not "
                                   "followed by source mode (loop over it: for layer in params)")
        if base.sequence:
            if type(key) is not int or not -len(base.items) <= key < len(base.items):
                raise self.error(node, f"index {key!r} is out of range for a sequence of {len(base.items)} items")
            return base.items[key]
        if base.kind == "dict":
            if key not in base.keys:
                raise self.error(node, f"key {key!r} is not in the dict (its keys: {list(base.keys)})")
            return base.items[base.keys.index(key)]
        raise self.error(node, "a dataclass is read by attribute, not by index")

    def constant(self, node):
        """The value of ``node`` when it is known while generating (a literal, a loop index, ``len`` of a
        structure, arithmetic on those), else _UNKNOWN."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.subst:
                value = self.subst[node.id]
                return value.value if isinstance(value, _Const) else _UNKNOWN
            return self.consts.get(node.id, _UNKNOWN)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.constant(node.operand)
            return -value if type(value) is int else _UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
            left, right = self.constant(node.left), self.constant(node.right)
            if type(left) is int and type(right) is int and not (isinstance(node.op, ast.FloorDiv) and right == 0):
                return {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
                        ast.FloorDiv: int.__floordiv__}[type(node.op)](left, right)
            return _UNKNOWN
        length = self.length(node)
        return _UNKNOWN if length is None else length

    def length(self, node):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
                and len(node.args) == 1 and not node.keywords and self.builtin("len")):
            value = self.resolve(node.args[0])
            if isinstance(value, _Node):
                return len(value.items)
        return None

    def elements(self, node):
        """The items a loop over ``node`` visits, when ``node`` is a structure (or enumerate/zip/reversed/items
        of structures), else None."""
        value = self.resolve(node)
        if isinstance(value, _Node):
            if value.kind == "dataclass":
                raise self.error(node, "a dataclass is not iterable")
            return list(value.items) if value.sequence else [_Const(k) for k in value.keys]
        if not isinstance(node, ast.Call) or node.keywords:
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not node.args:
            base = self.resolve(func.value)
            if isinstance(base, _Node) and base.kind == "dict":
                keys = [_Const(k) for k in base.keys]
                return {"keys": keys, "values": list(base.items),
                        "items": list(zip(keys, base.items))}[func.attr]
            return None
        if isinstance(func, ast.Name) and func.id in ("enumerate", "zip", "reversed") and self.builtin(func.id):
            if func.id == "enumerate" and len(node.args) in (1, 2):
                inner = self.elements(node.args[0])
                start = self.constant(node.args[1]) if len(node.args) == 2 else 0
                if inner is None or type(start) is not int:
                    return None
                return [(_Const(start + i), item) for i, item in enumerate(inner)]
            if func.id == "zip" and node.args:
                inners = [self.elements(a) for a in node.args]
                if any(i is None for i in inners):
                    if any(i is not None for i in inners):
                        raise self.error(node, "zip of a structure with a value that is not one is not followed")
                    return None
                return list(zip(*inners))
            if func.id == "reversed" and len(node.args) == 1:
                inner = self.elements(node.args[0])
                return None if inner is None else inner[::-1]
        return None

    # ---- expressions

    def expr(self, node):
        """``node`` with reads of leaves replaced by the leaves' names; an error for a structure used whole."""
        value = self.resolve(node)
        if isinstance(value, _Leaf):
            return ast.copy_location(value.expr(), node)
        if isinstance(value, _Node):
            raise self.error(node, f"{ast.unparse(node)} is (part of) a structured parameter used as a whole "
                                   "(passed to a function, returned, put in a container); source mode follows only "
                                   "reads of its leaves")
        if isinstance(node, ast.Name):
            if node.id in self.subst and isinstance(self.subst[node.id], _Const):
                return ast.copy_location(self.known(self.subst[node.id].value), node)
            return node
        length = self.length(node)
        if length is not None:
            return ast.copy_location(ast.Constant(length), node)
        if isinstance(node, ast.Call) and any(isinstance(self.resolve(a), _Node)
                                              for a in node.args + [k.value for k in node.keywords]):
            return ast.copy_location(self.helper_call(node), node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            expanded = self.comprehension(node)
            if expanded is not None:
                return ast.copy_location(ast.List(expanded, ast.Load()), node)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum"
                and len(node.args) == 1 and not node.keywords and self.builtin("sum")
                and isinstance(node.args[0], (ast.ListComp, ast.GeneratorExp))):
            expanded = self.comprehension(node.args[0])
            if expanded is not None:
                if not expanded:
                    return ast.copy_location(ast.Constant(0), node)
                total = expanded[0]
                for item in expanded[1:]:
                    total = ast.BinOp(total, ast.Add(), item)
                return ast.copy_location(total, node)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return self.nested_scope(node)
        for field, old in ast.iter_fields(node):
            if isinstance(old, list):
                setattr(node, field, [self.expr(v) if isinstance(v, ast.expr) else self.inner(v) for v in old])
            elif isinstance(old, ast.expr):
                setattr(node, field, self.expr(old))
            elif isinstance(old, ast.AST):
                setattr(node, field, self.inner(old))
        return node

    def nested_scope(self, node):
        """A lambda or a comprehension (not over a structure): rewritten with the names it binds as its own (they
        hide a structure, a loop index or a comprehension variable of the same name outside it)."""
        if isinstance(node, ast.Lambda):
            node.args = self.inner(node.args)       # (defaults: evaluated outside)
            args = node.args
            names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
            names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        else:
            first = node.generators[0]
            first.iter = self.expr(first.iter)       # (evaluated outside)
            names = [n for gen in node.generators for n in _stored_names(gen.target)]
        saved = self.env, self.subst, self.consts
        self.env = {k: v for k, v in self.env.items() if k not in names}
        self.subst = {k: v for k, v in self.subst.items() if k not in names}
        self.consts = {k: v for k, v in self.consts.items() if k not in names}
        try:
            if isinstance(node, ast.Lambda):
                node.body = self.expr(node.body)
            else:
                for i, gen in enumerate(node.generators):
                    if i:
                        gen.iter = self.expr(gen.iter)
                    gen.ifs = [self.expr(test) for test in gen.ifs]
                if isinstance(node, ast.DictComp):
                    node.key, node.value = self.expr(node.key), self.expr(node.value)
                else:
                    node.elt = self.expr(node.elt)
        finally:
            self.env, self.subst, self.consts = saved
        return node

    def helper_call(self, node):
        """A call passing (part of) a structure to a Python function of the user's: the function rewritten too, for
        these structures, and called with their leaves (source mode then inlines it as any helper)."""
        func = node.func
        what = f"passing (part of) a structured parameter to {ast.unparse(func)}(...)"
        if not isinstance(func, ast.Name) or func.id in self.env or func.id in self.subst \
                or func.id in self.function.local:
            raise self.error(node, f"{what} is followed only for a function named by a global or closure name")
        found, callee = self.source.resolve(func.id)
        if not found or type(callee) is not types.FunctionType or registry.lookup_vjp(callee) is not None:
            raise self.error(node, f"{what}: it is not a Python function without a derivative rule, so source mode "
                                   "cannot follow the structure into it")
        if callee in self.function.build.stack:
            raise self.error(node, f"{what}: a recursive call")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise self.error(node, f"{what} with * or ** arguments is not followed")
        signature = inspect.signature(callee)
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature.parameters.values()):
            raise self.error(node, f"{what}, which takes *args or **kwargs, is not followed")
        try:
            bound = signature.bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as exc:
            raise self.error(node, f"{what}: {exc}") from None
        given = []
        for name, param in signature.parameters.items():
            if name in bound.arguments:
                given.append((name, bound.arguments[name]))
            elif type(param.default) in (int, float, str, bool, type(None)):
                given.append((name, ast.Constant(param.default)))
            else:
                raise self.error(node, f"{what} leaves out {name}, whose default is not a constant")
        values = [(name, self.resolve(arg)) for name, arg in given]
        key = (callee, tuple((name, id(v)) for name, v in values if isinstance(v, _Node)))
        build = self.function.build
        if key not in build.helpers:
            build.helpers[key] = _rewrite_helper(callee, values, build)
        flat, order = build.helpers[key]
        cell = next((n for n, v in self.function.cells.items() if v is flat), None)
        if cell is None:
            cell = self.function.name(callee.__name__)
            self.function.cells[cell] = flat
        # the arguments in the order they are written (they are evaluated in that order), then the defaults
        value_of = dict(values)
        written = [(name, arg, False) for name, arg in given if any(arg is a for a in node.args)]
        written += [(k.arg, k.value, True) for k in node.keywords]
        written += [(name, arg, True) for name, arg in given if name not in bound.arguments]
        args, keywords = [], []
        for name, arg, by_keyword in written:
            if isinstance(value_of[name], _Node):
                pairs = [(helper_name, leaf.expr()) for helper_name, leaf in order[name]]
            else:
                pairs = [(name, self.expr(arg))]
            if by_keyword:
                keywords.extend(ast.keyword(n, e) for n, e in pairs)
            else:
                args.extend(e for _, e in pairs)
        return ast.Call(ast.Name(cell, ast.Load()), args, keywords)

    def inner(self, node):
        """Parts of expressions that are not expressions (keywords, comprehension clauses, arguments of a lambda):
        their expressions rewritten."""
        if isinstance(node, (ast.arguments, ast.arg)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in self.env:
                    raise self.error(sub, f"{sub.id} holds a structured parameter and is used in a default value")
            return node
        for field, old in ast.iter_fields(node):
            if isinstance(old, list):
                setattr(node, field, [self.expr(v) if isinstance(v, ast.expr) else
                                      self.inner(v) if isinstance(v, ast.AST) else v for v in old])
            elif isinstance(old, ast.expr):
                setattr(node, field, self.expr(old))
            elif isinstance(old, ast.AST):
                setattr(node, field, self.inner(old))
        return node

    def comprehension(self, node):
        """The items of a comprehension over a structure, each its element expression rewritten with the loop
        variables bound; None when it does not loop over a structure."""
        if len(node.generators) != 1:
            return None
        gen = node.generators[0]
        items = self.elements(gen.iter)
        if items is None:
            return None
        if gen.ifs or gen.is_async:
            raise self.error(node, "a comprehension over a structure with a condition is not followed by source mode")
        out = []
        saved = dict(self.subst)
        try:
            for item in items:
                self.subst = dict(saved)
                self.substitute(gen.target, item, node)
                out.append(self.expr(copy.deepcopy(node.elt)))
        finally:
            self.subst = saved
        return out

    def substitute(self, target, value, where):
        if isinstance(target, ast.Name):
            self.subst[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, _Node) and value.sequence:
                items = value.items
            elif isinstance(value, tuple):
                items = value
            elif isinstance(value, _Node) and value.kind == "dict":
                items = [_Const(k) for k in value.keys]
            else:
                raise self.error(where, "unpacking a value that is not a structure here is not followed")
            if len(items) != len(target.elts) or any(isinstance(t, ast.Starred) for t in target.elts):
                raise self.error(where, f"unpacking {len(items)} items into {len(target.elts)} names")
            for t, item in zip(target.elts, items):
                self.substitute(t, item, where)
            return
        raise self.error(where, "a comprehension variable that is not a name")


def _rewrite_helper(callee, values, build):
    """``(function, order)``: ``callee`` rewritten for the structures in ``values`` (``(parameter, _Node or
    None)``), and per structured parameter its new parameters with the caller's leaf each takes, in order."""
    target = _Target(callee, build)
    env, params, order = {}, [], {}
    for name, value in values:
        if not isinstance(value, _Node):
            params.append(name)
            continue
        mirrored = _mirror(value, name, target, [])
        env[name] = mirrored.node
        params.extend(helper_name for helper_name, _ in mirrored.pairs)
        order[name] = mirrored.pairs
    build.stack.append(callee)
    try:
        body = _Rewriter(target, env).block(target.source.tree.body, conditional=False)
    finally:
        build.stack.pop()
    return target.compile(params, body), order


class _Unknown:
    def __repr__(self):
        return "<unknown>"


_UNKNOWN = _Unknown()


def _loads(tree):
    counts = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _stored_names(target):
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))]


def _stored(stmt):
    """The names a statement (with what it contains) binds or deletes."""
    names = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.append(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
    return names


def _walk_loop_body(body):
    """The nodes of a loop body, not those of loops nested in it (their break and continue are theirs)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
                stack.append(child)
            else:
                yield child
