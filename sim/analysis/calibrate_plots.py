"""Figures of a calibration (``python -m sim calibrate``): out-of-case forecasts, parameters history moved, 2026.

Each function builds its own :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.calibrate import Calibration
from sim.analysis.explore_plots import COLOURS
from sim.analysis.labels import describe, scale
from sim.analysis.weighting import weighted_quantiles
from sim.core.params import OUTCOMES


def loco_figure(table: pd.DataFrame) -> Figure:
    """Each case's out-of-case forecast (stacked odds) with its actual outcome marked, and the base rate's P(actual)."""
    fig = Figure(figsize=(8, 0.45 * len(table) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    left = np.zeros(len(table))
    for o in OUTCOMES:
        ax.barh(y, table[f"p_{o}"], left=left, color=COLOURS[o], label=o, alpha=0.9)
        left += table[f"p_{o}"].to_numpy()
    for yi, (_, r) in zip(y, table.iterrows(), strict=True):
        j = OUTCOMES.index(r["actual"])
        start = sum(r[f"p_{o}"] for o in OUTCOMES[:j])
        ax.plot([start, start + r["p_actual"]], [yi - 0.42, yi - 0.42], color="k", linewidth=2.5)
        ax.text(1.01, yi, f"{r['actual']}  P={r['p_actual']:.2f} (base {r['base_p_actual']:.2f})", va="center", fontsize=8)
    ax.set_yticks(y, table["case"], fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Out-of-case forecasts (posterior learned on the other cases); black: the outcome that happened", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", ncols=3, bbox_to_anchor=(0, 1.04))
    return fig


def parameters_figure(cal: Calibration, shifts: pd.DataFrame, top: int = 6) -> Figure:
    """Prior against posterior histograms of the parameters whose mean history moved most."""
    names = list(shifts["parameter"].head(top))
    ncols = 3
    nrows = -(-len(names) // ncols)
    fig = Figure(figsize=(11, 3.0 * max(nrows, 1)), layout="constrained")
    axes = fig.subplots(max(nrows, 1), ncols, squeeze=False).ravel()
    w = cal.weights
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes, names, strict=False):
        x = np.asarray(cal.draws[name])
        bins = np.histogram_bin_edges(x, bins=20)
        ax.hist(x, bins=bins, weights=cal.prior_weights, density=True, color="#bbbbbb", label="prior")
        if w.sum() > 0:
            ax.hist(x, bins=bins, weights=w, density=True, histtype="step", color="#264653", linewidth=2, label="posterior")
        ax.set_title(f"{describe(name)}\n{name}", fontsize=8)  # plain words from the parameter's declaration, then its key
        unit = scale(name)
        ax.set_xlabel(f"value{f' (scale {unit})' if unit else ''}", fontsize=8)
        ax.set_ylabel("density", fontsize=8)
        ax.tick_params(labelsize=7)
    if names:
        axes[0].legend(fontsize=7)
    fig.suptitle("Behavioural parameters history moved most (prior ranges: uncertainty=assumptions)", fontsize=9)
    return fig


def forecast_figure(cal: Calibration) -> Figure:
    """February 2026 (each forecast scenario): the odds across vectors, prior against posterior."""
    fig = Figure(figsize=(5 * max(len(cal.forecasts), 1), 3.4), layout="constrained")
    axes = fig.subplots(1, max(len(cal.forecasts), 1), squeeze=False).ravel()
    w = cal.weights
    prior = cal.prior_weights  # the prior's draws (an adaptive calibration's first stage)
    for ax, name in zip(axes, cal.forecasts, strict=False):
        i = len(cal.cases) + cal.forecasts.index(name)
        p = cal.counts[i] / cal.counts[i].sum(axis=1, keepdims=True)
        for j, o in enumerate(OUTCOMES):
            for k, (_which, ww) in enumerate((("prior", prior), ("posterior", w))):
                lo, mid, hi = weighted_quantiles(p[:, j], ww if ww.sum() > 0 else prior, [0.05, 0.5, 0.95])
                x = j + (k - 0.5) * 0.3
                ax.errorbar(
                    x,
                    mid,
                    yerr=[[mid - lo], [hi - mid]],
                    fmt="o" if k else "s",
                    color=COLOURS[o],
                    alpha=1.0 if k else 0.45,
                    capsize=3,
                )
                mean = float((ww / ww.sum()) @ p[:, j]) if ww.sum() > 0 else float(p[:, j].mean())
                ax.plot(x, mean, "k_", markersize=12)
        ax.set_xticks(range(len(OUTCOMES)), OUTCOMES)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability across parameter vectors", fontsize=8)
        ax.set_title(f"{name}: prior (left, pale) vs posterior (right)\nmedian, 5-95% across vectors; -: mean", fontsize=8)
    return fig


def figures(cal: Calibration, table: pd.DataFrame, shifts: pd.DataFrame, feb=None) -> dict[str, Figure]:
    return {"loco": loco_figure(table), "parameters": parameters_figure(cal, shifts), "feb_2026": forecast_figure(cal)}
