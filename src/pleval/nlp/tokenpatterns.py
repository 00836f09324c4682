"""spaCy Matcher token patterns, compiled to regular expressions over a doc written one character per token.

spaCy's Matcher evaluates ``IN`` / ``NOT_IN`` sets and ``OP`` quantifiers by calling Python for every token
and every live pattern state; with a real codebook (hundreds of patterns with long word lists) that is a
hundred times slower than tokenising. The patterns keep spaCy's syntax and are validated by spaCy, but the
common subset (LOWER, LEMMA, TEXT/ORTH with a string, ``IN`` or ``NOT_IN``; IS_PUNCT, LIKE_NUM, IS_DIGIT,
IS_ALPHA, IS_SENT_START; OP ``? * +`` and ``{n,m}``) is compiled here to one regular expression per pattern,
run by ``re`` in C.

Each distinct token description in the patterns (a *token spec*: the dict of one token, without ``OP`` and
``IS_SENT_START``) is numbered. A word's *class* is the set of token specs it satisfies; it depends only on
which of the patterns' words its lower-case form, lemma and text are, and on its four flags, so a codebook
gives a bounded number of classes however large the corpus (about a thousand for the sample codebook). A doc
is encoded as one character per token, the character of its class, with ``\\x05`` between sentences; a token
spec becomes the character set of the classes that satisfy it, and a pattern the sequence of those sets with
the pattern's quantifiers. Classes are numbered as words are first seen, so a pattern's expression is rebuilt
when a new class changes one of its sets and the text to search holds that class (rarely, once the first docs
have been seen). A pattern is searched only in the sentences holding, for each of its mandatory tokens whose
spec names the words it wants, a word satisfying that spec: no match can lie elsewhere.

Patterns outside the subset are reported by :meth:`PatternCompiler.compile` as unsupported, and the caller
matches them with spaCy's Matcher. Matches never cross a sentence boundary. tests/test_tokenpatterns.py
checks, pattern by pattern, that a regex finds a match in exactly the sentences where spaCy's Matcher does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import IS_ALPHA, IS_DIGIT, IS_PUNCT, LEMMA, LIKE_NUM
from spacy.tokens import Doc

from .pipeline import WordValues, doc_words

SENTENCE = "\x05"  # between sentences
# Token classes are written from U+10000 on: re keeps a set of such characters as a list, where for lower ones
# it builds a map of 65,536 entries, which made compiling each expression (again as classes appear) costly.
FIRST_CLASS = 0x10000
FIELDS = {"LOWER": 0, "LEMMA": 1, "TEXT": 2, "ORTH": 2}
FLAGS = {"IS_PUNCT": 0, "LIKE_NUM": 1, "IS_DIGIT": 2, "IS_ALPHA": 3}
FLAG_ATTRS = [IS_PUNCT, LIKE_NUM, IS_DIGIT, IS_ALPHA]
QUANTIFIER = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")
NEVER = "(?!)"  # a token spec no word class satisfies (yet)

# A token spec: ((field, wanted, words), ...) and ((flag, value), ...). A word satisfies (field, wanted, words)
# when (its word in that field is one of words) == wanted: a string or IN list wants it, NOT_IN does not.
Spec = tuple[tuple[tuple[int, bool, frozenset[str]], ...], tuple[tuple[int, bool], ...]]


class Unsupported(ValueError):
    """The pattern uses something outside the compiled subset; match it with spaCy's Matcher instead."""


@dataclass(frozen=True, eq=False)
class CompiledPattern:
    """One compiled pattern. Its expression is :attr:`regex`, current for every doc encoded so far."""

    compiler: PatternCompiler = field(repr=False)
    number: int
    pieces: tuple[tuple[str, int, str], ...]  # per token: (sentence-start look-behind, token spec, quantifier)
    required: tuple[int, ...]  # token specs that some token of every match satisfies

    @property
    def regex(self) -> re.Pattern:
        return self.compiler.regex(self)


def _character_set(codes: list[int], negated: bool) -> str:
    """A regex character set of the given code points (as ranges), negated ones also excluding SENTENCE."""
    parts, codes = [], sorted(codes)
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(chr(codes[i]) if i == j else f"{chr(codes[i])}-{chr(codes[j])}")
        i = j + 1
    if negated:  # (class characters need no escaping: they are far above every character special to re)
        return f"[^{SENTENCE}{''.join(parts)}]"
    return f"[{''.join(parts)}]" if parts else NEVER


class PatternCompiler:
    """Compiles patterns, encodes docs and finds matches; all share the token specs and word classes known so far.

    Compiling a pattern with a token spec not seen before forgets the classes (the new spec can split them):
    docs encoded before then must be encoded again.
    """

    def __init__(self) -> None:
        self.specs: dict[Spec, int] = {}
        self.spec_list: list[Spec] = []
        self.mentioned: list[dict[str, list[int]]] = [{}, {}, {}]  # field -> word -> specs naming it
        self.patterns: list[CompiledPattern] = []
        self._needs: np.ndarray | None = None  # pattern -> rows of the specs it needs (padded), built on first use
        self._rows: dict[int, int] = {}  # spec some pattern needs, naming the words it needs -> its row
        self._forget_classes()

    def _fresh(self) -> None:
        """Forget the classes if specs were added since they were worked out."""
        if self._stale:
            self._forget_classes()

    def _forget_classes(self) -> None:
        self._stale = False
        self.class_of_word = WordValues(np.int64)  # orth hash -> class number
        self._classes: dict[tuple, int] = {}  # (flags, mentioned words) -> class number
        self.codes: list[int] = []  # class number -> its character's code point
        self._satisfied: list[frozenset[int]] = []  # class number -> the specs it satisfies
        self._forget_rows()
        self._members: list[set[int]] = [set() for _ in self.spec_list]  # spec -> code points satisfying it
        self._plain: dict[tuple[bool, ...], frozenset[int]] = {}  # flags -> specs a word named by none satisfies
        self._negated: set[int] = set()  # specs last written as the classes NOT satisfying them
        self._version: list[int] = [0] * len(self.spec_list)  # bumped when a spec's character set changes
        self._sets: dict[int, tuple[int, str]] = {}  # spec -> (version, character set) last written
        self._regexes: dict[int, tuple[int, tuple[int, ...], re.Pattern]] = {}  # pattern -> (classes, versions, regex)

    def compile(self, pattern: list[dict]) -> CompiledPattern:
        """Compile one spaCy Matcher pattern.

        Raises
        ------
        Unsupported
            If it uses an attribute, predicate or operator outside the subset.
        """
        pieces, required = [], []
        for token in pattern:
            look_behind, spec = self._token_spec(token)
            op = token.get("OP")
            if op is None or op == "1":
                quantifier, mandatory = "", True
            elif op in ("?", "*", "+"):
                quantifier, mandatory = op, op == "+"
            else:
                counted = QUANTIFIER.match(str(op))
                if not counted:
                    raise Unsupported(f"OP {op!r}")
                low, comma, high = counted.groups()
                low = int(low or 0)
                quantifier, mandatory = f"{{{low}{',' + (high or '') if comma else ''}}}", low > 0
            pieces.append((look_behind, spec, quantifier))
            if mandatory:
                required.append(spec)
        compiled = CompiledPattern(self, len(self.patterns), tuple(pieces), tuple(dict.fromkeys(required)))
        self.patterns.append(compiled)
        self._needs = None
        self._forget_rows()
        return compiled

    def _token_spec(self, token: dict) -> tuple[str, int]:
        """The sentence-start look-behind and the number of the token spec of one token of a pattern."""
        constraints, flags = [], []
        look_behind = ""
        for key, value in token.items():
            if key == "OP":
                continue
            if key in FIELDS:
                if isinstance(value, str):
                    constraints.append((FIELDS[key], True, frozenset([value])))
                elif isinstance(value, dict) and len(value) == 1 and set(value) <= {"IN", "NOT_IN"}:
                    (operator, items), = value.items()
                    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                        raise Unsupported(f"{key} {operator} needs a list of strings")
                    constraints.append((FIELDS[key], operator == "IN", frozenset(items)))
                else:
                    raise Unsupported(f"{key}: {value!r}")
            elif key in FLAGS and isinstance(value, bool):
                flags.append((FLAGS[key], value))
            elif key == "IS_SENT_START" and isinstance(value, bool):
                # at the start of the doc or after a sentence break; or after another token
                look_behind = f"(?<![^{SENTENCE}])" if value else f"(?<=[^{SENTENCE}])"
            else:
                raise Unsupported(key)
        spec: Spec = (tuple(sorted(constraints, key=repr)), tuple(sorted(flags)))
        number = self.specs.get(spec)
        if number is None:
            number = self.specs[spec] = len(self.spec_list)
            self.spec_list.append(spec)
            for field_number, _, words in spec[0]:
                for word in words:
                    self.mentioned[field_number].setdefault(word, []).append(number)
            self._stale = True  # classes are worked out again on next use, for every spec
        return look_behind, number

    @staticmethod
    def _satisfies(spec: Spec, words: tuple[str, str, str], flags: tuple[bool, ...]) -> bool:
        constraints, wanted_flags = spec
        return all((words[f] in options) == wanted for f, wanted, options in constraints) and all(
            flags[flag] == value for flag, value in wanted_flags
        )

    def _class_of(self, words: tuple[str, str, str], flags: tuple[bool, ...]) -> int:
        """The class of a word: the same for every word naming the same pattern words with the same flags."""
        named = tuple(word if word in self.mentioned[f] else None for f, word in enumerate(words))
        key = (flags, named)
        number = self._classes.get(key)
        if number is not None:
            return number
        number = self._classes[key] = len(self.codes)
        code = FIRST_CLASS + number
        self.codes.append(code)
        # As a word named by no spec, except for the specs naming one of its words
        plain = self._plain.get(flags)
        if plain is None:  # in no list: it satisfies the specs that want no word (NOT_IN only), flags permitting
            plain = self._plain[flags] = frozenset(
                n for n, (constraints, wanted_flags) in enumerate(self.spec_list)
                if not any(wanted for _, wanted, _ in constraints) and all(flags[f] == v for f, v in wanted_flags))
        naming = {spec for f, word in enumerate(named) if word is not None for spec in self.mentioned[f][word]}
        satisfied = (plain - naming) | {n for n in naming if self._satisfies(self.spec_list[n], words, flags)}
        for spec_number in satisfied:
            self._members[spec_number].add(code)
        for spec_number in satisfied ^ self._negated:  # the spec's character set as last written gains it
            self._version[spec_number] += 1
        self._satisfied.append(satisfied)
        return number

    def classify_words(self, doc: Doc, lemmas: dict[int, int]) -> list[int]:
        """The class numbers of words (orth hash -> lemma hash), in that order.

        A token's lemma depends only on its text (see :class:`pleval.nlp.pipeline.LowercaseLemmas`), so classes are
        kept by text (in :attr:`class_of_word`).
        """
        self._fresh()
        strings = doc.vocab.strings
        classes = []
        for orth, lemma in lemmas.items():
            lexeme = doc.vocab[orth]
            flags = tuple(bool(lexeme.check_flag(attr)) for attr in FLAG_ATTRS)
            classes.append(self._class_of((lexeme.lower_, strings[lemma], strings[orth]), flags))
        return classes

    def _character_set(self, number: int) -> str:
        """The spec's character set, written anew only when a class has changed it since it was last written.

        It lists the classes satisfying the spec, or (negated) those that do not, whichever are fewer. The
        choice is made only when the set is written, so every regex built at one version of a spec holds the
        same set, and :meth:`_class_of` knows which new classes make it stale.
        """
        version = self._version[number]
        written = self._sets.get(number)
        if written is not None and written[0] == version:
            return written[1]
        members = self._members[number]
        negated = len(self.codes) - len(members) < len(members)
        if negated:
            self._negated.add(number)
        else:
            self._negated.discard(number)
        text = _character_set(list(set(self.codes) - members) if negated else list(members), negated)
        self._sets[number] = (version, text)
        return text

    def regex(self, compiled: CompiledPattern, newest: int | None = None) -> re.Pattern:
        """The pattern's expression over every class seen so far, or over classes up to ``newest``.

        A class's specs never change, so an expression built when ``n`` classes were known is exact for any
        text of classes below ``n``: it is kept for such text even if classes were added since.
        """
        self._fresh()
        cached = self._regexes.get(compiled.number)
        if cached is not None and (cached[0] == len(self.codes) or (newest is not None and newest < cached[0])):
            return cached[2]
        versions = tuple(self._version[spec] for _, spec, _ in compiled.pieces)
        if cached is not None and cached[1] == versions:
            self._regexes[compiled.number] = (len(self.codes), versions, cached[2])
            return cached[2]
        parts = []
        for look_behind, spec, quantifier in compiled.pieces:
            token = self._character_set(spec)
            parts.append(f"(?:{look_behind}{token}){quantifier}" if look_behind else f"{token}{quantifier}")
        regex = re.compile("".join(parts))
        self._regexes[compiled.number] = (len(self.codes), versions, regex)
        return regex

    def _forget_rows(self) -> None:
        # class number -> the rows (see _candidates) it satisfies, as compressed sparse rows
        self._csr_starts = np.zeros(1, dtype=np.int64)
        self._csr_rows = np.zeros(0, dtype=np.int64)
        self._csr_classes = 0  # classes in them so far

    def _candidates(self, encoded: EncodedDoc) -> np.ndarray:
        """Pattern x sentence: whether the sentence holds a word for each token spec the pattern needs.

        Only the specs that name the words they want count (a word outside their lists cannot satisfy them), so
        common words, which satisfy most NOT_IN specs, cost nothing. No match can lie in the other sentences.
        """
        needs = self._needs
        if needs is None:
            self._all_needs = [[s for s in p.required if any(wanted for _, wanted, _ in self.spec_list[s][0])]
                               for p in self.patterns]
            needs = self._set_needs(self._all_needs)
            self._pruned = False
        if not self._pruned and len(encoded.classes) >= PRUNE_FROM:
            # A spec that common words satisfy (say, LOWER IN [the, a, to]) filters few sentences and costs the
            # most to track: in the first long doc, find those on more than COMMON of its tokens, and keep them
            # only for patterns that need nothing else. (Which sentences are searched changes; no match does.)
            self._update_rows()
            tokens = np.bincount(self._token_rows(encoded)[0], minlength=len(self._rows))
            common = {s for s, row in self._rows.items() if tokens[row] > COMMON * len(encoded.classes)}
            if common:
                needs = self._set_needs([[s for s in n if s not in common] or n for n in self._all_needs])
            self._pruned = True
        self._update_rows()
        rows, sentences = self._token_rows(encoded)
        present = np.zeros((len(self._rows) + 1, encoded.n_sentences), dtype=bool)
        present[rows, sentences] = True
        present[-1] = True
        met = present[needs[:, 0]]
        for column, needing in enumerate(self._needing[1:], start=1):
            met[:needing] &= present[needs[:needing, column]]
        candidates = np.empty_like(met)
        candidates[self._by_needs] = met
        return candidates

    def _set_needs(self, needs: list[list[int]]) -> np.ndarray:
        """The rows (of ``present`` in :meth:`_candidates`) of the specs each pattern needs; kept, and returned."""
        self._rows = {s: row for row, s in enumerate(dict.fromkeys(s for n in needs for s in n))}
        self._forget_rows()
        # patterns by how many specs they need, most first, so each column is and-ed over a prefix
        self._by_needs = sorted(range(len(needs)), key=lambda n: -len(needs[n]))
        self._needing = [sum(len(n) > column for n in needs) for column in range(max(map(len, needs), default=0))]
        padding = len(self._rows)  # a row that is true in every sentence
        width = max(len(self._needing), 1)
        self._needs = np.array(
            [[self._rows[s] for s in needs[n]] + [padding] * (width - len(needs[n])) for n in self._by_needs],
            dtype=np.int64).reshape(len(needs), width)
        return self._needs

    def _token_rows(self, encoded: EncodedDoc) -> tuple[np.ndarray, np.ndarray]:
        """Each token's rows, beside its sentence: (rows, sentences), one pair per row a token satisfies."""
        starts, rows = self._csr_starts, self._csr_rows
        counts = starts[encoded.classes + 1] - starts[encoded.classes]
        first = np.repeat(starts[encoded.classes] - (np.cumsum(counts) - counts), counts)
        return rows[first + np.arange(len(first))], np.repeat(encoded.sentence_of, counts)

    def _update_rows(self) -> None:
        if self._csr_classes < len(self.codes):  # classes seen since: their rows, appended
            added = [[self._rows[s] for s in self._satisfied[n] if s in self._rows]
                     for n in range(self._csr_classes, len(self.codes))]
            counts = np.cumsum([len(rows) for rows in added], dtype=np.int64)
            self._csr_starts = np.concatenate([self._csr_starts, self._csr_starts[-1] + counts])
            self._csr_rows = np.concatenate([self._csr_rows, np.array([r for rows in added for r in rows],
                                                                       dtype=np.int64)])
            self._csr_classes = len(self.codes)

    def find(self, encoded: EncodedDoc, sentences: np.ndarray | None = None) -> np.ndarray:
        """Every match of every pattern compiled so far, as rows (pattern number, start token, end token).

        Rows are in pattern order, then text order: for each pattern, the non-empty matches ``finditer`` finds
        left to right, sentence by sentence. ``sentences`` (a mask) limits the search to those sentences.
        """
        self._fresh()
        if not self.patterns or not encoded.n_sentences:
            return np.zeros((0, 3), dtype=np.int64)
        candidates = self._candidates(encoded)
        if sentences is not None:
            candidates &= sentences
        cells = np.flatnonzero(candidates)  # by pattern, then sentence
        pattern_of_cell, sentence_of_cell = divmod(cells, encoded.n_sentences)
        cuts = np.flatnonzero(np.diff(pattern_of_cell)) + 1
        groups = zip([0] + cuts.tolist(), cuts.tolist() + [len(pattern_of_cell)], strict=True)
        numbers: list[int] = pattern_of_cell.tolist()
        all_sentences: list[int] = sentence_of_cell.tolist()
        bounds = encoded.sentence_bounds
        text, newest = encoded.text, encoded.newest
        found: list[int] = []
        spans: list[tuple[int, int]] = []
        for begin, end in groups if numbers else ():
            number, searched = numbers[begin], all_sentences[begin:end]
            if len(searched) * WHOLE_DOC_FROM > encoded.n_sentences:
                regex = self.regex(self.patterns[number], max(newest))
                matched = [m.span() for m in regex.finditer(text)]
            else:
                regex = self.regex(self.patterns[number], max(newest[s] for s in searched))
                matched = [m.span() for s in searched for m in regex.finditer(text, bounds[s], bounds[s + 1])]
            matched = [span for span in matched if span[1] > span[0]]
            found += [number] * len(matched)
            spans += matched
        if not found:
            return np.zeros((0, 3), dtype=np.int64)
        span_array = np.array(spans, dtype=np.int64)
        first = encoded.token_at[span_array[:, 0]]
        return np.column_stack([np.array(found, dtype=np.int64), first, first + span_array[:, 1] - span_array[:, 0]])


WHOLE_DOC_FROM = 2  # a pattern possible in more than half the sentences is run over the whole doc at once
COMMON = 0.03  # a spec satisfied by more of a doc's tokens than this filters too little to be worth tracking
PRUNE_FROM = 2000  # tokens of a doc long enough to tell which specs are common


def compile_pattern(pattern: list[dict]) -> CompiledPattern:
    """Compile one pattern with a compiler of its own (tests and one-off use)."""
    return PatternCompiler().compile(pattern)


class EncodedDoc:
    """A doc written one character per token (its class), ``\\x05`` between sentences.

    ``text[p]`` is the token ``p - (sentences before it)``; a match ``[a, b)`` covers tokens
    ``[token_at[a], token_at[a] + b - a)``. Sentence ``n`` is ``text[sentence_bounds[n]:sentence_bounds[n + 1]]``
    (with the break before it).
    """

    def __init__(self, doc: Doc, sentence_starts: np.ndarray, compiler: PatternCompiler):
        compiler._fresh()
        words, inverse = doc_words(doc)

        def classify(new: np.ndarray) -> list[int]:  # with the lemma of each new word's first token
            first = np.full(len(words), len(inverse), dtype=np.int64)
            np.minimum.at(first, inverse, np.arange(len(inverse)))
            lemmas = doc.to_array(LEMMA).reshape(-1)[first[np.searchsorted(words, new)]]
            return compiler.classify_words(doc, dict(zip(new.tolist(), lemmas.tolist(), strict=True)))

        n_tokens = len(inverse)
        self.classes = compiler.class_of_word.lookup(words, classify)[inverse]
        self.n_sentences = len(sentence_starts)
        breaks = np.zeros(n_tokens, dtype=np.int64)
        breaks[sentence_starts[1:]] = 1
        self.sentence_of = np.cumsum(breaks)
        positions = np.arange(n_tokens) + self.sentence_of  # token i comes after the breaks before it
        stream = np.full(n_tokens + max(self.n_sentences - 1, 0), ord(SENTENCE), dtype="<u4")
        stream[positions] = np.array(compiler.codes, dtype=np.uint32)[self.classes] if n_tokens else []
        self.text = stream.tobytes().decode("utf-32-le")
        token_at = np.zeros(len(stream) + 1, dtype=np.int64)
        token_at[positions] = np.arange(n_tokens)
        token_at[len(stream)] = n_tokens
        token_at[positions[sentence_starts[1:]] - 1] = sentence_starts[1:]  # a break: the token after it
        self.token_at = token_at
        self.sentence_bounds = [0] + (positions[sentence_starts[1:]] - 1).tolist() + [len(stream)]
        # the newest class (the highest number) in each sentence
        self.newest = np.maximum.reduceat(self.classes, sentence_starts).tolist() if n_tokens else []

    def tokens(self, match: re.Match) -> tuple[int, int]:
        """The token span [start, end) of a regex match."""
        first = int(self.token_at[match.start()])
        return first, first + match.end() - match.start()
