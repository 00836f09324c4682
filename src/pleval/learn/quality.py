"""How far the suggesting coder is to be trusted, per code: its measured quality on real talk, kept as data.

``pleval evaluate --quotes FILE --save`` scores the coders on a labelled-quotes file (see
:mod:`pleval.learn.quotes`) and writes the suggesting coder's figures on the file's ``test`` split (the whole file
when it has no splits) to ``data/coder-quality.json``: numbers only, never a quote's text. The file is small and
committed with the project, so the widget and the briefs can show, per code, how well its automatic coding held up.

Its format (``format`` 1)::

    {"format": 1, "coder": "combined", "split": "test", "quotes_sha256": "<sha256 of the quotes file>",
     "quotes_file": "real_quotes_dev.jsonl", "measured_on": "2026-12-02", "units": 56,
     "micro": {"precision": 0.66, "recall": 0.62, "f1": 0.64, "kappa": 0.6, "reference_coded": 77,
               "coder_coded": 73, "f1_low": 0.55, "f1_high": 0.73},
     "codes": {"funding": {"precision": 0.67, "recall": 0.86, "f1": 0.75, "kappa": 0.71, "reference_coded": 7,
                           "coder_coded": 9}, ...}}

The API, for readers of the file: :func:`measured_quality` (None when the project has no such file) returns a
:class:`MeasuredQuality`; its :attr:`MeasuredQuality.codes` maps code ids to :class:`CodeQuality` figures, and
:meth:`MeasuredQuality.trusted` says whether a code's automatic coding reached kappa :data:`TRUSTED_KAPPA`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
from pydantic import Field, ValidationError

from ..errors import LearningError
from ..inputs.text import sha256_bytes
from ..project import Project, atomic_write
from ..schema.base import StrictModel

QUALITY_FILE = "coder-quality.json"
QUALITY_FORMAT = 1
#: The agreement (Cohen's kappa) from which a code's automatic coding counts as trustworthy: below it, wherever
#: its automatic counts appear, they are to be marked as such.
TRUSTED_KAPPA = 0.667
FIX = "run pleval evaluate --quotes FILE --save again to rewrite it, or delete the file"
MICRO = "(all codes)"  # the micro-averaged row of an evaluation table (pleval.learn.evaluate.MICRO)


class CodeQuality(StrictModel):
    """One code's (or all codes', micro-averaged) agreement of the coder with the quotes' labels."""

    precision: float | None = Field(ge=0, le=1)
    recall: float | None = Field(ge=0, le=1)
    f1: float | None = Field(ge=0, le=1)
    kappa: float | None = Field(ge=-1, le=1)
    reference_coded: int = Field(ge=0)  # quotes the labels give the code
    coder_coded: int = Field(ge=0)  # quotes the coder gives it
    f1_low: float | None = Field(default=None, ge=0, le=1)  # 95% bootstrap interval (micro only)
    f1_high: float | None = Field(default=None, ge=0, le=1)


class MeasuredQuality(StrictModel):
    """The suggesting coder's measured quality on one split of a labelled-quotes file."""

    format: int
    coder: str
    split: str | None
    quotes_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    quotes_file: str
    measured_on: dt.date
    units: int = Field(ge=1)
    micro: CodeQuality
    codes: dict[str, CodeQuality]

    def trusted(self, code_id: str) -> bool | None:
        """Whether the code's automatic coding reached kappa :data:`TRUSTED_KAPPA` (None: not measured)."""
        figures = self.codes.get(code_id)
        if figures is None or figures.kappa is None:
            return None
        return figures.kappa >= TRUSTED_KAPPA - 1e-9

    @property
    def untrusted(self) -> list[str]:
        """The codes measured below kappa :data:`TRUSTED_KAPPA`, in the file's order."""
        return [code_id for code_id in self.codes if self.trusted(code_id) is False]


def quality_path(project: Project) -> Path:
    """Where the project's measured quality is kept: ``data/coder-quality.json``."""
    return project.coder_quality_path


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 4)


def _figures(row) -> dict:
    return {"precision": _number(row["precision"]), "recall": _number(row["recall"]), "f1": _number(row["f1"]),
            "kappa": _number(row["kappa"]), "reference_coded": int(row["reference_coded"]),
            "coder_coded": int(row["coder_coded"])}


def quality_from_scores(scores: pd.DataFrame, coder: str, split: str | None, quotes_path: str | Path,
                        today: dt.date | None = None) -> MeasuredQuality:
    """The measured quality of ``coder`` on one split, from the rows of an evaluation's quotes table
    (:attr:`pleval.learn.evaluate.Evaluation.quotes`: columns ``test``, ``coder``, ``code_id`` and the scores).

    Raises
    ------
    LearningError
        When the table has no rows for that coder and split.
    """
    path = Path(quotes_path)
    rows = scores[(scores["test"] == ("quotes" if split is None else f"quotes:{split}")) & (scores["coder"] == coder)]
    if rows.empty:
        raise LearningError(f"no scores of the coder '{coder}' on the split '{split}' of the quotes", path=path,
                            fix="pass a quotes file with a test split (or no splits at all)")
    micro = rows[rows["code_id"] == MICRO].iloc[0]
    per_code = rows[rows["code_id"] != MICRO]  # each code's row counts every quote scored once
    codes = {str(r["code_id"]): _figures(r) for _, r in per_code.iterrows()}
    return MeasuredQuality.model_validate({
        "format": QUALITY_FORMAT, "coder": coder, "split": split, "quotes_sha256": sha256_bytes(path.read_bytes()),
        "quotes_file": path.name, "measured_on": today or dt.date.today(), "units": int(per_code["units"].max()),
        "micro": {**_figures(micro), "f1_low": _number(micro["f1_low"]), "f1_high": _number(micro["f1_high"])},
        "codes": codes})


def save_quality(project: Project, quality: MeasuredQuality) -> Path:
    """Write the measured quality to ``data/coder-quality.json`` (atomically); returns the path."""
    path = quality_path(project)
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(json.dumps(quality.model_dump(mode="json"), indent=2) + "\n")
    return path


def measured_quality(project: Project) -> MeasuredQuality | None:
    """The suggesting coder's measured quality per code, as ``pleval evaluate --quotes FILE --save`` wrote it;
    None when the project has no ``data/coder-quality.json``.

    Raises
    ------
    LearningError
        Naming the file (and line, or the key at fault), for a file that is not JSON or not in the format above.
    """
    path = quality_path(project)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise LearningError(f"cannot read the measured coder quality: {error}", path=path, fix=FIX) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LearningError(f"the measured coder quality is not JSON: {error.msg}", path=path, line=error.lineno,
                            column=error.colno, fix=FIX) from None
    if isinstance(data, dict) and data.get("format") != QUALITY_FORMAT:
        raise LearningError(f"the measured coder quality has format {data.get('format')!r}, not {QUALITY_FORMAT}",
                            path=path, fix=FIX)
    try:
        return MeasuredQuality.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise LearningError(f"the measured coder quality is broken at {where}: {first['msg']}", path=path,
                            fix=FIX) from None
