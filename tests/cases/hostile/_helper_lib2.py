"""A second helper module: imports from _helper_lib under other names, and has globals whose names
collide with the caller's and with _helper_lib's (not a family: no cases here)."""

import numpy as onp

from ._helper_lib import scaled as lib_scaled
from ._helper_lib import softplus as activation

RATE = -3.0          # _helper_lib.RATE is 0.5, helpers.RATE is 10.0
OFFSET = 100.0       # helpers.OFFSET is 1.0


def chain(v):
    return activation(v) * RATE + lib_scaled(v)


def offset_then_scale(v):
    return (v + OFFSET) * RATE


def uses_renamed_numpy(v):
    return onp.sum(onp.cos(v) * v)
