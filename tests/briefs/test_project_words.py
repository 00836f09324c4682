"""A brief speaks the project's words: a small evaluation of clinics in two states, with calendar years and its
own roles, drafts a brief filtered to one state and year without a word of the sample's schools; the same
project without pleval.yaml drafts in generic words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pleval.briefs.render import build_briefs
from pleval.project import Project
from pleval.schema import Brief

pytestmark = pytest.mark.slow

DECLARATION = """\
site: {key: site, singular: clinic, plural: clinics}
site_attributes:
  - {name: state, label: State, values: [Oregon, Nevada], required: true, phrase: "in {}"}
roles:
  - {id: community_health_worker, noun: community health worker, plural: community health workers, group: frontline}
  - {id: clinic_manager, noun: clinic manager, plural: clinic managers, group: management}
  - {id: patient, noun: patient, plural: patients, group: client}
role_groups:
  - {id: frontline, noun: health worker, people: health workers}
  - {id: management, noun: clinic leader, people: managers}
  - {id: client, noun: patient, people: patients}
periods: {kind: calendar_year}
attribution: {attributes: [state]}
redaction: {site_endings: [Health Center, Clinic]}
words:
  people: {singular: participant, plural: participants}
  respondents: {singular: community health worker, plural: community health workers}
  spread: {attribute: state, plural: states}
"""

CODEBOOK = """\
name: Clinic codebook
version: "1"
groups: [{id: program, label: Program}]
codes:
  - id: funding
    label: Funding
    group: program
    colour: "#d95f02"
    definition: Money and grants that pay for the program.
    rules: {phrases: [grant, budget, money]}
    questions: ["Which visits depend on the grant?"]
  - id: waiting
    label: Waiting times
    group: program
    colour: "#1b9e77"
    definition: How long patients wait to be seen.
    rules: {phrases: [waiting room, wait, waited]}
    questions: ["Where could the wait be shortened?"]
"""

BRIEFS = """\
evaluation:
  name: Evaluation of a community health worker program (test)
  authors: ["Tester, A."]
  organisation: Test Research Group
  year: 2025
themes:
  funding: {about: how the program is paid for, topic: funding}
  waiting: {about: how long patients wait, topic: waiting times}
briefs:
  - id: oregon-2025
    title: Community health workers in Oregon
    themes: [funding, waiting]
    filters: {state: [Oregon], year: [2025]}
"""

# (file, date, clinic, state, [(speaker, role, words)]): three Oregon clinics in 2025, one in 2024, one in Nevada
TRANSCRIPTS = [
    ("cedar-chw.txt", "2025-03-04", "Cedar Lodge Clinic", "Oregon", [
        ("Marisol Vega", "community_health_worker",
         "The grant pays for my visits, but the money runs out in June and nobody has told us what comes next. "
         "I keep a list of families I would lose."),
        ("Dale Hurst", "patient",
         "Before she came I waited three hours in that waiting room with my daughter, every single time. Now she "
         "calls ahead and we wait maybe twenty minutes, which changes the whole day for us."),
    ]),
    ("harbor-manager.txt", "2025-05-20", "Harbor View Health Center", "Oregon", [
        ("Priya Natarajan", "clinic_manager",
         "Our budget for outreach is one line, and the grant covers most of it this year. I have asked the board "
         "twice to put the money into next year's plan, and they keep saying maybe."),
    ]),
    ("pine-patient.txt", "2025-06-11", "Pine Hollow Clinic", "Oregon", [
        ("Ruth Okafor", "patient",
         "The wait used to be the worst part, sitting in the waiting room for hours with a sick baby and no word. "
         "Now the health worker texts me when they are ready, so I come in at the right time."),
    ]),
    ("cedar-2024.txt", "2024-10-02", "Cedar Lodge Clinic", "Oregon", [
        ("Marisol Vega", "community_health_worker",
         "Last fall the grant was new and we were still working out the budget, so I spent a lot of money on gas "
         "driving out to the farms on the east side of the county."),
    ]),
    ("desert-chw.txt", "2025-02-14", "Desert Sun Clinic", "Nevada", [
        ("Tomas Reyes", "community_health_worker",
         "Out here the wait for a specialist is months, and patients give up. I drive them to the city myself when "
         "I can, but the grant does not pay for that money on the road."),
    ]),
]


def transcript(name: str, date: str, site: str, state: str, turns: list[tuple[str, str, str]]) -> str:
    people = {speaker: role for speaker, role, _ in turns}
    participants = "".join(f"  - name: {speaker}\n    role: {role}\n" for speaker, role in people.items())
    talk = "".join(f"Interviewer: How has it been going?\n\n{speaker}: {words}\n\n" for speaker, _, words in turns)
    return (f"---\nid: {name.removesuffix('.txt')}\ntype: interview\ndate: {date}\nsite: {site}\nstate: {state}\n"
            f"interviewer: Sam Interviewer\nparticipants:\n{participants}---\n{talk}")


def clinics(root: Path, *, declared: bool) -> Project:
    (root / "data" / "transcripts").mkdir(parents=True)
    if declared:
        (root / "pleval.yaml").write_text(DECLARATION, encoding="utf-8")
    (root / "data" / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "data" / "briefs.yaml").write_text(BRIEFS, encoding="utf-8")
    for name, *rest in TRANSCRIPTS:
        (root / "data" / "transcripts" / name).write_text(transcript(name, *rest), encoding="utf-8")
    return Project.open(root)


def drafted(project: Project) -> tuple[Brief, str]:
    run = build_briefs(project)
    assert not run.failed, run.failed
    folder = project.outputs / "briefs"
    brief = Brief.model_validate_json((folder / "oregon-2025.json").read_text(encoding="utf-8"))
    text = " ".join((folder / f"oregon-2025{suffix}").read_text(encoding="utf-8") for suffix in (".md", ".html"))
    return brief, text.replace("\\", "")


def test_a_clinic_brief_reads_in_the_projects_words(tmp_path):
    brief, text = drafted(clinics(tmp_path / "clinics", declared=True))
    assert not re.search(r"school|educator|ohio|district", text, re.IGNORECASE)
    assert brief.counts["transcripts"] == 3 and brief.counts["sites"] == 3  # Oregon in 2025 only
    assert brief.lead[0] == "This brief draws on 3 interviews with 4 participants in 3 clinics in Oregon in 2025."
    funding, waiting = brief.themes
    assert funding.narrative[0] == "Health workers and managers in 2 of the 3 clinics described how the program " \
                                   "is paid for."
    assert waiting.narrative[0] == "Patients in 2 of the 3 clinics described how long patients wait."
    assert "of the 3 clinics" in text and "| Theme | Clinics |" in text and "<th>Clinics</th>" in text
    assert "placeholders such as [community health worker] or [clinic]" in text


def test_without_pleval_yaml_the_brief_speaks_generic_words(tmp_path):
    brief, text = drafted(clinics(tmp_path / "generic", declared=False))
    assert not re.search(r"school|educator|ohio|district", text, re.IGNORECASE)
    assert brief.lead[0] == "This brief draws on 3 interviews with 4 participants in 3 sites in Oregon in 2025."
    funding, _ = brief.themes
    assert list(funding.narrative[:2]) == [
        "Participants in 2 of the 3 sites described how the program is paid for.",
        "It came up in 2 of the 3 interviews and focus groups, from 1 clinic manager and 1 community health worker."]
    assert "| Theme | Sites |" in text
