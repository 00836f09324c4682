"""The sample's pleval.yaml declares exactly the vocabulary that pleval's Python tables hold today, so that the
stages reading those tables can switch to the declaration with unchanged outputs."""

from __future__ import annotations

from pathlib import Path

from pleval.briefs import attribution, prose, redact
from pleval.inputs.declaration import load_declaration, project_declaration
from pleval.project import Project
from pleval.schema import vocabulary

ROOT = Path(__file__).resolve().parents[1]
#: English words redaction always treats as capitalised, whatever the evaluation: they stay in Python.
ENGLISH_CAPITALISED = {"i", "i'm", "i've", "i'd", "i'll", "ok", "tv", "january", "february", "march", "april", "may",
                       "june", "july", "august", "september", "october", "november", "december", "monday",
                       "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays",
                       "wednesdays", "thursdays", "fridays", "christmas", "thanksgiving", "halloween", "easter",
                       "english", "spanish", "american", "america", "covid", "zoom", "google"}


def sample():
    declaration, problems = load_declaration(ROOT / "pleval.yaml")
    assert problems == [] and declaration is not None
    return declaration


def test_the_sample_project_declares_itself_without_a_problem():
    assert project_declaration(Project.open(ROOT)) == sample()


def test_the_sample_declares_the_roles_regions_levels_and_locales_of_the_vocabulary():
    declaration = sample()
    assert declaration.role_ids == vocabulary.ROLES
    assert declaration.attribute("region").values == vocabulary.REGIONS
    assert declaration.attribute("school_level").values == vocabulary.SCHOOL_LEVELS
    assert declaration.attribute("locale").values == vocabulary.LOCALES
    required = {a.name for a in declaration.site_attributes if a.required}
    assert required == {"district", "region", "school_level", "locale", "pathway"}
    assert declaration.site.key == "school" and (declaration.site.singular, declaration.site.plural) == (
        "school", "schools")


def test_the_sample_declares_the_attribution_words():
    declaration = sample()
    assert {r.id: r.singular for r in declaration.roles} == attribution.ROLE_NOUNS
    assert {r.id: r.signature for r in declaration.roles} == attribution.ROLE_TITLES
    assert {r.id: declaration.group(r.group).noun for r in declaration.roles} == attribution.BROAD_ROLES
    assert {r.id for r in declaration.roles if "school_level" in r.without} == attribution.NOT_AT_A_SCHOOL
    level, locale = declaration.attribute("school_level"), declaration.attribute("locale")
    assert {v: level.worded(v) for v in level.values} == attribution.LEVEL_WORDS
    assert {v: locale.worded(v) for v in locale.values} == attribution.LOCALE_WORDS
    assert level.before and locale.phrase.format(locale.worded("urban")) == "from a city"
    region = declaration.attribute("region")
    assert "in " + attribution.Attributor([], state="Ohio")._region("central") == region.phrase.format("central")
    # the steps of generalisation: the attributes dropped in order, then the role, then its group
    steps = [tuple(declaration.attribution.attributes[:n]) for n in range(len(declaration.attribution.attributes) + 1)]
    names = {"school_level": "level"}
    assert [tuple(names.get(a, a) for a in step) for step in steps] == list(attribution.STEPS[:4])
    assert [names.get(a, a) for a in declaration.attribution.signature] == list(attribution.SHORT_STEPS[1])
    assert declaration.attribution.minimum_shared == attribution.MINIMUM_SHARED


def test_the_sample_declares_the_prose_words():
    declaration = sample()
    assert {r.singular: r.plurals for r in declaration.roles} == prose.PLURAL_NOUNS
    leaders = {r.id for r in declaration.roles if declaration.group(r.group).people == "leaders"}
    assert leaders == prose.LEADER_ROLES
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
        **{role: "[" + role.replace("_", " ") + "]" for role in vocabulary.ROLES},
        "esc_facilitator": "[ESC facilitator]", "other": "[name]"}
    assert redact.Redactor([], declaration=declaration)._kinds["site"].placeholder == "[school]"
