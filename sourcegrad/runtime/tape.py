"""The taping runtime: record operations on ``Tensor`` values as they run, then replay them backwards.

This is sourcegrad's fallback engine, in the style of PyTorch's autograd and HIPS autograd::

    x = tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x + 1          # each operation appends a Node to the graph
    y.backward()                    # walk the graph from y back to x
    x.grad                          # 7.0

It reads the same rule table as the source transformer (``sourcegrad.rules``): a recorded call of a
primitive ``f`` keeps ``f``'s rule, its raw (unboxed) arguments and its raw result, and ``backward``
calls the rule function ``rule.fn(g, ans, *args, **kwargs)`` (called
directly because adjoints of arguments passed by keyword are needed too). There is no second copy
of any derivative here.

Unmodified ``import numpy as np`` code records too, because ``Tensor`` implements NumPy's
``__array_ufunc__`` and ``__array_function__`` protocols: ``np.sin(x)``, ``np.dot(W, x)``,
``np.sum(x, axis=0)``, ``np.where(x > 0, x, 0)`` on Tensors all land here.

Semantics worth knowing:

* ``.grad`` of a leaf accumulates across ``backward`` calls until you reset it (``x.grad = None`` or
  an optimiser's ``zero_grad()``). Gradients are raw values (a float or an ndarray) with the leaf's
  shape and floating dtype.
* ``backward`` frees the recorded arguments of the graph it walked unless ``retain_graph=True``;
  walking a freed graph again raises ``RuntimeError``.
* Comparisons and the functions declared non-differentiable (``np.floor``, ``np.argmax``,
  ``np.shape`` ...) return plain values, never Tensors.
* ``float(t)``, ``int(t)``, ``math.sin(t)``, ``np.asarray(t)`` would turn a Tensor into a plain number
  or array and silently lose its gradient, so they raise ``GradientLostError`` on a Tensor that
  requires grad while recording. Use ``np.*`` functions, or ``t.detach()`` to convert on purpose.
  A method of a plain array called with a Tensor (``y.dot(x)``) converts it so too: NumPy gives
  ndarray methods no hook for Tensors; the function form (``np.dot(y, x)``) records.
  ``t.item()`` and ``t.numpy()`` leave the tape as in PyTorch, except inside ``value_and_grad_tape``
  where ``.item()`` is recorded (so ``return x.item() ** 2`` has a gradient) and ``.numpy()`` raises.
* Lists/tuples of Tensors as arguments (``np.stack([a, b])``) and calls with several results
  (``np.linalg.eigh``, ``np.split``) are recorded; NumPy never passes Tensors to ``np.array`` or
  ``np.asarray``, so those raise ``GradientLostError`` instead.
* In-place operators (``v += y``, ``-= *= /= **= @= //= %=``) keep NumPy's semantics, or raise
  ``InPlaceError`` where the tape cannot follow them:

  - on a Tensor holding a number (a float, a NumPy scalar: immutable, as in NumPy) they rebind the
    name to a new Tensor ``v + y``, even on a leaf (``v = s; v += 1.0`` leaves ``s`` as it was);
  - on a Tensor holding an array that is part of the graph (or gets a gradient from ``y``), the
    Tensor object itself is updated: its value is replaced by a new array (with NumPy's in-place
    dtype and shape) and its history by the recorded operation, so every name of that Tensor
    (``w = v``) sees the update, and earlier uses of ``v`` keep the value they were recorded with.
    Recorded views of it (``v[1:]``, ``v.T``, ``v.reshape(...)``, ``np.squeeze(v)``, views of those)
    form a tree with it: an update of any of them is written through to the others (``r = v[0];
    r += 1`` changes ``v``, and ``v[0] = 0`` changes ``r``), each getting a new array and history
    (see ``_write_through``). Arrays outside the tape's sight that share the memory would not see
    it (an array the Tensor was made from or handed out: ``sg.tensor(a)``, ``v.detach()``,
    ``v.numpy()``; a view taken inside ``no_grad()``; the parts of ``np.split``), so there the update
    raises ``InPlaceError`` (write ``v = v + y``), as does assigning a view that an earlier write
    through the same array changed (``a = v[0]; v[0] = v[1]; v[1] = a``: NumPy's shuffle of a Tensor).
    Inside ``no_grad()`` the value is replaced the same way and the history kept, as in PyTorch;
  - on a leaf array that requires grad they raise ``InPlaceError`` while recording, as in PyTorch;
    inside ``no_grad()`` they update the leaf's value and keep the leaf (the ``w -= lr * w.grad``
    idiom; leaves holding numbers too). The arguments ``value_and_grad_tape`` differentiates are the
    exception: their leaves hold a copy of the caller's array, so the function may update them in
    place (``x += 1``, ``x[0] = 0``, through a view of ``x``): the update is recorded like any other
    and the caller's array gets the final value when the call ends; the gradient is taken at the
    value the argument had when the call began. Refused (``InPlaceError``): another argument sharing
    its memory, a recorded operation reading the caller's array under another name (a global naming
    it; a plain NumPy read of it sees the value of when the call began), a read-only or integer
    (promoted) argument;
  - on an array Tensor without gradient, updated with values that need none (or inside
    ``no_grad()``), they write into its array, as NumPy does.

  ``t.sort(...)``, ``t.partition(...)`` and ``t.fill(v)`` are the item assignments ``t[...] = np.sort(t, ...)``
  (``v``); the other in-place ndarray methods (``put``, ``resize``...) raise ``InPlaceMethodError``.

  Item assignment (``t[i] = y``) follows the same rules: on an array Tensor of the graph (or given a
  gradient by ``y``) it is recorded as ``t = updated(t, i, y)`` (and written through its tree of
  views); on a leaf that requires grad, or a Tensor whose array is shared outside the tape, it
  raises ``InPlaceError`` while recording.

  A plain ndarray updated in place with a Tensor that requires grad (``acc += t``, which NumPy runs
  as ``np.add(acc, t, out=acc)``) raises ``InPlaceError``: a plain array cannot hold a gradient;
  write ``acc = acc + t``.
* ``out=`` (by keyword or by position, for ufuncs, NumPy functions and ndarray methods) and the
  functions that write into their first argument (``np.copyto``, ``np.put``, ``np.place``,
  ``np.putmask``, ``np.fill_diagonal``, ``np.put_along_axis``, ``np.add.at``...) follow the same rules
  (see ``_call_with_out``): ``np.clip(y, -1, 1, out=y)`` on a Tensor is the in-place update
  ``y = np.clip(y, -1, 1)``, ``np.copyto(y, src)`` is ``y[...] = src``, and ``np.putmask``,
  ``np.place`` and ``np.fill_diagonal`` are item assignments when their values need no cycling; the
  other writes into a Tensor raise ``InPlaceError`` while recording. Writing a Tensor that requires grad into a plain
  array by any route (``out=buf``, ``np.copyto(buf, t)``, ``buf[i] = t``, ``np.fromiter``) raises
  ``PlainArrayWriteError`` (both a ``GradientLostError`` and an ``InPlaceError``), before writing
  where the tape sees the call; ``buf[i] = t`` is only seen as NumPy's ``ValueError`` "setting an
  array element with a sequence" (chained to the GradientLostError of ``float(t)``), which
  ``value_and_grad_tape`` turns into a PlainArrayWriteError.
* Type checks see the class of the value: ``isinstance(t, np.ndarray)``, ``isinstance(t, float)``,
  ``np.isscalar(t)``, ``isinstance(t, numbers.Number)``, ``t.__class__`` answer as for the value held
  (``type(t)`` is still ``Tensor``: ``type(t) is np.ndarray`` and ``type(t).__name__`` cannot be
  made to agree, so ``value_and_grad_tape`` refuses, with a ``TypeError``, a function whose own code
  calls ``type``; functions it calls are not looked into), and a Tensor holding a number has no
  ``len()`` (``hasattr(t, "__len__")`` is False, ``np.iterable(t)`` too).
* ``t.flat`` reads through ``t.flatten()`` (recorded) and assigns through ``t[...] = v``;
  ``copy.copy(t)`` and ``copy.deepcopy(t)`` are recorded copies (a leaf outside
  ``value_and_grad_tape`` gives a new leaf, as in PyTorch); ``t.tobytes()``, ``t.ctypes``,
  ``np.frompyfunc(...)(t)`` and (inside ``value_and_grad_tape``) ``t.data`` raise rather than hand out
  the raw values.
* A recorded operation keeps its arguments and its result, and ``backward`` reads them. Inside
  ``value_and_grad_tape`` (``sg.grad(f, mode="tape")``) it keeps a copy of each array the graph does
  not own (a plain array, a constant Tensor's, a view of one: one copy per array while its values do
  not change, see ``_kept``), so code that modifies one in place after using it (``W -= 1.0``,
  ``c[0] = 5.0``, an index array reused) runs as NumPy runs it and the gradient uses the values each
  operation saw. The leaves' arrays (the caller's) are made read-only until the gradient is computed
  (writeable again afterwards, also when ``f`` raises), as are arrays the graph owns once handed
  out (``t.numpy()``, ``t.detach()``): writing into one raises ``InPlaceError``. NumPy cannot reach
  the views of an array made before it became read-only, so a copy of each such array is kept too
  and ``backward()`` raises ``InPlaceError`` if one changed. Imperative code (``tensor(...)``,
  ``.backward()``) has no such guard at all: do not modify an array in place after a recorded
  operation used it and before ``backward()`` (PyTorch has the same caveat for arrays shared with
  NumPy).
* Pickling a Tensor keeps its value (a leaf stays a leaf that requires grad, as in PyTorch), not its
  history: ``GradientLostError`` for a Tensor of the graph, or inside ``value_and_grad_tape``.
"""

import dis
import functools
import inspect
import math
import numbers
import operator
import threading
import types
import weakref

import numpy as np

from .. import rules as _rules  # noqa: F401  (importing the package registers every built-in rule)
from ..rules import registry
from .helpers import float_dtype, out_parameter, updated, zeros_like

__all__ = [
    "Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "apply", "value_and_grad_tape",
    "NoRuleError", "GradientLostError", "InPlaceError", "PlainArrayWriteError",
]

# The rule table itself (not a copy): rules registered later, by users too, are seen at once.
_RULES = registry.VJP_RULES
_NONDIFF = registry.NONDIFFERENTIABLE
_NO_KWARGS = {}  # shared, never mutated


class NoRuleError(NotImplementedError):
    """A primitive was applied to a Tensor that requires grad, and no derivative rule is registered."""


class GradientLostError(TypeError):
    """A Tensor that requires grad was converted to a plain number or array while recording."""


class InPlaceError(RuntimeError):
    """An array was updated in place in a way the tape cannot follow: the gradient (or the value seen
    through another name or view of the array) would be wrong. The message says what to write instead."""


class InPlaceMethodError(InPlaceError, TypeError):
    """An ndarray method that changes its array in place (``sort``, ``fill``...) was called on a Tensor."""


class PlainArrayWriteError(GradientLostError, InPlaceError):
    """A value computed from a Tensor that requires grad was written into a plain NumPy array (``out=`` a
    plain array, ``a[i] = t``, ``np.copyto(a, t)``...): the array cannot hold a gradient, and the tape
    does not follow in-place updates of plain arrays. Both a GradientLostError and an InPlaceError."""


# ---------------------------------------------------------------- grad mode (thread-local)


class _GradMode(threading.local):
    enabled = True      # each thread starts with recording on
    functional = False  # inside value_and_grad_tape: .item() is recorded (see Tensor.item)
    protected = None    # inside value_and_grad_tape: {id: array} of the arrays made read-only (_protect)
    arguments = None    # inside value_and_grad_tape: {id(leaf): _Argument} (see _argument_leaves)
    argument_memory = None  # {id(memory owner of the caller's array): _Argument}


_mode = _GradMode()


def is_grad_enabled():
    """True when operations on Tensors are being recorded in the current thread."""
    return _mode.enabled


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``: a context manager, and a decorator when called on a function."""

    _enabled = None

    def __new__(cls, func=None):
        self = super().__new__(cls)
        self._saved = []
        if func is not None:  # bare decorator: @no_grad
            return self(func)
        return self

    def __enter__(self):
        self._saved.append(_mode.enabled)
        _mode.enabled = self._enabled
        return self

    def __exit__(self, *exc_info):
        _mode.enabled = self._saved.pop()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"{type(self).__name__}() decorates a function, got {func!r}")
        cls = type(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with cls():  # a fresh context per call: safe under recursion and threads
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Turn recording off in this thread: ``with no_grad(): ...`` or ``@no_grad()`` / ``@no_grad``.

    Inside it, operations on Tensors return Tensors with ``requires_grad=False`` and keep no graph.
    Nestable; other threads keep recording."""

    _enabled = False


class enable_grad(_GradModeContext):
    """Turn recording back on in this thread (inside a ``no_grad`` block); also a decorator."""

    _enabled = True


# ---------------------------------------------------------------- the graph record


class Node:
    """One recorded call: which primitive, its rule, its raw arguments and result, and where the
    gradient flows from it (``parents``: ``(position, index, source)``, where ``index`` is the place
    of the argument inside a list/tuple argument such as ``np.stack([a, b])``, else None).

    A ``source`` is the Node that computed that argument, or the argument itself when it is a leaf
    Tensor: the graph links Nodes, not the Tensor objects, so that an in-place update of a Tensor
    (``v += 1``, which gives ``v`` a new Node) leaves the history of earlier uses of ``v`` intact.

    A call with several results (``np.linalg.eigh``, ``np.split``) has one Node holding the whole
    result, and each result Tensor ``k`` a small Node whose rule is ``_SELECT`` and whose parent is
    ``(k, None, whole)``: backward collects their adjoints by position."""

    __slots__ = ("fn", "rule", "args", "kwargs", "ans", "parents")

    def __init__(self, fn, rule, args, kwargs, ans, parents):
        if type(ans) is complex or getattr(getattr(ans, "dtype", None), "kind", "") == "c":
            raise NoRuleError(
                f"{getattr(fn, '__name__', fn)} gave a complex value computed from a Tensor that requires grad; "
                "the derivative rules are written for real values, so the tape does not differentiate through "
                "complex intermediates. Write the computation with real and imaginary parts as real arrays.")
        self.fn = fn
        self.rule = rule
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.parents = parents

    def free(self):
        """Drop the saved values (and the links to the parents) once backward no longer needs them."""
        self.args = self.kwargs = self.ans = self.parents = None

    @property
    def _node(self):
        """The Node itself: a Node stands for the Tensor it computed, so a walk over ``parents``
        written for Tensors (``t._node``, as in ``tests/helpers.recorded_primitives``) works on it."""
        return self


def _source(t):
    """What a Node's ``parents`` hold for the Tensor ``t``: the Node that computed it, or ``t``
    itself when it is a leaf."""
    return t._node or t


def _saved_value(source):
    """The value of a graph source as recorded: a Node's result, a leaf's value."""
    return source.ans if type(source) is Node else source.value


_SELECT = "select"  # rule marker of the Node of one result of a call with several results


def _name(fn):
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):  # np.add.reduce and friends
        return f"np.{owner.__name__}.{fn.__name__}"
    return registry.primitive_name(fn)


def _no_rule(fn):
    name = _name(fn)
    return NoRuleError(
        f"no derivative rule for {name}: it was called on a Tensor that requires grad, and the tape "
        f"cannot differentiate through it. Register one with @sg.vjp_rule({name}) over a function "
        f"rule(g, ans, *args) that returns the adjoint of each argument, or call it on "
        f"t.detach() inside sg.no_grad() if no gradient should flow through it."
    )


# ---------------------------------------------------------------- recording


def _unbox_nested(x):
    """Unbox Tensors inside (nested) lists/tuples; also say whether one of them requires grad."""
    hit = False
    out = []
    for item in x:
        if isinstance(item, Tensor):
            hit = hit or item.requires_grad
            item = item.value
        elif type(item) in (list, tuple):
            item, inner = _unbox_nested(item)
            hit = hit or inner
        out.append(item)
    return type(x)(out), hit


def apply(fn, *args, **kwargs):
    """Call the primitive ``fn`` on ``args``, recording it on the tape if a Tensor argument requires grad.

    This is what every Tensor operator and NumPy function goes through; call it yourself to record a
    function the tape cannot intercept, e.g. ``apply(math.sin, x)`` or a function of your own that
    you registered a rule for with ``sg.vjp_rule``."""
    return _apply(fn, args, kwargs)


def _apply(fn, args, kwargs, impl=None):
    """Unbox ``args``, compute ``(impl or fn)(*raw, **kwargs)`` and record a Node if needed.

    ``fn`` is the key of the rule table; ``impl`` computes the value when ``fn`` itself is not directly
    callable on the raw values (an ndarray method called on a float, a property such as ``.T``)."""
    given = kwargs
    parents = []
    deep = []  # Tensors that require grad nested deeper than one list: no rule can reach them
    raw = [_unbox_arg(a, i, parents, deep) for i, a in enumerate(args)]
    kwargs = {k: _unbox_arg(a, k, parents, deep) for k, a in kwargs.items()} if kwargs else _NO_KWARGS

    rule = _RULES.get(fn)
    ans = (impl or fn)(*raw, **kwargs)
    sharers = []
    sharing = _note_sharing(ans, args, given, sharers) if _may_share_arguments(ans, raw, kwargs) else 0
    # a recorded view of one array of the graph joins its tree of views (see _write_through)
    base = (sharers[0] if sharing == _OWNED and len(sharers) == 1 and not sharers[0]._shared
            and type(ans) is np.ndarray and rule is not None and _mode.enabled and parents and not deep else None)
    if base is None:
        _mark_shared(sharers)
    if rule is None and fn in _NONDIFF:
        return _unrecorded_view(ans, sharing)
    if not (_mode.enabled and (parents or deep)):
        return _shared_if(_wrap_plain(_unrecorded_view(ans, sharing)), sharing)
    if rule is None:
        return _without_rule(fn, _unrecorded_view(ans, sharing))
    if deep:
        raise TypeError(f"{_name(fn)} received a Tensor that requires grad inside a nested list; the tape "
                        f"differentiates arguments and the items of list/tuple arguments")
    _check_rule_accepts(fn, rule, len(raw), kwargs)
    if any(type(p[0]) is str for p in parents):  # Tensors passed by keyword: their parameter's position
        parents = [(_parameter_index(fn, rule, p[0]), p[1], p[2]) if type(p[0]) is str else p for p in parents]
    if _mode.protected is not None:
        raw = _kept_inputs(args, raw, _mode.protected)
        if kwargs:
            kwargs = dict(zip(kwargs, _kept_inputs(given.values(), kwargs.values(), _mode.protected)))
    node = Node(fn, rule, tuple(raw), kwargs, ans, tuple(parents))
    if isinstance(ans, (np.ndarray, np.generic, numbers.Number)):
        t = _make(ans, node)
        if base is None or not _link_view(t, base, fn, args, given, impl):
            _mark_shared((base,) if base is not None else ())
            _shared_if(t, sharing)
        return t
    if isinstance(ans, (tuple, list)):
        return _several_results(fn, ans, node, sharing)
    raise TypeError(f"the tape records functions that return numbers or arrays (or tuples/lists of them); "
                    f"{_name(fn)} returned {type(ans).__name__}")


def _may_share_arguments(ans, raw, kwargs):
    """A quick filter before ``_note_sharing``: False for a result that certainly owns new memory, an
    ndarray that is no view and none of the arguments (most results), or a number."""
    if type(ans) is np.ndarray and ans.base is None and not kwargs:
        for r in raw:
            if r is ans or type(r) in (list, tuple):
                return True
        return False
    return isinstance(ans, (np.ndarray, list, tuple))


# What _note_sharing finds: bits of the arrays a result shares memory with (0 for none).
_OWNED = 1    # an array only the graph holds (see Tensor._owned)
_FOREIGN = 2  # any other array: a plain one, a leaf's, a Tensor's without gradient, one handed out


def _note_sharing(ans, args, kwargs, sharers):
    """With which of the call's arguments the raw result ``ans`` shares memory (``_OWNED``/``_FOREIGN``
    bits): it is a view (``x[1:]``, ``x.T``, ``x.reshape(...)``), or an argument itself (``np.real`` of
    a real array). The Tensor arguments it shares with join the list ``sharers``: the caller links the
    result to one as its view (``_link_view``) or marks them all ``_shared`` (``_mark_shared``)."""
    if not isinstance(ans, np.ndarray):  # several results
        found = 0
        for v in (ans if isinstance(ans, (list, tuple)) else ()):
            found |= _note_sharing(v, args, kwargs, sharers)
        return found
    owner = _memory_owner(ans)
    found = 0
    for group in (args, kwargs.values() if kwargs else ()):
        for a in group:
            if type(a) in (list, tuple):
                for item in a:
                    found |= _shares_memory_of(owner, item, sharers)
            else:
                found |= _shares_memory_of(owner, a, sharers)
    return found


def _mark_shared(sharers):
    """Mark the Tensors ``_note_sharing`` found as sharing their array: a result not linked to them as a
    view would not see an in-place update of them (see ``_update_array``)."""
    for t in sharers:
        t._shared = True


# ---- trees of views: an in-place update of one array of the graph seen through all its views
#
# A recorded view of a Tensor of the graph (``r = y[0]``, ``y.T``, ``y.reshape(-1)``, ``np.squeeze(y)``)
# is linked to it (``_view_of``; the base keeps weak references in ``_views``). An in-place update of
# any Tensor of such a tree (``r[1] = v``, ``r += 1``, ``y[0, 0] = 0``) is recorded as usual on that
# Tensor, then written through to the root as ``root = updated(root, where, t)`` (``where``: the
# positions of ``t``'s elements inside the root), and every view of the tree is recorded again from
# the new root. So each Tensor of the tree gets a new array and a new history, as NumPy's shared
# memory would show it, and the arrays earlier operations saved are never written into. A tree
# whose arrays others may see too (a view made without recording, a handed-out array) refuses.


class _ViewLink:
    """How a Tensor was made as a view of ``base``: the recorded call, with ``base`` at ``position``
    (an index into ``args`` or a keyword name); ``rewritten``: an update written through the tree
    changed the view since it was taken."""

    __slots__ = ("base", "fn", "args", "kwargs", "impl", "position", "rewritten")

    def __init__(self, base, fn, args, kwargs, impl, position):
        self.base, self.fn, self.args, self.kwargs, self.impl = base, fn, args, kwargs, impl
        self.position = position
        self.rewritten = False

    def arguments(self, base):
        """The call's arguments with ``base`` (a Tensor or a raw array) in place of the base."""
        args, kwargs = list(self.args), dict(self.kwargs or {})
        if type(self.position) is int:
            args[self.position] = base
        else:
            kwargs[self.position] = base
        return args, kwargs

    def apply_raw(self, array):
        """The same view taken of the raw ``array`` (unrecorded)."""
        args, kwargs = self.arguments(array)
        return (self.impl or self.fn)(*_raw_all(args), **_raw_all(kwargs))


def _link_view(t, base, fn, args, kwargs, impl):
    """Link ``t``, the result of the recorded call ``fn(*args, **kwargs)``, as a view of ``base``, one of
    its arguments; False if ``base`` is not an argument itself (an item of a list argument)."""
    position = next((i for i, a in enumerate(args) if a is base), None)
    if position is None:
        position = next((k for k, a in (kwargs or {}).items() if a is base), None)
        if position is None:
            return False
    args, kwargs = _snapshot(args), _snapshot(kwargs)  # a list given (a shape, axes) may change later
    t._view_of = _ViewLink(base, fn, args, kwargs, impl, position)
    views = base._views
    if views is None:
        base._views = [weakref.ref(t)]
    else:
        views[:] = [v for v in views if v() is not None]
        views.append(weakref.ref(t))
    return True


def _snapshot(value):
    """``value`` with its lists, dicts and arrays copied (Tensors and other objects kept)."""
    if type(value) in (list, tuple):
        return type(value)(_snapshot(v) for v in value)
    if type(value) is dict:
        return {k: _snapshot(v) for k, v in value.items()}
    if type(value) is np.ndarray:
        return value.copy()
    return value


def _in_tree(t):
    """Whether ``t`` is a view of another Tensor or has live views."""
    return t._view_of is not None or bool(t._views and any(v() is not None for v in t._views))


def _tree_root(t):
    """The Tensor at the top of the tree of views ``t`` belongs to."""
    while t._view_of is not None:
        t = t._view_of.base
    return t


def _tree(root):
    """``root`` and every live view below it, parents before their views."""
    members, stack = [], [root]
    while stack:
        t = stack.pop()
        members.append(t)
        stack.extend(v for v in (view() for view in (t._views or ())) if v is not None)
    return members


def _tree_is_private(t):
    """Whether only the tape can see the arrays of ``t``'s tree: all of them the graph's own, none
    shared with an array outside the tree. Then an update of ``t`` may be written through it."""
    return all(m._owned and not m._shared and m.requires_grad for m in _tree(_tree_root(t)))


def _write_through(t):
    """After ``t``, a Tensor of a tree of views, was given its new value and history by a recorded
    in-place update: record the update of the root (``updated(root, where, t)``) and every view
    again from the new root, so that all of them show what NumPy's shared memory would show."""
    chain = []
    root = t
    while root._view_of is not None:
        chain.append(root._view_of)
        root = root._view_of.base
    if chain:
        shape = np.shape(root.value)
        positions = np.empty_like(root.value, dtype=np.intp)  # laid out like the root: ravel(order="A") agrees
        positions[...] = np.arange(positions.size).reshape(shape)
        for link in reversed(chain):
            positions = link.apply_raw(positions)
        if not (isinstance(positions, np.ndarray) and positions.dtype.kind == "i"
                and positions.shape == np.shape(t.value)):
            raise InPlaceError("an in-place update through a view that reinterprets the array (x.view(dtype), "
                               "a strided view...) is not followed by the tape; copy the view first")
        new = _apply(updated, (root, np.unravel_index(positions, shape), t), None)
        _take_state(root, new)
    stack = [root]
    while stack:
        parent = stack.pop()
        views = [v for v in (view() for view in (parent._views or ())) if v is not None]
        parent._views = [weakref.ref(v) for v in views] or None
        for view in views:
            link = view._view_of
            args, kwargs = link.arguments(parent)
            _take_state(view, _apply(link.fn, args, kwargs, link.impl))
            link.rewritten = link.rewritten or view is not t  # t changed by its own update, the others by t's
            stack.append(view)


def _check_writeable(t):
    """NumPy's error for a write into an array it made read-only (``np.diagonal(y)``,
    ``np.broadcast_to(y, ...)``), which the tape's new-array updates would not meet otherwise."""
    if isinstance(t.value, np.ndarray) and not t.value.flags.writeable:
        raise _ReadOnlyDestination("assignment destination is read-only")


class _ReadOnlyDestination(ValueError):
    """NumPy's ValueError for a write into a read-only array, raised by the tape itself."""


def _is_stale_view_of(item, t):
    """Whether ``item`` is a view in the tree of ``t`` that a write through the tree changed after it
    was taken: ``a = y[0]; y[0] = y[1]; y[1] = a``, the row swap NumPy's shuffle makes on anything that
    is not an ndarray (a Tensor), where NumPy's own code for arrays would copy the row first."""
    return (isinstance(item, Tensor) and item._view_of is not None and item._view_of.rewritten
            and _tree_root(item) is _tree_root(t))


_STALE_VIEW_WRITE = (
    "item assignment of a view that an earlier write into the same array has changed (`a = y[0]; y[0] = y[1]; "
    "y[1] = a` writes the new y[0] back, and np.random's shuffle swaps the rows of a Tensor this way, "
    "where for an ndarray it copies them first): the tape does not follow it. Copy the row first "
    "(`a = y[0].copy()`), or shuffle with an index (`y = y[rng.permutation(len(y))]`).")


def _after_update(t):
    """After a recorded in-place update of ``t``: the Tensors of its tree of views see it
    (``_write_through``); when the root of the tree is an argument being differentiated, the caller's
    array gets its final value when the call ends (``_argument_leaves``), or the update is refused."""
    root = t
    if _in_tree(t):
        _write_through(t)
        root = _tree_root(t)
    argument = _mode.arguments.get(id(root)) if _mode.arguments else None
    if argument is not None and argument.leaf is root:
        if argument.read_elsewhere or argument.aliased:
            raise InPlaceError(_ARGUMENT_ALIASED)
        if argument.read_only:
            raise InPlaceError(_ARGUMENT_READ_ONLY)
        argument.written = True  # the caller's array gets the final value when the call ends


def _is_argument(t):
    """Whether ``t`` is the leaf of an argument being differentiated by ``value_and_grad_tape``, which
    the function may update in place like the array it stands for (see ``_argument_leaves``)."""
    argument = _mode.arguments.get(id(t)) if _mode.arguments else None
    return argument is not None and argument.leaf is t


def _note_argument_read(value):
    """``value``, a plain array a recorded operation uses, may be the caller's array of an argument being
    differentiated, reached another way (a global or a container naming it too): the gradient treats
    it as a constant, which it is not once the argument is updated in place, so that combination raises."""
    argument = _mode.argument_memory.get(id(_memory_owner(value)))
    if argument is not None:
        if argument.written:
            raise InPlaceError(_ARGUMENT_ALIASED)
        argument.read_elsewhere = True


_ARGUMENT_ALIASED = (
    "the function updates an argument being differentiated in place and also uses the caller's array of that "
    "argument another way (another argument sharing its memory, a global, a default or a container holding "
    "the same array): the tape follows the update, but not that the other name is the same array, so the "
    "gradient would be wrong. Use the argument only through its parameter, or update a copy "
    "(`x = x.copy()` first).")

_ARGUMENT_READ_ONLY = (
    "the function updates in place an argument being differentiated whose array it may not write: a read-only "
    "array (NumPy raises there), or an integer array, which sourcegrad differentiates as a float copy (NumPy "
    "would compute in integers). Update a copy instead (`x = x.copy()` first).")


def _take_state(t, new):
    """Give the Tensor ``t`` the value and history of the Tensor ``new`` (an in-place update of ``t``),
    keeping ``t``'s place in its tree of views."""
    t.value, t._node, t.requires_grad, t._owned = new.value, new._node, new.requires_grad, True


def _memory_owner(a):
    """The object that holds the memory of the ndarray ``a``: the end of its chain of ``.base``. Two
    arrays may share memory only if they have the same owner (a cheap, conservative test)."""
    base = a.base
    while base is not None:
        a, base = base, getattr(base, "base", None)
    return a


def _shares_memory_of(owner, a, sharers):
    """``_OWNED`` or ``_FOREIGN`` if the argument ``a`` (a Tensor or not) is an array with memory of
    ``owner`` (a Tensor that is joins ``sharers``), else 0."""
    value = a.value if isinstance(a, Tensor) else a
    if not (isinstance(value, np.ndarray) and _memory_owner(value) is owner):
        return 0
    if isinstance(a, Tensor):
        sharers.append(a)
        return _OWNED if a._owned else _FOREIGN
    return _FOREIGN


def _shared_if(t, sharing):
    """Mark the Tensor ``t`` as sharing its array with other arrays when ``sharing`` says so (and as not
    owned by the graph if it shares with foreign arrays); return it."""
    if sharing and isinstance(t, Tensor):
        t._shared = True
        if sharing & _FOREIGN:
            t._owned = False
    return t


def _unrecorded_view(ans, sharing):
    """``ans``, the unrecorded result of a call; if it is a view of an array the graph owns (made inside
    ``no_grad()``, say), inside ``value_and_grad_tape`` it is made read-only: writing into it would
    change values the graph saved."""
    if sharing & _OWNED and _mode.protected is not None:
        _protect_all((ans,) if isinstance(ans, np.ndarray) else ans, _mode.protected)
    return ans


# Inside value_and_grad_tape, recorded operations keep a copy of the arrays others may write into
# (plain arrays, the values of Tensors without gradient: _kept), and the leaves' arrays are made
# read-only, so that code modifying one before backward() reads it either does not matter or fails,
# never gives a wrong gradient. Arrays only the graph holds (results of recorded operations and views
# of them: no code can write into them, an in-place operator gives a Tensor a new array) need
# nothing until they are handed out (_escape), and are then made read-only too.


def _protect(value, protected):
    """Make the ndarray ``value`` read-only (and the array it is a view of); ``protected`` maps the id of
    each array whose flag was flipped to it, to make it writeable again at the end (``_unprotect``).

    Views of ``value`` made before keep their own writeable flag, and NumPy cannot reach them
    (``v = buf[:]`` before ``np.dot(x, buf)``, then ``v[0] = 4.0``), so a copy of ``value`` is kept
    too (under ``_SNAPSHOTS``) and ``backward()`` checks that it did not change (``_check_snapshots``)."""
    if isinstance(value, np.ndarray):
        snapshots = protected.get(_SNAPSHOTS)
        if snapshots is None:
            snapshots = protected[_SNAPSHOTS] = {}
        if id(value) not in snapshots:
            snapshots[id(value)] = (value, value.copy())  # keeps value alive: its id is not reused
    while isinstance(value, np.ndarray) and id(value) not in protected:
        if value.flags.writeable:
            value.flags.writeable = False
            protected[id(value)] = value
        value = value.base


def _protect_all(values, protected):
    """``_protect`` every ndarray in ``values``, looking into lists and tuples (``np.stack([a, b])``)."""
    for value in values:
        if isinstance(value, (list, tuple)):
            _protect_all(value, protected)
        else:
            _protect(value, protected)


def _owned_by_graph(x):
    """Whether ``x`` is a Tensor whose array only the graph holds (see ``Tensor._owned``)."""
    return isinstance(x, Tensor) and x._owned


def _kept_inputs(args, raw, protected):
    """The raw arguments ``raw`` of a recorded call (``args`` as given: Tensors or not) as the Node keeps
    them: arrays the graph owns as they are, any other array as ``_kept`` (a copy of its values), and
    the items of list/tuple arguments likewise."""
    kept = []
    for a, r in zip(args, raw):
        if isinstance(r, np.ndarray):
            if id(r) not in protected and not _owned_by_graph(a):
                r = _kept(r, protected)
        elif type(r) in (list, tuple):
            r = type(r)(_kept_inputs(a, r, protected))
        kept.append(r)
    return kept


def _kept(value, protected):
    """What a recorded operation saves of the ndarray ``value``, which others may write into later (a
    plain array, a constant Tensor's, a view of one): a copy of its values now, shared by every use
    while the values stay the same. The function keeps writing into ``value`` as NumPy lets it (a
    constant changed after a use, an index array reused...), and backward reads what was used."""
    if _mode.argument_memory:
        _note_argument_read(value)
    copies = protected.get(_COPIES)
    if copies is None:
        copies = protected[_COPIES] = {}
    entry = copies.get(id(value))
    if entry is not None and _unchanged(value, entry[1]):
        return entry[1]
    copy = value.copy(order="K")  # the same layout: rules of ravel(order="K"/"A") read it
    copies[id(value)] = (value, copy)  # keeps value alive: its id is not reused
    return copy


_COPIES = "copies"  # the key, in a ``protected`` dict, of the copies _kept made


def _escape(t):
    """The array of ``t`` is handed out (``.numpy()``, ``detach()``...): others may now see it or write
    into it. Mark ``t`` shared and no longer owned by the graph; inside ``value_and_grad_tape``, protect
    the array if it was (others are protected when a recorded operation saves them)."""
    if t._owned and _mode.protected is not None:
        _protect(t.value, _mode.protected)
    t._shared = True
    t._owned = False


def _view_depth(a):
    """How many arrays ``a`` is a view of, through ``.base`` (0 for an array owning its memory)."""
    depth = 0
    while isinstance(a.base, np.ndarray):
        a, depth = a.base, depth + 1
    return depth


def _unprotect(protected):
    """Make writeable again the arrays ``_protect`` flipped; an array before its views (NumPy refuses
    to make a view writeable while its base is read-only)."""
    arrays = [a for a in protected.values() if isinstance(a, np.ndarray)]
    for a in sorted(arrays, key=_view_depth):
        a.flags.writeable = True


_SNAPSHOTS = "snapshots"  # the key, in a ``protected`` dict (whose other keys are ids), of the copies _protect keeps


def _unchanged(value, copy):
    """Whether the array ``value`` still holds what ``copy`` (a copy of it made earlier) holds."""
    if value.shape != copy.shape or value.dtype != copy.dtype:
        return False
    try:
        return bool(np.array_equal(value, copy, equal_nan=value.dtype.kind in "fc"))
    except Exception:  # object or structured arrays...: compare the bytes
        return value.tobytes() == copy.tobytes()


def _check_snapshots(protected):
    """Raise InPlaceError if an array a recorded operation saved was changed since (through a view made
    before it was protected, which NumPy's read-only flag does not reach): backward would read the new
    values and give a wrong gradient."""
    snapshots = protected.get(_SNAPSHOTS)
    if not snapshots:
        return
    for value, copy in snapshots.values():
        if not _unchanged(value, copy):
            raise InPlaceError(_MODIFIED_THROUGH_VIEW)


_MODIFIED_THROUGH_VIEW = (
    "the function modified an array in place after an operation that is differentiated used it, by "
    "writing through another view of the same memory (for example `v = buf[:]`, then `np.dot(x, buf)`, "
    "then `v[0] = 4.0`): the tape reads the values it recorded to compute the gradient, and they have "
    "changed, so the gradient would be wrong. Write the new values into a copy (`buf = buf.copy()` or "
    "`v = buf.copy()` before the write), or build a new array (`buf = np.where(...)`, "
    "`buf = np.concatenate(...)`) instead of writing into it."
)


def _unbox_arg(a, position, parents, deep):
    """The raw value of one argument. Tensors that require grad, the argument itself or the items of
    a list/tuple argument (``np.stack([a, b])``), join ``parents`` as ``(position, index, source)``
    (see ``Node``)."""
    if isinstance(a, Tensor):
        if a.requires_grad:
            parents.append((position, None, a._node or a))
        return a.value
    if type(a) not in (list, tuple):
        return a
    items = []
    for j, item in enumerate(a):
        if isinstance(item, Tensor):
            if item.requires_grad:
                parents.append((position, j, item._node or item))
            item = item.value
        elif type(item) in (list, tuple):
            item, hit = _unbox_nested(item)
            if hit:
                deep.append(item)
        items.append(item)
    return type(a)(items)


def _parameter_index(fn, rule, name):
    """Where the rule's result holds the adjoint of the argument passed as ``name=``: the position of
    that parameter in the rule's signature (rules list adjoints in parameter order)."""
    params = list(rule.signature.parameters.values()) if rule.signature is not None else []
    for i, param in enumerate(params):
        if param.kind == param.VAR_POSITIONAL:
            break
        if param.name == name:
            return i
    raise TypeError(f"{_name(fn)} received a Tensor that requires grad as {name}=, which its derivative rule "
                    f"does not list by position; pass it positionally")


def _several_results(fn, ans, node, sharing):
    """One Tensor per floating result of a call with several results (plain values for the others).

    Each result that is a view (of an argument, as ``np.split`` gives, or of a buffer the results
    share) is marked shared, as all are when one of them shares memory with an argument (``sharing``)."""
    outs = [_shared_if(_make(v, Node(fn, _SELECT, None, _NO_KWARGS, None, ((k, None, node),))),
                       sharing or (_OWNED if isinstance(v, np.ndarray) and v.base is not None else 0))
            if _carries_gradient(v) else v for k, v in enumerate(ans)]
    if hasattr(ans, "_fields"):  # EighResult, SlogdetResult... (namedtuples)
        return type(ans)(*outs)
    return type(ans)(outs)


_ACCEPTED_CALLS = set()  # (rule, number of positional args, keyword names) already checked


def _check_rule_accepts(fn, rule, nargs, kwargs):
    """Fail at the call, not in backward(), when the rule cannot take the call's arguments."""
    key = (rule, nargs, tuple(kwargs))
    if key in _ACCEPTED_CALLS:
        return
    if rule.signature is not None:
        try:
            rule.signature.bind(*range(nargs), **kwargs)
        except TypeError as error:
            raise TypeError(
                f"the derivative rule for {_name(fn)} cannot differentiate this call ({error}); leave "
                f"that argument out, or register a rule that takes it with sg.vjp_rule({_name(fn)})"
            ) from None
    _ACCEPTED_CALLS.add(key)


def _carries_gradient(value):
    """Whether a result can have a gradient: floating values can; ints, bools, shapes... cannot."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "fcO"  # object arrays may hold the numbers (np.frompyfunc(f, 1, 1)(x))
    if isinstance(value, (list, tuple)):
        return any(_carries_gradient(v) for v in value)
    # the values themselves in another form: x.tobytes(), an iterator over x.flat, a pointer to them (x.ctypes)
    return isinstance(value, (float, complex, bytes, bytearray, memoryview, np.flatiter, _CTYPES))


_CTYPES = type(np.empty(0).ctypes)


def _without_rule(fn, ans):
    """The result of a call with no rule on a Tensor that requires grad: fine (and plain) when it is
    integer or boolean (``np.isclose``, ``np.nonzero``, ``x.nbytes``), an error when it is not."""
    if ans is None and callable(fn):  # np.copyto, np.put...: the result was written in place, out of sight
        raise NoRuleError(f"{_name(fn)} writes its result in place, which the tape cannot differentiate; "
                          f"compute a new array instead (np.where, np.concatenate...)")
    if _carries_gradient(ans):
        raise _no_rule(fn)
    return ans


def _unary(fn, x):
    """``_apply(fn, (x,), {})`` for a Tensor ``x``, without the generic bookkeeping (the ufuncs and
    operators that come here return a new array or number, never a view: nothing to mark shared)."""
    raw = x.value
    rule = _RULES.get(fn)
    if rule is None and fn in _NONDIFF:
        return fn(raw)
    ans = fn(raw)
    if not (x.requires_grad and _mode.enabled):
        return _wrap_plain(ans)
    if rule is None:
        return _without_rule(fn, ans)
    protected = _mode.protected
    if protected is not None and isinstance(raw, np.ndarray) and not x._owned and id(raw) not in protected:
        raw = _kept(raw, protected)
    return _make(ans, Node(fn, rule, (raw,), _NO_KWARGS, ans, ((0, None, x._node or x),)))


def _binary(fn, a, b):
    """``_apply(fn, (a, b), {})`` for the arithmetic operators, without the generic bookkeeping (their
    results are new arrays or numbers, never views: nothing to mark shared)."""
    if isinstance(a, Tensor):
        ra, ga = a.value, a.requires_grad
    else:
        ra, ga = a, False
    if isinstance(b, Tensor):
        rb, gb = b.value, b.requires_grad
    else:
        rb, gb = b, False
    rule = _RULES.get(fn)
    if rule is None and fn in _NONDIFF:  # comparisons, //: plain, non-differentiable results
        return fn(ra, rb)
    ans = fn(ra, rb)
    if not ((ga or gb) and _mode.enabled):
        return _wrap_plain(ans)
    if rule is None:
        return _without_rule(fn, ans)
    if ga and gb:
        parents = ((0, None, a._node or a), (1, None, b._node or b))
    else:
        parents = ((0, None, a._node or a),) if ga else ((1, None, b._node or b),)
    protected = _mode.protected
    if protected is not None:  # (_owned_by_graph, inlined: the hot path)
        if isinstance(ra, np.ndarray) and not (ga and a._owned) and id(ra) not in protected:
            ra = _kept(ra, protected)
        if isinstance(rb, np.ndarray) and not (gb and b._owned) and id(rb) not in protected:
            rb = _kept(rb, protected)
    return _make(ans, Node(fn, rule, (ra, rb), _NO_KWARGS, ans, parents))


_object_new = object.__new__


def _make(value, node):
    """A Tensor produced by a recorded operation (no validation: the hot path)."""
    t = _object_new(Tensor)
    t.value = value
    t.requires_grad = True
    t.grad = None
    t._node = node
    t._shared = False
    t._owned = True
    t._view_of = t._views = None
    return t


def _wrap_plain(value):
    """Box the result of an unrecorded operation, so code keeps working on Tensors."""
    if isinstance(value, (np.ndarray, np.generic, numbers.Number)) and not isinstance(value, (bool, np.bool_)):
        t = _object_new(Tensor)
        t.value = value
        t.requires_grad = False
        t.grad = None
        t._node = None
        t._shared = False
        t._owned = False
        t._view_of = t._views = None
        return t
    return value


def _on_array(method):
    """Call an ndarray method on a raw value that may be a Python float or a NumPy scalar."""

    def call(x, *args, **kwargs):
        return method(x if type(x) is np.ndarray else np.asarray(x), *args, **kwargs)

    return call


def _property_getter(descriptor):
    def get(x):
        return descriptor.__get__(x if type(x) is np.ndarray else np.asarray(x))

    return get


_METHOD_IMPLS = {}
_INPLACE_METHODS = frozenset({"put", "resize", "setfield", "setflags", "itemset"})

# In-place methods the tape follows as an item assignment of what their function form computes.
_UPDATING_METHODS = {
    "sort": lambda t, *args, **kwargs: np.sort(t, *args, **kwargs),
    "partition": lambda t, *args, **kwargs: np.partition(t, *args, **kwargs),
    "fill": lambda t, value: np.empty((), t.value.dtype).fill(_raw(value)) or value,  # NumPy's check of value
}


def _update_by_method(name, t, *args, **kwargs):
    """``t.sort(...)``, ``t.partition(...)``, ``t.fill(value)``: ``t[...] = np.sort(t, ...)`` (``value``),
    with the semantics of item assignment (recorded, written through views; see the module docstring).
    A Tensor that is no part of a graph is updated in place, as NumPy does."""
    if not (t.requires_grad or _mode.enabled and _requires_grad_in(args)) or not isinstance(t.value, np.ndarray):
        getattr(t.value if isinstance(t.value, np.ndarray) else np.asarray(t.value), name)(*_raw_all(args),
                                                                                            **_raw_all(kwargs))
        return None
    t[...] = _UPDATING_METHODS[name](t, *args, **kwargs)
    return None


def _method(name, self, args, kwargs):
    """Record ``self.<name>(*args, **kwargs)`` under the primitive ``np.ndarray.<name>``."""
    fn = getattr(np.ndarray, name)
    impl = _METHOD_IMPLS.get(name)
    if impl is None:
        impl = _METHOD_IMPLS[name] = _on_array(fn)
    if kwargs or len(args) > 1:  # perhaps out= (x.sum(out=buf)): see _function_with_out
        done = _function_with_out(fn, (self,) + args, kwargs, impl)
        if done is not _NOT_HANDLED:
            return done
    return _apply(fn, (self,) + args, kwargs, impl)


# ---------------------------------------------------------------- Tensor


def _check_value(value, requires_grad):
    """Validate and normalise what a Tensor may hold: a number or a numeric array."""
    if isinstance(value, Tensor):
        value = value.value
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if isinstance(value, (bool, np.bool_)) or isinstance(value, np.ndarray) and value.dtype == bool:
        if requires_grad:
            raise TypeError("a boolean Tensor cannot require grad: only floating-point values have gradients")
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, np.generic):
        if requires_grad and isinstance(value, numbers.Integral):
            return float(value)
        if not isinstance(value, (int, float, complex)):  # Fraction, Decimal...
            return float(value) if requires_grad else value
        return value
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "iufc":
        if requires_grad and value.dtype.kind in "iu":
            value = value.astype(np.float64)
        return value
    kind = type(value).__name__ if not isinstance(value, (np.ndarray, np.generic)) else f"array of {value.dtype}"
    raise TypeError(f"a Tensor holds a number or an array of numbers, not a {kind}")


def _keep_kind(new, old):
    """``new`` converted to the type, dtype and shape of ``old`` (for updates that keep a leaf)."""
    if type(old) is float:
        return float(new)
    if isinstance(old, np.generic):
        return old.dtype.type(new)
    new = np.asarray(new, dtype=np.result_type(old))
    if new.shape != np.shape(old):
        raise ValueError(f"an in-place update may not change a Tensor's shape {np.shape(old)} to {new.shape}")
    return new


_AUGMENTED = {operator.add: "+=", operator.sub: "-=", operator.mul: "*=", operator.truediv: "/=",
              operator.pow: "**=", operator.matmul: "@=", operator.floordiv: "//=", operator.mod: "%="}


def _raw(x):
    """The value of a Tensor; anything else as it is."""
    return x.value if isinstance(x, Tensor) else x


def _inplace_op(fn, ifn):
    """The method ``__i<op>__`` of Tensor: ``fn`` is the operator (``operator.add``), ``ifn`` its
    in-place form (``operator.iadd``). See the module docstring for the semantics."""

    def method(self, other):
        if isinstance(self.value, np.ndarray):
            return _update_array(fn, ifn, self, other)
        return _update_number(fn, self, other)

    method.__name__ = f"__i{fn.__name__.strip('_')}__"
    return method


def _update_number(fn, t, other):
    """``t op= other`` for a Tensor holding a number. Numbers are immutable, so, as in NumPy, the name
    is rebound to a new Tensor ``t op other`` (recorded as usual); a leaf keeps its value. Only the
    parameter update inside ``no_grad()`` (``b -= lr * b.grad``) updates a leaf and keeps it."""
    if t.requires_grad and t._node is None and not _mode.enabled:
        t.value = _keep_kind(fn(t.value, _raw(other)), t.value)
        return t
    return _binary(fn, t, other)


def _update_array(fn, ifn, t, other):
    """``t op= other`` for a Tensor holding an ndarray, with NumPy's semantics for every name of ``t``.

    A Tensor of the graph (or one given a gradient by ``other``) is updated as an object: a new value
    array and a new history, never by writing into its old array, which recorded operations may have
    saved. Other arrays sharing that memory would miss the update, so then it raises InPlaceError."""
    recorded = _mode.enabled and (t.requires_grad or isinstance(other, Tensor) and other.requires_grad)
    if t.requires_grad and t._node is None and not _is_argument(t):  # a leaf: an error while recording
        if _mode.enabled:
            raise InPlaceError(_leaf_update_message(fn))
        t.value = _keep_kind(fn(t.value, _raw(other)), t.value)  # else keep the leaf
        return t
    if not (t.requires_grad or recorded):  # no graph involved: exactly as NumPy, in place
        ifn(t.value, _raw(other))
        return t
    if _is_shared(t) if not recorded else _blocks_recorded_write(t):
        raise InPlaceError(_shared_update_message(fn))
    _check_writeable(t)
    if recorded:
        new = _binary(fn, t, other)
        value, node = (new.value, new._node) if isinstance(new, Tensor) else (new, None)
    else:  # a Tensor of the graph updated inside no_grad(): a new value, the same history (as PyTorch)
        value, node = fn(t.value, _raw(other)), t._node
    value = _as_in_place(value, t.value, ifn, other)
    if recorded and node is not None:
        node.ans = value
    t.value, t._node, t.requires_grad = value, node, node is not None
    t._owned = node is not None  # a new array, only t holds it
    if recorded:
        _after_update(t)
    return t


def _is_shared(t):
    """Whether other arrays may see the array of ``t`` (see ``_note_sharing``, ``_escape``, the trees of
    views). A view of a buffer no argument shares (``np.tile``, ``np.roll`` return such) is not shared."""
    return t._shared or _in_tree(t)


def _blocks_recorded_write(t):
    """Whether a recorded in-place update of ``t`` cannot be followed: arrays outside the tape's sight
    share its memory. Inside a private tree of views the update is written through (``_write_through``)."""
    return t._shared or (_in_tree(t) and not _tree_is_private(t))


def _as_in_place(value, old, ifn, other):
    """``value`` (the result of ``old op other``), with the dtype, shape and memory layout NumPy's in-place
    operator gives: those of ``old`` (NumPy raises if ``other`` does not broadcast to it or cannot be
    cast). The layout matters: whether a later ``reshape`` is a view depends on it."""
    if (type(value) is np.ndarray and value.dtype == old.dtype and value.shape == old.shape
            and value.strides == old.strides):
        return value
    return ifn(old.copy(order="K"), _raw(other))


def _leaf_update_message(fn):
    """The message of an in-place update of a leaf array that requires grad, while recording."""
    op = _AUGMENTED[fn]
    return (f"in-place {op} on a leaf Tensor that requires grad: the tape could not differentiate it "
            f"(the gradient is taken at the leaf's value). Update parameters inside `with sg.no_grad():`, "
            f"or write `x = x {op[:-1]} ...` to make a new Tensor.")


def _shared_update_message(fn):
    """The message of an in-place update of a Tensor whose array other arrays share."""
    op = _AUGMENTED[fn]
    return (f"in-place {op} on a Tensor whose array is shared with other arrays: it is a view of another "
            f"array or has views (v[1:], v.T, v.reshape(...), v.detach(), v.numpy(), or sg.tensor(a) of an "
            f"array a). NumPy would update them all, but the tape does not follow in-place updates of "
            f"shared arrays: they would keep the old values and the gradient would be wrong. Write "
            f"`v = v {op[:-1]} ...` instead (a new array), or take the views after the update.")


def _forward_op(fn):
    def method(self, other):
        return _binary(fn, self, other)

    method.__name__ = f"__{fn.__name__.strip('_')}__"
    return method


def _reflected_op(fn):
    def method(self, other):
        return _binary(fn, other, self)

    method.__name__ = f"__r{fn.__name__.strip('_')}__"
    return method


class Tensor:
    """A value (a Python number or an ndarray) whose operations are recorded for ``backward()``.

    Arithmetic, indexing, the usual ndarray methods and NumPy functions all work on Tensors, each
    looking up the derivative rule of the primitive it calls (``a + b`` -> ``operator.add``,
    ``x.sum(0)`` -> ``np.ndarray.sum``, ``np.sin(x)`` -> ``np.sin``).
    """

    # _shared: the value array may be seen through other arrays too (views, the array the Tensor was
    # made from, .numpy()...), so the tape refuses to update it in place (see _update_array).
    # _owned: only the graph holds the array (the result of a recorded operation, or a view of one,
    # not handed out): no code can write into it, so value_and_grad_tape need not protect it.
    # _view_of, _views: the tree of views of one array of the graph (see _write_through).
    __slots__ = ("value", "requires_grad", "grad", "_node", "_shared", "_owned", "_view_of", "_views",
                 "__weakref__")
    __array_priority__ = 1000.0
    __hash__ = object.__hash__  # by identity, like PyTorch; == compares values elementwise

    def __init__(self, value, requires_grad=False):
        self.value = _check_value(value, requires_grad)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None
        # an array given (not a copy made here) is the caller's too, as is the array of a Tensor given
        self._shared = isinstance(self.value, np.ndarray) and self.value is _raw(value)
        self._owned = False
        self._view_of = self._views = None
        if self._shared and isinstance(value, Tensor):
            _escape(value)

    # ---- views of the value

    @property
    def data(self):
        """The raw value (alias of ``.value``); assigning replaces it and keeps the Tensor.

        Inside a function differentiated by ``value_and_grad_tape`` it raises ``GradientLostError`` on
        a Tensor that requires grad, as ``.numpy()`` does (NumPy code reading ``x.data``, the buffer of
        an array, would silently lose the gradient); use ``x.detach().data`` there."""
        if _mode.functional:
            self._check_convert(".data")
        _escape(self)
        return self.value

    @data.setter
    def data(self, value):
        self.value = _check_value(value, self.requires_grad)
        self._shared = True
        self._owned = False

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        return np.result_type(self.value)

    @property
    def ndim(self):
        return np.ndim(self.value)

    @property
    def size(self):
        return np.size(self.value)

    @property
    def is_leaf(self):
        """True for a Tensor that was not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self):
        """The name of the primitive that produced this Tensor (e.g. ``'np.multiply'``), or None."""
        return None if self._node is None else _name(self._node.fn)

    @property
    def T(self):
        return _apply(np.ndarray.T, (self,), None, _T_IMPL)

    @property
    def flat(self):
        """Like ``ndarray.flat``: iterating, indexing and item assignment through it are recorded (as
        ``t.flatten()[i]`` and ``t[np.unravel_index(i, t.shape)] = v``), never on the raw values."""
        return _FlatTensor(self)

    def detach(self):
        """A new Tensor with the same value that does not require grad (no copy of the data)."""
        return Tensor(self)

    def item(self, *args):
        """The value as a Python number, as in PyTorch: ``print(loss.item())`` leaves the tape.

        Inside a function differentiated by ``value_and_grad_tape`` (``sg.grad(f, mode="tape")``)
        it is recorded as ``np.ndarray.item`` instead, so that ``return x.item() ** 2`` gets the same
        gradient as in source mode rather than silently none; use ``x.detach().item()`` there to
        leave the tape on purpose."""
        if _mode.functional and self.requires_grad and _mode.enabled:
            return _method("item", self, args, None)
        v = self.value
        return v.item(*args) if isinstance(v, (np.ndarray, np.generic)) else v

    def numpy(self):
        """The value as an ndarray (do not mutate it); like ``.item()``, this leaves the tape.

        Inside a function differentiated by ``value_and_grad_tape`` it raises ``GradientLostError``
        on a Tensor that requires grad instead, since the gradient would silently be lost there; use
        ``x.detach().numpy()`` to drop it on purpose."""
        if _mode.functional:
            self._check_convert(".numpy()")
        _escape(self)
        return np.asarray(self.value)

    def __repr__(self):
        value = self.value
        if isinstance(value, np.generic):  # show np.float32(0.5) as 0.5, dtype=float32
            body = str(value) if value.dtype in (np.float64, np.int64) else f"{value}, dtype={value.dtype}"
        else:
            body = repr(value).replace("\n", "\n       ")
        if self._node is not None:
            return f"Tensor({body}, grad_fn=<{self.grad_fn}>)"
        if self.requires_grad:
            return f"Tensor({body}, requires_grad=True)"
        return f"Tensor({body})"

    def __format__(self, spec):
        return format(self.value, spec) if spec else repr(self)

    # ---- what type checks see: the value's class (isinstance(x, np.ndarray), isinstance(s, float),
    # np.isscalar(s), numbers.Number, x.__class__.__name__, functools.singledispatch...), so code that
    # branches on the kind of its argument takes the branch NumPy code would. type(x) itself cannot be
    # changed: `type(x) is np.ndarray` and `type(x).__name__` still see Tensor.

    @property
    def __class__(self):
        return type(self.value)

    @property
    def __len__(self):
        """``len(t)``; like a number or a 0-d array, a 0-d Tensor has no length: ``len(t)`` raises
        TypeError and ``hasattr(t, "__len__")`` is False for a Tensor holding a number."""
        value = self.value
        if not isinstance(value, np.ndarray):
            raise _NoLength(f"len() of a 0-d Tensor (it holds a {type(value).__name__})")
        if value.ndim == 0:
            return _len_of_0d

        def length():
            return len(value)

        return length

    def __iter__(self):
        n = len(self)  # TypeError for a 0-d Tensor, as NumPy (so np.iterable(t) is False)
        return (self[i] for i in range(n))

    def __bool__(self):  # allowed: this is how data-dependent control flow works
        return bool(self.value)

    # ---- conversions that would drop the gradient

    def _check_convert(self, what, hint=""):
        """Raise GradientLostError if converting this Tensor (``what``) would silently drop a gradient."""
        if self.requires_grad and _mode.enabled:
            raise GradientLostError(
                f"{what} of a Tensor that requires grad would make a plain value and silently drop "
                f"its gradient (this is what math.sin(x), float(x) or np.asarray(x) do).{hint} Use NumPy "
                f"functions on the Tensor (np.sin(x)), or convert on purpose with x.detach() (then "
                f".item() or .numpy()), or run the code inside sg.no_grad()."
            )

    def __float__(self):
        self._check_convert("float()", _STORE_HINT)
        return float(self.value)

    def __int__(self):
        self._check_convert("int()")
        return int(self.value)

    def __index__(self):
        self._check_convert("using as an index")
        return operator.index(self.value)

    def __complex__(self):
        self._check_convert("complex()")
        return complex(self.value)

    def __array__(self, dtype=None, copy=None):
        self._check_convert("conversion to a NumPy array", _ARRAY_METHOD_HINT)
        if copy:
            return np.array(self.value, dtype=dtype, copy=True)
        _escape(self)  # the caller may now hold the array itself
        return np.asarray(self.value, dtype=dtype)

    # rounding is non-differentiable (zero derivative almost everywhere): plain results
    def __round__(self, ndigits=None):
        return round(self.value, ndigits) if ndigits is not None else round(self.value)

    def __floor__(self):
        return math.floor(self.value)

    def __ceil__(self):
        return math.ceil(self.value)

    def __trunc__(self):
        return math.trunc(self.value)

    # ---- operators

    __add__ = _forward_op(operator.add)
    __sub__ = _forward_op(operator.sub)
    __mul__ = _forward_op(operator.mul)
    __truediv__ = _forward_op(operator.truediv)
    __floordiv__ = _forward_op(operator.floordiv)
    __mod__ = _forward_op(operator.mod)
    __pow__ = _forward_op(operator.pow)
    __matmul__ = _forward_op(operator.matmul)
    __radd__ = _reflected_op(operator.add)
    __rsub__ = _reflected_op(operator.sub)
    __rmul__ = _reflected_op(operator.mul)
    __rtruediv__ = _reflected_op(operator.truediv)
    __rfloordiv__ = _reflected_op(operator.floordiv)
    __rmod__ = _reflected_op(operator.mod)
    __rpow__ = _reflected_op(operator.pow)
    __rmatmul__ = _reflected_op(operator.matmul)
    __iadd__ = _inplace_op(operator.add, operator.iadd)
    __isub__ = _inplace_op(operator.sub, operator.isub)
    __imul__ = _inplace_op(operator.mul, operator.imul)
    __itruediv__ = _inplace_op(operator.truediv, operator.itruediv)
    __ifloordiv__ = _inplace_op(operator.floordiv, operator.ifloordiv)
    __imod__ = _inplace_op(operator.mod, operator.imod)
    __ipow__ = _inplace_op(operator.pow, operator.ipow)
    __imatmul__ = _inplace_op(operator.matmul, operator.imatmul)
    __lt__ = _forward_op(operator.lt)
    __le__ = _forward_op(operator.le)
    __gt__ = _forward_op(operator.gt)
    __ge__ = _forward_op(operator.ge)
    __eq__ = _forward_op(operator.eq)
    __ne__ = _forward_op(operator.ne)

    def __neg__(self):
        return _unary(operator.neg, self)

    def __pos__(self):
        return _unary(operator.pos, self)

    def __abs__(self):
        return _unary(abs, self)

    def __getitem__(self, index):
        return _apply(operator.getitem, (self, index), None)

    def __setitem__(self, index, item):
        """``t[index] = item``, with the semantics of in-place operators (see the module docstring)."""
        recorded = _mode.enabled and (self.requires_grad or isinstance(item, Tensor) and item.requires_grad)
        if recorded and isinstance(self.value, np.ndarray):
            if self.requires_grad and self._node is None and not _is_argument(self):
                raise InPlaceError(
                    "item assignment into a leaf Tensor that requires grad: the gradient is taken with respect "
                    "to its value before the change. Copy it first (y = x.copy()) and write into the copy."
                )
            if _blocks_recorded_write(self):
                raise InPlaceError("item assignment into a Tensor whose array is shared with other arrays "
                                   "(views): they would not see it. Copy it first (y = y.copy()).")
            if _is_stale_view_of(item, self):
                raise InPlaceError(_STALE_VIEW_WRITE)
            _check_writeable(self)
            # Recorded as y = updated(y, index, item): a new value and history, the old array untouched.
            new = _apply(updated, (self, index, item), None)
            self.value, self._node, self.requires_grad = new.value, new._node, new._node is not None
            self._owned = True
            _after_update(self)
            return
        if self.requires_grad and _mode.enabled:
            raise InPlaceError(
                "item assignment into a Tensor that requires grad is not recorded by the tape. Build "
                "the new value out of place (np.where(mask, new, x), or concatenation), or do the "
                "update inside sg.no_grad()."
            )
        if isinstance(item, Tensor):
            item._check_convert("storing into another Tensor")
            item = item.value
        if not self.requires_grad and isinstance(self.value, np.ndarray):
            self.value[index] = item  # no graph involved: in place, as NumPy (views see it)
            return
        if self._node is not None and _is_shared(self):  # a Tensor of the graph, inside no_grad()
            raise InPlaceError("item assignment into a Tensor of the graph whose array is shared with other "
                               "arrays (views): they would not see it. Build the new value out of place "
                               "(np.where(mask, new, x)) instead.")
        new = np.array(self.value, copy=True)  # never mutate a value the graph may have saved
        new[index] = item
        self.value = _keep_kind(new, self.value) if self.requires_grad else new

    # ---- ndarray methods: .sum(), .reshape(...), .T... go through __getattr__ below, recorded under
    # np.ndarray.<name>; clip is spelled out for its keyword names.

    def clip(self, min=None, max=None, out=None, **kwargs):
        """Like ``ndarray.clip``; recorded as ``np.ndarray.clip(x, min, max)`` (``out=`` as for NumPy
        functions: see ``_call_with_out``)."""
        if out is not None:
            kwargs["out"] = out
        return _method("clip", self, (min, max), kwargs or None)

    def __copy__(self):
        """``copy.copy(t)``: a copy of the value, as ``copy.copy`` of an ndarray makes (see ``__deepcopy__``)."""
        return self.__deepcopy__(None)

    def __deepcopy__(self, memo):
        """``copy.deepcopy(t)``: recorded as ``t.copy()``, so the gradient flows through it (NumPy code
        copies arrays this way); a leaf outside ``value_and_grad_tape`` gives a new leaf, as in PyTorch."""
        if self._node is None and not _mode.functional:
            value = self.value.copy() if isinstance(self.value, np.ndarray) else self.value
            new = Tensor(value, requires_grad=self.requires_grad)
            new._shared = False
        elif isinstance(self.value, np.ndarray):
            new = _method("copy", self, (), None)
        else:
            new = _unary(operator.pos, self)
        if not isinstance(new, Tensor):
            new = _wrap_plain(new)
        if memo is not None:
            memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        """Pickling keeps the value (and ``requires_grad`` of a leaf, as PyTorch), not the history: a
        GradientLostError for a Tensor computed by recorded operations, or for any Tensor that
        requires grad inside ``value_and_grad_tape``, whose unpickled copy would silently have none."""
        if self._node is not None or _mode.functional:
            self._check_convert("pickling (pickle.dumps, multiprocessing...)")
        return Tensor, (self.value, self.requires_grad and self._node is None)

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __getattr__(self, name):
        # Any ndarray method or attribute: recorded under np.ndarray.<name>,
        # so a rule registered for it is used, non-differentiable ones (argmax, nbytes, any...) give
        # plain values, and the rest raise NoRuleError when a gradient would be needed.
        attr = getattr(np.ndarray, name, None) if not name.startswith("_") else None
        if attr is None:
            raise AttributeError(f"'Tensor' object has no attribute {name!r}")
        if name in _UPDATING_METHODS:
            return functools.partial(_update_by_method, name, self)
        if name in _INPLACE_METHODS:
            raise InPlaceMethodError(f"Tensor.{name}() would modify the value in place, which the tape cannot "
                            f"follow; use the function form (np.{name}(x)...) that returns a new array")
        if hasattr(attr, "__get__") and not callable(attr):  # a property such as .real
            return _apply(attr, (self,), None, _property_getter(attr))

        def bound(*args, **kwargs):
            return _method(name, self, args, kwargs)

        bound.__name__ = name
        return bound

    # ---- NumPy protocols

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if method == "at":  # np.add.at(a, index, b): writes into a
            at = ufunc.at
            return _write_into_first(at, f"np.{ufunc.__name__}.at", inputs, kwargs,
                                     lambda target, rest, kw: at(target, *rest, **kw))
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            if any(isinstance(o, Tensor) for o in outs) or _mode.enabled and _requires_grad_in(inputs):
                call = ufunc if method == "__call__" else getattr(ufunc, method)
                rest = {k: v for k, v in kwargs.items() if k != "out"}
                _call_with_out(
                    _name(call), inputs, rest, outs, lambda: call(*inputs, **rest),
                    lambda raws: call(*_raw_all(inputs), **_raw_all(rest), out=raws),
                    lambda: _out_message(ufunc, method, inputs, outs),
                    masked=method == "__call__" and rest.get("where", True) is not True)
                return outs[0] if len(outs) == 1 else outs  # as NumPy does
        if method == "__call__":
            if not kwargs and len(inputs) == 1:  # fast paths for the common calls
                return _unary(ufunc, inputs[0])
            if not kwargs and len(inputs) == 2 and type(inputs[0]) not in (list, tuple) \
                    and type(inputs[1]) not in (list, tuple):
                return _binary(ufunc, inputs[0], inputs[1])
            return _apply(ufunc, inputs, kwargs)
        return _apply(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
            return NotImplemented
        if func in _WRITES_FIRST_ARGUMENT:
            return _write_into_first(func, _name(func), args, kwargs,
                                     lambda target, rest, kw: func(target, *rest, **kw) if target is not None
                                     else func(*rest, **kw))
        done = _function_with_out(func, args, kwargs)
        if done is not _NOT_HANDLED:
            return done
        return _apply(func, args, kwargs)

    # ---- backward

    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``gradient`` is the adjoint of ``self`` (needed unless ``self`` is a scalar). The graph's
        saved values are freed afterwards unless ``retain_graph=True``."""
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Tensor that does not require grad: it was not computed from any "
                "Tensor created with requires_grad=True (or it was computed inside no_grad())."
            )
        value = self.value
        if gradient is None:
            if np.ndim(value) != 0:
                raise ValueError(
                    f"backward() without a gradient needs a scalar Tensor, this one has shape "
                    f"{np.shape(value)}; reduce it first (y.sum()) or pass gradient= with that shape."
                )
            seed = 1.0 if type(value) is float else float_dtype(value).type(1)
        else:
            seed = gradient.value if isinstance(gradient, Tensor) else gradient
            if isinstance(seed, (list, tuple)):
                seed = np.asarray(seed)
            if np.shape(seed) != np.shape(value):
                raise ValueError(f"backward(gradient=...) needs shape {np.shape(value)}, got {np.shape(seed)}")
        _backpropagate(self, seed, retain_graph)


_T_IMPL = _property_getter(np.ndarray.T)


class _NoLength(AttributeError, TypeError):
    """``len()`` of a Tensor holding a number: a TypeError for len(), an AttributeError for hasattr()."""


def _len_of_0d():
    raise TypeError("len() of a 0-d Tensor")


class _FlatTensor:
    """``t.flat`` for a Tensor ``t``: a flat view whose reads are recorded through ``t.flatten()`` and whose
    item assignments go through ``Tensor.__setitem__`` (its semantics and errors)."""

    __slots__ = ("base",)

    def __init__(self, t):
        self.base = t

    def __len__(self):
        return int(np.size(self.base.value))

    def _flattened(self):
        # a recorded copy (np.ravel would make a view, and mark the Tensor shared: see _note_sharing)
        return _method("flatten", self.base, (), None)

    def __iter__(self):
        flat = self._flattened()  # recorded once; its items are recorded as it is iterated
        for i in range(len(self)):
            yield flat[i]

    def __getitem__(self, index):
        return self._flattened()[index]

    def __setitem__(self, index, item):
        t = self.base
        if not isinstance(t.value, np.ndarray):
            raise TypeError("item assignment through .flat into a Tensor holding a number")
        index = _raw(index)
        if isinstance(index, Tensor):
            index._check_convert("using as an index")
        positions = np.arange(t.value.size)[index]
        if np.ndim(positions) and np.size(item) not in (1, positions.size):
            raise InPlaceError(f"t.flat[...] = v with {np.size(item)} values for {positions.size} places repeats the "
                               f"values, which the tape does not record; give one value per place")
        if np.ndim(item) and np.shape(item) != np.shape(positions) and np.size(item) == np.size(positions):
            item = np.reshape(item, np.shape(positions))
        t[np.unravel_index(positions, t.value.shape)] = item

    def __array__(self, dtype=None, copy=None):
        self.base._check_convert("conversion of t.flat to a NumPy array")
        return np.array(self.base.value, dtype=dtype).ravel()

    def __repr__(self):
        return f"<flat iterator of {self.base!r}>"

_UFUNC_SYMBOLS = {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/", np.power: "**",
                  np.matmul: "@", np.floor_divide: "//", np.remainder: "%"}


def _out_message(ufunc, method, inputs, outs):
    """The message of a ufunc writing into a plain array (``out=``) from a Tensor that requires grad;
    ``acc += t`` on a plain array ``acc`` is NumPy's ``np.add(acc, t, out=(acc,))``."""
    symbol = _UFUNC_SYMBOLS.get(ufunc)
    if method == "__call__" and symbol and len(inputs) == 2 and outs[0] is inputs[0]:
        return (f"`acc {symbol}= t` with acc a plain NumPy array and t a Tensor that requires grad updates "
                f"acc in place (NumPy runs np.{ufunc.__name__}(acc, t, out=acc)). A plain array cannot "
                f"hold a gradient, and the tape does not follow in-place updates of arrays (other names and "
                f"views of acc would not see it). Write `acc = acc {symbol} t` instead: acc becomes a Tensor.")
    return (f"np.{ufunc.__name__}(..., out=...) writes into a plain NumPy array in place, from a Tensor that "
            f"requires grad: a plain array cannot hold a gradient, and the tape does not follow in-place "
            f"updates of arrays. Drop out= and use the result (`y = np.{ufunc.__name__}(...)`).")


# ---------------------------------------------------------------- out= and functions that write in place
#
# NumPy hands a call with ``out=`` (``np.multiply(t, 2.0, out=t)``, ``np.cumsum(x, out=buf)``,
# ``x.sum(out=buf)``) and the functions that write into their first argument (``np.copyto``,
# ``np.put``, ``np.add.at``...) to the Tensor protocols like any other. Run as they are on the raw
# values they would write into arrays behind the tape's back: into a plain array, where the gradient is
# lost, or into a Tensor's array, which recorded operations may have saved. So:
#
# * no gradient involved (nothing requires grad, or inside ``no_grad()``): NumPy's in-place call on the
#   raw arrays, except that a Tensor of the graph (or a leaf that requires grad) gets a new array with
#   the result, as the in-place operators do (the saved one stays as recorded);
# * a plain array written from a Tensor that requires grad: PlainArrayWriteError, before any write;
# * ``out=`` a Tensor, while recording: the in-place update ``t = f(...)`` with the semantics of the
#   in-place operators (``_update_array``): a new value and history for ``t`` (``t[...] = f(...)`` when
#   the result is broadcast or cast into ``t``, as NumPy's ``out=`` does); InPlaceError on a leaf that
#   requires grad, a Tensor whose array is shared with other arrays, or with ``where=``;
# * ``np.copyto(t, src)`` while recording is ``t[...] = src`` (recorded as item assignment); the other
#   functions that write into a Tensor raise InPlaceError while recording.



def _split_out(fn, args, kwargs):
    """``(args, kwargs, out)``: the call ``fn(*args, **kwargs)`` without its ``out`` argument (given by
    keyword, or by position: the positional arguments after it are then passed by keyword), and that
    argument (None when none is given)."""
    if kwargs and kwargs.get("out") is not None:
        return args, {k: v for k, v in kwargs.items() if k != "out"}, kwargs["out"]
    position, names = out_parameter(fn)
    if position is None or len(args) <= position or args[position] is None or len(args) > len(names):
        return args, kwargs, None
    rest = dict(zip(names[position + 1:], args[position + 1:]))
    return args[:position], {**(kwargs or {}), **rest}, args[position]


def _requires_grad_in(values):
    """Whether a Tensor that requires grad is among ``values`` (or inside a list/tuple among them)."""
    for v in values:
        if isinstance(v, Tensor):
            if v.requires_grad:
                return True
        elif type(v) in (list, tuple) and _requires_grad_in(v):
            return True
    return False


def _raw_all(x):
    """``x`` with every Tensor replaced by its value, inside lists, tuples and dicts too."""
    if isinstance(x, Tensor):
        return x.value
    if type(x) in (list, tuple):
        return type(x)(_raw_all(v) for v in x)
    if type(x) is dict:
        return {k: _raw_all(v) for k, v in x.items()}
    return x


def _fresh_array_for(t):
    """A copy of the array of ``t`` (a Tensor of the graph, or a leaf that requires grad) to write into
    outside recording; an InPlaceError if others share the array of a Tensor of the graph (they would
    not see the update; see ``_update_array``)."""
    if not isinstance(t.value, np.ndarray):
        raise TypeError(f"a Tensor holding a {type(t.value).__name__} cannot be written into in place; "
                        f"it holds no array")
    if t._node is not None and _is_shared(t):
        raise InPlaceError("writing in place into a Tensor of the graph whose array is shared with other arrays "
                           "(views): they would not see it. Build the new value out of place instead "
                           "(`t = f(...)` without out=, np.where(mask, new, t)).")
    return t.value.copy()


def _take_fresh_array(t, array):
    """Give ``t`` the array ``_fresh_array_for`` made and the call wrote into, keeping its history."""
    t.value = array
    if t._node is not None:
        t._owned = True  # a new array, only t holds it


def _call_with_out(name, args, kwargs, outs, compute, raw_call, plain_message, masked=False):
    """Make the call ``name(*args, **kwargs, out=outs)`` (``outs``: a tuple of arrays and Tensors) with
    the semantics above. ``compute()`` makes it without ``out`` (recorded as usual), ``raw_call(raws)``
    on the raw values writing into the raw arrays ``raws``; ``plain_message()`` is the message for a
    plain array written from a Tensor that requires grad; ``masked``: ``where=`` leaves parts of ``out``
    as they were."""
    grad_in = _mode.enabled and (_requires_grad_in(args) or _requires_grad_in(kwargs.values()))
    graph_out = _mode.enabled and any(isinstance(o, Tensor) and o.requires_grad for o in outs)
    if not (grad_in or graph_out):  # no gradient involved: in place, as NumPy (new arrays for the graph's)
        raws, fresh = [], []
        for o in outs:
            if isinstance(o, Tensor) and o.requires_grad:  # inside no_grad()
                array = _fresh_array_for(o)
                fresh.append((o, array))
                raws.append(array)
            else:
                raws.append(_raw(o))
        raw_call(tuple(raws))
        for o, array in fresh:
            _take_fresh_array(o, array)
        return
    if grad_in and any(not isinstance(o, Tensor) for o in outs):
        raise PlainArrayWriteError(plain_message())
    if len(outs) != 1:
        raise InPlaceError(f"{name}(..., out=(...)) with several outputs writing into Tensors is not recorded "
                           f"by the tape; drop out= and use the results")
    (t,) = outs
    if not isinstance(t.value, np.ndarray):
        raise TypeError(f"{name}(..., out=t): t holds a {type(t.value).__name__}, not an array")
    if t.requires_grad and t._node is None and not _is_argument(t):
        raise InPlaceError(f"{name}(..., out=x) writes into a leaf Tensor that requires grad: the tape could not "
                           f"differentiate it (the gradient is taken at the leaf's value). Write `x = {name}(...)` "
                           f"without out= to make a new Tensor, or update parameters inside `with sg.no_grad():`.")
    if _blocks_recorded_write(t):
        raise InPlaceError(f"{name}(..., out=v) writes into a Tensor whose array is shared with other arrays: it is "
                           f"a view of another array or has views (v[1:], v.T, v.reshape(...), v.detach(), "
                           f"v.numpy(), or sg.tensor(a) of an array a). NumPy would update them all, but the tape "
                           f"does not follow in-place updates of shared arrays: they would keep the old values and "
                           f"the gradient would be wrong. Write `v = {name}(...)` without out= instead.")
    _check_writeable(t)
    if masked:
        raise InPlaceError(f"{name}(..., out=t, where=mask) leaves part of t as it was, which the tape does not "
                           f"record; write `t = np.where(mask, {name}(...), t)` instead")
    new = compute()
    if isinstance(new, Tensor) and new.requires_grad:
        value, node = new.value, new._node
        if isinstance(value, np.generic) and value.shape == t.value.shape:
            value = np.asarray(value)
        if not (type(value) is np.ndarray and value.shape == t.value.shape and value.dtype == t.value.dtype):
            if _fits_into(value, t.value):  # broadcast and cast as out= does: recorded as t[...] = new
                t[...] = new
                return
            raise InPlaceError(
                f"{name}(..., out=t) would convert the result (shape {np.shape(value)}, "
                f"{np.result_type(value)}) to t's shape {t.value.shape} and dtype {t.value.dtype}, which the "
                f"tape does not record; write `t = {name}(...)` without out= (and convert explicitly)")
        if value.strides != t.value.strides:  # out= keeps t's memory layout: a later reshape depends on it
            value = _as_in_place(value, t.value, lambda out, v: np.copyto(out, v) or out, value)
        node.ans = value
        t.value, t._node, t.requires_grad = value, node, True
        t._shared, t._owned = t._shared or new._shared, new._owned
        _after_update(t)
        return
    # a result without gradient written into a Tensor of the graph: it becomes a constant
    array = t.value.copy()
    raw_call((array,))
    t.value, t._node, t.requires_grad, t._owned = array, None, False, False


def _fits_into(value, array):
    """Whether NumPy's ``out=array`` takes ``value``: it broadcasts to the array's shape and casts to
    its dtype with ``casting="same_kind"`` (the ufuncs' default)."""
    try:
        shape = np.broadcast_shapes(np.shape(value), array.shape)
    except ValueError:
        return False
    return shape == array.shape and np.can_cast(np.result_type(value), array.dtype, "same_kind")


def _array_out_message(name):
    """The message of a function writing into a plain array (``out=``) from a Tensor that requires grad."""
    return (f"{name}(..., out=a) writes into a plain NumPy array a, from a Tensor that requires grad: a plain "
            f"array cannot hold a gradient, and the tape does not follow in-place updates of arrays, so the "
            f"gradient would be lost. Drop out= and use the result (`a = {name}(...)`: a becomes a Tensor).")


def _function_with_out(fn, args, kwargs, impl=None):
    """``fn(*args, **kwargs)`` for a NumPy function or ndarray method called on a Tensor, when it has an
    ``out`` argument that is a Tensor or is written from a Tensor that requires grad (else
    ``_NOT_HANDLED``: the caller records the call as usual)."""
    args2, kwargs2, out = _split_out(fn, args, kwargs)
    if out is None:
        return _NOT_HANDLED
    outs = out if type(out) is tuple else (out,)
    if not (any(isinstance(o, Tensor) for o in outs)
            or _mode.enabled and (_requires_grad_in(args2) or _requires_grad_in(kwargs2.values()))):
        return _NOT_HANDLED
    call = impl or fn
    name = _name(fn)

    def raw_call(raws):
        return call(*_raw_all(args2), **_raw_all(kwargs2), out=raws if type(out) is tuple else raws[0])

    _call_with_out(name, args2, kwargs2, outs, lambda: _apply(fn, args2, kwargs2, impl), raw_call,
                   lambda: _array_out_message(name))
    return out  # as NumPy does


_NOT_HANDLED = object()


# Functions that write into their first argument (and return None), and the name of that parameter.
_WRITES_FIRST_ARGUMENT = {np.copyto: "dst", np.put: "a", np.place: "arr", np.putmask: "a",
                          np.fill_diagonal: "a", np.put_along_axis: "arr"}


def _write_into_first(fn, name, args, kwargs, raw_call):
    """``fn(target, ...)`` that writes into ``target`` (``np.copyto``, ``np.put``, ``np.add.at``...) called
    with Tensors, with the semantics above. ``raw_call(target, raw_args, raw_kwargs)`` makes the call on raw
    values, writing into ``target``."""
    key = _WRITES_FIRST_ARGUMENT.get(fn)
    if args:
        target, rest, kw = args[0], args[1:], dict(kwargs)
    elif key in kwargs:
        kw = dict(kwargs)
        target, rest = kw.pop(key), ()
    else:
        return raw_call(None, _raw_all(args), _raw_all(kwargs))  # NumPy raises its TypeError
    grad = _mode.enabled and (_requires_grad_in(args) or _requires_grad_in(kwargs.values()))
    if not isinstance(target, Tensor):
        if grad:
            raise PlainArrayWriteError(
                f"{name} writes into a plain NumPy array in place, from a Tensor that requires grad: a plain "
                f"array cannot hold a gradient, and the tape does not follow in-place updates of arrays. "
                f"{_BUILD_AS_TENSOR}")
        return raw_call(target, _raw_all(rest), _raw_all(kw))
    if not grad:
        if not target.requires_grad:
            return raw_call(target.value, _raw_all(rest), _raw_all(kw))
        array = _fresh_array_for(target)  # inside no_grad(): a new array, the history kept
        result = raw_call(array, _raw_all(rest), _raw_all(kw))
        _take_fresh_array(target, array)
        return result
    if fn is np.copyto and len(rest) == 1 and not kw:
        src = rest[0]
        if isinstance(target.value, np.ndarray) and np.can_cast(np.result_type(_raw(src)), target.value.dtype,
                                                                "same_kind"):
            target[...] = src  # recorded as item assignment (or its InPlaceError)
            return None
    where = _written_items(fn, target, rest, kw)
    if where is not None:
        index, values = where
        target[index] = values  # recorded as item assignment (or its InPlaceError)
        return None
    raise InPlaceError(
        f"{name} writes into a Tensor in place, which the tape does not record while a gradient is "
        f"involved. Build the new value out of place (`t = np.where(mask, new, t)`, `t = np.concatenate(...)`), "
        f"or assign items (`t[index] = value` on a Tensor of the graph is recorded).")


def _written_items(fn, target, rest, kw):
    """``(index, values)`` such that ``target[index] = values`` is what ``np.putmask``, ``np.place`` or
    ``np.fill_diagonal`` does, when the values need no cycling (one value, or exactly one per item
    written); None otherwise (the caller refuses)."""
    if not isinstance(target.value, np.ndarray):
        return None
    if fn in (np.putmask, np.place) and len(rest) == 2 and not kw:
        mask = np.asarray(_raw(rest[0]))
        values = rest[1]
        if mask.dtype != bool or mask.shape != target.value.shape:
            return None
        size = np.size(_raw(values))
        if size == 1:
            return mask, values
        if fn is np.putmask and size == target.value.size:  # values are taken at the positions written
            return mask, np.reshape(values, target.value.shape)[mask]
        if fn is np.place and size == int(mask.sum()):  # values are taken in order
            return mask, np.ravel(values)
        return None
    if fn is np.fill_diagonal and len(rest) == 1 and set(kw) <= {"wrap"}:
        marker = np.zeros(target.value.shape, dtype=bool)
        np.fill_diagonal(marker, True, **kw)
        size = np.size(_raw(rest[0]))
        if size == 1 or size == int(marker.sum()):
            return marker, np.ravel(rest[0]) if size > 1 else rest[0]
    return None


_BUILD_AS_TENSOR = (
    "Build the array as a Tensor instead: collect the values in a list and use `np.stack(items)`, or start "
    "from an array computed from the Tensor (`y = x * 0.0`, or `y = np.zeros(n) + 0.0 * x[0]` for another "
    "shape), into which `y[i] = t` is recorded.")


_STORE_HINT = (
    " Storing the Tensor into a plain NumPy array (a[i] = t with a = np.zeros(n), np.fromiter(...)) does it"
    " too (NumPy then reports 'setting an array element with a sequence'): " + _BUILD_AS_TENSOR
)

_ARRAY_METHOD_HINT = (
    " A method of a plain NumPy array called with a Tensor (y.dot(x), y.clip(x)...) converts it this way:"
    " ndarray methods cannot see Tensors, so call the function form instead (np.dot(y, x), np.clip(y, x))."
)

_FREED = (
    "the graph was already freed by an earlier backward(); call backward(retain_graph=True) the "
    "first time to walk it again, or recompute the forward pass"
)


def _backpropagate(root, seed, retain_graph):
    """The one backward loop: adjoints flow from ``root`` to the leaves in reverse topological order.

    The vertices of the graph are what ``Node.parents`` hold: Nodes, and leaf Tensors at the ends."""
    if _mode.protected:  # inside value_and_grad_tape: the saved plain arrays must be as recorded
        _check_snapshots(_mode.protected)
    start = root._node or root
    # Pass 1: count, for every Node and leaf reachable from root, how many recorded uses it has.
    pending = {id(start): 0}
    stack = [start]
    while stack:
        node = stack.pop()
        if type(node) is not Node:  # a leaf
            continue
        if node.parents is None:
            raise RuntimeError(f"backward through {_name(node.fn)}: {_FREED}")
        for _, _, parent in node.parents:
            key = id(parent)
            if key in pending:
                pending[key] += 1
            else:
                pending[key] = 1
                stack.append(parent)

    # Pass 2: a vertex is ready once every use has sent its adjoint; then pass its own on.
    adjoints = {id(start): seed}
    ready = [start]
    while ready:
        node = ready.pop()
        g = adjoints.pop(id(node))
        if type(node) is not Node:
            _accumulate_leaf(node, g)
            continue
        if node.rule is _SELECT:  # result k of a call with several results: file g under k
            ((k, _, whole),) = node.parents
            parts = adjoints.setdefault(id(whole), [None] * len(whole.ans))
            parts[k] = g if parts[k] is None else parts[k] + g
            vjps = None
        else:
            vjps = _call_rule(node, g)
        for i, j, parent in node.parents:
            key = id(parent)
            if vjps is not None:
                a = _adjoint_for(node, vjps, i, j, parent)
                old = adjoints.get(key)
                adjoints[key] = a if old is None else old + a  # never in place: a may be aliased
            pending[key] -= 1
            if not pending[key]:
                ready.append(parent)
        if not retain_graph:
            node.free()


def _call_rule(node, g):
    """The adjoints of the arguments of the recorded call ``node``, given ``g``, the adjoint of its
    result (a list of the adjoints of its results for a call with several: zeros for unused ones)."""
    if type(g) is list:
        g = tuple(zeros_like(v) if p is None else p for p, v in zip(g, node.ans))
    try:  # adjoints of arguments passed by keyword are needed too
        vjps = node.rule.fn(g, node.ans, *node.args, **node.kwargs)
    except Exception as error:
        if hasattr(error, "add_note"):
            error.add_note(f"(in the derivative rule for {_name(node.fn)}, called by backward())")
        raise
    return vjps if type(vjps) is tuple else (vjps,)


def _adjoint_for(node, vjps, i, j, parent):
    """The adjoint the rule of ``node`` gave for its argument ``i`` (item ``j`` of a list argument),
    checked: present, and of the shape of the value it is the adjoint of."""
    a = vjps[i] if i < len(vjps) else None
    if j is not None and a is not None:
        a = a[j]
    where = f"{i}" if j is None else f"{i}[{j}]"
    if a is None:
        raise NoRuleError(
            f"the derivative rule for {_name(node.fn)} gives no gradient for its argument "
            f"{where}, which is a Tensor that requires grad; pass that argument as a plain "
            f"value or register a fuller rule with sg.vjp_rule"
        )
    value = _saved_value(parent)
    if type(a) is np.ndarray and type(value) is np.ndarray and a.shape != value.shape:
        raise RuntimeError(
            f"the derivative rule for {_name(node.fn)} returned an adjoint of shape {a.shape} "
            f"for its argument {where} of shape {value.shape}: the rule is wrong for this call"
        )
    return a


def _accumulate_leaf(leaf, g):
    """Add ``g`` to ``leaf.grad``, as a fresh value with the leaf's shape and floating dtype."""
    value = leaf.value
    if type(value) is float:
        g = float(g)
    else:
        g = np.array(g, dtype=float_dtype(value))  # a copy: leaves never share a gradient array
        if g.shape != np.shape(value):
            raise RuntimeError(f"a derivative rule returned an adjoint of shape {g.shape} for a leaf "
                               f"Tensor of shape {np.shape(value)}: that rule is wrong for this call")
        if isinstance(value, np.generic):
            g = g[()]
    leaf.grad = g if leaf.grad is None else leaf.grad + g


# ---------------------------------------------------------------- entry points


def tensor(value, requires_grad=False):
    """Make a Tensor. Integers are promoted to float when ``requires_grad=True``; booleans,
    strings and other objects cannot require grad (``TypeError``). An ndarray is used as it is, not
    copied (like ``np.asarray``; unless converted to float): in-place updates without gradient write
    into it."""
    return Tensor(value, requires_grad=requires_grad)


def _as_leaf(value, position):
    try:
        return Tensor(value, requires_grad=True)
    except TypeError as error:
        raise TypeError(f"cannot differentiate with respect to argument {position} "
                        f"({type(value).__name__}): {error}") from None


def _rule_caller(fn):
    """``fn``, but recorded through its registered rule when called with Tensors."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if any(isinstance(a, Tensor) for a in args) or any(isinstance(a, Tensor) for a in kwargs.values()):
            return _apply(fn, args, kwargs)
        return fn(*args, **kwargs)

    call.__sourcegrad_primitive__ = fn   # source mode (and @sg.primitive logic) sees fn through it
    return call


class RuleBypassError(RuntimeError):
    """A Python function with a registered rule was called, on the tape, in a way the tape cannot
    redirect to its rule (a closure variable, a default argument, a container...)."""


# While value_and_grad_tape runs, a plain Python function ``fn`` of the user's with a registered rule
# is replaced, in every module namespace the running code reads globals from, by ``_rule_caller(fn)``,
# which records a call with Tensors as one operation through the rule (as ``@sg.primitive`` does). A
# profile hook patches each module the first time code from it runs, and raises RuleBypassError when
# ``fn``'s own code is entered with Tensors that require grad (it was reached some other way), so the
# tape never silently differentiates the function's body instead of its rule. Everything is restored
# when the last such run (in any thread) ends; code that compares ``fn`` by identity while it runs
# would see the wrapper.
_REDIRECT_LOCK = threading.RLock()   # re-entered: the profile hook runs while patching
_REDIRECT = {"depth": 0, "patched": [], "seen": {}, "wrappers": {}, "codes": {}}


def _rule_calls():
    """Context manager: redirect calls of rule-registered Python functions while a tape run lasts."""
    return _RuleCalls()


class _RuleCalls:
    def __enter__(self):
        self.active = bool(registry.PYTHON_FUNCTIONS)
        if not self.active:
            return self
        with _REDIRECT_LOCK:
            state = _REDIRECT
            if state["depth"] == 0:
                functions = [fn for fn in registry.PYTHON_FUNCTIONS if registry.lookup_vjp(fn) is not None]
                state["wrappers"] = {id(fn): (fn, _rule_caller(fn)) for fn in functions}
                state["codes"] = {fn.__code__: fn for fn in functions}
                state["seen"] = {}
                state["patched"] = []
                for fn in functions:
                    _patch_namespace(fn.__globals__)
            state["depth"] += 1
        import sys

        self.previous = sys.getprofile()
        self.hooked = self.previous is None   # never displace a profiler
        if self.hooked:
            sys.setprofile(_redirect_hook)
        return self

    def patch_for(self, f):
        """Patch the namespace ``f`` reads globals from, and its closure cells and default arguments
        (before it runs)."""
        if not self.active:
            return
        func = getattr(f, "__func__", f)
        namespace = getattr(func, "__globals__", None)
        with _REDIRECT_LOCK:
            if namespace is not None:
                _patch_namespace(namespace)
            if type(func) is type(_rule_caller):   # a Python function
                _patch_function(func)

    def arguments(self, args, kwargs):
        """``args``/``kwargs`` with rule-registered functions passed as arguments (``act=my_fn``, a
        default filled in by ``grad``) replaced by their recording wrappers."""
        if not self.active:
            return args, kwargs
        wrappers = _REDIRECT["wrappers"]

        def swap(value):
            hit = wrappers.get(id(value))
            return hit[1] if hit is not None and hit[0] is value else value

        return [swap(a) for a in args], {k: swap(v) for k, v in kwargs.items()}

    def __exit__(self, *exc_info):
        if not self.active:
            return False
        if self.hooked:
            import sys

            sys.setprofile(self.previous)
        with _REDIRECT_LOCK:
            state = _REDIRECT
            state["depth"] -= 1
            if state["depth"] == 0:
                for namespace, name, original, wrapper in reversed(state["patched"]):
                    if namespace.get(name) is wrapper:
                        namespace[name] = original
                state.update(patched=[], seen={}, wrappers={}, codes={})
        return False


class _Slots:
    """A function's closure cells and default arguments seen as a mapping, so that patching them is
    recorded and undone like a module's globals."""

    def __init__(self, func):
        self.func = func

    def get(self, name, default=None):
        if name.startswith("cell:"):
            try:
                return self.func.__closure__[int(name[5:])].cell_contents
            except ValueError:
                return default
        return getattr(self.func, name, default)

    def __setitem__(self, name, value):
        if name.startswith("cell:"):
            self.func.__closure__[int(name[5:])].cell_contents = value
        else:
            setattr(self.func, name, value)


def _patch_function(func):
    """Redirect the rule-registered functions held in ``func``'s closure cells and default arguments
    (``def f(x, act=my_rule_fn)``); called with _REDIRECT_LOCK held."""
    state = _REDIRECT
    wrappers = state["wrappers"]

    def swap(value):
        hit = wrappers.get(id(value))
        return hit[1] if hit is not None and hit[0] is value else value

    slots = _Slots(func)
    for i, cell in enumerate(func.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        new = swap(value)
        if new is not value:
            cell.cell_contents = new
            state["patched"].append((slots, f"cell:{i}", value, new))
    old = func.__defaults__
    if old:
        new = tuple(swap(v) for v in old)
        if any(a is not b for a, b in zip(new, old)):
            func.__defaults__ = new
            state["patched"].append((slots, "__defaults__", old, new))
    old = func.__kwdefaults__
    if old:
        new = {k: swap(v) for k, v in old.items()}
        if any(new[k] is not old[k] for k in old):
            func.__kwdefaults__ = new
            state["patched"].append((slots, "__kwdefaults__", old, new))


def _patch_namespace(namespace):
    """Replace the rule-registered functions bound in ``namespace`` (a module's globals) by their
    recording wrappers; called with _REDIRECT_LOCK held."""
    state = _REDIRECT
    if id(namespace) in state["seen"] or type(namespace) is not dict:
        return
    state["seen"][id(namespace)] = namespace
    wrappers = state["wrappers"]
    for name, value in list(namespace.items()):
        hit = wrappers.get(id(value))
        if hit is not None and hit[0] is value:
            namespace[name] = hit[1]
            state["patched"].append((namespace, name, value, hit[1]))


def _redirect_hook(frame, event, arg):
    if event != "call":
        return
    state = _REDIRECT
    if id(frame.f_globals) not in state["seen"]:
        with _REDIRECT_LOCK:
            if state["depth"]:
                _patch_namespace(frame.f_globals)
    fn = state["codes"].get(frame.f_code)
    if fn is not None and _mode.enabled:
        code = fn.__code__
        count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 4) + bool(code.co_flags & 8)
        values = [frame.f_locals.get(n) for n in code.co_varnames[:count]]
        flat = []
        for v in values:
            flat.extend(v.values() if isinstance(v, dict) else v if isinstance(v, (tuple, list)) else (v,))
        if any(isinstance(v, Tensor) and v.requires_grad for v in flat):
            raise RuleBypassError(
                f"{fn.__qualname__} has a derivative rule registered with sg.vjp_rule, but it was called with "
                "Tensors in a way the tape cannot redirect to the rule (not through a module global: a closure "
                "variable, a default argument, a container...), so the tape would differentiate its code instead "
                "of the rule. Call it through a module global, or decorate it with @sg.primitive."
            )


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
    leaves = []
    for i in wrt:
        container = kwargs if isinstance(i, str) else args
        leaf = _as_leaf(container[i], i)
        container[i] = leaf
        leaves.append(leaf)
    run = _rule_caller(f) if registry.lookup_vjp(f) is not None else f
    if run is f and _inspects_types(f):
        raise TypeError(_TYPE_CHECK_MESSAGE.format(name=getattr(f, "__qualname__", f)))
    places = _caller_places(f, args, kwargs, leaves)
    before = _tensors_in(places)
    outer, outer_arguments = _mode.protected, (_mode.arguments, _mode.argument_memory)
    protected = _mode.protected = {}
    _mode.arguments = _argument_leaves(leaves, list(args) + list(kwargs.values()))
    _mode.argument_memory = {id(_memory_owner(a.array)): a for a in _mode.arguments.values()}
    try:
        for argument in _mode.arguments.values():
            argument.read_only = not argument.array.flags.writeable
            _freeze_argument(argument.array, protected)
        with _rule_calls() as redirect:
            redirect.patch_for(f)
            args, kwargs = redirect.arguments(args, kwargs)
            out = _run_recorded(run, args, kwargs, protected)
        value = out.value if isinstance(out, Tensor) else out
        if seed is None:
            _check_scalar_output(value)
            if isinstance(out, Tensor) and out.requires_grad:
                out.backward()
        elif isinstance(out, Tensor) and out.requires_grad:
            out.backward(gradient=seed)
        return value, tuple(leaf.grad for leaf in leaves)
    finally:
        arguments = _mode.arguments
        _mode.protected, (_mode.arguments, _mode.argument_memory) = outer, outer_arguments
        _unprotect(protected)
        for argument in arguments.values():
            if argument.written:  # the function's own effect on its argument
                argument.array[...] = argument.leaf.value
        _tensors_in(places, replace_except=before,
                    replacements={id(a.leaf): a.array for a in arguments.values()})


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


_TYPE_CHECK_MESSAGE = (
    "{name} calls type(...): on the tape its arguments are Tensors, so `type(x) is np.ndarray`, "
    "`type(s) == float` or `type(x).__name__` would answer differently than for the arrays themselves and "
    "the taped run could compute something else, with a wrong gradient. The tape does not run such a "
    "function; use isinstance(x, np.ndarray) (which the tape answers as for the array), or source mode.")

_INSPECTS_TYPES = {}  # code object -> whether it calls the builtin type


def _inspects_types(f):
    """Whether the Python function ``f`` (one level of ``functools.partial`` or bound method unwrapped)
    calls the builtin ``type`` by name, in its own code or code nested in it. Functions it calls are
    not looked into."""
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
    and what its closure cells hold (one level of a ``functools.partial`` or bound method unwrapped)."""
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


def _tensors_in(places, replace_except=None, replacements=None):
    """The ids of the Tensors held by the lists, tuples, dicts and objects reachable from ``places`` (not
    through modules, classes, functions or arrays). With ``replace_except`` (the ids found before ``f``
    ran), replace every other one by its value: the taped run leaves the arrays the function itself
    would have left there (an object's attribute, a list item, a dict value, a module global, what a
    closure cell holds, a tuple in one of those, rebuilt), not Tensors with their graph: their value,
    or what ``replacements`` gives for their id (the caller's own array for an argument's leaf)."""
    found, seen, stack = set(), set(), []
    budget = _LEAK_SCAN_LIMIT

    def visit(value):
        """``value``, or what replaces it; containers met are looked into later."""
        if isinstance(value, Tensor):
            found.add(id(value))
            if replace_except is not None and id(value) not in replace_except:
                return (replacements or {}).get(id(value), value.value)
        elif type(value) is tuple:
            new = tuple(visit(v) for v in value)
            if any(a is not b for a, b in zip(new, value)):
                return new
        elif type(value) is list or isinstance(value, dict) or _has_plain_attributes(value):
            stack.append(value)
        return value

    for place in places:  # the places themselves are not rebound, only what they hold
        if isinstance(place, (_NamedGlobals, _Cells)):
            stack.append(place)
        else:
            visit(place)
    while stack and budget > 0:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (dict, _NamedGlobals, _Cells)):
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


def _check_scalar_output(value):
    """``grad`` differentiates functions with a scalar output: a ValueError pointing to vjp otherwise."""
    if isinstance(value, (list, tuple, dict)) or not isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        raise ValueError(f"grad needs f to return a scalar, got {type(value).__name__}; "
                         f"use sg.vjp for functions with other outputs")
    if np.ndim(value) != 0:
        raise ValueError(f"grad needs f to return a scalar, got an output of shape {np.shape(value)}; "
                         f"use sg.vjp for non-scalar outputs")
