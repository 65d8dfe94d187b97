"""Module globals, closures, names that collide with generated temporaries, nested scopes."""

import numpy as np

from . import M, MP, S, T, V, V3, VP, Registry

CASES = Registry("globals_and_closures")

SCALE = 2.5
WEIGHTS = np.array([0.5, -1.5, 2.0, 1.0])
CONFIG = {"power": 3.0, "bias": 0.25}


class Settings:
    gain = 1.75


t0 = 10.0
t1 = np.array([1.0, 2.0, 3.0, 4.0])
bx = 3.0
by = -2.0


def global_scalar(x):
    return np.sum(SCALE * x ** 2)


CASES.add(global_scalar, V)


def global_array(x):
    return np.sum(WEIGHTS * np.sin(x))


CASES.add(global_array, V)


def global_dict_lookup(x):
    return np.sum(x ** CONFIG["power"] + CONFIG["bias"])


CASES.add(global_dict_lookup, VP)


def class_attribute_global(x):
    return np.sum(Settings.gain * x * x)


CASES.add(class_attribute_global, V)


def global_named_t0(x):
    return np.sum((x + t0) * (x * 2.0 + 1.0))


CASES.add(global_named_t0, V)


def global_named_t1(x):
    y = x * x + x
    return np.sum(y * t1)


CASES.add(global_named_t1, V)


def global_named_like_adjoint(x):
    return x * bx + x ** 2 * by


CASES.add(global_named_like_adjoint, S)


def param_named_like_adjoint(x, bx):
    return np.sum(x * bx + np.sin(x))


CASES.add(param_named_like_adjoint, V, V, wrt=0)


def local_named_like_temp(x):
    t0 = x * 2.0
    t1 = np.sin(x) * t0
    bx = t1 + t0
    return np.sum(bx * x)


CASES.add(local_named_like_temp, V)


def local_named_like_seed(x):
    bglobal_named_like_seed = x * 3.0
    return np.sum(bglobal_named_like_seed ** 2)


CASES.add(local_named_like_seed, V)


def builtins_named_locals(x):
    len = 3.0
    max = x * len
    return np.sum(max ** 2)


CASES.add(builtins_named_locals, V)


def _make_closure_const():
    k = 1.5
    offset = np.array([0.1, 0.2, 0.3, 0.4])

    def closure_const(x):
        return np.sum((x + offset) ** 2 * k)

    return closure_const


CASES.add(_make_closure_const(), V, name="closure_const")


def _make_closure_fn():
    act = np.tanh

    def closure_function(x):
        return np.sum(act(x) ** 2)

    return closure_function


CASES.add(_make_closure_fn(), V, name="closure_function")


def _make_closure_array_mutated_later():
    state = np.ones(4)

    def closure_state_read(x):
        return np.sum(x * state)

    state[0] = 3.0
    return closure_state_read


CASES.add(_make_closure_array_mutated_later(), V, name="closure_state_read")


def _make_closure_counter():
    calls = [0]

    def closure_counter_effect(x):
        calls[0] += 1
        return np.sum(x ** 2) * 0.5

    return closure_counter_effect


CASES.add(_make_closure_counter(), V, name="closure_counter_effect")


def _make_closure_helper():
    def inner(v):
        return v * np.exp(v)

    def closure_nested_helper(x):
        return np.sum(inner(x))

    return closure_nested_helper


CASES.add(_make_closure_helper(), V, name="closure_nested_helper")


def _make_closure_shadows_global():
    SCALE = -4.0

    def closure_shadows_global(x):
        return np.sum(SCALE * x ** 2)

    return closure_shadows_global


CASES.add(_make_closure_shadows_global(), V, name="closure_shadows_global")


def lambda_global_call(x):
    return np.sum(SQUARE(x) + x)


SQUARE = lambda v: v * v * 1.5   # noqa: E731


CASES.add(lambda_global_call, V)


def _make_lambda_closure():
    return lambda x: np.sum(np.cos(x) * x)


CASES.add(_make_lambda_closure(), V, name="lambda_itself")


def global_written_then_read(x):
    global _LAST
    _LAST = x * 2.0
    return np.sum(_LAST ** 2)


_LAST = None
CASES.add(global_written_then_read, V)


def global_array_broadcast_3d(x):
    return np.sum(x * WEIGHTS)


CASES.add(global_array_broadcast_3d, T)


def nonlocal_write(x):
    total = x * 0.0

    def add(v):
        nonlocal total
        total = total + v

    add(x ** 2)
    add(np.sin(x))
    return np.sum(total)


CASES.add(nonlocal_write, V)


_SCALERS = [lambda v: v * k for k in (1.0, 2.0, 3.0)]          # late binding: every one scales by 3
_SCALERS_BOUND = [lambda v, k=k: v * k for k in (1.0, 2.0, 3.0)]  # default binding: 1, 2, 3


def late_binding_lambda_list(x):
    return np.sum(_SCALERS[0](x) ** 2)


CASES.add(late_binding_lambda_list, V)


def default_bound_lambda_list(x):
    return np.sum(_SCALERS_BOUND[0](x) ** 2 + _SCALERS_BOUND[2](x))


CASES.add(default_bound_lambda_list, V)


def globals_dict_write_then_read(x):
    globals()["_DYNAMIC"] = x * 3.0
    return np.sum(_DYNAMIC ** 2)


_DYNAMIC = None
CASES.add(globals_dict_write_then_read, V)


def global_declared_augassign(x):
    global _TOTAL
    _TOTAL = 0.0
    _TOTAL += np.sum(x ** 2)
    return _TOTAL * 2.0


_TOTAL = 0.0
CASES.add(global_declared_augassign, V)


class _Config:
    def __init__(self):
        self.weight = np.array([0.5, 1.5, -1.0, 2.0])
        self.power = 2.0


CONFIG_OBJ = _Config()


def instance_attribute_global(x):
    return np.sum(CONFIG_OBJ.weight * x ** CONFIG_OBJ.power)


CASES.add(instance_attribute_global, V)


def _make_two_closures_sharing_cell():
    scale = [2.0]

    def set_scale(v):
        scale[0] = v

    def closure_shared_cell(x):
        set_scale(5.0)
        return np.sum(x * scale[0]) + np.sum(x ** 2)

    return closure_shared_cell


CASES.add(_make_two_closures_sharing_cell(), V, name="closure_shared_cell_written_by_sibling")


def _make_closure_over_argument_name():
    x = np.array([10.0, 20.0, 30.0, 40.0])

    def closure_param_shadows_cell(x):
        return np.sum(x ** 2)

    return closure_param_shadows_cell


CASES.add(_make_closure_over_argument_name(), V, name="closure_param_shadows_cell")


def _make_nested_closure():
    a = 2.0

    def middle():
        b = 3.0

        def closure_two_levels(x):
            return np.sum(a * x + b * x ** 2)

        return closure_two_levels

    return middle()


CASES.add(_make_nested_closure(), V, name="closure_two_levels")


def class_body_function_reads_module(x):
    return np.sum(_Config().weight * x)


CASES.add(class_body_function_reads_module, V)


def global_tuple_unpacked(x):
    a, b = _PAIR
    return np.sum(a * x + b * x ** 2)


_PAIR = (np.array([1.0, 2.0, 3.0, 4.0]), 0.5)
CASES.add(global_tuple_unpacked, V)


# Module globals named like the helpers generated code calls (sourcegrad/runtime/helpers.py): the
# generated adjoint must not pick these up instead of its own.
unbroadcast = "not a function"
expand_reduced = None
grad_matmul_rhs = 3.0
grad_matmul_lhs = [1, 2]
unindex = {"a": 1}
max_mask = 7
zeros_like = np.ones_like
float_dtype = np.int32
unconcatenate = None
grad_cumsum = "x"


def globals_named_like_runtime_helpers(x, A):
    r = A @ x + np.array([0.5, -0.5, 1.0])
    m = np.max(r ** 2, axis=0)
    return np.sum(np.cumsum(r + x[:, None] * 0.0)) + m + np.sum(np.concatenate([x[:2], r])) + x[1] * 2.0


CASES.add(globals_named_like_runtime_helpers, V3, np.array([[1.0, 0.5, -0.2], [0.3, 1.2, 0.4], [-0.6, 0.1, 0.9]]),
          wrt=(0, 1))


def locals_named_like_runtime_helpers(x, b):
    unbroadcast = x * 2.0
    expand_reduced = np.sum(unbroadcast + b, axis=0)
    unindex = expand_reduced[1]
    max_mask = np.max(x)
    return np.sum(expand_reduced ** 2) + unindex + max_mask


CASES.add(locals_named_like_runtime_helpers, M, V3, wrt=(0, 1))


def param_named_like_runtime_helper(unbroadcast, expand_reduced):
    return np.sum((unbroadcast + expand_reduced) ** 2)


CASES.add(param_named_like_runtime_helper, M, V3, wrt=(0, 1))


def globals_named_like_generated(x):
    return np.sum(dglobals_named_like_generated_dx * x) + bglobals_named_like_generated * np.sum(x ** 2)


dglobals_named_like_generated_dx = np.array([1.0, 2.0, 3.0, 4.0])
bglobals_named_like_generated = 0.5
CASES.add(globals_named_like_generated, V)


def local_named_np_shadowing_numpy_in_generated_code(x):
    y = np.exp(x)
    np_ = y
    return np.sum(np_ * x)


CASES.add(local_named_np_shadowing_numpy_in_generated_code, V)


def param_named_like_seed(x, seed):
    return np.sum(np.sin(x * seed))


CASES.add(param_named_like_seed, V, 2.0, wrt=(0, 1))


def param_named_like_wrapper_locals(x, g, ans, args, self):
    return np.sum(x * g + ans) * args * self


CASES.add(param_named_like_wrapper_locals, V, VP, 0.5, 2.0, 3.0, wrt=(0, 1, 2))


# user names shaped like the generated code's SSA names (y_1, y_2, parts_2), temporaries and adjoints


def locals_named_like_ssa_versions(x):
    y = x * 2.0
    y_1 = x ** 2
    y += 1.0
    y_2 = y * y_1
    y *= 3.0
    return np.sum(y * y_1 + y_2)


CASES.add(locals_named_like_ssa_versions, V)


def locals_named_like_ssa_after_setitem(x):
    z = x.copy()
    z_1 = np.sin(x)
    z[0] = z_1[1] * 2.0
    z_2 = z + z_1
    z[1] = 5.0
    return np.sum(z * z_2 + z_1)


CASES.add(locals_named_like_ssa_after_setitem, V)


def list_named_like_ssa_version(x):
    parts_2 = [x * 3.0]
    parts = []
    parts.append(x ** 2)
    parts.append(x)
    return np.sum(np.concatenate(parts) * 2.0) + np.sum(parts_2[0])


CASES.add(list_named_like_ssa_version, V)


def locals_named_like_adjoints_of_temporaries(x):
    t0 = x * 2.0
    bt0 = np.cos(x)
    by = t0 * bt0
    y = by + t0
    return np.sum(y * bt0)


CASES.add(locals_named_like_adjoints_of_temporaries, V)


def param_named_like_ssa_version(x, x_1):
    x = x * 2.0
    x += x_1
    return np.sum(x ** 2)


CASES.add(param_named_like_ssa_version, V, VP, wrt=(0, 1))


def local_named_like_the_function(x):
    local_named_like_the_function = x * 2.0
    t = np.sum(local_named_like_the_function ** 2)
    return t + np.sum(local_named_like_the_function * x)


CASES.add(local_named_like_the_function, V)


def param_named_like_the_function(param_named_like_the_function, y):
    return np.sum(param_named_like_the_function ** 2 * y)


CASES.add(param_named_like_the_function, V, VP, wrt=(0, 1))


def local_named_like_seed_of_function(x):
    blocal_named_like_seed_of_function = np.sin(x)
    s = np.sum(blocal_named_like_seed_of_function * x)
    return s * 2.0 + np.sum(blocal_named_like_seed_of_function)


CASES.add(local_named_like_seed_of_function, V)


def returns_a_local_named_like_function_later_rebound(x):
    returns_a_local_named_like_function_later_rebound = np.exp(x)
    out = np.sum(returns_a_local_named_like_function_later_rebound)
    returns_a_local_named_like_function_later_rebound = out * 2.0
    return returns_a_local_named_like_function_later_rebound + np.sum(x)


CASES.add(returns_a_local_named_like_function_later_rebound, V)
