"""Briefs drafted ahead by pleval build are shown from what was kept while their inputs are unchanged, and only
then; what the notebook shows is the same either way."""

from __future__ import annotations

import re
import sys

import pytest

import pleval.briefs.assemble
from pleval.briefs.cache import prepare_briefs, view_brief


def no_drafting(*args, **kwargs):
    raise AssertionError("drafted again")


def test_a_prepared_brief_is_shown_from_what_was_kept_until_an_input_changes(fresh_sample, monkeypatch):
    assert prepare_briefs(fresh_sample, ["barriers"]) == {}
    written = fresh_sample.root / "outputs" / "briefs"
    assert (written / "barriers.html").exists() and (written / "barriers.prevalence.png").exists()
    monkeypatch.setattr(pleval.briefs.assemble, "assemble_brief", no_drafting)
    kept = view_brief(str(fresh_sample.root), "barriers")
    assert kept.brief.id == "barriers" and kept.brief.themes
    assert kept.parts["header"].startswith("#") and "<table" in kept.tables["prevalence"]
    assert [image.data[:4] for image in kept.images()] == [b"\x89PNG"] * len(kept.charts)

    briefs = fresh_sample.root / "data" / "briefs.yaml"
    briefs.write_text(briefs.read_text() + "\n# edited\n")
    with pytest.raises(AssertionError, match="drafted again"):
        view_brief(fresh_sample, "barriers")


def test_a_kept_brief_shows_what_drafting_now_shows(fresh_sample, tmp_path):
    prepare_briefs(fresh_sample, ["region-central"])
    kept = view_brief(fresh_sample, "region-central")
    fresh = view_brief(fresh_sample, "region-central", tmp_path)  # elsewhere: drafted and written there now
    assert (tmp_path / "region-central.json").exists()
    drafted_at = re.compile(r"\d{4}-\d\d-\d\dT[\d:+-]+")  # when each was drafted: the one difference
    assert {part: drafted_at.sub("", text) for part, text in fresh.parts.items()} == {
        part: drafted_at.sub("", text) for part, text in kept.parts.items()}
    assert fresh.tables == kept.tables and set(fresh.charts) == set(kept.charts)


def test_a_kept_brief_is_shown_without_the_heavy_stack(fresh_sample):
    """The point of drafting ahead: the notebook's kernel imports neither pandas, spaCy nor matplotlib."""
    import subprocess

    prepare_briefs(fresh_sample, ["barriers"])
    probe = ("import sys; from pleval.briefs.cache import view_brief; "
             f"view = view_brief({str(fresh_sample.root)!r}, 'barriers'); view.markdown('header', 'themes'); "
             "print(sorted(m for m in ('pandas', 'spacy', 'matplotlib', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_brief_that_cannot_be_drafted_is_reported_not_kept(fresh_sample):
    failed = prepare_briefs(fresh_sample, ["no-such-brief"])
    assert list(failed) == ["no-such-brief"]
    assert not (fresh_sample.root / "outputs" / "cache" / "briefs" / "no-such-brief.json").exists()


def test_drafting_ahead_reuses_a_brief_kept_from_the_same_inputs_unless_told_to_redraft(fresh_sample, monkeypatch):
    assert prepare_briefs(fresh_sample, ["barriers"]) == {}
    monkeypatch.setattr(pleval.briefs.assemble, "assemble_brief", no_drafting)
    assert prepare_briefs(fresh_sample, ["barriers"]) == {}  # kept: neither loaded nor drafted
    with pytest.raises(AssertionError, match="drafted again"):
        prepare_briefs(fresh_sample, ["barriers"], redraft=True)


def test_charts_are_drawn_once_for_the_same_tables_and_again_when_matplotlib_settings_change(fresh_sample,
                                                                                           monkeypatch):
    import matplotlib

    import pleval.briefs.render as render

    assembled = pleval.briefs.assemble.assemble_brief(fresh_sample, "barriers")
    drawn = render.chart_pngs(fresh_sample, assembled.brief)
    assert set(drawn) >= {"prevalence"} and all(data[:4] == b"\x89PNG" for data in drawn.values())

    def no_drawing(brief):
        raise AssertionError("drawn again")

    monkeypatch.setattr(render, "brief_charts", no_drawing)
    assert render.chart_pngs(fresh_sample, assembled.brief) == drawn  # kept
    with matplotlib.rc_context({"font.size": 14}), pytest.raises(AssertionError, match="drawn again"):
        render.chart_pngs(fresh_sample, assembled.brief)
    other = pleval.briefs.assemble.assemble_brief(fresh_sample, "region-central")
    with pytest.raises(AssertionError, match="drawn again"):
        render.chart_pngs(fresh_sample, other.brief)  # other tables
