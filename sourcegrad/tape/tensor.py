"""The ``Tensor`` class: a value whose operations are recorded, with NumPy's protocols and ndarray methods."""

import functools
import math
import numbers
import operator
import weakref

import numpy as np

from ..runtime.helpers import float_dtype, updated
from .errors import GradientLostError, InPlaceError, InPlaceMethodError
from .mode import _mode
from .graph import GradFn, _name


_object_new = object.__new__


def _on_array(method):
    """Call an ndarray method on a raw value that may be a Python float or a NumPy scalar."""

    def call(x, *args, **kwargs):
        return method(x if type(x) is np.ndarray else np.asarray(x), *args, **kwargs)

    return call


def _property_getter(descriptor):
    def get(x):
        return descriptor.__get__(x if type(x) is np.ndarray else np.asarray(x))

    return get


_METHOD_IMPLS = {}


_INPLACE_METHODS = frozenset({"put", "resize", "setfield", "setflags", "itemset"})


def _method(name, self, args, kwargs):
    """Record ``self.<name>(*args, **kwargs)`` under the primitive ``np.ndarray.<name>``."""
    fn = getattr(np.ndarray, name)
    impl = _METHOD_IMPLS.get(name)
    if impl is None:
        impl = _METHOD_IMPLS[name] = _on_array(fn)
    if name == "view" and args and all(isinstance(a, (int, tuple, list)) and not isinstance(a, bool) for a in args):
        raise TypeError(f"Tensor.view{args} is NumPy's view, which takes a dtype, not a shape (PyTorch's view); "
                        f"write t.reshape{args} (sourcegrad keeps NumPy's names)")
    if kwargs or len(args) > 1:  # perhaps out= (x.sum(out=buf)): see _function_with_out
        if kwargs and ("dim" in kwargs or "keepdim" in kwargs):
            raise TypeError(f"Tensor.{name}() takes NumPy's keywords: axis= and keepdims= (PyTorch's dim= and "
                            f"keepdim= are not NumPy's; sourcegrad keeps NumPy's names)")
        done = _function_with_out(fn, (self,) + args, kwargs, impl)
        if done is not _NOT_HANDLED:
            return done
    return _apply(fn, (self,) + args, kwargs, impl)


def _check_value(value, requires_grad):
    """Validate and normalise what a Tensor may hold: a number or a numeric array."""
    if isinstance(value, Tensor):
        value = value.value
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if isinstance(value, (bool, np.bool_)) or isinstance(value, np.ndarray) and value.dtype == bool:
        if requires_grad:
            raise TypeError("a boolean Tensor cannot require grad: only floating-point values have gradients")
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, np.generic):
        if requires_grad and isinstance(value, numbers.Integral):
            return float(value)
        if not isinstance(value, (int, float, complex)):  # Fraction, Decimal...
            return float(value) if requires_grad else value
        return value
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "iufc":
        if requires_grad and value.dtype.kind in "iu":
            value = value.astype(np.float64)
        return value
    kind = type(value).__name__ if not isinstance(value, (np.ndarray, np.generic)) else f"array of {value.dtype}"
    raise TypeError(f"a Tensor holds a number or an array of numbers, not a {kind}")


def _keep_kind(new, old):
    """``new`` converted to the type, dtype and shape of ``old`` (for updates that keep a leaf)."""
    if type(old) is float:
        return float(new)
    if isinstance(old, np.generic):
        return old.dtype.type(new)
    new = np.asarray(new, dtype=np.result_type(old))
    if new.shape != np.shape(old):
        raise ValueError(f"an in-place update may not change a Tensor's shape {np.shape(old)} to {new.shape}")
    return new


def _raw(x):
    """The value of a Tensor; anything else as it is."""
    return x.value if isinstance(x, Tensor) else x


def _inplace_op(fn, ifn):
    """The method ``__i<op>__`` of Tensor: ``fn`` is the operator (``operator.add``), ``ifn`` its
    in-place form (``operator.iadd``). See the module docstring for the semantics."""

    def method(self, other):
        if isinstance(self.value, np.ndarray):
            return _update_array(fn, ifn, self, other)
        return _update_number(fn, self, other)

    method.__name__ = f"__i{fn.__name__.strip('_')}__"
    return method


def _forward_op(fn):
    def method(self, other):
        return _binary(fn, self, other)

    method.__name__ = f"__{fn.__name__.strip('_')}__"
    return method


def _reflected_op(fn):
    def method(self, other):
        return _binary(fn, other, self)

    method.__name__ = f"__r{fn.__name__.strip('_')}__"
    return method


class Tensor:
    """A value (a Python number or an ndarray) whose operations are recorded for ``backward()``.

    Arithmetic, indexing, the usual ndarray methods and NumPy functions all work on Tensors, each
    looking up the derivative rule of the primitive it calls (``a + b`` -> ``operator.add``,
    ``x.sum(0)`` -> ``np.ndarray.sum``, ``np.sin(x)`` -> ``np.sin``).
    """

    # _shared: the value array may be seen through other arrays too (views, the array the Tensor was
    # made from, .numpy()...), so the tape refuses to update it in place (see _update_array).
    # _owned: only the graph holds the array (the result of a recorded operation, or a view of one,
    # not handed out): no code can write into it, so value_and_grad_tape need not protect it.
    # _view_of, _views: the tree of views of one array of the graph (see _write_through).
    __slots__ = ("value", "requires_grad", "grad", "_node", "_shared", "_owned", "_view_of", "_views",
                 "__weakref__")
    __array_priority__ = 1000.0
    __hash__ = object.__hash__  # by identity, like PyTorch; == compares values elementwise

    def __init__(self, value, requires_grad=False):
        self.value = _check_value(value, requires_grad)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None
        # an array given (not a copy made here) is the caller's too, as is the array of a Tensor given
        self._shared = isinstance(self.value, np.ndarray) and self.value is _raw(value)
        self._owned = False
        self._view_of = self._views = None
        if self._shared and isinstance(value, Tensor):
            _escape(value)

    # ---- views of the value

    @property
    def data(self):
        """The raw value (alias of ``.value``); assigning replaces it and keeps the Tensor.

        Inside a function differentiated by ``value_and_grad_tape`` it raises ``GradientLostError`` on
        a Tensor that requires grad, as ``.numpy()`` does (NumPy code reading ``x.data``, the buffer of
        an array, would silently lose the gradient); use ``x.detach().data`` there."""
        if _mode.functional:
            self._check_convert(".data")
        _escape(self)
        return self.value

    @data.setter
    def data(self, value):
        self.value = _check_value(value, self.requires_grad)
        self._shared = True
        self._owned = False

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def dtype(self):
        return np.result_type(self.value)

    @property
    def ndim(self):
        return np.ndim(self.value)

    @property
    def size(self):
        return np.size(self.value)

    @property
    def is_leaf(self):
        """True for a Tensor that was not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self):
        """What computed this Tensor: a ``GradFn`` (its ``name`` is the primitive, e.g. ``'np.multiply'``, which
        it also compares equal to), or None for a leaf."""
        return None if self._node is None else GradFn(self._node)

    def requires_grad_(self, requires_grad=True):
        """Make this leaf require grad (or not), in place, as in PyTorch; returns the Tensor. Integers are
        promoted to float. A Tensor computed by recorded operations cannot stop requiring grad: use
        ``t.detach()``."""
        if self._node is not None:
            if requires_grad:
                return self
            raise RuntimeError("requires_grad_(False) on a Tensor computed by recorded operations: it is part of "
                               "the graph; use t.detach() for a Tensor without gradient")
        self.value = _check_value(self.value, requires_grad)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep this Tensor's gradient in ``.grad`` at the next ``backward()``, although it is no leaf (as in
        PyTorch); on a leaf it does nothing (leaves always get theirs)."""
        if self._node is None:
            return
        self._node.retained = weakref.ref(self)

    # ---- PyTorch's tensor methods whose NumPy spelling is a function (np.exp(t)...): recorded the same way

    def exp(self):
        return _unary(np.exp, self)

    def log(self):
        return _unary(np.log, self)

    def sqrt(self):
        return _unary(np.sqrt, self)

    def tanh(self):
        return _unary(np.tanh, self)

    def sin(self):
        return _unary(np.sin, self)

    def cos(self):
        return _unary(np.cos, self)

    def abs(self):
        return _unary(np.abs, self)

    def sigmoid(self):
        """``1 / (1 + exp(-t))``, recorded as those operations."""
        return 1.0 / (1.0 + _unary(np.exp, -self))

    def relu(self):
        """``np.where(t > 0, t, 0)``: the gradient is 0 where ``t <= 0`` (at 0 too, as in PyTorch)."""
        if isinstance(self.value, np.ndarray):
            return _apply(np.where, (self.value > 0, self, 0.0), None)
        return self if self.value > 0 else self * 0.0 + 0.0  # (+ 0.0: never -0.0)

    def pow(self, exponent):
        return self ** exponent

    def clamp(self, min=None, max=None):
        """``np.clip(t, min, max)`` (PyTorch's name; either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clamp() needs min or max (or both)")
        return _method("clip", self, (min, max), None)

    @property
    def T(self):
        return _apply(np.ndarray.T, (self,), None, _T_IMPL)

    @property
    def flat(self):
        """Like ``ndarray.flat``: iterating, indexing and item assignment through it are recorded (as
        ``t.flatten()[i]`` and ``t[np.unravel_index(i, t.shape)] = v``), never on the raw values."""
        return _FlatTensor(self)

    @flat.setter
    def flat(self, value):
        """``t.flat = v``: as ``t.flat[...] = v`` (recorded as item assignment)."""
        _FlatTensor(self)[...] = value

    def detach(self):
        """A new Tensor with the same value that does not require grad (no copy of the data)."""
        return Tensor(self)

    def item(self, *args):
        """The value as a Python number, as in PyTorch: ``print(loss.item())`` leaves the tape.

        Inside a function differentiated by ``value_and_grad_tape`` (``sg.grad(f, mode="tape")``)
        it is recorded as ``np.ndarray.item`` instead, so that ``return x.item() ** 2`` gets the same
        gradient as in source mode rather than silently none; use ``x.detach().item()`` there to
        leave the tape on purpose."""
        if _mode.functional and self.requires_grad and _mode.enabled:
            return _method("item", self, args, None)
        v = self.value
        return v.item(*args) if isinstance(v, (np.ndarray, np.generic)) else v

    def numpy(self):
        """The value as an ndarray (do not mutate it); like ``.item()``, this leaves the tape.

        Inside a function differentiated by ``value_and_grad_tape`` it raises ``GradientLostError``
        on a Tensor that requires grad instead, since the gradient would silently be lost there; use
        ``x.detach().numpy()`` to drop it on purpose."""
        if _mode.functional:
            self._check_convert(".numpy()")
        _escape(self)
        return np.asarray(self.value)

    def __repr__(self):
        value = self.value
        if isinstance(value, np.generic):  # show np.float32(0.5) as 0.5, dtype=float32
            body = str(value) if value.dtype in (np.float64, np.int64) else f"{value}, dtype={value.dtype}"
        else:
            body = repr(value).replace("\n", "\n       ")
        if self._node is not None:
            return f"Tensor({body}, grad_fn=<{self.grad_fn}>)"
        if self.requires_grad:
            return f"Tensor({body}, requires_grad=True)"
        return f"Tensor({body})"

    def _repr_html_(self):
        """The notebook display (``sourcegrad.display.tensor_html``)."""
        from ..display import tensor_html

        return tensor_html(self)

    def _repr_markdown_(self):
        """The Markdown display (``sourcegrad.display.tensor_markdown``)."""
        from ..display import tensor_markdown

        return tensor_markdown(self)

    def __str__(self):
        # inside sg.grad the function computes what it computes on plain values (len(str(a)), f"{a}", print)
        return str(self.value) if _mode.functional else repr(self)

    def __format__(self, spec):
        return format(self.value, spec) if spec or _mode.functional else repr(self)

    # ---- what type checks see: the value's class (isinstance(x, np.ndarray), isinstance(s, float),
    # np.isscalar(s), numbers.Number, x.__class__.__name__, functools.singledispatch...), so code that
    # branches on the kind of its argument takes the branch NumPy code would. type(x) itself cannot be
    # changed: `type(x) is np.ndarray` sees Tensor, except in the user's modules inside sg.grad, where
    # `type` is Tensor-aware (namespace.TAPED_TYPE).

    @property
    def __class__(self):
        return type(self.value)

    @property
    def __len__(self):
        """``len(t)``; like a number or a 0-d array, a 0-d Tensor has no length: ``len(t)`` raises
        TypeError and ``hasattr(t, "__len__")`` is False for a Tensor holding a number."""
        value = self.value
        if not isinstance(value, np.ndarray):
            raise _NoLength(f"len() of a 0-d Tensor (it holds a {type(value).__name__})")
        if value.ndim == 0:
            return _len_of_0d

        def length():
            return len(value)

        return length

    def __iter__(self):
        n = len(self)  # TypeError for a 0-d Tensor, as NumPy (so np.iterable(t) is False)
        return (self[i] for i in range(n))

    def __bool__(self):  # allowed: this is how data-dependent control flow works
        return bool(self.value)

    # ---- conversions that would drop the gradient

    def _check_convert(self, what, hint=""):
        """Raise GradientLostError if converting this Tensor (``what``) would silently drop a gradient."""
        if self.requires_grad and _mode.enabled:
            raise GradientLostError(
                f"{what} of a Tensor that requires grad would make a plain value and silently drop "
                f"its gradient (this is what float(x) does, and math.sin(x) or np.asarray(x) in code sg.grad does not reach).{hint} Use NumPy "
                f"functions on the Tensor (np.sin(x)), or convert on purpose with x.detach() (then "
                f".item() or .numpy()), or run the code inside sg.no_grad()."
            )

    def __float__(self):
        self._check_convert("float()", _STORE_HINT)
        return float(self.value)

    def __int__(self):
        """A plain int, as ``round()``, ``math.floor()``... give: rounding has derivative 0 almost
        everywhere, so no gradient is lost (``range(int(n))`` as a trip count)."""
        return int(self.value)

    def __index__(self):
        self._check_convert("using as an index")
        return operator.index(self.value)

    def __complex__(self):
        self._check_convert("complex()")
        return complex(self.value)

    def __array__(self, dtype=None, copy=None):
        self._check_convert("conversion to a NumPy array", _ARRAY_METHOD_HINT)
        if copy:
            return np.array(self.value, dtype=dtype, copy=True)
        _escape(self)  # the caller may now hold the array itself
        return np.asarray(self.value, dtype=dtype)

    # rounding is non-differentiable (zero derivative almost everywhere): plain results
    def __round__(self, ndigits=None):
        return round(self.value, ndigits) if ndigits is not None else round(self.value)

    def __floor__(self):
        return math.floor(self.value)

    def __ceil__(self):
        return math.ceil(self.value)

    def __trunc__(self):
        return math.trunc(self.value)

    # ---- operators

    __add__ = _forward_op(operator.add)
    __sub__ = _forward_op(operator.sub)
    __mul__ = _forward_op(operator.mul)
    __truediv__ = _forward_op(operator.truediv)
    __floordiv__ = _forward_op(operator.floordiv)
    __mod__ = _forward_op(operator.mod)
    __pow__ = _forward_op(operator.pow)
    __matmul__ = _forward_op(operator.matmul)
    __radd__ = _reflected_op(operator.add)
    __rsub__ = _reflected_op(operator.sub)
    __rmul__ = _reflected_op(operator.mul)
    __rtruediv__ = _reflected_op(operator.truediv)
    __rfloordiv__ = _reflected_op(operator.floordiv)
    __rmod__ = _reflected_op(operator.mod)
    __rpow__ = _reflected_op(operator.pow)
    __rmatmul__ = _reflected_op(operator.matmul)
    __iadd__ = _inplace_op(operator.add, operator.iadd)
    __isub__ = _inplace_op(operator.sub, operator.isub)
    __imul__ = _inplace_op(operator.mul, operator.imul)
    __itruediv__ = _inplace_op(operator.truediv, operator.itruediv)
    __ifloordiv__ = _inplace_op(operator.floordiv, operator.ifloordiv)
    __imod__ = _inplace_op(operator.mod, operator.imod)
    __ipow__ = _inplace_op(operator.pow, operator.ipow)
    __imatmul__ = _inplace_op(operator.matmul, operator.imatmul)
    __lt__ = _forward_op(operator.lt)
    __le__ = _forward_op(operator.le)
    __gt__ = _forward_op(operator.gt)
    __ge__ = _forward_op(operator.ge)
    __eq__ = _forward_op(operator.eq)
    __ne__ = _forward_op(operator.ne)

    def __neg__(self):
        return _unary(operator.neg, self)

    def __pos__(self):
        return _unary(operator.pos, self)

    def __abs__(self):
        return _unary(abs, self)

    def __getitem__(self, index):
        return _apply(operator.getitem, (self, index), None)

    def __setitem__(self, index, item):
        """``t[index] = item``, with the semantics of in-place operators (see the module docstring)."""
        recorded = _mode.enabled and (self.requires_grad or isinstance(item, Tensor) and item.requires_grad)
        if recorded and isinstance(self.value, np.ndarray):
            if self.requires_grad and self._node is None and not _is_argument(self):
                raise InPlaceError(
                    "item assignment into a leaf Tensor that requires grad: the gradient is taken with respect "
                    "to its value before the change. Copy it first (y = x.copy()) and write into the copy."
                )
            if _blocks_recorded_write(self):
                raise InPlaceError("item assignment into a Tensor whose array is shared with other arrays "
                                   "(views): they would not see it. Copy it first (y = y.copy()).")
            if _is_stale_view_of(item, self):
                raise InPlaceError(_STALE_VIEW_WRITE)
            _check_writeable(self)
            # Recorded as y = updated(y, index, item): a new value and history, the old array untouched.
            new = _apply(updated, (self, index, item), None)
            self.value, self._node, self.requires_grad = new.value, new._node, new._node is not None
            self._owned = True
            _after_update(self)
            return
        if self.requires_grad and _mode.enabled:
            raise InPlaceError(
                "item assignment into a Tensor that requires grad is not recorded by the tape. Build "
                "the new value out of place (np.where(mask, new, x), or concatenation), or do the "
                "update inside sg.no_grad()."
            )
        if isinstance(item, Tensor):
            item._check_convert("storing into another Tensor")
            item = item.value
        if not self.requires_grad and isinstance(self.value, np.ndarray):
            self.value[index] = item  # no graph involved: in place, as NumPy (views see it)
            return
        if self._node is not None and _is_shared(self):  # a Tensor of the graph, inside no_grad()
            raise InPlaceError("item assignment into a Tensor of the graph whose array is shared with other "
                               "arrays (views): they would not see it. Build the new value out of place "
                               "(np.where(mask, new, x)) instead.")
        new = np.array(self.value, copy=True)  # never mutate a value the graph may have saved
        new[index] = item
        self.value = _keep_kind(new, self.value) if self.requires_grad else new

    # ---- ndarray methods: .sum(), .reshape(...), .T... go through __getattr__ below, recorded under
    # np.ndarray.<name>; clip is spelled out for its keyword names.

    def clip(self, min=None, max=None, out=None, **kwargs):
        """Like ``ndarray.clip``; recorded as ``np.ndarray.clip(x, min, max)`` (``out=`` as for NumPy
        functions: see ``_call_with_out``)."""
        if out is not None:
            kwargs["out"] = out
        return _method("clip", self, (min, max), kwargs or None)

    def __copy__(self):
        """``copy.copy(t)``: a copy of the value, as ``copy.copy`` of an ndarray makes (see ``__deepcopy__``)."""
        return self.__deepcopy__(None)

    def __deepcopy__(self, memo):
        """``copy.deepcopy(t)``: recorded as ``t.copy()``, so the gradient flows through it (NumPy code
        copies arrays this way); a leaf outside ``value_and_grad_tape`` gives a new leaf, as in PyTorch."""
        if self._node is None and not _mode.functional:
            value = self.value.copy() if isinstance(self.value, np.ndarray) else self.value
            new = Tensor(value, requires_grad=self.requires_grad)
            new._shared = False
        elif isinstance(self.value, np.ndarray):
            new = _method("copy", self, (), None)
        else:
            new = _unary(operator.pos, self)
        if not isinstance(new, Tensor):
            new = _wrap_plain(new)
        if memo is not None:
            memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        """Pickling keeps the value (and ``requires_grad`` of a leaf, as PyTorch), not the history: a
        GradientLostError for a Tensor computed by recorded operations, or for any Tensor that
        requires grad inside ``value_and_grad_tape``, whose unpickled copy would silently have none."""
        if self._node is not None or _mode.functional:
            self._check_convert("pickling (pickle.dumps, multiprocessing...)")
        return Tensor, (self.value, self.requires_grad and self._node is None)

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __getattr__(self, name):
        # Any ndarray method or attribute: recorded under np.ndarray.<name>,
        # so a rule registered for it is used, non-differentiable ones (argmax, nbytes, any...) give
        # plain values, and the rest raise NoRuleError when a gradient would be needed.
        attr = getattr(np.ndarray, name, None) if not name.startswith("_") else None
        if attr is None:
            raise AttributeError(f"'Tensor' object has no attribute {name!r}")
        if name in _UPDATING_METHODS:
            return functools.partial(_update_by_method, name, self)
        if name in _INPLACE_METHODS:
            raise InPlaceMethodError(f"Tensor.{name}() would modify the value in place, which the tape cannot "
                            f"follow; use the function form (np.{name}(x)...) that returns a new array")
        if hasattr(attr, "__get__") and not callable(attr):  # a property such as .real
            return _apply(attr, (self,), None, _property_getter(attr))

        def bound(*args, **kwargs):
            return _method(name, self, args, kwargs)

        bound.__name__ = name
        return bound

    # ---- NumPy protocols

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if method == "at":  # np.add.at(a, index, b): writes into a
            at = ufunc.at
            return _write_into_first(at, f"np.{ufunc.__name__}.at", inputs, kwargs,
                                     lambda target, rest, kw: at(target, *rest, **kw))
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            if any(isinstance(o, Tensor) for o in outs) or _mode.enabled and _requires_grad_in(inputs):
                call = ufunc if method == "__call__" else getattr(ufunc, method)
                rest = {k: v for k, v in kwargs.items() if k != "out"}
                _call_with_out(
                    _name(call), inputs, rest, outs, lambda: call(*inputs, **rest),
                    lambda raws: call(*_raw_all(inputs), **_raw_all(rest), out=raws),
                    lambda: _out_message(ufunc, method, inputs, outs),
                    masked=method == "__call__" and rest.get("where", True) is not True)
                return outs[0] if len(outs) == 1 else outs  # as NumPy does
        if method == "__call__":
            if not kwargs and len(inputs) == 1:  # fast paths for the common calls
                return _unary(ufunc, inputs[0])
            if not kwargs and len(inputs) == 2 and type(inputs[0]) not in (list, tuple) \
                    and type(inputs[1]) not in (list, tuple):
                return _binary(ufunc, inputs[0], inputs[1])
            return _apply(ufunc, inputs, kwargs)
        return _apply(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
            return NotImplemented
        if func in _WRITES_FIRST_ARGUMENT:
            return _write_into_first(func, _name(func), args, kwargs,
                                     lambda target, rest, kw: func(target, *rest, **kw) if target is not None
                                     else func(*rest, **kw))
        done = _function_with_out(func, args, kwargs)
        if done is not _NOT_HANDLED:
            return done
        return _apply(func, args, kwargs)

    # ---- backward

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``gradient`` is the adjoint of ``self`` (needed unless ``self`` is a scalar). The graph's
        saved values are freed afterwards unless ``retain_graph=True``. ``create_graph=True`` records
        the backward pass itself (as in PyTorch): the leaves' ``.grad`` are then Tensors that can be
        differentiated again (``x.grad.backward()``), and the graph is kept unless ``retain_graph=False``."""
        seed = _seed_for(self, gradient, create_graph)
        _backpropagate(self, seed, create_graph if retain_graph is None else retain_graph, create_graph)


def _seed_for(output, gradient, create_graph):
    """The adjoint ``backward`` starts from: ``gradient`` (the value of a Tensor, or the Tensor itself with
    ``create_graph``), or 1 for a scalar ``output``."""
    if not output.requires_grad:
        raise RuntimeError(
            "backward() on a Tensor that does not require grad: it was not computed from any "
            "Tensor created with requires_grad=True (or it was computed inside no_grad())."
        )
    value = output.value
    if gradient is None:
        if np.ndim(value) != 0:
            raise ValueError(
                f"backward() without a gradient needs a scalar Tensor, this one has shape "
                f"{np.shape(value)}; reduce it first (y.sum()) or pass gradient= with that shape."
            )
        return 1.0 if type(value) is float else float_dtype(value).type(1)
    seed = gradient.value if isinstance(gradient, Tensor) else gradient
    if isinstance(seed, (list, tuple)):
        seed = np.asarray(seed)
    if np.shape(seed) != np.shape(value):
        raise ValueError(f"backward(gradient=...) needs shape {np.shape(value)}, got {np.shape(seed)}")
    return gradient if create_graph and isinstance(gradient, Tensor) else seed


_T_IMPL = _property_getter(np.ndarray.T)


class _NoLength(AttributeError, TypeError):
    """``len()`` of a Tensor holding a number: a TypeError for len(), an AttributeError for hasattr()."""


def _len_of_0d():
    raise TypeError("len() of a 0-d Tensor")


class _FlatTensor:
    """``t.flat`` for a Tensor ``t``: a flat view whose reads are recorded through ``t.flatten()`` and whose
    item assignments go through ``Tensor.__setitem__`` (its semantics and errors)."""

    __slots__ = ("base",)

    def __init__(self, t):
        self.base = t

    def __len__(self):
        return int(np.size(self.base.value))

    def _flattened(self):
        # a recorded copy (np.ravel would make a view, and mark the Tensor shared: see _note_sharing)
        return _method("flatten", self.base, (), None)

    def __iter__(self):
        flat = self._flattened()  # recorded once; its items are recorded as it is iterated
        for i in range(len(self)):
            yield flat[i]

    def __getitem__(self, index):
        return self._flattened()[index]

    def __setitem__(self, index, item):
        t = self.base
        if not isinstance(t.value, np.ndarray):
            raise TypeError("item assignment through .flat into a Tensor holding a number")
        index = _raw(index)
        if isinstance(index, Tensor):
            index._check_convert("using as an index")
        if type(item) in (list, tuple):   # t.flat = [a, b]: one Tensor, recorded (np.size would convert a and b)
            from .namespace import _has_tensor, _stacked
            if _has_tensor(item):
                item = np.stack([_stacked(v) for v in item])
        positions = np.arange(t.value.size)[index]
        if np.ndim(positions) and np.size(item) not in (1, positions.size):
            raise InPlaceError(f"t.flat[...] = v with {np.size(item)} values for {positions.size} places repeats the "
                               f"values, which the tape does not record; give one value per place")
        if np.ndim(item) and np.shape(item) != np.shape(positions) and np.size(item) == np.size(positions):
            item = np.reshape(item, np.shape(positions))
        t[np.unravel_index(positions, t.value.shape)] = item

    def __array__(self, dtype=None, copy=None):
        self.base._check_convert("conversion of t.flat to a NumPy array")
        return np.array(self.base.value, dtype=dtype).ravel()

    def __repr__(self):
        return f"<flat iterator of {self.base!r}>"


def _requires_grad_in(values):
    """Whether a Tensor that requires grad is among ``values`` (or inside a list/tuple among them)."""
    for v in values:
        if isinstance(v, Tensor):
            if v.requires_grad:
                return True
        elif type(v) in (list, tuple) and _requires_grad_in(v):
            return True
    return False


def _raw_all(x):
    """``x`` with every Tensor replaced by its value, inside lists, tuples and dicts too."""
    if isinstance(x, Tensor):
        return x.value
    if type(x) in (list, tuple):
        return type(x)(_raw_all(v) for v in x)
    if type(x) is dict:
        return {k: _raw_all(v) for k, v in x.items()}
    return x


_BUILD_AS_TENSOR = (
    "Build the array as a Tensor instead: collect the values in a list and use `np.stack(items)`, or start "
    "from an array computed from the Tensor (`y = x * 0.0`, or `y = np.zeros(n) + 0.0 * x[0]` for another "
    "shape), into which `y[i] = t` is recorded.")


_STORE_HINT = (
    " Storing the Tensor into a plain NumPy array (a[i] = t with a = np.zeros(n), np.fromiter(...)) does it"
    " too (NumPy then reports 'setting an array element with a sequence'): " + _BUILD_AS_TENSOR
)


_ARRAY_METHOD_HINT = (
    " A method of a plain NumPy array called with a Tensor (y.dot(x), y.clip(x)...) converts it this way:"
    " ndarray methods cannot see Tensors, so call the function form instead (np.dot(y, x), np.clip(y, x))."
)


def tensor(value, requires_grad=False):
    """Make a Tensor. Integers are promoted to float when ``requires_grad=True``; booleans,
    strings and other objects cannot require grad (``TypeError``). An ndarray is used as it is, not
    copied (like ``np.asarray``; unless converted to float): in-place updates without gradient write
    into it."""
    return Tensor(value, requires_grad=requires_grad)


# The modules below build on Tensor (they import it from here), and the methods above call them:
# imported last, once Tensor exists.
from .protection import _escape, _is_argument  # noqa: E402
from .views import _blocks_recorded_write, _is_shared  # noqa: E402
from .recording import _apply, _binary, _unary, _wrap_plain  # noqa: E402
from .updates import (  # noqa: E402
    _STALE_VIEW_WRITE, _UPDATING_METHODS, _after_update, _check_writeable, _is_stale_view_of, _update_array,
    _update_by_method, _update_number,
)
from .writes import (  # noqa: E402
    _NOT_HANDLED, _WRITES_FIRST_ARGUMENT, _call_with_out, _function_with_out, _out_message, _write_into_first,
)
from .backward import _backpropagate  # noqa: E402
