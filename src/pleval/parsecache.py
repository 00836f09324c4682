"""Parsed transcripts and the validated codebook kept under outputs/cache/, so unchanged files are not read again.

Each entry is keyed by the sha256 of the file's bytes (for a transcript, with its sidecar metadata file, if
any) and pleval's version: any edit, or a new pleval, parses the file afresh. Entries are derived data,
written atomically, and safe to delete. ``pleval validate`` never uses them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__
from .codebook import load_codebook
from .errors import PlevalError, PlevalWarning
from .model import Codebook, Transcript, TranscriptMeta, Turn
from .project import Project, atomic_write
from .readers import SIDECAR_SUFFIX
from .text import sha256_text
from .transcripts import load_transcripts, parse_transcript

CACHE_FORMAT = 1


def load_codebook_cached(project: Project) -> Codebook:
    """:func:`pleval.codebook.load_codebook`, reusing the last validation of an unchanged codebook file.

    Raises
    ------
    CodebookError
        If the codebook is invalid (invalid codebooks are never cached).
    """
    path = project.codebook_path
    entry = project.output_path("cache", "codebook.json")
    try:
        key = _source_hash(path)
        cached = json.loads(entry.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            return Codebook.model_validate(cached["codebook"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no codebook file (load_codebook says so), or no usable entry
    codebook = load_codebook(path)
    with atomic_write(entry, encoding="utf-8") as handle:
        handle.write(json.dumps({"key": _source_hash(path), "codebook": codebook.model_dump(mode="json")}))
    return codebook


def _source_hash(path: Path) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{__version__}|".encode())
    digest.update(path.read_bytes())
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if sidecar.exists():
        digest.update(b"\x00sidecar\x00" + sidecar.read_bytes())
    return digest.hexdigest()


def _to_json(transcript: Transcript, warnings: list[PlevalError]) -> dict:
    return {
        "meta": transcript.meta.model_dump(mode="json"),
        "turns": [[t.index, t.speaker, t.name, t.role, t.start, t.end, t.line, t.start_time, t.end_time]
                  for t in transcript.turns],
        "path": transcript.path,
        "format": transcript.format,
        "text_hash": transcript.text_hash,
        "meta_hash": transcript.meta_hash,
        "warnings": [{"message": w.message, "path": str(w.path), "line": w.line, "column": w.column, "fix": w.fix}
                     for w in warnings],
    }


def _from_json(data: dict, text: str) -> tuple[Transcript, list[PlevalError]]:
    turns = tuple(
        Turn(index, speaker, name, role, text[start:end], start, end, line, t0, t1)
        for index, speaker, name, role, start, end, line, t0, t1 in data["turns"]
    )
    transcript = Transcript(
        meta=TranscriptMeta.model_validate(data["meta"]),
        text=text,
        turns=turns,
        path=data["path"],
        format=data["format"],
        text_hash=data["text_hash"],
        meta_hash=data["meta_hash"],
    )
    warnings = [PlevalWarning(w["message"], path=w["path"], line=w["line"], column=w["column"], fix=w["fix"])
                for w in data["warnings"]]
    return transcript, warnings


class CachedParser:
    """A drop-in for :func:`pleval.transcripts.parse_transcript` that reuses parses of unchanged files."""

    def __init__(self, project: Project):
        self.folder = project.output_path("cache", "transcripts")
        self.project = project

    def _entry(self, path: Path) -> tuple[Path, Path]:
        """The entry's record and, kept apart because JSON is slow to read for long strings, its text."""
        name = hashlib.sha256(self.project.relative(path).encode()).hexdigest()[:32]
        return self.folder / f"{name}.json", self.folder / f"{name}.txt"

    def __call__(self, path: Path, project_root: Path) -> tuple[Transcript, list[PlevalError]]:
        key = _source_hash(path)
        record, text_file = self._entry(path)
        try:
            cached = json.loads(record.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                text = text_file.read_bytes().decode("utf-8")
                if sha256_text(text) == cached["transcript"]["text_hash"]:
                    return _from_json(cached["transcript"], text)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, stale or unreadable: parse afresh
        transcript, warnings = parse_transcript(path, project_root)
        with atomic_write(text_file, "wb") as handle:
            handle.write(transcript.text.encode("utf-8"))
        with atomic_write(record, encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "transcript": _to_json(transcript, warnings)}, ensure_ascii=False))
        return transcript, warnings


def load_transcripts_cached(project: Project) -> tuple[list[Transcript], list[PlevalError]]:
    """:func:`pleval.transcripts.load_transcripts` for a project, reusing cached parses of unchanged files."""
    return load_transcripts(project.transcripts_dir, project.root, parse=CachedParser(project))
