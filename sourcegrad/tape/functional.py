"""The functional entry point ``value_and_grad_tape``: run a function on the tape and differentiate it."""

import dis
import functools
import inspect
import os
import traceback
import numbers
import types

import numpy as np

from ..rules import registry
from .errors import (GradientLostError, InPlaceError, NoRuleError, PlainArrayWriteError, RuleBypassError,
                     TensorTypeError)
from .mode import _mode, enable_grad
from .tensor import Tensor, _BUILD_AS_TENSOR, _raw
from .protection import _memory_owner, _unprotect
from .updates import _ReadOnlyDestination
from .higher import gradient, nested_input
from .namespace import _ORIGINALS as _STAND_IN_IDS, original_of
from .recording import apply
from .redirect import (_is_module_of_user, _is_user_namespace, _rule_caller, _rule_calls, _stand_ins_in_use,
                       _user_namespaces)


def _as_leaf(value, position):
    try:
        return Tensor(value, requires_grad=True)
    except TypeError as error:
        raise TypeError(f"cannot differentiate with respect to argument {position} "
                        f"({type(value).__name__}): {error}") from None


def value_and_grad_tape(f, args, kwargs, wrt, seed=None):
    """Run ``f(*args, **kwargs)`` on the tape and differentiate its scalar output.

    ``wrt`` is a tuple of positions in ``args`` or names in ``kwargs``; those arguments become fresh
    leaf Tensors (integers promoted to float64). Returns ``(value, grads)``: the raw output and one raw
    gradient (float or ndarray) per ``wrt`` entry, ``None`` where the output does not depend on it.
    With ``seed`` (shaped like the output) it is a vector-Jacobian product of any output instead.
    Recording is switched on for the call even inside ``no_grad()``: a gradient was asked for.
    ``f`` itself is recorded through its rule if it has one; functions it calls are recorded
    through theirs when they are primitives to the tape (NumPy functions, ``@sg.primitive``, and
    Python functions with a rule registered with ``sg.vjp_rule``: see ``_rule_calls``).

    Recorded operations keep copies of the arrays the graph does not own (``_kept``), so ``f`` may
    modify them in place after a use; the leaves' arrays (the caller's) are read-only until the
    gradient is computed, then writeable again (also when ``f`` raises): ``f`` modifying one in place
    raises InPlaceError instead of giving a silently wrong gradient."""
    args = list(args)
    kwargs = dict(kwargs or {})
    # Inside a function being differentiated on the tape (an outer value_and_grad_tape, or Tensors given):
    # the gradient is recorded (create_graph) and taken with respect to this call's leaves only
    nested = _mode.protected is not None or any(isinstance(a, Tensor) and a.requires_grad
                                                for a in list(args) + list(kwargs.values()))
    leaves = []
    for i in wrt:
        container = kwargs if isinstance(i, str) else args
        given = container[i]
        if nested and isinstance(given, Tensor) and given.requires_grad:
            leaf = apply(nested_input, given)
        else:
            leaf = _as_leaf(given, i)
        container[i] = leaf
        leaves.append(leaf)
    run = _rule_caller(f) if registry.lookup_vjp(f) is not None else f
    if run is f and _inspects_types(f) and not _sees_taped_type(f):
        raise TypeError(_TYPE_CHECK_MESSAGE.format(name=getattr(f, "__qualname__", f)))
    places = _caller_places(f, args, kwargs, leaves)
    before = _tensors_in(places)
    modules = _ModuleState(f, list(args) + list(kwargs.values()))
    outer, outer_arguments = _mode.protected, (_mode.arguments, _mode.argument_memory)
    protected = _mode.protected = {}
    _mode.arguments = _argument_leaves(leaves, list(args) + list(kwargs.values()))
    _mode.argument_memory = {id(_memory_owner(a.array)): a for a in _mode.arguments.values()}
    out = None
    try:
        for argument in _mode.arguments.values():
            argument.read_only = not argument.array.flags.writeable
            _freeze_argument(argument.array, protected)
        try:
            with _rule_calls() as redirect:
                redirect.patch_for(f, args, kwargs, modules.reached)
                args, kwargs = redirect.arguments(args, kwargs)
                out = _run_recorded(run, args, kwargs, protected)
        except TypeError as error:
            if _is_type_error_of_a_tensor(error):   # Python's own TypeError, raised on a Tensor in user code
                raise _tensor_type_error(error, f) from error
            _point_at_user(error, f, "while running")
            raise
        except Exception as error:
            _point_at_user(error, f, "while running")
            raise
        value = out.value if isinstance(out, Tensor) else out
        if nested:
            return value, _nested_gradients(out, value, seed, leaves, f)
        try:
            if seed is None:
                _check_scalar_output(value, f)
                if isinstance(out, Tensor) and out.requires_grad:
                    out.backward()
            elif isinstance(out, Tensor) and out.requires_grad:
                out.backward(gradient=seed)
        except Exception as error:
            _point_at_user(error, f, "while differentiating the result of")
            raise
        return value, tuple(leaf.grad for leaf in leaves)
    finally:
        arguments = _mode.arguments
        _mode.protected, (_mode.arguments, _mode.argument_memory) = outer, outer_arguments
        _unprotect(protected)
        for argument in arguments.values():
            if argument.written:  # the function's own effect on its argument
                argument.array[...] = argument.leaf.value
        replacements = {id(a.leaf): a.array for a in arguments.values()}
        _tensors_in(places, replace_except=before, replacements=replacements)
        out = None   # (a new array the function returned is no Tensor left behind)
        modules.restore(replacements)


def _nested_gradients(out, value, seed, leaves, f):
    """The gradients of ``out`` with respect to ``leaves`` as Tensors recorded on the tape, so that an outer
    gradient differentiates them; no ``.grad`` is touched (an outer leaf's neither)."""
    if seed is None:
        _check_scalar_output(value, f)
    if not (isinstance(out, Tensor) and out.requires_grad):
        return tuple(None for _ in leaves)
    try:
        with enable_grad():
            return tuple(gradient(out, leaves, seed=seed, create_graph=True, retain_graph=True))
    except Exception as error:
        _point_at_user(error, f, "while differentiating the result of")
        raise


def _freeze_argument(array, protected):
    """Make the caller's ``array`` (and what it is a view of) read-only until the end of the call, so that
    the function cannot write into it another way than through its argument (a global naming it too);
    kept under keys that are not ids, so recorded operations that read it keep a copy (``_kept``). The
    argument's own updates reach it when the call ends (``value_and_grad_tape``)."""
    a = array
    while isinstance(a, np.ndarray) and a.flags.writeable:
        a.flags.writeable = False
        protected[("argument", id(a))] = a
        a = a.base


def _argument_leaves(leaves, given):
    """``{id(leaf): _Argument}`` for the leaves that hold the caller's own float array: each gets a copy
    of it, which only the graph holds, so that the function may update its argument in place
    (``x += 1``, ``x[0] = 0``, through views of it too) as NumPy lets it: the update is recorded like
    any other, and the caller's array gets the final value when the call ends; the gradient is
    taken with respect to the value the argument had when the call began. ``given``: all the arguments,
    to find those sharing memory with one (then updating it in place is refused)."""
    arguments = {}
    for leaf in leaves:
        if isinstance(leaf.value, np.ndarray) and leaf._shared:  # the caller's array itself
            argument = _Argument(leaf, leaf.value)
            leaf.value = argument.array.copy(order="K")
            leaf._shared, leaf._owned = False, True
            arguments[id(leaf)] = argument
    arrays = [arguments[id(a)].array if id(a) in arguments else _raw(a) for a in given]
    owners = [_memory_owner(a) for a in arrays if isinstance(a, np.ndarray)]
    for argument in arguments.values():
        argument.aliased = sum(owner is _memory_owner(argument.array) for owner in owners) > 1
    return arguments


class _Argument:
    """An argument being differentiated: its leaf, the caller's array, whether the function updated it
    in place (``written``) and whether a recorded operation read the caller's array another way."""

    __slots__ = ("leaf", "array", "written", "read_elsewhere", "aliased", "read_only")

    def __init__(self, leaf, array):
        self.leaf, self.array, self.written, self.read_elsewhere = leaf, array, False, False
        self.aliased = self.read_only = False


def _sees_taped_type(f):
    """Whether ``f``'s code reads ``type`` from one of the user's modules, where it is the Tensor-aware
    stand-in while the run lasts (see ``namespace.TAPED_TYPE``)."""
    target = getattr(f, "func", None) or getattr(f, "__func__", None) or f
    namespace = getattr(target, "__globals__", None)
    return type(namespace) is dict and _is_module_of_user(namespace)


_TYPE_CHECK_MESSAGE = (
    "{name} calls type(...): on the tape its arguments are Tensors, so `type(x) is np.ndarray`, "
    "`type(s) == float` or `type(x).__name__` would answer differently than for the arrays themselves and "
    "the taped run could compute something else, with a wrong gradient. The tape does not run such a "
    "function; use isinstance(x, np.ndarray) (which the tape answers as for the array), or source mode.")


_INSPECTS_TYPES = {}  # code object -> whether it calls the builtin type


def _inspects_types(f):
    """Whether the Python function ``f`` (one level of ``functools.partial`` or bound method unwrapped)
    calls the builtin ``type`` by name, in its own code or code nested in it. Functions it calls are
    not looked into. Only asked for a function outside the user's modules (defined by ``exec``...): in
    those, ``type`` is Tensor-aware while the run lasts."""
    target = getattr(f, "func", None) or getattr(f, "__func__", None) or f
    code = getattr(target, "__code__", None)
    if code is None or getattr(target, "__globals__", {}).get("type", type) is not type:
        return False
    found = _INSPECTS_TYPES.get(code)
    if found is None:
        found = False
        stack = [code]
        while stack and not found:
            c = stack.pop()
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
            found = "type" in c.co_names and any(
                i.opname in ("LOAD_GLOBAL", "LOAD_NAME") and i.argval == "type" for i in dis.get_instructions(c))
        _INSPECTS_TYPES[code] = found
    return found


def _caller_places(f, args, kwargs, leaves):
    """Where ``f`` may leave Tensors the caller would then find: the arguments that are not leaves (a list,
    a dict, an object it fills), the module globals ``f`` names (``global _LAST``, ``LOG.append(...)``)
    and what its closure cells hold (one level of a ``functools.partial`` or bound method unwrapped). The
    other globals of the user's modules are looked after by ``_ModuleState``."""
    leaf_ids = {id(leaf) for leaf in leaves}
    places = [a for a in list(args) + list(kwargs.values()) if id(a) not in leaf_ids]
    target = getattr(f, "func", None) or getattr(f, "__func__", None) or f
    code = getattr(target, "__code__", None)
    if isinstance(getattr(target, "__globals__", None), dict) and code is not None:
        places.append(_NamedGlobals(target.__globals__, _names_in(code)))
    if getattr(target, "__closure__", None):
        places.append(_Cells(target.__closure__))
    return places


class _Cells:
    """A function's closure cells, as a place ``_tensors_in`` looks into and rebinds (``nonlocal``)."""

    __slots__ = ("cells",)

    def __init__(self, cells):
        self.cells = cells

    def items(self):
        found = []
        for i, cell in enumerate(self.cells):
            try:
                found.append((i, cell.cell_contents))
            except ValueError:  # an empty cell
                pass
        return found

    def __setitem__(self, i, value):
        self.cells[i].cell_contents = value


class _ModuleState:
    """What a taped run of ``f`` may leave in the user's modules it reaches (``redirect._user_namespaces``),
    and putting it right when the run ends, so that the program goes on with plain values:

    * a Tensor or a stand-in of ``namespace.py`` bound to a global that the module's functions assign
      (a helper's ``global _LAST; _LAST = loss``, ``global xp; xp = np``);
    * a Tensor made by ``np.zeros`` & co. (a Tensor there) that outlives the run, stored deeper (a memo dict
      ``_MEMO[n] = np.zeros(n)``, an object's attribute): the globals are then searched for it (only then:
      a search costs a walk through everything the modules hold);
    * a ``functools.lru_cache`` that grew during the run is emptied: what it holds cannot be looked into,
      and the cached function computes it again, as plain code would."""

    def __init__(self, f, values):
        self.reached = _user_namespaces(f, values)
        self.namespaces = [ns for ns in self.reached if _is_user_namespace(ns)]
        self.summaries = [_summary(ns) for ns in self.namespaces]
        self.before = [[ns.get(name) for name in stored] for ns, (stored, _) in zip(self.namespaces, self.summaries)]
        self.caches = [(v, v.cache_info().currsize) for ns, (_, cached) in zip(self.namespaces, self.summaries)
                       for v in (ns.get(name) for name in cached) if isinstance(v, _LRU_CACHE)]
        self.outer_fresh, _mode.fresh = _mode.fresh, []

    def restore(self, replacements):
        fresh, _mode.fresh = _mode.fresh, self.outer_fresh
        if self.outer_fresh is not None:   # a run inside a run: the outer one looks after them too
            self.outer_fresh.extend(fresh)
        quiet = not _stand_ins_in_use()   # else another run (an outer one, another thread's) put them there
        for ns, (stored, _), before in zip(self.namespaces, self.summaries, self.before):
            for name, old in zip(stored, before):
                value = ns.get(name)
                if value is old:
                    continue
                if quiet and id(value) in _STAND_IN_IDS:
                    ns[name] = original_of(value)
                elif isinstance(value, Tensor):
                    ns[name] = replacements.get(id(value), value.value)
        alive = {id(t) for t in (ref() for ref in fresh) if t is not None}
        if alive:
            _tensors_in([_AllGlobals(ns) for ns in self.namespaces], replace_except=(), only=alive)
        for cache, size in self.caches:
            if cache.cache_info().currsize > size:
                cache.cache_clear()


_SUMMARIES = {}   # id(namespace) -> (namespace, its size, (names its functions assign, names of lru caches))
_STORED = {}      # code object -> the global names it (or code nested in it) assigns


def _summary(namespace):
    """``(names the functions and methods of a module assign as globals, names bound to lru caches)``,
    remembered while the module keeps its size."""
    known = _SUMMARIES.get(id(namespace))
    if known is not None and known[0] is namespace and known[1] == len(namespace):
        return known[2]
    stored, cached = set(), []
    for name, value in list(namespace.items()):
        if isinstance(value, _LRU_CACHE):
            cached.append(name)
        functions = [value] if isinstance(value, types.FunctionType) else (
            [getattr(v, "__func__", v) for v in vars(value).values()] if isinstance(value, type) else ())
        for fn in functions:
            fn = getattr(fn, "__wrapped__", fn)
            code = getattr(fn, "__code__", None)
            if isinstance(code, types.CodeType) and getattr(fn, "__globals__", None) is namespace:
                stored |= _stored_names(code)
    if len(_SUMMARIES) > 512:
        _SUMMARIES.clear()
    summary = (tuple(sorted(stored)), tuple(cached))
    _SUMMARIES[id(namespace)] = (namespace, len(namespace), summary)
    return summary


def _stored_names(code):
    found = _STORED.get(code)
    if found is None:
        found = set()
        for c in [code] + [k for k in code.co_consts if isinstance(k, types.CodeType)]:
            if c is code:
                found.update(i.argval for i in dis.get_instructions(c) if i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL"))
            else:
                found |= _stored_names(c)
        _STORED[code] = found
    return found


_LRU_CACHE = type(functools.lru_cache(maxsize=None)(lambda: None))


class _AllGlobals:
    """All the globals of one of the user's modules, as a place ``_tensors_in`` looks into and rebinds."""

    __slots__ = ("namespace",)

    def __init__(self, namespace):
        self.namespace = namespace

    def items(self):
        return list(self.namespace.items())

    def __setitem__(self, name, value):
        self.namespace[name] = value


def _names_in(code):
    """The global (and attribute) names the code object ``code`` and the code nested in it use."""
    names, stack = set(), [code]
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return names


class _NamedGlobals:
    """The entries of a module's globals dict that a function names, as the items of a place that
    ``_tensors_in`` looks into (read when it looks, so rebinding during the call is seen)."""

    __slots__ = ("namespace", "names")

    def __init__(self, namespace, names):
        self.namespace, self.names = namespace, names

    def items(self):
        return [(n, self.namespace[n]) for n in self.names if n in self.namespace]

    def __setitem__(self, name, value):
        self.namespace[name] = value


_LEAK_SCAN_LIMIT = 200_000  # containers and items looked at, at most, per scan


def _tensors_in(places, replace_except=None, replacements=None, only=None):
    """The ids of the Tensors held by the lists, tuples, dicts and objects reachable from ``places`` (not
    through modules, classes, functions or arrays). With ``replace_except`` (the ids found before ``f``
    ran), replace every other one by its value: the taped run leaves the arrays the function itself
    would have left there (an object's attribute, a list item, a dict value, a module global, what a
    closure cell holds, a tuple in one of those, rebuilt), not Tensors with their graph: their value,
    or what ``replacements`` gives for their id (the caller's own array for an argument's leaf); and the
    real ``math``, ``np``... where the run stored a stand-in of ``namespace.py`` (the run itself puts back
    those it bound in modules, but not copies it made: ``self.xp = np``). With ``only``, only the Tensors
    whose ids it holds are replaced."""
    found, seen, stack = set(), set(), []
    budget = _LEAK_SCAN_LIMIT

    def visit(value):
        """``value``, or what replaces it; containers met are looked into later."""
        if replace_except is not None and id(value) in _STAND_IN_IDS and not _stand_ins_in_use():   # self.xp = np
            return original_of(value)
        if isinstance(value, Tensor):
            found.add(id(value))
            if replace_except is not None and id(value) not in replace_except and (only is None or id(value) in only):
                return (replacements or {}).get(id(value), value.value)
        elif type(value) is tuple:
            new = tuple(visit(v) for v in value)
            if any(a is not b for a, b in zip(new, value)):
                return new
        elif type(value) is list or isinstance(value, dict) or _has_plain_attributes(value):
            stack.append(value)
        return value

    for place in places:  # the places themselves are not rebound, only what they hold
        if isinstance(place, (_NamedGlobals, _AllGlobals, _Cells)):
            stack.append(place)
        else:
            visit(place)
    while stack and budget > 0:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (dict, _NamedGlobals, _AllGlobals, _Cells)):
            items = list(obj.items())
        elif type(obj) is list:
            items = list(enumerate(obj))
        else:  # an object with plain attributes
            obj = vars(obj)
            items = list(obj.items())
        budget -= len(items)
        for key, value in items:
            new = visit(value)
            if new is not value:
                obj[key] = new
    return found


def _has_plain_attributes(obj):
    """Whether ``obj`` is an instance whose attributes live in a plain ``__dict__`` (a user's object),
    not a module, class, function or Tensor."""
    return (not isinstance(obj, (type, types.ModuleType, types.FunctionType, types.MethodType, Tensor,
                                 list, tuple, dict))
            and type(getattr(obj, "__dict__", None)) is dict)


def _run_recorded(run, args, kwargs, protected):
    """``run(*args, **kwargs)`` recorded (in functional mode: ``.item()`` records), turning NumPy's
    error for a write into an array ``_protect`` made read-only into an InPlaceError that says why."""
    functional = _mode.functional
    _mode.functional = True
    try:
        with enable_grad():
            return run(*args, **kwargs)
    except ValueError as error:
        if protected and "read-only" in str(error) and not isinstance(error, _ReadOnlyDestination):
            raise InPlaceError(_MODIFIED_AFTER_USE) from error
        if isinstance(error.__cause__, GradientLostError):
            # NumPy converting a Tensor into an item of a plain array (a[i] = t, np.fromiter(...)) calls
            # float(t), and turns our GradientLostError into a ValueError: give it back, with what to do
            raise PlainArrayWriteError(_STORED_IN_PLAIN_ARRAY) from error
        raise
    finally:
        _mode.functional = functional


_STORED_IN_PLAIN_ARRAY = (
    "a Tensor that requires grad was stored into a plain NumPy array (`a[i] = t` with `a = np.zeros(n)`, "
    "np.fromiter(...), np.array(..., dtype=float) of an iterator...; NumPy's error is chained above): a plain "
    "array cannot hold a gradient, so it would be lost. " + _BUILD_AS_TENSOR
)


_MODIFIED_AFTER_USE = (
    "the function modifies an array in place after using it in an operation that is differentiated: "
    "an array of a differentiated argument reached another way (a global or a container holding it), "
    "or one the tape handed out (`W = t.numpy()` or `t.detach()`, then `W -= 1.0`, `W[0] = 0.0` or "
    "`np.add(W, 1, out=W)`). The tape needs the values it recorded to compute the gradient, so, while "
    "differentiating, sourcegrad makes those arrays read-only (NumPy's error is chained above). Write "
    "`W = W - 1.0` (a new array) instead, or modify a copy (`W = W.copy()` first)."
)


def _check_scalar_output(value, f=None):
    """``grad`` differentiates functions with a scalar output: a ValueError pointing to vjp otherwise."""
    if value is None:
        raise ValueError("grad needs f to return a scalar, and it returned None (no return statement, or a bare "
                         "`return`); return the value to differentiate")
    if inspect.isgenerator(value) or inspect.iscoroutine(value):
        raise ValueError(f"grad needs f to return a scalar, and f is a generator (it uses yield): calling it gives a "
                         f"{type(value).__name__}; differentiate a function that consumes it (`sum(f(x))`)")
    if isinstance(value, (list, tuple, dict)) or not isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        raise ValueError(f"grad needs f to return a scalar, got {type(value).__name__}; "
                         f"use sg.vjp for functions with other outputs")
    if np.ndim(value) != 0:
        raise ValueError(f"grad needs f to return a scalar, got an output of shape {np.shape(value)}; "
                         f"use sg.vjp for non-scalar outputs")


_SOURCEGRAD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
_OWN_ERRORS = (NoRuleError, GradientLostError, InPlaceError, RuleBypassError, TensorTypeError)


def _is_library_file(filename):
    """Whether ``filename`` is code of sourcegrad, NumPy or the standard library (not the user's)."""
    path = os.path.abspath(filename)
    return (path.startswith((_SOURCEGRAD_DIR, _NUMPY_DIR, _STDLIB_DIR)) or filename.startswith("<frozen"))


_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__)) + os.sep


def _point_at_user(error, f, doing):
    """Add to the message of ``error``, an error of the tape's raised while ``f`` ran on it (or while its
    result was differentiated), which function of the user's, file and line caused it, and how to go on.
    Errors of the user's own code (raised there, not by sourcegrad) are left as they are."""
    if (getattr(error, "_sourcegrad_located", False) or not error.args or not isinstance(error.args[0], str)
            or type(error).__str__ is not BaseException.__str__):
        return
    frames = traceback.extract_tb(error.__traceback__)
    raised_by_tape = bool(frames) and os.path.abspath(frames[-1].filename).startswith(_SOURCEGRAD_DIR)
    if not (isinstance(error, _OWN_ERRORS) or raised_by_tape):
        return
    user = [fr for fr in frames if not _is_library_file(fr.filename)]
    cause = error.__cause__ or error.__context__
    while not user and cause is not None:   # re-raised by the tape from NumPy's error (PlainArrayWriteError)
        user = [fr for fr in traceback.extract_tb(cause.__traceback__) if not _is_library_file(fr.filename)]
        cause = cause.__cause__ or cause.__context__
    name = getattr(f, "__qualname__", None) or getattr(type(f), "__qualname__", repr(f))
    if user:
        where = user[-1]
        place = f"in {where.name}, {where.filename}:{where.lineno}"
        line = (where.line or "").strip()
        if line:
            place += f": `{line}`"
    else:
        code = getattr(getattr(f, "__func__", f), "__code__", None)
        place = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "(its source is unknown)"
    stage = "running" if doing == "while running" else "checking and differentiating the result of"
    error.args = (f"{error.args[0]}\n  [on the tape, {stage} {name}: {place}]",) + error.args[1:]
    error._sourcegrad_located = True


def _is_type_error_of_a_tensor(error):
    """Whether ``error`` is Python's or NumPy's own TypeError about a Tensor (``descriptor '__setitem__'
    requires a 'numpy.ndarray' object but received a 'Tensor'``, ``memoryview: a bytes-like object is
    required, not 'Tensor'``), raised straight in the user's code, not by sourcegrad."""
    if type(error) is not TypeError or "'Tensor'" not in str(error):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and not _is_library_file(frames[-1].filename)


def _tensor_type_error(error, f):
    """The TensorTypeError that says what ``error`` (see ``_is_type_error_of_a_tensor``) means on the tape."""
    new = TensorTypeError(
        f"{error}: on the tape the values computed from the arguments are Tensors, and this call takes only real "
        f"NumPy arrays or numbers, so the tape cannot follow it. Call the function form instead (`y[...] = v`, "
        f"`np.copyto(y, v)`, `y.fill(v)` rather than `np.ndarray.__setitem__(y, ...)`...), or use source mode "
        f'(mode="source").')
    new.__traceback__ = error.__traceback__
    _point_at_user(new, f, "while running")
    return new
