"""The example notebooks run from top to bottom on a small scenario and show what they promise;
they are stored without outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL = "jaffle-sim-tests"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernel spec that starts this very interpreter, found first on JUPYTER_PATH, so the
    notebooks run against the jaffle-sim under test whatever other kernels are installed."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(str(root / "kernels" / KERNEL))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        yield KERNEL


def execute(name: str, kernel: str, cwd: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook, kernel_name=kernel, timeout=120, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()  # raises CellExecutionError when a cell fails
    return notebook


def text_of(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def has_image(notebook: nbformat.NotebookNode) -> bool:
    return any(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("name", ["explore_event_log.ipynb", "tune_behaviour.ipynb"])
def test_notebooks_are_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_explore_event_log(kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAFFLE_SIM_OUT", raising=False)  # the notebook makes its own small run
    notebook = execute("explore_event_log.ipynb", kernel, tmp_path)
    text = "\n".join(text_of(cell) for cell in notebook.cells)
    expected_text = ("sign-up", "payment", "status placed", "first touch", "orders per session")
    for expected in (*expected_text, "customers"):
        assert expected in text
    assert has_image(notebook)


@pytest.mark.slow
def test_tune_behaviour(kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAFFLE_SIM_DAYS", "14")
    notebook = execute("tune_behaviour.ipynb", kernel, tmp_path)
    comparison = next(c for c in notebook.cells if "comparison.round" in c.source)
    text = text_of(comparison)
    assert "journey.order_timing.same_day_share" in text
    assert "off" not in text and text.count("ok") >= 5
    toml = next(c for c in notebook.cells if "tomli_w.dumps" in c.source)
    assert "same_day_share = 0.4" in text_of(toml)
    assert has_image(notebook)
