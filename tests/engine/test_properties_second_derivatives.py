"""Second derivatives from ``grad(..., create_graph=True)`` against finite differences of first derivatives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from engine.testing import OPS, Expression, assert_gradients_match, expressions, op_inputs


def _first_derivative(f, i):
    """d f / d input i as a function of Values, differentiable again."""

    def partial(*xs: Value) -> Value:
        with engine.enable_grad():  # gradcheck evaluates under no_grad; the first derivative needs a graph
            return engine.grad(f(*xs), list(xs), create_graph=True)[i]

    return partial


def _assert_create_graph_first_derivative_equals_plain_grad(f, points):
    """The Value gradients of create_graph are the same numbers as the plain float gradients (to 1e-12)."""
    leaves = [Value(p) for p in points]
    plain = engine.grad(f(*leaves), leaves)
    differentiable = engine.grad(f(*leaves), leaves, create_graph=True)
    for a, b in zip(plain, differentiable):
        assert b.data == pytest.approx(a, rel=1e-12, abs=1e-300, nan_ok=True)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_op_second_derivative_matches_differences_of_its_first_derivative(name, data):
    operands, constant, flip = data.draw(op_inputs(name), label="operands, constant, flip")
    f = lambda *xs: OPS[name].build(xs, constant, flip)  # noqa: E731
    _assert_create_graph_first_derivative_equals_plain_grad(f, operands)
    for i in range(len(operands)):
        assert_gradients_match(_first_derivative(f, i), operands, rtol=1e-4, atol=1e-6)


@given(expressions(max_inputs=2, max_ops=5))
def test_second_derivatives_of_random_expression_match_differences_of_first_derivatives(expression: Expression):
    _assert_create_graph_first_derivative_equals_plain_grad(expression, expression.points)
    for i in range(expression.n_inputs):
        assert_gradients_match(_first_derivative(expression, i), expression.points)
