"""Every error and warning lives in pleval.errors; warnings are a hierarchy apart from errors."""

from __future__ import annotations

import ast
import builtins
import inspect
import warnings
from pathlib import Path

import pytest

import pleval
from pleval import errors
from pleval.errors import (
    DecodingWarning,
    PlevalError,
    PlevalWarning,
    Problem,
    ProblemReport,
    StoreError,
    TornLineWarning,
)

PACKAGE = Path(pleval.__file__).parent
DEFINED = {name: value for name, value in vars(errors).items()
           if inspect.isclass(value) and value.__module__ == errors.__name__}
PROBLEMS = [value for value in DEFINED.values() if issubclass(value, Problem)]
ERRORS = [value for value in PROBLEMS if issubclass(value, PlevalError)]
WARNINGS = [value for value in PROBLEMS if issubclass(value, PlevalWarning)]


def _base_names(node: ast.ClassDef) -> set[str]:
    return {base.id if isinstance(base, ast.Name) else base.attr
            for base in node.bases if isinstance(base, ast.Name | ast.Attribute)}


def test_every_error_and_warning_is_defined_in_errors_py():
    problem_names = {cls.__name__ for cls in PROBLEMS}
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and _base_names(node) & problem_names:
                elsewhere.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert elsewhere == []


def test_every_problem_is_an_error_or_a_warning_never_both():
    assert {Problem, PlevalError, PlevalWarning} <= set(PROBLEMS)
    for cls in PROBLEMS:
        if cls is Problem:
            continue
        assert issubclass(cls, PlevalError) != issubclass(cls, PlevalWarning), cls.__name__
        assert cls.severity == ("error" if issubclass(cls, PlevalError) else "warning"), cls.__name__
    assert len(ERRORS) > 20 and len(WARNINGS) >= 7  # the moved classes are among them
    assert {"StoreError", "SessionError", "BuildError", "RunnerError", "CoderError", "CodingImportError",
            "OrphanCodingWarning", "MovedCodingWarning", "TornLineWarning"} <= set(DEFINED)


@pytest.mark.parametrize("cls", WARNINGS, ids=lambda cls: cls.__name__)
def test_except_pleval_error_does_not_catch_a_warning(cls):
    with pytest.raises(cls):
        try:
            raise cls("something looks unintended", path="data/x.yaml", line=3)
        except PlevalError:  # pragma: no cover - the point: this must not run
            pytest.fail(f"except PlevalError caught {cls.__name__}")


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_except_pleval_error_catches_every_error(cls):
    try:
        raise cls("something is wrong")
    except PlevalError as error:
        assert error.severity == "error"


def test_no_error_or_warning_shadows_a_builtin_name():
    assert sorted(set(DEFINED) & set(dir(builtins))) == []


def test_errors_and_warnings_carry_the_same_fields_and_read_the_same():
    error = StoreError("cannot write the log", path="data/codings/ana.jsonl", line=2, column=5,
                       fix="check the folder's permissions", value="ana")
    warning = TornLineWarning("line is not a whole event; skipped", path="data/codings/ana.jsonl", line=2,
                              fix="nothing to do")
    assert (error.path, error.line, error.column, error.value) == (Path("data/codings/ana.jsonl"), 2, 5, "ana")
    assert str(error) == "data/codings/ana.jsonl:2:5: cannot write the log (check the folder's permissions)"
    assert str(warning) == "data/codings/ana.jsonl:2: line is not a whole event; skipped (nothing to do)"
    assert isinstance(warning, Problem) and isinstance(error, Problem)


def test_a_warning_can_be_issued_with_the_warnings_module():
    warning = DecodingWarning("not valid UTF-8; read as Windows-1252", path="t.txt", line=1)
    with pytest.warns(DecodingWarning, match="t.txt:1: not valid UTF-8"):
        warnings.warn(warning, stacklevel=1)
    assert isinstance(warning, UserWarning)


def test_a_report_splits_errors_from_warnings():
    error, warning = StoreError("broken"), TornLineWarning("skipped")
    report = ProblemReport([warning, error])
    assert report.errors == [error] and report.warnings == [warning] and report
    assert not ProblemReport([])
