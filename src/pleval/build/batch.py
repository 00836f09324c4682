"""``pleval build``: code what changed, run each page's notebook under papermill, convert it for reviewers.

A page is the overview notebook or the brief notebook with one brief's parameters. Each page's inputs
(transcripts, coding logs, codebook, survey, its briefs.yaml entry and, for a brief, the decisions on flagged terms,
the notebook, the templates, pleval's version) are hashed; a page whose hashes match ``outputs/manifest.json`` and
whose HTML exists is not run again.
Pages run one per process (``-j N``) or as tasks on an existing Dask cluster (:mod:`pleval.build.runners`). A failing
page keeps papermill's executed notebook, with the error at the failing cell, and an error entry in the index;
the others go on.

Outputs: ``outputs/notebooks/<page>.ipynb`` (executed), ``outputs/html/<page>.html`` and
``outputs/html/index.html``, and ``outputs/manifest.json`` (per page: input hashes, parameters, versions,
timings, status), each written atomically.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from .. import __version__
from ..errors import BuildError, Problem
from ..inputs.digests import file_digest, folder_digest, pleval_digest
from ..inputs.text import sha256_text
from ..project import Project, atomic_write
from .runners import runner

MANIFEST_FORMAT = 1
OVERVIEW = "overview"
#: The notebooks shipped with pleval, which a build runs when the project has none of its own.
PACKAGED_NOTEBOOKS = Path(__file__).parent.parent / "notebooks"



@dataclass
class Page:
    """One notebook run: which notebook, with which parameters, from which inputs."""

    id: str
    title: str
    notebook: Path
    parameters: dict
    inputs: dict[str, str]
    subtitle: str = ""
    kind: str = "brief"

    @property
    def internal(self) -> bool:
        """Whether the page is the team's own (the overview), kept apart from the reviewers' pages."""
        return self.kind != "brief"

    @property
    def key(self) -> str:
        return sha256_text(json.dumps({"inputs": self.inputs, "parameters": self.parameters}, sort_keys=True))


@dataclass
class PageResult:
    id: str
    status: str  # built, unchanged, failed
    seconds: float | None = None
    execute_seconds: float | None = None
    convert_seconds: float | None = None
    error: str | None = None
    built_at: str | None = None


@dataclass
class BuildReport:
    results: list[PageResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    coded: int = 0
    index: Path | None = None
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds spent coding and drafting the briefs

    @property
    def failed(self) -> list[PageResult]:
        return [r for r in self.results if r.status == "failed"]


def _brief_entries(project: Project) -> tuple[list[dict], dict]:
    """The briefs declared in data/briefs.yaml (id, title, subtitle, ...) and the project-level block."""
    path = project.briefs_path
    if not path.exists():
        return [], {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise BuildError(f"briefs.yaml is not valid YAML: {getattr(error, 'problem', error)}", path=path,
                         line=mark.line + 1 if mark else None, fix="run 'pleval validate' for details") from None
    briefs = data.get("briefs") if isinstance(data, dict) else None
    if not isinstance(briefs, list) or not all(isinstance(b, dict) and b.get("id") for b in briefs):
        raise BuildError("briefs.yaml needs a 'briefs' list whose entries each have an 'id'", path=path,
                         fix="run 'pleval validate' for details")
    shared = {k: v for k, v in data.items() if k != "briefs"}
    return briefs, shared


def shared_inputs(project: Project) -> dict[str, str]:
    """Hashes of what every page reads."""
    templates = Path(__file__).parent.parent / "templates"
    return {
        "transcripts": folder_digest(project.transcripts_dir),
        "codings": folder_digest(project.codings_dir, "*.jsonl"),
        "codebook": file_digest(project.codebook_path),
        "survey": folder_digest(project.survey_dir),
        "templates": folder_digest(templates),
        "pleval": pleval_digest(),
    }


def plan(project: Project, brief_ids: list[str] | None = None, *, notebooks: Path | None = None,
         overview: bool = True) -> list[Page]:
    """The pages a build makes: the overview, then every brief (or the chosen ones), with their inputs.

    Raises
    ------
    BuildError
        For a brief id that briefs.yaml does not declare, or a notebook missing from ``notebooks``.

    Each page runs the project's own notebook (notebooks/overview.ipynb, notebooks/brief.ipynb) where it has one,
    else the one shipped with pleval (:data:`PACKAGED_NOTEBOOKS`); ``notebooks`` names another folder instead.
    """
    briefs, shared_block = _brief_entries(project)
    known = [b["id"] for b in briefs]
    unknown = [b for b in brief_ids or [] if b not in known]
    if unknown:
        raise BuildError(f"unknown brief(s): {', '.join(unknown)}", path=project.briefs_path,
                         fix=f"briefs declared: {', '.join(known) or 'none'}")
    inputs = shared_inputs(project)
    # every page's survey figures are suppressed over the whole build (pleval.briefs.published): what the briefs
    # publish of the survey (their themes and filters) is an input of every page
    inputs["survey_figures"] = sha256_text(json.dumps([{k: b.get(k) for k in ("id", "themes", "filters")}
                                                       for b in briefs], sort_keys=True, default=str))
    pages = []
    if overview and not brief_ids:
        pages.append(_page(OVERVIEW, "Project overview", page_notebook(project, "overview.ipynb", notebooks), inputs,
                           {"project": str(project.root), "output_dir": str(project.internal_html_dir)}, "overview",
                           "The corpus, the codes, the survey and the state of the coding"))
    for brief in briefs:
        if brief_ids and brief["id"] not in brief_ids:
            continue
        entry = sha256_text(json.dumps({"brief": brief, "shared": shared_block}, sort_keys=True, default=str))
        pages.append(_page(brief["id"], str(brief.get("title", brief["id"])),
                           page_notebook(project, "brief.ipynb", notebooks),
                           {**inputs, "brief": entry, "terms": file_digest(project.terms_path),
                            "coder_quality": file_digest(project.coder_quality_path)},
                           {"project": str(project.root), "brief_id": brief["id"],
                            "output_dir": str(project.briefs_output_dir)},
                           "brief", str(brief.get("subtitle", ""))))
    return pages


def page_notebook(project: Project, name: str, folder: Path | None = None) -> Path:
    """The notebook ``name`` a build runs: from ``folder`` if given, else the project's notebooks/ folder if it
    has one of that name, else the one shipped with pleval."""
    if folder is not None:
        return folder / name
    own = project.notebooks_dir / name
    return own if own.is_file() else PACKAGED_NOTEBOOKS / name


def _page(page_id, title, notebook: Path, inputs, parameters, kind, subtitle="") -> Page:
    if not notebook.exists():
        raise BuildError(f"no notebook {notebook.name} for page '{page_id}'", path=notebook,
                         fix="add it to that folder, or leave the folder out to run the notebooks pleval ships")
    return Page(page_id, title, notebook, parameters, {**inputs, "notebook": file_digest(notebook)}, subtitle,
                kind)


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return manifest if manifest.get("format") == MANIFEST_FORMAT else {}
    except (OSError, ValueError):
        return {}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"pleval": __version__, "python": platform.python_version()}
    for name in ("papermill", "nbconvert", "nbclient", "ipykernel", "pandas", "spacy"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def build(project: Project, brief_ids: list[str] | None = None, *, jobs: int = 1, force: bool = False,
          executor: str = "processes", scheduler: str | None = None, progress: bool | None = None,
          notebooks: Path | None = None) -> BuildReport:
    """Code what changed, then run every page whose inputs changed (or all, with ``force``).

    Parameters
    ----------
    project : Project
    brief_ids : list of str, optional
        Build only these briefs (and not the overview).
    jobs : int
        Pages run at once (each in its own process, with its own kernel).
    force : bool
        Run every page, changed or not, and draft every brief afresh (otherwise a brief kept from unchanged
        inputs is reused, say when only the notebook changed).
    executor : {"processes", "dask"}
        Where pages run; ``dask`` sends them to the Dask cluster at ``scheduler``.
    progress : bool or None
        Show a progress bar (None: only on a terminal).

    Raises
    ------
    BuildError
        For an unknown brief or executor.
    pleval.errors.RunnerError
        For a Dask scheduler that cannot be reached, or the dask executor without its package.
    """
    started = time.perf_counter()
    if executor not in ("processes", "dask"):
        raise BuildError(f"unknown executor '{executor}'", fix="use 'processes' or 'dask'")
    if executor == "dask" and not scheduler:
        raise BuildError("the dask executor needs --scheduler ADDRESS", fix="e.g. --scheduler tcp://10.0.0.5:8786")
    report = BuildReport()
    pages = plan(project, brief_ids, notebooks=notebooks)
    manifest_path = project.manifest_path
    manifest = _read_manifest(manifest_path)
    recorded = manifest.get("pages", {})
    coding_key = sha256_text(json.dumps({k: pages[0].inputs[k] for k in ("transcripts", "codebook", "pleval")}
                                    if pages else {}, sort_keys=True))
    todo = []
    for page in pages:
        before = recorded.get(page.id, {})
        fresh = (before.get("key") == page.key and before.get("status") == "built"
                 and project.page_html(page.id, internal=page.internal).exists())
        if fresh and not force:
            report.results.append(PageResult(page.id, "unchanged", before.get("seconds"),
                                             built_at=before.get("built_at")))
        else:
            todo.append(page)
    plain = {p.id: {**asdict(p), "notebook": str(p.notebook), "executed": str(project.page_notebook(p.id)),
                    "html": str(project.page_html(p.id, internal=p.internal))} for p in todo}
    disable = None if progress is None else not progress
    manifest.update(format=MANIFEST_FORMAT, versions=_versions())
    manifest.setdefault("pages", {})
    # The kernels boot while this process codes what changed and drafts the briefs; with -j N, each brief's page
    # runs as soon as it is drafted.
    with runner(list(plain.values()), jobs=jobs, executor=executor, scheduler=scheduler) as pages_runner:
        if pages and manifest.get("coded") != coding_key:
            stage = time.perf_counter()
            report.coded, problems = _code(project, progress, jobs if executor == "processes" else 1)
            report.problems += problems
            report.stages["coding"] = time.perf_counter() - stage
            _give_back_memory()  # what coding held, before the briefs' drafting loads the project
        briefs_todo = [p.id for p in todo if p.kind == "brief"]
        if briefs_todo and project.briefs_path.exists():
            from ..briefs.cache import draft_ahead
            from ..inputs.cache import forget_loaded

            # One shared load of the project here, instead of one per kernel; each brief's page starts as soon
            # as its draft is kept (a brief that cannot be drafted fails in its notebook, with the error shown).
            stage = time.perf_counter()
            for brief_id, _ in draft_ahead(project, briefs_todo, redraft=force):
                pages_runner.start([plain[brief_id]])
            report.stages["drafting"] = time.perf_counter() - stage
            if any(p.kind != "brief" for p in todo):
                forget_loaded()  # the corpus, which the overview's kernel is about to load for itself
                _give_back_memory()
        else:
            pages_runner.start([plain[brief_id] for brief_id in briefs_todo])
        # The overview loads the whole project in its kernel: it starts once this process has let go of its own.
        pages_runner.start([plain[p.id] for p in todo if p.kind != "brief"])
        bar = tqdm(total=len(todo), desc="building", unit="page", disable=disable)
        try:
            for result in pages_runner.results():
                page = next(p for p in todo if p.id == result["id"])
                report.results.append(PageResult(**result))
                manifest["pages"][page.id] = {**result, "key": page.key, "inputs": page.inputs,
                                              "parameters": page.parameters, "notebook": page.notebook.name,
                                              "kind": page.kind, "title": page.title, "subtitle": page.subtitle}
                manifest["coded"] = coding_key
                _write_json(manifest_path, manifest)  # after every page: a crash keeps what finished
                bar.update()
        finally:
            bar.close()
    manifest["coded"] = coding_key
    manifest["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    manifest["stages"] = {stage: round(seconds, 3) for stage, seconds in report.stages.items()}
    _write_json(manifest_path, manifest)
    report.results.sort(key=lambda r: [p.id for p in pages].index(r.id))
    report.index = _write_index(project, pages, report, manifest)
    report.seconds = time.perf_counter() - started
    return report


def _give_back_memory() -> None:
    """Collect garbage and hand the freed heap back to the system, which glibc otherwise keeps for this process
    (a few hundred MB after drafting a big project's briefs)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def _code(project: Project, progress: bool | None, jobs: int) -> tuple[int, list[Problem]]:
    """Code what changed; only the counts are kept, not the codings (a big corpus has many)."""
    from ..coding.run import code_project

    run = code_project(project, progress=progress, jobs=jobs)
    return len(run.coded), list(run.problems)


def _write_json(path: Path, data: dict) -> None:
    """Compact: the manifest is written after every page, and indented JSON goes through the slow Python encoder."""
    with atomic_write(path) as handle:
        handle.write(json.dumps(data, sort_keys=True, default=str, separators=(",", ":")))


def _write_index(project: Project, pages: list[Page], report: BuildReport, manifest: dict) -> Path:
    """Write the reviewers' index (html/index.html: the briefs) and the team's (internal/index.html: the internal
    pages, then the briefs). Each lists this build's pages, then any page built earlier that this build did not
    touch. Returns the reviewers' index."""
    from .pages import write_index

    by_id = {r.id: r for r in report.results}
    kinds = {p.id: p.kind for p in pages}
    order = [p.id for p in pages] + [i for i in manifest.get("pages", {}) if i not in kinds]
    title = _project_title(project)
    rows = {page_id: _index_row(project, page_id, by_id.get(page_id), manifest.get("pages", {}).get(page_id, {}),
                                kinds) for page_id in order}
    briefs = [r for r in rows.values() if not r["internal"]]
    internal = [r for r in rows.values() if r["internal"]]

    def listed(chosen: list[dict], folder: Path) -> list[dict]:
        return [{**row, "html": os.path.relpath(row["html"], folder) if row["html"] else None,
                 "notebook": os.path.relpath(row["notebook"], folder) if row["notebook"] else None}
                for row in chosen]

    def summary(chosen: list[dict]) -> dict:
        return {"pages": len(chosen), "finished_at": manifest.get("finished_at", ""),
                **{status: sum(r["status"] == status for r in chosen) for status in ("built", "unchanged", "failed")}}

    inside = project.internal_html_dir
    write_index(inside / "index.html", project_name=title, pages=listed(internal + briefs, inside),
                summary=summary(internal + briefs), internal=True)
    return write_index(project.html_dir / "index.html", project_name=title,
                       pages=listed(briefs, project.html_dir), summary=summary(briefs))


def _index_row(project: Project, page_id: str, result: PageResult | None, recorded: dict, kinds: dict[str, str]
               ) -> dict:
    internal = kinds.get(page_id, recorded.get("kind", "brief")) != "brief"
    notebook, html = project.page_notebook(page_id), project.page_html(page_id, internal=internal)
    return {
        "id": page_id,
        "title": recorded.get("title", page_id),
        "subtitle": recorded.get("subtitle", ""),
        "status": result.status if result else "unchanged",
        "built_at": recorded.get("built_at"),
        "seconds": recorded.get("seconds"),
        "error": recorded.get("error") if recorded.get("status") == "failed" else None,
        "html": html if html.exists() else None,
        "notebook": notebook if notebook.exists() else None,
        "internal": internal,
    }


def _project_title(project: Project) -> str:
    """The evaluation's name from briefs.yaml, else the project folder's."""
    shared = _brief_entries(project)[1]
    for key in ("evaluation", "project", "collection"):
        block = shared.get(key)
        if isinstance(block, dict) and block.get("name"):
            return str(block["name"])
        if isinstance(block, str) and block:
            return block
    return f"{project.root.name}: evaluation briefs"
