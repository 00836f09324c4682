"""The coding widget for JupyterLab: ipywidgets over a :class:`~pleval.review.session.CodingSession`.

Every button calls one session method, which writes the decision to the coder's log (fsync'd) before the
widget redraws and shows "saved". The widget never keeps decisions of its own: what it shows is the log.
Transcript text is HTML-escaped before it is shown. The turn itself is shown, and coded span by span, by the span
view (:mod:`.spanview`, with keys of its own).

Keyboard: buttons take focus with Tab and fire with Enter or Space; the shortcut box takes one-letter
commands (``n`` next, ``p`` previous, ``u`` next uncoded, ``s`` next suggestion, ``d`` done, ``z`` undo on the
turn shown, ``a`` accept the turn's suggestions, a number to toggle that code) followed by Enter.
"""

from __future__ import annotations

import datetime as dt
import gc
import html
from collections.abc import Callable

import ipywidgets as w

from ..coding.store import CONSENSUS
from ..errors import PlevalError
from ..project import Project
from ..schema import Segment
from .reconcile import ReconcileSession
from .session import CodingSession
from .spanview import SpanView

ALL = "(all)"
SHORTCUTS = ("n next · p previous · u next uncoded · s next suggestion · d done · z undo (this turn) · "
             "a accept all · 1-12 code")


def _marked(text: str, offset: int, spans: list[tuple[int, int, str, str]], sentences) -> str:
    """Escaped ``text`` with evidence spans (transcript offsets) in <mark> and sentence numbers before sentences."""
    cuts: dict[int, list[str]] = {}
    for number, sentence in enumerate(sentences, start=1):
        cuts.setdefault(sentence.start - offset, []).append(f"<sup class='pleval-sentence'>{number}</sup>")
    for start, end, colour, title in sorted(spans):
        a, b = max(start - offset, 0), min(end - offset, len(text))
        if a >= b:
            continue
        cuts.setdefault(a, []).append(f"<mark style='background:{colour}55' title='{html.escape(title)}'>")
        cuts.setdefault(b, []).insert(0, "</mark>")
    out, last = [], 0
    for at in sorted(cuts):
        out.append(html.escape(text[last:at]))
        out.extend(cuts[at])
        last = at
    out.append(html.escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


class CodingWidget:
    """The coder's screen: the turn in context, suggestions, codes, sentences, memo, navigation and progress.

    Parameters
    ----------
    session : CodingSession or ReconcileSession
    """

    def __init__(self, session: CodingSession):
        self.session = session
        self.reconciling = isinstance(session, ReconcileSession)
        codebook = session.codebook
        self._codes = {c.id: c for c in codebook.codes if c.id in session.codes}
        self._syncing = False
        self._choosing = False
        self._memo_turn: str | None = None  # the turn whose memo the memo box holds

        self.header = w.HTML()
        self.turn = w.HTML(layout=w.Layout(max_height="360px", overflow="auto"))
        self.others = w.HTML()
        self.suggestions = w.VBox()
        self._rows: list[w.HBox] = []  # suggestion rows, reused from turn to turn
        self._row_codes: list[str] = []  # the code each row shows
        self._no_suggestions = w.HTML("<i>none</i>")
        for _ in self._codes:
            self._rows.append(self._suggestion_row())
        self.code_buttons: dict[str, w.ToggleButton] = {}
        for number, (code_id, code) in enumerate(self._codes.items(), start=1):
            button = w.ToggleButton(description=f"{number} {code.label}", tooltip=code.definition,
                                    layout=w.Layout(width="auto"))
            button.add_class("pleval-code")
            button.add_class(f"pleval-code-{code_id}")
            button.observe(self._toggled(code_id), names="value")
            self.code_buttons[code_id] = button
        self.sentences = w.SelectMultiple(rows=3, description="Sentences", layout=w.Layout(width="460px"))
        self.sentence_code = w.Dropdown(options=[(c.label, i) for i, c in self._codes.items()],
                                        description="Sentence code", style={"description_width": "initial"},
                                        layout=w.Layout(width="260px"))
        self.apply_sentences = self._button("Apply to chosen sentences", self._on_apply_sentences)
        self.memo = w.Textarea(placeholder="Memo on this turn (saved on Save memo and when you leave the turn)",
                               layout=w.Layout(width="460px", height="48px"))
        self.save_memo = self._button("Save memo", lambda _: self._act(lambda: session.write_memo(self.memo.value),
                                                                    "memo"))
        self.progress = w.IntProgress(min=0, max=1, layout=w.Layout(width="40%"))
        self.progress_label = w.Label()
        self.status = w.HTML()
        self.status.add_class("pleval-status")
        self.shortcut = w.Text(placeholder="shortcut + Enter", layout=w.Layout(width="160px"),
                               tooltip=SHORTCUTS, continuous_update=False)  # a value arrives on Enter
        self.shortcut.observe(self._on_shortcut, names="value")

        meta = [session.transcripts[t].meta for t in {session.segments[s].transcript_id for s in session.pool}]
        self.filter_transcript = w.Dropdown(options=[ALL, *sorted({m.id for m in meta})], description="Transcript")
        self.filter_code = w.Dropdown(options=[ALL, *self._codes], description="With code")
        # The filters given when the widget was opened (the notebook's parameters cell) always apply: they are
        # shown, and the dropdowns offer only values within them.
        roles = session.opened_roles or sorted({session.segments[s].role for s in session.pool})
        self.filter_role = w.Dropdown(options=[ALL, *roles], description="Role")
        # the site, and one more of its attributes (or the type, or the period) at a time, as pleval.yaml words them
        filters = session.turn_filters
        site = filters.columns.site
        self.filter_site = w.Dropdown(options=[ALL, *self._offered(site)], description=filters.title(site))
        self.filter_attribute = w.Dropdown(
            options=[(ALL, None), *((filters.title(c), c) for c in filters.transcript_filters
                                    if c != site and self._offered(c))],
            description="Filter by")
        self.opened_with = w.HTML(self._opened_with())
        self.opened_with.add_class("pleval-opened-with")
        self.filter_value = w.Dropdown(options=[ALL], description="is", disabled=True)
        self.filter_attribute.observe(self._on_attribute, names="value")
        self._filters = (self.filter_transcript, self.filter_code, self.filter_role, self.filter_site,
                         self.filter_attribute, self.filter_value)
        for dropdown in self._filters:
            dropdown.layout = w.Layout(width="auto")
            dropdown.observe(self._on_filter, names="value")

        nav = [
            self._button("◂ Previous", lambda _: self._move(session.previous)),
            self._button("Next ▸", lambda _: self._move(session.next)),
            self._button("Next uncoded", lambda _: self._move(session.next_uncoded, "every turn is coded")),
            self._button("Next suggestion", lambda _: self._move(session.next_suggestion, "no pending suggestions")),
            self._button("Done ✓ next uncoded", self._on_done, style="success"),
            self._button("Undo on this turn", lambda _: self._act(session.undo_here, "undo")),
        ]
        self.nav = w.HBox([*nav, self.shortcut])
        self._turn_controls: list[w.Widget] = [*nav, self.shortcut]
        take: list[w.Widget] = []
        self.confirm = w.HBox()  # "accept all agreements" asks here first (reconciliation only)
        if isinstance(session, ReconcileSession):
            take = [self._button(f"Take {coder}'s coding", self._taker(session, coder)) for coder in session.coders]
            self._turn_controls += take
            take.append(self._button("Accept all agreements…", self._on_agreements))
            self.confirm_question = w.HTML()
            self.confirm_yes = self._button("Yes, accept them", self._on_agreements_confirmed, "warning")
            self.confirm_no = self._button("Cancel", self._on_agreements_cancelled)
            self.undo_agreements = self._button("Undo accepting all agreements", self._on_agreements_undone)
            self.undo_agreements.layout.display = "none"
            self.confirm = w.HBox([self.confirm_question, self.confirm_yes, self.confirm_no])
            self.confirm.layout.display = "none"
            take.append(self.undo_agreements)
        # the turn, coded span by span
        self.spans = SpanView(session, changed=self.render, leaving=self._keep_memo, header=False)
        # Every control sits above the turn, in rows whose height does not depend on the turn, so that nothing
        # the coder clicks moves from one turn to the next; what varies (the turn, the other coders, the
        # suggestions) comes below, the suggestions in a box of their own height.
        row = dict(flex_flow="row wrap", align_items="center")
        self.take_row = w.HBox(take, layout=w.Layout(**row))
        self.nav.layout = w.Layout(**row)
        self.status.layout = w.Layout(height="24px", overflow="hidden")
        self.header.layout = w.Layout(height="24px", overflow="hidden")
        self.suggestions.layout = w.Layout(height="110px", overflow="auto")
        self.root = w.VBox([
            w.HBox(list(self._filters), layout=w.Layout(**row)), self.opened_with,
            w.HBox([self.progress, self.progress_label]),
            self.nav, self.status, self.confirm, self.take_row,
            w.HBox([w.HTML("<b>Whole turn:</b>"), *self.code_buttons.values()], layout=w.Layout(**row)),
            w.HBox([self.sentence_code, self.apply_sentences, self.sentences], layout=w.Layout(**row)),
            w.HBox([self.memo, self.save_memo], layout=w.Layout(**row)),
            self.header, self.spans, self.others,
            w.HTML("<b>Suggestions</b>"), self.suggestions,
        ], layout=w.Layout(max_width="100%", overflow="hidden"))
        self.root.add_class("pleval-coder")
        self.render()
        for problem in session.problems:
            self._say(f"{problem.severity}: {problem}", error=problem.severity == "error")

    # -- building blocks -----------------------------------------------------------------------------------

    @staticmethod
    def _button(description: str, handler, style: str = "") -> w.Button:
        button = w.Button(description=description, button_style=style, layout=w.Layout(width="auto"))
        button.on_click(handler)
        return button

    def _ipython_display_(self):
        from IPython.display import display

        display(self.root)

    def next(self) -> None:
        """Move to the next turn, as the Next button does."""
        self._move(self.session.next)

    def previous(self) -> None:
        """Move to the previous turn, as the Previous button does."""
        self._move(self.session.previous)

    def _say(self, message: str, *, error: bool = False) -> None:
        colour = "#b00020" if error else "#1b5e20"
        self.status.value = f"<span style='color:{colour}'>{html.escape(message)}</span>"

    def _act(self, action, what: str) -> None:
        """Run one session action (which writes the log first), redraw, and say it is saved."""
        try:
            events = action()
        except PlevalError as error:
            self._say(f"not saved: {error}", error=True)
            return
        self.render()
        when = dt.datetime.now().strftime("%H:%M:%S")
        self._say(f"saved {what} at {when} ({len(events)} decision(s) in {self.session.log.path.name})"
                  if events else f"nothing to save ({what})")

    def _keep_memo(self) -> str:
        """Write the memo typed on the turn shown if it is not saved yet (before the widget leaves the turn);
        what to say about it, or ""."""
        s = self.session
        if not s.units or s.current.id != self._memo_turn or self.memo.value == s.memo(s.current):
            return ""
        try:
            s.write_memo(self.memo.value)
        except PlevalError as error:
            return f"memo not saved: {error}"
        return f"saved the memo on turn {self._memo_turn}"

    def _move(self, move, none_left: str = "") -> None:
        kept = self._keep_memo()
        try:
            found = move()
        except PlevalError as error:
            self._say(str(error), error=True)
            return
        self.render()
        if found is None and none_left:
            self._say(none_left)
        elif kept:
            self._say(kept, error=kept.startswith("memo not saved"))

    def _toggled(self, code_id: str):
        def handler(change):
            if not self._syncing:
                self._toggle(code_id)
        return handler

    def _toggle(self, code_id: str) -> None:
        """The code on or off the whole turn; its codings of spans or sentences stay, and the status says so."""
        self._act(lambda: self.session.toggle(code_id), code_id)
        kept = self.session.spans_of(code_id) if self.session.units else []
        if kept:
            self.status.value += html.escape(
                f" · {len(kept)} coding(s) of {self._codes[code_id].label} on part of the turn stay "
                "(remove them in the margin)")

    def _taker(self, session: ReconcileSession, coder: str):
        return lambda _: self._act(lambda: session.take(coder), f"{coder}'s coding as consensus")

    def _on_apply_sentences(self, _):
        chosen = list(self.sentences.value)
        if not chosen:
            self._say("choose one or more sentences first", error=True)
            return
        self._act(lambda: self.session.apply(self.sentence_code.value, chosen), f"{self.sentence_code.value}")

    def _on_done(self, _):
        self._keep_memo()
        self._act(self.session.done, "done")
        self.session.next_uncoded()
        self.render(keep_status=True)

    def _on_agreements(self, _):
        """A bulk action asks first: how many turns it would settle, with Yes and Cancel."""
        count = len(self.session.agreements())
        if not count:
            self._say("no agreements left to accept")
            return
        self.confirm_question.value = (f"Write the codes the coders agree on for <b>{count}</b> turn(s) to "
                                       f"{html.escape(self.session.coder)}'s log?")
        self.confirm.layout.display = "flex"

    def _on_agreements_cancelled(self, _):
        self.confirm.layout.display = "none"
        self._say("nothing saved (accept all agreements cancelled)")

    def _on_agreements_confirmed(self, _):
        self.confirm.layout.display = "none"
        settled = self.session.accept_agreements()
        self.render()
        self.undo_agreements.layout.display = "flex" if settled else "none"
        self._say(f"saved the agreed codes of {settled} turn(s) as consensus (one decision: undo takes it all back)")

    def _on_agreements_undone(self, _):
        self.undo_agreements.layout.display = "none"
        self._act(self.session.undo_agreements, "undo of accepting all agreements")

    def _on_attribute(self, _):
        """Offer the chosen attribute's values (the filter on it starts at all)."""
        column = self.filter_attribute.value
        self._choosing = True  # filtered once (by the attribute's own change), not once per option changed
        try:
            self.filter_value.options = [ALL, *(self._offered(column) if column else [])]
            self.filter_value.value = ALL
            self.filter_value.disabled = column is None
        finally:
            self._choosing = False

    def _offered(self, column: str) -> list[str]:
        """The values a dropdown offers for ``column``: the pool's, within those the widget was opened with."""
        given = self.session.opened_filters.get(column)
        return [v for v in self.session.turn_filters.values(column) if given is None or v in given]

    def _opened_with(self) -> str:
        s = self.session
        shown = ([f"Role: {', '.join(s.opened_roles)}"] if s.opened_roles else []) + [
            f"{s.turn_filters.title(column)}: {', '.join(sorted(values))}"
            for column, values in s.opened_filters.items()]
        return "" if not shown else f"<small>Filters from the parameters cell: {html.escape(' · '.join(shown))}</small>"

    def _on_filter(self, _):
        if self._choosing:
            return
        kept = self._keep_memo()
        value = {d: (None if d.value == ALL else d.value) for d in self._filters}
        # the opened-with filters, narrowed by the dropdowns (which offer only values within them)
        where: dict[str, list[str] | str] = {c: sorted(v) for c, v in self.session.opened_filters.items()}
        if value[self.filter_site] is not None:
            where[self.session.turn_filters.columns.site] = value[self.filter_site]
        if value[self.filter_attribute] is not None and value[self.filter_value] is not None:
            where[value[self.filter_attribute]] = value[self.filter_value]
        try:
            self.session.filter(transcript=value[self.filter_transcript], code=value[self.filter_code],
                                roles=value[self.filter_role] or self.session.opened_roles, filters=where)
        except PlevalError as error:
            self._say(str(error), error=True)
            return
        self.render()
        if kept:
            self._say(kept, error=kept.startswith("memo not saved"))

    def _on_shortcut(self, _):
        key = self.shortcut.value.strip().lower()
        if not key:
            return
        self.shortcut.value = ""  # ready for the next one (this change comes back here empty)
        s = self.session
        moves = {"n": s.next, "p": s.previous, "u": s.next_uncoded, "s": s.next_suggestion}
        if key in moves:
            self._move(moves[key])
        elif key == "d":
            self._on_done(None)
        elif key == "z":
            self._act(s.undo_here, "undo")
        elif key == "a":
            self._act(s.accept_all, "accepted suggestions")
        elif key.isdigit() and 1 <= int(key) <= len(self._codes):
            self._toggle(list(self._codes)[int(key) - 1])
        else:
            self._say(f"unknown shortcut '{key}': {SHORTCUTS}", error=True)

    # -- drawing -------------------------------------------------------------------------------------------

    def render(self, keep_status: bool = False) -> None:
        """Redraw everything from the session (that is, from the coder's log)."""
        s = self.session
        self.spans.render()  # first: its repaint is what the coder is waiting for
        done, total = s.progress()
        self.progress.max, self.progress.value = max(total, 1), done
        self.progress_label.value = f"coded {done} of {total} turns"
        self._live(bool(s.units))
        if not s.units:
            self.header.value = f"<i>{html.escape(s.why_no_turns())}</i>"
            self.turn.value = self.others.value = ""
            self._set_suggestions([], turn=False)
            self._syncing = True
            try:
                for button in self.code_buttons.values():
                    button.value, button.button_style = False, ""
            finally:
                self._syncing = False
            self.sentences.options = []
            self.memo.value, self._memo_turn = "", None
            if not keep_status:
                self.status.value = ""
            return
        segment = s.current
        meta = s.transcript_of(segment).meta
        coded = "coded" if s.is_coded(segment) else "not yet coded"
        site = f"{html.escape(meta.site)} · " if meta.site else ""
        self.header.value = (
            f"<b>{html.escape(segment.name or segment.speaker)}</b> ({html.escape(segment.role)}) · "
            f"{site}{html.escape(meta.id)} · turn {segment.turn_index} · "
            f"{s.position + 1} of {len(s.units)} · <i>{coded}</i>")
        self.turn.value = self._turn_html(segment)
        others = s.others(segment)
        self.others.value = "" if not others else "<b>Other coders:</b> " + " · ".join(
            f"{html.escape(c)}: {html.escape(', '.join(codes) or '-')}" for c, codes in others.items())
        self._set_suggestions(s.suggestions(segment))
        applied = {a.code_id for a in s.applied(segment) if not a.sentence_ids}
        self._syncing = True
        try:
            for code_id, button in self.code_buttons.items():
                button.value = code_id in applied
                button.button_style = "info" if button.value else ""
        finally:
            self._syncing = False
        self.sentences.options = [(f"{i}. {x.text[:90]}", x.id) for i, x in enumerate(segment.sentences, start=1)]
        self.memo.value = s.memo(segment)
        self._memo_turn = segment.id
        if not keep_status:
            self.status.value = ""

    def _live(self, live: bool) -> None:
        """Enable the controls that act on a turn, or (no turn shown) disable every one of them."""
        for control in (*self.code_buttons.values(), self.sentences, self.sentence_code, self.apply_sentences,
                        self.memo, self.save_memo, *self._turn_controls):
            control.disabled = not live

    def _set_suggestions(self, suggestions, *, turn: bool = True) -> None:
        """Show the turn's suggestions in rows that are reused from turn to turn (never rebuilt: a widget
        rebuilt on every redraw would stay alive in the kernel and the browser). A turn has at most one
        suggestion per code, so the rows made at the start are enough; more are made only if ever needed."""
        while len(self._rows) < len(suggestions):
            self._rows.append(self._suggestion_row())
        for k, suggestion in enumerate(suggestions):
            self._fill_row(k, suggestion)
        none = (self._no_suggestions,) if turn else ()
        self.suggestions.children = tuple(self._rows[:len(suggestions)]) or none

    def _turn_html(self, segment: Segment) -> str:
        s = self.session
        before, after = s.context(segment)
        spans = [(e.start, e.end, self._codes[x.code_id].colour, f"{x.code_id}: {e.rule}")
                 for x in s.suggestions(segment) for e in x.evidence]
        spans += [(a.start, a.end, self._codes[a.code_id].colour, f"{a.code_id} (yours)")
                  for a in s.applied(segment) if a.sentence_ids and a.code_id in self._codes]

        def quiet(turn):
            return (f"<div style='color:#777;margin:4px 0'><b>{html.escape(turn.name or turn.speaker)}:</b> "
                    f"{html.escape(turn.text)}</div>")

        current = _marked(segment.text, segment.start, spans, segment.sentences)
        return ("".join(quiet(t) for t in before)
                + f"<div class='pleval-turn' style='border-left:4px solid #3f51b5;padding:4px 8px;margin:4px 0'>"
                  f"{current}</div>" + "".join(quiet(t) for t in after))

    def _suggestion_row(self) -> w.HBox:
        """A row for one suggestion: Accept, Reject and what is suggested (filled by :meth:`_fill_row`)."""
        k = len(self._rows)
        self._row_codes.append("")

        def act(verb: str):
            def handler(_):
                code_id = self._row_codes[k]
                self._act(lambda: getattr(self.session, verb)(code_id), f"{verb} {code_id}")
            return handler

        return w.HBox([self._button("Accept", act("accept"), "success"),
                       self._button("Reject", act("reject"), "danger"), w.HTML()])

    def _fill_row(self, k: int, suggestion) -> None:
        row = self._rows[k]
        accept, reject, label = row.children
        code = self._codes[suggestion.code_id]
        words = ", ".join(dict.fromkeys(f"“{e.text}”" for e in suggestion.evidence))
        trust = self.session.trust(suggestion.code_id)
        label.value = (f"<span style='border-left:6px solid {code.colour};padding-left:4px'>"
                       f"<b>{html.escape(code.label)}</b> {suggestion.score:.2f} ({suggestion.source}) · "
                       f"{html.escape(words)} · <i>{suggestion.status}</i>"
                       + (f" · <small class='pleval-trust'>{html.escape(trust)}</small>" if trust else "")
                       + "</span>")
        accept.description, reject.description = f"Accept {code.label}", f"Reject {code.label}"
        accept.disabled = suggestion.status == "accepted"
        reject.disabled = suggestion.status == "rejected"
        if self._row_codes[k] != suggestion.code_id:
            if self._row_codes[k]:
                row.remove_class(f"pleval-suggestion-{self._row_codes[k]}")
            row.add_class(f"pleval-suggestion-{suggestion.code_id}")
            self._row_codes[k] = suggestion.code_id


class CoderPrompt:
    """Asks who is coding before any log is opened (the coding notebook starts with no coder), and shows a
    mistake (a coder name that cannot be one, a misspelt code, transcript or filter value) as one line.

    Parameters
    ----------
    open_coder : callable
        Opens the coding widget for a coder's name (raising :class:`~pleval.errors.PlevalError` on a mistake).
    problem : str
        What to say first (the question, or the mistake that stopped the widget from opening).
    coder : str
        The name given so far.
    """

    def __init__(self, open_coder: Callable[[str], CodingWidget], problem: str, coder: str = "", *,
                 error: bool = False):
        self._open = open_coder
        self.widget: CodingWidget | None = None
        self.name = w.Text(value=coder, placeholder="e.g. kim", description="Your name",
                           layout=w.Layout(width="280px"))
        self.start = w.Button(description="Start coding", button_style="primary", layout=w.Layout(width="auto"))
        self.start.on_click(lambda _: self.open())
        self.status = w.HTML()
        self.status.add_class("pleval-status")
        self.root = w.VBox([w.HBox([self.name, self.start]), self.status])
        self.root.add_class("pleval-coder-prompt")
        self._say(problem, error=error)

    def _say(self, message: str, *, error: bool) -> None:
        colour = "#b00020" if error else "#333"
        self.status.value = f"<span style='color:{colour}'>{html.escape(message)}</span>"

    def open(self) -> CodingWidget | None:
        """Open the coding widget for the name typed, in place of this prompt; on a mistake, say it in one line."""
        name = self.name.value.strip()
        if not name:
            self._say("say who is coding: type your name (your decisions go to data/codings/<name>.jsonl)",
                      error=True)
            return None
        try:
            self.widget = self._open(name)
        except PlevalError as error:
            self._say(str(error), error=True)
            return None
        self.start.close()
        self.name.close()
        self.status.close()
        self.root.children = (self.widget.root,)
        return self.widget

    def _ipython_display_(self):
        from IPython.display import display

        display(self.root)


def coding_widget(project: str | Project = ".", coder: str | None = "", *, transcripts=None, codes=None,
                  roles=None, filters=None, blind: bool = True, reconcile: list[str] | str | None = None,
                  model: bool = False, order: str = "text") -> CodingWidget | CoderPrompt:
    """Open a coding session for ``coder`` and return its widget (display it as a cell's last value).

    ``filters`` keeps the turns whose site, site attributes, type or period have the values given, as briefs.yaml
    names them: ``{"state": ["Oregon"]}`` (see :class:`~pleval.review.session.CodingSession`).

    With ``reconcile`` (two or more coders, a list or comma-separated), the widget walks the turns they
    disagree on and writes the lead's decisions to ``coder`` (default ``consensus``). With ``model``, the learned
    coder's suggestions appear beside the rules'; ``order="uncertainty"`` shows its most uncertain turns first.

    Without a coder (and not reconciling) no log is opened: a :class:`CoderPrompt` asks who is coding. A mistake
    in the arguments (a coder name that cannot name a log, an unknown code, transcript, role or filter value)
    is shown by the prompt in one line, with "did you mean", never as a traceback.
    """
    chosen = dict(transcripts=transcripts or None, codes=codes or None, roles=roles or None,
                  filters=filters or None)

    def open_coder(name: str) -> CodingWidget:
        opened = project if isinstance(project, Project) else Project.open(project)
        if reconcile:
            coders = [c.strip() for c in reconcile.split(",")] if isinstance(reconcile, str) else list(reconcile)
            widget = CodingWidget(ReconcileSession(opened, coders, lead=name or CONSENSUS, **chosen))
        else:
            widget = CodingWidget(CodingSession(opened, name, blind=blind, model=model, order=order, **chosen))
        # The session's transcripts, segments and the kernel's libraries live as long as the widget: move them
        # out of the collector's sight, or a full collection pausing 100-250 ms now and then would stall a click.
        gc.freeze()
        return widget

    coder = (coder or "").strip()
    if not coder and not reconcile:
        return CoderPrompt(open_coder, "Who is coding? Type your name and press Start coding (or set coder = "
                                       "'your-name' in the parameters cell). An existing name resumes that log.")
    try:
        return open_coder(coder)
    except PlevalError as error:
        return CoderPrompt(open_coder, str(error), coder, error=True)
