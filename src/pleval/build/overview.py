"""The project at a glance, as tables for the overview notebook: corpus, code frequencies, co-occurrence,
codes by role, the survey, and the state of human coding and agreement.

Code counts are coded participant turns. The rules cover every transcript, so the co-occurrence and
code-by-role tables use them and say so; human coders and the consensus are counted beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..coding.coders import available_coders, coder_codings
from ..coding.columns import CodingColumns
from ..coding.run import code_project, codings_frame
from ..coding.store import CONSENSUS, RULES
from ..errors import Problem
from ..inputs.cache import load_codebook_cached
from ..project import Project
from ..schema import Codebook, Filters, Transcript
from ..schema.declaration import DEFAULT_DECLARATION, Declaration

ACCEPTABLE_ALPHA = 0.667


@dataclass
class Overview:
    """What the overview notebook shows; every table is a DataFrame ready to display."""

    codebook: Codebook
    transcripts: list[Transcript]
    rules: pd.DataFrame  # codings_frame of the rule coding
    human: pd.DataFrame  # unit, coder, code_id: every human coder's and the consensus's coded turns
    reviewed: dict[str, int]  # coder -> turns in the transcripts they coded
    problems: list[Problem] = field(default_factory=list)
    declaration: Declaration = DEFAULT_DECLARATION  # the project's words: its sites and their attributes


def load_overview(project: Project) -> Overview:
    """Gather the corpus, the rule coding and every human coder's coding."""
    codebook = load_codebook_cached(project)
    run = code_project(project, progress=False)
    humans = [c for c in available_coders(project) if c != RULES]
    gathered = coder_codings(project, humans, "turn") if humans else None
    human = gathered.table if gathered else pd.DataFrame(columns=["unit", "coder", "code_id"])
    reviewed = {c: len(u) for c, u in gathered.reviewed.items()} if gathered else {}
    problems = list(run.problems) + (gathered.problems if gathered else [])
    return Overview(codebook, run.transcripts, codings_frame(run.transcripts, run.codings, run.declaration), human,
                    reviewed, problems, run.declaration)


#: The counts :func:`corpus_table` gives each site, after its attributes.
CORPUS_COUNTS = ("Interviews", "Focus groups", "Participants", "Turns", "Words")


def corpus_table(overview: Overview) -> pd.DataFrame:
    """Transcripts per site, in the project's words: a row per site (the index, titled as pleval.yaml calls a
    site: "Site", "Clinic"), its attributes (every site attribute the metadata gives, the declared ones first,
    titled by their labels), then its interviews, focus groups, participants, participant turns and words.

    Rows are ordered by the attributes that declare their ``values``, in the declared order of attributes and
    of values (a value not declared after those that are), then by site. A site whose transcripts give an
    attribute differently shows every value given (``a, b``).
    """
    declaration = overview.declaration
    attributes = CodingColumns.of(declaration, overview.transcripts).given_site_attributes.values()
    sites: dict[str, dict] = {}
    none = f"(no {declaration.site.singular})"
    for t in overview.transcripts:
        m = t.meta
        site = sites.setdefault(m.site or none, {"values": {name: set() for name in attributes},
                                                  "counts": [0] * len(CORPUS_COUNTS)})
        for name in attributes:
            if name in m.attributes:
                site["values"][name].add(m.attributes[name])
        for n, count in enumerate((m.type == "interview", m.type == "focus_group", len(m.participants),
                                   sum(not x.is_interviewer for x in t.turns), len(t.text.split()))):
            site["counts"][n] += int(count)
    ordered = [a for a in declaration.site_attributes if a.values and a.name in attributes]

    def order(item: tuple[str, dict]) -> tuple:
        name, site = item
        ranks = []
        for attribute in ordered:
            given = site["values"][attribute.name]
            known = [attribute.values.index(v) for v in given if v in attribute.values]
            ranks.append((min(known) if known else len(attribute.values), sorted(given)))
        return (*ranks, name == none, name)

    titles = {name: _title(declaration, name) for name in attributes}
    ranked = sorted(sites.items(), key=order)
    rows = [{**{titles[name]: ", ".join(sorted(site["values"][name])) for name in attributes},
             **dict(zip(CORPUS_COUNTS, site["counts"], strict=True))} for _, site in ranked]
    index = pd.Index([name for name, _ in ranked], name=declaration.site.singular.capitalize())
    return pd.DataFrame(rows, index=index, columns=[*titles.values(), *CORPUS_COUNTS])


def _title(declaration: Declaration, name: str) -> str:
    """How a table heads a site attribute: its declared label, or its name made readable."""
    attribute = declaration.site_attribute(name)
    return attribute.title if attribute is not None else name.replace("_", " ").capitalize()


def participants_by_role(overview: Overview) -> pd.DataFrame:
    """Participants per role and transcript type."""
    rows = [{"role": p.role, "type": t.meta.type} for t in overview.transcripts for p in t.meta.participants]
    if not rows:
        return pd.DataFrame()
    table = pd.crosstab(pd.DataFrame(rows)["role"], pd.DataFrame(rows)["type"], margins=True, margins_name="total")
    table.columns.name = None
    return table


def code_frequencies(overview: Overview) -> pd.DataFrame:
    """Per code: turns and transcripts the rules coded, and turns each human coder and the consensus coded."""
    ids = overview.codebook.code_ids
    rules = overview.rules
    table = pd.DataFrame({
        "label": [overview.codebook.code(c).label for c in ids],
        "rules: turns": rules.groupby("code_id")["segment_id"].nunique().reindex(ids, fill_value=0).values,
        "rules: transcripts": rules.groupby("code_id")["transcript_id"].nunique().reindex(ids, fill_value=0).values,
    }, index=pd.Index(ids, name="code_id"))
    for coder, part in overview.human.groupby("coder"):
        table[f"{coder}: turns"] = part.groupby("code_id")["unit"].nunique().reindex(ids, fill_value=0).values
    return table


def cooccurrence(overview: Overview) -> pd.DataFrame:
    """Turns the rules coded with both codes (the diagonal: turns with the code)."""
    ids = list(overview.codebook.code_ids)
    turn, _ = pd.factorize(overview.rules["segment_id"])
    code = pd.Index(ids).get_indexer(overview.rules["code_id"])  # -1: a code the codebook lacks
    known = code >= 0
    coded = np.zeros((turn.max() + 1 if len(turn) else 0, len(ids)), dtype=np.int64)  # a row per coded turn
    coded[turn[known], code[known]] = 1
    return pd.DataFrame(coded.T @ coded, index=ids, columns=ids)


def codes_by_role(overview: Overview, *, share: bool = True) -> pd.DataFrame:
    """Per role (rows) and code (columns): the share of that role's participant turns the rules coded with the
    code (or the count, with ``share=False``), and the role's turns."""
    ids = overview.codebook.code_ids
    turns = pd.Series([x.role for t in overview.transcripts for x in t.turns if not x.is_interviewer],
                      dtype="object").value_counts()
    counts = (overview.rules.groupby(["role", "code_id"])["segment_id"].nunique().unstack(fill_value=0)
              .reindex(index=turns.index, columns=ids, fill_value=0))
    table = (counts.div(turns, axis=0) * 100).round(1) if share else counts
    table.insert(0, "turns", turns)
    table.index.name = "role"
    return table


def coding_status(overview: Overview) -> pd.DataFrame:
    """Per human coder (and the consensus): transcripts they coded, turns in them, turns they coded."""
    rows = []
    for coder, units in overview.reviewed.items():
        coded = overview.human[overview.human["coder"] == coder]["unit"].nunique()
        rows.append({"coder": coder, "turns reviewed": units, "turns coded": coded,
                     "codings": int((overview.human["coder"] == coder).sum())})
    return pd.DataFrame(rows, columns=["coder", "turns reviewed", "turns coded", "codings"])


def reliability_status(project: Project, *, n_resamples: int = 1000) -> pd.DataFrame:
    """Krippendorff's alpha per code between the human coders (not the consensus), with a status: reliable
    (0.8 or more), tentative (0.667 to 0.8), provisional (below 0.667) or 'no double coding'."""
    from ..coding.coders import reliability_report

    humans = [c for c in available_coders(project) if c not in (RULES, CONSENSUS)]
    codebook = load_codebook_cached(project)
    if len(humans) < 2:
        return pd.DataFrame({"code_id": codebook.code_ids, "alpha": None, "status": "no double coding"})
    table, _ = reliability_report(project, humans, n_resamples=n_resamples)
    table = table[["code_id", "prevalence", "agreement", "alpha", "alpha_low", "alpha_high"]].copy()
    table["status"] = [
        "no double coding" if pd.isna(a) else "reliable" if a >= 0.8 else "tentative" if a >= ACCEPTABLE_ALPHA
        else "provisional" for a in table["alpha"]]
    return table


def survey_summary(project: Project, overview: Overview, survey) -> pd.DataFrame:
    """Percent agreeing with each survey item, overall and by year, as the overview page shows it (``survey`` is
    the project's ``SurveyData``).

    The page is published with the briefs, so its cells are suppressed as the whole build suppresses them
    (:func:`pleval.briefs.published.build_suppression`): a cell with too few answers, and a cell withheld so that
    a small group cannot be worked out from the page and the briefs, show no number, n included.
    """
    from ..briefs.published import OVERVIEW_BREAKDOWNS
    from ..survey.disclosure import cell_key, count_key, withheld_table
    from ..survey.figures import agreement_report, marked_table

    suppression = _suppression(project, overview, survey)
    report = agreement_report(survey, breakdowns=OVERVIEW_BREAKDOWNS)
    keys, counts = [], []
    for _, row in report.iterrows():
        columns = () if row["breakdown"] == "overall" else tuple(row["breakdown"].split("+"))
        keys.append(cell_key(row["item_id"], None, tuple((column, row[column]) for column in columns)))
        counts.append(count_key(Filters(year=[row["year"]]) if "year" in columns else None))
    published = withheld_table(report, suppression, keys)
    # the respondents in a year (or overall) are a count of the build's suppression too
    hidden = pd.Series([suppression.reason(key) is not None for key in counts], index=published.index)
    published["respondents"] = published["respondents"].astype("Int64").mask(hidden, pd.NA)
    table = marked_table(published, survey.survey.suppress_below)
    return table.fillna({"year": "all years"}) if "year" in table.columns else table


def survey_sites(project: Project, overview: Overview, survey) -> pd.DataFrame:
    """How many sites administered the survey each year and how many respondents they had
    (:func:`pleval.survey.figures.sites_administered`), as the overview page shows it: a year's respondents
    are a count of the build's suppression, and in its place a suppressed count reads ``suppressed (n < K)``, a
    withheld one ``withheld``."""
    from ..survey.disclosure import COMPLEMENTARY, count_key
    from ..survey.figures import sites_administered, worded

    suppression = _suppression(project, overview, survey)
    table = worded(sites_administered(survey), survey)
    reasons = [suppression.reason(count_key(Filters(year=[year]))) for year in table["year"]]
    if not any(reasons):
        return table
    table["respondents"] = [n if reason is None else "withheld" if reason == COMPLEMENTARY
                            else f"suppressed (n < {survey.survey.suppress_below})"
                            for n, reason in zip(table["respondents"], reasons, strict=True)]
    return table


def _suppression(project: Project, overview: Overview, survey):
    """The build's suppression (:func:`pleval.briefs.published.build_suppression`), over the usable briefs."""
    from ..briefs.config import check_briefs
    from ..briefs.published import build_suppression

    briefs = check_briefs(project, codebook=overview.codebook, transcripts=overview.transcripts).briefs
    return build_suppression(survey, briefs, overview.codebook, overview.transcripts)
