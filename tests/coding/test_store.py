"""The human coding store never loses an acknowledged decision: crashes, torn lines, concurrent writers."""

import json
import signal
import subprocess
import sys
import time

import pytest

from pleval.coding.store import CodingLog, coders
from pleval.errors import StoreError, TornLineWarning

APPEND_FOREVER = """
import sys
from pleval.coding.store import CodingLog
log = CodingLog(sys.argv[1], sys.argv[2])
for n in range(int(sys.argv[3])):
    event = log.append("apply", transcript_id="t", start=n, end=n + 5, code_id="funding")
    print(event.id, flush=True)  # acknowledged: the append returned, so it is on disk
"""


def test_decisions_replay_into_the_current_coding(tmp_path):
    log = CodingLog(tmp_path, "ana")
    first = log.append("apply", transcript_id="t1", start=0, end=10, code_id="time", transcript_hash="h")
    log.append("apply", transcript_id="t1", start=0, end=10, code_id="funding")
    log.append("remove", transcript_id="t1", start=0, end=10, code_id="funding")
    log.append("accept", transcript_id="t1", start=20, end=30, code_id="funding")
    log.append("memo", transcript_id="t1", segment_id="t1:t002", memo="ask Ben about this one")
    replay = log.replay()
    assert [e.action for e in replay.events] == ["apply", "apply", "remove", "accept", "memo"]
    assert sorted(replay.codings()) == [("t1", 0, 10, "time"), ("t1", 20, 30, "funding")]
    assert replay.codings()[("t1", 0, 10, "time")].id == first.id
    assert replay.events[0].transcript_hash == "h" and replay.problems == []


def test_undo_is_a_new_event_and_can_itself_be_undone(tmp_path):
    log = CodingLog(tmp_path, "ana")
    applied = log.append("apply", transcript_id="t", start=0, end=4, code_id="time")
    undo = log.append("undo", undoes=applied.id)
    assert log.replay().codings() == {}
    log.append("undo", undoes=undo.id)
    assert list(log.replay().codings()) == [("t", 0, 4, "time")]
    assert len(log.path.read_text().splitlines()) == 3  # nothing was rewritten


def test_a_torn_last_line_is_reported_skipped_and_the_next_append_starts_fresh(tmp_path):
    log = CodingLog(tmp_path, "ana")
    log.append("apply", transcript_id="t", start=0, end=4, code_id="time")
    with open(log.path, "ab") as handle:
        handle.write(b'{"id": "abc", "time": "2024')  # a crash mid-write
    replay = log.replay()
    assert len(replay.events) == 1
    assert isinstance(replay.problems[0], TornLineWarning) and replay.problems[0].line == 2
    assert "unfinished last line" in str(replay.problems[0]) and "ana.jsonl:2" in str(replay.problems[0])
    log.append("apply", transcript_id="t", start=5, end=9, code_id="time")
    replay = log.replay()
    assert [e.start for e in replay.events] == [0, 5] and len(replay.problems) == 1


def test_an_acknowledged_decision_survives_sigkill(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", APPEND_FOREVER, str(tmp_path), "ana", "100000"],
                             stdout=subprocess.PIPE, text=True)
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        acknowledged.append(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)  # mid-stream: it is still appending
    child.wait()
    assert len(acknowledged) == 300
    replay = CodingLog(tmp_path, "ana").replay()
    kept = {event.id for event in replay.events}
    assert set(acknowledged) <= kept
    assert len(replay.problems) <= 1  # at most the line being written when it died


def test_two_writers_at_once_never_interleave(tmp_path):
    writers = [subprocess.Popen([sys.executable, "-c", APPEND_FOREVER, str(tmp_path), "ana", "1000"],
                                stdout=subprocess.DEVNULL) for _ in range(2)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    lines = CodingLog(tmp_path, "ana").path.read_text().splitlines()
    assert len(lines) == 2000
    assert all(json.loads(line)["action"] == "apply" for line in lines)
    replay = CodingLog(tmp_path, "ana").replay()
    assert len(replay.events) == 2000 and replay.problems == []


@pytest.mark.parametrize("coder", ["../evil", "a/b", "", ".."])
def test_a_coder_name_cannot_escape_the_codings_folder(tmp_path, coder):
    with pytest.raises(StoreError, match="coder name"):
        CodingLog(tmp_path, coder)


def test_bad_events_are_refused_before_anything_is_written(tmp_path):
    log = CodingLog(tmp_path, "ana")
    with pytest.raises(StoreError, match="unknown action 'delete'"):
        log.append("delete")
    with pytest.raises(StoreError, match="unknown event field"):
        log.append("apply", colour="red")
    with pytest.raises(StoreError, match="undo must name"):
        log.append("undo")
    assert not log.path.exists() and coders(tmp_path) == []


def test_a_renamed_code_keeps_every_coding_and_a_removed_one_is_reported(tmp_path):
    from pleval.inputs.codebook import load_codebook

    from conftest import FIXTURES

    log = CodingLog(tmp_path, "ana")
    for n in range(3):
        log.append("apply", transcript_id="t", start=n * 10, end=n * 10 + 5, code_id="time")
    log.append("apply", transcript_id="t", start=50, end=60, code_id="funding")
    log.append("remove", transcript_id="t", start=0, end=5, code_id="time_to_collaborate")  # after the rename
    renamed = load_codebook(FIXTURES / "codebooks" / "renamed_code.yaml")  # time -> time_to_collaborate
    codings = log.replay().codings(renamed)
    assert sorted(codings) == [("t", 10, 15, "time_to_collaborate"), ("t", 20, 25, "time_to_collaborate"),
                               ("t", 50, 60, "funding")]
    assert log.replay().orphans(renamed) == []
    original = load_codebook(FIXTURES / "codebooks" / "two_codes.yaml")
    without_time = original.model_copy(update={"codes": [c for c in original.codes if c.id != "time"]})
    orphans = log.replay().orphans(without_time)
    assert len(orphans) == 1 and "3 coding(s) use code 'time'" in str(orphans[0])
    assert "renamed_from: [time]" in str(orphans[0])


def test_codings_are_reanchored_by_their_text_when_the_transcript_changes():
    from pleval.coding.store import Event, reanchor

    old = "Intro. We ran out of grant money. Bye."
    event = Event("e1", "now", "ana", "apply", transcript_id="t", transcript_hash="old", start=7, end=33,
                  code_id="funding", text=old[7:33])
    assert reanchor(event, old, "old") == (7, 33)
    edited = "A new first line.\nIntro. We ran out of grant money. Bye."
    start, end = reanchor(event, edited, "new")
    assert edited[start:end] == "We ran out of grant money." and start == 25
    assert reanchor(event, "Intro. Money is fine now. Bye.", "newer") is None
