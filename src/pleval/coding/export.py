"""Tidy tables out of the project: CSV or Excel, written whole or not at all.

``pleval export codings`` writes every coder's codings, one row per coding with its transcript, turn, site
(under the key pleval.yaml gives it) and every site attribute the metadata gives, the ``coder`` who made it and
its ``source`` (rules, human, consensus, model), and the coders' memos apart (an Excel sheet of their own, or
``<name>.memos.csv`` beside a CSV file). Human codings are the replay of each coder's log (undone decisions
excluded), re-anchored where a transcript was edited.
"""

from __future__ import annotations

import difflib
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ..errors import CoderError, LearningError, Problem
from ..inputs.cache import load_codebook_cached
from ..project import Project, atomic_write
from ..schema import Coding, Transcript, segment_id
from .run import code_project, codings_frame
from .store import CONSENSUS, RULES, CodingLog, Event, anchored_codings
from .store import coders as logged_coders

MODEL = "model"
#: What ``--source`` takes besides a coder's name: every coding recorded (the rules and every log, not the model,
#: which suggests and is asked for by name), every person's log (not the consensus).
ALL = "all"
HUMAN = "human"
MEMO_COLUMNS = ["coder", "transcript_id", "segment_id", "start", "end", "code_id", "memo", "time"]
#: Gives the learned coder's codings; passed in by the caller, as the learned coder is a layer above this one.
ModelCodings = Callable[[Project], list[Coding]]


def export_sources(project: Project) -> list[str]:
    """The names ``--source`` takes in this project: all, human, rules, model, consensus, each logged coder."""
    return list(dict.fromkeys([ALL, HUMAN, RULES, MODEL, CONSENSUS, *logged_coders(project.codings_dir)]))


def chosen_coders(project: Project, sources: Iterable[str] | None) -> list[str]:
    """The coders the sources name, in order without repeats; ``all`` is the rules and every coder with a log
    (the learned model only by name: it suggests, and may have to be trained first).

    Raises
    ------
    CoderError
        For a name that is neither a source nor a coder with a log, with the closest known name.
    """
    logged = logged_coders(project.codings_dir)
    people = [c for c in logged if c != CONSENSUS]
    chosen: list[str] = []
    for source in list(sources or []) or [ALL]:
        if source == ALL:
            chosen += [RULES, *people, *([CONSENSUS] if CONSENSUS in logged else [])]
        elif source == HUMAN:
            chosen += people
        elif source in (RULES, MODEL, CONSENSUS) or source in logged:
            chosen.append(source)
        else:
            known = export_sources(project)
            close = difflib.get_close_matches(source, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise CoderError(f"unknown coder '{source}'", path=project.codings_dir, value=source,
                             fix=f"{hint}use one of: {', '.join(known)}")
    return list(dict.fromkeys(chosen))


def export_codings(project: Project, *, fmt: str = "csv", sources=None, output: Path | None = None,
                   model_codings: ModelCodings | None = None):
    """Export the codings of the coders ``sources`` names (default: all), and their memos.

    Parameters
    ----------
    sources : iterable of str, optional
        ``rules``, ``model``, ``consensus``, ``human`` (every person's log), ``all`` (the rules and every log: the
        model only by name), or a coder's name.
    model_codings : callable, optional
        Gives the learned coder's codings (:func:`pleval.learn.suggest.model_codings`), for ``model``.

    Returns
    -------
    written : Path or None
        The file written, or None when the table went to standard output.
    problems : list of Problem
        Transcripts that could not be read (their codings are missing from the table), and warnings.

    Raises
    ------
    CoderError
        For an unknown coder.
    LearningError
        When ``model`` is asked for and no model can be trained.
    """
    coders = chosen_coders(project, sources)
    run = code_project(project, progress=False)
    problems: list[Problem] = list(run.problems)
    codings: list[Coding] = []
    memos: list[dict] = []
    codebook = load_codebook_cached(project)
    logged = set(logged_coders(project.codings_dir))
    for coder in coders:
        if coder == RULES:
            codings += run.codings
        elif coder == MODEL:
            codings += _model(project, model_codings)
        elif coder in logged:
            found, notes = human_codings(project, coder, run.transcripts, codebook, problems)
            codings += found
            memos += notes
    frame = codings_frame(run.transcripts, codings, run.declaration)
    memo_frame = pd.DataFrame(memos, columns=MEMO_COLUMNS)
    if fmt == "csv" and output is None:
        frame.to_csv(sys.stdout, index=False)
        return None, problems
    output = Path(output) if output is not None else project.codings_table_path
    if fmt == "csv":
        with atomic_write(output, newline="", encoding="utf-8") as handle:
            frame.to_csv(handle, index=False)
        with atomic_write(memos_path(output), newline="", encoding="utf-8") as handle:
            memo_frame.to_csv(handle, index=False)
    else:
        with atomic_write(output, "wb") as handle, pd.ExcelWriter(handle, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="codings")
            memo_frame.to_excel(writer, index=False, sheet_name="memos")
    return output, problems


def memos_path(output: Path) -> Path:
    """Where the memos of a CSV export go: ``codings.csv`` -> ``codings.memos.csv``."""
    return output.with_name(f"{output.stem}.memos.csv")


def _model(project: Project, model_codings: ModelCodings | None) -> list[Coding]:
    if model_codings is None:
        raise LearningError("this export cannot reach the learned coder", fix="use pleval export codings")
    return model_codings(project)


def human_codings(project: Project, coder: str, transcripts: list[Transcript], codebook,
                  problems: list[Problem]) -> tuple[list[Coding], list[dict]]:
    """A logged coder's current codings (re-anchored in edited transcripts) and current memos (the latest one
    per span and code, cleared memos left out)."""
    replay = CodingLog(project.codings_dir, coder).replay()
    by_id = {t.id: t for t in transcripts}
    source = "consensus" if coder == CONSENSUS else "human"
    codings = [
        Coding(transcript_id=transcript_id, segment_id=_segment(by_id[transcript_id], start, event), start=start,
               end=end, code_id=code_id, coder=coder, source=source, score=1.0,
               codebook_hash=event.codebook_hash or "", transcript_hash=event.transcript_hash or "")
        for transcript_id, start, end, code_id, event in anchored_codings(replay, coder, codebook, by_id, problems,
                                                                           kept="exported")
    ]
    memos = [
        {"coder": coder, "transcript_id": event.transcript_id, "segment_id": event.segment_id,
         "start": event.start, "end": event.end, "code_id": event.code_id, "memo": event.memo, "time": event.time}
        for event in replay.memos().values()
    ]
    return codings, memos


def _segment(transcript: Transcript, start: int, event: Event) -> str:
    """The id of the turn a span starts in."""
    starts = [turn.start for turn in transcript.turns]
    index = max(bisect_right(starts, start) - 1, 0)
    if transcript.turns:
        return segment_id(transcript.id, transcript.turns[index].index)
    return event.segment_id or ""
