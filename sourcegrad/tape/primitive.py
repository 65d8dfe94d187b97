"""``@sg.primitive``: make one of your own functions a single operation for both engines."""

import functools

from ..rules import lookup_vjp
from .recording import apply
from .tensor import Tensor


def primitive(func):
    """Treat ``func`` as one primitive operation, differentiated by the rule you register for it.

    Source mode already prefers a registered rule over inlining the function's source; the tape,
    which runs your code as it is, needs this decorator to see the call as one operation::

        @sg.primitive
        def softplus(x):
            return np.log1p(np.exp(x))

        @sg.vjp_rule(softplus)
        def softplus_vjp(g, ans, x):
            return g / (1 + np.exp(-x))

    Without a rule, source mode inlines ``func``'s source and the tape runs it, as for any function.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        boxed = any(isinstance(a, Tensor) for a in args) or any(isinstance(a, Tensor) for a in kwargs.values())
        if boxed and lookup_vjp(wrapper) is not None:
            return apply(wrapper, *args, **kwargs)   # calls wrapper again on the unboxed values
        return func(*args, **kwargs)

    wrapper.__sourcegrad_primitive__ = func
    return wrapper
