"""Data for training: the two-moons toy set (micrograd's demo data) and a seeded minibatch iterator."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

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


@overload
def minibatches(
    data: int, batch_size: int, rng: int | random.Random | None = None, shuffle: bool = True, drop_last: bool = False
) -> Iterator[list[int]]: ...


@overload
def minibatches(
    data: Sequence[Item],
    batch_size: int,
    rng: int | random.Random | None = None,
    shuffle: bool = True,
    drop_last: bool = False,
) -> Iterator[list[Item]]: ...


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


YinYangPoint = tuple[tuple[float, float, float, float], int]  # ((x, y, 1 - x, 1 - y), class)


def yinyang(
    n_points: int = 1000, seed: int | random.Random = 0, r_small: float = 0.1, r_big: float = 0.5
) -> list[YinYangPoint]:
    """``n_points`` points of the Yin-Yang data set (Kriener et al., 2021): 3 classes in a disc of radius ``r_big``
    centred at (r_big, r_big): yin (class 1), yang (class 0) and the two small dots of radius ``r_small`` (class 2).

    Each point first draws its class uniformly (so the classes come out balanced), then draws (x, y) uniformly on
    the square [0, 2·r_big]² until the point lies in the disc and has that class (rejection sampling), all from
    ``random.Random(seed)``. The inputs are (x, y, 1 - x, 1 - y), as in the data set's definition (the mirrored
    coordinates let a network without biases work too). A linear model gets about 64 %, an MLP about 97 %.
    ``r_small`` must be in [r_big / 100, r_big / 2).
    """
    n_points = check_int(n_points, "n_points", minimum=1)
    r_small = check_real(r_small, "r_small")
    r_big = check_real(r_big, "r_big", high=1e300)  # 2·r_big must stay finite
    if not r_big / 100 <= r_small < r_big / 2:  # tinier dots: rejection sampling would hardly ever hit class 2
        raise ValueError(f"yinyang needs r_big / 100 <= r_small < r_big / 2, got r_small={r_small}, r_big={r_big}")
    rng = _init.make_rng(seed, "seed")
    points = []
    for _ in range(n_points):
        goal = rng.randrange(3)
        while True:
            x, y = rng.random() * 2 * r_big, rng.random() * 2 * r_big
            if math.hypot(x - r_big, y - r_big) <= r_big and _yinyang_class(x, y, r_small, r_big) == goal:
                break
        points.append(((x, y, 1.0 - x, 1.0 - y), goal))
    return points


def _yinyang_class(x: float, y: float, r_small: float, r_big: float) -> int:
    """The class of a point in the big disc: 2 in a small dot, 1 in the yin (the upper right dot's half, the lower
    left dot's ring), 0 in the yang."""
    d_right = math.hypot(x - 1.5 * r_big, y - r_big)  # distance to the right dot's centre
    d_left = math.hypot(x - 0.5 * r_big, y - r_big)  # distance to the left dot's centre
    if d_right < r_small or d_left < r_small:
        return 2
    is_yin = d_right <= r_small or r_small < d_left <= 0.5 * r_big or (y > r_big and d_right > 0.5 * r_big)
    return int(is_yin)
