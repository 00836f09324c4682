"""The span coding view: a front-end widget (anywidget) over a :class:`~pleval.review.session.CodingSession`.

The coder selects any words of the turn with the mouse and presses a code's key (or clicks the code). The
browser snaps the selection to whole words and sends it as code-point offsets into the turn's text; this module
snaps it again (a message is input like any other), turns it into transcript offsets and calls
:meth:`~pleval.review.session.CodingSession.apply_span`, which writes the coding to the coder's log before the
view redraws. Codings are drawn as coloured stripes in the margin, side by side where they overlap; a click on a
stripe shows who coded it, with "remove" (that coding only) and a memo on it. Suggestions are shown inline,
their evidence underlined, and are accepted or rejected by key. Whole-turn and sentence coding stay as
shortcuts (Shift and Alt with a code's key).

Keys are handled in the browser while the view has focus, and stopped there, so JupyterLab's notebook commands
(``a``, ``b``, ``d d``, ``x``, the arrows, Shift+Enter...) never see them. The JavaScript and CSS are package
files beside this module (``static/spanview.js``, ``static/spanview.css``). Like the rest of the widget, the view
keeps no decisions of its own: what it shows is the log, through the session.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from ..errors import PlevalError, SessionError
from ..schema import Segment
from .session import CodingSession

STATIC = Path(__file__).parent / "static"

#: The keys the view keeps for its commands (the browser side binds them: static/spanview.js).
COMMANDS = {"s": "next suggestion", "a": "accept it", "r": "reject it", "n": "next turn", "p": "previous turn",
            "u": "undo (this turn)", "m": "memo on the chosen coding"}
#: Codes get these keys in codebook order: 1-9, then the letters no command uses. Later codes have no key.
CODE_KEYS = "123456789" + "".join(c for c in string.ascii_lowercase if c not in COMMANDS)
HELP = ("Select words, then a code's key or button · Shift+key: whole turn · Alt+key: its sentences · "
        "click a stripe: who coded it, remove, memo · s next suggestion, a accept, r reject · "
        "n/→ next · p/← previous · u undo · Enter done · Esc clear")


def _is_word(char: str) -> bool:
    return char.isalnum() or char in "'’" or unicodedata.category(char).startswith("M")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start``-``end`` of ``text`` widened to whole words and stripped of spaces at its ends; None if it holds
    no word. What the browser does to a mouse selection (static/spanview.js ``snap``), done again here."""
    start, end = sorted((max(0, min(start, len(text))), max(0, min(end, len(text)))))

    def word(i: int) -> bool:
        return 0 <= i < len(text) and _is_word(text[i])

    while start > 0 and word(start) and word(start - 1):
        start -= 1
    while end < len(text) and word(end - 1) and word(end):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if any(_is_word(c) for c in text[start:end]) else None


def _when(time: str) -> str:
    try:
        return dt.datetime.fromisoformat(time).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return time


class SpanView(anywidget.AnyWidget):
    """The turn in its context, coded span by span.

    Parameters
    ----------
    session : CodingSession
        Where the decisions go (a :class:`~pleval.review.reconcile.ReconcileSession` too).
    changed : callable, optional
        Called after each action instead of a redraw of this view alone: the coding widget that holds the view
        redraws everything, this view first.
    leaving : callable, optional
        Called before the view leaves the turn (next, previous, done): the coding widget saves its memo box.
    header : bool
        Show where the turn is from and the progress (the coding widget shows them above the view).
    """

    _esm = (STATIC / "spanview.js").read_text(encoding="utf-8")
    _css = (STATIC / "spanview.css").read_text(encoding="utf-8")
    codes: traitlets.List[dict] = traitlets.List().tag(sync=True)  # [{id, label, colour, key, definition}]
    view = traitlets.Dict().tag(sync=True)  # the current turn and everything on it (see _view)
    help_line = traitlets.Unicode(HELP).tag(sync=True)
    show_header = traitlets.Bool(True).tag(sync=True)  # where the turn is from, and progress

    def __init__(self, session: CodingSession, *, changed: Callable[[], None] | None = None,
                 leaving: Callable[[], object] | None = None, header: bool = True):
        super().__init__(show_header=header)
        self.session = session
        self._changed = changed
        self._leaving = leaving
        self._rev = 0
        self._status = ("", False)
        offered = [c for c in session.codebook.codes if c.id in session.codes]
        self._labels = {c.id: c.label for c in session.codebook.codes}
        self.code_keys = dict(zip((c.id for c in offered), CODE_KEYS, strict=False))
        self.codes = [{"id": c.id, "label": c.label, "colour": c.colour, "key": self.code_keys.get(c.id, ""),
                       "definition": c.definition} for c in offered]
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))
        self.render()

    # -- actions ----------------------------------------------------------------------------------------------

    def handle(self, message: dict) -> None:
        """Carry out one action sent by the browser: ``{"do": ..., "on": turn id, ...}`` with offsets in code
        points of the turn's text. Each one is written to the log before the view redraws and says so."""
        do = message.get("do")
        s = self.session
        try:
            moving = do in ("next", "previous")  # relative: n pressed three times moves three turns
            if s.units and not moving and message.get("on") not in (None, s.current.id):
                raise SessionError("the turn changed before this action arrived", fix="do it again")
            if (moving or do == "done") and self._leaving is not None:
                self._leaving()
            if moving:
                s.next() if do == "next" else s.previous()
                self._status = ("", False)
            else:
                events, what = self._decide(do, message)
                when = dt.datetime.now().strftime("%H:%M:%S")
                self._status = ((f"saved {what} at {when} ({len(events)} decision(s) in {s.log.path.name})"
                                 if events else f"nothing to save ({what})"), False)
                if do == "done":
                    s.next_uncoded()
        except PlevalError as error:
            self._status = (f"not saved: {error}", True)
        (self._changed or self.render)()

    def _decide(self, do, message: dict) -> tuple[list, str]:
        s = self.session
        segment = s.current
        code_id = str(message.get("code", ""))
        name = self._labels.get(code_id, code_id)
        if do == "done":
            return s.done(), "done"
        if do == "undo":
            return s.undo_here(), "undo"
        if do in ("accept", "reject"):
            return (s.accept if do == "accept" else s.reject)(code_id), f"{do} {name}"
        if do == "turn":  # whole turn, on or off: never touches the code's other spans
            whole = (segment.start, segment.end)
            if any((a.code_id, a.start, a.end) == (code_id, *whole) for a in s.applied(segment)):
                return s.remove_span(code_id, *whole), f"{name} off the whole turn"
            return s.apply_span(code_id, *whole), f"{name} on the whole turn"
        start, end = self._offsets(segment, message, snap=do in ("span", "sentences"))
        if do == "span":
            return s.apply_span(code_id, start, end), f"{name} on “{s.transcript_of(segment).text[start:end]}”"
        if do == "sentences":
            touched = [x.id for x in segment.sentences
                       if x.start < end and start < x.end or x.start <= start < x.end]
            return s.apply(code_id, sentences=touched), f"{name} on {len(touched)} sentence(s)"
        if do == "remove":
            return s.remove_span(code_id, start, end), f"{name} off “{s.transcript_of(segment).text[start:end]}”"
        if do == "memo":
            return s.write_coding_memo(code_id, start, end, str(message.get("text", ""))), f"memo on {name}"
        raise SessionError(f"unknown action '{do}'")

    @staticmethod
    def _offsets(segment: Segment, message: dict, *, snap: bool) -> tuple[int, int]:
        """The message's turn offsets as transcript offsets (a selection snapped to whole words)."""
        try:
            start, end = int(message["start"]), int(message["end"])
        except (KeyError, TypeError, ValueError):
            raise SessionError("the action names no span", fix="select some words first") from None
        if snap and start != end:
            snapped = snap_to_words(segment.text, start, end)
            if snapped is None:
                raise SessionError("the selection holds no words", fix="select some words first")
            start, end = snapped
        return segment.start + start, segment.start + end

    # -- drawing ----------------------------------------------------------------------------------------------

    def render(self) -> None:
        """Send the current turn, its codings and suggestions to the browser (one message, one repaint)."""
        self._rev += 1
        self.view = self._view()
        self._status = ("", False)

    def _view(self) -> dict:
        s = self.session
        done, total = s.progress()
        view: dict = {"rev": self._rev, "status": self._status[0], "error": self._status[1],
                      "progress": f"coded {done} of {total} turns", "coder": s.coder}
        if not s.units:
            view["empty"] = "No turns match these filters."
            return view
        segment = s.current
        meta = s.transcript_of(segment).meta
        before, after = s.context(segment)
        view["turn"] = {"id": segment.id, "text": segment.text, "speaker": segment.name or segment.speaker,
                        "role": segment.role, "where": " · ".join(x for x in (meta.site, meta.id) if x),
                        "index": segment.turn_index, "position": s.position + 1, "count": len(s.units),
                        "coded": s.is_coded(segment)}
        view["before"] = [{"speaker": t.name or t.speaker, "text": t.text} for t in before]
        view["after"] = [{"speaker": t.name or t.speaker, "text": t.text} for t in after]
        codings = []
        for a in s.applied(segment):
            event = s.coding_event(a.code_id, a.start, a.end, segment)
            codings.append({
                "code": a.code_id, "start": a.start - segment.start, "end": a.end - segment.start,
                "whole": (a.start, a.end) == (segment.start, segment.end),
                "by": event.coder if event else s.coder,
                "how": "" if event is None else "accepted a suggestion" if event.action == "accept" else "applied",
                "when": _when(event.time) if event else "",
                "memo": s.coding_memo(a.code_id, a.start, a.end, segment)})
        view["codings"] = codings
        view["suggestions"] = [
            {"code": x.code_id, "score": round(x.score, 2), "source": x.source, "status": x.status,
             "evidence": [[e.start - segment.start, e.end - segment.start] for e in x.evidence]}
            for x in s.suggestions(segment)]
        view["others"] = s.others(segment)
        return view
