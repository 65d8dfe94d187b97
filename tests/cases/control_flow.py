"""Control flow for source mode: the functions and inputs of the control-flow acceptance tests.

``CASES`` are functions that ``mode="source"`` must accept once control flow is supported:
branches, conditional expressions, ``and``/``or``, loops over ranges, arrays, lists, tuples,
``enumerate``, ``zip`` and ``reversed``, ``while`` loops with data-dependent trip counts,
``break``/``continue``/``else``, early returns, comprehensions, item assignment into local arrays,
accumulators and loop-carried values. Each function appears with several inputs, so that every
branch is taken and every loop runs 0, 1 and many times in some case (``tests/transforms/
test_control_flow.py`` checks that by tracing the plain functions). Inputs stay away from branch
thresholds and trip-count changes by a margin, so central finite differences are valid.

``UNSUPPORTED`` are functions source mode must still refuse by name (auto mode then uses the
tape): recursion, generators, ``try``, ``with``, ``global``/``nonlocal`` writes, ``eval``/``exec``
and calls whose target is chosen at run time, alone and inside data-dependent control flow.

Layout rules the tracing check relies on: a compound statement's body starts on its own line (no
``for ...: s += 1`` on one line); a conditional expression whose arms must both be taken is
written over several lines, one arm a line; a loop that always runs the same number of times is
marked ``# fixed trip count`` on its header line, one that cannot run 0 times ``# runs at least
once``.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Case:
    name: str
    func: object
    args: tuple
    wrt: object = 0
    covers: str = ""
    # The tape refuses this function as written (it would store a Tensor into a plain NumPy array
    # and lose its gradient): ``tape_error`` is the error it raises, and ``tape_twin`` is the same
    # computation written the way the tape accepts, whose tape gradient is the tape's reference.
    tape_error: type = None
    tape_twin: object = None


@dataclass
class Refused:
    name: str
    func: object
    args: tuple
    wrt: object = 0
    construct: str = ""       # a regular expression the reason must match (the construct, named)
    covers: str = ""


# ---------------------------------------------------------------- branches

def if_elif_else(x):
    if x > 1.0:
        y = x ** 3
    elif x > -1.0:
        y = np.sin(x) * x
    else:
        y = -2.0 * x
    return y + x


def branch_on_plain_values(x, n, scale, use_sin):
    if n > 2:
        y = np.sum(x ** 2) * scale
    elif n == 2 and use_sin:
        y = np.sum(np.sin(x)) * scale
    elif not use_sin:
        y = np.sum(x) * scale ** 2
    else:
        y = np.prod(x) + scale
    k = (
        2.0
        if n % 2 == 0
        else 0.5
    )
    return y * k


def if_without_else(x):
    y = x * 2.0
    if np.sum(x) > 0.0:
        y = y * x
    return np.sum(y)


def conditional_expression(x, c):
    s = np.sum(x)
    y = (
        s ** 2
        if s > c
        else np.exp(s) * c
    )
    return y * c


def conditional_expression_in_loop(x):
    s = 0.0
    for v in x:
        s = s + (
            v ** 2
            if v > 0.0
            else 0.1 * v
        )
    return s + 0.5 * np.sum(x)


def and_or_condition(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x < -1.0 or y < -1.0:
        r = x ** 2 + y
    else:
        r = np.sin(x) + np.cos(y)
    return r


def multiple_returns(x):
    if x < -1.0:
        return -x
    s = np.sin(x)
    if s > 0.5:
        return s * x
    return s ** 2 + x


# ---------------------------------------------------------------- for over range(...)

def range_plain_bound(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x[i]) * (i + 1.0)
    return s + np.sum(x) * 0.25


def range_start_stop_step(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1, 0, -2):
        s = s + x[i] * x[i - 1]
    for j in range(1, n // 2 + 1):
        s = s + x[-j] ** 2 / j
    return s + x[0]


def range_bound_from_data(x):
    n = np.count_nonzero(x > 0.0)
    s = 0.0
    for i in range(n):
        s = s + x[i] ** 2
    return s + np.sum(x)


def loop_variable_after_loop(x, n):
    i = 0
    s = 0.0
    for i in range(n):
        s = s + x[i] * x[i + 1]
    return s + x[i] ** 3


# ---------------------------------------------------------------- for over other iterables

def for_over_rows(X, w):
    acc = np.zeros(w.shape[0])
    for row in X:
        acc = acc + np.tanh(row * w)
    return np.sum(acc ** 2) + np.sum(w)


def for_over_list(x, coeffs):
    s = 0.0
    for c in coeffs:
        s = s * x + c
    return s + 0.1 * x


def append_then_stack(x, n):
    rows = [x]
    for k in range(n):
        rows.append(rows[-1] * 0.5 + np.sin(x) * k)
    return np.sum(np.stack(rows) ** 2)


def for_over_tuples(x, shifts):
    y = x
    for sh in shifts:
        y = np.sin(y + sh) * x
    s = 0.0
    for t in (y, x ** 2, np.exp(-x)):  # fixed trip count
        s = s + t
    return s


def enumerate_loop(x, w):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * w[i] + i * 0.1
    for k, v in enumerate(w, start=1):
        s = s + np.sin(v) / k
    return s + np.sum(x * 0.5)


def enumerate_zip_loop(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y), start=1):
        s = s + a * np.sin(b) / i
    return s


def zip_loop(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * np.cos(b)
    return s + 0.1 * np.sum(y)


def reversed_loop(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v
    t = 0.0
    for i in reversed(range(x.shape[0])):
        t = t + x[i] * t + 0.25 * x[i]
    return s + t


# ---------------------------------------------------------------- while

def while_halving(x):
    y = x * 1.0
    while np.max(np.abs(y)) > 1.0:
        y = y * 0.5
    return np.sum(y ** 2) + np.sum(np.sin(y))


def newton_cube_root(a):
    x = 1.0
    d = 1.0
    while abs(d) > 1e-12:  # runs at least once
        d = (x ** 3 - a) / (3.0 * x ** 2)
        x = x - d
    return x


def while_else(x, budget):
    y = x
    k = 0
    while k < budget:
        if np.sum(y ** 2) < 0.5:
            break
        y = np.sin(y) * 0.9
        k += 1
    else:
        y = y * 2.0
    return np.sum(y ** 2) + k


# ---------------------------------------------------------------- break, continue, else, return

def break_and_continue(x, stop):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.0:
            continue
        if s > stop:
            break
        s = s + x[i] ** 2
    return s + 0.1 * np.sum(x)


def for_else_search(x, target):
    for i in range(x.shape[0]):
        if x[i] > target:
            r = x[i] * target
            break
    else:
        r = np.sum(x) - target
    return r


def return_from_loop(x, limit):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] ** 2
        if s > limit:
            return s * limit
    return -s + limit


# ---------------------------------------------------------------- nesting and helpers

def nested_loops_branches(A, x):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(i):
            if A[i, j] > 0.0:
                s = s + A[i, j] * x[j]
            else:
                s = s - A[i, j] ** 2 * x[i]
        s = s + A[i, i] * x[i] ** 2
    return s + np.sum(x)


def _leaky(v):
    if v > 0.0:
        return v
    return 0.1 * v


def _cell(W, h, v):
    return np.tanh(W @ h + v)


def _horner(coeffs, v):
    s = 0.0
    for c in coeffs:
        s = s * v + c
    return s


def loop_calls_helpers(x, W):
    h = np.zeros(W.shape[0])
    s = 0.0
    for v in x:
        h = _cell(W, h, v)
        s = s + _leaky(v) * np.sum(h)
    return s + np.sum(h ** 2)


def helper_with_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + _horner(x[: i], x[i])
    return total + np.sum(x) * 0.5


# ---------------------------------------------------------------- comprehensions

def genexp_sum_of_squares(x, n):
    return sum(x[i] ** 2 for i in range(n)) + 0.5 * np.sum(x)


def listcomp_np_array(x):
    return np.sum(np.array([np.sin(v) for v in x]) ** 2)


def listcomp_np_stack(x):
    return np.sum(np.stack([np.sin(v) for v in x]) ** 2)


def stack_rows_comprehension(X, w):
    return np.sum(np.stack([np.tanh(row) * w for row in X]) ** 2)


def set_comprehension(x, n):
    idx = {i % 3 for i in range(n)}
    return sum(x[i] ** 2 for i in sorted(idx)) + 0.1 * np.sum(x)


def dict_comprehension(x, n):
    d = {k: x ** (k + 1) for k in range(n)}
    s = sum(d[k] / (k + 1) for k in d)
    for k, v in d.items():
        s = s + v * k
    return s + x


def dict_comprehension_constant_keys(x):
    d = {k: x[k] ** (k + 1) for k in range(3)}
    w = {name: np.sin(x[0]) * scale for name, scale in (("a", 0.5), ("b", 2.0))}   # not unrolled: a pair target
    return d[0] + d[2] * d[1] + 0.0 * len(w)


def dict_comprehension_range(x):
    d = {k: x[k] ** (k + 1) for k in range(3)}
    return d[0] + d[2] * d[1]


def dict_comprehension_literal_keys(x):
    d = {k: np.tanh(x * k) for k in (1, 2, 3)}
    return np.sum(d[1] * d[3]) - np.sum(d[2])


def nested_comprehension(x):
    return sum(x[i] * x[j] for i in range(x.shape[0]) for j in range(i) if x[j] > 0.0) + np.sum(x)


def comprehension_with_filter(x):
    return sum([v ** 2 for v in x if v > 0.0]) + np.sum(x)


# ---------------------------------------------------------------- item assignment, accumulators

def item_assignment_in_loop(x):
    y = x * 0.0
    for i in range(x.shape[0]):
        y[i] = x[i] ** 2 * (i + 1)
    for i in range(1, x.shape[0]):
        y[i] += y[i - 1] * 0.5
    return np.sum(y * x)


def fill_zeros_in_loop(X):
    n = X.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sum(X[i] ** 2)
        if i > 0:
            y[i] += y[i - 1] * X[i, 0]
    return np.sum(np.sin(y)) + np.sum(X)


def accumulators(x):
    s = 0.0
    p = 1.0
    for i in range(x.shape[0]):
        s += np.exp(x[i])
        p *= 1.0 + x[i] ** 2
        s -= 0.5 * x[i]
    return s + p


# ---------------------------------------------------------------- loop-carried values

def decayed_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s * 0.5 + x[i]
    return s


def becomes_active_later(x, start):
    s = 1.0
    for i in range(x.shape[0]):
        if i >= start:
            s = s * x[i]
        else:
            s = s + 1.0
    return s


def running_product(x):
    p = 1.0
    for i in range(x.shape[0]):
        p = p * x[i]
    return p


def rnn(x, W):
    h = np.zeros(W.shape[0])
    for i in range(x.shape[0]):
        h = np.tanh(W @ h + x[i])
    return np.sum(h * h)


def branch_in_loop(x):
    s = 1.0
    for v in x:
        if s * v > 0.5:
            s = s + v ** 2
        elif v < -1.0:
            s = s * v
        else:
            s = np.sin(s + v)
    return s


# ---------------------------------------------------------------- inputs

V4 = np.array([0.7, -0.4, 1.3, 0.2])
W3 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.25]])
X43 = np.array([[0.3, -0.7, 1.1], [0.9, 0.2, -0.4], [-0.5, 0.6, 0.8], [1.2, -0.1, 0.35]])
EMPTY = np.zeros(0)


def _v(*values):
    return np.array(values, dtype=np.float64)


CASES = [
    # branches
    Case("if_elif_else-if", if_elif_else, (1.8,), covers="if on a differentiated scalar: the if arm"),
    Case("if_elif_else-elif", if_elif_else, (0.4,), covers="the elif arm"),
    Case("if_elif_else-else", if_elif_else, (-1.7,), covers="the else arm"),
    Case("branch_on_plain_values-n3", branch_on_plain_values, (V4, 3, 1.5, True), (0, 2),
         covers="if/elif/else on a plain int, conditional expression on a plain value (odd)"),
    Case("branch_on_plain_values-n2", branch_on_plain_values, (V4, 2, 1.5, True), (0, 2),
         covers="elif with `and` of plain values, conditional expression (even)"),
    Case("branch_on_plain_values-not", branch_on_plain_values, (V4, 2, 1.5, False), (0, 2),
         covers="`and` false on its second operand, `not` of a plain bool"),
    Case("branch_on_plain_values-else", branch_on_plain_values, (V4, 1, 1.5, True), (0, 2),
         covers="the else arm (np.prod)"),
    Case("if_without_else-taken", if_without_else, (_v(0.5, 1.0, -0.2),),
         covers="if without else, condition on an array sum, active; overwrites y"),
    Case("if_without_else-skipped", if_without_else, (_v(-0.5, -1.0, 0.2),),
         covers="if without else, inactive"),
    Case("conditional_expression-true", conditional_expression, (_v(0.9, 0.6), 0.3), (0, 1),
         covers="a if c else b on differentiated values, true arm; c differentiated too"),
    Case("conditional_expression-false", conditional_expression, (_v(-0.1, -0.3), 0.3), (0, 1),
         covers="a if c else b, false arm"),
    Case("conditional_expression_in_loop-0", conditional_expression_in_loop, (EMPTY,),
         covers="conditional expression in a loop run 0 times"),
    Case("conditional_expression_in_loop-1", conditional_expression_in_loop, (_v(0.7),),
         covers="loop run once, true arm"),
    Case("conditional_expression_in_loop-many", conditional_expression_in_loop, (_v(0.7, -1.2, 2.0, -0.3),),
         covers="loop run 4 times, both arms"),
    Case("and_or_condition-and", and_or_condition, (1.0, 2.0), (0, 1), covers="`and` true"),
    Case("and_or_condition-or_second", and_or_condition, (1.0, -2.0), (0, 1),
         covers="`and` false on its second operand, `or` true on its second"),
    Case("and_or_condition-or_first", and_or_condition, (-2.0, 0.5), (0, 1),
         covers="`and` short-circuits, `or` true on its first operand"),
    Case("and_or_condition-neither", and_or_condition, (0.5, -0.5), (0, 1),
         covers="`and` false (second), `or` false: the else arm"),
    Case("and_or_condition-neither_short", and_or_condition, (-0.5, 0.5), (0, 1),
         covers="`and` short-circuits, `or` false: the else arm"),
    Case("multiple_returns-first", multiple_returns, (-2.0,), covers="the first (early) return"),
    Case("multiple_returns-second", multiple_returns, (1.0,), covers="the second return, on a branch of sin(x)"),
    Case("multiple_returns-last", multiple_returns, (0.2,), covers="the final return"),
    # for over range(...)
    Case("range_plain_bound-0", range_plain_bound, (V4, 0),
         covers="range(n), n a plain int, 0 trips: the gradient is the code after the loop's"),
    Case("range_plain_bound-1", range_plain_bound, (V4, 1), covers="range(n), 1 trip"),
    Case("range_plain_bound-many", range_plain_bound, (V4, 4), covers="range(n), 4 trips"),
    Case("range_start_stop_step-len1", range_start_stop_step, (_v(0.8),),
         covers="range(n-1, 0, -2) and range(1, n//2+1) from the shape: 0 trips each"),
    Case("range_start_stop_step-len2", range_start_stop_step, (_v(0.8, -0.6),),
         covers="both loops 1 trip"),
    Case("range_start_stop_step-len7", range_start_stop_step, (_v(0.8, -0.6, 1.1, 0.3, -0.9, 0.5, 1.4),),
         covers="negative step: 3 trips; 3 trips"),
    Case("range_bound_from_data-0", range_bound_from_data, (_v(-1.0, -0.5, -2.0),),
         covers="trip count counted from differentiated values (x > 0): 0 trips"),
    Case("range_bound_from_data-1", range_bound_from_data, (_v(0.6, -0.5, -2.0),), covers="1 trip"),
    Case("range_bound_from_data-many", range_bound_from_data, (_v(0.6, 1.5, 0.9, -0.4),), covers="3 trips"),
    Case("loop_variable_after_loop-0", loop_variable_after_loop, (_v(0.5, -1.2, 0.9, 0.4, 1.1), 0),
         covers="loop variable read after the loop; 0 trips keeps its value from before the loop"),
    Case("loop_variable_after_loop-1", loop_variable_after_loop, (_v(0.5, -1.2, 0.9, 0.4, 1.1), 1),
         covers="1 trip"),
    Case("loop_variable_after_loop-many", loop_variable_after_loop, (_v(0.5, -1.2, 0.9, 0.4, 1.1), 3),
         covers="3 trips: the last i is read"),
    # for over other iterables
    Case("for_over_rows-0", for_over_rows, (X43[:0], _v(0.5, -1.0, 0.8)), (0, 1),
         covers="for over the rows of a (0, 3) array: 0 trips"),
    Case("for_over_rows-1", for_over_rows, (X43[:1], _v(0.5, -1.0, 0.8)), (0, 1), covers="1 row"),
    Case("for_over_rows-many", for_over_rows, (X43, _v(0.5, -1.0, 0.8)), (0, 1), covers="4 rows"),
    Case("for_over_list-0", for_over_list, (0.7, []), covers="for over an empty list (Horner)"),
    Case("for_over_list-1", for_over_list, (0.7, [2.0]), covers="a one-item list"),
    Case("for_over_list-many", for_over_list, (0.7, [1.0, -2.0, 0.5, 3.0]),
         covers="a 4-item list; s becomes differentiated in the loop"),
    Case("append_then_stack-0", append_then_stack, (_v(0.3, -0.8, 1.1), 0),
         covers="list.append in a loop run 0 times, then np.stack"),
    Case("append_then_stack-1", append_then_stack, (_v(0.3, -0.8, 1.1), 1), covers="1 trip"),
    Case("append_then_stack-many", append_then_stack, (_v(0.3, -0.8, 1.1), 3),
         covers="3 trips, each reading the last appended row"),
    Case("for_over_tuples-0", for_over_tuples, (0.6, ()),
         covers="for over an empty tuple argument; for over a tuple of differentiated values"),
    Case("for_over_tuples-1", for_over_tuples, (0.6, (0.5,)), covers="a one-item tuple"),
    Case("for_over_tuples-many", for_over_tuples, (0.6, (0.5, -1.0, 2.0)), covers="a 3-item tuple"),
    Case("enumerate_loop-0", enumerate_loop, (EMPTY, EMPTY), (0, 1), covers="enumerate, enumerate(start=1): 0 trips"),
    Case("enumerate_loop-1", enumerate_loop, (_v(0.4), _v(-0.7)), (0, 1), covers="1 trip"),
    Case("enumerate_loop-many", enumerate_loop, (_v(0.4, -1.1, 0.9), _v(-0.7, 0.3, 1.6)), (0, 1),
         covers="3 trips"),
    Case("zip_loop-0", zip_loop, (EMPTY, _v(0.5, 1.0)), (0, 1), covers="zip with an empty side: 0 trips"),
    Case("zip_loop-1", zip_loop, (_v(0.8), _v(0.5, 1.0)), (0, 1), covers="zip of unequal lengths: 1 trip"),
    Case("zip_loop-many", zip_loop, (_v(0.8, -0.3, 1.2), _v(0.5, 1.0, -0.6, 2.0, 0.1)), (0, 1),
         covers="zip stops at the shorter: 3 trips"),
    Case("reversed_loop-0", reversed_loop, (EMPTY,), covers="reversed(x), reversed(range(n)): 0 trips"),
    Case("reversed_loop-1", reversed_loop, (_v(0.9),), covers="1 trip"),
    Case("reversed_loop-many", reversed_loop, (_v(0.9, -0.4, 0.6, 1.2),), covers="4 trips, order matters"),
    # while
    Case("while_halving-0", while_halving, (_v(0.3, -0.6),),
         covers="while on a differentiated condition: 0 trips"),
    Case("while_halving-1", while_halving, (_v(1.5, 0.2),), covers="1 trip"),
    Case("while_halving-many", while_halving, (_v(7.0, -3.0),), covers="3 trips"),
    Case("newton_cube_root-1", newton_cube_root, (1.0,),
         covers="Newton `while abs(d) > 1e-12`: one step (exact at a=1)"),
    Case("newton_cube_root-many", newton_cube_root, (2.0,),
         covers="Newton: many steps; x becomes differentiated on the first one"),
    Case("newton_cube_root-far", newton_cube_root, (27.0,), covers="Newton from far away: more steps"),
    Case("while_else-0", while_else, (_v(0.9, -0.8), 0), covers="while run 0 times, its else taken"),
    Case("while_else-1", while_else, (_v(0.9, -0.8), 1), covers="while run once, no break: else taken"),
    Case("while_else-break_first", while_else, (_v(0.3, -0.2), 4),
         covers="while left by break on its first trip: else skipped"),
    Case("while_else-many", while_else, (_v(1.4, -1.1), 8),
         covers="while run many times, then break: else skipped"),
    Case("while_else-exhausted", while_else, (_v(1.4, -1.1), 2),
         covers="while run twice until its condition fails: else taken"),
    # break, continue, else, return
    Case("break_and_continue-0", break_and_continue, (EMPTY, 2.0), covers="0 trips"),
    Case("break_and_continue-1", break_and_continue, (_v(0.8), 2.0), covers="1 trip, no continue/break"),
    Case("break_and_continue-continue", break_and_continue, (_v(0.8, -0.5, 0.6, -1.5), 2.0),
         covers="continue on negative items, no break"),
    Case("break_and_continue-break", break_and_continue, (_v(1.2, -0.5, 1.1, 0.6, 0.7), 2.0),
         covers="continue, then break once s exceeds stop"),
    Case("for_else_search-0", for_else_search, (EMPTY, 0.5), (0, 1), covers="0 trips: for-else taken"),
    Case("for_else_search-1", for_else_search, (_v(0.9), 0.5), (0, 1), covers="break on the first trip"),
    Case("for_else_search-later", for_else_search, (_v(0.1, -0.3, 0.9, 1.4), 0.5), (0, 1),
         covers="break on the third trip"),
    Case("for_else_search-none", for_else_search, (_v(0.1, -0.3, 0.2), 0.5), (0, 1),
         covers="no break: for-else taken after 3 trips"),
    Case("return_from_loop-0", return_from_loop, (EMPTY, 1.0), (0, 1), covers="0 trips: the final return"),
    Case("return_from_loop-1", return_from_loop, (_v(1.3, 0.2), 1.0), (0, 1),
         covers="return from inside the loop on its first trip"),
    Case("return_from_loop-many", return_from_loop, (_v(0.5, 0.6, 0.7, 0.2), 1.0), (0, 1),
         covers="return from inside the loop on its third trip"),
    Case("return_from_loop-through", return_from_loop, (_v(0.3, 0.2, -0.4), 1.0), (0, 1),
         covers="the loop runs out: the final return"),
    # nesting and helpers
    Case("nested_loops_branches-0", nested_loops_branches, (np.zeros((0, 0)), EMPTY), (0, 1),
         covers="nested loops, outer run 0 times"),
    Case("nested_loops_branches-1", nested_loops_branches, (_v(0.6).reshape(1, 1), _v(0.9)), (0, 1),
         covers="1x1: outer loop once, inner loop 0 times"),
    Case("nested_loops_branches-2", nested_loops_branches, (W3[:2, :2], _v(0.4, -0.8)), (0, 1),
         covers="2x2: outer loop twice, inner loop once in all, if arm"),
    Case("nested_loops_branches-many", nested_loops_branches, (W3, _v(0.4, -0.8, 1.2)), (0, 1),
         covers="3x3: triangular nest range(i), inner loop 3 times in all, both arms"),
    Case("loop_calls_helpers-0", loop_calls_helpers, (EMPTY, W3), (0, 1),
         covers="a loop calling helpers (tanh cell, branching helper), 0 trips"),
    Case("loop_calls_helpers-1", loop_calls_helpers, (_v(0.7), W3), (0, 1), covers="1 trip"),
    Case("loop_calls_helpers-many", loop_calls_helpers, (_v(0.7, -0.5, 1.2, -0.9), W3), (0, 1),
         covers="4 trips, both returns of the helper"),
    Case("helper_with_loop-0", helper_with_loop, (_v(0.5, -0.9, 1.3, 0.8), 0),
         covers="a loop calling a helper that loops itself, 0 trips"),
    Case("helper_with_loop-1", helper_with_loop, (_v(0.5, -0.9, 1.3, 0.8), 1),
         covers="1 trip (the helper's loop 0 times)"),
    Case("helper_with_loop-many", helper_with_loop, (_v(0.5, -0.9, 1.3, 0.8), 4),
         covers="4 trips (the helper's loop 0..3 times)"),
    # comprehensions
    Case("genexp_sum_of_squares-0", genexp_sum_of_squares, (V4, 0),
         covers="sum(x[i] ** 2 for i in range(n)): empty"),
    Case("genexp_sum_of_squares-1", genexp_sum_of_squares, (V4, 1), covers="one term"),
    Case("genexp_sum_of_squares-many", genexp_sum_of_squares, (V4, 4), covers="four terms"),
    Case("listcomp_np_array-1", listcomp_np_array, (_v(0.4),),
         covers="np.array([np.sin(v) for v in x]), one item"),  # np.array of Tensors records (issue 10)
    Case("listcomp_np_array-many", listcomp_np_array, (V4,), covers="four items"),  # np.array of Tensors records (issue 10)
    Case("listcomp_np_stack-many", listcomp_np_stack, (V4,), covers="np.stack([np.sin(v) for v in x])"),
    Case("stack_rows_comprehension-1", stack_rows_comprehension, (X43[:1], _v(0.5, -1.0, 0.8)), (0, 1),
         covers="np.stack of a list comprehension over rows, one row"),
    Case("stack_rows_comprehension-many", stack_rows_comprehension, (X43, _v(0.5, -1.0, 0.8)), (0, 1),
         covers="four rows"),
    Case("set_comprehension-0", set_comprehension, (_v(0.5, -1.2, 0.9), 0),
         covers="set comprehension of indices, then a generator over it: empty"),
    Case("set_comprehension-1", set_comprehension, (_v(0.5, -1.2, 0.9), 1), covers="one index"),
    Case("set_comprehension-many", set_comprehension, (_v(0.5, -1.2, 0.9), 7), covers="indices repeat"),
    Case("enumerate_zip_loop-many", enumerate_zip_loop, (_v(0.3, -0.7, 1.1), _v(0.9, 0.2)), (0, 1),
         covers="for i, (a, b) in enumerate(zip(x, y), start=1): one index over both, unequal lengths"),
    Case("enumerate_zip_loop-0", enumerate_zip_loop, (EMPTY, _v(0.9, 0.2)), (0, 1), covers="an empty zip"),
    Case("enumerate_zip_loop-1", enumerate_zip_loop, (_v(0.4), _v(0.9, 0.2)), (0, 1), covers="one pair"),
    Case("dict_comprehension_range", dict_comprehension_range, (_v(0.3, -0.7, 1.1),),
         covers="dict comprehension over range(3): unrolled into a dict literal, read by constant key"),
    Case("dict_comprehension_literal_keys", dict_comprehension_literal_keys, (_v(0.3, -0.7, 1.1),),
         covers="dict comprehension over a literal tuple of keys: unrolled into a dict literal, read by key"),
    Case("nested_comprehension-1", nested_comprehension, (_v(0.6),),
         covers="generator with two for clauses and an if on a differentiated value: no terms"),
    Case("nested_comprehension-many", nested_comprehension, (_v(0.6, -0.7, 1.1, 0.4),),
         covers="terms kept and filtered out"),
    Case("comprehension_with_filter-none", comprehension_with_filter, (_v(-0.6, -1.1),),
         covers="list comprehension with an if on a differentiated value: all filtered out"),
    Case("comprehension_with_filter-some", comprehension_with_filter, (_v(0.6, -1.1, 1.3),),
         covers="some kept"),
    # item assignment, accumulators
    Case("item_assignment_in_loop-0", item_assignment_in_loop, (EMPTY,),
         covers="y[i] = ... and y[i] += ... into a local array, 0 trips"),
    Case("item_assignment_in_loop-1", item_assignment_in_loop, (_v(0.8),), covers="first loop 1 trip, second 0"),
    Case("item_assignment_in_loop-2", item_assignment_in_loop, (_v(0.8, -0.6),), covers="second loop 1 trip"),
    Case("item_assignment_in_loop-many", item_assignment_in_loop, (_v(0.8, -0.6, 1.1, 0.3, -1.4),),
         covers="5 and 4 trips; y[i] += reads y[i - 1] written by an earlier trip"),
    Case("fill_zeros_in_loop-0", fill_zeros_in_loop, (X43[:0],),
         covers="y = np.zeros(n) filled by y[i] = / y[i] += in a loop, 0 trips (nothing written: the tape "
                "accepts it)"),
    Case("fill_zeros_in_loop-1", fill_zeros_in_loop, (X43[:1],), covers="1 trip, the if skipped"),
    Case("fill_zeros_in_loop-many", fill_zeros_in_loop, (X43,), covers="4 trips, the if taken"),
    Case("accumulators-0", accumulators, (EMPTY,), covers="s += f(x[i]), p *= ..., s -= ...: 0 trips"),
    Case("accumulators-1", accumulators, (_v(0.3),), covers="1 trip"),
    Case("accumulators-many", accumulators, (_v(0.3, -0.9, 1.2, 0.5),), covers="4 trips"),
    # loop-carried values
    Case("decayed_sum-0", decayed_sum, (EMPTY,), covers="s = 0.0; s = s * 0.5 + x[i]: 0 trips"),
    Case("decayed_sum-1", decayed_sum, (_v(0.7),), covers="1 trip: s differentiated from then on"),
    Case("decayed_sum-many", decayed_sum, (_v(0.7, -1.3, 0.4, 2.1),), covers="4 trips"),
    Case("becomes_active_later-first", becomes_active_later, (_v(0.8, -1.2, 1.5, 0.6), 0),
         covers="s differentiated from the first trip"),
    Case("becomes_active_later-third", becomes_active_later, (_v(0.8, -1.2, 1.5, 0.6), 2),
         covers="s plain for two trips, differentiated from the third"),
    Case("becomes_active_later-last", becomes_active_later, (_v(0.8, -1.2, 1.5, 0.6), 3),
         covers="differentiated only on the last trip"),
    Case("becomes_active_later-never", becomes_active_later, (_v(0.8, -1.2, 1.5, 0.6), 5),
         covers="never differentiated: the gradient is zero"),
    Case("becomes_active_later-1", becomes_active_later, (_v(0.8), 0), covers="1 trip"),
    Case("becomes_active_later-0", becomes_active_later, (EMPTY, 0), covers="0 trips"),
    Case("running_product-0", running_product, (EMPTY,), covers="p = p * x[i], overwritten and read: 0 trips"),
    Case("running_product-1", running_product, (_v(1.3),), covers="1 trip"),
    Case("running_product-many", running_product, (_v(1.3, -0.7, 0.9, 1.6),), covers="4 trips"),
    Case("rnn-0", rnn, (EMPTY, W3), (0, 1), covers="h = np.tanh(W @ h + x[i]): 0 trips"),
    Case("rnn-1", rnn, (_v(0.6), W3), (0, 1), covers="1 trip"),
    Case("rnn-many", rnn, (_v(0.6, -0.9, 0.3, 1.1, -0.2), W3), (0, 1), covers="5 trips"),
    Case("branch_in_loop-0", branch_in_loop, (EMPTY,), covers="a branch on the loop-carried s: 0 trips"),
    Case("branch_in_loop-1", branch_in_loop, (_v(0.9),), covers="1 trip, first arm"),
    Case("branch_in_loop-many", branch_in_loop, (_v(0.9, -1.6, 0.2, -0.4, 1.3),),
         covers="5 trips through all three arms, chosen by s"),
]


# ---------------------------------------------------------------- refused by source mode

CALLS = 0                                  # written by global_write
OPS = (np.sin, np.cos, np.tanh)            # indexed at run time by runtime_dispatch
WEIGHTS = (2.0, 3.0)                       # indexed past its end by try_except


def _power_by_recursion(x, n):
    if n == 0:
        return 1.0
    return x * _power_by_recursion(x, n - 1)


def recursion(x):
    return _power_by_recursion(x, 3) + np.sin(x)


def _yield_powers(x, n):
    for k in range(n):
        yield x ** (k + 1)


def generator(x):
    return sum(_yield_powers(x, 3)) + x


def try_except(x, k):
    try:
        w = WEIGHTS[k]
    except IndexError:
        w = 0.5
    return np.log(x) * w


def with_block(x):
    with np.errstate(divide="ignore"):
        y = 1.0 / x
    return y + x


def global_write(x):
    global CALLS
    CALLS += 1
    return x ** 2 * 3.0


def _make_nonlocal_write():
    calls = 0

    def nonlocal_write(x):
        nonlocal calls
        calls += 1
        return np.sin(x) * x

    return nonlocal_write


nonlocal_write = _make_nonlocal_write()


def eval_call(x):
    return eval("x * x + np.sin(x)")


def exec_call(x):
    namespace = {"x": x, "np": np}
    exec("y = np.sin(x) * x", namespace)
    return namespace["y"]


def runtime_dispatch(x, k):
    return OPS[k](x) * x


def loop_with_try(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            try:
                s = s + np.log(x[i]) * WEIGHTS[i]
            except IndexError:
                s = s + x[i]
        else:
            s = s + x[i] ** 2
    return s


def while_with_dispatch(x):
    y = x
    k = 0
    while np.sum(y ** 2) > 0.5:
        y = OPS[k % 3](y) * 0.8
        k += 1
    return np.sum(y)


def branch_with_recursion(x):
    if x > 0.0:
        return _power_by_recursion(x, 4)
    return x * 2.0


def loop_with_with_block(x):
    s = 0.0
    for i in range(x.shape[0]):
        with np.errstate(over="ignore"):
            s = s + np.exp(x[i]) * i
    return s


RECURSION = r"(?i)recurs"
GENERATOR = r"(?i)\byield\b|generator(?! expression)"
TRY = r"(?i)\btry\b"
WITH = r"(?i)\bwith (block|statement)|context manager"
GLOBAL = r"(?i)\bglobal\b"
NONLOCAL = r"(?i)\bnonlocal\b"
DISPATCH = r"OPS\[k( % 3)?\]"

UNSUPPORTED = [
    Refused("recursion", recursion, (0.7,), construct=RECURSION, covers="a helper that calls itself"),
    Refused("generator", generator, (0.7,), construct=GENERATOR, covers="a helper with yield"),
    Refused("try_except-body", try_except, (1.3, 1), construct=TRY, covers="try/except, no exception"),
    Refused("try_except-handler", try_except, (1.3, 5), construct=TRY, covers="try/except, the handler runs"),
    Refused("with_block", with_block, (1.3,), construct=WITH, covers="with np.errstate(...)"),
    Refused("global_write", global_write, (0.7,), construct=GLOBAL, covers="global CALLS; CALLS += 1"),
    Refused("nonlocal_write", nonlocal_write, (0.7,), construct=NONLOCAL, covers="nonlocal calls; calls += 1"),
    Refused("eval_call", eval_call, (0.7,), construct=r"\beval\b", covers="eval of an expression"),
    Refused("exec_call", exec_call, (0.7,), construct=r"\bexec\b", covers="exec of a statement"),
    Refused("runtime_dispatch", runtime_dispatch, (0.7, 1), construct=DISPATCH,
            covers="OPS[k](x): the callee is chosen at run time"),
    Refused("loop_with_try", loop_with_try, (_v(0.8, -0.6, 1.7),), construct=TRY,
            covers="for with a branch on a differentiated value, and try/except inside (its handler runs on "
                   "the third trip)"),
    Refused("while_with_dispatch", while_with_dispatch, (_v(1.2, -0.9),), construct=DISPATCH,
            covers="a data-dependent while calling OPS[k % 3]"),
    Refused("branch_with_recursion-if", branch_with_recursion, (0.7,), construct=RECURSION,
            covers="a branch on a differentiated value whose taken arm recurses"),
    Refused("branch_with_recursion-else", branch_with_recursion, (-0.7,), construct=RECURSION,
            covers="the same function, the arm without recursion taken"),
    # a dict built by a comprehension from values that carry a gradient (keys known only at run time) is not
    # followed by source mode (lists are: see listcomp_np_array); auto mode uses the tape
    Refused("dict_comprehension-0", dict_comprehension, (0.8, 0), construct=r"dict comprehension",
            covers="dict comprehension, generator over its keys, for over .items(): empty"),
    Refused("dict_comprehension-many", dict_comprehension, (0.8, 4), construct=r"dict comprehension",
            covers="four entries"),
    Refused("dict_comprehension_pair_target", dict_comprehension_constant_keys, (_v(0.3, -0.7, 1.1),),
            construct=r"dict comprehension",
            covers="a dict comprehension over (name, scale) pairs is not unrolled (a pair target)"),
    Refused("loop_with_with_block", loop_with_with_block, (_v(0.3, -0.5, 0.9),), construct=WITH,
            covers="a for loop over range(len) with a with block inside"),
]
