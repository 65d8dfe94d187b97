"""Recording: unbox the arguments of a primitive call, compute it, and append a Node when needed."""

import numbers

import numpy as np

from .errors import NoRuleError
from .mode import _mode
from .graph import Node, _NONDIFF, _NO_KWARGS, _RULES, _SELECT, _name, _no_rule
from .tensor import Tensor, _object_new
from .protection import _kept_inputs
from .views import _OWNED, _link_view, _mark_shared, _note_sharing, _shared_if, _unrecorded_view


def _unbox_nested(x):
    """Unbox Tensors inside (nested) lists/tuples; also say whether one of them requires grad."""
    hit = False
    out = []
    for item in x:
        if isinstance(item, Tensor):
            hit = hit or item.requires_grad
            item = item.value
        elif type(item) in (list, tuple):
            item, inner = _unbox_nested(item)
            hit = hit or inner
        out.append(item)
    return type(x)(out), hit


def apply(fn, *args, **kwargs):
    """Call the primitive ``fn`` on ``args``, recording it on the tape if a Tensor argument requires grad.

    This is what every Tensor operator and NumPy function goes through; call it yourself to record a
    function the tape cannot intercept, e.g. ``apply(math.sin, x)`` or a function of your own that
    you registered a rule for with ``sg.vjp_rule``."""
    hit = STAND_IN_ORIGINALS.get(id(fn))
    if hit is not None and hit[0] is fn:   # math.sin read while sg.grad runs the code: the Tensor-aware one
        fn = hit[1]
    return _apply(fn, args, kwargs)


STAND_IN_ORIGINALS = {}   # id(stand-in) -> (stand-in, original): filled by namespace.py


def _node_for(fn, rule, args, raw, kwargs, given, ans, parents):
    """The Node of the recorded call ``fn(*args, **given)`` (``raw``, ``kwargs``: the unboxed arguments),
    the one place a Node of a call is made, for ``_apply`` and its two fast paths ``_unary`` and
    ``_binary`` alike. Inside ``value_and_grad_tape`` the arrays others may write into are saved as
    copies (``_kept_inputs``)."""
    protected = _mode.protected
    if protected is not None:
        for r in raw:  # numbers need nothing (the hot path of scalar code): look for arrays first
            if isinstance(r, (np.ndarray, list, tuple)):
                raw = _kept_inputs(args, raw, protected)
                break
        if kwargs:
            kwargs = dict(zip(kwargs, _kept_inputs(given.values(), kwargs.values(), protected)))
    return Node(fn, rule, raw if type(raw) is tuple else tuple(raw), kwargs, ans,
                parents if type(parents) is tuple else tuple(parents))


def _apply(fn, args, kwargs, impl=None):
    """Unbox ``args``, compute ``(impl or fn)(*raw, **kwargs)`` and record a Node if needed.

    ``fn`` is the key of the rule table; ``impl`` computes the value when ``fn`` itself is not directly
    callable on the raw values (an ndarray method called on a float, a property such as ``.T``)."""
    given = kwargs
    parents = []
    deep = []  # Tensors that require grad nested deeper than one list: no rule can reach them
    raw = [_unbox_arg(a, i, parents, deep) for i, a in enumerate(args)]
    kwargs = {k: _unbox_arg(a, k, parents, deep) for k, a in kwargs.items()} if kwargs else _NO_KWARGS

    rule = _RULES.get(fn)
    ans = (impl or fn)(*raw, **kwargs)
    sharers = []
    sharing = _note_sharing(ans, args, given, sharers) if _may_share_arguments(ans, raw, kwargs) else 0
    # a recorded view of one array of the graph joins its tree of views (see _write_through)
    base = (sharers[0] if sharing == _OWNED and len(sharers) == 1 and not sharers[0]._shared
            and type(ans) is np.ndarray and rule is not None and _mode.enabled and parents and not deep else None)
    if base is None:
        _mark_shared(sharers)
    if rule is None and fn in _NONDIFF:
        return _unrecorded_view(ans, sharing)
    if not (_mode.enabled and (parents or deep)):
        return _shared_if(_wrap_plain(_unrecorded_view(ans, sharing)), sharing)
    if rule is None:
        return _without_rule(fn, _unrecorded_view(ans, sharing))
    if deep:
        raise TypeError(f"{_name(fn)} received a Tensor that requires grad inside a nested list; the tape "
                        f"differentiates arguments and the items of list/tuple arguments")
    _check_rule_accepts(fn, rule, len(raw), kwargs)
    if any(type(p[0]) is str for p in parents):  # Tensors passed by keyword: their parameter's position
        parents = [(_parameter_index(fn, rule, p[0]), p[1], p[2]) if type(p[0]) is str else p for p in parents]
    node = _node_for(fn, rule, args, raw, kwargs, given, ans, parents)
    if isinstance(ans, (np.ndarray, np.generic, numbers.Number)):
        t = _make(ans, node)
        if base is None or not _link_view(t, base, fn, args, given, impl):
            _mark_shared((base,) if base is not None else ())
            _shared_if(t, sharing)
        return t
    if isinstance(ans, (tuple, list)):
        return _several_results(fn, ans, node, sharing)
    raise TypeError(f"the tape records functions that return numbers or arrays (or tuples/lists of them); "
                    f"{_name(fn)} returned {type(ans).__name__}")


def _may_share_arguments(ans, raw, kwargs):
    """A quick filter before ``_note_sharing``: False for a result that certainly owns new memory, an
    ndarray that is no view and none of the arguments (most results), or a number."""
    if type(ans) is np.ndarray and ans.base is None and not kwargs:
        for r in raw:
            if r is ans or type(r) in (list, tuple):
                return True
        return False
    return isinstance(ans, (np.ndarray, list, tuple))


def _unbox_arg(a, position, parents, deep):
    """The raw value of one argument. Tensors that require grad, the argument itself or the items of
    a list/tuple argument (``np.stack([a, b])``), join ``parents`` as ``(position, index, source)``
    (see ``Node``)."""
    if isinstance(a, Tensor):
        if a.requires_grad:
            parents.append((position, None, a._node or a))
        return a.value
    if type(a) not in (list, tuple):
        return a
    items = []
    for j, item in enumerate(a):
        if isinstance(item, Tensor):
            if item.requires_grad:
                parents.append((position, j, item._node or item))
            item = item.value
        elif type(item) in (list, tuple):
            item, hit = _unbox_nested(item)
            if hit:
                deep.append(item)
        items.append(item)
    return type(a)(items)


def _parameter_index(fn, rule, name):
    """Where the rule's result holds the adjoint of the argument passed as ``name=``: the position of
    that parameter in the rule's signature (rules list adjoints in parameter order)."""
    params = list(rule.signature.parameters.values()) if rule.signature is not None else []
    for i, param in enumerate(params):
        if param.kind == param.VAR_POSITIONAL:
            break
        if param.name == name:
            return i
    raise TypeError(f"{_name(fn)} received a Tensor that requires grad as {name}=, which its derivative rule "
                    f"does not list by position; pass it positionally")


def _several_results(fn, ans, node, sharing):
    """One Tensor per floating result of a call with several results (plain values for the others).

    Each result that is a view (of an argument, as ``np.split`` gives, or of a buffer the results
    share) is marked shared, as all are when one of them shares memory with an argument (``sharing``)."""
    outs = [_shared_if(_make(v, Node(fn, _SELECT, None, _NO_KWARGS, None, ((k, None, node),))),
                       sharing or (_OWNED if isinstance(v, np.ndarray) and v.base is not None else 0))
            if _carries_gradient(v) else v for k, v in enumerate(ans)]
    if hasattr(ans, "_fields"):  # EighResult, SlogdetResult... (namedtuples)
        return type(ans)(*outs)
    return type(ans)(outs)


_ACCEPTED_CALLS = set()  # (rule, number of positional args, keyword names) already checked


def _check_rule_accepts(fn, rule, nargs, kwargs):
    """Fail at the call, not in backward(), when the rule cannot take the call's arguments."""
    key = (rule, nargs, tuple(kwargs))
    if key in _ACCEPTED_CALLS:
        return
    if rule.signature is not None:
        try:
            rule.signature.bind(*range(nargs), **kwargs)
        except TypeError as error:
            raise TypeError(
                f"the derivative rule for {_name(fn)} cannot differentiate this call ({error}); leave "
                f"that argument out, or register a rule that takes it with sg.vjp_rule({_name(fn)})"
            ) from None
    _ACCEPTED_CALLS.add(key)


def _carries_gradient(value):
    """Whether a result can have a gradient: floating values can; ints, bools, shapes... cannot."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "fcO"  # object arrays may hold the numbers (np.frompyfunc(f, 1, 1)(x))
    if isinstance(value, (list, tuple)):
        return any(_carries_gradient(v) for v in value)
    # the values themselves in another form: x.tobytes(), an iterator over x.flat, a pointer to them (x.ctypes)
    return isinstance(value, (float, complex, bytes, bytearray, memoryview, np.flatiter, _CTYPES))


_CTYPES = type(np.empty(0).ctypes)


def _without_rule(fn, ans):
    """The result of a call with no rule on a Tensor that requires grad: fine (and plain) when it is
    integer or boolean (``np.isclose``, ``np.nonzero``, ``x.nbytes``), an error when it is not."""
    if ans is None and callable(fn):  # np.copyto, np.put...: the result was written in place, out of sight
        raise NoRuleError(f"{_name(fn)} writes its result in place, which the tape cannot differentiate; "
                          f"compute a new array instead (np.where, np.concatenate...)")
    if _carries_gradient(ans):
        raise _no_rule(fn)
    return ans


def _unary(fn, x):
    """``_apply(fn, (x,), {})`` for a Tensor ``x``, without the generic bookkeeping (the ufuncs and
    operators that come here return a new array or number, never a view: nothing to mark shared)."""
    raw = x.value
    rule = _RULES.get(fn)
    if rule is None and fn in _NONDIFF:
        return fn(raw)
    ans = fn(raw)
    if not (x.requires_grad and _mode.enabled):
        return _wrap_plain(ans)
    if rule is None:
        return _without_rule(fn, ans)
    return _make(ans, _node_for(fn, rule, (x,), (raw,), _NO_KWARGS, None, ans, ((0, None, x._node or x),)))


def _binary(fn, a, b):
    """``_apply(fn, (a, b), {})`` for the arithmetic operators, without the generic bookkeeping (their
    results are new arrays or numbers, never views: nothing to mark shared)."""
    if isinstance(a, Tensor):
        ra, ga = a.value, a.requires_grad
    else:
        ra, ga = a, False
    if isinstance(b, Tensor):
        rb, gb = b.value, b.requires_grad
    else:
        rb, gb = b, False
    rule = _RULES.get(fn)
    if rule is None and fn in _NONDIFF:  # comparisons, //: plain, non-differentiable results
        return fn(ra, rb)
    ans = fn(ra, rb)
    if not ((ga or gb) and _mode.enabled):
        return _wrap_plain(ans)
    if rule is None:
        return _without_rule(fn, ans)
    if ga and gb:
        parents = ((0, None, a._node or a), (1, None, b._node or b))
    else:
        parents = ((0, None, a._node or a),) if ga else ((1, None, b._node or b),)
    return _make(ans, _node_for(fn, rule, (a, b), (ra, rb), _NO_KWARGS, None, ans, parents))


def _make(value, node):
    """A Tensor produced by a recorded operation (no validation: the hot path)."""
    t = _object_new(Tensor)
    t.value = value
    t.requires_grad = True
    t.grad = None
    t._node = node
    t._shared = False
    t._owned = True
    t._view_of = t._views = None
    return t


def _wrap_plain(value):
    """Box the result of an unrecorded operation, so code keeps working on Tensors."""
    if isinstance(value, (np.ndarray, np.generic, numbers.Number)) and not isinstance(value, (bool, np.bool_)):
        t = _make(value, None)
        t.requires_grad = t._owned = False
        return t
    return value
