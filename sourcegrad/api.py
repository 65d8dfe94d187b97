"""The public entry points: grad, value_and_grad, vjp, source, show.

``grad`` returns a GradientFunction: it chooses the mode (source transformation when the function
can be transformed, the tape otherwise), caches the generated code per kind of argument, and
converts gradients to the type and shape of the argument they belong to.
"""

import builtins
import functools
import inspect
import keyword
import linecache
import numbers
import os
import sys
import types
import warnings
import weakref

import numpy as np

from . import entry as _entry
from .check import DEFAULT_TOLERANCES, numerical_grad
from .kinds import is_tree_kind, kind_of, leaf_kind, leaf_kind_floats, tree_float_count as _tree_float_count
from .tree import is_tree, tree_flatten, tree_unflatten
from .errors import DeclinedAtRunTime, OutputError, TransformError, UnsupportedError
from .rules import registry
from .rules.registry import lookup_vjp
from .transforms import build_gradient
from .transforms.structured import build_tree_gradient, flat_arguments as _flat_arguments, regroup as _regroup

MODES = ("auto", "source", "tape")
_GENERATED = weakref.WeakKeyDictionary()   # function -> {(wrt, kinds): Generated}, shared by all wrappers
_TAPE = "tape"                             # cache entry: these kinds of arguments go to the tape
_PRIMITIVE_SOURCES = {}                    # primitive with a rule -> its synthetic Python function
_VERIFIED = True                           # Generated.verdict of a gradient verification accepted
_ENTRY_KINDS = 4                           # the fast entry takes the last this many kinds of arguments
_ENTRY_BUILDS = 16                         # and is written at most this many times per GradientFunction


def _verify_default():
    return os.environ.get("SOURCEGRAD_VERIFY", "").strip().lower() not in ("", "0", "false", "no", "off")


def _callable_parts(func):
    """``(target, prefix, fixed)``: calling ``func(*args, **kwargs)`` is calling
    ``target(*prefix, *args, **{**fixed, **kwargs})`` (partials, bound methods, callable objects)."""
    if isinstance(func, functools.partial):
        target, prefix, fixed = _callable_parts(func.func)
        return target, prefix + tuple(func.args), {**fixed, **(func.keywords or {})}
    if isinstance(func, GradientFunction):      # higher order: the tape runs the generated gradient
        return func, (), {}
    if isinstance(func, types.MethodType):      # self (or cls) is a constant, never differentiated
        target, prefix, fixed = _callable_parts(func.__func__)
        return target, prefix + (func.__self__,), fixed
    if (isinstance(func, (types.FunctionType, types.BuiltinFunctionType, np.ufunc))
            or lookup_vjp(func) is not None or isinstance(func, type)):
        return func, (), {}
    call = getattr(type(func), "__call__", None)
    if isinstance(call, types.FunctionType):     # an object with a __call__ method written in Python
        return call, (func,), {}
    return func, (), {}


def _target_signature(target):
    """The signature calls are bound with: the function's own, the wrapped function's for a
    ``functools.wraps`` wrapper taking ``*args, **kwargs``, the rule's for a primitive without one."""
    if isinstance(target, GradientFunction):
        return target._user_signature()
    if isinstance(target, types.FunctionType):
        own = inspect.signature(target, follow_wrapped=False)
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in own.parameters.values()):
            try:
                return inspect.signature(target)          # follows __wrapped__, if any
            except (TypeError, ValueError):
                return own
        return own
    rule = lookup_vjp(target)
    if rule is not None and rule.signature is not None:
        # out= is not something to differentiate through (the rule table declines it): not offered
        params = [p for p in rule.signature.parameters.values() if p.name != "out"]
        return rule.signature.replace(parameters=params)
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        raise TypeError(
            f"cannot differentiate {target!r}: it is not a Python function, has no derivative rule and no "
            "signature. Wrap it in a Python function, or register a rule with sg.vjp_rule."
        ) from None


def _after_out(target, params):
    """The parameters a primitive's rule lists after ``out`` (left out of its signature here): they
    are passed by keyword, so that they do not land in ``out``'s place."""
    if isinstance(target, types.FunctionType):
        return set()
    rule = lookup_vjp(target)
    original = [] if rule is None or rule.signature is None else list(rule.signature.parameters)
    if "out" not in original:
        return set()
    return set(original[original.index("out") + 1:]) & set(params)


def positional_index(params, by_keyword, name):
    """The position of parameter ``name`` among those passed positionally."""
    return [p for p in params if p not in by_keyword].index(name)


def _defaults_key(target):
    if type(target) is types.FunctionType:
        return target.__defaults__, target.__kwdefaults__, target.__code__
    return None, None, None


def _primitive_source(primitive, signature):
    """A small Python function that calls ``primitive`` once, so that source mode (which inlines
    ``primitive``'s rule) can differentiate a primitive passed to ``grad`` directly."""
    try:
        cached = _PRIMITIVE_SOURCES.get(primitive)
    except TypeError:
        cached = None
    if cached is not None and cached[0] == signature:
        return cached[1]
    params = list(signature.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        raise TransformError(f"{registry.primitive_name(primitive)} takes *args or **kwargs, which source mode "
                             "cannot call as a primitive", hint='Use mode="tape".')
    name = getattr(primitive, "__name__", "primitive")
    name = name if name.isidentifier() and not keyword.iskeyword(name) else "primitive"
    names = [p.name for p in params]
    if any(not n.isidentifier() or keyword.iskeyword(n) or n == "_sg_primitive" for n in names):
        raise TransformError(f"cannot write a call of {registry.primitive_name(primitive)} with parameters "
                             f"{names}", hint='Use mode="tape".')
    rule = lookup_vjp(primitive)
    original = [] if rule is None or rule.signature is None else list(rule.signature.parameters)
    cut = original.index("out") if "out" in original else len(params)   # after a left-out out=: by keyword
    arguments = [p.name if p.kind != p.KEYWORD_ONLY and i < cut else f"{p.name}={p.name}"
                 for i, p in enumerate(params)]
    head = ", ".join(names)
    star = next((i for i, p in enumerate(params) if p.kind == p.KEYWORD_ONLY), None)
    if star is not None:
        head = ", ".join(names[:star] + ["*"] + names[star:])
    # call it by the name people know: np.sin, np.linalg.norm, my_softplus
    dotted = registry.primitive_name(primitive)
    if dotted.startswith("np.") and "np" not in names and _dotted(np, dotted[3:]) is primitive:
        call, namespace = dotted, {"np": np}
    elif name not in names and name != "primitive":
        call, namespace = name, {name: primitive}
    else:
        call, namespace = "_sg_primitive", {"_sg_primitive": primitive}
    namespace["__builtins__"] = builtins
    text = f"def {name}({head}):\n    return {call}({', '.join(arguments)})\n"
    filename = f"<sourcegrad primitive {dotted} {id(primitive):x}>"
    module = compile(text, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    function = types.FunctionType(code, namespace, name)   # not exec'd: the def would rebind `name`
    function.__defaults__ = tuple(p.default for p in params
                                  if p.kind != p.KEYWORD_ONLY and p.default is not p.empty) or None
    function.__kwdefaults__ = {p.name: p.default for p in params
                               if p.kind == p.KEYWORD_ONLY and p.default is not p.empty} or None
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    try:
        _PRIMITIVE_SOURCES[primitive] = (signature, function)
    except TypeError:
        pass
    return function


def _dotted(root, path):
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


class VerificationWarning(UserWarning):
    """``verify=True``: a generated gradient disagreed with the tape (or finite differences) on its
    first use, or could not be checked."""


class GradientFunction:
    """The gradient of ``func``: call it like ``func``; it returns the gradient with respect to ``wrt``.

    Attributes: ``mode`` ('source' or 'tape', decided on first use), ``fallback_reason`` (why auto
    mode fell back to the tape, else None), ``source`` (the generated adjoint's text), ``entry_source``
    (the text of the fast path calls take once the same kind of arguments comes again; see sourcegrad/entry.py).

    ``func`` may be a Python function, a ``functools.partial``, a bound method (``self`` is a
    constant), an object with a ``__call__`` method, or a primitive with a registered rule (a NumPy
    function such as ``np.sin``, or your own function registered with ``sg.vjp_rule``).
    """

    def __init__(self, func, wrt=0, mode="auto", with_value=False, verify=None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if not callable(func):
            raise TypeError(f"grad needs a function, got {func!r}")
        if isinstance(func, types.FunctionType):
            functools.update_wrapper(self, func)
        else:
            functools.update_wrapper(self, func, updated=())
        self.func = func
        self._target, self._prefix, self._fixed = _callable_parts(func)
        if not self.__dict__.get("__name__"):
            self.__name__ = getattr(self._target, "__name__", None) or type(func).__name__
            self.__qualname__ = getattr(self._target, "__qualname__", None) or self.__name__
        self.requested_mode = mode
        self._with_value = with_value
        self._verify_on = _verify_default() if verify is None else bool(verify)
        self._signature = _target_signature(self._target)
        self._defaults = _defaults_key(self._target)
        params = list(self._signature.parameters.values())
        self._variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
        self._star = any(p.kind == p.VAR_POSITIONAL for p in params)
        self._params = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self._kwonly = {p.name for p in params if p.kind == p.KEYWORD_ONLY}
        self._by_keyword = self._kwonly | _after_out(self._target, self._params)   # how the tape passes them
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(self._prefix) > len(positional) and not self._variadic:
            raise TypeError(f"{self.__name__} is called with {len(self._prefix)} bound positional arguments but "
                            f"takes {len(positional)}")
        # the parameters the caller passes: those a partial, a bound self or object fixed are not named by
        # position (a partial's keyword arguments stay, as keyword arguments with a default)
        bound_names = positional[:len(self._prefix)]
        self._user_params = [n for n in self._params if n not in bound_names]
        self._single = not isinstance(wrt, (tuple, list))
        self.wrt = self._resolve_wrt((wrt,) if self._single else tuple(wrt))
        self._wrt_index = tuple(self._params.index(n) if n in self._params else -1 for n in self.wrt)
        self._mode = None
        self.fallback_reason = None
        self._error = None
        self._by_kinds = {}       # argument kinds -> Generated, or _TAPE: the per-call fast path
        self._last_generated = None
        simple = not self._prefix and not self._fixed and not self._variadic
        self._nargs = len(self._params) if simple and not self._kwonly else -1
        # the fast entry (sourcegrad/entry.py): for callers passing every argument positionally
        self._entry_possible = (type(self) is GradientFunction and not self._fixed and not self._variadic
                                and not self._kwonly and len(self._prefix) <= len(self._params))
        self._entry_chain = ()       # ((kinds, types, Generated), ...) the entry takes, newest first
        self._entry_seen = set()     # kinds of arguments the general path served once
        self._entry_builds = 0
        self._entry_text = None
        self._last_call = None       # (kinds, types) of the arguments of the general path's last call

    def _resolve_wrt(self, wrt):
        names = []
        params = self._user_params
        for w in wrt:
            if isinstance(w, bool) or not isinstance(w, (int, str)):
                raise TypeError(f"wrt must be an int, a parameter name, or a tuple of them, not {w!r}")
            if isinstance(w, int):
                if w >= len(params) and self._star:   # a positional argument caught by *args
                    w = f"args[{w}]"
                elif not -len(params) <= w < len(params):
                    extra = ("; with **kwargs, differentiate with respect to a named parameter"
                             if self._variadic else "")
                    raise ValueError(f"wrt={w} is out of range: {self.__name__} has {len(params)} "
                                     f"parameters {params}{extra}")
                else:
                    w = params[w]
            elif w not in params:
                raise ValueError(f"wrt={w!r} is not a parameter of {self.__name__}; its parameters are "
                                 f"{params}")
            if w in names:
                raise ValueError(f"wrt names {w!r} twice")
            names.append(w)
        if not names:
            raise ValueError("wrt is empty: name at least one parameter to differentiate with respect to")
        return tuple(names)

    @property
    def with_value(self):
        """Whether calls return ``(value, gradient)`` (``value_and_grad``) rather than the gradient alone."""
        return self._with_value

    @with_value.setter
    def with_value(self, on):
        self._with_value = on
        self._drop_entry()

    @property
    def verify(self):
        """Whether each newly generated gradient is checked against the tape on its first use."""
        return self._verify_on

    @verify.setter
    def verify(self, on):
        self._verify_on = on
        self._drop_entry()

    # ---- mode and source ----

    @property
    def mode(self):
        """'source' or 'tape': how gradients are computed (decided on first use)."""
        if self._mode is None:
            self._choose_mode()
        return self._mode

    def _choose_mode(self, kinds=None):
        """The Generated gradient if the function transforms for arguments of these kinds, else
        (auto mode) _TAPE."""
        if self.requested_mode == "tape":
            self._mode = "tape"
            return _TAPE
        try:
            generated = self._generated(kinds)
        except OutputError:
            raise
        except TransformError as exc:
            if self.requested_mode == "source":
                raise
            self._mode, self._error = "tape", exc
            self.fallback_reason = exc.reason
            if exc.lineno is not None:   # the file, and the line unless the reason names it already
                where = "" if f"line {exc.lineno}" in exc.reason else f", line {exc.lineno}"
                self.fallback_reason += f" ({os.path.basename(exc.filename)}{where})"
            return _TAPE
        if isinstance(generated.verdict, str):   # verification found it wrong: the tape from now on
            self._mode, self.fallback_reason = "tape", generated.verdict
            return _TAPE
        self._mode = "source"
        return generated

    def _source_function(self, kinds=None):
        """The Python function source mode transforms: the target, or for a primitive with a rule a
        small function calling it; for a gradient function its generated code (specialised on ``kinds``)."""
        target = self._target
        if isinstance(target, GradientFunction):   # higher order: its generated code, transformed again
            from .higher import transformable

            return transformable(target, kinds)
        if lookup_vjp(target) is not None:
            return _primitive_source(target, self._signature)
        if self._variadic:
            # the normalizer explains why *args/**kwargs cannot be transformed
            return getattr(target, "__sourcegrad_primitive__", target) if isinstance(target, types.FunctionType) \
                else target
        if not isinstance(target, types.FunctionType):
            raise TransformError(
                f"{target!r} is not a Python function and has no derivative rule, so source mode has nothing "
                "to transform. Register a rule with sg.vjp_rule, or use mode=\"tape\"."
            )
        return target

    def _generated(self, kinds, seeded=False):
        """The Generated gradient for arguments of these kinds, from the shared cache or built now; ``seeded``: the
        variant that takes the output's adjoint as its last argument (for ``vjp``)."""
        key = (self.wrt, kinds, seeded)
        function = self._source_function(kinds)
        shared = _GENERATED.setdefault(function, {})
        generated = shared.get(key)
        if generated is None or not generated.is_current():
            try:
                if kinds is not None and any(map(is_tree_kind, kinds)):
                    generated = build_tree_gradient(function, self.wrt, self._params, kinds, seeded=seeded)
                else:
                    generated = build_gradient(function, self.wrt,
                                               None if kinds is None else dict(zip(self._params, kinds)),
                                               seeded=seeded)
            except TransformError as exc:
                if isinstance(self._target, GradientFunction):   # the generated code of a gradient, again
                    from .higher import again_error

                    raise again_error(exc, self._target) from None
                raise
            shared[key] = generated
        return generated

    @property
    def source(self):
        """The generated adjoint as Python source text (for the last kind of arguments called with)."""
        if self.mode == "tape":
            if self._error is not None:
                raise self._error
            if self.fallback_reason is not None:
                raise TransformError(f"{self.__name__} uses the tape: {self.fallback_reason}")
            raise TransformError(f"{self.__name__} uses mode='tape', which generates no source")
        if self._last_generated is not None:
            return self._last_generated.text
        return self._generated(None).text

    @property
    def adjoint_function(self):
        """The compiled generated function ``(*args) -> (value, gradient)`` behind ``source``."""
        if self.mode == "tape":
            return self.source  # raises the reason there is none
        return (self._last_generated or self._generated(None)).function

    @property
    def entry_source(self):
        """The source text of the fast entry calls take (sourcegrad/entry.py), or None while there is none."""
        return self._entry_text

    def __repr__(self):
        return f"<sourcegrad.grad of {self.__qualname__} wrt {', '.join(self.wrt)}>"

    def _repr_html_(self):
        """Notebooks: the mode, the fallback reason and the highlighted generated source."""
        from .display import gradient_html
        return gradient_html(self)

    def _repr_markdown_(self):
        from .display import gradient_markdown
        return gradient_markdown(self)

    def _repr_pretty_(self, printer, cycle):
        from .display import gradient_text
        printer.text(repr(self) if cycle else gradient_text(self))

    def __reduce__(self):
        """Pickled by reference: the user's function, ``wrt`` and mode; the other side builds its own code."""
        from .pickling import reduce_gradient
        return reduce_gradient(self)

    # ---- calling ----

    def _bind(self, args, kwargs):
        """The arguments as one tuple in parameter order (defaults filled in)."""
        if self._variadic:
            raise TypeError(f"{self.__name__} takes *args/**kwargs")   # _call_variadic handles those
        if self._prefix or self._fixed:
            args = self._prefix + tuple(args)
            kwargs = {**self._fixed, **kwargs}
        target = self._target
        if type(target) is types.FunctionType and (target.__defaults__ is not self._defaults[0]
                                                   or target.__kwdefaults__ is not self._defaults[1]
                                                   or target.__code__ is not self._defaults[2]):
            self._refresh_signature()
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments[n] for n in self._params)

    def _user_signature(self):
        """The signature callers of this gradient function use (what a partial or self leaves)."""
        if not self._prefix and not self._fixed:
            return self._signature
        try:
            return inspect.signature(self.func)
        except (TypeError, ValueError):
            params = list(self._signature.parameters.values())[len(self._prefix):]
            return self._signature.replace(parameters=params)

    def _higher_order(self, args, seed):
        """Called with Tensors: this gradient is being differentiated on the tape (``sg.grad(g, mode="tape")`` of a
        gradient ``g``, or auto mode where source mode declined the outer function). In source (or auto) mode the
        generated gradient code runs on the Tensors, so the tape records it, with the runtime helpers it calls
        recorded through their rules (``higher.on_the_tape``). In tape mode, and in auto mode where the generated
        code cannot run on the tape (a helper without a rule, such as a loop's stacks), the function itself runs
        on the tape, which records its own backward pass (``tape/higher.py``). Source mode does not come here: it
        transforms the generated code again (``higher.transformable``)."""
        from .tape import Tensor

        name = self.__name__
        promoted = list(args)
        for i in self._wrt_index:
            if not isinstance(args[i], Tensor):
                promoted[i] = _promote(args[i], self._params[i], name)
        kinds = tuple(kind_of(a.value if isinstance(a, Tensor) else a) for a in args)
        entry = _TAPE if self.requested_mode == "tape" else self._choose_mode(kinds)
        if entry is not _TAPE:
            from .higher import on_the_tape   # the helpers it calls, recorded through their rules

            try:
                function = on_the_tape(entry.function if seed is None
                                       else self._generated(kinds, seeded=True).function, name)
            except UnsupportedError:
                if self.requested_mode == "source":
                    raise
            else:
                value, raw = function(*promoted) if seed is None else function(*promoted, seed)
                if not self._single and len(self.wrt) == 1:
                    raw = (raw,)
                return value, raw
        value, raw = self._tape(promoted, seed)   # the tape records its own backward pass (tape/higher.py)
        raw = tuple(_zeros_for(g, a) for g, a in zip(raw, [promoted[i] for i in self._wrt_index]))
        return value, raw[0] if self._single else raw

    def _refresh_signature(self):
        """The function's defaults (or code) were replaced since ``grad`` read its signature."""
        signature = _target_signature(self._target)
        names = [p.name for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if names != self._params or [p.kind for p in signature.parameters.values()] != \
                [p.kind for p in self._signature.parameters.values()]:
            raise TypeError(f"the parameters of {self.__name__} changed since sg.grad was called on it; call "
                            "sg.grad again")
        self._signature = signature
        self._defaults = _defaults_key(self._target)

    def __call__(self, *args, **kwargs):
        """The gradient(s) of ``func`` at these arguments (``(value, gradient)`` for ``value_and_grad``)."""
        return self._general_call(args, kwargs)

    def _general_call(self, args, kwargs):
        """The general path of a call. Once it has served a kind of arguments twice, later calls with arguments of
        that kind take a generated entry instead (``_update_entry``), which comes back here for anything else."""
        if self._variadic:
            value, grads = self._call_variadic(args, kwargs)
        else:
            self._last_call = None
            try:
                value, grads = self._value_and_grads(args, kwargs)
            finally:
                if self._entry_possible and self._last_call is not None:
                    self._update_entry(*self._last_call)
        return (value, grads) if self._with_value else grads

    def _value_and_grads(self, args, kwargs, seed=None, prebound=False):
        if not prebound and (kwargs or len(args) != self._nargs):
            args = self._bind(args, kwargs)
        types_ = tuple(map(type, args))
        kinds = tuple(map(kind_of, args))   # (of the promoted arguments too: promotion keeps the kind)
        if None in kinds and any(is_tree(args[i]) for i in self._wrt_index):
            return self._tree_value_and_grads(args, kinds, seed)
        if seed is None:
            self._last_call = kinds, types_
        entry = self._by_kinds.get(kinds)
        if entry is None or entry is not _TAPE and not entry.is_current():
            if any(getattr(t, "__module__", None) == "sourcegrad.tape.tensor" for t in types_):
                return self._higher_order(args, seed)      # Tensors: we are being differentiated
            entry = self._by_kinds[kinds] = self._entry_for(args)
        promoted = self._promoted(args, types_)
        if entry is _TAPE:
            self._mode = "tape"
            value, raw = self._tape(promoted, seed)
            if self._single:
                raw = raw[0]
        else:
            self._mode = "source"
            self._last_generated = entry
            try:
                if seed is None:
                    value, raw = entry.function(*promoted)
                else:
                    value, raw = self._generated(kinds, seeded=True).function(*promoted, seed)
            except DeclinedAtRunTime as exc:   # the generated code met a value it was not written for
                if self.requested_mode == "source":
                    raise
                value, raw = self._declined(exc, kinds, promoted, seed)
            else:
                if not self._single and len(self.wrt) == 1:   # wrt=(0,): the generated code returns one
                    raw = (raw,)
                if entry.verdict is None and self._verify_on and seed is None:
                    value, raw = self._verify(entry, kinds, args, promoted, value, raw)
        return self._finish(value, raw, args, seed)

    # ---- structured arguments (sourcegrad/tree.py) ----

    def _tree_value_and_grads(self, args, kinds, seed):
        """``(value, gradients)`` when an argument differentiated is a structure (list, tuple, dict, NamedTuple,
        dataclass): its gradient is a structure of the same shape, ``None`` at the leaves that are not floats.
        Source mode runs code generated for exactly this structure (the cache key holds it: ``kinds.tree_kind``)
        on the leaves; the tape runs the function on the structure with its float leaves boxed."""
        kinds = list(kinds)
        leaves = {}    # position -> the leaves of a structured argument (flattened once per call)
        for i in self._wrt_index:
            if is_tree(args[i]):
                leaves[i], treedef = tree_flatten(args[i])
                kinds[i] = ("tree", treedef, tuple(map(leaf_kind, leaves[i])))
                if any(k[0] == "object" and getattr(k[1], "__module__", "").startswith("sourcegrad.tape")
                       for k in kinds[i][2] if type(k) is tuple):
                    raise UnsupportedError(f"higher-order derivatives of {self.__name__} with respect to a structure "
                                           "(its leaves are Tensors) are not supported; differentiate with respect "
                                           "to arrays")
                if not _tree_float_count(kinds[i]):
                    raise TypeError(f"cannot differentiate {self.__name__} with respect to {self._params[i]!r}: the "
                                    f"{type(args[i]).__name__} holds no floats or float arrays (integers inside a "
                                    "structure are not promoted: they are carried along with no gradient)")
        kinds = tuple(kinds)
        promoted = list(args)
        for i in self._wrt_index:
            if not is_tree_kind(kinds[i]) and not (type(args[i]) is float or type(args[i]) is np.ndarray
                                                    and args[i].dtype.kind == "f"):
                promoted[i] = _promote(args[i], self._params[i], self.__name__)
        entry = self._by_kinds.get(kinds)
        if entry is None or entry is not _TAPE and not entry.is_current():
            entry = self._by_kinds[kinds] = self._choose_mode(kinds)
        if entry is not _TAPE:
            self._mode = "source"
            self._last_generated = entry
            flat = _flat_arguments(promoted, kinds, leaves)
            try:
                if seed is None:
                    value, raw = entry.function(*flat)
                else:
                    value, raw = self._generated(kinds, seeded=True).function(*flat, seed)
            except DeclinedAtRunTime as exc:
                if self.requested_mode == "source":
                    raise
                self._by_kinds[kinds] = _TAPE
                self._mode, self._error, self.fallback_reason = "tape", exc, exc.reason
            else:
                count = sum(_tree_float_count(kinds[i]) if is_tree_kind(kinds[i]) else 1 for i in self._wrt_index)
                raw = _regroup((raw,) if count == 1 else tuple(raw), kinds, self._wrt_index)
                if entry.verdict is None and self._verify_on and seed is None:
                    raw = self._verify_tree(entry, kinds, leaves, promoted, raw)
                return self._finish_tree(value, raw, args, seed, kinds, leaves)
        self._mode = "tape"
        value, raw = self._tree_tape(promoted, kinds, leaves, seed)
        return self._finish_tree(value, raw, args, seed, kinds, leaves)

    def _tree_tape(self, promoted, kinds, leaves, seed):
        """``(value, raw gradients per wrt)`` on the tape: the float leaves of structured arguments are boxed
        (fresh leaf Tensors over copies), the other arguments differentiated go to the tape as usual."""
        from .tape import Tensor, value_and_grad_tape

        args = list(promoted)
        boxes = {}
        for i in self._wrt_index:
            if is_tree_kind(kinds[i]):
                boxed = [Tensor(leaf.copy() if isinstance(leaf, np.ndarray) else leaf, requires_grad=True)
                         if leaf_kind_floats(k) else leaf for leaf, k in zip(leaves[i], kinds[i][2])]
                boxes[i] = boxed
                args[i] = tree_unflatten(kinds[i][1], boxed)
        plain = [n for n, i in zip(self.wrt, self._wrt_index) if not is_tree_kind(kinds[i])]
        positional = [a for n, a in zip(self._params, args) if n not in self._by_keyword]
        keywords = {n: a for n, a in zip(self._params, args) if n in self._by_keyword}
        wrt = tuple(n if n in self._by_keyword else positional_index(self._params, self._by_keyword, n)
                    for n in plain)
        value, plain_raw = value_and_grad_tape(self._target, tuple(positional), keywords, wrt, seed=seed)
        plain_raw = iter(plain_raw)
        raw = []
        for i in self._wrt_index:
            if i in boxes:
                raw.append([b.grad if isinstance(b, Tensor) else None for b in boxes[i]])
            else:
                raw.append(next(plain_raw))
        return value, tuple(raw)

    def _verify_tree(self, entry, kinds, leaves, promoted, raw):
        """``verify=True`` for structured arguments: the generated gradient compared once, leaf by leaf, with the
        tape's; on disagreement a VerificationWarning, the tape from now on for these kinds, and its answer."""
        _, other = self._tree_tape(promoted, kinds, leaves, None)
        tolerances = DEFAULT_TOLERANCES["float64"]
        bad = []
        for name, mine, theirs in zip(self.wrt, raw, other):
            pairs = zip(mine, theirs) if isinstance(mine, list) else [(mine, theirs)]
            for a, b in pairs:
                if (a is None) != (b is None) and not (a is None and np.all(np.asarray(b) == 0)
                                                       or b is None and np.all(np.asarray(a) == 0)):
                    bad.append(name)
                elif a is not None and b is not None and not np.allclose(
                        np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                        rtol=tolerances["mode_rtol"], atol=tolerances["mode_atol"], equal_nan=True):
                    bad.append(name)
        if not bad:
            entry.verdict = _VERIFIED
            return raw
        entry.verdict = (f"verify: the generated gradient disagreed with the tape on its first use "
                         f"(d/d{', '.join(sorted(set(bad)))}); using the tape")
        warnings.warn(VerificationWarning(f"the gradient generated by source mode for {self.__name__} disagrees "
                                          f"with the tape; {entry.verdict}. Please report it with the function."),
                      stacklevel=5)
        self._by_kinds[kinds] = _TAPE
        self._mode, self.fallback_reason = "tape", entry.verdict
        return other

    def _finish_tree(self, value, raw, args, seed, kinds, leaves):
        """As ``_finish``, a structure of gradients for a structured argument (each leaf converted like its
        argument leaf; ``None`` for a leaf that is not a float)."""
        if seed is None and type(value) is not float:
            _check_scalar(value, self.__name__)
        grads = []
        for name, i, grad in zip(self.wrt, self._wrt_index, raw):
            if i not in leaves:
                grads.append(_like(grad, args[i], name))
                continue
            grads.append(tree_unflatten(kinds[i][1], [_like(g, leaf, name) if leaf_kind_floats(k) else None
                                                      for g, leaf, k in zip(grad, leaves[i], kinds[i][2])]))
        return value, grads[0] if self._single else tuple(grads)

    def _declined(self, exc, kinds, promoted, seed):
        """The generated code for these kinds of arguments raised DeclinedAtRunTime: these kinds use the tape from
        now on, which computes ``(value, raw gradients)`` now."""
        self._by_kinds[kinds] = _TAPE
        self._mode, self._error, self.fallback_reason = "tape", exc, exc.reason
        value, raw = self._tape(promoted, seed)
        return value, raw[0] if self._single else raw

    def _finish(self, value, raw, args, seed):
        """``(value, gradients)`` checked (a scalar value, unless seeded) and converted like their arguments."""
        if seed is None and type(value) is not float:
            _check_scalar(value, self.__name__)
        if self._mode == "tape" and _is_recorded(raw):   # taken on the tape inside a function differentiated on it
            raw = tuple(_zeros_for(g, args[i]) for g, i in zip((raw,) if self._single else raw, self._wrt_index))
            return value, raw[0] if self._single else raw
        if self._single:
            return value, _like(raw, args[self._wrt_index[0]], self.wrt[0])
        return value, tuple(map(_like, raw, [args[i] for i in self._wrt_index], self.wrt))

    # ---- the fast entry ----

    def _entry_declined(self, exc, args, kinds):
        """The entry's generated code raised DeclinedAtRunTime for ``args`` (all arguments, in parameter order):
        what the general path does then."""
        if self.requested_mode == "source":
            raise exc
        try:
            value, raw = self._declined(exc, kinds, args, None)
            value, grads = self._finish(value, raw, args, None)
        finally:
            self._update_entry(kinds, tuple(map(type, args)))
        return (value, grads) if self._with_value else grads

    def _update_entry(self, kinds, types_):
        """After the general path served arguments of these kinds and types: take them into the entry when they come
        a second time (one call does not pay for writing it), update or drop them when what serves them changed."""
        generated = self._by_kinds.get(kinds)
        usable = (generated is not None and generated is not _TAPE
                  and (generated.verdict is not None or not self._verify_on))
        chain = self._entry_chain
        taken = next((g for k, _, g in chain if k == kinds), None)
        if usable:
            if taken is generated:
                return
            if taken is None and kinds not in self._entry_seen:
                self._entry_seen.add(kinds)
                return
            if self._entry_builds >= _ENTRY_BUILDS:   # kinds keep changing: the general path serves the others
                return
            if any(getattr(t, "__module__", None) == "sourcegrad.tape.tensor" for t in types_):
                return                                  # Tensors: being differentiated (_higher_order)
            self._entry_builds += 1
            chain = ((kinds, types_, generated),) + tuple(c for c in chain if c[0] != kinds)
            self._set_entry(chain[:_ENTRY_KINDS])
        elif taken is not None:
            self._set_entry(tuple(c for c in chain if c[0] != kinds))

    def _set_entry(self, chain):
        """Write the entry for these kinds of arguments and make it what calling this object runs."""
        self._entry_chain = chain
        if not chain:
            self._entry_text = None
            _entry.install(self, None)
            return
        caller = list(self._signature.parameters.values())[len(self._prefix):]
        defaults = []
        for param in reversed(caller):
            if param.default is param.empty:
                break
            defaults.insert(0, param.default)
        # the general path reads a function's defaults again when they are replaced (_bind); a rule's do not change
        defaults_of = (self._target, self._defaults[0]) if defaults and type(self._target) is types.FunctionType else ()
        spec = _entry.EntrySpec(self.__name__, tuple(self._params), self._prefix, tuple(defaults), defaults_of,
                                self._wrt_index, self._with_value, not self._single, GradientFunction._general_call,
                                GradientFunction._entry_declined, _check_scalar, _like)
        function, self._entry_text = _entry.write_entry(spec, chain)
        _entry.install(self, function)

    def _drop_entry(self):
        """Forget the entry (what it was written for changed): the general path serves the next calls."""
        if self._entry_chain:
            self._set_entry(())
        self._entry_seen.clear()

    def _entry_for(self, args):
        """The Generated gradient for arguments like ``args``, or _TAPE when they go to the tape."""
        promoted = self._promoted(args, tuple(map(type, args)))
        return self._choose_mode(tuple(map(kind_of, promoted)))

    def _promoted(self, args, types_):
        """``args`` with the differentiated ones made floating (ints promoted, others rejected)."""
        promoted = args
        for i in self._wrt_index:
            if types_[i] is not float and not (types_[i] is np.ndarray and args[i].dtype.kind == "f"):
                if promoted is args:
                    promoted = list(args)
                promoted[i] = _promote(args[i], self._params[i], self.__name__)
        return promoted

    def _tape(self, args, seed=None):
        """``(value, raw gradients)`` on the tape for arguments in parameter order."""
        from .tape import value_and_grad_tape

        positional = [a for n, a in zip(self._params, args) if n not in self._by_keyword]
        keywords = {n: a for n, a in zip(self._params, args) if n in self._by_keyword}
        wrt = tuple(n if n in self._by_keyword else positional_index(self._params, self._by_keyword, n)
                    for n in self.wrt)
        return value_and_grad_tape(self._target, tuple(positional), keywords, wrt, seed=seed)

    def _call_variadic(self, args, kwargs, seed=None):
        """A function taking ``*args``/``**kwargs``: source mode declines those, so the tape runs it
        (auto), or the reason is raised (source)."""
        from .tape import Tensor, value_and_grad_tape

        if any(isinstance(a, Tensor) for a in (*args, *kwargs.values())):   # being differentiated (higher order)
            raise UnsupportedError(
                f"higher-order derivatives: the gradient of {self.__name__}, which takes *args/**kwargs, runs on the "
                "tape by a path that does not record its backward pass yet, so it cannot be differentiated again; "
                "write the function with named parameters (both engines differentiate its gradient again then)")
        if self._mode is None or self.requested_mode == "source":
            entry = self._choose_mode(None)
            if entry is not _TAPE:   # cannot happen today: the normalizer declines *args
                raise TransformError(f"{self.__name__} takes *args/**kwargs; use mode=\"tape\"")
        target = self._target
        if type(target) is types.FunctionType and (target.__defaults__ is not self._defaults[0]
                                                   or target.__kwdefaults__ is not self._defaults[1]
                                                   or target.__code__ is not self._defaults[2]):
            self._refresh_signature()
        bound = self._signature.bind(*(self._prefix + tuple(args)), **{**self._fixed, **kwargs})
        bound.apply_defaults()
        positional, keywords, where = [], {}, {}
        for param in self._signature.parameters.values():
            if param.name not in bound.arguments:
                continue
            value = bound.arguments[param.name]
            if param.kind == param.VAR_POSITIONAL:
                positional.extend(value)
            elif param.kind == param.VAR_KEYWORD:
                keywords.update(value)
            elif param.kind == param.KEYWORD_ONLY:
                where[param.name] = param.name
                keywords[param.name] = value
            else:
                where[param.name] = len(positional)
                positional.append(value)
        originals = []
        for name in self.wrt:
            if name.startswith("args["):
                index = len(self._prefix) + int(name[5:-1])
                if index >= len(positional):
                    raise TypeError(f"{self.__name__}() was called with {len(positional) - len(self._prefix)} "
                                    f"positional arguments; wrt={name[5:-1]} needs more")
                where[name] = index
            if name not in where:
                raise TypeError(f"{self.__name__}() is missing the argument {name!r} to differentiate with respect to")
            slot = where[name]
            container = keywords if isinstance(slot, str) else positional
            originals.append(container[slot])
            container[slot] = _promote(container[slot], name, self.__name__) \
                if not (type(container[slot]) is float or isinstance(container[slot], np.ndarray)
                        and container[slot].dtype.kind == "f") else container[slot]
        self._mode = "tape"
        value, raw = value_and_grad_tape(self._target, tuple(positional), keywords,
                                         tuple(where[n] for n in self.wrt), seed=seed)
        if seed is None and type(value) is not float:
            _check_scalar(value, self.__name__)
        grads = tuple(map(_like, raw, originals, self.wrt))
        return value, grads[0] if self._single else grads

    # ---- verify on first use ----

    def _verify(self, entry, kinds, args, promoted, value, raw):
        """Check a newly generated gradient once against the tape (finite differences where the tape
        cannot run). On disagreement: warn, use the tape from now on for this cache entry, and return
        the tape's answer."""
        source_grads = (raw,) if self._single else tuple(raw)
        try:
            other_value, other = self._tape(promoted)
            label, tol_names = "the tape", ("mode_rtol", "mode_atol")
        except Exception as tape_error:   # the tape cannot run it: finite differences
            try:
                other = self._finite_differences(promoted)
                other_value = value
                label, tol_names = "finite differences", ("rtol", "atol")
            except Exception as fd_error:
                warnings.warn(VerificationWarning(
                    f"could not verify the generated gradient of {self.__name__}: the tape failed "
                    f"({type(tape_error).__name__}: {tape_error}) and so did finite differences "
                    f"({type(fd_error).__name__}: {fd_error}); the generated gradient is used unchecked"),
                    stacklevel=4)
                entry.verdict = _VERIFIED
                return value, raw
        precision = "float32" if any(np.asarray(promoted[i]).dtype == np.float32 for i in self._wrt_index) \
            else "float64"
        tolerances = DEFAULT_TOLERANCES[precision]
        rtol, atol = tolerances[tol_names[0]], tolerances[tol_names[1]]
        bad = []
        for name, i, mine, theirs in zip(self.wrt, self._wrt_index, source_grads, other):
            a = np.asarray(_like(mine, args[i], name), dtype=float)
            b = np.asarray(_like(theirs, args[i], name), dtype=float)
            if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                bad.append((name, a, b))
        if not bad:
            entry.verdict = _VERIFIED
            return value, raw
        lines = [f"the gradient generated by source mode for {self.__name__} disagrees with {label} on its "
                 f"first use (rtol={rtol:g}, atol={atol:g}); sourcegrad uses the tape for these arguments from "
                 "now on. Please report it with the function."]
        for name, a, b in bad:
            lines.append(f"  d/d{name}: source mode {np.array2string(a, precision=8, threshold=20)}")
            lines.append(f"  d/d{name}: {label:<11} {np.array2string(b, precision=8, threshold=20)}")
        message = "\n".join(lines)
        warnings.warn(VerificationWarning(message), stacklevel=4)
        names = ", ".join(n for n, _, _ in bad)
        entry.verdict = (f"verify: the generated gradient disagreed with {label} on its first use (d/d{names}); "
                         "using the tape")
        self._by_kinds[kinds] = _TAPE
        self._mode, self.fallback_reason = "tape", entry.verdict
        if label == "the tape":
            return other_value, (other[0] if self._single else other)
        value, raw = self._tape(promoted)   # the tape could not run: its error says why
        return value, raw[0] if self._single else raw

    def _finite_differences(self, promoted):
        positional = [a for n, a in zip(self._params, promoted) if n not in self._by_keyword]
        keywords = {n: a for n, a in zip(self._params, promoted) if n in self._by_keyword}
        wrt = tuple(n if n in self._by_keyword else positional_index(self._params, self._by_keyword, n)
                    for n in self.wrt)
        grads = numerical_grad(self._target, *positional, wrt=wrt, **keywords)
        return tuple(grads)


def _promote(value, name, fname):
    """The float version of a differentiable argument; a TypeError for anything else."""
    if isinstance(value, bool) or isinstance(value, np.ndarray) and value.dtype == bool:
        raise TypeError(f"cannot differentiate {fname} with respect to {name!r}: it is a boolean")
    if isinstance(value, numbers.Integral):
        return float(value)
    if isinstance(value, numbers.Real):
        return value
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.integer):
            promoted = value.astype(np.float64)
            promoted.flags.writeable = False  # not the caller's array: an in-place update is refused, not lost
            return promoted
        if np.issubdtype(value.dtype, np.floating):
            return value
    raise TypeError(
        f"cannot differentiate {fname} with respect to {name!r}: it is a {type(value).__name__}"
        + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else "")
        + "; gradients are taken with respect to floats and float arrays (ints are promoted)"
    )


def _check_scalar(value, fname):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return
    if isinstance(value, np.ndarray) and value.shape == () and np.issubdtype(value.dtype, np.floating):
        return
    what = f"an array of shape {np.shape(value)}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
    raise OutputError(
        f"{fname} returned {what}; grad needs a scalar (float) output. For a vector output, take the "
        "gradient of a scalar function of it (such as its sum), or use sg.vjp."
    )


def check_array_output(value, fname, entry):
    """Raise OutputError unless ``value`` (the output of ``fname``) is one number or array, as ``entry`` (``vjp``,
    ``jvp``, ``jacobian``) needs: a tuple, list or dict of outputs has no one shape for the seed or tangent."""
    if isinstance(value, (numbers.Number, np.ndarray, np.generic)) and not isinstance(value, (bool, np.bool_)) \
            or getattr(type(value), "__module__", None) == "sourcegrad.tape.tensor":
        return
    raise OutputError(
        f"{fname} returned a {type(value).__name__}; sg.{entry} needs a function returning one float or array. "
        "For several outputs, stack them into one array (np.stack, np.concatenate) or take sg."
        f"{entry} of a function per output.")


def _is_recorded(raw):
    """Whether the gradient(s) ``raw`` hold a Tensor (recorded on the tape: they are being differentiated)."""
    return any(hasattr(g, "requires_grad") for g in (raw if type(raw) is tuple else (raw,)))


def _zeros_for(grad, arg):
    """``grad``, or zeros shaped like ``arg`` where the output does not depend on it (None)."""
    if grad is not None:
        return grad
    value = arg.value if hasattr(arg, "requires_grad") else arg
    return 0.0 if np.ndim(value) == 0 else np.zeros(np.shape(value))


def _like(grad, arg, name):
    """``grad`` with the type and shape of ``arg``: a float for a float, an array of arg's shape."""
    if type(arg) is float and grad is not None:
        if type(grad) is float:
            return grad
        if np.ndim(grad) == 0:
            return float(grad)
    if grad is None:
        grad = 0.0 if np.ndim(arg) == 0 else np.zeros(np.shape(arg))
    if isinstance(arg, np.ndarray):
        dtype = arg.dtype if np.issubdtype(arg.dtype, np.floating) else np.float64
        out = np.asarray(grad, dtype=dtype)
        if not out.flags.writeable:   # a broadcast view from a reduction's adjoint
            out = out.copy()
        if out.shape != arg.shape:
            raise RuntimeError(f"internal error: the gradient for {name!r} has shape {out.shape} but the argument "
                               f"has shape {arg.shape}; please report this with the function")
        return out
    if np.ndim(grad) != 0:
        raise RuntimeError(f"internal error: the gradient for the scalar {name!r} has shape {np.shape(grad)}; "
                           "please report this with the function")
    if isinstance(arg, np.floating):
        return type(arg)(grad)
    return float(grad)   # (an integer argument was promoted to float)


def grad(func=None, wrt=0, mode="auto", verify=None):
    """The gradient of a scalar function ``func`` with respect to argument(s) ``wrt``.

    ``wrt`` is a position, a parameter name, or a tuple of them (then a tuple of gradients is
    returned). An argument differentiated may be a structure — a list, tuple, dict, NamedTuple or dataclass of
    arrays and floats, nested to any depth (``sourcegrad.tree``) — whose gradient is a structure of the same
    shape, ``None`` at its leaves that are not floats (ints, strings, functions stored in it). ``mode``: "source" (transform the source or raise TransformError), "tape"
    (record operations as they run), or "auto" (source when possible, else the tape; the result's
    ``mode`` and ``fallback_reason`` say which). Works as ``@grad`` and ``@grad(wrt="W")``.

    ``func`` may also be a ``functools.partial``, a bound method (``self`` is a constant), an object
    with a ``__call__`` method, a function taking ``*args``/``**kwargs`` (on the tape), or a primitive
    with a derivative rule (``sg.grad(np.sin)``, or a function you registered with ``sg.vjp_rule``).

    ``verify=True`` (or the environment variable ``SOURCEGRAD_VERIFY=1``, for every gradient) checks
    each newly generated gradient once, on the first arguments it is called with, against the tape
    (finite differences where the tape cannot run it). On disagreement it warns
    (``sg.VerificationWarning``, with both answers), returns the tape's gradient, uses the tape from
    then on for that cache entry, and says so in ``fallback_reason``. Cost: one extra tape pass per
    cache entry (per ``wrt`` and kind of arguments), so the function runs twice on that first call;
    later calls cost nothing extra.
    """
    if func is None:
        return lambda f: GradientFunction(f, wrt, mode, verify=verify)
    return GradientFunction(func, wrt, mode, verify=verify)


def value_and_grad(func=None, wrt=0, mode="auto", verify=None):
    """Like ``grad``, but the returned function gives ``(value, gradient)``."""
    if func is None:
        return lambda f: GradientFunction(f, wrt, mode, with_value=True, verify=verify)
    return GradientFunction(func, wrt, mode, with_value=True, verify=verify)


def vjp(func, *args, wrt=0, mode="auto", **kwargs):
    """``(value, vjp_fn)`` for a function with any output: ``vjp_fn(g)`` is the vector-Jacobian
    product of ``g`` (shaped like the output) with the Jacobian with respect to ``wrt``.

    ``mode`` as for ``grad``: the generated adjoint is called with the seed ``g`` in source mode; the
    tape runs ``func`` again for each ``g``. (``wrt`` and ``mode`` are keyword-only here; a parameter of
    ``func`` called ``wrt`` or ``mode`` cannot be passed by keyword: use a ``functools.partial``.)"""
    return vjp_of(func, args, kwargs, wrt, mode)


def vjp_of(func, args, kwargs, wrt, mode, entry="vjp"):
    """``vjp(func, *args, wrt=wrt, mode=mode, **kwargs)``, an output that is no array named as ``sg.{entry}``'s."""
    gradient = GradientFunction(func, wrt, mode=mode, verify=False)
    # each vjp runs func again at the point given, on copies: not where an earlier run updated arrays in place
    if gradient._variadic:
        frozen_args, frozen_kwargs = fresh_copies(args), dict(zip(kwargs, fresh_copies(kwargs.values())))
        value = func(*args, **kwargs)
        check_array_output(value, gradient.__name__, entry)

        def vjp_fn(g):
            _check_seed(g, value)
            return gradient._call_variadic(fresh_copies(frozen_args),
                                           dict(zip(frozen_kwargs, fresh_copies(frozen_kwargs.values()))),
                                           seed=g)[1]

        return value, vjp_fn
    frozen = fresh_copies(gradient._bind(args, kwargs))
    value = func(*args, **kwargs)
    check_array_output(value, gradient.__name__, entry)

    def vjp_fn(g):
        _check_seed(g, value)
        return gradient._value_and_grads(fresh_copies(frozen), {}, seed=g, prebound=True)[1]

    return value, vjp_fn


def fresh_copies(values):
    """``values`` (a tuple) with each array copied: entry points that run a function several times at one point
    (``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``) give each run its own copies, so that a function updating
    an argument in place is differentiated where it was asked, not where an earlier run left the array."""
    return tuple(v.copy(order="K") if isinstance(v, np.ndarray) else v for v in values)   # (layout kept)


def _check_seed(g, value):
    if np.shape(g) != np.shape(value):
        raise ValueError(f"vjp_fn needs g of the output's shape {np.shape(value)}, got {np.shape(g)}")
    if isinstance(g, (bool, np.bool_)) or isinstance(g, np.ndarray) and g.dtype == bool:
        raise TypeError("vjp_fn needs g of numbers, not booleans (NumPy adds booleans as 'or'); "
                        "pass g.astype(float)")


def source(func, wrt=0):
    """The source of the generated gradient of ``func`` with respect to ``wrt``, as text."""
    return GradientFunction(*function_and_wrt(func, wrt), mode="source").source


def function_and_wrt(func, wrt):
    """``(function, wrt)`` to differentiate: for a gradient function given where a function is expected
    (``sg.show(g)``, ``sg.export(g, ...)``), its function, and its ``wrt`` unless another is given."""
    if not isinstance(func, GradientFunction):
        return func, wrt
    if wrt == 0:
        wrt = func.wrt if not func._single else func.wrt[0]
    return func.func, wrt


def show(func, wrt=0, file=None, html=None, mode="source"):
    """Print the generated gradient of ``func``, highlighted when writing to a terminal with pygments.

    ``html="out.html"``: write instead one self-contained page, the function beside its adjoint, each
    adjoint statement linked to the line of the function it comes from (sourcegrad/sidebyside.py);
    ``mode="auto"`` writes the page of a function that falls back to the tape too (with the reason).
    Returns the path written, or None."""
    if html is not None:
        from .sidebyside import write_page
        return write_page(func, html, wrt=wrt, mode=mode)
    text = source(func, wrt)
    file = file or sys.stdout
    print(highlight(text, file), end="", file=file)
    return None


def highlight(text, file):
    """``text`` with terminal colours when ``file`` is a terminal and pygments is installed."""
    if not getattr(file, "isatty", lambda: False)():
        return text
    try:
        from pygments import highlight as pyg_highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return pyg_highlight(text, PythonLexer(), TerminalFormatter())
