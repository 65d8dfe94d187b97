"""The straight-line program the passes share: one primitive operation per statement, in SSA form.

``normalize`` produces it from the user's function, ``analysis`` annotates it, ``reverse`` reads it
to write the adjoint. Expressions inside are standard-library ``ast`` nodes whose operands are
*atoms*: a Name, a Constant, or a cheap expression with no gradient (``axis=(0, 1)``, ``X.shape[0]``).
"""

from dataclasses import dataclass, field
import ast


class _Identity:
    """The primitive of a plain copy ``y = x``: the adjoint of x receives the adjoint of y."""

    def __repr__(self):
        return "identity"


IDENTITY = _Identity()


class _Pack:
    """The primitive of ``t = [a, b]`` / ``(a, b)``: operand i receives the adjoint's item i."""

    def __repr__(self):
        return "pack"


PACK = _Pack()


@dataclass
class Assign:
    """``target = value``: the application of one primitive to atoms.

    ``prim`` is the callable whose rule differentiates it (``operator.mul``, ``np.sin``,
    ``np.ndarray.sum``, IDENTITY); ``args``/``kwargs`` are its operands in the primitive's own
    calling convention (a method's receiver first); ``node`` is the user's node, for errors."""

    target: str
    value: ast.expr
    prim: object
    args: list
    kwargs: dict
    active: bool
    node: ast.AST = None
    back_edge: bool = False   # a loop's carried value taking its value for the next iteration (or after a break)
    join: bool = False        # the end of a branch giving a value joined after it


@dataclass
class Passive:
    """A statement that carries no gradient, kept in the primal as it is (``n = X.shape[0]``,
    ``print(loss)``, ``mask = x > 0``); ``targets`` are the names it binds; ``effect`` is set when it
    may change something in place (``buf[0] = 1.0``, ``print``), so no optimisation may drop or
    move it."""

    stmt: ast.stmt
    targets: tuple = ()
    effect: bool = False
    back_edge: bool = False
    join: bool = False


@dataclass
class If:
    """``if test: body else: orelse``; ``test`` names a passive value computed before (the branch taken
    is read again by the adjoint). Names assigned in both branches and read after (the joins) are
    assigned at the end of each branch that falls through."""

    test: str
    body: list
    orelse: list
    node: ast.AST = None


@dataclass
class Loop:
    """A ``for`` or ``while`` loop. ``header`` is the ``ast.For`` (target and iterable, renamed) or
    ``ast.While`` (test, renamed) with an empty body. The values carried from one iteration to the
    next (``carried``: user name -> the name holding it) are assigned before the loop, at the end of
    the body and before each ``break``; after the loop they hold the loop's results."""

    header: ast.stmt
    body: list
    carried: dict
    node: ast.AST = None
    counts: bool = False      # a ``for`` over ``range(...)``: its target is an int


@dataclass
class Break:
    """``break`` out of the innermost loop (last statement of its block)."""

    node: ast.AST = None


def walk_statements(body):
    """Every IR statement in ``body``, nested blocks included, in program order."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, If):
            yield from walk_statements(stmt.body)
            yield from walk_statements(stmt.orelse)
        elif isinstance(stmt, Loop):
            yield from walk_statements(stmt.body)


def assigned_names(stmt):
    """The names an IR statement assigns (a loop: its header's target names; a branch: none itself)."""
    if isinstance(stmt, Assign):
        return [stmt.target]
    if isinstance(stmt, Passive):
        return list(stmt.targets)
    if isinstance(stmt, Loop) and isinstance(stmt.header, ast.For):
        return [n.id for n in ast.walk(stmt.header.target) if isinstance(n, ast.Name)]
    return []


def assignment_counts(stmts, params=()):
    """Name -> how many places in ``stmts`` (nested blocks included) assign it; each of ``params`` counts one
    more (a parameter is assigned by the call)."""
    counts = dict.fromkeys(params, 1)
    for stmt in walk_statements(stmts):
        for target in assigned_names(stmt):
            counts[target] = counts.get(target, 0) + 1
    return counts


class RenameNames(ast.NodeTransformer):
    """Every Name (read or written) in ``mapping`` renamed; ``visit`` returns the new tree."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id in self.mapping:
            return ast.copy_location(ast.Name(self.mapping[node.id], node.ctx), node)
        return node


@dataclass
class Program:
    """A normalized function: its parameters, straight-line body and the atom it returns."""

    name: str
    params: list
    body: list = field(default_factory=list)
    result: ast.expr = None
    active: set = field(default_factory=set)
    names: object = None      # the Namespace: fresh names, and outside objects generated code sees


_CONTEXTS = (ast.Load, ast.Store, ast.Del)


def clone(node):
    """A copy of an ``ast`` tree (several times faster than ``copy.deepcopy``; positions are not kept)."""
    if isinstance(node, ast.AST):
        if isinstance(node, _CONTEXTS):
            return node
        new = node.__class__()
        for name in node._fields:
            setattr(new, name, clone(getattr(node, name, None)))
        return new
    if isinstance(node, list):
        return [clone(item) for item in node]
    return node


def push_children(stack, node):
    """Push the child nodes of ``node`` on ``stack``: the step of a fast, order-free ``ast.walk``."""
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            stack.append(value)
