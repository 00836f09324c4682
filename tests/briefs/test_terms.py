"""Flagged terms: capitalised words in chosen quotes that no list names and one site alone uses are flagged;
people's decisions are appended to data/terms.yaml, checked line by line, and act on every brief drafted after."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner
from one_turn import one_turn_transcript

from pleval.briefs.assemble import BriefContext, assemble_brief, flagged_terms
from pleval.briefs.render import build_briefs, check_final
from pleval.briefs.terms import HEADER, TermFinder, load_decisions, record_decision
from pleval.cli import main
from pleval.errors import BriefError, TermsError
from pleval.project import Project
from pleval.validate import validate_project

AT = dt.datetime(2026, 12, 2, 19, 40, tzinfo=dt.UTC)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "data").mkdir()
    return Project.open(tmp_path)


def test_decisions_are_appended_one_a_line_and_the_last_one_holds(project):
    record_decision(project, "Wave  Bucks", "keep", by="ana", at=AT)
    record_decision(project, "wave bucks", "redact", by="ben", at=AT)
    text = project.terms_path.read_text()
    assert text.startswith(HEADER) and text.count("\n- {") == 2
    decisions = load_decisions(project)
    assert list(decisions) == ["wave bucks"]
    decided = decisions["wave bucks"]
    assert (decided.decision, decided.by, decided.at, decided.line) == ("redact", "ben", AT.isoformat(), 4)


def test_a_torn_last_line_is_reported_with_its_line_and_never_appended_to(project):
    record_decision(project, "Wave Bucks", "redact", by="ana", at=AT)
    with project.terms_path.open("a") as handle:
        handle.write('- {term: "Pop-In Fri')  # a write cut short
    with pytest.raises(TermsError) as error:
        load_decisions(project)
    assert f"{project.terms_path.name}:4:" in str(error.value) and "not a decision" in str(error.value)
    before = project.terms_path.read_text()
    with pytest.raises(TermsError):
        record_decision(project, "FFA", "keep", by="ana")
    assert project.terms_path.read_text() == before  # nothing appended to a broken file
    report, _ = validate_project(project)
    assert any(isinstance(p, TermsError) and p.line == 4 for p in report.problems)


@pytest.mark.parametrize("line, message", [
    ('- {term: "X", decision: maybe, by: ana, at: "2026-12-02"}', "decision 'maybe' is neither keep nor redact"),
    ('- {term: "X", decision: keep, at: "2026-12-02"}', "no 'by'"),
    ('- {term: "X", decision: keep, by: ana, at: "2026-12-02", why: fine}', "unknown 'why'"),
    ('- {term: "", decision: keep, by: ana, at: "2026-12-02"}', "the term is empty"),
    ("term: X", "not a decision"),
])
def test_a_bad_decision_is_one_line_naming_file_line_and_fix(project, line, message):
    project.terms_path.write_text(f"# decisions\n{line}\n")
    with pytest.raises(TermsError) as error:
        load_decisions(project)
    assert error.value.line == 2 and message in error.value.message and "pleval terms" in error.value.fix
    assert "\n" not in str(error.value)


def test_recording_refuses_what_is_no_decision(project):
    for term, decision, by in (("", "keep", "ana"), ("FFA", "delete", "ana"), ("FFA", "keep", " ")):
        with pytest.raises(TermsError):
            record_decision(project, term, decision, by=by)
    assert not project.terms_path.exists()


def test_a_term_no_list_names_that_one_site_alone_uses_is_flagged():
    quote = ('And then PBIS, we have the new PBIS tickets this year, the "Wave Bucks." Honestly, '
             "The Wednesday lab runs on [teacher]'s Pop-In Fridays, and the Bucks are fine.")
    at_one = one_turn_transcript("one", "One School", quote)
    at_two = one_turn_transcript("two", "Two School", "Go Bucks. We follow PBIS here too, honestly.")
    finder = TermFinder([at_one, at_two], listed={"pbis", "lab"}, lower_words={"honestly", "wave", "the"})
    found = finder.candidates(quote)
    assert "Wave Bucks" in found and "Pop-In Fridays" in found  # runs of capitalised words no list names
    assert "PBIS" not in found and "Honestly" not in found  # listed; a common word opening a sentence
    assert "Wednesday" not in found and "The Wednesday" not in found  # a day, after a function word
    assert not any("teacher" in term for term in found)  # a placeholder is no term
    flagged = {t.term: t for t in finder.flag([(quote, "one:t000 (competing_initiatives)")])}
    assert set(flagged) == {"Wave Bucks", "Pop-In Fridays"}  # "Bucks" alone: both sites write it
    assert flagged["Wave Bucks"].where == ("one:t000 (competing_initiatives)",)
    assert flagged["Wave Bucks"].decision is None


def test_check_final_names_the_undecided_terms_and_how_to_decide(coded_sample, tmp_path):
    root = tmp_path / "sample"
    shutil.copytree(coded_sample, root)
    project = Project.open(root)
    brief = assemble_brief(project, "region-northwest").brief
    assert brief.undecided_terms == ()  # the sample's decisions: Pop-In Fridays redacted
    assert "Pop-In" not in brief.model_dump_json() and "[local name]" in brief.model_dump_json()
    undecided = brief.model_copy(update={"undecided_terms": ("Wave Bucks",)})
    with pytest.raises(BriefError) as error:
        check_final(undecided)
    assert "'Wave Bucks'" in str(error.value) and "pleval terms keep TERM" in str(error.value)


@pytest.mark.slow
def test_the_samples_local_terms_are_flagged_until_decided_and_a_final_brief_waits(coded_sample, tmp_path):
    root = tmp_path / "sample"
    shutil.copytree(coded_sample, root)
    project = Project.open(root)
    decided = project.terms_path.read_text()
    project.terms_path.unlink()
    context = BriefContext.load(project)
    # the sample's fictional local terms: a reward ticket one school names, a peer-visit program another runs
    wave = next(t for t in context.counted.transcripts if "Wave Bucks" in t.text)
    sentence = wave.text[wave.text.index("And then PBIS"):wave.text.index("It's a lot.")]
    assert "Wave Bucks" in context.terms.candidates(sentence) and context.terms.sites_using("Wave Bucks") == 1
    found = {t.term: t for t in flagged_terms(project, context=context)}
    # the ranking prefers a quote no term in it waits for: the peer-visit quote stops before "Pop-In Fridays"
    # while no one decided on it; the sample's ag teacher's "SAE" is in the only quote her turn gives
    assert "Pop-In Fridays" not in found and "Pop-In Fridays" in context.terms.candidates(
        next(t.text for t in context.counted.transcripts if "Pop-In Fridays" in t.text))
    assert found["SAE"].decision is None and found["SAE"].where[0].startswith("region-southwest: ")

    run = build_briefs(project, ["region-southwest"])  # a draft builds, and says what waits for a decision
    assert not run.failed
    draft = project.briefs_output_dir / "region-southwest"
    assert "SAE" in draft.with_suffix(".html").read_text()
    assert "to keep or redact before a final copy (pleval terms): “SAE”" in draft.with_suffix(".md").read_text()
    refused = build_briefs(project, ["region-southwest"], final=True).failed["region-southwest"]
    assert "'SAE'" in str(refused) and "pleval terms" in str(refused)

    runner = CliRunner()
    listed = runner.invoke(main, ["terms", "--project", str(root), "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    assert "\nSAE,undecided," in listed.output and "Pop-In" not in listed.output
    result = runner.invoke(main, ["terms", "keep", "SAE", "--by", "ana", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert not build_briefs(project, ["region-southwest"], final=True).failed  # decided: the final copy is made
    assert "SAE" in (project.briefs_output_dir / "region-southwest.html").read_text()

    before = (project.briefs_output_dir / "region-northwest.md")
    build_briefs(project, ["region-northwest"])
    assert "Pop-In" not in before.read_text() and "[local name]" not in before.read_text()
    result = runner.invoke(main, ["terms", "redact", "Pop-In", "Fridays", "--by", "ana", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert load_decisions(project)["pop-in fridays"].decision == "redact"
    final = build_briefs(project, ["region-northwest"], final=True)
    assert not final.failed  # decided: the quote it was in is quoted again, the term redacted
    page = (project.briefs_output_dir / "region-northwest.html").read_text()
    assert "Pop-In" not in page and "I started these &#34;[local name]&#34; where" in page
    assert decided.count("\n- {") >= 3  # the sample records its own decisions


def test_terms_cli_reports_a_broken_decisions_file_on_one_line(coded_sample, tmp_path):
    root = tmp_path / "sample"
    shutil.copytree(coded_sample, root)
    project = Project.open(root)
    with project.terms_path.open("a") as handle:
        handle.write("- {term: FFA, decision: drop, by: ana, at: now}\n")
    result = CliRunner().invoke(main, ["terms", "keep", "SAE", "--project", str(root)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and "terms.yaml:" in lines[0] and "decision 'drop' is neither keep nor redact" in lines[0]
