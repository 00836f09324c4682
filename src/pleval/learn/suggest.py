"""Code suggestions for people coding a transcript, ranked, with their evidence; and which units to review first.

A :class:`Suggester` holds the project's trained combined coder (loaded from outputs/models/, or trained when
the codebook or the human coding changed) and the rule coder, and serves any number of transcripts:

- :meth:`Suggester.suggestions` lists, for each participant unit of one transcript, the codes the combined
  coder suggests (the rules', and those the model adds), ranked by the model's calibrated probability, each
  with its evidence: the words the rule matched, or else the words that weighed most in the model
  (coefficient x TF-IDF), with their positions;
- :meth:`Suggester.uncertainty_order` lists units no person has reviewed yet, the most uncertain first (the
  model's probability closest to a code's threshold), the order in which a person's decisions teach the model
  most (active learning).

Nothing here writes to a coding log: accepting or rejecting a suggestion is the caller's human decision, logged
through :class:`pleval.coding.store.CodingLog`, and so becomes training data for the next training.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..coding.reviewed import TurnIndex, reviewed_turns
from ..coding.run import load_segments
from ..coding.store import CodingLog
from ..errors import LearningError
from ..inputs.cache import load_codebook_cached, load_transcripts_cached
from ..nlp.rules import RuleCoder
from ..project import Project
from ..schema import Codebook, Coding, Evidence, Transcript, segment_id
from .trained import TrainedCoder, load_or_train
from .training import human_coders, model_input, rule_findings, rules_decide

#: Columns of :meth:`Suggester.suggestions`. ``start``/``end`` and ``evidence_spans`` are code-point offsets into
#: the transcript's normalised text; ``model``/``rules`` say who suggests the code; ``evidence_source`` is
#: ``rules`` or ``model``; ``nearest_example`` is, for the semantic coder's own suggestions, the coded unit or
#: codebook example closest in meaning ("" otherwise).
SUGGESTION_COLUMNS = ["unit", "transcript_id", "start", "end", "code_id", "probability", "threshold", "model",
                      "rules", "evidence", "evidence_spans", "evidence_source", "nearest_example"]
#: Columns of :meth:`Suggester.uncertainty_order`.
UNCERTAINTY_COLUMNS = ["unit", "transcript_id", "start", "end", "code_id", "probability", "threshold",
                       "uncertainty"]
UNIT_COLUMNS = ["unit", "transcript_id", "start", "end", "text"]
#: The coder and source name of the learned coder's codings.
MODEL_SOURCE = "model"


def transcript_units(project: Project, transcript: Transcript, codebook: Codebook, unit: str) -> pd.DataFrame:
    """The participant units (turns or sentences) of a transcript: unit id, transcript id, start, end, text."""
    rows = []
    if unit == "turn":
        rows = [(segment_id(transcript.id, t.index), transcript.id, t.start, t.end, t.text)
                for t in transcript.turns if not t.is_interviewer]
    else:
        rows = [(s.id, transcript.id, s.start, s.end, s.text)
                for segment in load_segments(project, transcript, codebook) if not segment.is_interviewer
                for s in segment.sentences]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def uncertainty(probability: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How undecided each decision is: 1 at a code's threshold, falling to 0 at probability 0 or 1.

    Codes never suggested (an infinite threshold) count as certain.
    """
    result = np.zeros_like(probability, dtype=float)
    for j, threshold in enumerate(thresholds):
        if math.isinf(threshold):
            continue
        p = probability[:, j]
        below = (threshold - p) / max(threshold, 1e-9)
        above = (p - threshold) / max(1.0 - threshold, 1e-9)
        result[:, j] = 1.0 - np.clip(np.where(p < threshold, below, above), 0.0, 1.0)
    return result


def _is_name(text: str, start: int, word: str) -> bool:
    """Whether a word written with a capital inside a sentence is a name (a person's, a place's): names say
    nothing of a code, and a person's name is no evidence to show."""
    if not word[:1].isupper() or word.isupper():  # lower case, or an acronym (IEP, PD)
        return False
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in '.!?:;"\u201c\u2014-([' and word != "I"


def _term_spans(text: str, offset: int, terms: Iterable[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The words of each term (a word n-gram as the vectorizer wrote it, lower-cased) as the text has them,
    and where they first occur, in transcript offsets. A term not found as written (accents are stripped in
    the model), or written as a name somewhere in the text (capitalised inside a sentence), is left out, so
    words and spans stay paired."""
    words, spans = [], []
    for term in terms:
        pattern = r"\b" + r"\W+".join(re.escape(word) for word in term.split()) + r"\b"
        occurrences = list(re.finditer(pattern, text, flags=re.IGNORECASE))
        if not occurrences or any(_is_name(text, found.start() + m.start(), m.group())
                                  for found in occurrences for m in re.finditer(r"\w+", found.group())):
            continue  # not as written, or a name somewhere in the unit (then its capitalised uses are too)
        found = occurrences[0]
        words.append(found.group())
        spans.append((offset + found.start(), offset + found.end()))
    return words, spans


class _Scored(NamedTuple):
    """One transcript's units as the coder scored them."""

    units: pd.DataFrame
    probability: np.ndarray
    by_rules: np.ndarray
    findings: list
    inputs: pd.DataFrame


@dataclass
class Suggester:
    """A project's trained combined coder and rule coder, ready to suggest codes in any of its transcripts."""

    project: Project
    unit: str
    trained: TrainedCoder
    rule_coder: RuleCoder
    codebook: Codebook
    transcripts: dict[str, Transcript]
    _scored: dict[str, _Scored] = field(default_factory=dict, init=False, repr=False)  # by transcript id

    @classmethod
    def for_project(cls, project: Project, unit: str = "turn", *, target_precision: float | None = None,
                    semantic: bool = False, force: bool = False) -> Suggester:
        """Load (or train, when out of date) the project's combined coder for ``unit``.

        Raises
        ------
        LearningError
            When the project has too little human coding to learn from, or ``semantic`` without the extra.
        """
        codebook = load_codebook_cached(project)
        rule_coder = RuleCoder(codebook)
        if semantic:
            from .semantic import cache_embeddings_in  # the optional extra: imported only when asked for

            cache_embeddings_in(project)
        trained = load_or_train(project, unit, target_precision=target_precision, semantic=semantic, force=force,
                                rule_coder=rule_coder)
        loaded, _ = load_transcripts_cached(project)
        return cls(project, unit, trained, rule_coder, codebook, {t.id: t for t in loaded})

    def _transcript(self, transcript_id: str) -> Transcript:
        try:
            return self.transcripts[transcript_id]
        except KeyError:
            raise LearningError(f"no transcript '{transcript_id}' in the project", path=self.project.transcripts_dir,
                                fix="pass the id of a transcript in data/transcripts (see pleval validate)") from None

    def _units(self, transcript_ids: Iterable[str]) -> pd.DataFrame:
        frames = [transcript_units(self.project, self._transcript(t), self.codebook, self.unit)
                  for t in transcript_ids]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=UNIT_COLUMNS)

    def _score(self, units: pd.DataFrame):
        scores, findings = rule_findings(self.rule_coder, units["text"].tolist())
        by_rules = rules_decide(self.rule_coder, scores)
        similarities = None
        if self.trained.coder.use_semantic:
            from .semantic import semantic_frame  # the optional extra: imported only when asked for

            similarities = semantic_frame(self.codebook, units["text"].tolist())
        inputs = model_input(units["text"], scores, self.codebook.code_ids, by_rules, similarities)
        probability = self.trained.coder.predict_proba(inputs)
        return probability, by_rules.astype(bool), findings, inputs

    def prefetch(self, transcript_ids: Iterable[str] | None = None) -> None:
        """Score the units of many transcripts (default: all) in one pass of the coders, so that
        :meth:`suggestions` for each of them is a look-up: one pass over a thousand turns costs far less than a
        pass per transcript (each pass has its fixed costs in every code's model)."""
        wanted = [t for t in (transcript_ids if transcript_ids is not None else self.transcripts)
                  if t not in self._scored]
        if not wanted:
            return
        units = self._units(wanted)
        probability, by_rules, findings, inputs = self._score(units)
        for transcript_id, rows in units.groupby("transcript_id", sort=False).indices.items():
            self._scored[str(transcript_id)] = _Scored(
                units.iloc[rows].reset_index(drop=True), probability[rows], by_rules[rows],
                [findings[i] for i in rows], inputs.iloc[rows])
        for transcript_id in wanted:  # a transcript without participant units
            self._scored.setdefault(transcript_id, _Scored(
                units.iloc[:0], probability[:0], by_rules[:0], [], inputs.iloc[:0]))

    def _nearest(self, inputs: pd.DataFrame, rows: list[int], code: int) -> dict[int, str]:
        """The closest coded example to each of ``rows`` of scored units, for a semantic coder."""
        nearest = getattr(self.trained.coder, "nearest_examples", None)
        if nearest is None or not rows:
            return {}
        found = nearest(inputs.iloc[rows], code)
        return {i: text for i, (text, _) in zip(rows, found, strict=True)}

    def suggestions(self, transcript_id: str, *, everything: bool = False) -> pd.DataFrame:
        """The codes suggested for each participant unit of a transcript, most probable first.

        Parameters
        ----------
        transcript_id : str
        everything : bool
            List every unit and code with its probability, not only those the model or the rules suggest.

        Returns
        -------
        DataFrame
            See :data:`SUGGESTION_COLUMNS`.

        Raises
        ------
        LearningError
            For a transcript the project does not have.
        """
        self._transcript(transcript_id)  # an unknown id: a clear error
        self.prefetch([transcript_id])
        units, probability, by_rules, findings, inputs = self._scored[transcript_id]
        thresholds = self.trained.coder.thresholds_
        by_model = probability >= thresholds
        shown = np.ones_like(by_model) if everything else by_model | by_rules
        tfidf = self.trained.coder.word_tfidf(units["text"]) if (shown & ~by_rules).any() else None
        rows = []
        for j, code_id in enumerate(self.codebook.code_ids):
            chosen = np.flatnonzero(shown[:, j])
            needs_terms = [int(i) for i in chosen if not by_rules[i, j]]
            terms = dict(zip(needs_terms, self.trained.coder.influential_terms(
                units["text"].iloc[needs_terms].tolist(), j,
                tfidf=None if tfidf is None else tfidf[needs_terms]), strict=True)) if needs_terms else {}
            examples = self._nearest(inputs, needs_terms, j)
            for i in chosen:
                start = int(units["start"].iat[i])
                if by_rules[i, j]:
                    found = findings[i][code_id]
                    evidence = [f.text for f in found]
                    spans = [(start + f.start, start + f.end) for f in found]
                    source = "rules"
                else:
                    evidence, spans = _term_spans(units["text"].iat[i], start, terms[int(i)])
                    source = "model"
                rows.append((units["unit"].iat[i], transcript_id, start, int(units["end"].iat[i]), code_id,
                             float(probability[i, j]), float(thresholds[j]), bool(by_model[i, j]),
                             bool(by_rules[i, j]), evidence, spans, source, examples.get(int(i), "")))
        table = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
        return table.sort_values(["probability", "start", "code_id"], ascending=[False, True, True],
                                 kind="stable", ignore_index=True)

    def uncertainty_order(self, *, coder: str | None = None, transcripts: Iterable[str] | None = None,
                          limit: int | None = None) -> pd.DataFrame:
        """Units nobody has reviewed yet, the most uncertain first: where a human decision teaches the most.

        Parameters
        ----------
        coder : str, optional
            Leave out only the turns this coder has reviewed (default: those any human coder has).
        transcripts : iterable of str, optional
            Only these transcripts (default: all).
        limit : int, optional
            At most this many units.

        Returns
        -------
        DataFrame
            See :data:`UNCERTAINTY_COLUMNS`; ``code_id`` is the unit's most uncertain code.
        """
        reviewed: set[str] = set()  # segment ids of turns a person has reviewed (see pleval.coding.reviewed)
        index = TurnIndex(self.transcripts.values())
        for person in [coder] if coder else human_coders(self.project):
            replay = CodingLog(self.project.codings_dir, person).replay()
            for transcript_id, turns in reviewed_turns(replay, self.transcripts, index).items():
                reviewed |= {segment_id(transcript_id, turn) for turn in turns}
        wanted = list(transcripts) if transcripts is not None else list(self.transcripts)
        unfinished = [t for t in wanted if t not in index.turns  # an unknown id: _units names it
                      or any(segment_id(t, turn.index) not in reviewed for turn in index.turns[t])]
        units = self._units(unfinished)
        turn_of = units["unit"].str.replace(r"\.s\d+$", "", regex=True)  # a sentence's turn
        units = units[~turn_of.isin(reviewed)].reset_index(drop=True)
        if units.empty:
            return pd.DataFrame(columns=UNCERTAINTY_COLUMNS)
        probability, by_rules, _, _ = self._score(units)
        thresholds = self.trained.coder.thresholds_
        undecided = uncertainty(probability, thresholds)
        if self.trained.coder.keep_rules:
            undecided[by_rules] = 0.0  # the combined coder codes what the rules code, whatever the model says
        most = undecided.argmax(axis=1)
        rows = np.arange(len(units))
        table = units.drop(columns="text").assign(
            code_id=np.asarray(self.codebook.code_ids)[most], probability=probability[rows, most],
            threshold=thresholds[most], uncertainty=undecided[rows, most])
        table = table.sort_values(["uncertainty", "transcript_id", "start"], ascending=[False, True, True],
                                  kind="stable", ignore_index=True)
        return table[UNCERTAINTY_COLUMNS].head(limit) if limit is not None else table[UNCERTAINTY_COLUMNS]


def suggest(project: Project, transcript_id: str, *, unit: str = "turn", everything: bool = False,
            target_precision: float | None = None) -> pd.DataFrame:
    """Ranked suggestions for one transcript (see :meth:`Suggester.suggestions`); for many calls, keep a
    :class:`Suggester`."""
    return Suggester.for_project(project, unit, target_precision=target_precision).suggestions(
        transcript_id, everything=everything)


def uncertainty_order(project: Project, *, unit: str = "turn", coder: str | None = None,
                      limit: int | None = None) -> pd.DataFrame:
    """Unreviewed units, most uncertain first (see :meth:`Suggester.uncertainty_order`)."""
    return Suggester.for_project(project, unit).uncertainty_order(coder=coder, limit=limit)


def model_codings(project: Project, *, unit: str = "turn") -> list[Coding]:
    """The learned coder's codings of every transcript, for ``pleval export codings``: each unit and code the
    model decides (at its threshold), with its probability as the score and its weightiest words as evidence.

    Raises
    ------
    LearningError
        When the project has too little human coding to train a model from.
    """
    suggester = Suggester.for_project(project, unit)
    suggester.prefetch()
    codings = []
    for transcript_id, transcript in suggester.transcripts.items():
        table = suggester.suggestions(transcript_id)
        for row in table[table["model"]].itertuples(index=False):
            evidence = tuple(Evidence(start, end, text, row.evidence_source)
                             for text, (start, end) in zip(row.evidence, row.evidence_spans, strict=True))
            codings.append(Coding(
                transcript_id=transcript_id, segment_id=str(row.unit).split(".s")[0] if unit == "sentence"
                else str(row.unit), start=int(row.start), end=int(row.end), code_id=row.code_id,
                coder=MODEL_SOURCE, source=MODEL_SOURCE, score=round(float(row.probability), 4),
                codebook_hash=suggester.codebook.hash, transcript_hash=transcript.text_hash, evidence=evidence,
                sentence_ids=(str(row.unit),) if unit == "sentence" else ()))
    return sorted(codings, key=lambda c: (c.transcript_id, c.start, c.code_id))
