"""The workloads on ``engine.compile(..., backend="numpy")`` (see ``benchmarks.impl_compiled``)."""

from __future__ import annotations

import numpy  # without it the implementation is reported unavailable

from benchmarks.impl_compiled import bind

NAME = "compiled_numpy"
MlpStep, WideSum, deep_chain, one_off = bind("numpy")


def variant() -> str:
    """What this implementation runs."""
    return (
        f'engine.compile(backend="numpy"), numpy {numpy.__version__}: batch() over the samples; '
        "single calls run the generated Python"
    )
