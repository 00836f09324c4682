"""Load a YAML config file into a pydantic model, reporting every problem with its file, line and column.

The codebook, survey.yaml and briefs.yaml are read alike: the bytes decoded (:mod:`pleval.inputs.text`), the
YAML parsed keeping the position of every value (:mod:`pleval.inputs.yamlmarks`), the data validated by a
model of :mod:`pleval.schema`, and each complaint turned into a :class:`~pleval.errors.Problem` (an error or a
warning) that names the file, line and column. A :class:`ConfigFile` says how one kind of file words its problems; its
:meth:`~ConfigFile.read` and :meth:`~ConfigFile.validate` return a :class:`Loaded`: the value, and the problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import PlevalError, PlevalWarning, Problem
from .text import decode, normalise
from .yamlmarks import Loc, Located, describe_pydantic_error, load_located, yaml_error_position, yaml_error_summary

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

FIXES = {"extra_forbidden": "remove it or correct its spelling", "missing": "add it"}  # by pydantic error type


class Loaded(NamedTuple, Generic[T]):
    """What a loader returns: the value, and every problem found (warnings too), in the file's order.

    ``value`` is None when an error leaves nothing usable. A named tuple, so ``value, problems = loaded``.
    """

    value: T | None
    problems: list[Problem]

    @property
    def errors(self) -> list[PlevalError]:
        """The problems that are errors, not warnings."""
        return [p for p in self.problems if isinstance(p, PlevalError)]



def first_error(problems: Iterable[Problem], missing: PlevalError) -> PlevalError:
    """What a loader raises when it has no usable value: the first error, saying how many others there are, or
    ``missing`` when there is none (the file does not exist)."""
    errors = [p for p in problems if isinstance(p, PlevalError)]
    if not errors:
        return missing
    first = errors[0]
    if len(errors) > 1:
        first.message += f" (and {len(errors) - 1} more; run 'pleval validate' to list them all)"
    return first

def _data_loc(data: object, loc: Loc) -> Loc:
    """Keep the parts of a pydantic error location that exist in the data (drop union branch names)."""
    kept = []
    for part in loc:
        if (isinstance(data, dict) and part in data
                or isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)):
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str) and part == loc[-1]:
            pass  # a missing or unknown key: keep it so the message can name it
        else:
            continue
        kept.append(part)
    return tuple(kept)


@dataclass(frozen=True)
class ConfigFile:
    """One kind of YAML config file, and how its problems are worded.

    Parameters
    ----------
    name : str
        What a message calls the file as a whole: ``"codebook"``, ``"survey"``, ``"briefs.yaml"``.
    error : type of PlevalError
        The class of the errors reported.
    not_a_mapping, not_a_mapping_fix : str
        The error (and its fix) when the file's top level is not a mapping.
    parts : mapping
        Top-level keys whose entries messages name, each to ``(what an entry is called, the key holding a
        list entry's name)``: ``{"codes": ("code", "id")}`` words a problem in ``codes[2]`` as "code 'funding'"
        (or "code #3" when it has no id). For a mapping, give None: the entry's key is its name.
    missing, missing_fix : str, optional
        The error (and its fix) when the file does not exist; without them a missing file is no problem.
    warning : type of PlevalWarning, optional
        The class of the warnings reported, if the file has any.
    """

    name: str
    error: type[PlevalError]
    not_a_mapping: str
    not_a_mapping_fix: str
    parts: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    missing: str | None = None
    missing_fix: str | None = None
    warning: type[PlevalWarning] | None = None

    def problem(self, message: str, located: Located | None, loc: Loc, path: Path, fix: str | None = None, *,
                key: bool = False, warning: bool = False) -> Problem:
        """A problem at ``loc`` in the data, placed at its line and column (the key's, with ``key=True``)."""
        line, column = (None, None)
        if located is not None:
            line, column = located.key_where(loc) if key else located.where(loc)
        kind = self.warning if warning else self.error
        if kind is None:
            raise ValueError(f"{self.name} has no warnings")
        return kind(message, path=path, line=line, column=column, fix=fix)

    def part_name(self, located: Located, loc: Loc) -> str:
        """"code 'funding'", "scale 'agree4'" or "brief #2" for a location inside a named part, to make
        messages readable; else the file's name."""
        if len(loc) >= 2 and loc[0] in self.parts:
            kind, name_key = self.parts[loc[0]]
            if name_key is None:
                return f"{kind} '{loc[1]}'"
            if isinstance(loc[1], int):
                try:
                    name = located.data[loc[0]][loc[1]].get(name_key)
                except (AttributeError, IndexError, KeyError, TypeError):
                    name = None
                return f"{kind} '{name}'" if name else f"{kind} #{loc[1] + 1}"
        return self.name

    def schema_problems(self, error: ValidationError, located: Located, path: Path,
                        prefix: Loc = ()) -> list[Problem]:
        """One problem per place pydantic complains about; ``prefix`` locates data validated on its own."""
        problems: list[Problem] = []
        seen: set[Loc] = set()
        for err in error.errors():
            loc = _data_loc(located.data, prefix + tuple(err["loc"]))
            if loc in seen:  # a union reports one complaint per branch; one is enough
                continue
            seen.add(loc)
            inner = loc[2:] if loc[:1] and loc[0] in self.parts and len(loc) > 2 else loc
            message = f"{self.part_name(located, loc)}: {describe_pydantic_error({**err, 'loc': inner})}"
            fix = FIXES.get(err["type"], "correct the value")
            problems.append(self.problem(message, located, loc, path, fix, key=err["type"] == "extra_forbidden"))
        return problems

    def read(self, path: Path) -> Loaded[Located]:
        """Decode and parse the file, keeping positions; its value is None if the file is missing, is not YAML
        or is not a mapping.

        The problems are the decoding warning, if any, and each key given twice.

        Raises
        ------
        DecodeError
            If the bytes are neither UTF-8 nor Windows-1252.
        """
        path = Path(path)
        if not path.exists():
            missing: list[Problem] = [self.error(self.missing, path=path, fix=self.missing_fix)] if self.missing else []
            return Loaded(None, missing)
        text, warnings = decode(path.read_bytes(), path)
        problems: list[Problem] = list(warnings)
        try:
            located = load_located(normalise(text))
        except yaml.YAMLError as error:
            line, column = yaml_error_position(error)
            return Loaded(None, problems + [self.error(f"not valid YAML: {yaml_error_summary(error)}", path=path,
                                                       line=line, column=column, fix="fix the YAML syntax")])
        if not isinstance(located.data, dict):
            return Loaded(None, problems + [self.error(self.not_a_mapping, path=path, line=1,
                                                       fix=self.not_a_mapping_fix)])
        for loc, (line, column) in located.duplicate_keys:
            problems.append(self.error(f"key '{loc[-1]}' is given twice", path=path, line=line, column=column,
                                       fix="keep one"))
        return Loaded(located, problems)

    def validate(self, model: type[M], data: Any, located: Located, path: Path, *, prefix: Loc = ()) -> Loaded[M]:
        """``data`` (the file's, or the part of it at ``prefix``) validated by ``model``; None and the problems
        with their positions if it is invalid."""
        try:
            return Loaded(model.model_validate(data), [])
        except ValidationError as error:
            return Loaded(None, self.schema_problems(error, located, path, prefix))
