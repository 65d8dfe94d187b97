"""The first thing to try: a gradient, and the code sourcegrad generated for it.

    python examples/quickstart.py
"""

import numpy as np

import sourcegrad as sg


@sg.grad
def f(x):
    return x ** 2 + 3 * x + 1


print("f'(2.0) =", f(2.0))          # 7.0, a Python float
print()
print("The generated adjoint:")
print(f.source)


def least_squares(w, A, b):
    r = A @ w - b
    return np.sum(r ** 2) / 2


rng = np.random.default_rng(0)
A, b = rng.normal(size=(5, 3)), rng.normal(size=5)
w = np.zeros(3)
gradient = sg.grad(least_squares)(w, A, b)
print("least-squares gradient:", gradient)
print("check against A.T @ (A @ w - b):", A.T @ (A @ w - b))
print()
sg.show(least_squares)
