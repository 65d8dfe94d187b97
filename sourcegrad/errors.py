"""The errors sourcegrad raises, and how they point at the user's code."""


class TransformError(Exception):
    """The source of a function could not be turned into a gradient.

    The message says what is unsupported, shows the offending line of the user's code with
    a caret under the column, and says how to go on (``mode="tape"``, ``sg.vjp_rule``...).
    ``filename``, ``lineno`` and ``col`` are also kept as attributes for programs.
    """

    def __init__(self, message, filename=None, lineno=None, col=None, line=None, hint=None):
        self.reason = message
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.line = line
        self.hint = hint
        super().__init__(self._render())

    def _render(self):
        parts = []
        if self.filename is not None and self.lineno is not None:
            where = f"{self.filename}:{self.lineno}"
            if self.col is not None:
                where += f":{self.col + 1}"
            parts.append(f"{where}: {self.reason}")
        else:
            parts.append(self.reason)
        if self.line is not None:
            text = self.line.rstrip("\n")
            stripped = text.lstrip()
            parts.append("    " + stripped)
            if self.col is not None:
                offset = self.col - (len(text) - len(stripped))
                parts.append("    " + " " * max(offset, 0) + "^")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


class UnsupportedError(TransformError):
    """A construct that source mode does not handle (yet): control flow, some syntax, a call
    without a derivative rule. ``mode="auto"`` falls back to the tape on this error."""


class OutputError(TransformError, ValueError):
    """The function's output is not what the transformation needs (``grad`` needs a scalar)."""


class GradientCheckError(AssertionError):
    """Two ways of computing a gradient disagree. ``report`` holds the full comparison."""

    def __init__(self, report):
        self.report = report
        super().__init__(str(report))


class DeclinedAtRunTime(UnsupportedError, NotImplementedError):
    """A case found only at run time that generated code or a derivative rule does not handle: ``y[i] = v``
    where ``y`` turns out to be a dict, not an array; ``np.einsum`` with an ellipsis. Raised before any
    result is returned; ``mode="auto"`` then uses the tape (where the same rule may refuse it too)."""
