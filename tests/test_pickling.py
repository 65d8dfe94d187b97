"""A gradient function pickles by reference (the user's function, wrt, mode), so it can be sent to worker
processes: multiprocessing, concurrent.futures, Dask."""

import concurrent.futures
import functools
import multiprocessing
import pickle

import numpy as np
import pytest

import sourcegrad as sg


def loss(W, b, X, y):
    return np.mean((X @ W + b - y) ** 2)


def variadic(*xs):
    return sum(x ** 2 for x in xs)


@sg.grad
def decorated(x):
    return x ** 3


class Model:
    def __init__(self, scale):
        self.scale = scale

    def energy(self, x):
        return self.scale * np.sum(x ** 2)


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), 0.5, rng.normal(size=(8, 3)), rng.normal(size=8)


def expected(W, b, X, y):
    r = X @ W + b - y
    return 2 * X.T @ r / len(y), 2 * np.mean(r)


@pytest.mark.parametrize("mode", ["auto", "source", "tape"])
def test_round_trip_keeps_wrt_mode_and_value(mode):
    W, b, X, y = data()
    g = sg.value_and_grad(loss, wrt=("W", "b"), mode=mode)
    for _ in range(3):          # called first: the fast entry gives it a class of its own
        g(W, b, X, y)
    h = pickle.loads(pickle.dumps(g))
    assert h is not g and h.wrt == ("W", "b") and h.requested_mode == mode and h.with_value
    value, (gW, gb) = h(W, b, X, y)
    eW, eb = expected(W, b, X, y)
    np.testing.assert_allclose(gW, eW, rtol=1e-12)
    assert gb == pytest.approx(eb, rel=1e-12)
    assert value == pytest.approx(loss(W, b, X, y), rel=1e-15)


def test_generated_code_is_not_pickled_but_rebuilt():
    g = sg.grad(loss)
    data_ = pickle.dumps(g)
    assert g.source.encode() not in data_ and b"dloss_dW" not in data_


def test_a_decorated_function_pickles_as_its_global_name():
    assert pickle.loads(pickle.dumps(decorated)) is decorated


def test_partials_bound_methods_and_star_args():
    W, b, X, y = data()
    g = pickle.loads(pickle.dumps(sg.grad(functools.partial(loss, X=X, y=y))))
    np.testing.assert_allclose(g(W, b), expected(W, b, X, y)[0], rtol=1e-12)
    m = pickle.loads(pickle.dumps(sg.grad(Model(3.0).energy)))
    np.testing.assert_allclose(m(np.array([1.0, -2.0])), [6.0, -12.0])
    v = pickle.loads(pickle.dumps(sg.grad(variadic, wrt=1)))
    assert v.wrt == ("args[1]",) and v(1.0, 2.0, 3.0) == pytest.approx(4.0)


def shard_gradient(args):
    g, W, b, X, y = args
    return g(W, b, X, y)


def test_worker_processes_compute_the_same_gradient():
    W, b, X, y = data(1)
    g = sg.grad(loss, wrt=("W", "b"))
    shards = [(g, W, b, X[i::2], y[i::2]) for i in range(2)]
    context = multiprocessing.get_context("spawn")     # a fresh interpreter: nothing inherited from this one
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        results = list(pool.map(shard_gradient, shards))
    for (gW, gb), (_, W_, b_, X_, y_) in zip(results, shards):
        eW, eb = expected(W_, b_, X_, y_)
        np.testing.assert_allclose(gW, eW, rtol=1e-12)
        assert gb == pytest.approx(eb, rel=1e-12)
