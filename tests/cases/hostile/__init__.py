"""A hostile set of ordinary Python/NumPy programs for sourcegrad (issue 8).

Each family module (``containers``, ``inplace``, ...) holds small plain functions, written the way
people write everyday numerical code and the way source transformers go wrong, and registers each
one with its inputs in the module's ``CASES`` registry::

    def setitem_after_use(x):
        ...
    CASES.add(setitem_after_use, V.copy(), wrt=0)

``tests/test_hostile.py`` differentiates every case in tape, source and auto mode and compares with
finite differences. Inputs are chosen away from kinks and inside every function's domain, so the
finite-difference reference is trustworthy (the runner checks that too). Functions are registered by
a call after their definition rather than a decorator, so that their source text is nothing but the
function itself.

``stale`` is different: its scenarios rebind something between two gradients (see that module).
"""

from dataclasses import dataclass, field

import numpy as np

FAMILIES = (
    "containers", "inplace", "views_aliases", "comprehensions", "module_aliases", "globals_and_closures",
    "mutation_after_use", "effects", "shapes", "helpers", "entry", "control", "control_flow", "control_round2", "control_round3",
    "operators", "numpy_edges", "rules", "realistic", "syntax",
    "rank_variants",          # last: re-register cases of the families above with a 3-D input,
    "scalar_variants",        # and with a Python float,
    "matrix_variants",        # and (in-place, views, mutation) with a 2-D array,
    "zero_d_variants",        # and with a 0-d array
)


@dataclass
class Case:
    family: str
    name: str
    func: object
    args: tuple
    wrt: object = 0
    kwargs: dict = field(default_factory=dict)
    note: str = ""

    @property
    def id(self):
        return f"{self.family}::{self.name}"


class Registry(list):
    """The cases of one family, in definition order."""

    def __init__(self, family):
        super().__init__()
        self.family = family

    def add(self, func, *args, wrt=0, name=None, kwargs=None, note=""):
        name = name or getattr(func, "__name__", None) or type(func).__name__
        if any(c.name == name for c in self):
            raise ValueError(f"duplicate hostile case {self.family}::{name}")
        self.append(Case(self.family, name, func, tuple(args), wrt, dict(kwargs or {}), note))
        return func


def all_cases():
    """Every registered case of every family (stale excluded: it has scenarios, not cases)."""
    import importlib

    cases = []
    for family in FAMILIES:
        module = importlib.import_module(f"{__name__}.{family}")
        cases.extend(module.CASES)
    return cases


# ---- inputs shared by the families: distinct values, no ties, away from 0 where it matters ----

S = 0.7                                                   # a float scalar
S2 = 1.3
V = np.array([0.3, -0.8, 1.1, 0.45])                      # 1-D
VP = np.array([0.6, 1.4, 0.9, 2.1])                       # 1-D, positive
V3 = np.array([0.4, -1.2, 0.7])                           # 1-D, length 3
M = np.array([[0.2, -0.5, 0.9], [1.1, 0.35, -0.7]])       # 2-D, 2x3
MP = np.array([[0.5, 1.2, 0.8], [1.7, 0.65, 1.05]])       # 2-D, positive
Q = np.array([[2.0, 0.3, -0.4], [0.1, 1.5, 0.25], [-0.2, 0.6, 1.8]])   # 3x3, well conditioned
T = np.sin(np.arange(24) * 0.7 + 0.3).reshape(2, 3, 4)    # 3-D, 2x3x4
TP = 1.0 + 0.5 * np.cos(np.arange(24) * 0.9).reshape(2, 3, 4)   # 3-D, positive
C3 = np.sin(np.arange(27) * 0.37 + 0.1).reshape(3, 3, 3)  # 3-D, 3x3x3 (for trace/diagonal)
