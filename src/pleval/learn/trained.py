"""Trained coders kept under ``outputs/models/``, retrained when what they learned from changes.

Each trained coder is two files: ``<name>.joblib`` (the fitted estimator) and ``<name>.json`` (what made it:
the codebook hash, the training data's hash, the estimator's parameters, pleval's and scikit-learn's versions,
when it was trained, how long that took, and the sha256 of the .joblib file). A coder is loaded when its record
matches the current codebook, training data, parameters and versions, and retrained otherwise. Both files are
written to a temporary file and renamed; the record is written last and names the model file's hash, so a
model without a matching record is never used.

The .joblib file is a pickle: pleval only loads the ones it wrote into the project's own ``outputs/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn

from .. import __version__
from ..inputs.cache import load_codebook_cached
from ..nlp.rules import RuleCoder
from ..project import Project, atomic_write
from .estimator import LearnedCoder
from .training import TrainingSet, model_input, rule_findings, rules_decide, training_set

MODEL_FORMAT = 3  # raise whenever training changes, so saved models are retrained


def default_coder(*, combined: bool = True, semantic: bool = False, target_precision: float | None = None,
                  random_state: int | None = 0) -> LearnedCoder:
    """The learned coder pleval trains: the text model alone, or ``combined`` with the rules (it codes what the
    rules code and adds what the model finds, each code's threshold chosen for the F1 of the two together).

    Its settings are the ones that measured best in leave-one-transcript-out cross-validation on the sample
    project (see README.md); the held-out quotes played no part in choosing them. ``semantic`` gives the
    :class:`~pleval.learn.semantic_coder.SemanticCoder` instead, which stacks the rules, the text model and
    sentence embeddings (the optional extra, :mod:`pleval.learn.semantic`).
    """
    if semantic:
        from .semantic_coder import SemanticCoder  # plain scikit-learn; the embeddings come from the extra

        return SemanticCoder(keep_rules=combined, use_rules=combined, target_precision=target_precision,
                             random_state=random_state)
    return LearnedCoder(keep_rules=combined, use_semantic=semantic, target_precision=target_precision,
                        random_state=random_state)


@dataclass
class TrainedCoder:
    """A fitted learned coder with the record of what made it; ``retrained`` says whether this call fitted it."""

    coder: LearnedCoder
    record: dict
    retrained: bool
    path: Path


def model_name(unit: str, combined: bool, target_precision: float | None, semantic: bool = False) -> str:
    """The file name (without suffix) of a trained coder: unit, combined with the rules or not, semantic
    features or not, target precision."""
    name = f"learned-{unit}-{'combined' if combined else 'model'}{'-semantic' if semantic else ''}"
    return name if target_precision is None else f"{name}-p{target_precision:.2f}"


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _plain(value):
    """JSON-ready: tuples as lists, infinite thresholds as None."""
    return json.loads(json.dumps(value, default=lambda v: v.tolist() if isinstance(v, np.ndarray) else str(v)))


def model_key(training: TrainingSet, estimator: LearnedCoder) -> dict:
    """What a trained coder depends on: when any of it changes, the coder is retrained. A coder that reads
    sentence embeddings depends on the model that made them too (``embedding_model``, its name)."""
    key = {
        "format": MODEL_FORMAT, "unit": training.unit, "codebook_hash": training.codebook_hash,
        "training_hash": training.hash, "params": estimator.get_params(), "pleval_version": __version__,
        "sklearn_version": sklearn.__version__,
    }
    if estimator.use_semantic:
        from .semantic import embedding_model_name  # the optional extra's module: imported only when used

        key["embedding_model"] = embedding_model_name()
    return _plain(key)


def fit_on(training: TrainingSet, estimator: LearnedCoder, rule_coder: RuleCoder) -> LearnedCoder:
    """Fit ``estimator`` on a training set, with the rules' scores and decisions, and the semantic similarities,
    as input when it uses them."""
    scores = decided = similarities = None
    if estimator.use_rules or estimator.keep_rules:
        scores = rule_findings(rule_coder, training.texts)[0]
        decided = rules_decide(rule_coder, scores)
    if estimator.use_semantic:
        from .semantic import semantic_frame  # the optional extra: imported only when asked for

        similarities = semantic_frame(rule_coder.codebook, training.texts)
    return estimator.fit(model_input(training.texts, scores, training.code_ids, decided, similarities),
                         training.label_frame, groups=training.groups)


def load_or_train(project: Project, unit: str = "turn", *, combined: bool = True, semantic: bool = False,
                  target_precision: float | None = None, force: bool = False,
                  training: TrainingSet | None = None, rule_coder: RuleCoder | None = None) -> TrainedCoder:
    """The project's trained coder for ``unit``: loaded from outputs/models/ when current, else trained now.

    Parameters
    ----------
    project : Project
    unit : {"turn", "sentence"}
    combined : bool
        The combined coder (the rules plus what the model adds) rather than the model alone.
    semantic : bool
        Add the semantic similarities as features (needs the semantic extra).
    target_precision : float, optional
        Thresholds for this precision rather than the best F1.
    force : bool
        Retrain even when the saved coder is current.
    training : TrainingSet, optional
        Already gathered training data (default: :func:`training_set`).
    rule_coder : RuleCoder, optional
        A rule coder to reuse (building one takes about a second).

    Raises
    ------
    LearningError
        When the project has too little human coding to learn from, or ``semantic`` without the extra.
    """
    training = training if training is not None else training_set(project, unit)
    estimator = default_coder(combined=combined, semantic=semantic, target_precision=target_precision)
    key = model_key(training, estimator)
    folder = project.models_dir
    name = model_name(training.unit, combined, target_precision, semantic)
    model_path, record_path = folder / f"{name}.joblib", folder / f"{name}.json"
    if not force:
        loaded = _load_current(model_path, record_path, key)
        if loaded is not None:
            return loaded
    if rule_coder is None:
        rule_coder = RuleCoder(load_codebook_cached(project))  # its pipeline is built only if the rules are used
    if semantic:
        from .semantic import cache_embeddings_in  # the optional extra: imported only when asked for

        cache_embeddings_in(project)
    started = time.perf_counter()
    fit_on(training, estimator, rule_coder)
    seconds = time.perf_counter() - started
    with atomic_write(model_path, "wb") as handle:
        joblib.dump(estimator, handle)
    positives = training.labels.sum(axis=0).tolist()
    record = {
        "key": key, "model_sha256": _file_hash(model_path),
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_seconds": round(seconds, 3), "units": len(training),
        "transcripts": training.transcripts, "coders": sorted(set(training.decided_by)),
        "positives": dict(zip(training.code_ids, positives, strict=True)),
        "thresholds": {c: (None if math.isinf(t) else round(float(t), 4))
                       for c, t in zip(training.code_ids, estimator.thresholds_, strict=True)},
    }
    with atomic_write(record_path, encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=2, ensure_ascii=False))
    return TrainedCoder(estimator, record, True, model_path)


def _load_current(model_path: Path, record_path: Path, key: dict) -> TrainedCoder | None:
    """The saved coder if its record matches ``key`` and its file is the one the record names, else None."""
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("key") != key or record.get("model_sha256") != _file_hash(model_path):
            return None
        coder = joblib.load(model_path)
    except (OSError, ValueError, EOFError, AttributeError, ImportError, KeyError, TypeError):
        return None  # missing, torn or written by other code: train afresh
    if not isinstance(coder, LearnedCoder):
        return None
    return TrainedCoder(coder, record, False, model_path)
