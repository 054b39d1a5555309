"""The demos' command lines: --help shows the command a user types, options are offered only where they mean
something, and ``chainrule-demo NAME`` (``python -m demos NAME``) runs a demo from any directory."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demos.__main__ import main as chainrule_demo
from demos.__main__ import names

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_OPTIONS = {"by_hand", "derivatives"}  # they print tables: nothing to shorten, nothing written


def test_every_demo_module_is_listed():
    assert {"moons", "by_hand", "derivatives", "graph", "perceptron", "sine", "multiply"} <= set(names())


@pytest.mark.parametrize("name", names())
def test_help_shows_the_command_a_user_types(name, capsys):
    module = importlib.import_module(f"demos.{name}")
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: python -m demos.{name} ")
    assert f"chainrule-demo {name}" in text
    offered = {"--quick" in text, "--out" in text}
    assert offered == ({False} if name in WITHOUT_OPTIONS else {True})


@pytest.mark.parametrize("name", sorted(WITHOUT_OPTIONS))
def test_a_demo_without_options_refuses_quick_and_out(name, capsys):
    module = importlib.import_module(f"demos.{name}")
    for option in (["--quick"], ["--out", "elsewhere"]):
        with pytest.raises(SystemExit):
            module.main(option)
        assert "unrecognized arguments" in capsys.readouterr().err


def test_chainrule_demo_without_a_name_lists_the_demos(capsys):
    assert chainrule_demo([]) == 0
    assert "moons" in capsys.readouterr().out


def test_chainrule_demo_names_the_demos_when_the_name_is_unknown(capsys):
    assert chainrule_demo(["moon"]) == 2
    assert "no demo named 'moon'; the demos are: " in capsys.readouterr().err


def test_python_m_demos_runs_a_demo_from_another_directory(tmp_path):
    pytest.importorskip("matplotlib")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "demos", "derivatives"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "chain rule" in result.stdout


def test_chainrule_demo_passes_on_the_exit_status_of_the_demo(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "demos", "by_hand", "--quick"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and "unrecognized arguments: --quick" in result.stderr
