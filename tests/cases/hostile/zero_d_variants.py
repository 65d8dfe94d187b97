"""The in-place, view, effect and mutation programs on a 0-d array: an array for the cache's kinds,
a scalar for arithmetic, still writable in place. Cases whose only differentiated argument is ``V``
are registered with ``np.array(1.3)`` in its place (when they run on it and return a finite scalar).

Ids are ``zero_d_variants::<family>.<name>``; the program text is the original function's.
"""

import numpy as np

from . import Registry
from .rank_variants import variants

CASES = Registry("zero_d_variants")

for _case, _args in variants(np.array(1.3), families=("inplace", "views_aliases", "mutation_after_use", "effects",
                                                      "containers", "operators")):
    CASES.add(_case.func, *_args, wrt=_case.wrt, name=f"{_case.family}.{_case.name}")
