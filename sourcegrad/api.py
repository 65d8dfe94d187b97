"""The public entry points: grad, value_and_grad, vjp, source, show.

``grad`` returns a GradientFunction: it chooses the mode (source transformation when the function
can be transformed, the tape otherwise), caches the generated code per kind of argument, and
converts gradients to the type and shape of the argument they belong to.
"""

import functools
import inspect
import os
import numbers
import sys
import weakref

import numpy as np

from .errors import OutputError, TransformError
from .transforms import build_gradient

MODES = ("auto", "source", "tape")
_GENERATED = weakref.WeakKeyDictionary()   # function -> {(wrt, kinds): Generated}, shared by all wrappers
_TAPE = "tape"                             # cache entry: these kinds of arguments go to the tape


def _is_scalar(value):
    """A Python or NumPy real number (0-d arrays count as arrays)."""
    kind = type(value)
    if kind is float or kind is int:
        return True
    if kind is np.ndarray:
        return False
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class GradientFunction:
    """The gradient of ``func``: call it like ``func``; it returns the gradient with respect to ``wrt``.

    Attributes: ``mode`` ('source' or 'tape', decided on first use), ``fallback_reason`` (why auto
    mode fell back to the tape, else None), ``source`` (the generated adjoint's text).
    """

    def __init__(self, func, wrt=0, mode="auto", with_value=False):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if not callable(func):
            raise TypeError(f"grad needs a function, got {func!r}")
        functools.update_wrapper(self, func)
        self.func = func
        self.requested_mode = mode
        self.with_value = with_value
        self._signature = inspect.signature(func)
        params = list(self._signature.parameters.values())
        self._variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
        self._params = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self._kwonly = {p.name for p in params if p.kind == p.KEYWORD_ONLY}
        self._single = not isinstance(wrt, (tuple, list))
        self.wrt = self._resolve_wrt((wrt,) if self._single else tuple(wrt))
        self._wrt_index = tuple(self._params.index(n) for n in self.wrt)
        self._mode = None
        self.fallback_reason = None
        self._error = None
        self._by_types = {}       # argument types -> Generated, or _TAPE: the per-call fast path
        self._last_generated = None
        self._nargs = -1 if self._kwonly else len(self._params)

    def _resolve_wrt(self, wrt):
        names = []
        for w in wrt:
            if isinstance(w, bool) or not isinstance(w, (int, str)):
                raise TypeError(f"wrt must be an int, a parameter name, or a tuple of them, not {w!r}")
            if isinstance(w, int):
                if not -len(self._params) <= w < len(self._params):
                    raise ValueError(f"wrt={w} is out of range: {self.__name__} has {len(self._params)} "
                                     f"parameters {self._params}")
                w = self._params[w]
            elif w not in self._params:
                raise ValueError(f"wrt={w!r} is not a parameter of {self.__name__}; its parameters are "
                                 f"{self._params}")
            if w in names:
                raise ValueError(f"wrt names {w!r} twice")
            names.append(w)
        if not names:
            raise ValueError("wrt is empty: name at least one parameter to differentiate with respect to")
        return tuple(names)

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
            if exc.lineno is not None:
                self.fallback_reason += f" ({os.path.basename(exc.filename)}, line {exc.lineno})"
            return _TAPE
        self._mode = "source"
        return generated

    def _generated(self, kinds):
        """The Generated gradient for arguments of these kinds, from the shared cache or built now."""
        key = (self.wrt, kinds)
        shared = _GENERATED.setdefault(self.func, {})
        generated = shared.get(key)
        if generated is None or not generated.is_current():
            scalars = () if kinds is None else [n for n, k in zip(self._params, kinds) if k]
            generated = build_gradient(self.func, self.wrt, scalars)
            shared[key] = generated
        return generated

    @property
    def source(self):
        """The generated adjoint as Python source text (for the last kind of arguments called with)."""
        if self.mode == "tape":
            if self._error is not None:
                raise self._error
            raise TransformError(f"{self.__name__} uses mode='tape', which generates no source")
        if self._last_generated is not None:
            return self._last_generated.text
        return self._generated(None).text

    @property
    def adjoint_function(self):
        """The compiled generated function ``(*args, seed=1.0) -> (value, gradient)`` behind ``source``."""
        if self.mode == "tape":
            return self.source  # raises the reason there is none
        return (self._last_generated or self._generated(None)).function

    def __repr__(self):
        return f"<sourcegrad.grad of {self.__qualname__} wrt {', '.join(self.wrt)}>"

    # ---- calling ----

    def _bind(self, args, kwargs):
        """The arguments as one tuple in parameter order (defaults filled in)."""
        if self._variadic:
            raise TypeError(f"{self.__name__} takes *args/**kwargs; call it with positional arguments")
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments[n] for n in self._params)

    def __call__(self, *args, **kwargs):
        value, grads = self._value_and_grads(args, kwargs)
        return (value, grads) if self.with_value else grads

    def _value_and_grads(self, args, kwargs, seed=None):
        if kwargs or len(args) != self._nargs:
            args = self._bind(args, kwargs)
        types = tuple(map(type, args))
        entry = self._by_types.get(types)
        if entry is None or entry is not _TAPE and not entry.is_current():
            entry = self._by_types[types] = self._entry_for(args)
        promoted = self._promoted(args, types)
        if entry is _TAPE:
            self._mode = "tape"
            value, raw = self._tape(promoted)
            if self._single:
                raw = raw[0]
        else:
            self._mode = "source"
            self._last_generated = entry
            if seed is None:
                value, raw = entry.function(*promoted)
            else:
                value, raw = entry.function(*promoted, seed)
            if not self._single and len(self.wrt) == 1:   # wrt=(0,): the generated code returns one
                raw = (raw,)
        if seed is None and type(value) is not float:
            _check_scalar(value, self.__name__)
        if self._single:
            return value, _like(raw, args[self._wrt_index[0]], self.wrt[0])
        return value, tuple(map(_like, raw, [args[i] for i in self._wrt_index], self.wrt))

    def _entry_for(self, args):
        """The Generated gradient for arguments like ``args``, or _TAPE when they go to the tape."""
        promoted = self._promoted(args, tuple(map(type, args)))
        return self._choose_mode(tuple(map(_is_scalar, promoted)))

    def _promoted(self, args, types):
        """``args`` with the differentiated ones made floating (ints promoted, others rejected)."""
        promoted = args
        for i in self._wrt_index:
            if types[i] is not float and not (types[i] is np.ndarray and args[i].dtype.kind == "f"):
                if promoted is args:
                    promoted = list(args)
                promoted[i] = _promote(args[i], self._params[i], self.__name__)
        return promoted

    def _tape(self, args):
        from .runtime.tape import value_and_grad_tape

        positional = [a for n, a in zip(self._params, args) if n not in self._kwonly]
        keywords = {n: a for n, a in zip(self._params, args) if n in self._kwonly}
        return value_and_grad_tape(self.func, tuple(positional), keywords, self._wrt_index)


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
            return value.astype(np.float64)
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
    if isinstance(arg, np.generic):
        return type(arg)(grad)
    return float(grad)


def grad(func=None, wrt=0, mode="auto"):
    """The gradient of a scalar function ``func`` with respect to argument(s) ``wrt``.

    ``wrt`` is a position, a parameter name, or a tuple of them (then a tuple of gradients is
    returned). ``mode``: "source" (transform the source or raise TransformError), "tape"
    (record operations as they run), or "auto" (source when possible, else the tape; the result's
    ``mode`` and ``fallback_reason`` say which). Works as ``@grad`` and ``@grad(wrt="W")``.
    """
    if func is None:
        return lambda f: GradientFunction(f, wrt, mode)
    return GradientFunction(func, wrt, mode)


def value_and_grad(func=None, wrt=0, mode="auto"):
    """Like ``grad``, but the returned function gives ``(value, gradient)``."""
    if func is None:
        return lambda f: GradientFunction(f, wrt, mode, with_value=True)
    return GradientFunction(func, wrt, mode, with_value=True)


def vjp(func, *args, wrt=0, **kwargs):
    """``(value, vjp_fn)`` for a function with any output: ``vjp_fn(g)`` is the vector-Jacobian
    product of ``g`` (shaped like the output) with the Jacobian with respect to ``wrt``.
    Source mode only."""
    gradient = GradientFunction(func, wrt, mode="source")
    bound = gradient._bind(args, kwargs)
    value = func(*args, **kwargs)

    def vjp_fn(g):
        if np.shape(g) != np.shape(value):
            raise ValueError(f"vjp_fn needs g of the output's shape {np.shape(value)}, got {np.shape(g)}")
        return gradient._value_and_grads(bound, {}, seed=g)[1]

    return value, vjp_fn


def source(func, wrt=0):
    """The source of the generated gradient of ``func`` with respect to ``wrt``, as text."""
    target = func.func if isinstance(func, GradientFunction) else func
    if isinstance(func, GradientFunction) and wrt == 0:
        wrt = func.wrt if not func._single else func.wrt[0]
    return GradientFunction(target, wrt, mode="source").source


def show(func, wrt=0, file=None):
    """Print the generated gradient of ``func``, highlighted when writing to a terminal with pygments."""
    text = source(func, wrt)
    file = file or sys.stdout
    print(highlight(text, file), end="", file=file)


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
