"""Figures of a sweep: the odds against one parameter, a heat map over two, and what drives an outcome.

Each takes a sweep table (one row per configuration, the swept parameters as
columns, per outcome ``o`` the columns ``p_<o>``, ``p_<o>_low`` and
``p_<o>_high``: :func:`sim.analysis.plots.summary_row`) and returns a
Matplotlib figure; :mod:`sim.analysis.plots` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.figure_style import (
    OUTCOME_COLORS,
    SERIES_COLORS,
    interval_columns,
    parameter_label,
    parameter_ticks,
)
from sim.core.params import OUTCOMES


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
        band = interval_columns(table, o)
        if band is not None:
            ax.fill_between(xs, band[0], band[1], color=OUTCOME_COLORS[o], alpha=0.2, lw=0)
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in x])
    parameter_label(ax, parameter)
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
    parameter_label(ax, x, "x")
    parameter_label(ax, y, "y")
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
    parameter_ticks(ax, y, [s[0] for s in spans])
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
