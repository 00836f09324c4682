"""The commands for transcripts, rule coding, coding tables and reliability."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import EXIT_PROBLEMS, echo_problem, main, open_project
from .options import (
    force_option,
    format_option,
    jobs_option,
    list_option,
    progress_option,
    project_option,
    reviewed_option,
)
from .output import counts_text, echo_table

EXIT_USAGE = click.UsageError.exit_code  # a name --by does not know is a usage error, as click's own are


@main.command()
@project_option
def validate(project_dir):
    """Check the codebook and every transcript; list every problem at once."""
    from ..validate import validate_project

    report, counts = validate_project(open_project(project_dir))
    for problem in report.problems:
        echo_problem(problem)
    click.echo(
        f"{counts['transcripts']} transcripts ({counts['turns']} turns, {counts['words']:,} words), "
        f"{counts['codes']} codes: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
    sys.exit(EXIT_PROBLEMS if report.errors else 0)


@main.command()
@project_option
@force_option("Recode every transcript, ignoring cached results.")
@list_option("--by", show_default="the site's key in pleval.yaml, then role",
             help="Summaries to print, comma-separated: transcript, site (or the key pleval.yaml gives it), role, "
                  "speaker, type, year, any site or participant attribute, or any column of `pleval export codings`.")
@progress_option
@jobs_option("Processes to code with (worth it for many changed transcripts).")
@click.pass_context
def code(ctx, project_dir, force, by, progress, jobs):
    """Apply the codebook's rules to every transcript and summarise the codes found."""
    from ..coding.summary import cached_summary, keep_summary, summary_key

    project = open_project(project_dir)
    # what an unchanged project printed last is printed again at once (see pleval.coding.summary)
    asked = None if ctx.get_parameter_source("by") is click.core.ParameterSource.DEFAULT else list(by or [])
    key = summary_key(project, asked)
    summary = None if force else cached_summary(project, key)
    new = 0
    if summary is None:
        summary, new = _code(ctx, project, force=force, by=asked, progress=progress, jobs=jobs)
        keep_summary(project, key, summary)
    for line in summary.problems:
        click.echo(line, err=True)
    click.echo(summary.report(new))
    sys.exit(EXIT_PROBLEMS if summary.skipped else 0)


def _code(ctx, project, *, force, by, progress, jobs):
    """Code the project (through the coding cache) and summarise it: the summary, and how many transcripts were
    coded afresh."""
    from ..coding.columns import CodingColumns
    from ..coding.run import code_counts, code_project
    from ..coding.summary import Summary
    from ..inputs.cache import load_transcripts_cached
    from ..inputs.declaration import project_declaration

    declaration = project_declaration(project)
    if by is None:
        by = [declaration.site.key, "role"]
    # The names are checked before coding, which may take long: against what pleval.yaml declares, and only if
    # that does not know one, against the metadata (the transcripts loaded then are the run's).
    columns = CodingColumns.of(declaration, [])
    if any(columns.column(name) is None for name in by):
        columns = CodingColumns.of(declaration, load_transcripts_cached(project)[0])
    for name in by:
        if columns.column(name) is None:
            click.echo(f"error: --by: {columns.unknown(name)}", err=True)
            ctx.exit(EXIT_USAGE)
    run = code_project(project, force=force, progress=progress, jobs=jobs)
    tables = []
    for name in by:
        tables.append(f"\nCoded segments by {name} (rules):")
        tables.append(counts_text(code_counts(run, run.columns.names[name])))
    skipped = sum(1 for p in run.problems if p.severity == "error")
    return Summary([f"{p.severity}: {p}" for p in run.problems], "\n".join(tables), len(run.transcripts),
                   run.coding_count, skipped), len(run.coded)


@main.group()
def export():
    """Export tables from the project."""


@export.command("codings")
@project_option
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--source", "sources", multiple=True, metavar="CODER",
              help="Whose codings to include (repeatable): rules, model, consensus, human (every person's log), "
                   "all (the rules and every coder's log; the model only by name), or a coder's name; default: all.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output for csv, outputs/codings.xlsx for xlsx); memos go to "
                   "NAME.memos.csv beside a csv file, or a 'memos' sheet.")
def export_codings(project_dir, fmt, sources, output):
    """Write every coder's codings as a tidy table (one row per coding, with its coder), and their memos."""
    from ..coding.export import export_codings as run_export
    from ..learn.suggest import model_codings

    project = open_project(project_dir)
    written, problems = run_export(project, fmt=fmt, sources=sources or None, output=output,
                                   model_codings=model_codings)
    for problem in problems:
        echo_problem(problem)
    if written is not None:
        click.echo(f"wrote {project.relative(written)}", err=True)


@main.group("import")
def import_():
    """Bring work from elsewhere into the project."""


@import_.command("codings")
@project_option
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", required=True, help="Whose log the codings go to (data/codings/CODER.jsonl).")
@reviewed_option("coded")
def import_codings(project_dir, table, coder, reviewed):
    """Append the codings in TABLE (CSV or XLSX) to a coder's log: all rows, or none if any row is wrong.

    Columns: transcript_id, code_id, and start and end (code-point offsets) or segment_id.
    """
    from ..coding.imports import import_codings as run_import

    project = open_project(project_dir)
    imported = run_import(project, table, coder, reviewed=reviewed)
    click.echo(f"imported {imported.codings} coding(s) for coder '{coder}' into data/codings/{coder}.jsonl"
               + (f" ({imported.already} already there)" if imported.already else "")
               + ("; every participant turn of their transcripts counts as reviewed" if reviewed == "transcripts"
                  else ""))


@main.command()
@project_option
@list_option("--coders", "coder_names", help="Comma-separated coders (logs in data/codings/, 'consensus', or "
             "'rules'); default: every coder with a log but the consensus.")
@click.option("--unit", type=click.Choice(["turn", "sentence", "transcript"]), default="turn", show_default=True)
@format_option
@click.option("--disagreements", is_flag=True, help="List the units the coders disagree on instead.")
@click.option("--reference", help="Score each coder against this one (e.g. consensus): precision, recall, F1, "
              "kappa per code.")
@click.option("--resamples", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples for the confidence intervals.")
def reliability(project_dir, coder_names, unit, fmt, disagreements, reference, resamples):
    """Agreement, Cohen's kappa and Krippendorff's alpha between coders, per code and overall."""
    from ..coding.coders import reliability_report

    table, problems = reliability_report(open_project(project_dir), coder_names, unit=unit, reference=reference,
                                         disagreements=disagreements, n_resamples=resamples)
    for problem in problems:
        echo_problem(problem)
    echo_table(table, fmt)
