"""Sentence-embedding benchmark: the packaged model in NumPy (the ``embed`` extra) on the sample's turns.

Prints, each measured in the same run:

- importing and loading the packaged model (weights read, tokenizer built);
- embedding every participant turn of the sample, in words per second, against a floor: spaCy's blank English
  tokenizer alone on the same turns (the cheapest pass pleval makes over text);
- suggestions' semantic step for the whole sample: each turn's similarity to each code, once embedded.

Needs the extra (pip install 'pleval[embed]'); says so and exits 0 without it.

Usage: python benchmarks/bench_embed.py [--turns N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import spacy

from pleval.inputs.cache import load_codebook_cached
from pleval.inputs.transcripts import load_transcripts
from pleval.learn import packaged
from pleval.project import Project

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=None, help="Embed only the first N turns.")
    args = parser.parse_args()
    model_package = packaged.installed_model()
    if model_package is None:
        print("the embed extra is not installed (pip install 'pleval[embed]'): nothing to measure")
        return
    project = Project.open(REPO)
    transcripts, _ = load_transcripts(project.transcripts_dir, project.root)
    turns = [t.text for tr in transcripts for t in tr.turns if not t.is_interviewer][:args.turns]
    words = sum(len(t.split()) for t in turns)

    start = time.perf_counter()
    model = packaged.load_encoder(model_package)
    loading = time.perf_counter() - start
    nlp = spacy.blank("en")
    start = time.perf_counter()
    for _ in nlp.pipe(turns):
        pass
    floor = time.perf_counter() - start
    start = time.perf_counter()
    vectors = model.encode(turns)
    embedding = time.perf_counter() - start

    from pleval.learn import semantic

    semantic._embedded.update(zip(turns, vectors, strict=True))
    start = time.perf_counter()
    semantic.code_similarities(load_codebook_cached(project), turns)
    similarities = time.perf_counter() - start

    print(f"model loaded in {loading:.2f} s")
    print(f"{len(turns)} turns, {words} words: embedded in {embedding:.1f} s ({words / embedding:,.0f} words/s); "
          f"spaCy tokenizer alone {floor:.2f} s ({words / floor:,.0f} words/s); ratio {floor / embedding:.4f}")
    print(f"similarities to every code once embedded (codebook texts embedded first time): {similarities:.2f} s")


if __name__ == "__main__":
    main()
