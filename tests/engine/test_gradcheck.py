"""gradcheck / gradgradcheck: pass on correct composites, fail with a per-input table on wrong gradients."""

import pytest

import engine
from engine import GradcheckError, Value, gradcheck, gradgradcheck
from engine.ops import Op
from engine.value import apply

COMPOSITES = [
    ("x*y + sin(x)", lambda x, y: x * y + x.sin(), [0.7, -1.3]),
    ("tanh(x*y) + exp(x)/y", lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, 1.2]),
    ("log(x) * sqrt(y)", lambda x, y: x.log() * y.sqrt(), [2.5, 0.4]),
    ("x ** y", lambda x, y: x**y, [1.7, 2.3]),
    ("2 ** x - 3 / y", lambda x, y: 2**x - 3 / y, [0.4, -2.0]),
    ("sigmoid(x - y) * softplus(x)", lambda x, y: (x - y).sigmoid() * x.softplus(), [0.2, -0.9]),
    ("relu(x) + leaky_relu(y)", lambda x, y: x.relu() + y.leaky_relu(0.3), [1.1, -0.6]),
    ("abs(x - y) ** 1.5", lambda x, y: (x - y).abs() ** 1.5, [0.3, 1.9]),
    ("cos(x*y*z)", lambda x, y, z: (x * y * z).cos(), [0.5, 1.5, -0.8]),
    ("dot + bias, tanh", lambda a, b, c, d, e: engine.dot([a, b], [c, d], start=e).tanh(), [0.3, -0.4, 1.2, 0.9, 0.1]),
    ("sum of squares", lambda a, b, c: engine.sum([a * a, b * b, c * c]), [1.0, -2.0, 0.5]),
    ("reused node", lambda x: (lambda h: h * h + h.exp())(x.sin() * x), [0.8]),
    ("x*x*x / (1 + x*x)", lambda x: x * x * x / (1 + x * x), [1.3]),
    ("softmax-like", lambda a, b: a.exp() / (a.exp() + b.exp()), [0.5, -0.25]),
    ("log-sum-exp", lambda a, b, c: (a.exp() + b.exp() + c.exp()).log(), [1.0, 2.0, -1.0]),
    ("-x / y ** 2", lambda x, y: -x / y**2, [0.9, 1.4]),
    ("sqrt(x*x + y*y)", lambda x, y: (x * x + y * y).sqrt(), [3.0, 4.0]),
    ("nested tanh", lambda x: x.tanh().tanh().tanh() * 5, [0.4]),
    ("neuron chain", lambda w, x, b: ((w * x + b).relu() * w - b).sigmoid(), [0.8, 1.5, 0.2]),
    ("mse of two", lambda p, q: ((p - 1) ** 2 + (q + 2) ** 2) / 2, [0.3, 0.6]),
    ("hinge", lambda s, w: (1 - s * -1.0).relu() + 1e-4 * w * w, [-0.3, 2.0]),
    ("binary cross-entropy", lambda z: -(z.sigmoid().log()) - 0.5 * (1 - z.sigmoid()).log(), [0.7]),
]


@pytest.mark.parametrize("name, f, inputs", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_gradcheck_passes_on_composite_functions(name, f, inputs):
    assert gradcheck(f, inputs) is True


@pytest.mark.parametrize("name, f, inputs", COMPOSITES[:12], ids=[c[0] for c in COMPOSITES[:12]])
def test_gradgradcheck_passes_on_composite_functions(name, f, inputs):
    assert gradgradcheck(f, inputs, eps=1e-5) is True


def test_gradcheck_fails_for_relu_at_its_kink_with_a_table():
    assert gradcheck(lambda x: x.relu(), [0.0], raise_exception=False) is False
    with pytest.raises(GradcheckError) as raised:
        gradcheck(lambda x: x.relu(), [0.0])
    header, row = str(raised.value).splitlines()[1:3]
    assert header.split() == ["input", "analytical", "numerical", "difference", "ok"]
    assert row.split() == ["0", "0", "0.5", "0.5", "NO"]


def _bad_square(m, x):
    return x * x, (3 * x,)  # deliberately wrong: d(x²)/dx is 2x


def test_gradcheck_catches_a_deliberately_wrong_derivative():
    bad = Op("bad_square", _bad_square)
    f = lambda x, y: apply(bad, x) + y  # noqa: E731
    assert gradcheck(f, [1.5, 2.0], raise_exception=False) is False
    with pytest.raises(GradcheckError) as raised:
        gradcheck(f, [1.5, 2.0])
    rows = [line.split() for line in str(raised.value).splitlines()[2:]]
    assert rows[0][:2] == ["0", "4.5"] and rows[0][-1] == "NO"  # 3x instead of the true 2x at 1.5
    assert abs(float(rows[0][2]) - 3.0) < 1e-6
    assert rows[1][-1] == "yes"


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # First derivative right (2x), but the rule's own derivative recomputed on Values is wrong: 2x + x² makes
    # d²/dx² = 2 + 2x instead of 2.
    def _bad_second(m, x):
        return x * x, (2 * x + (x * x - x * x if isinstance(x, float) else x * x),)

    bad = Op("bad_second", _bad_second)
    f = lambda x: apply(bad, x)  # noqa: E731
    assert gradcheck(f, [1.5]) is True
    assert gradgradcheck(f, [1.5], raise_exception=False) is False


def test_gradcheck_rejects_a_function_that_does_not_return_a_value():
    with pytest.raises(TypeError, match="return a Value"):
        gradcheck(lambda x: 3.0, [1.0])


def test_gradcheck_accepts_values_as_inputs():
    assert gradcheck(lambda x: x.exp(), [Value(0.5)]) is True


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        ({"eps": float("nan")}, ValueError, "eps must be finite"),
        ({"eps": "1e-6"}, TypeError, "eps must be a real number"),
        ({"atol": -1.0}, ValueError, "atol must be finite and >= 0"),
        ({"rtol": float("nan")}, ValueError, "rtol must be finite"),
    ],
)
def test_gradcheck_options_are_validated_by_name(kwargs, error, message):
    with pytest.raises(error, match=message):
        gradcheck(lambda x: x * x, [1.0], **kwargs)
    with pytest.raises(error, match=message):
        gradgradcheck(lambda x: x * x, [1.0], **kwargs)


def test_gradcheck_inputs_and_function_are_validated_by_name():
    with pytest.raises(TypeError, match="f must be a function"):
        gradcheck(None, [1.0])
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        gradcheck(lambda x: x, None)
    with pytest.raises(ValueError, match="inputs is empty"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a number"):
        gradcheck(lambda x: x, ["1"])
