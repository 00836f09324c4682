"""The codebook: its groups and codes, each with a definition and the rules that apply it."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from .base import Phrase, StrictModel

COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
#: Colours given to codes that have none, by their place in the codebook (Okabe and Ito's colour-blind-safe set).
PALETTE = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999")

TokenPattern = list[dict[Any, Any]]  # a spaCy Matcher pattern: one dict per token, checked by spaCy itself


class WeightedPhrase(StrictModel):
    text: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=1)


class WeightedPattern(StrictModel):
    pattern: TokenPattern = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=1)


class Exclusions(StrictModel):
    phrases: list[Phrase] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)
    scope: Literal["sentence", "turn"] = "sentence"


class Rules(StrictModel):
    phrases: list[Phrase | WeightedPhrase] = Field(default_factory=list)
    patterns: list[TokenPattern | WeightedPattern] = Field(default_factory=list)
    exclude: Exclusions = Field(default_factory=Exclusions)
    min_score: float = Field(default=0.5, gt=0, le=1)

    def weighted_phrases(self) -> list[WeightedPhrase]:
        return [p if isinstance(p, WeightedPhrase) else WeightedPhrase(text=p) for p in self.phrases]

    def weighted_patterns(self) -> list[WeightedPattern]:
        return [p if isinstance(p, WeightedPattern) else WeightedPattern(pattern=p) for p in self.patterns]


class Code(StrictModel):
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


class CodeGroup(StrictModel):
    id: str
    label: str = Field(min_length=1)
    description: str = ""


class Codebook(StrictModel):
    name: str = Field(min_length=1)
    version: str
    groups: list[CodeGroup] = Field(min_length=1)
    codes: list[Code] = Field(min_length=1)
    hash: str = ""  # sha256 of the codebook's canonical JSON; set by the loader

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> str:
        return str(value)

    @field_validator("codes", mode="before")
    @classmethod
    def _colour_from_palette(cls, codes: object) -> object:
        """A code without a colour gets the palette's colour for its place in the codebook (the nth code the
        nth colour, round again after the last), so that it is the same on every load."""
        if not isinstance(codes, list):
            return codes
        return [{**code, "colour": PALETTE[i % len(PALETTE)]}
                if isinstance(code, dict) and code.get("colour") is None else code
                for i, code in enumerate(codes)]

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
