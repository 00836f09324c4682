"""The survey: its description (survey.yaml: scales, items, the sites surveyed but not interviewed) and the figures
computed from responses."""

from __future__ import annotations

import math
import re
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from .base import Phrase, StrictModel, number_as_text
from .filters import Filters
from .transcript import AttributeValue, gather_attributes


def _folded(text: object) -> str:
    return " ".join(str(text).split()).casefold()


class SurveyScale(StrictModel):
    """An ordered response scale: its levels from lowest to highest, and which of them count as agreeing.

    A number 1..k in a respondent file means the k-th level. Answers in ``not_applicable`` (such as "Don't
    know") are read as no answer: they count towards neither the agreeing nor the total.
    """

    levels: list[Phrase] = Field(min_length=2)
    agree: list[Phrase] = Field(min_length=1)
    not_applicable: list[Phrase] = Field(default_factory=list)

    @field_validator("levels", "agree", "not_applicable", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        if any(isinstance(v, bool) for v in value):
            raise ValueError('YAML reads unquoted yes/no/on/off as true/false: put such a level in quotes ("Yes")')
        return [str(v) if isinstance(v, int | float) else v for v in value]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
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


class SurveyItem(StrictModel):
    """One survey statement that respondents rate on a scale.

    ``agreed_that`` is the statement as a brief reports it: "40% of respondents agreed that <agreed_that>".
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


class SurveySite(StrictModel):
    """A site that administered the survey but was not interviewed: its ``name`` and its attributes, as a
    transcript's metadata describes a site (``state: Oregon``). Every key besides ``name`` is an attribute; the
    survey loader checks them against pleval.yaml's ``site_attributes``.

    Sites in the transcripts' metadata need no entry.
    """

    name: str = Field(min_length=1)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _attributes(cls, data: object) -> object:
        return gather_attributes(data, cls.model_fields)


#: The columns of a respondent file that pleval reads besides the items, by pleval's names for them.
ColumnName = Literal["respondent", "site", "year", "role"]


class Survey(StrictModel):
    """The survey description (data/survey/survey.yaml): its items, scales and where the responses are.

    ``years`` are written as the project's periods are (pleval.yaml's ``periods``); the survey loader normalises
    them, and checks ``sites`` and ``roles`` against the declaration. ``columns`` names the respondent file's
    headers for pleval's respondent, site, year and role (by default: ``respondent``, the site's key in
    pleval.yaml, ``year``, ``role``). The respondents are named by pleval.yaml (``words: respondents``).
    """

    name: str = Field(min_length=1)
    description: str = ""
    years: list[str] = Field(default_factory=list)
    suppress_below: int = Field(default=10, ge=1)
    files: list[Phrase] = Field(default_factory=lambda: ["*.csv", "*.xlsx"])
    columns: dict[ColumnName, Phrase] = Field(default_factory=dict)
    roles: dict[str, Phrase] = Field(default_factory=dict)  # a survey platform's label -> a role id
    ignore_columns: list[Phrase] = Field(default_factory=list)
    scales: dict[str, SurveyScale] = Field(min_length=1)
    items: list[SurveyItem] = Field(min_length=1)
    sites: list[SurveySite] = Field(default_factory=list)
    hash: str = ""  # sha256 of survey.yaml's canonical JSON; set by the loader

    @field_validator("years", "ignore_columns", mode="before")
    @classmethod
    def _listed_text(cls, value: Any) -> Any:
        return [number_as_text(v) for v in value] if isinstance(value, list) else value

    @field_validator("columns", "roles", mode="before")
    @classmethod
    def _mapped_text(cls, value: Any) -> Any:
        return {k: number_as_text(v) for k, v in value.items()} if isinstance(value, dict) else value

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


class SurveySource(StrictModel):
    """A file a survey figure was computed from, with the sha256 of its bytes."""

    path: str
    sha256: str


#: How every brief states a share, in its sentences, tables and charts alike (its survey note says it once).
ROUNDING_RULE = "Percentages are rounded to the nearest whole percent."


def whole_percent(percent: float) -> int:
    """A percentage rounded to the nearest whole percent, half up (42.5 -> 43): :data:`ROUNDING_RULE`."""
    return int(math.floor(percent + 0.5))


def percent_text(agree: int, n: int) -> str:
    """A share of agreement as a brief writes it (:data:`ROUNDING_RULE`): ``"88%"``; never 100% while someone
    disagreed (``">99%"``) nor 0% while someone agreed (``"<1%"``)."""
    rounded = whole_percent(100 * agree / n)
    if rounded >= 100 and agree < n:
        return ">99%"
    if rounded <= 0 < agree:
        return "<1%"
    return f"{rounded}%"


class SurveyFigure(StrictModel):
    """The share of respondents agreeing with one item, with everything needed to trace it.

    ``percent``, ``ci_low`` and ``ci_high`` are percentages (0-100); the interval is the Wilson score interval.
    A suppressed figure (fewer than ``suppress_below`` answers) has ``agree``, ``percent`` and the interval
    set to None: it carries no number that could be printed. As a brief publishes it, its ``n`` is None too, and
    ``withheld`` is set when it was suppressed not for its own size but so that a small group cannot be worked
    out from it and the other figures of the build (complementary suppression, :mod:`pleval.survey.disclosure`).
    """

    item_id: str
    wording: str
    agreed_that: str
    survey: str
    population: str
    n: int | None
    agree: int | None
    percent: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float = 0.95
    suppressed: bool
    withheld: bool = False
    suppress_below: int
    agree_levels: tuple[str, ...]
    filters: Filters
    sites: int  # how many sites had respondents within the filters
    years: tuple[str, ...]
    sources: tuple[SurveySource, ...]
    survey_hash: str
