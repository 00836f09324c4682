"""Read and validate data/briefs.yaml, reporting every problem with its line and column.

briefs.yaml holds a project-level ``evaluation`` block (name, authors, organisation, year, funders: the
"About this brief" text and the suggested citation), how briefs word each theme (``themes``: a section heading
and what participants "described"), sidebars shown in every brief, names to de-identify that no metadata lists
(``redact``), and the ``briefs``: id, title, subtitle, themes (code ids), filters and optional hand-written text.

A brief's ``filters`` map a site attribute, the site, ``role`` or ``year`` to the values it keeps
(``{state: [Oregon], year: [2025]}``), checked against the project's declaration (pleval.yaml): an unknown name
or a value outside a declared list is an error with "did you mean", a value no transcript has a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..errors import BriefError, BriefWarning, PlevalError, Problem
from ..inputs.config import ConfigFile, first_error
from ..inputs.declaration import check_declaration
from ..inputs.digests import content_hash
from ..inputs.yamlmarks import Located
from ..project import Project
from ..schema import SITE as SITE_NAME
from ..schema import BriefsFile, BriefSpec, Codebook, Filters, Transcript
from ..schema.declaration import Declaration, did_you_mean

BRIEFS_FILE = ConfigFile(
    name="briefs.yaml",
    error=BriefError,
    warning=BriefWarning,
    not_a_mapping="briefs.yaml must be a YAML mapping with evaluation and briefs",
    not_a_mapping_fix="see the sample project's data/briefs.yaml",
    parts={"briefs": ("brief", "id"), "themes": ("theme", None)},
)
_problem = BRIEFS_FILE.problem


#: What a filter may name besides the site's attributes: the site (under its declared key too), a participant's
#: role, the period.
SITE, ROLE, YEAR = SITE_NAME, "role", "year"


def select_transcripts(transcripts: list[Transcript], filters: Filters, declaration: Declaration
                       ) -> list[Transcript]:
    """The transcripts a brief's filters select, in the order given: each filter keeps the transcripts whose
    metadata has one of its values (``year``: the period of the date, ``role``: a participant's role)."""
    active = filters.active()
    return [t for t in transcripts if all(_keeps(t, name, values, declaration) for name, values in active.items())]


def _keeps(transcript: Transcript, name: str, values: tuple[str, ...], declaration: Declaration) -> bool:
    meta = transcript.meta
    if name == YEAR:
        return declaration.periods.of(meta.date) in values
    if name == ROLE:
        return any(p.role in values for p in meta.participants)
    return declaration.value(meta, name) in values


class FilterProblem(NamedTuple):
    """What is wrong with a brief's filter: where (its name, and the value's index), what, and how to fix it."""

    loc: tuple[str | int, ...]
    message: str
    fix: str
    warning: bool = False


def check_filters(filters: Filters, declaration: Declaration, transcripts: list[Transcript] | None = None
                  ) -> tuple[Filters, list[FilterProblem]]:
    """A brief's filters against the project's declaration: the filters as the project names things (the site
    under ``site``, periods normalised: ``2023-24`` -> ``2023-2024``) and what is wrong with them.

    A name that is no site attribute (declared, or in some transcript's metadata), site, role or year is an error,
    with "did you mean"; so is a value outside a declared attribute's values or roles, or a period written
    unlike the project's. A value no transcript has is a warning.
    """
    site_key = declaration.site.key
    present = {name for t in transcripts or [] for name in t.meta.attributes}
    names = [*dict.fromkeys([*(a.name for a in declaration.site_attributes), *sorted(present), SITE, site_key,
                             ROLE, YEAR])]
    known: dict[str, set[str]] = {}  # name -> the values the transcripts have, when they are given
    kept: dict[str, tuple[str, ...]] = {}
    problems: list[FilterProblem] = []
    for name, values in filters.given.items():
        if name not in names:
            problems.append(FilterProblem((name,), f"unknown filter '{name}'{did_you_mean(name, names)}",
                                          f"filter by one of: {', '.join(names)}"))
            continue
        built_in = declaration.name_of(name)
        if built_in in kept:
            problems.append(FilterProblem((name,), f"filter '{name}' is given twice (as '{site_key}' and "
                                          f"'{SITE}')", "keep one"))
            continue
        attribute = declaration.site_attribute(name)
        normalised: list[str] = []
        for j, value in enumerate(values):
            wrong: str | None = None
            fix = ""
            if built_in == YEAR:
                example = "2023-2024" if declaration.periods.spans_two_years else "2025"
                fix = f"write the {declaration.periods.title} as pleval.yaml's periods are, like {example}"
                try:
                    value = declaration.periods.normalise(value)
                except ValueError as error:
                    wrong = str(error)
            elif built_in == ROLE:
                fix = "use a role pleval.yaml declares, or declare this one under roles"
                wrong = declaration.check_role(value)
            elif attribute is not None:
                fix = "use a value pleval.yaml lists, or add it to the attribute's values"
                wrong = attribute.check(value)
            if wrong:
                problems.append(FilterProblem((name, j), wrong, fix))
                continue
            normalised.append(value)
            if transcripts is None:
                continue
            if built_in not in known:
                known[built_in] = _values_of(transcripts, built_in, declaration)
            if value not in known[built_in]:
                choices = sorted(known[built_in])
                problems.append(FilterProblem(
                    (name, j), f"no transcript has {name} '{value}'{did_you_mean(value, choices)}",
                    f"use one of: {', '.join(choices)}" if choices else f"no transcript gives a {name}",
                    warning=True))
        kept[built_in] = tuple(normalised)
    return Filters.model_validate(kept), problems


def _values_of(transcripts: list[Transcript], name: str, declaration: Declaration) -> set[str]:
    """Every value the transcripts have for a filter's (built-in) name."""
    if name == YEAR:
        found = {declaration.periods.of(t.meta.date) for t in transcripts}
    elif name == ROLE:
        found = {p.role for t in transcripts for p in t.meta.participants}
    else:
        found = {t.meta.value(name) for t in transcripts}
    return {value for value in found if value is not None}


def _cross_check(briefs: BriefsFile, specs: list[BriefSpec | None], located: Located, path: Path,
                 codebook: Codebook | None) -> list[tuple[int | None, Problem]]:
    """Problems across the file, each with the index of the brief it breaks (None: a shared block's)."""
    found: list[tuple[int | None, Problem]] = []
    code_ids = set(codebook.code_ids) if codebook is not None else set()
    if codebook is not None:
        for code_id in briefs.themes:
            if code_id not in code_ids:
                found.append((None, _problem(f"themes: '{code_id}' is not a code in the codebook", located,
                                             ("themes", code_id), path, "name a code id from data/codebook.yaml",
                                             key=True)))
    first: dict[str, int] = {}
    for i, spec in enumerate(specs):
        if spec is None:
            continue
        name = f"brief '{spec.id}'"
        if spec.id in first:
            found.append((i, _problem(f"duplicate brief id '{spec.id}' (first used by brief #{first[spec.id] + 1})",
                                      located, ("briefs", i, "id"), path, "give each brief its own id")))
        first.setdefault(spec.id, i)
        seen_themes: set[str] = set()
        for j, code_id in enumerate(spec.themes):
            if code_id in seen_themes:
                found.append((i, _problem(f"{name}: theme '{code_id}' is listed twice", located,
                                          ("briefs", i, "themes", j), path, "list each theme once")))
            seen_themes.add(code_id)
            if codebook is not None and code_id not in code_ids:
                found.append((i, _problem(f"{name}: theme '{code_id}' is not a code in the codebook", located,
                                          ("briefs", i, "themes", j), path,
                                          f"use one of: {', '.join(codebook.code_ids)}")))
        for code_id in spec.text.themes:
            if code_id not in spec.themes:
                found.append((i, _problem(f"{name}: text for theme '{code_id}', which the brief does not cover",
                                          located, ("briefs", i, "text", "themes", code_id), path,
                                          "add the theme to the brief's themes, or remove the text", key=True)))
    return found


def _example_problems(specs: list[BriefSpec | None], located: Located, path: Path,
                      transcripts: list[Transcript] | None) -> list[tuple[int | None, Problem]]:
    """Hand-written examples (``text: examples:``) keyed by something that is no turn of the project's transcripts:
    a warning, since the text is then never shown."""
    if not transcripts:
        return []
    turns = {f"{t.id}:t{turn.index:03d}" for t in transcripts for turn in t.turns}
    found: list[tuple[int | None, Problem]] = []
    for i, spec in enumerate(specs):
        if spec is None:
            continue
        for key in spec.text.examples:
            if key not in turns:
                found.append((i, _problem(
                    f"brief '{spec.id}': text for example '{key}', which is no turn of the project's transcripts"
                    f"{did_you_mean(key, sorted(turns))}", located, ("briefs", i, "text", "examples", key), path,
                    "name the quoted turn as <transcript id>:t<turn number, 3 digits>", key=True, warning=True)))
    return found


def _checked_filters(spec: BriefSpec, index: int, declaration: Declaration, transcripts: list[Transcript] | None,
                     located: Located, path: Path) -> tuple[BriefSpec, list[Problem]]:
    """The brief with its filters as the project names things, and what is wrong with them, placed in the file."""
    filters, found = check_filters(spec.filters, declaration, transcripts)
    problems = [_problem(f"brief '{spec.id}': {p.message}", located, ("briefs", index, "filters", *p.loc), path,
                         p.fix, key=len(p.loc) == 1, warning=p.warning) for p in found]
    if transcripts and not any(not p.warning for p in found) and not select_transcripts(transcripts, filters,
                                                                                         declaration):
        problems.append(_problem(f"brief '{spec.id}': its filters select no transcript", located,
                                 ("briefs", index, "filters"), path, "loosen the filters", warning=True))
    return spec.model_copy(update={"filters": filters}), problems


def _redact_problems(briefs: BriefsFile, project: Project, located: Located, path: Path
                     ) -> list[tuple[int | None, Problem]]:
    """``redact`` keys naming no place pleval.yaml declares (a broken pleval.yaml is reported on its own)."""
    declaration = check_declaration(project).value
    if declaration is None:
        return []
    return [(None, _problem(message, located, ("redact", key), path, fix, key=True))
            for key, message, fix in briefs.redact.undeclared(declaration.redaction.places)]


@dataclass
class BriefsCheck:
    """briefs.yaml checked: the usable briefs, every problem, and the briefs that are broken with their first
    error (so the other briefs can still be drafted)."""

    briefs: BriefsFile | None
    problems: list[Problem] = field(default_factory=list)
    broken: dict[str, PlevalError] = field(default_factory=dict)
    declared: list[str] = field(default_factory=list)  # every brief id in the file's order, broken or not


def check_briefs(project: Project, *, codebook: Codebook | None = None,
                 transcripts: list[Transcript] | None = None) -> BriefsCheck:
    """Validate data/briefs.yaml, collecting every problem with its line and column.

    A problem in the file's shared blocks (evaluation, themes, sidebars, redact) or its YAML leaves no usable
    briefs; a problem inside one brief breaks only that brief.

    Parameters
    ----------
    project : Project
    codebook : Codebook, optional
        When given, every theme must be one of its codes.
    transcripts : list of Transcript, optional
        When given, a filter's name may be any attribute their metadata has, and a value none of them has is a
        warning (so are filters selecting none of them).

    Returns
    -------
    BriefsCheck
        ``briefs`` is None if the project has no briefs.yaml or its shared blocks are invalid; otherwise it
        holds the valid briefs, and ``broken`` maps each invalid brief's id to its first error.
    """
    path = project.briefs_path
    read = BRIEFS_FILE.read(path)
    located = read.value
    if located is None:
        return BriefsCheck(None, read.problems)
    problems = read.problems
    raw = located.data.get("briefs")
    entries = raw if isinstance(raw, list) else []
    if not entries:
        problems.append(_problem("briefs.yaml declares no briefs", located, ("briefs",), path,
                                 "add a 'briefs' list with one entry per brief (id, title, themes)"))
    shared, shared_problems = BRIEFS_FILE.validate(
        BriefsFile, {**{k: v for k, v in located.data.items() if k != "briefs"}, "briefs": []}, located, path)
    problems += shared_problems
    specs: list[BriefSpec | None] = []
    names: list[str] = []
    broken: dict[str, PlevalError] = {}
    declaration = check_declaration(project).value  # None when pleval.yaml is broken (validate says so)
    for i, entry in enumerate(entries):
        name = str(entry.get("id")) if isinstance(entry, dict) and entry.get("id") else f"#{i + 1}"
        names.append(name)
        spec, found = BRIEFS_FILE.validate(BriefSpec, entry, located, path, prefix=("briefs", i))
        if spec is not None and declaration is not None:
            spec, found = _checked_filters(spec, i, declaration, transcripts, located, path)
        problems += found
        errors = [p for p in found if isinstance(p, PlevalError)]
        if errors:
            broken.setdefault(name, errors[0])
        specs.append(spec)
    if shared is None:
        return BriefsCheck(None, problems, broken, names)
    briefs = shared.model_copy(update={"briefs": [spec for spec in specs if spec is not None]})
    for index, problem in [*_cross_check(briefs, specs, located, path, codebook),
                           *_example_problems(specs, located, path, transcripts),
                           *_redact_problems(briefs, project, located, path)]:
        problems.append(problem)
        if not isinstance(problem, PlevalError):
            continue
        if index is None:
            return BriefsCheck(None, problems, broken, names)  # a shared block is wrong: no brief can be trusted
        broken.setdefault(names[index], problem)
    kept = [spec for spec in briefs.briefs if spec.id not in broken]
    briefs = briefs.model_copy(update={"briefs": kept})
    briefs = briefs.model_copy(update={"hash": content_hash(briefs)})
    return BriefsCheck(briefs, problems, broken, list(dict.fromkeys(names)))


def load_briefs(project: Project, *, codebook: Codebook | None = None,
                transcripts: list[Transcript] | None = None) -> BriefsCheck:
    """Load briefs.yaml for drafting: the valid briefs, and the broken ones with their errors.

    Raises
    ------
    BriefError
        If the project has no briefs.yaml, or its YAML or shared blocks are invalid (no brief can be drafted):
        the first error, with a count of the others.
    """
    check = check_briefs(project, codebook=codebook, transcripts=transcripts)
    if check.briefs is not None:
        return check
    raise first_error(check.problems, BriefError("the project has no briefs.yaml", path=project.briefs_path,
                                                 fix="declare briefs in data/briefs.yaml, as the sample project does"))
