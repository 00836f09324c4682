"""REFI-QDA Cases and Variables for any evaluation: which case is the site and which a participant, every
variable kept as an attribute, and the metadata of a school project and of a clinic project through an export
and back into a project made by ``pleval init``."""

from __future__ import annotations

import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
import xmlschema
import yaml
from lxml import etree

from pleval.coding.store import CodingLog
from pleval.errors import RefiError
from pleval.inputs.transcripts import load_transcripts
from pleval.project import Project
from pleval.refi import export_project, import_refi, read_refi
from pleval.refi.cases import read_cases
from pleval.scaffold import create_project
from pleval.schema import Declaration
from pleval.validate import validate_project

REFI = Path(__file__).parents[3] / "shared" / "refi-qda"
NVIVO = REFI / "samples" / "nvivo" / "nvivo-mac-15.0.0_nvivo_project.qdpx"
REPO = Path(__file__).parents[2]
P = "urn:QDA-XML:project:1.0"

pytestmark = pytest.mark.skipif(not REFI.is_dir(), reason="needs ../shared/refi-qda beside the repository")


def fresh_project(folder: Path, declaration: str | Path | None = None) -> Project:
    """A project as ``pleval init`` makes it (the generic profile), with ``declaration`` as its pleval.yaml."""
    project = create_project(folder)
    if isinstance(declaration, Path):
        shutil.copy(declaration, project.declaration_path)
    elif declaration is not None:
        project.declaration_path.write_text(declaration, encoding="utf-8")
    return project


def transcripts(project: Project, site_key: str = "site") -> dict:
    found, problems = load_transcripts(project.transcripts_dir, project.root, site_key=site_key)
    assert [p for p in problems if p.severity == "error"] == []
    return {t.id: t for t in found}


def no_errors(project: Project) -> None:
    report, _ = validate_project(project)
    assert report.errors == [], [str(p) for p in report.errors]


def messages(report) -> list[str]:
    return [str(p) for p in report.problems]


# --- the NVivo sample (a project of the qc tool), with its texts and its cases --------------------------------

NVIVO_SOURCES = ("d097e6fd-7671-4d95-a8b6-7795fa4a72e1", "e65f5ee2-9a55-47f1-bb0b-4921d8ce15c4")
NVIVO_TEXTS = (
    "Interviewer: How did the evening sessions go?\n"
    "Jordan Lee: Better than we hoped. Families came back every week.\n",
    "Interviewer: What made you come back?\n"
    "Ana Ruiz: The coding club for my daughter.\n"
    "Ben Cho: Honestly, the free dinner.\n",
)
NAMESPACE = uuid.UUID("0c6e2a1b-5d4f-4e8a-9b3c-7a1d2e3f4a5b")
VALUE_ELEMENTS = {"Text": "TextValue", "Integer": "IntegerValue"}


def guid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def cases_xml(variables: dict[str, str], cases: list[tuple[str, dict[str, object], tuple[str, ...]]]) -> str:
    """``<Variables>`` and ``<Cases>`` as the tools write them: variable name -> type, and for each case its
    name, its values by variable name and the GUIDs of the sources it holds."""
    lines = ["<Variables>"]
    lines += [f'<Variable guid="{guid("variable", name)}" name="{name}" typeOfVariable="{kind}"/>'
              for name, kind in variables.items()]
    lines += ["</Variables>", "<Cases>"]
    for name, values, sources in cases:
        lines.append(f'<Case guid="{guid("case", name)}" name="{name}">')
        for variable, value in values.items():
            element = VALUE_ELEMENTS[variables[variable]]
            lines.append(f'<VariableValue><VariableRef targetGUID="{guid("variable", variable)}"/>'
                         f"<{element}>{value}</{element}></VariableValue>")
        lines += [f'<SourceRef targetGUID="{source}"/>' for source in sources]
        lines.append("</Case>")
    return "\n".join([*lines, "</Cases>", ""])


# NVivo writes each case classification's attributes as Variables and each case's values on the Case; the
# site's case holds both interviews, each person's case the interview they speak in
NVIVO_CASES = cases_xml(
    {"State": "Text", "County": "Text", "Opened": "Integer", "Type": "Text", "Role": "Text",
     "Years in program": "Integer", "Age group": "Text"},
    [("Eastside Community Center", {"State": "Oregon", "County": "Lane", "Opened": 2019, "Type": "Community center"},
      NVIVO_SOURCES),
     ("Jordan Lee", {"Role": "Program officer", "Years in program": 3}, NVIVO_SOURCES[:1]),
     ("Ana Ruiz", {"Age group": "35-44"}, NVIVO_SOURCES[1:]),
     ("Ben Cho", {"Age group": "25-34"}, NVIVO_SOURCES[1:])])


def nvivo_with_cases(folder: Path) -> Path:
    """The NVivo sample with text in its two placeholder .txt files and the cases above."""
    path = folder / "nvivo-with-cases.qdpx"
    with zipfile.ZipFile(NVIVO) as original, zipfile.ZipFile(path, "w") as archive:
        for name in original.namelist():
            data = original.read(name)
            if name == "project.qde":
                data = data.replace(b"<Sources>", NVIVO_CASES.encode() + b"<Sources>", 1)
            for guid, text in zip(NVIVO_SOURCES, NVIVO_TEXTS, strict=True):
                if name == f"sources/{guid}.txt":
                    data = text.encode()
            archive.writestr(name, data)
    return path


def test_nvivo_cases_give_the_site_its_attributes_and_the_participants_theirs(tmp_path):
    project = fresh_project(tmp_path / "fresh")
    report = import_refi(project, nvivo_with_cases(tmp_path))
    assert len(report.transcripts_added) == 2
    found = transcripts(project)
    interview, group = (found[tid] for tid in report.transcripts_added)
    for transcript in (interview, group):
        meta = transcript.meta
        assert meta.site == "Eastside Community Center"  # the case holding both interviews is the site...
        assert "Eastside Community Center" not in [p.name for p in meta.participants]  # ...not a participant
        # every variable arrived: 'Type' would be the transcript's type, so it is the site's type
        assert meta.attributes == {"state": "Oregon", "county": "Lane", "opened": "2019",
                                   "site_type": "Community center"}
        assert str(meta.date) == "2024-09-15"  # the source's creation date
    people = {p.name: (p.role, p.attributes) for t in (interview, group) for p in t.meta.participants}
    assert people == {"Jordan Lee": ("program_officer", {"years_in_program": "3"}),
                      "Ana Ruiz": ("other", {"age_group": "35-44"}), "Ben Cho": ("other", {"age_group": "25-34"})}
    assert (interview.meta.type, group.meta.type) == ("interview", "focus_group")
    said = messages(report)
    for variable in ("State", "County", "Opened", "Type", "Years in program", "Age group"):
        assert sum(f"variable '{variable}' was kept" in m for m in said) == 1  # reported once, by name
    no_errors(project)


def test_a_declared_site_word_and_declared_values_are_used(tmp_path):
    declaration = ("site: {key: center, singular: center, plural: centers}\n"
                   "site_attributes:\n  - {name: state, values: [oregon, washington]}\n  - {name: county}\n"
                   "  - {name: opened}\n  - {name: center_type}\n"
                   "participant_attributes:\n  - {name: years_in_program}\n  - {name: age_group}\n")
    project = fresh_project(tmp_path / "fresh", declaration)
    report = import_refi(project, nvivo_with_cases(tmp_path))
    meta = transcripts(project, "center")[report.transcripts_added[0]].meta
    assert meta.site == "Eastside Community Center" and meta.attributes["state"] == "oregon"  # as declared
    assert meta.attributes["center_type"] == "Community center"
    assert not any("was kept" in m for m in messages(report))  # every variable is declared
    text = (project.transcripts_dir / f"{meta.id}.txt").read_text(encoding="utf-8")
    assert "\ncenter: Eastside Community Center\n" in text and "\nsite:" not in text  # the project's key
    no_errors(project)


def test_a_project_requiring_what_the_cases_do_not_give_imports_nothing(tmp_path):
    project = fresh_project(tmp_path / "fresh", "site_attributes:\n  - {name: state, required: true}\n"
                                                "  - {name: cohort, required: true}\n")
    with pytest.raises(RefiError, match="missing required key\\(s\\) cohort") as error:
        import_refi(project, nvivo_with_cases(tmp_path))
    assert "--metadata" in error.value.fix and "cohort" in error.value.fix
    assert list(project.transcripts_dir.iterdir()) == []


# --- a project written as the qc tool writes it, with cases saying what they are -----------------------------

QC_TEXTS = {
    "interviews/maria.txt": "The reading room is where I learned English.\nNow I teach the evening class.\n",
    "interviews/field-notes.txt": "Twelve people at the evening class.\nMost came by bus.\n",
}


def qc_project(folder: Path) -> Path:
    """A project as qc's REFI writer lays it out (sources named by their path, one selection per coded line,
    GUIDs from md5), with Cases whose 'Case type' says what each is."""
    guids = {name: f"{number:08d}-0000-4000-8000-000000000000" for number, name in enumerate(QC_TEXTS, 1)}
    first_line = QC_TEXTS["interviews/maria.txt"].split("\n")[0]
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" origin="qc 2.3.0" name="qc project">
<Users><User name="chris" guid="c0000000-0000-4000-8000-000000000001"/></Users>
<CodeBook><Codes><Code name="learning" guid="d0000000-0000-4000-8000-000000000001" isCodable="true"/></Codes></CodeBook>
{cases_xml(
        {"Case type": "Text", "State": "Text", "Service area": "Text", "Site": "Text", "Role": "Text",
         "Languages": "Text"},
        [("Riverbend Library", {"Case type": "Site", "State": "Vermont", "Service area": "rural"},
          (guids["interviews/maria.txt"], guids["interviews/field-notes.txt"])),
         ("María Ortiz", {"Case type": "Person", "Site": "Riverbend Library", "Role": "Volunteer tutor",
                          "Languages": "Spanish; English"}, (guids["interviews/maria.txt"],))])}
<Sources>
<TextSource plainTextPath="internal://{guids['interviews/maria.txt']}.txt" guid="{guids['interviews/maria.txt']}"
 name="interviews/maria.txt">
<PlainTextSelection guid="a1000000-0000-4000-8000-000000000001" name="line:0" startPosition="0"
 endPosition="{len(first_line)}">
<Coding guid="a1000000-0000-4000-8000-000000000002" creatingUser="c0000000-0000-4000-8000-000000000001">
<CodeRef targetGUID="d0000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>
</TextSource>
<TextSource plainTextPath="internal://{guids['interviews/field-notes.txt']}.txt"
 guid="{guids['interviews/field-notes.txt']}" name="interviews/field-notes.txt"/>
</Sources>
</Project>"""
    path = folder / "qc.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, text in QC_TEXTS.items():
            archive.writestr(f"sources/{guids[name]}.txt", text)
    return path


def test_qc_cases_say_which_is_the_site_and_which_a_participant(tmp_path):
    project = fresh_project(tmp_path / "fresh")
    report = import_refi(project, qc_project(tmp_path))
    found = transcripts(project)
    maria, notes = found["interviews-maria-txt"].meta, found["interviews-field-notes-txt"].meta
    for meta in (maria, notes):
        assert meta.site == "Riverbend Library"
        assert meta.attributes == {"state": "Vermont", "service_area": "rural"}  # 'Case type' said what it is
        assert "Riverbend Library" not in [p.name for p in meta.participants]
        assert meta.interviewer == "[unknown]"  # nobody says who interviewed: a placeholder to correct
    [person] = maria.participants
    assert (person.name, person.role, person.attributes) == ("María Ortiz", "volunteer_tutor",
                                                              {"languages": "Spanish; English"})
    assert [p.name for p in notes.participants] == ["Respondent"]
    said = " ".join(messages(report))
    assert "no interviewer is named for 2 source(s)" in said and "they are dated as the file is" in said
    text = found["interviews-maria-txt"]
    [(start, end)] = [(e.start, e.end) for e in _codings(project, "chris")]
    assert text.text[start:end] == "The reading room is where I learned English."
    no_errors(project)


def _codings(project: Project, coder: str) -> list:
    return list(CodingLog(project.codings_dir, coder).replay().codings(None).values())


# --- round trips: the sample's schools, and a clinic project -------------------------------------------------


def metadata(project: Project, site_key: str) -> dict:
    return {tid: t.meta for tid, t in transcripts(project, site_key).items()}


def variables(archive: Path) -> tuple[dict[str, str], list[str]]:
    with zipfile.ZipFile(archive) as opened:
        document = opened.read("project.qde")
    xmlschema.XMLSchema(str(REFI / "schema" / "Project.xsd")).validate(document.decode("utf-8"))
    root = etree.fromstring(document)
    kinds = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{{{P}}}Variable")}
    return kinds, [c.get("name") for c in root.iter(f"{{{P}}}Case")]


def test_the_sample_round_trips_into_a_fresh_project_declared_as_it_is(sample_project, tmp_path):
    archive = export_project(sample_project, tmp_path / "sample.qdpx", rules=False).path
    kinds, cases = variables(archive)
    assert kinds["school"] == "Text" and kinds["region"] == "Text"  # the site's key; a declared list is text
    assert kinds["years_in_role"] == "Integer" and kinds["date"] == "Date"
    assert "Alum Bend High School" in cases and "Natalie Ferris" in cases
    project = fresh_project(tmp_path / "fresh", REPO / "pleval.yaml")
    report = import_refi(project, archive)
    assert not any("was kept" in m for m in messages(report))  # every variable is declared
    before, after = metadata(sample_project, "school"), metadata(project, "school")
    assert sorted(before) == sorted(after)
    for tid, meta in before.items():
        assert (after[tid].site, after[tid].attributes) == (meta.site, meta.attributes)
        assert [(p.name, p.role, p.label, p.attributes) for p in after[tid].participants] == [
            (p.name, p.role, p.label, p.attributes) for p in meta.participants]
        assert after[tid] == meta
    no_errors(project)


CLINICS = """site: {key: site, singular: clinic, plural: clinics, required: true}
site_attributes:
  - {name: state, values: [Arizona, Oregon], required: true}
  - {name: county, required: true}
  - {name: funding_round}
participant_attributes:
  - {name: years_in_program}
  - {name: language, values: [English, Spanish]}
roles:
  - {id: community_health_worker}
  - {id: clinic_manager}
  - {id: patient}
redaction: {site_endings: [Clinic]}
"""
CLINIC_TRANSCRIPTS = {
    "desert-sun-chw.txt": """---
id: desert-sun-chw
type: interview
date: 2025-02-11
site: Desert Sun Clinic
state: Arizona
county: Pima
funding_round: 2
interviewer: Kim Lee
participants:
  - {name: Rosa Diaz, role: community_health_worker, years_in_program: 4, language: Spanish}
---
Kim Lee: How do you reach families?
Rosa Diaz: Door to door, mostly, and through the county nurse.
""",
    "cascade-focus-group.txt": """---
id: cascade-focus-group
type: focus_group
date: 2025-03-02
site: Cascade Clinic
state: Oregon
county: Lane
interviewer: Kim Lee
participants:
  - {name: Tom Reed, role: clinic_manager, years_in_program: 2}
  - {name: Ana Cruz, role: patient, language: English, notes: Joined late.}
---
Kim Lee: What changed this year?
Tom Reed: We added evening hours.
Ana Cruz: I could finally come after work.
""",
    "desert-sun-manager.txt": """---
id: desert-sun-manager
type: interview
date: 2025-02-12
site: Desert Sun Clinic
state: Arizona
county: Pima
interviewer: Kim Lee
participants:
  - {name: Lee Park, role: clinic_manager}
---
Kim Lee: What would you change?
Lee Park: More hours for the health workers.
""",
}


def clinic_project(folder: Path) -> Project:
    project = fresh_project(folder, CLINICS)
    for name, text in CLINIC_TRANSCRIPTS.items():
        (project.transcripts_dir / name).write_text(text, encoding="utf-8")
    return project


def test_a_clinic_project_round_trips(tmp_path):  # one clinic's transcripts differ in a funding round
    clinics = clinic_project(tmp_path / "clinics")
    no_errors(clinics)
    archive = export_project(clinics, tmp_path / "clinics.qdpx", rules=False).path
    kinds, cases = variables(archive)
    assert kinds == {"type": "Text", "date": "Date", "interviewer": "Text", "site": "Text", "state": "Text",
                     "county": "Text", "funding_round": "Integer", "role": "Text", "years_in_program": "Integer",
                     "language": "Text"}
    assert sorted(cases) == ["Ana Cruz", "Cascade Clinic", "Desert Sun Clinic", "Lee Park", "Rosa Diaz",
                             "Tom Reed"]
    project = fresh_project(tmp_path / "fresh", CLINICS)
    report = import_refi(project, archive)
    assert sorted(report.transcripts_added) == ["cascade-focus-group", "desert-sun-chw", "desert-sun-manager"]
    assert not any("was kept" in m or "taken" in m for m in messages(report))
    assert metadata(project, "site") == metadata(clinics, "site")
    no_errors(project)


# --- which case is which, on the weakest evidence ----------------------------------------------------------


def kinds_of(tmp_path: Path, variables: dict[str, str], cases: list, texts: dict[str, str],
             declaration: str = "") -> tuple[dict[str, str], list[str]]:
    """How :func:`read_cases` reads ``cases`` of a project whose sources hold ``texts`` (source name -> text),
    and the warnings and reasons it gives."""
    sources = "".join(f'<TextSource guid="{guid("source", name)}" name="{name}"><PlainTextContent>{text}'
                      "</PlainTextContent></TextSource>" for name, text in texts.items())
    cases = [(name, values, tuple(guid("source", s) for s in held)) for name, values, held in cases]
    path = tmp_path / "project.qde"
    path.write_text(f'<Project xmlns="{P}" origin="SomeTool 1.0">{cases_xml(variables, cases)}<Sources>{sources}'
                    "</Sources></Project>", encoding="utf-8")
    refi = read_refi(path)
    index = read_cases(refi, Declaration.model_validate(yaml.safe_load(declaration) or {}),
                       {s.guid: s.text for s in refi.sources})
    return {c.case.name: c.kind for c in index.cases}, [*(str(p) for p in index.problems),
                                                        *(f"{c.case.name}: {c.why}" for c in index.cases)]


GROUP = {"group": "P1: We meet on Tuesdays.\nP2: And I drive."}


def test_a_participant_described_as_the_others_is_one_though_no_label_names_them(tmp_path):
    kinds, why = kinds_of(tmp_path, {"Role": "Text", "Age group": "Text", "State": "Text"}, [
        ("Ana Ruiz", {"Role": "Volunteer", "Age group": "35-44"}, ["group"]),
        ("Ben Cho", {"Age group": "25-34"}, ["group"]),  # no role, and the text labels them P1 and P2
        ("Eastside", {"State": "Oregon"}, ["group"]),  # one source, as its people: the site all the same
    ], GROUP)
    assert kinds == {"Ana Ruiz": "person", "Ben Cho": "person", "Eastside": "site"}
    assert "Ben Cho: its variables are those of participant 'Ana Ruiz'" in why
    assert "Eastside: it shares a source with person 'Ana Ruiz'" in why


def test_the_case_a_participant_belongs_to_is_the_site(tmp_path):
    kinds, _ = kinds_of(tmp_path, {"Role": "Text", "Clinic": "Text", "Age group": "Text"}, [
        ("Ana Ruiz", {"Role": "Nurse", "Clinic": "Desert Sun"}, ["group"]),
        ("Desert Sun", {"Age group": "all"}, ["group"]),  # a variable participants have, yet it is the site
    ], GROUP)
    assert kinds == {"Ana Ruiz": "person", "Desert Sun": "site"}


def test_names_and_declared_attributes_tell_a_site_from_a_person(tmp_path):
    declaration = ("site: {key: branch, singular: branch library, plural: branch libraries}\n"
                   "site_attributes: [{name: county}]\nparticipant_attributes: [{name: age_group}]\n"
                   "redaction: {site_endings: [Library]}\n")
    kinds, problems = kinds_of(tmp_path, {"County": "Text", "Age group": "Text", "Branch": "Text"}, [
        ("Riverbend Library", {}, ["one"]),  # ends as the declared site names end
        ("North", {"County": "Lane"}, ["two"]),  # declared site attribute
        ("Sam", {"Age group": "18-24"}, ["three"]),  # declared participant attribute
        ("Hill", {"Branch": "Hill"}, ["four"]),  # a variable for the site naming the case itself
        ("Somebody", {}, ["five"]),
        ("Somewhere", {}, ["five", "six"]),
        ("Nowhere", {"County": "Lane"}, []),
    ], {name: "Some notes." for name in ("one", "two", "three", "four", "five", "six")}, declaration)
    assert kinds == {"Riverbend Library": "site", "North": "site", "Sam": "person", "Hill": "site",
                     "Somebody": "person", "Somewhere": "site"}
    assert any("case 'Somewhere' was taken as the branch library of its 2 sources" in p for p in problems)
    assert any("case 'Somebody' was taken for the participant" in p and "'branch'" in p for p in problems)
    assert any("case 'Nowhere' holds no source" in p for p in problems)
