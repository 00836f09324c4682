"""The spaCy pipeline pleval uses: blank English, sentencizer, lookup lemmas with a lower-case fallback.

No trained model is needed (nor could one be downloaded): lemmas come from spacy-lookups-data's
``lemma_lookup`` table. That table is case-sensitive, so "Teachers" at the start of a sentence would keep its
form; :class:`LowercaseLemmas` looks up the lower-cased form instead, which makes rules case-insensitive.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc


class LowercaseLemmas:
    """Set each token's lemma to the lookup lemma of its lower-cased text (or the lower-cased text itself).

    Lemmas are cached per lexeme (tokens with the same text share one), so the table is consulted once per
    word type rather than once per token.
    """

    def __init__(self, nlp: Language, name: str, *, table_name: str = "lemma_lookup"):
        from spacy.lookups import load_lookups

        self.name = name
        self.table = load_lookups(nlp.lang, [table_name]).get_table(table_name)
        self.strings = nlp.vocab.strings
        self._by_orth: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        cache, table, strings = self._by_orth, self.table, self.strings
        for token in doc:
            orth = token.orth
            lemma = cache.get(orth)
            if lemma is None:
                lower = token.lower_
                lemma = strings.add(table.get(lower, lower))
                cache[orth] = lemma
            token.lemma = lemma
        return doc


@Language.factory("pleval_lowercase_lemmas", default_config={"table_name": "lemma_lookup"})
def make_lowercase_lemmas(nlp: Language, name: str, table_name: str) -> LowercaseLemmas:
    return LowercaseLemmas(nlp, name, table_name=table_name)


@lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """The shared pipeline: tokenizer, sentencizer, lower-case lookup lemmas. Built once per process."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("pleval_lowercase_lemmas")
    return nlp
