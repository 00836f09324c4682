"""The printed summary of ``pleval code``, kept for an unchanged project so that a re-run prints it at once.

A cached ``pleval code`` codes nothing, yet loading 2M words of transcripts back and counting their codings
takes most of a second. The summary is kept in outputs/cache/code-summary.json under a key of what it was
computed from: every file under data/transcripts/ (path, size, modification time), data/codebook.yaml and
pleval.yaml the same way, the summaries asked for and pleval's version, as every cache in outputs/ is keyed
on it. Any change, a touched file included, is a miss, and the run goes through the coding cache as before.
Only standard-library modules are imported here: a hit must not pay for pandas, pydantic or spaCy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import __version__
from ..project import Project, atomic_write

FORMAT = 1


@dataclass(frozen=True)
class Summary:
    """What a ``pleval code`` run found: its problems as printed, its tables of counts as printed, and how many
    transcripts it coded (and skipped) and codings it found."""

    problems: list[str]
    tables: str
    transcripts: int
    codings: int
    skipped: int

    def report(self, new: int) -> str:
        """The tables and the closing line, for a run that coded ``new`` transcripts (the rest from cache)."""
        return (f"{self.tables}\n\n{self.transcripts} transcripts coded ({new} new, {self.transcripts - new} from "
                f"cache), {self.codings} codings; {self.skipped} transcript(s) skipped")


def summary_path(project: Project) -> Path:
    return project.cache_dir / "code-summary.json"


def summary_key(project: Project, by: list[str] | None) -> str:
    """A digest of everything the summary is computed from (see the module's description)."""
    digest = hashlib.sha256(json.dumps([FORMAT, __version__, by]).encode())
    folder = project.transcripts_dir
    files = sorted(folder.rglob("*")) if folder.is_dir() else []
    for path in [*files, project.codebook_path, project.declaration_path]:
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}\x00{stat.st_size}\x00{stat.st_mtime_ns}\x00".encode())
    return digest.hexdigest()


def cached_summary(project: Project, key: str) -> Summary | None:
    """The summary kept under ``key``, or None (none kept, another key, or a file that cannot be read)."""
    try:
        kept = json.loads(summary_path(project).read_text(encoding="utf-8"))
        if kept.get("key") != key:
            return None
        return Summary(list(kept["problems"]), str(kept["tables"]), int(kept["transcripts"]), int(kept["codings"]),
                       int(kept["skipped"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def keep_summary(project: Project, key: str, summary: Summary) -> None:
    """Keep ``summary`` under ``key`` (replacing any other), written whole or not at all."""
    with atomic_write(summary_path(project), encoding="utf-8") as handle:
        json.dump({"key": key, **asdict(summary)}, handle)
