"""A survey of any evaluation: clinics in two states with their own roles and calendar years (declared in
pleval.yaml), a site column named in survey.yaml's ``columns``, figures by any attribute, suppression, and every
bad value a one-line error naming the file and line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.errors import SurveyError
from pleval.project import Project
from pleval.schema import Filters
from pleval.survey.data import check_survey, load_survey
from pleval.survey.disclosure import COMPLEMENTARY, PRIMARY, figure_cells, plan_suppression, recoverable
from pleval.survey.figures import agreement_report, agreement_table, item_figure, sites_administered

DECLARATION = """\
site: {key: site, singular: clinic, plural: clinics, required: true}
site_attributes:
  - {name: state, values: [Oregon, Washington], required: true}
  - {name: setting, values: [rural, urban]}
roles:
  - {id: community_health_worker, noun: community health worker}
  - {id: nurse}
  - {id: clinic_manager}
periods: {kind: calendar_year}
words:
  respondents: {singular: health worker, plural: health workers}
"""

SURVEY = """\
name: Clinic Staff Survey
years: [2024, 2025]
columns: {respondent: Response ID, site: clinic}
roles: {CHW: community_health_worker}
scales:
  agree4:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    agree: [Agree, Strongly agree]
items:
  - {id: supported, wording: I feel supported by my clinic., scale: agree4}
  - {id: trained, wording: I was trained for my work., scale: agree4}
sites:
  - name: Pine Clinic
    state: Washington
    setting: rural
"""

TRANSCRIPT = """\
---
id: {id}
type: interview
date: 2024-05-02
site: {site}
state: {state}
setting: {setting}
interviewer: Ana Ruiz
participants:
  - name: Lee Park
    role: community_health_worker
---
Interviewer: How is the program going?

Lee Park: We finally have time for home visits.
"""

# (clinic, year, [(role as the file writes it, how many)]): 40 responses; Pine Clinic's 6 are a small cell
PLAN = [
    ("Desert Sun Clinic", "2024", [("Community health worker", 10), ("Clinic manager", 2)]),
    ("Desert Sun Clinic", "2025", [("CHW", 8), ("Nurse", 2)]),
    ("Harbor Clinic", "2025", [("community_health_worker", 8), ("nurse", 4)]),
    ("Pine Clinic", "2025", [("Community health worker", 5), ("Clinic manager", 1)]),
]
ROLE_IDS = {"Community health worker": "community_health_worker", "CHW": "community_health_worker",
            "Clinic manager": "clinic_manager", "Nurse": "nurse", "community_health_worker": "community_health_worker",
            "nurse": "nurse"}
STATES = {"Desert Sun Clinic": "Oregon", "Harbor Clinic": "Washington", "Pine Clinic": "Washington"}


def responses() -> list[dict]:
    """The rows of the respondent file; respondent i agrees with 'supported' unless i is a multiple of 3."""
    rows, number = [], 0
    for clinic, year, roles in PLAN:
        for label, count in roles:
            for _ in range(count):
                number += 1
                rows.append({"Response ID": f"C-{number:03d}", "clinic": clinic, "year": year, "role": label,
                             "supported": "Disagree" if number % 3 == 0 else "Agree", "trained": "Strongly agree"})
    return rows


def write_csv(path, rows) -> None:
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.fixture
def clinics(tmp_path):
    """A clinic evaluation: pleval.yaml, two interviewed clinics, a survey with one clinic not interviewed."""
    root = tmp_path / "clinics"
    (root / "data" / "transcripts").mkdir(parents=True)
    (root / "data" / "survey").mkdir()
    (root / "pleval.yaml").write_text(DECLARATION)
    for id_, site, state, setting in (("desert-sun-chw", "Desert Sun Clinic", "Oregon", "rural"),
                                      ("harbor-chw", "Harbor Clinic", "Washington", "urban")):
        text = TRANSCRIPT.format(id=id_, site=site, state=state, setting=setting)
        (root / "data" / "transcripts" / f"{id_}.txt").write_text(text)
    (root / "data" / "survey" / "survey.yaml").write_text(SURVEY)
    write_csv(root / "data" / "survey" / "responses.csv", responses())
    return Project.open(root)


def expected(rows: list[dict], keep) -> tuple[int, int]:
    """(n, agree) of 'supported' among the rows ``keep`` selects, counted by hand."""
    chosen = [r for r in rows if keep(r)]
    return len(chosen), sum(r["supported"] == "Agree" for r in chosen)


def test_responses_carry_the_declared_site_attributes_roles_and_calendar_years(clinics):
    data, problems = check_survey(clinics)
    assert problems == [], [str(p) for p in problems]
    frame = data.responses
    assert list(frame.columns) == ["respondent", "site", "year", "role", "state", "setting", "interviewed", "source",
                                   "row", "supported", "trained"]
    assert len(frame) == 40 and sorted(frame["year"].unique()) == ["2024", "2025"]
    assert set(frame["role"]) == {"community_health_worker", "nurse", "clinic_manager"}
    pine = frame[frame["site"] == "Pine Clinic"]
    assert set(pine["state"]) == {"Washington"} and not pine["interviewed"].any()
    assert set(frame.loc[frame["site"] == "Harbor Clinic", "setting"]) == {"urban"}
    assert frame["interviewed"].sum() == 34


def test_figures_by_state_and_by_role_and_year_with_a_small_cell_suppressed(clinics):
    data = load_survey(clinics)
    rows = responses()
    report = agreement_report(data, breakdowns=[(), ("state",), ("role", "year")], items=["supported"])
    assert list(report["breakdown"].unique()) == ["overall", "state", "role+year"]
    states = report[report["breakdown"] == "state"].set_index("state")
    for state in ("Oregon", "Washington"):
        n, agree = expected(rows, lambda r, s=state: STATES[r["clinic"]] == s)
        assert (states.loc[state, "n"], states.loc[state, "agree"]) == (n, agree)
        assert states.loc[state, "percent"] == pytest.approx(100 * agree / n)
    by_role = report[report["breakdown"] == "role+year"]
    # roles in pleval.yaml's order, then years
    assert list(zip(by_role["role"], by_role["year"], strict=True)) == [
        ("community_health_worker", "2024"), ("community_health_worker", "2025"), ("nurse", "2025"),
        ("clinic_manager", "2024"), ("clinic_manager", "2025")]
    nurses = by_role[by_role["role"] == "nurse"].iloc[0]
    assert nurses["n"] == 6 and nurses["suppressed"] and pd.isna(nurses["percent"]) and pd.isna(nurses["agree"])
    n, agree = expected(rows, lambda r: ROLE_IDS[r["role"]] == "community_health_worker" and r["year"] == "2025")
    chw = by_role[(by_role["role"] == "community_health_worker") & (by_role["year"] == "2025")].iloc[0]
    assert (chw["n"], chw["agree"]) == (n, agree) and not chw["suppressed"]
    assert report.attrs["provenance"]["population"] == "health workers"
    counts = sites_administered(data)
    assert counts.to_dict("records") == [{"year": "2024", "sites": 1, "respondents": 12},
                                         {"year": "2025", "sites": 3, "respondents": 28}]


def test_filters_by_any_attribute_site_role_and_year(clinics):
    data = load_survey(clinics)
    rows = responses()
    figure = item_figure(data, "supported", Filters(state="Washington", year=2025))
    assert (figure.n, figure.agree) == expected(rows, lambda r: STATES[r["clinic"]] == "Washington")
    assert figure.sites == 2 and figure.years == ("2025",) and figure.population == "health workers"
    pine = item_figure(data, "supported", Filters(clinic="Pine Clinic"))  # the site by its word
    assert pine.n == 6 and pine.suppressed and pine.percent is None
    table = agreement_table(data, items=["supported"], filters=Filters(role="nurse", setting="urban"))
    assert table.loc[0, "n"] == 4
    with pytest.raises(SurveyError, match=r"state 'Oregn' is not one of: Oregon, Washington \(did you mean 'Oregon'"):
        agreement_table(data, filters=Filters(state="Oregn"))
    with pytest.raises(SurveyError, match="year '2025-13' is not written like 2025"):
        agreement_table(data, filters=Filters(year="2025-13"))
    with pytest.raises(SurveyError, match="cannot filter survey responses by 'county'"):
        agreement_table(data, filters=Filters(county="Lane"))


def test_complementary_suppression_protects_the_small_clinic_on_any_breakdown(clinics):
    data = load_survey(clinics)
    cells = [cell for by in ((), ("site",), ("state",), ("setting",))
             for cell in figure_cells(data, "supported", None, by)]
    pine = next(c for c in cells if ("site", "Pine Clinic") in c.key[2])
    assert recoverable(cells, [pine.key]) == [pine.key]  # the state of Washington minus Harbor Clinic
    plan = plan_suppression(cells, data.survey.suppress_below)
    assert plan.reason(pine.key) == PRIMARY and COMPLEMENTARY in plan.reasons.values()
    assert recoverable(cells, plan.reasons) == []


def test_the_cli_speaks_of_clinics_and_breaks_down_by_state_and_role_and_year(clinics):
    runner = CliRunner()
    result = runner.invoke(main, ["survey", "--project", str(clinics.root), "--by", "state,role+year,clinic"])
    assert result.exit_code == 0, result.output
    assert "2025: 28 respondents in 3 clinics" in result.output
    assert "Percent agreeing (state):" in result.output and "Percent agreeing (role+year):" in result.output
    assert "Percent agreeing (clinic):" in result.output
    pine = next(line for line in result.output.splitlines() if "Pine Clinic" in line)
    assert "suppressed (n < 10)" in pine
    for word in ("school", "educator", "Ohio"):
        assert word not in result.output
    result = runner.invoke(main, ["survey", "--project", str(clinics.root), "--filter", "state=Washington",
                                  "--year", "2025", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["provenance"]["filters"] == {"year": ["2025"], "state": ["Washington"]}
    assert payload["sites"] == [{"year": "2025", "sites": 2, "respondents": 18}]


def test_the_default_site_column_is_the_declared_key(tmp_path, clinics):
    (clinics.root / "pleval.yaml").write_text(DECLARATION.replace("key: site,", "key: clinic,"))
    for path in clinics.transcripts_dir.glob("*.txt"):
        path.write_text(path.read_text().replace("\nsite:", "\nclinic:"))
    text = SURVEY.replace("columns: {respondent: Response ID, site: clinic}", "columns: {respondent: Response ID}")
    clinics.survey_path.write_text(text)
    data, problems = check_survey(clinics)
    assert problems == [] and data.responses["site"].nunique() == 3


def test_a_project_without_pleval_yaml_reads_its_survey_in_generic_words(clinics):
    clinics.declaration_path.unlink()
    data, problems = check_survey(clinics)
    assert [p.severity for p in problems] == ["warning", "warning"]  # state and setting: declare them
    assert "attribute 'state' is not declared" in str(problems[0])
    assert set(data.responses["role"]) == {"community_health_worker", "nurse", "clinic_manager"}  # any role
    assert list(data.responses.columns[4:6]) == ["setting", "state"]  # found, by name
    result = CliRunner().invoke(main, ["survey", "--project", str(clinics.root), "--by", "site"])
    assert result.exit_code == 0, result.output
    assert "2025: 28 respondents in 3 sites" in result.output and "Percent agreeing (site):" in result.output


# --- every bad value: one line, with the file and the line -----------------------------------------------------


def one_line_error(project, *args) -> str:
    """The output of ``pleval survey`` that fails: exit code 1, one line, no traceback."""
    result = CliRunner().invoke(main, ["survey", "--project", str(project.root), *args])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert len(errors) == 1, result.output
    return errors[0]


def test_a_month_for_a_year_in_a_respondent_file_is_an_error_on_its_row(clinics):
    rows = responses()
    rows[4]["year"] = "2025-13"
    write_csv(clinics.survey_dir / "responses.csv", rows)
    error = one_line_error(clinics)
    assert "responses.csv:6:3: row 6: year '2025-13' is not written like 2025" in error
    assert "write the year like 2025" in error


@pytest.mark.parametrize("bad, where, says", [
    ("    setting: rural", "    setting: rurl",
     "survey.yaml:15:14: site 'Pine Clinic': setting 'rurl' is not one of: rural, urban (did you mean 'rural'?)"),
    ("    state: Washington\n", "", "survey.yaml:13:5: site 'Pine Clinic': missing state, which pleval.yaml requires"),
    ("years: [2024, 2025]", "years: 2025", "survey.yaml:2:8: survey: years: Input should be a valid list"),
    ("years: [2024, 2025]", "years: [2024-25]", "survey.yaml:2:9: year '2024-25' is not written like 2025"),
    ("roles: {CHW: community_health_worker}", "roles: {CHW: community_health_workr}",
     "survey.yaml:4:14: roles: 'CHW' maps to 'community_health_workr', which is not one of"),
    ("name: Clinic Staff Survey", "name: Clinic Staff Survey\nignore_columns: 7",
     "survey.yaml:2:17: survey: ignore_columns: Input should be a valid list"),
    ("sites:", "clinics:", "survey.yaml:12:1: unknown key 'clinics': the clinics surveyed but not interviewed go "
                            "under 'sites'"),
])
def test_a_bad_value_in_survey_yaml_is_one_line_with_its_line(clinics, bad, where, says):
    text = SURVEY.replace(bad, where)
    assert text != SURVEY
    clinics.survey_path.write_text(text)
    assert says in one_line_error(clinics)


def test_an_unknown_role_in_a_respondent_file_names_the_declared_roles(clinics):
    rows = responses()
    rows[0]["role"] = "Nurce"
    write_csv(clinics.survey_dir / "responses.csv", rows)
    error = one_line_error(clinics)
    assert "responses.csv:2:4: row 2: unknown role 'Nurce' (did you mean 'nurse'?)" in error


def test_population_in_survey_yaml_is_ignored_with_a_warning_saying_where_it_went(clinics):
    clinics.survey_path.write_text(SURVEY.replace("years:", "population: staff\nyears:"))
    data, problems = check_survey(clinics)
    assert data is not None and len(problems) == 1 and problems[0].severity == "warning"
    assert problems[0].line == 2 and "pleval.yaml names the respondents ('health workers')" in str(problems[0])
    assert item_figure(data, "supported").population == "health workers"


def test_a_breakdown_no_response_has_is_an_error(clinics):
    assert "cannot break survey figures down by 'county'" in one_line_error(clinics, "--by", "county")
    assert "Invalid value for --filter: 'state' is not NAME=VALUE" in CliRunner().invoke(
        main, ["survey", "--project", str(clinics.root), "--filter", "state"]).output


def test_the_survey_is_not_read_while_pleval_yaml_is_broken(clinics):
    clinics.declaration_path.write_text(DECLARATION.replace("values: [rural, urban]", "values: rural, urban]"))
    data, problems = check_survey(clinics)
    assert data is None and "not checked while pleval.yaml has errors" in str(problems[0])
    assert "pleval.yaml" in one_line_error(clinics)
