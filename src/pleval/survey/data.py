"""Read and validate the survey: its description (data/survey/survey.yaml) and the respondent files beside it.

survey.yaml names the survey, its school years, its response scales (ordered levels, which of them count as
agreeing, which mean "no answer"), its items (id, wording, scale, linked codes), and optionally the schools
that were surveyed but not interviewed. Respondent files are CSV as Excel writes it (UTF-8 with or without a
BOM, or Windows-1252; CRLF or LF; comma, semicolon or tab separators, detected from the header row) or .xlsx
(the first worksheet). Row 1 is the header: ``respondent``, ``school``, ``year``, ``role`` (or the headers
that survey.yaml's ``columns`` names for them) and one column per item, holding level labels or numbers 1..k.

A school's district, region, level, locale and pathway come from the transcripts' metadata, where every
interviewed school is described, and from survey.yaml's ``schools`` for the others (survey.yaml wins where
both describe a school). A school named by neither is a warning, and its attributes are ``"unknown"``.

Every problem is reported at once, naming the file and the row as a spreadsheet numbers it (the header is
row 1). A survey with any error yields no data: figures are never computed from a survey that is half right.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..errors import Problem, SurveyError, SurveyWarning
from ..inputs.config import ConfigFile, Loaded, first_error
from ..inputs.digests import content_hash
from ..inputs.text import sha256_bytes
from ..inputs.yamlmarks import Located
from ..project import Project
from ..schema import ROLES, Codebook, Survey, SurveyScale, SurveySource, Transcript, school_year
from .tables import TABLE_READERS, read_response_table

if TYPE_CHECKING:
    import pandas as pd  # imported where tables are made: 'pleval validate' on a project without a survey needs none

REQUIRED_COLUMNS: Final = ("respondent", "school", "year", "role")  # Final: literal names, as Survey.columns keys
SCHOOL_ATTRIBUTES = ("district", "region", "school_level", "locale", "pathway")
UNKNOWN = "unknown"
SHOWN_PER_KIND = 10  # problems of one kind in one column of one file listed one by one before being summarised


@dataclass(frozen=True)
class SurveyData:
    """A validated survey and its responses.

    Attributes
    ----------
    survey : Survey
        The description from survey.yaml, with its hash set.
    responses : pandas.DataFrame
        One row per respondent and year. Columns: ``respondent``, ``school`` (the name as the transcripts'
        metadata spells it), ``year`` (``'2023-2024'``), ``role`` (a pleval role), ``district``, ``region``,
        ``school_level``, ``locale``, ``pathway`` (``"unknown"`` for a school described nowhere),
        ``interviewed`` (whether any transcript comes from the school), ``source`` (the file, relative to the
        project) and ``row`` (its spreadsheet row), then one ordered categorical column per item whose
        categories are the item's scale levels; no answer (blank, or a ``not_applicable`` answer) is missing.
    schools : pandas.DataFrame
        Every known school: ``school``, the attributes above and ``interviewed``.
    sources : tuple of SurveySource
        The respondent files read, with the sha256 of their bytes.
    warnings : tuple of Problem
        What looked unintended but did not stop the survey from being read (e.g. a school no one describes).
    """

    survey: Survey
    responses: pd.DataFrame
    schools: pd.DataFrame
    sources: tuple[SurveySource, ...]
    warnings: tuple[Problem, ...] = ()


# --- survey.yaml ---------------------------------------------------------------------------------------------


SURVEY_FILE = ConfigFile(
    name="survey",
    error=SurveyError,
    warning=SurveyWarning,
    not_a_mapping="the survey description must be a YAML mapping with name, scales and items",
    not_a_mapping_fix="see data/survey/survey.yaml",
    parts={"items": ("item", "id"), "schools": ("school", "name"), "scales": ("scale", None)},
    missing="no survey description",
    missing_fix="create data/survey/survey.yaml describing the items and scales",
)
_problem = SURVEY_FILE.problem


def _cross_check(survey: Survey, located: Located, path: Path, codebook: Codebook | None) -> list[Problem]:
    problems: list[Problem] = []
    reserved = set(REQUIRED_COLUMNS) | {column_key(c) for c in survey.columns.values()}
    reserved |= {column_key(c) for c in survey.ignore_columns}
    first: dict[str, int] = {}
    for i, item in enumerate(survey.items):
        if item.id in first:
            problems.append(_problem(f"duplicate item id '{item.id}' (first used by item #{first[item.id] + 1})",
                                     located, ("items", i, "id"), path, "give each item its own id"))
        first.setdefault(item.id, i)
        if item.scale not in survey.scales:
            problems.append(_problem(f"item '{item.id}': unknown scale '{item.scale}'", located,
                                     ("items", i, "scale"), path, f"use one of: {', '.join(survey.scales)}"))
        if item.id in reserved:
            problems.append(_problem(f"item id '{item.id}' is also the name of a respondent, school, year, role "
                                     "or ignored column", located, ("items", i, "id"), path, "rename the item"))
    names: set[str] = set()
    for i, school in enumerate(survey.schools):
        if _folded(school.name) in names:
            problems.append(_problem(f"school '{school.name}' is listed twice", located, ("schools", i, "name"),
                                     path, "keep one entry per school"))
        names.add(_folded(school.name))
    if codebook is not None:
        problems += _code_links(survey, located, path, codebook)
    return problems


def _code_links(survey: Survey, located: Located, path: Path, codebook: Codebook) -> list[Problem]:
    """Items must link existing codes, and agree with the codebook's ``survey_items`` (a warning if not)."""
    problems: list[Problem] = []
    codes = {code.id: code for code in codebook.codes}
    for i, item in enumerate(survey.items):
        for j, code_id in enumerate(item.codes):
            loc = ("items", i, "codes", j)
            if code_id not in codes:
                problems.append(_problem(f"item '{item.id}' links code '{code_id}', which is not in the codebook",
                                         located, loc, path, "name a code id from data/codebook.yaml"))
            elif item.id not in codes[code_id].survey_items:
                problems.append(_problem(
                    f"item '{item.id}' links code '{code_id}', but that code's survey_items do not list it",
                    located, loc, path, f"add {item.id} to survey_items of '{code_id}' in the codebook, or unlink it",
                    warning=True))
    defined = {item.id: item for item in survey.items}
    for code in codebook.codes:
        for item_id in code.survey_items:
            if item_id not in defined:
                problems.append(SurveyWarning(
                    f"code '{code.id}' lists survey item '{item_id}', which survey.yaml does not define",
                    path=path, fix="add the item to survey.yaml, or remove it from the code's survey_items"))
            elif code.id not in defined[item_id].codes:
                index = survey.items.index(defined[item_id])
                problems.append(_problem(
                    f"code '{code.id}' lists survey item '{item_id}', but the item does not link the code",
                    located, ("items", index, "id"), path, f"add {code.id} to the item's codes", warning=True))
    return problems


def read_survey_description(path: Path, codebook: Codebook | None = None) -> Loaded[Survey]:
    """Read and validate survey.yaml, collecting every problem with its line and column.

    Parameters
    ----------
    path : Path
        The survey description.
    codebook : Codebook, optional
        When given, each item's linked codes are checked against it.

    Returns
    -------
    Loaded
        ``value``: the description with its hash set, or None if any error was found; ``problems``: every
        problem, warnings too.
    """
    path = Path(path)
    read = SURVEY_FILE.read(path)
    located = read.value
    if located is None:
        return Loaded(None, read.problems)
    survey, schema_problems = SURVEY_FILE.validate(Survey, located.data, located, path)
    if survey is None:
        return Loaded(None, read.problems + schema_problems)
    checked = Loaded(survey, read.problems + _cross_check(survey, located, path, codebook))
    if checked.errors:
        return Loaded(None, checked.problems)
    return Loaded(survey.model_copy(update={"hash": content_hash(survey)}), checked.problems)


# --- respondent files ----------------------------------------------------------------------------------------


def _folded(text) -> str:
    return " ".join(str(text).split()).casefold()


def column_key(header) -> str:
    """A header as pleval compares it: lower case, spaces and hyphens as '_' ("Respondent ID" -> respondent_id)."""
    return "_".join(str(header).replace("-", " ").split()).casefold()


def _ranges(rows: list[int]) -> str:
    """'3-5, 9' for rows [3, 4, 5, 9]."""
    parts, start = [], None
    for i, row in enumerate(rows):
        if start is None:
            start = row
        if i + 1 == len(rows) or rows[i + 1] != row + 1:
            parts.append(str(start) if start == row else f"{start}-{row}")
            start = None
    return ", ".join(parts)


class _Problems:
    """Collects a file's row problems; past SHOWN_PER_KIND of one kind, the rest are named in one summary."""

    def __init__(self, path: Path):
        self.path = path
        self.listed: list[Problem] = []
        self.rest: dict[tuple, list[int]] = defaultdict(list)
        self.count: dict[tuple, int] = defaultdict(int)

    def add(self, kind: tuple, row: int, message: str, fix: str | None = None, column: int | None = None):
        self.count[kind] += 1
        if self.count[kind] <= SHOWN_PER_KIND:
            self.listed.append(SurveyError(f"row {row}: {message}", path=self.path, line=row, column=column, fix=fix))
        else:
            self.rest[kind].append(row)

    def all(self) -> list[Problem]:
        summaries = [
            SurveyError(f"{len(rows)} more row(s) with {kind[0]} in column '{kind[1]}': rows {_ranges(rows)}",
                        path=self.path, line=rows[0], fix="correct those rows as above")
            for kind, rows in self.rest.items()
        ]
        return self.listed + summaries


def _answer_lookup(scale: SurveyScale) -> dict[str, str | None]:
    """Every accepted answer (folded label, or number 1..k) -> its level, or None for 'no answer'."""
    lookup: dict[str, str | None] = {"": None}
    for number, level in enumerate(scale.levels, start=1):
        lookup[_folded(level)] = level
        lookup[str(number)] = level
    for label in scale.not_applicable:
        lookup[_folded(label)] = None
    return lookup


def _level(value: str, lookup: dict[str, str | None]):
    folded = _folded(value)
    if folded in lookup:
        return lookup[folded]
    try:
        number = float(folded)
    except ValueError:
        raise KeyError(value) from None
    if number.is_integer() and str(int(number)) in lookup:
        return lookup[str(int(number))]
    raise KeyError(value)


def _role(value: str, survey: Survey) -> str:
    mapped = {_folded(label): role for label, role in survey.roles.items()}
    if _folded(value) in mapped:
        return mapped[_folded(value)]
    key = column_key(value)
    if key in ROLES:
        return key
    raise KeyError(value)


def _header_columns(header: list[str], survey: Survey, path: Path):
    """Map header positions to required columns and items; problems for missing, unknown and repeated ones."""
    wanted = {column_key(survey.columns.get(name, name)): name for name in REQUIRED_COLUMNS}
    items = {item_id: item_id for item_id in survey.item_ids}
    ignored = {column_key(c) for c in survey.ignore_columns}
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, raw in enumerate(header):
        key = column_key(raw)
        name = wanted.get(key) or items.get(key)
        if key in ignored:
            continue
        if not key:
            problems.append(SurveyError(f"column {index + 1} has no header", path=path, line=1, column=index + 1,
                                        fix="name the column in row 1, or delete the column"))
        elif name is None:
            guess = difflib.get_close_matches(key, list(items) + list(wanted), n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            problems.append(SurveyError(f"unknown item column '{raw}'", path=path, line=1, column=index + 1,
                                        fix=f"{hint}name an item id from survey.yaml, or list the column under "
                                            "ignore_columns there"))
        elif name in positions:
            problems.append(SurveyError(f"column '{raw}' appears twice (columns {positions[name] + 1} and "
                                        f"{index + 1})", path=path, line=1, column=index + 1,
                                        fix="keep one of them"))
        else:
            positions[name] = index
    missing = [survey.columns.get(name, name) for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        problems.append(SurveyError(f"missing column(s): {', '.join(missing)}", path=path, line=1,
                                    fix="add them to row 1, or map your headers under columns in survey.yaml"))
    absent = [i for i in survey.item_ids if i not in positions]
    if absent and len(absent) < len(survey.item_ids):
        problems.append(SurveyWarning(f"no column for item(s) {', '.join(absent)}: their answers count as missing",
                                      path=path, line=1, fix="add the columns if the items were asked"))
    elif absent:
        problems.append(SurveyError("no column matches any item in survey.yaml", path=path, line=1,
                                    fix="name the item columns by their ids in survey.yaml"))
    return positions, problems


def _read_rows(path: Path, survey: Survey, schools: dict[str, str], project: Project, read=read_response_table):
    """One respondent file as records (one per row), with every problem in it; ``read`` reads its cells."""
    header, rows, problems = read(path)
    positions, header_problems = _header_columns(header, survey, path)
    problems += header_problems
    if any(p.severity == "error" for p in header_problems):
        return [], problems
    lookups = {item.id: _answer_lookup(survey.scales[item.scale]) for item in survey.items}
    row_problems = _Problems(path)
    unmatched: dict[str, tuple[str, list[int]]] = {}  # folded name -> (the name as first written, rows)
    records = []
    source = project.relative(path)
    for number, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        if any(cells[len(header):]):
            row_problems.add(("more cells than the header", "-"), number,
                             f"has {len(cells)} cells but the header names {len(header)} columns",
                             "delete the extra cells or name their column")
        record = {"source": source, "row": number}
        for name in REQUIRED_COLUMNS:
            value = cells[positions[name]]
            if not value:
                row_problems.add((f"no {name}", name), number, f"no {name}", f"fill in the {name}",
                                 positions[name] + 1)
            record[name] = value
        if record["year"]:
            try:
                record["year"] = school_year(record["year"])
                if survey.years and record["year"] not in survey.years:
                    raise ValueError(f"year {record['year']} is not one of survey.yaml's years "
                                     f"({', '.join(survey.years)})")
            except ValueError as error:
                row_problems.add(("a wrong year", "year"), number, str(error),
                                 "write the school year like 2023-2024, or add it to years in survey.yaml",
                                 positions["year"] + 1)
        if record["role"]:
            try:
                record["role"] = _role(record["role"], survey)
            except KeyError:
                row_problems.add(("an unknown role", "role"), number, f"unknown role '{record['role']}'",
                                 f"use one of: {', '.join(ROLES)}, or map it under roles in survey.yaml",
                                 positions["role"] + 1)
        if record["school"]:
            canonical = schools.get(_folded(record["school"]))
            if canonical is None:
                unmatched.setdefault(_folded(record["school"]), (record["school"], []))[1].append(number)
            else:
                record["school"] = canonical
        for item_id, lookup in lookups.items():
            if item_id not in positions:
                record[item_id] = None
                continue
            value = cells[positions[item_id]]
            try:
                record[item_id] = _level(value, lookup)
            except KeyError:
                scale = survey.scale_of(item_id)
                row_problems.add(("a value outside the scale", item_id), number,
                                 f"'{value}' in column '{item_id}' is not on the item's scale",
                                 f"use one of: {', '.join(scale.levels)} (or 1-{len(scale.levels)}), or leave it "
                                 "blank", positions[item_id] + 1)
        records.append(record)
    problems += row_problems.all()
    for school, numbers in unmatched.values():
        guess = difflib.get_close_matches(_folded(school), list(schools), n=1)
        hint = f"did you mean '{schools[guess[0]]}'? " if guess else ""
        problems.append(SurveyWarning(
            f"school '{school}' ({'row' if len(numbers) == 1 else 'rows'} {_ranges(numbers)}) matches no "
            "school in the transcripts' metadata or in survey.yaml's schools",
            path=path, line=numbers[0], column=positions["school"] + 1,
            fix=f"{hint}correct the name, or describe the school under schools in survey.yaml"))
    return records, problems


# --- the whole survey ----------------------------------------------------------------------------------------


def school_table(transcripts: list[Transcript], survey: Survey | None = None) -> pd.DataFrame:
    """Every known school and its attributes, from the transcripts' metadata and survey.yaml's ``schools``.

    Returns
    -------
    pandas.DataFrame
        Columns ``school``, ``district``, ``region``, ``school_level``, ``locale``, ``pathway`` and
        ``interviewed``, one row per school, sorted by name. Where several transcripts come from one school,
        the first by transcript id describes it; survey.yaml's entry wins over the transcripts'.
    """
    import pandas as pd

    schools: dict[str, dict] = {}
    for transcript in sorted(transcripts, key=lambda t: t.id):
        meta = transcript.meta
        schools.setdefault(meta.site, {"school": meta.site, **{a: meta.attributes.get(a) for a in SCHOOL_ATTRIBUTES},
                                         "interviewed": True})
    for school in survey.schools if survey else []:
        interviewed = school.name in schools
        schools[school.name] = {"school": school.name, **{a: getattr(school, a) for a in SCHOOL_ATTRIBUTES},
                                "interviewed": interviewed}
    columns = ["school", *SCHOOL_ATTRIBUTES, "interviewed"]
    return pd.DataFrame(sorted(schools.values(), key=lambda s: s["school"]), columns=columns)


def response_files(project: Project, survey: Survey) -> list[Path]:
    """The respondent files in data/survey that match the survey's ``files`` patterns, in name order."""
    folder = project.survey_dir.resolve()
    found = {path for pattern in survey.files for path in project.survey_dir.glob(pattern)
             if path.is_file() and not path.name.startswith(("~$", ".")) and path.resolve().is_relative_to(folder)}
    return sorted(found)


UNREADABLE_SPREADSHEETS = (".xls", ".ods", ".numbers")


def _unread_spreadsheets(project: Project) -> list[Problem]:
    """Spreadsheets in a format pleval does not read would otherwise be left out without a word."""
    return [SurveyWarning(f"'{path.suffix}' files are not read, so these responses are left out", path=path,
                          fix="save it as .xlsx or CSV")
            for path in sorted(project.survey_dir.iterdir()) if path.suffix.lower() in UNREADABLE_SPREADSHEETS]


def has_survey(project: Project) -> bool:
    """Whether the project has survey data: a survey.yaml, or any CSV or Excel file in data/survey."""
    folder = project.survey_dir
    return folder.is_dir() and (project.survey_path.exists()
                                or any(p.suffix.lower() in TABLE_READERS for p in folder.iterdir()))


def _responses_frame(records: list[dict], survey: Survey, schools: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    base = pd.DataFrame(records, columns=["respondent", "school", "year", "role", "source", "row", *survey.item_ids])
    attributes = schools.drop_duplicates("school").set_index("school")
    for name in (*SCHOOL_ATTRIBUTES, "interviewed"):
        default = False if name == "interviewed" else UNKNOWN
        base[name] = base["school"].map(attributes[name]).fillna(default)
    base["interviewed"] = base["interviewed"].astype(bool)
    for item in survey.items:
        levels = survey.scales[item.scale].levels
        base[item.id] = pd.Categorical(base[item.id], categories=levels, ordered=True)
    columns = ["respondent", "school", "year", "role", *SCHOOL_ATTRIBUTES, "interviewed", "source", "row",
               *survey.item_ids]
    return base[columns]


def check_survey(project: Project, *, transcripts: list[Transcript] | None = None,
                 codebook: Codebook | None = None, cached: bool = False
                 ) -> tuple[SurveyData | None, list[Problem]]:
    """Validate the survey description and every respondent file, collecting every problem.

    Parameters
    ----------
    project : Project
    transcripts : list of Transcript, optional
        The project's transcripts, whose metadata describes the schools (read from the cache if not given).
    codebook : Codebook, optional
        When given, each item's linked codes are checked against it and its codes' ``survey_items``.
    cached : bool, optional
        Reuse the cells of respondent files read before and unchanged since (:mod:`pleval.survey.cache`); every
        row is validated all the same.

    Returns
    -------
    data : SurveyData or None
        None if the project has no survey, or if any error was found.
    problems : list of Problem
        Errors and warnings, each naming the file and its line or row.
    """
    if not has_survey(project):
        return None, []
    survey, problems = read_survey_description(project.survey_path, codebook)
    if survey is None:
        return None, problems
    files = response_files(project, survey)
    problems += _unread_spreadsheets(project)
    if not files:
        return None, problems + [SurveyError(f"no respondent files match {', '.join(survey.files)}",
                                             path=project.survey_dir,
                                             fix="add the responses as .csv or .xlsx, or correct files in survey.yaml")]
    if transcripts is None:
        from ..inputs.cache import load_transcripts_cached

        transcripts, _ = load_transcripts_cached(project)  # transcript problems are 'pleval validate's to report
    schools = school_table(transcripts, survey)
    names = {_folded(name): name for name in schools["school"]}
    records, sources = [], []
    tables = None  # with the cache: its reader, saved once every file is read
    if cached:
        from .cache import CachedTables

        tables = CachedTables(project)
    read = tables if tables is not None else read_response_table
    for path in files:
        try:
            file_records, file_problems = _read_rows(path, survey, names, project, read)
        except SurveyError as error:
            file_records, file_problems = [], [error]
        records += file_records
        problems += file_problems
        sources.append(SurveySource(path=project.relative(path), sha256=sha256_bytes(path.read_bytes())))
    if tables is not None:
        tables.save()
    problems += _duplicate_respondents(records, project)
    if any(p.severity == "error" for p in problems):
        return None, problems
    responses = _responses_frame(records, survey, schools)
    return SurveyData(survey=survey, responses=responses, schools=schools, sources=tuple(sources),
                      warnings=tuple(problems)), problems


def _duplicate_respondents(records: list[dict], project: Project) -> list[Problem]:
    """A respondent may answer once per school year; a second answer in the same year is an error."""
    first: dict[tuple[str, str], dict] = {}
    problems: list[Problem] = []
    for record in records:
        key = (_folded(record["respondent"]), record["year"])
        if not key[0]:
            continue
        if key in first:
            seen = first[key]
            where = "" if seen["source"] == record["source"] else f"{seen['source']} "
            problems.append(SurveyError(
                f"row {record['row']}: respondent '{record['respondent']}' already answered in {record['year']} "
                f"({where}row {seen['row']})", path=project.root / record["source"], line=record["row"],
                fix="remove the duplicate response, or give the respondent a distinct id"))
        else:
            first[key] = record
    return problems


def load_survey(project: Project, *, transcripts: list[Transcript] | None = None) -> SurveyData:
    """Load and validate the project's survey, not reading again respondent files unchanged since they were last
    read (:mod:`pleval.survey.cache`).

    Raises
    ------
    SurveyError
        If the project has no survey, or it has any error: the first error, with a count of the others.
    """
    data, problems = check_survey(project, transcripts=transcripts, cached=True)
    if data is not None:
        return data
    raise first_error(problems, SurveyError(
        "the project has no survey", path=project.survey_dir,
        fix="add data/survey/survey.yaml and the respondent files (see the sample project)"))


def linked_items(survey: Survey, code_id: str, codebook: Codebook | None = None) -> list[str]:
    """The ids of the items linked to a code, by the item's ``codes`` or the code's ``survey_items``, in
    survey.yaml's order."""
    listed = set()
    if codebook is not None and code_id in codebook.code_ids:
        listed = set(codebook.code(code_id).survey_items)
    return [item.id for item in survey.items if code_id in item.codes or item.id in listed]
