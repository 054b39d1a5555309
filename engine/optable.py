"""The README's op table, generated from the registry so that it cannot drift: ``python -m engine.optable``.

Each row comes from an op's rule: its docstring reads ``"value | derivative(s) | edge values"``.
"""

from __future__ import annotations

import sys

from engine import ops


def _row(entry: ops.Op) -> tuple[str, str, str, str]:
    rule = getattr(entry.rule, "__wrapped__", entry.rule)  # a primitive's rule is wrapped in its checks
    fields = [field.strip() for field in (rule.__doc__ or "").split(" | ")]
    if len(fields) != 3 or not all(fields):
        raise ValueError(
            f"op {entry.name!r}: its rule {rule.__name__} needs a one-line docstring "
            f'"value | derivative(s) | edge values" for the op table, got {rule.__doc__!r}'
        )
    value, derivatives, edges = (field.replace("|", "\\|") for field in fields)  # a bar inside a cell is escaped
    return entry.name, value, derivatives, edges


def table_markdown() -> str:
    """Every registered op as a markdown table: name, value, local derivative(s), edge values."""
    lines = ["| op | value | derivative | edges |", "|---|---|---|---|"]
    for entry in ops.REGISTRY.values():
        name, value, derivative, edges = _row(entry)
        lines.append(f"| `{name}` | {value} | {derivative} | {edges} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table_markdown())
