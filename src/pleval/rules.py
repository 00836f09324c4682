"""Rule-based coding built from the codebook: lemma phrases, spaCy Matcher patterns and exclusions.

Nothing here names a code: every rule comes from ``codebook.yaml``. A turn gets a code when the weights of the
distinct rules that matched in it (outside excluded sentences) combine to at least the code's ``min_score``:
``score = 1 - prod(1 - weight)``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from .model import Codebook, Coding, Evidence, Segment, Transcript
from .segment import sentence_starts

SPANS_KEY = "pleval_rules"


@dataclass(frozen=True)
class Rule:
    key: str  # "<code>/phrase/<n>", "<code>/pattern/<n>", "<code>/exclude-phrase/<n>", ...
    code_id: str
    weight: float
    exclude: bool


class CodebookRuler:
    """spaCy component: marks every match of every codebook rule as a span in ``doc.spans[spans_key]``.

    Created empty by the ``pleval_codebook_rules`` factory; :meth:`add_codebook` adds the rules.
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str = SPANS_KEY):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.rules: dict[str, Rule] = {}

    def add_codebook(self, codebook: Codebook) -> None:
        phrase_rules: list[tuple[Rule, str]] = []
        for code in codebook.codes:
            rules = code.rules
            for n, phrase in enumerate(rules.weighted_phrases()):
                phrase_rules.append((Rule(f"{code.id}/phrase/{n}", code.id, phrase.weight, False), phrase.text))
            for n, phrase in enumerate(rules.exclude.phrases):
                phrase_rules.append((Rule(f"{code.id}/exclude-phrase/{n}", code.id, 0.0, True), phrase))
            for n, pattern in enumerate(rules.weighted_patterns()):
                rule = Rule(f"{code.id}/pattern/{n}", code.id, pattern.weight, False)
                self.rules[rule.key] = rule
                self.patterns.add(rule.key, [pattern.pattern])
            for n, pattern in enumerate(rules.exclude.patterns):
                rule = Rule(f"{code.id}/exclude-pattern/{n}", code.id, 0.0, True)
                self.rules[rule.key] = rule
                self.patterns.add(rule.key, [pattern])
        # Phrase patterns need lemmas, so they go through the pipeline (without this component).
        with self.nlp.select_pipes(disable=[self.name]):
            docs = self.nlp.pipe(text for _, text in phrase_rules)
            for (rule, _), doc in zip(phrase_rules, docs):
                self.rules[rule.key] = rule
                self.phrases.add(rule.key, [doc])

    def __call__(self, doc: Doc) -> Doc:
        matches = self.phrases(doc) + self.patterns(doc)
        doc.spans[self.spans_key] = [Span(doc, start, end, label=match_id) for match_id, start, end in matches]
        return doc


@Language.factory("pleval_codebook_rules", default_config={"spans_key": SPANS_KEY})
def make_codebook_ruler(nlp: Language, name: str, spans_key: str) -> CodebookRuler:
    return CodebookRuler(nlp, name, spans_key=spans_key)


def rules_pipeline(codebook: Codebook) -> Language:
    """A fresh pipeline (tokenizer, sentencizer, lemmas) with the codebook's rules added."""
    from .nlp import base_pipeline

    nlp = base_pipeline()
    ruler = nlp.add_pipe("pleval_codebook_rules")
    ruler.add_codebook(codebook)
    return nlp


def _sentences_holding(segment: Segment, evidence: tuple[Evidence, ...]) -> tuple[str, ...]:
    """Ids of the segment's sentences in which the evidence starts, in order."""
    starts = [sentence.start for sentence in segment.sentences]
    found = {max(bisect_right(starts, e.start) - 1, 0) for e in evidence}
    return tuple(segment.sentences[i].id for i in sorted(found) if segment.sentences)


class RuleCoder:
    """Applies a codebook's rules to segments. Parameters are stored only; the pipeline is built on first use."""

    source = "rules"

    def __init__(self, codebook: Codebook, *, code_interviewer: bool = False):
        self.codebook = codebook
        self.code_interviewer = code_interviewer
        self._nlp = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = rules_pipeline(self.codebook)
        return self._nlp

    def code_docs(self, transcript: Transcript, segments: list[Segment], docs: list[Doc]) -> list[Coding]:
        """Codings for the segments whose docs (parsed by :attr:`nlp`) carry enough rule evidence."""
        ruler: CodebookRuler = self.nlp.get_pipe("pleval_codebook_rules")
        codes = {code.id: code for code in self.codebook.codes}
        strings = self.nlp.vocab.strings
        codings = []
        for segment, doc in zip(segments, docs, strict=True):
            if segment.is_interviewer and not self.code_interviewer:
                continue
            spans = doc.spans[ruler.spans_key]
            if not len(spans):
                continue
            starts = sentence_starts(doc)
            hits: dict[str, list[tuple[Rule, Span, int]]] = {}
            excluded: dict[str, set] = {}
            for span in spans:
                rule = ruler.rules[strings[span.label]]
                sentence = int(np.searchsorted(starts, span.start, side="right")) - 1
                if rule.exclude:
                    scope = codes[rule.code_id].rules.exclude.scope
                    excluded.setdefault(rule.code_id, set()).add("turn" if scope == "turn" else sentence)
                else:
                    hits.setdefault(rule.code_id, []).append((rule, span, sentence))
            for code_id, found in hits.items():
                blocked = excluded.get(code_id, set())
                if "turn" in blocked:
                    continue
                found = [hit for hit in found if hit[2] not in blocked]
                weights = {rule.key: rule.weight for rule, _, _ in found}
                score = 1.0 - float(np.prod([1.0 - w for w in weights.values()])) if weights else 0.0
                if score + 1e-9 < codes[code_id].rules.min_score:
                    continue
                evidence = tuple(
                    Evidence(segment.start + span.start_char, segment.start + span.end_char, span.text, rule.key)
                    for rule, span, _ in sorted(found, key=lambda hit: hit[1].start_char)
                )
                sentence_ids = _sentences_holding(segment, evidence)
                codings.append(
                    Coding(
                        transcript_id=transcript.id,
                        segment_id=segment.id,
                        start=segment.start,
                        end=segment.end,
                        code_id=code_id,
                        coder=self.source,
                        source=self.source,
                        score=round(score, 4),
                        codebook_hash=self.codebook.hash,
                        transcript_hash=transcript.text_hash,
                        evidence=evidence,
                        sentence_ids=sentence_ids,
                    )
                )
        return codings
