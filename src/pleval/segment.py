"""Segments: each speaker turn is a unit of coding; its sentences (spaCy sentencizer) are sub-units."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

from .model import Segment, Sentence, Transcript, segment_id, sentence_id

Bounds = Sequence[tuple[int, int]]  # (start, end) of each sentence, relative to its turn's text


def sentence_starts(doc: Doc) -> np.ndarray:
    """Token index at which each sentence of a sentencized doc starts."""
    if not len(doc):
        return np.zeros(0, dtype=np.int64)
    starts = doc.to_array(SENT_START).astype(np.int64)
    starts[0] = 1
    return np.flatnonzero(starts == 1)


def sentence_bounds(doc: Doc, text: str) -> list[tuple[int, int]]:
    """Character bounds of each sentence in ``text`` (the doc's text), without the white space between them."""
    if not len(doc):
        return []
    chars = doc.to_array(IDX).astype(np.int64)
    cuts = [int(chars[i]) for i in sentence_starts(doc)] + [len(text)]
    bounds = []
    for start, end in zip(cuts, cuts[1:]):
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            bounds.append((start + lead, start + lead + len(stripped)))
    return bounds


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


def segments_from_docs(transcript: Transcript, docs: Iterable[Doc]) -> list[Segment]:
    """Build segments from one sentencized doc per turn (in turn order)."""
    return segments_from_bounds(
        transcript, (sentence_bounds(doc, turn.text) for turn, doc in zip(transcript.turns, docs, strict=True))
    )


def segment_transcript(transcript: Transcript, nlp=None) -> list[Segment]:
    """Split a transcript into segments with pleval's blank pipeline (or ``nlp``)."""
    if nlp is None:
        from .nlp import blank_pipeline

        nlp = blank_pipeline()
    return segments_from_docs(transcript, nlp.pipe(turn.text for turn in transcript.turns))
