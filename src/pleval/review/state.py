"""What a coding session knows of the coder's log: the suggestions it shows, the codes applied on a turn, and the
log's effect indexed by turn (kept up to date as the log grows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..coding.store import Event
from ..schema import Evidence


class Suggestion(NamedTuple):
    """A code proposed for a turn by an automated coder, and what the human coder made of it."""

    code_id: str
    score: float
    source: str  # "rules" (later also "model")
    start: int
    end: int
    evidence: tuple[Evidence, ...]
    sentence_ids: tuple[str, ...]
    status: str  # "pending", "accepted" or "rejected"


class Applied(NamedTuple):
    """A code the coder has on a turn: on the whole turn, or on some of its sentences."""

    code_id: str
    start: int
    end: int
    sentence_ids: tuple[str, ...]  # empty for the whole turn


@dataclass
class LogState:
    """The coder's log read so far, and its effect indexed by segment (kept up to date incrementally)."""

    events: list[Event] = field(default_factory=list)
    offset: int = 0  # bytes of the log read so far
    lines: int = 0
    by_segment: dict[str, list[Event]] = field(default_factory=dict)
    segment_of_event: dict[str, str] = field(default_factory=dict)
    effective: set[str] = field(default_factory=set)  # ids of events in force
    applied: dict[str, list[Applied]] = field(default_factory=dict)
    decided: set[str] = field(default_factory=set)
    rejected: set[tuple[str, str]] = field(default_factory=set)  # (segment id, code id)
    memos: dict[str, str] = field(default_factory=dict)
    last_segment: str | None = None
