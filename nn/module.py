"""``Module`` and the three building blocks of the seeds' networks: ``Neuron``, ``Layer`` and ``MLP``."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine import Value, dot
from nn import init as _init
from nn._checks import bad_input, check_inputs, check_int, short

Activation = Callable[[Value], Value]

# Activation names and the Value method each applies; "linear" applies nothing (no extra node).
ACTIVATIONS: dict[str, Activation | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
    "leaky_relu": Value.leaky_relu,  # slope 0.01; pass lambda v: v.leaky_relu(s) for another slope
    "step": Value.step,
    "sign": Value.sign,
    "softplus": Value.softplus,
}


def _resolve_activation(activation: str | Activation, name: str = "activation") -> Activation | None:
    """The Value method (or None for "linear") for an activation name or callable; ``name`` is the argument."""
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"{name} must be one of {sorted(ACTIVATIONS)} (activation names) or a callable Value -> Value, "
                f"got {short(activation)}"
            ) from None
    if callable(activation):
        return activation
    raise TypeError(
        f"{name} must be an activation name or a callable Value -> Value, got {type(activation).__name__}: "
        f"{short(activation)}"
    )


def _check_size(value: Any, name: str) -> int:
    return check_int(value, name, minimum=1)


def _is_size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _neuron_names(nin: int) -> Iterator[str]:
    yield from (f"w.{index}" for index in range(nin))
    yield "b"


def _layer_names(nin: int, nout: int) -> Iterator[str]:
    for index in range(nout):
        for name in _neuron_names(nin):
            yield f"neurons.{index}.{name}"


def _show(value: Any) -> str:
    """repr for constructor-like reprs; a callable shows its name, as you would type it."""
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or repr(value)
    return repr(value)


def _check_length(x: Sequence, nin: int, owner: str) -> None:
    check_inputs(x, nin, owner)


def _as_values(x: Sequence, owner: str) -> list[Value]:
    # Once per forward, so that every neuron of a layer shares the same input leaves.
    try:
        return [v if isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError):
        error = bad_input(x, owner)
        if error is None:
            raise
        raise error from None


class Module:
    """Base of every model: parameters found by walking attributes, plus state, saving and a readable repr.

    ``named_parameters()`` walks the public attributes in definition order, descending into Modules and
    lists, and names each ``Value`` by its dotted path (``layers.0.neurons.3.w.1``). Subclasses define
    ``__call__`` and, to be saved and repr'd, ``_config()``: the keyword arguments that rebuild them.
    """

    def __call__(self, x: Sequence[Value | float]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    # --- parameters -------------------------------------------------------------------------------

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a stable order: layer by layer, neuron by neuron, w then b."""
        seen: set[Value] = set()
        stack: list[tuple[str, Any]] = [("", self)]
        while stack:  # an explicit stack, depth-first, children pushed in reverse to keep their order
            name, item = stack.pop()
            if isinstance(item, Value):
                if item not in seen:
                    seen.add(item)
                    yield name, item
                continue
            if isinstance(item, Module):
                children = [(key, child) for key, child in vars(item).items() if not key.startswith("_")]
            elif isinstance(item, (list, tuple)):
                children = [(str(index), child) for index, child in enumerate(item)]
            else:
                continue
            prefix = f"{name}." if name else ""
            stack.extend((prefix + key, child) for key, child in reversed(children))

    def parameters(self) -> list[Value]:
        """Every parameter, in ``named_parameters()`` order (micrograd's order)."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0.0."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    # --- state ------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """{dotted name: weight} as plain floats, in parameter order."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> None:
        """Copy weights from ``state_dict`` ({name: number}) into this model.

        Everything is checked BEFORE any weight changes, so a failed load leaves the model as it was.
        ``strict=True`` (default): keys must match exactly; ``strict=False`` loads the keys both share.
        Raises ``ValueError`` naming missing / unexpected keys, ``TypeError`` naming a key whose value is
        not a real number.
        """
        from nn.serialization import check_state_dict

        updates = check_state_dict(self, state_dict, strict)
        for parameter, data in updates:
            parameter.data = data

    def save(self, path: str | os.PathLike) -> None:
        """Write the model (its class, constructor arguments and weights) to ``path`` as JSON, atomically."""
        from nn.serialization import save

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Module:
        """A new model built from a file written by ``save`` (``MLP.load(path)``)."""
        from nn.serialization import load

        return load(cls, path)

    def load_weights(self, path: str | os.PathLike, strict: bool = True) -> None:
        """Load the weights of a file written by ``save`` into THIS model; it is unchanged if anything fails."""
        from nn.serialization import load_weights

        load_weights(self, path, strict)

    # --- repr -------------------------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this module's shape (not its weights)."""
        return {}

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        """How many parameters ``cls(**config)`` would hold, WITHOUT building it; None when unknown.

        Loading a file checks this against its state_dict first, so a tiny file cannot ask for a huge model.
        """
        return None

    @classmethod
    def _parameter_names(cls, config: dict[str, Any]) -> Iterator[str] | None:
        """The dotted names ``cls(**config).named_parameters()`` would yield, lazily, without building it.

        Only called when ``_parameter_count(config)`` is an int; None when unknown.
        """
        return None

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={_show(value)}" for key, value in self._config().items())
        return f"{type(self).__name__}({arguments})"


class Neuron(Module):
    """One neuron: Σ wᵢxᵢ + b as ONE ``dot`` node, then the activation as ONE node ("linear": none).

    ``Neuron(nin, activation="relu", init="uniform", rng=None, fan_out=1)``: ``activation`` is one of
    ``relu tanh sigmoid linear leaky_relu step sign softplus`` or any callable Value -> Value; ``init`` one
    of ``uniform xavier he zeros`` or a callable (see ``nn.init``); ``rng`` a ``random.Random``, an int
    seed, or None for Python's global ``random`` (like micrograd); ``fan_out`` feeds ``xavier``.
    """

    def __init__(
        self,
        nin: int,
        activation: str | Activation = "relu",
        init: str | _init.Initializer = "uniform",
        rng: random.Random | int | None = None,
        *,
        fan_out: int = 1,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        fan_out = _check_size(fan_out, "fan_out")
        self._activate = _resolve_activation(activation)
        draw = _init.resolve(init)
        rng = _init.make_rng(rng, "rng")
        self.w = [Value(draw(self.nin, fan_out, rng)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output for one input vector of ``nin`` numbers or Values."""
        _check_length(x, self.nin, type(self).__name__)
        x = tuple(_as_values(x, type(self).__name__))
        return self._forward(x)

    def _forward(self, x: tuple[Value, ...]) -> Value:
        out = dot(self.w, x, start=self.b)
        activate = self._activate
        return out if activate is None else activate(out)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        nin = config.get("nin")
        return nin + 1 if _is_size(nin) else None

    @classmethod
    def _parameter_names(cls, config: dict[str, Any]) -> Iterator[str]:
        return _neuron_names(config["nin"])


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it ALWAYS returns a list of ``nout`` Values.

    ``Layer(nin, nout, activation="relu", init="uniform", rng=None)``, options as for ``Neuron``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation = "relu",
        init: str | _init.Initializer = "uniform",
        rng: random.Random | int | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.nout = _check_size(nout, "nout")
        _resolve_activation(activation)
        _init.resolve(init)
        rng = _init.make_rng(rng, "rng")
        self.neurons = [Neuron(self.nin, activation, init, rng, fan_out=self.nout) for _ in range(self.nout)]
        self.activation = activation

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """One output Value per neuron, as a list (even for one neuron)."""
        _check_length(x, self.nin, "Layer")
        return self._forward(_as_values(x, "Layer"))

    def _forward(self, x: Sequence[Value]) -> list[Value]:
        x = tuple(x)
        return [neuron._forward(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [parameter for neuron in self.neurons for parameter in (*neuron.w, neuron.b)]

    def _config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        nin, nout = config.get("nin"), config.get("nout")
        return (nin + 1) * nout if _is_size(nin) and _is_size(nout) else None

    @classmethod
    def _parameter_names(cls, config: dict[str, Any]) -> Iterator[str]:
        return _layer_names(config["nin"], config["nout"])


class MLP(Module):
    """A multi-layer perceptron: ``MLP(nin, nouts, activation="relu", output_activation="linear",
    init="uniform", seed=None)``.

    ``nouts`` lists each layer's width (any layer may have one neuron: ``MLP(2, [16, 1, 1])``). Hidden
    layers use ``activation``, the last one ``output_activation``. ``seed`` is an int, a ``random.Random``
    or None (Python's global ``random``, like micrograd). Calling the model on ``nin`` numbers or Values
    returns a Value when the last layer has one neuron, else a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation = "relu",
        output_activation: str | Activation = "linear",
        init: str | _init.Initializer = "uniform",
        seed: int | random.Random | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"nouts must be a non-empty list of layer widths, got {short(nouts)}")
        self.nouts = [_check_size(width, f"nouts[{index}]") for index, width in enumerate(nouts)]
        # Checked here, whatever the depth: with one layer, ``activation`` is used by no layer.
        _resolve_activation(activation, "activation")
        _resolve_activation(output_activation, "output_activation")
        _init.resolve(init)
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        rng = _init.make_rng(seed, "seed")
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, init, rng)
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The network's output: a Value when the last layer has one neuron, else a list."""
        _check_length(x, self.nin, "MLP")
        x = _as_values(x, "MLP")
        for layer in self.layers:
            x = layer._forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [
            parameter for layer in self.layers for neuron in layer.neurons for parameter in (*neuron.w, neuron.b)
        ]

    def _config(self) -> dict[str, Any]:
        config = {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }
        if self.init != "uniform":
            config["init"] = self.init
        return config

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        nin, nouts = config.get("nin"), config.get("nouts")
        if not _is_size(nin) or not isinstance(nouts, list) or not all(_is_size(width) for width in nouts):
            return None  # the constructor will say what is wrong
        sizes = [nin, *nouts]
        return sum((fan_in + 1) * nout for fan_in, nout in zip(sizes, sizes[1:]))

    @classmethod
    def _parameter_names(cls, config: dict[str, Any]) -> Iterator[str]:
        sizes = [config["nin"], *config["nouts"]]
        for index, (fan_in, nout) in enumerate(zip(sizes, sizes[1:])):
            for name in _layer_names(fan_in, nout):
                yield f"layers.{index}.{name}"

    def __repr__(self) -> str:
        header = ", ".join(f"{key}={_show(value)}" for key, value in self._config().items())
        layers = "".join(f"    {layer!r},\n" for layer in self.layers)
        return f"MLP({header}, layers=[\n{layers}])"

    def to_torch(self) -> Any:
        """The same network as a float64 ``torch.nn.Sequential`` taking a batch of shape (n, nin)."""
        from nn.interop import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of ``Linear`` layers and activations."""
        from nn.interop import from_torch

        return from_torch(module)
