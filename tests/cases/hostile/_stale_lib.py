"""A module whose globals the ``stale`` scenarios rebind (not a family: no cases here)."""

import numpy as np


def act(v):
    return np.tanh(v)


def other_act(v):
    return np.sin(v) * 2.0


INNER = np.tanh


def uses_inner(v):
    return INNER(v) * v


GAIN = 1.5


def uses_gain(v):
    return v * GAIN


xp = np


def uses_xp(v):
    return xp.sum(xp.sin(v)) * v
