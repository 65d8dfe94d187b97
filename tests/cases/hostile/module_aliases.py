"""Local and module-level aliases of modules and functions; imports inside the function."""

import math
import math as m
import numpy
import numpy as np
import numpy.linalg as la
from numpy import cos, exp as e_x, sum as npsum
from numpy import linalg

from . import M, MP, Q, S, T, V, V3, VP, Registry

CASES = Registry("module_aliases")

xp = np
SIN = np.sin
LOG = np.log
SUMFN = np.sum
NP_ALIASES = {"np": np}


def local_module_alias(x):
    xp_local = np
    return xp_local.sum(xp_local.exp(x))


CASES.add(local_module_alias, V)


def global_module_alias(x):
    return xp.sum(xp.tanh(x) ** 2)


CASES.add(global_module_alias, V)


def full_numpy_name(x):
    return numpy.sum(numpy.cos(x) * x)


CASES.add(full_numpy_name, V)


def from_import_names(x):
    return npsum(cos(x) * e_x(x))


CASES.add(from_import_names, V)


def global_function_alias(x):
    return SUMFN(SIN(x) * LOG(x))


CASES.add(global_function_alias, VP)


def local_function_alias(x):
    f = np.exp
    g = np.sum
    return g(f(x) * x)


CASES.add(local_function_alias, V)


def math_alias_scalar(x):
    return m.sin(x) * m.exp(x)


CASES.add(math_alias_scalar, S)


def linalg_submodule_alias(a):
    return la.det(a) + linalg.norm(a)


CASES.add(linalg_submodule_alias, Q)


def import_inside_function(x):
    import numpy as onp
    return onp.sum(onp.sqrt(x))


CASES.add(import_inside_function, VP)


def from_import_inside_function(x):
    from numpy import log1p
    return np.sum(log1p(x))


CASES.add(from_import_inside_function, VP)


def alias_through_dict(x):
    mod = NP_ALIASES["np"]
    return mod.sum(mod.sin(x))


CASES.add(alias_through_dict, V)


def getattr_module_function(x):
    fn = getattr(np, "cosh")
    return np.sum(fn(x))


CASES.add(getattr_module_function, V)


def shadow_np_locally(x):
    np = numpy
    return np.sum(np.exp(x))


CASES.add(shadow_np_locally, V)


def local_alias_of_method(x):
    s = x.sum
    return s() * 2.0 + np.sum(x ** 2)


CASES.add(local_alias_of_method, M)


def ufunc_method_alias(x):
    red = np.add.reduce
    return red(x ** 2)


CASES.add(ufunc_method_alias, V)


def choose_function_by_table(x):
    table = {"a": np.sin, "b": np.cos}
    f = table["b"]
    return np.sum(f(x))


CASES.add(choose_function_by_table, V)


def alias_then_rebind_local(x):
    f = np.sin
    y = f(x)
    f = np.exp
    return np.sum(y + f(x))


CASES.add(alias_then_rebind_local, V)


def builtin_shadowed_sum(x):
    sum = np.prod
    return sum(x)


CASES.add(builtin_shadowed_sum, VP)


def builtins_abs_round_trip(x):
    return abs(x) ** 2 + 3.0 * x


CASES.add(builtins_abs_round_trip, S)


def math_functions_on_float(x):
    return math.log(x) + math.sqrt(x) * math.cos(x)


CASES.add(math_functions_on_float, S)
