"""Read a project's declaration, ``pleval.yaml`` at its root, reporting every problem with line and column.

Without the file a project gets :data:`~pleval.schema.declaration.DEFAULT_DECLARATION`. A broken file is an error for
``pleval validate``; :func:`project_declaration` raises its first error, so a command stops with one line
instead of running on words the project did not mean.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..errors import DeclarationError, Problem
from ..project import Project
from ..schema.declaration import DEFAULT_DECLARATION, Declaration, did_you_mean
from .config import ConfigFile, Loaded

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
