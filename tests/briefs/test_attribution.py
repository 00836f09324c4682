"""Attributions are built from the project's declaration and generalised until enough participants in scope share
them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pleval.briefs.attribution import Attributor, Profile, profile_of
from pleval.inputs.cache import load_transcripts_cached
from pleval.inputs.declaration import project_declaration
from pleval.project import Project
from pleval.schema import Participant, Transcript, TranscriptMeta
from pleval.schema.declaration import Declaration

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def attributor(tmp_path):
    # the fixture's participants: a rural elementary teacher and principal in the northwest; two small-town
    # middle-school teachers and a coach in the northwest; an urban high-school coach in the southeast
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    project = Project.open(tmp_path / "project")
    transcripts, _ = load_transcripts_cached(project)
    return Attributor(transcripts, declaration=project_declaration(project)), {t.id: t for t in transcripts}


def test_full_attribution_when_two_participants_share_it(attributor):
    attributions, transcripts = attributor
    found = attributions.attribute(profile_of(transcripts["riverbend-focus-group"], "teacher"))
    assert found.text == "A middle school educator from a small town in northwest Ohio"
    assert found.dropped == () and found.shared_by == 2


def test_locale_then_level_are_dropped_until_two_share_it(attributor):
    attributions, transcripts = attributor
    found = attributions.attribute(profile_of(transcripts["hilltop-teacher"], "teacher"))
    # alone as a rural elementary teacher, and as an elementary teacher in the northwest; three teachers there
    assert found.text == "An educator in northwest Ohio"
    assert found.dropped == ("locale", "school_level") and found.shared_by == 3


def test_region_then_role_are_dropped_last(attributor):
    attributions, transcripts = attributor
    coach = attributions.attribute(profile_of(transcripts["sunfield-coach"], "instructional_coach"))
    assert (coach.text, coach.shared_by) == ("An instructional coach", 2)
    principal = attributions.attribute(profile_of(transcripts["hilltop-principal"], "principal"))
    # the only principal, and the only school leader: the people noun the sample declares
    assert principal.text == "An educator or leader"
    assert principal.dropped[-1] == "broad role" and principal.shared_by == 6


def test_pull_quote_signature_is_role_and_level_generalised_the_same_way(attributor):
    attributions, transcripts = attributor
    assert attributions.sign(profile_of(transcripts["riverbend-focus-group"], "teacher")).text == \
        "Teacher, middle school"
    assert attributions.sign(profile_of(transcripts["hilltop-teacher"], "teacher")).text == "Teacher"
    assert attributions.sign(profile_of(transcripts["hilltop-principal"], "principal")).text == "Educator or leader"


def test_district_and_esc_roles_are_not_described_by_a_school_level(attributor):
    attributions, transcripts = attributor
    leader = attributions.describe(profile_of(transcripts["hilltop-teacher"], "district_leader"))
    assert leader == "A district leader from a rural community in northwest Ohio"  # no "elementary"
    facilitator = Profile("esc_facilitator", {"school_level": "high", "locale": "rural", "region": "central"})
    assert attributions.describe(facilitator) == "An ESC facilitator from a rural community in central Ohio"
    principal = Profile("principal", {"school_level": "high", "locale": "small town", "region": "northwest"})
    assert attributions.describe(principal) == "A high school principal from a small town in northwest Ohio"


def test_the_brief_project_says_the_sample_attribution_for_every_step(attributor):
    attributions, _ = attributor
    teacher = Profile("teacher", {"school_level": "k-12", "locale": "urban", "region": "southeast"})
    steps = [attributions.describe(teacher, dropped) for dropped in attributions._steps]
    assert steps == ["A K-12 educator from a city in southeast Ohio", "A K-12 educator in southeast Ohio",
                     "An educator in southeast Ohio", "An educator", "An educator", "An educator or leader"]
    # a level the sample words as nothing ("district") leaves the role's noun alone
    assert attributions.signature(Profile("principal", {"school_level": "district"})) == "Principal"


# --- a project that is not about schools ------------------------------------------------------------------------

CLINICS = """
site: {key: clinic, singular: clinic, plural: clinics}
site_attributes:
  - {name: state, values: [Oregon, Washington], phrase: "in {}"}
  - {name: county, phrase: "from {}"}
  - {name: service, values: [mobile, fixed], words: {mobile: mobile unit, fixed: null}, before: true}
participant_attributes:
  - {name: cohort, words: {"1": first-cohort, "2": second-cohort}, before: true}
roles:
  - {id: nurse, label: Nurse, group: staff}
  - {id: community_health_worker, group: staff}
  - {id: program_officer, title: Program officer, without: [service, county]}
  - {id: patient}
role_groups:
  - {id: staff, noun: clinic staff member, people: staff}
attribution: {attributes: [county, service, state], signature: [service]}
words:
  people: {singular: staff member or patient, plural: staff and patients}
"""


def clinic_transcript(tid: str, clinic: str, people: list[tuple[str, str]], **attributes: str) -> Transcript:
    meta = TranscriptMeta(id=tid, type="focus_group" if len(people) > 1 else "interview", date="2025-03-01",
                          site=clinic, interviewer="Ivy Interviewer",
                          participants=[Participant(name=name, role=role) for name, role in people], **attributes)
    return Transcript(meta, "", (), f"{tid}.txt", "txt", tid, tid)


@pytest.fixture
def clinics():
    """Two mobile clinics in Oregon, a fixed one in Washington and a program office there."""
    return {t.id: t for t in [
        clinic_transcript("desert-sun", "Desert Sun Family Clinic", [("Ana Ruiz", "nurse"), ("Bo Chen", "nurse")],
                          state="Oregon", county="Lane County", service="mobile"),
        clinic_transcript("pine-hollow", "Pine Hollow Clinic", [("Cy Dale", "nurse"),
                                                                ("Di Egan", "community_health_worker"),
                                                                ("Pat Lowe", "patient")],
                          state="Oregon", county="Coos County", service="mobile"),
        clinic_transcript("riverbank", "Riverbank Health Center", [("Ed Fox", "community_health_worker"),
                                                                   ("Flo Gray", "program_officer")],
                          state="Washington", county="King County", service="fixed"),
        clinic_transcript("office", "Program Office", [("Gus Hale", "program_officer")], state="Washington",
                          county="King County", service="fixed"),
    ]}


def clinic_declaration(**changes) -> Declaration:
    data = yaml.safe_load(CLINICS)
    data["attribution"].update(changes)
    return Declaration.model_validate(data)


def test_a_clinic_project_is_attributed_in_its_own_words(clinics):
    attributions = Attributor(clinics.values(), declaration=clinic_declaration())
    ana = attributions.attribute(profile_of(clinics["desert-sun"], "nurse"))
    assert (ana.text, ana.dropped, ana.shared_by) == ("A mobile unit nurse from Lane County in Oregon", (), 2)
    cy = attributions.attribute(profile_of(clinics["pine-hollow"], "nurse"))
    assert (cy.text, cy.dropped, cy.shared_by) == ("A mobile unit nurse in Oregon", ("county",), 3)
    # a role without a declared noun is named by its id; a value worded as nothing ("fixed") is left unsaid
    ed = attributions.describe(profile_of(clinics["riverbank"], "community_health_worker"))
    assert ed == "A community health worker from King County in Washington"
    di = attributions.attribute(profile_of(clinics["pine-hollow"], "community_health_worker"))
    assert (di.text, di.dropped, di.shared_by) == ("A community health worker", ("county", "service", "state"), 2)
    # a program officer's work is no clinic's: no county, no service; two of them in Washington
    officer = attributions.attribute(profile_of(clinics["riverbank"], "program_officer"))
    assert (officer.text, officer.shared_by) == ("A program officer in Washington", 2)
    # the only patient, in a role with no group: the people noun
    patient = attributions.attribute(profile_of(clinics["pine-hollow"], "patient"))
    assert (patient.text, patient.dropped, patient.shared_by) == (
        "A staff member or patient", ("county", "service", "state", "role"), 3)  # with the two program officers
    assert "school" not in " ".join([ana.text, cy.text, ed, di.text, officer.text, patient.text]).casefold()


def test_a_clinic_pull_quote_is_signed_by_title_and_signature_attributes(clinics):
    attributions = Attributor(clinics.values(), declaration=clinic_declaration())
    assert attributions.sign(profile_of(clinics["desert-sun"], "nurse")).text == "Nurse, mobile unit"
    assert attributions.sign(profile_of(clinics["riverbank"], "program_officer")).text == "Program officer"
    # one community health worker at a mobile clinic: generalised to the title alone, two share it
    worker = attributions.sign(profile_of(clinics["pine-hollow"], "community_health_worker"))
    assert (worker.text, worker.dropped, worker.shared_by) == ("Community health worker", ("service",), 2)
    assert attributions.sign(profile_of(clinics["pine-hollow"], "patient")).text == "Staff member or patient"


def test_minimum_shared_is_the_declarations(clinics):
    attributions = Attributor(clinics.values(), declaration=clinic_declaration(minimum_shared=3))
    ana = attributions.attribute(profile_of(clinics["desert-sun"], "nurse"))
    assert (ana.text, ana.shared_by) == ("A mobile unit nurse in Oregon", 3)
    officer = attributions.attribute(profile_of(clinics["riverbank"], "program_officer"))
    assert officer.text == "A staff member or patient"  # two officers, no group: the people noun


def test_a_participants_own_attributes_describe_them():
    meta = TranscriptMeta(id="cohorts", type="focus_group", date="2025-03-01", site="Desert Sun Family Clinic",
                          interviewer="Ivy Interviewer", state="Oregon", participants=[
                              Participant(name="Ana Ruiz", role="nurse", cohort="1"),
                              Participant(name="Bo Chen", role="nurse", cohort="1"),
                              Participant(name="Cy Dale", role="nurse", cohort="2")])
    transcript = Transcript(meta, "", (), "cohorts.txt", "txt", "c", "c")
    attributions = Attributor([transcript], declaration=clinic_declaration(attributes=["cohort", "state"]))
    assert attributions.attribute(profile_of(transcript, "nurse", name="ana  ruiz")).text == \
        "A first-cohort nurse in Oregon"
    assert attributions.attribute(profile_of(transcript, "nurse", name="Cy Dale")).text == "A nurse in Oregon"


def test_without_a_declaration_roles_are_their_ids_words_and_no_attribute_is_used(clinics):
    attributions = Attributor(clinics.values())  # no pleval.yaml: the generic words
    ana = attributions.attribute(profile_of(clinics["desert-sun"], "nurse"))
    assert (ana.text, ana.dropped, ana.shared_by) == ("A nurse", (), 3)
    di = attributions.attribute(profile_of(clinics["pine-hollow"], "community_health_worker"))
    assert (di.text, di.shared_by) == ("A community health worker", 2)
    patient = attributions.attribute(profile_of(clinics["pine-hollow"], "patient"))
    assert (patient.text, patient.shared_by) == ("A participant", 8)
    assert attributions.sign(profile_of(clinics["desert-sun"], "nurse")).text == "Nurse"
    assert attributions.sign(profile_of(clinics["pine-hollow"], "community_health_worker")).text == \
        "Community health worker"
    assert attributions.sign(profile_of(clinics["pine-hollow"], "patient")).text == "Participant"


def test_an_attribution_fits_enough_people_within_the_briefs_scope_not_the_whole_study(clinics):
    study = Attributor(clinics.values(), declaration=clinic_declaration())
    di = profile_of(clinics["pine-hollow"], "community_health_worker")
    assert (study.attribute(di).text, study.attribute(di).shared_by) == ("A community health worker", 2)
    # a brief on Oregon's clinics: Di is its only community health worker, so the attribution says less
    oregon = study.within([clinics["desert-sun"], clinics["pine-hollow"]])
    found = oregon.attribute(di)
    assert (found.text, found.dropped[-1], found.shared_by) == ("A clinic staff member", "role", 4)
    assert oregon.sign(di).text == "Clinic staff member"
    assert study.sign(di).text == "Community health worker"
