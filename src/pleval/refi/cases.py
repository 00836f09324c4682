"""Cases and Variables as pleval reads them: which case is a site and which a participant, and the metadata key
each variable fills.

REFI-QDA has no kind of case: NVivo's case classifications, MAXQDA's and ATLAS.ti's document variables all
arrive as Cases holding Variables. So each case of the file is read once, as the project's site (a clinic, a
branch library: the place people belong to) or as one participant, on the strongest evidence it has:

1. a Role variable: a participant;
2. a classification variable (``Classification``, ``Case type``, ``Kind``) whose value is a word for the site
   (the site's key, singular or plural in pleval.yaml, or "site") or for a person ("person", "participant", a
   declared role);
3. its name is a speaker's label in one of its sources: a participant;
4. a variable named for the site whose value is the case's own name (``Clinic: Desert Sun``): the site;
5. more of its variables declared as site attributes than as participant attributes (or the other way round);
6. its name holds the site's word or ends as pleval.yaml says site names end (``Desert Sun Clinic``): the site;
7. it holds selections only (one speaker's passages): a participant;
8. a participant's variable names it (``Clinic: Desert Sun`` on a person's case): the site; it shares a source
   with a participant's case and has none of their variables: the site; it shares a source with the site's
   case, or with a participant's case whose variables it has: a participant;
9. otherwise a case holding several whole sources is the site, one holding a single source a participant; this
   guess is reported, with how to make it certain.

Variable names become metadata keys in lower case with underscores (``Site type`` -> ``site_type``);
values matching a declared value or role but for case and spacing take the declared spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..errors import Problem, RefiWarning
from ..inputs.transcripts import LABEL
from ..schema import Attribute, Declaration
from .merge import slug
from .reader import RefiCase, RefiFile

#: Variable names written otherwise than the metadata key they fill.
ALIASES = {"interviewers": "interviewer", "interview_type": "type"}
#: Variables saying what kind of case holds them (NVivo's case classification, written as a variable).
CLASSIFICATION_KEYS = ("classification", "case_classification", "case_type", "casetype", "kind")
#: Words for a case that is one person, whatever the evaluation.
PERSON_WORDS = ("person", "people", "participant", "participants", "interviewee", "interviewees", "respondent",
                "respondents", "individual", "individuals")

Kind = Literal["site", "person"]


def fold(text: object) -> str:
    """A word or value as compared: lower case, runs of spaces, ``_`` and ``-`` as one space."""
    return re.sub(r"[\s_\-]+", " ", str(text)).strip().casefold()


def variable_key(name: str) -> str:
    """A variable's name as a metadata key: ``Site type`` -> ``site_type``, ``2019 enrolment`` ->
    ``variable_2019_enrolment`` (a key starts with a letter)."""
    key = slug(name)
    key = ALIASES.get(key, key)
    return key if key[:1].isalpha() else f"variable_{key}".rstrip("_")


def declared_value(value: object, attribute: Attribute | None) -> object:
    """``value`` as the declaration spells it (``Central`` -> ``central``) when it differs only in case or
    spacing from a declared value; otherwise as written (text stripped)."""
    if isinstance(value, str):
        value = value.strip()
    if attribute is not None and attribute.values:
        folded = {fold(v): v for v in attribute.values}
        return folded.get(fold(value), value)
    return value


def declared_role(value: object, declaration: Declaration) -> str:
    """A Role variable's value as a role id: a declared role's id when the value is that id, label or noun but
    for case and spacing (``Community health worker``), else the value in lower case with underscores."""
    for role in declaration.roles:
        if fold(value) in {fold(w) for w in (role.id, role.label, role.noun) if w}:
            return role.id
    return slug(str(value)) or str(value).strip()


@dataclass
class ReadCase:
    """A case as pleval reads it: the site or a participant, its variables by metadata key, and why."""

    case: RefiCase
    kind: Kind
    why: str
    values: dict[str, object]  # metadata key -> value, empty values left out
    names: dict[str, str]  # metadata key -> the variable's name as the file writes it
    sources: list[str]  # GUIDs of the sources it holds, whole or in part
    site_name: str | None = None  # for the site: its name (a variable naming it, or the case's name)
    naming_key: str | None = None  # the key of the variable that names it, if one does


@dataclass
class CaseIndex:
    """Every case of a file read as the site or a participant, and the keys the file names sites by."""

    cases: list[ReadCase]
    site_keys: set[str]  # variable keys whose value is a site's name
    problems: list[Problem] = field(default_factory=list)

    def of(self, source_guid: str) -> list[ReadCase]:
        """The cases holding a source (or a selection of it), in the file's order."""
        return [c for c in self.cases if source_guid in c.sources]


class _Words:
    """The declaration's words that tell a site from a person."""

    def __init__(self, declaration: Declaration):
        site = declaration.site
        self.site_keys = {site.key, variable_key(site.singular), "site"}
        self.site_words = {fold(w) for w in (site.key, site.singular, site.plural, "site", "sites")}
        self.person_words = {fold(w) for w in (*PERSON_WORDS, declaration.words.people.singular,
                                              declaration.words.people.plural,
                                              *[w for r in declaration.roles for w in (r.id, r.label, r.noun) if w])}
        self.site_attributes = {a.name for a in declaration.site_attributes}
        self.person_attributes = {a.name for a in declaration.participant_attributes}
        singular = re.escape(site.singular.casefold())
        self.site_word = re.compile(rf"(?<!\w){singular}(?!\w)")
        self.endings = [e.casefold() for e in declaration.redaction.site_endings]

    def names_a_site(self, name: str) -> bool:
        folded = name.casefold().strip()
        return bool(self.site_word.search(folded)) or any(
            folded.endswith(" " + ending) or folded == ending for ending in self.endings)


def _speakers(text: str | None) -> set[str]:
    """The speaker labels of a text, folded."""
    found = set()
    for line in (text or "").split("\n"):
        match = LABEL.match(line)
        if match:
            found.add(fold(match.group("label")))
    return found


def variable_keys(refi: RefiFile) -> dict[str, tuple[str, str]]:
    """Variable GUID -> (metadata key, name as written); two variables never share a key."""
    keys: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    for guid, variable in refi.variables.items():
        key, number = variable_key(variable.name), 2
        candidate = key
        while candidate in taken:
            candidate, number = f"{key}_{number}", number + 1
        taken.add(candidate)
        keys[guid] = (candidate, variable.name)
    return keys


def variable_values(refi: RefiFile, variables: dict[str, object],
                    keys: dict[str, tuple[str, str]]) -> tuple[dict[str, object], dict[str, str]]:
    """Variable values by metadata key (empty ones left out), and each key's variable name as written
    (``keys``: :func:`variable_keys` of ``refi``)."""
    values: dict[str, object] = {}
    names: dict[str, str] = {}
    for guid, value in variables.items():
        if guid not in keys or value is None or (isinstance(value, str) and not value.strip()):
            continue
        key, name = keys[guid]
        values[key], names[key] = value, name
    return values, names


def _classified(case: ReadCase, words: _Words) -> tuple[Kind, str] | None:
    """What a classification variable says the case is; the variable is taken out of its values, since it says
    what the case is and is no attribute of it."""
    kinds: tuple[tuple[Kind, set[str]], ...] = (("site", words.site_words), ("person", words.person_words))
    for key in CLASSIFICATION_KEYS:
        for kind, known in kinds:
            if key in case.values and fold(case.values[key]) in known:
                return kind, f"its {case.names[key]} is '{case.values.pop(key)}'"
    return None


def _evidence(case: ReadCase, words: _Words, speakers: dict[str, set[str]]) -> tuple[Kind, str] | None:
    """The kind of case its own content shows (points 1 to 7 of the module's list), or None."""
    classified = _classified(case, words)
    values, name = case.values, case.case.name.strip()
    if "role" in values:
        return "person", "it has a role"
    if classified is not None:
        return classified
    folded = fold(name)
    first = folded.split(" ")[0] if folded else ""
    if any(folded in labels or first in labels for source in case.sources for labels in [speakers.get(source, set())]
           if folded):
        return "person", "its name is a speaker's label in its source"
    for key, value in values.items():
        if folded and fold(value) == folded:  # a variable naming the case: the site's, if named for the site
            case.naming_key = key
            if key in words.site_keys:
                return "site", f"its {case.names[key]} is its own name"
    on_site = sum(key in words.site_attributes for key in values)
    on_person = sum(key in words.person_attributes for key in values)
    if on_site != on_person:
        return ("site", "its variables are site attributes") if on_site > on_person else (
            "person", "its variables are participant attributes")
    if words.names_a_site(name):
        return "site", "its name names a site"
    if case.case.selections and not case.case.sources:
        return "person", "it holds passages, not whole sources"
    return None


def _beside(read: list[ReadCase], decided: dict[int, tuple[Kind, str]], site_keys: set[str]) -> None:
    """Point 8: decide the cases left by those they share a source with (``decided``: index in ``read`` -> kind
    and why; ``site_keys``: variables that may name a site)."""
    for number, item in enumerate(read):  # a participant's variable names it: the site they belong to
        namer = next((read[n] for n, (kind, _) in decided.items() if kind == "person"
                      and set(read[n].sources) & set(item.sources)
                      and fold(item.case.name) in {fold(v) for v in read[n].values.values()}), None)
        if number not in decided and namer is not None:
            decided[number] = ("site", f"participant '{namer.case.name}' belongs to it")
    steps: tuple[tuple[Kind, Kind], ...] = (("person", "site"), ("site", "person"))
    changed = True
    while changed:
        changed = False
        for wanted, beside in steps:
            for number, item in enumerate(read):
                partners = [read[n] for n, (kind, _) in decided.items()
                            if kind == wanted and set(read[n].sources) & set(item.sources)]
                if number in decided or not partners:
                    continue
                described = set(item.values) - {"role", item.naming_key} - site_keys
                alike = next((p for p in partners if described & set(p.values)), None)
                if wanted == "person" and alike is not None:  # described as a participant is: one too
                    decided[number] = ("person", f"its variables are those of participant '{alike.case.name}'")
                else:
                    decided[number] = (beside, f"it shares a source with {wanted} '{partners[0].case.name}'")
                changed = True


def read_cases(refi: RefiFile, declaration: Declaration, texts: dict[str, str | None]) -> CaseIndex:
    """Every case of ``refi`` as the site or a participant (see the module's description).

    Parameters
    ----------
    refi : RefiFile
    declaration : Declaration
        The project's: its site words, declared attributes and roles.
    texts : dict
        Source GUID -> its text as the file has it (None when it has none), to find speaker labels.
    """
    words = _Words(declaration)
    keys = variable_keys(refi)
    selection_source = {sel.guid: s.guid for s in refi.sources for sel in s.selections}
    speakers = {guid: _speakers(text) for guid, text in texts.items()}
    read: list[ReadCase] = []
    problems: list[Problem] = []
    shown = refi.path if refi.qde is None else refi.path / refi.qde
    for case in refi.cases:
        values, names = variable_values(refi, case.variables, keys)
        held = list(dict.fromkeys([*case.sources, *[selection_source[s] for s in case.selections
                                                    if s in selection_source]]))
        if not held:
            if values or (case.description or "").strip():
                problems.append(RefiWarning(f"case '{case.name}' holds no source, so its variables and description "
                                            "were not imported", path=shown,
                                            fix="link the case to its sources in the tool that exported it"))
            continue
        read.append(ReadCase(case, "person", "", values, names, held))
    decided: dict[int, tuple[Kind, str]] = {}
    for number, item in enumerate(read):
        found = _evidence(item, words, speakers)
        if found is not None:
            decided[number] = found
    _beside(read, decided, words.site_keys)
    site_singular = declaration.site.singular
    for number, item in enumerate(read):
        if number in decided:
            item.kind, item.why = decided[number]
            continue
        several = len(item.sources) > 1
        item.kind = "site" if several else "person"
        item.why = f"it holds {len(item.sources)} whole source(s)"
        if several:
            problems.append(RefiWarning(
                f"case '{item.case.name}' was taken as the {site_singular} of its {len(item.sources)} sources (it "
                "has no role and names no speaker)", path=shown,
                fix="if it is a person, give it a Role variable in the tool that exported it"))
        else:
            problems.append(RefiWarning(
                f"case '{item.case.name}' was taken for the participant of its one source (it has no role)",
                path=shown, fix=f"if it is a {site_singular}, give it a variable '{declaration.site.key}' "
                f"holding its name, or a Role variable if it is a person"))
    site_keys = set(words.site_keys)
    for item in read:
        if item.kind == "site":
            key = item.naming_key
            item.site_name = str(item.values[key]).strip() if key else item.case.name.strip()
            if key:
                site_keys.add(key)
    return CaseIndex(read, site_keys, problems)
