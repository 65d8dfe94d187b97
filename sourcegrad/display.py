"""Rich displays for notebooks (Jupyter, IPython): a gradient function, a ``check_grad`` report, a Tensor.

IPython calls ``_repr_html_`` / ``_repr_markdown_`` / ``_repr_pretty_`` on the value of a cell; the classes
forward those to the functions here, which never raise (a display that fails would hide the value). The
generated source is highlighted with pygments when it is installed, shown as plain text otherwise.
"""

import html
import os

import numpy as np

_BOX = "font-family: monospace; font-size: 0.95em"


def shown_path(filename):
    """``filename`` relative to the current folder when it is inside it, else as it is."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative


def escape(text):
    """``text`` safe to put in HTML (quotes too)."""
    return html.escape(str(text), quote=True)


def highlight_html(code):
    """``code`` (Python source) as an HTML ``<pre>`` block: coloured with inline styles by pygments when it is
    installed (so the page needs no style sheet), escaped plain text otherwise."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f'<pre class="sourcegrad-source">{escape(code)}</pre>'
    formatter = HtmlFormatter(noclasses=True, nobackground=True, cssclass="sourcegrad-source")
    return highlight(code, PythonLexer(), formatter)


def highlight_line(code):
    """One line of Python as HTML: coloured spans (inline styles) with pygments, escaped text without."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return escape(code)
    return highlight(code, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=True)).rstrip("\n")


def gradient_summary(gradient):
    """``(title, mode, reason, source, problem)`` of a GradientFunction, read without raising: ``source`` is
    None when there is none (the tape), ``problem`` says why when computing it failed."""
    title = f"gradient of {gradient.__qualname__} with respect to {', '.join(gradient.wrt)}"
    mode = reason = source = problem = None
    try:
        mode = gradient.mode
        reason = gradient.fallback_reason
        if mode == "source":
            source = gradient.source
    except Exception as exc:  # noqa: BLE001  (a display shows the problem; it must not raise)
        problem = f"{type(exc).__name__}: {exc}"
    return title, mode, reason, source, problem


def gradient_html(gradient):
    """The HTML display of a GradientFunction: its mode, why it fell back, its generated source."""
    title, mode, reason, source, problem = gradient_summary(gradient)
    parts = [f'<div class="sourcegrad-gradient" style="{_BOX}">',
             f"<div><b>{escape(title)}</b></div>",
             f"<div>mode: <code>{escape(mode or 'unknown')}</code>"
             f" (requested: <code>{escape(gradient.requested_mode)}</code>)</div>"]
    if reason:
        parts.append(f'<div class="sourcegrad-reason">fallback reason: {escape(reason)}</div>')
    if problem:
        parts.append(f'<div class="sourcegrad-problem">{escape(problem)}</div>')
    if source is not None:
        parts.append(highlight_html(source))
    elif mode == "tape":
        parts.append("<div><i>the tape generates no source: operations are recorded as they run</i></div>")
    parts.append("</div>")
    return "\n".join(parts)


def gradient_markdown(gradient):
    """The Markdown display of a GradientFunction."""
    title, mode, reason, source, problem = gradient_summary(gradient)
    lines = [f"**{title}**", "", f"mode: `{mode or 'unknown'}` (requested: `{gradient.requested_mode}`)"]
    if reason:
        lines += ["", f"fallback reason: {reason}"]
    if problem:
        lines += ["", problem]
    if source is not None:
        lines += ["", "```python", source.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def gradient_text(gradient):
    """The plain-text display (IPython's pretty printer, a terminal): the summary and the source."""
    title, mode, reason, source, problem = gradient_summary(gradient)
    lines = [f"<sourcegrad {title}: mode {mode or 'unknown'}>"]
    if reason:
        lines.append(f"fallback reason: {reason}")
    if problem:
        lines.append(problem)
    if source is not None:
        lines.append(source.rstrip("\n"))
    return "\n".join(lines)


# ---------------------------------------------------------------- check_grad report


def _number(value):
    return "-" if value is None else f"{value:.3g}"


def report_html(report):
    """The HTML display of a GradCheckReport: the outcome on top, one table row per comparison."""
    ok = report.ok
    colour = "#1a7f37" if ok else "#cf222e"
    verdict = "ok: every comparison agrees" if ok else f"FAILED: {len(report.failures)} of {len(report.results)} " \
                                                       "checks disagree or could not run"
    args = ", ".join(f"{n} {report.shapes[n]}" for n in report.arguments)
    t = report.tolerances
    parts = [f'<div class="sourcegrad-check" style="{_BOX}">',
             f"<div><b>check_grad({escape(report.function)})</b> with respect to {escape(args)}</div>",
             f'<div style="color: {colour}"><b>{escape(verdict)}</b></div>',
             f"<div>value: {escape(f'{report.value:.10g}')}; tolerances vs fd: rtol={t['rtol']:g} "
             f"atol={t['atol']:g}; source vs tape: rtol={t['mode_rtol']:g} atol={t['mode_atol']:g}</div>",
             "<ul>"]
    parts += [f"<li>{escape(mode)}: {escape(status)}</li>" for mode, status in report.modes.items()]
    parts.append("</ul>")
    parts.append('<table class="sourcegrad-check-table"><thead><tr><th>argument</th><th>compared</th>'
                 "<th>max abs err</th><th>max rel err</th><th>worst at</th><th>result</th><th>note</th>"
                 "</tr></thead><tbody>")
    for r in report.results:
        where = "-" if r.worst_index is None else ("scalar" if r.worst_index == () else str(list(r.worst_index)))
        status = "ok" if r.ok else "FAIL"
        style = "" if r.ok else ' style="color: #cf222e"'
        parts.append(f"<tr{style}><td>{escape(r.argument or r.kind)}</td><td>{escape(r.label)}</td>"
                     f"<td>{_number(r.max_abs_err)}</td><td>{_number(r.max_rel_err)}</td><td>{escape(where)}</td>"
                     f"<td>{status}</td><td>{escape(r.note or '')}</td></tr>")
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


def report_markdown(report):
    """The Markdown display of a GradCheckReport: a table."""
    verdict = "**ok**" if report.ok else f"**FAILED** ({len(report.failures)} of {len(report.results)})"
    lines = [f"check_grad(`{report.function}`): {verdict}", "",
             "| argument | compared | max abs err | max rel err | result | note |",
             "|---|---|---|---|---|---|"]
    for r in report.results:
        note = (r.note or "").replace("|", "\\|")
        lines.append(f"| {r.argument or r.kind} | {r.label} | {_number(r.max_abs_err)} | {_number(r.max_rel_err)} "
                     f"| {'ok' if r.ok else 'FAIL'} | {note} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Tensor


def tensor_html(tensor):
    """The HTML display of a tape Tensor: its value, shape and dtype, whether it requires grad, how it was
    made (``grad_fn``) and its ``.grad`` (``Tensor._repr_html_``)."""
    value = tensor.value
    rows = [("shape", str(np.shape(value))), ("dtype", str(np.asarray(value).dtype)),
            ("requires_grad", str(tensor.requires_grad))]
    grad_fn = getattr(tensor, "grad_fn", None)
    if grad_fn is not None:
        rows.append(("grad_fn", str(grad_fn)))
    body = "".join(f"<tr><th style='text-align: left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    grad = "" if tensor.grad is None else f"<div>grad:</div><pre>{escape(np.array2string(np.asarray(tensor.grad)))}</pre>"
    return (f'<div class="sourcegrad-tensor" style="{_BOX}"><b>Tensor</b><table>{body}</table>'
            f"<pre>{escape(np.array2string(np.asarray(value)))}</pre>{grad}</div>")


def tensor_markdown(tensor):
    """The Markdown display of a tape Tensor (``Tensor._repr_markdown_``)."""
    grad = "" if tensor.grad is None else f"\n\ngrad:\n```\n{np.array2string(np.asarray(tensor.grad))}\n```"
    return (f"**Tensor** shape `{np.shape(tensor.value)}`, dtype `{np.asarray(tensor.value).dtype}`, "
            f"requires_grad `{tensor.requires_grad}`\n```\n{np.array2string(np.asarray(tensor.value))}\n```{grad}\n")
