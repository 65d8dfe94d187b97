"""Functions whose generated gradients are specialised on their arguments' kinds (tests/transforms/test_specialise.py)."""

import numpy as np


def mlp(W1, W2, X, Y):
    H = np.tanh(X @ W1)
    out = H @ W2
    return np.mean((out - Y) ** 2)


def matmul_chain(A, B, C):
    return np.sum((A @ B) @ C)


def logistic(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def broadcast_mix(x, M, b):
    centered = M - np.mean(M, axis=0, keepdims=True)
    scaled = centered * x + b
    return np.sum(np.max(scaled, axis=1)) + np.sum(scaled ** 2) / M.shape[0]


def outer_sum(u, v):
    return np.sum(np.sin(u + v) * v)


def reductions_with_keepdims(M):
    centred = M - np.mean(M, axis=1, keepdims=True)
    return np.sum(centred ** 2) + np.mean(np.sum(M, axis=0) ** 2)


def sums_of_the_same_array(x):
    return np.sum(x) * np.mean(x) + np.sum(x * x) + np.mean(x)


def sum_of_a_broadcast(x, b):
    return np.sum(x + b) + np.sum(x * b)


def sum_of_products(A, B):
    return np.sum(A @ B) + np.sum(A @ B[:, 0])


def indexed_terms(x):
    return np.sum(100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 + x[-1] * x[1])


def transposed(A, B):
    return np.sum(A.T @ B) + np.sum(np.transpose(A) * B[:, 0])


def sum_then_loop(x, n):
    s = np.sum(x) * 0.5
    for i in range(n):
        s = s + np.sin(x[i]) * (i + 1.0)
    return s


def sum_in_a_branch(x):
    total = np.sum(x ** 2)
    if total > 1.0:
        total = total + np.sum(x)
    return total


def maxima(s):
    return max(s, -5.0) + max(s, -6.0)


def squares_and_mean(W):
    return np.sum(W ** 2) + np.mean(W)


def dots(A, v, B):
    return np.sum(np.dot(A, v) ** 2) + np.dot(v, v) + np.sum(np.dot(v, B)) + np.sum(np.dot(A, B) ** 2)


WEIGHTS = np.array([0.5, -1.0, 2.0])


def weighted(x):
    return np.sum(x * WEIGHTS)
