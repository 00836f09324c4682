"""The coding session: what a coder sees, and every decision written to their log before it returns."""

from __future__ import annotations

import datetime as dt

import pytest
from clinic_project import make_clinic_project

from pleval.coding import store
from pleval.coding.store import CodingLog
from pleval.errors import SessionError
from pleval.review.reconcile import ReconcileSession
from pleval.review.session import CodingSession


@pytest.fixture
def project(fresh_sample):
    return fresh_sample


def logged(project, coder):
    return [(e.action, e.code_id, e.segment_id) for e in CodingLog(project.root / "data" / "codings", coder)
            .replay().events]


def test_units_are_participant_turns_of_the_chosen_transcripts(project):
    session = CodingSession(project, "cara", transcripts=["nw-maumee-ridge-teacher"])
    segments = [session.segments[u] for u in session.units]
    assert segments and all(not s.is_interviewer for s in segments)
    assert {s.transcript_id for s in segments} == {"nw-maumee-ridge-teacher"}
    assert session.progress() == (0, len(segments))


def test_unknown_filters_are_refused_with_the_choices(project):
    with pytest.raises(SessionError, match="unknown transcript"):
        CodingSession(project, "cara", transcripts=["no-such-interview"])
    with pytest.raises(SessionError, match="unknown code"):
        CodingSession(project, "cara", codes=["fundng"])


def test_apply_is_in_the_log_before_it_returns_and_toggle_removes(project):
    session = CodingSession(project, "cara")
    segment = session.current
    session.apply("funding")
    assert logged(project, "cara") == [("apply", "funding", segment.id)]
    event = CodingLog(project.root / "data" / "codings", "cara").replay().events[0]
    assert (event.start, event.end, event.text) == (segment.start, segment.end, segment.text)
    assert event.transcript_hash and event.codebook_hash == session.codebook.hash
    assert [a.code_id for a in session.applied()] == ["funding"]
    session.toggle("funding")
    assert session.applied() == []
    assert logged(project, "cara")[-1] == ("remove", "funding", segment.id)


def test_codes_on_chosen_sentences_get_the_sentence_spans(project):
    session = CodingSession(project, "cara")
    while len(session.current.sentences) < 3:
        session.next()
    sentences = session.current.sentences
    session.apply("time", sentences=[1, 3])
    spans = sorted((a.start, a.end) for a in session.applied())
    assert spans == [(sentences[0].start, sentences[0].end), (sentences[2].start, sentences[2].end)]
    assert {a.sentence_ids for a in session.applied()} == {(sentences[0].id,), (sentences[2].id,)}
    with pytest.raises(SessionError, match="no sentence"):
        session.apply("time", sentences=[99])


def test_accept_and_reject_suggestions(project):
    session = CodingSession(project, "cara")
    assert session.next_suggestion() is not None
    first, *rest = session.suggestions()
    assert first.status == "pending" and first.source == "rules" and first.evidence
    session.accept(first.code_id)
    assert session.suggestions()[0].status == "accepted"
    assert first.code_id in {a.code_id for a in session.applied()}
    session.reject(first.code_id)  # changing one's mind takes the code off again
    assert [s.status for s in session.suggestions() if s.code_id == first.code_id] == ["rejected"]
    assert first.code_id not in {a.code_id for a in session.applied()}
    assert [a for a, *_ in logged(project, "cara")] == ["accept", "reject"]


@pytest.mark.parametrize("clock", ["steady", "ticking"])
def test_undo_is_a_new_event_and_takes_back_the_whole_click(project, monkeypatch, clock):
    if clock == "ticking":  # a busy machine can cross a millisecond between a click's events: still one decision
        ticks = iter(range(10_000))
        monkeypatch.setattr(store, "_now", lambda: f"2026-01-01T00:00:{next(ticks) % 60:02d}.000+00:00")
    session = CodingSession(project, "cara")
    while len(session.current.sentences) < 2:
        session.next()
    session.apply("funding")
    session.apply("time", sentences=[1, 2])  # one click, two events
    session.undo()
    assert [a.code_id for a in session.applied()] == ["funding"]
    actions = [a for a, *_ in logged(project, "cara")]
    assert actions == ["apply", "apply", "apply", "undo", "undo"]  # nothing rewritten


def test_memo_and_done_count_as_coded(project):
    session = CodingSession(project, "cara")
    first = session.current
    session.done()
    assert session.is_coded(first) and session.progress()[0] == 1
    session.next()
    session.write_memo("Talks about the bus schedule; no theme.")
    assert session.memo() == "Talks about the bus schedule; no theme."
    assert session.progress()[0] == 2


def test_next_uncoded_skips_decided_turns_and_says_when_none_are_left(project):
    session = CodingSession(project, "cara", transcripts=["nw-maumee-ridge-teacher"])
    session.done()
    session.go(1)
    session.done()
    session.go(0)
    assert session.next_uncoded().id == session.units[2]
    for position in range(len(session.units)):
        session.go(position)
        session.done()
    assert session.next_uncoded() is None


def test_reopening_resumes_at_the_last_decision(project):
    session = CodingSession(project, "cara")
    session.go(7)
    session.apply("funding")
    assert CodingSession(project, "cara").current.id == session.units[7]


def test_two_sessions_of_one_coder_see_each_others_decisions(project):
    tab1 = CodingSession(project, "cara")
    tab2 = CodingSession(project, "cara")
    tab1.apply("funding")
    tab2.apply("time")
    assert {a.code_id for a in tab2.applied()} == {"funding", "time"}
    tab1.refresh()
    assert {a.code_id for a in tab1.applied()} == {"funding", "time"}


def test_filters_by_role_school_and_code(project):
    session = CodingSession(project, "cara")
    session.filter(roles="principal")
    assert session.units and {session.segments[u].role for u in session.units} == {"principal"}
    school = session.transcripts[session.current.transcript_id].meta.site
    session.filter(filters={"school": [school]})  # the site, under the key the sample's pleval.yaml gives it
    assert {session.transcripts[session.segments[u].transcript_id].meta.site for u in session.units} == {school}
    session.filter(code="regional_support")
    assert session.units and all("regional_support" in {s.code_id for s in session.suggestions(session.segments[u])}
                                 for u in session.units)


def test_filters_by_any_site_attribute_and_the_period(project):
    session = CodingSession(project, "cara", filters={"region": "northwest", "year": ["2023-24"]})
    metas = [session.transcripts[t].meta for t in {session.segments[u].transcript_id for u in session.units}]
    assert metas and {m.attributes["region"] for m in metas} == {"northwest"}
    assert all(dt.date(2023, 7, 1) <= m.date < dt.date(2024, 7, 1) for m in metas)  # the sample's school year
    everywhere = len(CodingSession(project, "cara").units)
    session.filter(filters={"site": [metas[0].site], "school_level": ["elementary", "middle"]})
    assert 0 < len(session.units) < everywhere
    assert session.turn_filters.values("region") == ["northwest", "northeast", "southwest", "southeast", "central"]
    assert session.turn_filters.title("school") == "School" and session.turn_filters.title("year") == "School year"


@pytest.mark.parametrize("filters, message", [
    ({"regoin": ["northwest"]}, "cannot filter by 'regoin' (did you mean 'region'?)"),
    ({"region": ["nortwest"]}, "no turn to code has region 'nortwest' (did you mean 'northwest'?)"),
    ({"year": ["2023"]}, "school year '2023'"),
])
def test_a_filter_no_turn_can_meet_is_refused_in_one_line(project, filters, message):
    with pytest.raises(SessionError) as raised:
        CodingSession(project, "cara", filters=filters)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_blind_mode_hides_other_coders(project):
    assert CodingSession(project, "cara", transcripts=["nw-maumee-ridge-teacher"]).others() == {}
    open_session = CodingSession(project, "cara", transcripts=["nw-maumee-ridge-teacher"], blind=False)
    seen = {}
    for unit in open_session.units:
        seen.update(open_session.others(open_session.segments[unit]))
    assert {"ana", "ben"} <= set(seen)


def test_reconciliation_keeps_the_filters_it_was_opened_with(project):
    everything = ReconcileSession(project, ["ana", "ben"])
    session = ReconcileSession(project, ["ana", "ben"], roles=["teacher"], filters={"region": ["southeast"]})
    assert session.units and set(session.units) < set(everything.units)
    assert {session.segments[u].role for u in session.units} == {"teacher"}
    assert {session.transcripts[session.segments[u].transcript_id].meta.attributes["region"]
            for u in session.units} == {"southeast"}


def test_reconciliation_walks_disagreements_and_writes_consensus(tmp_path, project):
    (project.root / "data" / "codings" / "consensus.jsonl").unlink()
    session = ReconcileSession(project, ["ana", "ben"])
    assert session.coder == "consensus" and session.units
    assert set(session.units) == set(session.disagreements["unit"])
    others = session.others()
    assert others["ana"] != others["ben"]
    session.take("ben")
    assert {a.code_id for a in session.applied()} == set(others["ben"])
    assert session.is_coded()
    settled = session.accept_agreements()
    assert settled > 0
    log = logged(project, "consensus")
    assert {a for a, *_ in log} == {"apply", "review"}
    assert not (project.root / "data" / "codings" / "ana.jsonl").read_text().count("consensus")


def test_the_session_shows_what_a_full_replay_of_the_log_holds(project):
    """The session reads its log incrementally; it must agree with a replay from scratch."""
    session = CodingSession(project, "ana")
    session.go(3)
    session.apply("funding")
    session.undo()
    session.apply("time")
    replay = CodingLog(project.root / "data" / "codings", "ana").replay()
    expected = {(e.segment_id, start, end, code_id)
                for (_, start, end, code_id), e in replay.codings(session.codebook).items()}
    shown = {(sid, a.start, a.end, a.code_id) for sid in session.pool for a in session.applied(session.segments[sid])}
    assert shown == expected and len(expected) > 100


def test_a_log_line_written_elsewhere_mid_session_is_picked_up(project):
    session = CodingSession(project, "cara")
    other = CodingLog(project.root / "data" / "codings", "cara")
    segment = session.current
    other.append("apply", transcript_id=segment.transcript_id, segment_id=segment.id, start=segment.start,
                 end=segment.end, code_id="funding")
    assert session.applied() == []
    session.refresh()
    assert [a.code_id for a in session.applied()] == ["funding"]


def test_a_hand_edited_coding_without_a_span_codes_nothing_in_the_session(project):
    """As in a replay, an apply line naming a turn but no start and end is no coding; it used to crash."""
    import json

    session = CodingSession(project, "cara")
    segment = session.current
    log = CodingLog(project.root / "data" / "codings", "cara")
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "x1", "time": "2024-05-01T10:00:00", "coder": "cara", "action": "apply",
                                 "transcript_id": segment.transcript_id, "segment_id": segment.id,
                                 "code_id": "funding"}) + "\n")
    session.refresh()
    assert session.applied() == [] and log.replay().codings() == {}
    session.apply("time")
    assert [a.code_id for a in session.applied()] == ["time"]


@pytest.mark.slow
def test_the_models_suggestions_appear_beside_the_rules_and_are_human_decisions(project):
    session = CodingSession(project, "cara", transcripts=["nw-maumee-ridge-teacher", "sw-sycamore-run-focus-group"],
                            model=True)
    session.wait_for_model(timeout=300)
    by_model = [(sid, s) for sid in session.pool for s in session.suggestions(session.segments[sid])
                if s.source == "model"]
    assert by_model, "the model added no suggestion to the rules'"
    sid, suggestion = by_model[0]
    assert 0 < suggestion.score <= 1 and all(e.rule == "model" for e in suggestion.evidence)
    session.go(session.units.index(sid))
    session.accept(suggestion.code_id)
    assert logged(project, "cara")[-1] == ("accept", suggestion.code_id, sid)


@pytest.mark.slow
def test_uncertainty_order_puts_the_models_least_certain_turns_first(project):
    session = CodingSession(project, "cara", transcripts=["sw-sycamore-run-focus-group"], order="uncertainty")
    session.wait_for_model(timeout=300)  # no background work left running into other tests
    text_order = CodingSession(project, "dana", transcripts=["sw-sycamore-run-focus-group"]).units
    assert sorted(session.units) == sorted(text_order) and session.units != text_order
    with pytest.raises(SessionError, match="unknown order"):
        CodingSession(project, "cara", order="random")


def test_a_clinic_project_s_turns_are_filtered_by_its_own_attributes(tmp_path):
    project = make_clinic_project(tmp_path / "clinics")
    session = CodingSession(project, "ana", filters={"state": ["Oregon"]})
    assert {session.segments[u].transcript_id for u in session.units} == {"or-riverbend-manager", "or-riverbend-chw"}
    session.filter(filters={"clinic": "Desert Sun Clinic"})  # the site, by its word
    assert {session.segments[u].transcript_id for u in session.units} == {"nv-desert-sun-chw"}
    session.filter(filters={"year": 2025, "language": ["English"], "role": ["clinic_manager"]})
    assert {session.segments[u].transcript_id for u in session.units} == {"or-riverbend-manager"}
    filters = session.turn_filters
    assert filters.transcript_filters == ["site", "setting", "state", "county", "type", "year"]
    assert [filters.title(c) for c in filters.transcript_filters] == [
        "Clinic", "Setting", "State", "County", "Type", "Year"]
    assert filters.values("setting") == ["urban", "rural"]  # declared order
    with pytest.raises(SessionError, match="no turn to code has state 'Oregn' \\(did you mean 'Oregon'\\?\\)"):
        session.filter(filters={"state": ["Oregn"]})
