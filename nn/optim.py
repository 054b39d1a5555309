"""Optimizers: gradient descent updates on parameters' ``.data``, written to match ``torch.optim`` exactly.

The learning rate may be a number or a schedule: a callable of the step number t (0 on the first
``step()``, 1 on the next, ...) returning the rate, e.g. micrograd's ``lambda t: 1.0 - 0.9 * t / 100``.
Every rate a schedule returns is checked like a constant one (a real number >= 0, not NaN or infinite).

A parameter whose ``grad`` is None ("no gradient yet", after ``zero_grad(set_to_none=True)``) or whose
``requires_grad`` is False is skipped: not moved, not decayed, its momentum and moments untouched, as
``torch.optim`` skips a parameter whose ``.grad`` is None. State is kept per parameter, as torch keeps it (a
momentum buffer made on a parameter's first update, Adam's step count per parameter), so with
``zero_grad(set_to_none=True)`` the updates equal torch's with its default ``zero_grad()``, and with
``zero_grad()`` (grads set to 0.0) they equal torch's with ``zero_grad(set_to_none=False)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from engine import Value
from nn._checks import check_real, short

LearningRate = float | Callable[[int], float]


_check_number = check_real  # (value, name, low=0.0, high=inf) -> float


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator with IEEE's answer for a zero denominator (nan for 0/0, ±inf otherwise), as torch."""
    try:
        return numerator / denominator
    except ZeroDivisionError:
        if numerator == 0 or numerator != numerator:
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)


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
        first_position: dict[Value, int] = {}
        for index, parameter in enumerate(self.params):
            if not isinstance(parameter, Value):
                raise TypeError(f"params must be Values, got {type(parameter).__name__} at position {index}")
            if parameter in first_position:
                warnings.warn(
                    f"params holds the same parameter at positions {first_position[parameter]} and {index}; it will "
                    f"be updated once per occurrence (as torch.optim does); pass each parameter once",
                    UserWarning,
                    stacklevel=3,
                )
            first_position.setdefault(parameter, index)
        if not self.params:
            raise ValueError("params is empty: pass model.parameters()")
        if not callable(lr):
            _check_number(lr, "lr")
        self.lr = lr
        self.steps: int = 0  # number of step() calls so far

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses: ``lr`` or ``lr(steps)``, checked."""
        lr = self.lr
        if not callable(lr):
            return lr
        return _check_number(lr(self.steps), f"lr({self.steps}) (the learning-rate schedule at step {self.steps})")

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Reset every parameter's ``.grad`` to 0.0, or to None with ``set_to_none=True`` (then a parameter that
        gets no gradient before the next ``step()`` is skipped by it, as in torch)."""
        empty = None if set_to_none else 0.0
        for parameter in self.params:
            parameter.grad = empty

    def step(self) -> None:
        """Update every parameter that has a gradient from its ``.grad``."""
        raise NotImplementedError

    # --- state: JSON-safe, so a run can stop and resume bit for bit ------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain JSON values: its class, options, step count and per-parameter state
        (in ``params`` order). ``lr`` is None when it is a schedule (a callable is not data): the schedule you
        construct the resumed optimizer with continues from the saved step count."""
        options: dict[str, Any] = {
            key: list(value) if isinstance(value, tuple) else value for key, value in self._options().items()
        }
        options["lr"] = None if callable(self.lr) else self.lr
        return {
            "class": type(self).__name__,
            "parameters": len(self.params),
            "steps": self.steps,
            "options": options,
            "state": {name: list(values) for name, values in self._state().items()},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore a ``state_dict()`` (e.g. read back from JSON). Everything is checked first: a wrong class,
        parameter count, option or entry raises ValueError / TypeError naming the key and changes nothing."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"optimizer state_dict must be a dict, got {type(state_dict).__name__}")
        for key in ("class", "parameters", "steps", "options", "state"):
            if key not in state_dict:
                raise ValueError(f"optimizer state_dict has no {key!r} entry")
        if state_dict["class"] != type(self).__name__:
            raise ValueError(f"optimizer state_dict is for {short(state_dict['class'])}, not {type(self).__name__}")
        if state_dict["parameters"] != len(self.params) or isinstance(state_dict["parameters"], bool):
            raise ValueError(
                f"optimizer state_dict['parameters'] is {short(state_dict['parameters'])}, but this optimizer has "
                f"{len(self.params)} parameters"
            )
        steps = state_dict["steps"]
        if type(steps) is not int or steps < 0:
            raise TypeError(f"optimizer state_dict['steps'] must be an int >= 0, got {short(steps)}")
        options = state_dict["options"]
        ours = self._options()
        if not isinstance(options, dict) or set(options) != set(ours):
            raise ValueError(f"optimizer state_dict['options'] must have the keys {sorted(ours)}, got {short(options)}")
        state = state_dict["state"]
        expected = self._state()
        if not isinstance(state, dict) or set(state) != set(expected):
            raise ValueError(f"optimizer state_dict['state'] must have the keys {sorted(expected)}, got {short(state)}")
        checked_state = {name: self._check_state_entry(name, state[name]) for name in expected}
        checked_options = self._check_options(options)
        for name, values in checked_state.items():
            setattr(self, f"_{name}", values)
        for name, value in checked_options.items():
            setattr(self, name, value)
        self.steps = steps

    def _check_state_entry(self, name: str, values: Any) -> list[Any]:
        if not isinstance(values, list) or len(values) != len(self.params):
            raise ValueError(f"optimizer state_dict['state'][{name!r}] must be a list of {len(self.params)} entries")
        kind = self._state_kinds()[name]
        for index, value in enumerate(values):
            if value is None and kind is not int:
                continue  # no buffer yet
            good = (
                type(value) is int and value >= 0
                if kind is int
                else (not isinstance(value, bool) and isinstance(value, numbers.Real))
            )
            if not good:
                raise TypeError(
                    f"optimizer state_dict['state'][{name!r}][{index}] must be "
                    f"{'an int >= 0' if kind is int else 'a real number or None'}, got {short(value)}"
                )
        return [value if value is None or kind is int else float(value) for value in values]

    def _check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        checked: dict[str, Any] = {}
        for key, value in options.items():
            name = f"optimizer state_dict['options'][{key!r}]"
            if key == "lr":
                if value is not None:  # None: saved from a schedule, keep ours
                    checked["lr"] = _check_number(value, name)
            elif key == "betas":
                if not isinstance(value, list) or len(value) != 2:
                    raise TypeError(f"{name} must be a pair [beta1, beta2], got {short(value)}")
                checked["betas"] = (_check_number(value[0], name, high=1.0), _check_number(value[1], name, high=1.0))
            elif key == "nesterov":
                if not isinstance(value, bool):
                    raise TypeError(f"{name} must be true or false, got {short(value)}")
                checked[key] = value
            else:
                checked[key] = _check_number(value, name)
        return checked

    def _state(self) -> dict[str, list[Any]]:
        """Per-parameter state lists by name (stored as ``self._<name>``)."""
        return {}

    def _state_kinds(self) -> dict[str, type]:
        return {}

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self._options().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"

    def _options(self) -> dict[str, object]:
        return {"lr": self.lr}


class SGD(Optimizer):
    """Stochastic gradient descent: ``SGD(params, lr, momentum=0, nesterov=False, weight_decay=0)``.

    Like ``torch.optim.SGD`` (dampening 0): g = grad + weight_decay·p; with momentum, the buffer
    b = g on a parameter's first update and momentum·b + g after; nesterov uses g + momentum·b, else b;
    p -= lr·g.
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
        self._buffers: list[float | None] = [None] * len(self.params)  # made on each parameter's first update

    def step(self) -> None:
        """One SGD update of every parameter that has a gradient (``grad`` None: skipped), as ``torch.optim.SGD``."""
        lr = self.current_lr()
        momentum, weight_decay = self.momentum, self.weight_decay
        if momentum == 0:
            for p in self.params:
                g = p.grad
                if g is None or not p.requires_grad:
                    continue
                p.data -= lr * (g + weight_decay * p.data if weight_decay else g)
            self.steps += 1
            return
        buffers = self._buffers
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None or not p.requires_grad:
                continue
            if weight_decay:
                g = g + weight_decay * p.data
            buffer = buffers[i]
            buffers[i] = buffer = g if buffer is None else momentum * buffer + g
            p.data -= lr * (g + momentum * buffer if self.nesterov else buffer)
        self.steps += 1

    def _state(self) -> dict[str, list[Any]]:
        return {"buffers": self._buffers}

    def _state_kinds(self) -> dict[str, type]:
        return {"buffers": float}

    def _options(self) -> dict[str, object]:
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam: ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``, as ``torch.optim.Adam``.

    ``weight_decay`` is L2 added to the gradient (Adam's original coupling); use ``AdamW`` for decoupled decay.
    Bias corrections use each parameter's own update count, as torch's per-parameter ``step``. ``eps=0`` with a
    zero gradient gives nan, as in torch (0/0).
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
        self._updates = [0] * len(self.params)  # per parameter: how many steps moved it (torch's state["step"])

    def step(self) -> None:
        """One Adam update (AdamW: with decoupled weight decay) of every parameter that has a gradient."""
        lr = self.current_lr()
        beta1, beta2 = self.betas
        eps, weight_decay = self.eps, self.weight_decay
        m, v, updates = self._first_moments, self._second_moments, self._updates
        corrections: dict[int, tuple[float, float]] = {}  # t -> (lr / (1 - beta1^t), sqrt(1 - beta2^t)), once per t
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None or not p.requires_grad:
                continue
            updates[i] = t = updates[i] + 1
            if weight_decay:
                if self._decoupled:
                    p.data *= 1.0 - lr * weight_decay  # AdamW: decay the weight itself, outside the moments
                else:
                    g = g + weight_decay * p.data
            m[i] += (1.0 - beta1) * (g - m[i])  # = beta1·m + (1 - beta1)·g, in torch's lerp form
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            if t not in corrections:
                corrections[t] = (lr / (1.0 - beta1**t), math.sqrt(1.0 - beta2**t))
            step_size, bias_correction2_sqrt = corrections[t]
            denominator = math.sqrt(v[i]) / bias_correction2_sqrt + eps
            p.data -= step_size * _divide(m[i], denominator)
        self.steps += 1

    def _state(self) -> dict[str, list[Any]]:
        return {"first_moments": self._first_moments, "second_moments": self._second_moments, "updates": self._updates}

    def _state_kinds(self) -> dict[str, type]:
        return {"first_moments": float, "second_moments": float, "updates": int}

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
