"""The command line: ``python -m sourcegrad show|check|export|rules`` (also installed as ``sourcegrad``).

    python -m sourcegrad show model.py:loss --wrt W,b       # print the generated adjoint
    python -m sourcegrad show model.py:loss --html out.html # the function beside its adjoint, as a page
    python -m sourcegrad export model.py:loss -o grad_loss.py   # the adjoint as a module
    python -m sourcegrad check model.py:loss --args random --shape W=3x4 --shape x=4
    python -m sourcegrad rules                              # the derivative rule table

Exit codes: 0 success (the check passed); 1 the check found a disagreement; 2 usage or input
error (bad arguments, missing file or function, a function that cannot be transformed or
called); 3 an internal error of sourcegrad (a bug: the traceback is printed, please report it).
"""

import argparse
import ast
import contextlib
import importlib.util
import inspect
import keyword
import os
import re
import sys
import traceback
import types

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

EXIT_CODES = """exit codes:
  0  success (for check: every gradient agreed)
  1  check: the gradients disagree, or one is NaN/inf, or a mode failed
  2  usage or input error: bad option, missing file or function, bad --args, the function cannot be
     transformed (show) or raised an error when called (check); the message is on stderr
  3  internal error in sourcegrad (a traceback is printed; please report it)"""

ARGS_HELP = """how to give the arguments of FUNC with --args (one of three forms):

  a Python literal list (read with ast.literal_eval, never eval):
      --args "[1.0, [[1, 2], [3, 4]]]"      x = 1.0, W = array([[1., 2.], [3., 4.]])
    numbers stay numbers, (nested) lists of numbers become float64 arrays, other literals
    (strings, None, True) are passed as they are.

  shapes, one per positional argument, separated by commas; each is filled with random values:
      --args "3x4,4,float"                  an array of shape (3, 4), one of shape (4,), a float
    a shape is N or NxMx... ; "float" (or "scalar") is a Python float; "0d" is a 0-d array.

  random: every parameter of FUNC without a default gets a random float, or a random array of
    the shape given by --shape NAME=SHAPE (repeatable); parameters with defaults keep them:
      --args random --shape W=3x4 --shape x=4

random values are uniform in --range (default -1,1) from numpy's default_rng(--seed) (default 0),
so a run is reproducible. For a function that needs positive inputs (log, sqrt), use --range 0.1,2."""


class UsageError(Exception):
    """A mistake in the command line or its inputs: printed on stderr, exit code 2."""


# ---------------------------------------------------------------- loading FILE.py:FUNC


def _split_target(target):
    """``FILE.py:FUNC`` -> (path, ['FUNC']) (FUNC may be dotted: Class.method)."""
    path, sep, func = target.rpartition(":")
    if not sep or not path or not func:
        raise UsageError(f"expected FILE.py:FUNC (a file and a function in it), got {target!r}")
    parts = func.split(".")
    if not all(p.isidentifier() for p in parts):
        raise UsageError(f"{func!r} is not a function name (in {target!r})")
    return path, parts


@contextlib.contextmanager
def _on_path(folder):
    """The file's folder first on sys.path (so it can import its neighbours) while the command runs."""
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def _module_name(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.isidentifier() and not keyword.iskeyword(stem) and stem not in sys.modules:
        return stem
    base = re.sub(r"\W", "_", stem) or "module"
    name, n = f"_sourcegrad_cli_{base}", 0
    while name in sys.modules:
        n += 1
        name = f"_sourcegrad_cli_{base}_{n}"
    return name


def _where_in(exc, path):
    """' (path:line)' for the deepest frame of ``exc``'s traceback in the user's file, else ''."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" ({exc.filename or path}:{exc.lineno})"
    real = os.path.realpath(path)
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.realpath(frame.filename) == real:
            found = f" ({path}:{frame.lineno})"
    return found


def load_module(path):
    """Import the file at ``path`` as a module (a real module, so its functions have source)."""
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory; give a Python file: FILE.py:FUNC")
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, os.path.abspath(path))
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {path} as a Python module (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001  (the user's module failed: report it, no traceback)
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UsageError(f"importing {path} failed: {type(exc).__name__}: {exc}{_where_in(exc, path)}") from None
    return module


def load_function(target):
    """The function named by ``FILE.py:FUNC``."""
    return load_target(target)[0]


def load_target(target):
    """``(function, owner)`` for ``FILE.py:FUNC``; ``owner`` is the class when FUNC is ``Class.method``, a function
    whose first parameter is the instance (``self``), never what to differentiate with respect to; else None."""
    path, parts = _split_target(target)
    module = load_module(path)
    obj = parent = module
    for i, part in enumerate(parts):
        parent = obj
        if not hasattr(obj, part):
            where = path if i == 0 else f"{'.'.join(parts[:i])} in {path}"
            names = sorted(n for n, v in vars(obj).items() if callable(v) and not n.startswith("_")
                           and (i > 0 or getattr(v, "__module__", None) == module.__name__))
            known = f"; it defines: {', '.join(names)}" if names else ""
            raise UsageError(f"{where} has no function {part!r}{known}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{'.'.join(parts)} in {path} is a {type(obj).__name__}, not a function")
    if isinstance(parent, type) and isinstance(inspect.getattr_static(parent, parts[-1], None), types.FunctionType):
        return obj, parent
    return obj, None


def _bound_method(func, owner, doing):
    """``func`` (a method of class ``owner``) bound to an instance made with ``owner()``."""
    try:
        return getattr(owner(), func.__name__)
    except Exception as exc:  # noqa: BLE001  (the user's constructor failed)
        raise UsageError(f"{doing} {owner.__name__}.{func.__name__} with arguments needs an instance, and "
                         f"{owner.__name__}() failed: {type(exc).__name__}: {exc}. Use a module-level function that "
                         "builds the instance and calls the method instead.") from None


def _default_show_wrt(func, owner):
    """What ``show``/``export`` differentiate with respect to by default: the first parameter, or for a method
    the first one after ``self``."""
    if owner is None:
        return 0
    params = [p for p in inspect.signature(func).parameters.values() if p.kind in (p.POSITIONAL_ONLY,
                                                                                   p.POSITIONAL_OR_KEYWORD)]
    if len(params) < 2:
        raise UsageError(f"{func.__qualname__} takes no parameter besides {params[0].name if params else 'self'}; "
                         "there is nothing to differentiate with respect to")
    return params[1].name


def _parse_wrt(text):
    if text is None:
        return None
    items = [w.strip() for w in text.split(",") if w.strip()]
    if not items:
        raise UsageError("--wrt needs at least one parameter name or position")
    wrt = []
    for w in items:
        if re.fullmatch(r"-?\d+", w):
            wrt.append(int(w))
        elif w.isidentifier():
            wrt.append(w)
        else:
            raise UsageError(f"--wrt: {w!r} is neither a parameter name nor a position")
    return wrt[0] if len(wrt) == 1 else tuple(wrt)


# ---------------------------------------------------------------- --args


def _parse_shape(text, what):
    text = text.strip().lower()
    if text in ("float", "scalar"):
        return None
    if text in ("0d", "()"):
        return ()
    if re.fullmatch(r"\d+(x\d+)*", text):
        return tuple(int(n) for n in text.split("x"))
    raise UsageError(f"{what}: {text!r} is not a shape; write N, NxM..., float or 0d")


def _random(shape, rng, low, high):
    if shape is None:
        return float(rng.uniform(low, high))
    return rng.uniform(low, high, size=shape)


def _literal_value(value, position):
    if isinstance(value, dict):   # a structure (issue 14): its values converted, lists of dicts kept as lists
        return {k: _literal_value(v, f"{position}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(v, dict) for v in value):
        return [_literal_value(v, f"{position}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (list, tuple)):
        try:
            array = np.array(value, dtype=np.float64)
        except (ValueError, TypeError):
            raise UsageError(f"--args: argument {position} is not a number or a rectangular list of numbers: "
                             f"{value!r}") from None
        return array
    if isinstance(value, complex):
        raise UsageError(f"--args: argument {position} is complex; gradients are taken for real numbers")
    return value


def parse_args_spec(spec, func, shapes, seed, value_range):
    """``(args, kwargs, description)`` for ``func`` from an --args specification (see ARGS_HELP)."""
    low, high = value_range
    rng = np.random.default_rng(seed)
    text = spec.strip()
    if text.startswith(("[", "(")):
        if shapes:
            raise UsageError("--shape goes with --args random")
        try:
            values = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise UsageError(f"--args: {text!r} is not a Python literal list ({type(exc).__name__}: {exc})") from None
        if not isinstance(values, (list, tuple)):
            raise UsageError("--args: a literal must be a list of the arguments, e.g. \"[1.0, [1, 2]]\"")
        args = [_literal_value(v, i) for i, v in enumerate(values)]
        return args, {}, "given: " + ", ".join(_describe(a) for a in args)
    if text.lower() == "random":
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            raise UsageError("--args random needs a function with a signature; give shapes instead") from None
        given = {}
        for item in shapes:
            name, sep, shape = item.partition("=")
            if not sep or not name.strip().isidentifier():
                raise UsageError(f"--shape: expected NAME=SHAPE such as W=3x4, got {item!r}")
            given[name.strip()] = _parse_shape(shape, f"--shape {name.strip()}")
        args, kwargs, parts = [], {}, []
        for p in signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.default is not p.empty and p.name not in given:
                continue
            value = _random(given.pop(p.name, None), rng, low, high)
            if p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
            parts.append(f"{p.name} {_describe(value)}")
        if given:
            raise UsageError(f"--shape names {', '.join(sorted(given))}, which {'is' if len(given) == 1 else 'are'} "
                             f"not a parameter of {func.__name__}")
        return args, kwargs, f"random (seed {seed}): " + ", ".join(parts)
    if shapes:
        raise UsageError("--shape goes with --args random")
    items = [item for item in text.split(",")]
    if not text or any(not item.strip() for item in items):
        raise UsageError(f"--args: {spec!r} is empty or has an empty entry; see 'check --help'")
    args = [_random(_parse_shape(item, "--args"), rng, low, high) for item in items]
    return args, {}, f"random (seed {seed}): " + ", ".join(_describe(a) for a in args)


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return type(value).__name__


def _parse_range(text):
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--range: expected LOW,HIGH such as -1,1, got {text!r}") from None
    if not low < high:
        raise UsageError(f"--range: LOW must be below HIGH, got {text!r}")
    return low, high


def _default_wrt(func, args, kwargs):
    """Every argument given as a float or a float/int array: their parameter names (or positions)."""
    try:
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind != p.KEYWORD_ONLY]
    wrt = []
    for i, value in enumerate(args):
        if _differentiable(value):
            wrt.append(positional[i] if i < len(positional) else i)
    wrt.extend(name for name, value in kwargs.items() if _differentiable(value))
    if not wrt:
        raise UsageError("none of the arguments is a float or an array, so there is nothing to differentiate")
    return wrt[0] if len(wrt) == 1 else tuple(wrt)


def _differentiable(value):
    if isinstance(value, (dict, list)):   # a structure of arrays and numbers (issue 14)
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, np.ndarray) and (np.issubdtype(value.dtype, np.floating)
                                              or np.issubdtype(value.dtype, np.integer))


# ---------------------------------------------------------------- commands


def cmd_show(options):
    from . import api
    from .errors import TransformError

    func, owner = load_target(options.target)
    wrt = _parse_wrt(options.wrt)
    if wrt is None:
        wrt = _default_show_wrt(func, owner)
    try:
        if options.html:
            if options.mode == "tape":
                raise UsageError("--html shows generated code, which mode tape has none of; use --mode source or auto")
            api.show(func, wrt, html=options.html, mode=options.mode)
            print(f"wrote {options.html}")
            return EXIT_OK
        if options.mode == "source":
            text = api.source(func, wrt)
        else:
            gradient = api.grad(func, wrt=wrt, mode=options.mode)
            if gradient.mode == "tape":
                why = (f"auto mode uses the tape: {gradient.fallback_reason}" if gradient.fallback_reason
                       else "mode tape")
                print(f"# {func.__qualname__}: {why}\n# the tape records operations as they run and replays them "
                      "backwards: it generates no source to show.")
                return EXIT_OK
            text = gradient.source
    except TransformError as exc:
        print(str(exc), file=sys.stderr)
        print("On the command line: `show --mode auto` shows what auto mode does (the tape, and why), and "
              "`check --modes tape` checks the tape's gradient.", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError) as exc:   # a bad --wrt, or a non-function
        raise UsageError(str(exc)) from None
    print(api.highlight(text, sys.stdout), end="" if text.endswith("\n") else "\n")
    return EXIT_OK


def cmd_export(options):
    from .errors import TransformError
    from .exporter import export

    func, owner = load_target(options.target)
    wrt = _parse_wrt(options.wrt)
    if wrt is None:
        wrt = _default_show_wrt(func, owner)
    args = kwargs = None
    if options.args is not None:
        if owner is not None:   # example arguments for the method of an instance: self is not one of them
            func = _bound_method(func, owner, "exporting")
        args, kwargs, _ = parse_args_spec(options.args, func, options.shape, options.seed, _parse_range(options.range))
    elif options.shape:
        raise UsageError("--shape goes with --args random")
    try:
        export(func, options.output, wrt=wrt, args=args, kwargs=kwargs, standalone=options.standalone)
    except TransformError as exc:
        print(str(exc), file=sys.stderr)
        print("Only source mode writes code to export; the tape has none.", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {options.output}")
    return EXIT_OK


def cmd_check(options):
    from .check import check_grad
    from .errors import GradientCheckError

    func, owner = load_target(options.target)
    if owner is not None:   # check the method of an instance: self is a constant
        func = _bound_method(func, owner, "checking")
    args, kwargs, description = parse_args_spec(options.args, func, options.shape, options.seed,
                                                _parse_range(options.range))
    wrt = _parse_wrt(options.wrt)
    if wrt is None:
        wrt = _default_wrt(func, args, kwargs)
    modes = tuple(m.strip() for m in options.modes.split(",") if m.strip())
    if not modes or any(m not in ("source", "tape") for m in modes):
        raise UsageError(f"--modes: expected source, tape or source,tape, got {options.modes!r}")
    tolerances = {k: getattr(options, k) for k in ("rtol", "atol", "mode_rtol", "mode_atol")}
    print(f"arguments: {description}")
    try:
        report = check_grad(func, *args, wrt=wrt, modes=modes, raise_on_failure=False, **tolerances, **kwargs)
    except GradientCheckError as exc:   # not raised with raise_on_failure=False, but be safe
        print(exc.report)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001  (f itself raised, or the arguments do not fit it)
        hint = ""
        floats = [name for name, value in zip(_positional_names(func), args) if isinstance(value, float)]
        floats += [name for name, value in kwargs.items() if isinstance(value, float)]
        if options.args.strip().lower() == "random" and floats:
            hint = (f"\n--args random gave {', '.join(floats)} a random float each; if {func.__name__} needs arrays, "
                    f"give their shapes with --shape NAME=SHAPE, e.g. --shape {floats[0]}=3x4 (see 'check --help')")
        raise UsageError(f"checking {func.__name__} failed: {type(exc).__name__}: {exc}"
                         f"{_where_in(exc, inspect.getsourcefile(func) or '')}{hint}") from None
    print(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _positional_names(func):
    try:
        return [p.name for p in inspect.signature(func).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def cmd_rules(options):
    from . import rules
    from .rules.registry import NONDIFFERENTIABLE, VJP_RULES, primitive_name

    if options.load:
        load_module(options.load)
    entries = sorted((primitive_name(p), rule.fn.__name__, rule.fn.__module__) for p, rule in VJP_RULES.items())
    width = max([len("primitive")] + [len(e[0]) for e in entries])
    rwidth = max([len("rule")] + [len(e[1]) for e in entries])
    out = [f"Differentiable primitives ({len(entries)}):",
           f"  {'primitive':<{width}}  {'rule':<{rwidth}}  module"]
    out += [f"  {name:<{width}}  {fn:<{rwidth}}  {module}" for name, fn, module in entries]
    nondiff = sorted(primitive_name(p) for p in NONDIFFERENTIABLE)
    out += ["", f"Non-differentiable primitives ({len(nondiff)}; their results carry no gradient):"]
    out += [f"  {name}" for name in nondiff]
    n_rules = len({id(rule.fn) for rule in VJP_RULES.values()})
    out += ["", f"{len(entries)} differentiable primitives ({n_rules} rule functions), "
                f"{len(nondiff)} non-differentiable; {len(rules.JVP_RULES)} forward-mode rules"]
    print("\n".join(out))
    return EXIT_OK


# ---------------------------------------------------------------- argument parsing


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


def build_parser():
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="sourcegrad", formatter_class=formatter,
                     description="Gradients of plain Python/NumPy functions by source transformation.",
                     epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    show = commands.add_parser(
        "show", formatter_class=formatter, help="print the generated adjoint of a function",
        description="Print the gradient function that source mode generates for FUNC in FILE.py "
                    "(highlighted when writing to a terminal).", epilog=EXIT_CODES)
    show.add_argument("target", metavar="FILE.py:FUNC", help="the file and the function in it (FUNC may be Class.method)")
    show.add_argument("--wrt", metavar="NAME[,NAME...]",
                      help="parameter names (or positions) to differentiate with respect to; default: the first "
                           "(of a method: the first after self)")
    show.add_argument("--mode", choices=("source", "auto", "tape"), default="source",
                      help="source (default): the generated adjoint, or why the function cannot be transformed "
                           "(exit 2); auto: the adjoint, or which engine auto mode uses and why (exit 0)")
    show.add_argument("--html", metavar="OUT.html",
                      help="write one self-contained page instead: the function beside its adjoint, each adjoint "
                           "line linked to the line it comes from")
    show.set_defaults(run=cmd_show)

    export_cmd = commands.add_parser(
        "export", formatter_class=formatter, help="write the generated gradient out as a Python module",
        description="Write the gradient source mode generates for FUNC in FILE.py as a module: a header (sourcegrad "
                    "version, source file and line, wrt, what the code is specialised for), the imports it needs "
                    "(NumPy and sourcegrad.runtime; the globals the gradient reads, from their modules) and the "
                    "function. With --args the code is specialised for arguments like those; without, it serves "
                    "any.", epilog=ARGS_HELP + "\n\n" + EXIT_CODES)
    export_cmd.add_argument("target", metavar="FILE.py:FUNC", help="the file and the function in it")
    export_cmd.add_argument("-o", "--output", required=True, metavar="OUT.py", help="the module to write")
    export_cmd.add_argument("--wrt", metavar="NAME[,NAME...]",
                            help="parameter names (or positions); default: the first (of a method: after self)")
    export_cmd.add_argument("--standalone", action="store_true",
                            help="copy sourcegrad's runtime helpers into the module: it then needs only NumPy")
    export_cmd.add_argument("--args", metavar="SPEC", help="example arguments to specialise for (see below)")
    export_cmd.add_argument("--shape", action="append", default=[], metavar="NAME=SHAPE",
                            help="with --args random: the shape of parameter NAME (repeatable)")
    export_cmd.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    export_cmd.add_argument("--range", default="-1,1", help=argparse.SUPPRESS)
    export_cmd.set_defaults(run=cmd_export)

    check = commands.add_parser(
        "check", formatter_class=formatter, help="compare source mode, tape mode and finite differences",
        description="Run sg.check_grad on FUNC from FILE.py: the gradients from source mode, tape mode and "
                    "central finite differences are compared and the report printed. Exit 0 when all "
                    "agree, 1 when not.", epilog=ARGS_HELP + "\n\n" + EXIT_CODES)
    check.add_argument("target", metavar="FILE.py:FUNC", help="the file and the function in it")
    check.add_argument("--args", required=True, metavar="SPEC",
                       help="the arguments: a literal list, shapes, or 'random' (see below)")
    check.add_argument("--shape", action="append", default=[], metavar="NAME=SHAPE",
                       help="with --args random: the shape of parameter NAME, e.g. W=3x4 (repeatable)")
    check.add_argument("--wrt", metavar="NAME[,NAME...]",
                       help="parameter names (or positions) to check; default: every float or array argument")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    check.add_argument("--range", default="-1,1", metavar="LOW,HIGH",
                       help="random inputs are uniform in [LOW, HIGH) (default -1,1)")
    check.add_argument("--modes", default="source,tape", metavar="MODE[,MODE]",
                       help="engines to check: source, tape or both (default source,tape)")
    check.add_argument("--rtol", type=float, help="relative tolerance against finite differences (default 1e-5)")
    check.add_argument("--atol", type=float, help="absolute tolerance against finite differences (default 1e-6)")
    check.add_argument("--mode-rtol", type=float, help="relative tolerance, source vs tape (default 1e-7)")
    check.add_argument("--mode-atol", type=float, help="absolute tolerance, source vs tape (default 1e-9)")
    check.set_defaults(run=cmd_check)

    rules_cmd = commands.add_parser(
        "rules", formatter_class=formatter, help="list the derivative rules",
        description="List every primitive with a derivative rule (the rule function and its module) and "
                    "the primitives declared non-differentiable, read from the rule table itself.",
        epilog=EXIT_CODES)
    rules_cmd.add_argument("--load", metavar="FILE.py",
                           help="import this file first, so that the rules it registers are listed too")
    rules_cmd.set_defaults(run=cmd_rules)
    return parser


def _version():
    from . import __version__

    return __version__


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        try:
            options = parser.parse_args(argv)
        except SystemExit as exc:   # --help, --version
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        if options.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        folder = None
        target = getattr(options, "target", None) or getattr(options, "load", None)
        if target:
            path = _split_target(target)[0] if getattr(options, "target", None) else target
            folder = os.path.dirname(os.path.abspath(path))
        with _on_path(folder) if folder else contextlib.nullcontext():
            return options.run(options)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:   # `sourcegrad rules | head`
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print("sourcegrad: internal error (exit code 3); please report it with the traceback above",
              file=sys.stderr)
        return EXIT_INTERNAL
