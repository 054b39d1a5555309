"""The workloads on ``engine.compile`` (trace once, replay generated code), for one backend each:
``impl_compiled_python``, ``impl_compiled_numpy`` and ``impl_compiled_torch`` bind these to theirs.

mlp-step replays the per-sample loss ``hinge(model(x), y) + 1e-4·L2`` with ``compiled.batch`` (the mean over the
samples is the floor's loss); wide-sum and deep-chain are single calls, which every backend runs as the generated
Python program (numpy and torch vectorise ``batch`` only), so their rows measure the same program three times.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

import engine
from benchmarks import impl_chainrule
from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, L2_ALPHA, MLP_NIN, MLP_NOUTS
from engine import Value
from nn import MLP, losses


def _model(weights: list[float]) -> MLP:
    model = MLP(MLP_NIN, list(MLP_NOUTS))
    for p, value in zip(model.parameters(), weights):
        p.data = value
    return model


def _compiled_loss(model: MLP, backend: str) -> engine.compile:
    parameters = model.parameters()

    def loss(x: list[Value], y: Value) -> Value:  # one sample; batch() takes the mean
        return losses.hinge(model(x), y) + L2_ALPHA * losses.l2(parameters)

    return engine.compile(loss, parameters, backend=backend, names=dict(model.named_parameters()))


class MlpStep:
    """The moons step: ``compiled.batch(xs, ys)`` adds the gradient into ``p.grad``, then SGD on the Values."""

    def __init__(self, backend: str, weights: list[float], xs: list[list[float]], ys: list[float], lr: float) -> None:
        self.initial = list(weights)
        self.model = _model(self.initial)
        self.parameters = self.model.parameters()
        self.compiled = _compiled_loss(self.model, backend)
        self.xs, self.ys, self.lr = xs, ys, lr

    def reset(self) -> None:
        for p, value in zip(self.parameters, self.initial):
            p.data = value

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        parameters = self.parameters
        for p in parameters:
            p.grad = 0.0
        loss = self.compiled.batch(self.xs, self.ys)
        result = (loss, [p.grad for p in parameters]) if report else None
        lr = self.lr
        for p in parameters:
            p.data -= lr * p.grad
        return result


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum``, traced once (200,000 nodes: the chunked program)."""

    def __init__(self, backend: str, ws: list[float], xs: list[float]) -> None:
        self.w = [Value(v) for v in ws]
        self.x = [Value(v) for v in xs]
        w, x = self.w, self.x
        self.compiled = engine.compile(lambda: sum(w[i] * x[i] for i in range(len(w))), w + x, backend=backend)
        self.compiled.value_and_grad()  # trace and compile here, not in the timed calls

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        value, grads = self.compiled.value_and_grad()
        return (value, grads) if report else None


def _chain(x: Value, n: int) -> Value:
    for _ in range(n):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    return x


def deep_chain(backend: str, n: int) -> dict:
    """Trace and compile the n-link chain, then time forward-only calls and forward + reverse calls (the best of
    two, after the first call of each); backward = the difference. Also the peak RSS of the process."""
    x0 = Value(0.5)
    start = time.process_time()
    compiled = engine.compile(lambda: _chain(x0, n), [x0], backend=backend)
    compiled.value_and_grad()
    compile_s = time.process_time() - start
    compiled.value()
    forward_s = _best(compiled.value, 2)  # the best of two: other jobs on the machine only ever add time
    both_s = _best(compiled.value_and_grad, 2)
    value, (grad,) = compiled.value_and_grad()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {
        "value": value,
        "grad": grad,
        "forward_s": forward_s,
        "backward_s": max(both_s - forward_s, 0.0),
        "compile_s": compile_s,
        "peak_rss_bytes": peak,
    }


def one_off(
    backend: str, workload: str, weights: list[float], xs: list[list[float]], ys: list[float], lr: float
) -> dict:
    """Trace + compile cost of mlp-step (the first step minus a later one), and an eager chainrule step in the same
    process, so that the cost reads in eager steps."""
    if workload != "mlp-step":
        raise ValueError(f"one_off measures mlp-step only, got {workload!r}")
    eager = impl_chainrule.MlpStep(weights, xs, ys, lr)
    eager.step()
    eager_s = _best(lambda: eager.step(), 5)
    costs = []
    for _ in range(3):
        compiled = MlpStep(backend, weights, xs, ys, lr)
        first = _best(compiled.step, 1)
        compiled.reset()
        costs.append(max(first - _best(compiled.step, 3), 0.0))
    cost = min(costs)
    return {"trace_compile_s": cost, "eager_step_s": eager_s, "eager_steps": cost / eager_s}


def _best(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def bind(backend: str) -> tuple[Callable, ...]:
    """``MlpStep, WideSum, deep_chain, one_off`` for ``backend``."""
    from functools import partial

    return (
        partial(MlpStep, backend),
        partial(WideSum, backend),
        partial(deep_chain, backend),
        partial(one_off, backend),
    )
