import pytest

from pleval.errors import CodebookError
from pleval.inputs.codebook import check_codebook, load_codebook

from conftest import FIXTURES

CODEBOOKS = FIXTURES / "codebooks"


def test_valid_codebook_loads_with_a_hash():
    codebook = load_codebook(CODEBOOKS / "two_codes.yaml")
    assert codebook.code_ids == ["funding", "time"]
    assert len(codebook.hash) == 64
    funding = codebook.code("funding")
    assert [p.weight for p in funding.rules.weighted_phrases()] == [1.0, 1.0, 0.3, 0.3]


def test_hash_ignores_comments_and_layout_but_not_content(tmp_path):
    original = (CODEBOOKS / "two_codes.yaml").read_text()
    commented = tmp_path / "commented.yaml"
    commented.write_text("# a new comment\n" + original.replace("version: \"1\"", "version:   '1'"))
    changed = tmp_path / "changed.yaml"
    changed.write_text(original.replace("- grant\n", "- grants money\n"))
    reference = load_codebook(CODEBOOKS / "two_codes.yaml").hash
    assert load_codebook(commented).hash == reference
    assert load_codebook(changed).hash != reference


@pytest.mark.parametrize(
    "name, line, column, words",
    [
        ("duplicate_code_ids.yaml", 27, 9, "duplicate code id 'funding'"),
        ("unknown_group.yaml", 29, 12, "unknown group 'obstacles'"),
        ("unknown_parent.yaml", 30, 13, "unknown parent 'money'"),
        ("invalid_pattern.yaml", 40, 11, "LOWR"),
        ("missing_definition.yaml", 27, 5, "missing required key 'definition'"),
        ("unknown_key.yaml", 31, 5, "unknown key 'colur'"),
        ("bad_colour.yaml", 11, 13, "'orange-ish' is not a hex colour"),
    ],
)
def test_each_codebook_mistake_is_named_with_line_and_column(name, line, column, words):
    codebook, problems = check_codebook(CODEBOOKS / name)
    assert codebook is None
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert words in str(problem) and f"{name}:{line}:{column}" in str(problem)


def test_every_problem_is_listed_at_once():
    _, problems = check_codebook(CODEBOOKS / "three_problems.yaml")
    assert [p.line for p in problems] == [11, 31, 41]


def test_load_codebook_raises_the_first_problem_and_counts_the_rest():
    with pytest.raises(CodebookError, match=r"and 2 more; run 'pleval validate'"):
        load_codebook(CODEBOOKS / "three_problems.yaml")


def test_broken_yaml_and_missing_file(tmp_path):
    broken = tmp_path / "codebook.yaml"
    broken.write_text("name: x\ncodes:\n  - id: a\n   label: b\n")
    _, problems = check_codebook(broken)
    assert problems[0].line == 4 and "not valid YAML" in str(problems[0])
    _, problems = check_codebook(tmp_path / "nope.yaml")
    assert "no codebook found" in str(problems[0])


def test_renamed_from_must_not_name_a_live_code(tmp_path):
    text = (CODEBOOKS / "renamed_code.yaml").read_text().replace("renamed_from: [time]", "renamed_from: [funding]")
    path = tmp_path / "codebook.yaml"
    path.write_text(text)
    _, problems = check_codebook(path)
    assert "renamed_from 'funding', but 'funding' is still a code" in str(problems[0])


def test_a_code_without_a_colour_gets_the_palettes_colour_for_its_place():
    from pleval.schema import PALETTE

    codebook, problems = check_codebook(CODEBOOKS / "no_colours.yaml")
    assert problems == []
    assert [c.colour for c in codebook.codes] == [PALETTE[0], "#123456", PALETTE[2]]
    assert load_codebook(CODEBOOKS / "no_colours.yaml").hash == codebook.hash  # the same on every load
