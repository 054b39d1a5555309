"""chainrule's neural-network library: modules, layers, losses and optimizers built on ``engine.Value``."""

from typing import TYPE_CHECKING

from nn import data, init, losses, metrics
from nn.data import minibatches
from nn.diagram import draw_network
from nn.losses import softmax
from nn.metrics import accuracy
from nn.module import ACTIVATIONS, MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, AdamW, Optimizer
from nn.perceptron import Perceptron

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Perceptron",
    "accuracy",
    "data",
    "draw_network",
    "init",
    "losses",
    "metrics",
    "minibatches",
    "softmax",
]

if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        # ``nn.__version__``: the distribution's version, which engine reads from the metadata on first use
        if name == "__version__":
            import engine

            return engine.__version__
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
