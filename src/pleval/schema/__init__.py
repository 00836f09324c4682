"""pleval's data model: small frozen records that every stage passes along.

Metadata, the codebook, the survey description and briefs are pydantic models (they are validated from user
files). The records made in bulk, hundreds of thousands per run (turns, segments, sentences, codings,
evidence), are named tuples: immutable like frozen dataclasses, but several times cheaper to create.

Text positions everywhere are code-point offsets into a transcript's normalised text (UTF-8 decoded, no BOM,
LF line endings), end exclusive: ``transcript.text[start:end]`` is the span.

One module per concern, none importing this package: :mod:`~pleval.schema.base` (the strict base model and
shared validators), :mod:`~pleval.schema.declaration` (a project's own sites, attributes, roles, periods and words),
:mod:`~pleval.schema.transcript`, :mod:`~pleval.schema.codebook`, :mod:`~pleval.schema.coding`,
:mod:`~pleval.schema.survey` and :mod:`~pleval.schema.brief`. This package only re-exports their names.
"""

from __future__ import annotations

from .base import ID_PATTERN, SCHOOL_YEAR, Phrase, StrictModel, as_tuple, check_safe_id, number_as_text, school_year
from .brief import (
    Brief,
    BriefFigure,
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
from .codebook import COLOUR, PALETTE, Code, Codebook, CodeGroup, Exclusions, Rules, WeightedPattern, WeightedPhrase
from .coding import Coding, Evidence
from .declaration import (
    DEFAULT_DECLARATION,
    PERSON_KEYS,
    TRANSCRIPT_KEYS,
    Attribute,
    AttributionOrder,
    BriefWords,
    Declaration,
    Noun,
    Periods,
    PlaceWords,
    RedactionWords,
    Role,
    RoleGroup,
    SiteWords,
    Spread,
    did_you_mean,
)
from .filters import Filters
from .survey import (
    ROUNDING_RULE,
    Survey,
    SurveyFigure,
    SurveyItem,
    SurveyScale,
    SurveySite,
    SurveySource,
    percent_text,
    whole_percent,
)
from .transcript import (
    INTERVIEWER,
    SITE,
    AttributeValue,
    Participant,
    Person,
    Segment,
    Sentence,
    Transcript,
    TranscriptMeta,
    Turn,
    gather_attributes,
    segment_id,
    sentence_id,
)

__all__ = [
    # base
    "ID_PATTERN",
    "SCHOOL_YEAR",
    "Phrase",
    "StrictModel",
    "as_tuple",
    "check_safe_id",
    "school_year",
    "number_as_text",
    "gather_attributes",
    # declaration
    "DEFAULT_DECLARATION",
    "PERSON_KEYS",
    "TRANSCRIPT_KEYS",
    "Attribute",
    "AttributionOrder",
    "BriefWords",
    "Declaration",
    "Noun",
    "Periods",
    "PlaceWords",
    "RedactionWords",
    "Role",
    "RoleGroup",
    "SiteWords",
    "Spread",
    "did_you_mean",
    # transcript
    "INTERVIEWER",
    "SITE",
    "AttributeValue",
    "Participant",
    "Person",
    "Segment",
    "Sentence",
    "Transcript",
    "TranscriptMeta",
    "Turn",
    "segment_id",
    "sentence_id",
    # codebook
    "COLOUR",
    "PALETTE",
    "Code",
    "CodeGroup",
    "Codebook",
    "Exclusions",
    "Rules",
    "WeightedPattern",
    "WeightedPhrase",
    # coding
    "Coding",
    "Evidence",
    # survey
    "ROUNDING_RULE",
    "Survey",
    "SurveyFigure",
    "Filters",
    "SurveyItem",
    "SurveyScale",
    "SurveySite",
    "SurveySource",
    "percent_text",
    "whole_percent",
    # brief
    "Brief",
    "BriefFigure",
    "BriefQuote",
    "BriefSidebar",
    "BriefSpec",
    "BriefText",
    "BriefTheme",
    "BriefsFile",
    "EvaluationInfo",
    "Prevalence",
    "QuoteProvenance",
    "RedactionTerms",
    "RoleCount",
    "ThemeReliability",
    "ThemeWording",
]
