"""Figures of a run, a sweep and one episode: each function takes results and returns a Matplotlib figure.

Every function builds its own :class:`matplotlib.figure.Figure` (never through
``pyplot``), so nothing is left open in pyplot's figure registry, no global
style is changed and the caller decides what to do with the figure:
``fig.savefig("odds.png")`` on the command line, or the figure as the last
expression of a notebook cell (after ``%matplotlib inline``).

What the functions accept:

- a run: a :class:`sim.Results`, its ``summary`` dict (as in ``summary.json``)
  or its ``episodes`` table (as in ``episodes.parquet``), whichever the plot
  needs; :func:`odds` and :func:`causes` also take a mapping ``{label: run}``
  to compare several runs side by side;
- a sweep table (:func:`odds_vs_parameter`, :func:`heatmap`): one row per
  configuration, the swept parameters as columns, and per outcome ``o`` the
  columns ``p_<o>``, ``p_<o>_low`` and ``p_<o>_high`` (the estimate and its 95%
  interval). :func:`summary_row` turns a run's summary into such a row;
- one episode (:func:`anatomy`): a :class:`sim.NegotiationModel` run with
  ``record=True`` (for instance ``sim.episode(scenario, seed)``), or its
  DataCollector table ``model.datacollector.get_model_vars_dataframe()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.analysis.episode_plots import anatomy
from sim.analysis.figure_style import (
    AXIS_TERMS,
    OUTCOME_COLORS,
    SERIES_COLORS,
    episodes_of,
    plain,
    plain_cause,
    runs_of,
    summary_of,
)
from sim.analysis.sweep_plots import drivers, heatmap, odds_vs_parameter
from sim.core.params import OUTCOMES
from sim.core.stats import summary_columns


def summary_row(summary, **parameters) -> dict:
    """One row of a sweep table from a run's summary: the given parameter values, then the result columns.

    Columns: the keyword arguments as given, then those of
    :func:`sim.core.stats.summary_columns` (for each outcome ``o``: ``p_<o>``,
    ``p_<o>_low``, ``p_<o>_high``, ``mean_rounds_<o>``; ``main_escalation_cause``,
    ``replications``, ...), the same columns as a sweep's ``sweep.parquet``.
    """
    row: dict = dict(parameters)
    row.update({k: v for k, v in summary_columns(summary_of(summary)).items() if k not in row})
    return row


# ---------------------------------------------------------------- a run


def odds(runs, *, title: str | None = None) -> Figure:
    """The probability of each outcome with its 95% interval as whiskers.

    ``runs`` is one run (Results or summary) or a mapping ``{label: run}``;
    several runs are drawn as grouped bars, one colour per run.
    """
    summaries = runs_of(runs)
    k = len(summaries)
    fig = Figure(figsize=(6.4 if k == 1 else 7.5 + 0.6 * k, 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(OUTCOMES))
    width = 0.8 / k
    for j, (label, s) in enumerate(summaries.items()):
        p = np.array([s[f"p_{o}"] for o in OUTCOMES])
        ci = np.array([s["ci95"][o] for o in OUTCOMES])
        offset = (j - (k - 1) / 2) * width
        colors = [OUTCOME_COLORS[o] for o in OUTCOMES] if k == 1 else SERIES_COLORS[j % len(SERIES_COLORS)]
        ax.bar(x + offset, p, width * 0.92, color=colors, label=label if k > 1 else None)
        ax.errorbar(x + offset, p, yerr=np.abs(ci.T - p), fmt="none", ecolor="black", elinewidth=1.2, capsize=5)
        for xi, pi, hi in zip(x + offset, p, ci[:, 1], strict=True):
            ax.annotate(
                f"{100 * pi:.1f}%",
                (xi, hi),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9 if k < 4 else 7,
                rotation=0 if k < 6 else 90,
            )
    ax.set_xticks(x, [o.capitalize() for o in OUTCOMES])
    ax.set_ylabel("probability (95% Wilson interval)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    top = max(max(s["ci95"][o][1] for o in OUTCOMES) for s in summaries.values())
    ax.set_ylim(0, min(1.0, top * 1.15 + 0.03) if top < 0.87 else 1.08)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if k > 3:
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    elif k > 1:
        ax.legend(frameon=False, fontsize=9)
    if title is None:
        if k == 1:
            s = next(iter(summaries.values()))
            title = f"Odds of the talks: {s.get('scenario', 'run')} ({s['replications']:,} replications)"
        else:
            title = "Odds of the talks"
    ax.set_title(title)
    return fig


def rounds(run, *, title: str | None = None) -> Figure:
    """When the talks end: the share of all replications ending in each round, stacked by outcome.

    A dashed line marks the mean round of each outcome.
    """
    episodes = episodes_of(run)
    n = len(episodes)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    last = int(episodes["round"].max()) if n else 1
    r = np.arange(1, last + 1)
    bottom = np.zeros(len(r))
    outcome = episodes["outcome"].astype(str).to_numpy()
    ended = episodes["round"].to_numpy()
    for o in OUTCOMES:
        hit = outcome == o
        counts = np.bincount(ended[hit], minlength=last + 1)[1:] / max(n, 1)
        ax.bar(r, counts, 0.85, bottom=bottom, color=OUTCOME_COLORS[o], label=f"{o} ({100 * hit.mean():.1f}%)")
        bottom += counts
        if hit.any():
            ax.axvline(ended[hit].mean(), color=OUTCOME_COLORS[o], ls="--", lw=1.3)
    ax.set_xlabel("round (one week each) in which the talks end (dashed: mean round of each outcome)")
    ax.set_ylabel("share of replications")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.4, last + 0.6)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(frameon=False, loc="upper right")  # the mass of the episodes is in the early rounds, on the left
    ax.set_title(title or "Rounds to outcome")
    return fig


def causes(runs, *, outcome: str = "escalation", absolute: bool = False, title: str | None = None) -> Figure:
    """What ended the talks in ``outcome`` (escalation or stalemate): the share of each cause.

    Bars are shares of the ``outcome``'s episodes, or with ``absolute=True``
    shares of all replications (they then add up to P(outcome), which makes
    runs with different odds comparable). ``runs`` is one run or ``{label: run}``.
    """
    if outcome not in ("escalation", "stalemate"):
        raise ValueError(f"outcome = {outcome!r}: use 'escalation' or 'stalemate'")
    summaries = runs_of(runs)
    key = f"{outcome}_causes"
    scale = {label: (s[f"p_{outcome}"] if absolute else 1.0) for label, s in summaries.items()}
    names: list[str] = []
    for s in summaries.values():
        for cause in sorted(s[key], key=lambda c: -s[key][c]):
            if cause not in names:
                names.append(cause)
    k = len(summaries)
    fig = Figure(figsize=(7.5, 1.2 + 0.45 * max(1, len(names)) * (1 + 0.35 * (k - 1))), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(names))
    height = 0.8 / k
    for j, (label, s) in enumerate(summaries.items()):
        shares = np.array([s[key].get(c, 0.0) * scale[label] for c in names])
        offset = (j - (k - 1) / 2) * height
        color = OUTCOME_COLORS[outcome] if k == 1 else SERIES_COLORS[j % len(SERIES_COLORS)]
        ax.barh(y + offset, shares, height * 0.92, color=color, label=label if k > 1 else None)
        for yi, v in zip(y + offset, shares, strict=True):
            ax.annotate(f"{100 * v:.1f}%", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, [plain_cause(c) for c in names])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"share of all replications (adds up to P({outcome}))" if absolute else f"share of {outcome}s")
    top = max([0.0, *(s[key].get(c, 0.0) * scale[lab] for lab, s in summaries.items() for c in names)])
    ax.set_xlim(0, min(1.08, top * 1.25) if top > 0 else 1.0)  # room for the values written after the bars
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    if not names:
        ax.text(0.5, 0.5, f"no {outcome} in this run", transform=ax.transAxes, ha="center", va="center")
    if k > 3:
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    elif k > 1:
        ax.legend(frameon=False, fontsize=9, loc="lower right")
    if title is None:
        if k == 1:
            s = next(iter(summaries.values()))
            title = f"Causes of {outcome} (P({outcome}) = {100 * s[f'p_{outcome}']:.1f}%)"
        else:
            title = f"Causes of {outcome}"
    ax.set_title(title)
    return fig


def deal_terms(run, *, issues: Sequence[str] | None = None, bins: int = 20, title: str | None = None) -> Figure:
    """The distribution of deal terms, one histogram per issue, over the deals that had the issue on their agenda.

    Each panel gives the number of such deals and marks their median term; an
    issue that no deal covered says so (its term stayed at the status quo).
    """
    episodes = episodes_of(run)
    if issues is None:
        issues = [c.removeprefix("term_") for c in episodes.columns if c.startswith("term_")]
    deals = episodes[episodes["outcome"].astype(str) == "deal"]
    ncols = min(3, max(1, len(issues)))
    nrows = max(1, math.ceil(len(issues) / ncols))
    fig = Figure(figsize=(3.3 * ncols, 2.4 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    for ax, issue in zip(axes, issues, strict=False):
        covered = deals.loc[deals[f"on_agenda_{issue}"].astype(bool), f"term_{issue}"].to_numpy(float)
        ax.set_title(plain(issue), fontsize=10)
        ax.set_xlim(0, 1)
        if covered.size == 0:
            ax.text(0.5, 0.5, "in no deal", transform=ax.transAxes, ha="center", va="center", color="0.4")
            ax.set_yticks([])
            continue
        weights = np.full(covered.size, 1.0 / covered.size)
        ax.hist(np.clip(covered, 0.0, 1.0), bins=edges, weights=weights, color=OUTCOME_COLORS["deal"], alpha=0.85)
        median = float(np.median(covered))
        ax.axvline(median, color="black", lw=1.3, ls="--")
        right = median < 0.5  # the note goes on the side away from the bulk of the deals
        ax.text(
            0.97 if right else 0.03,
            0.95,
            f"{covered.size:,} deals\nmedian {median:.2f}",
            transform=ax.transAxes,
            ha="right" if right else "left",
            va="top",
            fontsize=8,
        )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    for ax in axes[len(issues) :]:
        ax.set_visible(False)
    fig.supxlabel(AXIS_TERMS, fontsize=10)
    fig.supylabel("share of the deals covering the issue", fontsize=10)
    fig.suptitle(title or f"Deal terms per issue ({len(deals):,} deals)")
    return fig


def comparison(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """A comparison (``comparison.csv`` of ``muscat-sim compare``): the odds, and the difference from the first.

    Left: each configuration's probability of each outcome with its 95% Wilson
    interval. Right: each configuration's difference from configuration [1] in
    percentage points with its 95% interval, the paired one where the runs
    share their random numbers (McNemar / Newcombe), which is what the
    comparison tests; a difference whose interval leaves zero is drawn solid.
    """
    labels = list(dict.fromkeys(f"[{i}] {c}" for i, c in zip(table["index"], table["configuration"], strict=True)))
    k = len(labels)
    fig = Figure(figsize=(12, 1.8 + 0.45 * k * len(OUTCOMES)), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1, 1.1])
    rows, ticks, names = [], [], []
    for j, outcome in enumerate(OUTCOMES):
        part = table[table["outcome"] == outcome].reset_index(drop=True)
        for i, row in part.iterrows():
            y = j * (k + 1) + i
            rows.append((y, outcome, row))
            ticks.append(y)
            names.append(f"{outcome}: {labels[i]}" if len(labels[i]) < 48 else f"{outcome}: {labels[i][:46]}…")
    for y, outcome, row in rows:
        _comparison_row(left, right, y, OUTCOME_COLORS[outcome], row)
    left.set_yticks(ticks, names, fontsize=9)
    left.invert_yaxis()
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.set_xlim(0, min(1.12, float(table["p_high"].max()) * 1.2 + 0.02))
    left.set_xlabel("probability (95% Wilson interval)")
    left.grid(axis="x", alpha=0.3)
    right.axvline(0, color="black", lw=1)
    tests = ", ".join(sorted(set(table["test"].dropna())))
    right.set_xlabel("difference from [1], percentage points (95% interval)")
    spans = table[["difference_low", "difference_high"]].dropna().to_numpy(float) * 100
    if spans.size:
        low, high = min(0.0, spans.min()), max(0.0, spans.max())
        pad = max(1.0, 0.15 * (high - low))
        right.set_xlim(low - pad, high + 2.8 * pad)  # room for the numbers written after the intervals
    right.grid(axis="x", alpha=0.3)
    fig.suptitle(
        title or f"Comparison with [1] {labels[0][4:]}: {tests or 'no test'}; a filled dot's interval leaves 0", fontsize=11
    )
    return fig


def _comparison_row(left, right, y: float, color: str, row) -> None:
    """One configuration's bar and interval (left) and its difference from [1] with its interval (right)."""
    left.barh(y, row["p"], 0.8, color=color, alpha=0.35 if row["index"] > 1 else 0.8)
    left.errorbar(
        row["p"], y, xerr=[[row["p"] - row["p_low"]], [row["p_high"] - row["p"]]], fmt="none", ecolor="black", capsize=3
    )
    left.annotate(
        f"{100 * row['p']:.1f}%", (row["p_high"], y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
    )
    if pd.notna(row["difference"]):
        d, lo, hi = (100 * float(row[c]) for c in ("difference", "difference_low", "difference_high"))
        clear = lo > 0 or hi < 0
        right.errorbar(
            d, y, xerr=[[d - lo], [hi - d]], fmt="o", color=color, mfc=color if clear else "white", capsize=4, ms=6, lw=1.6
        )
        right.annotate(
            f"{d:+.1f} [{lo:+.1f}, {hi:+.1f}]", (hi, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8
        )
    else:
        right.annotate("reference [1]", (0, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, color="0.4")


# ---------------------------------------------------------------- files


def retrodiction(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Historical cases: each case's three odds as bars, the actual outcome's bar outlined and marked.

    ``table``: one row per case with ``case``, ``actual`` and ``p_<outcome>``
    (``retro.csv`` of ``python -m sim retro``, or :func:`sim.analysis.retro.score_table`).
    The cases run down the page (one row each, in the table's order), so the
    figure keeps a page's width however many cases there are.
    """
    fig = Figure(figsize=(9, 1.3 + 0.62 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    height = 0.26
    y = np.arange(len(table))
    for k, o in enumerate(OUTCOMES):
        p = table[f"p_{o}"].to_numpy(dtype=float)
        actual = (table["actual"] == o).to_numpy()
        bars = ax.barh(
            y + (k - 1) * height,
            p,
            height,
            color=OUTCOME_COLORS[o],
            label=o,
            edgecolor=np.where(actual, "black", "none").tolist(),
            linewidth=2.0,
        )
        for bar, hit, value in zip(bars, actual, p, strict=True):
            ax.annotate(
                f"{100 * value:.0f}%" + (" actual" if hit else ""),
                (value, bar.get_y() + bar.get_height() / 2),
                ha="left",
                va="center",
                fontsize=8,
                fontweight="bold" if hit else "normal",
                xytext=(3, 0),
                textcoords="offset points",
            )
    ax.set_yticks(y, [f"{c}\n(actual: {a})" for c, a in zip(table["case"], table["actual"], strict=True)], fontsize=9)
    ax.invert_yaxis()  # the first case at the top
    ax.set_xlim(0, 1.18)  # room for the values written after the bars
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.axvline(1 / 3, color="0.6", linestyle=":", linewidth=1, label="uniform (1/3)")
    ax.set_xlabel("simulated probability of each outcome (the actual one outlined)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=OUTCOME_COLORS[o], label=o) for o in OUTCOMES]  # no outline: the bars' outline marks the actual
    handles += [
        Patch(facecolor="white", edgecolor="black", linewidth=2.0, label="what happened"),
        Line2D([], [], color="0.6", linestyle=":", label="uniform (1/3)"),
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncols=5, frameon=False)
    ax.set_title(title or "Retrodiction: the model's odds for each case, the actual outcome outlined", pad=22)
    return fig


def run_figures(results, *, episode=None, label: str | None = None) -> dict[str, Figure]:
    """The figures of a run by name: odds, rounds, causes, terms (and anatomy with ``episode``).

    ``label`` names the run in every title (the command line gives the label of
    its output folder, ``baseline+no-israel`` for ``~actors.israel``, so a
    modified run is never titled as the scenario it changed); by default the
    scenario's name.
    """
    s = summary_of(results)
    name = label or s.get("scenario", "run")
    p_esc = f"P(escalation) = {100 * s['p_escalation']:.1f}%"
    deals = int((episodes_of(results)["outcome"].astype(str) == "deal").sum())
    figures = {
        "odds": odds(results, title=f"Odds of the talks: {name} ({s['replications']:,} replications)"),
        "rounds": rounds(results, title=f"Rounds to outcome: {name}"),
        "causes": causes(results, title=f"Causes of escalation: {name} ({p_esc})"),
        "terms": deal_terms(results, title=f"Deal terms per issue: {name} ({deals:,} deals)"),
    }
    if episode is not None:
        figures["anatomy"] = anatomy(episode)
    return figures


def write_figures(results, directory, *, episode=None, dpi: int = 120, label: str | None = None) -> list[Path]:
    """Write the figures of a run (:func:`run_figures`) into ``directory``: odds.png, rounds.png, causes.png, terms.png.

    With ``episode`` (a NegotiationModel run with ``record=True``) also
    anatomy.png; ``label`` names the run in the titles. Returns the paths
    written. The command line calls this with ``plots=true``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in run_figures(results, episode=episode, label=label).items():
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths


__all__ = [
    "anatomy",
    "causes",
    "comparison",
    "deal_terms",
    "drivers",
    "heatmap",
    "odds",
    "odds_vs_parameter",
    "rounds",
    "run_figures",
    "summary_row",
    "write_figures",
]
