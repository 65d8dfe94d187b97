"""Higher order and forward mode: Newton's method with an exact second derivative, a Hessian, a
Hessian-vector product, a Jacobian-vector product and a one-step MAML update.

``sg.grad(sg.grad(f))`` transforms the generated gradient of ``f`` again: the second derivative is
plain generated code too (printed at the end). Forward mode (``sg.jvp``) is the transpose of the
generated vjp, from the same rule table.

    python examples/higher_order.py
"""

import numpy as np

import sourcegrad as sg


def energy(x):
    return x ** 4 - 3.0 * x ** 2 + np.sin(x)


denergy = sg.grad(energy)      # the first derivative, as generated code
d2energy = sg.grad(denergy)    # the second: that code, differentiated again


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def loss(w, x, y):
    return np.mean((np.tanh(x @ w) - y) ** 2)


def maml(w, xs, ys, xq, yq):
    adapted = w - 0.1 * sg.grad(loss)(w, xs, ys)   # the inner step, differentiated through
    return loss(adapted, xq, yq)


if __name__ == "__main__":
    x = 2.0
    for _ in range(8):
        x = x - denergy(x) / d2energy(x)
    print(f"Newton: x = {x:.12f}, energy'(x) = {denergy(x):.3e}, energy''(x) = {d2energy(x):.12f}")
    point = np.array([-1.2, 1.0, 0.5])
    print("Hessian of rosenbrock row 0:", sg.hessian(rosenbrock)(point)[0])
    print("Hessian times (1, 2, 3):", sg.hvp(rosenbrock, point, np.array([1.0, 2.0, 3.0])))
    value, tangent = sg.jvp(np.tanh, (point,), (np.ones(3),))
    print("jvp of tanh along ones:", tangent)
    rng = np.random.default_rng(0)
    w, xs, ys, xq, yq = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(4, 3)), \
        rng.normal(size=4)
    print("MAML gradient:", sg.grad(maml)(w, xs, ys, xq, yq))
    print(sg.grad(denergy).source, end="")
