"""Respondent files as text cells with the row numbers a spreadsheet shows: CSV as Excel writes it, and .xlsx.

CSV: UTF-8 with or without a BOM (Windows-1252 with a warning), CRLF or LF, and comma, semicolon or tab
separators, detected from the header row. .xlsx: the first worksheet. Row 1 is the header.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import Problem, SurveyError
from ..inputs.text import decode, normalise


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split())


def _delimiter(first_line: str) -> str:
    """The separator Excel used: whichever of ; , or tab appears most in the header, outside quotes."""
    outside, quoted = [], False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> tuple[list[list[str]], list[Problem]]:
    text, warnings = decode(path.read_bytes(), path)
    text = normalise(text)
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        records = [[_cell_text(cell) for cell in record] for record in reader]
    except csv.Error as error:
        raise SurveyError(f"not a readable CSV table ({error})", path=path, line=reader.line_num,
                          fix="check the quotes on that line, or save the file again from the spreadsheet") from None
    return records, list(warnings)


def _read_xlsx(path: Path) -> tuple[list[list[str]], list[Problem]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=False, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as error:
        raise SurveyError(f"not a readable .xlsx workbook ({error})", path=path,
                          fix="save it again from the spreadsheet as .xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        records = [[_cell_text(v) for v in row] for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()
    return records, []


TABLE_READERS = {".csv": _read_csv, ".txt": _read_csv, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx}


def read_response_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """Read a respondent file as text cells, keeping each row's spreadsheet number.

    Returns
    -------
    header : list of str
        Row 1, as written.
    rows : list of (int, list of str)
        Every non-blank row after the header with its number (the header is row 1, as a spreadsheet shows it).
    warnings : list of Problem
        E.g. a file read as Windows-1252.

    Raises
    ------
    SurveyError
        If the file's extension is not a known table format, or the file cannot be read as one.
    """
    path = Path(path)
    reader = TABLE_READERS.get(path.suffix.lower())
    if reader is None:
        raise SurveyError(f"cannot read '{path.suffix}' respondent files", path=path,
                          fix=f"save it as one of: {', '.join(TABLE_READERS)}")
    records, warnings = reader(path)
    if not records or not any(records[0]):
        raise SurveyError("row 1 should be the header (the respondent, site, year and role columns and one column "
                          "per item)", path=path, line=1, fix="put the column names in the first row")
    header = records[0]
    while header and not header[-1]:
        header = header[:-1]
    rows = [(number, record) for number, record in enumerate(records[1:], start=2) if any(record)]
    return header, rows, warnings
