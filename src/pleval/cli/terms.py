"""``pleval terms``: terms flagged in the briefs' quotes, and people's decisions on them (data/terms.yaml)."""

from __future__ import annotations

import getpass

import click

from .base import main, open_project
from .options import format_option, project_option

by_option = click.option("--by", default=getpass.getuser, show_default="your login name",
                         help="Who decides (recorded with the decision and its time).")


@main.group(invoke_without_command=True)
@project_option
@click.option("--all", "everything", is_flag=True, help="List the terms decided already too, with their decision.")
@format_option
@click.pass_context
def terms(ctx, project_dir, everything, fmt):
    """Terms flagged in the briefs' quotes: capitalised words no list names that one site alone uses (a school's
    own program or place). Lists those nobody has decided on; a final brief waits for them.

    Decide with `pleval terms keep TERM` or `pleval terms redact TERM`: the decision is appended to
    data/terms.yaml, and a redacted term reads [local name] in every brief drafted after.
    """
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    from ..briefs.assemble import flagged_terms
    from .output import echo_table

    found = [t for t in flagged_terms(open_project(project_dir)) if everything or t.decision is None]
    table = pd.DataFrame([{"term": t.term, "decision": t.decision or "undecided", "quoted in": "; ".join(t.where)}
                          for t in found], columns=["term", "decision", "quoted in"])
    if table.empty and fmt == "table":
        click.echo("no flagged term waits for a decision" if not everything else "no term is flagged", err=True)
        return
    echo_table(table, fmt)


def _decide(project_dir, words: tuple[str, ...], decision: str, by: str) -> None:
    from ..briefs.terms import record_decision

    project = open_project(project_dir)
    recorded = record_decision(project, " ".join(words), decision, by=by)
    click.echo(f"{recorded.term}: {decision} (by {recorded.by}, recorded in {project.relative(project.terms_path)})",
               err=True)


@terms.command()
@project_option
@click.argument("term", nargs=-1, required=True)
@by_option
def keep(project_dir, term, by):
    """Keep TERM in the briefs' quotes as it is (it identifies no one)."""
    _decide(project_dir, term, "keep", by)


@terms.command()
@project_option
@click.argument("term", nargs=-1, required=True)
@by_option
def redact(project_dir, term, by):
    """Redact TERM: it reads [local name] wherever the briefs quote it."""
    _decide(project_dir, term, "redact", by)
