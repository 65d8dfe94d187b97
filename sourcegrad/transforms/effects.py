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

from ..runtime.helpers import out_parameter

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
# Methods that write into their first argument (a random Generator's shuffle).
ARGUMENT_WRITING_METHODS = {"shuffle"}
# Methods of lists, dicts, tuples, strings and ndarrays that write nothing.
PURE_METHODS = {
    name for name in dir(np.ndarray) + dir(list) + dir(dict) + dir(str) + dir(tuple)
    if not name.startswith("_")
} - MUTATING_METHODS - {"byteswap", "dump", "tofile", "view", "getfield"}
# Methods whose result is a new object, not a view of the receiver.
NEW_METHODS = {
    "copy", "astype", "tolist", "item", "sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod",
    "dot", "flatten", "round", "clip", "argmax", "argmin", "argsort", "nonzero", "all", "any", "trace", "ptp",
    "count", "index", "conj", "conjugate", "repeat", "take", "compress",
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
# NumPy functions known to return new arrays (an allow-list: anything else may return a view).
_NEW_NAMES = """zeros ones empty full zeros_like ones_like empty_like full_like eye identity array copy arange linspace
    logspace geomspace concatenate concat stack hstack vstack dstack column_stack where dot vdot inner outer matmul
    tensordot kron cross sum mean prod std var max min amax amin ptp average median percentile quantile nansum
    nanmean nanmax nanmin nanstd nanvar cumsum cumprod diff gradient sort argsort argmax argmin nonzero flatnonzero
    argwhere clip round around tile repeat roll pad take take_along_axis choose select piecewise interp convolve
    correlate polyval histogram unique searchsorted digitize bincount trace allclose isclose array_equal triu tril
    insert delete append cov corrcoef count_nonzero all any meshgrid outer vecdot matvec vecmat fromfunction
    cumulative_sum cumulative_prod logaddexp2 sinc i0""".split()
NUMPY_NEW = {getattr(np, name) for name in _NEW_NAMES if hasattr(np, name)} | {
    getattr(np.linalg, name) for name in """inv solve det norm eigh eig svd cholesky qr pinv lstsq matrix_power
    slogdet eigvals eigvalsh multi_dot tensorinv tensorsolve cond matrix_rank vector_norm matrix_norm svdvals
    outer cross vecdot""".split() if hasattr(np.linalg, name)}


def is_numpy(obj):
    """A NumPy function or ufunc (including ``np.linalg``/``np.random``), not a user object."""
    if isinstance(obj, np.ufunc):
        return True
    module = getattr(obj, "__module__", None) or ""
    return module == "numpy" or module.startswith("numpy.")


def is_module(obj):
    return isinstance(obj, types.ModuleType)


def out_arguments(call, target, method_name=None):
    """The argument expressions a call writes its result into (``out=``, given by keyword, as a tuple
    ``out=(buf,)`` or by position, as in ``np.clip(x, 0, 1, buf)``, ``x.sum(0, None, buf)`` or a ufunc's
    extra positional arguments); every argument when they cannot be told apart."""
    split = split_out(call, target, method_name)
    return split[0] if split is not None else list(call.args) + [kw.value for kw in call.keywords]


def split_out(call, target, method_name=None):
    """``(outs, rest)``: the argument expressions a call writes its result into (see ``out_arguments``)
    and a copy of the call without them, the positional arguments after ``out`` passed by keyword;
    ``out=None`` writes nothing and is dropped. None when the positional arguments cannot all be named.
    ``method_name`` is set for ``value.method(...)`` (an ndarray method: ``out`` counts from after self)."""
    if method_name is not None:
        position, names = out_parameter(getattr(np.ndarray, method_name, None))
        position, names = (None, ()) if position is None else (position - 1, names[1:])
    elif isinstance(target, np.ufunc):
        position, names = target.nin, ()
    else:
        position, names = out_parameter(target)
    args, keywords, outs = list(call.args), [], []
    if position is not None and len(args) > position:
        if isinstance(target, np.ufunc):
            outs, args = args[position:], args[:position]
        elif len(args) > len(names):
            return None
        else:
            keywords = [ast.keyword(name, arg) for name, arg in zip(names[position + 1:], args[position + 1:])]
            outs, args = [args[position]], args[:position]
    for kw in call.keywords:
        if kw.arg != "out":
            keywords.append(kw)
        else:
            outs.extend(kw.value.elts if isinstance(kw.value, ast.Tuple) else [kw.value])
    outs = [o for o in outs if not (isinstance(o, ast.Constant) and o.value is None)]
    return outs, ast.copy_location(ast.Call(call.func, args, keywords), call)


def _nan_to_num_in_place(call):
    """Whether ``np.nan_to_num(x, copy, ...)`` may write into ``x``: ``copy`` given (by keyword or by
    position) and not the constant True, its default."""
    copy = next((kw.value for kw in call.keywords if kw.arg == "copy"), call.args[1] if len(call.args) > 1 else None)
    return copy is not None and not (isinstance(copy, ast.Constant) and copy.value is True)


def bound_arguments(call, target):
    """The argument expressions of ``call`` by ``target``'s parameter names (``{"dst": ..., "src": ...}``
    for ``np.copyto``), or None when they do not bind to its signature."""
    try:
        bound = inspect.signature(target).bind(*call.args, **{kw.arg: kw.value for kw in call.keywords})
    except (TypeError, ValueError):
        return None
    return dict(bound.arguments)


def written_arguments(call, target, method_name=None):
    """(pure, written): whether the call is known to write nothing reachable from its arguments
    except ``written`` (a list of argument expressions; the receiver of a method is included as
    ``call.func.value``).

    ``target`` is the resolved callable (None when unknown, such as a method of a local value);
    ``method_name`` is set for ``receiver.method(...)`` calls on a local value."""
    outs = out_arguments(call, target, method_name)
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if method_name is not None:
        if method_name in ARGUMENT_WRITING_METHODS:
            return False, [receiver] + list(call.args[:1]) + outs
        if method_name in MUTATING_METHODS:
            return False, [receiver] + outs
        if method_name in PURE_METHODS:
            return not outs, outs
        return False, [receiver] + list(call.args) + [kw.value for kw in call.keywords]
    if target is None:
        return False, list(call.args) + [kw.value for kw in call.keywords]
    if target in NUMPY_WRITERS or target is np.nan_to_num and _nan_to_num_in_place(call):
        return False, call.args[:1] + outs
    if getattr(target, "__name__", None) == "at" and isinstance(getattr(target, "__self__", None), np.ufunc):
        return False, call.args[:1]
    if getattr(target, "__name__", None) == "shuffle":
        return False, call.args[:1]
    if is_numpy(target) or isinstance(getattr(target, "__self__", None), np.ufunc):
        return not outs, outs
    if _is_builtin(target) and target in PURE_BUILTINS or getattr(target, "__module__", None) == "math":
        return True, []
    if isinstance(target, types.FunctionType) and function_writes(target) is NONE:
        return True, []
    if getattr(target, "__module__", None) in _CALLED_BY_ADJOINTS and isinstance(target, types.FunctionType) \
            and target.__name__ not in HELPERS_WRITING_ARGUMENTS:
        return True, []
    return False, list(call.args) + [kw.value for kw in call.keywords]


# The runtime helpers and rule kernels (which generated adjoints call) write into none of their arguments, except
# these: they return new values or read-only views (tests/test_higher_order.py reads their source to keep this true).
# Differentiating generated code again (higher order) reads calls of them.
_HELPERS = "sourcegrad.runtime.helpers"
_CALLED_BY_ADJOINTS = (_HELPERS, "sourcegrad.rules.kernels")
_OWN = ("sourcegrad.runtime.helpers", "sourcegrad.rules.")
HELPERS_WRITING_ARGUMENTS = frozenset({"added_into"})


def may_write_globals(target):
    """Whether calling ``target`` (a resolved callable, None when unknown) may change module state: a function
    of the user's that writes into items or attributes or uses ``global``, and any callable that is not a
    plain function, NumPy, ``math`` or a pure builtin (a ``functools.partial``, an object with ``__call__``)."""
    if target is None:
        return True
    if isinstance(target, types.FunctionType) and (target.__module__ or "").startswith(_OWN):
        return False   # sourcegrad's helpers and rule kernels write into no module state (their arguments: see above)
    if isinstance(target, types.FunctionType):
        return function_writes(target) is ANYTHING
    if is_numpy(target) or isinstance(getattr(target, "__self__", None), np.ufunc) or target in NUMPY_WRITERS:
        return False
    if _is_builtin(target) or getattr(target, "__module__", None) == "math" or isinstance(target, type):
        return False
    return True


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
    if getattr(target, "__module__", None) == _HELPERS and getattr(target, "__name__", None) == "zeros_like":
        return True    # (the buffer generated adjoints add indexed reads into)
    if is_numpy(target):
        if target in NUMPY_VIEWS or out_arguments(call, target) or any(kw.arg == "copy" for kw in call.keywords):
            return False
        return isinstance(target, np.ufunc) or target in NUMPY_NEW
    return False


def _is_builtin(obj):
    try:
        return getattr(builtins, getattr(obj, "__name__", ""), None) is obj
    except TypeError:
        return False


NONE, ARGUMENTS, ANYTHING = "nothing", "its arguments", "anything"
_WRITES = {}


def function_writes(func, _depth=0):
    """What a user function's source may write: NONE (only objects it made itself), ARGUMENTS (also
    objects it was given), or ANYTHING (globals, through ``global``, unknown calls...). Unknown means
    ANYTHING. Cached per function object (functions sharing code may differ in globals and cells)."""
    if func in _WRITES:
        return _WRITES[func]
    _WRITES[func] = ANYTHING          # recursion: not proven
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return ANYTHING
    writes = _body_writes(tree, func, _depth) if _depth < 8 and isinstance(tree, ast.FunctionDef) else ANYTHING
    _WRITES[func] = writes
    return writes


_NEW_VALUES = (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.List, ast.Dict, ast.Set, ast.Tuple,
               ast.ListComp, ast.DictComp, ast.SetComp, ast.JoinedStr)


def _body_writes(tree, func, depth):
    params = {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}
    # locals only ever bound to new values (``s = 0.0``, ``acc = []``): writing into them changes nothing outside
    own = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            fresh = isinstance(node.value, _NEW_VALUES)
            for target in getattr(node, "targets", None) or [node.target]:
                for name in _bound_names(target):
                    own[name] = own.get(name, True) and fresh and name not in params
        elif isinstance(node, (ast.For, ast.comprehension, ast.With, ast.NamedExpr)):
            targets = [getattr(node, "target", None)] + [i.optional_vars for i in getattr(node, "items", [])]
            for target in filter(None, targets):
                for name in _bound_names(target):
                    own[name] = False

    def into(expr):
        """What writing into ``expr``'s object touches."""
        while isinstance(expr, (ast.Subscript, ast.Attribute, ast.Starred)):
            expr = expr.value
        if isinstance(expr, ast.Name):
            if own.get(expr.id):
                return NONE
            if expr.id in params:
                return ARGUMENTS
        return ANYTHING

    result = NONE
    for node in ast.walk(tree):
        found = NONE
        if node is not tree and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return ANYTHING
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete, ast.Yield, ast.YieldFrom, ast.Await,
                             ast.Match, ast.NamedExpr)):
            return ANYTHING
        if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found = into(node)
        elif isinstance(node, ast.AugAssign):
            found = into(node.target) if not isinstance(node.target, ast.Name) or not own.get(node.target.id) \
                else NONE
        elif isinstance(node, ast.Call):
            found = _call_writes(node, func, depth, into)
        if found is ANYTHING:
            return ANYTHING
        if found is ARGUMENTS:
            result = ARGUMENTS
    return result


def _bound_names(target):
    """The names an assignment target binds (not the names inside ``a[i] = ...`` or ``a.b = ...``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_names(elt)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def _call_writes(call, func, depth, into):
    target = _resolve(call.func, func)
    method = call.func.attr if isinstance(call.func, ast.Attribute) and target is None else None
    if target is None and method is None:
        return ANYTHING
    if isinstance(target, types.FunctionType):
        writes = function_writes(target, depth + 1)
        if writes is ANYTHING:
            return ANYTHING
        written = list(call.args) + [kw.value for kw in call.keywords] if writes is ARGUMENTS else []
    else:
        pure, written = written_arguments(call, target, method)
        if not pure and not written:
            return ANYTHING
    kinds = {into(w) for w in written}
    return ANYTHING if ANYTHING in kinds else ARGUMENTS if ARGUMENTS in kinds else NONE


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

