"""Per-thread recording switches: whether ops record a graph, and whether anomaly detection is on.

Reading a thread-local costs more than the rest of recording a node, so ``open_switches`` counts the
``no_grad`` / ``enable_grad`` / ``detect_anomaly`` blocks open in ALL threads. While it is 0, every thread
records with anomaly detection off, and ops need not read their thread's switches at all.
"""

from __future__ import annotations

import threading
from contextlib import ContextDecorator


class _State(threading.local):
    grad_enabled = True  # class attributes are each new thread's defaults
    anomaly_sites = None  # {node: "file:line"} while detect_anomaly() is active, else None


state = _State()
open_switches = 0
_switches_lock = threading.Lock()


def switch_opened() -> None:
    """Call BEFORE changing this thread's switches, so no op in any thread trusts the defaults meanwhile."""
    global open_switches
    with _switches_lock:
        open_switches += 1


def switch_closed() -> None:
    """Call AFTER restoring this thread's switches."""
    global open_switches
    with _switches_lock:
        open_switches -= 1


class _GradMode(ContextDecorator):
    _enabled: bool

    def __enter__(self) -> None:
        switch_opened()
        self._previous = state.grad_enabled
        state.grad_enabled = self._enabled

    def __exit__(self, *exc_info: object) -> None:
        state.grad_enabled = self._previous
        switch_closed()

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
