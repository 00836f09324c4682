"""The suggesting coder's measured quality kept as data: written from an evaluation, read back, broken files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pleval.errors import LearningError
from pleval.inputs.codebook import load_codebook
from pleval.inputs.text import sha256_bytes
from pleval.learn.quality import (
    QUALITY_FORMAT,
    TRUSTED_KAPPA,
    measured_quality,
    quality_from_scores,
    quality_path,
    save_quality,
)
from pleval.project import Project

REPO = Path(__file__).parents[2]
QUOTES = REPO.parent / "shared" / "quotes" / "real_quotes_dev.jsonl"
COLUMNS = ["test", "coder", "reference", "code_id", "units", "reference_coded", "coder_coded", "precision",
           "recall", "f1", "kappa", "f1_low", "f1_high"]


def _scores() -> pd.DataFrame:
    rows = []
    for test in ("quotes:dev", "quotes:test"):
        for coder in ("rules", "combined"):
            rows += [(test, coder, "labels", "funding", 10, 3, 4, 0.75, 1.0, 0.857, 0.8, None, None),
                     (test, coder, "labels", "time", 10, 2, 1, 1.0, 0.5, 0.667, 0.6, None, None),
                     (test, coder, "labels", "(all codes)", 20, 5, 5, 0.8, 0.8, 0.8, 0.7, 0.5, 0.95)]
    return pd.DataFrame(rows, columns=COLUMNS)


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "pleval.yaml", tmp_path / "pleval.yaml")
    return Project.open(tmp_path)


def test_quality_is_saved_and_read_back_with_numbers_only(project, tmp_path):
    quotes = tmp_path / "quotes.jsonl"
    quotes.write_text('{"text": "The levy failed.", "themes": ["funding"]}\n', encoding="utf-8")
    quality = quality_from_scores(_scores(), "combined", "test", quotes, today=dt.date(2026, 12, 2))
    assert measured_quality(project) is None  # no file yet
    path = save_quality(project, quality)
    assert path == quality_path(project) == project.root / "data" / "coder-quality.json"
    read = measured_quality(project)
    assert read == quality
    assert read.units == 10 and read.split == "test" and read.quotes_sha256 == sha256_bytes(quotes.read_bytes())
    assert read.codes["funding"].precision == 0.75 and read.micro.f1_low == 0.5
    assert read.trusted("funding") is True and read.trusted("time") is False and read.trusted("nope") is None
    assert read.untrusted == ["time"]
    assert "levy" not in path.read_text(encoding="utf-8")


def test_quality_of_a_coder_or_split_not_scored_is_an_error(tmp_path):
    quotes = tmp_path / "quotes.jsonl"
    quotes.write_text("{}\n", encoding="utf-8")
    with pytest.raises(LearningError, match="no scores of the coder 'model' on the split 'test'"):
        quality_from_scores(_scores(), "model", "test", quotes)


@pytest.mark.parametrize(("content", "message"), [
    ('{"format": 1,\n "coder": ', "is not JSON"),
    ('{"format": 7}', "has format 7, not 1"),
    ("[1, 2]", "is broken at the file"),
])
def test_a_broken_quality_file_is_one_clear_error(project, content, message):
    quality_path(project).write_text(content, encoding="utf-8")
    with pytest.raises(LearningError, match=message) as error:
        measured_quality(project)
    assert error.value.path == quality_path(project) and error.value.fix


def test_a_quality_file_with_a_bad_figure_names_the_key(project, tmp_path):
    quotes = tmp_path / "q.jsonl"
    quotes.write_text("{}\n", encoding="utf-8")
    data = quality_from_scores(_scores(), "combined", "test", quotes).model_dump(mode="json")
    data["codes"]["time"]["precision"] = 1.7
    quality_path(project).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LearningError, match=r"broken at codes\.time\.precision"):
        measured_quality(project)
    assert data["format"] == QUALITY_FORMAT


def test_the_samples_measured_quality_is_committed_and_current():
    quality = measured_quality(Project.open(REPO))
    assert quality is not None, "run pleval evaluate --quotes ../shared/quotes/real_quotes_dev.jsonl --save"
    codebook = load_codebook(REPO / "data" / "codebook.yaml")
    assert list(quality.codes) == codebook.code_ids and quality.split == "test"
    assert 0 < quality.micro.f1 < 1 and 0 <= TRUSTED_KAPPA <= 1
    if QUOTES.is_file():
        assert quality.quotes_sha256 == sha256_bytes(QUOTES.read_bytes()), "the quotes changed: measure again"
