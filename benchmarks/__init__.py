"""Benchmarks: chainrule against micrograd, PyTorch and hand-written floats. Run ``python -m benchmarks``."""
