"""Differential test: random expressions in PyTorch float64 agree with the engine to 1e-9 relative,
in value and in the gradient of every input."""

import math

import pytest
from hypothesis import given

from engine import Value, grad
from engine.testing import Expression, Step, expressions

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _zero_slope(t, values):
    """``values`` (no gradient) kept on ``t``'s graph with derivative 0, as the engine's step and sign."""
    return t * 0.0 + values.to(torch.float64)


def _dot(xs, c):
    n = len(xs) // 2
    out = torch.stack([w * x for w, x in zip(xs[:n], xs[n : 2 * n])]).sum()
    return out + xs[-1] if len(xs) % 2 else out


# op name -> torch function (operands, constant): the same ops, written with PyTorch
TORCH_OPS = {
    "ADD": lambda xs, c: xs[0] + xs[1],
    "SUB": lambda xs, c: xs[0] - xs[1],
    "MUL": lambda xs, c: xs[0] * xs[1],
    "DIV": lambda xs, c: xs[0] / xs[1],
    "NEG": lambda xs, c: -xs[0],
    "POW": lambda xs, c: torch.pow(xs[0], xs[1]),
    "POW_CONSTANT": lambda xs, c: torch.pow(xs[0], c),
    "ADD_CONSTANT": lambda xs, c: xs[0] + c,
    "SUB_CONSTANT": lambda xs, c: xs[0] - c,
    "RSUB_CONSTANT": lambda xs, c: c - xs[0],
    "MUL_CONSTANT": lambda xs, c: xs[0] * c,
    "DIV_CONSTANT": lambda xs, c: xs[0] / c,
    "RDIV_CONSTANT": lambda xs, c: c / xs[0],
    "RPOW_CONSTANT": lambda xs, c: torch.pow(torch.tensor(c, dtype=torch.float64), xs[0]),
    "EXP": lambda xs, c: torch.exp(xs[0]),
    "LOG": lambda xs, c: torch.log(xs[0]),
    "SQRT": lambda xs, c: torch.sqrt(xs[0]),
    "SIN": lambda xs, c: torch.sin(xs[0]),
    "COS": lambda xs, c: torch.cos(xs[0]),
    "TANH": lambda xs, c: torch.tanh(xs[0]),
    "SIGMOID": lambda xs, c: torch.sigmoid(xs[0]),
    "SOFTPLUS": lambda xs, c: F.softplus(xs[0]),
    "RELU": lambda xs, c: torch.relu(xs[0]),
    "LEAKY_RELU": lambda xs, c: F.leaky_relu(xs[0], c),
    "ABS": lambda xs, c: torch.abs(xs[0]),
    "STEP": lambda xs, c: _zero_slope(xs[0], xs[0] >= 0),
    "SIGN": lambda xs, c: _zero_slope(xs[0], torch.where(xs[0] >= 0, 1.0, -1.0)),
    "SUM": lambda xs, c: torch.stack(list(xs)).sum(),
    "DOT": _dot,
    "TAN": lambda xs, c: torch.tan(xs[0]),
    "SINH": lambda xs, c: torch.sinh(xs[0]),
    "COSH": lambda xs, c: torch.cosh(xs[0]),
    "ASIN": lambda xs, c: torch.asin(xs[0]),
    "ACOS": lambda xs, c: torch.acos(xs[0]),
    "ATAN": lambda xs, c: torch.atan(xs[0]),
    "ASINH": lambda xs, c: torch.asinh(xs[0]),
    "ACOSH": lambda xs, c: torch.acosh(xs[0]),
    "ATANH": lambda xs, c: torch.atanh(xs[0]),
    "LOG1P": lambda xs, c: torch.log1p(xs[0]),
    "EXPM1": lambda xs, c: torch.expm1(xs[0]),
    "LOG2": lambda xs, c: torch.log2(xs[0]),
    "LOG10": lambda xs, c: torch.log10(xs[0]),
    "ATAN2": lambda xs, c: torch.atan2(xs[0], xs[1]),
    "MOD": lambda xs, c: torch.remainder(xs[0], xs[1]),
    "FLOOR": lambda xs, c: torch.floor(xs[0]),
    "CEIL": lambda xs, c: torch.ceil(xs[0]),
    "ROUND": lambda xs, c: torch.round(xs[0]),
    "MAXIMUM": lambda xs, c: torch.maximum(xs[0], xs[1]),
    "MINIMUM": lambda xs, c: torch.minimum(xs[0], xs[1]),
    "CLAMP": lambda xs, c: torch.clamp(xs[0], -c, c),  # the spelling without flip; flip is _clamp_flipped below
    "WHERE": lambda xs, c: torch.where(xs[0] != 0, xs[1], xs[2]),
}
# ops whose flipped spelling is a different function (engine.testing's _SPELLINGS)
FLIPPED = {"CLAMP": lambda xs, c: torch.clamp(xs[0], c, c + 1.0)}


def _torch_step(step: Step, operands):
    table = FLIPPED if step.flip and step.op in FLIPPED else TORCH_OPS
    return table[step.op](operands, step.constant)


def _agree(ours: float, theirs: float) -> bool:
    # 1e-9 relative; the absolute floor only matters for results that cancel to about 0
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


def test_torch_table_covers_every_op_of_the_strategy():
    from engine.testing import OPS

    assert set(TORCH_OPS) == set(OPS)


@given(expressions(max_inputs=3, max_ops=8))
def test_random_expression_agrees_with_pytorch_float64_in_value_and_gradient(expression: Expression):
    xs = [Value(p) for p in expression.points]
    out = expression(*xs)
    ours = grad(out, xs)

    inputs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in expression.points]
    theirs_out = expression.replay(inputs, _torch_step)
    theirs = torch.autograd.grad(theirs_out, inputs, allow_unused=True)
    theirs = [0.0 if g is None else g.item() for g in theirs]

    assert _agree(out.data, theirs_out.item()), (out.data, theirs_out.item())
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert _agree(a, b), f"d out / d x{i}: engine {a!r}, torch {b!r}"
