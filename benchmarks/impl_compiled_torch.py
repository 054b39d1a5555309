"""The workloads on ``engine.compile(..., backend="torch")`` (see ``benchmarks.impl_compiled``)."""

from __future__ import annotations

import torch  # without it the implementation is reported unavailable

from benchmarks.impl_compiled import bind

torch.set_num_threads(1)  # as impl_torch: tiny tensors, a second thread only adds noise
NAME = "compiled_torch"
MlpStep, WideSum, deep_chain, one_off = bind("torch")


def variant() -> str:
    """What this implementation runs."""
    return (
        f'engine.compile(backend="torch"), torch {torch.__version__}: batch() over the samples; '
        "single calls run the generated Python"
    )
