"""Monte Carlo statistics: intervals for outcome probabilities and the run summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.params import OUTCOMES

Z95 = 1.959963984540054  # two-sided 95% standard-normal quantile


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion (statsmodels' ``proportion_confint(method="wilson")``).

    Unlike the Wald interval it stays inside [0, 1], always contains the
    estimate, and keeps close to nominal coverage near 0 and 1 (Brown, Cai and
    DasGupta 2001), which matters for rare outcomes such as P(deal) = 0.
    ``z`` is the two-sided standard-normal quantile (1.96 for 95%).
    """
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        raise ValueError("wilson_interval needs n >= 1")
    p = successes / n
    alpha = 0.05 if z == Z95 else 2 * float(norm.sf(z))
    lower, upper = proportion_confint(successes, n, alpha=alpha, method="wilson")
    # Guard the exact endpoints against rounding so the interval always holds p.
    low = 0.0 if successes == 0 else min(p, max(0.0, float(lower)))
    high = 1.0 if successes == n else max(p, min(1.0, float(upper)))
    return low, high


def paired_difference(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean of the paired differences ``y - x`` over the same replications, and its standard error.

    Under common random numbers replication k of two configurations met the
    same shocks, so the outcomes are paired and the difference is estimated
    from the per-replication differences (the standard error of a mean), which
    is far tighter than the difference of two independent proportions.
    """
    d = np.asarray(y, dtype=float) - np.asarray(x, dtype=float)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
    return float(d.mean()), se


def _shares(series: pd.Series) -> dict[str, float]:
    counts = series.value_counts()
    counts = counts[counts > 0]
    total = counts.sum()
    return {str(k): float(v / total) for k, v in counts.items()} if total else {}


def summarize(episodes: pd.DataFrame, issue_names: tuple[str, ...]) -> dict:
    """The headline numbers of a run, from its per-replication records.

    Keys: ``p_deal``, ``p_escalation``, ``p_stalemate`` and their Wilson 95%
    intervals (``ci95``), ``p_any_strike`` (a strike at any time during the
    talks, whether or not they resumed) and its interval
    (``p_any_strike_ci95``), mean rounds to each outcome, the share of each cause
    among escalations and among stalemates, the share of deals per agenda
    scope, and the median term per issue over the deals that had the issue on
    their agenda (None where there is no such deal); and, from the episode
    table's mechanism columns, the share of episodes paused, with a coercive
    step, with a lapsed ultimatum and with an ally joining a strike (and which).
    """
    n = len(episodes)
    out: dict = {"replications": n}
    ci = {}
    mean_rounds = {}
    for outcome in OUTCOMES:
        hit = episodes["outcome"] == outcome
        k = int(hit.sum())
        out[f"p_{outcome}"] = k / n
        ci[outcome] = list(wilson_interval(k, n))
        mean_rounds[outcome] = float(episodes.loc[hit, "round"].mean()) if k else None
    out["ci95"] = ci
    out["mean_rounds"] = mean_rounds
    if "any_strike" in episodes:
        k = int(episodes["any_strike"].sum())
        out["p_any_strike"] = k / n
        out["p_any_strike_ci95"] = list(wilson_interval(k, n))
    if "pauses" in episodes:  # the mechanisms of issue 18 that do not end the talks
        out["p_paused"] = float((episodes["pauses"] > 0).mean())
        out["p_coercion"] = float((episodes["coercion_steps"] > 0).mean())
        out["mean_coercion_steps"] = float(episodes["coercion_steps"].mean())
        out["p_ultimatum_lapsed"] = float(episodes["ultimatum_lapsed"].mean())
        out["p_joined_strike"] = float(episodes["joined_strike"].notna().mean())
        out["joined_strikes"] = _shares(episodes["joined_strike"])
    deals = episodes[episodes["outcome"] == "deal"]
    out["escalation_causes"] = _shares(episodes.loc[episodes["outcome"] == "escalation", "cause"])
    out["stalemate_causes"] = _shares(episodes.loc[episodes["outcome"] == "stalemate", "cause"])
    out["deal_scopes"] = _shares(deals["scope"])
    medians = {}
    for issue in issue_names:
        covered = deals.loc[deals[f"on_agenda_{issue}"], f"term_{issue}"]
        # terms are float32: their shortest decimal form (0.7, not 0.699999988079071 in summary.json)
        medians[issue] = float(str(np.median(covered.to_numpy()))) if len(covered) else None
    out["deal_terms_median"] = medians
    return out


def summary_columns(summary: dict) -> dict:
    """A run's summary as the result columns of one row of a results table.

    The odds with their 95% intervals (``p_<outcome>``, ``p_<outcome>_low``,
    ``p_<outcome>_high``), mean rounds overall and per outcome, the main
    escalation and stalemate causes with their shares, and the run's identity
    (scenario, seed, replications, block size). Used by sweep tables and plots.
    """
    out: dict = {
        "scenario": summary.get("scenario"),
        "seed": summary.get("seed"),
        "replications": summary.get("replications"),
        "block_size": summary.get("block_size"),
    }
    mean_rounds = 0.0
    for outcome in OUTCOMES:
        p = summary[f"p_{outcome}"]
        low, high = summary["ci95"][outcome]
        out[f"p_{outcome}"] = p
        out[f"p_{outcome}_low"] = low
        out[f"p_{outcome}_high"] = high
        rounds = summary["mean_rounds"][outcome]
        if rounds is not None:
            mean_rounds += p * rounds
    out["mean_rounds"] = mean_rounds
    if "p_any_strike" in summary:
        out["p_any_strike"] = summary["p_any_strike"]
        out["p_any_strike_low"], out["p_any_strike_high"] = summary["p_any_strike_ci95"]
    for outcome in OUTCOMES:
        out[f"mean_rounds_{outcome}"] = summary["mean_rounds"][outcome]
    for kind in ("escalation", "stalemate"):
        causes = summary.get(f"{kind}_causes") or {}
        main = max(causes.items(), key=lambda kv: kv[1]) if causes else (None, None)
        out[f"main_{kind}_cause"], out[f"main_{kind}_cause_share"] = main
    out["elapsed_s"] = summary.get("elapsed_s")
    return out
