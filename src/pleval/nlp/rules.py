"""Rule-based coding built from the codebook: lemma phrases, spaCy Matcher patterns and exclusions.

Nothing here names a code: every rule comes from ``codebook.yaml``. A turn gets a code when the weights of the
distinct rules that matched in it (outside excluded sentences) combine to at least the code's ``min_score``:
``score = 1 - prod(1 - weight)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, LEMMA, LENGTH, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from ..schema import Codebook, Coding, Transcript
from .rows import codings_from_rows
from .segment import UNCODED_KEY, SentenceBounds, parse_turns, sentence_bounds, sentence_starts, turn_offsets
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


def rule_weights(codebook: Codebook) -> dict[str, float]:
    """Every rule's weight by its key ("<code>/phrase/<n>", "<code>/pattern/<n>"), as evidence names it: what a
    piece of evidence counts for when the rules' words in part of a turn are weighed (a quote's)."""
    weights = {}
    for code in codebook.codes:
        for n, phrase in enumerate(code.rules.weighted_phrases()):
            weights[f"{code.id}/phrase/{n}"] = phrase.weight
        for n, pattern in enumerate(code.rules.weighted_patterns()):
            weights[f"{code.id}/pattern/{n}"] = pattern.weight
    return weights


class CodebookRuler:
    """spaCy component: records every match of every codebook rule in ``doc.user_data[spans_key]``.

    Created empty by the ``pleval_codebook_rules`` factory; :meth:`add_codebook` adds the rules.

    Phrases are matched over the whole doc by a PhraseMatcher on lemmas. Token patterns are matched within
    sentences: compiled to regular expressions where they can be (see :mod:`pleval.nlp.tokenpatterns`); the rest by
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
            for n, weighted in enumerate(rules.weighted_phrases()):
                phrase_rules.append((Rule(f"{code.id}/phrase/{n}", code.id, weighted.weight, False), weighted.text))
            for n, phrase in enumerate(rules.exclude.phrases):
                phrase_rules.append((Rule(f"{code.id}/exclude-phrase/{n}", code.id, 0.0, True), phrase))
            for n, weighted_pattern in enumerate(rules.weighted_patterns()):
                rule = Rule(f"{code.id}/pattern/{n}", code.id, weighted_pattern.weight, False)
                self._add_pattern(rule, weighted_pattern.pattern)
            for n, pattern in enumerate(rules.exclude.patterns):
                self._add_pattern(Rule(f"{code.id}/exclude-pattern/{n}", code.id, 0.0, True), pattern)
        # Phrase patterns need lemmas, so they go through the components that set them (or, if none says so,
        # through every other component; never this one).
        others = [name for name in self.nlp.pipe_names if name != self.name]
        lemmatizers = [name for name in others if "token.lemma" in self.nlp.get_pipe_meta(name).assigns]
        with self.nlp.select_pipes(enable=lemmatizers or others):
            docs = self.nlp.pipe(text for _, text in phrase_rules)
            for (rule, _), doc in zip(phrase_rules, docs, strict=True):
                self._add_rule(rule)
                self.phrases.add(rule.key, [doc])

    def _compiled_matches(self, doc: Doc, starts: np.ndarray) -> np.ndarray:
        """Rows (rule key hash, start token, end token) of the compiled patterns, pattern by pattern.

        Sentences of turns marked uncoded (see :func:`pleval.nlp.segment.parse_turns`) are not searched.
        """
        if not self.compiled_keys or not len(doc):
            return np.zeros((0, 3), dtype=np.uint64)
        searched = None
        uncoded = doc.user_data.get(UNCODED_KEY)
        if uncoded is not None and len(uncoded[0]):
            first, last = uncoded
            inside = np.searchsorted(first, starts, side="right") - 1
            searched = (inside < 0) | (starts >= last[np.maximum(inside, 0)])
        found = self.compiler.find(EncodedDoc(doc, starts, self.compiler), searched)
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
            # spaCy's stub asks for a list[int | str] (invariant) where any list of attribute ids will do
            values = doc.to_array(attrs).reshape(len(doc), len(attrs))  # type: ignore[arg-type]
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
    from .pipeline import base_pipeline

    nlp = base_pipeline()
    nlp.add_pipe("pleval_codebook_rules")
    codebook_ruler(nlp).add_codebook(codebook)
    return nlp


def codebook_ruler(nlp: Language) -> CodebookRuler:
    """The pipeline's ``pleval_codebook_rules`` component."""
    ruler = nlp.get_pipe("pleval_codebook_rules")
    if not isinstance(ruler, CodebookRuler):
        raise TypeError(f"'pleval_codebook_rules' is a {type(ruler).__name__}, not a CodebookRuler")
    return ruler


class TurnScores(NamedTuple):
    """What the rules found in each turn, as arrays.

    One *group* per (turn, code) with at least one match left after exclusions, in the order codings are made:
    by turn, then by where the code's first match (before exclusions) came in the ruler's output. Group ``g``
    is turn ``turn[g]``, code number ``code[g]`` (codebook order), score ``score[g]``, and its matches are rows
    ``first[g]:first[g + 1]`` of ``rule``, ``start`` and ``end`` (rule number, token span), in text order (then
    by rule key).
    """

    turn: np.ndarray
    code: np.ndarray
    score: list[float]
    first: np.ndarray
    rule: np.ndarray
    start: np.ndarray
    end: np.ndarray


class _RuleTable:
    """The ruler's rules as arrays, numbered in the order of their key hashes (so hashes map by a search)."""

    def __init__(self, ruler: CodebookRuler, codebook: Codebook):
        self.hashes = np.array(sorted(ruler.rules_by_hash), dtype=np.uint64)
        self.rules = [ruler.rules_by_hash[h] for h in self.hashes.tolist()]
        self.keys = [rule.key for rule in self.rules]
        self.code_ids = codebook.code_ids
        number = {code_id: n for n, code_id in enumerate(self.code_ids)}
        self.code = np.array([number[r.code_id] for r in self.rules], dtype=np.int64)
        self.weight = np.array([r.weight for r in self.rules], dtype=np.float64)
        self.exclude = np.array([r.exclude for r in self.rules], dtype=bool)
        self.turn_wide = np.array([c.rules.exclude.scope == "turn" for c in codebook.codes], dtype=bool)
        self.min_score = np.array([c.rules.min_score for c in codebook.codes], dtype=np.float64)
        by_key = sorted(range(len(self.rules)), key=lambda n: self.rules[n].key)
        self.key_rank = np.empty(len(self.rules), dtype=np.int64)
        self.key_rank[by_key] = np.arange(len(self.rules))


class RuleCoder:
    """Applies a codebook's rules to segments. Parameters are stored only; the pipeline is built on first use."""

    source = "rules"

    def __init__(self, codebook: Codebook, *, code_interviewer: bool = False):
        self.codebook = codebook
        self.code_interviewer = code_interviewer
        self._codes = {code.id: code for code in codebook.codes}
        self._nlp: Language | None = None
        self._table: _RuleTable | None = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = rules_pipeline(self.codebook)
        return self._nlp

    @property
    def table(self) -> _RuleTable:
        if self._table is None:
            self._table = _RuleTable(codebook_ruler(self.nlp), self.codebook)
        return self._table

    def scores(
        self, doc: Doc, ranges, *, starts: np.ndarray | None = None, turns: np.ndarray | None = None
    ) -> TurnScores:
        """The rules' matches and scores in each token range (turn) of a doc parsed by :attr:`nlp`.

        Matches in excluded sentences (or a turn excluded as a whole) are dropped before scoring. The score
        of a code in a turn combines the weights of the distinct rules that matched, ``1 - prod(1 - weight)``,
        in the order they first match. Codes are returned whatever their score. ``starts``: the doc's
        :func:`~pleval.nlp.segment.sentence_starts`, if already known; ``turns``: a mask of the turns to score
        (by default every one; a turn's score depends on its own matches only).
        """
        table = self.table
        matches = doc.user_data.get(codebook_ruler(self.nlp).spans_key)
        if matches is None or not len(matches) or not len(ranges):
            nothing = np.zeros(0, dtype=np.int64)
            return TurnScores(nothing, nothing, [], np.zeros(1, dtype=np.int64), nothing, nothing, nothing)
        rule = np.searchsorted(table.hashes, matches[:, 0])
        start, end = matches[:, 1].astype(np.int64), matches[:, 2].astype(np.int64)
        first_tokens = np.array([a for a, _ in ranges], dtype=np.int64)
        last_tokens = np.array([b for _, b in ranges], dtype=np.int64)
        turn = np.searchsorted(first_tokens, start, side="right") - 1
        valid = turn >= 0
        valid[valid] = start[valid] < last_tokens[turn[valid]]  # else on the separator between turns
        if turns is not None:
            valid[valid] = turns[turn[valid]]
        sentence = np.searchsorted(sentence_starts(doc) if starts is None else starts, start, side="right") - 1
        code = table.code[rule]
        pair = turn * len(table.code_ids) + code  # (turn, code)
        in_sentence = pair * (int(sentence.max()) + 1) + sentence  # (turn, code, sentence)
        exclusion = valid & table.exclude[rule]
        turn_wide = exclusion & table.turn_wide[code]
        hits = np.flatnonzero(valid & ~table.exclude[rule])
        # codes in the order of their first match in the turn, counting matches later excluded
        pairs, first_hit = np.unique(pair[hits], return_index=True)
        order_of_pair = hits[first_hit][np.searchsorted(pairs, pair[hits])]
        kept = ~np.isin(pair[hits], pair[turn_wide]) & ~np.isin(in_sentence[hits], in_sentence[exclusion & ~turn_wide])
        hits, order_of_pair = hits[kept], order_of_pair[kept]
        hits = hits[np.lexsort((table.key_rank[rule[hits]], end[hits], start[hits], order_of_pair, turn[hits]))]
        groups = np.flatnonzero(np.diff(pair[hits], prepend=-1))  # where each (turn, code) begins
        first = np.append(groups, len(hits))
        # each distinct rule's weight once, at its first match in the group
        distinct = np.zeros(len(hits), dtype=bool)
        distinct[np.unique(pair[hits] * len(table.rules) + rule[hits], return_index=True)[1]] = True
        factors = 1.0 - table.weight[rule[hits][distinct]]
        per_group = np.add.reduceat(distinct.astype(np.int64), groups) if len(hits) else np.zeros(0, np.int64)
        # 1 - prod(factors), the product taken left to right as np.prod does: one or two factors directly,
        # more (rare) by np.prod itself, so every score is the same float as ever
        at = np.cumsum(per_group) - per_group
        product = factors[at] * np.where(per_group > 1, factors[np.minimum(at + 1, len(factors) - 1)], 1.0)
        for g in np.flatnonzero(per_group > 2).tolist():
            product[g] = np.prod(factors[at[g]:at[g] + per_group[g]])
        score = (1.0 - product).tolist()
        return TurnScores(turn[hits][groups], code[hits][groups], score, first, rule[hits], start[hits], end[hits])

    def evidence(self, doc: Doc, ranges) -> list[dict[str, tuple[float, list[tuple[Rule, int, int]]]]]:
        """Rule evidence in each token range of a doc parsed by :attr:`nlp` (one range per turn).

        For each range, a dict from code id to (score, [(rule, start token, end token), ...]) in text order.
        Matches in excluded sentences (or a turn excluded as a whole) are dropped before scoring. Codes are
        returned whatever their score; callers compare it with the code's ``min_score`` (see :meth:`passes`).
        """
        found = self.scores(doc, ranges)
        table = self.table
        results: list[dict] = [{} for _ in ranges]
        rows = list(zip(found.rule.tolist(), found.start.tolist(), found.end.tolist(), strict=True))
        bounds = found.first.tolist()
        groups = zip(found.turn.tolist(), found.code.tolist(), found.score, strict=True)
        for g, (turn, code, score) in enumerate(groups):
            hits = [(table.rules[r], a, b) for r, a, b in rows[bounds[g]:bounds[g + 1]]]
            results[turn][table.code_ids[code]] = (score, hits)
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

    def coding_rows(self, transcript: Transcript) -> tuple[SentenceBounds, list[list]]:
        """Segment and rule-code a transcript in one pass of the pipeline, the codings as compact rows.

        Returns the sentence bounds of each turn (what the segment cache keeps, see
        :func:`pleval.nlp.segment.segments_from_bounds`) and one row per coding, as :func:`codings_from_rows` reads
        them: ``[turn index, code id, score, [[start, end, rule key], ...], [sentence numbers]]`` (the evidence's
        text is the transcript's between its offsets).
        """
        texts = [turn.text for turn in transcript.turns]
        uncoded = None if self.code_interviewer else np.array([turn.is_interviewer for turn in transcript.turns],
                                                               dtype=bool)
        doc, ranges = parse_turns(self.nlp, texts, uncoded=uncoded)
        chars = doc.to_array([IDX, LENGTH, SENT_START]).astype(np.int64).reshape(-1, 3)
        starts = sentence_starts(doc, chars[:, 2])
        bounds = sentence_bounds(doc, ranges, texts, starts=starts, chars=chars[:, 0])
        found = self.scores(doc, ranges, starts=starts, turns=None if uncoded is None else ~uncoded)
        table = self.table
        rows: list[list] = []
        if not len(found.turn):
            return bounds, rows
        passing = np.array(found.score) + 1e-9 >= table.min_score[found.code]
        if not passing.any():
            return bounds, rows
        # the matches of the codings: characters (in the doc's text), and sentence numbers within the turn
        offsets = turn_offsets(texts)
        start_char = chars[found.start, 0]
        end_char = chars[found.end - 1, 0] + chars[found.end - 1, 1]
        turn_of_match = np.repeat(found.turn, np.diff(found.first))
        sentence_begins = offsets[np.repeat(np.arange(len(texts)), bounds.counts)] + bounds.starts
        turn_first_sentence = np.cumsum(bounds.counts) - bounds.counts
        sentence_of_match = np.maximum(
            np.searchsorted(sentence_begins, start_char, side="right") - 1 - turn_first_sentence[turn_of_match], 0)
        matches = list(zip(found.rule.tolist(), (start_char - offsets[turn_of_match]).tolist(),
                           (end_char - offsets[turn_of_match]).tolist(), sentence_of_match.tolist(), strict=True))
        first = found.first.tolist()
        counts = bounds.counts.tolist()
        keys = table.keys
        for g in np.flatnonzero(passing).tolist():
            position = int(found.turn[g])
            turn = transcript.turns[position]
            hits = matches[first[g]:first[g + 1]]
            rows.append([
                turn.index, table.code_ids[int(found.code[g])], round(found.score[g], 4),
                [[turn.start + a, turn.start + b, keys[r]] for r, a, b, _ in hits],
                sorted({n for _, _, _, n in hits}) if counts[position] else [],
            ])
        return bounds, rows

    def code_transcript(self, transcript: Transcript) -> tuple[SentenceBounds, list[Coding]]:
        """Segment and rule-code a transcript in one pass of the pipeline.

        Returns the sentence bounds of each turn (what the segment cache keeps, see
        :func:`pleval.nlp.segment.segments_from_bounds`) and the codings.
        """
        bounds, rows = self.coding_rows(transcript)
        return bounds, codings_from_rows(rows, transcript, self.codebook.hash, self.source)
