"""The command line, run for real: ``python -m sourcegrad show|check|rules`` in a subprocess."""

import html
import io
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sourcegrad import cli
from sourcegrad.rules.registry import NONDIFFERENTIABLE, VJP_RULES

MODEL = """
import numpy as np


def loss(x, W):
    return np.sum(np.tanh(W @ x) ** 2)


def scalar(a, b=2.0):
    return a ** 2 * b + np.sin(a)


def branchy(x):
    with np.errstate(all="ignore"):
        return np.sum(x ** 2)


def positive(x):
    return np.sum(np.log(x))


NOT_A_FUNCTION = 3


class Energy:
    def __init__(self):
        self.k = 3.0

    def value(self, x):
        return self.k * np.sum(x ** 2)
"""

WRONG_RULE = """
import numpy as np

import sourcegrad as sg


def softplus(x):
    return np.log1p(np.exp(x))


@sg.vjp_rule(softplus)
def softplus_vjp(g, ans, x):
    return g * np.exp(x)        # wrong on purpose: should be g / (1 + np.exp(-x))


def loss(x):
    return np.sum(softplus(x))
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    (folder / "model.py").write_text(textwrap.dedent(MODEL))
    (folder / "wrong_rule.py").write_text(textwrap.dedent(WRONG_RULE))
    (folder / "broken.py").write_text("import numpy as np\n\nx = 1 / 0\n")
    (folder / "helper_user.py").write_text("from model import loss as imported_loss\n")
    return folder


PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(cli.__file__)))   # the sourcegrad under test


def run(*args, cwd=None):
    path = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONPATH=path)
    return subprocess.run([sys.executable, "-m", "sourcegrad", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


# ---------------------------------------------------------------- show


def test_show_prints_the_generated_adjoint(files):
    result = run("show", f"{files / 'model.py'}:loss", "--wrt", "x,W")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def dloss_dx_W(x, W")
    assert "return " in result.stdout and "grad_matmul" in result.stdout
    assert "\x1b[" not in result.stdout       # not a terminal: no colour codes
    compile(result.stdout, "<generated>", "exec")  # valid Python


def test_show_default_wrt_is_the_first_parameter(files):
    result = run("show", "model.py:scalar", cwd=files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def dscalar_da(")


def test_show_untransformable_function_exits_2_with_the_error(files):
    result = run("show", f"{files / 'model.py'}:branchy")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "model.py:14:5: with block" in result.stderr and "not supported in source mode" in result.stderr
    assert "^" in result.stderr and 'mode="tape"' in result.stderr
    assert "`show --mode auto`" in result.stderr         # what to do on the command line
    assert "Traceback" not in result.stderr


def test_show_mode_auto_and_tape_say_which_engine_and_why(files):
    auto = run("show", "model.py:branchy", "--mode", "auto", cwd=files)
    assert auto.returncode == 0, auto.stderr
    assert auto.stdout.startswith("# branchy: auto mode uses the tape: with block at line 14 is not supported")
    assert "generates no source" in auto.stdout
    transformed = run("show", "model.py:scalar", "--mode", "auto", cwd=files)
    assert transformed.returncode == 0 and transformed.stdout.startswith("def dscalar_da(")
    tape = run("show", "model.py:scalar", "--mode", "tape", cwd=files)
    assert tape.returncode == 0 and tape.stdout.startswith("# scalar: mode tape")


def test_show_html_writes_the_side_by_side_page(files, tmp_path):
    out = tmp_path / "loss.html"
    result = run("show", "model.py:loss", "--html", out, cwd=files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out}"
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and "data-links=" in text and "dloss_dx" in text
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    assert "return np.sum(np.tanh(W @ x) ** 2)" in plain and "bx = " in plain
    refused = run("show", "model.py:branchy", "--html", tmp_path / "b.html", cwd=files)
    assert refused.returncode == 2 and "with block" in refused.stderr and not (tmp_path / "b.html").exists()
    auto = run("show", "model.py:branchy", "--html", tmp_path / "b.html", "--mode", "auto", cwd=files)
    assert auto.returncode == 0 and "fallback reason: with block" in (tmp_path / "b.html").read_text()


def test_a_method_is_differentiated_with_respect_to_its_first_parameter_after_self(files):
    shown = run("show", "model.py:Energy.value", cwd=files)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("def dvalue_dx(self, x):")
    checked = run("check", "model.py:Energy.value", "--args", "random", "--shape", "x=3", cwd=files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check_grad(Energy.value) with respect to x (shape (3,), float64)" in checked.stdout


def test_export_of_a_method_with_example_arguments_takes_self_first(files, tmp_path):
    out = tmp_path / "grad_value.py"
    result = run("export", "model.py:Energy.value", "-o", out, "--args", "random", "--shape", "x=3", cwd=files)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "dvalue_dx(self, x) returns (value, gradient)" in text and "self: any value" in text
    namespace = {}
    exec(compile(text, str(out), "exec"), namespace)

    class Energy:
        k = 3.0

    value, grad = namespace["dvalue_dx"](Energy(), np.array([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(grad, 6.0 * np.array([1.0, -2.0, 0.5]))
    assert value == pytest.approx(3.0 * 5.25)


def test_export_writes_a_module_that_runs(files, tmp_path):
    out = tmp_path / "grad_loss.py"
    result = run("export", "model.py:loss", "-o", out, "--args", "[[0.1, 0.2, 0.3], [[1, 2, 3], [4, 5, 6]]]",
                 "--standalone", cwd=files)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "wrt: x" in text and "x: an array of 1 dimension, pattern 'N'" in text
    namespace = {}
    exec(compile(text, str(out), "exec"), namespace)
    x, W = np.array([0.1, -0.4, 0.3]), np.arange(6.0).reshape(2, 3) / 5
    value, grad = namespace["dloss_dx"](x, W)
    t = np.tanh(W @ x)
    np.testing.assert_allclose(grad, W.T @ (2 * t * (1 - t ** 2)), rtol=1e-12)
    assert value == pytest.approx(np.sum(t ** 2), rel=1e-14)
    refused = run("export", "model.py:branchy", "-o", tmp_path / "b.py", cwd=files)
    assert refused.returncode == 2 and "with block" in refused.stderr and "the tape has none" in refused.stderr


def test_check_args_random_without_shapes_names_shape_when_the_call_fails(files):
    examples = os.path.join(PACKAGE_ROOT, "examples", "mlp.py")
    result = run("check", f"{examples}:loss", "--args", "random")
    assert result.returncode == 2
    assert "--args random gave W1, b1, W2, b2 a random float each" in result.stderr
    assert "--shape NAME=SHAPE, e.g. --shape W1=3x4" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- check


def test_check_literal_arguments_pass(files):
    result = run("check", f"{files / 'model.py'}:loss", "--args", "[[0.1, 0.2, 0.3], [[1, 2, 3], [4, 5, 6]]]")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "with respect to x (shape (3,), float64), W (shape (2, 3), float64)" in result.stdout
    assert result.stdout.rstrip().endswith("ok: 6 comparisons agree")


def test_check_random_arguments_from_shapes_and_from_the_signature(files):
    by_shapes = run("check", "model.py:loss", "--args", "3,2x3", "--seed", "4", cwd=files)
    assert by_shapes.returncode == 0, by_shapes.stdout + by_shapes.stderr
    assert "random (seed 4)" in by_shapes.stdout
    by_names = run("check", "model.py:loss", "--args", "random", "--shape", "x=3", "--shape", "W=2x3",
                   "--wrt", "W", cwd=files)
    assert by_names.returncode == 0, by_names.stdout + by_names.stderr
    assert "with respect to W (shape (2, 3), float64)" in by_names.stdout
    scalar = run("check", "model.py:scalar", "--args", "random", cwd=files)   # b keeps its default
    assert scalar.returncode == 0 and "a (float)" in scalar.stdout


def test_check_falls_back_to_the_tape_and_says_so(files):
    result = run("check", "model.py:branchy", "--args", "3", cwd=files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not applicable" in result.stdout and "with block" in result.stdout


def test_check_wrong_rule_fails_with_exit_1(files):
    result = run("check", f"{files / 'wrong_rule.py'}:loss", "--args", "[[-1.0, 0.5, 2.0]]")
    assert result.returncode == 1
    assert re.search(r"source vs fd .* FAIL", result.stdout)
    assert "FAILED" in result.stdout


def test_check_nan_is_a_failure(files):
    result = run("check", "model.py:positive", "--args", "[[-1.0, 2.0]]", cwd=files)
    assert result.returncode == 1
    assert "nan" in result.stdout
    ranged = run("check", "model.py:positive", "--args", "3", "--range", "0.5,2", cwd=files)
    assert ranged.returncode == 0, ranged.stdout


# ---------------------------------------------------------------- rules


def test_rules_lists_the_table_with_counts():
    result = run("rules")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^  np\.sin +sin +sourcegrad\.rules\.numpy$", out, re.M)
    assert "Non-differentiable primitives" in out and re.search(r"^  np\.floor$", out, re.M)
    last = out.strip().splitlines()[-1]
    counts = re.match(r"(\d+) differentiable primitives \((\d+) rule functions\), (\d+) non-differentiable", last)
    assert counts, last
    # a fresh process has the built-in rules only (this one may hold rules other tests registered)
    builtin = [p for p, rule in VJP_RULES.items() if rule.fn.__module__.startswith("sourcegrad.")]
    assert int(counts.group(1)) == len(builtin)
    listed = out.split("Non-differentiable")[0].strip().splitlines()[2:]
    assert len(listed) == len(builtin)
    assert int(counts.group(3)) == len(NONDIFFERENTIABLE)


def test_rules_can_load_user_rules(files):
    result = run("rules", "--load", files / "wrong_rule.py")
    assert result.returncode == 0, result.stderr
    assert re.search(r"softplus +softplus_vjp", result.stdout)


# ---------------------------------------------------------------- errors: exit code 2, stderr, no traceback


@pytest.mark.parametrize("args, message", [
    (["show", "missing.py:f"], "no such file: missing.py"),
    (["show", "model.py:nope"], "model.py has no function 'nope'; it defines: Energy, branchy, loss, positive, scalar"),
    (["show", "model.py:NOT_A_FUNCTION"], "is a int, not a function"),
    (["show", "model.py"], "expected FILE.py:FUNC"),
    (["show", "broken.py:f"], "importing broken.py failed: ZeroDivisionError: division by zero (broken.py:3)"),
    (["check", "model.py:loss", "--args", "3,2y3"], "'2y3' is not a shape"),
    (["check", "model.py:loss", "--args", "[1.0,"], "is not a Python literal list"),
    (["check", "model.py:loss", "--args", "[[1, 2], [[1], [2, 3]]]"], "not a number or a rectangular list"),
    (["check", "model.py:loss", "--args", "3,2x4"], "checking loss failed: ValueError: matmul"),
    (["check", "model.py:loss", "--args", "random", "--shape", "z=3"], "--shape names z"),
    (["check", "model.py:loss", "--args", "3,2x3", "--modes", "forward"], "--modes"),
    (["check", "model.py:loss"], "the following arguments are required: --args"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["show", "model.py:loss", "--wrt", "z"], "wrt='z' is not a parameter of loss"),
    (["check", "model.py:loss", "--args", "3,2x3", "--range", "1,-1"], "LOW must be below HIGH"),
])
def test_user_errors_exit_2_with_a_message(files, args, message):
    result = run(*args, cwd=files)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_files_folder_is_importable(files):
    result = run("check", f"{files / 'helper_user.py'}:imported_loss", "--args", "3,2x3")
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_for_every_command():
    top = run("--help")
    assert top.returncode == 0 and "exit codes:" in top.stdout
    for command in ("show", "check", "export", "rules"):
        result = run(command, "--help")
        assert result.returncode == 0, result.stderr
        assert f"usage: sourcegrad {command}" in result.stdout
    check = run("check", "--help").stdout
    assert "ast.literal_eval" in check and "--shape NAME=SHAPE" in check and "default_rng" in check


def test_no_command_prints_help_and_exits_2():
    result = run()
    assert result.returncode == 2 and "usage: sourcegrad" in result.stderr


# ---------------------------------------------------------------- in process


def test_main_returns_exit_codes_in_process(files, capsys):
    assert cli.main(["show", f"{files / 'model.py'}:scalar", "--wrt", "a,b"]) == 0
    assert capsys.readouterr().out.startswith("def dscalar_da_b(")
    assert cli.main(["show", f"{files / 'nothere.py'}:f"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0
    assert str(files) not in sys.path      # the file's folder is on sys.path only while the command runs


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_show_highlights_on_a_terminal(files, monkeypatch):
    pytest.importorskip("pygments")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert cli.main(["show", f"{files / 'model.py'}:loss"]) == 0
    assert "\x1b[" in terminal.getvalue()


def test_console_script(files):
    script = os.path.join(os.path.dirname(sys.executable), "sourcegrad")
    if not os.path.exists(script):
        pytest.skip("the sourcegrad console script is not installed next to this Python")
    result = subprocess.run([script, "check", f"{files / 'model.py'}:scalar", "--args", "[1.5]"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: " in result.stdout
