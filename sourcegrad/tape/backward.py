"""Backward: walk the graph from an output to the leaves, calling each Node's rule."""

import numpy as np

from ..runtime.helpers import float_dtype, zeros_like
from .errors import NoRuleError
from .mode import _mode
from .graph import Node, _SELECT, _name, _saved_value
from .protection import _check_snapshots
from .higher import as_gradient, call_rule_recorded
from .tensor import Tensor


_FREED = (
    "the graph was already freed by an earlier backward(); call backward(retain_graph=True) the "
    "first time to walk it again, or recompute the forward pass"
)


def _backpropagate(root, seed, retain_graph, create_graph=False, inputs=None):
    """The one backward loop: adjoints flow from ``root`` to the leaves in reverse topological order.

    The vertices of the graph are what ``Node.parents`` hold: Nodes, and leaf Tensors at the ends.
    ``create_graph``: the rules run on Tensors, so the adjoints are Tensors recorded on the tape (see
    ``higher.py``). ``inputs`` (Tensors): the adjoints of those are returned (None for one ``root`` does not
    depend on) and no leaf's ``.grad`` is touched; the walk stops at them and skips the parts of the graph
    that do not lead to one."""
    if _mode.protected:  # inside value_and_grad_tape: the saved plain arrays must be as recorded
        _check_snapshots(_mode.protected)
    start = root._node or root
    stops = {id(t._node or t): k for k, t in enumerate(inputs)} if inputs is not None else None
    # Pass 1: count, for every Node and leaf reachable from root, how many recorded uses it has.
    pending = {id(start): 0}
    stack = [start]
    while stack:
        node = stack.pop()
        if type(node) is not Node or stops and id(node) in stops:  # a leaf, or where the walk stops
            continue
        if node.parents is None:
            raise RuntimeError(f"backward through {_name(node.fn)}: {_FREED}")
        for _, _, parent in node.parents:
            key = id(parent)
            if key in pending:
                pending[key] += 1
            else:
                pending[key] = 1
                stack.append(parent)
    needed = _leading_to(start, stops) if stops is not None else None
    call_rule, accumulate = (call_rule_recorded, _accumulate_leaf_recorded) if create_graph else \
        (_call_rule, _accumulate_leaf)
    found = [None] * len(inputs) if inputs is not None else None

    # Pass 2: a vertex is ready once every use has sent its adjoint; then pass its own on.
    adjoints = {id(start): seed} if needed is None or id(start) in needed else {}
    ready = [start]
    while ready:
        node = ready.pop()
        g = adjoints.pop(id(node), None)
        if stops is not None:
            if id(node) in stops:
                found[stops[id(node)]] = g
                continue
            if g is None:  # leads to none of the inputs: pass nothing on
                for _, _, parent in (node.parents if type(node) is Node else ()):
                    pending[id(parent)] -= 1
                    if not pending[id(parent)]:
                        ready.append(parent)
                continue
        if type(node) is not Node:
            if stops is None:  # (with inputs=, the leaves that are none of them get nothing)
                accumulate(node, g)
            continue
        if node.retained is not None:  # t.retain_grad(): a Tensor of the graph keeps its gradient too
            _retain(node, g)
        if node.rule is _SELECT:  # result k of a call with several results: file g under k
            ((k, _, whole),) = node.parents
            parts = adjoints.setdefault(id(whole), [None] * len(whole.ans))
            parts[k] = g if parts[k] is None else parts[k] + g
            vjps = None
        else:
            vjps = call_rule(node, g)
        for i, j, parent in node.parents:
            key = id(parent)
            if vjps is not None and (needed is None or key in needed):
                a = _adjoint_for(node, vjps, i, j, parent)
                old = adjoints.get(key)
                adjoints[key] = a if old is None else old + a  # never in place: a may be aliased
            pending[key] -= 1
            if not pending[key]:
                ready.append(parent)
        if not retain_graph:
            node.free()
    return found


def _leading_to(start, stops):
    """The ids of the vertices from which one of ``stops`` (ids) is reached, in the graph from ``start``."""
    needed = set()
    seen = set()
    stack = [(start, False)]
    while stack:
        vertex, expanded = stack.pop()
        key = id(vertex)
        if expanded:  # its parents are all done (the graph has no cycles)
            if any(id(p) in needed for _, _, p in vertex.parents):
                needed.add(key)
            continue
        if key in seen:
            continue
        seen.add(key)
        if key in stops:
            needed.add(key)
        elif type(vertex) is Node:
            stack.append((vertex, True))
            stack.extend((p, False) for _, _, p in vertex.parents if id(p) not in seen)
    return needed


def _call_rule(node, g):
    """The adjoints of the arguments of the recorded call ``node``, given ``g``, the adjoint of its
    result (a list of the adjoints of its results for a call with several: zeros for unused ones)."""
    if type(g) is list:
        g = tuple(zeros_like(v) if p is None else p for p, v in zip(g, node.ans))
    try:  # adjoints of arguments passed by keyword are needed too
        vjps = node.rule.fn(g, node.ans, *node.args, **node.kwargs)
    except Exception as error:
        if hasattr(error, "add_note"):
            error.add_note(f"(in the derivative rule for {_name(node.fn)}, called by backward())")
        raise
    return vjps if type(vjps) is tuple else (vjps,)


def _adjoint_for(node, vjps, i, j, parent):
    """The adjoint the rule of ``node`` gave for its argument ``i`` (item ``j`` of a list argument),
    checked: present, and of the shape of the value it is the adjoint of."""
    a = vjps[i] if i < len(vjps) else None
    if j is not None and a is not None:
        a = a[j]
    where = f"{i}" if j is None else f"{i}[{j}]"
    if a is None:
        raise NoRuleError(
            f"the derivative rule for {_name(node.fn)} gives no gradient for its argument "
            f"{where}, which is a Tensor that requires grad; pass that argument as a plain "
            f"value or register a fuller rule with sg.vjp_rule"
        )
    value = _saved_value(parent)
    shape = a.shape if type(a) is np.ndarray else a.value.shape if type(a) is Tensor and type(a.value) is np.ndarray else None
    if shape is not None and type(value) is np.ndarray and shape != value.shape:
        raise RuntimeError(
            f"the derivative rule for {_name(node.fn)} returned an adjoint of shape {a.shape} "
            f"for its argument {where} of shape {value.shape}: the rule is wrong for this call"
        )
    return a


def _accumulate_leaf(leaf, g):
    """Add ``g`` to ``leaf.grad``, as a fresh value with the leaf's shape and floating dtype."""
    value = leaf.value
    if type(value) is float:
        g = float(g)
    else:
        g = np.array(g, dtype=float_dtype(value))  # a copy: leaves never share a gradient array
        if g.shape != np.shape(value):
            raise RuntimeError(f"a derivative rule returned an adjoint of shape {g.shape} for a leaf "
                               f"Tensor of shape {np.shape(value)}: that rule is wrong for this call")
        if isinstance(value, np.generic):
            g = g[()]
    leaf.grad = g if leaf.grad is None else leaf.grad + g


def _retain(node, g):
    """Give the Tensor that asked with ``retain_grad()`` for the gradient of ``node`` (while it still holds
    the value ``node`` computed) ``g``, added to what it has."""
    t = node.retained()
    if t is not None and t._node is node:
        g = g if type(g) is not list else None
        if type(g) is Tensor:
            t.grad = g if t.grad is None else t.grad + g
        elif g is not None:
            g = float(g) if type(t.value) is float else np.array(g, dtype=float_dtype(t.value))
            t.grad = g if t.grad is None else t.grad + g


def _accumulate_leaf_recorded(leaf, g):
    """Add ``g`` (computed with ``create_graph=True``) to ``leaf.grad`` as a Tensor that can be differentiated."""
    g = as_gradient(g)
    leaf.grad = g if leaf.grad is None else leaf.grad + g
