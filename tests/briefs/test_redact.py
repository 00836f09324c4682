"""De-identification: names, schools, districts, ESCs, labels, emails and phones become placeholders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pleval.briefs.redact import (
    Redactor,
    redaction_report,
    redaction_summary,
    short_form,
    trie_pattern,
)
from pleval.briefs.terms import words_of
from pleval.briefs.unlisted import UnlistedFinder
from pleval.inputs.cache import load_transcripts_cached
from pleval.inputs.declaration import project_declaration
from pleval.project import Project
from pleval.schema import RedactionTerms

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    return Project.open(tmp_path / "project")


@pytest.fixture
def transcripts(project):
    loaded, problems = load_transcripts_cached(project)
    assert not problems
    return {t.id: t for t in loaded}


@pytest.fixture
def redactor(project, transcripts):  # in the words of the sample's pleval.yaml
    return Redactor(list(transcripts.values()), declaration=project_declaration(project))


def test_people_named_in_metadata_become_their_roles(transcripts, redactor):
    text = redactor.redact(transcripts["hilltop-teacher"]).text
    for name in ("Rosalind", "Carver", "Tobias", "Quill", "Wren", "Dana", "Smith"):
        assert not re.search(rf"\b{name}\b", text), name
    # "Mr. Quill" (title and last name) and "Tobias" (first name) are the principal the metadata mentions
    assert "and [principal] has been behind us" in text
    assert "[principal] found us common planning time" in text
    assert "A student of mine, [name], wrote" in text  # a mention without a role


def test_speaker_labels_become_roles(transcripts, redactor):
    teacher = redactor.redact(transcripts["hilltop-teacher"]).text
    assert teacher.startswith("[interviewer]: Thanks for talking")
    assert "\n[teacher]: Honestly, it has been" in teacher
    group = redactor.redact(transcripts["riverbend-focus-group"]).text
    assert "\n[teacher]: At [school] we never" in group  # "P1:" is a teacher
    assert "\n[instructional coach]: As the coach" in group  # "P3:" is the coach
    assert "P1:" not in group and "P3:" not in group


def test_schools_districts_and_their_short_forms(transcripts, redactor):
    assert "at [school], and" in redactor.redact(transcripts["hilltop-teacher"]).text  # "Hilltop" alone
    principal = redactor.redact(transcripts["hilltop-principal"]).text
    assert "support the work at [school]?" in principal  # "Hilltop Elementary"
    text = redactor.redact_text("Maple Grove Local Schools and Maple Grove and Otter Creek City Schools")
    assert text.text == "[district] and [district] and [district]"
    assert short_form("Alum Bend High School", ["High School"]) == "Alum Bend"
    assert short_form("Delaware Run Local Schools", ["Local Schools"]) == "Delaware Run"


def test_esc_named_in_the_talk_is_redacted_everywhere(transcripts, redactor):
    text = redactor.redact(transcripts["sunfield-coach"]).text
    assert "from the [ESC] comes once a month" in text  # "Cardinal Valley ESC"
    assert "[ESC] also runs the summer institute" in text  # the bare name, learnt from "... ESC"
    assert "Cardinal" not in text


def test_emails_and_phone_numbers(transcripts, redactor):
    text = redactor.redact(transcripts["hilltop-teacher"]).text
    assert "write to me at [email] or call [phone] if" in text
    assert "@" not in text and "0182" not in text


def test_single_names_match_only_capitalised_and_multi_word_names_in_any_case(transcripts):
    redactor = Redactor(list(transcripts.values()), terms=RedactionTerms(names=["Autumn Reyes"]))  # no declaration
    text = redactor.redact_text("In the autumn, Autumn met AUTUMN REYES; the autumnal light. Autumn's class.").text
    assert text == "In the autumn, [name] met [name]; the autumnal light. [name]'s class."


def test_a_transcripts_own_people_decide_a_shared_names_placeholder():
    from pleval.schema import Participant, Person, Transcript, TranscriptMeta, Turn

    def transcript(tid, participant, role, mention_role):
        meta = TranscriptMeta(id=tid, type="interview", date="2024-03-01", site="A School", district="A District",
                              region="central", school_level="middle", locale="urban", pathway="LAUNCH",
                              interviewer="Ivy Interviewer", participants=[Participant(name=participant, role=role)],
                              mentions=[Person(name="Sam Castle", role=mention_role)])
        text = f"{participant}: Castle said so."
        turn = Turn(0, participant, participant, role, "Castle said so.", len(participant) + 2, len(text), 1)
        return Transcript(meta, text, (turn,), f"{tid}.txt", "txt", "x", "y")

    one = transcript("one", "Ann Lee", "teacher", "principal")
    two = transcript("two", "Bo Ray", "teacher", "district_leader")
    redactor = Redactor([one, two])
    assert redactor.redact(one).text == "[teacher]: [principal] said so."
    assert redactor.redact(two).text == "[teacher]: [district leader] said so."
    assert redactor.redact_text("Castle said so.").text == "[name] said so."  # elsewhere: two roles, no role


def test_offsets_map_original_spans_onto_the_redacted_text(transcripts, redactor):
    for transcript in transcripts.values():
        redacted = redactor.redact(transcript)
        for rep in redacted.replacements:
            start, end = redacted.span(rep.start, rep.end)
            assert redacted.text[start:end] == rep.placeholder
        for turn in transcript.turns:
            start, end = redacted.span(turn.start, turn.end)
            inside = [r for r in redacted.replacements if turn.start <= r.start < turn.end]
            expected = transcript.text[turn.start:turn.end]
            for rep in sorted(inside, key=lambda r: -r.start):
                expected = (expected[: rep.start - turn.start] + rep.placeholder
                            + expected[rep.end - turn.start:])
            assert redacted.text[start:end] == expected


def test_redaction_report_says_what_was_replaced_how_often_and_where(transcripts, redactor):
    redacted = [redactor.redact(t) for t in transcripts.values()]
    report = redaction_report(redacted, transcripts=transcripts, flagged={"x:t001": ["Krebs"]})
    assert report["terms"]["rcarver@maplegrove.k12.oh.us"] == {"placeholder": "[email]", "category": "email",
                                                                "count": 1}
    assert report["terms"]["Rosalind Carver"]["category"] == "speaker_label"
    assert sum(t["count"] for t in report["terms"].values()) == sum(len(r.replacements) for r in redacted)
    items = {t["transcript_id"]: t["items"] for t in report["transcripts"]}
    phone = next(i for i in items["hilltop-teacher"] if i["placeholder"] == "[phone]")
    assert phone["segment"] == "hilltop-teacher:t001"
    assert transcripts["hilltop-teacher"].text[phone["start"]:phone["end"]] == "419-555-0182"
    assert report["flagged"] == {"x:t001": ["Krebs"]}
    summary = json.dumps(redaction_summary(redacted))
    assert "Carver" not in summary and "Hilltop" not in summary and summary.count("[") >= 5


def test_trie_pattern_prefers_the_longest_term():
    pattern = re.compile(rf"(?:{trie_pattern(['Alum Bend', 'Alum Bend High School', 'Alum'])})\b")
    assert pattern.match("Alum Bend High School is").group() == "Alum Bend High School"
    assert pattern.match("Alum  Bend High").group() == "Alum  Bend"
    assert pattern.match("Alumni") is None


def _with_full_pattern(redactor, text, transcript_id=None, fixed=()):
    """What redact_text found before texts were scanned with only the alternatives they can match."""
    found = []
    for match in redactor.pattern.finditer(text):
        start, end = match.span()
        if any(f.start < end and start < f.end for f in fixed):
            continue
        kind = match.lastgroup
        placeholder, category = ((f"[{kind}]", kind) if kind in ("email", "phone")
                                 else redactor.lookup(match.group("term"), transcript_id))
        found.append((start, end, match.group(), placeholder, category))
    return sorted([(f.start, f.end, f.original, f.placeholder, f.category) for f in fixed] + found)


@pytest.mark.parametrize("text", [
    "Lorraine Castillo said to call 614-555-0100 or write lc@alum.k12.oh.us, ask Mr. Stuckey.",
    "No email here, only a year 2023-2024 and Alum Bend High School.",
    "Mail angela@example.org; no phone.",
    "Call (614) 555-0100 x12 before the Delaware Run Local Schools board meets.",
])
def test_scanning_only_the_alternatives_a_text_can_match_finds_the_same(transcripts, redactor, text):
    transcript = transcripts["hilltop-teacher"]  # it holds an email and a phone number
    labels = [r for r in redactor.redact(transcript).replacements if r.category == "speaker_label"]
    assert [(r.start, r.end, r.original, r.placeholder, r.category)
            for r in redactor.redact_text(text, transcript.id).replacements] == _with_full_pattern(
        redactor, text, transcript.id)
    whole = redactor.redact(transcript)
    assert [(r.start, r.end, r.original, r.placeholder, r.category) for r in whole.replacements] == \
        _with_full_pattern(redactor, transcript.text, transcript.id, labels)


# --- a project that is not about schools ------------------------------------------------------------------------

CLINICS = """\
site: {key: clinic, singular: clinic, plural: clinics}
site_attributes:
  - {name: state, values: [Oregon, Washington]}
  - {name: county}
roles:
  - {id: community_health_worker, placeholder: health worker}
  - {id: nurse}
redaction:
  site_endings: [Clinic, Family Clinic, Community Health Center, Health Center]
  places:
    county: {placeholder: county, endings: [County], find_in_text: true}
  titles: [Dr, Nurse]
  never_redact: [Hope]
  capitalised: [Promotoras]
"""

DESERT_SUN = """\
---
id: desert-sun
type: focus_group
date: 2025-03-04
clinic: Desert Sun Family Clinic
state: Oregon
county: Lane County
interviewer: Ivy Moss
participants:
  - {name: Jordan Hope, role: community_health_worker, label: P1}
  - {name: Ana Ruiz, role: nurse, label: P2}
---
Ivy Moss: How did the year go at Desert Sun Family Clinic?
""" + ("P1: At Desert Sun we finally had two promotoras. Nurse Ruiz ran the mobile days. I live in Lane, and the "
       "Promotoras program gave us hope. Hope is what kept us going.\n"
       "P2: Jordan drove out past Coos County twice a month; Coos has nothing else for patients.\n")


@pytest.fixture
def clinic_project(tmp_path):
    root = tmp_path / "clinics"
    (root / "data" / "transcripts").mkdir(parents=True)
    (root / "pleval.yaml").write_text(CLINICS)
    (root / "data" / "transcripts" / "desert-sun.txt").write_text(DESERT_SUN)
    return Project.open(root)


def clinic_redacted(project, **kwargs):
    transcripts, problems = load_transcripts_cached(project)
    assert not [p for p in problems if p.severity == "error"]
    redactor = Redactor(transcripts, declaration=project_declaration(project), **kwargs)
    return redactor, redactor.redact(transcripts[0]).text


def test_a_clinic_and_its_short_form_become_the_sites_placeholder(clinic_project):
    _, text = clinic_redacted(clinic_project)
    assert "How did the year go at [clinic]?" in text  # "Desert Sun Family Clinic"
    assert "At [clinic] we finally had" in text  # its short form "Desert Sun", not "[school] Sun"
    assert "Desert" not in text and "Sun" not in text and "school" not in text


def test_places_titles_and_roles_are_the_declarations(clinic_project):
    redactor, text = clinic_redacted(clinic_project)
    assert "I live in [county], and" in text  # the metadata's county, by its short form
    assert "drove out past [county] twice a month; [county] has nothing" in text  # named in the talk only
    assert "[nurse] ran the mobile days" in text  # a declared title before a surname
    assert text.startswith("[interviewer]: How did")
    assert "\n[health worker]: At [clinic]" in text and "\n[nurse]: [health worker] drove out" in text
    assert redactor.terms()["coos county"] == "county" and redactor.terms()["desert sun"] == "site"


def test_words_never_redacted_and_words_that_are_no_names(clinic_project):
    redactor, text = clinic_redacted(clinic_project)
    assert "gave us hope. Hope is what kept us going." in text  # "Hope" is Jordan Hope's surname, but never redacted
    assert "Jordan" not in text
    assert UnlistedFinder((), set()).runs("They trained as Promotoras in March.") == ["Promotoras"]
    declared = UnlistedFinder(words_of(redactor.declaration.model_dump()), redactor.lower_words)
    assert declared.runs("They trained as Promotoras in March.") == []  # pleval.yaml: capitalised, no name
    assert declared.runs("The Promotoras's van broke down.") == []


def test_briefs_yaml_lists_sites_and_places_by_their_attribute(clinic_project):
    terms = RedactionTerms.model_validate({"sites": ["Juniper Ridge Clinic"], "county": ["Marion County"],
                                           "places": ["Willamette Valley"], "names": ["Sam Ortiz"]})
    redactor, _ = clinic_redacted(clinic_project, terms=terms)
    text = redactor.redact_text("Sam visited Juniper Ridge and Marion on the way up the Willamette Valley.").text
    assert text == "[name] visited [clinic] and [county] on the way up the [place]."
    assert terms.undeclared(["county"]) == []


def test_without_a_declaration_sites_and_roles_are_in_generic_words(clinic_project):
    (clinic_project.root / "pleval.yaml").unlink()
    (clinic_project.root / "data" / "transcripts" / "desert-sun.txt").write_text(
        DESERT_SUN.replace("clinic: Desert Sun", "site: Desert Sun"))
    redactor, text = clinic_redacted(clinic_project)
    assert "How did the year go at [site]?" in text
    # no site endings declared, yet the name's leading words, as people shorten it, are the site too
    assert "At [site] we finally had" in text and "Desert" not in text and "Sun" not in text
    assert "\n[community health worker]: At" in text and "\n[nurse]:" in text
    assert "Nurse [nurse] ran" in text  # "Nurse" is no title without a declaration; "Ruiz" is a name


def test_the_samples_briefs_yaml_lists_its_service_center_under_the_attribute(project, transcripts):
    terms = RedactionTerms.model_validate({"esc": ["Twin Rivers"]})
    redactor = Redactor(list(transcripts.values()), declaration=project_declaration(project), terms=terms)
    assert redactor.redact_text("the Twin Rivers coach").text == "the [ESC] coach"


def test_a_redact_key_naming_no_declared_place_is_an_error_with_its_line(project):
    from pleval.validate import validate_project

    path = project.root / "data" / "briefs.yaml"
    path.write_text(path.read_text() + "\nredact:\n  escs: [Twin Rivers]\n")
    report, _ = validate_project(project)
    [problem] = [p for p in report.errors if "escs" in str(p)]
    assert "redact: 'escs' is not a place pleval.yaml declares (did you mean 'esc'?)" in str(problem)
    lines = path.read_text().splitlines()
    assert problem.path == path and problem.line == lines.index("  escs: [Twin Rivers]") + 1 and problem.column == 3
