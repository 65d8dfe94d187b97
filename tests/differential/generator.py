"""Random NumPy programs, written as source text.

A program is a module: ``f`` (the function differentiated), ``margins`` (the same statements,
returning the distance of every kink — ``np.maximum``, ``np.abs``, ``np.where`` conditions, ``np.clip``
bounds, ``np.max`` ties... — from its input, so that programs whose inputs come closer than
``KINK_MARGIN`` are discarded) and fixed helpers; the ``modules`` family adds a second generated module
of helpers that ``f`` imports and calls.

Every decision is drawn from a ``Chooser``: ``HypothesisChooser`` in the tests (derandomized in CI,
shrinkable), ``RandomChooser`` in the long runner. Programs stay away from overflow (every value has
a bound on its magnitude, operations whose bound would be large are not chosen or are squashed) and
from the edges of domains (``log``, ``sqrt``, ``arcsin``... get arguments that are in range by
construction, or values known to be positive).

Families (``FAMILIES``) pick the layout of the arguments and the constructs drawn:

* ``core``: elementwise functions, broadcasting, reductions (axis, keepdims), matrix products,
  indexing and slicing, reshapes, helper calls, augmented assignment, tuple unpacking, domains;
* ``scalar``: the same over Python floats; ``batched``: 3-D arrays, batched ``matmul``, ``einsum``,
  tuple axes; ``float32``: float32 arguments (float32 tolerances, float32 gradients);
* ``containers``: lists built with ``append``/``extend`` read by ``np.stack``/``np.concatenate``,
  ``sum`` and indexing; dicts with constant keys;
* ``inplace``: item assignment and augmented item assignment into local arrays (copies, buffers of
  zeros), constants mutated after a use;
* ``views``: ``squeeze``, ``reshape``, ``.T``, slices... then reads, and in-place updates through a view
  or of the array viewed;
* ``aliases``: local aliases of modules and functions (``xp = np``, ``act = np.tanh``), rebound;
* ``comprehensions``: generator expressions, list and dict comprehensions over arrays and ranges;
* ``modules``: helpers defined in another generated module, imported and called (module globals,
  default arguments, helper calling helper, aliases of imported functions);
* ``effects``: ``np.add.at``, ``out=``, ``np.copyto``, ``dict.update``, list ``insert``/``pop``.

The constructs of the later families are generated even where an engine is known to refuse them:
the oracle accepts a refusal only as source mode's ``TransformError`` (auto mode must then agree
with finite differences); an error of the tape on valid code is a failure too.
"""

import itertools
import math
import random
import textwrap

import numpy as np

KINK_MARGIN = 3e-3          # inputs of kinks must stay this far from them (FD steps move them ~1e-4)
MAX_BOUND = 60.0            # no intermediate value may exceed this in absolute value
MAX_LENGTH = 30             # statements per program, at most (block constructs may add a few)

FAMILIES = ("core", "scalar", "batched", "float32", "containers", "inplace", "views", "aliases",
            "comprehensions", "modules", "effects")

HELPER_MODULE_TOKEN = "__sg_helper_module__"      # replaced by the real module name when loaded


# ---------------------------------------------------------------- choosers


class RandomChooser:
    """Decisions from ``random.Random(seed)`` (the long runner)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def choice(self, options, label):
        options = list(options)
        return options[self.rng.randrange(len(options))]

    def integer(self, low, high, label):
        return self.rng.randint(low, high)

    def boolean(self, label):
        return self.rng.random() < 0.5


class HypothesisChooser:
    """Decisions drawn by hypothesis (``draw`` of ``st.composite``): derandomizable and shrinkable."""

    def __init__(self, draw):
        from hypothesis import strategies

        self.draw = draw
        self.st = strategies

    def choice(self, options, label):
        return self.draw(self.st.sampled_from(list(options)), label=label)

    def integer(self, low, high, label):
        return self.draw(self.st.integers(low, high), label=label)

    def boolean(self, label):
        return self.draw(self.st.booleans(), label=label)


# ---------------------------------------------------------------- values and programs


class Value:
    """An expression available to later statements: a name, or an inlined expression (text in
    parentheses), with its shape, a bound on |value|, whether it depends on a differentiated
    argument, and what memory it may share."""

    def __init__(self, text, shape, bound, fresh=True, inline=False, names=(), active=True, low=None, base=None):
        self.text = text
        self.shape = tuple(shape)
        self.bound = float(bound)
        self.fresh = fresh          # a new array (or a number) nothing else refers to: safe to update in place
        self.inline = inline
        self.names = frozenset(names)   # variable names its text reads
        self.active = active        # depends on an argument being differentiated
        self.low = low              # a positive lower bound on every element, or None
        self.base = base            # the name of the local array whose memory it shares (views), or None
        self.used = False
        self.aliased = False        # some view of it exists: in-place updates would show through

    def __repr__(self):
        return f"Value({self.text!r}, {self.shape})"


class Program:
    def __init__(self, family, params, wrt, statements, margins, result, seed, scale=1.5, dtype="float64",
                 helper_module=None, imports=()):
        self.family = family
        self.params = params        # [(name, shape, low)]: low is the lower end of the input range, or None
        self.wrt = wrt              # tuple of names
        self.statements = statements
        self.margins = margins      # [(index of the statement before which it is evaluated, text)]
        self.result = result
        self.seed = seed
        self.scale = scale          # inputs are drawn from [-scale, scale] (positive ones from [low, scale + low])
        self.dtype = dtype
        self.helper_module = helper_module      # source of the second module, or None
        self.imports = list(imports)             # module-level import lines of the program's module

    @property
    def signature(self):
        return ", ".join(name for name, _, _ in self.params)

    def function_source(self):
        """The program alone: ``def f(...)``."""
        body = [f"    {s}" for s in "\n".join(self.statements).splitlines()] + [f"    return {self.result}"]
        return "\n".join([f"def f({self.signature}):"] + body)

    def source(self, helper_name=HELPER_MODULE_TOKEN):
        """The module: f, margins (same statements, returning the kink distances) and the helpers."""
        lines = ["import math", "", "import numpy as np"]
        lines += [line.replace(HELPER_MODULE_TOKEN, helper_name) for line in self.imports]
        lines += ["", "", self.function_source().replace(HELPER_MODULE_TOKEN, helper_name)]
        lines += ["", "", f"def margins({self.signature}):", "    _m = []"]
        for i, s in enumerate(self.statements + [None]):
            lines += [f"    _m.append({text})" for where, text in self.margins if where == i]
            if s is not None:
                lines += [f"    {line}" for line in s.replace(HELPER_MODULE_TOKEN, helper_name).splitlines()]
        lines += ["    return _m", ""]
        lines += [textwrap.dedent(_GAP_HELPER), textwrap.dedent(HELPERS)]
        return "\n".join(lines)

    def inputs(self):
        rng = np.random.default_rng(self.seed)
        out = []
        for _, shape, low in self.params:
            if low is None:
                value = rng.uniform(-self.scale, self.scale, size=shape)
            else:
                value = rng.uniform(low, low + self.scale, size=shape)
            if shape == ():
                out.append(float(value))
            else:
                out.append(value.astype(self.dtype))
        return out

    @property
    def size(self):
        return len(self.statements)

    def __repr__(self):  # what hypothesis prints for a failing example
        text = f"Program(family={self.family!r}, seed={self.seed}, wrt={self.wrt}, scale={self.scale}, " \
               f"dtype={self.dtype}):\n"
        text += "\n".join(self.imports) + ("\n" if self.imports else "")
        text += self.function_source()
        if self.helper_module:
            text += f"\n\n# {HELPER_MODULE_TOKEN}.py:\n{self.helper_module}"
        return text


_GAP_HELPER = """
    def _gap(a, axis=None, smallest=False):
        # distance between the largest (or smallest) two elements along axis: the kink of max/min
        a = np.asarray(a, dtype=float)
        if axis is None:
            a, axis = a.ravel(), 0
        if isinstance(axis, tuple):
            a = np.moveaxis(a, axis, tuple(range(len(axis))))
            a = a.reshape((-1,) + a.shape[len(axis):])
            axis = 0
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


def _nonempty(shape, index):
    try:
        return 0 not in np.zeros(shape)[index].shape
    except (IndexError, ValueError):
        return False


# ---------------------------------------------------------------- the builder


class Builder:
    """The state of a program being written: the pool of values, the statements, the margins."""

    def __init__(self, ch, family, params, wrt, scale, dtype):
        self.ch = ch
        self.family = family
        self.params = params
        self.param_names = {name for name, _, _ in params}
        self.scale = scale
        self.dtype = dtype
        self.statements = []
        self.margins = []
        self.counter = itertools.count()
        self.taken = set(self.param_names) | {"np", "math", "f", "margins", "hm"}
        self.pool = [Value(name, shape, (scale + low) if low is not None else scale, fresh=False, names=[name],
                           active=name in wrt, low=low) for name, shape, low in params]
        self.aliases = {}            # local alias name -> what it currently names ('np', 'np.tanh'...)
        self.imports = []
        self.helper_module = None
        self.helper_functions = None

    # ---- names, statements, values

    def name(self, prefix="v"):
        while True:
            candidate = f"{prefix}{next(self.counter)}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate

    def emit(self, statement, kinks=()):
        self.margins += [(len(self.statements), k) for k in kinks]
        self.statements.append(statement)

    def pick(self, condition=lambda v: True, label="operand"):
        candidates = [v for v in self.pool if condition(v)]
        if not candidates:
            return None
        return self.ch.choice(candidates, label)

    def rebound(self, name):
        """``name`` gets a new value: drop it and every inlined expression that reads it."""
        self.pool[:] = [v for v in self.pool if v.text != name and not (v.inline and name in v.names)]

    def changed_in_place(self, base, bound):
        """The memory of ``base`` changed (an item assignment, an update through a view): every value
        sharing it may now be as large as ``bound``, and inlined expressions reading them are stale."""
        sharing = {v.text for v in self.pool if v.text == base or v.base == base}
        self.pool[:] = [v for v in self.pool if not (v.inline and v.names & sharing)]
        for v in self.pool:
            if v.text in sharing:
                v.bound = max(v.bound, bound)
                v.low = None

    def add(self, name, shape, bound, reads, fresh=True, active=None, low=None, base=None):
        for v in reads:
            v.used = True
        if active is None:
            active = any(v.active for v in reads)
        self.rebound(name)
        value = Value(name, shape, bound, fresh=fresh, names=[name], active=active, low=low, base=base)
        self.pool.append(value)
        return value

    def mutable_targets(self, shape=None, active=None, strict=True):
        """Local arrays (or numbers) that an in-place update may change: fresh, not a parameter, not
        viewed by anything. ``strict`` keeps to what the tape supports (no plain array updated with a
        value that has a gradient, no plain array mutated after a use)."""
        out = []
        for v in self.pool:
            if v.inline or not v.fresh or v.aliased or v.text in self.param_names or v.base is not None:
                continue
            if shape is not None and _bcast(v.shape, shape) != v.shape:
                continue
            if strict and active and not v.active:
                continue
            if strict and not v.active and v.used:
                continue
            out.append(v)
        return out

    # ---- expressions as statements

    def place(self, op):
        """Write the expression ``op`` (a dict from an operation maker) as an assignment, an inlined
        expression, an augmented assignment of an earlier value, or a rebinding of an old name."""
        if op.get("pair"):
            return self.unpack(op)
        op = _squash(op)
        for v in op["reads"]:
            v.used = True
        reads = frozenset().union(*(v.names for v in op["reads"]))
        active = any(v.active for v in op.get("differentiated", op["reads"]))
        fresh = op.get("fresh", True)
        if not fresh:
            for v in op["reads"]:
                v.aliased = True
        base = None
        if not fresh and len(op["reads"]) == 1:
            source = op["reads"][0]
            base = source.base or (source.text if source.text not in self.param_names and not source.inline else None)
        form = self.ch.choice(["assign", "assign", "assign", "inline", "augmented", "rebind"], "form")
        targets = [v for v in self.mutable_targets(op["shape"], active) if v.names.isdisjoint(self.param_names)]
        if form == "augmented" and targets:
            target = self.ch.choice(targets, "augmented target")
            symbol = self.ch.choice(["+", "-", "*"], "augmented op")
            if symbol == "*" and target.bound * op["bound"] > MAX_BOUND:
                symbol = "+"
            self.emit(f"{target.text} {symbol}= {op['text']}", op["kinks"])
            bound = target.bound * op["bound"] if symbol == "*" else target.bound + op["bound"]
            self.rebound(target.text)
            self.pool.append(Value(target.text, target.shape, bound, fresh=True, names=[target.text],
                                   active=active or target.active))
            return
        if form == "inline" and len(op["text"]) < 60:
            self.margins += [(len(self.statements), k) for k in op["kinks"]]
            self.pool.append(Value(f"({op['text']})", op["shape"], op["bound"], fresh=fresh, inline=True,
                                   names=reads, active=active, low=op.get("low"), base=base))
            return
        olds = [v for v in self.pool if not v.inline and v.names.isdisjoint(self.param_names)
                and v.text not in self.aliases]
        if form == "rebind" and olds:
            name = self.ch.choice(olds, "rebound name").text
        else:
            name = self.name()
        self.emit(f"{name} = {op['text']}", op["kinks"])
        self.rebound(name)
        self.pool.append(Value(name, op["shape"], op["bound"], fresh=fresh, names=[name], active=active,
                               low=op.get("low"), base=base))

    def unpack(self, op):
        """``p, q = helper_pair(a)`` or ``p, q = np.sin(a), np.cos(a)``: two new names at once."""
        for v in op["reads"]:
            v.used = True
        active = any(v.active for v in op["reads"])
        first, second = self.name(), self.name()
        written_out = self.ch.boolean("written-out tuple")
        if written_out:
            a = op["reads"][0].text
            self.emit(f"{first}, {second} = np.sin({a}), np.cos({a})")
        else:
            self.emit(f"{first}, {second} = {op['text']}")
        for name in (first, second):
            self.rebound(name)
            # helper results: source mode treats a value returned by an inlined helper as possibly shared
            self.pool.append(Value(name, op["shape"], 1.0, fresh=written_out, names=[name], active=active))


def _squash(op):
    """Keep a result bounded: wrap it in tanh/sin of itself scaled down by its bound when the bound
    is too large (scaled, so that sin does not oscillate fast: large derivatives of high order
    make finite differences inaccurate)."""
    if op["bound"] > MAX_BOUND:
        wrapper = "np.tanh" if len(op["text"]) % 2 else "np.sin"
        op = dict(op, text=f"{wrapper}(({op['text']}) / {op['bound']:.0f})", bound=1.0, fresh=True, low=None)
    return op


# ---------------------------------------------------------------- expression operations
#
# Each maker gets the builder and returns None (not applicable) or a dict with the expression
# ``text``, its ``shape`` and ``bound``, the values it reads (``reads``), ``kinks`` (margin
# expressions), ``fresh`` (False for views) and ``low`` (a positive lower bound, if any).

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
    # domains respected by construction
    ("np.arcsin(0.9 * np.tanh({a}))", lambda b: math.asin(0.9), None),
    ("np.arccos(0.8 * np.sin({a}))", lambda b: math.pi, None),
    ("np.arctanh(0.9 * np.tanh({a}))", lambda b: math.atanh(0.9), None),
    ("np.log(np.cosh({a}))", lambda b: b, None),
    ("np.arccosh({a} * {a} + 1.5)", lambda b: math.acosh(b * b + 1.5), None),
    ("np.arcsinh({a})", lambda b: math.asinh(b), None),
    ("np.log2(1 + np.exp({a}))", lambda b: (b + 1) / math.log(2), lambda b: b <= 30),
    ("np.log10({a} ** 2 + 0.5)", lambda b: max(abs(math.log10(0.5)), math.log10(b * b + 0.5)), None),
    ("np.cbrt({a} ** 2 + 1.0)", lambda b: (b * b + 1) ** (1 / 3), None),
    ("np.hypot({a}, 0.5)", lambda b: b + 0.5, None),
    ("np.logaddexp({a}, 0.0)", lambda b: b + math.log(2), None),
]

POSITIVE_UNARY = [
    # on values with a positive lower bound `low`: (template, bound(b, low), low of the result or None)
    ("np.log({a})", lambda b, low: max(abs(math.log(low)), abs(math.log(b))), None),
    ("np.sqrt({a})", lambda b, low: math.sqrt(b), lambda low: math.sqrt(low)),
    ("{a} ** 0.5", lambda b, low: math.sqrt(b), lambda low: math.sqrt(low)),
    ("{a} ** -0.5", lambda b, low: low ** -0.5, None),
    ("np.power({a}, 1.5)", lambda b, low: b ** 1.5, lambda low: low ** 1.5),
    ("1.0 / {a}", lambda b, low: 1 / low, None),
    ("np.reciprocal({a})", lambda b, low: 1 / low, None),
    ("np.log2({a})", lambda b, low: max(abs(math.log2(low)), abs(math.log2(b))), None),
    ("np.log10({a})", lambda b, low: max(abs(math.log10(low)), abs(math.log10(b))), None),
    ("np.arccosh({a} + 1.0)", lambda b, low: math.acosh(b + 1.0), None),
    ("{a} * np.log({a})", lambda b, low: max(b * abs(math.log(b)), 1 / math.e), None),
]

POSITIVE_MAKERS = [
    # values that are positive by construction: (template, bound(b), low)
    ("np.exp(np.tanh({a}))", lambda b: math.e, math.exp(-1)),
    ("{a} * {a} + 0.5", lambda b: b * b + 0.5, 0.5),
    ("np.cosh({a})", lambda b: math.cosh(b), 1.0),
    ("1.0 + np.sin({a}) ** 2", lambda b: 2.0, 1.0),
    ("np.sqrt({a} ** 2 + 1.0)", lambda b: math.sqrt(b * b + 1), 1.0),
]

UNARY_KINKED = [
    # (template, bound, [kink templates])
    ("np.abs({a})", lambda b: b, ["np.abs({a})"]),
    ("abs({a})", lambda b: b, ["np.abs({a})"]),
    ("np.absolute({a})", lambda b: b, ["np.abs({a})"]),
    ("np.clip({a}, -0.5, 0.5)", lambda b: 0.5, ["np.abs({a} - 0.5)", "np.abs({a} + 0.5)"]),
    ("np.where({a} > 0, {a}, 0.1 * {a})", lambda b: b, ["np.abs({a})"]),
    ("np.maximum({a}, 0.0)", lambda b: b, ["np.abs({a})"]),
    ("np.fmin({a}, 1.0)", lambda b: b, ["np.abs({a} - 1.0)"]),
    ("np.sign({a}) * {a} ** 2", lambda b: b * b, ["np.abs({a})"]),
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
    ("np.arctan2({a}, 2.0 + np.tanh({b}))", lambda x, y: math.pi / 2, []),
    ("np.hypot({a}, 1.0 + {b} * {b})", lambda x, y: x + 1 + y * y, []),
    ("np.true_divide({a}, np.cosh({b}))", lambda x, y: x, []),
]

SCALAR_BINARY = [
    # (math.* is not generated: the tape refuses to turn a Tensor into a plain number, by design)
    ("max({a}, {b})", lambda x, y: max(x, y), ["abs({a} - {b})"]),
    ("min({a}, {b})", lambda x, y: max(x, y), ["abs({a} - {b})"]),
]


def op_unary(b):
    a = b.pick()
    choices = [u for u in UNARY if u[2] is None or u[2](a.bound)]
    template, bound, _ = b.ch.choice(choices, "unary")
    return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound), reads=[a], kinks=[])


def op_domain(b):
    """Functions with a restricted domain, on values known to be in it."""
    a = b.pick(lambda v: v.low is not None and v.low >= 0.1, "positive operand")
    if a is None or b.ch.boolean("make a positive value"):
        a = b.pick()
        template, bound, low = b.ch.choice(POSITIVE_MAKERS, "positive maker")
        try:
            if bound(a.bound) > MAX_BOUND:
                return None
        except OverflowError:
            return None
        return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound), reads=[a], kinks=[],
                    low=low)
    template, bound, low = b.ch.choice(POSITIVE_UNARY, "positive unary")
    return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound, a.low), reads=[a], kinks=[],
                low=low(a.low) if low else None)


def op_constant(b):
    a = b.pick()
    c = b.ch.choice(CONSTANTS, "constant")
    template = b.ch.choice(["{a} * {c}", "{c} * {a}", "{a} / {c}", "{c} - {a}", "{a} + {c}", "{a} - {c}",
                            "{c} / (1 + {a} * {a})"], "constant op")
    cv = abs(float(c))
    bound = {"{a} * {c}": a.bound * cv, "{c} * {a}": a.bound * cv, "{a} / {c}": a.bound / cv,
             "{c} / (1 + {a} * {a})": cv}.get(template, a.bound + cv)
    return dict(text=template.format(a=a.text, c=c), shape=a.shape, bound=bound, reads=[a], kinks=[])


def op_kinked(b):
    a = b.pick()
    template, bound, kinks = b.ch.choice(UNARY_KINKED, "kinked")
    return dict(text=template.format(a=a.text), shape=a.shape, bound=bound(a.bound), reads=[a],
                kinks=[k.format(a=a.text) for k in kinks])


def op_binary(b):
    a = b.pick()
    c = b.pick(lambda v: v is not a and _bcast(a.shape, v.shape) is not None)
    if c is None:
        return None
    table = BINARY + (SCALAR_BINARY if a.shape == () and c.shape == () else [])
    template, bound, kinks = b.ch.choice(table, "binary")
    # builtin max/min return one of their operands itself, maybe an argument: not a fresh value
    return dict(text=template.format(a=a.text, b=c.text), shape=_bcast(a.shape, c.shape),
                bound=bound(a.bound, c.bound), reads=[a, c], kinks=[k.format(a=a.text, b=c.text) for k in kinks],
                fresh=not template.startswith(("max(", "min(")))


def op_power(b):
    """x ** y with both sides differentiable: a positive base."""
    a = b.pick(lambda v: v.low is not None and v.low >= 0.25 and v.bound <= 8, "base")
    e = b.pick(lambda v: a is not None and _bcast(a.shape, v.shape) is not None, "exponent")
    if a is None or e is None:
        return None
    text = f"{a.text} ** np.tanh({e.text})" if b.ch.boolean("tanh exponent") else f"np.power({a.text}, np.sin({e.text}))"
    bound = max(a.bound, 1 / a.low)
    return dict(text=text, shape=_bcast(a.shape, e.shape), bound=bound, reads=[a, e], kinks=[], low=min(a.low, 1 / a.bound))


def op_where(b):
    c = b.pick(label="condition")
    a = b.pick(lambda v: _bcast(c.shape, v.shape) is not None)
    d = b.pick(lambda v: _bcast(c.shape, a.shape, v.shape) is not None)
    text = f"np.where({c.text} > 0, {a.text}, {d.text})"
    return dict(text=text, shape=_bcast(c.shape, a.shape, d.shape), bound=max(a.bound, d.bound),
                reads=[c, a, d], kinks=[f"np.abs({c.text})"], differentiated=[a, d])


def _matmul_shape(x, y):
    try:
        return np.matmul(np.zeros(x), np.zeros(y)).shape
    except ValueError:
        return None


def op_matmul(b):
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    c = b.pick(lambda v: len(v.shape) >= 1 and _matmul_shape(a.shape, v.shape) is not None)
    if c is None:
        return None
    shape = _matmul_shape(a.shape, c.shape)
    k = a.shape[-1]
    forms = ["{a} @ {b}", "np.matmul({a}, {b})"]
    if len(a.shape) <= 2 and len(c.shape) <= 2:
        forms.append("np.dot({a}, {b})")
        if a.active or not c.active:
            # plain_array.dot(tensor) cannot be recorded by the tape (NumPy converts the Tensor to an
            # array, and the tape refuses to lose its gradient): a known limitation, not generated.
            forms.append("{a}.dot({b})")
    template = b.ch.choice(forms, "matmul")
    return dict(text=template.format(a=a.text, b=c.text), shape=shape, bound=a.bound * c.bound * k,
                reads=[a, c], kinks=[])


def op_outer(b):
    a = b.pick(lambda v: len(v.shape) == 1)
    c = b.pick(lambda v: len(v.shape) == 1)
    if a is None:
        return None
    return dict(text=f"np.outer({a.text}, {c.text})", shape=a.shape + c.shape, bound=a.bound * c.bound,
                reads=[a, c], kinks=[])


def op_einsum(b):
    a = b.pick(lambda v: 1 <= len(v.shape) <= 4)
    if a is None:
        return None
    letters = "ijkl"[:len(a.shape)]
    forms = []
    for c in b.pool:
        if c.shape and c.shape == a.shape[-len(c.shape):] and len(c.shape) < len(a.shape):
            sub = letters[len(a.shape) - len(c.shape):]
            forms.append((f"np.einsum('{letters},{sub}->{letters[:len(a.shape) - len(c.shape)]}', {{a}}, {c.text})", c,
                          a.shape[:len(a.shape) - len(c.shape)], int(np.prod(c.shape))))
        if c.shape == a.shape:
            forms.append((f"np.einsum('{letters},{letters}->', {{a}}, {c.text})", c, (), int(np.prod(a.shape))))
    if len(a.shape) >= 2:
        swapped = letters[1] + letters[0] + letters[2:]
        forms.append((f"np.einsum('{letters}->{swapped}', {{a}})", None, a.shape[1::-1] + a.shape[2:], 1))
    if not forms:
        return None
    template, c, shape, count = b.ch.choice(forms, "einsum")
    reads = [a] + ([c] if c is not None else [])
    bound = a.bound * (c.bound if c is not None else 1.0) * count
    # a pure permutation (np.einsum('ij->ji', a)) returns a view of a, like a.T
    return dict(text=template.format(a=a.text), shape=shape, bound=bound, reads=reads, kinks=[], fresh=c is not None)


def op_reduce(b):
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    kind = b.ch.choice(["sum", "mean", "max", "min", "prod", "var", "std"], "reduction")
    axes = [None] + list(range(len(a.shape))) + [-1]
    if len(a.shape) >= 2:
        axes += [(0, -1)] if len(a.shape) == 2 else [(1, 2), (0, 2)]
    axis = b.ch.choice(axes, "axis")
    keepdims = axis is not None and b.ch.boolean("keepdims")
    style = b.ch.choice(["function", "method"], "style")
    if kind in ("max", "min") and style == "function":
        fn = b.ch.choice([f"np.{kind}", f"np.a{kind}"], "max name")
    else:
        fn = f"np.{kind}"
    args = []
    if axis is not None:
        args.append(f"axis={axis}" if style == "function" or isinstance(axis, tuple)
                    or b.ch.boolean("axis keyword") else str(axis))
    if keepdims:
        args.append("keepdims=True")
    if style == "function":
        text = f"{fn}({', '.join([a.text] + args)})"
    else:
        text = f"{a.text}.{kind}({', '.join(args)})"
    shape = np.sum(np.zeros(a.shape), axis=axis, keepdims=keepdims).shape
    count = int(np.prod(a.shape)) // max(1, int(np.prod(shape)))
    bound = a.bound * count if kind == "sum" else a.bound
    kinks = []
    if kind == "prod":
        if a.bound ** count > MAX_BOUND * 10:
            return None
        bound = a.bound ** count
    if kind == "std":
        # the square root of the variance has a kink where the variance is 0
        kinks.append(f"np.var({a.text}, axis={axis})")
        if count < 2:
            return None
    if kind in ("max", "min"):
        kinks.append(f"_gap({a.text}, {axis}, {kind == 'min'})")
    return dict(text=text, shape=shape, bound=bound, reads=[a], kinks=kinks)


def _indices(shape):
    """(text, index object) for indexing an array of this shape."""
    if len(shape) == 1:
        out = [("[0]", 0), ("[-1]", -1), ("[1:]", slice(1, None)), ("[:-1]", slice(None, -1)),
               ("[::2]", slice(None, None, 2)), ("[::-1]", slice(None, None, -1)), ("[None]", None),
               ("[[0, 0, 1]]", [0, 0, 1]), ("[[-1, 0]]", [-1, 0]), ("[1:3]", slice(1, 3))]
    elif len(shape) == 2:
        out = [("[0]", 0), ("[-1]", -1), ("[:, 0]", (slice(None), 0)), ("[1:]", slice(1, None)),
               ("[:, 1:]", (slice(None), slice(1, None))), ("[0, 1]", (0, 1)),
               ("[::-1, ::2]", (slice(None, None, -1), slice(None, None, 2))),
               ("[:, None, :]", (slice(None), None, slice(None))), ("[..., 0]", (Ellipsis, 0)),
               ("[1:, :1]", (slice(1, None), slice(None, 1))), ("[[1, 0, 1]]", [1, 0, 1]),
               ("[:, [0, 0]]", (slice(None), [0, 0]))]
    else:
        out = [("[0]", 0), ("[..., -1]", (Ellipsis, -1)), ("[:, 1:]", (slice(None), slice(1, None))),
               ("[1:, :, 0]", (slice(1, None), slice(None), 0)), ("[:, 0, :]", (slice(None), 0, slice(None))),
               ("[::-1]", slice(None, None, -1)), ("[-1, 0]", (-1, 0)), ("[0, 1, 1]", (0, 1, 1)),
               ("[:, [0, 0]]", (slice(None), [0, 0]))]
    return [(text, index) for text, index in out if _nonempty(shape, index)]


def op_index(b):
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    choices = _indices(a.shape)
    if not choices:
        return None
    text, index = b.ch.choice(choices, "index")
    shape = np.zeros(a.shape)[index].shape
    # Advanced indexing copies and x[0, 1] is a number, but source mode treats every subscript as
    # a possible view and refuses a later in-place update of it, so it is never fresh here.
    return dict(text=f"{a.text}{text}", shape=shape, bound=a.bound, reads=[a], kinks=[], fresh=False,
                low=a.low)


def _reshapes(shape):
    size = int(np.prod(shape))
    forms = [("{a}.reshape(-1)", (size,)), ("np.reshape({a}, ({n},))", (size,)), ("{a}.ravel()", (size,)),
             ("np.ravel({a})", (size,)), ("{a}.flatten()", (size,)), ("np.transpose({a})", shape[::-1])]
    if len(shape) == 2:
        forms += [("{a}.T", shape[::-1]), ("{a}.transpose()", shape[::-1]),
                  ("np.transpose({a}, (1, 0))", shape[::-1]), ("{a}.transpose(1, 0)", shape[::-1])]
    if len(shape) == 3:
        forms += [("np.transpose({a}, (1, 0, 2))", (shape[1], shape[0], shape[2])),
                  ("np.swapaxes({a}, 0, 2)", shape[::-1]), ("{a}.swapaxes(1, 2)", (shape[0], shape[2], shape[1])),
                  ("np.moveaxis({a}, 0, -1)", shape[1:] + shape[:1]),
                  (f"{{a}}.reshape({shape[0]}, -1)", (shape[0], size // shape[0])),
                  (f"{{a}}.reshape(-1, {shape[2]})", (size // shape[2], shape[2]))]
    if 1 in shape:
        forms.append(("np.squeeze({a})", tuple(d for d in shape if d != 1)))
        forms.append(("{a}.squeeze()", tuple(d for d in shape if d != 1)))
    if len(shape) <= 2:
        forms.append(("np.expand_dims({a}, 0)", (1,) + shape))
    for p in range(2, size):
        if size % p == 0:
            forms += [(f"{{a}}.reshape({p}, {size // p})", (p, size // p)),
                      (f"np.reshape({{a}}, ({p}, -1))", (p, size // p))]
    if len(shape) == 1:
        forms += [("{a}.reshape(1, -1)", (1, size)), ("{a}.reshape(-1, 1)", (size, 1))]
    return forms


def op_shape(b):
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    template, shape = b.ch.choice(_reshapes(a.shape), "reshape")
    return dict(text=template.format(a=a.text, n=int(np.prod(a.shape))), shape=shape, bound=a.bound, reads=[a],
                kinks=[], fresh=template == "{a}.flatten()", low=a.low)


def op_helper(b):
    # Results are fresh arrays, but source mode treats a value returned by an inlined helper as
    # possibly shared and refuses a later in-place update of it, so they are never fresh here.
    a = b.pick()
    kind = b.ch.choice(["square", "mix", "scale", "scale_kw", "nested", "normalize", "pair"], "helper")
    if kind == "square":
        op = dict(text=f"helper_square({a.text})", shape=a.shape, bound=a.bound ** 2, reads=[a], kinks=[])
    elif kind == "mix":
        c = b.pick(lambda v: _bcast(a.shape, v.shape) is not None)
        op = dict(text=f"helper_mix({a.text}, {c.text})", shape=_bcast(a.shape, c.shape),
                  bound=c.bound + a.bound, reads=[a, c], kinks=[])
    elif kind == "scale":
        op = dict(text=f"helper_scale({a.text})", shape=a.shape, bound=2 * a.bound, reads=[a], kinks=[])
    elif kind == "scale_kw":
        op = dict(text=f"helper_scale({a.text}, c=-0.5)", shape=a.shape, bound=a.bound, reads=[a], kinks=[])
    elif kind == "nested":
        op = dict(text=f"helper_nested({a.text})", shape=a.shape, bound=2.0, reads=[a], kinks=[])
    elif kind == "normalize":
        op = dict(text=f"helper_normalize({a.text})", shape=a.shape, bound=1.0, reads=[a], kinks=[])
    else:
        op = dict(text=f"helper_pair({a.text})", shape=a.shape, bound=1.0, reads=[a], kinks=[], pair=True)
    op["fresh"] = False
    return op


def op_idiom(b):
    """Common numerical idioms: centring, log-sum-exp, masks, constant arrays, tuple axes."""
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    kind = b.ch.choice(["centre", "logsumexp", "mask", "linspace", "ones", "tuple_axis", "softmax", "norm"],
                       "idiom")
    if kind == "centre":
        return dict(text=f"{a.text} - np.mean({a.text}, axis=-1, keepdims=True)", shape=a.shape,
                    bound=2 * a.bound, reads=[a], kinks=[])
    if kind == "logsumexp":
        if a.bound > 30:
            return None
        size = int(np.prod(a.shape))
        return dict(text=f"np.max({a.text}) + np.log(np.sum(np.exp({a.text} - np.max({a.text}))))", shape=(),
                    bound=a.bound + math.log(size), reads=[a], kinks=[])
    if kind == "softmax":
        if a.bound > 30:
            return None
        return dict(text=f"np.exp({a.text}) / np.sum(np.exp({a.text}), axis=-1, keepdims=True)", shape=a.shape,
                    bound=1.0, reads=[a], kinks=[])
    if kind == "norm":
        return dict(text=f"np.linalg.norm({a.text})", shape=(), bound=a.bound * math.sqrt(np.prod(a.shape)),
                    reads=[a], kinks=[f"np.linalg.norm({a.text})"])
    if kind == "mask":
        c = b.pick(lambda v: _bcast(a.shape, v.shape) is not None)
        return dict(text=f"{a.text} * ({c.text} > 0)", shape=_bcast(a.shape, c.shape), bound=a.bound,
                    reads=[a, c], kinks=[f"np.abs({c.text})"], differentiated=[a])
    if kind == "linspace":
        return dict(text=f"{a.text} * np.linspace(0.5, 1.5, {a.shape[-1]})", shape=a.shape, bound=1.5 * a.bound,
                    reads=[a], kinks=[])
    if kind == "ones":
        return dict(text=f"{a.text} + np.ones({a.shape!r})", shape=a.shape, bound=a.bound + 1, reads=[a], kinks=[])
    if len(a.shape) < 2:
        return None
    return dict(text=f"np.sum({a.text}, axis=(0, -1))", shape=np.sum(np.zeros(a.shape), axis=(0, -1)).shape,
                bound=a.bound * a.shape[0] * a.shape[-1], reads=[a], kinks=[])


def op_structural(b):
    """Joining and rearranging: concatenate/stack of values, flip, roll, tile, repeat, diag, cumsum."""
    a = b.pick(lambda v: len(v.shape) >= 1)
    if a is None:
        return None
    kind = b.ch.choice(["concatenate", "stack", "flip", "roll", "tile", "repeat", "cumsum", "triu", "diff"],
                       "structural")
    if kind in ("concatenate", "stack"):
        c = b.pick(lambda v: v.shape == a.shape)
        if kind == "concatenate":
            shape = (2 * a.shape[0],) + a.shape[1:]
            return dict(text=f"np.concatenate([{a.text}, {c.text}])", shape=shape, bound=max(a.bound, c.bound),
                        reads=[a, c], kinks=[])
        return dict(text=f"np.stack(({a.text}, {c.text}), axis=-1)", shape=a.shape + (2,),
                    bound=max(a.bound, c.bound), reads=[a, c], kinks=[])
    if kind == "flip":
        return dict(text=f"np.flip({a.text}, axis=0)", shape=a.shape, bound=a.bound, reads=[a], kinks=[],
                    fresh=False)
    if kind == "roll":
        return dict(text=f"np.roll({a.text}, 1)", shape=a.shape, bound=a.bound, reads=[a], kinks=[])
    if kind == "tile":
        return dict(text=f"np.tile({a.text}, 2)", shape=a.shape[:-1] + (2 * a.shape[-1],), bound=a.bound,
                    reads=[a], kinks=[])
    if kind == "repeat":
        return dict(text=f"np.repeat({a.text}, 2, axis=0)", shape=(2 * a.shape[0],) + a.shape[1:], bound=a.bound,
                    reads=[a], kinks=[])
    if kind == "cumsum":
        return dict(text=f"np.cumsum({a.text}, axis=-1)", shape=a.shape, bound=a.bound * a.shape[-1], reads=[a],
                    kinks=[])
    if kind == "diff":
        if a.shape[-1] < 2:
            return None
        return dict(text=f"np.diff({a.text})", shape=a.shape[:-1] + (a.shape[-1] - 1,), bound=2 * a.bound,
                    reads=[a], kinks=[])
    if len(a.shape) != 2:
        return None
    return dict(text=f"np.triu({a.text})", shape=a.shape, bound=a.bound, reads=[a], kinks=[])


EXPRESSIONS = [op_unary, op_unary, op_constant, op_kinked, op_binary, op_binary, op_binary, op_where,
               op_matmul, op_outer, op_reduce, op_reduce, op_index, op_shape, op_helper, op_idiom, op_domain,
               op_power, op_structural]
SCALAR_EXPRESSIONS = [op_unary, op_unary, op_constant, op_kinked, op_binary, op_binary, op_where, op_helper,
                      op_domain, op_power]
BATCHED_EXPRESSIONS = EXPRESSIONS + [op_einsum, op_matmul, op_reduce, op_shape]


def expression(maker):
    """An expression maker as a step: the expression is placed as a statement (or inlined)."""
    def step(b):
        op = maker(b)
        if op is not None:
            b.place(op)
    step.__name__ = maker.__name__
    return step


# ---------------------------------------------------------------- block constructs
#
# Each writes its own statements (and adds the values it makes to the pool), or does nothing.


def _element(b, a, label):
    """An element expression derived from ``a``: itself, or a smooth function of it."""
    form = b.ch.choice(["{a}", "{a}", "np.sin({a})", "{a} * 2.0", "np.tanh({a}) + {a}"], label)
    bound = {"{a}": a.bound, "np.sin({a})": 1.0, "{a} * 2.0": 2 * a.bound}.get(form, a.bound + 1)
    return form.format(a=a.text), bound


def blk_list(b):
    """A list built with append/extend, read by np.stack / np.concatenate / sum / indexing."""
    a = b.pick(label="list element")
    same = [v for v in b.pool if v.shape == a.shape]
    count = b.ch.integer(1, 4, "list length")
    items = [a] + [b.ch.choice(same, "list element") for _ in range(count - 1)]
    texts, bounds = zip(*[_element(b, v, "element form") for v in items])
    name = b.name("parts")
    style = b.ch.choice(["append", "literal", "extend", "mixed"], "list style")
    if style == "append":
        b.emit(f"{name} = []")
        for t in texts:
            b.emit(f"{name}.append({t})")
    elif style == "literal":
        b.emit(f"{name} = [{', '.join(texts)}]")
    elif style == "extend":
        b.emit(f"{name} = []")
        b.emit(f"{name}.extend([{', '.join(texts)}])")
    else:
        b.emit(f"{name} = [{texts[0]}]")
        if len(texts) > 1:
            b.emit(f"{name}.extend(({', '.join(texts[1:])},))")
        b.emit(f"{name}.append({texts[0]} * 0.5)")
        texts = texts + (f"{texts[0]} * 0.5",)
        bounds = bounds + (bounds[0] / 2,)
    k = len(texts)
    bound = max(bounds)
    consumers = [(f"np.stack({name})", (k,) + a.shape, bound, True),
                 (f"np.stack({name}, axis=-1)", a.shape + (k,), bound, True),
                 (f"sum({name})", a.shape, bound * k, True),
                 (f"{name}[-1]", a.shape, bounds[-1], False),
                 (f"{name}[0] * {name}[-1]", a.shape, bounds[0] * bounds[-1], True),
                 (f"np.sum(np.stack({name}), axis=0)", a.shape, bound * k, True)]
    if a.shape:
        consumers.append((f"np.concatenate({name})", (k * a.shape[0],) + a.shape[1:], bound, True))
        consumers.append((f"np.concatenate({name}, axis=-1)", a.shape[:-1] + (k * a.shape[-1],), bound, True))
    text, shape, out_bound, fresh = b.ch.choice(consumers, "list consumer")
    if out_bound > MAX_BOUND:
        text, out_bound, fresh = f"np.tanh(({text}) / {out_bound:.0f})", 1.0, True
    out = b.name()
    b.emit(f"{out} = {text}")
    value = b.add(out, shape, out_bound, items, fresh=False)
    value.fresh = False             # L[-1] is the element itself; keep every consumer out of in-place updates
    if not fresh:
        for v in items:
            v.aliased = True


def blk_dict(b):
    """A dict with constant keys: built, updated by key, read by key."""
    a = b.pick(label="dict value")
    c = b.pick(lambda v: _bcast(a.shape, v.shape) is not None, "dict value")
    name = b.name("d")
    ta, ba = _element(b, a, "element form")
    tc, bc = _element(b, c, "element form")
    style = b.ch.choice(["literal", "keys", "dict()"], "dict style")
    if style == "literal":
        b.emit(f"{name} = {{'w': {ta}, 'b': {tc}}}")
    elif style == "keys":
        b.emit(f"{name} = {{}}")
        b.emit(f"{name}['w'] = {ta}")
        b.emit(f"{name}['b'] = {tc}")
    else:
        b.emit(f"{name} = dict(w={ta}, b={tc})")
    bw = ba
    bare = ta == a.text          # d['w'] is a itself (maybe an argument): never updated in place
    if b.ch.boolean("rebind a key"):
        b.emit(f"{name}['w'] = np.sin({name}['w']) + {name}['b']")
        bw, bare = 1.0 + bc, False
    if b.ch.boolean("augment a key") and bw * 2 <= MAX_BOUND:
        # a fresh array under 'w' is updated in place (seen through the dict only)
        b.emit(f"{name}['w'] = {name}['w'] * 2.0" if bare else f"{name}['w'] *= 2.0")
        bw *= 2
    shape = _bcast(a.shape, c.shape)
    text, bound = b.ch.choice([(f"{name}['w'] * {name}['b']", bw * bc), (f"{name}['w'] + np.cos({name}['b'])", bw + 1),
                               (f"np.sum({name}['w']) + np.sum({name}['b'])", None),
                               (f"{name}.get('b', 0.0) - {name}['w']", bw + bc)], "dict consumer")
    if bound is None:
        bound = bw * max(1, int(np.prod(a.shape))) + bc * max(1, int(np.prod(c.shape)))
        shape = ()
    if bound > MAX_BOUND:
        text, bound = f"np.tanh(({text}) / {bound:.0f})", 1.0
    out = b.name()
    b.emit(f"{out} = {text}")
    b.add(out, shape, bound, [a, c])


def blk_setitem(b):
    """Item assignment and augmented item assignment into a local copy or a buffer."""
    a = b.pick(lambda v: len(v.shape) >= 1, "array")
    if a is None:
        return
    y = b.name("y")
    style = b.ch.choice(["copy()", "np.copy", "* 1.0", "zeros", "ones", "zeros_like", "astype"], "local array")
    if style == "copy()":
        b.emit(f"{y} = {a.text}.copy()")
        bound, reads, active = a.bound, [a], a.active
    elif style == "np.copy":
        b.emit(f"{y} = np.copy({a.text})")
        bound, reads, active = a.bound, [a], a.active
    elif style == "* 1.0":
        b.emit(f"{y} = {a.text} * 1.0")
        bound, reads, active = a.bound, [a], a.active
    elif style == "astype":
        b.emit(f"{y} = {a.text}.astype(float)")
        bound, reads, active = a.bound, [a], a.active
    elif style == "zeros_like":
        b.emit(f"{y} = np.zeros_like({a.text})")
        bound, reads, active = 0.0, [], False
    else:
        b.emit(f"{y} = np.{style}({a.shape!r})")
        bound, reads, active = 1.0, [], False
    shape = a.shape
    reads = list(reads)
    for _ in range(b.ch.integer(1, 3, "updates")):
        index_text, index = b.ch.choice(_indices(shape) or [("[0]", 0)], "target index")
        if index is None:
            continue
        target_shape = np.zeros(shape)[index].shape
        v = b.pick(lambda u: u.text != y and _bcast(target_shape, u.shape) == target_shape, "new value")
        symbol = b.ch.choice(["=", "+=", "-=", "*="], "update")
        if v is None:
            value_text, value_bound, value_active = "0.5", 0.5, False
        else:
            value_text, value_bound = _element(b, v, "value form")
            value_active = v.active
            reads.append(v)
        if symbol == "*=" and bound * value_bound > MAX_BOUND:
            symbol = "+="
        b.emit(f"{y}{index_text} {symbol} {value_text}")
        bound = {"=": max(bound, value_bound), "*=": max(bound, bound * value_bound)}.get(symbol, bound + value_bound)
        active = active or value_active
    b.add(y, shape, bound, reads, fresh=True, active=active)


def blk_mutate_constant(b):
    """A constant array used, then mutated in place, then used again (CSE must not merge the uses)."""
    a = b.pick(lambda v: len(v.shape) >= 1, "array")
    if a is None:
        return
    c = b.name("c")
    b.emit(f"{c} = np.linspace(0.5, 1.5, {int(np.prod(a.shape))}).reshape({a.shape!r})")
    first = b.name()
    b.emit(f"{first} = {a.text} * {c}")
    mutation = b.ch.choice([f"{c}[0] = 2.5", f"{c} += 1.0", f"{c} *= -1.0", f"{c}[...] = 0.25",
                            f"{c}[-1] -= 0.5"], "mutation")
    b.emit(mutation)
    second = b.name()
    b.emit(f"{second} = {a.text} * {c}")
    b.add(first, a.shape, 1.5 * a.bound, [a], fresh=False)
    b.add(second, a.shape, 2.5 * a.bound, [a], fresh=False)


def blk_view(b):
    """A view of a local array (or of a parameter, read only), read; maybe updated in place through
    the view or through the array, then both read."""
    owners = [v for v in b.pool if len(v.shape) >= 1 and not v.inline]
    if not owners:
        return
    a = b.ch.choice(owners, "viewed array")
    # updated only when nothing else shares its memory (otherwise: a read-only view)
    local = a.text not in b.param_names and a.fresh and not a.aliased and a.base is None
    if not local and b.ch.boolean("make a local copy first"):
        y = b.name("y")
        b.emit(f"{y} = {a.text} * 1.0")
        a = b.add(y, a.shape, a.bound, [a], fresh=True)
        local = True
    forms = [(t, s) for t, s in _reshapes(a.shape) if t != "{a}.flatten()"]
    forms += [(f"{{a}}{text}", np.zeros(a.shape)[index].shape) for text, index in _indices(a.shape)
              if not isinstance(index, list) and not (isinstance(index, tuple) and any(isinstance(i, list) for i in index))]
    template, shape = b.ch.choice(forms, "view")
    w = b.name("w")
    b.emit(f"{w} = {template.format(a=a.text, n=int(np.prod(a.shape)))}")
    base = a.base or a.text
    a.aliased = True
    view = b.add(w, shape, a.bound, [a], fresh=False, base=base if local else None)
    if not local:
        return
    update = b.ch.choice(["none", "view *=", "view +=", "view item", "base +=", "base item"], "update")
    if update == "none":
        return
    v = b.pick(lambda u: u.text not in (w, a.text) and u.base != base
               and _bcast(shape, u.shape) == shape, "update value")
    vt, vb = ("0.5", 0.5) if v is None else _element(b, v, "value form")
    reads = [v] if v is not None else []
    if update == "view *=":
        b.emit(f"{w} *= 2.0")
        bound = 2 * a.bound
    elif update == "view +=":
        b.emit(f"{w} += {vt}")
        bound = a.bound + vb
    elif update == "view item":
        if not shape:
            return
        b.emit(f"{w}[0] = {vt if v is None or v.shape == () else '0.75'}")
        bound = max(a.bound, vb)
    elif update == "base +=":
        if _bcast(a.shape, v.shape if v is not None else ()) != a.shape:
            vt, vb = "0.5", 0.5
        b.emit(f"{a.text} += {vt}")
        bound = a.bound + vb
    else:
        b.emit(f"{a.text}[0] = {vt if v is None or v.shape == () else '-0.25'}")
        bound = max(a.bound, vb)
    for u in reads:
        u.used = True
    b.changed_in_place(base, bound)
    if any(u.active for u in reads):
        for u in b.pool:
            if u.text == base or u.base == base:
                u.active = True
    # both the array and the view are read afterwards
    out = b.name()
    b.emit(f"{out} = np.sum({a.text} * {a.text}) + np.sum(np.sin({w}))")
    b.add(out, (), bound * bound * max(1, int(np.prod(a.shape))) + max(1, int(np.prod(shape))), [a, view])
    del view


ALIAS_TARGETS = [
    # (alias value, [(call template, bound(b) of an elementwise result, or None for a scalar result)])
    ("np", [("{f}.sum({a})", None), ("{f}.tanh({a})", lambda b: 1.0), ("{f}.exp({f}.sin({a}))", lambda b: math.e),
            ("{f}.mean({a} ** 2)", None)]),
    ("np.tanh", [("{f}({a})", lambda b: 1.0)]),
    ("np.sin", [("{f}({a}) * {a}", lambda b: b)]),
    ("np.sum", [("{f}({a})", None)]),
    ("np.linalg", [("{f}.norm({a} + 2.0 * {a} * {a} + 1.0)", None)]),
    ("math", [("{f}.pi * {a}", lambda b: math.pi * b)]),
    ("helper_scale", [("{f}({a}, 0.5)", lambda b: b / 2)]),
]


def blk_alias(b):
    """A local alias of a module or a function, used (and maybe rebound to another function)."""
    target, calls = b.ch.choice(ALIAS_TARGETS, "alias target")
    names = {"np": "xp", "np.linalg": "la", "math": "m", "np.sum": "total"}
    existing = [n for n, t in b.aliases.items() if t == target]
    if existing and b.ch.boolean("reuse alias"):
        alias = existing[0]
    else:
        alias = b.name(names.get(target, "act"))
        if target == "np" and b.ch.boolean("import statement"):
            b.emit(f"import numpy as {alias}")
        else:
            b.emit(f"{alias} = {target}")
        b.aliases[alias] = target
    template, bound = b.ch.choice(calls, "alias call")
    a = b.pick(label="operand")
    text = template.format(f=alias, a=a.text)
    size = max(1, int(np.prod(a.shape)))
    if bound is None:
        shape, value_bound = (), (a.bound * size if "sum" in template else 3 * a.bound * a.bound * size + size)
    else:
        shape, value_bound = a.shape, bound(a.bound)
    if value_bound > MAX_BOUND:
        text, value_bound = f"np.tanh(({text}) / {value_bound:.0f})", 1.0
    out = b.name()
    b.emit(f"{out} = {text}")
    b.add(out, shape, value_bound, [a])
    if target in ("np.tanh", "np.sin") and b.ch.boolean("rebind the alias"):
        other = "np.sin" if target == "np.tanh" else "np.tanh"
        b.emit(f"{alias} = {other}")
        b.aliases[alias] = other
        out = b.name()
        b.emit(f"{out} = {alias}({a.text})")
        b.add(out, a.shape, 1.0, [a])


def blk_comprehension(b):
    """Generator expressions, list and dict comprehensions over arrays and ranges."""
    a = b.pick(lambda v: len(v.shape) >= 1, "iterated array")
    if a is None:
        return
    n = a.shape[0]
    row = a.shape[1:]
    size = max(1, int(np.prod(row)))
    c = b.pick(lambda v: v.shape == (), "scalar")
    ct = c.text if c is not None else "0.5"
    cb = c.bound if c is not None else 0.5
    u = b.name("u")
    i = b.name("i")
    forms = [
        (f"sum({u} ** 2 for {u} in {a.text})", row, a.bound ** 2 * n),
        (f"sum([np.sin({u}) * {ct} for {u} in {a.text}])", row, cb * n),
        (f"np.stack([{u} * {ct} for {u} in {a.text}])", a.shape, a.bound * cb),
        (f"np.stack([{a.text}[{i}] * ({i} + 1.0) for {i} in range({n})])", a.shape, a.bound * n),
        (f"sum({a.text}[{i}] * {a.text}[{n - 1} - {i}] for {i} in range({n}))", row, a.bound ** 2 * n),
        (f"np.concatenate([np.tanh({u})[None] for {u} in {a.text}])", a.shape, 1.0),
        (f"sum(np.sum({u}) for {u} in [{a.text}, {a.text} * {ct}])", (), a.bound * (1 + cb) * size * n),
        (f"np.stack([np.cos({u}) for {u} in {a.text} if True])", a.shape, 1.0),
    ]
    text, shape, bound = b.ch.choice(forms, "comprehension")
    reads = [a] + ([c] if c is not None and ct in text else [])
    a.aliased = True            # its rows were taken as views (the tape then refuses in-place updates of it)
    if b.ch.boolean("dict comprehension") and n >= 2:
        d = b.name("d")
        b.emit(f"{d} = {{{i}: {a.text}[{i}] ** 2 for {i} in range({n})}}")
        text, shape, bound = f"{d}[0] - {d}[{n - 1}] * {ct}", row, a.bound ** 2 * (1 + cb)
    if bound > MAX_BOUND:
        text, bound = f"np.tanh(({text}) / {bound:.0f})", 1.0
    out = b.name()
    b.emit(f"{out} = {text}")
    b.add(out, shape, bound, reads)


HELPER_TEMPLATES = [
    # (source with {name} {callee} {c}, arity, bound(b1, b2) of the result, needs a callee)
    ("def {name}(u):\n    return np.tanh(u) * {c} + u", 1, lambda x, y: x + 2.0, False),
    ("def {name}(u, w):\n    t = np.sin(u) * w\n    return t / (1.0 + t * t)", 2, lambda x, y: 0.5, False),
    ("def {name}(u):\n    s = xnp.sum(u * u)\n    return u / xnp.sqrt(s + 1.0)", 1, lambda x, y: 1.0, False),
    ("def {name}(u, w):\n    return np.exp(-(u - w) ** 2 / 2.0)", 2, lambda x, y: 1.0, False),
    ("def {name}(u):\n    return np.cos(u) * OFFSET", 1, lambda x, y: 1.5, False),
    ("def {name}(u, c={c}):\n    return c * u", 1, lambda x, y: 2.0 * x, False),
    ("def {name}(u):\n    return np.tanh({callee}(u)) * SCALE + u", 1, lambda x, y: x + 0.5, True),
    ("def {name}(u, w):\n    a = {callee}(u)\n    b = np.sin(w)\n    return a * b", 2, lambda x, y: None, True),
    ("def {name}(u):\n    return np.log1p(np.exp(-np.abs(u))) + np.maximum(u, 0.0)", 1, lambda x, y: x + 1.0, False),
]


def _make_helper_module(b):
    """A second module of 2-4 helpers (module globals, an alias of numpy, helper calling helper)."""
    functions = []          # (name, arity, bound function)
    lines = ["import numpy as np", "import numpy as xnp", "", f"SCALE = {b.ch.choice(['0.5', '-0.25', '1.5'], 'SCALE')}",
             f"OFFSET = {b.ch.choice(['1.5', '-0.75'], 'OFFSET')}", ""]
    for k in range(b.ch.integer(2, 4, "helpers in the module")):
        options = [t for t in HELPER_TEMPLATES if not t[3] or any(f[1] == 1 for f in functions)]
        template, arity, bound, needs = b.ch.choice(options, "helper template")
        name = f"h{k}"
        callee = None
        if needs:
            callee = b.ch.choice([f for f in functions if f[1] == 1], "callee")
            if template.startswith("def {name}(u, w):\n    a ="):
                callee_bound = callee[2]
                bound = (lambda cb: lambda x, y: cb(x, y) or 1.0)(callee_bound)
            callee = callee[0]
        c = b.ch.choice(["0.5", "-1.0", "2.0"], "helper constant")
        lines += ["", template.format(name=name, callee=callee, c=c), ""]
        functions.append((name, arity, bound))
    b.helper_module = "\n".join(lines) + "\n"
    b.helper_functions = functions
    style = b.ch.choice(["module", "from"], "import style")
    if style == "module":
        b.imports.append(f"import {HELPER_MODULE_TOKEN} as hm")
        b.helper_call = lambda name: f"hm.{name}"
    else:
        b.imports.append(f"from {HELPER_MODULE_TOKEN} import {', '.join(f[0] for f in functions)}")
        b.helper_call = lambda name: name


def blk_module_helper(b):
    """A call of a helper defined in another generated module (directly, or through a local alias)."""
    if b.helper_functions is None:
        _make_helper_module(b)
    name, arity, bound = b.ch.choice(b.helper_functions, "module helper")
    a = b.pick(label="helper argument")
    reads = [a]
    args = [a.text]
    shape = a.shape
    second = None
    if arity == 2:
        second = b.pick(lambda v: _bcast(a.shape, v.shape) is not None, "second helper argument")
        reads.append(second)
        args.append(second.text)
        shape = _bcast(a.shape, second.shape)
    value_bound = bound(a.bound, second.bound if second is not None else 0.0)
    if value_bound is None:
        value_bound = 1.0
    value_bound = max(value_bound, 2.0 * a.bound + 2.0)        # generous: the bounds above are for |u| <= b
    callee = b.helper_call(name)
    if b.ch.boolean("local alias of the helper"):
        alias = b.name("fn")
        b.emit(f"{alias} = {callee}")
        callee = alias
    text = f"{callee}({', '.join(args)})"
    if value_bound > MAX_BOUND:
        text, value_bound = f"np.tanh({text} / {value_bound:.0f})", 1.0
    out = b.name()
    b.emit(f"{out} = {text}")
    b.add(out, shape, value_bound, reads, fresh=False)


def blk_effect(b):
    """Calls that write into their arguments: np.add.at, out=, np.copyto, dict.update, list insert/pop."""
    a = b.pick(lambda v: len(v.shape) == 1, "vector")
    kind = b.ch.choice(["add.at", "out=", "copyto", "dict.update", "list.insert", "list.pop", "fill"], "effect")
    out = b.name()
    if a is None:
        a = b.pick(lambda v: len(v.shape) >= 1, "array")
        if a is None:
            return
        if kind == "add.at":
            kind = "out="
    n = a.shape[0]
    if kind == "add.at":
        buf = b.name("buf")
        indices = [min(k, n - 1) for k in (0, 0, 1)][:n] if n < 3 else [0, 0, 1] + list(range(n - 3))
        b.emit(f"{buf} = np.zeros({n})")
        b.emit(f"np.add.at({buf}, {indices[:n]}, {a.text})")
        b.emit(f"{out} = np.sum({buf} ** 2)")
        b.add(out, (), (2 * a.bound) ** 2 * n, [a])
    elif kind == "out=":
        buf = b.name("buf")
        b.emit(f"{buf} = np.empty({a.shape!r})")
        b.emit(f"np.multiply({a.text}, 2.0, out={buf})")
        b.emit(f"{out} = {buf} * {a.text}")
        b.add(out, a.shape, 2 * a.bound ** 2, [a])
    elif kind == "copyto":
        buf = b.name("buf")
        b.emit(f"{buf} = np.ones({a.shape!r})")
        b.emit(f"np.copyto({buf}, np.sin({a.text}))")
        b.emit(f"{out} = {buf} + {a.text}")
        b.add(out, a.shape, 1 + a.bound, [a])
    elif kind == "fill":
        buf = b.name("buf")
        b.emit(f"{buf} = {a.text} * 2.0")
        b.emit(f"{buf}.fill(0.5)")
        b.emit(f"{out} = {buf} * {a.text}")
        b.add(out, a.shape, 0.5 * a.bound, [a])
    elif kind == "dict.update":
        d = b.name("d")
        b.emit(f"{d} = {{'p': {a.text}}}")
        b.emit(f"{d}.update({{'q': np.cos({a.text}), 'p': {a.text} * 3.0}})")
        b.emit(f"{out} = {d}['p'] + {d}['q']")
        b.add(out, a.shape, 3 * a.bound + 1, [a])
    elif kind == "list.insert":
        parts = b.name("parts")
        b.emit(f"{parts} = [{a.text}]")
        b.emit(f"{parts}.insert(0, np.tanh({a.text}))")
        b.emit(f"{out} = {parts}[0] * {parts}[1]")
        b.add(out, a.shape, a.bound, [a])
    else:
        parts = b.name("parts")
        b.emit(f"{parts} = [np.sin({a.text}), {a.text} * 2.0]")
        b.emit(f"{out} = {parts}.pop() + {parts}[-1]")
        b.add(out, a.shape, 2 * a.bound + 1, [a])


# ---------------------------------------------------------------- programs

LAYOUTS = {
    "matrix": [(2, 3), (3, 2), (3, 4), (2, 2), (1, 3), (4, 1)],
    "batched": [(2, 2, 3), (2, 3, 2), (3, 2, 2), (2, 1, 3), (1, 2, 2)],
}


def _family_steps(family):
    core = [expression(m) for m in EXPRESSIONS]
    if family == "scalar":
        return [expression(m) for m in SCALAR_EXPRESSIONS]
    if family in ("batched", "float32"):
        return [expression(m) for m in BATCHED_EXPRESSIONS]
    extra = {
        "core": [],
        "containers": [blk_list, blk_list, blk_list, blk_dict, blk_dict],
        "inplace": [blk_setitem, blk_setitem, blk_setitem, blk_mutate_constant],
        "views": [blk_view, blk_view, blk_view, blk_view],
        "aliases": [blk_alias, blk_alias, blk_alias],
        "comprehensions": [blk_comprehension, blk_comprehension, blk_comprehension],
        "modules": [blk_module_helper, blk_module_helper, blk_module_helper],
        "effects": [blk_effect, blk_effect],
    }[family]
    return core + extra * 3 if extra else core


def _params(ch, family):
    if family == "scalar":
        names = ch.choice([("a",), ("a", "b"), ("a", "b", "c"), ("a", "p"), ("a", "b", "p"), ("p",)], "params")
        return [(name, (), 0.5 if name == "p" else None) for name in names]
    layout = "batched" if family == "batched" else ("matrix" if family != "float32" or ch.boolean("layout")
                                                      else "batched")
    if family not in ("batched", "float32", "scalar") and ch.choice([0, 0, 0, 1], "layout") == 1:
        layout = "batched"
    shape = ch.choice(LAYOUTS[layout], "shape")
    if layout == "matrix":
        m, n = shape
        available = [("x", (n,), None), ("A", (m, n), None), ("s", (), None), ("y", (m,), None), ("p", (n,), 0.5)]
    else:
        k, m, n = shape
        available = [("T", (k, m, n), None), ("A", (m, n), None), ("x", (n,), None), ("s", (), None),
                     ("p", (n,), 0.5)]
    chosen = []
    for name, _, _ in available:
        if ch.choice([True, False, False], f"param {name}"):
            chosen.append(name)
    if not chosen:
        chosen = [ch.choice([name for name, _, _ in available], "the one param")]
    return [p for p in available if p[0] in chosen]


def build_program(ch, family="core", max_length=MAX_LENGTH):
    """A random program of ``family`` from the decisions of ``ch``."""
    params = _params(ch, family)
    names = [p[0] for p in params]
    if len(names) > 1 and ch.boolean("wrt subset"):
        wrt = tuple(n for n in names if ch.boolean(f"wrt {n}"))
        wrt = wrt or (names[0],)
    else:
        wrt = tuple(names)
    scale = ch.choice([1.5, 1.5, 3.0, 5.0], "input scale")
    dtype = "float32" if family == "float32" else "float64"
    b = Builder(ch, family, params, wrt, scale, dtype)
    steps = _family_steps(family)
    length = ch.integer(1, max_length, "length")
    attempts = 0
    while len(b.statements) < length and attempts < 3 * length + 5:
        attempts += 1
        step = ch.choice(steps, "step")
        step(b)
        if len(b.statements) > max_length + 8:
            break
    if not b.statements:
        a = b.pool[0]
        b.emit(f"v_last = np.sin({a.text}) * 2.0")
        b.add("v_last", a.shape, 2.0, [a])
    terms = [v for v in b.pool if not v.used and v.text not in b.param_names] or [b.pool[-1]]
    result = " + ".join(v.text if v.shape == () else f"np.sum({v.text})" for v in terms)
    seed = ch.integer(0, 2 ** 32 - 1, "input seed")
    return Program(family, params, wrt, b.statements, b.margins, result, seed, scale=scale, dtype=dtype,
                   helper_module=b.helper_module, imports=b.imports)


def random_program(seed, family=None):
    """The program of ``seed`` (the long runner): family chosen from the seed too, unless given."""
    ch = RandomChooser(seed)
    family = family or ch.choice(FAMILIES, "family")
    return build_program(ch, family)
