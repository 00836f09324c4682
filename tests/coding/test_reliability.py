import numpy as np
import pandas as pd
import pytest

from pleval.coding.reliability import (
    RELIABILITY_COLUMNS,
    alpha,
    binary_bootstrap,
    bootstrap_interval,
    compared_units,
    kappa,
    percent_agreement,
    presence_matrix,
    reliability_table,
)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units, missing data.
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
])


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_matches_krippendorffs_published_example(level, expected):
    assert alpha(KRIPPENDORFF_2011, level) == pytest.approx(expected, abs=0.0005)


def test_kappa_matches_cohens_two_by_two_example():
    # [[20, 5], [10, 15]]: both yes 20, A yes B no 5, A no B yes 10, both no 15
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert kappa(np.array([a, b], dtype=float)) == pytest.approx(0.4)
    assert percent_agreement(np.array([a, b], dtype=float)) == pytest.approx(0.7)


def test_kappa_needs_exactly_two_coders_and_some_variation():
    assert np.isnan(kappa(KRIPPENDORFF_2011))
    assert np.isnan(kappa(np.array([[0.0, 0.0], [0.0, 0.0]])))
    assert np.isnan(alpha(np.array([[1.0, 1.0], [1.0, 1.0]])))


def codings_and_reviews():
    codings = pd.DataFrame([
        ("u1", "ana", "time"), ("u1", "ben", "time"), ("u2", "ana", "time"), ("u3", "ben", "funding"),
        ("u4", "ana", "funding"), ("u4", "ben", "funding"), ("u5", "cy", "time"),
    ], columns=["unit", "coder", "code_id"])
    reviewed = {"ana": ["u1", "u2", "u3", "u4"], "ben": ["u1", "u2", "u3", "u4"], "cy": ["u4", "u5"]}
    return codings, reviewed


def test_unreviewed_units_are_missing_and_reviewed_ones_absent():
    codings, reviewed = codings_and_reviews()
    matrix = presence_matrix(codings, reviewed, "time", ["u1", "u2", "u3", "u4", "u5"])
    np.testing.assert_array_equal(matrix, [[1, 1, 0, 0, nan], [1, 0, 0, 0, nan], [nan, nan, nan, 0, 1]])


def test_table_reports_prevalence_beside_every_coefficient():
    codings, reviewed = codings_and_reviews()
    reviewed = {k: v for k, v in reviewed.items() if k != "cy"}
    table = reliability_table(codings, reviewed, ["time", "funding"], n_resamples=200).set_index("code_id")
    assert list(table.reset_index().columns) == RELIABILITY_COLUMNS
    assert table.loc["time", "prevalence"] == "ana 2/4; ben 1/4"
    assert table.loc["time", "agreement"] == pytest.approx(0.75)
    assert table.loc["funding", "agreement"] == pytest.approx(0.75)
    assert table.loc["(all codes)", "units"] == 8 and table.loc["(all codes)", "prevalence"] == "ana 3/8; ben 3/8"
    assert table.loc["(all codes)", "agreement"] == pytest.approx(0.75)


def test_a_unit_only_one_coder_reviewed_is_not_compared():
    codings, reviewed = codings_and_reviews()
    assert compared_units(reviewed) == ["u1", "u2", "u3", "u4"]  # u5: cy alone reached it
    table = reliability_table(codings, reviewed, ["time", "funding"], n_resamples=50).set_index("code_id")
    assert table.loc["time", "units"] == 4 and table.loc["time", "prevalence"] == "ana 2/4; ben 1/4; cy 0/1"


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 200).astype(float)
    b = np.where(rng.random(200) < 0.8, a, 1 - a)
    matrix = np.array([a, b])
    low, high = bootstrap_interval(kappa, matrix, n_resamples=300, random_state=7)
    assert low < kappa(matrix) < high and high - low < 0.3
    assert (low, high) == bootstrap_interval(kappa, matrix, n_resamples=300, random_state=7)


def test_a_coder_scored_against_a_reference():
    from pleval.coding.reliability import SCORE_COLUMNS, scores_against_reference

    codings = pd.DataFrame([
        ("u1", "rules", "time"), ("u2", "rules", "time"), ("u1", "lead", "time"), ("u3", "lead", "time"),
        ("u4", "lead", "funding"),
    ], columns=["unit", "coder", "code_id"])
    reviewed = {"rules": ["u1", "u2", "u3", "u4", "u5"], "lead": ["u1", "u2", "u3", "u4"]}
    table = scores_against_reference(codings, reviewed, "rules", "lead", ["time", "funding"]).set_index("code_id")
    assert list(table.reset_index().columns) == SCORE_COLUMNS
    assert table.loc["time", ["units", "reference_coded", "coder_coded"]].tolist() == [4, 2, 2]
    assert table.loc["time", "precision"] == pytest.approx(0.5) and table.loc["time", "recall"] == pytest.approx(0.5)
    assert table.loc["funding", "recall"] == 0.0 and np.isnan(table.loc["funding", "precision"])
    assert table.loc["(all codes)", "precision"] == pytest.approx(0.5)
    assert table.loc["(all codes)", "recall"] == pytest.approx(1 / 3)


def test_the_vectorised_bootstrap_equals_the_packages_on_every_resample():
    """binary_bootstrap computes kappa and alpha from counts; each resample must match sklearn and krippendorff."""
    rng = np.random.default_rng(3)
    for coders in (2, 3):
        matrix = (rng.random((coders, 60)) < 0.3).astype(float)
        matrix[rng.random(matrix.shape) < 0.15] = np.nan  # missing data
        kappas, alphas = binary_bootstrap(matrix, n_resamples=25, random_state=11)
        draws = np.random.default_rng(11).integers(0, 60, (25, 60))
        for r in range(25):
            resample = matrix[:, draws[r]]
            assert np.isclose(alphas[r], alpha(resample), equal_nan=True)
            assert np.isclose(kappas[r], kappa(resample), equal_nan=True)


def test_reliability_intervals_bracket_the_estimates():
    rng = np.random.default_rng(5)
    rows = [(f"u{u}", coder, "c") for u in range(80) for coder in ("a", "b") if rng.random() < 0.3]
    rows += [(f"u{u}", "b", "c") for u in range(0, 80, 9)]
    codings = pd.DataFrame(sorted(set(rows)), columns=["unit", "coder", "code_id"])
    reviewed = {"a": [f"u{u}" for u in range(80)], "b": [f"u{u}" for u in range(80)]}
    table = reliability_table(codings, reviewed, ["c"], n_resamples=400)
    row = table.iloc[0]
    assert row.alpha_low <= row.alpha <= row.alpha_high and row.kappa_low <= row.kappa <= row.kappa_high
    assert 0 < row.alpha_high - row.alpha_low < 0.6
