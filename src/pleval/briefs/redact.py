"""De-identification: the names of people, sites and places, speaker labels, emails and phone numbers become
placeholders before any transcript text leaves the project.

What is replaced, and by what (the words come from the project's declaration, ``pleval.yaml``):

- people named in any transcript's metadata (``participants``, ``mentions``, ``interviewer``), by full name,
  first or last name, or title and last name ("Dr. Okafor", with ``redaction.titles``): the person's role's
  placeholder (:attr:`Role.redacted`: ``[nurse]``, ``[community health worker]``, ``[interviewer]``), or
  ``[name]`` when the metadata gives no role or two people sharing the name have different roles (the
  transcript's own people win over others');
- sites (from every transcript's metadata, the survey's sites and briefs.yaml's ``redact``) and their short forms,
  what is left without one of ``redaction.site_endings`` ("Desert Sun" for Desert Sun Family Clinic), and its
  leading words, whatever the endings ("Desert Sun", "Desert Sun Family", and "Desert" where the talk never
  writes it in lower case): ``[<site>]``, the site's singular noun (``[clinic]``); site-like names no list
  gives ("Garfield Family Clinic" in the talk): the same;
- places: the values of each site attribute declared under ``redaction.places`` (a county, a health authority),
  with their short forms by that place's ``endings``: ``[<placeholder>]``; with ``find_in_text``, also any
  "<Name> <ending>" in the talk, whose bare name is then replaced everywhere; other places briefs.yaml lists:
  ``[place]``;
- speaker labels at the start of each turn ("P1:", "ANGELA:", "Lorraine Castillo:"): the speaker's role's
  placeholder;
- emails and phone numbers: ``[email]``, ``[phone]``;
- terms a person decided to redact when they were flagged in a brief's quotes (``data/terms.yaml``, see
  :mod:`pleval.briefs.terms`): ``[local name]``.

Words in ``redaction.never_redact`` are never replaced; those in ``redaction.capitalised`` (a program's name,
an acronym) and English words always written with a capital (days, months, "I") are no names: they never make a
short form, nor a run of capitalised words no list names in a quote (:mod:`pleval.briefs.unlisted`).

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
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

from ..schema import INTERVIEWER, RedactionTerms, Transcript
from ..schema.declaration import DEFAULT_DECLARATION, Declaration

#: Capitalised words that start a sentence or a label, not a name (trimmed from pattern matches).
FUNCTION_WORDS = frozenset(["a", "an", "and", "at", "but", "by", "for", "from", "in", "of", "on", "or", "so", "the",
                            "then", "to", "with", "this", "that", "these", "those", "our", "their", "my", "your",
                            "his", "her", "its", "we", "they", "he", "she", "it", "if", "when", "while", "as",
                            "because", "like", "well", "yeah", "um", "uh", "oh", "okay", "also", "just", "even", "at",
                            "over", "about", "after", "before", "into", "honestly", "actually", "really", "basically",
                            "anyway", "now", "yes", "no", "sure", "right", "here", "there", "what", "who", "how",
                            "why", "where", "which", "every", "all", "some", "one", "two", "three"])
#: English words written with a capital whatever the evaluation; pleval.yaml's ``redaction.capitalised`` adds the
#: evaluation's own (a program's name, an acronym).
ENGLISH_CAPITALISED = frozenset(["i", "i'm", "i've", "i'd", "i'll", "ok", "tv", "january", "february", "march", "april",
                                 "may", "june", "july", "august", "september", "october", "november", "december",
                                 "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                                 "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
                                 "christmas", "thanksgiving", "halloween", "easter", "english", "spanish", "american",
                                 "america", "covid", "zoom", "google"])
#: Words of places' names too common to stand for one on their own (with the words of every declared ending).
GENERIC_PLACE_WORDS = frozenset(["black", "white", "red", "green", "blue", "north", "south", "east", "west", "new",
                                 "old", "upper", "lower", "great", "little", "big", "saint", "st", "mount", "lake",
                                 "river", "city", "county", "village"])
PLACEHOLDERS = {"place": "[place]", "name": "[name]", "email": "[email]", "phone": "[phone]",
                "interviewer": "[interviewer]", "term": "[local name]"}
#: The category of a term a person decided to redact (data/terms.yaml, :mod:`pleval.briefs.terms`).
TERM = "term"
#: The category of a site's name in replacements and reports (a place's is its attribute's name).
SITE = "site"
#: The category of a place briefs.yaml lists under ``redact: places``.
PLACE = "place"
PEOPLE = ("participant", "mention", "interviewer")
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
PHONE = r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?"
_PHONE_HINT = re.compile(r"\d{3}[\s.-]\d{4}")  # what every phone number holds


def role_placeholder(role: str | None, declaration: Declaration = DEFAULT_DECLARATION) -> str:
    """What replaces the name of someone in ``role``: the declared role's placeholder (:attr:`Role.redacted`),
    the words of a role nobody declared (``[community health worker]``), ``[name]`` without a role."""
    if not role:
        return PLACEHOLDERS["name"]
    declared = declaration.role(role)
    if declared is not None:
        return declared.redacted
    return "[" + " ".join(role.replace("_", " ").split()) + "]"


def _key(term: str) -> str:
    return " ".join(term.replace("’", "'").split()).casefold()


def _strip_title(name: str, titles: Collection[str]) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".") in titles:
        words = words[1:]
    return " ".join(words)


def short_form(name: str, endings: Iterable[str], no_names: Collection[str] = ENGLISH_CAPITALISED) -> str | None:
    """A site's or a place's name without its generic ending ("Desert Sun" for "Desert Sun Family Clinic"), or
    None when nothing distinctive would be left (nothing, a function word, or one of ``no_names``, lower-cased
    words that are no names)."""
    for ending in sorted(endings, key=len, reverse=True):
        if name.casefold().endswith(" " + ending.casefold()):
            short = name[: -len(ending)].strip()
            if short and short.casefold() not in FUNCTION_WORDS and short.casefold() not in no_names:
                return short
    return None


@dataclass(frozen=True)
class _Kind:
    """A kind of place to de-identify: the category replacements record, its placeholder, the endings that make
    its short forms, and whether names with those endings are looked for in the talk."""

    category: str
    placeholder: str
    endings: tuple[str, ...]
    find_in_text: bool


@dataclass(frozen=True)
class Replacement:
    """One piece of text replaced: where it was in the original text, what it was and what replaced it."""

    start: int
    end: int
    original: str
    placeholder: str
    category: str  # participant, mention, interviewer, speaker_label, site, a place's attribute, place, email, phone


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
    """Replaces the names a project's metadata (and briefs.yaml, and the survey) lists, plus emails and phone
    numbers, with placeholders in the project's words.

    Parameters
    ----------
    transcripts : list of Transcript
        Every transcript of the project: anyone named in any of them is de-identified in all of them.
    declaration : Declaration, optional
        The project's words (:func:`pleval.inputs.declaration.project_declaration`): the site's noun, site-name
        endings, places, titles, roles' placeholders, words never redacted and words that are no names.
    terms : RedactionTerms, optional
        Names no metadata lists (briefs.yaml's ``redact`` block).
    sites : iterable of (name, attributes), optional
        Sites described elsewhere (the survey's), each with its attributes by name (the places among them are
        de-identified too).
    local_terms : iterable of str, optional
        Terms a person decided to redact (data/terms.yaml): ``[local name]``.

    Attributes
    ----------
    lower_words : set of str
        Every word the transcripts write in lower case (as ``_LOWER_WORD`` finds them).
    """

    def __init__(self, transcripts: list[Transcript], *, declaration: Declaration = DEFAULT_DECLARATION,
                 terms: RedactionTerms | None = None,
                 sites: Iterable[tuple[str | None, Mapping[str, str | None]]] = (), local_terms: Iterable[str] = ()):
        self.declaration = declaration
        words = declaration.redaction
        self._global: dict[str, tuple[str, str]] = {}  # key -> (placeholder, category)
        self._local: dict[str, dict[str, tuple[str, str]]] = {}  # transcript id -> its own people
        self._conflicts: set[str] = set()
        self._cases: dict[str, str] = {}  # single words as the metadata writes them
        self._titles = tuple(words.titles)
        declared = {_key(w) for w in [*words.capitalised, *words.never_redact]}
        self._never = {_key(w) for w in words.never_redact}
        self._no_names = ENGLISH_CAPITALISED | declared  # capitalised words that are no names
        places = [name for name in words.places if name not in (SITE, PLACE)]  # the attributes naming places
        self._kinds = {SITE: _Kind(SITE, f"[{declaration.site.singular}]", tuple(words.site_endings), True),
                       PLACE: _Kind(PLACE, PLACEHOLDERS["place"], (), False)}
        for name in places:
            place = words.places[name]
            self._kinds[name] = _Kind(name, f"[{place.placeholder}]", tuple(place.endings), place.find_in_text)
        self._institutions = {name for name in self._kinds if name != PLACE}  # whose names win over a person's
        self._generic_place_words = GENERIC_PLACE_WORDS | {
            w.casefold() for kind in self._kinds.values() for ending in kind.endings for w in ending.split()}
        terms = terms or RedactionTerms()
        for transcript in transcripts:
            meta = transcript.meta
            local: dict[str, tuple[str, str]] = {}
            for person in meta.participants:
                self._person(person.name, self.placeholder(person.role), "participant", local)
            for mentioned in meta.mentions:
                self._person(mentioned.name, self.placeholder(mentioned.role), "mention", local)
            for name in meta.interviewers:
                self._person(name, PLACEHOLDERS["interviewer"], "interviewer", local)
            self._local[transcript.id] = local
            self._place(meta.site, SITE)
            for attribute in places:
                self._place(meta.attributes.get(attribute), attribute)
        for site, attributes in sites:
            self._place(site, SITE)
            for attribute in places:
                self._place(attributes.get(attribute), attribute)
        for name in terms.names:
            self._person(name, PLACEHOLDERS["name"], "mention", {})
        for site in terms.sites:
            self._place(site, SITE)
        listed = terms.by_attribute
        for attribute in places:
            for name in listed.get(attribute, ()):
                self._place(name, attribute)
        for name in terms.places:
            self._place(name, PLACE)
        for term in local_terms:
            self._add(term, PLACEHOLDERS[TERM], TERM)
        for transcript in transcripts:  # "<Name> <ending>": named in the talk, not in the metadata
            for found, category in self._named_in_text(transcript.text):
                self._place(found, category)
        self._proper_words(transcripts)
        self._compile()

    def placeholder(self, role: str | None) -> str:
        """What replaces the name of someone in ``role`` (:func:`role_placeholder` in this project's words)."""
        return role_placeholder(role, self.declaration)

    # --- collecting terms ---------------------------------------------------------------------------------

    def _add(self, term: str, placeholder: str, category: str, local: dict | None = None) -> None:
        key = _key(term)
        if not key or len(key) < 2 or key in self._never:
            return
        self._cases.setdefault(key, " ".join(term.replace("’", "'").split()))
        if local is not None:
            local.setdefault(key, (placeholder, category))
        old = self._global.get(key)
        if old is None:
            self._global[key] = (placeholder, category)
        elif old[0] != placeholder and category in PEOPLE and old[1] in PEOPLE:
            self._conflicts.add(key)  # two people share the name with different roles: say only "[name]"
        elif old[1] not in self._institutions and category in self._institutions:
            self._global[key] = (placeholder, category)  # a site's or a place's name wins over a person's word

    def _person(self, name: str, placeholder: str, category: str, local: dict) -> None:
        full = _strip_title(name, self._titles)
        self._add(full, placeholder, category, local)
        words = [w for w in full.split() if len(w.strip(".")) > 1]
        for word in words:
            self._add(word, placeholder, category, local)
        if len(words) >= 3:  # "Beth Ann Kessler": "Beth Ann" and "Ann Kessler" too
            self._add(" ".join(words[:-1]), placeholder, category, local)
            self._add(" ".join(words[1:]), placeholder, category, local)
        if words and (len(words) > 1 or name != full):
            for title in self._titles:
                self._add(f"{title}. {words[-1]}", placeholder, category, local)
                self._add(f"{title} {words[-1]}", placeholder, category, local)

    def _place(self, name: str | None, category: str) -> None:
        if not name:
            return
        kind = self._kinds[category]
        self._add(name, kind.placeholder, category)
        short = short_form(name, kind.endings, self._no_names)
        if short:
            self._add(short, kind.placeholder, category)
        # its leading words, as people shorten a name whatever its ending ("Desert Sun" for Desert Sun Family
        # Clinic where pleval.yaml declares no ending): runs of two words or more that are not all generic
        words = name.split()
        for size in range(2, len(words)):
            lead = words[:size]
            if not all(w.casefold() in self._generic_place_words or w.casefold() in self._no_names
                       or w.casefold() in FUNCTION_WORDS for w in lead):
                self._add(" ".join(lead), kind.placeholder, category)

    def _proper_words(self, transcripts: list[Transcript]) -> None:
        """Words the talk uses only as names: the first word of a place's name ("Sandstone" for Sandstone Valley
        Clinic, "Riverside's team"), and a first name's short form ("Jess" for Jessica) where the talk uses
        it. Only words that never occur in lower case in any transcript are taken (so "Coal", "Great" and
        "Harvest" stay), and no generic word of a place's name (a word of a declared ending, "New", "Lake")."""
        lower = self.lower_words = {w for t in transcripts for w in _LOWER_WORD.findall(t.text)}
        capitalised = {w for t in transcripts for w in _CAPITALISED.findall(t.text)}
        for key, (placeholder, category) in list(self._global.items()):
            if " " in key and category in self._kinds:
                word = key.split()[0]
                written = self._cases.get(key, key).split()[0]
                if len(word) > 2 and word not in lower and word not in self._generic_place_words \
                        and word not in self._no_names and word not in FUNCTION_WORDS and word not in self._global:
                    self._add(written, placeholder, category)
        for transcript in transcripts:
            for person in [*transcript.meta.participants, *transcript.meta.mentions]:
                first = _strip_title(person.name, self._titles).split()[0]
                for size in (3, 4):
                    prefix = first[:size]
                    if len(first) > size and prefix in capitalised and prefix.casefold() not in lower \
                            and prefix.casefold() not in self._global:
                        self._add(prefix, self.placeholder(person.role), "mention", self._local[transcript.id])

    @functools.cached_property
    def _named(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        """A pattern for "<Capitalised Name> <ending>" of the kinds looked for in the talk (endings as pleval.yaml
        writes them, capitals and all), and each ending's category (a site's before a place's)."""
        categories: dict[str, str] = {}
        for kind in self._kinds.values():
            if kind.find_in_text:
                for ending in kind.endings:
                    categories.setdefault(" ".join(ending.split()), kind.category)
        if not categories:
            return None, categories
        endings = sorted(categories, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(w) for w in ending.split()) for ending in endings)
        return re.compile(rf"(?P<name>(?:[A-Z][\w'’.-]*\s+){{1,4}})(?P<kind>{alternatives})\b"), categories

    def _named_in_text(self, text: str) -> Iterator[tuple[str, str]]:
        pattern, categories = self._named
        if pattern is None:
            return
        for match in pattern.finditer(text):
            words = match.group("name").split()
            while words and (words[0].casefold() in FUNCTION_WORDS or words[0].casefold() in self._no_names):
                words = words[1:]
            if not words:
                continue
            kind = " ".join(match.group("kind").split())
            yield " ".join(words) + " " + kind, categories[kind]

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
                placeholder = PLACEHOLDERS["interviewer"] if turn.role == INTERVIEWER else self.placeholder(turn.role)
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
                     flagged: dict[str, dict] | None = None) -> dict:
    """What was replaced, how often and where: for the evaluation team only (it holds the names).

    Returns
    -------
    dict
        ``summary`` (placeholder -> count), ``categories`` (category -> count), ``terms`` (original text ->
        placeholder and count), ``transcripts`` (per transcript: each replacement's segment, offsets, original
        and placeholder) and ``flagged`` (terms in the brief's quotes flagged for a person to keep or redact, with
        where they are quoted and the decision, if any: :mod:`pleval.briefs.terms`).
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
