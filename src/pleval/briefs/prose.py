"""Drafted prose: sentences filled from a brief's figures, in the voice of the seed brief and the words of the
project's declaration (pleval.yaml: what a site is called, the people, the roles and their groups, how an
attribute's value reads, the periods).

Every sentence states only what the numbers show:

- prevalence is stated as counts ("Health workers and patients in 7 of the 9 clinics described ..."), with the
  coding each count rests on;
- a survey figure is rounded as the seed rounds, to the nearest 5 and said "approximately" ("Approximately
  40% of respondents in sites that administered the ... survey in 2025 agreed that ..."). Rounding never
  overstates: a share that would round to 100% while some disagreed is "more than 95%", one that would round
  to 0% while some agreed is "fewer than 5%"; everyone or no one is said in words;
- a figure from fewer than :data:`SMALL_N` answers is stated as a count ("12 of the 18 respondents who
  answered"), and a suppressed figure (fewer answers than the survey's threshold, or withheld so that a small
  group cannot be worked out from the other figures of the build) is never stated at all;
- a provisional theme says so, with the coders' agreement.

A brief's scope is worded from its filters through the declaration (:func:`scope_of`): an attribute declared
``before: true`` qualifies the site's noun ("rural clinics"), any other joins after it by its ``phrase``
("in {}" unless declared: "in Oregon"); a place that de-identification hides is only counted ("in 2 counties").

Nothing here reads files or computes figures: :mod:`pleval.briefs.assemble` passes the numbers in.
"""

from __future__ import annotations

import math
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


def nearest_five(percent: float) -> int:
    """Rounded half up to a multiple of 5 (42.5 -> 45), as the seed's "approximately 40%"."""
    return int(math.floor(percent / 5 + 0.5) * 5)


def share_phrase(figure: SurveyFigure) -> str | None:
    """How a sentence opens on a figure's share of agreement, or None for a suppressed figure.

    Returns ``"Approximately 40%"``, ``"More than 95%"``, ``"Fewer than 5%"``, ``"All 212"``, ``"None of the
    212"`` or, under :data:`SMALL_N` answers, ``"12 of the 18"``.
    """
    if figure.suppressed or figure.agree is None or figure.n is None or figure.percent is None:
        return None
    if figure.agree == figure.n:
        return f"All {figure.n}"
    if figure.agree == 0:
        return f"None of the {figure.n}"
    if figure.n < SMALL_N:
        return f"{figure.agree} of the {figure.n}"
    rounded = nearest_five(figure.percent)
    if rounded >= 100:
        return "More than 95%"
    if rounded <= 0:
        return "Fewer than 5%"
    return f"Approximately {rounded}%"


def survey_scope(figure: SurveyFigure, declaration: Declaration, *,
                 filters: Mapping[str, Sequence[str]] | None = None, mark: bool = True) -> str:
    """``"sites that administered the ... Survey¹ in 2025"``, narrowed by the figure's ``filters`` (by attribute
    name: ``"rural clinics in Oregon that administered ..."``)."""
    sites = scope_of(filters or {}, declaration).sites(declaration)
    return (f"{sites} that administered the {figure.survey}{FOOTNOTE_MARK if mark else ''} in "
            f"{period_names(figure.years)}")


def survey_sentence(figure: SurveyFigure, declaration: Declaration, *,
                    filters: Mapping[str, Sequence[str]] | None = None, mark: bool = True) -> str:
    """One survey figure in a sentence, in the seed's words; a suppressed figure gives no number at all.
    ``filters`` are the figure's restrictions by attribute name (see :func:`survey_scope`); ``mark`` puts the
    footnote mark after the survey's name (the brief's first figure carries it)."""
    scope = survey_scope(figure, declaration, filters=filters, mark=mark)
    population = figure.population
    share = share_phrase(figure)
    if share is None and figure.withheld:
        return (f"The share of {population} in {scope} who agreed that {figure.agreed_that or figure.wording} is "
                f"withheld, so that a smaller group of respondents cannot be worked out from the other figures.")
    if share is None:
        return (f"Fewer than {figure.suppress_below} {population} in {scope} answered whether "
                f"{figure.agreed_that or figure.wording}, too few for a figure to be reported.")
    agreed = figure.agreed_that or f"“{figure.wording}”"
    if share.startswith(("All", "None", *[str(d) for d in range(10)])):
        return f"{share} {population} who answered in {scope} agreed that {agreed}."
    return f"{share} of {population} in {scope} agreed that {agreed}."


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


def _of(n: int, total: int, singular: str, plural: str | None = None) -> str:
    """``"7 of the 9 sites"``, ``"all 9 sites"``, ``"both sites"``, ``"the one site"``."""
    plural = plural or singular + "s"
    if n == total:
        return f"the one {singular}" if total == 1 else f"both {plural}" if total == 2 else f"all {total} {plural}"
    return f"{n} of the {total} {plural}"


def prevalence_sentences(prevalence: Prevalence, declaration: Declaration, *, about: str) -> list[str]:
    """How widely a theme was voiced: sites, interviews and focus groups, roles and the declared spread (states,
    counties...), as counts."""
    p = prevalence
    site = declaration.site
    if p.transcripts == 0:
        talks = counted(p.transcripts_total, "interview and focus group", "interviews and focus groups")
        return [f"No one in the {talks} of this brief was coded as describing {about}."]
    sentences = [f"{who(p, declaration)} in {_of(p.sites, p.sites_total, site.singular, site.plural)} described "
                 f"{about}."]
    roles = [_noun(r.role, r.voiced, declaration) for r in p.roles if r.voiced]
    talks = _of(p.transcripts, p.transcripts_total, "interview or focus group", "interviews and focus groups")
    sentences.append(f"It came up in {talks}, from {listed(roles)}.")
    spread = declaration.words.spread
    if spread is not None and len(p.spread_total) > 1:
        if len(p.spread) == len(p.spread_total):
            sentences.append(f"It was voiced in {site.plural} in all {len(p.spread_total)} {spread.plural}.")
        else:
            attribute = attribute_of(declaration, spread.attribute)
            said = [attribute.worded(v) or v for v in p.spread]
            sentences.append(f"It was voiced in {site.plural} in {len(p.spread)} of the {len(p.spread_total)} "
                             f"{spread.plural} ({listed(said)}).")
    return sentences


def sources_sentence(prevalence: Prevalence) -> str:
    """Which coding the counts rest on, and for how many participant turns each."""
    total = sum(prevalence.sources_total.values())
    parts = {source: n for source, n in prevalence.sources_total.items() if n}
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


def example_sentence(quote: BriefQuote) -> str:
    """An example bullet: the attribution, then the verbatim quote."""
    return f"{quote.attribution} shared, “{quote.text}”"


def lead_sentences(declaration: Declaration, *, interviews: int, focus_groups: int, participants: int, sites: int,
                   filters: Mapping[str, Sequence[str]], themes: Sequence[tuple[str, int]]) -> list[str]:
    """The opening paragraph: who spoke, where and when (the brief's ``filters``, worded by :func:`scope_of`), and
    how widely each theme came up (most widely first)."""
    talks = listed([counted(interviews, "interview") if interviews else "",
                    counted(focus_groups, "focus group") if focus_groups else ""])
    scope = scope_of(filters, declaration)
    if scope.roles:
        talks += f" that included {listed([role_of(declaration, r).plurals for r in scope.roles])}:"
    else:
        talks += " with"
    people = counted(participants, declaration.words.people.singular, declaration.words.people.plural)
    where = " ".join([scope.sites(declaration, sites), period_phrase(scope.periods, declaration)]).rstrip()
    sentences = [f"This brief draws on {talks} {people} in {where}."]
    voiced = sorted((t for t in themes if t[1]), key=lambda t: -t[1])
    if voiced and sites == 1:
        sentences.append(f"There, {listed([topic for topic, _ in voiced])} came up.")
    elif voiced:
        (topic, n), *rest = voiced
        phrases = [f"{topic} came up in {n}"] + [f"{topic} in {n}" for topic, n in rest]
        site = declaration.site
        sentences.append(f"Across the {counted(sites, site.singular, site.plural)}, {listed(phrases)}.")
    return sentences


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
    paragraphs.append("Theme counts come from the coders' consensus where a transcript has been reconciled, from "
                      "human coding where it has been coded by hand, and otherwise from the codebook's rules. "
                      f"Quotes are verbatim after de-identification: the names of people, {site.plural} and other "
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
