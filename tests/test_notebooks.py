"""Every notebook under notebooks/ is stored without outputs or logic of its own, runs clean
(nbclient) on the demo corpus's graph, and shows what it tells: a chart or a graph."""

from __future__ import annotations

import contextlib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kg import graph

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The graph of corpus/, built as `make demo` builds it (from the checkout's root)."""
    from kg.pipeline import build

    store = tmp_path_factory.mktemp("demo") / "store"
    with contextlib.chdir(ROOT):
        build(["corpus"], store=store)
    graph.close_store(store)
    return store


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, f"notebooks in {NOTEBOOK_DIR}: {[p.name for p in NOTEBOOKS]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_without_outputs_and_without_logic(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
            # notebooks import from kg: no functions or classes of their own
            assert not any(
                line.lstrip().startswith(("def ", "class ", "lambda"))
                for line in cell.source.splitlines()
            ), cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_runs_clean_and_shows_a_picture(path, demo_store, monkeypatch):
    monkeypatch.setenv("KG_STORE", str(demo_store))
    monkeypatch.setenv("KG_DEMO_STORE", str(demo_store))  # for notebooks that build the graph
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    charts = [d for d in data if "image/png" in d]
    graphs = [d for d in data if "<iframe srcdoc=" in d.get("text/html", "")]
    assert charts or graphs, f"{path.name} shows no chart and no graph"
