"""Where a quote may open and end: replies and pronouns without a referent do not open one; a dash does not end
one."""

from __future__ import annotations

import pytest

from pleval.nlp.openings import FRAGMENT, PRONOUN, balanced_quotation, ends_sentence, opening_problem, punctuated


@pytest.mark.parametrize("sentence", [
    "Some.", "Uncertain.", "No, I'm kidding.", "Depends who's paying.", "Letting go. Honestly.", "Visits, mainly.",
    "By about two hundred votes.", "Not during the day, not really, no.", "Oh, just a teacher down the hall, you know.",
    "Yes, kids should come to school every single day.", "Because my job is to support this, but I can't make time.",
    "Um, so the way it works is we meet on Wednesdays.", "Can I jump in on that for a minute here?",
    "Which doesn't sound like a lot, but multiply it by every teacher.",
    "See, that's great, and I'm happy for you all.",
])
def test_a_reply_to_the_question_does_not_open_a_quote(sentence):
    assert opening_problem(sentence) == FRAGMENT


@pytest.mark.parametrize("sentence", [
    "That's the big one, isn't it, for all of us here.", "But it's another training and another binder again.",
    "Her kids are writing the scripts for the walking tour.", "She teaches English and she runs the debate club.",
    "They started looking at exit tickets together every Wednesday.", "These are the things we do every day now.",
    "If they can get into each other's rooms, it takes off.", "For me it's just one more thing on the pile.",
    "And then it's gone entirely, because of the drills.", "I stole that from our coach at the first convening.",
])
def test_a_pronoun_whose_referent_came_before_does_not_open_a_quote(sentence):
    assert opening_problem(sentence) == PRONOUN


@pytest.mark.parametrize("sentence", [
    "So everybody gets a plan period, and then PLCs are once a week.",
    "This year the design team runs itself without me in the room.",
    "No one told us what to do with the money after June.",
    "Right now it's a bit of a patchwork across the district.",
    "[teacher], she's the other second grade teacher in the building.",
    "I think that we could show this stuff helps the scores.",
    "And when you trust teachers to try things, sometimes it's messy.",
    "Honestly, I kind of got pulled in sideways by our principal.",
])
def test_a_sentence_that_stands_alone_opens_a_quote(sentence):
    assert opening_problem(sentence) is None


def test_a_quote_ends_where_a_sentence_ends():
    assert not ends_sentence("a kid's catapult had just launched a tennis ball into the ceiling tile—")
    assert not ends_sentence("we meet on Wednesdays, and")
    assert ends_sentence("It worked.") and ends_sentence("Did it work?") and ends_sentence("it's... fine.")
    assert ends_sentence('he said, "I am two checks away."') and ends_sentence("That was it. [laughs]")
    assert ends_sentence("we meet on wednesdays and it works", punctuated=False)  # a transcript without punctuation
    assert punctuated("It works.") and not punctuated("it works and we like it")


def test_a_quote_keeps_quotation_marks_whole():
    assert balanced_quotation('He said, "Two checks away." He is eleven.')
    assert not balanced_quotation('I want to pass my sixes." And during work time they pick.')
    assert not balanced_quotation("“Could my juniors do research on real stuff here?")
