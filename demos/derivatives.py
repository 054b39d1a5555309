"""Seed 004's calculus by the engine: a difference quotient, partial derivatives, and the chain rule.

Run::

    python -m demos.derivatives

It prints three tables and the largest error of each:

1. the difference quotient Δy/Δx of y = x³ at x = 2 for shrinking Δx, approaching the engine's dy/dx = 12;
2. f(x, y) = x² + cos(y) at a few points: ∂f/∂x and ∂f/∂y by the engine beside the seed's 2x and -sin(y);
3. the chain rule dy/dx = dy/du · du/dx for y = f(u) = sin(u), u = g(x) = x² + 1: the engine's dy/dx
   beside cos(x² + 1) · 2x.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import engine
from demos._common import parse_args
from engine import Value

POINTS = [(-1.5, 0.3), (0.0, 1.0), (0.5, -2.0), (2.0, math.pi / 2), (3.0, math.pi)]  # (x, y) for f = x² + cos(y)
CHAIN_XS = [-2.0, -0.5, 0.0, 0.7, 1.5]  # where the chain-rule example is evaluated
QUOTIENT_X = 2.0  # where the difference quotient of x³ is taken
QUOTIENT_STEPS = [1.0, 0.1, 0.01, 0.001, 1e-4]  # the shrinking Δx


def difference_quotient() -> list[tuple[float, float, float]]:
    """(Δx, Δy/Δx, engine dy/dx) for y = x³ at ``QUOTIENT_X``: the seed's definition of the derivative."""
    x = Value(QUOTIENT_X, label="x")
    y = x**3
    y.backward()
    rows = []
    for dx in QUOTIENT_STEPS:
        quotient = ((x.data + dx) ** 3 - x.data**3) / dx
        rows.append((dx, quotient, x.grad))
    return rows


def partial_derivatives() -> list[tuple[float, float, float, float, float, float]]:
    """(x, y, engine ∂f/∂x, 2x, engine ∂f/∂y, -sin y) for f(x, y) = x² + cos(y) at each of ``POINTS``."""
    rows = []
    for x_data, y_data in POINTS:
        x, y = Value(x_data, label="x"), Value(y_data, label="y")
        f = x**2 + y.cos()
        df_dx, df_dy = engine.grad(f, [x, y])
        rows.append((x_data, y_data, df_dx, 2 * x_data, df_dy, -math.sin(y_data)))
    return rows


def chain_rule() -> list[tuple[float, float, float, float, float]]:
    """(x, du/dx, dy/du, engine dy/dx, cos(x² + 1)·2x) for y = sin(u), u = x² + 1."""
    rows = []
    for x_data in CHAIN_XS:
        x = Value(x_data, label="x")
        u = x**2 + 1
        y = u.sin()
        du_dx = engine.grad(u, [x])[0]
        dy_du = engine.grad(y, [u])[0]
        dy_dx = engine.grad(y, [x])[0]
        rows.append((x_data, du_dx, dy_du, dy_dx, math.cos(x_data**2 + 1) * 2 * x_data))
    return rows


def main(argv: Sequence[str] | None = None) -> dict:
    """Print the three tables; return ``{"quotient": rows, "partials": rows, "chain": rows,
    "max_partial_error": float, "max_chain_error": float}``.

    ``--quick`` and ``--out`` change nothing: it is instant and writes no files.
    """
    parse_args(__doc__, argv, quick=False, out=False)

    quotient = difference_quotient()
    print(f"1. the derivative as the limit of Δy/Δx: y = x³ at x = {QUOTIENT_X:g} (exact 3x² = {3 * QUOTIENT_X**2:g})")
    print(f"  {'Δx':>8} {'Δy/Δx':>14} {'engine dy/dx':>14}")
    for dx, q, engine_dydx in quotient:
        print(f"  {dx:>8g} {q:>14.8f} {engine_dydx:>14.8f}")

    partials = partial_derivatives()
    print("\n2. partial derivatives of f(x, y) = x² + cos(y)")
    print(f"  {'x':>7} {'y':>7} {'engine ∂f/∂x':>14} {'2x':>10} {'engine ∂f/∂y':>14} {'-sin(y)':>10}")
    for x, y, dfdx, two_x, dfdy, minus_sin in partials:
        print(f"  {x:>7.3f} {y:>7.3f} {dfdx:>14.10f} {two_x:>10.6f} {dfdy:>14.10f} {minus_sin:>10.6f}")
    max_partial_error = max(max(abs(r[2] - r[3]), abs(r[4] - r[5])) for r in partials)
    print(f"  max error: {max_partial_error:.2e}")

    chain = chain_rule()
    print("\n3. chain rule: y = sin(u), u = x² + 1, dy/dx = dy/du · du/dx = cos(x² + 1) · 2x")
    print(f"  {'x':>6} {'du/dx':>9} {'dy/du':>10} {'product':>10} {'engine dy/dx':>13} {'formula':>10}")
    for x, du_dx, dy_du, dy_dx, formula in chain:
        print(f"  {x:>6.2f} {du_dx:>9.4f} {dy_du:>10.6f} {du_dx * dy_du:>10.6f} {dy_dx:>13.6f} {formula:>10.6f}")
    max_chain_error = max(abs(r[3] - r[4]) for r in chain)
    print(f"  max error: {max_chain_error:.2e}")
    return {
        "quotient": quotient,
        "partials": partials,
        "chain": chain,
        "max_partial_error": max_partial_error,
        "max_chain_error": max_chain_error,
    }


if __name__ == "__main__":
    main()
