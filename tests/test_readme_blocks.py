"""The README's tour and tape blocks run as written, in order, in one namespace (as a new user pastes them)."""

import pathlib
import re
import runpy

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).parent.parent
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def block_starting(text, first_line):
    return next(b for b in PYTHON_BLOCK.findall(text) if b.startswith(first_line))


def test_the_tour_and_the_tape_block_run_in_order(tmp_path, capsys):
    text = (ROOT / "README.md").read_text()
    tour = block_starting(text, "import numpy as np\nimport sourcegrad as sg\n")
    tape = block_starting(text, "x = sg.tensor(2.0, requires_grad=True)\n")
    script = tmp_path / "readme_blocks.py"        # a file, as source mode reads the function's source
    script.write_text(tour + "\n" + tape)
    namespace = runpy.run_path(str(script))
    shown = capsys.readouterr().out
    # what the user is shown is the block printed below the tour, function name included
    following = text[text.index(tour) + len(tour):]
    generated = PYTHON_BLOCK.search(following).group(1)
    assert shown.rstrip("\n") + "\n" == generated and shown.startswith("def dpoly_dx(x):")
    assert namespace["poly"](2.0) == 7.0
    assert namespace["x"].grad == 7.0
    w, b = namespace["w"].detach().numpy(), namespace["b"].detach().item()
    np.testing.assert_allclose(w, [1.5, -2.0, 0.5], atol=1e-2)
    assert b == pytest.approx(0.3, abs=1e-2)
    assert not namespace["prediction"].requires_grad
