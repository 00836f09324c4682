"""Import codings made elsewhere (a spreadsheet, another tool) into a coder's log.

The table (CSV as Excel writes it, or .xlsx) has one row per coding: ``transcript_id`` and ``code_id``, and
either ``start`` and ``end`` (code-point offsets into the transcript's normalised text) or ``segment_id``. Every
row is checked before anything is written; one bad row stops the import with its row number, and the coder's
log is left as it was.

``reviewed`` says what the coder read. ``coded`` (the default): only the turns a row codes count as reviewed by
them, as if they had coded turn by turn and left the rest for later. ``transcripts``: they coded each transcript
the table names through, so every other participant turn of it gets a ``review`` ("done") event, written in the
same locked write as the codings.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..errors import CodingImportError
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..project import Project
from ..schema import segment_id as make_segment_id
from .reviewed import REVIEWED, whole_transcript_reviews
from .store import CodingLog


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (any of , ; or tab, BOM or not) or .xlsx table, every cell as text."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str).fillna("")
        return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig").fillna("")
    except FileNotFoundError:
        raise CodingImportError("file not found", path=path) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise CodingImportError(f"not a readable CSV or Excel table ({error})", path=path,
                                fix="save it as CSV (UTF-8) or .xlsx") from None


class Imported(NamedTuple):
    """What an import wrote: the codings appended, and the rows left out because the coder's log (or an earlier
    row of the table) already holds that coding (importing a table twice appends nothing the second time)."""

    codings: int
    already: int


def import_codings(project: Project, table_path: Path, coder: str, *, reviewed: str = "coded") -> Imported:
    """Append every row of a codings table to ``coder``'s log, or nothing if any row is wrong.

    Parameters
    ----------
    project : Project
    table_path : Path
        A CSV or .xlsx table, one coding per row.
    coder : str
        Whose log the codings go to.
    reviewed : {"coded", "transcripts"}
        What the coder reviewed: only the turns the table codes, or every participant turn of each transcript it
        codes (the turns left uncoded are marked done, unless the coder's log already reviews them).

    Returns
    -------
    Imported
        How many codings were appended, and how many rows the log already held.

    Raises
    ------
    CodingImportError
        Naming the first bad row (and how many others are bad).
    """
    table_path = Path(table_path)
    if reviewed not in REVIEWED:
        raise CodingImportError(f"unknown --reviewed '{reviewed}'", value=reviewed,
                                fix=f"use one of: {', '.join(REVIEWED)}")
    log = CodingLog(project.codings_dir, coder)
    table = read_table(table_path)
    columns = {c.strip().lower(): c for c in table.columns}
    missing = [c for c in ("transcript_id", "code_id") if c not in columns]
    if not missing and "segment_id" not in columns and not {"start", "end"} <= set(columns):
        missing = ["start and end, or segment_id"]
    if missing:
        raise CodingImportError(f"missing column(s): {', '.join(missing)}", path=table_path, line=1,
                                fix="name the columns transcript_id, code_id and start/end or segment_id")
    codebook = load_codebook_cached(project)
    renamed = codebook.renames()
    transcripts, _ = load_transcripts_cached(project)
    by_id = {t.id: t for t in transcripts}
    events, errors = [], []
    first_row = 2  # row 1 is the header, as a spreadsheet numbers rows
    for number, row in enumerate(table.to_dict("records"), start=first_row):
        cell = {name: str(row[original]).strip() for name, original in columns.items()}
        try:
            events.append(_event(cell, by_id, codebook, renamed))
        except ValueError as error:
            errors.append((number, str(error)))
    if errors:
        number, message = errors[0]
        more = f" (and {len(errors) - 1} more bad row(s))" if len(errors) > 1 else ""
        raise CodingImportError(f"row {number}: {message}{more}; nothing was imported", path=table_path,
                                line=number, fix="correct the row(s) and import again")
    replay = log.replay()
    held = set(replay.codings(codebook))
    new = []
    for fields in events:
        key = (fields["transcript_id"], fields["start"], fields["end"], fields["code_id"])
        if key not in held:
            held.add(key)
            new.append(fields)
    decisions = [("apply", fields) for fields in new]
    if reviewed == "transcripts":
        decisions += [("review", fields) for fields in whole_transcript_reviews(
            replay, by_id, {e["transcript_id"] for e in events}, decisions, codebook.hash)]
    if decisions:
        log.append_batch(decisions)
    return Imported(len(new), len(events) - len(new))


def _event(cell: dict, transcripts: dict, codebook, renamed: dict) -> dict:
    transcript = transcripts.get(cell["transcript_id"])
    if transcript is None:
        raise ValueError(f"no transcript with id '{cell['transcript_id']}' in the project")
    code_id = renamed.get(cell["code_id"], cell["code_id"])
    if code_id not in codebook.code_ids:
        raise ValueError(f"code '{cell['code_id']}' is not in the codebook")
    segment = cell.get("segment_id", "")
    if segment:
        turns = {make_segment_id(transcript.id, t.index): t for t in transcript.turns}
        if segment not in turns:
            raise ValueError(f"transcript '{transcript.id}' has no segment '{segment}'")
        start, end = turns[segment].start, turns[segment].end
    else:
        try:
            start, end = int(float(cell.get("start", ""))), int(float(cell.get("end", "")))
        except ValueError:
            raise ValueError("start and end must be whole numbers (code-point offsets)") from None
        if not 0 <= start < end <= len(transcript.text):
            raise ValueError(f"span {start}-{end} is outside transcript '{transcript.id}' "
                             f"(its text has {len(transcript.text)} characters)")
        segment = next((make_segment_id(transcript.id, t.index) for t in transcript.turns
                        if t.start <= start < t.end), None)
    return {"transcript_id": transcript.id, "transcript_hash": transcript.text_hash,
            "codebook_hash": codebook.hash, "segment_id": segment, "start": start, "end": end, "code_id": code_id,
            "text": transcript.text[start:end]}
