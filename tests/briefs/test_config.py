"""briefs.yaml's filters: any attribute the project has, the site, role or year, checked against pleval.yaml with
line and "did you mean"; periods normalised as the project names them; transcripts selected by the declaration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pleval.briefs.config import check_briefs, check_filters, select_transcripts
from pleval.cli import main
from pleval.inputs.cache import load_transcripts_cached
from pleval.inputs.declaration import project_declaration
from pleval.project import Project
from pleval.schema import DEFAULT_DECLARATION, Filters

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    return Project.open(tmp_path / "project")


def with_filters(project: Project, filters: str) -> int:
    """briefs.yaml with one more brief, filtered by ``filters`` (YAML flow text); the line of its filters."""
    path = project.briefs_path
    text = path.read_text(encoding="utf-8")
    text += f"\n  - id: filtered\n    title: T\n    themes: [funding]\n    filters: {filters}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.splitlines())


def checked(project: Project):
    transcripts, _ = load_transcripts_cached(project)
    return check_briefs(project, transcripts=transcripts)


@pytest.mark.parametrize("filters, message", [
    ("{regions: [northwest]}", "brief 'filtered': unknown filter 'regions' (did you mean 'region'?)"),
    ("{region: [nortwest]}", "brief 'filtered': region 'nortwest' is not one of: northwest, northeast, southwest, "
                             "southeast, central (did you mean 'northwest'?)"),
    ("{year: 2025}", "brief 'filtered': school year '2025' is not written like 2023-2024"),
    ("{role: [teachr]}", "brief 'filtered': role 'teachr' is not one of: teacher, instructional_coach, principal, "
                         "assistant_principal, district_leader, esc_facilitator, counselor, "
                         "intervention_specialist, paraprofessional, other (did you mean 'teacher'?)"),
])
def test_a_wrong_filter_is_an_error_with_its_line_that_breaks_only_its_brief(project, filters, message):
    line = with_filters(project, filters)
    check = checked(project)
    [error] = [p for p in check.problems if p.severity == "error" and "'filtered'" in p.message]
    assert error.message == message and error.line == line
    assert check.broken["filtered"] is error
    assert {spec.id for spec in check.briefs.briefs} >= {"all-themes", "elementary", "explore"}
    assert "filtered" not in {spec.id for spec in check.briefs.briefs}


def test_a_wrong_filter_is_one_clean_line_from_the_cli(project):
    with_filters(project, "{year: 2025}")
    result = CliRunner().invoke(main, ["brief", "filtered", "--project", str(project.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "briefs.yaml:" in result.output and "school year '2025' is not written like 2023-2024" in result.output


def test_a_value_no_transcript_has_is_a_warning(project):
    with_filters(project, "{pathway: [LAUNC]}")
    check = checked(project)
    warnings = [p.message for p in check.problems if p.severity == "warning" and "'filtered'" in p.message]
    assert warnings == ["brief 'filtered': no transcript has pathway 'LAUNC' (did you mean 'LAUNCH'?)",
                        "brief 'filtered': its filters select no transcript"]
    assert "filtered" not in check.broken  # drafting it says its filters select no transcript


def test_filters_read_as_the_project_names_things(project):
    with_filters(project, "{school: [Hilltop Elementary], year: 2023-24, role: principal}")
    check = checked(project)
    spec = check.briefs.brief("filtered")
    assert spec.filters.active() == {"site": ("Hilltop Elementary",), "year": ("2023-2024",), "role": ("principal",)}
    transcripts, _ = load_transcripts_cached(project)
    selected = select_transcripts(transcripts, spec.filters, project_declaration(project))
    assert [t.id for t in selected] == ["hilltop-principal"]
    assert not [p for p in check.problems if "'filtered'" in p.message]


def test_periods_follow_the_declaration():
    # calendar years without pleval.yaml: 2025 is a year, a school year is not
    filters, problems = check_filters(Filters.model_validate({"year": 2025}), DEFAULT_DECLARATION)
    assert filters.active() == {"year": ("2025",)} and not problems
    _, problems = check_filters(Filters.model_validate({"year": "2023-2024"}), DEFAULT_DECLARATION)
    assert [(p.loc, p.message) for p in problems] == [(("year", 0), "year '2023-2024' is not written like 2025")]


def test_a_hand_written_example_for_no_turn_is_a_warning_with_its_line(project):
    transcripts, _ = load_transcripts_cached(project)
    turn = f"{transcripts[0].id}:t001"
    path = project.briefs_path
    text = path.read_text(encoding="utf-8")
    text += (f"\n  - id: described\n    title: T\n    themes: [funding]\n    text:\n      examples:\n"
             f"        {turn}: described how they pay for it\n        {turn[:-1]}9x: described nothing\n")
    path.write_text(text, encoding="utf-8")
    check = checked(project)
    [warning] = [p for p in check.problems if "'described'" in p.message]
    assert warning.severity == "warning" and warning.line == len(text.splitlines())
    assert warning.message.startswith(f"brief 'described': text for example '{turn[:-1]}9x', which is no turn")
    assert "did you mean" in warning.message and "described" not in check.broken
    spec = check.briefs.brief("described")
    assert spec.text.examples[turn] == "described how they pay for it"
