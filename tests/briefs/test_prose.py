"""Drafted sentences: one rounding rule for text and tables, small counts as counts, suppressed figures never
stated, examples in a person's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pleval.briefs.lead import LeadTheme, lead_sentences
from pleval.briefs.prose import (
    about_paragraphs,
    citation,
    example_sentence,
    footnote,
    period_phrase,
    prevalence_sentences,
    provisional_sentence,
    responses_counted,
    scope_of,
    share_phrase,
    sources_sentence,
    survey_sentence,
    who,
)
from pleval.inputs.declaration import load_declaration
from pleval.schema import (
    DEFAULT_DECLARATION,
    BriefQuote,
    EvaluationInfo,
    Filters,
    Prevalence,
    QuoteProvenance,
    RoleCount,
    SurveyFigure,
    ThemeReliability,
)
from pleval.schema.survey import ROUNDING_RULE, percent_text, whole_percent

SAMPLE = load_declaration(Path(__file__).parents[2] / "pleval.yaml").value


def figure(agree, n, *, suppress_below=10, **filters):
    suppressed = n < suppress_below
    return SurveyFigure(
        item_id="time_to_collaborate", wording="Time is provided.", agreed_that="time was provided for them",
        survey="Implementation Survey", population="educators", n=n, agree=None if suppressed else agree,
        percent=None if suppressed else 100 * agree / n, ci_low=None, ci_high=None, suppressed=suppressed,
        suppress_below=suppress_below, agree_levels=("Agree",), filters=Filters(**filters), sites=3,
        years=("2023-2024",), sources=(), survey_hash="h")


@pytest.mark.parametrize("percent, rounded", [(40.12, 40), (42.5, 43), (42.49, 42), (87.6, 88), (67.3, 67)])
def test_whole_percent_rounds_half_up(percent, rounded):
    assert whole_percent(percent) == rounded


def test_the_brief_states_a_figure_as_its_table_does():
    sentence = survey_sentence(figure(130, 324, year=["2023-2024"]), SAMPLE)
    assert sentence == ("Of the educators in schools that administered the Implementation Survey¹ in 2023–2024, 40% "
                        "agreed that time was provided for them.")
    later = survey_sentence(figure(285, 324), SAMPLE, first=False)
    assert later == "Of the educators surveyed, 88% agreed that time was provided for them."  # the table's 88%
    assert percent_text(285, 324) == "88%" and "approximately" not in later.lower() and "¹" not in later
    assert survey_sentence(figure(285, 324), SAMPLE, first=False, again=True).startswith("In the same survey, 88%")
    assert ROUNDING_RULE == "Percentages are rounded to the nearest whole percent."


def test_rounding_never_overstates():
    assert share_phrase(figure(299, 300)) == "more than 99%"  # 99.7% would round to 100%
    assert share_phrase(figure(1, 300)) == "fewer than 1%"  # 0.3% would round to 0%
    assert (percent_text(299, 300), percent_text(1, 300), percent_text(300, 300)) == (">99%", "<1%", "100%")
    assert share_phrase(figure(100, 100)) == "all 100"
    assert share_phrase(figure(0, 100)) == "none of the 100"


def test_small_counts_are_stated_as_counts():
    sentence = survey_sentence(figure(12, 18, region=["northwest"]), SAMPLE, filters={"region": ["northwest"]})
    assert sentence.startswith("Of the educators in schools in northwest Ohio that administered")
    assert ", 12 of the 18 who answered agreed that" in sentence
    assert "%" not in sentence


def test_a_suppressed_figure_is_never_stated():
    small = figure(7, 8)
    assert share_phrase(small) is None
    sentence = survey_sentence(small, SAMPLE)
    assert "%" not in sentence and not re.search(r"\b[1-9]\b", sentence.replace("2023–2024", ""))
    assert sentence.startswith("Fewer than 10 educators")


def test_a_figure_withheld_to_protect_another_is_never_stated_and_says_why():
    from pleval.survey.disclosure import COMPLEMENTARY, withheld_figure

    withheld = withheld_figure(figure(21, 52, region=["northwest"]), COMPLEMENTARY)
    assert share_phrase(withheld) is None
    sentence = survey_sentence(withheld, SAMPLE, filters={"region": ["northwest"]})
    assert "%" not in sentence and not re.search(r"\d", sentence.replace("2023–2024", ""))
    assert "Fewer than" not in sentence  # 52 answered: too few is not the reason
    assert sentence.endswith("is withheld, so that a smaller group of respondents cannot be worked out from the "
                             "other figures.")


def test_prevalence_is_stated_as_counts_with_roles_and_regions():
    prevalence = Prevalence(
        transcripts=9, transcripts_total=11, sites=7, sites_total=9, participants=12, participants_total=22,
        turns=30, roles=(RoleCount(role="teacher", voiced=10, participants=16),
                         RoleCount(role="principal", voiced=1, participants=2)),
        spread=("northwest", "central"), spread_total=("northwest", "central", "southwest"),
        sources={"consensus": 4, "human": 0, "rules": 5}, sources_total={"consensus": 5, "human": 0, "rules": 6})
    sentences = prevalence_sentences(prevalence, SAMPLE, about="how they share their expertise")
    assert sentences == [
        "Educators and leaders in 7 of the 9 schools in northwest and central Ohio described how they share their "
        "expertise.",
        "It came up in 9 of the 11 interviews and focus groups, from 10 educators and 1 principal."]
    everywhere = prevalence.model_copy(update={"spread": prevalence.spread_total})
    assert "in 7 of the 9 schools across all 3 regions described" in prevalence_sentences(everywhere, SAMPLE,
                                                                                          about="x")[0]
    # which coding the counts rest on is the methods note's, never the narrative's
    assert not any("Counts come from" in s or "coders" in s for s in sentences)
    assert sources_sentence(prevalence.sources_total) == (
        "Counts come from the coders' consensus for 5 of the 11 turns and the codebook's rules for the other 6, "
        "which no one has coded by hand yet.")


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
        return {"consensus": 0, "human": 0, "rules": 0, **totals}

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
    args = dict(survey="Implementation Survey", description="", sites=17, years=["2024-2025"])
    assert footnote(SAMPLE, **args, scoped=(3, 212)).endswith("cover the 3 schools within its scope (212 responses).")
    assert footnote(SAMPLE, **args, scoped=(1, small)).endswith("cover the 1 school within its scope (fewer than 10 "
                                                                "responses).")
    note = footnote(SAMPLE, **args, scoped=(3, withheld))
    assert "withheld so that a smaller group cannot be worked out" in note
    assert re.findall(r"\d+", note.split("2024–2025", 1)[1]) == ["3"]  # the schools, and no count of responses
    evaluation = EvaluationInfo(name="The Network Evaluation", authors=["Okonkwo, A."], organisation="Org", year=2025)
    about = about_paragraphs(evaluation, SAMPLE, interviews=2, focus_groups=1, participants=9, sites=3, codes=12,
                             dates=None, survey=("Implementation Survey", withheld, 3, "2024–2025"))
    assert "and on a number of responses withheld so that a smaller group cannot be worked out to the " \
           "Implementation Survey from 3 schools in 2024–2025." in about[1]
    shown = about_paragraphs(evaluation, SAMPLE, interviews=2, focus_groups=1, participants=9, sites=3, codes=12,
                             dates=None, survey=("Implementation Survey", 212, 3, "2024–2025"))
    assert "and on 212 responses to the Implementation Survey from 3 schools in 2024–2025." in shown[1]


# --- the project's words ----------------------------------------------------------------------------------------

CLINICS = DEFAULT_DECLARATION.model_validate({
    "site": {"singular": "clinic", "plural": "clinics"},
    "site_attributes": [{"name": "state", "values": ["Oregon", "Nevada"]},
                        {"name": "setting", "words": {"rural": "a rural community"}, "phrase": "from {}"},
                        {"name": "kind", "before": True, "words": {"community": "community clinic"}},
                        {"name": "county"}],
    "roles": [{"id": "nurse", "group": "staff"}, {"id": "clinic_manager", "noun": "clinic manager", "group": "lead"},
              {"id": "patient", "group": "client"}],
    "role_groups": [{"id": "staff", "noun": "health worker", "people": "health workers"},
                    {"id": "lead", "noun": "clinic leader", "people": "managers"},
                    {"id": "client", "noun": "patient", "people": "patients"}],
    "redaction": {"places": {"county": {"placeholder": "county"}}},
    "words": {"people": {"singular": "participant", "plural": "participants"},
              "spread": {"attribute": "state", "plural": "states"}},
})


def test_the_scope_reads_in_the_projects_words():
    scope = scope_of({"state": ["Oregon"], "kind": ["community", "mobile"], "setting": ["rural"],
                      "county": ["Lane", "Coos"], "site": ["Cedar Lodge"], "year": ["2025"]}, CLINICS)
    # a value's words before the noun lose the noun they end with; a place to de-identify is only counted, and
    # the site is never named
    assert scope.sites(CLINICS, 2) == "2 community and mobile clinics in Oregon from a rural community in 2 counties"
    assert scope.periods == ("2025",)
    lead = lead_sentences(CLINICS, interviews=2, focus_groups=1, participants=5, sites=2,
                          filters={"state": ["Oregon"], "year": ["2025"]})
    assert lead == ["This brief draws on 2 interviews and 1 focus group with 5 participants in 2 clinics in Oregon "
                    "in 2025."]
    roles = lead_sentences(CLINICS, interviews=1, focus_groups=0, participants=2, sites=1,
                           filters={"role": ["patient"]}, themes=[])
    assert roles == ["This brief draws on 1 interview that included patients: 2 participants in 1 clinic."]


def test_periods_read_as_the_project_declares_them():
    assert period_phrase(["2025"], CLINICS) == "in 2025"
    assert period_phrase(["2023-2024"], SAMPLE) == "in the 2023–2024 school year"
    assert period_phrase(["2023-2024", "2024-2025"], SAMPLE) == "in the 2023–2024 and 2024–2025 school years"


def test_who_voiced_a_theme_reads_by_role_groups():
    def voiced(*roles):
        return Prevalence(transcripts=2, transcripts_total=3, sites=2, sites_total=3, participants=len(roles),
                          participants_total=5, turns=4, spread=("Oregon",), spread_total=("Oregon", "Nevada"),
                          roles=tuple(RoleCount(role=r, voiced=1, participants=1) for r in roles),
                          sources={"rules": 4}, sources_total={"rules": 9})

    sentences = prevalence_sentences(voiced("patient", "nurse"), CLINICS, about="waiting times")
    assert sentences == ["Health workers and patients in 2 of the 3 clinics in Oregon described waiting times.",
                         "It came up in 2 of the 3 interviews and focus groups, from 1 patient and 1 nurse."]
    assert prevalence_sentences(voiced("clinic_manager"), CLINICS, about="x")[0].startswith("Managers in 2 of")
    # roles nobody declared, in a project without pleval.yaml: its people, and each role's own words
    generic = prevalence_sentences(voiced("community_health_worker"), DEFAULT_DECLARATION, about="x")
    assert generic == ["Participants in 2 of the 3 sites described x.",
                           "It came up in 2 of the 3 interviews and focus groups, from 1 community health worker."]
    assert who(voiced("teacher", "principal"), SAMPLE) == "Educators and leaders"
    assert who(voiced("principal"), SAMPLE) == "Leaders"
    assert who(voiced("other"), SAMPLE) == "Educators"


def test_the_footnote_and_about_count_the_projects_sites():
    note = footnote(CLINICS, survey="CHW Survey", description="", sites=4, years=["2025"], scoped=(2, 40))
    assert note == "¹The CHW Survey was administered in 4 clinics in 2025. Figures in this brief cover the 2 clinics " \
                   "within its scope (40 responses)."
    evaluation = EvaluationInfo(name="E", authors=["A, B."], organisation="Org", year=2025)
    about = about_paragraphs(evaluation, CLINICS, interviews=2, focus_groups=0, participants=4, sites=2, codes=2,
                             dates=None, survey=None)
    assert "with 4 participants in 2 clinics" in about[1]
    assert "the names of people, clinics and other places are replaced by placeholders such as [nurse] or " \
           "[clinic]" in about[2]


# --- the lead states the findings -------------------------------------------------------------------------------


def reach(sites, *, spread=("Oregon", "Nevada"), participants=3, sites_total=6, participants_total=12,
          spread_total=("Oregon", "Nevada")):
    return Prevalence(transcripts=sites, transcripts_total=6, sites=sites, sites_total=sites_total,
                      participants=participants, participants_total=participants_total, turns=sites,
                      roles=(RoleCount(role="nurse", voiced=participants, participants=participants_total),),
                      spread=spread, spread_total=spread_total, sources={"rules": 1}, sources_total={"rules": 9})


def test_the_lead_names_the_most_and_least_voiced_themes_and_where():
    themes = [LeadTheme("funding", reach(4, spread=("Oregon",))), LeadTheme("trust", reach(6), valued="trust"),
              LeadTheme("language access", reach(5))]
    lead = lead_sentences(CLINICS, interviews=5, focus_groups=1, participants=12, sites=6, filters={}, themes=themes)
    assert lead[1] == ("Trust came up most widely, in all 6 clinics across both states, and funding least, in 4 of the "
                       "6 clinics, but in no clinic in Nevada.")
    assert lead[2] == "Participants valued trust."  # briefs.yaml's words, for a theme at least half the clinics voiced
    assert not any("came up in 5" in sentence for sentence in lead)  # no list of every theme's count
    tied = lead_sentences(CLINICS, interviews=1, focus_groups=0, participants=2, sites=6, filters={},
                          themes=[LeadTheme("a", reach(3)), LeadTheme("b", reach(3))])
    assert tied[1] == "A and b came up alike, each in 3 of the 6 clinics."
    # a brief of one site ranks by participants
    alone = {"sites_total": 1, "spread": ("Oregon",), "spread_total": ("Oregon",)}
    one = lead_sentences(CLINICS, interviews=1, focus_groups=0, participants=12, sites=1, filters={}, themes=[
        LeadTheme("waits", reach(1, participants=9, **alone)), LeadTheme("rides", reach(1, participants=2, **alone))])
    assert one[1] == ("Waits came up most widely, in 9 of the 12 participants, and rides least, in 2 of the 12 "
                      "participants.")


def test_the_lead_gives_the_strongest_and_weakest_survey_figure():
    low, high = figure(130, 324), figure(300, 320).model_copy(update={"item_id": "safe", "agreed_that": "it was safe"})
    small = figure(7, 8)  # suppressed: never in the lead
    lead = lead_sentences(SAMPLE, interviews=1, focus_groups=0, participants=2, sites=1, filters={},
                          figures=[small, low, high, low])
    assert lead[1] == ("In the survey, educators agreed most that it was safe (94%) and least that time was provided "
                       "for them (40%).")
    assert len(lead_sentences(SAMPLE, interviews=1, focus_groups=0, participants=2, sites=1, filters={},
                              figures=[low, low])) == 1  # one item: nothing to compare


def quote(described=None):
    provenance = QuoteProvenance(transcript_sha256="h", transcript_type="interview", segment="t001", start=0, end=9,
                                 redacted_start=0, redacted_end=9, source="consensus", coders=("consensus",))
    return BriefQuote(text="We meet on Wednesdays.", words=4, attribution="A principal", short_attribution="Principal",
                      shared_by=2, role="principal", provenance=provenance, described=described)


def test_an_example_says_what_the_person_described_in_a_persons_words():
    assert example_sentence(quote("described how the design team opens its rooms.")) == \
        "A principal described how the design team opens its rooms: “We meet on Wednesdays.”"
    assert example_sentence(quote("The design team opens its rooms.")) == \
        "The design team opens its rooms. A principal said, “We meet on Wednesdays.”"
    assert example_sentence(quote("described one thing: open rooms")) == \
        "A principal described one thing: open rooms. In their words, “We meet on Wednesdays.”"
    assert example_sentence(quote()) == "A principal said, “We meet on Wednesdays.”"  # the attributed quote alone
