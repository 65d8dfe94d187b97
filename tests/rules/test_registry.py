"""The rule table's mechanics (sourcegrad/rules/registry.py): names, registration, lookups, Rule.adjoint.
Written against mutants of registry.py that survived the rule case tests."""

import builtins
import math
import operator

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import registry
from sourcegrad.rules.registry import (
    ELEMENTWISE, JVP_RULES, NONDIFFERENTIABLE, PYTHON_FUNCTIONS, VERSION, VJP_RULES, Rule, is_elementwise,
    is_nondifferentiable, is_python_function, jvp_rule, lookup_vjp, nondifferentiable, primitive_name, vjp_rule,
)


def user_function(x):
    return x * 2.0


class Holder:
    def method(self, x):
        return x


@pytest.mark.parametrize("primitive, name", [
    (np.sin, "np.sin"), (np.add, "np.add"), (np.linalg.svd, "np.linalg.svd"), (np.fft.fft, "np.fft.fft"),
    (np.ndarray.sum, "np.ndarray.sum"), (np.sum, "np.sum"), (operator.add, "operator.add"),
    (operator.matmul, "operator.matmul"), (builtins.abs, "abs"), (builtins.float, "float"), (math.sin, "math.sin"),
    (user_function, f"{__name__}.user_function"), (Holder.method, f"{__name__}.Holder.method"),
])
def test_primitive_names(primitive, name):
    assert primitive_name(primitive) == name


def test_primitive_name_of_a_property():
    assert primitive_name(np.ndarray.T) == "np.ndarray.T"


@pytest.fixture
def scratch():
    """Primitives registered by a test are removed from every table afterwards."""
    made = []
    yield made
    for p in made:
        for table in (VJP_RULES, JVP_RULES):
            table.pop(p, None)
        for group in (NONDIFFERENTIABLE, ELEMENTWISE, PYTHON_FUNCTIONS):
            group.discard(p)


def test_registration(scratch):
    def f(x, y):
        return x * y

    def g(x):
        return x

    scratch += [f, g]
    before = VERSION[0]
    NONDIFFERENTIABLE.add(f)

    def f_vjp(g_, ans, x, y, scale=1.0):
        return g_ * y * scale, g_ * x * scale

    assert vjp_rule(f, None, g)(f_vjp) is f_vjp          # None (a function NumPy lacks) is skipped
    assert None not in VJP_RULES
    assert VERSION[0] == before + 1
    rule = lookup_vjp(f)
    assert isinstance(rule, Rule) and rule.fn is f_vjp and rule.primitive is f
    assert lookup_vjp(g).fn is f_vjp
    assert repr(rule) == f"<vjp rule for {__name__}.test_registration.<locals>.f>"
    assert list(rule.signature.parameters) == ["x", "y", "scale"]
    assert not is_nondifferentiable(f)                  # a rule makes it differentiable again
    assert f in PYTHON_FUNCTIONS and not is_elementwise(f)   # elementwise is off unless asked
    vjp_rule(g, elementwise=True)(f_vjp)
    assert is_elementwise(g)


def test_registration_errors():
    with pytest.raises(TypeError, match=r"vjp_rule needs at least one primitive: @vjp_rule\(np\.sin\)"):
        vjp_rule()
    with pytest.raises(TypeError, match="vjp_rule decorates a function, got 3"):
        vjp_rule(user_function)(3)


def test_rule_adjoint_picks_one_argument():
    rule = Rule(user_function, lambda g, ans, x, y, k=1.0: (g * y * k, g * x * k))
    assert rule.adjoint(0, 2.0, None, (3.0, 5.0), {}) == 10.0
    assert rule.adjoint(1, 2.0, None, (3.0, 5.0), {"k": 2.0}) == 12.0
    with pytest.raises(TypeError, match=r"gives no adjoint for its argument 2"):
        rule.adjoint(2, 2.0, None, (3.0, 5.0), {})
    single = Rule(user_function, lambda g, ans, x: g * 3.0)        # one adjoint, not a tuple
    assert single.adjoint(0, 2.0, None, (1.0,), {}) == 6.0
    partial = Rule(user_function, lambda g, ans, x, axis: (g, None))
    with pytest.raises(TypeError, match=r"gives no adjoint for its argument 1"):
        partial.adjoint(1, 1.0, None, (1.0, 0), {})


def test_lookups_of_unhashable_callables():
    class Unhashable:
        __hash__ = None

        def __call__(self, x):
            return x

    u = Unhashable()
    assert lookup_vjp(u) is None and not is_nondifferentiable(u) and not is_elementwise(u)


def test_what_counts_as_elementwise():
    assert is_elementwise(np.add) and is_elementwise(np.sin)
    assert not is_elementwise(np.matmul)        # a generalized ufunc
    assert not is_elementwise(np.sum)
    assert is_elementwise(operator.add)


def test_which_functions_are_the_users():
    assert is_python_function(user_function)
    assert not is_python_function(np.sin) and not is_python_function(np.linalg.norm)
    assert not is_python_function(registry.primitive_name)
    assert not is_python_function(sg.primitive(lambda x: x))


def test_jvp_rules_and_nondifferentiable(scratch):
    def f(x):
        return x

    scratch.append(f)

    def f_jvp(t, ans, x):
        return t

    assert jvp_rule(f)(f_jvp) is f_jvp and JVP_RULES[f] is f_jvp
    before = VERSION[0]
    nondifferentiable(f)
    assert is_nondifferentiable(f) and VERSION[0] == before + 1
