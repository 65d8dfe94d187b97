"""A module whose globals use the names generated code might rely on for other things (not a family:
the functions are registered by module_aliases)."""

import numpy as onp

np = "not numpy"          # generated code must not look numpy up in the user's globals
numpy = None
sourcegrad = 42
runtime = {"helpers": None}
helpers = None
sg = None
math = onp                # math is numpy here


def reduce_broadcast_matmul(x, A):
    r = A @ x + onp.array([0.5, -0.5, 1.0])
    return onp.sum(onp.maximum(r, 0.1) ** 2) + onp.sum(x[:2] * x[1:]) + onp.mean(x) * onp.max(r)


def uses_math_that_is_numpy(x):
    return math.sum(math.sin(x) ** 2)


def inplace_and_index(x):
    y = x.copy()
    y[1:] += y[:-1]
    return onp.sum(y ** 2)
