"""Write the project as a REFI-QDA codebook (.qdc) or project (.qdpx) that NVivo, ATLAS.ti, MAXQDA and others read.

The codebook: each group is a code that cannot be coded (``isCodable="false"``) holding its codes; a code with
a parent sits inside its parent. The description carries the definition, when to use, when not to use,
examples and the code's id (:mod:`pleval.refi.description`).

The project adds: a User per coder with a log (the consensus is one of them) and one for the rule coder; every
transcript as a text source (``sources/<GUID>.txt``, UTF-8, LF, the normalised text that offsets count in);
one PlainTextSelection per coded span with a Coding for each coder and code applied there; a Case per site
and per participant with every attribute of theirs as a Variable, named as the metadata names it (the site's
case holds its transcripts, and a variable named by the site's key in pleval.yaml, ``clinic`` for instance,
holds its name; the transcript's type, date, interviewer and mentions, and the attributes its site's case does
not give alike for all its transcripts, are variables of the source itself); and each coder's memos as Notes,
hung on their span, transcript, code or the project. The codebook file itself travels as one more project note,
so that pleval can restore what REFI has no place for (rules, survey items, questions).

GUIDs are uuid5 of a fixed pleval namespace and stable keys (the codebook's name, then e.g. the transcript id,
code id, coder and span), so exporting an unchanged project twice gives the same GUIDs (and the same bytes:
the archive's timestamps are fixed). Positions are code points from 0, end exclusive (section 10.2).
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .. import __version__
from ..coding.store import RULES, CodingLog, Event, reanchor
from ..coding.store import coders as logged_coders
from ..errors import MovedCodingWarning, Problem, RefiError
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..inputs.declaration import project_declaration
from ..inputs.text import decode, normalise
from ..project import Project, atomic_write
from ..schema import Codebook
from .description import CODEBOOK_NOTE, code_description, group_description

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://schema.qdasoftware.org/versions/{0}/v1.0/{0}.xsd"
PLEVAL_NAMESPACE = uuid.UUID("6f1d3c52-8a47-4f0e-9b7a-2c9e4d5a1b30")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: The source's own variables (every other is a site's or a participant's attribute).
SOURCE_FIELDS = ("type", "date", "interviewer", "mentions")
#: Variables written as text whatever their values look like.
TEXT_VARIABLES = ("type", "interviewer", "mentions", "role", "label")
INTEGER = re.compile(r"0|-?[1-9][0-9]*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
VALUE_ELEMENTS = {"Text": "TextValue", "Date": "DateValue", "Integer": "IntegerValue"}


def stable_guid(project_key: str, kind: str, *parts) -> str:
    """A GUID that depends only on the project (its codebook's name), the kind of object and its key."""
    return str(uuid.uuid5(PLEVAL_NAMESPACE, "\x1f".join([project_key, kind, *map(str, parts)])))


@dataclass
class RefiExport:
    """What an export wrote, and the problems met (broken transcripts, codings that could not be placed)."""

    path: Path
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)


NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value) -> str:
    """Text XML 1.0 can hold: control characters (say a stray form feed in a memo) are dropped."""
    return NOT_XML.sub("", str(value))


def _element(parent, namespace: str, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", {k: _xml_safe(v) for k, v in attributes.items()
                                                                   if v is not None})
    if text is not None:
        element.text = _xml_safe(text)
    return element


def _codes(parent, namespace: str, codebook: Codebook, guid, notes: dict[str, list[str]] | None = None) -> int:
    """The code tree: groups as uncodable codes, codes inside their group or parent. Returns the codes written."""
    codes_element = _element(parent, namespace, "Codes")
    ids = set(codebook.code_ids)
    children = defaultdict(list)
    for code in codebook.codes:
        if code.parent in ids and code.parent != code.id:
            children[code.parent].append(code)
    written: set[str] = set()

    def add(holder, code, implied_group: str) -> None:
        written.add(code.id)
        element = _element(holder, namespace, "Code", guid=guid("code", code.id), name=code.label,
                           isCodable="true", color=code.colour)
        _element(element, namespace, "Description", code_description(code, implied_group))
        for note in (notes or {}).get(code.id, []):
            _element(element, namespace, "NoteRef", targetGUID=note)
        for child in children[code.id]:
            if child.id not in written:
                add(element, child, code.group)

    for group in codebook.groups:
        holder = _element(codes_element, namespace, "Code", guid=guid("group", group.id), name=group.label,
                          isCodable="false")
        _element(holder, namespace, "Description", group_description(group))
        for code in codebook.codes:
            if code.group == group.id and code.id not in written and (code.parent not in ids or code.parent == code.id):
                add(holder, code, group.id)
        for code in codebook.codes:  # a parent cycle leaves codes no root reaches: keep them in their group
            if code.group == group.id and code.id not in written:
                add(holder, code, group.id)
    return len(written)


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def codebook_document(codebook: Codebook) -> bytes:
    """The .qdc document of ``codebook``."""
    guid = lambda kind, key: stable_guid(codebook.name, kind, key)  # noqa: E731
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{CODEBOOK_NS} {SCHEMA_URL.format('Codebook')}")
    root.set("origin", f"pleval {__version__}")
    _codes(root, CODEBOOK_NS, codebook, guid)
    return _xml(root)


def export_codebook(project: Project, path: str | Path) -> RefiExport:
    """Write the project's codebook as a REFI-QDA .qdc file.

    Raises
    ------
    CodebookError
        If the codebook is invalid.
    """
    path = Path(path)
    codebook = load_codebook_cached(project)
    _writable(path)
    with atomic_write(path, "wb") as handle:
        handle.write(codebook_document(codebook))
    return RefiExport(path, {"codes": len(codebook.codes), "groups": len(codebook.groups)})


def _writable(path: Path) -> None:
    if path.is_dir():
        raise RefiError("is a folder", path=path, fix="name a file to write, e.g. outputs/project.qdpx")


class _ProjectDocument:
    """Gathers the project's transcripts, codings and memos, then writes the .qde document."""

    def __init__(self, project: Project, rules: bool):
        self.codebook = load_codebook_cached(project)
        self.declaration = project_declaration(project)
        self.site_key = self.declaration.site.key
        self.key = self.codebook.name
        self.problems: list[Problem] = []
        self.rules = rules
        if rules:
            from ..coding.run import code_project

            run = code_project(project, progress=False)
            self.transcripts, self.rule_codings = run.transcripts, run.codings
            self.problems += run.problems
        else:
            self.transcripts, problems = load_transcripts_cached(project)
            self.problems += problems
            self.rule_codings = []
        self.by_id = {t.id: t for t in self.transcripts}
        self.codebook_text = normalise(decode(project.codebook_path.read_bytes(), project.codebook_path)[0])
        self.coders = logged_coders(project.codings_dir)
        self.selections: dict[tuple[str, int, int], dict] = {}  # (transcript, start, end) -> codings, notes
        self.memos: list[dict] = []
        for coder in self.coders:
            self._gather_log(project, coder)
        for coding in self.rule_codings:
            self._selection(coding.transcript_id, coding.start, coding.end)["codings"].append(
                (RULES, coding.code_id, None))

    def guid(self, kind: str, *parts) -> str:
        return stable_guid(self.key, kind, *parts)

    def _selection(self, transcript_id: str, start: int, end: int) -> dict:
        return self.selections.setdefault((transcript_id, start, end),
                                          {"codings": [], "notes": [], "coding_notes": {}})

    def _place(self, event, coder: str, replay_path) -> tuple[int, int] | None:
        transcript = self.by_id.get(event.transcript_id)
        if transcript is None:
            return None
        where = reanchor(event, transcript.text, transcript.text_hash)
        if where is None:
            self.problems.append(MovedCodingWarning(
                f"a coding of {coder} in '{event.transcript_id}' is no longer in the edited transcript; exported "
                "where it was", path=replay_path, line=event.line, fix="recode that passage"))
            where = (event.start, event.end)
        if not 0 <= where[0] <= where[1] <= len(transcript.text):
            return None
        return where

    def _gather_log(self, project: Project, coder: str) -> None:
        replay = CodingLog(project.codings_dir, coder).replay()
        self.problems += replay.problems
        self.problems += replay.orphans(self.codebook)
        known = set(self.codebook.code_ids)
        for (transcript_id, _, _, code_id), event in replay.codings(self.codebook).items():
            where = self._place(event, coder, replay.path) if code_id in known else None
            if where is not None:
                self._selection(transcript_id, *where)["codings"].append((coder, code_id, event.time))
        latest: dict[tuple, Event] = {}
        for event in replay.effective():
            if event.action == "memo":
                latest[(event.transcript_id, event.start, event.end, event.code_id)] = event
        for (transcript_id, start, end, code_id), event in latest.items():
            if not (event.memo or "").strip():
                continue  # a memo cleared by its coder
            memo = {"coder": coder, "text": event.memo, "time": event.time, "code_id": code_id,
                    "transcript_id": transcript_id if transcript_id in self.by_id else None, "span": None}
            if transcript_id is not None and transcript_id not in self.by_id:
                continue
            if memo["transcript_id"] and start is not None and end is not None:
                memo["span"] = self._place(event, coder, replay.path)
            memo["guid"] = self.guid("note", coder, transcript_id, start, end, code_id)
            self.memos.append(memo)

    # --- writing -------------------------------------------------------------------------------------------

    def variables(self, holder, values: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
        """Declare in ``holder`` a Variable per name in ``values`` (name -> every value written), typed from the
        declaration and the values: a date for the source's date, an integer when every value is a whole number
        and pleval.yaml lists no values for it, text otherwise."""
        declared = {}
        for name, written in values.items():
            attribute = self.declaration.attribute(name)
            if name == "date" and all(ISO_DATE.fullmatch(v) for v in written):
                kind = "Date"
            elif name not in TEXT_VARIABLES and name != self.site_key and not (attribute and attribute.values) \
                    and written and all(INTEGER.fullmatch(v) for v in written):
                kind = "Integer"
            else:
                kind = "Text"
            declared[name] = (self.guid("variable", name), kind)
            _element(holder, PROJECT_NS, "Variable", guid=declared[name][0], name=name, typeOfVariable=kind)
        return declared

    def value(self, parent, declared: dict, name: str, value) -> None:
        guid, kind = declared[name]
        element = _element(parent, PROJECT_NS, "VariableValue")
        _element(element, PROJECT_NS, "VariableRef", targetGUID=guid)
        _element(element, PROJECT_NS, VALUE_ELEMENTS[kind], str(value))

    def source_values(self, transcript, site_values: dict[str, str]) -> dict[str, str]:
        """The source's own variables: type, date, interviewer, mentions, and the attributes its site's case
        does not give (or gives otherwise)."""
        meta = transcript.meta
        values = {"type": meta.type, "date": meta.date.isoformat(), "interviewer": "; ".join(meta.interviewers)}
        if meta.mentions:
            values["mentions"] = "; ".join(f"{p.name} ({p.role})" if p.role else p.name for p in meta.mentions)
        for name, value in meta.attributes.items():
            if value != site_values.get(name):
                values[name] = value
        return values

    def cases(self) -> tuple[list[dict], dict[str, dict]]:
        """A case per site, named for it and holding its transcripts, with the site's key naming it and the
        attributes all its transcripts give alike as variables; a case per participant, with their role, site,
        label and attributes as variables and their notes as description."""
        sites: dict[str, dict] = {}
        people: dict[tuple, dict] = {}
        for transcript in self.transcripts:
            meta = transcript.meta
            where = {self.site_key: meta.site} if meta.site is not None else {}
            if meta.site is not None:
                site = sites.setdefault(meta.site, {
                    "guid": self.guid("case-site", meta.site), "name": meta.site, "sources": [],
                    "values": {**where, **meta.attributes}})
                site["sources"].append(transcript.id)
                shared = site["values"]  # what one transcript of the site says otherwise is the source's own
                for name in [n for n in shared if n != self.site_key and meta.attributes.get(n) != shared[n]]:
                    del shared[name]
            for person in meta.participants:
                values = {"role": person.role, **where, "label": person.label, **person.attributes}
                values = {k: v for k, v in values.items() if v is not None}
                identity = json.dumps([values, person.notes], sort_keys=True)
                key = (meta.site, person.name, identity)
                if key not in people:
                    first = not any(k[:2] == key[:2] for k in people)
                    guid = self.guid("case-person", meta.site, person.name, *([] if first else [identity]))
                    people[key] = {"guid": guid, "name": person.name, "values": values, "sources": [],
                                   "description": person.notes}
                people[key]["sources"].append(transcript.id)
        return [*sites.values(), *people.values()], sites

    def variable_order(self, written: list[dict[str, str]]) -> dict[str, list[str]]:
        """Every variable name used, with its values: the source's own first, then the site and its declared
        attributes, the others in the order met, then role and label and the declared participant
        attributes."""
        found: dict[str, list[str]] = {}
        for values in written:
            for name, value in values.items():
                found.setdefault(name, []).append(str(value))
        declared = self.declaration
        first = [*SOURCE_FIELDS, self.site_key, *[a.name for a in declared.site_attributes], "role", "label",
                 *[a.name for a in declared.participant_attributes]]
        order = [name for name in first if name in found] + [name for name in found if name not in first]
        return {name: found[name] for name in order}

    def document(self) -> tuple[bytes, dict[str, str], dict[str, int]]:
        root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS, "xsi": XSI})
        root.set(f"{{{XSI}}}schemaLocation", f"{PROJECT_NS} {SCHEMA_URL.format('Project')}")
        root.set("name", self.codebook.name)
        root.set("origin", f"pleval {__version__}")
        users = _element(root, PROJECT_NS, "Users")
        user_guid = {}
        for coder in [*self.coders, *([RULES] if self.rules and RULES not in self.coders else [])]:
            user_guid[coder] = self.guid("user", coder)
            _element(users, PROJECT_NS, "User", guid=user_guid[coder], name=coder, id=coder)
        code_notes = defaultdict(list)
        for memo in self.memos:
            if memo["code_id"] and not memo["transcript_id"] and memo["code_id"] in self.codebook.code_ids:
                code_notes[memo["code_id"]].append(memo["guid"])
        codebook = _element(root, PROJECT_NS, "CodeBook")
        code_count = _codes(codebook, PROJECT_NS, self.codebook, self.guid, code_notes)
        cases, sites = self.cases()
        source_values = {t.id: self.source_values(t, sites[t.meta.site]["values"] if t.meta.site in sites else {})
                         for t in self.transcripts}
        declared_holder = _element(root, PROJECT_NS, "Variables")
        declared = self.variables(declared_holder, self.variable_order([*[c["values"] for c in cases],
                                                                       *source_values.values()]))
        cases_element = _element(root, PROJECT_NS, "Cases")
        source_guid = {t.id: self.guid("source", t.id) for t in self.transcripts}
        for case in cases:
            element = _element(cases_element, PROJECT_NS, "Case", guid=case["guid"], name=case["name"])
            if case.get("description"):
                _element(element, PROJECT_NS, "Description", case["description"])
            for name, value in case["values"].items():
                self.value(element, declared, name, value)
            for transcript_id in dict.fromkeys(case["sources"]):
                _element(element, PROJECT_NS, "SourceRef", targetGUID=source_guid[transcript_id])
        notes_at = defaultdict(list)
        for memo in self.memos:
            if memo["span"] is not None:
                selection = self._selection(memo["transcript_id"], *memo["span"])
                coded = {(coder, code_id) for coder, code_id, _ in selection["codings"]}
                if memo["code_id"] and (memo["coder"], memo["code_id"]) in coded:  # a memo on one coding: on it
                    selection["coding_notes"].setdefault((memo["coder"], memo["code_id"]), []).append(memo["guid"])
                else:
                    selection["notes"].append(memo["guid"])
            elif memo["transcript_id"]:
                notes_at[memo["transcript_id"]].append(memo["guid"])
        by_transcript = defaultdict(list)
        for (transcript_id, start, end), selection in self.selections.items():
            if transcript_id in self.by_id:
                by_transcript[transcript_id].append((start, end, selection))
        sources = _element(root, PROJECT_NS, "Sources")
        texts, codings = {}, 0
        for transcript in self.transcripts:
            guid = source_guid[transcript.id]
            texts[guid] = transcript.text
            element = _element(sources, PROJECT_NS, "TextSource", guid=guid, name=transcript.id,
                               plainTextPath=f"internal://{guid}.txt")
            if transcript.meta.notes:
                _element(element, PROJECT_NS, "Description", transcript.meta.notes)
            for start, end, selection in sorted(by_transcript[transcript.id], key=lambda s: (s[0], s[1])):
                codings += self.selection(element, transcript.id, start, end, selection, user_guid)
            for note in notes_at[transcript.id]:
                _element(element, PROJECT_NS, "NoteRef", targetGUID=note)
            for name, value in source_values[transcript.id].items():
                self.value(element, declared, name, value)
        notes = _element(root, PROJECT_NS, "Notes")
        for memo in self.memos:
            note = _element(notes, PROJECT_NS, "Note", guid=memo["guid"], name=f"Memo by {memo['coder']}",
                            creatingUser=user_guid[memo["coder"]], creationDateTime=memo["time"])
            _element(note, PROJECT_NS, "PlainTextContent", memo["text"])
        codebook_note = _element(notes, PROJECT_NS, "Note", guid=self.guid("note", "codebook"), name=CODEBOOK_NOTE)
        _element(codebook_note, PROJECT_NS, "PlainTextContent", self.codebook_text)
        _element(root, PROJECT_NS, "Description",
                 f"Exported by pleval {__version__}.\nCodebook version: {self.codebook.version}")
        for memo in self.memos:
            if not memo["transcript_id"] and not memo["code_id"]:
                _element(root, PROJECT_NS, "NoteRef", targetGUID=memo["guid"])
        _element(root, PROJECT_NS, "NoteRef", targetGUID=self.guid("note", "codebook"))
        for holder in (users, declared_holder, cases_element, sources):
            if len(holder) == 0:  # the schema wants at least one of each, or no element
                root.remove(holder)
        counts = {"codes": code_count, "groups": len(self.codebook.groups), "sources": len(self.transcripts),
                  "selections": sum(len(v) for v in by_transcript.values()), "codings": codings,
                  "users": len(user_guid), "notes": len(self.memos), "cases": len(cases)}
        return _xml(root), texts, counts

    def selection(self, parent, transcript_id: str, start: int, end: int, selection: dict, user_guid: dict) -> int:
        element = _element(parent, PROJECT_NS, "PlainTextSelection",
                           guid=self.guid("selection", transcript_id, start, end), startPosition=start,
                           endPosition=end)
        order = {coder: number for number, coder in enumerate(user_guid)}
        unique = sorted(set((c, code) for c, code, _ in selection["codings"]), key=lambda c: (order[c[0]], c[1]))
        times = {(c, code): time for c, code, time in selection["codings"]}
        for coder, code_id in unique:
            coding = _element(element, PROJECT_NS, "Coding",
                              guid=self.guid("coding", transcript_id, start, end, code_id, coder),
                              creatingUser=user_guid[coder], creationDateTime=times[(coder, code_id)])
            _element(coding, PROJECT_NS, "CodeRef", targetGUID=self.guid("code", code_id))
            for note in selection["coding_notes"].get((coder, code_id), ()):
                _element(coding, PROJECT_NS, "NoteRef", targetGUID=note)
        for note in selection["notes"]:
            _element(element, PROJECT_NS, "NoteRef", targetGUID=note)
        return len(unique)


def export_project(project: Project, path: str | Path, *, rules: bool = True) -> RefiExport:
    """Write the project as a REFI-QDA .qdpx archive: project.qde and sources/<GUID>.txt.

    Parameters
    ----------
    project : Project
    path : str or Path
        The .qdpx file to write (atomically: it appears whole or not at all).
    rules : bool
        Include the rule coder's codings (``pleval code`` is run, reusing its cache).

    Returns
    -------
    RefiExport
        The counts of what was written and any problems (broken transcripts are skipped and reported).

    Raises
    ------
    CodebookError
        If the codebook is invalid.
    """
    path = Path(path)
    _writable(path)
    document = _ProjectDocument(project, rules)
    qde, texts, counts = document.document()
    with (
        atomic_write(path, "wb") as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        _add(archive, "project.qde", qde)
        for guid, text in texts.items():
            _add(archive, f"sources/{guid}.txt", text.encode("utf-8"))
    return RefiExport(path, counts, document.problems)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
