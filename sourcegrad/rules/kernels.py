"""Derivative kernels: the functions with a branch that derivative rules call (``grad_cumsum``, ``unsplit``,
``grad_svd``...), which only rules use. Rules are inlined into generated code, which then calls these too;
the helpers the transformer writes calls of itself live in ``sourcegrad.runtime.helpers``."""

import numpy as np

from ..errors import DeclinedAtRunTime
from ..runtime.helpers import ItemAdjoints, _is_basic_index, expand_reduced, float_dtype, grad_tensordot_lhs, grad_tensordot_rhs, reduced_size, unbroadcast, zeros_like


def max_mask(x, ans, axis=None, keepdims=False):
    """Where ``x`` attains its max/min along ``axis``, ties sharing the gradient equally."""
    x = np.asarray(x)
    hit = x == expand_reduced(ans, x, axis, keepdims)
    count = np.sum(hit, axis=axis, keepdims=True)
    return (hit / count).astype(float_dtype(x), copy=False)


def untranspose(g, axes):
    """Adjoint of ``np.transpose(x, axes)``: transpose back with the inverse permutation."""
    if axes is None or axes == () or axes == (None,):
        return np.transpose(g)
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return np.transpose(g, np.argsort([a % len(axes) for a in axes]))


def _axes(axis, ndim):
    """The axes a reduction over ``axis`` combines, as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(sorted(int(a) % ndim if ndim else int(a) for a in axes))


def _grad_dtype(x, *others):
    """The dtype of an adjoint of ``x`` that also holds values of dtype ``others`` (floats only)."""
    dtype = float_dtype(x)
    for other in others:
        if not isinstance(other, (np.ndarray, np.generic)):
            continue   # a Python number does not widen a float32 adjoint (NumPy's own rule)
        other_dtype = np.result_type(other)
        if np.issubdtype(other_dtype, np.inexact):
            dtype = np.result_type(dtype, other_dtype)
    return dtype


def _zeros_for(x, g):
    return np.zeros(np.shape(x), dtype=_grad_dtype(x, g))


def _swap_last(a):
    return np.swapaxes(a, -1, -2)


def sinc_derivative(x, ans):
    """d/dx of ``np.sinc(x) = sin(pi x) / (pi x)``: ``(cos(pi x) - sinc(x)) / x``, 0 at x = 0."""
    x = np.asarray(x)
    zero = x == 0
    return np.where(zero, 0.0, (np.cos(np.pi * x) - ans) / np.where(zero, 1, x))


def grad_imag(g, val):
    """Adjoint of ``np.imag(val)``: ``-1j * g`` for complex ``val``, zero for a real one."""
    if np.iscomplexobj(val):
        return -1j * g
    return zeros_like(val)


def grad_astype(g, x, dtype):
    """Adjoint of ``x.astype(dtype)``: ``g`` in x's floating dtype; zero for an integer/bool cast."""
    if not np.issubdtype(np.dtype(dtype), np.inexact):
        return zeros_like(x)
    return np.asarray(g).astype(_grad_dtype(x, g), copy=False)


def grad_item(g, x, args):
    """Adjoint of ``x.item(*args)``: zeros shaped like ``x`` with ``g`` at the element read."""
    out = np.zeros(np.shape(x), dtype=_grad_dtype(x, g))
    if not args:
        out[...] = g  # x has exactly one element
    elif len(args) == 1:
        out.reshape(-1)[args[0]] = g
    else:
        out[tuple(args)] = g
    return out


def unreshape(g, a, order):
    """Adjoint of ``a.reshape(..., order=order)``/``a.ravel(order)``: ``g`` put back in the shape of ``a``, read
    in the order the reshape read ``a``: "A" is "F" for an array in Fortran order only, "K" is memory
    order (the axes from the largest stride to the smallest)."""
    if order == "A":
        order = "F" if np.isfortran(a) else "C"
    if order != "K":
        return np.reshape(g, np.shape(a), order=order)
    strides, shape = np.asarray(a).strides, np.shape(a)
    axes = sorted(range(len(shape)), key=lambda i: -abs(strides[i]) if shape[i] > 1 else 0)
    return np.transpose(np.reshape(g, [shape[i] for i in axes]), np.argsort(axes))


def unarray(g, obj, dtype=None):
    """Adjoint of ``np.array(obj, dtype)``/``np.asarray``: ``g`` shaped like ``obj`` (a list's adjoint
    is then indexable by position, as the adjoint of a list literal needs); zero for an integer dtype."""
    shape = np.shape(obj)
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        return np.zeros(shape)
    if np.ndim(g) == len(shape):
        return g
    return np.reshape(g, shape)


def grad_clip_bound(g, ans, a, bound):
    """Adjoint of a bound of ``np.clip(a, ...)``: ``g`` where the result is the bound, not ``a``."""
    if bound is None:
        return None
    return unbroadcast(g * ((ans == bound) & (ans != a)), bound)


def prod_others(x, axis=None):
    """For each element of ``x``, the product of the other elements of its slice along ``axis``.

    This is the derivative of ``np.prod(x, axis)``; built from prefix and suffix products, so it is
    exact when the slice holds one zero (the zero's derivative is the product of the rest) or
    several (every derivative is zero) -- no division by x."""
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    perm = keep + list(axes)
    moved = np.transpose(x, perm)
    lead = moved.shape[:len(keep)]
    n = int(np.prod(moved.shape[len(keep):], dtype=np.int64))
    if n == 0:
        return np.zeros(x.shape, dtype=float_dtype(x))
    flat = moved.reshape(lead + (n,))
    ones = np.ones(lead + (1,), dtype=flat.dtype)
    left = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(perm))


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def grad_cumsum(g, x, axis=None):
    """Adjoint of ``np.cumsum(x, axis)``: the reversed cumulative sum of ``g``."""
    if axis is None:
        return np.reshape(_reverse_cumsum(np.ravel(g), 0), np.shape(x))
    return _reverse_cumsum(np.asarray(g), axis)


def grad_cumprod(g, ans, x, axis=None):
    """Adjoint of ``np.cumprod(x, axis)``, exact where ``x`` has zeros.

    With ``z`` the first zero of a slice: before it, ``dL/dx_k = sum_{i>=k} g_i y_i / x_k`` (no zero
    divided by); at it, ``sum_{i>=z} g_i prod_{j<=i, j!=z} x_j``, the cumulative product with that zero
    taken out; after it, zero (every product there still holds x_z)."""
    shape = np.shape(x)
    x, g, ans = np.asarray(x), np.asarray(g), np.asarray(ans)
    if axis is None:
        x, g, ans, axis = x.ravel(), g.ravel(), ans.ravel(), 0
    xm, gm, ym = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1), np.moveaxis(ans, axis, -1)
    n = xm.shape[-1]
    zero = xm == 0
    first_zero = np.where(zero.any(axis=-1), zero.argmax(axis=-1), n)[..., None]
    k = np.arange(n)
    before = np.where(k < first_zero, _reverse_cumsum(gm * ym, -1) / np.where(zero, 1, xm), 0)
    at = k == first_zero
    without = np.cumprod(np.where(at, 1, xm), axis=-1)
    out = before + np.where(at, _reverse_cumsum(gm * without, -1), 0)
    return np.reshape(np.moveaxis(out, -1, axis), shape)


def grad_ptp(g, ans, x, axis=None, keepdims=False):
    """Adjoint of ``np.ptp(x, axis)`` (max - min), ties sharing the gradient equally."""
    high = max_mask(x, np.max(x, axis=axis, keepdims=True), axis, True)
    low = max_mask(x, np.min(x, axis=axis, keepdims=True), axis, True)
    return expand_reduced(g, x, axis, keepdims) * (high - low)


def _average_weights(a, axis, weights):
    """The weights of ``np.average`` reshaped so they broadcast against ``a``."""
    w = np.asarray(weights)
    ndim = np.ndim(a)
    if w.shape == np.shape(a):
        return w
    shape = [1] * ndim
    for ax, n in zip(_axes(axis, ndim), w.shape):
        shape[ax] = n
    return w.reshape(shape)


def grad_average(g, a, axis=None, weights=None, keepdims=False, returned=False):
    """Adjoint of ``a`` in ``np.average(a, axis, weights)``."""
    if returned:
        raise DeclinedAtRunTime("the gradient of np.average(..., returned=True) is not implemented; compute "
                                  "the sum of the weights separately")
    full = expand_reduced(g, a, axis, keepdims)
    if weights is None:
        return full / reduced_size(a, axis)
    w = _average_weights(a, axis, weights)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=True)
    return full * (w / total)


def grad_average_weights(g, ans, a, axis=None, weights=None, keepdims=False):
    """Adjoint of ``weights`` in ``np.average(a, axis, weights)``: g * (a - average) / sum(weights)."""
    if weights is None:
        return None
    w = _average_weights(a, axis, weights)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=True)
    full = expand_reduced(g, a, axis, keepdims) * (a - expand_reduced(ans, a, axis, keepdims)) / total
    return np.reshape(unbroadcast(full, w), np.shape(weights))


def _split_ties(hit, axis, dtype):
    return (hit / np.sum(hit, axis=axis, keepdims=True)).astype(dtype, copy=False)


def grad_norm(g, ans, x, ord=None, axis=None, keepdims=False):
    """Adjoint of ``np.linalg.norm(x, ord, axis, keepdims)``, vector and matrix norms alike."""
    x = np.asarray(x)
    if axis is None:
        axes = tuple(range(x.ndim))
        matrix = ord is not None and x.ndim == 2
    else:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axes = tuple(int(a) % x.ndim for a in axes)
        matrix = len(axes) == 2
    full_g = expand_reduced(g, x, axis, keepdims)
    if matrix and ord not in (None, "fro"):
        return full_g * _matrix_norm_derivative(x, ord, axes)
    if ord is None or ord == "fro":
        ord = 2   # the Frobenius norm is the 2-norm of the entries
    return full_g * _vector_norm_derivative(x, expand_reduced(ans, x, axis, keepdims), ord, axes)


def grad_vector_norm(g, ans, x, axis=None, keepdims=False, ord=2):
    """Adjoint of ``np.linalg.vector_norm`` (axis=None: the norm of the flattened array)."""
    x = np.asarray(x)
    full_ans = expand_reduced(ans, x, axis, keepdims)
    return expand_reduced(g, x, axis, keepdims) * _vector_norm_derivative(x, full_ans, ord, _axes(axis, x.ndim))


def _vector_norm_derivative(x, norm, ord, axes):
    """d norm / d x for a vector norm of order ``ord`` over ``axes``; ``norm`` is broadcast to x."""
    if ord == 2:
        return x / np.where(norm == 0, 1, norm)
    if ord == 1:
        return np.sign(x)
    if ord == 0:
        return np.zeros(x.shape, dtype=float_dtype(x))
    if ord in (np.inf, -np.inf):
        return np.sign(x) * _split_ties(np.abs(x) == norm, axes, float_dtype(x))
    p = float(ord)
    return np.sign(x) * (np.abs(x) / np.where(norm == 0, 1, norm)) ** (p - 1)


def _matrix_norm_derivative(x, ord, axes):
    """d norm / d x for the matrix norms 1, -1, inf, -inf, 2, -2 and 'nuc' over ``axes = (row, col)``."""
    row, col = axes
    if ord in (1, -1, np.inf, -np.inf):
        summed, best_over = (col, row) if ord in (np.inf, -np.inf) else (row, col)
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        best = (np.max if ord > 0 else np.min)(sums, axis=best_over, keepdims=True)
        return np.sign(x) * _split_ties(sums == best, (row, col), float_dtype(x))
    if ord in (2, -2, "nuc"):
        u, _, vt = np.linalg.svd(np.moveaxis(x, (row, col), (-2, -1)), full_matrices=False)
        if ord == "nuc":
            d = u @ vt
        else:
            pick = slice(0, 1) if ord == 2 else slice(-1, None)
            d = u[..., :, pick] @ vt[..., pick, :]
        return np.moveaxis(d, (-2, -1), (row, col))
    raise ValueError(f"no derivative for the matrix norm of order {ord!r}")


def grad_matrix_norm(g, ans, x, keepdims=False, ord="fro"):
    """Adjoint of ``np.linalg.matrix_norm`` (over the last two axes)."""
    return grad_norm(g, ans, x, ord, (-2, -1), keepdims)


def grad_diagonal(g, x, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(x, offset, axis1, axis2)``: ``g`` written onto that diagonal of zeros
    (``g`` may also broadcast against the diagonal: the trace passes ``g[..., None]``)."""
    shape = np.shape(x)
    out = _zeros_for(x, g)
    if not out.size:
        return out
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n1, n2 = view.shape[-2:]
    length = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    i = np.arange(length)
    view[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out.reshape(shape)


def grad_trace(g, x, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace(x, offset, axis1, axis2)``."""
    return grad_diagonal(np.asarray(g)[..., None] if np.ndim(g) else g, x, offset, axis1, axis2)


def grad_diag(g, v, k=0):
    """Adjoint of ``np.diag(v, k)``: extract the diagonal if ``v`` was 1-D, else place ``g`` on it."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return grad_diagonal(g, v, k, 0, 1)


def grad_diff(g, a, n=1, axis=-1, prepend=None, append=None, part=0):
    """Adjoint of ``np.diff(a, n, axis, prepend, append)`` with respect to ``a`` (part 0),
    ``prepend`` (part 1) or ``append`` (part 2)."""
    if (part == 1 and prepend is None) or (part == 2 and append is None):
        return None
    g = np.asarray(g)
    zero = np.zeros((), dtype=g.dtype)
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=zero, append=zero)
    shape = np.shape(a)
    axis = axis % len(shape)
    before = 0 if prepend is None else (np.shape(prepend)[axis] if np.ndim(prepend) else 1)
    after = 0 if append is None else (np.shape(append)[axis] if np.ndim(append) else 1)
    middle = before + shape[axis]
    start, stop = [(before, middle), (0, before), (middle, middle + after)][part]
    index = [slice(None)] * len(shape)
    index[axis] = slice(start, stop)
    piece = g[tuple(index)]
    if part and np.ndim(prepend if part == 1 else append) == 0:
        return np.sum(piece)
    return piece


def unconcatenate(g, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: the list of pieces of ``g``, one per array."""
    g = np.asarray(g)
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        pieces = np.split(g, np.cumsum(sizes)[:-1])
        return ItemAdjoints(np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays))
    sizes = [np.shape(a)[axis] for a in arrays]
    return ItemAdjoints(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


def _unstack(g, arrays, lifted_shapes, axis):
    """The pieces of ``g`` along ``axis`` for arrays of ``lifted_shapes``, reshaped to the arrays'."""
    sizes = [shape[axis] for shape in lifted_shapes]
    pieces = np.split(np.asarray(g), np.cumsum(sizes)[:-1], axis=axis)
    return ItemAdjoints(np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays))


def _at_least(shape, ndim):
    """The shape np.atleast_1d/2d/3d gives an array of ``shape``."""
    if len(shape) >= ndim:
        return tuple(shape)
    if ndim == 1:
        return (1,)
    if ndim == 2:
        return (1,) + (tuple(shape) or (1,))
    return {0: (1, 1, 1), 1: (1,) + tuple(shape) + (1,), 2: tuple(shape) + (1,)}[len(shape)]


def unhstack(g, tup):
    """Adjoint of ``np.hstack(tup)``: one piece of ``g`` per array."""
    shapes = [_at_least(np.shape(a), 1) for a in tup]
    return _unstack(g, tup, shapes, 0 if len(shapes[0]) == 1 else 1)


def unvstack(g, tup):
    """Adjoint of ``np.vstack(tup)``."""
    return _unstack(g, tup, [_at_least(np.shape(a), 2) for a in tup], 0)


def undstack(g, tup):
    """Adjoint of ``np.dstack(tup)``."""
    return _unstack(g, tup, [_at_least(np.shape(a), 3) for a in tup], 2)


def uncolumn_stack(g, tup):
    """Adjoint of ``np.column_stack(tup)``: 1-D arrays were columns."""
    shapes = [(np.shape(a) or (1,)) + (1,) if np.ndim(a) < 2 else np.shape(a) for a in tup]
    return _unstack(g, tup, shapes, 1)


def unsplit(g, ary, axis=0):
    """Adjoint of ``np.split``/``np.array_split``: the pieces' adjoints ``g`` (a tuple) joined again."""
    return np.concatenate([np.asarray(p) for p in g], axis=axis)


def grad_tile(g, a, reps):
    """Adjoint of ``np.tile(a, reps)``: the sum of ``g`` over the copies."""
    shape = np.shape(a)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    d = max(len(shape), len(reps))
    shape_p = (1,) * (d - len(shape)) + tuple(shape)
    reps_p = (1,) * (d - len(reps)) + reps
    blocks = np.reshape(g, [n for pair in zip(reps_p, shape_p) for n in pair])
    return np.reshape(np.sum(blocks, axis=tuple(range(0, 2 * d, 2))), shape)


def grad_repeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat(a, repeats, axis)``: the sum of ``g`` over each element's copies."""
    shape = np.shape(a)
    g = np.asarray(g)
    if axis is None:
        target, axis = (int(np.prod(shape, dtype=np.int64)),), 0
    else:
        axis = axis % len(shape)
        target = shape
    n = target[axis]
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0]) if np.ndim(repeats) else int(repeats)
        split = g.shape[:axis] + (n, r) + g.shape[axis + 1:]
        return np.reshape(np.sum(np.reshape(g, split), axis=axis + 1), shape)
    index = np.repeat(np.arange(n), repeats)
    out = np.zeros(target, dtype=_grad_dtype(a, g))
    np.add.at(out, (slice(None),) * axis + (index,), g)
    return np.reshape(out, shape)


def _wrap_indices(indices, n, mode):
    indices = np.asarray(indices)
    if mode == "wrap":
        return indices % n
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


def grad_take(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis, mode)``; repeated indices accumulate."""
    shape = np.shape(a)
    out = _zeros_for(a, g)
    if axis is None:
        flat = out.reshape(-1)
        np.add.at(flat, _wrap_indices(indices, flat.size, mode), g)
        return out
    axis = axis % len(shape)
    np.add.at(out, (slice(None),) * axis + (_wrap_indices(indices, shape[axis], mode),), g)
    return out


def grad_take_along_axis(g, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``; repeated indices accumulate."""
    out = _zeros_for(arr, g)
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    indices = np.asarray(indices)
    axis = axis % out.ndim
    shape = np.broadcast_shapes(indices.shape, tuple(1 if i == axis else n for i, n in enumerate(out.shape)))
    index = []
    for d in range(out.ndim):
        if d == axis:
            index.append(indices)
        else:
            grid = [1] * out.ndim
            grid[d] = shape[d]
            index.append(np.arange(shape[d]).reshape(grid))
    np.add.at(out, tuple(index), np.broadcast_to(g, shape))
    return out


def grad_sorted(g, x, ans, axis=-1):
    """Adjoint of a permutation of ``x`` along ``axis`` whose values are ``ans`` (``np.sort``,
    ``np.partition``): each ``g`` goes back to where its value came from."""
    shape = np.shape(x)
    x, ans, g = np.asarray(x), np.asarray(ans), np.asarray(g)
    if axis is None:
        x, axis = x.ravel(), 0
        ans, g = ans.ravel(), g.ravel()
    from_x = np.argsort(x, axis=axis, kind="stable")
    from_ans = np.argsort(ans, axis=axis, kind="stable")
    source = np.empty_like(from_ans)
    np.put_along_axis(source, from_ans, from_x, axis)   # ans = take_along_axis(x, source)
    out = np.zeros(x.shape, dtype=_grad_dtype(x, g))
    np.put_along_axis(out, source, g, axis)
    return out.reshape(shape)


_PAD_COPY_MODES = ("edge", "reflect", "symmetric", "wrap")


def grad_pad(g, array, pad_width, mode="constant", reflect_type="even", stat_length=None):
    """Adjoint of ``np.pad(array, pad_width, mode)`` for the modes that copy elements
    (constant, empty, edge, reflect, symmetric, wrap); padded copies send their gradient back."""
    shape = np.shape(array)
    g = np.asarray(g)
    if mode in ("constant", "empty"):
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (len(shape), 2))
        return g[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, shape))]
    if mode not in _PAD_COPY_MODES or (mode in ("reflect", "symmetric") and reflect_type != "even"):
        raise DeclinedAtRunTime(
            f"the gradient of np.pad with mode={mode!r}"
            + (f", reflect_type={reflect_type!r}" if reflect_type != "even" else "")
            + " is not implemented; supported modes: constant, empty, edge, reflect, symmetric, wrap")
    size = int(np.prod(shape, dtype=np.int64))
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    summed = np.bincount(source.ravel(), weights=g.ravel(), minlength=size)
    return summed.reshape(shape).astype(_grad_dtype(array, g), copy=False)


def grad_pad_constant(g, array, pad_width, constant_values=0, mode="constant"):
    """Adjoint of ``constant_values`` in ``np.pad(array, pad_width, constant_values=...)``: the sum of
    ``g`` over the padding each value fills (a later axis fills the corners, as in NumPy)."""
    if mode != "constant":
        return zeros_like(constant_values)
    g = np.asarray(g)
    ndim = np.ndim(array)
    if np.ndim(constant_values) == 0:
        return np.sum(g) - np.sum(grad_pad(g, array, pad_width, "constant"))
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2))
    owner = np.full(g.shape, -1)
    for axis, (before, after) in enumerate(widths):
        index = [slice(None)] * ndim
        index[axis] = slice(0, int(before))
        owner[tuple(index)] = 2 * axis
        index[axis] = slice(g.shape[axis] - int(after), g.shape[axis])
        owner[tuple(index)] = 2 * axis + 1
    padded = owner >= 0
    sums = np.bincount(owner[padded], weights=g[padded], minlength=2 * ndim).reshape(ndim, 2)
    return unbroadcast(sums.astype(_grad_dtype(constant_values, g), copy=False), np.asarray(constant_values))


def grad_inner_lhs(g, a, b):
    """Adjoint of ``a`` in ``np.inner(a, b)`` (a product over the last axes)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return grad_tensordot_lhs(g, a, b, ([-1], [-1]))


def grad_inner_rhs(g, a, b):
    """Adjoint of ``b`` in ``np.inner(a, b)``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return grad_tensordot_rhs(g, a, b, ([-1], [-1]))


def _kron_shapes(a, b):
    sa, sb = np.shape(a), np.shape(b)
    d = max(len(sa), len(sb))
    return d, (1,) * (d - len(sa)) + sa, (1,) * (d - len(sb)) + sb


def grad_kron_lhs(g, a, b):
    """Adjoint of ``a`` in ``np.kron(a, b)``."""
    d, sa, sb = _kron_shapes(a, b)
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    out = np.tensordot(blocks, np.reshape(b, sb), axes=(list(range(1, 2 * d, 2)), list(range(d))))
    return np.reshape(out, np.shape(a))


def grad_kron_rhs(g, a, b):
    """Adjoint of ``b`` in ``np.kron(a, b)``."""
    d, sa, sb = _kron_shapes(a, b)
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    out = np.tensordot(blocks, np.reshape(a, sa), axes=(list(range(0, 2 * d, 2)), list(range(d))))
    return np.reshape(out, np.shape(b))


def _einsum_parts(subscripts, count):
    if not isinstance(subscripts, str):
        raise DeclinedAtRunTime("the gradient of np.einsum is implemented for the subscripts-string form "
                                  "np.einsum('ij,jk->ik', a, b), not the sublist form")
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise DeclinedAtRunTime("the gradient of np.einsum with an ellipsis ('...') is not implemented; "
                                  "write the subscripts out in full")
    if "->" in spec:
        inputs, output = spec.split("->")
    else:
        inputs = spec
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = inputs.split(",")
    if len(inputs) != count:
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(inputs)} operands, got {count}")
    return inputs, output


def grad_einsum(g, subscripts, k, *operands):
    """Adjoint of operand ``k`` of ``np.einsum(subscripts, *operands)`` (explicit or implicit
    subscripts; an operand's repeated index -- a diagonal -- and indices summed only within it
    are handled)."""
    operands = [o for o in operands if o is not None]
    if k >= len(operands):
        return None
    inputs, output = _einsum_parts(subscripts, len(operands))
    target, x = inputs[k], operands[k]
    sizes = dict(zip(target, np.shape(x)))
    others = [(s, o) for i, (s, o) in enumerate(zip(inputs, operands)) if i != k] + [(output, g)]
    available = set("".join(s for s, _ in others))
    unique = "".join(dict.fromkeys(target))
    present = "".join(c for c in unique if c in available)
    spec = ",".join(s for s, _ in others) + "->" + present
    part = np.einsum(spec, *[o for _, o in others])
    if present != unique:   # indices summed within operand k alone: broadcast back along them
        part = np.reshape(part, [sizes[c] if c in present else 1 for c in unique])
        part = np.broadcast_to(part, [sizes[c] for c in unique])
    if unique == target:
        return part
    out = np.zeros(np.shape(x), dtype=_grad_dtype(x, part))   # repeated index: write the diagonal
    grids = np.indices([sizes[c] for c in unique], sparse=True)
    out[tuple(grids[unique.index(c)] for c in target)] = part
    return out


def matrix_scale(s):
    """A scalar per matrix (the adjoint of a det) shaped to scale a stack of matrices."""
    return s if np.ndim(s) == 0 else np.asarray(s)[..., None, None]


# NumPy 2 solves for a vector b (or a stack of them) only when b is 1-D; NumPy 1 whenever b has one
# dimension less than a: a (2, 3, 3) and b (2, 3) are two systems with one right-hand side each there.
_SOLVE_VECTOR_ONLY_1D = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _solve_rhs_is_vector(a, b):
    return np.ndim(b) == 1 if _SOLVE_VECTOR_ONLY_1D else np.ndim(b) == np.ndim(a) - 1


def grad_solve_a(g, ans, a, b):
    """Adjoint of ``a`` in ``x = np.linalg.solve(a, b)``: ``-solve(a.T, g) x.T``."""
    gb = grad_solve_b(g, ans, a, b, reduce=False)
    if _solve_rhs_is_vector(a, b):
        out = -gb[..., :, None] * np.asarray(ans)[..., None, :]
    else:
        out = -gb @ _swap_last(ans)
    return unbroadcast(out, a)


def grad_solve_b(g, ans, a, b, reduce=True):
    """Adjoint of ``b`` in ``x = np.linalg.solve(a, b)``: ``solve(a.T, g)``."""
    if _solve_rhs_is_vector(a, b):
        out = np.linalg.solve(_swap_last(a), np.asarray(g)[..., None])[..., 0]
    else:
        out = np.linalg.solve(_swap_last(a), g)
    return unbroadcast(out, b) if reduce else out


def grad_cholesky(g, L, upper=False):
    """Adjoint of ``a`` in ``L = np.linalg.cholesky(a)`` (symmetric; Murray 2016):
    with P = Phi(L^T gL) (lower triangle, halved diagonal), S = L^-T P L^-1, the adjoint is (S + S^T)/2."""
    L, g = np.asarray(L), np.asarray(g)
    if upper:
        L, g = _swap_last(L), _swap_last(g)
    n = L.shape[-1]
    P = np.tril(_swap_last(L) @ g) * (1 - 0.5 * np.eye(n, dtype=L.dtype))
    Linv = np.linalg.inv(L)
    S = _swap_last(Linv) @ P @ Linv
    return (S + _swap_last(S)) / 2


def grad_eigh(g, ans, a):
    """Adjoint of ``a`` in ``w, v = np.linalg.eigh(a)`` (distinct eigenvalues), symmetrised:
    ``V (diag(gw) + F * (V^T gv)) V^T`` with ``F_ij = 1 / (w_j - w_i)`` off the diagonal."""
    gw, gv = g
    w, v = ans
    vt = _swap_last(v)
    inner = np.asarray(gw)[..., None, :] * np.eye(w.shape[-1], dtype=w.dtype)
    if np.any(gv):
        gaps = w[..., None, :] - w[..., :, None]
        off = ~np.eye(w.shape[-1], dtype=bool)
        F = np.where(off, 1 / np.where(off, gaps, 1), 0)
        inner = inner + F * (vt @ gv)
    out = v @ inner @ vt
    return (out + _swap_last(out)) / 2


def grad_eigvalsh(g, a, UPLO="L"):
    """Adjoint of ``a`` in ``w = np.linalg.eigvalsh(a)``: ``V diag(g) V^T``."""
    _, v = np.linalg.eigh(a, UPLO=UPLO)
    return (v * np.asarray(g)[..., None, :]) @ _swap_last(v)


def grad_svd(g, ans, a, full_matrices=True, compute_uv=True):
    """Adjoint of ``a`` in ``np.linalg.svd(a)`` (distinct, non-zero singular values).

    ``compute_uv=False``: ``U diag(g) V^T``. With U and V (thin, or full for a square matrix), the
    formula of Townsend (2016), "Differentiating the singular value decomposition"."""
    a = np.asarray(a)
    if not compute_uv:
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        return (u * np.asarray(g)[..., None, :]) @ vt
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        raise DeclinedAtRunTime("the gradient of np.linalg.svd with full_matrices=True is defined only for "
                                  "square matrices (the extra singular vectors are not unique); pass "
                                  "full_matrices=False")
    gu, gs, gvt = g
    u, s, vt = ans
    v, gv = _swap_last(vt), _swap_last(np.asarray(gvt))
    ut = _swap_last(u)
    k = s.shape[-1]
    eye = np.eye(k, dtype=s.dtype)
    s2 = s[..., None, :] ** 2 - s[..., :, None] ** 2          # s_j^2 - s_i^2
    off = ~np.eye(k, dtype=bool)
    F = np.where(off, 1 / np.where(off, s2, 1), 0)
    S = s[..., None, :] * eye
    Sinv = eye / s[..., None, :]
    J = F * (ut @ gu)            # F * (U^T gU - gU^T U) = J + J^T, as F is antisymmetric
    K = F * (vt @ gv)
    core = (J + _swap_last(J)) @ S + np.asarray(gs)[..., None, :] * eye + S @ (K + _swap_last(K))
    out = u @ core @ vt
    if m > k:
        out = out + (gu - u @ (ut @ gu)) @ Sinv @ vt
    if n > k:
        out = out + u @ Sinv @ (_swap_last(gv) - (_swap_last(gv) @ v) @ vt)
    return out


def grad_cross(g, a, b, which, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``a`` (which=0) or ``b`` (which=1) in ``np.cross(a, b, ...)`` for 3-vectors:
    ``b x g`` and ``g x a``."""
    if axis is not None:
        axisa = axisb = axisc = axis
    am, bm = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    gm = np.moveaxis(np.asarray(g), axisc, -1)
    if np.shape(am)[-1] != 3 or np.shape(bm)[-1] != 3:
        raise DeclinedAtRunTime("the gradient of np.cross is implemented for 3-vectors only")
    if which == 0:
        return np.moveaxis(unbroadcast(np.cross(bm, gm), am), -1, axisa)
    return np.moveaxis(unbroadcast(np.cross(gm, am), bm), -1, axisb)


def unappended(g):
    """The adjoint of the list ``appended`` started from, given ``g``, the adjoint of the list it made (a
    sequence with one entry per item: an array whose first axis runs over the items, or ItemAdjoints)."""
    if isinstance(g, (list, tuple)):
        return ItemAdjoints(g[:-1])
    return g[:-1]


def without_index(g, index):
    """Adjoint of the array ``updated`` copied: ``g`` with zeros where the update overwrote it."""
    out = np.array(g, copy=True)
    out[index] = 0
    return out


def grad_updated_value(g, x, index, value):
    """Adjoint of the value ``updated`` wrote at ``index``: ``g`` there, summed to the value's shape.

    An integer array truncates what is written into it, so the value then gets no gradient; where an
    advanced index names one element twice, only the write that lands last receives it."""
    if not np.issubdtype(np.result_type(x), np.inexact):
        return zeros_like(value)
    taken = np.asarray(g)[index]
    if not _is_basic_index(index):
        order = np.arange(taken.size).reshape(taken.shape)
        owner = np.full(np.shape(x), -1)
        owner[index] = order
        taken = np.where(owner[index] == order, taken, 0)
    return unbroadcast(taken, value)


def grad_added_value(g, a, index, value):
    """Adjoint of the value ``added_at`` added at ``index``: ``g`` there (once for each time an index is
    named), summed to the value's shape. An integer array truncates what is added, so the value then
    gets no gradient."""
    if not np.issubdtype(np.result_type(a), np.inexact):
        return zeros_like(value)
    return unbroadcast(np.asarray(g)[index], value)


def updated_value_transpose(g, like, x, index, value):
    """The transpose of ``grad_updated_value(like, x, index, value)`` in its first argument: ``g`` (shaped like
    ``value``) spread to ``like[index]`` and written there into zeros shaped like ``like`` (where an advanced
    index names an element twice, only at the write that lands last)."""
    out = np.zeros(np.shape(like), dtype=_grad_dtype(like, g))
    if not np.issubdtype(np.result_type(x), np.inexact):
        return out
    spread = np.broadcast_to(g, np.shape(out[index]))
    if _is_basic_index(index):
        out[index] = spread
        return out
    order = np.arange(spread.size).reshape(spread.shape)
    owner = np.full(np.shape(x), -1)
    owner[index] = order
    np.add.at(out, index, np.where(owner[index] == order, spread, 0))
    return out


def added_value_transpose(g, like, a, index):
    """The transpose of ``grad_added_value(like, a, index, value)`` in its first argument: ``g`` spread to
    ``like[index]`` and added there (once per time an index is named) into zeros shaped like ``like``."""
    out = np.zeros(np.shape(like), dtype=_grad_dtype(like, g))
    if not np.issubdtype(np.result_type(a), np.inexact):
        return out
    np.add.at(out, index, np.broadcast_to(g, np.shape(out[index])))
    return out
