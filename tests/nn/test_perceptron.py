"""Perceptron: learns AND and OR from a fixed seed in at most 20 epochs; every update is the classic rule."""

import pytest

from nn import Perceptron

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1]}


@pytest.mark.parametrize("gate", sorted(GATES))
def test_perceptron_learns_the_gate_from_a_fixed_seed_within_20_epochs(gate):
    perceptron = Perceptron(2, lr=0.5, seed=0)
    mistakes = perceptron.fit(INPUTS, GATES[gate], epochs=20)
    assert mistakes[-1] == 0 and len(mistakes) <= 20
    assert [perceptron.predict(x) for x in INPUTS] == GATES[gate]


@pytest.mark.parametrize("gate", sorted(GATES))
@pytest.mark.parametrize("seed", range(5))
def test_every_update_equals_the_classic_rule(gate, seed):
    perceptron = Perceptron(2, lr=0.3, seed=seed)
    w = [p.data for p in perceptron.w]
    b = perceptron.b.data
    for _ in range(10):
        for x, y in zip(INPUTS, GATES[gate]):
            # the classic rule in plain floats: ŷ = step(w·x + b); w += lr (y − ŷ) x; b += lr (y − ŷ)
            prediction = 1 if w[0] * x[0] + w[1] * x[1] + b >= 0 else 0
            error = perceptron.update(x, y)
            assert error == y - prediction
            w = [wi + 0.3 * (y - prediction) * xi for wi, xi in zip(w, x)]
            b = b + 0.3 * (y - prediction)
            assert [p.data for p in perceptron.w] == w and perceptron.b.data == b


def test_a_point_on_the_boundary_counts_as_class_1_like_step():
    perceptron = Perceptron(2, init="zeros")
    assert perceptron.predict([0, 0]) == 1  # step(0) = 1
    assert perceptron.update([0, 0], 0) == -1
    assert perceptron.b.data == -1.0


def test_xor_is_not_learned_by_one_perceptron():
    perceptron = Perceptron(2, lr=0.5, seed=0)
    mistakes = perceptron.fit(INPUTS, [0, 1, 1, 0], epochs=20)
    assert len(mistakes) == 20 and min(mistakes) > 0


def test_the_output_is_a_step_node():
    perceptron = Perceptron(3, seed=1)
    out = perceptron([1.0, 0.0, 1.0])
    assert out.op == "step" and out.children[0].op == "dot"
    assert repr(perceptron) == "Perceptron(nin=3, lr=1.0)"


@pytest.mark.parametrize("label", [2, -1, 0.5, True])
def test_labels_must_be_0_or_1(label):
    with pytest.raises(ValueError, match="0 or 1"):
        Perceptron(2, seed=0).update([1, 0], label)


def test_a_wrong_input_length_names_expected_and_given():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        Perceptron(2, seed=0).update([1, 0, 1], 1)
