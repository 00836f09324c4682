"""Read and validate data/briefs.yaml, reporting every problem with its line and column.

briefs.yaml holds a project-level ``evaluation`` block (name, authors, organisation, year, funders: the
"About this brief" text and the suggested citation), how briefs word each theme (``themes``: a section heading
and what educators "described"), sidebars shown in every brief, names to de-identify that no metadata lists
(``redact``), and the ``briefs``: id, title, subtitle, themes (code ids), filters (pathway, year, regions,
levels) and optional hand-written text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefError, BriefWarning, PlevalError, Problem
from ..inputs.config import ConfigFile, first_error
from ..inputs.declaration import check_declaration
from ..inputs.digests import content_hash
from ..inputs.yamlmarks import Located
from ..project import Project
from ..schema import BriefFilters, BriefsFile, BriefSpec, Codebook, Transcript, school_year

BRIEFS_FILE = ConfigFile(
    name="briefs.yaml",
    error=BriefError,
    warning=BriefWarning,
    not_a_mapping="briefs.yaml must be a YAML mapping with evaluation and briefs",
    not_a_mapping_fix="see the sample project's data/briefs.yaml",
    parts={"briefs": ("brief", "id"), "themes": ("theme", None)},
)
_problem = BRIEFS_FILE.problem


def transcript_school_year(transcript: Transcript) -> str:
    """The school year an interview belongs to: from July on, the year that starts that summer."""
    date: dt.date = transcript.meta.date
    first = date.year if date.month >= 7 else date.year - 1
    return school_year(f"{first}-{first + 1}")


def select_transcripts(transcripts: list[Transcript], filters: BriefFilters) -> list[Transcript]:
    """The transcripts a brief's filters select, in the order given."""
    return [
        t for t in transcripts
        if (not filters.pathways or t.meta.attributes.get("pathway") in filters.pathways)
        and (not filters.years or transcript_school_year(t) in filters.years)
        and (not filters.regions or t.meta.attributes.get("region") in filters.regions)
        and (not filters.levels or t.meta.attributes.get("school_level") in filters.levels)
    ]


def _cross_check(briefs: BriefsFile, specs: list[BriefSpec | None], located: Located, path: Path,
                 codebook: Codebook | None, transcripts: list[Transcript] | None
                 ) -> list[tuple[int | None, Problem]]:
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
        if transcripts is not None:
            found += [(i, problem) for problem in _filter_problems(spec, i, transcripts, located, path)]
    return found


def _filter_problems(spec: BriefSpec, index: int, transcripts: list[Transcript], located: Located,
                     path: Path) -> list[Problem]:
    """Filters naming values no transcript has are errors (typing mistakes); filters that together select no
    transcript are a warning."""
    problems: list[Problem] = []
    known = {"pathway": {t.meta.attributes.get("pathway") for t in transcripts},
             "year": {transcript_school_year(t) for t in transcripts}}
    raw = located.data["briefs"][index].get("filters") or {}
    for field_name, values in (("pathway", spec.filters.pathways), ("year", spec.filters.years)):
        key = field_name if field_name in raw else f"{field_name}s"
        for value in values:
            if value not in known[field_name]:
                problems.append(_problem(f"brief '{spec.id}': no transcript has {field_name} '{value}'", located,
                                         ("briefs", index, "filters", key), path,
                                         f"use one of: {', '.join(sorted(known[field_name]))}"))
    if not problems and transcripts and not select_transcripts(transcripts, spec.filters):
        problems.append(_problem(f"brief '{spec.id}': its filters select no transcript", located,
                                 ("briefs", index, "filters"), path, "loosen the filters", warning=True))
    return problems


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
        When given, filter values must occur in their metadata.

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
    for i, entry in enumerate(entries):
        name = str(entry.get("id")) if isinstance(entry, dict) and entry.get("id") else f"#{i + 1}"
        names.append(name)
        spec, found = BRIEFS_FILE.validate(BriefSpec, entry, located, path, prefix=("briefs", i))
        if spec is None:
            problems += found
            broken.setdefault(name, next(p for p in found if isinstance(p, PlevalError)))
        specs.append(spec)
    if shared is None:
        return BriefsCheck(None, problems, broken, names)
    briefs = shared.model_copy(update={"briefs": [spec for spec in specs if spec is not None]})
    for index, problem in [*_cross_check(briefs, specs, located, path, codebook, transcripts),
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
