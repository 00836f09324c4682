"""The strict base model and the validators the data model shares."""

import pytest
from pydantic import ValidationError

from pleval.schema import BriefFilters, StrictModel, SurveyFilters, as_tuple, check_safe_id, school_year


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


def test_survey_filters_take_any_column_and_a_year_as_a_number():
    # a year is written as the project's periods are: 2025 is a calendar year (checked where the filters are used)
    filters = SurveyFilters.model_validate({"year": 2025, "state": ["Oregon", "Ohio"], "role": []})
    assert filters.active() == {"year": ["2025"], "state": ["Oregon", "Ohio"]} and filters.of("role") == ()
    assert filters == SurveyFilters(state=("Oregon", "Ohio"), year="2025")
    with pytest.raises(ValidationError, match="each value must be one value"):
        SurveyFilters.model_validate({"year": [[2025]]})
    with pytest.raises(ValidationError, match="must name a response column"):
        SurveyFilters.model_validate({"State": "Oregon"})


def test_brief_filters_take_any_name_and_one_value_or_a_list_as_text():
    # a year written as a number is a calendar year (the declaration normalises periods when briefs.yaml is
    # checked); what is no value at all is a validation error, not a crash
    filters = BriefFilters.model_validate({"year": 2025, "state": ["Oregon", " Nevada "], "county": None})
    assert filters.active() == {"year": ("2025",), "state": ("Oregon", "Nevada")}
    assert filters.get("county") == () and filters.get("role") == ()
    for wrong in ({"year": [[2025]]}, {"state": {"a": 1}}, {"state": [True]}, ["year"]):
        with pytest.raises(ValidationError):
            BriefFilters.model_validate(wrong)


def test_school_year_and_safe_id():
    assert school_year("2023–24") == "2023-2024"
    with pytest.raises(ValueError, match="consecutive"):
        school_year("2023-2025")
    assert check_safe_id("school-a_2.txt") == "school-a_2.txt"
    for unsafe in ("../up", "a/b", "a..b", ""):
        with pytest.raises(ValueError, match="becomes part of output file names"):
            check_safe_id(unsafe)
