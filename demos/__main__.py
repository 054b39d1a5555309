"""Run a demo by name: ``chainrule-demo NAME [options]`` (the console script), or ``python -m demos NAME``.

Run::

    chainrule-demo                  # lists the demos
    chainrule-demo moons --quick    # the same as python -m demos.moons --quick
    chainrule-demo moons --help     # a demo's own options
"""

from __future__ import annotations

import pkgutil
import runpy
import sys
from collections.abc import Sequence

import demos
from demos._common import CONSOLE_SCRIPT


def names() -> list[str]:
    """The demos of this package, by module name (``moons``, ``by_hand``...), sorted."""
    return sorted(module.name for module in pkgutil.iter_modules(demos.__path__) if not module.name.startswith("_"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo named by the first argument with the rest of the arguments; list the demos without one."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    available = names()
    if not arguments or arguments[0] in ("-h", "--help"):
        print(f"usage: {CONSOLE_SCRIPT} NAME [options]   (or: python -m demos.NAME [options])\n")
        print("demos: " + ", ".join(available))
        print(f"each demo's options: {CONSOLE_SCRIPT} NAME --help")
        return 0
    name, rest = arguments[0], arguments[1:]
    if name not in available:
        print(f"{CONSOLE_SCRIPT}: no demo named {name!r}; the demos are: {', '.join(available)}", file=sys.stderr)
        return 2
    # exactly as ``python -m demos.NAME`` runs it, exit status included
    sys.argv = [f"{CONSOLE_SCRIPT} {name}", *rest]
    runpy.run_module(f"demos.{name}", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
