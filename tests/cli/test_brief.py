"""``pleval brief``: files written, a broken brief reported while the others go on, text escaped, figures
suppressed, briefs.yaml checked by ``pleval validate`` with line and column."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.project import Project
from pleval.schema import Brief
from pleval.validate import validate_project

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    return Project.open(tmp_path / "project")


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_brief_writes_json_markdown_and_html(project):
    result = run("brief", "all-themes", "--project", str(project.root))
    assert result.exit_code == 0, result.output
    folder = project.outputs / "briefs"
    assert sorted(p.name for p in folder.iterdir()) == ["all-themes.docx", "all-themes.html", "all-themes.json",
                                                         "all-themes.md", "all-themes.prevalence.png",
                                                         "all-themes.survey.png"]
    assert not list(folder.glob(".*.tmp"))
    brief = Brief.model_validate_json((folder / "all-themes.json").read_text())
    assert [t.code_id for t in brief.themes] == ["funding", "time"]
    assert brief.hand_written_lead == "A hand-written lead for the test brief."
    assert "A hand-written paragraph about funding." in (folder / "all-themes.md").read_text()
    report = json.loads((project.outputs / "redaction" / "all-themes.json").read_text())
    assert report["terms"]["Rosalind Carver"]["placeholder"] == "[teacher]"
    assert "1 brief(s) drafted, 0 failed" in result.output


def test_all_reports_a_broken_brief_and_drafts_the_others(project):
    result = run("brief", "--all", "--project", str(project.root))
    assert result.exit_code == 1
    assert re.search(r"error: brief 'broken' not drafted: .*briefs\.yaml:\d+:\d+: brief 'broken': theme "
                     r"'no_such_code' is not a code in the codebook", result.output)
    for brief_id in ("all-themes", "elementary", "explore"):
        assert (project.outputs / "briefs" / f"{brief_id}.html").exists()
    assert not (project.outputs / "briefs" / "broken.json").exists()
    assert "3 brief(s) drafted, 1 failed" in result.output


def test_unknown_brief_and_missing_argument(project):
    result = run("brief", "nope", "--project", str(project.root))
    assert result.exit_code == 1 and "unknown brief 'nope'" in result.output
    assert "all-themes, elementary, explore, broken" in result.output
    assert run("brief", "--project", str(project.root)).exit_code == 2


def test_validate_checks_briefs_yaml_with_line_and_column(project):
    report, counts = validate_project(project)
    text = (project.root / "data" / "briefs.yaml").read_text().splitlines()
    line = next(i for i, row in enumerate(text, 1) if "no_such_code" in row)
    [problem] = [p for p in report.errors if "no_such_code" in str(p)]
    assert (problem.line, problem.column) == (line, text[line - 1].index("no_such_code") + 1)
    assert counts["briefs"] == 3


def test_a_broken_briefs_yaml_is_one_clean_line(project):
    (project.root / "data" / "briefs.yaml").write_text("evaluation:\n  name: [unclosed\nbriefs: []\n")
    result = run("brief", "--all", "--project", str(project.root))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"briefs\.yaml:\d+:\d+: not valid YAML", result.output)


def test_html_and_javascript_in_a_transcript_come_out_escaped(project):
    assert run("brief", "explore", "--project", str(project.root)).exit_code == 0
    folder = project.outputs / "briefs"
    brief = Brief.model_validate_json((folder / "explore.json").read_text())
    [quote] = brief.themes[0].examples
    assert "<script>alert(1)</script>" in quote.text and "<img src=x onerror=alert(1)>" in quote.text
    page = (folder / "explore.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page and "<img src=x" not in page
    markdown = (folder / "explore.md").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown and "<script" not in markdown and "<img" not in markdown


def test_suppressed_figures_carry_no_number_and_small_ones_are_counts(project):
    assert run("brief", "all-themes", "--project", str(project.root)).exit_code == 0
    brief = Brief.model_validate_json((project.outputs / "briefs" / "all-themes.json").read_text())
    funding, time = (t.figures[0] for t in brief.themes)
    assert time.figure.suppressed and time.figure.percent is None and time.figure.agree is None
    assert "%" not in time.sentence and str(time.figure.n) not in time.sentence
    assert funding.figure.n < 30 and f", {funding.figure.agree} of the {funding.figure.n} who answered agreed" in \
        funding.sentence and "%" not in funding.sentence
    page = (project.outputs / "briefs" / "all-themes.html").read_text()
    assert "suppressed (n &lt; 10)" in page


def test_hand_written_text_is_de_identified_too(project):
    path = project.root / "data" / "briefs.yaml"
    path.write_text(path.read_text().replace("A hand-written lead for the test brief.",
                                             "A hand-written lead, as Rosalind Carver at Hilltop said."))
    assert run("brief", "all-themes", "--project", str(project.root)).exit_code == 0
    brief = Brief.model_validate_json((project.outputs / "briefs" / "all-themes.json").read_text())
    assert brief.hand_written_lead == "A hand-written lead, as [teacher] at [school] said."


def test_questions_come_from_the_codebook(project):
    assert run("brief", "all-themes", "--project", str(project.root)).exit_code == 0
    brief = Brief.model_validate_json((project.outputs / "briefs" / "all-themes.json").read_text())
    assert brief.questions == ("Which parts of the work depend on grant money?",
                               "Where could the schedule protect time to plan together?",
                               "How could the budget carry the work after the grant?")
    assert brief.citation == "Reviewer, A., Second, B., & Third, C. (2024). Test brief: Funding and time. " \
                             "Test Research Group."
