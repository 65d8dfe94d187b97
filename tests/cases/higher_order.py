"""Functions with exact higher derivatives, shared by the source-mode and tape tests of issue 12."""

import numpy as np


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i, i + 1] -= 400 * x[i]
        h[i + 1, i] -= 400 * x[i]
        h[i + 1, i + 1] += 200
    return h


def quartic(x):
    return 3.0 * x ** 4 - 2.0 * x ** 3 + x ** 2 - 5.0 * x + 1.0


def mixed(x, y):
    return x ** 2 * y ** 3 + np.sin(x * y)
