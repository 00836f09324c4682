"""The strict base model and the validators the data model shares."""

import pytest
from pydantic import ValidationError

from pleval.schema import Filters, StrictModel, as_tuple, check_safe_id, school_year


def test_strict_model_is_frozen_forbids_unknown_keys_and_strips_text():
    class Note(StrictModel):
        text: str

    note = Note(text="  hello ")
    assert note.text == "hello"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Note(text="a", colour="red")
    with pytest.raises(ValidationError, match="frozen"):
        note.text = "changed"


@pytest.mark.parametrize(
    "value, expected",
    [(None, ()), ("a", ("a",)), (["a", "b"], ("a", "b")), (("a",), ("a",)), (2024, (2024,)), (2.5, (2.5,))],
)
def test_as_tuple(value, expected):
    assert as_tuple(value) == expected


def test_filters_take_any_name_and_one_value_or_a_list_as_text():
    # a year written as a number is a calendar year (the declaration normalises periods where the filters are
    # checked); what is no value at all is a validation error, not a crash
    filters = Filters.model_validate({"year": 2025, "state": ["Oregon", " Nevada "], "county": None, "role": []})
    assert filters.active() == {"year": ("2025",), "state": ("Oregon", "Nevada")}
    assert filters.of("county") == () and filters.of("role") == () and filters.of("site") == ()
    assert list(filters.given) == ["year", "state", "county", "role"]  # names given no value are still checked
    # equal, and hashed alike, when they restrict the same way
    assert filters == Filters(state=("Oregon", "Nevada"), year="2025") and filters != Filters(year="2025")
    assert len({filters, Filters(year=2025, state=["Oregon", "Nevada"])}) == 1
    assert Filters.model_validate(None) == Filters()
    for wrong in ({"year": [[2025]]}, {"state": {"a": 1}}, {"state": [True]}, ["year"], {"": "x"}):
        with pytest.raises(ValidationError):
            Filters.model_validate(wrong)



def test_school_year_and_safe_id():
    assert school_year("2023–24") == "2023-2024"
    with pytest.raises(ValueError, match="consecutive"):
        school_year("2023-2025")
    assert check_safe_id("school-a_2.txt") == "school-a_2.txt"
    for unsafe in ("../up", "a/b", "a..b", ""):
        with pytest.raises(ValueError, match="becomes part of output file names"):
            check_safe_id(unsafe)
