"""Grad mode: whether operations on Tensors are recorded in this thread (``no_grad``, ``enable_grad``)."""

import functools
import threading



class _GradMode(threading.local):
    enabled = True      # each thread starts with recording on
    functional = False  # inside value_and_grad_tape: .item() is recorded (see Tensor.item)
    protected = None    # inside value_and_grad_tape: {id: array} of the arrays made read-only (_protect)
    arguments = None    # inside value_and_grad_tape: {id(leaf): _Argument} (see _argument_leaves)
    argument_memory = None  # {id(memory owner of the caller's array): _Argument}
    fresh = None        # inside value_and_grad_tape: weak references to the Tensors np.zeros & co. made there


_mode = _GradMode()


def is_grad_enabled():
    """True when operations on Tensors are being recorded in the current thread."""
    return _mode.enabled


class _GradModeContext:
    """Base of ``no_grad``/``enable_grad``: a context manager, and a decorator when called on a function."""

    _enabled = None

    def __new__(cls, func=None):
        self = super().__new__(cls)
        self._saved = []
        if func is not None:  # bare decorator: @no_grad
            return self(func)
        return self

    def __enter__(self):
        self._saved.append(_mode.enabled)
        _mode.enabled = self._enabled
        return self

    def __exit__(self, *exc_info):
        _mode.enabled = self._saved.pop()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"{type(self).__name__}() decorates a function, got {func!r}")
        cls = type(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with cls():  # a fresh context per call: safe under recursion and threads
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Turn recording off in this thread: ``with no_grad(): ...`` or ``@no_grad()`` / ``@no_grad``.

    Inside it, operations on Tensors return Tensors with ``requires_grad=False`` and keep no graph.
    Nestable; other threads keep recording."""

    _enabled = False


class enable_grad(_GradModeContext):
    """Turn recording back on in this thread (inside a ``no_grad`` block); also a decorator."""

    _enabled = True
