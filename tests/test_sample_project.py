"""The bundled sample project is complete, valid, and exercises what the foundation promises."""

from collections import Counter

import pytest
import yaml

from pleval.coding.run import code_project
from pleval.inputs.codebook import load_codebook
from pleval.inputs.transcripts import load_transcripts
from pleval.nlp.rules import RuleCoder
from pleval.validate import validate_project

from conftest import FIXTURES

REQUIRED_CODES = {
    "funding", "time", "competing_initiatives", "administrator_trust", "educator_expertise", "regional_support",
    "existing_resources", "learner_driven", "flexible_environments", "authentic_learning", "evidence_feedback",
    "path_pace",
}


@pytest.fixture(scope="module")
def transcripts(sample_project):
    loaded, problems = load_transcripts(sample_project.transcripts_dir, sample_project.root, site_key="school")
    assert problems == []
    return loaded


def test_the_sample_project_validates_cleanly(sample_project):
    report, counts = validate_project(sample_project)
    assert report.problems == [], [str(p) for p in report.problems]
    assert counts["transcripts"] >= 24


def test_the_corpus_has_the_promised_shape(transcripts):
    metas = [t.meta for t in transcripts]
    types = Counter(m.type for m in metas)
    assert types["interview"] >= 16 and types["focus_group"] >= 6
    assert len({m.site for m in metas}) >= 12
    assert {m.attributes["region"] for m in metas} == {"northwest", "northeast", "southwest", "southeast", "central"}
    assert {m.attributes["school_level"] for m in metas} >= {"elementary", "middle", "high"}
    assert {m.attributes["locale"] for m in metas} == {"rural", "small town", "suburban", "urban"}
    roles = {p.role for m in metas for p in m.participants}
    assert roles >= {"teacher", "instructional_coach", "principal", "district_leader", "esc_facilitator"}
    formats = Counter(t.format for t in transcripts)
    assert formats["docx"] >= 2 and formats["vtt"] >= 2 and formats["txt"] + formats["md"] >= 18
    for meta in metas:
        if meta.type == "focus_group":
            assert 3 <= len(meta.participants) <= 6, meta.id


def test_every_transcript_is_a_real_conversation(transcripts):
    for t in transcripts:
        words = sum(len(turn.text.split()) for turn in t.turns)
        assert 800 <= words <= 3000, (t.id, words)
        speakers = Counter(turn.name for turn in t.turns)
        assert any(turn.is_interviewer for turn in t.turns)
        for participant in t.meta.participants:
            assert speakers[participant.name] >= 3, (t.id, participant.name)


def test_people_named_in_the_talk_are_in_the_metadata(transcripts):
    """De-identification needs the names: every mentioned person's surname or first name appears in the text."""
    for t in transcripts:
        for person in t.meta.mentions:
            parts = person.name.replace("Dr. ", "").split()
            assert any(part in t.text for part in parts), (t.id, person.name)
        assert t.meta.site.split()[0] in t.text, t.id


def test_the_codebook_has_the_required_codes_and_rules(sample_project):
    codebook = load_codebook(sample_project.codebook_path)
    assert set(codebook.code_ids) >= REQUIRED_CODES
    for code in codebook.codes:
        assert code.rules.phrases or code.rules.patterns, code.id
        assert code.definition and code.when_to_use and code.when_not_to_use and code.questions, code.id


def test_every_theme_is_found_by_the_rules_in_several_transcripts(sample_project):
    run = code_project(sample_project, progress=False)
    transcripts_per_code = Counter()
    for code_id, _transcript_id in {(c.code_id, c.transcript_id) for c in run.codings}:
        transcripts_per_code[code_id] += 1
    for code_id in REQUIRED_CODES:
        assert transcripts_per_code[code_id] >= 3, (code_id, transcripts_per_code[code_id])
    coded_turns = {c.segment_id for c in run.codings}
    participant_turns = [turn for t in run.transcripts for turn in t.turns if not turn.is_interviewer]
    assert len(coded_turns) < 0.85 * len(participant_turns)  # many turns carry no theme


def test_rules_generalise_to_held_out_quotes(sample_project):
    """Quotes written independently of the rules: a floor on micro precision and recall guards regressions."""
    quotes = yaml.safe_load((FIXTURES / "heldout_quotes.yaml").read_text())
    coder = RuleCoder(load_codebook(sample_project.codebook_path))
    predicted = coder.code_texts([q["text"] for q in quotes])
    true_positive = sum(len(set(q["codes"]) & set(p)) for q, p in zip(quotes, predicted, strict=True))
    precision = true_positive / max(1, sum(len(p) for p in predicted))
    recall = true_positive / sum(len(q["codes"]) for q in quotes)
    assert precision >= 0.6 and recall >= 0.5, (precision, recall)


def test_the_sample_has_double_coding_and_a_consensus_with_realistic_disagreement(sample_project):
    from pleval.coding.coders import available_coders, coder_codings
    from pleval.coding.reliability import reliability_table

    assert {"ana", "ben", "consensus"} <= set(available_coders(sample_project))
    codings = coder_codings(sample_project, ["ana", "ben"], "turn")
    assert codings.problems == []
    double_coded = {unit.split(":")[0] for unit in set(codings.reviewed["ana"]) & set(codings.reviewed["ben"])}
    assert len(double_coded) >= 8
    table = reliability_table(codings.table, codings.reviewed, load_codebook(sample_project.codebook_path).code_ids,
                              n_resamples=50).set_index("code_id")
    overall = table.loc["(all codes)", "alpha"]
    assert 0.4 < overall < 0.95  # coders agree, but not perfectly
    assert table["alpha"].drop("(all codes)").min() < 0.667 < table["alpha"].max()  # some codes fall short


def test_outputs_get_the_usual_permissions_not_private_ones(tmp_path):
    import os

    from pleval.project import atomic_write

    target = tmp_path / "page.html"
    with atomic_write(target) as handle:
        handle.write("x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
