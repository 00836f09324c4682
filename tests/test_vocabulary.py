"""No evaluation's vocabulary in pleval's code: a project declares its sites, attributes, roles, periods and words
in pleval.yaml. The sample's school words live in its pleval.yaml and the us-k12 profile, which are data."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "pleval"
# The sample's state, regions, school levels and locales, pathways (and their names), service centres (ESC) and
# the role ids only the sample has.
SAMPLE_WORDS = re.compile(
    r"\b(?i:ohio|northwest|northeast|southwest|southeast|school_levels?|locales?|suburban|pathways?|k-8|k-12"
    r"|instructional_coach|assistant_principal|district_leader|esc_facilitator|intervention_specialist"
    r"|paraprofessional)\b|\bESCs?\b|\b(LAUNCH|EXPLORE|TRANSFORM)\b"
)


def offending_lines(root: Path) -> list[str]:
    return [f"{path.relative_to(root)}:{number}: {line.strip()}"
            for path in sorted(root.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if SAMPLE_WORDS.search(line)]


def test_no_python_file_names_the_samples_vocabulary():
    found = offending_lines(SRC)
    assert found == [], f"{len(found)} line(s) name the sample's vocabulary:\n" + "\n".join(found)


def test_the_check_finds_the_samples_words(tmp_path):
    (tmp_path / "a.py").write_text('REGIONS = ("northwest", "central")\nx = 1  # Esc to close\nLEVEL = "K-12"\n'
                                   'role = "esc_facilitator"\nesc = "[ESC]"\n')
    assert [line.split(":")[1] for line in offending_lines(tmp_path)] == ["1", "3", "4", "5"]
