"""Random expression DAGs (every op, reused nodes, constants on either side): backward against finite differences."""

from hypothesis import given

from engine.testing import Expression, assert_gradients_match, expressions


@given(expressions(max_inputs=3, max_ops=8))
def test_backward_of_random_expression_matches_finite_differences_for_every_input(expression: Expression):
    assert_gradients_match(expression, expression.points)


@given(expressions(max_inputs=2, max_ops=12))
def test_backward_of_deep_random_expression_matches_finite_differences(expression: Expression):
    assert_gradients_match(expression, expression.points)
