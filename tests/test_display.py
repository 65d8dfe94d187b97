"""Notebook displays: a gradient function, a check_grad report and a Tensor show their content as HTML,
Markdown and IPython's pretty text (called directly, and through IPython.display when IPython is installed)."""

import html.parser
import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad import display


def least_squares(w, A, b):
    r = A @ w - b
    return np.sum(r ** 2) / 2


def guarded(x):
    try:
        return x * 2.0
    except ValueError:
        return x


class _Text(html.parser.HTMLParser):
    """The text of an HTML fragment, and whether its tags balance."""

    def __init__(self):
        super().__init__()
        self.text, self.stack, self.balanced = [], [], True

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "meta"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data):
        self.text.append(data)


def text_of(fragment):
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    assert parser.balanced and not parser.stack, fragment
    return "".join(parser.text)


def test_gradient_function_html_shows_mode_and_the_generated_source():
    g = sg.grad(least_squares)
    page = g._repr_html_()
    text = text_of(page)
    assert "gradient of least_squares with respect to w" in text
    assert "mode: source" in text
    assert g.source in text                # every generated line, highlighted but whole
    try:
        import pygments  # noqa: F401
    except ImportError:
        assert '<pre class="sourcegrad-source">' in page
    else:
        assert "<span" in page             # coloured by pygments


def test_gradient_function_html_without_pygments_is_escaped_plain_text(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pygments(name, *args, **kwargs):
        if name.startswith("pygments"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pygments)
    page = sg.grad(least_squares)._repr_html_()
    assert "<span" not in page
    assert '<pre class="sourcegrad-source">' in page and "bw = " in text_of(page)


def test_tape_fallback_shows_the_reason_once_and_no_source():
    g = sg.grad(guarded)
    text = text_of(g._repr_html_())
    assert "mode: tape" in text
    assert "fallback reason: try block at line" in text
    assert g.fallback_reason.count("line") == 1      # the line is not repeated
    assert "generates no source" in text or "the tape generates no source" in text
    markdown = g._repr_markdown_()
    assert "mode: `tape`" in markdown and "```python" not in markdown


def test_markdown_and_pretty_text():
    g = sg.grad(least_squares)
    markdown = g._repr_markdown_()
    assert markdown.startswith("**gradient of least_squares with respect to w**")
    assert f"```python\n{g.source}```" in markdown

    class Printer:
        def __init__(self):
            self.out = []

        def text(self, t):
            self.out.append(t)

    printer = Printer()
    g._repr_pretty_(printer, False)
    assert printer.out[0].startswith("<sourcegrad gradient of least_squares with respect to w: mode source>")
    assert g.source.rstrip("\n") in printer.out[0]
    printer = Printer()
    g._repr_pretty_(printer, True)
    assert printer.out == [repr(g)]


def test_a_display_never_raises_it_shows_the_problem():
    g = sg.grad(guarded, mode="source")      # source mode cannot transform it: .mode raises
    with pytest.raises(sg.TransformError):
        g.mode
    text = text_of(g._repr_html_())
    assert "gradient of guarded" in text and "UnsupportedError: " in text and "try block" in text


def test_check_grad_report_html_is_a_table_of_every_comparison():
    x = np.array([0.3, -1.2])
    report = sg.check_grad(lambda v: np.sum(np.sin(v) ** 2), x)
    page = report._repr_html_()
    text = text_of(page)
    assert "ok: every comparison agrees" in text
    rows = page.count("<tr")
    assert rows == 1 + len(report.results)
    for r in report.results:
        assert r.label in text
    markdown = report._repr_markdown_()
    assert markdown.count("\n| ") == 1 + len(report.results)


def test_check_grad_report_html_shows_a_failure():
    from sourcegrad.check import GradCheckReport, _compare

    bad = _compare("x", ("source", "fd"), np.array([1.0, 2.0]), np.array([1.0, 2.5]), 1e-5, 1e-6)
    good = _compare("x", ("tape", "fd"), np.array([1.0, 2.5]), np.array([1.0, 2.5]), 1e-5, 1e-6)
    report = GradCheckReport("f", ["x"], {"x": "(2,)"}, 1.0, {"source": "ok", "tape": "ok"}, {}, [bad, good],
                             {"rtol": 1e-5, "atol": 1e-6, "mode_rtol": 1e-7, "mode_atol": 1e-9}, 5)
    page = report._repr_html_()
    text = text_of(page)
    assert "FAILED: 1 of 2 checks" in text
    assert "source vs fd" in text and "1 of 2 elements outside tolerance" in text and "[1]" in text
    assert page.count('style="color: #cf222e"') == 2       # the verdict and the failing row
    assert "| FAIL |" in report._repr_markdown_()


def test_tensor_html_and_markdown():
    t = sg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (t * t).sum()
    y.backward()
    text = text_of(display.tensor_html(t))
    assert "requires_grad" in text and "True" in text and "(2,)" in text and "float64" in text
    assert "grad:" in text and "[2. 4.]" in text
    assert "grad_fn" in text_of(display.tensor_html(y))
    markdown = display.tensor_markdown(t)
    assert "requires_grad `True`" in markdown and "[2. 4.]" in markdown
    assert t._repr_html_() == display.tensor_html(t) and t._repr_markdown_() == markdown   # what notebooks call


def test_through_ipython_display_when_installed():
    pytest.importorskip("IPython")
    from IPython.core.formatters import DisplayFormatter

    g = sg.grad(least_squares)
    data, _ = DisplayFormatter().format(g)
    assert "text/html" in data and "text/markdown" in data
    assert "mode: source" in text_of(data["text/html"])
    assert "mode source" in data["text/plain"]
    report = sg.check_grad(least_squares, np.zeros(2), np.eye(2), np.ones(2))
    data, _ = DisplayFormatter().format(report)
    assert "<table" in data["text/html"]
