"""Finite differences, and checking gradients against them.

``numerical_grad`` is the reference: central differences in float64, independent of both engines.
``check_grad`` computes the gradient every way that applies (source transformation, the tape) and by
finite differences, compares each pair and returns a ``GradCheckReport``; it raises
``GradientCheckError`` when any pair disagrees::

    import numpy as np, sourcegrad as sg

    def f(x):
        return np.sum(np.sin(x) ** 2)

    sg.numerical_grad(f, np.array([0.5, 1.0]))        # ~ sin(2x), to about 1e-10
    print(sg.check_grad(f, np.array([0.5, 1.0])))     # source vs tape vs finite differences
"""

import inspect
import math
import numbers

import numpy as np

from .errors import GradientCheckError, TransformError
from .tree import is_float_leaf, is_tree, path_text, tree_flatten, tree_paths, tree_unflatten

__all__ = ["numerical_grad", "check_grad", "GradCheckReport", "GradCheckRecord", "DEFAULT_TOLERANCES"]

_EPS = np.finfo(np.float64).eps
_STEP = _EPS ** (1.0 / 3.0)          # ~6.1e-6: balances O(h^2) truncation against eps/h rounding
_NOISE_FACTOR = 100.0                # safety factor on the rounding-error estimate of a difference

MODES = ("source", "tape")

# (rtol, atol) for comparisons with finite differences, and for source vs tape, by the lowest
# floating precision among the arguments differentiated.
DEFAULT_TOLERANCES = {
    "float64": {"rtol": 1e-5, "atol": 1e-6, "mode_rtol": 1e-7, "mode_atol": 1e-9},
    "float32": {"rtol": 1e-3, "atol": 1e-4, "mode_rtol": 1e-5, "mode_atol": 1e-6},
}


# ---------------------------------------------------------------- arguments


class _Slot:
    """One argument differentiated: where it goes in the call, and how to rebuild it from float64."""

    def __init__(self, name, where, key, original, tree=None, index=None):
        self.name = name
        self.where = where          # 'pos' (key: index into args) or 'kw' (key: name in kwargs)
        self.key = key
        self.original = original
        self.tree = tree            # a structured argument: its _Tree, and the position of this leaf in it
        self.index = index
        if isinstance(original, np.ndarray):
            self.kind = "array"
        elif isinstance(original, np.generic):
            self.kind = "generic"
        else:
            self.kind = "float"
        self.base = _as_float64(original, name)   # a private copy: the caller's array is never touched

    def value(self, x):
        """What f is called with for the float64 array ``x`` (the argument's kind, float64 precision)."""
        if self.kind == "array":
            return x
        if self.kind == "generic":
            return np.float64(x[()])
        return float(x[()])

    def like(self, grad):
        """``grad`` (float64 array of the argument's shape) with the argument's type: a float for a float,
        a NumPy scalar of the same type for a NumPy float scalar, an array of the same dtype."""
        if self.kind == "array":
            dtype = self.original.dtype if np.issubdtype(self.original.dtype, np.floating) else np.float64
            return grad.astype(dtype, copy=False)
        if self.kind == "generic" and np.issubdtype(type(self.original), np.floating):
            return type(self.original)(grad[()])
        return float(grad[()])


class _Tree:
    """A structured argument differentiated (sourcegrad/tree.py): one _Slot per float leaf, named by its path."""

    def __init__(self, value, name):
        self.leaves, self.paths, self.treedef = tree_paths(value)
        self.name = name
        self.floats = [i for i, leaf in enumerate(self.leaves) if is_float_leaf(leaf)]
        if not self.floats:
            raise TypeError(f"cannot differentiate with respect to {name!r}: the structure has no float leaves")

    def slots(self, where, key):
        return [_Slot(path_text(self.paths[i], self.name), where, key, self.leaves[i], self, i) for i in self.floats]

    def rebuild(self, values):
        """The structure with the leaves in ``values`` (leaf position -> value) replaced."""
        leaves = list(self.leaves)
        for i, value in values.items():
            leaves[i] = value
        return tree_unflatten(self.treedef, leaves)

    def copy(self):
        """The structure with a copy of each array leaf (f may modify them in place)."""
        return self.rebuild({i: leaf.copy(order="K") for i, leaf in enumerate(self.leaves)
                             if isinstance(leaf, np.ndarray)})


def _grouped(slots, values):
    """One value per argument differentiated from one per slot: a structure (None at leaves that are not floats)
    for a structured argument."""
    out, i = [], 0
    while i < len(slots):
        tree = slots[i].tree
        if tree is None:
            out.append(values[i])
            i += 1
            continue
        n = len(tree.floats)
        leaves = {slot.index: value for slot, value in zip(slots[i:i + n], values[i:i + n])}
        out.append(tree_unflatten(tree.treedef, [leaves.get(j) for j in range(len(tree.leaves))]))
        i += n
    return out


def _per_slot(slots, grads):
    """One gradient per slot from one per argument (the inverse of ``_grouped``); a structure that does not match
    gives None for its leaves (reported as a shape mismatch)."""
    out, i, grads = [], 0, iter(grads)
    while i < len(slots):
        tree, grad = slots[i].tree, next(grads)
        if tree is None:
            out.append(grad)
            i += 1
            continue
        n = len(tree.floats)
        try:
            leaves, treedef = tree_flatten(grad)
        except ValueError:
            leaves, treedef = None, None
        if treedef != tree.treedef:
            out.extend([None] * n)
        else:
            out.extend(leaves[slot.index] for slot in slots[i:i + n])
        i += n
    return out


def _as_float64(value, name):
    if isinstance(value, (bool, np.bool_)) or isinstance(value, np.ndarray) and value.dtype == bool:
        raise TypeError(f"cannot differentiate with respect to {name!r}: it is a boolean")
    if isinstance(value, np.ndarray):
        if not (np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)):
            raise TypeError(f"cannot differentiate with respect to {name!r}: it is an array of dtype "
                            f"{value.dtype}; gradients are taken with respect to floats and float arrays")
        return np.array(value, dtype=np.float64, order="K")   # always a copy, laid out as given
    if isinstance(value, numbers.Real):
        return np.array(float(value), dtype=np.float64)
    raise TypeError(f"cannot differentiate with respect to {name!r}: it is a {type(value).__name__}; "
                    "gradients are taken with respect to floats and float arrays (ints are promoted)")


def _signature(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        return None


def _resolve(f, args, kwargs, wrt):
    """``(single, slots, kwargs)``: whether ``wrt`` was one argument, a _Slot per argument differentiated,
    and ``kwargs`` with the defaults of differentiated keyword parameters filled in."""
    single = not isinstance(wrt, (tuple, list))
    wrts = (wrt,) if single else tuple(wrt)
    if not wrts:
        raise ValueError("wrt is empty: name at least one argument to differentiate with respect to")
    sig = _signature(f)
    params = [] if sig is None else [p for p in sig.parameters.values()
                                     if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    names = [p.name for p in params]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = sig is None or any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
    kwargs = dict(kwargs)
    slots, seen = [], set()
    for w in wrts:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise TypeError(f"wrt must be an int, a parameter name, or a tuple of them, not {w!r}")
        if isinstance(w, int):
            if -len(names) <= w < len(names):
                w = names[w]
            elif varargs and -len(args) <= w < len(args):
                index = w % len(args)
                if ("pos", index) in seen:
                    raise ValueError(f"wrt names argument {index} twice")
                seen.add(("pos", index))
                slots.append(_Slot(f"args[{index}]", "pos", index, args[index]))
                continue
            else:
                raise ValueError(f"wrt={w} is out of range: {_fname(f)} has {len(names)} parameters {names}")
        if w not in names:
            raise ValueError(f"wrt={w!r} is not a parameter of {_fname(f)}; its parameters are {names}")
        if w in positional and positional.index(w) < len(args):
            where, key = "pos", positional.index(w)
            value = args[key]
        elif w in kwargs:
            where, key = "kw", w
            value = kwargs[w]
        else:
            param = params[names.index(w)]
            if param.default is param.empty:
                raise TypeError(f"{_fname(f)}() is missing the argument {w!r} to differentiate with respect to")
            if param.kind == param.POSITIONAL_ONLY:
                raise TypeError(f"pass the positional-only argument {w!r} to differentiate with respect to it")
            where, key = "kw", w
            value = kwargs[w] = param.default
        if (where, key) in seen:
            raise ValueError(f"wrt names {w!r} twice")
        seen.add((where, key))
        if is_tree(value):
            slots.extend(_Tree(value, w).slots(where, key))
        else:
            slots.append(_Slot(w, where, key, value))
    return single, slots, kwargs


def _fname(f):
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def _scalar_output(value, fname):
    """The float value of f's output; a ValueError unless it is a real scalar."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{fname} returned a boolean; gradients need a real scalar (float) output")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (np.ndarray, np.generic)):
        if np.ndim(value) != 0:
            raise ValueError(f"{fname} returned an array of shape {np.shape(value)}; gradients need a scalar "
                             "output. Differentiate a scalar function of it (such as its sum), or use sg.vjp.")
        if np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating):
            return float(value)
    raise ValueError(f"{fname} returned a {type(value).__name__}; gradients need a real scalar (float) output")


def _fresh_arguments(args, kwargs, slots):
    """``args`` and ``kwargs`` with a copy of each differentiated array (in its own dtype): ``f`` may
    update its arguments in place, which must change neither the caller's arrays nor the next mode's."""
    args, kwargs = list(args), dict(kwargs)
    for slot in slots:
        where = args if slot.where == "pos" else kwargs
        if slot.tree is not None:
            where[slot.key] = slot.tree.copy()
            continue
        if (slot.where == "kw" and slot.key not in kwargs) or not isinstance(where[slot.key], np.ndarray):
            continue
        where[slot.key] = where[slot.key].copy(order="K")
    return args, kwargs


def _call(f, args, kwargs, slots, values):
    args = list(args)
    kwargs = dict(kwargs)
    trees = {}
    for slot, x in zip(slots, values):
        where = args if slot.where == "pos" else kwargs
        if slot.tree is None:
            where[slot.key] = slot.value(x)
        else:
            trees.setdefault((slot.where, slot.key), (slot.tree, {}))[1][slot.index] = slot.value(x)
    for (where, key), (tree, leaves) in trees.items():
        (args if where == "pos" else kwargs)[key] = tree.rebuild(leaves)
    return f(*args, **kwargs)


def _widened(value):
    """A float64 copy of a lower-precision float array or NumPy float; anything else as it is."""
    if isinstance(value, (np.ndarray, np.floating)) and np.issubdtype(value.dtype, np.floating) \
            and np.finfo(value.dtype).eps > _EPS:
        return np.array(value, dtype=np.float64) if isinstance(value, np.ndarray) else np.float64(value)
    return value


def _differences(f, args, kwargs, slots):
    """``(value, grads, noise)``: f at the point, and per slot the central-difference gradient and an
    estimate of its rounding error (both float64 arrays of the argument's shape)."""
    fname = _fname(f)
    # every float argument in float64, the ones not differentiated too (a float32 array that is not
    # differentiated would make f compute in float32, and the differences would be rounding noise)
    args = [_widened(a) for a in args]
    kwargs = {k: _widened(v) for k, v in kwargs.items()}
    bases = [slot.base for slot in slots]
    value = _scalar_output(_call(f, args, kwargs, slots, [b.copy(order="K") for b in bases]), fname)
    grads, noises = [], []
    for s, slot in enumerate(slots):
        base = slot.base
        grad = np.zeros(base.shape)
        noise = np.zeros(base.shape)
        for index in np.ndindex(base.shape):
            x0 = base[index]
            h = _STEP * max(1.0, abs(x0)) if math.isfinite(x0) else 0.0
            values = []
            taken = []
            for sign in (1.0, -1.0):
                point = [b.copy(order="K") for b in bases]   # fresh copies, laid out as given: f may modify them
                point[s][index] = x0 + sign * h
                taken.append(abs(point[s][index] - x0))  # the step actually representable
                values.append(_scalar_output(_call(f, args, kwargs, slots, point), fname))
            width = taken[0] + taken[1]
            grad[index] = (values[0] - values[1]) / width if width > 0 else math.nan
            scale = max(abs(values[0]), abs(values[1]), abs(value))
            noise[index] = _NOISE_FACTOR * _EPS * scale / width if width > 0 else math.inf
        grads.append(grad)
        noises.append(noise)
    return value, grads, noises


def numerical_grad(f, *args, wrt=0, **kwargs):
    """The gradient of the scalar function ``f(*args, **kwargs)`` by central finite differences.

    ``wrt`` is a position, a parameter name, or a tuple of them (then a tuple of gradients is
    returned). Each gradient has the type and shape of its argument: a float for a Python number
    (ints are promoted), an array of the same shape (0-d included) for an array, a structure of the same shape
    for a structure (list, tuple, dict, NamedTuple, dataclass; ``None`` at its leaves that are not floats). ``f`` must return
    a real scalar; anything else raises ``ValueError``.

    Method: every element ``x_i`` is moved by ``±h_i`` with ``h_i = eps**(1/3) * max(1, |x_i|)``
    (``eps`` of float64, so ``h ~ 6e-6`` for ``|x| <= 1``), and ``(f(x+h) - f(x-h)) / 2h`` is
    computed in float64 (integer and float32 arguments are converted to float64 for the calls, and so
    are float32 arguments that are not differentiated).

    Accuracy: the truncation error is O(h^2) (``h^2 |f'''| / 6``), the rounding error about
    ``eps |f| / h``; this step balances the two, which gives about 1e-10 relative error for smooth,
    well-scaled functions in float64 (worse where ``f`` is large compared with its gradient, or
    its third derivative is large). Near a kink (``abs``, ``maximum``) the result is meaningless.

    Cost: ``2 * n + 1`` calls of ``f`` for ``n`` elements in total over the ``wrt`` arguments, so
    keep inputs small. The caller's arrays are never modified: ``f`` always gets fresh copies of
    the arguments being differentiated (other arguments are passed as they are).
    """
    single, slots, kwargs = _resolve(f, args, kwargs, wrt)
    _, grads, _ = _differences(f, args, kwargs, slots)
    out = _grouped(slots, [slot.like(g) for slot, g in zip(slots, grads)])
    return out[0] if single else tuple(out)


# ---------------------------------------------------------------- comparison records


class GradCheckRecord:
    """One comparison (or one problem) found by ``check_grad``.

    ``kind``: 'gradient' (two gradients of one argument compared), 'value' (the function value a mode
    computed vs the function itself), or 'mode' (a mode that could not run, or nothing to compare).
    ``argument``: the parameter name (None for 'value'/'mode'); ``pair``: the two labels compared,
    e.g. ('source', 'fd'), or ('tape',) for a mode record; ``max_abs_err``, ``max_rel_err``;
    ``worst_index``: the element furthest outside its tolerance (a tuple, () for scalars) and
    ``worst_values`` the two values there; ``rtol``/``atol`` used; ``ok``; ``note`` (why it failed).
    """

    def __init__(self, kind, argument, pair, ok, max_abs_err=None, max_rel_err=None, worst_index=None,
                 worst_values=None, rtol=None, atol=None, note=None):
        self.kind = kind
        self.argument = argument
        self.pair = tuple(pair)
        self.ok = bool(ok)
        self.max_abs_err = max_abs_err
        self.max_rel_err = max_rel_err
        self.worst_index = worst_index
        self.worst_values = worst_values
        self.rtol = rtol
        self.atol = atol
        self.note = note

    @property
    def label(self):
        return " vs ".join(self.pair)

    def as_dict(self):
        return dict(self.__dict__)

    def __repr__(self):
        status = "ok" if self.ok else "FAIL"
        return (f"<GradCheckRecord {self.kind} {self.argument or ''} {self.label}: {status}"
                + (f" max_abs_err={self.max_abs_err:.3g}" if self.max_abs_err is not None else "")
                + (f" ({self.note})" if self.note else "") + ">")


def _index_text(index):
    if index is None:
        return "-"
    if index == ():
        return "scalar"
    return "[" + ", ".join(str(i) for i in index) + "]"


def _compare(argument, labels, a, b, rtol, atol, noise=None, kind="gradient"):
    """Elementwise ``|a - b| <= atol + rtol * max(|a|, |b|) (+ noise)``, as a GradCheckRecord."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return GradCheckRecord(kind, argument, labels, False, rtol=rtol, atol=atol,
                               note=f"shapes differ: {labels[0]} {a.shape}, {labels[1]} {b.shape}")
    if a.size == 0:
        return GradCheckRecord(kind, argument, labels, True, 0.0, 0.0, None, None, rtol, atol)
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not (finite_a.all() and finite_b.all()):
        bad_label, bad = (labels[0], a) if not finite_a.all() else (labels[1], b)
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(bad))[0])
        what = "function value" if kind == "value" else "gradient"
        return GradCheckRecord(kind, argument, labels, False, math.inf, math.inf, index,
                               (float(a[index]), float(b[index])), rtol, atol,
                               note=f"{bad_label} {what} is {bad[index]}" + (f" at {_index_text(index)}" if index else ""))
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    tol = atol + rtol * scale
    if noise is not None:
        tol = tol + noise
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
        ratio = np.where(tol > 0, diff / np.where(tol > 0, tol, 1.0), np.where(diff > 0, np.inf, 0.0))
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), a.shape))
    ok = bool(np.all(diff <= tol))
    return GradCheckRecord(kind, argument, labels, ok, float(diff.max()), float(rel.max()), worst,
                           (float(a[worst]), float(b[worst])), rtol, atol,
                           note=None if ok else f"{int(np.sum(diff > tol))} of {a.size} elements outside tolerance")


# ---------------------------------------------------------------- the report


class GradCheckReport:
    """What ``check_grad`` found. ``str(report)`` is the readable version.

    Fields: ``ok`` (every comparison agreed), ``results`` (a list of GradCheckRecord),
    ``failures`` (the records that failed), ``function`` (its name), ``arguments`` (the names
    differentiated), ``value`` (f at the point), ``modes`` (mode -> 'ok', 'not applicable: <reason>',
    'error: <exception>' or 'skipped'), ``gradients`` ('source'/'tape'/'fd' -> tuple of gradients, one
    per argument, for the modes that ran), ``fallback_reason`` (why source mode did not apply, or
    None), ``tolerances`` (the rtol/atol used), ``evaluations`` (calls of f by finite differences).
    """

    def __init__(self, function, arguments, shapes, value, modes, gradients, results, tolerances,
                 evaluations, fallback_reason=None):
        self.function = function
        self.arguments = tuple(arguments)
        self.shapes = dict(shapes)
        self.value = value
        self.modes = dict(modes)
        self.gradients = dict(gradients)
        self.results = list(results)
        self.tolerances = dict(tolerances)
        self.evaluations = evaluations
        self.fallback_reason = fallback_reason

    @property
    def ok(self):
        return all(r.ok for r in self.results) and any(r.kind == "gradient" for r in self.results)

    @property
    def failures(self):
        return [r for r in self.results if not r.ok]

    def __bool__(self):
        return self.ok

    def _repr_html_(self):
        """Notebooks: the outcome and a table of every comparison."""
        from .display import report_html
        return report_html(self)

    def _repr_markdown_(self):
        from .display import report_markdown
        return report_markdown(self)

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self) if cycle else str(self))

    def __repr__(self):
        return (f"<GradCheckReport {self.function}: {'ok' if self.ok else 'FAILED'}, "
                f"{len(self.results)} records, {len(self.failures)} failing>")

    def __str__(self):
        t = self.tolerances
        lines = [f"check_grad({self.function}) with respect to "
                 + ", ".join(f"{n} {self.shapes[n]}" for n in self.arguments)]
        lines.append(f"  value      {self.value:.10g}")
        for mode, status in self.modes.items():
            lines.append(f"  {mode:<10} {status}")
        lines.append(f"  fd         central differences, {self.evaluations} calls of the function")
        lines.append(f"  tolerances vs fd: rtol={t['rtol']:g} atol={t['atol']:g} (+ fd rounding estimate); "
                     f"source vs tape: rtol={t['mode_rtol']:g} atol={t['mode_atol']:g}")
        general = [r for r in self.results if r.kind != "gradient"]
        if general:
            lines.append("")
            for r in general:
                status = "ok" if r.ok else "FAIL"
                lines.append(f"  {r.kind:<8} {r.label:<16} {status}" + (f"  {r.note}" if r.note else ""))
        header = f"    {'compared':<16} {'max abs err':>11} {'max rel err':>11}  {'worst at':<12} {'values there':<45} result"
        for name in self.arguments:
            records = [r for r in self.results if r.kind == "gradient" and r.argument == name]
            lines.append("")
            lines.append(f"  {name} {self.shapes[name]}:")
            if not records:
                lines.append("    (no comparisons)")
                continue
            lines.append(header)
            for r in records:
                if r.max_abs_err is None:
                    lines.append(f"    {r.label:<16} {'-':>11} {'-':>11}  {'-':<12} {'-':<45} FAIL  {r.note}")
                    continue
                values = "-"
                if r.worst_values is not None:
                    values = f"{r.pair[0]}={r.worst_values[0]:.10g} {r.pair[1]}={r.worst_values[1]:.10g}"
                status = "ok" if r.ok else "FAIL"
                lines.append(f"    {r.label:<16} {r.max_abs_err:>11.3g} {r.max_rel_err:>11.3g}  "
                             f"{_index_text(r.worst_index):<12} {values:<45} {status}"
                             + ("" if r.ok or not r.note else f"  ({r.note})"))
        lines.append("")
        if self.ok:
            n = sum(1 for r in self.results if r.kind == "gradient")
            lines.append(f"ok: {n} comparison{'s agree' if n != 1 else ' agrees'}")
        else:
            lines.append(f"FAILED: {len(self.failures)} of {len(self.results)} checks disagree or could not run")
        return "\n".join(lines)


# ---------------------------------------------------------------- check_grad


def _precision(slots, args=(), kwargs=None):
    """'float32' when any argument — differentiated or not — is a float array (or NumPy float) of
    lower precision than float64: the engines then compute in it."""
    values = [slot.original for slot in slots] + list(args) + list((kwargs or {}).values())
    for value in values:
        dtype = getattr(value, "dtype", None) if isinstance(value, (np.ndarray, np.generic)) else None
        if dtype is not None and np.issubdtype(dtype, np.floating) and np.finfo(dtype).eps > 1e-10:
            return "float32"
    return "float64"


def _lower_precision(slot):
    return (slot.kind == "array" and np.issubdtype(slot.original.dtype, np.floating)
            and np.finfo(slot.original.dtype).eps > _EPS)


def _own_precision(slots):
    """Fresh copies of the arguments differentiated, float arrays in their own dtype."""
    return [np.array(slot.original, copy=True) if _lower_precision(slot) else slot.base.copy(order="K") for slot in slots]


def _shape_text(slot):
    if slot.kind == "float":
        return "(float)"
    dtype = slot.original.dtype
    return f"(shape {slot.original.shape}, {dtype})" if slot.kind == "array" else f"({dtype} scalar)"


def check_grad(f, *args, wrt=0, rtol=None, atol=None, mode_rtol=None, mode_atol=None, modes=MODES,
               raise_on_failure=True, order=1, **kwargs):
    """Compare the gradients of ``f`` at ``args`` from source mode, tape mode and finite differences.

    Each mode in ``modes`` that applies is run: source mode when the function can be transformed (a
    ``TransformError`` makes it "not applicable: <reason>", which is not a failure), the tape
    always. ``numerical_grad`` gives the reference. Then for every argument in ``wrt`` (an int, a
    name or a tuple, as for ``sg.grad``) it compares source vs fd, tape vs fd and source vs tape,
    element by element: ``|a - b| <= atol + rtol * max(|a|, |b|)``. A structured argument (list, dict,
    dataclass... of arrays) is compared leaf by leaf, each named by its path (``params[1]["W"]``), and the report's
    ``gradients`` hold one entry per leaf compared.

    Default tolerances (float64 arguments): ``rtol=1e-5, atol=1e-6`` against finite differences,
    whose error is ~1e-10 relative in good cases but grows with |f|, with |f'''| and near kinks,
    so this leaves several orders of margin while still catching any wrong derivative (a missing
    factor or term is off by far more). The fd comparisons also allow for the rounding error of
    each difference (``100 * eps * |f| / 2h``), so large function values do not fail spuriously.
    Source vs tape compares two exact gradients that differ only by rounding (operation order),
    so it is tighter: ``mode_rtol=1e-7, mode_atol=1e-9``. With float32 (or float16) arguments the
    engines compute in that precision and the defaults are ``1e-3, 1e-4`` and ``1e-5, 1e-6`` (also when
    the float32 arguments are not the ones differentiated).
    (torch.autograd.gradcheck uses ``rtol=1e-3, atol=1e-5`` with a fixed step of 1e-6; our step
    is scaled to each element and chosen to minimise the error, so tighter defaults are safe.)

    The function value that each mode computes is compared with ``f`` itself, too (at the arguments
    as given: with float32 arguments, f's float32 value; one more call of f). A gradient or
    value containing NaN or infinity is never "ok", nor is a mode that raised an error.

    Returns a ``GradCheckReport`` (``print`` it; ``.ok``, ``.results`` for programs). Raises
    ``GradientCheckError(report)`` (an AssertionError) when anything disagrees, unless
    ``raise_on_failure=False``. ``f`` must return a real scalar (``ValueError`` otherwise). Keyword
    arguments other than the ones above are passed to ``f``.

    ``order=2`` checks second derivatives: the same comparisons for the gradient of
    ``phi(args) = sum_k <grad_k f(args), w_k>`` with a fixed random direction ``w`` (seeded), which is the
    Hessian of ``f`` (with respect to ``wrt``, mixed blocks included) times ``w``; the finite differences are then
    those of the first-order gradient. A wrong entry of the Hessian changes ``H w`` for all but a negligible set of
    directions. Source mode differentiates the generated gradient again; the tape runs the generated gradient,
    or records its own backward pass ("not applicable" where a rule stays first order).
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, not {order!r}")
    if order == 2:
        from .higher import directional_gradient

        single = not isinstance(wrt, (tuple, list))
        rng = np.random.default_rng(2)
        _, slots, _ = _resolve(f, args, kwargs, wrt)
        directions = [float(rng.normal()) if np.ndim(s.base) == 0 else rng.normal(size=np.shape(s.base))
                      for s in slots]
        phi = directional_gradient(f, wrt, directions[0] if single else tuple(directions))
        return _check(phi, args, wrt, rtol, atol, mode_rtol, mode_atol, modes, raise_on_failure, kwargs,
                      higher=True)
    return _check(f, args, wrt, rtol, atol, mode_rtol, mode_atol, modes, raise_on_failure, kwargs)


def _check(f, args, wrt, rtol, atol, mode_rtol, mode_atol, modes, raise_on_failure, kwargs, higher=False):
    """check_grad of order 1 (``higher``: of the directional gradient made for order 2)."""
    from .api import value_and_grad
    from .errors import UnsupportedError

    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"modes must be drawn from {MODES}, not {mode!r}")
    single, slots, full_kwargs = _resolve(f, args, kwargs, wrt)
    fname = _fname(f)
    defaults = DEFAULT_TOLERANCES[_precision(slots, args, kwargs)]
    tols = {"rtol": rtol, "atol": atol, "mode_rtol": mode_rtol, "mode_atol": mode_atol}
    tols = {k: float(defaults[k] if v is None else v) for k, v in tols.items()}
    names = [slot.name for slot in slots]

    value, fd_grads, noises = _differences(f, args, full_kwargs, slots)
    evaluations = 1 + 2 * sum(g.size for g in fd_grads)
    # The engines compute in the arguments' own precision: their values are compared with f at the
    # arguments as given (float32 stays float32), not with f in float64.
    own_value = value
    if any(_lower_precision(slot) for slot in slots):
        own_value = _scalar_output(_call(f, args, full_kwargs, slots, _own_precision(slots)), fname)
        evaluations += 1
    results = []
    if not math.isfinite(value):
        results.append(GradCheckRecord("value", None, ("f",), False,
                                       note=f"the function value is {value}: no gradient can be checked there"))

    gradients = {"fd": tuple(slot.like(g) for slot, g in zip(slots, fd_grads))}
    status, fallback_reason = {}, None
    computed = {}
    for mode in MODES:
        if mode not in modes:
            status[mode] = "skipped"
            continue
        try:
            mode_args, mode_kwargs = _fresh_arguments(args, kwargs, slots)
            mode_value, grads = value_and_grad(f, wrt=wrt, mode=mode)(*mode_args, **mode_kwargs)
        except TransformError as exc:
            tape_cannot = higher and mode == "tape" and isinstance(exc, UnsupportedError)
            if (mode == "source" or tape_cannot) and not isinstance(exc, ValueError):
                reason = exc.reason if exc.lineno is None else f"{exc.reason} ({exc.filename}:{exc.lineno})"
                status[mode] = f"not applicable: {reason}"
                if mode == "source":
                    fallback_reason = reason
                continue
            status[mode] = f"error: {type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001  (any failure of an engine is a finding to report)
            first = str(exc).splitlines()[0] if str(exc) else ""
            status[mode] = f"error: {type(exc).__name__}: {first}"
        else:
            grads = tuple(_per_slot(slots, (grads,) if single else tuple(grads)))
            computed[mode] = grads
            gradients[mode] = grads
            status[mode] = "ok"
            try:
                mode_value = float(np.asarray(mode_value, dtype=np.float64))
            except (TypeError, ValueError):
                mode_value = math.nan
            results.append(_compare(None, (mode, "f"), mode_value, own_value,
                                    tols["mode_rtol"], tols["mode_atol"], kind="value"))
            continue
        results.append(GradCheckRecord("mode", None, (mode,), False, note=status[mode]))

    if not computed and not any(r.kind == "mode" and not r.ok for r in results):
        results.append(GradCheckRecord("mode", None, modes, False,
                                       note="no mode could compute a gradient, so nothing was checked"))

    for k, slot in enumerate(slots):
        shape = np.shape(slot.base)
        for mode in MODES:
            if mode in computed:
                grad = computed[mode][k]
                if grad is None or np.shape(grad) != shape:
                    results.append(GradCheckRecord(
                        "gradient", slot.name, (mode, "fd"), False, rtol=tols["rtol"], atol=tols["atol"],
                        note=f"{mode} gradient has shape {np.shape(grad) if grad is not None else None}, "
                             f"the argument {shape}"))
                    continue
                results.append(_compare(slot.name, (mode, "fd"), grad, fd_grads[k],
                                        tols["rtol"], tols["atol"], noise=noises[k]))
        if "source" in computed and "tape" in computed:
            results.append(_compare(slot.name, ("source", "tape"), computed["source"][k], computed["tape"][k],
                                    tols["mode_rtol"], tols["mode_atol"]))

    report = GradCheckReport(
        fname, names, {s.name: _shape_text(s) for s in slots}, value,
        status, gradients, results, tols, evaluations, fallback_reason,
    )
    if raise_on_failure and not report.ok:
        raise GradientCheckError(report)
    return report
