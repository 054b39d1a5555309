"""nn.data.yinyang: the Yin-Yang data set, checked against the symbol drawn another way."""

import math
from collections import Counter

import pytest

from nn import data


def symbol_class(x, y):
    """The yin-yang symbol in the disc of radius 0.5 at (0.5, 0.5), drawn as a person would: the dots (radius 0.1
    at (0.25, 0.5) and (0.75, 0.5)) are class 2; the left disc of radius 0.25 is yin (1), the right one yang (0);
    elsewhere the upper half is yin and the lower half yang."""
    if math.dist((x, y), (0.25, 0.5)) < 0.1 or math.dist((x, y), (0.75, 0.5)) < 0.1:
        return 2
    if math.dist((x, y), (0.25, 0.5)) <= 0.25:
        return 1
    if math.dist((x, y), (0.75, 0.5)) <= 0.25:
        return 0
    return 1 if y > 0.5 else 0


def test_every_point_lies_in_the_disc_with_the_class_of_the_symbol_and_mirrored_inputs():
    points = data.yinyang(3000, seed=7)
    assert len(points) == 3000
    for (x, y, x_mirrored, y_mirrored), label in points:
        assert math.dist((x, y), (0.5, 0.5)) <= 0.5
        assert label == symbol_class(x, y)
        assert (x_mirrored, y_mirrored) == (1.0 - x, 1.0 - y)


def test_classes_are_balanced_within_sampling_noise():
    counts = Counter(label for _, label in data.yinyang(3000, seed=1))
    assert set(counts) == {0, 1, 2}
    assert all(900 <= count <= 1100 for count in counts.values())  # 1000 ± 3.5 standard deviations


def test_same_seed_same_points_other_seed_other_points():
    assert data.yinyang(50, seed=3) == data.yinyang(50, seed=3)
    assert data.yinyang(50, seed=3) != data.yinyang(50, seed=4)


@pytest.mark.parametrize(
    ("x", "y", "label"), [(0.75, 0.5, 2), (0.25, 0.5, 2), (0.5, 0.9, 1), (0.5, 0.1, 0), (0.25, 0.3, 1), (0.75, 0.7, 0)]
)
def test_named_points_of_the_symbol(x, y, label):
    assert data._yinyang_class(x, y, 0.1, 0.5) == label


def test_radii_must_leave_room_for_the_dots():
    with pytest.raises(ValueError, match=r"r_big / 100 <= r_small < r_big / 2"):
        data.yinyang(10, r_small=0.3, r_big=0.5)


def test_dots_too_small_to_sample_are_refused_rather_than_searched_for_ever():
    with pytest.raises(ValueError, match="r_small"):
        data.yinyang(10, r_small=0.004, r_big=0.5)
    assert len(data.yinyang(30, r_small=0.005, r_big=0.5, seed=0)) == 30  # r_big / 100 still samples
