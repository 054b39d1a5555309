"""``jvp``, ``jacobian`` and ``hessian`` against reverse mode, against hand formulas and against
``torch.autograd.functional`` on random expressions."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from engine.testing import Expression, expressions

try:  # the PyTorch replay of random expressions; imported here, not in a test, because it defines @given tests
    from tests.engine.test_properties_torch import _torch_step
except pytest.skip.Exception:  # no torch: the tests that need it skip
    _torch_step = None


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    # 1e-12 relative; the absolute floor, relative to the largest entry, only matters where terms cancel to ~0
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale)


def test_jvp_of_a_hand_example():
    # f(x, y) = x² y + sin y: ∇f = (2xy, x² + cos y)
    value, derivative = engine.jvp(lambda x, y: x * x * y + y.sin(), [1.5, 0.5], [2.0, -1.0])
    assert value == 1.5 * 1.5 * 0.5 + math.sin(0.5)
    assert math.isclose(derivative, 2 * (2 * 1.5 * 0.5) - (1.5**2 + math.cos(0.5)), rel_tol=1e-15)


def test_jvp_of_a_vector_function_returns_lists():
    values, derivatives = engine.jvp(lambda x, y: [x * y, x - y, 7.0], [2.0, 3.0], [1.0, 1.0])
    assert values == [6.0, -1.0, 7.0] and derivatives == [5.0, 0.0, 0.0]


def test_jacobian_rows_are_outputs_and_columns_are_inputs():
    assert engine.jacobian(lambda x, y: [x * y, x + 2 * y], [2.0, 3.0]) == [[3.0, 2.0], [1.0, 2.0]]
    assert engine.jacobian(lambda x, y: x * y, [2.0, 3.0]) == [[3.0, 2.0]]


def test_hessian_of_a_hand_example():
    # f = x³ y + e^y: H = [[6xy, 3x²], [3x², e^y]]
    h = engine.hessian(lambda x, y: x**3 * y + y.exp(), [2.0, 0.5])
    assert h == [[6 * 2.0 * 0.5, 12.0], [12.0, math.exp(0.5)]]


def test_forward_mode_leaves_the_callers_values_and_grads_alone():
    x = Value(1.0)
    x.grad = 5.0
    engine.jvp(lambda v: v * v, [x], [1.0])
    engine.hessian(lambda v: v**3, [x])
    assert (x.data, x.grad) == (1.0, 5.0)


def test_forward_mode_works_inside_no_grad():
    with engine.no_grad():
        assert engine.jvp(lambda x: x * x, [3.0], [1.0]) == (9.0, 6.0)


def test_jvp_refuses_a_tangent_count_that_differs_from_the_primals():
    with pytest.raises(ValueError, match="one tangent per primal, got 2 primals and 1 tangents"):
        engine.jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


def test_hessian_refuses_a_vector_function():
    with pytest.raises(TypeError, match="one Value"):
        engine.hessian(lambda x: [x, x], [1.0])


def test_an_output_that_ignores_an_input_has_zero_derivative_even_through_a_nan_constant():
    # a constant leaf whose slope is nan (log at 0) must not leak into the tangent of an unrelated input
    value, derivative = engine.jvp(lambda x: x * 2 + Value(0.0).log() * 0, [1.0], [1.0])
    assert math.isnan(value) and derivative == 2.0


@given(expressions(max_inputs=3, max_ops=6), st.data())
def test_jvp_equals_reverse_mode_dotted_with_the_tangent(expression: Expression, data):
    tangents = [data.draw(st.floats(-2.0, 2.0), label="tangent") for _ in expression.points]
    value, derivative = engine.jvp(expression, expression.points, tangents)
    xs = [Value(p) for p in expression.points]
    out = expression(*xs)
    gradient = engine.grad(out, xs)
    terms = [g * t for g, t in zip(gradient, tangents)]
    assert value == out.data
    assert _close(derivative, math.fsum(terms), max([1.0] + [abs(t) for t in terms]))


@given(expressions(max_inputs=3, max_ops=6))
def test_jacobian_row_equals_the_reverse_mode_gradient(expression: Expression):
    (row,) = engine.jacobian(expression, expression.points)
    xs = [Value(p) for p in expression.points]
    gradient = engine.grad(expression(*xs), xs)
    scale = max([1.0] + [abs(g) for g in gradient])
    assert all(_close(a, b, scale) for a, b in zip(row, gradient)), (row, gradient)


@given(expressions(max_inputs=3, max_ops=5))
def test_hessian_equals_reverse_over_reverse_and_is_symmetric(expression: Expression):
    h = engine.hessian(expression, expression.points)
    xs = [Value(p) for p in expression.points]
    first = engine.grad(expression(*xs), xs, create_graph=True)
    reverse = [engine.grad(g, xs) for g in first]
    scale = max([1.0] + [abs(v) for row in reverse for v in row])
    n = len(xs)
    for i in range(n):
        for j in range(n):
            assert _close(h[i][j], reverse[i][j], scale), (i, j, h, reverse)
            assert math.isclose(h[i][j], h[j][i], rel_tol=1e-9, abs_tol=1e-9 * scale)


# --- against torch.autograd.functional ----------------------------------------------------------------------


def _torch_function(expression: Expression):
    return lambda *inputs: expression.replay(list(inputs), _torch_step)


def _tensors(points):
    import torch

    return tuple(torch.tensor(p, dtype=torch.float64) for p in points)


@given(expressions(max_inputs=3, max_ops=6), st.data())
def test_jvp_jacobian_and_hessian_equal_torch_autograd_functional(expression: Expression, data):
    torch = pytest.importorskip("torch")
    functional = torch.autograd.functional
    f = _torch_function(expression)
    points = expression.points
    tangents = [data.draw(st.floats(-2.0, 2.0), label="tangent") for _ in points]

    t_value, t_derivative = functional.jvp(f, _tensors(points), _tensors(tangents))
    value, derivative = engine.jvp(expression, points, tangents)
    t_jacobian = [g.item() for g in functional.jacobian(f, _tensors(points))]
    (jacobian,) = engine.jacobian(expression, points)
    t_hessian = [[h.item() for h in row] for row in functional.hessian(f, _tensors(points))]
    hessian = engine.hessian(expression, points)

    scale = max([1.0] + [abs(g) * (1 + abs(t)) for g, t in zip(t_jacobian, tangents)])
    assert _close(value, t_value.item(), abs(value))
    assert _close(derivative, t_derivative.item(), scale)
    assert all(_close(a, b, scale) for a, b in zip(jacobian, t_jacobian)), (jacobian, t_jacobian)
    h_scale = max([1.0] + [abs(v) for row in t_hessian for v in row])
    for row, t_row in zip(hessian, t_hessian):
        assert all(_close(a, b, h_scale) for a, b in zip(row, t_row)), (hessian, t_hessian)
