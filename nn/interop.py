"""``MLP`` <-> ``torch.nn.Sequential`` (float64), for users who outgrow a scalar engine. Needs torch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the class is passed in, so interop imports nothing from nn.module
    from nn.module import MLP

# NB: torch's Softplus returns x itself above `threshold` (default 20), an error of up to 2e-9; at 40 the
# difference log1p(e^-40) ≈ 4e-18 is below float64 resolution, so both sides agree to rounding. from_torch
# refuses a lower threshold: that network computes another function.
_SOFTPLUS_THRESHOLD = 40.0
_LEAKY_SLOPE = 0.01  # the slope of the "leaky_relu" activation name (Value.leaky_relu's default)


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch / from_torch need PyTorch: pip install torch") from None
    return torch


def _activation_module(torch: Any, activation: Any) -> Any | None:
    modules = {
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "leaky_relu": lambda: torch.nn.LeakyReLU(_LEAKY_SLOPE),
        "softplus": lambda: torch.nn.Softplus(beta=1.0, threshold=_SOFTPLUS_THRESHOLD),
    }
    if activation == "linear":
        return None
    if isinstance(activation, str) and activation in modules:
        return modules[activation]()
    raise ValueError(
        f"activation {activation!r} has no torch equivalent here; to_torch supports {sorted([*modules, 'linear'])}"
    )


def to_torch(model: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` of ``Linear`` + activation modules computing the same function."""
    torch = _torch()
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        activation = _activation_module(torch, layer.activation)
        if activation is not None:
            modules.append(activation)
    return torch.nn.Sequential(*modules)


def _activation_name(torch: Any, module: Any, index: int) -> str | None:
    """Our name for a torch activation module, or None when ``module`` is not one we can translate."""
    if isinstance(module, torch.nn.ReLU):
        return "relu"
    if isinstance(module, torch.nn.Tanh):
        return "tanh"
    if isinstance(module, torch.nn.Sigmoid):
        return "sigmoid"
    if isinstance(module, torch.nn.LeakyReLU) and module.negative_slope == _LEAKY_SLOPE:
        return "leaky_relu"
    if isinstance(module, torch.nn.Softplus) and module.beta == 1:
        if module.threshold < _SOFTPLUS_THRESHOLD:
            raise ValueError(
                f"from_torch: Softplus at position {index} has threshold={module.threshold}: above it torch returns "
                f"x itself, up to 2e-9 away from softplus, so no MLP computes the same function; use "
                f"torch.nn.Softplus(threshold={_SOFTPLUS_THRESHOLD:g}) (equal to softplus in float64)"
            )
        return "softplus"
    if isinstance(module, torch.nn.Identity):
        return "linear"
    return None


def from_torch(cls: type[MLP], module: Any) -> MLP:
    """A ``cls`` (``MLP`` or a subclass) with the weights of a ``torch.nn.Sequential``: ``Linear`` layers (with
    bias), each followed by at most one of ReLU, Tanh, Sigmoid, LeakyReLU(0.01), Softplus(beta=1, threshold>=40),
    Identity. Hidden layers must share one activation; the last may differ."""
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch needs a torch.nn.Sequential, got {type(module).__name__}")
    linears: list[Any] = []
    activations: list[str] = []
    for index, child in enumerate(module):
        if isinstance(child, torch.nn.Linear):
            if child.bias is None:
                raise ValueError(f"from_torch: Linear at position {index} has no bias; MLP neurons always have one")
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch: Linear at position {index} takes {child.in_features} inputs but the layer "
                    f"before gives {linears[-1].out_features}"
                )
            linears.append(child)
            activations.append("linear")
            continue
        name = _activation_name(torch, child, index)
        if name is None:
            raise ValueError(f"from_torch: cannot translate module at position {index}: {child!r}")
        if not linears or activations[-1] != "linear":
            raise ValueError(f"from_torch: activation at position {index} must directly follow a Linear layer")
        activations[-1] = name
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: hidden layers must share one activation, got {activations[:-1]}")
    model = cls(
        linears[0].in_features,
        [linear.out_features for linear in linears],
        activation=hidden.pop() if hidden else "relu",
        output_activation=activations[-1],
        seed=0,
    )
    for layer, linear in zip(model.layers, linears):
        weight = linear.weight.detach().to(torch.float64).tolist()
        bias = linear.bias.detach().to(torch.float64).tolist()
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for w, data in zip(neuron.w, row):
                w.data = data
            neuron.b.data = b
    return model
