"""The distribution as a user gets it: the wheel carries the packages, their ``py.typed`` markers, the LICENSE and
the ``chainrule-demo`` console script; the sdist carries the tests and the docs too. Built from a copy of this
checkout (setuptools writes build folders where it builds)."""

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "site",
    "*.egg-info",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    ".cache",
    "out",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("setuptools", reason="building the distribution needs setuptools")
    source = tmp_path_factory.mktemp("source") / "chainrule"
    shutil.copytree(ROOT, source, ignore=IGNORED, symlinks=True)
    dist = tmp_path_factory.mktemp("dist")
    names = []
    for hook in ("build_wheel", "build_sdist"):  # one process each: setuptools keeps state between the two
        script = f"import sys; from setuptools import build_meta; print('BUILT', build_meta.{hook}(sys.argv[1]))"
        result = subprocess.run(
            [sys.executable, "-c", script, str(dist)],
            cwd=source,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        names.append([line for line in result.stdout.splitlines() if line.startswith("BUILT ")][-1].split()[1])
    wheel_name, sdist_name = names
    return dist / wheel_name, dist / sdist_name


def test_the_wheel_carries_the_packages_their_type_markers_and_the_license(built):
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"engine/__init__.py", "nn/__init__.py", "demos/moons.py", "demos/__main__.py"} <= names
    assert {"engine/py.typed", "nn/py.typed"} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


def test_the_wheel_metadata_has_the_console_script_classifiers_and_bounded_requirements(built):
    wheel, _ = built
    archive = zipfile.ZipFile(wheel)
    info = next(name.rsplit("/", 1)[0] for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
    metadata = archive.read(f"{info}/METADATA").decode()
    assert "chainrule-demo = demos.__main__:main" in archive.read(f"{info}/entry_points.txt").decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Typing :: Typed" in metadata
    assert "Keywords: " in metadata and "Project-URL: " in metadata
    requirements = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    unbounded = [r for r in requirements if not any(op in r for op in ("<", "==")) and not r.startswith("chainrule")]
    assert requirements and unbounded == []


def test_the_sdist_carries_the_tests_the_docs_and_the_license(built):
    _, sdist = built
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml", "mkdocs.yml", "docs/tutorial.ipynb", "tests/conftest.py"} <= names
    assert {"engine/py.typed", "nn/py.typed", "demos/__main__.py"} <= names
