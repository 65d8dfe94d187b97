"""Gradients specialised on the kinds of their arguments (issue 11): plain NumPy where the patterns of length-one
axes decide it, one number for the adjoint of a full reduction, and the same answers at every shape."""

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.kinds import SCALAR, kind_of
from tests.cases import specialised as cases

rng = np.random.default_rng(11)


def normal(*shape):
    return rng.normal(size=shape)


def check(g, func, args, wrt):
    got = g(*args)
    expected = sg.numerical_grad(func, *args, wrt=wrt)
    if not isinstance(wrt, tuple):
        got, expected = (got,), (expected,)
    for mine, theirs, arg in zip(got, expected, [args[w] for w in (wrt if isinstance(wrt, tuple) else (wrt,))]):
        assert np.shape(mine) == np.shape(arg)
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-8)


# each case: function, wrt, argument sets of several shapes (same and different patterns), called in turn on one
# gradient object, so that code specialised on one kind is never used for another
CASES = [
    (cases.mlp, (0, 1), [(normal(4, 3), normal(3, 2), normal(5, 4), normal(5, 2)),
                         (normal(6, 3), normal(3, 4), normal(2, 6), normal(2, 4)),
                         (normal(4, 1), normal(1, 2), normal(1, 4), normal(1, 2)),
                         (normal(4, 3), normal(3, 2), normal(5, 4), normal(1, 2))]),
    (cases.matmul_chain, (0, 1, 2), [(normal(3, 4), normal(4, 2), normal(2, 5)),
                                     (normal(2, 2), normal(2, 3), normal(3, 1)),
                                     (normal(1, 4), normal(4, 1), normal(1, 3))]),
    (cases.logistic, 0, [(normal(4), normal(6, 4), (normal(6) > 0).astype(float) * 0.8 + 0.1),
                         (normal(3), normal(2, 3), np.array([0.2, 0.7])),
                         (normal(1), normal(5, 1), np.full(5, 0.3)),
                         (normal(3), normal(2, 3), np.array(0.4))]),
    (cases.broadcast_mix, (0, 2), [(normal(5), normal(7, 5), 0.3), (normal(2), normal(3, 2), 0.1),
                                   (normal(1), normal(3, 4), 0.2), (normal(4), normal(1, 4), 0.5),
                                   (normal(1, 4), normal(3, 4), normal(3, 1))]),
    (cases.outer_sum, (0, 1), [(normal(3, 1), normal(1, 4)), (normal(5, 1), normal(1, 2)), (normal(3, 4), normal(4)),
                               (normal(4), normal(3, 1)), (0.7, normal(2, 3)), (normal(2, 3), 0.4)]),
    (cases.reductions_with_keepdims, 0, [normal(3, 4)[None][0:1][0:1].reshape(3, 4), normal(1, 5), normal(4, 1),
                                         normal(2, 3)]),
    (cases.sums_of_the_same_array, 0, [normal(5), normal(2, 3), normal(1), np.array(1.3), 0.8]),
    (cases.sum_of_a_broadcast, (0, 1), [(normal(4), 0.3), (normal(2, 3), normal(3)), (normal(3, 1), normal(1, 4)),
                                        (normal(4), np.array(0.5)), (0.2, normal(3))]),
    (cases.sum_of_products, (0, 1), [(normal(3, 4), normal(4, 2)), (normal(1, 2), normal(2, 1)),
                                     (normal(2, 5), normal(5, 3))]),
    (cases.indexed_terms, 0, [normal(4), normal(2), normal(3, 2), normal(6)]),
    (cases.transposed, (0, 1), [(normal(3, 4), normal(3, 4)), (normal(1, 4), normal(1, 4)),
                                (normal(3, 1), normal(3, 1))]),
    (cases.sum_in_a_branch, 0, [normal(4) * 0.1, normal(4) * 3, normal(2, 2)]),
    (cases.maxima, 0, [1.0, -5.5, -7.0]),
    (cases.dots, (0, 1, 2), [(normal(3, 4), normal(4), normal(4, 2)), (normal(1, 2), normal(2), normal(2, 1)),
                             (normal(2, 1), normal(1), normal(1, 5))]),
]


def _args(entry):
    return entry if isinstance(entry, tuple) else (entry,)


@pytest.mark.parametrize("func, wrt, argument_sets", CASES, ids=[c[0].__name__ for c in CASES])
def test_specialised_gradients_are_right_at_every_shape(func, wrt, argument_sets):
    g = sg.grad(func, wrt=wrt, mode="source")
    for entry in argument_sets + argument_sets[:1]:
        check(g, func, _args(entry), wrt)
        assert g.mode == "source"


def test_a_loop_after_a_full_reduction_reads_an_array_adjoint():
    g = sg.grad(cases.sum_then_loop, mode="source")
    for x, n in [(normal(5), 3), (normal(2), 2), (normal(1), 1)]:
        check(g, cases.sum_then_loop, (x, n), 0)


def test_maxima_of_numbers_keep_a_floating_adjoint():
    # the seed 1.0 times a comparison is a number, not the comparison: True + True would be True
    g = sg.grad(cases.maxima, mode="source")
    assert g(1.0) == 2.0 and type(g(1.0)) is float
    assert g(-5.5) == 1.0


def test_the_generated_code_says_what_the_helpers_would_do():
    W1, W2, X, Y = normal(4, 3), normal(3, 2), normal(5, 4), normal(5, 2)
    g = sg.grad(cases.mlp, wrt=(0, 1))
    g(W1, W2, X, Y)
    text = g.source
    for helper in ("grad_matmul", "unbroadcast", "expand_reduced", "reduced_size"):
        assert helper not in text
    assert "@ W2.T" in text and "H.T @ " in text and "X.T @ " in text
    assert ".size" in text   # the adjoint of the mean: one number, 1.0 / size

    g = sg.grad(cases.matmul_chain)
    g(normal(3, 4), normal(4, 2), normal(2, 5))
    assert "np.broadcast_to(" in g.source and "C.sum(axis=1), t0.shape)" in g.source   # no matrix product for it

    g = sg.grad(cases.broadcast_mix, wrt=(0, 2))
    g(normal(5), normal(7, 5), 0.3)
    assert ".sum(axis=0)" in g.source and ".sum()" in g.source and "unbroadcast" not in g.source


def test_code_for_one_pattern_is_not_reused_for_another():
    g = sg.grad(cases.outer_sum, wrt=(0, 1))
    g(normal(3, 4), normal(3, 4))
    same_shapes = g.source
    g(normal(3, 1), normal(1, 4))
    assert g.source != same_shapes
    assert "keepdims=True" in g.source     # each operand's stretched axis summed back
    g(normal(5, 2), normal(5, 2))
    assert g.source == same_shapes


def test_without_kinds_the_code_is_general():
    from sourcegrad.transforms import build_gradient

    text = build_gradient(cases.mlp, ("W1", "W2")).text
    assert "grad_matmul_lhs" in text and "expand_reduced" in text


def test_vjp_of_a_full_reduction_spreads_the_seed():
    x = normal(2, 3)
    value, vjp_fn = sg.vjp(np.sum, x)
    np.testing.assert_allclose(vjp_fn(2.5), np.full((2, 3), 2.5))
    np.testing.assert_allclose(vjp_fn(np.array(-1.0)), np.full((2, 3), -1.0))
    _, vjp_fn = sg.vjp(cases.sums_of_the_same_array, x)
    np.testing.assert_allclose(vjp_fn(2.0), 2.0 * sg.numerical_grad(cases.sums_of_the_same_array, x),
                               rtol=1e-6, atol=1e-8)


def test_float32_gradients_stay_float32():
    W = normal(3, 4).astype(np.float32)
    g = sg.grad(cases.squares_and_mean, mode="source")
    assert g(W).dtype == np.float32
    np.testing.assert_allclose(g(W), 2 * W + 1 / W.size, rtol=1e-5)


# ---- kinds

@pytest.mark.parametrize("value, kind", [
    (1.5, SCALAR), (3, SCALAR), (np.float32(2.0), SCALAR), (np.int64(4), SCALAR), (True, None), (None, None),
    ([1.0], None), (np.zeros(()), ("array", "")), (np.zeros((3,)), ("array", "N")), (np.zeros((1,)), ("array", "1")),
    (np.zeros((0, 1, 5)), ("array", "N1N")), (np.ma.zeros(3), None),
])
def test_kind_of(value, kind):
    assert kind_of(value) == kind


def test_a_gradient_is_never_an_array_the_caller_holds():
    # with grad's seed folded, `1.0 * WEIGHTS` must not become the global itself (nor `1.0 * v` the argument)
    x = np.array([1.0, 2.0, 3.0])
    g = sg.grad(cases.weighted)
    for _ in range(3):   # (the general path, then the entry)
        got = g(x)
        assert got is not cases.WEIGHTS and not np.shares_memory(got, cases.WEIGHTS)
        np.testing.assert_array_equal(got, cases.WEIGHTS)
    got[0] = 99.0
    assert cases.WEIGHTS[0] == 0.5
