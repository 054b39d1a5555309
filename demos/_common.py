"""What every demo shares: the command line (``--quick``, ``--out`` where they apply), progress bars, the PNG writer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("demos") / "out"  # where pictures go unless --out says otherwise (relative to the current directory)
CONSOLE_SCRIPT = "chainrule-demo"  # runs a demo by name: chainrule-demo moons --quick (see demos.__main__)


def parse_args(
    description: str,
    argv: Sequence[str] | None,
    needs_matplotlib: bool = False,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
    *,
    quick: bool = True,
    out: bool = True,
) -> argparse.Namespace:
    """Parse a demo's command line. Options: ``quick=True`` offers ``--quick`` (a small, fast run),
    ``out=True`` offers ``--out DIR`` (where the demo writes its files); a demo offers only the options that
    change what it does. ``options`` adds a demo's own options to the parser. ``--help`` shows the command as a
    user types it (``python -m demos.moons``) and the console script (``chainrule-demo moons``).
    ``needs_matplotlib=True`` checks for matplotlib at once, so that a missing install fails before the training
    rather than after it.
    """
    module = _demo_module(sys._getframe(1).f_globals)
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}",
        description=description.strip().splitlines()[0],
        epilog=f"also: {CONSOLE_SCRIPT} {module.rpartition('.')[2]} (installed by pip install 'chainrule[demos]')",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keeps the commands on one line
    )
    if quick:
        parser.add_argument("--quick", action="store_true", help="a small, fast run (the smoke tests use it)")
    if out:
        parser.add_argument(
            "--out",
            type=Path,
            default=DEFAULT_OUT,
            metavar="DIR",
            help=f"folder for the files it writes (default {DEFAULT_OUT}, under the current directory)",
        )
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    if needs_matplotlib:
        pyplot()
    return args


def _demo_module(caller_globals: dict[str, Any]) -> str:
    """The dotted name of the demo calling ``parse_args`` (``demos.moons``), also when run as ``__main__``."""
    spec = caller_globals.get("__spec__")
    return spec.name if spec is not None else str(caller_globals.get("__name__", "demos"))


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
