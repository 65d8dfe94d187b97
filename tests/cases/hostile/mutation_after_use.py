"""Constants and intermediates mutated after a use; common subexpressions across a mutation."""

import numpy as np

from . import M, MP, S, T, V, V3, VP, Registry

CASES = Registry("mutation_after_use")


def const_mutated_after_mul(x):
    c = np.ones(4)
    y = x * c
    c[0] = 5.0
    return np.sum(y * c)


CASES.add(const_mutated_after_mul, V)


def const_mutated_after_only_use(x):
    c = np.full(4, 2.0)
    y = x * c
    c[:] = -1.0
    return np.sum(y ** 2)


CASES.add(const_mutated_after_only_use, V)


def const_iadd_after_use(x):
    w = np.arange(1.0, 5.0)
    y = np.sin(x) * w
    w += 10.0
    return np.sum(y)


CASES.add(const_iadd_after_use, V)


def cse_across_mutation(x):
    c = np.array([1.0, 2.0, 3.0, 4.0])
    a = np.sum(x * c)
    c[1] = 0.0
    b = np.sum(x * c)
    return a * b


CASES.add(cse_across_mutation, V)


def cse_across_mutation_2d(x):
    c = np.ones((2, 3))
    a = np.sum(x @ c.T)
    c *= 3.0
    b = np.sum(x @ c.T)
    return a + b ** 2


CASES.add(cse_across_mutation_2d, M)


def matmul_operand_mutated(x):
    A = np.eye(3)
    y = A @ x
    A[0, 1] = 2.0
    return np.sum(y ** 2)


CASES.add(matmul_operand_mutated, V3)


def saved_activation_overwritten(x):
    h = np.tanh(x)
    out = np.sum(h ** 2)
    h[:] = 0.0
    return out + np.sum(h)


CASES.add(saved_activation_overwritten, V)


def exp_result_mutated(x):
    e = np.exp(x)
    s = np.sum(e * x)
    e *= 0.0
    return s


CASES.add(exp_result_mutated, V)


def divisor_mutated_after(x):
    d = np.array([2.0, 4.0, 5.0, 8.0])
    y = x / d
    d[2] = 1.0
    return np.sum(y ** 2)


CASES.add(divisor_mutated_after, V)


def power_base_mutated(x):
    p = np.array([2.0, 3.0, 2.0, 1.0])
    y = x ** p
    p.fill(1.0)
    return np.sum(y)


CASES.add(power_base_mutated, VP)


def argument_mutated_after_use(x):
    y = np.sin(x) * x
    x[0] = 0.0
    return np.sum(y)


CASES.add(argument_mutated_after_use, V)


def nondiff_argument_mutated_after_use(x, w):
    y = x * w
    w[1] = 7.0
    return np.sum(y * w)


CASES.add(nondiff_argument_mutated_after_use, V, np.array([1.0, 2.0, 3.0, 4.0]), wrt=0)


def nondiff_argument_mutated_before_use(x, w):
    w *= 2.0
    return np.sum(x * w)


CASES.add(nondiff_argument_mutated_before_use, V, np.array([1.0, 2.0, 3.0, 4.0]), wrt=0)


def global_const_not_mutated_reference(x):
    y = x * _GLOBAL_W
    return np.sum(y ** 2)


_GLOBAL_W = np.array([1.0, -1.0, 0.5, 2.0])
CASES.add(global_const_not_mutated_reference, V)


def sorted_copy_then_mutated(x):
    w = np.array([3.0, 1.0, 2.0, 0.5])
    y = x * w
    w.sort()
    return np.sum(y * w)


CASES.add(sorted_copy_then_mutated, V)


def mask_mutated_after_where(x):
    mask = x > 0.0
    y = np.where(mask, x, 0.1 * x)
    mask[:] = False
    return np.sum(y ** 2) + np.sum(np.where(mask, x, 2.0 * x))


CASES.add(mask_mutated_after_where, V)


def reduction_input_mutated(x):
    y = x ** 2
    s = np.sum(y, axis=0)
    y[0] = 100.0
    return np.sum(s * y[1])


CASES.add(reduction_input_mutated, M)


def intermediate_reused_twice_after_inplace(x):
    a = x * 2.0
    b = a + 1.0
    a += b
    c = a + 1.0
    return np.sum(b * c)


CASES.add(intermediate_reused_twice_after_inplace, V)


def scalar_list_state(x):
    coeffs = [1.0, 2.0]
    y = x * coeffs[1]
    coeffs[1] = 50.0
    return y + coeffs[0] * x


CASES.add(scalar_list_state, S)


def mutated_3d_const(x):
    k = np.ones((2, 3, 4))
    y = x * k
    k[0, 0, 0] = -3.0
    return np.sum(y * k)


CASES.add(mutated_3d_const, T)


G = np.ones(4)


def global_mutated_and_restored(x):
    y = x * G
    G[0] = 3.0
    z = x * G
    G[0] = 1.0
    return np.sum(y * z)


CASES.add(global_mutated_and_restored, V)


def global_alias_scaled_and_unscaled(x):
    w = G
    a = np.sum(x * w)
    w *= 2.0
    b = np.sum(x * w)
    w /= 2.0
    return a * b


CASES.add(global_alias_scaled_and_unscaled, V)


def cse_across_alias_write(x):
    buf = np.ones(4)
    v = buf[:]
    a = np.sum(x * buf)
    v[0] = 4.0
    b = np.sum(x * buf)
    return a * b


CASES.add(cse_across_alias_write, V)


def _bump(c):
    c += 1.0


def cse_across_helper_mutation(x):
    c = np.ones(4)
    a = np.sum(x ** 2 * c)
    _bump(c)
    b = np.sum(x ** 2 * c)
    return a + b * b


CASES.add(cse_across_helper_mutation, V)


def mutation_through_list(x):
    c = np.ones(4)
    lst = [c]
    y = x * c
    lst[0][0] = 9.0
    return np.sum(y * c)


CASES.add(mutation_through_list, V)


def same_expression_twice_around_write(x):
    c = np.array([2.0, 2.0, 2.0, 2.0])
    s1 = np.exp(x * c)
    c[3] = -1.0
    s2 = np.exp(x * c)
    return np.sum(s1 - s2)


CASES.add(same_expression_twice_around_write, V)


def scalar_python_list_mutated(x):
    ws = [1.0, 2.0, 3.0]
    a = x * ws[0]
    ws[0] = ws[2]
    b = x * ws[0]
    return a * b


CASES.add(scalar_python_list_mutated, S)


def out_buffer_reused(x):
    buf = np.empty(4)
    a = np.multiply(x, 2.0, out=buf)
    s = np.sum(a ** 2)
    np.multiply(x, 5.0, out=buf)
    return s + np.sum(a)


CASES.add(out_buffer_reused, V)


def closure_buffer_restored():
    state = np.array([1.0, 1.0, 1.0, 1.0])

    def closure_state_mutated_and_restored(x):
        y = np.sum(x * state)
        state[1] = 4.0
        z = np.sum(x * state)
        state[1] = 1.0
        return y * z

    return closure_state_mutated_and_restored


CASES.add(closure_buffer_restored(), V, name="closure_state_mutated_and_restored")


class _Params:
    def __init__(self):
        self.w = np.array([1.0, 2.0, 3.0, 4.0])


def const_alias_created_before_use_written(x):
    c = np.ones(4)
    d = c
    y = x * c
    d[0] = 5.0
    return np.sum(y ** 2)


CASES.add(const_alias_created_before_use_written, V)


def const_view_created_before_use_written(x):
    c = np.ones(4)
    v = c[:2]
    y = x * c
    v[0] = 5.0
    return np.sum(y ** 2)


CASES.add(const_view_created_before_use_written, V)


def const_reshape_view_written(x):
    c = np.ones(4)
    r = c.reshape(2, 2)
    y = np.sin(x) * c
    r[0, 0] = 5.0
    return np.sum(y * c)


CASES.add(const_reshape_view_written, V)


def const_written_by_out(x):
    c = np.ones(4)
    y = x * c
    np.multiply(c, 3.0, out=c)
    return np.sum(y ** 2)


CASES.add(const_written_by_out, V)


def nondiff_argument_view_written(x, w):
    v = w[1:]
    y = x * w
    v *= 2.0
    return np.sum(y ** 2)


CASES.add(nondiff_argument_view_written, V, np.array([1.0, 2.0, 3.0, 4.0]))


def object_attribute_array_mutated(x):
    p = _Params()
    y = x * p.w
    p.w[0] = 10.0
    return np.sum(y ** 2)


CASES.add(object_attribute_array_mutated, V)


def dict_value_array_mutated(x):
    d = {"w": np.ones(4)}
    y = x * d["w"]
    d["w"][2] = -3.0
    return np.sum(y * d["w"])


CASES.add(dict_value_array_mutated, V)


def const_rebinding_is_not_mutation(x):
    c = np.ones(4)
    y = x * c
    c = c * 5.0
    return np.sum(y ** 2) + np.sum(c * x)


CASES.add(const_rebinding_is_not_mutation, V)


def same_list_twice_aliased(x):
    y = x * 1.0
    pair = [y, y]
    pair[0] += 1.0
    return np.sum(pair[1] * x)


CASES.add(same_list_twice_aliased, V)


def list_multiplication_aliases_arrays(x):
    rows = [np.zeros(4)] * 2
    rows[0][0] = 7.0
    return np.sum(x * rows[1])


CASES.add(list_multiplication_aliases_arrays, V)


def gather_then_source_mutated(x):
    y = x * 2.0
    z = y[[0, 1]]
    y[0] = 100.0
    return np.sum(z ** 2) + np.sum(y)


CASES.add(gather_then_source_mutated, V)


def matmul_result_saved_then_operand_scaled(x):
    A = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])
    h = np.tanh(A @ x[:2])
    A *= 0.0
    return np.sum(h ** 2) + np.sum(A)


CASES.add(matmul_result_saved_then_operand_scaled, V)


def _zero_first(c):
    c[0] = 0.0


def _scale_tail(c):
    v = c[1:]
    v *= 2.0


def _outer_calls_inner(c):
    _zero_first(c)


class _Scalable:
    def __init__(self):
        self.w = np.array([1.0, 2.0, 3.0, 4.0])

    def double(self):
        self.w *= 2.0


def helper_setitem_between_uses(x):
    c = np.ones(4) * 2.0
    a = np.sum(x * c)
    _zero_first(c)
    b = np.sum(x * c)
    return a * b


CASES.add(helper_setitem_between_uses, V)


def helper_view_write_between_uses(x):
    c = np.ones(4)
    a = np.sum(np.sin(x) * c)
    _scale_tail(c)
    return a + np.sum(x * c)


CASES.add(helper_view_write_between_uses, V)


def nested_helper_mutation(x):
    c = np.array([3.0, 1.0, 1.0, 1.0])
    y = x * c
    _outer_calls_inner(c)
    return np.sum(y ** 2) + np.sum(c * x)


CASES.add(nested_helper_mutation, V)


def method_mutates_object_array(x):
    p = _Scalable()
    y = x * p.w
    p.double()
    z = x * p.w
    return np.sum(y * z)


CASES.add(method_mutates_object_array, V)


def solve_matrix_mutated_after(x):
    A = np.array([[2.0, 0.5, 0.0], [0.1, 3.0, 0.2], [0.0, 0.4, 1.5]])
    y = np.linalg.solve(A, x)
    A[0, 0] = 10.0
    return np.sum(y ** 2)


CASES.add(solve_matrix_mutated_after, V3)


def maximum_threshold_mutated_after(x):
    c = np.full(4, 0.5)
    y = np.maximum(x, c)
    c[:] = 10.0
    return np.sum(y ** 2)


CASES.add(maximum_threshold_mutated_after, V)


def clip_bound_array_mutated_after(x):
    lo = np.array([0.0, -1.0, 0.0, 0.0])
    y = np.clip(x, lo, 1.0)
    lo[:] = -5.0
    return np.sum(y ** 2)


CASES.add(clip_bound_array_mutated_after, V)


def sort_input_scaled_after(x):
    c = np.array([1.0, -1.0, 2.0, 0.5])
    s = np.sort(c * x)
    c *= -1.0
    return np.sum(s * np.arange(1.0, 5.0))


CASES.add(sort_input_scaled_after, V)


def max_reduction_input_changed(x):
    c = np.array([1.0, 2.0, 0.5, 1.0])
    m = np.max(c * x)
    c[2] = 100.0
    return m * 2.0 + np.sum(c)


CASES.add(max_reduction_input_changed, V)


def dot_weights_filled_after(x):
    w = np.array([0.5, -1.0, 2.0, 1.5])
    y = np.dot(w, x)
    w.fill(0.0)
    return y ** 2


CASES.add(dot_weights_filled_after, V)


def where_branch_array_mutated(x):
    alt = np.array([5.0, 6.0, 7.0, 8.0])
    y = np.where(x > 0.0, x * alt, alt)
    alt[0] = 0.0
    return np.sum(y ** 2)


CASES.add(where_branch_array_mutated, V)


def norm_input_mutated(x):
    c = np.ones(4)
    n = np.linalg.norm(x * c)
    c[1] = 3.0
    return n * 2.0


CASES.add(norm_input_mutated, V)


# non-differentiated operands (counts, widths, shifts, split points, weights) mutated after use


def repeat_counts_mutated(x):
    counts = np.array([1, 2, 0, 1])
    r = np.repeat(x, counts)
    counts[:] = 1
    return np.sum(r ** 2 * np.arange(1.0, 5.0))


CASES.add(repeat_counts_mutated, V)


def pad_widths_array_mutated(x):
    widths = np.array([1, 2])
    p = np.pad(x, widths)
    widths[0] = 3
    return np.sum(p * np.arange(7.0))


CASES.add(pad_widths_array_mutated, V)


def roll_shift_array_mutated(x):
    shift = np.array([1])
    r = np.roll(x, shift, axis=0)
    shift[0] = 3
    return np.sum(r * np.arange(1.0, 5.0))


CASES.add(roll_shift_array_mutated, V)


def split_points_array_mutated(x):
    points = np.array([1, 3])
    parts = np.split(x, points)
    points[0] = 2
    return np.sum(parts[1] ** 2) + np.sum(parts[0])


CASES.add(split_points_array_mutated, V)


def average_weights_mutated(x):
    w = np.array([1.0, 2.0, 3.0, 4.0])
    a = np.average(x ** 2, weights=w)
    w[:] = 1.0
    return a * 10.0


CASES.add(average_weights_mutated, V)


def einsum_constant_operand_mutated(x):
    W = np.array([[1.0, 0.5], [-1.0, 2.0], [0.3, 0.2], [0.0, 1.0]])
    y = np.einsum("i,ij->j", x, W)
    W *= 10.0
    return np.sum(y ** 2)


CASES.add(einsum_constant_operand_mutated, V)


def where_branch_constant_mutated_before_return(x):
    c = np.array([0.5, 0.5, 0.5, 0.5])
    y = np.where(x > 0.0, x * c, c)
    c += 100.0
    return np.sum(y ** 2)


CASES.add(where_branch_constant_mutated_before_return, V)


def tile_then_source_constant_mutated(x):
    c = np.array([1.0, 2.0])
    t = np.outer(x, np.tile(c, 2))
    c[0] = 50.0
    return np.sum(t * x[:, None])


CASES.add(tile_then_source_constant_mutated, V)


# Python lists passed as axes/permutations/widths/repeats and mutated after the call


def transpose_perm_list_mutated(x):
    perm = [2, 0, 1]
    y = np.transpose(x, perm)
    perm.reverse()
    return np.sum(y[0] ** 2) + np.sum(y * np.arange(24.0).reshape(4, 2, 3))


CASES.add(transpose_perm_list_mutated, T)


def moveaxis_lists_mutated(x):
    src, dst = [0, 1], [2, 0]
    y = np.moveaxis(x, src, dst)
    src[0], dst[0] = 2, 1
    return np.sum(y * np.arange(24.0).reshape(y.shape))


CASES.add(moveaxis_lists_mutated, T)


def tensordot_axes_list_mutated(a, b):
    axes = [[1], [0]]
    y = np.tensordot(a, b, axes=axes)
    axes[0][0] = 0
    return np.sum(y ** 2)


CASES.add(tensordot_axes_list_mutated, M, np.sin(np.arange(12.0)).reshape(3, 4), wrt=(0, 1))


def pad_widths_list_mutated(x):
    widths = [[1, 0], [0, 2]]
    y = np.pad(x, widths)
    widths[0][0] = 5
    return np.sum(y * np.arange(15.0).reshape(3, 5))


CASES.add(pad_widths_list_mutated, M)


def tile_reps_list_mutated(x):
    reps = [2, 1]
    y = np.tile(x, reps)
    reps[0] = 1
    return np.sum(y * np.arange(12.0).reshape(4, 3))


CASES.add(tile_reps_list_mutated, M)


def repeat_counts_list_mutated(x):
    counts = [2, 0, 1, 1]
    y = np.repeat(x, counts)
    counts[1] = 3
    return np.sum(y ** 2 * np.arange(1.0, 5.0))


CASES.add(repeat_counts_list_mutated, V)


def roll_lists_mutated(x):
    shift, axes = [1, 2], [0, 1]
    y = np.roll(x, shift, axes)
    shift[1] = 0
    return np.sum(y * np.arange(6.0).reshape(2, 3))


CASES.add(roll_lists_mutated, M)


def split_points_list_mutated(x):
    points = [1, 3]
    parts = np.split(x, points)
    points[0] = 2
    return np.sum(parts[1] ** 2) + 3.0 * np.sum(parts[2])


CASES.add(split_points_list_mutated, V)


def expand_dims_axis_list_mutated(x):
    axes = [0, 2]
    y = np.expand_dims(x, axes)
    axes[1] = 1
    return np.sum(y * np.arange(4.0).reshape(1, 4, 1))


CASES.add(expand_dims_axis_list_mutated, V)


def sum_axis_tuple_from_mutated_list(x):
    axes = [0, 2]
    s = np.sum(x, axis=tuple(axes))
    axes[0] = 1
    return np.sum(s ** 2 * np.arange(1.0, 4.0))


CASES.add(sum_axis_tuple_from_mutated_list, T)


# the tape protects the arrays it saves; these write through the base of a saved view instead


def saved_view_base_written(x):
    c = np.ones(4)
    v = c[:2]
    y = x[:2] * v
    c[0] = 5.0
    return np.sum(y ** 2)


CASES.add(saved_view_base_written, V)


def saved_transpose_base_written(x):
    c = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])
    ct = c.T
    y = ct @ x[:3]
    c[1, 0] = 10.0
    return np.sum(y ** 2)


CASES.add(saved_transpose_base_written, V)


def saved_reshape_base_written(x):
    c = np.arange(1.0, 5.0)
    r = c.reshape(2, 2)
    y = x.reshape(2, 2) * r
    c[3] = -2.0
    return np.sum(y ** 2)


CASES.add(saved_reshape_base_written, V)


def saved_view_sibling_view_written(x):
    c = np.ones(4)
    a = c[:3]
    b = c[1:]
    y = x[:3] * a
    b[0] = 7.0
    return np.sum(y ** 2)


CASES.add(saved_view_sibling_view_written, V)
