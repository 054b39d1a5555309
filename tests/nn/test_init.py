"""nn.init: micrograd's uniform, xavier and he; bounds, variances and seeding."""

import math
import random

import pytest

from nn import MLP, Layer, Neuron, init

N = 10_000


@pytest.mark.parametrize(
    ("name", "fan_in", "fan_out", "bound"),
    [
        ("uniform", 7, 3, 1.0),
        ("xavier", 30, 10, math.sqrt(6 / 40)),
        ("he", 30, 10, math.sqrt(6 / 30)),
    ],
)
def test_samples_stay_within_bounds_and_variance_is_within_10_percent_of_theory(name, fan_in, fan_out, bound):
    samples = init.sample(name, N, fan_in, fan_out, seed=123)
    assert len(samples) == N
    assert all(-bound <= s <= bound for s in samples)
    # variance of U(-a, a) is a² / 3: 1/3, 2 / (fan_in + fan_out), 2 / fan_in
    theory = {"uniform": 1 / 3, "xavier": 2 / (fan_in + fan_out), "he": 2 / fan_in}[name]
    mean = sum(samples) / N
    variance = sum((s - mean) ** 2 for s in samples) / (N - 1)
    assert abs(variance - theory) / theory < 0.10
    assert max(abs(s) for s in samples) > 0.95 * bound  # the full range is used, not a narrower one


@pytest.mark.parametrize("name", ["xavier", "he"])
def test_layer_weights_use_the_layers_fans(name):
    layer = Layer(50, 200, init=name, rng=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    bound = math.sqrt(6 / 250) if name == "xavier" else math.sqrt(6 / 50)
    assert all(abs(w) <= bound for w in weights)
    variance = sum(w * w for w in weights) / len(weights)
    assert abs(variance - bound**2 / 3) / (bound**2 / 3) < 0.10


def test_biases_start_at_zero():
    assert all(n.b.data == 0.0 for layer in MLP(3, [4, 2], seed=0).layers for n in layer.neurons)


def test_same_seed_same_weights_and_different_seed_different_weights():
    def weights(seed):
        return [p.data for p in MLP(3, [8, 8, 1], init="xavier", seed=seed).parameters()]

    assert weights(42) == weights(42)
    assert weights(42) != weights(43)


def test_a_random_instance_is_a_seed_and_is_advanced():
    a = MLP(2, [3, 1], seed=random.Random(7))
    b = MLP(2, [3, 1], seed=random.Random(7))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    rng = random.Random(7)
    first, second = Neuron(3, rng=rng), Neuron(3, rng=rng)
    assert [w.data for w in first.w] != [w.data for w in second.w]


def test_uniform_init_draws_rng_uniform_minus_one_to_one_in_order():
    rng = random.Random(99)
    expected = [rng.uniform(-1, 1) for _ in range(3 * 4)]
    model = Layer(3, 4, rng=99)
    assert [w.data for n in model.neurons for w in n.w] == expected


def test_a_callable_init_is_called_with_fans_and_rng():
    calls = []

    def constant(fan_in, fan_out, rng):
        calls.append((fan_in, fan_out))
        return 0.25

    layer = Layer(3, 2, init=constant, rng=0)
    assert all(w.data == 0.25 for n in layer.neurons for w in n.w)
    assert calls == [(3, 2)] * 6


@pytest.mark.parametrize("seed", ["1", 1.5, True])
def test_a_bad_seed_raises_type_error_naming_seed(seed):
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed=seed)
