"""Quotes for a brief: verbatim windows of participants' turns, after redaction, chosen for strength and spread.

A candidate is one participant turn counted for the theme (see :mod:`pleval.coding.sources`); interviewer
turns never are. From the turn, the window of whole sentences of 15 to 60 words (counted in the redacted
text) that best covers the coded span and the rules' evidence is taken, so the quote is a substring of the
redacted transcript text. Candidates are ranked:

- human-confirmed turns (consensus or human coding) before rule-only ones, and among them those where the
  rules found strong evidence too (their score, and evidence words inside the window);
- fewer placeholders, and no capitalised word that no list names (a possible name the metadata misses);
- statements before questions, and a middling length (20-50 words).

A section's quotes are then picked greedily: never two from one person (nor a turn quoted elsewhere in the
brief), and each pick is discounted when its site or role is already quoted in the section, so quotes
spread across sites and roles.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..schema import BriefQuote, QuoteProvenance, Segment, Transcript
from .attribution import Attributor, Profile, profile_of
from .redact import RedactedText, unlisted_capitalised

MIN_WORDS = 15
MAX_WORDS = 60
_PLACEHOLDER = re.compile(r"\[[a-zA-Z][a-zA-Z ]*\]")
_FILLER = re.compile(r"^(?:yeah|yes|um+|uh+|oh|okay|ok|so|well|right|mm-?hmm|hmm|sure|i mean)\b[\s,.!?—-]*$",
                     re.IGNORECASE)


@dataclass(frozen=True)
class QuoteCandidate:
    """A window of one participant turn that could be quoted for a theme."""

    code_id: str
    transcript: Transcript
    segment: Segment
    start: int
    end: int
    redacted_start: int
    redacted_end: int
    text: str
    words: int
    person: str
    site: str | None  # None: the transcript names no site
    role: str
    source: str
    coders: tuple[str, ...]
    rules_score: float | None
    evidence: tuple[str, ...]
    flagged: tuple[str, ...]
    score: float

    @property
    def human_confirmed(self) -> bool:
        return self.source != "rules"


def _window_score(words: int, text: str, evidence_inside: int, covers_coding: bool, flagged: int) -> float:
    score = 0.6 * min(evidence_inside, 3) + (0.5 if covers_coding else 0.0)
    score -= 0.4 * len(_PLACEHOLDER.findall(text)) + 2.0 * flagged
    score -= 0.5 if text.rstrip().endswith("?") else 0.0
    score -= 0.0 if 20 <= words <= 50 else 0.4
    return score


def _window_starts(segment: Segment):
    """For each sentence a window may start with, the sentences it may end with (fillers like "Yeah." neither
    start nor end a quote)."""
    sentences = [s for s in segment.sentences if not _FILLER.match(s.text)] or list(segment.sentences)
    for i, first in enumerate(sentences):
        yield first, sentences[i:]


_LEADING_ANNOTATION = re.compile(r"^(?:[^\[\]]*\]|\[[^\]]*\]|[\s,.;:!?—–-])+")  # "laughs] ", "[pause] ", ", "
_LEADING_PUNCTUATION = re.compile(r"[\s,.;:!?—–-]+")  # all _LEADING_ANNOTATION can match where there is no bracket
_TRAILING_OPEN = re.compile(r"\s*\[[^\]]*$")  # a stage direction the sentence splitter cut open: "... [" / "[laughs"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A window without a stage direction (or half of one) at its start or a cut-open one at its end: the
    sentence splitter can cut "[laughs]" in two, and a quote should open on the speaker's words."""
    piece = text[start:end]
    if "[" not in piece and "]" not in piece:  # most windows: the cheap way to the same answer
        lead = _LEADING_PUNCTUATION.match(piece)
        if lead and lead.end() < len(piece):
            start += lead.end()
        return start, end
    lead = _LEADING_ANNOTATION.match(piece)
    if lead and lead.end() < len(piece):
        start += lead.end()
        piece = text[start:end]
    tail = _TRAILING_OPEN.search(piece)
    if tail and tail.start() > 0:
        end = start + tail.start()
    return start, end


def best_window(segment: Segment, redacted: RedactedText, *, coded: tuple[int, int],
                evidence: tuple[tuple[int, int, str], ...], common_words: set[str], text: str):
    """The best 15-60-word window of whole sentences of the turn for a theme: (start, end, redacted start,
    redacted end, text, words, evidence inside, flagged words, window score), or None when no window has the
    right length."""
    best = None
    narrow = coded[0] > segment.start or coded[1] < segment.end  # a coder applied the theme to some sentences
    for first, lasts in _window_starts(segment):
        for last in lasts:
            start, end = trimmed(text, first.start, last.end)
            r_start, r_end = redacted.span(start, end)
            quote = redacted.text[r_start:r_end]
            words = len(quote.split())
            if words < MIN_WORDS:
                continue
            if words > MAX_WORDS:
                break  # longer runs from this first sentence are longer still
            inside = [e for e in evidence if start <= e[0] and e[1] <= end]
            covers = start < coded[1] and coded[0] < end
            if (narrow and not covers) or (not narrow and evidence and not inside):
                continue  # the window must hold what was coded: the coded sentences, or the rules' evidence
            score = _window_score(words, quote, len(inside), covers, 0)
            if best is not None and score <= best[-1]:
                continue  # flagged words only lower a score: this window cannot win, whatever they are
            flagged = unlisted_capitalised(quote, common_words)
            if flagged:
                score = _window_score(words, quote, len(inside), covers, len(flagged))
            if best is None or score > best[-1]:
                best = (start, end, r_start, r_end, quote, words, inside, tuple(flagged), score)
    return best


def quote_candidates(code_id: str, rows, transcripts: dict[str, Transcript], segments: dict[str, list[Segment]],
                     redactions: dict[str, RedactedText], common_words: set[str]) -> list[QuoteCandidate]:
    """The quotable windows of the turns counted for one theme.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :attr:`pleval.coding.sources.CountedCodings.table` for the theme and the brief's transcripts.
    segments : dict
        Transcript id -> its segments.
    redactions : dict
        Transcript id -> its redacted text.
    """
    candidates = []
    for row in rows.itertuples(index=False):
        transcript = transcripts[row.transcript_id]
        segment = segments[row.transcript_id][row.turn]
        if segment.is_interviewer:
            continue
        redacted = redactions[row.transcript_id]
        evidence = tuple(row.evidence) if isinstance(row.evidence, tuple) else ()
        found = best_window(segment, redacted, coded=(row.start, row.end), evidence=evidence,
                            common_words=common_words, text=transcript.text)
        if found is None:
            continue
        start, end, r_start, r_end, text, words, inside, flagged, window_score = found
        rules_score = None if row.rules_score is None or math.isnan(row.rules_score) else float(row.rules_score)
        score = window_score + (3.0 if row.source != "rules" else 0.0) + 2.0 * (rules_score or 0.0)
        evidence_words = tuple(redacted.text[slice(*redacted.span(s, e))] for s, e, _ in inside)
        person = " ".join((segment.name or f"{transcript.id}:{segment.speaker}").split()).casefold()
        candidates.append(QuoteCandidate(
            code_id=code_id, transcript=transcript, segment=segment, start=start, end=end, redacted_start=r_start,
            redacted_end=r_end, text=text, words=words, person=person, site=transcript.meta.site,
            role=segment.role, source=row.source, coders=tuple(row.coders.split("+")), rules_score=rules_score,
            evidence=evidence_words, flagged=flagged, score=round(score, 4),
        ))
    candidates.sort(key=lambda c: (-c.score, c.segment.id))
    return candidates


def choose_quotes(candidates: list[QuoteCandidate], *, count: int, used_segments: set[str],
                  with_pull_quote: bool = True) -> tuple[list[QuoteCandidate], QuoteCandidate | None]:
    """Pick a section's example quotes and its pull quote, spread across sites and roles.

    Never two quotes from one person in the section, and never a turn already quoted in the brief
    (``used_segments`` is updated).
    """
    people: set[str] = set()
    sites: dict[str | None, int] = {}
    roles: dict[str, int] = {}

    def pick(prefer_short: bool = False) -> QuoteCandidate | None:
        best, best_score = None, -math.inf
        for candidate in candidates:
            if candidate.person in people or candidate.segment.id in used_segments:
                continue
            score = candidate.score - 1.5 * sites.get(candidate.site, 0) - 0.75 * roles.get(candidate.role, 0)
            if prefer_short and candidate.words > 45:
                score -= 1.0
            if score > best_score:
                best, best_score = candidate, score
        if best is not None:
            people.add(best.person)
            used_segments.add(best.segment.id)
            sites[best.site] = sites.get(best.site, 0) + 1
            roles[best.role] = roles.get(best.role, 0) + 1
        return best

    examples = []
    for _ in range(count):
        chosen = pick()
        if chosen is None:
            break
        examples.append(chosen)
    pull = pick(prefer_short=True) if with_pull_quote else None
    return examples, pull


def as_brief_quote(candidate: QuoteCandidate, attributor: Attributor) -> BriefQuote:
    """The quote as the brief keeps it: text, attribution, signature and provenance."""
    profile: Profile = profile_of(candidate.transcript, candidate.role, name=candidate.segment.name)
    long, short = attributor.attribute(profile), attributor.sign(profile)
    turn = candidate.segment.turn_index
    return BriefQuote(
        text=candidate.text, words=candidate.words, attribution=long.text, short_attribution=short.text,
        generalised=long.dropped, shared_by=long.shared_by, role=candidate.role,
        provenance=QuoteProvenance(
            transcript_sha256=candidate.transcript.text_hash, transcript_type=candidate.transcript.meta.type,
            segment=f"t{turn:03d}", start=candidate.start, end=candidate.end,
            redacted_start=candidate.redacted_start, redacted_end=candidate.redacted_end, source=candidate.source,
            coders=candidate.coders, rules_score=candidate.rules_score, evidence=candidate.evidence,
        ),
    )
