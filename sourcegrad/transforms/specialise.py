"""Runtime helper calls in inlined rules, written as plain NumPy where the operands' patterns decide them.

A rule is written once for every shape (``grad_matmul_lhs(g, a, b)`` looks at the operands' dimensions when it
runs). Where the patterns (``patterns.py``) already say what the helper would find, the generated code says
directly what it would do: ``g @ b.T`` for two matrices, ``x.size`` for the size of a full reduction,
``g`` for an ``unbroadcast`` that could only return its argument.
"""

import ast

import numpy as np

from ..runtime import helpers


def _attribute(value, attr):
    return ast.Attribute(value, attr, ast.Load())


def _matmul(left, right):
    return ast.BinOp(left, ast.MatMult(), right)


def _transposed(atom):
    return _attribute(atom, "T")


def _numpy_call(names, function, args):
    return ast.Call(_attribute(names.load("np", np), function), args, [])


def _matmul_lhs(call, patterns, names):
    if len(call.args) != 3:
        return None
    g, a, b = call.args
    ranks = patterns.rank(a), patterns.rank(b)
    if ranks == (2, 2):
        return _matmul(g, _transposed(b))
    if ranks == (2, 1):
        return _numpy_call(names, "outer", [g, b])
    if ranks == (1, 2):
        return _matmul(b, g)
    return None


def _matmul_rhs(call, patterns, names):
    if len(call.args) != 3:
        return None
    g, a, b = call.args
    ranks = patterns.rank(a), patterns.rank(b)
    if ranks in ((2, 2), (2, 1)):
        return _matmul(_transposed(a), g)
    if ranks == (1, 2):
        return _numpy_call(names, "outer", [a, g])
    return None


def _reduced_size(call, patterns, names):
    x = call.args[0]
    axis = call.args[1] if len(call.args) > 1 else ast.Constant(None)
    rank = patterns.rank(x)
    if not rank or call.keywords or not isinstance(axis, ast.Constant):
        return None
    if axis.value is None:
        return _attribute(x, "size")
    if type(axis.value) is int and -rank <= axis.value < rank:
        return ast.Subscript(_attribute(x, "shape"), ast.Constant(axis.value), ast.Load())
    return None


def unbroadcast_sum(value, result, operand):
    """``unbroadcast(value, x)`` as the sums it does, for a value with the pattern ``result`` going to an operand
    with the pattern ``operand`` (both fully known), or None. ``value.sum(axis=0)`` for axes broadcasting added,
    ``.sum(axis=k, keepdims=True)`` for axes of length one stretched, ``value.sum()`` for a number."""
    if result is None or operand is None or len(operand) > len(result):
        return None
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):   # the sum of -g is -(the sum of g)
        inner = unbroadcast_sum(value.operand, result, operand)
        return None if inner is None else ast.UnaryOp(ast.USub(), inner)
    extra = len(result) - len(operand)
    if not operand:
        return _method(value, "sum", None, False) if result else value
    stretched = tuple(i for i, p in enumerate(operand) if p == "1" and result[extra + i] == "N")
    if extra:
        value = _method(value, "sum", tuple(range(extra)), False)
    if stretched:
        value = _method(value, "sum", stretched, True)
    return value


def _method(value, name, axes, keepdims):
    keywords = []
    if axes is not None:
        axis = ast.Constant(axes[0]) if len(axes) == 1 else ast.Tuple([ast.Constant(a) for a in axes], ast.Load())
        keywords.append(ast.keyword("axis", axis))
    if keepdims:
        keywords.append(ast.keyword("keepdims", ast.Constant(True)))
    return ast.Call(_attribute(value, name), [], keywords)


_SPECIALISED = {
    helpers.grad_matmul_lhs: _matmul_lhs,
    helpers.grad_matmul_rhs: _matmul_rhs,
    helpers.grad_dot_lhs: _matmul_lhs,    # np.dot is a matrix product for operands of one or two axes
    helpers.grad_dot_rhs: _matmul_rhs,
    helpers.reduced_size: _reduced_size,
}


def specialise(helper, call, patterns, names):
    """The plain expression to write for ``call`` (a call of ``helper`` with atoms as operands), or ``call``."""
    rewrite = _SPECIALISED.get(helper)
    if rewrite is None or call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return call
    found = rewrite(call, patterns, names)
    return call if found is None else found
