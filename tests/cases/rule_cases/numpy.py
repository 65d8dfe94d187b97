"""Cases for the rules of ``sourcegrad/rules/numpy.py`` added for ``np.nan_to_num``, ``np.choose``,
``np.compress``/``ndarray.compress``, ``np.unstack``, ``np.cumulative_sum``/``np.cumulative_prod``,
``np.astype``, ``np.trapezoid``, ``np.polyval``, ``np.vander``, ``np.select``, ``np.vecdot``,
``np.matvec``/``np.vecmat`` and the ufunc methods ``np.add.reduce``... ``np.multiply.accumulate``,
``np.add.outer``/``np.subtract.outer``/``np.multiply.outer``: positional and keyword arguments, every
axis form, 0-d to 3-D inputs, Python numbers. Functions the installed NumPy lacks (``np.unstack``,
``np.cumulative_sum``, ``np.astype``: NumPy >= 2.1; ``np.trapezoid``, ``np.vecdot``: NumPy >= 2.0;
``np.matvec``, ``np.vecmat``: NumPy >= 2.2) have no case."""

import numpy as np

from ._base import away, case, distinct, tag, tag_of, unary_cases, uniform, weights, weights_like

# ---------------------------------------------------------------- np.nan_to_num

# Where the input of nan_to_num is nan, +inf or -inf: np.where(_SPECIAL_AT, _SPECIAL, x) puts them
# there without a nan in the gradient of x (x * nan would give one).
_SPECIAL = np.array([np.nan, 0.0, np.inf, -np.inf, 0.0, np.nan] * 4).reshape(2, 3, 4)
_SPECIAL_AT = ~np.isfinite(_SPECIAL)


def nan_to_num(x, c):
    return np.sum(np.nan_to_num(x) * c)


def nan_to_num_special(x, c, special, at):
    y = np.where(at, special, x)
    return np.sum(np.nan_to_num(y, nan=0.5, posinf=2.0, neginf=-3.0) * c)


def nan_to_num_defaults(x, c, special, at):
    # copy by position (source mode takes copy= by keyword for a write); the default posinf/neginf (the
    # largest finite floats) times 0: no inf in the sum
    y = np.where(at, special, x)
    return np.sum(np.nan_to_num(y, True) * np.where(at, 0.0, c))


def nan_to_num_fill(x, v, c, special, at):
    y = np.where(at, special, x)
    return np.sum(np.nan_to_num(y, True, v, posinf=v * 2, neginf=v * v) * c)


# ---------------------------------------------------------------- np.choose

_PICK = np.array([[0, 2, 1, 1], [2, 0, 0, 1], [1, 1, 2, 0]])


def choose_list(x, y, z, c):
    return np.sum(np.choose(_PICK, [x, y, z]) * c)


def choose_tuple_wrap(x, y, c):
    return np.sum(np.choose(_PICK + 3, (x, y), mode="wrap") * c)


def choose_clip(x, y, c):
    return np.sum(np.choose(_PICK - 1, [x, y], mode="clip") * c)


def choose_array(x, c):
    return np.sum(np.choose(_PICK, x) * c)


def choose_keyword(x, y, c):
    return np.sum(np.choose(a=np.array(1), choices=[x, y]) * c)


# ---------------------------------------------------------------- np.compress, ndarray.compress


def compress(x, c, condition, axis):
    return np.sum(np.compress(condition, x, axis) * c)


def compress_keyword(x, c):
    return np.sum(np.compress([True, False, True], x, axis=-1) * c)


def compress_flat(x, c):
    return np.sum(np.compress([False, True, True, False, True], x) * c)


def method_compress(x, c1, c2):
    return np.sum(x.compress([False, True], 0) * c1) + np.sum(x.compress([True, False, True], axis=1) * c2)


def method_compress_flat(x, c):
    return np.sum(x.compress(np.array([1, 0, 1])) * c)


# ---------------------------------------------------------------- np.unstack (NumPy >= 2.1)


def unstack(x, c):
    a, b = np.unstack(x)
    return np.sum(a * b * c)


def unstack_axis(x, c, axis):
    a, b, d = np.unstack(x, axis=axis)
    return np.sum(a * c) + np.sum(d * d)


def unstack_one_used(x, c):
    return np.sum(np.unstack(x, axis=-1)[2] * c)


def unstack_1d(x):
    a, b, d, e = np.unstack(x)
    return a * b + 3.0 * e


# ---------------------------------------------------------------- cumulative_sum/prod (NumPy >= 2.1)


def cumulative_sum(x, c, axis):
    return np.sum(np.cumulative_sum(x, axis=axis) * c)


def cumulative_sum_initial(x, c, axis):
    return np.sum(np.cumulative_sum(x, axis=axis, include_initial=True) * c)


def cumulative_sum_flat(x, c):
    return np.sum(np.cumulative_sum(x) * c)


def cumulative_prod(x, c, axis):
    return np.sum(np.cumulative_prod(x, axis=axis) * c)


def cumulative_prod_initial(x, c, axis):
    return np.sum(np.cumulative_prod(x, axis=axis, include_initial=True) * c)


# ---------------------------------------------------------------- np.astype (NumPy >= 2.1)


def astype_function(x, c):
    return np.sum(np.astype(x, np.float64) * c) + np.sum(np.astype(x, float, copy=False) * c * c)


def astype_function_int(x, c):
    return np.sum(np.astype(x, int) * c + x * c)


# ---------------------------------------------------------------- ufunc methods


def add_reduce(x, c):
    return np.sum(np.add.reduce(x) * c)


def add_reduce_axis(x, c, axis):
    return np.sum(np.add.reduce(x, axis) * c)


def add_reduce_keepdims(x, c, axis):
    return np.sum(np.add.reduce(x, axis=axis, keepdims=True) * c)


def add_reduce_where(x, c, where):
    return np.sum(np.add.reduce(x, axis=-1, where=where) * c)


def add_reduce_initial(x, v, c):
    return np.sum(np.add.reduce(x, axis=0, initial=v) * c)


def multiply_reduce(x, c, axis):
    return np.sum(np.multiply.reduce(x, axis=axis) * c)


def multiply_reduce_default(x, c):
    return np.sum(np.multiply.reduce(x, keepdims=True) * c)


def maximum_reduce(x, c, axis):
    return np.sum(np.maximum.reduce(x, axis=axis) * c)


def minimum_reduce(x, c, axis):
    return np.sum(np.minimum.reduce(x, axis, keepdims=True) * c)


def add_accumulate(x, c):
    return np.sum(np.add.accumulate(x) * c)


def add_accumulate_axis(x, c, axis):
    return np.sum(np.add.accumulate(x, axis=axis) * c)


def multiply_accumulate(x, c, axis):
    return np.sum(np.multiply.accumulate(x, axis) * c)


# ---------------------------------------------------------------- arguments

_x3, _x34 = uniform((2, 3, 4)), uniform((3, 4))

unary_cases(nan_to_num, np.nan_to_num)
for _x, _special, _at in [
    (_x3, _SPECIAL, _SPECIAL_AT),
    (uniform((6,)), _SPECIAL[0, :2].ravel()[:6], _SPECIAL_AT[0, :2].ravel()[:6]),
    (uniform(()), np.asarray(np.inf), np.asarray(True)),
    (uniform(()), np.asarray(-np.inf), np.asarray(False)),
]:
    _c, _name = weights_like(_x), f"{tag_of(_x)},{'replaced' if _at.ndim == 0 and _at else ''}".rstrip(",")
    case(f"nan_to_num[special,{_name}]", nan_to_num_special, (_x, _c, _special, _at), (0,), np.nan_to_num)
    case(f"nan_to_num[defaults,{_name}]", nan_to_num_defaults, (_x, _c, _special, _at), (0,), np.nan_to_num)
    case(f"nan_to_num[fill,{_name}]", nan_to_num_fill, (_x, 0.7, _c, _special, _at), (0, 1), np.nan_to_num)

case("choose[list,broadcast]", choose_list, (uniform((3, 4)), uniform((4,)), 0.3, weights((3, 4))), (0, 1, 2),
     np.choose)
case("choose[list,3d]", choose_list, (uniform((2, 3, 4)), uniform((2, 1, 4)), uniform((3, 1)), weights((2, 3, 4))),
     (0, 1, 2), np.choose)
case("choose[tuple,wrap]", choose_tuple_wrap, (uniform((3, 4)), uniform((3, 4)), weights((3, 4))), (0, 1), np.choose)
case("choose[clip]", choose_clip, (uniform((3, 4)), uniform((3, 1)), weights((3, 4))), (0, 1), np.choose)
case("choose[array]", choose_array, (uniform((3, 3, 4)), weights((3, 4))), (0,), np.choose)
case("choose[array,broadcast]", choose_array, (uniform((3, 1, 4)), weights((3, 4))), (0,), np.choose)
case("choose[keyword,0d]", choose_keyword, (uniform(()), uniform(()), weights(())), (0, 1), np.choose)
case("choose[keyword,py]", choose_keyword, (0.4, -0.8, 1.5), (0, 1), np.choose)

for _x, _condition, _axis in [
    (_x3, [True, False, True], 1), (_x3, np.array([False, True, True, False]), -1), (_x3, [True], 0),
    (_x34, [True, False], 0), (_x34, np.array([1, 0, 1, 1]), 1), (_x3, [True, False, True, True, False], None),
    (uniform((4,)), [False, True, True, True], 0), (uniform(()), [True], None),
]:
    _c = weights(np.shape(np.compress(_condition, _x, _axis)))
    case(f"compress[{tag_of(_x)},axis={_axis}]", compress, (_x, _c, _condition, _axis), (0,), np.compress)
case("compress[keyword]", compress_keyword, (_x3, weights((2, 3, 2))), (0,), np.compress)
case("compress[flat]", compress_flat, (_x34, weights((3,))), (0,), np.compress)
case("method_compress", method_compress, (_x3, weights((1, 3, 4)), weights((2, 2, 4))), (0,), np.ndarray.compress)
case("method_compress[flat]", method_compress_flat, (_x34, weights((2,))), (0,), np.ndarray.compress)

if hasattr(np, "unstack"):   # NumPy >= 2.1
    case("unstack[2x3x4]", unstack, (_x3, weights((3, 4))), (0,), np.unstack)
    case("unstack[2x3]", unstack, (uniform((2, 3)), weights((3,))), (0,), np.unstack)
    for _axis in (1, -2):
        case(f"unstack[axis={_axis}]", unstack_axis, (_x3, weights((2, 4)), _axis), (0,), np.unstack)
    case("unstack[3x3,axis=0]", unstack_axis, (_x34[:, :3], weights((3,)), 0), (0,), np.unstack)
    case("unstack[one_used]", unstack_one_used, (uniform((2, 4, 3)), weights((2, 4))), (0,), np.unstack)
    case("unstack[1d]", unstack_1d, (uniform((4,)),), (0,), np.unstack)

if hasattr(np, "cumulative_sum"):   # NumPy >= 2.1
    for _x, _axis in [(uniform((5,)), None), (uniform(()), None), (uniform((5,)), 0), (_x34, 1), (_x34, 0),
                      (_x3, -1), (_x3, 1)]:
        _xp = away(np.shape(_x), 0.5, 1.5)   # cumulative_prod: away from 0
        for _plain, _initial, _primitive, _arg in [
            (cumulative_sum, cumulative_sum_initial, getattr(np, "cumulative_sum", None), _x),
            (cumulative_prod, cumulative_prod_initial, getattr(np, "cumulative_prod", None), _xp),
        ]:
            _c = weights(np.shape(_primitive(_arg, axis=_axis)))
            case(f"{_plain.__name__}[{tag_of(_arg)},axis={_axis}]", _plain, (_arg, _c, _axis), (0,), _primitive)
            _c = weights(np.shape(_primitive(_arg, axis=_axis, include_initial=True)))
            case(f"{_initial.__name__}[{tag_of(_arg)},axis={_axis}]", _initial, (_arg, _c, _axis), (0,), _primitive)
    case("cumulative_sum[flat,py]", cumulative_sum_flat, (0.6, 1.3), (0,), np.cumulative_sum)
    case("cumulative_sum[flat,4]", cumulative_sum_flat, (uniform((4,)), weights((4,))), (0,), np.cumulative_sum)

if hasattr(np, "astype"):   # NumPy >= 2.1
    case("astype_function", astype_function, (_x34, weights((3, 4))), (0,), np.astype)
    case("astype_function[0d]", astype_function, (uniform(()), weights(())), (0,), np.astype)
    case("astype_function[int]", astype_function_int, (_x34 * 3, weights((3, 4))), (0,), np.astype)

case("add.reduce[2x3x4]", add_reduce, (_x3, weights((3, 4))), (0,), np.add.reduce)
case("add.reduce[4]", add_reduce, (uniform((4,)), 0.7), (0,), np.add.reduce)
case("add.reduce[0d]", add_reduce, (uniform(()), 0.7), (0,), np.add.reduce)   # 0-d: axis 0 reduces nothing
case("add.reduce[py]", add_reduce, (0.45, 0.7), (0,), np.add.reduce)
for _x, _axis in [(_x3, None), (_x3, 1), (_x3, -1), (_x3, (0, 2)), (_x3, ()), (_x34, 1), (uniform(()), None),
                  (0.35, None)]:
    _c = weights_like(np.add.reduce(_x, axis=_axis)) if np.ndim(_x) else 1.3
    case(f"add.reduce[{tag_of(_x)},axis={_axis}]", add_reduce_axis, (_x, _c, _axis), (0,), np.add.reduce)
    if np.ndim(_x):
        _c = weights(np.shape(np.add.reduce(_x, axis=_axis, keepdims=True)))
        case(f"add.reduce[keepdims,{tag_of(_x)},axis={_axis}]", add_reduce_keepdims, (_x, _c, _axis), (0,),
             np.add.reduce)
_where = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, True]])
case("add.reduce[where]", add_reduce_where, (_x3, weights((2, 3)), _where), (0,), np.add.reduce)
case("add.reduce[where_broadcast]", add_reduce_where, (_x3, weights((2, 3)), _where[0]), (0,), np.add.reduce)
case("add.reduce[initial]", add_reduce_initial, (_x34, 0.4, weights((4,))), (0, 1), np.add.reduce)

_xa = away((2, 3, 4), 0.5, 1.5)
_xd = distinct((2, 3, 4))
for _axis in [0, -1, (0, 2), None]:
    _shape = np.shape(np.multiply.reduce(_xa, axis=_axis))
    case(f"multiply.reduce[axis={_axis}]", multiply_reduce, (_xa, weights(_shape), _axis), (0,), np.multiply.reduce)
    case(f"maximum.reduce[axis={_axis}]", maximum_reduce, (_xd, weights(_shape), _axis), (0,), np.maximum.reduce)
    _shape = np.shape(np.minimum.reduce(_xd, axis=_axis, keepdims=True))
    case(f"minimum.reduce[axis={_axis}]", minimum_reduce, (_xd, weights(_shape), _axis), (0,), np.minimum.reduce)
case("multiply.reduce[default]", multiply_reduce, (away((4,), 0.5, 1.5), 0.9, 0), (0,), np.multiply.reduce)
for _x, _axis in [(away(()), 0), (away(()), -1), (away(None), 0)]:
    case(f"multiply.reduce[{tag_of(_x)},axis={_axis}]", multiply_reduce, (_x, 0.9, _axis), (0,), np.multiply.reduce)
    case(f"maximum.reduce[{tag_of(_x)},axis={_axis}]", maximum_reduce, (_x, 0.9, _axis), (0,), np.maximum.reduce)
case("multiply.reduce[keepdims]", multiply_reduce_default, (away((3, 4), 0.5, 1.5), weights((1, 4))), (0,),
     np.multiply.reduce)
case("multiply.reduce[zeros]", multiply_reduce, (np.array([[0.5, 0.0, 2.0], [0.0, 1.5, 0.0]]), weights((2,)), 1),
     (0,), np.multiply.reduce)

case("add.accumulate[2x3x4]", add_accumulate, (_x3, weights((2, 3, 4))), (0,), np.add.accumulate)
case("add.accumulate[4]", add_accumulate, (uniform((4,)), weights((4,))), (0,), np.add.accumulate)
for _axis in (1, -1):
    case(f"add.accumulate[axis={_axis}]", add_accumulate_axis, (_x3, weights((2, 3, 4)), _axis), (0,),
         np.add.accumulate)
for _x, _axis in [(_xa, 0), (_xa, 2), (away((5,), 0.5, 1.5), 0), (np.array([[0.5, 0.0, 2.0, 0.0], [1.5, 2.0, 0.0, 3.0]]), 1)]:
    case(f"multiply.accumulate[{tag_of(_x)},axis={_axis}]", multiply_accumulate, (_x, weights_like(_x), _axis), (0,),
         np.multiply.accumulate)


# ---------------------------------------------------------------- np.trapezoid (NumPy >= 2.0)


def trapezoid(y, c):
    return np.sum(np.trapezoid(y) * c)


def trapezoid_axis(y, c, axis):
    return np.sum(np.trapezoid(y, axis=axis) * c)


def trapezoid_x(y, x, c, axis):
    return np.sum(np.trapezoid(y, x, axis=axis) * c)


def trapezoid_dx(y, dx, c):
    return np.sum(np.trapezoid(y, None, dx) * c)


def trapezoid_keywords(y, x, c):
    return np.sum(np.trapezoid(y=y, x=x, axis=0) * c)


# ---------------------------------------------------------------- np.polyval, np.vander


def polyval(p, x, c):
    return np.sum(np.polyval(p, x) * c)


def polyval_keyword(p, x, c):
    return np.sum(np.polyval(p=p, x=x) * c)


def vander(x, c):
    return np.sum(np.vander(x) * c)


def vander_n(x, c, n, increasing):
    return np.sum(np.vander(x, n, increasing) * c)


def vander_keyword(x, c):
    return np.sum(np.vander(x, N=3, increasing=True) * c)


# ---------------------------------------------------------------- np.select


def select(x, y, c):
    return np.sum(np.select([x > 0.3, y < 0.0], [x, y]) * c)


def select_default(x, y, d, c):
    return np.sum(np.select([x > 0.0, x < -0.5], (x * y, y), d) * c)


def select_keyword(x, y, d, c):
    return np.sum(np.select(condlist=[y > 0.0, x > 0.0, x > -2.0], choicelist=[x, y, 2.0 * x], default=d) * c)


# ---------------------------------------------------------------- np.vecdot (NumPy >= 2.0), np.matvec and
# np.vecmat (NumPy >= 2.2)


def vecdot(x, y, c):
    return np.sum(np.vecdot(x, y) * c)


def vecdot_axis(x, y, c, axis):
    return np.sum(np.vecdot(x, y, axis=axis) * c)


def matvec(a, v, c):
    return np.sum(np.matvec(a, v) * c)


def vecmat(v, a, c):
    return np.sum(np.vecmat(v, a) * c)


# ---------------------------------------------------------------- ufunc outer


def add_outer(x, y, c):
    return np.sum(np.add.outer(x, y) * c)


def subtract_outer(x, y, c):
    return np.sum(np.subtract.outer(x, y) * c)


def multiply_outer(x, y, c):
    return np.sum(np.multiply.outer(x, y) * c)


# ---------------------------------------------------------------- arguments of the cases above (at the end,
# so that the arguments of the earlier cases stay what they were)

if hasattr(np, "trapezoid"):   # NumPy >= 2.0
    _y3 = uniform((2, 3, 4))
    case("trapezoid[4]", trapezoid, (uniform((4,)), 0.8), (0,), np.trapezoid)
    case("trapezoid[1]", trapezoid, (uniform((1,)), 0.8), (0,), np.trapezoid)
    case("trapezoid[2x3x4]", trapezoid, (_y3, weights((2, 3))), (0,), np.trapezoid)
    for _axis in (0, 1, -2):
        _c = weights(np.shape(np.trapezoid(_y3, axis=_axis)))
        case(f"trapezoid[axis={_axis}]", trapezoid_axis, (_y3, _c, _axis), (0,), np.trapezoid)
    for _y, _x, _axis in [(uniform((5,)), np.sort(uniform((5,))), -1), (_y3, np.sort(uniform((4,))), -1),
                          (_y3, np.sort(uniform((3,))), 1), (_y3, np.sort(uniform((2, 3, 4)), axis=0), 0),
                          (_y3, np.sort(uniform((3, 4)), axis=0), -2),
                          (_y3, np.sort(uniform((2, 1, 4)), axis=-1), -1)]:
        _c = weights_like(np.trapezoid(_y, _x, axis=_axis))
        case(f"trapezoid[x={tag_of(_x)},{tag_of(_y)},axis={_axis}]", trapezoid_x, (_y, _x, _c, _axis), (0, 1),
             np.trapezoid)
    case("trapezoid[dx]", trapezoid_dx, (uniform((3, 4)), 0.3, weights((3,))), (0, 1), np.trapezoid)
    case("trapezoid[dx,array]", trapezoid_dx, (uniform((3, 4)), uniform((3, 1)), weights((3,))), (0, 1),
         np.trapezoid)
    case("trapezoid[keywords]", trapezoid_keywords, (uniform((4, 2)), np.sort(uniform((4,))), weights((2,))),
         (0, 1), np.trapezoid)

for _p, _x in [(uniform((4,)), uniform((2, 3))), (uniform((3,)), 0.4), (uniform((3,)), uniform(())),
               (uniform((1,)), uniform((3,))), (uniform((5,)), uniform((2, 2, 3)))]:
    case(f"polyval[{tag_of(_p)},{tag_of(_x)}]", polyval, (_p, _x, weights_like(_x)), (0, 1), np.polyval)
case("polyval[keyword]", polyval_keyword, (uniform((3,)), uniform((4,)), weights((4,))), (0, 1), np.polyval)

case("vander", vander, (uniform((4,)), weights((4, 4))), (0,), np.vander)
case("vander[1]", vander, (uniform((1,)), weights((1, 1))), (0,), np.vander)
for _n, _increasing in [(3, False), (3, True), (5, True), (1, False), (2, False), (0, True)]:
    case(f"vander[N={_n},increasing={_increasing}]", vander_n, (uniform((4,)), weights((4, _n)), _n, _increasing),
         (0,), np.vander)
case("vander[keyword]", vander_keyword, (uniform((5,)), weights((5, 3))), (0,), np.vander)

case("select", select, (uniform((3, 4)), uniform((3, 4)), weights((3, 4))), (0, 1), np.select)
case("select[broadcast]", select, (uniform((2, 3, 4)), uniform((4,)), weights((2, 3, 4))), (0, 1), np.select)
case("select[0d]", select, (uniform(()), uniform(()), weights(())), (0, 1), np.select)
case("select[default]", select_default, (uniform((3, 4)), uniform((3, 1)), 0.25, weights((3, 4))), (0, 1, 2),
     np.select)
case("select[default,array]", select_default, (uniform((3, 4)), uniform((4,)), uniform((3, 1)), weights((3, 4))),
     (0, 1, 2), np.select)
case("select[keyword]", select_keyword, (uniform((2, 5)), uniform((5,)), uniform((2, 5)), weights((2, 5))),
     (0, 1, 2), np.select)

if hasattr(np, "vecdot"):   # NumPy >= 2.0
    for _sx, _sy in [((4,), (4,)), ((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 1, 4), (3, 4)), ((3, 4), (2, 1, 4))]:
        _x, _y = uniform(_sx), uniform(_sy)
        case(f"vecdot[{tag(_sx)},{tag(_sy)}]", vecdot, (_x, _y, weights_like(np.vecdot(_x, _y))), (0, 1), np.vecdot)
    for _sx, _sy, _axis in [((3, 4), (3, 4), 0), ((3, 4), (3, 1), 0), ((2, 3, 4), (2, 3, 4), 1),
                            ((2, 3, 4), (3, 4), -2)]:
        _x, _y = uniform(_sx), uniform(_sy)
        case(f"vecdot[{tag(_sx)},{tag(_sy)},axis={_axis}]", vecdot_axis,
             (_x, _y, weights_like(np.vecdot(_x, _y, axis=_axis)), _axis), (0, 1), np.vecdot)

if hasattr(np, "matvec"):   # NumPy >= 2.2
    for _sa, _sv in [((3, 4), (4,)), ((2, 3, 4), (4,)), ((3, 4), (2, 4)), ((2, 1, 3, 4), (5, 4)), ((1, 4), (4,))]:
        _a, _v = uniform(_sa), uniform(_sv)
        case(f"matvec[{tag(_sa)},{tag(_sv)}]", matvec, (_a, _v, weights(np.matvec(_a, _v).shape)), (0, 1),
             np.matvec)
        _v = uniform(_sv[:-1] + (_sa[-2],))
        case(f"vecmat[{tag(np.shape(_v))},{tag(_sa)}]", vecmat, (_v, _a, weights(np.vecmat(_v, _a).shape)), (0, 1),
             np.vecmat)

for _sx, _sy in [((3,), (4,)), ((2, 3), (4,)), ((3,), (2, 1, 2)), ((), (3,)), (None, (2, 3)), ((2, 3), None),
                 (None, None), ((), ())]:
    _x, _y = uniform(_sx), uniform(_sy)
    _c = weights(None if _sx is None and _sy is None else np.shape(np.add.outer(_x, _y)))
    for _fn, _primitive in [(add_outer, np.add.outer), (subtract_outer, np.subtract.outer),
                            (multiply_outer, np.multiply.outer)]:
        case(f"{_fn.__name__.replace('_', '.')}[{tag(_sx)},{tag(_sy)}]", _fn, (_x, _y, _c), (0, 1), _primitive)
