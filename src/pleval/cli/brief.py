"""``pleval brief BRIEF_ID [--all]``: draft briefs into outputs/briefs/<id>.json, .md, .html and .docx (and .pdf)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import EXIT_PROBLEMS, echo_problem, main, open_project
from .options import pdf_options, project_option


@main.command()
@project_option
@click.argument("brief_ids", metavar="[BRIEF_ID]...", nargs=-1)
@click.option("--all", "all_briefs", is_flag=True, help="Draft every brief in data/briefs.yaml.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the briefs (default: outputs/briefs).")
@pdf_options
@click.option("--final", is_flag=True, help="The funder's versions: no draft notice, reviewers' note or coding-method "
              "columns; a brief with a provisional theme is refused, saying why.")
def brief(project_dir, brief_ids, all_briefs, output_dir, pdf, paper, final):
    """Draft evaluation briefs declared in data/briefs.yaml: JSON, Markdown, self-contained HTML and Word (with
    --pdf, a PDF too).

    A brief that cannot be drafted is reported and the others go on. Each brief's redaction report (what was
    replaced, with the names) goes to outputs/redaction/: keep it inside the project.
    """
    from ..briefs.render import build_briefs, write_pdfs

    if not brief_ids and not all_briefs:
        raise click.UsageError("name a brief (pleval brief BRIEF_ID) or pass --all")
    if brief_ids and all_briefs:
        raise click.UsageError("name briefs or pass --all, not both")
    project = open_project(project_dir)
    run = build_briefs(project, list(brief_ids) or None, output_dir=output_dir, final=final)
    for problem in run.problems:
        echo_problem(problem)
    if pdf and run.written:
        folder = run.written[0].paths[0].parent
        printed, unprinted = write_pdfs(folder, [w.brief_id for w in run.written], paper=paper)
        for written, path in zip([w for w in run.written if w.brief_id not in unprinted], printed, strict=True):
            written.paths.append(path)
        run.failed.update(unprinted)
    for written in run.written:
        shown = ", ".join(p.suffix for p in written.paths if p.suffix in (".json", ".md", ".html", ".docx", ".pdf"))
        click.echo(f"wrote {project.relative(written.paths[0].with_suffix(''))} ({shown}); redaction report "
                   f"{project.relative(written.report)}", err=True)
    for brief_id, error in run.failed.items():
        click.echo(f"error: brief '{brief_id}' not drafted: {error}", err=True)
    kind = "final brief(s)" if final else "brief(s)"
    click.echo(f"{len(run.written)} {kind} drafted, {len(run.failed)} failed", err=True)
    sys.exit(EXIT_PROBLEMS if run.failed else 0)
