"""Control flow that source mode declines today (loops, branches, try, with, generators,
recursion...): source mode must decline with a reason, and auto mode must still be right."""

import contextlib
import warnings

import numpy as np

from . import M, MP, S, T, V, V3, VP, Registry

CASES = Registry("control")


def branch_on_value(x):
    if np.sum(x) > 0.0:
        y = x ** 2
    else:
        y = -x
    return np.sum(y)


CASES.add(branch_on_value, V)


def for_loop_accumulate(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * (i + 1.0)
    return total


CASES.add(for_loop_accumulate, V)


def for_over_rows(x):
    acc = np.zeros(x.shape[1])
    for row in x:
        acc = acc + np.sin(row)
    return np.sum(acc ** 2)


CASES.add(for_over_rows, M)


def while_fixed_point(a):
    x = 1.0
    while abs(x * x - a) > 1e-13:
        x = 0.5 * (x + a / x)
    return x


CASES.add(while_fixed_point, 2.0)


def loop_with_break(x):
    total = 0.0
    for k in range(10):
        if k == 3:
            break
        total = total + x ** k
    return total


CASES.add(loop_with_break, S)


def try_except(x):
    try:
        y = np.log(x)
    except FloatingPointError:
        y = x
    return np.sum(y)


CASES.add(try_except, VP)


def try_finally(x):
    y = x * 2.0
    try:
        y = y + np.exp(x)
    finally:
        y = y * 0.5
    return np.sum(y)


CASES.add(try_finally, V)


def with_errstate(x):
    with np.errstate(divide="ignore"):
        y = 1.0 / x
    return np.sum(y)


CASES.add(with_errstate, VP)


def with_suppress(x):
    y = x * 3.0
    with contextlib.suppress(KeyError):
        y = y + np.sin(x)
    return np.sum(y)


CASES.add(with_suppress, V)


def with_warnings_catch(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.sqrt(x) * x
    return np.sum(y)


CASES.add(with_warnings_catch, VP)


def _gen_powers(x, n):
    for k in range(n):
        yield x ** (k + 1)


def generator_helper(x):
    return np.sum(sum(_gen_powers(x, 3)))


CASES.add(generator_helper, V)


def _fact_like(x, n):
    if n == 0:
        return 1.0
    return x * _fact_like(x, n - 1)


def recursion(x):
    return _fact_like(x, 4) + x


CASES.add(recursion, S)


def conditional_expression(x):
    s = np.sum(x)
    return s ** 2 if s > 0.0 else -s


CASES.add(conditional_expression, V)


def early_return(x):
    if x > 0.5:
        return x ** 3
    return x


CASES.add(early_return, S)


def nested_def(x):
    def sq(v):
        return v * v
    return np.sum(sq(x) + sq(np.sin(x)))


CASES.add(nested_def, V)


def lambda_inside(x):
    f = lambda v: v ** 3   # noqa: E731
    return np.sum(f(x))


CASES.add(lambda_inside, V)


def loop_inplace_accumulate(x):
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        y[i] = x[i] * x[-1 - i]
    return np.sum(y)


CASES.add(loop_inplace_accumulate, V)


def loop_3d_planes(x):
    acc = 0.0
    for k in range(x.shape[0]):
        acc = acc + np.sum(x[k] @ x[k].T)
    return acc


CASES.add(loop_3d_planes, T)


def match_statement(x):
    mode = "square"
    match mode:
        case "square":
            y = x ** 2
        case _:
            y = x
    return np.sum(y)


CASES.add(match_statement, V)


def assert_statement(x):
    assert x.shape == (4,), "wrong shape"
    return np.sum(x ** 2)


CASES.add(assert_statement, V)


def del_statement(x):
    y = x * 2.0
    z = y + 1.0
    del y
    return np.sum(z ** 2)


CASES.add(del_statement, V)


def walrus_operator(x):
    total = (y := x * 2.0).sum() + np.sum(y ** 2)
    return total


CASES.add(walrus_operator, V)


def continue_in_loop(x):
    total = 0.0
    for i, v in enumerate(x):
        if i % 2:
            continue
        total = total + v ** 2
    return total


CASES.add(continue_in_loop, V)


def while_with_counter(x):
    y = x
    n = 0
    while n < 3:
        y = np.sin(y) + x
        n += 1
    return np.sum(y)


CASES.add(while_with_counter, V)


def for_else(x):
    total = 0.0
    for v in x:
        total = total + v * v
    else:
        total = total * 2.0
    return total


CASES.add(for_else, V)


def nested_loops_matrix(x):
    acc = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            acc = acc + x[i, j] * (i + 1) * (j + 2)
    return acc


CASES.add(nested_loops_matrix, M)


def loop_appends_then_stacks(x):
    rows = []
    for k in range(3):
        rows.append(x * (k + 1.0))
    return np.sum(np.stack(rows) ** 2)


CASES.add(loop_appends_then_stacks, V)


def data_dependent_while(x):
    y = x * 1.0
    while np.max(np.abs(y)) > 0.1:
        y = y * 0.5
    return np.sum(y ** 2)


CASES.add(data_dependent_while, V)


def branch_on_shape(x):
    if x.ndim == 3:
        return np.sum(x[0] ** 2)
    return np.sum(x)


CASES.add(branch_on_shape, T)


def try_except_else(x):
    try:
        y = np.sqrt(x)
    except ValueError:
        y = x
    else:
        y = y * 2.0
    return np.sum(y)


CASES.add(try_except_else, VP)


def raise_unused(x):
    if x.shape[0] > 100:
        raise ValueError("too big")
    return np.sum(np.exp(x))


CASES.add(raise_unused, V)


def loop_over_dict_items(x):
    weights = {"a": 1.0, "b": -2.0}
    total = 0.0
    for name, w in weights.items():
        total = total + w * np.sum(x ** 2)
    return total


CASES.add(loop_over_dict_items, V)


def isinstance_ndarray_branch(x):
    if isinstance(x, np.ndarray):
        return np.sum(x ** 2) * 2.0
    return np.sum(x ** 2)


CASES.add(isinstance_ndarray_branch, V)


def isinstance_float_branch(s):
    if isinstance(s, float):
        return s ** 3
    return s ** 2


CASES.add(isinstance_float_branch, S)


def np_isscalar_conditional_expression(s):
    k = 3.0 if np.isscalar(s) else 1.0
    return s ** 2 * k


CASES.add(np_isscalar_conditional_expression, S)


def type_is_ndarray_branch(x):
    if type(x) is np.ndarray:
        y = np.sin(x)
    else:
        y = x
    return np.sum(y)


CASES.add(type_is_ndarray_branch, V)


def class_name_check_branch(x):
    if x.__class__.__name__ == "ndarray":
        return np.sum(np.exp(x))
    return np.sum(x)


CASES.add(class_name_check_branch, V)
