"""The oracle: one program, every mode, finite differences.

A program passes when

* source mode, the tape and auto mode each give the value of ``f`` and a gradient that agrees with
  finite differences (and with each other), of the argument's type, shape and dtype; or
* source mode declines with a ``sourcegrad.TransformError`` that gives a reason (not a
  ``ValueError``), and the tape and auto mode (which must then say it used the tape, and why) agree
  with finite differences.

Anything else is a failure: an exception of any other type in any mode, a decline without a reason,
a wrong value, a wrong gradient -- with one recorded exception, status 'refused': source mode answered
right or declined, and the tape (so, after a decline, auto mode) refused the program with one of its own
named errors (``InPlaceError``,
``GradientLostError``, ``NoRuleError``...: writes into views or arguments it cannot follow). No engine
answers, but none answers wrongly; the tally counts them, and they are the tape's open gap (issue 10).

Programs whose inputs come closer than ``KINK_MARGIN`` to a kink, or whose plain run overflows, are
*discarded* (not judged). Where only finite differences disagree, estimates with smaller steps decide
(large high-order derivatives, or the sine of a huge value, make the standard step's error too big).
"""

import importlib.util
import itertools
import sys

import numpy as np

import sourcegrad as sg
from sourcegrad.check import _compare

from .generator import HELPER_MODULE_TOKEN, KINK_MARGIN

_counter = itertools.count()


class Outcome:
    """What the oracle found: ``status`` is 'ok', 'declined' (source mode declined, the tape and auto
    mode agree), 'discarded' (too close to a kink) or 'fail'; ``problems`` lists
    ``(mode, kind, detail)`` for a failure."""

    def __init__(self, program, status, problems=(), report=None, reason=None, text=None):
        self.program = program
        self.status = status
        self.problems = list(problems)
        self.report = report
        self.reason = reason        # source mode's reason for declining
        self.text = text            # the module's source as loaded

    @property
    def kinds(self):
        """Short labels of the problems, for grouping failures: 'source: wrong gradient'..."""
        return sorted({f"{mode}: {kind}" for mode, kind, _ in self.problems})

    def describe(self):
        lines = [f"{mode}: {kind}: {detail}" for mode, kind, detail in self.problems]
        args = "\n".join(f"{name} = {arg!r}" for (name, _, _), arg in zip(self.program.params, self.program.inputs()))
        lines += ["", "program:", repr(self.program), "", "arguments:", args]
        if self.report is not None:
            lines += ["", str(self.report)]
        return "\n".join(lines)


# The tape's own refusals: named errors that say what it cannot follow (never a wrong number).
TAPE_REFUSALS = ("InPlaceError", "InPlaceMethodError", "GradientLostError", "PlainArrayWriteError", "NoRuleError",
                 "RuleBypassError")


def load_program(program, folder):
    """Write the program (and its helper module) to fresh files in ``folder`` and import them."""
    k = next(_counter)
    helper_name = f"sg_diff_helpers_{k}"
    if program.helper_module:
        _import(program.helper_module, folder, helper_name)
    return _import(program.source(helper_name), folder, f"sg_diff_program_{k}")


def unload(module):
    """Forget a loaded program and its helper module (the long runner loads thousands)."""
    for name in (module.__name__, module.__name__.replace("program", "helpers")):
        sys.modules.pop(name, None)


def _import(text, folder, name):
    path = folder / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _min_margin(values):
    smallest = np.inf
    for value in values:
        value = np.asarray(value, dtype=float)
        if value.size:
            smallest = min(smallest, float(np.min(np.abs(value))))
    return smallest


def _fd_was_inaccurate(report, f, args, program):
    """A second opinion when only finite differences disagree and the engines agree closely:
    a program whose high derivatives are large (products of sines...) has a truncation error
    (h^2 / 6 times the third derivative) above the tolerance, and one that takes the sine of a large
    value (sin(1e8 * x)) changes by whole periods over the usual step. Then central differences with
    a step 16, 256, 4096 ... 2^24 times smaller must match instead, element by element (below 4096, only
    at a step whose rounding noise stays within the tolerance, so that noise cannot make them agree)."""
    if not report.failures or any(r.kind != "gradient" or r.pair[1] != "fd" for r in report.failures):
        return False
    engines = [m for m in ("source", "tape") if m in report.gradients]
    if not engines:
        return False
    positions = [name for name, _, _ in program.params]
    for k, name in enumerate(report.arguments):
        index = positions.index(name)
        exact = np.asarray(report.gradients[engines[0]][k], dtype=float)
        x = np.array(args[index], dtype=float)
        for element in np.ndindex(x.shape):
            if not any(_central_difference_matches(f, args, index, x, element, exact[element], report, shrink)
                       for shrink in (16, 256, 4096, 2 ** 16, 2 ** 20, 2 ** 24)):
                return False
    return True


def _central_difference_matches(f, args, index, x, element, exact, report, shrink):
    """Whether central differences with the usual step divided by ``shrink`` give ``exact`` for
    ``element`` of argument ``index`` (within the report's tolerances plus the rounding noise)."""
    h = np.finfo(float).eps ** (1 / 3) / shrink * max(1.0, abs(x[element]))
    values = []
    for sign in (1, -1):
        moved = x.copy()
        moved[element] += sign * h
        call = [np.array(a, dtype=float) if isinstance(a, np.ndarray) else a for a in args]
        call[index] = moved if isinstance(args[index], np.ndarray) else float(moved)
        values.append(float(f(*call)))
    estimate = (values[0] - values[1]) / (2 * h)
    noise = 100 * np.finfo(float).eps * max(map(abs, values)) / (2 * h)
    tol = report.tolerances["atol"] + report.tolerances["rtol"] * max(abs(estimate), abs(exact))
    if shrink > 4096 and noise > tol:  # so small a step that rounding alone could make them agree
        return False
    return abs(estimate - exact) <= tol + noise


def _first_line(text):
    text = str(text)
    return text.splitlines()[0] if text else ""


def _type_problems(mode, grads, program, wrt):
    """Gradients have the type, shape and dtype of their argument."""
    problems = []
    params = {name: (shape, k) for k, (name, shape, _) in enumerate(program.params)}
    for name, grad in zip(wrt, grads):
        shape, k = params[name]
        if shape == ():
            if type(grad) is not float:
                problems.append((mode, "gradient type", f"{name} is a float, its gradient a {type(grad).__name__}"))
        elif not isinstance(grad, np.ndarray) or grad.shape != shape or grad.dtype != np.dtype(program.dtype):
            what = f"{type(grad).__name__} {getattr(grad, 'shape', '')} {getattr(grad, 'dtype', '')}"
            problems.append((mode, "gradient type", f"{name} is {program.dtype} {shape}, its gradient {what}"))
    return problems


def judge(program, folder):
    """Run the oracle on ``program`` (files written to ``folder``). Returns an Outcome."""
    try:
        module = load_program(program, folder)
    except Exception as exc:  # noqa: BLE001  (a generator bug: the program does not even import)
        return Outcome(program, "fail", [("generator", "invalid program", f"{type(exc).__name__}: {exc}")])
    try:
        return _judge(program, module)
    finally:
        unload(module)


def _judge(program, module):
    text = program.source()
    args = program.inputs()
    try:
        with np.errstate(all="ignore"):
            margin = _min_margin(module.margins(*_copies(args)))
    except Exception as exc:  # noqa: BLE001
        return Outcome(program, "fail", [("generator", "invalid program", f"margins: {type(exc).__name__}: {exc}")],
                       text=text)
    if not margin > KINK_MARGIN:
        return Outcome(program, "discarded", text=text)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = module.f(*_copies(args))
    except FloatingPointError:  # the random inputs overflow (cosh of a value grown by updates): nothing to judge
        return Outcome(program, "discarded", text=text)
    except Exception as exc:  # noqa: BLE001
        return Outcome(program, "fail", [("generator", "invalid program", f"f: {type(exc).__name__}: {exc}")],
                       text=text)
    if np.ndim(value) != 0:
        return Outcome(program, "fail", [("generator", "invalid program", f"f returned shape {np.shape(value)}")],
                       text=text)

    wrt = program.wrt if len(program.wrt) > 1 else program.wrt[0]
    report = sg.check_grad(module.f, *_copies(args), wrt=wrt, raise_on_failure=False)
    problems = []
    reason = None
    source = report.modes["source"]
    if source.startswith("not applicable: "):
        reason = report.fallback_reason
        if not (reason or "").strip():
            problems.append(("source", "declined without a reason", source))
    elif source != "ok":
        problems.append(("source", "error", source[len("error: "):] if source.startswith("error: ") else source))
    if report.modes["tape"] != "ok":
        tape = report.modes["tape"]
        problems.append(("tape", "error", tape[len("error: "):] if tape.startswith("error: ") else tape))
    wrong = set()               # modes whose gradient disagrees with finite differences
    if not report.ok and not _fd_was_inaccurate(report, module.f, args, program):
        wrong = {r.pair[0] for r in report.failures if r.kind == "gradient" and r.pair[1] == "fd"}
        for r in report.failures:
            if r.kind == "mode":
                continue                   # the mode's error, reported above
            if r.kind == "value":
                if r.pair == ("f",):
                    problems.append(("generator", "invalid program", r.note))
                else:
                    problems.append((r.pair[0], "wrong value", f"{r.note}: {r.worst_values}"))
            elif r.pair == ("source", "tape"):
                problems.append(("source/tape", "disagree", f"{r.argument}: {r.note}, worst at {r.worst_index}: "
                                 f"{r.worst_values}"))
            else:
                problems.append((r.pair[0], "wrong gradient", f"{r.argument}: {r.note}, worst at {r.worst_index}: "
                                 f"{r.pair[0]}={r.worst_values and r.worst_values[0]} "
                                 f"fd={r.worst_values and r.worst_values[1]}"))
    names = program.wrt
    for mode in ("source", "tape"):
        if mode in report.gradients and report.modes[mode] == "ok":
            problems += _type_problems(mode, report.gradients[mode], program, names)

    # auto mode: the mode users get
    try:
        g = sg.value_and_grad(module.f, wrt=wrt)
        auto_value, auto_grads = g(*_copies(args))
        auto_mode, auto_reason = g.mode, g.fallback_reason
    except Exception as exc:  # noqa: BLE001
        problems.append(("auto", "error", f"{type(exc).__name__}: {_first_line(exc)}"))
    else:
        auto_grads = auto_grads if isinstance(wrt, tuple) else (auto_grads,)
        problems += _type_problems("auto", auto_grads, program, names)
        if reason is not None and auto_mode != "tape":
            problems.append(("auto", "mode", f"source mode declined ({reason}) but auto mode used {auto_mode}"))
        if auto_mode == "tape" and not (auto_reason or "").strip() and reason is not None:
            problems.append(("auto", "mode", "auto mode used the tape without saying why"))
        tols = report.tolerances
        # f at the arguments as given (float32 programs compute in float32, like the engines)
        value_record = _compare(None, ("auto", "f"), float(np.asarray(auto_value, dtype=float)), float(value),
                                tols["mode_rtol"], tols["mode_atol"], kind="value")
        if not value_record.ok and report.value == report.value:
            problems.append(("auto", "wrong value", f"{value_record.note}: {value_record.worst_values}"))
        same = report.gradients.get(auto_mode) if report.modes.get(auto_mode) == "ok" else None
        if same is not None and auto_mode in wrong:
            problems.append(("auto", "wrong gradient", f"auto mode used {auto_mode}, whose gradient is wrong"))
        for k, name in enumerate(names):
            if same is not None:
                record = _compare(name, ("auto", auto_mode), auto_grads[k], same[k], tols["mode_rtol"], tols["mode_atol"])
            else:
                record = _compare(name, ("auto", "fd"), auto_grads[k], report.gradients["fd"][k], tols["rtol"],
                                  tols["atol"])
            if not record.ok:
                problems.append(("auto", "wrong gradient", f"{name} vs {record.pair[1]}: {record.note}, worst at "
                                 f"{record.worst_index}: {record.worst_values}"))
    if problems and all(mode in ("tape", "auto") and kind == "error" and
                                               detail.startswith(TAPE_REFUSALS) for mode, kind, detail in problems):
        return Outcome(program, "refused", problems, report, reason, text)
    if problems:
        return Outcome(program, "fail", problems, report, reason, text)
    return Outcome(program, "declined" if reason is not None else "ok", report=report, reason=reason, text=text)


HELPER_TOKEN = HELPER_MODULE_TOKEN
