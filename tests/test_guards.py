"""Cached generated code is guarded by what the transformer resolved: globals, closure cells, module
attributes, helpers in other modules, registered rules; a source file edited after import is declined;
a functools.wraps wrapper is differentiated as the wrapper; internal errors become TransformErrors."""

import functools
import importlib
import linecache
import sys
import textwrap
import types

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad import transforms
from sourcegrad.errors import TransformError

X = np.array([0.3, -0.7, 1.1])

ACT = np.tanh


def uses_act(x):
    return np.sum(ACT(x))


def helper_a(v):
    return v ** 2


def uses_helper(x):
    return np.sum(HELPER(x))


HELPER = helper_a


def dtanh(x):
    return 1.0 - np.tanh(x) ** 2


@pytest.fixture
def restore_globals():
    saved = dict(ACT=ACT, HELPER=HELPER)
    yield
    globals().update(saved)


@pytest.mark.parametrize("mode", ["source", "auto"])
def test_rebinding_a_global_function_rebuilds(mode, restore_globals):
    global ACT
    g = sg.grad(uses_act, mode=mode)
    np.testing.assert_allclose(g(X), dtanh(X))
    ACT = np.sin
    np.testing.assert_allclose(g(X), np.cos(X))
    assert g.mode == "source"
    # a fresh wrapper over the same function shares the cache and must see it too
    np.testing.assert_allclose(sg.grad(uses_act, mode=mode)(X), np.cos(X))
    ACT = np.tanh
    np.testing.assert_allclose(g(X), dtanh(X))


def test_rebinding_an_inlined_helper_rebuilds(restore_globals):
    global HELPER
    g = sg.grad(uses_helper, mode="source")
    np.testing.assert_allclose(g(X), 2 * X)
    HELPER = np.exp
    np.testing.assert_allclose(g(X), np.exp(X))


def test_shadowing_a_builtin_with_a_global_rebuilds():
    namespace = _module("sg_guard_builtin", """
        import numpy as np

        def f(x):
            return abs(x) * 2.0
    """)
    g = sg.grad(namespace.f, mode="source")
    assert g(-1.5) == pytest.approx(-2.0)
    namespace.abs = lambda v: v * v
    try:
        with pytest.raises(TransformError):   # a lambda global: source mode now declines
            g(-1.5)
        assert sg.grad(namespace.f)(-1.5) == pytest.approx(-6.0)
    finally:
        del namespace.abs


def make_closure(act):
    def f(x):
        return np.sum(act(x))

    def rebind(new):
        nonlocal act
        act = new

    return f, rebind


def test_rebinding_a_closure_cell_rebuilds():
    f, rebind = make_closure(np.tanh)
    g = sg.grad(f, mode="source")
    np.testing.assert_allclose(g(X), dtanh(X))
    rebind(np.sin)
    np.testing.assert_allclose(g(X), np.cos(X))


_COUNTER = [0]


def _module(prefix, text, directory=None):
    """Write ``text`` as a new module in a temporary directory and import it."""
    import tempfile

    _COUNTER[0] += 1
    name = f"{prefix}_{_COUNTER[0]}"
    directory = directory or tempfile.mkdtemp(prefix="sg_guards_")
    path = f"{directory}/{name}.py"
    with open(path, "w") as file:
        file.write(textwrap.dedent(text))
    sys.path.insert(0, directory)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(directory)


def test_module_attribute_and_helper_in_another_module():
    lib = _module("sg_guard_lib", """
        import numpy as np

        INNER = np.tanh

        def act(v):
            return INNER(v)

        def square(v):
            return v * v
    """)
    main = _module("sg_guard_main", f"""
        import numpy as np
        import {lib.__name__} as lib

        def f(x):
            return np.sum(lib.act(x))
    """)
    g = sg.grad(main.f, mode="source")
    np.testing.assert_allclose(g(X), dtanh(X))
    lib.INNER = np.sin                       # a global of the inlined helper's own module
    np.testing.assert_allclose(g(X), np.cos(X))
    lib.act = lib.square                     # the module attribute the main function calls
    np.testing.assert_allclose(g(X), 2 * X)
    main.lib = types.SimpleNamespace(act=np.exp)   # the global itself
    np.testing.assert_allclose(g(X), np.exp(X))


def test_attribute_of_a_namespace_object_rebuilds():
    cfg = types.SimpleNamespace(act=np.tanh)

    def f(x):
        return np.sum(cfg.act(x))

    g = sg.grad(f, mode="source")
    np.testing.assert_allclose(g(X), dtanh(X))
    cfg.act = np.sin
    np.testing.assert_allclose(g(X), np.cos(X))


def test_module_attribute_of_a_numpy_function_rebuilds():
    lib = _module("sg_guard_cfg", """
        import numpy as np
        ACT = np.tanh
    """)
    main = _module("sg_guard_cfg_main", f"""
        import numpy as np
        import {lib.__name__} as cfg

        def f(x):
            return np.sum(cfg.ACT(x))
    """)
    g = sg.grad(main.f, mode="source")
    np.testing.assert_allclose(g(X), dtanh(X))
    lib.ACT = np.sin
    np.testing.assert_allclose(g(X), np.cos(X))


def test_registering_a_rule_rebuilds():
    lib = _module("sg_guard_rule", """
        import numpy as np

        def clipped(v):
            return np.clip(v, -1.0, 1.0)

        def f(x):
            return np.sum(clipped(x) * 3.0)
    """)
    x = np.array([0.5, 2.0, -3.0])
    g = sg.grad(lib.f, mode="source")
    np.testing.assert_allclose(g(x), [3.0, 0.0, 0.0])
    def straight_through(g_, ans, v):
        return g_

    sg.vjp_rule(lib.clipped)(straight_through)
    try:
        np.testing.assert_allclose(g(x), [3.0, 3.0, 3.0])
    finally:
        from sourcegrad.rules import registry
        registry.VJP_RULES.pop(lib.clipped, None)
        registry.VERSION[0] += 1


# ---- the source text must be the running code


def _edit(module, old, new):
    path = module.__file__
    with open(path) as file:
        text = file.read()
    assert old in text
    with open(path, "w") as file:
        file.write(text.replace(old, new))
    linecache.checkcache(path)


def test_edited_source_file_is_declined():
    mod = _module("sg_guard_edit", """
        import numpy as np

        def f(x):
            return np.sum(x ** 2)
    """)
    _edit(mod, "x ** 2", "x ** 3")
    with pytest.raises(TransformError, match=r"the source of f in .*sg_guard_edit.*changed since it was imported"):
        sg.grad(mod.f, mode="source")(X)
    g = sg.grad(mod.f)          # auto: the tape differentiates the running code
    np.testing.assert_allclose(g(X), 2 * X)
    assert g.mode == "tape" and "changed since it was imported" in g.fallback_reason


def test_edited_helper_source_is_declined():
    mod = _module("sg_guard_edit_helper", """
        import numpy as np

        def helper(v):
            return v * 2.0

        def f(x):
            return np.sum(helper(x) * x)
    """)
    np.testing.assert_allclose(sg.grad(mod.f, mode="source")(X), 4 * X)
    _edit(mod, "v * 2.0", "v * 5.0")
    sg.api._GENERATED.pop(mod.f, None)    # a cached gradient stays right: it is of the running code
    with pytest.raises(TransformError, match="the source of helper .*changed since it was imported"):
        sg.grad(mod.f, mode="source")(X)
    np.testing.assert_allclose(sg.grad(mod.f)(X), 4 * X)


def test_edit_that_keeps_the_code_is_accepted():
    mod = _module("sg_guard_edit_comment", """
        import numpy as np

        def f(x):
            return np.sum(x ** 2)
    """)
    _edit(mod, "return np.sum(x ** 2)", "# a comment\n    return np.sum(x ** 2)  # same code")
    np.testing.assert_allclose(sg.grad(mod.f, mode="source")(X), 2 * X)


def test_closures_methods_and_decorated_functions_match_their_source():
    class Model:
        def __init__(self):
            self.__w = 2.0

        def loss(self, x):
            return np.sum(x * self.__w)

    scale = 3.0

    def nested(x):
        return np.sum(np.sin(x) * scale)

    @functools.lru_cache(maxsize=None)
    def unused():
        return 1

    def recursive_name(x):
        return np.sum(x * 2.0) if False else np.sum(x * 2.0)

    np.testing.assert_allclose(sg.grad(nested, mode="source")(X), 3 * np.cos(X))
    from sourcegrad.transforms.parse import parse_function
    parse_function(Model.loss)        # private name mangling inside a class
    parse_function(Model.__init__)
    parse_function(uses_act)


class Layer:
    """A module-level class whose methods have multi-line docstrings and name their own class."""

    def __init__(self, w):
        self.w = w

    def loss(self, x):
        """The loss.

            Indented docstring lines must not be mistaken for an edit of the file.
        """
        assert isinstance(self, Layer)
        return np.sum(np.tanh(x * self.w))


class Sub(Layer):
    def loss(self, x):
        """Calls super() the old way and the new way."""
        return super(Sub, self).loss(x) + super().loss(x)


def test_methods_with_docstrings_and_their_class_name_match_their_source():
    from sourcegrad.transforms.parse import parse_function

    parse_function(Layer.loss)
    parse_function(Sub.loss)
    layer = Layer(2.0)
    np.testing.assert_allclose(sg.grad(layer.loss)(X), 2.0 * (1 - np.tanh(2.0 * X) ** 2))


# ---- functools.wraps


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)

    return wrapper


@doubled
def wrapped_square(x):
    return np.sum(x ** 2)


def test_wraps_wrapper_is_differentiated_as_the_wrapper():
    g = sg.grad(wrapped_square)
    np.testing.assert_allclose(g(X), 4 * X)
    assert g.mode == "tape" and "*args" in g.fallback_reason
    with pytest.raises(TransformError, match=r"\*args"):
        sg.grad(wrapped_square, mode="source")(X)
    np.testing.assert_allclose(sg.grad(wrapped_square, mode="tape")(X), 4 * X)


def calls_wrapped(x):
    return wrapped_square(x) + np.sum(x)


def test_wraps_wrapper_called_by_the_function():
    g = sg.grad(calls_wrapped)
    np.testing.assert_allclose(g(X), 4 * X + 1)
    with pytest.raises(TransformError):
        sg.grad(calls_wrapped, mode="source")(X)


def test_primitive_without_rule_is_still_its_function():
    @sg.primitive
    def prim(x):
        return np.sum(np.sin(x))

    g = sg.grad(prim, mode="source")
    np.testing.assert_allclose(g(X), np.cos(X))


# ---- every internal exception is a TransformError


def test_internal_errors_become_transform_errors(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(transforms, "normalize", broken)

    def f(x):
        return np.sum(x ** 2)

    with pytest.raises(TransformError, match=r"internal error in the source transformer \(KeyError: 'boom'\).*"
                                             r"please report it"):
        sg.grad(f, mode="source")(X)
    g = sg.grad(f)
    np.testing.assert_allclose(g(X), 2 * X)
    assert g.mode == "tape" and "internal error" in g.fallback_reason and "f" in g.fallback_reason


def test_recursion_error_falls_back(monkeypatch):
    def deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(transforms, "optimize", deep)

    def f(x):
        return x * 3.0

    g = sg.grad(f)
    assert g(2.0) == 3.0
    assert "RecursionError" in g.fallback_reason


def test_own_errors_pass_through(monkeypatch):
    def output_error(*args, **kwargs):
        raise sg.OutputError("not scalar")

    monkeypatch.setattr(transforms, "normalize", output_error)

    def f(x):
        return x

    with pytest.raises(sg.OutputError, match="not scalar"):
        sg.grad(f)(1.0)


def test_resolve_attribute_records_what_it_read():
    from sourcegrad.transforms.parse import ABSENT, parse_function

    source = parse_function(uses_act)
    lib = types.ModuleType("sg_guard_attr_lib")
    lib.act = np.tanh
    assert source.resolve_attribute(lib, "act") == (True, np.tanh)
    assert source.resolve_attribute(lib, "missing") == (False, None)
    guards = {(name, obj) for mapping, name, obj in source.guards() if mapping is vars(lib)}
    assert guards == {("act", np.tanh), ("missing", ABSENT)}
