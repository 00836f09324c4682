"""Complementary suppression over a whole build: a reader holding every brief and the overview page tries to work
out each suppressed survey figure by subtraction, and fails; suppressed figures carry no number anywhere.

The sample's own briefs publish no small cell, so the build here is the sample with a brief per pathway added:
in 2024-2025 the one EXPLORE school returned 8 answers, and the year's figure minus the LAUNCH and TRANSFORM
briefs' would give it away.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
import yaml

from pleval.briefs.assemble import BriefContext, assemble_brief
from pleval.briefs.cache import render_view
from pleval.briefs.published import build_cells, build_suppression
from pleval.briefs.render import render_markdown, write_brief
from pleval.build.overview import load_overview, survey_summary
from pleval.project import Project
from pleval.survey.disclosure import COMPLEMENTARY, PRIMARY

pytestmark = pytest.mark.slow

PATHWAY_BRIEFS = [{"id": f"pathway-{name.lower()}", "title": "Insights from Ohio's Personalized Learning Network",
                   "subtitle": f"Barriers in the {name} pathway", "themes": ["funding", "time"],
                   "filters": {"pathway": name}} for name in ("EXPLORE", "LAUNCH", "TRANSFORM")]
FILTER_COLUMNS = {"years": "year", "regions": "region", "levels": "school_level", "pathways": "pathway"}


@pytest.fixture(scope="module")
def build(coded_sample, tmp_path_factory):
    """The sample project with three pathway briefs: every brief drafted, and the overview's survey table."""
    root = tmp_path_factory.mktemp("published") / "sample"
    shutil.copytree(coded_sample, root)
    path = root / "data" / "briefs.yaml"
    declared = yaml.safe_load(path.read_text(encoding="utf-8"))
    declared["briefs"] += PATHWAY_BRIEFS
    path.write_text(yaml.safe_dump(declared, sort_keys=False, allow_unicode=True), encoding="utf-8")
    project = Project.open(root)
    context = BriefContext.load(project)
    briefs = {brief_id: assemble_brief(project, brief_id, context=context) for brief_id in context.declared}
    summary = survey_summary(project, load_overview(project), context.survey)
    return project, context, briefs, summary


def published_cells(context, briefs, summary) -> list[dict]:
    """Every survey figure the build publishes, as a reader sees it: the respondents it covers (plain pandas over
    the responses), and its n and agree count, or None when the page shows no number."""
    responses = context.survey.responses
    survey = context.survey.survey
    cells = []
    for assembled in briefs.values():
        for theme in assembled.brief.themes:
            for item in theme.figures:
                figure = item.figure
                rows = responses
                for field, column in FILTER_COLUMNS.items():
                    if getattr(figure.filters, field):
                        rows = rows[rows[column].isin(getattr(figure.filters, field))]
                cells.append({"where": assembled.brief.id, "item": figure.item_id, "rows": rows,
                              "shown": not figure.suppressed, "n": figure.n, "agree": figure.agree})
    for row in summary.itertuples():
        rows = responses if row.year == "all years" else responses[responses["year"] == row.year]
        cells.append({"where": f"overview {row.year}", "item": row.item_id, "rows": rows,
                      "shown": row.percent.endswith("%"), "n": None, "agree": None})
    for cell in cells:  # the truth; a shown cell's counts are known to the reader exactly
        answers = cell["rows"][cell["item"]]
        answered = answers[answers.notna()]
        cell["answered"] = set(answered.index)
        cell["true"] = (len(answered), int(answered.isin(survey.scale_of(cell["item"]).agree).sum()))
        if cell["shown"] and cell["n"] is not None:
            assert (cell["n"], cell["agree"]) == cell["true"]
    return cells


def subtract(cells: list[dict], hidden: list[bool]) -> dict[int, tuple[int, int]]:
    """A reader's attack: every hidden cell that is a linear combination of shown cells of its item (a total
    minus its other parts, the overall figure minus the breakdowns, a copy under another name), with the
    (n, agree) it gives."""
    recovered = {}
    for item in {c["item"] for c in cells}:
        mine = [i for i, c in enumerate(cells) if c["item"] == item]
        signature: dict = {}
        for i in mine:
            for respondent in cells[i]["answered"]:
                signature.setdefault(respondent, set()).add(i)
        atoms = sorted({frozenset(s) for s in signature.values()}, key=sorted)
        matrix = {i: np.array([1.0 if i in atom else 0.0 for atom in atoms]) for i in mine}
        shown = [i for i in mine if not hidden[i]]
        values = np.array([cells[i]["true"] for i in shown], dtype=float).reshape(-1, 2)
        for i in mine:
            if not hidden[i] or not shown:
                continue
            basis = np.array([matrix[j] for j in shown]).T
            coefficients, *_ = np.linalg.lstsq(basis, matrix[i], rcond=None)
            if np.allclose(basis @ coefficients, matrix[i], atol=1e-9):
                n, agree = coefficients @ values
                recovered[i] = (round(n), round(agree))
    return recovered


def test_no_suppressed_figure_can_be_worked_out_from_the_build(build):
    _, context, briefs, summary = build
    cells = published_cells(context, briefs, summary)
    hidden = [not c["shown"] for c in cells]
    suppressed = {(c["where"], c["item"]) for c, h in zip(cells, hidden, strict=True) if h}
    assert {("pathway-explore", "funding_sustain"), ("pathway-explore", "time_to_collaborate")} <= suppressed
    assert subtract(cells, hidden) == {}


def test_per_cell_suppression_alone_gives_the_small_school_away(build):
    # the attack above is real: with only the cells under the threshold hidden, it recovers them exactly
    _, context, briefs, summary = build
    cells = published_cells(context, briefs, summary)
    small = [c["true"][0] < context.survey.survey.suppress_below for c in cells]
    recovered = subtract(cells, small)
    assert recovered and all(recovered[i] == cells[i]["true"] for i in recovered)
    assert {cells[i]["where"] for i in recovered} == {"pathway-explore"}
    assert {cells[i]["true"][0] for i in recovered} <= {8, 7}  # the EXPLORE school's answers in 2024-2025


def test_the_build_withholds_the_transform_brief_and_nothing_else(build):
    project, context, briefs, _ = build
    plan = context.suppression
    assert plan.counts() == {PRIMARY: 2, COMPLEMENTARY: 2}
    assert {key[1][0][1] for key, reason in plan.reasons.items() if reason == COMPLEMENTARY} == {("TRANSFORM",)}
    # the same build, decided again from scratch, decides the same
    again = build_suppression(context.survey, context.briefs, context.counted.codebook, context.counted.transcripts)
    assert again.reasons == plan.reasons
    assert len(build_cells(context.survey, context.briefs, context.counted.codebook)) > len(plan.reasons)
    for brief_id, assembled in briefs.items():
        for theme in assembled.brief.themes:
            for item in theme.figures:
                figure = item.figure
                assert figure.withheld == (brief_id == "pathway-transform")
                assert figure.suppressed == (brief_id in ("pathway-transform", "pathway-explore"))


def test_suppressed_figures_carry_no_number_in_json_prose_tables_or_the_notebook(build):
    project, context, briefs, _ = build
    for brief_id in ("pathway-explore", "pathway-transform"):
        assembled = briefs[brief_id]
        brief = assembled.brief
        for theme in brief.themes:
            for item in theme.figures:
                figure = item.figure
                assert (figure.n, figure.agree, figure.percent, figure.ci_low, figure.ci_high) == (None,) * 5
                assert not re.search(r"\d+ of|%", item.sentence)
                assert ("withheld" in item.sentence) == figure.withheld
        dumped = brief.model_dump(mode="json")
        for theme in dumped["themes"]:
            for item in theme["figures"]:
                assert {k: item["figure"][k] for k in ("n", "agree", "percent")} == dict.fromkeys(
                    ("n", "agree", "percent"))
        markdown = render_markdown(brief, {})
        rows = [line for line in markdown.splitlines() if line.startswith("| ") and "Survey item" not in line
                and any(item.figure.wording[:30] in line for t in brief.themes for item in t.figures)]
        assert rows and all(re.fullmatch(r"\|[^|]*\|[^|]*\| {2}\| (withheld|suppressed \(n &lt; 10\)) \| {2}\|", r)
                                for r in rows), rows
        assert "so that a small group cannot be worked out" in markdown
    written = write_brief(project, briefs["pathway-transform"])
    view = render_view(briefs["pathway-transform"], written)
    page = (project.outputs / "briefs" / "pathway-transform.html").read_text(encoding="utf-8")
    assert "withheld" in page and "so that a small group cannot be worked out" in page
    true_n = {c.n for c in build_cells(context.survey, context.briefs, context.counted.codebook)
              if c.key[1] and c.key[1][0] == ("pathways", ("TRANSFORM",))}
    table = view.tables["survey"]
    assert not any(f">{n}<" in table for n in true_n) and not any(f">{n}.0<" in table for n in true_n)


def test_the_overview_page_shows_no_cell_a_reader_could_combine_against_them(build):
    _, context, _, summary = build
    # the year's figure stays: protecting EXPLORE cost the TRANSFORM brief, the cheapest single cell to withhold
    assert summary["percent"].str.endswith("%").all()
    assert summary["n"].map(lambda n: n != "").all()
