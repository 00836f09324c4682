"""Turn a REFI-QDA text source into a pleval transcript: its metadata and its speaker turns.

**Metadata** comes, from weakest to strongest, from the defaults of a ``--metadata`` file, the Cases holding the
source (read as the site or as participants by :mod:`pleval.refi.cases`: the site's case names the transcript's
site, under the key pleval.yaml declares, and its variables become site attributes; each participant's case a
participant, its variables their attributes), the source's own variables (type, date, interviewer, mentions,
notes, the site; any other is an attribute), and the ``sources:`` entry for this source in the metadata file.
Nothing is dropped: a variable pleval.yaml does not declare is kept as an attribute under its own name, and
reported once. What nothing gives is filled so that the transcript is valid, and reported: the type (an
interview for one participant, a focus group for more), the date (the source's creation date, else the file's),
the interviewer (:data:`UNKNOWN_INTERVIEWER`, to correct). What pleval.yaml requires and nothing gives (say a
clinic's state), or a value outside its declared values, is reported for every source at once, and nothing is
imported.

**Speakers.** If the text has speaker labels (``Name:`` at the start of a line) it is kept as it is, and labels
that name nobody in the cases become participants with role ``other`` (reported). If it has none, every
non-blank line is prefixed with ``Respondent:``, so each paragraph becomes a turn of the one participant (or of
an "Unattributed" participant when there are several). The prefixes shift offsets: :class:`LabelShift` moves
each coded span so that it covers the same words; a span over several paragraphs also covers the labels added
inside it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import NoSpeakersError, Problem, RefiError, RefiWarning, UnknownSpeakerError
from ..inputs.readers import Source
from ..inputs.transcripts import INTERVIEWER_LABELS, LABEL, RESPONDENT_LABELS, split_turns
from ..schema import SITE, TRANSCRIPT_KEYS, Declaration, TranscriptMeta, check_safe_id
from .cases import CaseIndex, ReadCase, declared_role, declared_value, read_cases, variable_keys, variable_values
from .merge import slug
from .reader import RefiFile, RefiSource

RESPONDENT = "Respondent"
PREFIX = f"{RESPONDENT}: "
#: The interviewer of a source nobody says who interviewed: a placeholder to correct, which no label matches.
UNKNOWN_INTERVIEWER = "[unknown]"
#: Transcript metadata a source's own variables fill; any other variable is an attribute.
SOURCE_FIELDS = ("type", "date", "interviewer", "mentions", "notes")
TYPES = ("interview", "focus_group")
#: Keys of a participant that a variable fills as such (any other is an attribute).
PERSON_FIELDS = ("role", "label", "notes")


def mentions_from(text: str) -> list[dict]:
    """``Rosa Diaz (clinic_manager); Tom`` -> people, as pleval exports mentions."""
    people = []
    for part in str(text).split(";"):
        part = part.strip()
        if not part:
            continue
        if part.endswith(")") and " (" in part:
            name, role = part[:-1].rsplit(" (", 1)
            people.append({"name": name.strip(), "role": role.strip()})
        else:
            people.append({"name": part})
    return people


def load_defaults(path: str | Path | None) -> tuple[dict, dict]:
    """The ``--metadata`` file: defaults for every source, and ``sources:`` entries by source name or id.

    Any key is metadata: the built-in ones (type, date, interviewer, participants...), the site under its
    declared key, and attributes.

    Raises
    ------
    RefiError
        If the file cannot be read or is not a mapping of metadata.
    """
    if path is None:
        return {}, {}
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise RefiError(f"cannot read the metadata file ({error})", path=path,
                        fix="write a YAML mapping of metadata, e.g. 'interviewer: Dana Ruiz'") from None
    if not isinstance(data, dict):
        raise RefiError("the metadata file must be a YAML mapping", path=path, fix="write 'key: value' lines")
    per_source = data.pop("sources", None) or {}
    if not isinstance(per_source, dict):
        raise RefiError("sources: must be a mapping from source name to metadata", path=path)
    for name, entry in per_source.items():
        if not isinstance(entry, dict):
            raise RefiError(f"sources: {name}: must be a mapping of metadata", path=path)
    if "id" in data:
        raise RefiError("the metadata file gives an 'id' for every source", path=path,
                        fix="leave 'id' out: each source's name gives its transcript's id")
    return data, {str(name): entry for name, entry in per_source.items()}


def transcript_id(name: str, taken: set[str]) -> str:
    """A safe, unused transcript id from a source's name."""
    try:
        base = check_safe_id(name.strip())
    except ValueError:
        base = slug(name, "-")[:100] or "source"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _date(value: object) -> str | None:
    """An ISO date from a Date or DateTime value (``2025-03-04T10:00:00Z``), or None."""
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


class SourceMetadata:
    """Each source's metadata from the file's cases and variables, the ``--metadata`` file and what fills the
    gaps; the warnings about it are given once per import (:meth:`problems`)."""

    def __init__(self, refi: RefiFile, declaration: Declaration, defaults: dict, per_source: dict):
        self.refi, self.declaration = refi, declaration
        self.site_key = declaration.site.key
        self.defaults = {(self.site_key if k == SITE else k): v for k, v in defaults.items()}
        self.per_source = per_source
        self.cases: CaseIndex = read_cases(refi, declaration, {s.guid: s.text for s in refi.sources})
        self.keys = variable_keys(refi)
        self.shown = refi.path if refi.qde is None else refi.path / refi.qde
        self.reserved = {*TRANSCRIPT_KEYS, "attributes", SITE, self.site_key}
        self.site_prefix = slug(declaration.site.singular) or SITE
        self._undeclared: dict[tuple[str, str], RefiWarning] = {}
        self._warnings: list[Problem] = []
        self.no_interviewer: list[str] = []
        self.undated: list[str] = []  # sources dated by the file, not by themselves

    def problems(self) -> list[Problem]:
        """The warnings of every source read so far: cases guessed, variables kept as undeclared attributes,
        placeholders written."""
        found: list[Problem] = [*self.cases.problems, *self._warnings, *self._undeclared.values()]
        if self.no_interviewer:
            found.append(RefiWarning(
                f"no interviewer is named for {_count(self.no_interviewer)}: their metadata says "
                f"'interviewer: {UNKNOWN_INTERVIEWER}'", path=self.shown,
                fix="write the interviewer's name in each transcript's metadata"))
        if self.undated:
            found.append(RefiWarning(
                f"no date of their own is given for {_count(self.undated)}: they are dated as the file is",
                path=self.shown, fix="correct 'date:' in each transcript's metadata"))
        once: dict[str, Problem] = {}
        for problem in found:  # a case in several sources is reported once
            once.setdefault(str(problem), problem)
        return list(once.values())

    # --- variables as attributes ----------------------------------------------------------------------------

    def _attribute(self, key: str, name: str, level: str, reserved: set[str], prefix: str) -> str:
        """The attribute ``key`` becomes (prefixed when it is a key with another meaning), reporting once a
        variable pleval.yaml does not declare."""
        attribute = f"{prefix}_{key}" if key in reserved else key
        declared = (self.declaration.site_attribute(attribute) if level == "site"
                    else self.declaration.participant_attribute(attribute))
        if declared is None and (level, attribute) not in self._undeclared:
            where = f"{self.declaration.site.singular} attribute" if level == "site" else "participant attribute"
            self._undeclared[(level, attribute)] = RefiWarning(
                f"variable '{name}' was kept as the {where} '{attribute}', which pleval.yaml does not declare",
                path=self.shown, fix=f"add '- name: {attribute}' under {level}_attributes in pleval.yaml")
        return attribute

    def _site_value(self, attribute: str, value: object) -> object:
        return declared_value(value, self.declaration.site_attribute(attribute))

    def _site(self, sites: list[ReadCase], source: RefiSource) -> dict[str, object]:
        found: dict[str, object] = {}
        if not sites:
            return found
        found[self.site_key] = sites[0].site_name
        if len(sites) > 1:
            self._warnings.append(RefiWarning(
                f"source '{source.name}' is held by {len(sites)} cases taken as its {self.declaration.site.singular}"
                f" ({', '.join(c.case.name for c in sites)}): it belongs to '{sites[0].site_name}', and the "
                "others' variables fill only what that one's leave out", path=self.shown, line=source.line,
                fix="give each source one site case in the tool that exported it"))
        for case in sites:
            for key, value in case.values.items():
                if key != case.naming_key:
                    attribute = self._attribute(key, case.names[key], "site", self.reserved, self.site_prefix)
                    found.setdefault(attribute, self._site_value(attribute, value))
        return found

    def _person(self, case: ReadCase) -> tuple[dict[str, Any], str | None]:
        """A participant from their case, and the site their variables name (if any)."""
        description = (case.case.description or "").strip()
        person: dict[str, Any] = {"name": case.case.name.strip(), "role": "other"}
        site = None
        for key, value in case.values.items():
            if key == "role":
                person["role"] = declared_role(value, self.declaration)
            elif key in PERSON_FIELDS and not (key == "notes" and description):
                person[key] = str(value).strip()
            elif key in self.cases.site_keys and site is None:
                site = str(value).strip()
            else:
                attribute = self._attribute(key, case.names[key], "participant", {"name", "attributes", *PERSON_FIELDS},
                                            "participant")
                person[attribute] = declared_value(value, self.declaration.participant_attribute(attribute))
        if description:
            person["notes"] = description
        return person, site

    def _people(self, people: list[ReadCase], found: dict[str, object]) -> list[dict[str, Any]]:
        participants = []
        for case in people:
            person, site = self._person(case)
            if site is not None and found.get(self.site_key) is None:
                found[self.site_key] = site
            elif site is not None and site != found[self.site_key]:
                key = next(k for k in case.values if k in self.cases.site_keys)
                self._warnings.append(RefiWarning(
                    f"case '{case.case.name}' says their {case.names[key]} is '{site}', but their source's "
                    f"{self.declaration.site.singular} is '{found[self.site_key]}'; kept as their attribute "
                    f"'{key}'", path=self.shown, fix="correct the case or the source in the tool that exported it"))
                person[key] = site
            participants.append(person)
        return participants

    def _own(self, source: RefiSource, found: dict[str, object]) -> None:
        """The source's own variables into ``found``."""
        values, names = variable_values(self.refi, source.variables, self.keys)
        for key, value in values.items():
            if key == "type" and slug(str(value)) in TYPES:
                found["type"] = slug(str(value))
            elif key == "date" and _date(value):
                found["date"] = _date(value)
            elif key == "interviewer":
                people = [name.strip() for name in str(value).split(";") if name.strip()]
                found["interviewer"] = people[0] if len(people) == 1 else people
            elif key == "mentions":
                found["mentions"] = mentions_from(str(value))
            elif key == "notes":
                found["notes"] = str(value).strip()
            elif key in self.cases.site_keys:
                found[self.site_key] = str(value).strip()
            else:  # a type or date pleval cannot read is kept too
                attribute = self._attribute(key, names[key], "site", self.reserved, "source")
                found[attribute] = self._site_value(attribute, value)

    def metadata(self, source: RefiSource, tid: str) -> dict[str, Any]:
        """The metadata the file and the defaults give for ``source`` (not yet validated)."""
        meta: dict[str, Any] = {k: v for k, v in self.defaults.items() if k != "participants"}
        held = self.cases.of(source.guid)
        found = self._site([c for c in held if c.kind == "site"], source)
        participants = self._people([c for c in held if c.kind == "person"], found)
        self._own(source, found)
        meta.update(found)
        if source.description and source.description.strip() and "notes" not in meta:
            meta["notes"] = source.description.strip()
        override = self.per_source.get(source.name) or self.per_source.get(tid) or {}
        meta.update({(self.site_key if k == SITE else k): v for k, v in override.items()})
        meta["participants"] = override.get("participants") or participants or self.defaults.get("participants") or []
        meta["id"] = tid
        if "date" not in meta:
            dated = next((d for d in (_date(v) for v in (source.created, source.modified, self.refi.created,
                                                          self.refi.file_date) if v) if d), None)
            if dated is not None:
                meta["date"] = dated
            if not (source.created and _date(source.created)):
                self.undated.append(source.name)
        if not meta.get("interviewer"):
            meta["interviewer"] = UNKNOWN_INTERVIEWER
            self.no_interviewer.append(source.name)
        if isinstance(meta.get("interviewer"), str) and ";" in meta["interviewer"]:
            meta["interviewer"] = [name.strip() for name in meta["interviewer"].split(";") if name.strip()]
        if isinstance(meta.get("mentions"), str):
            meta["mentions"] = mentions_from(meta["mentions"])
        return meta


def _count(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{len(names)} source(s) ({shown})"


def declared_problems(meta: TranscriptMeta, declaration: Declaration) -> tuple[list[str], list[str]]:
    """What ``pleval validate`` would find wrong with ``meta`` against pleval.yaml: the required keys it lacks,
    and its values outside the declared ones (with "did you mean")."""
    missing: list[str] = []
    wrong: list[str] = []
    if meta.site is None and declaration.site_required:
        missing.append(declaration.site.key)
    given: list[tuple[tuple, dict[str, str]]] = [(declaration.site_attributes, meta.attributes)]
    given += [(declaration.participant_attributes, p.attributes) for p in meta.participants]
    for attributes, values in given:
        for attribute in attributes:
            if attribute.name not in values:
                if attribute.required and attribute.name not in missing:
                    missing.append(attribute.name)
            elif problem := attribute.check(values[attribute.name]):
                wrong.append(problem)
    wrong += [problem for p in meta.participants if (problem := declaration.check_role(p.role))]
    return missing, wrong


def declaration_error(meta: TranscriptMeta, declaration: Declaration, source: RefiSource, path) -> RefiError | None:
    """The error that stops the import when ``meta`` misses what pleval.yaml requires or breaks its values."""
    missing, wrong = declared_problems(meta, declaration)
    if not missing and not wrong:
        return None
    said = [f"missing required key(s) {', '.join(missing)} (pleval.yaml requires them)"] if missing else []
    said += wrong[:1] + ([f"{len(wrong) - 1} more value(s) pleval.yaml does not list"] if len(wrong) > 1 else [])
    return RefiError(f"source '{source.name}': metadata: {'; '.join(said)}", path=path, line=source.line,
                     value=missing, fix=None if missing else "correct the values in the tool that exported the "
                     "file, or list them in pleval.yaml")


class LabelShift:
    """Offsets into the text before ``Respondent:`` labels were added, moved to the labelled text."""

    def __init__(self, line_starts: list[int]):
        self.starts = line_starts  # offsets (before labelling) of the lines that got a label

    def span(self, start: int, end: int) -> tuple[int, int]:
        moved_start = start + len(PREFIX) * bisect_right(self.starts, start)  # after a label at its line start
        if end == start:
            return moved_start, moved_start
        return moved_start, end + len(PREFIX) * bisect_left(self.starts, end)  # before the next line's label


@dataclass
class Attributed:
    """A source's text as a transcript: the text (labelled if need be), its metadata and turns."""

    text: str
    meta: TranscriptMeta
    turns: tuple
    shift: LabelShift | None
    warnings: list[Problem] = field(default_factory=list)


def labelled(text: str) -> tuple[str, LabelShift]:
    """Every non-blank line prefixed with ``Respondent:``."""
    lines, starts, offset, out = text.split("\n"), [], 0, []
    for line in lines:
        if line.strip():
            starts.append(offset)
            out.append(PREFIX + line)
        else:
            out.append(line)
        offset += len(line) + 1
    return "\n".join(out), LabelShift(starts)


def _labels(text: str, meta: dict) -> list[str]:
    interviewers = meta.get("interviewer") or []
    interviewers = [interviewers] if isinstance(interviewers, str) else interviewers
    skip = {label for label in INTERVIEWER_LABELS | RESPONDENT_LABELS}
    for name in interviewers:
        skip.update(part.casefold() for part in [name, *name.split()])
    found: list[str] = []
    for line in text.split("\n"):
        match = LABEL.match(line)
        if match and match.group("label").casefold() not in skip and match.group("label") not in found:
            found.append(match.group("label"))
    return found


def _validated(meta: dict, type_given: bool, site_key: str) -> TranscriptMeta:
    if not type_given:
        meta["type"] = "interview" if len(meta["participants"]) <= 1 else "focus_group"
    return TranscriptMeta.model_validate(meta, context={"site_key": site_key})


def attribute_speakers(meta: dict, text: str, source: RefiSource, path, site_key: str = SITE) -> Attributed:
    """Validate ``meta`` (its site under ``site_key``) and find the turns of ``text``, adding participants or
    labels as described above.

    Raises
    ------
    pydantic.ValidationError
        If the metadata is incomplete or invalid (the caller reports every source's at once).
    """
    warnings: list[Problem] = []
    type_given = "type" in meta
    if not meta["participants"]:
        names = _labels(text, meta)
        meta["participants"] = [{"name": name, "role": "other"} for name in names] or [
            {"name": RESPONDENT, "role": "other"}]
        if names:
            warnings.append(RefiWarning(
                f"source '{source.name}': no cases name its speakers, so {', '.join(names)} became participants "
                "with role 'other'", path=path, line=source.line, fix=f"edit the metadata of '{meta['id']}'"))
    validated = _validated(meta, type_given, site_key)
    shown = Path(f"{meta['id']}.txt")
    lines = list(range(1, text.count("\n") + 2))
    try:
        _, turns = split_turns(Source(text, lines, None, None), validated, shown)
        return Attributed(text, validated, turns, None, warnings)
    except UnknownSpeakerError:
        known = {p["name"].casefold() for p in meta["participants"]}
        added = [name for name in _labels(text, meta) if name.casefold() not in known]
        meta["participants"] = [*meta["participants"], *[{"name": n, "role": "other"} for n in added]]
        validated = _validated(meta, type_given, site_key)
        warnings.append(RefiWarning(
            f"source '{source.name}': speakers {', '.join(added)} are not among its cases; they became "
            "participants with role 'other'", path=path, line=source.line, fix=f"edit the metadata of '{meta['id']}'"))
        try:
            _, turns = split_turns(Source(text, lines, None, None), validated, shown)
            return Attributed(text, validated, turns, None, warnings)
        except (UnknownSpeakerError, NoSpeakersError):
            pass
    except NoSpeakersError:
        pass
    text, shift = labelled(text)
    if len(meta["participants"]) > 1:
        meta["participants"] = [*meta["participants"], {"name": "Unattributed", "role": "other", "label": RESPONDENT}]
    validated = _validated(meta, type_given, site_key)
    _, turns = split_turns(Source(text, list(range(1, text.count("\n") + 2)), None, None), validated, shown)
    warnings.append(RefiWarning(
        f"source '{source.name}' has no speaker labels; each paragraph became a turn labelled '{RESPONDENT}:'",
        path=path, line=source.line, fix="nothing to do, or label the speakers in the transcript and re-code"))
    return Attributed(text, validated, turns, shift, warnings)


def missing_fields(error: ValidationError) -> list[str]:
    return [str(e["loc"][0]) for e in error.errors() if e["type"] == "missing" and e["loc"]]


def front_matter(meta: TranscriptMeta, site_key: str) -> str:
    """The YAML front matter of an imported transcript, as a person writes it: the site under ``site_key``,
    attributes as keys of their own, empty fields left out."""
    data = meta.front_matter(site_key)
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110) + "---\n"


def meta_problem(error: ValidationError, source: RefiSource, path) -> RefiError:
    from ..inputs.yamlmarks import describe_pydantic_error

    first = error.errors()[0]
    return RefiError(f"source '{source.name}': metadata: {describe_pydantic_error(first)}", path=path,
                     line=source.line, value=missing_fields(error))
