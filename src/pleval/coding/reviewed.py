"""Review status per turn: which participant turns a coder has reviewed.

A turn counts as reviewed by a coder only when that coder decided something on it that still stands (no later
undo took it back): a code applied or removed, a suggestion accepted or rejected, a memo, or "done" (the
``review`` action, which may leave the turn with no code). A coding that spans several turns reviews each of
them. A memo counts because the coder has read the turn and written about it, and the coding widget counts such a
turn as coded in its progress: what a coder sees as done is what is counted.

Turns a coder never reached are missing for them, never negatives: reliability compares coders only on turns both
reviewed (:mod:`.coders`), the briefs keep the rules' coding of turns no person reviewed (:mod:`.sources`), and
the learned coder trains only on reviewed turns. The rules review every turn.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from ..schema import Turn, segment_id
from .store import Event, Replay, reanchor

#: What an import says a coder reviewed: only the turns it codes, or every participant turn of each transcript
#: it codes (``pleval import codings|refi --reviewed``).
REVIEWED = ("coded", "transcripts")


class TextWithTurns(Protocol):
    """A transcript's text and turns: a :class:`pleval.schema.Transcript`, or one an import is about to write."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def text_hash(self) -> str: ...

    @property
    def turns(self) -> Sequence[Turn]: ...


class TurnIndex:
    """The participant turns of each transcript in text order, to find the turns a span touches."""

    def __init__(self, transcripts: Iterable[TextWithTurns]):
        self.turns = {t.id: [turn for turn in t.turns if not turn.is_interviewer] for t in transcripts}
        self.ends = {tid: [turn.end for turn in turns] for tid, turns in self.turns.items()}

    def touched(self, transcript_id: str, start: int, end: int) -> list[Turn]:
        """Participant turns overlapping [start, end); a zero-length span counts for the turn it sits in."""
        turns = self.turns.get(transcript_id, [])
        first = bisect_left(self.ends.get(transcript_id, []), start + 1)  # the first turn ending after start
        hits = []
        for turn in turns[first:]:
            if turn.start >= max(end, start + 1):
                break
            hits.append(turn)
        return hits


def reviewed_turns(replay: Replay, transcripts: Mapping[str, TextWithTurns],
                   index: TurnIndex | None = None) -> dict[str, set[int]]:
    """Per transcript, the indices of the participant turns the coder of ``replay`` has reviewed.

    Each decision in force is placed by its span (re-anchored by its text where the transcript was edited, else
    where it was), or, without a span, by its segment id. Transcripts not in ``transcripts`` are left out.
    """
    index = index or TurnIndex(transcripts.values())
    found: dict[str, set[int]] = {}
    for event in replay.effective():
        transcript = transcripts.get(event.transcript_id or "")
        if transcript is None:
            continue
        if event.start is not None and event.end is not None:
            start, end = reanchor(event, transcript.text, transcript.text_hash) or (event.start, event.end)
            turns = [turn.index for turn in index.touched(transcript.id, start, end)]
        else:
            turns = [turn.index for turn in index.turns.get(transcript.id, [])
                     if event.segment_id == segment_id(transcript.id, turn.index)]
        if turns:
            found.setdefault(transcript.id, set()).update(turns)
    return found


def whole_transcript_reviews(replay: Replay, transcripts: Mapping[str, TextWithTurns], coded: Iterable[str],
                             pending: Iterable[tuple[str, dict]], codebook_hash: str) -> list[dict]:
    """The ``review`` events that mark every participant turn of the ``coded`` transcripts as reviewed.

    An import of a coder's work from another tool writes only their codings, so the turns they read and left
    uncoded would not count as reviewed. These are the fields of a "done" on each such turn, as the coding
    session writes it (the whole turn's span and text), for the turns that neither the coder's log
    (``replay``) nor the events about to be appended with them (``pending``: action and fields) already
    review. Importing a file twice therefore adds no review the second time.

    Parameters
    ----------
    replay : Replay
        The coder's log as it is.
    transcripts : mapping
        Transcript id -> the transcript (its text, hash and turns), for every id in ``coded``.
    coded : iterable of str
        The transcripts the import holds at least one coding of by this coder.
    pending : iterable of (str, dict)
        The events the import appends to the coder's log.
    codebook_hash : str

    Returns
    -------
    list of dict
        Event fields for :meth:`pleval.coding.store.CodingLog.append_many` with action ``review``, in text order.
    """
    wanted = {tid: transcripts[tid] for tid in sorted(set(coded))}
    planned = [Event(id=f"pending-{n}", time="", coder="", action=action, **fields)
               for n, (action, fields) in enumerate(pending)]  # not written: placed like the log's own events
    index = TurnIndex(wanted.values())
    done = reviewed_turns(Replay([*replay.events, *planned]), wanted, index)
    reviews = []
    for tid, transcript in wanted.items():
        for turn in index.turns[tid]:
            if turn.index not in done.get(tid, ()):
                reviews.append({"transcript_id": tid, "transcript_hash": transcript.text_hash,
                                "codebook_hash": codebook_hash, "segment_id": segment_id(tid, turn.index),
                                "start": turn.start, "end": turn.end, "text": transcript.text[turn.start:turn.end]})
    return reviews
