"""Root causes of the hostile failures, as best as can be told from outside the transformer.

``CAUSES`` is an ordered list of (label, explanation, predicate); the report files each failure under
the first cause whose predicate accepts it (``None`` left: "unclassified"). Predicates see an outcome's
``id`` (family::name), ``family``, ``mode``, ``kind`` (wrong | exception | mutation | no_reason |
fallback_reason) and ``detail``. A reading aid only: the tests never look at it. Update it when the
failures change.
"""

SILENT = "SILENT WRONG GRADIENT"


def _ids(*names, modes=None, kinds=None):
    wanted = set(names)

    def match(o):
        return (o.id in wanted and (modes is None or o.mode in modes) and (kinds is None or o.kind in kinds))
    return match


def _detail(*needles, modes=None, kinds=None):
    def match(o):
        return (any(n in o.detail for n in needles) and (modes is None or o.mode in modes)
                and (kinds is None or o.kind in kinds))
    return match


SRC = ("source", "auto")


def _no_engine(o):
    """An auto-mode error where source mode declined and the tape refused by design (not a crash of either)."""
    return (o.mode == "auto" and o.extra.get("tape_status") == "tape_by_design"
            and o.extra.get("source_status") in ("declined", None))

CAUSES = [
    # ---------------------------------------------------------------- silent wrong gradients, source mode
    ("S13 out= passed positionally (np.sum(x, 0, None, buf), np.multiply(x, 2, buf), np.clip(x, lo, hi, buf), "
     "np.dot(a, b, buf), np.concatenate(seq, 0, buf), np.round(y, 0, y))",
     f"{SILENT}. The effect check looks for the `out=` keyword only; the output array passed as a positional "
     "argument is written without being seen (gradient 0 through the buffer, or the pre-rounding value "
     "differentiated). Map positional arguments to parameters (ufunc nin, the function's signature) first.",
     lambda o: o.mode in SRC and o.kind == "wrong" and (
         "positional_out" in o.id or o.id == "effects::round_out_then_used")),
    ("S14 a global array mutated by a helper between two uses",
     f"{SILENT}. `y = x * G; set_g(3.0); z = x * G` where set_g does `G[0] = v`: the inlined helper's write "
     "to a module global is not seen as a write to G.",
     _ids("effects::global_mutated_by_helper_between_uses", modes=SRC, kinds=("wrong",))),
    ("S16 a walrus (name := value) inside a non-differentiable expression binds an active value as a constant",
     f"{SILENT}. `n = len(y := 2 * x)`, `m = (y := np.sin(x)) > 0`, `np.shape(y := x ** 2)`, "
     "`float((y := np.exp(x)).sum() > c)`, `print((y := 2 * x).shape)`: the whole expression is classed as "
     "inactive (a mask, a shape, a count), so the name it binds is never differentiated: gradient 0 "
     "through y. Named expressions need their own activity, wherever they occur.",
     lambda o: o.mode in SRC and o.kind == "wrong" and "walrus" in o.id),
    ("S15 effects hidden inside expressions that are treated as passive (print arguments, discarded "
     "comprehensions, map(acc.append, ...), any/len of an effectful generator, a walrus inside print)",
     f"{SILENT}. A statement whose value is unused (print(...), [acc.append(v) for v in x], "
     "list(map(acc.append, seq)), any(acc.append(v) for v in x), n = len([...])) is dropped as passive, but "
     "evaluating it appends to a list or binds a name (print((y := 2 * x).shape)) that the output reads later: "
     "gradient 0. Walk every sub-expression of a 'passive' statement for calls with effects, bound methods "
     "passed as values (acc.append) and named expressions, or decline.",
     lambda o: o.mode in SRC and o.kind == "wrong" and (
         any(k in o.id for k in ("with_effect", "side_effect", "short_circuits", "consumes_only", "mutating_array"))
         or o.id in (
         "effects::print_argument_walrus_binding", "effects::discarded_map_of_append",
         "effects::any_over_generator_with_append", "effects::len_of_effectful_comprehension",
         "effects::print_argument_has_effect", "effects::fstring_with_effect", "effects::str_of_setitem_call",
         "effects::discarded_ufunc_with_out", "effects::discarded_dict_setdefault_in_print",
         "effects::boolean_or_expression_statement", "effects::tuple_expression_statement_effects",
         "effects::underscore_assigned_append", "comprehensions::comprehension_with_side_effect_append",
         "effects::print_star_effectful_comprehension", "effects::print_of_pop", "effects::print_of_dict_pop",
         "effects::print_of_inplace_sort", "effects::print_of_next", "effects::print_of_setattr",
         "effects::logging_argument_has_effect", "effects::repr_of_pop_discarded",
         "effects::isinstance_of_pop_discarded", "effects::shape_of_pop", "effects::and_expression_statement",
         "effects::print_of_copyto"))),
    ("S17 an index or mask array mutated after it was used (the adjoint reads it later)",
     f"{SILENT}. `idx = np.array([0, 2]); z = x[idx]; idx[0] = 3`: the adjoint of the gather scatters "
     "through `idx` as it is at the end of the primal, not as it was when used. Same for a list of indices "
     "or a boolean mask used by a setitem or np.where and then written. Copy (or save) index operands "
     "that may be written later, or decline.",
     lambda o: o.mode in SRC and o.kind == "wrong" and o.id in (
         "inplace::gather_index_array_mutated", "inplace::index_list_mutated_after_setitem",
         "inplace::mask_mutated_after_setitem", "mutation_after_use::mask_mutated_after_where",
         "mutation_after_use::gather_then_source_mutated", "inplace::gather_2d_index_arrays_mutated",
         "inplace::take_index_mutated", "inplace::boolean_mask_gather_mutated",
         "inplace::scatter_index_mutated_after_iadd", "inplace::take_along_axis_index_mutated",
         "inplace::argsort_result_mutated_after_gather", "inplace::ix_gather_indices_mutated",
         "inplace::ellipsis_index_array_mutated", "inplace::compress_condition_mutated",
         "inplace::choose_index_mutated", "inplace::index_array_reused_after_mutation",
         "inplace::gather_list_index_mutated", "inplace::gather_rows_index_array_mutated",
         "inplace::gather_columns_index_array_mutated", "inplace::gather_index_from_helper_mutated",
         "inplace::gather_index_is_view_of_mutated_array", "inplace::gather_index_argument_mutated",
         "inplace::gather_index_global_mutated_and_restored", "inplace::gather_index_shuffled_after",
         "inplace::gather_index_sorted_after", "inplace::gather_index_put_after")),
    ("S1 effects of calls treated as passive (out=, ufunc.at, copyto, put/place/putmask, fill_diagonal, "
     "put_along_axis, seeded shuffles, ndarray.sort/partition, list/dict/heap/deque methods, object attributes, "
     "global containers)",
     f"{SILENT}. A call that writes into one of its arguments (or into an object or a global) is not modelled: "
     "the written value is seen as a constant (gradient 0) or the write is ignored (the pre-write value is "
     "differentiated). Decline any call with an active or mutable argument whose effect is not known.",
     lambda o: o.mode in SRC and o.kind == "wrong" and (
         o.family == "effects" or o.id in ("helpers::helper_fills_buffer", "inplace::inplace_ufunc_out_self",
                                           "helpers::helper_writes_global_buffer"))),
    ("S2 containers: list/dict methods and list operators on active values",
     f"{SILENT}. append/extend/insert/setdefault/update on a container, an alias of a list (b = a; "
     "b.append(...)), list + list and list * int are not followed: the gradient drops the values that "
     "went through the container, or counts them once.",
     lambda o: o.family == "containers" and o.mode in SRC and o.kind == "wrong"),
    ("S3 comprehensions, generator expressions and iteration over active values",
     f"{SILENT}. A comprehension, generator expression or builtin iteration over an active value "
     "(sum(... for v in x), [f(r) for r in rows], math.fsum/math.prod/max of a generator, np.fromiter, "
     "enumerate/map/filter/sorted/iter/tolist) is treated as a constant: gradient 0.",
     lambda o: o.family == "comprehensions" and o.mode in SRC and o.kind == "wrong"),
    ("S11 an array held in a container (tuple/list/dict/object) is updated in place",
     f"{SILENT}. `t = (y,); y[0] = v` or `d = {{'y': y}}; y[1] = 0` or `items = [y]; items[0] += 1` "
     "(ndarray.__iadd__): the array itself changes, so the container's element (and every other name of "
     "it) changes too; the generated code keeps the container's old value or rebinds the item to a new array.",
     lambda o: o.mode in SRC and o.kind == "wrong" and (
         "holds_array" in o.id or o.id in ("inplace::list_item_inplace_array",
                                           "mutation_after_use::same_list_twice_aliased",
                                           "inplace::dict_item_iadd_aliases_local",
                                           "inplace::dict_item_inplace_shares_array"))),
    ("S12 functions that return their argument itself or a view of it, treated as copies",
     f"{SILENT}. `z = np.real(y)` (y real), `y.astype(float, copy=False)`, `np.array(y, copy=False/None)`, "
     "`np.asanyarray`, `np.require`, `np.nan_to_num(y, copy=False)`, `np.flip`/`np.rot90` (views): writing "
     "into the result updates y, which the generated code does not see.",
     lambda o: o.mode in SRC and o.kind == "wrong" and o.family == "views_aliases" and any(
         k in o.id for k in ("is_same", "same_memory", "returns_view", "return_views", "copy_false", "copy_none",
                             "in_place", "is_view"))),
    ("S4 a constant, global, closure array or argument mutated after a use (and CSE across the mutation)",
     f"{SILENT}. `c = np.ones(n); y = x * c; c[0] = 5` - the adjoint reads c after the mutation (the value "
     "used is not saved); `a = sum(x*c); c[1] = 0; b = sum(x*c)` - common-subexpression elimination merges "
     "the two products across the write (also through an alias, a list, a helper that mutates, w.sort(), "
     "p.fill()).",
     lambda o: o.family == "mutation_after_use" and o.mode in SRC and o.kind == "wrong"),
    ("S5 in-place updates through views and aliases of locals, chained indexing, helpers that mutate",
     f"{SILENT}. `z = np.squeeze(y); z *= 2`, `y[1][2] = v`, helpers that update a parameter in place "
     "(v += d; v *= 2) change y too, but the generated code treats the update as a rebinding of the "
     "view's name (or the reverse: a copy treated as a view).",
     lambda o: o.family in ("views_aliases", "inplace", "helpers") and o.mode in SRC and o.kind == "wrong"),
    ("S6 shape classes: positional axis / keepdims",
     f"{SILENT}. `np.sum(x, 1, keepdims=True)` with a positional axis is classed like a full reduction or "
     "as the same shape as another value, so an unbroadcast is dropped.",
     lambda o: o.family == "shapes" and o.mode in SRC and o.kind == "wrong"),
    ("S7 functools.wraps wrappers are unwrapped (and other entry points)",
     f"{SILENT}. The function decorated with functools.wraps is differentiated instead of the wrapper "
     "(inspect.unwrap / __wrapped__ followed): the wrapper's own computation is lost.",
     lambda o: o.family == "entry" and o.mode in SRC and o.kind == "wrong"),
    ("S8 stale: names resolved at transform time are not guarded",
     f"{SILENT}. A module global, a module attribute, a class attribute or a closure cell naming a function "
     "or module is rebound (or a helper's __code__ replaced, or a global that shadowed a builtin removed); "
     "the cached generated code keeps the old callee. A new sg.grad object shares the stale cache entry.",
     lambda o: o.family == "stale" and o.mode in SRC and o.kind == "wrong"
     and not any(s in o.id for s in ("source_", "defaults_replaced", "function_code_replaced"))),
    ("S9 stale: the source text is not the running code",
     f"{SILENT}. The file was edited before the first gradient (or lines shifted, or the function's "
     "__code__ replaced): the text on disk is transformed, not the code that runs. Compare the parsed "
     "function with the code object (co_firstlineno, co_code/co_names of a compile of the text) and decline.",
     lambda o: o.family == "stale" and o.mode in SRC and o.kind == "wrong"
     and any(s in o.id for s in ("source_", "function_code_replaced"))),
    ("S10 stale: replaced __defaults__ are ignored (every mode)",
     f"{SILENT}. GradientFunction binds arguments with the signature computed when it was created, so "
     "defaults changed afterwards (f.__defaults__ = ...) are not seen, in tape mode too.",
     _ids("stale::defaults_replaced")),
    # ---------------------------------------------------------------- silent wrong gradients, tape mode
    ("X1 complex intermediates: the tape (and so auto mode) gets real functions of complex values wrong",
     f"{SILENT}. Real-valued functions computed through complex numbers: `np.abs(x * (1 + 1j))` (0 where "
     "2x is right), `np.abs(x * 1j + 2)` and `|x + 1j y|^2` wrt y (sign flipped), `np.linalg.norm(x * (1+1j))` "
     "(0), `np.real(np.vdot(z, z))` (factor off), `np.abs(np.exp((1+1j) x))` (garbage). Source mode declines "
     "them; the tape's rules use the wrong conjugation or drop imaginary parts. The README says complex "
     "differentiation is not supported: the tape must refuse a complex intermediate, not answer.",
     lambda o: o.kind == "wrong" and "complex_" in o.id),
    ("T1 tape: out= arguments are ignored (keyword or positional)",
     f"{SILENT} (tape). `np.clip(y, lo, hi, out=y)`, `np.cumsum(x, out=buf)`, `np.sum(x, axis=0, out=acc)`, "
     "`x.sum(axis=1, out=buf)`, `np.einsum(..., out=buf)`, `np.take(x, idx, out=buf)`, and every positional "
     "out (np.sum(x, 0, None, buf), np.dot(a, b, buf), np.round(y, 0, y)...): the tape records the call "
     "but not the write into `out`, so the buffer keeps no gradient (or the overwritten value is "
     "differentiated). Only the ufunc `out=` keyword is refused with InPlaceError today.",
     lambda o: o.mode == "tape" and o.kind == "wrong" and o.family == "effects"),
    ("T2 tape: x.flat (iteration or indexing) drops the gradient",
     f"{SILENT} (tape). `sum(x.flat)` or `x.flat[2]` on a Tensor reads the plain array: gradient wrong "
     "(that element's contribution lost), no error.",
     lambda o: o.mode == "tape" and o.kind == "wrong" and "flat_" in o.id),
    ("T4 tape: copy.copy / copy.deepcopy of a Tensor detaches it",
     f"{SILENT} (tape). `y = copy.deepcopy(x)` (a common defensive copy) returns a Tensor with no history: "
     "the gradient through y is 0. Implement __copy__/__deepcopy__ as recorded copies (or raise).",
     lambda o: o.mode == "tape" and o.kind == "wrong" and ("copy_module" in o.id or "deepcopy" in o.id)),
    ("T5 tape: type checks see a Tensor, not an ndarray / float, so the taped run takes another path",
     f"{SILENT} (tape, and auto when source mode declines). `isinstance(x, np.ndarray)`, `type(x) is "
     "np.ndarray`, `issubclass(type(x), np.ndarray)`, `np.isscalar(s)`, `isinstance(s, float)`, "
     "`isinstance(s, numbers.Number)`, `type(s) == float`, `hasattr(s, '__len__')`, `np.iterable(s)`, "
     "`type(x).__name__` answer differently for a Tensor: the function computes something else on the tape than on arrays, with no error. Either make "
     "these checks answer as for the real value, or refuse (and never fall back silently to a different "
     "program).",
     lambda o: o.mode == "tape" and o.kind == "wrong" and any(
         s in o.id for s in ("isinstance", "isscalar", "type_is", "type_name", "class_name", "numbers_number",
                             "hasattr_len", "np_iterable", "type_equals", "subclass_check"))),
    ("T3 tape: a write through a view of an array the tape saved is not caught",
     f"{SILENT} (tape). `c = np.ones(4); v = c[:2]; y = x * c; v[0] = 5` (also `r = c.reshape(2, 2)`, a view "
     "of a non-differentiated argument `w[1:]`): the tape makes `c` read-only while it runs, but a view "
     "made before stays writeable, so the value the tape saved changes under it. Views share the base's "
     "memory but not its WRITEABLE flag: protect the base (`c.base`/np.shares_memory) or refuse.",
     lambda o: o.mode in ("tape", "auto") and o.kind == "wrong" and o.family == "mutation_after_use"),
    # ---------------------------------------------------------------- other wrong numbers
    ("W other wrong numbers",
     f"{SILENT}. Not yet attributed to a cause above.",
     lambda o: o.kind == "wrong"),
    # ---------------------------------------------------------------- crashes instead of declines
    ("C1 entry points crash (partial, callable objects, bound methods, NumPy functions, *args/**kwargs, "
     "keyword-only wrt, grad of grad)",
     "Internal errors (AttributeError '__name__'/'__code__', weakref TypeError, IndexError in "
     "value_and_grad_tape, wrt out of range for *args) instead of a gradient or a named error.",
     lambda o: o.family == "entry" and o.kind == "exception" and not _no_engine(o)),
    ("C2 runtime errors in generated code or the tape that are not sourcegrad errors",
     "The transform succeeded but the generated code raised (tuple slice of an active tuple, a list that "
     "a helper appended to), or the tape crashed with a NumPy error (a Tensor stored into a plain float "
     "array: 'setting an array element with a sequence'; out= of a Tensor: 'NotImplemented from "
     "__array_ufunc__').",
     lambda o: o.kind == "exception" and not _no_engine(o)),
    # ---------------------------------------------------------------- no engine gives an answer
    ("N source declines and the tape refuses by design: auto mode has no gradient",
     "Not wrong, but not done: the issue asks that common local patterns work (y = x.copy(); y[i] = v; "
     "y[i] += v; y[1:3] = ...; writes through reshape/ravel/.T/slices of local arrays). Source mode "
     "declines them, then the tape raises one of its by-design errors (InPlaceError, GradientLostError, "
     "NoRuleError, PlainArrayWriteError...), so mode='auto' fails.",
     lambda o: o.kind == "exception" and _no_engine(o)),
    # ---------------------------------------------------------------- effects on the caller's arguments
    ("M1 source mode does not reproduce the function's writes to the caller's arguments",
     "The function updates an argument in place (x += 1; w *= 2; a helper doubling its argument); the "
     "function itself leaves the caller's array changed, the generated code (x = x + 1) does not. The "
     "README documents this ('never mutates your arguments'); the hostile oracle asks for the same effect "
     "as the function, or a decline.",
     lambda o: o.kind == "mutation" and o.mode in SRC and o.extra.get("auto_mode") != "tape"
     and "Tensor" not in o.detail),
    ("M2 the tape leaks Tensors into the caller's containers, objects and module globals",
     "The function stores a value in a dict/list/object the caller passed, or in a module global "
     "(`global _LAST; _LAST = 2 * x`, `STATE['h'] = ...`, `LOG.append(...)`); after a tape gradient the "
     "caller's container or the module holds a sourcegrad Tensor (with its graph) instead of an ndarray.",
     lambda o: o.kind == "mutation"),
]


NOTES = [
    "`sg.numerical_grad(f, *args, wrt=..., **kwargs)` (and `check_grad`) cannot pass a keyword argument "
    "named `f` (or `wrt`) to the function: `numerical_grad() got multiple values for argument 'f'`. Make "
    "`f` positional-only (`def numerical_grad(f, /, *args, ...)`). The hostile case `entry::many_params` "
    "renamed its parameter to avoid it.",
    "The tape's by-design errors accepted by this runner are sourcegrad's own classes (GradientLostError, "
    "InPlaceError, NoRuleError, TransformError) and TypeError/ValueError raised by a `raise` in "
    "sourcegrad/runtime/ (e.g. 'Tensor.sort() would modify the value in place'); they are listed at the end. "
    "In auto mode they still count as failures when source mode declined (group N).",
    "Stale scenarios run before/after a rebinding with the same gradient object and with a new one; each "
    "scenario differentiates its own clone of the function, so caches do not leak between tests.",
    "rank_variants / scalar_variants / matrix_variants rerun the programs of several families on a 3-D array, "
    "a Python float and a 2-D array; a failure there is listed under its original program's root cause.",
    "Besides the gradient, each mode's run is checked for: the caller's arguments left as the function itself "
    "leaves them; no sourcegrad Tensor left in the function's module globals; the module globals it names "
    "left as the function leaves them; a second call (sg.value_and_grad, the cached path) giving the same "
    "gradient and the function's own value (source and auto).",
    "float32 inputs are not covered: the fixed tolerance (rtol 1e-5 against float64 finite differences) is too "
    "tight for float32 arithmetic.",
]
