"""Scoring forecasts against what happened: the probability of the actual outcome, log and Brier scores.

Pure functions over probabilities and tables; no configuration, no files.
Definitions (Gneiting and Raftery 2007, "Strictly proper scoring rules"):

- **log score** of a forecast ``p`` (one probability per outcome) when outcome
  ``a`` happened: ``ln p[a]``; higher is better, 0 is perfect, the uniform
  forecast over three outcomes scores ``ln(1/3) = -1.0986``.
- **Brier score**, the original multi-category form of Brier (1950): the sum
  over the three outcomes of ``(p[k] - 1[k = a])**2``; lower is better, 0 is
  perfect, 2 the worst, the uniform forecast scores ``2/3``. (Some texts
  halve it or score only the actual outcome's probability; this is neither.)

A Monte Carlo estimate of exactly 0 for the actual outcome would give a log
score of minus infinity. :func:`log_score` takes an explicit ``floor``;
:func:`score_table` sets it to half a replication, ``0.5 / n``, and marks the
row, so a finite score still says how many replications stood behind it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.core.params import OUTCOMES

#: Columns of retro.csv, in order.
COLUMNS = (
    "case",
    "actual",
    "p_deal",
    "p_escalation",
    "p_stalemate",
    "p_actual",
    "log_score",
    "brier",
    "mean_rounds",
    "actual_weeks",
    "mean_weeks",
    "median_weeks",
    "p_actual_in_band",
)
#: The band of simulated durations counted as timely: within a factor of two of the actual weeks (retrodiction
#: protocol, item 6: "the share of episodes within a stated band").
TIMING_BAND = 2.0
#: Scores of the uniform forecast (one third each) over the three outcomes.
UNIFORM_LOG = math.log(1.0 / 3.0)
UNIFORM_BRIER = 2.0 / 3.0


def _probabilities(probs: Mapping[str, float]) -> np.ndarray:
    """The forecast as an array in OUTCOMES order; accepts {'deal': p} or {'p_deal': p} keys."""
    p = np.array([float(probs[o] if o in probs else probs[f"p_{o}"]) for o in OUTCOMES])
    if np.any(~np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"a forecast is three probabilities that sum to 1, got {dict(zip(OUTCOMES, p, strict=True))}")
    return p


def _check_outcome(actual: str) -> None:
    if actual not in OUTCOMES:
        raise ValueError(f"actual outcome {actual!r}: use one of {', '.join(OUTCOMES)}")


def p_actual(probs: Mapping[str, float], actual: str) -> float:
    """The probability the forecast gave to the outcome that happened."""
    _check_outcome(actual)
    return float(_probabilities(probs)[OUTCOMES.index(actual)])


def log_score(probs: Mapping[str, float], actual: str, *, floor: float = 0.0) -> float:
    """``ln p[actual]``, with ``p[actual]`` raised to ``floor`` first (minus infinity at 0 without a floor)."""
    p = max(p_actual(probs, actual), floor)
    return math.log(p) if p > 0 else -math.inf


def brier_score(probs: Mapping[str, float], actual: str) -> float:
    """Multi-category Brier score: sum over outcomes of (p - indicator)^2, in [0, 2]; uniform gives 2/3."""
    _check_outcome(actual)
    p = _probabilities(probs)
    hit = np.array([o == actual for o in OUTCOMES], dtype=float)
    return float(np.sum((p - hit) ** 2))


def most_likely(probs: Mapping[str, float]) -> str:
    """The outcome the forecast gives the highest probability (the first in OUTCOMES order on a tie)."""
    p = _probabilities(probs)
    return OUTCOMES[int(np.argmax(p))]


def case_row(
    case: str,
    actual: str,
    probs: Mapping[str, float],
    *,
    mean_rounds: float,
    actual_weeks: int,
    replications: int | None = None,
    weeks: Sequence[float] | None = None,
) -> dict:
    """One row of the table: the forecast, the probability of what happened, both scores, the durations.

    With ``replications``, a probability estimated as 0 is scored at half a
    replication (``floor = 0.5 / replications``) and ``floored`` says so.
    ``weeks``: the simulated weeks to the end of every episode that ended in
    the actual outcome (rounds times ``WEEKS_PER_ROUND``); from them
    ``mean_weeks``, ``median_weeks`` and ``p_actual_in_band``, the share of
    all replications that reached the actual outcome within a factor
    ``TIMING_BAND`` of the actual weeks.
    """
    floor = 0.5 / replications if replications else 0.0
    pa = p_actual(probs, actual)
    return {
        "case": case,
        "actual": actual,
        **{f"p_{o}": float(p) for o, p in zip(OUTCOMES, _probabilities(probs), strict=True)},
        "p_actual": pa,
        "log_score": log_score(probs, actual, floor=floor),
        "brier": brier_score(probs, actual),
        "mean_rounds": float(mean_rounds),
        "actual_weeks": int(actual_weeks),
        **_timing(weeks, actual_weeks, replications),
        "floored": bool(pa < floor),
        "most_likely": most_likely(probs),
    }


def _timing(weeks, actual_weeks: int, replications: int | None) -> dict:
    """Mean and median simulated weeks to the actual outcome, and the share of replications that got there in the band."""
    w = np.asarray(weeks if weeks is not None else [], dtype=float)
    low, high = actual_weeks / TIMING_BAND, actual_weeks * TIMING_BAND
    in_band = float(np.sum((w >= low) & (w <= high)) / replications) if replications and weeks is not None else float("nan")
    return {
        "mean_weeks": float(w.mean()) if w.size else float("nan"),
        "median_weeks": float(np.median(w)) if w.size else float("nan"),
        "p_actual_in_band": in_band,
    }


def score_table(rows: Sequence[Mapping]) -> pd.DataFrame:
    """The rows of :func:`case_row` as a table; the first columns are those of retro.csv."""
    table = pd.DataFrame(list(rows))
    extra = [c for c in table.columns if c not in COLUMNS]
    return table[[*COLUMNS, *extra]]


def mean_scores(table: pd.DataFrame) -> dict[str, float]:
    """Mean log and Brier scores over the cases, beside those of the uniform forecast, and how many cases hit."""
    return {
        "cases": len(table),
        "mean_log_score": float(table["log_score"].mean()),
        "uniform_log_score": UNIFORM_LOG,
        "mean_brier": float(table["brier"].mean()),
        "uniform_brier": UNIFORM_BRIER,
        "hits": sum(most_likely(row) == row["actual"] for _, row in table.iterrows()),
    }
