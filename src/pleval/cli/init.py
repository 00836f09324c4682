"""``pleval init``: create a project folder."""

from __future__ import annotations

from pathlib import Path

import click

from .base import main


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default="generic", show_default=True,
              help="The starter profile of pleval.yaml: generic (the defaults, commented) or us-k12 (schools).")
def init(folder, profile):
    """Create a project in FOLDER (new or empty): pleval.yaml, a codebook, briefs.yaml and the data/ folders."""
    from ..scaffold import create_project

    project = create_project(folder, profile=profile)
    click.echo(f"created a pleval project in {project.root} (profile {profile}); add transcripts to "
               f"{project.relative(project.transcripts_dir)}/ and run `pleval validate --project {folder}`")
