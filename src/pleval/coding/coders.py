"""Every coder's codings as units of analysis: human logs, the consensus, and the rules as a coder.

A coding covers a span; for reliability it is counted on the units it touches: turns (segments), sentences or
whole transcripts. Only participant turns are units (interviewer turns are not coded). A human coder has
reviewed the turns they decided something on (:mod:`.reviewed`), the sentences of those turns, and a whole
transcript once every participant turn of it; the rules have reviewed everything.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

import pandas as pd

from ..errors import CoderError, Problem
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..project import Project
from ..schema import segment_id
from .reviewed import TurnIndex, reviewed_turns
from .run import code_project, load_segments
from .store import CONSENSUS, RULES, CodingLog, anchored_codings
from .store import coders as logged_coders

UNITS = ("turn", "sentence", "transcript")



@dataclass
class CoderCodings:
    """Codings per unit: ``table`` has columns unit, coder, code_id; ``reviewed`` lists each coder's units."""

    table: pd.DataFrame
    reviewed: dict[str, list[str]]
    texts: dict[str, str]  # unit -> its text, for disagreement tables
    problems: list[Problem] = field(default_factory=list)


def available_coders(project: Project) -> list[str]:
    """Coders with a log in data/codings/, then ``rules``."""
    return [*logged_coders(project.codings_dir), RULES]


def coder_codings(project: Project, coders: list[str], unit: str = "turn") -> CoderCodings:
    """Gather the named coders' codings on ``unit`` (turn, sentence or transcript).

    Raises
    ------
    CoderError
        For an unknown unit or a coder with no log.
    """
    if unit not in UNITS:
        raise CoderError(f"unknown unit '{unit}'", fix=f"use one of: {', '.join(UNITS)}")
    known = available_coders(project)
    unknown = [c for c in coders if c not in known]
    if unknown:
        raise CoderError(f"no coding log for coder(s): {', '.join(unknown)}",
                         path=project.codings_dir, fix=f"coders with logs: {', '.join(known)}")
    codebook = load_codebook_cached(project)
    loaded, problems = load_transcripts_cached(project)
    # only the rules need coding
    rule_spans = ([(c.transcript_id, c.start, c.end, c.code_id) for c in code_project(project, progress=False).codings]
                  if RULES in coders else [])
    transcripts = {t.id: t for t in loaded}
    units = _Units(project, loaded, codebook, unit)
    turn_index = TurnIndex(loaded)
    rows, reviewed = [], {}
    for coder in coders:
        if coder == RULES:
            spans = rule_spans
            reviewed[coder] = [u for tid in transcripts for u in units.of_transcript(tid)]
        else:
            replay = CodingLog(project.codings_dir, coder).replay()
            spans = [placed[:4] for placed in anchored_codings(replay, coder, codebook, transcripts, problems)]
            turns = reviewed_turns(replay, transcripts, turn_index)
            reviewed[coder] = [u for tid in sorted(turns) for u in units.of_turns(transcripts[tid], turns[tid])]
        for transcript_id, start, end, code_id in spans:
            if transcript_id in transcripts:
                rows += [(u, coder, code_id) for u in units.touched(transcript_id, start, end)]
    table = pd.DataFrame(sorted(set(rows)), columns=["unit", "coder", "code_id"])
    return CoderCodings(table, reviewed, units.texts, problems)


class _Units:
    """The participant units of each transcript, with their spans, to place codings on them."""

    def __init__(self, project: Project, transcripts, codebook, unit: str):
        self.unit = unit
        self.spans: dict[str, list[tuple[int, int, str]]] = {}  # in text order, not overlapping
        self.ends: dict[str, list[int]] = {}
        self.texts: dict[str, str] = {}
        for transcript in transcripts:
            found = []
            if unit == "transcript":
                found = [(0, len(transcript.text), transcript.id)]
                self.texts[transcript.id] = transcript.meta.site or transcript.id  # the site says where
            elif unit == "turn":
                for turn in transcript.turns:
                    if not turn.is_interviewer:
                        found.append((turn.start, turn.end, segment_id(transcript.id, turn.index)))
                        self.texts[found[-1][2]] = turn.text
            else:
                for segment in load_segments(project, transcript, codebook):
                    if not segment.is_interviewer:
                        for sentence in segment.sentences:
                            found.append((sentence.start, sentence.end, sentence.id))
                            self.texts[sentence.id] = sentence.text
            self.spans[transcript.id] = found
            self.ends[transcript.id] = [end for _, end, _ in found]

    def of_transcript(self, transcript_id: str) -> list[str]:
        return [u for _, _, u in self.spans.get(transcript_id, [])]

    def of_turns(self, transcript, turns: set[int]) -> list[str]:
        """The units a coder who reviewed these participant turns has reviewed: the turns, their sentences, or
        the transcript once every participant turn of it is reviewed."""
        if self.unit == "transcript":
            everyone = {turn.index for turn in transcript.turns if not turn.is_interviewer}
            return self.of_transcript(transcript.id) if everyone <= turns else []
        found: list[str] = []
        for index in sorted(turns):
            turn = transcript.turns[index]
            found += self.touched(transcript.id, turn.start, turn.end)
        return found

    def touched(self, transcript_id: str, start: int, end: int) -> list[str]:
        """Units overlapping [start, end); a zero-length span counts for the unit it sits in."""
        spans = self.spans.get(transcript_id, [])
        first = bisect_left(self.ends.get(transcript_id, []), start + 1)  # the first unit ending after start
        hits = []
        for unit_start, _unit_end, unit in spans[first:]:
            if unit_start >= max(end, start + 1):
                break
            hits.append(unit)
        return hits


def disagreement_table(codings: CoderCodings) -> pd.DataFrame:
    """Units reviewed by two or more coders who did not apply the same codes: unit, text, then one column per
    coder with the codes they applied (``-`` for none), for a reconciliation meeting."""
    coders = list(codings.reviewed)
    applied: dict[tuple[str, str], set[str]] = {}
    for unit, coder, code_id in codings.table.itertuples(index=False):
        applied.setdefault((unit, coder), set()).add(code_id)
    reviewers: dict[str, list[str]] = {}
    for coder, units in codings.reviewed.items():
        for unit in units:
            reviewers.setdefault(unit, []).append(coder)
    rows = []
    for unit, who in reviewers.items():
        if len(who) < 2:
            continue
        sets = {coder: applied.get((unit, coder), set()) for coder in who}
        if len({frozenset(codes) for codes in sets.values()}) > 1:
            row = {"unit": unit, "text": codings.texts.get(unit, "")}
            row.update({coder: ", ".join(sorted(sets[coder])) or "-" if coder in sets else "" for coder in coders})
            rows.append(row)
    return pd.DataFrame(rows, columns=["unit", "text", *coders])


def reliability_report(project: Project, coders: list[str] | None = None, *, unit: str = "turn",
                       reference: str | None = None, disagreements: bool = False,
                       n_resamples: int = 1000) -> tuple[pd.DataFrame, list[Problem]]:
    """The table ``pleval reliability`` prints, with the problems met on the way.

    By default the coders are everyone with a log but the consensus. With ``reference``, each coder is scored
    against it (precision, recall, F1, kappa); with ``disagreements``, the units they disagree on are listed;
    otherwise agreement, kappa and alpha per code and over all codes.

    Raises
    ------
    CoderError
        With fewer than two coders, or a coder or unit that does not exist.
    """
    from ..inputs.cache import load_codebook_cached
    from .reliability import reliability_table, scores_against_reference

    names = list(coders) if coders else [c for c in available_coders(project) if c not in (RULES, CONSENSUS)]
    if reference:
        names = [n for n in names if n != reference] + [reference]
    if len(names) < 2:
        raise CoderError(f"reliability needs two or more coders; got: {', '.join(names) or 'none'}",
                         fix="pass --coders a,b (coders with logs in data/codings/, or 'rules')")
    codings = coder_codings(project, names, unit)
    if disagreements:
        return disagreement_table(codings), codings.problems
    code_ids = load_codebook_cached(project).code_ids
    if reference:
        parts = [
            scores_against_reference(codings.table, codings.reviewed, coder, reference, code_ids)
            .assign(coder=coder, reference=reference)
            for coder in names[:-1]
        ]
        return pd.concat(parts, ignore_index=True).round(3), codings.problems
    table = reliability_table(codings.table, codings.reviewed, code_ids, n_resamples=n_resamples)
    return table.round(3), codings.problems
