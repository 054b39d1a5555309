"""chainrule's neural-network library: modules, layers, losses and optimizers built on ``engine.Value``."""

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
