"""Every notebook in notebooks/ runs top to bottom and saves its widgets' state."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted(Path("notebooks").rglob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p) for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"{path}: {output.get('evalue')}"
    # The widgets' state is saved with the notebook, so the drawings survive without a kernel.
    states = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    # A NetworkView and a RecurrentView keep their structure in "topology" (columns;
    # bands over time steps), a FeatureMapView in "structure", a Playground its "frame".
    ours = [
        s["state"] for s in states.values() if {"topology", "structure", "frame"} & set(s["state"])
    ]
    assert ours, f"{path} saved no dlwidgets widget state"
    views = [s.get("topology") or s.get("structure") for s in ours if "frame" not in s]
    assert all(view.get("columns") or view.get("bands") for view in views)
