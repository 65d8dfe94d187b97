"""Hostile cases for structured arguments (issue 14): each once gave a wrong gradient or an internal error.

Every gradient is compared with central differences (``sg.numerical_grad``) or an exact derivative; a decline
is checked by type and message."""

import builtins
import dataclasses
import enum
from typing import NamedTuple

import numpy as np
import pytest

import sourcegrad as sg
from tests.test_structured import _assert_same_tree


def _assert_tree_close(got, want):
    _assert_same_tree(got, want, rtol=1e-6, atol=1e-8)


# ---- wrt in another order than the parameters


def scaled(params, s):
    return params[0] * 2.0 * s + params[1] * 7.0 + np.sum(params[2] ** 2) * s ** 2


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
@pytest.mark.parametrize("wrt", [("s", "params"), (1, 0), ("params", "s")])
def test_wrt_order_differs_from_parameter_order(mode, wrt):
    args = ([1.0, 3.0, np.array([0.5, -1.0])], 1.5)
    g = sg.grad(scaled, wrt=wrt, mode=mode)
    got = g(*args)
    want = sg.numerical_grad(scaled, *args, wrt=wrt)
    assert len(got) == 2
    for a, b in zip(got, want):
        _assert_tree_close(a, b)
    if mode == "auto":
        assert g.mode == "source", g.fallback_reason
    # exactly: d/ds = 2 p0 + 2 s |p2|^2, d/dp0 = 2 s, d/dp1 = 7
    by_name = dict(zip(["params" if w in ("params", 0) else "s" for w in wrt], got))
    assert by_name["s"] == pytest.approx(2 * 1.0 + 2 * 1.5 * 1.25)
    assert by_name["params"][:2] == [pytest.approx(3.0), pytest.approx(7.0)]


def test_value_and_grad_and_vjp_with_wrt_reversed():
    args = ([1.0, 3.0, np.array([0.5, -1.0])], 1.5)
    value, (ds, dparams) = sg.value_and_grad(scaled, wrt=(1, 0), mode="source")(*args)
    assert value == pytest.approx(scaled(*args))
    assert ds == pytest.approx(2 * 1.0 + 2 * 1.5 * 1.25)
    _assert_tree_close(dparams, sg.numerical_grad(scaled, *args, wrt=0))
    out, back = sg.vjp(scaled, *args, wrt=("s", "params"), mode="source")
    ds, dparams = back(2.0)
    assert ds == pytest.approx(2 * (2 * 1.0 + 2 * 1.5 * 1.25))
    assert dparams[:2] == [pytest.approx(6.0), pytest.approx(14.0)]


# ---- dict keys that are equal but not alike: each structure gets code of its own


def weighted_by_key_type(p):
    total = 0.0
    for k in p:
        if type(k) is float:
            total = total + 2.0 * np.sum(p[k])
        else:
            total = total + np.sum(p[k])
    return total


def test_keys_equal_but_of_other_types_do_not_share_generated_code():
    b = np.array([0.5, -1.0, 2.0])
    g = sg.grad(weighted_by_key_type, mode="source")
    for key, factor in [(1, 1.0), (1.0, 2.0), (True, 1.0), ((1, 2.0), 1.0), (0.0, 2.0), (-0.0, 2.0)]:
        got = g({key: b})
        assert list(got) == [key] and type(list(got)[0]) is type(key)
        np.testing.assert_allclose(got[key], np.full(3, factor))
        _assert_tree_close(got, sg.numerical_grad(weighted_by_key_type, {key: b}))


def test_treedefs_of_alike_keys_differ():
    assert sg.tree_flatten({1: 0.0})[1] != sg.tree_flatten({1.0: 0.0})[1]
    assert sg.tree_flatten({(1, 2): 0.0})[1] != sg.tree_flatten({(1, 2.0): 0.0})[1]
    assert sg.tree_flatten({0.0: 0.0})[1] != sg.tree_flatten({-0.0: 0.0})[1]
    assert sg.tree_flatten({"a": 0.0})[1] == sg.tree_flatten({"a": 1.0})[1]
    assert hash(sg.tree_flatten({"a": [1.0]})[1]) == hash(sg.tree_flatten({"a": [2.0]})[1])


# ---- dataclasses are rebuilt from their fields, without running __init__ / __post_init__ again


@dataclasses.dataclass
class Doubling:
    w: np.ndarray
    s: float

    def __post_init__(self):
        self.w = self.w * 2     # runs once, when the user builds it; the fields then hold the values


def doubling_loss(p):
    return np.sum(p.w * p.s) + p.s ** 2


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_dataclass_with_post_init_gradient_is_of_its_fields(mode):
    p = Doubling(np.array([1.0, -2.0]), 1.5)          # p.w == [2, -4]
    got = sg.grad(doubling_loss, mode=mode)(p)
    assert type(got) is Doubling
    np.testing.assert_allclose(got.w, [1.5, 1.5])     # d/dw sum(w s) = s, not doubled again
    assert got.s == pytest.approx(np.sum(p.w) + 2 * 1.5)
    want = sg.numerical_grad(doubling_loss, p)
    np.testing.assert_allclose(want.w, got.w, rtol=1e-6)
    assert want.s == pytest.approx(got.s, rel=1e-6)


def test_dataclass_rebuilt_without_init():
    p = Doubling(np.array([1.0, -2.0]), 1.5)
    leaves, treedef = sg.tree_flatten(p)
    again = sg.tree_unflatten(treedef, leaves)
    np.testing.assert_array_equal(again.w, p.w)
    vector, unravel = sg.tree_ravel(p)
    np.testing.assert_array_equal(unravel(vector).w, p.w)
    opt = sg.optim.SGD(lr=0.5)
    grads = sg.tree_unflatten(treedef, [np.array([1.0, 1.0]), 0.0])
    new = opt.update(p, grads)
    np.testing.assert_allclose(new.w, p.w - 0.5)


@dataclasses.dataclass
class WithCache:
    w: np.ndarray

    def __post_init__(self):
        self.w2 = self.w * 2    # not a field: would be lost (or stale) in a rebuilt copy


@dataclasses.dataclass
class NotSet:
    w: np.ndarray
    s: float = dataclasses.field(init=False)


def uses_w2(p):
    return np.sum(p.w2)


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_dataclass_with_attributes_that_are_not_fields_is_refused(mode):
    with pytest.raises(ValueError, match=r"WithCache has attributes that are not fields \(w2\)"):
        sg.grad(uses_w2, mode=mode)(WithCache(np.ones(2)))
    with pytest.raises(ValueError, match="NotSet has no value for its field 's'"):
        sg.grad(lambda p: np.sum(p.w), mode="tape")(NotSet(np.ones(2)))


# ---- float leaves of a subclass (np.ma.MaskedArray, a float subclass): the tape differentiates them


class Meters(float):
    pass


class Tagged(np.ndarray):
    pass


def subclass_loss(p):
    return np.sum(p[0] ** 2) + 3.0 * np.sum(p[1]) + p[2] * 5.0


@pytest.mark.parametrize("first", [np.ma.array([0.5, -1.0]), np.array([0.5, -1.0]).view(Tagged)])
def test_float_leaf_of_a_subclass_is_differentiated_by_the_tape(first):
    p = [first, np.array([1.0, 2.0]), Meters(2.0)]
    want = [np.array([1.0, -2.0]), np.array([3.0, 3.0]), 5.0]
    for mode in ("tape", "auto"):
        g = sg.grad(subclass_loss, mode=mode)
        got = g(p)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b)
        assert g.mode == "tape"
    assert f"is a {type(first).__name__}, a subclass of np.ndarray" in g.fallback_reason
    with pytest.raises(sg.UnsupportedError, match=r"p\[0\] is a (MaskedArray|Tagged), a subclass of np.ndarray: "
                                                  "source mode specialises on plain arrays"):
        sg.grad(subclass_loss, mode="source")(p)
    with pytest.raises(sg.UnsupportedError, match=r"p\[2\] is a Meters, a subclass of float"):
        sg.grad(subclass_loss, mode="source")([np.array([0.5, -1.0]), np.array([1.0, 2.0]), Meters(2.0)])


# ---- enumerate, zip, reversed, len, range, sum: followed only when they are Python's builtins


def reversed_layers(params):
    total = 0.0
    for i, layer in enumerate(reversed(params)):
        total = total + (i + 1) * np.sum(layer)
    return total


def length_weighted(params):
    return np.sum(params[0]) * len(params)


def summed(params):
    return sum(np.sum(layer ** 2) for layer in params)


def local_enumerate(params):
    enumerate = lambda s: [(5, s[0]), (7, s[1])]   # noqa: E731
    total = 0.0
    for i, layer in enumerate(params):
        total = total + i * np.sum(layer)
    return total


LAYERS = [np.array([0.3, -0.2]), np.array([1.0, 2.0])]


@pytest.mark.parametrize("function, name, shadow", [
    (reversed_layers, "reversed", lambda s: s),
    (reversed_layers, "enumerate", lambda s: list(builtins.zip([4, 9], s))),
    (length_weighted, "len", lambda s: 5),
    (summed, "sum", lambda items: 3.0 * builtins.sum(items)),
])
def test_builtin_shadowed_by_a_global_is_not_taken_for_the_builtin(monkeypatch, function, name, shadow):
    g = sg.grad(function)
    _assert_tree_close(g(LAYERS), sg.numerical_grad(function, LAYERS))
    assert g.mode == "source"
    monkeypatch.setitem(globals(), name, shadow)        # the generated code's guard notices the new global
    got = g(LAYERS)
    _assert_tree_close(got, sg.numerical_grad(function, LAYERS))
    fresh = sg.grad(function)                           # and code generated with the global there follows it
    _assert_tree_close(fresh(LAYERS), got)


def test_builtin_shadowed_by_a_local_is_not_taken_for_the_builtin():
    g = sg.grad(local_enumerate)
    got = g(LAYERS)
    np.testing.assert_allclose(got[0], [5.0, 5.0])
    np.testing.assert_allclose(got[1], [7.0, 7.0])
    with pytest.raises(sg.UnsupportedError, match=r"passing \(part of\) a structured parameter to enumerate"):
        sg.grad(local_enumerate, mode="source")(LAYERS)


# ---- keys and constants that no literal writes: read from closure cells, not written with their repr


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class ReprOne:
    def __repr__(self):
        return "1"


def by_key_kind(params):
    total = 0.0
    for k, v in params.items():
        if k is Color.RED or isinstance(k, ReprOne):
            total = total + 2.0 * np.sum(v)
        else:
            total = total + np.sum(v)
    return total


def flagged(params):
    if params["flag"]:
        return np.sum(params["W"]) * 2.0
    return np.sum(params["W"])


@pytest.mark.parametrize("params, factors", [
    ({Color.RED: np.array([1.0, 2.0]), Color.BLUE: np.array([3.0])}, [2.0, 1.0]),
    ({ReprOne(): np.array([1.0, 2.0]), 1: np.array([3.0])}, [2.0, 1.0]),
    ({1 + 2j: np.array([1.0, 2.0]), complex(1, float("nan")): np.array([3.0])}, [1.0, 1.0]),
])
def test_keys_without_literals(params, factors):
    g = sg.grad(by_key_kind, mode="source")
    got = g(params)
    for (key, value), factor in zip(got.items(), factors):
        np.testing.assert_allclose(value, np.full(value.shape, factor))
    _assert_tree_close(got, sg.numerical_grad(by_key_kind, params))


@pytest.mark.parametrize("flag, factor", [(np.True_, 2.0), (np.False_, 1.0), (True, 2.0)])
def test_numpy_bool_leaf(flag, factor):
    p = {"W": np.array([1.0, -1.0]), "flag": flag}
    got = sg.grad(flagged, mode="source")(p)
    np.testing.assert_allclose(got["W"], [factor, factor])
    assert got["flag"] is None


# ---- a name holding a structure rebound by a statement source mode passes through (import, except ... as)


def rebound_by_import(params, x):
    total = np.sum(params[0] ** 2)
    from os import sep as params        # params is now a string: len(params[0]) == 1
    return total + np.sum(x) * len(params[0])


def rebound_by_except(params, x):
    total = np.sum(params[0] ** 2)
    try:
        raise ValueError
    except ValueError as params:        # noqa: F841 (and deleted at the end of the handler)
        pass
    return total


@pytest.mark.parametrize("function", [rebound_by_import, rebound_by_except])
def test_structure_rebound_by_another_statement(function):
    args = ([np.array([0.3, -0.2]), np.array([1.0, 2.0])], np.array([5.0, 7.0]))
    with pytest.raises(sg.UnsupportedError, match=r"params holds \(part of\) a structured parameter and is rebound "
                                                  r"by this (importfrom|try) statement"):
        sg.grad(function, mode="source")(*args)
    g = sg.grad(function)
    got = g(*args)
    assert g.mode == "tape"
    _assert_tree_close(got, sg.numerical_grad(function, *args))
    np.testing.assert_allclose(got[0], 2 * args[0][0])


# ---- NamedTuples rebuilt without their class's __new__; fields a property overrides are refused


class Pair(NamedTuple):
    w: np.ndarray
    s: float


class DoublingPair(Pair):
    def __new__(cls, w, s):
        return super().__new__(cls, w * 2, s)


class OverridingPair(Pair):
    @property
    def w(self):
        return self[0] * 2


@dataclasses.dataclass
class Field:
    w: np.ndarray


class OverridingField(Field):
    @property
    def w(self):
        return np.ones(2)

    @w.setter
    def w(self, value):
        pass


def pair_loss(p):
    return np.sum(p[0] ** 2) * p[1]


def pair_attr_loss(p):
    return np.sum(p.w ** 2) * p.s


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_namedtuple_with_its_own_new_gradient_is_of_its_items(mode):
    p = DoublingPair(np.array([0.5, -1.0]), 2.0)     # p.w == [1, -2]
    got = sg.grad(pair_loss, mode=mode)(p)
    assert type(got) is DoublingPair
    np.testing.assert_allclose(got.w, 2 * p.w * p.s)   # not doubled by a rebuild through __new__
    assert got.s == pytest.approx(5.0)
    want = sg.numerical_grad(pair_loss, p)
    np.testing.assert_allclose(want.w, got.w, rtol=1e-6)


@pytest.mark.parametrize("mode", ["source", "tape", "auto"])
def test_field_overridden_by_a_property_is_refused(mode):
    with pytest.raises(ValueError, match="reading the field 'w' of a OverridingPair does not give the item"):
        sg.grad(pair_attr_loss, mode=mode)(OverridingPair(np.array([0.5, -1.0]), 2.0))
    with pytest.raises(ValueError, match="the field 'w' of OverridingField is overridden by a property"):
        sg.grad(lambda p: np.sum(p.w), mode=mode)(OverridingField(np.array([0.5, -1.0])))


# ---- optimisers: the state of a new parameter never meets the state kept by position; one group per array


def test_new_parameter_state_never_shared_with_a_path():
    opt = sg.optim.Adam(lr=0.1)
    params = opt.update([np.ones(2)], [np.ones(2)])
    params = opt.update(params + [np.zeros(2)], [np.ones(2), np.full(2, 100.0)])   # a new leaf, by identity
    other = {"new": [np.zeros(2), np.zeros(2)]}   # not returned by the optimiser: its state goes by position
    out = opt.update(other, {"new": [np.ones(2), np.ones(2)]})
    # a first Adam step moves each element by lr (m_hat / sqrt(v_hat) = 1): no state from the other parameter
    np.testing.assert_allclose(out["new"][1], [-0.1, -0.1], rtol=1e-6)
    np.testing.assert_allclose(out["new"][0], [-0.1, -0.1], rtol=1e-6)


def test_an_array_in_two_parameter_groups_is_refused():
    a = np.ones(2)
    with pytest.raises(ValueError, match=r"an array appears in more than one parameter group \(groups 0 and 1\)"):
        sg.optim.SGD([{"params": [a]}, {"params": {"w": a}, "lr": 1.0}], lr=0.1)
    opt = sg.optim.SGD({"a": a}, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a], "lr": 1.0})
    tied = sg.optim.SGD([{"params": [a, a]}], lr=0.5)      # twice in one group: one set of hyperparameters
    np.testing.assert_allclose(tied.update([a, a], [np.ones(2), np.ones(2)])[1], [0.5, 0.5])


def _adam_by_hand(param, grads, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        param = param - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param


def test_int_leaf_does_not_make_a_new_structure_look_returned():
    # a fresh structure each step (copies): the state goes by position. The int 3 is the same object in every
    # structure; it once made the optimiser take the structure for one it returned, and restart Adam every step
    opt = sg.optim.Adam(lr=0.1)
    w = np.ones(2)
    grads = [np.array([1.0, -2.0]) * k for k in (1, 2, 3)]
    for g in grads:
        w = opt.update({"W": w.copy(), "n": 3, "scale": 1.0}, {"W": g, "n": None, "scale": None})["W"]
    np.testing.assert_allclose(w, _adam_by_hand(np.ones(2), grads, 0.1))


def test_optimiser_rebuilds_a_namedtuple_without_its_new():
    p = DoublingPair(np.array([0.5, 0.5]), 1.0)          # p.w == [1, 1]
    grads = sg.grad(pair_loss)(p)                        # d/dw = 2 w s = [2, 2]
    out = sg.optim.SGD(lr=0.25).update(p, grads)
    assert type(out) is DoublingPair
    np.testing.assert_allclose(out.w, [0.5, 0.5])        # 1 - 0.25 * 2, not doubled by DoublingPair.__new__


def test_optimiser_takes_subclasses_of_containers_as_leaves_like_grad():
    class Layers(list):
        pass

    with pytest.raises(ValueError, match=r"the parameter at params\[0\] is a Layers, not a number or an array"):
        sg.optim.SGD(lr=0.1).update([Layers([1.0, 2.0])], [[1.0, 1.0]])


# ---- names a comprehension or lambda binds are its own: they hide a loop index or a structure outside it


def inner_index_hides_loop_index(params):
    total = 0.0
    for i, layer in enumerate(params):
        total = total + sum(np.sum(params[i]) for i in range(2))   # params[0], params[1]: not the loop's i
    return total


def inner_variable_hides_comprehension_constant(params):
    return sum(np.sum(layer) * sum(k for k in range(3)) for k, layer in enumerate(params))


def inner_variable_hides_loop_layer(params, x):
    total = 0.0
    for layer in params:
        total = total + np.sum(layer["W"] * sum(layer for layer in [x, x]))
    return total


THREE = [np.array([0.3, -0.2]), np.array([1.0, 2.0]), np.array([3.0, 6.0])]


def test_comprehension_variable_hides_a_loop_index():
    g = sg.grad(inner_index_hides_loop_index)
    got = g(THREE)
    for leaf, factor in zip(got, [3.0, 3.0, 0.0]):     # each of 3 iterations adds sum(params[0] + params[1])
        np.testing.assert_allclose(leaf, np.full(2, factor))
    _assert_tree_close(got, sg.numerical_grad(inner_index_hides_loop_index, THREE))


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_comprehension_variable_hides_a_constant_and_a_layer(mode):
    got = sg.grad(inner_variable_hides_comprehension_constant, mode=mode)(THREE)
    for leaf in got:
        np.testing.assert_allclose(leaf, [3.0, 3.0])        # sum(k for k in range(3)) == 3, whatever k outside
    layers = [{"W": np.array([0.3, -0.2])}, {"W": np.array([1.0, 2.0])}]
    x = np.array([1.0, 3.0])
    got = sg.grad(inner_variable_hides_loop_layer, mode=mode)(layers, x)
    for layer in got:
        np.testing.assert_allclose(layer["W"], 2 * x)


# ---- a helper taking a structure: its arguments are evaluated in the order they are written


_TICKS = []


def _tick():
    _TICKS.append(None)
    return float(len(_TICKS))


def scaled_layer(layer, a, b):
    return np.sum(layer["W"]) * a + b


def keywords_out_of_order(params):
    return scaled_layer(params[0], b=_tick(), a=_tick())      # b = 1, a = 2, as Python evaluates them


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_helper_arguments_evaluated_in_written_order(mode):
    _TICKS.clear()
    value, grads = sg.value_and_grad(keywords_out_of_order, mode=mode)([{"W": np.array([0.3, -0.2])}])
    assert value == pytest.approx(0.1 * 2.0 + 1.0)
    np.testing.assert_allclose(grads[0]["W"], [2.0, 2.0])


def test_array_tied_anew_each_step_keeps_one_state():
    # enc and dec are the same array at every update (tied again after each): dec's update has a state of its own,
    # the same from step to step (it once got a fresh one each step: Adam restarted, and the state grew without end)
    opt = sg.optim.Adam(lr=0.1)
    params = {"enc": np.ones(2), "dec": None}
    params["dec"] = params["enc"]
    dec_grads = [np.array([1.0, -3.0]) * k for k in (1.0, 0.2, 5.0, 0.5, 2.0)]
    for step, g in enumerate(dec_grads):
        enc_before = params["enc"]
        out = opt.update(params, {"enc": np.array([0.5, 0.5]), "dec": g})
        params = {"enc": out["enc"], "dec": out["enc"]}
    assert len(opt.state) == 3          # enc, dec by position on the first step, dec tied after that
    m = v = 0.0                         # dec's moments, from the second step on (the first went by position)
    for t, g in enumerate(dec_grads[1:], start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
    want = enc_before - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(out["dec"], want, rtol=1e-10)
