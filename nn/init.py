"""Weight initializers: micrograd's ``uniform`` U(-1, 1), ``xavier`` (Glorot) and ``he`` (Kaiming), seedable.

An initializer draws ONE weight: ``init(fan_in, fan_out, rng) -> float``. Any callable with that signature
can be passed wherever an ``init`` name is accepted. Biases always start at 0, as in micrograd.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable

from nn._checks import check_int, short

Initializer = Callable[[int, int, random.Random], float]


def uniform(fan_in: int, fan_out: int, rng: random.Random) -> float:
    """micrograd's U(-1, 1), whatever the fan; variance 1/3."""
    return rng.uniform(-1.0, 1.0)


def xavier(fan_in: int, fan_out: int, rng: random.Random) -> float:
    """Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); variance 2 / (fan_in + fan_out)."""
    if type(fan_in) is not int or type(fan_out) is not int or fan_in < 1 or fan_out < 1:  # cheap when fine
        check_int(fan_in, "fan_in")
        check_int(fan_out, "fan_out")
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def he(fan_in: int, fan_out: int, rng: random.Random) -> float:
    """Kaiming uniform for ReLU: U(-a, a) with a = sqrt(6 / fan_in); variance 2 / fan_in."""
    if type(fan_in) is not int or fan_in < 1:  # cheap when fine
        check_int(fan_in, "fan_in")
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound)


def zeros(fan_in: int, fan_out: int, rng: random.Random) -> float:
    """All weights 0 (the classic perceptron's start); breaks symmetry only for a single neuron."""
    return 0.0


INITIALIZERS: dict[str, Initializer] = {"uniform": uniform, "xavier": xavier, "he": he, "zeros": zeros}


def resolve(init: str | Initializer) -> Initializer:
    """The initializer for a name (``uniform``, ``xavier``, ``he``, ``zeros``) or a callable, checked."""
    if isinstance(init, str):
        try:
            return INITIALIZERS[init]
        except KeyError:
            raise ValueError(f"init must be one of {sorted(INITIALIZERS)} or a callable, got {short(init)}") from None
    if callable(init):
        return init
    raise TypeError(f"init must be a name or a callable (fan_in, fan_out, rng) -> float, got {type(init).__name__}")


def make_rng(seed: int | random.Random | None = None, name: str = "seed") -> random.Random:
    """A random source: an int seeds a new ``random.Random``; a ``random.Random`` is used as is.

    ``name`` is the argument's name in the caller, for the error message (``seed``, ``rng``).

    ``None`` uses Python's global ``random`` module, exactly like micrograd, so ``random.seed(1337)``
    followed by ``MLP(2, [16, 16, 1])`` gives micrograd's demo weights.
    """
    if seed is None or seed is random:  # type: ignore[comparison-overlap]  # the random module itself
        return random  # type: ignore[return-value]  # the module has the same methods as an instance
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int, a random.Random or None, got {type(seed).__name__}: {short(seed)}")
    return random.Random(int(seed))


def sample(
    init: str | Initializer, count: int, fan_in: int, fan_out: int = 1, seed: int | random.Random | None = None
) -> list[float]:
    """``count`` weights drawn from ``init`` for a layer with the given fans; same seed, same weights.

    ``count`` is an int >= 0, ``fan_in`` and ``fan_out`` ints >= 1.
    """
    count = check_int(count, "count", minimum=0)
    fan_in = check_int(fan_in, "fan_in")
    fan_out = check_int(fan_out, "fan_out")
    draw = resolve(init)
    rng = make_rng(seed)
    return [float(draw(fan_in, fan_out, rng)) for _ in range(count)]
