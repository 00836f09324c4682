"""The coding notebook in a real browser: JupyterLab headless, Chromium, a click, and the decision in the log."""

from __future__ import annotations

import papermill
import pytest

from pleval.coding.store import CodingLog

from browser import ARTIFACTS, chromium_page, jupyterlab, need_browser, open_notebook, run_all_cells
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


def test_a_click_in_the_coding_notebook_is_saved_and_shown(fresh_sample, tmp_path):
    need_browser()
    root = fresh_sample.root
    (root / "notebooks").mkdir()
    papermill.execute_notebook(REPO / "notebooks" / "coding.ipynb", root / "notebooks" / "coding.ipynb",
                               parameters={"project": str(root), "coder": "browser"}, prepare_only=True,
                               kernel_name="python3")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jupyterlab(root) as (base, token), chromium_page() as page:
        open_notebook(page, base, token, "notebooks/coding.ipynb")
        run_all_cells(page)
        try:
            page.wait_for_selector(".pleval-coder", timeout=90_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "coding-notebook-run.png"), full_page=True)
        button = page.locator("button.pleval-code-funding")
        assert not button.evaluate("b => b.classList.contains('mod-active')")
        button.click()
        page.wait_for_selector(".pleval-status:has-text('saved funding')", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "coding-widget.png"), full_page=True)
        assert button.evaluate("b => b.classList.contains('mod-active')")  # the widget shows it applied
        assert "coded 1 of" in page.locator(".pleval-coder").inner_text()
        events = CodingLog(root / "data" / "codings", "browser").replay().events
        assert [(e.action, e.code_id) for e in events] == [("apply", "funding")]
        shown_turn = page.locator(".pleval-turn").evaluate(
            "t => { const c = t.cloneNode(true); c.querySelectorAll('sup').forEach(s => s.remove());"
            " return c.textContent; }")  # without the sentence numbers
        assert " ".join(shown_turn.split()) == " ".join(events[0].text.split())  # the coded turn is the one shown
