"""Compiled token patterns find matches in exactly the sentences where spaCy's Matcher does."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from pleval.inputs.codebook import load_codebook
from pleval.nlp.pipeline import blank_pipeline
from pleval.nlp.segment import sentence_starts
from pleval.nlp.tokenpatterns import EncodedDoc, PatternCompiler, Unsupported, compile_pattern

from conftest import FIXTURES, REPO


def all_patterns():
    codebook = load_codebook(REPO / "data" / "codebook.yaml")
    found = []
    for code in codebook.codes:
        found += [p.pattern for p in code.rules.weighted_patterns()] + list(code.rules.exclude.patterns)
    return found


PATTERNS = all_patterns()
EXTRA = [
    [{"LOWER": "no"}, {"OP": "*"}, {"LEMMA": {"IN": ["time", "money"]}, "OP": "+"}],
    [{"IS_SENT_START": True}, {"LOWER": {"NOT_IN": ["the", "a"]}}],
    [{"LIKE_NUM": True}, {"LOWER": {"IN": ["hours", "minutes"]}}],
    [{"IS_PUNCT": True, "OP": "{2,3}"}],
    [{"TEXT": "Grant"}, {"IS_ALPHA": False, "OP": "?"}],
]


def matching_sentences(doc, pattern):
    """(spaCy's answer, the compiled answer): sentence numbers holding at least one match."""
    matcher = Matcher(doc.vocab)
    matcher.add("p", [pattern])
    starts = sentence_starts(doc).tolist()
    bounds = starts + [len(doc)]
    expected = {n for n in range(len(starts)) if matcher(doc[bounds[n] : bounds[n + 1]])}
    compiler = PatternCompiler()
    compiled = compiler.compile(pattern)
    encoded = EncodedDoc(doc, sentence_starts(doc), compiler)
    got = set()
    for match in compiled.regex.finditer(encoded.text):
        start, end = encoded.tokens(match)
        if end > start:
            got.add(max(n for n in range(len(starts)) if starts[n] <= start))
    return expected, got


@pytest.fixture(scope="module")
def corpus_docs():
    texts = [q["text"] for q in yaml.safe_load((FIXTURES / "heldout_quotes.yaml").read_text())]
    for code in load_codebook(REPO / "data" / "codebook.yaml").codes:
        texts += code.examples
    return list(blank_pipeline().pipe(texts))


def test_every_codebook_pattern_compiles():
    for pattern in PATTERNS + EXTRA:
        compile_pattern(pattern)


@pytest.mark.slow
def test_compiled_patterns_agree_with_spacy_on_real_quotes(corpus_docs):
    """Every codebook pattern, on the held-out quotes and the codebook's examples (about 250 texts)."""
    compiler = PatternCompiler()  # one compiler for all patterns, as the ruler uses it
    compiled_patterns = [compiler.compile(pattern) for pattern in PATTERNS + EXTRA]
    encoded_docs = [(doc, EncodedDoc(doc, sentence_starts(doc), compiler)) for doc in corpus_docs]
    disagreements = []
    for pattern, compiled in zip(PATTERNS + EXTRA, compiled_patterns, strict=True):
        matcher = Matcher(corpus_docs[0].vocab)
        matcher.add("p", [pattern])
        for doc, encoded in encoded_docs:
            starts = sentence_starts(doc).tolist()
            bounds = starts + [len(doc)]
            expected = {n for n in range(len(starts)) if matcher(doc[bounds[n] : bounds[n + 1]])}
            got = {max(n for n in range(len(starts)) if starts[n] <= encoded.tokens(m)[0])
                   for m in compiled.regex.finditer(encoded.text) if encoded.tokens(m)[1] > encoded.tokens(m)[0]}
            if got != expected:
                disagreements.append((pattern, doc.text))
    assert disagreements == []


WORDS = ["no", "time", "Time", "money", "grant", "Grant", "we", "have", "the", "a", "to", "plan", "together", ".",
         "!", "?", ",", "3", "two", "hours", "minutes", "run", "ran", "out", "of", "funding", "kids", "pace", "own",
         "at", "their", "common", "planning", "don't", "'s", "--", "(", ")"]


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=25), pick=st.integers(min_value=0))
def test_compiled_patterns_agree_with_spacy_on_generated_text(words, pick):
    doc = blank_pipeline()(" ".join(words))
    pattern = (PATTERNS + EXTRA)[pick % len(PATTERNS + EXTRA)]
    expected, got = matching_sentences(doc, pattern)
    assert got == expected


@pytest.mark.parametrize("pattern", [
    [{"LOWER": {"REGEX": "^tim"}}], [{"POS": "NOUN"}], [{"LOWER": "a", "OP": "!"}], [{"LENGTH": {">=": 3}}],
])
def test_patterns_outside_the_subset_are_left_to_spacy(pattern):
    with pytest.raises(Unsupported):
        compile_pattern(pattern)


def test_one_compiler_doc_by_doc_agrees_with_spacy(corpus_docs):
    """As the ruler uses it: words (and so classes) first seen in a later doc still match as spaCy says."""
    compiler = PatternCompiler()
    compiled = [compiler.compile(pattern) for pattern in PATTERNS + EXTRA]
    matchers = []
    for pattern in PATTERNS + EXTRA:
        matcher = Matcher(corpus_docs[0].vocab)
        matcher.add("p", [pattern])
        matchers.append(matcher)
    classes_seen, disagreements = [], []
    for doc in corpus_docs:
        starts = sentence_starts(doc).tolist()
        bounds = starts + [len(doc)]
        found = compiler.find(EncodedDoc(doc, sentence_starts(doc), compiler))
        classes_seen.append(len(compiler.codes))
        for number, matcher in enumerate(matchers):
            expected = {n for n in range(len(starts)) if matcher(doc[bounds[n] : bounds[n + 1]])}
            got = {max(n for n in range(len(starts)) if starts[n] <= first)
                   for p, first, _ in found.tolist() if p == number}
            if got != expected:
                disagreements.append((compiled[number], doc.text))
    assert disagreements == []
    assert classes_seen[-1] > classes_seen[0]  # later docs did bring new classes
