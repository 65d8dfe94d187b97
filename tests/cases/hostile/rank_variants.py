"""The same programs on a 3-D input: every case of the families below whose only differentiated
argument is the 1-D array ``V`` (and that takes no keywords) is registered again with the 2x3x4 array
``T`` in its place, when it runs on it and returns a finite scalar. Rank-specific mistakes (shape
classes, views of planes instead of elements, reductions over the wrong axis) show up here.

Ids are ``rank_variants::<family>.<name>``; the program text is the original function's.
"""

import contextlib
import copy
import importlib
import io

import numpy as np

from . import T, V, Registry

CASES = Registry("rank_variants")

SOURCE_FAMILIES = ("inplace", "views_aliases", "mutation_after_use", "effects", "containers", "helpers",
                   "comprehensions", "module_aliases", "operators", "syntax")


def variants(replacement, families=SOURCE_FAMILIES):
    """(case, args) for every case of ``families`` whose only differentiated argument is ``V``, with
    ``replacement`` in its place, when the function runs on it and returns a finite scalar."""
    for family in families:
        module = importlib.import_module(f"{__package__}.{family}")
        for case in module.CASES:
            if case.kwargs or not isinstance(case.wrt, int):
                continue
            if not (len(case.args) > case.wrt >= 0 and case.args[case.wrt] is V):
                continue
            args = list(case.args)
            args[case.wrt] = replacement
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    value = case.func(*copy.deepcopy(args))
                ok = np.ndim(value) == 0 and np.isfinite(float(value))
            except Exception:
                ok = False
            if ok:
                yield case, tuple(args)


for _case, _args in variants(T):
    CASES.add(_case.func, *_args, wrt=_case.wrt, name=f"{_case.family}.{_case.name}")
