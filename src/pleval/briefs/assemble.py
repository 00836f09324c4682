"""Assemble a brief: per theme its prevalence, survey figures, quotes, questions and drafted prose.

:func:`assemble_brief` computes; :mod:`pleval.briefs.render` lays the result out. Counts come from one coding
per turn (:mod:`pleval.coding.sources`), figures from the survey (:func:`pleval.survey.figures.item_figure`),
quotes from the redacted transcripts (:mod:`pleval.briefs.redact`, :mod:`pleval.briefs.quotes`), what a quoted
person described from a person's words (:mod:`pleval.briefs.memos`), the lead from :mod:`pleval.briefs.lead` and
every other sentence from :mod:`pleval.briefs.prose`. A survey item linked to several of the brief's themes is
said once, under the first of them. The result is a :class:`pleval.schema.Brief`, saved as JSON beside the
rendered brief; it names transcripts only by the sha256 of their text, never by id (ids hold sites' names).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import __version__
from ..coding.sources import SOURCES, CountedCodings, counted_codings, human_agreement
from ..errors import BriefError, LearningError, PlevalError, Problem
from ..inputs.declaration import project_declaration
from ..inputs.text import sha256_bytes
from ..learn.quality import TRUSTED_KAPPA, MeasuredQuality, measured_quality
from ..project import Project
from ..schema import (
    Brief,
    BriefFigure,
    BriefQuote,
    BriefsFile,
    BriefSpec,
    BriefTheme,
    Code,
    Declaration,
    Filters,
    Noun,
    Prevalence,
    RoleCount,
    Transcript,
)
from ..survey.disclosure import COMPLEMENTARY, Suppression
from .attribution import Attributor, profile_of
from .config import YEAR, load_briefs, select_transcripts
from .lead import LeadTheme, lead_sentences
from .memos import Memos, description, narrowing
from .prose import (
    about_paragraphs,
    automatic_sentence,
    citation,
    example_sentence,
    footnote,
    methods_sentences,
    no_example_sentence,
    period_names,
    prevalence_sentences,
    provisional_sentence,
    responses_counted,
    role_of,
    survey_sentence,
)
from .published import brief_count_key, brief_figure_key, brief_survey_filters, build_suppression
from .quotes import (
    MAX_WORDS,
    MIN_WORDS,
    QuoteCandidate,
    as_brief_quote,
    choose_quotes,
    quote_candidates,
    trimmed,
    turn_evidence,
)
from .redact import RedactedText, Redactor, redaction_report, redaction_summary
from .terms import REDACT, FlaggedTerm, TermFinder, load_decisions, term_key, words_of

if TYPE_CHECKING:  # the survey is imported only for a project that has one
    from ..survey.data import SurveyData

#: How much a person's words on what a passage describes (a memo, briefs.yaml) raise its rank as an example: a
#: person read it and said what it shows.
DESCRIBED_BONUS = 2.0
#: A quote embedded after what the person described is the opening of its window, whole sentences, from this many
#: words up to as many as reach the rules' evidence (at most ``EMBEDDED_WORDS[1]``, else the window stays whole).
EMBEDDED_WORDS = (15, 35)


@dataclass
class BriefContext:
    """What every brief of a project shares, loaded once: codebook, transcripts, counted codings, agreement,
    survey, redactions. :func:`assemble_brief` makes one when none is given; ``pleval brief --all`` shares one."""

    project: Project
    declaration: Declaration  # the project's words (pleval.yaml)
    briefs: BriefsFile
    broken: dict[str, PlevalError]  # brief id -> why briefs.yaml's entry for it cannot be used
    declared: list[str]  # every brief id in briefs.yaml, in order
    counted: CountedCodings
    agreement: dict
    survey: SurveyData | None  # when the project has a survey
    redactor: Redactor
    attributor: Attributor  # in the project's words; a brief's attributions are within its scope (``within``)
    terms: TermFinder  # runs of capitalised words no list names in quotes: flagged terms, and what ranks a quote lower
    redactions: dict[str, RedactedText] = field(default_factory=dict)
    segments: dict[str, list] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    suppression: Suppression | None = None  # over every survey figure the build publishes
    rule_weights: dict[str, float] = field(default_factory=dict)  # rule key -> weight: what a quote's evidence weighs
    memos: Memos = field(default_factory=Memos)  # every coder's memos, for what a quoted person described
    quality: MeasuredQuality | None = None  # the suggesting coder's measured quality on real talk, per code

    @classmethod
    def load(cls, project: Project) -> BriefContext:
        """Load everything briefs need.

        Raises
        ------
        PlevalError
            If the codebook, briefs.yaml or the survey is invalid.
        """
        from ..survey.data import has_survey, load_survey

        declaration = project_declaration(project)
        counted = counted_codings(project)
        check = load_briefs(project, codebook=counted.codebook, transcripts=counted.transcripts)
        briefs = check.briefs
        assert briefs is not None  # load_briefs raises when no brief can be drafted
        survey = load_survey(project, transcripts=counted.transcripts) if has_survey(project) else None
        sites = [(s.name, dict(s.attributes)) for s in survey.survey.sites] if survey is not None else []
        decisions = load_decisions(project)  # people's decisions on terms flagged in quotes: keep or redact
        redactor = Redactor(counted.transcripts, declaration=declaration, terms=briefs.redact, sites=sites,
                            local_terms=[d.term for d in decisions.values() if d.decision == REDACT])
        attributor = Attributor(counted.transcripts, declaration=declaration)
        listed = words_of([declaration.model_dump(), counted.codebook.model_dump(), briefs.model_dump(),
                           *(dict(t.meta.attributes) for t in counted.transcripts), sites])
        terms = TermFinder(counted.transcripts, listed=listed, lower_words=redactor.lower_words, decisions=decisions)
        warnings = [p for p in check.problems if p.severity == "warning"]
        suppression = (build_suppression(survey, briefs, counted.codebook, counted.transcripts)
                       if survey is not None else None)
        from ..nlp.rules import rule_weights

        problems = list(counted.problems) + warnings
        try:
            quality = measured_quality(project)
        except LearningError as error:
            problems.append(error)
            quality = None
        return cls(project, declaration, briefs, check.broken, check.declared, counted, human_agreement(project),
                   survey, redactor, attributor, terms, problems=problems,
                   suppression=suppression, rule_weights=rule_weights(counted.codebook),
                   memos=Memos.load(project, counted.codebook, counted.transcripts), quality=quality)

    def redacted(self, transcript: Transcript) -> RedactedText:
        if transcript.id not in self.redactions:
            self.redactions[transcript.id] = self.redactor.redact(transcript)
        return self.redactions[transcript.id]

    def scrubbed(self, text: str | None) -> str | None:
        """Hand-written text from briefs.yaml, de-identified like the quotes (a safety net: an evaluator may
        name a site in passing)."""
        return None if text is None else self.redactor.redact_text(text).text

    def segments_of(self, transcript: Transcript) -> list:
        if transcript.id not in self.segments:
            from ..coding.run import load_segments  # spaCy: imported only when segments are needed

            self.segments[transcript.id] = load_segments(self.project, transcript, self.counted.codebook)
        return self.segments[transcript.id]


@dataclass
class AssembledBrief:
    """A brief and what was needed to make it that must not be published: the redaction report."""

    brief: Brief
    redaction_report: dict


def _person(turn, transcript: Transcript) -> str:
    return " ".join((turn.name or f"{transcript.id}:{turn.speaker}").split()).casefold()


def prevalence(code_id: str, transcripts: list[Transcript], counted: CountedCodings, declaration: Declaration
               ) -> Prevalence:
    """How many of the brief's transcripts, sites, participants (by role, in the declared order) and values of the
    declared spread attribute voiced a theme, and how many participant turns each coding source covered (those
    voicing it, and all of the brief's)."""
    ids = {t.id for t in transcripts}
    rows = counted.table[(counted.table["code_id"] == code_id) & counted.table["transcript_id"].isin(ids)]
    by_id = {t.id: t for t in transcripts}
    voiced_transcripts = sorted(set(rows["transcript_id"].tolist()))
    people: dict[str, str] = {}  # person -> role, everyone who spoke as a participant
    voiced_people: set[str] = set()
    for transcript in transcripts:
        for turn in transcript.turns:
            if not turn.is_interviewer:
                people.setdefault(_person(turn, transcript), turn.role)
    for transcript_id, turn_index in zip(rows["transcript_id"].tolist(), rows["turn"].tolist(), strict=True):
        transcript = by_id[transcript_id]
        voiced_people.add(_person(transcript.turns[turn_index], transcript))
    roles = []
    for role in [*declaration.role_ids, *sorted(set(people.values()) - set(declaration.role_ids))]:
        everyone = [p for p, r in people.items() if r == role]
        if everyone:
            roles.append(RoleCount(role=role, label=role_of(declaration, role).signature,
                                   voiced=sum(p in voiced_people for p in everyone), participants=len(everyone)))
    spread, spread_total = _spread([by_id[t] for t in voiced_transcripts], transcripts, declaration)
    voiced_from = rows["source"].value_counts()  # one row per turn voicing the theme
    sources = {s: int(voiced_from.get(s, 0)) for s in SOURCES}
    sources_total = counted.source_counts(ids)
    return Prevalence(
        transcripts=len(voiced_transcripts), transcripts_total=len(transcripts),
        sites=len(_sites(by_id[t] for t in voiced_transcripts)), sites_total=len(_sites(transcripts)),
        participants=len(voiced_people), participants_total=len(people), turns=len(rows), roles=tuple(roles),
        spread=spread, spread_total=spread_total, sources=sources, sources_total=sources_total,
    )


def _sites(transcripts: Iterable[Transcript]) -> set[str]:
    """The sites the transcripts name (a transcript naming none is in no site)."""
    return {t.meta.site for t in transcripts if t.meta.site is not None}


def _spread(voiced: list[Transcript], transcripts: list[Transcript], declaration: Declaration
            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The values of the declared spread attribute (``words.spread``) among the transcripts voicing a theme and
    among all of the brief's, in the order the attribute declares its values (others after them, by name)."""
    if declaration.words.spread is None:
        return (), ()
    name = declaration.words.spread.attribute
    attribute = declaration.site_attribute(name)
    order = {value: i for i, value in enumerate(attribute.values if attribute is not None else ())}

    def values(among: list[Transcript]) -> tuple[str, ...]:
        found = {value for t in among if (value := t.meta.value(name)) is not None}
        return tuple(sorted(found, key=lambda v: (order.get(v, len(order)), v)))

    return values(voiced), values(transcripts)


def survey_filters(spec: BriefSpec, context: BriefContext) -> Filters | None:
    """The survey respondents a brief's figures cover: its filters, in its period(s) or, without one,
    the survey's latest year. None when the survey has no responses in the brief's years."""
    return brief_survey_filters(spec, context.survey)


def _figures(code: Code, filters: Filters | None, context: BriefContext, *, said: set[str]
             ) -> tuple[BriefFigure, ...]:
    """The theme's survey figures, each item once in the brief: ``said`` holds the items earlier themes stated
    (and is updated); the brief's first figure says who was surveyed, where and when."""
    from ..survey.description import linked_items
    from ..survey.disclosure import withheld_figure
    from ..survey.figures import item_figure

    data = context.survey
    if filters is None or data is None:  # (filters are None without a survey)
        return ()
    figures: list[BriefFigure] = []
    for item_id in linked_items(data.survey, code.id, context.counted.codebook):
        if item_id in said:
            continue
        figure = item_figure(data, item_id, filters)
        if context.suppression is not None:  # the build's suppression: too few answers, or withheld to protect one
            figure = withheld_figure(figure, context.suppression.reason(brief_figure_key(item_id, filters)))
        scope = {name: values for name, values in figure.filters.active().items() if name != YEAR}
        sentence = survey_sentence(figure, context.declaration, filters=scope, first=not said, again=bool(figures))
        said.add(item_id)
        figures.append(BriefFigure(figure=figure, sentence=sentence))
    return tuple(figures)


def _wording(code: Code, briefs: BriefsFile) -> tuple[str, str, str]:
    """(heading, about, topic) of a theme: briefs.yaml's wording, else the codebook's label."""
    wording = briefs.themes.get(code.id)
    label = code.label
    heading = (wording.heading if wording and wording.heading else label)
    about = wording.about if wording and wording.about else label[:1].lower() + label[1:]
    topic = wording.topic if wording and wording.topic else label[:1].lower() + label[1:]
    return heading, about, topic


def _valued(code_id: str, briefs: BriefsFile) -> str | None:
    """What participants who voiced a theme valued, as briefs.yaml words it (``themes: <code>: valued``)."""
    wording = briefs.themes.get(code_id)
    return wording.valued if wording is not None else None


def _questions(themes: list[BriefTheme], limit: int) -> tuple[str, ...]:
    """Questions to consider: each theme's first question, then their second ones, up to ``limit`` (but at least
    one per theme)."""
    chosen: list[str] = []
    depth = max((len(t.questions) for t in themes), default=0)
    for level in range(depth):
        for theme in themes:
            if level < len(theme.questions) and theme.questions[level] not in chosen:
                if level > 0 and len(chosen) >= limit:
                    return tuple(chosen)
                chosen.append(theme.questions[level])
    return tuple(chosen)


def assemble_brief(project: Project, brief_id: str, *, context: BriefContext | None = None) -> AssembledBrief:
    """Draft one brief from the project's data.

    Parameters
    ----------
    project : Project
    brief_id : str
        A brief declared in data/briefs.yaml.
    context : BriefContext, optional
        Shared loaded data (made here when not given).

    Raises
    ------
    BriefError
        For an unknown brief, or filters that select no transcript.
    PlevalError
        If the codebook, briefs.yaml or the survey is invalid.
    """
    context = context or BriefContext.load(project)
    briefs = context.briefs
    if brief_id in context.broken:
        raise context.broken[brief_id]
    try:
        spec = briefs.brief(brief_id)
    except KeyError:
        raise BriefError(f"unknown brief '{brief_id}'", path=project.briefs_path,
                         fix=f"briefs declared: {', '.join(context.declared) or 'none'}") from None
    transcripts = select_transcripts(context.counted.transcripts, spec.filters, context.declaration)
    if not transcripts:
        raise BriefError(f"brief '{brief_id}': its filters select no transcript", path=project.briefs_path,
                         fix=f"loosen the brief's filters ({', '.join(spec.filters.active())})")
    codebook = context.counted.codebook
    by_id = {t.id: t for t in transcripts}
    redactions = {t.id: context.redacted(t) for t in transcripts}
    segments = {t.id: context.segments_of(t) for t in transcripts}
    filters = survey_filters(spec, context)
    attributor = context.attributor.within(transcripts)  # an attribution fits people in the brief's scope
    used_segments: set[str] = set()
    quoted: list[tuple[str, str]] = []  # every chosen quote and where it is from, for flagged terms
    table = context.counted.table
    counted = turn_evidence(table[table["transcript_id"].isin(by_id)])  # every theme's, to weigh quotes against
    said_items: set[str] = set()
    said: dict[str, str] = {}  # a drafted sentence -> the topic of the theme that said it first
    left_out: list[dict] = []  # descriptions not used: they name what an attribution left out
    themes: list[BriefTheme] = []
    for code_id in spec.themes:
        code = codebook.code(code_id)
        heading, about, _ = _wording(code, briefs)
        counts = prevalence(code_id, transcripts, context.counted, context.declaration)
        reliability = context.agreement[code_id]
        rows = table[(table["code_id"] == code_id) & table["transcript_id"].isin(by_id)]
        candidates = quote_candidates(code_id, rows, by_id, segments, redactions, context.terms.unlisted,
                                      counted=counted, weights=context.rule_weights)
        described = {c.segment.id: d for c in candidates if (d := description(
            context.memos, spec.text.examples, segment_id=c.segment.id, transcript_id=c.transcript.id,
            start=c.start, end=c.end, code_id=code_id)) is not None}
        narrowed = {c.segment.id: described.pop(c.segment.id) for c in candidates
                    if c.segment.id in described and _narrows(c, described[c.segment.id][0], attributor, context)}
        candidates = [dataclasses.replace(c, score=c.score + DESCRIBED_BONUS) if c.segment.id in described else c
                      for c in candidates]
        picked, pull = choose_quotes(candidates, count=spec.examples, used_segments=used_segments)
        quoted.extend((c.text, f"{c.segment.id} ({code_id})") for c in [*picked, *([pull] if pull else [])])
        examples = tuple(_example(c, described.get(c.segment.id), attributor, redactions[c.transcript.id], context)
                         for c in picked)
        left_out += [{"transcript_sha256": c.transcript.text_hash, "segment": f"t{c.segment.turn_index:03d}",
                      "by": narrowed[c.segment.id][1]} for c in picked if c.segment.id in narrowed]
        provisional = provisional_sentence(reliability)
        kappa = _automatic_kappa(code_id, counts, context.quality)
        automatic = (automatic_sentence(kappa, counts.sources["rules"], counts.turns, trusted_kappa=TRUSTED_KAPPA)
                     if kappa is not None and context.quality is not None
                     and context.quality.trusted(code_id) is False else None)
        bare = (no_example_sentence(counts.turns, counts.turns - counts.sources.get("rules", 0),
                                    (MIN_WORDS, MAX_WORDS))
                if counts.turns and not examples else None)
        themes.append(BriefTheme(
            code_id=code_id, label=code.label, heading=heading, prevalence=counts, reliability=reliability,
            narrative=tuple(_unrepeated(prevalence_sentences(counts, context.declaration, about=about), said,
                                        _wording(code, briefs)[2])),
            notes=tuple(n for n in (provisional, automatic, bare) if n), automatic_kappa=kappa,
            hand_written=context.scrubbed(spec.text.themes.get(code_id)),
            figures=_figures(code, filters, context, said=said_items),
            examples=examples, example_sentences=tuple(example_sentence(q) for q in examples),
            pull_quote=as_brief_quote(pull, attributor) if pull else None, questions=tuple(code.questions),
        ))
    terms = context.terms.flag(quoted)
    brief = _brief(spec, context, transcripts, themes, filters, redactions, left_out)
    brief = brief.model_copy(update={"undecided_terms": tuple(t.term for t in terms if t.decision is None)})
    flagged = {t.term: {"decision": t.decision, "quoted": list(t.where)} for t in terms}
    return AssembledBrief(
        brief=brief, redaction_report=redaction_report(redactions.values(), transcripts=by_id, flagged=flagged),
    )


def _automatic_kappa(code_id: str, counts: Prevalence, quality: MeasuredQuality | None) -> float | None:
    """The measured kappa of the theme's automatic coding, where the brief's counts of it rest partly on the rules."""
    if quality is None or not counts.sources.get("rules"):
        return None
    figures = quality.codes.get(code_id)
    return None if figures is None else figures.kappa


def _unrepeated(sentences: list[str], said: dict[str, str], topic: str) -> list[str]:
    """A section's sentences, one that an earlier section said word for word said as the same again ("As with
    time, it came up in ..."); ``said`` (sentence -> topic) is updated."""
    kept = []
    for sentence in sentences:
        if sentence in said:
            kept.append(f"As with {said[sentence]}, {sentence[:1].lower()}{sentence[1:]}")
        else:
            said[sentence] = topic
            kept.append(sentence)
    return kept


def _embedded(candidate: QuoteCandidate, redacted: RedactedText) -> QuoteCandidate:
    """The short quote an example embeds after what the person described: the window's opening sentences (its
    opening is the one quote choice vetted), enough for :data:`EMBEDDED_WORDS` and the rules' evidence; the
    whole window when no shorter run of its sentences will do."""
    text = candidate.transcript.text
    ends = [min(s.end, candidate.end) for s in candidate.segment.sentences
            if candidate.start < s.end and s.start < candidate.end]
    least, most = EMBEDDED_WORDS
    for end in ends[:-1]:
        start, end = trimmed(text, candidate.start, end)
        r_start, r_end = redacted.span(start, end)
        quote = redacted.text[r_start:r_end]
        words = len(quote.split())
        if words > most:
            break
        if words < least or (candidate.evidence and not any(e in quote for e in candidate.evidence)):
            continue
        return dataclasses.replace(candidate, start=start, end=end, redacted_start=r_start, redacted_end=r_end,
                                   text=quote, words=words,
                                   evidence=tuple(e for e in candidate.evidence if e in quote))
    return candidate


def _narrows(candidate: QuoteCandidate, text: str, attributor: Attributor, context: BriefContext) -> bool:
    """Whether a person's words on what the speaker described name what the quote's attribution leaves out
    (:func:`pleval.briefs.memos.narrowing`): then they are not used, and do not raise the quote's rank."""
    quote = as_brief_quote(candidate, attributor)
    profile = profile_of(candidate.transcript, candidate.role, name=candidate.segment.name)
    return narrowing(context.scrubbed(text) or "", role=quote.role, generalised=quote.generalised, profile=profile,
                     declaration=context.declaration) is not None


def _example(candidate: QuoteCandidate, described: tuple[str, str] | None, attributor: Attributor,
             redacted: RedactedText, context: BriefContext) -> BriefQuote:
    """An example: the quote, and with a person's words on what the speaker described, those words (de-identified
    as the quotes are, with whose they are) and the quote's opening only (:func:`_embedded`)."""
    if described is None:
        return as_brief_quote(candidate, attributor)
    text, by = described
    quote = as_brief_quote(_embedded(candidate, redacted), attributor)
    return quote.model_copy(update={"described": context.scrubbed(text), "provenance": quote.provenance.model_copy(
        update={"described_by": by})})


def _brief(spec: BriefSpec, context: BriefContext, transcripts: list[Transcript], themes: list[BriefTheme],
           filters: Filters | None, redactions: dict[str, RedactedText], left_out: list[dict]) -> Brief:
    briefs, evaluation, declaration = context.briefs, context.briefs.evaluation, context.declaration
    interviews = sum(t.meta.type == "interview" for t in transcripts)
    focus_groups = len(transcripts) - interviews
    people = {_person(turn, t) for t in transcripts for turn in t.turns if not turn.is_interviewer}
    sites = len(_sites(transcripts))
    lead_themes = [LeadTheme(topic=_wording(context.counted.codebook.code(theme.code_id), briefs)[2],
                             prevalence=theme.prevalence, valued=context.scrubbed(_valued(theme.code_id, briefs)))
                   for theme in themes]
    lead = lead_sentences(declaration, interviews=interviews, focus_groups=focus_groups, participants=len(people),
                          sites=sites, filters=spec.filters.active(), themes=lead_themes,
                          figures=[item.figure for theme in themes for item in theme.figures])
    counts = {"transcripts": len(transcripts), "interviews": interviews, "focus_groups": focus_groups,
              "participants": len(people), "sites": sites, "themes": len(themes)}
    note, survey_about = None, None
    data = context.survey
    if filters is not None and data is not None:  # (filters are None without a survey)
        from ..survey.figures import filter_responses

        years = filters.of(YEAR)
        year_only = Filters(year=years)
        in_years = filter_responses(data, year_only)
        scoped = filter_responses(data, filters)
        narrowed = filters != year_only
        # the respondent count is a cell of the build's suppression: under the threshold, or withheld to protect one
        reason = context.suppression.reason(brief_count_key(filters)) if context.suppression is not None else None
        responses: int | str = len(scoped) if reason is None else responses_counted(
            None, suppress_below=data.survey.suppress_below, withheld=reason == COMPLEMENTARY)
        survey_sites = int(scoped["site"].nunique())
        note = footnote(declaration, survey=data.survey.name, description=data.survey.description,
                        sites=int(in_years["site"].nunique()), years=years,
                        scoped=(survey_sites, responses) if narrowed else None)
        counts.update(survey_sites=survey_sites)
        if reason is None:
            counts.update(survey_responses=len(scoped))
        survey_about = (data.survey.name, responses, survey_sites, period_names(years))
    dates = sorted(t.meta.date for t in transcripts)
    about = about_paragraphs(evaluation, declaration, interviews=interviews, focus_groups=focus_groups,
                             participants=len(people), sites=sites, codes=len(context.counted.codebook.codes),
                             dates=(f"{dates[0]:%B %Y}", f"{dates[-1]:%B %Y}"), survey=survey_about)
    logs = sorted(context.project.codings_dir.glob("*.jsonl"))
    provenance = {
        "pleval": __version__, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "brief": spec.id, "briefs_hash": briefs.hash, "codebook_hash": context.counted.codebook.hash,
        "filters": spec.filters.model_dump(mode="json"),
        "periods": sorted({p for t in transcripts if (p := declaration.periods.of(t.meta.date)) is not None}),
        "transcripts": sorted(t.text_hash for t in transcripts),
        "coding_sources": context.counted.source_counts(t.id for t in transcripts),  # participant turns
        "coding_logs": {p.stem: sha256_bytes(p.read_bytes()) for p in logs},
        "survey_hash": context.survey.survey.hash if context.survey is not None else None,
        "survey_filters": filters.active() if filters is not None else None,
        "agreement_threshold": themes[0].reliability.threshold if themes else None,
        "quote_words": [15, 60],
        "descriptions_left_out": left_out,  # a memo or briefs.yaml line naming what an attribution left out
    }
    return Brief(
        id=spec.id, title=spec.title, subtitle=spec.subtitle, filters=spec.filters,
        site=Noun(singular=declaration.site.singular, plural=declaration.site.plural), lead=tuple(lead),
        hand_written_lead=context.scrubbed(spec.text.lead), themes=tuple(themes),
        questions=_questions(themes, spec.questions),
        footnote=note, methods=tuple(methods_sentences(context.counted.source_counts(t.id for t in transcripts))),
        about=tuple(about), citation=citation(evaluation, title=spec.title, subtitle=spec.subtitle),
        sidebars=tuple(panel.model_copy(update={"text": context.scrubbed(panel.text),
                                                "items": [context.scrubbed(item) for item in panel.items]})
                       for panel in [*briefs.sidebars, *spec.sidebars]),
        closing=context.scrubbed(spec.text.closing), counts=counts,
        redaction=redaction_summary(redactions.values()), provenance=provenance,
    )


def trace_quote(project: Project, quote, *, context: BriefContext | None = None) -> tuple[Transcript, RedactedText]:
    """The transcript a quote comes from (found by the sha256 of its text) and its redacted text.

    Raises
    ------
    BriefError
        If no transcript of the project has that text any more.
    """
    context = context or BriefContext.load(project)
    for transcript in context.counted.transcripts:
        if transcript.text_hash == quote.provenance.transcript_sha256:
            return transcript, context.redacted(transcript)
    raise BriefError(f"no transcript has the text the quote was taken from (sha256 "
                     f"{quote.provenance.transcript_sha256[:12]}...)", fix="the transcript was edited or removed: "
                     "draft the brief again")



def flagged_terms(project: Project, *, context: BriefContext | None = None) -> list[FlaggedTerm]:
    """Every term flagged in any brief's quotes (:mod:`pleval.briefs.terms`), once, with where it is quoted
    (``<brief id>: <segment id> (<theme>)``) and its decision if a person made one. Briefs that cannot be drafted
    are left out (``pleval brief`` reports them).

    Raises
    ------
    PlevalError
        If nothing can be drafted (an invalid codebook, briefs.yaml, survey or data/terms.yaml).
    """
    context = context or BriefContext.load(project)
    found: dict[str, FlaggedTerm] = {}
    for brief_id in context.declared:
        try:
            assembled = assemble_brief(project, brief_id, context=context)
        except PlevalError:
            continue
        for term, entry in assembled.redaction_report["flagged"].items():
            key = term_key(term)
            where = tuple(f"{brief_id}: {place}" for place in entry["quoted"])
            old = found.get(key)
            found[key] = FlaggedTerm(term, (old.where if old else ()) + where, entry["decision"])
    return sorted(found.values(), key=lambda f: term_key(f.term))
