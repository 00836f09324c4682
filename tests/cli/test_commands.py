import io

import pandas as pd
import pytest
from click.testing import CliRunner

from pleval.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_validate_a_good_project(run, make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])
    result = run("validate", "--project", project.root)
    assert result.exit_code == 0
    assert "2 transcripts (7 turns" in result.output and "0 error(s)" in result.output


def test_validate_lists_every_problem_and_fails(run, make_project):
    project = make_project(
        transcripts=["two_speakers.txt"], bad=["empty.txt", "unknown_role.txt", "bad_timestamp.vtt"],
        codebook="three_problems.yaml",
    )
    result = run("validate", "--project", project.root)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 6  # three in the codebook, three transcripts (the role is pleval.yaml's to check)
    assert "Traceback" not in result.output
    assert "2 transcripts" in result.output and "6 error(s)" in result.output


def test_code_prints_summaries_and_reports_skipped_transcripts(run, make_project):
    project = make_project(transcripts=["two_speakers.txt", "focus_group_p_labels.txt"], bad=["unknown_speaker.txt"])
    result = run("code", "--project", project.root, "--by", "transcript,school,role", "--no-progress")
    assert result.exit_code == 1  # one transcript was skipped
    assert "unknown_speaker.txt:19" in result.output
    assert "Coded segments by transcript" in result.output and "Coded segments by role" in result.output
    assert "2 transcripts coded (2 new, 0 from cache), 3 codings; 1 transcript(s) skipped" in result.output
    again = run("code", "--project", project.root, "--no-progress")
    assert "(0 new, 2 from cache)" in again.output


def test_code_rejects_an_unknown_summary(run, make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    result = CliRunner().invoke(main, ["code", "--project", str(project.root), "--by", "shoe_size"])
    assert result.exit_code == 2 and "cannot summarise by 'shoe_size'" in result.output


def test_export_codings_csv_to_stdout_and_xlsx_to_file(run, make_project, tmp_path):
    project = make_project(transcripts=["two_speakers.txt", "zoom_name_prefix.vtt"])
    result = run("export", "codings", "--project", project.root)
    assert result.exit_code == 0
    table = pd.read_csv(io.StringIO(result.stdout))
    for column in ["transcript_id", "segment_id", "start", "end", "speaker", "role", "code_id", "coder", "source",
                   "score", "text"]:
        assert column in table.columns
    assert sorted(table["code_id"]) == ["funding", "time", "time"]
    target = tmp_path / "codings.xlsx"
    result = run("export", "codings", "--project", project.root, "--format", "xlsx", "-o", target)
    assert result.exit_code == 0
    assert pd.read_excel(target).shape[0] == 3


def test_export_codings_names_an_unknown_coder_in_one_line(run, make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    result = CliRunner().invoke(main, ["export", "codings", "--project", str(project.root), "--source", "rulez"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "unknown coder 'rulez'" in result.output and "did you mean 'rules'?" in result.output


@pytest.mark.slow
def test_export_codings_of_the_model_and_a_person(run, fresh_sample, tmp_path):
    target = tmp_path / "codings.csv"
    result = run("export", "codings", "--project", fresh_sample.root, "--source", "model", "--source", "ana",
                 "-o", target)
    assert result.exit_code == 0
    table = pd.read_csv(target)
    assert set(table["coder"]) == {"model", "ana"}
    model = table[table["coder"] == "model"]
    assert (model["source"] == "model").all() and model["score"].between(0, 1).all()
    assert (tmp_path / "codings.memos.csv").exists()


def test_a_missing_project_is_one_clean_line(run, tmp_path):
    result = run("validate", "--project", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "does not exist" in result.output


def test_an_invalid_codebook_stops_code_cleanly(run, make_project):
    project = make_project(transcripts=["two_speakers.txt"], codebook="invalid_pattern.yaml")
    result = run("code", "--project", project.root)
    assert result.exit_code == 1
    assert "codebook.yaml:40:11" in result.output and "Traceback" not in result.output
