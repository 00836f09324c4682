"""Labelled quotes: passages outside the project's transcripts, each with the codes a person gave it.

Two formats, by extension:

- YAML (``.yaml``, ``.yml``): a list of ``{text: "...", codes: [code_id, ...]}`` (``codes: []`` for a quote no
  code fits);
- JSON lines (``.jsonl``): one object per line, ``{"text": "...", "themes": [code_id, ...]}`` (``codes`` is
  accepted too); other fields (speaker, source) are ignored.

Either may give a quote a ``split`` (e.g. ``dev`` or ``test``): coders are then judged on each split apart, so a
set tuned on can be kept apart from a set reported on. Coders trained on the project are judged on such quotes
as an independent, held-out test of whether they generalise beyond the project's own wording.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import LearningError
from ..inputs.yamlmarks import Located, load_located, yaml_error_position, yaml_error_summary
from ..schema import Codebook

QUOTE_FIX = "each entry needs text: \"...\" and codes: [code_id, ...]"
JSON_LINES = (".jsonl", ".ndjson")
LABEL_KEYS = ("codes", "themes")  # the key of a quote's codes (``themes`` as published quote sets name them)


@dataclass
class LabelledQuotes:
    """Quotes and their labels (``labels``: quotes x codes, 0/1, in ``code_ids`` order).

    ``splits`` holds each quote's split (None when the file gives none).
    """

    path: Path
    texts: list[str]
    code_ids: list[str]
    labels: np.ndarray
    splits: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.splits:
            self.splits = [None] * len(self.texts)

    @property
    def ids(self) -> list[str]:
        """An id per quote, ``quote:<n>`` from 1, standing for a unit when quotes are scored like units."""
        return [f"quote:{n}" for n in range(1, len(self.texts) + 1)]

    @property
    def split_names(self) -> list[str | None]:
        """The splits in the order they first appear (``[None]`` for a file without splits)."""
        return list(dict.fromkeys(self.splits))

    def subset(self, split: str | None) -> LabelledQuotes:
        """The quotes of one split."""
        rows = [i for i, s in enumerate(self.splits) if s == split]
        return LabelledQuotes(self.path, [self.texts[i] for i in rows], self.code_ids, self.labels[rows],
                              [split] * len(rows))


Where = Callable[[tuple], tuple[int | None, int | None]]


def _at_line(number: int) -> Where:
    """Where anything in a JSON line is: the start of that line."""
    def where(loc: tuple) -> tuple[int | None, int | None]:
        return number, 1
    return where


def _in_yaml(located: Located, index: int) -> Where:
    """Where a key path inside the ``index``-th entry of a YAML list is."""
    def where(loc: tuple) -> tuple[int | None, int | None]:
        return located.where((index, *loc))
    return where


def _entries(path: Path, text: str) -> list[tuple[Any, Where]]:
    """Each entry of the file, with a function giving the (line, column) of a key path inside it."""
    if path.suffix.lower() in JSON_LINES:
        entries: list[tuple[Any, Where]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entries.append((json.loads(line), _at_line(number)))
            except json.JSONDecodeError as error:
                raise LearningError(f"line {number} of the labelled quotes is not JSON: {error.msg}", path=path,
                                    line=number, column=error.colno,
                                    fix='write one object per line: {"text": "...", "themes": [...]}') from None
        if not entries:
            raise LearningError("the labelled quotes file has no quotes", path=path, line=1, fix=QUOTE_FIX)
        return entries
    try:
        located = load_located(text)
    except yaml.YAMLError as error:
        at_line, at_column = yaml_error_position(error)
        raise LearningError(f"the labelled quotes are not valid YAML: {yaml_error_summary(error)}", path=path,
                            line=at_line, column=at_column, fix=QUOTE_FIX) from None
    if not isinstance(located.data, list) or not located.data:
        raise LearningError("the labelled quotes file is not a list of quotes", path=path, line=1, fix=QUOTE_FIX)
    return [(entry, _in_yaml(located, i)) for i, entry in enumerate(located.data)]


def read_quotes(path: str | Path, codebook: Codebook) -> LabelledQuotes:
    """Read a labelled-quotes file (YAML, or JSON lines for ``.jsonl``), checking every code against the
    codebook.

    Raises
    ------
    LearningError
        Naming the file, line and fix, for a file that is missing, is not YAML (or JSON lines), is not a list of
        quotes, or names a code the codebook lacks.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LearningError(f"cannot read the labelled quotes: {error}", path=path,
                            fix="pass a UTF-8 YAML or JSON-lines file of quotes") from None
    entries = _entries(path, text)
    known = {code_id: j for j, code_id in enumerate(codebook.code_ids)}
    texts: list[str] = []
    splits: list[str | None] = []
    labels = np.zeros((len(entries), len(known)), dtype=int)
    for i, (entry, where) in enumerate(entries):
        line, column = where(())
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"].strip():
            raise LearningError(f"quote {i + 1} has no text", path=path, line=line, column=column, fix=QUOTE_FIX)
        key = next((k for k in LABEL_KEYS if k in entry), LABEL_KEYS[0])
        codes = entry.get(key, [])
        if not isinstance(codes, list):
            line, column = where((key,))
            raise LearningError(f"the codes of quote {i + 1} are not a list", path=path, line=line,
                                column=column, fix=f"write {key}: [code_id, ...], or {key}: [] for none")
        for n, code_id in enumerate(codes):
            if code_id not in known:
                line, column = where((key, n))
                raise LearningError(f"quote {i + 1} names code '{code_id}', which the codebook does not have",
                                    path=path, line=line, column=column,
                                    fix=f"use one of: {', '.join(codebook.code_ids)}")
            labels[i, known[code_id]] = 1
        split = entry.get("split")
        if split is not None and not isinstance(split, str):
            line, column = where(("split",))
            raise LearningError(f"the split of quote {i + 1} is not a name", path=path, line=line, column=column,
                                fix="write split: dev (or test), or leave it out")
        texts.append(entry["text"])
        splits.append(split)
    return LabelledQuotes(path, texts, codebook.code_ids, labels, splits)
