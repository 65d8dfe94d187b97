"""Time generated gradients against hand-written NumPy, the tape, and HIPS autograd, in one run.

    python -m benchmarks            # full sizes (the 2000x2000 matmul chain takes a while)
    python -m benchmarks --small    # shrunken arrays, for a quick look
    python -m benchmarks.transform_time   # only the transform time against function length

Prints per-workload times and ratios; ratios are what to compare (machines are shared and noisy).
"source" is the generated adjoint function itself; "sg.grad" adds the cached wrapper (argument
checks, type conversion), whose cost is reported separately at the end.
"grad/hand" is the ratio as users see it: ``sg.grad`` (cached) against the hand-written gradient.
Targets: median source/hand <= 1.15 and none above 1.5; first transform of a 30-line function
<= 50 ms; the cached call adds <= 5 us; transform time linear in the number of statements, a
2,000-statement function in well under 2 s (benchmarks/transform_time.py, run last).

The control-flow rows (issue 9, benchmarks/loops.py) follow in the same table: each timed through
``sg.grad(f, wrt=..., mode="source")`` as users call it (called once before timing, so the transform
is cached), the generated function alone, the hand-written gradient and ``mode="tape"``, in one run.
Where source mode declines a loop (TransformError / UnsupportedError) the row says
"declined: <first line of the message>" and still reports the hand-written and tape times. After the
table: the slope (marginal cost per scalar operation inside a loop, (t(1000 iters) - t(100 iters)) /
(900 x operations per iteration)) and the peak memory (tracemalloc) of the RNN gradient.
"""

import argparse
import statistics
import time
import tracemalloc
import types

import numpy as np

import sourcegrad as sg
from sourcegrad.transforms import build_gradient

from . import loops, transform_time
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
    names = {"np": anp}
    if "math" in f.__code__.co_names:   # math.sin cannot take autograd's boxes: bind math to anp's functions
        names["math"] = types.SimpleNamespace(**{k: getattr(anp, k) for k in ("sin", "cos", "exp", "log", "sqrt",
                                                                                "tan", "tanh")})
    func = types.FunctionType(f.__code__, {**f.__globals__, **names}, f.__name__, f.__defaults__)
    argnum = workload.wrt if isinstance(workload.wrt, int) else tuple(workload.wrt)
    return autograd.value_and_grad(func, argnum)


def _fmt(seconds):
    if seconds == float("inf") or seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


HEADER = f"{'workload':28} {'hand':>9} {'source':>9} {'src/hand':>9} {'sg.grad':>9} {'grad/hand':>9} " \
         f"{'tape':>9} {'tape/src':>9} {'autograd':>9} {'ag/src':>8}"


def _ratio(times, top, bottom, width):
    if top not in times or bottom not in times:
        return f"{'-':>{width}}"
    return f"{times[top] / times[bottom]:>{width}.2f}"


def _row(name, times, source_note=None, tape_mark=""):
    """One line of the table; ``source_note`` ("declined", "failed") stands in for missing source times."""
    source = _fmt(times["source"]) if "source" in times else (source_note or "-")
    through = _fmt(times["sg.grad"]) if "sg.grad" in times else (source_note or "-")
    tape = _fmt(times["tape"]) + tape_mark if "tape" in times else "-"
    return (f"{name:28} {_fmt(times['hand']):>9} {source:>9} {_ratio(times, 'source', 'hand', 9)} {through:>9} "
            f"{_ratio(times, 'sg.grad', 'hand', 9)} {tape:>9} {_ratio(times, 'tape', 'source', 9)} "
            f"{_fmt(times.get('autograd')):>9} {_ratio(times, 'autograd', 'source', 8)}")


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _disagreement(got, expected, tolerance=1e-7):
    """None when two gradients (tuples of floats/arrays) agree, else what the largest error is."""
    worst = 0.0
    for a, b in zip(got, expected):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return f"shape {a.shape} against {b.shape}"
        scale = max(float(np.max(np.abs(b))), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b))) / scale)
    return None if worst <= tolerance else f"largest error {worst:.1e} of the largest gradient entry"


def _tape_grad(w):
    """``(sg.grad(mode="tape"), spelled)``: the function as written, or, where the tape refuses its
    math.* calls (GradientLostError), its NumPy-spelled twin (then ``spelled`` is True)."""
    tape = sg.grad(w.func, wrt=w.wrt, mode="tape")
    try:
        tape(*w.args)
        return tape, False
    except sg.GradientLostError:
        tape = sg.grad(loops.numpy_math_twin(w.func), wrt=w.wrt, mode="tape")
        tape(*w.args)
        return tape, True


def _loop_row(w, rounds, budget=0.05):
    """Measure one control-flow workload and print its row (and, under it, why source mode declined
    and any gradient that disagrees with the hand-written one). Returns what the summary needs."""
    _, expected = w.hand(*w.args)
    callables = {"hand": lambda: w.hand(*w.args)}
    notes, source_note = [], None
    try:
        through_grad = sg.grad(w.func, wrt=w.wrt, mode="source")
        got = through_grad(*w.args)                 # transforms now: timed calls use the cached gradient
    except sg.TransformError as exc:                # UnsupportedError, DeclinedAtRunTime are TransformErrors
        source_note = "declined"
        notes.append(f"declined: {_first_line(exc)}")
    except Exception as exc:                        # a bug in generated code must not hide the other rows
        source_note = "FAILED"
        notes.append(f"source mode FAILED: {type(exc).__name__}: {_first_line(exc)}")
    else:
        generated = through_grad.adjoint_function
        callables["source"] = lambda: generated(*w.args)
        callables["sg.grad"] = lambda: through_grad(*w.args)
        wrong = _disagreement(got, expected)
        if wrong:
            notes.append(f"WRONG: sg.grad (source) disagrees with the hand-written gradient: {wrong}")
    tape_mark = ""
    try:
        tape, spelled = _tape_grad(w)
    except Exception as exc:
        notes.append(f"tape FAILED: {type(exc).__name__}: {_first_line(exc)}")
    else:
        callables["tape"] = lambda: tape(*w.args)
        tape_mark = "*" if spelled else ""
        wrong = _disagreement(tape(*w.args), expected)
        if wrong:
            notes.append(f"WRONG: the tape disagrees with the hand-written gradient: {wrong}")
    autograd_fn = _autograd_version(w)
    if autograd_fn is not None:
        try:
            _, grads = autograd_fn(*w.args)
        except Exception as exc:
            notes.append(f"autograd FAILED: {type(exc).__name__}: {_first_line(exc)}")
        else:
            callables["autograd"] = lambda: autograd_fn(*w.args)
            wrong = _disagreement(grads, expected)
            if wrong:
                notes.append(f"WRONG: autograd disagrees with the hand-written gradient: {wrong}")
    times = compare(callables, rounds=rounds, budget=budget)
    print(_row(w.name, times, source_note, tape_mark))
    for note in notes:
        print(f"    {note}")
    return {"workload": w, "times": times, "callables": callables, "source_note": source_note,
            "spelled": bool(tape_mark)}


def _peak_bytes(fn):
    """Peak memory allocated (tracemalloc) during one call of ``fn``, after a warm-up call."""
    fn()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _loop_summary(results):
    """The control-flow figures under the table: ratios, the slope, the RNN gradient's peak memory."""
    by_name = {r["workload"].name: r for r in results}
    looping = [r for r in results if r["workload"].func is not loops.pendulum_unrolled]   # the straight-line reference
    ran = [r for r in looping if "sg.grad" in r["times"]]
    if ran:
        ratios = [r["times"]["sg.grad"] / r["times"]["hand"] for r in ran]
        print(f"control flow, sg.grad/hand: median {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
              f"over the {len(ran)} of {len(looping)} loop rows source mode ran (the unrolled pendulum left out)")
    else:
        print(f"control flow: source mode declined all {len(looping)} loop rows (the unrolled pendulum, "
              "straight-line, is there for comparison)")
    if any(r["spelled"] for r in results):
        print("* the tape runs the same code with math.sin/cos bound to np.sin/cos: it refuses math.* on "
              "its Tensors (GradientLostError)")

    short = by_name[f"scalar loop ({loops.SHORT} iters)"]
    long = by_name[f"scalar loop ({loops.LONG} iters)"]
    ops = (loops.LONG - loops.SHORT) * loops.SCALAR_LOOP_OPS
    parts = []
    for label, key in (("hand", "hand"), ("sg.grad (source)", "sg.grad"), ("tape", "tape")):
        if key in short["times"] and key in long["times"]:
            slope = (long["times"][key] - short["times"][key]) / ops
            parts.append(f"{label} {slope * 1e6:.3f} us")
        else:
            missing = (short["source_note"] or long["source_note"]) if key == "sg.grad" else None
            parts.append(f"{label} {missing or '-'}")
    print(f"loop slope, marginal cost per scalar op (t({loops.LONG} iters) - t({loops.SHORT} iters)) / "
          f"({loops.LONG - loops.SHORT} x {loops.SCALAR_LOOP_OPS} ops): " + ", ".join(parts))
    if "sg.grad" in short["times"] and "sg.grad" in long["times"]:
        hand = long["times"]["hand"] - short["times"]["hand"]
        print(f"  sg.grad/hand slope ratio {(long['times']['sg.grad'] - short['times']['sg.grad']) / hand:.2f}")

    rnn = next(r for r in results if r["workload"].func is loops.rnn)
    parts = []
    for label, key in (("hand", "hand"), ("sg.grad (source)", "sg.grad"), ("tape", "tape")):
        if key in rnn["callables"]:
            parts.append(f"{label} {_peak_bytes(rnn['callables'][key]) / 1024:.1f} KiB")
        else:
            parts.append(f"{label} {(rnn['source_note'] if key == 'sg.grad' else None) or '-'}")
    print(f"peak memory of one {rnn['workload'].name} gradient (tracemalloc): " + ", ".join(parts))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="shrink the large arrays for a quick run")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)

    print(HEADER)
    print("-" * len(HEADER))
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
        ratios.append(times["source"] / times["hand"])
        print(_row(w.name, times))
    print(f"{'-- control flow (issue 9) --':28}")
    loop_results = [_loop_row(w, options.rounds) for w in loops.loop_workloads()]
    print()
    print(f"source/hand: median {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
          "(targets: median <= 1.15, max <= 1.5; the six straight-line rows)")
    _loop_summary(loop_results)

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
