"""``Module`` and the three building blocks of the seeds' networks: ``Neuron``, ``Layer`` and ``MLP``."""

from __future__ import annotations

import json
import numbers
import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeGuard, TypeVar, cast

from engine import Value, dot, dots
from nn import init as _init
from nn import serialization
from nn._checks import bad_input, check_inputs, check_int, short

Activation = Callable[[Value], Value]
_M = TypeVar("_M", bound="Module")

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


def _is_size(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _show(value: Any) -> str:
    """repr for constructor-like reprs; a callable shows its name, as you would type it."""
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or repr(value)
    return repr(value)


def _check_length(x: Sequence[Any], nin: int, owner: str) -> None:
    check_inputs(x, nin, owner)


def _as_values(x: Sequence[Any], owner: str) -> list[Value]:
    # Once per forward, so that every neuron of a layer shares the same input leaves.
    try:
        return [v if isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError):
        error = bad_input(x, owner)
        if error is None:
            raise
        raise error from None


def _with_nonlin(nonlin: bool | None, activation: str | Activation, default: str) -> str | Activation:
    """micrograd's ``nonlin=True|False`` spelled as an activation: True is "relu", False is "linear"."""
    if nonlin is None:
        return activation
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True (relu) or False (linear), got {type(nonlin).__name__}: {short(nonlin)}")
    if activation != default:
        raise ValueError(f"pass nonlin or activation, not both (got nonlin={nonlin}, activation={short(activation)})")
    return "relu" if nonlin else "linear"


class Module:
    """Base of every model: parameters found by walking attributes, plus state, saving and a readable repr.

    ``named_parameters()`` walks the public attributes in definition order, descending into Modules and
    lists, and names each ``Value`` by its dotted path (``layers.0.neurons.3.w.1``): the ONE naming scheme, used
    by ``parameters()``, ``state_dict()``, files and the diagram. Subclasses define ``__call__`` and, to be saved
    and repr'd, ``_config()``: the keyword arguments that rebuild them. A Value attribute a subclass adds is a
    parameter like any other: trained, zeroed and saved.
    """

    def __call__(self, x: Sequence[Value | float]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")

    # --- parameters -------------------------------------------------------------------------------

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a stable order: layer by layer, neuron by neuron, w then b.

        Each parameter and each module or list is visited once, so a back-reference (``child.owner = parent``)
        or a list holding itself is walked once, under its first name.
        """
        visited: set[int] = set()  # ids of the Values, Modules and lists met so far (they are alive: we hold them)
        stack: list[tuple[str, Any]] = [("", self)]
        while stack:  # an explicit stack, depth-first, children pushed in reverse to keep their order
            name, item = stack.pop()
            if isinstance(item, Value):
                children = None
            elif isinstance(item, Module):
                children = [(key, child) for key, child in vars(item).items() if not key.startswith("_")]
            elif isinstance(item, (list, tuple)):
                children = [(str(index), child) for index, child in enumerate(item)]
            else:
                continue
            if id(item) in visited:
                continue
            visited.add(id(item))
            if children is None:
                yield name, cast(Value, item)  # only a Value has no children
                continue
            prefix = f"{name}." if name else ""
            stack.extend((prefix + key, child) for key, child in reversed(children))

    def parameters(self) -> list[Value]:
        """Every parameter, in ``named_parameters()`` order (micrograd's order)."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Reset every parameter's ``.grad`` to 0.0, or to None ("no gradient yet", skipped by the optimizers)
        with ``set_to_none=True``."""
        empty = None if set_to_none else 0.0
        for parameter in self.parameters():
            parameter.grad = empty

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
        for parameter, data in self._checked_updates(state_dict, strict):
            parameter.data = data

    def _checked_updates(self, state_dict: Any, strict: bool, context: str = "") -> list[tuple[Value, float]]:
        """(parameter, new data) pairs for ``state_dict``, all checked; changes nothing. ``context`` starts
        the message of a key mismatch."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict of {{name: number}}, got {type(state_dict).__name__}")
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state_dict]
        unexpected = [key for key in state_dict if key not in named]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append(f"missing keys: {_describe(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {_describe(unexpected)}")
            raise ValueError(
                (context or f"state_dict does not match {type(self).__name__}")
                + " (a wrong layer size shows up as missing or unexpected keys): "
                + "; ".join(problems)
            )
        updates = []
        for name, parameter in named.items():
            if name not in state_dict:
                continue
            data = state_dict[name]
            if isinstance(data, bool) or not isinstance(data, numbers.Real):
                raise TypeError(f"state_dict[{name!r}] must be a real number, got {type(data).__name__}: {short(data)}")
            try:
                updates.append((parameter, float(data)))
            except OverflowError:  # an int like 10**400: no float holds it
                raise ValueError(f"state_dict[{name!r}] is too large for a float: {short(data)}") from None
        return updates

    def save(self, path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> None:
        """Write the model (its class, constructor arguments and weights) to ``path`` as JSON, atomically, with
        the permissions ``open(path, "w")`` would give (see ``nn.serialization``)."""
        document = serialization.model_document(type(self).__name__, self._file_config(), self.state_dict())
        serialization.write_json(path, document)

    @classmethod
    def load(cls: type[_M], path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> _M:
        """A new model built from a file written by ``save`` (``MLP.load(path)``)."""
        document = serialization.read_model(path)
        path = serialization.check_path(path)
        if document["class"] != cls.__name__:
            raise ValueError(f"{path} holds a {_name(document['class'])}, not a {cls.__name__}")
        config, state_dict = document["config"], document["state_dict"]
        if not isinstance(config, dict):
            raise ValueError(
                f"{path} has no constructor config (the model used a callable); build the "
                f"{cls.__name__} yourself and call model.load_weights(path)"
            )
        expected = cls._parameter_count(config)
        # A tiny file must not make a huge model: build only a model about the file's size, whose names then say
        # what differs; beyond that, the counts alone are the message.
        if expected is not None and expected > 2 * len(state_dict) + 10_000:
            raise ValueError(
                f"{path}: state_dict does not match its config {cls.__name__}(**{short(config)}), which has "
                f"{expected} parameters but the state_dict has {len(state_dict)}"
            )
        try:
            module = cls(**config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: cannot build {cls.__name__}(**{short(config)}): {error}") from None
        context = f"{path}: state_dict does not match its config {cls.__name__}(**{short(config)})"
        for parameter, data in module._checked_updates(state_dict, True, context):
            parameter.data = data
        return module

    def load_weights(self, path: str | bytes | os.PathLike[str] | os.PathLike[bytes], strict: bool = True) -> None:
        """Load the weights of a file written by ``save`` into THIS model; it is unchanged if anything fails."""
        document = serialization.read_model(path)
        config = document["config"]
        if strict and isinstance(config, dict) and document["class"] == type(self).__name__:
            ours = self._file_config()
            if ours is not None and ours != config:
                raise ValueError(
                    f"{serialization.check_path(path)} holds a model of another shape: file "
                    f"{_name(document['class'])}(**{short(config)}), this model {type(self).__name__}(**{short(ours)})"
                )
        self.load_state_dict(document["state_dict"], strict=strict)

    def _file_config(self) -> dict[str, Any] | None:
        """``_config()`` when it is JSON, else None (e.g. a callable activation: the weights still save)."""
        config = self._config()
        try:
            json.dumps(config)
        except (TypeError, ValueError):
            return None
        return config

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

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={_show(value)}" for key, value in self._config().items())
        return f"{type(self).__name__}({arguments})"


def _describe(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(short(key) for key in keys[:limit])
    more = f" (and {len(keys) - limit} more)" if len(keys) > limit else ""
    return shown + more


def _name(value: Any) -> str:
    """A class name as written (no quotes) when it is a short string, else its shortened repr."""
    return value if isinstance(value, str) and len(value) <= 60 else short(value)


class Neuron(Module):
    """One neuron: Σ wᵢxᵢ + b as ONE ``dot`` node, then the activation as ONE node ("linear": none).

    ``Neuron(nin, activation="relu", init="uniform", rng=None, fan_out=1, nonlin=None)``: ``activation`` is one
    of ``relu tanh sigmoid linear leaky_relu step sign softplus`` or any callable Value -> Value; micrograd's
    ``nonlin=True`` / ``False`` means "relu" / "linear". ``init`` is one of ``uniform xavier he zeros`` or a
    callable (see ``nn.init``); ``rng`` a ``random.Random``, an int seed, or None for Python's global ``random``
    (like micrograd); ``fan_out`` feeds ``xavier``.
    """

    def __init__(
        self,
        nin: int,
        activation: str | Activation = "relu",
        init: str | _init.Initializer = "uniform",
        rng: random.Random | int | None = None,
        *,
        fan_out: int = 1,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        fan_out = _check_size(fan_out, "fan_out")
        activation = _with_nonlin(nonlin, activation, "relu")
        self._activate = _resolve_activation(activation)
        draw = _init.resolve(init)
        rng = _init.make_rng(rng, "rng")
        self.w = [Value(draw(self.nin, fan_out, rng)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self.activation = activation

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output for one input vector of ``nin`` numbers or Values."""
        _check_length(x, self.nin, type(self).__name__)
        return self._forward(tuple(_as_values(x, type(self).__name__)))

    def _forward(self, x: tuple[Value, ...]) -> Value:
        out = dot(self.w, x, start=self.b)
        activate = self._activate
        return out if activate is None else activate(out)

    def _config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        nin = config.get("nin")
        return nin + 1 if _is_size(nin) else None


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it ALWAYS returns a list of ``nout`` Values.

    ``Layer(nin, nout, activation="relu", init="uniform", rng=None, nonlin=None)``, options as for ``Neuron``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation = "relu",
        init: str | _init.Initializer = "uniform",
        rng: random.Random | int | None = None,
        *,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.nout = _check_size(nout, "nout")
        activation = _with_nonlin(nonlin, activation, "relu")
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
        # the neurons' dot nodes made together (engine.dots reads the inputs' data once), then each activation
        neurons = self.neurons
        outs = dots([n.w for n in neurons], x, [n.b for n in neurons])
        return [out if n._activate is None else n._activate(out) for n, out in zip(neurons, outs)]

    def _config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def _parameter_count(cls, config: dict[str, Any]) -> int | None:
        nin, nout = config.get("nin"), config.get("nout")
        return (nin + 1) * nout if _is_size(nin) and _is_size(nout) else None


class MLP(Module):
    """A multi-layer perceptron: ``MLP(nin, nouts, activation="relu", output_activation="linear",
    init="uniform", seed=None, nonlin=None)``.

    ``nouts`` lists each layer's width (any layer may have one neuron: ``MLP(2, [16, 1, 1])``). Hidden
    layers use ``activation`` (or micrograd's ``nonlin``: True "relu", False "linear"), the last one
    ``output_activation``. ``seed`` is an int, a ``random.Random`` or None (Python's global ``random``, like
    micrograd). Calling the model on ``nin`` numbers or Values returns a Value when the last layer has one
    neuron, else a list.

    For type checkers, which cannot see the last layer's width, ``model.scalar(x)`` is typed ``Value`` and
    ``model.vector(x)`` is typed ``list[Value]``; ``model(x)`` is typed ``Value | list[Value]``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation = "relu",
        output_activation: str | Activation = "linear",
        init: str | _init.Initializer = "uniform",
        seed: int | random.Random | None = None,
        *,
        nonlin: bool | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"nouts must be a non-empty list of layer widths, got {short(nouts)}")
        self.nouts = [_check_size(width, f"nouts[{index}]") for index, width in enumerate(nouts)]
        activation = _with_nonlin(nonlin, activation, "relu")
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
        outputs = self.vector(x)
        return outputs[0] if len(outputs) == 1 else outputs

    def scalar(self, x: Sequence[Value | float]) -> Value:
        """The output of a network whose last layer has one neuron, typed ``Value``: ``model(x)`` for type checkers.

        TypeError when the last layer has more than one neuron (use ``vector``)."""
        if self.nouts[-1] != 1:
            raise TypeError(
                f"MLP.scalar() needs a last layer of one neuron, this model's has {self.nouts[-1]}; "
                "use model.vector(x) for a list of outputs"
            )
        return self.vector(x)[0]

    def vector(self, x: Sequence[Value | float]) -> list[Value]:
        """The outputs of the last layer as a list, even of one Value (as ``Layer`` returns), typed ``list[Value]``."""
        _check_length(x, self.nin, "MLP")
        values = _as_values(x, "MLP")
        for layer in self.layers:
            values = layer._forward(values)
        return values

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
        sizes: list[int] = [nin, *nouts]
        return sum((fan_in + 1) * nout for fan_in, nout in zip(sizes, sizes[1:]))

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

        return from_torch(cls, module)
