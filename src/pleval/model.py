"""pleval's data model: small frozen records that every stage passes along.

Metadata and the codebook are pydantic models (they are validated from user files). The records made in bulk,
hundreds of thousands per run (turns, segments, sentences, codings, evidence), are named tuples: immutable
like frozen dataclasses, but several times cheaper to create.

Text positions everywhere are code-point offsets into a transcript's normalised text (UTF-8 decoded, no BOM,
LF line endings), end exclusive: ``transcript.text[start:end]`` is the span.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = (
    "teacher",
    "instructional_coach",
    "principal",
    "assistant_principal",
    "district_leader",
    "esc_facilitator",
    "counselor",
    "intervention_specialist",
    "paraprofessional",
    "other",
)
INTERVIEWER = "interviewer"
REGIONS = ("northwest", "northeast", "southwest", "southeast", "central")
SCHOOL_LEVELS = ("elementary", "middle", "high", "k-8", "k-12", "district")
LOCALES = ("rural", "small town", "suburban", "urban")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_safe_id(value: str) -> str:
    """An id becomes part of output file names, so it may not contain path separators or ``..``."""
    if not ID_PATTERN.match(value) or ".." in value:
        raise ValueError(
            f"id '{value}' may only contain letters, digits, '-', '_' and '.', and not '..' "
            "(it becomes part of output file names)"
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- transcript metadata -----------------------------------------------------------------------------------


class Person(_Strict):
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
    def _as_text(cls, value):
        return None if value is None else str(value)


class Participant(Person):
    role: str

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role '{value}' is not one of: {', '.join(ROLES)}")
        return value


class TranscriptMeta(_Strict):
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
    def _interview_has_one_voice(self):
        if self.type == "interview" and len(self.participants) > 2:
            raise ValueError(
                f"an interview lists {len(self.participants)} participants; use type: focus_group for a group"
            )
        return self


# --- transcripts, turns, segments ---------------------------------------------------------------------------


class Turn(NamedTuple):
    """One speaker's uninterrupted talk. ``text == transcript.text[start:end]``."""

    index: int
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
    return f"{transcript_id}:t{turn_index:03d}"


def sentence_id(transcript_id: str, turn_index: int, sentence_index: int) -> str:
    return f"{segment_id(transcript_id, turn_index)}.s{sentence_index:02d}"


# --- codebook -----------------------------------------------------------------------------------------------


Phrase = Annotated[str, Field(min_length=1)]


class WeightedPhrase(_Strict):
    text: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=1)


class WeightedPattern(_Strict):
    pattern: list[dict] = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=1)


class Exclusions(_Strict):
    phrases: list[Phrase] = Field(default_factory=list)
    patterns: list[list[dict]] = Field(default_factory=list)
    scope: Literal["sentence", "turn"] = "sentence"


class Rules(_Strict):
    phrases: list[Phrase | WeightedPhrase] = Field(default_factory=list)
    patterns: list[list[dict] | WeightedPattern] = Field(default_factory=list)
    exclude: Exclusions = Field(default_factory=Exclusions)
    min_score: float = Field(default=0.5, gt=0, le=1)

    def weighted_phrases(self) -> list[WeightedPhrase]:
        return [p if isinstance(p, WeightedPhrase) else WeightedPhrase(text=p) for p in self.phrases]

    def weighted_patterns(self) -> list[WeightedPattern]:
        return [p if isinstance(p, WeightedPattern) else WeightedPattern(pattern=p) for p in self.patterns]


COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class Code(_Strict):
    id: str
    label: str = Field(min_length=1)
    group: str
    parent: str | None = None
    colour: str
    definition: str = Field(min_length=1)
    when_to_use: str = ""
    when_not_to_use: str = ""
    examples: list[str] = Field(default_factory=list)
    rules: Rules = Field(default_factory=Rules)
    survey_items: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    renamed_from: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"code id '{value}' must be lower_snake_case (letters, digits, '_')")
        return value

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not COLOUR.match(value):
            raise ValueError(f"colour '{value}' is not a hex colour like '#1b9e77'")
        return value


class CodeGroup(_Strict):
    id: str
    label: str = Field(min_length=1)
    description: str = ""


class Codebook(_Strict):
    name: str = Field(min_length=1)
    version: str
    groups: list[CodeGroup] = Field(min_length=1)
    codes: list[Code] = Field(min_length=1)
    hash: str = ""  # sha256 of the codebook's canonical JSON; set by the loader

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value):
        return str(value)

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def renames(self) -> dict[str, str]:
        """Old code id -> current code id, from every code's ``renamed_from`` (renames and merges)."""
        return {old: code.id for code in self.codes for old in code.renamed_from}


# --- codings ------------------------------------------------------------------------------------------------


class Evidence(NamedTuple):
    """The words that made a rule fire, with their position in the transcript."""

    start: int
    end: int
    text: str
    rule: str


class Coding(NamedTuple):
    """A code applied to a span of a transcript by a coder (a person, ``rules``, or later a model)."""

    transcript_id: str
    segment_id: str
    start: int
    end: int
    code_id: str
    coder: str
    source: str
    score: float
    codebook_hash: str
    transcript_hash: str
    evidence: tuple[Evidence, ...] = ()
    sentence_ids: tuple[str, ...] = ()
