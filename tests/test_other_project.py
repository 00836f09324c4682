"""A second project that is not about schools, end to end through the CLI.

The clinics fixture (tests/fixtures/clinics, see its README) is a fictional evaluation of a community health
worker program in Oregon and Nevada clinics, over calendar years. It runs in two variants: ``strict``, with its
own pleval.yaml, and ``none``, the same folder without pleval.yaml (pleval's defaults). Each variant is copied
once and taken through every step a team would run: validate, code, import two coders' codings, reliability,
survey figures, every brief, the build, a REFI-QDA export and its import into a fresh ``pleval init`` project.
The steps run once per variant (a module-scoped fixture, each step run even when one before it failed); the
tests then check each step's exit and what it wrote.
"""

from __future__ import annotations

import json
import re
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document

from pleval.cli import main

from conftest import FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

CLINICS = FIXTURES / "clinics"
VARIANTS = ["strict", "none"]
BRIEFS = ["oregon", "year-2025", "all"]
CODERS = ["maya", "tomas"]
# The sample's words, which a project about clinics must never be made to say.
SAMPLE_WORDS = re.compile(r"\b(schools?|educators?|ohio|districts?)\b", re.IGNORECASE)
# People named in the transcripts' metadata, whom no brief may name.
PEOPLE = ["Rosa Delgado", "Janet Okafor", "Roberto Aguilar", "Lorena Etchart", "Helen Cho", "Tamsin Moore",
          "Patty Lindgren", "Marlene Ashby", "Yesenia Flores", "Darnell Booker"]


@dataclass
class Pipeline:
    variant: str
    root: Path  # the copied clinics project
    reimported: Path  # a fresh `pleval init` project the REFI-QDA export is imported into
    results: dict[str, Result] = field(default_factory=dict)

    def run(self, step: str, *args: object) -> None:
        self.results[step] = CliRunner().invoke(main, [str(a) for a in args])

    def output(self, step: str) -> str:
        """What the step printed, with the traceback of an exception it raised."""
        result = self.results[step]
        text = f"$ pleval ... ({step}) exited {result.exit_code}\n{result.output}"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            text += "".join(traceback.format_exception(*result.exc_info))
        return text

    def brief_files(self) -> dict[str, str]:
        """The text of every written brief (Markdown, HTML, Word) and of the built brief pages, by file name."""
        files = [self.root / "outputs" / "briefs" / f"{brief}.{ext}" for brief in BRIEFS
                 for ext in ("md", "html", "docx")]
        files += [self.root / "outputs" / "html" / f"{brief}.html" for brief in BRIEFS]
        return {f"{p.parent.name}/{p.name}": docx_text(p) if p.suffix == ".docx" else p.read_text(encoding="utf-8")
                for p in files if p.exists()}


def docx_text(path: Path) -> str:
    """A Word document's paragraphs and table cells, one per line."""
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture(scope="module")
def pipeline(request, tmp_path_factory) -> Pipeline:
    variant = request.param
    base = tmp_path_factory.mktemp(f"clinics-{variant}")
    root = base / "clinics"
    shutil.copytree(CLINICS, root)
    if variant == "none":
        (root / "pleval.yaml").unlink()
    p = Pipeline(variant, root, base / "reimported")
    qdpx = base / "clinics.qdpx"
    p.run("validate", "validate", "--project", root)
    p.run("code", "code", "--project", root, "--by", "transcript,site,state,setting,role", "--no-progress")
    for coder in CODERS:
        p.run(f"import {coder}", "import", "codings", root / "data" / "import" / f"coder_{coder}.csv",
              "--coder", coder, "--reviewed", "transcripts", "--project", root)
    p.run("reliability", "reliability", "--project", root, "--format", "json", "--resamples", "50")
    p.run("survey", "survey", "--project", root, "--by", "site,role,state", "--year", "2024", "--format", "json")
    p.run("brief", "brief", "--all", "--project", root)
    p.run("build", "build", "--project", root, "-j", "1", "--no-progress")
    p.run("export refi", "export", "refi", "project", qdpx, "--project", root)
    p.run("init", "init", p.reimported)
    p.run("import refi", "import", "refi", qdpx, "--project", p.reimported)
    p.run("validate reimported", "validate", "--project", p.reimported)
    return p


STEPS = ["validate", "code", "import maya", "import tomas", "reliability", "survey", "brief", "build", "export refi",
         "init", "import refi", "validate reimported"]


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
@pytest.mark.parametrize("step", STEPS)
def test_every_step_exits_cleanly(pipeline, step):
    result = pipeline.results[step]
    assert result.exit_code == 0, pipeline.output(step)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_validate_reads_every_transcript_without_an_error(pipeline):
    output = pipeline.results["validate"].output
    assert re.search(r"\b10 transcripts \(", output), pipeline.output("validate")
    assert "0 error(s)" in output, pipeline.output("validate")


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_code_summarises_by_the_project_s_attributes(pipeline):
    output = pipeline.results["code"].output
    for clinic in ("Desert Sun Family Clinic", "Riverbend Community Health Center", "Silver Sage Health Center"):
        assert clinic in output, pipeline.output("code")
    assert "Oregon" in output and "Nevada" in output and "tribal" in output, pipeline.output("code")
    assert re.search(r"community[_ ]health[_ ]worker", output, re.IGNORECASE), pipeline.output("code")


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_reliability_reports_both_coders_who_agree_on_most_but_not_all(pipeline):
    rows = json.loads(pipeline.results["reliability"].stdout)
    overall = next(row for row in rows if row["code_id"] == "(all codes)")
    assert overall["coders"] == 2
    assert "maya" in overall["prevalence"] and "tomas" in overall["prevalence"]
    assert 0.9 < overall["agreement"] < 1


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_survey_figures_suppress_a_small_cell(pipeline):
    figures = json.loads(pipeline.results["survey"].stdout)["figures"]
    suppressed = [f for f in figures if f["suppressed"]]
    # Silver Sage Health Center had 4 respondents in 2024 (below suppress_below: 5)
    assert any("Silver Sage Health Center" in f.values() for f in suppressed)
    for figure in suppressed:
        assert figure["percent"] is None and figure["agree"] is None and figure["ci_low"] is None
    assert all(f["n"] >= 5 for f in figures if not f["suppressed"])
    assert any(f["breakdown"] == "overall" and not f["suppressed"] for f in figures)


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_briefs_say_none_of_the_sample_s_words_and_name_no_one(pipeline):
    files = pipeline.brief_files()
    assert len(files) == 4 * len(BRIEFS), sorted(files)
    for name, text in files.items():
        text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", text)  # embedded images
        found = SAMPLE_WORDS.findall(text)
        assert not found, f"{name} says {sorted(set(found))}"
        named = [person for person in PEOPLE if re.search(rf"\b({person}|{person.split()[-1]})\b", text)]
        assert not named, f"{name} names {named}"


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_prevalence_counts_the_project_s_sites_in_its_words(pipeline):
    site_words = {"strict": "clinics", "none": "sites"}[pipeline.variant]
    markdown = "\n".join(text for name, text in pipeline.brief_files().items() if name.endswith(".md"))
    # language_access was not voiced at Harbor View Medical Center: 5 of the 6 clinics, 3 of Oregon's 4
    assert re.search(rf"\b\d of the \d {site_words}\b", markdown), markdown[:2000]


def attributions(root: Path, briefs=BRIEFS) -> list[str]:
    """Every quote's attribution (and short attribution) in the drafted briefs' JSON."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            found.extend(v for k, v in node.items() if k in ("attribution", "short_attribution") and v)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for brief in briefs:
        path = root / "outputs" / "briefs" / f"{brief}.json"
        if path.exists():
            walk(json.loads(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("pipeline", ["strict"], indirect=True)
def test_attributions_use_the_project_s_words(pipeline):
    said = attributions(pipeline.root)
    assert said, "no brief was drafted with quotes"
    assert any("community health worker" in a.lower() for a in said), said
    assert any(re.search(r"from a (rural community|city|tribal community)\b|\bin (Oregon|Nevada)\b", a)
               for a in said), said
    assert not [a for a in said if SAMPLE_WORDS.search(a)], said


@pytest.mark.parametrize("pipeline", ["strict"], indirect=True)
def test_clinic_names_are_redacted_whole(pipeline):
    """"Desert Sun Family Clinic" and its short form "Desert Sun" become [clinic], never "[clinic] Sun"."""
    files = pipeline.brief_files()
    assert files, pipeline.output("brief")
    for name, text in files.items():
        assert "Desert Sun" not in text and "] Sun" not in text, name
        assert "Riverbend" not in text and "Juniper Hills" not in text, name


@pytest.mark.parametrize("pipeline", ["strict"], indirect=True)
def test_the_oregon_brief_quotes_oregon_only(pipeline):
    oregon = attributions(pipeline.root, ["oregon"])
    assert oregon, "the oregon brief was not drafted with quotes"
    assert not [a for a in oregon if "Nevada" in a], oregon


def values_of(node, key: str) -> list:
    """Every value of ``key`` anywhere in a JSON document."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [x for v in node.values() for x in values_of(v, key)]
    if isinstance(node, list):
        return [x for v in node for x in values_of(v, key)]
    return []


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
@pytest.mark.parametrize("brief, transcripts", [("oregon", 6), ("year-2025", 5), ("all", 10)])
def test_a_brief_s_filters_select_its_transcripts(pipeline, brief, transcripts):
    """``filters: {state: [Oregon]}`` and ``{year: [2025]}`` select by any attribute and by calendar year."""
    path = pipeline.root / "outputs" / "briefs" / f"{brief}.json"
    assert path.exists(), pipeline.output("brief")
    totals = values_of(json.loads(path.read_text(encoding="utf-8")), "transcripts_total")
    assert totals and set(totals) == {transcripts}


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_the_build_writes_every_brief_page_and_the_index(pipeline):
    html = pipeline.root / "outputs" / "html"
    assert (html / "index.html").exists(), pipeline.output("build")
    for brief in BRIEFS:
        assert (html / f"{brief}.html").exists(), pipeline.output("build")


@pytest.mark.parametrize("pipeline", VARIANTS, indirect=True)
def test_the_refi_export_imports_into_a_fresh_project_with_its_attributes(pipeline):
    transcripts = pipeline.reimported / "data" / "transcripts"
    texts = [p.read_text(encoding="utf-8") for p in transcripts.iterdir()] if transcripts.is_dir() else []
    assert len([p for p in transcripts.glob("*") if not p.name.endswith(".meta.yaml")]) == 10, \
        pipeline.output("import refi")
    metadata = "\n".join(texts)
    for value in ("Desert Sun Family Clinic", "Oregon", "Klamath County", "tribal", "community_health_worker",
                  "Spanish"):
        assert value in metadata, pipeline.output("import refi")
    for coder in CODERS:
        assert (pipeline.reimported / "data" / "codings" / f"{coder}.jsonl").exists(), pipeline.output("import refi")
