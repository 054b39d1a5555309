"""The workloads on chainrule, with its own ``nn.MLP`` (one fused ``engine.dot`` node per neuron)."""

from __future__ import annotations

from functools import partial

import engine
from benchmarks import scalar
from benchmarks.workloads import L2_ALPHA
from engine import Value
from nn import MLP

NAME = "chainrule"


def _loss(model: MLP, inputs: list[list[Value]], ys: list[float], parameters: list[Value]) -> Value:
    scores = [model(x) for x in inputs]
    data_loss = engine.sum((1.0 - y * score).relu() for y, score in zip(ys, scores)) * (1.0 / len(ys))
    return data_loss + L2_ALPHA * engine.sum(p * p for p in parameters)


def _zero_grad(model: MLP, parameters: list[Value]) -> None:
    for p in parameters:
        p.grad = 0.0


LIBRARY = scalar.Library(name="nn.MLP", value=Value, mlp=MLP, loss=_loss, zero_grad=_zero_grad,
                         children=lambda node: node.children)  # the public read-only view of a node's inputs
MlpStep = partial(scalar.MlpStep, LIBRARY)
WideSum = partial(scalar.WideSum, LIBRARY)
deep_chain = partial(scalar.deep_chain, LIBRARY)
memory = partial(scalar.memory, LIBRARY)


def variant() -> str:
    """Which MLP the chainrule runs use."""
    return "nn.MLP (a fused dot node per neuron)"
