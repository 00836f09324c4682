import pytest

from pleval.inputs.codebook import load_codebook
from pleval.nlp.rules import RuleCoder
from pleval.schema import Transcript, TranscriptMeta, Turn

from conftest import FIXTURES


@pytest.fixture(scope="module")
def coder():
    return RuleCoder(load_codebook(FIXTURES / "codebooks" / "two_codes.yaml"))


def transcript_of(*turns):
    """A transcript with one interviewer question and the given participant turns."""
    meta = TranscriptMeta.model_validate({
        "id": "t", "type": "interview", "date": "2024-01-01", "school": "S", "district": "D",
        "region": "central", "school_level": "high", "locale": "urban", "pathway": "LAUNCH",
        "interviewer": "Ida", "participants": [{"name": "Pat Doe", "role": "teacher"}],
    })
    text, built = "", []
    for index, (role, said) in enumerate([("interviewer", "Tell me about the grant?"), *turns]):
        label = "Interviewer: " if role == "interviewer" else "Pat Doe: "
        start = len(text) + len(label)
        text += label + said + "\n"
        built.append(Turn(index, label[:-2], "x", role, said, start, start + len(said), index + 1))
    return Transcript(meta, text, tuple(built), "t.txt", "txt", "hash", "meta")


def codes_of(coder, *turns):
    transcript = transcript_of(*turns)
    _, codings = coder.code_transcript(transcript)
    return transcript, codings


def test_phrases_match_on_lemmas_and_ignore_case(coder):
    _, codings = codes_of(coder, ("teacher", "GRANTS paid for it."), ("teacher", "Our Budgets are thin."))
    assert [(c.segment_id, c.code_id) for c in codings] == [("t:t001", "funding"), ("t:t002", "funding")]
    assert codings[0].evidence[0].text == "GRANTS"


def test_matcher_patterns_match_inflected_verbs(coder):
    _, codings = codes_of(coder, ("teacher", "We ran out of funding in March."))
    assert codings[0].code_id == "funding" and codings[0].evidence[0].text == "ran out of funding"


def test_one_weak_cue_is_not_enough_but_two_are(coder):
    _, one = codes_of(coder, ("teacher", "It costs money."))
    _, two = codes_of(coder, ("teacher", "Who will pay for it? There is no money."))
    assert one == []
    assert two[0].score == pytest.approx(0.51) and len(two[0].evidence) == 2


def test_sentence_exclusion_only_suppresses_its_sentence(coder):
    _, excluded = codes_of(coder, ("teacher", "They have a budget of words for the essay."))
    _, kept = codes_of(coder, ("teacher", "They have a budget of words. Our budget is cut."))
    assert excluded == []
    assert [e.text for e in kept[0].evidence] == ["budget"] and kept[0].evidence[0].start > 0


def test_turn_exclusion_suppresses_the_whole_turn(coder):
    _, codings = codes_of(coder, ("teacher", "We plan together. Then a time out for recess."))
    assert codings == []


def test_interviewer_turns_are_not_coded(coder):
    _, codings = codes_of(coder)
    assert codings == []


def test_evidence_offsets_point_into_the_transcript_text(coder):
    transcript, codings = codes_of(coder, ("teacher", "Hmm. We never get common planning, and the grant ended."))
    for coding in codings:
        assert transcript.text[coding.start : coding.end] == transcript.turns[1].text
        for evidence in coding.evidence:
            assert transcript.text[evidence.start : evidence.end] == evidence.text
    assert {c.code_id for c in codings} == {"funding", "time"}
    assert codings[0].sentence_ids == ("t:t001.s01",)


def test_patterns_outside_the_compiled_subset_still_match_through_spacy(tmp_path):
    """A REGEX predicate is not compiled; spaCy's Matcher handles it, within sentences."""
    text = (FIXTURES / "codebooks" / "two_codes.yaml").read_text().replace(
        '        - [{LOWER: "no"}, {LOWER: time}, {LOWER: to}]',
        '        - [{LOWER: {REGEX: "^plann?(ing|ed)$"}}, {LOWER: "time"}]',
    )
    path = tmp_path / "codebook.yaml"
    path.write_text(text)
    coder = RuleCoder(load_codebook(path))
    ruler = coder.nlp.get_pipe("pleval_codebook_rules")
    assert len(ruler.patterns) == 1  # the REGEX pattern went to spaCy's Matcher
    assert coder.code_texts(["We lost our planning time.", "Planning. Time is short."]) == [{"time": 1.0}, {}]


def test_interviewer_turns_are_coded_on_request_patterns_and_all(tmp_path):
    """Patterns are not searched in turns the coder will not code; asked to code the interviewer, it does."""
    codebook = load_codebook(FIXTURES / "codebooks" / "two_codes.yaml")
    transcript = transcript_of(("teacher", "No time to plan, and we ran out of money."))
    question = transcript.turns[0]._replace(text="Did you have no time to plan?")
    text = transcript.text.replace("Tell me about the grant?", question.text)
    shift = len(question.text) - len(transcript.turns[0].text)
    turns = (question._replace(end=question.start + len(question.text)),
             *(t._replace(start=t.start + shift, end=t.end + shift) for t in transcript.turns[1:]))
    transcript = Transcript(transcript.meta, text, turns, "t.txt", "txt", "hash", "meta")
    _, participant_only = RuleCoder(codebook).code_transcript(transcript)
    _, everyone = RuleCoder(codebook, code_interviewer=True).code_transcript(transcript)
    assert {(c.segment_id, c.code_id) for c in participant_only} == {("t:t001", "time"), ("t:t001", "funding")}
    assert {(c.segment_id, c.code_id) for c in everyone} == {("t:t000", "time"), ("t:t001", "time"),
                                                             ("t:t001", "funding")}
    assert [c for c in everyone if c.segment_id == "t:t001"] == participant_only
    assert {e.rule for c in everyone for e in c.evidence if c.segment_id == "t:t000"} == {"time/pattern/0"}
