"""One small function per derivative rule, with arguments to try it on: the rule table's test cases.

Engine-neutral: ``CASES`` is a list of ``Case(name, fn, args, wrt, covers)`` records. ``fn(*args)``
returns a scalar; ``wrt`` are the positions of ``args`` to differentiate; ``covers`` names the
rule-table primitives the case exercises (``tests/rules/test_rule_cases.py`` checks that every rule
has a case and that each case really calls what it covers, and runs every case through both
engines against finite differences).

The functions are plain straight-line Python at module level, so the source transformer can read
them. A non-scalar result is reduced as ``np.sum(result * c)`` with fixed random weights ``c`` (not
differentiated): the gradient is then not uniform, so a transposed or misplaced adjoint shows.
Arguments keep away from the non-differentiable points of each primitive (positive inputs for
log/sqrt, no ties for max except where a tie is the point, nothing near a clip bound or a jump of
``%``), and matrices are well conditioned. Cases for functions or keywords that the installed NumPy
lacks (``np.matrix_transpose``, ``np.linalg.vector_norm``, ``np.clip(min=...)``) are left out.

One module per part of ``sourcegrad/rules``: ``core`` (operators, indexing, builtins, math),
``elementwise``, ``reductions``, ``shapes`` (shape, joining, indexing, sorting, copies), ``linalg``,
``methods`` (ndarray methods and properties) and ``numpy`` (the rules of ``rules/numpy.py`` for newer or
less common NumPy functions and the ufunc methods).
"""

from . import adjoint_helpers, core, elementwise, linalg, methods, numpy, reductions, shapes  # importing them fills CASES
from ._base import CASES, Case

__all__ = ["CASES", "Case", "adjoint_helpers", "core", "elementwise", "linalg", "methods", "numpy", "reductions", "shapes"]
