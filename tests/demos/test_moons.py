"""The moons demo: micrograd's classic, 100 points, MLP(2, [16, 16, 1]), hinge + L2, SGD 1.0 -> 0.1."""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from demos import moons
from engine import no_grad
from nn import MLP

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_command_line_quick_run_learns_writes_both_pictures_and_names_the_folder(tmp_path):
    # The README's command, as a user runs it (with --quick and a private output folder).
    completed = subprocess.run(
        [sys.executable, "-m", "demos.moons", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.rstrip().splitlines()
    assert lines[-1] == f"wrote decision_boundary.png, loss_curve.png to {tmp_path}"
    final = re.search(r"final training accuracy ([0-9.]+)%", completed.stdout)
    assert final is not None, completed.stdout
    assert float(final.group(1)) >= 85.0  # 20 steps already get most points right (50 % is chance)
    losses = [float(v) for v in re.findall(r"loss ([0-9.]+)", completed.stdout)]
    assert len(losses) >= 2 and losses[-1] < 0.5 * losses[0]
    for name in ("decision_boundary.png", "loss_curve.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_MAGIC


def test_main_returns_what_it_printed_for_a_quick_run(tmp_path, capsys):
    result = moons.main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert result["steps"] == moons.QUICK_STEPS == len(result["losses"]) == len(result["accuracies"])
    assert f"final training accuracy {result['accuracy']:.1%}" in out
    assert result["files"] == [tmp_path / "decision_boundary.png", tmp_path / "loss_curve.png"]


def test_full_training_reaches_100_percent_within_100_steps_from_the_fixed_seed():
    model = MLP(2, moons.WIDTHS, seed=moons.SEED)
    points = moons.make_moons()
    _, accuracies = moons.train(model, points, moons.STEPS, quiet=True)
    assert moons.STEPS == 100
    assert max(accuracies) == 1.0
    with no_grad():
        correct = sum((model(x).data > 0) == (y > 0) for x, y in points)
    assert correct == 100


def test_moons_are_two_balanced_half_circles_when_noise_is_zero():
    points = moons.make_moons(100, noise=0.0)
    upper = [x for x, y in points if y == -1]
    lower = [x for x, y in points if y == 1]
    assert len(upper) == len(lower) == 50
    for x1, x2 in upper:  # (cos t, sin t): the unit circle's upper half
        assert math.isclose(math.hypot(x1, x2), 1.0) and x2 >= -1e-12
    for x1, x2 in lower:  # (1 - cos t, 0.5 - sin t): centred on (1, 0.5), lower half
        assert math.isclose(math.hypot(x1 - 1.0, x2 - 0.5), 1.0) and x2 <= 0.5 + 1e-12


def test_moons_are_reproducible_from_the_seed_and_noisy():
    assert moons.make_moons() == moons.make_moons()
    assert moons.make_moons(seed=1) != moons.make_moons(seed=2)
    clean, noisy = moons.make_moons(noise=0.0), moons.make_moons()
    offsets = [math.dist(a, b) for (a, _), (b, _) in zip(clean, noisy)]
    assert 0.05 < sum(offsets) / len(offsets) < 0.2  # mean offset of 2D noise with sigma 0.1 is about 0.125


def test_learning_rate_decays_from_1_to_0_109_like_micrograd():
    assert moons.learning_rate(0) == 1.0
    assert math.isclose(moons.learning_rate(50), 0.55)
    assert math.isclose(moons.learning_rate(99), 0.109)


def test_accuracy_counts_scores_with_the_labels_sign():
    assert moons.accuracy([1, -1, 1, -1], [0.3, -2.0, -0.1, 0.5]) == 0.5


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compiled_training_prints_the_eager_losses_and_both_times(backend, tmp_path, capsys):
    if backend == "numpy":
        pytest.importorskip("numpy")
    eager = moons.main(["--quick", "--out", str(tmp_path)])
    eager_out = capsys.readouterr().out
    compiled = moons.main(["--quick", "--out", str(tmp_path), "--compile", backend])
    compiled_out = capsys.readouterr().out
    assert [f"{v:.4f}" for v in compiled["losses"]] == [f"{v:.4f}" for v in eager["losses"]]
    assert compiled["accuracies"] == eager["accuracies"]
    assert re.findall(r"step +\d+ +loss [0-9.]+ .*", compiled_out) == re.findall(
        r"step +\d+ +loss [0-9.]+ .*", eager_out
    )
    timing = re.search(rf"compiled \({backend}\) training took ([0-9.]+) s, eager ([0-9.]+) s", compiled_out)
    assert timing is not None, compiled_out
    assert "losses equal to 4 decimals at every step" in compiled_out
    assert compiled["eager_time"] == pytest.approx(float(timing.group(2)), abs=0.01)
