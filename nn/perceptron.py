"""Rosenblatt's perceptron: one step-activation neuron trained by the perceptron rule."""

from __future__ import annotations

import numbers
import random
from collections.abc import Sequence
from typing import Any

import engine
from engine import Value
from nn import init as _init
from nn._checks import bad_input, check_int, check_real, short
from nn.module import Neuron, _check_length


class Perceptron(Neuron):
    """``Perceptron(nin, lr=1.0, init="uniform", seed=None)``: ŷ = step(w·x + b) with labels y in {0, 1}.

    ``update(x, y)`` applies the perceptron rule w += lr·(y − ŷ)·x, b += lr·(y − ŷ). It is computed as one
    gradient-descent step on the perceptron criterion max(0, −y±·z) (y± = 2y − 1, z = w·x + b): on a mistake
    the criterion is (ŷ − y)·z, whose gradient is (ŷ − y)·x; otherwise it is 0.
    NB: at z = 0 exactly the criterion has a kink; we take the step function's side (step(0) = 1), so a
    point on the boundary counts as a mistake for y = 0, as in the classic rule.
    """

    def __init__(
        self,
        nin: int,
        lr: float = 1.0,
        init: str | _init.Initializer = "uniform",
        seed: int | random.Random | None = None,
    ) -> None:
        super().__init__(nin, "step", init, seed)
        self.lr = check_real(lr, "lr")
        self.init = init

    def predict(self, x: Sequence[Value | float]) -> int:
        """ŷ = step(w·x + b) as an int, 0 or 1."""
        return int(self(x).data)

    def update(self, x: Sequence[Value | float], y: int) -> int:
        """One perceptron-rule step on example (x, y); returns the error y − ŷ (0 when nothing changed)."""
        _check_length(x, self.nin, "Perceptron")
        if isinstance(y, bool) or not isinstance(y, numbers.Integral) or y not in (0, 1):
            raise ValueError(f"Perceptron label y must be 0 or 1, got {short(y)}")
        try:
            z = engine.dot(self.w, x, start=self.b)
        except (TypeError, ValueError):
            error = bad_input(x, "Perceptron")
            if error is None:
                raise
            raise error from None
        error = int(y) - (1 if z.data >= 0 else 0)
        if error:
            criterion = -error * z  # = max(0, −y±·z) on a mistake, with y± = error
            parameters = self.parameters()
            for parameter, gradient in zip(parameters, engine.grad(criterion, parameters)):
                parameter.data -= self.lr * gradient
        return error

    def fit(self, xs: Sequence[Sequence[Value | float]], ys: Sequence[int], epochs: int = 20) -> list[int]:
        """Sweep the examples in order up to ``epochs`` times, stopping after an epoch with no mistake.

        Returns the number of mistakes in each epoch run; converged when the last entry is 0. ``epochs`` is
        an int >= 0 (0 runs nothing and returns []).
        """
        epochs = check_int(epochs, "epochs", minimum=0)
        for name, items in (("xs", xs), ("ys", ys)):
            try:
                len(items)
            except TypeError:
                raise TypeError(f"fit: {name} must be a sequence, got {type(items).__name__}: {short(items)}") from None
        if len(xs) != len(ys):
            raise ValueError(f"fit: got {len(xs)} inputs (xs) but {len(ys)} labels (ys)")
        mistakes_per_epoch = []
        for _ in range(epochs):
            mistakes = sum(1 for x, y in zip(xs, ys) if self.update(x, y) != 0)
            mistakes_per_epoch.append(mistakes)
            if mistakes == 0:
                break
        return mistakes_per_epoch

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"nin": self.nin, "lr": self.lr}
        if self.init != "uniform":
            config["init"] = self.init
        return config
