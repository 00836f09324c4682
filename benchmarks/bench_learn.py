"""Learned-coder benchmark: retraining on the sample project, and suggesting codes.

Works on a copy of the sample project (so the repository's outputs/ are untouched) and prints, each measured
in the same run:

- retraining the combined coder (rules' scores for every training text, then the fit with its grouped
  cross-validation) against a floor: fitting a plain ``TfidfVectorizer`` on the same texts; and against one
  fit of the coder's own features (word and character TF-IDF), which the cross-validation repeats;
- loading the saved coder when nothing changed;
- suggesting codes for every transcript (rule scores plus the model's probabilities for each participant turn),
  in units per second, against the rule coder's own throughput on the same turns.

Usage: python benchmarks/bench_learn.py [--repeats 3] [--unit turn]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

from pleval.inputs.cache import load_codebook_cached
from pleval.learn.suggest import Suggester
from pleval.learn.trained import default_coder, load_or_train
from pleval.learn.training import model_input, rule_findings, training_set
from pleval.nlp.rules import RuleCoder
from pleval.project import Project

REPO = Path(__file__).resolve().parent.parent


def _timed(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--unit", choices=["turn", "sentence"], default="turn")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pleval-bench-learn-"))
    shutil.copytree(REPO / "data", root / "data")
    project = Project.open(root)
    rule_coder = RuleCoder(load_codebook_cached(project))
    _ = rule_coder.nlp  # build the pipeline once, outside every timing

    gather, training = _timed(lambda: training_set(project, args.unit), args.repeats)
    floor, _ = _timed(lambda: TfidfVectorizer().fit(training.texts), args.repeats)
    features = default_coder()._features([])
    features_once, _ = _timed(lambda: features.fit(model_input(training.texts, None, training.code_ids)),
                              args.repeats)
    retrain, trained = _timed(lambda: load_or_train(project, args.unit, training=training, rule_coder=rule_coder,
                                                    force=True), args.repeats)
    load, loaded = _timed(lambda: load_or_train(project, args.unit, training=training, rule_coder=rule_coder),
                          args.repeats)
    assert trained.retrained and not loaded.retrained

    suggester = Suggester.for_project(project, args.unit)
    assert not suggester.trained.retrained
    ids = sorted(suggester.transcripts)
    units = sum(len(suggester._units([t])) for t in ids)
    suggest, _ = _timed(lambda: [suggester.suggestions(t) for t in ids], args.repeats)
    texts = suggester._units(ids)["text"].tolist()
    rules_only, _ = _timed(lambda: rule_findings(rule_coder, texts), args.repeats)

    print(f"training data: {len(training)} texts ({len(training.transcripts)} transcripts coded by "
          f"{', '.join(sorted(set(training.decided_by)))}), gathered in {gather:.2f} s")
    print(f"retrain (rule scores + fit with {trained.coder.cv_folds}-fold calibration): {retrain:.2f} s "
          f"(median of {args.repeats})")
    print(f"floor, TfidfVectorizer().fit on the same texts: {floor * 1000:.1f} ms")
    print(f"ratio retrain / floor: {retrain / floor:.0f}x")
    print(f"one fit of the coder's word + character TF-IDF features: {features_once * 1000:.0f} ms; "
          f"ratio retrain / that: {retrain / features_once:.1f}x")
    print(f"load the saved coder when current (hashes checked): {load * 1000:.0f} ms")
    print(f"suggest for {len(ids)} transcripts, {units} {args.unit}s: {suggest:.2f} s "
          f"({units / suggest:.0f} units/s); rule scores alone: {rules_only:.2f} s ({units / rules_only:.0f} units/s)")
    print(f"ratio suggest / rule scores alone: {suggest / rules_only:.1f}x")
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
