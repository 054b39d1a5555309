"""``python -m benchmarks.instructions``: the workloads counted in machine instructions, which do not vary.

Timings on a shared machine move by 2× between rounds; instruction counts move by 2 % at most, so a ratio
of 3× can be told from 4×. Each implementation runs in its own process under valgrind's callgrind (which must be
installed: ``apt-get install valgrind``), once with the workload run 0 times and once ``repeats`` times; the
difference divided by ``repeats`` is the count of one run, without start-up, imports and set-up. Instructions
are not time (a cache miss costs more than an add), so this complements ``python -m benchmarks``, which checks
the results and times them. Options: ``--workloads`` (mlp-step wide-sum deep-chain), ``--implementations``
(floats chainrule tape micrograd), ``--markdown PATH``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import workloads as wl

WORKLOADS = wl.RUNNABLE
IMPLEMENTATIONS = ("floats", "chainrule", "tape", "micrograd")
FLOOR = "floats"
SIZES = wl.Sizes.full()  # mlp-step and wide-sum at the timed benchmark's sizes
CHAIN_LENGTH = 20_000  # long enough that set-up is noise, short enough for valgrind (about 50× slower)
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def workload_runner(implementation: str, workload: str) -> Callable[[], object]:
    """A no-argument function that runs ``workload`` once on ``implementation``, set up and warmed up."""
    module = importlib.import_module(f"benchmarks.impl_{implementation}")
    run = wl.run_once(module, workload, SIZES, CHAIN_LENGTH)
    run()  # warm up: first-call costs (caches, specialization) stay out of the count
    return run


def drive(implementation: str, workload: str, repeats: int, gc_enabled: bool) -> None:
    """What runs under callgrind: set up, then run the workload ``repeats`` times."""
    run = workload_runner(implementation, workload)
    gc.collect()
    if not gc_enabled:
        gc.disable()
    for _ in range(repeats):
        run()


def parse_collected(valgrind_output: str) -> int:
    """The instruction count from callgrind's summary ("Collected : N")."""
    match = _COLLECTED.search(valgrind_output)
    if match is None:
        raise RuntimeError(f"no 'Collected :' line in valgrind's output:\n{valgrind_output[-2000:]}")
    return int(match.group(1))


def count(implementation: str, workload: str, repeats: int, gc_enabled: bool) -> int:
    """Instructions of the whole driver process under callgrind."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--drive",
        implementation,
        workload,
        str(repeats),
        "on" if gc_enabled else "off",
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if result.returncode != 0:
        raise RuntimeError(f"{implementation} {workload} failed under valgrind:\n{result.stderr[-2000:]}")
    return parse_collected(result.stderr)


def per_run(implementation: str, workload: str, gc_enabled: bool, repeats: int) -> float:
    """Instructions of one run of the workload: (count with ``repeats`` runs - count with 0) / ``repeats``."""
    return (
        count(implementation, workload, repeats, gc_enabled) - count(implementation, workload, 0, gc_enabled)
    ) / repeats


def _repeats(implementation: str, workload: str) -> int:
    return 1 if implementation == "micrograd" or workload == "wide-sum" else 3


def _format(instructions: float) -> str:
    return f"{instructions / 1e6:,.1f} M"


def render(counts: dict[str, dict[str, dict[bool, float]]]) -> str:
    """Markdown tables: instructions per run and ratios to the floor, collector on and off."""
    lines = [
        "Instructions per run (valgrind callgrind), from `python -m benchmarks.instructions`. "
        "Set-up and start-up are subtracted; the garbage collector is on unless a column says off.",
        "",
    ]
    for workload, by_implementation in counts.items():
        unit = f"per op (N = {CHAIN_LENGTH:,}, forward + backward)" if workload == "deep-chain" else "per run"
        lines += [
            f"**{workload}**, {unit}",
            "",
            "| implementation | instructions | × floats | instructions, GC off | × floats, GC off |",
            "|---|---|---|---|---|",
        ]
        floor = by_implementation.get(FLOOR)
        for implementation, by_setting in by_implementation.items():
            cells = [implementation]
            for setting in (True, False):
                value = by_setting[setting]
                if workload == "deep-chain":
                    value /= 2 * CHAIN_LENGTH  # two ops per link
                    cells.append(f"{value:,.0f}")
                else:
                    cells.append(_format(value))
                cells.append(f"{by_setting[setting] / floor[setting]:.2f}×" if floor else "—")
            lines.append("| " + " | ".join(cells) + " |")
        if "micrograd" in by_implementation and "chainrule" in by_implementation:
            ratio = by_implementation["micrograd"][False] / by_implementation["chainrule"][False]
            lines += ["", f"- micrograd executes {ratio:.2f}× as many instructions as chainrule, GC off for both."]
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Count, print the tables, optionally write them as markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--implementations", nargs="+", choices=IMPLEMENTATIONS, default=list(IMPLEMENTATIONS))
    parser.add_argument("--markdown", type=Path, help="write the markdown tables here")
    parser.add_argument(
        "--drive", nargs=4, metavar=("IMPLEMENTATION", "WORKLOAD", "REPEATS", "GC"), help=argparse.SUPPRESS
    )  # the process valgrind runs
    args = parser.parse_args(argv)
    if args.drive:
        implementation, workload, repeats, gc_setting = args.drive
        drive(implementation, workload, int(repeats), gc_setting == "on")
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit(
            "python -m benchmarks.instructions needs valgrind on the PATH (apt-get install valgrind); "
            "the timed benchmark, python -m benchmarks, does not"
        )
    implementations = [FLOOR] + [name for name in args.implementations if name != FLOOR]
    counts: dict[str, dict[str, dict[bool, float]]] = {}
    for workload in args.workloads:
        counts[workload] = {}
        for implementation in implementations:
            if implementation == "micrograd" and workload != "mlp-step":
                continue  # RecursionError past ~1,000 nodes: nothing to count
            print(f"{workload}: {implementation} ...", file=sys.stderr, flush=True)
            repeats = _repeats(implementation, workload)
            counts[workload][implementation] = {
                setting: per_run(implementation, workload, setting, repeats) for setting in (True, False)
            }
    text = render(counts)
    print(text)
    if args.markdown is not None:
        args.markdown.write_text(text)
        print(f"markdown written to {args.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
