"""Hashes of input files, for deciding what is out of date (pages to rebuild, briefs drafted ahead)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def files_digest(paths) -> str:
    """One hash over the names and bytes of files, so a rename, an edit, an addition or a removal all count."""
    total = hashlib.sha256()
    for path in sorted(paths):
        total.update(str(path).encode() + b"\0")
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def tree(folder: Path, pattern: str = "*") -> list[Path]:
    """The files under ``folder`` matching ``pattern``, leaving out hidden ones; none if it does not exist."""
    return [p for p in folder.rglob(pattern) if p.is_file() and not p.name.startswith(".")] if folder.exists() else []
