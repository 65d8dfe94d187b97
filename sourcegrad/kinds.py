"""The kind of an argument: what generated code may be specialised on (``entry.py`` writes the check that an
argument still has it).

A kind is what the cache of generated gradients is keyed on besides the function:

- ``SCALAR``: a Python or NumPy real number (``float``, ``int``, ``np.float64``, ``np.int32``...; not ``bool``);
- ``("array", pattern)``: an ``np.ndarray`` (not a subclass) whose shape has, per axis, ``"1"`` where the
  axis has length one and ``"N"`` where it has any other length: ``(10, 1)`` is ``"N1"``, a 0-d array ``""``.
  Broadcasting depends on nothing else, so code specialised on the pattern is right for every shape with it;
- ``None``: anything else (lists, ``None``, strings, array subclasses...): no specialisation.
"""

import numpy as np

SCALAR = "scalar"


def kind_of(value):
    """The kind of one argument value."""
    cls = type(value)
    if cls is float or cls is int:
        return SCALAR
    if cls is np.ndarray:
        return ("array", "".join("1" if n == 1 else "N" for n in value.shape))
    if isinstance(value, (np.floating, np.integer)):
        return SCALAR
    return None   # (a Tensor registers as a numbers.Real: it is no number for generated code)


def is_array(kind):
    return type(kind) is tuple and kind[0] == "array"
