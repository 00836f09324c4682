"""Complementary suppression on small hand-made tables: a total with one small part, two levels of nesting, the
same respondents under two names, costs, a fixed point, figures and tables that carry no number, and respondent
counts planned with the figures."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from pleval.schema import Filters
from pleval.survey.data import load_survey
from pleval.survey.disclosure import (
    COMPLEMENTARY,
    PRIMARY,
    RESPONDENTS,
    Cell,
    cell_key,
    count_cell,
    count_key,
    figure_cells,
    plan_suppression,
    recoverable,
    withheld_figure,
    withheld_table,
)
from pleval.survey.figures import agreement_table, item_figure, marked_table

from conftest import FIXTURES

_ids = itertools.count()


def group(n: int, agree: int) -> list[tuple[int, bool]]:
    """``n`` fresh respondents, the first ``agree`` of them agreeing."""
    return [(next(_ids), i < agree) for i in range(n)]


def cell(key, *groups, item="item", cost=1) -> Cell:
    members = [m for g in groups for m in g]
    return Cell(key, item, frozenset(r for r, _ in members), sum(a for _, a in members), cost)


def subtract(total: Cell, parts: list[Cell]) -> tuple[int, int]:
    """What a reader gets from a total minus its other parts: (n, agree)."""
    return total.n - sum(p.n for p in parts), total.agree - sum(p.agree for p in parts)


def test_a_total_with_one_small_part_withholds_the_next_smallest_part():
    small, middle, large = group(8, 0), group(10, 6), group(12, 7)  # the audit's "0 of 8"
    cells = [cell("region", small, middle, large), cell("A", small), cell("B", middle), cell("C", large)]
    region, a, b, c = cells
    assert subtract(region, [b, c]) == (8, 0)  # per-cell suppression alone gives A away
    assert recoverable(cells, ["A"]) == ["A"]
    plan = plan_suppression(cells, 10)
    assert plan.reasons == {"A": PRIMARY, "B": COMPLEMENTARY}  # B: the smallest part that stops the subtraction
    assert plan.counts() == {PRIMARY: 1, COMPLEMENTARY: 1}
    assert recoverable(cells, plan.reasons) == []
    assert plan.reason("region") is None and plan.reason("C") is None


def test_a_partner_that_agreed_no_more_than_the_small_part_is_passed_over():
    # withholding B beside A would publish A and B together as 0 of 18: each of them 0. C is withheld instead.
    small, none, some = group(8, 0), group(10, 0), group(12, 7)
    cells = [cell("region", small, none, some), cell("A", small), cell("B", none), cell("C", some)]
    assert plan_suppression(cells, 10).reasons == {"A": PRIMARY, "C": COMPLEMENTARY}
    everyone, all_agree = group(8, 8), group(10, 10)
    cells = [cell("region", everyone, all_agree, some), cell("A", everyone), cell("B", all_agree), cell("C", some)]
    assert plan_suppression(cells, 10).reasons == {"A": PRIMARY, "C": COMPLEMENTARY}


def test_two_levels_of_nesting_reach_a_fixed_point():
    # a region of three schools; the first school's teachers and its one principal are published too
    teachers, principal = group(20, 9), group(1, 1)
    school2, school3 = group(30, 12), group(9, 4)
    cells = [cell("region", teachers, principal, school2, school3), cell("school1", teachers, principal),
             cell("school2", school2), cell("school3", school3), cell("school1 teachers", teachers),
             cell("school1 principal", principal)]
    assert sorted(recoverable(cells, ["school3", "school1 principal"])) == ["school1 principal", "school3"]
    plan = plan_suppression(cells, 10)
    assert {k for k, r in plan.reasons.items() if r == PRIMARY} == {"school3", "school1 principal"}
    # the principal: school1 minus its teachers, or the region minus everything else; withholding the teachers
    # stops both. School 3: the region minus schools 1 and 2; school 1 (21) is smaller than school 2 (30).
    assert {k for k, r in plan.reasons.items() if r == COMPLEMENTARY} == {"school1 teachers", "school1"}
    assert recoverable(cells, plan.reasons) == []
    # nothing more is withheld than needed: the region and school 2 stay
    assert plan.reason("region") is None and plan.reason("school2") is None


def test_the_same_respondents_under_two_names_are_suppressed_together():
    small, rest = group(7, 3), group(40, 20)
    cells = [cell("overview: 2024-2025", small, rest), cell("brief: every region, 2024-2025", small, rest),
             cell("brief: EXPLORE", small), cell("brief: LAUNCH", rest)]
    plan = plan_suppression(cells, 10)
    assert plan.reason("brief: EXPLORE") == PRIMARY
    assert recoverable(cells, plan.reasons) == []
    # withholding one copy of the total alone would not do: the other copy gives the same subtraction
    assert plan.reason("brief: LAUNCH") == COMPLEMENTARY


def test_cheaper_cells_are_withheld_first():
    small, rest = group(7, 3), group(15, 5)
    cells = [cell("overview total", small, rest, cost=1), cell("overview by year", small, rest, cost=1),
             cell("brief: small", small, cost=10), cell("brief: the rest", rest, cost=10)]
    plan = plan_suppression(cells, 10)
    # withholding both overview cells (cost 2) is cheaper than the brief's figure (cost 10), though larger
    assert plan.reasons == {"brief: small": PRIMARY, "overview total": COMPLEMENTARY,
                            "overview by year": COMPLEMENTARY}
    assert recoverable(cells, plan.reasons) == []


def test_a_part_that_another_total_gives_away_is_no_protection():
    # B is the smallest part beside A, but withholding it would not do: B is T2 minus D, and then A is T1 minus
    # B and C. The next part, C, is withheld instead, and is not itself recoverable.
    a, b, c, d = group(5, 2), group(11, 5), group(12, 6), group(13, 2)
    cells = [cell("T1", a, b, c), cell("A", a), cell("B", b), cell("C", c), cell("T2", b, d), cell("D", d)]
    plan = plan_suppression(cells, 10)
    assert plan.reasons == {"A": PRIMARY, "C": COMPLEMENTARY}
    assert recoverable(cells, plan.reasons) == []
    assert recoverable(cells, {"A", "B"}) == ["A", "B"]


def test_the_plan_is_deterministic_and_independent_of_items_order():
    small, middle, large = group(4, 1), group(11, 5), group(14, 9)
    cells = [cell("total", small, middle, large), cell("A", small), cell("B", middle), cell("C", large),
             cell("other item total", group(3, 1), item="other")]
    first = plan_suppression(cells, 10)
    assert plan_suppression(list(reversed(cells)), 10).reasons == first.reasons
    assert first.reason("other item total") == PRIMARY  # alone for its item: nothing to subtract from
    assert first.counts() == {PRIMARY: 2, COMPLEMENTARY: 1}


def test_a_cell_nobody_answered_is_suppressed_and_protects_nothing():
    answered = group(20, 10)
    cells = [cell("total", answered), cell("nobody", []), cell("everyone", answered)]
    plan = plan_suppression(cells, 10)
    assert plan.reasons == {"nobody": PRIMARY}


# --- cells of a real survey, and what may be published of them -----------------------------------------------


@pytest.fixture
def fixture_survey(make_project):
    import shutil

    project = make_project(transcripts=["two_speakers.txt", "caps_and_qa.md"])
    project.survey_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "survey" / "survey.yaml", project.survey_dir / "survey.yaml")
    shutil.copy(FIXTURES / "survey" / "excel_utf8.csv", project.survey_dir / "excel_utf8.csv")
    return load_survey(project)


def test_figure_cells_match_the_agreement_table(fixture_survey):
    data = fixture_survey
    table = agreement_table(data, items=["time_to_collaborate"], by=["school", "year"], suppress_below=1)
    cells = figure_cells(data, "time_to_collaborate", None, ["school", "year"])
    assert [(c.n, c.agree) for c in cells] == list(zip(table["n"], table["agree"], strict=True))
    [overall] = figure_cells(data, "time_to_collaborate", Filters(year="2023-2024"))
    assert overall.key == cell_key("time_to_collaborate", Filters(year="2023-2024"))
    assert (overall.n, overall.agree) == (20, 11)


def test_school_minus_school_is_caught_on_real_cells(fixture_survey):
    # 2023-2024: the elementary school (11 answers) and the high school (9: suppressed); the year's figure
    # minus the elementary school's would be the high school's 4 of 9
    data = fixture_survey
    year = Filters(year="2023-2024")
    cells = figure_cells(data, "time_to_collaborate", year) + figure_cells(data, "time_to_collaborate", year,
                                                                           ["school"])
    high = next(c for c in cells if ("site", "Maple Test High School") in c.key[2])
    assert (high.n, high.agree) == (9, 4)
    assert recoverable(cells, [high.key]) == [high.key]
    plan = plan_suppression(cells, data.survey.suppress_below)
    assert plan.counts() == {PRIMARY: 1, COMPLEMENTARY: 1} and recoverable(cells, plan.reasons) == []


def test_a_withheld_figure_and_table_row_carry_no_number(fixture_survey):
    data = fixture_survey
    figure = item_figure(data, "time_to_collaborate", Filters(year="2023-2024"))
    assert withheld_figure(figure, None) is figure
    shown = withheld_figure(figure, COMPLEMENTARY)
    assert shown.suppressed and shown.withheld
    assert (shown.n, shown.agree, shown.percent, shown.ci_low, shown.ci_high) == (None,) * 5
    assert not withheld_figure(figure, PRIMARY).withheld and withheld_figure(figure, PRIMARY).n is None
    table = agreement_table(data, items=["time_to_collaborate"], by=["school"])
    keys = [cell_key("time_to_collaborate", None, (("site", s),)) for s in table["site"]]
    plan = plan_suppression([], 10)
    plan.reasons[keys[0]] = COMPLEMENTARY
    published = withheld_table(table, plan, keys)
    assert published["withheld"].tolist() == [True, False]
    assert published["suppressed"].tolist() == [True, True]  # the high school (9 answers) stays suppressed
    assert pd.isna(published.loc[0, "n"]) and pd.isna(published.loc[0, "percent"])
    readable = marked_table(published, 10)
    assert readable.loc[0, "percent"] == "withheld" and readable.loc[0, "n"] == ""
    assert readable.loc[1, "percent"] == "suppressed (n < 10)"
    assert str(table.loc[0, "n"]) not in readable.loc[0].to_string()


# --- respondent counts: cells whose n is the number of respondents -------------------------------------------


def count(key, *groups, cost=1) -> Cell:
    return cell(key, *groups, item=RESPONDENTS, cost=cost)


def test_a_small_count_is_protected_like_a_small_figure():
    small, middle, large = group(8, 0), group(12, 0), group(30, 0)
    cells = [count("year", small, middle, large), count("EXPLORE", small), count("LAUNCH", large),
             count("TRANSFORM", middle)]
    assert recoverable(cells, ["EXPLORE"]) == ["EXPLORE"]  # the year minus LAUNCH and TRANSFORM
    plan = plan_suppression(cells, 10)
    assert plan.reasons == {"EXPLORE": PRIMARY, "TRANSFORM": COMPLEMENTARY}
    assert recoverable(cells, plan.reasons) == []


def test_counts_and_other_items_give_a_figures_n_away_and_are_withheld_for_it():
    # item x: the region's figure and school A's (8 answers). Alone, x's cells hide A: nothing to subtract.
    # But the region's respondents minus the counts of schools B and C are A's 8; so is the region minus
    # B's and C's figures of another item that everyone answered.
    a, b, c = group(8, 3), group(15, 6), group(20, 9)
    figures = [cell("x region", a, b, c, item="x"), cell("x A", a, item="x")]
    assert plan_suppression(figures, 10).reasons == {"x A": PRIMARY}
    counts = [count("B", b, cost=5), count("C", c, cost=5)]
    other = [cell("y B", b, item="y"), cell("y C", c, item="y")]
    for published in (figures + counts, figures + other):
        assert recoverable(published, ["x A"]) == ["x A"]
        plan = plan_suppression(published, 10)
        assert recoverable(published, plan.reasons) == []
        assert plan.counts() == {PRIMARY: 1, COMPLEMENTARY: 1}
    # the cheapest way out: the region's figure (cost 1) before a count (cost 5)
    assert plan_suppression(figures + counts, 10).reason("x region") == COMPLEMENTARY


def test_a_count_cell_counts_every_respondent_in_its_scope(fixture_survey):
    data = fixture_survey
    year = Filters(year="2023-2024")
    respondents = count_cell(data, year)
    [figure] = figure_cells(data, "time_to_collaborate", year)
    assert respondents.key == count_key(year) and respondents.item_id == RESPONDENTS
    assert respondents.n == int((data.responses["year"] == "2023-2024").sum()) >= figure.n
    assert figure.answered <= respondents.answered
