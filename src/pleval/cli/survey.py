"""``pleval survey``: the share of respondents agreeing with each survey item, overall and by site, role, year or
any site attribute, with n and a Wilson 95% interval; small cells suppressed."""

from __future__ import annotations

import click

from .base import echo_problem, main, open_project
from .options import format_option, list_option, project_option
from .output import echo_json, echo_table, records


def _filters(years: list[str], wheres: tuple[str, ...]) -> dict[str, list[str]]:
    """``--year`` and ``--filter NAME=VALUE[,VALUE]`` as a mapping of filters."""
    given: dict[str, list[str]] = {"year": list(years)} if years else {}
    for where in wheres:
        name, sep, values = where.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{where}' is not NAME=VALUE (e.g. state=Oregon)", param_hint="--filter")
        given.setdefault(name.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return given


@main.command()
@project_option
@click.option("--by", "breakdowns", default="", help="Breakdowns, comma-separated: the site (by pleval.yaml's key "
              "for it, or its word, e.g. clinic), role, year or any site attribute (state, setting...); join two with "
              "+ to cross them (site+role). Overall figures always come first.")
@list_option("--items", help="Comma-separated item ids (default: every item in survey.yaml).")
@list_option("--year", "years", multiple=True, help="Only these years, written as pleval.yaml's periods are "
             "(2025, or 2023-2024 for periods spanning two years; repeatable).")
@click.option("--filter", "wheres", multiple=True, metavar="NAME=VALUE[,VALUE]",
              help="Only respondents whose site, role or site attribute has one of these values, e.g. "
                   "--filter state=Oregon (repeatable).")
@format_option
def survey(project_dir, breakdowns, items, years, wheres, fmt):
    """Percent agreeing with each survey item, with n and a Wilson 95% interval.

    Cells with fewer answers than survey.yaml's suppress_below (10 unless set) are suppressed: no percent is
    printed for them.
    """
    from pydantic import ValidationError

    from ..schema import Filters
    from ..survey.data import load_survey
    from ..survey.figures import agreement_report, marked_table, parse_breakdowns, sites_administered, worded

    try:
        filters = Filters.model_validate(_filters(years, wheres))
    except ValidationError as error:
        raise click.BadParameter("; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())) from None
    data = load_survey(open_project(project_dir))
    for problem in data.warnings:
        echo_problem(problem)
    report = agreement_report(data, breakdowns=parse_breakdowns(breakdowns), items=items, filters=filters)
    sites = sites_administered(data, filters=filters)
    if fmt == "csv":
        echo_table(report, "csv")
        return
    if fmt == "json":
        echo_json({"provenance": report.attrs["provenance"], "sites": records(sites), "figures": records(report)})
        return
    threshold = report.attrs["provenance"]["suppress_below"]
    active = ", ".join(f"{name} {' '.join(values)}" for name, values in filters.active().items())
    click.echo(f"{data.survey.name}" + (f" ({active})" if active else ""))
    plural = data.declaration.site.plural
    for row in sites.itertuples():
        click.echo(f"  {row.year}: {row.respondents} respondents in {row.sites} {plural}")
    for label, part in worded(report, data).groupby("breakdown", sort=False):
        click.echo(f"\nPercent agreeing ({label}):")
        echo_table(marked_table(part, threshold))
    click.echo(f"\nPercent agreeing: answers in the agree levels of the item's scale, of n who answered the item. "
               f"95% CI: Wilson score interval. Cells with n < {threshold} are suppressed.")
