"""One way to load a YAML config into a model: the result shape, and problems with file, line and column."""

import hashlib
import json

import pytest
from pydantic import Field

from pleval.errors import BriefError, BriefWarning, CodebookError
from pleval.inputs.codebook import check_codebook
from pleval.inputs.config import ConfigFile, Loaded, first_error
from pleval.inputs.digests import content_hash
from pleval.schema import StrictModel
from pleval.survey.description import read_survey_description

from conftest import FIXTURES


class Shelf(StrictModel):
    id: str
    size: int = Field(ge=1)


class Library(StrictModel):
    name: str
    shelves: list[Shelf] = Field(default_factory=list)
    rooms: dict[str, int] = Field(default_factory=dict)
    hash: str = ""


LIBRARY = ConfigFile(
    name="library.yaml",
    error=BriefError,
    warning=BriefWarning,
    not_a_mapping="library.yaml must be a YAML mapping with name and shelves",
    not_a_mapping_fix="see the example",
    parts={"shelves": ("shelf", "id"), "rooms": ("room", None)},
    missing="no library.yaml",
    missing_fix="create it",
)


def load(path):
    read = LIBRARY.read(path)
    if read.value is None:
        return read
    value, problems = LIBRARY.validate(Library, read.value.data, read.value, path)
    return Loaded(value, read.problems + problems)


def write(tmp_path, text: str | bytes):
    path = tmp_path / "library.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_loaded_is_a_value_and_its_problems(tmp_path):
    loaded = load(write(tmp_path, "name: Main\nshelves:\n  - {id: a, size: 3}\n"))
    assert isinstance(loaded, Loaded)
    assert loaded.value == Library(name="Main", shelves=[Shelf(id="a", size=3)])
    assert loaded.problems == [] and loaded.errors == []
    value, problems = loaded  # unpacks like the (value, problems) pairs loaders used to return
    assert value is loaded.value and problems is loaded.problems


def test_a_warning_keeps_the_value_and_is_not_an_error(tmp_path):
    loaded = load(write(tmp_path, "# caf\xe9\nname: Main\n".encode("cp1252")))
    assert loaded.value is not None
    assert [p.severity for p in loaded.problems] == ["warning"] and loaded.errors == []
    assert "read as Windows-1252" in str(loaded.problems[0])


def test_a_missing_file_is_an_error_only_when_the_kind_says_so(tmp_path):
    loaded = LIBRARY.read(tmp_path / "library.yaml")
    assert loaded.value is None
    assert [str(p) for p in loaded.errors] == [f"{tmp_path / 'library.yaml'}: no library.yaml (create it)"]
    optional = ConfigFile(name="x", error=BriefError, not_a_mapping="m", not_a_mapping_fix="f")
    assert optional.read(tmp_path / "library.yaml") == Loaded(None, [])


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ("name: [unclosed\nshelves: []\n", 2, 8, "not valid YAML: while parsing a flow sequence"),
        ("- a\n- b\n", 1, None, "library.yaml must be a YAML mapping with name and shelves (see the example)"),
        ("", 1, None, "library.yaml must be a YAML mapping with name and shelves"),
    ],
)
def test_unreadable_files_have_no_value(tmp_path, text, line, column, message):
    loaded = load(write(tmp_path, text))
    assert loaded.value is None
    assert len(loaded.errors) == 1
    error = loaded.errors[0]
    assert isinstance(error, BriefError)
    assert (error.line, error.column) == (line, column) and message in str(error)


def test_a_key_given_twice_is_an_error_at_its_second_place(tmp_path):
    loaded = load(write(tmp_path, "name: Main\nshelves: []\nname: Annex\n"))
    assert [(p.line, p.column, p.message) for p in loaded.errors] == [(3, 1, "key 'name' is given twice")]


def test_schema_problems_name_the_part_with_line_and_column(tmp_path):
    text = (
        "name: Main\n"
        "shelves:\n"
        "  - {id: a, size: 0}\n"  # shelf 'a', size too small
        "  - size: 2\n"  # shelf #2: no id
        "  - {id: c, size: 1, colour: red}\n"  # unknown key: placed at the key
        "rooms:\n"
        "  reading: many\n"
        "extra: 1\n"
    )
    path = write(tmp_path, text)
    loaded = load(path)
    assert loaded.value is None
    found = [(p.line, p.column, p.message, p.fix) for p in loaded.problems]
    assert found == [
        (3, 19, "shelf 'a': size: Input should be greater than or equal to 1", "correct the value"),
        (4, 5, "shelf #2: missing required key 'id'", "add it"),
        (5, 22, "shelf 'c': unknown key 'colour'", "remove it or correct its spelling"),
        (7, 12, "room 'reading': rooms.reading: Input should be a valid integer, unable to parse string as an integer",
         "correct the value"),
        (8, 1, "library.yaml: unknown key 'extra'", "remove it or correct its spelling"),
    ]
    assert all(isinstance(p, BriefError) and p.path == path for p in loaded.problems)


def test_a_part_validated_on_its_own_is_placed_by_its_prefix(tmp_path):
    path = write(tmp_path, "name: Main\nshelves:\n  - {id: a, size: 1}\n  - {id: b, size: many}\n")
    read = LIBRARY.read(path)
    shelf, problems = LIBRARY.validate(Shelf, read.value.data["shelves"][1], read.value, path, prefix=("shelves", 1))
    assert shelf is None
    assert [(p.line, p.column, p.message) for p in problems] == [
        (4, 19, "shelf 'b': size: Input should be a valid integer, unable to parse string as an integer")
    ]


def test_warnings_need_a_warning_class(tmp_path):
    read = LIBRARY.read(write(tmp_path, "name: Main\n"))
    warning = LIBRARY.problem("looks odd", read.value, ("name",), tmp_path / "library.yaml", warning=True)
    assert isinstance(warning, BriefWarning) and warning.severity == "warning" and warning.line == 1
    no_warnings = ConfigFile(name="codebook", error=CodebookError, not_a_mapping="m", not_a_mapping_fix="f")
    with pytest.raises(ValueError, match="has no warnings"):
        no_warnings.problem("looks odd", read.value, ("name",), tmp_path / "library.yaml", warning=True)


def test_codebook_and_survey_loaders_return_the_same_shape():
    for loaded in (check_codebook(FIXTURES / "codebooks" / "three_problems.yaml"),
                   read_survey_description(FIXTURES / "survey" / "broken_syntax.yaml")):
        assert isinstance(loaded, Loaded)
        assert loaded.value is None and loaded.errors == loaded.problems != []


def test_content_hash_is_the_sha256_of_the_canonical_json_without_the_hash_field():
    library = Library(name="Bibliothèque", shelves=[Shelf(id="a", size=2)], rooms={"b": 1, "a": 2}, hash="old")
    canonical = '{"name": "Bibliothèque", "rooms": {"a": 2, "b": 1}, "shelves": [{"id": "a", "size": 2}]}'
    content = library.model_dump(mode="json", exclude={"hash"})
    assert json.dumps(content, sort_keys=True, ensure_ascii=False) == canonical
    # pinned: caches and manifests keep these hashes, so the recipe may not drift
    assert content_hash(library) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert content_hash(library) == "64e72d1ca38bf6b5f01fee88db5301aa94e6c55e351539f2c9b5c92f21d3ee7d"
    assert content_hash(library.model_copy(update={"hash": "new"})) == content_hash(library)


def test_first_error_counts_the_others_skips_warnings_and_falls_back_when_there_is_none():
    missing = BriefError("no briefs.yaml")
    assert first_error([BriefWarning("just a warning")], missing) is missing
    first, second = BriefError("bad year"), BriefError("bad theme")
    raised = first_error([BriefWarning("w"), first, second], missing)
    assert raised is first and raised.message == "bad year (and 1 more; run 'pleval validate' to list them all)"
