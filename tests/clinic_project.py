"""A small project that is not about schools: three interviews at clinics in two states, in calendar years, the
site under the key ``site`` (a "clinic"), a declared ``state`` with its values, an undeclared ``county``, its own
roles and a participant attribute. For the tests of ``code --by``, the export, the overview and the session."""

from __future__ import annotations

import shutil
from pathlib import Path

from pleval.project import Project

FIXTURES = Path(__file__).parent / "fixtures"

DECLARATION = """\
site: {key: site, singular: clinic, plural: clinics, required: true}
site_attributes:
  - {name: setting, label: Setting, values: [urban, rural]}
  - {name: state, label: State, values: [Oregon, Nevada], required: true}
participant_attributes:
  - {name: language, label: Language}
roles:
  - {id: community_health_worker, label: Community health worker}
  - {id: clinic_manager, label: Clinic manager}
periods: {kind: calendar_year}
"""

# id, site, state, setting, county, date, role, language, what they say
INTERVIEWS = [
    ("nv-desert-sun-chw", "Desert Sun Clinic", "Nevada", "rural", "Nye", "2024-10-02", "community_health_worker",
     "Spanish", "The grant pays for the van. We never plan together."),
    ("or-riverbend-manager", "Riverbend Clinic", "Oregon", "urban", "Lane", "2025-02-11", "clinic_manager",
     "English", "Our budget is tight. There is no time to plan together."),
    ("or-riverbend-chw", "Riverbend Clinic", "Oregon", "urban", "Lane", "2025-03-20", "community_health_worker",
     "English", "We ran out of money in March."),
]


def make_clinic_project(root: Path) -> Project:
    """The project in ``root`` (made), with the two-code codebook of the fixtures."""
    transcripts = root / "data" / "transcripts"
    transcripts.mkdir(parents=True)
    (root / "pleval.yaml").write_text(DECLARATION, encoding="utf-8")
    shutil.copy(FIXTURES / "codebooks" / "two_codes.yaml", root / "data" / "codebook.yaml")
    for id_, site, state, setting, county, date, role, language, said in INTERVIEWS:
        (transcripts / f"{id_}.txt").write_text(
            f"---\nid: {id_}\ntype: interview\ndate: {date}\nsite: {site}\nstate: {state}\nsetting: {setting}\n"
            f"county: {county}\ninterviewer: Ana Ruiz\nparticipants:\n"
            f"  - {{name: Sam Lee, role: {role}, language: {language}}}\n---\n"
            f"Ana Ruiz: How is the program going?\n\nSam Lee: {said}\n", encoding="utf-8")
    return Project.open(root)
