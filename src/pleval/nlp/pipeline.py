"""The spaCy pipeline pleval uses: blank English, the sentencizer, lookup lemmas with a lower-case fallback.

No trained model is needed (nor could one be downloaded): lemmas come from spacy-lookups-data's
``lemma_lookup`` table. That table is case-sensitive, so "Teachers" at the start of a sentence would keep its
form; :class:`LowercaseLemmas` looks up the lower-cased form instead, which makes rules case-insensitive.
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
import spacy
from spacy.attrs import LEMMA, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.util import minibatch

WORDS_KEY = "pleval_words"


def doc_words(doc: Doc) -> tuple[np.ndarray, np.ndarray]:
    """The doc's distinct words (sorted orth hashes) and, for each token, the index of its word.

    What pleval's components work out for a token (sentence-final or not, lemma, pattern class) depends on its
    text alone, so each does it once per distinct word. The first that needs the words keeps them in
    ``doc.user_data`` for the others; they are worked out again if the doc's length has changed since.
    """
    kept = doc.user_data.get(WORDS_KEY)
    if kept is not None and len(kept[1]) == len(doc):
        return kept
    words, inverse = np.unique(doc.to_array(ORTH).reshape(-1), return_inverse=True)
    kept = doc.user_data[WORDS_KEY] = (words, inverse.reshape(-1))
    return kept


class WordValues:
    """A value worked out once per word (orth hash) and looked up for all of a doc's distinct words at once.

    The known words are kept as a sorted array with their values beside them: a doc's words are found with one
    search, and words not seen before are worked out (by the caller, all at once) and slotted in.
    """

    def __init__(self, dtype):
        self.words = np.zeros(0, dtype=np.uint64)
        self.values = np.zeros(0, dtype=dtype)

    def __len__(self) -> int:
        return len(self.words)

    def lookup(self, words: np.ndarray, work_out) -> np.ndarray:
        """The values of ``words`` (sorted, distinct); ``work_out(new_words)`` gives those of words not seen before."""
        at = np.searchsorted(self.words, words)
        known = at < len(self.words)
        known[known] = self.words[at[known]] == words[known]
        if not known.all():
            new = words[~known]
            values = np.asarray(work_out(new), dtype=self.values.dtype)
            where = np.searchsorted(self.words, new)
            self.words = np.insert(self.words, where, new)
            self.values = np.insert(self.values, where, values)
            at = np.searchsorted(self.words, words)
        return self.values[at]


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based sentencizer with the same rule and ``punct_chars``, computed on arrays.

    A sentence starts at the first token that is neither punctuation nor a sentence-final character after
    a sentence-final character, or at an opening bracket or quotation mark before it: spaCy's rule leaves
    those at the end of the sentence before, so that "Don't remind me. [laughs] I've got" broke as
    "Don't remind me. [" and "laughs] I've got"; here it is "Don't remind me." and "[laughs] I've got". Elsewhere
    the boundaries are spaCy's (tests/nlp/test_pipeline.py checks both). spaCy's version walks Token objects in
    Python; this one marks each distinct word once (sentence-final, opening, other punctuation, or neither),
    which is several times faster.
    """

    FINAL, PUNCT, CONTENT, OPENING = 2, 1, 0, 3
    OPENING_CHARS = frozenset("([{“‘«")

    def __init__(self, name: str = "sentencizer", *, punct_chars=None, overwrite: bool = False, scorer=None):
        super().__init__(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)
        self._final: frozenset[int] | None = None  # hashes of the sentence-final characters
        self._marks = WordValues(np.int8)  # FINAL, PUNCT or CONTENT

    def _mark(self, doc: Doc, orth: int) -> int:
        if self._final is None:
            self._final = frozenset(doc.vocab.strings.add(c) for c in self.punct_chars)
        if orth in self._final:
            return self.FINAL
        if doc.vocab.strings[orth] in self.OPENING_CHARS:
            return self.OPENING
        return self.PUNCT if doc.vocab[orth].is_punct else self.CONTENT

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        words, inverse = doc_words(doc)
        marks = self._marks.lookup(words, lambda new: [self._mark(doc, w) for w in new.tolist()])
        kind = marks[inverse]
        final = np.flatnonzero(kind == self.FINAL)
        content = np.flatnonzero(kind == self.CONTENT)
        after = np.searchsorted(content, final, side="right")
        first = content[after[after < len(content)]]
        while True:  # back over the opening brackets and quotation marks just before a sentence's first word
            opening = (first > 0) & (kind[np.maximum(first - 1, 0)] == self.OPENING)
            if not opening.any():
                break
            first = np.where(opening, first - 1, first)
        starts = np.full(len(doc), -1, dtype=np.int64)
        starts[0] = 1
        starts[first] = 1
        if not self.overwrite:
            existing = doc.to_array(SENT_START).astype(np.int64)  # as set before: 1, -1 or 0 (unset)
            starts = np.where(existing != 0, existing, starts)
        # spaCy's stub wants thinc's Ints2d; it reads any 2-d integer numpy array
        doc.from_array([SENT_START], starts.astype(np.uint64).reshape(-1, 1))  # type: ignore[arg-type]
        return doc

    def pipe(self, stream, batch_size: int = 128):
        for doc in stream:
            yield self(doc)


@Language.factory(
    "pleval_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"punct_chars": None, "overwrite": False},
)
def make_array_sentencizer(nlp: Language, name: str, punct_chars, overwrite: bool) -> ArraySentencizer:
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite)


class LowercaseLemmas:
    """Set each token's lemma to the lookup lemma of its lower-cased text (or the lower-cased text itself).

    Lemmas are cached per word, so the table is consulted once per word type, not per token.
    """

    def __init__(self, nlp: Language, name: str, *, table_name: str = "lemma_lookup"):
        self.name = name
        self.table = _lookup_table(nlp.lang, table_name)
        self.strings = nlp.vocab.strings
        self._by_lower: dict[int, int] = {}  # lower-case hash -> lemma hash
        self._by_orth = WordValues(np.uint64)  # orth hash -> lemma hash

    def _lemma(self, lower_hash: int) -> int:
        lemma = self._by_lower.get(lower_hash)
        if lemma is None:
            lower = self.strings[lower_hash]
            lemma = self._by_lower[lower_hash] = self.strings.add(self.table.get(lower, lower))
        return lemma

    def _lemmas(self, vocab, new: np.ndarray) -> list[int]:
        """The lemma hashes of words not seen before (orth hashes in ``vocab``)."""
        return [self._lemma(vocab[w].lower) for w in new.tolist()]

    def __call__(self, doc: Doc) -> Doc:
        """Lemmatise a doc: one look-up per distinct word, no Token objects."""
        if len(doc):
            words, inverse = doc_words(doc)
            lemmas = self._by_orth.lookup(words, partial(self._lemmas, doc.vocab))
            doc.from_array([LEMMA], lemmas[inverse].reshape(-1, 1))
        return doc

    def pipe(self, stream, batch_size: int = 256):
        """Lemmatise docs a batch at a time: the words of a batch looked up together (many short docs, e.g.
        the codebook's phrases, would otherwise cost more in array calls than in look-ups)."""
        for batch in minibatch(stream, batch_size):  # never an empty batch
            orths = [doc.to_array(ORTH).reshape(-1) for doc in batch]
            words, inverse = np.unique(np.concatenate(orths), return_inverse=True)
            lemmas = self._by_orth.lookup(words, partial(self._lemmas, batch[0].vocab))
            lemmas = lemmas[inverse.reshape(-1)]
            offset = 0
            for doc, array in zip(batch, orths, strict=True):
                if len(array):
                    doc.from_array([LEMMA], lemmas[offset : offset + len(array)].reshape(-1, 1))
                offset += len(array)
                yield doc


@lru_cache(maxsize=4)
def _lookup_table(lang: str, table_name: str):
    """A spacy-lookups-data table, loaded once per process (it is static data)."""
    from spacy.lookups import load_lookups

    return load_lookups(lang, [table_name]).get_table(table_name)


@Language.factory("pleval_lowercase_lemmas", assigns=["token.lemma"], default_config={"table_name": "lemma_lookup"})
def make_lowercase_lemmas(nlp: Language, name: str, table_name: str) -> LowercaseLemmas:
    return LowercaseLemmas(nlp, name, table_name=table_name)


def base_pipeline() -> Language:
    """A new pipeline: tokenizer, sentencizer, lower-case lookup lemmas."""
    nlp = spacy.blank("en")
    nlp.add_pipe("pleval_sentencizer")
    nlp.add_pipe("pleval_lowercase_lemmas")
    return nlp


@lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """The shared base pipeline, built once per process (for segmenting and checking patterns)."""
    return base_pipeline()
