"""What recorded operations keep of arrays others may write into, and the read-only guard on
the caller's arrays while ``value_and_grad_tape`` runs."""

import numpy as np

from .errors import InPlaceError
from .mode import _mode
from .tensor import Tensor


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


def _memory_owner(a):
    """The object that holds the memory of the ndarray ``a``: the end of its chain of ``.base``. Two
    arrays may share memory only if they have the same owner (a cheap, conservative test)."""
    base = a.base
    while base is not None:
        a, base = base, getattr(base, "base", None)
    return a


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
