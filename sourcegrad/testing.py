"""Helpers for testing code that uses sourcegrad (pytest or plain ``assert``-style tests).

    from sourcegrad.testing import assert_grad_close

    def test_loss_gradient():
        assert_grad_close(loss, w, x, wrt="w")
"""

from .check import MODES, check_grad

__all__ = ["assert_grad_close"]


def assert_grad_close(f, *args, wrt=0, rtol=None, atol=None, mode_rtol=None, mode_atol=None, modes=MODES,
                      kwargs=None):
    """Assert that source mode, tape mode and finite differences agree on the gradient of ``f``.

    Runs ``sg.check_grad(f, *args, wrt=wrt, ...)`` (see it for the tolerances and their defaults)
    and raises ``AssertionError`` — a ``GradientCheckError`` whose message is the full report —
    when any pair disagrees, a gradient or the value is NaN/inf, or a mode fails. Keyword
    arguments for ``f`` itself go in ``kwargs=`` (a dict). Returns the report when all agree.
    """
    __tracebackhide__ = True  # pytest: show the report, not this frame
    return check_grad(f, *args, wrt=wrt, rtol=rtol, atol=atol, mode_rtol=mode_rtol, mode_atol=mode_atol,
                      modes=modes, raise_on_failure=True, **(kwargs or {}))
