"""Segments: each speaker turn is a unit of coding; its sentences (spaCy sentencizer) are sub-units.

A transcript's turns are parsed as one doc (turns joined by a blank line, a sentence forced to start at each
turn), which spares spaCy's per-doc overhead on thousands of short turns; each turn is then a token range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from .model import Segment, Sentence, Transcript, segment_id, sentence_id

Bounds = Sequence[tuple[int, int]]  # (start, end) of each sentence, relative to its turn's text
SEPARATOR = "\n\n"


def sentence_starts(doc: Doc) -> np.ndarray:
    """Token index at which each sentence of a sentencized doc starts."""
    if not len(doc):
        return np.zeros(0, dtype=np.int64)
    starts = doc.to_array(SENT_START).astype(np.int64)
    starts[0] = 1
    return np.flatnonzero(starts == 1)


def parse_turns(nlp: Language, texts: Sequence[str]) -> tuple[Doc, list[tuple[int, int]]]:
    """Parse turn texts as one doc; return it with each turn's token range ``[start, end)``.

    The doc's text is ``SEPARATOR.join(texts)``. Every turn starts a sentence, and no sentence, phrase or
    pattern can run from one turn into the next (the separator is a token of its own).
    """
    doc = nlp.make_doc(SEPARATOR.join(texts))
    chars = doc.to_array(IDX).astype(np.int64) if len(doc) else np.zeros(0, dtype=np.int64)
    ranges, offset = [], 0
    for text in texts:
        start = int(np.searchsorted(chars, offset))
        end = int(np.searchsorted(chars, offset + len(text)))
        ranges.append((start, end))
        offset += len(text) + len(SEPARATOR)
    if len(doc):
        preset = np.zeros(len(doc), dtype=np.int64)
        for start, end in ranges:
            if end > start:
                preset[start] = 1
        doc.from_array([SENT_START], preset.astype(np.uint64).reshape(-1, 1))
    return nlp(doc), ranges


def turn_sentence_bounds(doc: Doc, ranges: Sequence[tuple[int, int]], texts: Sequence[str]) -> list[list]:
    """Character bounds of each turn's sentences, relative to the turn, without white space between them."""
    starts = sentence_starts(doc)
    chars = doc.to_array(IDX).astype(np.int64) if len(doc) else np.zeros(0, dtype=np.int64)
    result, offset = [], 0
    for (first, last), text in zip(ranges, texts, strict=True):
        inside = starts[(starts >= first) & (starts < last)]
        cuts = [int(chars[i]) - offset for i in inside] + [len(text)]
        bounds = []
        for start, end in zip(cuts, cuts[1:]):
            piece = text[start:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                bounds.append((start + lead, start + lead + len(stripped)))
        result.append(bounds)
        offset += len(text) + len(SEPARATOR)
    return result


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
        from .nlp import blank_pipeline

        nlp = blank_pipeline()
    texts = [turn.text for turn in transcript.turns]
    doc, ranges = parse_turns(nlp, texts)
    return segments_from_bounds(transcript, turn_sentence_bounds(doc, ranges, texts))
