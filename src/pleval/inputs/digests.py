"""Hashes of inputs: of a config's content (the codebook, the survey, the briefs), and of files, for deciding
what is out of date (pages to rebuild, briefs drafted ahead)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .text import sha256_text

if TYPE_CHECKING:
    from pydantic import BaseModel


def content_hash(model: BaseModel) -> str:
    """sha256 of a model's content as canonical JSON, leaving out its own ``hash`` field.

    A config read from YAML keeps the same hash when only its comments or layout change.
    """
    content = model.model_dump(mode="json", exclude={"hash"})
    return sha256_text(json.dumps(content, sort_keys=True, ensure_ascii=False))


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One hash over the names and bytes of files, so a rename, an edit, an addition or a removal all count.

    Names are taken relative to ``root``, so a project copied or cloned elsewhere keeps its digests (and its
    built pages and drafted briefs stay up to date).
    """
    total = hashlib.sha256()
    for path in sorted(paths):
        total.update(path.relative_to(root).as_posix().encode() + b"\0")
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def folder_digest(folder: Path, pattern: str = "*") -> str:
    """:func:`files_digest` of the files under ``folder`` matching ``pattern`` (see :func:`tree`)."""
    return files_digest(tree(folder, pattern), folder)


def file_digest(path: Path) -> str:
    """:func:`files_digest` of one file, by its name; empty when the file does not exist."""
    return files_digest([path], path.parent) if path.exists() else ""


def tree(folder: Path, pattern: str = "*") -> list[Path]:
    """The files under ``folder`` matching ``pattern``, leaving out hidden ones; none if it does not exist."""
    return [p for p in folder.rglob(pattern) if p.is_file() and not p.name.startswith(".")] if folder.exists() else []


@lru_cache(maxsize=1)
def pleval_digest() -> str:
    """The installed pleval's version and a hash of its own code and templates: what drafted a brief or built a
    page, so that output drafted by other code (a new release, or a checkout between releases) is out of date."""
    from .. import __version__

    package = Path(__file__).resolve().parent.parent
    return f"{__version__}+{folder_digest(package, '*.py')[:16]}{folder_digest(package / 'templates')[:16]}"
