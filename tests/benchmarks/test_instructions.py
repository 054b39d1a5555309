"""The instruction-count tool: its parsing, its tables, its driver and its refusal without valgrind."""

from __future__ import annotations

import pytest

from benchmarks import instructions
from benchmarks import workloads as wl


def test_the_count_is_read_from_callgrinds_summary_line():
    output = "==12== Events    : Ir\n==12== Collected : 153040635\n==12==\n==12== I   refs:      153,040,635\n"
    assert instructions.parse_collected(output) == 153_040_635


def test_output_without_a_summary_line_is_an_error_that_shows_the_output():
    with pytest.raises(RuntimeError, match="(?s)no 'Collected :' line.*valgrind: command not found"):
        instructions.parse_collected("valgrind: command not found")


def test_ratios_are_to_the_floor_per_setting_and_the_chain_is_per_op():
    counts = {
        "mlp-step": {
            "floats": {True: 40e6, False: 40e6},
            "chainrule": {True: 160e6, False: 120e6},
            "micrograd": {True: 2000e6, False: 960e6},
        },
        "deep-chain": {
            "floats": {True: 2 * instructions.CHAIN_LENGTH * 100.0, False: 2 * instructions.CHAIN_LENGTH * 100.0},
            "chainrule": {True: 2 * instructions.CHAIN_LENGTH * 5000.0, False: 2 * instructions.CHAIN_LENGTH * 4000.0},
        },
    }
    text = instructions.render(counts)
    assert "| chainrule | 160.0 M | 4.00× | 120.0 M | 3.00× |" in text
    assert "micrograd executes 8.00× as many instructions as chainrule, GC off for both." in text
    assert "| chainrule | 5,000 | 50.00× | 4,000 | 40.00× |" in text


@pytest.mark.parametrize("workload", instructions.WORKLOADS)
def test_the_driver_runs_every_workload_on_chainrule(workload, monkeypatch):
    monkeypatch.setattr(instructions, "CHAIN_LENGTH", 50)
    monkeypatch.setattr(instructions, "SIZES", wl.Sizes.tiny())
    calls = []
    run = instructions.workload_runner("chainrule", workload)
    monkeypatch.setattr(instructions, "workload_runner", lambda *names: lambda: calls.append(run()))
    instructions.drive("chainrule", workload, 2, gc_enabled=True)
    assert len(calls) == 2


def test_an_unknown_workload_is_named():
    with pytest.raises(ValueError, match="unknown workload 'wide'; expected one of mlp-step, wide-sum, deep-chain"):
        instructions.workload_runner("floats", "wide")


def test_without_valgrind_the_tool_says_what_to_install(monkeypatch):
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="needs valgrind on the PATH"):
        instructions.main([])
