"""Longer everyday programs mixing the features above, the way they appear in real code: a model's
loss with a cache dict, in-place normalisation, masking scores in place, a Laplacian by slices,
jitter added to a kernel's diagonal, running statistics in a global buffer."""

import numpy as np

from . import M, MP, Q, S, T, V, V3, VP, Registry

CASES = Registry("realistic")

X = np.array([[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.3, 0.9, 1.5], [0.8, -0.6, 0.2]])
Y = np.array([1.0, 0.0, 1.0, 0.0])
LABELS = np.array([0, 2, 1, 2])
RUNNING = np.zeros(3)


def logistic_loss_standardised(w, b):
    Xc = X.copy()
    Xc -= Xc.mean(axis=0)
    Xc /= Xc.std(axis=0)
    z = Xc @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    losses = []
    for i in range(len(Y)):
        losses.append(-(Y[i] * np.log(p[i]) + (1 - Y[i]) * np.log(1 - p[i])))
    return sum(losses) / len(losses)


CASES.add(logistic_loss_standardised, V3, 0.1, wrt=(0, 1))


def logistic_loss_vectorised(w, b):
    Xc = X - X.mean(axis=0)
    z = Xc @ w + b
    return np.mean(np.logaddexp(0.0, -z * (2 * Y - 1)))


CASES.add(logistic_loss_vectorised, V3, 0.1, wrt=(0, 1))


def softmax_cross_entropy_inplace(W):
    z = X @ W
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return -np.mean(np.log(z[np.arange(4), LABELS]))


CASES.add(softmax_cross_entropy_inplace, np.sin(np.arange(9.0)).reshape(3, 3) * 0.5)


def softmax_cross_entropy_functional(W):
    z = X @ W
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(4), LABELS])


CASES.add(softmax_cross_entropy_functional, np.sin(np.arange(9.0)).reshape(3, 3) * 0.5)


def mlp_with_cache_dict(W1, b1, W2):
    cache = {}
    h = X @ W1 + b1
    cache["pre"] = h
    h = np.maximum(h, 0.0)
    cache["post"] = h
    out = h @ W2
    cache["out"] = out
    reg = 0.5 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    return np.mean((cache["out"] - Y) ** 2) + 0.01 * reg + 0.0 * np.sum(cache["pre"])


CASES.add(mlp_with_cache_dict, np.cos(np.arange(12.0)).reshape(3, 4) * 0.7, np.array([0.1, -0.2, 0.05, 0.3]),
          np.sin(np.arange(4.0)) + 0.2, wrt=(0, 1, 2))


def kalman_update(P, x):
    H = np.array([[1.0, 0.0, 0.5]])
    R = np.array([[0.2]])
    S_ = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S_)
    innovation = np.array([0.7]) - H @ x
    x_new = x + K @ innovation
    P_new = (np.eye(3) - K @ H) @ P
    P_new = (P_new + P_new.T) / 2.0
    return np.sum(x_new ** 2) + np.trace(P_new)


CASES.add(kalman_update, Q @ Q.T * 0.3 + np.eye(3), V3, wrt=(0, 1))


def gaussian_loglik_cholesky(A, x):
    C = A @ A.T + np.eye(3)
    L = np.linalg.cholesky(C)
    alpha = np.linalg.solve(L, x)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L)))


CASES.add(gaussian_loglik_cholesky, Q * 0.5, V3, wrt=(0, 1))


def huber_loss(r):
    a = np.abs(r)
    return np.sum(np.where(a < 0.5, 0.5 * r ** 2, 0.5 * (a - 0.25)))


CASES.add(huber_loss, V)


def attention_with_inplace_mask(q, k):
    scores = q @ k.T / np.sqrt(3.0)
    mask = np.triu(np.ones((2, 2), dtype=bool), 1)
    scores[mask] = -1e9
    scores -= scores.max(axis=1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=1, keepdims=True)
    return np.sum((w @ k) ** 2)


CASES.add(attention_with_inplace_mask, M, MP, wrt=(0, 1))


def laplacian_by_slices(u):
    lap = -2.0 * u
    lap[1:] += u[:-1]
    lap[:-1] += u[1:]
    return np.sum(lap ** 2)


CASES.add(laplacian_by_slices, V)


def kernel_with_diagonal_jitter(x):
    d = x[:, None] - x[None, :]
    K = np.exp(-d ** 2)
    K[np.diag_indices_from(K)] += 1e-2
    return np.linalg.slogdet(K)[1] + np.sum(np.linalg.solve(K, np.ones(4)))


CASES.add(kernel_with_diagonal_jitter, V)


def kernel_fill_diagonal(x):
    d = x[:, None] - x[None, :]
    K = np.exp(-d ** 2)
    np.fill_diagonal(K, K.diagonal() + 0.5)
    return np.sum(np.linalg.inv(K))


CASES.add(kernel_fill_diagonal, V)


def normalise_columns_inplace(A):
    B = A.copy()
    B /= np.linalg.norm(B, axis=0)
    return np.sum(B @ B.T * np.arange(16.0).reshape(4, 4))


CASES.add(normalise_columns_inplace, X)


def batchnorm_with_running_stats(x, gamma):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    RUNNING[:] = 0.9 * RUNNING + 0.1 * mu
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum((gamma * xhat) ** 3)


CASES.add(batchnorm_with_running_stats, X, np.array([1.0, 0.5, 2.0]), wrt=(0, 1))


def polynomial_features_vander(x, c):
    V_ = np.vander(x, 3)
    return np.sum((V_ @ c - np.cos(x)) ** 2)


CASES.add(polynomial_features_vander, V, np.array([0.3, -0.5, 1.0]), wrt=(0, 1))


def polynomial_features_stack(x, c):
    feats = np.stack([x ** k for k in range(3)], axis=1)
    return np.sum((feats @ c - np.cos(x)) ** 2)


CASES.add(polynomial_features_stack, V, np.array([1.0, -0.5, 0.3]), wrt=(0, 1))


def ema_smoothing_inplace(x):
    out = np.empty_like(x)
    out[0] = x[0]
    out[1:] = x[1:] * 0.3
    out[1:] += 0.7 * x[:-1]
    return np.sum(out ** 2)


CASES.add(ema_smoothing_inplace, V)


def pairwise_distances_params(P):
    diff = P[:, None, :] - P[None, :, :]
    D = np.sqrt(np.sum(diff ** 2, axis=-1) + 1e-6)
    iu = np.triu_indices(4, 1)
    return np.sum(1.0 / D[iu])


CASES.add(pairwise_distances_params, X)


def ridge_closed_form(lam):
    A = X.T @ X + lam * np.eye(3)
    w = np.linalg.solve(A, X.T @ Y)
    return np.sum((X @ w - Y) ** 2)


CASES.add(ridge_closed_form, 0.7)


def params_dict_functional_update(w):
    params = {"w": w, "b": np.zeros(1)}
    grads_like = {"w": params["w"] * 0.1}
    params["w"] = params["w"] - grads_like["w"]
    return np.sum((X @ params["w"] + params["b"] - Y) ** 2)


CASES.add(params_dict_functional_update, V3)
