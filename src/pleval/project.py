"""A project folder: where its inputs live and where derived outputs go. Nothing else builds these paths.

Layout (every command takes ``--project DIR``)::

    pleval.yaml               the project's declaration: its sites, attributes, roles, periods and words (optional)
    data/transcripts/         transcripts (.txt, .md, .docx, .vtt, .srt) with front matter or <id>.meta.yaml sidecars
    data/codebook.yaml        the codebook
    data/codings/<coder>.jsonl  the human coding store, one append-only log per coder
    data/briefs.yaml          the evaluation briefs
    data/survey/survey.yaml   the survey's description, beside its response files
    notebooks/                the notebooks a build runs (overview.ipynb, brief.ipynb); optional: without one,
                              the build runs the copy shipped in the package (pleval/notebooks/)
    outputs/                  everything pleval derives; safe to delete, always rebuilt:
        cache/                    parsed transcripts, rule codings, survey tables, drafted briefs, charts
        notebooks/ html/          each page's executed notebook and its HTML; html/index.html (the reviewers')
        internal/                 the team's own pages (the overview) and their index
        manifest.json             what each page was built from
        briefs/ redaction/        the written briefs; what their de-identification replaced (keep it private)
        models/                   trained learned coders
        codings.xlsx              the exported codings table
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectError, UnsafePathError


def inside(folder: Path, *parts: str) -> Path:
    """``folder`` joined with ``parts``, for a file named by an id from a user.

    Raises
    ------
    UnsafePathError
        If a part would climb out of ``folder`` (``..``, an absolute path).
    """
    path = folder.joinpath(*parts)
    if not path.resolve().is_relative_to(folder.resolve()):
        raise UnsafePathError(f"{path} would leave {folder}", path=path,
                              fix="use an id of letters, digits, '-', '_' and '.'")
    return path


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def open(cls, folder: str | os.PathLike = ".") -> Project:
        """Open a project folder, checking that it looks like one.

        Raises
        ------
        ProjectError
            If the folder does not exist, or has neither ``pleval.yaml`` nor a ``data/`` subfolder.
        """
        root = Path(folder).absolute()
        if not root.is_dir():
            raise ProjectError(f"project folder {root} does not exist", fix="pass --project DIR")
        project = cls(root)
        if not project.is_project():
            raise ProjectError(
                f"{root} has no pleval.yaml and no data/ folder, so it is not a pleval project",
                path=root,
                fix="pass --project DIR pointing at a folder with pleval.yaml or data/, or run `pleval init DIR`",
            )
        return project

    @classmethod
    def find(cls, start: str | os.PathLike = ".") -> Project:
        """The project ``start`` lies in: the nearest folder from ``start`` up that holds ``pleval.yaml`` or
        ``data/``, as git finds a repository from a subfolder.

        Raises
        ------
        ProjectError
            If no folder from ``start`` up is a project.
        """
        start_dir = Path(start).absolute()
        for folder in (start_dir, *start_dir.parents):
            if cls(folder).is_project():
                return cls(folder)
        raise ProjectError(f"no pleval project in {start_dir} or above it", path=start_dir,
                           fix="run in a folder with pleval.yaml or data/, or run `pleval init DIR`")

    def is_project(self) -> bool:
        """Whether the folder is marked as a project: by ``pleval.yaml`` or a ``data/`` folder."""
        return self.declaration_path.is_file() or self.data_dir.is_dir()

    @property
    def declaration_path(self) -> Path:
        """The project's declaration (``pleval.inputs.declaration`` reads it; without it, the defaults)."""
        return self.root / "pleval.yaml"

    # --- inputs: data/ (read-only to pleval, but for the append-only coding logs) --------------------------

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def transcripts_dir(self) -> Path:
        return self.data_dir / "transcripts"

    @property
    def codebook_path(self) -> Path:
        return self.data_dir / "codebook.yaml"

    @property
    def codings_dir(self) -> Path:
        """The human coding store: one log per coder."""
        return self.data_dir / "codings"

    def coding_log(self, coder: str) -> Path:
        """A coder's log, ``data/codings/<coder>.jsonl``, refusing a name that would leave the folder."""
        return inside(self.codings_dir, f"{coder}.jsonl")

    @property
    def briefs_path(self) -> Path:
        return self.data_dir / "briefs.yaml"

    @property
    def coder_quality_path(self) -> Path:
        """The suggesting coder's measured quality on real talk, per code, as ``pleval evaluate --save`` wrote it."""
        return self.data_dir / "coder-quality.json"

    @property
    def terms_path(self) -> Path:
        """People's decisions on terms flagged in briefs' quotes (keep or redact), appended by ``pleval terms``."""
        return self.data_dir / "terms.yaml"

    @property
    def survey_dir(self) -> Path:
        return self.data_dir / "survey"

    @property
    def survey_path(self) -> Path:
        """The survey's description; the response files lie beside it."""
        return self.survey_dir / "survey.yaml"

    @property
    def notebooks_dir(self) -> Path:
        """The project's own notebooks, one per kind of page; a build runs pleval's where one is missing."""
        return self.root / "notebooks"

    # --- outputs/ (derived; safe to delete) ----------------------------------------------------------------

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def output_path(self, *parts: str) -> Path:
        """A path under outputs/, refusing any part that would climb out of it."""
        return inside(self.outputs, *parts)

    @property
    def cache_dir(self) -> Path:
        """What is kept to avoid work: each cache names its own file in it."""
        return self.outputs / "cache"

    @property
    def html_dir(self) -> Path:
        """The built pages and their index."""
        return self.outputs / "html"

    @property
    def notebooks_output_dir(self) -> Path:
        """Each page's notebook as it was executed, errors included."""
        return self.outputs / "notebooks"

    @property
    def internal_html_dir(self) -> Path:
        """The evaluation team's own pages (the overview names every site and person count): never linked from
        the reviewers' index, and kept out of html/ so that sending html/ sends none of them."""
        return self.outputs / "internal"

    def page_html(self, page_id: str, *, internal: bool = False) -> Path:
        """A built page's HTML: a brief's under html/, an internal page's under internal/."""
        return inside(self.internal_html_dir if internal else self.html_dir, f"{page_id}.html")

    def page_notebook(self, page_id: str) -> Path:
        """A page's executed notebook."""
        return inside(self.notebooks_output_dir, f"{page_id}.ipynb")

    @property
    def manifest_path(self) -> Path:
        """What each page was built from, and when."""
        return self.outputs / "manifest.json"

    @property
    def briefs_output_dir(self) -> Path:
        """The written briefs (JSON, Markdown, HTML and charts), by default."""
        return self.outputs / "briefs"

    @property
    def redaction_dir(self) -> Path:
        """Each brief's redaction report: the names its de-identification replaced, so never beside a brief."""
        return self.outputs / "redaction"

    def redaction_report(self, brief_id: str) -> Path:
        return inside(self.redaction_dir, f"{brief_id}.json")

    @property
    def models_dir(self) -> Path:
        """Trained learned coders."""
        return self.outputs / "models"

    @property
    def codings_table_path(self) -> Path:
        """Where ``pleval export codings`` writes by default."""
        return self.outputs / "codings.xlsx"

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


def append_durably(path: Path, data: bytes, *, header: bytes = b"") -> None:
    """Append ``data`` (whole lines) to ``path`` under an exclusive lock and fsync before returning, so that a
    decision is on disk once this returns and two writers never interleave. A new file starts with ``header``; a
    torn last line left by a crash is ended first, so ``data`` starts on a line of its own.

    Raises
    ------
    OSError
        When the file cannot be opened or written (the caller names it in its own words).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)  # read: the last byte
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if not size:
            data = header + data
        elif os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
