"""Attributions are built from metadata and generalised until two or more participants share them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pleval.briefs.attribution import Attributor, Profile, profile_of
from pleval.inputs.cache import load_transcripts_cached
from pleval.project import Project

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def attributor(tmp_path):
    # the fixture's participants: a rural elementary teacher and principal in the northwest; two small-town
    # middle-school teachers and a coach in the northwest; an urban high-school coach in the southeast
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    transcripts, _ = load_transcripts_cached(Project.open(tmp_path / "project"))
    return Attributor(transcripts, state="Ohio"), {t.id: t for t in transcripts}


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
    assert found.dropped == ("locale", "level") and found.shared_by == 3


def test_region_then_role_are_dropped_last(attributor):
    attributions, transcripts = attributor
    coach = attributions.attribute(profile_of(transcripts["sunfield-coach"], "instructional_coach"))
    assert (coach.text, coach.shared_by) == ("An instructional coach", 2)
    principal = attributions.attribute(profile_of(transcripts["hilltop-principal"], "principal"))
    assert principal.text == "A participant"  # the only principal, and the only school leader
    assert principal.dropped[-1] == "broad role" and principal.shared_by == 6


def test_pull_quote_signature_is_role_and_level_generalised_the_same_way(attributor):
    attributions, transcripts = attributor
    assert attributions.sign(profile_of(transcripts["riverbend-focus-group"], "teacher")).text == \
        "Teacher, middle school"
    assert attributions.sign(profile_of(transcripts["hilltop-teacher"], "teacher")).text == "Teacher"
    assert attributions.sign(profile_of(transcripts["hilltop-principal"], "principal")).text == "Participant"


def test_district_and_esc_roles_are_not_described_by_a_school_level(attributor):
    attributions, transcripts = attributor
    assert profile_of(transcripts["hilltop-teacher"], "district_leader").level is None
    text = attributions.describe(Profile("esc_facilitator", None, "rural", "central"))
    assert text == "An ESC facilitator from a rural community in central Ohio"
    assert attributions.describe(Profile("principal", "high school", "small town", "northwest")) == \
        "A high school principal from a small town in northwest Ohio"
