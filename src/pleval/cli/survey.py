"""``pleval survey``: the share of educators agreeing with each survey item, overall and by school, role, level
or year, with n and a Wilson 95% interval; small cells suppressed."""

from __future__ import annotations

import click

from .base import echo_problem, main, open_project
from .options import format_option, list_option, project_option
from .output import echo_json, echo_table, records


@main.command()
@project_option
@click.option("--by", "breakdowns", default="", help="Breakdowns, comma-separated: school, role, level, year, "
              "region, locale, district, pathway; join two with + to cross them (school+role). Overall figures "
              "always come first.")
@list_option("--items", help="Comma-separated item ids (default: every item in survey.yaml).")
@list_option("--year", "years", multiple=True, help="Only these school years, e.g. 2023-2024 (repeatable).")
@list_option("--region", "regions", multiple=True, help="Only schools in these regions (repeatable).")
@list_option("--level", "levels", multiple=True, help="Only schools at these levels (repeatable).")
@list_option("--pathway", "pathways", multiple=True, help="Only schools in these pathways (repeatable).")
@format_option
def survey(project_dir, breakdowns, items, years, regions, levels, pathways, fmt):
    """Percent agreeing with each survey item, with n and a Wilson 95% interval.

    Cells with fewer answers than survey.yaml's suppress_below (10 unless set) are suppressed: no percent is
    printed for them.
    """
    from pydantic import ValidationError

    from ..schema import SurveyFilters
    from ..survey.data import load_survey
    from ..survey.figures import agreement_report, marked_table, parse_breakdowns, schools_administered

    try:
        filters = SurveyFilters(years=years, regions=regions, levels=levels, pathways=pathways)
    except ValidationError as error:
        raise click.BadParameter("; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())) from None
    data = load_survey(open_project(project_dir))
    for problem in data.warnings:
        echo_problem(problem)
    report = agreement_report(data, breakdowns=parse_breakdowns(breakdowns), items=items, filters=filters)
    schools = schools_administered(data, filters=filters)
    if fmt == "csv":
        echo_table(report, "csv")
        return
    if fmt == "json":
        echo_json({"provenance": report.attrs["provenance"], "schools": records(schools), "figures": records(report)})
        return
    threshold = report.attrs["provenance"]["suppress_below"]
    active = ", ".join(f"{name} {' '.join(values)}" for name, values in filters.active().items())
    click.echo(f"{data.survey.name}" + (f" ({active})" if active else ""))
    for row in schools.itertuples():
        click.echo(f"  {row.year}: {row.respondents} respondents in {row.schools} schools")
    for label, part in report.groupby("breakdown", sort=False):
        click.echo(f"\nPercent agreeing ({label}):")
        echo_table(marked_table(part, threshold))
    click.echo(f"\nPercent agreeing: answers in the agree levels of the item's scale, of n who answered the item. "
               f"95% CI: Wilson score interval. Cells with n < {threshold} are suppressed.")
