"""Survey figures: the share of respondents agreeing with an item, with n and a Wilson interval, by any breakdown.

Everything here computes from a validated :class:`pleval.survey.data.SurveyData`; nothing reads files. A figure is
"percent agreeing": respondents whose answer is one of the item's ``agree`` levels, out of those who answered
the item (blank and ``not_applicable`` answers count in neither). A cell with fewer answers than the survey's
``suppress_below`` is suppressed: its row keeps ``n`` but has no agree count, percent or interval at all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ..errors import SurveyError
from ..schema import LOCALES, REGIONS, ROLES, SCHOOL_LEVELS, SurveyFigure, SurveyFilters, SurveySource
from .data import SurveyData

#: Names a user may give a breakdown by, and the response column each means.
BREAKDOWNS = {"school": "school", "role": "role", "level": "school_level", "school_level": "school_level",
              "year": "year", "region": "region", "locale": "locale", "district": "district", "pathway": "pathway"}
_ORDERS = {"role": ROLES, "school_level": SCHOOL_LEVELS, "region": REGIONS, "locale": LOCALES}
_FILTER_COLUMNS = {"years": "year", "regions": "region", "levels": "school_level", "pathways": "pathway",
                   "schools": "school", "roles": "role"}
INTERVAL = "Wilson score interval"


def breakdown_columns(names) -> tuple[str, ...]:
    """Response columns for breakdown names such as ``("school", "level")``.

    Raises
    ------
    SurveyError
        For a name that is not a breakdown.
    """
    columns = []
    for name in names:
        column = BREAKDOWNS.get(str(name).strip().lower())
        if column is None:
            raise SurveyError(f"cannot break survey figures down by '{name}'",
                              fix=f"use one or more of: {', '.join(BREAKDOWNS)}")
        if column not in columns:
            columns.append(column)
    return tuple(columns)


def filter_responses(data: SurveyData, filters: SurveyFilters | None = None) -> pd.DataFrame:
    """The responses that ``filters`` selects (all of them when it is None or empty).

    Raises
    ------
    SurveyError
        If a filter names a year, school or pathway that no response has (most likely a typing mistake).
    """
    responses = data.responses
    if filters is None:
        return responses
    keep = pd.Series(True, index=responses.index)
    for field, values in filters:
        if not values:
            continue
        column = _FILTER_COLUMNS[field]
        if field in ("years", "schools", "pathways"):
            known = set(responses[column].unique())  # unique first: a string column is slow to walk in Python
            unknown = [v for v in values if v not in known]
            if unknown:
                raise SurveyError(f"no survey responses have {column} {', '.join(map(repr, unknown))}",
                                  fix=f"use one of: {', '.join(sorted(known))}")
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


def _sorted(frame: pd.DataFrame, columns: tuple[str, ...], item_order: list[str] | None = None) -> pd.DataFrame:
    """Items in survey.yaml's order; roles, levels, regions and locales in the model's order; the rest by name."""
    keys: dict[str, Callable[[pd.Series], pd.Series]] = {
        "item_id": lambda s: s.map({item: i for i, item in enumerate(item_order or [])})}
    for column, order in _ORDERS.items():
        keys[column] = _by_rank({value: i for i, value in enumerate(order)})
    by = (["item_id"] if item_order else []) + list(columns)
    if not by:
        return frame
    return frame.sort_values(by, key=lambda s: keys[s.name](s) if s.name in keys else s, kind="stable")


def agreement_table(data: SurveyData, *, items=None, by=(), filters: SurveyFilters | None = None,
                    suppress_below: int | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Percent agreeing with each item, with n and a Wilson interval, overall or in each cell of a breakdown.

    Parameters
    ----------
    data : SurveyData
    items : list of str, optional
        Item ids (default: every item, in survey.yaml's order).
    by : sequence of str
        Breakdown names (see :data:`BREAKDOWNS`); several at once cross them (school and role: one row per
        school and role). Empty: one overall row per item.
    filters : SurveyFilters, optional
        Which respondents count.
    suppress_below : int, optional
        Suppress cells with fewer answers than this (default: the survey's ``suppress_below``).
    confidence : float
        Of the interval.

    Returns
    -------
    pandas.DataFrame
        One row per item and cell: ``item_id``, ``wording``, the breakdown columns (``school``, ``role``,
        ``school_level``, ``year``, ...), ``respondents`` (in the cell), ``n`` (who answered the item),
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
    columns = breakdown_columns(by)
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
    table = _sorted(table, columns, items).reset_index(drop=True)
    table = _with_percent(table, threshold, confidence)
    table.attrs["provenance"] = {
        "survey": survey.name, "survey_hash": survey.hash, "population": survey.population,
        "sources": [s.model_dump() for s in used_sources(data, responses)],
        "filters": (filters or SurveyFilters()).active(),
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


def item_figure(data: SurveyData, item_id: str, filters: SurveyFilters | None = None, *,
                suppress_below: int | None = None, confidence: float = 0.95) -> SurveyFigure:
    """One item's percent agreeing among the respondents ``filters`` selects, with its provenance.

    This is the figure a brief quotes ("Approximately 40% of educators in schools that administered the
    survey in 2023-2024 agreed that ..."): ``schools`` is how many schools had respondents within the filters.

    Raises
    ------
    SurveyError
        For an unknown item id or filter value.
    """
    filters = filters or SurveyFilters()
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
        population=survey.population, n=int(row["n"]), agree=None if pd.isna(row["agree"]) else int(row["agree"]),
        percent=number(row["percent"]), ci_low=number(row["ci_low"]), ci_high=number(row["ci_high"]),
        confidence=confidence, suppressed=bool(row["suppressed"]), suppress_below=provenance["suppress_below"],
        agree_levels=tuple(provenance["agree_levels"][item_id]), filters=filters,
        schools=int(responses["school"].nunique()), years=tuple(sorted(responses["year"].unique())),
        sources=used_sources(data, responses), survey_hash=survey.hash,
    )


def schools_administered(data: SurveyData, *, by=("year",), filters: SurveyFilters | None = None) -> pd.DataFrame:
    """How many schools administered the survey (had at least one respondent), and how many responded.

    Returns
    -------
    pandas.DataFrame
        The breakdown columns (default ``year``), ``schools`` and ``respondents``; with ``by=()``, one row over
        all years (a school surveyed in two years counts once).
    """
    columns = breakdown_columns(by)
    responses = filter_responses(data, filters)
    if not columns:
        return pd.DataFrame({"schools": [responses["school"].nunique()], "respondents": [len(responses)]})
    counts = responses.groupby(list(columns), observed=True).agg(schools=("school", "nunique"),
                                                                  respondents=("respondent", "size")).reset_index()
    return _sorted(counts, columns).reset_index(drop=True)


def parse_breakdowns(text: str | None) -> list[tuple[str, ...]]:
    """``"school,role+year"`` -> ``[(), ("school",), ("role", "year")]``: overall first, ``+`` crosses breakdowns.

    Raises
    ------
    SurveyError
        For a name that is not a breakdown.
    """
    breakdowns: list[tuple[str, ...]] = [()]
    for part in (text or "").split(","):
        names = [name.strip() for name in part.split("+") if name.strip()]
        if names:
            columns = breakdown_columns(names)
            if columns not in breakdowns:
                breakdowns.append(columns)
    return breakdowns


def agreement_report(data: SurveyData, *, breakdowns=((),), items=None, filters: SurveyFilters | None = None,
                     suppress_below: int | None = None) -> pd.DataFrame:
    """Several agreement tables stacked into one, e.g. overall, by school, and by school and role.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`agreement_table` for every breakdown's columns, plus ``breakdown`` first
        (``"overall"``, ``"school"``, ``"school+role"``); a row's breakdown columns outside its breakdown are
        missing. ``attrs["provenance"]`` is the overall table's, with every breakdown listed under ``by``.
    """
    parts = []
    for columns in breakdowns:
        table = agreement_table(data, items=items, by=columns, filters=filters, suppress_below=suppress_below)
        table.insert(0, "breakdown", "+".join(columns) or "overall")
        parts.append(table)
    report = pd.concat(parts, ignore_index=True)
    present = [c for c in dict.fromkeys(BREAKDOWNS.values()) if c in report.columns]
    leading = ["breakdown", "item_id", "wording", *present]
    report = report[leading + [c for c in report.columns if c not in leading]]
    report.attrs["provenance"] = {**parts[0].attrs["provenance"], "by": ["+".join(c) or "overall" for c in breakdowns]}
    return report


def marked_table(table: pd.DataFrame, suppress_below: int) -> pd.DataFrame:
    """An agreement table for reading: whole percentages and intervals, and suppressed cells marked in words.

    A suppressed row shows ``suppressed (n < K)`` where the percent would be, and nothing as its interval; a row
    withheld to protect another (a ``withheld`` column, see :func:`pleval.survey.disclosure.withheld_table`)
    shows ``withheld``. The wording, the ``breakdown`` label and breakdown columns that are empty throughout are
    left out.
    """
    shown = table.drop(columns=[c for c in ("breakdown", "wording", "suppressed", "withheld", "agree", "ci_low",
                                            "ci_high") if c in table.columns])
    empty = [c for c in set(BREAKDOWNS.values()) if c in shown.columns and shown[c].isna().all()]
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
