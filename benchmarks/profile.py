"""``python -m benchmarks.profile [mlp-step|wide-sum|deep-chain] [--top N]``: where chainrule's time goes (cProfile).

Profiles chainrule only, on the full-size workload, with the garbage collector on, and prints the functions
with the most time spent in their own code (tottime).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys

from benchmarks import impl_chainrule as chainrule
from benchmarks import workloads as wl


def main(argv: list[str] | None = None) -> int:
    """Profile one chainrule workload and print the top functions."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=wl.RUNNABLE)
    parser.add_argument("--top", type=int, default=15, help="how many functions to list (default 15)")
    parser.add_argument("--repeats", type=int, default=5, help="how many times to run the workload (default 5)")
    args = parser.parse_args(argv)
    run = wl.run_once(chainrule, args.workload, wl.Sizes.full(), chain_length=100_000)
    run()  # warm up
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.repeats):
        run()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
