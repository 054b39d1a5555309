"""micrograd's own ``test/test_engine.py`` run against chainrule, its text unchanged but for the import line.

The file is read from micrograd's published source distribution (``micrograd==0.1.0`` on PyPI, MIT licensed), not
copied into this repository: ``.ci/run`` downloads it into ``.cache/``, or set ``CHAINRULE_MICROGRAD_SDIST`` to the
path of ``micrograd-0.1.0.tar.gz``. Without it the tests skip, saying so.
"""

import os
import tarfile
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
SDIST = Path(os.environ.get("CHAINRULE_MICROGRAD_SDIST", ROOT / ".cache" / "micrograd-0.1.0.tar.gz"))
MICROGRAD_IMPORT = "from micrograd.engine import Value"


def _micrograd_tests() -> dict:
    if not SDIST.is_file():
        pytest.skip(
            f"micrograd's source distribution is not at {SDIST}: `pip download --no-deps --no-binary :all: "
            f"micrograd==0.1.0 -d .cache` (as .ci/run does)"
        )
    with tarfile.open(SDIST) as archive:
        source = archive.extractfile("micrograd-0.1.0/test/test_engine.py").read().decode()
    assert source.count(MICROGRAD_IMPORT) == 1  # the one line we change
    namespace: dict = {}
    exec(
        compile(source.replace(MICROGRAD_IMPORT, "from engine import Value"), "micrograd/test/test_engine.py", "exec"),
        namespace,
    )
    return {name: test for name, test in namespace.items() if name.startswith("test_")}


def test_micrograd_has_the_tests_we_run():
    assert {"test_sanity_check", "test_more_ops"} <= set(_micrograd_tests())


@pytest.mark.parametrize("name", ["test_sanity_check", "test_more_ops"])
def test_micrograds_own_test_passes_on_chainrule(name):
    _micrograd_tests()[name]()
