"""Which coding counts: the consensus first, else a strict majority of human coders, else the rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pleval.coding.sources import counted_codings, human_agreement
from pleval.coding.store import CodingLog
from pleval.inputs.cache import load_transcripts_cached
from pleval.project import Project
from pleval.schema import segment_id

BRIEF_PROJECT = Path(__file__).parents[1] / "fixtures" / "brief"


@pytest.fixture
def project(tmp_path):
    shutil.copytree(BRIEF_PROJECT, tmp_path / "project")
    return Project.open(tmp_path / "project")


def apply(project, coder, transcript, turn_index, code_id, *, sentence_only=False):
    turn = transcript.turns[turn_index]
    end = turn.start + turn.text.index(".") + 1 if sentence_only else turn.end
    CodingLog(project.root / "data" / "codings", coder).append(
        "apply", transcript_id=transcript.id, transcript_hash=transcript.text_hash,
        segment_id=segment_id(transcript.id, turn_index), start=turn.start, end=end, code_id=code_id,
        text=transcript.text[turn.start:end])


def review(project, coder, transcript, turn_index, action="review", **fields):
    """A decision on a whole turn with no code: "done" (the review action), or a memo."""
    turn = transcript.turns[turn_index]
    CodingLog(project.root / "data" / "codings", coder).append(
        action, transcript_id=transcript.id, transcript_hash=transcript.text_hash,
        segment_id=segment_id(transcript.id, turn_index), start=turn.start, end=turn.end, text=turn.text, **fields)


def test_each_turn_counts_from_one_source(project):
    transcripts = {t.id: t for t in load_transcripts_cached(project)[0]}
    principal, group = transcripts["hilltop-principal"], transcripts["riverbend-focus-group"]
    apply(project, "ana", principal, 1, "funding")
    apply(project, "ben", principal, 1, "funding")
    apply(project, "ben", principal, 1, "time")  # one of two coders: not a majority
    apply(project, "ana", principal, 3, "time")
    review(project, "ben", principal, 3)  # ben read turn 3 and coded nothing there
    apply(project, "consensus", group, 1, "time", sentence_only=True)
    apply(project, "ana", group, 1, "funding")  # the consensus overrides the coders on the turns it reviewed
    apply(project, "ana", group, 2, "funding")  # ... and only on those

    counted = counted_codings(project)
    sources = {sid: (s.source, s.coders) for sid, s in counted.sources.items()}
    assert sources["hilltop-principal:t001"] == sources["hilltop-principal:t003"] == ("human", ("ana", "ben"))
    assert sources["riverbend-focus-group:t001"] == ("consensus", ("consensus",))
    assert sources["riverbend-focus-group:t002"] == ("human", ("ana",))
    assert sources["riverbend-focus-group:t003"] == sources["hilltop-teacher:t001"] == ("rules", ("rules",))
    assert "hilltop-principal:t000" not in sources  # interviewer turns have no source: they never count
    table = counted.table
    rows = table[table["transcript_id"] == "hilltop-principal"]
    # ben's lone "time" on turn 1 and ana's lone "time" on turn 3 are each one coder of two; the rules' codings
    # of both turns (funding and time) give way to the people who reviewed them
    assert sorted(zip(rows["turn"], rows["code_id"], strict=True)) == [(1, "funding")]
    rows = table[table["transcript_id"] == "riverbend-focus-group"]
    assert list(zip(rows["turn"], rows["code_id"], rows["source"], strict=True)) == [
        (1, "time", "consensus"), (2, "funding", "human"), (3, "funding", "rules"), (3, "time", "rules")]
    turn = group.turns[1]
    assert (rows["start"].iloc[0], rows["end"].iloc[0]) == (turn.start, turn.start + turn.text.index(".") + 1)
    assert rows["rules_score"].iloc[0] == 1.0 and rows["evidence"].iloc[0]  # the rules agree: evidence attached
    rules = table[table["transcript_id"] == "hilltop-teacher"]
    assert set(rules["source"]) == {"rules"} and set(rules["code_id"]) == {"funding", "time"}
    assert not any(group.turns[i].is_interviewer for i in table[table["transcript_id"] == group.id]["turn"])
    assert counted.source_counts([principal.id, group.id]) == {"consensus": 1, "human": 3, "rules": 1}


def test_coding_one_turn_leaves_the_rules_on_the_others(project):
    group = next(t for t in load_transcripts_cached(project)[0] if t.id == "riverbend-focus-group")
    before = counted_codings(project).table.query("transcript_id == 'riverbend-focus-group'")
    apply(project, "ana", group, 2, "time")
    after = counted_codings(project).table.query("transcript_id == 'riverbend-focus-group'")
    assert list(zip(after["turn"], after["code_id"], after["source"], strict=True)) == [
        (1, "time", "rules"), (2, "time", "human"), (3, "funding", "rules"), (3, "time", "rules")]
    unchanged = before[before["turn"] != 2][["turn", "code_id", "source"]].reset_index(drop=True)
    assert after[after["turn"] != 2][["turn", "code_id", "source"]].reset_index(drop=True).equals(unchanged)


def test_done_and_memos_review_a_turn_with_no_code(project):
    teacher = next(t for t in load_transcripts_cached(project)[0] if t.id == "hilltop-teacher")
    review(project, "ana", teacher, 1)  # done, no code: the rules' funding there no longer counts
    review(project, "ben", teacher, 3, action="memo", memo="nothing to code here")
    counted = counted_codings(project)
    rows = counted.table.query("transcript_id == 'hilltop-teacher'")
    assert rows.empty
    assert [counted.sources[f"hilltop-teacher:t00{i}"].coders for i in (1, 3)] == [("ana",), ("ben",)]
    log = CodingLog(project.root / "data" / "codings", "ana")
    log.append("undo", undoes=log.replay().events[-1].id)  # an undone "done" reviews nothing
    rows = counted_codings(project).table.query("transcript_id == 'hilltop-teacher'")
    assert list(zip(rows["turn"], rows["code_id"], rows["source"], strict=True)) == [(1, "funding", "rules")]


def test_a_single_human_coder_counts_alone(project):
    transcript = next(t for t in load_transcripts_cached(project)[0] if t.id == "sunfield-coach")
    apply(project, "ana", transcript, 3, "time")
    rows = counted_codings(project).table.query("transcript_id == 'sunfield-coach'")
    assert list(rows["code_id"]) == ["time"] and list(rows["coders"]) == ["ana"]


def test_agreement_gate(project):
    transcripts = {t.id: t for t in load_transcripts_cached(project)[0]}
    assert all(r.provisional and r.human_codings == 0 for r in human_agreement(project).values())
    teacher = transcripts["hilltop-teacher"]
    for coder in ("ana", "ben"):
        apply(project, coder, teacher, 1, "funding")
    apply(project, "ana", teacher, 3, "time")
    apply(project, "ben", teacher, 3, "funding")
    gate = human_agreement(project)
    assert gate["funding"].alpha is not None and gate["funding"].coders == ("ana", "ben")
    assert gate["time"].provisional and gate["time"].human_codings == 1
