"""Briefs drafted ahead: ``pleval build`` drafts every brief it is about to run in one process, sharing one load
of the project, writes its files and keeps what the brief notebook shows (the Markdown parts, the tables as HTML,
the chart files) under ``outputs/cache/briefs/``. The notebook's kernel then reads that with :func:`view_brief`
instead of importing the NLP, statistics and plotting stack and loading the project again.

A kept brief is used only while its key matches (the hash of the transcripts, coding logs, codebook, survey,
briefs.yaml, the brief templates and pleval's version) and its files are where the notebook wants them.
Otherwise :func:`view_brief` drafts the brief afresh, exactly as :func:`pleval.briefs.assemble.assemble_brief`
would, and renders it the same way.

This module imports nothing heavy itself: the kernel of every brief page imports it.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PlevalError
from ..inputs.digests import file_digest, folder_digest, pleval_digest
from ..inputs.text import sha256_text
from ..project import Project, atomic_write, inside

SURVEY_COLUMNS = ["theme", "item_id", "n", "agree", "percent", "ci_low", "ci_high", "suppressed", "withheld", "years"]


def brief_key(project: Project) -> str:
    """The hash of everything a brief is drafted from."""
    parts = {
        "transcripts": folder_digest(project.transcripts_dir),
        "codings": folder_digest(project.codings_dir, "*.jsonl"),
        "codebook": file_digest(project.codebook_path),
        "survey": folder_digest(project.survey_dir),
        "briefs": file_digest(project.briefs_path),
        "terms": file_digest(project.terms_path),
        "coder_quality": file_digest(project.coder_quality_path),
        "templates": folder_digest(Path(__file__).parent.parent / "templates" / "brief"),
        "pleval": pleval_digest(),
    }
    return sha256_text(json.dumps(parts, sort_keys=True))


@dataclass
class BriefView:
    """A brief as its notebook shows it.

    Attributes
    ----------
    parts : dict of str to str
        Markdown of each part of the brief (see :data:`pleval.briefs.render.MARKDOWN_PARTS`).
    tables : dict of str to str
        HTML of the ``prevalence`` table and, when the brief has survey figures, the ``survey`` table.
    charts : dict of str to str
        Chart name to the PNG file written with the brief.
    folder : str
        Where the brief's JSON, Markdown, HTML and charts were written.
    """

    brief_id: str
    parts: dict[str, str]
    tables: dict[str, str]
    charts: dict[str, str]
    folder: str
    model: dict = field(default_factory=dict, repr=False)

    def markdown(self, *parts: str):
        """The named parts, in order, as one IPython Markdown display object."""
        from IPython.display import Markdown

        return Markdown("".join(self.parts[part] for part in parts))

    def table(self, name: str):
        """The ``prevalence`` or ``survey`` table as an IPython HTML display object."""
        from IPython.display import HTML

        return HTML(self.tables[name])

    def images(self) -> list:
        """The charts, as IPython Image display objects."""
        from IPython.display import Image

        return [Image(filename=path) for path in self.charts.values()]

    @property
    def brief(self):
        """The brief itself (:class:`pleval.schema.Brief`), for looking further in a notebook."""
        from ..schema import Brief

        return Brief.model_validate(self.model)


def _kept(project: Project, brief_id: str) -> Path:
    return inside(project.cache_dir / "briefs", f"{brief_id}.json")


def render_view(assembled, written) -> BriefView:
    """What the notebook shows of a drafted brief (``assembled``) whose files are ``written``."""
    from .render import markdown_parts, prevalence_table, survey_table

    brief = assembled.brief
    tables = {"prevalence": prevalence_table(brief)._repr_html_()}
    figures = survey_table(brief)
    if len(figures):
        tables["survey"] = figures[SURVEY_COLUMNS].round(1)._repr_html_()
    folder = written.paths[0].parent if written.paths else Path()
    return BriefView(brief.id, markdown_parts(brief), tables,
                     {name: str(path) for name, path in written.charts.items()}, str(folder),
                     brief.model_dump(mode="json"))


def draft_ahead(project: Project, brief_ids: list[str], *, redraft: bool = False):
    """Draft, write (outputs/briefs/) and keep the named briefs in this process, one after another, for their
    notebooks to show; yield each brief's id as it is done, with None or the error that kept it from being drafted
    (its notebook will draft it again and fail with the same error, where a reviewer sees it).

    A brief already kept from the same inputs (the same key: transcripts, codings, codebook, survey, briefs.yaml,
    the brief templates, pleval's version) is not drafted again unless ``redraft`` (``pleval build --force``); it
    comes first, and the project is loaded only if some brief needs drafting.
    """
    from .assemble import BriefContext

    if not brief_ids:
        return
    key = brief_key(project)
    folder = project.briefs_output_dir
    kept = [] if redraft else [b for b in brief_ids if _kept_view(project, b, folder, key) is not None]
    for brief_id in kept:
        yield brief_id, None
    todo = [b for b in brief_ids if b not in kept]
    if not todo:
        return
    try:
        context = BriefContext.load(project)
    except PlevalError as error:
        for brief_id in todo:
            yield brief_id, error
        return
    gc.freeze()  # the loaded project lives until the end: full collections need not walk it again and again
    try:
        yield from _draft_each(project, todo, context, key)
    finally:
        gc.unfreeze()


def _draft_each(project: Project, brief_ids: list[str], context, key: str):
    from .assemble import assemble_brief
    from .render import write_brief

    for brief_id in brief_ids:
        try:
            assembled = assemble_brief(project, brief_id, context=context)
            view = render_view(assembled, write_brief(project, assembled))
        except PlevalError as error:
            yield brief_id, error
            continue
        with atomic_write(_kept(project, brief_id), "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "view": view.__dict__}, ensure_ascii=False))
        yield brief_id, None


def prepare_briefs(project: Project, brief_ids: list[str], *, redraft: bool = False) -> dict[str, PlevalError]:
    """:func:`draft_ahead` every named brief; returns those that could not be drafted, with why."""
    return {brief_id: error for brief_id, error in draft_ahead(project, brief_ids, redraft=redraft)
            if error is not None}


def _kept_view(project: Project, brief_id: str, folder: Path, key: str) -> BriefView | None:
    """The kept view of a brief, if it was drafted from inputs with this ``key`` and its files are in ``folder``."""
    try:
        kept = json.loads(_kept(project, brief_id).read_text(encoding="utf-8"))
        view = BriefView(**kept["view"])
        files = [Path(view.folder) / f"{brief_id}.json", *map(Path, view.charts.values())]
        if (kept["key"] == key and Path(view.folder).resolve() == folder.resolve()
                and all(path.exists() for path in files)):
            return view
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def view_brief(project: Project | str, brief_id: str, output_dir: str | Path | None = None) -> BriefView:
    """The brief as drafted ahead by ``pleval build`` if its inputs have not changed since and its files are in
    ``output_dir`` (default outputs/briefs); else drafted, written there and rendered now.

    Raises
    ------
    PlevalError
        If the brief cannot be drafted (an unknown id, an invalid briefs.yaml, codebook or survey).
    """
    project = project if isinstance(project, Project) else Project.open(project)
    folder = Path(output_dir) if output_dir is not None else project.briefs_output_dir
    view = _kept_view(project, brief_id, folder, brief_key(project))
    if view is not None:
        return view
    from .assemble import assemble_brief
    from .render import write_brief

    assembled = assemble_brief(project, brief_id)
    return render_view(assembled, write_brief(project, assembled, folder))
