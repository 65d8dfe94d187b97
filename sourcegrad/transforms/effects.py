"""What a call may change, and whether what it returns is a new object.

Source mode keeps the user's statements that carry no gradient as they are, so it must know what
each of them can write: an in-place write into a value the adjoint reads later, or into a container
that holds a differentiated value, would make the gradient silently wrong. This module classifies a
call from what it calls, never from what it looks like it does:

- ``pure``: writes nothing reachable from its arguments (``len``, ``print``, NumPy functions called
  without ``out=``, ``math``, the user's own functions whose source writes nothing it was given);
- ``writes``: the arguments it writes into (``np.copyto(dst, ...)``, ``out=buf``, ``a.sort()``,
  ``lst.append(v)``); anything unknown is taken to write into every argument and its receiver.

``returns_new`` says whether a call's result is certainly a new object (``np.zeros``, ``x.copy()``,
a ufunc) rather than possibly sharing memory with an argument (``x.reshape``, ``np.asarray``).
"""

import ast
import builtins
import inspect
import textwrap
import types

import numpy as np

PURE_BUILTINS = {
    abs, all, any, bool, callable, chr, complex, dict, divmod, enumerate, float, format, frozenset, hasattr,
    hash, id, int, isinstance, issubclass, len, list, max, min, ord, pow, print, range, repr, reversed, round,
    set, slice, sorted, str, sum, tuple, type, zip,
}
# (list(), dict(), sorted()... make new containers holding the same items: not new for what they hold)
NEW_BUILTINS = {bool, complex, float, int, len, str, abs, round, repr, format, divmod, pow, hash, id, isinstance,
                issubclass, callable, hasattr, ord, chr, range}

# Methods that write into their receiver (lists, dicts, sets, ndarrays).
MUTATING_METHODS = {
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort", "reverse",
    "fill", "resize", "put", "itemset", "partition", "setfield", "setflags", "byteswap", "add", "discard",
    "difference_update", "intersection_update", "symmetric_difference_update", "shuffle", "at",
    "__setitem__", "__delitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
}
# Methods of lists, dicts, tuples, strings and ndarrays that write nothing.
PURE_METHODS = {
    name for name in dir(np.ndarray) + dir(list) + dir(dict) + dir(str) + dir(tuple)
    if not name.startswith("_")
} - MUTATING_METHODS - {"byteswap", "dump", "tofile", "view", "getfield"}
# Methods whose result is a new object, not a view of the receiver.
NEW_METHODS = {
    "copy", "astype", "tolist", "item", "sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod",
    "dot", "flatten", "round", "clip", "argmax", "argmin", "argsort", "nonzero", "all", "any", "trace", "ptp",
    "keys", "values", "items", "count", "index", "get", "conj", "conjugate", "repeat", "take", "compress",
    "searchsorted", "tobytes", "split", "join", "format", "upper", "lower", "strip", "replace",
}
# NumPy functions that write into their first argument.
NUMPY_WRITERS = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis}
# NumPy functions whose result may share memory with an argument.
_VIEW_NAMES = """asarray asanyarray ascontiguousarray asfortranarray asarray_chkfinite require reshape ravel squeeze
    transpose matrix_transpose permute_dims swapaxes moveaxis rollaxis expand_dims broadcast_to broadcast_arrays
    atleast_1d atleast_2d atleast_3d diagonal real imag split array_split hsplit vsplit dsplit unstack flip
    fliplr flipud rot90 diag einsum nan_to_num""".split()
NUMPY_VIEWS = {getattr(np, name) for name in _VIEW_NAMES if hasattr(np, name)} | {
    np.lib.stride_tricks.as_strided, np.lib.stride_tricks.sliding_window_view}
# np.array(..., copy=False) may share memory too; the call is checked separately.


def is_numpy(obj):
    """A NumPy function or ufunc (including ``np.linalg``/``np.random``), not a user object."""
    if isinstance(obj, np.ufunc):
        return True
    module = getattr(obj, "__module__", None) or ""
    return module == "numpy" or module.startswith("numpy.")


def is_module(obj):
    return isinstance(obj, types.ModuleType)


def out_arguments(call, target):
    """The argument expressions a call to ``target`` writes its result into (``out=``, given by keyword
    or by position, as in ``np.clip(x, 0, 1, buf)`` or a ufunc's extra positional arguments)."""
    written = [kw.value for kw in call.keywords if kw.arg == "out"]
    if isinstance(target, np.ufunc):
        if len(call.args) > target.nin:
            written.extend(call.args[target.nin:])
        return written
    position = _out_position(target)
    if position is not None and len(call.args) > position:
        written.append(call.args[position])
    return written


def method_out_arguments(call, method_name):
    """The argument a call of the ndarray method ``method_name`` gives positionally as ``out``."""
    position = _out_position(getattr(np.ndarray, method_name, None))
    if position is not None and len(call.args) >= position:   # the receiver is parameter 0
        return [call.args[position - 1]]
    return []


_OUT_POSITION = {}


def _out_position(target):
    """The position of a function's ``out`` parameter when it can be given positionally, else None."""
    try:
        if target in _OUT_POSITION:
            return _OUT_POSITION[target]
    except TypeError:
        return None
    position = None
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        params = []
    for i, param in enumerate(params):
        if param.name == "out" and param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            position = i
    _OUT_POSITION[target] = position
    return position


def written_arguments(call, target, method_name=None):
    """(pure, written): whether the call is known to write nothing reachable from its arguments
    except ``written`` (a list of argument expressions; the receiver of a method is included as
    ``call.func.value``).

    ``target`` is the resolved callable (None when unknown, such as a method of a local value);
    ``method_name`` is set for ``receiver.method(...)`` calls on a local value."""
    outs = out_arguments(call, target)
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if method_name is not None:
        outs += method_out_arguments(call, method_name)
        if method_name in MUTATING_METHODS:
            return False, [receiver] + outs
        if method_name in PURE_METHODS:
            return not outs, outs
        return False, [receiver] + list(call.args) + [kw.value for kw in call.keywords]
    if target is None:
        return False, list(call.args) + [kw.value for kw in call.keywords]
    if target in NUMPY_WRITERS:
        return False, call.args[:1] + outs
    if getattr(target, "__name__", None) == "at" and isinstance(getattr(target, "__self__", None), np.ufunc):
        return False, call.args[:1]
    if getattr(target, "__name__", None) == "shuffle":
        return False, call.args[:1]
    if is_numpy(target) or isinstance(getattr(target, "__self__", None), np.ufunc):
        return not outs, outs
    if _is_builtin(target) and target in PURE_BUILTINS or getattr(target, "__module__", None) == "math":
        return True, []
    if isinstance(target, types.FunctionType) and function_is_pure(target):
        return True, []
    return False, list(call.args) + [kw.value for kw in call.keywords]


def returns_new(call, target, method_name=None):
    """Whether the call certainly returns a new object that shares no memory with its arguments."""
    if method_name is not None:
        return method_name in NEW_METHODS and not any(kw.arg == "copy" for kw in call.keywords)
    if target is None:
        return False
    if _is_builtin(target) and target in NEW_BUILTINS:
        return True
    if getattr(target, "__module__", None) == "math":
        return True
    if is_numpy(target):
        if target in NUMPY_VIEWS or out_arguments(call, target):
            return False
        if any(kw.arg == "copy" for kw in call.keywords):
            return False
        return True
    return False


def _is_builtin(obj):
    try:
        return getattr(builtins, getattr(obj, "__name__", ""), None) is obj
    except TypeError:
        return False


_PURITY = {}


def function_is_pure(func, _depth=0):
    """Whether a user function's source certainly writes nothing it did not create: no stores into
    items or attributes, no ``global``/``nonlocal``, no writing methods or ``out=``, and only calls
    to functions that are pure themselves. Unknown means not pure."""
    code = func.__code__
    if code in _PURITY:
        return _PURITY[code]
    _PURITY[code] = False          # recursion: not proven
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return False
    pure = _depth < 8 and _body_is_pure(tree, func, _depth)
    _PURITY[code] = pure
    return pure


def _body_is_pure(tree, func, depth):
    if not isinstance(tree, ast.FunctionDef):
        return False
    # ``v += d`` writes into v's array in place unless v was only ever bound to new values (``s = 0.0``).
    new_only = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            fresh = isinstance(node.value, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare))
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        new_only[name.id] = new_only.get(name.id, True) and fresh
        elif isinstance(node, (ast.For, ast.comprehension, ast.With, ast.NamedExpr)):
            targets = [getattr(node, "target", None)] + [i.optional_vars for i in getattr(node, "items", [])]
            for target in filter(None, targets):
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        new_only[name.id] = False
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) \
                and not new_only.get(node.target.id, False):
            return False
        if node is not tree and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete, ast.Yield, ast.YieldFrom, ast.Await)):
            return False
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            return False
        if isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
            return False
        if isinstance(node, ast.Call) and not _call_is_pure(node, func, depth):
            return False
    return True


def _call_is_pure(call, func, depth):
    if any(kw.arg == "out" for kw in call.keywords):
        return False
    target = _resolve(call.func, func)
    if target is None:
        if isinstance(call.func, ast.Attribute):
            return call.func.attr in PURE_METHODS
        return False
    if isinstance(target, types.FunctionType):
        return function_is_pure(target, depth + 1)
    pure, written = written_arguments(call, target)
    return pure and not written


def _resolve(expr, func):
    """The object a name or attribute chain rooted at a global of ``func`` names, else None."""
    if isinstance(expr, ast.Name):
        if expr.id in func.__code__.co_varnames:
            return None
        cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
        if expr.id in cells:
            try:
                return cells[expr.id].cell_contents
            except ValueError:
                return None
        if expr.id in func.__globals__:
            return func.__globals__[expr.id]
        return getattr(builtins, expr.id, None)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, func)
        if base is not None and (is_module(base) or isinstance(base, type) or is_numpy(base)):
            return getattr(base, expr.attr, None)
    return None

