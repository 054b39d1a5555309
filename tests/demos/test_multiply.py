"""The multiply demo: four softplus neurons multiply two numbers, one step neuron multiplies three bits."""

import math

from demos import multiply


def test_quick_run_error_falls_monotonically_and_three_bits_are_multiplied(tmp_path):
    result = multiply.main(["--quick", "--out", str(tmp_path)])
    errors = [value_error for _, value_error, _ in result["table"]]
    assert len(errors) == len(multiply.QUICK_SCALES)
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert result["monotonic"] is True
    assert [(x, y, z) for x, y, z, _ in result["bits"]] == [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    assert all(out == x * y * z for x, y, z, out in result["bits"])
    assert result["bits_correct"] is True


def test_quick_run_writes_the_error_plot_as_a_png(tmp_path):
    result = multiply.main(["--quick", "--out", str(tmp_path)])
    assert result["files"] == [tmp_path / "error_vs_scale.png"]
    assert (tmp_path / "error_vs_scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_engine_finds_softplus_curvature_one_quarter_and_tanh_curvature_zero():
    # softplus'' = sigmoid' = σ(1 - σ) = 1/4 at 0; tanh'' = -2 tanh (1 - tanh²) = 0 at 0
    assert math.isclose(multiply.second_derivative_at_zero(lambda v: v.softplus()), 0.25, abs_tol=1e-15)
    assert multiply.second_derivative_at_zero(lambda v: v.tanh()) == 0.0


def test_error_matches_the_taylor_remainder_lambda_squared_over_6():
    # Taylor: net = xy - λ² xy (x² + y²) / 12 + O(λ⁴); on [-1, 1]² the worst case is x = y = ±1: λ²/6.
    for scale in (0.1, 0.01):
        ((_, value_error, gradient_error),) = multiply.error_table([scale], 3, 0.25)
        assert math.isclose(value_error, scale**2 / 6, rel_tol=1e-2)
        # ∂/∂x of the remainder is λ² (3x²y + y³) / 12: worst case 4λ²/12 = λ²/3
        assert math.isclose(gradient_error, scale**2 / 3, rel_tol=1e-2)
