"""Read a REFI-QDA codebook (.qdc) or project (.qdpx archive, or a bare .qde) into plain records.

Reading is tolerant of what real tools write (see ../shared/refi-qda/README.md): any namespace version
(``codebook:0:4``, ``codebook:1:0``, ``project:1:0``) and none, an inner .qde not named project.qde,
``Sources/`` or ``sources/``, ``plainTextPath`` with or without ``internal://``, GUIDs in braces or any case,
a BOM and CRLF in source text, a placeholder .txt whose text is only in the .docx, an empty ``<Sets/>``.
What cannot be read at all (not XML, not a REFI root, a coding that names no code) raises :class:`RefiError`
naming the file and line; what is skipped is reported as a :class:`RefiWarning`.

Source text is kept as the file has it (BOM removed, line endings untouched), because the positions of
selections count characters in that text; :mod:`pleval.refi.positions` turns them into offsets.
"""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal, overload

from lxml import etree

from ..errors import PlevalError, Problem, RefiError, RefiWarning
from ..inputs.text import decode

TEXT_SOURCE = "TextSource"
OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class RefiCode:
    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str | None
    notes: list[str]
    children: list[RefiCode]
    line: int | None


@dataclass
class RefiSet:
    guid: str
    name: str
    description: str | None
    codes: list[str]


@dataclass
class RefiUser:
    guid: str
    name: str | None
    id: str | None


@dataclass
class RefiCoding:
    guid: str
    code: str  # the code's GUID
    user: str | None
    time: str | None
    notes: list[str]
    line: int | None


@dataclass
class RefiSelection:
    guid: str
    start: int
    end: int
    user: str | None
    description: str | None
    codings: list[RefiCoding]
    notes: list[str]
    line: int | None


@dataclass
class RefiSource:
    """A text source. ``text`` is None when the file does not carry it (``missing`` says why)."""

    guid: str
    name: str
    text: str | None
    text_from: str  # "txt", "docx" or "content"
    missing: str | None
    description: str | None
    user: str | None
    created: str | None
    modified: str | None
    selections: list[RefiSelection]
    codings: list[RefiCoding]  # codings of the whole source
    notes: list[str]
    variables: dict[str, object]  # variable GUID -> value
    line: int | None


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str


@dataclass
class RefiCase:
    guid: str
    name: str
    description: str | None
    variables: dict[str, object]
    sources: list[str]
    selections: list[str]


@dataclass
class RefiNote:
    guid: str
    name: str | None
    text: str | None
    missing: str | None
    user: str | None
    time: str | None


@dataclass
class RefiFile:
    """Everything pleval takes from a REFI-QDA file."""

    path: Path
    kind: str  # "codebook" or "project"
    origin: str
    name: str | None
    description: str | None
    codes: list[RefiCode]  # the top of the code tree
    sets: list[RefiSet]
    users: list[RefiUser] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    variables: dict[str, RefiVariable] = field(default_factory=dict)
    cases: list[RefiCase] = field(default_factory=list)
    notes: dict[str, RefiNote] = field(default_factory=dict)
    project_notes: list[str] = field(default_factory=list)
    other_sources: dict[str, int] = field(default_factory=dict)  # kind -> how many, not imported
    problems: list[Problem] = field(default_factory=list)
    qde: str | None = None  # the project document's name inside an archive
    created: str | None = None  # the project's creation (or else modification) date-time, as written
    file_date: str | None = None  # when the project document was written (its date in the archive, or on disk)

    def all_codes(self) -> list[RefiCode]:
        """Every code, parents before their children, in document order."""
        found, stack = [], list(reversed(self.codes))
        while stack:
            code = stack.pop()
            found.append(code)
            stack.extend(reversed(code.children))
        return found

    def selection_count(self) -> int:
        return sum(len(s.selections) for s in self.sources)

    def coding_count(self) -> int:
        return sum(len(sel.codings) for s in self.sources for sel in s.selections) + sum(
            len(s.codings) for s in self.sources)


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child) == name]


def _child(element, name: str):
    return next((child for child in element if _local(child) == name), None)


def _text(element, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else (child.text or "")


@overload
def guid_key(value: str) -> str: ...
@overload
def guid_key(value: None) -> None: ...
@overload
def guid_key(value: str | None) -> str | None: ...
def guid_key(value: str | None) -> str | None:
    """A GUID as pleval compares them: without braces, lower case."""
    return None if value is None else value.strip().strip("{}").lower()


class _Reader:
    def __init__(self, path: Path, shown: Path, files, where: str):
        self.path = path
        self.where = where  # where internal files are looked for, for messages
        self.shown = shown  # the path errors name (archive/inner.qde)
        self.files = files  # name -> bytes, or None when not found
        self.problems: list[Problem] = []

    def error(self, message: str, element=None, fix: str | None = None) -> RefiError:
        line = element.sourceline if element is not None else None
        return RefiError(message, path=self.shown, line=line, fix=fix)

    def warn(self, message: str, element=None, fix: str | None = None) -> None:
        line = element.sourceline if element is not None else None
        self.problems.append(RefiWarning(message, path=self.shown, line=line, fix=fix))

    @overload
    def attribute(self, element, name: str, required: Literal[True] = True) -> str: ...
    @overload
    def attribute(self, element, name: str, required: bool) -> str | None: ...
    def attribute(self, element, name: str, required: bool = True) -> str | None:
        value = element.get(name)
        if value is None and required:
            raise self.error(f"<{_local(element)}> has no '{name}' attribute", element,
                             "the file is damaged or not REFI-QDA; export it again")
        return value

    def guid(self, element, name: str = "guid") -> str:
        return guid_key(self.attribute(element, name))

    def position(self, element, name: str) -> int:
        value = self.attribute(element, name)
        try:
            return int(value)
        except ValueError:
            raise self.error(f"{name}='{value}' is not a whole number", element) from None

    def notes(self, element) -> list[str]:
        return [self.guid(ref, "targetGUID") for ref in _children(element, "NoteRef")]

    # --- codebook --------------------------------------------------------------------------------------

    def code(self, element) -> RefiCode:
        codable = (self.attribute(element, "isCodable", required=False) or "true").strip().lower()
        return RefiCode(
            guid=self.guid(element),
            name=self.attribute(element, "name"),
            codable=codable in ("true", "1"),
            colour=element.get("color"),
            description=_text(element, "Description"),
            notes=self.notes(element),
            children=[self.code(child) for child in _children(element, "Code")],
            line=element.sourceline,
        )

    def sets(self, root) -> list[RefiSet]:
        holder = _child(root, "Sets")
        if holder is None:
            return []
        found = []
        for element in _children(holder, "Set"):
            members = [guid_key(m.get("targetGUID") or m.get("guid")) for m in _children(element, "MemberCode")]
            found.append(RefiSet(self.guid(element), self.attribute(element, "name"),
                                 _text(element, "Description"), [m for m in members if m]))
        if not found:
            self.warn("the <Sets> element is empty (the schema asks for at least one <Set>); it was ignored",
                      holder, "nothing to do: no codes are lost")
        return found

    def codebook(self, root) -> list[RefiCode]:
        holder = _child(root, "Codes")
        if holder is None:
            raise self.error("the codebook has no <Codes> element", root, "export the codebook again")
        return [self.code(child) for child in _children(holder, "Code")]

    # --- project ---------------------------------------------------------------------------------------

    def value(self, element):
        reference = _child(element, "VariableRef")
        if reference is None:
            raise self.error("<VariableValue> has no <VariableRef>", element)
        for kind in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
            raw = _text(element, kind)
            if raw is None:
                continue
            raw = raw.strip() if kind != "TextValue" else raw
            try:
                if kind == "BooleanValue":
                    return self.guid(reference, "targetGUID"), raw.lower() in ("true", "1")
                if kind == "IntegerValue":
                    return self.guid(reference, "targetGUID"), int(raw)
                if kind == "FloatValue":
                    return self.guid(reference, "targetGUID"), float(raw)
            except ValueError:
                raise self.error(f"<{kind}> '{raw}' is not a {kind[:-5].lower()}", element) from None
            return self.guid(reference, "targetGUID"), raw
        return self.guid(reference, "targetGUID"), None

    def variables_of(self, element) -> dict[str, object]:
        return dict(self.value(v) for v in _children(element, "VariableValue"))

    def coding(self, element) -> RefiCoding:
        reference = _child(element, "CodeRef")
        if reference is None:
            raise self.error("<Coding> has no <CodeRef>", element)
        return RefiCoding(self.guid(element), self.guid(reference, "targetGUID"), guid_key(element.get("creatingUser")),
                          element.get("creationDateTime"), self.notes(element), element.sourceline)

    def selection(self, element) -> RefiSelection:
        return RefiSelection(
            guid=self.guid(element),
            start=self.position(element, "startPosition"),
            end=self.position(element, "endPosition"),
            user=guid_key(element.get("creatingUser")),
            description=_text(element, "Description"),
            codings=[self.coding(c) for c in _children(element, "Coding")],
            notes=self.notes(element),
            line=element.sourceline,
        )

    def internal(self, reference: str | None) -> tuple[bytes | None, str | None]:
        """The bytes of an internal file, or None and why not."""
        if not reference:
            return None, None
        name = reference.strip()
        if name.lower().startswith("internal://"):
            name = name[len("internal://"):]
        elif "://" in name:
            return None, f"its text is an external file ({reference}), which pleval does not follow"
        name = name.replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(name).parts:
            return None, f"its path {reference} leaves the archive"
        data = self.files(name)
        if data is None:
            return None, f"its file {name} is not {self.where}"
        return data, None

    def source_text(self, element) -> tuple[str | None, str, str | None]:
        content = _text(element, "PlainTextContent")
        if content is not None:
            return (content, "content", None) if content.strip() else (None, "content", "its text is empty")
        text, why = None, None
        data, why = self.internal(element.get("plainTextPath"))
        if data is not None:
            text, warnings = _decoded(data, self.shown.parent / element.get("plainTextPath"))
            for warning in warnings:
                self.warn(f"the text of '{element.get('name') or element.get('guid')}' is not UTF-8; it was read "
                          "as Windows-1252", element, warning.fix)
            if not text.strip():
                text, why = None, f"its text file {element.get('plainTextPath')} is empty"
        rich = element.get("richTextPath") or ""
        if text is None and rich.lower().endswith(".docx"):
            docx, docx_why = self.internal(rich)
            if docx is not None:
                paragraphs = _docx_paragraphs(docx, self.shown.parent / rich)
                if paragraphs is not None and "".join(paragraphs).strip():
                    return "\n".join(paragraphs), "docx", None
                why = (why + " and" if why else "its") + f" Word file {rich} has no text"
            elif why is None:
                why = docx_why
        if text is None:
            return None, "txt", why or "it names no text file"
        return text, "txt", None

    def source(self, element) -> RefiSource:
        text, text_from, missing = self.source_text(element)
        return RefiSource(
            guid=self.guid(element),
            name=element.get("name") or self.guid(element),
            text=text,
            text_from=text_from,
            missing=missing,
            description=_text(element, "Description"),
            user=guid_key(element.get("creatingUser")),
            created=element.get("creationDateTime"),
            modified=element.get("modifiedDateTime"),
            selections=[self.selection(s) for s in _children(element, "PlainTextSelection")],
            codings=[self.coding(c) for c in _children(element, "Coding")],
            notes=self.notes(element),
            variables=self.variables_of(element),
            line=element.sourceline,
        )

    def note(self, element) -> RefiNote:
        text, _, missing = self.source_text(element)
        return RefiNote(self.guid(element), element.get("name"), text, missing,
                        guid_key(element.get("creatingUser")), element.get("creationDateTime"))

    def project(self, root, refi: RefiFile) -> None:
        users = _child(root, "Users")
        refi.users = [RefiUser(self.guid(u), u.get("name"), u.get("id")) for u in _children(users, "User")] \
            if users is not None else []
        codebook = _child(root, "CodeBook")
        refi.codes = self.codebook(codebook) if codebook is not None else []
        variables = _child(root, "Variables")
        for element in _children(variables, "Variable") if variables is not None else []:
            variable = RefiVariable(self.guid(element), self.attribute(element, "name"),
                                    element.get("typeOfVariable") or "Text")
            refi.variables[variable.guid] = variable
        cases = _child(root, "Cases")
        for element in _children(cases, "Case") if cases is not None else []:
            refi.cases.append(RefiCase(
                self.guid(element), element.get("name") or "", _text(element, "Description"),
                self.variables_of(element),
                [self.guid(r, "targetGUID") for r in _children(element, "SourceRef")],
                [self.guid(r, "targetGUID") for r in _children(element, "SelectionRef")],
            ))
        sources = _child(root, "Sources")
        for element in sources if sources is not None else []:
            kind = _local(element)
            if kind == TEXT_SOURCE:
                refi.sources.append(self.source(element))
            elif kind in OTHER_SOURCES:
                refi.other_sources[kind] = refi.other_sources.get(kind, 0) + 1
        for kind, count in refi.other_sources.items():
            self.warn(f"{count} {kind}(s) skipped: pleval imports text sources only", sources)
        notes = _child(root, "Notes")
        for element in _children(notes, "Note") if notes is not None else []:
            note = self.note(element)
            refi.notes[note.guid] = note
        refi.project_notes = self.notes(root)
        refi.sets = self.sets(root)


def _decoded(data: bytes, path: Path) -> tuple[str, list]:
    """Source text as the tool wrote it: UTF-8 (or UTF-16 with a BOM), BOM removed, line endings kept."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), []
    try:
        return decode(data, path)  # UTF-8 with or without BOM; Windows-1252 as a last resort, with a warning
    except PlevalError as error:
        raise RefiError(f"a text file is neither UTF-8 nor Windows-1252 ({error.message})", path=path,
                        fix="export the project again with UTF-8 text") from None


def _docx_paragraphs(data: bytes, path: Path) -> list[str] | None:
    from ..inputs.readers import read_docx

    try:
        return read_docx(path, data).body.split("\n")
    except PlevalError:
        return None


def _parse_xml(data: bytes, shown: Path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (None, None)
        raise RefiError(f"not well-formed XML: {error.msg}", path=shown, line=line, column=column,
                        fix="export the file again from the tool that made it") from None


def _archive(path: Path) -> tuple[bytes, str, Callable[[str], bytes | None], str]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise RefiError(f"not a readable .qdpx archive ({error})", path=path,
                        fix="a .qdpx is a zip file; export the project again") from None
    with archive:
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        documents = [name for name in members if name.lower().endswith(".qde")]
        preferred = [name for name in documents if PurePosixPath(name).name.lower() == "project.qde"]
        if not documents:
            raise RefiError("the archive holds no .qde project document", path=path,
                            fix="export the project again as REFI-QDA (.qdpx)")
        if len(documents) > 1 and len(preferred) != 1:
            raise RefiError(f"the archive holds {len(documents)} .qde documents ({', '.join(sorted(documents))}) "
                            "and none is project.qde", path=path, fix="export one project per .qdpx")
        inner = (preferred or documents)[0]
        year, month, day = members[inner].date_time[:3]
        contents = {name.lower(): archive.read(name) for name in members}
    folder = str(PurePosixPath(inner).parent)
    folder = "" if folder == "." else folder + "/"

    def find(name: str) -> bytes | None:
        for candidate in (f"{folder}sources/{name}", f"sources/{name}", f"{folder}{name}", name):
            if candidate.lower() in contents:
                return contents[candidate.lower()]
        return None

    return contents[inner.lower()], inner, find, f"{year:04d}-{month:02d}-{day:02d}"


def _folder(path: Path):
    """Internal files of a bare .qde: in a sources/ (or Sources/) folder beside it, or beside it."""
    listing: dict[str, Path] = {}
    for folder in (path.parent, path.parent / "sources", path.parent / "Sources"):
        if folder.is_dir():
            for item in folder.iterdir():
                if item.is_file():
                    listing.setdefault((folder.name.lower() + "/" if folder != path.parent else "")
                                       + item.name.lower(), item)

    def find(name: str) -> bytes | None:
        for candidate in (f"sources/{name}", name):
            if candidate.lower() in listing:
                return listing[candidate.lower()].read_bytes()
        return None

    return find


def read_refi(path: str | Path) -> RefiFile:
    """Read a .qdc, .qdpx or .qde file.

    Raises
    ------
    RefiError
        If the file is missing, not a zip or XML document, or not REFI-QDA, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise RefiError("file not found", path=path, fix="check the file name")
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK"):
        data, inner, find, written = _archive(path)
        shown, where = path / inner, f"in {path.name}"
    else:
        data, inner, find, shown = path.read_bytes(), None, _folder(path), path
        where = f"in a sources/ folder beside {path.name}"
        written = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    root = _parse_xml(data, shown)
    reader = _Reader(path, shown, find, where)
    kind = _local(root)
    origin = root.get("origin") or ""
    if kind == "CodeBook":
        refi = RefiFile(path, "codebook", origin, None, None, reader.codebook(root), reader.sets(root), qde=inner)
    elif kind == "Project":
        refi = RefiFile(path, "project", origin, root.get("name"), _text(root, "Description"), [], [], qde=inner)
        reader.project(root, refi)
    else:
        raise RefiError(f"the document's root element is <{kind}>, not <CodeBook> or <Project>", path=shown,
                        line=root.sourceline, fix="import a REFI-QDA codebook (.qdc) or project (.qdpx)")
    refi.problems = reader.problems
    refi.created = root.get("creationDateTime") or root.get("modifiedDateTime")
    refi.file_date = written
    _check_references(refi, shown)
    return refi


def _check_references(refi: RefiFile, shown: Path) -> None:
    """Every coding must name a code the file defines: otherwise the file is broken, and nothing is imported."""
    codes = {code.guid for code in refi.all_codes()}
    for source in refi.sources:
        for coding in [c for s in source.selections for c in s.codings] + source.codings:
            if coding.code not in codes:
                raise RefiError(f"a coding in source '{source.name}' names code {coding.code}, which the file "
                                "does not define", path=shown, line=coding.line,
                                fix="export the project again with its codebook")
