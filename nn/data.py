"""Data for training: the two-moons toy set (micrograd's demo data) and a seeded minibatch iterator."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from nn import init as _init
from nn._checks import check_int, check_real, short

Item = TypeVar("Item")
Point = tuple[tuple[float, float], int]  # ((x1, x2), label)


def moons(n_points: int = 100, noise: float = 0.1, seed: int | random.Random = 0, shuffle: bool = False) -> list[Point]:
    """``n_points`` ((x1, x2), label) pairs on two interleaving half circles, as scikit-learn's ``make_moons``.

    The upper moon (label -1) is (cos t, sin t) and the lower, shifted one (label +1) is (1 - cos t, 0.5 - sin t),
    for t evenly spaced on [0, π] (``n_points // 2`` upper points first, then the rest), each coordinate plus
    Gaussian noise of standard deviation ``noise`` drawn from ``random.Random(seed)`` point by point.
    ``shuffle=True`` then shuffles the points with the same random source. The demos, the benchmarks and the
    tests all draw their moons here.
    """
    n_points = check_int(n_points, "n_points", minimum=2)
    noise = check_real(noise, "noise")
    rng = _init.make_rng(seed, "seed")
    n_upper = n_points // 2
    points = []
    for count, label in ((n_upper, -1), (n_points - n_upper, 1)):
        for i in range(count):
            t = math.pi * i / max(count - 1, 1)
            if label == -1:
                x1, x2 = math.cos(t), math.sin(t)
            else:
                x1, x2 = 1.0 - math.cos(t), 0.5 - math.sin(t)
            points.append(((x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)), label))
    if shuffle:
        rng.shuffle(points)
    return points


def minibatches(
    data: int | Sequence[Item],
    batch_size: int,
    rng: int | random.Random | None = None,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[list[Item]] | Iterator[list[int]]:
    """One epoch of minibatches: lists of ``batch_size`` items of ``data`` (or of indices, when ``data`` is an int
    n: indices into range(n)), every item exactly once, the last batch shorter unless ``drop_last``.

    ``shuffle=True`` orders the items by ``rng``: an int seed gives the same order every call; pass one
    ``random.Random`` for all epochs to get a new, reproducible order each epoch (None: Python's global ``random``).
    ``shuffle=False`` keeps the data's order. ``for batch in minibatches(train, 32, rng=epoch_rng): ...``
    """
    if isinstance(data, bool):
        raise TypeError("data must be a sequence of examples or an int count, got bool")
    if isinstance(data, int):
        indices = list(range(check_int(data, "data", minimum=0)))
        items: Sequence[Any] = indices
    else:
        try:
            len(data)
            data[0:0]
        except TypeError:
            raise TypeError(
                f"data must be a sequence of examples (a list) or an int count, got {type(data).__name__}: "
                f"{short(data)}"
            ) from None
        items = data
        indices = list(range(len(data)))
    batch_size = check_int(batch_size, "batch_size")
    if shuffle:
        _init.make_rng(rng, "rng").shuffle(indices)
    stop = len(indices) - len(indices) % batch_size if drop_last else len(indices)
    return ([items[i] for i in indices[start : start + batch_size]] for start in range(0, stop, batch_size))
