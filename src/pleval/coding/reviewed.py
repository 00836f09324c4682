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
from collections.abc import Iterable, Mapping

from ..schema import Transcript, Turn, segment_id
from .store import Replay, reanchor


class TurnIndex:
    """The participant turns of each transcript in text order, to find the turns a span touches."""

    def __init__(self, transcripts: Iterable[Transcript]):
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


def reviewed_turns(replay: Replay, transcripts: Mapping[str, Transcript],
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
