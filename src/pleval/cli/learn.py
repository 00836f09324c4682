"""The commands for the learned coder: evaluate it as a coder, train it, and list its suggestions."""

from __future__ import annotations

import math

import click

from .base import echo_problem, main, open_project
from .options import force_option, format_option, progress_option, project_option
from .output import echo_table

unit_option = click.option("--unit", type=click.Choice(["turn", "sentence"]), default="turn", show_default=True,
                           help="The unit the model codes.")
precision_option = click.option(
    "--target-precision", type=click.FloatRange(0, 1, min_open=True), default=None,
    help="Choose each code's threshold for the best recall at this precision (default: the best F1).")
semantic_option = click.option(
    "--semantic", is_flag=True,
    help="Add each text's similarity in meaning to each code (needs: pip install 'pleval[embed]', or "
         "'pleval[semantic]' with torch).")


@main.command()
@project_option
@unit_option
@precision_option
@click.option("--reference", default="consensus", show_default=True,
              help="The human coder taken as the truth.")
@click.option("--quotes", "quotes", type=click.Path(dir_okay=False, exists=True),
              help="Also score the coders on labelled quotes from outside the project (YAML, or JSON lines for "
                   ".jsonl), on each split of the file apart.")
@click.option("--save", is_flag=True,
              help="With --quotes: write the suggesting coder's per-code figures on the file's test split (numbers "
                   "only) to data/coder-quality.json, which the widget and the briefs show.")
@semantic_option
@format_option
@progress_option
def evaluate(project_dir, unit, target_precision, reference, quotes, save, semantic, fmt, progress):
    """Judge the rules, the learned model and both combined as coders: leave-one-transcript-out
    cross-validation against the reference, per code precision, recall, F1 and kappa (and, with --quotes, the
    same on each split of labelled quotes, with a bootstrap interval for micro-averaged F1)."""
    from ..learn.evaluate import evaluate as run_evaluation

    if save and quotes is None:
        raise click.UsageError("--save needs --quotes FILE: the quality is measured on labelled quotes")
    project = open_project(project_dir)
    result = run_evaluation(project, unit, reference=reference,
                            target_precision=target_precision, quotes=quotes, semantic=semantic,
                            progress=progress)
    for problem in result.problems:
        echo_problem(problem)
    echo_table(result.report().round(3), fmt)
    if fmt == "table":
        click.echo(f"\n{len(result.held_out)} transcripts held out in turn, {unit}s against '{reference}', "
                   f"in {result.seconds:.1f} s")
    if save:
        from ..learn.quality import save_quality

        measured = result.measured_quality(quotes)
        path = save_quality(project, measured)
        click.echo(f"{project.relative(path)}: the '{measured.coder}' coder's figures on "
                   f"{measured.split or 'all'} quotes ({measured.units}), micro-F1 {measured.micro.f1}",
                   err=fmt != "table")  # csv and json output stay parseable


@main.command()
@project_option
@unit_option
@precision_option
@semantic_option
@force_option("Retrain even if the saved model is current.")
def train(project_dir, unit, target_precision, semantic, force):
    """Train the combined coder (rules + model) on the human coding, or load it if nothing changed."""
    from ..learn.trained import load_or_train

    project = open_project(project_dir)
    trained = load_or_train(project, unit, target_precision=target_precision, semantic=semantic, force=force)
    record = trained.record
    state = f"trained in {record['training_seconds']:.1f} s" if trained.retrained else "up to date, loaded"
    click.echo(f"{project.relative(trained.path)}: {state}; {record['units']} units from "
               f"{len(record['transcripts'])} transcripts ({', '.join(record['coders'])})")
    for code_id, threshold in record["thresholds"].items():
        shown = "never suggested" if threshold is None else f"{threshold:.3f}"
        click.echo(f"  {code_id:24s} {record['positives'][code_id]:4d} coded   threshold {shown}")


@main.command()
@project_option
@click.argument("transcript_id", required=False)
@unit_option
@precision_option
@click.option("--all", "everything", is_flag=True, help="List every unit and code, not only suggestions.")
@click.option("--uncertain", type=click.IntRange(min=1), default=None, metavar="N",
              help="Instead, list the N unreviewed units the model is least sure about (what to code next).")
@click.option("--coder", help="With --uncertain: leave out only the transcripts this coder has reviewed.")
@semantic_option
@format_option
def suggest(project_dir, transcript_id, unit, target_precision, everything, uncertain, coder, semantic, fmt):
    """The codes the rules and the learned model suggest for a transcript's units, most probable first."""
    from ..learn.suggest import Suggester

    if (transcript_id is None) == (uncertain is None):
        raise click.UsageError("give a TRANSCRIPT_ID, or --uncertain N (not both)")
    suggester = Suggester.for_project(open_project(project_dir), unit, target_precision=target_precision,
                                      semantic=semantic)
    if uncertain is not None:
        table = suggester.uncertainty_order(coder=coder, limit=uncertain)
    else:
        table = suggester.suggestions(transcript_id, everything=everything)
        table["evidence"] = table["evidence"].map("; ".join)
        table = table.drop(columns=["evidence_spans"])
        if fmt == "table":  # a whole coded example would swamp the table; csv and json keep it whole
            table["nearest_example"] = table["nearest_example"].map(
                lambda text: text if len(text) <= 60 else text[:59] + "…")
    table["threshold"] = table["threshold"].map(lambda t: None if math.isinf(t) else t)
    echo_table(table.round(3), fmt)
