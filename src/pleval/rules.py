"""Rule-based coding built from the codebook: lemma phrases, spaCy Matcher patterns and exclusions.

Nothing here names a code: every rule comes from ``codebook.yaml``. A turn gets a code when the weights of the
distinct rules that matched in it (outside excluded sentences) combine to at least the code's ``min_score``:
``score = 1 - prod(1 - weight)``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from .model import Codebook, Coding, Evidence, Segment, Transcript
from .segment import SEPARATOR, parse_turns, segments_from_bounds, sentence_starts, turn_sentence_bounds
from .tokenpatterns import CompiledPattern, EncodedDoc, PatternCompiler, Unsupported

SPANS_KEY = "pleval_rules"


@dataclass(frozen=True)
class Rule:
    key: str  # "<code>/phrase/<n>", "<code>/pattern/<n>", "<code>/exclude-phrase/<n>", ...
    code_id: str
    weight: float
    exclude: bool


ANCHOR_ATTRS = {"LEMMA": LEMMA, "LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}


def pattern_anchor(pattern: list[dict]) -> tuple[int, frozenset[str]] | None:
    """The attribute and values one token of every match must have, if the pattern says so plainly.

    That is the first token that must occur (no ``OP``, or ``+``) and is described by LEMMA, LOWER, TEXT or ORTH
    with a string or an ``IN`` list. None when no such token exists (the pattern can match anywhere).
    """
    for token in pattern:
        if token.get("OP", "+") != "+":  # optional, negated or counted: not a token every match has
            continue
        for key, attr in ANCHOR_ATTRS.items():
            value = token.get(key)
            if isinstance(value, str):
                values = {value}
            elif isinstance(value, dict) and set(value) == {"IN"}:
                values = set(value["IN"])
            else:
                continue
            if key == "LOWER":
                values = {v.lower() for v in values}
            return attr, frozenset(values)
    return None


class CodebookRuler:
    """spaCy component: marks every match of every codebook rule as a span in ``doc.spans[spans_key]``.

    Created empty by the ``pleval_codebook_rules`` factory; :meth:`add_codebook` adds the rules.

    Phrases are matched over the whole doc by a PhraseMatcher on lemmas. Token patterns are matched within
    sentences: compiled to regular expressions where they can be (see :mod:`pleval.tokenpatterns`) and tried
    only on docs that hold every word they need; the rest by spaCy's Matcher, only in sentences holding a token
    every match needs (its anchor), since the Matcher visits every token of what it is given.
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str = SPANS_KEY):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.rules: dict[str, Rule] = {}
        self.anchors: dict[int, set[int]] = {}  # attribute -> hashes of values that let some pattern match
        self.unanchored = False  # some pattern has no anchor: match patterns in every sentence
        self.compiled: list[tuple[int, CompiledPattern, tuple]] = []  # (rule hash, pattern, requirement numbers)
        self.requirement_numbers: dict[frozenset, int] = {}
        self.index: list[dict[int, list[int]]] = [{}, {}, {}]  # field -> value hash -> requirement numbers
        self.compiler = PatternCompiler()

    def _add_pattern(self, rule: Rule, pattern: list[dict]) -> None:
        self.rules[rule.key] = rule
        strings = self.nlp.vocab.strings
        try:
            compiled = self.compiler.compile(pattern)
        except Unsupported:
            compiled = None
        if compiled is not None:
            # A requirement is a token every match needs, as the (field, value hash) pairs it may take. Equal
            # requirements of different patterns share one number, so each is worked out once per doc.
            numbers = []
            for requirement in compiled.requirements:
                hashed = frozenset((field, strings.add(value)) for field, value in requirement)
                number = self.requirement_numbers.get(hashed)
                if number is None:
                    number = self.requirement_numbers[hashed] = len(self.requirement_numbers)
                    for field, value in hashed:
                        self.index[field].setdefault(value, []).append(number)
                numbers.append(number)
            self.compiled.append((strings.add(rule.key), compiled, tuple(numbers)))
            return
        self.patterns.add(rule.key, [pattern])  # outside the compiled subset: spaCy's Matcher
        anchor = pattern_anchor(pattern)
        if anchor is None:
            self.unanchored = True
            return
        attr, values = anchor
        self.anchors.setdefault(attr, set()).update(self.nlp.vocab.strings.add(v) for v in values)

    def add_codebook(self, codebook: Codebook) -> None:
        phrase_rules: list[tuple[Rule, str]] = []
        for code in codebook.codes:
            rules = code.rules
            for n, phrase in enumerate(rules.weighted_phrases()):
                phrase_rules.append((Rule(f"{code.id}/phrase/{n}", code.id, phrase.weight, False), phrase.text))
            for n, phrase in enumerate(rules.exclude.phrases):
                phrase_rules.append((Rule(f"{code.id}/exclude-phrase/{n}", code.id, 0.0, True), phrase))
            for n, pattern in enumerate(rules.weighted_patterns()):
                self._add_pattern(Rule(f"{code.id}/pattern/{n}", code.id, pattern.weight, False), pattern.pattern)
            for n, pattern in enumerate(rules.exclude.patterns):
                self._add_pattern(Rule(f"{code.id}/exclude-pattern/{n}", code.id, 0.0, True), pattern)
        # Phrase patterns need lemmas, so they go through the pipeline (without this component).
        with self.nlp.select_pipes(disable=[self.name]):
            docs = self.nlp.pipe(text for _, text in phrase_rules)
            for (rule, _), doc in zip(phrase_rules, docs):
                self.rules[rule.key] = rule
                self.phrases.add(rule.key, [doc])

    def _compiled_matches(self, doc: Doc, starts: np.ndarray) -> list[tuple[int, int, int]]:
        """Run each compiled pattern only in the sentences that hold every token it needs."""
        if not self.compiled or not len(doc):
            return []
        values = doc.to_array([LOWER, LEMMA, ORTH])
        sentence_of = np.searchsorted(starts, np.arange(len(doc)), side="right") - 1
        # The sentences in which each requirement is met, from the words present in the doc.
        met: dict[int, set[int]] = {}
        for field in range(3):
            index = self.index[field]
            for value, positions in _positions_by_value(values[:, field]).items():
                numbers = index.get(value)
                if numbers:
                    sentences = set(sentence_of[positions].tolist())
                    for number in numbers:
                        met.setdefault(number, set()).update(sentences)
        encoded = None
        matches = []
        every_sentence = set(range(len(starts)))
        for key, compiled, requirements in self.compiled:
            sentences = every_sentence
            for number in requirements:
                sentences = sentences & met.get(number, set())
                if not sentences:
                    break
            if not sentences:
                continue
            if encoded is None:
                encoded = EncodedDoc(doc, starts, self.compiler)
            for sentence in sorted(sentences):
                begin, end = encoded.sentences[sentence], encoded.sentences[sentence + 1]
                for match in compiled.regex.finditer(encoded.text, begin, end):
                    first, last = encoded.tokens(match)
                    if last > first:
                        matches.append((key, first, last))
        return matches

    def _pattern_matches(self, doc: Doc, starts: np.ndarray) -> list[tuple[int, int, int]]:
        if not len(self.patterns) or not len(doc):
            return []
        if self.unanchored:
            sentences = range(len(starts))
        else:
            attrs = list(self.anchors)
            values = doc.to_array(attrs).reshape(len(doc), len(attrs))
            hit = np.zeros(len(doc), dtype=bool)
            for column, attr in enumerate(attrs):
                hit |= np.isin(values[:, column], np.fromiter(self.anchors[attr], dtype=np.uint64))
            sentences = np.unique(np.searchsorted(starts, np.flatnonzero(hit), side="right") - 1).tolist()
        bounds = list(starts) + [len(doc)]
        matches = []
        for number in sentences:
            first, last = int(bounds[number]), int(bounds[number + 1])
            matches += [(key, first + a, first + b) for key, a, b in self.patterns(doc[first:last])]
        return matches

    def __call__(self, doc: Doc) -> Doc:
        starts = sentence_starts(doc)
        matches = self.phrases(doc) + self._compiled_matches(doc, starts) + self._pattern_matches(doc, starts)
        doc.spans[self.spans_key] = [Span(doc, start, end, label=match_id) for match_id, start, end in matches]
        return doc


@Language.factory("pleval_codebook_rules", default_config={"spans_key": SPANS_KEY})
def make_codebook_ruler(nlp: Language, name: str, spans_key: str) -> CodebookRuler:
    return CodebookRuler(nlp, name, spans_key=spans_key)


def _positions_by_value(column: np.ndarray) -> dict[int, np.ndarray]:
    """Token positions of each distinct value in a column of hashes."""
    order = np.argsort(column, kind="stable")
    distinct, first, counts = np.unique(column[order], return_index=True, return_counts=True)
    return {value: order[i : i + n] for value, i, n in zip(distinct.tolist(), first.tolist(), counts.tolist())}


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
        self._codes = {code.id: code for code in codebook.codes}
        self._nlp = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = rules_pipeline(self.codebook)
        return self._nlp

    def evidence(self, doc: Doc, ranges) -> list[dict[str, tuple[float, list[tuple[Rule, Span]]]]]:
        """Rule evidence in each token range of a doc parsed by :attr:`nlp` (one range per turn).

        For each range, a dict from code id to (score, [(rule, span), ...]). Matches in excluded sentences (or a
        turn excluded as a whole) are dropped before scoring. Codes are returned whatever their score; callers
        compare it with the code's ``min_score`` (see :meth:`passes`).
        """
        ruler: CodebookRuler = self.nlp.get_pipe("pleval_codebook_rules")
        strings = self.nlp.vocab.strings
        range_starts = [start for start, _ in ranges]
        sentence_of = sentence_starts(doc)
        hits: list[dict[str, list]] = [{} for _ in ranges]
        excluded: list[dict[str, set]] = [{} for _ in ranges]
        for span in doc.spans[ruler.spans_key]:
            turn = bisect_right(range_starts, span.start) - 1
            if turn < 0 or span.start >= ranges[turn][1]:
                continue  # on the separator between turns
            rule = ruler.rules[strings[span.label]]
            sentence = int(np.searchsorted(sentence_of, span.start, side="right")) - 1
            if rule.exclude:
                scope = self._codes[rule.code_id].rules.exclude.scope
                excluded[turn].setdefault(rule.code_id, set()).add("turn" if scope == "turn" else sentence)
            else:
                hits[turn].setdefault(rule.code_id, []).append((rule, span, sentence))
        results = []
        for turn_hits, turn_excluded in zip(hits, excluded):
            result = {}
            for code_id, found in turn_hits.items():
                blocked = turn_excluded.get(code_id, set())
                if "turn" in blocked:
                    continue
                found = [(rule, span) for rule, span, sentence in found if sentence not in blocked]
                weights = {rule.key: rule.weight for rule, _ in found}
                if weights:
                    score = 1.0 - float(np.prod([1.0 - w for w in weights.values()]))
                    result[code_id] = (score, sorted(found, key=lambda hit: hit[1].start_char))
            results.append(result)
        return results

    def passes(self, code_id: str, score: float) -> bool:
        return score + 1e-9 >= self._codes[code_id].rules.min_score

    def code_texts(self, texts) -> list[dict[str, float]]:
        """The codes (with scores) the rules give each free text, e.g. quotes outside any transcript."""
        texts = list(texts)
        doc, ranges = parse_turns(self.nlp, texts)
        return [
            {code_id: round(score, 4) for code_id, (score, _) in found.items() if self.passes(code_id, score)}
            for found in self.evidence(doc, ranges)
        ]

    def code_transcript(self, transcript: Transcript) -> tuple[list[list], list[Segment], list[Coding]]:
        """Segment and rule-code a transcript in one pass of the pipeline.

        Returns the sentence bounds of each turn (what the segment cache keeps), the segments and the codings.
        """
        texts = [turn.text for turn in transcript.turns]
        doc, ranges = parse_turns(self.nlp, texts)
        bounds = turn_sentence_bounds(doc, ranges, texts)
        segments = segments_from_bounds(transcript, bounds)
        codings = []
        offsets = np.cumsum([0] + [len(t) + len(SEPARATOR) for t in texts])
        for segment, found, offset in zip(segments, self.evidence(doc, ranges), offsets.tolist()):
            if segment.is_interviewer and not self.code_interviewer:
                continue
            for code_id, (score, hits) in found.items():
                if not self.passes(code_id, score):
                    continue
                shift = segment.start - offset  # doc character -> transcript character
                evidence = tuple(
                    Evidence(span.start_char + shift, span.end_char + shift, span.text, rule.key) for rule, span in hits
                )
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
                        sentence_ids=_sentences_holding(segment, evidence),
                    )
                )
        return bounds, segments, codings
