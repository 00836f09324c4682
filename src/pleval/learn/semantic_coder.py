"""The semantic coder: the rules, the learned text model and sentence embeddings, stacked per code.

A :class:`SemanticCoder` is a :class:`~pleval.learn.estimator.LearnedCoder` whose input also carries, for each
text, its sentence embedding (``embedding:<i>`` columns) and its similarity to each part of each code's
description (``similar:<part>:<code id>`` columns, see :func:`pleval.learn.semantic.semantic_frame`). For each
code it weighs, in one small logistic regression (the stacker), the evidence of:

- the rules: their score and whether they code the text;
- the learned text model (TF-IDF word and character n-grams, as :class:`LearnedCoder`): its linear score;
- the embedding: a logistic regression on the sentence embedding, learned from the human-coded units, and the
  nearest neighbours: the mean similarity of the text to the ``neighbours`` most similar units coded with the
  code and to those coded without it (the codebook's examples are coded units too);
- the codebook: similarity to the code's definition, "use when" note and closest example, and to its "not
  when" note as evidence against.

Everything the stacker learns from is out-of-fold: the text model, the embedding model and the neighbours of
each unit come from folds that did not see the unit's transcript (grouped cross-validation, as in
:class:`LearnedCoder`). The stacker's own out-of-fold probabilities (a second cross-validation over the same
groups) choose each code's threshold, for the best F1 (or recall at ``target_precision``) of what it codes
together with the rules when ``keep_rules``. So the held-out data never reaches a threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .estimator import NEVER, RULE_PREFIX, LearnedCoder, as_frame, choose_threshold

EMBEDDING_PREFIX = "embedding:"
SIMILAR_PREFIX = "similar:"
#: The parts of a code's description a text is compared with; ``not`` (the "not when" note) counts against.
DESCRIPTION_PARTS = ("definition", "use", "example", "not")
#: The stacker's inputs per code, in column order.
STACK_FEATURES = ("rule_score", "ruled", "text_model", "embedding_model", "nearest_with", "nearest_without",
                  *(f"similar_{part}" for part in DESCRIPTION_PARTS))


def embedding_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if str(c).startswith(EMBEDDING_PREFIX)]


class SemanticCoder(LearnedCoder):
    """The rules, the learned text model and sentence embeddings, stacked per code (see the module's notes).

    Takes :class:`LearnedCoder`'s parameters (for its text model, its cross-validation and thresholds) and:

    Parameters
    ----------
    neighbours : int
        How many nearest coded units (with, and without, the code) a text is compared with.
    embedding_C : float
        Inverse regularisation of each code's logistic regression on the embedding.
    stack_C : float
        Inverse regularisation of each code's stacker.

    Attributes
    ----------
    stackers_ : list
        Each code's fitted stacker (None for a code no training text has).
    memory_ : ndarray
        The training texts' embeddings (the neighbours' pool); ``memory_labels_`` their codes and
        ``memory_texts_`` their texts, for evidence (:meth:`nearest_examples`).
    """

    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced", classifier: str = "logistic",
                 word_ngrams: tuple[int, int] | None = (1, 2), char_ngrams: tuple[int, int] | None = (3, 6),
                 min_df: int = 2, use_rules: bool = True, use_semantic: bool = True, keep_rules: bool = True,
                 cv_folds: int = 5, target_precision: float | None = None, random_state: int | None = 0,
                 neighbours: int = 3, embedding_C: float = 1.0, stack_C: float = 1.0):
        super().__init__(C=C, class_weight=class_weight, classifier=classifier, word_ngrams=word_ngrams,
                         char_ngrams=char_ngrams, min_df=min_df, use_rules=use_rules, use_semantic=use_semantic,
                         keep_rules=keep_rules, cv_folds=cv_folds, target_precision=target_precision,
                         random_state=random_state)
        self.neighbours = neighbours
        self.embedding_C = embedding_C
        self.stack_C = stack_C

    # --- the parts --------------------------------------------------------------------------------------

    def _embedding_models(self, embedded: np.ndarray, labels: np.ndarray) -> list[LogisticRegression | None]:
        models: list[LogisticRegression | None] = []
        for j in range(labels.shape[1]):
            if len(set(labels[:, j])) < 2:
                models.append(None)
                continue
            models.append(LogisticRegression(C=self.embedding_C, class_weight="balanced", max_iter=2000,
                                             random_state=self.random_state).fit(embedded, labels[:, j]))
        return models

    @staticmethod
    def _embedding_scores(models, embedded: np.ndarray) -> np.ndarray:
        scores = np.zeros((len(embedded), len(models)))
        for j, model in enumerate(models):
            if model is not None:
                scores[:, j] = model.decision_function(embedded)
            else:
                scores[:, j] = -10.0
        return scores

    def _nearest(self, embedded: np.ndarray, memory: np.ndarray,
                 labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean similarity to the ``neighbours`` closest pool units with, and without, each code."""
        similarity = embedded @ memory.T
        k = max(1, self.neighbours)
        with_code = np.zeros((len(embedded), labels.shape[1]))
        without = np.zeros_like(with_code)
        for j in range(labels.shape[1]):
            for target, pool in ((with_code, labels[:, j] == 1), (without, labels[:, j] == 0)):
                if pool.any():
                    top = np.sort(similarity[:, pool], axis=1)[:, -k:]
                    target[:, j] = top.mean(axis=1)
        return with_code, without

    def _stack_input(self, frame: pd.DataFrame, text_scores: np.ndarray, embedding_scores: np.ndarray,
                     nearest: tuple[np.ndarray, np.ndarray], j: int, code_id) -> np.ndarray:
        n = len(frame)

        def column(name: str) -> np.ndarray:
            return frame[name].to_numpy(dtype=float) if name in frame.columns else np.zeros(n)

        parts = [column(f"{RULE_PREFIX}{code_id}"), self._ruled(frame, self.classes_)[:, j].astype(float),
                 text_scores[:, j], embedding_scores[:, j], nearest[0][:, j], nearest[1][:, j],
                 *(column(f"{SIMILAR_PREFIX}{part}:{code_id}") for part in DESCRIPTION_PARTS)]
        return np.column_stack(parts)

    def _stacker(self):
        return make_pipeline(StandardScaler(), LogisticRegression(C=self.stack_C, class_weight="balanced",
                                                                  max_iter=1000, random_state=self.random_state))

    # --- fitting -----------------------------------------------------------------------------------------

    def fit(self, X, Y, groups: Sequence | None = None):
        """Fit the text model, the embedding models and the stackers; choose thresholds out of fold.

        ``X`` needs ``embedding:<i>`` columns (and, for the full evidence, ``rule:``, ``ruled:`` and
        ``similar:`` columns): see :func:`pleval.learn.semantic.semantic_frame`.
        """
        frame = as_frame(X).reset_index(drop=True)
        self.classes_ = np.asarray(Y.columns if isinstance(Y, pd.DataFrame) else np.arange(np.shape(Y)[1]))
        labels = np.asarray(Y, dtype=int)
        columns = embedding_columns(frame)
        if not columns:
            raise ValueError(f"the semantic coder needs the texts' embeddings in columns like {EMBEDDING_PREFIX}0")
        if labels.ndim != 2 or labels.shape[0] != len(frame):
            raise ValueError(f"Y must have one row per text ({len(frame)}) and one column per code")
        embedded = frame[columns].to_numpy(dtype=float)
        text_scores = np.full(labels.shape, np.nan)
        embedding_scores = np.full(labels.shape, np.nan)
        near_with, near_without = np.zeros(labels.shape), np.zeros(labels.shape)
        splits = list(self._splits(len(frame), groups))
        for train, test in splits:
            scorer = self._fit_scorer(frame.iloc[train], labels[train], [])
            text_scores[test] = np.asarray(scorer.decision_function(frame.iloc[test])).reshape(len(test), -1)
            models = self._embedding_models(embedded[train], labels[train])
            embedding_scores[test] = self._embedding_scores(models, embedded[test])
            near = self._nearest(embedded[test], embedded[train], labels[train])
            near_with[test], near_without[test] = near
        tested = ~np.isnan(text_scores[:, 0])
        ruled = self._ruled(frame, self.classes_)
        stackers: list = []
        thresholds: list[float] = []
        tested_rows = np.flatnonzero(tested)
        fold_of = np.full(len(frame), -1)
        for n, (_, test) in enumerate(splits):
            fold_of[test] = n
        for j, code_id in enumerate(self.classes_):
            truth = labels[tested, j]
            if len(set(truth)) < 2:
                stackers.append(None)
                thresholds.append(NEVER)
                continue
            inputs = self._stack_input(frame.iloc[tested_rows].reset_index(drop=True), text_scores[tested],
                                       embedding_scores[tested], (near_with[tested], near_without[tested]), j,
                                       code_id)
            probability = np.zeros(len(truth))
            for n in range(len(splits)):
                inner = fold_of[tested_rows] == n
                if inner.all() or len(set(truth[~inner])) < 2:
                    continue
                probability[inner] = self._stacker().fit(inputs[~inner], truth[~inner]).predict_proba(
                    inputs[inner])[:, 1]
            stackers.append(self._stacker().fit(inputs, truth))
            thresholds.append(choose_threshold(truth, probability, self.target_precision,
                                               already=ruled[tested, j]))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            self.pipeline_ = self._fit_scorer(frame, labels, [])
        self.embedding_models_ = self._embedding_models(embedded, labels)
        self.memory_, self.memory_labels_ = embedded, labels
        self.memory_texts_ = frame["text"].tolist()
        self.stackers_ = stackers
        self.calibrators_ = [None] * len(stackers)
        self.thresholds_ = np.array(thresholds)
        self.rule_columns_ = []
        return self

    # --- predicting --------------------------------------------------------------------------------------

    def predict_proba(self, X) -> np.ndarray:
        """Each code's stacked probability (columns in :attr:`classes_` order) for each text."""
        check_is_fitted(self, "stackers_")
        frame = as_frame(X).reset_index(drop=True)
        columns = embedding_columns(frame)
        if len(columns) != self.memory_.shape[1]:
            raise ValueError(f"the input needs the {self.memory_.shape[1]} embedding columns the coder was "
                             "trained with")
        embedded = frame[columns].to_numpy(dtype=float)
        text_scores = np.asarray(self.pipeline_.decision_function(frame), dtype=float).reshape(len(frame), -1)
        embedding_scores = self._embedding_scores(self.embedding_models_, embedded)
        nearest = self._nearest(embedded, self.memory_, self.memory_labels_)
        result = np.zeros((len(frame), len(self.classes_)))
        for j, code_id in enumerate(self.classes_):
            if self.stackers_[j] is not None:
                inputs = self._stack_input(frame, text_scores, embedding_scores, nearest, j, code_id)
                result[:, j] = self.stackers_[j].predict_proba(inputs)[:, 1]
        return result

    def nearest_examples(self, X, code: int) -> list[tuple[str, float]]:
        """For each text, the most similar training unit coded with ``code`` (a column index), and how similar
        (cosine): the coded example that best explains a suggestion. ``("", 0.0)`` when none is coded."""
        check_is_fitted(self, "stackers_")
        frame = as_frame(X)
        pool = np.flatnonzero(self.memory_labels_[:, code] == 1)
        if not len(pool):
            return [("", 0.0)] * len(frame)
        similarity = frame[embedding_columns(frame)].to_numpy(dtype=float) @ self.memory_[pool].T
        best = similarity.argmax(axis=1)
        return [(self.memory_texts_[pool[b]], float(similarity[i, b])) for i, b in enumerate(best)]
