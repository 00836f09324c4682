"""Quotes for a brief: verbatim windows of participants' turns, after redaction, that fit their theme, chosen for
strength and spread.

A candidate is one participant turn counted for the theme (see :mod:`pleval.coding.sources`); interviewer
turns never are. From the turn, a window of whole sentences of 15 to 60 words (counted in the redacted text) is
taken, so the quote is a substring of the redacted transcript text. A window can be a quote only when

- it opens on a sentence that stands on its own (:func:`pleval.nlp.openings.opening_problem`: not a reply to the
  interviewer's question such as "Some." or "No, I'm kidding.", nor a pronoun whose referent came before) and
  ends where a sentence ends (not on a dash where the speaker was cut off: "...and then the—");
- a person confirmed the theme there (the consensus or the human coders counted it on the turn; where a coder
  applied it to some sentences only, the window keeps to those) and the quoted words hold a sure cue of the
  rules for it (:data:`SURE_EVIDENCE`, as the codebook combines weights) or, without one, all the sentences the
  person coded; or, on the rules alone, the quoted words hold :data:`RULES_ALONE` of its evidence (two sure cues)
  and the turn as a whole is not more another theme's;
- it fits this theme better than any other theme counted on the same turn: the weights of the distinct rules
  whose evidence lies inside the window are summed per theme, and a window whose words are as much or more
  another theme's ("the grant pays for stipends and substitute coverage" is more funding than time) is
  not this theme's quote.

Candidates are ranked:

- human-confirmed turns (consensus or human coding) before rule-only ones, and among them those where the
  rules found strong evidence in the window too;
- a clear margin over the other themes counted on the turn;
- fewer placeholders, and no run of capitalised words that no list names nor a person kept (a possible name
  the metadata misses, or a site's own term: :mod:`pleval.briefs.unlisted`);
- a middling length (20-50 words).

A section's quotes are then picked greedily: never two from one person (nor a turn quoted elsewhere in the
brief), and each pick is discounted when its site or role is already quoted in the section, so quotes
spread across sites and roles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..nlp.openings import balanced_quotation, ends_sentence, opening_problem, punctuated
from ..schema import BriefQuote, QuoteProvenance, Segment, Sentence, Transcript
from .attribution import Attributor, Profile, profile_of
from .redact import RedactedText

MIN_WORDS = 15
MAX_WORDS = 60
#: The rules' score on a quote's own words (``1 - prod(1 - weight)`` over the distinct rules matched there) that a
#: quote chosen on the rules alone needs: one cue the codebook weighs "enough on its own" (1.0), not weak ones.
SURE_EVIDENCE = 0.9
#: What the evidence in a quote chosen on the rules alone must weigh (:func:`weigh`): two of the theme's cues, one
#: of them sure (a passing mention, "he's on the team with us", is one).
RULES_ALONE = 1.3
_PLACEHOLDER = re.compile(r"\[[a-zA-Z][a-zA-Z ]*\]")
#: What finds a quote's runs of capitalised words no list names nor a person kept
#: (:meth:`pleval.briefs.terms.TermFinder.unlisted`).
Unlisted = Callable[[str], Sequence[str]]
_FILLER = re.compile(r"^(?:yeah|yes|um+|uh+|oh|okay|ok|so|well|right|mm-?hmm|hmm|sure|i mean)\b[\s,.!?—-]*$",
                     re.IGNORECASE)

#: One piece of the rules' evidence: (start, end, text, rule key), offsets into the transcript's text.
Evidence = tuple[int, int, str, str]


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
    strength: float = 0.0  # the summed weights of this theme's distinct rules matched inside the window
    rival: float = 0.0  # the same for the strongest other theme counted on the turn

    @property
    def human_confirmed(self) -> bool:
        return self.source != "rules"


@dataclass(frozen=True)
class Weighed:
    """A theme's rules evidence inside a window: the distinct rules matched there, their summed weight and their
    weight combined as the codebook combines it (``1 - prod(1 - w)``)."""

    inside: tuple[Evidence, ...]
    total: float
    combined: float


def weigh(evidence: tuple[Evidence, ...], start: int, end: int, weights: Mapping[str, float]) -> Weighed:
    """The evidence that lies inside ``[start, end)`` and what it weighs: the words, not the rules. Rules that
    matched the same or overlapping words ("sub coverage" three times over, "summer" inside "summer work") count
    once, at the weight of the surest of them, and the same words said again count once too (a rule missing
    from ``weights`` weighs 1.0)."""
    inside = tuple(sorted(e for e in evidence if start <= e[0] and e[1] <= end))
    groups: list[list] = []  # [start, end, weight, words]
    for e_start, e_end, text, rule in inside:
        weight = weights.get(rule, 1.0)
        if groups and e_start < groups[-1][1]:
            group = groups[-1]
            group[1], group[2] = max(group[1], e_end), max(group[2], weight)
        else:
            groups.append([e_start, e_end, weight, " ".join(text.casefold().split())])
    words: dict[str, float] = {}
    for _, _, weight, text in groups:
        words[text] = max(words.get(text, 0.0), weight)
    total = sum(words.values())
    combined = 1.0 - math.prod(1.0 - weight for weight in words.values())
    return Weighed(inside, round(total, 6), round(combined, 6))


def _window_score(words: int, text: str, strength: float, rival: float, covers_coding: bool, flagged: int
                  ) -> float:
    score = 0.6 * min(strength, 3.0) + (0.5 if covers_coding else 0.0) - 0.3 * min(rival, 3.0)
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


def _opens(sentence: Sentence, text: str) -> bool:
    start, end = trimmed(text, sentence.start, sentence.end)
    return opening_problem(text[start:end]) is None


def _within(coded: tuple[int, int], sentences: tuple[Sentence, ...]) -> tuple[int, int]:
    """The sentences a coded span touches, as a span: where a window of a narrowly coded turn must stay."""
    touched = [s for s in sentences if s.start < coded[1] and coded[0] < s.end] or list(sentences)
    return touched[0].start, touched[-1].end


@dataclass(frozen=True)
class Window:
    """The best window of a turn for a theme, as :func:`best_window` finds it."""

    start: int
    end: int
    redacted_start: int
    redacted_end: int
    text: str
    words: int
    own: Weighed
    rival: float
    flagged: tuple[str, ...]
    score: float


def best_window(segment: Segment, redacted: RedactedText, *, code_id: str, coded: tuple[int, int], human: bool,
                evidence: Mapping[str, tuple[Evidence, ...]], weights: Mapping[str, float], unlisted: Unlisted,
                text: str) -> Window | None:
    """The best window of whole sentences of the turn for a theme, or None when no window can be its quote.

    Parameters
    ----------
    code_id : str
        The theme.
    coded : (int, int)
        The span counted for the theme (the turn, or the sentences a coder applied it to).
    human : bool
        Whether a person confirmed the theme on the turn (else the rules alone count it).
    evidence : mapping
        Every theme counted on the turn -> the rules' evidence for it there (empty where the rules found none).
    weights : mapping
        Rule key -> its weight (:func:`pleval.nlp.rules.rule_weights`).
    unlisted : callable
        A quote's runs of capitalised words no list names nor a person kept
        (:meth:`pleval.briefs.terms.TermFinder.unlisted`): each lowers the window's score.
    """
    best: Window | None = None
    narrow = coded[0] > segment.start or coded[1] < segment.end  # a coder applied the theme to some sentences
    bounds = _within(coded, segment.sentences) if narrow else (segment.start, segment.end)
    own_evidence = evidence.get(code_id, ())
    others = {code: found for code, found in evidence.items() if code != code_id and found}
    complete = punctuated(segment.text)
    # on the rules alone, a turn that is more another theme's ("paid for with that federal money: sub coverage,
    # summer work, stipends") gives no quote for this one, even where a sentence of it leans this way
    on_topic = human or weigh(own_evidence, segment.start, segment.end, weights).total >= max(
        (weigh(found, segment.start, segment.end, weights).total for found in others.values()), default=0.0)
    starts = [(first, lasts) for first, lasts in _window_starts(segment) if first.start >= bounds[0]]
    # without the rules' words for it inside, a window shows what a person confirmed only when it holds all of
    # it: every sentence of the coded span (but fillers)
    whole = None
    if starts:
        whole = (starts[0][0].start, max((s.end for s in starts[0][1] if s.end <= bounds[1]), default=0))
    for first, lasts in starts:
        if not _opens(first, text):
            continue
        for last in lasts:
            if last.end > bounds[1]:
                break
            start, end = trimmed(text, first.start, last.end)
            r_start, r_end = redacted.span(start, end)
            quote = redacted.text[r_start:r_end]
            words = len(quote.split())
            if words < MIN_WORDS:
                continue
            if words > MAX_WORDS:
                break  # longer runs from this first sentence are longer still
            if not ends_sentence(quote, punctuated=complete) or not balanced_quotation(quote):
                continue
            own = weigh(own_evidence, start, end, weights)
            if human and own.combined < SURE_EVIDENCE and (first.start, last.end) != whole:
                continue  # a person confirmed the turn, but the rules cannot say which of its words show it
            if not human and (own.combined < SURE_EVIDENCE or own.total < RULES_ALONE or not on_topic):
                continue  # on the rules alone, the quoted words themselves must say it, more than once
            rival = max((weigh(found, start, end, weights).total for found in others.values()), default=0.0)
            if rival > 0 and rival >= own.total:
                continue  # the words are another theme's as much or more: its quote, not this one's
            score = _window_score(words, quote, own.total, rival, bool(own.inside) or narrow, 0)
            if best is not None and score <= best.score:
                continue  # flagged runs only lower a score: this window cannot win, whatever they are
            flagged = tuple(unlisted(quote))
            if flagged:
                score = _window_score(words, quote, own.total, rival, bool(own.inside) or narrow, len(flagged))
            if best is None or score > best.score:
                best = Window(start, end, r_start, r_end, quote, words, own, rival, flagged, score)
    return best


def turn_evidence(rows) -> dict[str, dict[str, tuple[Evidence, ...]]]:
    """Segment id -> every theme counted on the turn -> the rules' evidence for it there, from rows of
    :attr:`pleval.coding.sources.CountedCodings.table` (all themes': a quote is weighed against each of them)."""
    found: dict[str, dict[str, tuple[Evidence, ...]]] = {}
    for segment, code, evidence in zip(rows["segment_id"].tolist(), rows["code_id"].tolist(),
                                       rows["evidence"].tolist(), strict=True):
        found.setdefault(segment, {})[code] = tuple(evidence) if isinstance(evidence, tuple) else ()
    return found


def quote_candidates(code_id: str, rows, transcripts: dict[str, Transcript], segments: dict[str, list[Segment]],
                     redactions: dict[str, RedactedText], unlisted: Unlisted, *,
                     counted: Mapping[str, Mapping[str, tuple[Evidence, ...]]] | None = None,
                     weights: Mapping[str, float] | None = None) -> list[QuoteCandidate]:
    """The quotable windows of the turns counted for one theme.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :attr:`pleval.coding.sources.CountedCodings.table` for the theme and the brief's transcripts.
    segments : dict
        Transcript id -> its segments.
    redactions : dict
        Transcript id -> its redacted text.
    unlisted : callable
        A quote's runs of capitalised words no list names nor a person kept
        (:meth:`pleval.briefs.terms.TermFinder.unlisted`).
    counted : mapping, optional
        :func:`turn_evidence` of the brief's turns, every theme's: what a window is weighed against (without it,
        only the theme's own evidence is known).
    weights : mapping, optional
        Rule key -> weight (:func:`pleval.nlp.rules.rule_weights`); a rule not in it weighs 1.0.
    """
    candidates = []
    for row in rows.itertuples(index=False):
        transcript = transcripts[row.transcript_id]
        segment = segments[row.transcript_id][row.turn]
        if segment.is_interviewer:
            continue
        redacted = redactions[row.transcript_id]
        own = tuple(row.evidence) if isinstance(row.evidence, tuple) else ()
        evidence = {**(counted or {}).get(row.segment_id, {}), code_id: own}
        human = row.source != "rules"
        window = best_window(segment, redacted, code_id=code_id, coded=(row.start, row.end), human=human,
                             evidence=evidence, weights=weights or {}, unlisted=unlisted,
                             text=transcript.text)
        if window is None:
            continue
        rules_score = None if row.rules_score is None or math.isnan(row.rules_score) else float(row.rules_score)
        score = window.score + (3.0 if human else 0.0) + 2.0 * window.own.combined
        evidence_words = tuple(redacted.text[slice(*redacted.span(e[0], e[1]))] for e in window.own.inside)
        person = " ".join((segment.name or f"{transcript.id}:{segment.speaker}").split()).casefold()
        candidates.append(QuoteCandidate(
            code_id=code_id, transcript=transcript, segment=segment, start=window.start, end=window.end,
            redacted_start=window.redacted_start, redacted_end=window.redacted_end, text=window.text,
            words=window.words, person=person, site=transcript.meta.site, role=segment.role, source=row.source,
            coders=tuple(row.coders.split("+")), rules_score=rules_score, evidence=evidence_words,
            flagged=window.flagged, score=round(score, 4), strength=window.own.total, rival=window.rival,
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
