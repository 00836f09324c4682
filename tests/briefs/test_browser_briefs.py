"""End to end: the real notebooks built by ``pleval build`` on the sample project, read in Chromium.

A participant's words carrying ``<script>`` and an ``<img onerror>`` are quoted in a brief: they must show as
text and never run. Every quote and survey figure of the brief's model must be on the page.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from pleval.build.batch import build

from browser import ARTIFACTS, chromium_page, need_browser
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

ATTACK = "<script>alert('quote')</script><img src=x onerror=alert('img')>"
BRIEF = "barriers"


def plant_attack(project) -> str:
    """Put the attack inside the words of a turn the barriers brief quotes; return the words before it."""
    first = build(project, [BRIEF], progress=False)  # to learn which turn is quoted
    assert first.results[0].status == "built"
    brief = json.loads((project.root / "outputs" / "briefs" / f"{BRIEF}.json").read_text())
    quotes = [e["text"] for theme in brief["themes"] for e in theme["examples"]]
    files = [p for p in project.transcripts_dir.iterdir() if p.suffix in (".txt", ".md")]
    for quote in quotes:
        anchor = " ".join(quote.split()[:5])
        for path in files:
            text = path.read_text(encoding="utf-8")
            if anchor in text and "[" not in anchor:
                path.write_text(text.replace(anchor, f"{anchor} {ATTACK}", 1), encoding="utf-8")
                return anchor
    raise AssertionError("no quoted turn found in a .txt or .md transcript")


def test_briefs_built_from_the_real_notebooks_read_clean_in_chromium(fresh_sample):
    need_browser()
    (fresh_sample.root / "notebooks").mkdir()
    for name in ("brief.ipynb", "overview.ipynb"):
        (fresh_sample.root / "notebooks" / name).write_bytes((REPO / "notebooks" / name).read_bytes())
    plant_attack(fresh_sample)
    report = build(fresh_sample, progress=False)
    assert {r.status for r in report.results} == {"built"}, [r.error for r in report.results if r.error]
    html = fresh_sample.root / "outputs" / "html"
    brief = json.loads((fresh_sample.root / "outputs" / "briefs" / f"{BRIEF}.json").read_text())
    executed = nbformat.read(fresh_sample.root / "outputs" / "notebooks" / f"{BRIEF}.ipynb", as_version=4)
    assert all(not c.get("outputs") or c.cell_type != "code" or all(o.get("output_type") != "error"
               for o in c["outputs"]) for c in executed.cells)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((html / "index.html").as_uri())
        page.screenshot(path=str(ARTIFACTS / "briefs-index.png"), full_page=True)
        # the reviewers' index lists the briefs; the overview is the team's own page, listed apart
        assert page.locator(".status-built").count() == len(report.results) - 1
        assert page.locator("a[href='overview.html']").count() == 0
        page.goto((html / f"{BRIEF}.html").as_uri())
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "brief-barriers.png"), full_page=True)
        text = " ".join(page.locator("main").inner_text().split())
        assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0  # no code
        for theme in brief["themes"]:
            assert theme["heading"] in text
            for example in theme["examples"]:
                assert " ".join(example["text"].split()) in text  # every quote, verbatim
            for figure in theme["figures"]:
                if not figure["figure"]["suppressed"]:
                    assert figure["figure"]["item_id"] in text  # every figure, in the survey table
        assert "alert('quote')" in text or "alert(&#x27;quote&#x27;)" in text  # the attack shows as text...
        assert dialogs == [] and page.console_errors == []  # ...and never runs
        assert set(page.requests) <= {(html / "index.html").as_uri(), (html / f"{BRIEF}.html").as_uri()}
