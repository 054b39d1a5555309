"""The perceptron demo: AND and OR learned by one perceptron, XOR capped at 75 %, an MLP solves XOR."""

from demos import perceptron

AND = [0, 0, 0, 1]
OR = [0, 1, 1, 1]
XOR = [0, 1, 1, 0]


def test_quick_run_reports_and_or_learned_xor_capped_at_75_percent_and_solved_by_an_mlp(tmp_path):
    result = perceptron.main(["--quick", "--out", str(tmp_path)])
    assert result["AND"]["converged"] and result["AND"]["outputs"] == AND and result["AND"]["accuracy"] == 1.0
    assert result["OR"]["converged"] and result["OR"]["outputs"] == OR and result["OR"]["accuracy"] == 1.0
    assert result["XOR"]["converged"] is False
    assert result["XOR"]["best_accuracy"] == 0.75
    assert result["xor_best_line_accuracy"] == 0.75
    assert result["mlp_outputs"] == XOR
    assert result["mlp_accuracy"] == 1.0
    assert (tmp_path / "xor.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_line_on_the_grid_beats_75_percent_on_xor_but_one_gets_and_right():
    assert perceptron.best_line_accuracy(XOR)[0] == 0.75
    accuracy, (w1, w2, b) = perceptron.best_line_accuracy(AND)
    assert accuracy == 1.0
    assert [int(w1 * x1 + w2 * x2 + b >= 0) for x1, x2 in perceptron.INPUTS] == AND
