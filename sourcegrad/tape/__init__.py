"""The taping runtime: record operations on ``Tensor`` values as they run, then replay them backwards.

This is sourcegrad's fallback engine, in the style of PyTorch's autograd and HIPS autograd::

    x = tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x + 1          # each operation appends a Node to the graph
    y.backward()                    # walk the graph from y back to x
    x.grad                          # 7.0

It reads the same rule table as the source transformer (``sourcegrad.rules``): a recorded call of a
primitive ``f`` keeps ``f``'s rule, its raw (unboxed) arguments and its raw result, and ``backward``
calls the rule function ``rule.fn(g, ans, *args, **kwargs)`` (called
directly because adjoints of arguments passed by keyword are needed too). There is no second copy
of any derivative here.

Unmodified ``import numpy as np`` code records too, because ``Tensor`` implements NumPy's
``__array_ufunc__`` and ``__array_function__`` protocols: ``np.sin(x)``, ``np.dot(W, x)``,
``np.sum(x, axis=0)``, ``np.where(x > 0, x, 0)`` on Tensors all land here.

Semantics worth knowing:

* ``backward(create_graph=True)`` records the backward pass itself (``higher.py``): ``.grad`` is then a
  Tensor that can be differentiated again; ``gradient(output, inputs)`` (as ``torch.autograd.grad``)
  returns the gradients without writing any ``.grad``. ``value_and_grad_tape`` called inside a function
  being differentiated on the tape records its gradient so, with respect to its own arguments only.
* ``.grad`` of a leaf accumulates across ``backward`` calls until you reset it (``x.grad = None`` or
  an optimiser's ``zero_grad()``). Gradients are raw values (a float or an ndarray) with the leaf's
  shape and floating dtype.
* ``backward`` frees the recorded arguments of the graph it walked unless ``retain_graph=True``;
  walking a freed graph again raises ``RuntimeError``.
* Comparisons and the functions declared non-differentiable (``np.floor``, ``np.argmax``,
  ``np.shape`` ...) return plain values, never Tensors.
* ``float(t)`` (and ``math.sin(t)``, ``np.asarray(t)`` in code ``value_and_grad_tape`` does not reach:
  see ``namespace.py``) would turn a Tensor into a plain number or array and silently lose its
  gradient, so they raise ``GradientLostError`` on a Tensor that requires grad while recording. Use
  ``np.*`` functions, or ``t.detach()`` to convert on purpose. ``int(t)``, ``round(t)`` and
  ``math.floor(t)`` give plain numbers: their derivative is zero almost everywhere.
  A method of a plain array called with a Tensor (``y.dot(x)``) converts it so too: NumPy gives
  ndarray methods no hook for Tensors; the function form (``np.dot(y, x)``) records.
  ``t.item()`` and ``t.numpy()`` leave the tape as in PyTorch, except inside ``value_and_grad_tape``
  where ``.item()`` is recorded (so ``return x.item() ** 2`` has a gradient) and ``.numpy()`` raises.
* Lists/tuples of Tensors as arguments (``np.stack([a, b])``) and calls with several results
  (``np.linalg.eigh``, ``np.split``) are recorded; NumPy never passes Tensors to ``np.array`` or
  ``np.asarray``, so those are recorded only where ``value_and_grad_tape`` swapped in its stand-ins
  (``namespace.py``), and raise ``GradientLostError`` elsewhere.
* Errors raised while ``value_and_grad_tape`` runs a function end with the function, file, line and
  statement of the user's code that caused them (``functional._point_at_user``).
* In-place operators (``v += y``, ``-= *= /= **= @= //= %=``) keep NumPy's semantics, or raise
  ``InPlaceError`` where the tape cannot follow them:

  - on a Tensor holding a number (a float, a NumPy scalar: immutable, as in NumPy) they rebind the
    name to a new Tensor ``v + y``, even on a leaf (``v = s; v += 1.0`` leaves ``s`` as it was);
  - on a Tensor holding an array that is part of the graph (or gets a gradient from ``y``), the
    Tensor object itself is updated: its value is replaced by a new array (with NumPy's in-place
    dtype and shape) and its history by the recorded operation, so every name of that Tensor
    (``w = v``) sees the update, and earlier uses of ``v`` keep the value they were recorded with.
    Recorded views of it (``v[1:]``, ``v.T``, ``v.reshape(...)``, ``np.squeeze(v)``, views of those)
    form a tree with it: an update of any of them is written through to the others (``r = v[0];
    r += 1`` changes ``v``, and ``v[0] = 0`` changes ``r``), each getting a new array and history
    (see ``_write_through``). Arrays outside the tape's sight that share the memory would not see
    it (an array the Tensor was made from or handed out: ``sg.tensor(a)``, ``v.detach()``,
    ``v.numpy()``; a view taken inside ``no_grad()``; the parts of ``np.split``), so there the update
    raises ``InPlaceError`` (write ``v = v + y``), as does assigning a view that an earlier write
    through the same array changed (``a = v[0]; v[0] = v[1]; v[1] = a``: NumPy's shuffle of a Tensor).
    Inside ``no_grad()`` the value is replaced the same way and the history kept, as in PyTorch;
  - on a leaf array that requires grad they raise ``InPlaceError`` while recording, as in PyTorch;
    inside ``no_grad()`` they update the leaf's value and keep the leaf (the ``w -= lr * w.grad``
    idiom; leaves holding numbers too). The arguments ``value_and_grad_tape`` differentiates are the
    exception: their leaves hold a copy of the caller's array, so the function may update them in
    place (``x += 1``, ``x[0] = 0``, through a view of ``x``): the update is recorded like any other
    and the caller's array gets the final value when the call ends; the gradient is taken at the
    value the argument had when the call began. Refused (``InPlaceError``): another argument sharing
    its memory, a recorded operation reading the caller's array under another name (a global naming
    it; a plain NumPy read of it sees the value of when the call began), a read-only or integer
    (promoted) argument;
  - on an array Tensor without gradient, updated with values that need none (or inside
    ``no_grad()``), they write into its array, as NumPy does.

  ``t.sort(...)``, ``t.partition(...)`` and ``t.fill(v)`` are the item assignments ``t[...] = np.sort(t, ...)``
  (``v``); the other in-place ndarray methods (``put``, ``resize``...) raise ``InPlaceMethodError``.

  Item assignment (``t[i] = y``) follows the same rules: on an array Tensor of the graph (or given a
  gradient by ``y``) it is recorded as ``t = updated(t, i, y)`` (and written through its tree of
  views); on a leaf that requires grad, or a Tensor whose array is shared outside the tape, it
  raises ``InPlaceError`` while recording.

  A plain ndarray updated in place with a Tensor that requires grad (``acc += t``, which NumPy runs
  as ``np.add(acc, t, out=acc)``) raises ``InPlaceError``: a plain array cannot hold a gradient;
  write ``acc = acc + t``.
* ``out=`` (by keyword or by position, for ufuncs, NumPy functions and ndarray methods) and the
  functions that write into their first argument (``np.copyto``, ``np.put``, ``np.place``,
  ``np.putmask``, ``np.fill_diagonal``, ``np.put_along_axis``, ``np.add.at``...) follow the same rules
  (see ``_call_with_out``): ``np.clip(y, -1, 1, out=y)`` on a Tensor is the in-place update
  ``y = np.clip(y, -1, 1)``, ``np.copyto(y, src)`` is ``y[...] = src``, and ``np.putmask``,
  ``np.place`` and ``np.fill_diagonal`` are item assignments when their values need no cycling; the
  other writes into a Tensor raise ``InPlaceError`` while recording. Writing a Tensor that requires grad into a plain
  array by any route (``out=buf``, ``np.copyto(buf, t)``, ``buf[i] = t``, ``np.fromiter``) raises
  ``PlainArrayWriteError`` (both a ``GradientLostError`` and an ``InPlaceError``), before writing
  where the tape sees the call; ``buf[i] = t`` is only seen as NumPy's ``ValueError`` "setting an
  array element with a sequence" (chained to the GradientLostError of ``float(t)``), which
  ``value_and_grad_tape`` turns into a PlainArrayWriteError.
* Type checks see the class of the value: ``isinstance(t, np.ndarray)``, ``isinstance(t, float)``,
  ``np.isscalar(t)``, ``isinstance(t, numbers.Number)``, ``t.__class__`` answer as for the value held
  (``type(t)`` is still ``Tensor``, except in the user's modules while ``value_and_grad_tape`` runs,
  where ``type`` is a stand-in answering the class of the value (``namespace.py``); a function outside
  them, made by ``exec``, whose own code calls ``type`` is refused with a ``TypeError``), and a Tensor holding a number has no
  ``len()`` (``hasattr(t, "__len__")`` is False, ``np.iterable(t)`` too).
* ``t.flat`` reads through ``t.flatten()`` (recorded) and assigns through ``t[...] = v``;
  ``copy.copy(t)`` and ``copy.deepcopy(t)`` are recorded copies (a leaf outside
  ``value_and_grad_tape`` gives a new leaf, as in PyTorch); ``t.tobytes()``, ``t.ctypes``,
  ``np.frompyfunc(...)(t)`` and (inside ``value_and_grad_tape``) ``t.data`` raise rather than hand out
  the raw values.
* A recorded operation keeps its arguments and its result, and ``backward`` reads them. Inside
  ``value_and_grad_tape`` (``sg.grad(f, mode="tape")``) it keeps a copy of each array the graph does
  not own (a plain array, a constant Tensor's, a view of one: one copy per array while its values do
  not change, see ``_kept``), so code that modifies one in place after using it (``W -= 1.0``,
  ``c[0] = 5.0``, an index array reused) runs as NumPy runs it and the gradient uses the values each
  operation saw. The leaves' arrays (the caller's) are made read-only until the gradient is computed
  (writeable again afterwards, also when ``f`` raises), as are arrays the graph owns once handed
  out (``t.numpy()``, ``t.detach()``): writing into one raises ``InPlaceError``. NumPy cannot reach
  the views of an array made before it became read-only, so a copy of each such array is kept too
  and ``backward()`` raises ``InPlaceError`` if one changed. Imperative code (``tensor(...)``,
  ``.backward()``) has no such guard at all: do not modify an array in place after a recorded
  operation used it and before ``backward()`` (PyTorch has the same caveat for arrays shared with
  NumPy).
* Pickling a Tensor keeps its value (a leaf stays a leaf that requires grad, as in PyTorch), not its
  history: ``GradientLostError`` for a Tensor of the graph, or inside ``value_and_grad_tape``.
"""

# tensor first: the modules it builds on import Tensor from it (see the end of tensor.py)
from .tensor import Tensor, tensor
from .errors import (GradientLostError, InPlaceError, InPlaceMethodError, NoRuleError, PlainArrayWriteError,
                     RuleBypassError, TensorTypeError)
from .mode import enable_grad, is_grad_enabled, no_grad
from .recording import apply
from .functional import value_and_grad_tape
from .higher import gradient

__all__ = [
    "Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "apply", "value_and_grad_tape", "gradient",
    "NoRuleError", "GradientLostError", "InPlaceError", "InPlaceMethodError", "PlainArrayWriteError", "RuleBypassError",
    "TensorTypeError",
]
