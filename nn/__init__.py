"""chainrule's neural-network library: modules, layers, losses and optimizers built on ``engine.Value``."""

from nn import init, losses
from nn.diagram import draw_network
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
    "draw_network",
    "init",
    "losses",
]
