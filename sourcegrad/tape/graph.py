"""The graph record: one ``Node`` per recorded call, linking to the Nodes (or leaves) it read."""

import numpy as np

from ..rules import registry
from .errors import NoRuleError


# The rule table itself (not a copy): rules registered later, by users too, are seen at once.
_RULES = registry.VJP_RULES


_NONDIFF = registry.NONDIFFERENTIABLE


_NO_KWARGS = {}  # shared, never mutated


class Node:
    """One recorded call: which primitive, its rule, its raw arguments and result, and where the
    gradient flows from it (``parents``: ``(position, index, source)``, where ``index`` is the place
    of the argument inside a list/tuple argument such as ``np.stack([a, b])``, else None).

    A ``source`` is the Node that computed that argument, or the argument itself when it is a leaf
    Tensor: the graph links Nodes, not the Tensor objects, so that an in-place update of a Tensor
    (``v += 1``, which gives ``v`` a new Node) leaves the history of earlier uses of ``v`` intact.

    A call with several results (``np.linalg.eigh``, ``np.split``) has one Node holding the whole
    result, and each result Tensor ``k`` a small Node whose rule is ``_SELECT`` and whose parent is
    ``(k, None, whole)``: backward collects their adjoints by position."""

    __slots__ = ("fn", "rule", "args", "kwargs", "ans", "parents", "retained")

    def __init__(self, fn, rule, args, kwargs, ans, parents):
        if type(ans) is complex or getattr(getattr(ans, "dtype", None), "kind", "") in ("c", "O"):
            if getattr(ans, "dtype", None) == object:
                raise NoRuleError(
                    f"{_name(fn)} gave an array of Python objects (dtype=object) computed from a Tensor that "
                    "requires grad; the tape cannot follow values inside object arrays, so the gradient would be "
                    "lost. Keep the computation in float arrays (drop astype(object), np.frompyfunc...).")
            raise NoRuleError(
                f"{getattr(fn, '__name__', fn)} gave a complex value computed from a Tensor that requires grad; "
                "the derivative rules are written for real values, so the tape does not differentiate through "
                "complex intermediates. Write the computation with real and imaginary parts as real arrays.")
        self.fn = fn
        self.rule = rule
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.parents = parents
        self.retained = None  # a weak reference to the Tensor whose retain_grad() asked for its gradient

    def free(self):
        """Drop the saved values (and the links to the parents) once backward no longer needs them."""
        self.args = self.kwargs = self.ans = self.parents = None

    @property
    def _node(self):
        """The Node itself: a Node stands for the Tensor it computed, so a walk over ``parents``
        written for Tensors (``t._node``, as in ``tests/helpers.recorded_primitives``) works on it."""
        return self


def _source(t):
    """What a Node's ``parents`` hold for the Tensor ``t``: the Node that computed it, or ``t``
    itself when it is a leaf."""
    return t._node or t


def _saved_value(source):
    """The value of a graph source as recorded: a Node's result, a leaf's value."""
    return source.ans if type(source) is Node else source.value


_SELECT = "select"  # rule marker of the Node of one result of a call with several results


def _name(fn):
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):  # np.add.reduce and friends
        return f"np.{owner.__name__}.{fn.__name__}"
    return registry.primitive_name(fn)


def _no_rule(fn):
    name = _name(fn)
    return NoRuleError(
        f"no derivative rule for {name}: it was called on a Tensor that requires grad, and the tape "
        f"cannot differentiate through it. Register one with @sg.vjp_rule({name}) over a function "
        f"rule(g, ans, *args) that returns the adjoint of each argument, or call it on "
        f"t.detach() inside sg.no_grad() if no gradient should flow through it."
    )


class GradFn:
    """``t.grad_fn`` (as in PyTorch): the recorded call that computed ``t``. ``name`` is its primitive
    (``'np.multiply'``; ``str()`` gives it, and it compares equal to it), ``next_functions`` the
    ``GradFn`` of each input it sends gradient to (a leaf Tensor itself for a leaf)."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    @property
    def name(self):
        return _name(self.node.fn) if self.node.rule is not _SELECT else f"{_name(self.node.parents[0][2].fn)}[result]"

    @property
    def next_functions(self):
        parents = self.node.parents
        if parents is None:
            raise RuntimeError("the graph was already freed by backward(); call backward(retain_graph=True) to keep it")
        return tuple(GradFn(p) if type(p) is Node else p for _, _, p in parents)

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<{self.name}>"

    def __eq__(self, other):
        if isinstance(other, GradFn):
            return self.node is other.node
        if isinstance(other, str):
            return self.name == other
        return NotImplemented

    def __hash__(self):
        return hash(id(self.node))
