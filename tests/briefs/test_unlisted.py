"""Capitalised words no list names: one finder of runs, whose answer both ranks quotes and flags terms."""

from __future__ import annotations

from one_turn import one_turn_transcript

from pleval.briefs.quotes import best_window
from pleval.briefs.redact import Redactor
from pleval.briefs.terms import TermDecision, TermFinder
from pleval.briefs.unlisted import UnlistedFinder
from pleval.nlp.segment import segment_transcript


def test_a_run_of_capitalised_words_is_one_name():
    finder = UnlistedFinder((), set())
    text = ("We ate at Maple Street Diner after the Chamber of Commerce met, and read James Rickabaugh's Tapping "
            "book. It's Solo cups. The Monday Club plays.")
    assert finder.runs(text) == ["Maple Street Diner", "Chamber of Commerce", "James Rickabaugh", "Tapping", "Solo",
                                 "Monday Club"]


def test_what_lists_name_and_what_is_no_name():
    finder = UnlistedFinder({"pbis"}, {"deserve"})
    assert finder.runs("We run PBIS and they DESERVE it, on Tuesday, in the PTC room.") == ["PTC"]  # listed, emphasis
    assert finder.runs("She got a B in K-5, then [teacher] and [name] came.") == []  # one letter; placeholders
    assert finder.runs("We did the Krebs cycle in January. Then Tuesday we met. I think Mamaw agreed.") == [
        "Krebs", "Mamaw"]


def test_a_word_opening_a_sentence_is_no_name_unless_the_talk_writes_it_as_one():
    talk = ["we met Krebs there", "so Krebs said it was fine", "Absolutely. Honestly, yes."]
    finder = UnlistedFinder((), {"sorry", "mark"}, talk)
    text = "Absolutely. [laughs] Lovingly useless. Sorry — Mark said so. Krebs said no. We called it the Hub."
    assert finder.runs(text) == ["Krebs", "Hub"]  # "Krebs" is written where no sentence opens; "Hub" is inside one
    assert finder.runs("We met Mr. Krebs.") == ["Mr", "Krebs"]  # an abbreviation's period opens no sentence


TALK = ("Honestly, we never had time to plan together until this year. Now we meet at Maple Street Diner every "
        "Tuesday morning before school and plan the units together, and that planning time is what keeps us going.")


def test_one_answer_flags_a_term_and_ranks_its_quote_lower():
    at_one = one_turn_transcript("one", "One School", TALK)
    at_two = one_turn_transcript("two", "Two School", "Honestly, the diner on Main is fine.")
    segment = segment_transcript(at_one)[0]
    redacted = Redactor([at_one, at_two]).redact(at_one)
    time = (TALK.index("planning time") + 9, TALK.index("planning time") + 22, "planning time", "time/phrase/0")

    def window(decisions):
        finder = TermFinder([at_one, at_two], listed=set(), lower_words={"honestly", "now"}, decisions=decisions)
        found = best_window(segment, redacted, code_id="time", coded=(segment.start, segment.end), human=True,
                            evidence={"time": (time,)}, weights={"time/phrase/0": 1.0}, unlisted=finder.unlisted,
                            text=at_one.text)
        return finder, found

    finder, undecided = window({})
    # the term: one run, flagged, that one site alone uses; "Honestly" opens a sentence: flagged by neither
    assert [t.term for t in finder.flag([(undecided.text, "one:t000 (time)")])] == ["Maple Street Diner"]
    assert undecided.flagged == ("Maple Street Diner",) and "Honestly" not in finder.candidates(TALK)
    kept = {"maple street diner": TermDecision("Maple Street Diner", "keep", "ana", "2026-12-02")}
    _, decided = window(kept)
    assert decided.text == undecided.text and decided.flagged == ()
    assert round(decided.score - undecided.score, 6) == 2.0  # the ranking's penalty: the finder's one run
