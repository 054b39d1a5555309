"""The backprop demo: explorer page, explain text beside seed 004's hand formulas, and a PNG strip of steps."""

import re
import shutil

import pytest

from demos import backprop


@pytest.fixture(autouse=True)
def _needs_dot_and_matplotlib():
    pytest.importorskip("matplotlib", reason="the demo draws with matplotlib: pip install 'chainrule[demos]'")
    if shutil.which("dot") is None:
        pytest.skip("the PNG strip needs the Graphviz dot program (apt-get install graphviz)")


def test_quick_run_writes_the_page_the_text_and_the_strip(tmp_path, capsys):
    result = backprop.main(["--quick", "--out", str(tmp_path)])
    page, text, strip = result["paths"]
    assert [page, text, strip] == [
        tmp_path / "backprop.html",
        tmp_path / "backprop_explain.txt",
        tmp_path / "backprop_steps.png",
    ]
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "http://" not in html.split("<svg")[0] and "<script src" not in html  # self-contained
    assert strip.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    printed = capsys.readouterr().out.splitlines()
    assert printed[:3] == [f"wrote {page}", f"wrote {text}", f"wrote {strip}"]
    assert printed[-1].startswith("hand formulas agree with the paths to 1e-12: PASS")
    assert result["passed"] and result["max_difference"] <= 1e-12


def test_the_text_puts_each_hand_formula_beside_the_engines_paths(tmp_path):
    result = backprop.main(["--quick", "--out", str(tmp_path)])
    text = result["paths"][1].read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    assert len(blocks) == len(backprop.QUICK_PARAMETERS)
    for name, block in zip(backprop.QUICK_PARAMETERS, blocks):
        hand = float(re.match(rf"seed 004, by hand: ∂L/∂{name} = .* = (\S+)\n", block).group(1))
        engine_value = float(re.search(r"\(engine\.grad: (\S+)\)", block).group(1))
        assert abs(hand - engine_value) <= 1e-12
    # w11 reaches L through a21's two logs: two paths; b1 feeds three neurons: six
    assert "sum over the 2 paths from w11 to L" in blocks[0]
    assert "sum over the 6 paths from b1 to L" in blocks[2]


def test_a_wrong_hand_formula_fails_the_run(tmp_path, monkeypatch):
    real = backprop.hand_formula
    monkeypatch.setattr(backprop, "hand_formula", lambda name, p, n: (real(name, p, n)[0], real(name, p, n)[1] + 1e-9))
    assert backprop.main(["--quick", "--out", str(tmp_path)])["passed"] is False
