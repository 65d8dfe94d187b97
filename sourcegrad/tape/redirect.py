"""While a function runs on the tape, calls of Python functions with a registered rule are
redirected to be recorded as one operation through that rule."""

import functools
import os
import sys
import sysconfig
import threading
import types

from ..rules import registry
from .errors import RuleBypassError
from .mode import _mode
from .tensor import Tensor
from .recording import _apply
from .namespace import STAND_INS, TAPED_TYPE


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


def _stand_ins_in_use():
    """Whether a tape run (in any thread) still has the stand-ins in place."""
    return _REDIRECT["depth"] > 0


def _rule_calls():
    """Context manager: redirect calls of rule-registered Python functions while a tape run lasts."""
    return _RuleCalls()


class _RuleCalls:
    def __enter__(self):
        rules = bool(registry.PYTHON_FUNCTIONS)
        with _REDIRECT_LOCK:
            state = _REDIRECT
            if state["depth"] == 0:
                functions = [fn for fn in registry.PYTHON_FUNCTIONS if registry.lookup_vjp(fn) is not None]
                state["wrappers"] = {id(fn): (fn, _rule_caller(fn)) for fn in functions}
                state["wrappers"].update(STAND_INS)   # Tensor-aware math and numpy (see namespace.py)
                state["codes"] = {fn.__code__: fn for fn in functions}
                state["seen"] = {}
                state["patched"] = []
                for fn in functions:
                    _patch_namespace(fn.__globals__)
            state["depth"] += 1
        import sys

        self.previous = sys.getprofile()
        self.hooked = rules and self.previous is None   # never displace a profiler
        if self.hooked:
            sys.setprofile(_redirect_hook)
        return self

    def patch_for(self, f, args=(), kwargs=None, namespaces=None):
        """Patch the namespaces ``f``'s code may read globals from (its module's, and those of the user's
        modules it reaches: ``namespaces``, or see ``_user_namespaces``), and its closure cells and default
        arguments (before it runs)."""
        func = getattr(f, "__func__", f)
        if namespaces is None:
            namespaces = _user_namespaces(f, list(args) + list((kwargs or {}).values()))
        with _REDIRECT_LOCK:
            for namespace in namespaces:
                _patch_namespace(namespace)
            if type(func) is type(_rule_caller):   # a Python function
                _patch_function(func)

    def arguments(self, args, kwargs):
        """``args``/``kwargs`` with rule-registered functions passed as arguments (``act=my_fn``, a
        default filled in by ``grad``) replaced by their recording wrappers."""
        wrappers = _REDIRECT["wrappers"]

        def swap(value):
            hit = wrappers.get(id(value))
            return hit[1] if hit is not None and hit[0] is value else value

        return [swap(a) for a in args], {k: swap(v) for k, v in kwargs.items()}

    def __exit__(self, *exc_info):
        if self.hooked:
            import sys

            sys.setprofile(self.previous)
        with _REDIRECT_LOCK:
            state = _REDIRECT
            state["depth"] -= 1
            if state["depth"] == 0:
                for namespace, name, original, wrapper in reversed(state["patched"]):
                    if namespace.get(name) is wrapper:
                        if original is _UNBOUND:
                            del namespace[name]
                        else:
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
    recording wrappers, and, in the user's modules, ``math``, ``np`` and the builtin ``type`` by their
    Tensor-aware stand-ins (see ``namespace.py``); called with _REDIRECT_LOCK held."""
    state = _REDIRECT
    if id(namespace) in state["seen"] or type(namespace) is not dict:
        return
    state["seen"][id(namespace)] = namespace
    wrappers = state["wrappers"]
    user = _is_module_of_user(namespace)
    for name, value in list(namespace.items()):
        hit = wrappers.get(id(value))
        if hit is not None and hit[0] is value and (user or id(value) not in STAND_INS):
            namespace[name] = hit[1]
            state["patched"].append((namespace, name, value, hit[1]))
    if user:
        _patch_tables(namespace)
        if "type" not in namespace:   # the builtin, bound in the module while the run lasts
            namespace["type"] = TAPED_TYPE
            state["patched"].append((namespace, "type", _UNBOUND, TAPED_TYPE))


def _patch_tables(namespace):
    """In one of the user's modules, the stand-ins also in the tables of functions it binds (a dict, list
    or tuple: ``OPS = {"sin": math.sin}``), so that ``OPS["sin"] is math.sin`` stays true while ``math`` is
    the stand-in (a branch on it would go the other way); called with _REDIRECT_LOCK held."""
    patched = _REDIRECT["patched"]
    originals = _ORIGINAL_IDS
    for name, value in list(namespace.items()):
        kind = type(value)
        if kind not in (dict, list, tuple) or len(value) > 1000 or originals.isdisjoint(
                map(id, value.values() if kind is dict else value)):   # (most tables hold none: data)
            continue
        if kind is dict:
            for key, item in list(value.items()):
                hit = STAND_INS.get(id(item))
                if hit is not None and hit[0] is item:
                    value[key] = hit[1]
                    patched.append((value, key, item, hit[1]))
        elif kind is list:
            slots = None
            for i, item in enumerate(value):
                hit = STAND_INS.get(id(item))
                if hit is not None and hit[0] is item:
                    slots = slots or _ListSlots(value)
                    value[i] = hit[1]
                    patched.append((slots, i, item, hit[1]))
        else:
            new = tuple(STAND_INS[id(item)][1] if id(item) in STAND_INS and STAND_INS[id(item)][0] is item
                        else item for item in value)
            namespace[name] = new
            patched.append((namespace, name, value, new))


_ORIGINAL_IDS = frozenset(STAND_INS)


class _ListSlots:
    """A list seen as a mapping of its positions, so that patching its items is undone like a namespace's."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def get(self, i, default=None):
        return self.items[i] if i < len(self.items) else default

    def __setitem__(self, i, value):
        self.items[i] = value


_UNBOUND = object()   # in state["patched"]: the name was not bound in the namespace before


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


def _library_paths():
    """Where the code that is not the user's lives: the standard library, installed packages, sourcegrad."""
    paths = {os.path.dirname(os.__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(path)
    paths.update(p for p in sys.path if "site-packages" in p or "dist-packages" in p)
    return tuple(os.path.realpath(p) + os.sep for p in paths)


_LIBRARY_PATHS = _library_paths()
_USER_MODULE = {}   # module name -> whether its code is the user's (cached by name and file)


def _is_user_module(module):
    """Whether the module is the user's own code (not the standard library, an installed package or
    sourcegrad): the modules whose ``math`` and ``np`` become Tensor-aware while a tape run lasts."""
    name = getattr(module, "__name__", None)
    path = getattr(module, "__file__", None)
    key = (name, path)
    found = _USER_MODULE.get(key)
    if found is None:
        found = _USER_MODULE[key] = bool(
            name and name != "__main__" and path and not os.path.realpath(path).startswith(_LIBRARY_PATHS)
            or name == "__main__")
    return found


def _is_module_of_user(namespace):
    """Whether ``namespace`` is the globals of one of the user's modules: those that see the stand-ins."""
    module = sys.modules.get(namespace.get("__name__") or "")
    return module is not None and vars(module) is namespace and _is_user_module(module)


def _is_user_namespace(namespace):
    """Whether ``namespace`` is the globals of one of the user's modules (see ``_is_user_module``), or a
    namespace of no module (``exec(source, namespace)``)."""
    module = sys.modules.get(namespace.get("__name__") or "")
    return module is None or vars(module) is not namespace or _is_user_module(module)


def _user_namespaces(f, values=()):
    """The globals of ``f`` and of the user's modules its code may reach: through the functions,
    classes and modules its module binds (``import helpers``, ``from helpers import step``), the
    functions in its closure and defaults, and the classes of ``values`` (its arguments), transitively.
    The code it reaches otherwise (a function stored in a container, a method of an object created
    inside) sees them only if it lives in one of those modules."""
    namespaces, seen, stack = [], set(), []

    def module_of(obj):
        if isinstance(obj, types.ModuleType):
            return obj
        return sys.modules.get(getattr(obj, "__module__", None) or "")

    def visit_callable(obj):
        obj = getattr(obj, "__func__", obj)
        obj = getattr(obj, "func", obj) if isinstance(obj, functools.partial) else obj
        if type(obj) is types.FunctionType:
            stack.append(obj.__globals__)
            for cell in obj.__closure__ or ():
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if callable(value) or isinstance(value, types.ModuleType):
                    visit_value(value)
            for value in obj.__defaults__ or ():
                if type(value) is types.FunctionType:
                    visit_value(value)
        else:
            visit_value(obj)

    def visit_value(value):
        module = module_of(value)
        if module is not None and _is_user_module(module):
            stack.append(vars(module))

    visit_callable(f)
    for value in values:
        visit_value(type(value))
    for root in stack:
        for namespace in _reachable(root):
            if id(namespace) not in seen:
                seen.add(id(namespace))
                namespaces.append(namespace)
    return namespaces


_REACHABLE = {}   # id(root namespace) -> (the namespaces reachable from it, their sizes then): see _reachable


def _reachable(root):
    """``root`` (a namespace) and the user's module namespaces reachable from it through the functions,
    classes and modules they bind, transitively; remembered while no namespace of them grows or shrinks
    (a name bound since may reach another module: looked again)."""
    known = _REACHABLE.get(id(root))
    if known is not None and known[0][0] is root and all(len(ns) == n for ns, n in zip(*known)):
        return known[0]
    namespaces, seen, stack = [], set(), [root]
    while stack:
        namespace = stack.pop()
        if id(namespace) in seen or type(namespace) is not dict:
            continue
        seen.add(id(namespace))
        namespaces.append(namespace)
        for value in _bound_values(namespace):
            if isinstance(value, (types.FunctionType, type, types.ModuleType)):
                module = value if isinstance(value, types.ModuleType) else sys.modules.get(
                    getattr(value, "__module__", None) or "")
                if module is not None and id(vars(module)) not in seen and _is_user_module(module):
                    stack.append(vars(module))
    if len(_REACHABLE) > 512:   # namespaces made on the fly (exec, types.FunctionType): do not keep them all
        _REACHABLE.clear()
    _REACHABLE[id(root)] = (namespaces, [len(ns) for ns in namespaces])
    return namespaces


def _bound_values(namespace):
    """The values a namespace binds, and the items of the dicts, lists and tuples among them (a table of
    functions, ``OPS = {"step": helpers.step}``)."""
    for value in list(namespace.values()):
        yield value
        if type(value) is dict:
            yield from list(value.values())[:1000]
        elif type(value) in (list, tuple):
            yield from value[:1000]
