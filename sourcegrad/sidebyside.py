"""One self-contained HTML page: a function beside its generated adjoint, each adjoint line linked to the
lines of the function it comes from (``sg.show(f, html="out.html")``, ``python -m sourcegrad show --html``).

How lines are linked. ``normalize`` keeps, on every statement of the straight-line program, the node of the
user's code it was made from (``ir.Assign.node``: its line in the function); a branch condition computed
before an ``if``/``while`` belongs to that statement's line. From that, each name the primal assigns has
the lines that assign it. A line of generated code is then linked to:

- in the primal, the lines of the names it assigns (``r = t0 - b`` and ``t0 = A @ w`` come from ``r = A @ w - b``);
- in the adjoint, the lines of the primal values whose adjoints it reads: the adjoint of ``v = op(u)`` reads
  ``bv`` and adds to ``bu``, so ``bw = X.T @ bt0`` comes from the line that computed ``t0``; where it reads
  no adjoint (the output's seed folded in), the line of the value whose adjoint it assigns;
- a ``return`` to the function's ``return`` lines; a branch or loop header to the lines of the names it tests;
- an adjoint statement of a branch that reads no adjoint (the output's seed folded in: ``bx += 3.0 * (x * x)``)
  to the lines of the primal branch it undoes.

Lines of helpers inlined from other functions, bookkeeping (``trips += 1``, ``saved.append(...)``) and
``del`` are not linked: no link is shown rather than a wrong one.
"""

import ast
import inspect

from .display import escape, shown_path
from .errors import TransformError

_STYLE = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.3em; margin: 0 0 .3em 0; }
.meta { margin: .2em 0; }
.reason { color: #9a6700; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; margin-top: 1em; }
.column h2 { font-size: 1em; margin: 0 0 .4em 0; }
.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px;
        border: 1px solid #d0d7de; border-radius: 6px; padding: .4em 0; background: #f6f8fa; overflow-x: auto; }
.line { white-space: pre; padding: 0 .6em; }
.line[data-links] { cursor: pointer; }
.line[data-links]:hover { background: #eef3fb; }
.line.hl { background: #fff3b0; }
.line.pinned { background: #ffd966; }
.no { display: inline-block; width: 3.2em; color: #8c959f; user-select: none; }
.help { color: #57606a; font-size: .9em; }
"""

_SCRIPT = """
(function () {
  var pinned = null;
  function linked(el) {
    var ids = (el.getAttribute('data-links') || '').split(' ').filter(Boolean);
    return [el].concat(ids.map(function (id) { return document.getElementById(id); }).filter(Boolean));
  }
  function mark(el, cls, on) { linked(el).forEach(function (x) { x.classList.toggle(cls, on); }); }
  document.querySelectorAll('.line[data-links]').forEach(function (el) {
    el.addEventListener('mouseenter', function () { mark(el, 'hl', true); });
    el.addEventListener('mouseleave', function () { mark(el, 'hl', false); });
    el.addEventListener('click', function () {
      if (pinned) { mark(pinned, 'pinned', false); }
      pinned = (pinned === el) ? null : el;
      if (pinned) { mark(pinned, 'pinned', true); }
    });
  });
})();
"""


def write_page(func, path, wrt=0, mode="source"):
    """Write the side-by-side page of ``func``'s gradient to ``path``; return ``path``.

    ``mode="source"`` raises ``TransformError`` when source mode cannot transform ``func``; ``mode="auto"``
    writes the page anyway, with the function alone and the reason it uses the tape."""
    page = page_html(func, wrt=wrt, mode=mode)
    with open(path, "w", encoding="utf-8") as out:
        out.write(page)
    return path


def page_html(func, wrt=0, mode="source"):
    """The side-by-side page of ``func``'s gradient, as text (see ``write_page``)."""
    from . import __version__
    from .api import GradientFunction, function_and_wrt

    if mode not in ("source", "auto"):
        raise ValueError(f"the side-by-side page shows generated code: mode must be 'source' or 'auto', not {mode!r}")
    gradient = GradientFunction(*function_and_wrt(func, wrt), mode=mode)
    used = gradient.mode                       # raises TransformError in source mode
    function = gradient._source_function()
    user_lines, first, filename = _user_source(function)
    generated = gradient.source if used == "source" else None
    links = line_links(function, gradient.wrt, generated) if generated is not None else {}

    title = f"gradient of {gradient.__qualname__} with respect to {', '.join(gradient.wrt)}"
    head = [f"<h1>{escape(title)}</h1>",
            f'<div class="meta">mode: <b id="mode">{escape(used)}</b> (requested: {escape(mode)}); '
            f"source: {escape(shown_path(filename))}, line {first}; sourcegrad {escape(__version__)}</div>"]
    if gradient.fallback_reason:
        head.append(f'<div class="meta reason" id="fallback-reason">fallback reason: '
                    f"{escape(gradient.fallback_reason)}</div>")
    if generated is not None:
        head.append('<div class="help">Hover over a line to see where it comes from or what it became; click to '
                    "pin it.</div>")

    backward = {}
    for g_line, u_lines in links.items():
        for u in u_lines:
            backward.setdefault(u, []).append(g_line)
    user_column = _column("your function", "user", user_lines, first,
                          {n: [f"g{g}" for g in sorted(gs)] for n, gs in backward.items()})
    if generated is not None:
        adjoint_column = _column("its adjoint (generated)", "gen", generated.splitlines(), 1,
                                 {n: [f"u{u}" for u in sorted(us)] for n, us in links.items()}, prefix="g")
    else:
        adjoint_column = ('<div class="column"><h2>no generated code</h2><p>This function uses the tape: '
                          "operations are recorded as they run and replayed backwards, so there is no adjoint "
                          "source to show.</p></div>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        *head, '<div class="columns">', user_column, adjoint_column, "</div>",
        f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""])


def _user_source(function):
    try:
        lines, first = inspect.getsourcelines(function)
        filename = inspect.getsourcefile(function) or inspect.getfile(function)
    except (OSError, TypeError) as exc:
        raise TransformError(f"cannot show the source of {function!r}: {exc}") from None
    return [line.rstrip("\n") for line in lines], first, filename


def _column(title, kind, lines, first, links, prefix="u"):
    from .display import highlight_line

    rows = [f'<div class="column"><h2>{escape(title)}</h2><div class="code" id="{kind}">']
    for i, text in enumerate(lines):
        number = first + i
        target = links.get(number)
        attrs = f' id="{prefix}{number}"'
        if target:
            attrs += f' data-links="{" ".join(target)}"'
        rows.append(f'<div class="line"{attrs}><span class="no">{number}</span>{highlight_line(text)}</div>')
    rows.append("</div></div>")
    return "\n".join(rows)


# ---------------------------------------------------------------- which user line each generated line comes from


def primal_lines(function, wrt):
    """``(name -> set of file lines, statement text -> set of file lines, return lines)``: the lines of ``function`` that each name of its
    straight-line program comes from (see the module's docstring), from ``normalize``'s nodes."""
    from .transforms.coalesce import coalesce_joins
    from .transforms.ir import Assign, If, Loop, Passive, assigned_names
    from .transforms.normalize import normalize

    program = coalesce_joins(normalize(function, tuple(wrt)))
    source = program.sources[0]
    mine = {id(node) for node in ast.walk(source.tree)}

    def line_of(node):
        if node is None or id(node) not in mine or not hasattr(node, "lineno"):
            return None
        return source.first_line + node.lineno - 1

    names, texts = {}, {}

    def visit(body):
        for i, stmt in enumerate(body):
            line = None
            if isinstance(stmt, (Assign, If, Loop)):
                line = line_of(stmt.node)
            elif isinstance(stmt, Passive) and i + 1 < len(body):
                following = body[i + 1]   # the condition computed for the branch after it
                if isinstance(following, If) and following.test in stmt.targets:
                    line = line_of(following.node)
            if line is not None:
                for name in assigned_names(stmt):
                    names.setdefault(name, set()).add(line)
                text = _statement_text(stmt)
                if text is not None:
                    texts.setdefault(text, set()).add(line)
            if isinstance(stmt, If):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, Loop):
                visit(stmt.body)

    visit(program.body)
    returns = {line_of(node) for node in ast.walk(source.tree) if isinstance(node, ast.Return)} - {None}
    return names, texts, returns


def _statement_text(stmt):
    """A primal statement as the generated code writes it when the optimiser left it alone."""
    from .transforms.ir import Assign, Passive

    try:
        if isinstance(stmt, Assign):
            return f"{stmt.target} = {ast.unparse(stmt.value)}"
        if isinstance(stmt, Passive):
            return ast.unparse(stmt.stmt)
    except Exception:  # noqa: BLE001  (a node ast.unparse cannot write: no text to match)
        return None
    return None


def line_links(function, wrt, generated):
    """Generated line number (1-based in ``generated``) -> set of the user's file lines it comes from."""
    names, texts, returns = primal_lines(function, wrt)
    tree = ast.parse(generated)
    params = {a.arg for a in tree.body[0].args.args}
    primal = set(names) | params

    def base(name):
        """The primal name whose adjoint ``name`` is, or None."""
        if name in primal or not name.startswith("b"):
            return None
        return name[1:] if name[1:] in primal else None

    links = {}
    for stmt in ast.walk(tree.body[0]):
        if not isinstance(stmt, ast.stmt) or stmt is tree.body[0]:
            continue
        found = set()
        if isinstance(stmt, ast.Return):
            found = set(returns)
        elif isinstance(stmt, (ast.Assign, ast.Expr)) and ast.unparse(stmt) in texts:
            found = set(texts[ast.unparse(stmt)])   # a primal statement as normalize wrote it
        else:
            targets, reads = _targets_and_reads(stmt)
            if isinstance(stmt, (ast.If, ast.While)):
                tested = {n for n in reads if n in names}
                for n in tested:
                    found |= names[n]
                adjoints = {base(n) for n in reads} - {None}
                for n in adjoints:
                    found |= names.get(n, set())
            else:
                for n in targets:
                    if n in names:
                        found |= names[n]
                read_adjoints = {base(n) for n in reads - targets} - {None}
                for n in read_adjoints:
                    found |= names.get(n, set())
                if not read_adjoints:
                    for n in targets:
                        b = base(n)
                        if b is not None:
                            found |= names.get(b, set())
        if found:
            links[stmt.lineno] = found
    _link_branch_adjoints(tree.body[0].body, links, base)
    return links


def _link_branch_adjoints(body, links, base):
    """Link the adjoint statements of a branch that read no adjoint (the output's seed was folded into them:
    ``bx += 3.0 * (x * x)``) to the lines of the primal branch they undo: the first ``if`` on a condition is
    the primal's, a later one on the same condition the adjoint's."""
    primal = {}   # condition name -> (lines of the primal body, lines of the primal orelse)

    def direct_lines(stmts):
        return set().union(*(links.get(s.lineno, set()) for s in stmts if not isinstance(s, (ast.If, ast.Delete))))

    def visit(stmts):
        for stmt in stmts:
            if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Name):
                name = stmt.test.id
                if name not in primal:
                    primal[name] = (direct_lines(stmt.body), direct_lines(stmt.orelse))
                else:
                    for branch, lines in zip((stmt.body, stmt.orelse), primal[name]):
                        for s in branch:
                            targets, _ = _targets_and_reads(s)
                            if lines and s.lineno not in links and any(base(t) for t in targets):
                                links[s.lineno] = set(lines)
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner and isinstance(stmt, (ast.If, ast.For, ast.While)):
                    visit(inner)

    visit(body)


def _targets_and_reads(stmt):
    """The names a simple statement (or a compound statement's header) assigns and reads."""
    if isinstance(stmt, (ast.If, ast.While)):
        parts, stores = [stmt.test], []
    elif isinstance(stmt, ast.For):
        parts, stores = [stmt.iter], [stmt.target]
    elif isinstance(stmt, ast.Assign):
        parts, stores = [stmt.value], stmt.targets
    elif isinstance(stmt, ast.AugAssign):
        parts, stores = [stmt.value, stmt.target], [stmt.target]
    elif isinstance(stmt, ast.AnnAssign):
        parts, stores = [stmt.value] if stmt.value else [], [stmt.target]
    elif isinstance(stmt, ast.Expr):
        parts, stores = [stmt.value], []
    else:
        return set(), set()
    targets = {n.id for s in stores for n in ast.walk(s) if isinstance(n, ast.Name)}
    reads = {n.id for p in parts for n in ast.walk(p) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return targets, reads
