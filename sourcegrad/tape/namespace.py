"""Tensor-aware ``math`` and ``numpy`` for code running on the tape.

NumPy hands most of its functions to ``Tensor`` through its protocols, but not ``np.array``,
``np.asarray`` & co. (they never dispatch), and Python's ``math`` module converts its argument with
``float()``, which would drop the gradient. So while ``value_and_grad_tape`` runs a function, the
module namespaces its code reads globals from see stand-ins (see ``redirect.py``, which puts them in
place and takes them away again):

* ``math`` (and every ``math`` function bound by name: ``from math import sin``) records a call with a
  Tensor as the primitive ``math.<name>``, through its rule in ``rules/core.py``; the rounding
  functions (``math.floor``...) give plain numbers; a function without a rule raises ``NoRuleError``;
* ``np`` (the ``numpy`` module, and ``array``/``asarray``... bound by name) is numpy itself except for
  the array constructors (and ``np.full``), which record a call with a Tensor, or a list or tuple holding Tensors, through
  their rules (deeper nestings are built with ``np.stack`` first): a Tensor results; and
  ``np.zeros``, ``np.ones``, ``np.empty`` and their ``*_like`` (and the constructors given plain values,
  when they make a new array) give a Tensor without gradient, so that a Tensor written into the new array
  (``y[i] = t``, ``a += t``) is recorded rather than lost; the functions joining arrays (``np.stack``,
  ``np.concatenate``...) given items that are lists holding Tensors (``np.stack([[a, b], [c, d]])``)
  build those items as Tensors first.

* ``type`` (a builtin, so bound in the module while the run lasts and unbound afterwards) answers, for a
  Tensor, the class of the value it holds (``type(np.zeros(2)) is np.ndarray``, ``type(s) is float``), as
  ``isinstance`` already does: a helper function checking types takes the path it takes for the plain values.

Plain values take the original functions, so code that never meets a Tensor computes as before.
"""

import functools
import math
import types
import weakref

import numpy as np

from .mode import _mode
from .recording import STAND_IN_ORIGINALS, _apply, _unary
from .tensor import Tensor


def _has_tensor(value):
    """Whether ``value`` is a Tensor or a (nested) list/tuple holding one."""
    if isinstance(value, Tensor):
        return True
    if type(value) in (list, tuple):
        return any(_has_tensor(v) for v in value)
    return False


def _math_function(fn):
    """``fn`` from ``math``, recorded as one operation when called with a Tensor."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], Tensor):   # math.sin(t): the fast path
            return _unary(fn, args[0])
        for a in args:
            if isinstance(a, Tensor) or type(a) in (list, tuple) and _has_tensor(a):
                return _apply(fn, args, kwargs)
        return fn(*args, **kwargs)

    return call


def _build_math():
    module = types.ModuleType("math", math.__doc__)
    for name, value in vars(math).items():
        if isinstance(value, types.BuiltinFunctionType):
            value = _math_function(value)
            STAND_INS[id(getattr(math, name))] = (getattr(math, name), value)
        setattr(module, name, value)
    return module


def _stacked(obj):
    """``obj``, a list/tuple holding Tensors (at any depth), as one Tensor built with ``np.stack``."""
    if isinstance(obj, Tensor):
        return obj
    if type(obj) in (list, tuple) and _has_tensor(obj):
        return np.stack([_stacked(item) for item in obj])
    return obj


def _array_constructor(fn):
    """``np.array``-like ``fn``: given a Tensor, or a list/tuple holding Tensors, it is recorded through its
    rule (a Tensor results); deeper nestings of lists (``[[a, b], [c, d]]``) are built with ``np.stack``."""

    @functools.wraps(fn)
    def build(obj, *args, **kwargs):
        if not (_has_tensor(obj) or any(isinstance(a, Tensor) for a in args)
                or any(isinstance(a, Tensor) for a in kwargs.values())):
            value = fn(obj, *args, **kwargs)
            # a new array (not obj itself, nor a view of it) is one the function may fill: as np.zeros
            return _as_fresh(value) if value is not obj and type(value) is np.ndarray and value.base is None \
                else value
        if type(obj) in (list, tuple) and any(type(item) in (list, tuple) and _has_tensor(item) for item in obj):
            obj = _stacked(obj)
        return _apply(fn, (obj,) + args, kwargs)

    return build


def _fresh_array(fn):
    """``np.zeros``-like ``fn``: the new array comes as a Tensor without gradient that only the graph holds,
    so that writing a Tensor into it (``y = np.zeros(n); y[i] = t``) is recorded, as a write into any
    Tensor is, instead of losing the gradient; plain writes go into its array as NumPy's do."""

    @functools.wraps(fn)
    def make(*args, **kwargs):
        return _as_fresh(fn(*args, **kwargs))

    return make


def _as_fresh(value):
    """The new numeric array ``value`` as a Tensor without gradient that only the graph holds."""
    if type(value) is not np.ndarray or value.dtype.kind not in "biufc" or not _mode.functional:
        return value   # (not functional: another thread runs the module's code meanwhile, off the tape)
    t = Tensor(value)
    t._shared = False  # made here: no other array shares its memory
    if _mode.fresh is not None:   # looked for when the run ends, if it outlives it (functional._ModuleState)
        _mode.fresh.append(weakref.ref(t))
    return t


def _list_arguments(fn):
    """NumPy's ``fn`` joining a sequence of arrays (``np.stack``, ``np.concatenate``...), given items that are
    lists/tuples holding Tensors (``np.stack([[a, b], [c, d]])``, where NumPy looks for Tensors only among
    the items themselves): those items are made Tensors first (``_stacked``), so the call is recorded. (The
    reductions, ``np.sum([a, b])``, are left alone: code compares them by identity, ``agg is np.sum``.)"""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if args and type(args[0]) in (list, tuple) and any(
                type(v) in (list, tuple) and _has_tensor(v) for v in args[0]):
            args = ([_stacked(v) for v in args[0]],) + args[1:]
        return fn(*args, **kwargs)

    return call


_SEQUENCES = ("stack", "concatenate", "hstack", "vstack", "dstack", "column_stack")

_FRESH = ("zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like")

_CONSTRUCTORS = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "full", "full_like")


def _build_numpy():
    module = types.ModuleType("numpy", np.__doc__)
    module.__dict__.update(vars(np))
    for name in _CONSTRUCTORS:
        original = getattr(np, name)
        stand_in = _array_constructor(original)
        STAND_INS[id(original)] = (original, stand_in)
        setattr(module, name, stand_in)
    for name in _FRESH:
        original = getattr(np, name)
        stand_in = _fresh_array(original)
        STAND_INS[id(original)] = (original, stand_in)
        setattr(module, name, stand_in)
    for name in _SEQUENCES:
        original = getattr(np, name)
        stand_in = _list_arguments(original)
        STAND_INS[id(original)] = (original, stand_in)
        setattr(module, name, stand_in)
    return module


class _TypeMeta(type):
    """The metaclass of ``TAPED_TYPE``: calling it is ``type(...)``, and it answers ``isinstance``/``issubclass``
    checks against it as ``type`` does (``isinstance(C, type)``)."""

    def __call__(cls, *args, **kwargs):
        if cls is TAPED_TYPE:
            if len(args) == 1 and not kwargs:
                obj = args[0]
                return obj.__class__ if isinstance(obj, Tensor) else type(obj)
            return type(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, type) if cls is TAPED_TYPE else super().__instancecheck__(obj)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, type) if cls is TAPED_TYPE else super().__subclasscheck__(sub)


class TAPED_TYPE(type, metaclass=_TypeMeta):
    """``type`` in the user's modules while a function runs on the tape: ``type(t)`` of a Tensor is the class
    of its value (``np.ndarray``, ``float``...); anything else as ``type`` answers."""


TAPED_TYPE.__name__ = TAPED_TYPE.__qualname__ = "type"

STAND_INS = {}   # id(original) -> (original, stand-in): what redirect.py swaps in module namespaces
TAPED_MATH = _build_math()
TAPED_NUMPY = _build_numpy()
STAND_INS[id(math)] = (math, TAPED_MATH)
STAND_INS[id(np)] = (np, TAPED_NUMPY)
STAND_IN_OF = {id(original): stand_in for original, stand_in in STAND_INS.values()}
STAND_IN_OF[id(type)] = TAPED_TYPE
_ORIGINALS = STAND_IN_ORIGINALS   # id(stand-in) -> (stand-in, original)
_ORIGINALS.update({id(stand_in): (stand_in, original) for original, stand_in in STAND_INS.values()})
_ORIGINALS[id(TAPED_TYPE)] = (TAPED_TYPE, type)


def original_of(value):
    """The object ``value`` stands in for (``math`` for the Tensor-aware ``math``...), else ``value`` itself:
    source mode, run while a function runs on the tape, reads the user's modules through it."""
    hit = _ORIGINALS.get(id(value))
    return hit[1] if hit is not None and hit[0] is value else value
