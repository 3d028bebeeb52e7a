"""What the figures share: colours, the inputs they accept (a run, its summary or its episodes) and axis labels.

:mod:`sim.analysis.plots` (a run), :mod:`sim.analysis.sweep_plots` (a sweep),
:mod:`sim.analysis.episode_plots` (one episode) and the figures of the
exploration, the calibration and the policies draw with these.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

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


def summary_of(run) -> dict:
    """The summary dict of a Results, or the dict itself."""
    summary = getattr(run, "summary", run)
    if not isinstance(summary, Mapping) or "p_deal" not in summary:
        raise TypeError(f"expected a sim.Results or its summary dict, got {type(run).__name__}")
    return dict(summary)


def episodes_of(run) -> pd.DataFrame:
    """The per-replication table of a Results, or the table itself."""
    episodes = getattr(run, "episodes", run)
    if not isinstance(episodes, pd.DataFrame) or "outcome" not in episodes:
        raise TypeError(f"expected a sim.Results or its episodes DataFrame, got {type(run).__name__}")
    return episodes


def runs_of(runs) -> dict[str, dict]:
    """``{label: summary}`` from one run or a mapping of labelled runs."""
    if isinstance(runs, Mapping) and "p_deal" not in runs:
        return {str(label): summary_of(run) for label, run in runs.items()}
    summary = summary_of(runs)
    return {str(summary.get("scenario", "run")): summary}


def plain(name: str) -> str:
    return str(name).replace("_", " ")


#: Words of a cause's name as people write them (``us_strike`` is "US strike", not "us strike").
CAUSE_WORDS = {"us": "US", "iran": "Iran", "israeli": "Israeli", "uae": "UAE", "oman": "Oman", "israel": "Israel"}


def plain_cause(name: str) -> str:
    """A cause of an ending in words: ``iran_breakout`` -> "Iran breakout", ``tension_spiral`` -> "Tension spiral"."""
    words = [CAUSE_WORDS.get(w, w) for w in str(name).split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) if words and words[0] else str(name)


KEY_STYLE = {"fontsize": 7, "color": "0.35", "family": "monospace"}


def parameter_ticks(ax, positions, keys, *, fontsize: float = 9) -> None:
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


def parameter_label(ax, key: str, axis: str = "x") -> None:
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


def interval_columns(table: pd.DataFrame, outcome: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The interval columns of ``outcome`` in a sweep table, if it has them."""
    for low, high in (
        (f"p_{outcome}_low", f"p_{outcome}_high"),
        (f"p_{outcome}_lo", f"p_{outcome}_hi"),
        (f"ci95_{outcome}_low", f"ci95_{outcome}_high"),
    ):
        if low in table and high in table:
            return table[low].to_numpy(float), table[high].to_numpy(float)
    return None
