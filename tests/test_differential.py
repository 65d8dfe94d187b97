"""Differential testing: random straight-line NumPy programs, differentiated three ways.

Hypothesis writes a random program AS SOURCE TEXT (operators, NumPy functions, reductions, matrix
products, reshapes, slicing, broadcasting, augmented assignment...), saves it as a module file
and imports it (the transformer needs real source), then ``sg.check_grad`` differentiates it in
source mode, in tape mode and by finite differences; all three must agree, and the function
value each engine computes must equal the function's own.

Programs stay away from overflow (every operation has a bound on its result, and operations
whose bound would be large are not chosen) and from non-differentiable points: the module also
gets a ``margins`` function that runs the same statements and returns the distance of every kink
(``np.maximum``, ``np.abs``, ``np.where`` conditions, ``np.clip`` bounds, ``np.max``...) from
its input, and a program whose inputs come closer than ``KINK_MARGIN`` is discarded. Where only
finite differences disagree while the engines agree closely, a second estimate with a smaller step
decides (large high-order derivatives make the standard step's truncation error too big).

Constructs that an engine refuses on purpose (an explicit error, never a wrong answer) are not
generated where they would be refused; each such place is commented below. Bugs the generator
found are pinned at the end of the file as regression tests.

CI runs ~200 programs (derandomized: the same ones every run). For a long hunt::

    pytest --hypothesis-profile=thorough tests/test_differential.py
"""

import importlib.util
import itertools
import math
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sourcegrad as sg
from sourcegrad.runtime.tape import InPlaceError

KINK_MARGIN = 3e-3          # inputs of kinks must stay this far from them (FD steps move them ~1e-4)
MAX_BOUND = 60.0            # no intermediate value may exceed this in absolute value
MAX_LENGTH = 8              # operations per program (some become statements, some are inlined)

# The "thorough" profile (tests/conftest.py) asks for thousands of examples and a random search;
# otherwise each test runs its fixed CI count, derandomized so that CI is deterministic.
THOROUGH = settings.default.max_examples >= 1000


def _settings(ci_examples):
    return settings(
        max_examples=settings.default.max_examples if THOROUGH else ci_examples,
        deadline=None,
        derandomize=not THOROUGH,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------- program representation


class Value:
    """An expression available to later statements: a name, or an inlined expression (text in
    parentheses), with its shape, a bound on |value|, and whether it is an array view."""

    def __init__(self, text, shape, bound, fresh=True, inline=False, names=(), active=True):
        self.text = text
        self.active = active        # depends on an argument being differentiated
        self.shape = tuple(shape)
        self.bound = float(bound)
        self.fresh = fresh          # a new array (or a number): safe to update in place
        self.inline = inline
        self.names = frozenset(names)   # variable names its text reads
        self.used = False
        self.aliased = False        # some view of it exists: in-place updates would show through


class Program:
    def __init__(self, params, wrt, statements, margins, result, seed):
        self.params = params        # [(name, shape)]
        self.wrt = wrt              # tuple of names
        self.statements = statements
        self.margins = margins      # [(index of the statement before which it is evaluated, text)]
        self.result = result
        self.seed = seed

    def function_source(self):
        """The program alone: ``def f(...)``."""
        signature = ", ".join(name for name, _ in self.params)
        body = [f"    {s}" for s in self.statements] + [f"    return {self.result}"]
        return "\n".join([f"def f({signature}):"] + body)

    def source(self):
        """The module: f, margins (same statements, returning the kink distances) and the helpers."""
        signature = ", ".join(name for name, _ in self.params)
        lines = ["import numpy as np", "", "", self.function_source()]
        lines += ["", "", f"def margins({signature}):", "    _m = []"]
        for i, s in enumerate(self.statements + [None]):
            lines += [f"    _m.append({text})" for where, text in self.margins if where == i]
            if s is not None:
                lines.append(f"    {s}")
        lines += ["    return _m", ""]
        lines += [textwrap.dedent(_GAP_HELPER), textwrap.dedent(HELPERS)]
        return "\n".join(lines)

    def inputs(self):
        rng = np.random.default_rng(self.seed)
        out = []
        for _, shape in self.params:
            out.append(float(rng.uniform(-1.5, 1.5)) if shape == () else rng.uniform(-1.5, 1.5, size=shape))
        return out

    def __repr__(self):  # what hypothesis prints for a failing example
        return f"Program(seed={self.seed}, wrt={self.wrt}):\n{self.function_source()}"


_GAP_HELPER = """
    def _gap(a, axis=None, smallest=False):
        # distance between the largest (or smallest) two elements along axis: the kink of max/min
        a = np.asarray(a, dtype=float)
        if axis is None:
            a, axis = a.ravel(), 0
        if a.shape[axis] < 2:
            return np.inf
        s = np.sort(a, axis=axis)
        s = np.moveaxis(s, axis, 0)
        return s[1] - s[0] if smallest else s[-1] - s[-2]
"""

# User helper functions the programs call: source mode inlines them from their source.
HELPERS = """
    def helper_square(u):
        return u * u


    def helper_mix(u, v):
        t = np.tanh(u)
        return t * v + u


    def helper_scale(u, c=2.0):
        return c * u


    def helper_nested(u):
        w = helper_square(np.sin(u))
        return w + 1.0


    def helper_normalize(u):
        return u / np.sqrt(np.sum(u * u) + 1.0)


    def helper_pair(u):
        return np.sin(u), np.cos(u)
"""

CONSTANTS = ["2", "3", "0.5", "-1.5", "2.0"]


def _bcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


# ---------------------------------------------------------------- operations
#
# Each maker gets (draw, pool) and returns None (not applicable) or a dict with the expression
# ``text``, its ``shape`` and ``bound``, the values it reads (``reads``), ``kinks`` (margin
# expressions) and ``fresh`` (False for views).

UNARY = [
    # (template, bound(b), applicable(b) or None)
    ("np.sin({a})", lambda b: 1.0, None),
    ("np.cos({a})", lambda b: 1.0, None),
    ("np.tanh({a})", lambda b: 1.0, None),
    ("np.exp(np.tanh({a}))", lambda b: math.e, None),
    ("np.exp({a})", lambda b: math.exp(b), lambda b: b <= 3.5),
    ("np.log(1 + {a} * {a})", lambda b: math.log1p(b * b), None),
    ("np.log1p({a} ** 2)", lambda b: math.log1p(b * b), None),
    ("np.sqrt({a} * {a} + 0.5)", lambda b: math.sqrt(b * b + 0.5), None),
    ("-{a}", lambda b: b, None),
    ("+{a}", lambda b: b, None),
    ("{a} ** 2", lambda b: b * b, None),
    ("{a} ** 3", lambda b: b ** 3, None),
    ("np.power({a}, 2)", lambda b: b * b, None),
    ("np.square({a})", lambda b: b * b, None),
    ("(1 + {a} * {a}) ** -1", lambda b: 1.0, None),
    ("1 / (1 + {a} ** 2)", lambda b: 1.0, None),
    ("(2 + np.cos({a})) ** 1.5", lambda b: 3 ** 1.5, None),
    ("np.arctan({a})", lambda b: math.pi / 2, None),
    ("np.sinh(np.tanh({a}))", lambda b: math.sinh(1), None),
    ("np.cosh(np.sin({a}))", lambda b: math.cosh(1), None),
    ("np.expm1(np.sin({a}))", lambda b: math.e - 1, None),
    ("np.reciprocal(2 + np.sin({a}))", lambda b: 1.0, None),
    ("np.tan(0.5 * np.tanh({a}))", lambda b: math.tan(0.5), None),
    ("np.sqrt(np.exp({a}))", lambda b: math.exp(b / 2), lambda b: b <= 6),
    ("np.negative({a})", lambda b: b, None),
]

UNARY_KINKED = [
    # (template, bound, [kink templates])
    ("np.abs({a})", lambda b: b, ["np.abs({a})"]),
    ("abs({a})", lambda b: b, ["np.abs({a})"]),
    ("np.absolute({a})", lambda b: b, ["np.abs({a})"]),
    ("np.clip({a}, -0.5, 0.5)", lambda b: 0.5, ["np.abs({a} - 0.5)", "np.abs({a} + 0.5)"]),
    ("np.where({a} > 0, {a}, 0.1 * {a})", lambda b: b, ["np.abs({a})"]),
]

BINARY = [
    # (template, bound(ba, bb), [kink templates])
    ("{a} + {b}", lambda x, y: x + y, []),
    ("{a} - {b}", lambda x, y: x + y, []),
    ("{a} * {b}", lambda x, y: x * y, []),
    ("{a} / (1 + {b} * {b})", lambda x, y: x, []),
    ("{a} / (2 + np.cos({b}))", lambda x, y: x, []),
    ("np.add({a}, {b})", lambda x, y: x + y, []),
    ("np.subtract({a}, {b})", lambda x, y: x + y, []),
    ("np.multiply({a}, {b})", lambda x, y: x * y, []),
    ("np.divide({a}, 1.5 + np.sin({b}))", lambda x, y: 2 * x, []),
    ("np.logaddexp({a}, {b})", lambda x, y: max(x, y) + math.log(2), []),
    ("np.maximum({a}, {b})", lambda x, y: max(x, y), ["np.abs({a} - {b})"]),
    ("np.minimum({a}, {b})", lambda x, y: max(x, y), ["np.abs({a} - {b})"]),
    ("np.sin({a}) * np.cos({b})", lambda x, y: 1.0, []),
    ("{a} * np.exp(-{b} * {b})", lambda x, y: x, []),
]

SCALAR_BINARY = [
    ("max({a}, {b})", lambda x, y: max(x, y), ["abs({a} - {b})"]),
    ("min({a}, {b})", lambda x, y: max(x, y), ["abs({a} - {b})"]),
]


def _pick(draw, pool, condition=lambda v: True, label="operand"):
    candidates = [v for v in pool if condition(v)]
    if not candidates:
        return None
    return draw(st.sampled_from(candidates), label=label)


def op_unary(draw, pool):
    a = _pick(draw, pool)
    choices = [u for u in UNARY if u[2] is None or u[2](a.bound)]
    template, bound, _ = draw(st.sampled_from(choices), label="unary")
    return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound), reads=[a], kinks=[])


def op_constant(draw, pool):
    a = _pick(draw, pool)
    c = draw(st.sampled_from(CONSTANTS), label="constant")
    template = draw(st.sampled_from(["{a} * {c}", "{c} * {a}", "{a} / {c}", "{c} - {a}", "{a} + {c}",
                                     "{a} - {c}", "{c} / (1 + {a} * {a})"]), label="constant op")
    cv = abs(float(c))
    bound = {"{a} * {c}": a.bound * cv, "{c} * {a}": a.bound * cv, "{a} / {c}": a.bound / cv,
             "{c} / (1 + {a} * {a})": cv}.get(template, a.bound + cv)
    return dict(text=template.format(a=a.text, c=c), shape=a.shape, bound=bound, reads=[a], kinks=[])


def op_kinked(draw, pool):
    a = _pick(draw, pool)
    template, bound, kinks = draw(st.sampled_from(UNARY_KINKED), label="kinked")
    return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound), reads=[a],
                kinks=[k.format(a=a.text) for k in kinks])


def op_binary(draw, pool):
    a = _pick(draw, pool)
    b = _pick(draw, pool, lambda v: v is not a and _bcast(a.shape, v.shape) is not None)
    if b is None:
        return None
    table = BINARY + (SCALAR_BINARY if a.shape == () and b.shape == () else [])
    template, bound, kinks = draw(st.sampled_from(table), label="binary")
    # builtin max/min return one of their operands itself, maybe an argument: the tape refuses a
    # later in-place update of it (see test_tape_inplace_update_of_float_argument).
    return dict(text=template.format(a=a.text, b=b.text), shape=_bcast(a.shape, b.shape),
                bound=bound(a.bound, b.bound), reads=[a, b], kinks=[k.format(a=a.text, b=b.text) for k in kinks],
                fresh=not template.startswith(("max(", "min(")))


def op_where(draw, pool):
    c = _pick(draw, pool, label="condition")
    a = _pick(draw, pool, lambda v: _bcast(c.shape, v.shape) is not None)
    b = _pick(draw, pool, lambda v: _bcast(c.shape, a.shape, v.shape) is not None)
    text = f"np.where({c.text} > 0, {a.text}, {b.text})"
    return dict(text=text, shape=_bcast(c.shape, a.shape, b.shape), bound=max(a.bound, b.bound),
                reads=[c, a, b], kinks=[f"np.abs({c.text})"], differentiated=[a, b])


def op_matmul(draw, pool):
    a = _pick(draw, pool, lambda v: len(v.shape) in (1, 2))
    if a is None:
        return None
    k = a.shape[-1]
    b = _pick(draw, pool, lambda v: len(v.shape) in (1, 2) and v.shape[0] == k)
    if b is None:
        return None
    shape = np.matmul(np.zeros(a.shape), np.zeros(b.shape)).shape
    forms = ["{a} @ {b}", "np.matmul({a}, {b})", "np.dot({a}, {b})"]
    if a.active or not b.active:
        # plain_array.dot(tensor) cannot be recorded by the tape (NumPy converts the Tensor to an
        # array, and the tape refuses to lose its gradient): a known limitation, not generated.
        forms.append("{a}.dot({b})")
    template = draw(st.sampled_from(forms), label="matmul")
    return dict(text=template.format(a=a.text, b=b.text), shape=shape, bound=a.bound * b.bound * k,
                reads=[a, b], kinks=[])


def op_outer(draw, pool):
    a = _pick(draw, pool, lambda v: len(v.shape) == 1)
    b = _pick(draw, pool, lambda v: len(v.shape) == 1)
    if a is None:
        return None
    return dict(text=f"np.outer({a.text}, {b.text})", shape=a.shape + b.shape, bound=a.bound * b.bound,
                reads=[a, b], kinks=[])


def op_reduce(draw, pool):
    a = _pick(draw, pool, lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    kind = draw(st.sampled_from(["sum", "mean", "max", "min"]), label="reduction")
    axis = draw(st.sampled_from([None] + list(range(len(a.shape))) + [-1]), label="axis")
    keepdims = axis is not None and draw(st.booleans(), label="keepdims")
    style = draw(st.sampled_from(["function", "method"]), label="style")
    if kind == "max" and style == "function":
        fn = draw(st.sampled_from(["np.max", "np.amax"]), label="max name")
    else:
        fn = f"np.{kind}"
    args = []
    if axis is not None:
        args.append(f"axis={axis}" if style == "function" or draw(st.booleans(), label="axis keyword")
                    else str(axis))
    if keepdims:
        args.append("keepdims=True")
    if style == "function":
        text = f"{fn}({', '.join([a.text] + args)})"
    else:
        text = f"{a.text}.{kind}({', '.join(args)})"
    shape = np.sum(np.zeros(a.shape), axis=axis, keepdims=keepdims).shape
    count = int(np.prod(a.shape)) if axis is None else a.shape[axis]
    bound = a.bound * count if kind == "sum" else a.bound
    kinks = []
    if kind in ("max", "min"):
        kinks.append(f"_gap({a.text}, {axis}, {kind == 'min'})")
    return dict(text=text, shape=shape, bound=bound, reads=[a], kinks=kinks)


def _indices(shape):
    """(text, index object, is a view) for indexing an array of this shape."""
    if len(shape) == 1:
        n = shape[0]
        out = [("[0]", 0, True), ("[-1]", -1, True), ("[1:]", slice(1, None), True),
               ("[:-1]", slice(None, -1), True), ("[::2]", slice(None, None, 2), True),
               ("[::-1]", slice(None, None, -1), True), ("[None]", None, True),
               ("[[0, 0, 1]]", [0, 0, 1], False), ("[[-1, 0]]", [-1, 0], False)]
        if n >= 3:
            out.append(("[1:3]", slice(1, 3), True))
        return out
    if len(shape) == 2:
        return [("[0]", 0, True), ("[-1]", -1, True), ("[:, 0]", (slice(None), 0), True),
                ("[1:]", slice(1, None), True), ("[:, 1:]", (slice(None), slice(1, None)), True),
                ("[0, 1]", (0, 1), True), ("[::-1, ::2]", (slice(None, None, -1), slice(None, None, 2)), True),
                ("[:, None, :]", (slice(None), None, slice(None)), True), ("[..., 0]", (Ellipsis, 0), True),
                ("[1:, :1]", (slice(1, None), slice(None, 1)), True), ("[[1, 0, 1]]", [1, 0, 1], False),
                ("[:, [0, 0]]", (slice(None), [0, 0]), False)]
    return [("[0]", 0, True), ("[..., -1]", (Ellipsis, -1), True)]


def _valid_index(shape, index):
    try:
        return 0 not in np.zeros(shape)[index].shape
    except IndexError:
        return False


def op_index(draw, pool):
    a = _pick(draw, pool, lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    choices = [i for i in _indices(a.shape) if _valid_index(a.shape, i[1])]
    if not choices:
        return None
    text, index, view = draw(st.sampled_from(choices), label="index")
    shape = np.zeros(a.shape)[index].shape
    # Advanced indexing copies and x[0, 1] is a number, but source mode treats every subscript as
    # a possible view and refuses a later in-place update of it (a conservative limitation, an
    # explicit UnsupportedError), so the result is never the target of an augmented assignment.
    return dict(text=f"{a.text}{text}", shape=shape, bound=a.bound, reads=[a], kinks=[], fresh=False)


def op_shape(draw, pool):
    a = _pick(draw, pool, lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    size = int(np.prod(a.shape))
    forms = [("{a}.reshape(-1)", (size,)), ("np.reshape({a}, ({n},))", (size,)), ("{a}.ravel()", (size,)),
             ("np.ravel({a})", (size,)), ("{a}.flatten()", (size,)), ("np.transpose({a})", a.shape[::-1])]
    if len(a.shape) == 2:
        forms += [("{a}.T", a.shape[::-1]), ("{a}.transpose()", a.shape[::-1]),
                  ("np.transpose({a}, (1, 0))", a.shape[::-1]), ("{a}.transpose(1, 0)", a.shape[::-1])]
    for p in range(2, size):
        if size % p == 0:
            forms += [(f"{{a}}.reshape({p}, {size // p})", (p, size // p)),
                      (f"np.reshape({{a}}, ({p}, -1))", (p, size // p))]
    if len(a.shape) == 1:
        forms += [("{a}.reshape(1, -1)", (1, size)), ("{a}.reshape(-1, 1)", (size, 1))]
    template, shape = draw(st.sampled_from(forms), label="reshape")
    return dict(text=template.format(a=a.text, n=size), shape=shape, bound=a.bound, reads=[a], kinks=[],
                fresh=template == "{a}.flatten()")


def op_helper(draw, pool):
    # Results are fresh arrays, but source mode treats a value returned by an inlined helper as
    # possibly shared and refuses a later in-place update of it (a conservative limitation, an
    # explicit UnsupportedError), so helper results are never augmented-assignment targets here.
    op = _helper_call(draw, pool)
    op["fresh"] = False
    return op


def _helper_call(draw, pool):
    a = _pick(draw, pool)
    kind = draw(st.sampled_from(["square", "mix", "scale", "scale_kw", "nested", "normalize", "pair"]),
                label="helper")
    if kind == "square":
        return dict(text=f"helper_square({a.text})", shape=a.shape, bound=a.bound ** 2, reads=[a], kinks=[])
    if kind == "mix":
        b = _pick(draw, pool, lambda v: _bcast(a.shape, v.shape) is not None)
        return dict(text=f"helper_mix({a.text}, {b.text})", shape=_bcast(a.shape, b.shape),
                    bound=b.bound + a.bound, reads=[a, b], kinks=[])
    if kind == "scale":
        return dict(text=f"helper_scale({a.text})", shape=a.shape, bound=2 * a.bound, reads=[a], kinks=[])
    if kind == "scale_kw":
        return dict(text=f"helper_scale({a.text}, c=-0.5)", shape=a.shape, bound=a.bound, reads=[a], kinks=[])
    if kind == "nested":
        return dict(text=f"helper_nested({a.text})", shape=a.shape, bound=2.0, reads=[a], kinks=[])
    if kind == "normalize":
        return dict(text=f"helper_normalize({a.text})", shape=a.shape, bound=1.0, reads=[a], kinks=[])
    return dict(text=f"helper_pair({a.text})", shape=a.shape, bound=1.0, reads=[a], kinks=[], pair=True)


def op_idiom(draw, pool):
    """Common numerical idioms: centring, log-sum-exp, masks, constant arrays, tuple axes."""
    a = _pick(draw, pool, lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    kind = draw(st.sampled_from(["centre", "logsumexp", "mask", "linspace", "ones", "tuple_axis"]), label="idiom")
    if kind == "centre":
        return dict(text=f"{a.text} - np.mean({a.text}, axis=-1, keepdims=True)", shape=a.shape,
                    bound=2 * a.bound, reads=[a], kinks=[])
    if kind == "logsumexp":
        if a.bound > 30:
            return None
        size = int(np.prod(a.shape))
        return dict(text=f"np.max({a.text}) + np.log(np.sum(np.exp({a.text} - np.max({a.text}))))", shape=(),
                    bound=a.bound + math.log(size), reads=[a], kinks=[])
    if kind == "mask":
        b = _pick(draw, pool, lambda v: _bcast(a.shape, v.shape) is not None)
        return dict(text=f"{a.text} * ({b.text} > 0)", shape=_bcast(a.shape, b.shape), bound=a.bound,
                    reads=[a, b], kinks=[f"np.abs({b.text})"], differentiated=[a])
    if kind == "linspace":
        return dict(text=f"{a.text} * np.linspace(0.5, 1.5, {a.shape[-1]})", shape=a.shape, bound=1.5 * a.bound,
                    reads=[a], kinks=[])
    if kind == "ones":
        return dict(text=f"{a.text} + np.ones({a.shape!r})", shape=a.shape, bound=a.bound + 1, reads=[a], kinks=[])
    if len(a.shape) < 2:
        return None
    return dict(text=f"np.sum({a.text}, axis=(0, -1))", shape=np.sum(np.zeros(a.shape), axis=(0, -1)).shape,
                bound=a.bound * a.shape[0] * a.shape[-1], reads=[a], kinks=[])


OPERATIONS = [op_unary, op_unary, op_constant, op_kinked, op_binary, op_binary, op_binary, op_where,
              op_matmul, op_outer, op_reduce, op_reduce, op_index, op_shape, op_helper, op_idiom]
SCALAR_OPERATIONS = [op_unary, op_unary, op_constant, op_kinked, op_binary, op_binary, op_where, op_helper]


def _squash(op):
    """Keep a result bounded: wrap it in tanh/sin of itself scaled down by its bound when the bound
    is too large (scaled, so that sin does not oscillate fast: large derivatives of high order
    make finite differences inaccurate)."""
    if op["bound"] > MAX_BOUND:
        wrapper = "np.tanh" if len(op["text"]) % 2 else "np.sin"
        op = dict(op, text=f"{wrapper}(({op['text']}) / {op['bound']:.0f})", bound=1.0, fresh=True)
    return op


@st.composite
def programs(draw, scalar_only=False):
    if scalar_only:
        params = [(name, ()) for name in draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1,
                                                          max_size=3, unique=True), label="params")]
    else:
        m, n = draw(st.sampled_from([(2, 3), (3, 2), (3, 4), (2, 2), (1, 3)]), label="m, n")
        available = [("x", (n,)), ("A", (m, n)), ("s", ()), ("y", (m,))]
        chosen = draw(st.lists(st.sampled_from([p[0] for p in available]), min_size=1, max_size=4, unique=True),
                      label="params")
        params = [p for p in available if p[0] in chosen]
    names = [p[0] for p in params]
    if len(names) > 1 and draw(st.booleans(), label="wrt subset"):
        wrt = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True), label="wrt")
        wrt = tuple(n for n in names if n in wrt)
    else:
        wrt = tuple(names)
    pool = [Value(name, shape, 1.5, fresh=False, names=[name], active=name in wrt) for name, shape in params]
    statements, margins = [], []
    counter = itertools.count()
    operations = SCALAR_OPERATIONS if scalar_only else OPERATIONS
    for _ in range(draw(st.integers(1, MAX_LENGTH), label="length")):
        live = [v for v in pool]
        maker = draw(st.sampled_from(operations), label="operation")
        op = maker(draw, live)
        if op is None:
            continue
        if op.get("pair"):
            _unpack(op, pool, statements, counter, draw)
            continue
        op = _squash(op)
        for v in op["reads"]:
            v.used = True
        reads = frozenset().union(*(v.names for v in op["reads"]))
        # a value only compared (c > 0) passes no gradient: np.where(c > 0, a, b) is active iff a or b is
        active = any(v.active for v in op.get("differentiated", op["reads"]))
        fresh = op.get("fresh", True)
        if not fresh:
            for v in op["reads"]:
                v.aliased = True
        where = len(statements)
        form = draw(st.sampled_from(["assign", "assign", "assign", "inline", "augmented", "rebind"]), label="form")
        # In-place update targets: fresh arrays (or numbers) nothing else views. Not an array without
        # gradient updated with one that has a gradient: the tape cannot do that yet (see
        # test_tape_inplace_update_of_plain_array_with_tensor below); np.where gives 0-d arrays
        # for numbers, so that holds for "scalars" too.
        # Nor a plain array already read by an operation with gradient: the tape keeps a reference
        # to it and would see the new contents (test_tape_constant_array_mutated_after_use).
        targets = [v for v in pool if not v.inline and v.fresh and not v.aliased and v.names.isdisjoint(names)
                   and _bcast(v.shape, op["shape"]) == v.shape and (v.active or not active)
                   and (v.active or not v.used)]
        if form == "augmented" and targets:
            target = draw(st.sampled_from(targets), label="augmented target")
            symbol = draw(st.sampled_from(["+", "-", "*"]), label="augmented op")
            if symbol == "*" and target.bound * op["bound"] > MAX_BOUND:
                symbol = "+"
            statements.append(f"{target.text} {symbol}= {op['text']}")
            margins += [(where, k) for k in op["kinks"]]
            bound = target.bound * op["bound"] if symbol == "*" else target.bound + op["bound"]
            _rebound(pool, target.text)
            pool.append(Value(target.text, target.shape, bound, fresh=True, names=[target.text],
                              active=active or target.active))
            continue
        if form == "inline" and len(op["text"]) < 60:
            margins += [(where, k) for k in op["kinks"]]
            pool.append(Value(f"({op['text']})", op["shape"], op["bound"], fresh=fresh, inline=True, names=reads,
                              active=active))
            continue
        olds = [v for v in pool if not v.inline and v.names.isdisjoint(names)]
        if form == "rebind" and olds:
            name = draw(st.sampled_from(olds), label="rebound name").text
        else:
            name = f"v{next(counter)}"
            while any(v.text == name for v in pool):
                name = f"v{next(counter)}"
        statements.append(f"{name} = {op['text']}")
        margins += [(where, k) for k in op["kinks"]]
        _rebound(pool, name)
        # a view of a parameter or variable: not fresh (in-place updates would write through)
        pool.append(Value(name, op["shape"], op["bound"], fresh=fresh, names=[name], active=active))
    terms = [v for v in pool if not v.used and not (v.text in names and statements)] or [pool[-1]]
    result = " + ".join(v.text if v.shape == () else f"np.sum({v.text})" for v in terms)
    seed = draw(st.integers(0, 2 ** 32 - 1), label="input seed")
    return Program(params, wrt, statements, margins, result, seed)


def _unpack(op, pool, statements, counter, draw):
    """``p, q = helper_pair(a)`` or ``p, q = np.sin(a), np.cos(a)``: two new names at once."""
    for v in op["reads"]:
        v.used = True
    active = any(v.active for v in op["reads"])
    first, second = f"v{next(counter)}", f"v{next(counter)}"
    while any(v.text in (first, second) for v in pool):
        first, second = f"v{next(counter)}", f"v{next(counter)}"
    written_out = draw(st.booleans(), label="written-out tuple")
    if written_out:
        a = op["reads"][0].text
        statements.append(f"{first}, {second} = np.sin({a}), np.cos({a})")
    else:
        statements.append(f"{first}, {second} = {op['text']}")
    for name in (first, second):
        _rebound(pool, name)
        pool.append(Value(name, op["shape"], 1.0, fresh=written_out, names=[name], active=active))


def _rebound(pool, name):
    """``name`` gets a new value: drop it and every inlined expression that reads it."""
    pool[:] = [v for v in pool if v.text != name and not (v.inline and name in v.names)]


# ---------------------------------------------------------------- running a program

_counter = itertools.count()


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("differential")


def load_program(text, folder):
    """Write ``text`` to a fresh module file in ``folder`` and import it."""
    name = f"sg_differential_{next(_counter)}"
    path = folder / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _min_margin(values):
    smallest = np.inf
    for value in values:
        value = np.asarray(value, dtype=float)
        if value.size:
            smallest = min(smallest, float(np.min(np.abs(value))))
    return smallest


def _fd_was_inaccurate(report, f, args, program):
    """A second opinion when only finite differences disagree and the two engines agree closely:
    a program whose high derivatives are large (products of sines...) has a truncation error
    (h^2 / 6 times the third derivative) above the tolerance. Then central differences with a 16 times smaller step
    (truncation 256 times smaller, rounding 16 times larger) must match the engines instead."""
    if any(r.kind != "gradient" or r.pair[1] != "fd" for r in report.failures):
        return False
    positions = [name for name, _ in program.params]
    for k, name in enumerate(report.arguments):
        index = positions.index(name)
        exact = np.asarray(report.gradients["source"][k], dtype=float)
        x = np.array(args[index], dtype=float)
        for element in np.ndindex(x.shape):
            h = np.finfo(float).eps ** (1 / 3) / 16 * max(1.0, abs(x[element]))
            values = []
            for sign in (1, -1):
                moved = x.copy()
                moved[element] += sign * h
                call = list(args)
                call[index] = moved if isinstance(args[index], np.ndarray) else float(moved)
                values.append(float(f(*call)))
            estimate = (values[0] - values[1]) / (2 * h)
            noise = 100 * np.finfo(float).eps * max(map(abs, values)) / (2 * h)
            tol = report.tolerances["atol"] + report.tolerances["rtol"] * max(abs(estimate), abs(exact[element]))
            if not abs(estimate - exact[element]) <= tol + noise:
                return False
    return True


def run_program(program, folder, generated=True):
    text = program.source()
    module = load_program(text, folder)
    args = program.inputs()
    with np.errstate(all="ignore"):
        margin = _min_margin(module.margins(*args))
    if generated:
        assume(margin > KINK_MARGIN)
    else:
        assert margin > KINK_MARGIN
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = module.f(*args)
    assert np.ndim(value) == 0
    wrt = program.wrt if len(program.wrt) > 1 else program.wrt[0]
    report = sg.check_grad(module.f, *args, wrt=wrt, raise_on_failure=False)
    problems = []
    if report.modes["source"] != "ok":
        problems.append(f"source mode did not run: {report.modes['source']}")
    if not report.ok and not _fd_was_inaccurate(report, module.f, args, program):
        problems.append("the gradients disagree")
    if problems:
        arguments = "\n".join(f"{name} = {arg!r}" for (name, _), arg in zip(program.params, args))
        pytest.fail("\n".join(problems) + f"\n\nprogram:\n{text}\narguments:\n{arguments}\n\n{report}")
    return report


@_settings(150)
@given(program=programs())
def test_random_programs_agree(program, program_dir):
    run_program(program, program_dir)


@_settings(50)
@given(program=programs(scalar_only=True))
def test_random_scalar_programs_agree(program, program_dir):
    """Programs over Python floats only: source mode then generates code without unbroadcast."""
    run_program(program, program_dir)


# ---------------------------------------------------------------- the generator itself


def test_generator_covers_the_operations(program_dir):
    """A fixed program using every kind of operation runs through the same machinery."""
    program = Program(
        [("x", (3,)), ("A", (2, 3)), ("s", ())], ("x", "A", "s"),
        ["v0 = np.tanh(A @ x) * s", "v1 = np.maximum(v0, 0.1 * A[:, 0])", "v2 = A.T.reshape(-1)[1:] ** 2",
         "v1 += np.sum(A, axis=0, keepdims=True)[0, :2]", "v3 = np.where(x > 0, x, s)"],
        [(1, "np.abs(v0 - 0.1 * A[:, 0])"), (4, "np.abs(x)")],
        "np.sum(v1) + np.mean(v2) + np.sum(v3)", seed=3,
    )
    report = run_program(program, program_dir, generated=False)
    assert report.ok and report.modes == {"source": "ok", "tape": "ok"}


DETERMINISM_PROGRAM = Program(
    [("x", (3,)), ("A", (2, 3)), ("s", ())], ("x", "A", "s"),
    ["v0 = np.tanh(A @ x) * s", "v1, v2 = helper_pair(v0)", "v3 = np.maximum(v1, 0.1 * A[:, 0])",
     "v4 = A.T.reshape(-1)[1:] ** 2", "v3 += np.sum(A, axis=0, keepdims=True)[0, :2]",
     "v5 = helper_normalize(v4) * helper_mix(x, s)[0]"],
    [], "np.sum(v3) + np.mean(v4) + np.sum(v5) + np.sum(v2)", seed=0,
)

_SOURCE_OF_PROGRAM = """
import importlib.util, sys
import sourcegrad as sg
spec = importlib.util.spec_from_file_location("determinism_program", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for wrt in (0, 1, (0, 2), ("x", "A", "s")):
    sys.stdout.write(sg.source(module.f, wrt=wrt))
"""


def test_generated_source_is_deterministic(tmp_path):
    """The same program gives byte-identical generated adjoints: transformed again after the cache is
    cleared, and in fresh interpreters with different hash seeds (no uuids, no set or id order)."""
    import os
    import subprocess
    import sys

    path = tmp_path / "determinism_program.py"
    path.write_text(DETERMINISM_PROGRAM.source())
    outputs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", _SOURCE_OF_PROGRAM, str(path)], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count("def df_d") == 4
    module = load_program(DETERMINISM_PROGRAM.source(), tmp_path)
    first = sg.source(module.f, wrt=("x", "A", "s"))
    sg.api._GENERATED.clear()
    again = sg.source(load_program(DETERMINISM_PROGRAM.source(), tmp_path).f, wrt=("x", "A", "s"))
    assert first == again
    assert first in outputs[0]


# ---------------------------------------------------------------- regressions found by the generator
#
# Each is a bug found by the random programs above, reduced by hand to a minimal program. They
# are xfail(strict=True) until fixed in the engine: then the test passes, strict makes that an
# error, and the xfail mark is removed.


def _load(folder, body):
    return load_program("import numpy as np\n\n\n" + textwrap.dedent(body), folder)


def _assert_correct_or_refused(module, name, args, mode):
    """The gradient in ``mode`` is right, or the engine refuses with an error: never silently wrong."""
    f = getattr(module, name)
    try:
        value, grad = sg.value_and_grad(f, mode=mode)(*[np.copy(a) for a in args])
    except (sg.TransformError, TypeError, RuntimeError, NotImplementedError):
        return
    assert value == pytest.approx(f(*[np.copy(a) for a in args]), rel=1e-12)
    np.testing.assert_allclose(grad, sg.numerical_grad(f, *args), rtol=1e-6, atol=1e-8)


def test_matmul_of_vectors_is_a_scalar_in_source_mode(program_dir):
    """Found by the generator, fixed: np.matmul is a gufunc, and rules.registry.is_elementwise() took it
    for an elementwise ufunc, so x @ x got the shape class of x and an unbroadcast was left out."""
    module = _load(program_dir, """
        def f(x):
            v0 = np.matmul(x, x)
            v1 = x * v0
            return np.sum(v1) + v0
    """)
    x = np.array([1.0, 2.0, 3.0])
    # f = (x.x) sum(x) + x.x, so df/dx = 2 x sum(x) + x.x + 2 x = [28, 42, 56]
    np.testing.assert_allclose(sg.grad(module.f, mode="source")(x), [28.0, 42.0, 56.0])


@pytest.mark.parametrize("name", ["alias", "view"])
def test_tape_inplace_update_seen_through_an_alias(program_dir, name):
    module = _load(program_dir, """
        def alias(x):
            v = x * 1.0
            w = v
            v += 1.0
            return np.sum(w * w)


        def view(x):
            v = np.sin(x)
            w = v[1:]
            v *= 2.0
            return np.sum(w)
    """)
    _assert_correct_or_refused(module, name, [np.array([0.5, 1.0, 1.5])], "tape")
    _assert_correct_or_refused(module, name, [np.array([0.5, 1.0, 1.5])], "auto")


@pytest.mark.parametrize("name", ["copy", "builtin_min"])
def test_tape_inplace_update_of_float_argument(program_dir, name):
    module = _load(program_dir, """
        def copy(s):
            v = s
            v += 1.0
            return v * s


        def builtin_min(s):
            v = min(s, 3.0)
            v += np.sin(s)
            return v * s
    """)
    f = getattr(module, name)
    expected = sg.numerical_grad(f, 2.0)
    assert sg.grad(f, mode="tape")(2.0) == pytest.approx(expected, rel=1e-7)


def test_inplace_update_of_plain_array_with_tensor(program_dir):
    # source mode differentiates it; the tape refuses it loudly (NumPy would write into acc in place)
    module = _load(program_dir, """
        def f(x, A):
            acc = np.sin(A)
            acc += np.sin(x)
            return np.sum(acc)
    """)
    x, A = np.array([0.1, 0.2, 0.3]), np.ones((2, 3))
    np.testing.assert_allclose(sg.grad(module.f, mode="source")(x, A), 2 * np.cos(x))
    with pytest.raises(InPlaceError, match="acc = acc"):
        sg.grad(module.f, mode="tape")(x, A)


def test_keepdims_reductions_over_different_axes(program_dir):
    # regression: every keepdims reduction of A once had one shape class, whatever its axis
    module = _load(program_dir, """
        def f(A):
            rows = np.sum(A, axis=0, keepdims=True)
            cols = np.sum(A, axis=1, keepdims=True)
            return np.sum(rows * cols)


        def g(A):
            v = np.sum(A, axis=0, keepdims=True)
            return np.sum(v + np.max(A, axis=-1, keepdims=True))
    """)
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(sg.grad(module.f, mode="source")(A), np.full((2, 3), 30.0))
    np.testing.assert_allclose(sg.grad(module.g, mode="source")(A), sg.numerical_grad(module.g, A), rtol=1e-6)


@pytest.mark.parametrize("name", ["dot", "mul"])
def test_tape_constant_array_mutated_after_use(program_dir, name):
    module = _load(program_dir, """
        def dot(y, A):
            W = A * 1.0
            out = np.dot(y, W)
            W -= 1.0
            return np.sum(out)


        def mul(y, A):
            W = A * 1.0
            out = y * W
            W *= 3.0
            return np.sum(out)
    """)
    f = getattr(module, name)
    y, A = np.array([1.0, 2.0]), np.arange(6.0).reshape(2, 3)
    if name == "mul":
        A = np.array([1.0, 2.0])
    expected = sg.numerical_grad(f, y, A)
    np.testing.assert_allclose(sg.grad(f, mode="source")(y, A), expected, rtol=1e-7)
    _assert_correct_or_refused(module, name, [y, A], "tape")

