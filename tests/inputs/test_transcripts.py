import shutil

import docx
import pytest

from pleval.errors import (
    DecodeError,
    EmptyTranscriptError,
    FrontMatterError,
    NoSpeakersError,
    SrtTimestampError,
    UnknownFormatError,
    UnknownSpeakerError,
    UnsafePathError,
    VttTimestampError,
)
from pleval.inputs.readers import read_source
from pleval.inputs.transcripts import load_transcripts, parse_transcript
from pleval.validate import validate_project

from conftest import FIXTURES


def parse(name, root=FIXTURES / "transcripts"):
    transcript, warnings = parse_transcript(root / name, FIXTURES.parent.parent, site_key="school")
    return transcript


def assert_offsets_slice(transcript):
    for turn in transcript.turns:
        assert transcript.text[turn.start : turn.end] == turn.text


def test_full_name_labels_continuation_lines_and_preamble():
    t = parse("two_speakers.txt")
    assert [turn.role for turn in t.turns] == ["interviewer", "teacher", "interviewer", "teacher"]
    assert t.turns[1].name == "Karen Holtzapple"
    assert t.turns[1].text.endswith("keep the stipends anyway.")  # the continuation line joined the turn
    assert "\n" in t.turns[1].text
    assert "[Recording starts]" not in "".join(turn.text for turn in t.turns)
    assert_offsets_slice(t)
    assert t.turns[1].line == 23  # the line in the file, front matter included


def test_p_number_labels_map_to_participants_and_roles():
    t = parse("focus_group_p_labels.txt")
    assert [(turn.speaker, turn.role) for turn in t.turns[1:4]] == [
        ("P1", "teacher"), ("P2", "teacher"), ("P3", "instructional_coach"),
    ]
    assert t.turns[1].name == "Ann Lee"
    assert t.turns[3].text == "Sorry, go ahead—"  # the next line's label starts a new turn
    assert_offsets_slice(t)


def test_caps_bold_qa_labels_and_timestamps_in_markdown():
    t = parse("caps_and_qa.md")
    speakers = [(turn.speaker, turn.role) for turn in t.turns]
    assert speakers == [
        ("INTERVIEWER", "interviewer"), ("BETH", "instructional_coach"), ("Q", "interviewer"),
        ("A", "instructional_coach"),
    ]
    assert t.turns[1].text == "Busy. Mondays are data meetings."
    assert t.turns[2].start_time == 250.0
    assert_offsets_slice(t)


def test_vtt_voice_tags_merge_consecutive_cues_of_one_speaker():
    t = parse("zoom_voice_tags.vtt")
    assert [turn.role for turn in t.turns] == ["interviewer", "teacher", "interviewer"]
    assert t.turns[1].text == "Yeah, happy to. I teach eighth grade science. And the grant paid for our field trip."
    assert (t.turns[1].start_time, t.turns[1].end_time) == (12.3, 21.0)
    assert t.format == "vtt" and t.meta.participants[0].name == "Luis Ortega"
    assert_offsets_slice(t)


def test_vtt_name_prefixes_and_multi_line_cues():
    t = parse("zoom_name_prefix.vtt")
    assert t.turns[1].text == "Yes, loud and clear. We have no time to plan during the school day."
    assert t.turns[1].role == "district_leader"
    assert t.turns[1].line == 9  # the text line of the turn's first cue


def test_srt_from_zoom_with_name_prefixes_crlf_and_multi_line_cues():
    t = parse("zoom_captions.srt")
    assert t.format == "srt" and [turn.speaker for turn in t.turns] == ["Marcus Oyelaran", "Rita Moreno",
                                                                        "Marcus Oyelaran"]
    assert t.turns[1].text == "Yes, loud and clear. We have no time to plan during the school day."
    assert t.turns[1].role == "district_leader" and t.turns[1].line == 7  # the text line of its first cue
    assert (t.turns[1].start_time, t.turns[1].end_time) == (3.5, 9.0)
    assert_offsets_slice(t)


def test_srt_from_teams_with_voice_tags_reads_as_the_same_vtt():
    srt, vtt = parse("teams_voice_tags.srt"), parse("zoom_voice_tags.vtt")
    assert srt.text == vtt.text and [turn.role for turn in srt.turns] == ["interviewer", "teacher", "interviewer"]
    assert [(turn.start_time, turn.end_time) for turn in srt.turns] == [
        (turn.start_time, turn.end_time) for turn in vtt.turns]
    assert_offsets_slice(srt)


def test_srt_from_otter_continues_a_turn_in_cues_without_a_name():
    t = parse("otter_export.srt")
    assert [turn.speaker for turn in t.turns] == ["Dana Whitfield", "Luis Ortega", "Dana Whitfield"]
    assert t.turns[1].text == ("Busy, honestly. We started the new playlists in October. "
                               "The kids took to them faster than I expected.")
    assert t.turns[1].end_time == 13.4
    assert_offsets_slice(t)


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nA: Hi.\n", 2, "expected a cue's timing line"),
        ("1\n00:00:02,000 --> 00:00:01,000\nA: Hi.\n", 2, "before it starts"),
        ("00:00:01,000 --> 00:00:02,000\nA: Hi.\n\nA: no timing\n", 4, "found 'A: no timing'"),
        ("1\n00:00:01 --> 00:00:02,000\nA: Hi.\n", 2, "malformed cue timing '00:00:01 --> 00:00:02,000'"),
    ],
)
def test_a_broken_srt_cue_is_one_line_with_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "broken.srt"
    path.write_text(text)
    with pytest.raises(SrtTimestampError) as raised:
        read_source(path)
    assert raised.value.line == line and words in str(raised.value) and "broken.srt" in str(raised.value)
    assert "\n" not in str(raised.value) and raised.value.fix


def test_docx_paragraphs_with_sidecar_metadata(tmp_path):
    folder = tmp_path / "data" / "transcripts"
    folder.mkdir(parents=True)
    document = docx.Document()
    for paragraph in ["Interview transcript", "Q: How is it going?", "A: Well, the levy failed.",
                      "So money is tight.", "Q: Thanks."]:
        document.add_paragraph(paragraph)
    document.save(folder / "word-interview.docx")
    meta = (FIXTURES / "transcripts" / "zoom_voice_tags.meta.yaml").read_text().replace(
        "id: zoom-voice-tags", "id: word-interview")
    (folder / "word-interview.meta.yaml").write_text(meta)
    transcript, _ = parse_transcript(folder / "word-interview.docx", tmp_path, site_key="school")
    assert [turn.role for turn in transcript.turns] == ["interviewer", "teacher", "interviewer"]
    assert transcript.turns[1].text == "Well, the levy failed.\nSo money is tight."
    assert transcript.turns[1].line == 3  # paragraph number
    assert_offsets_slice(transcript)


def test_bom_crlf_and_windows_1252_give_the_same_text_and_hash(tmp_path):
    original = (FIXTURES / "transcripts" / "two_speakers.txt").read_text(encoding="utf-8")
    variants = {
        "bom-crlf.txt": ("\ufeff" + original.replace("\n", "\r\n")).encode("utf-8"),
        "cp1252.txt": original.replace("honestly", "honestly\u2019").encode("cp1252"),
    }
    reference = parse("two_speakers.txt")
    (tmp_path / "data").mkdir()
    for name, data in variants.items():
        (tmp_path / "data" / name).write_bytes(data)
    bom, bom_warnings = parse_transcript(tmp_path / "data" / "bom-crlf.txt", tmp_path, site_key="school")
    assert bom.text == reference.text and bom.text_hash == reference.text_hash and bom_warnings == []
    cp, cp_warnings = parse_transcript(tmp_path / "data" / "cp1252.txt", tmp_path, site_key="school")
    assert "honestly\u2019" in cp.text and "Windows-1252" in str(cp_warnings[0])


@pytest.mark.parametrize(
    "name, error, line, words",
    [
        ("empty.txt", EmptyTranscriptError, None, "empty"),
        ("no_speaker_labels.txt", NoSpeakersError, 15, "speaker label"),
        ("unknown_speaker.txt", UnknownSpeakerError, 19, "Karn Holtzaple"),
        ("broken_front_matter.txt", FrontMatterError, 15, "not valid YAML"),
        ("unclosed_front_matter.txt", FrontMatterError, 1, "never closed"),
        ("escaping_id.txt", FrontMatterError, 2, "'..'"),
        ("bad_timestamp.vtt", VttTimestampError, 8, "00:00:3,500"),
        ("bad_timestamp.srt", SrtTimestampError, 6, "00:00:3,500"),
    ],
)
def test_bad_transcripts_raise_one_clear_error(name, error, line, words):
    with pytest.raises(error) as raised:
        parse(name, FIXTURES / "bad_transcripts")
    message = str(raised.value)
    assert name in message and words in message
    assert raised.value.line == line
    assert "\n" not in message and "Traceback" not in message
    assert raised.value.fix  # every error says how to fix it


def test_a_role_the_declaration_does_not_list_is_reported_by_validate_at_its_line(make_project):
    # roles are the project's: the transcript is read, and `pleval validate` names the role, file and line
    project = make_project(bad=["unknown_role.txt"])
    report, counts = validate_project(project)
    errors = [p for p in report.problems if p.severity == "error"]
    assert counts["transcripts"] == 1 and len(errors) == 1
    assert "role 'janitor' is not one of" in str(errors[0]) and errors[0].line == 16
    assert errors[0].path.name == "unknown_role.txt"


def test_unknown_format_lists_the_known_ones(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(UnknownFormatError, match=r"\.docx, \.markdown, \.md, \.srt, \.txt, \.vtt"):
        parse_transcript(tmp_path / "notes.pdf", tmp_path, site_key="school")


def test_undecodable_file_names_line(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"---\nid: x\n---\nInterviewer: \x81\x8d\n")
    with pytest.raises(DecodeError, match="bad.txt:4"):
        parse_transcript(tmp_path / "bad.txt", tmp_path, site_key="school")


def test_symlink_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.txt"
    shutil.copy(FIXTURES / "transcripts" / "two_speakers.txt", outside)
    project = tmp_path / "project"
    (project / "data" / "transcripts").mkdir(parents=True)
    (project / "data" / "transcripts" / "linked.txt").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside the project"):
        parse_transcript(project / "data" / "transcripts" / "linked.txt", project, site_key="school")


def test_load_transcripts_reports_every_broken_file_and_keeps_the_rest(make_project):
    project = make_project(
        transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"],
        bad=["empty.txt", "unknown_speaker.txt", "bad_timestamp.vtt"],
    )
    duplicate = project.transcripts_dir / "copy.txt"
    shutil.copy(project.transcripts_dir / "two_speakers.txt", duplicate)
    transcripts, problems = load_transcripts(project.transcripts_dir, project.root, site_key="school")
    assert sorted(t.id for t in transcripts) == ["two-speakers", "zoom-voice-tags"]
    messages = " | ".join(str(p) for p in problems)
    for name in ["empty.txt", "unknown_speaker.txt", "bad_timestamp.vtt", "two_speakers.txt"]:
        assert name in messages
    assert "already used" in messages


def test_sidecars_are_not_read_as_transcripts(make_project):
    project = make_project(transcripts=["zoom_voice_tags.vtt"])
    transcripts, problems = load_transcripts(project.transcripts_dir, project.root, site_key="school")
    assert len(transcripts) == 1 and problems == []
