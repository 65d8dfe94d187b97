"""Turn a gradient's statements into Python source text, compile it, and register it with linecache
so that tracebacks, ``inspect.getsource`` and ``pdb`` show the generated lines."""

import ast
import contextlib
import gc
import hashlib
import linecache
import types

INDENT = "    "


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection inside the block (restored as it was after it).

    Building and compiling a long function makes hundreds of thousands of AST nodes that all
    survive, and the collector, triggered by the allocations, walks them again and again: for a
    2,000-statement function that is a third of the transform's time, growing faster than the
    function. The passes make next to no cyclic garbage, so pausing the collector costs nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def source_text(adjoint, return_value=True):
    """The generated function as readable source text."""
    params = ", ".join(adjoint.params + ([f"{adjoint.seed}=1.0"] if adjoint.seeded else []))
    lines = [f"def {adjoint.name}({params}):"]
    for stmt in adjoint.primal + adjoint.adjoint:
        lines.extend(INDENT + line for line in ast.unparse(_located(stmt)).splitlines())
    grads = [ast.unparse(g) for g in adjoint.grads]
    grad_text = grads[0] if len(grads) == 1 else "(" + ", ".join(grads) + ")"
    if return_value:
        lines.append(f"{INDENT}return {ast.unparse(adjoint.value)}, {grad_text}")
    else:
        lines.append(f"{INDENT}return {grad_text}")
    return "\n".join(lines) + "\n"


def _located(stmt):
    """``stmt`` with a line number on every statement in it, which is all ``ast.unparse`` reads of
    locations (``fix_missing_locations`` would visit every expression node, a cost that dominated
    emitting long functions)."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt) and not hasattr(node, "lineno"):
            node.lineno = 1
        for field in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, field, None) or ())
    return stmt


def compile_function(text, name, label, func, externals):
    """Compile generated ``text`` defining ``name`` into a function that sees ``func``'s globals and
    closure, plus ``externals`` (name -> object) through closure cells."""
    with gc_paused():
        return _compile_function(text, name, label, func, externals)


def _compile_function(text, name, label, func, externals):
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    filename = f"<sourcegrad {label}:{name} {digest}>"
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    free = sorted(set(externals) | set(closure))
    module = ast.parse(text)
    # Wrap the def in a factory whose parameters become the generated function's closure cells;
    # the factory sits on line 1 so the generated lines keep their numbers.
    factory = ast.FunctionDef(
        name="_sourcegrad_factory",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in free], kwonlyargs=[], kw_defaults=[],
                           defaults=[]),
        body=[ast.Return(ast.Name(name, ast.Load()))],
        decorator_list=[],
        lineno=1, col_offset=0,
    )
    if hasattr(ast.FunctionDef, "type_params"):
        factory.type_params = []
    ast.fix_missing_locations(factory)   # before the parsed body goes in: it has its locations
    factory.body[:0] = module.body
    wrapper = ast.Module([factory], type_ignores=[])
    code = compile(wrapper, filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    cells = tuple(closure[n] if n in closure else types.CellType(externals[n]) for n in inner.co_freevars)
    defaults = tuple(ast.literal_eval(d) for d in module.body[0].args.defaults)
    fn = types.FunctionType(inner, func.__globals__, name, defaults, cells)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return fn
