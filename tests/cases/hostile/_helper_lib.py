"""Helpers that the ``helpers`` family calls from another module (not a family: no cases here)."""

import numpy as np
import numpy as xnp

RATE = 0.5
_OFFSET = np.array([0.25, -0.5, 0.75, 1.0])
t0 = 4.0


def softplus(v):
    return np.log1p(np.exp(v))


def scaled(v):
    return v * RATE


def uses_private_global(v):
    return v + _OFFSET


def uses_own_alias(v):
    return xnp.sum(xnp.sin(v) ** 2)


def uses_t0(v):
    return v * t0 + 1.0


def double_inplace(v):
    v *= 2.0
    return v


def normalize_rows(a):
    return a / a.sum(axis=1, keepdims=True)


def first_row_view(a):
    return a[0]


def head_view(v):
    return v[:2]


def with_array_default(v, w=np.array([1.0, 2.0, 3.0, 4.0])):
    return v * w


def append_to(acc, v):
    acc.append(v)
    return acc


def calls_other_helper(v):
    return softplus(v) * scaled(v)


def fill_buffer(buf, v):
    buf[:] = v
    return None
