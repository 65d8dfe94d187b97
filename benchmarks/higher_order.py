"""Higher order and forward mode (issue 12): ratios measured in one run.

    python -m benchmarks.higher_order [--small]   # also printed at the end of python -m benchmarks

For each straight-line workload with one argument differentiated (benchmarks/workloads.py):

- ``hvp/grad``: a Hessian-vector product (the vjp of the generated gradient, cached: what ``sg.hvp`` calls) over a
  gradient ``sg.grad(f)(*args)``; target <= 4;
- ``jvp/f``: ``sg.jvp(f, args, (v,), wrt=...)`` over a call of ``f``; target <= 3.

Then the time of ``sg.hessian(f)(x)`` (source mode) for a small scalar function of a 3-vector, and of
``jax.hessian`` without ``jit`` when JAX is installed. Every product is checked before timing (hvp against
finite differences of the gradient, jvp against the gradient); a disagreement is printed as WRONG.
"""

import argparse
import importlib.util
import statistics

import numpy as np

import sourcegrad as sg

from .run import _first_line, samples
from .workloads import workloads

HVP_TARGET = 4.0
JVP_TARGET = 3.0


def small_scalar(x):
    return np.sum(np.sin(x) * x ** 2) + x[0] * x[1] * x[2] + np.sum(x) ** 3


def _single(w):
    return isinstance(w.wrt, int)


def _fd_hvp(grad_fn, args, i, v, h=1e-6):
    plus, minus = list(args), list(args)
    plus[i], minus[i] = args[i] + h * v, args[i] - h * v
    return (np.asarray(grad_fn(*plus)) - np.asarray(grad_fn(*minus))) / (2 * h)


def measure(w, rounds=9, budget=0.02):
    """``(hvp/grad, jvp/f, notes)`` for one workload (None where a product could not be made)."""
    i, args, notes = w.wrt, w.args, []
    rng = np.random.default_rng(3)
    v = rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else float(rng.normal())
    grad_fn = sg.grad(w.func, wrt=i, mode="source")
    gradient = grad_fn(*args)
    calls = {"f": (w.func, args), "grad": (grad_fn, args)}
    try:
        _, hvp_fn = sg.vjp(grad_fn, *args, wrt=i, mode="source")
        product = hvp_fn(v)
        expected = _fd_hvp(grad_fn, args, i, v)
        if not np.allclose(product, expected, rtol=1e-4, atol=1e-4 * max(1.0, float(np.max(np.abs(expected))))):
            notes.append("WRONG: hvp disagrees with finite differences of the gradient")
        calls["hvp"] = (hvp_fn, (v,))
    except sg.TransformError as exc:
        notes.append(f"hvp declined: {_first_line(exc)}")

    def jvp_call(v=v):
        return sg.jvp(w.func, args, (v,), wrt=i, mode="source")

    try:
        _, tangent = jvp_call()
        if not np.isclose(tangent, np.sum(np.asarray(gradient) * v), rtol=1e-8, atol=1e-10):
            notes.append("WRONG: jvp disagrees with the gradient")
        calls["jvp"] = (jvp_call, ())
    except sg.TransformError as exc:
        notes.append(f"jvp declined: {_first_line(exc)}")
    times = samples(calls, rounds=rounds, budget=budget)
    ratio = {name: statistics.median(a / b for a, b in zip(times[name], times[base]))
             for name, base in (("hvp", "grad"), ("jvp", "f")) if name in times}
    return ratio.get("hvp"), ratio.get("jvp"), {k: statistics.median(t) for k, t in times.items()}, notes


def _cell(ratio, target):
    if ratio is None:
        return f"{'-':>8} {'':6}"
    return f"{ratio:8.2f} {'met' if ratio <= target else 'MISSED':6}"


def hessian_time(rounds=9, budget=0.02):
    """Seconds per call of sg.hessian(small_scalar)(x) (and of jax.hessian without jit, when installed)."""
    x = np.array([0.3, -1.2, 0.8])
    hessian = sg.hessian(small_scalar, mode="source")
    ours = hessian(x)
    h = 1e-5
    grad_fn = sg.grad(small_scalar)
    expected = np.array([(grad_fn(x + h * e) - grad_fn(x - h * e)) / (2 * h) for e in np.eye(3)])
    wrong = not np.allclose(ours, expected, rtol=1e-5, atol=1e-6)
    calls = {"sourcegrad": (hessian, (x,))}
    if importlib.util.find_spec("jax") is not None:
        import jax
        import jax.numpy as jnp

        def jax_scalar(x):
            return jnp.sum(jnp.sin(x) * x ** 2) + x[0] * x[1] * x[2] + jnp.sum(x) ** 3

        calls["jax.hessian"] = (jax.hessian(jax_scalar), (x,))
    return {k: statistics.median(t) for k, t in samples(calls, rounds, budget).items()}, wrong


def report(size="small", rounds=9, budget=0.02):
    """Print the table and the Hessian timing; returns ``[(label, measured, target), ...]``."""
    print(f"{'higher order (issue 12)':32} {'hvp/grad':>8} {'':6} {'jvp/f':>8} {'':6} {'f':>10} {'grad':>10}")
    checks = []
    for w in workloads(size):
        if not _single(w):
            continue
        hvp, jvp, times, notes = measure(w, rounds, budget)
        print(f"{w.name:32} {_cell(hvp, HVP_TARGET)} {_cell(jvp, JVP_TARGET)} "
              f"{times['f'] * 1e6:8.1f}us {times['grad'] * 1e6:8.1f}us")
        for note in notes:
            print(f"    {note}")
        checks += [(f"hvp/grad, {w.name}", hvp, HVP_TARGET), (f"jvp/f, {w.name}", jvp, JVP_TARGET)]
    times, wrong = hessian_time(rounds, budget)
    line = f"sg.hessian of a small scalar function of 3 variables (source mode): {times['sourcegrad'] * 1e6:.1f} us"
    if "jax.hessian" in times:
        line += f"; jax.hessian without jit: {times['jax.hessian'] * 1e6:.1f} us"
    else:
        line += " (JAX is not installed: no comparison)"
    print(line + ("   WRONG: disagrees with finite differences of the gradient" if wrong else ""))
    met = sum(1 for _, m, t in checks if m is not None and m <= t)
    print(f"issue 12: {met} of {len(checks)} ratio targets met")
    return checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="shrink the large arrays for a quick run")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--budget", type=float, default=0.02)
    options = parser.parse_args(argv)
    report("small" if options.small else "full", options.rounds, options.budget)


if __name__ == "__main__":
    main()
