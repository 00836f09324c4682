"""Split a read transcript into speaker turns and map every speaker to a participant from the metadata.

A turn starts at a line that opens with a speaker label: ``Name:``, ``NAME:``, ``Interviewer:``, ``Q:``/``A:``,
``P1:``, optionally bold in Markdown (``**Name:**``) or after a timestamp (``[00:12:03] Name:``). Lines without a
label continue the turn before. Lines before the first label (a title, ``[Recording starts]``) belong to no turn.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import (
    DuplicateTranscriptIdError,
    FrontMatterError,
    NoSpeakersError,
    PlevalError,
    Problem,
    UnknownSpeakerError,
    UnsafePathError,
)
from ..schema import INTERVIEWER, SITE, Transcript, TranscriptMeta, Turn
from .readers import Source, is_transcript_candidate, read_source
from .text import sha256_text
from .yamlmarks import Located, describe_pydantic_error

LABEL = re.compile(
    r"""^[ \t]*
    (?:[\[(](?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)[\])][ \t]*)?   # optional [00:12:03]
    (?P<bold>\*\*)?
    (?P<label>P\d{1,2}|[A-Z][\w'’.\-]*(?:[ \t][A-Z][\w'’.\-]*){0,3})     # P1, Q, KAREN, Karen Holtzapple
    (?(bold)(?::\*\*|\*\*:)|:)                                          # Name: or **Name:** or **Name**:
    [ \t]*""",
    re.X,
)
INTERVIEWER_LABELS = {"interviewer", "q", "i", "moderator", "evaluator"}
RESPONDENT_LABELS = {"a", "r", "respondent", "interviewee"}


def _key(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace("’", "'")).strip().rstrip(".").casefold()


class SpeakerMap:
    """Resolves a speaker label to (name, role) from the transcript's metadata."""

    def __init__(self, meta: TranscriptMeta):
        self.known: dict[str, tuple[str, str]] = {}
        self._resolved: dict[str, tuple[str, str] | None] = {}  # labels as written, looked up once
        people = [(p.name, p.role, p.label) for p in meta.participants]
        people += [(name, INTERVIEWER, None) for name in meta.interviewers]
        ambiguous: set[str] = set()
        candidates: dict[str, tuple[str, str]] = {}
        for name, role, label in people:
            parts = name.split()
            for alias in {name, parts[0], parts[-1]}:
                key = _key(alias)
                if key in candidates and candidates[key] != (name, role):
                    ambiguous.add(key)
                candidates[key] = (name, role)
            if label:
                self.known[_key(label)] = (name, role)
        for key, value in candidates.items():
            if key not in ambiguous:
                self.known.setdefault(key, value)
        for name, role, _label in people:  # a full name always wins over a shared first name
            self.known[_key(name)] = (name, role)
        first_interviewer = meta.interviewers[0]
        for label in INTERVIEWER_LABELS:
            self.known.setdefault(label, (first_interviewer, INTERVIEWER))
        if len(meta.participants) == 1:
            only = meta.participants[0]
            for label in RESPONDENT_LABELS:
                self.known.setdefault(label, (only.name, only.role))

    def resolve(self, label: str) -> tuple[str, str] | None:
        if label not in self._resolved:
            self._resolved[label] = self.known.get(_key(label))
        return self._resolved[label]


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    parts = [float(p) for p in stamp.split(":")]
    return sum(value * 60**power for power, value in enumerate(reversed(parts)))


@dataclass(slots=True)
class _OpenTurn:
    """A turn being read: where its text starts and (so far) ends in the body."""

    speaker: str
    name: str
    role: str
    start: int
    end: int
    line: int
    start_time: float | None
    end_time: float | None


def split_turns(source: Source, meta: TranscriptMeta, path: Path) -> tuple[str, tuple[Turn, ...]]:
    """Find the turns in ``source.body``; the body is the transcript's normalised text."""
    speakers = SpeakerMap(meta)
    text = source.body
    turns: list[_OpenTurn] = []
    current: _OpenTurn | None = None
    offset = 0
    for index, line in enumerate(text.split("\n")):
        match = LABEL.match(line)
        if match:
            resolved = speakers.resolve(match.group("label"))
            if resolved is None:
                raise UnknownSpeakerError(
                    f"speaker '{match.group('label')}' is not the interviewer or a participant in the metadata",
                    path=path,
                    line=source.line_numbers[index],
                    fix="add them to 'participants' (with 'label:' if the label differs from their name), "
                    "or correct the label",
                )
            if current:
                turns.append(current)
            start_time, end_time = source.times.get(index, (_seconds(match.group("time")), None))
            name, role = resolved
            current = _OpenTurn(match.group("label"), name, role, offset + match.end(), offset + len(line),
                                source.line_numbers[index], start_time, end_time)
        elif current and line.strip():
            current.end = offset + len(line)
        offset += len(line) + 1
    if current:
        turns.append(current)
    if not turns:
        raise NoSpeakersError(
            "no line starts with a speaker label",
            path=path,
            line=source.line_numbers[0] if source.line_numbers else None,
            fix="start each turn with 'Name:', 'Interviewer:', 'Q:'/'A:' or 'P1:'",
        )
    result = []
    for number, turn in enumerate(turns):
        start, end = turn.start, turn.end
        while end > start and text[end - 1].isspace():
            end -= 1
        result.append(Turn(number, turn.speaker, turn.name, turn.role, text[start:end], start, end, turn.line,
                           turn.start_time, turn.end_time))
    return text, tuple(result)


def _meta_error(error: ValidationError, meta: Located, meta_path: Path | None) -> PlevalError:
    first = error.errors()[0]
    # an attribute is validated under 'attributes', but written as a key of its own
    loc = tuple(part for part in first["loc"] if part != "attributes")
    line, column = meta.where(loc)
    more = f" (and {len(error.errors()) - 1} more problem(s))" if len(error.errors()) > 1 else ""
    return FrontMatterError(
        f"metadata: {describe_pydantic_error({**first, 'loc': loc})}{more}",
        path=meta_path,
        line=line,
        column=column,
        fix="correct the metadata (see the sample project's transcripts)",
    )


def parse_transcript(path: Path, project_root: Path, *, site_key: str = SITE) -> tuple[Transcript, list[Problem]]:
    """Read and parse one transcript file; return it with any warnings.

    ``site_key`` is the metadata key naming the site (``site.key`` in pleval.yaml, e.g. ``school``).

    Raises
    ------
    PlevalError
        For anything that makes the file unusable.
    """
    relative = _inside(path, project_root)
    source = read_source(path)
    if source.meta is None:
        raise FrontMatterError(
            "no metadata: the file has no YAML front matter and no sidecar file",
            path=path,
            line=1,
            fix=f"add front matter between '---' lines, or a {path.stem}.meta.yaml file beside it",
        )
    try:
        meta = TranscriptMeta.model_validate(source.meta.data, context={"site_key": site_key})
    except ValidationError as error:
        raise _meta_error(error, source.meta, source.meta_path) from None
    text, turns = split_turns(source, meta, path)
    meta_json = json.dumps(meta.model_dump(mode="json"), sort_keys=True)
    transcript = Transcript(
        meta=meta,
        text=text,
        turns=turns,
        path=relative,
        format=path.suffix.lower().lstrip("."),
        text_hash=sha256_text(text),
        meta_hash=sha256_text(meta_json),
    )
    return transcript, list(source.warnings)


def _inside(path: Path, project_root: Path) -> str:
    resolved, root = path.resolve(), project_root.resolve()
    if not resolved.is_relative_to(root):
        raise UnsafePathError(
            f"resolves to {resolved}, outside the project folder {root}",
            path=path,
            fix="copy the file into the project instead of linking to it",
        )
    return path.absolute().relative_to(project_root.absolute()).as_posix()


def transcript_files(folder: Path) -> list[Path]:
    """The files in ``folder`` (recursively) that should be transcripts, in a stable order."""
    return sorted(p for p in folder.rglob("*") if is_transcript_candidate(p))


def load_transcripts(folder: Path, project_root: Path, *, parse=None, site_key: str = SITE,
                     ) -> tuple[list[Transcript], list]:
    """Parse every transcript in ``folder``; broken files are reported, not raised, and skipped.

    ``parse`` (a path and the project folder to a transcript and its warnings) may replace
    :func:`parse_transcript` with ``site_key``, e.g. by a cached parser (:mod:`pleval.inputs.cache`).

    Returns
    -------
    transcripts : list of Transcript
        The files that parsed, in path order, without duplicates of an id.
    problems : list of Problem
        Errors (files skipped) and warnings, each naming its file.
    """
    transcripts: list[Transcript] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    if parse is None:
        def parse(path: Path, root: Path) -> tuple[Transcript, list[Problem]]:
            return parse_transcript(path, root, site_key=site_key)
    for path in transcript_files(folder):
        try:
            transcript, warnings = parse(path, project_root)
        except PlevalError as error:
            problems.append(error)
            continue
        problems.extend(warnings)
        if transcript.id in seen:
            problems.append(
                DuplicateTranscriptIdError(
                    f"transcript id '{transcript.id}' is already used by {seen[transcript.id]}",
                    path=path,
                    fix="give each transcript its own id",
                )
            )
            continue
        seen[transcript.id] = transcript.path
        transcripts.append(transcript)
    return transcripts, problems
