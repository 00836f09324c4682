"""The options several commands share, defined once, and comma-separated lists read in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from .output import FORMATS

F = TypeVar("F", bound=Callable[..., Any])

project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (with data/transcripts and data/codebook.yaml).",
)

progress_option = click.option("--progress/--no-progress", default=None,
                               help="Show a progress bar (default: on a terminal).")

format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)


def jobs_option(help: str) -> Callable[[F], F]:
    """``-j/--jobs N``: how many processes a command may run at once (at least 1; 1 by default)."""
    return click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help=help)


def force_option(help: str) -> Callable[[F], F]:
    """``--force``: do again what a cache would spare."""
    return click.option("--force", is_flag=True, help=help)


def reviewed_option(default: str) -> Callable[[F], F]:
    """``--reviewed coded|transcripts``: what a coder whose work an import brings in has reviewed."""
    return click.option(
        "--reviewed", type=click.Choice(["coded", "transcripts"]), default=default, show_default=True,
        help="What the coder reviewed: only the turns with a coding ('coded'), or every participant turn of each "
        "transcript they coded anything in ('transcripts': the uncoded turns are marked done, so the rules no "
        "longer count there).")


def split_list(values: str | Iterable[str]) -> list[str]:
    """Comma-separated values, from one string or several: ``('a, b', 'c,')`` -> ``['a', 'b', 'c']``."""
    if isinstance(values, str):
        values = [values]
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _listed(ctx: click.Context, param: click.Parameter, value: str | tuple[str, ...] | None) -> list[str] | None:
    if param.multiple:
        return split_list(value or ())
    return split_list(value) if value else None


def list_option(*param_decls: str, **attrs: Any) -> Callable[[F], F]:
    """An option of comma-separated values (``--coders ana,ben``): the command gets them as a list, or None if
    the option is not given (or given empty). With ``multiple=True`` the option may be repeated too, and the
    command gets every value in one list (empty if none)."""
    return click.option(*param_decls, callback=_listed, **attrs)


def pdf_options(func):
    """``--pdf`` and ``--paper``: print each brief's page to PDF with headless Chromium."""
    func = click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True,
                        help="The PDF's paper size.")(func)
    return click.option("--pdf", is_flag=True,
                        help="Also print each brief to PDF beside its HTML, with headless Chromium (found on the "
                             "PATH or in PLEVAL_CHROMIUM).")(func)
