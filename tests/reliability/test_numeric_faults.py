"""Numeric faults in training: a NaN input is caught at the op that first made it under ``detect_anomaly``;
without it, IEEE 754 arithmetic runs on as documented (and as PyTorch float64 does)."""

import math

import pytest
from _reliability import bits, moons

from engine import AnomalyError, Value, detect_anomaly
from nn import MLP, SGD
from nn.losses import hinge, l2

ALPHA = 1e-4


def _loss(model: MLP, batch: list[tuple[list[float], int]]) -> Value:
    scores = [model(x) for x, _ in batch]
    return hinge(scores, [y for _, y in batch]) + ALPHA * l2(model.parameters())


def _poisoned_batch() -> list[tuple[list[float], int]]:
    batch = moons(8, seed=3)
    batch[5] = ([math.nan, 0.25], 1)  # one corrupt point in the middle of the batch
    return batch


def test_a_nan_input_under_detect_anomaly_is_reported_at_the_first_neuron_it_reaches_and_nothing_trains():
    model = MLP(2, [16, 16, 1], seed=7)
    before = bits(model.state_dict())
    optimizer = SGD(model.parameters(), lr=0.1)
    first_neuron = model.layers[0].neurons[0]
    with pytest.raises(AnomalyError) as raised, detect_anomaly():
        loss = _loss(model, _poisoned_batch())
        loss.backward()
        optimizer.step()
    message = str(raised.value)
    # The first op to produce nan is the dot node (Σ wᵢxᵢ + b) of neuron 0 of layer 0, on the poisoned point:
    assert message.startswith("dot produced nan from inputs (")
    assert "Value(data=nan" in message and "Value(data=0.25" in message
    assert repr(first_neuron.w[0]) in message and repr(first_neuron.b) in message  # that neuron's parameters
    assert repr(model.layers[0].neurons[1].w[0]) not in message  # not a later neuron's
    assert "built at " in message and "module.py:" in message  # the file:line that built it
    assert bits(model.state_dict()) == before  # the step never ran


def test_a_nan_made_inside_the_loss_is_reported_at_the_log_that_made_it():
    model = MLP(2, [4, 1], seed=7)
    x, y = [0.5, -0.5], 1.0
    with pytest.raises(AnomalyError) as raised, detect_anomaly():
        score = model(x)
        loss = (score - y - 100.0).log()  # log of a negative number: the first nan of this graph
        loss.backward()
    message = str(raised.value)
    assert message.startswith("log produced nan from inputs (Value(data=-")
    assert __file__ in message  # built on a line of this test


def test_without_detect_anomaly_a_nan_input_follows_ieee_754_like_pytorch_float64():
    torch = pytest.importorskip("torch")
    model = MLP(2, [16, 16, 1], seed=7)
    batch = _poisoned_batch()
    loss = _loss(model, batch)
    loss.backward()  # no exception: nan flows through, as documented
    assert math.isnan(loss.data)

    # The same network and loss, written directly in PyTorch float64 from the weights.
    layers = []
    for layer in model.layers:
        weight = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        bias = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        layers.append((weight, bias))
    inputs = torch.tensor([x for x, _ in batch], dtype=torch.float64)
    labels = torch.tensor([y for _, y in batch], dtype=torch.float64)
    h = inputs
    for index, (weight, bias) in enumerate(layers):
        h = h @ weight.T + bias
        if index < len(layers) - 1:
            h = torch.relu(h)
    scores = h[:, 0]
    penalty = sum((weight**2).sum() + (bias**2).sum() for weight, bias in layers)
    torch_loss = torch.relu(1 - labels * scores).mean() + ALPHA * penalty
    torch_loss.backward()
    assert math.isnan(torch_loss.item())

    ours = [p.grad for p in model.parameters()]
    theirs = []
    for weight, bias in layers:
        for row in range(weight.shape[0]):
            theirs += [*weight.grad[row].tolist(), bias.grad[row].item()]
    assert [math.isnan(g) for g in ours] == [math.isnan(g) for g in theirs]  # nan exactly where PyTorch has it
    assert any(math.isnan(g) for g in ours) and not all(math.isnan(g) for g in ours)

    # Finite gradients equal PyTorch's too: relu passes the gradient at nan in both (threshold_backward).
    for ours_g, theirs_g in zip(ours, theirs):
        if not math.isnan(theirs_g):
            assert ours_g == pytest.approx(theirs_g, rel=1e-12, abs=1e-15)

    SGD(model.parameters(), lr=0.1).step()  # the update spreads nan to exactly those weights
    assert [math.isnan(p.data) for p in model.parameters()] == [math.isnan(g) for g in theirs]


def test_an_overflowing_input_gives_inf_then_nan_without_raising_and_detect_anomaly_names_the_op():
    model = MLP(2, [4, 1], activation="tanh", seed=7)
    x = [1e308, 1e308]
    score = model(x)  # tanh saturates: finite, as documented (tanh(inf) = 1)
    assert math.isfinite(score.data)
    big = Value(1e308)
    product = big * 10.0  # overflows to inf
    assert product.data == math.inf
    assert math.isnan((product - product).data)  # inf - inf = nan, no exception
    with pytest.raises(AnomalyError, match=r"^\* produced inf"), detect_anomaly():
        big * 10.0
