"""The brief notebook runs under papermill and shows the brief; the HTML brief is inert in a real browser."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from pleval.briefs.render import build_briefs
from pleval.project import Project

pytestmark = pytest.mark.notebook

REPO = Path(__file__).parents[2]
NOTEBOOK = REPO / "notebooks" / "brief.ipynb"
BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


def test_notebook_is_committed_clean_with_exactly_the_batch_parameters():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assigned = [line.split("=")[0].strip() for line in code[0].source.splitlines() if "=" in line]
    assert assigned == ["project", "brief_id", "output_dir"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert not any(line.lstrip().startswith(("def ", "class ")) for c in code for line in c.source.splitlines())


def test_notebook_runs_under_papermill_and_writes_the_brief(tmp_path):
    import papermill

    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", cwd=str(NOTEBOOK.parent), progress_bar=False,
        parameters={"project": str(tmp_path / "project"), "brief_id": "all-themes",
                    "output_dir": str(tmp_path / "briefs")})
    for suffix in (".json", ".md", ".html"):
        assert (tmp_path / "briefs" / f"all-themes{suffix}").exists()
    executed = nbformat.read(out, as_version=4)
    shown = "\n".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells for o in c.get("outputs", []))
    assert "## Paying for the Work (provisional)" in shown and "## Questions to Consider" in shown
    assert "About this brief" in shown and "Rosalind" not in shown and "Hilltop" not in shown
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # who voiced each theme; the survey figures


@pytest.mark.browser
def test_html_brief_is_inert_in_a_real_browser(tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from browser import chromium_page, need_browser

    need_browser()
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    project = Project.open(tmp_path / "project")
    assert not build_briefs(project, ["explore"]).failed
    page_file = project.outputs / "briefs" / "explore.html"
    with chromium_page() as page:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_timeout(300)
        text = page.inner_text("section.theme")
        assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
        assert not dialogs and not page.console_errors
        assert all(url.startswith(("file:", "data:")) for url in page.requests)
        assert page.locator("figure img").count() == 2
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")

