"""The patterns a codebook check passes without asking spaCy are patterns spaCy accepts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.vocab import Vocab

from pleval.inputs.patterns import FLAG_ATTRIBUTES, OPERATORS, STRING_ATTRIBUTES, plainly_valid

words = st.text(max_size=12)
string_values = words | st.builds(lambda predicate, items: {predicate: items}, st.sampled_from(["IN", "NOT_IN"]),
                                  st.lists(words, min_size=1))
tokens = st.one_of(
    st.just({}),
    st.dictionaries(st.sampled_from(sorted(STRING_ATTRIBUTES)), string_values, max_size=2)
    | st.dictionaries(st.sampled_from(sorted(FLAG_ATTRIBUTES)), st.booleans(), max_size=2),
).flatmap(lambda token: st.one_of(st.just(token), st.sampled_from(sorted(OPERATORS)).map(
    lambda op: {**token, "OP": op})))


@settings(max_examples=300, deadline=None)
@given(st.lists(tokens, min_size=1, max_size=5))
def test_every_plain_pattern_is_one_spacy_accepts(pattern):
    assert plainly_valid(pattern)
    Matcher(Vocab(), validate=True).add("p", [pattern])  # raises if spaCy finds anything wrong


@pytest.mark.parametrize("pattern", [
    [],  # empty
    "LOWER: time",  # not a list
    [{"LOWR": "time"}],  # unknown attribute
    [{"lower": "time"}],  # spaCy accepts lower case: asked all the same
    [{"POS": "NOUN"}],  # valid, outside the subset: asked
    [{"LOWER": 1}],
    [{"LOWER": {"IN": []}}],
    [{"LOWER": {"IN": ["a", 1]}}],
    [{"LOWER": {"IN": ["a"], "NOT_IN": ["b"]}}],
    [{"LOWER": {"REGEX": "^a"}}],
    [{"IS_PUNCT": "yes"}],
    [{"LOWER": "a", "OP": "{2}"}],
    [{"LOWER": "a", "OP": "x"}],
    ["time"],
])
def test_anything_else_is_put_to_spacy(pattern):
    assert not plainly_valid(pattern)
