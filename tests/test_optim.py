"""SGD and Adam against hand computations of PyTorch's equations, in both styles."""

import dataclasses
import math

import numpy as np
import pytest

from sourcegrad.optim import SGD, Adam
from sourcegrad.tape import tensor
from sourcegrad.tree import tree_flatten

GRADS = [0.5, -0.2, 0.3]  # gradients fed to a scalar parameter starting at P0
P0 = 1.0


def run_tensor_style(opt_class, grads=GRADS, **hyper):
    w = tensor(P0, requires_grad=True)
    opt = opt_class([w], **hyper)
    values = []
    for g in grads:
        opt.zero_grad()
        assert w.grad is None
        w.grad = g
        opt.step()
        values.append(w.value)
    return values


def run_functional_style(opt_class, grads=GRADS, **hyper):
    opt = opt_class(**hyper)
    p, values = P0, []
    for g in grads:
        p = opt.update(p, g)
        values.append(p)
    return values


STYLES = [run_tensor_style, run_functional_style]


# ---------------------------------------------------------------- SGD by hand


@pytest.mark.parametrize("run", STYLES)
def test_sgd_plain(run):
    lr = 0.1
    p1 = P0 - lr * 0.5
    p2 = p1 - lr * -0.2
    p3 = p2 - lr * 0.3
    assert run(SGD, lr=lr) == pytest.approx([p1, p2, p3], rel=1e-15)


@pytest.mark.parametrize("run", STYLES)
def test_sgd_momentum_dampening_weight_decay(run):
    lr, mu, d, wd = 0.1, 0.9, 0.25, 0.01
    g1 = 0.5 + wd * P0
    b1 = g1                                   # first step: buffer = gradient
    p1 = P0 - lr * b1
    g2 = -0.2 + wd * p1
    b2 = mu * b1 + (1 - d) * g2
    p2 = p1 - lr * b2
    g3 = 0.3 + wd * p2
    b3 = mu * b2 + (1 - d) * g3
    p3 = p2 - lr * b3
    got = run(SGD, lr=lr, momentum=mu, dampening=d, weight_decay=wd)
    assert got == pytest.approx([p1, p2, p3], rel=1e-14)


@pytest.mark.parametrize("run", STYLES)
def test_sgd_nesterov(run):
    lr, mu = 0.05, 0.8
    b1 = 0.5
    p1 = P0 - lr * (0.5 + mu * b1)
    b2 = mu * b1 + -0.2
    p2 = p1 - lr * (-0.2 + mu * b2)
    b3 = mu * b2 + 0.3
    p3 = p2 - lr * (0.3 + mu * b3)
    assert run(SGD, lr=lr, momentum=mu, nesterov=True) == pytest.approx([p1, p2, p3], rel=1e-14)


# ---------------------------------------------------------------- Adam by hand


def adam_by_hand(lr, b1, b2, eps, wd=0.0, amsgrad=False, grads=GRADS):
    p, m, v, vmax, out = P0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(p)
    return out


@pytest.mark.parametrize("run", STYLES)
def test_adam_default_betas(run):
    expected = adam_by_hand(0.01, 0.9, 0.999, 1e-8)
    # step 1 of Adam moves by lr * sign(g) (up to eps): a check independent of the loop above
    assert expected[0] == pytest.approx(P0 - 0.01, rel=1e-9)
    assert run(Adam, lr=0.01) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("run", STYLES)
def test_adam_weight_decay_and_custom_betas(run):
    expected = adam_by_hand(0.05, 0.5, 0.9, 1e-3, wd=0.1)
    assert run(Adam, lr=0.05, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("run", STYLES)
def test_adam_amsgrad(run):
    grads = [0.5, 0.0, 0.01]  # v shrinks after step 1, so the running max is what counts
    expected = adam_by_hand(0.01, 0.9, 0.99, 1e-8, amsgrad=True, grads=grads)
    without = adam_by_hand(0.01, 0.9, 0.99, 1e-8, grads=grads)
    assert expected[-1] != pytest.approx(without[-1], rel=1e-6)
    got = run(Adam, grads=grads, lr=0.01, betas=(0.9, 0.99), amsgrad=True)
    assert got == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------- both styles on structures


def test_functional_update_on_nested_structure_matches_tensor_style():
    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(3, 2)), "b": 0.5, "layers": [rng.normal(size=4), (rng.normal(size=2), 1.5)]}
    grad_seq = [{"w": rng.normal(size=(3, 2)), "b": 0.1, "layers": [rng.normal(size=4), (rng.normal(size=2), -0.3)]}
                for _ in range(3)]
    leaves = lambda tree: [tree["w"], tree["b"], tree["layers"][0], tree["layers"][1][0], tree["layers"][1][1]]

    opt = Adam(lr=0.1, weight_decay=0.01)
    tensors = [tensor(v, requires_grad=True) for v in leaves(params)]
    tensor_opt = Adam(tensors, lr=0.1, weight_decay=0.01)
    new = params
    for grads in grad_seq:
        new = opt.update(new, grads)
        for t, g in zip(tensors, leaves(grads)):
            t.grad = g
        tensor_opt.step()
    assert isinstance(new, dict) and isinstance(new["layers"], list) and isinstance(new["layers"][1], tuple)
    assert isinstance(new["b"], float) and new["w"].shape == (3, 2)
    for got, t in zip(leaves(new), tensors):
        np.testing.assert_allclose(got, t.value, rtol=1e-15)
    assert not np.allclose(new["w"], params["w"])  # the input structure is not modified...
    assert params["b"] == 0.5


def test_functional_update_none_grad_leaves_param():
    opt = SGD(lr=0.1)
    new = opt.update({"a": np.ones(2), "b": 2.0}, {"a": np.ones(2), "b": None})
    np.testing.assert_allclose(new["a"], [0.9, 0.9])
    assert new["b"] == 2.0


def test_dtypes_are_kept():
    w = tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = Adam([w], lr=0.1)
    w.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert w.value.dtype == np.float32
    new = SGD(lr=0.5).update([np.ones(2, dtype=np.float32), 1.0], [np.ones(2), 1.0])
    assert new[0].dtype == np.float32 and isinstance(new[1], float) and new[1] == 0.5


def test_step_skips_params_without_grad_and_keeps_identity():
    a = tensor(1.0, requires_grad=True)
    b = tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = SGD([a, b], lr=0.5, momentum=0.9)
    (b * b).sum().backward()
    assert a.grad is None
    opt.step()
    assert a.value == 1.0 and a.is_leaf
    np.testing.assert_allclose(b.value, [0.0, 0.0])
    assert 0 not in opt.state  # no momentum buffer for a parameter never updated


def test_closure():
    w = tensor(2.0, requires_grad=True)
    opt = SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = w * w
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.value == 4.0 and w.value == 1.0


# ---------------------------------------------------------------- training


def _regression_problem():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(100, 3))
    w_true, b_true = np.array([1.5, -2.0, 0.7]), 0.5
    y = X @ w_true + b_true
    return X, y


@pytest.mark.parametrize("make_opt", [
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.05),
    lambda ps: SGD(ps, lr=0.02, momentum=0.9, nesterov=True),
], ids=["adam", "sgd", "sgd-nesterov"])
def test_linear_regression_with_tensor_api(make_opt):
    X, y = _regression_problem()
    w = tensor(np.zeros(3), requires_grad=True)
    b = tensor(0.0, requires_grad=True)
    opt = make_opt([w, b])

    def loss_fn():
        return np.mean((X @ w + b - y) ** 2)

    first = loss_fn().item()
    for _ in range(200):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    last = loss_fn().item()
    assert last <= 0.1 * first, (first, last)
    assert w.is_leaf and w.requires_grad


def test_linear_regression_functional_adam():
    X, y = _regression_problem()
    params = {"w": np.zeros(3), "b": 0.0}

    def loss_and_grads(p):
        r = X @ p["w"] + p["b"] - y
        return np.mean(r ** 2), {"w": 2 * X.T @ r / len(y), "b": 2 * np.mean(r)}

    opt = Adam(lr=0.1)
    first, _ = loss_and_grads(params)
    for _ in range(200):
        _, grads = loss_and_grads(params)
        params = opt.update(params, grads)
    assert loss_and_grads(params)[0] <= 0.1 * first


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(lr=-0.1), r"lr must be >= 0"),
    (lambda: SGD(lr=float("nan")), r"lr must be a real number"),
    (lambda: SGD(), r"SGD needs a learning rate"),
    (lambda: SGD(lr=0.1, momentum=-0.5), r"momentum must be >= 0"),
    (lambda: SGD(lr=0.1, weight_decay=-1), r"weight_decay must be >= 0"),
    (lambda: SGD(lr=0.1, nesterov=True), r"Nesterov momentum needs momentum > 0"),
    (lambda: SGD(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"dampening = 0"),
    (lambda: Adam(lr=-1e-3), r"lr must be >= 0"),
    (lambda: Adam(betas=(1.0, 0.999)), r"betas\[0\] must be < 1"),
    (lambda: Adam(betas=(0.9, -0.1)), r"betas\[1\] must be >= 0"),
    (lambda: Adam(betas=(0.9,)), r"betas must be a pair"),
    (lambda: Adam(eps=-1.0), r"eps must be >= 0"),
    (lambda: Adam([]), r"empty parameter list"),
    (lambda: Adam([tensor(1.0)]), r"leaf Tensor with requires_grad=True"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_params():
    w = tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="appears twice"):
        SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match=r"did you mean lr=0.1"):
        SGD(0.1)
    with pytest.raises(TypeError, match=r"not a Tensor.*functional style"):
        Adam([w, np.ones(2)])
    with pytest.raises(TypeError, match="functional style.*cannot be added"):
        Adam([np.ones(2)]).add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="no hyperparameter 'momentum'"):
        Adam([np.ones(2)]).add_param_group({"params": [np.ones(1)], "momentum": 0.9})
    with pytest.raises(ValueError, match="lr must be >= 0"):
        SGD([np.ones(2)], lr=0.1).add_param_group({"params": [np.ones(1)], "lr": -1.0})
    with pytest.raises(ValueError, match="not a number or an array"):
        SGD(lr=0.1).update("abc", 1.0)
    with pytest.raises(TypeError, match="use step"):
        SGD(lr=0.1).update(w, 1.0)


def test_mismatched_structures():
    opt = Adam(lr=0.1)
    with pytest.raises(ValueError, match=r"grads do not match params at params: expected a dict with keys"):
        opt.update({"w": np.ones(2), "b": 0.0}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"at params\['layers'\]: expected a sequence of length 2, got length 1"):
        opt.update({"layers": [1.0, 2.0]}, {"layers": [1.0]})
    with pytest.raises(ValueError, match=r"gradient at params\[0\] has shape \(3,\), its parameter \(2,\)"):
        opt.update([np.ones(2)], [np.ones(3)])
    opt.update({"w": np.ones(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"changed shape from \(2,\) to \(3,\)"):
        opt.update({"w": np.ones(3)}, {"w": np.ones(3)})


def test_style_mixups():
    with pytest.raises(ValueError, match="use step"):
        SGD([tensor(1.0, requires_grad=True)], lr=0.1).update(1.0, 1.0)
    with pytest.raises(ValueError, match=r"step\(\) needs parameter Tensors"):
        SGD(lr=0.1).step()
    with pytest.raises(ValueError, match=r"zero_grad\(\) needs parameter Tensors"):
        Adam().zero_grad()


# ---------------------------------------------------------------- structures, parameter groups, growing (issue 14)


def _adam_by_hand(p, grads, lr):
    """Adam's default equations for one scalar parameter and a sequence of gradients."""
    m = v = 0.0
    for t, g in enumerate(grads, 1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - lr * (m / (1 - 0.9 ** t)) / (math.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return p


def test_functional_constructor_takes_the_structure_and_carries_non_float_leaves():
    params = [{"W": np.ones(2), "act": np.tanh, "name": "hidden", "units": 2}]
    opt = Adam(params, lr=0.1)
    grads = [{"W": np.array([0.5, -0.5]), "act": None, "name": None, "units": None}]
    new = opt.update(params, grads)
    assert new[0]["act"] is np.tanh and new[0]["name"] == "hidden" and new[0]["units"] == 2
    np.testing.assert_allclose(new[0]["W"], [_adam_by_hand(1.0, [0.5], 0.1), _adam_by_hand(1.0, [-0.5], 0.1)])


@dataclasses.dataclass
class Net:
    weight: np.ndarray
    bias: float


def test_functional_update_of_a_dataclass():
    opt = SGD(lr=0.5)
    new = opt.update(Net(np.ones(2), 1.0), Net(np.array([1.0, 2.0]), 4.0))
    assert type(new) is Net and type(new.bias) is float
    np.testing.assert_allclose(new.weight, [0.5, 0.0])
    assert new.bias == -1.0
    with pytest.raises(ValueError, match="expected a Net"):
        opt.update(Net(np.ones(2), 1.0), {"weight": 1.0})
    with pytest.raises(ValueError, match=r"gradient at params\.weight has shape \(3,\)"):
        opt.update(Net(np.ones(2), 1.0), Net(np.ones(3), 1.0))


def test_parameter_groups_functional_and_tensor_style_agree():
    body, head = [np.ones(2)], {"W": np.full(3, 2.0)}
    opt = Adam([{"params": body}, {"params": head, "lr": 0.5}], lr=0.01)
    params = {"body": body, "head": head}
    tb, th = tensor(np.ones(2), requires_grad=True), tensor(np.full(3, 2.0), requires_grad=True)
    topt = Adam([{"params": [tb]}, {"params": {"W": th}, "lr": 0.5}], lr=0.01)
    gseq = [0.3, -0.1, 0.2]
    for g in gseq:
        params = opt.update(params, {"body": [np.full(2, g)], "head": {"W": np.full(3, g)}})
        tb.grad, th.grad = np.full(2, g), np.full(3, g)
        topt.step()
    np.testing.assert_allclose(params["body"][0], _adam_by_hand(1.0, gseq, 0.01))
    np.testing.assert_allclose(params["head"]["W"], _adam_by_hand(2.0, gseq, 0.5))
    np.testing.assert_allclose(tb.value, params["body"][0], rtol=1e-15)
    np.testing.assert_allclose(th.value, params["head"]["W"], rtol=1e-15)
    assert topt.param_groups[1]["lr"] == 0.5 and "lr" not in topt.param_groups[0]


def test_tensor_style_takes_the_leaves_of_a_structure_and_grows():
    w, act = tensor(1.0, requires_grad=True), np.tanh
    opt = SGD({"w": w, "act": act}, lr=0.1, momentum=0.9)
    assert opt.params == [w]
    w.grad = 1.0
    opt.step()
    v = tensor(np.zeros(2), requires_grad=True)
    opt.add_param_group({"params": [v], "lr": 1.0})
    w.grad, v.grad = 1.0, np.ones(2)
    opt.step()
    # w: momentum buffer kept (0.9 * 1 + 1 = 1.9) with lr 0.1; v: fresh buffer, lr 1.0
    assert math.isclose(w.value, 1.0 - 0.1 - 0.1 * 1.9)
    np.testing.assert_allclose(v.value, [-1.0, -1.0])


def test_growing_structure_keeps_state_of_existing_parameters():
    params = [{"W": np.ones(2)}, {"W": np.full(2, 3.0)}]
    opt = Adam(params, lr=0.1)
    history = {0: [], 1: [], "new": []}
    for g in (0.5, -0.25):
        params = opt.update(params, [{"W": np.full(2, g)}, {"W": np.full(2, 2 * g)}])
        history[0].append(g)
        history[1].append(2 * g)
    # a layer inserted in the middle, with its own learning rate; the last layer moves to index 2
    new_layer = {"W": np.full(2, 10.0)}
    opt.add_param_group({"params": new_layer, "lr": 1.0})
    params = [params[0], new_layer, params[1]]
    for g in (0.1, 0.3):
        params = opt.update(params, [{"W": np.full(2, g)}, {"W": np.full(2, -g)}, {"W": np.full(2, 2 * g)}])
        history[0].append(g)
        history["new"].append(-g)
        history[1].append(2 * g)
    np.testing.assert_allclose(params[0]["W"], _adam_by_hand(1.0, history[0], 0.1))
    np.testing.assert_allclose(params[1]["W"], _adam_by_hand(10.0, history["new"], 1.0))
    np.testing.assert_allclose(params[2]["W"], _adam_by_hand(3.0, history[1], 0.1))
    # a layer removed: the others keep their state too
    params = [params[0], params[2]]
    params = opt.update(params, [{"W": np.full(2, 0.7)}, {"W": np.full(2, 0.7)}])
    np.testing.assert_allclose(params[0]["W"], _adam_by_hand(1.0, history[0] + [0.7], 0.1))
    np.testing.assert_allclose(params[1]["W"], _adam_by_hand(3.0, history[1] + [0.7], 0.1))


def test_structure_from_sg_grad_goes_straight_into_update():
    import sourcegrad as sg

    def loss(params, x):
        h = x
        for layer in params:
            h = layer["act"](h @ layer["W"])
        return np.sum((h - 0.5) ** 2)

    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 2))
    params = [{"W": rng.normal(size=(2, 3)), "act": np.tanh}, {"W": rng.normal(size=(3, 1)), "act": np.sin}]
    opt = Adam(params, lr=0.05)
    g = sg.value_and_grad(loss)
    first, _ = g(params, x)
    for _ in range(50):
        value, grads = g(params, x)
        params = opt.update(params, grads)
    assert g.mode == "source", g.fallback_reason
    assert value < first
    assert [type(leaf) for leaf in tree_flatten(params)[0]] == [np.ndarray, type(np.tanh), np.ndarray,
                                                                 type(np.sin)]
