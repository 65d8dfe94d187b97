"""Helpers shared by the tests: a small, float64 central-difference gradient; what a tape recorded."""

import numpy as np


def numeric_grad(f, args, i, step=1e-5):
    """Central-difference gradient of the scalar ``f(*args)`` with respect to ``args[i]``.

    ``args[i]`` may be a Python number or an array; the result has its shape (a float for a
    number). Each element is perturbed by ``step * max(1, |x|)`` in float64.
    """
    args = list(args)
    x0 = args[i]
    scalar = np.ndim(x0) == 0 and not isinstance(x0, np.ndarray)
    x = np.array(x0, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        h = step * max(1.0, abs(float(x[idx])))
        values = []
        for sign in (1.0, -1.0):
            xp = x.copy()
            xp[idx] += sign * h
            args[i] = float(xp) if scalar else xp
            values.append(float(f(*args)))
        grad[idx] = (values[0] - values[1]) / (2 * h)
    return float(grad) if scalar else grad


def recorded_primitives(out):
    """The primitives recorded on the tape in the graph that produced the Tensor ``out``."""
    found, seen, stack = set(), set(), [out]
    while stack:
        t = stack.pop()
        node = getattr(t, "_node", None)
        if node is None or id(t) in seen:
            continue
        seen.add(id(t))
        found.add(node.fn)
        stack.extend(p for _, _, p in node.parents)
    return found
