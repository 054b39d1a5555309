"""The by_hand demo: the articles' hand-derived gradients beside the engine's, equal to 1e-12."""

import math
import subprocess
import sys
from pathlib import Path

from demos import by_hand

ROOT = Path(__file__).resolve().parents[2]


def test_full_run_agrees_with_the_hand_formulas_to_1e_12_on_every_parameter():
    result = by_hand.main([])
    # seed 004: 9 weights + 2 biases; seed 002 (3-4-2): 12 + 8 weights, 4 + 2 biases
    assert len(result["rows"]) == 11 + 26
    assert result["max_difference"] <= 1e-12
    assert result["passed"] is True
    assert all(math.isfinite(hand) and hand != 0.0 for _, _, hand, _ in result["rows"])


def test_seed_004_table_uses_the_articles_names_with_one_bias_per_layer():
    names = [name for table, name, _, _ in by_hand.main([])["rows"] if table.startswith("seed 004")]
    assert names == ["w11", "w12", "w13", "w21", "w22", "w23", "w31", "w41", "w51", "b1", "b2"]


def test_a_wrong_hand_formula_is_reported_as_a_failure(monkeypatch):
    # A sigmoid off by 1e-6 breaks every hand-derived gradient but not the engine's.
    monkeypatch.setattr(by_hand, "_sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z)) + 1e-6)
    result = by_hand.main([])
    assert result["max_difference"] > 1e-12
    assert result["passed"] is False


def test_the_command_prints_the_table_and_exits_zero():
    completed = subprocess.run(
        [sys.executable, "-m", "demos.by_hand"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "w51" in completed.stdout and "θ_k2" in completed.stdout
    assert "max |hand - engine| = " in completed.stdout
    assert completed.stdout.rstrip().endswith("PASS")
