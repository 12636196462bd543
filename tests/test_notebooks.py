"""Every notebook runs top to bottom; stored notebooks carry no outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_is_a_start_notebook():
    assert any(path.name.startswith("00-start-here") for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    # Run in a scratch folder: notebooks write files (saved sessions, segment sidecars).
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    if path.name.startswith("00-start-here"):
        # The tour's explorer saved its segment next to the notebook, as it tells the reader.
        (sidecar,) = tmp_path.glob("example-dyad-*.segments.tsv")
        assert "shared laughter" in sidecar.read_text()
        widget_outputs = [
            output
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        ]
        assert widget_outputs, "the explorer should display as a widget"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_teaches_with_goals_exercises_and_hidden_solutions(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert any("Learning goals" in text for text in markdown), "no 'Learning goals' section"
    exercises = [text for text in markdown if text.lstrip().startswith("**Exercise")]
    solutions = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", [])
    ]
    assert len(exercises) >= 2, "fewer than 2 exercises"
    assert len(solutions) >= len(exercises), "an exercise without a solution cell"
    for cell in solutions:
        # Hidden in JupyterLab until the instructor reveals it; executed by the tests.
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert cell.source.startswith("# Solution"), cell.source[:40]
