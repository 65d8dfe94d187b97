"""The one table of derivative rules, read by both engines.

A vector-Jacobian rule is a small Python function ``rule(g, ans, *args, **kwargs)``: ``g`` is the
adjoint of the primitive's result, ``ans`` the result itself, and the rest are the arguments of the
primal call, with the primal's own parameter names and defaults. It returns the adjoint of the one
argument it differentiates, or a tuple with one entry per positional parameter (``None`` for an
argument that has no derivative, such as ``axis``).

The tape calls a rule as a function. The source transformer reads the rule's source once and inlines
its body with names substituted, so a rule should be straight-line code: a few assignments and one
``return``.
"""

import inspect
import types

import numpy as np

VJP_RULES = {}        # primitive -> Rule
JVP_RULES = {}        # primitive -> forward-mode rule function(tangents, ans, *args, **kwargs), read by sg.jvp
NONDIFFERENTIABLE = set()   # primitives whose result carries no gradient (floor, comparisons...)
ELEMENTWISE = set()   # primitives that act element by element with broadcasting
VERSION = [0]         # bumped on every registration, so generated code made before it is rebuilt
PYTHON_FUNCTIONS = set()   # plain Python functions of the user's with a rule: the tape redirects calls to them


def is_python_function(primitive):
    """A plain Python function of the user's (not NumPy's or sourcegrad's, not an ``@sg.primitive``):
    the tape cannot see calls to it by itself, so ``value_and_grad_tape`` redirects them (see
    ``tape.redirect._rule_calls``)."""
    return (isinstance(primitive, types.FunctionType) and not hasattr(primitive, "__sourcegrad_primitive__")
            and not (primitive.__module__ or "").startswith(("numpy", "sourcegrad.")))


class Rule:
    """A registered vector-Jacobian product for one primitive."""

    def __init__(self, primitive, fn):
        self.primitive = primitive
        self.fn = fn
        self.name = primitive_name(primitive)
        self.signature = _signature_without_g_ans(fn)

    def adjoint(self, index, g, ans, args, kwargs):
        """The adjoint of the rule's ``index``-th parameter (after g and ans) for one call."""
        out = self.fn(g, ans, *args, **kwargs)
        out = out if isinstance(out, tuple) else (out,)
        if index >= len(out) or out[index] is None:
            raise TypeError(f"the rule for {self.name} gives no adjoint for its argument {index}")
        return out[index]

    def __repr__(self):
        return f"<vjp rule for {self.name}>"


def _signature_without_g_ans(fn):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    return inspect.Signature(params[2:])


def primitive_name(primitive):
    """A readable, qualified name for a primitive: 'np.sin', 'operator.add', 'np.ndarray.sum'."""
    if isinstance(primitive, np.ufunc):
        return f"np.{primitive.__name__}"
    module = getattr(primitive, "__module__", None) or ""
    qualname = getattr(primitive, "__qualname__", None) or getattr(primitive, "__name__", None)
    if qualname is None:  # a property such as ndarray.T
        objclass = getattr(primitive, "__objclass__", None)
        qualname = f"{objclass.__name__}.{primitive.__name__}" if objclass else repr(primitive)
    if module.startswith("numpy") or module == "" and "ndarray" in qualname:
        prefix = "np." + ".".join(p for p in module.split(".")[1:] if not p.startswith("_"))
        return f"{prefix.rstrip('.')}.{qualname}".replace("np..", "np.")
    if module in ("builtins", ""):
        return qualname
    if module == "_operator":
        module = "operator"
    return f"{module}.{qualname}"


def vjp_rule(*primitives, elementwise=False):
    """Register the decorated function as the vector-Jacobian rule of each of ``primitives``.

    Use it for your own functions too; a registered rule wins over transforming the callee's source::

        @sg.vjp_rule(my_softplus)
        def my_softplus_vjp(g, ans, x):
            return g / (1 + np.exp(-x))

    Both engines then use the rule, whether ``my_softplus`` is the function differentiated or is called
    by it: source mode inlines the rule, and while ``sg.grad`` runs a function on the tape, calls of
    ``my_softplus`` through module globals (``my_softplus(x)``, ``mod.my_softplus(x)``) are recorded as
    one operation. A call the tape cannot redirect (through a closure variable, a default argument, a
    container) raises an error rather than differentiating the function's own code; decorate the
    function with ``@sg.primitive`` to make every call one operation, imperative tape code included.
    """
    if not primitives:
        raise TypeError("vjp_rule needs at least one primitive: @vjp_rule(np.sin)")
    # None stands for a function this NumPy version lacks: vjp_rule(getattr(np.linalg, "svdvals", None))
    primitives = [p for p in primitives if p is not None]

    def register(fn):
        if not callable(fn):
            raise TypeError(f"vjp_rule decorates a function, got {fn!r}")
        VERSION[0] += 1
        for primitive in primitives:
            if is_python_function(primitive):
                PYTHON_FUNCTIONS.add(primitive)
            VJP_RULES[primitive] = Rule(primitive, fn)
            NONDIFFERENTIABLE.discard(primitive)
            if elementwise:
                ELEMENTWISE.add(primitive)
        return fn

    return register


def jvp_rule(*primitives):
    """Register the decorated function ``rule(tangents, ans, *args, **kwargs)`` as the
    forward-mode (Jacobian-vector) rule of each of ``primitives``: ``tangents`` is the tangent of the one
    argument (a tuple of them, one per argument, for several), and the rule returns the tangent of the result.

    ``sg.jvp(p, primals, tangents)`` of a primitive ``p`` with such a rule uses it. Forward mode through any other
    function is derived from the vjp rules (``sourcegrad/forward.py``); a primitive of one argument registered
    with a forward rule alone gets the vjp rule transposing it, so both engines differentiate it in reverse too."""

    def register(fn):
        VERSION[0] += 1
        for primitive in primitives:
            JVP_RULES[primitive] = fn
            if lookup_vjp(primitive) is None and not is_nondifferentiable(primitive):
                _derive_vjp(primitive, fn)
        return fn

    return register


def _derive_vjp(primitive, jvp):
    """A primitive of one argument with a forward rule and no vjp rule gets the vjp rule transposing it (the same
    map read backwards: ``higher.vjp_from_jvp``), so both engines differentiate it in reverse mode too. Not for
    several arguments: the forward rule takes their tangents together, and a missing vjp says so."""
    try:
        params = list(inspect.signature(jvp).parameters.values())
    except (TypeError, ValueError):
        return
    if len(params) != 3 or any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        return
    from ..higher import function_from_text, vjp_from_jvp

    x = params[2].name if params[2].name not in ("g", "ans", "jvp", "vjp_from_jvp") else "x"
    text = f"def transposed_{getattr(jvp, '__name__', 'jvp')}(g, ans, {x}):\n    return vjp_from_jvp(jvp, g, ans, {x})\n"
    fn = function_from_text(text, {"vjp_from_jvp": vjp_from_jvp, "jvp": jvp},
                            f"<sourcegrad vjp from the jvp rule {primitive_name(primitive)} {id(jvp):x}>")
    fn.__module__ = getattr(jvp, "__module__", None)   # the user's rule, not a built-in one
    if is_python_function(primitive):
        PYTHON_FUNCTIONS.add(primitive)
    VJP_RULES[primitive] = Rule(primitive, fn)


def nondifferentiable(*primitives):
    """Declare primitives whose results pass no gradient (rounding, comparisons, argmax...)."""
    VERSION[0] += 1
    for primitive in primitives:
        NONDIFFERENTIABLE.add(primitive)


def lookup_vjp(primitive):
    """The Rule for ``primitive``, or None."""
    try:
        return VJP_RULES.get(primitive)
    except TypeError:  # unhashable callable
        return None


def is_nondifferentiable(primitive):
    try:
        return primitive in NONDIFFERENTIABLE
    except TypeError:
        return False


def is_elementwise(primitive):
    try:
        # generalized ufuncs (np.matmul) have a core signature and are not elementwise
        return isinstance(primitive, np.ufunc) and primitive.signature is None or primitive in ELEMENTWISE
    except TypeError:
        return False
