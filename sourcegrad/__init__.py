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
from .errors import DeclinedAtRunTime, GradientCheckError, OutputError, TransformError, UnsupportedError
from .rules import jvp_rule, nondifferentiable, vjp_rule
from .tape.primitive import primitive
from .tape import (GradientLostError, InPlaceError, NoRuleError, PlainArrayWriteError, RuleBypassError, Tensor,
                   TensorTypeError, enable_grad, is_grad_enabled, no_grad, tensor)

__version__ = "0.1.0"

__all__ = [
    "DeclinedAtRunTime", "GradientCheckError", "GradientFunction", "GradientLostError", "InPlaceError", "OutputError",
    "NoRuleError", "PlainArrayWriteError", "RuleBypassError", "TensorTypeError", "enable_grad", "is_grad_enabled",
    "Tensor", "TransformError", "UnsupportedError", "VerificationWarning",
    "check_grad", "grad", "jvp_rule", "no_grad", "nondifferentiable", "numerical_grad", "optim", "primitive", "show",
    "source", "tensor", "value_and_grad", "vjp", "vjp_rule",
]
