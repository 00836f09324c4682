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
from spacy.tokens import Doc

from .model import Codebook, Coding, Evidence, Transcript, segment_id, sentence_id
from .segment import SEPARATOR, parse_turns, sentence_starts, turn_sentence_bounds
from .tokenpatterns import EncodedDoc, PatternCompiler, Unsupported

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
    """spaCy component: records every match of every codebook rule in ``doc.user_data[spans_key]``.

    Created empty by the ``pleval_codebook_rules`` factory; :meth:`add_codebook` adds the rules.

    Phrases are matched over the whole doc by a PhraseMatcher on lemmas. Token patterns are matched within
    sentences: compiled to regular expressions where they can be (see :mod:`pleval.tokenpatterns`); the rest by
    spaCy's Matcher, only in sentences holding a token every match needs (its anchor), since the Matcher visits
    every token of what it is given.
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str = SPANS_KEY):
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.rules: dict[str, Rule] = {}
        self.rules_by_hash: dict[int, Rule] = {}
        self.anchors: dict[int, set[int]] = {}  # attribute -> hashes of values that let some pattern match
        self.unanchored = False  # some pattern has no anchor: match patterns in every sentence
        self.compiler = PatternCompiler()
        self.compiled_keys: list[int] = []  # compiled pattern number -> its rule's key hash

    def _add_rule(self, rule: Rule) -> None:
        self.rules[rule.key] = rule
        self.rules_by_hash[self.nlp.vocab.strings.add(rule.key)] = rule

    def _add_pattern(self, rule: Rule, pattern: list[dict]) -> None:
        self._add_rule(rule)
        try:
            compiled = self.compiler.compile(pattern)
        except Unsupported:
            compiled = None
        if compiled is not None:
            assert compiled.number == len(self.compiled_keys)
            self.compiled_keys.append(self.nlp.vocab.strings.add(rule.key))
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
                self._add_rule(rule)
                self.phrases.add(rule.key, [doc])

    def _compiled_matches(self, doc: Doc, starts: np.ndarray) -> np.ndarray:
        """Rows (rule key hash, start token, end token) of the compiled patterns, pattern by pattern."""
        if not self.compiled_keys or not len(doc):
            return np.zeros((0, 3), dtype=np.uint64)
        found = self.compiler.find(EncodedDoc(doc, starts, self.compiler))
        rows = found.astype(np.uint64)
        rows[:, 0] = np.array(self.compiled_keys, dtype=np.uint64)[found[:, 0]]
        return rows

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
        # Rows (rule key hash, start token, end token) rather than a SpanGroup: a long transcript has thousands
        # of matches and Span objects cost more to make than the matching itself. doc[start:end] gives the span.
        doc.user_data[self.spans_key] = np.concatenate([
            np.array(self.phrases(doc), dtype=np.uint64).reshape(-1, 3),
            self._compiled_matches(doc, starts),
            np.array(self._pattern_matches(doc, starts), dtype=np.uint64).reshape(-1, 3),
        ])
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


def _sentences_holding(transcript_id: str, turn, bounds, evidence: tuple[Evidence, ...]) -> tuple[str, ...]:
    """Ids of the turn's sentences (given by their bounds in the turn) in which the evidence starts, in order."""
    if not bounds:
        return ()
    starts = [turn.start + start for start, _ in bounds]
    found = {max(bisect_right(starts, e.start) - 1, 0) for e in evidence}
    return tuple(sentence_id(transcript_id, turn.index, n) for n in sorted(found))


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

    def evidence(self, doc: Doc, ranges) -> list[dict[str, tuple[float, list[tuple[Rule, int, int]]]]]:
        """Rule evidence in each token range of a doc parsed by :attr:`nlp` (one range per turn).

        For each range, a dict from code id to (score, [(rule, start token, end token), ...]) in text order.
        Matches in excluded sentences (or a turn excluded as a whole) are dropped before scoring. Codes are
        returned whatever their score; callers compare it with the code's ``min_score`` (see :meth:`passes`).
        """
        ruler: CodebookRuler = self.nlp.get_pipe("pleval_codebook_rules")
        results: list[dict] = [{} for _ in ranges]
        matches = doc.user_data.get(ruler.spans_key)
        if matches is None or not len(matches):
            return results
        first_tokens = matches[:, 1].astype(np.int64)
        turns = np.searchsorted([start for start, _ in ranges], first_tokens, side="right") - 1
        sentences = np.searchsorted(sentence_starts(doc), first_tokens, side="right") - 1
        hits: dict[int, dict[str, list]] = {}
        excluded: dict[int, dict[str, set]] = {}
        rows = zip(matches[:, 0].tolist(), first_tokens.tolist(), matches[:, 2].tolist(), turns.tolist(),
                   sentences.tolist())
        for key, start, end, turn, sentence in rows:
            if turn < 0 or start >= ranges[turn][1]:
                continue  # on the separator between turns
            rule = ruler.rules_by_hash[key]
            if rule.exclude:
                scope = self._codes[rule.code_id].rules.exclude.scope
                excluded.setdefault(turn, {}).setdefault(rule.code_id, set()).add(
                    "turn" if scope == "turn" else sentence
                )
            else:
                hits.setdefault(turn, {}).setdefault(rule.code_id, []).append((rule, start, end, sentence))
        for turn, turn_hits in hits.items():
            turn_excluded = excluded.get(turn, {})
            for code_id, found in turn_hits.items():
                blocked = turn_excluded.get(code_id, set())
                if "turn" in blocked:
                    continue
                kept = sorted(
                    ((rule, start, end) for rule, start, end, sentence in found if sentence not in blocked),
                    key=lambda hit: (hit[1], hit[2], hit[0].key),
                )
                weights = {rule.key: rule.weight for rule, _, _ in kept}
                if weights:
                    score = 1.0 - float(np.prod([1.0 - w for w in weights.values()]))
                    results[turn][code_id] = (score, kept)
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

    def code_transcript(self, transcript: Transcript) -> tuple[list[list], list[Coding]]:
        """Segment and rule-code a transcript in one pass of the pipeline.

        Returns the sentence bounds of each turn (what the segment cache keeps, see
        :func:`pleval.segment.segments_from_bounds`) and the codings.
        """
        texts = [turn.text for turn in transcript.turns]
        doc, ranges = parse_turns(self.nlp, texts)
        bounds = turn_sentence_bounds(doc, ranges, texts)
        codings = []
        offsets = np.cumsum([0] + [len(t) + len(SEPARATOR) for t in texts]).tolist()
        for turn, found, offset, turn_bounds in zip(transcript.turns, self.evidence(doc, ranges), offsets, bounds):
            if turn.is_interviewer and not self.code_interviewer:
                continue
            shift = turn.start - offset  # doc character -> transcript character
            for code_id, (score, hits) in found.items():
                if not self.passes(code_id, score):
                    continue
                spans = [(doc[start:end], rule) for rule, start, end in hits]
                evidence = tuple(
                    Evidence(span.start_char + shift, span.end_char + shift, span.text, rule.key)
                    for span, rule in spans
                )
                codings.append(
                    Coding(
                        transcript_id=transcript.id,
                        segment_id=segment_id(transcript.id, turn.index),
                        start=turn.start,
                        end=turn.end,
                        code_id=code_id,
                        coder=self.source,
                        source=self.source,
                        score=round(score, 4),
                        codebook_hash=self.codebook.hash,
                        transcript_hash=transcript.text_hash,
                        evidence=evidence,
                        sentence_ids=_sentences_holding(transcript.id, turn, turn_bounds, evidence),
                    )
                )
        return bounds, codings
