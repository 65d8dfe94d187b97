"""The kind of an argument: what generated code may be specialised on (``entry.py`` writes the check that an
argument still has it).

A kind is what the cache of generated gradients is keyed on besides the function:

- ``SCALAR``: a Python or NumPy real number (``float``, ``int``, ``np.float64``, ``np.int32``...; not ``bool``);
- ``("array", pattern)``: an ``np.ndarray`` (not a subclass) whose shape has, per axis, ``"1"`` where the
  axis has length one and ``"N"`` where it has any other length: ``(10, 1)`` is ``"N1"``, a 0-d array ``""``.
  Broadcasting depends on nothing else, so code specialised on the pattern is right for every shape with it;
- ``("tree", treedef, leaf_kinds)``: a structure (list, tuple, dict, NamedTuple, dataclass: ``sourcegrad.tree``)
  differentiated, with a ``leaf_kind`` per leaf. Code generated for it takes the leaves one by one
  (``transforms/structured.py``), so it is right only for exactly this structure;
- ``None``: anything else (lists not differentiated, ``None``, strings, array subclasses...): no specialisation.
"""

import numpy as np

from .tree import is_float_leaf, tree_flatten

SCALAR = "scalar"


def kind_of(value):
    """The kind of one argument value."""
    cls = type(value)
    if cls is float or cls is int:
        return SCALAR
    if cls is np.ndarray:
        return ("array", "".join("1" if n == 1 else "N" for n in value.shape))
    if issubclass(cls, (np.floating, np.integer)):   # (by its type: a Tensor of a NumPy float says it is one)
        return SCALAR
    return None   # (a Tensor registers as a numbers.Real: it is no number for generated code)


def is_array(kind):
    return type(kind) is tuple and kind[0] == "array"


def tree_kind(value):
    """The kind of a structured argument differentiated: ``("tree", treedef, leaf kinds)``."""
    leaves, treedef = tree_flatten(value)
    return ("tree", treedef, tuple(map(leaf_kind, leaves)))


def is_tree_kind(kind):
    return type(kind) is tuple and kind[0] == "tree"


#: the kinds of leaves the code generated for a structure bakes in as constants (part of the cache key)
_CONSTANT_TYPES = (str, bytes, bool, type(None), np.bool_)


def leaf_kind(value):
    """The kind of one leaf of a structure differentiated: SCALAR or ``("array", pattern)`` for a float leaf
    (differentiated); ``("int",)`` for an integer and ``("data", pattern)`` for a non-float array (passed to the
    generated code, not differentiated); ``("const", type, value)`` for a string, bool or None and
    ``("callable", f)`` for a function or class (baked into the generated code); ``("object", type)`` otherwise
    (passed as it is); ``("tape", type)`` for a float leaf of a subclass (of ``np.ndarray``, of ``float``):
    differentiated, by the tape only (as such an argument on its own)."""
    if is_float_leaf(value):
        kind = kind_of(value)
        return ("tape", type(value)) if kind is None else kind
    cls = type(value)
    if cls in _CONSTANT_TYPES:
        return ("const", cls, value)
    if isinstance(value, (int, np.integer)):
        return ("int",)
    if cls is np.ndarray:
        return ("data", kind_of(value)[1])
    if callable(value):
        try:
            hash(value)
        except TypeError:
            return ("object", cls)
        return ("callable", value)
    return ("object", cls)


def leaf_kind_floats(kind):
    """Whether a leaf of this kind is differentiated."""
    return kind == SCALAR or type(kind) is tuple and kind[0] in ("array", "tape")


def tree_float_count(kind):
    """How many leaves a structure of this kind has that are differentiated."""
    return sum(map(leaf_kind_floats, kind[2]))
