import pandas as pd
import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.coding.imports import import_codings
from pleval.coding.reviewed import reviewed_turns
from pleval.coding.sources import counted_codings
from pleval.coding.store import CodingLog
from pleval.errors import CodingImportError


@pytest.fixture
def project(make_project):
    return make_project(transcripts=["two_speakers.txt", "focus_group_p_labels.txt"])


def log_of(project, coder="ana"):
    return CodingLog(project.root / "data" / "codings", coder)


def test_csv_as_excel_writes_it_with_spans_and_segment_ids(project, tmp_path):
    table = tmp_path / "codings.csv"
    rows = "transcript_id;code_id;start;end;segment_id\r\n" \
           "two-speakers;funding;99;140;\r\n" \
           "focus-group-p-labels;time;;;focus-group-p-labels:t001\r\n"
    table.write_bytes("\ufeff".encode() + rows.encode())
    assert import_codings(project, table, "ana") == (2, 0)
    lines = log_of(project).path.read_text().count("\n")
    # importing the same table again appends nothing: the log already holds both codings
    assert import_codings(project, table, "ana") == (0, 2) and log_of(project).path.read_text().count("\n") == lines
    codings = log_of(project).replay().codings()
    turn = next(t for t in project_transcript(project, "focus-group-p-labels").turns if t.index == 1)
    assert sorted(codings) == [("focus-group-p-labels", turn.start, turn.end, "time"),
                               ("two-speakers", 99, 140, "funding")]
    event = codings[("two-speakers", 99, 140, "funding")]
    assert event.segment_id == "two-speakers:t001" and event.codebook_hash and event.transcript_hash


def project_transcript(project, transcript_id):
    from pleval.inputs.transcripts import load_transcripts

    transcripts, _ = load_transcripts(project.transcripts_dir, project.root, site_key="school")
    return {t.id: t for t in transcripts}[transcript_id]


def test_xlsx_and_renamed_codes(make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt"], codebook="renamed_code.yaml")
    table = tmp_path / "codings.xlsx"
    pd.DataFrame({"transcript_id": ["two-speakers"], "code_id": ["time"], "start": [99], "end": [120]}).to_excel(
        table, index=False)
    assert import_codings(project, table, "ben") == (1, 0)
    assert list(log_of(project, "ben").replay().codings()) == [("two-speakers", 99, 120, "time_to_collaborate")]


@pytest.mark.parametrize("row, message", [
    ("nope,funding,0,5", "no transcript with id 'nope'"),
    ("two-speakers,colour,0,5", "code 'colour' is not in the codebook"),
    ("two-speakers,funding,5,99999", "span 5-99999 is outside transcript 'two-speakers'"),
    ("two-speakers,funding,five,9", "start and end must be whole numbers"),
])
def test_one_bad_row_imports_nothing_and_names_the_row(project, tmp_path, row, message):
    table = tmp_path / "codings.csv"
    table.write_text(f"transcript_id,code_id,start,end\ntwo-speakers,funding,0,5\n{row}\n")
    with pytest.raises(CodingImportError) as error:
        import_codings(project, table, "ana")
    assert error.value.line == 3 and f"row 3: {message}" in str(error.value)
    assert "nothing was imported" in str(error.value)
    assert not log_of(project).path.exists()


def test_missing_columns_are_named(project, tmp_path):
    table = tmp_path / "codings.csv"
    table.write_text("transcript_id,code_id\ntwo-speakers,funding\n")
    with pytest.raises(CodingImportError, match="missing column.*start and end, or segment_id"):
        import_codings(project, table, "ana")


def test_cli_imports_and_reports_errors_cleanly(project, tmp_path):
    table = tmp_path / "codings.csv"
    table.write_text("transcript_id,code_id,start,end\ntwo-speakers,funding,99,140\n")
    result = CliRunner().invoke(main, ["import", "codings", str(table), "--coder", "ana", "--project",
                                       str(project.root)])
    assert result.exit_code == 0 and "imported 1 coding(s) for coder 'ana'" in result.output
    table.write_text("transcript_id,code_id,start,end\nghost,funding,99,140\n")
    result = CliRunner().invoke(main, ["import", "codings", str(table), "--coder", "ana", "--project",
                                       str(project.root)])
    assert result.exit_code == 1 and "row 2: no transcript with id 'ghost'" in result.output
    assert "Traceback" not in result.output
    assert len(log_of(project).replay().events) == 1


# --- what the coder reviewed -------------------------------------------------------------------------------


def funding_on_turn_one(tmp_path):
    """One coding, on turn 1 of two-speakers: its other participant turn (3) is left uncoded."""
    table = tmp_path / "codings.csv"
    table.write_text("transcript_id,code_id,start,end\ntwo-speakers,funding,99,140\n")
    return table


@pytest.mark.parametrize("reviewed, turns, sources", [
    (None, {1}, {"consensus": 0, "human": 1, "rules": 1}),  # the default: only the coded turn
    ("coded", {1}, {"consensus": 0, "human": 1, "rules": 1}),
    ("transcripts", {1, 3}, {"consensus": 0, "human": 2, "rules": 0}),
])
def test_reviewed_says_which_turns_count_as_the_coders(project, tmp_path, reviewed, turns, sources):
    options = {} if reviewed is None else {"reviewed": reviewed}
    assert import_codings(project, funding_on_turn_one(tmp_path), "ana", **options) == (1, 0)
    transcripts = {t.id: t for t in (project_transcript(project, i) for i in ("two-speakers", "focus-group-p-labels"))}
    replay = log_of(project).replay()
    # the transcript with no coding is not the coder's, whatever --reviewed says; interviewer turns never count
    assert reviewed_turns(replay, transcripts) == {"two-speakers": turns}
    counted = counted_codings(project)
    assert counted.source_counts(["two-speakers"]) == sources
    assert counted.source_counts(["focus-group-p-labels"]) == {"consensus": 0, "human": 0, "rules": 4}
    assert len(list(replay.codings())) == 1  # a review codes nothing
    reviews = [e for e in replay.events if e.action == "review"]
    if reviewed != "transcripts":
        assert reviews == []
        return
    turn = transcripts["two-speakers"].turns[3]
    [review] = reviews  # as the coding session's done() writes it: the whole turn, in the codings' one write
    assert (review.segment_id, review.start, review.end, review.text) == (
        "two-speakers:t003", turn.start, turn.end, turn.text)
    assert review.transcript_hash == transcripts["two-speakers"].text_hash and review.codebook_hash
    assert review.time == replay.events[0].time


def test_importing_twice_marks_no_turn_reviewed_twice(project, tmp_path):
    table = funding_on_turn_one(tmp_path)
    import_codings(project, table, "ana", reviewed="coded")
    import_codings(project, table, "ana", reviewed="transcripts")  # an earlier import, now said to be whole
    import_codings(project, table, "ana", reviewed="transcripts")
    events = log_of(project).replay().events
    assert [e.segment_id for e in events if e.action == "review"] == ["two-speakers:t003"]


def test_a_turn_the_coder_already_reviewed_gets_no_second_review(project, tmp_path):
    turn = project_transcript(project, "two-speakers").turns[3]
    log_of(project).append("memo", transcript_id="two-speakers", segment_id="two-speakers:t003", start=turn.start,
                           end=turn.end, memo="read it")
    import_codings(project, funding_on_turn_one(tmp_path), "ana", reviewed="transcripts")
    assert [e.action for e in log_of(project).replay().events] == ["memo", "apply"]


def test_a_bad_row_writes_no_review_either(project, tmp_path):
    table = tmp_path / "codings.csv"
    table.write_text("transcript_id,code_id,start,end\ntwo-speakers,funding,99,140\ntwo-speakers,colour,0,5\n")
    with pytest.raises(CodingImportError, match="row 3"):
        import_codings(project, table, "ana", reviewed="transcripts")
    assert not log_of(project).path.exists()


def test_a_failed_write_leaves_neither_codings_nor_reviews(project, tmp_path, monkeypatch):
    written = []

    def full_disk(self, events):
        written.append([e.action for e in events])
        raise OSError("no space left on device")

    monkeypatch.setattr(CodingLog, "_write", full_disk)
    with pytest.raises(OSError):
        import_codings(project, funding_on_turn_one(tmp_path), "ana", reviewed="transcripts")
    assert written == [["apply", "review"]]  # one write: the codings and the reviews go together or not at all
    assert not log_of(project).path.exists()


def test_unknown_reviewed_is_refused(project, tmp_path):
    with pytest.raises(CodingImportError, match="unknown --reviewed 'all'") as error:
        import_codings(project, funding_on_turn_one(tmp_path), "ana", reviewed="all")
    assert "coded, transcripts" in error.value.fix
    result = CliRunner().invoke(main, ["import", "codings", str(funding_on_turn_one(tmp_path)), "--coder", "ana",
                                       "--reviewed", "all", "--project", str(project.root)])
    assert result.exit_code == 2 and not log_of(project).path.exists()


def test_cli_passes_reviewed_on(project, tmp_path):
    result = CliRunner().invoke(main, ["import", "codings", str(funding_on_turn_one(tmp_path)), "--coder", "ana",
                                       "--reviewed", "transcripts", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "every participant turn of their transcripts counts as reviewed" in result.output
    assert [e.action for e in log_of(project).replay().events] == ["apply", "review"]
