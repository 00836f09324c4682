"""spaCy Matcher token patterns, compiled to regular expressions over an encoded token stream.

spaCy's Matcher evaluates ``IN`` / ``NOT_IN`` sets and ``OP`` quantifiers by calling Python for every token
and every live pattern state; with a real codebook (hundreds of patterns with long word lists) that is a
hundred times slower than tokenising. The patterns keep spaCy's syntax and are validated by spaCy, but the
common subset (LOWER, LEMMA, TEXT/ORTH with a string, ``IN`` or ``NOT_IN``; IS_PUNCT, LIKE_NUM, IS_DIGIT,
IS_ALPHA, IS_SENT_START; OP ``? * +`` and ``{n,m}``) is compiled here to one regular expression per pattern,
run by ``re`` in C over a string in which every token is written as::

    \\x02 lower \\x03 lemma \\x03 text \\x03 flags \\x04        (sentences are separated by \\x05)

Patterns outside the subset are reported by :func:`compile_pattern` as unsupported, and the caller matches
them with spaCy's Matcher. Matches never cross a sentence boundary. tests/test_tokenpatterns.py checks,
pattern by pattern, that a regex finds a match in exactly the sentences where spaCy's Matcher does.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np
from spacy.attrs import IS_ALPHA, IS_DIGIT, IS_PUNCT, LEMMA, LIKE_NUM, ORTH
from spacy.tokens import Doc

TOKEN, FIELD, END, SENTENCE = "\x02", "\x03", "\x04", "\x05"
FIELDS = {"LOWER": 0, "LEMMA": 1, "TEXT": 2, "ORTH": 2}
FLAGS = {"IS_PUNCT": 0, "LIKE_NUM": 1, "IS_DIGIT": 2, "IS_ALPHA": 3}
FLAG_ATTRS = [IS_PUNCT, LIKE_NUM, IS_DIGIT, IS_ALPHA]
ANY_FIELD = f"[^{FIELD}{END}]*"
QUANTIFIER = re.compile(r"^\{(\d*)(?:(,)(\d*))?\}$")
_CONTROL = re.compile(f"[{TOKEN}{FIELD}{END}{SENTENCE}]")


class Unsupported(ValueError):
    """The pattern uses something outside the compiled subset; match it with spaCy's Matcher instead."""


@dataclass(frozen=True)
class CompiledPattern:
    regex: re.Pattern
    requirements: tuple[frozenset[tuple[int, str]], ...]  # per mandatory token: (field, value) alternatives


class PatternCompiler:
    """Compiles patterns and encodes docs; both share the numbered word lists of the patterns compiled so far."""

    def __init__(self):
        self.lists: dict[tuple[int, frozenset[str]], int] = {}  # (field, words) -> list number
        self.member_of: list[dict[str, list[int]]] = [{}, {}, {}]  # field -> word -> list numbers
        self.encoded: dict[int, str] = {}  # orth -> encoded token

    def _list_number(self, field: int, words: frozenset[str]) -> int:
        number = self.lists.get((field, words))
        if number is None:
            number = self.lists[(field, words)] = len(self.lists)
            for word in words:
                self.member_of[field].setdefault(word, []).append(number)
            self.encoded.clear()  # tokens encoded before this list was known lack its number
        return number

    def compile(self, pattern: list[dict]) -> CompiledPattern:
        """Compile one spaCy Matcher pattern.

        Raises
        ------
        Unsupported
            If it uses an attribute, predicate or operator outside the subset.
        """
        pieces, requirements = [], []
        for spec in pattern:
            token, requirement = self._token_regex(spec)
            op = spec.get("OP")
            if op is None or op == "1":
                pieces.append(f"(?:{token})")
                mandatory = True
            elif op in ("?", "*", "+"):
                pieces.append(f"(?:{token}){op}")
                mandatory = op == "+"
            else:
                counted = QUANTIFIER.match(str(op))
                if not counted:
                    raise Unsupported(f"OP {op!r}")
                low, comma, high = counted.groups()
                low = int(low or 0)
                pieces.append(f"(?:{token}){{{low}{',' + (high or '') if comma else ''}}}")
                mandatory = low > 0
            if mandatory and requirement:
                requirements.append(requirement)
        return CompiledPattern(re.compile("".join(pieces)), tuple(requirements))

    def _token_regex(self, spec: dict) -> tuple[str, frozenset | None]:
        fields: dict[int, list[str]] = {0: [], 1: [], 2: []}
        flags = ["."] * len(FLAGS)
        lists = []
        sentence_start = ""
        requirement: set[tuple[int, str]] | None = None
        for key, value in spec.items():
            if key == "OP":
                continue
            if key in FIELDS:
                field = FIELDS[key]
                if isinstance(value, str):
                    fields[field].append(f"(?={re.escape(value)}{FIELD})")
                    options = {value}
                elif isinstance(value, dict) and len(value) == 1 and set(value) <= {"IN", "NOT_IN"}:
                    (operator, items), = value.items()
                    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                        raise Unsupported(f"{key} {operator} needs a list of strings")
                    number = self._list_number(field, frozenset(items))
                    lists.append(f"(?{'=' if operator == 'IN' else '!'}[^{END}]*,{number},)")
                    if operator == "NOT_IN":
                        continue
                    options = set(items)
                else:
                    raise Unsupported(f"{key}: {value!r}")
                if requirement is None:  # one requirement per token suffices
                    requirement = {(field, v) for v in options}
            elif key in FLAGS and isinstance(value, bool):
                flags[FLAGS[key]] = "1" if value else "0"
            elif key == "IS_SENT_START" and isinstance(value, bool):
                sentence_start = f"(?<![^{SENTENCE}])" if value else f"(?<=[{END}])"
            else:
                raise Unsupported(key)
        body = FIELD.join("".join(fields[f]) + ANY_FIELD for f in range(3))
        members = "".join(lists) + ANY_FIELD
        regex = f"{sentence_start}{TOKEN}{body}{FIELD}{''.join(flags)}{FIELD}{members}{END}"
        return regex, frozenset(requirement) if requirement else None

    def encode_words(self, doc: Doc, lemmas: dict[int, int]) -> None:
        """Encode words not seen before (orth hash -> lemma hash) into :attr:`encoded`."""
        strings = doc.vocab.strings
        for orth, lemma in lemmas.items():
            lexeme = doc.vocab[orth]
            flags = "".join("1" if lexeme.check_flag(attr) else "0" for attr in FLAG_ATTRS)
            words = (lexeme.lower_, strings[lemma], strings[orth])
            numbers = set()
            for field, word in enumerate(words):
                numbers.update(self.member_of[field].get(word, ()))
            members = "," + "".join(f"{n}," for n in sorted(numbers))
            fields = FIELD.join(_CONTROL.sub("", word) for word in words)
            self.encoded[orth] = f"{TOKEN}{fields}{FIELD}{flags}{FIELD}{members}{END}"


def compile_pattern(pattern: list[dict]) -> CompiledPattern:
    """Compile one pattern with a compiler of its own (tests and one-off use)."""
    return PatternCompiler().compile(pattern)


class EncodedDoc:
    """A doc written as the token stream that compiled patterns search, with token positions to map back."""

    def __init__(self, doc: Doc, sentence_starts: np.ndarray, compiler: PatternCompiler):
        cache = compiler.encoded
        attrs = doc.to_array([ORTH, LEMMA])
        orths = attrs[:, 0].tolist()
        missing = {o: i for i, o in enumerate(orths) if o not in cache}
        if missing:  # a token's lemma depends only on its text (see nlp.LowercaseLemmas), so cache by text
            compiler.encode_words(doc, {orth: int(attrs[i, 1]) for orth, i in missing.items()})
        pieces = [cache[orth] for orth in orths]
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        separators = np.zeros(len(pieces), dtype=np.int64)
        separators[sentence_starts[1:]] = 1
        for i in sentence_starts[1:].tolist():
            pieces[i] = SENTENCE + pieces[i]
        starts = np.cumsum(lengths + separators) - lengths  # where each token's own text begins
        self.starts = starts.tolist()
        self.text = "".join(pieces)
        # sentence n spans encoded text [sentences[n], sentences[n + 1])
        self.sentences = [0] + (starts[sentence_starts[1:]] - 1).tolist() + [len(self.text)]

    def tokens(self, match: re.Match) -> tuple[int, int]:
        """The token span [start, end) of a regex match."""
        return bisect_left(self.starts, match.start()), bisect_right(self.starts, match.end() - 1)
