"""Decoding and normalising text once, so that every offset means the same thing everywhere.

The normalised text is UTF-8 decoded with any BOM removed and every line ending turned into LF. Offsets are
code-point offsets into it. Nothing else in pleval decodes transcript bytes.
"""

from __future__ import annotations

import hashlib

from ..errors import DecodeError, DecodingWarning

BOM = "\ufeff"


def decode(data: bytes, path) -> tuple[str, list[DecodingWarning]]:
    """Decode a file's bytes: UTF-8 (with or without BOM), else Windows-1252 with a warning.

    Raises
    ------
    DecodeError
        When the bytes are neither, naming the line of the first bad byte.
    """
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise DecodeError(
                f"byte 0x{data[error.start]:02x} is neither UTF-8 nor Windows-1252",
                path=path,
                line=line,
                fix="save the file as UTF-8",
            ) from None
        line = data[: utf8_error.start].count(b"\n") + 1
        warning = DecodingWarning(
            "not valid UTF-8; read as Windows-1252",
            path=path,
            line=line,
            fix="save the file as UTF-8 to silence this warning",
        )
        return text, [warning]


def normalise(text: str) -> str:
    """Remove a leading BOM and turn CRLF and lone CR into LF."""
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
