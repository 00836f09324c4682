"""Which turns a coder sees, by what their transcript and speaker are: the site, the site's attributes, the type
of transcript, the period, the speaker's role and attributes, in the project's own words.

A session's filters are a mapping, as briefs.yaml's are: ``{"state": ["Oregon"], "site": ["Riverbend"]}``. The
site answers to ``site``, to the key pleval.yaml declares for it and to its word (``clinic``); ``year`` to a
period as people write it (``2023-24``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import NamedTuple

from ..coding.columns import TYPE, YEAR, CodingColumns
from ..errors import SessionError
from ..schema import Segment, Transcript
from ..schema.declaration import did_you_mean

#: What a value of a filter may be given as: one value, or a list of them.
FilterValues = str | int | Iterable[str | int]


class TurnFilters:
    """What the turns of a session can be filtered by, and which match.

    Parameters
    ----------
    columns : CodingColumns
        The corpus's columns (:meth:`CodingColumns.of <pleval.coding.columns.CodingColumns.of>`).
    transcripts : dict of str to Transcript
        Every transcript, by id.
    pool : iterable of Segment
        The turns a session may show: the values a filter offers are theirs.
    """

    def __init__(self, columns: CodingColumns, transcripts: Mapping[str, Transcript], pool: Iterable[Segment]):
        self.columns = columns
        self.transcripts = transcripts
        self.pool = list(pool)
        self._values: dict[str, list[str]] = {}
        self._readers: dict[tuple[str, str], Callable[[Segment], str | None]] = {}

    @cached_property
    def filterable(self) -> list[str]:
        """The columns turns can be filtered by: the site, each site attribute the corpus gives, the type, the
        period, the role and each speaker attribute."""
        columns = self.columns
        wanted = [columns.site, *columns.given_site_attributes, TYPE, YEAR, "role", *columns.speaker_attributes]
        return [column for column in wanted if column in columns.countable]

    @property
    def transcript_filters(self) -> list[str]:
        """The filterable columns that are the transcript's (its site, the site's attributes, type, period)."""
        return [column for column in self.filterable if not self.columns.of_turn(column)]

    def title(self, column: str) -> str:
        """How a filter is labelled: "Clinic", "State", "Program year"..., as pleval.yaml words them."""
        declaration = self.columns.declaration
        if column == self.columns.site:
            return declaration.site.singular.capitalize()
        if column == YEAR:
            return declaration.periods.title.capitalize()
        name = self.columns.site_attributes.get(column) or self.columns.speaker_attributes.get(column) or column
        attribute = (declaration.site_attribute(name) if column in self.columns.site_attributes
                     else declaration.participant_attribute(name))
        return attribute.title if attribute is not None else name.replace("_", " ").capitalize()

    def value(self, column: str, segment: Segment) -> str | None:
        """A turn's value in ``column``."""
        transcript = self.transcripts[segment.transcript_id]
        if not self.columns.of_turn(column):
            return self.columns.transcript_value(column, transcript)
        read = self._readers.get((column, transcript.id))
        if read is None:
            read = self._readers[column, transcript.id] = self.columns.turn_values(column, transcript)
        return read(segment)

    def values(self, column: str) -> list[str]:
        """The values the pool's turns have in ``column``: those pleval.yaml lists first, in its order, then the
        others sorted."""
        found = self._values.get(column)
        if found is None:
            given = {value for segment in self.pool if (value := self.value(column, segment)) is not None}
            name = self.columns.site_attributes.get(column)
            attribute = self.columns.declaration.site_attribute(name) if name is not None else None
            declared = [v for v in attribute.values if v in given] if attribute is not None else []
            found = self._values[column] = declared + sorted(v for v in given if v not in declared)
        return found

    def wanted(self, filters: Mapping[str, FilterValues] | None) -> dict[str, set[str]]:
        """The values to keep per column, from a mapping of names (a column, ``site``, the site's word, ``year``)
        to a value or a list of values.

        Raises
        ------
        SessionError
            For a name that is no filter, or a value no turn has (with "did you mean").
        """
        wanted: dict[str, set[str]] = {}
        names = {name: column for name, column in self.columns.names.items() if column in self.filterable}
        for name, given in (filters or {}).items():
            column = names.get(name)
            if column is None:
                raise SessionError(f"cannot filter by '{name}'{did_you_mean(name, names)}",
                                   fix=f"filter by one of: {', '.join(self.filterable)}")
            values = [given] if isinstance(given, str | int) else list(given)
            if not values:
                continue
            known = self.values(column)
            for value in values:
                text = str(value)
                if column == YEAR:
                    try:
                        text = self.columns.declaration.periods.normalise(value)
                    except ValueError as error:
                        raise SessionError(str(error), value=value) from None
                if text not in known:
                    shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
                    raise SessionError(f"no turn to code has {name} '{value}'{did_you_mean(text, known)}",
                                       fix=f"choose from: {shown or 'nothing (no turn has one)'}", value=value)
                wanted.setdefault(column, set()).add(text)
        return wanted

    def matches(self, wanted: Mapping[str, set[str]], segment: Segment) -> bool:
        """Whether the turn has one of the wanted values in every column filtered."""
        return all(self.value(column, segment) in values for column, values in wanted.items())


class Criterion(NamedTuple):
    """One filter a session applies, as :func:`why_none` explains it: its title, the values asked for (as shown),
    whether a turn (by id) meets it, and the values a turn has there."""

    title: str
    shown: str
    keeps: Callable[[str], bool]
    values_of: Callable[[str], list[str]]


def why_none(pool: Sequence[str], criteria: Sequence[Criterion]) -> str:
    """Why ``criteria`` together keep none of the turns in ``pool``, in one line: for each, the values that the
    turns the other criteria keep have there (so the coder sees which filter to change, and to what)."""
    if not criteria:
        return "No turns to code in this session."
    reasons = []
    for i, criterion in enumerate(criteria):
        others = [sid for sid in pool if all(c.keeps(sid) for j, c in enumerate(criteria) if j != i)]
        if others:
            found = sorted({v for sid in others for v in criterion.values_of(sid)})
            listed = ", ".join(found[:12]) + (" ..." if len(found) > 12 else "")
            reasons.append(f"{criterion.title} is {criterion.shown}, but the other filters keep turns with "
                           f"{criterion.title.lower()} {listed or '(none)'}")
    return "No turns match these filters: " + ("; ".join(reasons) if reasons else
                                                "no two of them match any turn together") + "."
