"""How commands print tables: ``--format table|csv|json`` the same way in every command.

Tables are pandas DataFrames, except the counts ``pleval code`` prints, which are laid out here as pandas would
lay them out (a cached ``pleval code`` does not import pandas: it would take longer than the rest of the run).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

    from ..coding.run import CodeCounts

FORMATS = ("table", "csv", "json")


def echo_table(table: pd.DataFrame, fmt: str = "table") -> None:
    """Print a table: aligned text (``table``), CSV, or JSON records; without the index."""
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", indent=2))
    else:
        click.echo(table.to_string(index=False))  # (neither wrapped nor cut, whatever pandas' display options say)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts, each value as ``--format json`` prints it."""
    return json.loads(table.to_json(orient="records"))


def echo_json(data: Any) -> None:
    """Print JSON made of several parts (see :func:`records`)."""
    click.echo(json.dumps(data, indent=2))


def counts_text(counts: CodeCounts) -> str:
    """The counts of coded segments per code as text, exactly as ``DataFrame.to_string`` prints the same table
    (:meth:`~pleval.coding.run.CodeCounts.frame`), which it does when the counts are not plain (see
    :meth:`~pleval.coding.run.CodeCounts.rows`)."""
    rows = counts.rows()
    if rows is None:
        return counts.frame().to_string()
    return index_table_text(counts.by, counts.columns, rows)


def index_table_text(index_name: str, columns: list[str], rows: list[tuple[str, list[int]]]) -> str:
    """A table of whole numbers with a named index of strings, laid out as ``DataFrame.to_string`` lays it out:
    the column names right-aligned above their numbers, the index name on a line of its own, the index's values
    left-aligned, two spaces between columns.

    Parameters
    ----------
    index_name : str
    columns : list of str
    rows : list of (str, list of int)
        Each row's index value and its numbers, one per column; at least one row.
    """
    index_width = max(len(index_name), *(len(value) for value, _ in rows))
    cells = [[str(number) for number in numbers] for _, numbers in rows]
    widths = [max(len(name), *(len(row[n]) for row in cells)) for n, name in enumerate(columns)]
    lines = [
        " " * index_width + "".join(f"  {name:>{width}}" for name, width in zip(columns, widths, strict=True)),
        index_name.ljust(index_width) + "".join("  " + " " * width for width in widths),
    ]
    for (value, _), row in zip(rows, cells, strict=True):
        numbers = "".join(f"  {cell:>{width}}" for cell, width in zip(row, widths, strict=True))
        lines.append(value.ljust(index_width) + numbers)
    return "\n".join(lines)
