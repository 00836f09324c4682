"""De-identification: names, schools, districts, ESCs, speaker labels, emails and phone numbers become role
placeholders before any transcript text leaves the project.

What is replaced, and by what:

- people named in any transcript's metadata (``participants``, ``mentions``, ``interviewer``), by full name,
  first or last name, or title and last name ("Mr. Stuckey"): the person's role (``[teacher]``,
  ``[principal]``, ``[instructional coach]``, ``[interviewer]``), or ``[name]`` when the metadata gives no role
  or two people sharing the name have different roles (the transcript's own people win over others');
- school and district names (from every transcript's metadata, survey.yaml's ``schools`` and briefs.yaml's
  ``redact``) and their short forms ("Alum Bend" for Alum Bend High School, "Delaware Run" for Delaware Run
  Local Schools): ``[school]``, ``[district]``; school- and district-like names no metadata lists ("Garfield
  Elementary", "Columbus City Schools"): the same;
- ESC names (metadata ``esc``, briefs.yaml, and any "<Name> ESC" or "<Name> Educational Service Center" in
  the transcripts, whose bare name is then replaced everywhere): ``[ESC]``; other places briefs.yaml lists:
  ``[place]``;
- speaker labels at the start of each turn ("P1:", "ANGELA:", "Lorraine Castillo:"): the speaker's role;
- emails and phone numbers: ``[email]``, ``[phone]``.

Matching runs one compiled regular expression over the text: an alternation of every term, longest first,
with word boundaries, multi-word names case-insensitive and single words case-sensitive (so "Autumn Shriver"
is found in any case, "Autumn" only capitalised, and "autumn" the season is left alone). There is no loop over
names per text.

A redaction keeps its replacements, so positions in the original text map to positions in the redacted one
(:meth:`RedactedText.span`); a quote cut from the redacted text is therefore verbatim.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from ..schema import INTERVIEWER, RedactionTerms, Transcript

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Coach")
#: Words that end a school's or district's name; what is left before them is its short form.
SCHOOL_WORDS = ("Elementary School", "Middle School", "High School", "Junior High School", "Intermediate School",
                "Primary School", "K-8 Academy", "STEM Academy", "Academy", "Elementary", "Middle", "High",
                "Intermediate", "Primary", "School", "Career Center", "Career-Technical Center")
DISTRICT_WORDS = ("Exempted Village School District", "Exempted Village Schools", "City School District",
                  "Local School District", "City Schools", "Local Schools", "County Schools", "School District",
                  "Schools", "District")
ESC_WORDS = ("Educational Service Center", "ESC")
#: Capitalised words that start a sentence or a label, not a name (trimmed from pattern matches).
FUNCTION_WORDS = frozenset(["a", "an", "and", "at", "but", "by", "for", "from", "in", "of", "on", "or", "so", "the",
                            "then", "to", "with", "this", "that", "these", "those", "our", "their", "my", "your",
                            "his", "her", "its", "we", "they", "he", "she", "it", "if", "when", "while", "as",
                            "because", "like", "well", "yeah", "um", "uh", "oh", "okay", "also", "just", "even", "at",
                            "over", "about", "after", "before", "into", "honestly", "actually", "really", "basically",
                            "anyway", "now", "yes", "no", "sure", "right", "here", "there", "what", "who", "how",
                            "why", "where", "which", "every", "all", "some", "one", "two", "three"])
ALWAYS_CAPITALISED = frozenset(["i", "i'm", "i've", "i'd", "i'll", "ohio", "esc", "escs", "pd", "plc", "plcs", "ok",
                                "tv", "january", "february", "march", "april", "may", "june", "july", "august",
                                "september", "october", "november", "december", "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays", "wednesdays",
                                "thursdays", "fridays", "christmas", "thanksgiving", "halloween", "easter", "english",
                                "spanish", "american", "america", "covid", "zoom", "google", "northwest", "northeast",
                                "southwest", "southeast", "central", "launch", "explore", "transform"])

#: Words of institutions' names too common to stand for one on their own.
GENERIC_PLACE_WORDS = frozenset(
    w.casefold() for words in (SCHOOL_WORDS, DISTRICT_WORDS, ESC_WORDS) for phrase in words for w in phrase.split()
) | frozenset(["stem", "black", "white", "red", "green", "blue", "north", "south", "east", "west", "new", "old",
               "upper", "lower", "great", "little", "big", "saint", "st", "mount", "lake", "river", "city", "county",
               "village"])
PLACEHOLDERS = {"school": "[school]", "district": "[district]", "esc": "[ESC]", "place": "[place]",
                "name": "[name]", "email": "[email]", "phone": "[phone]"}
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
PHONE = r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
_PHONE_HINT = re.compile(r"\d{3}[\s.-]\d{4}")  # what every phone number holds


def role_placeholder(role: str | None) -> str:
    """``[teacher]``, ``[instructional coach]``, ``[ESC facilitator]``, ``[interviewer]``; ``[name]`` without a
    role."""
    if not role or role == "other":
        return PLACEHOLDERS["name"]
    return "[" + role.replace("_", " ").replace("esc ", "ESC ") + "]"


def _key(term: str) -> str:
    return " ".join(term.replace("’", "'").split()).casefold()


def _strip_title(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".") in TITLES:
        words = words[1:]
    return " ".join(words)


def short_form(name: str, endings: Iterable[str]) -> str | None:
    """A school's or district's name without its generic ending ("Alum Bend" for "Alum Bend High School"), or
    None when nothing distinctive would be left."""
    for ending in sorted(endings, key=len, reverse=True):
        if name.casefold().endswith(" " + ending.casefold()):
            short = name[: -len(ending)].strip()
            if short and short.casefold() not in FUNCTION_WORDS and short.casefold() not in ALWAYS_CAPITALISED:
                return short
    return None


@dataclass(frozen=True)
class Replacement:
    """One piece of text replaced: where it was in the original text, what it was and what replaced it."""

    start: int
    end: int
    original: str
    placeholder: str
    category: str  # participant, mention, interviewer, speaker_label, school, district, esc, place, email, phone


@dataclass(frozen=True)
class RedactedText:
    """A text with its replacements; ``text`` is the redacted text."""

    transcript_id: str
    text: str
    original_length: int
    replacements: tuple[Replacement, ...]
    _starts: tuple[int, ...] = field(default=(), repr=False)
    _shifts: tuple[int, ...] = field(default=(), repr=False)

    def position(self, offset: int, *, end: bool = False) -> int:
        """The redacted-text position of an original-text offset. An offset strictly inside a replaced piece
        maps to the start of its placeholder (or, with ``end``, to the placeholder's end)."""
        i = bisect_left(self._starts, offset) - 1  # the last replacement starting before the offset
        if i < 0:
            return offset
        rep = self.replacements[i]
        if offset < rep.end:
            placeholder_start = rep.start + (self._shifts[i - 1] if i else 0)
            return placeholder_start + (len(rep.placeholder) if end else 0)
        return offset + self._shifts[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The redacted-text span of an original span ``[start, end)``; replaced pieces it touches are whole."""
        return self.position(start), self.position(end, end=True)


def _redacted(transcript_id: str, text: str, replacements: list[Replacement]) -> RedactedText:
    parts, shifts, starts, last, shift = [], [], [], 0, 0
    for rep in replacements:
        parts.append(text[last:rep.start])
        parts.append(rep.placeholder)
        shift += len(rep.placeholder) - (rep.end - rep.start)
        starts.append(rep.start)
        shifts.append(shift)
        last = rep.end
    parts.append(text[last:])
    return RedactedText(transcript_id, "".join(parts), len(text), tuple(replacements), tuple(starts), tuple(shifts))


@functools.cache  # a trie of two thousand names has ten thousand characters, of few kinds
def _char_pattern(char: str) -> str:
    if char == " ":
        return r"\s+"
    if char in "'’":
        return "['’]"
    return re.escape(char)


def trie_pattern(terms: Iterable[str]) -> str:
    """One regular expression matching any of ``terms``, factored by common prefixes (a trie) so that matching
    costs about the same for two thousand names as for twenty. A space in a term matches any run of white
    space; a longer term is always tried before a shorter one that it begins with."""
    trie: dict = {}
    for term in terms:
        node = trie
        for char in " ".join(term.split()):
            child = node.get(char)
            if child is None:
                child = node[char] = {}
            node = child
        node[""] = {}

    def build(node: dict) -> str:
        chain = []  # a run of nodes with one child and no term ending: characters in a row, no group
        while len(node) == 1 and "" not in node:
            (char, node), = node.items()
            chain.append(_char_pattern(char))
        if chain:
            return "".join(chain) + build(node)
        branches = [_char_pattern(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = (body if body.startswith("(?:") else "(?:" + body + ")") + "?"
        return body

    return build(trie) if trie else r"(?!x)x"


class Redactor:
    """Replaces the names a project's metadata (and briefs.yaml) lists, plus emails and phone numbers.

    Parameters
    ----------
    transcripts : list of Transcript
        Every transcript of the project: anyone named in any of them is de-identified in all of them.
    terms : RedactionTerms, optional
        Names no metadata lists (briefs.yaml's ``redact`` block).
    schools : iterable of (school, district, esc), optional
        Schools described elsewhere (survey.yaml's ``schools``).

    Attributes
    ----------
    lower_words : set of str
        Every word the transcripts write in lower case (as ``_LOWER_WORD`` finds them).
    """

    def __init__(self, transcripts: list[Transcript], *, terms: RedactionTerms | None = None,
                 schools: Iterable[tuple[str, str, str | None]] = ()):
        self._global: dict[str, tuple[str, str]] = {}  # key -> (placeholder, category)
        self._local: dict[str, dict[str, tuple[str, str]]] = {}  # transcript id -> its own people
        self._conflicts: set[str] = set()
        self._cases: dict[str, str] = {}  # single words as the metadata writes them
        terms = terms or RedactionTerms()
        for transcript in transcripts:
            meta = transcript.meta
            local: dict[str, tuple[str, str]] = {}
            for person in meta.participants:
                self._person(person.name, role_placeholder(person.role), "participant", local)
            for mentioned in meta.mentions:
                self._person(mentioned.name, role_placeholder(mentioned.role), "mention", local)
            for name in meta.interviewers:
                self._person(name, "[interviewer]", "interviewer", local)
            self._local[transcript.id] = local
            self._place(meta.site, "school", SCHOOL_WORDS)
            self._place(meta.attributes.get("district"), "district", DISTRICT_WORDS)
            self._place(meta.attributes.get("esc"), "esc", ESC_WORDS)
        for school, district, esc in schools:
            self._place(school, "school", SCHOOL_WORDS)
            self._place(district, "district", DISTRICT_WORDS)
            if esc:
                self._place(esc, "esc", ESC_WORDS)
        for name in terms.names:
            self._person(name, PLACEHOLDERS["name"], "mention", {})
        for kind, listed, endings in (("school", terms.schools, SCHOOL_WORDS),
                                      ("district", terms.districts, DISTRICT_WORDS),
                                      ("esc", terms.escs, ESC_WORDS), ("place", terms.places, ())):
            for name in listed:
                self._place(name, kind, endings)
        for transcript in transcripts:  # "<Name> ESC", "Garfield Elementary": named in the talk, not the metadata
            for found, kind in self._named_institutions(transcript.text):
                self._place(found, kind, {"esc": ESC_WORDS, "school": SCHOOL_WORDS,
                                          "district": DISTRICT_WORDS}[kind])
        self._proper_words(transcripts)
        self._compile()

    # --- collecting terms ---------------------------------------------------------------------------------

    def _add(self, term: str, placeholder: str, category: str, local: dict | None = None) -> None:
        key = _key(term)
        if not key or len(key) < 2:
            return
        self._cases.setdefault(key, " ".join(term.replace("’", "'").split()))
        if local is not None:
            local.setdefault(key, (placeholder, category))
        old = self._global.get(key)
        if old is None:
            self._global[key] = (placeholder, category)
        elif old[0] != placeholder and category in ("participant", "mention", "interviewer") and \
                old[1] in ("participant", "mention", "interviewer"):
            self._conflicts.add(key)  # two people share the name with different roles: say only "[name]"
        elif old[1] not in ("school", "district", "esc") and category in ("school", "district", "esc"):
            self._global[key] = (placeholder, category)  # an institution's name wins over a person's word

    def _person(self, name: str, placeholder: str, category: str, local: dict) -> None:
        full = _strip_title(name)
        self._add(full, placeholder, category, local)
        words = [w for w in full.split() if len(w.strip(".")) > 1]
        for word in words:
            self._add(word, placeholder, category, local)
        if len(words) >= 3:  # "Beth Ann Kessler": "Beth Ann" and "Ann Kessler" too
            self._add(" ".join(words[:-1]), placeholder, category, local)
            self._add(" ".join(words[1:]), placeholder, category, local)
        if words and (len(words) > 1 or name != full):
            for title in TITLES:
                self._add(f"{title}. {words[-1]}", placeholder, category, local)
                self._add(f"{title} {words[-1]}", placeholder, category, local)

    def _place(self, name: str | None, category: str, endings: Iterable[str]) -> None:
        if not name:
            return
        placeholder = PLACEHOLDERS[category]
        self._add(name, placeholder, category)
        short = short_form(name, endings)
        if short:
            self._add(short, placeholder, category)

    def _proper_words(self, transcripts: list[Transcript]) -> None:
        """Words the talk uses only as names: the first word of a place's name ("Sandstone" for Sandstone Valley
        Elementary, "Riverside's team"), and a first name's short form ("Jess" for Jessica) where the talk uses
        it. Only words that never occur in lower case in any transcript are taken (so "Coal", "Great" and
        "Harvest" stay), and no generic word of an institution's name ("STEM", "Academy", "Exempted")."""
        lower = self.lower_words = {w for t in transcripts for w in _LOWER_WORD.findall(t.text)}
        capitalised = {w for t in transcripts for w in _CAPITALISED.findall(t.text)}
        for key, (placeholder, category) in list(self._global.items()):
            if " " in key and category in ("school", "district", "esc", "place"):
                word = key.split()[0]
                written = self._cases.get(key, key).split()[0]
                if len(word) > 2 and word not in lower and word not in GENERIC_PLACE_WORDS \
                        and word not in ALWAYS_CAPITALISED and word not in FUNCTION_WORDS and word not in self._global:
                    self._add(written, placeholder, category)
        for transcript in transcripts:
            for person in [*transcript.meta.participants, *transcript.meta.mentions]:
                first = _strip_title(person.name).split()[0]
                for size in (3, 4):
                    prefix = first[:size]
                    if len(first) > size and prefix in capitalised and prefix.casefold() not in lower \
                            and prefix.casefold() not in self._global:
                        self._add(prefix, role_placeholder(person.role), "mention", self._local[transcript.id])

    _INSTITUTION = re.compile(
        r"(?P<name>(?:[A-Z][\w'’.-]*\s+){1,4})(?P<kind>ESC\b|Educational Service Center\b|"
        r"(?:Elementary|Middle|High|Intermediate|Primary)(?:\s+School)?\b|(?:STEM\s+)?Academy\b|"
        r"(?:City|Local|Exempted Village|County)\s+Schools?\b(?:\s+District\b)?)"
    )

    def _named_institutions(self, text: str):
        for match in self._INSTITUTION.finditer(text):
            words = match.group("name").split()
            while words and (words[0].casefold() in FUNCTION_WORDS or words[0].casefold() in ALWAYS_CAPITALISED):
                words = words[1:]
            if not words:
                continue
            kind = match.group("kind")
            category = ("esc" if kind.startswith(("ESC", "Educational")) else
                        "district" if kind.split()[0] in ("City", "Local", "Exempted", "County") else "school")
            yield " ".join(words) + " " + " ".join(kind.split()), category

    def _compile(self) -> None:
        multi = [k for k in self._global if " " in k]
        single = {form for k in self._global if " " not in k
                  for form in (k[:1].upper() + k[1:], k.upper(), self._cased(k))}
        # a single name may take a plural s ("four Anas", "the Dales and the Ricks")
        terms = f"(?i:{trie_pattern(multi)})|(?:{trie_pattern(single)})s?"
        self._term = rf"(?<![\w'’])(?<!\w-)(?P<term>{terms})(?!\w)(?!-\w)"
        self._patterns: dict[tuple[bool, bool], re.Pattern] = {}

    @property
    def pattern(self) -> re.Pattern:
        """The one regular expression that finds every email, phone number and term."""
        return self._pattern(email=True, phone=True)

    def _pattern(self, *, email: bool, phone: bool) -> re.Pattern:
        # Trying every alternative at every position is what a scan costs; a text with no "@" cannot hold an
        # email, nor one without a run like "555-0100" a phone number, so such texts are scanned without them
        # (same matches: an alternative that can match nowhere never wins). Compiled when first needed.
        key = (email, phone)
        if key not in self._patterns:
            self._patterns[key] = re.compile((rf"(?P<email>{EMAIL})|" if email else "")
                                             + (rf"(?P<phone>(?<!\d){PHONE}(?!\d))|" if phone else "") + self._term)
        return self._patterns[key]

    def _cased(self, key: str) -> str:
        """Single names keep the capitals they were written with in the metadata ("DeShawn", "McAllister")."""
        return self._cases.get(key, key[:1].upper() + key[1:])

    # --- redacting --------------------------------------------------------------------------------------------

    def lookup(self, found: str, transcript_id: str | None = None) -> tuple[str, str]:
        """(placeholder, category) of a matched term, the transcript's own people first."""
        key = _key(found)
        if key not in self._global and key.endswith("s") and key[:-1] in self._global:
            key = key[:-1]  # a plural of a single name
        local = self._local.get(transcript_id or "", {})
        if key in local:
            return local[key]
        placeholder, category = self._global[key]
        if key in self._conflicts:
            return PLACEHOLDERS["name"], category
        return placeholder, category

    def redact_text(self, text: str, transcript_id: str | None = None,
                    fixed: list[Replacement] | None = None) -> RedactedText:
        """Redact any text; ``fixed`` replacements (speaker labels) are kept and never overlapped."""
        fixed = sorted(fixed or [], key=lambda r: r.start)
        found: list[Replacement] = []
        starts = [r.start for r in fixed]
        reach = list(accumulate((r.end for r in fixed), max))  # the furthest end of the fixed ones up to each
        pattern = self._pattern(email="@" in text, phone=_PHONE_HINT.search(text) is not None)
        for match in pattern.finditer(text):
            start, end = match.span()
            before = bisect_left(starts, end)  # fixed replacements starting before this match ends
            if before and reach[before - 1] > start:
                continue  # it overlaps one of them
            if match.lastgroup == "email":
                found.append(Replacement(start, end, match.group(), PLACEHOLDERS["email"], "email"))
            elif match.lastgroup == "phone":
                found.append(Replacement(start, end, match.group(), PLACEHOLDERS["phone"], "phone"))
            else:
                placeholder, category = self.lookup(match.group("term"), transcript_id)
                found.append(Replacement(start, end, match.group(), placeholder, category))
        replacements = sorted(fixed + found, key=lambda r: r.start)
        return _redacted(transcript_id or "", text, replacements)

    def redact(self, transcript: Transcript) -> RedactedText:
        """The transcript's normalised text with every name, label, email and phone number replaced."""
        labels, previous_end = [], 0
        for turn in transcript.turns:
            at = transcript.text.rfind(turn.speaker, previous_end, turn.start) if turn.speaker else -1
            if at >= 0:
                placeholder = "[interviewer]" if turn.role == INTERVIEWER else role_placeholder(turn.role)
                labels.append(Replacement(at, at + len(turn.speaker), turn.speaker, placeholder, "speaker_label"))
            previous_end = turn.end
        return self.redact_text(transcript.text, transcript.id, labels)

    def terms(self) -> dict[str, str]:
        """Every term the redactor replaces (lower-cased) and its category, for reports and tests."""
        return {key: category for key, (_, category) in self._global.items()}


def redaction_summary(redactions: Iterable[RedactedText]) -> dict[str, int]:
    """How many replacements of each placeholder were made, with no original text: safe to publish."""
    counts: Counter[str] = Counter(rep.placeholder for r in redactions for rep in r.replacements)
    return dict(sorted(counts.items()))


def redaction_report(redactions: Iterable[RedactedText], *, transcripts: dict[str, Transcript] | None = None,
                     flagged: dict[str, list[str]] | None = None) -> dict:
    """What was replaced, how often and where: for the evaluation team only (it holds the names).

    Returns
    -------
    dict
        ``summary`` (placeholder -> count), ``categories`` (category -> count), ``terms`` (original text ->
        placeholder and count), ``transcripts`` (per transcript: each replacement's segment, offsets, original
        and placeholder) and ``flagged`` (capitalised words in quotes that no list names, to check by hand).
    """
    redactions = list(redactions)
    terms: dict[str, dict] = {}
    per_transcript = []
    for redacted in redactions:
        transcript = (transcripts or {}).get(redacted.transcript_id)
        starts = [turn.start for turn in transcript.turns] if transcript else []
        rows = []
        for rep in redacted.replacements:
            entry = terms.setdefault(rep.original, {"placeholder": rep.placeholder, "category": rep.category,
                                                    "count": 0})
            entry["count"] += 1
            row = {"start": rep.start, "end": rep.end, "original": rep.original, "placeholder": rep.placeholder,
                   "category": rep.category}
            if transcript:
                turn = bisect_right(starts, rep.start) - 1
                row["segment"] = f"{transcript.id}:t{max(turn, 0):03d}" if turn >= 0 else None
            rows.append(row)
        per_transcript.append({"transcript_id": redacted.transcript_id, "replacements": len(rows), "items": rows})
    return {
        "summary": redaction_summary(redactions),
        "categories": dict(sorted(Counter(rep.category for r in redactions for rep in r.replacements).items())),
        "terms": dict(sorted(terms.items(), key=lambda kv: (-kv[1]["count"], kv[0]))),
        "transcripts": per_transcript,
        "flagged": flagged or {},
    }


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-z][\w'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(\[—–-]\s*|\n\s*)$")


def unlisted_capitalised(text: str, common_words: Collection[str] = frozenset()) -> list[str]:
    """Capitalised words inside sentences that no list names and that do not occur in lower case in
    ``common_words``: possibly a name the metadata misses, for a person to check before a quote is used."""
    found = []
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        key = word.casefold().replace("’", "'")
        if key in ALWAYS_CAPITALISED or key.removesuffix("'s") in ALWAYS_CAPITALISED or key in common_words:
            continue
        if _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()]):
            continue
        found.append(word)
    return found
