"""Coding throughput and cache benchmark.

Generates a corpus of at least 2M words (turns of the sample transcripts recombined, seeded), then prints:

- coding throughput (parse + segment + rules + cache write), in one process and with ``jobs=2``, as a ratio
  against spaCy's tokenizer-only throughput (one process) on the same texts in the same run (target: >= 0.5);
- the first coding run's time against a cached re-run of the unchanged corpus (target: >= 20x).

Every timing is the best of several rounds, and each round times everything in turn (the tokenizer, a first
coding run, a cached re-run, a first coding run with two processes), so that both sides of a ratio are measured
under the same conditions on a shared machine, whose load drifts over the minutes a benchmark takes. Every
first run starts cold: a new pipeline and an empty outputs/ folder; every tokenizer run a new tokenizer. The
garbage left by one timing is collected before the next, so that no timing pays for another's.

Usage: python benchmarks/bench_coding.py [--words 2000000] [--seed 7] [--codebook data/codebook.yaml] [--rounds 3]

``--digest`` prints, instead of timings, a sha256 of every coding (all its fields) and every turn's sentence
bounds, for the sample project and for the generated corpus, coded in one process and in two: run it at two
commits to check that a change to the coder changed nothing it codes.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import time
from pathlib import Path

import spacy
import yaml

from pleval.coding.run import code_project
from pleval.inputs.transcripts import load_transcripts
from pleval.nlp.segment import SEPARATOR
from pleval.project import Project

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "benchmarks" / ".corpus"


def generate(words: int, seed: int, codebook: Path) -> Project:
    """Write about ``words`` words of transcripts into benchmarks/.corpus and return it as a project."""
    sample = Project.open(REPO)
    transcripts, _ = load_transcripts(sample.transcripts_dir, sample.root)
    questions = [t.text for tr in transcripts for t in tr.turns if t.is_interviewer]
    answers = [t.text for tr in transcripts for t in tr.turns if not t.is_interviewer]
    rng = random.Random(seed)
    shutil.rmtree(CORPUS, ignore_errors=True)
    folder = CORPUS / "data" / "transcripts"
    folder.mkdir(parents=True)
    shutil.copy(codebook, CORPUS / "data" / "codebook.yaml")
    template = transcripts[0].meta.model_dump(mode="json", exclude_none=True)
    total, number = 0, 0
    while total < words:
        meta = {**template, "id": f"bench-{number:05d}", "type": "interview", "interviewer": "Dana Whitfield",
                "participants": [{"name": "Pat Example", "role": "teacher"}], "mentions": []}
        lines, count = [], 0
        while count < 2000:
            answer = rng.choice(answers)
            lines += [f"Interviewer: {rng.choice(questions)}", "", f"Pat Example: {answer}", ""]
            count += len(answer.split())
        body = "\n".join(lines)
        (folder / f"{meta['id']}.txt").write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n{body}")
        total += len(body.split())
        number += 1
    return Project.open(CORPUS)


def codings_digest(project: Project, jobs: int = 1) -> tuple[int, str]:
    """The number of codings and a sha256 of every coding and every turn's sentence bounds, coded afresh."""
    import hashlib
    import json

    from pleval.coding.run import load_segments

    run = code_project(project, progress=False, force=True, jobs=jobs)
    digest = hashlib.sha256()
    for coding in run.codings:
        digest.update(json.dumps(list(coding), ensure_ascii=False).encode())
    for transcript in run.transcripts:
        segments = load_segments(project, transcript, run.codebook)
        digest.update(json.dumps([[s.id, s.start, s.end, [list(x) for x in s.sentences]] for s in segments]).encode())
    return len(run.codings), digest.hexdigest()


def _print_digests(corpus: Project) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:  # the sample project, coded away from its outputs/
        shutil.copytree(REPO / "data", Path(folder) / "data")
        sample = Project.open(folder)
        # (the sample has too few transcripts for pleval to use processes: it is coded in one)
        for name, project, jobs in (("sample project", sample, 1), ("benchmark corpus", corpus, 1),
                                    ("benchmark corpus", corpus, 2)):
            count, digest = codings_digest(project, jobs)
            print(f"{name}, jobs={jobs}: {count:,} codings, sha256 {digest}")


def _settle() -> None:
    """Collect the garbage of the timings before, so that the next does not pay for it."""
    gc.collect()


def _time_tokenizer(texts: list[str]) -> float:
    tokenizer = spacy.blank("en")
    _settle()
    start = time.perf_counter()
    for _ in tokenizer.pipe(texts):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--codebook", type=Path, default=REPO / "data" / "codebook.yaml")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of timings; each timing is the best round")
    parser.add_argument("--digest", action="store_true", help="print digests of the codings instead of timings")
    args = parser.parse_args()

    project = generate(args.words, args.seed, args.codebook)
    if args.digest:
        _print_digests(project)
        return
    transcripts, _ = load_transcripts(project.transcripts_dir, project.root)
    # The same texts the coder parses: each transcript's turns, one doc per transcript.
    texts = [SEPARATOR.join(turn.text for turn in t.turns) for t in transcripts]
    n_words = sum(len(text.split()) for text in texts)
    n_turns = sum(len(t.turns) for t in transcripts)
    print(f"corpus: {len(transcripts)} transcripts, {n_turns:,} turns, {n_words:,} words")

    tokenizer_seconds = coding_seconds = parallel_seconds = cached_seconds = float("inf")
    first = None
    for _ in range(args.rounds):
        tokenizer_seconds = min(tokenizer_seconds, _time_tokenizer(texts))
        shutil.rmtree(project.outputs, ignore_errors=True)
        _settle()
        start = time.perf_counter()
        run = code_project(project, progress=False)
        coding_seconds = min(coding_seconds, time.perf_counter() - start)
        assert len(run.coded) == len(transcripts) and (first is None or run.codings == first.codings)
        first = first or run
        _settle()
        start = time.perf_counter()
        cached = code_project(project, progress=False)
        cached_seconds = min(cached_seconds, time.perf_counter() - start)
        assert len(cached.cached) == len(transcripts) and cached.codings == first.codings
        shutil.rmtree(project.outputs, ignore_errors=True)
        del run, cached
        _settle()
        start = time.perf_counter()
        parallel = code_project(project, progress=False, jobs=2)
        parallel_seconds = min(parallel_seconds, time.perf_counter() - start)
        assert len(parallel.coded) == len(transcripts) and parallel.codings == first.codings
        del parallel

    print(f"tokenizer only : {n_words / tokenizer_seconds:,.0f} words/s ({tokenizer_seconds:.1f} s)")
    print(f"rule coding    : {n_words / coding_seconds:,.0f} words/s ({coding_seconds:.1f} s, "
          f"{len(first.codings):,} codings)")
    print(f"cached re-run  : {cached_seconds:.2f} s (every timing is the best of {args.rounds} rounds)")
    print(f"rule coding -j2: {n_words / parallel_seconds:,.0f} words/s ({parallel_seconds:.1f} s, 2 processes)")
    print(f"ratio coding/tokenizer throughput: {tokenizer_seconds / coding_seconds:.2f} with 1 process, "
          f"{tokenizer_seconds / parallel_seconds:.2f} with 2 (-j 2)  (target >= 0.5)")
    print(f"ratio first run/cached re-run    : {coding_seconds / cached_seconds:.1f}x with 1 process, "
          f"{parallel_seconds / cached_seconds:.1f}x with 2  (target >= 20x)")


if __name__ == "__main__":
    main()
