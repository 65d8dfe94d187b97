"""The generated entry point of a GradientFunction: what ``g(x)`` runs once ``g`` has seen arguments like ``x``.

The general path (``GradientFunction.__call__``) binds the arguments, works out their kinds, looks the generated
gradient up, promotes ints, calls it, and checks and converts what it returns: about 1.5 µs for one float, more for
arrays. The entry does the same work for the few kinds of arguments a GradientFunction was last called with,
written out as straight-line Python for exactly those kinds: one ``if`` per kind of arguments, whose condition checks
each argument's kind and that the generated code is still current (``Generated.is_current``), and whose body calls
the generated code and does the cheap output checks of the general path. Whatever the entry was not written for
(keywords, another number of arguments, another kind, an int to promote, stale code) goes to the general path,
which stays as it was. The GradientFunction writes its entry when the general path serves a kind of arguments for
the second time (after verifying the generated code, with ``verify=True``), and again when what serves a kind changes.

``write_entry`` writes and compiles it; ``install`` makes it the GradientFunction's ``__call__``. For ``poly(x)``
taking one float, called last with a float:

    def __call__(gradient, *args, **kwargs):
        # the gradient of poly, for arguments of the kinds below; anything else: the general path
        if kwargs or len(args) != 1:
            return general(gradient, args, kwargs)
        x, = args
        # x: float
        if type(x) is float and current_0():
            gradient._mode = "source"
            gradient._last_generated = generated_0
            try:
                value, grad_x = function_0(x)
            except DeclinedAtRunTime as exc:
                return declined(gradient, exc, (x,), kinds_0)
            if type(value) is not float and type(value) is not float64:
                check_scalar(value, NAME)
            if type(grad_x) is not float:
                grad_x = float(grad_x) if type(grad_x) is float64 else like(grad_x, x, 'x')
            return grad_x
        return general(gradient, args, kwargs)
"""

import builtins
import keyword
import linecache
import re
import zlib
from typing import NamedTuple

import numpy as np

from .errors import DeclinedAtRunTime
from .kinds import SCALAR, is_array, kind_of

#: The NumPy scalar types of kind SCALAR that an argument not differentiated may have in the entry (others: the
#: general path). Exact types: a Tensor, which says it is a float to isinstance, never passes.
NUMPY_REALS = frozenset(t for t in (np.float16, np.float32, np.float64, np.longdouble, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
                        if kind_of(t(0)) == SCALAR)

_RESERVED = {"gradient", "args", "kwargs", "given", "value", "exc", "general", "declined", "check_scalar", "like",
             "ndarray", "float64", "NUMPY_REALS", "DeclinedAtRunTime", "NAME", "fill", "target", "target_defaults",
             "type", "len", "float", "int"}
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset)   # a bound one keeps its kind
_NUMBERED = re.compile(r"(function|current|generated|kinds|bound|type|grad|shape|dtype)_")
_CODE = {}          # entry text -> compiled code: a GradientFunction changing kinds does not compile again
_CODE_LIMIT = 512


class EntrySpec(NamedTuple):
    """What an entry is written for: one GradientFunction, all but the kinds of its arguments."""

    name: str            # the function's name (for messages)
    params: tuple        # the target's parameter names, in order
    bound: tuple         # the values of the first len(bound) parameters (a bound method's self, a partial's
                         # positional arguments); the caller passes the others, positionally
    defaults: tuple      # the default values of the last parameters, which a caller may leave out
    defaults_of: tuple   # (function, its __defaults__): a caller leaving one out takes the general path unless the
                         # function's defaults are still those; () when they cannot change
    wrt_index: tuple     # the positions in params of the arguments differentiated
    with_value: bool     # return (value, gradient)
    as_tuple: bool       # the gradients as a tuple (wrt was a tuple)
    general: object      # general(gradient, args, kwargs): the general path
    declined: object     # declined(gradient, exc, args, kinds): the generated code raised DeclinedAtRunTime
    check_scalar: object  # check_scalar(value, name) and like(grad, arg, name): the general path's output checks
    like: object


def write_entry(spec, chain):
    """``(function, text)``: the entry of a GradientFunction described by ``spec`` (an EntrySpec), for the kinds of
    arguments in ``chain``: ``((kinds, types, generated), ...)``, each the kinds of the arguments (one per
    parameter), their types when they were taken, and the Generated gradient for them, in the order they are tried."""
    local = _local_names(spec.params[len(spec.bound):])
    names = [f"bound_{i}" for i in range(len(spec.bound))] + local
    namespace = {"__builtins__": builtins, "general": spec.general, "declined": spec.declined,
                 "check_scalar": spec.check_scalar, "like": spec.like, "ndarray": np.ndarray, "float64": np.float64,
                 "NUMPY_REALS": NUMPY_REALS, "DeclinedAtRunTime": DeclinedAtRunTime, "NAME": spec.name}
    namespace.update((f"bound_{i}", value) for i, value in enumerate(spec.bound))
    title = " ".join(str(spec.name).split())
    lines = ["def __call__(gradient, *args, **kwargs):",
             f"    # the gradient of {title}, for arguments of the kinds below; anything else: the general path"]
    lines += _arguments(local, spec.defaults, spec.defaults_of, namespace)
    types_used = []
    for i, (kinds, types, generated) in enumerate(chain):
        tests = [_guard(kind, value, j in spec.wrt_index, cls, types_used)
                 for j, (value, kind, cls) in enumerate(zip(names, kinds, types))]
        if None in tests:
            continue
        namespace.update({f"function_{i}": generated.function, f"current_{i}": generated.is_current,
                          f"generated_{i}": generated, f"kinds_{i}": kinds})
        lines += _block(i, names, spec, kinds, [t for t in tests if t])
    lines.append("    return general(gradient, args, kwargs)")
    namespace.update((f"type_{k}", cls) for k, cls in enumerate(types_used))
    text = "\n".join(lines) + "\n"
    return _compile(text, spec.name, namespace), text


def _arguments(local, defaults, defaults_of, namespace):
    """The lines that take the caller's arguments into the names ``local`` (or hand the call to the general path)."""
    n = len(local)
    unpack = f"    {', '.join(local)}{',' if n == 1 else ''} = args"
    if not defaults:
        return [f"    if kwargs or len(args) != {n}:", "        return general(gradient, args, kwargs)"] + \
            ([unpack] if local else [])
    fewest = n - len(defaults)
    namespace["fill"] = (None,) * fewest + tuple(defaults[i - fewest:] for i in range(fewest, n + 1))
    lines = ["    given = len(args)",
             f"    if kwargs or not {fewest} <= given <= {n}:",
             "        return general(gradient, args, kwargs)"]
    if defaults_of:
        namespace["target"], namespace["target_defaults"] = defaults_of
        lines += [f"    if given < {n} and target.__defaults__ is not target_defaults:   # defaults replaced",
                  "        return general(gradient, args, kwargs)"]
    return lines + [f"{unpack} + fill[given]   # the defaults of those left out"]


def _local_names(params):
    """The names of the caller's arguments inside the entry: their own names, unless one could clash with a name
    the entry uses (then ``a0, a1...``)."""
    if any(p in _RESERVED or keyword.iskeyword(p) or _NUMBERED.match(p) or not p.isidentifier() for p in params):
        return [f"a{i}" for i in range(len(params))]
    return list(params)


def _guard(kind, name, differentiated, cls, types_used):
    """The test that the value named ``name`` has ``kind`` and needs nothing of the general path; ``cls`` is its
    type when the kinds were taken. '' for a bound value whose kind cannot change; None when the entry cannot take
    arguments of this kind. A test may be stricter than the kind: what it turns away takes the general path."""
    if differentiated:        # exactly what needs no promotion and whose gradient the entry converts
        if kind == SCALAR:
            return f"type({name}) is float"
        if is_array(kind):
            return f"({_array_test(kind[1], name)} and (dtype_{name} := {name}.dtype).kind == 'f')"
        return None
    if name.startswith("bound_") and cls in _IMMUTABLE:
        return ""
    if kind == SCALAR:
        return f"(type({name}) is float or type({name}) is int or type({name}) in NUMPY_REALS)"
    if is_array(kind):
        return f"({_array_test(kind[1], name)})"
    if kind is None:          # any other value: one of the type seen then (its kind is None too)
        types_used.append(cls)
        return f"type({name}) is type_{len(types_used) - 1}"
    return None


def _array_test(pattern, name):
    """The test that ``name`` is an ndarray whose shape has ``pattern`` (sourcegrad/kinds.py: "1" for an axis of length
    one, "N" for any other), reading the shape once, into ``shape_<name>``
    (which the output checks use too: each attribute of an array read costs)."""
    shape = f"shape_{name}"
    tests = [f"type({name}) is ndarray", f"len({shape} := {name}.shape) == {len(pattern)}"]
    if "1" not in pattern:
        tests += [f"1 not in {shape}"] if pattern else []
    else:
        tests += [f"{shape}[{i}] {'==' if p == '1' else '!='} 1" for i, p in enumerate(pattern)]
    return " and ".join(tests)


def _block(i, names, spec, kinds, tests):
    """The lines of the ``if`` taking the fast path for the ``i``-th kinds of arguments."""
    params, wrt_index = spec.params, spec.wrt_index
    described = ", ".join(f"{p}: {_describe(k, j in wrt_index)}" for j, (p, k) in enumerate(zip(params, kinds)))
    condition = " and ".join(tests + [f"current_{i}()"])
    if len(condition) > 80:
        condition = "(" + "\n            and ".join(tests + [f"current_{i}()"]) + ")"
    grads = [f"grad_{names[j]}" for j in wrt_index]
    call = ", ".join(names)
    lines = [f"    # {described}",
             f"    if {condition}:",
             "        gradient._mode = \"source\"",
             f"        gradient._last_generated = generated_{i}",
             "        try:",
             f"            value, {grads[0] if len(grads) == 1 else '(' + ', '.join(grads) + ')'} = function_{i}({call})",
             "        except DeclinedAtRunTime as exc:",
             f"            return declined(gradient, exc, ({call}{',' if len(names) == 1 else ''}), kinds_{i})",
             "        if type(value) is not float and type(value) is not float64:",
             "            check_scalar(value, NAME)"]
    for grad, j in zip(grads, wrt_index):
        arg, label = names[j], repr(params[j])
        if kinds[j] == SCALAR:
            lines += [f"        if type({grad}) is not float:",
                      f"            {grad} = float({grad}) if type({grad}) is float64 else like({grad}, {arg}, {label})"]
        else:
            lines += [f"        if not (type({grad}) is ndarray and {grad}.dtype is dtype_{arg} "
                      f"and {grad}.shape == shape_{arg} and {grad}.flags.writeable):",
                      f"            {grad} = like({grad}, {arg}, {label})"]
    result = ", ".join(grads)
    if spec.as_tuple:
        result = f"({result}{',' if len(grads) == 1 else ''})"
    lines.append(f"        return {'value, ' if spec.with_value else ''}{result}")
    return lines


def _describe(kind, differentiated):
    """How the entry's comments name a kind."""
    if kind == SCALAR:
        return "float" if differentiated else "number"
    if is_array(kind):
        return f"{'float ' if differentiated else ''}array {kind[1]!r}"
    return "same type"


def _compile(text, name, namespace):
    """The function the entry's text defines, its code compiled once per text (and registered with linecache, so
    that tracebacks and debuggers show its lines)."""
    code = _CODE.get(text)
    if code is None:
        if len(_CODE) >= _CODE_LIMIT:
            _CODE.clear()
        filename = f"<sourcegrad entry {name} {zlib.crc32(text.encode()):08x}>"
        code = _CODE[text] = compile(text, filename, "exec")
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(code, namespace)
    return namespace["__call__"]


def install(gradient, function):
    """Make ``function`` what calling ``gradient`` runs (None: the general path again). Python looks ``__call__``
    up on the type, so ``gradient`` gets a class of its own, a subclass of its class, once."""
    cls = type(gradient)
    if not cls.__dict__.get("_own_class"):
        if function is None:
            return
        cls = type(cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                          "__doc__": cls.__doc__, "_own_class": True})
        gradient.__class__ = cls
    if function is not None:
        cls.__call__ = function
    elif "__call__" in cls.__dict__:
        del cls.__call__
