"""Project knows every path of a project folder; nothing else in the package builds them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pleval
from pleval.coding.store import RULES, CodingLog, coders
from pleval.errors import ProjectError, UnsafePathError
from pleval.nlp.rules import RuleCoder
from pleval.project import Project, inside

PACKAGE = Path(pleval.__file__).parent


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "data").mkdir()
    return Project.open(tmp_path)


@pytest.mark.parametrize(("name", "where"), [
    ("data_dir", "data"),
    ("transcripts_dir", "data/transcripts"),
    ("codebook_path", "data/codebook.yaml"),
    ("codings_dir", "data/codings"),
    ("briefs_path", "data/briefs.yaml"),
    ("survey_dir", "data/survey"),
    ("survey_path", "data/survey/survey.yaml"),
    ("notebooks_dir", "notebooks"),
    ("outputs", "outputs"),
    ("cache_dir", "outputs/cache"),
    ("html_dir", "outputs/html"),
    ("notebooks_output_dir", "outputs/notebooks"),
    ("manifest_path", "outputs/manifest.json"),
    ("briefs_output_dir", "outputs/briefs"),
    ("redaction_dir", "outputs/redaction"),
    ("models_dir", "outputs/models"),
    ("codings_table_path", "outputs/codings.xlsx"),
])
def test_each_path_of_the_layout(project, name, where):
    assert getattr(project, name) == project.root / where
    assert project.relative(getattr(project, name)) == where


def test_paths_named_by_an_id(project):
    assert project.relative(project.coding_log("ana")) == "data/codings/ana.jsonl"
    assert project.relative(project.page_html("overview")) == "outputs/html/overview.html"
    assert project.relative(project.page_notebook("north-2024")) == "outputs/notebooks/north-2024.ipynb"
    assert project.relative(project.redaction_report("north-2024")) == "outputs/redaction/north-2024.json"
    assert project.relative(project.output_path("cache", "rules.pack")) == "outputs/cache/rules.pack"


@pytest.mark.parametrize("method", ["coding_log", "page_html", "page_notebook", "redaction_report"])
@pytest.mark.parametrize("bad", ["../../escape", "/etc/passwd"])
def test_an_id_that_would_climb_out_is_refused(project, method, bad):
    with pytest.raises(UnsafePathError, match="would leave"):
        getattr(project, method)(bad)


def test_inside_and_output_path_refuse_to_climb_out(project):
    with pytest.raises(UnsafePathError):
        project.output_path("..", "data", "codebook.yaml")
    with pytest.raises(UnsafePathError):
        inside(project.cache_dir, "..", "..", "x.json")
    assert inside(project.cache_dir / "briefs", "alpha.json") == project.root / "outputs/cache/briefs/alpha.json"


def test_the_coding_store_writes_where_the_project_says(project):
    log = CodingLog(project.codings_dir, "ana")
    log.append("memo", memo="first")
    assert log.path == project.coding_log("ana") and project.coding_log("ana").exists()
    assert coders(project.codings_dir) == ["ana"]


def test_the_rule_coders_codings_carry_the_pseudo_coder_name():
    assert RuleCoder.source == RULES


def test_open_refuses_a_folder_that_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="no data/ folder"):
        Project.open(tmp_path)
    with pytest.raises(ProjectError, match="does not exist"):
        Project.open(tmp_path / "missing")


def _python_files():
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p != PACKAGE / "project.py"]


def test_no_module_but_project_joins_data_or_outputs_onto_a_folder():
    joins = re.compile(r"""(/\s*|joinpath\(\s*|output_path\(\s*)["'](data|outputs)["']""")
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in _python_files()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if joins.search(line)]
    assert found == []


def test_consensus_and_rules_are_defined_once():
    definitions = re.compile(r"^\s*(CONSENSUS|RULES)\b[\w\s,]*=", re.MULTILINE)
    found = [f"{p.relative_to(PACKAGE)}: {m.group(0).strip()}" for p in sorted(PACKAGE.rglob("*.py"))
             for m in definitions.finditer(p.read_text(encoding="utf-8"))]
    assert found == ["coding/store.py: CONSENSUS =", "coding/store.py: RULES ="]
