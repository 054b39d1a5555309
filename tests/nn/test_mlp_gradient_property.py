"""An MLP's loss gradient, for every parameter, against central differences (random shapes, seeds and data)."""

from hypothesis import given
from hypothesis import strategies as st

from engine import Value
from engine.testing import assert_gradients_match
from nn import MLP, losses

# Smooth activations only: a relu pre-activation at exactly 0 (all-zero inputs, zero biases) is a kink where
# finite differences disagree with any subgradient; the kinks are pinned in named tests of the engine.
SMOOTH = ["tanh", "sigmoid", "softplus", "linear"]
L2 = 1e-3


@st.composite
def problems(draw):
    """(model, batch of inputs, targets): 1-3 layers of width 1-3, a batch of 1-3 points in [-2, 2]."""
    nin = draw(st.integers(1, 3), label="nin")
    nouts = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="nouts")
    activation = draw(st.sampled_from(SMOOTH), label="activation")
    output_activation = draw(st.sampled_from(SMOOTH), label="output_activation")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation, seed=seed)
    size = draw(st.integers(1, 3), label="batch size")
    point = st.lists(st.floats(-2.0, 2.0), min_size=nin, max_size=nin)
    batch = draw(st.lists(point, min_size=size, max_size=size), label="batch")
    target = st.lists(st.floats(-1.0, 1.0), min_size=nouts[-1], max_size=nouts[-1])
    targets = draw(st.lists(target, min_size=size, max_size=size), label="targets")
    return model, batch, targets


def _loss(model: MLP, batch, targets, parameters) -> Value:
    total = sum((losses.mse(model(x), y if len(y) > 1 else y[0]) for x, y in zip(batch, targets)), Value(0.0))
    return total + L2 * losses.l2(parameters)


def _loss_of_parameters(model: MLP, batch, targets):
    """The loss as a function of one Value per parameter, put in the model in ``parameters()`` order."""

    def loss_of(*values: Value) -> Value:
        remaining = iter(values)
        for layer in model.layers:
            for neuron in layer.neurons:
                neuron.w = [next(remaining) for _ in neuron.w]
                neuron.b = next(remaining)
        assert model.parameters() == list(values)  # layer by layer, neuron by neuron, weights then bias
        return _loss(model, batch, targets, values)

    return loss_of


@given(problems())
def test_mlp_loss_gradient_matches_finite_differences_for_every_parameter(problem):
    model, batch, targets = problem
    parameters = model.parameters()
    assert len(parameters) == len(dict(model.named_parameters()))
    assert_gradients_match(_loss_of_parameters(model, batch, targets), [p.data for p in parameters])


@given(problems())
def test_mlp_backward_fills_every_parameter_grad_with_the_finite_difference_slope(problem):
    model, batch, targets = problem
    parameters = model.parameters()
    model.zero_grad()
    _loss(model, batch, targets, parameters).backward()
    slopes = [p.grad for p in parameters]
    loss_of = _loss_of_parameters(model, batch, targets)

    # the .grad that backward left on each parameter is the slope of the loss along that parameter
    points = [p.data for p in parameters]
    for i, slope in enumerate(slopes):
        h = 1e-6 * max(1.0, abs(points[i]))
        plus, minus = list(points), list(points)
        plus[i] += h
        minus[i] -= h
        numerical = (loss_of(*map(Value, plus)).data - loss_of(*map(Value, minus)).data) / (2 * h)
        assert abs(slope - numerical) <= 1e-6 + 1e-4 * abs(numerical), (i, slope, numerical)
