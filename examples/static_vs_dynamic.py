"""Static graph or dynamic graph: which is faster? Source transformation (sourcegrad's source mode: the
gradient is written once as Python code, a "static graph") against the tape (a "dynamic graph" recorded
anew at every call, as PyTorch and autograd do), on the same NumPy functions; and PyTorch itself, written
with torch operations, when it is installed.

Each figure is the median time of one gradient call, in microseconds, over several rounds; the ratio is
tape / source. Before timing, the gradients of the two modes are compared.

    python examples/static_vs_dynamic.py            # about 20 seconds
    python examples/static_vs_dynamic.py --quick    # a rough table in about a second (the tests run this)
"""

import argparse
import os
import platform
import time

import numpy as np

import sourcegrad as sg


def polynomial(x):
    return x ** 3 - 2.0 * x ** 2 + 3.0 * x + 1.0


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp(W1, b1, W2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    return np.mean((hidden @ W2 - y) ** 2)


def recurrence(x, n=100):
    h = x
    for _ in range(n):
        h = np.sin(h) * 0.9 + 0.1 * x
    return h


def workloads(rng):
    """(name, function, arguments, wrt, torch version or None)."""
    X, y = rng.normal(size=(1000, 10)), (rng.normal(size=1000) > 0).astype(float)
    Xm, ym = rng.normal(size=(256, 32)), rng.normal(size=(256, 1))
    return [
        ("scalar polynomial (5 operations)", polynomial, (0.7,), 0,
         lambda t, x: t.autograd.grad(x ** 3 - 2.0 * x ** 2 + 3.0 * x + 1.0, x)),
        ("logistic regression, 1000 x 10", logistic, (rng.normal(size=10), X, y), 0,
         lambda t, w, X, y: t.autograd.grad(t.mean(t.logaddexp(t.zeros(()), X @ w) - y * (X @ w)), w)),
        ("two-layer MLP, 256 x 32 -> 64", mlp,
         (0.3 * rng.normal(size=(32, 64)), np.zeros(64), 0.3 * rng.normal(size=(64, 1)), Xm, ym), (0, 1, 2),
         lambda t, W1, b1, W2, X, y: t.autograd.grad(t.mean((t.tanh(X @ W1 + b1) @ W2 - y) ** 2), (W1, b1, W2))),
        ("scalar loop, 100 iterations", recurrence, (0.4,), 0, _torch_recurrence),
    ]


def _torch_recurrence(t, x):
    h = x
    for _ in range(100):
        h = t.sin(h) * 0.9 + 0.1 * x
    return t.autograd.grad(h, x)


def median_time(call, seconds):
    """Median seconds of one ``call()`` over rounds that last about ``seconds`` in all."""
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    per_round = max(1, int(seconds / 15 / once))
    rounds = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(per_round):
            call()
        rounds.append((time.perf_counter() - start) / per_round)
    return float(np.median(rounds))


def torch_timer(torch_grad, args, wrt, seconds):
    """Seconds per gradient call in PyTorch (float64 tensors), or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=i in positions) for i, a in enumerate(args)]
    return median_time(lambda: torch_grad(torch, *tensors), seconds)


def machine():
    """The machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs; Python "
            f"{platform.python_version()}, NumPy {np.__version__}, sourcegrad {sg.__version__}")


def main(seconds=1.0):
    rng = np.random.default_rng(0)
    rows = []
    for name, function, args, wrt, torch_grad in workloads(rng):
        source = sg.grad(function, wrt=wrt)
        tape = sg.grad(function, wrt=wrt, mode="tape")
        a, b = source(*args), tape(*args)
        for ga, gb in zip(a if isinstance(wrt, tuple) else (a,), b if isinstance(wrt, tuple) else (b,)):
            np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)
        assert source.mode == "source", (name, source.fallback_reason)
        t_source = median_time(lambda: source(*args), seconds)
        t_tape = median_time(lambda: tape(*args), seconds)
        t_torch = torch_timer(torch_grad, args, wrt, seconds)
        rows.append((name, t_source, t_tape, t_torch))
    print(f"machine: {machine()}")
    print("gradients agree (source vs tape) on every workload")
    print()
    header = f"| {'workload':<34} | {'source (µs)':>11} | {'tape (µs)':>11} | {'tape / source':>13} | " \
             f"{'PyTorch (µs)':>12} |"
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    for name, t_source, t_tape, t_torch in rows:
        torch_text = "-" if t_torch is None else f"{t_torch * 1e6:.1f}"
        print(f"| {name:<34} | {t_source * 1e6:>11.1f} | {t_tape * 1e6:>11.1f} | {t_tape / t_source:>12.1f}x | "
              f"{torch_text:>12} |")
    if all(r[3] is None for r in rows):
        print("\n(PyTorch is not installed: its column is empty)")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a rough table in about a second")
    options = parser.parse_args()
    main(seconds=0.03 if options.quick else 1.0)
