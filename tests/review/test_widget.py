"""The ipywidgets coder, driven headless: a click writes the log, then the widget shows it."""

from __future__ import annotations

import html

import nbformat
import pytest
from clinic_project import make_clinic_project

from pleval.coding.store import CodingLog
from pleval.review.widget import CoderPrompt, CodingWidget, _marked, coding_widget

from conftest import REPO


@pytest.fixture
def project(fresh_sample):
    return fresh_sample


def events(project, coder="cara"):
    return CodingLog(project.root / "data" / "codings", coder).replay().events


def test_toggling_a_code_button_saves_and_says_so(project):
    widget = coding_widget(project, "cara")
    widget.code_buttons["funding"].value = True
    assert [(e.action, e.code_id) for e in events(project)] == [("apply", "funding")]
    assert "saved funding" in widget.status.value
    assert widget.progress_label.value.startswith("coded 1 of ")
    widget.code_buttons["funding"].value = False
    assert events(project)[-1].action == "remove"


def test_redraw_does_not_write(project):
    widget = coding_widget(project, "cara")
    widget.code_buttons["funding"].value = True
    for _ in range(3):
        widget.render()
    widget.session.next()
    widget.render()  # the buttons are set for the new turn without firing their handlers
    assert len(events(project)) == 1
    assert not widget.code_buttons["funding"].value


def test_suggestion_buttons_accept_and_reject(project):
    widget = coding_widget(project, "cara")
    widget.shortcut.value = "s"

    row = widget.suggestions.children[0]
    code_id = widget.session.suggestions()[0].code_id
    row.children[0].click()  # Accept
    assert (events(project)[-1].action, events(project)[-1].code_id) == ("accept", code_id)
    assert widget.code_buttons[code_id].value
    assert widget.suggestions.children[0].children[0].disabled  # already accepted
    widget.suggestions.children[0].children[1].click()  # Reject
    assert events(project)[-1].action == "reject" and not widget.code_buttons[code_id].value


def test_evidence_is_highlighted_and_text_escaped():
    from pleval.schema import Sentence

    text = "We got <script>alert(1)</script> a grant."
    sentences = (Sentence("x:t001.s00", 100, 100 + len(text), text),)
    grant = text.index("grant")
    out = _marked(text, 100, [(100 + grant, 100 + grant + 5, "#123456", "funding: grant")], sentences)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark style='background:#12345655' title='funding: grant'>grant</mark>" in out
    assert out.startswith("<sup class='pleval-sentence'>1</sup>")


def test_shortcuts_move_toggle_and_undo(project):
    widget = coding_widget(project, "cara")
    first = widget.session.current.id
    widget.shortcut.value = "n"

    assert widget.session.current.id != first and widget.shortcut.value == ""
    widget.shortcut.value = "1"

    code_id = list(widget.code_buttons)[0]
    assert widget.code_buttons[code_id].value
    widget.shortcut.value = "z"

    assert not widget.code_buttons[code_id].value
    widget.shortcut.value = "q"

    assert "unknown shortcut" in widget.status.value


def test_done_marks_the_turn_and_moves_to_the_next_uncoded(project):
    widget = coding_widget(project, "cara")
    first = widget.session.current.id
    widget._on_done(None)
    assert events(project)[-1].action == "review" and events(project)[-1].segment_id == first
    assert widget.session.current.id != first
    assert "saved done" in widget.status.value


def test_a_filter_with_no_turns_says_so(project):
    widget = coding_widget(project, "cara")
    widget.filter_transcript.value = "nw-maumee-ridge-teacher"  # one teacher's interview
    assert widget.session.units
    widget.filter_role.value = "principal"
    assert widget.session.units == [] and "No turns match" in widget.header.value
    widget.filter_role.value = "(all)"
    assert widget.session.units and "No turns match" not in widget.header.value


def test_reconciliation_widget_shows_both_coders_and_takes_one(project):
    widget = coding_widget(project, "consensus", reconcile="ana,ben")
    assert "ana:" in widget.others.value and "ben:" in widget.others.value
    takes = [b for b in widget.take_row.children if b.description == "Take ana's coding"]
    before = len(events(project, "consensus"))
    takes[0].click()
    assert len(events(project, "consensus")) > before
    assert events(project, "consensus")[-1].action == "review"


def test_coding_needs_a_coder_name_and_asks_for_one_without_opening_a_log(project):
    logs = sorted(p.name for p in (project.root / "data" / "codings").glob("*.jsonl"))
    for nobody in ("", None):
        prompt = coding_widget(project, nobody)
        assert isinstance(prompt, CoderPrompt) and "Who is coding" in prompt.status.value
    prompt.open()  # nothing typed yet
    assert "who is coding" in prompt.status.value and prompt.widget is None
    assert sorted(p.name for p in (project.root / "data" / "codings").glob("*.jsonl")) == logs
    prompt.name.value = "kim"
    widget = prompt.open()
    assert isinstance(widget, CodingWidget) and widget.session.coder == "kim"
    assert prompt.root.children == (widget.root,)


def test_the_committed_coding_notebook_sets_no_coder():
    for copy in (REPO / "notebooks" / "coding.ipynb", REPO / "src" / "pleval" / "notebooks" / "coding.ipynb"):
        parameters = nbformat.read(copy, as_version=4).cells[1]
        assert "parameters" in parameters.metadata["tags"]
        assert "coder = None" in parameters.source
        assert not any(cell.get("outputs") for cell in nbformat.read(copy, as_version=4).cells)


@pytest.mark.parametrize("coder, options, message", [
    ("ana smith", {}, "coder name 'ana smith' cannot name a log (did you mean 'ana-smith'?)"),
    ("ana/ben", {}, "cannot name a log (did you mean"),
    ("cara", {"codes": ["fundng"]}, "unknown code(s): 'fundng' (did you mean 'funding'?)"),
    ("cara", {"transcripts": ["nw-maumee-ridge-teachr"]}, "(did you mean 'nw-maumee-ridge-teacher'?)"),
    ("cara", {"filters": {"region": ["nortwest"]}}, "(did you mean 'northwest'?)"),
    ("cara", {"roles": ["teachr"]}, "no turn to code has role 'teachr' (did you mean 'teacher'?)"),
])
def test_a_mistake_is_one_line_with_did_you_mean_never_a_traceback(project, coder, options, message):
    prompt = coding_widget(project, coder, **options)
    assert isinstance(prompt, CoderPrompt) and prompt.widget is None
    assert message in html.unescape(prompt.status.value)
    assert "Traceback" not in prompt.status.value and "\n" not in prompt.status.value
    assert not (project.root / "data" / "codings" / "ana smith.jsonl").exists()


def test_the_widget_filters_by_the_site_and_any_attribute_in_the_project_s_words(tmp_path):
    widget = coding_widget(make_clinic_project(tmp_path / "clinics"), "ana")
    assert widget.filter_site.description == "Clinic"
    assert list(widget.filter_site.options) == ["(all)", "Desert Sun Clinic", "Riverbend Clinic"]
    assert [label for label, _ in widget.filter_attribute.options] == [
        "(all)", "Setting", "State", "County", "Type", "Year"]
    assert widget.filter_value.disabled
    assert "Riverbend Clinic" in widget.header.value or "Desert Sun Clinic" in widget.header.value
    widget.filter_attribute.value = "state"
    assert list(widget.filter_value.options) == ["(all)", "Oregon", "Nevada"] and not widget.filter_value.disabled
    widget.filter_value.value = "Nevada"
    assert {widget.session.segments[u].transcript_id for u in widget.session.units} == {"nv-desert-sun-chw"}
    widget.filter_site.value = "Riverbend Clinic"  # and Nevada: no turn
    assert widget.session.units == [] and "No turns match" in widget.header.value
    widget.filter_attribute.value = None  # the attribute's filter goes with it
    assert {widget.session.segments[u].transcript_id for u in widget.session.units} == {
        "or-riverbend-manager", "or-riverbend-chw"}


def test_a_whole_turn_toggle_never_removes_span_codings_and_says_they_stay(project):
    widget = coding_widget(project, "cara")
    session = widget.session
    segment = session.current
    start = segment.start + segment.text.index(segment.text.split()[1])
    session.apply_span("funding", start, start + 4)
    widget.render()
    assert not widget.code_buttons["funding"].value  # a span coding is no whole-turn coding
    widget.code_buttons["funding"].value = True  # on: the whole turn, the span stays
    assert {(a.start, a.end) for a in session.applied() if a.code_id == "funding"} == {
        (start, start + 4), (segment.start, segment.end)}
    widget.code_buttons["funding"].value = False  # off: only the whole-turn coding goes
    assert [(a.start, a.end) for a in session.applied() if a.code_id == "funding"] == [(start, start + 4)]
    assert [(e.action, e.start, e.end) for e in events(project)][-1] == ("remove", segment.start, segment.end)
    assert "1 coding(s) of" in widget.status.value and "stay" in widget.status.value
    widget.shortcut.value = str(list(widget.code_buttons).index("funding") + 1)  # on again, then off by key
    widget.shortcut.value = str(list(widget.code_buttons).index("funding") + 1)
    assert [(a.start, a.end) for a in session.applied() if a.code_id == "funding"] == [(start, start + 4)]


def test_undo_takes_back_only_what_is_on_the_turn_shown(project):
    widget = coding_widget(project, "cara")
    first = widget.session.current.id
    widget.code_buttons["funding"].value = True
    widget.next()
    second = widget.session.current.id
    undo = next(b for b in widget.nav.children if getattr(b, "description", "") == "Undo on this turn")
    undo.click()
    assert widget.session.current.id == second != first  # nothing on this turn: nothing undone, no jump
    assert [e.action for e in events(project)] == ["apply"] and "nothing to save" in widget.status.value
    widget.previous()
    widget.shortcut.value = "z"
    assert [e.action for e in events(project)] == ["apply", "undo"]


def test_accepting_all_suggestions_of_a_turn_is_undone_as_one_step(project):
    widget = coding_widget(project, "cara")
    session = widget.session
    while len([x for x in session.suggestions() if x.status == "pending"]) < 2:
        session.next()
    widget.render()
    widget.shortcut.value = "a"
    assert len(session.applied()) >= 2
    widget.shortcut.value = "z"
    assert session.applied() == []


def test_accept_all_agreements_asks_first_and_undoes_as_one_step(project):
    (project.root / "data" / "codings" / "consensus.jsonl").unlink()
    widget = coding_widget(project, "consensus", reconcile="ana,ben")
    session = widget.session
    count = len(session.agreements())
    assert count > 1
    accept = next(b for b in widget.take_row.children if b.description == "Accept all agreements…")
    accept.click()
    assert events(project, "consensus") == [] and widget.confirm.layout.display == "flex"
    assert f"<b>{count}</b> turn(s)" in widget.confirm_question.value
    widget.confirm_no.click()
    assert events(project, "consensus") == [] and widget.confirm.layout.display == "none"
    accept.click()
    widget.confirm_yes.click()
    written = events(project, "consensus")
    assert len({e.time for e in written}) == 1 and sum(e.action == "review" for e in written) == count
    assert session.agreements() == [] and widget.undo_agreements.layout.display == "flex"
    widget.undo_agreements.click()
    undone = events(project, "consensus")[len(written):]
    assert len(undone) == len(written) and {e.action for e in undone} == {"undo"}
    assert len({e.time for e in undone}) == 1  # one write: one step
    assert len(session.agreements()) == count


def test_an_unsaved_memo_is_written_before_the_widget_leaves_the_turn(project):
    widget = coding_widget(project, "cara")
    session = widget.session
    first = session.current
    widget.memo.value = "asks about money twice"
    widget.next()  # not saved by hand
    assert session.memo(first) == "asks about money twice" and widget.memo.value == ""
    assert "saved the memo" in widget.status.value
    second = session.current
    widget.memo.value = "left by a filter change"
    widget.filter_role.value = next(o for o in widget.filter_role.options if o != "(all)")
    assert session.memo(second) == "left by a filter change"
    widget.filter_role.value = "(all)"
    session.go(session.units.index(first.id))
    widget.render()
    widget.memo.value = "and by the span view's own keys"
    widget.spans.handle({"do": "next"})
    assert session.memo(first) == "and by the span view's own keys"
    widget.render()
    widget.memo.value = "and by Done"
    widget._on_done(None)
    assert [e.memo for e in events(project) if e.action == "memo"][-1] == "and by Done"
    before = len(events(project))
    widget.next()
    widget.previous()  # nothing typed: nothing written
    assert len(events(project)) == before


def test_filters_from_the_parameters_cell_apply_are_shown_and_stay_when_a_dropdown_changes(project):
    widget = coding_widget(project, "cara", roles=["teacher"], filters={"region": ["southeast"]})
    session = widget.session

    def regions():
        return {session.transcripts[session.segments[u].transcript_id].meta.attributes["region"]
                for u in session.units}

    assert session.units and {session.segments[u].role for u in session.units} == {"teacher"}
    assert regions() == {"southeast"}
    assert "parameters cell" in widget.opened_with.value and "Role: teacher" in widget.opened_with.value
    assert "southeast" in widget.opened_with.value
    assert list(widget.filter_role.options) == ["(all)", "teacher"]
    widget.filter_code.value = "funding"  # a dropdown change keeps the parameters' filters
    assert session.units and regions() == {"southeast"}
    assert {session.segments[u].role for u in session.units} == {"teacher"}
    widget.filter_code.value = "(all)"
    widget.filter_attribute.value = "region"
    assert list(widget.filter_value.options) == ["(all)", "southeast"]


def test_a_filter_matching_nothing_says_why_and_leaves_no_live_controls(project):
    widget = coding_widget(project, "cara")
    widget.filter_transcript.value = "nw-maumee-ridge-teacher"
    widget.memo.value = ""
    widget.filter_role.value = "principal"
    assert widget.session.units == []
    header = html.unescape(widget.header.value)
    assert "No turns match" in header and "role is principal" in header and "with role teacher" in header
    assert "transcript is nw-maumee-ridge-teacher" in header
    live = [c for c in [*widget.code_buttons.values(), widget.sentences, widget.sentence_code,
                        widget.apply_sentences, widget.memo, widget.save_memo, *widget.nav.children]
            if not c.disabled]
    assert live == []
    assert widget.suggestions.children == () and widget.sentences.options == ()
    assert not any(b.value for b in widget.code_buttons.values())
    widget.filter_role.value = "(all)"
    assert widget.session.units and not widget.memo.disabled and not widget.code_buttons["funding"].disabled


@pytest.mark.filterwarnings("ignore:Widget.widgets is deprecated:DeprecationWarning")
def test_the_widget_objects_stay_as_many_over_500_turns(project):
    import ipywidgets

    widget = coding_widget(project, "cara")
    session = widget.session

    def turns(n):
        for _ in range(n):
            if session.position == len(session.units) - 1:
                session.go(0)
            widget.next()

    turns(50)
    after_50 = len(ipywidgets.Widget.widgets)
    turns(450)
    after_500 = len(ipywidgets.Widget.widgets)
    print(f"live widget objects: {after_50} after 50 turns, {after_500} after 500")
    assert after_500 <= after_50  # no widget made per turn stays alive


def _controls(box):
    for child in getattr(box, "children", ()):
        if getattr(child, "description", ""):
            yield child
        yield from _controls(child)


def test_no_two_controls_share_a_label_and_no_control_moves_between_turns(project):
    widget = coding_widget(project, "consensus", reconcile="ana,ben")
    labels = [c.description for c in _controls(widget.root)]
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)
    children = widget.root.children
    spans = children.index(widget.spans)
    for control in (widget.nav, widget.status, widget.take_row, widget.memo, widget.sentences,
                    *widget.code_buttons.values()):
        box = next(i for i, child in enumerate(children) if child is control or control in _all(child))
        assert box < spans  # above the turn, whose height varies
    for fixed in (widget.status, widget.header):  # what sits above the controls' rows keeps its height
        assert fixed.layout.height == "24px"
    assert widget.suggestions.layout.height  # below: a box of its own height
    widget.next()
    assert widget.root.children == children  # the same rows, in the same order, on every turn


def _all(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _all(child)


def test_each_suggestion_says_how_its_code_was_measured_on_real_talk(project):
    import json

    from pleval.learn.quality import TRUSTED_KAPPA, measured_quality, quality_path

    quality = measured_quality(project)
    assert quality is not None  # the sample keeps its measured quality in data/coder-quality.json
    widget = coding_widget(project, "cara")
    widget.shortcut.value = "s"
    suggestion = widget.session.suggestions()[0]
    figures = quality.codes[suggestion.code_id]
    label = widget.suggestions.children[0].children[2].value
    assert f"precision {figures.precision:.2f}, κ {figures.kappa:.2f} on real talk" in label
    assert ("check with care" in label) == (figures.kappa < TRUSTED_KAPPA)
    weak, strong = quality.untrusted[0], next(c for c in quality.codes if quality.trusted(c))
    assert "below κ 0.667: check with care" in widget.session.trust(weak)
    assert "check with care" not in widget.session.trust(strong) and widget.session.trust("no_such_code") == ""
    # a broken file is one problem shown with the others, and the suggestions say nothing of it
    data = json.loads(quality_path(project).read_text())
    data["codes"][weak]["kappa"] = 7
    quality_path(project).write_text(json.dumps(data))
    broken = coding_widget(project, "dan")
    assert broken.session.trust(weak) == "" and any("coder-quality.json" in str(p) for p in broken.session.problems)
