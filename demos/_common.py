"""What every demo shares: the command line (``--quick``, ``--out``), progress bars, and the PNG writer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("demos") / "out"  # where pictures go unless --out says otherwise


def parse_args(description: str, argv: Sequence[str] | None, needs_matplotlib: bool = False,
               options: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """Parse a demo's command line: ``--quick`` and ``--out DIR`` (every demo takes both, so that scripts can
    run them all alike; a demo that writes nothing ignores ``--out``). ``needs_matplotlib=True`` checks for
    matplotlib at once, so that a missing install fails before the training rather than after it. ``options``
    adds a demo's own options to the parser.
    """
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast run (the smoke tests use it)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    if needs_matplotlib:
        pyplot()
    return args


def progress(iterable: Iterable, total: int | None = None, desc: str = "", quiet: bool = False) -> Iterable:
    """Wrap ``iterable`` in a tqdm bar on a terminal; plain iteration when ``quiet`` or not a TTY."""
    if quiet or not sys.stderr.isatty():
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:  # a bar is a nicety: run without one
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False)


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, with a clear message when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "the demos draw with matplotlib: pip install 'chainrule[demos]' (or pip install matplotlib)"
        ) from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure: Any, out: Path, name: str) -> Path:
    """Write ``figure`` to ``out/name`` (creating ``out``), close it, and return the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    figure.savefig(path, dpi=110, bbox_inches="tight")
    figure.clear()
    pyplot().close(figure)
    return path


def say(message: str) -> None:
    """Print a line without breaking a progress bar that may be on screen."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(message)
        return
    tqdm.write(message)
