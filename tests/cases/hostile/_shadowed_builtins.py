"""A module that rebinds builtins at module level (not a family: module_aliases registers these)."""

import math as _math

import numpy as np

abs = np.square                  # noqa: A001
max = np.minimum                 # noqa: A001
sum = np.prod                    # noqa: A001
pow = lambda a, b: a * b         # noqa: A001, E731
len = lambda v: 10               # noqa: A001, E731
round = np.exp                   # noqa: A001
divmod = lambda a, b: (a * b, a + b)   # noqa: A001, E731
math = np                        # math.sin is np.sin here; the real module is _math


def uses_shadowed_abs_max(x):
    return np.sum(abs(x) + max(x, 0.2))


def uses_shadowed_sum_pow(x):
    return sum(pow(x, 3.0)) + len(x) * np.sum(x)


def uses_shadowed_round_divmod(s):
    q, r = divmod(s, 2.0)
    return round(s) + q * r


def uses_math_name_for_numpy(x):
    return np.sum(math.sin(x)) + _math.pi * np.sum(x)
