"""Generated names never hide what the generated code reads: temporaries (``t0``...), versions and
adjoints (``bx``...) skip the function's globals, its closure variables, the builtins, and every
name generated code reads from outside (a global read by an inlined helper from any module).

Each case is differentiated in source mode and compared with finite differences; its generated
source must also be byte-identical across two builds.
"""

import ast
import importlib.util
import sys
import textwrap
from math import log as natural_log, log2

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.kinds import kind_of
from sourcegrad.transforms import build_gradient

X = np.array([0.4, -1.3, 0.8])


@pytest.fixture
def module(tmp_path, monkeypatch):
    """``module(name, text)``: write a module into a temporary directory on sys.path and import it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(name, text):
        name = f"{name}_{tmp_path.name}".replace("-", "_")
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text).replace("{suffix}", f"_{tmp_path.name}"
                                                                            .replace("-", "_")))
        spec = importlib.util.spec_from_file_location(name, tmp_path / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        made.append(name)
        spec.loader.exec_module(mod)
        return mod

    yield make
    for name in made:
        sys.modules.pop(name, None)


def check(f, *args, wrt=0):
    """Source-mode gradient equals finite differences; two builds give the same text. Returns the source."""
    g = sg.grad(f, wrt=wrt, mode="source")
    got = g(*args)
    assert g.mode == "source"
    np.testing.assert_allclose(got, sg.numerical_grad(f, *args, wrt=wrt), rtol=1e-6, atol=1e-9)
    names = (f.__code__.co_varnames[wrt],)
    kinds = dict(zip(f.__code__.co_varnames, map(kind_of, args)))   # what sg.grad specialises on
    first, second = build_gradient(f, names, kinds).text, build_gradient(f, names, kinds).text
    assert first == second
    assert g.source == first
    return first


def assigned_names(text):
    return {t.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def test_a_global_named_t0_read_by_the_function(module):
    mod = module("global_t0_read", """
        import numpy as np
        t0 = 2.5

        def f(x):
            return np.sum(np.sin(x * x) * t0 + x)
    """)
    text = check(mod.f, X)
    assert "t0" not in assigned_names(text)


def test_a_global_named_t0_read_by_a_helper_of_the_same_module_before_any_temporary(module):
    mod = module("global_t0_helper", """
        import numpy as np
        t0 = 3.0

        def helper(z):
            return t0 * np.sin(z)

        def f(x):
            y = helper(x)
            return np.sum(y * np.cos(x))
    """)
    text = check(mod.f, X)
    assert "t0" not in assigned_names(text)


def test_a_global_named_t0_read_by_a_helper_from_another_module(module):
    module("helper_lib", """
        import numpy as np
        t0 = 3.0

        def helper(z):
            return t0 * np.sin(z) + z * z
    """)
    main = module("uses_helper_lib", """
        import numpy as np
        from helper_lib{suffix} import helper, t0

        def f(x):
            y = helper(x)
            return np.sum(y * np.cos(x)) + t0 * 0.0
    """)
    check(main.f, X)
    other = module("uses_helper_lib_only", """
        import numpy as np
        from helper_lib{suffix} import helper

        def f(x):
            y = helper(x)
            return np.sum(y * np.exp(x))
    """)
    check(other.f, X)


def test_a_global_t0_the_function_never_reads_is_not_hidden_either(module):
    mod = module("global_t0_unread", """
        import numpy as np
        t0 = "a module constant"

        def f(x):
            return np.sum(np.tanh(x * 2.0) * x)
    """)
    text = check(mod.f, X)
    assert "t0" not in assigned_names(text)


def test_a_global_named_bx_read_by_a_helper(module):
    mod = module("global_bx_helper", """
        import numpy as np
        bx = 2.0

        def scaled(z):
            return z * bx

        def f(x):
            return np.sum(scaled(x) * x)
    """)
    text = check(mod.f, X)
    assert "bx" not in assigned_names(text)
    assert "bx_1" in assigned_names(text)


def test_a_global_named_bx_read_by_the_function(module):
    mod = module("global_bx_read", """
        import numpy as np
        bx = 2.0

        def f(x):
            return np.sum(np.sin(x) * bx)
    """)
    text = check(mod.f, X)
    assert "bx" not in assigned_names(text)


def test_a_local_whose_adjoint_would_be_a_builtin_that_a_helper_calls(module):
    mod = module("adjoint_bool", """
        import numpy as np

        def gain(flag):
            return 1.0 + float(bool(flag))

        def f(x):
            ool = x * 2.0
            return np.sum(ool * x) * gain(3)
    """)
    text = check(mod.f, X)
    assert "bool" not in assigned_names(text)


def test_a_local_whose_adjoint_would_be_a_builtin_the_function_calls(module):
    mod = module("adjoint_bytes", """
        import numpy as np

        def f(x):
            ytes = np.sin(x)
            n = len(bytes(2))
            return np.sum(ytes * x) * n
    """)
    text = check(mod.f, X)
    assert "bytes" not in assigned_names(text)


def test_a_local_whose_adjoint_would_be_a_builtin_nobody_reads(module):
    mod = module("adjoint_bin", """
        import numpy as np

        def f(x):
            ytearray = x * x
            return np.sum(ytearray * 3.0)
    """)
    text = check(mod.f, X)
    assert "bytearray" not in assigned_names(text)


def test_a_closure_variable_named_like_a_temporary(module):
    mod = module("closure_t0", """
        import numpy as np

        def make(t0, bx):
            def helper(z):
                return z * t0 + bx

            def f(x):
                y = helper(x)
                return np.sum(np.sin(y) * x) + t0
            return f

        f = make(1.5, 0.25)
    """)
    text = check(mod.f, X)
    assert not {"t0", "bx"} & assigned_names(text)


def test_a_closure_variable_read_only_by_an_inlined_helper(module):
    mod = module("closure_helper_only", """
        import numpy as np

        def make(t0):
            def helper(z):
                return t0 * np.cos(z)

            def f(x):
                y = helper(x)
                return np.sum(y * x)
            return f

        f = make(1.5)
    """)
    check(mod.f, X)


def test_a_helper_global_that_the_function_binds_as_a_local(module):
    mod = module("helper_global_shadowed", """
        import numpy as np
        scale = 3.0

        def helper(z):
            return z * scale

        def f(x):
            y = helper(x)
            scale = np.sin(x)
            return np.sum(y * scale)
    """)
    check(mod.f, X)


def test_helpers_reading_the_same_names_from_two_modules(module):
    module("lib_a", """
        import numpy as np
        t0 = 2.0
        bx = 0.5

        def fa(z):
            return t0 * z + bx
    """)
    module("lib_b", """
        import numpy as np
        t0 = -1.0
        bx = 4.0

        def fb(z):
            return np.sin(z) * t0 * bx
    """)
    main = module("uses_two_libs", """
        import numpy as np
        from lib_a{suffix} import fa
        from lib_b{suffix} import fb

        def f(x):
            return np.sum(fa(x) * fb(x))
    """)
    check(main.f, X)


def test_many_versions_of_one_name_are_numbered_in_order(module):
    body = "\n".join("    y = np.sin(y) + x" for _ in range(30))
    mod = module("versions", "import numpy as np\n\ndef f(x):\n    y = x\n" + body + "\n    return np.sum(y)\n")
    text = check(mod.f, X)
    versions = [n for n in assigned_names(text) if n.startswith("y_")]
    assert sorted(versions, key=lambda n: int(n[2:])) == [f"y_{i}" for i in range(1, 31)]


def scalar_log2(x):
    return log2(x) * 3.0  # math.log2 imported by name: no global "math" in this module


def test_math_calls_on_constants_in_inlined_rules_are_folded():
    # the rule of math.log2 is g / (x * math.log(2)); its math is the rules module's, not this module's
    g = sg.grad(scalar_log2, mode="source")
    assert g(2.0) == pytest.approx(3.0 / (2.0 * np.log(2.0)), rel=1e-12)
    assert repr(natural_log(2)) in g.source and "math.log(2)" not in g.source
