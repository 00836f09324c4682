"""The learned coder: a scikit-learn estimator that suggests codes for passages of talk.

Multi-label: each code is a yes/no decision of its own (one-vs-rest). Features are TF-IDF word n-grams and
character n-grams of the text and, optionally, the codebook rules' scores for the same text (columns named
``rule:<code id>``) and its similarity in meaning to each code (``semantic:<code id>``). Optionally too, the
coder adds to the rules rather than replacing them (``keep_rules``): it codes what the rules code (columns
``ruled:<code id>``) and, beyond that, what the model is sure enough of. Each code's classifier is a logistic
regression (or a linear SVM) whose scores are calibrated into probabilities (a sigmoid fitted on out-of-fold
scores). A per-code decision threshold is chosen on the same out-of-fold probabilities, for the best F1 or,
with ``target_precision``, for the best recall at that precision; so a fitted coder carries everything it needs
to decide, and cross-validating the whole estimator is an honest, nested estimate.

The estimator follows scikit-learn's contract: ``__init__`` stores parameters only, ``fit`` returns self, fitted
state ends in ``_``, prediction checks the estimator is fitted, randomness comes from ``random_state``.
Nothing here knows about projects or files: :mod:`pleval.learn.training` builds its inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

TEXT = "text"
RULE_PREFIX = "rule:"  # the rules' score for a code, a feature
RULED_PREFIX = "ruled:"  # 1 where the rules code the text: kept by a coder that adds to the rules
SEMANTIC_PREFIX = "semantic:"  # the text's similarity in meaning to a code (pleval.learn.semantic), a feature
NEVER = float("inf")  # the threshold of a code the model never suggests (no threshold reached the target)
#: Words never shown as a suggestion's evidence: English function words, and the pieces the word tokenizer cuts
#: from contractions ("I've" -> "ve", "don't" -> "don"). They may weigh in the model, but explain nothing.
NOT_EVIDENCE = ENGLISH_STOP_WORDS | {"ve", "ll", "re", "don", "didn", "doesn", "isn", "wasn", "aren", "weren",
                                     "won", "wouldn", "couldn", "shouldn", "haven", "hasn", "hadn", "ain", "em",
                                     "gonna", "wanna", "kinda", "sorta", "yeah", "um", "uh", "like", "just",
                                     "really", "lot", "thing", "things", "stuff", "okay", "ok"}
#: Talk's light verbs, hedges and fillers, and words about anyone in a classroom: frequent in every theme's
#: talk, so a model may lean on them, but as evidence they say nothing of why a code fits.
NOT_EVIDENCE |= {"doing", "going", "got", "getting", "gets", "said", "say", "saying", "says", "think", "thinking",
                 "thought", "want", "wanted", "wants", "came", "come", "comes", "coming", "try", "trying", "tried",
                 "started", "start", "starting", "kind", "way", "ways", "make", "makes", "making", "made", "look",
                 "looking", "looked", "tell", "told", "ask", "asked", "actually", "honestly", "basically",
                 "literally", "probably", "maybe", "pretty", "little", "big", "good", "great", "different", "new",
                 "old", "know", "knew", "mean", "means", "guess", "feel", "felt", "right", "sure", "yes", "oh",
                 "ones", "everybody", "somebody", "anybody", "people", "person", "kids", "kid", "guys", "folks",
                 "year", "years", "day", "days", "week", "weeks", "today", "stop", "need", "needs", "needed",
                 "use", "used", "using", "work", "working", "worked", "works", "happen", "happened", "happens",
                 "let", "lets", "gave", "give", "took", "take", "takes", "put", "went", "goes", "seen", "saw",
                 "able", "whole", "real", "totally", "exactly", "definitely", "obviously", "course", "mm",
                 "hmm", "laughs", "laughter", "crosstalk", "inaudible", "did", "does", "dr", "mr", "mrs", "ms",
                 "miss", "sir", "couple", "instead", "point", "half", "set", "line", "runs", "counts", "sit"}


def is_evidence(term: str) -> bool:
    """Whether a word n-gram means something to a reader: every word a content word (not a function word, a
    contraction's piece or a number)."""
    words = term.split()
    return bool(words) and all(w not in NOT_EVIDENCE and not w.isdigit() and len(w) > 1 for w in words)


def as_frame(X) -> pd.DataFrame:
    """The estimator's input as a DataFrame: a ``text`` column, and any ``rule:<code id>`` score columns.

    A plain sequence of strings is taken as the text alone.
    """
    if isinstance(X, pd.DataFrame):
        if TEXT not in X.columns:
            raise ValueError(f"the input needs a '{TEXT}' column; it has {list(X.columns)}")
        return X
    if isinstance(X, str):
        raise ValueError("pass a sequence of texts, not a single string")
    return pd.DataFrame({TEXT: [str(x) for x in X]})


def choose_threshold(truth: np.ndarray, probability: np.ndarray, target_precision: float | None = None,
                     already: np.ndarray | None = None) -> float:
    """The decision threshold for one code from out-of-fold probabilities.

    With no ``target_precision``, the threshold of the best F1; with one, the lowest threshold (so the best
    recall) whose precision reaches it. ``already`` marks units coded whatever the probability (by the rules,
    when the model adds to them): the threshold is then chosen for the F1 or precision of the union. Returns
    ``inf`` (the model never adds the code) when the best F1 is reached without the model, or no threshold
    reaches the target precision. A unit is coded when its probability is ``>=`` the threshold.

    Parameters
    ----------
    truth : array of 0/1
        Whether the reference applied the code to each unit.
    probability : array of float
        The model's out-of-fold probability for each unit.
    target_precision : float, optional
        The precision to reach, between 0 and 1.
    already : array of 0/1, optional
        Units coded anyway.
    """
    truth = np.asarray(truth, dtype=int)
    probability = np.asarray(probability, dtype=float)
    already = np.zeros(len(truth), bool) if already is None else np.asarray(already, dtype=bool)
    positives = truth.sum()
    if positives == 0:
        return NEVER
    order = np.argsort(-probability[~already], kind="stable")
    ranked, hits = probability[~already][order], truth[~already][order]
    last_of_value = np.append(ranked[1:] != ranked[:-1], True)  # a threshold takes every tie with it
    thresholds = np.concatenate([[NEVER], ranked[last_of_value]])
    coded = already.sum() + np.concatenate([[0], np.flatnonzero(last_of_value) + 1])
    agreed = (truth & already).sum() + np.concatenate([[0], np.cumsum(hits)[last_of_value]])
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(coded > 0, agreed / coded, np.nan)
    if target_precision is None:
        f1 = 2 * agreed / (coded + positives)
        return float(thresholds[np.flatnonzero(f1 == f1.max())[0]])  # of equal F1s, the fewest suggestions
    reached = np.flatnonzero(precision >= target_precision - 1e-12)
    return float(thresholds[reached[-1]]) if len(reached) else NEVER


class LearnedCoder(ClassifierMixin, BaseEstimator):
    """A multi-label text classifier that codes passages the way the people it learned from did.

    ``fit`` runs one grouped cross-validation: each fold's model scores the texts it did not see; from those
    out-of-fold scores, each code gets a sigmoid calibration (Platt scaling, a logistic regression on the score,
    as scikit-learn's ``CalibratedClassifierCV(ensemble=False)`` does) and a decision threshold. The final model
    is then fitted on every text.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of each code's linear classifier.
    class_weight : {"balanced", None}
        Weight positive units up to balance rare codes (the probabilities are calibrated afterwards).
    classifier : {"logistic", "svm"}
        Logistic regression, or a linear support vector machine.
    word_ngrams, char_ngrams : tuple of int
        The n-gram ranges of the word and character (within word boundaries) TF-IDF features; ``None`` leaves
        that kind of feature out.
    min_df : int
        Keep n-grams found in at least this many training texts.
    use_rules : bool
        Use the ``rule:<code id>`` columns of the input as features, when it has them.
    use_semantic : bool
        Use the ``semantic:<code id>`` columns of the input (similarities in meaning to each code, from the
        optional semantic extra) as features, when it has them.
    keep_rules : bool
        Add to the rules rather than replace them: code a text wherever its ``ruled:<code id>`` column is 1, and
        wherever the model's probability reaches the threshold, chosen for the F1 (or precision) of the two
        together.
    cv_folds : int
        Folds of the cross-validation inside ``fit`` that calibrates probabilities and chooses thresholds. With
        ``groups``, folds never split a group (a transcript); texts whose group is None (e.g. codebook examples)
        are always in the training part.
    target_precision : float, optional
        Choose each code's threshold for the best recall at this precision instead of the best F1.
    random_state : int, optional
        Seed of every shuffled split.

    Attributes
    ----------
    classes_ : ndarray
        The code ids, in the column order of ``Y`` and of :meth:`predict_proba`.
    thresholds_ : ndarray
        Each code's decision threshold on its probability (``inf``: never suggested).
    calibrators_ : list
        Each code's fitted sigmoid (None for a code with no positive text: probability 0).
    rule_columns_ : list of str
        The rule-score and semantic-similarity columns used as features.
    pipeline_ : Pipeline
        The fitted features and per-code classifiers.
    """

    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced", classifier: str = "logistic",
                 word_ngrams: tuple[int, int] | None = (1, 2), char_ngrams: tuple[int, int] | None = (3, 6),
                 min_df: int = 2, use_rules: bool = False, use_semantic: bool = False, keep_rules: bool = False,
                 cv_folds: int = 5, target_precision: float | None = None, random_state: int | None = 0):
        self.C = C
        self.class_weight = class_weight
        self.classifier = classifier
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.use_rules = use_rules
        self.use_semantic = use_semantic
        self.keep_rules = keep_rules
        self.cv_folds = cv_folds
        self.target_precision = target_precision
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # --- building ----------------------------------------------------------------------------------------

    def _features(self, rule_columns: list[str]) -> ColumnTransformer:
        parts: list[tuple[str, object, str | list[str]]] = []  # (name, transformer, columns)
        if self.word_ngrams is not None:
            parts.append(("words", TfidfVectorizer(ngram_range=tuple(self.word_ngrams), min_df=self.min_df,
                                                   sublinear_tf=True, strip_accents="unicode"), TEXT))
        if self.char_ngrams is not None:
            parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                                   min_df=self.min_df, sublinear_tf=True,
                                                   strip_accents="unicode"), TEXT))
        for name, prefix in (("rules", RULE_PREFIX), ("semantic", SEMANTIC_PREFIX)):
            columns = [c for c in rule_columns if c.startswith(prefix)]
            if columns:
                parts.append((name, "passthrough", columns))
        if not parts:
            raise ValueError("word_ngrams and char_ngrams are both None and there are no rule columns: no features")
        return ColumnTransformer(parts, sparse_threshold=1.0)

    def _linear(self):
        if self.classifier == "logistic":
            # the dual problem: far fewer texts than n-grams, where liblinear's dual solver is many times faster
            return LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", dual=True,
                                      max_iter=1000, random_state=self.random_state)
        if self.classifier == "svm":
            return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        raise ValueError(f"classifier must be 'logistic' or 'svm', not {self.classifier!r}")

    def _fit_scorer(self, frame: pd.DataFrame, labels: np.ndarray, rule_columns: list[str]) -> Pipeline:
        pipeline = Pipeline([("features", self._features(rule_columns)),
                             ("codes", OneVsRestClassifier(self._linear()))])
        with warnings.catch_warnings():
            # a code with no positive text in a fold is scored as a constant: expected with rare codes
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            pipeline.fit(frame, labels)
        return pipeline

    # --- fitting -----------------------------------------------------------------------------------------

    def fit(self, X, Y, groups: Sequence | None = None):
        """Learn each code from labelled texts; calibrate it and choose its threshold by cross-validation.

        Parameters
        ----------
        X : DataFrame or sequence of str
            Texts (column ``text``), with rule scores in ``rule:<code id>`` columns if ``use_rules``, and the
            rules' decisions in ``ruled:<code id>`` columns if ``keep_rules``.
        Y : DataFrame or array of shape (n_texts, n_codes)
            1 where the code applies. A DataFrame's columns name the codes.
        groups : sequence, optional
            The group of each text (its transcript), so that folds never split one; None for texts that belong
            to no group and are always trained on.

        Returns
        -------
        self
        """
        frame = as_frame(X).reset_index(drop=True)
        classes = np.asarray(Y.columns if isinstance(Y, pd.DataFrame) else np.arange(np.shape(Y)[1]))
        labels = np.asarray(Y, dtype=int)
        if labels.ndim != 2 or labels.shape[0] != len(frame):
            raise ValueError(f"Y must have one row per text ({len(frame)}) and one column per code")
        prefixes = (RULE_PREFIX,) * self.use_rules + (SEMANTIC_PREFIX,) * self.use_semantic
        rule_columns = [c for c in frame.columns if prefixes and str(c).startswith(prefixes)]
        ruled = self._ruled(frame, classes)
        scores = np.full(labels.shape, np.nan)
        for train, test in self._splits(len(frame), groups):
            scores[test] = self._fit_scorer(frame.iloc[train], labels[train], rule_columns).decision_function(
                frame.iloc[test])
        tested = ~np.isnan(scores[:, 0])
        calibrators: list[LogisticRegression | None] = []
        thresholds: list[float] = []
        for j in range(labels.shape[1]):
            truth, score = labels[tested, j], scores[tested, j:j + 1]
            if len(set(truth)) < 2:
                calibrators.append(None)
                thresholds.append(NEVER)
                continue
            calibrator = LogisticRegression(C=1.0).fit(score, truth)
            calibrators.append(calibrator)
            thresholds.append(choose_threshold(truth, calibrator.predict_proba(score)[:, 1], self.target_precision,
                                               already=ruled[tested, j]))
        self.pipeline_ = self._fit_scorer(frame, labels, rule_columns)
        self.calibrators_ = calibrators
        self.thresholds_ = np.array(thresholds)
        self.classes_ = classes
        self.rule_columns_ = rule_columns
        return self

    def _ruled(self, frame: pd.DataFrame, classes) -> np.ndarray:
        """The rules' decisions (texts x codes) a coder that keeps the rules adds to; zeros otherwise."""
        if not self.keep_rules:
            return np.zeros((len(frame), len(classes)), dtype=bool)
        columns = [f"{RULED_PREFIX}{c}" for c in classes]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"keep_rules needs the rules' decisions in columns like {missing[0]}")
        return frame[columns].to_numpy(dtype=float) > 0

    def _splits(self, n: int, groups: Sequence | None):
        """(train, test) index arrays of the cross-validation inside :meth:`fit`."""
        if groups is None:
            folds = min(self.cv_folds, n)
            yield from KFold(folds, shuffle=True, random_state=self.random_state).split(np.zeros(n))
            return
        group_of = np.asarray([None if g is None or g != g else str(g) for g in groups], dtype=object)
        if len(group_of) != n:
            raise ValueError(f"groups must have one entry per text ({n}), not {len(group_of)}")
        grouped = np.flatnonzero(group_of != None)  # noqa: E711 (element-wise)
        always = np.flatnonzero(group_of == None)  # noqa: E711
        distinct = len(set(group_of[grouped]))
        if distinct < 2:
            raise ValueError("calibrating by cross-validation needs texts from two or more groups")
        splitter = GroupKFold(min(self.cv_folds, distinct))  # deterministic: groups balanced by size
        for train, test in splitter.split(grouped, groups=group_of[grouped]):
            yield np.concatenate([grouped[train], always]), grouped[test]

    # --- predicting --------------------------------------------------------------------------------------

    def decision_function(self, X) -> np.ndarray:
        """Each code's uncalibrated linear score (columns in :attr:`classes_` order) for each text."""
        check_is_fitted(self, "pipeline_")
        frame = as_frame(X)
        missing = [c for c in self.rule_columns_ if c not in frame.columns]
        if missing:
            raise ValueError(f"the input lacks rule or semantic columns the coder was trained with, e.g. {missing[0]}")
        scores = np.asarray(self.pipeline_.decision_function(frame), dtype=float)
        return scores.reshape(len(frame), len(self.classes_))

    def predict_proba(self, X) -> np.ndarray:
        """The calibrated probability of each code (columns in :attr:`classes_` order) for each text."""
        scores = self.decision_function(X)
        result = np.zeros_like(scores)
        for j, calibrator in enumerate(self.calibrators_):
            if calibrator is not None:
                result[:, j] = calibrator.predict_proba(scores[:, j:j + 1])[:, 1]
        return result

    def predict(self, X) -> np.ndarray:
        """1 where a code's probability reaches its threshold (or, with ``keep_rules``, the rules code it), per
        text and code."""
        decided = self.predict_proba(X) >= self.thresholds_
        return (decided | self._ruled(as_frame(X), self.classes_)).astype(int)

    def word_tfidf(self, X):
        """The texts' word TF-IDF rows (a sparse matrix), to pass to :meth:`influential_terms` for several
        codes without transforming the texts again; None when the coder has no word features."""
        check_is_fitted(self, "pipeline_")
        features: ColumnTransformer = self.pipeline_.named_steps["features"]
        if "words" not in features.named_transformers_:
            return None
        return features.named_transformers_["words"].transform(as_frame(X)[TEXT]).tocsr()

    def influential_terms(self, X, code: int, n: int = 5, tfidf=None) -> list[list[str]]:
        """For each text, the words that pushed ``code`` (a column index) up most: coefficient x TF-IDF.

        Only word n-grams of content words are reported (see :func:`is_evidence`): function words, character
        n-grams and rule scores count in the model too, but mean little to a reader. ``tfidf``: the texts'
        rows of :meth:`word_tfidf`, when already computed.
        """
        check_is_fitted(self, "pipeline_")
        frame = as_frame(X)
        features: ColumnTransformer = self.pipeline_.named_steps["features"]
        estimator = self.pipeline_.named_steps["codes"].estimators_[code]
        if "words" not in features.named_transformers_ or not hasattr(estimator, "coef_"):
            return [[] for _ in range(len(frame))]  # no word features, or a code never seen (constant)
        coef = estimator.coef_.ravel()[features.output_indices_["words"]]
        vectorizer = features.named_transformers_["words"]
        names = vectorizer.get_feature_names_out()
        tfidf = vectorizer.transform(frame[TEXT]).tocsr() if tfidf is None else tfidf
        result = []
        for row in range(tfidf.shape[0]):
            columns = tfidf.indices[tfidf.indptr[row]:tfidf.indptr[row + 1]]
            values = tfidf.data[tfidf.indptr[row]:tfidf.indptr[row + 1]] * coef[columns]
            order = np.argsort(-values, kind="stable")
            terms = [str(names[columns[i]]) for i in order if values[i] > 0]
            result.append([term for term in terms if is_evidence(term)][:n])
        return result
