"""``sg.export``: a generated gradient written out as a Python module that runs without the transformer.

The module holds the generated function as ``sg.grad(f).source`` shows it, a header saying what it was
made from (sourcegrad version, the function's file and line, ``wrt``, the kinds of arguments the code is
specialised for) and the imports it needs:

- NumPy and the helpers generated code calls, from ``sourcegrad.runtime`` (or, with ``standalone=True``,
  the helpers' source copied into the module, so that it needs nothing but NumPy);
- every global the gradient reads, imported from the module that defines it (the user's module, or the
  module of a helper that was inlined), so that the exported gradient sees the same values the function
  does and changes with them; a value that cannot be imported (a closure variable, a global of
  ``__main__``) is refused with an error that says which, never silently frozen into the file.

When the code is specialised on the kinds of its arguments, the exported function checks them first and
raises ``TypeError`` for arguments of another kind (the code would not be right for them).
"""

import ast
import builtins
import inspect
import sys
import types

from .display import shown_path
from .errors import UnsupportedError
from .kinds import SCALAR, kind_of
from .pickling import importable

_RUNTIME = "sourcegrad.runtime"


class _Import:
    """The imports and copied definitions an exported module needs, in a stable order."""

    def __init__(self):
        self.modules = {}     # local name -> module name
        self.names = {}       # local name -> (module name, attribute)
        self.copied = []      # names of runtime helpers copied (standalone)
        self.aliases = {}     # local name -> copied helper it names
        self.live = {}        # local name -> (module name, attribute): a global read from its module at each call


def export(func, path, wrt=0, args=None, kwargs=None, kinds=None, standalone=False):
    """Write the generated gradient of ``func`` with respect to ``wrt`` to ``path`` as a module; return the text.

    The code is specialised for the kinds of example arguments ``args``/``kwargs`` (as ``func`` is called),
    or for ``kinds`` (parameter name -> ``"scalar"`` or ``("array", pattern)``, see sourcegrad/kinds.py), or,
    with neither, written for arguments of any kind. ``standalone=True`` copies the runtime helpers it calls
    into the module, which then needs only NumPy. The module defines the generated function
    (``dloss_dw(w, X) -> (value, gradient)``); its header says what it was made from.

    Raises ``TransformError`` when source mode cannot transform ``func`` (the tape writes no code to export),
    and ``UnsupportedError`` when the gradient reads a value that another process cannot import."""
    from .api import GradientFunction, function_and_wrt

    gradient = GradientFunction(*function_and_wrt(func, wrt), mode="source")
    kind_list = _kinds(gradient, args, kwargs, kinds)
    generated = gradient._choose_mode(kind_list)
    text = module_text(gradient, generated, kind_list, standalone)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return text


def _kinds(gradient, args, kwargs, kinds):
    """The kinds of the parameters (a tuple in parameter order), or None for code serving any kind."""
    if args is not None or kwargs:
        if kinds is not None:
            raise TypeError("export takes example arguments or kinds, not both")
        bound = gradient._bind(tuple(args or ()), dict(kwargs or {}))
        promoted = gradient._promoted(bound, tuple(map(type, bound)))
        return tuple(map(kind_of, promoted))
    if kinds is None:
        return None
    unknown = set(kinds) - set(gradient._params)
    if unknown:
        raise ValueError(f"kinds names {sorted(unknown)}, which are not parameters of {gradient.__name__}; its "
                         f"parameters are {gradient._params}")
    out = []
    for name in gradient._params:
        kind = kinds.get(name)
        if kind is not None and kind != SCALAR and not (isinstance(kind, tuple) and len(kind) == 2
                                                        and kind[0] == "array" and set(kind[1]) <= {"1", "N"}):
            raise ValueError(f"kinds[{name!r}] = {kind!r}: a kind is 'scalar', ('array', pattern) with a pattern "
                             "of '1' and 'N' per axis, or None")
        out.append(kind)
    return tuple(out)


def describe_kind(kind):
    """A kind in words, for the header."""
    if kind is None:
        return "any value (no specialisation)"
    if kind == SCALAR:
        return "a number (float or int)"
    pattern = kind[1]
    if not pattern:
        return "a 0-d array"
    return f"an array of {len(pattern)} dimension{'s' if len(pattern) != 1 else ''}, pattern {pattern!r} " \
           "('1': an axis of length one, 'N': any other length)"


def module_text(gradient, generated, kinds, standalone=False):
    """The text of the exported module for one Generated gradient of ``gradient``."""
    from . import __version__

    function = generated.function
    free = _free_names(generated.text, generated.name)
    imports = _Import()
    for name in sorted(free):
        value, origin = _value_of(function, name)
        if origin == "builtin":
            continue
        _plan(imports, name, value, origin, generated, gradient, standalone)
    if kinds is not None:
        imports.modules["_np"] = "numpy"   # the kind check
    body = generated.text
    if imports.live:
        taken = _all_names(body) | set(imports.modules) | set(imports.names) | set(imports.aliases)
        aliases = {}
        for module in sorted({m for m, _ in imports.live.values()}):
            alias = module.replace(".", "_")
            while alias in taken:
                alias = "_" + alias
            taken.add(alias)
            aliases[module] = alias
            imports.modules[alias] = module
        body = _read_live(body, {name: (aliases[m], attr) for name, (m, attr) in imports.live.items()})
    target = gradient._target
    try:
        filename = inspect.getsourcefile(target) or "?"
        _, line = inspect.getsourcelines(target)
    except (TypeError, OSError):
        filename, line = getattr(target, "__module__", "?"), "?"
    lines = ['"""The gradient of {} generated by sourcegrad {}; written by sg.export.'.format(gradient.__qualname__,
                                                                                           __version__),
             "",
             f"Source: {shown_path(filename)}, line {line} ({getattr(target, '__module__', '?')}.{gradient.__qualname__})",
             f"wrt: {', '.join(gradient.wrt)}",
             f"{generated.name}({', '.join(gradient._params)}) returns (value, gradient"
             f"{'s' if len(gradient.wrt) > 1 else ''}).",
             "Specialised for:" if kinds is not None else "Specialised for: nothing (arguments of any kind).",
             ]
    if kinds is not None:
        lines += [f"    {name}: {describe_kind(kind)}" for name, kind in zip(gradient._params, kinds)]
        lines.append("Arguments of another kind raise TypeError: export again for them.")
    lines.append("Needs: NumPy only (helpers copied below)." if standalone
                 else "Needs: NumPy and sourcegrad (its runtime helpers).")
    if imports.live:
        shown = ", ".join(sorted(f"{m}.{a}" for m, a in imports.live.values()))
        lines.append(f"Globals the gradient reads are read from their modules at each call ({shown}), never "
                     "copied: keep those modules importable.")
    lines.append("Do not edit: export again when the function changes.")
    lines.append('"""')
    lines.append("")
    header_imports = [f"import {module}" if name == module else f"import {module} as {name}"
                      for name, module in sorted(imports.modules.items(), key=lambda item: (item[1], item[0]))]
    copied_imports, copied = _copied_helpers(imports.copied) if imports.copied else ([], "")
    lines += sorted(set(header_imports + copied_imports))
    for name, (module, attr) in sorted(imports.names.items(), key=lambda item: (item[1], item[0])):
        lines.append(f"from {module} import {attr}" if name == attr else f"from {module} import {attr} as {name}")
    if copied:
        lines += ["", "", "# ---- sourcegrad's runtime helpers, copied (sourcegrad/runtime/helpers.py, sourcegrad/rules/kernels.py)", ""]
        lines.append(copied)
        lines += [f"{name} = {helper}" for name, helper in sorted(imports.aliases.items())]
    lines += ["", ""]
    if kinds is not None:
        lines.append(_KIND_CHECKER)
        lines += ["", ""]
        body = _with_kind_check(body, gradient._params, kinds)
    lines.append(body.rstrip("\n"))
    lines.append("")
    return "\n".join(lines)


def _free_names(text, name):
    """The names the generated function reads that it does not bind itself."""
    tree = ast.parse(text)
    func = tree.body[0]
    bound = {a.arg for a in func.args.args + func.args.kwonlyargs}
    loads = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.add(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loads - bound - {name}


def _all_names(text):
    return {node.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Name)} | {
        node.arg for node in ast.walk(ast.parse(text)) if isinstance(node, ast.arg)}


class _LiveReads(ast.NodeTransformer):
    def __init__(self, live):
        self.live = live

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.live:
            alias, attr = self.live[node.id]
            return ast.copy_location(ast.Attribute(ast.Name(alias, ast.Load()), attr, ast.Load()), node)
        return node


def _read_live(text, live):
    """``text`` with each read of a global in ``live`` (name -> (module alias, attribute)) made a read of the
    module's attribute, so that the exported code sees the value the module holds when it runs."""
    tree = _LiveReads(live).visit(ast.parse(text))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _value_of(function, name):
    """``(value, origin)``: origin 'cell' (a closure cell), 'global' (the function's globals) or 'builtin'."""
    code = function.__code__
    if name in code.co_freevars:
        return function.__closure__[code.co_freevars.index(name)].cell_contents, "cell"
    if name in function.__globals__:
        return function.__globals__[name], "global"
    if hasattr(builtins, name):
        return getattr(builtins, name), "builtin"
    raise UnsupportedError(f"cannot export: the generated gradient reads {name!r}, which is not defined; "
                           "please report it with the function")


def _plan(imports, name, value, origin, generated, gradient, standalone):
    """Decide how the exported module gets ``name`` (= ``value``)."""
    if isinstance(value, types.ModuleType):
        imports.modules[name] = value.__name__
        return
    module_name = getattr(value, "__module__", None) or ""
    copyable = [m.__name__ for m in _copyable_modules()]
    if (module_name.startswith(_RUNTIME) or module_name in copyable) \
            and importable(module_name, getattr(value, "__qualname__", "")) is value:
        if standalone:
            if module_name not in copyable:
                raise UnsupportedError(f"cannot export standalone: the gradient calls {module_name}."
                                       f"{value.__qualname__}, which is not one of the helpers export can copy; "
                                       "export without standalone")
            imports.copied.append(value.__name__)
            if value.__name__ != name:
                imports.aliases[name] = value.__name__
        else:
            imports.names[name] = (module_name, value.__qualname__)
        return
    # a global: from the module that defines it (where the transformer resolved it, by identity)
    found = [(m, n) for m, n, obj in generated.guards if obj is value and type(m) is dict]
    found.sort(key=lambda item: item[1] != name)   # the same name first (a renamed one: 'scale_1' for 'scale')
    for mapping, guard_name in found:
        owner = mapping.get("__name__")
        module = sys.modules.get(owner) if isinstance(owner, str) else None
        if module is None or vars(module) is not mapping or owner == "builtins":
            continue
        if owner == "__main__" or owner.startswith("_sourcegrad_cli_"):   # (the CLI's name for an unimportable file)
            raise UnsupportedError(
                f"cannot export the gradient of {gradient.__qualname__}: it reads the global {guard_name!r} of "
                "__main__ (a script), which the exported module cannot import. Move the function and its "
                "globals into a module and export from there.")
        imports.live[name] = (owner, guard_name)
        return
    qualname = getattr(value, "__qualname__", None)
    if module_name and qualname and "." not in qualname and module_name != "__main__" \
            and importable(module_name, qualname) is value:
        imports.live[name] = (module_name, qualname)
        return
    raise UnsupportedError(
        f"cannot export the gradient of {gradient.__qualname__}: it reads {name!r} = {_short(value)} "
        f"({'a closure variable' if origin == 'cell' else 'a value'} that the exported module cannot import). "
        "Make it a global of a module, or pass it as an argument, then export again.")


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- standalone: copying helpers

_STANDALONE_ERROR = '''class DeclinedAtRunTime(NotImplementedError):
    """A case the generated code does not handle, found at run time (sourcegrad.DeclinedAtRunTime)."""

    def __init__(self, message, *args, hint=None, **kwargs):
        super().__init__(message if hint is None else f"{message}\\n{hint}")
        self.reason, self.hint = message, hint'''


def _copied_helpers(names):
    """``(import lines, source)`` of the helpers ``names`` (from ``sourcegrad.runtime.helpers`` and the rule kernels
    of ``sourcegrad.rules.kernels``, which inlined rules call) and of everything in those modules they use."""
    definitions, imports, texts = {}, {}, {}
    for module in _copyable_modules():
        with open(inspect.getsourcefile(module), encoding="utf-8") as f:
            text = texts[module.__name__] = f.read()
        for node in ast.parse(text).body:
            node.module_name = module.__name__
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                definitions[node.name] = node
            elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
                for t in node.targets:
                    definitions[t.id] = node
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    imports[alias.asname or alias.name] = ast.get_source_segment(text, node)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    imports[alias.asname or alias.name] = alias.name
    wanted, order, needed_imports = list(names), [], set()
    seen = set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        node = definitions[name]
        order.append(node)
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.level:
                raise UnsupportedError(f"cannot export standalone: the runtime helper {name} imports from sourcegrad "
                                       "itself; export without standalone")
            if isinstance(sub, ast.Name):
                if sub.id in definitions and sub.id not in seen:
                    wanted.append(sub.id)
                elif sub.id in imports and sub.id not in definitions:
                    needed_imports.add(sub.id)
    import_lines = sorted({imports[name] for name in needed_imports if name != "DeclinedAtRunTime"})
    out = [_STANDALONE_ERROR] if "DeclinedAtRunTime" in needed_imports else []
    modules = [m.__name__ for m in _copyable_modules()]
    nodes = sorted({id(n): n for n in order}.values(), key=lambda n: (modules.index(n.module_name), n.lineno))
    out += [ast.get_source_segment(texts[node.module_name], node, padded=False) for node in nodes]
    return import_lines, "\n\n\n".join(out)


def _copyable_modules():
    """The modules whose functions generated code calls, which ``standalone`` copies from (helpers first: the
    kernels use them)."""
    from .rules import kernels
    from .runtime import helpers

    return helpers, kernels


# ---------------------------------------------------------------- the kind check


_KIND_CHECKER = '''def _check_kind(name, value, pattern):
    """TypeError unless ``value`` is of the kind the code below was generated for (None: a number)."""
    if pattern is None:
        if isinstance(value, (int, float, _np.integer, _np.floating)) and not isinstance(value, bool):
            return
        raise TypeError(f"{name}: this gradient was exported for a number, got {type(value).__name__}")
    if type(value) is _np.ndarray and "".join("1" if n == 1 else "N" for n in value.shape) == pattern:
        return
    raise TypeError(f"{name}: this gradient was exported for an array of shape pattern {pattern!r} "
                    f"('1': length one, 'N': other), got {type(value).__name__} of shape {_np.shape(value)}; "
                    "export again for these arguments")'''


def _with_kind_check(body, params, kinds):
    """The generated function with a check of its arguments' kinds as its first statements."""
    checks = []
    for name, kind in zip(params, kinds):
        if kind == SCALAR:
            checks.append(f"    _check_kind({name!r}, {name}, None)")
        elif kind is not None:
            checks.append(f"    _check_kind({name!r}, {name}, {kind[1]!r})")
    head, _, rest = body.partition("\n")
    return "\n".join([head] + checks + [rest])
