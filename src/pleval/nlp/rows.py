"""The rule coder's results as compact rows, and the codings they stand for. No spaCy here: a cached run of
``pleval code`` reads rows from the cache and never needs the pipeline.
"""

from __future__ import annotations

from functools import lru_cache

from ..schema import Coding, Evidence, Transcript, segment_id, sentence_id


def codings_from_rows(rows: list, transcript: Transcript, codebook_hash: str, coder: str) -> list[Coding]:
    """The codings a coder's rows stand for (see :meth:`pleval.nlp.rules.RuleCoder.coding_rows`).

    Rows leave out everything the transcript says: a coding's span and ids come from its turn, its evidence's
    words from the turn's text.
    """
    transcript_id, turns, text_hash = transcript.id, transcript.turns, transcript.text_hash
    new = tuple.__new__  # a named tuple's own constructor is a Python function: hundreds of thousands are made
    segment_ids: dict[int, str] = {}
    codings = []
    for turn_index, code_id, score, evidence, sentences in rows:
        turn = turns[turn_index]
        sid = segment_ids.get(turn_index)
        if sid is None:
            sid = segment_ids[turn_index] = segment_id(transcript_id, turn_index)
        text, offset = turn.text, turn.start
        codings.append(new(Coding, (
            transcript_id, sid, turn.start, turn.end, code_id, coder, coder, score, codebook_hash, text_hash,
            tuple([new(Evidence, (start, end, text[start - offset:end - offset], rule))
                   for start, end, rule in evidence]),
            tuple([sid + _sentence_suffix(n) for n in sentences]),
        )))
    return codings


@lru_cache(maxsize=1024)
def _sentence_suffix(number: int) -> str:
    """What :func:`pleval.schema.sentence_id` adds to a segment id for sentence ``number``."""
    return sentence_id("t", 0, number)[len(segment_id("t", 0)):]
