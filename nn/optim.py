"""Optimizers: gradient descent updates on parameters' ``.data``, written to match ``torch.optim`` exactly.

The learning rate may be a number or a schedule: a callable of the step number t (0 on the first
``step()``, 1 on the next, ...) returning the rate, e.g. micrograd's ``lambda t: 1.0 - 0.9 * t / 100``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from engine import Value
from nn._checks import check_real, short

LearningRate = float | Callable[[int], float]


_check_number = check_real  # (value, name, low=0.0, high=inf) -> float


class Optimizer:
    """Base: holds the parameter list, the step count and the learning rate (a number or a schedule)."""

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        try:
            self.params = list(params)
        except TypeError:
            raise TypeError(
                f"params must be an iterable of Values (model.parameters()), got {type(params).__name__}: "
                f"{short(params)}"
            ) from None
        for index, parameter in enumerate(self.params):
            if not isinstance(parameter, Value):
                raise TypeError(f"params must be Values, got {type(parameter).__name__} at position {index}")
        if not self.params:
            raise ValueError("params is empty: pass model.parameters()")
        if not callable(lr):
            _check_number(lr, "lr")
        self.lr = lr
        self.steps = 0  # number of step() calls so far

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses: ``lr`` or ``lr(steps)``."""
        lr = self.lr
        return float(lr(self.steps)) if callable(lr) else lr

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0.0."""
        for parameter in self.params:
            parameter.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self._options().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"

    def _options(self) -> dict[str, object]:
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent: ``SGD(params, lr, momentum=0, nesterov=False, weight_decay=0)``.

    Like ``torch.optim.SGD`` (dampening 0): g = grad + weight_decay·p; with momentum, the buffer
    b = g on the first step and momentum·b + g after; nesterov uses g + momentum·b, else b; p -= lr·g.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum")
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)
        self._buffers: list[float] | None = None

    def step(self) -> None:
        lr = self.current_lr()
        momentum, weight_decay = self.momentum, self.weight_decay
        if momentum == 0:
            if weight_decay == 0:  # the common case, kept lean
                for p in self.params:
                    p.data -= lr * p.grad
            else:
                for p in self.params:
                    p.data -= lr * (p.grad + weight_decay * p.data)
            self.steps += 1
            return
        first = self._buffers is None
        if first:
            self._buffers = [0.0] * len(self.params)
        buffers = self._buffers
        for i, p in enumerate(self.params):
            g = p.grad + weight_decay * p.data if weight_decay else p.grad
            buffers[i] = g if first else momentum * buffers[i] + g
            if self.nesterov:
                g = g + momentum * buffers[i]
            else:
                g = buffers[i]
            p.data -= lr * g
        self.steps += 1

    def _options(self) -> dict[str, object]:
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam: ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``, as ``torch.optim.Adam``.

    ``weight_decay`` is L2 added to the gradient (Adam's original coupling); use ``AdamW`` for decoupled decay.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {short(betas)}")
        self.betas = (_check_number(betas[0], "betas[0]", high=1.0), _check_number(betas[1], "betas[1]", high=1.0))
        self.eps = _check_number(eps, "eps")
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        self._first_moments = [0.0] * len(self.params)
        self._second_moments = [0.0] * len(self.params)

    def step(self) -> None:
        lr = self.current_lr()
        beta1, beta2 = self.betas
        eps, weight_decay = self.eps, self.weight_decay
        t = self.steps + 1
        step_size = lr / (1.0 - beta1**t)
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**t)
        m, v = self._first_moments, self._second_moments
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay:
                if self._decoupled:
                    p.data *= 1.0 - lr * weight_decay  # AdamW: decay the weight itself, outside the moments
                else:
                    g = g + weight_decay * p.data
            m[i] += (1.0 - beta1) * (g - m[i])  # = beta1·m + (1 - beta1)·g, in torch's lerp form
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * (m[i] / (math.sqrt(v[i]) / bias_correction2_sqrt + eps))
        self.steps = t

    def _options(self) -> dict[str, object]:
        return {"lr": self.lr, "betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``): p *= 1 - lr·weight_decay, then Adam.

    ``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)``.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
