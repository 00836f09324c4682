"""What the learned coder learns from: people's coding of a project's units, and the codebook's examples.

Each unit (a participant turn, or a sentence) is labelled by one human coder: the consensus where it reviewed the
unit, otherwise the first other human coder (alphabetically) who did. A coder has reviewed only the turns they
decided something on (see :mod:`pleval.coding.reviewed`), and the sentences of those turns, so a reviewed unit they
left uncoded is a negative and a unit nobody reviewed is not trained on. Each of the
codebook's ``examples`` adds one text labelled with its code alone; it belongs to no transcript and is always
trained on, never tested on.

The rules' scores for any text (:func:`rule_findings`) are features of the model and evidence for suggestions;
they are computed on the unit's own text, which gives the same matches as coding the transcript, since rules
never span two turns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..coding.coders import available_coders, coder_codings
from ..coding.store import CONSENSUS, RULES
from ..errors import LearningError, Problem
from ..inputs.cache import load_codebook_cached
from ..inputs.text import sha256_text
from ..nlp.rules import RuleCoder
from ..nlp.segment import SEPARATOR, parse_turns
from ..project import Project
from ..schema import Codebook
from .estimator import RULE_PREFIX, RULED_PREFIX, SEMANTIC_PREFIX, TEXT

LEARN_UNITS = ("turn", "sentence")
CODEBOOK = "codebook"  # what decided the label of a codebook example


def transcript_of(unit: str) -> str:
    """The transcript id of a turn or sentence id (``<transcript id>:t003`` or ``...:t003.s01``)."""
    return unit.split(":", 1)[0]


def human_coders(project: Project) -> list[str]:
    """Every human coder with a log, the consensus first, then the others alphabetically."""
    people = [c for c in available_coders(project) if c != RULES]
    return sorted(people, key=lambda c: (c != CONSENSUS, c))


@dataclass
class TrainingSet:
    """Labelled texts: one row per unit (or codebook example), one label column per code.

    ``groups`` holds each row's transcript id (None for codebook examples); ``decided_by`` the coder whose
    decision is the label (``codebook`` for examples).
    """

    unit: str
    code_ids: list[str]
    units: list[str]
    texts: list[str]
    groups: list[str | None]
    labels: np.ndarray
    decided_by: list[str]
    codebook_hash: str
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.units)

    @property
    def label_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.labels, columns=self.code_ids, index=self.units)

    @property
    def transcripts(self) -> list[str]:
        return sorted({g for g in self.groups if g is not None})

    @property
    def hash(self) -> str:
        """sha256 of everything the model learns from: units, texts, labels and who decided them."""
        rows = [[u, t, [c for c, v in zip(self.code_ids, row, strict=True) if v], d]
                for u, t, row, d in zip(self.units, self.texts, self.labels.tolist(), self.decided_by, strict=True)]
        return sha256_text(json.dumps({"unit": self.unit, "codes": self.code_ids, "rows": rows},
                                      ensure_ascii=False, sort_keys=True))

    def subset(self, rows: Sequence[int]) -> TrainingSet:
        rows = list(rows)
        return TrainingSet(self.unit, self.code_ids, [self.units[i] for i in rows], [self.texts[i] for i in rows],
                           [self.groups[i] for i in rows], self.labels[rows], [self.decided_by[i] for i in rows],
                           self.codebook_hash, self.problems)


def training_set(project: Project, unit: str = "turn", *, coders: Sequence[str] | None = None,
                 examples: bool = True) -> TrainingSet:
    """Gather the project's human coding on ``unit`` (turn or sentence), plus the codebook's examples.

    Parameters
    ----------
    project : Project
    unit : {"turn", "sentence"}
    coders : sequence of str, optional
        Human coders in order of priority (default: :func:`human_coders`).
    examples : bool
        Add the codebook's examples.

    Raises
    ------
    LearningError
        For an unknown unit, or fewer than two transcripts coded by people (nothing to cross-validate on).
    """
    if unit not in LEARN_UNITS:
        raise LearningError(f"the learned coder works on turns or sentences, not '{unit}'",
                            fix=f"use one of: {', '.join(LEARN_UNITS)}")
    codebook = load_codebook_cached(project)
    coders = list(coders) if coders is not None else human_coders(project)
    codings = coder_codings(project, coders, unit) if coders else None
    reviewed = codings.reviewed if codings is not None else {}
    decided: dict[str, str] = {}
    for coder in coders:
        for u in reviewed[coder]:
            decided.setdefault(u, coder)
    column = {code_id: j for j, code_id in enumerate(codebook.code_ids)}
    units = list(decided)
    row_of = {u: i for i, u in enumerate(units)}
    labels = np.zeros((len(units), len(column)), dtype=int)
    if codings is not None:
        for u, coder, code_id in codings.table.itertuples(index=False):
            if decided.get(u) == coder and code_id in column:  # codes gone from the codebook are reported
                labels[row_of[u], column[code_id]] = 1
    transcripts = sorted({transcript_of(u) for u in units})
    if len(transcripts) < 2:
        raise LearningError(
            f"the learned coder needs human coding of two or more transcripts; found {len(transcripts)}",
            path=project.codings_dir,
            fix="code more transcripts (pleval import codings, or the coding widget), then train again")
    texts = codings.texts if codings is not None else {}
    result = TrainingSet(unit, codebook.code_ids, units, [texts[u] for u in units],
                         [transcript_of(u) for u in units], labels, [decided[u] for u in units], codebook.hash,
                         list(codings.problems) if codings else [])
    if examples:
        result = with_examples(result, codebook)
    return result


def with_examples(training: TrainingSet, codebook: Codebook) -> TrainingSet:
    """The training set plus one row per codebook example, labelled with its code only."""
    units, texts, rows = [], [], []
    for j, code in enumerate(codebook.codes):
        for n, example in enumerate(code.examples):
            units.append(f"{CODEBOOK}:{code.id}:{n}")
            texts.append(example)
            row = np.zeros(len(codebook.codes), dtype=int)
            row[j] = 1
            rows.append(row)
    if not units:
        return training
    return TrainingSet(training.unit, training.code_ids, training.units + units, training.texts + texts,
                       training.groups + [None] * len(units), np.vstack([training.labels, *rows]),
                       training.decided_by + [CODEBOOK] * len(units), training.codebook_hash, training.problems)


class RuleFinding(NamedTuple):
    """A rule's match in a text: character offsets relative to that text, the words, and the rule's key."""

    start: int
    end: int
    text: str
    rule: str


def rule_findings(coder: RuleCoder, texts: Sequence[str]) -> tuple[np.ndarray, list[dict[str, list[RuleFinding]]]]:
    """The rules' score for every code in every text, and the matches behind each score.

    Returns an array (texts x codes, in codebook order) of scores (0 where no rule matched; a code is coded by
    the rules where :meth:`RuleCoder.passes`), and for each text a dict from code id to its matches.
    """
    texts = list(texts)
    code_ids = coder.codebook.code_ids
    column = {code_id: j for j, code_id in enumerate(code_ids)}
    scores = np.zeros((len(texts), len(code_ids)))
    found: list[dict[str, list[RuleFinding]]] = [{} for _ in texts]
    if not texts:
        return scores, found
    doc, ranges = parse_turns(coder.nlp, texts)
    offsets = np.cumsum([0] + [len(t) + len(SEPARATOR) for t in texts]).tolist()
    for i, (evidence, offset) in enumerate(zip(coder.evidence(doc, ranges), offsets, strict=False)):
        for code_id, (score, hits) in evidence.items():
            scores[i, column[code_id]] = score
            found[i][code_id] = [
                RuleFinding(doc[s:e].start_char - offset, doc[s:e].end_char - offset, doc[s:e].text, rule.key)
                for rule, s, e in hits
            ]
    return scores, found


def rules_decide(coder: RuleCoder, scores: np.ndarray) -> np.ndarray:
    """1 where the rules code a text (its score reaches the code's ``min_score``), per text and code."""
    minimum = np.array([coder.codebook.code(c).rules.min_score for c in coder.codebook.code_ids])
    return (scores + 1e-9 >= minimum).astype(int)


def model_input(texts: Sequence[str], scores: np.ndarray | None, code_ids: Sequence[str],
                decided: np.ndarray | None = None, similarities: np.ndarray | pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """The learned coder's input: a ``text`` column; with rule ``scores``, a ``rule:<code>`` column per code;
    with the rules' ``decided`` codes, a ``ruled:<code>`` column per code; with semantic ``similarities``, a
    ``semantic:<code>`` column per code (an array), or every column of
    :func:`pleval.learn.semantic.semantic_frame` (a DataFrame)."""
    columns: dict[str, list[str] | np.ndarray] = {TEXT: list(texts)}
    semantic = similarities if isinstance(similarities, pd.DataFrame) else None
    if semantic is not None:
        similarities = None
    for prefix, values in ((RULE_PREFIX, scores), (RULED_PREFIX, decided), (SEMANTIC_PREFIX, similarities)):
        if values is not None:
            columns.update({f"{prefix}{code_id}": values[:, j] for j, code_id in enumerate(code_ids)})
    frame = pd.DataFrame(columns)
    if semantic is not None:
        frame = pd.concat([frame, semantic.reset_index(drop=True)], axis=1)
    return frame
