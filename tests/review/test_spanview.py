"""Span coding without a browser: the span view's messages, the session's span codings, and what the log keeps."""

from __future__ import annotations

import pytest

from pleval.coding.coders import coder_codings
from pleval.coding.export import human_codings
from pleval.coding.store import CodingLog
from pleval.errors import SessionError
from pleval.review.session import CodingSession
from pleval.review.spanview import CODE_KEYS, COMMANDS, SpanView, snap_to_words
from pleval.review.widget import coding_widget

GRANT = "Honestly 🙁 we ran out of grant money in March. And the budget for stipends is gone, so we stopped."


@pytest.fixture
def project(make_project):
    return make_project(transcripts=["seven_turns_with_emoji.txt"])


def events(project, coder="kim"):
    return CodingLog(project.codings_dir, coder).replay().events


def spans(session, segment=None):
    return sorted((a.code_id, a.start, a.end) for a in session.applied(segment))


def test_a_selection_is_widened_to_whole_words_and_trimmed():
    text = "Honestly 🙁 we don't stop"
    assert snap_to_words(text, 3, 12) == (0, 13)  # "estly 🙁 w" -> "Honestly 🙁 we"
    assert text[slice(*snap_to_words(text, 15, 17))] == "don't"  # inside the apostrophe's word
    assert text[slice(*snap_to_words(text, 22, 16))] == "don't stop"  # backwards, middle to middle
    assert snap_to_words(text, 8, 11) is None  # a space, an emoji, a space: no word
    assert snap_to_words(text, 0, 99) == (0, len(text))  # clipped to the text


def test_a_selection_becomes_a_coding_of_exactly_that_span(project):
    view = SpanView(CodingSession(project, "kim"))
    segment = view.session.current
    assert segment.text == GRANT
    start, end = GRANT.index("udget"), GRANT.index("stipends") + 4  # from half a word to half a word
    view.handle({"do": "span", "on": segment.id, "code": "funding", "start": start, "end": end})
    [event] = events(project)
    at = GRANT.index("budget for stipends")  # in code points: the emoji before it counts one
    assert (event.action, event.code_id, event.segment_id) == ("apply", "funding", segment.id)
    assert (event.start, event.end, event.text) == (segment.start + at, segment.start + at + 19, "budget for stipends")
    transcript = view.session.transcript_of(segment)
    assert transcript.text[event.start:event.end] == "budget for stipends"
    [shown] = view.view["codings"]
    assert (shown["code"], shown["start"], shown["end"], shown["whole"]) == ("funding", at, at + 19, False)
    assert (shown["by"], shown["how"]) == ("kim", "applied")
    assert view.view["status"].startswith("saved Funding on “budget for stipends”")


def test_span_codings_replay_after_reopening_and_count_for_their_turn(project):
    session = CodingSession(project, "kim")
    segment = session.current
    grant, march = segment.start + GRANT.index("grant money"), segment.start + GRANT.index("March") + 5
    session.apply_span("funding", grant, march)
    session.apply_span("time", grant + 6, march)  # overlapping, another code
    assert session.apply_span("funding", grant, march) == []  # already there: nothing written
    session.next()
    reopened = CodingSession(project, "kim")
    assert reopened.current.id == segment.id  # resumed at the last decision
    assert spans(reopened) == [("funding", grant, march), ("time", grant + 6, march)]
    assert reopened.is_coded() and reopened.progress()[0] == 1
    gathered = coder_codings(project, ["kim"], "turn")
    assert set(gathered.table.itertuples(index=False, name=None)) == {(segment.id, "kim", "funding"),
                                                                      (segment.id, "kim", "time")}
    assert gathered.reviewed["kim"] == [segment.id]  # the other turns were not reached: not negatives


def test_removing_one_coding_leaves_the_codes_other_codings(project):
    view = SpanView(CodingSession(project, "kim"))
    session, segment = view.session, view.session.current
    on = {"on": segment.id, "code": "funding"}
    view.handle({**on, "do": "turn"})  # Shift+key: the whole turn
    for words in ("grant money", "budget"):
        at = GRANT.index(words)
        view.handle({**on, "do": "span", "start": at, "end": at + len(words)})
    at = GRANT.index("budget")
    view.handle({**on, "do": "remove", "start": at, "end": at + 6})
    grant = segment.start + GRANT.index("grant money")
    assert spans(session) == [("funding", segment.start, segment.end), ("funding", grant, grant + 11)]
    last = events(project)[-1]
    assert (last.action, last.start, last.end) == ("remove", segment.start + at, segment.start + at + 6)
    view.handle({**on, "do": "turn"})  # Shift+key again: the whole-turn coding off, the span stays
    assert spans(session) == [("funding", grant, grant + 11)]
    assert CodingSession(project, "kim").applied(segment) == session.applied(segment)


def test_a_memo_on_one_coding(project):
    view = SpanView(CodingSession(project, "kim"))
    session, segment = view.session, view.session.current
    at = GRANT.index("budget")
    view.handle({"do": "span", "on": segment.id, "code": "funding", "start": at, "end": at + 6})
    view.handle({"do": "memo", "on": segment.id, "code": "funding", "start": at, "end": at + 6, "text": "stipends"})
    memo = events(project)[-1]
    assert (memo.action, memo.code_id, memo.start, memo.end, memo.memo) == (
        "memo", "funding", segment.start + at, segment.start + at + 6, "stipends")
    assert view.view["codings"][0]["memo"] == "stipends"
    assert session.memo() == ""  # the turn's own memo is another thing
    reopened = CodingSession(project, "kim")
    assert reopened.coding_memo("funding", segment.start + at, segment.start + at + 6, segment) == "stipends"
    _, memos = human_codings(project, "kim", list(reopened.transcripts.values()), reopened.codebook, [])
    assert [(m["code_id"], m["start"], m["memo"]) for m in memos] == [("funding", segment.start + at, "stipends")]
    view.handle({"do": "memo", "on": segment.id, "code": "time", "start": at, "end": at + 6, "text": "x"})
    assert view.view["error"] and "no coding of 'time'" in view.view["status"]  # no coding, no memo


def test_spans_that_are_no_stretch_of_the_turn_are_refused(project):
    view = SpanView(CodingSession(project, "kim"))
    session, segment = view.session, view.session.current
    with pytest.raises(SessionError, match="not a stretch of turn"):
        session.apply_span("funding", segment.end - 2, segment.end + 5)
    with pytest.raises(SessionError, match="not a stretch"):
        session.apply_span("funding", segment.start + 4, segment.start + 4)
    with pytest.raises(SessionError, match="unknown code"):
        session.apply_span("fundng", segment.start, segment.start + 4)
    space = GRANT.index(" 🙁 ")
    view.handle({"do": "span", "on": segment.id, "code": "funding", "start": space, "end": space + 3})
    assert view.view["error"] and "holds no words" in view.view["status"]
    view.handle({"do": "span", "on": "seven-turns:t003", "code": "funding", "start": 0, "end": 4})
    assert view.view["error"] and "turn changed" in view.view["status"]  # sent for a turn no longer shown
    assert events(project) == []
    for _ in range(2):  # a key held down: moves are relative, each one counts
        view.handle({"do": "next", "on": segment.id})
    assert view.view["turn"]["position"] == 3


def test_sentences_and_the_whole_turn_stay_as_shortcuts(project):
    view = SpanView(CodingSession(project, "kim"))
    segment = view.session.current
    caret = GRANT.index("stipends")  # a click in the second sentence, no selection
    view.handle({"do": "sentences", "on": segment.id, "code": "time", "start": caret, "end": caret})
    second = segment.sentences[1]
    assert spans(view.session) == [("time", second.start, second.end)]
    assert view.session.applied()[0].sentence_ids == (second.id,)
    view.handle({"do": "turn", "on": segment.id, "code": "funding"})
    assert ("funding", segment.start, segment.end) in spans(view.session)
    assert [c["whole"] for c in view.view["codings"] if c["code"] == "funding"] == [True]


def test_undo_takes_back_only_the_last_decision_on_the_turn_shown(project):
    view = SpanView(CodingSession(project, "kim"))
    session = view.session
    first = session.current
    view.handle({"do": "turn", "on": first.id, "code": "funding"})
    view.handle({"do": "next", "on": first.id})
    second = session.current
    view.handle({"do": "undo", "on": second.id})  # nothing decided here yet: nothing elsewhere is undone
    assert "nothing to save (undo)" in view.view["status"] and spans(session, first)
    view.handle({"do": "turn", "on": second.id, "code": "time"})
    view.handle({"do": "previous", "on": second.id})
    view.handle({"do": "undo", "on": first.id})
    assert spans(session, first) == [] and spans(session, second) == [("time", second.start, second.end)]
    assert events(project)[-1].undoes == events(project)[0].id


def test_suggestions_are_accepted_and_rejected_and_done_moves_on(project):
    view = SpanView(CodingSession(project, "kim"))
    segment = view.session.current
    [suggestion] = view.view["suggestions"]
    assert suggestion["code"] == "funding" and suggestion["status"] == "pending"
    assert [GRANT[a:b] for a, b in suggestion["evidence"]] == ["grant", "money", "budget"]  # turn offsets
    view.handle({"do": "accept", "on": segment.id, "code": "funding"})
    assert view.view["suggestions"][0]["status"] == "accepted"
    assert view.view["codings"][0]["how"] == "accepted a suggestion"
    view.handle({"do": "reject", "on": segment.id, "code": "funding"})
    assert view.view["suggestions"][0]["status"] == "rejected" and view.view["codings"] == []
    view.handle({"do": "done", "on": segment.id})
    assert events(project)[-1].action == "review" and view.view["turn"]["id"] != segment.id


def test_codes_get_digits_then_letters_no_command_uses(project):
    assert CODE_KEYS[:9] == "123456789" and not set(CODE_KEYS) & set(COMMANDS)
    assert len(set(CODE_KEYS)) == len(CODE_KEYS) == 9 + 26 - len(COMMANDS)
    view = SpanView(CodingSession(project, "kim"))
    assert [(c["id"], c["key"], c["colour"]) for c in view.codes] == [("funding", "1", "#d95f02"),
                                                                      ("time", "2", "#1b9e77")]


def test_the_coding_widget_shows_the_span_view_and_both_stay_current(project):
    widget = coding_widget(project, "kim")
    assert widget.spans in widget.root.children and widget.turn not in widget.root.children
    widget.code_buttons["funding"].value = True  # a classic button: the span view shows its coding
    assert [(c["code"], c["whole"]) for c in widget.spans.view["codings"]] == [("funding", True)]
    segment = widget.session.current
    widget.spans.handle({"do": "done", "on": segment.id})  # the span view: the rest of the widget follows
    assert widget.session.current.id != segment.id
    assert widget.progress_label.value.startswith("coded 1 of ")
    assert not widget.code_buttons["funding"].value
    assert widget.spans.view["turn"]["id"] == widget.session.current.id


def test_an_empty_filter_leaves_the_span_view_empty(project):
    widget = coding_widget(project, "kim")
    widget.session.filter(roles=["principal"])  # the fixture's only participant is a teacher
    widget.render()
    assert widget.session.units == []
    assert widget.spans.view["empty"] and "turn" not in widget.spans.view
    widget.spans.handle({"do": "next", "on": None})  # nothing to act on: no error, nothing written
    assert events(project) == []
