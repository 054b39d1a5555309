"""Argument checks shared by ``nn``: each raises TypeError / ValueError naming the argument, with short messages."""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence
from typing import Any, cast

from engine import Value

# Bad values are shown cut short, so a 100 MB string or a 1000-deep list makes a one-line message.
_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40


def short(value: Any) -> str:
    """``repr(value)``, shortened to about 60 characters (``reprlib``): safe to put in an error message."""
    try:
        return _REPR.repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        return f"<{type(value).__name__} object>"


def check_int(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (bools refused); else TypeError / ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__}: {short(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {short(value)}")
    return int(value)


def check_real(value: Any, name: str, low: float = 0.0, high: float = math.inf) -> float:
    """``value`` as a float in [low, high) (NaN and bools refused); else TypeError / ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {short(value)}")
    if not low <= cast(float, value) < high:
        raise ValueError(f"{name} must be in [{low}, {high}), got {short(value)}")
    return float(value)


def check_inputs(x: Any, nin: int, owner: str) -> None:
    """``x`` must be a sequence of ``nin`` items (their types are checked on the error path, see bad_input)."""
    try:
        given = len(x)
    except TypeError:
        raise TypeError(
            f"{owner} input must be a sequence of {nin} numbers or Values, got {type(x).__name__}: {short(x)}"
        ) from None
    if given != nin:
        raise ValueError(f"{owner} expects {nin} inputs, got {given}")


def bad_input(x: Sequence[Any], owner: str) -> TypeError | None:
    """A TypeError naming the first item of ``x`` that is neither a Value nor a real number, or None."""
    for index, item in enumerate(x):
        if not isinstance(item, (Value, numbers.Real)):
            return TypeError(
                f"{owner} input {index} must be a real number or a Value, got {type(item).__name__}: {short(item)}"
            )
    return None
