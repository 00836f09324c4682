"""Read and validate a codebook (data/codebook.yaml), reporting every problem with line and column."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import CodebookError, Problem
from ..schema import Codebook
from .config import ConfigFile, Loaded, first_error
from .digests import content_hash
from .patterns import plainly_valid
from .yamlmarks import Loc, Located

CODEBOOK_FILE = ConfigFile(
    name="codebook",
    error=CodebookError,
    not_a_mapping="the codebook must be a YAML mapping with name, version, groups and codes",
    not_a_mapping_fix="see the sample codebook",
    parts={"codes": ("code", "id"), "groups": ("group", "id")},
    missing="no codebook found",
    missing_fix="create data/codebook.yaml",
)


def _cross_check(codebook: Codebook, located: Located, path: Path) -> list[Problem]:
    problems: list[Problem] = []

    def problem(message: str, loc: Loc, fix: str) -> None:
        problems.append(CODEBOOK_FILE.problem(message, located, loc, path, fix))

    group_ids = set()
    for i, group in enumerate(codebook.groups):
        if group.id in group_ids:
            problem(f"duplicate group id '{group.id}'", ("groups", i, "id"), "give each group its own id")
        group_ids.add(group.id)
    code_ids: dict[str, int] = {}
    for i, code in enumerate(codebook.codes):
        if code.id in code_ids:
            problem(f"duplicate code id '{code.id}' (first used by code #{code_ids[code.id] + 1})",
                    ("codes", i, "id"), "give each code its own id")
        code_ids.setdefault(code.id, i)
    for i, code in enumerate(codebook.codes):
        if code.group not in group_ids:
            problem(f"code '{code.id}': unknown group '{code.group}'", ("codes", i, "group"),
                    f"use one of: {', '.join(sorted(group_ids))}")
        if code.parent is not None and code.parent not in code_ids:
            problem(f"code '{code.id}': unknown parent '{code.parent}'", ("codes", i, "parent"),
                    "name another code's id, or remove 'parent'")
        if code.parent == code.id:
            problem(f"code '{code.id}' is its own parent", ("codes", i, "parent"), "remove 'parent'")
        for old in code.renamed_from:
            if old in code_ids:
                problem(f"code '{code.id}': renamed_from '{old}', but '{old}' is still a code",
                        ("codes", i, "renamed_from"), "remove the old code, or the renamed_from entry")
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
        exclude = rules.get("exclude")
        if not isinstance(exclude, dict):
            exclude = {}
        for key, items in ((("rules", "patterns"), rules.get("patterns")),
                           (("rules", "exclude", "patterns"), exclude.get("patterns"))):
            for j, item in enumerate(items if isinstance(items, list) else []):
                loc = ("codes", i) + key + (j,)
                if isinstance(item, dict) and "pattern" in item:
                    found.append((loc + ("pattern",), item["pattern"], code_id))
                else:
                    found.append((loc, item, code_id))
    return found


def _pattern_problems(located: Located, path: Path) -> list[Problem]:
    """Check every Matcher pattern with spaCy's own validator (spaCy is imported only if a pattern needs it)."""
    unsure = [(loc, pattern, code_id) for loc, pattern, code_id in _raw_patterns(located.data)
              if not plainly_valid(pattern)]
    if not unsure:
        return []
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)  # a bare vocabulary: validating needs no pipeline
    problems: list[Problem] = []
    for loc, pattern, code_id in unsure:
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
            problems.append(CODEBOOK_FILE.problem(f"code '{code_id}': invalid spaCy Matcher pattern: {detail[:200]}",
                                                  located, loc, path,
                                                  "see https://spacy.io/usage/rule-based-matching#matcher"))
    return problems


def check_codebook(path: Path) -> Loaded[Codebook]:
    """Validate a codebook file, collecting every problem.

    Returns
    -------
    Loaded
        ``value``: the codebook with its hash set, or None if any error was found; ``problems``: every problem,
        warnings too, with file, line and column.
    """
    path = Path(path)
    read = CODEBOOK_FILE.read(path)
    located = read.value
    if located is None:
        return Loaded(None, read.problems)
    pattern_problems = _pattern_problems(located, path)
    codebook, schema_problems = CODEBOOK_FILE.validate(Codebook, located.data, located, path)
    if codebook is None:
        return Loaded(None, read.problems + schema_problems + pattern_problems)
    checked = Loaded(codebook, read.problems + _cross_check(codebook, located, path) + pattern_problems)
    if checked.errors:
        return Loaded(None, checked.problems)
    return Loaded(codebook.model_copy(update={"hash": content_hash(codebook)}), checked.problems)


def load_codebook(path: Path) -> Codebook:
    """Load a codebook, raising its first error (with a count of the others) if it is invalid.

    Raises
    ------
    CodebookError
    """
    checked = check_codebook(path)
    if checked.value is None:
        raise first_error(checked.problems, CodebookError("the codebook could not be read", path=path))
    return checked.value
