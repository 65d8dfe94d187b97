"""Structured arguments (issue 14): lists, tuples, dicts, NamedTuples and dataclasses of arrays, in every mode.

Every gradient is compared with central differences of the function of the flat vector of float leaves
(``sg.tree_ravel``), and source mode with the tape; structures come back with the same containers and keys."""

import dataclasses
import warnings
from typing import NamedTuple

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.tree import path_text, tree_paths

RNG = np.random.default_rng(14)
X = RNG.normal(size=(5, 3))


def _fd(f, tree, *rest):
    """Finite-difference gradient of f with respect to the tree, as a tree (None at non-float leaves)."""
    vector, unravel = sg.tree_ravel(tree)
    flat = sg.numerical_grad(lambda v: f(unravel(v), *rest), vector)
    grad_tree = unravel(flat)
    leaves, treedef = sg.tree_flatten(grad_tree)
    originals, _ = sg.tree_flatten(tree)
    return sg.tree_unflatten(treedef, [g if sg.tree.is_float_leaf(o) else None for g, o in zip(leaves, originals)])


def _assert_same_tree(got, want, rtol=1e-5, atol=1e-7):
    got_leaves, got_def = sg.tree_flatten(got)
    want_leaves, want_def = sg.tree_flatten(want)
    assert got_def == want_def, (got_def, want_def)
    for a, b in zip(got_leaves, want_leaves):
        if b is None:
            assert a is None
        else:
            assert type(a) is type(b)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _all_modes(f, tree, *rest, source=True):
    """The gradient in each mode, checked against finite differences; source mode must be used when ``source``."""
    want = _fd(f, tree, *rest)
    out = {}
    for mode in ("auto", "source", "tape") if source else ("auto", "tape"):
        g = sg.grad(f, mode=mode)
        got = g(tree, *rest)
        _assert_same_tree(got, want)
        if mode == "auto":
            assert g.mode == ("source" if source else "tape"), g.fallback_reason
        out[mode] = (g, got)
    return out


# ---- containers


def mlp_pairs(params, x):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def test_list_of_tuples_loop_unpacks_in_source_mode():
    params = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)), (RNG.normal(size=(4, 2)), RNG.normal(size=2))]
    out = _all_modes(mlp_pairs, params, X)
    g, got = out["source"]
    assert type(got) is list and all(type(p) is tuple for p in got)
    assert got[1][0].shape == (4, 2)
    assert "def dmlp_pairs_dparams(params_0_0, params_0_1, params_1_0, params_1_1, x):" in g.source


def dict_model(p, x):
    return np.sum((x @ p["W"] + p["b"]) ** 2) + p["scale"] ** 2


def test_dict_keys_and_order_kept():
    p = {"W": RNG.normal(size=(3, 2)), "scale": 1.5, "b": RNG.normal(size=2)}
    out = _all_modes(dict_model, p, X)
    got = out["source"][1]
    assert list(got) == ["W", "scale", "b"]
    assert type(got["scale"]) is float


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class Model:
    hidden: Layer
    out: Layer
    temperature: float = 1.0


def dataclass_model(m, x):
    h = np.tanh(x @ m.hidden.W + m.hidden.b)
    W, b = m.out
    return np.sum(np.exp((h @ W + b) / m.temperature))


def test_namedtuple_and_dataclass():
    m = Model(Layer(RNG.normal(size=(3, 4)), RNG.normal(size=4)), Layer(RNG.normal(size=(4, 1)), RNG.normal(size=1)),
              2.0)
    out = _all_modes(dataclass_model, m, X)
    got = out["source"][1]
    assert type(got) is Model and type(got.hidden) is Layer and type(got.temperature) is float


def nested(tree, x):
    a = tree["layers"][0]["W"]
    c = tree["layers"][-1]["W"]
    return np.sum(x @ a @ c) * tree["gain"][1] + len(tree["layers"])


def test_nested_dicts_lists_tuples_negative_index():
    tree = {"layers": [{"W": RNG.normal(size=(3, 3))}, {"W": RNG.normal(size=(3, 2))}], "gain": (0.5, 2.0)}
    _all_modes(nested, tree, X)


# ---- non-float leaves


def with_settings(params, x):
    h = x
    for layer in params:
        h = layer["act"](h @ layer["W"])
        if layer["kind"] == "residual":
            h = h + x[:, :h.shape[1]]
    return np.sum(h) * params[0]["repeat"]


def test_non_float_leaves_carried_and_get_none():
    params = [{"W": RNG.normal(size=(3, 3)), "act": np.tanh, "kind": "residual", "repeat": 3, "note": None},
              {"W": RNG.normal(size=(3, 2)), "act": np.sin, "kind": "plain", "repeat": 1, "note": None}]
    out = _all_modes(with_settings, params, X)
    got = out["source"][1]
    assert got[0]["act"] is None and got[0]["kind"] is None and got[0]["repeat"] is None and got[0]["note"] is None


def test_changing_activation_generates_new_code():
    params = [{"W": RNG.normal(size=(3, 3)), "act": np.tanh, "kind": "plain", "repeat": 1}]
    g = sg.grad(with_settings, mode="source")
    first = g(params, X)
    params2 = [dict(params[0], act=np.sin)]
    second = g(params2, X)
    _assert_same_tree(second, _fd(with_settings, params2, X))
    assert not np.allclose(first[0]["W"], second[0]["W"])


# ---- loops over layers and the forms source mode follows


def indexed(params, x):
    h = x
    for i in range(len(params)):
        h = np.sin(h @ params[i]["W"] + params[i]["b"])
    return np.sum(h)


def enumerated(params, x):
    total = 0.0
    h = x
    for i, (W, b) in enumerate(params):
        h = np.cos(h @ W + b)
        total = total + (i + 1) * np.sum(h)
    return total + 0.01 * sum(np.sum(W ** 2) for W, b in params)


def dict_items(weights, x):
    total = 0.0
    for name, w in weights.items():
        total = total + np.sum(x @ w) * (2.0 if name == "a" else 1.0)
    return total


def sliced(params, x):
    h = x
    for W, b in params[:-1]:
        h = np.maximum(h @ W + b, 0.1 * (h @ W + b))
    W, b = params[-1]
    return np.sum((h @ W + b) ** 2)


def data_loop(params, x):
    # a loop whose trip count depends on the data, around reads of the structure
    h = x
    n = 0
    while np.sum(h ** 2) > 1.0 and n < 5:
        h = h * params["shrink"]
        n = n + 1
    return np.sum(h @ params["W"])


@pytest.mark.parametrize("f", [indexed, enumerated, sliced])
def test_loops_over_layers_in_source_mode(f):
    params = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)), (RNG.normal(size=(4, 4)), RNG.normal(size=4)),
              (RNG.normal(size=(4, 2)), RNG.normal(size=2))]
    if f is indexed:
        params = [{"W": W, "b": b} for W, b in params]
    _all_modes(f, params, X)


def test_dict_items_and_data_dependent_loop():
    _all_modes(dict_items, {"a": RNG.normal(size=3), "b": RNG.normal(size=3)}, X)
    _all_modes(data_loop, {"shrink": 0.7, "W": RNG.normal(size=(3, 2))}, X)


def test_depth_is_part_of_the_cache_key():
    g = sg.grad(mlp_pairs, mode="source")
    for depth in (1, 2, 3, 2):
        params = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(depth)]
        _assert_same_tree(g(params, X), _fd(mlp_pairs, params, X))
        assert g.source.count("np.tanh(") == depth


# ---- declines: auto mode uses the tape, source mode says why


def passes_structure(params, x):
    return np.sum(np.stack(params) @ x.T)


def runtime_index(params, x, k):
    return np.sum(x @ params[k])


def stores_into(params, x):
    params["W"] = params["W"] * 2
    return np.sum(x @ params["W"])


def branch_binding(params, x):
    layer = params[0]
    if np.sum(x) > 0:
        layer = params[1]
    return np.sum(x @ layer["W"])


@pytest.mark.parametrize("f, args, message", [
    (passes_structure, ([RNG.normal(size=3), RNG.normal(size=3)], X), "a structured parameter to np.stack"),
    (runtime_index, ([RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))], X, 1), "known only at run time"),
    (stores_into, ({"W": RNG.normal(size=(3, 2))}, X), "assigning into a structured parameter"),
    (branch_binding, ([{"W": RNG.normal(size=(3, 2))}, {"W": RNG.normal(size=(3, 2))}], X), "inside a branch"),
])
def test_declines_with_a_reason_and_tape_is_right(f, args, message):
    with pytest.raises(sg.UnsupportedError, match=message):
        sg.grad(f, mode="source")(*args)
    g = sg.grad(f)
    got = g(*[a.copy() if isinstance(a, dict) else a for a in args])
    assert g.mode == "tape" and message in g.fallback_reason
    tree = args[0]
    want = _fd(lambda t, *r: f(dict(t) if isinstance(t, dict) else t, *r), tree, *args[1:])
    _assert_same_tree(got, want)


def test_leaf_rebound_in_a_branch_is_plain_code():
    def f(params, x):
        W = params[0]
        if np.sum(x) > 0:
            W = params[1]
        return np.sum(x @ W)

    _all_modes(f, [RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2))], X)


def test_loop_in_branch_poisons_the_name():
    def f(params, x):
        layer = params[0]
        if np.sum(x) > 100:
            for layer in params:
                pass
        return np.sum(x @ layer["W"])

    params = [{"W": RNG.normal(size=(3, 2))}, {"W": RNG.normal(size=(3, 2))}]
    with pytest.raises(sg.UnsupportedError, match="read outside it"):
        sg.grad(f, mode="source")(params, X)


# ---- wrt, value_and_grad, vjp, verify


def two_args(params, scale, x):
    return scale * np.sum(x @ params["W"])


def test_wrt_tuple_with_structure_and_plain_argument():
    p = {"W": RNG.normal(size=(3, 2))}
    for mode in ("source", "tape"):
        gp, gs = sg.grad(two_args, wrt=("params", 1), mode=mode)(p, 3, X)
        np.testing.assert_allclose(gp["W"], 3 * X.sum(axis=0)[:, None] * np.ones((1, 2)))
        assert type(gs) is float and np.isclose(gs, np.sum(X @ p["W"]))
    value, grads = sg.value_and_grad(two_args)(p, 2.0, X)
    assert np.isclose(value, two_args(p, 2.0, X)) and set(grads) == {"W"}


def test_vjp_with_structure():
    def f(p, x):
        return x @ p["W"]

    p = {"W": RNG.normal(size=(3, 2))}
    value, back = sg.vjp(f, p, X)
    seed = RNG.normal(size=value.shape)
    np.testing.assert_allclose(back(seed)["W"], X.T @ seed)


def test_verify_accepts_structures():
    params = [(RNG.normal(size=(3, 4)), RNG.normal(size=4))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = sg.grad(mlp_pairs, verify=True)
        g(params, X)
        g(params, X)
    assert g.mode == "source"


def test_structure_without_float_leaves_is_a_type_error_in_every_mode():
    def f(p, x):
        return np.sum(x) * p["n"]

    for mode in ("auto", "source", "tape"):
        with pytest.raises(TypeError, match="'p': the dict holds no floats or float arrays"):
            sg.grad(f, mode=mode)({"n": 3}, X)


# ---- tree utilities


@pytest.mark.parametrize("tree", [
    [1.0, np.ones(3)],
    {"a": (np.zeros((2, 2)), [3.0, {"b": np.float32(2.0)}]), "c": "text", "d": None},
    Model(Layer(np.ones((2, 2)), np.zeros(2)), Layer(np.ones((2, 1)), np.zeros(1)), 0.5),
    (),
    np.arange(3.0),
])
def test_flatten_unflatten_ravel_round_trips(tree):
    leaves, treedef = sg.tree_flatten(tree)
    again = sg.tree_unflatten(treedef, leaves)
    assert sg.tree_flatten(again)[1] == treedef
    for a, b in zip(sg.tree_flatten(again)[0], leaves):
        assert a is b
    vector, unravel = sg.tree_ravel(tree)
    assert vector.ndim == 1 and vector.dtype == np.float64
    back = unravel(vector + 1.0)
    for new, old in zip(sg.tree_flatten(back)[0], leaves):
        if sg.tree.is_float_leaf(old):
            assert type(new) is type(old) and np.shape(new) == np.shape(old)
            np.testing.assert_allclose(new, np.asarray(old) + 1.0)
        else:
            assert new is old


def test_tree_map_and_paths():
    tree = [{"W": np.ones((2, 3))}, {"W": np.zeros(1), "b": 2.0}]
    doubled = sg.tree_map(lambda a: a * 2, tree)
    assert doubled[1]["b"] == 4.0 and doubled[0]["W"][0, 0] == 2.0
    _, paths, _ = tree_paths(tree)
    assert [path_text(p) for p in paths] == ['params[0]["W"]', 'params[1]["W"]', 'params[1]["b"]']
    with pytest.raises(ValueError, match="structures differ"):
        sg.tree_map(lambda a, b: a, tree, [1.0])
    with pytest.raises(ValueError, match="holds 3 leaves, got 2"):
        sg.tree_unflatten(sg.tree_flatten(tree)[1], [1, 2])


def test_self_containing_structure_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        sg.tree_flatten(loop)


def test_scipy_style_flat_vector():
    params = {"W": RNG.normal(size=(3, 2)), "b": np.zeros(2)}
    vector, unravel = sg.tree_ravel(params)
    g = sg.grad(lambda p, x: np.sum((x @ p["W"] + p["b"]) ** 2), mode="tape")

    def flat_grad(v):
        return sg.tree_ravel(g(unravel(v), X))[0]

    np.testing.assert_allclose(flat_grad(vector), sg.numerical_grad(
        lambda v: np.sum((X @ unravel(v)["W"] + unravel(v)["b"]) ** 2), vector), rtol=1e-5)


# ---- check_grad and numerical_grad on structures


def layered(params, x):
    h = x
    for layer in params:
        h = layer["act"](h @ layer["W"] + layer["b"])
    return np.sum(h ** 2)


LAYERS = [{"W": RNG.normal(size=(3, 4)), "b": np.zeros(4), "act": np.tanh},
          {"W": RNG.normal(size=(4, 2)), "b": 0.5, "act": np.sin}]


def test_numerical_grad_returns_the_structure():
    got = sg.numerical_grad(layered, LAYERS, X)
    assert type(got) is list and got[0]["act"] is None and type(got[1]["b"]) is float
    _assert_same_tree(got, sg.grad(layered, mode="tape")(LAYERS, X), rtol=1e-6)


def test_check_grad_compares_leaf_by_leaf_named_by_path():
    report = sg.check_grad(layered, LAYERS, X)
    assert report.ok and report.modes == {"source": "ok", "tape": "ok"}
    assert report.arguments == ('params[0]["W"]', 'params[0]["b"]', 'params[1]["W"]', 'params[1]["b"]')
    assert 'params[1]["W"] (shape (4, 2), float64):' in str(report)


@sg.primitive
def wrong_sum_sin(x):
    return np.sum(np.sin(x))


@sg.vjp_rule(wrong_sum_sin)
def _wrong_sum_sin_rule(g, ans, x):
    out = g * np.cos(x)
    out[2, 1] += 1.0      # a wrong derivative at one element
    return out


def uses_wrong_rule(params, x):
    return wrong_sum_sin(x @ params[0]["W"]) + np.sum(params[1]["W"])


def test_check_grad_reports_the_path_and_index_of_a_wrong_gradient():
    with pytest.raises(sg.GradientCheckError) as info:
        sg.check_grad(uses_wrong_rule, LAYERS, X)
    report = info.value.report
    bad = {(r.argument, r.pair, r.worst_index) for r in report.failures}
    assert ('params[0]["W"]', ("source", "fd"), (2, 1)) in bad
    assert ('params[0]["W"]', ("tape", "fd"), (2, 1)) in bad
    assert all(r.argument == 'params[0]["W"]' for r in report.failures)
    text = str(report)
    assert 'params[0]["W"] (shape (3, 4), float64):' in text and "[2, 1]" in text


def test_check_grad_structure_without_float_leaves_is_refused():
    with pytest.raises(TypeError, match="no float leaves"):
        sg.check_grad(lambda p, x: np.sum(x) * p["n"], {"n": 2}, X)


def test_cli_check_accepts_a_structure_literal(tmp_path, capsys):
    from sourcegrad.cli import main

    module = tmp_path / "structured_model.py"
    module.write_text("import numpy as np\n\n"
                      "def loss(params, x):\n"
                      "    h = x\n"
                      "    for layer in params:\n"
                      "        h = np.tanh(h @ layer['W'] + layer['b'])\n"
                      "    return np.sum(h ** 2)\n")
    spec = '[[{"W": [[1.0, 0.5], [0.2, -0.3]], "b": [0.1, 0.0]}, {"W": [[0.3], [0.4]], "b": 0.2}], [[1.0, 2.0]]]'
    code = main(["check", f"{module}:loss", "--args", spec, "--wrt", "params"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert 'params[1]["W"] (shape (2, 1), float64):' in out and "source     ok" in out


def _double(z):
    return 2.0 * z


def uses_stored_function(params, x):
    return np.sum(params["act"](x @ params["W"]))


def test_function_in_structure_named_by_its_global_and_guarded_against_rebinding():
    global _double
    params = {"W": RNG.normal(size=(3, 2)), "act": _double}
    g = sg.grad(uses_stored_function, mode="source")
    np.testing.assert_allclose(g(params, X)["W"], 2.0 * X.sum(axis=0)[:, None] * np.ones((1, 2)))
    assert "_double(" in g.source or "2.0 *" in g.source
    original = _double
    try:
        _double = lambda z: 3.0 * z      # the global rebound; the structure still holds the original function
        np.testing.assert_allclose(g(params, X)["W"], 2.0 * X.sum(axis=0)[:, None] * np.ones((1, 2)))
    finally:
        _double = original


def zipped_reversed(params, x):
    total = 0.0
    for (W, b), (V, c) in zip(params[:-1], params[1:]):
        total = total + np.sum(np.tanh(x @ W + b) @ V + c)
    for W, b in reversed(params):
        total = total + np.sum(b ** 2) + len(params) * np.sum(W[0])
    return total


def test_zip_and_reversed_over_layers():
    params = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(3)]
    _all_modes(zipped_reversed, params, X)


def list_comprehension(params, x):
    outs = [np.sum(np.sin(x @ layer["W"])) for layer in params]
    return outs[0] * outs[1]


def test_list_comprehension_over_layers():
    _all_modes(list_comprehension, [{"W": RNG.normal(size=(3, 2))}, {"W": RNG.normal(size=(3, 2))}], X)


def nested_loops(params, x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(layer["W"]) if k > 0 else total
        for layer in params:
            total = total + np.sum(x @ layer["W"])
    return total


def test_loop_variable_read_across_iterations_of_an_outer_loop_declines():
    params = [{"W": RNG.normal(size=(3, 2))}]
    with pytest.raises(sg.UnsupportedError, match="read outside it"):
        sg.grad(nested_loops, mode="source")(params, X)
    g = sg.grad(nested_loops)
    _assert_same_tree(g(params, X), _fd(nested_loops, params, X))
    assert g.mode == "tape"


def inner_structured(p, x):
    return np.sum(np.sin(x @ p["W"]))


def test_second_derivative_with_respect_to_a_structure_is_refused():
    inner = sg.grad(inner_structured)

    def outer(p, x):
        return np.sum(inner(p, x)["W"])

    with pytest.raises(sg.UnsupportedError, match="higher-order derivatives .* structure"):
        sg.grad(outer, mode="tape")({"W": np.ones((3, 2))}, X)


# ---- helpers the structure is passed to


def dense(layer, h):
    return layer["act"](h @ layer["W"] + layer["b"])


def predict(params, x):
    h = x
    for layer in params:
        h = dense(layer, h)
    return h


def penalty(params, power=2):
    return sum(np.sum(layer["W"] ** power) for layer in params)


def with_helpers(params, x):
    return np.mean(predict(params, x) ** 2) + 0.01 * penalty(params)


def test_structure_passed_to_helpers_is_followed_in_source_mode():
    params = [{"W": RNG.normal(size=(3, 4)), "b": RNG.normal(size=4), "act": np.tanh},
              {"W": RNG.normal(size=(4, 2)), "b": RNG.normal(size=2), "act": np.sin}]
    out = _all_modes(with_helpers, params, X)
    source = out["source"][0].source
    assert "np.tanh(" in source and "np.sin(" in source and "0.02 * params_0_W" in source


def test_helper_rebound_after_generation_is_noticed():
    global dense
    params = [{"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2), "act": np.tanh}]
    g = sg.grad(with_helpers, mode="source")
    _assert_same_tree(g(params, X), _fd(with_helpers, params, X))
    original = dense
    try:
        dense = lambda layer, h: 3.0 * (h @ layer["W"])   # noqa: E731  (a lambda: source mode cannot read it)
        with pytest.raises(sg.TransformError):
            g(params, X)
        _assert_same_tree(sg.grad(with_helpers)(params, X), _fd(with_helpers, params, X))
    finally:
        dense = original


def recursive(params, x, depth=2):
    if depth == 0:
        return np.sum(x)
    return np.sum(x @ params["W"]) + recursive(params, x, depth - 1)


def test_recursive_helper_declines():
    with pytest.raises(sg.UnsupportedError, match="recursive call"):
        sg.grad(recursive, mode="source")({"W": np.eye(3)}, X)
    _assert_same_tree(sg.grad(recursive)({"W": np.eye(3)}, X), _fd(recursive, {"W": np.eye(3)}, X))


class Model2:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, params, x):
        return self.scale * np.sum(np.tanh(x @ params["W"]))


def test_keywords_bound_methods_and_float32_leaves():
    params = {"W": RNG.normal(size=(3, 2)).astype(np.float32), "b": np.float32(0.5)}

    def f(x, params, power=2):
        return np.sum((x @ params["W"] + params["b"]) ** power)

    for mode in ("source", "tape"):
        got = sg.grad(f, wrt="params", mode=mode)(params=params, x=X.astype(np.float32))
        assert got["W"].dtype == np.float32 and type(got["b"]) is np.float32
        want = _fd(lambda p: f(X, p), {k: np.float64(v) if k == "b" else v.astype(np.float64)
                                       for k, v in params.items()})
        np.testing.assert_allclose(got["W"], want["W"], rtol=1e-3, atol=1e-3)
    m = Model2(2.0)
    p = {"W": RNG.normal(size=(3, 2))}
    g = sg.grad(m.loss)
    _assert_same_tree(g(p, X), _fd(m.loss, p, X))
    assert g.mode == "source"
