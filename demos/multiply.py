"""Seed 002's figure: four neurons multiply two numbers, and one neuron multiplies three bits.

Run::

    python -m demos.multiply            # --quick: a coarser grid and fewer scales

Four neurons. For a nonlinearity σ with σ''(0) ≠ 0 (here softplus, σ''(0) = 1/4), the even part of its
Taylor series gives σ(u) + σ(-u) = 2σ(0) + σ''(0)u² + O(u⁴), so

    xy ≈ [σ(λ(x+y)) + σ(-λ(x+y)) - σ(λ(x-y)) - σ(-λ(x-y))] / (4λ²σ''(0)),

a hidden layer of four softplus neurons (input weights ±λ) and a linear output neuron (weights
±1/(4λ²σ''(0))), with an error O(λ²). The demo gets σ''(0) from the engine itself (a second derivative via
``engine.grad(..., create_graph=True)``; tanh has tanh''(0) = 0, which is why it cannot do this), then prints a
table: for each λ, the max |network - xy| over a grid on [-1, 1]² (falling monotonically as λ shrinks, about
4x per halving) and the max |∂network/∂x - y| from ``backward()``.

One neuron. For bits x, y, z ∈ {0, 1}, step(x + y + z - 2.5) = xyz: the truth table on all 8 inputs.

It writes ``error_vs_scale.png`` (log-log error against λ, with a λ² guide) and prints the folder.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import engine
from demos._common import parse_args, pyplot, save
from engine import Value

SCALES = [2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.01, 0.005, 0.001]  # λ, shrinking; below ~1e-3 rounding takes over
QUICK_SCALES = [1.0, 0.5, 0.25, 0.1]  # λ for --quick
GRID_POINTS = 21  # grid on [-1, 1]² is GRID_POINTS x GRID_POINTS
QUICK_GRID_POINTS = 5  # grid size for --quick
BIT_THRESHOLD = 2.5  # the three-bit neuron's bias is -2.5: it fires only when all three bits are 1


def second_derivative_at_zero(activation: Callable[[Value], Value]) -> float:
    """σ''(0) by differentiating the engine's derivative of ``activation`` once more."""
    x = Value(0.0)
    (first,) = engine.grad(activation(x), [x], create_graph=True)
    return engine.grad(first, [x])[0]


def multiply_network(x: Value | float, y: Value | float, scale: float, curvature: float) -> Value:
    """Four softplus neurons with input weights ±``scale``, then a linear neuron: ≈ x·y for small ``scale``."""
    inputs = [x, y]
    hidden = [
        engine.dot([scale, scale], inputs).softplus(),  # σ(λ(x + y))
        engine.dot([-scale, -scale], inputs).softplus(),  # σ(-λ(x + y))
        engine.dot([scale, -scale], inputs).softplus(),  # σ(λ(x - y))
        engine.dot([-scale, scale], inputs).softplus(),  # σ(-λ(x - y))
    ]
    mu = 1.0 / (4.0 * scale**2 * curvature)
    return engine.dot([mu, mu, -mu, -mu], hidden)


def error_table(scales: Sequence[float], grid_points: int, curvature: float) -> list[tuple[float, float, float]]:
    """(λ, max |network - xy|, max |∂network/∂x - y|) over a ``grid_points``² grid on [-1, 1]²."""
    grid = [-1.0 + 2.0 * n / (grid_points - 1) for n in range(grid_points)]
    rows = []
    for scale in scales:
        value_error = gradient_error = 0.0
        for x_data, y_data in itertools.product(grid, grid):
            x = Value(x_data)
            product = multiply_network(x, y_data, scale, curvature)
            (d_dx,) = engine.grad(product, [x])
            value_error = max(value_error, abs(product.data - x_data * y_data))
            gradient_error = max(gradient_error, abs(d_dx - y_data))
        rows.append((scale, value_error, gradient_error))
    return rows


def three_bits() -> list[tuple[int, int, int, float]]:
    """(x, y, z, neuron output) on all 8 bit triples for the neuron step(x + y + z - 2.5)."""
    rows = []
    for x, y, z in itertools.product((0, 1), repeat=3):
        out = engine.dot([1.0, 1.0, 1.0], [x, y, z], start=-BIT_THRESHOLD).step()
        rows.append((x, y, z, out.data))
    return rows


def _plot(rows: list[tuple[float, float, float]], out: Path) -> Path:
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 4))
    scales = [row[0] for row in rows]
    axes.loglog(scales, [row[1] for row in rows], "o-", label="max |network - xy|")
    axes.loglog(scales, [row[2] for row in rows], "s--", label="max |∂network/∂x - y|")
    guide = rows[0][1] / scales[0] ** 2
    axes.loglog(scales, [guide * s**2 for s in scales], ":", color="gray", label="∝ λ²")
    axes.set_xlabel("λ (input weight scale)")
    axes.set_ylabel("error on [-1, 1]²")
    axes.set_title("four softplus neurons multiply x·y")
    axes.legend()
    return save(figure, out, "error_vs_scale.png")


def main(argv: Sequence[str] | None = None) -> dict:
    """Print both tables and write the plot; return ``{"curvature": σ''(0), "tanh_curvature": tanh''(0),
    "table": [(λ, value error, gradient error), ...], "monotonic": bool, "bits": [(x, y, z, out), ...],
    "bits_correct": bool, "files": [Path]}``."""
    args = parse_args(__doc__, argv, needs_matplotlib=True)
    scales = QUICK_SCALES if args.quick else SCALES
    grid_points = QUICK_GRID_POINTS if args.quick else GRID_POINTS

    curvature = second_derivative_at_zero(Value.softplus)
    tanh_curvature = second_derivative_at_zero(Value.tanh) + 0.0  # + 0.0 turns -0.0 into 0.0
    print(f"σ''(0) from the engine: softplus {curvature:g}, tanh {tanh_curvature:g} (tanh cannot multiply this way)")
    print(f"\nfour neurons multiply x·y: max error on a {grid_points}x{grid_points} grid on [-1, 1]²")
    print(f"  {'λ':>7} {'max |net - xy|':>15} {'max |∂net/∂x - y|':>18}")
    table = error_table(scales, grid_points, curvature)
    for scale, value_error, gradient_error in table:
        print(f"  {scale:>7g} {value_error:>15.3e} {gradient_error:>18.3e}")
    errors = [row[1] for row in table]
    monotonic = all(later < earlier for earlier, later in zip(errors, errors[1:]))
    print(f"  error falls monotonically as λ shrinks: {'yes' if monotonic else 'NO'}")

    print("\none neuron multiplies three bits: step(x + y + z - 2.5)")
    bits = three_bits()
    for x, y, z, out in bits:
        print(f"  {x} {y} {z} -> {out:g}   (x·y·z = {x * y * z})")
    bits_correct = all(out == x * y * z for x, y, z, out in bits)
    print(f"  correct on all 8 inputs: {'yes' if bits_correct else 'NO'}")

    files = [_plot(table, args.out)]
    print(f"\nwrote {', '.join(path.name for path in files)} to {args.out}")
    return {
        "curvature": curvature,
        "tanh_curvature": tanh_curvature,
        "table": table,
        "monotonic": monotonic,
        "bits": bits,
        "bits_correct": bits_correct,
        "files": files,
    }


if __name__ == "__main__":
    main()
