"""Forward mode: Jacobian-vector products from the one rule table.

There is no second table of forward rules to drift from the reverse ones. A vjp ``u -> J^T u`` is linear in
``u``, so the reverse derivative of ``L(u) = <J^T u, t>`` with respect to ``u`` is ``J t`` (the "double vjp").
In source mode that is ordinary higher order: the seeded adjoint of ``f`` is generated as transformable code
(``higher.transformable(..., seeded=True)``), a one-line function ``L`` calls it, and ``L``'s gradient with respect to the
seed is generated from the same rules (plus the rules of the runtime helpers, ``rules/adjoint_helpers.py``).
A user's ``sg.jvp_rule`` for the function itself is used as it is (and a primitive of one argument with only
a forward rule gets a vjp rule transposing it: ``registry._derive_vjp``). On the tape (which does not record its own
backward pass yet) ``J t`` is assembled from one vjp per element of the output.
"""

import weakref

import numpy as np

from .errors import TransformError, UnsupportedError

_LINEAR = weakref.WeakKeyDictionary()   # seeded vjp function -> (L, its parameters, {kinds: Generated of L})
ENGINES = ("auto", "source", "tape")


def jvp(f, primals, tangents, mode="auto", wrt=None):
    """``(f(*primals), J t)``: the value of ``f`` and its Jacobian (with respect to all of ``primals``) times
    ``tangents``, one tangent per primal, each of its primal's shape.

    ``mode``: "source" (generated code: the transpose of the generated vjp), "tape" (one vjp per element of the
    output, so for small outputs), or "auto" (source, else one vjp per output element, in source mode where it
    can, else on the tape). ``wrt`` (positions in ``primals``): differentiate with respect to those only, with one
    tangent for each; the other primals are constants (an ``axis``, a string...)."""
    from .api import fresh_copies
    from .higher import made_here
    from .rules.registry import JVP_RULES

    if mode not in ENGINES:
        raise ValueError(f"mode must be one of {ENGINES}, not {mode!r}")
    made_here(f, "jvp")
    if not isinstance(primals, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples: sg.jvp(f, (x,), (v,))")
    wrt = tuple(range(len(primals))) if wrt is None else (wrt,) if isinstance(wrt, int) else tuple(wrt)
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(primals) for i in wrt):
        raise ValueError(f"wrt must hold positions in primals (0 to {len(primals) - 1}), not {wrt!r}")
    _, tangents = _check_pairs([primals[i] for i in wrt], tangents)
    primals = tuple(primals)
    try:
        rule = JVP_RULES.get(f)
    except TypeError:
        rule = None
    # every run of f (here and in the vjps) on copies of the primals: the caller's arrays are never updated, and a
    # function updating its argument in place is differentiated at the point given
    if rule is not None and len(wrt) == len(primals):     # the user's forward rule for f itself wins
        value = f(*fresh_copies(primals))
        return value, rule(tangents if len(tangents) > 1 else tangents[0], value, *primals)
    if mode != "tape":
        try:
            return _jvp_source(f, primals, tangents, wrt)
        except (TransformError, UnsupportedError):
            if mode == "source":
                raise
    return jvp_by_vjps(f, fresh_copies(primals), tangents, wrt, mode=mode)


def _check_pairs(primals, tangents):
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples: sg.jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp needs one tangent per primal: {len(primals)} primals, {len(tangents)} tangents")
    if not primals:
        raise ValueError("jvp needs at least one primal")
    for i, (p, t) in enumerate(zip(primals, tangents)):
        if np.shape(p) != np.shape(t):
            raise ValueError(f"tangent {i} has shape {np.shape(t)} but its primal has shape {np.shape(p)}")
    return tuple(primals), tuple(tangents)


def _jvp_source(f, primals, tangents, wrt):
    from .api import check_array_output, fresh_copies
    from .kinds import kind_of

    gradient = _gradient_for(f, wrt)
    if gradient._variadic:
        raise UnsupportedError(f"forward mode in source mode: {gradient.__name__} takes *args/**kwargs, which source "
                               "mode does not transform; write it with named parameters")
    bound = gradient._bind(fresh_copies(primals), {})
    args = gradient._promoted(bound, tuple(map(type, bound)))
    kinds = tuple(map(kind_of, args))
    value = f(*fresh_copies(primals))
    check_array_output(value, gradient.__name__, "jvp")
    seed = np.zeros(np.shape(value), dtype=np.result_type(float, value)) if np.ndim(value) else 0.0
    promoted_tangents = [np.asarray(t, dtype=np.result_type(float, t)) if np.ndim(t) else float(t) for t in tangents]
    every_kind = kinds + (kind_of(seed),) + tuple(map(kind_of, promoted_tangents))
    linear = _linear_function(gradient, kinds, every_kind)
    _, out = linear.function(*args, seed, *promoted_tangents)
    return value, _like_output(out, value)


_GRADIENTS = weakref.WeakKeyDictionary()   # f -> {wrt: GradientFunction in source mode}


def _gradient_for(f, wrt):
    from .api import GradientFunction

    try:
        made = _GRADIENTS.setdefault(f, {})
    except TypeError:   # not weakly referable
        return GradientFunction(f, wrt=wrt, mode="source", verify=False)
    if wrt not in made:
        made[wrt] = GradientFunction(f, wrt=wrt, mode="source", verify=False)
    return made[wrt]


def _like_output(out, value):
    """The tangent ``out`` with the type and shape of the output ``value``."""
    if isinstance(value, np.floating):
        return type(value)(out)
    if isinstance(value, float) or np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return float(out)
    return np.asarray(out, dtype=_float_dtype(value)).reshape(np.shape(value))


def _float_dtype(value):
    """float32 for a float32 output (its tangent stays float32, as in JAX and PyTorch), else float64."""
    dtype = np.result_type(value)
    return dtype if dtype == np.float32 else np.dtype(np.float64)


def _linear_function(gradient, kinds, every_kind):
    """The Generated gradient, with respect to the seed ``u``, of ``L(args, u, t) = <vjp(args, u), t>``, for
    arguments of ``every_kind`` (those of ``f``'s arguments, of the seed, of the tangents: the output's shape need not
    follow from the arguments' kinds, so the seed's kind is part of the key)."""
    from .higher import transformable
    from .transforms import build_gradient

    vjp_function = transformable(gradient, kinds, seeded=True)
    entry = _LINEAR.get(vjp_function)
    if entry is None:
        entry = _LINEAR[vjp_function] = _write_linear(gradient, vjp_function) + ({},)
    function, names, built = entry
    generated = built.get(every_kind)
    if generated is None or not generated.is_current():
        known = {n: k for n, k in zip(names, every_kind) if k is not None}
        generated = built[every_kind] = build_gradient(function, (names[len(kinds)],), known)
    return generated


def _write_linear(gradient, vjp_function):
    """``(function, parameter names)``: ``L(*args, u, *tangents)`` calling the seeded vjp, as Python source."""
    from .higher import fresh_name, function_from_text

    params = list(gradient._params)
    taken = set(params)
    seed = fresh_name("u", taken)
    tangent_names = [fresh_name(f"t_{name}", taken) for name in gradient.wrt]
    grads = [fresh_name(f"g_{name}", taken) for name in gradient.wrt]
    helper = fresh_name("vjp", taken)
    terms = " + ".join(f"np.sum({g} * {t})" for g, t in zip(grads, tangent_names))
    name = gradient.__name__ if gradient.__name__.isidentifier() else "f"
    text = (f"def linear_{name}({', '.join(params + [seed] + tangent_names)}):\n"
            f"    {', '.join(grads)} = {helper}({', '.join(params + [seed])})\n"
            f"    return {terms}\n")
    function = function_from_text(text, {"np": np, helper: vjp_function},
                                  f"<sourcegrad jvp {gradient.__name__} {id(vjp_function):x}>")
    return function, tuple(params + [seed] + tangent_names)


def jvp_by_vjps(f, primals, tangents, wrt, mode="auto"):
    """``(value, J t)`` from one vjp per element of the output (first order only: works on the tape too)."""
    from .api import vjp_of

    value, vjp_fn = vjp_of(f, primals, {}, tuple(wrt), mode, entry="jvp")
    shape = np.shape(value)
    out = np.zeros(shape, dtype=_float_dtype(value))
    flat = out.reshape(-1)
    for k in range(flat.size):
        seed = np.zeros(shape)
        seed.reshape(-1)[k] = 1.0
        rows = vjp_fn(seed if shape else 1.0)
        flat[k] = sum(float(np.sum(np.asarray(r) * np.asarray(t))) for r, t in zip(rows, tangents))
    return value, _like_output(out, value)
