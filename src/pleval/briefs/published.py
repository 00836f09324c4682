"""The survey figures and respondent counts a build publishes, and which of them are suppressed.

A build publishes, for every brief in briefs.yaml, each survey item linked to the brief's themes among the
respondents in the brief's scope (:func:`brief_survey_filters`), and on the overview page every item overall and
by year (:data:`OVERVIEW_BREAKDOWNS`). It also states how many respondents each covers: a brief's footnote and
"About this brief" the respondents in its scope, the overview the respondents overall and in each year (its
survey table and the sites that administered the survey). A reader holding all of those can subtract one from
another, so suppression is decided over all of them at once, counts as cells whose n is the number of respondents
(:func:`pleval.survey.disclosure.plan_suppression`): a brief drafted on its own withholds exactly what it
withholds in a whole build.
"""

from __future__ import annotations

from ..schema import BriefsFile, BriefSpec, Codebook, Filters, Transcript
from ..survey.disclosure import Cell, Suppression, cell_key, count_cell, count_key, figure_cells, plan_suppression

#: The breakdowns of the overview page's survey table: every item overall, then by year.
OVERVIEW_BREAKDOWNS: tuple[tuple[str, ...], ...] = ((), ("year",))
#: What withholding a figure costs: when one must be withheld to protect a small cell, the overview's summary
#: gives way before a brief's figure (the briefs are what the evaluation delivers).
OVERVIEW_COST, BRIEF_COST = 1, 10


def brief_survey_filters(spec: BriefSpec, data) -> Filters | None:
    """The survey respondents a brief's figures cover: its filters (by response column: ``site``, ``role``,
    ``year`` and the site attributes), in its period(s) or, without one, the survey's latest. None when the survey
    (``data``, a ``SurveyData``) cannot be scoped as the brief is: a filter naming no response column, or none of
    whose values any response has."""
    if data is None:
        return None
    responses = data.responses
    scope: dict[str, list[str]] = {}
    for name, values in spec.filters.active().items():
        if name not in responses.columns:
            return None
        present = set(responses[name].dropna().unique())  # unique first: a string column is slow to walk
        scope[name] = [value for value in values if value in present]
        if not scope[name]:
            return None
    years = scope.pop("year", None) or sorted(set(responses["year"].unique()))[-1:]
    if not years:
        return None
    return Filters.model_validate({"year": years, **scope})


def build_cells(data, briefs: BriefsFile | None, codebook: Codebook | None = None,
                transcripts: list[Transcript] | None = None) -> list[Cell]:
    """Every survey cell a build publishes: the overview's table and respondent counts, then each brief's figures
    and the count of respondents in its scope, in briefs.yaml's order.

    Parameters
    ----------
    data : SurveyData
    briefs : BriefsFile or None
        The usable briefs (None: the overview's cells only).
    codebook : Codebook, optional
        For the items linked to a theme through the code's ``survey_items``.
    transcripts : list of Transcript, optional
        When given, a brief whose filters select none of them (and so is never drafted) publishes nothing.
    """
    from ..survey.description import linked_items
    from .config import select_transcripts

    cells: list[Cell] = []
    for by in OVERVIEW_BREAKDOWNS:
        for item_id in data.survey.item_ids:
            cells += figure_cells(data, item_id, None, by, cost=OVERVIEW_COST)
    cells += [count_cell(data, filters, cost=OVERVIEW_COST) for filters in overview_count_filters(data)]
    for spec in briefs.briefs if briefs is not None else []:
        if transcripts is not None and not select_transcripts(transcripts, spec.filters, data.declaration):
            continue
        filters = brief_survey_filters(spec, data)
        if filters is None:
            continue
        for code_id in spec.themes:
            for item_id in linked_items(data.survey, code_id, codebook):
                cells += figure_cells(data, item_id, filters, cost=BRIEF_COST)
        cells.append(count_cell(data, filters, cost=BRIEF_COST))  # its footnote's and "About this brief"'s
    return cells


def overview_count_filters(data) -> list[Filters | None]:
    """The respondent counts the overview page states: overall (None), then each year's."""
    years = sorted(set(data.responses["year"].unique()))
    return [None, *(Filters(year=[year]) for year in years)]


def build_suppression(data, briefs: BriefsFile | None, codebook: Codebook | None = None,
                      transcripts: list[Transcript] | None = None) -> Suppression:
    """Which of a build's survey cells (:func:`build_cells`) are suppressed, primary or complementary."""
    return plan_suppression(build_cells(data, briefs, codebook, transcripts), data.survey.suppress_below)


def brief_figure_key(item_id: str, filters: Filters) -> tuple:
    """The key of a brief's figure in :func:`build_suppression`."""
    return cell_key(item_id, filters)


def brief_count_key(filters: Filters) -> tuple:
    """The key of a brief's respondent count (its footnote's "(N responses)") in :func:`build_suppression`."""
    return count_key(filters)
