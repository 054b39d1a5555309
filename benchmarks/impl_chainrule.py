"""The workloads on chainrule, with its own ``nn.MLP`` (one fused ``engine.dot`` node per neuron)."""

from __future__ import annotations

from benchmarks import scalar
from benchmarks.workloads import L2_ALPHA
from engine import Value
from nn import MLP, losses

NAME = "chainrule"


def _loss(model: MLP, inputs: list[list[Value]], ys: list[float], parameters: list[Value]) -> Value:
    # as the README and demos/moons.py write it: nn.losses' hinge (mean of relu(1 - y·score)) and L2 (one dot node)
    return losses.hinge([model(x) for x in inputs], ys) + L2_ALPHA * losses.l2(parameters)


LIBRARY = scalar.Library(
    name="nn.MLP", value=Value, mlp=MLP, loss=_loss, zero_grad=scalar.zero_grads, children=lambda node: node.children
)  # the public read-only view of a node's inputs
MlpStep, WideSum, deep_chain, memory = scalar.bind(LIBRARY)


def variant() -> str:
    """Which MLP the chainrule runs use."""
    return "nn.MLP (a fused dot node per neuron)"
