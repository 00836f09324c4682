"""A coder's working session: the turns to code, the suggestions on them, and every decision saved at once.

This is the coding widget without the widgets: it decides what a coder sees and writes what they do, so it
can be tested and timed without a browser. Each action appends to the coder's log (:mod:`pleval.coding.store`,
flushed and fsync'd) *before* it returns, then re-reads the log, so two tabs of one coder converge and what
the widget shows is always what the log holds.

Units are participant turns (interviewer turns are context, not coded). A coder may code the whole turn or
chosen sentences of it. A turn counts as coded once the coder has made any decision on it, including
"done, nothing more to code" (the ``review`` action), so a turn with no theme can be finished too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..coding.coders import coder_codings
from ..coding.columns import CodingColumns
from ..coding.run import code_project, load_segments
from ..coding.store import CodingLog, Event
from ..coding.store import coders as logged_coders
from ..errors import LearningError, PlevalError, SessionError, StoreError
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..inputs.declaration import project_declaration
from ..learn.quality import TRUSTED_KAPPA, MeasuredQuality, measured_quality
from ..project import Project
from ..schema import Codebook, Coding, Evidence, Segment, Transcript, segment_id
from ..schema.declaration import did_you_mean
from .filters import Criterion, FilterValues, TurnFilters, why_none
from .spans import SpanCoding
from .state import Applied, LogState, Suggestion

if TYPE_CHECKING:  # the learned coder (scikit-learn) is imported only when a session asks for it
    from ..learn.suggest import Suggester


class CodingSession(SpanCoding):
    """What one coder codes, sees and decides.

    Parameters
    ----------
    project : Project
    coder : str
        Whose log the decisions go to (data/codings/<coder>.jsonl).
    transcripts, codes, roles : list of str, optional
        Filters: only these transcripts' turns, these codes (offered, and turns suggested or coded with them),
        these speaker roles.
    filters : mapping of str to a value or a list of values, optional
        Only the turns whose site, site attributes, type, period or speaker have these values, named as
        briefs.yaml names them: ``{"state": ["Oregon"]}``, ``{"site": ["Riverbend"]}`` (the site answers to
        ``site``, to its key in pleval.yaml and to its word) (see :mod:`pleval.review.filters`).
    blind : bool
        Hide other coders' decisions (double coding). With ``blind=False`` :meth:`others` shows them.
    model : bool
        Also show the learned coder's suggestions (:mod:`pleval.learn`; trained first if the coding or the
        codebook changed). They are worked out in the background, the current transcript first.
    order : {"text", "uncertainty"}
        The order of the turns: as they come, or the model's most uncertain turns first (active learning:
        where a decision teaches the model most), then the rest.

    Raises
    ------
    SessionError
        For an unknown transcript or code in a filter, or a filter no turn to code can meet.
    """

    def __init__(self, project: Project, coder: str, *, transcripts=None, codes=None, roles=None,
                 filters: Mapping[str, FilterValues] | None = None, blind: bool = True, model: bool = False,
                 order: str = "text"):
        self.project = project
        self.coder = coder
        self.blind = blind
        self.log = self._open_log(project, coder)
        self.codebook: Codebook = load_codebook_cached(project)
        loaded, self.problems = load_transcripts_cached(project)
        self.transcripts: dict[str, Transcript] = {t.id: t for t in loaded}
        self.codes = self._known(codes, self.codebook.code_ids, "code")
        chosen = self._known(transcripts, list(self.transcripts), "transcript")
        run = code_project(project, progress=False)
        self.problems += [p for p in run.problems if p not in self.problems]
        self._suggested: dict[str, list[Coding]] = {}
        for coding in run.codings:
            self._suggested.setdefault(coding.segment_id, []).append(coding)
        self.segments: dict[str, Segment] = {}
        self._all: list[str] = []  # every participant turn of the chosen transcripts, in order
        for transcript_id in chosen:
            for segment in load_segments(project, self.transcripts[transcript_id], self.codebook):
                self.segments[segment.id] = segment
                if not segment.is_interviewer:
                    self._all.append(segment.id)
        self._chosen = set(chosen)
        self.quality = self._measured_quality(project)
        self.turn_filters = TurnFilters(CodingColumns.of(project_declaration(project), loaded), self.transcripts,
                                        [self.segments[sid] for sid in self._all])
        # a filter no turn can meet stops here, before any model is trained; kept to be shown, and kept
        self.opened_roles: list[str] = sorted({roles} if isinstance(roles, str) else set(roles or ()))
        self.opened_filters: dict[str, set[str]] = self.turn_filters.wanted(filters)
        self._check_roles(roles)
        self._filtered: dict = {}
        self._others: dict[str, dict[str, list[str]]] | None = None
        self.state = LogState()
        self.refresh()
        if order not in ("text", "uncertainty"):
            raise SessionError(f"unknown order '{order}'", fix="use 'text' or 'uncertainty'")
        self._model: Suggester | None = None
        self._model_suggested: dict[str, list[Coding]] = {}
        self._model_thread: threading.Thread | None = None
        if model or order == "uncertainty":
            self._start_model(chosen, order)
        self.units: list[str] = []
        self.position = 0
        self.filter(roles=roles, filters=filters)
        self.position = self._resume_position()
        if self._model is not None:
            self._model_thread = threading.Thread(target=self._prefetch, args=(chosen,), daemon=True)
            self._model_thread.start()

    def _measured_quality(self, project: Project) -> MeasuredQuality | None:
        """The suggesting coder's measured quality on real talk (data/coder-quality.json), or None; a broken file
        is a problem shown with the others, not a session that cannot open."""
        try:
            return measured_quality(project)
        except LearningError as error:
            self.problems.append(error)
            return None

    def trust(self, code_id: str) -> str:
        """How far the suggestions of ``code_id`` are to be trusted, as measured on real talk, in a few words:
        ``"precision 0.67, κ 0.71 on real talk"``, with ``"below κ 0.667: check with care"`` after it when the
        code's automatic coding did not reach it; ``""`` when it was not measured."""
        figures = self.quality.codes.get(code_id) if self.quality is not None else None
        if figures is None or figures.kappa is None:
            return ""
        precision = "n/a" if figures.precision is None else f"{figures.precision:.2f}"
        said = f"precision {precision}, κ {figures.kappa:.2f} on real talk"
        if self.quality is not None and self.quality.trusted(code_id) is False:
            said += f" (below κ {TRUSTED_KAPPA}: check with care)"
        return said

    # -- the learned coder -----------------------------------------------------------------------------------

    def _start_model(self, chosen: list[str], order: str) -> None:
        from ..learn.suggest import Suggester

        try:
            model = self._model = Suggester.for_project(self.project)
        except PlevalError as error:  # too little human coding to learn from: rules only, and say so
            self.problems.append(error)
            return
        if order == "uncertainty":
            ranked = model.uncertainty_order(coder=self.coder, transcripts=chosen)
            first = [u for u in ranked["unit"] if u in self.segments]
            self._all = list(dict.fromkeys(first + self._all))

    def _prefetch(self, chosen: list[str]) -> None:
        """Work out the model's suggestions transcript by transcript, the current one first."""
        model = self._model
        if model is None:
            return
        current = self.segments[self.units[self.position]].transcript_id if self.units else None
        for transcript_id in sorted(chosen, key=lambda t: t != current):
            try:
                frame = model.suggestions(transcript_id)
            except PlevalError as error:
                self.problems.append(error)
                continue
            for row in frame[frame["model"] & ~frame["rules"]].itertuples(index=False):
                evidence = tuple(Evidence(a, b, w, "model")
                                 for (a, b), w in zip(row.evidence_spans, row.evidence, strict=True))
                transcript = self.transcripts[transcript_id]
                self._model_suggested.setdefault(row.unit, []).append(Coding(
                    transcript_id, row.unit, int(row.start), int(row.end), row.code_id, "model", "model",
                    round(float(row.probability), 4), self.codebook.hash, transcript.text_hash, evidence))

    def wait_for_model(self, timeout: float | None = None) -> None:
        """Block until the model's suggestions are worked out for every transcript (for scripts and tests)."""
        if self._model_thread is not None:
            self._model_thread.join(timeout)

    # -- reading the log -------------------------------------------------------------------------------------

    @staticmethod
    def _open_log(project: Project, coder: str) -> CodingLog:
        """The coder's log, or a one-line error for a name that cannot be a file name (with "did you mean")."""
        try:
            return CodingLog(project.codings_dir, coder)
        except StoreError:
            safe = "-".join("".join(c if c.isalnum() or c in "-_." else " " for c in coder).split()) or "your-name"
            hint = did_you_mean(coder, logged_coders(project.codings_dir)) or f" (did you mean '{safe}'?)"
            raise SessionError(f"coder name '{coder}' cannot name a log{hint}",
                               fix="use letters, digits, '-', '_' or '.' (no spaces or slashes)",
                               value=coder) from None

    def _check_roles(self, roles) -> None:
        """Refuse a role no turn to code has (a misspelling, with "did you mean")."""
        known = {self.segments[sid].role for sid in self._all}
        for role in sorted(({roles} if isinstance(roles, str) else set(roles or ())) - known):
            raise SessionError(f"no turn to code has role '{role}'{did_you_mean(role, known)}",
                               fix=f"choose from: {', '.join(sorted(known))}", value=role)

    @staticmethod
    def _known(asked, known: list[str], what: str) -> list[str]:
        if not asked:
            return list(known)
        asked = [asked] if isinstance(asked, str) else list(asked)
        unknown = [a for a in asked if a not in known]
        if unknown:
            hints = "; ".join(f"'{a}'{did_you_mean(a, known)}" for a in unknown)
            raise SessionError(f"unknown {what}(s): {hints}",
                               fix=f"choose from: {', '.join(known[:20])}{' ...' if len(known) > 20 else ''}")
        return asked

    def refresh(self) -> None:
        """Read what has been added to the coder's log since the last read (by this session, another tab or
        another process) and update the turns it touches. Reading only the new lines keeps every action fast
        however long the log grows."""
        state = self.state
        new, problems, state.offset, lines = self.log.read_from(state.offset, state.lines)
        state.lines += lines
        known = {str(q) for q in self.problems}
        self.problems += [p for p in problems if str(p) not in known]
        touched = set()
        for event in new:
            state.events.append(event)
            sid = self._segment_of(event)
            if sid is None:
                continue
            state.segment_of_event[event.id] = sid
            state.by_segment.setdefault(sid, []).append(event)
            state.last_segment = sid
            touched.add(sid)
        for sid in touched:
            self._reindex(sid)

    def _segment_of(self, event: Event) -> str | None:
        """The turn an event belongs to: its segment id, the turn holding its span, or its undone event's turn."""
        if event.action == "undo" and event.undoes is not None and event.undoes in self.state.segment_of_event:
            return self.state.segment_of_event[event.undoes]
        if event.segment_id in self.segments:
            return event.segment_id
        transcript = self.transcripts.get(event.transcript_id) if event.transcript_id is not None else None
        if transcript is None or event.start is None or transcript.id not in self._chosen:
            return None
        for turn in transcript.turns:
            if turn.start <= event.start < max(turn.end, turn.start + 1):
                return segment_id(transcript.id, turn.index)
        return None

    def _reindex(self, sid: str) -> None:
        """Recompute one turn's state from its events, as :class:`~pleval.coding.store.Replay` would."""
        state, segment = self.state, self.segments[sid]
        events = state.by_segment[sid]
        undone: set[str] = set()
        for event in reversed(events):
            if event.action == "undo" and event.id not in undone and event.undoes is not None:
                undone.add(event.undoes)
        effective = [e for e in events if e.action != "undo" and e.id not in undone]
        state.effective.difference_update(e.id for e in events)
        state.effective.update(e.id for e in effective)
        state.decided.discard(sid)
        state.memos.pop(sid, None)
        state.rejected = {r for r in state.rejected if r[0] != sid}
        renamed = self.codebook.renames()
        spans: dict[tuple[int, int, str], None] = {}
        for event in effective:
            state.decided.add(sid)
            if event.action == "memo" and event.code_id is None:  # a memo naming a code is on that coding
                state.memos[sid] = event.memo or ""
            if event.code_id is None or event.start is None or event.end is None:  # no coding, as in a Replay
                continue
            code_id = renamed.get(event.code_id, event.code_id)
            key = (event.start, event.end, code_id)
            if event.action in ("apply", "accept"):
                spans[key] = None
                state.rejected.discard((sid, code_id))
            elif event.action in ("remove", "reject"):
                spans.pop(key, None)
                if event.action == "reject":
                    state.rejected.add((sid, code_id))
        applied = []
        for start, end, code_id in spans:
            whole = (start, end) == (segment.start, segment.end)
            sentence_ids = () if whole else tuple(x.id for x in segment.sentences if x.start < end and start < x.end)
            applied.append(Applied(code_id, start, end, sentence_ids))
        state.applied[sid] = applied

    def _resume_position(self) -> int:
        """Where the coder left off: their last decision's turn, else the first turn they have not coded."""
        last = self.state.last_segment
        if last in self.units:
            return self.units.index(last)
        return next((i for i, sid in enumerate(self.units) if sid not in self.state.decided), 0)

    # -- what the coder sees ---------------------------------------------------------------------------------

    @property
    def pool(self) -> list[str]:
        """Every turn this session may show, before the navigation filters."""
        return list(self._all)

    @property
    def current(self) -> Segment:
        if not self.units:
            raise SessionError("no turns match the filters", fix="clear a filter")
        return self.segments[self.units[self.position]]

    def transcript_of(self, segment: Segment) -> Transcript:
        return self.transcripts[segment.transcript_id]

    def context(self, segment: Segment | None = None, before: int = 1, after: int = 1) -> tuple[list, list]:
        """The turns just before and after ``segment`` in its transcript (interviewer turns included)."""
        segment = segment or self.current
        turns = self.transcript_of(segment).turns
        i = segment.turn_index
        return list(turns[max(0, i - before): i]), list(turns[i + 1: i + 1 + after])

    def suggestions(self, segment: Segment | None = None) -> list[Suggestion]:
        """The automated coders' proposals for the turn, strongest first, with the coder's verdict on each."""
        segment = segment or self.current
        applied = {a.code_id for a in self.state.applied.get(segment.id, [])}
        found = []
        for c in [*self._suggested.get(segment.id, []), *self._model_suggested.get(segment.id, [])]:
            if c.code_id not in self.codes:
                continue
            status = ("accepted" if c.code_id in applied
                      else "rejected" if (segment.id, c.code_id) in self.state.rejected else "pending")
            found.append(Suggestion(c.code_id, c.score, c.source, c.start, c.end, c.evidence, c.sentence_ids, status))
        return sorted(found, key=lambda s: (s.source != "rules", -s.score, s.code_id))  # rules', then model's

    def applied(self, segment: Segment | None = None) -> list[Applied]:
        """The codes the coder has on the turn."""
        segment = segment or self.current
        return self.state.applied.get(segment.id, [])

    def memo(self, segment: Segment | None = None) -> str:
        return self.state.memos.get((segment or self.current).id, "")

    def others(self, segment: Segment | None = None) -> dict[str, list[str]]:
        """Other human coders' codes on the turn (empty in blind mode)."""
        if self.blind:
            return {}
        if self._others is None:
            names = [c for c in logged_coders(self.log.path.parent) if c != self.coder]
            self._others = {}
            if names:
                gathered = coder_codings(self.project, names, "turn")
                for unit, coder, code_id in gathered.table.itertuples(index=False):
                    self._others.setdefault(unit, {}).setdefault(coder, []).append(code_id)
        return self._others.get((segment or self.current).id, {})

    def progress(self) -> tuple[int, int]:
        """(turns coded, turns in view)."""
        return sum(1 for sid in self.units if sid in self.state.decided), len(self.units)

    def is_coded(self, segment: Segment | None = None) -> bool:
        return (segment or self.current).id in self.state.decided

    # -- filters and navigation ------------------------------------------------------------------------------

    def filter(self, *, transcript: str | None = None, code: str | None = None, roles=None,
               filters: Mapping[str, FilterValues] | None = None) -> None:
        """Show only matching turns (``filters`` as the session's); the current turn stays current if it still
        matches.

        Raises
        ------
        SessionError
            For a filter no turn to code can meet (an unknown name or value, with "did you mean").
        """
        keep = self.units[self.position] if self.units else None
        roles = {roles} if isinstance(roles, str) else set(roles or ())
        wanted = self.turn_filters.wanted(filters)
        units = []
        for sid in self._all:
            segment = self.segments[sid]
            if transcript and segment.transcript_id != transcript:
                continue
            if roles and segment.role not in roles:
                continue
            if wanted and not self.turn_filters.matches(wanted, segment):
                continue
            if code and not ({c.code_id for c in self._suggested.get(sid, [])}
                             | {a.code_id for a in self.state.applied.get(sid, [])}) & {code}:
                continue
            units.append(sid)
        self.units = units
        self.position = units.index(keep) if keep in units else 0
        self._filtered = dict(transcript=transcript, code=code, roles=roles, wanted=wanted)

    def _column_tests(self, column: str, values: set[str]) -> tuple[Callable[[str], bool],
                                                                     Callable[[str], list[str]]]:
        """Whether a turn has one of ``values`` in ``column``, and its value there (as a list: none or one)."""
        def value(sid: str) -> str | None:
            return self.turn_filters.value(column, self.segments[sid])

        return (lambda sid: value(sid) in values), (lambda sid: [v for v in [value(sid)] if v is not None])

    def why_no_turns(self) -> str:
        """Why the filters keep no turn, in one line: for each filter, the values the turns the other filters
        keep have there (so the coder sees which filter to change, and to what)."""
        given = self._filtered
        seg = self.segments
        criteria: list[Criterion] = []

        def codes_of(sid: str) -> list[str]:
            return sorted({c.code_id for c in self._suggested.get(sid, [])}
                          | {a.code_id for a in self.state.applied.get(sid, [])})

        if given.get("transcript"):
            t = given["transcript"]
            criteria.append(Criterion("transcript", t, lambda sid: seg[sid].transcript_id == t,
                                      lambda sid: [seg[sid].transcript_id]))
        if given.get("roles"):
            roles = given["roles"]
            criteria.append(Criterion("role", ", ".join(sorted(roles)), lambda sid: seg[sid].role in roles,
                                      lambda sid: [seg[sid].role]))
        for column, values in (given.get("wanted") or {}).items():
            criteria.append(Criterion(self.turn_filters.title(column), ", ".join(sorted(values)),
                                      *self._column_tests(column, values)))
        if given.get("code"):
            code = given["code"]
            criteria.append(Criterion("code", code, lambda sid: code in codes_of(sid), codes_of))
        return why_none(self._all, criteria)

    def _find(self, matches, start: int) -> int | None:
        """The first unit after ``start`` (wrapping round, ``start`` itself last) that ``matches``."""
        n = len(self.units)
        for k in range(1, n + 1):
            i = (start + k) % n
            if matches(self.units[i]):
                return i
        return None

    def go(self, position: int) -> Segment:
        if not 0 <= position < len(self.units):
            raise SessionError(f"no turn {position + 1}: there are {len(self.units)}")
        self.position = position
        return self.current

    def next(self) -> Segment:
        return self.go(min(self.position + 1, len(self.units) - 1))

    def previous(self) -> Segment:
        return self.go(max(self.position - 1, 0))

    def next_uncoded(self) -> Segment | None:
        """Move to the next turn the coder has not decided on (wrapping round); None when all are coded."""
        found = self._find(lambda sid: sid not in self.state.decided, self.position)
        return None if found is None else self.go(found)

    def next_suggestion(self) -> Segment | None:
        """Move to the next turn with a suggestion the coder has neither accepted nor rejected."""
        found = self._find(lambda sid: any(s.status == "pending" for s in self.suggestions(self.segments[sid])),
                           self.position)
        return None if found is None else self.go(found)

    # -- decisions (each one written durably before it returns) ----------------------------------------------

    def _fields(self, segment: Segment, start: int, end: int, **more) -> dict:
        transcript = self.transcript_of(segment)
        return dict(transcript_id=transcript.id, transcript_hash=transcript.text_hash,
                    codebook_hash=self.codebook.hash, segment_id=segment.id, start=start, end=end,
                    text=transcript.text[start:end], **more)

    def _write(self, action: str, many: list[dict]) -> list[Event]:
        events = self.log.append_many(action, many)
        self.refresh()
        return events

    def _check_code(self, code_id: str) -> None:
        if code_id not in self.codebook.code_ids:
            raise SessionError(f"unknown code '{code_id}'", fix=f"codes: {', '.join(self.codebook.code_ids)}")

    def apply(self, code_id: str, sentences: list[str] | None = None) -> list[Event]:
        """Apply a code to the whole current turn, or to the chosen sentences of it (ids or 1-based numbers)."""
        self._check_code(code_id)
        segment = self.current
        if not sentences:
            spans = [(segment.start, segment.end)]
        else:
            by_id = {s.id: s for s in segment.sentences}
            chosen = []
            for s in sentences:
                sentence = by_id.get(s) if isinstance(s, str) else (
                    segment.sentences[s - 1] if 1 <= s <= len(segment.sentences) else None)
                if sentence is None:
                    raise SessionError(f"turn {segment.id} has no sentence {s!r}")
                chosen.append(sentence)
            spans = [(s.start, s.end) for s in chosen]
        have = {(a.start, a.end) for a in self.applied(segment) if a.code_id == code_id}
        todo = [self._fields(segment, start, end, code_id=code_id) for start, end in spans if (start, end) not in have]
        return self._write("apply", todo) if todo else []

    def remove(self, code_id: str) -> list[Event]:
        """Take a code off the current turn (every span of it the coder has there)."""
        segment = self.current
        spans = [(a.start, a.end) for a in self.applied(segment) if a.code_id == code_id]
        return self._write("remove", [self._fields(segment, s, e, code_id=code_id) for s, e in spans]) if spans else []

    def toggle(self, code_id: str) -> list[Event]:
        """Apply the code to the whole turn if the coder does not have it there, else take that whole-turn coding
        off. The code's codings of spans or sentences of the turn are never touched (:meth:`spans_of` lists
        them, so that the widget can say they stay)."""
        self._check_code(code_id)
        segment = self.current
        if self._has(code_id, segment.start, segment.end):
            return self.remove_span(code_id, segment.start, segment.end)
        return self.apply(code_id)

    def spans_of(self, code_id: str, segment: Segment | None = None) -> list[Applied]:
        """The coder's codings of ``code_id`` on part of the turn (spans or sentences, not the whole turn)."""
        segment = segment or self.current
        return [a for a in self.applied(segment)
                if a.code_id == code_id and (a.start, a.end) != (segment.start, segment.end)]

    def _suggestion(self, code_id: str) -> Suggestion:
        for suggestion in self.suggestions():
            if suggestion.code_id == code_id:
                return suggestion
        raise SessionError(f"no suggestion of '{code_id}' on turn {self.current.id}")

    def accept(self, code_id: str) -> list[Event]:
        """Accept a suggestion: the code is applied to the turn, recorded as an accepted suggestion."""
        s = self._suggestion(code_id)
        return self._write("accept", [self._fields(self.current, s.start, s.end, code_id=code_id)])

    def accept_all(self) -> list[Event]:
        """Accept every pending suggestion on the current turn in one write (one decision for undo)."""
        segment = self.current
        pending = {s.code_id: s for s in self.suggestions() if s.status == "pending"}
        many = [self._fields(segment, s.start, s.end, code_id=code_id) for code_id, s in pending.items()]
        return self._write("accept", many) if many else []

    def reject(self, code_id: str) -> list[Event]:
        """Reject a suggestion (and take the code off the turn if the coder had it there)."""
        s = self._suggestion(code_id)
        segment = self.current
        spans = {(s.start, s.end)} | {(a.start, a.end) for a in self.applied() if a.code_id == code_id}
        return self._write("reject", [self._fields(segment, a, b, code_id=code_id) for a, b in sorted(spans)])

    def write_memo(self, text: str) -> list[Event]:
        """Attach a memo to the current turn (the latest memo is the one shown)."""
        segment = self.current
        return self._write("memo", [self._fields(segment, segment.start, segment.end, memo=text)])

    def done(self) -> list[Event]:
        """Mark the current turn as coded: the coder has read it and applied every code it needs (maybe none)."""
        segment = self.current
        return self._write("review", [self._fields(segment, segment.start, segment.end)])

    def undo(self) -> list[Event]:
        """Take back the coder's latest decision still in force (the undo is itself a new event)."""
        state = self.state
        last = next((e for e in reversed(state.events) if e.id in state.effective), None)
        if last is None:
            return []
        sid = state.segment_of_event[last.id]
        same = [e for e in state.by_segment[sid] if e.id in state.effective and e.time == last.time
                and e.action == last.action]  # one click may have written several events
        if sid in self.units:
            self.position = self.units.index(sid)
        return self._write("undo", [{"undoes": e.id, "segment_id": sid, "transcript_id": e.transcript_id}
                                    for e in same])
