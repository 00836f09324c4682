"""``pleval build``: every page (the overview and each brief) as an executed notebook and reviewer HTML."""

from __future__ import annotations

import sys

import click

from .base import EXIT_PROBLEMS, echo_problem, main, open_project
from .options import force_option, jobs_option, list_option, pdf_options, progress_option, project_option


@main.command()
@project_option
@list_option("--briefs", "brief_ids", help="Comma-separated brief ids to build (default: the overview and every "
             "brief in data/briefs.yaml).")
@jobs_option("Pages to run at once, each in its own process and kernel.")
@force_option("Run every page and draft every brief afresh, even those whose inputs have not changed.")
@click.option("--executor", type=click.Choice(["processes", "dask"]), default="processes", show_default=True,
              help="Run pages in local processes, or on an existing Dask cluster.")
@click.option("--scheduler", help="The Dask scheduler's address (with --executor dask), e.g. tcp://host:8786.")
@progress_option
@pdf_options
@click.option("--final", is_flag=True, help="Then write the funder's versions of the briefs in outputs/briefs/ (no "
              "draft notice, reviewers' note or coding-method columns); a brief with a provisional theme is refused.")
def build(project_dir, brief_ids, jobs, force, executor, scheduler, progress, pdf, paper, final):
    """Code what changed, run the notebooks of the pages whose inputs changed, and write outputs/html/ (the
    briefs' own files, Word included, go to outputs/briefs/; with --pdf, their PDFs too; with --final, the
    funder's versions of them)."""
    from ..build.batch import OVERVIEW
    from ..build.batch import build as run_build

    project = open_project(project_dir)
    report = run_build(project, brief_ids, jobs=jobs, force=force, executor=executor, scheduler=scheduler,
                       progress=progress)
    for problem in report.problems:
        echo_problem(problem)
    for result in report.results:
        took = f" in {result.seconds:.1f} s" if result.status == "built" and result.seconds is not None else ""
        click.echo(f"{result.status:>9}  {result.id}{took}")
        if result.error:
            click.echo(f"           {result.error}", err=True)
            click.echo(f"           see {project.relative(project.page_notebook(result.id))}",
                       err=True)
    printed, unprinted, refused = 0, {}, {}
    done = [r.id for r in report.results if r.id != OVERVIEW and r.status != "failed"]
    if final and done:
        from ..briefs.render import build_briefs

        refused = build_briefs(project, done, final=True).failed
        for brief_id, error in refused.items():
            click.echo(f"error: brief '{brief_id}' not final: {error}", err=True)
        done = [d for d in done if d not in refused]
    if pdf:
        from ..briefs.render import write_pdfs

        written, unprinted = write_pdfs(project.briefs_output_dir, done, paper=paper)
        printed = len(written)
        for brief_id, error in unprinted.items():
            click.echo(f"error: brief '{brief_id}' not printed to PDF: {error}", err=True)
    counts = {s: sum(r.status == s for r in report.results) for s in ("built", "unchanged", "failed")}
    click.echo(f"{counts['built']} built, {counts['unchanged']} unchanged, {counts['failed']} failed "
               f"({report.coded} transcript(s) coded{f', {printed} PDF(s)' if pdf else ''}) in {report.seconds:.1f} s"
               + "".join(f", {stage} {seconds:.1f} s" for stage, seconds in report.stages.items()) + "; "
               f"open {project.relative(report.index)}")
    sys.exit(EXIT_PROBLEMS if report.failed or unprinted or refused else 0)
