"""Per-operation overhead of sourcegrad's tape, next to HIPS autograd's, measured in one run.

Two workloads, each a chain of N recorded operations, timed forward + backward:

* scalar: ``x = x * 1.0001 + 0.5`` on a Python float (2 ops per step): pure bookkeeping cost;
* math:   ``x = math.sin(x) * 1.0001`` on a Python float (2 ops per step): ``math`` on the tape (autograd's
  column runs ``anp.sin`` there, autograd having no ``math``);
* array:  ``x = np.sin(x) * 1.0001`` on a length-8 array (2 ops per step): bookkeeping + small NumPy calls.

For each, the best of several repeats is reported as microseconds per recorded operation, with the
plain-Python/NumPy cost of the same chain (no differentiation) for reference, and the ratio
tape / autograd (below 1 means the tape has less overhead). Run: ``python benchmarks/tape_overhead.py``.
"""

import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sourcegrad import tape  # noqa: E402

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the autograd column is skipped
    autograd = anp = None

STEPS = 2000       # steps per chain; each step is 2 recorded operations
OPS = 2 * STEPS
REPEATS = 7


def scalar_chain(x, np_module=np):
    for _ in range(STEPS):
        x = x * 1.0001 + 0.5
    return x


def math_chain(x, np_module=None):
    sin = math.sin if np_module is None else np_module.sin
    for _ in range(STEPS):
        x = sin(x) * 1.0001
    return x


def array_chain(x, np_module=np):
    for _ in range(STEPS):
        x = np_module.sin(x) * 1.0001
    return np_module.sum(x)


def best_time(fn, *args):
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def run_tape(chain, x0):
    return tape.value_and_grad_tape(chain, (x0,), None, (0,))


def run_autograd(chain, x0):
    return autograd.grad(lambda x: chain(x, anp))(x0)


def main():
    workloads = [("scalar", scalar_chain, 1.0), ("math", math_chain, 1.0),
                 ("array[8]", array_chain, np.linspace(0.1, 0.8, 8))]
    print(f"chains of {OPS} recorded ops, forward + backward, best of {REPEATS}; microseconds per op")
    header = f"{'workload':10} {'plain':>8} {'tape':>8} {'autograd':>9} {'tape/autograd':>14}"
    print(header)
    print("-" * len(header))
    for name, chain, x0 in workloads:
        # correctness first: both engines must agree before their speed means anything
        _, (g_tape,) = run_tape(chain, x0)
        plain = best_time(chain, x0) / OPS * 1e6
        ours = best_time(run_tape, chain, x0) / OPS * 1e6
        if autograd is not None:
            g_ag = run_autograd(chain, x0)
            assert np.allclose(g_tape, g_ag, rtol=1e-10), (g_tape, g_ag)
            theirs = best_time(run_autograd, chain, x0) / OPS * 1e6
            print(f"{name:10} {plain:8.2f} {ours:8.2f} {theirs:9.2f} {ours / theirs:14.2f}")
        else:
            print(f"{name:10} {plain:8.2f} {ours:8.2f} {'(n/a)':>9} {'(autograd not installed)':>14}")


if __name__ == "__main__":
    main()
