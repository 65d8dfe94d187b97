"""While a function runs on the tape, calls of Python functions with a registered rule are
redirected to be recorded as one operation through that rule."""

import functools
import threading

from ..rules import registry
from .errors import RuleBypassError
from .mode import _mode
from .tensor import Tensor
from .recording import _apply


def _rule_caller(fn):
    """``fn``, but recorded through its registered rule when called with Tensors."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if any(isinstance(a, Tensor) for a in args) or any(isinstance(a, Tensor) for a in kwargs.values()):
            return _apply(fn, args, kwargs)
        return fn(*args, **kwargs)

    call.__sourcegrad_primitive__ = fn   # source mode (and @sg.primitive logic) sees fn through it
    return call


# While value_and_grad_tape runs, a plain Python function ``fn`` of the user's with a registered rule
# is replaced, in every module namespace the running code reads globals from, by ``_rule_caller(fn)``,
# which records a call with Tensors as one operation through the rule (as ``@sg.primitive`` does). A
# profile hook patches each module the first time code from it runs, and raises RuleBypassError when
# ``fn``'s own code is entered with Tensors that require grad (it was reached some other way), so the
# tape never silently differentiates the function's body instead of its rule. Everything is restored
# when the last such run (in any thread) ends; code that compares ``fn`` by identity while it runs
# would see the wrapper.
_REDIRECT_LOCK = threading.RLock()   # re-entered: the profile hook runs while patching


_REDIRECT = {"depth": 0, "patched": [], "seen": {}, "wrappers": {}, "codes": {}}


def _rule_calls():
    """Context manager: redirect calls of rule-registered Python functions while a tape run lasts."""
    return _RuleCalls()


class _RuleCalls:
    def __enter__(self):
        self.active = bool(registry.PYTHON_FUNCTIONS)
        if not self.active:
            return self
        with _REDIRECT_LOCK:
            state = _REDIRECT
            if state["depth"] == 0:
                functions = [fn for fn in registry.PYTHON_FUNCTIONS if registry.lookup_vjp(fn) is not None]
                state["wrappers"] = {id(fn): (fn, _rule_caller(fn)) for fn in functions}
                state["codes"] = {fn.__code__: fn for fn in functions}
                state["seen"] = {}
                state["patched"] = []
                for fn in functions:
                    _patch_namespace(fn.__globals__)
            state["depth"] += 1
        import sys

        self.previous = sys.getprofile()
        self.hooked = self.previous is None   # never displace a profiler
        if self.hooked:
            sys.setprofile(_redirect_hook)
        return self

    def patch_for(self, f):
        """Patch the namespace ``f`` reads globals from, and its closure cells and default arguments
        (before it runs)."""
        if not self.active:
            return
        func = getattr(f, "__func__", f)
        namespace = getattr(func, "__globals__", None)
        with _REDIRECT_LOCK:
            if namespace is not None:
                _patch_namespace(namespace)
            if type(func) is type(_rule_caller):   # a Python function
                _patch_function(func)

    def arguments(self, args, kwargs):
        """``args``/``kwargs`` with rule-registered functions passed as arguments (``act=my_fn``, a
        default filled in by ``grad``) replaced by their recording wrappers."""
        if not self.active:
            return args, kwargs
        wrappers = _REDIRECT["wrappers"]

        def swap(value):
            hit = wrappers.get(id(value))
            return hit[1] if hit is not None and hit[0] is value else value

        return [swap(a) for a in args], {k: swap(v) for k, v in kwargs.items()}

    def __exit__(self, *exc_info):
        if not self.active:
            return False
        if self.hooked:
            import sys

            sys.setprofile(self.previous)
        with _REDIRECT_LOCK:
            state = _REDIRECT
            state["depth"] -= 1
            if state["depth"] == 0:
                for namespace, name, original, wrapper in reversed(state["patched"]):
                    if namespace.get(name) is wrapper:
                        namespace[name] = original
                state.update(patched=[], seen={}, wrappers={}, codes={})
        return False


class _Slots:
    """A function's closure cells and default arguments seen as a mapping, so that patching them is
    recorded and undone like a module's globals."""

    def __init__(self, func):
        self.func = func

    def get(self, name, default=None):
        if name.startswith("cell:"):
            try:
                return self.func.__closure__[int(name[5:])].cell_contents
            except ValueError:
                return default
        return getattr(self.func, name, default)

    def __setitem__(self, name, value):
        if name.startswith("cell:"):
            self.func.__closure__[int(name[5:])].cell_contents = value
        else:
            setattr(self.func, name, value)


def _patch_function(func):
    """Redirect the rule-registered functions held in ``func``'s closure cells and default arguments
    (``def f(x, act=my_rule_fn)``); called with _REDIRECT_LOCK held."""
    state = _REDIRECT
    wrappers = state["wrappers"]

    def swap(value):
        hit = wrappers.get(id(value))
        return hit[1] if hit is not None and hit[0] is value else value

    slots = _Slots(func)
    for i, cell in enumerate(func.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        new = swap(value)
        if new is not value:
            cell.cell_contents = new
            state["patched"].append((slots, f"cell:{i}", value, new))
    old = func.__defaults__
    if old:
        new = tuple(swap(v) for v in old)
        if any(a is not b for a, b in zip(new, old)):
            func.__defaults__ = new
            state["patched"].append((slots, "__defaults__", old, new))
    old = func.__kwdefaults__
    if old:
        new = {k: swap(v) for k, v in old.items()}
        if any(new[k] is not old[k] for k in old):
            func.__kwdefaults__ = new
            state["patched"].append((slots, "__kwdefaults__", old, new))


def _patch_namespace(namespace):
    """Replace the rule-registered functions bound in ``namespace`` (a module's globals) by their
    recording wrappers; called with _REDIRECT_LOCK held."""
    state = _REDIRECT
    if id(namespace) in state["seen"] or type(namespace) is not dict:
        return
    state["seen"][id(namespace)] = namespace
    wrappers = state["wrappers"]
    for name, value in list(namespace.items()):
        hit = wrappers.get(id(value))
        if hit is not None and hit[0] is value:
            namespace[name] = hit[1]
            state["patched"].append((namespace, name, value, hit[1]))


def _redirect_hook(frame, event, arg):
    if event != "call":
        return
    state = _REDIRECT
    if id(frame.f_globals) not in state["seen"]:
        with _REDIRECT_LOCK:
            if state["depth"]:
                _patch_namespace(frame.f_globals)
    fn = state["codes"].get(frame.f_code)
    if fn is not None and _mode.enabled:
        code = fn.__code__
        count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 4) + bool(code.co_flags & 8)
        values = [frame.f_locals.get(n) for n in code.co_varnames[:count]]
        flat = []
        for v in values:
            flat.extend(v.values() if isinstance(v, dict) else v if isinstance(v, (tuple, list)) else (v,))
        if any(isinstance(v, Tensor) and v.requires_grad for v in flat):
            raise RuleBypassError(
                f"{fn.__qualname__} has a derivative rule registered with sg.vjp_rule, but it was called with "
                "Tensors in a way the tape cannot redirect to the rule (not through a module global: a closure "
                "variable, a default argument, a container...), so the tape would differentiate its code instead "
                "of the rule. Call it through a module global, or decorate it with @sg.primitive."
            )
