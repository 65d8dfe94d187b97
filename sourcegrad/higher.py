"""Higher order in source mode: a gradient function as plain Python code the transformer reads again.

``sg.grad(sg.grad(f))`` and a call of a gradient function inside a function being differentiated both need the
inner gradient as a Python function with source. ``transformable`` builds it: the generated adjoint of the inner
gradient, written without the memory pass (no ``del``, no in-place ``+=``) and returning the gradient alone. Every
runtime helper that code calls has a derivative rule in the one table (``rules/adjoint_helpers.py``); a helper
without one makes the transformer decline with an error naming the first-order rule that emitted it.
"""

import weakref

import numpy as np

from .errors import UnsupportedError
from .transforms import build_gradient

_BUILT = weakref.WeakKeyDictionary()   # the inner function -> {wrt: Generated}


def transformable(gradient, kinds=None, seeded=False):
    """The Python function ``(*args) -> gradient(s)`` behind the GradientFunction ``gradient``, generated as
    source the transformer can differentiate again: for arguments of ``kinds`` (a tuple in parameter order), or
    of any kind (None). ``seeded``: the vjp, taking the output's adjoint as its last argument."""
    name = gradient.__name__
    if gradient.requested_mode == "tape":
        raise UnsupportedError(
            f"higher-order derivatives: the gradient of {name} uses mode='tape', whose backward pass is not recorded "
            "(higher order on the tape is not available yet); take the inner gradient in source mode")
    if gradient.with_value:
        raise UnsupportedError(
            f"higher-order derivatives: differentiating value_and_grad({name}) is not supported (it returns a "
            "pair); differentiate sg.grad of it instead")
    if gradient._prefix or gradient._fixed or gradient._variadic:
        raise UnsupportedError(
            f"higher-order derivatives: the gradient of {name} binds some arguments (a partial, a method or "
            "*args/**kwargs); source mode differentiates gradients of plain functions only. Write a plain "
            "function of the arguments")
    function = gradient._source_function(kinds)
    built = _BUILT.setdefault(function, {})
    generated = built.get((gradient.wrt, kinds, seeded))
    if generated is None or not generated.is_current():
        generated = build_gradient(function, gradient.wrt, None if kinds is None else dict(zip(gradient._params, kinds)),
                                   seeded=seeded, transformable=True)
        built[(gradient.wrt, kinds, seeded)] = generated
    return generated.function


DIRECTIONS = ("auto", "rev", "fwd")
ENGINES = ("auto", "source", "tape")


def _engine_and_direction(mode, engine):
    """``jacobian``'s ``mode`` names a direction ("rev", "fwd", "auto"); "source" or "tape" there name the engine
    (as ``mode`` does for ``grad``), the direction then being chosen by size."""
    if mode in ENGINES[1:]:
        return mode, "auto"
    if mode not in DIRECTIONS:
        raise ValueError(f"mode must be one of {DIRECTIONS} (or an engine: 'source', 'tape'), not {mode!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    return engine, mode


def jacobian(f, wrt=0, mode="auto", engine="auto"):
    """A function of ``f``'s arguments returning the Jacobian of ``f`` with respect to argument(s) ``wrt``: an
    array of shape ``output.shape + argument.shape`` (a tuple of them for a tuple ``wrt``).

    ``mode``: "rev" (one vjp per output element), "fwd" (one jvp per input element) or "auto" (whichever needs
    fewer). ``engine`` ("auto", "source", "tape") as ``grad``'s ``mode``; ``mode="source"``/``"tape"`` is accepted
    as a shorthand. Forward mode on the tape assembles each jvp from vjps, so "rev" is the tape's choice."""
    from .api import GradientFunction

    engine, direction = _engine_and_direction(mode, engine)
    probe = GradientFunction(f, wrt, mode=engine, verify=False)   # resolves wrt and checks f once
    single = probe._single

    def jacobian_fn(*args, **kwargs):
        bound = probe._bind(args, kwargs)
        points = [bound[i] for i in probe._wrt_index]
        value = f(*args, **kwargs)
        out_size, in_size = int(np.size(value)), sum(int(np.size(p)) for p in points)
        use = direction if direction != "auto" else ("rev" if out_size <= in_size or engine == "tape" else "fwd")
        if use == "rev":
            blocks = _jacobian_rev(f, args, kwargs, probe.wrt, engine, value, points)
        else:
            blocks = _jacobian_fwd(f, probe, bound, engine, value, points)
        return blocks[0] if single else tuple(blocks)

    jacobian_fn.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    jacobian_fn.__doc__ = f"The Jacobian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jacobian_fn


def _jacobian_rev(f, args, kwargs, wrt, engine, value, points):
    from .api import vjp

    _, vjp_fn = vjp(f, *args, wrt=wrt, mode=engine, **kwargs)
    out_shape = np.shape(value)
    blocks = [np.zeros(out_shape + np.shape(p)) for p in points]
    for k in range(int(np.size(value))):
        seed = np.zeros(out_shape)
        seed.reshape(-1)[k] = 1.0
        rows = vjp_fn(seed if out_shape else 1.0)
        rows = rows if isinstance(rows, tuple) else (rows,)
        for block, row in zip(blocks, rows):
            block.reshape((-1,) + np.shape(row))[k] = row
    return [b if b.ndim else float(b) for b in blocks]


def _jacobian_fwd(f, probe, bound, engine, value, points):
    from .forward import jvp

    out_shape = np.shape(value)
    blocks = []
    for position, point in zip(probe._wrt_index, points):
        block = np.zeros(out_shape + np.shape(point))
        columns = block.reshape(out_shape + (-1,))
        for j in range(int(np.size(point))):
            tangent = np.zeros(np.shape(point))
            tangent.reshape(-1)[j] = 1.0
            partial = _fixing_all_but(f, probe._params, bound, position)
            _, column = jvp(partial, (point,), (tangent if np.ndim(point) else 1.0,), mode=engine)
            columns[..., j] = column
        blocks.append(block if block.ndim else float(block))
    return blocks


def _fixing_all_but(f, params, bound, position):
    """``f`` as a function of its ``position``-th argument alone (the others fixed at their bound values)."""
    import functools

    name = params[position]
    others = {n: v for i, (n, v) in enumerate(zip(params, bound)) if i != position}
    return functools.partial(_call_with, f, name, others)


def _call_with(f, name, others, value):
    return f(**{**others, name: value})


def hessian(f, wrt=0, mode="auto"):
    """A function of ``f``'s arguments returning the Hessian of the scalar ``f`` with respect to argument
    ``wrt``: shape ``x.shape + x.shape``. Source mode differentiates the generated gradient again ("auto" falls
    back to running the generated gradient on the tape; "tape" alone cannot, as the tape does not record its own
    backward pass yet)."""
    from .api import grad

    if isinstance(wrt, (tuple, list)):
        raise UnsupportedError("hessian takes one argument to differentiate with respect to (wrt=0 or a name); "
                               "for mixed second derivatives, nest sg.grad with different wrt")
    if mode == "tape":
        raise UnsupportedError(_TAPE_HIGHER)
    inner = grad(f, wrt=wrt, mode=mode)
    jac = jacobian(inner, wrt=wrt, mode="rev", engine=mode)
    jac.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    jac.__doc__ = f"The Hessian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jac


def hvp(f, x, v, mode="auto"):
    """The Hessian of the scalar function ``f`` at ``x`` times ``v`` (same shape as ``x``), without forming the
    Hessian: one vjp of the generated gradient (Hessians are symmetric)."""
    from .api import grad, vjp

    if mode == "tape":
        raise UnsupportedError(_TAPE_HIGHER)
    if np.shape(v) != np.shape(x):
        raise ValueError(f"hvp needs v of x's shape {np.shape(x)}, got {np.shape(v)}")
    _, vjp_fn = vjp(grad(f, mode=mode), x, mode=mode)
    return vjp_fn(v)


_TAPE_HIGHER = ("higher-order derivatives on the tape are not available yet (the tape does not record its own "
                "backward pass); use mode='source' or 'auto', which differentiate the generated gradient")
