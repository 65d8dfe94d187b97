"""``out=`` arguments and the NumPy functions that write into their first argument (``np.copyto``...)."""

import numpy as np

from ..runtime.helpers import out_parameter
from .errors import InPlaceError, PlainArrayWriteError
from .mode import _mode
from .graph import _name
from .tensor import Tensor, _BUILD_AS_TENSOR, _raw, _raw_all, _requires_grad_in
from .protection import _is_argument
from .views import _blocks_recorded_write, _is_shared
from .recording import _apply
from .updates import _after_update, _as_in_place, _check_writeable


_UFUNC_SYMBOLS = {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/", np.power: "**",
                  np.matmul: "@", np.floor_divide: "//", np.remainder: "%"}


def _out_message(ufunc, method, inputs, outs):
    """The message of a ufunc writing into a plain array (``out=``) from a Tensor that requires grad;
    ``acc += t`` on a plain array ``acc`` is NumPy's ``np.add(acc, t, out=(acc,))``."""
    symbol = _UFUNC_SYMBOLS.get(ufunc)
    if method == "__call__" and symbol and len(inputs) == 2 and outs[0] is inputs[0]:
        return (f"`acc {symbol}= t` with acc a plain NumPy array and t a Tensor that requires grad updates "
                f"acc in place (NumPy runs np.{ufunc.__name__}(acc, t, out=acc)). A plain array cannot "
                f"hold a gradient, and the tape does not follow in-place updates of arrays (other names and "
                f"views of acc would not see it). Write `acc = acc {symbol} t` instead: acc becomes a Tensor.")
    return (f"np.{ufunc.__name__}(..., out=...) writes into a plain NumPy array in place, from a Tensor that "
            f"requires grad: a plain array cannot hold a gradient, and the tape does not follow in-place "
            f"updates of arrays. Drop out= and use the result (`y = np.{ufunc.__name__}(...)`).")


#
# NumPy hands a call with ``out=`` (``np.multiply(t, 2.0, out=t)``, ``np.cumsum(x, out=buf)``,
# ``x.sum(out=buf)``) and the functions that write into their first argument (``np.copyto``,
# ``np.put``, ``np.add.at``...) to the Tensor protocols like any other. Run as they are on the raw
# values they would write into arrays behind the tape's back: into a plain array, where the gradient is
# lost, or into a Tensor's array, which recorded operations may have saved. So:
#
# * no gradient involved (nothing requires grad, or inside ``no_grad()``): NumPy's in-place call on the
#   raw arrays, except that a Tensor of the graph (or a leaf that requires grad) gets a new array with
#   the result, as the in-place operators do (the saved one stays as recorded);
# * a plain array written from a Tensor that requires grad: PlainArrayWriteError, before any write;
# * ``out=`` a Tensor, while recording: the in-place update ``t = f(...)`` with the semantics of the
#   in-place operators (``_update_array``): a new value and history for ``t`` (``t[...] = f(...)`` when
#   the result is broadcast or cast into ``t``, as NumPy's ``out=`` does); InPlaceError on a leaf that
#   requires grad, a Tensor whose array is shared with other arrays, or with ``where=``;
# * ``np.copyto(t, src)`` while recording is ``t[...] = src`` (recorded as item assignment); the other
#   functions that write into a Tensor raise InPlaceError while recording.


def _split_out(fn, args, kwargs):
    """``(args, kwargs, out)``: the call ``fn(*args, **kwargs)`` without its ``out`` argument (given by
    keyword, or by position: the positional arguments after it are then passed by keyword), and that
    argument (None when none is given)."""
    if kwargs and kwargs.get("out") is not None:
        return args, {k: v for k, v in kwargs.items() if k != "out"}, kwargs["out"]
    position, names = out_parameter(fn)
    if position is None or len(args) <= position or args[position] is None or len(args) > len(names):
        return args, kwargs, None
    rest = dict(zip(names[position + 1:], args[position + 1:]))
    return args[:position], {**(kwargs or {}), **rest}, args[position]


def _fresh_array_for(t):
    """A copy of the array of ``t`` (a Tensor of the graph, or a leaf that requires grad) to write into
    outside recording; an InPlaceError if others share the array of a Tensor of the graph (they would
    not see the update; see ``_update_array``)."""
    if not isinstance(t.value, np.ndarray):
        raise TypeError(f"a Tensor holding a {type(t.value).__name__} cannot be written into in place; "
                        f"it holds no array")
    if t._node is not None and _is_shared(t):
        raise InPlaceError("writing in place into a Tensor of the graph whose array is shared with other arrays "
                           "(views): they would not see it. Build the new value out of place instead "
                           "(`t = f(...)` without out=, np.where(mask, new, t)).")
    return t.value.copy()


def _take_fresh_array(t, array):
    """Give ``t`` the array ``_fresh_array_for`` made and the call wrote into, keeping its history."""
    t.value = array
    if t._node is not None:
        t._owned = True  # a new array, only t holds it


def _call_with_out(name, args, kwargs, outs, compute, raw_call, plain_message, masked=False):
    """Make the call ``name(*args, **kwargs, out=outs)`` (``outs``: a tuple of arrays and Tensors) with
    the semantics above. ``compute()`` makes it without ``out`` (recorded as usual), ``raw_call(raws)``
    on the raw values writing into the raw arrays ``raws``; ``plain_message()`` is the message for a
    plain array written from a Tensor that requires grad; ``masked``: ``where=`` leaves parts of ``out``
    as they were."""
    grad_in = _mode.enabled and (_requires_grad_in(args) or _requires_grad_in(kwargs.values()))
    graph_out = _mode.enabled and any(isinstance(o, Tensor) and o.requires_grad for o in outs)
    if not (grad_in or graph_out):  # no gradient involved: in place, as NumPy (new arrays for the graph's)
        raws, fresh = [], []
        for o in outs:
            if isinstance(o, Tensor) and o.requires_grad:  # inside no_grad()
                array = _fresh_array_for(o)
                fresh.append((o, array))
                raws.append(array)
            else:
                raws.append(_raw(o))
        raw_call(tuple(raws))
        for o, array in fresh:
            _take_fresh_array(o, array)
        return
    if grad_in and any(not isinstance(o, Tensor) for o in outs):
        raise PlainArrayWriteError(plain_message())
    if len(outs) != 1:
        raise InPlaceError(f"{name}(..., out=(...)) with several outputs writing into Tensors is not recorded "
                           f"by the tape; drop out= and use the results")
    (t,) = outs
    if not isinstance(t.value, np.ndarray):
        raise TypeError(f"{name}(..., out=t): t holds a {type(t.value).__name__}, not an array")
    if t.requires_grad and t._node is None and not _is_argument(t):
        raise InPlaceError(f"{name}(..., out=x) writes into a leaf Tensor that requires grad: the tape could not "
                           f"differentiate it (the gradient is taken at the leaf's value). Write `x = {name}(...)` "
                           f"without out= to make a new Tensor, or update parameters inside `with sg.no_grad():`.")
    if _blocks_recorded_write(t):
        raise InPlaceError(f"{name}(..., out=v) writes into a Tensor whose array is shared with other arrays: it is "
                           f"a view of another array or has views (v[1:], v.T, v.reshape(...), v.detach(), "
                           f"v.numpy(), or sg.tensor(a) of an array a). NumPy would update them all, but the tape "
                           f"does not follow in-place updates of shared arrays: they would keep the old values and "
                           f"the gradient would be wrong. Write `v = {name}(...)` without out= instead.")
    _check_writeable(t)
    if masked:
        raise InPlaceError(f"{name}(..., out=t, where=mask) leaves part of t as it was, which the tape does not "
                           f"record; write `t = np.where(mask, {name}(...), t)` instead")
    new = compute()
    if isinstance(new, Tensor) and new.requires_grad:
        value, node = new.value, new._node
        if isinstance(value, np.generic) and value.shape == t.value.shape:
            value = np.asarray(value)
        if not (type(value) is np.ndarray and value.shape == t.value.shape and value.dtype == t.value.dtype):
            if _fits_into(value, t.value):  # broadcast and cast as out= does: recorded as t[...] = new
                t[...] = new
                return
            raise InPlaceError(
                f"{name}(..., out=t) would convert the result (shape {np.shape(value)}, "
                f"{np.result_type(value)}) to t's shape {t.value.shape} and dtype {t.value.dtype}, which the "
                f"tape does not record; write `t = {name}(...)` without out= (and convert explicitly)")
        if value.strides != t.value.strides:  # out= keeps t's memory layout: a later reshape depends on it
            value = _as_in_place(value, t.value, lambda out, v: np.copyto(out, v) or out, value)
        node.ans = value
        t.value, t._node, t.requires_grad = value, node, True
        t._shared, t._owned = t._shared or new._shared, new._owned
        _after_update(t)
        return
    # a result without gradient written into a Tensor of the graph: it becomes a constant
    array = t.value.copy()
    raw_call((array,))
    t.value, t._node, t.requires_grad, t._owned = array, None, False, False


def _fits_into(value, array):
    """Whether NumPy's ``out=array`` takes ``value``: it broadcasts to the array's shape and casts to
    its dtype with ``casting="same_kind"`` (the ufuncs' default)."""
    try:
        shape = np.broadcast_shapes(np.shape(value), array.shape)
    except ValueError:
        return False
    return shape == array.shape and np.can_cast(np.result_type(value), array.dtype, "same_kind")


def _array_out_message(name):
    """The message of a function writing into a plain array (``out=``) from a Tensor that requires grad."""
    return (f"{name}(..., out=a) writes into a plain NumPy array a, from a Tensor that requires grad: a plain "
            f"array cannot hold a gradient, and the tape does not follow in-place updates of arrays, so the "
            f"gradient would be lost. Drop out= and use the result (`a = {name}(...)`: a becomes a Tensor).")


def _function_with_out(fn, args, kwargs, impl=None):
    """``fn(*args, **kwargs)`` for a NumPy function or ndarray method called on a Tensor, when it has an
    ``out`` argument that is a Tensor or is written from a Tensor that requires grad (else
    ``_NOT_HANDLED``: the caller records the call as usual)."""
    args2, kwargs2, out = _split_out(fn, args, kwargs)
    if out is None:
        return _NOT_HANDLED
    outs = out if type(out) is tuple else (out,)
    if not (any(isinstance(o, Tensor) for o in outs)
            or _mode.enabled and (_requires_grad_in(args2) or _requires_grad_in(kwargs2.values()))):
        return _NOT_HANDLED
    call = impl or fn
    name = _name(fn)

    def raw_call(raws):
        return call(*_raw_all(args2), **_raw_all(kwargs2), out=raws if type(out) is tuple else raws[0])

    _call_with_out(name, args2, kwargs2, outs, lambda: _apply(fn, args2, kwargs2, impl), raw_call,
                   lambda: _array_out_message(name))
    return out  # as NumPy does


_NOT_HANDLED = object()


# Functions that write into their first argument (and return None), and the name of that parameter.
_WRITES_FIRST_ARGUMENT = {np.copyto: "dst", np.put: "a", np.place: "arr", np.putmask: "a",
                          np.fill_diagonal: "a", np.put_along_axis: "arr"}


def _write_into_first(fn, name, args, kwargs, raw_call):
    """``fn(target, ...)`` that writes into ``target`` (``np.copyto``, ``np.put``, ``np.add.at``...) called
    with Tensors, with the semantics above. ``raw_call(target, raw_args, raw_kwargs)`` makes the call on raw
    values, writing into ``target``."""
    key = _WRITES_FIRST_ARGUMENT.get(fn)
    if args:
        target, rest, kw = args[0], args[1:], dict(kwargs)
    elif key in kwargs:
        kw = dict(kwargs)
        target, rest = kw.pop(key), ()
    else:
        return raw_call(None, _raw_all(args), _raw_all(kwargs))  # NumPy raises its TypeError
    grad = _mode.enabled and (_requires_grad_in(args) or _requires_grad_in(kwargs.values()))
    if not isinstance(target, Tensor):
        if grad:
            raise PlainArrayWriteError(
                f"{name} writes into a plain NumPy array in place, from a Tensor that requires grad: a plain "
                f"array cannot hold a gradient, and the tape does not follow in-place updates of arrays. "
                f"{_BUILD_AS_TENSOR}")
        return raw_call(target, _raw_all(rest), _raw_all(kw))
    if not grad:
        if not target.requires_grad:
            return raw_call(target.value, _raw_all(rest), _raw_all(kw))
        array = _fresh_array_for(target)  # inside no_grad(): a new array, the history kept
        result = raw_call(array, _raw_all(rest), _raw_all(kw))
        _take_fresh_array(target, array)
        return result
    if fn is np.copyto and len(rest) == 1 and not kw:
        src = rest[0]
        if isinstance(target.value, np.ndarray) and np.can_cast(np.result_type(_raw(src)), target.value.dtype,
                                                                "same_kind"):
            target[...] = src  # recorded as item assignment (or its InPlaceError)
            return None
    where = _written_items(fn, target, rest, kw)
    if where is not None:
        index, values = where
        target[index] = values  # recorded as item assignment (or its InPlaceError)
        return None
    raise InPlaceError(
        f"{name} writes into a Tensor in place, which the tape does not record while a gradient is "
        f"involved. Build the new value out of place (`t = np.where(mask, new, t)`, `t = np.concatenate(...)`), "
        f"or assign items (`t[index] = value` on a Tensor of the graph is recorded).")


def _written_items(fn, target, rest, kw):
    """``(index, values)`` such that ``target[index] = values`` is what ``np.putmask``, ``np.place`` or
    ``np.fill_diagonal`` does, when the values need no cycling (one value, or exactly one per item
    written); None otherwise (the caller refuses)."""
    if not isinstance(target.value, np.ndarray):
        return None
    if fn in (np.putmask, np.place) and len(rest) == 2 and not kw:
        mask = np.asarray(_raw(rest[0]))
        values = rest[1]
        if mask.dtype != bool or mask.shape != target.value.shape:
            return None
        size = np.size(_raw(values))
        if size == 1:
            return mask, values
        if fn is np.putmask and size == target.value.size:  # values are taken at the positions written
            return mask, np.reshape(values, target.value.shape)[mask]
        if fn is np.place and size == int(mask.sum()):  # values are taken in order
            return mask, np.ravel(values)
        return None
    if fn is np.fill_diagonal and len(rest) == 1 and set(kw) <= {"wrap"}:
        marker = np.zeros(target.value.shape, dtype=bool)
        np.fill_diagonal(marker, True, **kw)
        size = np.size(_raw(rest[0]))
        if size == 1 or size == int(marker.sum()):
            return marker, np.ravel(rest[0]) if size > 1 else rest[0]
    return None
