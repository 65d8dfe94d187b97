"""The errors the tape raises: each says what went wrong and how to go on."""



class NoRuleError(NotImplementedError):
    """A primitive was applied to a Tensor that requires grad, and no derivative rule is registered."""


class GradientLostError(TypeError):
    """A Tensor that requires grad was converted to a plain number or array while recording."""


class InPlaceError(RuntimeError):
    """An array was updated in place in a way the tape cannot follow: the gradient (or the value seen
    through another name or view of the array) would be wrong. The message says what to write instead."""


class InPlaceMethodError(InPlaceError, TypeError):
    """An ndarray method that changes its array in place (``sort``, ``fill``...) was called on a Tensor."""


class PlainArrayWriteError(GradientLostError, InPlaceError):
    """A value computed from a Tensor that requires grad was written into a plain NumPy array (``out=`` a
    plain array, ``a[i] = t``, ``np.copyto(a, t)``...): the array cannot hold a gradient, and the tape
    does not follow in-place updates of plain arrays. Both a GradientLostError and an InPlaceError."""


class RuleBypassError(RuntimeError):
    """A Python function with a registered rule was called, on the tape, in a way the tape cannot
    redirect to its rule (a closure variable, a default argument, a container...)."""


class TensorTypeError(TypeError):
    """Python or NumPy code that takes only real arrays or numbers (an unbound ndarray method such as
    ``np.ndarray.__setitem__(y, ...)``, ``memoryview(t)``, a C extension) was given a Tensor while a
    function ran on the tape: the tape cannot see inside it."""
