"""SGD and Adam, with PyTorch's update equations, in two styles that share one implementation.

Tensors (PyTorch style)::

    w = sg.tensor(np.zeros(3), requires_grad=True)
    opt = sg.optim.Adam([w], lr=0.01)
    for _ in range(100):
        opt.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        opt.step()                      # replaces w.value; w stays the same leaf Tensor

Functional (arrays, floats, or nested dicts/lists/tuples of them)::

    opt = sg.optim.Adam(lr=0.01)
    params = {"w": np.zeros(3), "b": 0.0}
    params = opt.update(params, grads)  # a new structure of the same shape; state kept per leaf

Each optimiser writes its update equation once, in ``_update(param, grad, state)`` on raw values,
and both ``step()`` and ``update()`` call it. Updated values keep each parameter's type and dtype
(a float stays a float, a float32 array stays float32).
"""

import math
import numbers

import numpy as np

from .runtime.helpers import float_dtype
from .tape import Tensor, enable_grad

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


def _path_text(path):
    return "params" + "".join(f"[{p!r}]" for p in path)


class Optimizer:
    """Base class: parameter bookkeeping, ``zero_grad``/``step`` and ``update``.

    Subclasses define ``_update(param, grad, state) -> new_param`` on raw values; ``state`` is a
    dict private to one parameter (one Tensor, or one leaf position in ``update``'s structure)."""

    def __init__(self, params=None):
        self.state = {}
        if params is None:
            self.params = None
            return
        self._check_not_a_number(params)
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor; for "
                    f"arrays use the functional style: opt = {type(self).__name__}(lr=...); "
                    f"params = opt.update(params, grads)"
                )
            if not p.requires_grad or not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: parameter {i} must be a leaf Tensor with "
                                 f"requires_grad=True")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: the same Tensor appears twice in params")
        self.params = params

    def _check_not_a_number(self, params):
        if isinstance(params, (numbers.Number, Tensor)):
            hint = f" (did you mean lr={params!r}?)" if isinstance(params, numbers.Number) else ""
            raise TypeError(f"{type(self).__name__}(params, ...) takes an iterable of Tensors{hint}")

    def zero_grad(self):
        """Reset the gradient of every parameter to None (before the next backward)."""
        for p in self._tensors("zero_grad"):
            p.grad = None

    def step(self, closure=None):
        """Update every parameter Tensor that has a gradient (those with ``.grad`` None are skipped).

        ``closure``, if given, is called first (with recording on) to recompute the loss and its
        gradients; its result is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for i, p in enumerate(self._tensors("step")):
            if p.grad is None:
                continue
            if np.shape(p.grad) != np.shape(p.value):
                raise ValueError(f"parameter {i} has shape {np.shape(p.value)} but its grad has shape "
                                 f"{np.shape(p.grad)}")
            p.value = _restore(self._update(p.value, p.grad, self.state.setdefault(i, {})), p.value)
        return loss

    def update(self, params, grads):
        """Functional step: return new parameters with the structure of ``params``.

        ``params`` and ``grads`` are matching arrays, floats, or (nested) dicts/lists/tuples of them;
        a ``None`` gradient leaves its parameter unchanged. The optimiser keeps its state (momentum,
        moments, step count) per leaf position, so pass the same structure every time."""
        if self.params is not None:
            raise ValueError(f"this {type(self).__name__} was built over Tensors: use step(), or build "
                             f"one with no params for update()")
        return self._update_tree(params, grads, ())

    # ---- internals

    def _tensors(self, method):
        if self.params is None:
            raise ValueError(f"{method}() needs parameter Tensors: build {type(self).__name__}([w, b], ...), "
                             f"or use update(params, grads) in the functional style")
        return self.params

    def _update_tree(self, params, grads, path):
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
            if isinstance(params, tuple) and hasattr(params, "_fields"):  # a namedtuple
                return type(params)(*items)
            return type(params)(items)
        return self._update_leaf(params, grads, path)

    def _update_leaf(self, param, grad, path):
        for what, value in (("parameter", param), ("gradient", grad)):
            if isinstance(value, Tensor):
                raise TypeError(f"update() takes raw arrays and numbers; the {what} at {_path_text(path)} "
                                f"is a Tensor (use step() for Tensors)")
        if not isinstance(param, (numbers.Number, np.ndarray, np.generic)) or isinstance(param, bool):
            raise ValueError(f"the parameter at {_path_text(path)} is a {type(param).__name__}, not a "
                             f"number or an array")
        if grad is None:
            return param
        if np.shape(grad) != np.shape(param):
            raise ValueError(f"the gradient at {_path_text(path)} has shape {np.shape(grad)}, its "
                             f"parameter {np.shape(param)}")
        state = self.state.setdefault(path, {"shape": np.shape(param)})
        if state["shape"] != np.shape(param):
            raise ValueError(f"the parameter at {_path_text(path)} changed shape from {state['shape']} to "
                             f"{np.shape(param)} between updates")
        return _restore(self._update(param, grad, state), param)

    def _update(self, param, grad, state):
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

    def _update(self, param, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if self.momentum:
            buf = state.get("momentum_buffer")
            buf = grad if buf is None else self.momentum * buf + (1 - self.dampening) * grad
            state["momentum_buffer"] = buf
            grad = grad + self.momentum * buf if self.nesterov else buf
        return param - self.lr * grad


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

    def _update(self, param, grad, state):
        beta1, beta2 = self.betas
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0.0) + (1 - beta1) * grad
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * grad * grad
        state.update(step=t, exp_avg=m, exp_avg_sq=v)
        if self.amsgrad:
            v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0.0), v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        return param - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
