"""The benchmark workloads: each a scalar function, its inputs, and a hand-written NumPy gradient
(value and gradient together, written the way a careful person would).

The hand-written gradients return the value too, as the generated function (``adjoint_function``)
does and ``sg.grad`` computes before returning the gradient. ``target`` is the issue-11 target for
``sg.grad(f)(*args)`` time / hand-written time, where the issue sets one; ``memory`` marks the
workloads whose peak memory (tracemalloc) is reported too.
"""

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Workload:
    name: str
    func: object
    args: tuple
    wrt: object
    hand: object          # hand(*args) -> (value, gradient(s)) like sg.value_and_grad
    target: float = None  # issue 11: sg.grad time / hand time at most this (None: no target)
    memory: bool = False  # report the peak memory of one gradient call


DT = 0.05                 # pendulum: time step, gravity, and the energy the loss compares with
G_ACC = 9.81
ENERGY_TARGET = 1.0


# ---- scalar polynomial ----

def polynomial(x):
    return 3 * x ** 4 - 2 * x ** 3 + x ** 2 - 5 * x + 7


def polynomial_hand(x):
    x2 = x * x
    value = 3 * x2 * x2 - 2 * x2 * x + x2 - 5 * x + 7
    return value, 12 * x2 * x - 6 * x2 + 2 * x - 5


# ---- 50 scalar operations ----

def scalar_code(a, b, c):
    x = a * b + c
    y = x * x - a / b
    z = y * c + x / (1 + c * c)
    w = z - y * a + b ** 2
    v = w * x + z * y - c
    x = v / (1 + w * w) + a * z
    y = x * b - v * c + 2 * a
    z = y * y / (1 + x * x) + w
    w = z * a - y * b + x * c
    v = w / (1 + z * z) + v * 0.5
    return v * x + w * y - z


def scalar_code_hand(a, b, c):
    # forward, keeping what the backward sweep needs
    x0 = a * b + c
    y0 = x0 * x0 - a / b
    d0 = 1 + c * c
    z0 = y0 * c + x0 / d0
    w0 = z0 - y0 * a + b * b
    v0 = w0 * x0 + z0 * y0 - c
    d1 = 1 + w0 * w0
    x1 = v0 / d1 + a * z0
    y1 = x1 * b - v0 * c + 2 * a
    d2 = 1 + x1 * x1
    z1 = y1 * y1 / d2 + w0
    w1 = z1 * a - y1 * b + x1 * c
    d3 = 1 + z1 * z1
    v1 = w1 / d3 + v0 * 0.5
    out = v1 * x1 + w1 * y1 - z1
    # backward
    gv1, gx1, gw1, gy1, gz1 = x1, v1, y1, w1, -1.0
    gw1 += gv1 / d3
    gz1 += -gv1 * w1 / (d3 * d3) * 2 * z1
    gv0 = gv1 * 0.5
    gz1 += gw1 * a
    ga = gw1 * z1
    gy1 += -gw1 * b
    gb = -gw1 * y1
    gx1 += gw1 * c
    gc = gw1 * x1
    gy1 += gz1 * 2 * y1 / d2
    gx1 += -gz1 * y1 * y1 / (d2 * d2) * 2 * x1
    gw0 = gz1
    gx1 += gy1 * b
    gb += gy1 * x1
    gv0 += -gy1 * c
    gc += -gy1 * v0
    ga += 2 * gy1
    gv0 += gx1 / d1
    gw0 += -gx1 * v0 / (d1 * d1) * 2 * w0
    ga += gx1 * z0
    gz0 = gx1 * a
    gw0 += gv0 * x0
    gx0 = gv0 * w0
    gz0 += gv0 * y0
    gy0 = gv0 * z0
    gc += -gv0
    gz0 += gw0
    gy0 += -gw0 * a
    ga += -gw0 * y0
    gb += gw0 * 2 * b
    gy0 += gz0 * c
    gc += gz0 * y0
    gx0 += gz0 / d0
    gc += -gz0 * x0 / (d0 * d0) * 2 * c
    gx0 += gy0 * 2 * x0
    ga += -gy0 / b
    gb += gy0 * a / (b * b)
    ga += gx0 * b
    gb += gx0 * a
    gc += gx0
    return out, (ga, gb, gc)


# ---- pendulum integrator: 5 steps of damped semi-implicit Euler, straight-line, 55 operations ----

def pendulum(theta, omega, length, damping):
    # each step: 7 operations for omega (/, sin, *, *, +, *, -), 2 for theta; 5 steps = 45
    omega = omega - DT * (G_ACC / length * math.sin(theta) + damping * omega)
    theta = theta + DT * omega
    omega = omega - DT * (G_ACC / length * math.sin(theta) + damping * omega)
    theta = theta + DT * omega
    omega = omega - DT * (G_ACC / length * math.sin(theta) + damping * omega)
    theta = theta + DT * omega
    omega = omega - DT * (G_ACC / length * math.sin(theta) + damping * omega)
    theta = theta + DT * omega
    omega = omega - DT * (G_ACC / length * math.sin(theta) + damping * omega)
    theta = theta + DT * omega
    energy = 0.5 * (length * omega) ** 2 + G_ACC * length * (1 - math.cos(theta))   # 8 operations
    return (energy - ENERGY_TARGET) ** 2                                            # 2 operations


def pendulum_hand(theta, omega, length, damping):
    k = G_ACC / length
    th0, om0 = theta, omega
    s0 = math.sin(th0)
    om1 = om0 - DT * (k * s0 + damping * om0)
    th1 = th0 + DT * om1
    s1 = math.sin(th1)
    om2 = om1 - DT * (k * s1 + damping * om1)
    th2 = th1 + DT * om2
    s2 = math.sin(th2)
    om3 = om2 - DT * (k * s2 + damping * om2)
    th3 = th2 + DT * om3
    s3 = math.sin(th3)
    om4 = om3 - DT * (k * s3 + damping * om3)
    th4 = th3 + DT * om4
    s4 = math.sin(th4)
    om5 = om4 - DT * (k * s4 + damping * om4)
    th5 = th4 + DT * om5
    lw = length * om5
    cos5 = math.cos(th5)
    diff = 0.5 * (lw * lw) + G_ACC * length * (1 - cos5) - ENERGY_TARGET
    # backward: the energy, then each step in reverse (theta' = theta + DT omega';
    # omega' = omega - DT (k sin theta + damping omega), so a = DT * g_omega' flows back)
    g_e = 2 * diff
    g_om = g_e * lw * length
    g_th = g_e * G_ACC * length * math.sin(th5)
    g_len = g_e * (lw * om5 + G_ACC * (1 - cos5))
    g_om += DT * g_th
    a = DT * g_om
    g_k = -a * s4
    g_d = -a * om4
    g_th -= a * k * math.cos(th4)
    g_om -= a * damping
    g_om += DT * g_th
    a = DT * g_om
    g_k -= a * s3
    g_d -= a * om3
    g_th -= a * k * math.cos(th3)
    g_om -= a * damping
    g_om += DT * g_th
    a = DT * g_om
    g_k -= a * s2
    g_d -= a * om2
    g_th -= a * k * math.cos(th2)
    g_om -= a * damping
    g_om += DT * g_th
    a = DT * g_om
    g_k -= a * s1
    g_d -= a * om1
    g_th -= a * k * math.cos(th1)
    g_om -= a * damping
    g_om += DT * g_th
    a = DT * g_om
    g_k -= a * s0
    g_d -= a * om0
    g_th -= a * k * math.cos(th0)
    g_om -= a * damping
    g_len -= g_k * k / length            # k = G_ACC / length
    return diff * diff, (g_th, g_om, g_len, g_d)


# ---- Rosenbrock function of a length-5 array, written with x[i] terms ----

def rosenbrock(x):
    return (100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
            + 100 * (x[2] - x[1] ** 2) ** 2 + (1 - x[1]) ** 2
            + 100 * (x[3] - x[2] ** 2) ** 2 + (1 - x[2]) ** 2
            + 100 * (x[4] - x[3] ** 2) ** 2 + (1 - x[3]) ** 2)


def rosenbrock_hand(x):
    # the function's x[i] terms with each residual computed once (a version on x.tolist() floats runs
    # about 2.5x faster, scipy's vectorised rosen_der about 3.5x slower at this size)
    r0, r1, r2, r3 = x[1] - x[0] ** 2, x[2] - x[1] ** 2, x[3] - x[2] ** 2, x[4] - x[3] ** 2
    s0, s1, s2, s3 = 1 - x[0], 1 - x[1], 1 - x[2], 1 - x[3]
    value = 100 * r0 ** 2 + s0 ** 2 + 100 * r1 ** 2 + s1 ** 2 + 100 * r2 ** 2 + s2 ** 2 + 100 * r3 ** 2 + s3 ** 2
    g = np.empty_like(x)
    g[0] = -400 * r0 * x[0] - 2 * s0
    g[1] = 200 * r0 - 400 * r1 * x[1] - 2 * s1
    g[2] = 200 * r1 - 400 * r2 * x[2] - 2 * s2
    g[3] = 200 * r2 - 400 * r3 * x[3] - 2 * s3
    g[4] = 200 * r3
    return value, g


# ---- logistic regression: n samples of 10 features (n = 10 and 10,000) ----

def logistic(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_hand(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    value = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return value, X.T @ (p - y) / y.shape[0]


# ---- two-layer MLP, 1000 x 100 ----

def mlp(W1, W2, X, Y):
    H = np.tanh(X @ W1)
    out = H @ W2
    return np.mean((out - Y) ** 2)


def mlp_hand(W1, W2, X, Y):
    H = np.tanh(X @ W1)
    r = H @ W2 - Y
    value = np.mean(r ** 2)
    g_out = r * (2.0 / r.size)
    g_H = g_out @ W2.T
    g_pre = g_H * (1 - H * H)
    return value, (X.T @ g_pre, H.T @ g_out)


# ---- softmax cross-entropy: linear classifier, n samples, d features, k classes ----

def softmax_xent(W, X, y):
    z = X @ W
    z -= np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), y])


def softmax_xent_hand(W, X, y):
    n = X.shape[0]
    rows = np.arange(n)
    z = X @ W
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    s = p.sum(axis=1, keepdims=True)
    value = -np.mean(z[rows, y] - np.log(s[:, 0]))
    p /= s                     # softmax, in place
    p[rows, y] -= 1            # d value / d z = (softmax - one-hot) / n
    return value, X.T @ p / n


# ---- 2000 x 2000 matmul chain ----

def matmul_chain(A, B, C):
    return np.sum((A @ B) @ C)


def matmul_chain_hand(A, B, C):
    AB = A @ B
    value = np.sum(AB @ C)
    g_AB = np.broadcast_to(C.sum(axis=1), AB.shape)
    return value, g_AB @ B.T


# ---- broadcasting and reductions ----

def broadcast_mix(x, M, b):
    centered = M - np.mean(M, axis=0, keepdims=True)
    scaled = centered * x + b
    return np.sum(np.max(scaled, axis=1)) + np.sum(scaled ** 2) / M.shape[0]


def broadcast_mix_hand(x, M, b):
    centered = M - np.mean(M, axis=0, keepdims=True)
    scaled = centered * x + b
    m = np.max(scaled, axis=1, keepdims=True)
    value = np.sum(m) + np.sum(scaled ** 2) / M.shape[0]
    hit = scaled == m
    g_scaled = hit / hit.sum(axis=1, keepdims=True) + 2 * scaled / M.shape[0]
    return value, ((g_scaled * centered).sum(axis=0), g_scaled.sum())


SIZES = {            # (MLP samples, matmul chain side)
    "full": (1000, 2000),
    "small": (100, 200),  # a quick run
    "tiny": (20, 8),      # tests: small enough for finite differences
}


def workloads(size="full"):
    """The straight-line workloads; size="small" shrinks the MLP and the matmul chain for a quick run,
    "tiny" further still (for tests)."""
    rng = np.random.default_rng(0)
    n_mlp, n_mat = SIZES[size]
    Xl, yl = rng.normal(size=(10, 10)), (rng.random(10) > 0.5).astype(float)
    Xm, Ym = rng.normal(size=(n_mlp, 100)), rng.normal(size=(n_mlp, 10))
    A, B, C = (rng.normal(size=(n_mat, n_mat)) for _ in range(3))
    M = rng.normal(size=(500, 50))
    # added for issue 11 (drawn after the others, so the original inputs stay as they were)
    X_big, y_big = rng.normal(size=(10_000, 10)), (rng.random(10_000) > 0.5).astype(float)
    X_soft, y_soft = rng.normal(size=(1000, 50)), rng.integers(0, 10, size=1000)
    return [
        Workload("scalar polynomial", polynomial, (1.3,), 0, polynomial_hand, target=2.0),
        Workload("50-op scalar code", scalar_code, (0.3, 1.2, -0.4), (0, 1, 2), scalar_code_hand, target=1.2),
        Workload("pendulum, 55 ops (unrolled)", pendulum, (0.8, 0.1, 1.5, 0.3), (0, 1, 2, 3), pendulum_hand,
                 target=1.2),
        Workload("Rosenbrock x[i] (5 entries)", rosenbrock, (rng.normal(size=5),), 0, rosenbrock_hand,
                 target=1.5),
        Workload("logistic regression (10)", logistic, (rng.normal(size=10), Xl, yl), 0, logistic_hand,
                 target=1.5),
        Workload("logistic regression (10000)", logistic, (rng.normal(size=10) * 0.3, X_big, y_big), 0,
                 logistic_hand),
        Workload(f"2-layer MLP ({n_mlp}x100)", mlp, (rng.normal(size=(100, 50)) * 0.1,
                                                  rng.normal(size=(50, 10)) * 0.1, Xm, Ym), (0, 1), mlp_hand,
                 target=1.05, memory=True),
        Workload("softmax xent (1000x50, 10)", softmax_xent, (rng.normal(size=(50, 10)) * 0.1, X_soft, y_soft), 0,
                 softmax_xent_hand, target=1.2),
        Workload("broadcast/reduction mix", broadcast_mix, (rng.normal(size=50), M, 0.3), (0, 2),
                 broadcast_mix_hand, target=1.1, memory=True),
        Workload(f"matmul chain ({n_mat}x{n_mat})", matmul_chain, (A, B, C), 0, matmul_chain_hand, target=1.0,
                 memory=True),
    ]


# ---- a 30-line function, for the transform-time measurement ----

def thirty_lines(W1, b1, W2, b2, X, y):
    h1 = X @ W1 + b1
    a1 = np.tanh(h1)
    h2 = a1 @ W2 + b2
    m = np.max(h2, axis=1, keepdims=True)
    e = np.exp(h2 - m)
    s = np.sum(e, axis=1, keepdims=True)
    p = e / s
    logp = np.log(p + 1e-12)
    n = X.shape[0]
    onehot = np.eye(h2.shape[1])[y]
    nll = -np.sum(onehot * logp) / n
    reg1 = np.sum(W1 ** 2)
    reg2 = np.sum(W2 ** 2)
    reg = 1e-4 * (reg1 + reg2)
    centre = np.mean(a1, axis=0)
    spread = np.mean((a1 - centre) ** 2)
    penalty = 1e-3 * spread
    margin = np.maximum(0.0, 1.0 - h2)
    hinge = np.mean(margin)
    mix = 0.9 * nll + 0.1 * hinge
    bias_pen = np.sum(b1 * b1) + np.sum(b2 * b2)
    total = mix + reg + penalty
    total = total + 1e-5 * bias_pen
    scale = math.sqrt(2.0)
    total = total * scale
    total = total / scale
    return total
