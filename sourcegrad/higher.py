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
from .tree import is_tree

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


def jacobian(f, wrt=0, mode="auto", engine="auto", entry="jacobian"):
    """A function of ``f``'s arguments returning the Jacobian of ``f`` with respect to argument(s) ``wrt``: an
    array of shape ``output.shape + argument.shape`` (a tuple of them for a tuple ``wrt``).

    ``mode``: "rev" (one vjp per output element), "fwd" (one jvp per input element) or "auto" ("fwd" where the
    output has over three times as many elements as the inputs: a jvp costs about three vjps). ``engine`` ("auto", "source", "tape") as ``grad``'s ``mode``; ``mode="source"``/``"tape"`` is accepted
    as a shorthand. Forward mode on the tape assembles each jvp from vjps, so "rev" is the tape's choice.
    (``entry``: the name errors give the caller, "hessian" for ``sg.hessian``.)"""
    from .api import GradientFunction, check_array_output, fresh_copies

    engine, direction = _engine_and_direction(mode, engine)
    made_here(f, entry)
    probe = GradientFunction(f, wrt, mode=engine, verify=False)   # resolves wrt and checks f once
    if probe._variadic:
        raise TypeError(f"sg.{entry} of {probe.__name__}: functions taking *args/**kwargs are not supported; write "
                        "it with named parameters (sg.grad, sg.vjp and sg.jvp take such functions)")
    single = probe._single
    # jvp takes all the parameters as positional primals: "fwd" calls (the function behind a partial or a method)
    # with its keyword-only parameters by keyword
    forward_f = _positional(probe._target, probe) if probe._kwonly or probe._prefix or probe._fixed else f

    def jacobian_fn(*args, **kwargs):
        bound = fresh_copies(probe._bind(args, kwargs))   # every run on copies (api.fresh_copies)
        points = [bound[i] for i in probe._wrt_index]
        check_arrays(points, probe.wrt, probe.__name__, entry)
        value = f(*fresh_copies(args), **dict(zip(kwargs, fresh_copies(kwargs.values()))))
        check_array_output(value, probe.__name__, "jacobian")
        out_size, in_size = int(np.size(value)), sum(int(np.size(p)) for p in points)
        # a jvp costs about three vjps here (forward mode is the transpose of the vjp): "fwd" pays only then
        use = direction if direction != "auto" else ("fwd" if 3 * in_size < out_size and engine != "tape" else "rev")
        if use == "rev":
            blocks = _jacobian_rev(probe, bound, value, points)
        else:
            blocks = _jacobian_fwd(forward_f, probe, bound, engine, value, points)
        blocks = [_scalar_block(b, p, value) if np.ndim(b) == 0 else b for b, p in zip(blocks, points)]
        return blocks[0] if single else tuple(blocks)

    jacobian_fn.__sourcegrad_jacobian__ = True
    jacobian_fn.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    jacobian_fn.__doc__ = f"The Jacobian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jacobian_fn


def _jacobian_rev(gradient, bound, value, points):
    """The Jacobian blocks from one vjp per output element (the GradientFunction ``gradient``, seeded)."""
    from .api import fresh_copies

    out_shape = np.shape(value)
    blocks = [np.zeros(out_shape + np.shape(p), dtype=_float_dtype(p)) for p in points]
    for k in range(int(np.size(value))):
        seed = np.zeros(out_shape)
        seed.reshape(-1)[k] = 1.0
        rows = gradient._value_and_grads(fresh_copies(bound), {}, seed=seed if out_shape else 1.0, prebound=True)[1]
        rows = rows if isinstance(rows, tuple) else (rows,)
        for block, row in zip(blocks, rows):
            block.reshape((-1,) + np.shape(row))[k] = row
    return blocks


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
        blocks.append(block)
    return blocks


def made_here(f, entry):
    """A TypeError if ``f`` is a function ``sg.jacobian`` or ``sg.hessian`` made (it is no code either engine
    differentiates again)."""
    if getattr(f, "__sourcegrad_jacobian__", False):
        raise TypeError(f"sg.{entry} of {f.__name__}, a Jacobian or Hessian function, is not supported: nest "
                        "sg.grad for higher derivatives (sg.jacobian(sg.grad(f)) is the Hessian; "
                        "sg.grad(sg.grad(sg.grad(f))) a third derivative)")


def _scalar_block(block, point, value):
    """The derivative of a scalar output with respect to a scalar argument, typed as ``sg.grad`` types it: a 0-d
    array for a 0-d array (argument or output), a NumPy float (float32 stays float32) for one, else a float."""
    if isinstance(point, np.ndarray) or isinstance(value, np.ndarray):
        return np.asarray(block, dtype=_float_dtype(point))
    if isinstance(point, np.floating):
        return type(point)(block)
    return float(block)


def check_arrays(points, names, fname, entry):
    """A TypeError naming ``entry`` unless each of ``points`` (the arguments differentiated) is a number or an
    array: Jacobians, Hessians and hvps with respect to structures (lists, dicts...) are not supported."""
    from .api import _promote

    for point, name in zip(points, names):
        if isinstance(point, (list, tuple, dict)) or is_tree(point):
            raise TypeError(
                f"sg.{entry} of {fname} with respect to {name!r}: it is a {type(point).__name__}; sg.{entry} "
                "takes floats and arrays (structures, which sg.grad takes, are not supported here). Pass the "
                "leaves as separate arguments, or one array of them (np.concatenate)")
        _promote(point, name, fname)


def _positional(f, probe):
    """A plain function of all of ``probe``'s parameters (those a partial or a method binds too), positional,
    calling ``f`` with its keyword-only ones by keyword: written as source, so that source mode differentiates
    through it."""
    params = list(probe._params)
    taken = set(params)
    call = fresh_name("function", taken)
    passed = ", ".join(f"{n}={n}" if n in probe._kwonly else n for n in params)
    text = f"def positional({', '.join(params)}):\n    return {call}({passed})\n"
    return function_from_text(text, {call: f}, f"<sourcegrad positional {probe.__name__} {id(f):x}>")


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
    jac = jacobian(inner, wrt=wrt, mode="rev", engine=mode, entry="hessian")
    jac.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    jac.__doc__ = f"The Hessian of {getattr(f, '__name__', 'f')} with respect to {wrt!r}."
    return jac


def hvp(f, x, v, mode="auto"):
    """The Hessian of the scalar function ``f`` at ``x`` times ``v`` (same shape as ``x``), without forming the
    Hessian: one vjp of the generated gradient (Hessians are symmetric); on the tape, the gradient of
    ``<grad f(x), v>``."""
    from .api import fresh_copies, grad, vjp

    check_arrays((x,), ("x",), getattr(f, "__name__", "f"), "hvp")
    if isinstance(v, (list, tuple)):
        v = np.asarray(v, dtype=_float_dtype(x))
    if np.shape(v) != np.shape(x):
        raise ValueError(f"hvp needs v of x's shape {np.shape(x)}, got {np.shape(v)}")
    x, = fresh_copies((x,))   # (x itself never updated)
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

    if isinstance(wrt, (tuple, list)) and len(wrt) == 1:   # one gradient, not a 1-tuple source mode cannot unpack
        wrt, weights = wrt[0], weights[0]
    inner = GradientFunction(f, wrt, mode="auto")
    single = inner._single
    if inner._variadic:
        raise UnsupportedError("second-order checks need a function with named parameters (no *args or **kwargs)")
    parameters = list(inner._user_signature().parameters.values())   # (a partial's or a method's: the caller's)
    taken = {p.name for p in parameters} | {"np"}
    params, passed, defaults = [], [], {}
    for p in parameters:
        if p.kind == p.KEYWORD_ONLY and "*" not in params:
            params.append("*")
        if p.default is p.empty:
            params.append(p.name)
        else:
            default = fresh_name(f"default_{p.name}", taken)
            defaults[default] = p.default
            params.append(f"{p.name}={default}")
        passed.append(f"{p.name}={p.name}" if p.kind == p.KEYWORD_ONLY else p.name)
        if p.kind == p.POSITIONAL_ONLY and (p is parameters[-1] or parameters[parameters.index(p) + 1].kind
                                            != p.POSITIONAL_ONLY):
            params.append("/")
    names = [fresh_name(f"gradient_{n}", taken) for n in inner.wrt]
    weight_names = [fresh_name(f"direction_{n}", taken) for n in inner.wrt]
    call = fresh_name("first_order", taken)
    unpack = names[0] if single else ", ".join(names) + ("," if len(names) == 1 else "")
    terms = " + ".join(f"np.sum({g} * {w})" for g, w in zip(names, weight_names))
    fname = getattr(f, "__name__", "f")
    fname = fname if fname.isidentifier() else "f"
    text = (f"def along_gradient_of_{fname}({', '.join(params)}):\n"
            f"    {unpack} = {call}({', '.join(passed)})\n"
            f"    return {terms}\n")
    namespace = {"np": np, call: inner, **defaults, **dict(zip(weight_names, (weights,) if single else weights))}
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
    scope = {"__builtins__": builtins, **namespace}
    exec(module, scope)          # (running the def gives the function its default values)
    return scope[code.co_name]


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
    missing = []     # (name, helper)
    for var, cell in zip(code.co_freevars, function.__closure__ or ()):
        value = cell.cell_contents
        if (getattr(value, "__module__", None) or "").startswith("sourcegrad") and not isinstance(value, type(np)):
            # (zeros_like makes a buffer the code writes items into, which the tape does not follow into a new array)
            if value is not helpers.zeros_like and callable(value) and is_nondifferentiable(value):
                cell = types.CellType(functools.partial(apply, value))
            elif value is not helpers.zeros_like and callable(value) and lookup_vjp(value) is not None:
                cell = types.CellType(functools.partial(_record, value, _without_derivative(lookup_vjp(value))))
            else:
                missing.append((var, value))
        cells.append(cell)
    missing += [(n, function.__globals__[n]) for n in code.co_names
                if (getattr(function.__globals__.get(n), "__module__", None) or "").startswith("sourcegrad")
                and not isinstance(function.__globals__.get(n), type(np))]
    if missing:
        from .rules.adjoint_helpers import rules_calling

        rules = sorted({r for _, helper in missing if helper is not helpers.zeros_like for r in rules_calling(helper)})
        raise UnsupportedError(
            f"higher-order derivatives: the generated gradient of {name} calls sourcegrad's helper function(s) "
            f"{', '.join(sorted({n for n, _ in missing}))}, which the tape cannot record (no derivative rule, or a "
            "buffer written item by item), so the tape cannot run it; with mode='auto' or 'tape' the tape "
            "differentiates the function itself, recording its own backward pass"
            + (f"; the derivative rule of {', '.join(rules[:6])} stays first order" if rules else ""))
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
    loop = any(word in exc.reason for word in (".pop()", "stack", "added_into"))
    hint = ("Gradients of loops (whose adjoints keep stacks) are not differentiated again in source mode yet; "
            if loop else "") + "mode='auto' runs the generated gradient on the tape where it can."
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
