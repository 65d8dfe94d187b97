"""What gets differentiated: partials, callable objects, bound/static/class methods, *args/**kwargs,
keyword-only and positional-only parameters, decorated functions, NumPy functions passed directly."""

import functools

import numpy as np

import sourcegrad as sg

from . import M, MP, Q, S, S2, T, V, V3, VP, Registry

CASES = Registry("entry")


def scaled_loss(x, scale=1.0, shift=0.0):
    return np.sum((x * scale + shift) ** 2)


def matrix_loss(A, x):
    return np.sum(np.tanh(A @ x))


CASES.add(functools.partial(scaled_loss, scale=3.0, shift=0.5), V, name="partial_keywords")
CASES.add(functools.partial(matrix_loss, Q), V3, name="partial_positional_constant")
CASES.add(functools.partial(functools.partial(scaled_loss, shift=-1.0), scale=0.25), M, name="partial_of_partial")


class Quadratic:
    def __init__(self, A):
        self.A = A

    def __call__(self, x):
        return 0.5 * x @ self.A @ x

    def energy(self, x):
        return np.sum(np.exp(self.A @ x))

    @staticmethod
    def static_loss(x):
        return np.sum(np.cos(x) * x)

    @classmethod
    def class_loss(cls, x):
        return np.sum(x ** 2) * cls.factor

    factor = 1.5


class Counter:
    def __init__(self):
        self.calls = 0
        self.last = None

    def loss(self, x):
        self.calls += 1
        self.last = x * 2.0
        return np.sum(self.last ** 2)


CASES.add(Quadratic(Q), V3, name="callable_object")
CASES.add(Quadratic(Q * 0.3).energy, V3, name="bound_method")
CASES.add(Quadratic.static_loss, V, name="static_method")
CASES.add(Quadratic.class_loss, V, name="class_method")
CASES.add(Counter().loss, V, name="bound_method_mutating_self")


def varargs_sum(*xs):
    return np.sum(xs[0] ** 2 * xs[1])


CASES.add(varargs_sum, V, VP, wrt=0)


def varargs_second(*xs):
    return np.sum(np.sin(xs[0]) * xs[1] ** 2)


CASES.add(varargs_second, V, VP, wrt=1)


def kwargs_options(x, **opts):
    return np.sum(x ** opts.get("power", 2.0) * opts["scale"])


CASES.add(kwargs_options, VP, kwargs={"power": 3.0, "scale": 0.5})


def args_and_kwargs(x, *rest, **opts):
    return np.sum(x * rest[0]) + opts["c"] * np.sum(x ** 2)


CASES.add(args_and_kwargs, V, VP, kwargs={"c": 2.0})


def keyword_only_wrt(x, *, w):
    return np.sum(np.tanh(x * w))


CASES.add(keyword_only_wrt, V, kwargs={"w": VP}, wrt="w", name="keyword_only_wrt")


def keyword_only_default(x, *, alpha=0.3):
    return np.sum(np.where(x > 0.0, x, alpha * x) ** 2)


CASES.add(keyword_only_default, V)


def keyword_only_both(x, *, w):
    return np.sum(np.sin(x) * np.cos(w))


CASES.add(keyword_only_both, V, kwargs={"w": VP}, wrt=(0, "w"), name="keyword_only_both")


def positional_only(x, y, /):
    return np.sum(x * y ** 2)


CASES.add(positional_only, V, VP, wrt=(0, 1))


def default_array_wrt(x, w=np.array([0.5, -0.25, 1.0, 2.0])):
    return np.sum(np.exp(x * w))


CASES.add(default_array_wrt, V, wrt="w", name="default_param_wrt")


def _doubling(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


@_doubling
def wraps_scales_output(x):
    return np.sum(np.sin(x))


CASES.add(wraps_scales_output, V)


def _shifting(fn):
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        return fn(x + 1.0, *args, **kwargs)
    return wrapper


@_shifting
def wraps_shifts_input(x):
    return np.sum(x ** 3)


CASES.add(wraps_shifts_input, V)


def _plain_decorator(fn):
    def inner(x):
        return fn(x) + np.sum(x)
    return inner


@_plain_decorator
def plain_decorated(x):
    return np.sum(x ** 2)


CASES.add(plain_decorated, V)


def _cube(x):
    return x ** 3 + np.sin(x)


CASES.add(np.sin, S, name="numpy_ufunc_direct")
CASES.add(np.sum, M, name="numpy_sum_direct")
CASES.add(np.linalg.det, Q, name="numpy_det_direct")
CASES.add(lambda x, y: np.sum(x * y + x ** 2), V, VP, wrt=(0, 1), name="lambda_two_args")
CASES.add(sg.grad(_cube), S, name="grad_of_grad")


class Model:
    def __init__(self):
        self.W = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]])

    def forward(self, x):
        return np.tanh(x @ self.W)

    def loss(self, x):
        return np.sum(self.forward(x) ** 2)


CASES.add(Model().loss, V3, name="bound_method_calls_method")


def loss_with_kwarg_wrt(x, y, *, reg=0.1):
    return np.sum((x - y) ** 2) + reg * np.sum(x ** 2)


CASES.add(loss_with_kwarg_wrt, V, VP, kwargs={"reg": 0.7}, wrt="reg", name="keyword_only_scalar_wrt")


def _identity_decorator(fn):
    return fn


@_identity_decorator
def identity_decorated(x):
    return np.sum(np.exp(x) * x)


CASES.add(identity_decorated, V)


def annotated_with_docstring(x: np.ndarray, k: float = 2.0) -> float:
    """A docstring first, then annotations: neither is code."""
    return float(np.sum(np.sin(x) * k))


CASES.add(annotated_with_docstring, V)


def int_argument(x):
    return x ** 3 / 7.0 + x


CASES.add(int_argument, 2)


def int_array_argument(x):
    return np.sum(np.sqrt(x) * x)


CASES.add(int_array_argument, np.array([1, 2, 3, 4]))


def numpy_float_argument(x):
    return np.sin(x) * x ** 2


CASES.add(numpy_float_argument, np.float64(0.7))


def zero_d_array_argument(x):
    return np.sum(np.exp(x) * 3.0)


CASES.add(zero_d_array_argument, np.array(0.7))


def negative_wrt_index(a, b):
    return np.sum(a * np.cos(b))


CASES.add(negative_wrt_index, V, VP, wrt=-1)


def wrt_by_name_positional(a, b):
    return np.sum(a ** 2 * b)


CASES.add(wrt_by_name_positional, V, VP, wrt="b")


def int_shape_argument(x, n):
    return np.sum(np.tile(x, n) ** 2)


CASES.add(int_shape_argument, V3, 3)


_NO_SOURCE_NS = {"np": np}
exec("def exec_defined(x):\n    return np.sum(np.tanh(x) * x)\n", _NO_SOURCE_NS)
CASES.add(_NO_SOURCE_NS["exec_defined"], V, name="exec_defined_no_source")


class CallableWithArgs:
    def __call__(self, *args):
        return np.sum(args[0] ** 2 * args[1])


CASES.add(CallableWithArgs(), V, VP, name="callable_object_varargs")


CASES.add(Quadratic(Q).__call__, V3, name="bound_dunder_call")
CASES.add(Model.loss, Model(), V3, wrt=1, name="unbound_method_self_first")
CASES.add(functools.partial(scaled_loss, shift=0.5), V, kwargs={"scale": 2.0}, wrt="scale",
          name="partial_keyword_wrt_at_call")


def keyword_only_array_default(x, *, w=np.array([1.0, -1.0, 0.5, 2.0])):
    return np.sum(x * w)


CASES.add(keyword_only_array_default, V, wrt="w", name="keyword_only_default_wrt")


def many_params(a, b, c, d, e=1.0, *, g=2.0):
    return np.sum(a * b + c * d) * e * g


CASES.add(many_params, V, VP, V, VP, kwargs={"g": 3.0}, wrt=(0, 3, "g"))


def called_by_keyword(x, w):
    return np.sum(np.sin(x) * w)


CASES.add(called_by_keyword, kwargs={"x": V, "w": VP}, wrt="x", name="positional_params_called_by_keyword")
CASES.add(called_by_keyword, V, kwargs={"w": VP}, wrt=(0, 1), name="mixed_positional_and_keyword_call")


def default_overridden_by_keyword(x, k=2.0):
    return np.sum(x ** k)


CASES.add(default_overridden_by_keyword, VP, kwargs={"k": 3.0}, wrt=(0, "k"), name="default_overridden_by_keyword_wrt")


def keyword_order_reversed(a, b, c):
    return np.sum(a * b ** 2 + c)


CASES.add(keyword_order_reversed, kwargs={"c": V, "b": VP, "a": V3.sum() * np.ones(4)}, wrt=("b", "a"),
          name="keywords_in_reverse_order")


@functools.lru_cache(maxsize=None)
def lru_cached_scalar(s):
    return s ** 3 + np.sin(s)


CASES.add(lru_cached_scalar, S, name="lru_cache_decorated")


@functools.cache
def cached_scalar_two(s, k):
    return np.exp(s * k)


CASES.add(cached_scalar_two, S, 2.0, name="functools_cache_decorated")


@np.vectorize
def vectorized_python_function(v):
    return v ** 2 + 1.0


CASES.add(lambda x: np.sum(vectorized_python_function(x)), V, name="np_vectorize_decorated_helper")


class _Counting:
    """A decorator class that counts calls and forwards (not functools.wraps)."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args) * 1.0


@_Counting
def class_decorated(x):
    return np.sum(np.tanh(x) ** 2)


CASES.add(class_decorated, V, name="class_based_decorator")


def float32_constant_argument(x, w32):
    return np.sum(np.sin(x * w32))


CASES.add(float32_constant_argument, V, np.array([0.5, 1.5, -2.0, 0.25], dtype=np.float32))


def int_exponent_wrt(x, n):
    return np.sum(x ** n)


CASES.add(int_exponent_wrt, VP, 2, wrt=(0, 1), name="int_scalar_exponent_wrt")


def int_zero_d_array_wrt(x):
    return np.sum(np.exp(x * 0.5))


CASES.add(int_zero_d_array_wrt, np.array(2), name="int_0d_array_wrt")


def bool_flag_argument(x, flag):
    return np.sum(x ** 2) * (2.0 if flag else 1.0)


CASES.add(bool_flag_argument, V, True, name="bool_flag_non_differentiated")


def numpy_int_argument(x, k):
    return np.sum(x * k) + np.sum(np.roll(x, k))


CASES.add(numpy_int_argument, V, np.int64(2), name="numpy_int_non_differentiated")


_SHARED = np.array([0.3, -0.8, 1.1, 0.45])


def same_array_passed_twice(x, y):
    return np.sum(x * np.sin(y)) + np.sum(y ** 2)


CASES.add(same_array_passed_twice, _SHARED, _SHARED, wrt=(0, 1), name="same_array_object_for_two_arguments")


def argument_is_view_of_other(x, tail):
    return np.sum(x[:3] * tail) + np.sum(tail ** 2)


_BASE = np.array([0.3, -0.8, 1.1, 0.45])
CASES.add(argument_is_view_of_other, _BASE, _BASE[1:], wrt=(0, 1), name="argument_is_a_view_of_another")
