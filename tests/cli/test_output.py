"""The shared output helper and list options: tables printed as pandas prints them, lists read in one place."""

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pleval.cli import main
from pleval.cli.options import list_option, split_list
from pleval.cli.output import counts_text, index_table_text
from pleval.coding.run import CodeCounts, code_counts, code_project, coding_values, codings_frame, summary_table
from pleval.project import Project

ROW_COLUMNS = ["transcript_id", "speaker", "role", "school", "district", "region", "school_level", "code_id"]
#: What codings are counted by that the codings table has no column for: the type, the period, a speaker's
#: attribute, and a site attribute the sample declares but no transcript gives.
NOT_IN_TABLE = ["type", "year", "grade", "years_in_role", "esc"]

code_ids = st.lists(st.from_regex(r"[a-z][a-z_]{0,24}", fullmatch=True), min_size=1, max_size=12, unique=True)
values = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=20).filter(
    str.isprintable)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(code_ids.filter(lambda ids: "total" not in ids), st.lists(values, min_size=1, max_size=8, unique=True),
       st.data(), st.sampled_from(["school", "role", "transcript_id", "x"]))
def test_counts_are_laid_out_exactly_as_pandas_lays_them_out(ids, names, data, by):
    n = data.draw(st.integers(1, 60))
    counts = CodeCounts(by, ids, [data.draw(st.sampled_from(names)) for _ in range(n)],
                        [data.draw(st.sampled_from(ids)) for _ in range(n)])
    rows = counts.rows()
    assert rows is not None  # printable, non-empty strings and codebook codes: laid out without pandas
    assert index_table_text(by, counts.columns, rows) == counts.frame().to_string()


def test_a_wide_count_is_right_aligned_as_in_pandas():
    counts = CodeCounts("role", ["a", "b"], ["teacher"] * 12345 + ["principal"], ["a"] * 12345 + ["b"])
    assert counts_text(counts) == counts.frame().to_string()
    assert counts_text(counts).splitlines() == [
        "               a  b  total",
        "role                      ",
        "principal      0  1      1",
        "teacher    12345  0  12345",
    ]


@pytest.mark.parametrize("values, codes", [
    ([None, "x"], ["a", "a"]),  # missing: pandas keeps it, as NaN, first
    ([1, 2], ["a", "b"]),  # numbers
    (["two\nlines", "x"], ["a", "b"]),  # not printable
    (["x", "y"], ["a", "not_in_codebook"]),
    ([], []),  # no codings: pandas says Empty DataFrame
])
@pytest.mark.filterwarnings("ignore:Constructing a Categorical:DeprecationWarning")  # (a code outside the codebook)
def test_counts_pandas_lays_out_its_own_way_are_left_to_pandas(values, codes):
    counts = CodeCounts("by", ["a", "b"], values, codes)
    assert counts.rows() is None
    assert counts_text(counts) == summary_table(pd.DataFrame({"by": values, "code_id": codes}), "by", ["a", "b"]
                                                ).to_string()


def test_code_prints_every_summary_as_before(coded_sample):
    """What ``pleval code`` prints for each --by is what summary_table(codings_frame(...)) printed."""
    project = Project.open(coded_sample)
    run = code_project(project, progress=False)
    from_rows = {column: counts_text(code_counts(run, column)) for column in ROW_COLUMNS + NOT_IN_TABLE}
    assert run.rows, "counted from the rows, before any coding is made"
    frame = codings_frame(run.transcripts, run.codings, run.declaration)
    assert list(frame.columns) == run.columns.frame and set(ROW_COLUMNS) <= set(frame.columns)
    for column in run.columns.frame:
        expected = summary_table(frame, column, run.codebook.code_ids).to_string()
        assert counts_text(code_counts(run, column)) == expected, column  # from the codings
        assert from_rows.get(column, expected) == expected, column
    for column in NOT_IN_TABLE:
        values = coding_values(run.transcripts, run.codings, column, run.columns)
        table = pd.DataFrame({column: values, "code_id": [c.code_id for c in run.codings]})
        expected = summary_table(table, column, run.codebook.code_ids).to_string()
        assert counts_text(code_counts(run, column)) == expected == from_rows[column], column
    names = ["transcript", "school", "role", "region", "score", "start", "text"]
    result = CliRunner().invoke(main, ["code", "--project", str(coded_sample), "--by", ",".join(names),
                                       "--no-progress"])
    assert result.exit_code == 0
    for name in names:
        table = summary_table(frame, {"transcript": "transcript_id"}.get(name, name), run.codebook.code_ids)
        assert f"\nCoded segments by {name} (rules):\n{table.to_string()}\n" in result.output


def test_code_counts_rejects_a_column_the_codings_have_not(coded_sample):
    run = code_project(Project.open(coded_sample), progress=False)
    with pytest.raises(KeyError):
        code_counts(run, "shoe_size")


@pytest.mark.parametrize("given, expected", [
    ("ana,ben", ["ana", "ben"]), (" ana , ben,, ", ["ana", "ben"]), (("a,b", "c"), ["a", "b", "c"]), (",", []),
    ((), []),
])
def test_split_list(given, expected):
    assert split_list(given) == expected


def test_list_options_give_a_list_or_none():
    @click.command()
    @list_option("--coders")
    @list_option("--year", "years", multiple=True)
    @list_option("--by", default="school,role")
    def command(coders, years, by):
        click.echo(repr((coders, years, by)))

    def run(*args):
        result = CliRunner().invoke(command, list(args))
        assert result.exit_code == 0, result.output
        return eval(result.output)  # noqa: S307  (the repr of lists and None printed just above)

    assert run() == (None, [], ["school", "role"])
    assert run("--coders", "ana, ben", "--year", "2023-2024,2024-2025", "--year", "2025-2026", "--by", "") == (
        ["ana", "ben"], ["2023-2024", "2024-2025", "2025-2026"], None)
    assert run("--coders", ",") == ([], [], ["school", "role"])
