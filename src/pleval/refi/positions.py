"""Selection positions in a REFI-QDA source, turned into pleval's code-point offsets into the normalised text.

Section 10.2 of the standard counts Unicode code points from 0 in the source's text file. Tools differ: NVivo
counts UTF-16 code units (an emoji counts 2), ATLAS.ti counts CRLF as one character although its files hold
both (and, a .NET program too, may count UTF-16 units as well). The convention is chosen from the file's
``origin`` and then checked: every position must fall inside the text, not inside a character or a CRLF pair,
and the selections' ends should fall on word boundaries about as often as under any other convention. If
another convention fits clearly better, it is used and the choice reported; if none fits, the file is refused.

Positions count characters of the text as the tool wrote it, without a BOM; pleval's offsets count code points
of the normalised text (CRLF and CR turned into LF), end exclusive, as everywhere in pleval.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from ..errors import RefiError, RefiWarning
from ..inputs.text import BOM, normalise

CODE_POINTS = "code points"
UTF16_UNITS = "UTF-16 code units"
CRLF_AS_ONE = "code points with CRLF counted as one"
UTF16_CRLF_AS_ONE = "UTF-16 code units with CRLF counted as one"
CONVENTIONS = (CODE_POINTS, UTF16_UNITS, CRLF_AS_ONE, UTF16_CRLF_AS_ONE)
ASTRAL = re.compile("[\U00010000-\U0010FFFF]")
TOLERANCE = 0.1  # how much better another convention must fit before the origin's is overruled


def expected_convention(origin: str) -> str:
    """The convention the tool named in ``origin`` is known to use."""
    origin = (origin or "").lower()
    if "nvivo" in origin:
        return UTF16_UNITS
    if "atlas.ti" in origin:
        return CRLF_AS_ONE
    return CODE_POINTS


class _Units:
    """Where the characters outside the Basic Multilingual Plane are, to count a text in UTF-16 code units."""

    def __init__(self, text: str):
        astral = [match.start() for match in ASTRAL.finditer(text)]
        self.starts = [index + count for count, index in enumerate(astral)]  # where each starts, in units
        self.length = len(text) + len(astral)

    def code_point(self, position: int) -> int | None:
        if not 0 <= position <= self.length:
            return None
        before = bisect_left(self.starts, position)
        if before and self.starts[before - 1] == position - 1:
            return None  # between the two halves of a surrogate pair
        return position - before


class SourcePositions:
    """Turns positions in one source's text into offsets into its normalised text."""

    def __init__(self, raw: str):
        self.raw = raw[1:] if raw.startswith(BOM) else raw
        self.text = normalise(self.raw)
        self.removed_cr = [match.start() for match in re.finditer("\r\n", self.raw)]
        self.raw_units, self.text_units = _Units(self.raw), _Units(self.text)

    def offset(self, position: int, convention: str) -> int | None:
        """The offset into the normalised text, or None if the position cannot be a character boundary."""
        if convention in (CRLF_AS_ONE, UTF16_CRLF_AS_ONE):
            at = self.text_units.code_point(position) if convention == UTF16_CRLF_AS_ONE else position
            return at if at is not None and 0 <= at <= len(self.text) else None
        if convention == UTF16_UNITS:
            code_point = self.raw_units.code_point(position)
            if code_point is None:
                return None
            position = code_point
        elif not 0 <= position <= len(self.raw):
            return None
        if 0 < position < len(self.raw) and self.raw[position - 1] == "\r" and self.raw[position] == "\n":
            return None  # between CR and LF
        return position - bisect_left(self.removed_cr, position)

    def spans(self, selections, convention: str) -> list[tuple[int, int]] | None:
        spans = []
        for selection in selections:
            start, end = self.offset(selection.start, convention), self.offset(selection.end, convention)
            if start is None or end is None or end < start:
                return None
            spans.append((start, end))
        return spans


def word_boundary_share(text: str, spans: list[tuple[int, int]]) -> float:
    """The share of span ends that do not cut a word in two (1.0 for no spans)."""
    ends = [p for span in spans for p in span]
    if not ends:
        return 1.0
    good = sum(1 for p in ends if p in (0, len(text)) or not (text[p - 1].isalnum() and text[p].isalnum()))
    return good / len(ends)


def place_selections(source, origin: str, path) -> tuple[SourcePositions, list[tuple[int, int]], list]:
    """Offsets into the normalised text of every selection of ``source``, with any warning about the choice.

    Raises
    ------
    RefiError
        If under no convention do all the selections fall inside the text on character boundaries.
    """
    positions = SourcePositions(source.text)
    expected = expected_convention(origin)
    fitting = {}
    for convention in (expected, *[c for c in CONVENTIONS if c != expected]):
        spans = positions.spans(source.selections, convention)
        if spans is not None:
            fitting[convention] = (word_boundary_share(positions.text, spans), spans)
    if not fitting:
        bad = next(s for s in source.selections
                   if positions.offset(s.start, expected) is None or positions.offset(s.end, expected) is None
                   or s.end < s.start)
        raise RefiError(
            f"selection {bad.start}-{bad.end} in source '{source.name}' does not fit its text "
            f"({len(positions.raw)} characters), counted in {expected} or any other way tools count",
            path=path, line=bad.line, fix="export the project again; the selection or the text file is damaged")
    best = max(fitting, key=lambda c: fitting[c][0])
    if expected in fitting and fitting[expected][0] >= fitting[best][0] - TOLERANCE:
        return positions, fitting[expected][1], []
    why = ("some selections fall outside the text or inside a character" if expected not in fitting else
           f"only {fitting[expected][0]:.0%} of selection ends fall between words, against {fitting[best][0]:.0%}")
    warning = RefiWarning(
        f"source '{source.name}': positions read as {best}, not {expected} as '{origin or 'the tool'}' writes them, "
        f"because counted as {expected} {why}", path=path, line=source.line,
        fix="check a few imported codings against the text")
    return positions, fitting[best][1], [warning]
