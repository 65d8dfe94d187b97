"""Helpers in a module of their own for tests/runtime/test_tape_hostile_fallback.py: module state a taped
run must not leave Tensors in, and type checks in a function the differentiated one calls."""

import functools
import math

import numpy as np

import sourcegrad as sg

_BUFFER = None
MEMO = {}


def lazy_buffer():
    """A module global built on first use (inside the taped run, where np.zeros gives a Tensor)."""
    global _BUFFER
    if _BUFFER is None:
        _BUFFER = np.zeros(3)
    return _BUFFER


def memoised_ones(n):
    if n not in MEMO:
        MEMO[n] = np.ones(n)
    return MEMO[n]


@functools.lru_cache(maxsize=None)
def cached_basis(n):
    return np.eye(n) + np.zeros((n, n))


def uses_state(x):
    return x * (lazy_buffer().sum() + memoised_ones(2).sum() + cached_basis(2).sum())


def kind_scale(a):
    """1.0 for a NumPy array, 100.0 for anything else: a type check in a helper."""
    return 1.0 if type(a) is np.ndarray else 100.0


def float_scale(s):
    return 2.0 if type(s) is float else 7.0


def checks_types(x):
    return x * kind_scale(np.zeros(2)) + math.sin(x) * float_scale(x * 1.0)


def checks_metaclass(x):
    return x * (3.0 if isinstance(np.ndarray, type) and issubclass(type(np.ndarray), type) else 5.0)


def raises_midway(x):
    math.sin(x)
    raise KeyError("midway")


class Holder:
    """Keeps modules and functions it was given while running on the tape."""

    def setup(self):
        self.xp = np
        self.table = {"sin": math.sin}


HOLDER = Holder()


def keeps_modules(x):
    HOLDER.setup()
    return HOLDER.table["sin"](x)


def inner(y):
    return math.sin(y) * y


def source_inside_tape(x):
    return x * sg.grad(inner, mode="source")(0.5) + math.cos(x)


def plain_work(n):
    """Plain code run in another thread while a function of this module runs on the tape."""
    out = []
    for i in range(n):
        y = np.zeros(3)
        y[0] = i
        a = np.array([float(i), 2.0])
        out.append((type(y), type(a), y.sum() + a.sum() + math.sin(0.1)))
    return out


def long_tape(x):
    for _ in range(2000):
        x = math.sin(x) * 0.999 + 0.001
        y = np.zeros(2)
        y[0] = x
        x = y.sum()
    return x


TABLE = {"sin": math.sin, "zeros": np.zeros}
SEQUENCE = [math.cos, np.array]
PAIR = (math.exp, np.ones)


def branches_on_identity(x):
    """Branches on tables of functions built at import, compared with what the module names now."""
    k = 0.0
    k += 1.0 if TABLE["sin"] is math.sin else 100.0
    k += 1.0 if TABLE["zeros"] == np.zeros else 100.0
    k += 1.0 if SEQUENCE[0] is math.cos and SEQUENCE[1] is np.array else 100.0
    k += 1.0 if PAIR == (math.exp, np.ones) else 100.0
    k += 1.0 if math.sin in TABLE.values() else 100.0
    return x * k + TABLE["sin"](x)


def tape_inside_tape(x):
    step = sg.grad(inner, mode="tape")(0.5)   # a plain inner gradient, taken while x is a Tensor
    y = np.zeros(2)
    y[0] = x * step
    return y.sum() + math.cos(x)


def tape_inside_source(x):
    return x * sg.grad(inner, mode="tape")(0.5)


LAST = None
xp = None


def _remember(value):
    global LAST, xp
    LAST = value
    xp = np


def remembers_last(x):
    y = math.sin(x) * 2.0
    _remember(y)
    return y
