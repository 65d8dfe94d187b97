"""The same programs on a Python float: every case of the rank_variants source families whose only
differentiated argument is the 1-D array ``V`` is registered again with the float ``S2`` in its place,
when it runs on it and returns a finite scalar (gradients of Python scalars take other code paths:
float arithmetic, ``math`` functions, no arrays at all).

Ids are ``scalar_variants::<family>.<name>``; the program text is the original function's.
"""

from . import S2, Registry
from .rank_variants import variants

CASES = Registry("scalar_variants")

for _case, _args in variants(S2):
    CASES.add(_case.func, *_args, wrt=_case.wrt, name=f"{_case.family}.{_case.name}")
