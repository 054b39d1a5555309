"""What the demos share: the command line and the clear message when matplotlib is missing."""

import sys
from pathlib import Path

import pytest

from demos import _common


def test_out_defaults_to_demos_out_and_quick_to_off():
    args = _common.parse_args("a demo", [])
    assert args.out == Path("demos") / "out"
    assert args.quick is False
    assert _common.parse_args("a demo", ["--quick", "--out", "elsewhere"]).out == Path("elsewhere")


def test_unknown_options_are_refused_with_a_usage_message(capsys):
    with pytest.raises(SystemExit):
        _common.parse_args("a demo", ["--fast"])
    assert "unrecognized arguments: --fast" in capsys.readouterr().err


def test_missing_matplotlib_fails_before_the_work_and_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[demos\]'"):
        _common.parse_args("a demo", ["--quick"], needs_matplotlib=True)


def test_progress_is_plain_iteration_when_quiet():
    items = [1, 2, 3]
    assert _common.progress(items, quiet=True) is items


def test_parse_args_does_not_need_matplotlib_unless_asked(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    args = _common.parse_args("a demo", ["--out", "elsewhere"])
    assert args.out == Path("elsewhere")
