"""Figures of a comparison of policies (``python -m sim policies``).

Each function builds its own :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.policies import DEAL_AT_LEAST, ESCALATION_AT_MOST, PolicyRun, regret


def tradeoff(run: PolicyRun, deal_at_least: float = DEAL_AT_LEAST, escalation_at_most: float = ESCALATION_AT_MOST) -> Figure:
    """Each policy's P(deal) against P(escalation): every vector a faint dot, the mean with its 10-90% spread.

    The shaded corner is where the stated threshold is met.
    """
    fig = Figure(figsize=(8.5, 6.2), layout="constrained")
    ax = fig.subplots()
    cmap = colormaps["tab10"]
    ax.axvspan(deal_at_least, 1.0, ymin=0.0, ymax=escalation_at_most, color="#2a9d8f", alpha=0.08, lw=0)
    for k, name in enumerate(run.names):
        colour = cmap(k % 10)
        d = run.odds["p_deal"][name].to_numpy()
        e = run.odds["p_escalation"][name].to_numpy()
        ax.scatter(d, e, s=5, color=colour, alpha=0.2, lw=0)
        dl, dh = np.percentile(d, [10, 90])
        el, eh = np.percentile(e, [10, 90])
        ax.errorbar(
            d.mean(),
            e.mean(),
            xerr=[[d.mean() - dl], [dh - d.mean()]],
            yerr=[[e.mean() - el], [eh - e.mean()]],
            fmt="o",
            color=colour,
            markersize=8,
            markeredgecolor="k",
            capsize=3,
            label=name,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("P(deal) in a parameter vector")
    ax.set_ylabel("P(escalation) in a parameter vector")
    ax.set_title(
        f"Policies over {len(run.vectors):,} vectors of the {run.source} ({run.per_vector} replications each): "
        "mean and 10-90% range; shaded: the threshold",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="upper right")
    return fig


def regret_figure(run: PolicyRun) -> Figure:
    """The distribution over vectors of each policy's regret on P(deal) and on P(escalation)."""
    reg = regret(run)
    fig = Figure(figsize=(10, 0.45 * len(run.names) + 1.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (what, frame) in zip(axes, reg.items(), strict=True):
        ax.boxplot([frame[n].to_numpy() for n in run.names], vert=False, whis=(0, 100), widths=0.6)
        ax.set_yticks(np.arange(1, len(run.names) + 1), run.names, fontsize=8)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"regret on P({what}) against the best policy in the vector")
    fig.suptitle(f"Regret over {len(run.vectors):,} vectors: box the quartiles, whiskers the least and the most", fontsize=9)
    return fig
