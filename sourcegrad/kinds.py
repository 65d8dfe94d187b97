"""The kind of an argument: what generated code may be specialised on, and the check that it still holds.

A kind is what the cache of generated gradients is keyed on besides the function:

- ``SCALAR``: a Python or NumPy real number (``float``, ``int``, ``np.float64``...; not ``bool``);
- ``("array", pattern)``: an ``np.ndarray`` (not a subclass) whose shape has, per axis, ``"1"`` where the
  axis has length one and ``"N"`` where it has any other length: ``(10, 1)`` is ``"N1"``, a 0-d array ``""``.
  Broadcasting depends on nothing else, so code specialised on the pattern is right for every shape with it;
- ``None``: anything else (lists, ``None``, strings, array subclasses...): no specialisation.
"""

import numbers

import numpy as np

SCALAR = "scalar"


def kind_of(value):
    """The kind of one argument value."""
    cls = type(value)
    if cls is float or cls is int:
        return SCALAR
    if cls is np.ndarray:
        return ("array", "".join("1" if n == 1 else "N" for n in value.shape))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return SCALAR
    return None


def is_array(kind):
    return type(kind) is tuple and kind[0] == "array"


def guard_source(kind, name):
    """A Python expression, true exactly when the value named ``name`` has this ``kind`` (for a generated entry
    point; it reads ``ndarray`` as ``numpy.ndarray`` and ``Real`` as ``numbers.Real``)."""
    if kind == SCALAR:
        return (f"(type({name}) is float or type({name}) is int or isinstance({name}, Real) "
                f"and not isinstance({name}, bool))")
    if is_array(kind):
        pattern = kind[1]
        tests = [f"type({name}) is ndarray", f"len({name}.shape) == {len(pattern)}"]
        if pattern and "1" not in pattern:
            tests.append(f"1 not in {name}.shape")
        else:
            tests += [f"{name}.shape[{i}] {'==' if p == '1' else '!='} 1" for i, p in enumerate(pattern)]
        return "(" + " and ".join(tests) + ")"
    raise ValueError(f"no guard for the kind {kind!r}")
