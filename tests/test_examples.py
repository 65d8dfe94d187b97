"""Every example runs as written."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"

EXPECTED = {
    "quickstart.py": ["f'(2.0) = 7.0", "def df_dx(x, bf=1.0):"],
    "mlp.py": ["training accuracy", "mode: source"],
    "newton_sqrt.py": ["mode: tape", "while loop at line"],
    "pytorch_style.py": ["prediction requires grad: False"],
}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name):
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for fragment in EXPECTED[name]:
        assert fragment in result.stdout


def test_mlp_example_learns():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import mlp
    finally:
        sys.path.pop(0)
    first, last, accuracy = mlp.main(steps=150)
    assert last < 0.3 * first and accuracy > 0.9


def test_newton_example_gradient_is_right():
    result = subprocess.run([sys.executable, str(EXAMPLES / "newton_sqrt.py")], capture_output=True, text=True)
    value = float(result.stdout.split("at a=2:")[1].split()[0])
    assert value == pytest.approx(1 / (2 * 2 ** 0.5), rel=1e-9)
