"""Import a REFI-QDA codebook (.qdc) or project (.qdpx, .qde) into a pleval project, all or nothing.

A codebook's codes merge into data/codebook.yaml (:mod:`pleval.refi.merge`). A project's text sources become
transcripts in data/transcripts/ (:mod:`pleval.refi.sources`), unless the project already has the same text,
in which case its codings attach to that transcript (so a partner's coding of exported transcripts comes back
onto them). Each User's codings and memos are appended to that coder's log in data/codings/ (the user's name
made safe as a coder name); codings that name no user go to ``--coder`` (by default the tool's name). When the
file was exported by pleval, the rule coder's codings are not imported: ``pleval code`` derives them.

Everything is read, placed and validated first: the merged codebook is checked as ``pleval validate`` would,
every new transcript is parsed from a temporary copy, every span is placed on its text. Only then are files
written (new transcripts, then the codebook, then the logs); a failure on the way removes what was written,
so the project is left as it was. Codings and memos the logs already hold are not appended again, so
importing a file twice changes nothing the second time.

A coder's whole documents are normally coded through in these tools, so by default (``reviewed="transcripts"``)
every participant turn of a transcript a coder coded anything in counts as reviewed by them: the turns they left
uncoded get a ``review`` ("done") event, unless their log already reviews them. With ``reviewed="coded"`` only
the coded turns count, and the rules keep the others.
"""

from __future__ import annotations

import contextlib
import tempfile
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..coding.reviewed import REVIEWED, whole_transcript_reviews
from ..coding.store import RULES, CodingLog
from ..errors import CodebookError, PlevalError, Problem, RefiError, RefiWarning, StoreError
from ..inputs.cache import load_transcripts_cached
from ..inputs.codebook import check_codebook, load_codebook
from ..inputs.declaration import project_declaration
from ..inputs.text import decode, normalise, sha256_text
from ..inputs.transcripts import parse_transcript, transcript_files
from ..project import Project, atomic_write
from ..schema import Codebook, Declaration, Transcript, Turn, segment_id
from .description import CODEBOOK_NOTE
from .merge import CodebookMerge, merge_codebook, slug
from .positions import place_selections
from .reader import RefiFile, RefiSource, read_refi
from .sources import (
    LabelShift,
    SourceMetadata,
    attribute_speakers,
    declaration_error,
    front_matter,
    labelled,
    load_defaults,
    meta_problem,
    transcript_id,
)


@dataclass
class RefiImport:
    """What an import did, and what it skipped (``problems``)."""

    path: Path
    origin: str
    in_file: dict[str, int]  # codes, sources, selections, codings
    codes_added: list[str] = field(default_factory=list)
    groups_added: list[str] = field(default_factory=list)
    codes_matched: list[str] = field(default_factory=list)
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_matched: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)
    codings: dict[str, int] = field(default_factory=dict)  # coder -> codings appended
    memos: dict[str, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)  # coder -> uncoded turns marked reviewed
    already: int = 0  # codings and memos the logs already held
    rules_skipped: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        coders = ", ".join(f"{c} ({n})" for c, n in sorted(self.codings.items()))
        lines = [
            f"{self.path.name} ({self.origin or 'REFI-QDA'}): {self.in_file['codes']} code(s), "
            f"{self.in_file['sources']} text source(s), {self.in_file['codings']} coding(s)",
            f"codebook: {len(self.codes_added)} code(s) and {len(self.groups_added)} group(s) added, "
            f"{len(self.codes_matched)} code(s) already there",
            f"transcripts: {len(self.transcripts_added)} added, {len(self.transcripts_matched)} already there, "
            f"{len(self.sources_skipped)} source(s) skipped",
            f"codings: {sum(self.codings.values())} appended" + (f" to the logs of {coders}" if self.codings else "")
            + f", {sum(self.memos.values())} memo(s); {self.already} already in the logs",
        ]
        if self.reviews:
            lines.append(f"reviewed: {sum(self.reviews.values())} uncoded turn(s) of the coded transcripts marked "
                         "done")
        if self.rules_skipped:
            lines.append(f"{self.rules_skipped} coding(s) of pleval's rule coder not imported ('pleval code' "
                         "derives them)")
        return "\n".join(lines)


@dataclass
class _Placed:
    """A source placed on a transcript: new (``content`` to write) or one the project has."""

    source: RefiSource
    transcript_id: str
    text: str
    text_hash: str
    turns: tuple[Turn, ...]
    spans: list[tuple[int, int]]
    content: str | None = None

    @property
    def id(self) -> str:
        return self.transcript_id


def _current_codebook(project: Project) -> tuple[Codebook | None, str | None]:
    path = project.codebook_path
    if not path.exists():
        return None, None
    try:
        codebook = load_codebook(path)
    except CodebookError as error:
        raise RefiError(f"the project's codebook has errors, so nothing was imported: {error}", path=path,
                        fix="run 'pleval validate' and fix the codebook first") from None
    text, _ = decode(path.read_bytes(), path)
    return codebook, normalise(text)


def _checked(text: str, project: Project) -> Codebook:
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / "codebook.yaml"
        candidate.write_text(text, encoding="utf-8")
        codebook, problems = check_codebook(candidate)
    if codebook is None:
        first = next(p for p in problems if p.severity == "error")
        raise RefiError(f"the merged codebook would not be valid ({first.message}); nothing was imported",
                        path=project.codebook_path, fix="fix the codebook or the file's codes and import again")
    return codebook


def _coders(refi: RefiFile, fallback: str) -> dict[str | None, str | None]:
    """User GUID -> coder (None: pleval's rule coder, not imported); None -> the fallback coder."""
    from_pleval = refi.origin.lower().startswith("pleval")
    taken = {fallback}
    found: dict[str | None, str | None] = {None: fallback}
    for user in refi.users:
        name = slug(user.name or user.id or "", "-")[:60] or f"user-{user.guid[:8]}"
        if name == RULES and from_pleval:
            found[user.guid] = None
            continue
        if name == RULES:
            name = "rules-imported"
        candidate, number = name, 2
        while candidate in taken and candidate != fallback:
            candidate, number = f"{name}-{number}", number + 1
        taken.add(candidate)
        found[user.guid] = candidate
    return found


def _place_sources(project: Project, refi: RefiFile, declaration: Declaration, defaults: dict, per_source: dict,
                   problems: list) -> list[_Placed]:
    existing, _ = load_transcripts_cached(project) if project.transcripts_dir.is_dir() else ([], [])
    by_id = {t.id: t for t in existing}
    by_text = {t.text_hash: t for t in existing}
    taken = set(by_id) | ({p.stem for p in transcript_files(project.transcripts_dir)}
                          if project.transcripts_dir.is_dir() else set())
    shown = refi.path if refi.qde is None else refi.path / refi.qde
    site_key = declaration.site.key
    metadata = SourceMetadata(refi, declaration, defaults, per_source)
    placed, errors = [], []
    for source in refi.sources:
        if source.text is None:
            problems.append(RefiWarning(f"source '{source.name}' skipped: {source.missing}"
                                        + (f" (with its {len(source.selections)} selection(s))"
                                           if source.selections else ""), path=shown, line=source.line))
            continue
        positions, spans, warnings = place_selections(source, refi.origin, shown)
        problems.extend(warnings)
        text = positions.text
        if source.text_from == "docx" and source.selections:
            problems.append(RefiWarning(f"source '{source.name}': its text came from the Word file, so its "
                                        "selections were placed on the Word text", path=shown, line=source.line,
                                        fix="check a few imported codings against the text"))
        with_labels, shift = labelled(text)
        wanted = transcript_id(source.name, set())
        match: tuple[Transcript, LabelShift | None] | None = None
        for candidate in (by_id.get(wanted), by_text.get(sha256_text(text)), by_text.get(sha256_text(with_labels))):
            if candidate is not None and match is None:
                if candidate.text == text:
                    match = (candidate, None)
                elif candidate.text == with_labels:
                    match = (candidate, shift)
        if match is None and wanted in by_id:
            errors.append(RefiError(f"source '{source.name}' has the id of transcript {by_id[wanted].path}, but its "
                                    "text differs", path=shown, line=source.line,
                                    fix="rename the source in the tool that exported it, or rename the transcript"))
            continue
        if match is not None:
            transcript, moved = match
            if moved:
                spans = [moved.span(*span) for span in spans]
            placed.append(_Placed(source, transcript.id, transcript.text, transcript.text_hash, transcript.turns,
                                  spans))
            continue
        tid = transcript_id(source.name, taken)
        meta = metadata.metadata(source, tid)
        try:
            attributed = attribute_speakers(meta, text, source, shown, site_key)
        except ValidationError as error:
            errors.append(meta_problem(error, source, shown))
            continue
        undeclared = declaration_error(attributed.meta, declaration, source, shown)
        if undeclared is not None:
            errors.append(undeclared)
            continue
        problems.extend(attributed.warnings)
        if attributed.shift:
            spans = [attributed.shift.span(*span) for span in spans]
        content = front_matter(attributed.meta, site_key) + attributed.text
        placed.append(_Placed(source, tid, attributed.text, sha256_text(attributed.text), attributed.turns, spans,
                              content))
    if errors:
        missing = sorted({name for e in errors for name in (e.value or [])})
        first = errors[0]
        first.message += (f" (and {len(errors) - 1} more source(s))" if len(errors) > 1 else "") + \
            "; nothing was imported"
        if missing:
            first.fix = (f"give the sources Cases with Variables in the exporting tool, or pass --metadata FILE.yaml "
                         f"with {', '.join(missing)}")
        raise first
    problems.extend(metadata.problems())
    _check_new_transcripts(placed, shown, site_key)
    return placed


def _check_new_transcripts(placed: list[_Placed], shown: Path, site_key: str) -> None:
    """Parse every new transcript from a temporary copy, as pleval will read it."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Project(Path(folder))
        for item in placed:
            if item.content is None:
                continue
            path = scratch.transcripts_dir / f"{item.transcript_id}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.content.encode("utf-8"))
            try:
                transcript, _ = parse_transcript(path, scratch.root, site_key=site_key)
            except PlevalError as error:
                raise RefiError(f"source '{item.source.name}' would not make a valid transcript "
                                f"({error.message}); nothing was imported", path=shown, line=item.source.line,
                                fix=error.fix) from None
            if transcript.text != item.text:  # pragma: no cover - the reader and the writer disagree
                raise RefiError(f"source '{item.source.name}': its text would not read back unchanged", path=shown)
            item.turns = transcript.turns


class _Events:
    """The log events an import appends: coder -> action -> event fields."""

    def __init__(self, refi: RefiFile, coders: dict, codebook_hash: str, problems: list):
        self.refi, self.coders, self.hash, self.problems = refi, coders, codebook_hash, problems
        self.by_coder: dict[str, dict[str, list[dict]]] = {}
        self.rules_skipped = 0
        self.starts: dict[str, list[int]] = {}  # transcript id -> where its turns start
        self.shown = refi.path if refi.qde is None else refi.path / refi.qde

    def coder(self, *users) -> str | None:
        for user in users:
            if user is not None and user in self.coders:
                return self.coders[user]
        return self.coders[None]

    def add(self, coder: str | None, action: str, fields: dict) -> None:
        if coder is None:
            self.rules_skipped += action == "apply"
            return
        self.by_coder.setdefault(coder, {}).setdefault(action, []).append(fields)

    def note_text(self, guid: str) -> str | None:
        note = self.refi.notes.get(guid)
        if note is None or note.text is None:
            why = "the file does not define it" if note is None else note.missing
            self.problems.append(RefiWarning(f"note {guid} skipped: {why}", path=self.shown))
            return None
        return note.text.strip() or None

    def on_text(self, item: _Placed, start: int, end: int) -> dict:
        turns = item.turns
        starts = self.starts.setdefault(item.transcript_id, [t.start for t in turns])
        at = bisect_right(starts, start) - 1  # the last turn starting at or before the span
        segment = segment_id(item.transcript_id, turns[at].index) if at >= 0 and start < turns[at].end else None
        return {"transcript_id": item.transcript_id, "transcript_hash": item.text_hash, "codebook_hash": self.hash,
                "segment_id": segment, "start": start, "end": end, "text": item.text[start:end]}

    def memos(self, where: dict, description: str | None, notes: list[str], *users) -> None:
        if description and description.strip():
            self.add(self.coder(*users), "memo", {**where, "memo": description.strip()})
        for guid in notes:
            text = self.note_text(guid)
            note = self.refi.notes.get(guid)
            if text:
                self.add(self.coder(note.user if note else None, *users), "memo", {**where, "memo": text})


def _gather(refi: RefiFile, placed: list[_Placed], merge: CodebookMerge, events: _Events) -> None:
    referenced = set(refi.project_notes)
    for item in placed:
        source = item.source
        for selection, (start, end) in zip(source.selections, item.spans, strict=True):
            where = events.on_text(item, start, end)
            for coding in selection.codings:
                code_id = merge.code_ids.get(coding.code)
                if code_id is None:
                    events.problems.append(RefiWarning(
                        f"a coding in source '{source.name}' uses a code that is a group in pleval; skipped",
                        path=events.shown, line=coding.line))
                    continue
                events.add(events.coder(coding.user, selection.user), "apply", {**where, "code_id": code_id})
                events.memos({**where, "code_id": code_id}, None, coding.notes, coding.user, selection.user)
                referenced.update(coding.notes)
            events.memos(where, selection.description, selection.notes, selection.user)
            referenced.update(selection.notes)
        whole = events.on_text(item, 0, len(item.text))
        for coding in source.codings:
            if coding.code in merge.code_ids:
                events.add(events.coder(coding.user), "apply", {**whole, "code_id": merge.code_ids[coding.code]})
        events.memos({"transcript_id": item.transcript_id, "transcript_hash": item.text_hash}, None, source.notes,
                     source.user)
        referenced.update(source.notes)
    for code in refi.all_codes():
        if code.notes and code.guid in merge.code_ids:
            events.memos({"code_id": merge.code_ids[code.guid], "codebook_hash": events.hash}, None, code.notes)
            referenced.update(code.notes)
    skipped = {s.guid for s in refi.sources if s.text is None}
    left = [g for g in refi.notes if g not in referenced and not _on_skipped(refi, g, skipped)]
    events.memos({}, None, [*refi.project_notes, *left])


def _on_skipped(refi: RefiFile, note: str, skipped: set[str]) -> bool:
    """Whether a note hangs on a source that was skipped (its memo went with it)."""
    return any(note in s.notes or any(note in sel.notes for sel in s.selections) for s in refi.sources
               if s.guid in skipped)


def _new_only(project: Project, events: _Events, codebook: Codebook | None) -> tuple[dict, int]:
    """Drop the codings and memos the logs already hold (or that the file repeats)."""
    folder = project.codings_dir
    fresh: dict[str, dict[str, list[dict]]] = {}
    already = 0
    for coder, actions in events.by_coder.items():
        replay = CodingLog(folder, coder).replay()
        # codings keyed (transcript, start, end, code), memos (transcript, start, end, code, text)
        have: set[tuple[object, ...]] = set(replay.codings(codebook).keys()) if codebook is not None else set()
        memos: set[tuple[object, ...]] = {(e.transcript_id, e.start, e.end, e.code_id, e.memo)
                                          for e in replay.effective() if e.action == "memo"}
        for action, many in actions.items():
            kept = []
            for fields in many:
                key: tuple[object, ...]
                if action == "apply":
                    key = (fields["transcript_id"], fields["start"], fields["end"], fields["code_id"])
                    seen = have
                else:
                    key = (fields.get("transcript_id"), fields.get("start"), fields.get("end"), fields.get("code_id"),
                           fields["memo"])
                    seen = memos
                if key in seen:
                    already += 1
                    continue
                seen.add(key)
                kept.append(fields)
            if kept:
                fresh.setdefault(coder, {})[action] = kept
    return fresh, already


def _commit(project: Project, codebook_text: str | None, placed: list[_Placed], fresh: dict) -> None:
    written: list[Path] = []
    original = project.codebook_path.read_bytes() if project.codebook_path.exists() else None
    wrote_codebook = False
    appended: list[tuple[CodingLog, list]] = []
    try:
        for item in placed:
            if item.content is None:
                continue
            target = project.transcripts_dir / f"{item.transcript_id}.txt"
            if target.exists():
                raise RefiError(f"{project.relative(target)} appeared during the import; nothing was imported",
                                path=target, fix="import again")
            with atomic_write(target, "wb") as handle:
                handle.write(item.content.encode("utf-8"))
            written.append(target)
        if codebook_text is not None:
            with atomic_write(project.codebook_path, "wb") as handle:
                handle.write(codebook_text.encode("utf-8"))
            wrote_codebook = True
        for coder, actions in sorted(fresh.items()):
            log = CodingLog(project.codings_dir, coder)
            for action in ("apply", "memo", "review"):
                if actions.get(action):
                    appended.append((log, log.append_many(action, actions[action])))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if wrote_codebook:
            if original is None:
                project.codebook_path.unlink(missing_ok=True)
            else:
                with atomic_write(project.codebook_path, "wb") as handle:
                    handle.write(original)
        for log, done in appended:  # an append-only log is taken back by undoing, never by rewriting
            with contextlib.suppress(StoreError):
                log.append_many("undo", [{"undoes": event.id} for event in done])
        raise


def _embedded_codebook(refi: RefiFile):
    """The codebook file a pleval export carries as a project note (not a memo), or None."""
    if not refi.origin.lower().startswith("pleval"):
        return None
    for guid in refi.project_notes:
        note = refi.notes.get(guid)
        if note is not None and note.name == CODEBOOK_NOTE and note.text:
            return note
    return None


def _reviews(project: Project, events: _Events, placed: list[_Placed], fresh: dict) -> None:
    """Add to ``fresh`` a ``review`` for each participant turn left uncoded in a transcript a coder coded."""
    texts = {item.transcript_id: item for item in placed}
    for coder, actions in events.by_coder.items():
        coded = {fields["transcript_id"] for fields in actions.get("apply", [])}
        if not coded:
            continue
        pending = [(action, fields) for action, many in fresh.get(coder, {}).items() for fields in many]
        reviews = whole_transcript_reviews(CodingLog(project.codings_dir, coder).replay(), texts, coded, pending,
                                           events.hash)
        if reviews:
            fresh.setdefault(coder, {})["review"] = reviews


def import_refi(project: Project, path: str | Path, *, metadata: str | Path | None = None,
                coder: str | None = None, reviewed: str = "transcripts") -> RefiImport:
    """Import a REFI-QDA codebook or project into ``project``, all or nothing.

    Parameters
    ----------
    project : Project
    path : str or Path
        A .qdc codebook, a .qdpx project, or a bare .qde (its internal files in ``sources/`` beside it).
    metadata : str or Path, optional
        A YAML file of transcript metadata for sources whose Cases and Variables do not give it all: defaults,
        and a ``sources:`` mapping from source name to fields for that source.
    coder : str, optional
        The coder whose log receives codings and memos that name no user (default: the tool's name).
    reviewed : {"transcripts", "coded"}
        What each coder reviewed: every participant turn of each transcript they coded anything in (the turns
        left uncoded are marked done, unless their log already reviews them), or only the turns they coded.

    Returns
    -------
    RefiImport
        Counts of what was added and matched, and warnings about what was skipped.

    Raises
    ------
    RefiError
        If the file cannot be read, or anything in it cannot be imported; the project is left as it was.
    """
    if reviewed not in REVIEWED:
        raise RefiError(f"unknown --reviewed '{reviewed}'", value=reviewed, fix=f"use one of: {', '.join(REVIEWED)}")
    refi = read_refi(path)
    report = RefiImport(Path(path), refi.origin, {
        "codes": len(refi.all_codes()), "sources": len(refi.sources), "selections": refi.selection_count(),
        "codings": refi.coding_count()})
    problems = report.problems
    problems.extend(refi.problems)
    fallback = coder or slug(refi.origin.split()[0] if refi.origin.strip() else "", "-") or "refi"
    CodingLog(project.codings_dir, fallback)  # a bad --coder name fails here, before any work
    codebook, text = _current_codebook(project)
    embedded = _embedded_codebook(refi)
    merge = merge_codebook(refi, codebook, text, project.codebook_path, embedded.text if embedded else None)
    problems.extend(merge.problems)
    merged = _checked(merge.text, project) if merge.text is not None else codebook
    defaults, per_source = load_defaults(metadata)
    placed = _place_sources(project, refi, project_declaration(project), defaults, per_source, problems)
    events = _Events(refi, _coders(refi, fallback), merged.hash if merged else "", problems)
    if embedded is not None:  # carried for the codebook, not written by a coder
        refi.project_notes.remove(embedded.guid)
        refi.notes.pop(embedded.guid)
    _gather(refi, placed, merge, events)
    fresh, report.already = _new_only(project, events, merged)
    if reviewed == "transcripts":
        _reviews(project, events, placed, fresh)
    _commit(project, merge.text, placed, fresh)
    report.codes_added, report.groups_added = merge.added_codes, merge.added_groups
    report.codes_matched = merge.matched_codes
    report.transcripts_added = [p.transcript_id for p in placed if p.content is not None]
    report.transcripts_matched = [p.transcript_id for p in placed if p.content is None]
    report.sources_skipped = [s.name for s in refi.sources if s.text is None]
    report.codings = {c: len(a.get("apply", [])) for c, a in fresh.items() if a.get("apply")}
    report.memos = {c: len(a.get("memo", [])) for c, a in fresh.items() if a.get("memo")}
    report.reviews = {c: len(a.get("review", [])) for c, a in fresh.items() if a.get("review")}
    report.rules_skipped = events.rules_skipped
    return report
