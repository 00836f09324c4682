"""The survey: reading and validating survey.yaml and respondent files, figures, suppression, the CLI, the sample."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pleval.cli import main
from pleval.errors import SurveyError
from pleval.inputs.codebook import load_codebook
from pleval.project import Project
from pleval.schema import Filters
from pleval.survey.data import check_survey, load_survey
from pleval.survey.description import linked_items, read_survey_description
from pleval.survey.figures import (
    agreement_report,
    agreement_table,
    item_figure,
    marked_table,
    parse_breakdowns,
    sites_administered,
    wilson_interval,
)
from pleval.validate import validate_project

from conftest import FIXTURES, REPO, copy_transcript

SURVEY = FIXTURES / "survey"
# The fixture answers, designed so the figures are known (see tests/fixtures/survey/excel_utf8.csv):
# Maple Test Elementary 2023-2024: 12 respondents, time_to_collaborate 7 of 11 agree (one blank);
# Maple Test High School 2023-2024: 9 respondents, time_to_collaborate 4 of 9 (a suppressed cell),
#   safe_to_try 7 of 8 (one "Don't know");
# Maple Test Elementary 2024-2025: 11 respondents, time_to_collaborate 8 of 11.


@pytest.fixture
def survey_project(tmp_path):
    """A fresh project with the fixture transcripts' two schools and a survey made of the given respondent files."""
    made = []

    def make(*files, description="survey.yaml"):
        root = tmp_path / f"project{len(made)}"
        made.append(root)
        for name in ("two_speakers.txt", "caps_and_qa.md"):
            copy_transcript(name, root)
        shutil.copy(FIXTURES / "codebooks" / "two_codes.yaml", root / "data" / "codebook.yaml")
        project = Project.open(root)
        project.survey_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(SURVEY / description, project.survey_dir / "survey.yaml")
        for name in files:
            shutil.copy(SURVEY / name, project.survey_dir / name)
        return project

    return make


def only_errors(problems):
    return [p for p in problems if p.severity == "error"]


# --- reading -------------------------------------------------------------------------------------------------


def test_excel_csv_semicolon_csv_and_xlsx_read_identically(survey_project):
    frames = {}
    for name in ("excel_utf8.csv", "excel_semicolon.csv", "numbers.xlsx"):
        data, problems = check_survey(survey_project(name))
        assert problems == [], name
        frames[name] = data.responses.drop(columns="source")
    reference = frames["excel_utf8.csv"]
    assert len(reference) == 32
    assert (reference["respondent"].iloc[0], reference["site"].iloc[0]) == ("R-001", "Maple Test Elementary")
    assert list(reference["row"].iloc[:3]) == [2, 3, 4]
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, reference, obj=name)


def test_responses_carry_site_attributes_roles_and_ordered_levels(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    responses = data.responses
    first = responses.iloc[0]
    assert (first["region"], first["school_level"], first["district"], first["pathway"]) == (
        "northwest", "elementary", "Test Local Schools", "LAUNCH")
    assert responses.loc[responses["site"] == "Maple Test High School", "region"].unique().tolist() == ["central"]
    assert responses["role"].iloc[9] == "teacher"  # "Classroom teacher", mapped under roles in survey.yaml
    assert responses["role"].iloc[10] == "principal"
    time = responses["time_to_collaborate"]
    assert time.cat.ordered and list(time.cat.categories)[-1] == "Strongly agree"
    assert pd.isna(time.iloc[10])  # a blank answer
    assert pd.isna(responses["safe_to_try"].iloc[17])  # "Don't know" counts as no answer
    assert [s.path for s in data.sources] == ["data/survey/excel_utf8.csv"]
    assert len(data.sources[0].sha256) == 64


# --- validation ----------------------------------------------------------------------------------------------


def test_unknown_item_column_names_the_column_and_a_likely_fix(survey_project):
    data, problems = check_survey(survey_project("unknown_item_column.csv"))
    assert data is None
    errors = only_errors(problems)
    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (1, 6)
    assert "unknown item column 'safe_to_tri'" in str(errors[0]) and "did you mean 'safe_to_try'" in str(errors[0])
    assert "unknown_item_column.csv:1:6" in str(errors[0])


def test_values_outside_the_scale_are_named_by_row_and_column(survey_project):
    data, problems = check_survey(survey_project("value_outside_scale.csv"))
    assert data is None
    errors = only_errors(problems)
    assert [(e.line, e.column) for e in errors] == [(4, 5), (6, 6)]
    assert "row 4: 'Agreee' in column 'time_to_collaborate'" in str(errors[0])
    assert "row 6: '5' in column 'safe_to_try'" in str(errors[1]) and "1-4" in str(errors[1])


def test_duplicate_respondent_names_both_rows(survey_project):
    _, problems = check_survey(survey_project("duplicate_respondent.csv"))
    errors = only_errors(problems)
    assert len(errors) == 1
    assert errors[0].line == 7
    assert "respondent 'R-003' already answered in 2023-2024 (row 4)" in str(errors[0])


def test_unknown_school_is_a_warning_with_rows_and_a_suggestion(survey_project):
    data, problems = check_survey(survey_project("unknown_school.csv"))
    assert data is not None and only_errors(problems) == []
    assert len(problems) == 1
    warning = problems[0]
    assert warning.severity == "warning" and warning.line == 3
    assert "school 'Maple Test Elementry' (rows 3, 5)" in str(warning)
    assert "did you mean 'Maple Test Elementary'" in str(warning)
    unknown = data.responses[data.responses["site"].str.casefold() == "maple test elementry"]
    assert len(unknown) == 2 and set(unknown["region"]) == {"unknown"}
    assert data.warnings == tuple(problems)


def test_missing_columns_are_listed_together(survey_project):
    _, problems = check_survey(survey_project("missing_columns.csv"))
    errors = only_errors(problems)
    assert len(errors) == 1 and errors[0].line == 1
    assert "missing column(s): year, role" in str(errors[0])


def test_every_row_problem_in_a_file_is_reported_at_once(survey_project):
    _, problems = check_survey(survey_project("wrong_year_role_and_blank_id.csv"))
    errors = only_errors(problems)
    assert [e.line for e in errors] == [2, 5, 6]
    assert "school year '2022' is not written like 2023-2024" in str(errors[0])
    assert "unknown role 'Janitor'" in str(errors[1])
    assert "row 6: no respondent" in str(errors[2])


def test_many_bad_values_are_listed_then_summarised_with_every_row(survey_project, tmp_path):
    project = survey_project()
    lines = ["respondent,school,year,role,time_to_collaborate,safe_to_try"]
    lines += [f"R-{i:03d},Maple Test Elementary,2023-2024,Teacher,Yes,Agree" for i in range(25)]
    (project.survey_dir / "many.csv").write_text("\n".join(lines) + "\n")
    errors = only_errors(check_survey(project)[1])
    assert len(errors) == 11
    assert [e.line for e in errors[:10]] == list(range(2, 12))
    assert "15 more row(s) with a value outside the scale in column 'time_to_collaborate': rows 12-26" in str(
        errors[10])


def test_a_year_not_in_survey_yaml_is_an_error(survey_project, tmp_path):
    project = survey_project()
    (project.survey_dir / "later.csv").write_text(
        "respondent,school,year,role,time_to_collaborate,safe_to_try\n"
        "R-1,Maple Test Elementary,2025–26,Teacher,Agree,Agree\n", encoding="utf-8")
    errors = only_errors(check_survey(project)[1])
    assert len(errors) == 1 and errors[0].line == 2
    assert "year 2025-2026 is not one of survey.yaml's years (2023-2024, 2024-2025)" in str(errors[0])


def test_broken_survey_yaml_names_line_and_column():
    survey, problems = read_survey_description(SURVEY / "broken_syntax.yaml")
    assert survey is None and len(problems) == 1
    assert problems[0].line == 5 and problems[0].column is not None
    assert "not valid YAML" in str(problems[0]) and "broken_syntax.yaml:5:" in str(problems[0])


def test_unknown_scale_and_unknown_linked_code_are_located(tmp_path):
    codebook = load_codebook(FIXTURES / "codebooks" / "two_codes.yaml")
    survey, problems = read_survey_description(SURVEY / "unknown_scale.yaml", codebook)
    assert survey is None
    errors = only_errors(problems)
    assert [(e.line, e.column) for e in errors] == [(9, 12), (13, 19)]
    assert "item 'time_to_collaborate': unknown scale 'agree5'" in str(errors[0])
    assert "links code 'money', which is not in the codebook" in str(errors[1])
    # the codebook's time code does not list safe_to_try among its survey_items: a warning, located
    warnings = [p for p in problems if p.severity == "warning"]
    assert len(warnings) == 1 and warnings[0].line == 13 and "survey_items do not list it" in str(warnings[0])


def test_schema_mistakes_in_survey_yaml_are_named(tmp_path):
    text = (SURVEY / "survey.yaml").read_text().replace("agree: [Agree, Strongly agree]", "agree: [Agree, Sort of]")
    text = text.replace("suppress_below: 10", "suppress_below: 0\nlanguage: en")
    path = tmp_path / "survey.yaml"
    path.write_text(text)
    survey, problems = read_survey_description(path)
    assert survey is None
    messages = sorted(str(p) for p in problems)
    assert any("unknown key 'language'" in m for m in messages)
    assert any("suppress_below" in m and "greater than or equal to 1" in m for m in messages)
    assert any("scale 'agree4'" in m and "agree lists 'Sort of', which is not one of the levels" in m for m in messages)
    assert all(p.line is not None for p in problems)
    path.write_text(text.replace("agree: [Agree, Sort of]", "agree: [Agree, Yes]"))
    _, problems = read_survey_description(path)
    assert any("YAML reads unquoted yes/no" in str(p) and p.line == 14 for p in problems)


def test_respondent_files_without_survey_yaml_and_a_project_without_a_survey(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    assert check_survey(project) == (None, [])
    with pytest.raises(SurveyError, match="the project has no survey"):
        load_survey(project)
    project.survey_dir.mkdir(parents=True)
    shutil.copy(SURVEY / "excel_utf8.csv", project.survey_dir)
    data, problems = check_survey(project)
    assert data is None and "no survey description" in str(problems[0])


def test_load_survey_raises_the_first_error_and_counts_the_rest(survey_project):
    with pytest.raises(SurveyError, match=r"row 4: .*\(and 1 more; run 'pleval validate'"):
        load_survey(survey_project("value_outside_scale.csv"))


# --- figures -------------------------------------------------------------------------------------------------


def test_wilson_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:857-872, table II: 81/263, Wilson score interval 0.2553-0.3662
    low, high = wilson_interval([81], [263])
    assert round(low[0], 4) == 0.2553 and round(high[0], 4) == 0.3662


def wilson_by_hand(agree, n, z=1.959963984540054):
    p = agree / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def test_percent_agreeing_with_n_and_interval_overall_and_by_year(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    overall = agreement_table(data, items=["time_to_collaborate"])
    row = overall.iloc[0]
    assert (row["respondents"], row["n"], row["agree"]) == (32, 31, 19)
    assert row["percent"] == pytest.approx(100 * 19 / 31)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_by_hand(19, 31))
    by_year = agreement_table(data, items=["time_to_collaborate"], by=["year"]).set_index("year")
    assert by_year.loc["2023-2024", "n"] == 20 and by_year.loc["2023-2024", "agree"] == 11
    assert by_year.loc["2024-2025", "percent"] == pytest.approx(100 * 8 / 11)


def test_a_cell_of_nine_is_suppressed_and_carries_no_number(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    table = agreement_table(data, by=["school", "year"])
    small = table[(table["site"] == "Maple Test High School") & (table["item_id"] == "time_to_collaborate")]
    assert len(small) == 1
    cell = small.iloc[0]
    assert cell["n"] == 9 and cell["suppressed"]
    assert pd.isna(cell["agree"]) and pd.isna(cell["percent"]) and pd.isna(cell["ci_low"]) and pd.isna(cell["ci_high"])
    shown = table[~table["suppressed"]]
    assert shown["percent"].notna().all() and (shown["n"] >= 10).all()
    readable = marked_table(table, 10)
    marked = readable.iloc[small.index[0]]
    assert marked["percent"] == "suppressed (n < 10)" and marked["95% CI"] == ""
    assert "44%" not in readable.to_string()  # 4 of 9 would print as 44%
    # a lower threshold from survey.yaml (or the caller) shows it
    unsuppressed = agreement_table(data, by=["school", "year"], suppress_below=5)
    assert unsuppressed.loc[small.index[0], "percent"] == pytest.approx(100 * 4 / 9)


def test_suppressed_figure_has_no_percent_even_in_json(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    figure = item_figure(data, "time_to_collaborate", Filters(school="Maple Test High School"))
    assert figure.suppressed and figure.n == 9
    assert figure.percent is None and figure.agree is None and figure.ci_low is None
    dumped = json.loads(figure.model_dump_json())
    assert dumped["percent"] is None and dumped["agree"] is None


def test_item_figure_for_a_brief_has_its_provenance(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    figure = item_figure(data, "safe_to_try", Filters(year="2023-2024", school_level=["high"]))
    assert (figure.n, figure.agree, figure.sites, figure.years) == (8, None, 1, ("2023-2024",))
    figure = item_figure(data, "time_to_collaborate", Filters(year="2023-2024", pathway="LAUNCH"))
    assert (figure.n, figure.agree, figure.sites) == (20, 11, 2)
    assert figure.percent == pytest.approx(55.0)
    assert figure.agreed_that.startswith("time was provided")
    assert figure.filters.active() == {"year": ("2023-2024",), "pathway": ("LAUNCH",)}
    assert [s.path for s in figure.sources] == ["data/survey/excel_utf8.csv"]
    assert figure.survey == "Test Implementation Survey" and figure.survey_hash == data.survey.hash


def test_two_files_with_the_same_respondents_are_duplicates(survey_project):
    _, problems = check_survey(survey_project("excel_utf8.csv", "numbers.xlsx"))
    errors = only_errors(problems)
    assert len(errors) == 32
    assert "data/survey/excel_utf8.csv row 2" in str(errors[0]) and errors[0].path.name == "numbers.xlsx"


def test_filters_naming_values_no_response_has_are_errors(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    with pytest.raises(SurveyError, match="no survey responses have year '2022-2023'"):
        agreement_table(data, filters=Filters(year="2022-2023"))
    with pytest.raises(SurveyError, match="no survey item 'nope'"):
        agreement_table(data, items=["nope"])
    with pytest.raises(SurveyError, match="cannot break survey figures down by 'shool'"):
        agreement_table(data, by=["shool"])


def test_sites_administering_the_survey_per_year(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    counts = sites_administered(data)
    assert counts.to_dict("records") == [{"year": "2023-2024", "sites": 2, "respondents": 21},
                                         {"year": "2024-2025", "sites": 1, "respondents": 11}]
    assert sites_administered(data, by=()).to_dict("records") == [{"sites": 2, "respondents": 32}]


def test_breakdowns_by_role_and_level_and_crossed(survey_project):
    data = load_survey(survey_project("excel_utf8.csv"))
    assert parse_breakdowns("school, role+year") == [(), ("school",), ("role", "year")]
    report = agreement_report(data, breakdowns=parse_breakdowns("school_level,role"), items=["time_to_collaborate"])
    assert list(report["breakdown"].unique()) == ["overall", "school_level", "role"]
    levels = report[report["breakdown"] == "school_level"].set_index("school_level")
    assert levels.loc["elementary", "n"] == 22 and levels.loc["high", "suppressed"]
    roles = report[report["breakdown"] == "role"]
    assert list(roles["role"]) == ["teacher", "instructional_coach", "principal"]  # pleval.yaml's order of roles
    assert report.attrs["provenance"]["by"] == ["overall", "school_level", "role"]


def test_linked_items_follow_survey_yaml_and_the_codebook(sample_project):
    data = load_survey(sample_project)
    codebook = load_codebook(sample_project.codebook_path)
    assert linked_items(data.survey, "administrator_trust", codebook) == ["safe_to_try", "admin_support"]
    assert linked_items(data.survey, "educator_expertise", codebook) == ["time_to_collaborate", "shared_practices"]


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_prints_figures_and_marks_suppressed_cells(survey_project):
    project = survey_project("excel_utf8.csv")
    result = CliRunner().invoke(main, ["survey", "--project", str(project.root), "--by", "school+year",
                                       "--items", "time_to_collaborate"])
    assert result.exit_code == 0, result.output
    assert "2023-2024: 21 respondents in 2 schools" in result.output
    high = next(line for line in result.output.splitlines() if "Maple Test High School" in line)
    assert "suppressed (n < 10)" in high and "%" not in high.replace("suppressed", "")
    elementary = next(line for line in result.output.splitlines() if "Maple Test Elementary 2023-2024" in line)
    assert f"{100 * 7 / 11:.0f}%" in elementary


def test_cli_csv_and_json(survey_project):
    project = survey_project("excel_utf8.csv")
    runner = CliRunner()
    result = runner.invoke(main, ["survey", "--project", str(project.root), "--by", "school", "--year", "2023-2024",
                                  "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output))
    high = table[(table["site"] == "Maple Test High School") & (table["item_id"] == "time_to_collaborate")]
    assert high["percent"].isna().all() and high["suppressed"].all()
    result = runner.invoke(main, ["survey", "--project", str(project.root), "--format", "json"])
    payload = json.loads(result.output)
    assert payload["provenance"]["sources"][0]["path"] == "data/survey/excel_utf8.csv"
    assert payload["figures"][0]["n"] == 31 and payload["figures"][0]["agree"] == 19


def test_cli_reports_mistakes_in_one_line(survey_project):
    runner = CliRunner()
    project = survey_project("value_outside_scale.csv")
    result = runner.invoke(main, ["survey", "--project", str(project.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "value_outside_scale.csv:4:5: row 4: 'Agreee'" in result.output
    result = runner.invoke(main, ["survey", "--project", str(survey_project("excel_utf8.csv").root), "--by", "shool"])
    assert result.exit_code == 1 and "cannot break survey figures down by 'shool'" in result.output
    result = runner.invoke(main, ["validate", "--project", str(project.root)])
    assert result.exit_code == 1 and "row 6: '5' in column 'safe_to_try'" in result.output


# --- the sample survey ---------------------------------------------------------------------------------------


def test_sample_survey_validates_cleanly_with_17_schools_over_2_years(sample_project):
    report, counts = validate_project(sample_project)
    assert [str(p) for p in report.problems] == []
    data = load_survey(sample_project)
    responses = data.responses
    assert counts["survey_responses"] == len(responses) >= 600
    assert responses["site"].nunique() == 17 and sorted(responses["year"].unique()) == ["2023-2024", "2024-2025"]
    interviewed = set(data.sites.loc[data.sites["interviewed"], "site"])
    assert len(interviewed) == 15 and set(responses["site"]) > interviewed
    assert {"unknown"} & set(responses["school_level"]) == set()
    assert {s.path.rsplit(".", 1)[1] for s in data.sources} == {"csv", "xlsx"}
    for item in ("time_to_collaborate", "safe_to_try"):
        assert item in data.survey.item_ids
    table = agreement_table(data, by=["school", "role"])
    assert table["suppressed"].any() and (~table["suppressed"]).any()


def test_sample_figure_recomputed_with_plain_pandas(sample_project):
    raw = pd.read_csv(sample_project.survey_dir / "responses_2023-2024.csv", encoding="utf-8-sig", dtype=str)
    answered = raw["time_to_collaborate"].isin(
        ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"])
    agreed = raw["time_to_collaborate"].isin(["Agree", "Strongly agree"])
    figure = item_figure(load_survey(sample_project), "time_to_collaborate", Filters(year="2023-2024"))
    assert (figure.n, figure.agree) == (answered.sum(), agreed.sum())
    assert figure.percent == pytest.approx(100 * agreed.sum() / answered.sum())
    assert figure.sites == raw["school"].nunique() == 17


def test_sample_respondent_files_are_exactly_what_the_seeded_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_sample", REPO / "data" / "survey" / "generate_sample.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(["--out", str(tmp_path)])
    for name in ("responses_2023-2024.csv", "responses_2024-2025_late.csv"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / "survey" / name).read_bytes(), name
    written = load_workbook(tmp_path / "responses_2024-2025.xlsx").worksheets[0]
    shipped = load_workbook(REPO / "data" / "survey" / "responses_2024-2025.xlsx").worksheets[0]
    assert list(written.values) == list(shipped.values)
    late = (tmp_path / "responses_2024-2025_late.csv").read_bytes()
    assert late.startswith(b"\xef\xbb\xbfrespondent;school;") and b"\r\n" in late


def test_files_patterns_stay_in_the_survey_folder_and_xls_files_are_named(survey_project):
    project = survey_project("excel_utf8.csv")
    shutil.copy(SURVEY / "duplicate_respondent.csv", project.root / "data" / "outside.csv")
    text = (project.survey_dir / "survey.yaml").read_text()
    (project.survey_dir / "survey.yaml").write_text(text.replace("years:", 'files: ["*.csv", "../*.csv"]\nyears:'))
    (project.survey_dir / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    data, problems = check_survey(project)
    assert [s.path for s in data.sources] == ["data/survey/excel_utf8.csv"]
    assert len(problems) == 1 and "'.xls' files are not read" in str(problems[0]) and problems[0].path.name == "old.xls"
