"""Helpers: in another module, mutating their arguments, with array defaults, returning views."""

import numpy as np

from . import _helper_lib as lib
from . import M, MP, S, T, V, V3, VP, Registry
from ._helper_lib import calls_other_helper, double_inplace, softplus, uses_own_alias, uses_t0

CASES = Registry("helpers")

def local_helper(v):
    return v * np.exp(-v)


def local_helper_mutates(v):
    v[0] = 0.0
    return v


def local_helper_default_array(v, w=np.array([0.5, 1.5, 2.5, 3.5])):
    return np.sum(v * w)


def local_helper_default_mutable(v, acc=[]):
    acc.append(1.0)
    return v * len(acc) / len(acc)


def local_helper_returns_view(a):
    return a.T


def local_helper_kwonly(v, *, power=2.0):
    return v ** power


def local_helper_two_results(v):
    return v * 2.0, v ** 2


def local_helper_iadd_param(v, d):
    v += d
    return v


def helper_from_other_module(x):
    return np.sum(softplus(x))


CASES.add(helper_from_other_module, V)


def helper_via_module_attribute(x):
    return np.sum(lib.scaled(x) ** 2)


CASES.add(helper_via_module_attribute, V)


def helper_other_module_private_global(x):
    return np.sum(lib.uses_private_global(x) ** 2)


CASES.add(helper_other_module_private_global, V)


def helper_other_module_alias(x):
    return uses_own_alias(x) * 2.0


CASES.add(helper_other_module_alias, V)


def helper_other_module_t0_global(x):
    return np.sum(uses_t0(x) ** 2)


CASES.add(helper_other_module_t0_global, V)


def helper_chain_other_module(x):
    return np.sum(calls_other_helper(x))


CASES.add(helper_chain_other_module, V)


def helper_mutates_argument_copy(x):
    y = x * 1.0
    z = double_inplace(y)
    return np.sum(y * x) + np.sum(z)


CASES.add(helper_mutates_argument_copy, V)


def helper_mutates_caller_argument(x):
    z = double_inplace(x)
    return np.sum(z ** 2)


CASES.add(helper_mutates_caller_argument, V)


def helper_setitem_local(x):
    y = x * 3.0
    local_helper_mutates(y)
    return np.sum(y ** 2)


CASES.add(helper_setitem_local, V)


def helper_array_default(x):
    return local_helper_default_array(x) + np.sum(lib.with_array_default(x) ** 2)


CASES.add(helper_array_default, V)


def helper_default_overridden(x):
    return local_helper_default_array(x, x)


CASES.add(helper_default_overridden, V)


def helper_mutable_default(x):
    return np.sum(local_helper_default_mutable(x) ** 2)


CASES.add(helper_mutable_default, V)


def helper_returns_view_written(x):
    y = x * 1.0
    t = local_helper_returns_view(y)
    t[0, 0] = 9.0
    return np.sum(y * x)


CASES.add(helper_returns_view_written, M)


def helper_row_view_written(x):
    y = x * 2.0
    r = lib.first_row_view(y)
    r += 1.0
    return np.sum(y ** 2)


CASES.add(helper_row_view_written, M)


def helper_head_view_scaled(x):
    y = x + 0.0
    h = lib.head_view(y)
    h *= 4.0
    return np.sum(np.sin(y))


CASES.add(helper_head_view_scaled, V)


def helper_kwonly_arg(x):
    return np.sum(local_helper_kwonly(x, power=3.0))


CASES.add(helper_kwonly_arg, VP)


def helper_tuple_result(x):
    a, b = local_helper_two_results(x)
    return np.sum(a * b)


CASES.add(helper_tuple_result, V)


def helper_appends_to_list(x):
    acc = lib.append_to([], x ** 2)
    acc = lib.append_to(acc, x)
    return np.sum(acc[0] + acc[1])


CASES.add(helper_appends_to_list, V)


def helper_fills_buffer(x):
    buf = np.zeros(4)
    lib.fill_buffer(buf, x * 2.0)
    return np.sum(buf ** 2)


CASES.add(helper_fills_buffer, V)


def helper_iadd_param_aliases(x):
    y = x * 1.0
    z = local_helper_iadd_param(y, x)
    return np.sum(y) + np.sum(z)


CASES.add(helper_iadd_param_aliases, V)


def helper_normalize_other_module(x):
    return np.sum(lib.normalize_rows(x) * np.arange(3.0))


CASES.add(helper_normalize_other_module, MP)


def helper_called_twice_different_args(x, y):
    return np.sum(local_helper(x) * local_helper(y))


CASES.add(helper_called_twice_different_args, V, VP, wrt=(0, 1))


def helper_keyword_call(x):
    return np.sum(local_helper_default_array(w=x, v=x ** 2))


CASES.add(helper_keyword_call, V)


def helper_star_args_call(x):
    args = (x, x)
    return local_helper_default_array(*args)


CASES.add(helper_star_args_call, V)


def helper_3d_other_module(x):
    return np.sum(softplus(x) * lib.scaled(x))


CASES.add(helper_3d_other_module, T)


RATE = 10.0          # lib.scaled reads _helper_lib.RATE (0.5), not this one
OFFSET = 1.0


def add_offset(v):
    return v + OFFSET


def helper_global_shadowed_by_caller_local(x):
    OFFSET = 5.0
    return np.sum(add_offset(x) * OFFSET)


CASES.add(helper_global_shadowed_by_caller_local, V)


def helper_global_same_name_other_module(x):
    return np.sum(lib.scaled(x) * RATE)


CASES.add(helper_global_same_name_other_module, V)


def helper_local_same_name_as_caller_local(x):
    y = x ** 2
    z = lib.with_local_y(x)
    return np.sum(y * z)


CASES.add(helper_local_same_name_as_caller_local, V)


def _uses_v(v):
    w = v * 3.0
    return w - 1.0


def helper_param_same_name_as_caller_local(x):
    v = x + 10.0
    w = _uses_v(x)
    return np.sum(v * w)


CASES.add(helper_param_same_name_as_caller_local, V)


def helper_named_like_numpy(x):
    return np.sum(lib.exp(x)) + np.sum(np.exp(x))


CASES.add(helper_named_like_numpy, V)


def _square(v):
    return v * v


from ._helper_lib import exp as sin  # noqa: E402  (a helper imported under a NumPy name)


def helper_imported_as_numpy_name(x):
    return np.sum(sin(x) + np.sin(x))


CASES.add(helper_imported_as_numpy_name, V)


def helper_default_bound_at_definition(x):
    return np.sum(lib.default_from_global(x) ** 2)


CASES.add(helper_default_bound_at_definition, V)


def helper_reads_other_module_dict(x):
    return np.sum(lib.reads_state(x) ** 2)


CASES.add(helper_reads_other_module_dict, V)


def helper_identity_then_write(x):
    y = x * 1.0
    z = lib.identity(y)
    z[0] = 9.0
    return np.sum(y * x)


CASES.add(helper_identity_then_write, V)


def helper_returns_tuple_of_views(x):
    y = x * 1.0
    h, t = lib.head_and_tail(y)
    t *= 2.0
    return np.sum(y ** 2) + np.sum(h)


CASES.add(helper_returns_tuple_of_views, V)


def helper_with_comprehension_inside(x):
    return lib.square_comprehension(x) * 2.0


CASES.add(helper_with_comprehension_inside, V)


def helper_writes_global_buffer(x):
    b = lib.writes_global_buffer(x)
    return np.sum(b ** 2)


CASES.add(helper_writes_global_buffer, V)


class Ops:
    @staticmethod
    def cube(v):
        return v ** 3

    scale = 0.5


def helper_static_method_of_class(x):
    return np.sum(Ops.cube(x) * Ops.scale)


CASES.add(helper_static_method_of_class, V)


def helper_called_with_keywords_reordered(x, y):
    return np.sum(local_helper_default_array(w=y, v=x) * 1.0)


CASES.add(helper_called_with_keywords_reordered, V, VP, wrt=(0, 1))


def _annotated(v: np.ndarray, k: float = 2.0) -> np.ndarray:
    """Scale v by k (a docstring and annotations)."""
    return v * k


def helper_annotated_docstring(x):
    return np.sum(_annotated(x, 3.0) ** 2)


CASES.add(helper_annotated_docstring, V)


def _sum_sq(v):
    return lib.sum_of_squares(v)


def helper_two_levels_other_module(x):
    return _sum_sq(x) + _sum_sq(x * 2.0)


CASES.add(helper_two_levels_other_module, M)


def helper_name_rebound_locally(x):
    softplus = np.tanh
    return np.sum(softplus(x) ** 2)


CASES.add(helper_name_rebound_locally, V)


def helper_via_local_alias(x):
    h = lib.softplus
    return np.sum(h(x) * x)


CASES.add(helper_via_local_alias, V)


def helper_via_dict_lookup(x):
    table = {"act": softplus, "lin": lib.scaled}
    return np.sum(table["act"](x) + table["lin"](x))


CASES.add(helper_via_dict_lookup, V)


def helper_passed_as_argument(x, act):
    return np.sum(act(x) ** 2)


CASES.add(helper_passed_as_argument, V, lib.softplus)


def _make_scale(k):
    def scale(v):
        return v * k
    return scale


def helper_factory_closure(x):
    return np.sum(_make_scale(3.0)(x) ** 2)


CASES.add(helper_factory_closure, V)


x_scale = 4.0


def _param_named_like_global(x):
    return x * x_scale


def helper_param_same_name_as_caller_param(x):
    return np.sum(_param_named_like_global(x * 2.0) ** 2)


CASES.add(helper_param_same_name_as_caller_param, V)


def _varargs_helper(*vs):
    return vs[0] * vs[1]


def helper_with_varargs(x, y):
    return np.sum(_varargs_helper(x, y) ** 2)


CASES.add(helper_with_varargs, V, VP, wrt=(0, 1))


def _kwargs_helper(v, **kw):
    return v * kw["k"] + kw.get("b", 0.0)


def helper_with_kwargs(x):
    return np.sum(_kwargs_helper(x, k=3.0, b=1.0) ** 2)


CASES.add(helper_with_kwargs, V)


class _Layer:
    def __init__(self):
        self.w = np.array([0.5, -1.0, 2.0, 0.25])

    @property
    def w2(self):
        return self.w ** 2

    def apply(self, v):
        return v * self.w2 + self.w


_LAYER = _Layer()


def helper_method_with_property(x):
    return np.sum(np.tanh(_LAYER.apply(x)))


CASES.add(helper_method_with_property, V)


def _sets_attribute(obj, v):
    obj.cache = v * 2.0
    return obj.cache


def helper_sets_attribute_of_argument(x):
    b = _Layer()
    r = _sets_attribute(b, x)
    return np.sum(b.cache * r)


CASES.add(helper_sets_attribute_of_argument, V)


def _early_exit(v):
    if v.shape[0] > 10:
        return v
    return v * 2.0


def helper_with_branch(x):
    return np.sum(_early_exit(x) ** 2)


CASES.add(helper_with_branch, V)


from . import _helper_lib2 as lib2  # noqa: E402


def helper_chain_across_two_modules(x):
    return np.sum(lib2.chain(x) * RATE)


CASES.add(helper_chain_across_two_modules, V)


def helper_globals_collide_across_modules(x):
    return np.sum(lib2.offset_then_scale(x) + add_offset(x) * OFFSET)


CASES.add(helper_globals_collide_across_modules, V)


def helper_module_with_renamed_numpy(x):
    np = None  # noqa: F841  (a local named np in the caller must not leak into the helper)
    return lib2.uses_renamed_numpy(x) * 2.0


CASES.add(helper_module_with_renamed_numpy, V)


import functools  # noqa: E402


def _scales_by_two(fn):
    @functools.wraps(fn)
    def wrapper(v):
        return 2.0 * fn(v)
    return wrapper


@_scales_by_two
def _wrapped_helper(v):
    return np.sin(v)


def helper_decorated_with_wraps(x):
    return np.sum(_wrapped_helper(x) * x)


CASES.add(helper_decorated_with_wraps, V)


def _shifts_input(fn):
    @functools.wraps(fn)
    def wrapper(v, *rest):
        return fn(v + 1.0, *rest)
    return wrapper


@_shifts_input
def _shifted_helper(v, k=2.0):
    return v ** k


def helper_decorated_shifting_input(x):
    return np.sum(_shifted_helper(x, 3.0))


CASES.add(helper_decorated_shifting_input, V)


W_AT_DEF = np.array([1.0, 2.0, 3.0, 4.0])


def _default_array_bound_at_def(v, w=W_AT_DEF):
    return v * w


W_AT_DEF = np.array([-5.0, -5.0, -5.0, -5.0])   # rebinding: the default above is still [1, 2, 3, 4]


def helper_default_array_rebound_later(x):
    return np.sum(_default_array_bound_at_def(x) ** 2) + np.sum(W_AT_DEF * x)


CASES.add(helper_default_array_rebound_later, V)


def _forward_varargs(*a):
    return np.multiply(*a)


def helper_forwards_varargs_to_numpy(x, y):
    return np.sum(_forward_varargs(x, y) ** 2)


CASES.add(helper_forwards_varargs_to_numpy, V, VP, wrt=(0, 1))


def _memo_default(v, cache={}):
    cache["last"] = v
    return v * 2.0


def helper_mutates_its_default(x):
    return np.sum(_memo_default(x) ** 2)


CASES.add(helper_mutates_its_default, V)


def _kwonly_default_array(v, *, w=np.array([0.5, 1.5, -1.0, 2.0])):
    return v * w


def helper_keyword_only_default_array(x):
    return np.sum(_kwonly_default_array(x) ** 2)


CASES.add(helper_keyword_only_default_array, V)
