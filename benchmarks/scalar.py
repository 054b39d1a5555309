"""The workloads for a scalar-``Value`` library (chainrule, micrograd, the tape bound), written once for all.

``impl_chainrule``, ``impl_micrograd`` and ``impl_tape`` each describe their library as a ``Library`` and ``bind`` these
workloads to it, so all run exactly the same code around their own ``Value``, ``MLP`` and loss.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, MLP_NIN, MLP_NOUTS


@dataclass(frozen=True)
class Library:
    """What differs between scalar libraries."""

    name: str  # for error messages, e.g. "nn.MLP"
    value: type  # the Value class
    mlp: type  # MLP(nin, nouts) with .parameters() in micrograd's order
    loss: Callable[[Any, list, list[float], list], Any]  # loss(model, inputs, ys, parameters) -> Value
    zero_grad: Callable[[Any, list], None]  # zero_grad(model, parameters), the way the library's users do it
    children: Callable[[Any], Iterable]  # a node's inputs


def zero_grads(model: Any, parameters: list) -> None:
    """``Library.zero_grad`` for libraries whose users reset gradients by hand: every parameter's ``grad`` to 0.0."""
    for p in parameters:
        p.grad = 0.0


def bind(library: Library) -> tuple[Callable, Callable, Callable, Callable]:
    """The workloads on ``library``: ``MlpStep, WideSum, deep_chain, memory = scalar.bind(LIBRARY)``."""
    return partial(MlpStep, library), partial(WideSum, library), partial(deep_chain, library), partial(memory, library)


def time_chain(x0: Any, n: int) -> tuple[Any, float, float]:
    """x = x * 1.0001 + 0.0001 from ``x0``, n times, then ``backward``: (x, forward seconds, backward seconds).
    Works on any scalar with ``*``, ``+`` and ``backward`` (the torch benchmarks use it too)."""
    start = time.process_time()
    x = x0
    for _ in range(n):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    middle = time.process_time()
    x.backward()
    return x, middle - start, time.process_time() - middle


def _make_model(library: Library, flat: list[float]) -> Any:
    model = library.mlp(MLP_NIN, list(MLP_NOUTS))
    parameters = model.parameters()
    if len(parameters) != len(flat):
        raise ValueError(f"{library.name} has {len(parameters)} parameters, the benchmark weights {len(flat)}")
    for p, value in zip(parameters, flat):
        p.data = value
    return model


class MlpStep:
    """micrograd's moons training step: loss, zero the gradients, ``backward``, SGD update."""

    def __init__(
        self, library: Library, weights: list[float], xs: list[list[float]], ys: list[float], lr: float
    ) -> None:
        self.library = library
        self.initial = list(weights)
        self.model = _make_model(library, self.initial)
        self.parameters = self.model.parameters()
        self.inputs = [[library.value(v) for v in x] for x in xs]
        self.ys, self.lr = ys, lr

    def reset(self) -> None:
        for p, value in zip(self.parameters, self.initial):
            p.data = value

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        parameters = self.parameters
        loss = self.library.loss(self.model, self.inputs, self.ys, parameters)
        self.library.zero_grad(self.model, parameters)
        loss.backward()
        result = (loss.data, [float(p.grad) for p in parameters]) if report else None
        lr = self.lr
        for p in parameters:
            p.data -= lr * p.grad
        return result


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum`` (a chain of 100,000 ``+`` nodes), then backward."""

    def __init__(self, library: Library, ws: list[float], xs: list[float]) -> None:
        self.w = [library.value(v) for v in ws]
        self.x = [library.value(v) for v in xs]

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        w, x = self.w, self.x
        if report:
            for v in w + x:
                v.grad = 0.0
        total = sum(w[i] * x[i] for i in range(len(w)))
        total.backward()
        return (total.data, [float(v.grad) for v in w + x]) if report else None


def deep_chain(library: Library, n: int) -> dict:
    """The deep-chain workload from a fresh leaf (micrograd: RecursionError past ~1000 nodes)."""
    x0 = library.value(0.5)
    x, forward_s, backward_s = time_chain(x0, n)
    return {"value": x.data, "grad": float(x0.grad), "forward_s": forward_s, "backward_s": backward_s}


def _reachable(library: Library, root: Any) -> list:
    """Every node of ``root``'s graph (an explicit stack, no recursion)."""
    seen, stack, order = {id(root)}, [root], [root]
    while stack:
        for child in library.children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
                stack.append(child)
    return order


def memory(library: Library, weights: list[float], xs: list[list[float]], ys: list[float]) -> dict:
    """Bytes held by the loss graph of the MLP on ``len(xs)`` samples, measured with tracemalloc."""
    tracemalloc.start()
    try:
        model = _make_model(library, weights)
        parameters = model.parameters()
        inputs = [[library.value(v) for v in x] for x in xs]
        baseline = tracemalloc.get_traced_memory()[0]
        loss = library.loss(model, inputs, ys, parameters)
        graph_bytes = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.reset_peak()
        loss.backward()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    made_before = {id(v) for v in parameters} | {id(v) for x in inputs for v in x}
    nodes = sum(1 for v in _reachable(library, loss) if id(v) not in made_before)
    return {
        "graph_bytes": graph_bytes,
        "after_backward_bytes": current - baseline,
        "backward_peak_bytes": peak - baseline,
        "nodes": nodes,
    }
