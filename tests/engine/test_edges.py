"""SPEC "Numbers at the edges": IEEE 754 results, stable forms and kink conventions, every row asserted."""

import math

import pytest

import engine
from engine import Value

INF, NAN = math.inf, math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# (description, expression, expected value): IEEE 754 like PyTorch and JAX; nothing raises.
IEEE_ROWS = [
    ("log(0) = -inf", lambda: Value(0.0).log(), -INF),
    ("log(-1) = nan", lambda: Value(-1.0).log(), NAN),
    ("1 / Value(0) = inf", lambda: 1 / Value(0.0), INF),
    ("-1 / Value(0) = -inf", lambda: -1 / Value(0.0), -INF),
    ("Value(0) / Value(0) = nan", lambda: Value(0.0) / Value(0.0), NAN),
    ("Value(1) / 0 = inf", lambda: Value(1.0) / 0, INF),
    ("sqrt(-1) = nan", lambda: Value(-1.0).sqrt(), NAN),
    ("Value(-4) ** 0.5 = nan", lambda: Value(-4.0) ** 0.5, NAN),
    ("Value(-4) ** Value(0.5) = nan", lambda: Value(-4.0) ** Value(0.5), NAN),
    ("exp(1000) = inf", lambda: Value(1000.0).exp(), INF),
    ("exp(-1000) = 0", lambda: Value(-1000.0).exp(), 0.0),
    ("Value(0) ** -1 = inf", lambda: Value(0.0) ** -1, INF),
    ("Value(10) ** 400 = inf", lambda: Value(10.0) ** 400, INF),
    ("10 ** Value(400) = inf", lambda: 10 ** Value(400.0), INF),
    ("sin(inf) = nan", lambda: Value(INF).sin(), NAN),
    ("cos(inf) = nan", lambda: Value(INF).cos(), NAN),
    ("tanh(1000) = 1", lambda: Value(1000.0).tanh(), 1.0),
    ("sigmoid(800) = 1", lambda: Value(800.0).sigmoid(), 1.0),
    ("sigmoid(-800) = 0", lambda: Value(-800.0).sigmoid(), 0.0),
    ("softplus(1000) = 1000", lambda: Value(1000.0).softplus(), 1000.0),
    ("softplus(-1000) = 0", lambda: Value(-1000.0).softplus(), 0.0),
    ("relu(nan) = nan", lambda: Value(NAN).relu(), NAN),
]


@pytest.mark.parametrize("description, expression, expected", IEEE_ROWS, ids=[r[0] for r in IEEE_ROWS])
def test_edge_value_follows_ieee_754_without_raising(description, expression, expected):
    result = expression()
    assert isinstance(result.data, float) and not isinstance(result.data, complex)
    assert _same(result.data, expected), f"{description}: got {result.data}"


# (description, function, point, expected value, expected gradient)
GRADIENT_ROWS = [
    ("sigmoid(800): gradient 0", lambda x: x.sigmoid(), 800.0, 1.0, 0.0),
    ("sigmoid(-800): gradient 0", lambda x: x.sigmoid(), -800.0, 0.0, 0.0),
    ("softplus(1000): gradient 1", lambda x: x.softplus(), 1000.0, 1000.0, 1.0),
    ("tanh(1000): gradient 0", lambda x: x.tanh(), 1000.0, 1.0, 0.0),
    ("relu'(0) = 0", lambda x: x.relu(), 0.0, 0.0, 0.0),
    ("abs'(0) = 0", lambda x: x.abs(), 0.0, 0.0, 0.0),
    ("step'(0) = 0", lambda x: x.step(), 0.0, 1.0, 0.0),
    ("step'(-2) = 0", lambda x: x.step(), -2.0, 0.0, 0.0),
    ("sign(0) = 1, sign' = 0", lambda x: x.sign(), 0.0, 1.0, 0.0),
    ("leaky_relu'(0) = slope", lambda x: x.leaky_relu(0.1), 0.0, 0.0, 0.1),
    ("leaky_relu'(0) = default slope 0.01", lambda x: x.leaky_relu(), 0.0, 0.0, 0.01),
    ("log'(0) = inf", lambda x: x.log(), 0.0, -INF, INF),
    ("sqrt'(0) = inf", lambda x: x.sqrt(), 0.0, 0.0, INF),
    ("(x ** 2)'(0) = 0", lambda x: x**2, 0.0, 0.0, 0.0),
    ("(x ** 0)'(0) = 0, as PyTorch", lambda x: x**0, 0.0, 1.0, 0.0),
    ("(0 ** y)'(y=2) = 0, as PyTorch", lambda y: Value(0.0) ** y, 2.0, 0.0, 0.0),
    ("(0 ** y) constant base: d/dy = 0, as PyTorch", lambda y: 0.0**y, 2.0, 0.0, 0.0),
]


@pytest.mark.parametrize("description, f, point, value, gradient", GRADIENT_ROWS, ids=[r[0] for r in GRADIENT_ROWS])
def test_edge_gradient_follows_the_stable_form_or_kink_convention(description, f, point, value, gradient):
    x = Value(point)
    out = f(x)
    out.backward()
    assert _same(out.data, value), f"{description}: value {out.data}"
    assert _same(x.grad, gradient), f"{description}: gradient {x.grad}"


def test_no_python_math_error_escapes_any_op_at_extreme_inputs():
    ops = [
        lambda x: x.exp(),
        lambda x: x.log(),
        lambda x: x.sqrt(),
        lambda x: x.sin(),
        lambda x: x.cos(),
        lambda x: x.tanh(),
        lambda x: x.sigmoid(),
        lambda x: x.softplus(),
        lambda x: x.relu(),
        lambda x: x.abs(),
        lambda x: 1 / x,
        lambda x: x**-1,
        lambda x: x**0.5,
        lambda x: x**3,
        lambda x: 2**x,
        lambda x: x**x,
        lambda x: x / x,
        lambda x: (-3) ** x,
    ]
    for point in [0.0, -0.0, -1.0, 1e308, -1e308, 1e-320, INF, -INF, NAN]:
        for op in ops:
            x = Value(point)
            out = op(x)
            out.backward()  # must not raise either
            assert isinstance(out.data, float) and isinstance(x.grad, float)


def test_relu_passes_the_gradient_through_at_nan_like_pytorch():
    x = Value(NAN)
    x.relu().backward()
    assert x.grad == 1.0  # PyTorch: threshold_backward keeps the gradient unless x <= 0


def test_a_zero_gradient_times_an_infinite_local_derivative_is_nan_like_pytorch():
    # torch: x = 0, y = log(x) * 0 gives x.grad = 0 * (1/0) = nan. Backward skips a node whose gradient is 0 only
    # when its local derivatives are finite; without that guard x.grad would be 0.
    x = Value(0.0)
    y = x.log() * 0.0
    y.backward()
    assert math.isnan(x.grad)
    assert math.isnan(engine.grad(x.log() * 0.0, [x])[0])
