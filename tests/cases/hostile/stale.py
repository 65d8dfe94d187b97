"""Stale assumptions: something the gradient may have baked in is rebound between two gradients.

Each scenario is a factory returning a fresh ``Scenario``: ``func`` is differentiated at ``args``,
then ``rebind()`` changes what ``func`` means (a global function, a module attribute, a closure
cell, a constant, the source file on disk...), then ``func`` is differentiated again, both with the
same gradient object and with a new one; ``restore()`` undoes the change. ``tests/test_hostile.py``
checks every gradient against finite differences of the function as it runs at that moment.
"""

import importlib.util
import shutil
import sys
import tempfile
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _stale_lib
from . import M, Q, S, T, V, V3, VP

SCENARIOS = {}


@dataclass
class Scenario:
    func: object
    args: tuple
    rebind: object
    restore: object = lambda: None
    wrt: object = 0
    kwargs: dict = field(default_factory=dict)
    args_after: tuple = None      # the arguments after rebind(), when they change (default: args)
    func_after: object = None     # another function to differentiate after rebind() (same code, say)


def scenario(factory):
    SCENARIOS[factory.__name__] = factory
    return factory


def _clone(f):
    """A new function object with ``f``'s code, globals, defaults and closure: every scenario run
    differentiates its own function, so caches keyed by the function do not carry over between runs
    (that carry-over is tested on purpose in ``cache_shared_across_wrappers``)."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    g.__qualname__ = f.__qualname__
    g.__module__ = f.__module__
    return g


# ---- module globals of this module ----

ACT = np.tanh


def uses_global_act(x):
    return np.sum(ACT(x) ** 2)


@scenario
def global_function_rebound():
    def rebind():
        global ACT
        ACT = np.sin

    def restore():
        global ACT
        ACT = np.tanh

    return Scenario(_clone(uses_global_act), (V,), rebind, restore)


def _square_helper(v):
    return v * v


def _cube_helper(v):
    return v * v * v


HELPER = _square_helper


def uses_global_helper(x):
    return np.sum(HELPER(x) + x)


@scenario
def global_helper_rebound():
    def rebind():
        global HELPER
        HELPER = _cube_helper

    def restore():
        global HELPER
        HELPER = _square_helper

    return Scenario(_clone(uses_global_helper), (V,), rebind, restore)


def shape_fn(v):
    return np.exp(v)


def uses_module_level_def(x):
    return np.sum(shape_fn(x) * x)


@scenario
def module_def_redefined():
    original = shape_fn

    def rebind():
        global shape_fn

        def shape_fn(v):
            return np.cos(v) * 3.0

        globals()["shape_fn"] = shape_fn

    def restore():
        globals()["shape_fn"] = original

    return Scenario(_clone(uses_module_level_def), (V,), rebind, restore)


def uses_lib_attribute(x):
    return np.sum(_stale_lib.act(x) * x)


@scenario
def module_attribute_rebound():
    def rebind():
        _stale_lib.act = _stale_lib.other_act

    def restore():
        _stale_lib.act = _ORIGINAL_LIB_ACT

    return Scenario(_clone(uses_lib_attribute), (V,), rebind, restore)


_ORIGINAL_LIB_ACT = _stale_lib.act


def uses_lib_helper_with_global(x):
    return np.sum(_stale_lib.uses_inner(x))


@scenario
def helper_module_global_rebound():
    def rebind():
        _stale_lib.INNER = np.sin

    def restore():
        _stale_lib.INNER = np.tanh

    return Scenario(_clone(uses_lib_helper_with_global), (V,), rebind, restore)


def uses_lib_gain(x):
    return np.sum(_stale_lib.uses_gain(x) ** 2)


@scenario
def helper_module_constant_rebound():
    def rebind():
        _stale_lib.GAIN = -4.0

    def restore():
        _stale_lib.GAIN = 1.5

    return Scenario(_clone(uses_lib_gain), (V,), rebind, restore)


SCALE = 2.0


def uses_scale(x):
    return np.sum(SCALE * x ** 2)


@scenario
def global_constant_rebound():
    def rebind():
        global SCALE
        SCALE = 5.0

    def restore():
        global SCALE
        SCALE = 2.0

    return Scenario(_clone(uses_scale), (V,), rebind, restore)


W = np.array([1.0, 2.0, -1.0, 0.5])


def uses_w(x):
    return np.sum(np.sin(x * W))


@scenario
def global_array_changes_shape():
    def rebind():
        global W
        W = np.array([[1.0, 2.0, -1.0, 0.5], [0.3, 0.2, 0.1, -2.0]])

    def restore():
        global W
        W = np.array([1.0, 2.0, -1.0, 0.5])

    return Scenario(_clone(uses_w), (V,), rebind, restore)


@scenario
def global_array_mutated_in_place():
    def rebind():
        W[1] = 7.0

    def restore():
        W[1] = 2.0

    return Scenario(_clone(uses_w), (V,), rebind, restore)


@scenario
def global_scalar_becomes_array():
    def rebind():
        global SCALE
        SCALE = np.array([1.0, 2.0, 3.0, 4.0])

    def restore():
        global SCALE
        SCALE = 2.0

    return Scenario(_clone(uses_scale), (S,), rebind, restore)


xp = np


def uses_xp(x):
    return xp.sum(xp.exp(x))


@scenario
def module_alias_rebound():
    fake = types.SimpleNamespace(sum=np.sum, exp=np.sin)

    def rebind():
        global xp
        xp = fake

    def restore():
        global xp
        xp = np

    return Scenario(_clone(uses_xp), (V,), rebind, restore)


def uses_builtin_sum(x):
    return sum(x * x)


@scenario
def builtin_shadowed_later():
    def rebind():
        globals()["sum"] = np.prod

    def restore():
        globals().pop("sum", None)

    return Scenario(_clone(uses_builtin_sum), (VP,), rebind, restore)


class Activations:
    @staticmethod
    def act(v):
        return np.tanh(v)


def uses_class_static(x):
    return np.sum(Activations.act(x) ** 2)


@scenario
def class_attribute_rebound():
    original = Activations.__dict__["act"]

    def rebind():
        Activations.act = staticmethod(np.cos)

    def restore():
        Activations.act = original

    return Scenario(_clone(uses_class_static), (V,), rebind, restore)


def uses_default(x, k=2.0):
    return np.sum(x ** k)


@scenario
def defaults_replaced():
    f = _clone(uses_default)

    def rebind():
        f.__defaults__ = (3.0,)

    return Scenario(f, (VP,), rebind)


def _body_a(x):
    return np.sum(np.exp(x))


def _body_b(x):
    return np.sum(x ** 4)


def code_swapped(x):
    return np.sum(np.exp(x))


@scenario
def function_code_replaced():
    f = _clone(code_swapped)

    def rebind():
        f.__code__ = _body_b.__code__

    return Scenario(f, (V,), rebind)


# ---- closure cells ----


@scenario
def closure_cell_rebound():
    act = np.tanh

    def closure_loss(x):
        return np.sum(act(x) * x)

    def rebind():
        nonlocal act
        act = np.exp

    def restore():
        nonlocal act
        act = np.tanh

    return Scenario(closure_loss, (V,), rebind, restore)


@scenario
def closure_constant_rebound():
    k = 1.0

    def closure_scaled(x):
        return np.sum(np.sin(k * x))

    def rebind():
        nonlocal k
        k = 3.0

    return Scenario(closure_scaled, (M,), rebind)


@scenario
def closure_array_shape_changes():
    b = np.array([0.5, 0.25, -0.5])

    def closure_bias(x):
        return np.sum(np.tanh(x + b) ** 2)

    def rebind():
        nonlocal b
        b = np.array([[0.5], [-1.0]])

    return Scenario(closure_bias, (M,), rebind)


@scenario
def closure_helper_rebound():
    def helper(v):
        return v ** 2

    def closure_calls_helper(x):
        return np.sum(helper(x) * 2.0)

    def rebind():
        nonlocal helper

        def helper(v):
            return np.exp(v)

    return Scenario(closure_calls_helper, (V,), rebind)


# ---- source text on disk that no longer matches the running code ----


def _load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_COUNTER = [0]


def _cleanup(path, module):
    """restore() of the file-based scenarios: forget the module and remove its directory."""
    def restore():
        sys.modules.pop(module.__name__, None)
        shutil.rmtree(path.parent, ignore_errors=True)
    return restore


def _temp_module(text):
    _COUNTER[0] += 1
    directory = Path(tempfile.mkdtemp(prefix="sg_hostile_stale_"))
    name = f"sg_hostile_stale_mod_{_COUNTER[0]}"
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path, _load_module(path, name)


_ORIGINAL_TEXT = """
import numpy as np

def loss(x):
    return np.sum(np.exp(x) * x)
"""

_EDITED_TEXT = """
import numpy as np

def loss(x):
    return np.sum(np.cos(x) * 3.0)
"""


@scenario
def source_edited_after_first_gradient():
    path, module = _temp_module(_ORIGINAL_TEXT)

    def rebind():
        path.write_text(textwrap.dedent(_EDITED_TEXT))

    return Scenario(module.loss, (V,), rebind, _cleanup(path, module))


@scenario
def source_edited_before_first_gradient():
    path, module = _temp_module(_ORIGINAL_TEXT)
    path.write_text(textwrap.dedent(_EDITED_TEXT))     # the running code is the original text

    return Scenario(module.loss, (V,), lambda: None, _cleanup(path, module))


_SHIFTED_TEXT = """
import numpy as np



def loss(x):
    return np.sum(np.exp(x) * x)
"""


@scenario
def source_lines_shifted():
    path, module = _temp_module(_ORIGINAL_TEXT)
    path.write_text(textwrap.dedent("""
        import numpy as np

        def loss(x):
            return np.sum(x ** 2)

        def other(x):
            return np.sum(np.exp(x) * x)
    """))

    return Scenario(module.loss, (V,), lambda: None, _cleanup(path, module))


_HELPER_TEXT = """
import numpy as np

def helper(v):
    return np.tanh(v)

def loss(x):
    return np.sum(helper(x) ** 2)
"""


@scenario
def helper_source_edited():
    path, module = _temp_module(_HELPER_TEXT)

    def rebind():
        path.write_text(textwrap.dedent(_HELPER_TEXT.replace("np.tanh(v)", "np.exp(v) * 5.0")))

    return Scenario(module.loss, (V,), rebind, _cleanup(path, module))


@scenario
def module_reloaded_with_new_source():
    path, module = _temp_module(_ORIGINAL_TEXT)
    holder = {}

    def rebind():
        path.write_text(textwrap.dedent(_EDITED_TEXT))
        fresh = _load_module(path, module.__name__)
        holder["loss"] = fresh.loss

    def func(x):
        return holder.get("loss", module.loss)(x)

    return Scenario(func, (V,), rebind, _cleanup(path, module))


@scenario
def builtin_unshadowed():
    """A module global shadows a builtin, then is deleted: the name means the builtin again."""
    module = types.ModuleType("sg_hostile_unshadow")
    exec(compile("import numpy as np\nsum = np.prod\n", "<unshadow>", "exec"), module.__dict__)
    f = types.FunctionType(uses_builtin_sum.__code__, module.__dict__, "uses_builtin_sum")

    def rebind():
        del module.__dict__["sum"]

    return Scenario(f, (VP,), rebind)


@scenario
def cache_shared_across_wrappers():
    """One function, two gradient objects: the second is created after a global it calls is rebound."""
    f = _clone(uses_global_act)

    def rebind():
        global ACT
        ACT = np.exp

    def restore():
        global ACT
        ACT = np.tanh

    return Scenario(f, (V,), rebind, restore)


def _helper_v1(v):
    return v ** 2


def _helper_v2(v):
    return np.exp(v)


_hot_helper = _clone(_helper_v1)


def uses_hot_helper(x):
    return np.sum(_hot_helper(x) * 2.0)


@scenario
def helper_code_replaced():
    """A helper the function calls gets a new ``__code__`` (as a hot-reloader does)."""

    def rebind():
        _hot_helper.__code__ = _helper_v2.__code__

    def restore():
        _hot_helper.__code__ = _helper_v1.__code__

    return Scenario(_clone(uses_hot_helper), (V,), rebind, restore)


@scenario
def global_helper_rebound_to_callable_object():
    class Scaled:
        def __call__(self, v):
            return 3.0 * np.sin(v)

    def rebind():
        global HELPER
        HELPER = Scaled()

    def restore():
        global HELPER
        HELPER = _square_helper

    return Scenario(_clone(uses_global_helper), (V,), rebind, restore)


@scenario
def closure_cell_rebound_to_lambda():
    act = np.tanh

    def closure_lambda_act(x):
        return np.sum(act(x) ** 2)

    def rebind():
        nonlocal act
        act = lambda v: v * np.cos(v)   # noqa: E731

    return Scenario(closure_lambda_act, (V,), rebind)


# ---- the same function called with different kinds of arguments ----


def dispatch_by_name(x, kind):
    return np.sum(getattr(np, kind)(x))


@scenario
def string_argument_selects_function():
    """A string argument picks the NumPy function: the cache must not bake in the first one."""
    return Scenario(_clone(dispatch_by_name), (V, "sin"), lambda: None, args_after=(V, "cosh"))


def bias_loss(x, b):
    return np.sum(np.tanh(x + b) ** 2)


@scenario
def argument_shapes_change_broadcast():
    """Same kinds (arrays), new shapes: x becomes 2-D, so b's gradient needs an unbroadcast."""
    X = np.array([[0.3, -0.8, 1.1, 0.45], [0.2, 0.5, -0.4, 0.9]])
    return Scenario(_clone(bias_loss), (V, VP * 0.5), lambda: None, wrt=1, args_after=(X, VP * 0.5))


@scenario
def argument_rank_changes_reduction():
    """x is 1-D, then 3-D: a reduction's adjoint must expand to the new rank."""
    return Scenario(_clone(uses_w), (V,), lambda: None, args_after=(T,))


def scaled_by(x, k):
    return np.sum(np.sin(x * k))


@scenario
def scalar_argument_becomes_array():
    """k is a float, then an array of x's shape (wrt x)."""
    return Scenario(_clone(scaled_by), (V, 2.0), lambda: None, args_after=(V, VP))


@scenario
def wrt_argument_float_then_numpy_scalar():
    """The differentiated argument is a float, then a NumPy float64, then a 0-d array."""
    return Scenario(_clone(scaled_by), (0.7, 1.5), lambda: None, args_after=(np.float64(0.7), 1.5))


@scenario
def wrt_argument_becomes_0d_array():
    return Scenario(_clone(scaled_by), (0.7, 1.5), lambda: None, args_after=(np.array(0.7), 1.5))


def flag_loss(x, square):
    return np.sum(np.where(square, x ** 2, x * 3.0))


@scenario
def boolean_flag_argument_flips():
    return Scenario(_clone(flag_loss), (V, True), lambda: None, args_after=(V, False))


# ---- functions that share code (and source text) but not globals, closures or defaults ----


def _make_act_closure(act):
    def shared_code_closure(x):
        return np.sum(act(x) * x)
    return shared_code_closure


@scenario
def two_closures_same_code():
    """Two closures made by one factory: same code object and source text, different cells."""
    return Scenario(_make_act_closure(np.tanh), (V,), lambda: None, func_after=_make_act_closure(np.exp))


@scenario
def same_code_different_globals():
    """One code object run with two globals dicts (ACT is tanh in one, sin in the other)."""
    other = dict(globals())
    other["ACT"] = np.sin
    f2 = types.FunctionType(uses_global_act.__code__, other, "uses_global_act")
    return Scenario(_clone(uses_global_act), (V,), lambda: None, func_after=f2)


@scenario
def same_code_different_defaults():
    f2 = _clone(uses_default)
    f2.__defaults__ = (3.0,)
    return Scenario(_clone(uses_default), (VP,), lambda: None, func_after=f2)


def _make_helper_closure(helper):
    def shared_code_helper_closure(x):
        return np.sum(helper(x) ** 2)
    return shared_code_helper_closure


@scenario
def two_closures_same_code_inlined_helpers():
    """As two_closures_same_code, but the cell holds a Python helper that source mode inlines."""
    return Scenario(_make_helper_closure(_helper_v1), (V,), lambda: None,
                    func_after=_make_helper_closure(_helper_v2))


@scenario
def helper_module_alias_rebound():
    """A helper in another module calls NumPy through that module's alias, which is rebound."""
    fake = types.SimpleNamespace(sum=np.sum, sin=np.cos)

    def rebind():
        _stale_lib.xp = fake

    def restore():
        _stale_lib.xp = np

    return Scenario(_clone(uses_lib_xp), (V,), rebind, restore)


def uses_lib_xp(x):
    return np.sum(_stale_lib.uses_xp(x))


@scenario
def wraps_wrapped_replaced():
    """A functools.wraps wrapper whose __wrapped__ is replaced: the wrapper's behaviour does not change."""
    import functools

    def inner(v):
        return np.sum(np.sin(v))

    @functools.wraps(inner)
    def wrapper(x):
        return 2.0 * inner(x)

    def other(v):
        return np.sum(v ** 5)

    def rebind():
        wrapper.__wrapped__ = other

    return Scenario(wrapper, (V,), rebind)


def takes_function(x, act):
    return np.sum(act(x) ** 2)


@scenario
def function_argument_changes():
    """A (non-differentiated) argument is a function: np.tanh, then np.sin."""
    return Scenario(_clone(takes_function), (V, np.tanh), lambda: None, args_after=(V, np.sin))


@scenario
def python_function_argument_changes():
    """Same, with Python functions source mode could inline."""
    return Scenario(_clone(takes_function), (V, _helper_v1), lambda: None, args_after=(V, _helper_v2))


def takes_module(x, mod):
    return mod.sum(mod.exp(x))


@scenario
def module_argument_changes():
    fake = types.SimpleNamespace(sum=np.sum, exp=np.sin)
    return Scenario(_clone(takes_module), (V, np), lambda: None, args_after=(V, fake))


# ---- non-function globals that decide shapes, axes and indices ----

AXIS = 0
KEEP = True
SPEC = "ij,ij->i"
SHAPE = (3, 2)
SL = slice(0, 2)
IDX = [0, 1]
ORDER = "C"
DDOF = 0


def uses_axis(x):
    s = np.sum(x, axis=AXIS, keepdims=True)
    return np.sum((x - s) ** 2 * np.arange(1.0, 4.0))


def uses_keep(x):
    s = np.sum(x, axis=0, keepdims=KEEP)
    return np.sum((x * s) ** 2)


def uses_spec(a):
    return np.sum(np.einsum(SPEC, a, a) * np.arange(1.0, 3.0 + (SPEC[-1] == "j")))


def uses_shape(x):
    return np.sum(x.reshape(SHAPE) * np.arange(1.0, 1.0 + SHAPE[1]))


def uses_slice_setitem(x):
    y = x.copy()
    y[SL] = x[SL] ** 2
    return np.sum(y * np.arange(1.0, 5.0))


def uses_index_list(x):
    y = np.zeros(4)
    y[IDX] = x[:2] * 3.0
    return np.sum(y * np.arange(1.0, 5.0)) + np.sum(x[IDX] ** 2)


def uses_order(x):
    return np.sum(x.ravel(ORDER) * np.arange(1.0, 7.0))


def uses_ddof(x):
    return np.sum(np.var(x, axis=1, ddof=DDOF))


def _global_setter(name, new):
    old = globals()[name]

    def rebind():
        globals()[name] = new

    def restore():
        globals()[name] = old

    return rebind, restore


@scenario
def global_axis_changes():
    return Scenario(_clone(uses_axis), (M,), *_global_setter("AXIS", 1))


@scenario
def global_keepdims_flag_changes():
    return Scenario(_clone(uses_keep), (M,), *_global_setter("KEEP", False))


@scenario
def global_einsum_spec_changes():
    return Scenario(_clone(uses_spec), (M,), *_global_setter("SPEC", "ij,ij->j"))


@scenario
def global_reshape_target_changes():
    return Scenario(_clone(uses_shape), (M,), *_global_setter("SHAPE", (2, 3)))


@scenario
def global_slice_changes():
    return Scenario(_clone(uses_slice_setitem), (V,), *_global_setter("SL", slice(1, 4)))


@scenario
def global_index_list_mutated_in_place():
    def rebind():
        IDX[0] = 3

    def restore():
        IDX[0] = 0

    return Scenario(_clone(uses_index_list), (V,), rebind, restore)


@scenario
def global_order_changes():
    return Scenario(_clone(uses_order), (M,), *_global_setter("ORDER", "F"))


@scenario
def global_ddof_changes():
    return Scenario(_clone(uses_ddof), (M,), *_global_setter("DDOF", 1))


@scenario
def closure_axis_changes():
    axis = 0

    def closure_reduce(x):
        s = np.mean(x, axis=axis, keepdims=True)
        return np.sum((x - s) ** 3)

    def rebind():
        nonlocal axis
        axis = 1

    return Scenario(closure_reduce, (M,), rebind)
