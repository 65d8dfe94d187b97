"""Random NumPy programs, written as source text.

A program is a module: ``f`` (the function differentiated), ``margins`` (the same statements,
returning the distance of every kink — ``np.maximum``, ``np.abs``, ``np.where`` conditions, ``np.clip``
bounds, ``np.max`` ties... — from its input, so that programs whose inputs come closer than
``KINK_MARGIN`` are discarded) and fixed helpers; the ``modules`` family adds a second generated module
of helpers that ``f`` imports and calls.

Control flow makes ``f`` discontinuous where a comparison of differentiated values changes its
outcome, so every comparison of floats (``if``/``elif`` and ``while`` conditions, conditional
expressions, the conditions of ``break``, ``continue`` and ``return``) is a kink too: ``margins``
records its distance from its threshold wherever ``f`` evaluates it, inside a loop at every
iteration (a compound statement is a ``Block``: its text in ``f``, and in ``margins`` the same lines
with ``_m.append(...)`` lines added where conditions and kinks are evaluated, ``while`` conditions
that record themselves, and ``return _m`` for every ``return``). Comparisons of ints (counters,
shapes, the int argument ``n``) record nothing. ``test_margins_cover_every_control_flow_decision``
checks that no path changes when an input moves by a fraction of the smallest margin.

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
* ``effects``: ``np.add.at``, ``out=``, ``np.copyto``, ``dict.update``, list ``insert``/``pop``;
* ``branches``: ``if``/``elif``/``else`` on data (``np.sum(x) > 0.3``, ``a > b``), on shapes, on a local
  flag and on a plain int argument ``n``, with ``and``/``or``/``not``; conditional expressions;
  a variable defined in every arm, or defined before and assigned in some arms only; early
  ``return`` (and ``if``/``elif`` returns) followed by more code; nested ifs;
* ``loops``: ``for`` over ``range`` (constant, ``len(x)``, ``x.shape[0]``, start/stop/step, backwards,
  ``n``, 0, 1 or many iterations), rows of an array, ``enumerate``, ``zip``, ``reversed``, tuples and
  constants; accumulators (sums, ``+=``, products, decays, running maxima, a value constant on the
  first iteration and differentiated after); ``while`` with a bounded count and a condition on the
  data, fixed-point iterations, ``while True`` with ``break``; ``break``/``continue`` on data or on the
  counter, ``for ... else``, ``return`` inside a loop; nested loops; item assignment into local
  arrays (maps, recurrences ``y[i] = 0.5 * y[i - 1] + ...``, prefix sums, a branch per item); lists
  appended to and stacked; recurrent states ``h = np.tanh(M @ u + 0.5 * h)``; helpers called in loops.
  Differentiated values written into a plain array (``y = np.zeros(n)`` then ``y[i] = x[i]``, which
  the tape refuses by name: the oracle's status 'refused') are drawn rarely; mostly the buffer is
  made from the data (``x.copy()``, ``x * 0.0``) or a list is stacked instead.

Every value keeps a bound across iterations (squashed by tanh, halved, or few iterations: at
most 8 for ``while``). Arguments are floats and arrays, plus, in ``branches`` and ``loops``, maybe a
plain int ``n`` (0 to 5, never differentiated).

The constructs of the later families are generated even where an engine is known to refuse them:
the oracle accepts a refusal only as source mode's ``TransformError`` (auto mode must then agree
with finite differences); an error of the tape on valid code is a failure too.
"""

import contextlib
import itertools
import math
import random
import textwrap

import numpy as np

KINK_MARGIN = 3e-3          # inputs of kinks must stay this far from them (FD steps move them ~1e-4)
MAX_BOUND = 60.0            # no intermediate value may exceed this in absolute value
MAX_LENGTH = 30             # statements per program, at most (block constructs may add a few)

FAMILIES = ("core", "scalar", "batched", "float32", "containers", "inplace", "views", "aliases",
            "comprehensions", "modules", "effects", "branches", "loops")

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
        self.params = params        # [(name, shape, low)]: low is the lower end of the input range, or None,
                                    # or "int" for a plain int argument (0 to 5, never differentiated)
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
                s = getattr(s, "margin_source", s)        # a Block: its lines with their margins
                lines += [f"    {line}" for line in s.replace(HELPER_MODULE_TOKEN, helper_name).splitlines()]
        lines += ["    return _m", ""]
        lines += [textwrap.dedent(_GAP_HELPER), textwrap.dedent(HELPERS)]
        return "\n".join(lines)

    def inputs(self):
        rng = np.random.default_rng(self.seed)
        out = []
        for _, shape, low in self.params:
            if low == "int":            # a plain int argument (never differentiated): 0 to 5
                out.append(int(rng.integers(0, 6)))
                continue
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
        """Lines of ``f``'s body, without the return (a compound statement counts all its lines)."""
        return sum(len(s.splitlines()) for s in self.statements)

    def __repr__(self):  # what hypothesis prints for a failing example
        text = f"Program(family={self.family!r}, seed={self.seed}, wrt={self.wrt}, scale={self.scale}, " \
               f"dtype={self.dtype}):\n"
        text += "\n".join(self.imports) + ("\n" if self.imports else "")
        text += self.function_source()
        if self.helper_module:
            text += f"\n\n# {HELPER_MODULE_TOKEN}.py:\n{self.helper_module}"
        return text


class Block(str):
    """A compound statement (``if``, ``for``, ``while``... with the statements around it that belong to
    it): the text of ``f`` (the string itself) and ``margin_source``, the same lines for ``margins``
    with ``_m.append(...)`` lines added where conditions and kinks are evaluated (inside a loop: at
    every iteration), ``while`` conditions that record their own margin at every test, and
    ``return _m`` in place of every ``return``."""

    def __new__(cls, text, margin_source):
        self = super().__new__(cls, text)
        self.margin_source = margin_source
        return self

    def __getnewargs__(self):
        return str(self), self.margin_source


class Lines:
    """A compound statement being written: (line of f or None, line of margins or None) pairs."""

    def __init__(self):
        self.items = []
        self.depth = 0

    def add(self, text, margin_text=None):
        """Lines in both functions (``margin_text``: a different version of a one-line ``text`` for
        ``margins``)."""
        pad = "    " * self.depth
        if margin_text is not None:
            self.items.append((pad + text, pad + margin_text))
            return
        for line in text.splitlines():
            self.items.append((pad + line, pad + line))

    def margin(self, text):
        """The distance of a condition or a kink from its threshold, recorded here in ``margins``."""
        self.items.append((None, "    " * self.depth + f"_m.append({text})"))

    def mark(self):
        return len(self.items), self.depth

    def insert(self, mark, text):
        """A line written earlier in the block than the lines after ``mark`` (an initial value)."""
        position, depth = mark
        self.items.insert(position, ("    " * depth + text, "    " * depth + text))

    @contextlib.contextmanager
    def indent(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def block(self):
        return Block("\n".join(f for f, _ in self.items if f is not None),
                     "\n".join(m for _, m in self.items if m is not None))


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
                           active=name in wrt, low=low) for name, shape, low in params if low != "int"]
        self.int_params = [name for name, _, low in params if low == "int"]
        self.writer = None           # the Lines of the compound statement being written, or None
        self.frozen = frozenset()    # names a loop body may not rebind (loop-carried: bounds would grow)
        self.depth = 0               # compound statements being written, nested
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
        if self.writer is not None:         # inside a compound statement: its margins are evaluated in place
            for k in kinks:
                self.writer.margin(k)
            self.writer.add(statement)
            return
        self.margins += [(len(self.statements), k) for k in kinks]
        self.statements.append(statement)

    @contextlib.contextmanager
    def block(self):
        """Write a compound statement: the Lines to write into (those of the enclosing one, when
        nested); statements emitted meanwhile go into it, at its current indentation."""
        if self.writer is not None:
            self.depth += 1
            try:
                yield self.writer
            finally:
                self.depth -= 1
            return
        self.writer = Lines()
        self.depth = 1
        try:
            yield self.writer
        finally:
            lines, self.writer, self.depth = self.writer, None, 0
        if lines.items:
            self.statements.append(lines.block())

    @contextlib.contextmanager
    def scope(self, loop=False):
        """Values made inside (a branch, a loop body) are forgotten at the end: they are not defined
        on every path. No value of before may be rebound inside (in a loop body, it would be
        loop-carried, its bound growing; in a branch, the value after it would be either)."""
        saved, frozen = list(self.pool), self.frozen
        self.frozen = frozen | {v.text for v in self.pool}
        try:
            yield
        finally:
            self.pool[:] = saved
            self.frozen = frozen

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
        if self.writer is not None:
            form = "assign"         # inside a compound statement: new names only (see scope)
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


# ---------------------------------------------------------------- control flow
#
# Compound statements are written into ``Lines`` (``Builder.block``): nested ones into the same Lines,
# one level deeper. Values made inside a branch or a loop body are forgotten after it (``Builder.scope``),
# except the ones every path defines; a loop body only makes new names (a value of before, rebound in
# the body, would be loop-carried with a growing bound), and the values a loop carries (accumulators,
# buffers) are written by the construct itself, with a bound that holds at every iteration.
#
# Every comparison of floats (conditions of if/elif/while, conditional expressions, break and continue,
# early returns) records its distance from the threshold where it is evaluated (``Lines.margin``), and
# so does every kink inside a branch or a loop body: at every iteration. Comparisons of ints (counters,
# shapes, the int argument ``n``) cannot change under finite differences and record nothing.

THRESHOLDS = ["-1.0", "-0.5", "0.0", "0.3", "0.5", "1.0", "2.0"]
POSITIVE_THRESHOLDS = ["0.5", "1.0", "2.0", "3.0"]

BODY_OPS = [op_unary, op_unary, op_constant, op_binary, op_binary, op_kinked, op_where, op_helper, op_reduce,
            op_index, op_domain, op_idiom, op_matmul]
SCALAR_BODY_OPS = [op_unary, op_unary, op_constant, op_binary, op_binary, op_kinked, op_where, op_helper, op_domain]


def _margin_of(lhs, rhs):
    return f"({lhs}) - ({rhs})"


def _data_condition(b, values=None, label="compared value"):
    """A comparison of floats: (text, [margins])."""
    v = b.ch.choice(values, label) if values else b.pick(label=label)
    c = b.ch.choice(THRESHOLDS, "threshold")
    cp = b.ch.choice(POSITIVE_THRESHOLDS, "positive threshold")
    t = v.text
    if v.shape == ():
        forms = [(f"{t} > {c}", t, c), (f"{t} < {c}", t, c), (f"abs({t}) < {cp}", f"abs({t})", cp),
                 (f"{t} >= {c}", t, c)]
        w = b.pick(lambda u: u.shape == () and u is not v and u.text != t, "other scalar")
        if w is not None:
            forms += [(f"{t} > {w.text}", t, w.text), (f"{t} * {w.text} > 0", f"{t} * {w.text}", "0")]
    else:
        forms = [(f"np.sum({t}) > {c}", f"np.sum({t})", c), (f"np.mean({t}) < {c}", f"np.mean({t})", c),
                 (f"np.max({t}) > {c}", f"np.max({t})", c), (f"np.min({t}) < {c}", f"np.min({t})", c),
                 (f"np.linalg.norm({t}) > {cp}", f"np.linalg.norm({t})", cp), (f"{t}.sum() <= {c}", f"{t}.sum()", c),
                 (f"np.all({t} > {c})", t, c), (f"np.any(np.abs({t}) > {cp})", f"np.abs({t})", cp)]
        if len(v.shape) == 1 and v.shape[0] >= 2:
            forms.append((f"{t}[0] > {t}[-1]", f"{t}[0]", f"{t}[-1]"))
    text, lhs, rhs = b.ch.choice(forms, "comparison")
    return text, [_margin_of(lhs, rhs)]


def _static_condition(b):
    """A condition on plain values (shapes, a local flag, the int argument): no margin."""
    kinds = ["shape", "flag"] + (["int", "int"] if b.int_params else [])
    kind = b.ch.choice(kinds, "static condition")
    if kind == "int":
        n = b.int_params[0]
        return b.ch.choice([f"{n} > 2", f"{n} % 2 == 0", f"{n} == 0", f"{n} >= 1", f"{n} < 3"], "int condition"), []
    if kind == "shape":
        arrays = [v for v in b.pool if len(v.shape) >= 1]
        if arrays:
            v = b.ch.choice(arrays, "shape of")
            k = b.ch.choice([1, 2, 3, 4], "shape threshold")
            return b.ch.choice([f"len({v.text}) > {k}", f"{v.text}.shape[-1] >= {k}", f"{v.text}.ndim == 2",
                                f"{v.text}.size > {k}", f"{v.text}.shape[0] == {v.shape[0]}"], "shape condition"), []
        v = b.pick(label="shape of")
        return f"np.ndim({v.text}) == 0", []
    flag = b.name("flag")
    b.emit(f"{flag} = {b.ch.choice(['True', 'False'], 'flag value')}")
    return b.ch.choice([flag, f"not {flag}"], "flag condition"), []


def _condition(b, data=None, counter=None, values=None):
    """The condition of an if, elif, conditional expression, break...: (text, [margins]). ``data``:
    True for a comparison of floats (maybe combined with another condition), False for plain values
    only, None for either; ``counter``: the name of an int loop counter that may be tested."""
    kinds = ["data", "data", "data", "static", "and", "or", "not"]
    if data is False:
        kinds = ["static", "static", "static"]
    elif data is True:
        kinds = ["data", "data", "and", "or", "not"]
    if counter is not None:
        kinds += ["counter"]
    kind = b.ch.choice(kinds, "condition")
    if kind == "counter":
        return b.ch.choice([f"{counter} % 2 == 0", f"{counter} == 0", f"{counter} > 1", f"{counter} < 2"],
                           "counter condition"), []
    if kind == "static":
        return _static_condition(b)
    if kind == "data":
        return _data_condition(b, values)
    if kind == "not":
        text, margins = _data_condition(b, values)
        return f"not {text}", margins
    first, m1 = _data_condition(b, values) if data is not False else _static_condition(b)
    if counter is not None and b.ch.boolean("counter in the combination"):
        second, m2 = b.ch.choice([f"{counter} > 0", f"{counter} % 2 == 1"], "counter condition"), []
    else:
        second, m2 = _condition(b, data=b.ch.choice([None, False], "second condition"), values=values) \
            if b.ch.boolean("nested combination") else _static_condition(b)
        if " and " in second or " or " in second:
            second = f"({second})"
    if b.ch.boolean("order"):
        first, second = second, first
    return f"{first} {kind} {second}", m1 + m2


ARM_FORMS = [
    # (template with {a} {c}, bound(ba, bc), fresh, kinks): a value of the shape of {a}
    ("np.sin({a})", lambda a, c: 1.0, True, []),
    ("np.cos({a}) * {c}", lambda a, c: c, True, []),
    ("{a} * 0.5", lambda a, c: a / 2, True, []),
    ("{a} + {c}", lambda a, c: a + c, True, []),
    ("{a} * {c}", lambda a, c: a * c, True, []),
    ("np.tanh({a} - {c})", lambda a, c: 1.0, True, []),
    ("-{a}", lambda a, c: a, True, []),
    ("{a} ** 2", lambda a, c: a * a, True, []),
    ("np.exp(-{a} ** 2)", lambda a, c: 1.0, True, []),
    ("helper_mix({a}, {c})", lambda a, c: a + c, False, []),
    ("{a}", lambda a, c: a, False, []),
    ("2.0 * {a} - {c}", lambda a, c: 2 * a + c, True, []),
    ("np.maximum({a}, {c})", lambda a, c: max(a, c), True, ["np.abs({a} - {c})"]),
    ("np.where({c} > 0, {a}, -{a})", lambda a, c: a, True, ["np.abs({c})"]),
]


def _arm_value(b, a, c, label="arm form", first=None):
    """An expression of ``a``'s shape from ``a`` and ``c``: (text, bound, fresh, kinks, reads), and with
    ``first`` (another text for ``a``), the same expression of it and its kinks too."""
    template, bound, fresh, kinks = b.ch.choice(ARM_FORMS, label)
    bound = bound(a.bound, c.bound)
    reads = [a] + ([c] if "{c}" in template else [])

    def written(a_text):
        c_text = a_text if c is a else c.text
        text = template.format(a=a_text, c=c_text)
        if bound > MAX_BOUND:
            text = f"np.tanh(({text}) / {bound:.0f})"
        return text, [k.format(a=a_text, c=c_text) for k in kinks]

    text, arm_kinks = written(a.text)
    if bound > MAX_BOUND:
        bound, fresh = 1.0, True
    if first is not None:
        return (text, bound, fresh, arm_kinks, reads), written(first)
    return text, bound, fresh, arm_kinks, reads


def _constant_of(shape, value):
    return value if shape == () else f"np.full({shape!r}, {value})"


def _other(b, a, label="second operand"):
    """A second operand for ``a`` (broadcasting to its shape), never ``a`` itself (np.maximum(a, a)
    would sit on its kink): a constant when there is none."""
    c = b.pick(lambda v: v is not a and v.text != a.text and _bcast(a.shape, v.shape) == a.shape, label)
    return c if c is not None else Value("0.5", (), 0.5, fresh=False, active=False)


def _anchor(b):
    a = b.pick(label="anchor")
    return a, _other(b, a)


def _statements(b, most=2):
    """A few statements inside a branch or a loop body: expressions, maybe a nested construct."""
    for _ in range(b.ch.integer(0, most, "statements in the block")):
        if b.depth < 3 and b.ch.choice([False, False, False, True], "nested construct"):
            nested = [blk_if_define, blk_ternary, blk_if_update]
            if b.family == "loops" and b.depth < 2:
                nested.append(blk_for)
            b.ch.choice(nested, "nested")(b)
        else:
            makers = SCALAR_BODY_OPS if b.scalar_layout else BODY_OPS
            expression(b.ch.choice(makers, "body op"))(b)


def _pick_new(b, start, condition, label):
    """A value made since ``start`` (a position in the pool) that satisfies ``condition``, or None."""
    made = [v for v in b.pool[start:] if not v.inline and condition(v)]
    return b.ch.choice(made, label) if made else None


def blk_if_define(b):
    """if / elif / else, each arm defining the same new variable (maybe after statements of its own)."""
    a, c = _anchor(b)
    arms = b.ch.choice([2, 2, 2, 3, 4], "arms")
    conditions = [_condition(b) for _ in range(arms - 1)]
    t = b.name()
    bounds, fresh, active = [], True, True
    with b.block() as w:
        for _, margins in conditions:       # every test that may be evaluated, before the first
            for m in margins:
                w.margin(m)
        for k in range(arms):
            if k == 0:
                w.add(f"if {conditions[0][0]}:")
            elif k < arms - 1:
                w.add(f"elif {conditions[k][0]}:")
            else:
                w.add("else:")
            with w.indent(), b.scope():
                start = len(b.pool)
                _statements(b, 1 if b.depth > 1 else 2)
                local = _pick_new(b, start, lambda v: v.shape == a.shape, "arm value")
                if b.ch.choice([False, False, False, True], "constant arm"):
                    text = _constant_of(a.shape, b.ch.choice(["0.0", "0.5", "-1.0"], "constant"))
                    b.emit(f"{t} = {text}")
                    bounds.append(1.0)
                    active = False
                    continue
                text, bound, arm_fresh, kinks, reads = _arm_value(b, local or a, c)
                b.emit(f"{t} = {text}", kinks)
                for v in reads:
                    v.used = True
                bounds.append(bound)
                fresh = fresh and arm_fresh
                active = active and any(v.active for v in reads)
    b.rebound(t)
    b.pool.append(Value(t, a.shape, max(bounds), fresh=fresh, names=[t], active=active))


def blk_if_update(b):
    """A variable defined before the if, assigned (or updated in place) in some arms only."""
    targets = [v for v in b.pool if not v.inline and v.text not in b.param_names and v.text not in b.frozen
               and v.text not in b.aliases]
    if not targets:
        return blk_if_define(b)
    v = b.ch.choice(targets, "updated variable")
    arms = b.ch.choice([1, 1, 2], "arms")
    conditions = [_condition(b) for _ in range(arms)]
    bound, active, in_place = v.bound, v.active, False
    with b.block() as w:
        for _, margins in conditions:
            for m in margins:
                w.margin(m)
        for k in range(arms):
            w.add(f"{'if' if k == 0 else 'elif'} {conditions[k][0]}:")
            with w.indent(), b.scope():
                _statements(b, 1)
                c = b.pick(lambda u: _bcast(v.shape, u.shape) == v.shape and u.text != v.text, "update operand")
                ct, cb = (c.text, c.bound) if c is not None else ("0.5", 0.5)
                forms = [(f"{v.text} = np.tanh({v.text}) + {ct}", 1 + cb, []),
                         (f"{v.text} = {v.text} * 0.5", v.bound / 2, []),
                         (f"{v.text} = {v.text} - {ct}", v.bound + cb, []),
                         (f"{v.text} = np.clip({v.text}, -1.0, 1.0)", 1.0,
                          [f"np.abs({v.text} - 1.0)", f"np.abs({v.text} + 1.0)"]),
                         ]
                if c is not None and c.shape == v.shape:
                    forms.append((f"{v.text} = {ct} * 1.0", cb, []))
                mutable = v in b.mutable_targets(v.shape, c is not None and c.active)
                if mutable:
                    forms += [(f"{v.text} += {ct}", v.bound + cb, []), (f"{v.text} *= 0.5", v.bound, []),
                              (f"{v.text} -= {ct}", v.bound + cb, [])]
                text, new_bound, kinks = b.ch.choice(forms, "update form")
                if new_bound > MAX_BOUND:
                    text, new_bound, kinks = f"{v.text} = np.tanh({v.text} / {v.bound:.0f})", 1.0, []
                if "=" in text.split()[1] and text.split()[1] != "=":
                    in_place = v.shape != ()
                b.emit(text, kinks)
                if c is not None and ct in text:
                    c.used = True
                    active = active and (c.active or v.text in text.split("=", 1)[1])
                bound = max(bound, new_bound)
    if in_place:
        b.changed_in_place(v.text, bound)
    b.rebound(v.text)
    b.pool.append(Value(v.text, v.shape, bound, fresh=v.fresh, names=[v.text], active=active, base=v.base))


def blk_ternary(b):
    """Conditional expressions: ``u if c else v`` of differentiated values, or of plain constants."""
    a, c = _anchor(b)
    t = b.name()
    cond, margins = _condition(b)
    form = b.ch.choice(["values", "values", "constants", "reductions"], "conditional expression")
    if form == "constants":
        k = b.name("scale")
        b.emit(f"{k} = {b.ch.choice(['0.5', '2.0', '-1.0'], 'then')} if {cond} else "
               f"{b.ch.choice(['1.5', '0.25'], 'else')}", margins)
        text, bound, reads = f"{a.text} * {k}", 2.0 * a.bound, [a]
        if bound > MAX_BOUND:
            text, bound = f"np.tanh({a.text}) * {k}", 2.0
        b.emit(f"{t} = {text}")
        b.add(t, a.shape, bound, reads)
        return
    if form == "reductions" and a.shape:
        u, ub = f"np.sum({a.text})", a.bound * int(np.prod(a.shape))
        v, vb = f"np.mean({a.text} ** 2)", a.bound ** 2
        text, bound = f"{u} if {cond} else {v}", max(ub, vb)
        if bound > MAX_BOUND:
            text, bound = f"np.tanh(({text}) / {bound:.0f})", 1.0
        b.emit(f"{t} = {text}", margins)
        b.add(t, (), bound, [a])
        return
    u, ub, uf, uk, ur = _arm_value(b, a, c, "then form")
    v, vb, vf, vk, vr = _arm_value(b, a, c, "else form")
    # the kinks of both (only the one evaluated matters, but both are evaluated in margins: safe)
    b.emit(f"{t} = {u} if {cond} else {v}", margins + uk + vk)
    b.add(t, a.shape, max(ub, vb), ur + vr, fresh=uf and vf)


def _return_expression(b, extra=()):
    values = list(extra) + [b.pick(label="returned value") for _ in range(b.ch.integer(1, 2, "returned values"))]
    terms = []
    for v in values:
        term = v.text if v.shape == () else f"np.sum({v.text})"
        terms.append(b.ch.choice([term, f"0.5 * {term}", f"np.tanh({term})"], "returned term"))
    return " + ".join(terms)


def blk_early_return(b):
    """``if c: return ...`` (maybe ``elif d: return ...``), and the function goes on after it."""
    arms = b.ch.choice([1, 1, 2], "returns")
    conditions = [_condition(b, data=b.ch.choice([True, True, None], "return on data")) for _ in range(arms)]
    with b.block() as w:
        for _, margins in conditions:
            for m in margins:
                w.margin(m)
        for k in range(arms):
            w.add(f"{'if' if k == 0 else 'elif'} {conditions[k][0]}:")
            with w.indent(), b.scope():
                start = len(b.pool)
                if b.ch.boolean("statements before the return"):
                    _statements(b, 1)
                made = [v for v in b.pool[start:] if not v.inline][-1:]
                w.add(f"return {_return_expression(b, made)}", "return _m")


# ---- loops


class Header:
    """A ``for`` statement: its text, the values its body may read (elements of what it iterates),
    the fewest and most iterations, and the name of its int counter (or None)."""

    def __init__(self, text, elements, trips, counter=None):
        self.text = text
        self.elements = elements
        self.trips = trips
        self.counter = counter


def _loop_header(b, label="loop"):
    arrays = [v for v in b.pool if len(v.shape) >= 1]
    kinds = ["range_k", "range_k", "tuple", "constants"] + (["range_n"] if b.int_params else [])
    if arrays:
        kinds += ["range_len", "range_shape", "range_const", "iter", "iter", "enumerate", "zip", "pairs",
                  "reversed", "range_from1", "range_step", "range_back"] + (["range_min_n"] * 2 if b.int_params else [])
    kind = b.ch.choice(kinds, label)
    i = b.name("i")
    if kind in ("range_k", "range_n"):
        u = b.pick(label="loop operand")
        if kind == "range_k":
            k = b.ch.choice([0, 1, 2, 3, 5], "trip count")
            text, trips = f"for {i} in range({k}):", (k, k)
        else:
            text, trips = f"for {i} in range({b.int_params[0]}):", (0, 5)
        template, bound = b.ch.choice([("({u} * 0.5 ** {i})", u.bound), ("np.sin({u} + {i})", 1.0),
                                       ("({u} / ({i} + 1.0))", u.bound), ("({u} * np.cos(0.5 * {i}))", u.bound)],
                                      "element of the counter")
        element = Value(template.format(u=u.text, i=i), u.shape, bound, fresh=False, inline=True,
                        names=u.names | {i}, active=u.active)
        return Header(text, [element], trips, counter=i)
    if kind == "tuple":
        u = b.pick(label="tuple item")
        items = [u] + [b.pick(lambda v: v.shape == u.shape, "tuple item") for _ in range(b.ch.integer(1, 2, "items"))]
        v = b.name("u")
        brackets = b.ch.choice(["({})", "[{}]"], "sequence")
        element = Value(v, u.shape, max(w.bound for w in items), fresh=False, names=[v],
                        active=all(w.active for w in items))
        return Header(f"for {v} in {brackets.format(', '.join(w.text for w in items))}:", [element],
                      (len(items), len(items)))
    if kind == "constants":
        u = b.pick(label="loop operand")
        w = b.name("w")
        constants = b.ch.choice([[0.5, 1.0, 2.0], [0.25, -0.5], [1.5], [-1.0, 0.5, 1.0, 0.25]], "constants")
        if max(map(abs, constants)) * u.bound > MAX_BOUND:
            constants = [0.25, -0.5]
        element = Value(f"({w} * {u.text})", u.shape, max(map(abs, constants)) * u.bound, fresh=False, inline=True,
                        names=u.names | {w}, active=u.active)
        return Header(f"for {w} in {constants!r}:", [element], (len(constants), len(constants)))
    a = b.ch.choice(arrays, "iterated array")
    a.aliased = True            # its rows are taken as views: no in-place update of it afterwards
    n, row = a.shape[0], a.shape[1:]

    def item(index):
        return Value(f"{a.text}[{index}]", row, a.bound, fresh=False, inline=True, names=a.names | {i},
                     active=a.active, low=a.low)

    def name(prefix, of=a):
        v = b.name(prefix)
        return Value(v, of.shape[1:], of.bound, fresh=False, names=[v], active=of.active, low=of.low)

    if kind == "range_len":
        return Header(f"for {i} in range(len({a.text})):", [item(i)], (n, n), i)
    if kind == "range_shape":
        return Header(f"for {i} in range({a.text}.shape[0]):", [item(i)], (n, n), i)
    if kind == "range_const":
        return Header(f"for {i} in range({n}):", [item(i)], (n, n), i)
    if kind == "range_min_n":
        return Header(f"for {i} in range(min({b.int_params[0]}, len({a.text}))):", [item(i)], (0, min(n, 5)), i)
    if kind == "iter":
        v = name("u")
        return Header(f"for {v.text} in {a.text}:", [v], (n, n))
    if kind == "reversed":
        v = name("u")
        return Header(f"for {v.text} in reversed({a.text}):", [v], (n, n))
    if kind == "enumerate":
        v = name("u")
        return Header(f"for {i}, {v.text} in enumerate({a.text}):", [v], (n, n), i)
    if kind == "zip":
        c = b.ch.choice([v for v in arrays if v.shape[0] == n and v is not a] or [a], "zipped array")
        c.aliased = True
        v, w = name("u"), name("w", c)
        return Header(f"for {v.text}, {w.text} in zip({a.text}, {c.text}):", [v, w], (n, n))
    if kind == "pairs" and n >= 2:
        v, w = name("u"), name("w")
        return Header(f"for {v.text}, {w.text} in zip({a.text}, {a.text}[1:]):", [v, w], (n - 1, n - 1))
    if kind == "range_from1" and n >= 2:
        return Header(f"for {i} in range(1, len({a.text})):", [item(i), item(f"{i} - 1")], (n - 1, n - 1), i)
    if kind == "range_step":
        return Header(f"for {i} in range(0, {n}, 2):", [item(i)], ((n + 1) // 2, (n + 1) // 2), i)
    if kind == "range_back":
        return Header(f"for {i} in range({n} - 1, -1, -1):", [item(i)], (n, n), i)
    return Header(f"for {i} in range({a.text}.shape[0]):", [item(i)], (n, n), i)


def _to_scalar(b, v, label="reduction"):
    """(text, bound) of a scalar from v."""
    if v.shape == ():
        return v.text, v.bound
    size = int(np.prod(v.shape))
    text, bound = b.ch.choice([(f"np.sum({v.text})", v.bound * size), (f"np.mean({v.text})", v.bound),
                               (f"np.sum({v.text} ** 2)", v.bound ** 2 * size), (f"{v.text}.sum()", v.bound * size)],
                              label)
    return text, bound


def _squashed(text, bound, limit=4.0):
    """A term whose bound is at most ``limit`` (tanh of it scaled down, when needed)."""
    if bound <= limit:
        return text, bound
    return f"np.tanh(({text}) / {math.ceil(bound)})", 1.0


ACCUMULATORS = ["add", "add", "iadd", "decay", "tanh", "prod", "imul", "ema", "lagged", "helper", "max",
                "ternary", "weighted", "prod_raw"]


def _initial(b, shape, kind, outer, term_active):
    """The initial value of an accumulator: (text, bound, active, fresh)."""
    same = [v for v in outer if v.shape == shape]
    multiplicative = kind in ("prod", "imul", "prod_raw")
    options = ["constant", "constant", "data"] if same else ["constant"]
    if kind in ("iadd", "imul") and shape != () and term_active and same and any(v.active for v in same):
        # `acc += t` into a plain array is refused by the tape (PlainArrayWriteError): rarely generated
        options = ["data"] if not b.ch.choice([True, False, False, False, False, False], "plain buffer") else options
    if b.ch.choice(options, "initial value") == "constant" or not same:
        if shape == ():
            constants = ["1.0"] if multiplicative else ["0.0", "0", "-1.0" if kind in ("max", "ternary") else "0.0"]
        elif multiplicative:
            constants = [f"np.ones({shape!r})"]
        else:
            constants = [f"np.zeros({shape!r})", f"np.zeros({shape[0]})" if len(shape) == 1 else f"np.zeros({shape!r})"]
        return b.ch.choice(constants, "initial constant"), 1.0, False, True
    candidates = [v for v in same if v.active] if kind in ("iadd", "imul") and shape != () else same
    u = b.ch.choice(candidates or same, "initial value from")
    forms = [(f"np.cos({u.text})", 1.0), (f"np.tanh({u.text})", 1.0)]
    if u.bound <= 10.0:     # (values of the pool may be larger than MAX_BOUND: augmented assignments)
        forms.append((f"{u.text} * 0.5", u.bound / 2))
        if shape != ():
            forms.append((f"{u.text}.copy()", u.bound))
    text, bound = b.ch.choice(forms, "initial form")
    return text, bound, u.active, True


def _accumulate(b, w, term, header, outer):
    """Write the update of a new accumulator of ``term`` (in the loop body); returns (name, shape,
    initial text, bound, active, fresh) for the statement before the loop and the value after it."""
    shape = term.shape if term.shape and b.ch.boolean("array accumulator") else ()
    tt, bt = (term.text, term.bound) if shape == term.shape else _to_scalar(b, term, "reduce the term")
    kinds = [k for k in ACCUMULATORS if not (k == "ternary" and shape != ()) and
             not (k == "weighted" and header.counter is None)]
    kind = b.ch.choice(kinds, "accumulator")
    trips = max(header.trips[1], 1)
    tt, bt = _squashed(tt, bt, MAX_BOUND / 2)
    if kind == "prod_raw" and (bt > 1.6 or trips > 5):
        kind = "prod"
    s = b.name("s" if shape == () else "acc")
    init, s0, init_active, fresh = _initial(b, shape, kind, outer, term.active)
    if kind in ("iadd", "imul") and shape != () and not init_active and term.active and \
            b.ch.choice([True, True, True, True, False], "keep"):
        kind = {"iadd": "add", "imul": "prod"}[kind]       # mostly: what the tape can record
    margins = {}        # line index -> the margin recorded before it
    if kind in ("add", "iadd"):
        tt, bt = _squashed(tt, bt, max(1.0, (MAX_BOUND - s0) / trips))
        op = b.ch.choice(["+", "-"], "sign")
        lines = [f"{s} {op}= {tt}"] if kind == "iadd" else [f"{s} = {s} {op} {tt}"]
        bound = s0 + trips * bt
    elif kind == "decay":
        tt, bt = _squashed(tt, bt, 20.0)
        lines, bound = [f"{s} = 0.5 * {s} + {tt}"], s0 + 2 * bt
    elif kind == "tanh":
        lines, bound = [f"{s} = np.tanh({s} + {tt})"], max(s0, 1.0)
    elif kind == "prod":
        lines, bound = [f"{s} = {s} * np.tanh({tt})"], s0
    elif kind == "imul":
        lines, bound = [f"{s} *= np.cos({tt})"], s0
    elif kind == "prod_raw":
        lines, bound = [b.ch.choice([f"{s} = {s} * {tt}", f"{s} *= {tt}"], "product")], s0 * max(1.0, bt) ** trips
        if shape != () and "*=" in lines[0] and not init_active and term.active:
            lines = [f"{s} = {s} * {tt}"]
    elif kind == "ema":
        tt, bt = _squashed(tt, bt, 5.0)
        lines, bound = [f"{s} = 0.9 * {s} + 0.1 * {tt} ** 2"], max(s0, bt * bt)
    elif kind == "lagged":
        # the accumulator stays a constant on the first iteration, depends on the input after
        prev = b.name("prev")
        lines = [f"{s} = {s} + 0.5 * {prev}", f"{prev} = np.tanh({tt})"]
        bound = s0 + 0.5 * trips
    elif kind == "helper":
        tt, bt = _squashed(tt, bt, 10.0)
        lines, bound = b.ch.choice([([f"{s} = 0.5 * {s} + helper_mix({tt}, 0.5)"], s0 + 2 * (bt + 0.5)),
                                    ([f"{s} = {s} + helper_scale(np.sin({tt}), 0.25)"], s0 + 0.25 * trips)],
                                   "helper update")
    elif kind == "weighted":
        tt, bt = _squashed(tt, bt, 20.0)
        lines, bound = [f"{s} = {s} + {tt} * 0.5 ** {header.counter}"], s0 + 2 * bt
    elif kind == "max":
        lines, bound = [f"{s} = np.maximum({s}, {tt})"], max(s0, bt)
        margins = {0: f"np.abs({s} - {tt})"}
    else:   # ternary: the larger of the two, a comparison at every iteration
        r = b.name("r")
        lines = [f"{r} = {tt}", f"{s} = {r} if {r} > {s} else {s}"]
        margins = {1: _margin_of(r, s)}
        bound, fresh = max(s0, bt), False
    if bound > MAX_BOUND:       # too large for this update: a squashed running value instead
        kind, lines, bound, margins = "tanh", [f"{s} = np.tanh({s} + {tt})"], max(s0, 1.0), {}
    if kind == "lagged":
        init = f"{init}\n{prev} = 0.0"
    for k, line in enumerate(lines):
        if k in margins:
            w.margin(margins[k])
        w.add(line)
    active = init_active or (term.active and header.trips[0] >= 1)
    return s, shape, init, bound, active, fresh


def _element_statement(b, elements):
    """``v = f(element, other)`` in a loop body: a value that changes with the iteration."""
    e = b.ch.choice(elements, "element")
    text, bound, fresh, kinks, reads = _arm_value(b, e, _other(b, e), "element form")
    v = b.name()
    b.emit(f"{v} = {text}", kinks)
    b.add(v, e.shape, bound, reads, fresh=fresh)


def blk_for(b):
    """A for loop that accumulates: sums, products, running maxima, decays..., with maybe continue,
    break (and for ... else) or return on the data or on the counter, and statements in the body."""
    header = _loop_header(b)
    outer = list(b.pool)
    exit_kind = b.ch.choice(["none", "none", "continue", "break", "break", "return"], "loop exit")
    with b.block() as w:
        start_mark = w.mark()
        w.add(header.text)
        with w.indent(), b.scope(loop=True):
            b.pool.extend(header.elements)
            data_skip = False
            if exit_kind == "continue":
                if header.counter is None or b.ch.boolean("continue on data"):
                    cond, margins = _condition(b, data=True, values=header.elements)
                else:
                    cond = b.ch.choice([f"{header.counter} % 2 == 1", f"{header.counter} == 0"], "skip counter")
                    margins = []
                for m in margins:
                    w.margin(m)
                w.add(f"if {cond}:\n    continue")
                data_skip = True
            start = len(b.pool)
            if b.ch.choice([True, True, False], "statement of the element"):
                _element_statement(b, header.elements)
            _statements(b, 1)
            term = _pick_new(b, start, lambda v: True, "accumulated") if b.ch.choice([True, True, False], "term") \
                else None
            term = term or b.ch.choice(header.elements, "accumulated element")
            term.used = True
            s, shape, init, bound, active, fresh = _accumulate(b, w, term, header, outer)
            if bound > MAX_BOUND:       # cannot happen by construction; kept as a guard
                raise AssertionError(f"accumulator bound {bound}")
            broke = False
            if exit_kind in ("break", "return"):
                # (a return on the counter would make the rest of the function dead code)
                on_data = header.counter is None or exit_kind == "return" or \
                    b.ch.choice([True, True, False], "exit on data")
                if on_data:
                    st = s if shape == () else b.ch.choice([f"np.sum({s})", f"np.max(np.abs({s}))"], "exit value")
                    threshold = b.ch.choice(POSITIVE_THRESHOLDS + ["0.0", "-0.5"], "exit threshold")
                    cond = b.ch.choice([f"{st} > {threshold}", f"{st} < {threshold}", f"abs({st}) > {threshold}"],
                                       "exit condition")
                    lhs = f"abs({st})" if cond.startswith("abs(") else st
                    w.margin(_margin_of(lhs, threshold))
                else:
                    cond = f"{header.counter} >= {b.ch.choice([1, 2, 3], 'last iteration')}"
                w.add(f"if {cond}:")
                with w.indent():
                    if exit_kind == "break":
                        w.add("break")
                        broke = True
                    else:
                        result = s if shape == () else f"np.sum({s})"
                        w.add(f"return {b.ch.choice([result, f'0.5 * {result}', f'{result} + 1.0'], 'returned')}",
                              "return _m")
        if broke and b.ch.boolean("for else"):
            w.add("else:")
            with w.indent():
                update, extra = b.ch.choice([(f"{s} = {s} + 0.5", 0.5), (f"{s} = {s} * 0.5", 0.0),
                                             (f"{s} = -{s}", 0.0)], "else clause")
                if bound + extra > MAX_BOUND:
                    update, extra = f"{s} = {s} * 0.5", 0.0
                w.add(update)
                bound += extra
        w.insert(start_mark, f"{s} = {init.splitlines()[0]}")
        for k, line in enumerate(init.splitlines()[1:], 1):
            w.insert((start_mark[0] + k, start_mark[1]), line)
    b.add(s, shape, bound, [], fresh=fresh, active=active and not data_skip)


def _buffer_init(b, a, writes_active):
    """A local array of ``a``'s shape to write into, and whether it can hold a gradient."""
    plain = [f"np.zeros({a.shape!r})", f"np.zeros_like({a.text})", f"np.empty_like({a.text})"]
    if len(a.shape) == 1:
        plain.append(f"np.zeros({a.shape[0]})")
    carrying = [f"{a.text}.copy()", f"np.copy({a.text})", f"{a.text} * 1.0", f"{a.text} * 0.0"]
    if writes_active and not a.active and not b.ch.choice([True, False, False, False, False], "plain buffer"):
        return None
    if writes_active and a.active and not b.ch.choice([True, False, False, False, False], "plain buffer"):
        return b.ch.choice(carrying, "buffer"), True
    options = plain + (carrying if a.active or not writes_active else [])
    text = b.ch.choice(options, "buffer")
    return text, text in carrying and a.active


def blk_fill(b):
    """Item assignment into a local array in a loop: elementwise maps, recurrences, prefix sums,
    a branch per element; or a list appended to and stacked."""
    a = b.pick(lambda v: len(v.shape) >= 1, "filled like")
    if a is None:
        return blk_for(b)
    n, row = a.shape[0], a.shape[1:]
    kind = b.ch.choice(["map", "map", "recurrence", "prefix", "leaky", "stack"], "fill")
    if n < 2 and kind in ("recurrence", "prefix") or kind == "prefix" and 2 * a.bound > MAX_BOUND:
        kind = "map"
    i = b.name("i")
    y = b.name("y")
    a.aliased = True
    element = Value(f"{a.text}[{i}]", row, a.bound, fresh=False, inline=True, names=a.names | {i}, active=a.active)
    c = _other(b, element)
    if not row or b.ch.boolean("plain index"):
        target = f"{y}[{i}]"
    else:
        target = f"{y}[{i}, ...]" if len(row) > 1 else f"{y}[{i}, :]"
    with b.block() as w:
        if kind == "stack":
            parts = b.name("parts")
            w.add(f"{parts} = []")
            w.add(b.ch.choice([f"for {i} in range(len({a.text})):", f"for {i} in range({n}):"], "range"))
            with w.indent(), b.scope(loop=True):
                b.pool.append(element)
                start = len(b.pool)
                _statements(b, 1)
                local = _pick_new(b, start, lambda v: v.shape == row, "appended value")
                text, bound, _, kinks, reads = _arm_value(b, local or element, c)
                b.emit(f"{parts}.append({text})", kinks)
                active = any(v.active for v in reads)
            w.add(f"{y} = np.stack({parts})")
            b.add(y, a.shape, bound, [a, c], fresh=True, active=active)
            return
        if kind == "prefix":
            init = b.ch.choice([f"{a.text}.copy()", f"np.copy({a.text})", f"{a.text} * 1.0"], "prefix buffer")
            w.add(f"{y} = {init}")
            w.add(f"for {i} in range(1, len({y})):")
            factor, bound = ("", a.bound * n) if a.bound * n <= MAX_BOUND else ("0.5 * ", 2 * a.bound)
            with w.indent():
                w.add(f"{target} += {factor}{y}[{i} - 1]")
            b.add(y, a.shape, bound, [a], fresh=True, active=a.active)
            return
        if kind == "leaky":
            cond_value = element.text if not row else f"np.sum({element.text})"
            writes_active = a.active
            init = _buffer_init(b, a, writes_active)
            if init is None:
                init = (f"{a.text} * 1.0", a.active)
            w.add(f"{y} = {init[0]}")
            w.add(f"for {i} in range(len({a.text})):")
            with w.indent():
                w.margin(cond_value)
                w.add(f"if {cond_value} > 0:")
                with w.indent():
                    w.add(f"{target} = {element.text}")
                w.add("else:")
                with w.indent():
                    w.add(f"{target} = {b.ch.choice(['0.1', '0.5', '-0.25'], 'leak')} * {element.text}")
            b.add(y, a.shape, a.bound, [a], fresh=True, active=a.active and init[1])
            return
        # map / recurrence: the values written
        (text, bound, _, kinks, reads), (text0, kinks0) = _arm_value(b, element, c, first=f"{a.text}[0]")
        writes_active = any(v.active for v in reads)
        init = _buffer_init(b, a, writes_active)
        if init is None:        # a gradient written into a plain array: a list then np.stack instead
            parts = b.name("parts")
            w.add(f"{parts} = []")
            w.add(f"for {i} in range({n}):")
            with w.indent():
                for k in kinks:
                    w.margin(k)
                w.add(f"{parts}.append({text})")
            w.add(f"{y} = np.stack({parts})")
            b.add(y, a.shape, bound, reads, fresh=True, active=writes_active)
            return
        w.add(f"{y} = {init[0]}")
        if kind == "map":
            w.add(b.ch.choice([f"for {i} in range(len({a.text})):", f"for {i} in range({a.text}.shape[0]):",
                               f"for {i} in range({n}):"], "range"))
            with w.indent():
                for k in kinks:
                    w.margin(k)
                w.add(f"{target} = {text}")
                final = bound           # every item is written
                # (a gradient into a buffer that cannot hold one would be refused by the tape)
                if b.ch.boolean("second update") and final + c.bound <= MAX_BOUND and (init[1] or not c.active):
                    op = b.ch.choice(["+=", "-=", "*="], "item update")
                    if op == "*=" and final * c.bound > MAX_BOUND:
                        op = "+="
                    w.add(f"{target} {op} {c.text}")
                    final = final * max(1.0, c.bound) if op == "*=" else final + c.bound
                    writes_active = writes_active or c.active
        else:               # every item from the one before: y[i] = 0.5 * y[i - 1] + ...
            if bound > 10.0:
                text, text0, bound = f"np.tanh(({text}) / {bound:.0f})", f"np.tanh(({text0}) / {bound:.0f})", 1.0
            for k in kinks0:
                w.margin(k)
            w.add(f"{y}[0] = {text0}")
            w.add(f"for {i} in range(1, {n}):")
            with w.indent():
                for k in kinks:
                    w.margin(k)
                w.add(f"{target} = 0.5 * {y}[{i} - 1] + {text}")
            final = 2 * bound
    b.add(y, a.shape, final, reads, fresh=True, active=init[1])


def blk_while(b):
    """while loops with a bounded number of iterations and a condition on the data: a running value
    until a threshold, a fixed-point iteration until it converges, ``while True`` with a break."""
    kind = b.ch.choice(["threshold", "threshold", "fixed_point", "while_true"], "while")
    k = b.name("k")
    K = b.ch.choice([3, 5, 8], "most iterations")
    outer = list(b.pool)
    with b.block() as w:
        if kind == "fixed_point":
            c = b.pick(label="fixed point of")
            ct = c.text if c.bound <= 10 else f"np.tanh({c.text})"
            cb = min(c.bound, 10.0)
            z, zn = b.name("z"), b.name("z")
            w.add(f"{z} = {'0.0' if c.shape == () else f'np.zeros({c.shape!r})'}")
            style = b.ch.choice(["while", "for"], "loop style")
            if style == "while":
                w.add(f"{k} = 0")
                w.add(f"while {k} < {K}:")
            else:
                w.add(f"for {k} in range({K}):")
            step = b.ch.choice([f"0.5 * np.tanh({z}) + {ct}", f"0.5 * np.cos({z}) + 0.5 * {ct}",
                                f"np.sin({z}) * 0.25 + {ct}"], "iteration")
            tol = b.ch.choice(["0.05", "0.1", "0.01"], "tolerance")
            with w.indent():
                w.add(f"{zn} = {step}")
                distance = b.ch.choice([f"np.max(np.abs({zn} - {z}))", f"np.linalg.norm({zn} - {z})",
                                        f"np.sum(({zn} - {z}) ** 2)"], "distance")
                w.margin(_margin_of(distance, tol))
                w.add(f"if {distance} < {tol}:\n    break")
                w.add(f"{z} = {zn}")
                if style == "while":
                    w.add(f"{k} += 1")
            c.used = True
            b.add(z, c.shape, cb + 1.0, [c], fresh=True, active=False)
            return
        s = b.name("s")
        u = b.pick(label="initial value from")
        init, s0 = b.ch.choice([("0.0", 0.0), (f"np.tanh(np.sum({u.text}))", 1.0),
                                (f"0.5 * np.sin(np.sum({u.text}))", 0.5)], "initial value")
        w.add(f"{s} = {init}")
        w.add(f"{k} = 0")
        threshold = b.ch.choice(["0.5", "1.0", "2.0"], "threshold")
        if kind == "threshold":
            test = b.ch.choice([(f"{s} < {threshold}", s), (f"abs({s}) < {threshold}", f"abs({s})")], "test")
            recorded = f"(_m.append({_margin_of(test[1], threshold)}) or {test[0]})"
            if b.ch.boolean("counter first"):
                w.add(f"while {k} < {K} and {test[0]}:", f"while {k} < {K} and {recorded}:")
            else:
                w.add(f"while {test[0]} and {k} < {K}:", f"while {recorded} and {k} < {K}:")
        else:
            w.add("while True:")
        with w.indent(), b.scope(loop=True):
            skip = kind == "threshold" and b.ch.choice([False, False, True], "continue")
            if skip:
                w.add(f"{k} += 1")
                w.add(f"if {k} % 2 == 0:\n    continue")
            start = len(b.pool)
            _statements(b, 1)
            term = _pick_new(b, start, lambda v: True, "term") or b.pick(label="term")
            term.used = True
            tt, bt = _to_scalar(b, term)
            if kind == "threshold":
                step, bound = b.ch.choice([(f"0.25 + 0.5 * np.tanh({tt})", 0.75), (f"0.5 * np.cos({tt}) ** 2", 0.5),
                                           (f"np.exp(-({tt}) ** 2)", 1.0)], "step")
                w.add(f"{s} = {s} + {step}")
                bound = s0 + K * bound
                if not skip:
                    w.add(f"{k} += 1")
            else:
                tt, bt = _squashed(tt, bt, 20.0)
                w.add(f"{s} = 0.5 * {s} + {tt}")
                w.add(f"{k} += 1")
                st = b.ch.choice([s, f"abs({s})"], "tested")
                w.margin(_margin_of(st, threshold))
                w.add(f"if {k} >= {K} or {st} > {threshold}:\n    break")
                bound = s0 + 2 * bt
    b.add(s, (), bound, [], fresh=True, active=False)


def blk_nested(b):
    """Nested loops: sums over pairs (all, or a triangle whose inner loop first runs 0 times), rows
    then their elements, a matrix of pairwise values built row by row."""
    vectors = [v for v in b.pool if len(v.shape) == 1]
    matrices = [v for v in b.pool if len(v.shape) == 2]
    kinds = (["pairs", "pairs", "gram"] if vectors else []) + (["rows"] if matrices else [])
    if not kinds:
        return blk_for(b)
    kind = b.ch.choice(kinds, "nested loops")
    i, j = b.name("i"), b.name("j")
    s = b.name("s")
    with b.block() as w:
        if kind == "rows":
            M = b.ch.choice(matrices, "matrix")
            M.aliased = True
            row, v, r = b.name("row"), b.name("u"), b.name("r")
            w.add(f"{s} = 0.0")
            w.add(f"for {row} in {M.text}:")
            with w.indent():
                w.add(f"{r} = 0.0")
                w.add(f"for {v} in {row}:")
                with w.indent():
                    w.add(b.ch.choice([f"{r} = {r} + np.sin({v}) * 0.5", f"{r} = 0.5 * {r} + {v}",
                                       f"{r} += {v} ** 2"], "inner update"))
                w.add(b.ch.choice([f"{s} = {s} + np.tanh({r})", f"{s} += np.exp(-{r} ** 2)"], "outer update"))
            b.add(s, (), float(M.shape[0]), [M])
            return
        a = b.ch.choice(vectors, "first")
        c = b.ch.choice(vectors, "second")
        a.aliased = c.aliased = True
        if kind == "gram":
            G, rows, row = b.name("G"), b.name("rows"), b.name("row")
            pair = b.ch.choice(["np.exp(-({u} - {v}) ** 2)", "np.tanh({u} * {v})", "1.0 / (1.0 + ({u} - {v}) ** 2)"],
                               "kernel")
            entry = pair.format(u=f"{a.text}[{i}]", v=f"{c.text}[{j}]")
            w.add(f"{rows} = []")
            w.add(f"for {i} in range(len({a.text})):")
            with w.indent():
                if b.ch.boolean("inner comprehension"):
                    w.add(f"{row} = [{entry} for {j} in range(len({c.text}))]")
                else:
                    w.add(f"{row} = []")
                    w.add(f"for {j} in range(len({c.text})):")
                    with w.indent():
                        w.add(f"{row}.append({entry})")
                w.add(f"{rows}.append(np.stack({row}))")
            w.add(f"{G} = np.stack({rows})")
            b.add(G, (a.shape[0], c.shape[0]), 1.0, [a, c])
            return
        triangle = a is c and b.ch.boolean("triangle")
        inner = f"range({i})" if triangle and b.ch.boolean("below") else \
            f"range({i} + 1, len({a.text}))" if triangle else f"range(len({c.text}))"
        u, v = f"{a.text}[{i}]", f"{c.text}[{j}]"
        count = a.shape[0] * c.shape[0]
        forms = [(f"{u} * {v}", a.bound * c.bound, []), (f"np.exp(-({u} - {v}) ** 2)", 1.0, []),
                 (f"np.tanh({u} * {v})", 1.0, [])]
        if a is not c or triangle:      # (a[i] with itself would sit on the kink)
            forms += [(f"np.abs({u} - {v})", a.bound + c.bound, [f"np.abs({u} - {v})"]),
                      (f"np.maximum({u}, {v})", max(a.bound, c.bound), [f"np.abs({u} - {v})"])]
        text, bound, kinks = b.ch.choice(forms, "pair term")
        if count * bound > MAX_BOUND:
            text, bound = f"np.tanh({text})", 1.0
        w.add(f"{s} = 0.0")
        w.add(f"for {i} in range(len({a.text})):")
        with w.indent():
            w.add(f"for {j} in {inner}:")
            with w.indent():
                for k in kinks:
                    w.margin(k)
                w.add(b.ch.choice([f"{s} = {s} + {text}", f"{s} += {text}"], "pair update"))
    b.add(s, (), count * bound, [a, c])


def blk_recurrent(b):
    """A recurrent state: ``h = np.tanh(M @ e + 0.5 * h)`` over a sequence, or a state of the shape of
    a vector driven by the elements of another."""
    matrices = [v for v in b.pool if len(v.shape) == 2]
    options = []
    for M in matrices:
        for R in b.pool:
            if len(R.shape) == 2 and R.shape[1] == M.shape[1]:
                options.append((M, R))
    h = b.name("h")
    beta = b.ch.choice(["0.5", "0.9", "0.25"], "memory")
    with b.block() as w:
        if options and b.ch.choice([True, True, False], "matrix recurrence"):
            M, R = b.ch.choice(options, "recurrence")
            R.aliased = True
            e = b.name("u")
            g = f"{1.0 / max(1.0, math.sqrt(M.bound * R.bound * M.shape[1])):.2g}"      # tanh keeps h in [-1, 1]
            init = b.ch.choice([f"np.zeros({M.shape[0]})", f"np.zeros({(M.shape[0],)!r})"], "state")
            w.add(f"{h} = {init}")
            w.add(b.ch.choice([f"for {e} in {R.text}:", f"for {e} in reversed({R.text}):"], "sequence"))
            with w.indent():
                w.add(b.ch.choice([f"{h} = np.tanh({M.text} @ {e} * {g} + {beta} * {h})",
                                   f"{h} = np.tanh(np.dot({M.text}, {e}) * {g} + {beta} * {h})"], "recurrence form"))
            b.add(h, (M.shape[0],), 1.0, [M, R])
            return
        vec = b.pick(lambda v: len(v.shape) >= 1, "state like")
        seq = vec and b.pick(lambda v: len(v.shape) >= 1 and _bcast(v.shape[1:], vec.shape) == vec.shape, "sequence")
        if vec is None or seq is None:
            return blk_for(b)
        seq.aliased = True
        e = b.name("u")
        w.add(f"{h} = np.zeros_like({vec.text})" if b.ch.boolean("zeros like") else f"{h} = {vec.text} * 0.0")
        w.add(f"for {e} in {seq.text}:")
        with w.indent():
            scale = f"{1.0 / max(1.0, math.sqrt(vec.bound * seq.bound)):.2g}"
            w.add(b.ch.choice([f"{h} = np.tanh({beta} * {h} + {e} * {vec.text} * {scale})",
                               f"{h} = np.tanh({h} * {vec.text} * {scale} + {e})"], "state update"))
    b.add(h, vec.shape, 1.0, [vec, seq])


# ---------------------------------------------------------------- programs

LAYOUTS = {
    "matrix": [(2, 3), (3, 2), (3, 4), (2, 2), (1, 3), (4, 1)],
    "batched": [(2, 2, 3), (2, 3, 2), (3, 2, 2), (2, 1, 3), (1, 2, 2)],
}


def _family_steps(family, scalar_layout=False):
    core = [expression(m) for m in EXPRESSIONS]
    if family == "scalar":
        return [expression(m) for m in SCALAR_EXPRESSIONS]
    if family == "branches":
        base = [expression(m) for m in (SCALAR_EXPRESSIONS if scalar_layout else EXPRESSIONS)]
        return base + [blk_if_define, blk_if_define, blk_if_update, blk_ternary, blk_early_return, blk_for] * 2
    if family == "loops":
        base = [expression(m) for m in (SCALAR_EXPRESSIONS if scalar_layout else EXPRESSIONS)]
        blocks = [blk_for, blk_for, blk_for, blk_while, blk_if_define]
        if not scalar_layout:
            blocks += [blk_fill, blk_fill, blk_nested, blk_recurrent]
        return base + blocks * 2
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
    if family in ("branches", "loops"):
        # control flow over any layout (scalars: `if a > b:`), maybe with a plain int argument `n`
        layout = ch.choice(["matrix", "matrix", "matrix", "scalar", "batched"], "control flow layout")
        params = _params(ch, "scalar" if layout == "scalar" else "batched" if layout == "batched" else "core")
        if ch.boolean("int argument"):
            params.append(("n", (), "int"))
        return params
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
    names = [p[0] for p in params if p[2] != "int"]
    if len(names) > 1 and ch.boolean("wrt subset"):
        wrt = tuple(n for n in names if ch.boolean(f"wrt {n}"))
        wrt = wrt or (names[0],)
    else:
        wrt = tuple(names)
    scale = ch.choice([1.5, 1.5, 3.0, 5.0], "input scale")
    dtype = "float32" if family == "float32" else "float64"
    b = Builder(ch, family, params, wrt, scale, dtype)
    b.scalar_layout = all(shape == () for _, shape, _ in params)
    steps = _family_steps(family, b.scalar_layout)
    length = ch.integer(1, max_length, "length")
    attempts = 0

    def size():      # lines: a compound statement counts all of its lines
        return sum(len(s.splitlines()) for s in b.statements)

    while size() < length and attempts < 3 * length + 5:
        attempts += 1
        step = ch.choice(steps, "step")
        saved = list(b.statements), list(b.margins), list(b.pool)
        step(b)
        if size() > max_length + 12:     # a compound statement too long at the end: undone
            b.statements[:], b.margins[:], b.pool[:] = saved
            break
        if size() > max_length + 8:
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
