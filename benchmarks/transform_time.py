"""Transform time against function length: how long ``sg.grad`` takes to write a gradient the first time.

    python -m benchmarks.transform_time            # 100, 1,000, 2,000 and 5,000 statements
    python -m benchmarks.transform_time 300 3000   # other lengths
    python -m benchmarks                           # runs this too, after the speed benchmarks

Each workload is a generated straight-line NumPy function of N statements (``long_function_source``)
of the kinds long real functions have: running sums (``y = np.sin(x) * 0.5 + y``), one input read by
most statements (so its adjoint collects hundreds of contributions), and many named intermediates
and temporaries. It is written to a file and imported (source mode reads source from files), then
transformed from scratch. Reported: seconds and microseconds per statement, best of a few runs
(machines are shared and noisy; a time per statement that stays flat as N grows is what to look at).
Target: linear in N, and a 2,000-statement function in well under 2 s.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time

SIZES = (100, 1000, 2000, 5000)


def long_function_source(n, name="long_function"):
    """Source of a module defining ``name(x, w)``: ``n`` statements in the body, then a return.

    The statements cycle through five kinds (a chain through ``y``, named intermediates ``a<i>``
    and ``b<i>`` read a few statements later, nested expressions that become temporaries, and
    ``x`` read by nearly every statement). Values stay bounded for any ``n`` (tanh, halving)."""
    lines = ["import numpy as np", "", "", f"def {name}(x, w):", "    y = x * 0.1"]
    for i in range(1, n):
        kind = i % 5
        if kind == 1:
            lines.append(f"    a{i} = np.sin(x) * 0.5 + y")
        elif kind == 2:
            lines.append(f"    b{i} = a{i - 1} * w - np.cos(y) * 0.01")
        elif kind == 3:
            lines.append(f"    y = np.tanh(b{i - 1}) * 0.3 + x * w")
        elif kind == 4:
            lines.append("    y = y * 0.9 + np.exp(-x * x) * 0.1")
        else:
            lines.append(f"    y = (y + a{i - 4}) * 0.5")
    lines.append("    return np.sum(y * y)")
    return "\n".join(lines) + "\n"


def load_long_function(n, directory, name="long_function"):
    """Write ``long_function_source(n)`` to a module file in ``directory``, import it, return the function."""
    module_name = f"_sourcegrad_long_{n}_{name}"
    path = os.path.join(directory, module_name + ".py")
    with open(path, "w") as fh:
        fh.write(long_function_source(n, name))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def transform_time(func, repeats=3):
    """Best (wall, CPU) times, in seconds, to build the gradient of ``func`` with respect to ``x``
    from scratch. CPU time is the steadier figure on a loaded machine."""
    from sourcegrad.transforms import build_gradient

    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        build_gradient(func, ("x",))
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def report(sizes=SIZES, repeats=3, out=sys.stdout):
    """Print the transform time at each size; returns {size: seconds}."""
    print(f"transform time of an N-statement straight-line function, best of {repeats} "
          "(target: linear in N; 2,000 statements well under 2 s)", file=out)
    header = f"{'statements':>10} {'seconds':>9} {'us/statement':>13} {'cpu seconds':>12} {'cpu us/stmt':>12}"
    print(header, file=out)
    print("-" * len(header), file=out)
    times = {}
    with tempfile.TemporaryDirectory() as directory:
        for n in sizes:
            func = load_long_function(n, directory)
            wall, cpu = transform_time(func, repeats=1 if n >= 5000 else repeats)
            times[n] = wall
            print(f"{n:>10} {wall:>9.3f} {wall / n * 1e6:>13.1f} {cpu:>12.3f} {cpu / n * 1e6:>12.1f}", file=out,
                  flush=True)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES), help="numbers of statements")
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args(argv)
    report(options.sizes, options.repeats)


if __name__ == "__main__":
    main()
