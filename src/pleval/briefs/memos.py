"""What a quoted person described, in a person's words: the coders' memos, and the brief's hand-written lines.

An example in the seed says what the person described, in the writer's words, and embeds a short quote. pleval
never paraphrases: those words come from a person. They are, in this order,

1. a line of the brief's hand-written text in briefs.yaml (``text: examples:``, keyed by the quoted turn,
   ``<transcript id>:t009``), the evaluator's own words for this brief;
2. a coder's memo on a coding of the theme that overlaps the quote (the coding widget writes one per coding),
   the consensus's before another coder's, the latest first;
3. a coder's memo on the quoted turn as a whole, in the same order.

A memo written on another version of the transcript (its hash differs) is not used: its offsets may no longer
point at the quote. Nor is words that say what the quote's attribution left out to fit enough people in the
brief's scope (:func:`narrowing`): "the principal's team" beside "An educator or leader" would single the speaker
out again. Analytic memos are read from the coding store, never written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..coding.store import CONSENSUS, CodingLog
from ..project import Project
from ..schema import Codebook, Declaration, Transcript
from .attribution import ROLE, Profile

#: Who the hand-written lines of briefs.yaml are from, in a quote's provenance.
BRIEF_TEXT = "briefs.yaml"


@dataclass(frozen=True)
class Memo:
    """A coder's memo on a turn (``code_id`` None) or on one coding, at code-point offsets of the transcript."""

    transcript_id: str
    start: int
    end: int
    code_id: str | None
    text: str
    coder: str
    time: str


@dataclass
class Memos:
    """Every coder's current memos, by transcript."""

    by_transcript: dict[str, list[Memo]] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project, codebook: Codebook, transcripts: Iterable[Transcript]) -> Memos:
        """The memos in force in every coder's log, on the transcripts as they are now."""
        hashes = {t.id: t.text_hash for t in transcripts}
        found: dict[str, list[Memo]] = {}
        for path in sorted(project.codings_dir.glob("*.jsonl")):
            replay = CodingLog(project.codings_dir, path.stem).replay()
            for (transcript_id, start, end, code_id), event in replay.memos(codebook).items():
                if transcript_id not in hashes or start is None or end is None:
                    continue
                if event.transcript_hash is not None and event.transcript_hash != hashes[transcript_id]:
                    continue  # written on another version of the text: its span may not be the quote's
                found.setdefault(transcript_id, []).append(
                    Memo(transcript_id, start, end, code_id, " ".join((event.memo or "").split()), path.stem,
                         event.time))
        return cls(found)

    def describing(self, transcript_id: str, start: int, end: int, code_id: str) -> Memo | None:
        """The memo that says what the quote at ``start``-``end`` describes for theme ``code_id``, or None: one
        on a coding of the theme overlapping it, else one on its turn (see the module's notes)."""
        overlapping = [m for m in self.by_transcript.get(transcript_id, ())
                       if m.start < end and start < m.end and m.code_id in (code_id, None)]
        if not overlapping:
            return None
        return max(overlapping, key=lambda m: (m.code_id is not None, m.coder == CONSENSUS, m.time))


def description(memos: Memos, hand_written: Mapping[str, str], *, segment_id: str, transcript_id: str, start: int,
                end: int, code_id: str) -> tuple[str, str] | None:
    """What the quoted person described and whose words they are (a coder, or :data:`BRIEF_TEXT`), or None."""
    line = " ".join(hand_written.get(segment_id, "").split())
    if line:
        return line, BRIEF_TEXT
    memo = memos.describing(transcript_id, start, end, code_id)
    return (memo.text, memo.coder) if memo is not None else None


def narrowing(text: str, *, role: str, generalised: Sequence[str], profile: Profile, declaration: Declaration
              ) -> str | None:
    """The first word of ``text`` naming what an attribution left out (``generalised``: the speaker's role, or the
    values of the attributes dropped), or None. Such words would undo the generalisation, so the text is not
    used. It errs on the side of leaving text out: "teachers" in a teacher's description is enough."""
    words: list[str] = []
    if ROLE in generalised:
        declared = declaration.role(role)
        words += [declared.singular, declared.plurals, declared.label or ""] if declared else [role.replace("_", " ")]
    for name in generalised:
        value = profile.value(name)
        if value:
            attribute = declaration.attribute(name)
            words += [value, (attribute.worded(value) if attribute is not None else None) or ""]
    for word in filter(None, words):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return word
    return None
