"""Small functions generated adjoint code calls at run time, which the transformer writes calls of itself
(``unbroadcast``, ``zeros_like``, ``updated``, ``appended``...). The kernels only derivative rules call live in
``sourcegrad.rules.kernels``."""

import inspect
import numbers

import numpy as np

from ..errors import DeclinedAtRunTime


_PY_SCALARS = (float, int, complex)


def unbroadcast(g, x):
    """Sum the adjoint ``g`` down to the shape of ``x``, undoing NumPy broadcasting."""
    shape = _shape(x)
    if _shape(g) == shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    if not shape:
        return g[()]
    return g


def _shape(value):
    # np.shape costs about 1 us on a Python number and is several times slower than the attribute.
    if type(value) in _PY_SCALARS:
        return ()
    try:
        return value.shape
    except AttributeError:
        return np.shape(value)


_SMALL = 4096   # elements: below this, making an array is cheaper than NumPy's broadcasting machinery


def zeros_like(x):
    """A zero adjoint for ``x``: 0.0 for a Python number, one zero per item for a list or tuple, a float
    array of x's shape otherwise."""
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
        return 0.0
    if isinstance(x, (list, tuple)):
        return ItemAdjoints(zeros_like(item) for item in x)
    x = np.asarray(x)
    return np.zeros(x.shape, dtype=float_dtype(x))


def float_dtype(x):
    """The floating dtype gradients of ``x`` have: x's own for float arrays, float64 for ints."""
    if type(x) is np.ndarray:
        return x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    dtype = np.result_type(x)
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def expand_reduced(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint of a reduction of ``x`` over ``axis`` back to the shape of ``x``."""
    if axis is None and type(x) is np.ndarray and x.size <= _SMALL and (
            type(g) in _PY_SCALARS[:2] or isinstance(g, np.generic)):
        # a full reduction of a small array: a new filled array costs a fraction of a broadcast view
        return np.full(x.shape, g, dtype=float_dtype(x) if type(g) in _PY_SCALARS[:2] else None)
    shape = np.shape(x)
    # A Python number (the seed 1.0) takes x's floating dtype, so float32 gradients stay float32.
    g = np.asarray(g, dtype=float_dtype(x)) if type(g) in _PY_SCALARS[:2] else np.asarray(g)
    if not keepdims and axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axes = sorted(a % len(shape) for a in axes)
        for a in axes:
            g = np.expand_dims(g, a)
    return np.broadcast_to(g, shape)


def reduced_size(x, axis=None):
    """How many elements of ``x`` a reduction over ``axis`` combines into each result."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def _is_basic_index(idx):
    parts = idx if isinstance(idx, tuple) else (idx,)
    return all(
        p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) and not isinstance(p, bool)
        for p in parts
    )


def unindex(g, x, idx):
    """Adjoint of ``x[idx]``: zeros shaped like ``x`` with ``g`` added at ``idx``.

    Repeated advanced indices accumulate (``np.add.at`` semantics). For a tuple or list ``x``
    (the several results of ``np.split``, ``np.linalg.eigh``...) it is an ItemAdjoints."""
    if isinstance(x, (tuple, list)):
        if not isinstance(idx, numbers.Integral):
            raise DeclinedAtRunTime(f"only an integer index into a tuple or list that carries a gradient is "
                                    f"supported, not {idx!r}", hint='Unpack it instead (a, b = f(x)), or use '
                                    'mode="tape" (mode="auto" does so by itself).')
        chosen = idx % len(x)
        return ItemAdjoints(g if i == chosen else zeros_like(item) for i, item in enumerate(x))
    out = np.zeros(np.shape(x), dtype=np.result_type(float_dtype(x), np.result_type(g)))
    if _is_basic_index(idx):
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


def added_into(out, g, x, idx):
    """``out + unindex(g, x, idx)``, adding into ``out`` itself when it is an array of x's shape: how generated
    code accumulates the adjoint of ``x[idx]`` read in a loop into an adjoint that owns its array (only then
    is it written this way), without a new array of x's size per iteration."""
    if type(out) is np.ndarray and type(x) is np.ndarray and out.shape == x.shape:
        if _is_basic_index(idx):
            out[idx] += g
        else:
            np.add.at(out, idx, g)
        return out
    return out + unindex(g, x, idx)


class ItemAdjoints(tuple):
    """The adjoint of a tuple or list of results, one entry per item; ``+`` adds item by item,
    so generated code accumulates it like any other adjoint."""

    def __add__(self, other):
        return ItemAdjoints(a + b for a, b in zip(self, other))

    __radd__ = __add__


def _as_matrix_operands(g, a, b):
    """Lift 1-D operands of a matrix product to 2-D (as np.matmul does) and g to match."""
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if b.ndim == 1:
        b = b[:, np.newaxis]
        g = np.expand_dims(g, -1)
    if a.ndim == 1:
        a = a[np.newaxis, :]
        g = np.expand_dims(g, -2)
    return g, a, b


def grad_matmul_lhs(g, a, b):
    """Adjoint of ``a`` in ``a @ b`` (also ``np.dot`` for operands of at most 2 dimensions)."""
    if getattr(a, "ndim", 0) == 2 and getattr(b, "ndim", 0) == 2:
        return g @ b.T
    if getattr(a, "ndim", 0) == 2 and getattr(b, "ndim", 0) == 1:
        return np.outer(g, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    g2, a2, b2 = _as_matrix_operands(g, a, b)
    return np.reshape(unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


def grad_matmul_rhs(g, a, b):
    """Adjoint of ``b`` in ``a @ b`` (also ``np.dot`` for operands of at most 2 dimensions)."""
    if getattr(a, "ndim", 0) == 2 and getattr(b, "ndim", 0) == 2:
        return a.T @ g
    if getattr(a, "ndim", 0) == 2 and getattr(b, "ndim", 0) == 1:
        return a.T @ g
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    g2, a2, b2 = _as_matrix_operands(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))


def _is_tensor_dot(a, b):
    # np.dot and np.matmul agree up to 2-D; beyond, np.dot contracts a's last axis with b's
    # second-to-last, which is a tensordot.
    return (np.ndim(a) > 2 or np.ndim(b) > 2) and np.ndim(a) > 0 and np.ndim(b) > 0


def grad_dot_lhs(g, a, b):
    """Adjoint of ``a`` in ``np.dot(a, b)``."""
    if _is_tensor_dot(a, b):
        return grad_tensordot_lhs(g, a, b, _dot_axes(a, b))
    return grad_matmul_lhs(g, a, b)


def grad_dot_rhs(g, a, b):
    """Adjoint of ``b`` in ``np.dot(a, b)``."""
    if _is_tensor_dot(a, b):
        return grad_tensordot_rhs(g, a, b, _dot_axes(a, b))
    return grad_matmul_rhs(g, a, b)


# ---------------------------------------------------------------- helpers for the NumPy rule table
#
# Derivative rules are inlined into generated code, so they must be straight-line; whatever needs a
# branch or a loop lives here. Each helper returns the adjoint of one argument.


# ---- elementwise


# ---- reductions


# ---- shape and indexing


# ---- linear algebra


def _tensordot_axes(axes, a_ndim, b_ndim):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(a_ndim - n, a_ndim)), list(range(n))
    axes_a, axes_b = axes
    axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
    axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    return [int(i) % a_ndim for i in axes_a], [int(j) % b_ndim for j in axes_b]


def grad_tensordot_lhs(g, a, b, axes=2):
    """Adjoint of ``a`` in ``np.tensordot(a, b, axes)``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    axes_a, axes_b = _tensordot_axes(axes, a_ndim, b_ndim)
    free_a = [i for i in range(a_ndim) if i not in axes_a]
    free_b = [j for j in range(b_ndim) if j not in axes_b]
    nfa = len(free_a)
    product = np.tensordot(g, b, axes=(list(range(nfa, nfa + len(free_b))), free_b))
    order = free_a + [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
    return np.transpose(product, np.argsort(order))


def grad_tensordot_rhs(g, a, b, axes=2):
    """Adjoint of ``b`` in ``np.tensordot(a, b, axes)``."""
    a_ndim, b_ndim = np.ndim(a), np.ndim(b)
    axes_a, axes_b = _tensordot_axes(axes, a_ndim, b_ndim)
    free_a = [i for i in range(a_ndim) if i not in axes_a]
    free_b = [j for j in range(b_ndim) if j not in axes_b]
    product = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    order = [axes_b[axes_a.index(i)] for i in sorted(axes_a)] + free_b
    return np.transpose(product, np.argsort(order))


def _dot_axes(a, b):
    return [np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]


# ---------------------------------------------------------------- lists grown by append


def appended(items, value):
    """A new list: ``items`` and then ``value``. How source mode writes ``items.append(value)`` on a list that
    carries a gradient, so that each version of the list stays what it was for the adjoint."""
    if type(items) is not list:
        raise DeclinedAtRunTime(f"source mode wrote .append() as the growth of a list, but the value appended to is "
                                f"a {type(items).__name__}", hint='Use mode="tape" (mode="auto" does so by itself).')
    return [*items, value]


# ---------------------------------------------------------------- item assignment, as a function


def updated(x, index, value):
    """A copy of ``x`` with ``x[index] = value``: how source mode writes ``y[i] = v`` into a local
    array, so that the old value stays available to the adjoint."""
    if type(x) is not np.ndarray:
        raise DeclinedAtRunTime(
            f"source mode wrote an item assignment as an update of a NumPy array, but the value written into is "
            f"a {type(x).__name__}", hint='Use mode="tape" (mode="auto" does so by itself).')
    out = x.copy(order="K")  # the same memory layout: a later reshape is a view exactly when it was one
    out[index] = value
    return out


def added_at(a, index, value):
    """A copy of ``a`` with ``np.add.at(copy, index, value)`` applied (a repeated index adds each time):
    how source mode writes ``np.add.at(buf, index, v)`` into a local array, so that the old value stays
    available to the adjoint. Given tape Tensors (generated code run on the tape) it is recorded as one
    operation, through its rule."""
    from ..tape import Tensor, apply   # imported here: the tape imports this module

    if type(a) is Tensor or type(value) is Tensor:
        return apply(added_at, a, index, value)
    if type(a) is not np.ndarray:
        raise DeclinedAtRunTime(
            f"source mode wrote np.add.at() as an update of a NumPy array, but the value written into is a "
            f"{type(a).__name__}", hint='Use mode="tape" (mode="auto" does so by itself).')
    out = a.copy(order="K")
    np.add.at(out, index, value)
    return out


def check_written(dst, value, label, casting="same_kind", exact=False):
    """Raise DeclinedAtRunTime unless ``updated(dst, ..., value)`` stores what NumPy's call ``label``
    (``np.sin(x, out=dst)``, ``np.copyto(dst, value)``) would, ``value`` being its result computed
    without ``out=``: ``value`` broadcasts to ``dst``'s shape (without growing it) and casts to its
    dtype under ``casting``. With ``exact`` (functions other than elementwise ufuncs, whose ``out=``
    rules vary: reductions accumulate in out's dtype, ``np.dot`` wants a C-contiguous array of the
    result's own dtype) the shape and dtype must be the result's own, and ``dst`` C-contiguous."""
    if type(dst) is not np.ndarray:
        problem = f"the array written into is a {type(dst).__name__}"
    else:
        shape, dtype = np.shape(value), np.result_type(value)
        if exact:
            fits = shape == dst.shape and dtype == dst.dtype and dst.flags.c_contiguous
        else:
            try:
                fits = np.broadcast_shapes(shape, dst.shape) == dst.shape
            except ValueError:
                fits = False
            fits = fits and np.can_cast(dtype, dst.dtype, casting)
        if fits:
            return
        problem = (f"its result ({dtype}, shape {shape}) does not fit the array written into ({dst.dtype}, shape "
                   f"{dst.shape}{'' if dst.flags.c_contiguous else ', not C-contiguous'}) the way source mode "
                   f"writes it ({'the same shape and dtype, C-contiguous' if exact else 'broadcast, cast ' + casting})")
    raise DeclinedAtRunTime(f"{label}: {problem}",
                            hint='Assign the result instead of writing it in place, or use mode="tape".')


# ---------------------------------------------------------------- where a function takes out=

_OUT_PARAMETERS = {}


def out_parameter(fn):
    """Where ``fn`` takes ``out`` positionally (None if it does not), and the names of its positional
    parameters (so that the arguments after ``out`` can be passed by keyword)."""
    try:
        return _OUT_PARAMETERS[fn]
    except KeyError:
        pass
    except TypeError:  # unhashable: no cache
        return None, ()
    names, position = [], None
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        if p.name == "out":
            position = len(names)
        names.append(p.name)
    found = _OUT_PARAMETERS[fn] = (position, tuple(names))
    return found


# ---- used by the derivative rules of the helpers above (rules/adjoint_helpers.py): higher order


def rebroadcast(g, like):
    """``g`` broadcast to the shape of ``like`` (the transpose of ``unbroadcast(like, x)``, where ``g`` has
    x's shape); ``g`` itself where the shapes already agree."""
    shape = _shape(like)
    if _shape(g) == shape:
        return g
    return np.broadcast_to(g, shape)


def matrix_product(a, b):
    """``a @ b``, or ``a * b`` where one of them is a scalar (as ``grad_matmul_lhs`` and ``_rhs`` allow): the
    transpose of those two adjoints in their ``g``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return a @ b


def inverse_axes(axes):
    """The axes that undo ``untranspose(g, axes)``: ``untranspose(untranspose(g, axes), inverse_axes(axes))`` is
    ``g`` (None reverses, which is its own inverse)."""
    if axes is None or axes == () or axes == (None,):
        return None
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return tuple(int(i) for i in np.argsort([a % len(axes) for a in axes]))


def rereshape(g, like, a, order):
    """The transpose of ``unreshape(like, a, order)`` in its first argument: ``g`` (shaped like ``a``) read back
    into the shape of ``like`` in the same order."""
    order = reading_order(a, order)
    if order == "K":
        raise DeclinedAtRunTime("a second derivative through reshape(order='K') is not supported in source mode",
                                hint='Use order="C" or "F".')
    return np.reshape(g, _shape(like), order=order)


def reading_order(a, order):
    """The order ``unreshape(g, a, order)`` reads in: "A" resolved for ``a`` ("F" for a Fortran-ordered array)."""
    if order == "A":
        return "F" if np.isfortran(a) else "C"
    return order
