"""The HTML the dashboard shows: the live odds table and the state of the episode after its latest round.

Plain functions of the numbers (no Solara): :func:`odds_html` renders an
:class:`sim.app.state.Odds`, :func:`episode_html` a one-replication model after
its latest round; :mod:`sim.app.dashboard` and :mod:`sim.app.episode` put them on the page.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from sim import NegotiationModel
from sim.analysis.figure_style import plain_cause
from sim.app.state import OUTCOMES, Odds

#: How the table names an event other than the three outcomes (the strike of the mechanics of issue 10).
EVENT_LABELS = {"any_strike": "P(any strike during the talks)"}


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _points(x: float) -> str:
    return f"{100 * x:+.1f}".replace("-", "−")


def _label(name: str) -> str:
    return name.replace("_", " ")


def _table(header: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> str:
    """An HTML table (cells escaped; ``right``: the columns aligned right)."""

    def cells(tag: str, row: list[str]) -> str:
        return "".join(f"<{tag}{' class=num' if i in right else ''}>{escape(str(c))}</{tag}>" for i, c in enumerate(row))

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table class=muscat-table><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """<style>
.muscat-table {border-collapse: collapse; margin: 4px 0 12px 0; font-size: 0.92em}
.muscat-table th, .muscat-table td {padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left}
.muscat-table .num {text-align: right}
</style>"""


def odds_rows(odds: Odds) -> list[list[str]]:
    """Per outcome: its probability, 95% interval and change from the scenario as configured (paired)."""
    rows = []
    for event in [*OUTCOMES, *(e for e in odds.difference if e not in OUTCOMES)]:
        low, high = odds.interval(event)
        mean, _ = odds.difference[event]
        dlow, dhigh = odds.difference_interval(event)
        change = "none (same scenario)" if not odds.overrides else f"{_points(mean)} ({_points(dlow)} to {_points(dhigh)})"
        rows.append(
            [EVENT_LABELS.get(event, f"P({event})"), _pct(odds.probability(event)), f"{_pct(low)} – {_pct(high)}", change]
        )
    return rows


def odds_text(odds: Odds) -> str:
    """The live odds in one line, as the page shows them first."""
    return " · ".join(f"{row[0]} {row[1]}" for row in odds_rows(odds)[: len(OUTCOMES)])


def odds_html(odds: Odds) -> str:
    """The live odds: the three outcomes with intervals and paired differences, the causes of escalation."""
    summary = odds.results.summary
    what = ", ".join(odds.overrides) if odds.overrides else "the scenario as configured"
    parts = [
        STYLE,
        f"<p class=muscat-odds-line><b>{escape(odds_text(odds))}</b></p>",
        f"<p>{summary['replications']:,} replications, seed {summary['seed']}, {escape(what)} "
        f"(ran in {odds.elapsed_s:.2f} s)</p>",
        _table(
            ["outcome", "probability", "95% interval", "change from as configured, points (paired 95% interval)"],
            odds_rows(odds),
            right=(1,),
        ),
    ]
    causes = odds.escalation_causes
    base = dict(odds.configured.summary.get("escalation_causes") or {})
    if causes:
        rows = [
            [plain_cause(c), _pct(s), _pct(base[c]) if c in base else "–"]
            for c, s in sorted(causes.items(), key=lambda kv: -kv[1])
        ]
        parts.append(_table(["cause of escalation", "share of escalations", "as configured"], rows, right=(1, 2)))
    else:
        parts.append("<p>No escalation in this batch.</p>")
    return "".join(parts)


def _record_row(model: NegotiationModel):
    record = model.datacollector.get_model_vars_dataframe()
    return record, record.iloc[-1]


def episode_html(model: NegotiationModel) -> str:
    """The state of a one-replication episode after its latest round: status, agenda, positions, measures."""
    _, row = _record_row(model)
    principals = [p.name for p in model.params.principals]
    outcome = str(row["outcome"])
    if outcome == "running":
        status = f"round {int(row['round'])} of at most {model.max_rounds}: talks continue"
    else:
        code = int(model.cause[0])
        cause = plain_cause(model.causes[code]) if code >= 0 else ""
        status = f"ended in round {int(row['round'])}: {outcome.upper()} ({cause})"
    agenda = row["agenda"] if bool(row["agenda_settled"]) else "in dispute"
    parts = [
        STYLE,
        f"<p class=muscat-episode-status><b>Episode seed {getattr(model, 'episode_seed', '?')}</b>: {escape(status)}</p>",
        f"<p>Agenda: {escape(str(agenda) or 'none')}; events this round: {escape(_label(str(row['events'])) or 'none')}</p>",
    ]
    shown = {"round", "outcome", "agenda_settled", "agenda", "proposed", "events"}
    rows = []
    for issue in model.issue_names:
        cells = [_label(issue)]
        for p in principals:
            column = f"position_{p}_{issue}"
            shown.add(column)
            cells.append(_fmt(row.get(column)))
        shown.add(f"proposal_{issue}")
        cells.append(_fmt(row.get(f"proposal_{issue}")))
        rows.append(cells)
    parts.append(
        _table(["issue", *(f"{p} position" for p in principals), "proposal"], rows, right=tuple(range(1, len(principals) + 2)))
    )
    per_side = sorted({c.removesuffix(f"_{p}") for c in row.index for p in principals if c.endswith(f"_{p}")} - shown)
    if per_side:
        rows = []
        for measure in per_side:
            rows.append([_label(measure), *(_fmt(row.get(f"{measure}_{p}")) for p in principals)])
            shown.update(f"{measure}_{p}" for p in principals)
        parts.append(_table(["measure", *principals], rows, right=tuple(range(1, len(principals) + 1))))
    private = getattr(model, "private", None)
    if private and private[-1]:
        latest = private[-1]
        parts.append(
            _table(
                ["private information", *principals],
                [
                    ["its resolve (drawn, offset from configured)", *(_signed(latest[p][0]) for p in principals)],
                    [
                        "its belief about the other's resolve",
                        *(f"{_signed(latest[p][1])} to {_signed(latest[p][2])}" for p in principals),
                    ],
                ],
                right=tuple(range(1, len(principals) + 1)),
            )
        )
    rest = [c for c in row.index if c not in shown]
    if rest:
        parts.append(_table(["measure", "value"], [[_label(c), _fmt(row[c])] for c in rest], right=(1,)))
    return "".join(parts)


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "−")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fmt(value) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return f"{value:.2f}"
    return str(value)
