"""The REFI-QDA commands: ``pleval export refi codebook|project FILE`` and ``pleval import refi FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from .base import echo_problem, open_project
from .commands import export, import_
from .options import project_option, reviewed_option


@export.group("refi")
def export_refi():
    """Export to REFI-QDA, for NVivo, ATLAS.ti, MAXQDA, QualCoder and the rest."""


@export_refi.command("codebook")
@project_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_refi_codebook(project_dir, file):
    """Write the codebook as a REFI-QDA codebook (FILE.qdc)."""
    from ..refi import export_codebook

    project = open_project(project_dir)
    result = export_codebook(project, file)
    click.echo(f"wrote {file}: {result.counts['codes']} codes in {result.counts['groups']} groups", err=True)


@export_refi.command("project")
@project_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rules/--no-rules", default=True, show_default=True,
              help="Include the rule coder's codings (runs 'pleval code', reusing its cache).")
def export_refi_project(project_dir, file, rules):
    """Write the project as a REFI-QDA project (FILE.qdpx): codebook, transcripts, codings, cases, memos."""
    from ..refi import export_project

    result = export_project(open_project(project_dir), file, rules=rules)
    for problem in result.problems:
        echo_problem(problem)
    counts = result.counts
    click.echo(f"wrote {file}: {counts['sources']} sources, {counts['codes']} codes, {counts['codings']} codings "
               f"by {counts['users']} users, {counts['cases']} cases, {counts['notes']} memos", err=True)


@import_.command("refi")
@project_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--metadata", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML metadata for sources the file's Cases and Variables do not fully describe: defaults, "
              "and 'sources: {NAME: {...}}' per source.")
@click.option("--coder", help="Whose log receives codings that name no user (default: the tool's name).")
@reviewed_option("transcripts")
def import_refi(project_dir, file, metadata, coder, reviewed):
    """Import a REFI-QDA codebook (.qdc) or project (.qdpx, .qde), all or nothing.

    Codes merge into data/codebook.yaml (nothing is overwritten; differences are reported), sources become
    transcripts, and each user's codings go to their log in data/codings/.
    """
    from ..refi import import_refi as run_import

    result = run_import(open_project(project_dir), file, metadata=metadata, coder=coder, reviewed=reviewed)
    for problem in result.problems:
        echo_problem(problem)
    click.echo(result.summary())
