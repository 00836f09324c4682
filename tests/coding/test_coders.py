import json

import pytest
from click.testing import CliRunner

from pleval.cli import main
from pleval.coding.coders import coder_codings, disagreement_table
from pleval.coding.store import CodingLog
from pleval.errors import CoderError
from pleval.inputs.transcripts import load_transcripts


@pytest.fixture
def project(make_project):
    project = make_project(transcripts=["two_speakers.txt", "focus_group_p_labels.txt"])
    turns = {t.id: t.turns for t in load_transcripts(project.transcripts_dir, project.root, site_key="school")[0]}
    folder = project.root / "data" / "codings"
    ana, ben = CodingLog(folder, "ana"), CodingLog(folder, "ben")
    t1, t3 = turns["two-speakers"][1], turns["two-speakers"][3]
    ana.append("apply", transcript_id="two-speakers", start=t1.start, end=t1.end, code_id="funding")
    ana.append("apply", transcript_id="two-speakers", start=t3.start, end=t3.start + 5, code_id="time")
    ben.append("apply", transcript_id="two-speakers", start=t1.start + 3, end=t1.start + 9, code_id="funding")
    ben.append("apply", transcript_id="two-speakers", start=t1.start, end=t3.end, code_id="time")  # spans turns
    return project


def test_codings_land_on_the_participant_units_they_touch(project):
    codings = coder_codings(project, ["ana", "ben"], "turn")
    assert sorted(map(tuple, codings.table.values.tolist())) == [
        ("two-speakers:t001", "ana", "funding"), ("two-speakers:t001", "ben", "funding"),
        ("two-speakers:t001", "ben", "time"), ("two-speakers:t003", "ana", "time"),
        ("two-speakers:t003", "ben", "time"),  # the interviewer turn t002 in between is not a unit
    ]
    assert codings.reviewed["ana"] == ["two-speakers:t001", "two-speakers:t003"]  # only transcripts they coded


def test_reliability_ignores_turns_one_coder_never_reached(project):
    from pleval.coding.coders import reliability_report

    group = next(t for t in load_transcripts(project.transcripts_dir, project.root, site_key="school")[0]
                 if t.id == "focus-group-p-labels")
    first, second = [turn for turn in group.turns if not turn.is_interviewer][:2]
    folder = project.root / "data" / "codings"
    ana, ben = CodingLog(folder, "ana"), CodingLog(folder, "ben")
    ana.append("apply", transcript_id=group.id, start=first.start, end=first.end, code_id="funding")
    ana.append("apply", transcript_id=group.id, start=second.start, end=second.end, code_id="time")
    ben.append("review", transcript_id=group.id, start=first.start, end=first.end)  # done, no code
    codings = coder_codings(project, ["ana", "ben"], "turn")
    reached = f"{group.id}:t{first.index:03d}"
    assert codings.reviewed["ben"] == [reached, "two-speakers:t001", "two-speakers:t003"]
    assert len(codings.reviewed["ana"]) == 4  # her two turns of each transcript, not the whole focus group
    table, _ = reliability_report(project, ["ana", "ben"], n_resamples=20)
    rows = table.set_index("code_id")
    assert rows.loc["funding", "units"] == 3  # the turns both reviewed; ana's second turn is not compared
    assert rows.loc["funding", "prevalence"] == "ana 2/3; ben 1/3"
    assert rows.loc["time", "prevalence"] == "ana 1/3; ben 2/3"
    assert rows.loc["time", "agreement"] == pytest.approx(2 / 3, abs=1e-3)
    whole = coder_codings(project, ["ana", "ben"], "transcript")
    assert whole.reviewed == {"ana": ["two-speakers"], "ben": ["two-speakers"]}  # a transcript once all of it


def test_sentence_and_transcript_units(project):
    sentences = coder_codings(project, ["ana", "ben"], "sentence").table
    assert set(sentences[sentences["coder"] == "ana"]["unit"]) == {"two-speakers:t001.s00", "two-speakers:t001.s01",
                                                                  "two-speakers:t001.s02", "two-speakers:t003.s00"}
    whole = coder_codings(project, ["ana", "ben", "rules"], "transcript")
    assert whole.reviewed["rules"] == ["focus-group-p-labels", "two-speakers"]
    assert ("focus-group-p-labels", "rules", "funding") in set(map(tuple, whole.table.values.tolist()))


def test_disagreements_list_who_applied_what(project):
    table = disagreement_table(coder_codings(project, ["ana", "ben"], "turn"))
    assert table.to_dict("records") == [{
        "unit": "two-speakers:t001", "text": table.iloc[0]["text"], "ana": "funding", "ben": "funding, time",
    }]
    assert table.iloc[0]["text"].startswith("Oh, it's going.")


def test_unknown_coders_and_units_are_named(project):
    with pytest.raises(CoderError, match="no coding log for coder.*cy.*coders with logs: ana, ben, rules"):
        coder_codings(project, ["ana", "cy"])
    with pytest.raises(CoderError, match="unknown unit 'page'"):
        coder_codings(project, ["ana", "ben"], "page")


def test_reliability_command(project):
    runner = CliRunner()
    result = runner.invoke(main, ["reliability", "--project", str(project.root), "--format", "json",
                                  "--resamples", "50"])
    assert result.exit_code == 0, result.output
    rows = {row["code_id"]: row for row in json.loads(result.output)}
    assert rows["time"]["prevalence"] == "ana 1/2; ben 2/2" and rows["time"]["agreement"] == 0.5
    assert rows["funding"]["agreement"] == 1.0 and "(all codes)" in rows
    table = runner.invoke(main, ["reliability", "--project", str(project.root), "--disagreements"])
    assert table.exit_code == 0 and "funding, time" in table.output
    alone = runner.invoke(main, ["reliability", "--project", str(project.root), "--coders", "ana"])
    assert alone.exit_code == 1 and "needs two or more coders" in alone.output


def test_reliability_against_a_reference(project):
    result = CliRunner().invoke(main, ["reliability", "--project", str(project.root), "--coders", "ben",
                                       "--reference", "ana", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["code_id"]: row for row in json.loads(result.output)}
    assert rows["time"]["precision"] == 0.5 and rows["time"]["recall"] == 1.0
    assert rows["time"]["coder"] == "ben" and rows["time"]["reference"] == "ana"


def test_an_edited_transcript_moves_codings_with_their_text_or_flags_them(make_project):
    from pleval.coding.imports import import_codings

    project = make_project(transcripts=["two_speakers.txt"])
    table = project.root / "codings.csv"
    table.write_text("transcript_id,code_id,segment_id\ntwo-speakers,funding,two-speakers:t001\n"
                     "two-speakers,time,two-speakers:t003\n")
    import_codings(project, table, "ana")
    path = project.transcripts_dir / "two_speakers.txt"
    text = path.read_text()
    path.write_text(text.replace("[Recording starts]", "[Recording starts]\nA line added above.")
                    .replace("We never have common planning anymore.", "Planning is fine now."))
    codings = coder_codings(project, ["ana", "rules"], "turn")
    assert ("two-speakers:t001", "ana", "funding") in set(map(tuple, codings.table.values.tolist()))
    moved = [str(p) for p in codings.problems]
    assert len(moved) == 1 and "coding 'time' of ana" in moved[0] and "no longer in the edited transcript" in moved[0]


def test_a_hand_edited_coding_without_a_span_codes_nothing(project):
    """An apply line naming no start and end (a log edited by hand) is no coding; it used to crash the count."""
    log = CodingLog(project.root / "data" / "codings", "ana")
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "x1", "time": "2024-05-01T10:00:00", "coder": "ana", "action": "apply",
                                 "transcript_id": "two-speakers", "code_id": "time"}) + "\n")
    assert all(None not in key for key in log.replay().codings())
    codings = coder_codings(project, ["ana", "ben"], "turn")
    assert sorted(map(tuple, codings.table.values.tolist())) == [
        ("two-speakers:t001", "ana", "funding"), ("two-speakers:t001", "ben", "funding"),
        ("two-speakers:t001", "ben", "time"), ("two-speakers:t003", "ana", "time"),
        ("two-speakers:t003", "ben", "time"),
    ]
