"""Pickling a gradient function by reference, for worker processes (``multiprocessing``,
``concurrent.futures``, Dask).

Generated code is compiled in memory and holds closure cells, so it is never pickled: what travels is
the user's function (pickled the usual way: by module and name, or by value with cloudpickle, which Dask
uses), ``wrt``, the mode, and whether it returns the value too. The receiving process builds its own
gradient from those on first use, so it always runs code generated from the function it has.
"""

import sys


def reduce_gradient(gradient):
    """``GradientFunction.__reduce__``: the global name of a decorated function (``@sg.grad def f``, whose
    module attribute is the gradient function itself), else ``rebuild`` and its arguments."""
    if importable(getattr(gradient, "__module__", None) or "", gradient.__qualname__) is gradient:
        return gradient.__qualname__
    wrt = tuple(int(name[5:-1]) if name.startswith("args[") else name for name in gradient.wrt)
    return rebuild, (gradient.func, wrt[0] if gradient._single else wrt, gradient.requested_mode,
                     gradient.with_value, gradient.verify)


def rebuild(func, wrt, mode, with_value, verify):
    """The gradient function of ``func`` again (the other side of ``reduce_gradient``)."""
    from .api import GradientFunction

    return GradientFunction(func, wrt, mode, with_value=with_value, verify=verify)


def importable(module_name, qualname):
    """The object ``module_name.qualname`` names now (in an imported module), or None."""
    obj = sys.modules.get(module_name)
    if obj is None or not qualname:
        return None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
