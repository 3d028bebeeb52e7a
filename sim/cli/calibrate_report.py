"""The printed report of ``muscat-sim calibrate``: the diagnostics a finished calibration is judged by, and their text."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.core.params import OUTCOMES

if TYPE_CHECKING:
    import pandas as pd


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def trust_problems(ess: float, khat: float, noise: float) -> list[str]:
    """Why a posterior's weights cannot be trusted (empty: they can)."""
    from sim.analysis.calibrate import MIN_ESS
    from sim.analysis.importance import MAX_KHAT

    problems = []
    if not ess >= MIN_ESS:
        problems.append(f"ESS {ess:.1f} below {MIN_ESS:.0f}")
    if not khat <= MAX_KHAT:  # NaN too: too few vectors of positive weight to judge the tail
        problems.append(f"Pareto k-hat {khat:.2f} above {MAX_KHAT}" if math.isfinite(khat) else "Pareto k-hat not estimable")
    if noise > 1.0:
        problems.append(f"likelihood noise {noise:.2f} above 1 (raise --per-vector)")
    return problems


class Diagnostics(NamedTuple):
    """What a finished calibration is judged by: its leave-one-case-out scores, the posterior's weights and
    forecasts, and the parameters history moved."""

    table: pd.DataFrame
    scores: dict
    ess: float
    problems: list[str]
    shifts: pd.DataFrame
    feb: dict


def diagnose(cal, specs: dict) -> Diagnostics:
    """The scores, trust and forecasts of a finished calibration ``cal``."""
    from sim.analysis import calibrate as cal_mod

    table = cal.loco()
    ess = cal_mod.kish_ess(cal.weights)
    return Diagnostics(
        table=table,
        scores=cal_mod.loco_summary(table),
        ess=ess,
        problems=trust_problems(ess, cal.khat, cal.noise),
        shifts=cal_mod.parameter_shifts(cal.draws, cal.weights, specs, cal.prior_weights),
        feb={name: cal.target_odds(name) for name in cal.forecasts},
    )


def _header_lines(cal, ess: float, elapsed: float) -> list[str]:
    K, M = cal.counts.shape[1], cal.per_vector
    stages = 1 if cal.stage is None else int(np.max(cal.stage)) + 1
    khat, noise = cal.khat, cal.noise
    problems = trust_problems(ess, khat, noise)
    return [
        f"History-weighted calibration: {len(cal.cases)} cases, {K} behavioural vectors x {M} replications "
        f"in {stages} stage{'s' if stages > 1 else ''}, seed {cal.seed} "
        f"({len(cal.specs)} behavioural parameters drawn; {elapsed:.0f} s)",
        f"posterior on all cases: effective sample size (Kish) {ess:.1f} of {K} vectors, Pareto k-hat {khat:.2f}, "
        f"likelihood noise {noise:.2f}"
        + (
            "  -- trustworthy"
            if not problems
            else f"  -- NOT trustworthy: {'; '.join(problems)}: raise --vectors (or --stages, --per-vector)"
        ),
    ]


def _loco_lines(table, scores: dict) -> list[str]:
    head = (
        f"{'case':<22} {'actual':<10} {'P(deal)':>8} {'P(esc.)':>8} {'P(stal.)':>8} {'P(act.)':>8} "
        f"{'log':>6} {'Brier':>6} {'ESS':>6} {'k-hat':>6} {'base log':>8}"
    )
    lines = ["Leave-one-case-out (each case forecast from the posterior learned on the others):", head, "-" * len(head)]
    for _, r in table.iterrows():
        mark = "*" if r["floored"] else (" !" if r["fallback"] else " ")
        lines.append(
            f"{r['case']:<22} {r['actual']:<10} {_pct(r['p_deal']):>8} {_pct(r['p_escalation']):>8} {_pct(r['p_stalemate']):>8} "
            f"{r['p_actual']:8.3f} {r['log_score']:6.2f}{mark}{r['brier']:5.3f} {r['ess']:6.1f} {r['khat']:6.2f} "
            f"{r['base_log_score']:8.2f}"
        )
    verdict_u = "above" if scores["beats_uniform"] else "NOT above"
    verdict_b = "above" if scores["beats_base_rate"] else "NOT above"
    lines += [
        "",
        f"mean out-of-case log score {scores['mean_log_score']:.2f}: {verdict_u} the uniform forecast "
        f"({scores['uniform_log_score']:.2f}), {verdict_b} the Laplace base rate of the other cases "
        f"({scores['base_rate_log_score']:.2f})",
        f"mean Brier {scores['mean_brier']:.3f} (uniform {scores['uniform_brier']:.3f}, "
        f"base rate {scores['base_rate_brier']:.3f}; lower is better)",
    ]
    bad = untrustworthy_cases(table)
    if bad:
        lines.append(f"! held-out posteriors NOT trustworthy (ESS < 30 or k-hat > 0.7) for: {', '.join(bad)}")
    if scores["fallbacks"]:
        lines.append("! no vector reproduced all the other cases: that case's forecast is the prior's")
    if table["floored"].any():
        lines.append("* probability estimated as 0: scored at half a replication of the whole grid")
    return lines


def _forecast_lines(feb: dict, shifts) -> list[str]:
    lines = ["February 2026 (P(deal) / P(escalation) / P(stalemate), 5-95% across vectors):"]
    for name, odds in feb.items():
        for which in ("prior", "posterior"):
            o = odds[which]
            lines.append(
                f"  {name:<20} {which:<9} "
                + "  ".join(f"{k} {_pct(o[k]['p'])} [{100 * o[k]['p5']:.0f}-{100 * o[k]['p95']:.0f}]" for k in OUTCOMES)
            )
    lines += ["", "Parameters history moved most (posterior mean - prior mean, in prior sds):"]
    for _, r in shifts.head(5).iterrows():
        lines.append(
            f"  {r['parameter']:<44} {r['shift_sd']:+.2f}  prior [{r['prior_p5']:.3g}, {r['prior_p95']:.3g}] -> "
            f"posterior [{r['posterior_p5']:.3g}, {r['posterior_p95']:.3g}]"
        )
    return lines


def untrustworthy_cases(table) -> list[str]:
    """The held-out cases whose posterior (learned on the other cases) cannot be trusted."""
    return [r["case"] for _, r in table.iterrows() if trust_problems(r["ess"], r["khat"], 0.0)]


def format_report(cal, diag: Diagnostics, elapsed: float) -> str:
    lines = [*_header_lines(cal, diag.ess, elapsed), "", *_loco_lines(diag.table, diag.scores), ""]
    return "\n".join(lines + _forecast_lines(diag.feb, diag.shifts))
