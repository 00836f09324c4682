"""Turn a REFI-QDA text source into a pleval transcript: its metadata and its speaker turns.

**Metadata** comes, from weakest to strongest, from the defaults of a ``--metadata`` file, the Cases linked to
the source (a case with a ``role`` variable, or with no school variables, is a participant; otherwise it is the
school, and its variables give district, region, school_level, locale, pathway), the source's own variables
(type, date, interviewer, mentions, ...), and the ``sources:`` entry for this source in the metadata file.
The date falls back to the source's creation date; the type to an interview for one participant and a focus
group for more. What pleval requires and none of these give (say the region) is reported for every source
at once, and nothing is imported.

**Speakers.** If the text has speaker labels (``Name:`` at the start of a line) it is kept as it is, and labels
that name nobody in the cases become participants with role ``other`` (reported). If it has none, every
non-blank line is prefixed with ``Respondent:``, so each paragraph becomes a turn of the one participant (or of
an "Unattributed" participant when there are several). The prefixes shift offsets: :class:`LabelShift` moves
each coded span so that it covers the same words; a span over several paragraphs also covers the labels added
inside it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import NoSpeakersError, Problem, RefiError, RefiWarning, UnknownSpeakerError
from ..inputs.readers import Source
from ..inputs.transcripts import INTERVIEWER_LABELS, LABEL, RESPONDENT_LABELS, split_turns
from ..schema import TranscriptMeta, check_safe_id
from .merge import slug
from .reader import RefiCase, RefiFile, RefiSource

RESPONDENT = "Respondent"
PREFIX = f"{RESPONDENT}: "
SCHOOL_FIELDS = ("district", "region", "school_level", "locale", "pathway", "esc")
TRANSCRIPT_FIELDS = ("type", "date", "school", *SCHOOL_FIELDS, "interviewer", "mentions", "notes")
PERSON_FIELDS = ("role", "label", "grade", "subject", "years_in_role", "gender")
ALIASES = {"level": "school_level", "schoollevel": "school_level", "interviewers": "interviewer",
           "interview_type": "type", "years": "years_in_role", "esc_name": "esc"}
LOWER_CASE = ("type", "region", "school_level", "locale", "role")


def variable_key(name: str) -> str:
    """A REFI variable's name as the pleval field it fills (``School level`` -> ``school_level``)."""
    key = slug(name)
    return ALIASES.get(key, key)


def _value(key: str, value):
    if isinstance(value, str) and key in LOWER_CASE:
        value = value.strip().lower()
        return value.replace(" ", "_").replace("-", "_") if key in ("role", "type") else value
    return value


def fields_of(refi: RefiFile, variables: dict[str, object]) -> dict[str, object]:
    """Variable values keyed by the pleval field they fill (unknown variables keep their own name)."""
    found = {}
    for guid, value in variables.items():
        variable = refi.variables.get(guid)
        if variable is not None and value is not None and value != "":
            key = variable_key(variable.name)
            found[key] = _value(key, value)
    return found


def is_participant(fields: dict) -> bool:
    return "role" in fields or not any(name in fields for name in SCHOOL_FIELDS)


def cases_of(refi: RefiFile, source: RefiSource) -> list[RefiCase]:
    selections = {s.guid for s in source.selections}
    return [c for c in refi.cases if source.guid in c.sources or selections.intersection(c.selections)]


def mentions_from(text: str) -> list[dict]:
    """``Ellen Marsh (district_leader); Tre`` -> people, as pleval exports mentions."""
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

    Raises
    ------
    RefiError
        If the file cannot be read or has keys that are not transcript metadata.
    """
    if path is None:
        return {}, {}
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise RefiError(f"cannot read the metadata file ({error})", path=path,
                        fix="write a YAML mapping of metadata, e.g. 'region: central'") from None
    if not isinstance(data, dict):
        raise RefiError("the metadata file must be a YAML mapping", path=path, fix="write 'key: value' lines")
    per_source = data.pop("sources", None) or {}
    allowed = set(TranscriptMeta.model_fields) - {"id"}
    for where, entry in [("", data), *[(f"sources: {name}: ", e) for name, e in per_source.items()]]:
        if not isinstance(entry, dict):
            raise RefiError(f"{where}must be a mapping of metadata", path=path)
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise RefiError(f"{where}unknown metadata key(s): {', '.join(unknown)}", path=path,
                            fix=f"use: {', '.join(sorted(allowed))}")
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


def source_metadata(refi: RefiFile, source: RefiSource, tid: str, defaults: dict, per_source: dict) -> dict:
    """The metadata fields the file and the defaults give for ``source`` (not yet validated)."""
    meta = {k: v for k, v in defaults.items() if k != "participants"}
    participants, school_seen = [], False
    for case in cases_of(refi, source):
        fields = fields_of(refi, case.variables)
        if is_participant(fields):
            person = {"name": case.name.strip(), "role": fields.get("role", "other")}
            person.update({k: fields[k] for k in PERSON_FIELDS[1:] if k in fields})
            if case.description and case.description.strip():
                person["notes"] = case.description.strip()
            participants.append(person)
        elif not school_seen:
            school_seen = True
            meta["school"] = fields.get("school", case.name.strip())
            meta.update({k: fields[k] for k in SCHOOL_FIELDS if k in fields})
    own = fields_of(refi, source.variables)
    meta.update({k: own[k] for k in TRANSCRIPT_FIELDS if k in own})
    if source.description and source.description.strip() and "notes" not in meta:
        meta["notes"] = source.description.strip()
    override = per_source.get(source.name) or per_source.get(tid) or {}
    meta.update(override)
    meta["participants"] = override.get("participants") or participants or defaults.get("participants") or []
    meta["id"] = tid
    if "date" not in meta and source.created:
        meta["date"] = source.created[:10]
    if isinstance(meta.get("interviewer"), str) and ";" in meta["interviewer"]:
        meta["interviewer"] = [name.strip() for name in meta["interviewer"].split(";") if name.strip()]
    if isinstance(meta.get("mentions"), str):
        meta["mentions"] = mentions_from(meta["mentions"])
    return meta


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


def _validated(meta: dict, type_given: bool) -> TranscriptMeta:
    if not type_given:
        meta["type"] = "interview" if len(meta["participants"]) <= 1 else "focus_group"
    return TranscriptMeta.model_validate(meta)


def attribute_speakers(meta: dict, text: str, source: RefiSource, path) -> Attributed:
    """Validate ``meta`` and find the turns of ``text``, adding participants or labels as described above.

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
    validated = _validated(meta, type_given)
    shown = Path(f"{meta['id']}.txt")
    lines = list(range(1, text.count("\n") + 2))
    try:
        _, turns = split_turns(Source(text, lines, None, None), validated, shown)
        return Attributed(text, validated, turns, None, warnings)
    except UnknownSpeakerError:
        known = {p["name"].casefold() for p in meta["participants"]}
        added = [name for name in _labels(text, meta) if name.casefold() not in known]
        meta["participants"] = [*meta["participants"], *[{"name": n, "role": "other"} for n in added]]
        validated = _validated(meta, type_given)
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
    validated = _validated(meta, type_given)
    _, turns = split_turns(Source(text, list(range(1, text.count("\n") + 2)), None, None), validated, shown)
    warnings.append(RefiWarning(
        f"source '{source.name}' has no speaker labels; each paragraph became a turn labelled '{RESPONDENT}:'",
        path=path, line=source.line, fix="nothing to do, or label the speakers in the transcript and re-code"))
    return Attributed(text, validated, turns, shift, warnings)


def missing_fields(error: ValidationError) -> list[str]:
    return [str(e["loc"][0]) for e in error.errors() if e["type"] == "missing" and e["loc"]]


def front_matter(meta: TranscriptMeta) -> str:
    """The YAML front matter of an imported transcript, fields in the model's order, empty ones left out."""
    data = meta.model_dump(mode="json", exclude_none=True)
    if not data.get("mentions"):
        data.pop("mentions", None)
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110) + "---\n"


def meta_problem(error: ValidationError, source: RefiSource, path) -> RefiError:
    from ..inputs.yamlmarks import describe_pydantic_error

    first = error.errors()[0]
    return RefiError(f"source '{source.name}': metadata: {describe_pydantic_error(first)}", path=path,
                     line=source.line, value=missing_fields(error))
