"""Parsed transcripts and the validated codebook kept under outputs/cache/, so unchanged files are not read again.

Each entry is keyed by the sha256 of the file's bytes (for a transcript, with its sidecar metadata file, if
any) and pleval's version: any edit, or a new pleval, parses the file afresh. Entries are derived data,
written atomically, and safe to delete. ``pleval validate`` never uses them.

The parsed transcripts of a project are kept together in one file, ``outputs/cache/transcripts.pack``: a line
of JSON with every file's record, then the transcripts' texts as UTF-8 (JSON is slow to read for long
strings). Creating a file costs more than writing a few megabytes, so the pack is read once and written (whole,
to a temporary file renamed into place) only when a transcript was parsed or removed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__, errors
from ..errors import PlevalWarning, Problem
from ..project import Project, atomic_write
from ..schema import SITE, Codebook, Transcript, TranscriptMeta, Turn
from .codebook import load_codebook
from .declaration import project_declaration
from .readers import SIDECAR_SUFFIX
from .text import sha256_text
from .transcripts import load_transcripts, parse_transcript

CACHE_FORMAT = 4


def load_codebook_cached(project: Project) -> Codebook:
    """:func:`pleval.inputs.codebook.load_codebook`, reusing the last validation of an unchanged codebook file.

    Raises
    ------
    CodebookError
        If the codebook is invalid (invalid codebooks are never cached).
    """
    path = project.codebook_path
    entry = project.cache_dir / "codebook.json"
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


def _to_json(transcript: Transcript, warnings: list[Problem]) -> dict:
    return {
        "meta": transcript.meta.model_dump(mode="json"),
        "turns": [[t.index, t.speaker, t.name, t.role, t.start, t.end, t.line, t.start_time, t.end_time]
                  for t in transcript.turns],
        "path": transcript.path,
        "format": transcript.format,
        "text_hash": transcript.text_hash,
        "meta_hash": transcript.meta_hash,
        "warnings": [{"kind": type(w).__name__, "message": w.message, "path": None if w.path is None else str(w.path),
                      "line": w.line, "column": w.column, "fix": w.fix} for w in warnings],
    }


def _warning_class(name: str) -> type[PlevalWarning]:
    """The warning class a cached warning was (``DecodingWarning``...), so that it is caught and filtered as the
    warning parsed afresh is; :class:`PlevalWarning` for a name pleval no longer has."""
    found = getattr(errors, name, None)
    return found if isinstance(found, type) and issubclass(found, PlevalWarning) else PlevalWarning


def _from_json(data: dict, text: str) -> tuple[Transcript, list[Problem]]:
    new = tuple.__new__  # a named tuple's own constructor is a Python function: a corpus has many turns
    turns = tuple([
        new(Turn, (index, speaker, name, role, text[start:end], start, end, line, t0, t1))
        for index, speaker, name, role, start, end, line, t0, t1 in data["turns"]
    ])
    transcript = Transcript(
        meta=TranscriptMeta.model_validate(data["meta"]),
        text=text,
        turns=turns,
        path=data["path"],
        format=data["format"],
        text_hash=data["text_hash"],
        meta_hash=data["meta_hash"],
    )
    warnings: list[Problem] = [
        _warning_class(w["kind"])(w["message"], path=w["path"], line=w["line"], column=w["column"], fix=w["fix"])
        for w in data["warnings"]
    ]
    return transcript, warnings


class CachedParser:
    """A drop-in for :func:`pleval.inputs.transcripts.parse_transcript` that reuses parses of unchanged files.

    Reads the project's pack on first use; :meth:`save` writes it back if anything was parsed afresh or is gone.
    """

    def __init__(self, project: Project, site_key: str = SITE):
        self.path = project.cache_dir / "transcripts.pack"
        self.project = project
        self.site_key = site_key  # part of every entry's key: which metadata key names the site
        self._entries: dict[str, dict] | None = None  # relative path -> {"key", "transcript", "text": [a, b]}
        self._texts = b""
        self._seen: dict[str, tuple[dict, bytes]] = {}  # entries of this run: relative path -> (entry, text)
        self._changed = False

    def _read(self) -> dict[str, dict]:
        entries: dict[str, dict] = {}
        try:
            data = self.path.read_bytes()
            head, _, self._texts = data.partition(b"\n")
            pack = json.loads(head)
            if pack.get("format") == CACHE_FORMAT and isinstance(pack.get("entries"), dict):
                entries = pack["entries"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: everything is parsed afresh
        return entries

    def __call__(self, path: Path, project_root: Path) -> tuple[Transcript, list[Problem]]:
        if self._entries is None:
            self._entries = self._read()
        name = self.project.relative(path)
        key = f"{_source_hash(path)}:{self.site_key}"
        entry = self._entries.get(name)
        try:
            if entry is not None and entry["key"] == key:
                start, end = entry["text"]
                data = self._texts[start:end]
                text = data.decode("utf-8")
                if sha256_text(text) == entry["transcript"]["text_hash"]:
                    transcript, warnings = _from_json(entry["transcript"], text)
                    self._seen[name] = (entry, data)
                    return transcript, warnings
        except (ValueError, KeyError, TypeError):
            pass  # stale or damaged: parse afresh
        transcript, warnings = parse_transcript(path, project_root, site_key=self.site_key)
        self._seen[name] = ({"key": key, "transcript": _to_json(transcript, warnings)}, transcript.text.encode("utf-8"))
        self._changed = True
        return transcript, warnings

    def save(self) -> None:
        """Write the entries of this run's files as the pack, if any was parsed afresh or is gone."""
        if not self._changed and set(self._seen) == set(self._entries or {}):
            return
        entries, offset = {}, 0
        for name, (entry, data) in self._seen.items():
            entries[name] = {
                "key": entry["key"], "transcript": entry["transcript"], "text": [offset, offset + len(data)],
            }
            offset += len(data)
        head = json.dumps({"format": CACHE_FORMAT, "pleval_version": __version__, "entries": entries},
                          ensure_ascii=False)
        with atomic_write(self.path, "wb") as handle:
            handle.write(head.encode("utf-8") + b"\n")
            for _entry, data in self._seen.values():
                handle.write(data)


_last_load: dict[str, tuple[tuple, list[Transcript], list[Problem]]] = {}  # per transcripts folder


def _files_signature(project: Project) -> tuple:
    """Every file under the transcripts folder, the pack and pleval.yaml, with its size and modification time:
    what a reload would find changed."""
    folder, pack = project.transcripts_dir, project.cache_dir / "transcripts.pack"
    files = sorted(folder.rglob("*")) if folder.is_dir() else []
    return tuple((str(path), stat.st_size, stat.st_mtime_ns)
                 for path in [*files, pack, project.declaration_path] if path.is_file() for stat in [path.stat()])


def forget_loaded() -> None:
    """Let go of the transcripts this process last loaded (to give their memory back)."""
    _last_load.clear()


def load_transcripts_cached(project: Project) -> tuple[list[Transcript], list[Problem]]:
    """:func:`pleval.inputs.transcripts.load_transcripts` for a project, reusing cached parses of unchanged files.

    Within one process the last load is reused while no file in the transcripts folder changed (size or
    modification time), nor the pack, nor pleval.yaml: counting codings, agreement and the survey each need the
    corpus, and a big corpus takes seconds to load and much memory to hold twice. Transcripts are frozen, so
    sharing them is safe.

    Raises
    ------
    DeclarationError
        If pleval.yaml has an error: the site's key is not known.
    """
    folder = project.transcripts_dir
    last = _last_load.get(str(folder.absolute()))
    if last is not None and last[0] == _files_signature(project):
        return list(last[1]), list(last[2])
    _last_load.clear()  # hold one corpus at a time
    parser = CachedParser(project, project_declaration(project).site.key)
    transcripts, problems = load_transcripts(folder, project.root, parse=parser)
    if parser._entries is not None:  # some file was looked at
        parser.save()
    _last_load[str(folder.absolute())] = (_files_signature(project), transcripts, problems)
    return list(transcripts), list(problems)
