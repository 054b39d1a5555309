"""docs/tutorial.ipynb runs top to bottom without an error, and is stored with its outputs (so it reads on a
code host without running). To refresh the stored outputs after editing the notebook::

    python tests/test_tutorial_notebook.py
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
TIMEOUT = 600  # seconds per cell: training the moons MLP is the longest (a few seconds)


def execute(path: Path):
    """The notebook at ``path`` executed in a fresh kernel; raises on the first failing cell. The kernel starts in
    the root of this checkout, so that it imports this checkout's engine and nn."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(ROOT)}}
    client = NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3", resources=resources)
    client.execute()
    return notebook


def test_the_tutorial_is_stored_with_the_output_of_every_code_cell():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, "the tutorial has no code"
    unrun = [index for index, cell in enumerate(code) if cell.get("execution_count") is None]
    assert unrun == [], f"code cells stored without running: {unrun} (run python tests/test_tutorial_notebook.py)"
    assert all(cell["outputs"] for cell in code), "every code cell of the tutorial shows something"


def test_the_tutorial_runs_top_to_bottom():
    pytest.importorskip("nbclient", reason="executing the notebook needs nbclient: pip install 'chainrule[notebook]'")
    pytest.importorskip("ipykernel", reason="executing the notebook needs ipykernel: pip install 'chainrule[notebook]'")
    pytest.importorskip("matplotlib", reason="the tutorial plots with matplotlib: pip install 'chainrule[demos]'")
    pytest.importorskip("hypothesis", reason="the tutorial's property test needs Hypothesis")
    notebook = execute(NOTEBOOK)
    text = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "both properties hold" in text
    assert "step  99" in text and "accuracy 100%" in text  # micrograd's demo reaches 100 % within 100 steps
    assert "disagrees with central differences" in text  # the broken function is caught


if __name__ == "__main__":
    import nbformat

    nbformat.write(execute(NOTEBOOK), NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} with its outputs")
    sys.exit(0)
