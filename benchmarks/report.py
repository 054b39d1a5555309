"""Turns a runner report into tables: aligned text for the terminal, markdown for the README."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.runner import FLOOR


@dataclass
class Table:
    """One table: a title, column headers, rows of cells, and notes printed under it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _seconds(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def _ratio(summary: dict) -> str:
    return f"{summary['median']:.3g}× [{summary['min']:.3g}–{summary['max']:.3g}]"


def _status_cell(entry: dict) -> str | None:
    return None if entry.get("status", "ok") == "ok" else entry["status"]


def _timed_table(name: str, description: str, result: dict, gc_off: bool) -> Table:
    headers = ["implementation", "time (GC on)", "× floats (GC on)", "in GC"]
    if gc_off:
        headers += ["time (GC off)", "× floats (GC off)"]
    table = Table(f"{name}: {description}", headers)
    if result["status"] != "ok":
        table.notes.append(result["status"].upper())
    for implementation, entry in result["implementations"].items():
        failed = _status_cell(entry)
        row = [implementation]
        for key in ["gc_on", "gc_off"] if gc_off else ["gc_on"]:
            timing = result.get(key, {}).get(implementation)
            if failed:
                row += [failed, "—"]
            elif timing is None:
                row += ["—", "—"]
            else:
                row += [_seconds(timing["seconds"]["median"]), _ratio(timing["ratio"])]
            if key == "gc_on":
                row.append(f"{timing['gc_share']['median']:.0%}" if timing and not failed else "—")
        table.rows.append(row)
    for key, setting in (
        ("gc_on_speedup_vs_micrograd", "GC on for both"),
        ("gc_off_speedup_vs_micrograd", "GC off for both"),
    ):
        if key in result:
            table.notes.append(f"chainrule is {_ratio(result[key])} faster than micrograd, {setting}.")
    floor = result.get("gc_on", {}).get(FLOOR)
    if floor is not None:
        spread = floor["seconds"]
        table.notes.append(
            f"noise: the floor itself took {_seconds(spread['min'])}–{_seconds(spread['max'])} "
            f"across rounds; in GC = share of the GC-on time spent in the collector (gc.callbacks)."
        )
    for implementation, cost in result.get("one_off", {}).items():
        if "error" in cost:
            table.notes.append(f"{implementation}: one-off cost not measured ({cost['error']})")
        else:
            table.notes.append(
                f"{implementation}: trace + compile once {_seconds(cost['trace_compile_s'])} = "
                f"{cost['eager_steps']:.2f} eager chainrule steps ({_seconds(cost['eager_step_s'])})"
            )
    if "check" in result:
        check = result["check"]
        table.notes.append(
            f"checked before timing: result and {check['gradients']:,} gradients agree to 1e-12 "
            f"relative across {', '.join(check['agree'])}."
        )
    return table


def _deep_chain_table(result: dict) -> Table:
    lengths = result["lengths"]
    table = Table(
        "deep-chain: x = x * 1.0001 + 0.0001 repeated N times, then backward; "
        "ns per op (2 ops per link), backward / forward, median",
        ["implementation"] + [f"N = {n:,}" for n in lengths],
    )
    if result["status"] != "ok":
        table.notes.append(result["status"].upper())
    implementations = list(result["by_length"][lengths[0]])
    for implementation in implementations:
        row = [implementation]
        for n in lengths:
            entry = result["by_length"][n][implementation]
            failed = _status_cell(entry)
            if failed:
                row.append(failed)
            else:
                row.append(f"{entry['backward_ns_per_op']['median']:.0f} / {entry['forward_ns_per_op']['median']:.0f}")
        table.rows.append(row)
    for implementation in implementations:
        peaks = [
            (n, run["peak_rss_bytes"], run["compile_s"])
            for n in lengths
            for run in result["by_length"][n][implementation].get("runs", [])
            if "peak_rss_bytes" in run
        ]
        if peaks:
            n, peak, compile_s = peaks[-1]
            table.notes.append(
                f"{implementation} at N = {n:,}: peak RSS {peak / 2**30:.2f} GiB, trace + compile "
                f"{compile_s:.1f} s; forward = value(), backward = value_and_grad() - value()"
            )
    table.notes.append(
        f"each N runs in a fresh process per implementation under the default recursion limit "
        f"({result['recursion_limit']}); value and dx0 gradient checked against floats to 1e-12."
    )
    return table


def _memory_table(result: dict) -> Table:
    samples = result["samples"]
    table = Table(
        f"memory: the MLP(2, [16, 16, 1]) hinge + L2 loss graph on {samples} samples (tracemalloc)",
        ["implementation", "nodes", "graph", "per sample", "per node", "peak during backward"],
    )
    for implementation, entry in result["implementations"].items():
        failed = _status_cell(entry)
        if failed:
            table.rows.append([implementation, failed, "—", "—", "—", "—"])
            continue
        table.rows.append(
            [
                implementation,
                f"{entry['nodes']:,}",
                f"{entry['graph_bytes'] / 1024:,.0f} KiB",
                f"{entry['bytes_per_sample'] / 1024:.1f} KiB",
                f"{entry['bytes_per_node']:.0f} B",
                f"{entry['backward_peak_bytes'] / 1024:,.0f} KiB",
            ]
        )
    table.notes.append(
        "graph = bytes allocated by the forward pass and still held; per node = graph / nodes the forward pass made."
    )
    return table


def tables(report: dict) -> list[Table]:
    """The report's tables, in workload order."""
    sizes = report["meta"]["sizes"]
    out = []
    for name, result in report["workloads"].items():
        if name == "mlp-step":
            out.append(
                _timed_table(
                    name,
                    f"MLP(2, [16, 16, 1]), {sizes.mlp_samples} moons samples, hinge + "
                    f"1e-4·L2, backward, SGD; per step over windows of steps "
                    f"0–{sizes.window_steps - 1}; "
                    f"median [min–max] of {sizes.rounds} rounds",
                    result,
                    gc_off=True,
                )
            )
        elif name == "wide-sum":
            out.append(
                _timed_table(
                    name,
                    f"builtin sum(w[i] * x[i] for i in range({sizes.wide_terms:_})), "
                    f"forward + backward; median [min–max] of {sizes.rounds} rounds",
                    result,
                    gc_off=False,
                )
            )
        elif name == "deep-chain":
            out.append(_deep_chain_table(result))
        elif name == "memory":
            out.append(_memory_table(result))
    return out


def _header_lines(report: dict) -> list[str]:
    meta = report["meta"]
    lines = [
        f"Python {meta['python']} on {meta['platform']} ({meta['cpus']} CPUs, shared with other jobs: "
        "expect noise). Times are CPU seconds of each worker process (time.process_time), which other jobs "
        f"inflate less than wall time; ratios are same-round ratios to the hand-written floor ({FLOOR}); "
        "garbage collector on (Python's default) unless a column says otherwise."
    ]
    for name, info in meta.get("available", {}).items():
        lines.append(f"{name}: {info['variant']}")
    for name, why in meta.get("unavailable", {}).items():
        lines.append(f"{name}: not available ({why.splitlines()[0]})")
    return lines


def render_text(report: dict) -> str:
    """Aligned plain-text tables for the terminal."""
    lines = _header_lines(report)
    for table in tables(report):
        widths = [max(len(row[i]) for row in [table.headers, *table.rows]) for i in range(len(table.headers))]
        lines += ["", table.title]
        lines.append("  ".join(h.ljust(w) for h, w in zip(table.headers, widths)))
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in table.rows]
        lines += [f"  {note}" for note in table.notes]
    lines.append(f"\ntotal run time {report['meta']['seconds']:.0f} s")
    return "\n".join(lines)


def render_markdown(report: dict, command: str) -> str:
    """Markdown tables with the command that reproduces them, for the README "performance" section."""
    also = " (what `make bench` runs)" if command.strip() == "python -m benchmarks" else ""
    minutes = max(1, round(report["meta"]["seconds"] / 60))
    lines = [f"Reproduce with `{command}`{also}: about {minutes} min on this machine.", ""]
    lines += [f"{line}  " for line in _header_lines(report)]
    for table in tables(report):
        lines += ["", f"**{table.title}**", ""]
        lines.append("| " + " | ".join(table.headers) + " |")
        lines.append("|" + "|".join("---" for _ in table.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in table.rows]
        if table.notes:
            lines.append("")
            lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"
