"""The sine demo: a tanh MLP fits sin on [-π, π] to within 0.05."""

import math

from demos import sine
from engine import no_grad


def test_quick_run_reduces_the_error_and_writes_the_plot(tmp_path):
    result = sine.main(["--quick", "--out", str(tmp_path)])
    assert result["steps"] == sine.QUICK_STEPS == len(result["losses"])
    assert result["losses"][-1] < result["losses"][0] / 10
    assert result["max_error"] < 0.5  # sin spans [-1, 1]: a flat line would be off by 1
    assert result["files"] == [tmp_path / "sine.png"]
    assert (tmp_path / "sine.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_full_training_fits_sin_within_0_05_everywhere_on_the_interval():
    model, _ = sine.train(sine.STEPS, quiet=True)
    xs = [-math.pi + 2 * math.pi * i / 999 for i in range(1000)]  # a finer grid than the demo's own
    with no_grad():
        error = max(abs(model([x / math.pi]).data - math.sin(x)) for x in xs)
    assert error < 0.05
