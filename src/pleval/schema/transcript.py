"""Transcripts: what the team knows about an interview (its metadata), its text, turns, segments and sentences.

Turns, segments and sentences are made in bulk (hundreds of thousands per run), so they are named tuples:
immutable like frozen dataclasses, but several times cheaper to create.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from .base import StrictModel, check_safe_id

# --- transcript metadata -----------------------------------------------------------------------------------

#: The role of whoever asks the questions; every other role is a participant's.
INTERVIEWER = "interviewer"
#: The built-in name of the site, whatever key the project's metadata gives it.
SITE = "site"


def _one_value(value: object) -> object:
    """An attribute's value as text: ``2024-05-01`` (a date), ``3`` and ``true`` as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | dt.date):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, list | dict | tuple | set):
        raise ValueError("must be one value, not a list or a mapping")
    return value


#: An attribute's value: one piece of text (numbers and dates are kept as written).
AttributeValue = Annotated[str, BeforeValidator(_one_value)]


def gather_attributes(data: object, fields: Iterable[str]) -> object:
    """Metadata as written, with every key that is no field of the model (and not empty) moved under
    ``attributes``, beside any attributes given there already. An ``attributes`` that is no mapping is left for
    the model to reject."""
    given = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(given if given is not None else {}, dict):
        return data
    fields = set(fields)
    gathered = {k: v for k, v in data.items() if k in fields and k != "attributes"}
    extra = {k: v for k, v in data.items() if k not in fields and v is not None}
    if extra or given:
        gathered["attributes"] = {**(given or {}), **extra}
    return gathered


class Person(StrictModel):
    """A person named in a transcript: a participant, or someone a participant mentions.

    Keys besides name, role, label and notes are the person's attributes (grade, years in role, language...):
    what they are is the project's to declare (``participant_attributes`` in pleval.yaml).
    """

    name: str = Field(min_length=1)
    role: str | None = None
    label: str | None = None
    notes: str | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _attributes(cls, data: object) -> object:
        return gather_attributes(data, cls.model_fields)

    def value(self, name: str) -> str | None:
        """The person's role (``"role"``) or attribute ``name``; None when not given."""
        return self.role if name == "role" else self.attributes.get(name)


class Participant(Person):
    """Someone who speaks in the transcript; any role is accepted here (the declaration decides which are)."""

    role: str = Field(min_length=1)


class TranscriptMeta(StrictModel):
    """What the evaluation team knows about an interview or focus group (front matter or sidecar file).

    ``site`` is the place the people interviewed belong to (a school, a clinic, a branch library), read from the
    key the project declares for it (``site.key`` in pleval.yaml, passed as the validation context's
    ``site_key``; ``site`` by default). Every other key besides the built-in ones is an ``attribute`` of the site
    (region, state, cohort...).
    """

    id: str
    type: Literal["interview", "focus_group"]
    date: dt.date
    site: str | None = Field(default=None, min_length=1)
    interviewer: str | list[str]
    participants: list[Participant] = Field(min_length=1)
    mentions: list[Person] = Field(default_factory=list)
    notes: str | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _site_and_attributes(cls, data: object, info: ValidationInfo) -> object:
        key = (info.context or {}).get("site_key", SITE) if isinstance(info.context, dict) else SITE
        if isinstance(data, dict) and key != SITE and key in data:
            if SITE in data:
                raise ValueError(f"gives both '{key}' (the site, as pleval.yaml declares) and '{SITE}'; keep one")
            data = {(SITE if k == key else k): v for k, v in data.items()}
        return gather_attributes(data, cls.model_fields)

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        return check_safe_id(value)

    @property
    def interviewers(self) -> tuple[str, ...]:
        return (self.interviewer,) if isinstance(self.interviewer, str) else tuple(self.interviewer)

    @model_validator(mode="after")
    def _interview_has_one_voice(self) -> Self:
        if self.type == "interview" and len(self.participants) > 2:
            raise ValueError(
                f"an interview lists {len(self.participants)} participants; use type: focus_group for a group"
            )
        return self

    def value(self, name: str) -> str | None:
        """The site (``"site"``), the type, the date (ISO) or the attribute called ``name``; None when not given."""
        if name == SITE:
            return self.site
        if name == "type":
            return self.type
        if name == "date":
            return self.date.isoformat()
        return self.attributes.get(name)

    def front_matter(self, site_key: str = "site") -> dict[str, Any]:
        """The metadata as a file writes it: the site under ``site_key``, attributes as keys of their own."""
        dumped = self.model_dump(mode="json", exclude_defaults=True, exclude={"attributes", "participants",
                                                                              "mentions", "site"})
        written: dict[str, Any] = {k: dumped[k] for k in ("id", "type", "date") if k in dumped}
        if self.site is not None:
            written[site_key] = self.site
        written.update(self.attributes)
        written.update({k: v for k, v in dumped.items() if k not in written})

        def person(p: Person) -> dict[str, Any]:
            out = p.model_dump(mode="json", exclude_defaults=True, exclude={"attributes"})
            return {**out, **p.attributes}

        written["participants"] = [person(p) for p in self.participants]
        if self.mentions:
            written["mentions"] = [person(p) for p in self.mentions]
        return written


# --- transcripts, turns, segments ---------------------------------------------------------------------------


class Turn(NamedTuple):
    """One speaker's uninterrupted talk. ``text == transcript.text[start:end]``."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index, which it shadows on purpose
    speaker: str  # the label as written
    name: str | None  # the participant's or interviewer's name from the metadata
    role: str  # a participant role, or "interviewer"
    text: str
    start: int
    end: int
    line: int  # 1-based line (paragraph, for .docx) in the source file
    start_time: float | None = None  # seconds, where the source has timestamps
    end_time: float | None = None

    @property
    def is_interviewer(self) -> bool:
        return self.role == INTERVIEWER


@dataclass(frozen=True)
class Transcript:
    """A transcript parsed from any format into normalised text and turns."""

    meta: TranscriptMeta
    text: str
    turns: tuple[Turn, ...]
    path: str  # relative to the project folder, with forward slashes
    format: str
    text_hash: str  # sha256 of the normalised text
    meta_hash: str

    @property
    def id(self) -> str:
        return self.meta.id


class Sentence(NamedTuple):
    id: str
    start: int
    end: int
    text: str


class Segment(NamedTuple):
    """The unit of coding: a speaker turn, with its sentences as sub-units."""

    id: str
    transcript_id: str
    turn_index: int
    speaker: str
    name: str | None
    role: str
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]

    @property
    def is_interviewer(self) -> bool:
        return self.role == INTERVIEWER


def segment_id(transcript_id: str, turn_index: int) -> str:
    """The id of a transcript's turn as a segment: ``'<transcript id>:t012'``."""
    return f"{transcript_id}:t{turn_index:03d}"


def sentence_id(transcript_id: str, turn_index: int, sentence_index: int) -> str:
    """The id of a sentence within a segment: ``'<transcript id>:t012.s03'``."""
    return f"{segment_id(transcript_id, turn_index)}.s{sentence_index:02d}"
