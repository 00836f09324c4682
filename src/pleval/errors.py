"""Every error and warning pleval reports for a user's mistake, in one place.

Each names the file (and line and column where known), says what is wrong and how to fix it, in one line.
The CLI prints ``str(error)`` and exits; nothing else turns a user mistake into a traceback.

Errors and warnings are two hierarchies with one base, :class:`Problem`: loaders collect both in one list of
problems, while ``except PlevalError`` catches errors only. A warning is reported, never raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal


def _shown(path: Path) -> Path:
    """A path relative to the working directory when it lies below it, as a user would type it."""
    try:
        return path.absolute().relative_to(Path.cwd())
    except ValueError:
        return path


class Problem(Exception):
    """What every error and warning carries: a message, where it is, and how to fix it.

    Parameters
    ----------
    message : str
        What is wrong, in the domain's words.
    path : str or Path, optional
        The file at fault.
    line, column : int, optional
        1-based position in that file.
    fix : str, optional
        How to put it right.
    value : object, optional
        The offending value, for programs that catch the error.
    """

    severity: ClassVar[Literal["error", "warning"]] = "error"

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None, line: int | None = None,
                 column: int | None = None, fix: str | None = None, value: Any = None) -> None:
        self.message = message
        self.path = None if path is None else Path(path)
        self.line = line
        self.column = column
        self.fix = fix
        self.value = value
        super().__init__(self.__str__())

    def location(self) -> str:
        """``path:line:column`` as far as known, the path as a user would type it; empty without a path."""
        if self.path is None:
            return ""
        where = str(_shown(self.path))
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f" ({self.fix})"
        return text


class PlevalError(Problem):
    """Base class of every error caused by a project's files or a user's command (fields: see :class:`Problem`)."""

    severity: ClassVar[Literal["error", "warning"]] = "error"


class PlevalWarning(Problem, UserWarning):
    """A problem worth reporting that does not stop a file from being used (fields: see :class:`Problem`).

    Not a :class:`PlevalError`: ``except PlevalError`` does not catch it. A ``UserWarning``, so that a program
    may pass it to :func:`warnings.warn`.
    """

    severity: ClassVar[Literal["error", "warning"]] = "warning"


@dataclass
class ProblemReport:
    """Problems collected while checking many files, so that all are reported at once."""

    problems: list[Problem]

    @property
    def errors(self) -> list[PlevalError]:
        return [p for p in self.problems if isinstance(p, PlevalError)]

    @property
    def warnings(self) -> list[PlevalWarning]:
        return [p for p in self.problems if isinstance(p, PlevalWarning)]

    def __bool__(self) -> bool:
        return bool(self.problems)


class ProjectError(PlevalError):
    """The project folder is missing something or is laid out wrongly."""


class ProjectWarning(PlevalWarning):
    """The project is usable but incomplete (e.g. it has no transcripts yet)."""


class UnsafePathError(PlevalError):
    """An id or path would read or write outside the project folder."""


# --- transcripts -------------------------------------------------------------------------------------------


class TranscriptError(PlevalError):
    """A transcript file cannot be read as a transcript."""


class EmptyTranscriptError(TranscriptError):
    """The file has no text."""


class UnknownFormatError(TranscriptError):
    """The file's extension names no registered reader."""


class DecodeError(TranscriptError):
    """The bytes are neither UTF-8 nor Windows-1252."""


class DecodingWarning(PlevalWarning):
    """The file is not UTF-8: its text was decoded as Windows-1252."""


class FrontMatterError(TranscriptError):
    """The YAML front matter (or sidecar metadata) is broken or invalid."""


class NoSpeakersError(TranscriptError):
    """No line starts with a speaker label."""


class UnknownSpeakerError(TranscriptError):
    """A speaker label names nobody in the metadata."""


class VttTimestampError(TranscriptError):
    """A WebVTT cue's timing line is malformed."""


class SrtTimestampError(TranscriptError):
    """A SubRip (.srt) cue's timing line is malformed or missing."""


class DuplicateTranscriptIdError(TranscriptError):
    """Two transcripts share an id."""


# --- codebook ----------------------------------------------------------------------------------------------


class CodebookError(PlevalError):
    """The codebook is broken or invalid."""


# --- human coding ------------------------------------------------------------------------------------------


class StoreError(PlevalError):
    """A coding log cannot be written, or an event is malformed."""


class OrphanCodingWarning(PlevalWarning):
    """A coding names a code the codebook no longer has (nor lists under any code's ``renamed_from``)."""


class MovedCodingWarning(PlevalWarning):
    """A coding's transcript changed and its text could not be found again; it is kept where it was."""


class TornLineWarning(PlevalWarning):
    """A log line is not a whole JSON event (typically the last line after a crash); it was skipped."""


class CoderError(PlevalError):
    """Coders or units asked for do not exist."""


class CodingImportError(PlevalError):
    """A codings table cannot be imported."""


class SessionError(PlevalError):
    """A coding session was asked for something that does not exist (a transcript, code, coder or unit)."""


# --- survey ------------------------------------------------------------------------------------------------


class SurveyError(PlevalError):
    """The survey description or a respondent file is broken or invalid."""


class SurveyWarning(PlevalWarning):
    """The survey is usable but something in it looks unintended (e.g. a school no transcript names)."""


# --- learned coding ----------------------------------------------------------------------------------------


class LearningError(PlevalError):
    """The learned coder cannot be trained, loaded or used: too little human coding, an unknown unit or
    transcript, or a labelled-quotes file that cannot be read."""


# --- REFI-QDA exchange -------------------------------------------------------------------------------------


class RefiError(PlevalError):
    """A REFI-QDA codebook (.qdc) or project (.qdpx, .qde) cannot be read, exported or imported."""


class RefiWarning(PlevalWarning):
    """Something in a REFI-QDA file was skipped or read in a tolerant way (an empty Sets element, a source
    without text, positions counted in UTF-16 units)."""


# --- briefs ------------------------------------------------------------------------------------------------


class BriefError(PlevalError):
    """briefs.yaml is broken or invalid, or a brief cannot be drafted from the project's data."""


class BriefWarning(PlevalWarning):
    """A brief can be drafted, but something in briefs.yaml looks unintended (e.g. filters no transcript meets)."""


class TermsError(PlevalError):
    """data/terms.yaml, the decisions on flagged terms, is broken, or a decision cannot be recorded."""


class DeliverableError(PlevalError):
    """A Word or PDF copy of a brief cannot be made (no Chromium to print with, or it failed)."""


# --- build -------------------------------------------------------------------------------------------------


class BuildError(PlevalError):
    """A build was asked for something that does not exist (a brief id, an executor, a notebook)."""


class RunnerError(PlevalError):
    """Pages cannot be run where they were sent (a missing package, an unreachable Dask scheduler)."""


# --- the project's declaration -----------------------------------------------------------------------------


class DeclarationError(PlevalError):
    """pleval.yaml, the project's declaration of its sites, attributes, roles, periods and words, is broken or
    invalid."""


class DeclarationWarning(PlevalWarning):
    """Something the project uses that pleval.yaml does not declare (a metadata key, a role): accepted, and
    reported once with how to declare it."""
