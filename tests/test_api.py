"""The public API of source mode: call forms, wrt, types, caching, source display, rules."""

import importlib.util
import inspect
import sys
import traceback

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers
from tests.cases import straight_line as cases


def test_readme_example():
    @sg.grad
    def f(x):
        return x ** 2 + 3 * x + 1

    assert f(2.0) == 7.0 and type(f(2.0)) is float
    assert f.mode == "source" and f.fallback_reason is None
    assert "def df_dx(x):" in f.source


def test_decorator_with_arguments_and_wrt_by_name():
    @sg.grad(wrt="W")
    def loss(x, W):
        return np.sum((W @ x) ** 2)

    x, W = np.array([1.0, 2.0]), np.array([[1.0, 0.5], [0.0, 2.0]])
    np.testing.assert_allclose(loss(x, W), 2 * np.outer(W @ x, x))


def test_tuple_wrt_returns_a_tuple_in_order():
    g = sg.grad(cases.tuple_unpack, wrt=(1, "x"))
    gz, gx = g(0.7, 1.9)
    gx2, gz2 = sg.grad(cases.tuple_unpack, wrt=(0, 1))(0.7, 1.9)
    assert (gz, gx) == (gz2, gx2)


def test_keyword_and_default_arguments():
    g = sg.grad(cases.keyword_defaults)
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(g(x), 2 * (x * 2.0 + 1.0) * 2.0)
    np.testing.assert_allclose(g(x, 3.0, shift=0.5), 2 * (x * 3.0 + 0.5) * 3.0)
    np.testing.assert_allclose(g(x=x, scale=3.0), 2 * (x * 3.0 + 1.0) * 3.0)


def test_value_and_grad():
    value, grad = sg.value_and_grad(cases.polynomial_named)(2.0)
    assert (value, grad) == (11.0, 7.0)


@pytest.mark.parametrize("arg, expected_type, dtype", [
    (2.0, float, None), (2, float, None), (np.float64(2.0), np.float64, None),
    (np.array([1.0, 2.0]), np.ndarray, np.float64), (np.array([1, 2]), np.ndarray, np.float64),
    (np.array([1.0, 2.0], dtype=np.float32), np.ndarray, np.float32), (np.array(2.0), np.ndarray, np.float64),
])
def test_gradient_has_the_type_and_shape_of_the_argument(arg, expected_type, dtype):
    def f(x):
        return np.sum(x * x * 3)

    for mode in ("source", "tape"):
        g = sg.grad(f, mode=mode)(arg)
        assert type(g) is expected_type, mode
        if dtype is not None:
            assert g.dtype == dtype and g.shape == np.shape(arg), mode
        np.testing.assert_allclose(g, 6 * np.asarray(arg, dtype=float), rtol=1e-6)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_unused_input_and_constant_output_give_zero_gradients(mode):
    gx, gy = sg.grad(cases.unused_input, wrt=(0, 1), mode=mode)(1.0, np.ones(3))
    assert gx == 2.0 and type(gx) is float
    assert gy.shape == (3,) and not gy.any()
    assert sg.grad(cases.constant_output, mode=mode)(3.0) == 0.0


def test_globals_stay_live_after_the_gradient_is_made(monkeypatch):
    g = sg.grad(cases.uses_globals)
    x = np.array([1.0, 2.0, 3.0])
    before = g(x)
    monkeypatch.setattr(cases, "SCALE", 6.0)
    np.testing.assert_allclose(g(x), 2 * before)


def test_generated_code_is_cached_per_function_and_kind():
    g1 = sg.grad(cases.poly_sum)
    g2 = sg.grad(cases.poly_sum)
    g1(0.1)
    g2(0.4)
    assert g1.adjoint_function is g2.adjoint_function
    g1(np.ones(2))                   # another kind of argument: its own specialisation
    assert g1.adjoint_function is not g2.adjoint_function


def _load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_rebinding_an_inlined_helper_rebuilds_the_gradient(tmp_path):
    path = tmp_path / "helper_module.py"
    path.write_text("def helper(x):\n    return x * 2\n\ndef f(x):\n    return helper(x) * x\n")
    module = _load_module(path, "helper_module")
    g = sg.grad(module.f)
    assert g(3.0) == 12.0
    exec("def helper(x):\n    return x * x\n", module.__dict__)
    assert module.f(3.0) == 27.0 and g(3.0) == 27.0


def test_user_rule_wins_over_transforming_the_source():
    @sg.primitive
    def clipped_identity(x):
        return np.clip(x, -1.0, 1.0)

    def f(x):
        return np.sum(clipped_identity(x) * 2)

    x = np.array([0.5, 3.0])
    for mode in ("source", "tape"):   # without a rule: the function's own code
        np.testing.assert_allclose(sg.grad(f, mode=mode)(x), [2.0, 0.0])

    @sg.vjp_rule(clipped_identity)
    def straight_through(g, ans, x):
        return g

    try:
        for mode in ("source", "tape"):
            np.testing.assert_allclose(sg.grad(f, mode=mode)(x), [2.0, 2.0])
        assert "clipped_identity(x)" in sg.source(f)
    finally:
        del sg.rules.VJP_RULES[clipped_identity]
        sg.rules.registry.VERSION[0] += 1


def test_source_and_show(capsys):
    text = sg.source(cases.least_squares, wrt="w")
    assert text.startswith("def dleast_squares_dw(w, A, b):")
    sg.show(cases.least_squares, wrt="w")
    assert capsys.readouterr().out == text      # plain text when not a terminal


def test_generated_source_is_registered_with_linecache():
    g = sg.grad(cases.polynomial_named)
    g(1.0)
    assert inspect.getsource(g.adjoint_function) == g.source
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*\* or pow\(\)") as info:
        g.adjoint_function("not a number")
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<sourcegrad")]
    assert generated and generated[-1].line == "t0 = x ** 2"


def test_generated_source_stands_on_its_own():
    g = sg.grad(cases.mlp_loss, wrt=(0, 1))
    args = (np.ones((4, 5)) * 0.1, np.ones(5), np.ones((5, 3)), np.ones(3), cases.X8, cases.CLASSES8)
    expected = g(*args)
    namespace = {"np": np, **{k: v for k, v in {**vars(kernels), **vars(helpers)}.items() if not k.startswith("_")}}
    exec(g.source, namespace)
    _, got = namespace[g.adjoint_function.__name__](*args)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b)


def test_vjp_of_a_vector_output():
    def f(x):
        return np.sin(x) * 2

    x = np.array([0.1, 0.2, 0.3])
    value, vjp_fn = sg.vjp(f, x)
    np.testing.assert_allclose(value, f(x))
    g = np.array([1.0, -1.0, 0.5])
    np.testing.assert_allclose(vjp_fn(g), g * 2 * np.cos(x))
    with pytest.raises(ValueError, match="shape"):
        vjp_fn(np.ones(2))


def test_auto_mode_uses_source_for_scalars_and_tape_for_aliased_arrays():
    from tests.cases.unsupported import aliased_inplace   # y = x * 2; z = y; z += x; sum(y * z)

    g = sg.grad(aliased_inplace)
    # numbers are immutable: z = 3x, y = 2x, f = 6x^2, and source mode is right
    assert g(1.5) == pytest.approx(18.0, rel=1e-12)
    assert g.mode == "source" and g.fallback_reason is None
    # arrays: z += x writes into y too, so y = z = 3x and f = sum(9x^2); source mode, which would
    # evaluate z = z + x, is not used for them
    x = np.array([0.5, 1.0, -2.0])
    got = g(x.copy())
    np.testing.assert_allclose(got, 18.0 * x, rtol=1e-12)
    np.testing.assert_allclose(got, sg.numerical_grad(aliased_inplace, x), rtol=1e-7)
    assert g.mode == "tape"
    assert "in-place update of z, which may be an array sharing memory" in g.fallback_reason


def test_one_element_wrt_tuple_returns_a_one_element_tuple():
    def f(x, c):
        return np.sum(np.sin(x) * c)

    x, c = np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 3.0])
    for mode in ("source", "tape"):
        grads = sg.grad(f, wrt=(0,), mode=mode)(x, c)
        assert isinstance(grads, tuple) and len(grads) == 1
        np.testing.assert_allclose(grads[0], np.cos(x) * c)


def test_rebinding_a_closure_helper_rebuilds_the_gradient():
    def double(x):
        return x * 2

    def square(x):
        return x * x

    helper = double

    def f(x):
        return helper(x) * x

    g = sg.grad(f)
    assert g(3.0) == 12.0
    helper = square   # noqa: F841  (f reads the rebound closure variable)
    assert f(3.0) == 27.0 and g(3.0) == 27.0


def test_vjp_uses_a_seeded_variant_of_the_folded_gradient():
    def f(x):
        return x ** 2 + 3 * x + 1

    g = sg.grad(f)
    assert g(2.0) == 7.0
    assert "1.0" not in g.source.splitlines()[0]        # grad's seed is folded: no seed parameter
    value, vjp_fn = sg.vjp(f, 2.0)
    assert value == 11.0 and vjp_fn(-2.0) == -14.0
