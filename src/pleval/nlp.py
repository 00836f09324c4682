"""The spaCy pipeline pleval uses: blank English, the sentencizer, lookup lemmas with a lower-case fallback.

No trained model is needed (nor could one be downloaded): lemmas come from spacy-lookups-data's
``lemma_lookup`` table. That table is case-sensitive, so "Teachers" at the start of a sentence would keep its
form; :class:`LowercaseLemmas` looks up the lower-cased form instead, which makes rules case-insensitive.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import IS_PUNCT, LEMMA, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.util import minibatch


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based sentencizer with the same rule and ``punct_chars``, computed on arrays.

    A sentence starts at the first token that is neither punctuation nor a sentence-final character after
    a sentence-final character. spaCy's version walks Token objects in Python; this one finds the
    sentence-final tokens among the doc's word hashes at once, which is several times faster and gives
    identical boundaries (tests/test_nlp.py checks that).
    """

    def __init__(self, name: str = "sentencizer", *, punct_chars=None, overwrite: bool = False, scorer=None):
        super().__init__(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)
        self._final = None

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        if self._final is None:
            self._final = np.array(sorted(doc.vocab.strings.add(c) for c in self.punct_chars), dtype=np.uint64)
        attrs = doc.to_array([ORTH, IS_PUNCT, SENT_START]).reshape(-1, 3)
        is_final = self._final[np.searchsorted(self._final, attrs[:, 0]) % len(self._final)] == attrs[:, 0]
        final = np.flatnonzero(is_final)
        content = np.flatnonzero(~is_final & (attrs[:, 1] == 0))
        after = np.searchsorted(content, final, side="right")
        starts = np.full(len(doc), -1, dtype=np.int64)
        starts[0] = 1
        starts[content[after[after < len(content)]]] = 1
        if not self.overwrite:
            existing = attrs[:, 2].astype(np.int64)  # SENT_START as set before: 1, -1 or 0 (unset)
            starts = np.where(existing != 0, existing, starts)
        doc.from_array([SENT_START], starts.astype(np.uint64).reshape(-1, 1))
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

    Lemmas are cached per lower-cased word, so the table is consulted once per word type, not per token.
    """

    def __init__(self, nlp: Language, name: str, *, table_name: str = "lemma_lookup"):
        from spacy.lookups import load_lookups

        self.name = name
        self.table = load_lookups(nlp.lang, [table_name]).get_table(table_name)
        self.strings = nlp.vocab.strings
        self._by_lower: dict[int, int] = {}

    def _lemma(self, lower_hash: int) -> int:
        lemma = self._by_lower.get(lower_hash)
        if lemma is None:
            lower = self.strings[lower_hash]
            lemma = self._by_lower[lower_hash] = self.strings.add(self.table.get(lower, lower))
        return lemma

    def _lemmas(self, lowers: np.ndarray) -> np.ndarray:
        """The lemma hash of each lower-case word hash: one look-up per distinct word."""
        words, positions = np.unique(lowers, return_inverse=True)
        known, lemma = self._by_lower, self._lemma
        lemmas = np.array([known[w] if w in known else lemma(w) for w in words.tolist()], dtype=np.uint64)
        return lemmas[positions.reshape(-1)]

    def __call__(self, doc: Doc) -> Doc:
        if len(doc):
            doc.from_array([LEMMA], self._lemmas(doc.to_array(LOWER)).reshape(-1, 1))
        return doc

    def pipe(self, stream, batch_size: int = 256):
        """Lemmatise docs a batch at a time: arrays of hashes, one look-up per distinct word, no Token objects."""
        for batch in minibatch(stream, batch_size):
            arrays = [doc.to_array(LOWER) for doc in batch]
            if arrays:
                lemmas = self._lemmas(np.concatenate(arrays))
            offset = 0
            for doc, array in zip(batch, arrays):
                if len(array):
                    doc.from_array([LEMMA], lemmas[offset : offset + len(array)].reshape(-1, 1))
                offset += len(array)
                yield doc


@Language.factory("pleval_lowercase_lemmas", default_config={"table_name": "lemma_lookup"})
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
