"""Flagged terms: capitalised words in a brief's quotes that no list names and that one site alone uses (a
school's own program, reward or place: "Tiger Tokens"), for a person to keep or redact before a final copy; and
``data/terms.yaml``, where those decisions are kept.

A term is a run of capitalised words in a chosen quote ("Tiger Tokens", "Open-Door Mondays") with a word no list
names, as :mod:`pleval.briefs.unlisted` finds them (the same runs rank a quote lower). The lists are the project's
own words and plain English:

- every word pleval.yaml declares (its redaction lists, site and place endings, roles, attribute values...),
  every value of the transcripts' metadata, and briefs.yaml's words;
- the codebook's words (labels, definitions, guidance, examples, rule phrases: the acronyms it explains);
- English words always written with a capital (days, months, "I") and a small English stop list (spaCy's).

Names of people and sites are already placeholders in a quote. A single capitalised word that opens a sentence
is no term unless the transcripts write it capitalised where no sentence opens, and never in lower case ("Krebs",
not "Honestly"). A term is flagged only when the transcripts of one site alone use it: one that several sites use
identifies none.

``data/terms.yaml`` is a YAML list, one decision a line, which ``pleval terms keep|redact TERM`` appends (under a
lock, flushed to disk before it returns)::

    - {term: "Tiger Tokens", decision: redact, by: lee, at: "2026-12-02T19:40:00+00:00"}

The last decision on a term (in any case) holds; earlier ones stay as its history. A term decided ``redact`` is
replaced by ``[local name]`` wherever the briefs quote it (:class:`pleval.briefs.redact.Redactor`); one decided
``keep`` is flagged no more.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import yaml

from ..errors import TermsError
from ..project import Project, append_durably
from ..schema import Transcript
from .unlisted import UnlistedFinder

KEEP, REDACT = "keep", "redact"
DECISIONS = (KEEP, REDACT)
FIELDS = ("term", "decision", "by", "at")
HEADER = ("# Decisions on terms flagged in the briefs' quotes: capitalised words no list names that one site alone "
          "uses.\n# Appended by `pleval terms keep TERM` and `pleval terms redact TERM`; the last decision on a term "
          "holds.\n")
_EXAMPLE = '- {term: "Tiger Tokens", decision: redact, by: lee, at: "2026-12-02T19:40:00+00:00"}'
_ANY_WORD = re.compile(r"[\w'’-]+")


def term_key(term: str) -> str:
    """How terms are compared: white space collapsed, any case."""
    return " ".join(term.replace("’", "'").split()).casefold()


@dataclass(frozen=True)
class TermDecision:
    """A person's decision on a term, and the line of data/terms.yaml that holds it."""

    term: str
    decision: str
    by: str
    at: str
    line: int = 0


def _problem(project: Project, line: int, message: str) -> TermsError:
    return TermsError(message, path=project.terms_path, line=line,
                      fix=f"write one decision a line, as {_EXAMPLE} (or record it with pleval terms)")


def _decision(project: Project, number: int, text: str) -> TermDecision:
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        raise _problem(project, number, "this line is not a decision (not valid YAML)") from None
    if not (isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], dict)):
        raise _problem(project, number, "this line is not a decision: a list item with term, decision, by and at")
    record = parsed[0]
    unknown = sorted(set(map(str, record)) - set(FIELDS))
    missing = [name for name in FIELDS if name not in record]
    if unknown or missing:
        what = ", ".join([*(f"unknown '{k}'" for k in unknown), *(f"no '{k}'" for k in missing)])
        raise _problem(project, number, f"this decision has {what}")
    term, decision, by, at = (record[name] for name in FIELDS)
    if not isinstance(term, str) or not term.strip():
        raise _problem(project, number, "the term is empty")
    if decision not in DECISIONS:
        raise _problem(project, number, f"decision '{decision}' is neither keep nor redact")
    if not isinstance(by, str) or not by.strip():
        raise _problem(project, number, "'by' names no one: who decided?")
    if isinstance(at, dt.datetime | dt.date):
        at = at.isoformat()
    if not isinstance(at, str) or not at.strip():
        raise _problem(project, number, "'at' gives no time")
    return TermDecision(" ".join(term.split()), decision, by.strip(), at.strip(), number)


def load_decisions(project: Project) -> dict[str, TermDecision]:
    """Every term's decision in data/terms.yaml (the last one on it), by :func:`term_key`; empty without the file.

    Raises
    ------
    TermsError
        For a line that is not a whole, valid decision (its line number and how to write one).
    """
    path = project.terms_path
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TermsError(f"cannot read the decisions on flagged terms: {error}", path=path) from None
    decisions: dict[str, TermDecision] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _decision(project, number, line)
        decisions[term_key(found.term)] = found
    return decisions


def record_decision(project: Project, term: str, decision: str, *, by: str,
                    at: dt.datetime | None = None) -> TermDecision:
    """Append a person's decision on a term to data/terms.yaml (created with a header if missing): one whole line,
    under an exclusive lock, fsync'd before this returns. Earlier decisions stay; the last one holds.

    Raises
    ------
    TermsError
        For an empty term or name, a decision other than keep or redact, or a data/terms.yaml that is broken
        already (fix it first: nothing is appended to it).
    """
    term = " ".join(term.split())
    if not term:
        raise TermsError("no term to decide on", fix="pleval terms keep TERM (pleval terms lists them)")
    if decision not in DECISIONS:
        raise TermsError(f"decision '{decision}' is neither keep nor redact", fix="pleval terms keep|redact TERM")
    if not by.strip():
        raise TermsError("a decision needs the name of who made it", fix="pass --by NAME")
    load_decisions(project)  # a broken file is reported, not appended to
    when = (at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    line = (f"- {{term: {json.dumps(term, ensure_ascii=False)}, decision: {decision}, "
            f"by: {json.dumps(by.strip(), ensure_ascii=False)}, at: {json.dumps(when)}}}\n")
    path = project.terms_path
    try:
        append_durably(path, line.encode("utf-8"), header=HEADER.encode("utf-8"))
    except OSError as error:
        raise TermsError(f"cannot write the decisions on flagged terms: {error.strerror}", path=path) from None
    return TermDecision(term, decision, by.strip(), when)


def words_of(value: object) -> set[str]:
    """Every word (lower case) in the strings of a nested value: a model's dump, a list, a mapping's keys too."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.update(w.casefold().replace("’", "'") for w in _ANY_WORD.findall(item))
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return found


@dataclass(frozen=True)
class FlaggedTerm:
    """A term flagged in a brief's quotes: where it is quoted (``<segment id> (<theme>)``) and its decision."""

    term: str
    where: tuple[str, ...]
    decision: str | None = None


@dataclass
class TermFinder:
    """Finds flagged terms in quotes, against a project's lists and its people's decisions.

    Parameters
    ----------
    transcripts : list of Transcript
        Every transcript: which sites use a term.
    listed : set of str
        Words (lower case) that lists name (:func:`words_of` of the declaration, codebook, briefs.yaml...).
    lower_words : set of str
        Words the transcripts write in lower case (:attr:`Redactor.lower_words`).
    decisions : mapping
        :func:`load_decisions`.
    """

    transcripts: list[Transcript]
    listed: set[str]
    lower_words: set[str]
    decisions: Mapping[str, TermDecision] = field(default_factory=dict)
    _sites: dict[str, int] = field(default_factory=dict, repr=False)

    @cached_property
    def finder(self) -> UnlistedFinder:
        """The runs of capitalised words no list names (:mod:`pleval.briefs.unlisted`): what the terms are taken
        from, and what ranks a quote lower."""
        return UnlistedFinder(self.listed, self.lower_words, [turn.text for t in self.transcripts for turn in t.turns])

    def candidates(self, text: str) -> list[str]:
        """The terms in one quote: its runs of capitalised words that no list names
        (:meth:`UnlistedFinder.runs`)."""
        return self.finder.runs(text)

    def unlisted(self, text: str) -> list[str]:
        """The runs no list names in a text that no one decided to keep (possibly a name the metadata misses, or a
        site's own term): what ranks a quote lower (:mod:`pleval.briefs.quotes`)."""
        return [run for run in self.finder.runs(text)
                if (decided := self.decisions.get(term_key(run))) is None or decided.decision != KEEP]

    def sites_using(self, term: str) -> int:
        """How many sites' transcripts write the term (as a word or words, in its case); a transcript that names no
        site is a site of its own."""
        if term not in self._sites:
            pattern = re.compile(r"(?<![\w'’-])" + r"\s+".join(map(re.escape, term.split())) + r"(?![\w-])")
            self._sites[term] = len({t.meta.site or t.id for t in self.transcripts if pattern.search(t.text)})
        return self._sites[term]

    def flag(self, quotes: Iterable[tuple[str, str]]) -> list[FlaggedTerm]:
        """The terms to flag in ``quotes`` ((quote text, where) pairs): those one site alone uses, with their
        decision if a person made one."""
        where: dict[str, list[str]] = {}
        written: dict[str, str] = {}
        for text, place in quotes:
            for term in self.candidates(text):
                if self.sites_using(term) == 1:
                    key = term_key(term)
                    written.setdefault(key, term)
                    where.setdefault(key, []).append(place)
        flagged = []
        for key, places in where.items():
            decided = self.decisions.get(key)
            flagged.append(FlaggedTerm(written[key], tuple(places), decided.decision if decided else None))
        return sorted(flagged, key=lambda f: term_key(f.term))
