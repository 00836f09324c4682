"""The learned coder judged as a coder: leave-one-transcript-out cross-validation against a human reference.

For each transcript the reference (by default the consensus) coded, the model is trained on every other
transcript's human coding plus the codebook's examples, and codes the held-out transcript's units; its thresholds
are chosen inside that training (a nested cross-validation), so nothing of the held-out transcript reaches the
model. The held-out decisions of three coders are then scored against the reference, per code, with the same
statistics as people (:func:`pleval.coding.reliability.scores_against_reference`):

- ``rules``: the codebook's rules alone (they learn nothing, so they need no folds);
- ``model``: the learned coder on the text alone;
- ``combined``: the rules plus what the learned coder adds to them (each code's threshold chosen, inside the
  training, for the F1 of the two together).

Optionally the same three coders, trained on all the project's human coding, are scored on a file of labelled
quotes from outside the project, on each of its splits apart (``dev`` to tune on, ``test`` to report), with the
same per-code statistics. Every micro-averaged F1 carries a percentile bootstrap interval over units (quotes, or
held-out turns), so two coders' figures can be told apart, or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut
from tqdm.auto import tqdm

from ..coding.reliability import SCORE_COLUMNS, scores_against_reference
from ..coding.store import CONSENSUS, RULES
from ..errors import LearningError, Problem
from ..inputs.cache import load_codebook_cached
from ..nlp.rules import RuleCoder
from ..project import Project
from .quality import MeasuredQuality, quality_from_scores
from .quotes import read_quotes
from .trained import default_coder, load_or_train
from .training import TrainingSet, human_coders, model_input, rule_findings, rules_decide, training_set

MODEL, COMBINED = "model", "combined"  # the coders judged beside the rules
SUGGESTING = COMBINED  # the coder whose suggestions the widget shows (pleval.learn.suggest.Suggester)
CROSS_VALIDATION, QUOTES, LABELS = "leave-one-transcript-out", "quotes", "labels"
JUDGED = (RULES, MODEL, COMBINED)
MICRO = "(all codes)"

#: Columns of :attr:`Evaluation.table`: the scores, and a 95% bootstrap interval of F1 (on the micro rows).
EVALUATION_COLUMNS = ["coder", "reference", *SCORE_COLUMNS, "f1_low", "f1_high"]


def quotes_test(split: str | None) -> str:
    """The name of the test on one split of labelled quotes: ``quotes``, or ``quotes:<split>``."""
    return QUOTES if split is None else f"{QUOTES}:{split}"


def micro_f1_interval(truth: np.ndarray, decided: np.ndarray, *, n_resamples: int = 1000,
                      confidence: float = 0.95, random_state: int | None = 0) -> tuple[float, float]:
    """A percentile bootstrap interval of micro-averaged F1, resampling units (rows) with replacement.

    Parameters
    ----------
    truth, decided : array of 0/1, units x codes
        The reference's codes and the coder's.
    """
    truth, decided = np.asarray(truth, dtype=bool), np.asarray(decided, dtype=bool)
    if len(truth) < 2:
        return float("nan"), float("nan")
    agreed = (truth & decided).sum(axis=1)
    wrong = (truth ^ decided).sum(axis=1)  # false positives and false negatives
    rng = np.random.default_rng(random_state)
    draws = rng.integers(0, len(truth), (n_resamples, len(truth)))
    tp, errors = agreed[draws].sum(axis=1), wrong[draws].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * tp / (2 * tp + errors)
    f1 = f1[~np.isnan(f1)]
    if not len(f1):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(f1, [tail, 100 - tail])
    return float(low), float(high)


@dataclass
class Evaluation:
    """Cross-validated scores of the rules, the model and the combined coder against the reference.

    ``table`` has one row per coder and code (and ``(all codes)``, micro-averaged): see
    :data:`EVALUATION_COLUMNS`. ``quotes``, when labelled quotes were given, has the same columns and a ``test``
    column (``quotes``, or ``quotes:<split>`` for each split of the file) for the coders' decisions on the
    quotes, against their labels (reference ``labels``).
    """

    unit: str
    reference: str
    table: pd.DataFrame
    held_out: list[str]  # the transcripts, in the order they were held out
    seconds: float
    quotes: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    semantic: bool = False  # the learned coders were the semantic ones (pleval.learn.semantic_coder)
    embedding_model: str | None = None  # the sentence-embedding model they read, when semantic

    def report(self) -> pd.DataFrame:
        """Both tests in one table, with a ``test`` column: ``leave-one-transcript-out`` and, with labelled
        quotes, ``quotes`` (or ``quotes:<split>`` per split); rows by test, then code (codebook order,
        ``(all codes)`` last), then coder."""
        parts = [self.table.assign(test=CROSS_VALIDATION)]
        if self.quotes is not None:
            parts.append(self.quotes)
        table = pd.concat(parts, ignore_index=True)
        codes = list(dict.fromkeys(table["code_id"]))
        tests = list(dict.fromkeys(table["test"]))
        coders = list(dict.fromkeys([*JUDGED, *table["coder"]]))
        order = [table["test"].map(tests.index), table["code_id"].map(codes.index), table["coder"].map(coders.index)]
        table = table.assign(_t=order[0], _c=order[1], _j=order[2]).sort_values(["_t", "_c", "_j"], kind="stable")
        return table[["test", *EVALUATION_COLUMNS]].reset_index(drop=True)

    def measured_quality(self, quotes_path: str | Path) -> MeasuredQuality:
        """The suggesting coder's figures on the quotes' ``test`` split (all quotes when the file has no
        splits), ready for :func:`pleval.learn.quality.save_quality`.

        Raises
        ------
        LearningError
            When the evaluation scored no labelled quotes.
        """
        if self.quotes is None:
            raise LearningError("no labelled quotes were scored", fix="evaluate with --quotes FILE")
        splits = set(self.quotes["test"])
        split = "test" if quotes_test("test") in splits else None
        measured = quality_from_scores(self.quotes, SUGGESTING, split, quotes_path)
        if not self.semantic:
            return measured
        return measured.model_copy(update={"coder": f"{SUGGESTING}+semantic ({self.embedding_model})"})


def transcript_folds(training: TrainingSet, reference: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave-one-transcript-out folds: (training rows, test rows) for each transcript the reference coded.

    The test rows are that transcript's units; the training rows are every row of every other transcript and
    every codebook example, so no transcript is ever in its own training fold.
    """
    groups = np.asarray(training.groups, dtype=object)
    tested = np.flatnonzero([d == reference for d in training.decided_by])
    folds = []
    for _, test in LeaveOneGroupOut().split(tested, groups=groups[tested]):
        test_rows = tested[test]
        train_rows = np.flatnonzero(groups != groups[test_rows[0]])
        folds.append((train_rows, test_rows))
    return folds


def evaluate(project: Project, unit: str = "turn", *, reference: str = CONSENSUS,
             target_precision: float | None = None, quotes: str | Path | None = None, semantic: bool = False,
             progress: bool | None = None) -> Evaluation:
    """Cross-validate the rules, the model and the combined coder against ``reference``.

    Parameters
    ----------
    project : Project
    unit : {"turn", "sentence"}
    reference : str
        The human coder taken as the truth (its decisions come first in the training data).
    target_precision : float, optional
        Choose the learned coders' thresholds for this precision instead of the best F1.
    quotes : path, optional
        A labelled-quotes file (see :mod:`pleval.learn.quotes`) to score the coders on as well, on each of its
        splits apart.
    semantic : bool
        Give the model and the combined coder the semantic similarities as features too (the semantic extra).
    progress : bool or None
        Show a progress bar over the folds (None: only on a terminal).

    Raises
    ------
    LearningError
        When the reference has no log, fewer than three transcripts have human coding, or ``semantic`` is asked
        for without the extra.
    """
    started = time.perf_counter()
    people = human_coders(project)
    if reference not in people:
        raise LearningError(f"no coding log for the reference coder '{reference}'",
                            path=project.codings_dir,
                            fix=f"pass --reference with one of: {', '.join(people) or '(no human coder yet)'}")
    if reference in JUDGED:
        raise LearningError(f"a human coder named '{reference}' cannot be the reference: the name is taken by "
                            "a judged coder", fix="rename the coder's log")
    training = training_set(project, unit, coders=[reference, *[p for p in people if p != reference]])
    if len(training.transcripts) < 3:
        raise LearningError(
            f"cross-validation needs human coding of three or more transcripts; found {len(training.transcripts)}",
            path=project.codings_dir, fix="code more transcripts, then evaluate again")
    codebook = load_codebook_cached(project)
    rule_coder = RuleCoder(codebook)
    scores, _ = rule_findings(rule_coder, training.texts)
    decisions = {RULES: rules_decide(rule_coder, scores)}
    embedding_model = None
    if semantic:
        from .semantic import cache_embeddings_in, embedding_model_name  # the optional extra: only when asked for

        cache_embeddings_in(project)
        embedding_model = embedding_model_name()
    similarities = _similarities(codebook, training.texts) if semantic else None
    inputs = {MODEL: model_input(training.texts, None, training.code_ids, None, similarities),
              COMBINED: model_input(training.texts, scores, training.code_ids, decisions[RULES], similarities)}
    labels = training.label_frame.reset_index(drop=True)
    groups = np.asarray(training.groups, dtype=object)
    for name in (MODEL, COMBINED):
        decisions[name] = np.zeros_like(training.labels)
    folds = transcript_folds(training, reference)
    disable = None if progress is None else not progress
    for train, test in tqdm(folds, desc="cross-validating", unit="transcript", disable=disable):
        for name in (MODEL, COMBINED):
            estimator = clone(default_coder(combined=name == COMBINED, semantic=semantic,
                                            target_precision=target_precision))
            estimator.fit(inputs[name].iloc[train], labels.iloc[train], groups=groups[train])
            decisions[name][test] = estimator.predict(inputs[name].iloc[test])
    tested = np.concatenate([test for _, test in folds])
    table = _score(training, reference, decisions, tested)
    held_out = [str(groups[test[0]]) for _, test in folds]
    quote_scores = None
    if quotes is not None:
        quote_scores = score_quotes(project, quotes, training, rule_coder, target_precision, semantic)
    return Evaluation(unit, reference, table, held_out, time.perf_counter() - started, quote_scores,
                      training.problems, semantic, embedding_model)


def _score(training: TrainingSet, reference: str, decisions: dict[str, np.ndarray],
           tested: np.ndarray) -> pd.DataFrame:
    """Per-code scores of each judged coder's held-out decisions against the reference's labels."""
    units = [training.units[i] for i in tested]
    rows = []
    for coder, decided in [(reference, training.labels), *decisions.items()]:
        for i in tested:
            rows += [(training.units[i], coder, code_id)
                     for code_id, value in zip(training.code_ids, decided[i], strict=True) if value]
    codings = pd.DataFrame(rows, columns=["unit", "coder", "code_id"])
    reviewed = {coder: units for coder in [*decisions, reference]}
    parts = []
    for coder, decided in decisions.items():
        part = scores_against_reference(codings, reviewed, coder, reference, training.code_ids)
        low, high = micro_f1_interval(training.labels[tested], decided[tested])
        micro = part["code_id"] == MICRO
        part.loc[micro, "f1_low"], part.loc[micro, "f1_high"] = low, high
        parts.append(part.assign(coder=coder, reference=reference))
    return pd.concat(parts, ignore_index=True)[EVALUATION_COLUMNS]


def _similarities(codebook, texts):
    from .semantic import semantic_frame  # the optional extra: imported only when asked for

    return semantic_frame(codebook, texts)


def score_quotes(project: Project, path: str | Path, training: TrainingSet, rule_coder: RuleCoder,
                 target_precision: float | None = None, semantic: bool = False) -> pd.DataFrame:
    """Scores on labelled quotes (reference ``labels``) of the rules, and of the model and the combined coder
    trained on all of ``training`` (saved under outputs/models/ like any trained coder): one set of rows per
    split of the file, named in the ``test`` column (see :func:`quotes_test`)."""
    quotes = read_quotes(path, rule_coder.codebook)
    scores, _ = rule_findings(rule_coder, quotes.texts)
    similarities = _similarities(rule_coder.codebook, quotes.texts) if semantic else None
    decisions = {RULES: rules_decide(rule_coder, scores)}
    for name in (MODEL, COMBINED):
        trained = load_or_train(project, training.unit, combined=name == COMBINED, semantic=semantic,
                                target_precision=target_precision, training=training, rule_coder=rule_coder)
        inputs = model_input(quotes.texts, scores, quotes.code_ids, decisions[RULES], similarities)
        decisions[name] = trained.coder.predict(inputs)
    labelled = TrainingSet(training.unit, quotes.code_ids, quotes.ids, quotes.texts, [None] * len(quotes.ids),
                           quotes.labels, [LABELS] * len(quotes.ids), training.codebook_hash)
    parts = []
    for split in quotes.split_names:
        rows = np.array([i for i, s in enumerate(quotes.splits) if s == split])
        parts.append(_score(labelled, LABELS, decisions, rows).assign(test=quotes_test(split)))
    return pd.concat(parts, ignore_index=True)[["test", *EVALUATION_COLUMNS]]
