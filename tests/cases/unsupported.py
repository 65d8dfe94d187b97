"""Functions source mode must refuse, each with the offending line marked ``# <- error``."""

import numpy as np


COUNTER = 0


def with_global(x):
    global COUNTER  # <- error
    COUNTER += 1
    return x * 2


def with_raise(x):
    if x < 0:
        raise ValueError("negative")  # <- error
    return x * 2


def with_while(a):
    x = a
    while abs(x * x - a) > 1e-12:
        with np.errstate(all="ignore"):  # <- error
            x = 0.5 * (x + a / x)
    return x


def with_comprehension(x):
    return sum({x * i for i in range(3)})  # <- error


def with_try(x):
    try:  # <- error
        return x * 2
    except ValueError:
        return x


def with_nested_def(x):
    def inner(z):  # <- error
        return z * 2
    return inner(x)


def assign_into_array(x):
    y = x * 2
    z = y
    z[0] = 5.0  # <- error
    return np.sum(y)


def augassign_into_array(x):
    y = np.sin(x)
    x[0] += 1.0  # <- error
    return np.sum(y * x)


def aliased_inplace(x):
    y = x * 2
    z = y
    z += x  # <- error
    return np.sum(y * z)


def no_rule(x):
    return np.sum(np.fft.fft(x).real)  # <- error


def no_rule_builtin(x):
    return sum([x, x])  # <- error


def no_rule_method(x):
    return x.tolist()[0]  # <- error


def recursive(x):
    return recursive(x * 0.5)  # <- error


def returns_nothing(x):  # <- error
    y = x * 2


def code_after_return(x):
    return x * 2
    y = x  # <- error


def returns_tuple(x):
    return x * 2, x * 3  # <- error


def returns_vector(x):
    return x * 2


def star_args(x, *rest):  # <- error
    return x * 2
