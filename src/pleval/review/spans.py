"""Coding any stretch of a turn, as a mouse selects it: applying and removing a code on a span, the decision and
the memo on one coding, and undoing on the turn shown. Part of :class:`pleval.review.session.CodingSession`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..coding.store import Event
from ..errors import SessionError
from ..schema import Codebook, Segment
from .state import Applied, LogState


class SpanCoding:
    """The span decisions of a coding session; each is written durably before it returns, as every decision.

    A mixin: the session provides the current turn, the codebook, the log's state and the writing."""

    codebook: Codebook
    state: LogState
    _write: Callable[[str, list[dict]], list[Event]]
    _fields: Callable[..., dict]
    _check_code: Callable[[str], None]
    applied: Callable[..., list[Applied]]

    if TYPE_CHECKING:
        @property
        def current(self) -> Segment: ...

    def _span(self, start: int, end: int) -> Segment:
        """The current turn, if ``start``-``end`` (transcript offsets) is a stretch of it that is not empty."""
        segment = self.current
        if not segment.start <= start < end <= segment.end:
            raise SessionError(f"the span {start}-{end} is not a stretch of turn {segment.id} "
                               f"({segment.start}-{segment.end})", fix="select words of the turn shown")
        return segment

    def apply_span(self, code_id: str, start: int, end: int) -> list[Event]:
        """Apply a code to exactly ``start``-``end`` of the current turn (transcript offsets, code points).

        The coding is stored with that span and its text, like any other; at the turn level (reliability,
        review status) it counts for the turn it is in.
        """
        self._check_code(code_id)
        segment = self._span(start, end)
        if self._has(code_id, start, end):
            return []
        return self._write("apply", [self._fields(segment, start, end, code_id=code_id)])

    def _has(self, code_id: str, start: int, end: int) -> bool:
        return any((a.code_id, a.start, a.end) == (code_id, start, end) for a in self.applied())

    def remove_span(self, code_id: str, start: int, end: int) -> list[Event]:
        """Take off one coding of the current turn, the one of ``code_id`` on exactly ``start``-``end``; the
        code's other codings there stay."""
        if not self._has(code_id, start, end):
            return []
        return self._write("remove", [self._fields(self.current, start, end, code_id=code_id)])

    def _in_force(self, segment: Segment) -> list[Event]:
        return [e for e in self.state.by_segment.get(segment.id, []) if e.id in self.state.effective]

    def coding_event(self, code_id: str, start: int, end: int, segment: Segment | None = None) -> Event | None:
        """The decision in force that put ``code_id`` on ``start``-``end`` (who, how and when), if any."""
        renamed = self.codebook.renames()
        found = None
        for event in self._in_force(segment or self.current):
            if (renamed.get(event.code_id or "", event.code_id), event.start, event.end) != (code_id, start, end):
                continue
            if event.action in ("apply", "accept"):
                found = event
            elif event.action in ("remove", "reject"):
                found = None
        return found

    def coding_memo(self, code_id: str, start: int, end: int, segment: Segment | None = None) -> str:
        """The memo on one coding (the latest written), or ""."""
        renamed = self.codebook.renames()
        memo = ""
        for event in self._in_force(segment or self.current):
            if event.action == "memo" and event.code_id is not None and (
                    renamed.get(event.code_id, event.code_id), event.start, event.end) == (code_id, start, end):
                memo = event.memo or ""
        return memo

    def write_coding_memo(self, code_id: str, start: int, end: int, text: str) -> list[Event]:
        """Attach a memo to one coding of the current turn: a memo event with the coding's code and span, as the
        exports read it (the turn's own memo, :meth:`memo`, is unchanged)."""
        if not self._has(code_id, start, end):
            raise SessionError(f"turn {self.current.id} has no coding of '{code_id}' on {start}-{end}",
                               fix="choose a coding in the margin first")
        return self._write("memo", [self._fields(self.current, start, end, code_id=code_id, memo=text)])

    def undo_here(self) -> list[Event]:
        """Take back the coder's latest decision still in force on the current turn, and nothing elsewhere."""
        mine = self._in_force(self.current)
        if not mine:
            return []
        last = mine[-1]
        same = [e for e in mine if e.time == last.time and e.action == last.action]  # one click, several events
        return self._write("undo", [{"undoes": e.id, "segment_id": self.current.id,
                                     "transcript_id": e.transcript_id} for e in same])
