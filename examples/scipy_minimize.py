"""Minimise the Rosenbrock function with scipy.optimize.minimize, the gradient given by sourcegrad:
``jac=sg.grad(f)``. Without ``jac`` SciPy estimates the gradient by finite differences, which costs one
call of f per coordinate at every step. Needs SciPy (pip install scipy).

    python examples/scipy_minimize.py
"""

import numpy as np

import sourcegrad as sg


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def main():
    from scipy.optimize import minimize

    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])    # the starting point of SciPy's tutorial
    exact = minimize(rosenbrock, x0, jac=sg.grad(rosenbrock), method="BFGS", options={"gtol": 1e-8})
    estimated = minimize(rosenbrock, x0, method="BFGS", options={"gtol": 1e-8})
    np.set_printoptions(precision=6, suppress=True)
    print(f"with jac=sg.grad(rosenbrock): x = {exact.x}, f = {exact.fun:.3e}, "
          f"{exact.nit} iterations, {exact.nfev} calls of f, {exact.njev} of its gradient")
    print(f"finite differences (no jac):  x = {estimated.x}, f = {estimated.fun:.3e}, "
          f"{estimated.nit} iterations, {estimated.nfev} calls of f")
    return exact, estimated


if __name__ == "__main__":
    main()
