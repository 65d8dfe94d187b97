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


from numpy import cos as sin  # noqa: E402  (a NumPy function imported under another NumPy name)

tanh = np.arctan                # a global named like a NumPy function, bound to another one


def imported_under_other_numpy_name(x):
    return np.sum(sin(x) * x)


CASES.add(imported_under_other_numpy_name, V)


def global_named_like_numpy_function(x):
    return np.sum(tanh(x) ** 2)


CASES.add(global_named_like_numpy_function, V)


def cube(v):
    return v ** 3


def user_function_named_like_method(x):
    return np.sum(cube(x))


CASES.add(user_function_named_like_method, V)


class _FakeNumpy:
    @staticmethod
    def sum(v):
        return np.sum(v) * 2.0

    @staticmethod
    def exp(v):
        return np.exp(v) + v


def local_name_np_is_not_numpy(x):
    np = _FakeNumpy
    return np.sum(np.exp(x))


CASES.add(local_name_np_is_not_numpy, V)


def map_builtin_with_numpy_function(x):
    return np.sum(np.array(list(map(np.sin, x))))


CASES.add(map_builtin_with_numpy_function, V)


def functools_reduce_operator(x):
    import functools
    import operator
    return functools.reduce(operator.mul, [x, x + 1.0, np.cos(x)]).sum()


CASES.add(functools_reduce_operator, V)


def operator_module_functions(x, y):
    import operator
    return np.sum(operator.add(operator.mul(x, y), operator.pow(x, 2)))


CASES.add(operator_module_functions, V, VP, wrt=(0, 1))


def ufunc_accumulate_method(x):
    return np.sum(np.add.accumulate(x) ** 2) + np.multiply.reduce(x)


CASES.add(ufunc_accumulate_method, VP)


def np_vectorize_python_function(x):
    f = np.vectorize(lambda v: v * v + 1.0)
    return np.sum(f(x))


CASES.add(np_vectorize_python_function, V)


def apply_along_axis(x):
    return np.sum(np.apply_along_axis(np.sum, 1, x ** 2))


CASES.add(apply_along_axis, M)


def dunder_methods_called(x):
    return x.__mul__(x).__add__(x.__pow__(3)).sum()


CASES.add(dunder_methods_called, V)


def builtin_pow_and_abs(x):
    return np.sum(pow(x, 3) + abs(x) * 2.0)


CASES.add(builtin_pow_and_abs, V)


def getattr_from_global_name(x):
    return np.sum(getattr(np, FUNC_NAME)(x))


FUNC_NAME = "sinh"
CASES.add(getattr_from_global_name, V)


def numpy_alias_via_sys_modules(x):
    import sys
    mod = sys.modules["numpy"]
    return mod.sum(mod.tanh(x))


CASES.add(numpy_alias_via_sys_modules, V)


# NumPy 2 spellings (array-API names) of familiar functions


def numpy2_concat_pow(x):
    return np.sum(np.pow(np.concat([x, x * 2.0]), 2))


CASES.add(numpy2_concat_pow, V)


def numpy2_inverse_trig_names(x):
    return np.sum(np.acos(x / 2.0) + np.atan2(x, 1.5) + np.asinh(x))


CASES.add(numpy2_inverse_trig_names, V)


def numpy2_permute_dims_and_mT(x):
    y = np.permute_dims(x, (2, 0, 1))
    return np.sum(y[0] ** 2) + np.sum(x.mT * np.arange(3.0))


CASES.add(numpy2_permute_dims_and_mT, T)


def numpy2_vecdot_matvec(a, v):
    return np.sum(np.vecdot(a, a)) + np.sum(np.matvec(a, v) ** 2)


CASES.add(numpy2_vecdot_matvec, M, V3, wrt=(0, 1))


def numpy2_unstack(x):
    a, b = np.unstack(x)
    return np.sum(a * b)


CASES.add(numpy2_unstack, M)


def numpy2_linalg_norms(a):
    return np.sum(np.linalg.vector_norm(a, axis=1)) + np.linalg.matrix_norm(a)


CASES.add(numpy2_linalg_norms, M)


def numpy2_cumulative_sum(x):
    return np.sum(np.cumulative_sum(x, include_initial=True) ** 2)


CASES.add(numpy2_cumulative_sum, V)


def numpy2_astype_function(x):
    return np.sum(np.astype(x, np.float64) ** 3)


CASES.add(numpy2_astype_function, V)


def numpy2_matrix_transpose(a):
    return np.sum(np.matrix_transpose(a) @ a)


CASES.add(numpy2_matrix_transpose, M)


from . import _odd_namespace  # noqa: E402

CASES.add(_odd_namespace.reduce_broadcast_matmul, V3,
          np.array([[1.0, 0.5, -0.2], [0.3, 1.2, 0.4], [-0.6, 0.1, 0.9]]), wrt=(0, 1),
          name="module_where_np_is_a_string")
CASES.add(_odd_namespace.uses_math_that_is_numpy, V, name="module_where_math_is_numpy")
CASES.add(_odd_namespace.inplace_and_index, V, name="module_where_np_is_a_string_inplace")


from . import _shadowed_builtins as _sb  # noqa: E402

CASES.add(_sb.uses_shadowed_abs_max, V, name="module_rebinds_abs_and_max")
CASES.add(_sb.uses_shadowed_sum_pow, VP, name="module_rebinds_sum_pow_len")
CASES.add(_sb.uses_shadowed_round_divmod, S, name="module_rebinds_round_divmod")
CASES.add(_sb.uses_math_name_for_numpy, V, name="module_rebinds_math_to_numpy")
