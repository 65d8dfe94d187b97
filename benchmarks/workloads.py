"""The benchmark workloads: each a scalar function, its inputs, and a hand-written NumPy gradient
(value and gradient together, written the way a careful person would)."""

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


# ---- logistic regression, length-10 vectors ----

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


def workloads(size="full"):
    """The six workloads; size="small" shrinks the big arrays for a quick run."""
    rng = np.random.default_rng(0)
    n_mlp, n_mat = (1000, 2000) if size == "full" else (100, 200)
    Xl, yl = rng.normal(size=(10, 10)), (rng.random(10) > 0.5).astype(float)
    Xm, Ym = rng.normal(size=(n_mlp, 100)), rng.normal(size=(n_mlp, 10))
    A, B, C = (rng.normal(size=(n_mat, n_mat)) for _ in range(3))
    M = rng.normal(size=(500, 50))
    return [
        Workload("scalar polynomial", polynomial, (1.3,), 0, polynomial_hand),
        Workload("50-op scalar code", scalar_code, (0.3, 1.2, -0.4), (0, 1, 2), scalar_code_hand),
        Workload("logistic regression (10)", logistic, (rng.normal(size=10), Xl, yl), 0, logistic_hand),
        Workload(f"2-layer MLP ({n_mlp}x100)", mlp, (rng.normal(size=(100, 50)) * 0.1,
                                                  rng.normal(size=(50, 10)) * 0.1, Xm, Ym), (0, 1), mlp_hand),
        Workload(f"matmul chain ({n_mat}x{n_mat})", matmul_chain, (A, B, C), 0, matmul_chain_hand),
        Workload("broadcast/reduction mix", broadcast_mix, (rng.normal(size=50), M, 0.3), (0, 2),
                 broadcast_mix_hand),
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
