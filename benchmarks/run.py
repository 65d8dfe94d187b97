"""Time generated gradients against hand-written NumPy, the tape, and HIPS autograd, in one run.

    python -m benchmarks            # full sizes (the 2000x2000 matmul chain takes a while)
    python -m benchmarks --small    # shrunken arrays, for a quick look
    python -m benchmarks.transform_time   # only the transform time against function length

Prints per-workload times and ratios; ratios are what to compare (machines are shared and noisy).
"source" is the generated adjoint function itself; "sg.grad" adds the cached wrapper (argument
checks, type conversion), whose cost is reported separately at the end.
Targets: median source/hand <= 1.15 and none above 1.5; first transform of a 30-line function
<= 50 ms; the cached call adds <= 5 us; transform time linear in the number of statements, a
2,000-statement function in well under 2 s (benchmarks/transform_time.py, run last).
"""

import argparse
import statistics
import time
import types

import sourcegrad as sg
from sourcegrad.transforms import build_gradient

from . import transform_time
from .workloads import thirty_lines, workloads


def _loops_for(fn, budget):
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= budget or loops >= 1 << 20:
            return loops
        loops *= 2 if elapsed < budget / 10 else 1 + int(budget / max(elapsed, 1e-9))


def compare(callables, rounds=5, budget=0.05):
    """Best time per call of each callable, measured in interleaved rounds."""
    loops = {name: _loops_for(fn, budget) for name, fn in callables.items()}
    best = {name: float("inf") for name in callables}
    for _ in range(rounds):
        for name, fn in callables.items():
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return best


def _autograd_version(workload):
    """The workload's value_and_grad through HIPS autograd, or None when it is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    f = workload.func
    func = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__, f.__defaults__)
    argnum = workload.wrt if isinstance(workload.wrt, int) else tuple(workload.wrt)
    return autograd.value_and_grad(func, argnum)


def _fmt(seconds):
    if seconds == float("inf") or seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="shrink the large arrays for a quick run")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)

    header = f"{'workload':28} {'hand':>9} {'source':>9} {'src/hand':>9} {'sg.grad':>9} {'tape':>9} " \
             f"{'tape/src':>9} {'autograd':>9} {'ag/src':>8}"
    print(header)
    print("-" * len(header))
    ratios = []
    for w in workloads("small" if options.small else "full"):
        through_grad = sg.value_and_grad(w.func, wrt=w.wrt, mode="source")
        through_grad(*w.args)
        generated = through_grad.adjoint_function
        tape = sg.value_and_grad(w.func, wrt=w.wrt, mode="tape")
        callables = {"hand": lambda w=w: w.hand(*w.args), "source": lambda: generated(*w.args),
                     "sg.grad": lambda: through_grad(*w.args), "tape": lambda: tape(*w.args)}
        autograd_fn = _autograd_version(w)
        if autograd_fn is not None:
            callables["autograd"] = lambda: autograd_fn(*w.args)
        big = "matmul" in w.name
        times = compare(callables, rounds=2 if big else options.rounds, budget=0.0 if big else 0.05)
        ratio = times["source"] / times["hand"]
        ratios.append(ratio)
        ag = times.get("autograd")
        print(f"{w.name:28} {_fmt(times['hand']):>9} {_fmt(times['source']):>9} {ratio:>9.2f} "
              f"{_fmt(times['sg.grad']):>9} {_fmt(times['tape']):>9} {times['tape'] / times['source']:>9.2f} {_fmt(ag):>9} "
              f"{(ag / times['source'] if ag else float('nan')):>8.2f}")
    print()
    print(f"source/hand: median {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
          "(targets: median <= 1.15, max <= 1.5)")

    starts = []
    for _ in range(5):
        start = time.perf_counter()
        build_gradient(thirty_lines, ("W1", "b1", "W2", "b2"))
        starts.append(time.perf_counter() - start)
    print(f"first transform of a 30-line function: {min(starts) * 1e3:.1f} ms (target <= 50 ms)")

    w = workloads("small")[0]
    g = sg.grad(w.func)
    g(*w.args)
    adjoint = g.adjoint_function
    times = compare({"through grad": lambda: g(*w.args), "generated function": lambda: adjoint(*w.args)},
                    rounds=7)
    overhead = times["through grad"] - times["generated function"]
    print(f"cached call overhead: {overhead * 1e6:.2f} us per call (target <= 5 us)")

    print()
    transform_time.report(transform_time.SIZES, repeats=1 if options.small else 3)


if __name__ == "__main__":
    main()
