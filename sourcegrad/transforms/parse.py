"""Read a function's source, parse it with gast, and keep what errors need to point at it."""

import __future__
import ast
import builtins
import inspect
import linecache
import sys
import textwrap
import types

import gast

from ..errors import TransformError, UnsupportedError
from ..tape.namespace import TAPED_TYPE, original_of


ABSENT = object()   # what a guard expects of a name that was not bound when it was resolved


class CellView:
    """A closure cell seen as a one-entry mapping, so a guard reads it like a module's globals."""

    __slots__ = ("cell",)

    def __init__(self, cell):
        self.cell = cell

    def get(self, key, default=None):
        try:
            return self.cell.cell_contents
        except ValueError:   # empty
            return default


class Source:
    """Where a parsed function came from, and how names in it resolve.

    ``filename``/``first_line`` map node line numbers (1 = the ``def`` line) back to the file;
    ``indent`` is the column the dedented source was shifted by.

    Every free name the transformer looks up goes through ``resolve``, which records what it found
    in ``resolved``: ``(mapping, name, object)`` triples (a module's globals dict, a closure cell
    seen through ``CellView``, the builtins dict; ``ABSENT`` for a name that was not bound there).
    Generated code is valid only while each ``mapping.get(name, ABSENT) is object`` still holds
    (see ``guards``).
    """

    def __init__(self, func, tree, filename, first_line, indent, lines):
        self.func = func
        self.tree = tree
        self.filename = filename
        self.first_line = first_line
        self.indent = indent
        self.lines = lines
        code = func.__code__
        cells = func.__closure__ or ()
        self.closure = dict(zip(code.co_freevars, cells))
        self.globals = func.__globals__
        self.resolved = {}   # name -> [(mapping, name, object)], what resolve found

    def resolve(self, name):
        """(True, value) for a name free in the function (closure, global, builtin), else (False, None).

        What was found (or not) is recorded for ``guards``."""
        found, value, record = self._lookup(name)
        self.resolved[name] = record
        return found, value

    def _lookup(self, name):
        # while a function runs on the tape, the user's modules hold Tensor-aware stand-ins for math, np and
        # type (sourcegrad.tape.namespace): source mode reads what they stand in for, and its guards accept both
        if name in self.closure:
            view = CellView(self.closure[name])
            value = original_of(view.get(name, ABSENT))
            if value is ABSENT:   # cell not yet filled
                return False, None, [(view, name, ABSENT)]
            return True, value, [(view, name, value)]
        if name in self.globals and self.globals[name] is not TAPED_TYPE:
            value = original_of(self.globals[name])
            return True, value, [(self.globals, name, value)]
        builtin = self.globals.get("__builtins__", builtins)
        if isinstance(builtin, types.ModuleType):
            builtin = builtin.__dict__
        record = [(self.globals, name, ABSENT)]   # a global of that name defined later would shadow it
        if name in builtin:
            value = builtin[name]
            return True, value, record + [(builtin, name, value)]
        return False, None, record + [(builtin, name, ABSENT)]

    def resolve_attribute(self, obj, attr):
        """(True, value) for ``obj.attr`` read statically by the transformer (``mod.helper``, an alias
        of a module), else (False, None); what was read is recorded for ``guards`` when it can be
        guarded (a value stored in a module's, class's or instance's namespace). ``guards`` also walks
        the attribute chains of the source itself, so this is needed only for reads it cannot see."""
        found, value = _attribute_guards(obj, attr)
        if found is None:
            try:
                return True, getattr(obj, attr)
            except Exception:
                return False, None
        if value is ABSENT and isinstance(obj, types.ModuleType):   # a submodule loaded lazily (np.fft)
            try:
                value = getattr(obj, attr)
            except AttributeError:
                value = ABSENT
            found = [(vars(obj), attr, vars(obj).get(attr, ABSENT))]
        self.resolved.setdefault(f"<attribute {attr}>", []).extend(found)
        return value is not ABSENT, (None if value is ABSENT else value)

    def guards(self):
        """The ``(mapping, name, object)`` triples generated code from this function relies on: every
        name ``resolve`` looked up, and the module attributes read through them (``mod.helper``,
        ``np.linalg.norm``: every attribute chain of the source rooted at a resolved module)."""
        out = [triple for record in self.resolved.values() for triple in record]
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                chain = []
                base = node
                while isinstance(base, ast.Attribute):
                    chain.append(base.attr)
                    base = base.value
                if not isinstance(base, ast.Name) or base.id not in self.resolved:
                    continue
                obj = self.resolved[base.id][-1][2]
                for attr in reversed(chain):
                    found, obj = _attribute_guards(obj, attr)
                    if found is None:
                        break
                    out.extend(found)
                    if obj is ABSENT:
                        break
        view = FunctionView(self.func)   # the code and defaults that were transformed
        out.extend((view, key, getattr(self.func, key)) for key in ("__code__", "__defaults__", "__kwdefaults__"))
        return out

    def location(self, node):
        """(filename, lineno, col, line text) of a node of this function, for error messages."""
        lineno = getattr(node, "lineno", 1)
        file_line = self.first_line + lineno - 1
        col = getattr(node, "col_offset", None)
        if col is not None:
            col += self.indent
        index = lineno - 1
        text = self.lines[index] if 0 <= index < len(self.lines) else None
        return self.filename, file_line, col, text

    def error(self, node, message, hint=None, cls=UnsupportedError):
        """An error of class ``cls`` pointing at ``node``."""
        filename, lineno, col, text = self.location(node)
        return cls(message, filename, lineno, col, text, hint)


class FunctionView:
    """A function's ``__code__``/``__defaults__``/``__kwdefaults__`` seen as a mapping, so a guard
    notices a hot reload (``f.__code__ = ...``) or new defaults of a function that was transformed."""

    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func

    def get(self, key, default=None):
        return getattr(self.func, key, default)


_PLAIN_DESCRIPTORS = (types.FunctionType, staticmethod, classmethod)


def _attribute_guards(obj, attr):
    """``(guards, value)`` for reading ``obj.attr`` where the value is stored in namespace dicts (a
    module's; an instance's and its class's; a class's along its MRO): the guards say where it was
    found and that nothing before it in the lookup shadows it. ``(None, None)`` for what cannot be
    guarded (a property, a slot, ``__getattr__``...): not followed further."""
    if isinstance(obj, types.ModuleType):
        namespace = vars(obj)
        return [(namespace, attr, namespace.get(attr, ABSENT))], namespace.get(attr, ABSENT)
    if obj is ABSENT:
        return None, None
    guards = []
    if not isinstance(obj, type):
        namespace = getattr(obj, "__dict__", None)
        if type(namespace) is not dict or _custom_getattribute(type(obj)):
            return None, None
        owner = _class_lookup(type(obj), attr)
        if owner is not None and hasattr(type(owner[2]), "__set__"):   # a data descriptor (property)
            return None, None
        if attr in namespace:
            return [(namespace, attr, namespace[attr])], namespace[attr]
        if owner is None or not isinstance(owner[2], _PLAIN_DESCRIPTORS + (int, float, str, tuple)):
            return None, None
        guards.append((namespace, attr, ABSENT))
        guards.extend(owner[0])
    else:
        if _custom_getattribute(type(obj)):   # a metaclass's
            return None, None
        owner = _class_lookup(obj, attr)
        if owner is None:
            return None, None
        value = owner[2]
        if hasattr(type(value), "__get__") and not isinstance(value, _PLAIN_DESCRIPTORS):
            return None, None
        guards.extend(owner[0])
    try:
        return guards, getattr(obj, attr)
    except Exception:
        return None, None


def _custom_getattribute(cls):
    return any(isinstance(vars(klass).get("__getattribute__"), types.FunctionType) for klass in cls.__mro__)


def _class_lookup(cls, attr):
    """``(guards, class, raw value)`` of ``attr`` along ``cls``'s MRO, or None."""
    guards = []
    for klass in cls.__mro__:
        namespace = vars(klass)
        if attr in namespace:
            guards.append((namespace, attr, namespace[attr]))
            return guards, klass, namespace[attr]
        guards.append((namespace, attr, ABSENT))
    return None


TAPE_HINT = 'Use mode="tape" to differentiate it by tracing instead.'


def parse_function(func):
    """Parse ``func`` with gast into a standard-library ``ast.FunctionDef``, with its Source record.

    gast reads the source the same way on every Python version we support; the passes after this
    one work on the running interpreter's own ``ast`` so that ``ast.unparse`` can emit it."""
    # Never unwrap a functools.wraps wrapper: the wrapper is what runs. Only our own @sg.primitive
    # wrapper stands for the function it wraps (it calls it unchanged).
    func = getattr(func, "__sourcegrad_primitive__", func)
    if not isinstance(func, types.FunctionType):
        raise TransformError(
            f"{func!r} is not a Python function, so there is no source to transform. "
            "Register a derivative for it with sg.vjp_rule, or use mode=\"tape\"."
        )
    name = func.__qualname__
    try:
        # the code object, not the function: inspect would follow __wrapped__ to another function
        lines, first_line = inspect.getsourcelines(func.__code__)
        filename = inspect.getsourcefile(func.__code__) or func.__code__.co_filename
    except (OSError, TypeError) as exc:
        raise TransformError(
            f"the source of {name} is not available ({exc}); functions typed into a REPL or made "
            "with exec have none. Put it in a file, or use mode=\"tape\"."
        ) from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = _first_indent(text) - _first_indent(dedented)
    try:
        module = gast.parse(dedented)
    except SyntaxError as exc:
        raise TransformError(f"could not parse the source of {name}: {exc}", filename, first_line) from None
    tree = module.body[0] if module.body else None
    if isinstance(tree, gast.Assign) and isinstance(tree.value, gast.Lambda) or isinstance(tree, gast.Expr):
        raise UnsupportedError(
            f"{name} is a lambda; source mode transforms functions written with def",
            filename, first_line, None, lines[0], TAPE_HINT,
        )
    if not isinstance(tree, gast.FunctionDef):
        kind = "an async function" if isinstance(tree, gast.AsyncFunctionDef) else "not a plain function"
        raise UnsupportedError(f"{name} is {kind}", filename, first_line, None, lines[0], TAPE_HINT)
    if func.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE):
        raise UnsupportedError(f"{name} is a generator or coroutine", filename, first_line, None, lines[0], TAPE_HINT)
    _check_source_is_running_code(func, text, filename, first_line)
    tree.decorator_list = []
    tree = gast.gast_to_ast(tree)
    return Source(func, tree, filename, first_line, indent, [line.rstrip("\n") for line in lines])


# compiler flags of `from __future__ import ...` that change the code compiled (annotations...)
_FUTURE_FLAGS = 0
for _feature in ("annotations", "generator_stop", "barry_as_FLUFL"):
    if hasattr(__future__, _feature):
        _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _check_source_is_running_code(func, text, filename, first_line):
    """Raise TransformError unless ``text`` (the source ``inspect`` found) compiles to ``func``'s
    own code: a file edited after it was imported must not be differentiated in place of the code
    that runs.

    The def is compiled (decorators dropped) inside a dummy function that binds the code's free
    variables, so closures compile as closures, and inside a class of the same name for a method, so
    private names are mangled alike; code objects are compared without their line numbers."""
    code = func.__code__
    try:
        compiled = _compile_like(func, text)
    except Exception:   # SyntaxError or an unexpected shape of the source: we cannot confirm it
        compiled = None
    if compiled is not None and _same_code(compiled, code):
        return
    raise TransformError(
        f"the source of {func.__qualname__} in {filename} changed since it was imported (the text on disk no "
        "longer compiles to the running code: the file was edited, or the function's __code__ replaced), so "
        "source mode cannot tell what runs; restart the program or re-import the module to differentiate "
        "the new text, or use mode=\"tape\" to differentiate the running code",
        filename, first_line,
    )


def _compile_like(func, text):
    code = func.__code__
    if text[:1].isspace():   # indented (a method, a nested def): parsed in place, so that multi-line
        tree = ast.parse("if 1:\n" + text).body[0].body[0]   # strings keep their indentation
        ast.increment_lineno(tree, code.co_firstlineno - 2)
    else:
        tree = ast.parse(text).body[0]
        ast.increment_lineno(tree, code.co_firstlineno - 1)   # line numbers of the file
    tree.decorator_list = []
    body = [tree]
    parts = func.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":   # a method: compile it in a class of that name
        cls = ast.ClassDef(name=parts[-2], bases=[], keywords=[], body=body, decorator_list=[])
        if hasattr(ast.ClassDef, "type_params"):
            cls.type_params = []
        body = [cls]
    in_class = body[0] is not tree
    free = [n for n in code.co_freevars if not (in_class and n == "__class__")]
    if free:   # a nested function: compile it nested, its free variables bound in the outer function
        body = [ast.Assign([ast.Name(n, ast.Store()) for n in free], ast.Constant(None))] + body
        outer = ast.FunctionDef(
            name="_sourcegrad_outer",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=body, decorator_list=[], returns=None,
        )
        if hasattr(ast.FunctionDef, "type_params"):
            outer.type_params = []
        top = [outer]
        path = ["_sourcegrad_outer"]
    else:
        top = body
        path = []
    imported = _module_imports(code.co_filename)
    if imported:   # Python 3.11 compiles method calls on names imported at module level differently
        top.insert(0, ast.Import([ast.alias(n) for n in imported]))
    wrapper = ast.Module(top, type_ignores=[])
    ast.fix_missing_locations(wrapper)
    if _rewritten_by_pytest(code):   # a test module: pytest rewrote its asserts when importing it
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(wrapper, "".join(linecache.getlines(code.co_filename)).encode(), code.co_filename)
        ast.fix_missing_locations(wrapper)
    compiled = compile(wrapper, code.co_filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True)
    path += ([parts[-2]] if in_class else []) + [code.co_name]
    for step in path:   # module -> dummy function -> [class ->] the def
        compiled = next((c for c in compiled.co_consts if isinstance(c, types.CodeType) and c.co_name == step), None)
        if compiled is None:
            return None
    return compiled


def _rewritten_by_pytest(code):
    if "_pytest.assertion.rewrite" not in sys.modules:
        return False
    stack = [code]
    while stack:
        c = stack.pop()
        if "@pytest_ar" in c.co_names or "@py_builtins" in c.co_names:
            return True
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return False


_IMPORTS = {}   # filename -> (the linecache lines it was computed from, names imported at module level)


def _module_imports(filename):
    """The names bound by import statements at the top level of the module in ``filename``."""
    lines = linecache.getlines(filename)
    cached = _IMPORTS.get(filename)
    if cached is not None and cached[0] is lines:
        return cached[1]
    names = []
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        tree = ast.Module([], [])
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            names.extend(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.extend(a.asname or a.name for a in node.names if a.name != "*")
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt))
    names = sorted(set(names))
    _IMPORTS[filename] = (lines, names)
    return names


def _same_code(a, b):
    """Equal code objects, line numbers aside (nested code objects compared the same way)."""
    if (a.co_code != b.co_code or a.co_names != b.co_names or a.co_varnames != b.co_varnames
            or a.co_freevars != b.co_freevars or a.co_cellvars != b.co_cellvars
            or a.co_argcount != b.co_argcount or a.co_kwonlyargcount != b.co_kwonlyargcount
            or len(a.co_consts) != len(b.co_consts)):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or not _same_constant(x, y):
            return False
    return True


def _same_constant(x, y):
    try:
        same = x == y
        if isinstance(x, float) and x != x:   # nan
            return y != y
        return bool(same)
    except Exception:
        return x is y


def _first_indent(text):
    for line in text.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0
