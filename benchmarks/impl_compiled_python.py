"""The workloads on ``engine.compile(..., backend="python")`` (see ``benchmarks.impl_compiled``)."""

from __future__ import annotations

from benchmarks.impl_compiled import bind

NAME = "compiled_python"
MlpStep, WideSum, deep_chain, one_off = bind("python")


def variant() -> str:
    """What this implementation runs."""
    return 'engine.compile(backend="python"): batch() over the samples; single calls run the generated Python'
