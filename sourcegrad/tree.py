"""Structured values ("trees"): lists, tuples, dicts, NamedTuples and dataclasses of arrays and numbers.

A tree is a container — ``list``, ``tuple``, ``dict`` (keys kept in insertion order), a ``NamedTuple`` or a
dataclass instance — whose items are trees or leaves; anything else is a leaf (an array, a float, an int, a
string, ``None``, a function...). ``tree_flatten`` gives the leaves in a fixed order and a ``TreeDef`` (the
containers, hashable: sourcegrad keys its generated code on it); ``tree_unflatten`` puts leaves back. A dataclass
is rebuilt from its fields alone, without running ``__init__``/``__post_init__`` again; one with attributes that
are not fields is refused (ValueError), since a rebuilt copy would lose them.

Only *float leaves* (``float``, NumPy floating scalars, arrays of a floating dtype) are differentiated; the others
are carried along and their gradient is ``None`` (as JAX does for leaves it does not differentiate)::

    params = [{"W": np.ones((2, 3)), "b": np.zeros(3), "act": np.tanh}]
    leaves, treedef = sg.tree_flatten(params)       # [W, b, np.tanh], the structure
    sg.tree_unflatten(treedef, leaves)              # a new list of one dict, equal to params
    vector, unravel = sg.tree_ravel(params)         # the float leaves as one float64 vector (scipy.optimize)
    unravel(vector)                                 # params again (non-float leaves as they were)
"""

import dataclasses
import inspect
import types
from typing import NamedTuple

import numpy as np

__all__ = ["TreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_paths", "tree_ravel", "path_text",
           "is_tree", "is_float_leaf"]


class TreeDef(NamedTuple):
    """The shape of a tree without its leaves. ``kind``: 'leaf', 'list', 'tuple', 'dict', 'namedtuple' or
    'dataclass'; ``cls``: the container's class; ``keys``: dict keys or field names in order (() for
    sequences); ``children``: a TreeDef per item; ``key_types``: the type of each dict key (() when all are
    strings), so that structures whose keys are equal but not alike (``1``, ``1.0``, ``True``; ``0.0`` and ``-0.0``)
    are not equal: code generated for one may use its keys as values."""

    kind: str
    cls: type
    keys: tuple
    children: tuple
    key_types: tuple = ()

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(child.num_leaves for child in self.children)

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind in ("list", "tuple"):
            inner = ", ".join(map(repr, self.children))
            return f"[{inner}]" if self.kind == "list" else f"({inner}{',' if len(self.children) == 1 else ''})"
        inner = ", ".join(f"{k!r}: {c!r}" if self.kind == "dict" else f"{k}={c!r}"
                          for k, c in zip(self.keys, self.children))
        return "{" + inner + "}" if self.kind == "dict" else f"{self.cls.__name__}({inner})"


LEAF = TreeDef("leaf", object, (), ())


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def _is_dataclass(value):
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def is_tree(value):
    """Whether ``value`` is a container that ``tree_flatten`` opens (list, tuple, dict, NamedTuple, dataclass)."""
    return _container_kind(value) is not None


def is_float_leaf(value):
    """Whether a leaf is differentiated: a float (not a bool), a NumPy floating scalar, an array of floats."""
    cls = type(value)     # (not isinstance: a Tensor says it is an ndarray)
    if issubclass(cls, np.ndarray):
        return value.dtype.kind == "f"
    return issubclass(cls, (float, np.floating)) and not issubclass(cls, (bool, np.bool_))


_CONTAINER = {list: "list", tuple: "tuple", dict: "dict"}   # class -> kind of container, None for a leaf class


def _container_kind(value):
    cls = type(value)
    try:
        return _CONTAINER[cls]
    except KeyError:
        kind = "namedtuple" if _is_namedtuple(value) else "dataclass" if _is_dataclass(value) else None
        if len(_CONTAINER) < 4096:
            _CONTAINER[cls] = kind
        return kind
    except TypeError:     # an unhashable class
        return None


def _children(value):
    """``(kind, keys, items)`` of a container; None for a leaf. Subclasses of list/tuple/dict (other than
    NamedTuples) are leaves: their constructors may not take the items back."""
    kind = _container_kind(value)
    if kind is None:
        return None
    if kind == "list" or kind == "tuple":
        return kind, (), list(value)
    if kind == "dict":
        return kind, tuple(value), list(value.values())
    if kind == "namedtuple":
        fields = tuple(type(value)._fields)
        _check_field_reads(type(value), fields)
        return kind, fields, list(value)
    names = tuple(f.name for f in dataclasses.fields(value))
    _check_field_reads(type(value), names)
    items = [getattr(value, n, _UNSET) for n in names]
    unset = [n for n, item in zip(names, items) if item is _UNSET]
    if unset:
        raise ValueError(f"the {type(value).__name__} has no value for its field {unset[0]!r}: a dataclass is "
                         "taken apart and rebuilt by its fields, so each must be set")
    extra = _non_field_attributes(value, names)
    if extra:
        raise ValueError(f"the {type(value).__name__} has attributes that are not fields ({', '.join(extra)}): a "
                         "dataclass is taken apart and rebuilt by its fields only, so they would be lost (and what "
                         "they were computed from would not be followed). Make them fields, or properties")
    return kind, names, items


_UNSET = object()
_FIELDS_CHECKED = set()   # NamedTuple and dataclass classes whose fields read their items


def _check_field_reads(cls, names):
    """A ValueError unless reading each field of an instance of ``cls`` gives the item stored (a property of a
    subclass that overrides a field would compute something else: source mode reads fields as their items)."""
    if cls in _FIELDS_CHECKED:
        return
    if issubclass(cls, tuple):
        markers = [object() for _ in names]
        probe = tuple.__new__(cls, markers)
        for name, marker in zip(names, markers):
            try:
                same = getattr(probe, name) is marker
            except Exception:
                same = False
            if not same:
                raise ValueError(f"reading the field {name!r} of a {cls.__name__} does not give the item stored "
                                 "there (a property overrides it): a structure is taken apart and rebuilt by its "
                                 "items, so it cannot be one. Rename the property, or pass the items")
    else:
        for name in names:
            attribute = inspect.getattr_static(cls, name, None)
            if hasattr(type(attribute), "__set__") and type(attribute) is not types.MemberDescriptorType:
                raise ValueError(f"the field {name!r} of {cls.__name__} is overridden by a {type(attribute).__name__}:"
                                 " a dataclass is taken apart and rebuilt by its fields, so it cannot be one. "
                                 "Rename the property, or pass the fields")
    if len(_FIELDS_CHECKED) < 4096:
        _FIELDS_CHECKED.add(cls)


def _non_field_attributes(value, names):
    """The names of the instance attributes of a dataclass that are not its fields (in ``__dict__`` or slots)."""
    extra = [n for n in getattr(value, "__dict__", {}) if n not in names]
    for cls in type(value).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for n in (slots,) if isinstance(slots, str) else slots:
            if n not in names and n not in ("__dict__", "__weakref__") and hasattr(value, n):
                extra.append(n)
    return extra


def _flatten(value, path, leaves, paths, active):
    opened = _children(value)
    if opened is None:
        leaves.append(value)
        if paths is not None:
            paths.append(path)
        return LEAF
    if id(value) in active:
        raise ValueError(f"the structure contains itself at {path_text(path)}: it cannot be flattened")
    kind, keys, items = opened
    active.add(id(value))
    try:
        children = []
        for i, item in enumerate(items):
            step = ("attr", keys[i]) if kind in ("namedtuple", "dataclass") else \
                ("key", keys[i]) if kind == "dict" else ("index", i)
            children.append(_flatten(item, path + (step,), leaves, paths, active))
    finally:
        active.discard(id(value))
    return TreeDef(kind, type(value), keys, tuple(children), _key_types(keys) if kind == "dict" else ())


def _key_types(keys):
    """``key_types`` of a dict's keys: () when all are strings (the usual case; equal keys are then alike)."""
    for key in keys:
        if type(key) is not str:
            return tuple(map(_key_type, keys))
    return ()


def _key_type(key):
    """What tells a dict key from an equal one of another type: its type (a float's sign, a tuple's items too)."""
    cls = type(key)
    if cls is tuple:
        return tuple, tuple(map(_key_type, key))
    if cls is float:
        return float, repr(key)
    return cls


def tree_flatten(tree):
    """``(leaves, treedef)``: the leaves of ``tree`` in order (depth first; dicts in insertion order) and its
    structure. A value that is not a container is one leaf."""
    leaves = []
    treedef = _flatten(tree, (), leaves, None, set())
    return leaves, treedef


def tree_paths(tree):
    """``(leaves, paths, treedef)``: as ``tree_flatten``, with the path of each leaf (a tuple of steps
    ``("index", i)``, ``("key", k)`` or ``("attr", name)``; ``path_text`` writes one)."""
    leaves, paths = [], []
    treedef = _flatten(tree, (), leaves, paths, set())
    return leaves, paths, treedef


def tree_unflatten(treedef, leaves):
    """The tree of structure ``treedef`` holding ``leaves`` (in ``tree_flatten``'s order)."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: the structure {treedef!r} holds {treedef.num_leaves} leaves, "
                         f"got {len(leaves)}")
    it = iter(leaves)
    return _build(treedef, it)


def _build(treedef, it):
    if treedef.kind == "leaf":
        return next(it)
    items = [_build(child, it) for child in treedef.children]
    if treedef.kind == "list":
        return items
    if treedef.kind == "tuple":
        return tuple(items)
    if treedef.kind == "dict":
        return dict(zip(treedef.keys, items))
    if treedef.kind == "namedtuple":   # (not cls(*items): a __new__ of the user's may change the items)
        return tuple.__new__(treedef.cls, items)
    # a dataclass: its fields set on a new instance, without running __init__ or __post_init__, which may compute
    # the fields from what they are given (self.w = 2 * w would double every rebuilt copy and every gradient)
    out = object.__new__(treedef.cls)
    for k, v in zip(treedef.keys, items):
        object.__setattr__(out, k, v)
    return out


def tree_map(function, tree, *others):
    """A tree of the structure of ``tree`` whose leaves are ``function(leaf, *leaves of others)``; ``others``
    must have the same structure."""
    leaves, treedef = tree_flatten(tree)
    rest = []
    for other in others:
        other_leaves, other_def = tree_flatten(other)
        if other_def != treedef:
            raise ValueError(f"tree_map: the structures differ: {treedef!r} and {other_def!r}")
        rest.append(other_leaves)
    return tree_unflatten(treedef, [function(*items) for items in zip(leaves, *rest)])


def tree_ravel(tree):
    """``(vector, unravel)``: the float leaves of ``tree`` concatenated into one float64 vector, and the function
    that turns such a vector back into a tree like ``tree`` (each float leaf with its shape and dtype, a float for a
    float; the other leaves as they are in ``tree``). For optimisers that want a flat vector (``scipy.optimize``)."""
    leaves, treedef = tree_flatten(tree)
    where = [i for i, leaf in enumerate(leaves) if is_float_leaf(leaf)]
    shapes = [np.shape(leaves[i]) for i in where]
    sizes = [int(np.prod(s)) for s in shapes]
    parts = [np.ravel(np.asarray(leaves[i], dtype=np.float64)) for i in where]
    vector = np.concatenate(parts) if parts else np.zeros(0)

    def unravel(flat):
        flat = np.asarray(flat, dtype=np.float64)
        if flat.shape != (sum(sizes),):
            raise ValueError(f"unravel needs a vector of shape ({sum(sizes)},), got {flat.shape}")
        out = list(leaves)
        start = 0
        for i, shape, size in zip(where, shapes, sizes):
            piece = flat[start:start + size].reshape(shape)
            start += size
            out[i] = _like_leaf(piece, leaves[i])
        return tree_unflatten(treedef, out)

    return vector, unravel


def _like_leaf(value, leaf):
    if isinstance(leaf, np.ndarray):
        return np.array(value, dtype=leaf.dtype)
    if isinstance(leaf, np.floating):
        return type(leaf)(value[()])
    return float(value[()])


def path_text(path, root="params"):
    """How a path is written in messages: ``params[1]["W"]``, ``model.layers[0].weight``."""
    parts = [root]
    for step, key in path:
        if step == "attr":
            parts.append(f".{key}")
        elif step == "key" and isinstance(key, str):
            parts.append(f'["{key}"]' if '"' not in key else f"[{key!r}]")
        else:
            parts.append(f"[{key!r}]")
    return "".join(parts)
