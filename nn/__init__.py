"""chainrule's neural-network library: modules, layers, losses and optimizers built on ``engine.Value``."""
