"""Merge the codes of a REFI-QDA file into the project's codebook, without overwriting anything.

REFI codes form a tree; pleval has flat groups and codes with an optional parent. A top-level code that
cannot be coded (``isCodable="false"``, how pleval exports its groups) becomes a group; every other code
becomes a code, nested codes keeping their parent. A new code's group is, in this order: the one its
description names (``Group:``), the group it sits in, the Set it belongs to (how ATLAS.ti groups codes), or a
group named for the tool it came from.

A code matches an existing one by the id in its description (``Code id:``), else by name (the code's label or
id, ignoring case; among codes of the same name, the one with the same parent). Matched codes are left exactly
as they are; where the file says something else (definition, colour, parent...), a warning names the
difference. New groups and codes are appended at the end of the ``groups:`` and ``codes:`` lists as YAML text,
so the file's comments and order are kept; the result is checked to read back as intended, and is otherwise
written whole (with a warning that comments were lost).

A new code without a description gets a definition saying so, so the codebook still validates and the gap
is visible; a code without a colour takes its parent's or one from a colour-blind-safe palette.

A file exported by pleval also carries the codebook file itself, as a project note (REFI has no place for a
code's rules, survey items or questions). New codes take those fields from it; and a project that has no
codebook yet gets that file back byte for byte, comments included, when its codes are the ones in the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import Problem, RefiWarning
from ..schema import COLOUR, PALETTE, Code, Codebook, CodeGroup
from .description import parse_description
from .reader import RefiCode, RefiFile, RefiSet

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: the codebook can be long
CODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COMPARED = ("definition", "when_to_use", "when_not_to_use", "examples")
EXCHANGED = ("id", "label", "group", "parent", "colour", "definition", "when_to_use", "when_not_to_use", "examples")
PLEVAL_ONLY = ("rules", "survey_items", "questions", "renamed_from")


@dataclass
class CodebookMerge:
    """What importing a file's codes does to the codebook."""

    text: str | None  # the new codebook.yaml, or None when nothing changes
    code_ids: dict[str, str] = field(default_factory=dict)  # REFI code GUID -> pleval code id
    group_codes: set[str] = field(default_factory=set)  # REFI codes that became (or matched) groups
    added_codes: list[str] = field(default_factory=list)
    added_groups: list[str] = field(default_factory=list)
    matched_codes: list[str] = field(default_factory=list)
    matched_groups: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def slug(name: str, separator: str = "_") -> str:
    """``name`` folded to lower-case ASCII letters, digits and ``separator``."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", separator, folded).strip(separator)


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _code_id(name: str) -> str:
    base = slug(name)[:60].strip("_") or "code"
    return base if base[0].isalpha() else f"code_{base}"


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return [" ".join(str(x).split()) for x in a or []] == [" ".join(str(x).split()) for x in b or []]
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


class _Merger:
    def __init__(self, refi: RefiFile, codebook: Codebook | None, codebook_path: Path, embedded: dict | None):
        self.refi = refi
        self.embedded = {c.get("id"): c for c in (embedded or {}).get("codes") or [] if isinstance(c, dict)}
        self.path = codebook_path
        self.codes = {code.id: code for code in codebook.codes} if codebook else {}
        self.groups = {group.id: group for group in codebook.groups} if codebook else {}
        self.code_taken = set(self.codes) | {old for code in self.codes.values() for old in code.renamed_from}
        self.group_taken = set(self.groups)
        self.new_codes: list[dict] = []
        self.new_groups: list[dict] = []
        self.result = CodebookMerge(None)
        self.used: set[str] = set()  # existing codes already matched by a code of the file
        self.set_of: dict[str, RefiSet] = {}  # code GUID -> the first set it is a member of
        for refi_set in refi.sets:
            for member in refi_set.codes:
                self.set_of.setdefault(member, refi_set)
        self.set_groups: dict[str, str] = {}
        self.fallback: str | None = None
        self.colour_of: dict[str, str] = {code.id: code.colour for code in self.codes.values()}
        self.group_of: dict[str, str] = {code.id: code.group for code in self.codes.values()}
        self.parent_of: dict[str, str | None] = {code.id: code.parent for code in self.codes.values()}
        self.undefined = 0

    def warn(self, message: str, fix: str | None = None) -> None:
        self.result.problems.append(RefiWarning(message, path=self.path, fix=fix))

    # --- groups --------------------------------------------------------------------------------------------

    def _find_group(self, name: str, group_id: str | None) -> str | None:
        if group_id in self.groups or any(g["id"] == group_id for g in self.new_groups):
            return group_id
        key = name.strip().casefold()
        for gid, group in self.groups.items():
            if key in (gid.casefold(), group.label.casefold()):
                return gid
        for entry in self.new_groups:
            if key in (entry["id"].casefold(), entry["label"].casefold()):
                return entry["id"]
        return None

    def _new_group(self, name: str, description: str, wanted: str | None = None) -> str:
        base = wanted if wanted and wanted not in self.group_taken else (slug(name) or "group")
        gid = _unique(base, self.group_taken)
        entry = {"id": gid, "label": name.strip() or gid}
        if description:
            entry["description"] = description
        self.new_groups.append(entry)
        self.result.added_groups.append(gid)
        return gid

    def group_from_code(self, code: RefiCode) -> str:
        fields = parse_description(code.description)
        found = self._find_group(code.name, fields.get("group_id"))
        if found is None:
            return self._new_group(code.name, fields.get("definition", ""), fields.get("group_id"))
        if found in self.groups:
            self.result.matched_groups.append(found)
            theirs = fields.get("definition")
            if theirs and not _same(theirs, self.groups[found].description):
                self.warn(f"group '{found}': the file's description differs from the codebook's; the codebook's is "
                          "kept", "edit data/codebook.yaml if the file's is better")
        return found

    def group_from_set(self, code: RefiCode) -> str | None:
        refi_set = self.set_of.get(code.guid)
        if refi_set is None:
            return None
        if refi_set.guid not in self.set_groups:
            found = self._find_group(refi_set.name, None)
            self.set_groups[refi_set.guid] = found or self._new_group(refi_set.name, refi_set.description or "")
        return self.set_groups[refi_set.guid]

    def fallback_group(self) -> str:
        if self.fallback is None:
            tool = self.refi.origin.split()[0] if self.refi.origin.strip() else "refi"
            label = f"Imported from {self.refi.origin.strip() or self.refi.path.name}"
            self.fallback = self._find_group(label, None) or self._new_group(
                label, f"Codes that {self.refi.path.name} placed in no group.", f"imported_{slug(tool)}")
        return self.fallback

    # --- codes ---------------------------------------------------------------------------------------------

    def _match(self, code: RefiCode, fields: dict, parent: str | None) -> str | None:
        if fields.get("id") in self.codes and fields["id"] not in self.used:
            return fields["id"]
        key = code.name.strip().casefold()
        candidates = [cid for cid, c in self.codes.items()
                      if cid not in self.used and key in (cid.casefold(), c.label.casefold())]
        if len(candidates) > 1:
            same_parent = [cid for cid in candidates if self.codes[cid].parent == parent]
            candidates = same_parent or candidates
            if len(candidates) > 1:
                self.warn(f"code '{code.name}' in the file matches {len(candidates)} codes "
                          f"({', '.join(candidates)}); it was taken as '{candidates[0]}'",
                          "give the codes distinct labels, or a 'Code id:' line in the file's description")
        return candidates[0] if candidates else None

    def _conflicts(self, code: RefiCode, fields: dict, cid: str, parent: str | None, group: str | None) -> None:
        existing = self.codes[cid]
        differ = [name for name in COMPARED if name in fields and not _same(fields[name], getattr(existing, name))]
        if code.colour and COLOUR.match(code.colour) and code.colour.casefold() != existing.colour.casefold():
            differ.append("colour")
        if fields.get("id") == cid and code.name.strip() and not _same(code.name, existing.label):
            differ.append("label")
        if parent != existing.parent:
            differ.append("parent")
        if group is not None and group != existing.group:
            differ.append("group")
        if differ:
            self.warn(f"code '{cid}': the file's {', '.join(differ)} differ(s) from the codebook's; the codebook's "
                      "are kept", "edit data/codebook.yaml by hand if the file's are better")

    def code(self, code: RefiCode, parent: str | None, context_group: str | None) -> str:
        fields = parse_description(code.description)
        cid = self._match(code, fields, parent)
        named_group = fields.get("group") if fields.get("group") in self.group_taken else None
        if cid is not None:
            self.used.add(cid)
            self.result.matched_codes.append(cid)
            self._conflicts(code, fields, cid, parent, named_group or context_group)
            return cid
        wanted = fields.get("id") if CODE_ID.match(fields.get("id", "")) else None
        base = wanted if wanted and wanted not in self.code_taken else _code_id(code.name)
        if base in self.code_taken and parent and not wanted:
            base = f"{parent}_{base}"[:80]
        cid = _unique(base, self.code_taken)
        group = named_group or context_group or self.group_from_set(code) or self.fallback_group()
        colour = code.colour if code.colour and COLOUR.match(code.colour) else (
            self.colour_of[parent] if parent else PALETTE[len(self.new_codes) % len(PALETTE)])
        entry = {"id": cid, "label": code.name.strip() or cid, "group": group}
        if parent:
            entry["parent"] = parent
        entry["colour"] = colour
        if fields.get("definition"):
            entry["definition"] = fields["definition"]
        else:
            self.undefined += 1
            entry["definition"] = (f"No definition: imported from {self.refi.path.name} "
                                   f"({self.refi.origin.strip() or 'REFI-QDA'}) without a description.")
        for name in ("when_to_use", "when_not_to_use", "examples"):
            if fields.get(name):
                entry[name] = fields[name]
        kept = self.embedded.get(cid, {})
        for name in PLEVAL_ONLY if kept.get("label") == entry["label"] else ():
            value = kept.get(name)
            if name == "renamed_from" and value:  # an old id that is a code here would not validate
                value = [old for old in value if old not in self.code_taken]
            if value:
                entry[name] = value
        self.new_codes.append(entry)
        self.result.added_codes.append(cid)
        self.colour_of[cid], self.group_of[cid], self.parent_of[cid] = colour, group, parent
        return cid

    def walk(self, code: RefiCode, parent: str | None, group: str | None, top: bool) -> None:
        if top and not code.codable:
            gid = self.group_from_code(code)
            self.result.group_codes.add(code.guid)
            for child in code.children:
                self.walk(child, None, gid, False)
            return
        cid = self.code(code, parent, group)
        self.result.code_ids[code.guid] = cid
        inherited = self.group_of.get(cid)
        for child in code.children:  # a child in a group of its own (a Set) is not held by the fallback group
            self.walk(child, cid, None if inherited == self.fallback else inherited, False)


def merge_codebook(refi: RefiFile, codebook: Codebook | None, text: str | None, path: Path,
                   embedded: str | None = None) -> CodebookMerge:
    """Plan the merge of ``refi``'s codes into ``codebook`` (read from ``text`` at ``path``; both None when the
    project has no codebook yet). ``embedded`` is the codebook file a pleval export carries. Nothing is written:
    the caller validates ``result.text`` and commits it."""
    try:
        embedded_data = yaml.load(embedded, Loader=_Loader) if embedded else None
    except yaml.YAMLError:
        embedded_data = None
    embedded_data = embedded_data if isinstance(embedded_data, dict) else None
    merger = _Merger(refi, codebook, path, embedded_data)
    for code in refi.codes:
        merger.walk(code, None, None, True)
    result = merger.result
    if merger.undefined:
        merger.warn(f"{merger.undefined} new code(s) had no description; their definition says so",
                    "write their definitions in data/codebook.yaml")
    if not merger.new_codes and not merger.new_groups:
        return result
    if text is None:
        same = embedded_data is not None and _same_codes(embedded_data, merger.new_groups, merger.new_codes)
        result.text = embedded if same else _new_codebook(refi, merger.new_groups, merger.new_codes)
        return result
    try:
        result.text = _appended(text, merger.new_groups, merger.new_codes, refi.path.name)
    except _CannotAppend:
        data = yaml.load(text, Loader=_Loader)
        data["groups"] = list(data.get("groups") or []) + merger.new_groups
        data["codes"] = list(data.get("codes") or []) + merger.new_codes
        result.text = _dump(data)
        merger.warn("the codebook's layout could not be extended in place, so it was rewritten whole and its "
                    "comments were lost", "restore the comments from version control if you need them")
    return result


def _same_codes(data: dict, groups: list[dict], codes: list[dict]) -> bool:
    """Whether a codebook file holds exactly these groups and codes (on the fields REFI carries)."""
    try:
        theirs = [Code.model_validate(c).model_dump(include=set(EXCHANGED)) for c in data.get("codes") or []]
        ours = [Code.model_validate(c).model_dump(include=set(EXCHANGED)) for c in codes]
        return theirs == ours and [CodeGroup.model_validate(g) for g in data.get("groups") or []] == [
            CodeGroup.model_validate(g) for g in groups]
    except ValueError:
        return False


class _Dumper(yaml.SafeDumper):
    """Indents lists inside mappings, as the sample codebook is written."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)


def _new_codebook(refi: RefiFile, groups: list[dict], codes: list[dict]) -> str:
    version = "1"
    found = re.search(r"^Codebook version:[ \t]*(\S.*)$", refi.description or "", re.M)
    if found:
        version = found.group(1).strip()
    name = (refi.name or "").strip() or refi.path.stem
    header = f"# Codebook imported from {refi.path.name} ({refi.origin.strip() or 'REFI-QDA'}) by pleval.\n\n"
    return header + _dump({"name": name, "version": version, "groups": groups, "codes": codes})


class _CannotAppend(Exception):
    """The YAML is laid out in a way that text cannot simply be appended to its lists."""


def _append_items(text: str, key: str, items: list[dict], note: str) -> str:
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise _CannotAppend(key)
    sequence = next((value for name, value in root.value if name.value == key), None)
    if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style or not sequence.value:
        raise _CannotAppend(key)
    lines = text.split("\n")
    first = sequence.value[0].start_mark
    dash = lines[first.line].rfind("-", 0, first.column)
    if dash < 0 or lines[first.line][:dash].strip():
        raise _CannotAppend(key)
    last = sequence.value[-1]
    while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    end = last.end_mark
    at = end.line if end.column == 0 else end.line + 1
    block = [" " * dash + f"# added by pleval import refi from {note}"]
    block += [(" " * dash + line) if line else line for line in _dump(items).rstrip("\n").split("\n")]
    return "\n".join(lines[:at] + block + lines[at:])


def _appended(text: str, groups: list[dict], codes: list[dict], note: str) -> str:
    original = yaml.load(text, Loader=_Loader)
    new = text if text.endswith("\n") else text + "\n"
    for key, items in (("groups", groups), ("codes", codes)):
        if items:
            new = _append_items(new, key, items, note)
    expected = dict(original)
    expected["groups"] = list(original.get("groups") or []) + groups
    expected["codes"] = list(original.get("codes") or []) + codes
    try:
        if yaml.load(new, Loader=_Loader) != expected:
            raise _CannotAppend("the result reads back differently")
    except yaml.YAMLError:
        raise _CannotAppend("the result is not valid YAML") from None
    return new
