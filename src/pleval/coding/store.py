"""The human coding store: one append-only log per coder under data/codings/.

Every decision a person makes (apply a code to a span, remove it, accept or reject a suggestion, write a memo,
mark a turn done, undo) is one JSON object on one line of ``data/codings/<coder>.jsonl``. A line is written
whole under an exclusive lock, flushed and fsync'd before :meth:`CodingLog.append` returns, so a decision the
caller was told is saved survives a crash, and two processes appending at once never interleave. A coder's
current coding is the replay of the log; nothing in a log is ever rewritten. A torn last line (a crash
mid-write) is reported and skipped on replay, and the next append starts on a fresh line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import MovedCodingWarning, OrphanCodingWarning, Problem, StoreError, TornLineWarning
from ..project import append_durably
from ..schema import check_safe_id

if TYPE_CHECKING:
    from ..schema import Codebook, Transcript

ACTIONS = ("apply", "remove", "accept", "reject", "memo", "review", "undo")  # review: turn done, maybe uncoded
REQUIRED = ("id", "time", "coder", "action")
# The two coders that are not a person: the consensus (the log a reconciliation writes to by default) and the
# codebook's rules (no log: their codings are computed; nlp.rules.RuleCoder.source, which cannot import this)
CONSENSUS = "consensus"
RULES = "rules"






class Event(NamedTuple):
    """One human decision, as written to a coder's log."""

    id: str
    time: str
    coder: str
    action: str
    transcript_id: str | None = None
    transcript_hash: str | None = None
    codebook_hash: str | None = None
    segment_id: str | None = None
    start: int | None = None
    end: int | None = None
    code_id: str | None = None
    memo: str | None = None
    text: str | None = None  # the coded span's text when it was coded, to re-anchor it if the transcript changes
    undoes: str | None = None  # for "undo": the id of the event it takes back
    line: int = 0  # where it was read from (not written)


@dataclass
class Replay:
    """A coder's log read back: the events in order, their current effect, and any lines skipped."""

    events: list[Event]
    problems: list[Problem] = field(default_factory=list)
    path: Path | None = None

    def effective(self) -> list[Event]:
        """The events still in force: every event not taken back by a later undo (an undo of an undo restores)."""
        undone: set[str] = set()
        for event in reversed(self.events):
            if event.action == "undo" and event.id not in undone and event.undoes is not None:
                undone.add(event.undoes)
        return [e for e in self.events if e.action != "undo" and e.id not in undone]

    def codings(self, codebook=None) -> dict[tuple[str, int, int, str], Event]:
        """The coder's current codings, keyed (transcript id, start, end, code id): applied or accepted spans
        that no later remove or reject of the same span and code took away. Events naming no transcript, code
        or span (a log edited by hand) code nothing.

        With a ``codebook``, codes renamed or merged there (``renamed_from``) are read under their new id, so a
        codebook edit never drops a coding; codings of a code that is gone are kept under their old id and
        reported by :meth:`orphans`.
        """
        renamed = codebook.renames() if codebook is not None else {}
        current: dict[tuple[str, int, int, str], Event] = {}
        for event in self.effective():
            if event.code_id is None or event.transcript_id is None or event.start is None or event.end is None:
                continue
            code_id = renamed.get(event.code_id, event.code_id)
            key = (event.transcript_id, event.start, event.end, code_id)
            if event.action in ("apply", "accept"):
                current[key] = event
            elif event.action in ("remove", "reject"):
                current.pop(key, None)
        return current

    def memos(self, codebook=None) -> dict[tuple[str | None, int | None, int | None, str | None], Event]:
        """The coder's current memos, keyed (transcript id, start, end, code id): the latest memo in force on each
        turn (code id None) or coding, those cleared to nothing left out. With a ``codebook``, a renamed code's
        memos are read under its new id, as :meth:`codings` reads its codings."""
        renamed = codebook.renames() if codebook is not None else {}
        latest: dict[tuple[str | None, int | None, int | None, str | None], Event] = {}
        for event in self.effective():
            if event.action == "memo":
                code_id = renamed.get(event.code_id, event.code_id) if event.code_id is not None else None
                latest[(event.transcript_id, event.start, event.end, code_id)] = event
        return {key: event for key, event in latest.items() if (event.memo or "").strip()}

    def orphans(self, codebook) -> list[OrphanCodingWarning]:
        """One warning per code that current codings use but the codebook neither has nor renames."""
        known = set(codebook.code_ids)
        counts: dict[str, int] = {}
        for _transcript_id, _start, _end, code_id in self.codings(codebook):
            if code_id not in known:
                counts[code_id] = counts.get(code_id, 0) + 1
        return [
            OrphanCodingWarning(
                f"{n} coding(s) use code '{code_id}', which the codebook no longer has",
                path=self.path, value=code_id,
                fix=f"add 'renamed_from: [{code_id}]' to the code that replaced it, or restore the code",
            )
            for code_id, n in sorted(counts.items())
        ]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class CodingLog:
    """The append-only log of one coder. Writes go through :meth:`append`; reads through :meth:`replay`."""

    def __init__(self, folder: str | os.PathLike, coder: str):
        try:
            check_safe_id(coder)
        except ValueError as error:
            raise StoreError(f"coder name: {error}", fix="use letters, digits, '-', '_' or '.'") from None
        self.coder = coder
        self.path = Path(folder) / f"{coder}.jsonl"

    def append(self, action: str, **fields) -> Event:
        """Write one decision durably and return it (with its id and time).

        Raises
        ------
        StoreError
            For an unknown action, a field that is not part of an event, or a log that cannot be written.
        """
        event = self._event(action, fields)
        self._write([event])
        return event

    def append_many(self, action: str, many: list[dict]) -> list[Event]:
        """Write many decisions of one kind (one click, or an import) in a single locked write and fsync.

        They share one time, which is what marks them as one decision: undo takes back all of a click's events.
        """
        return self.append_batch([(action, fields) for fields in many])

    def append_batch(self, decisions: list[tuple[str, dict]]) -> list[Event]:
        """Write decisions of several kinds (an import's codings and the turns it marks done) as one: a single
        locked write and fsync, all sharing one time.
        """
        now = _now()
        events = [self._event(action, fields, now) for action, fields in decisions]
        if events:
            self._write(events)
        return events

    def _event(self, action: str, fields: dict, time: str | None = None) -> Event:
        if action not in ACTIONS:
            raise StoreError(f"unknown action '{action}'", fix=f"use one of: {', '.join(ACTIONS)}")
        unknown = set(fields) - (set(Event._fields) - {"id", "time", "coder", "action", "line"})
        if unknown:
            raise StoreError(f"unknown event field(s): {', '.join(sorted(unknown))}")
        if action == "undo" and not fields.get("undoes"):
            raise StoreError("an undo must name the event it takes back ('undoes')")
        return Event(id=uuid.uuid4().hex, time=time or _now(), coder=self.coder, action=action, **fields)

    def _write(self, events: list[Event]) -> None:
        lines = []
        for event in events:
            record = {k: v for k, v in event._asdict().items() if v is not None and k != "line"}
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        try:
            append_durably(self.path, "".join(lines).encode("utf-8"))
        except OSError as error:
            raise StoreError(f"cannot write the coding log: {error.strerror}", path=self.path) from None

    def replay(self) -> Replay:
        """Read the whole log. Lines that are not whole events are reported and skipped; nothing is lost."""
        events, problems, _, _ = self.read_from(0, 0, final=True)
        return Replay(events, problems, self.path)

    def read_from(self, offset: int, lines_before: int = 0, *, final: bool = False):
        """Read the events written since byte ``offset`` (a session keeping up with its log).

        Returns ``(events, problems, new_offset, lines_read)``. Without ``final``, an unfinished last line is left
        unread (another process may be writing it) and is read next time; with ``final`` it is reported as torn.
        """
        events: list[Event] = []
        problems: list[Problem] = []
        if not self.path.exists():
            return events, problems, 0, 0
        number = lines_before
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            for raw in handle:
                if not raw.endswith(b"\n") and not final:
                    break
                offset += len(raw)
                number += 1
                if raw.strip():
                    self._parse(raw, number, events, problems)
        return events, problems, offset, number - lines_before

    def _parse(self, raw: bytes, number: int, events: list[Event], problems: list[Problem]) -> None:
        torn = not raw.endswith(b"\n")
        try:
            record = json.loads(raw)
            if not isinstance(record, dict) or any(k not in record for k in REQUIRED):
                raise ValueError("missing fields")
            if record["action"] not in ACTIONS:
                raise ValueError(f"unknown action {record['action']!r}")
            fields = {k: v for k, v in record.items() if k in Event._fields and k != "line"}
            events.append(Event(**fields, line=number))
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            what = "an unfinished last line (a write cut short)" if torn else f"not a coding event ({error})"
            problems.append(TornLineWarning(
                f"skipped {what}", path=self.path, line=number,
                fix="nothing to do: the decisions before and after it are kept",
            ))


def anchored_codings(replay: Replay, coder: str, codebook: Codebook, transcripts: Mapping[str, Transcript],
                     problems: list[Problem], *, kept: str = "counted"
                     ) -> list[tuple[str, int, int, str, Event]]:
    """A coder's current codings placed in the transcripts' current text: (transcript id, start, end, code id,
    event), for the transcripts given.

    The log's problems and its codings of codes the codebook no longer has are added to ``problems``; so is a
    :class:`~pleval.errors.MovedCodingWarning` for a coding whose text is no longer in its edited transcript,
    which stays where it was (``kept`` says what is done with it there: "counted", "exported").
    """
    problems += replay.problems
    problems += replay.orphans(codebook)
    placed = []
    for (transcript_id, start, end, code_id), event in replay.codings(codebook).items():
        transcript = transcripts.get(transcript_id)
        if transcript is None:
            continue
        where = reanchor(event, transcript.text, transcript.text_hash)
        if where is None:
            clipped = " ".join((event.text or "").split())
            clipped = clipped if len(clipped) <= 40 else clipped[:39] + "…"
            problems.append(MovedCodingWarning(
                f"coding '{code_id}' of {coder} in '{transcript_id}' (\"{clipped}\") is no longer in the "
                f"edited transcript; it is {kept} where it was", path=replay.path, line=event.line,
                fix="recode that passage"))
            where = (start, end)
        placed.append((transcript_id, *where, code_id, event))
    return placed


def coders(folder: str | os.PathLike) -> list[str]:
    """The coders who have a log in ``folder``."""
    return sorted(p.stem for p in Path(folder).glob("*.jsonl"))


def reanchor(event: Event, text: str, text_hash: str) -> tuple[int, int] | None:
    """Where a coding's span is in the transcript's current text.

    Unchanged transcript: the recorded span. Changed transcript: the recorded text found again (the occurrence
    nearest the old position); None if it is no longer there, or the coding recorded no text or no span.
    """
    old_start, old_end = event.start, event.end
    if old_start is None or old_end is None:
        return None
    if event.transcript_hash in (None, text_hash) or event.text is None:
        return old_start, old_end
    if text[old_start:old_end] == event.text:
        return old_start, old_end
    found, at = [], text.find(event.text)
    while at != -1 and event.text:
        found.append(at)
        at = text.find(event.text, at + 1)
    if not found:
        return None
    start = min(found, key=lambda position: abs(position - old_start))
    return start, start + len(event.text)
