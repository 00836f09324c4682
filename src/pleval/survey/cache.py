"""Respondent files read as text cells, kept under outputs/cache/ so unchanged files are not read again.

Reading an .xlsx workbook with openpyxl costs far more than validating its cells, and every brief drafted loads
the survey. Each entry holds what :func:`pleval.survey.tables.read_response_table` returned for one file, keyed
by the sha256 of the file's bytes, its extension and pleval's version: any edit, or a new pleval, reads the file
afresh. Only the reading is kept; every row is validated again each time, so problems are reported exactly as
without the cache. A file that could not be read, or was read with a warning (e.g. as Windows-1252), is never
kept: it is read afresh each time, and its error or warning is the reader's own. Entries are derived data,
written atomically, and safe to delete. ``pleval validate`` never uses them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__
from ..errors import Problem
from ..project import Project, atomic_write
from .tables import read_response_table

CACHE_FORMAT = 1


def _table_key(path: Path) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|{path.suffix.lower()}|".encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


class CachedTables:
    """A drop-in for :func:`pleval.survey.tables.read_response_table` that reuses reads of unchanged files.

    Reads the project's entries (``outputs/cache/survey_tables.json``) on first use; :meth:`save` writes them
    back if a file was read afresh or is gone.

    Parameters
    ----------
    project : Project
    """

    def __init__(self, project: Project):
        self.path = project.cache_dir / "survey_tables.json"
        self.project = project
        self._entries: dict[str, dict] | None = None  # relative path -> {"key", "header", "rows"}
        self._seen: dict[str, dict] = {}  # entries of this run's files
        self._changed = False

    def _read(self) -> dict[str, dict]:
        entries: dict[str, dict] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") == CACHE_FORMAT and isinstance(data.get("entries"), dict):
                entries = data["entries"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: every file is read afresh
        return entries

    def __call__(self, path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
        """What :func:`pleval.survey.tables.read_response_table` returns for ``path``.

        Raises
        ------
        SurveyError
            If the file cannot be read as a respondent table (never from the cache).
        """
        if self._entries is None:
            self._entries = self._read()
        path = Path(path)
        name = self.project.relative(path)
        key = _table_key(path)
        entry = self._entries.get(name)
        try:
            if entry is not None and entry["key"] == key:
                header, rows = list(entry["header"]), [(number, list(cells)) for number, cells in entry["rows"]]
                self._seen[name] = entry
                return header, rows, []
        except (ValueError, KeyError, TypeError):
            pass  # damaged: read afresh
        header, rows, warnings = read_response_table(path)
        if not warnings:
            self._seen[name] = {"key": key, "header": header, "rows": [[number, cells] for number, cells in rows]}
            self._changed = True
        return header, rows, warnings

    def save(self) -> None:
        """Write the entries of this run's files, if any was read afresh or is gone."""
        if self._entries is None or (not self._changed and set(self._seen) == set(self._entries)):
            return
        try:
            with atomic_write(self.path, encoding="utf-8") as handle:
                json.dump({"format": CACHE_FORMAT, "pleval_version": __version__, "entries": self._seen}, handle,
                          ensure_ascii=False)
        except OSError:
            pass  # e.g. a read-only outputs/: the survey was read all the same, only not kept
