"""The second round of ops (tan ... where) against PyTorch float64 on a grid that includes their edges: values and
gradients to 1e-12 (nan where torch has nan), second derivatives through ``create_graph``; then their kinks, stable
forms and edge policies, pinned one by one."""

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import pytest

import engine
from engine import Value

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan
REL = 1e-12


def _same(ours: float, theirs: float) -> bool:
    """Equal to 1e-12 relative, or both nan, or the same infinity."""
    if math.isnan(theirs):
        return math.isnan(ours)
    return ours == theirs or math.isclose(ours, theirs, rel_tol=REL, abs_tol=0.0)


# op name in engine.ops -> [(spelling, chainrule function of Values, torch function of tensors, grid of points)]
UNARY = {
    "TAN": [("x.tan()", lambda x: x.tan(), torch.tan, [-1.4, -0.3, 0.0, 0.7, 1.5, 10.0, 1e10, INF, -INF, NAN])],
    "SINH": [("x.sinh()", lambda x: x.sinh(), torch.sinh, [-1000.0, -3.0, 0.0, 0.5, 20.0, 710.0, 1000.0, INF, NAN])],
    "COSH": [("x.cosh()", lambda x: x.cosh(), torch.cosh, [-1000.0, -3.0, 0.0, 0.5, 20.0, 1000.0, -INF, NAN])],
    "ASIN": [("x.asin()", lambda x: x.asin(), torch.asin, [-2.0, -1.0, -0.5, 0.0, 0.3, 0.999, 1.0, 1.5, NAN])],
    "ACOS": [("x.acos()", lambda x: x.acos(), torch.acos, [-2.0, -1.0, -0.5, 0.0, 0.3, 0.999, 1.0, 1.5, NAN])],
    "ATAN": [("x.atan()", lambda x: x.atan(), torch.atan, [-INF, -1e10, -2.0, 0.0, 0.5, 1e300, INF, NAN])],
    "ASINH": [("x.asinh()", lambda x: x.asinh(), torch.asinh, [-INF, -1e200, -2.0, 0.0, 0.5, 1e200, INF, NAN])],
    "ACOSH": [("x.acosh()", lambda x: x.acosh(), torch.acosh, [-2.0, 0.5, 1.0, 1.5, 2.0, 1e10, INF, NAN])],
    "ATANH": [("x.atanh()", lambda x: x.atanh(), torch.atanh, [-2.0, -1.0, -0.5, 0.0, 0.5, 0.9, 1.0, 2.0, NAN])],
    "LOG1P": [("x.log1p()", lambda x: x.log1p(), torch.log1p, [-2.0, -1.0, -0.5, 0.0, 1e-20, 3.0, 1e300, INF])],
    "EXPM1": [("x.expm1()", lambda x: x.expm1(), torch.expm1, [-INF, -1000.0, -1.0, 0.0, 1e-20, 1.0, 700.0, 1000.0])],
    "LOG2": [("x.log2()", lambda x: x.log2(), torch.log2, [-1.0, 0.0, 1e-300, 0.5, 2.0, 1e300, INF, NAN])],
    "LOG10": [("x.log10()", lambda x: x.log10(), torch.log10, [-1.0, 0.0, 1e-300, 0.5, 100.0, 1e300, INF, NAN])],
    "FLOOR": [("x.floor()", lambda x: x.floor(), torch.floor, [-INF, -2.5, -0.5, 0.0, 0.3, 2.5, 3.0, 1e300, NAN])],
    "CEIL": [("x.ceil()", lambda x: x.ceil(), torch.ceil, [-INF, -2.5, -0.5, 0.0, 0.3, 2.5, 3.0, 1e300, NAN])],
    "ROUND": [
        ("x.round()", lambda x: x.round(), torch.round, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, 1e300]),
        ("round(x)", lambda x: round(x), torch.round, [-2.5, -0.4, 0.5, 2.5, 3.7, INF, NAN]),
    ],
    "CLAMP": [
        ("x.clamp(0, 1)", lambda x: x.clamp(0, 1), lambda x: torch.clamp(x, 0.0, 1.0), [-1.0, 0.0, 0.5, 1.0, 2.0, INF]),
        ("x.clamp(2, 1)", lambda x: x.clamp(2, 1), lambda x: torch.clamp(x, 2.0, 1.0), [0.0, 1.0, 1.5, 2.0, 3.0]),
        ("x.clamp(hi=1)", lambda x: x.clamp(hi=1), lambda x: torch.clamp(x, max=1.0), [-INF, -1.0, 1.0, 2.0]),
        ("x.clamp(-1)", lambda x: x.clamp(-1), lambda x: torch.clamp(x, min=-1.0), [-2.0, -1.0, 0.0, INF]),
        ("x.clamp(0, 1) at nan", lambda x: x.clamp(0, 1), lambda x: torch.clamp(x, 0.0, 1.0), [NAN]),
    ],
}

BINARY = {
    "ATAN2": [
        (
            "y.atan2(x)",
            lambda y, x: y.atan2(x),
            torch.atan2,
            [
                (1.0, 1.0),
                (0.0, 0.0),
                (1.0, -1.0),
                (0.0, -1.0),
                (-1e-300, -1.0),
                (INF, INF),
                (1.0, 0.0),
                (0.0, 1.0),
                (1e200, 1e200),
                (-3.0, 2.0),
            ],
        ),
    ],
    "MOD": [
        (
            "x % y",
            lambda x, y: x % y,
            torch.remainder,
            [
                (5.0, 3.0),
                (-5.0, 3.0),
                (5.0, -3.0),
                (-5.0, -3.0),
                (1.0, 0.1),
                (7.5, 2.5),
                (5.0, 0.0),
                (-5.0, INF),
                (5.0, INF),
                (INF, 2.0),
                (1e300, 3.0),
            ],
        ),
    ],
    "MAXIMUM": [
        (
            "a.maximum(b)",
            lambda a, b: a.maximum(b),
            torch.maximum,
            [(1.0, 2.0), (2.0, 1.0), (1.0, 1.0), (NAN, 1.0), (1.0, NAN), (INF, INF), (-INF, 1.0), (0.0, -0.0)],
        ),
    ],
    "MINIMUM": [
        (
            "a.minimum(b)",
            lambda a, b: a.minimum(b),
            torch.minimum,
            [(1.0, 2.0), (2.0, 1.0), (1.0, 1.0), (NAN, 1.0), (1.0, NAN), (-INF, -INF), (INF, 1.0), (0.0, -0.0)],
        ),
    ],
}

TERNARY = {
    "WHERE": [
        (
            "engine.where(c, a, b)",
            lambda c, a, b: engine.where(c, a, b),
            lambda c, a, b: torch.where(c != 0, a, b),
            [(1.0, 2.0, 3.0), (0.0, 2.0, 3.0), (-0.0, 2.0, 3.0), (NAN, 2.0, 3.0), (-7.0, INF, NAN)],
        ),
    ],
}

NEW_OPS = set(UNARY) | set(BINARY) | set(TERNARY)


def _ours(f, points):
    xs = [Value(p) for p in points]
    out = f(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def _torch(f, points):
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
    out = f(*xs)
    grads = torch.autograd.grad(out, xs, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def _cases(table):
    return [pytest.param(f, t, points, id=spelling) for rows in table.values() for spelling, f, t, points in rows]


@pytest.mark.parametrize(("f", "torch_f", "points"), _cases(UNARY) + _cases(BINARY) + _cases(TERNARY))
def test_value_and_gradient_equal_pytorch_float64_on_a_grid_with_the_edges(f, torch_f, points):
    for point in points:
        point = point if isinstance(point, tuple) else (point,)
        value, grads = _ours(f, point)
        t_value, t_grads = _torch(torch_f, point)
        assert _same(value, t_value), f"at {point}: value {value!r}, torch {t_value!r}"
        for i, (g, tg) in enumerate(zip(grads, t_grads)):
            assert _same(g, tg), f"at {point}: d/d input {i} = {g!r}, torch {tg!r}"


# --- second derivatives: create_graph against torch's double backward -------------------------------------------


def _torch_hessian(f, points):
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
    first = torch.autograd.grad(f(*xs), xs, create_graph=True, allow_unused=True)
    rows = []
    for g in first:
        if g is None or not g.requires_grad:  # a piecewise-constant slope: torch keeps no graph, the derivative is 0
            rows.append([0.0] * len(xs))
            continue
        second = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        rows.append([0.0 if h is None else h.item() for h in second])
    return rows


def _our_hessian(f, points):
    xs = [Value(p) for p in points]
    first = engine.grad(f(*xs), xs, create_graph=True)
    return [engine.grad(g, xs) for g in first]


def _interior(points):
    return [p for p in points if (all(map(math.isfinite, p)) if isinstance(p, tuple) else math.isfinite(p))]


@pytest.mark.parametrize(("f", "torch_f", "points"), _cases(UNARY) + _cases(BINARY) + _cases(TERNARY))
def test_second_derivatives_through_create_graph_equal_pytorch(f, torch_f, points):
    checked = 0
    for point in _interior(points):
        point = point if isinstance(point, tuple) else (point,)
        theirs = _torch_hessian(torch_f, point)
        if not all(math.isfinite(h) for row in theirs for h in row):
            continue  # on a pole: the first derivative's own edge policy is what the grid test pins
        ours = _our_hessian(f, point)
        checked += 1
        for i, (row, t_row) in enumerate(zip(ours, theirs)):
            for j, (h, th) in enumerate(zip(row, t_row)):
                message = f"at {point}: d2/dx{i}dx{j} {h!r}, torch {th!r}"
                assert math.isclose(h, th, rel_tol=1e-11, abs_tol=1e-300), message
    assert checked or not _interior(points)  # every grid with a finite point checks at least one


@pytest.mark.parametrize(
    ("method", "function", "args"),
    [
        (m, getattr(engine, m), (0.3,))
        for m in "tan sinh cosh asin acos atan asinh atanh log1p expm1 log2 log10 floor ceil round".split()
    ]
    + [
        ("acosh", engine.acosh, (1.5,)),
        ("atan2", engine.atan2, (0.3, -2.0)),
        ("maximum", engine.maximum, (0.3, 2.0)),
        ("minimum", engine.minimum, (0.3, 2.0)),
        ("__mod__", engine.remainder, (7.0, -2.5)),
    ],
)
def test_method_and_engine_function_are_the_same_op(method, function, args):
    xs = [Value(a) for a in args]
    by_method = getattr(xs[0], method)(*xs[1:])
    by_function = function(*xs)
    assert by_method.op == by_function.op
    assert by_method.data == by_function.data
    assert engine.grad(by_method, xs) == engine.grad(by_function, xs)


def test_engine_functions_take_plain_numbers_and_return_values():
    assert isinstance(engine.tan(0.5), Value) and engine.tan(0.5).data == math.tan(0.5)
    assert engine.clamp(5, 0, 1).data == 1.0
    assert engine.atan2(1, 1).data == math.pi / 4
    with pytest.raises(TypeError, match="str"):
        engine.tan("0.5")


# --- kinks and ties, pinned ------------------------------------------------------------------------------------


def test_maximum_and_minimum_split_the_gradient_in_half_at_a_tie():
    for name in ("maximum", "minimum"):
        a, b = Value(1.5), Value(1.5)
        assert engine.grad(getattr(engine, name)(a, b), [a, b]) == [0.5, 0.5]


def test_maximum_of_a_node_with_itself_has_slope_one():
    x = Value(-2.0)
    assert engine.grad(x.maximum(x), [x]) == [1.0]
    assert engine.grad(x.minimum(x), [x]) == [1.0]


def test_maximum_with_nan_is_nan_and_passes_the_gradient_to_both():
    a, b = Value(NAN), Value(1.0)
    out = a.maximum(b)
    assert math.isnan(out.data) and engine.grad(out, [a, b]) == [1.0, 1.0]


def test_clamp_slope_is_one_at_both_ends_of_the_range_and_zero_outside():
    slopes = [engine.grad(x.clamp(0, 1), [x])[0] for x in map(Value, [-0.5, 0.0, 1.0, 1.5])]
    assert slopes == [0.0, 1.0, 1.0, 0.0]


def test_clamp_with_lo_above_hi_is_hi_everywhere_with_slope_zero():
    for p in (0.0, 1.5, 3.0):
        x = Value(p)
        out = x.clamp(2, 1)
        assert out.data == 1.0 and engine.grad(out, [x]) == [0.0]


def test_clamp_shows_both_bounds_in_its_label():
    assert Value(0.5).clamp(0, 1).op == "clamp(0, 1)"
    assert Value(0.5).clamp(hi=2.5).op == "clamp(-inf, 2.5)"


def test_mod_slope_in_the_divisor_uses_the_floored_quotient_of_the_value():
    # 1 % 0.1 is 0.0999...: 1 // 0.1 = 9 although 1 / 0.1 rounds to 10.0; the slope must go with the value
    x, y = Value(1.0), Value(0.1)
    out = x % y
    assert out.data == 1.0 % 0.1
    assert engine.grad(out, [x, y]) == [1.0, -9.0]


def test_mod_at_a_multiple_of_the_divisor_is_zero_with_the_quotient_as_slope():
    x, y = Value(7.5), Value(2.5)
    out = x % y
    assert out.data == 0.0 and engine.grad(out, [x, y]) == [1.0, -3.0]


def test_mod_by_zero_is_nan_not_zero_division_error():
    assert math.isnan((Value(5.0) % 0).data)
    assert math.isnan((5 % Value(0.0)).data)


def test_mod_with_a_number_on_either_side_matches_python():
    assert (Value(-7.0) % 3).data == -7.0 % 3 == 2.0
    assert (7 % Value(-3.0)).data == 7 % -3.0 == -2.0


def test_atan2_at_the_origin_has_zero_slopes_not_nan():
    y, x = Value(0.0), Value(0.0)
    out = y.atan2(x)
    assert out.data == 0.0 and engine.grad(out, [y, x]) == [0.0, 0.0]


def test_round_halves_to_even_like_pytorch():
    assert [round(Value(p)).data for p in (0.5, 1.5, 2.5, -0.5, -1.5)] == [0.0, 2.0, 2.0, -0.0, -2.0]


def test_round_builtin_returns_a_value_and_with_digits_a_float():
    x = Value(2.567)
    assert isinstance(round(x), Value) and round(x).data == 3.0
    assert round(x, 2) == 2.57 and isinstance(round(x, 2), float)


def test_floor_ceil_and_round_keep_the_sign_of_a_zero_result():
    assert math.copysign(1.0, Value(-0.5).ceil().data) == -1.0
    assert math.copysign(1.0, Value(-0.3).round().data) == -1.0
    assert math.copysign(1.0, Value(0.3).floor().data) == 1.0


def test_floor_ceil_round_have_derivative_zero_on_both_sides_of_a_jump():
    for name in ("floor", "ceil", "round"):
        for p in (1.0, 1.5, -2.0):
            x = Value(p)
            assert engine.grad(getattr(x, name)(), [x]) == [0.0]


def test_where_sends_the_whole_gradient_to_the_chosen_side_and_none_to_the_condition():
    c, a, b = Value(0.25), Value(2.0), Value(3.0)
    out = engine.where(c, a * a, b * b)
    assert out.data == 4.0 and engine.grad(out, [c, a, b]) == [0.0, 4.0, 0.0]
    c.data = 0.0
    out = engine.where(c, a * a, b * b)
    assert out.data == 9.0 and engine.grad(out, [c, a, b]) == [0.0, 0.0, 6.0]


def test_where_takes_a_python_bool_from_a_comparison():
    x = Value(-2.0)
    out = engine.where(x > 0, x, 0.1 * x)  # a leaky relu
    assert out.data == -0.2 and engine.grad(out, [x]) == [0.1]


def test_where_counts_nan_as_true_like_bool():
    assert engine.where(NAN, 1.0, 2.0).data == 1.0


# --- stable forms ----------------------------------------------------------------------------------------------


def test_log1p_and_expm1_keep_every_digit_near_zero():
    x = Value(1e-20)
    assert x.log1p().data == 1e-20 and x.expm1().data == 1e-20  # log(1 + x) and exp(x) - 1 would give 0
    assert engine.grad(x.log1p(), [x]) == [1.0] and engine.grad(x.expm1(), [x]) == [1.0]


def _decimal_sqrt(q: Fraction) -> Decimal:
    getcontext().prec = 50
    return (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()


def test_atanh_slope_keeps_its_digits_next_to_one():
    x = 1.0 - 2.0**-30
    exact = 1 / ((1 - Fraction(x)) * (1 + Fraction(x)))
    leaf = Value(x)
    (ours,) = engine.grad(leaf.atanh(), [leaf])
    assert ours == float(exact)  # 1 / (1 - x²) would be off by 5e-10 relative
    assert abs(1.0 / (1.0 - x * x) - float(exact)) > 1e-10 * float(exact)  # (the naive form really is)


def test_acosh_slope_keeps_its_digits_next_to_one():
    x = 1.0 + 2.0**-30
    exact = 1 / _decimal_sqrt((Fraction(x) - 1) * (Fraction(x) + 1))
    leaf = Value(x)
    (ours,) = engine.grad(leaf.acosh(), [leaf])
    assert math.isclose(ours, float(exact), rel_tol=1e-15)
    assert not math.isclose(1.0 / math.sqrt(x * x - 1.0), float(exact), rel_tol=1e-12)  # √(x² - 1) loses digits


def test_atanh_at_plus_and_minus_one_is_infinite_with_infinite_slope():
    for p, sign in ((1.0, 1.0), (-1.0, -1.0)):
        leaf = Value(p)
        out = leaf.atanh()
        assert out.data == sign * INF and engine.grad(out, [leaf]) == [INF]


def test_no_python_exception_escapes_the_new_ops_at_their_edges():
    edges = [-INF, -1e308, -1000.0, -1.0, -0.0, 0.0, 1.0, 1000.0, 1e308, INF, NAN]
    for name in "tan sinh cosh asin acos atan asinh acosh atanh log1p expm1 log2 log10 floor ceil round".split():
        for p in edges:
            leaf = Value(p)
            engine.grad(getattr(leaf, name)(), [leaf])
    for p in edges:
        for q in edges:
            a, b = Value(p), Value(q)
            for out in (a % b, a.atan2(b), a.maximum(b), a.minimum(b), engine.where(a, a, b), a.clamp(q, 1.0)):
                engine.grad(out, [a, b])


def test_detect_anomaly_names_the_new_op_that_went_infinite():
    with engine.detect_anomaly(), pytest.raises(engine.AnomalyError, match="atanh"):
        Value(1.0).atanh()
