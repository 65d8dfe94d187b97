"""Inline a derivative rule's body into generated code, with its names substituted.

``sin(g, ans, x): return g * np.cos(x)`` applied to ``y = np.sin(x)`` becomes the expression
``by * np.cos(x)``. Rules the inliner cannot read (no source, or not straight-line) are called
instead, through the same Rule object the tape uses.
"""

import ast
import inspect
import textwrap

from ..errors import UnsupportedError
from ..runtime import helpers
from .ir import clone

_TEMPLATES = {}


class Template:
    """A rule function's body: its local statements and what it returns."""

    def __init__(self, fn, tree):
        self.fn = fn
        self.body = tree.body[:-1]
        returned = tree.body[-1].value
        self.returns = returned.elts if isinstance(returned, ast.Tuple) else [returned]
        self.locals = {t.id for stmt in self.body for t in stmt.targets}
        self.g_ans = list(inspect.signature(fn).parameters)[:2]   # the names the rule gives g and ans


def template_of(fn):
    """The Template of a rule function, or None when its source cannot be inlined."""
    if fn not in _TEMPLATES:
        _TEMPLATES[fn] = _read_template(fn)
    return _TEMPLATES[fn]


def _read_template(fn):
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    if not isinstance(tree, ast.FunctionDef) or not tree.body:
        return None
    body = tree.body[1:] if _is_docstring(tree.body[0]) else tree.body
    tree.body = body
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets)):
            return None
    return Template(fn, tree)


def _is_docstring(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def bind_arguments(rule, args, kwargs, node, source):
    """Map each parameter of ``rule`` (after g, ans) to the atom passed for it, in order."""
    try:
        bound = rule.signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise source.error(node, f"the derivative rule of {rule.name} does not accept this call ({exc})",
                           'Use mode="tape", or register a rule that does with sg.vjp_rule.') from None
    return bound.arguments


def inline(rule, indices, g, ans, arguments, names, simplify):
    """(statements, {index: expression}): the adjoints of the rule's parameters at ``indices``.

    ``simplify(helper, call)`` gives each call of a runtime helper (``unbroadcast(...)``, ``grad_matmul_lhs(...)``),
    its operands substituted, the expression to write instead (the call itself when nothing simpler is right).

    The rule's own local assignments are emitted once, however many adjoints use them. An index
    the rule gives no adjoint for (``None``, such as an ``axis``) is left out of the dict."""
    template = template_of(rule.fn)
    if template is None:
        return [], {i: _call_rule(rule, i, g, ans, arguments, names) for i in indices}
    wanted = [i for i in indices if i < len(template.returns) and not _is_none(template.returns[i])]
    if not wanted:
        return [], {}
    first_two = template.g_ans
    mapping = {first_two[0]: g, first_two[1]: ans}
    for param in rule.signature.parameters.values():
        if param.name in arguments:
            value = arguments[param.name]
            mapping[param.name] = ast.Tuple(list(value), ast.Load()) if param.kind == param.VAR_POSITIONAL else value
        elif param.kind == param.VAR_POSITIONAL:
            mapping[param.name] = ast.Tuple([], ast.Load())
        else:
            mapping[param.name] = _literal(param.default, param.name, names)
    for local in sorted(template.locals):
        mapping[local] = ast.Name(names.temp(), ast.Load())
    substitute = _Substitute(mapping, rule.fn, names, simplify)
    statements = [substitute.visit(clone(stmt)) for stmt in template.body]
    return statements, {i: substitute.visit(clone(template.returns[i])) for i in wanted}


def _is_none(node):
    return isinstance(node, ast.Constant) and node.value is None


def _literal(value, name, names):
    if value is None or isinstance(value, (bool, int, float, str)):
        return ast.Constant(value)
    return names.load(name, value)


def _call_rule(rule, index, g, ans, arguments, names):
    # rule.adjoint(index, g, ans, (args...), {kwargs}): for rules whose body cannot be inlined.
    base = rule.fn.__name__ if rule.fn.__name__.isidentifier() else "user"
    name = names.external(f"rule_{base}", rule)
    positional, keywords = [], []
    for param in rule.signature.parameters.values():
        if param.name not in arguments:
            continue
        if param.kind == param.VAR_POSITIONAL:
            positional.extend(arguments[param.name])
        elif param.kind == param.KEYWORD_ONLY:
            keywords.append((param.name, arguments[param.name]))
        else:
            positional.append(arguments[param.name])
    return ast.Call(
        ast.Attribute(ast.Name(name, ast.Load()), "adjoint", ast.Load()),
        [ast.Constant(index), g, ans, ast.Tuple(positional, ast.Load()),
         ast.Dict([ast.Constant(k) for k, _ in keywords], [v for _, v in keywords])],
        [],
    )


class _Substitute(ast.NodeTransformer):
    """Replace a rule's parameter names by atoms, its free names by names generated code sees."""

    def __init__(self, mapping, fn, names, simplify):
        self.mapping = mapping
        self.fn = fn
        self.names = names
        self.simplify = simplify

    def visit_Name(self, node):
        if node.id in self.mapping:
            atom = self.mapping[node.id]
            return ast.Name(atom.id, ast.Load()) if type(atom) is ast.Name else clone(atom)
        value = self.fn.__globals__.get(node.id, _builtin(node.id))
        if value is _MISSING:
            raise UnsupportedError(f"the derivative rule {self.fn.__qualname__} uses the undefined name {node.id!r}")
        return self.names.load(node.id, value)

    def visit_Call(self, node):
        helper = None
        if isinstance(node.func, ast.Name) and node.func.id not in self.mapping:
            value = self.fn.__globals__.get(node.func.id)
            if getattr(value, "__module__", None) == helpers.__name__:
                helper = value
        self.generic_visit(node)
        return node if helper is None else self.simplify(helper, node)


_MISSING = object()


def _builtin(name):
    import builtins

    return getattr(builtins, name, _MISSING)
