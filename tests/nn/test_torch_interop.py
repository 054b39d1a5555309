"""to_torch / from_torch: the same network in float64 PyTorch, outputs and input gradients equal to 1e-12."""

import math
import random

import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402
from engine import Value  # noqa: E402
from nn import MLP  # noqa: E402

ARCHITECTURES = [
    dict(nin=2, nouts=[16, 16, 1], activation="relu", output_activation="linear"),
    dict(nin=3, nouts=[5, 1, 4], activation="tanh", output_activation="sigmoid"),
    dict(nin=4, nouts=[6, 3], activation="softplus", output_activation="leaky_relu"),
    dict(nin=2, nouts=[4, 4, 2], activation="leaky_relu", output_activation="tanh"),
]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def batch(nin, n=6, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-3, 3) for _ in range(nin)] for _ in range(n)]


def outputs_and_input_grads(model, x):
    """Per example: the outputs as floats and d(sum of outputs)/d(inputs), by the engine."""
    results = []
    for row in x:
        inputs = [Value(v) for v in row]
        out = model(inputs)
        outs = out if isinstance(out, list) else [out]
        results.append(([o.data for o in outs], engine.grad(engine.sum(outs), inputs)))
    return results


def torch_outputs_and_input_grads(sequential, x):
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = sequential(inputs)
    out.sum().backward()
    return out.detach().tolist(), inputs.grad.tolist()


@pytest.mark.parametrize("config", ARCHITECTURES, ids=lambda c: f"{c['activation']}-{c['output_activation']}")
def test_to_torch_gives_equal_outputs_and_input_gradients(config):
    model = MLP(**config, seed=1)
    sequential = model.to_torch()
    assert isinstance(sequential, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in sequential.parameters())
    x = batch(config["nin"])
    torch_out, torch_grads = torch_outputs_and_input_grads(sequential, x)
    for (outs, grads), t_out, t_grads in zip(outputs_and_input_grads(model, x), torch_out, torch_grads):
        assert all(close(a, b) for a, b in zip(outs, t_out)), (outs, t_out)
        assert all(close(a, b) for a, b in zip(grads, t_grads)), (grads, t_grads)


@pytest.mark.parametrize("config", ARCHITECTURES, ids=lambda c: f"{c['activation']}-{c['output_activation']}")
def test_round_trip_through_torch_keeps_every_weight_and_the_architecture(config):
    model = MLP(**config, seed=2)
    back = MLP.from_torch(model.to_torch())
    assert repr(back) == repr(model)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


def test_from_torch_builds_an_mlp_computing_what_torch_computes():
    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(3, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1),
        torch.nn.Sigmoid(),
    ).double()
    model = MLP.from_torch(sequential)
    assert model.nouts == [8, 8, 1] and model.activation == "tanh" and model.output_activation == "sigmoid"
    x = batch(3, seed=5)
    torch_out, torch_grads = torch_outputs_and_input_grads(sequential, x)
    for (outs, grads), t_out, t_grads in zip(outputs_and_input_grads(model, x), torch_out, torch_grads):
        assert close(outs[0], t_out[0]) and all(close(a, b) for a, b in zip(grads, t_grads))


def test_softplus_matches_torch_even_above_torchs_default_threshold():
    model = MLP(1, [1], output_activation="softplus", seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    for z in [25.0, 35.0, -30.0]:
        ours = model([z]).data
        theirs = model.to_torch()(torch.tensor([[z]], dtype=torch.float64)).item()
        assert close(ours, theirs)


@pytest.mark.parametrize("activation", ["step", "sign", lambda v: v * 2])
def test_activations_without_a_torch_module_are_refused_by_name(activation):
    with pytest.raises(ValueError, match="no torch equivalent"):
        MLP(2, [3, 1], activation=activation, seed=0).to_torch()


@pytest.mark.parametrize(
    ("sequential", "message"),
    [
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)), "no bias"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), "takes 4 inputs"),
        (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ELU()), "cannot translate"),
        (lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 3)), "must directly follow"),
        (
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
            ),
            "share one activation",
        ),
        (lambda: torch.nn.Linear(2, 3), "Sequential"),
    ],
)
def test_from_torch_refuses_what_an_mlp_cannot_express(sequential, message):
    with pytest.raises((ValueError, TypeError), match=message):
        MLP.from_torch(sequential())


def test_from_torch_refuses_softplus_with_torchs_default_threshold_naming_the_fix():
    # Softplus(threshold=20) returns x above 20: at x = 25 that is 1.4e-11 away from softplus, which no MLP computes
    sequential = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Softplus())
    with pytest.raises(ValueError, match=r"threshold=20.*Softplus\(threshold=40\)"):
        MLP.from_torch(sequential)
    accepted = torch.nn.Sequential(torch.nn.Linear(1, 1, dtype=torch.float64), torch.nn.Softplus(threshold=40))
    with torch.no_grad():
        accepted[0].weight.fill_(1.0)
        accepted[0].bias.fill_(0.0)
    model = MLP.from_torch(accepted)
    for z in [25.0, 39.0, 45.0]:
        assert close(model([z]).data, accepted(torch.tensor([[z]], dtype=torch.float64)).item())


def test_from_torch_on_a_subclass_builds_the_subclass():
    class Wide(MLP):
        pass

    model = Wide.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)))
    assert type(model) is Wide
