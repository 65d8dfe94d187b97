"""SGD and Adam, with PyTorch's update equations, in two styles that share one implementation.

Tensors (PyTorch style)::

    w = sg.tensor(np.zeros(3), requires_grad=True)
    opt = sg.optim.Adam([w], lr=0.01)       # or a dict / list / dataclass of Tensors: its leaves are taken
    for _ in range(100):
        opt.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        opt.step()                      # replaces w.value; w stays the same leaf Tensor

Functional (arrays, floats, or structures of them: lists, tuples, dicts, NamedTuples, dataclasses)::

    opt = sg.optim.Adam(params, lr=0.01)      # or Adam(lr=0.01): params are optional here
    params = opt.update(params, grads)  # a new structure of the same shape; state kept per leaf

Parameter groups, PyTorch style, in both styles: ``Adam([{"params": body, "lr": 1e-3}, {"params": head}],
lr=1e-2)`` (a group without a value takes the optimiser's), and ``opt.add_param_group({"params": new, "lr": ...})``
later. In the functional style the optimiser recognises the arrays it returned: a structure that grew (a layer
inserted, another removed) keeps the state (moments, step counts) of every parameter it had, and a new parameter
starts fresh (in the group it was added with, else with the optimiser's own values). Non-float leaves (ints,
strings, functions: gradient ``None``) are carried along unchanged.

Each optimiser writes its update equation once, in ``_update(param, grad, state, h)`` on raw values (``h``: the
hyperparameters of the parameter's group), and both ``step()`` and ``update()`` call it. Updated values keep each
parameter's type and dtype (a float stays a float, a float32 array stays float32).
"""

import dataclasses
import math
import numbers

import numpy as np

from .runtime.helpers import float_dtype
from .tape import Tensor, enable_grad
from .tree import is_float_leaf, is_tree, tree_flatten, tree_unflatten

__all__ = ["Optimizer", "SGD", "Adam"]


def _check_number(name, value, low=0.0, high=None, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return float(value)


def _restore(new, old):
    """``new`` with the type and dtype of the parameter ``old`` it replaces."""
    if isinstance(old, numbers.Real) and not isinstance(old, np.generic):
        return float(new)
    dtype = float_dtype(old)
    if isinstance(old, np.generic):
        return dtype.type(new)
    return np.asarray(new, dtype=dtype)


def _leaves_of(params):
    """The leaves of a group's ``params``: a structure's leaves, one Tensor or array, or an iterable's items."""
    if is_tree(params):
        return tree_flatten(params)[0]
    if isinstance(params, (Tensor, np.ndarray, numbers.Number)):
        return [params]
    return list(params)


class _New:
    """The first item of the state key of a parameter new among those the optimiser returned."""

    def __repr__(self):
        return "new"


_NEW = _New()


class _Attribute(str):
    """A step of a path into a dataclass: a field name."""


def _path_text(path):
    return "params" + "".join(f".{p}" if isinstance(p, _Attribute) else f"[{p!r}]" for p in path)


class Optimizer:
    """Base class: parameter groups, ``zero_grad``/``step`` (Tensors) and ``update`` (functional).

    Subclasses list their hyperparameters in ``HYPERPARAMETERS`` (attributes of the optimiser: the values of a group
    that does not set its own) and define ``_update(param, grad, state, h) -> new_param`` on raw values; ``state`` is
    a dict private to one parameter (one Tensor, or one leaf of ``update``'s structure), ``h`` the hyperparameters
    of its group (a dict)."""

    HYPERPARAMETERS = ("lr",)

    def __init__(self, params=None):
        self.state = {}
        self.params = None          # the Tensors (tensor style), in group order
        self.param_groups = []      # [{"params": [...], <hyperparameters it sets>}, ...]
        self._returned = {}         # functional: id(value returned) -> (value, state key)
        self._group_of = {}         # functional: state key -> group index; id(registered leaf) -> (leaf, group)
        self._registered = {}
        self._fresh = 0
        if params is None:
            return
        self._check_not_a_number(params)
        groups = self._groups(params)
        leaves = [leaf for group in groups for leaf in _leaves_of(group["params"])]
        if not leaves:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if any(isinstance(leaf, Tensor) for leaf in leaves):
            self.params = []
        for group in groups:
            self.add_param_group(group)

    def _check_not_a_number(self, params):
        if isinstance(params, (numbers.Number, Tensor)) and not isinstance(params, bool):
            hint = f" (did you mean lr={params!r}?)" if isinstance(params, numbers.Number) else ""
            raise TypeError(f"{type(self).__name__}(params, ...) takes Tensors, or a structure of arrays{hint}")

    def _groups(self, params):
        """``params`` as a list of group dicts: PyTorch's ``[{"params": ...}, ...]``, or one group of every leaf."""
        if isinstance(params, (list, tuple)) and params and all(isinstance(g, dict) and "params" in g
                                                                  for g in params):
            return [dict(g) for g in params]
        if not is_tree(params) and not isinstance(params, np.ndarray):
            params = list(params)      # an iterable of Tensors (a generator, model.parameters())
        return [{"params": params}]

    def add_param_group(self, group):
        """Add a group ``{"params": Tensors or a structure of arrays, "lr": ..., ...}``: its parameters are updated
        with its own hyperparameters (those it leaves out: the optimiser's). Works mid-training (a layer added to a
        network); the state of the other parameters is kept. An array already in another group is a ValueError."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a parameter group is a dict with a 'params' entry")
        unknown = set(group) - {"params"} - set(self.HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no hyperparameter {sorted(unknown)[0]!r}; its "
                             f"hyperparameters are {list(self.HYPERPARAMETERS)}")
        overrides = {k: v for k, v in group.items() if k != "params"}
        checked = type(self)(**{**self._hyperparameters({}), **overrides})   # the constructor's checks
        overrides = {k: getattr(checked, k) for k in overrides}
        leaves = _leaves_of(group["params"])
        index = len(self.param_groups)
        if self.params is not None:
            # a structure of Tensors may carry other leaves (an activation function, a name): not parameters
            leaves = [p for p in leaves if isinstance(p, Tensor) or is_float_leaf(p)
                      or isinstance(p, numbers.Number) and not isinstance(p, bool)]
            for i, p in enumerate(leaves):
                if not isinstance(p, Tensor):
                    raise TypeError(
                        f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor; this "
                        "optimiser was built over Tensors (arrays: the functional style, update(params, grads))")
                if not p.requires_grad or not p.is_leaf:
                    raise ValueError(f"{type(self).__name__}: parameter {i} must be a leaf Tensor with "
                                     f"requires_grad=True")
            if len({id(p) for p in self.params + leaves}) != len(self.params) + len(leaves):
                raise ValueError(f"{type(self).__name__}: the same Tensor appears twice in params")
            self.params.extend(leaves)
        else:
            for leaf in leaves:
                if isinstance(leaf, Tensor):
                    raise TypeError(f"{type(self).__name__} was built for the functional style (arrays); a Tensor "
                                    "cannot be added to it")
                if is_float_leaf(leaf):
                    known = self._registered.get(id(leaf))
                    if known is not None and known[0] is leaf and known[1] != index:
                        raise ValueError(f"{type(self).__name__}: an array appears in more than one parameter group "
                                         f"(groups {known[1]} and {index}); which hyperparameters would it take?")
                    self._registered[id(leaf)] = (leaf, index)
        self.param_groups.append({"params": leaves, **overrides})

    def _hyperparameters(self, group):
        return {name: group.get(name, getattr(self, name)) for name in self.HYPERPARAMETERS}

    def zero_grad(self):
        """Reset the gradient of every parameter to None (before the next backward)."""
        for p in self._tensors("zero_grad"):
            p.grad = None

    def step(self, closure=None):
        """Update every parameter Tensor that has a gradient (those with ``.grad`` None are skipped).

        ``closure``, if given, is called first (with recording on) to recompute the loss and its
        gradients; its result is returned."""
        self._tensors("step")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        i = 0
        for group in self.param_groups:
            h = self._hyperparameters(group)
            for p in group["params"]:
                if p.grad is not None:
                    if np.shape(p.grad) != np.shape(p.value):
                        raise ValueError(f"parameter {i} has shape {np.shape(p.value)} but its grad has shape "
                                         f"{np.shape(p.grad)}")
                    p.value = _restore(self._update(p.value, p.grad, self.state.setdefault(i, {}), h), p.value)
                i += 1
        return loss

    def update(self, params, grads):
        """Functional step: return new parameters with the structure of ``params``.

        ``params`` and ``grads`` are matching arrays, floats, or structures of them (lists, tuples, dicts,
        NamedTuples, dataclasses; what ``sg.grad`` returns for a structure); a ``None`` gradient leaves its
        parameter unchanged (non-float leaves such as ints, strings and functions have one). The state (momentum,
        moments, step count) follows each parameter: pass what the last update returned, grown or shrunk as you
        like (a new layer starts with fresh state); for a structure the optimiser did not return, the state is
        kept per leaf position."""
        if self.params is not None:
            raise ValueError(f"this {type(self).__name__} was built over Tensors: use step(), or build "
                             f"one with no params for update()")
        leaves = tree_flatten(params)[0]
        self._by_identity = any(self._returned.get(id(leaf), (None,))[0] is leaf for leaf in leaves)
        self._used, self._next_returned = set(), {}
        out = self._update_tree(params, grads, ())
        self._returned = self._next_returned
        return out

    # ---- internals

    def _tensors(self, method):
        if self.params is None:
            raise ValueError(f"{method}() needs parameter Tensors: build {type(self).__name__}([w, b], ...), "
                             f"or use update(params, grads) in the functional style")
        return self.params

    def _update_tree(self, params, grads, path):
        if not is_tree(params):      # (as for sg.grad: subclasses of list, tuple and dict are leaves)
            return self._update_leaf(params, grads, path)
        if isinstance(params, dict):
            if not isinstance(grads, dict) or set(grads) != set(params):
                got = sorted(map(repr, grads)) if isinstance(grads, dict) else type(grads).__name__
                raise ValueError(f"grads do not match params at {_path_text(path)}: expected a dict with "
                                 f"keys {sorted(map(repr, params))}, got {got}")
            return {k: self._update_tree(params[k], grads[k], path + (k,)) for k in params}
        if isinstance(params, (list, tuple)):
            if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
                got = f"length {len(grads)}" if isinstance(grads, (list, tuple)) else type(grads).__name__
                raise ValueError(f"grads do not match params at {_path_text(path)}: expected a sequence of "
                                 f"length {len(params)}, got {got}")
            items = [self._update_tree(p, g, path + (i,)) for i, (p, g) in enumerate(zip(params, grads))]
            if isinstance(params, tuple) and hasattr(params, "_fields"):  # a namedtuple (not through its __new__)
                return tuple.__new__(type(params), items)
            return type(params)(items)
        # a dataclass
        if type(grads) is not type(params):
            raise ValueError(f"grads do not match params at {_path_text(path)}: expected a "
                             f"{type(params).__name__}, got {type(grads).__name__}")
        names = [f.name for f in dataclasses.fields(params)]
        items = {n: self._update_tree(getattr(params, n), getattr(grads, n), path + (_Attribute(n),))
                 for n in names}
        return tree_unflatten(tree_flatten(params)[1], [leaf for n in names
                                                         for leaf in tree_flatten(items[n])[0]])

    def _update_leaf(self, param, grad, path):
        for what, value in (("parameter", param), ("gradient", grad)):
            if isinstance(value, Tensor):
                raise TypeError(f"update() takes raw arrays and numbers; the {what} at {_path_text(path)} "
                                f"is a Tensor (use step() for Tensors)")
        number = isinstance(param, (numbers.Number, np.ndarray, np.generic)) and not isinstance(param, bool)
        if grad is None:
            if isinstance(param, np.ndarray):   # (not a number: 3 or a literal 1.0 is the same object everywhere)
                self._remember(param, self._key(param, path))
            return param
        if not number:
            raise ValueError(f"the parameter at {_path_text(path)} is a {type(param).__name__}, not a "
                             f"number or an array")
        if np.shape(grad) != np.shape(param):
            raise ValueError(f"the gradient at {_path_text(path)} has shape {np.shape(grad)}, its "
                             f"parameter {np.shape(param)}")
        key = self._key(param, path)
        state = self.state.setdefault(key, {"shape": np.shape(param)})
        if state["shape"] != np.shape(param):
            raise ValueError(f"the parameter at {_path_text(path)} changed shape from {state['shape']} to "
                             f"{np.shape(param)} between updates")
        group = self._group_of.get(key)
        if group is None:
            registered = self._registered.get(id(param))
            group = registered[1] if registered is not None and registered[0] is param else None
            self._group_of[key] = group
        h = self._hyperparameters({} if group is None else self.param_groups[group])
        new = _restore(self._update(param, grad, state, h), param)
        self._remember(new, key)
        return new

    def _key(self, param, path):
        """The state key of a leaf: the one of the value this optimiser returned, if it is one (identity: the
        structure may have grown); a new one for a new leaf among returned ones; else its position."""
        if self._by_identity:
            returned = self._returned.get(id(param))
            if returned is not None and returned[0] is param:
                key = returned[1]
                # the same array again (weights tied anew each step): a state of its own, the same every step
                again = 0
                while key in self._used:
                    again += 1
                    key = (_NEW, returned[1], again)
            else:
                self._fresh += 1
                key = (_NEW, self._fresh)    # (no path is (_NEW, n): keys of the two kinds never meet)
        else:
            key = path
        self._used.add(key)
        return key

    def _remember(self, value, key):
        self._next_returned[id(value)] = (value, key)

    def _update(self, param, grad, state, h):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    With ``g`` the gradient plus ``weight_decay * param``: if ``momentum`` is not 0, the buffer is
    ``b = g`` on the first step and ``b = momentum * b + (1 - dampening) * g`` after; the step uses
    ``g + momentum * b`` (``nesterov=True``) or ``b``. Then ``param = param - lr * step``.
    """

    def __init__(self, params=None, lr=None, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self._check_not_a_number(params)
        if lr is None:
            raise ValueError("SGD needs a learning rate: SGD(params, lr=0.1) or SGD(lr=0.1)")
        self.lr = _check_number("lr", lr)
        self.momentum = _check_number("momentum", momentum)
        self.dampening = _check_number("dampening", dampening)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params)

    HYPERPARAMETERS = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def _update(self, param, grad, state, h):
        if h["weight_decay"]:
            grad = grad + h["weight_decay"] * param
        if h["momentum"]:
            buf = state.get("momentum_buffer")
            buf = grad if buf is None else h["momentum"] * buf + (1 - h["dampening"]) * grad
            state["momentum_buffer"] = buf
            grad = grad + h["momentum"] * buf if h["nesterov"] else buf
        return param - h["lr"] * grad


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (L2 ``weight_decay`` added to the gradient; not AdamW).

    With ``g`` the gradient plus ``weight_decay * param`` and ``t`` the step count of this parameter::

        m = beta1 * m + (1 - beta1) * g             m_hat = m / (1 - beta1 ** t)
        v = beta2 * v + (1 - beta2) * g * g         v_hat = v / (1 - beta2 ** t)
        param = param - lr * m_hat / (sqrt(v_hat) + eps)

    With ``amsgrad=True``, ``v_max = max(v_max, v)`` (of the raw second moments, as torch's
    implementation does) and ``v_hat = v_max / (1 - beta2 ** t)``.
    """

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        self.lr = _check_number("lr", lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_number("betas[0]", betas[0], high=1.0, high_open=True),
                      _check_number("betas[1]", betas[1], high=1.0, high_open=True))
        self.eps = _check_number("eps", eps)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)
        super().__init__(params)

    HYPERPARAMETERS = ("lr", "betas", "eps", "weight_decay", "amsgrad")

    def _update(self, param, grad, state, h):
        beta1, beta2 = h["betas"]
        if h["weight_decay"]:
            grad = grad + h["weight_decay"] * param
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0.0) + (1 - beta1) * grad
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * grad * grad
        state.update(step=t, exp_avg=m, exp_avg_sq=v)
        if h["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0.0), v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        return param - h["lr"] * m_hat / (np.sqrt(v_hat) + h["eps"])
