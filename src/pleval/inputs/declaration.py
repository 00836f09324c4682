"""Read a project's declaration, ``pleval.yaml`` at its root, reporting every problem with line and column.

Without the file a project gets :data:`~pleval.schema.declaration.DEFAULT_DECLARATION`. A broken file is an error for
``pleval validate``; :func:`project_declaration` raises its first error, so a command stops with one line
instead of running on words the project did not mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from ..errors import DeclarationError, DeclarationWarning, PlevalError, Problem
from ..project import Project
from ..schema import SITE, Transcript
from ..schema.declaration import (
    DEFAULT_DECLARATION,
    Attribute,
    Declaration,
    did_you_mean,
)
from .config import ConfigFile, Loaded
from .readers import read_source
from .yamlmarks import Loc, Located

DECLARATION_FILE = ConfigFile(
    name="pleval.yaml",
    error=DeclarationError,
    not_a_mapping="pleval.yaml must be a YAML mapping (site, site_attributes, roles, periods...)",
    not_a_mapping_fix="see `pleval init` or the sample's pleval.yaml",
    parts={"site_attributes": ("site attribute", "name"), "participant_attributes": ("participant attribute", "name"),
           "roles": ("role", "id"), "role_groups": ("role group", "id")},
)

#: The starter profiles shipped with pleval: commented pleval.yaml files, one per kind of evaluation.
PROFILES_DIR = Path(str(files("pleval").joinpath("profiles")))
#: The profile that spells out the defaults (what a project without pleval.yaml declares).
GENERIC_PROFILE = "generic"

_cache: dict[Path, tuple[tuple[int, int], Loaded[Declaration]]] = {}


def load_declaration(path: Path) -> Loaded[Declaration]:
    """``pleval.yaml`` validated, with its problems; :data:`DEFAULT_DECLARATION` when the file does not exist,
    None when it has an error.

    Raises
    ------
    DecodeError
        If the bytes are neither UTF-8 nor Windows-1252.
    """
    path = Path(path)
    if not path.exists():
        return Loaded(DEFAULT_DECLARATION, [])
    located, problems = DECLARATION_FILE.read(path)
    if located is None:
        return Loaded(None, problems)
    if not isinstance(located.data, dict):
        return Loaded(None, problems)
    declaration, schema_problems = DECLARATION_FILE.validate(Declaration, located.data, located, path)
    problems += schema_problems
    if declaration is None:
        return Loaded(None, problems)
    cross: list[Problem] = [DECLARATION_FILE.problem(message, located, loc, path, fix)
                            for message, loc, fix in declaration.inconsistencies()]
    problems += cross
    return Loaded(None if any(p.severity == "error" for p in problems) else declaration, problems)


def check_declaration(project: Project) -> Loaded[Declaration]:
    """The project's declaration and its problems, read once per version of the file (for ``pleval validate``)."""
    path = project.declaration_path
    try:
        stat = path.stat()
    except FileNotFoundError:
        _cache.pop(path, None)
        return Loaded(DEFAULT_DECLARATION, [])
    key = (stat.st_mtime_ns, stat.st_size)
    kept = _cache.get(path)
    if kept is None or kept[0] != key:
        kept = (key, load_declaration(path))
        _cache[path] = kept
    return kept[1]


def project_declaration(project: Project) -> Declaration:
    """The project's declaration, loaded once and kept while the file is unchanged.

    Raises
    ------
    DeclarationError
        The first error in ``pleval.yaml`` (``pleval validate`` lists them all).
    """
    declaration, problems = check_declaration(project)
    if declaration is None:
        errors = [p for p in problems if isinstance(p, DeclarationError)]
        raise errors[0] if errors else DeclarationError("pleval.yaml cannot be read", path=project.declaration_path)
    return declaration


def profile_names() -> list[str]:
    """The starter profiles shipped with pleval: ``generic``, ``us-k12``..."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml"))


def profile_path(name: str) -> Path:
    """The file of a starter profile, a commented ``pleval.yaml``.

    Raises
    ------
    DeclarationError
        If no profile has that name (the message lists those there are).
    """
    names = profile_names()
    if name not in names:
        raise DeclarationError(f"no starter profile '{name}'{did_you_mean(name, names)}",
                               fix=f"use one of: {', '.join(names)}", value=name)
    return PROFILES_DIR / f"{name}.yaml"


class _Positions:
    """Where a transcript's metadata keys are, read again only for the transcripts that have a problem."""

    def __init__(self, project_root: Path):
        self.root = project_root
        self._read: dict[str, tuple[Path, Located | None]] = {}

    def where(self, transcript: Transcript, loc: Loc) -> tuple[Path, int | None, int | None]:
        if transcript.path not in self._read:
            path = self.root / transcript.path
            try:
                source = read_source(path)
                self._read[transcript.path] = (source.meta_path or path, source.meta)
            except (PlevalError, OSError):
                self._read[transcript.path] = (path, None)
        meta_path, located = self._read[transcript.path]
        line, column = located.key_where(loc) if located is not None else (None, None)
        return meta_path, line, column


def check_metadata(declaration: Declaration, transcripts: Iterable[Transcript], project_root: Path) -> list[Problem]:
    """The transcripts' metadata against the declaration.

    A metadata key or a role that nobody declared is accepted and reported once, as a warning that says how to
    declare it. A value outside an attribute's declared ``values``, a role outside the declared ``roles`` and a
    missing ``required`` attribute are errors, with "did you mean" for a near miss.
    """
    problems: list[Problem] = []
    positions = _Positions(project_root)
    reported: set[tuple[str, str]] = set()
    reported_sites: set[str] = set()
    site_names = {a.name for a in declaration.site_attributes}
    person_names = {a.name for a in declaration.participant_attributes}

    def problem(kind: type[Problem], message: str, transcript: Transcript, loc: Loc, fix: str) -> None:
        path, line, column = positions.where(transcript, loc)
        problems.append(kind(message, path=path, line=line, column=column, fix=fix))

    def once(what: str, name: str, message: str, transcript: Transcript, loc: Loc, fix: str) -> None:
        if (what, name) not in reported:
            reported.add((what, name))
            problem(DeclarationWarning, message, transcript, loc, fix)

    def check_values(attributes: Iterable[Attribute], given: dict[str, str], transcript: Transcript, loc: Loc) -> None:
        for attribute in attributes:
            if attribute.name not in given:
                if attribute.required:
                    problem(DeclarationError, f"missing {attribute.name}, which pleval.yaml requires", transcript,
                            loc, f"add '{attribute.name}: ...'")
                continue
            wrong = attribute.check(given[attribute.name])
            if wrong:
                problem(DeclarationError, wrong, transcript, loc + (attribute.name,),
                        "use a value pleval.yaml lists, or add it to the attribute's values")

    site_key = declaration.site.key
    for transcript in transcripts:
        meta = transcript.meta
        if meta.site is None and site_key not in reported_sites:
            reported_sites.add(site_key)
            kind = DeclarationError if declaration.site_required else DeclarationWarning
            problem(kind, f"no '{site_key}': the transcript names no {declaration.site.singular}", transcript, (),
                    f"add '{site_key}: ...' to the metadata (the {declaration.site.singular} the people belong to)"
                    + ("" if site_key != SITE else ", or name the key your metadata uses: 'site: {key: ...}' in "
                       "pleval.yaml"))
        for key in [k for k in meta.attributes if k not in site_names]:
            fix = f"add '- name: {key}' under site_attributes in pleval.yaml"
            if meta.site is None and not reported:  # the first key may well name the site
                fix += f", or make it the site's key: 'site: {{key: {key}}}'"
            once("key", key, f"metadata key '{key}' is not declared in pleval.yaml", transcript, (key,), fix)
        check_values(declaration.site_attributes, meta.attributes, transcript, ())
        for i, participant in enumerate(meta.participants):
            loc = ("participants", i)
            for key in [k for k in participant.attributes if k not in person_names]:
                once("participant key", key, f"participant key '{key}' is not declared in pleval.yaml", transcript,
                     loc + (key,), f"add '- name: {key}' under participant_attributes in pleval.yaml")
            check_values(declaration.participant_attributes, participant.attributes, transcript, loc)
            wrong = declaration.check_role(participant.role)
            if wrong:
                problem(DeclarationError, wrong, transcript, loc + ("role",),
                        "use a role pleval.yaml declares, or declare this one under roles")
            elif not declaration.roles:
                once("role", participant.role, f"role '{participant.role}' is not declared in pleval.yaml",
                     transcript, loc + ("role",),
                     f"add '- {{id: {participant.role}, noun: ..., plural: ...}}' under roles in pleval.yaml")
    return problems
