"""Generate the sample project's fictional survey responses (seeded, so every run writes the same files).

    .venv/bin/python data/survey/generate_sample.py [--out DIR]

The items, scale and extra schools (its `sites`) come from survey.yaml beside this script, and the interviewed
schools (their exact names, levels and regions) from the transcripts' metadata, all read with pleval in the words
of the sample's pleval.yaml. Each answer is drawn
from a latent agreement: the item's base level + the school's effect + a change in the second year + the
respondent's role + the respondent's own leaning + logistic noise, cut into the five levels of the scale. Some
answers are left blank, a few are "Don't know" or "Not applicable", and a few respondents stop part-way.

Three files are written, as the survey platforms and spreadsheets of the participating schools wrote them:
    responses_2023-2024.csv        UTF-8 with a BOM, CRLF, commas, answers as labels (Excel's "CSV UTF-8")
    responses_2024-2025.xlsx       answers as numbers 1-5, roles as the platform labels them
    responses_2024-2025_late.csv   two schools' paper surveys typed in later: BOM, CRLF, semicolons (Excel with a
                                   European list separator)
No figure is written anywhere: every percentage pleval reports is computed from these files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from pleval.inputs.declaration import load_declaration
from pleval.inputs.transcripts import load_transcripts
from pleval.survey.data import read_survey_description, site_table

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
SEED = 20240601
YEARS = ("2023-2024", "2024-2025")

# Latent base of each item (0 = an even chance of agreeing) and its change in the second year.
ITEM_BASE = {
    "time_to_collaborate": (-0.5, 0.35),
    "safe_to_try": (2.7, 0.0),
    "admin_support": (1.4, 0.1),
    "funding_sustain": (-0.7, -0.3),
    "initiative_overload": (0.5, 0.1),
    "shared_practices": (0.5, 0.4),
    "esc_support": (0.9, 0.1),
    "student_voice": (0.3, 0.3),
    "flexible_spaces": (0.0, 0.2),
    "real_world": (-0.1, 0.2),
    "feedback_use": (1.6, 0.1),
    "own_pace": (-0.3, 0.35),
}
# How a role shifts some items (leaders see more support and time than teachers do).
ROLE_SHIFT = {
    "principal": {"admin_support": 1.2, "time_to_collaborate": 0.7, "funding_sustain": 0.6, "safe_to_try": 0.5},
    "assistant_principal": {"admin_support": 0.9, "time_to_collaborate": 0.5},
    "instructional_coach": {"shared_practices": 0.6, "esc_support": 0.7, "time_to_collaborate": 0.3},
    "paraprofessional": {"student_voice": -0.3, "feedback_use": -0.4},
}
THRESHOLDS = np.array([-2.2, -0.9, 0.0, 1.6])  # latent cut points between the five levels; agreeing is above 0
RESPONDENTS_PER_YEAR = {"elementary": (16, 26), "middle": (20, 32), "high": (28, 44), "k-8": (22, 30)}
# Which schools took part in which year, and how the late paper surveys were returned.
NOT_IN_SECOND_YEAR = {"Harvest Ridge High School"}
FEW_IN_SECOND_YEAR = {"Quarry Hill Middle School": 8}  # too few to report on their own: suppressed
LATE_PAPER_SCHOOLS = {"Coal Run Middle School", "Sandstone Valley Elementary"}
ROLE_LABELS_PLATFORM = {"teacher": "Classroom teacher", "principal": "Building administrator",
                        "assistant_principal": "Assistant administrator"}
ROLE_LABELS_PLAIN = {"teacher": "Teacher", "instructional_coach": "Instructional coach", "principal": "Principal",
                     "assistant_principal": "Assistant principal", "intervention_specialist": "Intervention specialist",
                     "paraprofessional": "Paraprofessional", "counselor": "Counselor"}


def _roles(rng: np.random.Generator, count: int) -> list[str]:
    """A school's staff answering: one principal, maybe an assistant principal, a few specialists, teachers."""
    roles = ["principal"]
    roles += ["assistant_principal"] * int(rng.random() < 0.5)
    roles += ["instructional_coach"] * int(rng.integers(0, 3))
    roles += ["intervention_specialist"] * int(rng.integers(1, 3))
    roles += ["paraprofessional"] * int(rng.integers(0, 3))
    roles += ["counselor"] * int(rng.random() < 0.4)
    roles = roles[:count]
    roles += ["teacher"] * (count - len(roles))
    return [str(role) for role in rng.permutation(roles)]


def _answers(rng, items, levels, school_effect, year_index, role) -> list[str]:
    leaning = rng.normal(0, 0.6)
    stops_after = int(rng.integers(4, len(items))) if rng.random() < 0.03 else len(items)
    answers = []
    for position, item in enumerate(items):
        base, change = ITEM_BASE[item]
        latent = (base + school_effect + change * year_index + ROLE_SHIFT.get(role, {}).get(item, 0.0) + leaning
                  + rng.logistic(0, 0.8))
        level = levels[int(np.searchsorted(THRESHOLDS, latent))]
        draw = rng.random()
        unsure = 0.12 if (item == "esc_support" and role in ("paraprofessional", "counselor")) else 0.02
        if position >= stops_after or draw < 0.025:
            level = ""
        elif draw < 0.025 + unsure:
            level = "Not applicable" if item == "esc_support" else "Don't know"
        answers.append(level)
    return answers


def generate(rng: np.random.Generator) -> dict[str, list[dict]]:
    """Every response, keyed by the file it goes to."""
    declaration = load_declaration(PROJECT / "pleval.yaml").value
    if declaration is None:
        raise SystemExit("the sample's pleval.yaml has errors: run pleval validate")
    survey, problems = read_survey_description(HERE / "survey.yaml", declaration=declaration)
    if survey is None:
        raise SystemExit("\n".join(str(p) for p in problems))
    missing = set(survey.item_ids) - set(ITEM_BASE)
    if missing:
        raise SystemExit(f"no generating parameters for item(s) {', '.join(sorted(missing))}")
    transcripts, _ = load_transcripts(PROJECT / "data" / "transcripts", PROJECT, site_key=declaration.site.key)
    schools = site_table(transcripts, survey, declaration).rename(columns={"site": "school"})
    items, levels = survey.item_ids, survey.scales["agreement"].levels
    files: dict[str, list[dict]] = {"responses_2023-2024.csv": [], "responses_2024-2025.xlsx": [],
                                    "responses_2024-2025_late.csv": []}
    school_effect = {row.school: rng.normal(0, 0.5) for row in schools.itertuples()}
    for year_index, year in enumerate(YEARS):
        number = 0
        for school in schools.itertuples():
            if year_index == 1 and school.school in NOT_IN_SECOND_YEAR:
                continue
            low, high = RESPONDENTS_PER_YEAR[school.school_level]
            count = int(rng.integers(low, high + 1))
            if year_index == 1:
                count = FEW_IN_SECOND_YEAR.get(school.school, count)
            if year_index == 0:
                target = "responses_2023-2024.csv"
            else:
                target = ("responses_2024-2025_late.csv" if school.school in LATE_PAPER_SCHOOLS
                          else "responses_2024-2025.xlsx")
            start = dt.date(2024 + year_index, 4, 1)
            for role in _roles(rng, count):
                number += 1
                labels = ROLE_LABELS_PLATFORM if target.endswith(".xlsx") else ROLE_LABELS_PLAIN
                answers = _answers(rng, items, levels, school_effect[school.school], year_index, role)
                if target.endswith(".xlsx"):  # the platform exports answers as their numbers on the scale
                    answers = [levels.index(a) + 1 if a in levels else a for a in answers]
                submitted = start + dt.timedelta(days=int(rng.integers(0, 45)))
                files[target].append({"respondent": f"R{year[2:4]}-{number:04d}", "school": school.school,
                                      "year": year, "role": labels.get(role, ROLE_LABELS_PLAIN[role]),
                                      "submitted": submitted.isoformat(), **dict(zip(items, answers))})
    return files


def write_csv(path: Path, rows: list[dict], delimiter: str) -> None:
    """As Excel saves "CSV UTF-8": a BOM, CRLF line ends, quotes only where needed."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def write_xlsx(path: Path, rows: list[dict]) -> None:
    """An .xlsx whose bytes depend only on its content (fixed document and zip entry times)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Responses"
    header = [name.capitalize() if name in ("respondent", "school", "year", "role") else name for name in rows[0]]
    sheet.append(header)
    for row in rows:
        sheet.append(list(row.values()))
    fixed = dt.datetime(2025, 6, 1)
    workbook.properties.created = workbook.properties.modified = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":  # openpyxl stamps the time of saving as 'modified'
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + fixed.isoformat().encode() + b"Z",
                                 content)
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=fixed.timetuple()[:6]), content,
                            compress_type=zipfile.ZIP_DEFLATED)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the respondent files to")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = generate(np.random.default_rng(SEED))
    for name, rows in files.items():
        if name.endswith(".xlsx"):
            write_xlsx(args.out / name, rows)
        else:
            write_csv(args.out / name, rows, ";" if name.endswith("_late.csv") else ",")
        print(f"wrote {args.out / name}: {len(rows)} responses")


if __name__ == "__main__":
    main()
