"""The overview's tables, computed from the rule coding."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from clinic_project import make_clinic_project

from pleval.build.overview import CORPUS_COUNTS, cooccurrence, corpus_table, load_overview


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


def test_the_corpus_table_is_per_site_in_the_project_s_words(tmp_path):
    overview = load_overview(make_clinic_project(tmp_path / "clinics"))
    table = corpus_table(overview)
    assert table.index.name == "Clinic"
    assert list(table.columns) == ["Setting", "State", "County", *CORPUS_COUNTS]  # declared first, then the rest
    assert list(table.index) == ["Riverbend Clinic", "Desert Sun Clinic"]  # urban before rural, as declared
    assert table.loc["Riverbend Clinic", ["Setting", "State", "County", "Interviews", "Participants"]].tolist() == [
        "urban", "Oregon", "Lane", 2, 2]


def test_the_sample_s_corpus_table_follows_its_declared_regions(fresh_sample):
    table = corpus_table(load_overview(fresh_sample))
    assert table.index.name == "School" and len(table) == 15
    assert list(table.columns[:5]) == ["District", "Region", "School level", "Locale", "Pathway"]
    regions = ["northwest", "northeast", "southwest", "southeast", "central"]  # as the sample's pleval.yaml lists
    assert sorted(table["Region"], key=regions.index) == table["Region"].tolist()
    assert table["Interviews"].sum() + table["Focus groups"].sum() == 26
