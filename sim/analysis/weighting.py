"""Importance weights from the cases' outcomes, their effective sample size, and the leave-one-case-out scores.

Steps 3 to 5 of the method in :mod:`sim.analysis.calibrate`: the simulated
likelihood of each parameter vector, the normalised weights and Kish's ESS,
the held-out forecasts and their scores against the uniform and the base rate,
and the posterior's summaries (weighted quantiles, shifts, odds spread).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis import retro
from sim.core.params import OUTCOMES
from sim.core.uncertainty import Dist


def likelihoods(counts: np.ndarray, actual: Sequence[int], per_vector: int) -> np.ndarray:
    """(C, K): the share of each vector's replications of case c that reproduce its actual outcome."""
    counts = np.asarray(counts)
    idx = np.asarray(actual, dtype=int)
    return counts[np.arange(len(idx)), :, idx] / float(per_vector)


def log_weights(p: np.ndarray) -> np.ndarray:
    """(K,) log of the product over cases of ``p`` (C, K); minus infinity where a case was never reproduced."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=np.float64)).sum(axis=0)


def normalise(logw: np.ndarray) -> np.ndarray:
    """Weights summing to one from log weights; all zeros when every vector has weight zero."""
    logw = np.asarray(logw, dtype=np.float64)
    if not np.isfinite(logw).any():
        return np.zeros_like(logw)
    w = np.exp(logw - np.max(logw[np.isfinite(logw)]))
    w[~np.isfinite(logw)] = 0.0
    return w / w.sum()


def kish_ess(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for all-zero weights)."""
    w = np.asarray(w, dtype=np.float64)
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def forecast(counts_c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(3,) odds of one target: the vectors' odds (counts (K, 3)) averaged with weights ``w`` (uniform if all zero)."""
    counts_c = np.asarray(counts_c, dtype=np.float64)
    p = counts_c / counts_c.sum(axis=1, keepdims=True)
    w = np.asarray(w, dtype=np.float64)
    if w.sum() <= 0:
        w = np.ones(len(p))
    return (w / w.sum()) @ p


def laplace_base_rate(actual: Sequence[int]) -> np.ndarray:
    """(3,) Laplace-smoothed frequencies of the outcomes ``actual`` (indices): ``(n_o + 1) / (n + 3)``."""
    n = np.bincount(np.asarray(actual, dtype=int), minlength=len(OUTCOMES)).astype(float)
    return (n + 1.0) / (n.sum() + len(OUTCOMES))


def loco(
    counts: np.ndarray, actual: Sequence[int], names: Sequence[str], per_vector: int, log_ratio: np.ndarray | None = None
) -> pd.DataFrame:
    """Leave-one-case-out table: each case forecast by the vectors weighed on the other cases.

    Columns: case, actual, p_deal, p_escalation, p_stalemate, p_actual,
    log_score, brier, ess and khat (Kish ESS and PSIS Pareto k-hat of the weights without the case: the
    held-out posterior's own diagnostics), fallback (True
    when no vector reproduced all the other cases: the forecast is then the
    prior's), base_p_actual, base_log_score, base_brier (the Laplace base rate
    of the other cases), floored. A forecast of exactly 0 for the actual
    outcome is scored at half a replication of the whole grid (``0.5 / (K M)``).
    ``log_ratio`` (K,): log prior / proposal of each vector when they were not all drawn from the prior.
    """
    from sim.analysis.importance import pareto_khat

    counts = np.asarray(counts)
    actual = [int(a) for a in actual]
    C, K = counts.shape[:2]
    p = likelihoods(counts, actual, per_vector)
    rows = []
    for c in range(C):
        others = [i for i in range(C) if i != c]
        logw = log_weights(p[others]) + (0.0 if log_ratio is None else np.asarray(log_ratio, dtype=np.float64))
        w = normalise(logw)
        f = forecast(counts[c], w)
        base = laplace_base_rate([actual[i] for i in others])
        outcome = OUTCOMES[actual[c]]
        row = retro.case_row(
            names[c],
            outcome,
            dict(zip(OUTCOMES, f, strict=True)),
            mean_rounds=math.nan,
            actual_weeks=1,
            replications=K * per_vector,
        )
        rows.append(
            {
                "case": names[c],
                "actual": outcome,
                **{f"p_{o}": float(x) for o, x in zip(OUTCOMES, f, strict=True)},
                "p_actual": row["p_actual"],
                "log_score": row["log_score"],
                "brier": row["brier"],
                "ess": kish_ess(w),
                "khat": pareto_khat(logw),
                "fallback": bool(w.sum() <= 0),
                "base_p_actual": float(base[actual[c]]),
                "base_log_score": math.log(base[actual[c]]),
                "base_brier": retro.brier_score(dict(zip(OUTCOMES, base, strict=True)), outcome),
                "floored": row["floored"],
            }
        )
    return pd.DataFrame(rows)


def loco_summary(table: pd.DataFrame) -> dict[str, float]:
    """Mean scores over the cases against the uniform forecast and the Laplace base rate."""
    return {
        "cases": len(table),
        "mean_log_score": float(table["log_score"].mean()),
        "uniform_log_score": retro.UNIFORM_LOG,
        "base_rate_log_score": float(table["base_log_score"].mean()),
        "mean_brier": float(table["brier"].mean()),
        "uniform_brier": retro.UNIFORM_BRIER,
        "base_rate_brier": float(table["base_brier"].mean()),
        "beats_uniform": bool(table["log_score"].mean() > retro.UNIFORM_LOG),
        "beats_base_rate": bool(table["log_score"].mean() > table["base_log_score"].mean()),
        "min_ess": float(table["ess"].min()),
        "max_khat": float(table["khat"].max()) if "khat" in table else math.nan,
        "fallbacks": int(table["fallback"].sum()),
    }


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under weights ``w`` (the inverse of the weighted empirical CDF, midpoint rule)."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    order = np.argsort(x)
    x, w = x[order], w[order]
    keep = w > 0
    x, w = x[keep], w[keep]
    if len(x) == 0:
        return np.full(len(q), np.nan)
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.asarray(q, dtype=float), cdf, x)


def parameter_shifts(
    draws: Mapping[str, np.ndarray], w: np.ndarray, specs: Mapping[str, Dist], prior: np.ndarray | None = None
) -> pd.DataFrame:
    """Prior against posterior per parameter: means, 5-95% intervals, and the shift of the mean in prior sds.

    ``prior``: the weights of the prior draws (equal on every vector if None; an adaptive calibration's later
    stages come from proposals and carry none)."""
    rows = []
    prior_w = np.full(len(w), 1.0 / len(w)) if prior is None else np.asarray(prior, dtype=float) / np.sum(prior)
    for path, x in draws.items():
        x = np.asarray(x, dtype=float)
        pm = float(prior_w @ x)
        sd = float(np.sqrt(prior_w @ (x - pm) ** 2))
        qm = float(np.sum(w * x)) if w.sum() > 0 else math.nan
        lo, hi = weighted_quantiles(x, prior_w, [0.05, 0.95])
        plo, phi = weighted_quantiles(x, w, [0.05, 0.95])
        rows.append(
            {
                "parameter": path,
                "range": specs[path].describe() if path in specs else "",
                "prior_mean": pm,
                "posterior_mean": qm,
                "prior_p5": lo,
                "prior_p95": hi,
                "posterior_p5": plo,
                "posterior_p95": phi,
                "shift_sd": (qm - pm) / sd if sd > 0 else 0.0,
                "width_ratio": (phi - plo) / (hi - lo) if hi > lo else math.nan,
            }
        )
    frame = pd.DataFrame(rows)
    return frame.reindex(frame["shift_sd"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def odds_spread(counts_t: np.ndarray, w: np.ndarray) -> dict[str, dict[str, float]]:
    """For one target: per outcome the (weighted) mean odds and the 5th/95th percentiles of the odds across vectors."""
    counts_t = np.asarray(counts_t, dtype=np.float64)
    p = counts_t / counts_t.sum(axis=1, keepdims=True)
    if w.sum() <= 0:
        w = np.ones(len(p))
    w = w / w.sum()
    out = {}
    for j, o in enumerate(OUTCOMES):
        p5, p50, p95 = weighted_quantiles(p[:, j], w, [0.05, 0.5, 0.95])
        out[o] = {"p": float(w @ p[:, j]), "p5": float(p5), "p50": float(p50), "p95": float(p95)}
    return out
