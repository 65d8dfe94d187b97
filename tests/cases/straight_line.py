"""Straight-line functions covering every construct source mode supports, with inputs.

Shared by the source-engine tests, the source-vs-tape agreement test and the benchmarks.
Each case is (name, function, args, wrt); every function returns a scalar.
"""

import math
from dataclasses import dataclass

import numpy as np

from benchmarks.workloads import scalar_code as fifty_ops   # 50 scalar operations, also benchmarked

SCALE = 3.0                      # a module global the functions read
OFFSETS = np.array([0.5, -1.0, 2.0])


@dataclass
class Case:
    name: str
    func: object
    args: tuple
    wrt: object = 0
    tape_error: type = None   # the error the tape raises instead (math.* and float() drop gradients there)


def poly(x):
    return x ** 2 + 3 * x + 1


def poly_sum(x):
    return np.sum(x ** 2 + 3 * x + 1)


def polynomial_named(x):
    y = x ** 2 + 3 * x + 1
    return y


def aug_assign(x):
    y = x
    y += x * 2
    y *= x
    y -= 1
    y /= 2
    y **= 2
    return y


def tuple_unpack(x, z):
    a, b = x * 2, z + 1
    a, b = b, a
    return a * b - a / b


def reassign_array(x):
    x = x * 2
    x = np.sin(x)
    return x.sum()


def pin_first(x):
    y = x * 2.0
    y[0] = x[1] ** 2
    return np.sum(y * x)


def unary(x):
    return -x + (+x) * -(x * x)


def power_both(x, y):
    return x ** y + y ** 2.5


def math_functions(x):
    return math.sin(x) * math.exp(x) + math.log(x) + math.sqrt(x) + math.tanh(x) + math.cos(x) ** 2


def builtins_used(x, y):
    return abs(x - 2 * y) + max(x, y) * min(x, y) + float(x)


def logistic_loss(w, b, X, labels):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))


def mlp_loss(W1, b1, W2, b2, X, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), labels])


def least_squares(w, A, b):
    r = A @ w - b
    return (r ** 2).sum() / 2


def reductions(x):
    a = x.sum(axis=0)
    b = np.mean(x, axis=1, keepdims=True)
    c = np.max(x, axis=0)
    d = x.max()
    return np.sum(a * c) + np.sum(b ** 2) + d + x.mean() + np.min(x)


def linear_algebra(A, v):
    u = A @ v
    w = v @ A.T
    M = np.outer(u, w)
    return np.dot(u, w) + M.T.sum() + A.transpose().dot(u).sum() + np.matmul(v, v)


def reshapes(x):
    y = x.reshape(3, 2)
    z = np.reshape(x, (6,))
    w = x.reshape((2, 3)).T
    return np.sum(y * y) + z[0] * z[5] + np.sum(w[:, 1] ** 3) + np.transpose(x)[1, 0]


def indexing(x):
    a = x[1:3]
    b = x[::2, None]
    c = x[0] * x[-1]
    d = x[[0, 2, 0]]
    return a.sum() * 2 + (b * b).sum() + c + np.sum(d * np.array([1.0, 2.0, 3.0]))


def index_2d(M):
    return M[0, 1] * M[:, 2].sum() + M[1][0] + (M[..., :1] ** 2).sum()


def relu_and_where(x):
    r = np.maximum(x, 0.0)
    s = np.where(x > 0, x, 0.1 * x)
    return np.sum(r * s) + np.sum(np.where(x < 1, x ** 2, x))


def broadcasting(x, M, b):
    return np.sum((M + x) * b) + np.sum(M * x[None, :]) + np.sum(x * 2.0)


def scalar_times_array(s, v):
    return np.sum(s * v + v / s)


def nondifferentiable_parts(x):
    n = x.shape[0] // 2
    k = int(np.argmax(x))
    mask = x > 0.5
    scale = float(np.floor(SCALE))
    return np.sum(x[:n]) * scale + x[k] + np.sum(x * mask) + np.sum(x % 1.0)


def with_print(x):
    y = x * 3
    print("y is", y)
    return y * y


def uses_globals(x):
    return np.sum((x - OFFSETS) ** 2) * SCALE


def make_closure(k):
    weights = np.array([1.0, 2.0, 3.0]) * k

    def closure(x):
        return np.sum(weights * x ** 2) + k * x[0]

    return closure


closure_fn = make_closure(2.0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softplus(z, beta=1.0):
    e = np.exp(beta * z)
    return np.log(1 + e) / beta


def moments(v):
    m = np.mean(v)
    return m, np.mean((v - m) ** 2)


def calls_helpers(x):
    s = sigmoid(x)
    m, var = moments(s)
    return np.sum(softplus(x)) + np.sum(softplus(x, beta=2.0)) + m * var


def keyword_defaults(x, scale=2.0, *, shift=1.0):
    return np.sum((x * scale + shift) ** 2)


def constant_output(x):
    return 4.0


def unused_input(x, y):
    return x * 2.0


def elementwise_numpy(x):
    return np.sum(np.exp(x) + np.log(x) + np.sqrt(x) + np.sin(x) * np.cos(x) + np.tanh(x) + np.abs(x - 1.5))


rng = np.random.default_rng(0)
X20 = rng.normal(size=(20, 3))
LABELS20 = (rng.random(20) > 0.5).astype(float)
X8 = rng.normal(size=(8, 4))
CLASSES8 = rng.integers(0, 3, size=8)

CASES = [
    Case("poly", poly, (2.0,)),
    Case("poly_sum", poly_sum, (np.array([1.0, -2.0, 0.5]),)),
    Case("polynomial_named", polynomial_named, (1.5,)),
    Case("aug_assign", aug_assign, (1.3,)),
    Case("tuple_unpack", tuple_unpack, (0.7, 1.9), (0, 1)),
    Case("reassign_array", reassign_array, (np.array([0.1, 0.2, 0.3]),)),
    Case("pin_first", pin_first, (np.array([1.0, 2.0, 3.0]),)),
    Case("unary", unary, (1.1,)),
    Case("power_both", power_both, (1.7, 2.2), (0, 1)),
    Case("math_functions", math_functions, (0.8,)),   # math records on the tape (issue 10)
    Case("builtins_used", builtins_used, (1.3, 0.4), (0, 1), tape_error=TypeError),
    Case("logistic_loss", logistic_loss, (rng.normal(size=3), 0.1, X20, LABELS20), (0, 1)),
    Case("mlp_loss", mlp_loss, (rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(5, 3)),
                                rng.normal(size=3), X8, CLASSES8), (0, 1, 2, 3)),
    Case("least_squares", least_squares, (rng.normal(size=4), rng.normal(size=(6, 4)), rng.normal(size=6))),
    Case("reductions", reductions, (rng.normal(size=(3, 4)),)),
    Case("linear_algebra", linear_algebra, (rng.normal(size=(3, 3)), rng.normal(size=3)), (0, 1)),
    Case("reshapes", reshapes, (rng.normal(size=(2, 3)),)),
    Case("indexing", indexing, (rng.normal(size=4),)),
    Case("index_2d", index_2d, (rng.normal(size=(2, 3)),)),
    Case("relu_and_where", relu_and_where, (np.array([-1.2, -0.3, 0.4, 0.9, 1.7]),)),
    Case("broadcasting", broadcasting, (rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=(1, 3))),
         (0, 1, 2)),
    Case("scalar_times_array", scalar_times_array, (1.5, rng.normal(size=4)), (0, 1)),
    Case("nondifferentiable_parts", nondifferentiable_parts, (np.array([0.3, 0.9, 0.1, 0.7]),)),
    Case("with_print", with_print, (1.2,)),
    Case("uses_globals", uses_globals, (rng.normal(size=3),)),
    Case("closure", closure_fn, (rng.normal(size=3),)),
    Case("calls_helpers", calls_helpers, (rng.normal(size=4),)),
    Case("keyword_defaults", keyword_defaults, (rng.normal(size=3),)),
    Case("keyword_defaults_wrt_scale", keyword_defaults, (rng.normal(size=3), 1.5), "scale"),
    Case("elementwise_numpy", elementwise_numpy, (np.array([0.3, 1.1, 2.2]),)),
    Case("fifty_ops", fifty_ops, (0.3, 1.2, -0.4), (0, 1, 2)),
]
