"""NumPy calls with the keyword that changes their meaning: order='F', mode='wrap', axis=None on
sort, prepend/append, returned=True, norms of every order, zeros in prod, tensordot axes forms."""

import numpy as np

from . import C3, M, MP, Q, S, T, TP, V, V3, VP, Registry

CASES = Registry("numpy_edges")

W6 = np.arange(1.0, 7.0)
W12 = np.arange(1.0, 13.0)


def ravel_fortran_order(x):
    return np.sum(x.ravel("F") * W6)


CASES.add(ravel_fortran_order, M)


def flatten_fortran_order(x):
    return np.sum(x.flatten(order="F") ** 2 * W6)


CASES.add(flatten_fortran_order, M)


def np_ravel_fortran_order(x):
    return np.sum(np.ravel(x, order="F") * W6)


CASES.add(np_ravel_fortran_order, M)


def method_reshape_fortran(x):
    return np.sum(x.reshape(3, 2, order="F") * np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))


CASES.add(method_reshape_fortran, M)


def take_mode_wrap(x):
    return np.sum(np.take(x, [5, -6, 1], mode="wrap") * np.array([1.0, 2.0, 3.0]))


CASES.add(take_mode_wrap, V)


def take_mode_clip(x):
    return np.sum(np.take(x, [7, -3, 2], mode="clip") * np.array([1.0, 2.0, 3.0]))


CASES.add(take_mode_clip, V)


def sort_axis_none_flattens(x):
    return np.sum(np.sort(x, axis=None) * W6)


CASES.add(sort_axis_none_flattens, M)


def sort_descending_by_flip(x):
    return np.sum(np.sort(x)[::-1] * np.arange(1.0, 5.0))


CASES.add(sort_descending_by_flip, V)


def partition_values(x):
    p = np.partition(x, 1)
    return p[0] * 3.0 + p[1]


CASES.add(partition_values, V)


def diff_prepend_append(x):
    return np.sum(np.diff(x, prepend=0.5, append=x[0]) ** 2)


CASES.add(diff_prepend_append, V)


def diff_second_order_axis0(x):
    return np.sum(np.diff(x, n=2, axis=2) ** 2)


CASES.add(diff_second_order_axis0, T)


def average_returned_tuple(x):
    avg, wsum = np.average(x, axis=0, weights=np.array([1.0, 3.0]), returned=True)
    return np.sum(avg ** 2 * wsum)


CASES.add(average_returned_tuple, M)


def vector_norm_orders(x):
    return (np.linalg.norm(x, -np.inf) + np.linalg.norm(x, -1) + np.linalg.norm(x, 0.5)
            + np.linalg.norm(x, 0) * 0.0)


CASES.add(vector_norm_orders, V)


def matrix_norm_nuclear_and_negative(a):
    return np.linalg.norm(a, "nuc") + np.linalg.norm(a, -2) + np.linalg.norm(a, -np.inf) + np.linalg.norm(a, -1)


CASES.add(matrix_norm_nuclear_and_negative, Q)


def norm_axis_tuple_matrix(x):
    return np.sum(np.linalg.norm(x, axis=(1, 2)))


CASES.add(norm_axis_tuple_matrix, T)


def prod_with_one_zero(x):
    return np.prod(x) + np.sum(np.prod(x.reshape(2, 2), axis=0))


CASES.add(prod_with_one_zero, np.array([0.0, 2.0, 3.0, 0.5]))


def cumprod_with_zero(x):
    return np.sum(np.cumprod(x))


CASES.add(cumprod_with_zero, np.array([1.5, 0.0, 2.0, 0.5]))


def tensordot_int_axes(a, b):
    return np.sum(np.tensordot(a, b, axes=2) ** 2)


CASES.add(tensordot_int_axes, T, np.cos(np.arange(12.0)).reshape(3, 4), wrt=(0, 1))


def tensordot_list_axes(a, b):
    return np.sum(np.tensordot(a, b, axes=([0, 2], [1, 0])))


CASES.add(tensordot_list_axes, T, np.sin(np.arange(8.0)).reshape(4, 2), wrt=(0, 1))


def tensordot_outer(a, b):
    return np.sum(np.tensordot(a, b, axes=0) ** 2)


CASES.add(tensordot_outer, V3, V, wrt=(0, 1))


def dot_3d_with_2d(a, b):
    return np.sum(np.dot(a, b) ** 2)


CASES.add(dot_3d_with_2d, T, np.sin(np.arange(8.0)).reshape(4, 2), wrt=(0, 1))


def matmul_1d_with_3d(v, a):
    return np.sum(np.matmul(v, a))


CASES.add(matmul_1d_with_3d, V3, np.transpose(T, (0, 1, 2))[:, :, :], wrt=(0, 1))


def inner_2d(a, b):
    return np.sum(np.inner(a, b) ** 2)


CASES.add(inner_2d, M, MP, wrt=(0, 1))


def einsum_optimize_true(a, b):
    return np.einsum("ij,jk,k->", a, b, V, optimize=True)


CASES.add(einsum_optimize_true, M, np.cos(np.arange(12.0)).reshape(3, 4), wrt=(0, 1))


def roll_tuple_shifts_axes(x):
    return np.sum(np.roll(x, (1, -1), axis=(0, 2)) * np.arange(24.0).reshape(2, 3, 4))


CASES.add(roll_tuple_shifts_axes, T)


def roll_no_axis_flattens(x):
    return np.sum(np.roll(x, 2) * W6.reshape(2, 3))


CASES.add(roll_no_axis_flattens, M)


def repeat_array_counts_axis(x):
    return np.sum(np.repeat(x, [2, 0, 1], axis=1) ** 2 * np.arange(3.0))


CASES.add(repeat_array_counts_axis, M)


def pad_modes(x):
    return (np.sum(np.pad(x, (1, 2), mode="reflect") * np.arange(7.0))
            + np.sum(np.pad(x, 1, mode="edge") ** 2) + np.sum(np.pad(x, (2, 1), mode="wrap") * np.arange(7.0)))


CASES.add(pad_modes, V)


def flip_no_axis(x):
    return np.sum(np.flip(x) * np.arange(24.0).reshape(2, 3, 4))


CASES.add(flip_no_axis, T)


def var_ddof_keepdims(x):
    return np.sum(np.var(x, axis=0, ddof=1, keepdims=True) * x)


CASES.add(var_ddof_keepdims, np.array([[0.2, -0.5, 0.9], [1.1, 0.35, -0.7], [0.4, 0.8, 0.1]]))


def select_piecewise(x):
    return np.sum(np.select([x > 0.5, x <= 0.5], [x ** 2, -x]))


CASES.add(select_piecewise, V)


def polyval_coefficients(c, x):
    return np.sum(np.polyval(c, x))


CASES.add(polyval_coefficients, np.array([0.5, -1.0, 2.0]), V, wrt=(0, 1))


def cross_product(a, b):
    return np.sum(np.cross(a, b) ** 2)


CASES.add(cross_product, V3, np.array([0.3, 0.9, -0.4]), wrt=(0, 1))


def trapezoid_integral(y):
    return np.trapezoid(y ** 2, dx=0.5)


CASES.add(trapezoid_integral, V)


def nan_to_num_passthrough(x):
    return np.sum(np.nan_to_num(x) ** 2)


CASES.add(nan_to_num_passthrough, V)


def broadcast_arrays_pair(a, b):
    p, q = np.broadcast_arrays(a, b)
    return np.sum(p * q)


CASES.add(broadcast_arrays_pair, V3[:, None], V[None, :], wrt=(0, 1))


def meshgrid_pair(a, b):
    A, B = np.meshgrid(a, b)
    return np.sum(np.sin(A) * B)


CASES.add(meshgrid_pair, V3, V, wrt=(0, 1))


def around_decimals_plus(x):
    return np.sum(np.around(x, 1) * x + x ** 2)


CASES.add(around_decimals_plus, np.array([0.33, -0.84, 1.12, 2.46]))


def float_power(x):
    return np.sum(np.float_power(x, 2.5))


CASES.add(float_power, VP)


def logaddexp_reduce(x):
    return np.logaddexp.reduce(x)


CASES.add(logaddexp_reduce, V)


def ptp_range(x):
    return np.sum(np.ptp(x, axis=1) ** 2)


CASES.add(ptp_range, M)


def std_of_3d_all_axes_ddof(x):
    return np.std(x, axis=(0, 1, 2), ddof=2)


CASES.add(std_of_3d_all_axes_ddof, T)


def kron_products(a, b):
    return np.sum(np.kron(a, b) ** 2)


CASES.add(kron_products, M, np.array([[1.0, -0.5], [0.25, 2.0]]), wrt=(0, 1))


def slogdet_and_det(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet + np.linalg.det(a) ** 2


CASES.add(slogdet_and_det, Q)


def solve_with_matrix_rhs(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


CASES.add(solve_with_matrix_rhs, Q, np.cos(np.arange(6.0)).reshape(3, 2), wrt=(0, 1))


def eigh_sum_of_eigenvalues_squared(a):
    s = (a + a.T) / 2.0
    w, v = np.linalg.eigh(s)
    return np.sum(w ** 2) + np.sum(v[:, 0] ** 4)


CASES.add(eigh_sum_of_eigenvalues_squared, Q)


def svd_singular_values(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 3)


CASES.add(svd_singular_values, M)


def cholesky_logdet(a):
    s = a @ a.T + np.eye(3)
    L = np.linalg.cholesky(s)
    return 2.0 * np.sum(np.log(np.diag(L)))


CASES.add(cholesky_logdet, Q)


def complex_intermediate_abs(x):
    return np.sum(np.abs(x * (1.0 + 1.0j)) ** 2)


CASES.add(complex_intermediate_abs, V)


def complex_intermediate_real_product(x):
    return np.sum(np.real((x + 1.0j) * (x - 1.0j)))


CASES.add(complex_intermediate_real_product, V)


def complex_exponential_imag(x):
    return np.sum(np.imag(np.exp(1.0j * x)) * x)


CASES.add(complex_exponential_imag, V)


def complex_buffer_setitem(x):
    z = np.zeros(4, dtype=complex)
    z[:] = x * 2.0
    return np.sum(np.real(z) ** 2)


CASES.add(complex_buffer_setitem, V)


def complex_modulus_of_shifted(x):
    return np.sum(np.abs(x + 1.0j))


CASES.add(complex_modulus_of_shifted, V)


def complex_conjugate_product(x):
    z = x * (1.0 + 2.0j)
    return np.sum(np.real(z * np.conj(z)))


CASES.add(complex_conjugate_product, V)


def complex_angle(x):
    return np.sum(np.angle(x + 1.0j))


CASES.add(complex_angle, V)


def complex_fft_power(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)


CASES.add(complex_fft_power, V)


# random draws whose parameters carry the gradient (a fixed seed makes them deterministic functions)


def random_normal_active_mean(x):
    rng = np.random.default_rng(0)
    return np.sum(rng.normal(x, 0.5) ** 2)


CASES.add(random_normal_active_mean, V)


def random_uniform_active_high(x):
    rng = np.random.default_rng(1)
    return np.sum(rng.uniform(0.0, x))


CASES.add(random_uniform_active_high, VP)


def random_exponential_active_scale(x):
    rng = np.random.default_rng(2)
    return np.sum(rng.exponential(x))


CASES.add(random_exponential_active_scale, VP)


def legacy_random_normal_active_scale(x):
    np.random.seed(4)
    return np.sum(np.random.normal(0.0, x) * 2.0)


CASES.add(legacy_random_normal_active_scale, VP)


def random_choice_of_active_values(x):
    rng = np.random.default_rng(3)
    picked = rng.choice(x, size=3, replace=False)
    return np.sum(picked ** 2)


CASES.add(random_choice_of_active_values, V)


def random_permuted_active(x):
    rng = np.random.default_rng(5)
    return np.sum(rng.permutation(x) * np.arange(1.0, 5.0))


CASES.add(random_permuted_active, V)


# masked arrays: reductions skip masked elements


def masked_array_sum(x):
    m = np.ma.masked_greater(x, 1.0)
    return m.sum() * 2.0


CASES.add(masked_array_sum, V)


def masked_array_mean_explicit_mask(x):
    m = np.ma.array(x, mask=[False, True, False, False])
    return np.ma.mean(m ** 2)


CASES.add(masked_array_mean_explicit_mask, V)


def masked_where_filled(x):
    m = np.ma.masked_where(x < 0.0, x)
    return np.sum(m.filled(0.0) ** 2)


CASES.add(masked_where_filled, V)


def complex_from_two_real_arrays(x, y):
    z = x + 1j * y
    return np.sum(np.abs(z) ** 2)


CASES.add(complex_from_two_real_arrays, V, VP, wrt=(0, 1))


def complex_times_imaginary_unit(x):
    return np.sum(np.abs(x * 1j + 2.0))


CASES.add(complex_times_imaginary_unit, V)


def complex_norm(x):
    return np.linalg.norm(x * (1.0 + 1.0j))


CASES.add(complex_norm, V)


def complex_vdot_real(x):
    z = x * (2.0 - 1.0j)
    return np.real(np.vdot(z, z))


CASES.add(complex_vdot_real, V)


def complex_square_real_part(x):
    z = x + 0.5j
    return np.sum(np.real(z * z))


CASES.add(complex_square_real_part, V)


def complex_exp_abs(x):
    return np.sum(np.abs(np.exp((1.0 + 1.0j) * x)))


CASES.add(complex_exp_abs, V)


def complex_imaginary_unit_squared(x):
    return np.sum(np.real(x * 1j * 1j) * x)


CASES.add(complex_imaginary_unit_squared, V)


def complex_imag_of_rotated(x):
    return np.sum(np.imag(x * 1j) ** 2)


CASES.add(complex_imag_of_rotated, V)


def complex_real_attribute(x):
    return np.sum((x * (1.0 + 2.0j)).real ** 2)


CASES.add(complex_real_attribute, V)


def complex_conj_imag(x):
    return np.sum(np.conj(x * 1j).imag * x)


CASES.add(complex_conj_imag, V)
