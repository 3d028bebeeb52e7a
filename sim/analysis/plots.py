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
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.core.params import OUTCOMES
from sim.core.stats import summary_columns

OUTCOME_COLORS = {"deal": "#2e8b57", "escalation": "#c0392b", "stalemate": "#7f8c8d", "running": "#34495e"}
PRINCIPAL_COLORS = ("#1f5aa6", "#d98c00", "#7b3f9e", "#3c9d9b")
SERIES_COLORS = (
    "#1f5aa6",
    "#d98c00",
    "#2e8b57",
    "#c0392b",
    "#7b3f9e",
    "#3c9d9b",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#1a1a1a",
)
EVENT_MARKERS = ("v", "^", "s", "P", "X", "*", "h", "<", ">", "p")
AXIS_TERMS = "term (0 = Tehran's end, 1 = Washington's)"


# ---------------------------------------------------------------- inputs


def _summary(run) -> dict:
    """The summary dict of a Results, or the dict itself."""
    summary = getattr(run, "summary", run)
    if not isinstance(summary, Mapping) or "p_deal" not in summary:
        raise TypeError(f"expected a sim.Results or its summary dict, got {type(run).__name__}")
    return dict(summary)


def _episodes(run) -> pd.DataFrame:
    """The per-replication table of a Results, or the table itself."""
    episodes = getattr(run, "episodes", run)
    if not isinstance(episodes, pd.DataFrame) or "outcome" not in episodes:
        raise TypeError(f"expected a sim.Results or its episodes DataFrame, got {type(run).__name__}")
    return episodes


def _runs(runs) -> dict[str, dict]:
    """``{label: summary}`` from one run or a mapping of labelled runs."""
    if isinstance(runs, Mapping) and "p_deal" not in runs:
        return {str(label): _summary(run) for label, run in runs.items()}
    summary = _summary(runs)
    return {str(summary.get("scenario", "run")): summary}


def _label(name: str) -> str:
    return str(name).replace("_", " ")


KEY_STYLE = {"fontsize": 7, "color": "0.35", "family": "monospace"}


def _parameter_ticks(ax, positions, keys, *, fontsize: float = 9) -> None:
    """Y tick labels in plain words (:func:`sim.analysis.labels.describe`), each parameter's key in small type under it."""
    from sim.analysis.labels import describe

    keys = [str(k) for k in keys]
    ax.set_yticks(positions, [describe(k) if describe(k) != k else k for k in keys], fontsize=fontsize)
    for tick, key in zip(ax.get_yticklabels(), keys, strict=True):
        tick.set_verticalalignment("bottom")
        if describe(key) != key:
            ax.annotate(
                key, xy=(1, 0), xycoords=tick, xytext=(0, -1), textcoords="offset points", ha="right", va="top", **KEY_STYLE
            )


def _parameter_label(ax, key: str, axis: str = "x") -> None:
    """An axis label in plain words with the parameter's scale, its key in small type under it."""
    from sim.analysis.labels import describe, scale

    plain, unit = describe(key), scale(key)
    text = f"{plain}" + (f"  (scale {unit})" if unit else "")
    label = ax.set_xlabel(text) if axis == "x" else ax.set_ylabel(text)
    if plain != key:
        if axis == "x":
            ax.annotate(
                key, xy=(0.5, 0), xycoords=label, xytext=(0, -1), textcoords="offset points", ha="center", va="top", **KEY_STYLE
            )
        else:
            ax.annotate(
                key,
                xy=(0, 0.5),
                xycoords=label,
                xytext=(-1, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                rotation=90,
                **KEY_STYLE,
            )


def summary_row(summary, **parameters) -> dict:
    """One row of a sweep table from a run's summary: the given parameter values, then the result columns.

    Columns: the keyword arguments as given, then those of
    :func:`sim.core.stats.summary_columns` (for each outcome ``o``: ``p_<o>``,
    ``p_<o>_low``, ``p_<o>_high``, ``mean_rounds_<o>``; ``main_escalation_cause``,
    ``replications``, ...), the same columns as a sweep's ``sweep.parquet``.
    """
    row: dict = dict(parameters)
    row.update({k: v for k, v in summary_columns(_summary(summary)).items() if k not in row})
    return row


def _bounds(table: pd.DataFrame, outcome: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The interval columns of ``outcome`` in a sweep table, if it has them."""
    for low, high in (
        (f"p_{outcome}_low", f"p_{outcome}_high"),
        (f"p_{outcome}_lo", f"p_{outcome}_hi"),
        (f"ci95_{outcome}_low", f"ci95_{outcome}_high"),
    ):
        if low in table and high in table:
            return table[low].to_numpy(float), table[high].to_numpy(float)
    return None


# ---------------------------------------------------------------- a run


def odds(runs, *, title: str | None = None) -> Figure:
    """The probability of each outcome with its 95% interval as whiskers.

    ``runs`` is one run (Results or summary) or a mapping ``{label: run}``;
    several runs are drawn as grouped bars, one colour per run.
    """
    summaries = _runs(runs)
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
    episodes = _episodes(run)
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
    ax.set_xlabel("round in which the talks end (dashed: mean round of each outcome)")
    ax.set_ylabel("share of replications")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.4, last + 0.6)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(frameon=False, loc="upper left")
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
    summaries = _runs(runs)
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
    ax.set_yticks(y, [_label(c) for c in names])
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
    episodes = _episodes(run)
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
        ax.set_title(_label(issue), fontsize=10)
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
        color = OUTCOME_COLORS[outcome]
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
            right.annotate(
                "reference [1]", (0, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, color="0.4"
            )
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


# ---------------------------------------------------------------- a sweep


def odds_vs_parameter(
    table: pd.DataFrame, parameter: str, *, outcomes: Sequence[str] = OUTCOMES, title: str | None = None
) -> Figure:
    """The odds against one swept parameter: one line per outcome, its 95% interval as a band.

    ``table`` is a sweep table with one row per value of ``parameter`` (filter
    it first when other parameters vary too).
    """
    if parameter not in table:
        raise KeyError(f"the sweep table has no column {parameter!r}: columns are {', '.join(map(str, table.columns))}")
    if table[parameter].duplicated().any():
        raise ValueError(f"several rows share a value of {parameter!r}: keep one row per value (filter the other parameters)")
    table = table.sort_values(parameter)
    x = table[parameter].to_numpy()
    numeric = pd.api.types.is_numeric_dtype(table[parameter])
    xs = x.astype(float) if numeric else np.arange(len(x))
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for o in outcomes:
        p = table[f"p_{o}"].to_numpy(float)
        ax.plot(xs, p, marker="o", ms=4, lw=2, color=OUTCOME_COLORS[o], label=o)
        band = _bounds(table, o)
        if band is not None:
            ax.fill_between(xs, band[0], band[1], color=OUTCOME_COLORS[o], alpha=0.2, lw=0)
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in x])
    _parameter_label(ax, parameter)
    ax.set_ylabel("probability (band: 95% interval)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    from sim.analysis.labels import describe

    ax.set_title(title or f"Odds against {describe(parameter)}", fontsize=11)
    return fig


def heatmap(
    table: pd.DataFrame, x: str, y: str, *, outcome: str = "escalation", annotate: bool = True, title: str | None = None
) -> Figure:
    """P(``outcome``) over two swept parameters: one cell per pair of values, annotated in percent."""
    column = f"p_{outcome}"
    for name in (x, y, column):
        if name not in table:
            raise KeyError(f"the sweep table has no column {name!r}: columns are {', '.join(map(str, table.columns))}")
    grid = table.pivot_table(index=y, columns=x, values=column, aggfunc="mean").sort_index().sort_index(axis=1)
    values = grid.to_numpy(float)
    fig = Figure(figsize=(1.2 + 0.9 * max(4, values.shape[1]), 1.2 + 0.6 * max(4, values.shape[0])), layout="constrained")
    ax = fig.add_subplot()
    cmap = {"deal": "Greens", "escalation": "Reds", "stalemate": "Greys"}.get(outcome, "viridis")
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0)
    ax.set_xticks(np.arange(values.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns])
    ax.set_yticks(np.arange(values.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index])
    _parameter_label(ax, x, "x")
    _parameter_label(ax, y, "y")
    if annotate:
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v):
                ax.text(j, i, f"{100 * v:.0f}%", ha="center", va="center", fontsize=8, color="white" if v > 0.55 else "black")
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"P({outcome})")
    bar.formatter = PercentFormatter(1.0, decimals=0)
    bar.update_ticks()
    ax.set_title(title or f"P({outcome}) over {x} and {y}")
    return fig


def drivers(
    table: pd.DataFrame, *, outcome: str = "escalation", baseline: float | None = None, title: str | None = None
) -> Figure:
    """What moves P(``outcome``) most: one bar per parameter, from its value at the parameter's lowest setting
    to its value at the highest (a tornado chart of one-at-a-time sweeps).

    ``table`` is a long sweep table with columns ``parameter`` (its name),
    ``value`` (its setting) and ``p_<outcome>``: one parameter varied at a time,
    the others at their defaults. Parameters are sorted by how far they move
    the probability over their whole range; red bars: the probability rises
    with the parameter, blue: it falls. ``baseline`` draws the probability of
    the unchanged configuration as a vertical line.
    """
    column = f"p_{outcome}"
    for name in ("parameter", "value", column):
        if name not in table:
            raise KeyError(f"the sweep table has no column {name!r}: columns are {', '.join(map(str, table.columns))}")
    spans = []
    for parameter, group in table.groupby("parameter", sort=False):
        group = group.sort_values("value")
        p = group[column].to_numpy(float)
        spans.append(
            (str(parameter), float(p.min()), float(p.max()), float(p[-1] - p[0]), group["value"].iloc[0], group["value"].iloc[-1])
        )
    spans.sort(key=lambda s: s[2] - s[1], reverse=True)
    fig = Figure(figsize=(11, 1.6 + 0.6 * max(1, len(spans))), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(spans))
    colors = [OUTCOME_COLORS["escalation"] if s[3] >= 0 else SERIES_COLORS[0] for s in spans]
    ax.barh(y, [s[2] - s[1] for s in spans], 0.6, left=[s[1] for s in spans], color=colors)
    for yi, (_, low, high, rise, first, last) in zip(y, spans, strict=True):
        at_low, at_high = (first, last) if rise >= 0 else (last, first)
        ax.annotate(f"{at_low:g}", (low, yi), xytext=(-3, 0), textcoords="offset points", ha="right", va="center", fontsize=8)
        ax.annotate(f"{at_high:g}", (high, yi), xytext=(3, 0), textcoords="offset points", ha="left", va="center", fontsize=8)
    if baseline is not None:
        ax.axvline(baseline, color="black", lw=1.2, ls="--", label="unchanged configuration")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    _parameter_ticks(ax, y, [s[0] for s in spans])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    low = min([s[1] for s in spans] + ([baseline] if baseline is not None else []), default=0.0)
    high = max([s[2] for s in spans] + ([baseline] if baseline is not None else []), default=1.0)
    pad = max(0.04, 0.12 * (high - low))  # room for the values written at both ends of the bars
    ax.set_xlim(max(0.0, low - pad), high + pad)
    ax.set_xlabel(f"P({outcome}), in percent of replications; at each end of a bar, the parameter's value giving it")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(title or f"What drives P({outcome})")
    return fig


# ---------------------------------------------------------------- one episode


def _episode_parts(episode) -> dict:
    """Record table, issues, principals, agenda, red lines and ending of an episode (a model or its record)."""
    if isinstance(episode, pd.DataFrame):
        record = episode
        issues = [c.removeprefix("proposal_") for c in record.columns if c.startswith("proposal_")]
        principals = []
        for c in record.columns:
            if c.startswith("aspiration_"):
                principals.append(c.removeprefix("aspiration_"))
        return {
            "record": record,
            "issues": issues,
            "principals": principals,
            "agenda": None,
            "red_lines": {},
            "cause": None,
            "name": None,
            "mediator": "mediator",
            "threshold": None,
        }
    collector = getattr(episode, "datacollector", None)
    if collector is None:
        raise TypeError("expected a NegotiationModel run with record=True, or its DataCollector table")
    record = collector.get_model_vars_dataframe()
    issues = list(episode.issue_names)
    agenda = [i for i, on in zip(issues, episode.state.agenda[0], strict=True) if on] if episode.state.settled[0] else []
    red_lines = {p.name: (np.atleast_2d(p.low)[0], np.atleast_2d(p.high)[0]) for p in episode.principals}
    code = int(episode.cause[0])
    return {
        "record": record,
        "issues": issues,
        "principals": [p.name for p in episode.principals],
        "agenda": agenda,
        "red_lines": red_lines,
        "cause": episode.causes[code] if code >= 0 else None,
        "name": episode.params.name,
        "threshold": episode.params.world.tension_threshold,
        "mediator": episode.lead_mediator.name if episode.lead_mediator is not None else "mediator",
    }


def anatomy(episode, *, agenda: Sequence[str] | None = None, cause: str | None = None, title: str | None = None) -> Figure:
    """The anatomy of one episode, round by round.

    One panel per issue: each principal's position (lines), its red lines
    (dotted), the mediator's proposals (black diamonds, on agenda issues).
    A bottom panel: tension and Iran's nuclear progress, each random event as a
    marker on the tension line. Rounds spent fighting over the agenda are
    shaded; a vertical line marks the ending, labelled with its outcome and
    cause. ``episode`` is a NegotiationModel run with ``record=True`` or its
    DataCollector table (then ``agenda`` and ``cause`` may be given).
    """
    parts = _episode_parts(episode)
    record = parts["record"]
    issues = parts["issues"]
    agenda = list(agenda) if agenda is not None else parts["agenda"]
    cause = cause or parts["cause"]
    r = record["round"].to_numpy()
    ncols = min(3, max(1, len(issues)))
    nrows = max(1, math.ceil(len(issues) / ncols))
    fig = Figure(figsize=(4.0 * ncols, 2.3 * nrows + 2.9), layout="constrained")
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[1.0] * nrows + [1.15])
    end_round = int(r[-1])
    final = str(record["outcome"].iloc[-1])
    disputed = r[(~record["agenda_settled"].astype(bool)).to_numpy() & (r > 0)]

    def frame(ax) -> None:
        for d in disputed:
            ax.axvspan(d - 0.5, d + 0.5, color="0.88", lw=0, zorder=0)
        if final != "running":
            ax.axvline(end_round, color=OUTCOME_COLORS[final], lw=2, zorder=1)
        ax.set_xlim(-0.3, max(end_round, 1) + 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.25)

    first = None
    for k, issue in enumerate(issues):
        ax = fig.add_subplot(grid[k // ncols, k % ncols], sharex=first)
        first = first or ax
        frame(ax)
        for j, name in enumerate(parts["principals"]):
            color = PRINCIPAL_COLORS[j % len(PRINCIPAL_COLORS)]
            column = f"position_{name}_{issue}"
            if column in record:
                ax.plot(r, record[column].to_numpy(float), color=color, lw=2, label=f"{name} position")
            if name in parts["red_lines"]:
                low, high = (float(b[k]) for b in parts["red_lines"][name])
                for bound in (low, high):
                    if 0.0 < bound < 1.0:
                        ax.axhline(bound, color=color, lw=1, ls=":", label=f"{name} red line")
        proposal = record[f"proposal_{issue}"].to_numpy(float)
        on_agenda = agenda is None or issue in agenda
        if on_agenda:
            shown = ~np.isnan(proposal)
            ax.plot(
                r[shown], proposal[shown], ls="none", marker="D", ms=4.5, color="black", label=f"{parts['mediator']}'s proposal"
            )
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(
            _label(issue) + ("" if on_agenda else " (off the agenda)"), fontsize=10, color="black" if on_agenda else "0.45"
        )
        if k % ncols == 0:
            ax.set_ylabel("0 Tehran … 1 Washington", fontsize=8)
    handles, labels = [], []
    for ax in fig.axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)

    ax = fig.add_subplot(grid[nrows, :], sharex=first)
    frame(ax)
    ax.plot(r, record["tension"].to_numpy(float), color=OUTCOME_COLORS["escalation"], lw=2.2, label="tension")
    if "nuclear_progress" in record:
        ax.plot(r, record["nuclear_progress"].to_numpy(float), color="#6c3483", lw=1.4, ls="--", label="Iran's nuclear progress")
    if parts["threshold"] is not None and parts["threshold"] <= 1.0:
        ax.axhline(parts["threshold"], color=OUTCOME_COLORS["escalation"], lw=1, ls=":", label="tension threshold")
    events = record["events"].fillna("").astype(str)
    names = sorted({e for cell in events for e in cell.split(",") if e})
    tension = record["tension"].to_numpy(float)
    for j, name in enumerate(names):
        hit = np.array([name in cell.split(",") for cell in events])
        offset = 0.035 * (j % 3)
        ax.plot(
            r[hit],
            tension[hit] + 0.04 + offset,
            ls="none",
            marker=EVENT_MARKERS[j % len(EVENT_MARKERS)],
            ms=8,
            mec="black",
            mew=0.6,
            label=f"event: {_label(name)}",
            zorder=3,
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("level (0 to 1)")
    ax.set_xlabel("round (shaded: agenda dispute)")
    ending = "still running" if final == "running" else f"{final.upper()}" + (f" ({_label(cause)})" if cause else "")
    if final != "running":
        ax.annotate(
            ending,
            (end_round, 1.0),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=10,
            fontweight="bold",
            color=OUTCOME_COLORS[final],
        )
    ax.legend(frameon=False, fontsize=8, loc="lower left", ncols=min(4, 2 + len(names)))
    fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)), frameon=False, fontsize=9)
    who = f"{parts['name']}: " if parts["name"] else ""
    fig.suptitle(title or f"{who}one episode, {ending} in round {end_round}", fontsize=12)
    return fig


# ---------------------------------------------------------------- files


def retrodiction(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Historical cases: each case's three odds as bars, the actual outcome's bar outlined and marked.

    ``table``: one row per case with ``case``, ``actual`` and ``p_<outcome>``
    (``retro.csv`` of ``python -m sim retro``, or :func:`sim.analysis.retro.score_table`).
    """
    fig = Figure(figsize=(1.8 + 2.2 * len(table), 4.2), layout="constrained")
    ax = fig.add_subplot()
    width = 0.26
    x = np.arange(len(table))
    for k, o in enumerate(OUTCOMES):
        p = table[f"p_{o}"].to_numpy(dtype=float)
        actual = (table["actual"] == o).to_numpy()
        bars = ax.bar(
            x + (k - 1) * width,
            p,
            width,
            color=OUTCOME_COLORS[o],
            label=o,
            edgecolor=np.where(actual, "black", "none").tolist(),
            linewidth=2.0,
        )
        for bar, hit, value in zip(bars, actual, p, strict=True):
            ax.annotate(
                f"{100 * value:.0f}%" + ("\nactual" if hit else ""),
                (bar.get_x() + bar.get_width() / 2, value),
                ha="center",
                va="bottom",
                fontsize=8,
                fontweight="bold" if hit else "normal",
                xytext=(0, 2),
                textcoords="offset points",
            )
    ax.set_xticks(x, [f"{c}\n(actual: {a})" for c, a in zip(table["case"], table["actual"], strict=True)])
    ax.set_ylim(0, 1.15)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.axhline(1 / 3, color="0.6", linestyle=":", linewidth=1, label="uniform (1/3)")
    ax.set_ylabel("simulated probability")
    ax.legend(loc="upper right", fontsize=8, ncols=4)
    ax.set_title(title or "Retrodiction: the model's odds for each case, the actual outcome outlined")
    return fig


def write_figures(results, directory, *, episode=None, dpi: int = 120) -> list[Path]:
    """Write the figures of a run into ``directory``: odds.png, rounds.png, causes.png, terms.png.

    With ``episode`` (a NegotiationModel run with ``record=True``) also
    anatomy.png. Returns the paths written. The command line calls this with
    ``plots=true``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figures = {"odds": odds(results), "rounds": rounds(results), "causes": causes(results), "terms": deal_terms(results)}
    if episode is not None:
        figures["anatomy"] = anatomy(episode)
    paths = []
    for name, fig in figures.items():
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
    "summary_row",
    "write_figures",
]
