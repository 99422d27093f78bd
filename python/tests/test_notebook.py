"""The example notebook (examples/leakhound.ipynb) run headless, as a reader would run it: every
cell must run without an error, the report and the comparison display as HTML, and the HTML
names the leaks."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "leakhound.ipynb"


def test_the_example_notebook_runs_and_shows_the_leaks():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("sklearn")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError on any error in a cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any('class="leakhound-report"' in h and "expenditure" in h for h in html), "the report's view"
    assert any('class="leakhound-comparison"' in h for h in html), "the comparison's view"
    json_views = [o["data"]["application/json"] for o in outputs if "application/json" in o.get("data", {})]
    assert any("verdict" in j for j in json_views)
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "refused: " in text and "expenditure" in text.split("refused: ")[1].splitlines()[0]
    assert "version 2 passes" in text
