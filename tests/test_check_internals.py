"""check_grad and numerical_grad in detail: argument handling, the report's text and fields, the
comparison's edge cases. Written against the mutants of sourcegrad/check.py that survived
tests/test_check.py (python -m tests.mutation --module sourcegrad/check.py): each test here fails
on at least one of them."""

import functools
import math

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.check import DEFAULT_TOLERANCES, GradCheckRecord, GradCheckReport, _compare


def square(x):
    return x * x


def vector_output(x):
    return np.sin(x)


# ---------------------------------------------------------------- argument types


def test_numpy_float_scalars_reach_f_as_numpy_scalars_and_come_back_as_such():
    seen = []

    def f(x):
        seen.append(type(x))
        return x * x

    g = sg.numerical_grad(f, np.float64(1.5))
    assert type(g) is np.float64 and g == pytest.approx(3.0)
    assert set(seen) == {np.float64}
    g32 = sg.numerical_grad(f, np.float32(1.5))
    assert type(g32) is np.float32 and g32 == pytest.approx(3.0, rel=1e-6)


def test_numpy_integer_scalars_are_promoted_to_float():
    g = sg.numerical_grad(lambda x: x ** 3, np.int64(3))
    assert type(g) is float and g == pytest.approx(27.0)


@pytest.mark.parametrize("value, kind", [(np.array([1 + 2j]), "complex128"), (np.array(["a"]), "<U1"),
                                         (np.array([object()]), "object")])
def test_arrays_of_other_dtypes_are_refused(value, kind):
    with pytest.raises(TypeError, match=rf"array of dtype {kind}; gradients are taken with respect to floats"):
        sg.numerical_grad(lambda x: 0.0, value)


def test_integer_arrays_are_promoted():
    g = sg.numerical_grad(lambda x: float(np.sum(x ** 2)), np.array([1, 2]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-8)


# ---------------------------------------------------------------- which arguments


def star(*xs):
    return xs[0] * xs[1] ** 2


def test_wrt_positions_of_star_args():
    assert sg.numerical_grad(star, 2.0, 3.0, wrt=1) == pytest.approx(12.0)
    assert sg.numerical_grad(star, 2.0, 3.0, wrt=-1) == pytest.approx(12.0)
    assert sg.numerical_grad(star, 2.0, 3.0, wrt=-2) == pytest.approx(9.0)
    g0, g1 = sg.numerical_grad(star, 2.0, 3.0, wrt=(0, 1))
    assert (g0, g1) == (pytest.approx(9.0), pytest.approx(12.0))
    with pytest.raises(ValueError, match="wrt names argument 1 twice"):
        sg.numerical_grad(star, 2.0, 3.0, wrt=(1, -1))
    with pytest.raises(ValueError, match=r"wrt=2 is out of range: star has 0 parameters \[\]"):
        sg.numerical_grad(star, 2.0, 3.0, wrt=2)


def test_wrt_must_name_something():
    with pytest.raises(ValueError, match="wrt is empty: name at least one argument"):
        sg.numerical_grad(square, 1.0, wrt=())
    for bad in (True, 1.0, None, [0.5]):
        with pytest.raises(TypeError, match="wrt must be an int, a parameter name, or a tuple of them"):
            sg.numerical_grad(square, 1.0, wrt=bad)


def with_required(x, y):
    return x * y


def positional_only(x, y=2.0, /):
    return x * y


def test_missing_and_positional_only_arguments():
    with pytest.raises(TypeError, match=r"with_required\(\) is missing the argument 'y' to differentiate"):
        sg.numerical_grad(with_required, 1.0, wrt="y")
    with pytest.raises(TypeError, match="pass the positional-only argument 'y' to differentiate with respect to it"):
        sg.numerical_grad(positional_only, 1.0, wrt="y")
    assert sg.numerical_grad(positional_only, 1.0, 3.0, wrt="y") == pytest.approx(1.0)


def test_keyword_arguments_are_passed_and_left_alone():
    kwargs = {"y": 3.0}
    assert sg.numerical_grad(with_required, 2.0, **kwargs) == pytest.approx(3.0)
    assert sg.numerical_grad(with_required, 2.0, wrt="y", **kwargs) == pytest.approx(2.0)
    assert kwargs == {"y": 3.0}


def test_callables_without_a_name_are_named_by_their_repr():
    f = functools.partial(vector_output)
    with pytest.raises(ValueError, match=r"functools\.partial\(<function vector_output.*returned an array"):
        sg.numerical_grad(f, np.ones(3))

    class Callable:
        def __call__(self, x):
            return np.sin(x)

        def __repr__(self):
            return "<the callable>"

    with pytest.raises(ValueError, match="<the callable> returned an array of shape"):
        sg.numerical_grad(Callable(), np.ones(2))


# ---------------------------------------------------------------- the output


@pytest.mark.parametrize("out", [True, np.True_])
def test_a_boolean_output_is_refused(out):
    with pytest.raises(ValueError, match="returned a boolean; gradients need a real scalar"):
        sg.numerical_grad(lambda x: out, 1.0)


def test_zero_d_array_outputs_are_scalars():
    assert sg.numerical_grad(lambda x: np.array(x * x), 2.0) == pytest.approx(4.0)
    assert sg.numerical_grad(lambda x: np.array(7), 2.0) == 0.0
    with pytest.raises(ValueError, match="returned a ndarray; gradients need a real scalar"):
        sg.numerical_grad(lambda x: np.array(1j * x), 2.0)


# ---------------------------------------------------------------- _compare edge cases


def test_compare_empty_arrays_agree():
    record = _compare("x", ("p", "q"), np.zeros(0), np.zeros(0), 1e-5, 1e-6)
    assert record.ok and record.max_abs_err == 0.0 and record.max_rel_err == 0.0 and record.worst_index is None


def test_compare_identical_values_with_zero_tolerance():
    assert _compare("x", ("p", "q"), np.array([1.0, -2.0]), np.array([1.0, -2.0]), 0.0, 0.0).ok
    record = _compare("x", ("p", "q"), np.array([1.0, 2.0]), np.array([1.0, 2.5]), 0.0, 0.0)
    assert not record.ok and record.worst_index == (1,)


def test_compare_relative_error_with_small_and_zero_magnitudes():
    record = _compare("x", ("p", "q"), np.array([0.0, 0.5, 0.0]), np.array([0.0, 0.6, 1e-3]), 1e-5, 1e-6)
    assert record.max_rel_err == pytest.approx(1.0)            # 1e-3 against 0: the whole magnitude
    record = _compare("x", ("p", "q"), np.array([0.0, 0.5]), np.array([0.0, 0.6]), 1e-5, 1e-6)
    assert record.max_rel_err == pytest.approx(0.1 / 0.6)
    assert math.isfinite(record.max_rel_err)


def test_compare_worst_element_is_the_one_furthest_outside_its_tolerance():
    # the largest absolute error is at [0], but relative to its tolerance [1] is worse
    record = _compare("x", ("p", "q"), np.array([100.0, 1.0]), np.array([100.5, 1.1]), 1e-5, 1e-6)
    assert record.worst_index == (1,) and record.worst_values == (1.0, 1.1)
    assert record.max_abs_err == pytest.approx(0.5)
    # with no tolerance at all, the one that differs
    record = _compare("x", ("p", "q"), np.array([1.0, 3.0, 2.0]), np.array([1.0, 3.0, 2.5]), 0.0, 0.0)
    assert record.worst_index == (2,)


def test_compare_records_shape_mismatches_as_gradient_records():
    record = _compare("W", ("source", "fd"), np.ones((2, 3)), np.ones(3), 1e-5, 1e-6)
    assert (record.kind, record.argument, record.pair, record.ok) == ("gradient", "W", ("source", "fd"), False)
    assert record.note == "shapes differ: source (2, 3), fd (3,)"


# ---------------------------------------------------------------- records and reports


def test_record_repr():
    bad = GradCheckRecord("gradient", "x", ("source", "fd"), False, 0.25, 0.5, (1,), (1.0, 1.25), 1e-5, 1e-6,
                          note="1 of 2 elements outside tolerance")
    assert repr(bad) == ("<GradCheckRecord gradient x source vs fd: FAIL max_abs_err=0.25 "
                         "(1 of 2 elements outside tolerance)>")
    good = GradCheckRecord("value", None, ("tape", "f"), True)
    assert repr(good) == "<GradCheckRecord value  tape vs f: ok>"


def _report(results, modes=None):
    return GradCheckReport(
        "f", ["x", "s", "W"], {"x": "(shape (2,), float64)", "s": "(float)", "W": "(shape (2, 2), float64)"}, 1.5,
        modes or {"source": "ok", "tape": "error: RuntimeError: boom"}, {}, results, DEFAULT_TOLERANCES["float64"], 9)


REPORT_TEXT = """\
check_grad(f) with respect to x (shape (2,), float64), s (float), W (shape (2, 2), float64)
  value      1.5
  source     ok
  tape       error: RuntimeError: boom
  fd         central differences, 9 calls of the function
  tolerances vs fd: rtol=1e-05 atol=1e-06 (+ fd rounding estimate); source vs tape: rtol=1e-07 atol=1e-09

  value    source vs f      ok
  mode     tape             FAIL  error: RuntimeError: boom

  x (shape (2,), float64):
    compared         max abs err max rel err  worst at     values there                                  result
    source vs fd           1e-09       2e-09  [1]          source=0.5 fd=0.5000000001                    ok
    source vs tape             -           -  -            -                                             FAIL  \
source gradient has shape (1,), the argument (2,)

  s (float):
    compared         max abs err max rel err  worst at     values there                                  result
    source vs fd            0.25         0.5  scalar       source=0.25 fd=0.5                            FAIL  \
(1 of 1 elements outside tolerance)

  W (shape (2, 2), float64):
    (no comparisons)

FAILED: 3 of 5 checks disagree or could not run"""


def test_report_text_in_full():
    records = [
        GradCheckRecord("value", None, ("source", "f"), True),
        GradCheckRecord("mode", None, ("tape",), False, note="error: RuntimeError: boom"),
        GradCheckRecord("gradient", "x", ("source", "fd"), True, 1e-9, 2e-9, (1,), (0.5, 0.5000000001), 1e-5, 1e-6),
        GradCheckRecord("gradient", "x", ("source", "tape"), False, rtol=1e-7, atol=1e-9,
                        note="source gradient has shape (1,), the argument (2,)"),
        GradCheckRecord("gradient", "s", ("source", "fd"), False, 0.25, 0.5, (), (0.25, 0.5), 1e-5, 1e-6,
                        note="1 of 1 elements outside tolerance"),
    ]
    report = _report(records)
    assert str(report) == REPORT_TEXT
    assert not report.ok and len(report.failures) == 3
    ok_text = str(_report([records[0], records[2]], {"source": "ok", "tape": "skipped"}))
    assert ok_text.splitlines()[-1] == "ok: 1 comparison agrees"
    assert "  value    source vs f      ok" in ok_text


def test_a_report_is_ok_only_with_a_gradient_compared():
    value = GradCheckRecord("value", None, ("source", "f"), True)
    gradient = GradCheckRecord("gradient", "x", ("source", "fd"), True, 0.0, 0.0, (), (1.0, 1.0), 1e-5, 1e-6)
    assert _report([value, gradient]).ok
    assert _report([gradient]).ok
    assert not _report([value]).ok
    assert not _report([]).ok


# ---------------------------------------------------------------- check_grad's handling of modes


def _patch(monkeypatch, make):
    import sourcegrad.api as api

    real = api.value_and_grad

    def fake(f, wrt=0, mode="auto", **kw):
        return make(real(f, wrt=wrt, mode=mode, **kw), mode)

    monkeypatch.setattr(api, "value_and_grad", fake)


def test_modes_may_be_one_string():
    report = sg.check_grad(square, 1.5, modes="tape")
    assert report.modes == {"source": "skipped", "tape": "ok"}


def test_a_transform_error_outside_source_mode_is_an_error(monkeypatch):
    def make(inner, mode):
        def call(*args, **kwargs):
            if mode == "tape":
                raise sg.TransformError("the tape cannot")
            return inner(*args, **kwargs)
        return call

    _patch(monkeypatch, make)
    report = sg.check_grad(square, 1.5, raise_on_failure=False)
    assert report.modes["tape"] == "error: TransformError: the tape cannot"
    assert [r.pair for r in report.failures] == [("tape",)]


def test_a_value_error_transform_error_in_source_mode_is_an_error_not_a_decline(monkeypatch):
    def make(inner, mode):
        def call(*args, **kwargs):
            if mode == "source":
                raise sg.errors.OutputError("returns a tuple")
            return inner(*args, **kwargs)
        return call

    _patch(monkeypatch, make)
    report = sg.check_grad(square, 1.5, raise_on_failure=False)
    assert report.modes["source"] == "error: OutputError: returns a tuple"
    assert report.fallback_reason is None and not report.ok


def test_the_reason_of_a_decline_names_the_file_and_line():
    from tests.cases.unsupported import with_while
    from tests.transforms.test_errors import marked_line

    report = sg.check_grad(with_while, 2.0)
    assert report.fallback_reason.startswith("with block at line ")
    assert report.fallback_reason.endswith(f"unsupported.py:{marked_line(with_while)})")
    assert report.modes["source"] == "not applicable: " + report.fallback_reason


def test_nothing_computed_is_a_failure_that_says_so():
    from tests.cases.unsupported import with_while

    report = sg.check_grad(with_while, 2.0, modes=("source",), raise_on_failure=False)
    assert [r.kind for r in report.failures] == ["mode"]
    assert report.failures[0].note == "no mode could compute a gradient, so nothing was checked"
    assert report.failures[0].pair == ("source",)


def test_a_gradient_of_the_wrong_shape_is_one_failing_gradient_record(monkeypatch):
    def make(inner, mode):
        def call(*args, **kwargs):
            value, grad = inner(*args, **kwargs)
            return value, (np.zeros(3) if mode == "tape" else grad)
        return call

    _patch(monkeypatch, make)
    report = sg.check_grad(lambda_free_sum, np.ones(2), raise_on_failure=False)
    tape_fd = [r for r in report.failures if r.pair == ("tape", "fd")]
    assert len(tape_fd) == 1
    assert (tape_fd[0].kind, tape_fd[0].argument) == ("gradient", "x")
    assert tape_fd[0].note == "tape gradient has shape (3,), the argument (2,)"


def lambda_free_sum(x):
    return np.sum(x * x)


def cancelling(x):
    return np.sum(x) * 1e4 - 6000.0


def test_values_in_float32_are_compared_with_f_in_float32():
    # in float32 this is 0.0 (or one float32 step at 6000, 4.9e-4); in float64 it is 8.9e-5: more
    # than mode_atol apart, although each engine computes exactly what f computes in float32
    x = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    report = sg.check_grad(cancelling, x)
    assert report.ok, str(report)
    assert report.evaluations == 1 + 2 * 3 + 1
    assert report.value == pytest.approx(float(np.sum(x.astype(np.float64))) * 1e4 - 6000.0)
    # a value that is wrong in float32 terms still fails
    import sourcegrad.api as api

    real = api.value_and_grad

    def fake(f, wrt=0, mode="auto", **kw):
        inner = real(f, wrt=wrt, mode=mode, **kw)
        return lambda *a, **k: (inner(*a, **k)[0] + np.float32(0.01), inner(*a, **k)[1])

    api.value_and_grad = fake
    try:
        bad = sg.check_grad(cancelling, x, raise_on_failure=False)
    finally:
        api.value_and_grad = real
    assert {r.label for r in bad.failures} == {"source vs f", "tape vs f"}


def test_wrt_beyond_the_parameters_of_a_function_without_star_args():
    with pytest.raises(ValueError, match=r"wrt=1 is out of range: square has 1 parameters \['x'\]"):
        sg.numerical_grad(square, 1.0, 2.0, wrt=1)


def test_index_text():
    from sourcegrad.check import _index_text

    assert (_index_text(None), _index_text(()), _index_text((1, 2))) == ("-", "scalar", "[1, 2]")


def test_an_empty_argument_in_the_report():
    record = _compare("e", ("source", "fd"), np.zeros(0), np.zeros(0), 1e-5, 1e-6)
    assert (record.kind, record.argument, record.pair) == ("gradient", "e", ("source", "fd"))
    report = GradCheckReport("f", ["e"], {"e": "(shape (0,), float64)"}, 0.0, {"source": "ok"}, {}, [record],
                             DEFAULT_TOLERANCES["float64"], 1)
    row = next(line for line in str(report).splitlines() if line.strip().startswith("source vs fd"))
    assert row.split() == ["source", "vs", "fd", "0", "0", "-", "-", "ok"]


def test_shapes_in_the_report():
    assert sg.check_grad(square, 1.5).shapes == {"x": "(float)"}
    assert sg.check_grad(square, np.float64(1.5)).shapes == {"x": "(float64 scalar)"}
    assert sg.check_grad(lambda_free_sum, np.ones(2, dtype=np.float32)).shapes == {"x": "(shape (2,), float32)"}


def mutates(x):
    x *= 2.0
    return np.sum(x ** 2)


def test_the_callers_float32_array_is_never_modified():
    x = np.array([1.0, 2.0], dtype=np.float32)
    report = sg.check_grad(mutates, x, modes=("tape",), raise_on_failure=False)
    np.testing.assert_array_equal(x, np.array([1.0, 2.0], dtype=np.float32))
    assert report.value == pytest.approx(20.0)


def nan_branch(x):
    with np.errstate(all="ignore"):   # source mode declines the with block
        return math.nan * x


def test_nothing_computed_is_said_even_when_the_value_is_nan():
    report = sg.check_grad(nan_branch, 1.0, modes=("source",), raise_on_failure=False)
    notes = [r.note for r in report.failures]
    assert any("the function value is nan" in n for n in notes)
    assert "no mode could compute a gradient, so nothing was checked" in notes


def test_compare_worst_element_among_agreeing_ones():
    # tolerance 1e-5 on [0], none on [1] (both 0, exactly equal): [0] is the one nearer its limit
    record = _compare("x", ("p", "q"), np.array([1.0, 0.0]), np.array([1.0 + 1e-7, 0.0]), 1e-5, 0.0)
    assert record.ok and record.worst_index == (0,)


def scaled_by(s, p):
    return np.sum(np.sin(p * s))


def test_float32_arguments_not_differentiated_set_float32_tolerances():
    # the engines compute in float32 because of p, even though only the float s is differentiated
    p = np.array([0.3, 1.7, -2.2], dtype=np.float32)
    report = sg.check_grad(scaled_by, 0.7, p, wrt=0)
    assert report.tolerances == DEFAULT_TOLERANCES["float32"] and report.ok
    assert sg.check_grad(scaled_by, 0.7, p.astype(np.float64), wrt=0).tolerances == DEFAULT_TOLERANCES["float64"]
    assert sg.check_grad(scaled_by, 0.7, p=p, wrt=0).tolerances == DEFAULT_TOLERANCES["float32"]


def test_finite_differences_widen_float32_arguments_that_are_not_differentiated():
    p = np.array([0.3, 1.7, -2.2], dtype=np.float32)
    exact = float(np.sum(p.astype(np.float64) * np.cos(p.astype(np.float64) * 0.7)))
    assert sg.numerical_grad(scaled_by, 0.7, p) == pytest.approx(exact, rel=1e-8)
    assert sg.numerical_grad(scaled_by, 0.7, p=p) == pytest.approx(exact, rel=1e-8)
    assert p.dtype == np.float32


def test_a_mode_that_fails_alone_is_reported_once(monkeypatch):
    def make(inner, mode):
        def call(*args, **kwargs):
            raise RuntimeError("tape exploded")
        return call

    _patch(monkeypatch, make)
    report = sg.check_grad(square, 1.5, modes=("tape",), raise_on_failure=False)
    assert [(r.kind, r.note) for r in report.failures] == [("mode", "error: RuntimeError: tape exploded")]
