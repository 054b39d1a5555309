"""The derivatives demo: seed 004's partial derivatives and chain rule, by the engine."""

import math

from demos import derivatives


def test_partial_derivatives_of_x_squared_plus_cos_y_are_2x_and_minus_sin_y():
    result = derivatives.main([])
    assert len(result["partials"]) == len(derivatives.POINTS)
    for (x, y), row in zip(derivatives.POINTS, result["partials"]):
        assert row[0] == x and row[1] == y
        assert math.isclose(row[2], 2 * x, abs_tol=1e-12)
        assert math.isclose(row[4], -math.sin(y), abs_tol=1e-12)
    assert result["max_partial_error"] <= 1e-12


def test_chain_rule_gives_cos_of_x_squared_plus_1_times_2x_and_is_the_product_of_the_links():
    result = derivatives.main([])
    for x, row in zip(derivatives.CHAIN_XS, result["chain"]):
        _, du_dx, dy_du, dy_dx, _ = row
        assert math.isclose(du_dx, 2 * x, abs_tol=1e-12)
        assert math.isclose(dy_du, math.cos(x * x + 1), abs_tol=1e-12)
        assert math.isclose(dy_dx, math.cos(x * x + 1) * 2 * x, abs_tol=1e-12)
    assert result["max_chain_error"] <= 1e-12


def test_difference_quotient_of_x_cubed_approaches_the_engines_derivative_12():
    rows = derivatives.main([])["quotient"]
    gaps = [abs(quotient - 12.0) for _, quotient, _ in rows]
    assert all(later < earlier for earlier, later in zip(gaps, gaps[1:]))
    # (x + h)³ - x³ over h is 3x² + 3xh + h²: the gap is 6h + h² at x = 2
    for (dx, _, engine_dydx), gap in zip(rows, gaps):
        assert engine_dydx == 12.0
        assert math.isclose(gap, 6 * dx + dx * dx, rel_tol=1e-6)
