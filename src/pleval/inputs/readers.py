"""Readers turn a transcript file of any format into normalised body text plus metadata.

Formats dispatch through ``READERS`` by file extension. Every reader returns a :class:`Source`: the body text
in which speaker turns are then found (``Name: what they said``), the file line of each body line (for error
messages), the metadata with positions, and timestamps where the format has them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import (
    EmptyTranscriptError,
    FrontMatterError,
    SrtTimestampError,
    TranscriptError,
    UnknownFormatError,
    VttTimestampError,
)
from .text import decode, normalise
from .yamlmarks import Located, load_located, yaml_error_position, yaml_error_summary

SIDECAR_SUFFIX = ".meta.yaml"


@dataclass
class Source:
    """A transcript file read but not yet split into turns."""

    body: str
    line_numbers: list[int]  # 1-based file line (or .docx paragraph) of each body line
    meta: Located | None  # front matter or sidecar, None if neither exists
    meta_path: Path | None
    times: dict[int, tuple[float, float]] = field(default_factory=dict)  # body line -> (start, end) seconds
    warnings: list = field(default_factory=list)


def _load_meta(text: str, path: Path, line_offset: int) -> Located:
    try:
        located = load_located(text, line_offset=line_offset)
    except yaml.YAMLError as error:
        line, column = yaml_error_position(error, line_offset)
        raise FrontMatterError(
            f"metadata is not valid YAML: {yaml_error_summary(error)}",
            path=path,
            line=line,
            column=column,
            fix="fix the YAML syntax (indentation, quotes, colons)",
        ) from None
    if not isinstance(located.data, dict):
        raise FrontMatterError(
            "metadata must be a YAML mapping of keys (id, type, date, school, ...)",
            path=path,
            line=line_offset + 1,
            fix="write 'key: value' lines",
        )
    for loc, (line, column) in located.duplicate_keys:
        raise FrontMatterError(
            f"metadata key '{loc[-1]}' is given twice", path=path, line=line, column=column, fix="keep one"
        )
    return located


def _sidecar(path: Path) -> tuple[Located | None, Path | None, list]:
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return None, None, []
    text, warnings = decode(sidecar.read_bytes(), sidecar)
    return _load_meta(normalise(text), sidecar, 0), sidecar, warnings


def _decoded(path: Path, data: bytes) -> tuple[str, list]:
    text, warnings = decode(data, path)
    text = normalise(text)
    if not text.strip():
        raise EmptyTranscriptError("the file is empty", path=path, fix="add the transcript's text or remove the file")
    return text, warnings


FRONT_MATTER_FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


def read_plain(path: Path, data: bytes) -> Source:
    """Plain text or Markdown, with optional YAML front matter between ``---`` lines."""
    text, warnings = _decoded(path, data)
    lines = text.split("\n")
    meta, meta_path, offset = None, None, 0
    if lines and lines[0].rstrip() == "---":
        close = next((i for i in range(1, len(lines)) if FRONT_MATTER_FENCE.match(lines[i])), None)
        if close is None:
            raise FrontMatterError(
                "front matter opened with '---' is never closed",
                path=path,
                line=1,
                fix="add a line '---' after the metadata",
            )
        meta = _load_meta("\n".join(lines[1:close]), path, line_offset=1)
        meta_path = path
        offset = close + 1
    else:
        meta, meta_path, sidecar_warnings = _sidecar(path)
        warnings += sidecar_warnings
    body = "\n".join(lines[offset:])
    if not body.strip():
        raise EmptyTranscriptError(
            "the file has metadata but no transcript text", path=path, line=offset + 1, fix="add the talk"
        )
    return Source(body, list(range(offset + 1, len(lines) + 1)), meta, meta_path, warnings=warnings)


def read_docx(path: Path, data: bytes) -> Source:
    """A Word file: one body line per paragraph; metadata from the sidecar file."""
    import docx  # python-docx is only needed for .docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise TranscriptError(
            f"not a readable Word .docx file ({error})", path=path, fix="re-save it from Word as .docx"
        ) from None
    paragraphs = [normalise(p.text).replace("\n", " ") for p in document.paragraphs]
    if not any(p.strip() for p in paragraphs):
        raise EmptyTranscriptError("the document has no text", path=path, fix="add the transcript's text")
    meta, meta_path, warnings = _sidecar(path)
    return Source("\n".join(paragraphs), list(range(1, len(paragraphs) + 1)), meta, meta_path, warnings=warnings)


VTT_TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)")
VTT_TIME = re.compile(r"^(?:(\d{1,2}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
VOICE_TAG = re.compile(r"^<v(?:\.[^\s>]+)*\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
NAME_PREFIX = re.compile(r"^([^:\n]{1,60}):\s*(.*)$", re.S)


def _seconds(stamp: str) -> float | None:
    match = VTT_TIME.match(stamp)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _vtt_cues(path: Path, text: str) -> list[tuple[int, float, float, str]]:
    """(file line of the cue text, start, end, payload) for every cue, checking every timing line."""
    lines = text.split("\n")
    if not lines[0].startswith("WEBVTT"):
        raise TranscriptError(
            "a WebVTT file must start with the line 'WEBVTT'", path=path, line=1, fix="add the header line"
        )
    import webvtt  # the library does the parsing; we locate its complaints

    cues = []
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        timing = VTT_TIMING.match(line)
        start = _seconds(timing.group(1)) if timing else None
        end = _seconds(timing.group(2)) if timing else None
        if timing is None or start is None or end is None:
            raise VttTimestampError(
                f"malformed cue timing '{line.strip()}'",
                path=path,
                line=number,
                fix="write it as HH:MM:SS.mmm --> HH:MM:SS.mmm",
            )
        if end < start:
            raise VttTimestampError(
                f"cue ends ({timing.group(2)}) before it starts ({timing.group(1)})",
                path=path,
                line=number,
                fix="correct the timestamps",
            )
        cues.append((number + 1, start, end))
    try:
        parsed = webvtt.from_buffer(io.StringIO(text)).captions
    except webvtt.errors.MalformedFileError as error:  # pragma: no cover - header checked above
        raise TranscriptError(f"not a WebVTT file ({error})", path=path, line=1) from None
    if len(parsed) != len(cues):
        raise VttTimestampError(
            f"found {len(cues)} timing lines but {len(parsed)} readable cues",
            path=path,
            fix="each cue needs a timing line followed by its text and a blank line",
        )
    return [(line, start, end, cue.raw_text) for (line, start, end), cue in zip(cues, parsed, strict=True)]


def _merged_turns(path: Path, cues: list[tuple[int, float, float, str]]) -> Source:
    """Caption cues as one body line per speaker turn: a ``<v Name>`` voice tag or a ``Name:`` prefix names the
    speaker, and consecutive cues by the same speaker (or by no one) merge into one turn."""
    turns: list[list] = []  # [speaker, [texts], first line, start, end]
    for line, start, end, payload in cues:
        payload = " ".join(part.strip() for part in payload.split("\n") if part.strip())
        voice = VOICE_TAG.match(payload)
        if voice:
            speaker, said = voice.group(1).strip(), re.sub(r"</?[^>]+>", "", voice.group(2)).strip()
        else:
            prefix = NAME_PREFIX.match(payload)
            speaker, said = (prefix.group(1).strip(), prefix.group(2).strip()) if prefix else (None, payload)
        if speaker is None or (turns and turns[-1][0] == speaker):
            if not turns:
                raise TranscriptError(
                    "the first cue names no speaker", path=path, line=line, fix="start it with '<v Name>' or 'Name:'"
                )
            turns[-1][1].append(said)
            turns[-1][4] = end
        else:
            turns.append([speaker, [said], line, start, end])
    meta, meta_path, sidecar_warnings = _sidecar(path)
    body_lines: list[str] = []
    line_numbers: list[int] = []
    times: dict[int, tuple[float, float]] = {}
    for speaker, said, line, start, end in turns:
        times[len(body_lines)] = (start, end)
        body_lines.append(f"{speaker}: {' '.join(s for s in said if s)}")
        line_numbers.append(line)
    return Source("\n".join(body_lines), line_numbers, meta, meta_path, times, sidecar_warnings)


def read_vtt(path: Path, data: bytes) -> Source:
    """A WebVTT caption file as Zoom exports it; one body line per speaker turn, consecutive cues merged."""
    text, warnings = _decoded(path, data)
    source = _merged_turns(path, _vtt_cues(path, text))
    source.warnings = warnings + source.warnings
    return source


SRT_TIME = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$")
SRT_FIX = "write it as HH:MM:SS,mmm --> HH:MM:SS,mmm"


def _srt_seconds(stamp: str) -> float | None:
    match = SRT_TIME.match(stamp)
    if not match:
        return None
    hours, minutes, seconds, millis = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000


def _srt_cues(path: Path, text: str) -> list[tuple[int, float, float, str]]:
    """(file line of the cue text, start, end, payload) for every SubRip cue: an optional number line, a timing
    line, the text, a blank line. Zoom, Teams and Otter write them so, Teams with ``<v Name>`` voice tags."""
    lines = text.split("\n")
    cues = []
    number = 0
    while number < len(lines):
        if not lines[number].strip():
            number += 1
            continue
        if lines[number].strip().isdigit() and number + 1 < len(lines) and lines[number + 1].strip():
            number += 1  # the cue's sequence number
        line = lines[number]
        if "-->" not in line:
            raise SrtTimestampError(
                f"expected a cue's timing line, found '{line.strip()[:60]}'", path=path, line=number + 1,
                fix="each cue is a number, a line 'HH:MM:SS,mmm --> HH:MM:SS,mmm', its text and a blank line",
            )
        timing = VTT_TIMING.match(line.strip())
        start = _srt_seconds(timing.group(1)) if timing else None
        end = _srt_seconds(timing.group(2)) if timing else None
        if timing is None or start is None or end is None:
            raise SrtTimestampError(f"malformed cue timing '{line.strip()}'", path=path, line=number + 1,
                                    fix=SRT_FIX)
        if end < start:
            raise SrtTimestampError(f"cue ends ({timing.group(2)}) before it starts ({timing.group(1)})",
                                    path=path, line=number + 1, fix="correct the timestamps")
        first = number + 2
        number += 1
        payload = []
        while number < len(lines) and lines[number].strip():
            payload.append(lines[number])
            number += 1
        if payload:
            cues.append((first, start, end, "\n".join(payload)))
    if not cues:
        raise EmptyTranscriptError("the SubRip file has no cues", path=path, fix="add the captions' cues")
    return cues


def read_srt(path: Path, data: bytes) -> Source:
    """A SubRip (.srt) caption file as Zoom, Teams and Otter export it, read like WebVTT: one body line per
    speaker turn, consecutive cues merged."""
    text, warnings = _decoded(path, data)
    source = _merged_turns(path, _srt_cues(path, text))
    source.warnings = warnings + source.warnings
    return source


READERS = {".txt": read_plain, ".md": read_plain, ".markdown": read_plain, ".docx": read_docx, ".vtt": read_vtt,
           ".srt": read_srt}


def is_transcript_candidate(path: Path) -> bool:
    """Files in the transcripts folder that should be transcripts (sidecars and hidden files are not)."""
    name = path.name
    return path.is_file() and not name.startswith(".") and not name.endswith(SIDECAR_SUFFIX) and name != "README.md"


def read_source(path: Path) -> Source:
    """Read ``path`` with the reader its extension names."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnknownFormatError(
            f"unknown transcript format '{path.suffix or path.name}'",
            path=path,
            fix=f"known formats are {', '.join(sorted(READERS))}; convert the file or move it out of data/transcripts",
        )
    return reader(path, path.read_bytes())
