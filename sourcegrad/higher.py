"""Higher order in source mode: a gradient function as plain Python code the transformer reads again.

``sg.grad(sg.grad(f))`` and a call of a gradient function inside a function being differentiated both need the
inner gradient as a Python function with source. ``transformable`` builds it: the generated adjoint of the inner
gradient, written without the memory pass (no ``del``, no in-place ``+=``) and returning the gradient alone. Every
runtime helper that code calls has a derivative rule in the one table (``rules/adjoint_helpers.py``); a helper
without one makes the transformer decline with an error naming the first-order rule that emitted it.
"""

import builtins
import functools
import keyword
import linecache
import types
import weakref

import numpy as np

from .errors import UnsupportedError
from .transforms import build_gradient

_BUILT = weakref.WeakKeyDictionary()   # the inner function -> {(wrt, kinds, seeded): Generated}
_MADE = weakref.WeakKeyDictionary()    # f -> {(wrt, mode): GradientFunction} for sg.grad(f) called in place


def gradient_of(f, wrt=0, mode="auto"):
    """``sg.grad(f, wrt, mode)``, one object per ``(f, wrt, mode)``: what ``sg.grad(f)(x)`` inside a function being
    differentiated stands for."""
    from .api import grad

    key = (tuple(wrt) if isinstance(wrt, list) else wrt, mode)
    try:
        made = _MADE.setdefault(f, {})
    except TypeError:        # not weakly referable: made anew
        return grad(f, wrt=wrt, mode=mode)
    if key not in made:
        made[key] = grad(f, wrt=wrt, mode=mode)
    return made[key]


def transformable(gradient, kinds=None, seeded=False):
    """The Python function ``(*args) -> gradient(s)`` behind the GradientFunction ``gradient``, generated as
    source the transformer can differentiate again: for arguments of ``kinds`` (a tuple in parameter order), or
    of any kind (None). ``seeded``: the vjp, taking the output's adjoint as its last argument."""
    name = gradient.__name__
    if gradient.requested_mode == "tape":
        raise UnsupportedError(
            f"higher-order derivatives: the gradient of {name} uses mode='tape', which source mode cannot read as "
            "code; differentiate it in mode='tape' or 'auto' (the tape records its own backward pass), or take the "
            "inner gradient in source mode")
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

    ``mode``: "rev" (one vjp per output element), "fwd" (one jvp per input element) or "auto" ("fwd" where the
    output has over three times as many elements as the inputs: a jvp costs about three vjps). ``engine`` ("auto", "source", "tape") as ``grad``'s ``mode``; ``mode="source"``/``"tape"`` is accepted
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
        # a jvp costs about three vjps here (forward mode is the transpose of the vjp): "fwd" pays only then
        use = direction if direction != "auto" else ("fwd" if 3 * in_size < out_size and engine != "tape" else "rev")
        if use == "rev":
            blocks = _jacobian_rev(probe, bound, value, points)
        else:
            blocks = _jacobian_fwd(f, probe, bound, engine, value, points)
        return blocks[0] if single else tuple(blocks)

    jacobian_fn.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    jacobian_fn.__doc__ = f"The Jacobian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jacobian_fn


def _jacobian_rev(gradient, bound, value, points):
    """The Jacobian blocks from one vjp per output element (the GradientFunction ``gradient``, seeded)."""
    out_shape = np.shape(value)
    blocks = [np.zeros(out_shape + np.shape(p), dtype=_float_dtype(p)) for p in points]
    for k in range(int(np.size(value))):
        seed = np.zeros(out_shape)
        seed.reshape(-1)[k] = 1.0
        rows = gradient._value_and_grads(bound, {}, seed=seed if out_shape else 1.0, prebound=True)[1]
        rows = rows if isinstance(rows, tuple) else (rows,)
        for block, row in zip(blocks, rows):
            block.reshape((-1,) + np.shape(row))[k] = row
    return [b if b.ndim else float(b) for b in blocks]


def _jacobian_fwd(f, probe, bound, engine, value, points):
    from .forward import jvp

    out_shape = np.shape(value)
    blocks = []
    for position, point in zip(probe._wrt_index, points):
        block = np.zeros(out_shape + np.shape(point), dtype=_float_dtype(point))
        columns = block.reshape(out_shape + (-1,))
        for j in range(int(np.size(point))):
            tangent = np.zeros(np.shape(point))
            tangent.reshape(-1)[j] = 1.0
            _, column = jvp(f, tuple(bound), (tangent if np.ndim(point) else 1.0,), wrt=position, mode=engine)
            columns[..., j] = column
        blocks.append(block if block.ndim else float(block))
    return blocks


def _float_dtype(x):
    """float32 for a float32 argument (its derivatives stay float32), else float64."""
    dtype = np.result_type(x)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def hessian(f, wrt=0, mode="auto"):
    """A function of ``f``'s arguments returning the Hessian of the scalar ``f`` with respect to argument
    ``wrt``: shape ``x.shape + x.shape``. Source mode differentiates the generated gradient again ("auto" falls
    back to running the generated gradient on the tape); the tape differentiates its own recorded backward pass."""
    from .api import grad

    if isinstance(wrt, (tuple, list)):
        raise UnsupportedError("hessian takes one argument to differentiate with respect to (wrt=0 or a name); "
                               "for mixed second derivatives, nest sg.grad with different wrt")
    inner = grad(f, wrt=wrt, mode=mode)
    jac = jacobian(inner, wrt=wrt, mode="rev", engine=mode)
    jac.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    jac.__doc__ = f"The Hessian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jac


def hvp(f, x, v, mode="auto"):
    """The Hessian of the scalar function ``f`` at ``x`` times ``v`` (same shape as ``x``), without forming the
    Hessian: one vjp of the generated gradient (Hessians are symmetric); on the tape, the gradient of
    ``<grad f(x), v>``."""
    from .api import grad, vjp

    if np.shape(v) != np.shape(x):
        raise ValueError(f"hvp needs v of x's shape {np.shape(x)}, got {np.shape(v)}")
    if mode == "tape":   # the gradient of <grad f(x), v>: one recorded backward pass and its backward pass
        inner = grad(f, mode="tape")
        return grad(lambda x: np.sum(inner(x) * v), mode="tape")(x)
    _, vjp_fn = vjp(grad(f, mode=mode), x, mode=mode)
    return vjp_fn(v)


def directional_gradient(f, wrt, weights):
    """A plain Python function with ``f``'s parameters returning ``sum_k <grad_k f(args), weights[k]>`` (the
    gradient of ``f`` with respect to each of ``wrt``, in the fixed direction ``weights``), written as source so
    that either engine can differentiate it: its gradient is the Hessian of ``f`` times ``weights``. It calls the
    first-order gradient of ``f`` (auto mode), so finite differences of it are finite differences of that
    gradient. ``check_grad(..., order=2)`` checks second derivatives with it."""
    from .api import GradientFunction

    inner = GradientFunction(f, wrt, mode="auto")
    single = inner._single
    params = list(inner._user_params)
    if inner._variadic or inner._kwonly:
        raise UnsupportedError("second-order checks need a function with plain positional parameters (no *args, "
                               "**kwargs or keyword-only parameters)")
    taken = set(params) | {"np"}
    names = [fresh_name(f"gradient_{n}", taken) for n in inner.wrt]
    weight_names = [fresh_name(f"direction_{n}", taken) for n in inner.wrt]
    call = fresh_name("first_order", taken)
    unpack = names[0] if single else ", ".join(names) + ("," if len(names) == 1 else "")
    terms = " + ".join(f"np.sum({g} * {w})" for g, w in zip(names, weight_names))
    fname = getattr(f, "__name__", "f")
    fname = fname if fname.isidentifier() else "f"
    text = (f"def along_gradient_of_{fname}({', '.join(params)}):\n"
            f"    {unpack} = {call}({', '.join(params)})\n"
            f"    return {terms}\n")
    namespace = {"np": np, call: inner, **dict(zip(weight_names, (weights,) if single else weights))}
    return function_from_text(text, namespace, f"<sourcegrad second order {fname} {id(inner):x}>")


def fresh_name(name, taken):
    """``name``, with underscores added until it is none of ``taken`` (nor a keyword); added to ``taken``."""
    while name in taken or keyword.iskeyword(name):
        name += "_"
    taken.add(name)
    return name


def function_from_text(text, namespace, filename):
    """The function defined by the one ``def`` in ``text``, reading globals from ``namespace``, its lines
    registered with linecache under ``filename`` (so source mode, tracebacks and inspect read them)."""
    module = compile(text, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return types.FunctionType(code, {"__builtins__": builtins, **namespace}, code.co_name)


_ON_TAPE = weakref.WeakKeyDictionary()   # generated function -> its version recording helper calls on the tape


def on_the_tape(function, name):
    """The generated gradient ``function`` made runnable on Tensors (the tape differentiating it): each runtime
    helper it calls through a closure cell is replaced by a function recording the call as one operation through
    the helper's rule (``rules/adjoint_helpers.py``). Raises UnsupportedError naming what has no rule."""
    from .rules.registry import is_nondifferentiable, lookup_vjp
    from .runtime import helpers
    from .tape import apply

    cached = _ON_TAPE.get(function)
    if cached is not None:
        return cached
    code = function.__code__
    cells = []
    missing = []
    for var, cell in zip(code.co_freevars, function.__closure__ or ()):
        value = cell.cell_contents
        if (getattr(value, "__module__", None) or "").startswith("sourcegrad") and not isinstance(value, type(np)):
            # (zeros_like makes a buffer the code writes items into, which the tape does not follow into a new array)
            if value is not helpers.zeros_like and callable(value) and is_nondifferentiable(value):
                cell = types.CellType(functools.partial(apply, value))
            elif value is not helpers.zeros_like and callable(value) and lookup_vjp(value) is not None:
                cell = types.CellType(functools.partial(_record, value, _without_derivative(lookup_vjp(value))))
            else:
                missing.append(var)
        cells.append(cell)
    missing += [n for n in code.co_names if (getattr(function.__globals__.get(n), "__module__", None) or "")
                .startswith("sourcegrad") and not isinstance(function.__globals__.get(n), type(np))]
    if missing:
        raise UnsupportedError(
            f"higher-order derivatives: the generated gradient of {name} calls sourcegrad's helper function(s) "
            f"{', '.join(sorted(set(missing)))}, which the tape cannot record (no derivative rule, or a buffer written "
            "item by item), so the tape cannot run it; with mode='auto' or 'tape' the tape differentiates the function "
            "itself, recording its own backward pass")
    runnable = types.FunctionType(code, function.__globals__, function.__name__, function.__defaults__, tuple(cells))
    _ON_TAPE[function] = runnable
    return runnable



def _record(helper, constant, *args):
    """Record ``helper(*args)`` on the tape through its rule; the arguments its rule gives no derivative for (shapes,
    indices) are passed as plain values."""
    from .tape import Tensor, apply

    args = [a.value if i in constant and isinstance(a, Tensor) else a for i, a in enumerate(args)]
    return apply(helper, *args)


def _without_derivative(rule):
    """The positions of the arguments ``rule`` returns None for, read from its ``return`` statement."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(rule.fn)))
    returned = [n for n in ast.walk(tree) if isinstance(n, ast.Return)][-1].value
    items = returned.elts if isinstance(returned, ast.Tuple) else [returned]
    return frozenset(i for i, e in enumerate(items) if isinstance(e, ast.Constant) and e.value is None)


def again_error(exc, gradient):
    """``exc`` (raised transforming the generated gradient of ``gradient`` again) saying so: an UnsupportedError
    (a first-order rule, or a construct of generated code source mode does not differentiate again, such as the
    stacks a loop's adjoint keeps) at the same place."""
    if exc.reason.startswith("higher-order derivatives"):
        return exc
    reason = (f"higher-order derivatives: source mode cannot differentiate the generated gradient of "
              f"{gradient.__name__} again: {exc.reason}")
    hint = ("Gradients of loops (whose adjoints keep stacks) are not differentiated again in source mode yet; "
            "mode='auto' runs the generated gradient on the tape where it can.")
    return UnsupportedError(reason, exc.filename, exc.lineno, exc.col, exc.line, hint)


_TRANSPOSED = weakref.WeakKeyDictionary()   # a jvp rule -> the GradientFunction of it in its tangent


def vjp_from_jvp(rule, g, ans, x, *rest, **kwargs):
    """The vjp ``J^T g`` of a primitive of one argument that has only a forward rule ``rule(t, ans, x, ...)``
    (``J t``, linear in ``t``): the gradient of ``<rule(t, ans, x, ...), g>`` with respect to ``t``, by
    differentiating the rule (its source, or on the tape)."""
    from .api import GradientFunction

    gradient = _TRANSPOSED.get(rule)
    if gradient is None:
        gradient = _TRANSPOSED[rule] = GradientFunction(rule, wrt=0, mode="auto", verify=False)
    t = np.zeros(np.shape(x), dtype=_float_dtype(x)) if np.ndim(x) else 0.0
    bound = gradient._bind((t, ans, x) + rest, kwargs)
    return gradient._value_and_grads(bound, {}, seed=g, prebound=True)[1]
