"""Type-check every Python snippet of README.md with pyright at its strict settings, as a user's checker would.

Run::

    python tests/typecheck_readme.py            # README.md; exit status 1 when a snippet has a type error
    python tests/typecheck_readme.py FILE.md    # another markdown file

Each fenced ``python`` block becomes its own file (``snippet_01.py``...) in a temporary folder, checked against
this checkout's ``engine`` and ``nn`` with ``typeCheckingMode: strict``. Errors are printed with the README line
they come from. Needs pyright (``pip install 'chainrule[typecheck]'``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Snippet:
    """A fenced python block: its text and the line of the markdown file its first line is on."""

    text: str
    line: int


def snippets(markdown: str) -> list[Snippet]:
    """Every fenced ``python`` block of ``markdown``, in order."""
    return [Snippet(match.group(1), markdown.count("\n", 0, match.start(1)) + 1) for match in FENCE.finditer(markdown)]


def pyright_command() -> list[str] | None:
    """How to run pyright here (the PyPI wrapper installed beside this Python, or on PATH), or None."""
    beside = Path(sys.executable).with_name("pyright")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pyright")
    return [found] if found else None


def check(blocks: list[Snippet], source: str = "README.md") -> list[str]:
    """Pyright's strict-mode errors in ``blocks``, each as ``source:line: message``; [] when they all pass."""
    command = pyright_command()
    if command is None:
        raise RuntimeError("pyright is not installed: pip install 'chainrule[typecheck]' (or pip install pyright)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        files = {}
        for number, block in enumerate(blocks, start=1):
            path = work / f"snippet_{number:02d}.py"
            path.write_text(block.text, encoding="utf-8")
            files[path.name] = block
        config = {
            "typeCheckingMode": "strict",
            "pythonVersion": f"{sys.version_info.major}.{sys.version_info.minor}",
            "extraPaths": [str(ROOT)],
            "include": sorted(files),
        }
        (work / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
        result = subprocess.run(
            [*command, "--outputjson", "--pythonpath", sys.executable, "--project", str(work)],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            raise RuntimeError(f"pyright did not report (exit status {result.returncode}): {result.stderr}") from None
    errors = []
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] != "error":
            continue
        block = files[Path(diagnostic["file"]).name]
        line = block.line + diagnostic["range"]["start"]["line"]
        rule = f" ({diagnostic['rule']})" if "rule" in diagnostic else ""
        errors.append(f"{source}:{line}: {diagnostic['message']}{rule}")
    return errors


def main(argv: list[str] | None = None) -> int:
    """Check the file named in ``argv`` (default README.md); print the errors; 1 if there are any."""
    arguments = sys.argv[1:] if argv is None else argv
    path = Path(arguments[0]) if arguments else ROOT / "README.md"
    blocks = snippets(path.read_text(encoding="utf-8"))
    errors = check(blocks, path.name)
    for error in errors:
        print(error)
    print(f"{path.name}: {len(blocks)} python snippets, {len(errors)} type errors (pyright, strict)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
