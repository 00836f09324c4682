"""The overview's tables, computed from the rule coding."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pleval.build.overview import cooccurrence


def test_cooccurrence_counts_turns_coded_with_both_codes():
    rules = pd.DataFrame({
        "segment_id": ["a:t001", "a:t001", "a:t001", "a:t002", "b:t001", "b:t001", "b:t003", "b:t003"],
        "code_id": ["time", "funding", "time", "time", "funding", "trust", "stray", "trust"],
    })  # a turn coded twice with one code counts once; a code the codebook lacks is left out
    overview = SimpleNamespace(codebook=SimpleNamespace(code_ids=["time", "funding", "trust", "unused"]), rules=rules)
    table = cooccurrence(overview)
    assert list(table.index) == list(table.columns) == ["time", "funding", "trust", "unused"]
    assert table.loc["time"].tolist() == [2, 1, 0, 0]
    assert table.loc["funding"].tolist() == [1, 2, 1, 0]
    assert table.loc["trust"].tolist() == [0, 1, 2, 0]
    assert table.loc["unused"].tolist() == [0, 0, 0, 0]


def test_cooccurrence_of_no_coding_is_all_zero():
    overview = SimpleNamespace(codebook=SimpleNamespace(code_ids=["time", "funding"]),
                               rules=pd.DataFrame({"segment_id": [], "code_id": []}, dtype="object"))
    assert cooccurrence(overview).to_numpy().tolist() == [[0, 0], [0, 0]]
