"""A project folder: where its inputs live and where derived outputs go.

Layout (every command takes ``--project DIR``)::

    data/transcripts/   transcripts (.txt, .md, .docx, .vtt) with front matter or <id>.meta.yaml sidecars
    data/codebook.yaml  the codebook
    data/survey/        survey data
    outputs/            everything pleval derives; safe to delete, always rebuilt
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError, UnsafePathError


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def open(cls, folder: str | os.PathLike = ".") -> Project:
        """Open a project folder, checking that it looks like one.

        Raises
        ------
        ProjectError
            If the folder or its ``data/`` subfolder does not exist.
        """
        root = Path(folder).absolute()
        if not root.is_dir():
            raise ProjectError(f"project folder {root} does not exist", fix="pass --project DIR")
        if not (root / "data").is_dir():
            raise ProjectError(
                f"{root} has no data/ folder, so it is not a pleval project",
                path=root,
                fix="pass --project DIR pointing at a folder with data/transcripts and data/codebook.yaml",
            )
        return cls(root)

    @property
    def transcripts_dir(self) -> Path:
        return self.root / "data" / "transcripts"

    @property
    def codebook_path(self) -> Path:
        return self.root / "data" / "codebook.yaml"

    @property
    def survey_dir(self) -> Path:
        return self.root / "data" / "survey"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def output_path(self, *parts: str) -> Path:
        """A path under outputs/, refusing any part that would climb out of it."""
        path = self.outputs.joinpath(*parts)
        if not path.resolve().is_relative_to(self.outputs.resolve()):
            raise UnsafePathError(f"output path {path} would leave {self.outputs}", path=path)
        return path

    def relative(self, path: Path) -> str:
        try:
            return Path(path).absolute().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


_UMASK = os.umask(0)
os.umask(_UMASK)  # read once: the process's umask, to give new outputs the usual permissions


@contextmanager
def atomic_write(path: Path, mode: str = "w", **kwargs):
    """Write to a temporary file beside ``path`` and rename it into place, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes files private; outputs are shared like any file
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
