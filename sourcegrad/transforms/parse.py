"""Read a function's source, parse it with gast, and keep what errors need to point at it."""

import builtins
import inspect
import textwrap
import types

import gast

from ..errors import TransformError, UnsupportedError


class Source:
    """Where a parsed function came from, and how names in it resolve.

    ``filename``/``first_line`` map node line numbers (1 = the ``def`` line) back to the file;
    ``indent`` is the column the dedented source was shifted by.
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

    def resolve(self, name):
        """(True, value) for a name free in the function (closure, global, builtin), else (False, None)."""
        if name in self.closure:
            try:
                return True, self.closure[name].cell_contents
            except ValueError:  # cell not yet filled
                return False, None
        if name in self.globals:
            return True, self.globals[name]
        builtin = self.globals.get("__builtins__", builtins)
        if isinstance(builtin, types.ModuleType):
            builtin = builtin.__dict__
        if name in builtin:
            return True, builtin[name]
        return False, None

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


TAPE_HINT = 'Use mode="tape" to differentiate it by tracing instead.'


def parse_function(func):
    """Parse ``func`` with gast into a standard-library ``ast.FunctionDef``, with its Source record.

    gast reads the source the same way on every Python version we support; the passes after this
    one work on the running interpreter's own ``ast`` so that ``ast.unparse`` can emit it."""
    func = inspect.unwrap(func)
    if not isinstance(func, types.FunctionType):
        raise TransformError(
            f"{func!r} is not a Python function, so there is no source to transform. "
            "Register a derivative for it with sg.vjp_rule, or use mode=\"tape\"."
        )
    name = func.__qualname__
    try:
        lines, first_line = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or func.__code__.co_filename
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
    tree.decorator_list = []
    tree = gast.gast_to_ast(tree)
    return Source(func, tree, filename, first_line, indent, [line.rstrip("\n") for line in lines])


def _first_indent(text):
    for line in text.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0
