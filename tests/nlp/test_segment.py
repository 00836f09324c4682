"""Sentence bounds worked out on arrays are the plain definition: each piece of a turn, stripped."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pleval.nlp.pipeline import blank_pipeline
from pleval.nlp.segment import SEPARATOR, parse_turns, sentence_bounds, sentence_starts, turn_sentence_bounds

PIECES = ["We", "tried", "it", ".", "!", "?", "...", "Yes", "3.5", "e.g.", "(", ")", "“", "”", " ", "  ", "\n",
          "\n\n",
          "\t", "\u00a0", "\u2003", "\u2028", "\x05", "😀", "-", "—"]


def stripped_pieces(doc, ranges, texts):
    """The definition: a turn is cut where a sentence starts in its range and at its end; pieces are stripped."""
    starts = sentence_starts(doc).tolist()
    result, offset = [], 0
    for (first, last), text in zip(ranges, texts, strict=True):
        cuts = [doc[i].idx - offset for i in starts if first <= i < last] + [len(text)]
        bounds = []
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = text[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                bounds.append((start + lead, start + lead + len(piece.strip())))
        result.append(bounds)
        offset += len(text) + len(SEPARATOR)
    return result


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), min_size=1, max_size=6))
def test_sentence_bounds_are_the_stripped_pieces_of_each_turn(texts):
    doc, ranges = parse_turns(blank_pipeline(), texts)
    assert turn_sentence_bounds(doc, ranges, texts) == stripped_pieces(doc, ranges, texts)


def test_flat_bounds_count_each_turns_sentences():
    texts = ["Yes. No.", "", "   ", "and then we", "went home. It rained!"]
    doc, ranges = parse_turns(blank_pipeline(), texts)
    bounds = sentence_bounds(doc, ranges, texts)
    assert bounds.counts.tolist() == [2, 0, 0, 1, 2]
    assert [[t[a:b] for a, b in turn] for t, turn in zip(texts, bounds.per_turn(), strict=True)] == [
        ["Yes.", "No."], [], [], ["and then we"], ["went home.", "It rained!"],
    ]
