"""Every construct source mode refuses raises a named error that points at the user's line."""

import inspect
import re

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.tape import NoRuleError
from tests.cases import unsupported as bad

FILE = inspect.getsourcefile(bad)


def marked_line(func):
    """The file line number of the line marked '# <- error' in func's source."""
    lines, start = inspect.getsourcelines(func)
    for offset, line in enumerate(lines):
        if "# <- error" in line:
            return start + offset
    raise AssertionError(f"{func.__name__} has no marked line")


UNSUPPORTED = [
    (bad.with_global, "global statement at line", 1.0),
    (bad.with_raise, "raise statement at line", 1.0),
    (bad.with_while, "with block at line", 2.0),
    (bad.with_comprehension, "set comprehension", 1.0),
    (bad.with_try, "try block", 1.0),
    (bad.with_nested_def, "nested function definition", 1.0),
    (bad.assign_into_array, "z may share memory with another variable", np.ones(3)),
    (bad.augassign_into_array, "x is the caller's (an argument or a global)", np.ones(3)),
    (bad.aliased_inplace, "in-place update of z", np.ones(3)),
    (bad.no_rule, "no derivative rule for np.fft.fft", np.ones(4)),
    (bad.no_rule_builtin, "no derivative rule for sum", 1.0),
    (bad.no_rule_method, "no derivative rule for the method .tolist()", np.ones(3)),
    (bad.recursive, "recursive call to recursive", 1.0),
    (bad.code_after_return, "unreachable code after return", 1.0),
    (bad.star_args, "*args and **kwargs", 1.0),
]


@pytest.mark.parametrize("func, message, arg", UNSUPPORTED, ids=lambda v: getattr(v, "__name__", ""))
def test_source_mode_raises_unsupported_with_location(func, message, arg):
    with pytest.raises(sg.UnsupportedError, match=re.escape(message)) as info:
        sg.grad(func, mode="source")(arg)
    err = info.value
    text = str(err)
    assert message in text
    line = marked_line(func)
    assert f"{FILE}:{line}:" in text, text
    assert err.filename == FILE and err.lineno == line
    source_line = inspect.getsourcelines(func)[0][line - inspect.getsourcelines(func)[1]].strip()
    assert source_line in text          # the offending line is shown
    assert "^" in text.splitlines()[2]  # with a caret under it
    assert 'mode="tape"' in text or "sg.vjp_rule" in text   # and what to do next


# The functions the tape refuses too, each with its own named error; every other one must get the
# gradient finite differences give.
TAPE_REFUSES = {
    bad.no_rule: (NoRuleError, r"no derivative rule for np\.fft\.fft"),
    bad.no_rule_method: (NoRuleError, r"no derivative rule for np\.ndarray\.tolist"),
    bad.recursive: (RecursionError, r"maximum recursion depth exceeded"),   # f itself never returns
}


def _fresh(arg):
    return np.copy(arg) if isinstance(arg, np.ndarray) else arg


@pytest.mark.parametrize("func, message, arg", UNSUPPORTED, ids=lambda v: getattr(v, "__name__", ""))
def test_auto_mode_falls_back_to_the_tape_and_says_why(func, message, arg):
    g = sg.grad(func)
    if func in TAPE_REFUSES:
        error, pattern = TAPE_REFUSES[func]
        with pytest.raises(error, match=pattern):
            g(_fresh(arg))
    else:
        got = g(_fresh(arg))
        expected = sg.numerical_grad(func, _fresh(arg))
        assert type(got) is type(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)
    assert g.mode == "tape"
    assert message in g.fallback_reason
    assert f"line {marked_line(func)}" in g.fallback_reason


def test_auto_mode_newton_sqrt_gives_the_right_gradient_on_the_tape():
    g = sg.grad(bad.with_while)
    assert g(2.0) == pytest.approx(1 / (2 * np.sqrt(2.0)), rel=1e-9)
    assert g.mode == "tape"
    assert "with block at line" in g.fallback_reason


def test_function_that_returns_nothing():
    with pytest.raises(sg.TransformError, match="returns_nothing returns nothing") as info:
        sg.grad(bad.returns_nothing, mode="source")(1.0)
    assert info.value.lineno == marked_line(bad.returns_nothing)


def test_tuple_output_is_a_value_error_pointing_to_vjp():
    with pytest.raises(ValueError, match="returns a tuple.*sg.vjp") as info:
        sg.grad(bad.returns_tuple)(1.0)
    assert isinstance(info.value, sg.OutputError)
    assert info.value.lineno == marked_line(bad.returns_tuple)


@pytest.mark.parametrize("mode", ["source", "tape"])
def test_vector_output_is_a_value_error_pointing_to_vjp(mode):
    with pytest.raises(ValueError, match=r"scalar.*\(3,\).*sg.vjp|\(3,\).*scalar.*sg.vjp"):
        sg.grad(bad.returns_vector, mode=mode)(np.ones(3))


def test_function_without_source():
    namespace = {}
    exec("def typed_in_a_repl(x):\n    return x * 2\n", namespace)
    f = namespace["typed_in_a_repl"]
    with pytest.raises(sg.TransformError, match="source of typed_in_a_repl is not available.*mode=\"tape\""):
        sg.grad(f, mode="source")(1.0)
    g = sg.grad(f)
    assert g(3.0) == 2.0 and g.mode == "tape"
    assert "not available" in g.fallback_reason


def test_lambda_is_refused_in_source_mode():
    with pytest.raises(sg.UnsupportedError, match="lambda"):
        sg.grad(lambda x: x * 2, mode="source")(1.0)


@pytest.mark.parametrize("value, kind", [("abc", "str"), (True, "boolean"), (None, "NoneType"),
                                         (np.array([True, False]), "boolean"), (1 + 2j, "complex")])
def test_non_differentiable_inputs_are_type_errors(value, kind):
    def f(x):
        return x * 2

    with pytest.raises(TypeError, match=f"cannot differentiate f with respect to 'x'.*{kind}"):
        sg.grad(f)(value)


@pytest.mark.parametrize("wrt, error, message", [
    (2, ValueError, "out of range"), ("w", ValueError, "not a parameter"), ((0, 0), ValueError, "twice"),
    (1.5, TypeError, "wrt must be"), ((), ValueError, "empty"),
])
def test_bad_wrt(wrt, error, message):
    def f(x, y):
        return x * y

    with pytest.raises(error, match=message):
        sg.grad(f, wrt=wrt)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        sg.grad(bad.returns_vector, mode="fast")
