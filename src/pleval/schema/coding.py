"""Codings: a code applied to a span of a transcript, with the evidence that made a rule apply it.

Made in bulk, so named tuples (see :mod:`pleval.schema.transcript`).
"""

from __future__ import annotations

from typing import NamedTuple


class Evidence(NamedTuple):
    """The words that made a rule fire, with their position in the transcript."""

    start: int
    end: int
    text: str
    rule: str


class Coding(NamedTuple):
    """A code applied to a span of a transcript by a coder (a person, ``rules``, or later a model)."""

    transcript_id: str
    segment_id: str
    start: int
    end: int
    code_id: str
    coder: str
    source: str
    score: float
    codebook_hash: str
    transcript_hash: str
    evidence: tuple[Evidence, ...] = ()
    sentence_ids: tuple[str, ...] = ()
