"""Which arrays share memory with a result, and the trees of recorded views that an in-place
update is written through."""

import weakref

import numpy as np

from .mode import _mode
from .tensor import Tensor, _raw_all
from .protection import _memory_owner, _protect_all


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


def _is_shared(t):
    """Whether other arrays may see the array of ``t`` (see ``_note_sharing``, ``_escape``, the trees of
    views). A view of a buffer no argument shares (``np.tile``, ``np.roll`` return such) is not shared."""
    return t._shared or _in_tree(t)


def _blocks_recorded_write(t):
    """Whether a recorded in-place update of ``t`` cannot be followed: arrays outside the tape's sight
    share its memory. Inside a private tree of views the update is written through (``_write_through``)."""
    return t._shared or (_in_tree(t) and not _tree_is_private(t))
