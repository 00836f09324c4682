"""Capitalised words no list names: a name the metadata misses, or a site's own term ("Tiger Tokens"), in a quote.

One finder answers for the briefs' two uses: ranking quotes (:mod:`pleval.briefs.quotes` prefers a quote without
such words) and flagging terms for a person to keep or redact (:mod:`pleval.briefs.terms`). What it finds:

- a *run* is capitalised words in a row, one space apart or joined by "of" ("Dollar General", "Pop-In Fridays",
  "Chamber of Commerce"); a possessive's "'s" is dropped, and so are leading function and stop words ("The Monday
  club": "Monday"); a placeholder ("[teacher]") is no word;
- a word is *known* when a list names it: the project's lists (what the caller passes: pleval.yaml's words, the
  codebook's, the metadata's...), English words always written with a capital (days, months, "I"), function words
  and spaCy's English stop words; a word of one letter ("a B", "K-5") is no name either;
- a sentence *opens* where spaCy's sentencizer starts one, and after an ellipsis, a dash, a colon (a speaker's
  label), a stage direction ("[laughs] Lovingly useless") or an opening quotation mark;
- a run is *unlisted* when one of its words is not known; but a run of one word that opens a sentence owes its
  capital to its place, so it is unlisted only when the transcripts never write it in lower case and do write it
  capitalised where no sentence opens ("Krebs", not "Absolutely" nor "Sorry").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from functools import cached_property

from .redact import ENGLISH_CAPITALISED, FUNCTION_WORDS

_WORD = re.compile(r"(?<![\w'’-])[A-Z][\w'’]*(?:-[A-Za-z0-9][\w'’]*)*")
_RUN = re.compile(rf"{_WORD.pattern}(?:(?: | of | of the ){_WORD.pattern})*")
_POSSESSIVE = re.compile(r"['’]s$")
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
#: What opens a sentence besides the sentencizer's starts: the text before a word ends with one of these.
_BREAK = re.compile(r"(?:^|\.\.\.|…|[:—–\]\n]|--|(?<!\S)-)[\s\"“‘(*_]*$|[\"“‘(]\s*$")


def _key(word: str) -> str:
    return word.casefold().replace("’", "'").removesuffix("'s")


def _sentence_starts(texts: Iterable[str]) -> Iterable[frozenset[int]]:
    from ..nlp.pipeline import blank_pipeline

    for doc in blank_pipeline().pipe(texts, disable=["pleval_lowercase_lemmas"]):  # sentences need no lemmas
        yield frozenset(sentence.start_char for sentence in doc.sents)


def _opens(text: str, at: int, starts: Collection[int]) -> bool:
    return at in starts or _BREAK.search(text, max(0, at - 8), at) is not None


class UnlistedFinder:
    """Finds the runs of capitalised words that no list names in a text.

    Parameters
    ----------
    known : iterable of str
        Words (lower case) that lists name: a project's (:func:`pleval.briefs.terms.words_of` of its declaration,
        codebook, briefs.yaml...). English capitals, function and stop words are added.
    lower_words : collection of str
        Words the transcripts write in lower case (:attr:`pleval.briefs.redact.Redactor.lower_words`).
    texts : iterable of str
        What people said (the transcripts' turns, each opening a sentence): where they capitalise a word that opens
        no sentence.
    """

    def __init__(self, known: Iterable[str], lower_words: Collection[str], texts: Iterable[str] = ()):
        from spacy.lang.en.stop_words import STOP_WORDS

        self._stop = FUNCTION_WORDS | frozenset(STOP_WORDS)
        self._known = frozenset(known) | ENGLISH_CAPITALISED | self._stop
        self._lower = lower_words
        self._texts = list(texts)

    def known(self, word: str) -> bool:
        """Whether a word is no name: a list names it (in any case, possessive or not), it has one letter, or it is
        a word people write in lower case, in capitals for emphasis ("they DESERVE it")."""
        key = _key(word)
        return (key in self._known or sum(c.isalpha() for c in word) <= 1
                or (word.isupper() and key in self._lower))

    @cached_property
    def _named_words(self) -> frozenset[str]:
        """Capitalised words people write where no sentence opens (computed when first needed)."""
        found: set[str] = set()
        for text, starts in zip(self._texts, _sentence_starts(self._texts), strict=True):
            found.update(_key(m.group()) for m in _WORD.finditer(text) if not _opens(text, m.start(), starts))
        return frozenset(found)

    def _parts(self, run: re.Match) -> Iterator[list[re.Match]]:
        """A run's words, cut after a possessive ("Rickabaugh's" | "Tapping"), without leading or trailing stop
        words ("The Monday club", "Today I")."""
        part: list[re.Match] = []
        for word in _WORD.finditer(run.string, run.start(), run.end()):
            part.append(word)
            if _POSSESSIVE.search(word.group()) or word.end() == run.end():
                while part and _key(part[0].group()) in self._stop:
                    part.pop(0)
                while part and _key(part[-1].group()) in self._stop:
                    part.pop()
                if part:
                    yield part
                part = []

    def runs(self, text: str) -> list[str]:
        """The unlisted runs of a text, in order, as they are written (a possessive's "'s" dropped)."""
        masked = _PLACEHOLDER.sub(lambda m: "\0" * len(m.group()), text)  # a placeholder is no word of a run
        starts: Collection[int] | None = None
        found = []
        for run in _RUN.finditer(masked):
            for words in self._parts(run):
                if all(self.known(w.group()) for w in words):
                    continue
                if len(words) == 1:
                    if starts is None:
                        starts = next(iter(_sentence_starts([text])))
                    key = _key(words[0].group())
                    if _opens(text, words[0].start(), starts) and (key in self._lower or key not in self._named_words):
                        continue  # capitalised for opening a sentence
                found.append(_POSSESSIVE.sub("", masked[words[0].start():words[-1].end()]))
        return found
