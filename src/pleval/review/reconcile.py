"""Reconciliation: the lead's walk through the turns two or more coders coded differently, a
:class:`~pleval.review.session.CodingSession` whose decisions go to the consensus log."""

from __future__ import annotations

from ..coding.coders import coder_codings, disagreement_table
from ..coding.store import CONSENSUS, Event
from ..errors import SessionError
from ..project import Project
from ..schema import Segment
from .filters import TurnFilters
from .session import CodingSession


class ReconcileSession(CodingSession):
    """The lead's walk through the turns two or more coders coded differently; decisions go to ``consensus``.

    Parameters
    ----------
    project : Project
    coders : list of str
        The coders being reconciled (two or more human coders with logs).
    lead : str
        The log the final coding goes to (default ``consensus``).
    """

    def __init__(self, project: Project, coders: list[str], *, lead: str = CONSENSUS, **options):
        if len(coders) < 2:
            raise SessionError("reconciliation needs two or more coders", fix="pass coders=['ana', 'ben']")
        self.coders = list(coders)
        gathered = coder_codings(project, self.coders, "turn")
        self.problems_of_coders = gathered.problems
        self._coded_by: dict[str, dict[str, list[str]]] = {}
        for unit, coder, code_id in gathered.table.itertuples(index=False):
            self._coded_by.setdefault(unit, {}).setdefault(coder, []).append(code_id)
        self._reviewed_by = {coder: set(units) for coder, units in gathered.reviewed.items()}
        self.disagreements = disagreement_table(gathered)
        self.last_agreements: list[Event] = []  # the events of the last "accept all agreements"
        super().__init__(project, lead, blind=False, **options)
        shared = set.intersection(*self._reviewed_by.values())
        self._all = [sid for sid in self._all if sid in shared]
        self.turn_filters = TurnFilters(self.turn_filters.columns, self.transcripts,
                                        [self.segments[sid] for sid in self._all])
        self._disputed = set(self.disagreements["unit"])
        self.filter(roles=options.get("roles"), filters=options.get("filters"))
        self.position = self._resume_position()

    def others(self, segment: Segment | None = None) -> dict[str, list[str]]:
        """Each reconciled coder's codes on the turn."""
        sid = (segment or self.current).id
        return {coder: sorted(self._coded_by.get(sid, {}).get(coder, [])) for coder in self.coders}

    def filter(self, *, transcript=None, code=None, roles=None, filters=None, disputed_only: bool = True) -> None:
        """As :meth:`CodingSession.filter`; by default only the turns the coders disagree on."""
        super().filter(transcript=transcript, code=code, roles=roles, filters=filters)
        if disputed_only and hasattr(self, "_disputed"):
            keep = self.units[self.position] if self.units else None
            self.units = [sid for sid in self.units if sid in self._disputed]
            self.position = self.units.index(keep) if keep in self.units else 0

    def take(self, coder: str) -> list[Event]:
        """Make one coder's codes on the current turn the consensus: apply theirs, remove the rest, mark done."""
        if coder not in self.coders:
            raise SessionError(f"'{coder}' is not one of the coders being reconciled: {', '.join(self.coders)}")
        wanted = set(self.others()[coder])
        have = {a.code_id for a in self.applied()}
        segment = self.current
        events = []
        remove = [self._fields(segment, a.start, a.end, code_id=a.code_id) for a in self.applied()
                  if a.code_id not in wanted]
        if remove:
            events += self._write("remove", remove)
        add = [self._fields(segment, segment.start, segment.end, code_id=c) for c in sorted(wanted - have)]
        if add:
            events += self._write("apply", add)
        return events + self.done()

    def agreements(self) -> list[str]:
        """The turns "accept all agreements" would settle: every coder coded them alike and the lead has not
        decided on them yet."""
        return [sid for sid in self._all if sid not in self._disputed and sid not in self.state.decided]

    def accept_agreements(self) -> int:
        """Write the codes every coder agreed on, for turns all of them coded and the lead has not yet decided,
        into the consensus log in one write (one decision: :meth:`undo_agreements` takes it back at once).
        Returns how many turns were settled."""
        decisions: list[tuple[str, dict]] = []
        settled = self.agreements()
        for sid in settled:
            segment = self.segments[sid]
            agreed = set.intersection(*(set(self._coded_by.get(sid, {}).get(c, [])) for c in self.coders))
            decisions += [("apply", self._fields(segment, segment.start, segment.end, code_id=c))
                          for c in sorted(agreed)]
        decisions += [("review", self._fields(self.segments[sid], self.segments[sid].start,
                                               self.segments[sid].end)) for sid in settled]
        self.last_agreements = self.log.append_batch(decisions) if decisions else []
        self.refresh()
        return len(settled)

    def undo_agreements(self) -> list[Event]:
        """Take back the last "accept all agreements", all of it, as one decision (the decisions of it still in
        force)."""
        mine = [e for e in getattr(self, "last_agreements", []) if e.id in self.state.effective]
        self.last_agreements = []
        return self._write("undo", [{"undoes": e.id, "segment_id": self.state.segment_of_event.get(e.id),
                                     "transcript_id": e.transcript_id} for e in mine]) if mine else []
