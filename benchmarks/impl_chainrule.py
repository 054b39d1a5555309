"""The workloads on chainrule, with its own ``nn.MLP`` (one fused ``engine.dot`` node per neuron)."""

from __future__ import annotations

import time
import tracemalloc

import engine
from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, L2_ALPHA, MLP_NIN, MLP_NOUTS
from engine import Value
from nn import MLP


def _make_model(flat: list[float]) -> MLP:
    model = MLP(MLP_NIN, list(MLP_NOUTS))
    parameters = model.parameters()
    if len(parameters) != len(flat):
        raise ValueError(f"nn.MLP has {len(parameters)} parameters, the benchmark weights {len(flat)}")
    for p, value in zip(parameters, flat):
        p.data = value
    return model


NAME = "chainrule"


def _loss(model, inputs: list[list[Value]], ys: list[float], parameters: list[Value]) -> Value:
    scores = [model(x) for x in inputs]
    data_loss = engine.sum((1.0 - y * score).relu() for y, score in zip(ys, scores)) * (1.0 / len(ys))
    return data_loss + L2_ALPHA * engine.sum(p * p for p in parameters)


class MlpStep:
    """micrograd's moons training step written with chainrule's own MLP and ``engine.sum``."""

    def __init__(self, weights: list[float], xs: list[list[float]], ys: list[float], lr: float) -> None:
        self.initial = list(weights)
        self.model = _make_model(self.initial)
        self.parameters = self.model.parameters()
        self.inputs = [[Value(v) for v in x] for x in xs]
        self.ys, self.lr = ys, lr

    def reset(self) -> None:
        for p, value in zip(self.parameters, self.initial):
            p.data = value

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        parameters = self.parameters
        loss = _loss(self.model, self.inputs, self.ys, parameters)
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        result = (loss.data, [p.grad for p in parameters]) if report else None
        lr = self.lr
        for p in parameters:
            p.data -= lr * p.grad
        return result


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum`` (a chain of 100,000 ``+`` nodes), then backward."""

    def __init__(self, ws: list[float], xs: list[float]) -> None:
        self.w = [Value(v) for v in ws]
        self.x = [Value(v) for v in xs]

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        w, x = self.w, self.x
        if report:
            for v in w + x:
                v.grad = 0.0
        total = sum(w[i] * x[i] for i in range(len(w)))
        total.backward()
        return (total.data, [v.grad for v in w + x]) if report else None


def deep_chain(n: int) -> dict:
    """x = x * 1.0001 + 0.0001, n times, then ``backward``."""
    x0 = Value(0.5)
    start = time.process_time()
    x = x0
    for _ in range(n):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    middle = time.process_time()
    x.backward()
    end = time.process_time()
    return {"value": x.data, "grad": x0.grad, "forward_s": middle - start, "backward_s": end - middle}


def _reachable(root: Value) -> list[Value]:
    """Every node of ``root``'s graph, through the public ``children`` (an explicit stack, no recursion)."""
    seen, stack, order = {id(root)}, [root], [root]
    while stack:
        for child in stack.pop().children:
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
                stack.append(child)
    return order


def memory(weights: list[float], xs: list[list[float]], ys: list[float]) -> dict:
    """Bytes held by the loss graph of the MLP on ``len(xs)`` samples, measured with tracemalloc."""
    tracemalloc.start()
    try:
        model = _make_model(weights)
        parameters = model.parameters()
        inputs = [[Value(v) for v in x] for x in xs]
        baseline = tracemalloc.get_traced_memory()[0]
        loss = _loss(model, inputs, ys, parameters)
        graph_bytes = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.reset_peak()
        loss.backward()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    made_before = {id(v) for v in parameters} | {id(v) for x in inputs for v in x}
    nodes = sum(1 for v in _reachable(loss) if id(v) not in made_before)
    return {"graph_bytes": graph_bytes, "after_backward_bytes": current - baseline,
            "backward_peak_bytes": peak - baseline, "nodes": nodes}


def variant() -> str:
    """Which MLP the chainrule runs use."""
    return "nn.MLP (a fused dot node per neuron)"
