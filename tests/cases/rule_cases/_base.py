"""What every module of the rule cases shares: the ``Case`` record, the one list of cases, and the
makers of their arguments (one seeded generator, so the table is the same on every run)."""

from typing import Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: tuple
    covers: tuple = ()


CASES = []


def case(name, fn, args, wrt=(0,), covers=()):
    """Add a case to CASES; ``covers`` is one primitive or a tuple of them."""
    CASES.append(Case(name, fn, tuple(args), tuple(wrt), covers if isinstance(covers, tuple) else (covers,)))


NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
NUMPY_2_1 = np.lib.NumpyVersion(np.__version__) >= "2.1.0"   # np.clip(min=, max=), np.reshape(shape=)

_rng = np.random.default_rng(20250605)

# None: a Python float; (): a 0-d array
SHAPES = [None, (), (4,), (2, 3), (2, 2, 3)]
BINARY_SHAPES = [(None, None), ((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((2, 3), None), (None, (2, 3)), ((), (2, 3)), ((2, 2, 3), (2, 1))]


def uniform(shape, lo=-1.0, hi=1.0):
    """Uniform values: a Python float for shape None, else an array (0-d for ())."""
    if shape is None:
        return float(_rng.uniform(lo, hi))
    return np.asarray(_rng.uniform(lo, hi, size=shape))


def away(shape, lo=0.3, hi=1.5):
    """Values with |x| in [lo, hi] and random sign."""
    magnitude = uniform(shape, lo, hi)
    sign = _rng.choice([-1.0, 1.0], size=() if shape is None else shape)
    return float(magnitude * sign) if shape is None else np.asarray(magnitude * sign)


def distinct(shape, spacing=0.25):
    """A random permutation of well-separated values (no ties, for max/sort)."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2) * spacing + _rng.uniform(-0.05, 0.05, size=n)
    return _rng.permutation(values).reshape(shape)


def weights(shape):
    """Random weights for a result of ``shape`` (a Python float for None)."""
    if shape is None:
        return float(_rng.normal())
    return np.asarray(_rng.normal(size=shape))


def weights_like(value):
    """Random weights shaped like ``value`` (a Python float for a Python or NumPy float)."""
    return weights(None if isinstance(value, float) else np.shape(value))


def well_conditioned(n, batch=()):
    return _rng.normal(size=batch + (n, n)) * 0.5 + 2.0 * np.eye(n)


def mod_dividend(shape):
    """With ``mod_divisor``: x % y far from its jumps (x in k + [0.25, 0.75] for k in -2..1, y in [1, 1.1])."""
    x = _rng.integers(-2, 2, size=() if shape is None else shape) + uniform(shape, 0.25, 0.75)
    return float(x) if shape is None else x


def mod_divisor(shape):
    return uniform(shape, 1.0, 1.1)


def unary_cases(fn, covers, make=uniform, shapes=SHAPES):
    """A case ``fn(x, c)`` for each shape of ``x``."""
    for shape in shapes:
        x = make(shape)
        case(f"{fn.__name__}[{tag(shape)}]", fn, (x, weights_like(x)), (0,), covers)


def binary_cases(fn, covers, make_x=uniform, make_y=uniform, wrts=((0, 1),)):
    """A case ``fn(x, y, c)`` for each pair of BINARY_SHAPES (broadcasting), and each of ``wrts``."""
    for sx, sy in BINARY_SHAPES:
        x, y = make_x(sx), make_y(sy)
        c = weights(None if sx is None and sy is None else np.broadcast_shapes(np.shape(x), np.shape(y)))
        for wrt in wrts:
            suffix = "" if len(wrts) == 1 else "wrt" + "".join(map(str, wrt))
            case(f"{fn.__name__}[{tag(sx)},{tag(sy)}]{suffix}", fn, (x, y, c), wrt, covers)


def tag(shape):
    """``py`` for a Python number, ``0d`` for a 0-d array, else ``2x3``."""
    return "py" if shape is None else "x".join(map(str, shape)) or "0d"


def tag_of(value):
    return tag(None if isinstance(value, float) else np.shape(value))
