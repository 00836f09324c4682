"""A transcript of one participant turn, built in memory, for tests of what is found in a quote."""

from __future__ import annotations

from pleval.schema import Participant, Transcript, TranscriptMeta, Turn


def one_turn_transcript(tid: str, site: str, talk: str) -> Transcript:
    """An interview at ``site`` in which one teacher, Ann Lee, says ``talk``."""
    meta = TranscriptMeta(id=tid, type="interview", date="2024-03-01", site=site, interviewer="Ivy Ng",
                          participants=[Participant(name="Ann Lee", role="teacher")])
    text = f"Ann Lee: {talk}"
    return Transcript(meta, text, (Turn(0, "Ann Lee", "Ann Lee", "teacher", talk, 9, len(text), 1),), f"{tid}.txt",
                      "txt", "x", "y")
