"""Read and validate a codebook (data/codebook.yaml), reporting every problem with line and column."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import CodebookError, PlevalError
from ..schema import Codebook
from .text import decode, normalise, sha256_text
from .yamlmarks import Located, describe_pydantic_error, load_located, yaml_error_position, yaml_error_summary


def _problem(message, located: Located | None, loc, path, fix=None, *, key=False) -> CodebookError:
    line, column = (None, None)
    if located is not None:
        line, column = located.key_where(loc) if key else located.where(loc)
    return CodebookError(message, path=path, line=line, column=column, fix=fix)


def _code_name(located: Located, loc) -> str:
    """'code funding' for a location inside codes[i], to make messages readable."""
    if len(loc) >= 2 and loc[0] in ("codes", "groups") and isinstance(loc[1], int):
        try:
            item_id = located.data[loc[0]][loc[1]].get("id")
        except (AttributeError, IndexError, KeyError, TypeError):
            item_id = None
        kind = "code" if loc[0] == "codes" else "group"
        return f"{kind} '{item_id}'" if item_id else f"{kind} #{loc[1] + 1}"
    return "codebook"


def _data_loc(data, loc) -> tuple:
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


def _schema_problems(error: ValidationError, located: Located, path: Path) -> list[CodebookError]:
    problems, seen = [], set()
    for err in error.errors():
        loc = _data_loc(located.data, err["loc"])
        if loc in seen:  # a union reports one complaint per branch; one is enough
            continue
        seen.add(loc)
        inner = loc[2:] if loc[:1] in (("codes",), ("groups",)) and len(loc) > 2 else loc
        message = f"{_code_name(located, loc)}: {describe_pydantic_error({**err, 'loc': inner})}"
        fix = {"extra_forbidden": "remove it or correct its spelling", "missing": "add it"}.get(
            err["type"], "correct the value"
        )
        problems.append(_problem(message, located, loc, path, fix, key=err["type"] == "extra_forbidden"))
    return problems


def _cross_check(codebook: Codebook, located: Located, path: Path) -> list[CodebookError]:
    problems = []
    group_ids = set()
    for i, group in enumerate(codebook.groups):
        if group.id in group_ids:
            problems.append(_problem(f"duplicate group id '{group.id}'", located, ("groups", i, "id"), path,
                                     "give each group its own id"))
        group_ids.add(group.id)
    code_ids: dict[str, int] = {}
    for i, code in enumerate(codebook.codes):
        if code.id in code_ids:
            problems.append(_problem(f"duplicate code id '{code.id}' (first used by code #{code_ids[code.id] + 1})",
                                     located, ("codes", i, "id"), path, "give each code its own id"))
        code_ids.setdefault(code.id, i)
    for i, code in enumerate(codebook.codes):
        if code.group not in group_ids:
            problems.append(_problem(f"code '{code.id}': unknown group '{code.group}'", located,
                                     ("codes", i, "group"), path, f"use one of: {', '.join(sorted(group_ids))}"))
        if code.parent is not None and code.parent not in code_ids:
            problems.append(_problem(f"code '{code.id}': unknown parent '{code.parent}'", located,
                                     ("codes", i, "parent"), path, "name another code's id, or remove 'parent'"))
        if code.parent == code.id:
            problems.append(_problem(f"code '{code.id}' is its own parent", located, ("codes", i, "parent"), path,
                                     "remove 'parent'"))
        for old in code.renamed_from:
            if old in code_ids:
                problems.append(_problem(f"code '{code.id}': renamed_from '{old}', but '{old}' is still a code",
                                         located, ("codes", i, "renamed_from"), path,
                                         "remove the old code, or the renamed_from entry"))
    return problems


def _raw_patterns(data) -> list[tuple[tuple, object, str]]:
    """(location, pattern, code id) of every Matcher pattern in the raw codebook data, valid or not."""
    found = []
    codes = data.get("codes") if isinstance(data, dict) else None
    for i, code in enumerate(codes if isinstance(codes, list) else []):
        rules = code.get("rules") if isinstance(code, dict) else None
        if not isinstance(rules, dict):
            continue
        code_id = code.get("id", f"#{i + 1}")
        exclude = rules.get("exclude") if isinstance(rules.get("exclude"), dict) else {}
        for key, items in ((("rules", "patterns"), rules.get("patterns")),
                           (("rules", "exclude", "patterns"), exclude.get("patterns"))):
            for j, item in enumerate(items if isinstance(items, list) else []):
                loc = ("codes", i) + key + (j,)
                if isinstance(item, dict) and "pattern" in item:
                    found.append((loc + ("pattern",), item["pattern"], code_id))
                else:
                    found.append((loc, item, code_id))
    return found


def _pattern_problems(located: Located, path: Path) -> list[CodebookError]:
    """Check every Matcher pattern with spaCy's own validator."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)  # a bare vocabulary: validating needs no pipeline
    problems = []
    for loc, pattern, code_id in _raw_patterns(located.data):
        try:
            if not isinstance(pattern, list) or not all(isinstance(t, dict) for t in pattern):
                raise ValueError("a pattern is a list of token descriptions like {LOWER: word}")
            matcher.add(f"check{len(problems)}-{loc}", [pattern])
        except (MatchPatternError, ValueError, TypeError, KeyError) as error:
            detail = " ".join(str(error).split())
            spacy_detail = re.search(r"\[pattern -> (\d+) -> ([^\]]+)\] (.*)", detail)
            if spacy_detail:
                token, attr, why = spacy_detail.groups()
                detail = f"token {int(token) + 1}, {attr}: {why}"
            problems.append(_problem(f"code '{code_id}': invalid spaCy Matcher pattern: {detail[:200]}",
                                     located, loc, path, "see https://spacy.io/usage/rule-based-matching#matcher"))
    return problems


def codebook_hash(codebook: Codebook) -> str:
    """sha256 of the codebook's content (comments and layout do not change it)."""
    content = codebook.model_dump(mode="json", exclude={"hash"})
    return sha256_text(json.dumps(content, sort_keys=True, ensure_ascii=False))


def check_codebook(path: Path) -> tuple[Codebook | None, list[PlevalError]]:
    """Validate a codebook file, collecting every problem.

    Returns
    -------
    codebook : Codebook or None
        The codebook with its hash set, or None if any error was found.
    problems : list of PlevalError
    """
    path = Path(path)
    if not path.exists():
        return None, [CodebookError("no codebook found", path=path, fix="create data/codebook.yaml")]
    text, warnings = decode(path.read_bytes(), path)
    try:
        located = load_located(normalise(text))
    except yaml.YAMLError as error:
        line, column = yaml_error_position(error)
        return None, warnings + [CodebookError(f"not valid YAML: {yaml_error_summary(error)}", path=path,
                                               line=line, column=column, fix="fix the YAML syntax")]
    if not isinstance(located.data, dict):
        return None, warnings + [CodebookError("the codebook must be a YAML mapping with name, version, groups "
                                               "and codes", path=path, line=1, fix="see the sample codebook")]
    problems: list[PlevalError] = list(warnings)
    for loc, (line, column) in located.duplicate_keys:
        problems.append(CodebookError(f"key '{loc[-1]}' is given twice", path=path, line=line, column=column,
                                      fix="keep one"))
    pattern_problems = _pattern_problems(located, path)
    try:
        codebook = Codebook.model_validate(located.data)
    except ValidationError as error:
        return None, problems + _schema_problems(error, located, path) + pattern_problems
    problems += _cross_check(codebook, located, path) + pattern_problems
    if any(p.severity == "error" for p in problems):
        return None, problems
    return codebook.model_copy(update={"hash": codebook_hash(codebook)}), problems


def load_codebook(path: Path) -> Codebook:
    """Load a codebook, raising its first error (with a count of the others) if it is invalid.

    Raises
    ------
    CodebookError
    """
    codebook, problems = check_codebook(path)
    if codebook is None:
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0]
        if len(errors) > 1:
            first.message += f" (and {len(errors) - 1} more; run 'pleval validate' to list them all)"
        raise first
    return codebook
