"""The cache of respondent files' cells: used while a file is unchanged, never once it changes, and never in the
way of a problem being reported."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import pleval.survey.cache as surveycache
from pleval.errors import SurveyError
from pleval.project import Project
from pleval.survey.data import check_survey, load_survey

from conftest import FIXTURES, copy_transcript

SURVEY = FIXTURES / "survey"


@pytest.fixture
def project(tmp_path):
    """A project with the fixture schools and an .xlsx and a CSV respondent file."""
    root = tmp_path / "project"
    for name in ("two_speakers.txt", "caps_and_qa.md"):
        copy_transcript(name, root)
    shutil.copy(FIXTURES / "codebooks" / "two_codes.yaml", root / "data" / "codebook.yaml")
    project = Project.open(root)
    project.survey_dir.mkdir(parents=True)
    shutil.copy(SURVEY / "survey.yaml", project.survey_dir / "survey.yaml")
    shutil.copy(SURVEY / "numbers.xlsx", project.survey_dir / "numbers.xlsx")
    return project


@pytest.fixture
def reads(monkeypatch):
    """The respondent files actually read (not taken from the cache), by name."""
    read = []
    original = surveycache.read_response_table

    def counted(path):
        read.append(path.name)
        return original(path)

    monkeypatch.setattr(surveycache, "read_response_table", counted)
    return read


def test_unchanged_files_are_not_read_again_and_give_the_same_responses(project, reads):
    uncached, _ = check_survey(project)
    first = load_survey(project)
    assert reads == ["numbers.xlsx"] and (project.outputs / "cache" / "survey_tables.json").exists()
    second = load_survey(project)
    assert reads == ["numbers.xlsx"]  # from the cache
    for data in (first, second):
        pd.testing.assert_frame_equal(data.responses, uncached.responses)
        assert data.sources == uncached.sources


def test_a_changed_or_added_file_is_read_afresh(project, reads):
    load_survey(project)
    shutil.copy(SURVEY / "excel_utf8.csv", project.survey_dir / "numbers.xlsx.csv")
    (project.survey_dir / "numbers.xlsx").unlink()  # the same answers, now as CSV
    data = load_survey(project)
    assert reads == ["numbers.xlsx", "numbers.xlsx.csv"]
    csv = project.survey_dir / "numbers.xlsx.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("R-001", "R-901"), encoding="utf-8")
    changed = load_survey(project)
    assert reads[-1] == "numbers.xlsx.csv" and len(reads) == 3
    assert changed.responses["respondent"].iloc[0] == "R-901" != data.responses["respondent"].iloc[0]


def test_problems_in_a_cached_file_are_reported_exactly_as_without_the_cache(project, reads):
    shutil.copy(SURVEY / "value_outside_scale.csv", project.survey_dir / "bad.csv")
    (project.survey_dir / "numbers.xlsx").unlink()
    _, expected = check_survey(project)
    for _ in range(2):
        _, problems = check_survey(project, cached=True)
        assert [(p.message, p.line, p.column, p.fix) for p in problems] == \
               [(p.message, p.line, p.column, p.fix) for p in expected] and expected
    assert reads == ["bad.csv"]
    with pytest.raises(SurveyError, match="not on the item's scale"):
        load_survey(project)


def test_an_unreadable_file_is_never_cached(project, reads):
    (project.survey_dir / "numbers.xlsx").write_bytes(b"not a workbook")
    for _ in range(2):
        with pytest.raises(SurveyError, match="not a readable .xlsx workbook"):
            load_survey(project)
    assert reads == ["numbers.xlsx", "numbers.xlsx"]


def test_a_cache_that_cannot_be_written_does_not_stop_the_survey_loading(project, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(surveycache, "atomic_write", refuse)
    assert len(load_survey(project).responses) == 32
    assert not (project.outputs / "cache" / "survey_tables.json").exists()
