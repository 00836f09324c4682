"""Segments: each speaker turn is a unit of coding; its sentences (spaCy sentencizer) are sub-units.

A transcript's turns are parsed as one doc (turns joined by a blank line, a sentence forced to start at each
turn), which spares spaCy's per-doc overhead on thousands of short turns; each turn is then a token range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from ..schema import Segment, Sentence, Transcript, segment_id, sentence_id

Bounds = Sequence[tuple[int, int]]  # (start, end) of each sentence, relative to its turn's text
SEPARATOR = "\n\n"


def sentence_starts(doc: Doc, sent_start: np.ndarray | None = None) -> np.ndarray:
    """Token index at which each sentence of a sentencized doc starts (``sent_start``: its SENT_START array, if
    already read)."""
    if not len(doc):
        return np.zeros(0, dtype=np.int64)
    starts = (doc.to_array(SENT_START) if sent_start is None else sent_start).astype(np.int64)
    starts[0] = 1
    return np.flatnonzero(starts == 1)


UNCODED_KEY = "pleval_uncoded"


def parse_turns(
    nlp: Language, texts: Sequence[str], *, uncoded: Sequence[bool] | np.ndarray | None = None
) -> tuple[Doc, list[tuple[int, int]]]:
    """Parse turn texts as one doc; return it with each turn's token range ``[start, end)``.

    The doc's text is ``SEPARATOR.join(texts)``. Every turn starts a sentence, and no sentence, phrase or
    pattern can run from one turn into the next (the separator is a token of its own). ``uncoded`` marks the
    turns whose codes the caller will not use: their token ranges are left in ``doc.user_data[UNCODED_KEY]``,
    and the rules may skip some of their work there (a turn's matches bear on that turn alone).
    """
    doc = nlp.make_doc(SEPARATOR.join(texts))
    chars = doc.to_array(IDX).astype(np.int64) if len(doc) else np.zeros(0, dtype=np.int64)
    offsets = turn_offsets(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.searchsorted(chars, offsets[:-1])
    ends = np.searchsorted(chars, offsets[:-1] + lengths)
    if len(doc):
        preset = np.zeros(len(doc), dtype=np.uint64)
        preset[starts[ends > starts]] = 1
        # spaCy's stub wants thinc's Ints2d; it reads any 2-d integer numpy array
        doc.from_array([SENT_START], preset.reshape(-1, 1))  # type: ignore[arg-type]
    if uncoded is not None:
        skip = np.asarray(uncoded, dtype=bool)
        doc.user_data[UNCODED_KEY] = (starts[skip], ends[skip])
    return nlp(doc), list(zip(starts.tolist(), ends.tolist(), strict=True))


def turn_offsets(texts: Sequence[str]) -> np.ndarray:
    """Where each turn's text starts in ``SEPARATOR.join(texts)``, and (last) the length of that text + SEPARATOR."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.concatenate([[0], np.cumsum(lengths + len(SEPARATOR))])


class SentenceBounds(NamedTuple):
    """The sentences of every turn, flat: turn ``t`` has ``counts[t]`` of them, in order; ``starts`` and
    ``ends`` are character offsets relative to the turn's text, without white space around the sentence."""

    counts: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def per_turn(self) -> list[list[tuple[int, int]]]:
        """The bounds of each turn's sentences as (start, end) pairs."""
        pairs = list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))
        cuts = np.cumsum(self.counts).tolist()
        return [pairs[a:b] for a, b in zip([0] + cuts, cuts, strict=False)]


_SPACE = None  # code point -> whether str.isspace() (every white space character is below U+3001)


def _is_space(codes: np.ndarray) -> np.ndarray:
    global _SPACE
    if _SPACE is None:
        _SPACE = np.array([chr(c).isspace() for c in range(0x3001)] + [False])
    return _SPACE[np.minimum(codes, 0x3001)]


def sentence_bounds(
    doc: Doc, ranges: Sequence[tuple[int, int]], texts: Sequence[str], *,
    starts: np.ndarray | None = None, chars: np.ndarray | None = None,
) -> SentenceBounds:
    """Character bounds of each turn's sentences, relative to the turn, without white space around them.

    A turn's sentences are cut where a sentence starts within its token range, and at the end of its text;
    white space (``str.isspace``) is stripped from both ends of each piece, and pieces of white space dropped.
    ``starts`` (:func:`sentence_starts`) and ``chars`` (the tokens' IDX) may be given if already known.
    """
    starts = sentence_starts(doc) if starts is None else starts
    offsets = turn_offsets(texts)
    if not len(starts) or not len(texts):
        empty = np.zeros(0, dtype=np.int64)
        return SentenceBounds(np.zeros(len(texts), dtype=np.int64), empty, empty)
    chars = doc.to_array(IDX).astype(np.int64) if chars is None else chars
    first = np.array([a for a, _ in ranges], dtype=np.int64)
    last = np.array([b for _, b in ranges], dtype=np.int64)
    turn = np.searchsorted(first, starts, side="right") - 1
    inside = turn >= 0
    inside[inside] = starts[inside] < last[turn[inside]]
    turn = turn[inside]
    cut = chars[starts[inside]]  # where each sentence of a turn begins, in the doc's text
    text_end = offsets[:-1] + np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    following = np.append(cut[1:], 0)
    same_turn = np.append(turn[1:] == turn[:-1], False)
    cut_end = np.where(same_turn, following, text_end[turn])
    # strip: the first and last characters of each piece that are not white space
    codes = np.frombuffer(SEPARATOR.join(texts).encode("utf-32-le"), dtype="<u4")
    solid = np.flatnonzero(~_is_space(codes))
    begin, end = np.searchsorted(solid, cut), np.searchsorted(solid, cut_end)
    kept = begin < end
    turn = turn[kept]
    return SentenceBounds(
        np.bincount(turn, minlength=len(texts)),
        solid[begin[kept]] - offsets[turn],
        solid[end[kept] - 1] + 1 - offsets[turn],
    )


def turn_sentence_bounds(doc: Doc, ranges: Sequence[tuple[int, int]], texts: Sequence[str]) -> list[list]:
    """Character bounds of each turn's sentences, relative to the turn, without white space between them."""
    return sentence_bounds(doc, ranges, texts).per_turn()


def segments_from_bounds(transcript: Transcript, bounds: Iterable[Bounds]) -> list[Segment]:
    """Build segments from the sentence bounds of each turn (in turn order)."""
    segments = []
    for turn, turn_bounds in zip(transcript.turns, bounds, strict=True):
        sentences = tuple(
            Sentence(sentence_id(transcript.id, turn.index, n), turn.start + a, turn.start + b, turn.text[a:b])
            for n, (a, b) in enumerate(turn_bounds)
        )
        segments.append(
            Segment(
                id=segment_id(transcript.id, turn.index),
                transcript_id=transcript.id,
                turn_index=turn.index,
                speaker=turn.speaker,
                name=turn.name,
                role=turn.role,
                start=turn.start,
                end=turn.end,
                text=turn.text,
                sentences=sentences,
            )
        )
    return segments


def segment_transcript(transcript: Transcript, nlp=None) -> list[Segment]:
    """Split a transcript into segments with pleval's blank pipeline (or ``nlp``)."""
    if nlp is None:
        from .pipeline import blank_pipeline

        nlp = blank_pipeline()
    texts = [turn.text for turn in transcript.turns]
    doc, ranges = parse_turns(nlp, texts)
    return segments_from_bounds(transcript, turn_sentence_bounds(doc, ranges, texts))
