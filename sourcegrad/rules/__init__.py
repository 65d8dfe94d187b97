"""The derivative rule table. Importing this package registers every built-in rule."""

from . import adjoint_helpers, core, linalg, numpy  # noqa: F401  (registration happens on import)
from .registry import (
    ELEMENTWISE,
    JVP_RULES,
    NONDIFFERENTIABLE,
    VJP_RULES,
    Rule,
    is_elementwise,
    is_nondifferentiable,
    jvp_rule,
    lookup_vjp,
    nondifferentiable,
    primitive_name,
    vjp_rule,
)

__all__ = [
    "ELEMENTWISE", "JVP_RULES", "NONDIFFERENTIABLE", "VJP_RULES", "Rule", "is_elementwise",
    "is_nondifferentiable", "jvp_rule", "lookup_vjp", "nondifferentiable", "primitive_name", "vjp_rule",
]
