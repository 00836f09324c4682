import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from pleval.nlp.pipeline import blank_pipeline
from pleval.nlp.segment import parse_turns, turn_sentence_bounds

TEXT = (
    "Um, so... we tried it. Did it work?! Honestly -- I don't know. [laughs] The kids (most of them) liked it.\n"
    "“Really?” she said. Yes! e.g. the Teachers ran out of money... and then?? Nothing. 3.5 hours. OK."
)


REFERENCE = spacy.blank("en")
REFERENCE.add_pipe("sentencizer")


OPENING = set("([{“‘«")


def reference_sentences(text):
    """spaCy's sentencizer, with the opening brackets and quotation marks it leaves at a sentence's end moved to
    the start of the next sentence."""
    doc = REFERENCE(text)
    starts = [s.start for s in doc.sents]
    for i, start in enumerate(starts[1:], 1):
        while start - 1 > starts[i - 1] and doc[start - 1].text in OPENING:
            start -= 1
        starts[i] = start
    return [doc[a:b].text for a, b in zip(starts, [*starts[1:], len(doc)], strict=False)]


def test_sentences_are_spacys_sentencizer_without_breaking_brackets():
    sentences = [s.text for s in blank_pipeline()(TEXT).sents]
    assert sentences == reference_sentences(TEXT)
    assert "[laughs] The kids (most of them) liked it." in sentences  # spaCy: "...know. [" and "laughs] The kids"
    assert "\n“Really?”" in sentences


def test_stage_directions_do_not_break_a_sentence():
    text = "Don't remind me. [laughs] I've got three. (inaudible) Then (crosstalk) we left. [pause]"
    assert [s.text for s in blank_pipeline()(text).sents] == [
        "Don't remind me.", "[laughs] I've got three.", "(inaudible) Then (crosstalk) we left.", "[pause]"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["We", "tried", "it", ".", "!", "?", "...", "(", ")", "--", "“", "”", " ", "\n", "[",
                                 "Yes", "3.5", "e.g.", "?!", "-"]), max_size=40).map(" ".join))
def test_sentences_match_spacy_on_generated_text(text):
    assert [s.text for s in blank_pipeline()(text).sents] == reference_sentences(text)


def test_lemmas_are_lower_case_lookups():
    doc = blank_pipeline()("Teachers RAN out of Grants; the kids were running")
    assert [t.lemma_ for t in doc] == ["teacher", "run", "out", "of", "grant", ";", "the", "kid", "be", "run"]


def test_turns_parsed_together_each_start_a_sentence_and_keep_their_own_sentences():
    texts = ["Yes", "and then we", "went home. It rained!", "Okay."]
    doc, ranges = parse_turns(blank_pipeline(), texts)
    assert [doc[a:b].text for a, b in ranges] == texts
    bounds = turn_sentence_bounds(doc, ranges, texts)
    assert [[t[a:b] for a, b in turn] for t, turn in zip(texts, bounds, strict=True)] == [
        ["Yes"], ["and then we"], ["went home.", "It rained!"], ["Okay."],
    ]


def test_lemmas_of_a_batch_are_those_of_each_doc_alone():
    texts = ["Teachers RAN out of Grants", "", "the kids were running", "Grants. grants? GRANTS!"] * 3
    nlp = blank_pipeline()
    alone = [[t.lemma_ for t in nlp(text)] for text in texts]
    assert [[t.lemma_ for t in doc] for doc in nlp.pipe(texts, batch_size=5)] == alone
    assert alone[0] == ["teacher", "run", "out", "of", "grant"]


def test_words_first_seen_in_a_later_batch_get_their_lemmas():
    texts = ["Teachers RAN", "out of Grants", "the kids were running", "Mice. MICE? geese"]
    assert [[t.lemma_ for t in doc] for doc in blank_pipeline().pipe(texts, batch_size=1)] == [
        ["teacher", "run"], ["out", "of", "grant"], ["the", "kid", "be", "run"], ["mouse", ".", "mouse", "?", "goose"],
    ]
