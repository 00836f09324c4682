"""Run the rule coder over a project, caching results per transcript.

Results are derived outputs in ``outputs/cache/rules.pack``: for each transcript, a line of JSON with its
codings and the sentence bounds of each turn (from which segments are rebuilt), keyed by the transcript's text
and metadata hashes, the codebook hash and pleval's version, so an unchanged corpus is never coded twice. The
pack (one file: creating files costs more than writing them) is replaced atomically at the end of a run.

A cached run needs neither spaCy nor pandas, and does not import them (nor numpy or tqdm): they cost seconds,
more than the run itself. They are imported where coding, segments or tables need them.
"""

from __future__ import annotations

import base64
import gc
import json
import sys
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .. import __version__
from ..errors import Problem
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..inputs.declaration import project_declaration
from ..inputs.text import sha256_text
from ..nlp.rows import codings_from_rows
from ..project import Project, atomic_write
from ..schema import Codebook, Coding, Segment, Transcript, Turn, segment_id
from ..schema.declaration import DEFAULT_DECLARATION, Declaration
from .columns import AFTER, CodingColumns
from .store import RULES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..nlp.rules import RuleCoder
    from ..nlp.segment import SentenceBounds

CACHE_FORMAT = 7


@dataclass
class CodingRun:
    """What one ``pleval code`` run produced.

    Its :attr:`codings` are made when first asked for, from each transcript's rows (see
    :func:`pleval.nlp.rows.codings_from_rows`): what only counts them (:func:`code_counts`, :attr:`coding_count`)
    needs no records made, which would take longer than the rest of a cached run.
    """

    codebook: Codebook
    transcripts: list[Transcript]
    problems: list[Problem] = field(default_factory=list)
    coded: list[str] = field(default_factory=list)  # transcript ids coded in this run
    cached: list[str] = field(default_factory=list)  # transcript ids reused from the cache
    # each transcript's codings as rows, by transcript id; emptied once the codings are made (they say it all)
    rows: dict[str, list] = field(default_factory=dict, repr=False)
    declaration: Declaration = field(default=DEFAULT_DECLARATION, repr=False)  # the project's words

    @cached_property
    def columns(self) -> CodingColumns:
        """What the run's codings are tabled and counted by: the site under the project's key, its attributes..."""
        return CodingColumns.of(self.declaration, self.transcripts)

    @cached_property
    def codings(self) -> list[Coding]:
        """Every coding, transcript by transcript."""
        codings: list[Coding] = []
        with _collector_paused():  # (see code_project)
            for transcript in self.transcripts:
                codings += codings_from_rows(self.rows[transcript.id], transcript, self.codebook.hash, RULES)
        self.rows = {}
        return codings

    @property
    def coding_count(self) -> int:
        """How many codings the run has (``len(run.codings)``, without making them)."""
        if self.rows or not self.transcripts:
            return sum(len(rows) for rows in self.rows.values())
        return len(self.codings)


def cache_key(transcript: Transcript, codebook: Codebook) -> str:
    return sha256_text(f"{CACHE_FORMAT}|{transcript.text_hash}|{transcript.meta_hash}|{codebook.hash}|{__version__}")


_PACKS: dict[Path, tuple[bytes, dict[str, bytes]]] = {}  # pack -> (its header line, its lines by transcript)


def _pack_lines(path: Path) -> dict[str, bytes]:
    """The rules pack's line (undecoded) for each transcript id, read once per version of the file.

    Every pack written has a header of its own (it names the write), so reading that line tells whether the
    lines read before are still the file's.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.readline()
            known = _PACKS.get(path)
            if known is not None and known[0] == head:
                return known[1]
            rest = handle.read().split(b"\n")
    except OSError:
        return {}
    lines: dict[str, bytes] = {}
    try:
        header = json.loads(head)
        if header.get("format") == CACHE_FORMAT and len(header["ids"]) == len(rest):
            lines = dict(zip(header["ids"], rest, strict=True))
    except (ValueError, KeyError, TypeError, AttributeError):
        pass  # unreadable: everything is coded afresh
    _PACKS[path] = (head, lines)
    return lines


class RulesCache:
    """The rules' results for a project's transcripts, kept in ``outputs/cache/rules.pack``.

    One line of JSON per transcript: ``{"id", "key", "codings": rows, "sentences": [counts, starts, ends]}``
    (the sentence bounds as packed arrays), after a header line listing the ids in order.
    """

    def __init__(self, project: Project):
        self.path = project.cache_dir / "rules.pack"
        self.lines = _pack_lines(self.path)
        self.fresh: dict[str, bytes] = {}

    def entry(self, transcript_id: str, key: str) -> dict | None:
        """The transcript's entry (``codings`` rows and ``sentences``), if it is there and current."""
        line = self.lines.get(transcript_id)
        if line is None:
            return None
        try:
            entry = json.loads(line)
        except ValueError:
            return None
        return entry if isinstance(entry, dict) and entry.get("key") == key else None

    def put(self, transcript_id: str, line: bytes) -> None:
        """Keep a transcript's new entry, made by :func:`_cache_line`."""
        self.fresh[transcript_id] = line

    def save(self, transcript_ids: list[str]) -> None:
        """Write the pack with the entries of these transcripts (fresh or kept), if it changed."""
        if not self.fresh and set(transcript_ids) == set(self.lines):
            return
        ids = [i for i in transcript_ids if i in self.fresh or i in self.lines]
        head = json.dumps({"format": CACHE_FORMAT, "pleval_version": __version__, "written": uuid.uuid4().hex,
                           "ids": ids}, ensure_ascii=False)
        with atomic_write(self.path, "wb") as handle:
            handle.write(b"\n".join([head.encode("utf-8")] + [self.fresh.get(i) or self.lines[i] for i in ids]))


def _packed(array: np.ndarray) -> str:
    """An array of offsets as text for the cache: little-endian 32-bit integers in base64 (quick both ways)."""
    return base64.b64encode(array.astype("<i4").tobytes()).decode("ascii")


def _unpacked(text: str) -> np.ndarray:
    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype="<i4").astype(np.int64)


def _bounds_from_cached(sentences: list) -> list[list[tuple[int, int]]]:
    from ..nlp.segment import SentenceBounds

    return SentenceBounds(*(_unpacked(column) for column in sentences)).per_turn()


def _cache_line(transcript: Transcript, key: str, bounds: SentenceBounds, rows: list[list]) -> bytes:
    """A transcript's entry in the rules pack: its codings as rows (see :meth:`RuleCoder.coding_rows`) and its
    sentence bounds, as a line of JSON."""
    sentences = [_packed(bounds.counts), _packed(bounds.starts), _packed(bounds.ends)]
    # dumps, not dump: only the one-shot encoder is the fast C one
    return json.dumps(
        {"id": transcript.id, "key": key, "codings": rows, "sentences": sentences}, ensure_ascii=False
    ).encode("utf-8")


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
    with _collector_paused():  # coding makes no reference cycles (tests/test_coding.py checks); what else does
        codebook = load_codebook_cached(project)  # is collected after the run
        transcripts, problems = load_transcripts_cached(project)
        run = CodingRun(codebook, transcripts, problems, declaration=project_declaration(project))
        cache = RulesCache(project)
        found: dict[str, list] = {}
        todo = []
        for transcript in transcripts:
            key = cache_key(transcript, codebook)
            cached = None if force else cache.entry(transcript.id, key)
            if cached is None:
                todo.append(transcript)
            else:
                found[transcript.id] = cached["codings"]
                run.cached.append(transcript.id)
        results: Iterator[tuple[bytes, list]]
        if jobs > 1 and len(todo) >= PARALLEL_FROM:
            # workers send back each transcript's cache entry; its rows are read from it as from the cache
            results = ((line, json.loads(line)["codings"]) for line in _code_in_processes(codebook, todo, jobs))
        elif todo:
            from ..nlp.rules import RuleCoder  # spaCy: only when there is something to code

            coder = RuleCoder(codebook)
            results = (_coded(coder, transcript) for transcript in todo)
        else:
            results = iter(())
        try:
            for transcript, (line, rows) in _progress(zip(todo, results, strict=True), len(todo), progress):
                cache.put(transcript.id, line)
                found[transcript.id] = rows
                run.coded.append(transcript.id)
        finally:  # what was coded is kept, even if the run stops part way
            cache.save([t.id for t in transcripts])
    run.rows = {transcript.id: found[transcript.id] for transcript in transcripts}
    return run


_Item = TypeVar("_Item")


def _progress(items: Iterable[_Item], total: int, progress: bool | None) -> Iterator[_Item]:
    """``items`` with tqdm's progress bar (``progress`` None: only on a terminal, or in a notebook), tqdm being
    imported only when it would show one."""
    disable = None if progress is None else not progress  # tqdm: None means "only on a terminal"
    if disable is None:
        # as tqdm.auto decides, or more often: in a notebook kernel it always shows a bar
        stderr = sys.stderr
        shown = "IPython" in sys.modules or not hasattr(stderr, "isatty") or stderr.isatty()
    else:
        shown = not disable
    if not shown:
        return iter(items)
    from tqdm.auto import tqdm

    return iter(tqdm(items, total=total, desc="coding", unit="transcript", disable=disable))


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while hundreds of thousands of small records are made.

    None of them can form a reference cycle (memory is freed as usual, by reference counts), yet each
    collection pass walks them all: on a large corpus the passes cost a third of a cached run, and a few percent
    of a first one. On the way out they are moved to the oldest generation (freeze, then unfreeze: nothing is
    collected or kept alive by it), or the first allocation after would walk them all.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():  # (objects a caller froze must stay frozen)
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


PARALLEL_FROM = 40  # fewer uncached transcripts than this are coded in one process
_worker_coder: RuleCoder | None = None


def _start_worker(codebook: Codebook) -> None:
    from ..nlp.rules import RuleCoder

    global _worker_coder
    gc.freeze()  # a forked worker shares its parent's objects: the collector touching them would copy them
    _worker_coder = RuleCoder(codebook)


def _coded(coder: RuleCoder, transcript: Transcript) -> tuple[bytes, list]:
    """Code a transcript: its cache entry and its codings' rows."""
    bounds, rows = coder.coding_rows(transcript)
    return _cache_line(transcript, cache_key(transcript, coder.codebook), bounds, rows), rows


def _code_in_worker(transcript: Transcript) -> bytes:
    """A worker codes a transcript and sends back its cache entry only (the parent makes the codings)."""
    coder = _worker_coder
    if coder is None:
        raise RuntimeError("a worker codes only in a pool started with _start_worker")
    bounds, rows = coder.coding_rows(transcript)
    return _cache_line(transcript, cache_key(transcript, coder.codebook), bounds, rows)


def _code_in_processes(codebook: Codebook, transcripts: list[Transcript], jobs: int):
    """Code transcripts in ``jobs`` processes, yielding results in the order given."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(codebook,)) as pool:
        yield from pool.map(_code_in_worker, transcripts, chunksize=4)


def load_segments(project: Project, transcript: Transcript, codebook: Codebook) -> list[Segment]:
    """The segments of a transcript, from the cache when it is current, else freshly computed."""
    from ..nlp.segment import segment_transcript, segments_from_bounds

    cached = RulesCache(project).entry(transcript.id, cache_key(transcript, codebook))
    if cached is not None:
        return segments_from_bounds(transcript, _bounds_from_cached(cached["sentences"]))
    return segment_transcript(transcript)


def codings_frame(transcripts: list[Transcript], codings: list[Coding], declaration: Declaration | None = None,
                  ) -> pd.DataFrame:
    """A tidy table, one row per coding.

    Columns (:attr:`CodingColumns.frame <pleval.coding.columns.CodingColumns.frame>`): transcript_id, segment_id,
    start, end (code-point offsets into the normalised text), speaker (label as written), role, the site (under
    the key ``declaration`` names it by: ``site`` by default), every site attribute the transcripts give (those
    ``declaration`` declares first, in its order), code_id, coder, source (rules, human, consensus, model), score
    (0-1), evidence (the matched words, ``; ``-separated), text (the segment's text), codebook_hash,
    transcript_hash.
    """
    import pandas as pd

    columns = CodingColumns.of(declaration or DEFAULT_DECLARATION, transcripts)
    attributes = list(columns.given_site_attributes.items())
    by_id = {t.id: t for t in transcripts}
    turns = {segment_id(t.id, turn.index): turn for t in transcripts for turn in t.turns}
    rows = []
    for coding in codings:
        transcript = by_id[coding.transcript_id]
        turn = turns[coding.segment_id]
        meta = transcript.meta
        rows.append({
            "transcript_id": coding.transcript_id, "segment_id": coding.segment_id, "start": coding.start,
            "end": coding.end, "speaker": turn.speaker, "role": turn.role, columns.site: meta.site,
            **{column: meta.attributes.get(name) for column, name in attributes},
            "code_id": coding.code_id, "coder": coding.coder, "source": coding.source, "score": coding.score,
            "evidence": "; ".join(e.text for e in coding.evidence),
            "text": transcript.text[coding.start:coding.end], "codebook_hash": coding.codebook_hash,
            "transcript_hash": coding.transcript_hash,
        })
    return pd.DataFrame(rows, columns=columns.frame)


def summary_table(frame: pd.DataFrame, by: str, code_ids: list[str]) -> pd.DataFrame:
    """Coded segments per code (columns, in codebook order) for each value of ``by`` (rows), with totals."""
    import pandas as pd

    table = pd.crosstab(frame[by], pd.Categorical(frame["code_id"], categories=code_ids), dropna=False)
    table.columns = list(code_ids)
    table.index.name = by
    table["total"] = table.sum(axis=1)
    return table


_CODING_FIELDS = frozenset(Coding._fields) - {"evidence"}  # columns of codings_frame that are a coding's own


def coding_values(transcripts: list[Transcript], codings: list[Coding], column: str,
                  columns: CodingColumns | None = None) -> list:
    """Each coding's value in one of ``columns`` (by default, those of the default declaration), without pandas:
    a column of :func:`codings_frame`, the transcript's type or period, or the speaker's attribute.

    Raises
    ------
    KeyError
        If ``column`` is not one of ``columns.countable``.
    """
    columns = columns or CodingColumns.of(DEFAULT_DECLARATION, transcripts)
    if column not in columns.countable:
        raise KeyError(column)
    if column in _CODING_FIELDS:
        field_number = Coding._fields.index(column)
        return [coding[field_number] for coding in codings]
    by_id = {t.id: t for t in transcripts}
    if columns.of_turn(column):
        turns = _coded_turns(transcripts, codings)
        read = {t.id: columns.turn_values(column, t) for t in transcripts}
        return [read[coding.transcript_id](turns[coding.segment_id]) for coding in codings]
    if column == "evidence":
        return ["; ".join(e.text for e in coding.evidence) for coding in codings]
    if column == "text":
        return [by_id[coding.transcript_id].text[coding.start:coding.end] for coding in codings]
    of_transcript = {t.id: columns.transcript_value(column, t) for t in transcripts}
    return [of_transcript[coding.transcript_id] for coding in codings]


def _coded_turns(transcripts: list[Transcript], codings: list[Coding]) -> dict[str, Turn]:
    """The turn of each coded segment, by segment id, as :func:`codings_frame` finds them but looking at fewer.

    A coding's turn is the one its start falls in, when that turn has the coding's segment id (as rule codings'
    always do); if one does not, every turn of every transcript, as codings_frame does.
    """
    by_id = {t.id: t for t in transcripts}
    starts: dict[str, list[int]] = {}
    found: dict[str, Turn] = {}
    for coding in codings:
        if coding.segment_id in found:
            continue
        transcript = by_id[coding.transcript_id]
        turn_starts = starts.get(transcript.id)
        if turn_starts is None:
            turn_starts = starts[transcript.id] = [turn.start for turn in transcript.turns]
        turn = transcript.turns[max(bisect_right(turn_starts, coding.start) - 1, 0)] if turn_starts else None
        if turn is None or segment_id(transcript.id, turn.index) != coding.segment_id:
            return {segment_id(t.id, turn.index): turn for t in transcripts for turn in t.turns}
        found[coding.segment_id] = turn
    return found


@dataclass(frozen=True)
class CodeCounts:
    """Coded segments per code for each value of a column of :func:`codings_frame`: the table
    :func:`summary_table` makes, counted without pandas (see :meth:`rows`), or made by it (:meth:`frame`).

    Made by :func:`code_counts`.
    """

    by: str  # the column counted by
    code_ids: list[str]  # the codebook's codes, in its order
    values: list  # each coding's value in column ``by``
    codes: list[str]  # each coding's code id

    @property
    def columns(self) -> list[str]:
        """The table's columns: the codes, then ``total``."""
        return [*self.code_ids, "total"]

    def rows(self) -> list[tuple[str, list[int]]] | None:
        """Each value of ``by``, sorted, with its count of codings per code (in :attr:`columns` order, total
        last), as in :func:`summary_table`.

        None where pandas's own handling of odd values is needed to make the same table (see :meth:`frame`): if
        some value is not a printable string (missing, say, or a number), a code is not the codebook's or is
        named ``total``, or there are no codings.
        """
        if not self.values or "total" in self.code_ids:
            return None
        number = {code_id: n for n, code_id in enumerate(self.code_ids)}
        counts: dict[str, list[int]] = {}
        for (value, code_id), count in Counter(zip(self.values, self.codes, strict=True)).items():
            n = number.get(code_id)
            if n is None or not (isinstance(value, str) and value.isprintable() and value):
                return None
            row = counts.get(value)
            if row is None:
                row = counts[value] = [0] * len(number)
            row[n] += count
        return [(value, [*row, sum(row)]) for value, row in sorted(counts.items())]

    def frame(self) -> pd.DataFrame:
        """The table as :func:`summary_table` makes it."""
        import pandas as pd

        return summary_table(pd.DataFrame({self.by: self.values, "code_id": self.codes}), self.by, self.code_ids)


def code_counts(run: CodingRun, by: str) -> CodeCounts:
    """Coded segments per code for each value of ``by``, one of the run's :attr:`~CodingRun.columns` (the site's,
    an attribute, the role, the period...), in the run's codings.

    Raises
    ------
    KeyError
        If ``by`` is not one of ``run.columns.countable``.
    """
    if by not in run.columns.countable:
        raise KeyError(by)
    counted = _counted_from_rows(run, by) if by not in _NOT_IN_ROWS and run.rows else None
    if counted is None:
        counted = (coding_values(run.transcripts, run.codings, by, run.columns),
                   [coding.code_id for coding in run.codings])
    return CodeCounts(by, list(run.codebook.code_ids), *counted)


# columns of codings_frame that a coding's row, its transcript and its turn do not tell
_NOT_IN_ROWS = frozenset(AFTER) - {"code_id"} | {"segment_id", "start", "end"}


def _counted_from_rows(run: CodingRun, by: str) -> tuple[list, list[str]] | None:
    """Each coding's value of ``by`` and its code id, from the run's rows (before its codings are made); None if
    a row's turn is not the one its segment id names (so the codings must say)."""
    values: list = []
    codes: list[str] = []
    columns = run.columns
    of_turn = columns.of_turn(by)
    for transcript in run.transcripts:
        rows = run.rows[transcript.id]
        codes += [row[1] for row in rows]
        if of_turn:
            turns = transcript.turns
            read = columns.turn_values(by, transcript)
            for row in rows:
                turn = turns[row[0]]
                if turn.index != row[0]:  # (a coding's segment id names its turn by index)
                    return None
                values.append(read(turn))
        elif by == "code_id":
            values += [row[1] for row in rows]
        else:
            values += [columns.transcript_value(by, transcript)] * len(rows)
    return values, codes
