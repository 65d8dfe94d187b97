"""The control-flow workloads (issue 9): loops and a data-dependent while, each a scalar function, its
inputs, and a hand-written NumPy gradient (value and gradient together, written the way a careful
person would), like the straight-line workloads in workloads.py.

The hand-written gradients keep the function's algorithm: a forward loop that stores what the
backward sweep needs, then a reverse loop (backpropagation through time for the RNN; for the Kepler
solve the implicit-function theorem, which is what a careful person differentiates a converged Newton
iteration with). A vectorised closed form would time a different algorithm, not the cost of a loop.

The scalar functions are written with ``math`` as people write them. The tape cannot see through
``math.*`` (it raises GradientLostError), so the runner times the tape on ``numpy_math_twin(f)``: the
same code object with the name ``math`` bound to NumPy's functions (the way run.py binds ``np`` to
autograd.numpy for the autograd column).
"""

import math
import types

import numpy as np

from .workloads import Workload

SHORT, LONG = 100, 1000          # iterations of the scalar loop; the slope is taken between the two
SCALAR_LOOP_OPS = 5              # a * i, + b, math.sin, s * c, + : differentiable operations per iteration
RNN_STEPS, RNN_HIDDEN, RNN_INPUT = 50, 16, 8
PENDULUM_STEPS = 5
G_ACC = 9.81                     # pendulum: gravity and time step
DT = 0.05


# ---- scalar loop: SCALAR_LOOP_OPS operations per iteration ----

def scalar_loop(a, b, c, n):
    s = 0.0
    for i in range(n):
        s = s * c + math.sin(a * i + b)
    return s


def scalar_loop_hand(a, b, c, n):
    s = 0.0
    before = [0.0] * n          # s entering each iteration: the backward sweep needs it for dc
    for i in range(n):
        before[i] = s
        s = s * c + math.sin(a * i + b)
    ga = gb = gc = 0.0
    gs = 1.0
    for i in range(n - 1, -1, -1):
        gc += gs * before[i]
        gt = gs * math.cos(a * i + b)
        ga += gt * i
        gb += gt
        gs *= c
    return s, (ga, gb, gc)


# ---- Kepler's equation E - e sin E = M, solved by Newton's method ----

def kepler(M, e):
    E = M
    d = 1.0
    while abs(d) > 1e-13:
        d = (E - e * math.sin(E) - M) / (1 - e * math.cos(E))
        E = E - d
    return math.cos(E) - e        # x of the position on an ellipse of semi-major axis 1


def kepler_hand(M, e):
    E = M
    d = 1.0
    while abs(d) > 1e-13:
        d = (E - e * math.sin(E) - M) / (1 - e * math.cos(E))
        E = E - d
    sin_E, cos_E = math.sin(E), math.cos(E)
    # implicit-function theorem on E - e sin E - M = 0: dE/dM = 1 / (1 - e cos E), dE/de = sin E / (1 - e cos E)
    g = -sin_E / (1 - e * cos_E)  # d(cos E)/dE * dE/dM
    return cos_E - e, (g, g * sin_E - 1.0)


# ---- tanh RNN, RNN_STEPS steps, hidden size RNN_HIDDEN, loss summed over the steps ----

def rnn(W, U, b, x):
    h = np.zeros(W.shape[0])
    loss = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(W @ h + U @ x[t] + b)
        loss = loss + np.sum(h ** 2)
    return loss


def rnn_hand(W, U, b, x):
    steps, n = x.shape[0], W.shape[0]
    inputs = x @ U.T + b              # U @ x[t] + b for every t in one product
    H = np.empty((steps + 1, n))      # H[0] = initial state, H[t + 1] = state after step t
    H[0] = 0.0
    for t in range(steps):
        H[t + 1] = np.tanh(W @ H[t] + inputs[t])
    value = np.sum(H[1:] ** 2)
    # backpropagation through time: G[t] is the gradient at the pre-activation of step t
    G = np.empty((steps, n))
    carry = np.zeros(n)               # gradient reaching H[t + 1] from the later steps
    for t in range(steps - 1, -1, -1):
        h = H[t + 1]
        G[t] = (2 * h + carry) * (1 - h * h)
        carry = G[t] @ W              # W.T @ G[t]
    return value, (G.T @ H[:-1], G.T @ x, G.sum(axis=0))


# ---- pendulum: PENDULUM_STEPS steps of semi-implicit Euler, loss = the energy at the end ----

def pendulum_loop(theta, omega, length):
    for _ in range(5):
        omega = omega - DT * G_ACC / length * math.sin(theta)
        theta = theta + DT * omega
    return 0.5 * length * length * omega * omega + G_ACC * length * (1 - math.cos(theta))


def pendulum_unrolled(theta, omega, length):
    omega = omega - DT * G_ACC / length * math.sin(theta)
    theta = theta + DT * omega
    omega = omega - DT * G_ACC / length * math.sin(theta)
    theta = theta + DT * omega
    omega = omega - DT * G_ACC / length * math.sin(theta)
    theta = theta + DT * omega
    omega = omega - DT * G_ACC / length * math.sin(theta)
    theta = theta + DT * omega
    omega = omega - DT * G_ACC / length * math.sin(theta)
    theta = theta + DT * omega
    return 0.5 * length * length * omega * omega + G_ACC * length * (1 - math.cos(theta))


def pendulum_hand(theta, omega, length):
    k = DT * G_ACC / length
    before = [0.0] * PENDULUM_STEPS   # theta entering each step
    for step in range(PENDULUM_STEPS):
        before[step] = theta
        omega = omega - k * math.sin(theta)
        theta = theta + DT * omega
    sin_t, cos_t = math.sin(theta), math.cos(theta)
    value = 0.5 * length * length * omega * omega + G_ACC * length * (1 - cos_t)
    g_theta = G_ACC * length * sin_t
    g_omega = length * length * omega
    g_length = length * omega * omega + G_ACC * (1 - cos_t)
    g_k = 0.0
    for step in range(PENDULUM_STEPS - 1, -1, -1):
        g_omega += DT * g_theta                 # theta' = theta + DT * omega'
        th = before[step]                       # omega' = omega - k sin(theta)
        g_k -= g_omega * math.sin(th)
        g_theta -= g_omega * k * math.cos(th)
    g_length -= g_k * k / length                # k = DT * G_ACC / length
    return value, (g_theta, g_omega, g_length)


# ---- the tape's spelling of the scalar functions ----

_NUMPY_MATH = types.SimpleNamespace(sin=np.sin, cos=np.cos, tan=np.tan, exp=np.exp, log=np.log,
                                    sqrt=np.sqrt, tanh=np.tanh, pi=math.pi, e=math.e)


def numpy_math_twin(func, math_module=_NUMPY_MATH):
    """``func`` with the global name ``math`` bound to NumPy's functions (or ``math_module``): the
    same code, runnable on the tape's Tensors (or autograd's boxes)."""
    return types.FunctionType(func.__code__, {**func.__globals__, "math": math_module}, func.__name__,
                              func.__defaults__, func.__closure__)


def loop_workloads():
    """The control-flow workloads. The two scalar loops are the same function with ``n`` = SHORT and
    LONG, so their difference is the marginal cost of iterations."""
    rng = np.random.default_rng(9)
    W = rng.normal(size=(RNN_HIDDEN, RNN_HIDDEN)) * (0.8 / math.sqrt(RNN_HIDDEN))
    U = rng.normal(size=(RNN_HIDDEN, RNN_INPUT)) * 0.3
    b = rng.normal(size=RNN_HIDDEN) * 0.1
    x = rng.normal(size=(RNN_STEPS, RNN_INPUT))
    return [
        Workload(f"scalar loop ({SHORT} iters)", scalar_loop, (0.013, 0.3, 0.95, SHORT), (0, 1, 2),
                 scalar_loop_hand),
        Workload(f"scalar loop ({LONG} iters)", scalar_loop, (0.013, 0.3, 0.95, LONG), (0, 1, 2),
                 scalar_loop_hand),
        Workload("Kepler Newton solve (while)", kepler, (1.2, 0.3), (0, 1), kepler_hand),
        Workload(f"tanh RNN ({RNN_STEPS} steps, h={RNN_HIDDEN})", rnn, (W, U, b, x), (0, 1, 2), rnn_hand,
                 memory=True),
        Workload(f"pendulum {PENDULUM_STEPS} steps (loop)", pendulum_loop, (0.8, 0.1, 1.5), (0, 1, 2),
                 pendulum_hand),
        Workload(f"pendulum {PENDULUM_STEPS} steps (unrolled)", pendulum_unrolled, (0.8, 0.1, 1.5), (0, 1, 2),
                 pendulum_hand),
    ]
