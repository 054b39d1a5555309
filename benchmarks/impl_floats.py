"""The floor: every workload written by hand with Python floats, forward AND backward, no graph at all."""

from __future__ import annotations

import time
from operator import mul

from benchmarks.workloads import CHAIN_SCALE, CHAIN_SHIFT, L2_ALPHA, unflatten

NAME = "floats"


class MlpStep:
    """micrograd's moons training step with the backward pass derived by hand (the delta rule)."""

    def __init__(self, weights: list[float], xs: list[list[float]], ys: list[float], lr: float) -> None:
        self.initial = list(weights)
        self.xs, self.ys, self.lr = xs, ys, lr
        self.reset()

    def reset(self) -> None:
        self.layers = unflatten(self.initial)
        # mutable copies: weights[l][j] is neuron j's weight list, biases[l][j] its bias
        self.weights = [[list(w) for w, _ in layer] for layer in self.layers]
        self.biases = [[b for _, b in layer] for layer in self.layers]

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        weights, biases = self.weights, self.biases
        depth = len(weights)
        grad_w = [[[0.0] * len(w) for w in layer] for layer in weights]
        grad_b = [[0.0] * len(layer) for layer in weights]
        n = len(self.xs)
        data_loss = 0.0
        for x, y in zip(self.xs, self.ys):
            # forward, keeping each layer's input and pre-activation
            inputs, pre_activations = [], []
            a = x
            for index in range(depth):
                z = [sum(map(mul, w, a), b) for w, b in zip(weights[index], biases[index])]  # b + Σ wᵢaᵢ
                inputs.append(a)
                pre_activations.append(z)
                a = z if index == depth - 1 else [zi if zi > 0 else 0.0 for zi in z]
            margin = 1.0 - y * a[0]
            if margin <= 0:
                continue  # relu(margin) = 0: no loss, no gradient from this sample
            data_loss += margin
            # backward: delta = d(loss)/d(pre-activation), layer by layer from the output
            delta = [-y / n]
            for index in range(depth - 1, -1, -1):
                a_in = inputs[index]
                layer_w, layer_gw, layer_gb = weights[index], grad_w[index], grad_b[index]
                upstream = [0.0] * len(a_in)
                for j, dj in enumerate(delta):
                    if dj == 0.0:
                        continue  # an inactive relu passes nothing back
                    layer_gb[j] += dj
                    layer_gw[j] = [g + dj * ai for g, ai in zip(layer_gw[j], a_in)]
                    upstream = [u + dj * wi for u, wi in zip(upstream, layer_w[j])]
                if index:
                    below = pre_activations[index - 1]
                    delta = [u if zi > 0 else 0.0 for u, zi in zip(upstream, below)]
        loss = data_loss / n
        # L2 term: 1e-4 * Σ p², gradient 2e-4 * p
        two_alpha = 2.0 * L2_ALPHA
        squares = 0.0
        for layer_w, layer_b, layer_gw, layer_gb in zip(weights, biases, grad_w, grad_b):
            for j, (w, b) in enumerate(zip(layer_w, layer_b)):
                squares += sum(map(mul, w, w)) + b * b
                layer_gw[j] = [g + two_alpha * wi for g, wi in zip(layer_gw[j], w)]
                layer_gb[j] += two_alpha * b
        loss += L2_ALPHA * squares
        grads = None
        if report:
            grads = [
                g for layer_gw, layer_gb in zip(grad_w, grad_b) for gw, gb in zip(layer_gw, layer_gb) for g in (*gw, gb)
            ]
        lr = self.lr
        for layer_w, layer_b, layer_gw, layer_gb in zip(weights, biases, grad_w, grad_b):
            for j, gw in enumerate(layer_gw):
                layer_w[j] = [wi - lr * g for wi, g in zip(layer_w[j], gw)]
                layer_b[j] -= lr * layer_gb[j]
        return (loss, grads) if report else None


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum``; by hand d/dw[i] = x[i] and d/dx[i] = w[i]."""

    def __init__(self, ws: list[float], xs: list[float]) -> None:
        self.w, self.x = ws, xs

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        w, x = self.w, self.x
        total = sum(w[i] * x[i] for i in range(len(w)))
        upstream = 1.0
        grad_w = [upstream * xi for xi in x]
        grad_x = [upstream * wi for wi in w]
        return (total, grad_w + grad_x) if report else None


def deep_chain(n: int) -> dict:
    """x = x * 1.0001 + 0.0001, n times, then dx/dx0 by hand (a product of the n local slopes)."""
    start = time.process_time()
    x = 0.5
    for _ in range(n):
        x = x * CHAIN_SCALE + CHAIN_SHIFT
    middle = time.process_time()
    g = 1.0
    for _ in range(n):
        g = g * 1.0 * CHAIN_SCALE  # through "+ 0.0001" (slope 1), then "* 1.0001"
    end = time.process_time()
    return {"value": x, "grad": g, "forward_s": middle - start, "backward_s": end - middle}


def variant() -> str:
    """What the floor is."""
    return "hand-written forward and backward on Python floats"
