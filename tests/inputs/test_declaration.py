"""pleval.yaml: the project's declaration, its defaults, and every problem with its line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pleval.errors import DeclarationError, DeclarationWarning, ProjectError
from pleval.inputs.declaration import (
    GENERIC_PROFILE,
    check_declaration,
    load_declaration,
    profile_names,
    profile_path,
    project_declaration,
)
from pleval.project import Project
from pleval.schema.declaration import DEFAULT_DECLARATION, Attribute, Declaration, Periods, did_you_mean

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "declaration"


def test_without_a_project_file_a_project_gets_the_generic_default(tmp_path):
    (tmp_path / "data").mkdir()
    declaration = project_declaration(Project.open(tmp_path))
    assert declaration == DEFAULT_DECLARATION == Declaration()
    assert (declaration.site.key, declaration.site.singular, declaration.site.plural) == ("site", "site", "sites")
    assert declaration.site_attributes == declaration.participant_attributes == declaration.roles == ()
    assert declaration.check_role("community_health_worker") is None  # any role goes
    assert declaration.periods.kind == "calendar_year" and declaration.periods.title == "year"
    assert declaration.words.people.plural == "participants"
    assert "Dr" in declaration.redaction.titles and declaration.redaction.site_endings == ()


def test_a_project_declares_its_own_sites_attributes_roles_and_periods():
    declaration, problems = load_declaration(FIXTURES / "clinics.yaml")
    assert problems == [] and declaration is not None
    assert declaration.site.plural == "clinics" and declaration.site.key == "clinic"
    assert declaration.attribute("state").required and declaration.attribute("cohort").values == ()
    worker = declaration.role("community_health_worker")
    assert (worker.singular, worker.plurals, worker.signature, worker.redacted) == (
        "community health worker", "community health workers", "Community health worker",
        "[community health worker]")
    assert declaration.group(worker.group).noun == "staff member"
    assert declaration.periods.kind == "program_year" and declaration.periods.start_month == 10
    assert declaration.redaction.never_redact == ("Medicaid",)


def test_every_mistake_is_reported_with_its_line_and_column_and_a_near_miss_is_named():
    declaration, problems = load_declaration(FIXTURES / "misspelt.yaml")
    assert declaration is None
    assert all(isinstance(p, DeclarationError) and p.path == FIXTURES / "misspelt.yaml" for p in problems)
    lines = {p.line: str(p) for p in problems}
    assert "unknown key 'plurall'" in lines[3] and lines[3].count("\n") == 0
    assert "words: 'Oregan' is not one of the values (did you mean 'Oregon'?)" in lines[7]
    assert "periods: kind program_year needs a start_month" in lines[12]
    assert all(p.column is not None for p in problems)


def test_cross_references_are_checked_once_the_file_is_valid(tmp_path):
    path = tmp_path / "pleval.yaml"
    text = (FIXTURES / "misspelt.yaml").read_text()
    path.write_text(text.replace("plurall", "plural").replace("Oregan", "Oregon").replace(
        "{kind: program_year}", "{kind: program_year, start_month: 9}"))
    declaration, problems = load_declaration(path)
    assert declaration is None
    messages = {(p.line, p.column): p.message for p in problems}
    assert messages == {
        (9, 24): "role 'nurse': unknown group 'staf' (did you mean 'staff'?)",
        (13, 28): "attribution: unknown attribute 'stat' (did you mean 'state'?)",
    }


def test_an_attribute_declared_twice_or_shadowing_a_built_in_key_is_an_error(tmp_path):
    path = tmp_path / "pleval.yaml"
    path.write_text("site_attributes:\n  - name: region\n  - name: date\nparticipant_attributes:\n"
                    "  - name: region\n")
    _, problems = load_declaration(path)
    assert [p.line for p in problems] == [3, 5]


def test_the_spread_of_a_brief_names_a_declared_site_attribute(tmp_path):
    path = tmp_path / "pleval.yaml"
    path.write_text("site_attributes:\n  - name: state\nwords:\n  spread: {attribute: stat, plural: states}\n")
    declaration, problems = load_declaration(path)
    assert declaration is None
    assert [(p.line, p.message) for p in problems] == [
        (4, "words: unknown site attribute 'stat' (did you mean 'state'?)")]
    path.write_text("site_attributes:\n  - name: state\nwords:\n  spread: {attribute: state, plural: states}\n")
    declaration, problems = load_declaration(path)
    assert problems == [] and declaration.words.spread.plural == "states"


def test_a_broken_file_is_one_error_with_its_position(tmp_path):
    path = tmp_path / "pleval.yaml"
    path.write_text("site: [school\n")
    declaration, problems = load_declaration(path)
    assert declaration is None and len(problems) == 1 and problems[0].line is not None
    path.write_text("- school\n")
    assert "must be a YAML mapping" in str(load_declaration(path).problems[0])


def test_a_command_stops_on_the_first_error_of_the_declaration(tmp_path):
    (tmp_path / "pleval.yaml").write_text("periods: {kind: fiscal_year}\n")
    project = Project.open(tmp_path)
    with pytest.raises(DeclarationError, match=r"pleval.yaml:1:\d+: .*periods"):
        project_declaration(project)


def test_the_declaration_is_read_again_only_when_the_file_changes(tmp_path):
    path = tmp_path / "pleval.yaml"
    path.write_text("site: {singular: clinic, plural: clinics}\n")
    project = Project.open(tmp_path)
    first = check_declaration(project)
    assert check_declaration(project) is first
    path.write_text("site: {singular: library, plural: libraries}\n")
    assert project_declaration(project).site.plural == "libraries"
    path.unlink()
    assert project_declaration(project) == DEFAULT_DECLARATION


def test_declared_values_make_validation_strict_with_did_you_mean():
    region = Attribute(name="region", values=("northwest", "central"))
    assert region.check("central") is None
    assert region.check("centrl") == "region 'centrl' is not one of: northwest, central (did you mean 'central'?)"
    assert region.check("Mars") == "region 'Mars' is not one of: northwest, central"
    assert Attribute(name="county").check("anything") is None
    declaration = Declaration.model_validate({"roles": [{"id": "teacher"}, {"id": "principal"}]})
    assert declaration.check_role("principal") is None
    assert "did you mean 'teacher'?" in declaration.check_role("teachr")
    assert did_you_mean("CENTRL", ["central"]) == " (did you mean 'central'?)"


def test_periods_take_a_start_month_only_when_they_need_one():
    assert Periods(kind="school_year", start_month=7).title == "school year"
    assert Periods(kind="none").title == "year"
    with pytest.raises(ValueError, match="takes no start_month"):
        Periods(kind="calendar_year", start_month=7)
    with pytest.raises(ValueError, match="less than or equal to 12"):
        Periods(kind="program_year", start_month=13)


def test_a_folder_with_only_pleval_yaml_is_a_project_and_is_found_from_below(tmp_path, tmp_path_factory):
    (tmp_path / "pleval.yaml").write_text("site: {singular: branch library, plural: branch libraries}\n")
    below = tmp_path / "notes" / "drafts"
    below.mkdir(parents=True)
    assert Project.open(tmp_path).root == tmp_path.absolute()
    assert Project.find(below).root == tmp_path.absolute()
    with pytest.raises(ProjectError, match="no pleval project"):
        Project.find(tmp_path_factory.mktemp("elsewhere"))


def test_the_generic_profile_spells_out_the_defaults():
    declaration, problems = load_declaration(profile_path(GENERIC_PROFILE))
    assert problems == [] and declaration == DEFAULT_DECLARATION


@pytest.mark.parametrize("name", profile_names())
def test_every_starter_profile_is_a_valid_commented_declaration_without_a_state_in_it(name):
    declaration, problems = load_declaration(profile_path(name))
    assert problems == [] and declaration is not None
    text = profile_path(name).read_text(encoding="utf-8")
    assert text.startswith("# pleval.yaml")
    assert "ohio" not in text.casefold()  # a starter profile fits any state; the sample declares its own


def test_the_us_k12_profile_declares_schools_roles_and_school_years():
    declaration, _ = load_declaration(profile_path("us-k12"))
    assert (declaration.site.key, declaration.site.plural) == ("school", "schools")
    assert "teacher" in declaration.role_ids and declaration.periods.kind == "school_year"
    assert declaration.attribute("school_level").values[:3] == ("elementary", "middle", "high")


def test_an_unknown_profile_names_the_known_ones():
    assert {"generic", "us-k12"} <= set(profile_names())
    with pytest.raises(DeclarationError, match=r"no starter profile 'us-k21' \(did you mean 'us-k12'\?\)") as error:
        profile_path("us-k21")
    assert "generic" in error.value.fix


# --- transcript metadata against the declaration ---------------------------------------------------------------


def _validated(project):
    from pleval.validate import validate_project

    report, _ = validate_project(project)
    return report


def test_undeclared_keys_and_roles_are_each_reported_once_with_how_to_declare_them(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"], declaration=False)
    report = _validated(project)
    assert report.errors == []
    warnings = [w for w in report.warnings if isinstance(w, DeclarationWarning)]
    [site] = [w for w in warnings if w.message.startswith("no 'site'")]  # once, though neither names a site
    assert site.path.name == "two_speakers.txt" and "'site: {key: ...}'" in site.fix
    keys = [w.message for w in warnings if w.message.startswith("metadata key")]
    assert keys == [f"metadata key '{k}' is not declared in pleval.yaml"
                    for k in ("school", "district", "region", "school_level", "locale", "pathway")]
    first = next(w for w in warnings if w.message.startswith("metadata key"))
    assert first.path.name == "two_speakers.txt" and (first.line, first.column) == (5, 1)
    assert first.fix == ("add '- name: school' under site_attributes in pleval.yaml, "
                         "or make it the site's key: 'site: {key: school}'")
    roles = [w for w in warnings if w.message.startswith("role")]
    # a teacher in each transcript, reported once
    assert [w.message for w in roles] == ["role 'teacher' is not declared in pleval.yaml"]
    teacher = next(w for w in roles if "'teacher'" in w.message)
    assert (teacher.path.name, teacher.line) == ("two_speakers.txt", 14)
    assert teacher.fix == "add '- {id: teacher, noun: ..., plural: ...}' under roles in pleval.yaml"


def test_a_sidecars_key_is_placed_in_the_sidecar(make_project):
    project = make_project(transcripts=["zoom_voice_tags.vtt"], declaration=False)
    [school] = [w for w in _validated(project).warnings if "'school'" in w.message]
    assert school.path.name == "zoom_voice_tags.meta.yaml" and school.line is not None


def test_a_declared_project_validates_without_a_warning_and_is_strict(make_project):
    project = make_project(transcripts=["two_speakers.txt"], declaration=False)
    shutil.copy(ROOT / "pleval.yaml", project.declaration_path)
    assert _validated(project).problems == []
    text = project.declaration_path.read_text()
    text = text.replace("[rural, small town, suburban, urban]", "[small town, suburban, urban]")
    project.declaration_path.write_text(text.replace("{rural: a rural community, ", "{")
                                        .replace("- name: esc\n    label: ESC\n", "- name: esc\n    required: true\n")
                                        .replace("  - {id: teacher, ", "  - {id: teachr, "))
    errors = _validated(project).errors
    messages = {(e.path.name, e.line): e.message for e in errors}
    assert messages == {
        ("two_speakers.txt", 9): "locale 'rural' is not one of: small town, suburban, urban (did you mean 'urban'?)",
        ("two_speakers.txt", 2): "missing esc, which pleval.yaml requires",
        ("two_speakers.txt", 14): "role 'teacher' is not one of: teachr, instructional_coach, principal, "
                                  "assistant_principal, district_leader, esc_facilitator, counselor, "
                                  "intervention_specialist, paraprofessional, other (did you mean 'teachr'?)",
    }


def test_a_broken_declaration_is_reported_by_validate_with_its_position(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    project.declaration_path.write_text("site:\n  singular: clinic\nperiods: {kind: fiscal}\n")
    [error] = _validated(project).errors
    assert isinstance(error, DeclarationError) and (error.path.name, error.line) == ("pleval.yaml", 3)
