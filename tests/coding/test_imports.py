import pandas as pd
import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.coding.imports import import_codings
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
    assert import_codings(project, table, "ana") == 2
    codings = log_of(project).replay().codings()
    turn = next(t for t in project_transcript(project, "focus-group-p-labels").turns if t.index == 1)
    assert sorted(codings) == [("focus-group-p-labels", turn.start, turn.end, "time"),
                               ("two-speakers", 99, 140, "funding")]
    event = codings[("two-speakers", 99, 140, "funding")]
    assert event.segment_id == "two-speakers:t001" and event.codebook_hash and event.transcript_hash


def project_transcript(project, transcript_id):
    from pleval.inputs.transcripts import load_transcripts

    return {t.id: t for t in load_transcripts(project.transcripts_dir, project.root)[0]}[transcript_id]


def test_xlsx_and_renamed_codes(make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt"], codebook="renamed_code.yaml")
    table = tmp_path / "codings.xlsx"
    pd.DataFrame({"transcript_id": ["two-speakers"], "code_id": ["time"], "start": [99], "end": [120]}).to_excel(
        table, index=False)
    assert import_codings(project, table, "ben") == 1
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
