"""Briefs: data/briefs.yaml as read and validated, and the assembled brief (saved as JSON beside the rendered
brief)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from .base import Phrase, StrictModel, check_safe_id
from .declaration import Noun, did_you_mean
from .filters import Filters
from .survey import SurveyFigure

# --- briefs: data/briefs.yaml ---------------------------------------------------------------------------------


class BriefSidebar(StrictModel):
    """A panel set beside the brief's text (what the program is, its activities, resources)."""

    title: str = Field(min_length=1)
    text: str = ""
    items: list[str] = Field(default_factory=list)


class ThemeWording(StrictModel):
    """How briefs speak of one code: its section heading and what participants "described" when they voiced it."""

    heading: str | None = None
    about: str | None = None  # completes "Health workers in 7 of the 9 clinics described ..."
    topic: str | None = None  # the theme as a noun phrase in a list: "time to collaborate"
    valued: str | None = None  # what participants who voiced it valued, for the lead: "the trust of their principals"


class BriefText(StrictModel):
    """Hand-written text an evaluator adds to the drafted brief."""

    lead: str | None = None
    themes: dict[str, str] = Field(default_factory=dict)  # code id -> a paragraph for that section
    # a turn quoted as an example ("<transcript id>:t009") -> what the person described, in the evaluator's words
    examples: dict[str, str] = Field(default_factory=dict)
    closing: str | None = None


class BriefSpec(StrictModel):
    """One brief declared in briefs.yaml."""

    id: str
    title: str = Field(min_length=1)
    subtitle: str = ""
    themes: list[str] = Field(min_length=1)
    filters: Filters = Field(default_factory=Filters)
    text: BriefText = Field(default_factory=BriefText)
    sidebars: list[BriefSidebar] = Field(default_factory=list)
    examples: int = Field(default=3, ge=1, le=3)  # example quotes per theme section (2-3 where available)
    questions: int = Field(default=4, ge=1, le=8)  # questions to consider, at most

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        return check_safe_id(value)


class EvaluationInfo(StrictModel):
    """Who made the evaluation and who paid for it: the "About this brief" text and the suggested citation."""

    name: str = Field(min_length=1)
    collection: str = ""  # "a collection of briefs that highlight learnings from ..."
    network: str = ""  # what the participants belong to, e.g. "the Community Health Worker Network"
    state: str = ""  # where the evaluation takes place, e.g. "Oregon"
    authors: list[str] = Field(min_length=1)  # as cited: "Okafor, M."
    organisation: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)
    funders: list[str] = Field(default_factory=list)
    url: str = ""
    data_sources: list[str] = Field(default_factory=lambda: ["interviews", "focus groups", "surveys"])
    more_information: list[str] = Field(default_factory=list)


class RedactionTerms(StrictModel):
    """Names the metadata does not list that must still be de-identified: people (``names`` -> ``[name]``), sites
    (``sites`` -> the site's placeholder), other places (``places`` -> ``[place]``: towns, businesses,
    landmarks), and under the name of a place attribute pleval.yaml declares (``redaction.places``) that kind of
    place (``county: [Lane County]`` -> ``[county]``)."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)
    __pydantic_extra__: dict[str, list[Phrase]] = Field(init=False)  # a place attribute's name -> its places

    names: list[Phrase] = Field(default_factory=list)
    places: list[Phrase] = Field(default_factory=list)
    sites: list[Phrase] = Field(default_factory=list)

    @property
    def by_attribute(self) -> dict[str, list[str]]:
        """The places listed under a place attribute's name: ``{"county": ["Lane County"]}``."""
        return dict(self.__pydantic_extra__ or {})

    def undeclared(self, places: Iterable[str]) -> list[tuple[str, str, str]]:
        """Keys that name no place attribute among ``places`` (pleval.yaml's ``redaction.places``), as ``(key,
        message, fix)``."""
        places = list(places)
        known = ["names", "places", "sites", *places]
        return [(key, f"redact: '{key}' is not a place pleval.yaml declares{did_you_mean(key, known)}",
                 f"use names, sites, places{''.join(', ' + p for p in places)}, or declare '{key}' under "
                 "redaction: places: in pleval.yaml")
                for key in self.by_attribute if key not in places]


class BriefsFile(StrictModel):
    """data/briefs.yaml: the evaluation's citation block, how themes are worded, and the briefs."""

    evaluation: EvaluationInfo
    themes: dict[str, ThemeWording] = Field(default_factory=dict)
    sidebars: list[BriefSidebar] = Field(default_factory=list)  # shown in every brief, before its own
    redact: RedactionTerms = Field(default_factory=RedactionTerms)
    briefs: list[BriefSpec] = Field(default_factory=list)  # each validated on its own: one broken brief spares the rest
    hash: str = ""  # sha256 of the file's canonical JSON; set by the loader

    def brief(self, brief_id: str) -> BriefSpec:
        for spec in self.briefs:
            if spec.id == brief_id:
                return spec
        raise KeyError(brief_id)


# --- briefs: the assembled brief (saved as JSON beside the rendered brief) -----------------------------------


class QuoteProvenance(StrictModel):
    """Where a quote comes from. The transcript is named by the sha256 of its normalised text (its id holds
    the site's name, so it stays out of the brief); ``pleval.briefs.assemble.trace_quote`` finds it again.
    ``start``/``end`` are code-point offsets into the transcript's normalised text, ``redacted_start`` and
    ``redacted_end`` into its redacted text, where ``text`` is found verbatim."""

    transcript_sha256: str
    transcript_type: str
    segment: str  # "t012": the turn number within the transcript
    start: int
    end: int
    redacted_start: int
    redacted_end: int
    source: str  # which coding counted the turn: consensus, human or rules
    coders: tuple[str, ...]
    rules_score: float | None = None  # the rule coder's score on the turn, where it coded the theme too
    evidence: tuple[str, ...] = ()  # the (redacted) words that made the rules fire
    described_by: str | None = None  # whose words say what the person described: a coder's memo, or briefs.yaml


class BriefQuote(StrictModel):
    """A verbatim, redacted quote with a de-identified attribution."""

    text: str
    words: int
    attribution: str  # in pleval.yaml's words: "A mobile unit nurse from Lane County in Oregon"
    short_attribution: str  # for pull quotes: "Nurse, mobile unit"
    described: str | None = None  # what the person described, a person's words (a memo, briefs.yaml), de-identified
    generalised: tuple[str, ...] = ()  # attributes (then "role", "broad role") dropped to make it shared enough
    shared_by: int  # participants in the brief's scope the attribution fits
    role: str
    provenance: QuoteProvenance


class RoleCount(StrictModel):
    role: str
    label: str = ""  # how tables and charts name the role (its declared label): "Community health worker"
    voiced: int  # participants of this role who voiced the theme
    participants: int  # participants of this role in the brief's transcripts


class Prevalence(StrictModel):
    """How widely a theme was voiced in the brief's transcripts, and which coding each count rests on."""

    transcripts: int
    transcripts_total: int
    sites: int
    sites_total: int
    participants: int
    participants_total: int
    turns: int
    roles: tuple[RoleCount, ...]
    spread: tuple[str, ...]  # values of the declared spread attribute (words.spread) with a site voicing it
    spread_total: tuple[str, ...]  # ... with a site in the brief
    sources: dict[str, int]  # coding source -> participant turns voicing the theme counted from it
    sources_total: dict[str, int]  # coding source -> participant turns in the brief counted from it


class ThemeReliability(StrictModel):
    """Human coders' agreement on a theme (Krippendorff's alpha over participant turns), and the gate."""

    alpha: float | None
    coders: tuple[str, ...]
    units: int
    human_codings: int  # turns any human coder (or the consensus) coded with the theme, project-wide
    threshold: float
    provisional: bool
    reason: str


class BriefFigure(StrictModel):
    """A survey figure and the sentence that reports it."""

    figure: SurveyFigure
    sentence: str


class BriefTheme(StrictModel):
    """One section of a brief."""

    code_id: str
    label: str
    heading: str
    prevalence: Prevalence
    reliability: ThemeReliability
    narrative: tuple[str, ...]  # drafted sentences
    notes: tuple[str, ...] = ()  # a draft's caveats (a provisional theme), never in a final brief
    # the rules' agreement with people's coding of this theme on real talk (data/coder-quality.json), where the
    # brief's counts rest partly on the rules: below 0.667 they are marked (None: not measured, or no rule counts)
    automatic_kappa: float | None = None
    hand_written: str | None = None
    figures: tuple[BriefFigure, ...]
    examples: tuple[BriefQuote, ...]
    example_sentences: tuple[str, ...]  # each example as a bullet: what the person described, and the quote
    pull_quote: BriefQuote | None
    questions: tuple[str, ...]


class Brief(StrictModel):
    """A drafted evaluation brief: everything the templates lay out, with its provenance."""

    id: str
    title: str
    subtitle: str
    filters: Filters
    site: Noun = Noun(singular="site", plural="sites")  # the project's words for a site, for tables
    lead: tuple[str, ...]
    hand_written_lead: str | None = None
    themes: tuple[BriefTheme, ...]
    questions: tuple[str, ...]
    footnote: str | None
    methods: tuple[str, ...] = ()  # the draft's methods note (which coding the counts rest on), never in a final brief
    about: tuple[str, ...]
    citation: str
    sidebars: tuple[BriefSidebar, ...]
    closing: str | None = None
    counts: dict[str, int]
    redaction: dict[str, int]  # placeholder -> replacements made in the brief's transcripts (no names)
    provenance: dict[str, Any]
    # terms in the quotes flagged for a person to keep or redact (pleval terms) and not decided yet: a final copy
    # waits for them
    undecided_terms: tuple[str, ...] = ()
