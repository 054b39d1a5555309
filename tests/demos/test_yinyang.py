"""The yin-yang demo: 3 classes generated in code, the digits demo's split / early stopping / reload discipline."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from demos import yinyang

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("yinyang")
    return out, yinyang.main(["--quick", "--out", str(out)])


def test_quick_run_splits_300_points_into_disjoint_180_60_60(quick):
    _, result = quick
    train, val, test = result["splits"]
    assert (len(train), len(val), len(test)) == (180, 60, 60)
    assert sorted(train + val + test) == list(range(yinyang.QUICK_POINTS))


def test_quick_run_computes_gradients_on_training_points_only(quick):
    _, result = quick
    train, val, test = result["splits"]
    assert result["run"].seen == set(train)


def test_quick_run_reloaded_model_predicts_exactly_as_the_trained_one(quick):
    _, result = quick
    assert result["reloaded_predictions"] == result["predictions"]
    assert len(result["predictions"]) == 60


def test_quick_run_learns_and_writes_the_pictures(quick):
    out, result = quick
    run = result["run"]
    assert len(run.train_losses) == len(run.val_losses) == yinyang.QUICK_EPOCHS
    assert run.train_losses[-1] < run.train_losses[0] < math.log(3) + 0.5  # starts near chance: log 3
    for name in ("yinyang_regions.png", "yinyang_losses.png", "yinyang_confusion.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert (out / "yinyang_model.json").exists()


def test_command_line_with_compile_python_prints_the_split_and_the_reloaded_test_accuracy(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "demos.yinyang", "--quick", "--compile", "python", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "300 points: 180 training, 60 validation, 60 test"
    assert "compiled (python) training took" in completed.stdout
    assert any(line.startswith("test accuracy ") and "from the model reloaded from" in line for line in lines)


def test_eager_and_compile_are_alternatives_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        yinyang.main(["--quick", "--eager", "--compile", "numpy", "--out", str(tmp_path)])
    assert "not allowed with argument" in capsys.readouterr().err
