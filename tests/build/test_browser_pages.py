"""The reviewer's pages in a real browser: nothing runs, nothing is fetched, the content is there."""

from __future__ import annotations

import pytest

from pleval.build.batch import build

from browser import ARTIFACTS, chromium_page, need_browser

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


def test_index_and_a_page_open_clean_in_chromium(small_build_project):
    need_browser()
    build(small_build_project, ["alpha", "broken"], progress=False)
    html = small_build_project.root / "outputs" / "html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((html / "index.html").as_uri())
        page.screenshot(path=str(ARTIFACTS / "build-index.png"), full_page=True)
        assert page.locator("tr#alpha .status-built").count() == 1
        assert page.locator("tr#broken .status-failed").count() == 1
        page.click("text=Alpha brief")
        page.wait_for_load_state("load")
        assert page.url.endswith("alpha.html")
        page.screenshot(path=str(ARTIFACTS / "build-page.png"), full_page=True)
        text = page.locator("main").inner_text()
        assert "Findings for alpha" in text and "A quote:" in text
        assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0  # no code cells
        assert page.locator("#pleval-toc a").count() == 2
        page.wait_for_timeout(300)
        local = {(html / "index.html").as_uri(), (html / "alpha.html").as_uri()}
        assert set(page.requests) <= local  # nothing fetched beyond the files themselves
        assert page.console_errors == [] and dialogs == []  # the <script> and onerror never ran
