"""Labelled quotes: passages outside the project's transcripts, each with the codes a person gave it.

A quotes file is a YAML list of ``{text: "...", codes: [code_id, ...]}`` (``codes: []`` for a quote no code
fits). Coders trained on the project are judged on such quotes as an independent, held-out test of whether they
generalise beyond the project's own wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..errors import LearningError
from ..inputs.yamlmarks import load_located, yaml_error_position, yaml_error_summary
from ..schema import Codebook

QUOTE_FIX = "each entry needs text: \"...\" and codes: [code_id, ...]"


@dataclass
class LabelledQuotes:
    """Quotes and their labels (``labels``: quotes x codes, 0/1, in ``code_ids`` order)."""

    path: Path
    texts: list[str]
    code_ids: list[str]
    labels: np.ndarray

    @property
    def ids(self) -> list[str]:
        """An id per quote, ``quote:<n>`` from 1, standing for a unit when quotes are scored like units."""
        return [f"quote:{n}" for n in range(1, len(self.texts) + 1)]


def read_quotes(path: str | Path, codebook: Codebook) -> LabelledQuotes:
    """Read a labelled-quotes file, checking every code against the codebook.

    Raises
    ------
    LearningError
        Naming the file, line and fix, for a file that is missing, is not YAML, is not a list of quotes, or
        names a code the codebook lacks.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LearningError(f"cannot read the labelled quotes: {error}", path=path,
                            fix="pass a UTF-8 YAML file of quotes") from None
    try:
        located = load_located(text)
    except yaml.YAMLError as error:
        line, column = yaml_error_position(error)
        raise LearningError(f"the labelled quotes are not valid YAML: {yaml_error_summary(error)}", path=path,
                            line=line, column=column, fix=QUOTE_FIX) from None
    if not isinstance(located.data, list) or not located.data:
        raise LearningError("the labelled quotes file is not a list of quotes", path=path, line=1, fix=QUOTE_FIX)
    known = {code_id: j for j, code_id in enumerate(codebook.code_ids)}
    texts, labels = [], np.zeros((len(located.data), len(known)), dtype=int)
    for i, entry in enumerate(located.data):
        line, column = located.where((i,))
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"].strip():
            raise LearningError(f"quote {i + 1} has no text", path=path, line=line, column=column, fix=QUOTE_FIX)
        codes = entry.get("codes", [])
        if not isinstance(codes, list):
            line, column = located.where((i, "codes"))
            raise LearningError(f"the codes of quote {i + 1} are not a list", path=path, line=line,
                                column=column, fix="write codes: [code_id, ...], or codes: [] for none")
        for n, code_id in enumerate(codes):
            if code_id not in known:
                line, column = located.where((i, "codes", n))
                raise LearningError(f"quote {i + 1} names code '{code_id}', which the codebook does not have",
                                    path=path, line=line, column=column,
                                    fix=f"use one of: {', '.join(codebook.code_ids)}")
            labels[i, known[code_id]] = 1
        texts.append(entry["text"])
    return LabelledQuotes(path, texts, codebook.code_ids, labels)
