"""survey.yaml as read and checked: the survey's name, years, scales, items and their links to codes, the sites
surveyed but not interviewed, the respondent files' column headers and the platform's role labels, in the
project's words (pleval.yaml). Reading the respondent files is :mod:`pleval.survey.data`'s."""

from __future__ import annotations

from pathlib import Path
from typing import Final, cast

from ..errors import Problem, SurveyError, SurveyWarning
from ..inputs.config import ConfigFile, Loaded
from ..inputs.digests import content_hash
from ..inputs.yamlmarks import Located
from ..schema import SITE, Codebook, Survey
from ..schema.declaration import DEFAULT_DECLARATION, Declaration, did_you_mean

#: The columns a respondent file must have besides the items, by pleval's names (survey.yaml's ``columns`` keys).
BUILT_IN: Final = ("respondent", SITE, "year", "role")
#: Columns of the responses that no respondent file holds: pleval adds them.
ADDED: Final = ("interviewed", "source", "row")


def folded(text) -> str:
    return " ".join(str(text).split()).casefold()


def column_key(header) -> str:
    """A header as pleval compares it: lower case, spaces and hyphens as '_' ("Respondent ID" -> respondent_id)."""
    return "_".join(str(header).replace("-", " ").split()).casefold()


SURVEY_FILE = ConfigFile(
    name="survey",
    error=SurveyError,
    warning=SurveyWarning,
    not_a_mapping="the survey description must be a YAML mapping with name, scales and items",
    not_a_mapping_fix="see data/survey/survey.yaml",
    parts={"items": ("item", "id"), "sites": ("site", "name"), "scales": ("scale", None)},
    missing="no survey description",
    missing_fix="create data/survey/survey.yaml describing the items and scales",
)
_problem = SURVEY_FILE.problem


def header_of(name: str, survey: Survey, declaration: Declaration) -> str:
    """The respondent file's header for one of pleval's columns (:data:`BUILT_IN`): survey.yaml's ``columns``
    says it, else the site's is its key in pleval.yaml, and the others are their own names."""
    return cast("dict[str, str]", survey.columns).get(name) or (declaration.site.key if name == SITE else name)


def _moved_keys(data: dict, located: Located, path: Path, declaration: Declaration) -> tuple[dict, list[Problem]]:
    """survey.yaml's data without the keys that went elsewhere, and a problem for each: ``population`` (ignored,
    with a warning: pleval.yaml's ``words`` name the respondents) and the sites under their plural (an error)."""
    problems: list[Problem] = []
    kept = dict(data)
    if "population" in kept:
        kept.pop("population")
        said = declaration.words.respondents.plural
        problems.append(_problem(
            f"population is no longer read from survey.yaml, so it is ignored: pleval.yaml names the respondents "
            f"('{said}')", located, ("population",), path,
            "delete it here; say who answered under 'words: respondents' in pleval.yaml", key=True, warning=True))
    plural = declaration.site.plural
    if plural != "sites" and plural in kept:
        kept.pop(plural)
        problems.append(_problem(
            f"unknown key '{plural}': the {plural} surveyed but not interviewed go under 'sites'", located,
            (plural,), path, f"rename '{plural}:' to 'sites:'", key=True))
    return kept, problems


def _declared(survey: Survey, located: Located, path: Path, declaration: Declaration) -> tuple[Survey, list[Problem]]:
    """The survey with its years written as pleval.yaml's periods are, and every problem of its years, roles and
    sites against the declaration."""
    problems: list[Problem] = []
    periods = declaration.periods
    years = []
    for i, year in enumerate(survey.years):
        try:
            years.append(periods.normalise(year))
        except ValueError as error:
            problems.append(_problem(str(error), located, ("years", i), path,
                                     f"write the {periods.title} like {period_example(declaration)}, as "
                                     "pleval.yaml's periods say"))
    role_ids = declaration.role_ids
    for label, role in survey.roles.items():
        if role_ids and role not in role_ids:
            problems.append(_problem(f"roles: '{label}' maps to '{role}', which is not one of: {', '.join(role_ids)}"
                                     f"{did_you_mean(role, role_ids)}", located, ("roles", label), path,
                                     "map the label to a role pleval.yaml declares"))
    names: set[str] = set()
    undeclared: set[str] = set()
    declared = {a.name for a in declaration.site_attributes}
    for i, site in enumerate(survey.sites):
        loc = ("sites", i)
        if folded(site.name) in names:
            problems.append(_problem(f"site '{site.name}' is listed twice", located, loc + ("name",), path,
                                     f"keep one entry per {declaration.site.singular}"))
        names.add(folded(site.name))
        for attribute in declaration.site_attributes:
            value = site.attributes.get(attribute.name)
            if value is None:
                if attribute.required:
                    problems.append(_problem(f"site '{site.name}': missing {attribute.name}, which pleval.yaml "
                                             "requires", located, loc, path, f"add '{attribute.name}: ...'"))
                continue
            wrong = attribute.check(value)
            if wrong:
                problems.append(_problem(f"site '{site.name}': {wrong}", located, loc + (attribute.name,), path,
                                         "use a value pleval.yaml lists, or add it to the attribute's values"))
        for key in site.attributes:
            if key not in declared and key not in undeclared:
                undeclared.add(key)
                problems.append(_problem(f"site '{site.name}': attribute '{key}' is not declared in pleval.yaml",
                                         located, loc + (key,), path,
                                         f"add '- name: {key}' under site_attributes in pleval.yaml", key=True,
                                         warning=True))
    return survey.model_copy(update={"years": years}), problems


def period_example(declaration: Declaration) -> str:
    """How the project writes a period: ``2023-2024`` (periods spanning two years), ``2025`` (calendar years)."""
    return "2023-2024" if declaration.periods.spans_two_years else "2025"


def _cross_check(survey: Survey, located: Located, path: Path, codebook: Codebook | None,
                 declaration: Declaration) -> list[Problem]:
    problems: list[Problem] = []
    headers = {column_key(header_of(name, survey, declaration)) for name in BUILT_IN}
    reserved = headers | set(BUILT_IN) | set(ADDED) | {column_key(c) for c in survey.ignore_columns}
    attributes = {a.name for a in declaration.site_attributes}
    attributes |= {key for site in survey.sites for key in site.attributes}
    first: dict[str, int] = {}
    for i, item in enumerate(survey.items):
        if item.id in first:
            problems.append(_problem(f"duplicate item id '{item.id}' (first used by item #{first[item.id] + 1})",
                                     located, ("items", i, "id"), path, "give each item its own id"))
        first.setdefault(item.id, i)
        if item.scale not in survey.scales:
            problems.append(_problem(f"item '{item.id}': unknown scale '{item.scale}'", located,
                                     ("items", i, "scale"), path, f"use one of: {', '.join(survey.scales)}"))
        if item.id in reserved or item.id in attributes:
            problems.append(_problem(f"item id '{item.id}' is also the name of a respondent, site, year, role, "
                                     "site attribute or ignored column", located, ("items", i, "id"), path,
                                     "rename the item"))
    mapped: dict[str, str] = {}
    for name in BUILT_IN:
        header = column_key(header_of(name, survey, declaration))
        if header in mapped:
            problems.append(_problem(f"columns: {mapped[header]} and {name} are both read from the column "
                                     f"'{header_of(name, survey, declaration)}'", located, ("columns", name), path,
                                     "give each its own column"))
        mapped.setdefault(header, name)
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


def read_survey_description(path: Path, codebook: Codebook | None = None,
                            declaration: Declaration | None = None) -> Loaded[Survey]:
    """Read and validate survey.yaml, collecting every problem with its line and column.

    Parameters
    ----------
    path : Path
        The survey description.
    codebook : Codebook, optional
        When given, each item's linked codes are checked against it.
    declaration : Declaration, optional
        The project's (pleval.yaml): how its years are written, its roles and its sites' attributes
        (default: :data:`~pleval.schema.declaration.DEFAULT_DECLARATION`, calendar years and any role).

    Returns
    -------
    Loaded
        ``value``: the description with its years normalised and its hash set, or None if any error was found;
        ``problems``: every problem, warnings too.
    """
    path = Path(path)
    declaration = declaration or DEFAULT_DECLARATION
    read = SURVEY_FILE.read(path)
    located = read.value
    if located is None:
        return Loaded(None, read.problems)
    data, moved = _moved_keys(located.data, located, path, declaration)
    survey, schema_problems = SURVEY_FILE.validate(Survey, data, located, path)
    if survey is None:
        return Loaded(None, read.problems + moved + schema_problems)
    survey, declared = _declared(survey, located, path, declaration)
    checked = Loaded(survey, read.problems + moved + declared
                     + _cross_check(survey, located, path, codebook, declaration))
    if checked.errors:
        return Loaded(None, checked.problems)
    return Loaded(survey.model_copy(update={"hash": content_hash(survey)}), checked.problems)


def linked_items(survey: Survey, code_id: str, codebook: Codebook | None = None) -> list[str]:
    """The ids of the items linked to a code, by the item's ``codes`` or the code's ``survey_items``, in
    survey.yaml's order."""
    listed = set()
    if codebook is not None and code_id in codebook.code_ids:
        listed = set(codebook.code(code_id).survey_items)
    return [item.id for item in survey.items if code_id in item.codes or item.id in listed]
