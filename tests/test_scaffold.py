"""pleval init: a new project from a starter profile, that pleval validate finds no error in."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.errors import DeclarationError, ProjectError
from pleval.inputs.codebook import check_codebook
from pleval.inputs.declaration import load_declaration, profile_names, profile_path, project_declaration
from pleval.scaffold import create_project
from pleval.schema import DEFAULT_DECLARATION
from pleval.validate import validate_project


@pytest.mark.parametrize("profile", profile_names())
def test_a_new_project_from_any_profile_validates_without_an_error(tmp_path, profile):
    project = create_project(tmp_path / "evaluation", profile=profile)
    assert project.declaration_path.read_text() == profile_path(profile).read_text()  # its comments kept
    for folder in (project.transcripts_dir, project.codings_dir, project.survey_dir):
        assert folder.is_dir() and not any(folder.iterdir())
    codebook, problems = check_codebook(project.codebook_path)
    assert problems == [] and [c.id for c in codebook.codes] == ["example_code"]
    report, counts = validate_project(project)
    assert report.errors == [], [str(e) for e in report.errors]
    assert [w.message for w in report.warnings] == ["no transcripts found"]
    assert counts["codes"] == 1 and counts["briefs"] == 1
    assert project_declaration(project) == load_declaration(profile_path(profile)).value


def test_the_generic_project_declares_the_defaults(tmp_path):
    assert project_declaration(create_project(tmp_path / "new")) == DEFAULT_DECLARATION


def test_init_fills_an_empty_folder_and_refuses_a_non_empty_one(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert create_project(empty).declaration_path.exists()
    with pytest.raises(ProjectError, match="the folder is not empty"):
        create_project(empty)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProjectError, match="not a folder"):
        create_project(tmp_path / "file")


def test_an_unknown_profile_writes_nothing(tmp_path):
    with pytest.raises(DeclarationError, match="no starter profile 'schools'"):
        create_project(tmp_path / "new", profile="schools")
    assert not (tmp_path / "new").exists()


def test_the_init_command_creates_a_project_and_reports_a_mistake_on_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path / "clinics"), "--profile", "us-k12"])
    assert result.exit_code == 0 and "created a pleval project" in result.output
    result = runner.invoke(main, ["validate", "--project", str(tmp_path / "clinics")])
    assert result.exit_code == 0 and "0 error(s)" in result.output
    result = runner.invoke(main, ["init", str(tmp_path / "clinics")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = result.output.splitlines()
    assert line.startswith("error: ") and "the folder is not empty" in line


FIRST_TRANSCRIPT = """\
---
id: first-interview
type: interview
date: 2025-03-04
site: Riverbend
interviewer: Ana Ruiz
participants:
  - {name: Jo Park, role: nurse}
---
Ana Ruiz: How is the program going?

Jo Park: An example phrase comes to mind. It is going well.
"""


@pytest.mark.notebook
def test_a_new_project_with_its_first_transcript_builds(tmp_path):
    """init, one transcript with nothing but its site, build: every page built, exit 0."""
    runner = CliRunner()
    folder = tmp_path / "library"
    assert runner.invoke(main, ["init", str(folder)]).exit_code == 0
    (folder / "data" / "transcripts" / "first.txt").write_text(FIRST_TRANSCRIPT, encoding="utf-8")
    result = runner.invoke(main, ["build", "--project", str(folder), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "2 built, 0 unchanged, 0 failed" in result.output and "Traceback" not in result.output
    assert (folder / "outputs" / "html" / "example.html").exists()
