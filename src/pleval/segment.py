"""Segments: each speaker turn is a unit of coding; its sentences (spaCy sentencizer) are sub-units."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc

from .model import Segment, Sentence, Transcript, segment_id, sentence_id


def segments_from_docs(transcript: Transcript, docs: Iterable[Doc]) -> list[Segment]:
    """Build segments from one parsed doc per turn (in turn order)."""
    segments = []
    for turn, doc in zip(transcript.turns, docs, strict=True):
        sentences = []
        for number, sent in enumerate(doc.sents):
            said = sent.text
            lead = len(said) - len(said.lstrip())  # a line break between sentences belongs to neither
            said = said.strip()
            start = turn.start + sent.start_char + lead
            sentences.append(Sentence(sentence_id(transcript.id, turn.index, number), start, start + len(said), said))
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
                sentences=tuple(sentences),
            )
        )
    return segments


def segment_transcript(transcript: Transcript, nlp=None) -> list[Segment]:
    """Split a transcript into segments with pleval's blank pipeline (or ``nlp``)."""
    if nlp is None:
        from .nlp import blank_pipeline

        nlp = blank_pipeline()
    return segments_from_docs(transcript, nlp.pipe(turn.text for turn in transcript.turns))
