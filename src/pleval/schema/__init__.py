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


# --- survey -------------------------------------------------------------------------------------------------

SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{2}|\d{4})\s*$")


def school_year(value) -> str:
    """A school year as ``'2023-2024'``, from ``'2023-2024'``, ``'2023–24'`` or ``'2023/2024'``.

    Raises
    ------
    ValueError
        If ``value`` is not two consecutive years.
    """
    match = SCHOOL_YEAR.match(str(value))
    if not match:
        raise ValueError(f"school year '{value}' is not written like 2023-2024")
    first, second = int(match.group(1)), match.group(2)
    second = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    if second != first + 1:
        raise ValueError(f"school year '{value}' does not span two consecutive years (like 2023-2024)")
    return f"{first}-{second}"


def _folded(text: str) -> str:
    return " ".join(str(text).split()).casefold()


class SurveyScale(_Strict):
    """An ordered response scale: its levels from lowest to highest, and which of them count as agreeing.

    A number 1..k in a respondent file means the k-th level. Answers in ``not_applicable`` (such as "Don't
    know") are read as no answer: they count towards neither the agreeing nor the total.
    """

    levels: list[Phrase] = Field(min_length=2)
    agree: list[Phrase] = Field(min_length=1)
    not_applicable: list[Phrase] = Field(default_factory=list)

    @field_validator("levels", "agree", "not_applicable", mode="before")
    @classmethod
    def _labels(cls, value):
        if not isinstance(value, list):
            return value
        if any(isinstance(v, bool) for v in value):
            raise ValueError('YAML reads unquoted yes/no/on/off as true/false: put such a level in quotes ("Yes")')
        return [str(v) if isinstance(v, int | float) else v for v in value]

    @model_validator(mode="after")
    def _consistent(self):
        folded = [_folded(level) for level in self.levels]
        if len(set(folded)) != len(folded):
            raise ValueError("a scale level is listed twice")
        unknown = [a for a in self.agree if _folded(a) not in folded]
        if unknown:
            raise ValueError(f"agree lists {', '.join(repr(a) for a in unknown)}, which is not one of the levels")
        clash = [n for n in self.not_applicable if _folded(n) in folded]
        if clash:
            raise ValueError(f"not_applicable lists {', '.join(repr(n) for n in clash)}, which is also a level")
        return self


class SurveyItem(_Strict):
    """One survey statement that respondents rate on a scale.

    ``agreed_that`` is the statement as a brief reports it: "educators agreed that <agreed_that>".
    ``codes`` links the item to codebook themes (kept consistent with the codes' ``survey_items``).
    """

    id: str
    wording: str = Field(min_length=1)
    agreed_that: str = ""
    scale: str
    codes: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"item id '{value}' must be lower_snake_case (letters, digits, '_')")
        return value


class SurveySchool(_Strict):
    """A school that administered the survey, described as a transcript's metadata describes it.

    Schools in the transcripts' metadata need no entry; list schools that were surveyed but not interviewed.
    """

    name: str = Field(min_length=1)
    district: str = Field(min_length=1)
    region: Literal[REGIONS]  # type: ignore[valid-type]
    school_level: Literal[SCHOOL_LEVELS]  # type: ignore[valid-type]
    locale: Literal[LOCALES]  # type: ignore[valid-type]
    pathway: str = Field(min_length=1)
    esc: str | None = None


class Survey(_Strict):
    """The survey description (data/survey/survey.yaml): its items, scales and where the responses are."""

    name: str = Field(min_length=1)
    description: str = ""
    population: str = "educators"
    years: list[str] = Field(default_factory=list)
    suppress_below: int = Field(default=10, ge=1)
    files: list[Phrase] = Field(default_factory=lambda: ["*.csv", "*.xlsx"])
    columns: dict[Literal["respondent", "school", "year", "role"], str] = Field(default_factory=dict)
    roles: dict[str, Literal[ROLES]] = Field(default_factory=dict)  # type: ignore[valid-type]
    ignore_columns: list[str] = Field(default_factory=list)
    scales: dict[str, SurveyScale] = Field(min_length=1)
    items: list[SurveyItem] = Field(min_length=1)
    schools: list[SurveySchool] = Field(default_factory=list)
    hash: str = ""  # sha256 of survey.yaml's canonical JSON; set by the loader

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value):
        return [school_year(v) for v in value] if isinstance(value, list) else value

    def item(self, item_id: str) -> SurveyItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def scale_of(self, item_id: str) -> SurveyScale:
        return self.scales[self.item(item_id).scale]


def _as_tuple(value):
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class SurveyFilters(_Strict):
    """Which respondents a survey figure covers; an empty field means no restriction."""

    years: tuple[str, ...] = ()
    regions: tuple[Literal[REGIONS], ...] = ()  # type: ignore[valid-type]
    levels: tuple[Literal[SCHOOL_LEVELS], ...] = ()  # type: ignore[valid-type]
    pathways: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    roles: tuple[Literal[ROLES], ...] = ()  # type: ignore[valid-type]

    @field_validator("years", "regions", "levels", "pathways", "schools", "roles", mode="before")
    @classmethod
    def _listed(cls, value):
        return _as_tuple(value)

    @field_validator("years")
    @classmethod
    def _school_years(cls, value):
        return tuple(school_year(v) for v in value)

    def active(self) -> dict[str, list[str]]:
        """The restrictions that are set, e.g. ``{'years': ['2023-2024']}``."""
        return {name: list(value) for name, value in self if value}


class SurveySource(_Strict):
    """A file a survey figure was computed from, with the sha256 of its bytes."""

    path: str
    sha256: str


class SurveyFigure(_Strict):
    """The share of respondents agreeing with one item, with everything needed to trace it.

    ``percent``, ``ci_low`` and ``ci_high`` are percentages (0-100); the interval is the Wilson score interval.
    A suppressed figure (fewer than ``suppress_below`` answers) has ``agree``, ``percent`` and the interval
    set to None: it carries no number that could be printed.
    """

    item_id: str
    wording: str
    agreed_that: str
    survey: str
    population: str
    n: int
    agree: int | None
    percent: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float = 0.95
    suppressed: bool
    suppress_below: int
    agree_levels: tuple[str, ...]
    filters: SurveyFilters
    schools: int
    years: tuple[str, ...]
    sources: tuple[SurveySource, ...]
    survey_hash: str


# The briefs' part of the data model lives in its own module (model.py stays one screenful per concern);
# its names are pleval.schema's too. Imported last: it builds on the classes above.
from .brief import (  # noqa: E402, F401  (re-exported)
    Brief,
    BriefFigure,
    BriefFilters,
    BriefQuote,
    BriefsFile,
    BriefSidebar,
    BriefSpec,
    BriefText,
    BriefTheme,
    EvaluationInfo,
    Prevalence,
    QuoteProvenance,
    RedactionTerms,
    RoleCount,
    ThemeReliability,
    ThemeWording,
)
