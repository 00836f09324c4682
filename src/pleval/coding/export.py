"""Tidy tables out of the project: CSV or Excel, written whole or not at all."""

from __future__ import annotations

import sys
from pathlib import Path

from ..project import Project, atomic_write
from .run import code_project, codings_frame


def export_codings(project: Project, *, fmt: str = "csv", sources=None, output: Path | None = None):
    """Export codings (bringing the rule coding up to date first).

    Returns
    -------
    written : Path or None
        The file written, or None when the table went to standard output.
    problems : list of Problem
        Transcripts that could not be read (their codings are missing from the table).
    """
    run = code_project(project, progress=False)
    frame = codings_frame(run.transcripts, run.codings)
    if sources:
        frame = frame[frame["source"].isin(sources)]
    if fmt == "csv" and output is None:
        frame.to_csv(sys.stdout, index=False)
        return None, run.problems
    output = Path(output) if output is not None else project.codings_table_path
    if fmt == "csv":
        with atomic_write(output, newline="", encoding="utf-8") as handle:
            frame.to_csv(handle, index=False)
    else:
        with atomic_write(output, "wb") as handle:
            frame.to_excel(handle, index=False, sheet_name="codings", engine="openpyxl")
    return output, run.problems
