"""Read and validate the survey: its description (data/survey/survey.yaml) and the respondent files beside it.

survey.yaml names the survey, its years (written as pleval.yaml's ``periods`` are: ``2023-2024`` for periods
spanning two years, ``2025`` for calendar years), its response scales (ordered levels, which of them count as
agreeing, which mean "no answer"), its items (id, wording, scale, linked codes), and optionally the sites that
were surveyed but not interviewed (``sites``). Respondent files are CSV as Excel writes it (UTF-8 with or without
a BOM, or Windows-1252; CRLF or LF; comma, semicolon or tab separators, detected from the header row) or .xlsx
(the first worksheet). Row 1 is the header: a respondent, site, year and role column and one column per item,
holding level labels or numbers 1..k. The four columns are headed ``respondent``, the site's key in pleval.yaml
(``site`` unless it declares another), ``year`` and ``role`` unless survey.yaml's ``columns`` names other
headers for them.

A site's attributes come from the transcripts' metadata, where every interviewed site is described, and from
survey.yaml's ``sites`` for the others (survey.yaml wins where both describe a site). A site named by neither is
a warning, and its attributes are ``"unknown"``. Roles are pleval.yaml's (any role when it declares none), or a
survey platform's labels mapped to them under ``roles``.

Every problem is reported at once, naming the file and the row as a spreadsheet numbers it (the header is
row 1). A survey with any error yields no data: figures are never computed from a survey that is half right.

survey.yaml itself is read by :mod:`pleval.survey.description`; this module reads the respondent files and
puts the whole survey together.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, SurveyError, SurveyWarning
from ..inputs.config import first_error
from ..inputs.declaration import check_declaration, project_declaration
from ..inputs.text import sha256_bytes
from ..project import Project
from ..schema import SITE, Codebook, Survey, SurveyScale, SurveySource, Transcript
from ..schema.declaration import DEFAULT_DECLARATION, Declaration, did_you_mean
from .description import ADDED, BUILT_IN, column_key, folded, header_of, period_example, read_survey_description
from .tables import TABLE_READERS, read_response_table

if TYPE_CHECKING:
    import pandas as pd  # imported where tables are made: 'pleval validate' on a project without a survey needs none

UNKNOWN = "unknown"
SHOWN_PER_KIND = 10  # problems of one kind in one column of one file listed one by one before being summarised


@dataclass(frozen=True)
class SurveyData:
    """A validated survey and its responses.

    Attributes
    ----------
    survey : Survey
        The description from survey.yaml, with its years normalised and its hash set.
    responses : pandas.DataFrame
        One row per respondent and year. Columns: ``respondent``, ``site`` (the name as the transcripts'
        metadata spells it), ``year`` (the period as pleval.yaml's ``periods`` names it: ``'2023-2024'``,
        ``'2025'``), ``role`` (a role id), one column per site attribute (those pleval.yaml declares, in its
        order, then any other the metadata or survey.yaml gives; ``"unknown"`` where a site's is not known),
        ``interviewed`` (whether any transcript comes from the site), ``source`` (the file, relative to the
        project) and ``row`` (its spreadsheet row), then one ordered categorical column per item whose
        categories are the item's scale levels; no answer (blank, or a ``not_applicable`` answer) is missing.
    sites : pandas.DataFrame
        Every known site: ``site``, the attributes above and ``interviewed``.
    sources : tuple of SurveySource
        The respondent files read, with the sha256 of their bytes.
    declaration : Declaration
        The project's declaration (pleval.yaml), whose words, roles, attributes and periods the survey speaks.
    warnings : tuple of Problem
        What looked unintended but did not stop the survey from being read (e.g. a site no one describes).
    """

    survey: Survey
    responses: pd.DataFrame
    sites: pd.DataFrame
    sources: tuple[SurveySource, ...]
    declaration: Declaration = DEFAULT_DECLARATION
    warnings: tuple[Problem, ...] = ()

    @property
    def site_attributes(self) -> tuple[str, ...]:
        """The names of the site attribute columns of ``responses``, in their order."""
        return tuple(c for c in self.sites.columns if c not in (SITE, "interviewed"))


# --- respondent files ----------------------------------------------------------------------------------------


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
        lookup[folded(level)] = level
        lookup[str(number)] = level
    for label in scale.not_applicable:
        lookup[folded(label)] = None
    return lookup


def _level(value: str, lookup: dict[str, str | None]):
    key = folded(value)
    if key in lookup:
        return lookup[key]
    try:
        number = float(key)
    except ValueError:
        raise KeyError(value) from None
    if number.is_integer() and str(int(number)) in lookup:
        return lookup[str(int(number))]
    raise KeyError(value)


def _role(value: str, survey: Survey, declaration: Declaration) -> str:
    """The role id of a role cell: a label mapped under survey.yaml's ``roles``, or a role id written as words
    ("Program officer"); any such id when pleval.yaml declares no roles.

    Raises
    ------
    KeyError
        If pleval.yaml declares roles and the cell names none of them.
    """
    mapped = {folded(label): role for label, role in survey.roles.items()}
    if folded(value) in mapped:
        return mapped[folded(value)]
    key = column_key(value)
    if not declaration.roles or key in declaration.role_ids:
        return key
    raise KeyError(value)


def _header_columns(header: list[str], survey: Survey, declaration: Declaration, path: Path):
    """Map header positions to pleval's columns and items; problems for missing, unknown and repeated ones."""
    wanted = {column_key(header_of(name, survey, declaration)): name for name in BUILT_IN}
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
    missing = [header_of(name, survey, declaration) for name in BUILT_IN if name not in positions]
    if missing:
        problems.append(SurveyError(f"missing column(s): {', '.join(missing)}", path=path, line=1,
                                    fix="add them to row 1, or name your headers under columns in survey.yaml "
                                        "(columns: {site: YOUR HEADER})"))
    absent = [i for i in survey.item_ids if i not in positions]
    if absent and len(absent) < len(survey.item_ids):
        problems.append(SurveyWarning(f"no column for item(s) {', '.join(absent)}: their answers count as missing",
                                      path=path, line=1, fix="add the columns if the items were asked"))
    elif absent:
        problems.append(SurveyError("no column matches any item in survey.yaml", path=path, line=1,
                                    fix="name the item columns by their ids in survey.yaml"))
    return positions, problems


def _read_rows(path: Path, survey: Survey, declaration: Declaration, sites: dict[str, str], project: Project,
               read=read_response_table):
    """One respondent file as records (one per row), with every problem in it; ``sites`` maps each known site's
    folded name to its name, and ``read`` reads the file's cells."""
    header, rows, problems = read(path)
    positions, header_problems = _header_columns(header, survey, declaration, path)
    problems += header_problems
    if any(p.severity == "error" for p in header_problems):
        return [], problems
    lookups = {item.id: _answer_lookup(survey.scales[item.scale]) for item in survey.items}
    headers = {name: header_of(name, survey, declaration) for name in BUILT_IN}
    periods, site_word, role_ids = declaration.periods, declaration.site.singular, declaration.role_ids
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
        record: dict[str, Any] = {"source": source, "row": number}
        for name in BUILT_IN:
            value = cells[positions[name]]
            if not value:
                row_problems.add((f"no {headers[name]}", headers[name]), number, f"no {headers[name]}",
                                 f"fill in the {headers[name]}", positions[name] + 1)
            record[name] = value
        if record["year"]:
            try:
                record["year"] = periods.normalise(record["year"])
                if survey.years and record["year"] not in survey.years:
                    raise ValueError(f"year {record['year']} is not one of survey.yaml's years "
                                     f"({', '.join(survey.years)})")
            except ValueError as error:
                row_problems.add(("a wrong year", headers["year"]), number, str(error),
                                 f"write the {periods.title} like {period_example(declaration)}, or add it to "
                                 "years in survey.yaml", positions["year"] + 1)
        if record["role"]:
            try:
                record["role"] = _role(record["role"], survey, declaration)
            except KeyError:
                row_problems.add(("an unknown role", headers["role"]), number,
                                 f"unknown role '{record['role']}'{did_you_mean(column_key(record['role']), role_ids)}",
                                 f"use one of: {', '.join(role_ids)}, or map it under roles in survey.yaml",
                                 positions["role"] + 1)
        if record[SITE]:
            canonical = sites.get(folded(record[SITE]))
            if canonical is None:
                unmatched.setdefault(folded(record[SITE]), (record[SITE], []))[1].append(number)
            else:
                record[SITE] = canonical
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
    for site, numbers in unmatched.values():
        guess = difflib.get_close_matches(folded(site), list(sites), n=1)
        hint = f"did you mean '{sites[guess[0]]}'? " if guess else ""
        problems.append(SurveyWarning(
            f"{site_word} '{site}' ({'row' if len(numbers) == 1 else 'rows'} {_ranges(numbers)}) matches no "
            f"{site_word} in the transcripts' metadata or in survey.yaml's sites",
            path=path, line=numbers[0], column=positions[SITE] + 1,
            fix=f"{hint}correct the name, or describe the {site_word} under sites in survey.yaml"))
    return records, problems


# --- the whole survey ----------------------------------------------------------------------------------------


def site_attribute_names(declaration: Declaration, found: Iterable[str] = ()) -> tuple[str, ...]:
    """The site attributes the responses carry: those pleval.yaml declares, in its order, then any other ``found``
    in the metadata or survey.yaml, by name. A name that is already a column of the responses is left out."""
    names = [a.name for a in declaration.site_attributes]
    names += sorted(set(found) - set(names))
    return tuple(n for n in names if n not in (*BUILT_IN, *ADDED))


def site_table(transcripts: list[Transcript], survey: Survey | None = None,
               declaration: Declaration | None = None) -> pd.DataFrame:
    """Every known site and its attributes, from the transcripts' metadata and survey.yaml's ``sites``.

    Returns
    -------
    pandas.DataFrame
        Columns ``site``, one per site attribute (:func:`site_attribute_names`) and ``interviewed``, one row per
        site, sorted by name. Where several transcripts come from one site, the first by transcript id
        describes it; survey.yaml's entry wins over the transcripts'. A transcript that names no site adds none.
    """
    import pandas as pd

    declaration = declaration or DEFAULT_DECLARATION
    sites: dict[str, dict[str, Any]] = {}
    for transcript in sorted(transcripts, key=lambda t: t.id):
        meta = transcript.meta
        if meta.site is not None:
            sites.setdefault(meta.site, {SITE: meta.site, **meta.attributes, "interviewed": True})
    for site in survey.sites if survey else []:
        sites[site.name] = {SITE: site.name, **site.attributes, "interviewed": site.name in sites}
    found = {key for described in sites.values() for key in described if key not in (SITE, "interviewed")}
    columns = [SITE, *site_attribute_names(declaration, found), "interviewed"]
    rows = [{column: described.get(column) for column in columns}
            for described in sorted(sites.values(), key=lambda s: s[SITE])]
    return pd.DataFrame(rows, columns=columns)


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


def _responses_frame(records: list[dict], survey: Survey, sites: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    base = pd.DataFrame(records, columns=[*BUILT_IN, "source", "row", *survey.item_ids])
    attributes = sites.drop_duplicates(SITE).set_index(SITE)
    names = [c for c in sites.columns if c not in (SITE, "interviewed")]
    for name in (*names, "interviewed"):
        default = False if name == "interviewed" else UNKNOWN
        base[name] = base[SITE].map(attributes[name]).astype(object).fillna(default)
    base["interviewed"] = base["interviewed"].astype(bool)
    for item in survey.items:
        levels = survey.scales[item.scale].levels
        base[item.id] = pd.Categorical(base[item.id], categories=levels, ordered=True)
    return base[[*BUILT_IN, *names, *ADDED, *survey.item_ids]]


def check_survey(project: Project, *, transcripts: list[Transcript] | None = None,
                 codebook: Codebook | None = None, cached: bool = False
                 ) -> tuple[SurveyData | None, list[Problem]]:
    """Validate the survey description and every respondent file, collecting every problem.

    Parameters
    ----------
    project : Project
    transcripts : list of Transcript, optional
        The project's transcripts, whose metadata describes the sites (read from the cache if not given).
    codebook : Codebook, optional
        When given, each item's linked codes are checked against it and its codes' ``survey_items``.
    cached : bool, optional
        Reuse the cells of respondent files read before and unchanged since (:mod:`pleval.survey.cache`); every
        row is validated all the same.

    Returns
    -------
    data : SurveyData or None
        None if the project has no survey, if any error was found, or if pleval.yaml has an error (a warning
        says so: the survey is read in its words).
    problems : list of Problem
        Errors and warnings, each naming the file and its line or row.
    """
    if not has_survey(project):
        return None, []
    declaration = check_declaration(project).value
    if declaration is None:  # its errors are pleval.yaml's to report ('pleval validate' lists them)
        return None, [SurveyWarning("the survey is not checked while pleval.yaml has errors",
                                    path=project.survey_path, fix="correct pleval.yaml, then validate again")]
    survey, problems = read_survey_description(project.survey_path, codebook, declaration)
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
    sites = site_table(transcripts, survey, declaration)
    problems += [SurveyError(f"item id '{name}' is also the name of a site attribute in the transcripts' metadata",
                             path=project.survey_path, fix="rename the item")
                 for name in survey.item_ids if name in sites.columns]
    names = {folded(name): name for name in sites[SITE]}
    records, sources = [], []
    tables = None  # with the cache: its reader, saved once every file is read
    if cached:
        from .cache import CachedTables

        tables = CachedTables(project)
    read = tables if tables is not None else read_response_table
    for path in files:
        try:
            file_records, file_problems = _read_rows(path, survey, declaration, names, project, read)
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
    responses = _responses_frame(records, survey, sites)
    return SurveyData(survey=survey, responses=responses, sites=sites, sources=tuple(sources),
                      declaration=declaration, warnings=tuple(problems)), problems


def _duplicate_respondents(records: list[dict], project: Project) -> list[Problem]:
    """A respondent may answer once per period; a second answer in the same one is an error."""
    first: dict[tuple[str, str], dict] = {}
    problems: list[Problem] = []
    for record in records:
        key = (folded(record["respondent"]), record["year"])
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
    DeclarationError
        If pleval.yaml has an error.
    SurveyError
        If the project has no survey, or it has any error: the first error, with a count of the others.
    """
    project_declaration(project)  # a broken pleval.yaml is the error to report, not the survey's
    data, problems = check_survey(project, transcripts=transcripts, cached=True)
    if data is not None:
        return data
    raise first_error(problems, SurveyError(
        "the project has no survey", path=project.survey_dir,
        fix="add data/survey/survey.yaml and the respondent files (see the sample project)"))
