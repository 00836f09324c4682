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


def test_each_transcript_counts_from_one_source(project):
    transcripts = {t.id: t for t in load_transcripts_cached(project)[0]}
    principal, group = transcripts["hilltop-principal"], transcripts["riverbend-focus-group"]
    apply(project, "ana", principal, 1, "funding")
    apply(project, "ben", principal, 1, "funding")
    apply(project, "ben", principal, 1, "time")  # one of two coders: not a majority
    apply(project, "ana", principal, 3, "time")
    apply(project, "consensus", group, 1, "time", sentence_only=True)
    apply(project, "ana", group, 2, "funding")  # the consensus overrides the coders on this transcript

    counted = counted_codings(project)
    sources = {tid: (s.source, s.coders) for tid, s in counted.sources.items()}
    assert sources["hilltop-principal"] == ("human", ("ana", "ben"))
    assert sources["riverbend-focus-group"] == ("consensus", ("consensus",))
    assert sources["hilltop-teacher"] == ("rules", ("rules",))
    table = counted.table
    rows = table[table["transcript_id"] == "hilltop-principal"]
    # ben's lone "time" and ana's lone "time" are each one coder of two
    assert sorted(zip(rows["turn"], rows["code_id"], strict=True)) == [(1, "funding")]
    rows = table[table["transcript_id"] == "riverbend-focus-group"]
    assert list(zip(rows["turn"], rows["code_id"], strict=True)) == [(1, "time")]
    turn = group.turns[1]
    assert (rows["start"].iloc[0], rows["end"].iloc[0]) == (turn.start, turn.start + turn.text.index(".") + 1)
    assert rows["rules_score"].iloc[0] == 1.0 and rows["evidence"].iloc[0]  # the rules agree: evidence attached
    rules = table[table["transcript_id"] == "hilltop-teacher"]
    assert set(rules["source"]) == {"rules"} and set(rules["code_id"]) == {"funding", "time"}
    assert not any(group.turns[i].is_interviewer for i in table[table["transcript_id"] == group.id]["turn"])


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
