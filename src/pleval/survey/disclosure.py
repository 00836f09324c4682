"""Complementary suppression: no suppressed survey figure can be worked out from the figures published beside it.

Suppressing each small cell on its own is not enough. A state's figure minus the figures of all but one of its
sites is that site's figure; a site's figure minus its nurses' is its manager's. So a build's figures are
protected together: :func:`plan_suppression` takes every cell the build publishes (an item among a set of
respondents, with its n and agree count), suppresses the cells with fewer answers than the threshold (primary
suppression), then withholds further cells (complementary suppression) until no suppressed cell is a linear
combination of the cells still shown, repeating to a fixed point. For each suppressed cell that still follows
from the others, the cheapest one or two shown cells whose withholding stops it are withheld: the next smallest
part of the same total, or the total itself, or a copy of the cell published under another name.

A cell is known by the respondents who answered the item in it. Respondents that belong to exactly the same
published cells form one *atom*; a reader who knows which cells contain which atoms (states contain sites,
sites contain roles) but not the atoms' counts can work out a suppressed cell's n and agree count exactly when
its atoms are a combination of shown cells: the state minus the other sites, the overall figure minus the
published breakdowns, or the very same respondents published under another name. Cells with the same respondents
are therefore always suppressed together. Complementary cells are chosen cheapest first (by their ``cost``, then
n, then the order given), so the result is deterministic. Bounds a reader could add from counts being
non-negative are not considered: the guarantee is against subtraction (any linear combination of published
figures). Partners are chosen, where possible, so that a suppressed cell and the cells withheld with it did not
all agree or all disagree (else a reader would learn that each of them did).

A page also states how many respondents a scope has ("8 responses"). Such a count is a cell too
(:func:`count_cell`, of the pseudo-item :data:`RESPONDENTS`): its n is the number of respondents, and it has no
agree count. A cell's n and agree count follow only from cells of its item, but its n alone follows from any
published n: the year's respondents minus two briefs' counts, or a state's figure minus other items' site
figures. So besides each item's cells, the plan protects every cell's n among all the cells at once.

Nothing here reads files; :mod:`pleval.briefs.published` gathers the cells of a build.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema import Filters, SurveyFigure

PRIMARY = "primary"
COMPLEMENTARY = "complementary"
#: The item of a respondent count (:func:`count_cell`): how many respondents a page says a scope has. Not a
#: survey item id (those are safe ids, without parentheses).
RESPONDENTS = "(respondents)"


@dataclass(frozen=True)
class Cell:
    """One published survey figure: an item's answers among a set of respondents.

    Attributes
    ----------
    key : hashable
        How the caller names the cell (e.g. the item with its filters and breakdown values). Cells with one key
        are one figure, however often it is published.
    item_id : str
    answered : frozenset
        Labels of the respondents who answered the item in the cell (rows of ``SurveyData.responses``); their
        count is ``n``.
    agree : int
        How many of them agreed.
    cost : int
        What withholding the cell costs, when one must be withheld to protect another: the cheapest cells go
        first (a build makes its briefs' figures dearer than the overview page's).
    """

    key: Hashable
    item_id: str
    answered: frozenset
    agree: int
    cost: int = 1

    @property
    def n(self) -> int:
        return len(self.answered)


@dataclass
class Suppression:
    """Which cells of a build are suppressed, and why: ``primary`` (fewer answers than ``threshold``) or
    ``complementary`` (withheld so that a suppressed cell cannot be worked out from the others)."""

    threshold: int
    reasons: dict[Hashable, str] = field(default_factory=dict)  # suppressed cell key -> PRIMARY or COMPLEMENTARY

    def reason(self, key: Hashable) -> str | None:
        """Why the cell ``key`` is suppressed, or None when it is shown."""
        return self.reasons.get(key)

    def counts(self) -> dict[str, int]:
        """How many cells are suppressed for each reason."""
        return {reason: sum(r == reason for r in self.reasons.values()) for reason in (PRIMARY, COMPLEMENTARY)}


def _atoms(cells: Sequence[Cell]) -> np.ndarray:
    """A cells x atoms matrix of 0 and 1: atom j is a set of respondents that lie in exactly the same cells."""
    signatures: dict[Hashable, list[int]] = {}
    for index, cell in enumerate(cells):
        for respondent in cell.answered:
            signatures.setdefault(respondent, []).append(index)
    atoms = sorted({tuple(s) for s in signatures.values()})
    matrix = np.zeros((len(cells), len(atoms)))
    for column, members in enumerate(atoms):
        matrix[list(members), column] = 1.0
    return matrix


def _in_span(row: np.ndarray, rows: np.ndarray) -> bool:
    """Whether ``row`` is a linear combination of ``rows``: the figure it stands for follows by subtraction."""
    if not row.any():
        return True
    if not len(rows):
        return False
    rank = np.linalg.matrix_rank(rows)
    return bool(np.linalg.matrix_rank(np.vstack([rows, row])) == rank)


def _partners(target: int, shown: list[int], matrix: np.ndarray, cells: Sequence[Cell]) -> tuple[int, ...]:
    """The shown cells to withhold so that ``target`` no longer follows: the cheapest one or two whose withholding
    is enough (by total cost, then total n, then order given), else the cheapest one the subtraction uses (the
    caller then looks again). Partners that would leave the target with theirs all agreeing or all disagreeing
    (the audit's "0 of 8" beside another 0) are passed over while others will do."""
    order = sorted(shown, key=lambda i: (cells[i].cost, cells[i].n, i))
    small = cells[target]

    def score(combo: tuple[int, ...]) -> tuple:
        return sum(cells[i].cost for i in combo), sum(cells[i].n for i in combo), sorted(combo)

    def mixed(combo: tuple[int, ...]) -> bool:
        # a reader gets the target and its partners together: if none of them agreed (or all did), so did each.
        # Only partners of the target's item carry its agreement; a respondent count carries none.
        same = [i for i in combo if cells[i].item_id == small.item_id]
        if small.item_id == RESPONDENTS or not same:
            return True
        agree = sum(cells[i].agree for i in same)
        return (small.agree > 0 or agree > 0) and (small.agree < small.n or agree < sum(cells[i].n for i in same))

    for wanted in (mixed, lambda combo: True):
        best: tuple[int, ...] | None = None
        for size in (1, 2):
            for combo in itertools.combinations(order, size):
                if (best is not None and score(combo) >= score(best)) or not wanted(combo):
                    continue
                rest = [i for i in shown if i not in combo]
                if not _in_span(matrix[target], matrix[rest]):
                    best = combo
        if best is not None:
            return best
    coefficients, *_ = np.linalg.lstsq(matrix[shown].T, matrix[target], rcond=None)
    used = {i for i, c in zip(shown, coefficients, strict=True) if abs(c) > 1e-9}
    return (next(i for i in order if i in used),)


def _groups(cells: Sequence[Cell]) -> list[list[int]]:
    """The groups a reader combines cells within: each item's cells (their n and agree counts), then every cell
    at once (n alone: a respondent count, or one item's n, minus another)."""
    by_item: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        if cell.item_id != RESPONDENTS:
            by_item.setdefault(cell.item_id, []).append(index)
    groups = list(by_item.values())
    everything = list(range(len(cells)))
    if len(cells) and everything not in groups:
        groups.append(everything)
    return groups


def _unique(cells: Iterable[Cell]) -> list[Cell]:
    unique: dict[Hashable, Cell] = {}
    for cell in cells:
        unique.setdefault(cell.key, cell)
    return list(unique.values())


def plan_suppression(cells: Iterable[Cell], threshold: int) -> Suppression:
    """Primary and complementary suppression over every cell a build publishes.

    Parameters
    ----------
    cells : iterable of Cell
        Every published figure and respondent count (:func:`count_cell`; repeats of one key count once, the first
        is kept). A figure's n and agree count can be worked out only from figures of its item; its n, and a
        respondent count, from any published n (every figure's and every count's).
    threshold : int
        A cell with fewer answers (a count: fewer respondents) than this is suppressed (survey.yaml's
        ``suppress_below``).

    Returns
    -------
    Suppression
        Every suppressed cell's key with its reason. No suppressed cell with answers is a linear combination of
        the cells left shown for its item, and no suppressed n one of all the n left shown. A cell nobody
        answered is suppressed and needs no protecting.
    """
    unique = _unique(cells)
    suppression = Suppression(threshold)
    hidden = {i for i, cell in enumerate(unique) if cell.n < threshold}
    for i in hidden:
        suppression.reasons[unique[i].key] = PRIMARY
    groups = [(group, _atoms([unique[i] for i in group])) for group in _groups(unique)]
    changed = True
    while changed:  # to a fixed point: a cell withheld now may itself follow from the others, in any group
        changed = False
        for group, matrix in groups:
            members = [unique[i] for i in group]
            local = {position for position, i in enumerate(group) if i in hidden}
            for target in sorted(local, key=lambda p: (members[p].n, p)):
                if members[target].n == 0:
                    continue
                shown = [p for p in range(len(group)) if p not in local]
                if shown and _in_span(matrix[target], matrix[shown]):
                    for partner in _partners(target, shown, matrix, members):
                        hidden.add(group[partner])
                        suppression.reasons[members[partner].key] = COMPLEMENTARY
                    changed = True
                    break  # look again from the smallest, in every group
            if changed:
                break
    return suppression


def recoverable(cells: Iterable[Cell], suppressed: Iterable[Hashable]) -> list[Hashable]:
    """The suppressed cells (by key) whose n (and agree count) follow from the shown cells by subtraction (a
    linear combination: of their item's figures, or of every published n); empty when the suppression protects
    them all."""
    hidden = set(suppressed)
    unique = _unique(cells)
    found: list[Hashable] = []
    for group in _groups(unique):
        members = [unique[i] for i in group]
        matrix = _atoms(members)
        shown = [p for p, cell in enumerate(members) if cell.key not in hidden]
        for p, cell in enumerate(members):
            if cell.key in hidden and cell.n and cell.key not in found and _in_span(matrix[p], matrix[shown]):
                found.append(cell.key)
    return found


# --- cells of a survey ----------------------------------------------------------------------------------------


def cell_key(item_id: str, filters: Filters | None = None, cell: Sequence[tuple[str, object]] = ()) -> tuple:
    """A figure's name: its item, its filters and, in a breakdown, the cell's values (``(("year", "2023-2024"),)``)."""
    active = (filters or Filters()).active()
    return (item_id, tuple(sorted((name, tuple(values)) for name, values in active.items())), tuple(cell))


def figure_cells(data, item_id: str, filters: Filters | None = None, by: Sequence[str] = (), *,
                 cost: int = 1) -> list[Cell]:
    """The cells of one item among the respondents ``filters`` selects: one overall, or one per cell of the
    breakdown ``by`` (response columns such as ``year``, ``site``, ``role`` or an attribute, by any name
    :func:`pleval.survey.figures.breakdown_columns` takes), keyed by :func:`cell_key` with the columns' names,
    each with ``cost``.

    ``data`` is a :class:`pleval.survey.data.SurveyData`.
    """
    from .figures import breakdown_columns, filter_responses

    by = breakdown_columns(data, by)
    responses = filter_responses(data, filters)
    answers = responses[item_id]
    answered = responses[answers.notna()]
    agreed = answers[answers.notna()].isin(data.survey.scale_of(item_id).agree)
    if not by:
        return [Cell(cell_key(item_id, filters), item_id, frozenset(answered.index), int(agreed.sum()), cost)]
    cells = []
    for values, rows in answered.groupby(list(by), observed=True, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        cell = tuple((column, value) for column, value in zip(by, values, strict=True))
        cells.append(Cell(cell_key(item_id, filters, cell), item_id, frozenset(rows.index),
                          int(agreed.loc[rows.index].sum()), cost))
    return cells


def count_key(filters: Filters | None = None) -> tuple:
    """A respondent count's name: how many respondents ``filters`` selects (a page's "8 responses")."""
    return cell_key(RESPONDENTS, filters)


def count_cell(data, filters: Filters | None = None, *, cost: int = 1) -> Cell:
    """The respondent count of the respondents ``filters`` selects, as a cell (its n is the count; it carries no
    agreement), keyed by :func:`count_key`. ``data`` is a :class:`pleval.survey.data.SurveyData`."""
    from .figures import filter_responses

    return Cell(count_key(filters), RESPONDENTS, frozenset(filter_responses(data, filters).index), 0, cost)


def withheld_figure(figure: SurveyFigure, reason: str | None) -> SurveyFigure:
    """The figure as it may be published: unchanged when shown; without any number (no agree count, percent,
    interval, nor n) when suppressed for ``reason``, with ``withheld`` set when the reason is complementary."""
    if reason is None:
        return figure
    return figure.model_copy(update={"n": None, "agree": None, "percent": None, "ci_low": None, "ci_high": None,
                                     "suppressed": True, "withheld": reason == COMPLEMENTARY})


def withheld_table(table: pd.DataFrame, suppression: Suppression, keys: Sequence[Hashable]) -> pd.DataFrame:
    """An agreement table (:func:`pleval.survey.figures.agreement_table`) as it may be published: a row whose
    cell (``keys``, one per row) is suppressed, or that the table itself suppressed, loses every number, n
    included, and says why in ``withheld`` (False for a cell with too few answers, True for one withheld to
    protect another)."""
    table = table.copy()
    reasons = [suppression.reason(key) for key in keys]
    hidden = pd.Series([r is not None for r in reasons], index=table.index) | table["suppressed"].astype(bool)
    table["n"] = table["n"].astype("Int64").mask(hidden, pd.NA)
    table["agree"] = table["agree"].astype("Int64").mask(hidden, pd.NA)
    for column in ("percent", "ci_low", "ci_high"):
        table[column] = table[column].mask(hidden, np.nan)
    if "respondents" in table.columns:
        table["respondents"] = table["respondents"].astype("Int64").mask(hidden, pd.NA)
    table["suppressed"] = hidden.to_numpy()
    table["withheld"] = [r == COMPLEMENTARY for r in reasons]
    return table
