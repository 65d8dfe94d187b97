"""Time generated gradients against hand-written NumPy and the tape, in one run (issue 11).

    python -m benchmarks            # full sizes (the 2000x2000 matmul chain takes a while)
    python -m benchmarks --small    # shrunken MLP and matmul chain, for a quick look (about a minute)
    python -m benchmarks.transform_time   # only the transform time against function length

Every workload (benchmarks/workloads.py, then the control-flow rows of benchmarks/loops.py) is timed
four ways in the same run: the hand-written NumPy gradient ("hand"), the bare generated function
``g.adjoint_function(*args)`` ("generated"), ``sg.grad(f, wrt=..., mode="source")(*args)`` as users
call it, cached ("sg.grad"), and ``sg.grad(f, mode="tape")`` ("tape"); HIPS autograd too when it is
installed. Each time is the median, over interleaved rounds (every callable once per round, in
turn), of the time per call of a batch of calls sized to take about ``--budget`` seconds; each ratio
to "hand" is the median of the ratios within a round. The ratios are what to compare, since the
machine is shared and noisy (on a loaded machine multithreaded BLAS makes the matrix rows the
noisiest; ``OPENBLAS_NUM_THREADS=1`` times them single-threaded, which users rarely run). Hand-written
gradients return the value too, as the generated function does. Before timing, every gradient is
checked against the hand-written one; a disagreement is printed under the row as WRONG.

The "target" column is issue 11's target for sg.grad/hand, marked met or MISSED. Under the table:
the control-flow summary (issue 9: the loop rows' ratios and the marginal cost of one scalar
operation in a loop), the peak memory (tracemalloc) of one gradient call of the MLP, matmul chain,
broadcast mix and RNN (target: sg.grad at most 1.2x hand), the first transform of a 30-line
function (target <= 20 ms of CPU time; the wall time is printed too), and the cached call
overhead, ``sg.grad(f)(x)`` minus ``g.adjoint_function(x)`` on the scalar polynomial (target
<= 0.3 us); then a count of the targets met. Last, the transform time against function length
(benchmarks/transform_time.py).

Where source mode declines a loop (TransformError / UnsupportedError) the row says "declined" and
the reason follows under it; the hand-written and tape times are still reported.
"""

import argparse
import importlib.util
import itertools
import statistics
import time
import tracemalloc
import types
from dataclasses import dataclass, field

import numpy as np

import sourcegrad as sg
from sourcegrad.transforms import build_gradient

from . import loops, transform_time
from .workloads import polynomial, thirty_lines, workloads

MEMORY_TARGET = 1.2          # peak memory of sg.grad / hand
TRANSFORM_TARGET = 20e-3     # seconds, first transform of a 30-line function
OVERHEAD_TARGET = 0.3e-6     # seconds, sg.grad(f)(x) - g.adjoint_function(x)
SLOW_CALL = 0.2              # seconds: workloads with calls this slow get at most 3 rounds


# ---- timing ----

def _batch(fn, args, n):
    """Seconds to call ``fn(*args)`` ``n`` times back to back."""
    start = time.perf_counter()
    for _ in itertools.repeat(None, n):
        fn(*args)
    return time.perf_counter() - start


def _batch_size(fn, args, budget):
    """How many calls take about ``budget`` seconds (at least 1; the first try doubles as a warm-up)."""
    n = 1
    while True:
        elapsed = _batch(fn, args, n)
        if elapsed >= budget or n >= 1 << 20:
            return n
        n *= 2 if elapsed < budget / 10 else 1 + int(budget / max(elapsed, 1e-9))


def samples(calls, rounds=9, budget=0.02):
    """Per-call times of each ``name: (fn, args)`` in ``calls``, one per round: in each round every
    callable runs a batch of about ``budget`` seconds, in turn (interleaved, so a slow spell of the
    machine hits them all; the order rotates from round to round, so none always follows the same
    one). Workloads whose calls take over SLOW_CALL seconds get at most 3 rounds."""
    sizes = {}
    for name, (fn, args) in calls.items():
        start = time.perf_counter()
        sizes[name] = _batch_size(fn, args, budget)
        if sizes[name] == 1 and time.perf_counter() - start > SLOW_CALL:
            rounds = min(rounds, 3)
    names = list(calls)
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, args = calls[name]
            times[name].append(_batch(fn, args, sizes[name]) / sizes[name])
    return times


def compare(calls, rounds=9, budget=0.02):
    """Median time per call of each ``name: (fn, args)``, over interleaved rounds (see ``samples``)."""
    return {name: statistics.median(t) for name, t in samples(calls, rounds, budget).items()}


def _peak_bytes(fn, args):
    """Peak memory allocated (tracemalloc) during one call of ``fn(*args)``, after a warm-up call;
    the result it returns is included, the arguments are not."""
    fn(*args)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# ---- one workload ----

@dataclass
class Measured:
    """What measuring one workload found: median times and the callables timed (``name: (fn, args)``),
    notes to print under its row, and why source mode has no times (``source_note``: "declined" or
    "FAILED"; None when it ran)."""
    workload: object
    calls: dict
    samples: dict = field(default_factory=dict)    # name: per-call time in each round
    notes: list = field(default_factory=list)
    source_note: str = None
    spelled: bool = False          # the tape ran the NumPy-spelled twin of a function using math.*

    @property
    def times(self):
        """Median time per call of each callable timed."""
        return {name: statistics.median(t) for name, t in self.samples.items()}

    def ratio(self, name):
        """Median over the rounds of ``name``'s time over the hand-written gradient's in the same round
        (paired, so a slow spell of the machine cancels out), or None when ``name`` was not timed."""
        if name not in self.samples:
            return None
        return statistics.median(a / b for a, b in zip(self.samples[name], self.samples["hand"]))


def _as_tuple(grads, wrt):
    return tuple(grads) if isinstance(wrt, (tuple, list)) else (grads,)


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


def measure(w, rounds=9, budget=0.02):
    """Check and time one workload: the hand-written gradient, the generated function, sg.grad (source
    mode, transformed before timing), the tape and autograd (when installed). A failure of one of
    them is noted (and that column left empty) rather than raised."""
    value, expected = w.hand(*w.args)
    expected = _as_tuple(expected, w.wrt)
    m = Measured(w, {"hand": (w.hand, w.args)})
    try:
        through_grad = sg.grad(w.func, wrt=w.wrt, mode="source")
        got = through_grad(*w.args)                 # transforms now: timed calls use the cached gradient
        generated = through_grad.adjoint_function
        generated_value = generated(*w.args)[0]
    except sg.TransformError as exc:                # UnsupportedError, DeclinedAtRunTime are TransformErrors
        m.source_note = "declined"
        m.notes.append(f"declined: {_first_line(exc)}")
    except Exception as exc:                        # a bug in generated code must not hide the other rows
        m.source_note = "FAILED"
        m.notes.append(f"source mode FAILED: {type(exc).__name__}: {_first_line(exc)}")
    else:
        m.calls["generated"] = (generated, w.args)
        m.calls["sg.grad"] = (through_grad, w.args)
        wrong = _disagreement(_as_tuple(got, w.wrt), expected)
        if wrong:
            m.notes.append(f"WRONG: sg.grad (source) disagrees with the hand-written gradient: {wrong}")
        if _disagreement((generated_value,), (value,), tolerance=1e-9):
            m.notes.append(f"WRONG: the generated function's value {generated_value!r} is not the hand-written "
                           f"{value!r}")
    try:
        tape, m.spelled = _tape_grad(w)
    except Exception as exc:
        m.notes.append(f"tape FAILED: {type(exc).__name__}: {_first_line(exc)}")
    else:
        m.calls["tape"] = (tape, w.args)
        wrong = _disagreement(_as_tuple(tape(*w.args), w.wrt), expected)
        if wrong:
            m.notes.append(f"WRONG: the tape disagrees with the hand-written gradient: {wrong}")
    autograd_fn = _autograd_version(w)
    if autograd_fn is not None:
        try:
            _, grads = autograd_fn(*w.args)
        except Exception as exc:
            m.notes.append(f"autograd FAILED: {type(exc).__name__}: {_first_line(exc)}")
        else:
            m.calls["autograd"] = (autograd_fn, w.args)
            wrong = _disagreement(_as_tuple(grads, w.wrt), expected)
            if wrong:
                m.notes.append(f"WRONG: autograd disagrees with the hand-written gradient: {wrong}")
    m.samples = samples(m.calls, rounds=rounds, budget=budget)
    return m


# ---- printing ----

def _fmt(seconds):
    if seconds is None or seconds == float("inf"):
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _kib(n):
    return f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def _mark(measured, target):
    return "met" if measured <= target else "MISSED"


def _target_cell(ratio, target):
    if target is None:
        return ""
    if ratio is None:
        return f"<= {target:.2f} -"
    return f"<= {target:.2f} {_mark(ratio, target)}"


def _ratio_cell(ratio, width):
    return f"{'-':>{width}}" if ratio is None else f"{ratio:>{width}.2f}"


def header(with_autograd=False):
    text = (f"{'workload':30} {'hand':>9} {'generated':>10} {'gen/hand':>9} {'sg.grad':>9} {'grad/hand':>10} "
            f"{'target':14} {'tape':>10} {'tape/hand':>10}")
    return text + (f" {'autograd':>9} {'ag/hand':>8}" if with_autograd else "")


def row(m, with_autograd=False):
    """One line of the table; a missing source time shows ``m.source_note`` ("declined", "FAILED")."""
    t = m.times
    missing = m.source_note or "-"
    tape = _fmt(t["tape"]) + ("*" if m.spelled else "") if "tape" in t else "-"
    text = (f"{m.workload.name:30} {_fmt(t['hand']):>9} {_fmt(t['generated']) if 'generated' in t else missing:>10} "
            f"{_ratio_cell(m.ratio('generated'), 9)} {_fmt(t['sg.grad']) if 'sg.grad' in t else missing:>9} "
            f"{_ratio_cell(m.ratio('sg.grad'), 10)} {_target_cell(m.ratio('sg.grad'), m.workload.target):14} "
            f"{tape:>10} {_ratio_cell(m.ratio('tape'), 10)}")
    if with_autograd:
        text += f" {_fmt(t.get('autograd')):>9} {_ratio_cell(m.ratio('autograd'), 8)}"
    return text


def _print_measured(m, with_autograd):
    print(row(m, with_autograd), flush=True)
    for note in m.notes:
        print(f"    {note}")


# ---- the figures under the table ----

def _loop_summary(results):
    """The control-flow figures (issue 9): the loop rows' ratios and the slope of the scalar loop."""
    looping = [m for m in results if m.workload.func is not loops.pendulum_unrolled]   # straight-line reference
    ran = [m for m in looping if "sg.grad" in m.times]
    if ran:
        ratios = [m.ratio("sg.grad") for m in ran]
        print(f"control flow, sg.grad/hand: median {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
              f"over the {len(ran)} of {len(looping)} loop rows source mode ran (the unrolled pendulum left out)")
    else:
        print(f"control flow: source mode declined all {len(looping)} loop rows")
    by_name = {m.workload.name: m for m in results}
    short = by_name.get(f"scalar loop ({loops.SHORT} iters)")
    long = by_name.get(f"scalar loop ({loops.LONG} iters)")
    if short is None or long is None:
        return
    ops = (loops.LONG - loops.SHORT) * loops.SCALAR_LOOP_OPS
    parts = []
    for label, key in (("hand", "hand"), ("sg.grad (source)", "sg.grad"), ("tape", "tape")):
        if key in short.times and key in long.times:
            parts.append(f"{label} {(long.times[key] - short.times[key]) / ops * 1e6:.3f} us")
        else:
            parts.append(f"{label} {(short.source_note or long.source_note) if key == 'sg.grad' else '-'}")
    print(f"loop slope, marginal cost per scalar op (t({loops.LONG} iters) - t({loops.SHORT} iters)) / "
          f"({loops.LONG - loops.SHORT} x {loops.SCALAR_LOOP_OPS} ops): " + ", ".join(parts))
    if "sg.grad" in short.times and "sg.grad" in long.times:
        hand = long.times["hand"] - short.times["hand"]
        print(f"  sg.grad/hand slope ratio {(long.times['sg.grad'] - short.times['sg.grad']) / hand:.2f}")


def memory_report(results):
    """Peak memory of one gradient call of each workload marked ``memory``; returns the target checks."""
    checks = []
    heading = (f"{'peak memory of one call':30} {'hand':>10} {'sg.grad':>10} {'grad/hand':>10} {'target':14} "
               f"{'tape':>10} {'tape/hand':>10}")
    print(heading)
    print("-" * len(heading))
    for m in results:
        if not m.workload.memory:
            continue
        peak = {name: _peak_bytes(*m.calls[name]) for name in ("hand", "sg.grad", "tape") if name in m.calls}
        through = peak["sg.grad"] / peak["hand"] if "sg.grad" in peak else None
        tape = peak["tape"] / peak["hand"] if "tape" in peak else None
        print(f"{m.workload.name:30} {_kib(peak['hand']):>10} "
              f"{_kib(peak['sg.grad']) if 'sg.grad' in peak else m.source_note or '-':>10} "
              f"{_ratio_cell(through, 10)} {_target_cell(through, MEMORY_TARGET):14} "
              f"{_kib(peak['tape']) if 'tape' in peak else '-':>10} {_ratio_cell(tape, 10)}")
        checks.append((f"peak memory, {m.workload.name}", through, MEMORY_TARGET))
    return checks


def first_transform_time(repeats=5):
    """Median ``(wall, CPU)`` seconds to build the gradient of ``thirty_lines`` from scratch. The
    transform is single-threaded Python: on a quiet machine the two agree, on a loaded one the CPU
    time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        build_gradient(thirty_lines, ("W1", "b1", "W2", "b2"))
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def call_overhead(rounds=21, budget=0.02):
    """``(sg.grad, generated, overhead)``: median seconds of ``sg.grad(polynomial)(x)`` and of
    ``g.adjoint_function(x)``, and the median over rounds of their difference (paired, round by round)."""
    g = sg.grad(polynomial, mode="source")
    g(1.3)
    times = samples({"sg.grad": (g, (1.3,)), "generated": (g.adjoint_function, (1.3,))}, rounds, budget)
    overhead = statistics.median(a - b for a, b in zip(times["sg.grad"], times["generated"]))
    return statistics.median(times["sg.grad"]), statistics.median(times["generated"]), overhead


def report(size="full", rounds=9, budget=0.02):
    """Everything but the transform-time table: measure and print every workload, then the figures
    under the table. Returns ``(results, checks)``: the Measured workloads and the issue-11 target
    checks, ``(label, measured, target)`` (measured None where it could not be measured)."""
    with_autograd = importlib.util.find_spec("autograd") is not None
    print(header(with_autograd))
    print("-" * len(header(with_autograd)))
    straight = []
    for w in workloads(size):
        straight.append(measure(w, rounds, budget))
        _print_measured(straight[-1], with_autograd)
    print(f"{'-- control flow (issue 9) --':30}")
    looping = []
    for w in loops.loop_workloads():
        looping.append(measure(w, rounds, budget))
        _print_measured(looping[-1], with_autograd)
    if any(m.spelled for m in straight + looping):
        print("* the tape runs the same code with math.sin/cos bound to np.sin/cos: it refuses math.* on "
              "its Tensors (GradientLostError)")
    print()

    checks = [(f"sg.grad/hand, {m.workload.name}", m.ratio("sg.grad"), m.workload.target)
              for m in straight + looping if m.workload.target is not None]
    met = [c for c in checks if c[1] is not None and c[1] <= c[2]]
    print(f"sg.grad/hand: {len(met)} of {len(checks)} workloads within their issue-11 target")
    _loop_summary(looping)
    print()

    checks += memory_report(straight + looping)
    print()

    wall, cpu = first_transform_time()
    print(f"first transform of a 30-line function, median of 5: {wall * 1e3:.1f} ms, CPU {cpu * 1e3:.1f} ms "
          f"(target <= {TRANSFORM_TARGET * 1e3:.0f} ms, on CPU time: {_mark(cpu, TRANSFORM_TARGET)})")
    checks.append(("first transform of a 30-line function", cpu, TRANSFORM_TARGET))
    through, bare, overhead = call_overhead(max(2 * rounds, 3), budget)
    print(f"cached call overhead: sg.grad(f)(x) {_fmt(through)} - g.adjoint_function(x) {_fmt(bare)} = "
          f"{overhead * 1e6:.2f} us per call on the scalar polynomial "
          f"(target <= {OVERHEAD_TARGET * 1e6:.1f} us: {_mark(overhead, OVERHEAD_TARGET)})")
    checks.append(("cached call overhead", overhead, OVERHEAD_TARGET))

    print()
    print(summary(checks))
    return straight + looping, checks


def summary(checks):
    """One line: how many of the issue-11 targets were met, and which kinds were missed."""
    missed = {}
    for label, measured, target in checks:
        if measured is None or measured > target:
            kind = label.split(",")[0]
            missed[kind] = missed.get(kind, 0) + 1
    text = f"issue 11: {len(checks) - sum(missed.values())} of {len(checks)} targets met"
    if missed:
        text += "; missed: " + ", ".join(f"{kind} ({n})" if n > 1 else kind for kind, n in missed.items())
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="shrink the large arrays for a quick run")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds per workload (median taken)")
    parser.add_argument("--budget", type=float, default=0.02, help="seconds per batch of calls in a round")
    options = parser.parse_args(argv)
    report("small" if options.small else "full", options.rounds, options.budget)
    print()
    from . import higher_order   # (it imports this module's timing)

    higher_order.report("small" if options.small else "full", options.rounds, options.budget)
    print()
    transform_time.report(transform_time.SIZES, repeats=1 if options.small else 3)


if __name__ == "__main__":
    main()
