"""Source-to-source passes: parse, normalize, analyse, reverse, optimise, emit.

``build_gradient`` runs them in order and returns the generated source and compiled function.

Source mode understands every statement of a function or declines it; the generated code also bakes
in what the transformer resolved (which function or module each free name named, which rules were
registered, that the source text is the running code). ``Generated.is_current`` checks the first two
on every call, so cached code is rebuilt when one changes; the third is checked by ``parse``.
"""

from ..errors import OutputError, TransformError
from ..rules import registry
from ..tape.namespace import STAND_IN_OF, TAPED_TYPE
from .coalesce import coalesce_joins
from .emit import compile_function, gc_paused, source_text
from .memory import reduce_memory
from .normalize import normalize
from .optimize import optimize
from .parse import ABSENT, FunctionView
from .reverse import reverse


class Generated:
    """One generated gradient: its source text, the compiled function and what it relies on.

    ``guards`` holds ``(mapping, name, object)``: every free name the transformer resolved (in the
    function and in every helper it inlined, whatever module it lives in), every module attribute
    read through one, and the code and defaults of each function transformed; ``mapping.get(name,
    ABSENT)`` must still be ``object`` (by identity) for the code to be valid. ``is_current`` checks
    them all, with the rule registry's version, in one small compiled function (it runs on every call)."""

    def __init__(self, text, function, name, guards=()):
        self.text = text
        self.function = function
        self.name = name
        self.guards = _unique(guards)
        self.version = registry.VERSION[0]
        self.verdict = None   # verify on first use: None (not checked), True, or why it was rejected
        self.is_current = _checker(self.guards, self.version)

    def stale(self):
        """What changed since the code was built (for messages), or None."""
        if self.version != registry.VERSION[0]:
            return "a derivative rule was registered"
        for mapping, name, obj in self.guards:
            found = mapping.get(name, ABSENT)
            if found is not obj and found is not _stand_in(name, obj):
                return f"{name!r} was rebound"
        return None


def _stand_in(name, obj):
    """What the user's module may hold instead of ``obj`` as ``name`` while a function runs on the tape (the
    Tensor-aware ``math``, ``np``, ``type``... of ``sourcegrad.tape.namespace``), or None: a guard holds then too."""
    if obj is ABSENT:
        return TAPED_TYPE if name == "type" else None
    return STAND_IN_OF.get(id(obj))


def _unique(guards):
    seen = set()
    out = []
    for mapping, name, obj in guards:
        key = (id(mapping.func) if isinstance(mapping, FunctionView) else id(mapping), name)
        if key not in seen:
            seen.add(key)
            out.append((mapping, name, obj))
    return tuple(out)


def _checker(guards, version):
    """A function ``() -> bool``: whether every guard still holds and no rule was registered since."""
    names = {"VERSION": registry.VERSION, "ABSENT": ABSENT}
    tests = [f"VERSION[0] == {int(version)}"]
    for i, (mapping, name, obj) in enumerate(guards):
        names[f"m{i}"], names[f"o{i}"] = mapping, obj
        if isinstance(mapping, FunctionView) and name in ("__code__", "__defaults__", "__kwdefaults__"):
            names[f"m{i}"] = mapping.func
            tests.append(f"m{i}.{name} is o{i}")
        elif type(mapping) is dict:   # (a subscript costs less than a call of get: this runs on every call)
            tests.append(f"{name!r} not in m{i}" if obj is ABSENT else f"m{i}[{name!r}] is o{i}")
        else:
            tests.append(f"m{i}.get({name!r}, ABSENT) is o{i}")
        stand_in = _stand_in(name, obj)
        if stand_in is not None:   # the stand-in, while a function runs on the tape
            names[f"s{i}"] = stand_in
            tests[-1] = f"({tests[-1]} or m{i}.get({name!r}, ABSENT) is s{i})"
    params = ", ".join(names)
    body = " and ".join(tests)
    text = (f"def make({params}):\n    def is_current():\n        try:\n            return {body}\n"
            "        except KeyError:   # a name the code relies on was deleted\n            return False\n"
            "    return is_current\n")
    namespace = {}
    exec(compile(text, "<sourcegrad guards>", "exec"), namespace)
    return namespace["make"](**names)


def build_gradient(func, wrt, kinds=None, seeded=False, transformable=False):
    """Generate, optimise and compile the gradient of ``func`` with respect to parameter names ``wrt``.

    ``kinds`` maps parameter names to their kind (``sourcegrad.kinds``): the generated code is specialised on
    them (for example, no ``unbroadcast`` call where it could only return its argument) and is right only for
    arguments of those kinds. None: code for arguments of any kind. ``seeded``: the function takes the adjoint of
    the output (the seed, for ``vjp``) as its last parameter; else the seed is 1.0, folded into the code.
    The function returns ``(value, gradient)``, or ``(value, (gradients...))`` for several ``wrt``.
    ``transformable``: code meant to be differentiated again (higher order): it returns the gradient(s) alone,
    and memory is not reduced (no ``del``, no in-place ``+=``), so the transformer reads it as plain code.

    Any exception raised inside the transformer that is not one of sourcegrad's own errors is turned
    into a TransformError naming the function, so auto mode falls back to the tape with that reason.
    """
    try:
        with gc_paused():
            return _build(func, wrt, kinds or {}, seeded, transformable)
    except (TransformError, OutputError):
        raise
    except Exception as exc:
        name = getattr(func, "__qualname__", None) or repr(func)
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if len(detail) > 300:
            detail = detail[:300] + "..."
        raise TransformError(
            f"internal error in the source transformer ({detail}) while transforming {name}; please "
            "report it with the function. Use mode=\"tape\" to differentiate it by tracing meanwhile."
        ) from exc


def _build(func, wrt, kinds, seeded, transformable=False):
    if registry.lookup_vjp(func) is None:   # an @sg.primitive without a rule: the function it wraps
        func = getattr(func, "__sourcegrad_primitive__", func)
    program = coalesce_joins(normalize(func, wrt))
    adjoint = optimize(reverse(program, wrt, kinds, seeded), kinds, transformable)
    if not transformable:
        adjoint = reduce_memory(adjoint, kinds)
    text = source_text(adjoint, return_value=not transformable)
    label = getattr(func, "__qualname__", adjoint.name)
    function = compile_function(text, adjoint.name, label, func, adjoint.names.externals)
    guards = []
    for source in getattr(program, "sources", ()):
        guards.extend(source.guards())
    return Generated(text, function, adjoint.name, guards)
