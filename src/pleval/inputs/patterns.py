"""Which codebook patterns spaCy's Matcher is sure to accept, told without importing spaCy.

Checking a codebook (``pleval validate``, or loading it) asks spaCy's own validator about every Matcher
pattern, and importing spaCy takes longer than the rest of the check. Patterns in the plain subset below are
valid whatever spaCy's validator would add, so only the others are put to it; its messages stay the only ones.
"""

from __future__ import annotations

#: Token attributes whose values are strings (spaCy's ``TEXT`` is ``ORTH``).
STRING_ATTRIBUTES = frozenset({"ORTH", "TEXT", "LOWER", "LEMMA", "NORM"})
#: Token flags, true or false.
FLAG_ATTRIBUTES = frozenset({
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_BRACKET",
    "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY", "IS_STOP", "IS_SENT_START", "SENT_START",
    "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL",
})
#: The quantifiers spaCy knows by a single character.
OPERATORS = frozenset({"+", "*", "?", "!"})
SET_PREDICATES = frozenset({"IN", "NOT_IN"})


def plainly_valid(pattern: object) -> bool:
    """True if ``pattern`` is a Matcher pattern spaCy accepts for certain: a non-empty list of tokens, each a
    mapping of upper-case string attributes (ORTH, TEXT, LOWER, LEMMA, NORM) to a string or to ``{IN: [...]}``
    or ``{NOT_IN: [...]}`` of strings, and of flags (IS_PUNCT, LIKE_NUM...) to true or false, with an optional
    OP among ``+ * ? !``. False says only that spaCy must be asked."""
    return isinstance(pattern, list) and bool(pattern) and all(_plain_token(token) for token in pattern)


def _plain_token(token: object) -> bool:
    if not isinstance(token, dict):
        return False
    for key, value in token.items():
        if key == "OP":
            if not (isinstance(value, str) and value in OPERATORS):
                return False
        elif key in FLAG_ATTRIBUTES:
            if not isinstance(value, bool):
                return False
        elif key not in STRING_ATTRIBUTES or not _plain_value(value):
            return False
    return True


def _plain_value(value: object) -> bool:
    if isinstance(value, str):
        return True
    if not (isinstance(value, dict) and len(value) == 1):
        return False
    ((predicate, items),) = value.items()
    return (predicate in SET_PREDICATES and isinstance(items, list) and bool(items)
            and all(isinstance(item, str) for item in items))
