"""``python -m benchmarks [--quick] [--rounds N] [--workloads ...]``: run, print the tables, write markdown.

Options: ``--quick`` small sizes (under a minute); ``--rounds N`` timing rounds; ``--workloads`` any of
mlp-step deep-chain wide-sum memory; ``--implementations`` any of floats chainrule tape micrograd torch (floats is
always needed); ``--markdown PATH`` where the markdown table goes (default ``benchmarks/RESULTS.md`` for a
full run, none for ``--quick``); ``--json PATH`` the raw report. Where chainrule's time goes:
``python -m benchmarks.profile mlp-step`` (or ``wide-sum``, ``deep-chain``). In machine instructions, which do not
vary between runs: ``python -m benchmarks.instructions`` (needs valgrind).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from benchmarks import workloads as wl
from benchmarks.report import render_markdown, render_text
from benchmarks.runner import IMPLEMENTATIONS, Runner

DEFAULT_MARKDOWN = Path(__file__).with_name("RESULTS.md")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a sanity run under a minute")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 7 full, 3 quick)")
    parser.add_argument("--workloads", nargs="+", choices=wl.WORKLOADS, default=list(wl.WORKLOADS))
    parser.add_argument("--implementations", nargs="+", choices=IMPLEMENTATIONS, default=list(IMPLEMENTATIONS))
    parser.add_argument("--markdown", type=Path, help="write the markdown tables here")
    parser.add_argument("--json", type=Path, help="write the raw report here")
    return parser


def _reproducing_command(args: argparse.Namespace) -> str:
    """The command line that reproduces these numbers (output paths left out)."""
    words = ["python -m benchmarks"]
    if args.quick:
        words.append("--quick")
    if args.rounds is not None:
        words += ["--rounds", str(args.rounds)]
    if list(args.workloads) != list(wl.WORKLOADS):
        words += ["--workloads", *args.workloads]
    if list(args.implementations) != list(IMPLEMENTATIONS):
        words += ["--implementations", *args.implementations]
    return " ".join(words)


def main(argv: list[str] | None = None, sizes: wl.Sizes | None = None) -> int:
    """Run the benchmarks; returns 0, or 1 when a cross-implementation check aborted a workload."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    if sizes is None:
        sizes = wl.Sizes.quick() if args.quick else wl.Sizes.full()
    if args.rounds is not None:
        if args.rounds < 1:
            raise SystemExit(f"--rounds must be at least 1, got {args.rounds}")
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    runner = Runner(
        sizes,
        args.implementations,
        args.workloads,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    report = runner.run()
    print(render_text(report))
    markdown = args.markdown or (None if args.quick else DEFAULT_MARKDOWN)
    command = _reproducing_command(args)
    if markdown is not None:
        markdown.write_text(render_markdown(report, command))
        print(f"markdown written to {markdown}")
    if args.json is not None:
        serializable = dict(report, meta=dict(report["meta"], sizes=dataclasses.asdict(report["meta"]["sizes"])))
        args.json.write_text(json.dumps(serializable, indent=1, default=str))
    aborted = [name for name, result in report["workloads"].items() if result["status"] != "ok"]
    for name in aborted:
        print(f"{name}: {report['workloads'][name]['status']}", file=sys.stderr)
    return 1 if aborted else 0


if __name__ == "__main__":
    sys.exit(main())
