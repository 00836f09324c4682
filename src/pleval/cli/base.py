"""What every ``pleval`` command shares: the top-level group, clean error reporting, opening the project.

The options several commands share are in :mod:`pleval.cli.options`, table output in :mod:`pleval.cli.output`.
"""

from __future__ import annotations

import atexit
import gc
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import __version__
from ..errors import PlevalError, Problem

if TYPE_CHECKING:
    from ..project import Project

EXIT_PROBLEMS = 1

# On the way out, the collector's last passes walk every object still alive: for a big corpus's transcripts and
# codings, a fifth of a cached 'pleval code'. The process is ending, and pleval closes every file it writes:
# those objects are left to be freed as the modules are torn down, unwalked.
atexit.register(gc.freeze)


def echo_problem(problem: Problem) -> None:
    click.echo(f"{problem.severity}: {problem}", err=True)


class _Group(click.Group):
    """Turns a PlevalError anywhere below into one clean line and exit code 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PlevalError as error:
            echo_problem(error)
            ctx.exit(EXIT_PROBLEMS)


def open_project(project_dir: Path) -> Project:
    from ..project import Project

    return Project.open(project_dir)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="pleval")
def main():
    """pleval: transcripts, codebooks, coding and evaluation briefs, reproducibly."""
