"""Drafted prose: sentences filled from a brief's figures, in the voice of the seed brief.

Every sentence states only what the numbers show:

- prevalence is stated as counts ("Educators and leaders in 7 of the 9 schools described ..."), with the
  coding each count rests on;
- a survey figure is rounded as the seed rounds, to the nearest 5 and said "approximately" ("Approximately
  40% of educators in schools that administered the ... survey in 2023–2024 agreed that ..."). Rounding never
  overstates: a share that would round to 100% while some disagreed is "more than 95%", one that would round
  to 0% while some agreed is "fewer than 5%"; everyone or no one is said in words;
- a figure from fewer than :data:`SMALL_N` answers is stated as a count ("12 of the 18 educators who
  answered"), and a suppressed figure (fewer answers than the survey's threshold, or withheld so that a small
  group cannot be worked out from the other figures of the build) is never stated at all;
- a provisional theme says so, with the coders' agreement.

Nothing here reads files or computes figures: :mod:`pleval.briefs.assemble` passes the numbers in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..schema import BriefQuote, EvaluationInfo, Prevalence, SurveyFigure, ThemeReliability

ROLE_NOUNS = {  # how the prose names each role (attribution reads pleval.yaml's nouns now)
    "teacher": "educator", "instructional_coach": "instructional coach", "principal": "principal",
    "assistant_principal": "assistant principal", "district_leader": "district leader",
    "esc_facilitator": "ESC facilitator", "counselor": "counselor",
    "intervention_specialist": "intervention specialist", "paraprofessional": "paraprofessional",
    "other": "participant",
}

LEVEL_ADJECTIVES = {"elementary": "elementary", "middle": "middle", "high": "high", "k-8": "K-8", "k-12": "K-12",
                    "district": "district"}
SMALL_N = 30  # below this many answers a figure is stated as a count, not a percentage
FOOTNOTE_MARK = "¹"
LEADER_ROLES = {"principal", "assistant_principal", "district_leader", "esc_facilitator"}
PLURAL_NOUNS = {"educator": "educators", "instructional coach": "instructional coaches",
                "principal": "principals", "assistant principal": "assistant principals",
                "district leader": "district leaders", "ESC facilitator": "ESC facilitators",
                "counselor": "counselors", "intervention specialist": "intervention specialists",
                "paraprofessional": "paraprofessionals", "participant": "other participants"}


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``"1 school"``, ``"3 schools"``."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def listed(items: Sequence[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def school_years(years: Sequence[str]) -> str:
    """School years as the seed writes them: ``"2023–2024"``, with an en dash."""
    return listed([y.replace("-", "–") for y in years])


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


def survey_scope(figure: SurveyFigure, *, state: str = "", mark: bool = True) -> str:
    """``"schools that administered the Ohio ... Survey¹ in 2023–2024"``, narrowed by the figure's filters
    (``"LAUNCH elementary schools in northwest Ohio that administered ..."``)."""
    pathways, levels, in_regions = (figure.filters.of(name) for name in ("pathway", "school_level", "region"))
    words = []
    if pathways:
        words.append(listed(list(pathways)))
    if levels:
        words.append(listed([{"middle": "middle", "high": "high"}.get(level, level) for level in levels]))
    schools = " ".join(words + ["schools"])
    if in_regions:
        regions = listed(list(in_regions))
        plural = "s" if len(in_regions) > 1 else ""
        schools += f" in {regions} {state}" if state else f" in the {regions} region{plural}"
    return (f"{schools} that administered the {figure.survey}{FOOTNOTE_MARK if mark else ''} in "
            f"{school_years(figure.years)}")


def survey_sentence(figure: SurveyFigure, *, state: str = "", mark: bool = True) -> str:
    """One survey figure in a sentence, in the seed's words; a suppressed figure gives no number at all.
    ``mark`` puts the footnote mark after the survey's name (the brief's first figure carries it)."""
    scope = survey_scope(figure, state=state, mark=mark)
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


def who(prevalence: Prevalence) -> str:
    """"Educators", "Leaders" or "Educators and leaders", after the roles of those who voiced a theme."""
    roles = {r.role for r in prevalence.roles if r.voiced}
    leaders, educators = roles & LEADER_ROLES, roles - LEADER_ROLES
    if leaders and educators:
        return "Educators and leaders"
    return "Leaders" if leaders else "Educators"


def _noun(role: str, n: int) -> str:
    noun = ROLE_NOUNS.get(role, "participant")
    return f"{n} {noun if n == 1 else PLURAL_NOUNS.get(noun, noun + 's')}"


def _of(n: int, total: int, singular: str, plural: str | None = None) -> str:
    """``"7 of the 9 schools"``, ``"all 9 schools"``, ``"both schools"``, ``"the one school"``."""
    plural = plural or singular + "s"
    if n == total:
        return f"the one {singular}" if total == 1 else f"both {plural}" if total == 2 else f"all {total} {plural}"
    return f"{n} of the {total} {plural}"


def prevalence_sentences(prevalence: Prevalence, *, about: str) -> list[str]:
    """How widely a theme was voiced: schools, interviews and focus groups, roles and regions, as counts."""
    p = prevalence
    if p.transcripts == 0:
        talks = counted(p.transcripts_total, "interview and focus group", "interviews and focus groups")
        return [f"No one in the {talks} of this brief was coded as describing {about}."]
    sentences = [f"{who(p)} in {_of(p.schools, p.schools_total, 'school')} described {about}."]
    roles = [_noun(r.role, r.voiced) for r in p.roles if r.voiced]
    talks = _of(p.transcripts, p.transcripts_total, "interview or focus group", "interviews and focus groups")
    sentences.append(f"It came up in {talks}, from {listed(roles)}.")
    if len(p.regions_total) > 1:
        if len(p.regions) == len(p.regions_total):
            sentences.append(f"It was voiced in schools in all {len(p.regions_total)} regions.")
        else:
            sentences.append(f"It was voiced in schools in {len(p.regions)} of the {len(p.regions_total)} regions "
                             f"({listed(list(p.regions))}).")
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


def lead_sentences(*, interviews: int, focus_groups: int, participants: int, schools: int, scope: str,
                   themes: Sequence[tuple[str, int]], levels: Sequence[str] = ()) -> list[str]:
    """The opening paragraph: who spoke, and how widely each theme came up (most widely first)."""
    talks = listed([counted(interviews, "interview") if interviews else "",
                    counted(focus_groups, "focus group") if focus_groups else ""])
    kind = f"{listed([LEVEL_ADJECTIVES.get(level, level) for level in levels])} school" if levels else "school"
    people = counted(participants, "educator or leader", "educators and leaders")
    sentences = [f"This brief draws on {talks} with {people} in {counted(schools, kind)}{scope}."]
    voiced = sorted((t for t in themes if t[1]), key=lambda t: -t[1])
    if voiced and schools == 1:
        sentences.append(f"There, {listed([topic for topic, _ in voiced])} came up.")
    elif voiced:
        (topic, n), *rest = voiced
        phrases = [f"{topic} came up in {n}"] + [f"{topic} in {n}" for topic, n in rest]
        sentences.append(f"Across the {counted(schools, 'school')}, {listed(phrases)}.")
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


def footnote(*, survey: str, description: str, schools: int, years: Sequence[str],
             scoped: tuple[int, int | str] | None) -> str:
    """The survey footnote: what the survey is, in how many schools and years, what it captured. ``scoped`` is
    the schools and responses within a narrower scope, responses as a number or in words
    (:func:`responses_counted`)."""
    text = f"{FOOTNOTE_MARK}The {survey} was administered in {counted(schools, 'school')} in {school_years(years)}"
    if description:
        text += f" to capture {description[:1].lower()}{description[1:].rstrip('.')}"
    text += "."
    if scoped is not None:
        responses = counted(scoped[1], "response") if isinstance(scoped[1], int) else scoped[1]
        text += f" Figures in this brief cover the {counted(scoped[0], 'school')} within its scope ({responses})."
    return text


def about_paragraphs(evaluation: EvaluationInfo, *, interviews: int, focus_groups: int, participants: int,
                     schools: int, codes: int, dates: tuple[str, str] | None,
                     survey: tuple[str, int | str, int, str] | None) -> list[str]:
    """"About this brief": the collection, the data sources with counts, how coding and quotes work, funders.
    ``survey`` is the survey's name, its responses in the brief's scope (a number, or in words:
    :func:`responses_counted`), their schools and years."""
    collection = evaluation.collection or evaluation.name
    paragraphs = [f"This brief is part of a collection of briefs that highlight learnings from {collection}. "
                  f"The information shared in these briefs is based on {listed(evaluation.data_sources)}."]
    talks = listed([counted(interviews, "interview") if interviews else "",
                    counted(focus_groups, "focus group") if focus_groups else ""])
    text = f"This brief draws on {talks} with {counted(participants, 'participant')} in {counted(schools, 'school')}"
    if dates:
        text += f", held between {dates[0]} and {dates[1]}" if dates[0] != dates[1] else f", held in {dates[0]}"
    text += f", coded against the evaluation's codebook of {counted(codes, 'theme')}"
    if survey:
        name, responses, survey_schools, years = survey
        said = counted(responses, "response") if isinstance(responses, int) else responses
        text += f", and on {said} to the {name} from {counted(survey_schools, 'school')} in {years}"
    paragraphs.append(text + ".")
    paragraphs.append("Theme counts come from the coders' consensus where a transcript has been reconciled, from "
                      "human coding where it has been coded by hand, and otherwise from the codebook's rules. "
                      "Quotes are verbatim after de-identification: the names of people, schools, districts and "
                      "service centers are replaced by placeholders such as [teacher] or [school].")
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
