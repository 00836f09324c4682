"""The NumPy sentence encoder: safetensors reading, padding that changes nothing, and the published model's
known similarity when the ``embed`` extra is installed."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from pleval.learn import minilm
from pleval.learn.minilm import LAYERS, MiniLM, minilm_available, read_safetensors


def _write_safetensors(path, tensors: dict[str, np.ndarray]) -> None:
    header, offset, chunks = {}, 0, []
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16"}[array.dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    encoded = json.dumps({"__metadata__": {"format": "pt"}, **header}).encode()
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + b"".join(chunks))


def test_safetensors_are_read_as_written(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {"a.weight": rng.normal(size=(3, 4)).astype(np.float32), "ids": np.arange(5, dtype=np.int64),
               "half": np.ones((2, 2), dtype=np.float16)}
    _write_safetensors(tmp_path / "m.safetensors", tensors)
    read = read_safetensors(tmp_path / "m.safetensors")
    assert set(read) == set(tensors)
    np.testing.assert_array_equal(read["a.weight"], tensors["a.weight"])
    np.testing.assert_array_equal(read["ids"], tensors["ids"])
    assert read["half"].dtype == np.float32  # half precision is widened for the arithmetic


@dataclass
class _Encoding:
    ids: list[int]
    attention_mask: list[int]


class _Tokenizer:
    """Word ids padded to the longest text of the batch, as the real tokenizer is set up to do."""

    def encode_batch(self, texts):
        ids = [[1] + [2 + len(w) % 7 for w in t.split()] + [3] for t in texts]
        longest = max(len(i) for i in ids)
        return [_Encoding(i + [0] * (longest - len(i)), [1] * len(i) + [0] * (longest - len(i))) for i in ids]


def _tiny_model(hidden: int = 24, inner: int = 48, vocab: int = 10) -> MiniLM:
    rng = np.random.default_rng(1)

    def normal(*shape):
        return (rng.normal(size=shape) * 0.2).astype(np.float32)

    weights = {"embeddings.word_embeddings.weight": normal(vocab, hidden),
               "embeddings.position_embeddings.weight": normal(32, hidden),
               "embeddings.token_type_embeddings.weight": normal(2, hidden),
               "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
               "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32)}
    for n in range(LAYERS):
        p = f"encoder.layer.{n}"
        for name, (rows, columns) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                                      "attention.self.value": (hidden, hidden),
                                      "attention.output.dense": (hidden, hidden),
                                      "intermediate.dense": (inner, hidden), "output.dense": (hidden, inner)}.items():
            weights[f"{p}.{name}.weight"], weights[f"{p}.{name}.bias"] = normal(rows, columns), normal(rows)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{p}.{name}.weight"] = np.ones(hidden, np.float32)
            weights[f"{p}.{name}.bias"] = np.zeros(hidden, np.float32)
    return MiniLM(weights, _Tokenizer())


def test_embeddings_are_unit_length_and_padding_changes_nothing():
    model = _tiny_model()
    short, long = "we have no money", "the whole staff meets every week after school to plan the units together"
    alone = model.encode([short])
    together = model.encode([long, short, short])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(together[1], alone[0], atol=1e-5)  # padded beside a longer text: the same
    np.testing.assert_allclose(together[1], together[2], atol=1e-6)
    assert not np.allclose(together[0], together[1])


@pytest.mark.skipif(not minilm_available(), reason="the embed extra is not installed (pip install 'pleval[embed]')")
def test_the_packaged_model_gives_the_published_similarity():
    # the example on sentence-transformers' page for all-MiniLM-L6-v2: cosine similarity 0.7553
    vectors = minilm.load_minilm().encode(["A man is eating food.", "A man is eating a piece of bread.",
                                           "The girl is carrying a baby."])
    assert vectors[0] @ vectors[1] == pytest.approx(0.7553, abs=0.002)
    assert vectors[0] @ vectors[2] < 0.3
