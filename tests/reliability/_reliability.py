"""Shared pieces of the reliability tests: the full/reduced switch, moons data, and one training step."""

from __future__ import annotations

import os

from engine import Value
from nn import MLP, SGD, data
from nn.losses import hinge, l2

FULL = os.environ.get("CHAINRULE_FULL", "") not in ("", "0")


def count(reduced: int, full: int) -> int:
    """``full`` when CHAINRULE_FULL=1, else ``reduced`` (what CI runs)."""
    return full if FULL else reduced


def moons(n: int, seed: int = 0) -> list[tuple[list[float], int]]:
    """``n`` shuffled points of ``nn.data.moons`` (two half circles, noise 0.1), labels -1 / +1."""
    return [(list(x), y) for x, y in data.moons(n, 0.1, seed, shuffle=True)]


def training_step(model: MLP, optimizer: SGD, batch: list[tuple[list[float], int]], alpha: float = 1e-4) -> float:
    """micrograd's moons step: hinge loss + alpha·L2, backward, SGD; returns the loss (the graph is dropped)."""
    scores = [model(x) for x, _ in batch]
    loss: Value = hinge(scores, [y for _, y in batch]) + alpha * l2(model.parameters())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data


def bits(state: dict[str, float]) -> dict[str, str]:
    """Weights as exact hex strings: equal bits compare equal, nan included."""
    return {name: float.hex(value) for name, value in state.items()}
