"""What codings are tabled and counted by, in the project's own words.

A coding belongs to a transcript, a site, the site's attributes, a period and a type of transcript (interview or
focus group), and to a turn, spoken by someone in a role, with attributes of their own. Which of these a project
has is its declaration's and its metadata's to say: the site's column is named by the key pleval.yaml declares
for it (``site`` by default, ``clinic`` if so declared), beside the site's attributes (state, county...).
:class:`CodingColumns` names them for one corpus: the columns of the codings table
(:func:`pleval.coding.run.codings_frame`, ``pleval export codings``), what ``pleval code --by`` counts by, and
how each is read off a transcript or a turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

from ..schema import SITE, Segment, Transcript, Turn
from ..schema.declaration import Declaration, did_you_mean

#: The codings table's first columns, before the site's; then its attributes; then :data:`AFTER`.
BEFORE = ("transcript_id", "segment_id", "start", "end", "speaker", "role")
#: The codings table's last columns: a coding's own fields, its evidence and text.
AFTER = ("code_id", "coder", "source", "score", "evidence", "text", "codebook_hash", "transcript_hash")
#: Columns read off the turn a coding is in (besides the speaker's attributes).
TURN = ("speaker", "role")
#: What a turn's values are read off: a turn, or the segment it is.
Spoken = Turn | Segment
#: What ``--by`` takes for the transcript's id.
TRANSCRIPT = "transcript"
#: The type of transcript (interview, focus group) and the period its date falls in (``declaration.periods``).
TYPE, YEAR = "type", "year"


def _names_met(values: Iterable[dict[str, str]]) -> list[str]:
    return list(dict.fromkeys(name for attributes in values for name in attributes))


def _declared_first(declared: Iterable[str], met: list[str]) -> list[str]:
    """Every name declared, in declared order, then the others ``met``, in the order met."""
    first = list(declared)
    return first + [name for name in met if name not in first]


@dataclass(frozen=True)
class CodingColumns:
    """The columns codings are tabled and counted by in a corpus, and how to read each.

    Made by :meth:`of`. Each attribute declared or given in the metadata is a column under its own name, unless
    that name is taken by a built-in column (``text``, ``year``...): a site's is then ``<site key>_<name>``, a
    speaker's ``speaker_<name>``. The codings table has a column for each site attribute the corpus gives.
    """

    site: str  # the site's column: the metadata key pleval.yaml declares for it ("site" by default)
    site_word: str  # what the project calls a site ("clinic"): also taken by --by
    site_attributes: dict[str, str]  # column -> attribute name: the declared, in declared order, then the others
    speaker_attributes: dict[str, str]  # column -> participant attribute name, likewise
    given: frozenset[str]  # the site attributes' columns some transcript gives a value in
    declaration: Declaration = field(repr=False, compare=False)

    @classmethod
    def of(cls, declaration: Declaration, transcripts: Iterable[Transcript]) -> CodingColumns:
        """The columns of ``transcripts``' codings under ``declaration``: every site and participant attribute
        declared or given in the metadata, declared ones first (with no transcripts, what the declaration alone
        says)."""
        transcripts = list(transcripts)
        site = declaration.site.key
        taken = {*BEFORE, *AFTER, site, SITE, TRANSCRIPT, TYPE, YEAR}
        given_by_sites = _names_met(t.meta.attributes for t in transcripts)
        site_names = _declared_first((a.name for a in declaration.site_attributes), given_by_sites)
        site_attributes = {(f"{site}_{name}" if name in taken else name): name for name in site_names}
        taken |= set(site_attributes)
        given_by_people = _names_met(p.attributes for t in transcripts for p in t.meta.participants)
        speaker_names = _declared_first((a.name for a in declaration.participant_attributes), given_by_people)
        speaker_attributes = {(f"speaker_{name}" if name in taken else name): name for name in speaker_names}
        given = frozenset(column for column, name in site_attributes.items() if name in given_by_sites)
        return cls(site, declaration.site.singular.replace(" ", "_"), site_attributes, speaker_attributes, given,
                   declaration)

    # -- the names ---------------------------------------------------------------------------------------------

    @property
    def given_site_attributes(self) -> dict[str, str]:
        """The site attributes some transcript gives (column -> attribute name), declared ones first."""
        return {column: name for column, name in self.site_attributes.items() if column in self.given}

    @property
    def frame(self) -> list[str]:
        """The codings table's columns, in order: transcript_id, segment_id, start, end, speaker, role, the site,
        each site attribute the corpus gives, then code_id, coder, source, score, evidence, text, codebook_hash,
        transcript_hash."""
        return [*BEFORE, self.site, *self.given_site_attributes, *AFTER]

    @cached_property
    def countable(self) -> list[str]:
        """Every column codings can be counted by: the table's, each site attribute declared that no transcript
        gives, the type, the period (when the project has periods) and each speaker attribute."""
        has_periods = self.declaration.periods.kind != "none"
        missing = [column for column in self.site_attributes if column not in self.given]
        return [*self.frame, *missing, TYPE, *([YEAR] if has_periods else []), *self.speaker_attributes]

    @cached_property
    def names(self) -> dict[str, str]:
        """What a person may write for each column (``--by``): its name, ``transcript`` for the transcript's id,
        ``site`` and the site's word ("clinic") for the site's column."""
        names = {column: column for column in self.countable}
        names[TRANSCRIPT] = "transcript_id"
        names.setdefault(SITE, self.site)
        if self.site_word.isidentifier():
            names.setdefault(self.site_word, self.site)
        return names

    def column(self, name: str) -> str | None:
        """The column ``name`` means, or None when it means none."""
        return self.names.get(name)

    def unknown(self, name: str) -> str:
        """Why ``name`` names no column, with "did you mean" and the choices, in one line."""
        first = [TRANSCRIPT, self.site, "role", "speaker", *self.site_attributes, TYPE,
                 *(n for n in self.countable if n == YEAR), *self.speaker_attributes]
        shown = first + [n for n in self.frame if n not in first and n != "transcript_id"]
        return f"cannot summarise by '{name}'{did_you_mean(name, self.names)}; choose from: {', '.join(shown)}"

    # -- the values --------------------------------------------------------------------------------------------

    def of_turn(self, column: str) -> bool:
        """Whether ``column``'s value is the turn's (the speaker, the role, a speaker's attribute) rather than
        the transcript's."""
        return column in TURN or column in self.speaker_attributes

    def transcript_value(self, column: str, transcript: Transcript) -> str | None:
        """A transcript's value in ``column`` (a column that is not the turn's nor a coding's own)."""
        meta = transcript.meta
        if column == "transcript_id":
            return transcript.id
        if column == self.site:
            return meta.site
        if column == TYPE:
            return meta.type
        if column == YEAR:
            return self.declaration.periods.of(meta.date)
        name = self.site_attributes.get(column)
        if name is None:
            raise KeyError(column)
        return meta.attributes.get(name)

    def turn_values(self, column: str, transcript: Transcript) -> Callable[[Spoken], str | None]:
        """How to read ``column`` (one of the turn's, see :meth:`of_turn`) off each turn of ``transcript``: the
        speaker, the role, or an attribute of the speaker (the participant the turn's name is; None for the
        interviewer)."""
        name = self.speaker_attributes.get(column)
        if name is None:
            if column not in TURN:
                raise KeyError(column)
            return attrgetter(column)
        people = {p.name: p for p in transcript.meta.participants}

        def value(turn: Spoken) -> str | None:
            person = None if turn.is_interviewer or turn.name is None else people.get(turn.name)
            return None if person is None else person.attributes.get(name)

        return value
