"""Which coding counts: turn by turn, the consensus first, else the human coders, else the rules.

Briefs and the overview count a theme as voiced on a participant turn from exactly one source per turn, and say
which. A coder counts on a turn only if they reviewed it (:mod:`.reviewed`: they decided something there), so
coding part of a transcript never outweighs the rules on the turns nobody reached:

- ``consensus``: the consensus log (the lead's reconciliation) reviewed the turn, so its codings are the turn's
  coding.
- ``human``: no consensus on the turn, but one or more human coders reviewed it. A code counts on the turn when a
  **strict majority** of those coders applied it: one coder alone counts; of two, both must agree; of three,
  two. A disagreement nobody has reconciled is not counted, so a brief never reports a theme on the strength of
  one coder that another, reading the same turn, did not see.
- ``rules``: nobody has reviewed the turn; the codebook's rules (every turn) are its coding.

Whatever the source, the rule coder's score and evidence on the same turn and code are attached when the rules
agree, so a quote can prefer "human-confirmed with strong evidence". Interviewer turns never count.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem
from ..inputs.cache import load_codebook_cached
from ..project import Project
from ..schema import Codebook, ThemeReliability, Transcript, segment_id
from .reviewed import TurnIndex, reviewed_turns
from .store import CONSENSUS, RULES, CodingLog, anchored_codings
from .store import coders as logged_coders

HUMAN = "human"
SOURCES = (CONSENSUS, HUMAN, RULES)
#: How briefs name each source in prose.
SOURCE_NAMES = {CONSENSUS: "consensus coding", HUMAN: "human coding", RULES: "rule-based coding"}
ACCEPTABLE_ALPHA = 0.667  # Krippendorff: below this, only tentative conclusions

#: Columns of :attr:`CountedCodings.table`.
COLUMNS = ["transcript_id", "segment_id", "turn", "code_id", "source", "coders", "start", "end", "rules_score",
           "evidence"]


@dataclass(frozen=True)
class TurnSource:
    """The coding a participant turn's counts come from, and whose it is."""

    transcript_id: str
    turn: int
    source: str
    coders: tuple[str, ...]


@dataclass
class CountedCodings:
    """The codings that count, one row per participant turn and code.

    ``table`` columns: ``transcript_id``, ``segment_id``, ``turn`` (its index), ``code_id``, ``source``
    (consensus, human or rules), ``coders`` (``"consensus"``, ``"ana+ben"``, ``"rules"``), ``start`` and
    ``end`` (the coded span inside the turn: the human coding's span where it covered part of the turn, else
    the turn), ``rules_score`` (the rule coder's score for the code on that turn, NaN where the rules did not
    code it) and ``evidence`` (the rules' evidence there, a tuple of (start, end, text, rule key)).
    """

    table: pd.DataFrame
    sources: dict[str, TurnSource]  # segment id of every participant turn -> where its coding comes from
    transcripts: list[Transcript]
    codebook: Codebook
    problems: list[Problem] = field(default_factory=list)

    def source_counts(self, transcript_ids: Iterable[str]) -> dict[str, int]:
        """How many participant turns of these transcripts each source covers, for every source."""
        ids = set(transcript_ids)
        found = Counter(s.source for s in self.sources.values() if s.transcript_id in ids)
        return {source: found[source] for source in SOURCES}


def human_coders(project: Project) -> list[str]:
    """Every coder with a log in data/codings/, the consensus included."""
    return logged_coders(project.codings_dir)


def _human_spans(project: Project, coder: str, transcripts: dict[str, Transcript], codebook: Codebook,
                 problems: list[Problem], index: TurnIndex
                 ) -> tuple[list[tuple[str, int, int, str]], dict[str, set[int]]]:
    """A coder's current codings as (transcript id, start, end, code id), re-anchored in edited transcripts, and
    the participant turns they reviewed, per transcript."""
    replay = CodingLog(project.codings_dir, coder).replay()
    spans = [placed[:4] for placed in anchored_codings(replay, coder, codebook, transcripts, problems)]
    return spans, reviewed_turns(replay, transcripts, index)


def counted_codings(project: Project, *, transcripts: list[Transcript] | None = None) -> CountedCodings:
    """The codings a brief counts, per turn from the consensus, else human coders, else the rules.

    Parameters
    ----------
    project : Project
    transcripts : list of Transcript, optional
        Restrict to these (default: every transcript in the project).

    Returns
    -------
    CountedCodings

    Raises
    ------
    PlevalError
        If the codebook is invalid.
    """
    codebook = load_codebook_cached(project)
    from .run import code_project  # spaCy: imported only when codings are counted

    run = code_project(project, progress=False)
    problems: list[Problem] = list(run.problems)
    loaded = run.transcripts if transcripts is None else list(transcripts)
    by_id = {t.id: t for t in loaded}
    turns = TurnIndex(loaded)

    coders = human_coders(project)
    people = [c for c in coders if c != CONSENSUS]
    spans: dict[str, list] = {}
    reviewed: dict[str, dict[str, set[int]]] = {}
    for coder in coders:
        spans[coder], reviewed[coder] = _human_spans(project, coder, by_id, codebook, problems, turns)

    sources: dict[str, TurnSource] = {}
    for transcript in loaded:
        for turn in turns.turns[transcript.id]:
            sid = segment_id(transcript.id, turn.index)
            if turn.index in reviewed.get(CONSENSUS, {}).get(transcript.id, ()):
                sources[sid] = TurnSource(transcript.id, turn.index, CONSENSUS, (CONSENSUS,))
                continue
            who = tuple(c for c in people if turn.index in reviewed[c].get(transcript.id, ()))
            sources[sid] = (TurnSource(transcript.id, turn.index, HUMAN, who) if who
                            else TurnSource(transcript.id, turn.index, RULES, (RULES,)))

    rules_on: dict[str, dict[tuple[int, str], tuple[float, tuple]]] = defaultdict(dict)
    turn_index = {segment_id(t.id, turn.index): turn.index for t in loaded for turn in t.turns}
    for coding in run.codings:
        if coding.transcript_id in by_id and coding.segment_id in turn_index:
            evidence = tuple((e.start, e.end, e.text, e.rule) for e in coding.evidence)
            rules_on[coding.transcript_id][(turn_index[coding.segment_id], coding.code_id)] = (coding.score,
                                                                                                evidence)
    rows = []
    for transcript in loaded:
        rules = rules_on.get(transcript.id, {})
        found = _human(transcript, sources, spans, turns)
        for index, code_id in rules:  # the rules count only on turns no person reviewed
            source = sources.get(segment_id(transcript.id, index))
            if source is not None and source.source == RULES:
                found[(index, code_id)] = (transcript.turns[index].start, transcript.turns[index].end)
        for (index, code_id), (start, end) in sorted(found.items()):
            source = sources[segment_id(transcript.id, index)]
            score, evidence = rules.get((index, code_id), (np.nan, ()))
            rows.append((transcript.id, segment_id(transcript.id, index), index, code_id, source.source,
                         "+".join(source.coders), start, end, score, evidence))
    table = pd.DataFrame(rows, columns=COLUMNS)
    return CountedCodings(table, sources, loaded, codebook, problems)


def _human(transcript: Transcript, sources: dict[str, TurnSource], spans: dict[str, list],
           turns: TurnIndex) -> dict[tuple[int, str], tuple[int, int]]:
    """(turn index, code id) -> the coded span, for every turn whose source is a person: the codes the consensus
    applied, or that a strict majority of the coders who reviewed the turn applied."""
    votes: dict[tuple[int, str], set[str]] = defaultdict(set)
    extent: dict[tuple[int, str], tuple[int, int]] = {}
    for coder, coded in spans.items():
        for transcript_id, start, end, code_id in coded:
            if transcript_id != transcript.id:
                continue
            for turn in turns.touched(transcript_id, start, end):
                if coder not in sources[segment_id(transcript.id, turn.index)].coders:
                    continue  # the turn counts from someone else (the consensus over the coders)
                key = (turn.index, code_id)
                votes[key].add(coder)
                lo, hi = max(start, turn.start), min(max(end, start + 1), turn.end)
                old = extent.get(key)
                extent[key] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    return {key: extent[key] for key, who in votes.items()
            if 2 * len(who) > len(sources[segment_id(transcript.id, key[0])].coders)}


def human_agreement(project: Project, code_ids: list[str] | None = None, *,
                    threshold: float = ACCEPTABLE_ALPHA) -> dict[str, ThemeReliability]:
    """Per code, the human coders' Krippendorff's alpha over participant turns, and whether findings on it are
    provisional.

    The coders are everyone with a log but the consensus (the consensus is their reconciliation, not an
    independent reading). A code is provisional when its alpha is below ``threshold``, when alpha cannot be
    computed (fewer than two human coders, or no variation), or when no human has coded it at all.

    Returns
    -------
    dict
        code id -> :class:`pleval.schema.ThemeReliability`.
    """
    from .coders import coder_codings
    from .reliability import alpha, compared_units, presence_matrix

    codebook = load_codebook_cached(project)
    code_ids = list(code_ids) if code_ids else codebook.code_ids
    coders = human_coders(project)
    people = [c for c in coders if c != CONSENSUS]
    coded_by_humans: dict[str, int] = defaultdict(int)
    if coders:
        gathered = coder_codings(project, coders, "turn")
        per_code = gathered.table.drop_duplicates(["unit", "code_id"])["code_id"].value_counts()
        coded_by_humans.update(per_code.to_dict())
    matrices = {}
    units: list[str] = []
    if len(people) >= 2:
        # the people's codings are those gathered less the consensus' (each coder's are gathered on their own):
        # their logs are not read a second time
        table = gathered.table[gathered.table["coder"].isin(people)]
        reviewed = {coder: gathered.reviewed[coder] for coder in people}
        units = compared_units(reviewed)  # turns two people or more reviewed: where they can agree or not
        for code_id in code_ids:
            matrices[code_id] = presence_matrix(table, reviewed, code_id, units)
    result = {}
    for code_id in code_ids:
        exact = alpha(matrices[code_id]) if code_id in matrices else float("nan")
        value = None if np.isnan(exact) else round(float(exact), 3)
        humans = int(coded_by_humans.get(code_id, 0))
        if humans == 0:
            reason = "no human coding yet: counts rest on the rules"
        elif len(people) < 2:
            reason = "coded by one person only: agreement between coders is not measured"
        elif value is None:
            reason = "agreement cannot be computed (the coders never varied on this theme)"
        elif exact < threshold:
            reason = f"coders' agreement is below {threshold} (Krippendorff's alpha {value:.3f})"
        else:
            reason = f"coders agree (Krippendorff's alpha {value:.3f})"
        provisional = humans == 0 or value is None or exact < threshold
        result[code_id] = ThemeReliability(alpha=value, coders=tuple(people), units=len(units),
                                           human_codings=humans, threshold=threshold, provisional=provisional,
                                           reason=reason)
    return result
