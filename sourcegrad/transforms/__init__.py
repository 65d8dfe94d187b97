"""Source-to-source passes: parse, normalize, analyse, reverse, optimise, emit.

``build_gradient`` runs them in order and returns the generated source and compiled function.
"""

from ..rules import registry
from .emit import compile_function, source_text
from .normalize import normalize
from .optimize import optimize
from .reverse import reverse


class Generated:
    """One generated gradient: its source text, the compiled function and what it depends on."""

    def __init__(self, text, function, name, dependencies):
        self.text = text
        self.function = function
        self.name = name
        self.dependencies = dependencies
        self.version = registry.VERSION[0]

    def is_current(self):
        """False when a helper it inlined has been rebound or a rule registered since it was built."""
        if self.version != registry.VERSION[0]:
            return False
        for scope, name, obj in self.dependencies:
            if scope.get(name, _GONE) is not obj:
                return False
        return True


_GONE = object()


def build_gradient(func, wrt, scalar_params=()):
    """Generate, optimise and compile the gradient of ``func`` with respect to parameter names ``wrt``.

    ``scalar_params`` names parameters known to be Python/NumPy scalars, which lets the
    generated code leave out ``unbroadcast`` calls that could only return their argument.
    The function returns ``(value, gradient)``, or ``(value, (gradients...))`` for several ``wrt``.
    """
    normalizer_program = normalize(func, wrt)
    adjoint = optimize(reverse(normalizer_program, wrt, scalar_params))
    text = source_text(adjoint)
    label = getattr(func, "__qualname__", adjoint.name)
    function = compile_function(text, adjoint.name, label, func, adjoint.names.externals)
    return Generated(text, function, adjoint.name, normalizer_program.dependencies)
