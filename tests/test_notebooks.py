"""Every notebook of notebooks/ runs top to bottom with small parameters and shows its figures.

The notebooks are stored without outputs and each has one code cell tagged
``parameters``. The test inserts a cell right after it with the small sizes of
``SMALL`` (as papermill does), executes the notebook with nbclient on the
``python3`` kernel of the interpreter that runs the tests (ipykernel is a dev
dependency), and fails on any cell error, on a missing figure or when a
notebook takes a minute or more.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbclient  # the dev extra installs nbformat, nbclient and ipykernel: a missing one fails, never skips
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Small parameters CI runs each notebook with (appended after its parameters cell).
SMALL = {
    "01_quickstart": "REPLICATIONS = 2_000",
    "02_scenario_catalogue": "REPLICATIONS = 1_000",
    "03_sweep_analysis": """
REPLICATIONS = 600
PARAMETERS = {
    "actors.israel.strike_propensity": [0.0, 0.03, 0.06],
    "actors.oman.effectiveness": [0.4, 1.0],
}
GRID = {"actors.israel.strike_propensity": [0.0, 0.06], "actors.us.war_cost": [0.2, 0.4, 0.6]}
""",
    "04_one_episode": "SEED = 3",
    "05_compare_configurations": "REPLICATIONS = 2_000",
    "06_history": "REPLICATIONS = 2_000",
    "07_uncertainty": "REPLICATIONS = 6_000\nVECTORS = 20\nPER_VECTOR = 100",
    "08_dashboard": "REPLICATIONS = 2_000",
    "09_history_weighted": 'VECTORS = 4\nPER_VECTOR = 20\nCASES = ["jcpoa_2013_2015", "vienna_2021_2022", "oman_rome_2025"]',
    "10_policies": "VECTORS = 20\nPER_VECTOR = 20\nEMA_REPLICATIONS = 20",
}
TIME_LIMIT_S = 60


def parameters_cells(book) -> list[int]:
    return [i for i, cell in enumerate(book.cells) if "parameters" in cell.get("metadata", {}).get("tags", [])]


def test_there_is_a_notebook_for_each_topic_and_small_parameters_for_each_notebook():
    assert len(PATHS) >= 6
    assert {p.stem for p in PATHS} == set(SMALL)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_without_outputs_with_one_parameters_cell(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), "clear the outputs before committing"
    found = parameters_cells(book)
    assert len(found) == 1 and book.cells[found[0]].cell_type == "code"
    assert parameters_cells(book)[0] == min(i for i, c in enumerate(book.cells) if c.cell_type == "code")


def with_small_parameters(book, source: str):
    """The notebook with a cell of small parameters right after its parameters cell."""
    at = parameters_cells(book)[0]
    cell = nbformat.v4.new_code_cell(source.strip())
    cell.metadata["tags"] = ["injected-parameters"]
    cell["id"] = "injected-parameters"
    book.cells.insert(at + 1, cell)
    return book


def figure_cells(book) -> list:
    """Code cells that end with a call of a plot function (their figure is the cell's result)."""
    cells = []
    for cell in book.cells:
        lines = [line for line in cell.source.splitlines() if line.strip()] if cell.cell_type == "code" else []
        if lines and lines[-1].startswith("plots.") and not lines[-1].startswith("plots.summary_row"):
            cells.append(cell)
    return cells


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom_with_small_parameters_and_shows_its_figures(path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's platformdirs migration warning
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    book = with_small_parameters(nbformat.read(path, as_version=4), SMALL[path.stem])
    client = nbclient.NotebookClient(
        book,
        timeout=TIME_LIMIT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    elapsed = time.perf_counter() - start
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    shown = figure_cells(book)
    assert shown, "the notebook draws no figure"
    for cell in shown:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), f"no figure shown by: {cell.source}"
    assert elapsed < TIME_LIMIT_S, f"{path.name} took {elapsed:.0f} s"
