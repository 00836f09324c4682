"""Render an assembled brief to Markdown and self-contained HTML, and write a brief's files.

Templates are Jinja2 files under ``pleval/templates/brief/`` with autoescaping on: transcript text can hold
anything, ``<script>`` included. In HTML every value is escaped as HTML; the page carries its CSS inline, its
charts as PNG data URIs and a Content-Security-Policy that forbids any request or script. In Markdown every
value is escaped too (``<``, ``>`` and ``&`` as entities, so no raw HTML survives; Markdown's own characters
with a backslash, so a quote cannot become a link or a heading), and charts are PNG files beside it.

Nothing here computes a figure: every number and sentence comes from the :class:`pleval.schema.Brief`.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..coding.sources import SOURCE_NAMES
from ..errors import BriefError, DeliverableError, PlevalError, Problem
from ..inputs.text import sha256_bytes, sha256_text
from ..project import Project, atomic_write
from ..schema import Brief
from ..schema.survey import ROUNDING_RULE, percent_text, whole_percent
from .assemble import AssembledBrief, BriefContext, assemble_brief
from .deliver import pdf_paper, render_docx, render_pdf
from .prose import capitalised, example_parts

CHART_LABEL_CHARACTERS = 120  # an item's wording is shortened to this in a chart, then wrapped
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~])")


def markdown_escape(value) -> str:
    """Text made inert in Markdown: white space collapsed, HTML characters as entities, Markdown's own
    characters behind a backslash."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown_finalize(value):
    if value is None:
        return ""
    return value if isinstance(value, Markup) else Markup(markdown_escape(value))


@functools.cache
def _environment(markdown: bool) -> Environment:
    # one per kind for the process: an Environment keeps its compiled templates, and compiling costs more than
    # rendering a brief (it still reloads a template whose file changed)
    return Environment(loader=PackageLoader("pleval", "templates/brief"), autoescape=True, undefined=StrictUndefined,
                       keep_trailing_newline=True, finalize=_markdown_finalize if markdown else None)


# --- tables and charts, from the brief alone ----------------------------------------------------------------


def prevalence_rows(brief: Brief) -> list[dict[str, str]]:
    """One row per theme: sites, transcripts and participants voicing it, its coding sources and agreement."""
    rows = []
    for theme in brief.themes:
        p, r = theme.prevalence, theme.reliability
        sources = ", ".join(f"{SOURCE_NAMES[s]} ({n})" for s, n in p.sources.items() if n) or "-"
        agreement = ("no human coding" if r.human_codings == 0 else "not measured" if r.alpha is None
                     else f"alpha {r.alpha:.3f}")
        rows.append({"theme": theme.label, "sites": f"{p.sites} of {p.sites_total}",
                     "transcripts": f"{p.transcripts} of {p.transcripts_total}",
                     "participants": f"{p.participants} of {p.participants_total}", "sources": sources,
                     "agreement": agreement + (" (provisional)" if r.provisional else "")})
    return rows


def prevalence_table(brief: Brief) -> pd.DataFrame:
    """:func:`prevalence_rows` as a table, its sites' column named by the project's word ("clinics")."""
    columns = ["theme", "sites", "transcripts", "participants", "sources", "agreement"]
    return pd.DataFrame(prevalence_rows(brief), columns=columns).rename(columns={"sites": brief.site.plural})


def roles_table(brief: Brief) -> pd.DataFrame:
    """One row per theme and role: participants of the role who voiced it, of those in the brief; ``label``
    is how the project names the role."""
    rows = [{"theme": t.label, "role": r.role, "label": r.label or r.role, "voiced": r.voiced,
             "participants": r.participants} for t in brief.themes for r in t.prevalence.roles]
    return pd.DataFrame(rows, columns=["theme", "role", "label", "voiced", "participants"])


def survey_table(brief: Brief) -> pd.DataFrame:
    """One row per survey figure in the brief: item, n, percent agreeing and interval, or suppressed."""
    rows = []
    for theme in brief.themes:
        for item in theme.figures:
            f = item.figure
            rows.append({"theme": theme.label, "item_id": f.item_id, "wording": f.wording, "n": f.n,
                         "agree": f.agree, "percent": f.percent, "ci_low": f.ci_low, "ci_high": f.ci_high,
                         "suppressed": f.suppressed, "withheld": f.withheld, "suppress_below": f.suppress_below,
                         "years": ", ".join(f.years), "filters": json.dumps(f.filters.active())})
    return pd.DataFrame(rows, columns=["theme", "item_id", "wording", "n", "agree", "percent", "ci_low", "ci_high",
                                       "suppressed", "withheld", "suppress_below", "years", "filters"])


def brief_charts(brief: Brief) -> dict:
    """The brief's charts as matplotlib figures: ``prevalence`` (by role) and, with survey figures, ``survey``."""
    from ..charts import prevalence_by_role_chart, survey_figures_chart  # matplotlib: only when drawing

    charts = {"prevalence": prevalence_by_role_chart(roles_table(brief), title="Who voiced each theme")}
    table = survey_table(brief).drop_duplicates("item_id")
    if not table.empty:
        # each item by its wording, as respondents read it (an id means nothing to a reader)
        table = table.assign(label=[textwrap.fill(textwrap.shorten(w, CHART_LABEL_CHARACTERS, placeholder="…"), 46)
                                    for w in table["wording"]],
                             shown=[_shown(row) for _, row in table.iterrows()])  # as the text and table say it
        charts["survey"] = survey_figures_chart(table, title=f"Percent agreeing ({', '.join(table['years'].iloc[:1])})")
    return charts


def _chart_key(brief: Brief) -> str:
    """What the brief's charts are drawn from: their tables, the drawing code, and matplotlib with its settings
    (a matplotlibrc or style change draws them anew)."""
    import matplotlib

    settings = sorted((k, repr(v)) for k, v in matplotlib.rcParams.items() if not k.startswith("backend"))
    package = Path(__file__).parent.parent
    parts = [roles_table(brief).to_json(), survey_table(brief).to_json(), [f.figure.item_id for t in brief.themes
             for f in t.figures], matplotlib.__version__, settings, __version__,
             [sha256_bytes((package / name).read_bytes()) for name in ("charts.py", "briefs/render.py")]]
    return sha256_text(json.dumps(parts, default=str))


def chart_pngs(project: Project, brief: Brief) -> dict[str, bytes]:
    """The brief's charts as PNG bytes (see :func:`brief_charts`), drawn once for the same tables: kept under
    outputs/cache/charts/ by :func:`_chart_key`, since drawing them is about half of drafting a brief."""
    folder = project.cache_dir / "charts"
    key = _chart_key(brief)
    try:
        kept = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return {name: (folder / f"{key}.{name}.png").read_bytes() for name in kept}
    except (OSError, ValueError, TypeError):
        pass
    charts = {name: png_bytes(figure) for name, figure in brief_charts(brief).items()}
    try:
        for name, data in charts.items():
            with atomic_write(folder / f"{key}.{name}.png", "wb") as handle:
                handle.write(data)
        with atomic_write(folder / f"{key}.json", "w", encoding="utf-8") as handle:  # last: the entry is whole
            handle.write(json.dumps(list(charts)))
    except OSError:
        pass  # a cache that cannot be written is no reason to fail a brief
    return charts


CAPTIONS = {
    "prevalence": "Share of the brief's participants in each role who voiced each theme (labels: voiced of all).",
    "survey": "Percent of respondents agreeing with each linked survey item, with n and the Wilson 95% interval; "
              "suppressed and withheld items show no figure.",
}


def png_bytes(figure) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _shown(row) -> str | None:
    """A figure's percent as the brief's sentences, table and chart all state it (:data:`ROUNDING_RULE`)."""
    if row["suppressed"] or pd.isna(row["agree"]) or pd.isna(row["n"]):
        return None
    return percent_text(int(row["agree"]), int(row["n"]))


def _survey_rows(brief: Brief) -> list[dict]:
    rows = []
    for _, row in survey_table(brief).iterrows():
        if row["withheld"]:
            percent, interval = "withheld", ""
        elif row["suppressed"]:
            percent, interval = f"suppressed (n < {row['suppress_below']})", ""
        else:
            percent = _shown(row) or ""
            interval = f"{whole_percent(row['ci_low'])}-{whole_percent(row['ci_high'])}%"
        n = "" if row["suppressed"] or pd.isna(row["n"]) else int(row["n"])  # a suppressed figure has no n
        rows.append({"theme": row["theme"], "wording": row["wording"], "n": n, "percent": percent,
                     "interval": interval})
    return rows


def survey_note(brief: Brief) -> str:
    """The note under the survey table: the one rounding rule of the brief's text, table and chart, and why
    figures are missing, when some are (too few answers, or withheld)."""
    figures = [item.figure for theme in brief.themes for item in theme.figures]
    if not figures:
        return ""
    if not any(f.suppressed for f in figures):
        return ROUNDING_RULE
    threshold = figures[0].suppress_below
    return (f"{ROUNDING_RULE} A suppressed figure comes from fewer than {threshold} respondents; a withheld one is "
            f"left out so that a small group cannot be worked out from it and the other figures. Neither is given as "
            f"a number.")


def _values(brief: Brief, final: bool = False) -> dict:
    """What both templates lay out besides the charts."""
    return {"brief": brief, "survey_rows": _survey_rows(brief), "survey_note": survey_note(brief),
            "prevalence_rows": prevalence_rows(brief), "sites_title": capitalised(brief.site.plural), "final": final,
            "example_parts": example_parts}


def _markdown_values(brief: Brief, images: dict[str, str], final: bool = False) -> dict:
    charts = [{"src": Markup(path), "alt": name, "caption": CAPTIONS.get(name, "")} for name, path in images.items()]
    return {**_values(brief, final), "charts": charts}


def render_markdown(brief: Brief, images: dict[str, str], *, final: bool = False) -> str:
    """The brief as Markdown; ``images`` maps a chart name to the path the Markdown links. ``final``: without the
    draft notice, the reviewers' note and the coding-method columns (see :func:`check_final`)."""
    template = _environment(markdown=True).get_template("brief.md.j2")
    return template.render(**_markdown_values(brief, images, final))


MARKDOWN_PARTS = ("header", "themes", "questions", "figures", "footnote", "about", "sidebars", "review")


def markdown_part(brief: Brief, part: str, images: dict[str, str] | None = None) -> str:
    """One part of the brief as Markdown (one of :data:`MARKDOWN_PARTS`), for the brief notebook to display
    between its charts and tables."""
    if part not in MARKDOWN_PARTS:
        raise ValueError(f"unknown part '{part}': use one of {', '.join(MARKDOWN_PARTS)}")
    return markdown_parts(brief, images, parts=(part,))[part]


def markdown_parts(brief: Brief, images: dict[str, str] | None = None, *, parts: tuple[str, ...] = MARKDOWN_PARTS
                   ) -> dict[str, str]:
    """Every part of the brief as Markdown (see :func:`markdown_part`), rendered from one set of values.

    Parameters
    ----------
    brief : Brief
    images : dict of str to str, optional
        Chart name to the path the Markdown links.
    parts : tuple of str, optional
        The parts wanted, each one of :data:`MARKDOWN_PARTS` (default: all of them).

    Returns
    -------
    dict of str to str
        Part name to its Markdown, in the order of ``parts``.
    """
    template = _environment(markdown=True).get_template("brief.md.j2")
    context = template.new_context(_markdown_values(brief, images or {}))
    return {part: "".join(template.blocks[part](context)) for part in parts}


def render_html(brief: Brief, images: dict[str, bytes], *, final: bool = False) -> str:
    """The brief as one self-contained HTML page; ``images`` maps a chart name to its PNG bytes (``final``: as
    :func:`render_markdown`)."""
    charts = [{"src": Markup("data:image/png;base64," + base64.b64encode(data).decode("ascii")), "alt": name,
               "caption": CAPTIONS.get(name, "")} for name, data in images.items()]
    template = _environment(markdown=False).get_template("brief.html.j2")
    return template.render(**_values(brief, final), charts=charts)


# --- files ---------------------------------------------------------------------------------------------------


@dataclass
class WrittenBrief:
    """The files written for one brief."""

    brief_id: str
    paths: list[Path] = field(default_factory=list)
    report: Path | None = None
    charts: dict[str, Path] = field(default_factory=dict)  # chart name -> its PNG


def check_final(brief: Brief) -> None:
    """Refuse a final brief while something in it is still a draft's.

    Raises
    ------
    BriefError
        If a theme is provisional (its coding not yet agreed by two people), naming the themes and why; or if a
        term flagged in its quotes awaits a person's decision, naming the terms and how to decide.
    """
    provisional = [t for t in brief.themes if t.reliability.provisional]
    if provisional:
        reasons = "; ".join(f"'{t.code_id}' ({t.reliability.reason})" for t in provisional)
        raise BriefError(f"brief '{brief.id}' cannot be final while themes are provisional: {reasons}",
                         fix="have two people code these themes until they agree (pleval reliability), or leave "
                             "the themes out of this brief")
    if brief.undecided_terms:
        terms = ", ".join(f"'{term}'" for term in brief.undecided_terms)
        raise BriefError(f"brief '{brief.id}' cannot be final while terms flagged in its quotes are undecided: "
                         f"{terms}", fix="decide each with pleval terms keep TERM or pleval terms redact TERM "
                                         "(pleval terms lists them)")


def write_brief(project: Project, assembled: AssembledBrief, output_dir: Path | None = None, *,
                final: bool = False) -> WrittenBrief:
    """Write a brief's JSON, Markdown, HTML, Word document and chart PNGs to ``output_dir`` (default
    outputs/briefs), and its redaction report to outputs/redaction/ (it holds the names replaced: keep it inside
    the project).

    Everything is rendered before anything is written, and each file is written to a temporary file and
    renamed, so a failure leaves no half-written file. Files already written for this very brief (its JSON
    unchanged, e.g. by ``pleval build`` drafting ahead) are kept as they are, without drawing the charts again.
    """
    brief = assembled.brief
    if final:
        check_final(brief)
        brief = brief.model_copy(update={"provenance": {**brief.provenance, "final": True}})
    folder = Path(output_dir) if output_dir is not None else project.briefs_output_dir
    model_json = brief.model_dump_json(indent=2)
    current = _written_already(project, brief, folder, model_json)
    if current is not None:
        return current
    charts = chart_pngs(project, brief)
    names = {name: f"{brief.id}.{name}.png" for name in charts}
    contents: dict[str, str | bytes] = {
        f"{brief.id}.json": model_json,
        f"{brief.id}.md": render_markdown(brief, names, final=final),
        f"{brief.id}.html": render_html(brief, charts, final=final),
        f"{brief.id}.docx": render_docx(brief, charts, CAPTIONS, _survey_rows(brief), survey_note(brief), final=final),
        **{names[name]: data for name, data in charts.items()},
    }
    written = WrittenBrief(brief.id)
    for name, content in contents.items():
        path = folder / name
        binary = isinstance(content, bytes)
        with atomic_write(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            handle.write(content)
        written.paths.append(path)
    written.charts = {name: folder / file for name, file in names.items()}
    report = project.redaction_report(brief.id)
    with atomic_write(report, "w", encoding="utf-8") as handle:
        # one string written at once: json.dump would write it in thousands of small pieces
        handle.write(json.dumps(assembled.redaction_report, indent=2, ensure_ascii=False))
    written.report = report
    return written


def _written_already(project: Project, brief: Brief, folder: Path, model_json: str) -> WrittenBrief | None:
    """The files of this brief if they are all there and were written for the same brief (``model_json``)."""
    model = folder / f"{brief.id}.json"
    report = project.redaction_report(brief.id)
    try:
        if model.read_text(encoding="utf-8") != model_json:
            return None
    except OSError:
        return None
    charts = {path.name[len(brief.id) + 1: -len(".png")]: path for path in sorted(folder.glob(f"{brief.id}.*.png"))}
    paths = [model, folder / f"{brief.id}.md", folder / f"{brief.id}.html", folder / f"{brief.id}.docx",
             *charts.values()]
    if "prevalence" not in charts or not all(p.exists() for p in paths) or not report.exists():
        return None
    return WrittenBrief(brief.id, paths, report, charts)


@dataclass
class BriefRun:
    """What ``pleval brief`` did: briefs written, and briefs that failed with their error."""

    written: list[WrittenBrief] = field(default_factory=list)
    failed: dict[str, PlevalError] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def build_briefs(project: Project, brief_ids: list[str] | None = None, *, output_dir: Path | None = None,
                 final: bool = False) -> BriefRun:
    """Draft and write briefs: the ones named, or every brief in briefs.yaml. A brief that fails is reported in
    ``failed`` and the others go on. ``final``: the funder's versions (see :func:`check_final`), which a brief
    with a provisional theme fails.

    Raises
    ------
    PlevalError
        When nothing can be drafted at all (an invalid codebook, briefs.yaml or survey).
    """
    context = BriefContext.load(project)
    run = BriefRun(problems=list(context.problems))
    for brief_id in brief_ids or context.declared:
        try:
            assembled = assemble_brief(project, brief_id, context=context)
            run.written.append(write_brief(project, assembled, output_dir, final=final))
        except PlevalError as error:
            run.failed[brief_id] = error
    return run


def write_pdfs(folder: Path, brief_ids: list[str], *, paper: str = "letter", chromium: str | None = None
               ) -> tuple[list[Path], dict[str, PlevalError]]:
    """Print each brief's HTML page in ``folder`` to ``<id>.pdf`` beside it, unless a PDF on the same paper is
    newer than the page.

    Returns
    -------
    written : list of Path
        The PDFs printed now or already up to date.
    failed : dict of str to PlevalError
        Briefs whose page is missing or could not be printed, with why; the others go on.
    """
    written: list[Path] = []
    failed: dict[str, PlevalError] = {}
    for brief_id in brief_ids:
        page, pdf = folder / f"{brief_id}.html", folder / f"{brief_id}.pdf"
        try:
            if not page.exists():
                raise DeliverableError("no HTML page to print", path=page, fix=f"draft it: pleval brief {brief_id}")
            current = (pdf.exists() and pdf.stat().st_mtime_ns >= page.stat().st_mtime_ns
                       and pdf_paper(pdf.read_bytes()) == paper)
            if not current:
                data = render_pdf(page.read_text(encoding="utf-8"), paper=paper, chromium=chromium)
                with atomic_write(pdf, "wb") as handle:
                    handle.write(data)
            written.append(pdf)
        except PlevalError as error:
            failed[brief_id] = error
    return written, failed
