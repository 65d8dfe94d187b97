"""A module that reaches the helpers of ``math_helpers`` only through a table of functions (issue 10: the tape
swaps in Tensor-aware ``math`` in the modules those functions live in too)."""

from tests.runtime import math_helpers as _helpers

STEPS = {"energy": _helpers.energy}
del _helpers


def total_energy(theta):
    return STEPS["energy"](theta, 0.0)
