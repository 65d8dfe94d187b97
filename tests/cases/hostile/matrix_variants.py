"""The in-place, view and mutation programs on a 2-D input: cases of ``inplace``, ``views_aliases`` and
``mutation_after_use`` whose only differentiated argument is the 1-D array ``V`` are registered again
with the 2x3 array ``M + 0.013`` in its place (when they run on it and return a finite scalar): item and slice
writes then address rows, views are 2-D, index arrays pick rows.

Ids are ``matrix_variants::<family>.<name>``; the program text is the original function's.
"""

from . import M, Registry
from .rank_variants import variants

CASES = Registry("matrix_variants")

MV = M + 0.013        # M moved off the thresholds the programs use (0, +-0.5, 1)

for _case, _args in variants(MV, families=("inplace", "views_aliases", "mutation_after_use")):
    CASES.add(_case.func, *_args, wrt=_case.wrt, name=f"{_case.family}.{_case.name}")
