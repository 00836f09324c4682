"""Briefs drafted ahead: ``pleval build`` drafts every brief it is about to run in one process, sharing one load
of the project, and keeps each under ``outputs/cache/briefs/``; the brief notebook's kernel then reads its
brief instead of importing the NLP and statistics stack and loading the project again.

A kept brief is used only while its key matches: the hash of the transcripts, coding logs, codebook, survey,
briefs.yaml and pleval's version. Otherwise :func:`load_brief` drafts the brief afresh, exactly as
:func:`pleval.brief_model.assemble_brief` would.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__
from .errors import PlevalError
from .project import Project, atomic_write


def brief_key(project: Project) -> str:
    """The hash of everything a brief is drafted from."""
    from .build import _files_digest, _tree

    data = project.root / "data"
    parts = {
        "transcripts": _files_digest(_tree(project.transcripts_dir)),
        "codings": _files_digest(_tree(data / "codings", "*.jsonl")),
        "codebook": _files_digest([project.codebook_path]) if project.codebook_path.exists() else "",
        "survey": _files_digest(_tree(project.survey_dir)),
        "briefs": _files_digest([data / "briefs.yaml"]) if (data / "briefs.yaml").exists() else "",
        "pleval": __version__,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _kept(project: Project, brief_id: str) -> Path:
    return project.output_path("cache", "briefs", f"{brief_id}.json")


def prepare_briefs(project: Project, brief_ids: list[str]) -> dict[str, PlevalError]:
    """Draft and write (outputs/briefs/) the named briefs in this process and keep them for the notebooks. Returns the briefs that could not
    be drafted, with why; their notebooks will draft them again and fail with the same error, where a reviewer
    sees it."""
    from .brief_model import BriefContext, assemble_brief
    from .brief_render import write_brief

    failed: dict[str, PlevalError] = {}
    if not brief_ids:
        return failed
    key = brief_key(project)
    try:
        context = BriefContext.load(project)
    except PlevalError as error:
        return {brief_id: error for brief_id in brief_ids}
    for brief_id in brief_ids:
        try:
            assembled = assemble_brief(project, brief_id, context=context)
            write_brief(project, assembled)
        except PlevalError as error:
            failed[brief_id] = error
            continue
        with atomic_write(_kept(project, brief_id), "w", encoding="utf-8") as handle:
            json.dump({"key": key, "brief": assembled.brief.model_dump(mode="json"),
                       "redaction_report": assembled.redaction_report}, handle, ensure_ascii=False)
    return failed


def load_brief(project: Project, brief_id: str):
    """The brief, as drafted ahead by ``pleval build`` if its inputs have not changed since, else drafted now.

    Returns
    -------
    pleval.brief_model.AssembledBrief
    """
    from .brief_model import AssembledBrief
    from .model import Brief

    try:
        kept = json.loads(_kept(project, brief_id).read_text(encoding="utf-8"))
        if kept.get("key") == brief_key(project):
            return AssembledBrief(Brief.model_validate(kept["brief"]), kept["redaction_report"])
    except (OSError, ValueError, KeyError):
        pass
    from .brief_model import assemble_brief

    return assemble_brief(project, brief_id)
