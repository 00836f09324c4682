"""The semantic coder's stacking, on texts whose 'embeddings' are made to carry their meaning (no model needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from pleval.learn.estimator import NEVER
from pleval.learn.semantic_coder import EMBEDDING_PREFIX, SIMILAR_PREFIX, STACK_FEATURES, SemanticCoder

MONEY = ["levy", "dollars", "afford", "stipend", "grant"]
TIME = ["schedule", "minutes", "hours", "rushed", "planning"]
FILLER = ["the", "kids", "we", "really", "school", "year", "think", "class"]


def _frame(n: int = 10, seed: int = 0, dims: int = 8) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Texts about money, time, both or neither; their 'embedding' points along axis 0 for money and 1 for time,
    with noise, as a sentence model's would along directions of meaning."""
    rng = np.random.default_rng(seed)
    texts, labels, groups, vectors = [], [], [], []
    for i in range(n):
        for money, time in ((1, 0), (0, 1), (1, 1), (0, 0)):
            words = list(rng.choice(FILLER, 5)) + list(rng.choice(MONEY, 2)) * money + list(rng.choice(TIME, 2)) * time
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append((money, time))
            groups.append(f"t{i % 5}")
            vector = rng.normal(0, 0.3, dims)
            vector[0] += 2 * money
            vector[1] += 2 * time
            vectors.append(vector / np.linalg.norm(vector))
    frame = pd.DataFrame({"text": texts})
    frame = pd.concat([frame, pd.DataFrame(np.array(vectors), columns=[f"{EMBEDDING_PREFIX}{i}" for i in range(dims)])],
                      axis=1)
    for code, axis in (("funding", 0), ("time", 1)):
        frame[f"{SIMILAR_PREFIX}definition:{code}"] = frame[f"{EMBEDDING_PREFIX}{axis}"]
    return frame, pd.DataFrame(labels, columns=["funding", "time"]), groups


def test_the_semantic_coder_learns_codes_from_meaning_and_chooses_thresholds_out_of_fold():
    frame, labels, groups = _frame()
    coder = SemanticCoder(use_rules=False, keep_rules=False, char_ngrams=None, cv_folds=5).fit(frame, labels, groups)
    assert list(coder.classes_) == ["funding", "time"] and len(coder.stackers_) == 2
    assert all(0 < t <= 1 for t in coder.thresholds_)
    fresh, truth, _ = _frame(seed=1)
    fresh["text"] = "words the model never saw"  # only the meaning (the embedding) is left to go by
    decided = coder.predict(fresh)
    agreement = (decided == truth.to_numpy()).mean()
    assert agreement >= 0.85, agreement  # the text model, which sees nothing it knows, weighs in too
    assert clone(coder).get_params()["neighbours"] == 3 and len(STACK_FEATURES) == 10


def test_the_nearest_coded_example_explains_a_suggestion():
    frame, labels, groups = _frame()
    coder = SemanticCoder(use_rules=False, keep_rules=False, char_ngrams=None).fit(frame, labels, groups)
    nearest = coder.nearest_examples(frame.iloc[:4], 0)
    for text, similarity in nearest:
        assert text in set(frame["text"][labels["funding"] == 1]) and -1 <= similarity <= 1
    assert nearest[0][1] > 0.5  # a money text's nearest money example is close in meaning


def test_a_code_no_text_has_is_never_suggested_and_the_embedding_is_required():
    frame, labels, groups = _frame()
    labels["time"] = 0
    coder = SemanticCoder(use_rules=False, keep_rules=False, char_ngrams=None).fit(frame, labels, groups)
    assert coder.stackers_[1] is None and coder.thresholds_[1] == NEVER
    assert not coder.predict(frame)[:, 1].any()
    assert coder.nearest_examples(frame.iloc[:2], 1) == [("", 0.0), ("", 0.0)]
    with pytest.raises(ValueError, match="embeddings in columns like embedding:0"):
        SemanticCoder().fit(frame[["text"]], labels, groups)
    with pytest.raises(ValueError, match="embedding columns"):
        coder.predict_proba(frame[["text"]])


def test_with_keep_rules_what_the_rules_code_stays_coded():
    frame, labels, groups = _frame()
    frame["rule:funding"] = frame["ruled:funding"] = 0.0
    frame["rule:time"] = frame["ruled:time"] = 0.0
    frame.loc[3, ["rule:time", "ruled:time"]] = 1.0  # the rules code a text about neither with time
    coder = SemanticCoder(char_ngrams=None).fit(frame, labels, groups)
    assert coder.predict(frame.iloc[[3]])[0, 1] == 1
