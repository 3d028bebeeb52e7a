"""Global sensitivity and scenario discovery from per-episode parameter draws.

- :func:`first_order`: a given-data estimator of first-order indices. Each
  parameter is cut into equal-probability bins of its *known* distribution;
  S1 = Var(E[Y | bin]) / Var(Y), with the between-bin variance that episode
  noise alone would produce, (B - 1) / N times the within-bin variance,
  subtracted (the correlation ratio with its small-sample bias removed; Pearson
  1903, Kelley 1935; as a given-data sensitivity estimator, Plischke, Borgonovo
  and Smith 2013, "Global sensitivity measures from given data"). The noise
  floor is the index a parameter with no effect would exceed with probability
  ``alpha / P`` (a chi-square bound on the between-bin variance), so the
  family of P parameters stays under it with probability about 1 - alpha;
  a dummy parameter (drawn, never used) checks it on the data.
- :func:`rbd_fast`: SALib's RBD-FAST (Tarantola, Gatelli and Mara 2006, with
  the Tissot and Prieur 2012 bias correction) on the same data, as a
  cross-check.
- :func:`spread`: from a two-level design (K parameter vectors of M
  replications each), P(outcome | vector), its percentiles over the
  assumptions, and the share of Var(Y) the parameters explain at all (binomial
  noise removed), whose gap to the sum of first-order indices is what
  interactions explain.
- :func:`feature_scores`: EMA Workbench's extra-trees feature scoring on the
  vectors (a total effect, interactions included).
- :func:`prim`: EMA Workbench's PRIM (Friedman and Fisher 1999; Bryant and
  Lempert 2010) on the vectors, with the peeling trajectory and a box chosen
  by a stated rule: the widest box (largest coverage) whose density is at
  least halfway from the share of vectors of interest to certainty.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

Binner = Callable[[np.ndarray, int], np.ndarray]


def default_bins(n: int) -> int:
    """Bins per parameter for ``n`` draws: sqrt(n)/10 between 10 and 50.

    With B equal-probability bins, a smooth effect loses about 1/B^2 of its
    variance to the binning, and the noise correction's own error grows with
    B/N; 50 bins keep the first under 0.05% and the second under 1e-4 at 10^6 draws.
    """
    return int(min(50, max(10, math.isqrt(max(n, 1)) // 10)))


def binner(dist, resolution: int = 1 << 16) -> Binner:
    """A function mapping draws of a :class:`sim.core.uncertainty.Dist` to their equal-probability bin (0..B-1).

    A uniform is binned arithmetically. Any other distribution through a table
    of its CDF on ``resolution`` equal cells of its support (a draw within
    1/resolution of the support's width from a bin edge may land in the
    neighbouring bin), which costs the same as the arithmetic and is ten times
    faster than a search among the bin edges.
    """
    low, width = dist.low, dist.high - dist.low
    if dist.is_point:
        return lambda x, bins: np.zeros(len(x), dtype=np.int32)
    if dist.kind == "uniform":

        def uniform_bins(x: np.ndarray, bins: int) -> np.ndarray:
            b = ((np.asarray(x) - np.float32(low)) * np.float32(bins / width)).astype(np.int32)
            return np.clip(b, 0, bins - 1, out=b)

        return uniform_bins
    mids = low + width * (np.arange(resolution) + 0.5) / resolution
    cdf_mid = dist.cdf(mids)
    tables: dict[int, np.ndarray] = {}

    def table_bins(x: np.ndarray, bins: int) -> np.ndarray:
        if bins not in tables:
            tables[bins] = np.minimum((cdf_mid * bins).astype(np.int32), bins - 1)
        cell = ((np.asarray(x) - np.float32(low)) * np.float32(resolution / width)).astype(np.int32)
        np.clip(cell, 0, resolution - 1, out=cell)
        return tables[bins][cell]

    return table_bins


def rank_binner(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-count bins from the empirical ranks (when the distribution is not known)."""
    order = np.argsort(x, kind="stable")
    b = np.empty(len(x), dtype=np.int32)
    b[order] = np.arange(len(x), dtype=np.int64) * bins // len(x)
    return b


@dataclass
class FirstOrder:
    """First-order indices of P parameters on O outcomes, with the noise floor."""

    s1: np.ndarray  # (P, O) bias-corrected
    raw: np.ndarray  # (P, O) Var(E[Y|bin]) / Var(Y) before the correction
    se: np.ndarray  # (P, O) approximate standard error of s1 (noncentral chi-square of the between-bin sum)
    floor: np.ndarray  # (O,) the noise floor of the corrected index
    bins: int
    n: int
    alpha: float

    def frame(self, names: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
        rows = []
        for j, name in enumerate(names):
            for o, outcome in enumerate(outcomes):
                rows.append(
                    {
                        "parameter": name,
                        "outcome": outcome,
                        "s1": self.s1[j, o],
                        "s1_raw": self.raw[j, o],
                        "s1_se": self.se[j, o],
                        "noise_floor": self.floor[o],
                        "bins": self.bins,
                        "n": self.n,
                    }
                )
        return pd.DataFrame(rows)


def _bin_sums(x: np.ndarray, y, bin_of: Callable, bins: int, n_outcomes: int | None):
    """Per parameter and bin, the draws (P, B) and the sums of each outcome (P, B, O); each outcome's mean (O,) and
    total sum of squares (O,). ``y`` as in :func:`first_order`."""
    n, p = x.shape
    if n_outcomes is not None:
        codes = np.asarray(y, dtype=np.int32)
        n_out = n_outcomes
        sums = np.empty((p, bins, n_out))
        for j in range(p):
            idx = bin_of(j, x[:, j]) * np.int32(n_out) + codes
            sums[j] = np.bincount(idx, minlength=bins * n_out).reshape(bins, n_out)
        nb = sums.sum(axis=2)  # (P, B)
        mean = np.bincount(codes, minlength=n_out) / n
        sst = n * mean * (1 - mean)  # (O,)
    else:
        yy = np.asarray(y, dtype=np.float64)
        yy = yy[:, None] if yy.ndim == 1 else yy
        n_out = yy.shape[1]
        nb = np.zeros((p, bins))
        sums = np.zeros((p, bins, n_out))
        for j in range(p):
            b = bin_of(j, x[:, j])
            nb[j] = np.bincount(b, minlength=bins)
            for o in range(n_out):
                sums[j, :, o] = np.bincount(b, weights=yy[:, o], minlength=bins)
        mean = yy.mean(axis=0)
        sst = ((yy - mean) ** 2).sum(axis=0)
    return nb, sums, mean, sst


def first_order(
    x: np.ndarray,
    y: np.ndarray,
    *,
    binners: Sequence[Binner] | None = None,
    bins: int | None = None,
    n_outcomes: int | None = None,
    alpha: float = 0.05,
) -> FirstOrder:
    """First-order indices of every column of ``x`` (N, P) on ``y``.

    ``y``: (N,) or (N, O) floats, or with ``n_outcomes``, an (N,) integer code
    in 0..n_outcomes-1 whose indicator of each category is an outcome (the
    fast path for deal / escalation / stalemate). ``binners[j]`` bins column j
    on its known distribution (:func:`binner`); without them, on the ranks.
    """
    x = np.asarray(x)
    n, p = x.shape
    bins = bins or default_bins(n)
    bin_of = (lambda j, col: binners[j](col, bins)) if binners is not None else (lambda j, col: rank_binner(col, bins))
    nb, sums, mean, sst = _bin_sums(x, y, bin_of, bins, n_outcomes)
    n_out = sums.shape[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        bin_mean = sums / nb[:, :, None]
        ssb = np.nansum(nb[:, :, None] * (bin_mean - mean) ** 2, axis=1)  # (P, O)
        used = (nb > 0).sum(axis=1)[:, None]  # bins with draws (a point-valued parameter has one)
        ssw = sst - ssb
        raw = ssb / sst
        s1 = (ssb - (used - 1) * ssw / (n - used)) / sst
        # SSB / sigma_w^2 is about noncentral chi-square(B - 1, lambda = N Var(E[Y|bin]) / sigma_w^2), of
        # variance 2 (B - 1 + 2 lambda): the standard error of s1 follows (Patnaik 1949's moments).
        sigma_w = ssw / (n - used)
        lam = np.maximum(ssb / sigma_w - (used - 1), 0.0)
        se = np.sqrt(2.0 * (used - 1 + 2.0 * lam)) * sigma_w / sst
        s1 = np.where(used > 1, s1, np.nan)
        raw = np.where(used > 1, raw, np.nan)
        se = np.where(used > 1, se, np.nan)
    # Under no effect SSB / sigma_w^2 ~ chi2(B-1); the corrected index then exceeds this with probability alpha/P.
    q = stats.chi2.ppf(1 - alpha / max(p, 1), bins - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = (q - (bins - 1)) / (n - bins) * np.where(sst > 0, 1.0, np.nan) * np.ones(n_out)
    return FirstOrder(s1=s1, raw=raw, se=se, floor=floor, bins=bins, n=n, alpha=alpha)


def rbd_fast(x: np.ndarray, y: np.ndarray, *, harmonics: int = 10) -> np.ndarray:
    """SALib's RBD-FAST first-order index of every column of ``x`` on each column of ``y`` (N,) or (N, O).

    The estimator of ``SALib.analyze.rbd_fast.analyze`` (Plischke's EASI
    ordering of the outputs by each input, the power of the first
    ``harmonics`` Fourier frequencies over the total, the Tissot-Prieur bias
    correction ``SALib.analyze.rbd_fast.unskew_S1``), computed with a direct
    DFT at those few frequencies instead of a full periodogram (the total
    power is the sum of squares, by Parseval), one sort per parameter shared
    by the outcomes, and without SALib's bootstrap of a confidence interval.
    A test checks it against ``rbd_fast.analyze`` to 1e-10.
    """
    from SALib.analyze.rbd_fast import unskew_S1

    yy = np.asarray(y, dtype=np.float64)
    yy = yy[:, None] if yy.ndim == 1 else yy
    n, p = x.shape
    t = np.arange(n)
    angle = 2 * np.pi * np.outer(t, np.arange(1, harmonics + 1)) / n
    cos, sin = np.cos(angle), np.sin(angle)  # (N, M): the DFT at the first M frequencies, real and imaginary parts
    centred = np.ascontiguousarray((yy - yy.mean(axis=0)).T)  # (O, N)
    total = (centred**2).sum(axis=1)  # (O,) the periodogram's total power (Parseval)
    out = np.full((p, yy.shape[1]), np.nan)
    for j in range(p):
        col = x[:, j]
        if np.ptp(col) == 0:
            continue
        order = np.argsort(col)  # as SALib (quicksort)
        order = np.concatenate([order[::2], order[1::2][::-1]])
        ordered = centred[:, order]
        power = ((ordered @ cos) ** 2 + (ordered @ sin) ** 2).sum(axis=1)  # (O,)
        with np.errstate(invalid="ignore", divide="ignore"):
            s1 = 2.0 * power / n / total  # one-sided power of the M harmonics over the total
        out[j] = np.where(total > 0, unskew_S1(s1, harmonics, n), np.nan)
    return out


# ------------------------------------------------------ two-level design


@dataclass
class Spread:
    """P(outcome | assumptions) over K parameter vectors of M replications each."""

    p: np.ndarray  # (K, O) P-hat per vector
    m: int
    percentiles: dict[str, np.ndarray]  # "p5", "p50", "p95" -> (O,)
    var_between: np.ndarray  # (O,) Var_theta P(o | theta), binomial noise removed
    share: np.ndarray  # (O,) var_between / Var(Y): the share of outcome variance the parameters explain


def spread(codes: np.ndarray, m: int, n_outcomes: int, qs: Sequence[float] = (5, 50, 95)) -> Spread:
    """Per-vector odds from episode outcome codes laid out vector by vector (K*M,), and their spread.

    The percentiles are those of the per-vector estimates, which carry binomial
    noise of variance about p(1-p)/M on top of the spread of the true
    P(o | theta); ``var_between`` removes that noise on average (unbiased:
    Var(P-hat) - E[P-hat(1 - P-hat)] / (M - 1)).
    """
    codes = np.asarray(codes, dtype=np.int64)
    k = len(codes) // m
    onehot = np.zeros((k, n_outcomes))
    vec = np.repeat(np.arange(k), m)
    np.add.at(onehot, (vec, codes[: k * m]), 1.0)
    phat = onehot / m
    mean = phat.mean(axis=0)
    var_hat = phat.var(axis=0, ddof=1)
    noise = (phat * (1 - phat)).mean(axis=0) / (m - 1) if m > 1 else np.full(n_outcomes, np.nan)
    var_between = np.maximum(var_hat - noise, 0.0)
    total = mean * (1 - mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = var_between / total
    pct = {f"p{q:g}": np.percentile(phat, q, axis=0) for q in qs}
    return Spread(p=phat, m=m, percentiles=pct, var_between=var_between, share=share)


def _quiet_ema():
    with warnings.catch_warnings():  # ema_workbench warns at import that ipyparallel is not installed
        warnings.simplefilter("ignore")
        import ema_workbench.analysis.feature_scoring as fs
        import ema_workbench.analysis.prim as prim_mod
    return fs, prim_mod


def feature_scores(x: pd.DataFrame, y: np.ndarray, *, seed: int = 0, trees: int = 100) -> pd.Series:
    """EMA Workbench's extra-trees feature scores of the columns of ``x`` for a continuous ``y`` (sum to one)."""
    fs, _ = _quiet_ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = fs.get_ex_feature_scores(
            x, np.asarray(y, dtype=np.float64), mode=fs.RuleInductionType.REGRESSION, nr_trees=trees, random_state=seed
        )
    return scores.iloc[:, 0]


def prim(x: pd.DataFrame, y: np.ndarray, *, peel_alpha: float = 0.05, mass_min: float = 0.05) -> tuple[pd.DataFrame, int]:
    """PRIM's peeling trajectory for the 0/1 target ``y`` over the vectors ``x`` (in parameter units).

    Returns one row per box of the trajectory (coverage, density, mass, the
    number of restricted parameters, their limits as ``name in [low, high]``
    and PRIM's quasi-p-value of each restriction, Bryant and Lempert 2010) and
    the index of the chosen box: the one with the largest coverage among those
    whose density reaches ``target_density`` = base + (1 - base) / 2, halfway
    from the share of vectors of interest to certainty (the densest box when
    none does). EMA Workbench 3 no longer stops peeling at a threshold; this
    rule picks the point on the trajectory instead. An empty frame when no
    vector, or every vector, is of interest.
    """
    _, prim_mod = _quiet_ema()
    y = np.asarray(y, dtype=int)
    if y.sum() == 0 or y.sum() == len(y):
        return pd.DataFrame(), -1
    x = x.reset_index(drop=True).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim_mod.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    init = box.box_lims[0]
    rows = []
    for i, lims in enumerate(box.box_lims):
        restricted = [c for c in x.columns if (lims[c].iloc[0] != init[c].iloc[0]) or (lims[c].iloc[1] != init[c].iloc[1])]
        qp = box.p_values[i] if i < len(box.p_values) else {}
        rows.append(
            {
                "box": i,
                "coverage": float(traj.loc[i, "coverage"]),
                "density": float(traj.loc[i, "density"]),
                "mass": float(traj.loc[i, "mass"]),
                "res_dim": len(restricted),
                "limits": "; ".join(f"{c} in [{lims[c].iloc[0]:.4g}, {lims[c].iloc[1]:.4g}]" for c in restricted),
                "quasi_p": "; ".join(f"{_restriction_p(qp.get(c, [])):.2g}" for c in restricted),
            }
        )
    frame = pd.DataFrame(rows)
    base = float(y.mean())
    target = base + (1.0 - base) / 2
    frame["target_density"] = target
    dense = frame[frame["density"] >= target].sort_values(["coverage", "density"], ascending=False)
    chosen = int(dense.index[0]) if len(dense) else int(frame["density"].idxmax())
    frame["chosen"] = frame["box"] == chosen
    _add_significant_limits(frame, chosen, x, y)
    return frame, chosen


def _add_significant_limits(frame: pd.DataFrame, chosen: int, x: pd.DataFrame, y: np.ndarray) -> None:
    """The chosen box's ``significant_*`` columns: the box restricted to its significant limits (quasi-p < 0.05),
    its statistics recomputed on the vectors (peeling shaves a little off many parameters by chance, these are the
    restrictions that matter)."""
    lims = box_limits(x, str(frame.loc[chosen, "limits"]))
    ps = [float(v) for v in str(frame.loc[chosen, "quasi_p"]).split("; ") if v]
    kept = {c: lim for (c, lim), qp in zip(lims.items(), ps, strict=False) if qp < 0.05}
    inside = np.ones(len(x), dtype=bool)
    for c, (low, high) in kept.items():
        inside &= (x[c] >= low).to_numpy() & (x[c] <= high).to_numpy()
    frame["significant_limits"] = ""
    frame["significant_coverage"] = np.nan
    frame["significant_density"] = np.nan
    frame["significant_mass"] = np.nan
    frame.loc[chosen, "significant_limits"] = "; ".join(f"{c} in [{lo:.4g}, {hi:.4g}]" for c, (lo, hi) in kept.items())
    frame.loc[chosen, "significant_coverage"] = float(y[inside].sum() / y.sum())
    frame.loc[chosen, "significant_density"] = float(y[inside].mean()) if inside.any() else np.nan
    frame.loc[chosen, "significant_mass"] = float(inside.mean())


def _restriction_p(sides) -> float:
    """The quasi-p-value of a restriction: the larger of its restricted sides' (EMA marks a free side -1)."""
    values = [float(v) for v in sides if v is not None and float(v) >= 0]
    return max(values) if values else float("nan")


def box_limits(x: pd.DataFrame, limits: str) -> dict[str, tuple[float, float]]:
    """Parse a ``limits`` text of :func:`prim` back into {parameter: (low, high)}."""
    out = {}
    for part in filter(None, (s.strip() for s in limits.split(";"))):
        name, rng = part.split(" in ")
        low, high = (float(v) for v in rng.strip("[]").split(","))
        out[name] = (low, high)
    return out
