"""User rules (sg.vjp_rule) for functions neither engine can see through: both engines must use the
rule, whether the function is the one differentiated or is called by it, however it is reached."""

import numpy as np

from . import _opaque_lib as olib
from . import M, S, T, V, V3, VP, Registry
from ._opaque_lib import opaque_exp, opaque_logsumexp, opaque_scaled

CASES = Registry("rules")

CASES.add(opaque_logsumexp, V, name="ruled_function_itself")
CASES.add(olib.opaque_logsumexp, M, name="ruled_function_itself_2d")


def calls_ruled_global(x):
    return opaque_logsumexp(x * 2.0) ** 2


CASES.add(calls_ruled_global, V)


def calls_ruled_module_attribute(x):
    return olib.opaque_logsumexp(np.sin(x)) + np.sum(x)


CASES.add(calls_ruled_module_attribute, V)


def calls_ruled_elementwise(x):
    return np.sum(opaque_exp(x) * x)


CASES.add(calls_ruled_elementwise, T)


def calls_ruled_with_constant_argument(x):
    return np.sum(opaque_scaled(x, 3.0) ** 2)


CASES.add(calls_ruled_with_constant_argument, V)


def calls_ruled_through_local_alias(x):
    f = opaque_exp
    return np.sum(f(x) ** 2)


CASES.add(calls_ruled_through_local_alias, V)


def calls_ruled_through_dict(x):
    table = {"lse": opaque_logsumexp}
    return table["lse"](x) * 3.0


CASES.add(calls_ruled_through_dict, V)


def _make_closure():
    lse = opaque_logsumexp

    def calls_ruled_through_closure(x):
        return lse(x ** 2)

    return calls_ruled_through_closure


CASES.add(_make_closure(), V, name="calls_ruled_through_closure")


def calls_ruled_default_argument(x, f=opaque_exp):
    return np.sum(f(x))


CASES.add(calls_ruled_default_argument, V)


def _helper_calls_ruled(v):
    return opaque_exp(v) - v


def calls_helper_that_calls_ruled(x):
    return np.sum(_helper_calls_ruled(x) ** 2)


CASES.add(calls_helper_that_calls_ruled, V)


def ruled_twice_composed(x):
    return opaque_logsumexp(opaque_exp(x * 0.5))


CASES.add(ruled_twice_composed, V)


def ruled_result_mutated_after(x):
    y = opaque_exp(x)
    s = np.sum(y * x)
    y[0] = 100.0
    return s


CASES.add(ruled_result_mutated_after, V)
