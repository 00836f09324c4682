"""Where a quote may open and end: on a sentence that stands on its own, and at a sentence's end.

Spoken answers open on the interviewer's question: "Some.", "Uncertain.", "No, I'm kidding.", "Not really, no.",
"Because we had to." make sense only after it, and "She's great." or "That's the hard part." only after the
sentence that says who or what. A quote opening there reads wrong on the page, so
:func:`opening_problem` says why a sentence cannot open one:

- ``fragment``: fewer than :data:`MIN_OPENING_WORDS` words, a question, or a first word that replies to
  someone (an answer or a hesitation: "yes", "no", "not", "oh", "um", "okay", "depends"), gives a reason for
  what was asked ("because") or goes on from the sentence before ("which", "except");
- ``pronoun``: the first word, after a joining word ("and", "but", "so"...), is a demonstrative standing for a
  noun ("that's", "these are"), or one of the first two is a third-person pronoun ("he", "her", "they", "it":
  "They started", "If they can", "For me it's"): what it refers to was said before the quote.

:func:`ends_sentence` holds a quote to end where a sentence ends, not on a dash where the speaker was cut off.
The words are English function words (spaCy's tokenizer splits the sentence; its stop words tell a
demonstrative standing alone, "that is", from one before a noun, "that year"); no evaluation's vocabulary.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: A quote's first sentence needs at least this many words: shorter ones are mostly replies ("Some.",
#: "Visits, mainly.", "By about two hundred votes.").
MIN_OPENING_WORDS = 6
FRAGMENT = "fragment"
PRONOUN = "pronoun"

#: First words that reply to a question or to someone, or hesitate: a sentence opening with one leans on what
#: was said before it.
REPLY_WORDS = frozenset(["yes", "yeah", "yep", "yup", "nope", "nah", "not", "oh", "ah", "um", "umm", "uh", "uhh",
                         "hmm", "mm", "mhm", "mm-hmm", "okay", "ok", "because", "depends", "which", "except",
                         "whereas"])
#: First words that reply only when a comma or a full stop follows them ("No, honestly", but "No one knew").
REPLY_WORDS_ALONE = frozenset(["no", "right", "sure", "exactly", "absolutely", "definitely", "maybe", "probably",
                               "true", "correct", "sorry", "wow", "gosh", "see", "look", "listen"])
#: Words that join a sentence to the one before it without standing for anything: skipped before the pronoun test.
JOINING_WORDS = frozenset(["and", "but", "so", "or", "then", "plus", "also", "now", "well", "like", "honestly",
                           "actually", "anyway", "basically", "really", "still", "yet"])
#: How many words, from the first one after the joining words, a pronoun is looked for in: "They", "If they",
#: "Give them" open on someone the quote has not named.
PRONOUN_REACH = 3
#: Pronouns that stand for someone or something named before.
PRONOUNS = frozenset(["he", "she", "they", "it", "him", "her", "them", "his", "hers", "their", "theirs", "its",
                      "himself", "herself", "themselves", "itself"])
#: Demonstratives: pronouns when they stand alone ("that's", "this is", "those were"), not before a noun.
DEMONSTRATIVES = frozenset(["this", "that", "these", "those"])
#: Words after which "that", past a sentence's first word, opens a clause ("I think that we", "said that if"),
#: not a pronoun.
_CLAUSE = frozenset(["i", "we", "you", "he", "she", "they", "it", "the", "a", "an", "this", "that", "these", "those",
                     "my", "our", "your", "his", "her", "their", "its", "there", "if", "when", "because", "while",
                     "once", "as", "since", "although", "though", "some", "all", "every", "each", "no", "any",
                     "most", "many", "everyone", "nobody", "somebody"])
_TERMINAL = re.compile(r"[.!?…]['\"’”)\]]*$")
_TRAILING_ANNOTATION = re.compile(r"\s*\[[^\]]*\]\s*$")  # "... it works. [laughs]"
_ANY_TERMINAL = re.compile(r"[.!?…]")


@lru_cache(maxsize=1)
def _tokenizer():
    from .pipeline import blank_pipeline  # spaCy: imported when a sentence is first judged

    return blank_pipeline().tokenizer


@lru_cache(maxsize=65536)
def opening_problem(sentence: str) -> str | None:
    """Why ``sentence`` cannot open a quote (:data:`FRAGMENT` or :data:`PRONOUN`), or None when it can.

    Examples
    --------
    >>> opening_problem("Some.")
    'fragment'
    >>> opening_problem("But it's another training and another binder this year.")
    'pronoun'
    >>> opening_problem("So everybody gets a plan period, and then we meet once a week.")
    """
    text = sentence.strip()
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    if len(words) < MIN_OPENING_WORDS or text.rstrip("'\"’”)] ").endswith("?"):
        return FRAGMENT  # a reply too short to stand alone, or a question
    tokens = [t for t in _tokenizer()(text) if not t.is_space]
    content = [i for i, t in enumerate(tokens) if not t.is_punct]
    first = content[0]
    alone = first + 1 < len(tokens) and tokens[first + 1].is_punct
    if tokens[first].lower_ in REPLY_WORDS or (alone and tokens[first].lower_ in REPLY_WORDS_ALONE):
        return FRAGMENT
    seen, named = 0, False  # words looked at; whether one of them could be what a pronoun stands for
    for i, token in enumerate(tokens):
        word = token.lower_
        if token.is_punct or (not seen and word in JOINING_WORDS):
            continue
        if word in PRONOUNS and not named:
            return PRONOUN  # "They started...", "If they can...", "For me it's", not "[teacher], she's"
        named = named or not token.is_stop
        if word in DEMONSTRATIVES:
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if after is None or after.is_punct or (after.is_stop and (not seen or after.lower_ not in _CLAUSE)):
                return PRONOUN  # "that's", "this is", "these, I think", "I stole that from", not "I think that we"
        seen += 1
        if seen == PRONOUN_REACH:
            return None
    return None


def balanced_quotation(text: str) -> bool:
    """Whether every quotation mark ``text`` opens it also closes, and the other way round: a window cut inside
    someone's quoted words ("I want to pass my sixes." I want...) is not a quote of its own."""
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def ends_sentence(text: str, *, punctuated: bool = True) -> bool:
    """Whether a quote ending in ``text`` ends where a sentence ends: on ".", "!", "?" or "…" (with any closing
    quotation mark or bracket, and a stage direction after it), not on a dash or a comma where the speaker was cut
    off. In a text with no sentence punctuation at all (``punctuated=False``), any end is a sentence's end."""
    if not punctuated:
        return True
    end = _TRAILING_ANNOTATION.sub("", text.rstrip())
    return bool(_TERMINAL.search(end))


def punctuated(text: str) -> bool:
    """Whether ``text`` marks the ends of sentences at all (a transcript typed without punctuation does not)."""
    return _ANY_TERMINAL.search(text) is not None
