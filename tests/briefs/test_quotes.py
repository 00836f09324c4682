"""A quote fits its theme: whole sentences that stand alone, the rules' words for the theme inside, and not more
another theme's."""

from __future__ import annotations

from pleval.briefs.quotes import RULES_ALONE, best_window, weigh
from pleval.briefs.redact import Redactor
from pleval.briefs.terms import TermFinder
from pleval.nlp.segment import segment_transcript
from pleval.schema import Participant, Transcript, TranscriptMeta, Turn

TALK = ("Some. The grant paid for stipends and the grant money paid for substitute coverage for the whole design "
        "team this year. We meet during our common planning period every Tuesday to plan units together, and "
        "that planning time is the only time we all sit down. Our planning time keeps getting eaten by covering "
        "classes when the building is short and nobody can find a sub for the morning—")
WEIGHTS = {"time/phrase/0": 1.0, "time/phrase/1": 1.0, "time/pattern/0": 1.0, "time/phrase/2": 0.3,
           "funding/phrase/0": 1.0, "funding/phrase/1": 1.0, "funding/phrase/2": 1.0}


def one_turn(talk: str = TALK):
    meta = TranscriptMeta(id="t", type="interview", date="2024-03-01", site="A School", interviewer="Ivy Ng",
                          participants=[Participant(name="Ann Lee", role="teacher")])
    text = f"Ann Lee: {talk}"
    turn = Turn(0, "Ann Lee", "Ann Lee", "teacher", talk, len("Ann Lee: "), len(text), 1)
    transcript = Transcript(meta, text, (turn,), "t.txt", "txt", "x", "y")
    segment = segment_transcript(transcript)[0]
    return transcript, segment, Redactor([transcript]).redact(transcript)


def cue(text: str, words: str, rule: str, nth: int = 0):
    at = -1
    for _ in range(nth + 1):
        at = text.index(words, at + 1)
    return (at, at + len(words), words, rule)


def evidence(text: str) -> dict:
    return {
        "time": (cue(text, "substitute coverage", "time/phrase/0"), cue(text, "substitute coverage", "time/pattern/0"),
                 cue(text, "common planning period", "time/phrase/1"), cue(text, "planning time", "time/phrase/2"),
                 cue(text, "covering classes", "time/pattern/0")),
        "funding": (cue(text, "grant", "funding/phrase/0"), cue(text, "paid for", "funding/phrase/1"),
                    cue(text, "stipends", "funding/phrase/2"), cue(text, "grant", "funding/phrase/0", 1),
                    cue(text, "paid for", "funding/phrase/1", 1)),
    }


def window(code_id: str, *, human: bool = False, found: dict | None = None, talk: str = TALK):
    transcript, segment, redacted = one_turn(talk)
    found = evidence(transcript.text) if found is None else found
    finder = TermFinder([transcript], listed=set(), lower_words=set())
    return best_window(segment, redacted, code_id=code_id, coded=(segment.start, segment.end), human=human,
                       evidence=found, weights=WEIGHTS, unlisted=finder.unlisted, text=transcript.text)


def test_words_several_rules_matched_count_once():
    transcript, _, _ = one_turn()
    found = evidence(transcript.text)["time"]
    weighed = weigh(found, 0, len(transcript.text), WEIGHTS)
    # "substitute coverage" (two rules), "common planning period", "planning time" (0.3), "covering classes"
    assert weighed.total == 3.3 and len(weighed.inside) == 5
    alone = weigh(found[:2], 0, len(transcript.text), WEIGHTS)
    assert alone.total == 1.0 and alone.combined == 1.0


def test_a_window_never_opens_on_a_reply_nor_ends_mid_sentence():
    for code_id in ("time", "funding"):
        found = window(code_id, human=True)
        assert found is not None
        assert not found.text.startswith("Some.")
        assert not found.text.endswith("—") and "the morning" not in found.text


def test_a_window_goes_to_the_theme_its_words_are_most_about():
    funding, time = window("funding", human=True), window("time", human=True)
    assert "grant" in funding.text and "substitute coverage" in funding.text
    assert "grant" not in time.text and "common planning period" in time.text  # not the sentence about money
    assert funding.rival < funding.own.total and time.rival < time.own.total
    # without the sentence about planning, time has no window: the money sentence is funding's
    talk = TALK[:TALK.index(" We meet")]
    transcript, _, _ = one_turn(talk)
    assert window("time", human=True, found=evidence_without_planning(transcript.text), talk=talk) is None


def evidence_without_planning(text: str) -> dict:
    return {"time": (cue(text, "substitute coverage", "time/phrase/0"),),
            "funding": (cue(text, "grant", "funding/phrase/0"), cue(text, "paid for", "funding/phrase/1"),
                        cue(text, "stipends", "funding/phrase/2"))}


def test_on_the_rules_alone_the_quoted_words_need_two_cues_one_sure():
    talk = ("We meet during our common planning period every Tuesday to plan units together, and it is the best "
            "part of the week for all of us in the building.")
    transcript, _, _ = one_turn(talk)
    one_cue = {"time": (cue(transcript.text, "common planning period", "time/phrase/1"),)}
    assert RULES_ALONE > 1.0
    assert window("time", found=one_cue, talk=talk) is None  # a passing mention
    assert window("time", human=True, found=one_cue, talk=talk) is not None  # a person confirmed it
    two_cues = {"time": (*one_cue["time"], cue(transcript.text, "plan units", "time/phrase/2"))}
    assert window("time", found=two_cues, talk=talk) is not None


def test_a_confirmed_turn_without_the_rules_words_is_quoted_whole_or_not_at_all():
    talk = ("Our principal lets us try things and has our back when it goes sideways. "
            "We started doing lab classrooms this year and it changed how the whole staff talks about teaching.")
    assert window("administrator_trust", human=True, found={}, talk=talk).text == talk
    longer = talk + " " + " ".join(["And then we kept going with it for the rest of the year."] * 4)
    assert window("administrator_trust", human=True, found={}, talk=longer) is None  # over 60 words
