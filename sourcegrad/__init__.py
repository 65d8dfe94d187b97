"""sourcegrad: gradients of plain Python/NumPy functions by source transformation.

    import sourcegrad as sg

    @sg.grad
    def f(x):
        return x ** 2 + 3 * x + 1

    f(2.0)          # 7.0
    print(f.source) # the generated adjoint
"""

from . import optim
from .api import GradientFunction, VerificationWarning, grad, show, source, value_and_grad, vjp
from .check import check_grad, numerical_grad
from .exporter import export
from .forward import jvp
from .higher import hessian, hvp, jacobian
from .errors import DeclinedAtRunTime, GradientCheckError, OutputError, TransformError, UnsupportedError
from .rules import jvp_rule, nondifferentiable, vjp_rule
from .tape.primitive import primitive
from .tape import (GradientLostError, InPlaceError, NoRuleError, PlainArrayWriteError, RuleBypassError, Tensor,
                   TensorTypeError, enable_grad, is_grad_enabled, no_grad, tensor)
from .tree import tree_flatten, tree_map, tree_paths, tree_ravel, tree_unflatten

__version__ = "0.1.0"

__all__ = [
    "DeclinedAtRunTime", "GradientCheckError", "GradientFunction", "GradientLostError", "InPlaceError", "OutputError",
    "NoRuleError", "PlainArrayWriteError", "RuleBypassError", "TensorTypeError", "enable_grad", "is_grad_enabled",
    "Tensor", "TransformError", "UnsupportedError", "VerificationWarning",
    "check_grad", "export", "grad", "hessian", "hvp", "jacobian", "jvp", "jvp_rule", "no_grad", "nondifferentiable",
    "numerical_grad", "optim", "primitive", "show", "source", "tensor", "tree_flatten", "tree_map", "tree_paths",
    "tree_ravel", "tree_unflatten", "value_and_grad", "vjp", "vjp_rule",
]
