"""The sample's pleval.yaml declares exactly the vocabulary that pleval's Python tables held before every stage
read the declaration (the tables are gone from pleval; their values are written out here), so that the sample's
outputs stayed as they were."""

from __future__ import annotations

from pathlib import Path

from pleval.briefs import attribution, redact
from pleval.inputs.declaration import load_declaration, project_declaration
from pleval.project import Project

ROOT = Path(__file__).resolve().parents[1]
#: What pleval's Python vocabulary held for the sample (roles, regions, school levels, locales).
ROLES = ("teacher", "instructional_coach", "principal", "assistant_principal", "district_leader", "esc_facilitator",
         "counselor", "intervention_specialist", "paraprofessional", "other")
REGIONS = ("northwest", "northeast", "southwest", "southeast", "central")
SCHOOL_LEVELS = ("elementary", "middle", "high", "k-8", "k-12", "district")
LOCALES = ("rural", "small town", "suburban", "urban")
#: English words redaction always treats as capitalised, whatever the evaluation: they stay in Python.
ENGLISH_CAPITALISED = {"i", "i'm", "i've", "i'd", "i'll", "ok", "tv", "january", "february", "march", "april", "may",
                       "june", "july", "august", "september", "october", "november", "december", "monday",
                       "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays",
                       "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "christmas", "thanksgiving",
                       "halloween", "easter", "english", "spanish", "american", "america", "covid", "zoom", "google"}


def sample():
    declaration, problems = load_declaration(ROOT / "pleval.yaml")
    assert problems == [] and declaration is not None
    return declaration


def test_the_sample_project_declares_itself_without_a_problem():
    assert project_declaration(Project.open(ROOT)) == sample()


def test_the_sample_declares_the_roles_regions_levels_and_locales_of_the_vocabulary():
    declaration = sample()
    assert declaration.role_ids == ROLES
    assert declaration.attribute("region").values == REGIONS
    assert declaration.attribute("school_level").values == SCHOOL_LEVELS
    assert declaration.attribute("locale").values == LOCALES
    required = {a.name for a in declaration.site_attributes if a.required}
    assert required == {"district", "region", "school_level", "locale", "pathway"}
    assert declaration.site.key == "school" and (declaration.site.singular, declaration.site.plural) == (
        "school", "schools")


#: The attribution words pleval's Python held before it read them from pleval.yaml.
ROLE_NOUNS = {
    "teacher": "educator", "instructional_coach": "instructional coach", "principal": "principal",
    "assistant_principal": "assistant principal", "district_leader": "district leader",
    "esc_facilitator": "ESC facilitator", "counselor": "counselor",
    "intervention_specialist": "intervention specialist", "paraprofessional": "paraprofessional",
    "other": "participant",
}
ROLE_TITLES = {
    "teacher": "Teacher", "instructional_coach": "Instructional coach", "principal": "Principal",
    "assistant_principal": "Assistant principal", "district_leader": "District leader",
    "esc_facilitator": "ESC facilitator", "counselor": "Counselor",
    "intervention_specialist": "Intervention specialist", "paraprofessional": "Paraprofessional",
    "other": "Participant",
}
BROAD_ROLES = {
    "teacher": "educator", "instructional_coach": "educator", "counselor": "educator",
    "intervention_specialist": "educator", "paraprofessional": "educator", "principal": "school leader",
    "assistant_principal": "school leader", "district_leader": "district or regional leader",
    "esc_facilitator": "district or regional leader", "other": "participant",
}
LEVEL_WORDS = {"elementary": "elementary", "middle": "middle school", "high": "high school", "k-8": "K-8",
               "k-12": "K-12", "district": None}
LOCALE_WORDS = {"rural": "a rural community", "small town": "a small town", "suburban": "a suburban community",
                "urban": "a city"}


def test_the_sample_declares_the_attribution_words():
    declaration = sample()
    assert {r.id: r.singular for r in declaration.roles} == ROLE_NOUNS
    assert {r.id: r.signature for r in declaration.roles} == ROLE_TITLES
    assert {r.id: declaration.group(r.group).noun for r in declaration.roles} == BROAD_ROLES
    assert {r.id for r in declaration.roles if "school_level" in r.without} == {"district_leader", "esc_facilitator"}
    level, locale = declaration.attribute("school_level"), declaration.attribute("locale")
    assert {v: level.worded(v) for v in level.values} == LEVEL_WORDS
    assert {v: locale.worded(v) for v in locale.values} == LOCALE_WORDS
    assert level.before and locale.phrase.format(locale.worded("urban")) == "from a city"
    assert declaration.attribute("region").phrase.format("central") == "in central Ohio"
    # the steps of generalisation: locale, then level, then region are dropped, then the role, then its group
    assert declaration.attribution.attributes == ("locale", "school_level", "region")
    assert declaration.attribution.signature == ("school_level",)
    assert declaration.attribution.minimum_shared == 2
    attributor = attribution.Attributor([], declaration=declaration)
    teacher = attribution.Profile("teacher", {"school_level": "middle", "locale": "small town", "region": "central"})
    assert attributor.describe(teacher) == "A middle school educator from a small town in central Ohio"
    assert attributor.signature(teacher) == "Teacher, middle school"


def test_the_sample_declares_the_prose_words():
    # the prose reads these now (its tables PLURAL_NOUNS and LEADER_ROLES are gone): the values they held
    declaration = sample()
    assert {r.singular: r.plurals for r in declaration.roles} == {
        "educator": "educators", "instructional coach": "instructional coaches", "principal": "principals",
        "assistant principal": "assistant principals", "district leader": "district leaders",
        "ESC facilitator": "ESC facilitators", "counselor": "counselors",
        "intervention specialist": "intervention specialists", "paraprofessional": "paraprofessionals",
        "participant": "other participants"}
    leaders = {r.id for r in declaration.roles if declaration.group(r.group).people == "leaders"}
    assert leaders == {"principal", "assistant_principal", "district_leader", "esc_facilitator"}
    assert [g.people for g in declaration.role_groups if g.people] == ["educators", "leaders", "leaders", "educators"]
    people = declaration.words.people
    assert (people.singular, people.plural) == ("educator or leader", "educators and leaders")
    assert declaration.words.respondents.plural == "educators"  # survey.yaml's population
    assert declaration.periods.kind == "school_year" and declaration.periods.start_month == 7
    assert declaration.periods.title == "school year"


#: The redaction words pleval's Python held before it read them from pleval.yaml.
SCHOOL_WORDS = ("Elementary School", "Middle School", "High School", "Junior High School", "Intermediate School",
                "Primary School", "K-8 Academy", "STEM Academy", "Academy", "Elementary", "Middle", "High",
                "Intermediate", "Primary", "School", "Career Center", "Career-Technical Center")
DISTRICT_WORDS = ("Exempted Village School District", "Exempted Village Schools", "City School District",
                  "Local School District", "City Schools", "Local Schools", "County Schools", "School District",
                  "Schools", "District")
ESC_WORDS = ("Educational Service Center", "ESC")
SAMPLE_CAPITALISED = {"ohio", "esc", "escs", "pd", "plc", "plcs", "northwest", "northeast", "southwest", "southeast",
                      "central", "launch", "explore", "transform"}


def test_the_sample_declares_the_redaction_words():
    declaration = sample()
    words = declaration.redaction
    assert words.site_endings == SCHOOL_WORDS
    assert words.places["district"].endings == DISTRICT_WORDS and words.places["district"].find_in_text
    assert words.places["esc"].endings == ESC_WORDS and words.places["esc"].find_in_text
    assert {name: place.placeholder for name, place in words.places.items()} == {"district": "district",
                                                                                    "esc": "ESC"}
    assert words.titles == ("Mr", "Mrs", "Ms", "Miss", "Dr", "Coach")
    assert set(words.capitalised) == SAMPLE_CAPITALISED
    assert ENGLISH_CAPITALISED == redact.ENGLISH_CAPITALISED and not set(words.capitalised) & ENGLISH_CAPITALISED
    assert {r.id: redact.role_placeholder(r.id, declaration) for r in declaration.roles} == {
        **{role: "[" + role.replace("_", " ") + "]" for role in ROLES},
        "esc_facilitator": "[ESC facilitator]", "other": "[name]"}
    assert redact.Redactor([], declaration=declaration)._kinds["site"].placeholder == "[school]"
