"""Complementary suppression over a whole build: a reader holding every brief and the overview page tries to work
out each suppressed survey figure, and each respondent count not stated, by subtraction, and fails; suppressed
figures and counts carry no number anywhere.

The sample's own briefs publish no small cell, so the build here is the sample with a brief per pathway added:
in 2024-2025 the one EXPLORE school returned 8 answers, and the year's figure minus the LAUNCH and TRANSFORM
briefs' would give it away; so would the year's respondents minus those the LAUNCH and TRANSFORM briefs state.
"""

from __future__ import annotations

import re
import shutil
from unittest import mock

import numpy as np
import pytest
import yaml

from pleval.briefs.assemble import BriefContext, assemble_brief
from pleval.briefs.cache import render_view
from pleval.briefs.published import build_cells, build_suppression
from pleval.briefs.render import render_markdown, write_brief
from pleval.build.overview import load_overview, survey_sites, survey_summary
from pleval.project import Project
from pleval.survey.disclosure import COMPLEMENTARY, PRIMARY, RESPONDENTS
from pleval.survey.figures import sites_administered, worded

pytestmark = pytest.mark.slow

PATHWAY_BRIEFS = [{"id": f"pathway-{name.lower()}", "title": "Insights from Ohio's Personalized Learning Network",
                   "subtitle": f"Barriers in the {name} pathway", "themes": ["funding", "time"],
                   "filters": {"pathway": name}} for name in ("EXPLORE", "LAUNCH", "TRANSFORM")]


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
    overview = load_overview(project)
    summary = survey_summary(project, overview, context.survey)
    schools = survey_sites(project, overview, context.survey)
    return project, context, briefs, (summary, schools)


def stated_responses(brief) -> int | None:
    """The respondents a brief says its survey figures cover, as a reader reads them off the page: the footnote's
    "(N responses)" and "About this brief"'s "on N responses"; None when neither states a number."""
    about = re.findall(r"and on (\d+) responses? to the", " ".join(brief.about))
    note = re.findall(r"within its scope \((\d+) responses?\)", brief.footnote or "")
    if note:
        assert note == about
    return int(about[0]) if about else None


def published_cells(context, briefs, pages) -> list[dict]:
    """Every survey figure and respondent count the build publishes, as a reader sees it: the respondents it
    covers (plain pandas over the responses), and its n and agree count, or None when the page shows no number.
    A count is a cell of the item ``(respondents)`` that covers every respondent in its scope."""
    summary, schools = pages
    responses = context.survey.responses
    survey = context.survey.survey
    cells = []
    for assembled in briefs.values():
        for theme in assembled.brief.themes:
            for item in theme.figures:
                figure = item.figure
                rows = responses
                for column, values in figure.filters.active().items():  # a filter names a response column
                    rows = rows[rows[column].isin(values)]
                cells.append({"where": assembled.brief.id, "item": figure.item_id, "rows": rows,
                              "shown": not figure.suppressed, "n": figure.n, "agree": figure.agree})
        scope = assembled.brief.provenance["survey_filters"]
        if scope is not None:
            rows = responses
            for column, values in scope.items():
                if values:
                    rows = rows[rows[column].isin(values)]
            n = stated_responses(assembled.brief)
            cells.append({"where": assembled.brief.id, "item": RESPONDENTS, "rows": rows, "shown": n is not None,
                          "n": n, "agree": 0})
    for row in summary.itertuples():
        rows = responses if row.year == "all years" else responses[responses["year"] == row.year]
        cells.append({"where": f"overview {row.year}", "item": row.item_id, "rows": rows,
                      "shown": row.percent.endswith("%"), "n": None, "agree": None})
        cells.append({"where": f"overview {row.year}", "item": RESPONDENTS, "rows": rows,
                      "shown": row.respondents != "", "n": row.respondents or None, "agree": 0})
    for row in schools.itertuples():
        shown = not isinstance(row.respondents, str)
        cells.append({"where": f"overview schools {row.year}", "item": RESPONDENTS,
                      "rows": responses[responses["year"] == row.year], "shown": shown,
                      "n": row.respondents if shown else None, "agree": 0})
    for cell in cells:  # the truth; a shown cell's counts are known to the reader exactly
        if cell["item"] == RESPONDENTS:
            cell["answered"] = set(cell["rows"].index)
            cell["true"] = (len(cell["rows"]), 0)
        else:
            answers = cell["rows"][cell["item"]]
            answered = answers[answers.notna()]
            cell["answered"] = set(answered.index)
            cell["true"] = (len(answered), int(answered.isin(survey.scale_of(cell["item"]).agree).sum()))
        if cell["shown"] and cell["n"] is not None:
            assert (int(cell["n"]), cell["agree"]) == cell["true"]
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


def subtract_n(cells: list[dict], hidden: list[bool]) -> dict[int, int]:
    """The reader's attack on n alone: every hidden cell whose respondents are a linear combination of shown
    cells of any item or count (a year's respondents minus two briefs' counts, a region's figure minus other
    items' school figures), with the n it gives."""
    joined = [{**c, "item": "n", "true": (c["true"][0], 0)} for c in cells]
    return {i: n for i, (n, _) in subtract(joined, hidden).items()}


def test_no_suppressed_figure_or_count_can_be_worked_out_from_the_build(build):
    _, context, briefs, pages = build
    cells = published_cells(context, briefs, pages)
    hidden = [not c["shown"] for c in cells]
    suppressed = {(c["where"], c["item"]) for c, h in zip(cells, hidden, strict=True) if h}
    assert {("pathway-explore", "funding_sustain"), ("pathway-explore", "time_to_collaborate"),
            ("pathway-explore", RESPONDENTS)} <= suppressed
    assert subtract(cells, hidden) == {}
    assert subtract_n(cells, hidden) == {}
    # the counts the reader holds: every brief's scope and the overview's; two of them are not stated
    counts = [c for c in cells if c["item"] == RESPONDENTS]
    assert len(counts) > 12 and {c["where"] for c in counts if not c["shown"]} == {"pathway-explore",
                                                                                  "pathway-transform"}


def test_per_cell_suppression_alone_gives_the_small_school_away(build):
    # the attack above is real: with only the cells under the threshold hidden, it recovers them exactly
    _, context, briefs, pages = build
    cells = published_cells(context, briefs, pages)
    small = [c["true"][0] < context.survey.survey.suppress_below for c in cells]
    recovered = subtract(cells, small)
    assert recovered and all(recovered[i] == cells[i]["true"] for i in recovered)
    assert {cells[i]["where"] for i in recovered} == {"pathway-explore"}
    assert {cells[i]["true"][0] for i in recovered} <= {8, 7}  # the EXPLORE school's answers in 2024-2025
    # the counts alone give it away too: the year's respondents minus the LAUNCH and TRANSFORM briefs' are 8
    [explore] = [i for i, c in enumerate(cells) if c["where"] == "pathway-explore" and c["item"] == RESPONDENTS]
    assert subtract(cells, small)[explore] == (8, 0) == cells[explore]["true"]
    assert subtract_n(cells, small)[explore] == 8


def test_the_build_withholds_the_transform_brief_and_nothing_else(build):
    project, context, briefs, _ = build
    plan = context.suppression
    assert plan.counts() == {PRIMARY: 3, COMPLEMENTARY: 3}
    figures = [reason for key, reason in plan.reasons.items() if key[0] != RESPONDENTS]
    assert {r: figures.count(r) for r in (PRIMARY, COMPLEMENTARY)} == {PRIMARY: 2, COMPLEMENTARY: 2}
    scope = (("pathway", ("EXPLORE",)), ("year", ("2024-2025",)))
    assert {key: reason for key, reason in plan.reasons.items() if key[0] == RESPONDENTS} == {
        (RESPONDENTS, scope, ()): PRIMARY,
        (RESPONDENTS, (("pathway", ("TRANSFORM",)), ("year", ("2024-2025",))), ()): COMPLEMENTARY}
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
        # nor its respondent count: not in the footnote, "About this brief", the counts, nor anywhere in the page
        true_count = len(context.survey.responses.query("year == '2024-2025'").query(
            f"pathway == '{brief_id.removeprefix('pathway-').upper()}'"))
        assert stated_responses(brief) is None and "survey_responses" not in brief.counts
        said = "fewer than 10 responses" if brief_id == "pathway-explore" else \
            "a number of responses withheld so that a smaller group cannot be worked out"
        assert f"within its scope ({said})" in brief.footnote and f"and on {said} to the" in brief.about[1]
        assert not re.search(rf"\b{true_count}\b", markdown + " ".join(brief.about) + brief.footnote)
    written = write_brief(project, briefs["pathway-transform"])
    view = render_view(briefs["pathway-transform"], written)
    page = (project.outputs / "briefs" / "pathway-transform.html").read_text(encoding="utf-8")
    assert "withheld" in page and "so that a small group cannot be worked out" in page
    true_n = {c.n for c in build_cells(context.survey, context.briefs, context.counted.codebook)
              if c.key[1] and c.key[1][0] == ("pathway", ("TRANSFORM",))}
    table = view.tables["survey"]
    assert not any(f">{n}<" in table for n in true_n) and not any(f">{n}.0<" in table for n in true_n)


def test_the_overview_page_shows_no_cell_a_reader_could_combine_against_them(build):
    _, context, _, (summary, schools) = build
    # the year's figure stays: protecting EXPLORE cost the TRANSFORM brief, the cheapest single cell to withhold
    assert summary["percent"].str.endswith("%").all()
    assert summary["n"].map(lambda n: n != "").all()
    # and so do its counts of respondents, in the survey table and the schools that administered the survey
    assert summary["respondents"].map(lambda n: n != "").all()
    assert schools.equals(worded(sites_administered(context.survey), context.survey))


def test_counts_the_plan_withholds_read_in_words_on_the_overview(build):
    project, context, _, _ = build
    plan = context.suppression
    year = (RESPONDENTS, (("year", ("2024-2025",)),), ())
    plan.reasons[year] = COMPLEMENTARY
    try:  # as if the plan had withheld the 2024-2025 count: the page states no number for that year
        overview = load_overview(project)
        with mock.patch("pleval.build.overview._suppression", return_value=plan):
            schools = survey_sites(project, overview, context.survey)
            summary = survey_summary(project, overview, context.survey)
    finally:
        del plan.reasons[year]
    assert schools.set_index("year").loc["2024-2025", "respondents"] == "withheld"
    assert (summary[summary["year"] == "2024-2025"]["respondents"] == "").all()
    assert (summary[summary["year"] == "2023-2024"]["respondents"] != "").all()
