import io

import pandas as pd
import pytest
from click.testing import CliRunner
from clinic_project import make_clinic_project

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


def test_an_unchanged_project_prints_its_summary_again_without_coding(run, make_project, monkeypatch):
    import pleval.coding.run as coding_run

    project = make_project(transcripts=["two_speakers.txt", "focus_group_p_labels.txt"], bad=["unknown_speaker.txt"])
    first = run("code", "--project", project.root, "--by", "transcript,role", "--no-progress")
    runs = []
    real = coding_run.code_project
    monkeypatch.setattr(coding_run, "code_project", lambda *a, **k: runs.append(1) or real(*a, **k))
    again = run("code", "--project", project.root, "--by", "transcript,role", "--no-progress")
    assert runs == [] and again.exit_code == first.exit_code == 1  # the skipped transcript still fails the run
    assert again.output == first.output.replace("(2 new, 0 from cache)", "(0 new, 2 from cache)")
    assert "unknown_speaker.txt:19" in again.output
    # other summaries, an edited transcript or codebook, and --force code again (through the coding cache)
    run("code", "--project", project.root, "--by", "role", "--no-progress")
    assert runs == [1]
    text = project.transcripts_dir / "two_speakers.txt"
    text.write_text(text.read_text().replace("Sure.", "Sure, yes."))
    edited = run("code", "--project", project.root, "--by", "transcript,role", "--no-progress")
    assert runs == [1, 1] and "(1 new, 1 from cache)" in edited.output
    run("code", "--project", project.root, "--by", "transcript,role", "--no-progress", "--force")
    assert runs == [1, 1, 1]
    project.codebook_path.write_text(project.codebook_path.read_text() + "\n")
    run("code", "--project", project.root, "--by", "transcript,role", "--no-progress")
    assert runs == [1, 1, 1, 1]


def test_code_rejects_an_unknown_summary(run, make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    result = CliRunner().invoke(main, ["code", "--project", str(project.root), "--by", "shoe_size"])
    assert result.exit_code == 2 and "cannot summarise by 'shoe_size'" in result.output
    result = CliRunner().invoke(main, ["code", "--project", str(project.root), "--by", "role,regoin"])
    [line] = result.output.splitlines()  # one line, before anything is coded
    assert result.exit_code == 2 and "cannot summarise by 'regoin' (did you mean 'region'?)" in line
    assert "choose from: transcript, school, role, speaker, district, region, school_level" in line
    assert not project.output_path("cache", "rules.pack").exists()


def summary(output: str, name: str) -> tuple[str, dict[str, list[int]]]:
    """The table ``pleval code`` printed under "Coded segments by NAME": its index's name, and each row's counts."""
    lines = output.split(f"\nCoded segments by {name} (rules):\n", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = {}
    for line in lines[2:]:
        value, *numbers = line.rsplit(maxsplit=3)
        rows[value] = [int(n) for n in numbers]
    return lines[1].strip(), rows


def test_code_summarises_a_clinic_project_by_its_own_attributes(run, tmp_path):
    project = make_clinic_project(tmp_path / "clinics")
    result = run("code", "--project", project.root, "--no-progress")
    assert result.exit_code == 0  # by default, by the site under its key, then by role
    by_site = ("site", {"Desert Sun Clinic": [1, 1, 2], "Riverbend Clinic": [2, 1, 3]})
    assert summary(result.output, "site") == by_site
    assert summary(result.output, "role") == ("role", {"clinic_manager": [1, 1, 2],
                                                       "community_health_worker": [2, 1, 3]})
    result = run("code", "--project", project.root, "--by", "state,clinic,year,language,county", "--no-progress")
    assert result.exit_code == 0
    assert summary(result.output, "state") == ("state", {"Nevada": [1, 1, 2], "Oregon": [2, 1, 3]})
    assert summary(result.output, "clinic") == by_site  # the site's word names it too
    assert summary(result.output, "year") == ("year", {"2024": [1, 1, 2], "2025": [2, 1, 3]})  # calendar years
    assert summary(result.output, "language") == ("language", {"English": [2, 1, 3], "Spanish": [1, 1, 2]})
    assert summary(result.output, "county") == ("county", {"Lane": [2, 1, 3], "Nye": [1, 1, 2]})  # undeclared
    result = run("code", "--project", project.root, "--by", "stat", "--no-progress")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert ("cannot summarise by 'stat' (did you mean 'state'?); choose from: transcript, site, role, speaker, "
            "setting, state, county, type, year, language, segment_id") in result.output


def test_code_help_names_no_sample_words(run):
    help_text = run("code", "--help").output
    assert "--by" in help_text and "attribute" in help_text
    assert not {"school", "region"} & set(help_text.lower().replace(",", " ").replace(".", " ").split())


def test_export_codings_has_the_site_and_every_site_attribute(run, tmp_path):
    project = make_clinic_project(tmp_path / "clinics")
    result = run("export", "codings", "--project", project.root, "--source", "rules")
    assert result.exit_code == 0
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == [  # declared attributes first, in declared order, then the county (undeclared)
        "transcript_id", "segment_id", "start", "end", "speaker", "role", "site", "setting", "state", "county",
        "code_id", "coder", "source", "score", "evidence", "text", "codebook_hash", "transcript_hash"]
    assert sorted(set(zip(table["site"], table["state"], table["county"], strict=True))) == [
        ("Desert Sun Clinic", "Nevada", "Nye"), ("Riverbend Clinic", "Oregon", "Lane")]


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
