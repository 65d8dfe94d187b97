"""The side-by-side page (sg.show(f, html=...)): checked with an HTML parser. Every generated line is on the
page, and the links between the function's lines and the adjoint's lines are the ones the transformation
made (both ways), so hovering one highlights the other."""

import html.parser
import inspect

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.sidebyside import line_links
from tests.cases.control_flow import if_elif_else as branches


def least_squares(w, A, b):
    r = A @ w - b
    return np.sum(r ** 2) / 2


def guarded(x):
    try:
        return x * 2.0
    except ValueError:
        return x


class Page(html.parser.HTMLParser):
    """Each line element of the page: id -> (text, data-links), and the elements with an id."""

    def __init__(self):
        super().__init__()
        self.lines, self.ids, self._open, self._depth = {}, {}, None, 0
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if "id" in attrs:
            self.ids[attrs["id"]] = attrs
        if self._open is not None:
            self._depth += 1
        elif "line" in (attrs.get("class") or "").split():
            self._open, self._depth = attrs["id"], 0
            self.lines[self._open] = ["", (attrs.get("data-links") or "").split()]

    def handle_endtag(self, tag):
        if self._open is not None:
            if self._depth == 0:
                self._open = None
            else:
                self._depth -= 1

    def handle_data(self, data):
        if self._open is not None:
            self.lines[self._open][0] += data

    def code(self, prefix):
        """The code lines of one column, without their numbers."""
        out = []
        for key, (text, _) in self.lines.items():
            if key.startswith(prefix):
                number = key[len(prefix):]
                assert text.startswith(number)
                out.append(text[len(number):])
        return out


def parse(page):
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def user_line(func, text):
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, line in enumerate(lines) if line.strip() == text)


def gen_line(source, text):
    return 1 + next(i for i, line in enumerate(source.splitlines()) if line.strip() == text)


def test_the_page_holds_the_function_and_its_adjoint_linked_both_ways(tmp_path):
    out = tmp_path / "out.html"
    assert sg.show(least_squares, html=str(out)) == str(out)
    page = parse(out.read_text())
    source = sg.grad(least_squares).source
    assert page.code("g") == source.splitlines()
    assert page.code("u") == [line.rstrip("\n") for line in inspect.getsourcelines(least_squares)[0]]
    assert page.ids["mode"] is not None and page.scripts == 1
    r_line = user_line(least_squares, "r = A @ w - b")
    ret_line = user_line(least_squares, "return np.sum(r ** 2) / 2")
    # the primal of r = A @ w - b, and the adjoint statements its rule wrote (they read br and bt0)
    expected_r = {gen_line(source, s) for s in ("t0 = A @ w", "r = t0 - b", "bt0 = unbroadcast(br, t0)",
                                                 "bw = grad_matmul_rhs(bt0, A, w)")}
    assert {int(g[1:]) for g in page.lines[f"u{r_line}"][1]} == expected_r
    for g in expected_r:
        assert page.lines[f"g{g}"][1] == [f"u{r_line}"]
    # the adjoint of r ** 2 comes from the return line; del lines link nowhere
    assert page.lines[f"g{gen_line(source, 'br = bt1 * 2 * r')}"][1] == [f"u{ret_line}"]
    assert page.lines[f"g{gen_line(source, 'del t1')}"][1] == []
    # every link points at an element on the page, and links are symmetric
    for key, (_, targets) in page.lines.items():
        for target in targets:
            assert key in page.lines[target][1]


def test_branches_link_each_branch_to_its_own_line():
    source = sg.grad(branches).source
    links = line_links(branches, ("x",), source)
    assert links[gen_line(source, "y = x ** 3")] == {user_line(branches, "y = x ** 3")}
    assert links[gen_line(source, "y = -2.0 * x")] == {user_line(branches, "y = -2.0 * x")}
    assert links[gen_line(source, "cond = x > 1.0")] == {user_line(branches, "if x > 1.0:")}
    assert links[gen_line(source, "cond_1 = x > -1.0")] == {user_line(branches, "elif x > -1.0:")}
    # the adjoint branches, whose seed was folded in (they read no adjoint), link to the branch they undo
    assert links[gen_line(source, "bx += 3.0 * (x * x)")] == {user_line(branches, "y = x ** 3")}
    assert links[gen_line(source, "bx -= 2.0")] == {user_line(branches, "y = -2.0 * x")}
    assert links[gen_line(source, "bx += x * np.cos(x)")] == {user_line(branches, "y = np.sin(x) * x")}
    assert gen_line(source, "bx = 1.0") not in links


def test_auto_mode_page_of_a_tape_function_says_why(tmp_path):
    page_text = sg.show(guarded, html=str(tmp_path / "g.html"), mode="auto")
    text = (tmp_path / "g.html").read_text()
    page = parse(text)
    assert page.code("g") == []
    assert "fallback reason: try block at line" in text
    assert page.code("u")[0] == "def guarded(x):"
    assert page_text == str(tmp_path / "g.html")


def test_source_mode_page_of_a_tape_function_raises():
    with pytest.raises(sg.TransformError, match="try block"):
        sg.show(guarded, html="never-written.html")


def test_the_page_is_self_contained(tmp_path):
    sg.show(least_squares, html=str(tmp_path / "p.html"))
    text = (tmp_path / "p.html").read_text()
    assert "<link" not in text and "src=" not in text and "http" not in text
