"""The installed distribution's version, read from its metadata on first use."""

from __future__ import annotations

import functools


@functools.cache
def version() -> str:
    """``chainrule``'s version from the package metadata, or ``"0+unknown"`` in a clone that was never installed.

    Looked up lazily: importing ``importlib.metadata`` takes about as long as importing ``engine`` itself."""
    from importlib import metadata

    try:
        return metadata.version("chainrule")
    except metadata.PackageNotFoundError:
        return "0+unknown"
