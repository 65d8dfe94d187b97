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


def exp(v):
    """A helper named like a NumPy function: it is not np.exp."""
    return v ** 3


def sum_of_squares(v):
    total = 0.0
    total = np.sum(v * v)
    return total


_STATE = {"scale": 3.0}


def reads_state(v):
    return v * _STATE["scale"]


def with_local_y(v):
    y = v * 2.0
    return y + 1.0


def identity(v):
    return v


def head_and_tail(v):
    return v[:2], v[2:]


SCALE_AT_DEF = 2.0


def default_from_global(v, k=SCALE_AT_DEF):
    return v * k


SCALE_AT_DEF = 7.0     # the default above stays 2.0


def square_comprehension(v):
    return sum([t * t for t in v])


def writes_global_buffer(v):
    _BUFFER[:] = v * 2.0
    return _BUFFER


_BUFFER = np.zeros(4)
