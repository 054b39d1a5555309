"""nn.data and nn.metrics: the moons generator, the seeded minibatch iterator, and accuracy."""

import math
import random

import pytest

from engine import Value
from nn import accuracy, data, minibatches


def test_moons_are_two_half_circles_of_labels_minus_one_and_plus_one():
    points = data.moons(40, noise=0.0)
    assert len(points) == 40
    for (x1, x2), label in points:
        if label == -1:  # (cos t, sin t): upper half of the unit circle
            assert math.isclose(math.hypot(x1, x2), 1.0) and x2 >= -1e-12
        else:  # (1 - cos t, 0.5 - sin t): centred on (1, 0.5), lower half
            assert label == 1 and math.isclose(math.hypot(x1 - 1, x2 - 0.5), 1.0) and x2 <= 0.5 + 1e-12
    assert sum(label == 1 for _, label in points) == 20


def test_moons_are_seeded_and_shuffle_only_reorders():
    assert data.moons(30, seed=4) == data.moons(30, seed=4) != data.moons(30, seed=5)
    ordered, shuffled = data.moons(30, seed=4), data.moons(30, seed=4, shuffle=True)
    assert shuffled != ordered and sorted(shuffled) == sorted(ordered)


def test_moons_refuse_a_bad_size_naming_it():
    with pytest.raises(ValueError, match="n_points must be an int >= 2"):
        data.moons(1)


def test_one_epoch_of_minibatches_holds_every_item_once_in_batches_of_the_size():
    items = [f"example {i}" for i in range(23)]
    batches = list(minibatches(items, 5, rng=0))
    assert [len(batch) for batch in batches] == [5, 5, 5, 5, 3]
    assert sorted(item for batch in batches for item in batch) == sorted(items)
    assert [item for batch in batches for item in batch] != items  # shuffled
    assert [len(b) for b in minibatches(items, 5, rng=0, drop_last=True)] == [5, 5, 5, 5]


def test_minibatches_follow_the_seed_and_a_shared_rng_gives_a_new_order_each_epoch():
    assert list(minibatches(10, 3, rng=7)) == list(minibatches(10, 3, rng=7))
    assert list(minibatches(10, 3, rng=7)) != list(minibatches(10, 3, rng=8))
    rng = random.Random(1)
    first, second = list(minibatches(10, 10, rng=rng)), list(minibatches(10, 10, rng=rng))
    assert first != second
    replay = random.Random(1)
    assert [list(minibatches(10, 10, rng=replay)) for _ in range(2)] == [first, second]


def test_minibatches_without_shuffle_keep_the_order():
    assert list(minibatches(list("abcdefg"), 3, shuffle=False)) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (([1, 2], 0), ValueError, "batch_size must be an int >= 1"),
        ((3.5, 2), TypeError, "data must be"),
        (({1, 2}, 1), TypeError, "data must be a sequence"),
        ((True, 1), TypeError, "data must be"),
    ],
)
def test_minibatches_refuse_bad_arguments_naming_them(arguments, error, message):
    with pytest.raises(error, match=message):
        list(minibatches(*arguments))


def test_accuracy_of_class_scores_counts_rows_whose_largest_score_is_the_target():
    rows = [[0.1, 2.0, -1.0], [Value(3.0), Value(1.0), Value(0.0)], [0.0, 0.0, 5.0], [1.0, 1.0, 0.0]]
    # argmax: 1, 0, 2, 0 (the first on a tie, as torch.argmax)
    assert accuracy(rows, [1, 0, 1, 0]) == 0.75


def test_accuracy_of_signed_scores_is_micrograds_sign_agreement():
    assert accuracy([Value(0.5), -2.0, 0.1, -0.1], [1, -1, -1, 1]) == 0.5
    assert accuracy([0.5, -2.0], [1, 0]) == 1.0  # labels 0 / 1 with logits


def test_accuracy_refuses_mismatched_lengths_and_non_index_targets():
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        accuracy([1.0, 2.0], [1])
    with pytest.raises(TypeError, match=r"targets\[0\] must be a class index"):
        accuracy([[1.0, 2.0]], [1.0])
