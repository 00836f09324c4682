"""Drafted prose: sentences filled from a brief's figures, in the voice of the seed brief and the words of the
project's declaration (pleval.yaml: what a site is called, the people, the roles and their groups, how an
attribute's value reads, the periods).

Every sentence states only what the numbers show:

- prevalence is stated as counts ("Health workers and patients in 7 of the 9 clinics described ...");
- a survey figure is rounded by the one rule its tables and charts follow too
  (:data:`pleval.schema.survey.ROUNDING_RULE`, stated once in the brief's survey note), so the text never says
  one number beside a table showing another: "Of the respondents in sites that administered the ... survey in
  2025, 41% agreed that ...". Rounding never overstates: a share that would round to 100% while some disagreed
  is "more than 99%", one that would round to 0% while some agreed is "fewer than 1%"; everyone or no one is
  said in words. Each item is said once in a brief, however many of its themes it is linked to;
- a figure from fewer than :data:`SMALL_N` answers is stated as a count ("12 of the 18 who answered"), and a
  suppressed figure (fewer answers than the survey's threshold, or withheld so that a small group cannot be
  worked out from the other figures of the build) is never stated at all;
- which coding the counts rest on, and a provisional theme's agreement, are a draft's methods notes, kept out of
  the narrative (and out of a final brief);
- an example says what the person described in a person's words (a coder's memo on the passage, or the brief's
  hand-written text), then embeds the verbatim quote; without such words it is the attributed quote alone.

A brief's scope is worded from its filters through the declaration (:func:`scope_of`): an attribute declared
``before: true`` qualifies the site's noun ("rural clinics"), any other joins after it by its ``phrase``
("in {}" unless declared: "in Oregon"); a place that de-identification hides is only counted ("in 2 counties").

Nothing here reads files or computes figures: :mod:`pleval.briefs.assemble` passes the numbers in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..schema import (
    Attribute,
    BriefQuote,
    Declaration,
    EvaluationInfo,
    Prevalence,
    Role,
    SurveyFigure,
    ThemeReliability,
)
from ..schema.survey import percent_text
from .config import ROLE, SITE, YEAR

SMALL_N = 30  # below this many answers a figure is stated as a count, not a percentage
FOOTNOTE_MARK = "¹"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``"1 site"``, ``"3 sites"``."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def plural_of(noun: str) -> str:
    """An English noun's regular plural: ``county`` -> ``counties``, ``CHW`` -> ``CHWs``, ``branch`` ->
    ``branches`` (a declared word has its plural declared; this is for placeholders)."""
    last = noun[-1:]
    if last == "y" and noun[-2:-1].lower() not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def listed(items: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def capitalised(text: str) -> str:
    """The first letter in upper case, the rest as written: ``"CHW visits"`` stays, ``"nurses"`` is ``"Nurses"``."""
    return text[:1].upper() + text[1:]


def period_names(periods: Sequence[str]) -> str:
    """Periods as the seed writes them: ``"2023–2024"`` with an en dash, ``"2024 and 2025"``."""
    return listed([p.replace("-", "–") for p in periods])


def period_phrase(periods: Sequence[str], declaration: Declaration) -> str:
    """``"in the 2023–2024 program year"``, ``"in the 2023–2024 and 2024–2025 program years"``; calendar years as
    ``"in 2025"``."""
    if not periods:
        return ""
    if declaration.periods.kind == "calendar_year" and not declaration.periods.label:
        return f"in {period_names(periods)}"
    title = declaration.periods.title
    return f"in the {period_names(periods)} {title}{'s' if len(periods) > 1 else ''}"


def role_of(declaration: Declaration, role: str) -> Role:
    """The declared role, or one made of its id's words (any role is accepted when none is declared)."""
    return declaration.role(role) or Role.model_construct(id=role)


def attribute_of(declaration: Declaration, name: str) -> Attribute:
    """The declared site attribute, or one saying its values as written (a key only the metadata gives)."""
    return declaration.site_attribute(name) or Attribute.model_construct(name=name)


@dataclass(frozen=True)
class Scope:
    """How filters read: words qualifying the site's noun (``before``), phrases after it (``after``), the
    periods and the roles."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def sites(self, declaration: Declaration, n: int | None = None) -> str:
        """``"3 rural clinics"``, ``"clinics in Oregon"`` (``n`` None: no count)."""
        site = declaration.site
        qualified = " ".join(self.before)
        singular, plural = (f"{qualified} {site.singular}", f"{qualified} {site.plural}") if qualified else (
            site.singular, site.plural)
        noun = plural if n is None else counted(n, singular, plural)
        return " ".join([noun, *self.after])


def _qualifier(words: str, declaration: Declaration) -> str:
    """A value's words before the site's noun, without the noun they may end with ("community clinic" before
    "clinics" is "community")."""
    for noun in (declaration.site.plural, declaration.site.singular):
        if words.casefold().endswith(" " + noun.casefold()):
            return words[: -len(noun) - 1]
    return words


def scope_of(filters: Mapping[str, Sequence[str]], declaration: Declaration) -> Scope:
    """How a brief's or a survey figure's filters read (see the module's notes). The site's own names are never
    said: the count of sites says enough, and a name would identify."""
    before: list[str] = []
    after: list[str] = []
    for name, values in filters.items():
        name = declaration.name_of(name)
        if not values or name in (SITE, ROLE, YEAR):
            continue
        place = declaration.redaction.places.get(name)
        if place is not None:  # a name de-identification hides is not said here either
            after.append(f"in {counted(len(values), place.placeholder, plural_of(place.placeholder))}")
            continue
        attribute = attribute_of(declaration, name)
        said = [w for w in (attribute.worded(v) for v in values) if w]
        if not said:
            continue
        if attribute.before:
            before.append(attribute.phrase.format(listed([_qualifier(w, declaration) for w in said])))
        else:
            phrase = attribute.phrase if attribute.phrase != "{}" else "in {}"
            after.append(phrase.format(listed(said)))
    return Scope(tuple(before), tuple(after), tuple(filters.get(YEAR, ())), tuple(filters.get(ROLE, ())))


def share_phrase(figure: SurveyFigure) -> str | None:
    """A figure's share of agreement as a sentence says it, in lower case, or None for a suppressed figure.

    Returns ``"41%"``, ``"more than 99%"``, ``"fewer than 1%"``, ``"all 212"``, ``"none of the 212"`` or, under
    :data:`SMALL_N` answers, ``"12 of the 18 who answered"``.
    """
    if figure.suppressed or figure.agree is None or figure.n is None or figure.percent is None:
        return None
    if figure.agree == figure.n:
        return f"all {figure.n}"
    if figure.agree == 0:
        return f"none of the {figure.n}"
    if figure.n < SMALL_N:
        return f"{figure.agree} of the {figure.n} who answered"
    text = percent_text(figure.agree, figure.n)
    return {">99%": "more than 99%", "<1%": "fewer than 1%"}.get(text, text)


def survey_scope(figure: SurveyFigure, declaration: Declaration, *,
                 filters: Mapping[str, Sequence[str]] | None = None, mark: bool = True) -> str:
    """``"sites that administered the ... Survey¹ in 2025"``, narrowed by the figure's ``filters`` (by attribute
    name: ``"rural clinics in Oregon that administered ..."``)."""
    sites = scope_of(filters or {}, declaration).sites(declaration)
    return (f"{sites} that administered the {figure.survey}{FOOTNOTE_MARK if mark else ''} in "
            f"{period_names(figure.years)}")


def survey_sentence(figure: SurveyFigure, declaration: Declaration, *,
                    filters: Mapping[str, Sequence[str]] | None = None, first: bool = True, again: bool = False
                    ) -> str:
    """One survey figure in a sentence; a suppressed figure gives no number at all. ``filters`` are the figure's
    restrictions by attribute name (see :func:`survey_scope`). The brief's ``first`` figure says who was surveyed
    where and when, with the footnote mark; the others, which share that scope, say "surveyed", or "in the same
    survey" ``again`` in the section that just gave a figure."""
    population = figure.population
    where = (f"in {survey_scope(figure, declaration, filters=filters, mark=True)}" if first else "surveyed")
    share = share_phrase(figure)
    clause = figure.agreed_that or figure.wording
    if again and not first and share is not None:
        return f"In the same survey, {share} agreed that {figure.agreed_that or f'“{figure.wording}”'}."
    if share is None and figure.withheld:
        return (f"The share of {population} {where} who agreed that {clause} is withheld, so that a smaller group "
                f"of respondents cannot be worked out from the other figures.")
    if share is None:
        return (f"Fewer than {figure.suppress_below} {population} {where} answered whether {clause}, too few for a "
                f"figure to be reported.")
    agreed = figure.agreed_that or f"“{figure.wording}”"
    return f"Of the {population} {where}, {share} agreed that {agreed}."


def who(prevalence: Prevalence, declaration: Declaration) -> str:
    """Who voiced a theme, by the people words of their roles' groups, in the order the groups are declared
    ("Health workers and patients"); roles in no group are the
    declaration's people ("Participants")."""
    voiced = [role_of(declaration, r.role) for r in prevalence.roles if r.voiced]
    groups = {role.group for role in voiced}
    words = [g.people for g in declaration.role_groups if g.id in groups]
    if not words or any(declaration.group(role.group) is None for role in voiced):
        words.append(declaration.words.people.plural)
    return capitalised(listed(list(dict.fromkeys(words))))


def _noun(role: str, n: int, declaration: Declaration) -> str:
    declared = role_of(declaration, role)
    return counted(n, declared.singular, declared.plurals)


def all_of(n: int) -> str:
    """``"both"``, ``"all 5"``."""
    return "both" if n == 2 else f"all {n}"


def _of(n: int, total: int, singular: str, plural: str | None = None) -> str:
    """``"7 of the 9 sites"``, ``"all 9 sites"``, ``"both sites"``, ``"the one site"``."""
    plural = plural or singular + "s"
    if n == total:
        return f"the one {singular}" if total == 1 else f"both {plural}" if total == 2 else f"all {total} {plural}"
    return f"{n} of the {total} {plural}"


def spread_words(values: Sequence[str], declaration: Declaration) -> str:
    """Values of the declared spread attribute as a place reads: ``"in Oregon and Nevada"`` (the
    attribute's ``phrase``, ``"in {}"`` unless declared)."""
    spread = declaration.words.spread
    if spread is None or not values:
        return ""
    attribute = attribute_of(declaration, spread.attribute)
    phrase = attribute.phrase if attribute.phrase != "{}" else "in {}"
    return phrase.format(listed([attribute.worded(v) or v for v in values]))


def prevalence_sentences(prevalence: Prevalence, declaration: Declaration, *, about: str) -> list[str]:
    """How widely a theme was voiced: who, in how many sites and across the declared spread (states,
    regions...), then in how many interviews and focus groups, from whom, as counts."""
    p = prevalence
    site = declaration.site
    if p.transcripts == 0:
        talks = counted(p.transcripts_total, "interview and focus group", "interviews and focus groups")
        return [f"No one in the {talks} of this brief was coded as describing {about}."]
    where = _of(p.sites, p.sites_total, site.singular, site.plural)
    spread = declaration.words.spread
    if spread is not None and len(p.spread_total) > 1:
        if len(p.spread) == len(p.spread_total):
            where += f" across {all_of(len(p.spread_total))} {spread.plural}"
        else:
            where += f" {spread_words(p.spread, declaration)}"
    sentences = [f"{who(p, declaration)} in {where} described {about}."]
    roles = [_noun(r.role, r.voiced, declaration) for r in p.roles if r.voiced]
    talks = _of(p.transcripts, p.transcripts_total, "interview or focus group", "interviews and focus groups")
    sentences.append(f"It came up in {talks}, from {listed(roles)}.")
    return sentences


def methods_sentences(sources_total: Mapping[str, int]) -> list[str]:
    """A draft's methods note: where theme counts come from in general, and for this brief's turns."""
    return ["Theme counts come from the coders' consensus where a transcript has been reconciled, from human coding "
            "where it has been coded by hand, and otherwise from the codebook's rules.",
            sources_sentence(sources_total)]


def sources_sentence(sources_total: Mapping[str, int]) -> str:
    """Which coding the brief's counts rest on, and for how many participant turns each (the methods note)."""
    total = sum(sources_total.values())
    parts = {source: n for source, n in sources_total.items() if n}
    if list(parts) == ["rules"]:
        return "These counts rest on the codebook's rules alone: no one has coded these transcripts by hand yet."
    if list(parts) == ["consensus"]:
        return "These counts rest on the coders' consensus."
    if list(parts) == ["human"]:
        return "These counts rest on human coding (the codes most of a turn's coders applied)."
    pieces: list[str] = []
    for source, n in parts.items():
        of = f"{n} of the {counted(total, 'turn')}" if not pieces else f"{n}"
        if source == "consensus":
            pieces.append(f"the coders' consensus for {of}")
        elif source == "human":
            pieces.append(f"the coders' majority for {of}")
        else:
            pieces.append(f"the codebook's rules for {'the other ' if len(pieces) == len(parts) - 1 else ''}{of}, "
                          f"which no one has coded by hand yet")
    return f"Counts come from {listed(pieces)}."


def automatic_sentence(kappa: float, rules_turns: int, total_turns: int, *, trusted_kappa: float) -> str:
    """The mark on a theme whose counts rest partly on the codebook's rules while the rules' coding of it was
    measured below ``trusted_kappa`` on real talk (``kappa``)."""
    return (f"Automatic coding: {rules_turns} of the {counted(total_turns, 'turn')} counted here rest on the "
            f"codebook's rules, whose coding of this theme agreed with people's at kappa {kappa:.2f} on real talk, "
            f"below {trusted_kappa}; read these counts with care.")


def no_example_sentence(turns: int, by_people: int, words: tuple[int, int]) -> str:
    """Why a theme voiced on ``turns`` turns (``by_people`` of them coded by a person) has no example: no passage of
    them shows it firmly enough to quote; and what gives the section one (a passage of ``words`` words, coded)."""
    people = f"{by_people} of them coded by a person" if by_people else "none of them coded by a person"
    return (f"No example: none of the {counted(turns, 'turn')} counted here ({people}) has a passage that shows "
            f"this theme clearly enough to quote. Coding a passage of {words[0]} to {words[1]} words that shows it, "
            "by hand or in the coding widget, gives the section one.")


def provisional_sentence(reliability: ThemeReliability) -> str | None:
    """Why a theme is provisional, with the coders' agreement; None when it is not."""
    if not reliability.provisional:
        return None
    if reliability.human_codings == 0:
        return "Provisional: no one has coded this theme by hand yet, so its counts and quotes rest on the rules."
    if reliability.alpha is None:
        if len(reliability.coders) < 2:
            return "Provisional: only one person has coded this theme, so how far coders agree on it is not known."
        return "Provisional: how far coders agree on this theme cannot be computed yet."
    return (f"Provisional: coders' agreement on this theme is below {reliability.threshold} "
            f"(Krippendorff's alpha {reliability.alpha:.3f}), so its counts and quotes may change.")


def example_parts(quote: BriefQuote) -> tuple[str, str]:
    """An example bullet around its quote: the words before the opening quotation mark and after the closing one.

    With a person's words on what the speaker described (``quote.described``), they come first: a predicate
    ("described how ...") follows the attribution, ``"A principal described how ...: “...”"``; a sentence of its
    own is followed by the attribution, ``"Design team members open their rooms. A principal said, “...”"``.
    Without, the example is the attributed quote alone, ``"A principal said, “...”"``.
    """
    described = " ".join((quote.described or "").split()).rstrip(" .:;,")
    if not described:
        return f"{quote.attribution} said, “", "”"
    if described[:1].islower():  # a colon in their words already: the quote is introduced by a sentence
        return f"{quote.attribution} {described}{'. In their words, “' if ':' in described else ': “'}", "”"
    return f"{described}. {quote.attribution} said, “", "”"


def example_sentence(quote: BriefQuote) -> str:
    """An example bullet: what the person described, then the verbatim quote (see :func:`example_parts`)."""
    before, after = example_parts(quote)
    return f"{before}{quote.text}{after}"


def responses_counted(n: int | None, *, suppress_below: int, withheld: bool = False) -> str:
    """A respondent count as a brief states it: ``"212 responses"``; for a count under the threshold
    (``n`` None) ``"fewer than 10 responses"``, the bound the scope's suppressed figures already state; for a
    count withheld so that a smaller group cannot be worked out, no number at all."""
    if withheld:
        return "a number of responses withheld so that a smaller group cannot be worked out"
    if n is None:
        return f"fewer than {suppress_below} responses"
    return counted(n, "response")


def footnote(declaration: Declaration, *, survey: str, description: str, sites: int, years: Sequence[str],
             scoped: tuple[int, int | str] | None) -> str:
    """The survey footnote: what the survey is, in how many sites and periods, what it captured. ``scoped`` is
    the sites and responses within a narrower scope, responses as a number or in words
    (:func:`responses_counted`)."""
    site = declaration.site
    text = (f"{FOOTNOTE_MARK}The {survey} was administered in {counted(sites, site.singular, site.plural)} in "
            f"{period_names(years)}")
    if description:
        text += f" to capture {description[:1].lower()}{description[1:].rstrip('.')}"
    text += "."
    if scoped is not None:
        responses = counted(scoped[1], "response") if isinstance(scoped[1], int) else scoped[1]
        text += (f" Figures in this brief cover the {counted(scoped[0], site.singular, site.plural)} within its "
                 f"scope ({responses}).")
    return text


def about_paragraphs(evaluation: EvaluationInfo, declaration: Declaration, *, interviews: int, focus_groups: int,
                     participants: int, sites: int, codes: int, dates: tuple[str, str] | None,
                     survey: tuple[str, int | str, int, str] | None) -> list[str]:
    """"About this brief": the collection, the data sources with counts, how coding and quotes work, funders.
    ``survey`` is the survey's name, its responses in the brief's scope (a number, or in words:
    :func:`responses_counted`), their sites and periods."""
    site = declaration.site
    collection = evaluation.collection or evaluation.name
    paragraphs = [f"This brief is part of a collection of briefs that highlight learnings from {collection}. "
                  f"The information shared in these briefs is based on {listed(evaluation.data_sources)}."]
    talks = listed([counted(interviews, "interview") if interviews else "",
                    counted(focus_groups, "focus group") if focus_groups else ""])
    text = (f"This brief draws on {talks} with {counted(participants, 'participant')} in "
            f"{counted(sites, site.singular, site.plural)}")
    if dates:
        text += f", held between {dates[0]} and {dates[1]}" if dates[0] != dates[1] else f", held in {dates[0]}"
    text += f", coded against the evaluation's codebook of {counted(codes, 'theme')}"
    if survey:
        name, responses, survey_sites, periods = survey
        said = counted(responses, "response") if isinstance(responses, int) else responses
        text += f", and on {said} to the {name} from {counted(survey_sites, site.singular, site.plural)} in {periods}"
    paragraphs.append(text + ".")
    person = declaration.roles[0].redacted if declaration.roles else "[name]"
    paragraphs.append(f"Quotes are verbatim after de-identification: the names of people, {site.plural} and other "
                      f"places are replaced by placeholders such as {person} or [{site.singular}].")
    if evaluation.funders:
        paragraphs.append(f"This research was made possible with the support of {listed(evaluation.funders)}.")
    paragraphs += list(evaluation.more_information)
    return paragraphs


def authors_cited(authors: Sequence[str]) -> str:
    """Authors as APA lists them: "Okonkwo, A.", "Okonkwo, A., & Hale, S.", "A, B, & C"."""
    if len(authors) == 1:
        return authors[0]
    return ", ".join(authors[:-1]) + ", & " + authors[-1]


def citation(evaluation: EvaluationInfo, *, title: str, subtitle: str) -> str:
    """The suggested citation, in the seed's form: authors (year). Title: subtitle. Organisation. Where."""
    heading = f"{title}: {subtitle}" if subtitle else title
    text = f"{authors_cited(evaluation.authors)} ({evaluation.year}). {heading}. {evaluation.organisation}."
    if evaluation.url:
        text += f" Retrieved from {evaluation.url}"
    return text
