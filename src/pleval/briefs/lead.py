"""The lead paragraph: what the brief found, drafted from its figures in the words of the project's declaration.

The seed brief opens with its findings, not with counts per theme. The lead says, from the data:

- who spoke, where and when (the brief's filters, worded by :func:`pleval.briefs.prose.scope_of`);
- which of the brief's themes was voiced most widely and which least, and where: across every value of the
  declared spread attribute ("across all 5 states"), or in none of the brief's sites in some ("but in no clinic
  in Nevada"). Themes are ranked by the sites that voiced them, or, in a brief of one site, by participants;
- the strongest and the weakest survey figure of the brief, rounded by the one rule of its tables;
- what participants valued, where briefs.yaml words it for a theme (``valued``) and at least half of the brief's
  sites (or participants) voiced that theme.

Nothing here reads files or computes figures: :mod:`pleval.briefs.assemble` passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..schema import Declaration, Prevalence, SurveyFigure
from .prose import all_of, capitalised, counted, listed, period_phrase, role_of, scope_of, share_phrase, spread_words


@dataclass(frozen=True)
class LeadTheme:
    """A theme as the lead weighs it: its noun phrase (briefs.yaml's ``topic``), how widely it was voiced, and
    what those who voiced it valued (briefs.yaml's ``valued``, a person's words), if anything."""

    topic: str
    prevalence: Prevalence
    valued: str | None = None


def _by_sites(theme: LeadTheme) -> bool:
    return theme.prevalence.sites_total > 1


def _reach(theme: LeadTheme) -> int:
    p = theme.prevalence
    return p.sites if _by_sites(theme) else p.participants


def _of(theme: LeadTheme, declaration: Declaration) -> str:
    """``"8 of the 9 clinics"``, ``"all 9 clinics"``, ``"5 of the 12 participants"`` (a brief of one site)."""
    p = theme.prevalence
    if _by_sites(theme):
        n, total, plural = p.sites, p.sites_total, declaration.site.plural
    else:
        n, total, plural = p.participants, p.participants_total, declaration.words.people.plural
    if n == total:
        return f"both {plural}" if total == 2 else f"all {total} {plural}"
    return f"{n} of the {total} {plural}"


def opening_sentence(declaration: Declaration, *, interviews: int, focus_groups: int, participants: int, sites: int,
                     filters: Mapping[str, Sequence[str]]) -> str:
    """Who spoke, where and when: ``"This brief draws on 8 interviews and 1 focus group with 22 participants in
    5 rural clinics in 2025."``"""
    talks = listed([counted(interviews, "interview") if interviews else "",
                    counted(focus_groups, "focus group") if focus_groups else ""])
    scope = scope_of(filters, declaration)
    if scope.roles:
        talks += f" that included {listed([role_of(declaration, r).plurals for r in scope.roles])}:"
    else:
        talks += " with"
    people = counted(participants, declaration.words.people.singular, declaration.words.people.plural)
    where = " ".join([scope.sites(declaration, sites), period_phrase(scope.periods, declaration)]).rstrip()
    return f"This brief draws on {talks} {people} in {where}."


def _everywhere(theme: LeadTheme, declaration: Declaration) -> str:
    """``" across all 5 states"`` when the theme was voiced in every value of the declared spread, else ``""``."""
    p, spread = theme.prevalence, declaration.words.spread
    if spread is None or len(p.spread_total) < 2 or len(p.spread) < len(p.spread_total):
        return ""
    return f" across {all_of(len(p.spread_total))} {spread.plural}"


def _nowhere(theme: LeadTheme, declaration: Declaration) -> str:
    """``", but in no clinic in Nevada"``: the spread values of the brief where no site voiced it."""
    p = theme.prevalence
    if declaration.words.spread is None or len(p.spread_total) < 2 or not p.spread:
        return ""
    missing = [v for v in p.spread_total if v not in p.spread]
    if not missing:
        return ""
    return f", but in no {declaration.site.singular} {spread_words(missing, declaration)}"


def reach_sentence(themes: Sequence[LeadTheme], declaration: Declaration) -> str | None:
    """Which theme was voiced most widely and which least, and where (see the module's notes)."""
    if not themes:
        return None
    if len(themes) == 1:
        (theme,) = themes
        if not _reach(theme):
            return f"No one in this brief was coded as describing {theme.topic}."
        return (f"{capitalised(theme.topic)} came up in {_of(theme, declaration)}{_everywhere(theme, declaration)}"
                f"{_nowhere(theme, declaration)}.")
    reaches = [_reach(t) for t in themes]
    most, least = max(reaches), min(reaches)
    top = [t for t in themes if _reach(t) == most]
    bottom = [t for t in themes if _reach(t) == least]
    if most == least:
        each = "each " if len(themes) > 1 else ""
        return (f"{capitalised(listed([t.topic for t in themes]))} came up alike, {each}in "
                f"{_of(themes[0], declaration)}.")
    each = "each " if len(top) > 1 else ""
    where = _everywhere(top[0], declaration) if len(top) == 1 else ""
    text = (f"{capitalised(listed([t.topic for t in top]))} came up most widely, {each}in "
            f"{_of(top[0], declaration)}{where}")
    if least == 0:
        return text + f"; no one was coded as describing {listed([t.topic for t in bottom])}."
    each = "each " if len(bottom) > 1 else ""
    nowhere = _nowhere(bottom[0], declaration) if len(bottom) == 1 else ""
    return text + f", and {listed([t.topic for t in bottom])} least, {each}in {_of(bottom[0], declaration)}{nowhere}."


def survey_range_sentence(figures: Sequence[SurveyFigure]) -> str | None:
    """The strongest and the weakest agreement among the brief's survey figures (suppressed ones are never said),
    or None with fewer than two figures to compare."""
    shown = [f for f in figures if share_phrase(f) is not None and f.percent is not None]
    unique = list({f.item_id: f for f in shown}.values())
    if len(unique) < 2:
        return None
    ranked = sorted(unique, key=lambda f: (f.percent, f.item_id))
    low, high = ranked[0], ranked[-1]
    if share_phrase(low) == share_phrase(high):
        return None
    return (f"In the survey, {high.population} agreed most that {high.agreed_that or high.wording} "
            f"({share_phrase(high)}) and least that {low.agreed_that or low.wording} ({share_phrase(low)}).")


def valued_sentence(themes: Sequence[LeadTheme], declaration: Declaration) -> str | None:
    """What participants valued: briefs.yaml's ``valued`` words of the themes at least half the brief's sites (or
    participants) voiced, most widely voiced first."""
    def total(theme: LeadTheme) -> int:
        p = theme.prevalence
        return p.sites_total if _by_sites(theme) else p.participants_total

    valued = sorted((t for t in themes if t.valued and total(t) and 2 * _reach(t) >= total(t)),
                    key=lambda t: -_reach(t))
    if not valued:
        return None
    people = capitalised(declaration.words.people.plural)
    return f"{people} valued {listed([' '.join((t.valued or '').split()).rstrip('.') for t in valued])}."


def lead_sentences(declaration: Declaration, *, interviews: int, focus_groups: int, participants: int, sites: int,
                   filters: Mapping[str, Sequence[str]], themes: Sequence[LeadTheme] = (),
                   figures: Sequence[SurveyFigure] = ()) -> list[str]:
    """The lead: who spoke where and when, then the findings (see the module's notes)."""
    sentences = [opening_sentence(declaration, interviews=interviews, focus_groups=focus_groups,
                                  participants=participants, sites=sites, filters=filters)]
    for sentence in (reach_sentence(themes, declaration), survey_range_sentence(figures),
                     valued_sentence(themes, declaration)):
        if sentence:
            sentences.append(sentence)
    return sentences
