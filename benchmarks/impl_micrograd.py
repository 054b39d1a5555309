"""The workloads on micrograd 0.1.0, written the way its moons demo writes them."""

from __future__ import annotations

import time
import tracemalloc

from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, L2_ALPHA, MLP_NIN, MLP_NOUTS

try:
    from micrograd.engine import Value
    from micrograd.nn import MLP
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("the micrograd benchmarks need micrograd==0.1.0: pip install 'chainrule[bench]'") from error

NAME = "micrograd"


def _make_model(flat: list[float]) -> MLP:
    model = MLP(MLP_NIN, list(MLP_NOUTS))
    parameters = model.parameters()
    if len(parameters) != len(flat):
        raise ValueError(f"micrograd MLP has {len(parameters)} parameters, the benchmark weights {len(flat)}")
    for p, value in zip(parameters, flat):
        p.data = value
    return model


def _loss(model: MLP, inputs: list[list[Value]], ys: list[float], parameters: list[Value]) -> Value:
    # micrograd's demo.ipynb, loss(): svm "max-margin" loss + L2 regularization
    scores = list(map(model, inputs))
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + L2_ALPHA * sum(p * p for p in parameters)


class MlpStep:
    """One step of micrograd's demo: loss, ``zero_grad``, ``backward``, SGD update."""

    def __init__(self, weights: list[float], xs: list[list[float]], ys: list[float], lr: float) -> None:
        self.initial = list(weights)
        self.model = _make_model(self.initial)
        self.parameters = self.model.parameters()
        self.inputs = [list(map(Value, x)) for x in xs]
        self.ys, self.lr = ys, lr

    def reset(self) -> None:
        for p, value in zip(self.parameters, self.initial):
            p.data = value

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        loss = _loss(self.model, self.inputs, self.ys, self.parameters)
        self.model.zero_grad()
        loss.backward()
        result = (loss.data, [float(p.grad) for p in self.parameters]) if report else None
        lr = self.lr
        for p in self.parameters:
            p.data -= lr * p.grad
        return result


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum``; micrograd's recursive topological sort fails on it."""

    def __init__(self, ws: list[float], xs: list[float]) -> None:
        self.w = [Value(v) for v in ws]
        self.x = [Value(v) for v in xs]

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        w, x = self.w, self.x
        if report:
            for v in w + x:
                v.grad = 0
        total = sum(w[i] * x[i] for i in range(len(w)))
        total.backward()
        return (total.data, [float(v.grad) for v in w + x]) if report else None


def deep_chain(n: int) -> dict:
    """x = x * 1.0001 + 0.0001, n times, then ``backward`` (recursive: RecursionError past ~1000 nodes)."""
    x0 = Value(0.5)
    start = time.process_time()
    x = x0
    for _ in range(n):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    middle = time.process_time()
    x.backward()
    end = time.process_time()
    return {"value": x.data, "grad": float(x0.grad), "forward_s": middle - start, "backward_s": end - middle}


def _reachable(root: Value) -> list[Value]:
    seen, stack = {id(root)}, [root]
    order = [root]
    while stack:
        for child in stack.pop()._prev:
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
        inputs = [list(map(Value, x)) for x in xs]
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
    """Which MLP the micrograd runs use."""
    return "micrograd.nn.MLP 0.1.0"
