"""Transcripts: what the team knows about an interview (its metadata), its text, turns, segments and sentences.

Turns, segments and sentences are made in bulk (hundreds of thousands per run), so they are named tuples:
immutable like frozen dataclasses, but several times cheaper to create.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, NamedTuple, Self

from pydantic import Field, field_validator, model_validator

from .base import StrictModel, check_safe_id
from .vocabulary import INTERVIEWER, LOCALES, REGIONS, ROLES, SCHOOL_LEVELS

# --- transcript metadata -----------------------------------------------------------------------------------


class Person(StrictModel):
    """A person named in a transcript: a participant, or someone a participant mentions."""

    name: str = Field(min_length=1)
    role: str | None = None
    label: str | None = None
    grade: str | None = None
    subject: str | None = None
    years_in_role: int | None = None
    gender: str | None = None
    notes: str | None = None

    @field_validator("grade", "subject", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> str | None:
        return None if value is None else str(value)


class Participant(Person):
    role: str

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role '{value}' is not one of: {', '.join(ROLES)}")
        return value


class TranscriptMeta(StrictModel):
    """What the evaluation team knows about an interview or focus group (front matter or sidecar file)."""

    id: str
    type: Literal["interview", "focus_group"]
    date: dt.date
    school: str = Field(min_length=1)
    district: str = Field(min_length=1)
    region: Literal[REGIONS]  # type: ignore[valid-type]
    school_level: Literal[SCHOOL_LEVELS]  # type: ignore[valid-type]
    locale: Literal[LOCALES]  # type: ignore[valid-type]
    pathway: str = Field(min_length=1)
    interviewer: str | list[str]
    participants: list[Participant] = Field(min_length=1)
    mentions: list[Person] = Field(default_factory=list)
    esc: str | None = None
    notes: str | None = None

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
