"""The README stays true: its generated-source blocks are what sourcegrad generates today."""

import importlib.util
import pathlib
import re
import sys

import numpy as np
import pytest

import sourcegrad as sg

ROOT = pathlib.Path(__file__).parent.parent
BLOCK = re.compile(r"<!-- generated: (\S+):(\w+)(?: ([^>]*?))? -->\n```python\n(.*?)```", re.S)


def _load(path):
    spec = importlib.util.spec_from_file_location(f"readme_{pathlib.Path(path).stem}", ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_generated_blocks_are_current(capsys):
    text = (ROOT / "README.md").read_text()
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 2
    for path, name, args, shown in blocks:
        func = getattr(_load(path), name)
        g = sg.grad(func)
        if args:
            g(*[float(a) for a in args.split()])
        capsys.readouterr()
        assert g.source == shown, f"README block for {path}:{name} is out of date:\n{g.source}"


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_command():
    text = (ROOT / "README.md").read_text()
    assert "pip install -e . && python examples/quickstart.py" in text
    assert 'pip install -e ".[test]" && python -m pytest' in text
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet --disable-pip-version-check -e ".[test]"' in ci
    assert ci.strip().endswith("python -m pytest")


@pytest.mark.skipif(np.lib.NumpyVersion(np.__version__) < "2.2.0" or sys.version_info < (3, 11),
                    reason="the README counts the rules on NumPy >= 2.2 and Python >= 3.11, which have a few functions "
                           "older ones lack (math.cbrt, math.exp2)")
def test_readme_coverage_counts_match_the_rule_table():
    from sourcegrad import rules

    text = (ROOT / "README.md").read_text()
    builtin = [r for r in rules.VJP_RULES.values() if r.fn.__module__.startswith("sourcegrad.rules")]
    functions = len({rule.fn for rule in builtin})   # other tests register rules of their own
    assert f"{len(builtin)} differentiable primitives ({functions} rule functions)" in text
    nondiff = [p for p in rules.NONDIFFERENTIABLE if not getattr(p, "__module__", "").startswith("tests")]
    assert f"{len(nondiff)} declared non-differentiable" in text
