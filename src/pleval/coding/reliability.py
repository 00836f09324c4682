"""Inter-coder reliability: percent agreement, Cohen's kappa and Krippendorff's alpha, per code and overall.

Coefficients come from scikit-learn (``cohen_kappa_score``) and the krippendorff package; this module only
arranges codings into coder-by-unit matrices, resamples units for bootstrap intervals, and reports prevalence
(how many units each coder coded) beside every coefficient, so that a low kappa despite high agreement (a rare
code) is explained rather than mysterious.

Input is a table of codings with columns ``unit`` (a turn, sentence or transcript id), ``coder`` and
``code_id``, plus, for each coder, the units they reviewed: a unit a coder reviewed without applying a code
counts as "absent"; a unit they never reviewed is missing data, never a negative. Agreement, kappa and alpha are
computed over the units two coders or more reviewed (:func:`compared_units`), and ``units`` says how many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

# scikit-learn and krippendorff (with scipy) take seconds to import: they are imported where used, so that a
# brief or a notebook that only reads coefficients does not pay for them.

#: Columns of :func:`reliability_table`, in order.
RELIABILITY_COLUMNS = [
    "code_id", "units", "coders", "prevalence", "agreement", "kappa", "kappa_low", "kappa_high",
    "alpha", "alpha_low", "alpha_high",
]


def compared_units(reviewed: Mapping[str, Sequence[str]]) -> list[str]:
    """The units two coders or more reviewed, sorted: the only ones agreement can be measured on. A unit one coder
    reviewed and the others never reached is left out rather than counted against anyone."""
    count = Counter(unit for units in reviewed.values() for unit in set(units))
    return sorted(unit for unit, n in count.items() if n >= 2)


def presence_matrix(codings: pd.DataFrame, reviewed: Mapping[str, Sequence[str]], code_id: str,
                    units: Sequence[str]) -> np.ndarray:
    """Coders x units: 1 where the coder applied the code, 0 where they reviewed the unit without it, NaN where
    they did not review it."""
    coders = list(reviewed)
    matrix = np.full((len(coders), len(units)), np.nan)
    column = {unit: j for j, unit in enumerate(units)}
    for i, coder in enumerate(coders):
        for unit in reviewed[coder]:
            if unit in column:
                matrix[i, column[unit]] = 0.0
    rows = codings[codings["code_id"] == code_id]
    row_of = {coder: i for i, coder in enumerate(coders)}
    for coder, unit in zip(rows["coder"], rows["unit"], strict=True):
        if coder in row_of and unit in column and not np.isnan(matrix[row_of[coder], column[unit]]):
            matrix[row_of[coder], column[unit]] = 1.0
    return matrix


def percent_agreement(matrix: np.ndarray) -> float:
    """Share of agreeing coder pairs over units, counting only pairs who both reviewed the unit."""
    agree = total = 0
    for a, b in combinations(range(matrix.shape[0]), 2):
        both = ~np.isnan(matrix[a]) & ~np.isnan(matrix[b])
        agree += int((matrix[a, both] == matrix[b, both]).sum())
        total += int(both.sum())
    return agree / total if total else float("nan")


def kappa(matrix: np.ndarray) -> float:
    """Cohen's kappa of two coders over the units both reviewed (NaN for other than two coders)."""
    if matrix.shape[0] != 2:
        return float("nan")
    both = ~np.isnan(matrix[0]) & ~np.isnan(matrix[1])
    a, b = matrix[0, both], matrix[1, both]
    if not both.any() or (len(set(a)) == 1 and len(set(b)) == 1 and a[0] == b[0]):
        return float("nan")  # one category only: kappa is undefined
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


def alpha(matrix: np.ndarray, level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, missing data allowed."""
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    values = matrix[:, pairable]
    if values.size == 0 or len(set(values[~np.isnan(values)])) < 2:
        return float("nan")  # no variation: alpha is undefined
    import krippendorff

    return float(krippendorff.alpha(reliability_data=values, level_of_measurement=level))


def bootstrap_interval(statistic, matrix: np.ndarray, *, n_resamples: int = 1000, confidence: float = 0.95,
                       random_state: int | None = 0) -> tuple[float, float]:
    """A percentile bootstrap interval for ``statistic(matrix)``, resampling units with replacement."""
    rng = np.random.default_rng(random_state)
    units = matrix.shape[1]
    if units < 2:
        return float("nan"), float("nan")
    values = []
    for _ in range(n_resamples):
        value = statistic(matrix[:, rng.integers(0, units, units)])
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def binary_bootstrap(matrix: np.ndarray, *, n_resamples: int = 1000, random_state: int | None = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Cohen's kappa and Krippendorff's alpha of every bootstrap resample of a presence matrix (values 0, 1 or
    NaN), all resamples at once.

    For two categories both coefficients follow from counts: kappa from the 2x2 table of the units both coders
    reviewed, nominal alpha from each unit's zeros and ones (its coincidences). Counting every resample's units
    in one array operation takes milliseconds where calling scikit-learn and krippendorff once per resample
    takes seconds; the tests check that each resample's values equal those packages' own.

    Returns
    -------
    kappas, alphas : ndarray
        One value per resample (NaN where a resample leaves the coefficient undefined).
    """
    coders, units = matrix.shape
    if units < 2 or n_resamples < 1:
        return np.full(0, np.nan), np.full(0, np.nan)
    rng = np.random.default_rng(random_state)
    draws = rng.integers(0, units, (n_resamples, units))
    counts = np.zeros((n_resamples, units))
    np.add.at(counts, (np.repeat(np.arange(n_resamples), units), draws.ravel()), 1)  # times each unit is drawn

    with np.errstate(invalid="ignore", divide="ignore"):
        kappas = np.full(n_resamples, np.nan)
        if coders == 2:
            a, b = matrix
            both = ~np.isnan(a) & ~np.isnan(b)
            cells = [both & (a == x) & (b == y) for x, y in ((0, 0), (0, 1), (1, 0), (1, 1))]
            n00, n01, n10, n11 = (counts @ cell.astype(float) for cell in cells)
            n = n00 + n01 + n10 + n11
            observed = (n00 + n11) / n
            expected = ((n00 + n01) * (n00 + n10) + (n10 + n11) * (n01 + n11)) / n**2
            kappas = np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)

        ones = np.nansum(matrix, axis=0)
        values = (~np.isnan(matrix)).sum(axis=0)
        zeros = values - ones
        pairable = values >= 2
        disagreeing = np.where(pairable, 2 * zeros * ones / np.maximum(values - 1, 1), 0.0)
        total_zeros = counts @ np.where(pairable, zeros, 0)
        total_ones = counts @ np.where(pairable, ones, 0)
        n = total_zeros + total_ones
        alphas = np.where((total_zeros > 0) & (total_ones > 0),
                          1 - (n - 1) * (counts @ disagreeing) / (2 * total_zeros * total_ones), np.nan)
    return kappas, alphas


def _percentiles(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def reliability_table(codings: pd.DataFrame, reviewed: Mapping[str, Sequence[str]], code_ids: Sequence[str], *,
                      n_resamples: int = 1000, random_state: int | None = 0) -> pd.DataFrame:
    """Per code, and over all codes, agreement, kappa and alpha with bootstrap intervals.

    Only units two coders or more reviewed are compared (:func:`compared_units`); ``units`` counts them. The
    overall row (``code_id`` "(all codes)") pools every unit-and-code decision, as if each were a unit.
    ``prevalence`` gives, per coder, how many of the compared units (decisions) they reviewed they coded, e.g.
    ``"ana 12/80; ben 30/80"``.
    """
    units = compared_units(reviewed)
    matrices = {code_id: presence_matrix(codings, reviewed, code_id, units) for code_id in code_ids}
    matrices["(all codes)"] = np.hstack(list(matrices.values())) if matrices else np.zeros((len(reviewed), 0))
    rows = []
    for code_id, matrix in matrices.items():
        prevalence = "; ".join(
            f"{coder} {int(np.nansum(matrix[i]))}/{int((~np.isnan(matrix[i])).sum())}"
            for i, coder in enumerate(reviewed)
        )
        kappas, alphas = binary_bootstrap(matrix, n_resamples=n_resamples, random_state=random_state)
        k_low, k_high = _percentiles(kappas)
        a_low, a_high = _percentiles(alphas)
        rows.append({
            "code_id": code_id, "units": matrix.shape[1], "coders": len(reviewed),
            "prevalence": prevalence, "agreement": percent_agreement(matrix), "kappa": kappa(matrix),
            "kappa_low": k_low, "kappa_high": k_high, "alpha": alpha(matrix), "alpha_low": a_low,
            "alpha_high": a_high,
        })
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


#: Columns of :func:`scores_against_reference`, in order.
SCORE_COLUMNS = ["code_id", "units", "reference_coded", "coder_coded", "precision", "recall", "f1", "kappa"]


def scores_against_reference(codings: pd.DataFrame, reviewed: Mapping[str, Sequence[str]], coder: str,
                             reference: str, code_ids: Sequence[str]) -> pd.DataFrame:
    """Judge one coder against another taken as the truth: per code (and micro-averaged over all codes)
    precision, recall, F1 and kappa, over the units both reviewed. This is how rules or a model are judged
    against people."""
    both = sorted(set(reviewed[coder]) & set(reviewed[reference]))
    pair = {coder: both, reference: both}
    rows, pooled = [], []
    for code_id in code_ids:
        matrix = presence_matrix(codings, pair, code_id, both)
        pooled.append(matrix)
        rows.append(_scores(code_id, matrix))
    if pooled:
        rows.append(_scores("(all codes)", np.hstack(pooled)))
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _scores(code_id: str, matrix: np.ndarray) -> dict:
    coder, reference = matrix[0], matrix[1]
    if len(reference):
        from sklearn.metrics import precision_recall_fscore_support

        precision, recall, f1, _ = precision_recall_fscore_support(
            reference, coder, average="binary", zero_division=np.nan
        )
    else:
        precision = recall = f1 = float("nan")
    return {"code_id": code_id, "units": len(reference), "reference_coded": int(reference.sum()),
            "coder_coded": int(coder.sum()), "precision": float(precision), "recall": float(recall),
            "f1": float(f1), "kappa": kappa(matrix)}
