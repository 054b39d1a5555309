"""The workloads on micrograd 0.1.0, written the way its moons demo writes them."""

from __future__ import annotations

from benchmarks import scalar
from benchmarks.workloads import L2_ALPHA

try:
    from micrograd.engine import Value
    from micrograd.nn import MLP
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("the micrograd benchmarks need micrograd==0.1.0: pip install 'chainrule[bench]'") from error

NAME = "micrograd"


def _loss(model: MLP, inputs: list[list[Value]], ys: list[float], parameters: list[Value]) -> Value:
    # micrograd's demo.ipynb, loss(): svm "max-margin" loss + L2 regularization
    scores = list(map(model, inputs))
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + L2_ALPHA * sum(p * p for p in parameters)


LIBRARY = scalar.Library(
    name="micrograd MLP",
    value=Value,
    mlp=MLP,
    loss=_loss,
    zero_grad=lambda model, parameters: model.zero_grad(),  # as the demo does
    children=lambda node: node._prev,
)
# micrograd's recursive topological sort fails on WideSum, and past ~1000 nodes of deep_chain (RecursionError)
MlpStep, WideSum, deep_chain, memory = scalar.bind(LIBRARY)


def variant() -> str:
    """Which MLP the micrograd runs use."""
    return "micrograd.nn.MLP 0.1.0"
