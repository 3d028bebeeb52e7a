"""The anatomy of one episode, round by round: positions, red lines, proposals, tension and the ending.

Takes a :class:`sim.NegotiationModel` run with ``record=True`` (for instance
``sim.episode(scenario, seed)``) or its DataCollector table
``model.datacollector.get_model_vars_dataframe()``; :mod:`sim.analysis.plots`
re-exports :func:`anatomy`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.figure_style import EVENT_MARKERS, OUTCOME_COLORS, PRINCIPAL_COLORS, plain


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
    frame = _Frame(r[(~record["agenda_settled"].astype(bool)).to_numpy() & (r > 0)], final, end_round)

    first = None
    for k, issue in enumerate(issues):
        ax = fig.add_subplot(grid[k // ncols, k % ncols], sharex=first)
        first = first or ax
        frame(ax)
        _issue_panel(ax, k, issue, r, parts, agenda)
        if k % ncols == 0:
            ax.set_ylabel("0 Tehran … 1 Washington", fontsize=8)
    handles, labels = _legend_entries(fig)

    ax = fig.add_subplot(grid[nrows, :], sharex=first)
    frame(ax)
    ending = "still running" if final == "running" else f"{final.upper()}" + (f" ({plain(cause)})" if cause else "")
    _world_panel(ax, r, parts, final, end_round, ending)
    fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)), frameon=False, fontsize=9)
    who = f"{parts['name']}: " if parts["name"] else ""
    fig.suptitle(title or f"{who}one episode, {ending} in round {end_round}", fontsize=12)
    return fig


class _Frame:
    """What every panel of an episode's anatomy shares: the rounds of agenda dispute shaded, the ending's line."""

    def __init__(self, disputed: np.ndarray, final: str, end_round: int) -> None:
        self.disputed, self.final, self.end_round = disputed, final, end_round

    def __call__(self, ax) -> None:
        for d in self.disputed:
            ax.axvspan(d - 0.5, d + 0.5, color="0.88", lw=0, zorder=0)
        if self.final != "running":
            ax.axvline(self.end_round, color=OUTCOME_COLORS[self.final], lw=2, zorder=1)
        ax.set_xlim(-0.3, max(self.end_round, 1) + 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.25)


def _issue_panel(ax, k: int, issue: str, r: np.ndarray, parts: dict, agenda: Sequence[str] | None) -> None:
    """Issue ``k``'s panel: each principal's position and red lines, the mediator's proposals when on the agenda."""
    record = parts["record"]
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
        ax.plot(r[shown], proposal[shown], ls="none", marker="D", ms=4.5, color="black", label=f"{parts['mediator']}'s proposal")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(plain(issue) + ("" if on_agenda else " (off the agenda)"), fontsize=10, color="black" if on_agenda else "0.45")


def _legend_entries(fig) -> tuple[list, list[str]]:
    """The handles and labels of every panel's lines so far, each label once."""
    handles, labels = [], []
    for ax in fig.axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return handles, labels


def _world_panel(ax, r: np.ndarray, parts: dict, final: str, end_round: int, ending: str) -> None:
    """The bottom panel: tension, Iran's nuclear progress, the tension threshold, each event, the ending's label."""
    record = parts["record"]
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
            label=f"event: {plain(name)}",
            zorder=3,
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("level (0 to 1)")
    ax.set_xlabel("round (shaded: agenda dispute)")
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
