"""Drafted sentences: rounded as the seed rounds, small counts as counts, suppressed figures never stated."""

from __future__ import annotations

import re

import pytest

from pleval.briefs.prose import (
    about_paragraphs,
    citation,
    footnote,
    nearest_five,
    prevalence_sentences,
    provisional_sentence,
    responses_counted,
    share_phrase,
    sources_sentence,
    survey_sentence,
)
from pleval.schema import EvaluationInfo, Prevalence, RoleCount, SurveyFigure, SurveyFilters, ThemeReliability


def figure(agree, n, *, suppress_below=10, **filters):
    suppressed = n < suppress_below
    return SurveyFigure(
        item_id="time_to_collaborate", wording="Time is provided.", agreed_that="time was provided for them",
        survey="Implementation Survey", population="educators", n=n, agree=None if suppressed else agree,
        percent=None if suppressed else 100 * agree / n, ci_low=None, ci_high=None, suppressed=suppressed,
        suppress_below=suppress_below, agree_levels=("Agree",), filters=SurveyFilters(**filters), sites=3,
        years=("2023-2024",), sources=(), survey_hash="h")


@pytest.mark.parametrize("percent, rounded", [(40.12, 40), (42.5, 45), (42.49, 40), (95.57, 95), (67.3, 65)])
def test_nearest_five_rounds_half_up(percent, rounded):
    assert nearest_five(percent) == rounded


def test_seed_style_sentence_with_the_footnote_mark():
    sentence = survey_sentence(figure(130, 324, year=["2023-2024"]))
    assert sentence == ("Approximately 40% of educators in schools that administered the Implementation Survey¹ "
                        "in 2023–2024 agreed that time was provided for them.")
    assert "¹" not in survey_sentence(figure(130, 324), mark=False)


def test_rounding_never_overstates():
    assert share_phrase(figure(98, 100)) == "More than 95%"  # 98% would round to 100%
    assert share_phrase(figure(2, 100)) == "Fewer than 5%"  # 2% would round to 0%
    assert share_phrase(figure(100, 100)) == "All 100"
    assert share_phrase(figure(0, 100)) == "None of the 100"


def test_small_counts_are_stated_as_counts():
    sentence = survey_sentence(figure(12, 18, region=["northwest"]), state="Ohio")
    assert sentence.startswith("12 of the 18 educators who answered in schools in northwest Ohio that administered")
    assert "%" not in sentence


def test_a_suppressed_figure_is_never_stated():
    small = figure(7, 8)
    assert share_phrase(small) is None
    sentence = survey_sentence(small)
    assert "%" not in sentence and not re.search(r"\b[1-9]\b", sentence.replace("2023–2024", ""))
    assert sentence.startswith("Fewer than 10 educators")


def test_a_figure_withheld_to_protect_another_is_never_stated_and_says_why():
    from pleval.survey.disclosure import COMPLEMENTARY, withheld_figure

    withheld = withheld_figure(figure(21, 52, region=["northwest"]), COMPLEMENTARY)
    assert share_phrase(withheld) is None
    sentence = survey_sentence(withheld, state="Ohio")
    assert "%" not in sentence and not re.search(r"\d", sentence.replace("2023–2024", ""))
    assert "Fewer than" not in sentence  # 52 answered: too few is not the reason
    assert sentence.endswith("is withheld, so that a smaller group of respondents cannot be worked out from the "
                             "other figures.")


def test_prevalence_is_stated_as_counts_with_roles_and_regions():
    prevalence = Prevalence(
        transcripts=9, transcripts_total=11, schools=7, schools_total=9, participants=12, participants_total=22,
        turns=30, roles=(RoleCount(role="teacher", voiced=10, participants=16),
                         RoleCount(role="principal", voiced=1, participants=2)),
        regions=("northwest", "central"), regions_total=("northwest", "central", "southwest"),
        sources={"consensus": 4, "human": 0, "rules": 5}, sources_total={"consensus": 5, "human": 0, "rules": 6})
    sentences = prevalence_sentences(prevalence, about="how they share their expertise")
    assert sentences[0] == "Educators and leaders in 7 of the 9 schools described how they share their expertise."
    assert sentences[1] == "It came up in 9 of the 11 interviews and focus groups, from 10 educators and 1 principal."
    assert sentences[2] == "It was voiced in schools in 2 of the 3 regions (northwest and central)."
    assert sources_sentence(prevalence) == ("Counts come from the coders' consensus for 5 of the 11 turns and "
                                            "the codebook's rules for the other 6, which no one has coded by hand yet.")


def test_provisional_sentence_gives_the_agreement():
    low = ThemeReliability(alpha=0.6291, coders=("ana", "ben"), units=100, human_codings=30, threshold=0.667,
                           provisional=True, reason="")
    assert provisional_sentence(low) == ("Provisional: coders' agreement on this theme is below 0.667 "
                                         "(Krippendorff's alpha 0.629), so its counts and quotes may change.")
    good = low.model_copy(update={"alpha": 0.8, "provisional": False})
    assert provisional_sentence(good) is None
    none = low.model_copy(update={"alpha": None, "human_codings": 0})
    assert "no one has coded this theme by hand" in provisional_sentence(none)


def test_citation_in_the_seeds_form():
    evaluation = EvaluationInfo(name="E", authors=["Zweig, J.", "Kennedy, K."], organisation="Org", year=2024,
                                url="example.org/briefs")
    assert citation(evaluation, title="Insights", subtitle="Strategies") == \
        "Zweig, J., & Kennedy, K. (2024). Insights: Strategies. Org. Retrieved from example.org/briefs"


def test_sources_sentence_names_each_coding_the_counts_rest_on():
    def prevalence(**totals):
        return Prevalence(transcripts=1, transcripts_total=sum(totals.values()), schools=1, schools_total=1,
                          participants=1, participants_total=1, turns=1, roles=(), regions=(), regions_total=(),
                          sources={"consensus": 0, "human": 0, "rules": 1},
                          sources_total={"consensus": 0, "human": 0, "rules": 0, **totals})

    assert sources_sentence(prevalence(consensus=2, human=3, rules=4)) == (
        "Counts come from the coders' consensus for 2 of the 9 turns, the coders' majority for 3 and the codebook's "
        "rules for the other 4, which no one has coded by hand yet.")
    assert sources_sentence(prevalence(human=3)) == (
        "These counts rest on human coding (the codes most of a turn's coders applied).")
    assert sources_sentence(prevalence(rules=4)).startswith("These counts rest on the codebook's rules alone")
    assert sources_sentence(prevalence(consensus=4)) == "These counts rest on the coders' consensus."


def test_a_withheld_or_small_respondent_count_is_never_stated():
    assert responses_counted(212, suppress_below=10) == "212 responses"
    small = responses_counted(None, suppress_below=10)
    withheld = responses_counted(None, suppress_below=10, withheld=True)
    assert small == "fewer than 10 responses" and not re.search(r"\d", withheld)
    args = dict(survey="Implementation Survey", description="", schools=17, years=["2024-2025"])
    assert footnote(**args, scoped=(3, 212)).endswith("cover the 3 schools within its scope (212 responses).")
    assert footnote(**args, scoped=(1, small)).endswith("cover the 1 school within its scope (fewer than 10 "
                                                        "responses).")
    note = footnote(**args, scoped=(3, withheld))
    assert "withheld so that a smaller group cannot be worked out" in note
    assert re.findall(r"\d+", note.split("2024–2025", 1)[1]) == ["3"]  # the schools, and no count of responses
    evaluation = EvaluationInfo(name="The Network Evaluation", authors=["Okonkwo, A."], organisation="Org", year=2025)
    about = about_paragraphs(evaluation, interviews=2, focus_groups=1, participants=9, schools=3, codes=12,
                             dates=None, survey=("Implementation Survey", withheld, 3, "2024–2025"))
    assert "and on a number of responses withheld so that a smaller group cannot be worked out to the " \
           "Implementation Survey from 3 schools in 2024–2025." in about[1]
    shown = about_paragraphs(evaluation, interviews=2, focus_groups=1, participants=9, schools=3, codes=12,
                             dates=None, survey=("Implementation Survey", 212, 3, "2024–2025"))
    assert "and on 212 responses to the Implementation Survey from 3 schools in 2024–2025." in shown[1]
