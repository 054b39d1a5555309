"""The benchmark workloads: their sizes, and the shared weights and data every implementation starts from."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType

from nn import data

WORKLOADS = ("mlp-step", "deep-chain", "wide-sum", "memory")

MLP_NIN = 2  # micrograd's moons demo: MLP(2, [16, 16, 1]), relu hidden layers, linear output
MLP_NOUTS = (16, 16, 1)
L2_ALPHA = 1e-4  # hinge loss + 1e-4 * Σ p², as in micrograd's demo
LEARNING_RATE = 0.1
CHAIN_SCALE = 1.0001  # deep-chain link: x = x * 1.0001 + 0.0001
CHAIN_SHIFT = 0.0001
SEED = 1337


@dataclass(frozen=True)
class Sizes:
    """How big each workload is, and how many timing rounds to run.

    ``full()`` is the published run (about 10 minutes here), ``quick()`` a sanity run (under a minute),
    ``tiny()`` the smoke test's sizes.
    """

    mlp_samples: int = 100
    memory_samples: int = 150
    wide_terms: int = 100_000
    chain_lengths: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    torch_max_chain: int = 100_000  # PyTorch scalar graphs of 2e6 nodes take minutes and gigabytes here
    rounds: int = 7
    chain_rounds: int = 3  # each deep-chain run is a fresh process per implementation and N
    target_seconds: float = 0.25  # each timed call repeats its workload until it lasts about this long
    window_steps: int = 10  # mlp-step times windows of steps 0..9 from the initial weights, the same for all
    extra: dict = field(default_factory=dict)

    @classmethod
    def full(cls) -> Sizes:
        return cls()

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            mlp_samples=30,
            memory_samples=30,
            wide_terms=5_000,
            chain_lengths=(1_000, 10_000),
            torch_max_chain=10_000,
            rounds=3,
            chain_rounds=1,
            target_seconds=0.05,
            window_steps=5,
        )

    @classmethod
    def tiny(cls) -> Sizes:
        return cls(
            mlp_samples=8,
            memory_samples=8,
            wide_terms=300,
            chain_lengths=(100, 2_000),
            torch_max_chain=2_000,
            rounds=2,
            chain_rounds=1,
            target_seconds=0.005,
            window_steps=2,
        )


def mlp_shape() -> list[tuple[int, int]]:
    """(nin, nout) of each layer of MLP(2, [16, 16, 1])."""
    sizes = [MLP_NIN, *MLP_NOUTS]
    return [(sizes[i], sizes[i + 1]) for i in range(len(MLP_NOUTS))]


def mlp_weights(seed: int = SEED) -> list[float]:
    """The MLP's parameters in micrograd's order (layer by layer, neuron by neuron, weights then bias).

    Weights are micrograd's U(-1, 1); biases are U(-0.1, 0.1) rather than micrograd's 0 so that a wrong
    bias gradient cannot hide behind a zero.
    """
    rng = random.Random(seed)
    flat = []
    for nin, nout in mlp_shape():
        for _ in range(nout):
            flat.extend(rng.uniform(-1.0, 1.0) for _ in range(nin))
            flat.append(rng.uniform(-0.1, 0.1))
    return flat


def unflatten(flat: list[float]) -> list[list[tuple[list[float], float]]]:
    """Flat micrograd-order parameters -> layers of (weights, bias) per neuron."""
    layers, position = [], 0
    for nin, nout in mlp_shape():
        layer = []
        for _ in range(nout):
            layer.append((list(flat[position : position + nin]), flat[position + nin]))
            position += nin + 1
        layers.append(layer)
    if position != len(flat):
        raise ValueError(f"expected {position} parameters for MLP{mlp_shape()}, got {len(flat)}")
    return layers


def moons(n: int, noise: float = 0.1, seed: int = SEED) -> tuple[list[list[float]], list[float]]:
    """``nn.data.moons`` (sklearn's ``make_moons`` construction) as inputs and labels -1.0 / +1.0."""
    points = data.moons(n, noise, seed)
    return [list(x) for x, _ in points], [float(y) for _, y in points]


def wide_data(n: int, seed: int = SEED) -> tuple[list[float], list[float]]:
    """Weights and inputs of the wide sum Σ w[i] * x[i]."""
    rng = random.Random(seed + 1)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)], [rng.uniform(-1.0, 1.0) for _ in range(n)]


RUNNABLE = ("mlp-step", "wide-sum", "deep-chain")  # the workloads that run as one call (memory is measured once)


def arguments(workload: str, sizes: Sizes) -> tuple:
    """What an implementation's ``MlpStep`` or ``WideSum`` is built from: the same weights and data for all."""
    if workload == "mlp-step":
        xs, ys = moons(sizes.mlp_samples)
        return (mlp_weights(), xs, ys, LEARNING_RATE)
    if workload == "wide-sum":
        return wide_data(sizes.wide_terms)
    raise ValueError(f"{workload!r} has no constructor arguments; expected mlp-step or wide-sum")


def run_once(implementation: ModuleType, workload: str, sizes: Sizes, chain_length: int) -> Callable[[], object]:
    """A no-argument function that runs ``workload`` once on an implementation module (``benchmarks.impl_*``);
    the deep chain has ``chain_length`` links."""
    if workload == "mlp-step":
        return implementation.MlpStep(*arguments(workload, sizes)).step
    if workload == "wide-sum":
        return implementation.WideSum(*arguments(workload, sizes)).run
    if workload == "deep-chain":
        return partial(implementation.deep_chain, chain_length)
    raise ValueError(f"unknown workload {workload!r}; expected one of {', '.join(RUNNABLE)}")
