"""Figures of an exploration (``python -m sim explore``): indices with the noise floor, spread of the odds, PRIM.

Each function builds its own :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.figure_style import parameter_ticks
from sim.analysis.gsa import box_limits

COLOURS = {"deal": "#2a9d8f", "escalation": "#e76f51", "stalemate": "#8d99ae", "any_strike": "#9d4edd"}


def indices_figure(indices: pd.DataFrame, outcomes, top: int = 15) -> Figure:
    """The largest first-order indices per outcome, with RBD-FAST's estimate, the noise floor and the dummy."""
    outcomes = [o for o in outcomes if o in set(indices["outcome"])]
    ncols = min(2, len(outcomes))
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(8.5 * ncols, (0.5 * top + 1.8) * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    for ax, o in zip(axes, outcomes, strict=False):
        rows = indices[indices["outcome"] == o]
        dummy = rows[rows["parameter"].str.startswith("dummy")]
        rows = rows[~rows["parameter"].str.startswith("dummy")].sort_values("s1", ascending=False).head(top)
        rows = pd.concat([rows, dummy])[::-1]
        y = np.arange(len(rows))
        ax.barh(y, rows["s1"], color=COLOURS.get(o, "grey"), alpha=0.85, label="first-order index (binning)")
        ax.plot(rows["rbd_fast"], y, "k|", markersize=10, label="RBD-FAST (subsample)")
        floor = float(rows["noise_floor"].iloc[0])
        ax.axvline(floor, color="k", linestyle=":", linewidth=1, label=f"noise floor {floor:.1e}")
        parameter_ticks(ax, y, list(rows["parameter"]), fontsize=8)
        ax.set_title(f"P({o}): share of its variance each assumption explains alone", fontsize=9)
        ax.set_xlabel("first-order index S1 (share of the variance, 0 to 1)")
        ax.legend(fontsize=7, loc="lower right")
    return fig


def spread_figure(vectors: pd.DataFrame, marginal: dict, spread: dict) -> Figure:
    """Histogram of P(outcome | assumptions) over the parameter vectors, with percentiles and the marginal odds."""
    outcomes = [o for o in spread if f"p_{o}" in vectors]
    ncols = min(2, max(1, len(outcomes)))
    nrows = -(-len(outcomes) // ncols)
    fig = Figure(figsize=(6.0 * ncols, 3.6 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    for ax, o in zip(axes, outcomes, strict=False):
        p = vectors[f"p_{o}"]
        ax.hist(p, bins=40, range=(0, 1), color=COLOURS.get(o, "grey"), alpha=0.8)
        s = spread[o]
        for q in ("p5", "p50", "p95"):
            ax.axvline(s[q], color="k", linestyle="--" if q != "p50" else "-", linewidth=1)
        ax.axvline(marginal[o][0], color="C0", linewidth=2, label=f"marginal {100 * marginal[o][0]:.1f}%")
        ax.set_title(
            f"P({o} | assumptions): 5/50/95% = {100 * s['p5']:.0f} / {100 * s['p50']:.0f} / {100 * s['p95']:.0f}%", fontsize=9
        )
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"P({o}) of one parameter vector")
        ax.set_ylabel("parameter vectors")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Spread of the odds across assumptions ({len(vectors)} vectors; binomial noise sd about "
        f"{100 * next(iter(spread.values()))['sd_noise']:.1f} points)",
        fontsize=10,
    )
    return fig


def prim_figure(boxes: pd.DataFrame, vectors: pd.DataFrame) -> Figure | None:
    """Per PRIM target: the peeling trade-off (coverage against density) and the chosen box's limits."""
    if boxes.empty or "chosen" not in boxes:
        return None
    targets = [t for t in dict.fromkeys(boxes["target"]) if (boxes["target"] == t).sum() > 1]
    if not targets:
        return None
    fig = Figure(figsize=(14, 3.8 * len(targets)), layout="constrained")
    axes = fig.subplots(len(targets), 2, squeeze=False)
    for (ax, bx), target in zip(axes, targets, strict=True):
        rows = boxes[boxes["target"] == target]
        sc = ax.scatter(rows["coverage"], rows["density"], c=rows["res_dim"], cmap="viridis", s=18)
        best = rows[rows["chosen"].astype(bool)].iloc[0]
        ax.scatter([best["coverage"]], [best["density"]], s=140, facecolors="none", edgecolors="r", linewidths=2)
        ax.set_xlabel("coverage")
        ax.set_ylabel("density")
        ax.set_title(f"PRIM: {target} ({100 * rows['share_of_vectors'].iloc[0]:.0f}% of vectors)", fontsize=9)
        fig.colorbar(sc, ax=ax, label="restricted parameters")
        limits = box_limits(vectors, str(best["limits"]))
        names = list(limits)
        for i, name in enumerate(names):
            lo, hi = vectors[name].min(), vectors[name].max()
            a, b = limits[name]
            width = hi - lo if hi > lo else 1.0
            bx.plot([0, 1], [i, i], color="lightgrey", linewidth=6)
            bx.plot([(a - lo) / width, (b - lo) / width], [i, i], color="r", linewidth=6)
            bx.text(1.02, i, f"[{a:.3g}, {b:.3g}]", va="center", fontsize=7)
        parameter_ticks(bx, list(range(len(names))), names, fontsize=8)
        bx.set_xlim(0, 1.25)
        bx.set_xlabel("position in the range drawn (0 = lowest draw, 1 = highest)")
        bx.set_title(f"chosen box: coverage {best['coverage']:.2f}, density {best['density']:.2f}", fontsize=9)
    return fig


def figures(ex, an) -> dict[str, Figure]:
    out = {"indices": indices_figure(an.indices, list(an.marginal))}
    if an.spread:
        out["spread"] = spread_figure(an.vectors, an.marginal, an.spread)
    fig = prim_figure(an.boxes, an.vectors)
    if fig is not None:
        out["prim"] = fig
    return out
