"""Higher order on the tape: a backward pass that records itself (``create_graph=True``).

``backward(create_graph=True)`` calls each rule on Tensors instead of raw values: its adjoint ``g``, the
recorded result ``ans`` (a Tensor computed by the Node itself) and the arguments (Tensors computed by the
Node's parents). The rules are NumPy code, so the operations they run on those Tensors are recorded like
any other, and the gradients they give are Tensors with a history: differentiating them again walks
back through the rule computations into the original graph (as PyTorch and HIPS autograd do).

The runtime helpers a rule of sourcegrad's calls (``unbroadcast``, ``expand_reduced``...) are recorded as one
operation each through their own rules (``rules/adjoint_helpers.py``). A rule that calls one of sourcegrad's
functions without a rule stays first order (the same rules source mode declines to differentiate again):
called with ``create_graph=True`` it raises ``sourcegrad.UnsupportedError`` naming the rule, as source mode
does, never a silent zero.
"""

import dis
import functools
import math
import types

import numpy as np

from ..rules.registry import is_nondifferentiable, lookup_vjp, vjp_rule
from ..errors import UnsupportedError
from .graph import Node, _NO_KWARGS, _SELECT, _name
from .mode import enable_grad
from .tensor import Tensor

_ON_TENSORS = {}   # rule -> its function with the helpers it calls recorded through their rules (or an error)


def call_rule_recorded(node, g):
    """``node.rule.fn(g, ans, *args, **kwargs)`` on Tensors, recorded: the adjoints of the arguments of the
    recorded call ``node`` as Tensors that can be differentiated again."""
    from .recording import _make

    rule_fn = rule_on_tensors(node.rule, node.fn)
    args = list(node.args)
    kwargs = dict(node.kwargs)
    names = list(node.rule.signature.parameters) if node.rule.signature is not None else []
    for i, j, parent in node.parents:
        container, key = (args, i) if i < len(args) else (kwargs, names[i])
        raw = container[key] if j is None else container[key][j]
        boxed = parent if type(parent) is not Node else _make(raw, parent)
        if j is None:
            container[key] = boxed
        else:
            items = list(container[key])
            items[j] = boxed
            container[key] = type(container[key])(items)
    ans = node.ans
    if isinstance(ans, (tuple, list)):   # several results: one Tensor per result, selecting it from the whole
        outs = [_make(v, Node(node.fn, _SELECT, None, _NO_KWARGS, None, ((k, None, node),)))
                if _differentiable(v) else v for k, v in enumerate(ans)]
        ans = type(ans)(*outs) if hasattr(ans, "_fields") else type(ans)(outs)
    else:
        ans = _make(ans, node)
    with enable_grad():
        try:
            vjps = rule_fn(g, ans, *args, **kwargs)
        except Exception as error:
            if hasattr(error, "add_note"):
                error.add_note(f"(in the derivative rule for {_name(node.fn)}, called by backward(create_graph=True))")
            raise
    return vjps if type(vjps) is tuple else (vjps,)


def _differentiable(value):
    return getattr(getattr(value, "dtype", None), "kind", "f" if isinstance(value, float) else "") == "f"


def rule_on_tensors(rule, fn):
    """The function of ``rule`` to call on Tensors: a rule of sourcegrad's own with each runtime helper it
    calls replaced by a recorded call of the helper (through the helper's rule). Raises UnsupportedError for a
    rule that calls one of sourcegrad's functions without a rule (it stays first order)."""
    made = _ON_TENSORS.get(rule)
    if made is None:
        made = _ON_TENSORS[rule] = _make_rule_on_tensors(rule, fn)
    if isinstance(made, Exception):
        raise UnsupportedError(str(made))
    return made


def _make_rule_on_tensors(rule, fn):
    function = rule.fn
    module = getattr(function, "__module__", None) or ""
    if type(function) is not types.FunctionType or not module.startswith("sourcegrad."):
        return function   # a user's rule: plain NumPy code, recorded as it runs
    from ..higher import _record, _without_derivative
    from .namespace import TAPED_MATH
    from .recording import apply

    replaced = {}
    for name in sorted({i.argval for i in dis.get_instructions(function) if i.opname == "LOAD_GLOBAL"}):
        value = function.__globals__.get(name)
        if value is math:   # (math.cos(x) in math.sin's rule: recorded on a Tensor, as in the user's code)
            replaced[name] = TAPED_MATH
            continue
        if (not callable(value) or isinstance(value, type)
                or not (getattr(value, "__module__", None) or "").startswith("sourcegrad")):
            continue
        if is_nondifferentiable(value):   # (max_mask, float_dtype...): called on the values, a plain result
            replaced[name] = functools.partial(apply, value)
            continue
        helper_rule = lookup_vjp(value)
        if helper_rule is None:
            return ValueError(
                f"higher-order derivatives on the tape: the derivative rule for {_name(fn)} calls sourcegrad's "
                f"helper {name}(), which has no derivative rule yet, so this rule stays first order and its "
                f"gradient cannot be differentiated again (backward(create_graph=True), a gradient of a "
                f"gradient, hessian, hvp); differentiate once only, or register a rule for {_name(fn)} whose "
                f"code can be differentiated with sg.vjp_rule")
        replaced[name] = functools.partial(_record, value, _without_derivative(helper_rule))
    if not replaced:
        return function
    namespace = dict(function.__globals__)
    namespace.update(replaced)
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def as_gradient(g):
    """A gradient computed with ``create_graph=True`` as a Tensor (a constant one when it does not depend on
    any Tensor that requires grad)."""
    return g if isinstance(g, Tensor) else Tensor(g)


def gradient(output, inputs, seed=None, create_graph=False, retain_graph=None):
    """The gradients of ``output`` with respect to each Tensor of ``inputs`` (a Tensor or a sequence of them), as
    ``torch.autograd.grad`` gives them: returned, not added to any ``.grad`` (an inner gradient taken inside a
    function differentiated on an outer tape leaves the outer leaves alone). ``None`` for an input ``output``
    does not depend on. ``seed``: the adjoint of a non-scalar ``output``. ``create_graph=True`` records the
    computation, so the gradients are Tensors that can be differentiated again; the graph is then kept unless
    ``retain_graph=False``."""
    from .backward import _backpropagate
    from .tensor import _seed_for

    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            raise TypeError(f"gradient() differentiates with respect to Tensors that require grad, not "
                            f"{type(t).__name__}")
    start = _seed_for(output, seed, create_graph)
    found = _backpropagate(output, start, create_graph if retain_graph is None else retain_graph, create_graph,
                           inputs=inputs)
    if create_graph:
        found = [None if g is None else as_gradient(g) for g in found]
    return found[0] if single else tuple(found)


def nested_input(x):
    """The argument ``x`` (a copy of an array), recorded: what a gradient taken inside a function being
    differentiated on the tape differentiates with respect to, so that its gradient flows back into the
    outer graph through ``x`` while the inner walk stops here."""
    return x.copy() if isinstance(x, np.ndarray) else x


@vjp_rule(nested_input)
def nested_input_rule(g, ans, x):
    return g
