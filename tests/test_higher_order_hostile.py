"""Hostile cases for forward mode and higher order (issue 12): each test here failed once (a wrong number, an
internal crash or a misleading error); checked against exact derivatives or finite differences, errors by type
and message."""

import functools
import math

import numpy as np
import pytest

import sourcegrad as sg
from sourcegrad.rules import kernels
from sourcegrad.runtime import helpers

MODES = ("auto", "source", "tape")


def pair(x):
    return x ** 2, np.sin(x)


def two_arguments(x, y):
    return np.sin(x) * y ** 2


# ---------------------------------------------------------------- several outputs: a clear error, never zeros


@pytest.mark.parametrize("mode", MODES)
def test_vjp_of_a_function_returning_a_tuple_is_an_error_not_zero(mode):
    # the tape used to return 0.0 for every seed: its output was no Tensor, so nothing was seeded
    with pytest.raises(sg.OutputError, match=r"pair returned a tuple; sg\.vjp needs a function returning one"):
        sg.vjp(pair, 0.3, mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_a_tuple_output_is_an_error_not_zeros(mode):
    with pytest.raises(sg.OutputError, match=r"pair returned a tuple; sg\.jacobian needs .*\(np\.stack"):
        sg.jacobian(pair, engine=mode)(0.3)


@pytest.mark.parametrize("mode", MODES)
def test_jvp_of_a_tuple_output_is_an_error_not_a_type_error(mode):
    # source mode used to crash with "TypeError: Cannot interpret '0.09' as a data type"
    with pytest.raises(sg.OutputError, match=r"pair returned a tuple; sg\.jvp needs a function returning one"):
        sg.jvp(pair, (0.3,), (1.0,), mode=mode)


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_jacobian_of_a_gradient_with_respect_to_two_arguments_is_an_error_not_zeros(mode):
    # the gradient returns a pair: auto mode used to give [0, 0] for both rows
    gradient = sg.grad(two_arguments, wrt=(0, 1), mode=mode)
    with pytest.raises(sg.OutputError, match="returned a tuple; sg.jacobian needs"):
        sg.jacobian(gradient, wrt=(0, 1), engine=mode)(0.3, 0.7)


def test_the_first_order_message_for_a_tuple_output_points_to_something_that_works():
    with pytest.raises(sg.OutputError, match="stack them into one array and use sg.vjp or sg.jacobian"):
        sg.grad(pair, mode="source")(0.3)


# ---------------------------------------------------------------- float32 tangents stay float32


def stacked(x):
    return np.stack([x[0] * x[1], np.sin(x[2]), x[0] ** 2])


def elementwise(x):
    return np.sin(x) * x


@pytest.mark.parametrize("f", (stacked, elementwise))
@pytest.mark.parametrize("mode", ("auto", "source"))
def test_jvp_of_float32_arrays_is_float32(f, mode):
    x = np.array([0.5, -0.3, 0.9], dtype=np.float32)
    t = np.array([1.0, 2.0, -1.0], dtype=np.float32)
    try:
        value, tangent = sg.jvp(f, (x,), (t,), mode=mode)
    except sg.UnsupportedError as exc:       # source mode may decline np.stack's adjoint, by name
        assert mode == "source" and "higher-order derivatives" in str(exc)
        return
    assert value.dtype == np.float32 and tangent.dtype == np.float32
    x64, t64 = x.astype(float), t.astype(float)
    h = 1e-6
    expected = (f(x64 + h * t64) - f(x64 - h * t64)) / (2 * h)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- check_grad(order=2) with a one-element wrt


def sine_times(x, y):
    return np.sum(np.sin(x) * y)


def test_check_grad_order_2_with_a_one_element_wrt_tuple_runs_source_mode():
    # the directional gradient unpacked a 1-tuple (`g, = first_order(x, y)`), which source mode declined
    x, y = np.array([0.3, -1.1, 0.8]), np.array([0.5, 2.0, -0.7])
    report = sg.check_grad(sine_times, x, y, wrt=(0,), order=2)
    assert report.ok and report.modes["source"] == "ok"
    directional = sg.higher.directional_gradient(sine_times, (0,), (np.ones(3),))
    hessian_times_ones = sg.grad(directional, mode="source")(x, y)
    np.testing.assert_allclose(hessian_times_ones, -np.sin(x) * y, rtol=1e-12)


# ---------------------------------------------------------------- scalars: typed as sg.grad types them


def cubic(x):
    return 1.5 * x ** 3


@pytest.mark.parametrize("mode", ("auto", "source"))
@pytest.mark.parametrize("x", (0.5, np.array(0.5), np.float32(0.5), np.array(0.5, dtype=np.float32), np.float64(0.5)),
                         ids=("float", "0d", "float32", "0d-float32", "float64"))
def test_scalar_jacobian_and_hessian_have_the_type_of_the_gradient(x, mode):
    # they were always a Python float: a 0-d array argument lost its dimension, float32 became float64
    gradient, second = sg.grad(cubic, mode=mode)(x), sg.grad(sg.grad(cubic, mode=mode), mode=mode)(x)
    jacobian, hessian = sg.jacobian(cubic, engine=mode)(x), sg.hessian(cubic, mode=mode)(x)
    assert type(jacobian) is type(gradient) and type(hessian) is type(second)
    assert np.result_type(jacobian) == np.result_type(gradient) and np.ndim(jacobian) == np.ndim(x)
    assert float(jacobian) == pytest.approx(4.5 * 0.25) and float(hessian) == pytest.approx(9.0 * 0.5)


# ---------------------------------------------------------------- structures: a named error, not an internal one


def of_a_list(ps):
    return ps[0] ** 3 * ps[1]


def of_a_dict(params):
    return params["a"] ** 2 * params["b"]


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_jacobian_and_hessian_with_respect_to_a_structure_say_so(mode):
    # jacobian crashed with NumPy's "Field elements must be 2- or 3-tuples"; hessian blamed the output
    with pytest.raises(TypeError, match=r"sg\.jacobian of of_a_list with respect to 'ps': it is a list; .*"
                                        r"structures, which sg\.grad takes, are not supported"):
        sg.jacobian(of_a_list, engine=mode)([0.5, 2.0])
    with pytest.raises(TypeError, match=r"sg\.hessian of of_a_dict with respect to 'params': it is a dict"):
        sg.hessian(of_a_dict, mode=mode)({"a": 0.5, "b": 2.0})
    with pytest.raises(TypeError, match=r"sg\.hvp of of_a_list with respect to 'x': it is a list"):
        sg.hvp(of_a_list, [0.5, 2.0], [1.0, 0.0], mode=mode)


def cubes(x):
    return np.sum(x ** 3)


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_hvp_takes_v_as_a_list_for_an_array_x(mode):
    # "can't multiply sequence by non-int of type 'float'" from inside the generated code
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(sg.hvp(cubes, x, [1.0, 2.0], mode=mode), 6 * x * [1.0, 2.0], rtol=1e-12)


# ---------------------------------------------------------------- adjoint helpers whose gin broadcasts


WEIGHTS = np.array([1.0, 2.0, 3.0, 4.0])


def spread_by_slice(gin, x):
    return np.sum(helpers.unindex(gin, x, slice(0, 2)) * WEIGHTS)


def spread_by_repeated_index(gin, x):
    return np.sum(helpers.unindex(gin, x, np.array([0, 0, 1])) * WEIGHTS)


def spread_by_take(gin, x):
    return np.sum(kernels.grad_take(gin, x, np.array([3, 1, 3])) * WEIGHTS)


@pytest.mark.parametrize("f, gin, expected", [
    (spread_by_slice, 0.5, 1.0 + 2.0), (spread_by_slice, np.array([0.5]), np.array([3.0])),
    (spread_by_repeated_index, 0.5, 1.0 + 1.0 + 2.0), (spread_by_repeated_index, np.ones(3), np.array([1.0, 1.0, 2.0])),
    (spread_by_take, 0.5, 4.0 + 2.0 + 4.0), (spread_by_take, np.ones(3), np.array([4.0, 2.0, 4.0])),
])
def test_rules_of_index_adjoints_sum_over_a_broadcast_gin(f, gin, expected):
    # the rules returned g[idx] (shaped like x[idx]) for a gin that broadcasts to it: an internal error
    assert sg.grad(f, mode="source")(gin, np.zeros(4)) == pytest.approx(expected)


# ---------------------------------------------------------------- second derivatives that used to decline


def reads_two_items_and_the_whole(x):
    return np.sum(1.0 / (1.0 + x ** 2)) + x[0] / x[1]


def reads_two_items_and_the_whole_hessian(x):
    h = np.diag((6 * x ** 2 - 2) / (1 + x ** 2) ** 3)
    h[0, 1] = h[1, 0] = -1 / x[1] ** 2
    h[1, 1] += 2 * x[0] / x[1] ** 3
    return h


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_hessian_of_item_reads_added_to_a_whole_array_gradient(mode):
    # the first-order code wrote `bx = unindex(g, x, 1); bx[0] += ...` (a buffer the transformer could not tell
    # was new), so source mode declined "bx is the caller's ... writing into it in place is not followed"
    x = np.array([0.7, -0.4, 1.1])
    np.testing.assert_allclose(sg.hessian(reads_two_items_and_the_whole, mode=mode)(x),
                               reads_two_items_and_the_whole_hessian(x), rtol=1e-10)


def fabs_times(x):
    return math.fabs(x) * x


def fabs_cubed(x):
    return math.fabs(x) ** 3


@pytest.mark.parametrize("mode", ("auto", "source"))
@pytest.mark.parametrize("x", (-0.9, 0.9))
def test_second_derivative_through_math_fabs(mode, x):
    # math.fabs's rule called math.copysign, which has no rule: source mode declined, auto mode raised a
    # GradientLostError about float() that the user never wrote
    second = sg.grad(sg.grad(fabs_times, mode=mode), mode=mode)
    assert second(x) == pytest.approx(2.0 * np.sign(x))
    assert sg.grad(sg.grad(fabs_cubed, mode=mode), mode=mode)(x) == pytest.approx(6.0 * abs(x))


def runs_a_loop(x):
    s = x
    for _ in range(3):
        s = np.sin(s) * x
    return s


def square_by_rule(x):
    return x * x


@sg.vjp_rule(square_by_rule)
def square_by_rule_vjp(g, ans, x):
    return g * 2.0 * np.copysign(np.abs(x), x)     # right, but np.copysign has no rule of its own


def test_a_decline_of_second_order_mentions_loops_only_for_loops():
    assert sg.grad(square_by_rule, mode="source")(0.7) == pytest.approx(1.4)
    with pytest.raises(sg.UnsupportedError, match="no derivative rule for np.copysign") as declined:
        sg.grad(sg.grad(square_by_rule, mode="source"), mode="source")(0.7)
    assert "loops" not in declined.value.hint and "mode='auto'" in declined.value.hint
    with pytest.raises(sg.UnsupportedError) as declined:
        sg.grad(sg.grad(runs_a_loop, mode="source"), mode="source")(0.4)
    assert "Gradients of loops" in declined.value.hint


# ---------------------------------------------------------------- np.array and astype: second order in source mode


def stacks_items(x):
    return np.sum(np.array([x[0] * x[1], np.sin(x[2]), x[0] ** 2]) ** 2)


def stacks_items_hessian(x):
    a, b, c = x[0] * x[1], np.sin(x[2]), x[0] ** 2
    h = np.zeros((3, 3))
    h[0, 0] = 2 * x[1] ** 2 + 12 * x[0] ** 2
    h[0, 1] = h[1, 0] = 4 * a
    h[1, 1] = 2 * x[0] ** 2
    h[2, 2] = 2 * (np.cos(x[2]) ** 2 - b * b)
    return h


def cast_to_float32(x):
    return np.sum(x.astype(np.float32) ** 3)


def cast_to_int(x):
    return np.sum(x.astype(int) * x ** 2)


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_second_order_through_np_array_and_astype(mode):
    # unarray and grad_astype (the adjoints of np.array and astype) had no rule: source mode declined
    x = np.array([0.5, -0.3, 1.9])
    np.testing.assert_allclose(sg.hessian(stacks_items, mode=mode)(x), stacks_items_hessian(x), rtol=1e-10)
    np.testing.assert_allclose(sg.hessian(cast_to_float32, mode=mode)(x), np.diag(6 * x), rtol=1e-6)
    np.testing.assert_allclose(sg.hessian(cast_to_int, mode=mode)(x), np.diag(2 * x.astype(int)), atol=1e-12)
    _, tangent = sg.jvp(stacks_items, (x,), (np.ones(3),), mode=mode)
    assert tangent == pytest.approx(np.sum(sg.grad(stacks_items)(x)))


# ---------------------------------------------------------------- generated programs: a seeded property test


def _fd_hessian(gradient, args, i, h=1e-5):
    """Central differences of the first-order ``gradient`` in argument ``i``: shape x.shape + x.shape."""
    x = np.asarray(args[i], dtype=float)
    columns = []
    for j in range(max(x.size, 1)):
        step = np.zeros(x.shape)
        step.reshape(-1)[j] = h
        moved = []
        for sign in (1, -1):
            a = [np.copy(v) if isinstance(v, np.ndarray) else v for v in args]
            a[i] = x + sign * step if x.shape else float(x) + sign * h
            moved.append(np.asarray(gradient(*a), dtype=float))
        columns.append((moved[0] - moved[1]) / (2 * h))
    return np.stack(columns, axis=-1).reshape(x.shape + x.shape) if x.shape else columns[0]


@pytest.mark.parametrize("family", ("core", "scalar", "branches", "views"))
def test_generated_programs_second_order_and_forward_mode_agree_with_differences(family, tmp_path):
    """Random programs of the differential tester: the Hessian (auto mode), the hvp and the jvp agree with
    finite differences of the first-order gradient, or decline by name; never a wrong number."""
    from tests.differential.generator import KINK_MARGIN, random_program
    from tests.differential.oracle import TAPE_REFUSALS, load_program, unload

    checked = 0
    for seed in range(10):
        program = random_program(1200 + seed, family)
        module = load_program(program, tmp_path)
        try:
            args = program.inputs()
            with np.errstate(all="ignore"):
                margins = [np.min(np.abs(np.asarray(m, dtype=float))) for m in module.margins(*args) if np.size(m)]
            if margins and min(margins) < 10 * KINK_MARGIN:
                continue
            i = next(k for k, (name, _, _) in enumerate(program.params) if name in program.wrt)
            gradient = sg.grad(module.f, wrt=i)
            try:
                g = np.asarray(gradient(*args), dtype=float)
            except Exception as exc:   # first order declined (source) and refused by name (the tape)
                if not isinstance(exc, sg.UnsupportedError) and type(exc).__name__ not in TAPE_REFUSALS:
                    raise
                continue
            expected = _fd_hessian(gradient, args, i)
            if not np.all(np.isfinite(expected)) or np.max(np.abs(expected), initial=0) > 1e5:
                continue
            tolerance = dict(rtol=2e-4, atol=2e-5 * max(1.0, float(np.max(np.abs(expected), initial=0))))
            v = np.random.default_rng(seed).normal(size=np.shape(args[i]))
            v = v if np.ndim(args[i]) else float(v)
            try:
                hessian = sg.hessian(module.f, wrt=i)(*args)
            except sg.UnsupportedError as exc:
                assert "higher-order derivatives" in str(exc) or "mode=\"tape\"" in str(exc)
                continue
            except Exception as exc:   # the tape's named refusals of the program (auto mode fell back to it)
                if type(exc).__name__ not in TAPE_REFUSALS:
                    raise
                continue
            np.testing.assert_allclose(hessian, expected, **tolerance, err_msg=repr(program))
            _, tangent = sg.jvp(module.f, tuple(args), (v,), wrt=i)
            assert float(tangent) == pytest.approx(float(np.sum(g * v)), rel=1e-6, abs=1e-9), repr(program)
            checked += 1
        finally:
            unload(module)
    assert checked >= 2, f"only {checked} programs of {family} were checked"


# ---------------------------------------------------------------- functions that update their argument in place


def doubles_in_place(x):
    x *= 2.0
    return np.sum(x ** 3)          # 8 sum(x^3): gradient 24 x^2


def shifts_in_place(x):
    x += 1.0
    return x ** 2                  # Jacobian diag(2 (x + 1))


@pytest.mark.parametrize("mode", ("auto", "tape"))
def test_entry_points_running_f_several_times_differentiate_at_the_point_given(mode):
    # each run updated the caller's array again: vjp gave 4x the gradient, jacobian(mode="fwd") 64x and more,
    # jvp differentiated at 2x
    fresh = lambda: np.array([1.0, 2.0])           # noqa: E731
    expected = 24 * fresh() ** 2
    x = fresh()
    value, vjp_fn = sg.vjp(doubles_in_place, x, mode=mode)
    np.testing.assert_allclose(vjp_fn(1.0), expected)
    np.testing.assert_allclose(vjp_fn(1.0), expected)
    np.testing.assert_allclose(x, 2 * fresh())     # the function's own effect, once (as sg.grad has it)
    for direction in ("rev", "fwd"):
        x = fresh()
        np.testing.assert_allclose(sg.jacobian(doubles_in_place, mode=direction, engine=mode)(x), expected)
        np.testing.assert_allclose(x, fresh())     # jacobian, jvp: the caller's arrays are left alone
        x = fresh()
        np.testing.assert_allclose(sg.jacobian(shifts_in_place, mode=direction, engine=mode)(x),
                                   np.diag(2 * (fresh() + 1)))
    x = fresh()
    value, tangent = sg.jvp(doubles_in_place, (x,), (np.ones(2),), mode=mode)
    assert value == pytest.approx(72.0) and tangent == pytest.approx(np.sum(expected))
    np.testing.assert_allclose(x, fresh())


# ---------------------------------------------------------------- keyword-only parameters in forward mode


def scaled_cubes(x, *, k=2.0):
    return k * x ** 3


@pytest.mark.parametrize("engine", ("auto", "source", "tape"))
def test_forward_jacobian_of_a_function_with_keyword_only_parameters(engine):
    # jacobian(mode="fwd") passed every argument positionally: "TypeError: too many positional arguments"
    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(sg.jacobian(scaled_cubes, mode="fwd", engine=engine)(x, k=3.0), np.diag(9 * x ** 2))
    np.testing.assert_allclose(sg.jacobian(scaled_cubes, wrt="k", mode="fwd", engine=engine)(x, k=3.0), x ** 3)
    np.testing.assert_allclose(sg.jacobian(scaled_cubes, mode="fwd", engine=engine)(x), np.diag(6 * x ** 2))


def weighted_cubes(x, data):
    return np.sum(data * x ** 3)


@pytest.mark.parametrize("engine", ("auto", "source", "tape"))
def test_forward_jacobian_of_a_partial(engine):
    # jvp got the partial's bound argument again: "TypeError: multiple values for argument 'data'"
    data, x = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    partial = functools.partial(weighted_cubes, data=data)
    np.testing.assert_allclose(sg.jacobian(partial, mode="fwd", engine=engine)(x), 3 * data * x ** 2)


def summed_scaled_cubes(x, *, k=2.0):
    return k * np.sum(x ** 3)


@pytest.mark.parametrize("f", (functools.partial(weighted_cubes, data=np.array([1.0, 2.0])), summed_scaled_cubes),
                         ids=("partial", "keyword-only"))
def test_check_grad_order_2_of_a_partial_and_of_keyword_only_parameters(f):
    # the directional gradient made every parameter required and positional (a partial's data missing), and
    # refused keyword-only parameters
    report = sg.check_grad(f, np.array([0.5, -1.0]), order=2)
    assert report.ok and "ok" in report.modes.values()
    directional = sg.higher.directional_gradient(f, 0, np.ones(2))
    expected = 6 * np.array([1.0, 2.0]) * [0.5, -1.0] if isinstance(f, functools.partial) else 12 * np.array([0.5, -1.0])
    np.testing.assert_allclose(sg.grad(directional)(np.array([0.5, -1.0])), expected)


# ---------------------------------------------------------------- *args functions and nested Jacobians


def star_cubes(*xs):
    return np.sum(xs[0] ** 3)


def test_hvp_of_a_function_taking_star_args_declines_instead_of_returning_zeros():
    # auto mode ran the inner gradient on the tape inside the outer tape: its backward pass was not recorded,
    # and the hvp was silently [0, 0]
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(sg.grad(star_cubes)(x), 3 * x ** 2)
    with pytest.raises(sg.UnsupportedError, match=r"higher-order derivatives: the gradient of star_cubes, which "
                                                   r"takes \*args/\*\*kwargs, runs on the tape"):
        sg.hvp(star_cubes, x, np.ones(2))
    value, tangent = sg.jvp(star_cubes, (x,), (np.ones(2),))     # first order: one vjp per output element
    assert tangent == pytest.approx(np.sum(3 * x ** 2))
    with pytest.raises(sg.UnsupportedError, match="forward mode in source mode: star_cubes takes"):
        sg.jvp(star_cubes, (x,), (np.ones(2),), mode="source")


@pytest.mark.parametrize("entry", ("jacobian", "hessian"))
def test_jacobian_and_hessian_of_a_star_args_function_say_so(entry):
    # "TypeError: star_cubes takes *args/**kwargs" from the binding of the arguments
    with pytest.raises(TypeError, match=rf"sg\.{entry} of star_cubes: functions taking \*args/\*\*kwargs are not"):
        getattr(sg, entry)(star_cubes)(np.array([0.5, -1.0]))


def test_the_jacobian_of_a_jacobian_says_so():
    with pytest.raises(TypeError, match=r"sg\.jacobian of jacobian_cubes, a Jacobian or Hessian function, is not "
                                        r"supported: nest sg\.grad"):
        sg.jacobian(sg.jacobian(cubes))(np.array([0.5, -1.0]))
    with pytest.raises(TypeError, match=r"sg\.jvp of hessian_cubes, a Jacobian or Hessian function"):
        sg.jvp(sg.hessian(cubes), (np.ones(2),), (np.ones(2),))


# ---------------------------------------------------------------- a join renamed to a global (found through hvp)


SCALE = 0.7


def picks_its_argument(p, q):
    r = p if q > 0 else q * 3.0
    return r


def calls_it_with_a_global(y):
    a = picks_its_argument(SCALE, y)
    return a * SCALE + y ** 3


@pytest.mark.parametrize("mode", ("auto", "source"))
@pytest.mark.parametrize("y", (-2.0, 2.0))
def test_a_branch_join_is_never_renamed_to_a_global_it_copies(mode, y):
    # the join of `p if q > 0 else q * 3.0`, p being the global SCALE, took the name SCALE: the generated code
    # assigned SCALE (value and gradient 34.0 and -35.0 at y = -2 instead of -6.2 and 15.1; UnboundLocalError at 2)
    value = (SCALE if y > 0 else 3.0 * y) * SCALE + y ** 3
    slope = (0.0 if y > 0 else 3.0 * SCALE) + 3 * y ** 2
    got_value, got_slope = sg.value_and_grad(calls_it_with_a_global, mode=mode)(y)
    assert got_value == pytest.approx(value) and got_slope == pytest.approx(slope)
    assert sg.grad(sg.grad(calls_it_with_a_global, mode=mode), mode=mode)(y) == pytest.approx(6 * y)


# ---------------------------------------------------------------- a Tensor of a NumPy float is no NumPy float


def cosine_sum(x, c):
    return np.sum(np.cos(x) * c)


COSINE_GRADIENT = sg.grad(cosine_sum)


def along_the_cosine_gradient(x, c):
    return COSINE_GRADIENT(x, c) * 1.0


@pytest.mark.parametrize("mode", ("tape", "auto"))
def test_a_gradient_called_before_with_a_numpy_float_is_differentiated_on_the_tape(mode):
    # once the inner gradient had served an np.float64, a Tensor holding one had the same kind (isinstance
    # believes its __class__): the cached code ran on the Tensor unrecorded, and the second derivative was 0.0
    x = np.float64(0.36)
    assert along_the_cosine_gradient(x, -1.5) == pytest.approx(1.5 * np.sin(x))
    assert sg.grad(along_the_cosine_gradient, mode=mode)(x, -1.5) == pytest.approx(1.5 * np.cos(x))


# ---------------------------------------------------------------- declines name the first-order rule in auto mode too


MATRIX = np.array([[2.0, 0.3], [0.3, 1.5]])


def solves(x):
    return np.sum(np.linalg.solve(MATRIX + np.outer(x, x), x))


@pytest.mark.parametrize("mode", ("auto", "source"))
def test_a_hessian_through_a_first_order_rule_names_it_in_every_mode(mode):
    # auto mode (the tape running the generated gradient) named only the helpers grad_solve_a, grad_solve_b; now
    # auto mode differentiates the function on the tape, whose recorded backward pass names the rule too
    with pytest.raises(sg.UnsupportedError, match=r"higher-order derivatives( on the tape)?: .*the derivative rule "
                                                   r"(of|for) np\.linalg\.solve (stays first order|calls)"):
        sg.hessian(solves, mode=mode)(np.array([0.3, -0.5]))
