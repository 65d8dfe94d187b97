"""The issue-12 benchmark (benchmarks/higher_order.py) runs end to end on tiny sizes and every product it times
is right (it checks them against finite differences of the gradient and the gradient before timing). No timing
assertions: ``python -m benchmarks`` prints the ratios."""

import numpy as np

import sourcegrad as sg
from benchmarks import higher_order


def test_the_report_runs_and_finds_nothing_wrong(capsys):
    checks = higher_order.report("tiny", rounds=1, budget=0.0005)
    out = capsys.readouterr().out
    assert "WRONG" not in out and "declined" not in out, out
    labels = [label for label, _, _ in checks]
    assert "hvp/grad, Rosenbrock x[i] (5 entries)" in labels and "jvp/f, logistic regression (10)" in labels
    assert all(measured is not None and measured > 0 for _, measured, _ in checks)
    assert "sg.hessian of a small scalar function of 3 variables" in out


def test_the_small_scalar_hessian_is_right():
    x = np.array([0.3, -1.2, 0.8])
    s = np.sum(x)
    expected = np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x)) + 6 * s
    expected += np.array([[0, x[2], x[1]], [x[2], 0, x[0]], [x[1], x[0], 0]])
    np.testing.assert_allclose(sg.hessian(higher_order.small_scalar)(x), expected, rtol=1e-12)
