"""Static charts (matplotlib) for notebooks and briefs: no JavaScript, nothing fetched, prints as it shows."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

ACCEPTABLE_ALPHA = 0.667  # Krippendorff: tentative conclusions only below 0.667, reliable from 0.8
GOOD_ALPHA = 0.8


def reliability_chart(table: pd.DataFrame, *, title: str = "Agreement per code"):
    """Krippendorff's alpha per code with its bootstrap interval, and each coder's prevalence beside it.

    Parameters
    ----------
    table : DataFrame
        What :func:`pleval.coding.reliability.reliability_table` returns (columns code_id, alpha, alpha_low,
        alpha_high, prevalence).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = table[table["code_id"] != "(all codes)"].iloc[::-1]
    pooled = table[table["code_id"] == "(all codes)"]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.4))
    y = range(len(rows))
    alpha = rows["alpha"].astype(float)
    low = (alpha - rows["alpha_low"].astype(float)).clip(lower=0)
    high = (rows["alpha_high"].astype(float) - alpha).clip(lower=0)
    colours = ["#2e7d32" if a >= GOOD_ALPHA else "#f9a825" if a >= ACCEPTABLE_ALPHA else "#c62828" for a in alpha]
    ax.barh(list(y), alpha, xerr=[low, high], color=colours, capsize=3, height=0.6)
    labels = [f"{c}  ({p})" for c, p in zip(rows["code_id"], rows["prevalence"], strict=True)]
    ax.set_yticks(list(y), labels, fontsize=8)
    for line, label in ((ACCEPTABLE_ALPHA, "0.667"), (GOOD_ALPHA, "0.8")):
        ax.axvline(line, color="#555", linestyle="--", linewidth=0.8)
        ax.text(line, len(rows) - 0.4, label, fontsize=7, ha="center", color="#555")
    if not pooled.empty:
        ax.axvline(float(pooled["alpha"].iloc[0]), color="#1565c0", linewidth=1.2)
    ax.set_xlim(min(0.0, float(alpha.min()) - 0.05) if len(alpha) else 0, 1)
    ax.set_xlabel("Krippendorff's alpha (bars: 95% bootstrap interval; blue line: all codes pooled)")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)  # the caller displays it; keep pyplot's global state empty
    return fig


def scores_chart(scores: pd.DataFrame, *, title: str = "Coder against the reference"):
    """Precision, recall and F1 per code for one coder scored against a reference (e.g. rules vs consensus).

    Parameters
    ----------
    scores : DataFrame
        What :func:`pleval.coding.reliability.scores_against_reference` returns (code_id, precision, recall, f1).
    """
    rows = scores[scores["code_id"] != "(all codes)"].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.4))
    y = pd.Series(range(len(rows)), dtype=float)
    for shift, column, colour in ((-0.25, "precision", "#5c6bc0"), (0, "recall", "#26a69a"), (0.25, "f1", "#ffa726")):
        ax.barh(y + shift, rows[column].astype(float).fillna(0), height=0.25, color=colour, label=column)
    ax.set_yticks(list(y), list(rows["code_id"]), fontsize=8)
    ax.set_xlim(0, 1)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def heatmap(matrix: pd.DataFrame, *, title: str, fmt: str = "{:.0f}", cmap: str = "Blues", label: str = ""):
    """A labelled heatmap of a table (e.g. code co-occurrence, or codes by role), each cell printed.

    Parameters
    ----------
    matrix : DataFrame
        Numbers; its index and columns label the rows and columns.
    fmt : str
        How each cell's number is printed.
    """
    values = matrix.astype(float).to_numpy()
    fig, ax = plt.subplots(figsize=(0.62 * len(matrix.columns) + 2.8, 0.42 * len(matrix.index) + 1.8))
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(matrix.columns)), [str(c) for c in matrix.columns], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(matrix.index)), [str(i) for i in matrix.index], fontsize=8)
    top = values.max() if values.size else 0
    for (row, column), value in np.ndenumerate(values):
        ax.text(column, row, fmt.format(value), ha="center", va="center", fontsize=7,
                color="white" if top and value > 0.6 * top else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, label=label)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def prevalence_by_role_chart(table: pd.DataFrame, *, title: str = "Who voiced each theme"):
    """Per theme, the share of participants of each role who voiced it, labelled "voiced/participants".

    Parameters
    ----------
    table : DataFrame
        One row per theme and role: ``theme`` (its label), ``role``, ``voiced`` (participants of the role who
        voiced it) and ``participants`` (participants of the role in the brief); optionally ``label``, how the
        project names the role in the legend (else the role's id, in words).

    Returns
    -------
    matplotlib.figure.Figure
    """
    themes = list(dict.fromkeys(table["theme"]))
    roles = list(dict.fromkeys(table["role"]))
    labels = dict(zip(table["role"], table["label"], strict=True)) if "label" in table else {}
    height = 0.8 / max(len(roles), 1)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(themes) * max(len(roles), 1) * 0.6 + 1.6))
    colours = plt.get_cmap("tab10")
    for j, role in enumerate(roles):
        rows = table[table["role"] == role].set_index("theme").reindex(themes)
        share = (rows["voiced"] / rows["participants"]).fillna(0).to_numpy(dtype=float)
        y = np.arange(len(themes)) + (j - (len(roles) - 1) / 2) * height
        label = labels.get(role) or role.replace("_", " ")
        ax.barh(y, 100 * share, height=height * 0.9, color=colours(j % 10), label=label)
        for yy, value, voiced, total in zip(y, share, rows["voiced"], rows["participants"], strict=True):
            if pd.notna(total):
                ax.text(100 * value + 1, yy, f"{int(voiced)}/{int(total)}", va="center", fontsize=7)
    ax.set_yticks(range(len(themes)), themes, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xlabel("% of participants in the role who voiced the theme (labels: voiced/participants)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def survey_figures_chart(table: pd.DataFrame, *, title: str = "Survey: percent agreeing"):
    """Percent agreeing per item with its 95% interval and n; a suppressed item shows no bar and says so.

    Parameters
    ----------
    table : DataFrame
        One row per figure: ``label``, ``n``, ``percent``, ``ci_low``, ``ci_high`` (0-100, missing when
        suppressed; ``n`` missing too as a brief publishes it), ``suppressed``, ``suppress_below`` and optionally
        ``withheld`` (suppressed to protect another figure) and ``shown``, the percent as the text beside the
        chart states it (default: the percent to a whole number).
    """
    rows = table.reset_index(drop=True)
    lines = max([str(label).count("\n") + 1 for label in rows["label"]] or [1])  # a wrapped label is taller
    fig, ax = plt.subplots(figsize=(8, (0.3 + 0.2 * lines) * len(rows) + 1.4))
    for i, row in rows.iterrows():
        if row.get("withheld", False):
            ax.text(1, i, "withheld, so that a small group cannot be worked out", va="center", fontsize=8,
                    color="#555")
            continue
        if row["suppressed"]:
            small = f"n < {int(row['suppress_below'])}" if pd.isna(row["n"]) else \
                f"n = {int(row['n'])} < {int(row['suppress_below'])}"
            ax.text(1, i, f"suppressed ({small})", va="center", fontsize=8, color="#555")
            continue
        low, high = row["percent"] - row["ci_low"], row["ci_high"] - row["percent"]
        ax.barh(i, row["percent"], xerr=[[low], [high]], color="#4a7bb7", capsize=3, height=0.6)
        shown = row["shown"] if isinstance(row.get("shown"), str) else f"{row['percent']:.0f}%"
        ax.text(min(row["ci_high"] + 1.5, 101), i, f"{shown}  (n = {int(row['n'])})", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [str(label) for label in rows["label"]], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("% agreeing (agree or strongly agree), bars: Wilson 95% interval")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
