"""``detect_anomaly()``: stop at the first op whose value, local derivative or gradient is not finite."""

from __future__ import annotations

import math
import os
import sys
from contextlib import ContextDecorator
from types import FrameType
from typing import Any, cast

from engine._mode import state, update_recording

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """An op produced nan or inf while ``detect_anomaly()`` was active."""


class detect_anomaly(ContextDecorator):
    """Context manager: every node records the file:line that built it, and the first op whose value
    or local derivative (forward) or outgoing gradient (backward) is nan or inf raises ``AnomalyError``
    naming the op, its inputs and that file:line. Slow (a stack walk per op); for debugging only.
    Nodes built inside stay referenced until the block ends."""

    def __enter__(self) -> detect_anomaly:
        self._previous = state.anomaly_sites
        if self._previous is None:
            state.anomaly_sites = {}
        update_recording()
        return self

    def __exit__(self, *exc_info: object) -> None:
        state.anomaly_sites = self._previous
        update_recording()

    def _recreate_cm(self) -> detect_anomaly:
        return type(self)()


def _creation_site() -> str:
    """The innermost frame outside the engine package: the user's line that built the node."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _ENGINE_DIR:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _data(x: Any) -> float:
    return x if isinstance(x, float) else float(x)


def record(node: Any, op: Any, inputs: tuple[Any, ...], local_grads: tuple[Any, ...]) -> None:
    """Remember where ``node`` was built; raise if its value or a local derivative is not finite."""
    site = _creation_site()
    state.anomaly_sites[node] = site  # type: ignore[index]  # only called while detect_anomaly() is active
    if not math.isfinite(node._data):
        raise AnomalyError(f"{op.label} produced {node._data} from inputs {_show(inputs)}, built at {site}")
    for index, local in enumerate(local_grads):
        if not math.isfinite(_data(local)):
            raise AnomalyError(
                f"{op.label}: local derivative with respect to input {index} is {_data(local)} "
                f"at inputs {_show(inputs)}, built at {site}"
            )


def check_backward(node: Any, local_grads: tuple[Any, ...], upstream: Any) -> None:
    """Raise if the gradient ``node`` sends to any child (local derivative x upstream) is not finite."""
    for index, local in enumerate(local_grads):
        flowing = _data(local) * _data(upstream)
        if not math.isfinite(flowing):
            site = cast(dict[Any, str], state.anomaly_sites).get(node, "<built outside detect_anomaly>")
            raise AnomalyError(
                f"backward through {node._operation.label}: gradient to input {index} is {flowing} "
                f"(upstream {_data(upstream)} x local {_data(local)}) at inputs "
                f"{_show(node._children)}, built at {site}"
            )


def _show(inputs: tuple[Any, ...]) -> str:
    return "(" + ", ".join(repr(x) for x in inputs) + ")"
