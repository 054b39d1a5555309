"""Smoke test of the benchmark harness: tiny sizes, every workload, cross-implementation checks (no timings)."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks import workloads as wl
from benchmarks.__main__ import main
from benchmarks.impl_floats import MlpStep as FloatsMlpStep
from benchmarks.runner import CheckError, Runner, _compare, summarize


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One harness run on tiny sizes, with its exit code, raw report and markdown."""
    folder = tmp_path_factory.mktemp("bench")
    markdown, raw = folder / "results.md", folder / "report.json"
    code = main(["--quick", "--markdown", str(markdown), "--json", str(raw)], sizes=wl.Sizes.tiny())
    return code, json.loads(raw.read_text()), markdown.read_text()


def test_the_tiny_run_exits_cleanly_with_every_workload_reported(tiny_run):
    code, report, _ = tiny_run
    assert code == 0
    assert list(report["workloads"]) == list(wl.WORKLOADS)
    assert {name: result["status"] for name, result in report["workloads"].items()} == dict.fromkeys(wl.WORKLOADS, "ok")


def test_mlp_step_results_agree_across_floats_chainrule_and_micrograd_before_timing(tiny_run):
    _, report, _ = tiny_run
    result = report["workloads"]["mlp-step"]
    assert {"floats", "chainrule", "micrograd"} <= set(result["check"]["agree"])
    assert result["check"]["gradients"] == sum((nin + 1) * nout for nin, nout in wl.mlp_shape())
    for setting in ("gc_on", "gc_off"):
        assert {"floats", "chainrule", "micrograd"} <= set(result[setting])
    assert result["gc_off_speedup_vs_micrograd"]["n"] == wl.Sizes.tiny().rounds


def test_torch_joins_the_checks_when_it_is_installed(tiny_run):
    pytest.importorskip("torch")
    _, report, _ = tiny_run
    assert "torch" in report["workloads"]["mlp-step"]["check"]["agree"]
    assert "torch" in report["workloads"]["wide-sum"]["check"]["agree"]


def test_wide_sum_gradients_agree_and_micrograd_recursion_is_recorded_not_fatal(tiny_run):
    _, report, _ = tiny_run
    result = report["workloads"]["wide-sum"]
    assert {"floats", "chainrule"} <= set(result["check"]["agree"])
    assert result["check"]["gradients"] == 2 * wl.Sizes.tiny().wide_terms
    assert result["implementations"]["chainrule"]["status"] == "ok"


def test_deep_chain_past_the_recursion_limit_runs_on_chainrule_and_fails_on_micrograd(tiny_run):
    _, report, _ = tiny_run
    result = report["workloads"]["deep-chain"]
    longest = str(max(wl.Sizes.tiny().chain_lengths))  # 2,000 links = 4,000 nodes, past the limit of 1,000
    assert result["by_length"][longest]["chainrule"]["status"] == "ok"
    assert result["by_length"][longest]["micrograd"]["status"].startswith("fails (RecursionError")
    assert result["by_length"][longest]["chainrule"]["backward_ns_per_op"]["median"] > 0


def test_the_tape_lower_bound_agrees_with_the_floor_on_every_timed_workload(tiny_run):
    _, report, _ = tiny_run
    workloads = report["workloads"]
    assert "tape" in workloads["mlp-step"]["check"]["agree"]
    assert "tape" in workloads["mlp-step"]["gc_off"]
    assert "tape" in workloads["wide-sum"]["check"]["agree"]
    for length in wl.Sizes.tiny().chain_lengths:  # value and gradient are checked against the floor
        assert workloads["deep-chain"]["by_length"][str(length)]["tape"]["status"] == "ok"


def test_memory_counts_nodes_of_the_loss_graph_for_chainrule_and_micrograd(tiny_run):
    _, report, _ = tiny_run
    implementations = report["workloads"]["memory"]["implementations"]
    samples = wl.Sizes.tiny().memory_samples
    # micrograd, per sample: 16 x (2 mul + 2 add + relu) + 16 x (16 mul + 16 add + relu) + (16 mul + 16 add)
    # + the hinge's 4 nodes (neg-y constant, mul, add-1 with its constant, relu)
    assert implementations["micrograd"]["nodes"] >= samples * (80 + 528 + 32)
    assert 0 < implementations["chainrule"]["nodes"] < implementations["micrograd"]["nodes"]
    assert implementations["chainrule"]["bytes_per_sample"] > 0


def test_the_markdown_names_every_workload_and_the_reproducing_command(tiny_run):
    _, _, markdown = tiny_run
    assert "`python -m benchmarks --quick" in markdown
    for name in wl.WORKLOADS:
        assert f"**{name}:" in markdown


def test_a_gradient_off_by_one_part_in_a_billion_fails_the_check():
    reference = (1.0, [0.5, -2.0, 0.0])
    _compare("mlp-step", "floats", reference, "same", (1.0, [0.5, -2.0, 0.0]))
    with pytest.raises(CheckError, match="gradient #1"):
        _compare("mlp-step", "floats", reference, "off", (1.0, [0.5, -2.0 * (1 + 1e-9), 0.0]))
    with pytest.raises(CheckError, match="result"):
        _compare("mlp-step", "floats", reference, "off", (1.0 + 1e-9, [0.5, -2.0, 0.0]))


def test_the_hand_written_floor_matches_finite_differences_of_its_own_loss():
    xs, ys = wl.moons(6)
    weights = wl.mlp_weights()
    step = FloatsMlpStep(weights, xs, ys, lr=0.0)
    loss, grads = step.step(report=True)

    def loss_at(flat):
        return FloatsMlpStep(flat, xs, ys, lr=0.0).step(report=True)[0]

    h = 1e-6
    for index in (0, 5, 40, len(weights) - 1):  # first layer, second layer, output bias
        up, down = list(weights), list(weights)
        up[index] += h
        down[index] -= h
        assert math.isclose(grads[index], (loss_at(up) - loss_at(down)) / (2 * h), rel_tol=1e-5, abs_tol=1e-8)
    assert loss > 0


def test_summarize_gives_median_range_and_quartiles():
    summary = summarize([3.0, 1.0, 2.0, 10.0, 4.0])
    assert summary == {"median": 3.0, "min": 1.0, "max": 10.0, "q1": 2.0, "q3": 4.0, "n": 5}


class _FakeWorker:
    """Answers the runner's commands with canned results and records what it was asked."""

    def __init__(self, result) -> None:
        self.result = result
        self.commands: list[str] = []

    def call(self, command, *args):
        self.commands.append(command)
        return {"setup": "ready", "check": self.result, "time": {"seconds": 0.002, "gc_seconds": 0.001}}[command]


def test_a_disagreeing_implementation_aborts_the_workload_before_any_timing():
    workers = {"floats": _FakeWorker((0.5, [1.0, 2.0])), "chainrule": _FakeWorker((0.5, [1.0, 2.000001]))}
    runner = Runner(wl.Sizes.tiny(), implementations=["floats", "chainrule"], workloads=["mlp-step"])
    result = runner._timed_workload(workers, "mlp-step", gc_off_too=True)
    assert result["status"].startswith("aborted: mlp-step: chainrule gradient #1")
    assert "time" not in workers["floats"].commands + workers["chainrule"].commands


def test_agreeing_implementations_are_timed_in_every_round_with_and_without_the_collector():
    workers = {"floats": _FakeWorker((0.5, [1.0, 2.0])), "chainrule": _FakeWorker((0.5, [1.0, 2.0]))}
    runner = Runner(wl.Sizes.tiny(), implementations=["floats", "chainrule"], workloads=["mlp-step"])
    result = runner._timed_workload(workers, "mlp-step", gc_off_too=True)
    assert result["status"] == "ok"
    assert workers["chainrule"].commands.count("time") == 2 * wl.Sizes.tiny().rounds
    assert result["gc_on"]["chainrule"]["ratio"]["median"] == 1.0
    assert result["gc_on"]["chainrule"]["gc_share"]["median"] == 0.5
