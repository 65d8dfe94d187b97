"""Programs aimed at gradients specialised on the kinds of their arguments (issue 11): patterns of length-one axes
(``sourcegrad/transforms/patterns.py``), helpers written as plain NumPy (``specialise.py``) and adjoints of full
reductions kept as one number (``reverse.py``, ``uniform``), which must be spread before anything but elementwise
code reads them.

Each function is registered with several argument sets, in order (``CASES.add(..., name="<function>#<k>")``):
``tests/transforms/test_specialise_hostile.py`` calls ONE gradient object on them in turn, so that code generated for
one kind (and its fast entry) meets arguments of the same pattern with other lengths, then other patterns (length-one
axes appearing and disappearing, 0-length axes, 0-d arrays, NumPy scalars and floats, float32 and int arrays).
The functions below ``# ---- bugs`` are the ones the test file marks as known failures.

(Not one of ``FAMILIES`` in ``__init__.py``: ``tests/test_hostile.py`` does not run these.)
"""

import numpy as np

import sourcegrad as sg

from . import Registry

CASES = Registry("specialise")

_rng = np.random.default_rng(20261203)


def _n(*shape):
    return _rng.normal(size=shape)


def _f32(*shape):
    return _rng.normal(size=shape).astype(np.float32)


def _pos(*shape):
    return 0.5 + np.abs(_rng.normal(size=shape))


def _sequence(func, argument_sets, wrt=0, note=""):
    """Register ``func`` once per argument set (a tuple, or one argument), in order."""
    for k, args in enumerate(argument_sets):
        args = args if isinstance(args, tuple) else (args,)
        CASES.add(func, *args, wrt=wrt, name=f"{func.__name__}#{k}", note=note)


# vectors, matrices and scalars of every pattern; the same pattern twice with other lengths
ANY = [_n(5), _n(2), _n(1), np.array(0.7), 0.9, _n(3, 4), _n(1, 3), _n(3, 1), _n(2, 5), np.float64(-0.4),
       _n(2, 3, 2)]
EMPTY = [_n(0), _n(0, 3), _n(2, 0)]   # (not for means: see test_mean_of_an_empty_array)
VECTORS = [_n(5), _n(2), _n(1), _n(3)]
MATRICES = [_n(3, 4), _n(1, 4), _n(4, 1), _n(1, 1), _n(2, 2), _n(5, 3)]


# ---- a full reduction's adjoint (one number) reaching ...

def sum_used_twice(x):
    s = np.sum(x ** 2)
    return s * s + np.sum(x) * s


_sequence(sum_used_twice, ANY + EMPTY)


def sum_of_a_slice_view(x):
    y = x[1:]
    return np.sum(y * y) + np.sum(x)


_sequence(sum_of_a_slice_view, [_n(5), _n(2), _n(1), _n(3, 4), _n(1, 3)] + EMPTY)


def sum_of_a_transpose(A):
    return np.sum(A.T * A.T) + np.mean(A.T)


_sequence(sum_of_a_transpose, MATRICES + [_n(4), _n(1), np.array(0.3), _n(2, 3, 4)])


def sum_of_a_new_axis(x):
    y = x[:, None]
    return np.sum(y * x) + np.sum(y)


_sequence(sum_of_a_new_axis, [_n(5), _n(1), _n(2), _n(2, 3)])


def sum_written_into_a_copy(x):
    y = x * 2.0
    s = np.sum(y)
    y[0] = s
    return np.sum(y * x)


_sequence(sum_written_into_a_copy, [_n(5), _n(2), _n(1), _n(3, 4), _n(1, 1)])


def sum_added_in_place(x):
    y = x * 1.0
    y += np.sum(x)
    return np.sum(y ** 2)


_sequence(sum_added_in_place, ANY + EMPTY)


def sum_into_a_branch(x):
    s = np.sum(x ** 2)
    if s > 1.0:
        r = s * 2.0
    else:
        r = s * 3.0
    return r


_sequence(sum_into_a_branch, ANY + [_n(4) * 0.01] + EMPTY)


def sum_before_a_branch_on_arrays(x):
    s = np.sum(x)
    if s > 0:
        y = x * s
    else:
        y = x * 2.0
    return np.sum(y)


_sequence(sum_before_a_branch_on_arrays, ANY + [-_pos(4), _pos(3)])


def uniform_then_branch(x):
    t = x * 2.0
    s = np.sum(t)
    if s > 0:
        s = s * 3.0
    return s + np.sum(t * t)


_sequence(uniform_then_branch, [_n(4), -_pos(4), _n(1), 0.5, _n(2, 3), np.array(-0.2)])


def sums_inside_a_loop(x, n):
    acc = 0.0
    for i in range(n):
        y = x * (i + 1.0)
        acc = acc + np.mean(y) + np.sum(y * x)
    return acc


_sequence(sums_inside_a_loop, [(x, 3) for x in ANY] + [(_n(4), 0), (_n(4), 1)])


def sum_of_an_accumulated_array(x, n):
    acc = np.zeros_like(x)
    for i in range(n):
        acc = acc + np.sum(x * x) * x
    return np.sum(acc)


_sequence(sum_of_an_accumulated_array, [(x, 2) for x in ANY])


def branch_inside_a_loop(x, n):
    s = 0.0
    for i in range(n):
        y = x * (i + 1.0)
        if i % 2 == 0:
            s = s + np.sum(y)
        else:
            s = s + np.mean(y * y)
    return s


_sequence(branch_inside_a_loop, [(x, 3) for x in ANY])


def loop_inside_a_branch(x, flag):
    y = x * 2.0
    if flag:
        for i in range(3):
            y = y * 0.5 + np.sum(y)
    return np.sum(y)


_sequence(loop_inside_a_branch, [(x, flag) for x in ANY[:6] for flag in (True, False)])


def mean_carried_by_a_while(x):
    y = x * 1.0
    k = 0
    while k < 3:
        y = y + np.mean(y)
        k += 1
    return np.sum(y * x)


_sequence(mean_carried_by_a_while, ANY)


def return_inside_a_loop(x):
    for i in range(4):
        s = np.sum(x) * i
        if s > 1.0:
            return s + np.mean(x)
    return np.sum(x * x)


_sequence(return_inside_a_loop, ANY + [_pos(3), -_pos(3)])


def rows_of_a_matrix(X):
    s = 0.0
    for i, row in enumerate(X):
        s = s + np.sum(row ** 2) * np.mean(row) * (i + 1.0)
    return s


_sequence(rows_of_a_matrix, MATRICES + VECTORS)


def sum_unpacked_from_a_tuple(x):
    a, b = np.sum(x), np.mean(x * x)
    return a * b


_sequence(sum_unpacked_from_a_tuple, ANY)


def _squares(v):
    return np.sum(v ** 2)


def sum_in_a_helper(x):
    return _squares(x * 3.0) + _squares(x)


_sequence(sum_in_a_helper, ANY)


def sum_of_where(x, y):
    z = np.where(x > 0, x, y)
    return np.sum(z * 2.0)


_sequence(sum_of_where, [(_n(4), _n(4)), (_n(4), 0.5), (_n(1), _n(4)), (_n(3, 1), _n(1, 4)), (0.3, _n(3)),
                         (_n(2, 3), np.array(0.1))], wrt=(0, 1))


def sum_of_maximum(x, y):
    z = np.maximum(x, y)
    return np.sum(z) + np.mean(z * z)


_sequence(sum_of_maximum, [(_n(4), _n(4)), (_n(4), 0.5), (_n(1), _n(4)), (_n(3, 1), _n(1, 4)), (0.3, _n(3)),
                           (_n(2, 3), np.array(0.1))], wrt=(0, 1))


def builtin_max_min_of_a_sum(x):
    s = np.sum(x)
    return max(s, 0.5) + min(s, -0.5)


_sequence(builtin_max_min_of_a_sum, ANY)


def relu_by_a_comparison(x):
    return np.sum(x * (x > 0)) + np.sum((x > 0) * x * x)


_sequence(relu_by_a_comparison, ANY + EMPTY)


def comparison_with_a_sum(x):
    s = np.sum(x)
    return s * (s > 0) + np.sum(x * (x > s))


_sequence(comparison_with_a_sum, ANY)


def negated_sums(x):
    return np.sum(-x) - np.sum(-(x * 2.0)) - np.mean(-x)


_sequence(negated_sums, ANY)


# ---- reductions with axes, keepdims, tuples of axes, negative axes

def keepdims_then_sum(x):
    s = np.sum(x, axis=0, keepdims=True)
    return np.sum(s * x) + np.sum(np.sum(x, keepdims=True) * x)


_sequence(keepdims_then_sum, MATRICES + VECTORS)


def tuple_of_axes(x):
    s = np.sum(x, axis=(0, 1))
    return np.sum(s ** 2) + np.mean(x, axis=(0, -1)).sum()


_sequence(tuple_of_axes, [_n(2, 3, 4), _n(1, 3, 4), _n(2, 1, 4), _n(1, 1, 1), _n(2, 3, 1), _n(3, 2, 2)])


def negative_axis(x):
    return np.sum(np.sum(x, axis=-1) ** 2) + np.mean(x, axis=-1).sum() + x.max(axis=-1).sum()


_sequence(negative_axis, MATRICES + [_n(2, 3, 4)])


def sum_of_a_sum_over_axis_0(x):
    c = np.sum(x, axis=0)
    return np.sum(np.sum(x, axis=0)) + np.sum(c * c)


_sequence(sum_of_a_sum_over_axis_0, MATRICES + VECTORS)


def centred_rows(M):
    c = M - M.mean(axis=1, keepdims=True)
    return np.sum(c ** 2) / M.shape[1] + np.mean(np.std(M, axis=0))


_sequence(centred_rows, [_n(3, 4), _n(2, 5), _n(4, 2), _n(3, 3)])


# ---- matrix products and broadcasting

def sum_of_a_product(A, B):
    return np.sum(A @ B)


_sequence(sum_of_a_product, [(_n(3, 4), _n(4, 2)), (_n(4), _n(4, 2)), (_n(3, 4), _n(4)), (_n(4), _n(4)),
                             (_n(1, 4), _n(4, 1)), (_n(3, 1), _n(1, 2)), (_n(2, 3, 4), _n(4, 2)),
                             (_n(2, 3, 4), _n(2, 4, 5)), (_n(3, 4), _n(2, 4, 5)), (_n(1, 1), _n(1, 1)),
                             (_n(1), _n(1, 3)), (_n(3, 0), _n(0, 2))], wrt=(0, 1))


def sum_of_a_dot(A, B):
    return np.sum(np.dot(A, B)) + np.sum(A.dot(B) ** 2)


_sequence(sum_of_a_dot, [(_n(3, 4), _n(4, 2)), (_n(4), _n(4, 2)), (_n(3, 4), _n(4)), (_n(4), _n(4)),
                         (_n(1, 4), _n(4, 1)), (_n(3, 1), _n(1, 2)), (_n(1), _n(1, 3)), (_n(2, 3, 4), _n(4, 2))],
          wrt=(0, 1))


def product_used_twice(A, B):
    C = A @ B
    return np.sum(C) + np.sum(C * C) + np.mean(C)


_sequence(product_used_twice, [(_n(3, 4), _n(4, 2)), (_n(1, 4), _n(4, 1)), (_n(4), _n(4, 2)), (_n(3, 4), _n(4)),
                               (_n(2, 3, 4), _n(2, 4, 5))], wrt=(0, 1))


def products_of_one_matrix(A):
    return np.sum(A @ A.T) + np.mean(A.T @ A) + np.sum(-(A @ A.T))


_sequence(products_of_one_matrix, MATRICES)


def square_matrix_product(A):
    return np.sum(A @ A)


_sequence(square_matrix_product, [_n(3, 3), _n(1, 1), _n(2, 2)])


def column_times_row(a, b):
    return np.sum(a * b) + np.sum((a + b) ** 2) + np.mean(a - b)


_sequence(column_times_row, [(_n(3, 1), _n(1, 4)), (_n(1), _n(5)), (_n(5), _n(1)), (0.3, _n(4)), (_n(4), 0.3),
                             (_n(2, 3), _n(3)), (_n(3), _n(2, 3)), (np.array(0.2), _n(3)), (_n(1, 1), _n(3)),
                             (_n(3, 1), _n(3, 1)), (_n(2, 1), _n(2, 4))], wrt=(0, 1))


def scalar_with_array(s, x):
    return np.sum(s * x) + np.sum(x / s) + np.mean(s - x)


_sequence(scalar_with_array, [(0.7, _n(4)), (np.float64(0.7), _n(4)), (np.array(0.7), _n(3, 2)), (_pos(1), _n(4)),
                              (_pos(4), _n(4)), (0.7, 1.3), (2, _n(3)), (np.float32(0.6), _f32(3))], wrt=(0, 1))


def mean_of_a_broadcast(s, x):
    return np.mean(s + x * 0.5)


_sequence(mean_of_a_broadcast, [(0.7, _n(4)), (_n(3, 1), _n(1, 4)), (_n(1), _n(5)), (_n(5), _n(1))], wrt=(0, 1))


def sum_of_a_broadcast_to(x):
    return np.sum(np.broadcast_to(x, (3, 4)) * 2.0)


_sequence(sum_of_a_broadcast_to, [_n(4), _n(1), _n(3, 1), _n(3, 4), 0.5, np.array(0.5)])


# ---- dtypes

def squares_and_mean(x):
    return np.sum(x ** 2) + np.mean(x)


_sequence(squares_and_mean, [_f32(5), _f32(1), np.float32(0.5), np.array(0.5, np.float32), _f32(3, 1),
                             np.arange(4), np.arange(1), 3, np.float64(0.3), np.array(2), _n(4)])


def product_of_two_sums(x, y):
    return np.sum(x) * np.sum(y)


_sequence(product_of_two_sums, [(_f32(3), _n(4)), (_n(3), _f32(4)), (_f32(1), _f32(2, 2)), (np.float32(0.3), _n(3)),
                                (np.arange(3), _f32(2)), (3, 4), (np.array(2.0), np.array(3.0))], wrt=(0, 1))


def mixed_precision_product(A, B):
    return np.sum(A @ B) + np.mean((A @ B) ** 2)


_sequence(mixed_precision_product, [(_f32(3, 4), _n(4, 2)), (_n(3, 4), _f32(4, 2)),
                                    (np.arange(6).reshape(2, 3), _n(3, 2)), (_f32(1, 1), _f32(1, 1))], wrt=(0, 1))


# ---- loops whose values change shape from one iteration to the next (committed before fdaec3b: right)

def growing_slices(x, n):
    s = 0.0
    for i in range(1, n):
        t = x[:i] * 2.0
        s = s + np.sum(t)
    return s


_sequence(growing_slices, [(_n(5), 4), (_n(3), 3), (_n(5), 1), (_n(5), 2)])


def carried_value_grows(x, a, n):
    y = x
    s = 0.0
    for i in range(n):
        t = y * 2.0
        s = s + np.sum(t)
        y = y + a
    return s


_sequence(carried_value_grows, [(_n(1), _n(3), 3), (_n(3), _n(3), 2), (_n(1), _n(1), 3)], wrt=(0, 1))


# ---- second derivatives: the specialised gradient (plain NumPy, no helpers) runs on the tape

def _tanh_of_product(A, v):
    return np.sum(np.tanh(A @ v))


_grad_tanh_of_product = sg.grad(_tanh_of_product, wrt=(0, 1))


def gradient_of_a_gradient_norm(A, v):
    gA, gv = _grad_tanh_of_product(A, v)
    return np.sum(gA * gA) + np.sum(gv * v)


_sequence(gradient_of_a_gradient_norm, [(_n(3, 4), _n(4)), (_n(1, 4), _n(4)), (_n(3, 1), _n(1)), (_n(2, 2), _n(2))],
          wrt=(0, 1), note="auto")


def _sum_of_product(A, B):
    return np.sum(A @ B)


_grad_sum_of_product = sg.grad(_sum_of_product, wrt=(0, 1))


def gradient_of_a_uniform_product(A, B):
    gA, gB = _grad_sum_of_product(A, B)
    return np.sum(gA * A * A) + np.sum(gB ** 2)


_sequence(gradient_of_a_uniform_product, [(_n(3, 4), _n(4, 2)), (_n(1, 4), _n(4, 1)), (_n(2, 2), _n(2, 2))],
          wrt=(0, 1), note="auto")


# ---- bugs (tests/transforms/test_specialise_hostile.py marks these)

def bilinear(u, v):
    return np.sum(u * v)


def growing_slices_with_a_branch(x, n):
    s = 0.0
    for i in range(1, n):
        t = x[:i] * 2.0
        if i > 1:
            s = s * 0.5
        s = s + np.sum(t)
    return s


def carried_value_grows_with_a_branch(x, a, w, n):
    y = x
    s = 0.0
    for i in range(n):
        t = y * w
        if i > 0:
            s = s * 0.5
        s = s + np.sum(t)
        y = y + a
    return s


def mean_of_squares(x):
    return np.mean(x ** 2)


def cube(x):
    return x ** 3


def root(x):
    return np.sqrt(x)


def twice(x):
    return x * 1.0 + x / 1.0
