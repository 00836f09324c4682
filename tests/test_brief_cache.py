"""Briefs drafted ahead by pleval build are read back while their inputs are unchanged, and only then."""

from __future__ import annotations

import pytest

import pleval.brief_model
from pleval.brief_cache import load_brief, prepare_briefs
from pleval.brief_render import write_brief


def test_a_prepared_brief_is_read_back_until_an_input_changes(fresh_sample, monkeypatch):
    assert prepare_briefs(fresh_sample, ["barriers"]) == {}
    written = fresh_sample.root / "outputs" / "briefs"
    assert (written / "barriers.html").exists() and (written / "barriers.prevalence.png").exists()

    def no_drafting(*args, **kwargs):
        raise AssertionError("drafted again")

    monkeypatch.setattr(pleval.brief_model, "assemble_brief", no_drafting)
    kept = load_brief(fresh_sample, "barriers")
    assert kept.brief.id == "barriers" and kept.brief.themes
    html = (written / "barriers.html").stat().st_mtime_ns
    again = write_brief(fresh_sample, kept)  # the same brief: its files are kept, charts not redrawn
    assert (written / "barriers.html").stat().st_mtime_ns == html and set(again.charts) >= {"prevalence"}

    briefs = fresh_sample.root / "data" / "briefs.yaml"
    briefs.write_text(briefs.read_text() + "\n# edited\n")
    with pytest.raises(AssertionError, match="drafted again"):
        load_brief(fresh_sample, "barriers")


def test_a_brief_that_cannot_be_drafted_is_reported_not_kept(fresh_sample):
    failed = prepare_briefs(fresh_sample, ["no-such-brief"])
    assert list(failed) == ["no-such-brief"]
    assert not (fresh_sample.root / "outputs" / "cache" / "briefs" / "no-such-brief.json").exists()
