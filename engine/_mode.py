"""Per-thread recording switches: whether ops record a graph, and whether anomaly detection is on."""

from __future__ import annotations

import threading
from contextlib import ContextDecorator


class _State(threading.local):
    grad_enabled = True  # class attributes are each new thread's defaults
    anomaly_sites = None  # {node: "file:line"} while detect_anomaly() is active, else None


state = _State()


class _GradMode(ContextDecorator):
    _enabled: bool

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self._enabled

    def __exit__(self, *exc_info: object) -> None:
        state.grad_enabled = self._previous

    def _recreate_cm(self) -> _GradMode:
        # A fresh instance per decorated call, so recursion and threads never share `_previous`.
        return type(self)()


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record nothing and return leaves (this thread only)."""

    _enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: re-enables recording inside ``no_grad`` (this thread only)."""

    _enabled = True


def is_grad_enabled() -> bool:
    """Whether ops in this thread currently record a graph."""
    return state.grad_enabled
