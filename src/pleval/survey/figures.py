"""Survey figures: the share of respondents agreeing with an item, with n and a Wilson interval, by any breakdown.

Everything here computes from a validated :class:`pleval.survey.data.SurveyData`; nothing reads files. A figure is
"percent agreeing": respondents whose answer is one of the item's ``agree`` levels, out of those who answered
the item (blank and ``not_applicable`` answers count in neither). A cell with fewer answers than the survey's
``suppress_below`` is suppressed: its row keeps ``n`` but has no agree count, percent or interval at all.

Breakdowns and filters name columns of the responses: ``site`` (or the site's key or word in pleval.yaml, say
``clinic``), ``role``, ``year`` and any site attribute (``state``, ``setting``). Values are ordered as pleval.yaml
declares them (its roles, an attribute's ``values``), any other by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ..errors import SurveyError
from ..schema import SITE, Filters, SurveyFigure, SurveySource
from ..schema.declaration import did_you_mean
from .data import SurveyData
from .description import column_key

INTERVAL = "Wilson score interval"
#: Columns of an agreement table that are no breakdown.
MEASURES = ("breakdown", "item_id", "wording", "respondents", "n", "agree", "percent", "ci_low", "ci_high",
            "suppressed", "withheld")


def response_names(data: SurveyData) -> dict[str, str]:
    """Every name a breakdown or a filter may use, and the response column it means: ``site``, ``role``,
    ``year`` and each site attribute by its name; the site also by its key and its word in pleval.yaml
    (``clinic``)."""
    names = {column: column for column in (SITE, "role", "year", *data.site_attributes)}
    site = data.declaration.site
    for alias in (site.key, site.singular):
        names.setdefault(column_key(alias), SITE)
    return names


def _known_names(data: SurveyData) -> list[str]:
    """The names a message offers: the site's key (as the metadata names it), role, year and the attributes."""
    return [data.declaration.site.key, "role", "year", *data.site_attributes]


def breakdown_columns(data: SurveyData, names: Iterable[str]) -> tuple[str, ...]:
    """Response columns for breakdown names such as ``("clinic", "role")`` (see :func:`response_names`).

    Raises
    ------
    SurveyError
        For a name that is not a breakdown.
    """
    lookup = response_names(data)
    columns: list[str] = []
    for name in names:
        column = lookup.get(column_key(name))
        if column is None:
            known = _known_names(data)
            raise SurveyError(f"cannot break survey figures down by '{name}'{did_you_mean(str(name), known)}",
                              fix=f"use one or more of: {', '.join(known)}")
        if column not in columns:
            columns.append(column)
    return tuple(columns)


def _declared_values(data: SurveyData, column: str) -> tuple[str, ...]:
    """The values pleval.yaml declares for a column, in its order: its roles, an attribute's ``values``."""
    if column == "role":
        return data.declaration.role_ids
    attribute = data.declaration.site_attribute(column)
    return attribute.values if attribute is not None else ()


def scoped_filters(data: SurveyData, filters: Filters | None) -> Filters:
    """``filters`` by response column (``clinic: [...]`` is ``site: [...]``), years written as pleval.yaml's
    periods are (``2023-24`` is ``2023-2024``).

    Raises
    ------
    SurveyError
        For a name that is no response column, a year not written as a period, or a column named twice.
    """
    if filters is None:
        return Filters()
    lookup = response_names(data)
    scoped: dict[str, list[str]] = {}
    for name, values in filters.active().items():
        column = lookup.get(column_key(name))
        if column is None:
            known = _known_names(data)
            raise SurveyError(f"cannot filter survey responses by '{name}'{did_you_mean(name, known)}",
                              fix=f"use one or more of: {', '.join(known)}")
        if column in scoped:
            raise SurveyError(f"the filters name the {column} twice ('{name}')", fix="give its values once")
        if column == "year":
            try:
                values = tuple(data.declaration.periods.normalise(value) for value in values)
            except ValueError as error:
                raise SurveyError(str(error), fix="write the year as the survey's are") from None
        scoped[column] = list(values)
    return Filters.model_validate(scoped)


def filter_responses(data: SurveyData, filters: Filters | None = None) -> pd.DataFrame:
    """The responses that ``filters`` selects (all of them when it is None or empty).

    Raises
    ------
    SurveyError
        If a filter names an unknown column, a value outside those pleval.yaml declares for it, or, for a column
        without declared values (the site, the year, a free attribute), a value no response has (most likely a
        typing mistake).
    """
    responses = data.responses
    if filters is None or not filters.active():
        return responses
    keep = pd.Series(True, index=responses.index)
    for column, values in scoped_filters(data, filters).active().items():
        declared = _declared_values(data, column)
        known = declared or tuple(sorted(map(str, responses[column].unique())))  # unique: a column walks slowly
        unknown = [v for v in values if v not in known]
        if unknown:
            if declared:
                raise SurveyError(f"{column} {', '.join(map(repr, unknown))} is not one of: {', '.join(declared)}"
                                  f"{did_you_mean(unknown[0], declared)}", fix="use a value pleval.yaml declares")
            said = data.declaration.site.singular if column == SITE else column
            raise SurveyError(f"no survey responses have {said} {', '.join(map(repr, unknown))}"
                              f"{did_you_mean(unknown[0], known)}", fix=f"use one of: {', '.join(known)}")
        keep &= responses[column].isin(values)
    return responses[keep]


def wilson_interval(agree, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of agree/n, as proportions (statsmodels' ``proportion_confint``)."""
    low, high = proportion_confint(np.asarray(agree), np.asarray(n), alpha=1 - confidence, method="wilson")
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def used_sources(data: SurveyData, responses: pd.DataFrame) -> tuple[SurveySource, ...]:
    """The respondent files that ``responses`` (a selection of ``data.responses``) come from."""
    used = set(responses["source"].unique())
    return tuple(source for source in data.sources if source.path in used)


def _by_rank(rank: dict[str, int]) -> Callable[[pd.Series], pd.Series]:
    """A sort key putting values in ``rank``'s order, unknown values last."""
    return lambda s: s.map(lambda v: rank.get(v, len(rank)))


def _sorted(frame: pd.DataFrame, data: SurveyData, columns: tuple[str, ...],
            item_order: list[str] | None = None) -> pd.DataFrame:
    """Items in survey.yaml's order; roles and attribute values in pleval.yaml's order; the rest by value."""
    keys: dict[str, Callable[[pd.Series], pd.Series]] = {
        "item_id": lambda s: s.map({item: i for i, item in enumerate(item_order or [])})}
    for column in columns:
        declared = _declared_values(data, column)
        if declared:
            keys[column] = _by_rank({value: i for i, value in enumerate(declared)})
    by = (["item_id"] if item_order else []) + list(columns)
    if not by:
        return frame
    return frame.sort_values(by, key=lambda s: keys[s.name](s) if s.name in keys else s, kind="stable")


def agreement_table(data: SurveyData, *, items=None, by=(), filters: Filters | None = None,
                    suppress_below: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Percent agreeing with each item, with n and a Wilson interval, overall or in each cell of a breakdown.

    Parameters
    ----------
    data : SurveyData
    items : list of str, optional
        Item ids (default: every item, in survey.yaml's order).
    by : sequence of str
        Breakdown names (see :func:`response_names`); several at once cross them (site and role: one row per
        site and role). Empty: one overall row per item.
    filters : Filters, optional
        Which respondents count.
    suppress_below : int, optional
        Suppress cells with fewer answers than this (default: the survey's ``suppress_below``).
    confidence : float
        Of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per item and cell: ``item_id``, ``wording``, the breakdown columns (``site``, ``role``,
        ``year``, an attribute...), ``respondents`` (in the cell), ``n`` (who answered the item),
        ``agree`` (how many agreed; missing when suppressed), ``percent``, ``ci_low``, ``ci_high`` (0-100;
        missing when suppressed) and ``suppressed``. ``attrs["provenance"]`` records the survey, its hash,
        the respondent files with their sha256, the filters, the breakdown, the threshold and the interval.

    Raises
    ------
    SurveyError
        For an unknown item id, breakdown or filter value.
    """
    survey = data.survey
    items = list(items) if items else survey.item_ids
    unknown = [i for i in items if i not in survey.item_ids]
    if unknown:
        raise SurveyError(f"no survey item {', '.join(map(repr, unknown))}", fix=f"use one of: "
                          f"{', '.join(survey.item_ids)}")
    columns = breakdown_columns(data, by)
    threshold = survey.suppress_below if suppress_below is None else int(suppress_below)
    responses = filter_responses(data, filters)
    parts = []
    for item_id in items:
        answers = responses[item_id]
        cells = pd.DataFrame({column: responses[column] for column in columns}, index=responses.index)
        cells["respondents"] = 1
        cells["n"] = answers.notna().astype(int)
        cells["agree"] = answers.isin(survey.scale_of(item_id).agree).astype(int)
        if columns:
            counts = cells.groupby(list(columns), observed=True, sort=False)[["respondents", "n", "agree"]].sum()
            counts = counts.reset_index()
        else:
            counts = pd.DataFrame([cells[["respondents", "n", "agree"]].sum()])
        counts.insert(0, "item_id", item_id)
        counts.insert(1, "wording", survey.item(item_id).wording)
        parts.append(counts)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    table = _sorted(table, data, columns, items).reset_index(drop=True)
    table = _with_percent(table, threshold, confidence)
    table.attrs["provenance"] = {
        "survey": survey.name, "survey_hash": survey.hash, "population": data.declaration.words.respondents.plural,
        "sources": [s.model_dump() for s in used_sources(data, responses)],
        "filters": (filters or Filters()).active(),
        "by": list(columns), "suppress_below": threshold, "interval": INTERVAL, "confidence": confidence,
        "agree_levels": {item_id: list(survey.scale_of(item_id).agree) for item_id in items},
    }
    return table


def _with_percent(table: pd.DataFrame, threshold: int, confidence: float) -> pd.DataFrame:
    """Percent and interval where n reaches the threshold; nothing at all (not even the agree count) elsewhere."""
    table = table.astype({"respondents": int, "n": int, "agree": int})
    shown = table["n"] >= threshold
    percent = np.full(len(table), np.nan)
    low, high = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if shown.any():
        agree, n = table.loc[shown, "agree"].to_numpy(), table.loc[shown, "n"].to_numpy()
        percent[shown.to_numpy()] = 100 * agree / n
        lows, highs = wilson_interval(agree, n, confidence)
        low[shown.to_numpy()], high[shown.to_numpy()] = 100 * lows, 100 * highs
    table["agree"] = table["agree"].astype("Int64").where(shown, pd.NA)
    table["percent"], table["ci_low"], table["ci_high"] = percent, low, high
    table["suppressed"] = ~shown
    return table


def item_figure(data: SurveyData, item_id: str, filters: Filters | None = None, *,
                suppress_below: int | None = None, confidence: float = 0.95) -> SurveyFigure:
    """One item's percent agreeing among the respondents ``filters`` selects, with its provenance.

    This is the figure a brief quotes ("Approximately 40% of respondents in the sites that administered the
    survey in 2025 agreed that ..."): ``sites`` is how many sites had respondents within the filters, and
    ``population`` is pleval.yaml's word for the respondents.

    Raises
    ------
    SurveyError
        For an unknown item id or filter value.
    """
    filters = filters or Filters()
    table = agreement_table(data, items=[item_id], filters=filters, suppress_below=suppress_below,
                            confidence=confidence)
    row = table.iloc[0]
    responses = filter_responses(data, filters)
    provenance = table.attrs["provenance"]
    survey = data.survey
    item = survey.item(item_id)

    def number(value):
        return None if pd.isna(value) else float(value)

    return SurveyFigure(
        item_id=item_id, wording=item.wording, agreed_that=item.agreed_that, survey=survey.name,
        population=provenance["population"], n=int(row["n"]),
        agree=None if pd.isna(row["agree"]) else int(row["agree"]),
        percent=number(row["percent"]), ci_low=number(row["ci_low"]), ci_high=number(row["ci_high"]),
        confidence=confidence, suppressed=bool(row["suppressed"]), suppress_below=provenance["suppress_below"],
        agree_levels=tuple(provenance["agree_levels"][item_id]), filters=filters,
        sites=int(responses[SITE].nunique()), years=tuple(sorted(responses["year"].unique())),
        sources=used_sources(data, responses), survey_hash=survey.hash,
    )


def sites_administered(data: SurveyData, *, by=("year",), filters: Filters | None = None) -> pd.DataFrame:
    """How many sites administered the survey (had at least one respondent), and how many responded.

    Returns
    -------
    pandas.DataFrame
        The breakdown columns (default ``year``), ``sites`` and ``respondents``; with ``by=()``, one row over
        all years (a site surveyed in two years counts once).
    """
    columns = breakdown_columns(data, by)
    responses = filter_responses(data, filters)
    if not columns:
        return pd.DataFrame({"sites": [responses[SITE].nunique()], "respondents": [len(responses)]})
    counts = responses.groupby(list(columns), observed=True).agg(sites=(SITE, "nunique"),
                                                                  respondents=("respondent", "size")).reset_index()
    return _sorted(counts, data, columns).reset_index(drop=True)


def parse_breakdowns(text: str | None) -> list[tuple[str, ...]]:
    """``"clinic,role+year"`` -> ``[(), ("clinic",), ("role", "year")]``: overall first, ``+`` crosses breakdowns.

    The names are checked where figures are computed (:func:`breakdown_columns`).
    """
    breakdowns: list[tuple[str, ...]] = [()]
    for part in (text or "").split(","):
        names = tuple(name.strip() for name in part.split("+") if name.strip())
        if names and names not in breakdowns:
            breakdowns.append(names)
    return breakdowns


def agreement_report(data: SurveyData, *, breakdowns=((),), items=None, filters: Filters | None = None,
                     suppress_below: int | None = None) -> pd.DataFrame:
    """Several agreement tables stacked into one, e.g. overall, by site, and by site and role.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`agreement_table` for every breakdown's columns, plus ``breakdown`` first
        (``"overall"``, ``"site"``, ``"site+role"``: the response columns); a row's breakdown columns outside
        its breakdown are missing. ``attrs["provenance"]`` is the overall table's, with every breakdown listed
        under ``by``.

    Raises
    ------
    SurveyError
        For an unknown item id, breakdown or filter value.
    """
    resolved: list[tuple[str, ...]] = []
    for names in breakdowns:
        columns = breakdown_columns(data, names)
        if columns not in resolved:
            resolved.append(columns)
    parts = []
    for columns in resolved:
        table = agreement_table(data, items=items, by=columns, filters=filters, suppress_below=suppress_below)
        table.insert(0, "breakdown", "+".join(columns) or "overall")
        parts.append(table)
    report = pd.concat(parts, ignore_index=True)
    present = list(dict.fromkeys(column for columns in resolved for column in columns))
    leading = ["breakdown", "item_id", "wording", *present]
    report = report[leading + [c for c in report.columns if c not in leading]]
    report.attrs["provenance"] = {**parts[0].attrs["provenance"], "by": ["+".join(c) or "overall" for c in resolved]}
    return report


def worded(table: pd.DataFrame, data: SurveyData) -> pd.DataFrame:
    """A table of figures or counts as text shows it, in the project's words: the ``site`` column and breakdown
    labels named by pleval.yaml's word for a site ("clinic"), the ``sites`` count by its plural ("clinics")."""
    site = data.declaration.site
    taken = set(table.columns) - {SITE, "sites"}
    names = {old: new for old, new in ((SITE, site.singular), ("sites", site.plural)) if new not in taken}
    shown = table.rename(columns=names)
    if "breakdown" in shown.columns and SITE in names:
        shown["breakdown"] = ["+".join(names[SITE] if part == SITE else part for part in label.split("+"))
                              for label in shown["breakdown"]]
    return shown


def marked_table(table: pd.DataFrame, suppress_below: int) -> pd.DataFrame:
    """An agreement table for reading: whole percentages and intervals, and suppressed cells marked in words.

    A suppressed row shows ``suppressed (n < K)`` where the percent would be, and nothing as its interval; a row
    withheld to protect another (a ``withheld`` column, see :func:`pleval.survey.disclosure.withheld_table`)
    shows ``withheld``. The wording, the ``breakdown`` label and breakdown columns that are empty throughout are
    left out.
    """
    shown = table.drop(columns=[c for c in ("breakdown", "wording", "suppressed", "withheld", "agree", "ci_low",
                                            "ci_high") if c in table.columns])
    empty = [c for c in shown.columns if c not in MEASURES and shown[c].isna().all()]
    shown = shown.drop(columns=empty)
    withheld = table["withheld"] if "withheld" in table.columns else pd.Series(False, index=table.index)
    for column in ("n", "respondents"):  # numbers a published table leaves out (disclosure.withheld_table)
        if column in shown.columns and shown[column].isna().any():
            shown[column] = shown[column].astype(object).where(shown[column].notna(), "")
    shown["percent"] = ["withheld" if hidden else f"suppressed (n < {suppress_below})" if suppressed
                        else f"{percent:.0f}%"
                        for percent, suppressed, hidden in zip(table["percent"], table["suppressed"], withheld,
                                                               strict=True)]
    shown["95% CI"] = ["" if suppressed else f"{low:.0f}-{high:.0f}"
                       for low, high, suppressed in zip(table["ci_low"], table["ci_high"], table["suppressed"],
                                                        strict=True)]
    return shown.reset_index(drop=True)
