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

    __slots__ = ("fn", "rule", "args", "kwargs", "ans", "parents")

    def __init__(self, fn, rule, args, kwargs, ans, parents):
        if type(ans) is complex or getattr(getattr(ans, "dtype", None), "kind", "") == "c":
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
