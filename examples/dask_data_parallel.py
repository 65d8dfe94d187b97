"""Data-parallel gradients with Dask: the data set is cut into shards, each worker process computes the
gradient of its shard's share of the loss with the same sg.grad function (sent to it by pickling, which
sends the user's function, wrt and mode, never compiled code), and the per-shard gradients are summed.

The loss of logistic regression is a sum over examples divided by their total number, so the gradient of
the whole is exactly the sum of the shards' gradients. Needs Dask (pip install -e ".[dask]").

    python examples/dask_data_parallel.py              # 4 shards, 2 worker processes, 60 steps
    python examples/dask_data_parallel.py --quick      # fewer, smaller steps (the tests run this)
"""

import argparse
import concurrent.futures
import os

import numpy as np

import sourcegrad as sg


WORKERS = set()   # the processes that computed shards


def shard_loss(w, b, X, y, n_total):
    """This shard's share of the mean logistic loss of the whole data set."""
    z = X @ w + b
    return np.sum(np.logaddexp(0.0, z) - y * z) / n_total


def make_data(rng, n, d):
    w_true = rng.normal(size=d)
    X = rng.normal(size=(n, d))
    y = (X @ w_true + 0.3 + 0.5 * rng.normal(size=n) > 0).astype(float)
    return X, y


def shard_value_and_grad(value_and_grad, w, b, X, y, n_total):
    """Runs in a worker: the shard's loss and gradients, and which process computed them."""
    return os.getpid(), value_and_grad(w, b, X, y, n_total)


def data_parallel_value_and_grad(value_and_grad, w, b, shards, n_total):
    """The loss of the whole data set and its gradient: the shards' values and gradients summed."""
    import dask

    parts = [dask.delayed(shard_value_and_grad)(value_and_grad, w, b, X, y, n_total) for X, y in shards]
    results = dask.compute(*parts)
    WORKERS.update(pid for pid, _ in results)
    value = sum(v for _, (v, _) in results)
    gw = sum(g[0] for _, (_, g) in results)
    gb = sum(g[1] for _, (_, g) in results)
    return value, (gw, gb)


def main(steps=60, n=4000, d=8, n_shards=4, workers=2, lr=0.5, every=10):
    import dask

    rng = np.random.default_rng(0)
    X, y = make_data(rng, n, d)
    shards = list(zip(np.array_split(X, n_shards), np.array_split(y, n_shards)))
    value_and_grad = sg.value_and_grad(shard_loss, wrt=("w", "b"))
    w, b = np.zeros(d), 0.0
    losses = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool, \
            dask.config.set(scheduler="processes", pool=pool):
        full_value, (full_gw, full_gb) = value_and_grad(w, b, X, y, n)     # one process, the whole data set
        value, (gw, gb) = data_parallel_value_and_grad(value_and_grad, w, b, shards, n)
        print(f"{n_shards} shards on {workers} worker processes; at the start: loss {value:.6f} "
              f"(one process: {full_value:.6f}), max |gradient difference| "
              f"{max(np.max(np.abs(gw - full_gw)), abs(gb - full_gb)):.1e}")
        for step in range(steps):
            value, (gw, gb) = data_parallel_value_and_grad(value_and_grad, w, b, shards, n)
            losses.append(value)
            if step % every == 0:
                print(f"step {step:3d}  loss {value:.6f}")
            w, b = w - lr * gw, b - lr * gb
    print(f"shards were computed in {len(WORKERS - {os.getpid()})} worker processes")
    accuracy = np.mean(((X @ w + b) > 0) == (y > 0.5))
    print(f"loss {losses[0]:.6f} -> {losses[-1]:.6f}, training accuracy {accuracy:.1%} "
          f"(mode: {value_and_grad.mode})")
    return losses, w, b


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (the tests use it)")
    options = parser.parse_args()
    if options.quick:
        main(steps=12, n=800, d=4, every=4)
    else:
        main()
