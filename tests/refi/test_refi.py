"""REFI-QDA exchange: exports that validate against the XSDs, imports of every real sample, positions in code
points and UTF-16 units, all-or-nothing imports, and the round trip through an empty project."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from lxml import etree

from pleval.cli import main
from pleval.coding.reviewed import reviewed_turns
from pleval.coding.sources import counted_codings
from pleval.coding.store import CodingLog
from pleval.errors import RefiError
from pleval.inputs.cache import load_transcripts_cached
from pleval.inputs.codebook import check_codebook, load_codebook
from pleval.inputs.transcripts import load_transcripts
from pleval.project import Project
from pleval.refi import export_codebook, export_project, import_refi, read_refi
from pleval.refi.description import code_description, parse_description
from pleval.refi.positions import CODE_POINTS, CRLF_AS_ONE, UTF16_CRLF_AS_ONE, UTF16_UNITS

REFI = Path(__file__).parents[3] / "shared" / "refi-qda"
SCHEMAS = REFI / "schema"
SAMPLES = sorted(p for p in (REFI / "samples").glob("*/*") if p.is_file())
FIXTURES = Path(__file__).parents[1] / "fixtures" / "refi"
P = "urn:QDA-XML:project:1.0"

pytestmark = pytest.mark.skipif(not REFI.is_dir(), reason="needs ../shared/refi-qda beside the repository")


def tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def logged(project: Project, coder: str, codebook=None) -> dict:
    return CodingLog(project.root / "data" / "codings", coder).replay().codings(codebook)


def by_id(project: Project) -> dict:
    transcripts, problems = load_transcripts(project.transcripts_dir, project.root, site_key="school")
    assert [p for p in problems if p.severity == "error"] == []
    return {t.id: t for t in transcripts}


@pytest.fixture
def sample_copy(sample_project, tmp_path) -> Project:
    """A private copy of the sample project, for tests that write into it."""
    shutil.copytree(sample_project.root / "data", tmp_path / "sample" / "data")
    shutil.copy(sample_project.declaration_path, tmp_path / "sample" / "pleval.yaml")
    return Project.open(tmp_path / "sample")


@pytest.fixture
def empty_project(tmp_path) -> Project:
    (tmp_path / "empty" / "data").mkdir(parents=True)
    return Project.open(tmp_path / "empty")


def qdpx(path: Path, qde: str, files: dict[str, bytes] = (), inner: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(inner, qde.encode("utf-8"))
        for name, data in dict(files).items():
            archive.writestr(name, data)
    return path


# --- export ------------------------------------------------------------------------------------------------


def test_codebook_export_validates_and_carries_groups_definitions_and_colours(sample_copy, tmp_path):
    written = export_codebook(sample_copy, tmp_path / "codebook.qdc").path
    xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd")).validate(str(written))
    codebook = load_codebook(sample_copy.codebook_path)
    refi = read_refi(written)
    assert [c.name for c in refi.codes] == [g.label for g in codebook.groups]
    assert all(not c.codable for c in refi.codes)
    funding = next(c for c in refi.codes[0].children if c.name == "Funding")
    fields = parse_description(funding.description)
    original = codebook.code("funding")
    assert funding.codable and funding.colour == original.colour
    assert fields["definition"] == original.definition and fields["when_to_use"] == original.when_to_use
    assert fields["examples"] == original.examples and fields["id"] == "funding"


def test_project_export_validates_with_users_sources_selections_and_cases(sample_copy, tmp_path):
    result = export_project(sample_copy, tmp_path / "project.qdpx")
    with zipfile.ZipFile(result.path) as archive:
        document = archive.read("project.qde")
        xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).validate(document.decode("utf-8"))
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".txt")}
    root = etree.fromstring(document)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{{{P}}}User")}
    assert sorted(users.values()) == ["ana", "ben", "consensus", "rules"]
    transcripts = by_id(sample_copy)
    sources = root.findall(f".//{{{P}}}TextSource")
    assert len(sources) == len(transcripts) == len(texts) == result.counts["sources"]
    for source in sources:  # UTF-8, LF, the normalised text, under sources/<GUID>.txt
        text = texts[f"sources/{source.get('guid')}.txt"]
        assert text == transcripts[source.get("name")].text and "\r" not in text
    ana = logged(sample_copy, "ana")
    coded = {(s.getparent().get("name"), int(s.get("startPosition")), int(s.get("endPosition")),
              users[c.get("creatingUser")]) for s in root.iter(f"{{{P}}}PlainTextSelection")
             for c in s.iter(f"{{{P}}}Coding")}
    assert {(t, start, end, "ana") for t, start, end, _ in ana} <= coded
    assert any(coder == "rules" for *_, coder in coded)
    some = next(iter(ana.values()))
    assert transcripts[some.transcript_id].text[some.start:some.end] == some.text
    variables = {v.get("name") for v in root.iter(f"{{{P}}}Variable")}
    assert {"school", "district", "region", "school_level", "locale", "role", "pathway"} <= variables
    cases = [c.get("name") for c in root.iter(f"{{{P}}}Case")]
    assert "Alum Bend High School" in cases and "Natalie Ferris" in cases


def test_guids_are_stable_across_exports(sample_copy, tmp_path):
    first = export_project(sample_copy, tmp_path / "one.qdpx", rules=False).path
    second = export_project(sample_copy, tmp_path / "two.qdpx", rules=False).path
    assert first.read_bytes() == second.read_bytes()

    def guids(path):
        root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
        return {e.get("guid") for e in root.iter() if e.get("guid")}

    log = CodingLog(sample_copy.root / "data" / "codings", "ana")
    event = next(iter(logged(sample_copy, "ana").values()))
    log.append("apply", transcript_id=event.transcript_id, transcript_hash=event.transcript_hash,
               start=event.start, end=event.end, code_id="time", text=event.text)
    third = export_project(sample_copy, tmp_path / "three.qdpx", rules=False).path
    assert guids(first) < guids(third)  # the new coding adds a GUID; nothing else changes
    assert len(guids(third) - guids(first)) == 1


def test_a_broken_transcript_is_skipped_and_reported(make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt"], bad=["no_speaker_labels.txt"])
    result = export_project(project, tmp_path / "project.qdpx", rules=False)
    assert result.counts["sources"] == 1
    assert any("no_speaker_labels.txt" in str(p) and p.severity == "error" for p in result.problems)


def test_control_characters_in_a_memo_do_not_break_the_xml(make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt"])
    CodingLog(project.root / "data" / "codings", "ana").append("memo", memo="page\x0cbreak")
    archive = export_project(project, tmp_path / "project.qdpx", rules=False).path
    root = etree.fromstring(zipfile.ZipFile(archive).read("project.qde"))
    assert "pagebreak" in [n.findtext(f"{{{P}}}PlainTextContent") for n in root.iter(f"{{{P}}}Note")]


# --- the round trip ----------------------------------------------------------------------------------------


def test_round_trip_into_an_empty_project_gives_back_texts_codebook_and_codings(sample_copy, empty_project,
                                                                               tmp_path):
    archive = export_project(sample_copy, tmp_path / "project.qdpx", rules=False).path
    report = import_refi(empty_project, archive)
    before, after = by_id(sample_copy), by_id(empty_project)
    assert sorted(before) == sorted(after) == sorted(report.transcripts_added)
    assert all(before[i].text == after[i].text and before[i].meta == after[i].meta for i in before)
    # the codebook comes back byte for byte (comments and rules too): the export carries the file
    assert empty_project.codebook_path.read_bytes() == sample_copy.codebook_path.read_bytes()
    for coder in ("ana", "ben", "consensus"):
        assert logged(empty_project, coder).keys() == logged(sample_copy, coder).keys()
        assert report.codings[coder] == len(logged(sample_copy, coder))


def test_without_the_codebook_file_the_codes_come_back_from_the_refi_codes_alone(sample_copy, empty_project,
                                                                                 tmp_path):
    archive = export_project(sample_copy, tmp_path / "project.qdpx", rules=False).path
    with zipfile.ZipFile(archive) as original:
        files = {name: original.read(name) for name in original.namelist()}
    root = etree.fromstring(files["project.qde"])
    for element in list(root.iter(f"{{{P}}}Note")) + [root.find(f"{{{P}}}NoteRef")]:
        element.getparent().remove(element)  # as if another tool had dropped pleval's codebook note
    files["project.qde"] = etree.tostring(root)
    stripped = tmp_path / "stripped.qdpx"
    with zipfile.ZipFile(stripped, "w") as archive_out:
        for name, data in files.items():
            archive_out.writestr(name, data)
    import_refi(empty_project, stripped)
    original, imported = load_codebook(sample_copy.codebook_path), load_codebook(empty_project.codebook_path)
    assert (imported.name, imported.version) == (original.name, original.version)
    assert imported.groups == original.groups
    fields = ("id", "label", "group", "parent", "colour", "definition", "when_to_use", "when_not_to_use", "examples")
    assert [[getattr(c, f) for f in fields] for c in imported.codes] == [
        [getattr(c, f) for f in fields] for c in original.codes]
    assert all(not c.rules.phrases for c in imported.codes)  # the rules live only in pleval's codebook file


def test_importing_our_own_export_again_changes_nothing(sample_copy, tmp_path):
    archive = export_project(sample_copy, tmp_path / "project.qdpx").path
    load_transcripts_cached(sample_copy)  # the parse cache is warm, as after any command
    before = tree_hash(sample_copy.root)
    report = import_refi(sample_copy, archive)
    assert tree_hash(sample_copy.root) == before
    assert len(report.transcripts_matched) == 26 and not report.transcripts_added
    memos = sum(len(CodingLog(sample_copy.codings_dir, p.stem).replay().memos())
                for p in sample_copy.codings_dir.glob("*.jsonl"))  # each on its coding, so found again
    assert memos and report.already == report.in_file["codings"] - report.rules_skipped + memos
    assert report.rules_skipped > 0 and not report.codings
    assert [p for p in report.problems if p.severity == "error"] == []


def test_memos_travel_as_notes_on_their_span_transcript_code_and_project(sample_copy, empty_project, tmp_path):
    log = CodingLog(sample_copy.root / "data" / "codings", "ana")
    event = next(iter(logged(sample_copy, "ana").values()))
    turn = {"transcript_id": event.transcript_id, "transcript_hash": event.transcript_hash,
            "segment_id": event.segment_id, "start": event.start, "end": event.end, "text": event.text}
    kept = sum(len(CodingLog(log.path.parent, path.stem).replay().memos()) for path in log.path.parent.glob("*.jsonl"))
    log.append("memo", memo="An early draft.", **turn)
    log.append("memo", memo="She contradicts this later.", **turn)  # the latest memo on a turn is the one kept
    log.append("memo", memo="Check the district budget.", transcript_id=event.transcript_id)
    log.append("memo", memo="Merge with time?", code_id="funding")
    log.append("memo", memo="Second round of coding starts Monday.")
    archive = export_project(sample_copy, tmp_path / "project.qdpx", rules=False).path
    root = etree.fromstring(zipfile.ZipFile(archive).read("project.qde"))
    xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd")).validate(etree.tostring(root).decode())
    notes = {n.get("guid"): n.findtext(f"{{{P}}}PlainTextContent") for n in root.iter(f"{{{P}}}Note")}
    # four memos, the codebook and the sample's own memos (the lead's, each on its consensus coding)
    assert "An early draft." not in notes.values() and len(notes) == 5 + kept
    on_codings = [notes[r.get("targetGUID")] for c in root.iter(f"{{{P}}}Coding") for r in c.findall(f"{{{P}}}NoteRef")]
    assert len(on_codings) == kept
    on_selection = [notes[r.get("targetGUID")] for s in root.iter(f"{{{P}}}PlainTextSelection")
                    for r in s.findall(f"{{{P}}}NoteRef")]
    on_code = [notes[r.get("targetGUID")] for c in root.iter(f"{{{P}}}Code") for r in c.findall(f"{{{P}}}NoteRef")]
    assert on_selection == ["She contradicts this later."] and on_code == ["Merge with time?"]
    import_refi(empty_project, archive)
    memos = {(e.transcript_id, e.start, e.end, e.code_id, e.memo)
             for e in CodingLog(empty_project.root / "data" / "codings", "ana").replay().events if e.action == "memo"}
    assert memos == {(event.transcript_id, event.start, event.end, None, "She contradicts this later."),
                     (event.transcript_id, None, None, None, "Check the district budget."),
                     (None, None, None, "funding", "Merge with time?"),
                     (None, None, None, None, "Second round of coding starts Monday.")}


def test_a_pleval_export_into_a_project_with_another_codebook_brings_the_new_codes_with_their_rules(
        sample_copy, make_project, tmp_path):
    project = make_project()
    report = import_refi(project, export_project(sample_copy, tmp_path / "p.qdpx", rules=False).path)
    codebook = load_codebook(project.codebook_path)  # still valid: the rules' patterns were checked
    sample = load_codebook(sample_copy.codebook_path)
    assert sorted(report.codes_matched) == ["funding", "time"] and len(report.codes_added) == 10
    assert codebook.code("funding").definition == "Money, grants and budgets for the work."  # not overwritten
    assert codebook.code("learner_driven").rules == sample.code("learner_driven").rules
    assert any("code 'funding'" in str(p) for p in report.problems)


def test_a_placeholder_txt_takes_its_text_from_the_docx(make_project, tmp_path):
    import docx

    document = docx.Document()
    for paragraph in ("Interviewer: How is the money?", "María José: The grant ran out last spring."):
        document.add_paragraph(paragraph)
    document.save(tmp_path / "source.docx")
    text = "Interviewer: How is the money?\nMaría José: The grant ran out last spring."
    phrases = {"grant": (text, "The grant ran out"), "plan": (text, "How is the money"),
               "memo": (text, "last spring"), "notes": PHRASES["notes"]}
    template = (FIXTURES / "two_sources.qde").read_text(encoding="utf-8").replace(
        'plainTextPath="PATH1"', f'plainTextPath="PATH1" richTextPath="internal://{SOURCE_1}.docx"')
    qde = interviews_qde_from(template, "NVivo 14.23", UTF16_UNITS, phrases=phrases)
    path = qdpx(tmp_path / "nvivo.qdpx", qde, {f"sources/{SOURCE_1}.txt": b"\n",
                                              f"sources/{SOURCE_1}.docx": (tmp_path / "source.docx").read_bytes(),
                                              f"sources/{SOURCE_2}.txt": FIELD_NOTES.encode()})
    project = make_project()
    report = import_refi(project, path)
    assert any("placed on the Word text" in str(p) for p in report.problems)
    interview = by_id(project)["lakeview-interview-1"]
    assert interview.text == text
    coded = {(interview.text[s:e], c) for (t, s, e, c) in logged(project, "dana-ruiz") if t == interview.id}
    assert coded == {("The grant ran out", "funding"), ("How is the money", "time")}


# --- the real samples --------------------------------------------------------------------------------------


def count(path: Path, element: str) -> int:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data = next(archive.read(n) for n in archive.namelist() if n.endswith(".qde"))
    else:
        data = path.read_bytes()
    return sum(1 for e in etree.fromstring(data).iter() if etree.QName(e).localname == element)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_imports(make_project, sample):
    project = make_project()
    report = import_refi(project, sample)
    assert [p for p in report.problems if p.severity == "error"] == []
    codes, sources, codings = count(sample, "Code"), count(sample, "TextSource"), count(sample, "Coding")
    assert report.in_file == {"codes": codes, "sources": sources, "codings": codings,
                              "selections": count(sample, "PlainTextSelection")}
    assert len(report.codes_added) + len(report.codes_matched) == codes  # every sample's codes are codable
    assert len(report.transcripts_added) + len(report.sources_skipped) == sources
    codebook, problems = check_codebook(project.codebook_path)
    assert codebook is not None, problems
    assert len(codebook.codes) == 2 + len(report.codes_added)
    messages = " ".join(str(p) for p in report.problems)
    if "taguette" in sample.name:
        assert "<Sets> element is empty" in messages
    if "nvivo" in sample.name:  # both of its sources are a "\n" placeholder and an empty .docx
        assert report.sources_skipped and "has no text" in messages
    if "f4" in sample.name:  # a bare .qde: its texts are not with it
        assert "is not in a sources/ folder" in messages


def init_project(folder: Path) -> Project:
    """A project as `pleval init` makes it: the generic profile, no site attribute or role declared."""
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return Project.open(folder)


def validates(project: Project) -> None:
    result = CliRunner().invoke(main, ["validate", "--project", str(project.root)])
    assert result.exit_code == 0 and " 0 error(s)" in result.output, result.output


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_imports_into_a_fresh_project_without_metadata(sample, tmp_path):
    project = init_project(tmp_path / "fresh")
    report = import_refi(project, sample)
    assert [p for p in report.problems if p.severity == "error"] == []
    assert len(report.codes_added) + len(report.codes_matched) == count(sample, "Code")
    assert len(report.transcripts_added) + len(report.sources_skipped) == count(sample, "TextSource")
    validates(project)


def test_a_source_without_metadata_gets_placeholders_not_school_fields(tmp_path):
    project = init_project(tmp_path / "fresh")
    qde, _ = f4_with_texts(tmp_path / "f4")
    report = import_refi(project, qde)  # f4 writes no cases, no variables and no dates
    assert len(report.transcripts_added) == 4 and report.codings == {"f4": 2}
    written = dt.date.fromtimestamp(qde.stat().st_mtime)
    transcripts, problems = load_transcripts(project.transcripts_dir, project.root)
    assert [p for p in problems if p.severity == "error"] == []
    for transcript in transcripts:
        meta = transcript.meta
        assert (meta.type, meta.date, meta.interviewer, meta.site, meta.attributes) == (
            "interview", written, "[unknown]", None, {})
        assert [(p.name, p.role) for p in meta.participants] == [("Respondent", "other")]
    said = " ".join(str(p) for p in report.problems)
    assert "no interviewer is named for 4 source(s) ('Interview 15mins', 'Interview 30mins', 'Interview 60mins' " \
        "and 1 more)" in said and "they are dated as the file is" in said
    validates(project)


def test_atlas_ti_set_becomes_the_codes_group(make_project):
    project = make_project()
    import_refi(project, REFI / "samples" / "atlasti" / "atlasti-win-23.4.0_codebook.qdc")
    code = load_codebook(project.codebook_path).code("code1")
    assert (code.group, code.colour, code.definition) == ("code_group_1", "#46AA00", "description")


F4_TEXTS = {  # source GUID -> length; the 60-minute interview is the one with selections
    "333e1cde-f6c3-46c8-98cb-6e92eb1169a1": 300, "fb212a01-b4b5-41ba-bd9f-b66bb210b204": 500,
    "834517f4-6e9f-4425-9bdd-a4be2d36e7a0": 1500, "87c38791-4e98-494a-a0f9-905a813921b4": 80,
}
F4_NOTES = ["768169b3-d336-4ef3-8060-83bcb776a23d", "7b5e2e19-bae9-4450-97d0-f548e3e4ec76",
            "b4352c05-1171-41d9-9d27-401fd25cd8e7"]


def f4_with_texts(folder: Path) -> tuple[Path, dict[str, str]]:
    """The f4 sample with the texts it refers to beside it, as f4 leaves them when it exports."""
    folder.mkdir()
    shutil.copy(REFI / "samples" / "f4" / "f4-2025.2.9_project.qde", folder / "project.qde")
    (folder / "sources").mkdir()
    words = ["wir", "haben", "im", "Team", "die", "Planung", "gemeinsam", "gemacht", "und", "die", "Schüler",
             "arbeiten", "selbständig"]
    texts = {}
    for guid, length in F4_TEXTS.items():
        text, n = "", 0
        while len(text) < length:
            text += words[n % len(words)] + (".\n" if n % 11 == 10 else " ")
            n += 1
        texts[guid] = text
        (folder / "sources" / f"{guid}.txt").write_text(text, encoding="utf-8")
    for number, guid in enumerate(F4_NOTES):
        (folder / "sources" / f"{guid}.txt").write_text(f"Notiz {number}", encoding="utf-8")
    return folder / "project.qde", texts


def test_f4_sample_with_its_texts_imports_codings_and_memo_only_selections(make_project, tmp_path):
    project = make_project()
    qde, texts = f4_with_texts(tmp_path / "f4")
    metadata = tmp_path / "metadata.yaml"
    metadata.write_text("school: Berg School\ndistrict: Berg City\nregion: central\nschool_level: high\n"
                        "locale: urban\npathway: LAUNCH\ninterviewer: Kim Vogel\ndate: 2025-02-03\n")
    report = import_refi(project, qde, metadata=metadata)
    assert len(report.transcripts_added) == 4 and report.codings == {"f4": 2}
    assert report.memos == {"f4": 5}  # two selection descriptions, their two notes, the code's note
    transcripts = by_id(project)
    raw = texts["834517f4-6e9f-4425-9bdd-a4be2d36e7a0"]
    for (tid, start, end, code_id), _event in logged(project, "f4").items():
        # f4's texts have no speaker labels: each paragraph became a turn, and spans moved with the labels
        assert transcripts[tid].text[start:end].replace("Respondent: ", "") in (raw[320:416], raw[995:1260])
        assert code_id == "dies_ist_ein_test_code"
    replay = CodingLog(project.root / "data" / "codings", "f4").replay()
    memos = {e.memo for e in replay.events if e.action == "memo"}
    assert "Notiz 0" in memos and any(m.startswith("Dies ist ein Memo") for m in memos)
    again = import_refi(project, qde, metadata=metadata)
    assert again.codings == {} and again.memos == {} and again.already == 7


def test_missing_metadata_is_reported_for_every_source_and_nothing_is_imported(make_project, tmp_path):
    project = make_project()
    qde, _ = f4_with_texts(tmp_path / "f4")
    before = tree_hash(project.root)
    with pytest.raises(RefiError) as error:
        import_refi(project, qde)
    assert "source 'Interview 15mins'" in str(error.value) and "(and 3 more source(s))" in str(error.value)
    # pleval.yaml requires the sample's site and its attributes (the date now comes from the file: see
    # test_a_source_without_metadata_gets_placeholders_not_school_fields)
    assert "--metadata" in error.value.fix and "region" in error.value.fix and "school" in error.value.fix
    assert tree_hash(project.root) == before


# --- positions: code points, UTF-16 units, BOM, CRLF, emoji ------------------------------------------------

INTERVIEW = ("Interviewer: Tell me about the funding 💸 for the café programme.\r\n"
             "María José: Honestly, the grant ran out, 😬 so we paid for the buses ourselves.\r\n"
             "Interviewer: And time?\r\n"
             "María José: Time is the problem 🕒 here: no time to plan together, ever.\r\n")
FIELD_NOTES = "Observed the café at lunch 🥪.\r\n\r\nTeachers planned together at lunch.\r\n"
PHRASES = {"grant": (INTERVIEW, "the grant ran out"), "plan": (INTERVIEW, "no time to plan together"),
           "memo": (INTERVIEW, "we paid for the buses"), "notes": (FIELD_NOTES, "planned together")}
FALLBACK = {"QualCoder 3.6": "qualcoder", "NVivo 14.23": "nvivo", "ATLAS.ti 24.1": "atlas-ti"}


def position(raw: str, phrase: str, convention: str) -> tuple[int, int]:
    before = raw[: raw.index(phrase)]
    measure = {CODE_POINTS: len, UTF16_UNITS: lambda s: len(s.encode("utf-16-le")) // 2,
               CRLF_AS_ONE: lambda s: len(s.replace("\r\n", "\n")),
               UTF16_CRLF_AS_ONE: lambda s: len(s.replace("\r\n", "\n").encode("utf-16-le")) // 2}[convention]
    return measure(before), measure(before + phrase)


def interviews_qde(origin: str, convention: str, plain_path: str = "internal://{}.txt") -> str:
    """tests/fixtures/refi/two_sources.qde with its origin, text paths and positions filled in."""
    return interviews_qde_from((FIXTURES / "two_sources.qde").read_text(encoding="utf-8"), origin, convention,
                               plain_path)


SOURCE_1, SOURCE_2 = "5b0b3c0e-1d52-4d3c-9a1e-3f2b6c7d8e90", "6c1c4d1f-2e63-4e4d-8b2f-4a3c7d8e9fa1"


def interviews(tmp_path: Path, origin: str, convention: str, **options) -> Path:
    files = {f"Sources/{SOURCE_1}.txt": "\ufeff".encode() + INTERVIEW.encode("utf-8"),
             f"Sources/{SOURCE_2}.txt": FIELD_NOTES.encode("utf-8")}
    # an inner document not named project.qde, and Sources/ with a capital S, as some tools write them
    return qdpx(tmp_path / "interviews.qdpx", interviews_qde(origin, convention, **options), files,
                inner="Lakeview export.qde")


@pytest.mark.parametrize("origin, convention", [("QualCoder 3.6", CODE_POINTS), ("NVivo 14.23", UTF16_UNITS),
                                                ("ATLAS.ti 24.1", CRLF_AS_ONE)])
def test_spans_cover_the_words_the_tool_meant(make_project, tmp_path, origin, convention):
    project = make_project()
    report = import_refi(project, interviews(tmp_path, origin, convention, plain_path="{}.txt"))
    assert not [p for p in report.problems if "positions read as" in str(p)]
    transcripts = by_id(project)
    coded = {code: transcripts[tid].text[start:end] for (tid, start, end, code) in logged(project, "dana-ruiz")}
    assert coded == {"funding": "the grant ran out", "time": "no time to plan together"}
    fallback = logged(project, FALLBACK[origin])  # a coding that names no user goes to the tool's log
    assert {transcripts[tid].text[start:end]: code for (tid, start, end, code) in fallback} == {
        "planned together": "time"}
    notes = transcripts["field-notes"]  # a name that is not a safe id is made one
    assert notes.text.startswith("Respondent: Observed the café") and len(notes.turns) == 2


@pytest.mark.parametrize("origin, written, found", [("SomeTool 1.0", UTF16_UNITS, UTF16_UNITS),
                                                     ("ATLAS.ti 24.1", UTF16_CRLF_AS_ONE, UTF16_CRLF_AS_ONE)])
def test_positions_counted_otherwise_than_the_origin_says_are_found_and_reported(make_project, tmp_path, origin,
                                                                                 written, found):
    project = make_project()
    report = import_refi(project, interviews(tmp_path, origin, written))
    assert any(f"positions read as {found}," in str(p) for p in report.problems)
    transcripts = by_id(project)
    assert {transcripts[t].text[s:e] for (t, s, e, _) in logged(project, "dana-ruiz")} == {
        "the grant ran out", "no time to plan together"}


def test_cases_and_variables_become_metadata(make_project, tmp_path):
    project = make_project()
    import_refi(project, interviews(tmp_path, "QualCoder 3.6", CODE_POINTS))
    meta = by_id(project)["lakeview-interview-1"].meta
    assert meta.site == "Lakeview Middle School"
    assert meta.attributes == {"district": "Lakeview City", "region": "central", "school_level": "middle",
                               "locale": "urban", "pathway": "LAUNCH"}
    assert (meta.interviewer, str(meta.date), meta.type) == ("Dana Ruiz", "2025-03-04", "interview")
    people = [(p.name, p.role, p.attributes.get("years_in_role")) for p in meta.participants]
    assert people == [("María José", "teacher", "7")]


def test_zero_length_and_memo_only_selections(make_project, tmp_path):
    project = make_project()
    qde = interviews_qde("QualCoder 3.6", CODE_POINTS).replace(
        "<!--EXTRA-->",
        '<PlainTextSelection guid="0e0e0e0e-0000-4000-8000-000000000001" startPosition="5" endPosition="5">'
        '<Coding guid="0e0e0e0e-0000-4000-8000-000000000002" creatingUser="11111111-2222-4333-8444-555555555555">'
        '<CodeRef targetGUID="aaaaaaaa-0000-4000-8000-000000000002"/></Coding></PlainTextSelection>')
    path = qdpx(tmp_path / "x.qdpx", qde, {f"sources/{SOURCE_1}.txt": INTERVIEW.encode(),
                                          f"sources/{SOURCE_2}.txt": FIELD_NOTES.encode()})
    report = import_refi(project, path)
    codings = logged(project, "dana-ruiz")
    assert any(start == end for (_, start, end, _) in codings)
    memos = [e for e in CodingLog(project.root / "data" / "codings", "qualcoder").replay().events
             if e.action == "memo"]
    assert [m.memo for m in memos] == ["Buses came up twice."]
    assert by_id(project)[memos[0].transcript_id].text[memos[0].start:memos[0].end] == "we paid for the buses"
    assert report.memos == {"qualcoder": 1}


# --- what the coders reviewed ------------------------------------------------------------------------------


def reviewed_by(project: Project, coder: str) -> dict[str, set[int]]:
    return reviewed_turns(CodingLog(project.root / "data" / "codings", coder).replay(), by_id(project))


@pytest.mark.parametrize("reviewed, field_notes, sources", [
    (None, {0, 1}, {"consensus": 0, "human": 2, "rules": 0}),  # the default: whole documents coded through
    ("transcripts", {0, 1}, {"consensus": 0, "human": 2, "rules": 0}),
    ("coded", {1}, {"consensus": 0, "human": 1, "rules": 1}),
])
def test_reviewed_says_which_turns_of_a_coded_source_count_as_the_coders(make_project, tmp_path, reviewed,
                                                                         field_notes, sources):
    project = make_project()
    options = {} if reviewed is None else {"reviewed": reviewed}
    report = import_refi(project, interviews(tmp_path, "QualCoder 3.6", CODE_POINTS), **options)
    # qualcoder coded one of the field notes' two paragraphs, and wrote a memo on a turn of the interview, where
    # it coded nothing: that turn is reviewed (the memo), the interview's other turn is not
    assert reviewed_by(project, "qualcoder") == {"field-notes": field_notes, "lakeview-interview-1": {1}}
    assert reviewed_by(project, "dana-ruiz") == {"lakeview-interview-1": {1, 3}}  # coded both turns: no review
    counted = counted_codings(project)
    assert counted.source_counts(["field-notes"]) == sources
    assert counted.source_counts(["lakeview-interview-1"]) == {"consensus": 0, "human": 2, "rules": 0}
    reviews = [e for e in CodingLog(project.root / "data" / "codings", "qualcoder").replay().events
               if e.action == "review"]
    if field_notes == {1}:
        assert reviews == [] and report.reviews == {}
        return
    notes = by_id(project)["field-notes"]
    turn = notes.turns[0]
    [review] = reviews  # as the coding session's done() writes it: the whole turn
    assert (review.segment_id, review.start, review.end, review.text) == ("field-notes:t000", turn.start, turn.end,
                                                                          turn.text)
    assert review.transcript_hash == notes.text_hash
    assert review.codebook_hash == load_codebook(project.codebook_path).hash
    assert report.reviews == {"qualcoder": 1} and "1 uncoded turn(s)" in report.summary()


def test_importing_twice_marks_no_turn_reviewed_twice(make_project, tmp_path):
    project = make_project()
    path = interviews(tmp_path, "QualCoder 3.6", CODE_POINTS)
    import_refi(project, path, reviewed="coded")
    report = import_refi(project, path)  # the same file, now said to be coded through: the missing review only
    assert report.reviews == {"qualcoder": 1} and not report.codings
    before = tree_hash(project.root)
    report = import_refi(project, path)
    assert report.reviews == {} and tree_hash(project.root) == before


def test_a_failure_while_writing_the_reviews_takes_back_everything(make_project, tmp_path, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt"])
    codebook = project.codebook_path.read_bytes()
    path = interviews(tmp_path, "QualCoder 3.6", CODE_POINTS)
    append_many = CodingLog.append_many

    def no_room_for_reviews(self, action, many):
        if action == "review":
            raise OSError("no space left on device")
        return append_many(self, action, many)

    monkeypatch.setattr(CodingLog, "append_many", no_room_for_reviews)
    with pytest.raises(OSError):
        import_refi(project, path)
    assert sorted(by_id(project)) == ["two-speakers"] and project.codebook_path.read_bytes() == codebook
    folder = project.root / "data" / "codings"
    for log in folder.glob("*.jsonl"):  # appended events are taken back by undo: none is in force
        assert CodingLog(folder, log.stem).replay().effective() == []


def test_cli_passes_reviewed_on(make_project, tmp_path):
    project = make_project()
    path = interviews(tmp_path, "QualCoder 3.6", CODE_POINTS)
    result = CliRunner().invoke(main, ["import", "refi", str(path), "--reviewed", "coded",
                                       "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert reviewed_by(project, "qualcoder")["field-notes"] == {1}
    with pytest.raises(RefiError, match="unknown --reviewed 'all'"):
        import_refi(project, path, reviewed="all")


# --- codebook merge ----------------------------------------------------------------------------------------


def test_codebook_merge_keeps_comments_reports_conflicts_and_appends_new_codes(make_project):
    project = make_project()
    original = project.codebook_path.read_text()
    report = import_refi(project, FIXTURES / "namespace_0_4.qdc")
    merged = project.codebook_path.read_text()
    lines = iter(merged.split("\n"))
    assert all(line in lines for line in original.rstrip("\n").split("\n"))  # every line kept, in order
    assert merged.startswith("# A small valid codebook")
    codebook = load_codebook(project.codebook_path)
    assert codebook.code("funding").definition == "Money, grants and budgets for the work."
    assert any("code 'funding'" in str(p) and "definition" in str(p) for p in report.problems)
    transport = codebook.code("transport")
    assert (transport.group, transport.parent, transport.colour) == ("barriers", "funding", "#d95f02")
    assert transport.when_to_use == "Getting students to sites." and transport.examples == ["The bus broke down."]
    assert report.codes_matched == ["funding"] and report.codes_added == ["transport"]
    assert report.groups_added == []  # the Set "Logistics" is not needed: Transport sits in Barriers


def test_description_round_trip():
    code = load_codebook(Path(__file__).parents[1] / "fixtures" / "codebooks" / "two_codes.yaml").code("funding")
    fields = parse_description(code_description(code, "barriers"))
    assert fields == {"definition": code.definition, "when_to_use": code.when_to_use,
                      "when_not_to_use": code.when_not_to_use, "examples": code.examples, "id": "funding"}
    assert parse_description("Just a note from NVivo.") == {"definition": "Just a note from NVivo."}


# --- all or nothing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("break_it, message", [
    (lambda q: q.replace("</Project>", ""), "not well-formed XML"),
    (lambda q: q.replace('targetGUID="aaaaaaaa-0000-4000-8000-000000000002"',
                         'targetGUID="99999999-0000-4000-8000-000000000002"'), "which the file does not define"),
    (lambda q: q.replace('endPosition="NOTES_END"', 'endPosition="9999"'), "does not fit its text"),
    (lambda q: q.replace('<SourceRef targetGUID="6c1c4d1f-2e63-4e4d-8b2f-4a3c7d8e9fa1"/>', ""),
     "source 'Field notes': metadata: missing required key"),
])
def test_a_broken_file_leaves_the_project_exactly_as_it_was(make_project, tmp_path, break_it, message):
    project = make_project(transcripts=["two_speakers.txt"])
    CodingLog(project.root / "data" / "codings", "dana-ruiz").append("memo", memo="before the import")
    load_transcripts_cached(project)
    before = tree_hash(project.root)
    broken = interviews_qde_from(break_it((FIXTURES / "two_sources.qde").read_text(encoding="utf-8")))
    path = qdpx(tmp_path / "broken.qdpx", broken, {f"sources/{SOURCE_1}.txt": INTERVIEW.encode(),
                                                   f"sources/{SOURCE_2}.txt": FIELD_NOTES.encode()})
    with pytest.raises(RefiError) as error:
        import_refi(project, path)
    assert message in str(error.value) and "broken.qdpx" in str(error.value)
    assert tree_hash(project.root) == before


def interviews_qde_from(template: str, origin: str = "QualCoder 3.6", convention: str = CODE_POINTS,
                        plain_path: str = "internal://{}.txt", phrases: dict = PHRASES) -> str:
    for name, (raw, phrase) in phrases.items():
        start, end = position(raw, phrase, convention)
        template = template.replace(f"{name.upper()}_START", str(start)).replace(f"{name.upper()}_END", str(end))
    return template.replace("ORIGIN", origin).replace("PATH1", plain_path.format(SOURCE_1)).replace(
        "PATH2", plain_path.format(SOURCE_2))


def test_a_source_named_like_a_transcript_with_other_text_is_refused(make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt"])
    qde = interviews_qde("QualCoder 3.6", CODE_POINTS).replace('name="Field notes"', 'name="two-speakers"')
    path = qdpx(tmp_path / "clash.qdpx", qde, {f"sources/{SOURCE_1}.txt": INTERVIEW.encode(),
                                              f"sources/{SOURCE_2}.txt": FIELD_NOTES.encode()})
    load_transcripts_cached(project)
    before = tree_hash(project.root)
    with pytest.raises(RefiError, match="has the id of transcript data/transcripts/two_speakers.txt"):
        import_refi(project, path)
    assert tree_hash(project.root) == before


def test_a_failure_while_writing_takes_back_what_was_written(make_project, tmp_path, monkeypatch):
    project = make_project(transcripts=["two_speakers.txt"])
    path = interviews(tmp_path, "QualCoder 3.6", CODE_POINTS)
    load_transcripts_cached(project)
    before = tree_hash(project.root)

    def full_disk(self, action, many):
        raise OSError("no space left on device")

    monkeypatch.setattr(CodingLog, "append_many", full_disk)
    with pytest.raises(OSError):
        import_refi(project, path)
    assert tree_hash(project.root) == before


# --- command line ------------------------------------------------------------------------------------------


def test_cli_exports_and_imports(sample_copy, empty_project, tmp_path):
    runner = CliRunner()
    qdc, archive = tmp_path / "codebook.qdc", tmp_path / "project.qdpx"
    result = runner.invoke(main, ["export", "refi", "codebook", str(qdc), "--project", str(sample_copy.root)])
    assert result.exit_code == 0 and "12 codes in 3 groups" in result.output and qdc.exists()
    result = runner.invoke(main, ["export", "refi", "project", str(archive), "--no-rules",
                                  "--project", str(sample_copy.root)])
    assert result.exit_code == 0 and "26 sources" in result.output
    result = runner.invoke(main, ["import", "refi", str(archive), "--project", str(empty_project.root)])
    assert result.exit_code == 0, result.output
    assert "transcripts: 26 added" in result.output and "ana (253)" in result.output
    result = runner.invoke(main, ["validate", "--project", str(empty_project.root)])
    assert result.exit_code == 0, result.output


def test_cli_reports_a_bad_file_on_one_line(empty_project, tmp_path):
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook><Codes>")
    result = CliRunner().invoke(main, ["import", "refi", str(bad), "--project", str(empty_project.root)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "bad.qdc:1" in result.output and "not well-formed XML" in result.output
