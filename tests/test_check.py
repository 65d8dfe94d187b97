"""numerical_grad, check_grad, GradCheckReport and sourcegrad.testing.assert_grad_close."""

import math

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.check import DEFAULT_TOLERANCES, GradCheckRecord, GradCheckReport
from sourcegrad.testing import assert_grad_close

# ---------------------------------------------------------------- functions under test


def cube(x):
    return x ** 3


def sum_sin(x):
    return np.sum(np.sin(x))


def bilinear(x, W, y):
    return y @ (W @ x)


def keyword_only(x, *, scale=2.0):
    return scale * np.sum(x ** 2)


def with_default(x, c=3.0):
    return np.sum(x) * c ** 2


def mutates_its_argument(x):
    x *= 2.0
    return np.sum(x ** 2)


def vector_output(x):
    return np.sin(x)


def model(x, W):
    return np.sum(np.tanh(W @ x) ** 2) + np.mean(np.exp(-x * x))


def branchy(x):
    with np.errstate(all="ignore"):   # source mode declines with blocks
        return np.sum(np.sin(x))


def large_values(x):
    # |f| ~ 1e6 while its gradient is ~1e4: FD rounding error is far above atol=1e-6 here
    return 1e6 * np.sum(np.cosh(x))


# A user function with a deliberately wrong derivative rule. Both engines use a registered rule
# instead of the callee's own code (the tape redirects calls through module globals to it).
def softplus(x):
    return np.log1p(np.exp(x))


def softplus_wrong_vjp(g, ans, x):
    return g * np.exp(x)          # should be g / (1 + exp(-x))


sg.vjp_rule(softplus)(softplus_wrong_vjp)   # a plain function: both engines use the rule


def uses_wrong_rule(x):
    return np.sum(softplus(x))


@sg.primitive
def softplus_primitive(x):
    return np.log1p(np.exp(x))


@sg.vjp_rule(softplus_primitive)
def softplus_primitive_wrong_vjp(g, ans, x):
    return g * np.exp(x)


def uses_wrong_primitive(x):
    return np.sum(softplus_primitive(x))


# A rule that is right up to a relative error of 1e-4 (to test tolerances).
def scaled(x):
    return 2.0 * x


def scaled_slightly_wrong_vjp(g, ans, x):
    return g * 2.0002


sg.vjp_rule(scaled)(scaled_slightly_wrong_vjp)


def uses_slightly_wrong_rule(x):
    return np.sum(scaled(x) ** 2)


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def nan_gradient(x):
    # the classic where-trap: the value is finite (0 for x <= 0) but the gradient of the
    # untaken branch is nan * 0 = nan in both engines
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


# ---------------------------------------------------------------- numerical_grad


def test_numerical_grad_float_is_float_and_accurate():
    g = sg.numerical_grad(cube, 2.0)
    assert type(g) is float
    assert g == pytest.approx(12.0, rel=1e-9)


def test_numerical_grad_promotes_ints():
    g = sg.numerical_grad(cube, 3)
    assert type(g) is float
    assert g == pytest.approx(27.0, rel=1e-9)
    ga = sg.numerical_grad(sum_sin, np.array([0, 1, 2]))
    assert ga.dtype == np.float64
    np.testing.assert_allclose(ga, np.cos([0.0, 1.0, 2.0]), rtol=1e-8)


@pytest.mark.parametrize("shape", [(), (1,), (4,), (2, 3), (2, 1, 3)])
def test_numerical_grad_arrays_of_any_shape(shape):
    x = np.linspace(-1.0, 2.0, int(np.prod(shape))).reshape(shape)
    g = sg.numerical_grad(sum_sin, x)
    assert isinstance(g, np.ndarray) and g.shape == shape and g.dtype == np.float64
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8, atol=1e-10)


def test_numerical_grad_keeps_numpy_scalar_and_float32_types():
    g = sg.numerical_grad(cube, np.float64(2.0))
    assert type(g) is np.float64
    g32 = sg.numerical_grad(sum_sin, np.array([0.5, 1.5], dtype=np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, np.cos([0.5, 1.5]), rtol=1e-6)


def test_numerical_grad_relative_accuracy_is_about_1e_10():
    x = np.array([0.3, -1.2, 2.5, 4.0])

    def f(x):
        return np.sum(np.exp(x) * np.sin(x))

    exact = np.exp(x) * (np.sin(x) + np.cos(x))
    g = sg.numerical_grad(f, x)
    assert np.max(np.abs(g - exact) / np.abs(exact)) < 1e-8


def test_numerical_grad_several_arguments_by_position_and_name():
    rng = np.random.default_rng(0)
    x, W, y = rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=2)
    gx, gW, gy = sg.numerical_grad(bilinear, x, W, y, wrt=(0, "W", 2))
    np.testing.assert_allclose(gx, W.T @ y, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(gW, np.outer(y, x), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(gy, W @ x, rtol=1e-8, atol=1e-9)
    single = sg.numerical_grad(bilinear, x, W, y, wrt="y")
    assert isinstance(single, np.ndarray)
    (alone,) = sg.numerical_grad(bilinear, x, W, y, wrt=("y",))
    np.testing.assert_array_equal(single, alone)


def test_numerical_grad_keywords_and_defaults():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(sg.numerical_grad(keyword_only, x, scale=3.0), 6.0 * x, rtol=1e-8)
    assert sg.numerical_grad(keyword_only, x, wrt="scale") == pytest.approx(5.0, rel=1e-9)
    # a parameter left at its default is differentiated at the default
    assert sg.numerical_grad(with_default, x, wrt="c") == pytest.approx(2 * 3.0 * np.sum(x), rel=1e-9)
    gx, gc = sg.numerical_grad(with_default, x, c=2.0, wrt=("x", "c"))
    np.testing.assert_allclose(gx, [4.0, 4.0], rtol=1e-9)
    assert gc == pytest.approx(2 * 2.0 * np.sum(x), rel=1e-9)


def test_numerical_grad_never_mutates_the_callers_arrays():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    g = sg.numerical_grad(mutates_its_argument, x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, 8.0 * x, rtol=1e-8)


def test_numerical_grad_needs_a_scalar_output():
    with pytest.raises(ValueError, match=r"shape \(3,\).*scalar"):
        sg.numerical_grad(vector_output, np.ones(3))
    with pytest.raises(ValueError, match="scalar"):
        sg.numerical_grad(lambda x: "text", 1.0)


def test_numerical_grad_bad_wrt_and_bad_inputs():
    with pytest.raises(ValueError, match="not a parameter"):
        sg.numerical_grad(cube, 1.0, wrt="y")
    with pytest.raises(ValueError, match="out of range"):
        sg.numerical_grad(cube, 1.0, wrt=3)
    with pytest.raises(ValueError, match="twice"):
        sg.numerical_grad(bilinear, np.ones(2), np.ones((2, 2)), np.ones(2), wrt=(0, "x"))
    with pytest.raises(TypeError, match="boolean"):
        sg.numerical_grad(cube, True)
    with pytest.raises(TypeError, match="str"):
        sg.numerical_grad(cube, "1.0")


def test_numerical_grad_works_on_lambdas_and_builtins():
    # no source needed: finite differences only call the function
    assert sg.numerical_grad(lambda x: x * x, 3.0) == pytest.approx(6.0, rel=1e-9)
    assert sg.numerical_grad(math.sin, 0.5) == pytest.approx(math.cos(0.5), rel=1e-9)


# ---------------------------------------------------------------- check_grad


def test_check_grad_passes_on_correct_functions():
    rng = np.random.default_rng(1)
    x, W = rng.normal(size=3), rng.normal(size=(2, 3))
    report = sg.check_grad(model, x, W, wrt=(0, 1))
    assert isinstance(report, GradCheckReport) and report.ok and bool(report)
    assert report.modes == {"source": "ok", "tape": "ok"}
    assert report.arguments == ("x", "W")
    pairs = {(r.argument, r.label) for r in report.results if r.kind == "gradient"}
    assert pairs == {(a, p) for a in ("x", "W") for p in ("source vs fd", "tape vs fd", "source vs tape")}
    assert set(report.gradients) == {"source", "tape", "fd"}
    assert report.gradients["source"][1].shape == (2, 3)
    assert report.evaluations == 1 + 2 * (3 + 6)
    assert sg.check_grad(cube, 1.5).ok


def test_check_grad_source_not_applicable_is_not_a_failure():
    report = sg.check_grad(branchy, np.array([0.5, -0.2]))
    assert report.ok
    assert report.modes["source"].startswith("not applicable: ")
    assert "with block" in report.modes["source"]
    assert report.fallback_reason and "with block" in report.fallback_reason
    assert "not applicable" in str(report)
    assert not any(r.pair == ("source", "tape") for r in report.results)


def test_check_grad_catches_a_wrong_user_rule():
    x = np.array([-1.0, 0.5, 2.0])
    with pytest.raises(sg.GradientCheckError, match=r"(?s)source vs fd.*FAILED") as info:
        sg.check_grad(uses_wrong_rule, x)
    report = info.value.report
    assert isinstance(info.value, AssertionError)
    assert str(info.value) == str(report)
    assert not report.ok
    failed = {r.label for r in report.failures}
    assert failed == {"source vs fd", "tape vs fd"}      # both engines use the (wrong) rule
    text = str(report)
    assert "source vs fd" in text and "FAIL" in text and "FAILED" in text
    # the report points at the worst element and shows both values there
    worst = next(r for r in report.failures if r.label == "source vs fd")
    assert worst.worst_index == (2,)
    expected = 1 / (1 + np.exp(-2.0))
    assert worst.worst_values[0] == pytest.approx(np.exp(2.0)) and worst.worst_values[1] == pytest.approx(expected)
    assert "[2]" in text and f"source={np.exp(2.0):.10g}" in text


def test_check_grad_catches_a_wrong_rule_both_engines_use():
    report = sg.check_grad(uses_wrong_primitive, np.array([-1.0, 0.5, 2.0]), raise_on_failure=False)
    failed = {r.label for r in report.failures}
    assert failed == {"source vs fd", "tape vs fd"}
    # both engines used the (wrong) rule and agree with each other: only finite differences tell
    assert next(r for r in report.results if r.label == "source vs tape").ok


def test_check_grad_without_raising_returns_the_failing_report():
    report = sg.check_grad(uses_wrong_rule, np.array([0.5]), raise_on_failure=False)
    assert not report.ok and len(report.failures) == 2
    assert repr(report).startswith("<GradCheckReport uses_wrong_rule: FAILED")


def test_check_grad_tolerances_can_be_loosened():
    x = np.array([0.5, 1.0])
    with pytest.raises(sg.GradientCheckError, match=r"(?s)source vs fd .*FAIL"):
        sg.check_grad(uses_slightly_wrong_rule, x)
    report = sg.check_grad(uses_slightly_wrong_rule, x, rtol=1e-3, mode_rtol=1e-3)
    assert report.ok
    assert report.tolerances["rtol"] == 1e-3


def test_check_grad_allows_for_fd_rounding_on_large_values():
    # the gradient is ~1e6 * sinh(x); the FD rounding error (eps * 1e6 / h ~ 4e-5) exceeds atol
    report = sg.check_grad(large_values, np.array([0.3, -0.7]))
    assert report.ok


def test_check_grad_default_tolerances_follow_the_precision():
    assert sg.check_grad(sum_sin, np.array([0.1, 0.2])).tolerances == DEFAULT_TOLERANCES["float64"]
    report = sg.check_grad(sum_sin, np.array([0.1, 0.2], dtype=np.float32))
    assert report.ok and report.tolerances == DEFAULT_TOLERANCES["float32"]


def test_check_grad_one_mode_only():
    report = sg.check_grad(model, np.ones(2), np.ones((3, 2)), modes=("tape",))
    assert report.ok and report.modes["source"] == "skipped"
    assert [r.label for r in report.results if r.kind == "gradient"] == ["tape vs fd"]
    with pytest.raises(ValueError, match="modes"):
        sg.check_grad(model, np.ones(2), np.ones((3, 2)), modes=("forward",))


def test_check_grad_nothing_checked_is_not_ok():
    report = sg.check_grad(branchy, np.array([1.0]), modes=("source",), raise_on_failure=False)
    assert not report.ok
    assert report.modes["source"].startswith("not applicable")


def test_check_grad_keywords_go_to_the_function():
    assert sg.check_grad(keyword_only, np.array([1.0, 2.0]), scale=0.5).ok
    assert sg.check_grad(with_default, np.array([1.0, 2.0]), wrt=("x", "c")).ok


def test_check_grad_needs_a_scalar_output():
    with pytest.raises(ValueError, match="scalar"):
        sg.check_grad(vector_output, np.ones(3))


# ---------------------------------------------------------------- NaN and infinity are never ok


def test_nan_function_value_is_never_ok():
    with np.errstate(invalid="ignore"):
        report = sg.check_grad(sqrt_sum, np.array([-1.0, 4.0]), raise_on_failure=False)
    assert not report.ok
    assert any(r.kind == "value" and "nan" in (r.note or "") for r in report.failures)
    assert "the function value is nan" in str(report)


def test_infinite_gradient_is_never_ok():
    with np.errstate(divide="ignore", invalid="ignore"):
        report = sg.check_grad(sqrt_sum, np.array([0.0, 4.0]), raise_on_failure=False)
    assert not report.ok
    assert any("inf" in (r.note or "") for r in report.failures)


def test_nan_gradient_is_never_ok_even_when_both_engines_agree():
    with np.errstate(invalid="ignore", divide="ignore"):
        report = sg.check_grad(nan_gradient, np.array([-1.0, 4.0]), raise_on_failure=False)
    assert math.isfinite(report.value)
    assert not report.ok
    src_tape = next(r for r in report.results if r.label == "source vs tape")
    assert not src_tape.ok and "nan" in src_tape.note


def test_compare_rules():
    from sourcegrad.check import _compare

    ok = _compare("x", ("a", "b"), np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]), 1e-5, 1e-6)
    assert ok.ok and ok.max_abs_err == pytest.approx(1e-6)
    bad = _compare("x", ("a", "b"), np.array([1.0, 2.0]), np.array([1.0, 2.1]), 1e-5, 1e-6)
    assert not bad.ok and bad.worst_index == (1,) and bad.max_rel_err == pytest.approx(0.1 / 2.1)
    both_nan = _compare("x", ("a", "b"), np.array([np.nan]), np.array([np.nan]), 1.0, 1.0)
    assert not both_nan.ok
    shapes = _compare("x", ("a", "b"), np.ones(2), np.ones(3), 1.0, 1.0)
    assert not shapes.ok and "shapes differ" in shapes.note
    scalar = _compare("x", ("a", "b"), 1.0, 1.0, 1e-5, 1e-6)
    assert scalar.ok and scalar.worst_index == ()


# ---------------------------------------------------------------- the report


def test_report_text_has_every_field():
    x = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
    report = sg.check_grad(sum_sin, x)
    text = str(report)
    lines = text.splitlines()
    assert lines[0] == "check_grad(sum_sin) with respect to x (shape (2, 3), float64)"
    for needle in ("value", "source     ok", "tape       ok", "central differences, 13 calls",
                   "rtol=1e-05", "atol=1e-06", "max abs err", "max rel err", "worst at",
                   "source vs fd", "tape vs fd", "source vs tape"):
        assert needle in text, needle
    assert lines[-1] == "ok: 3 comparisons agree"
    row = next(line for line in lines if line.strip().startswith("source vs fd"))
    assert row.rstrip().endswith("ok")


def test_records_are_usable_by_programs():
    report = sg.check_grad(cube, 0.5)
    record = next(r for r in report.results if r.label == "source vs fd")
    assert isinstance(record, GradCheckRecord)
    assert record.kind == "gradient" and record.argument == "x" and record.pair == ("source", "fd")
    assert record.ok and record.worst_index == () and record.max_abs_err < 1e-8
    assert record.rtol == 1e-5 and record.atol == 1e-6
    assert set(record.as_dict()) >= {"kind", "argument", "pair", "ok", "max_abs_err", "max_rel_err",
                                     "worst_index", "worst_values", "rtol", "atol", "note"}
    assert "ok" in repr(record)


# ---------------------------------------------------------------- sourcegrad.testing


def test_assert_grad_close_passes_and_returns_the_report():
    report = assert_grad_close(model, np.array([0.2, -0.4]), np.eye(2), wrt=("x", "W"))
    assert report.ok


def test_assert_grad_close_raises_assertion_error_with_the_report():
    with pytest.raises(AssertionError, match="source vs fd") as info:
        assert_grad_close(uses_wrong_rule, np.array([0.3]))
    assert isinstance(info.value, sg.GradientCheckError)


def test_assert_grad_close_tolerances_and_kwargs():
    assert_grad_close(uses_slightly_wrong_rule, np.array([1.0]), rtol=1e-3, mode_rtol=1e-3)
    assert_grad_close(keyword_only, np.array([1.0]), kwargs={"scale": 4.0})


# ---------------------------------------------------------------- tests of the judge itself
#
# check_grad is the oracle of the random-program tests: each test below fails if one of its
# comparisons is weakened (a comparison dropped, a tolerance or the rounding allowance scaled, NaN
# let through, the finite-difference step changed).

EPS = np.finfo(np.float64).eps
STEP = EPS ** (1 / 3)


@sg.primitive
def big_cube(x):
    return x ** 3


@sg.vjp_rule(big_cube)
def big_cube_vjp_3e5(g, ans, x):
    return g * 3.0 * x ** 2 * (1.0 + 3e-5)          # a 3e-5 relative error


@sg.primitive
def exact_cube(x):
    return x ** 3


@sg.vjp_rule(exact_cube)
def exact_cube_vjp(g, ans, x):
    return g * 3.0 * x ** 2


def large_offset_wrong(x):
    return 4000.0 + np.sum(big_cube(x))              # |f| ~ 4e3, gradient ~ 3 x^2


def large_offset_right(x):
    return 4000.0 + np.sum(exact_cube(x))


def test_a_3e_5_relative_error_at_f_4e3_is_rejected_in_every_mode():
    # FD rounding allowance here is 100 eps |f| / 2h ~ 7e-6: far below the error 3e-5 * 3 = 9e-5.
    x = np.array([1.0, -1.0])
    report = sg.check_grad(large_offset_wrong, x, raise_on_failure=False)
    assert report.value == pytest.approx(4000.0)
    assert {r.label for r in report.failures} == {"source vs fd", "tape vs fd"}
    assert next(r for r in report.results if r.label == "source vs tape").ok
    # the same function with the right rule passes: the rejection is the error's doing, not |f|'s
    assert sg.check_grad(large_offset_right, x).ok


def test_fd_rounding_allowance_is_100_eps_f_over_the_step():
    from sourcegrad.check import _differences, _resolve

    def f(x):
        return 1e6 + np.sum(x)

    x = np.array([0.5, -3.0])
    _, slots, kwargs = _resolve(f, (x,), {}, 0)
    value, (grad,), (noise,) = _differences(f, (x,), kwargs, slots)
    assert value == pytest.approx(1e6 - 2.5)
    width = 2 * STEP * np.maximum(1.0, np.abs(x))
    np.testing.assert_allclose(noise, 100 * EPS * (1e6 + 3.0) / width, rtol=1e-5)
    np.testing.assert_allclose(grad, [1.0, 1.0], rtol=1e-3)


@sg.primitive
def plain_square(x):
    return x ** 2


def _rule(relative=0.0, absolute=0.0):
    """A tape-only rule for plain_square off by ``relative`` (relative) and ``absolute``."""
    def vjp(g, ans, x):
        return g * 2.0 * x * (1.0 + relative) + absolute
    return vjp


def _sum_square(x):
    return np.sum(plain_square(x))


@pytest.mark.parametrize("relative, ok", [(0.0, True), (3e-6, True), (3e-5, False), (-3e-5, False)])
def test_rtol_scales_with_the_gradient(relative, ok):
    # |f| and the fd noise are small here: only rtol = 1e-5 decides. Gradients ~ 2 and ~ 200.
    sg.vjp_rule(plain_square)(_rule(relative=relative))      # each test registers the rule it needs
    report = sg.check_grad(_sum_square, np.array([1.0, 100.0]), modes=("tape",), raise_on_failure=False)
    assert report.ok is ok, str(report)
    if not ok:
        assert [r.label for r in report.failures] == ["tape vs fd"]
        # the large element fails first: its error 6e-3 is furthest outside atol + rtol * 200
        assert report.failures[0].worst_index == (1,)


@pytest.mark.parametrize("absolute, ok", [(5e-7, True), (-5e-7, True), (5e-6, False)])
def test_atol_decides_near_a_zero_gradient(absolute, ok):
    sg.vjp_rule(plain_square)(_rule(absolute=absolute))
    report = sg.check_grad(_sum_square, np.array([0.0]), modes=("tape",), raise_on_failure=False)
    assert report.ok is ok, str(report)


def test_explicit_tolerances_are_used_not_the_defaults():
    sg.vjp_rule(plain_square)(_rule(relative=3e-4))
    x = np.array([1.0, 2.0])
    assert not sg.check_grad(_sum_square, x, modes=("tape",), rtol=1e-4, raise_on_failure=False).ok
    assert sg.check_grad(_sum_square, x, modes=("tape",), rtol=1e-3).ok
    sg.vjp_rule(plain_square)(_rule(absolute=3e-4))
    assert not sg.check_grad(_sum_square, np.zeros(1), modes=("tape",), atol=1e-4, raise_on_failure=False).ok
    assert sg.check_grad(_sum_square, np.zeros(1), modes=("tape",), atol=1e-3).ok


def test_default_tolerances_are_the_documented_ones():
    assert DEFAULT_TOLERANCES == {
        "float64": {"rtol": 1e-5, "atol": 1e-6, "mode_rtol": 1e-7, "mode_atol": 1e-9},
        "float32": {"rtol": 1e-3, "atol": 1e-4, "mode_rtol": 1e-5, "mode_atol": 1e-6},
    }


def uses_tiny_scaled(x):
    return np.sum(2.0 * x)


def test_source_vs_tape_uses_the_tighter_mode_tolerance(monkeypatch):
    # source mode off by 1e-6 relative: within rtol against finite differences, but not within
    # mode_rtol=1e-7 of the tape
    import sourcegrad.api as api

    real = api.value_and_grad

    def fake(f, wrt=0, mode="auto", **kw):
        inner = real(f, wrt=wrt, mode=mode, **kw)

        def call(*args, **kwargs):
            value, grad = inner(*args, **kwargs)
            return value, grad * 1.000001 if mode == "source" else grad
        return call

    monkeypatch.setattr(api, "value_and_grad", fake)
    report = sg.check_grad(uses_tiny_scaled, np.array([0.5, 1.5]), raise_on_failure=False)
    assert [r.label for r in report.failures] == ["source vs tape"], str(report)
    assert sg.check_grad(uses_tiny_scaled, np.array([0.5, 1.5]), mode_rtol=1e-5).ok


# ---------------- each mode's value is compared with the function's own value


def _value_off_by(monkeypatch, delta, mode_hit=("source", "tape"), make=None):
    """Make sourcegrad.api.value_and_grad return a value off by ``delta`` (or ``make(value)``) in the
    modes ``mode_hit``, gradients untouched."""
    import sourcegrad.api as api

    real = api.value_and_grad

    def fake(f, wrt=0, mode="auto", **kw):
        inner = real(f, wrt=wrt, mode=mode, **kw)

        def call(*args, **kwargs):
            value, grad = inner(*args, **kwargs)
            if mode in mode_hit:
                value = make(value) if make else value + delta
            return value, grad
        return call

    monkeypatch.setattr(api, "value_and_grad", fake)


@pytest.mark.parametrize("hit", [("source",), ("tape",), ("source", "tape")])
def test_a_wrong_value_with_right_gradients_fails(monkeypatch, hit):
    _value_off_by(monkeypatch, 1e-3, hit)
    report = sg.check_grad(sum_sin, np.array([0.3, 0.4]), raise_on_failure=False)
    assert not report.ok
    assert {r.label for r in report.failures} == {f"{mode} vs f" for mode in hit}
    assert all(r.kind == "value" for r in report.failures)
    assert all(r.ok for r in report.results if r.kind == "gradient")
    assert "FAIL" in str(report)


@pytest.mark.parametrize("delta, ok", [(1e-10, True), (1e-6, False)])
def test_values_are_compared_with_the_mode_tolerance(monkeypatch, delta, ok):
    _value_off_by(monkeypatch, delta)
    # f ~ 0.68: 1e-10 is within mode_atol + mode_rtol * |f|, 1e-6 is not (though within rtol=1e-5)
    report = sg.check_grad(sum_sin, np.array([0.3, 0.4]), raise_on_failure=False)
    assert report.ok is ok


@pytest.mark.parametrize("bad", [math.nan, math.inf, "text"])
def test_a_non_finite_or_non_numeric_value_fails(monkeypatch, bad):
    _value_off_by(monkeypatch, None, ("tape",), make=lambda value: bad)
    report = sg.check_grad(sum_sin, np.array([0.3]), raise_on_failure=False)
    assert [r.label for r in report.failures] == ["tape vs f"]
    assert "nan" in report.failures[0].note or "inf" in report.failures[0].note


# ---------------- NaN and infinity anywhere are failures


def _grads_replaced(monkeypatch, mode_hit, make):
    import sourcegrad.api as api

    real = api.value_and_grad

    def fake(f, wrt=0, mode="auto", **kw):
        inner = real(f, wrt=wrt, mode=mode, **kw)

        def call(*args, **kwargs):
            value, grad = inner(*args, **kwargs)
            return value, (make(grad) if mode in mode_hit else grad)
        return call

    monkeypatch.setattr(api, "value_and_grad", fake)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_one_non_finite_gradient_element_fails(monkeypatch, bad):
    def poison(grad):
        grad = np.array(grad, dtype=float)
        grad[1] = bad
        return grad

    _grads_replaced(monkeypatch, ("tape",), poison)
    report = sg.check_grad(sum_sin, np.array([0.3, 0.4, 0.5]), raise_on_failure=False)
    assert {r.label for r in report.failures} == {"tape vs fd", "source vs tape"}
    for record in report.failures:
        assert record.worst_index == (1,) and record.max_abs_err == math.inf
        assert str(bad).lstrip("-") in record.note


@pytest.mark.parametrize("make, shown", [(lambda grad: np.asarray(grad)[:1], "(1,)"), (lambda grad: None, "None")])
def test_a_gradient_of_the_wrong_shape_or_none_fails(monkeypatch, make, shown):
    _grads_replaced(monkeypatch, ("tape",), make)
    report = sg.check_grad(sum_sin, np.array([0.3, 0.4]), raise_on_failure=False)
    assert not report.ok
    record = next(r for r in report.failures if r.label == "tape vs fd")
    assert f"tape gradient has shape {shown}" in record.note


def test_a_mode_that_raises_fails_with_the_error(monkeypatch):
    def boom(grad):
        raise RuntimeError("engine exploded")

    _grads_replaced(monkeypatch, ("source",), boom)
    report = sg.check_grad(sum_sin, np.array([0.3]), raise_on_failure=False)
    assert not report.ok
    assert report.modes["source"] == "error: RuntimeError: engine exploded"
    assert [r.kind for r in report.failures] == ["mode"]


def test_compare_non_finite_values():
    from sourcegrad.check import _compare

    for a, b in [([1.0, np.inf], [1.0, np.inf]), ([1.0, -np.inf], [1.0, 2.0]), ([1.0, 2.0], [1.0, np.nan])]:
        record = _compare("x", ("p", "q"), np.array(a), np.array(b), 1.0, 1.0)
        assert not record.ok and record.worst_index == (1,)
    record = _compare("x", ("p", "q"), np.array([1.0, 2.0]), np.array([1.0, np.nan]), 1.0, 1.0)
    assert record.note == "q gradient is nan at [1]"
    value = _compare(None, ("p", "f"), np.inf, 1.0, 1.0, 1.0, kind="value")
    assert not value.ok and value.note == "p function value is inf"


def test_compare_tolerance_boundaries():
    from sourcegrad.check import _compare

    # |a - b| <= atol + rtol * max(|a|, |b|) (+ noise), element by element
    a = np.array([100.0, 0.0])
    assert _compare("x", ("p", "q"), a, a + [0.9e-3 + 0.9e-6, 0.0], 1e-5, 1e-6).ok
    assert not _compare("x", ("p", "q"), a, a + [1.1e-3 + 1e-6, 0.0], 1e-5, 1e-6).ok
    assert not _compare("x", ("p", "q"), a, a + [0.0, 1.1e-6], 1e-5, 1e-6).ok
    assert _compare("x", ("p", "q"), a, a + [0.0, 1.1e-6], 1e-5, 1e-6, noise=np.array([0.0, 2e-7])).ok
    assert not _compare("x", ("p", "q"), a, a + [0.0, 1.1e-6], 1e-5, 1e-6, noise=np.array([2e-7, 0.0])).ok
    # the scale is the larger of the two magnitudes, so the comparison is symmetric
    assert _compare("x", ("p", "q"), np.array([1.0]), np.array([1.0 + 0.9e-5]), 1e-5, 0.0).ok
    assert _compare("x", ("p", "q"), np.array([1.0 + 0.9e-5]), np.array([1.0]), 1e-5, 0.0).ok
    bad = _compare("x", ("p", "q"), np.array([1.0, 3.0, -2.0]), np.array([1.0, 3.3, -2.1]), 1e-5, 1e-6)
    assert bad.worst_index == (1,) and bad.worst_values == (3.0, 3.3)
    assert bad.max_abs_err == pytest.approx(0.3) and bad.max_rel_err == pytest.approx(0.3 / 3.3)
    assert bad.note == "2 of 3 elements outside tolerance"


def test_a_nan_function_value_at_the_point_fails_even_if_engines_agree():
    def f(x):
        return np.sum(x) + (np.nan if x[0] == 0.25 else 0.0)

    report = sg.check_grad(f, np.array([0.25, 1.0]), modes=("tape",), raise_on_failure=False)
    assert any(r.kind == "value" and r.pair == ("f",) for r in report.failures)


# ---------------- the finite-difference steps


def test_fd_steps_are_scaled_to_each_element_and_taken_in_float64():
    calls = []

    def f(x):
        calls.append(np.array(x, copy=True))
        return float(np.sum(x ** 2))

    for dtype in (np.float64, np.float32):
        calls.clear()
        x = np.array([0.5, -3000.0], dtype=dtype)
        g = sg.numerical_grad(f, x)
        assert g.dtype == dtype
        assert len(calls) == 5 and all(c.dtype == np.float64 for c in calls)
        base = x.astype(np.float64)
        np.testing.assert_array_equal(calls[0], base)
        steps = [calls[k][i] - base[i] for k, i in ((1, 0), (2, 0), (3, 1), (4, 1))]
        expected = [STEP, -STEP, 3000 * STEP, -3000 * STEP]
        np.testing.assert_allclose(steps, expected, rtol=1e-6)
        np.testing.assert_allclose(g, 2 * base, rtol=1e-5)


def test_float32_arguments_are_differenced_in_float64():
    # in float32 this would be off by ~eps32 / h ~ 2e-2; in float64 it is exact to ~1e-10
    x = np.array([0.7, 1.3, -2.1], dtype=np.float32)
    g = sg.numerical_grad(lambda v: np.sum(v.astype(np.float64) ** 3), x)
    np.testing.assert_allclose(g, 3 * x.astype(np.float64) ** 2, rtol=1e-7)


def test_float32_check_uses_float32_tolerances_and_still_rejects_a_wrong_rule():
    x = np.array([0.5, 1.5], dtype=np.float32)
    sg.vjp_rule(plain_square)(_rule(relative=3e-4))
    assert sg.check_grad(_sum_square, x, modes=("tape",)).ok          # within rtol=1e-3
    sg.vjp_rule(plain_square)(_rule(relative=3e-3))
    report = sg.check_grad(_sum_square, x, modes=("tape",), raise_on_failure=False)
    assert [r.label for r in report.failures] == ["tape vs fd"]
    # a float64 argument next to a float32 one: the lower precision decides
    assert sg.check_grad(bilinear, np.ones(2), np.ones((2, 2), dtype=np.float32), np.ones(2),
                         wrt=(0, 1)).tolerances == DEFAULT_TOLERANCES["float32"]


def test_numerical_grad_at_a_non_finite_point_is_nan():
    with np.errstate(invalid="ignore"):
        g = sg.numerical_grad(lambda v: float(np.sum(np.nan_to_num(v, posinf=1.0))), np.array([np.inf, 1.0]))
    assert math.isnan(g[0]) and g[1] == pytest.approx(1.0)
