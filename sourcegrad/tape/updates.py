"""In-place updates of Tensors (``t += v``, ``t[i] = v``, ``t.sort()``) with NumPy's semantics, recorded."""

import operator
import weakref

import numpy as np

from ..runtime.helpers import updated
from .errors import InPlaceError
from .mode import _mode
from .tensor import Tensor, _keep_kind, _raw, _raw_all, _requires_grad_in
from .protection import _ARGUMENT_ALIASED, _ARGUMENT_READ_ONLY, _is_argument
from .views import _blocks_recorded_write, _in_tree, _is_shared, _tree_root
from .recording import _apply, _binary


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


def _take_state(t, new):
    """Give the Tensor ``t`` the value and history of the Tensor ``new`` (an in-place update of ``t``),
    keeping ``t``'s place in its tree of views."""
    t.value, t._node, t.requires_grad, t._owned = new.value, new._node, new.requires_grad, True


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


_AUGMENTED = {operator.add: "+=", operator.sub: "-=", operator.mul: "*=", operator.truediv: "/=",
              operator.pow: "**=", operator.matmul: "@=", operator.floordiv: "//=", operator.mod: "%="}


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
