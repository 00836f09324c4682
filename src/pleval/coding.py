"""Run the rule coder over a project, caching results per transcript.

Results are derived outputs under ``outputs/cache/rules/``: for each transcript, ``<id>.rules.json`` with its
codings and the sentence bounds of each turn (from which segments are rebuilt), keyed by the transcript's text
and metadata hashes, the codebook hash and pleval's version, so an unchanged corpus is never coded twice. Cache
files are replaced atomically.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import __version__
from .errors import PlevalError
from .model import Codebook, Coding, Evidence, Segment, Transcript, segment_id, sentence_id
from .project import Project, atomic_write
from .rules import RuleCoder
from .segment import SentenceBounds, segment_transcript, segments_from_bounds
from .text import sha256_text
from .parsecache import load_codebook_cached, load_transcripts_cached

CACHE_FORMAT = 5

#: Columns of :func:`codings_frame`, in order.
CODING_COLUMNS = [
    "transcript_id", "segment_id", "start", "end", "speaker", "role", "school", "district", "region",
    "school_level", "code_id", "coder", "source", "score", "evidence", "text", "codebook_hash", "transcript_hash",
]


@dataclass
class CodingRun:
    """What one ``pleval code`` run produced."""

    codebook: Codebook
    transcripts: list[Transcript]
    codings: list[Coding]
    problems: list[PlevalError] = field(default_factory=list)
    coded: list[str] = field(default_factory=list)  # transcript ids coded in this run
    cached: list[str] = field(default_factory=list)  # transcript ids reused from the cache


def cache_key(transcript: Transcript, codebook: Codebook) -> str:
    return sha256_text(f"{CACHE_FORMAT}|{transcript.text_hash}|{transcript.meta_hash}|{codebook.hash}|{__version__}")


def _cache_path(folder: Path, transcript_id: str) -> Path:
    return folder / f"{transcript_id}.rules.json"


def _read_cached(path: Path, key: str) -> dict | None:
    """The cache entry's payload (``codings`` rows and ``sentences``), if it is there and current."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return payload if isinstance(payload, dict) and payload.get("key") == key else None


def _write_cached(path: Path, key: str, rows: list, bounds: SentenceBounds) -> None:
    """One file per transcript (files are costly to create): the codings as rows and the sentence bounds."""
    sentences = [bounds.counts.tolist(), bounds.starts.tolist(), bounds.ends.tolist()]
    with atomic_write(path, encoding="utf-8") as handle:
        # dumps, not dump: only the one-shot encoder is the fast C one
        handle.write(json.dumps({"key": key, "pleval_version": __version__, "codings": rows, "sentences": sentences},
                                ensure_ascii=False))


def _bounds_from_cached(sentences: list) -> list[list[tuple[int, int]]]:
    counts, starts, ends = (np.array(column, dtype=np.int64) for column in sentences)
    return SentenceBounds(counts, starts, ends).per_turn()


# Cached codings are rows rather than objects (compact, and quick to read back). Everything a row's
# transcript already says is left out: the span and ids come from the turn, the hashes are the cache key's.
def _coding_row(c: Coding, turn_index: int) -> list:
    evidence = [[e.start, e.end, e.text, e.rule] for e in c.evidence]
    sentences = [int(s.rsplit(".s", 1)[1]) for s in c.sentence_ids]
    return [turn_index, c.code_id, c.score, evidence, sentences]


def _codings_from_rows(rows: list, transcript: Transcript, codebook: Codebook, coder: str) -> list[Coding]:
    codings = []
    for turn_index, code_id, score, evidence, sentences in rows:
        turn = transcript.turns[turn_index]
        sid = segment_id(transcript.id, turn_index)
        codings.append(Coding(
            transcript.id, sid, turn.start, turn.end, code_id, coder, coder, score, codebook.hash,
            transcript.text_hash, tuple(Evidence(*e) for e in evidence),
            tuple(sentence_id(transcript.id, turn_index, n) for n in sentences),
        ))
    return codings


def code_project(
    project: Project, *, force: bool = False, progress: bool | None = None, jobs: int = 1
) -> CodingRun:
    """Apply the codebook's rules to every transcript, reusing cached results for unchanged ones.

    Broken transcripts are reported in ``run.problems`` and skipped; the rest are coded.

    Parameters
    ----------
    project : Project
    force : bool
        Recode every transcript, ignoring the cache.
    progress : bool or None
        Show a progress bar (None: only on a terminal).
    jobs : int
        Processes to code with. Each builds its own pipeline (about a second), so more than one pays off only
        for many uncached transcripts; with few, pleval codes in this process whatever ``jobs`` says.

    Raises
    ------
    PlevalError
        If the codebook is invalid (nothing can be coded without it).
    """
    codebook = load_codebook_cached(project)
    with _collector_paused():  # loading records in bulk (not coding: spaCy's docs do hold cycles)
        transcripts, problems = load_transcripts_cached(project)
        run = CodingRun(codebook, transcripts, [], problems)
        folder = project.output_path("cache", "rules")
        found: dict[str, list[Coding]] = {}
        todo = []
        for transcript in transcripts:
            key = cache_key(transcript, codebook)
            cached = None if force else _read_cached(_cache_path(folder, transcript.id), key)
            if cached is None:
                todo.append(transcript)
            else:
                found[transcript.id] = _codings_from_rows(cached["codings"], transcript, codebook, RuleCoder.source)
                run.cached.append(transcript.id)
    disable = None if progress is None else not progress  # tqdm: None means "only on a terminal"
    if jobs > 1 and len(todo) >= PARALLEL_FROM:
        results = _code_in_processes(codebook, todo, jobs)
    else:
        coder = RuleCoder(codebook)
        results = (coder.code_transcript(t) for t in todo)
    for transcript, (bounds, codings) in tqdm(
        zip(todo, results), total=len(todo), desc="coding", unit="transcript", disable=disable
    ):
        turn_of = {segment_id(transcript.id, turn.index): turn.index for turn in transcript.turns}
        rows = [_coding_row(c, turn_of[c.segment_id]) for c in codings]
        _write_cached(_cache_path(folder, transcript.id), cache_key(transcript, codebook), rows, bounds)
        found[transcript.id] = codings
        run.coded.append(transcript.id)
    for transcript in transcripts:
        run.codings.extend(found[transcript.id])
    return run


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while hundreds of thousands of small records are made.

    None of them can form a reference cycle, yet each collection pass walks them all: on a large corpus the
    passes cost a third of a cached run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


PARALLEL_FROM = 40  # fewer uncached transcripts than this are coded in one process
_worker_coder: RuleCoder | None = None


def _start_worker(codebook: Codebook) -> None:
    global _worker_coder
    _worker_coder = RuleCoder(codebook)


def _code_in_worker(transcript: Transcript):
    return _worker_coder.code_transcript(transcript)


def _code_in_processes(codebook: Codebook, transcripts: list[Transcript], jobs: int):
    """Code transcripts in ``jobs`` processes, yielding results in the order given."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(codebook,)) as pool:
        yield from pool.map(_code_in_worker, transcripts, chunksize=4)


def load_segments(project: Project, transcript: Transcript, codebook: Codebook) -> list[Segment]:
    """The segments of a transcript, from the cache when it is current, else freshly computed."""
    cached = _read_cached(_cache_path(project.output_path("cache", "rules"), transcript.id), cache_key(transcript, codebook))
    if cached is not None:
        return segments_from_bounds(transcript, _bounds_from_cached(cached["sentences"]))
    return segment_transcript(transcript)


def codings_frame(transcripts: list[Transcript], codings: list[Coding]) -> pd.DataFrame:
    """A tidy table, one row per coding.

    Columns: transcript_id, segment_id, start, end (code-point offsets into the normalised text), speaker
    (label as written), role, school, district, region, school_level, code_id, coder, source (rules, human,
    consensus, model), score (0-1), evidence (the matched words, ``; ``-separated), text (the segment's text),
    codebook_hash, transcript_hash.
    """
    by_id = {t.id: t for t in transcripts}
    turns = {segment_id(t.id, turn.index): turn for t in transcripts for turn in t.turns}
    rows = []
    for coding in codings:
        transcript = by_id[coding.transcript_id]
        turn = turns[coding.segment_id]
        meta = transcript.meta
        rows.append({
            "transcript_id": coding.transcript_id, "segment_id": coding.segment_id, "start": coding.start,
            "end": coding.end, "speaker": turn.speaker, "role": turn.role, "school": meta.school,
            "district": meta.district, "region": meta.region, "school_level": meta.school_level,
            "code_id": coding.code_id, "coder": coding.coder, "source": coding.source, "score": coding.score,
            "evidence": "; ".join(e.text for e in coding.evidence),
            "text": transcript.text[coding.start:coding.end], "codebook_hash": coding.codebook_hash,
            "transcript_hash": coding.transcript_hash,
        })
    return pd.DataFrame(rows, columns=CODING_COLUMNS)


def summary_table(frame: pd.DataFrame, by: str, code_ids: list[str]) -> pd.DataFrame:
    """Coded segments per code (columns, in codebook order) for each value of ``by`` (rows), with totals."""
    table = pd.crosstab(frame[by], pd.Categorical(frame["code_id"], categories=code_ids), dropna=False)
    table.columns = list(code_ids)
    table.index.name = by
    table["total"] = table.sum(axis=1)
    return table
