"""Checks shared by the multiclass demos' tests (test_digits, test_yinyang): a ``--quick`` run's split, gradients,
reloaded model and pictures, and what the command line prints."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
QUICK_SPLIT = (180, 60, 60)  # a --quick run's 300 examples: 60 % training, 20 % validation, 20 % test


def quick_run(demo: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """``demo.main(["--quick", "--out", DIR])`` into a new folder: (the folder, what main returned)."""
    out = tmp_path_factory.mktemp(demo.DEMO.name)
    return out, demo.main(["--quick", "--out", str(out)])


def check_quick_split(result: dict[str, Any], n_examples: int) -> None:
    """The split is 180 / 60 / 60, disjoint, and together all ``n_examples`` indices."""
    train, val, test = result["splits"]
    assert (len(train), len(val), len(test)) == QUICK_SPLIT
    assert sorted(train + val + test) == list(range(n_examples))


def check_gradients_on_training_only(result: dict[str, Any]) -> None:
    """Gradients were computed on every training example and on no validation or test example."""
    train, val, test = result["splits"]
    assert result["run"].seen == set(train)
    assert not result["run"].seen & (set(val) | set(test))


def check_reloaded_model(out: Path, result: dict[str, Any], demo: ModuleType) -> None:
    """The model read back from ``NAME_model.json`` predicts the 60 test examples exactly as the trained one, and
    the file holds the demo's layer widths."""
    assert result["reloaded_predictions"] == result["predictions"]
    assert len(result["predictions"]) == QUICK_SPLIT[2]
    saved = json.loads((out / f"{demo.DEMO.name}_model.json").read_text())
    assert saved["config"]["nouts"] == demo.WIDTHS


def check_learned_and_drew(out: Path, result: dict[str, Any], demo: ModuleType, pictures: list[str]) -> None:
    """One loss a quick epoch; the training loss starts near chance (log of the class count) and falls; every
    picture named is a PNG file in ``out``."""
    run = result["run"]
    assert len(run.train_losses) == len(run.val_losses) == demo.QUICK_EPOCHS
    assert run.train_losses[-1] < run.train_losses[0] < math.log(len(demo.DEMO.class_names)) + 0.5
    for name in pictures:
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def run_command_line(arguments: list[str], out: Path) -> str:
    """``python -m ARGUMENTS --out OUT`` from the project's root: its standard output, after checking it exited 0."""
    completed = subprocess.run(
        [sys.executable, "-m", *arguments, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def check_printed(stdout: str, first_line: str, how: str) -> None:
    """The output starts with the split line ``first_line``, says ``HOW training took`` (``eager``, ``compiled
    (python)``) and reports the test accuracy of the reloaded model."""
    lines = stdout.splitlines()
    assert lines[0] == first_line
    assert f"{how} training took" in stdout
    assert any(line.startswith("test accuracy ") and "from the model reloaded from" in line for line in lines)
