"""The analysis of an exploration: marginal odds, their spread across assumptions, sensitivity indices, PRIM boxes.

:func:`analyse` reads an :class:`sim.analysis.explore_design.Exploration`
(what :func:`sim.analysis.explore.explore` returns); the methods are
described in :mod:`sim.analysis.explore`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis import gsa
from sim.analysis.explore_design import DUMMY, DUMMY_DIST, EXTRA_OUTCOMES, Exploration
from sim.core.params import OUTCOMES
from sim.core.stats import Z95

#: Columns of boxes.csv (also when there is no box to write).
BOX_COLUMNS = (
    "target",
    "share_of_vectors",
    "box",
    "coverage",
    "density",
    "mass",
    "res_dim",
    "limits",
    "quasi_p",
    "target_density",
    "chosen",
    "significant_limits",
    "significant_coverage",
    "significant_density",
    "significant_mass",
)
#: Outcomes whose odds per vector get EMA Workbench's feature scores (extra trees: about 2 s each at 2000 vectors).
SCORED = ("deal", "escalation")


def clustered_share(hits: np.ndarray, episodes: int, per_vector: int) -> tuple[float, float]:
    """The share of ``hits`` and its 95% half-width, episodes of the two-level part clustered by vector."""
    hits = np.asarray(hits, dtype=np.float64)
    n = len(hits)
    p = hits.mean()
    a = hits[:episodes] - p
    ss = float(a @ a)
    if n > episodes:
        sums = hits[episodes:].reshape(-1, per_vector).sum(axis=1) - per_vector * p
        ss += float(sums @ sums)
    return float(p), Z95 * math.sqrt(ss) / n


@dataclass
class Analysis:
    """What ``sim.explore`` reports: odds, spread, indices, boxes."""

    marginal: dict[str, tuple[float, float]]  # outcome -> (P, 95% half-width)
    spread: dict[str, dict[str, float]]  # outcome -> p5, p50, p95, sd_between, sd_noise, share, sum_s1
    indices: pd.DataFrame
    boxes: pd.DataFrame
    vectors: pd.DataFrame  # the K vectors with their odds
    noise_floor: dict[str, float]
    dummy: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)


def _outcome_codes(ex: Exploration) -> dict[str, tuple[np.ndarray, int, int]]:
    """outcome name -> (codes, number of categories, category of interest)."""
    out = {o: (ex.arrays["outcome"], len(OUTCOMES), k) for k, o in enumerate(OUTCOMES)}
    for extra in EXTRA_OUTCOMES:
        if extra in ex.arrays:
            out[extra] = (ex.arrays[extra].astype(np.int64), 2, 1)
    return out


def analyse(
    ex: Exploration,
    *,
    rbd_n: int = 100_000,
    prim_dims: int = 8,
    prim_peel: float = 0.05,
    prim_mass: float = 0.05,
    seed: int = 0,
) -> Analysis:
    """Marginal odds, spread across assumptions, first-order indices (+ RBD-FAST), feature scores, PRIM boxes."""
    d = ex.design
    timings = {}
    outcomes = _outcome_codes(ex)
    marginal = {o: clustered_share(codes == k, d.episodes, d.per_vector) for o, (codes, _, k) in outcomes.items()}
    dists = [*(d.specs[p] for p in d.uncertain), DUMMY_DIST]

    t = time.perf_counter()
    first = _first_order(ex, outcomes, dists)
    timings["indices_s"] = time.perf_counter() - t
    t = time.perf_counter()
    rbd = _rbd_fast(ex, outcomes, rbd_n)
    timings["rbd_fast_s"] = time.perf_counter() - t
    t = time.perf_counter()
    vec, spread, scores = _per_vector(ex, outcomes, first.s1, seed)
    timings["spread_and_scores_s"] = time.perf_counter() - t
    indices = _index_table(ex, outcomes, dists, first, rbd, scores)
    t = time.perf_counter()
    boxes = _boxes(vec, d.uncertain if d.vectors >= 20 else [], seed=seed, dims=prim_dims, peel=prim_peel, mass=prim_mass)
    timings["prim_s"] = time.perf_counter() - t
    return Analysis(
        marginal=marginal,
        spread=spread,
        indices=indices,
        boxes=boxes,
        vectors=vec,
        noise_floor=first.floor,
        dummy=first.dummy,
        timings=timings,
    )


@dataclass
class FirstOrder:
    """First-order indices on the episode design, per outcome: (index, raw index, standard error) per column."""

    s1: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    floor: dict[str, float]  # the noise floor of the indices
    dummy: dict[str, float]  # the dummy parameter's index
    bins: int


def _first_order(ex: Exploration, outcomes: dict, dists: list) -> FirstOrder:
    """:func:`sim.analysis.gsa.first_order` on the episode design; outcomes that share one code array (the three
    endings) are binned once."""
    d = ex.design
    xa = ex.x[: d.episodes]
    binners = [gsa.binner(dist) for dist in dists]
    s1s, floors, dummy = {}, {}, {}
    groups: dict[int, list[str]] = {}
    for o, (codes, _, _) in outcomes.items():
        groups.setdefault(id(codes), []).append(o)
    for names in groups.values():
        codes, n_cat, _ = outcomes[names[0]]
        fo = gsa.first_order(xa, codes[: d.episodes], binners=binners, n_outcomes=n_cat)
        for o in names:
            k = outcomes[o][2]
            s1s[o] = (fo.s1[:, k], fo.raw[:, k], fo.se[:, k])
            floors[o] = float(fo.floor[k])
            dummy[o] = float(fo.s1[-1, k])
        bins = fo.bins
    return FirstOrder(s1s, floors, dummy, bins)


def _rbd_fast(ex: Exploration, outcomes: dict, rbd_n: int) -> np.ndarray:
    """RBD-FAST indices (columns, outcomes) on the first ``rbd_n`` episodes, the cross-check of the first-order ones."""
    xa = ex.x[: ex.design.episodes]
    sub = xa[: min(rbd_n, ex.design.episodes)].astype(np.float64)
    ys = np.column_stack([(codes[: len(sub)] == k).astype(np.float64) for codes, _, k in outcomes.values()])
    return gsa.rbd_fast(sub, ys) if len(sub) > 100 else np.full((xa.shape[1], len(outcomes)), np.nan)


def _per_vector(ex: Exploration, outcomes: dict, s1s: dict, seed: int):
    """The two-level design: each vector's odds, their spread across assumptions and EMA Workbench's feature scores.

    Returns (the vectors with a column ``p_<outcome>`` each, the spread per outcome, the feature scores per outcome).
    """
    d = ex.design
    table = d.vector_draws()
    vec = pd.DataFrame({p: table[p] for p in d.uncertain})
    spread: dict[str, dict[str, float]] = {}
    scores: dict[str, pd.Series] = {}
    for o, (codes, n_cat, k) in outcomes.items():
        if d.vectors < 2:
            break
        sp = gsa.spread(codes[d.episodes :], d.per_vector, n_cat)
        vec[f"p_{o}"] = sp.p[:, k]
        sd_noise = math.sqrt(float(np.mean(sp.p[:, k] * (1 - sp.p[:, k]))) / d.per_vector)
        spread[o] = {
            **{q: float(v[k]) for q, v in sp.percentiles.items()},
            "sd_between": math.sqrt(float(sp.var_between[k])),
            "sd_noise": sd_noise,
            "share_explained": float(sp.share[k]),
            "sum_s1": float(np.nansum(np.clip(s1s[o][0][:-1], 0, None))),
        }
        if d.uncertain and d.vectors >= 20 and o in SCORED:
            scores[o] = gsa.feature_scores(vec[d.uncertain], sp.p[:, k], seed=seed)
    return vec, spread, scores


def _index_table(ex: Exploration, outcomes: dict, dists: list, first: FirstOrder, rbd: np.ndarray, scores: dict):
    """indices.csv: one row per parameter and outcome."""
    rows = []
    for j, name in enumerate(ex.columns):
        for m, o in enumerate(outcomes):
            s1, raw, se = (x[j] for x in first.s1[o])
            rows.append(
                {
                    "parameter": name,
                    "outcome": o,
                    "s1": s1,
                    "s1_raw": raw,
                    "s1_se": se,
                    "noise_floor": first.floor[o],
                    "above_floor": bool(s1 > first.floor[o]),
                    "rbd_fast": rbd[j, m],
                    "feature_score": float(scores[o].get(name, np.nan)) if o in scores else np.nan,
                    "distribution": dists[j].describe(),
                    "bins": first.bins,
                    "n": ex.design.episodes,
                }
            )
    return pd.DataFrame(rows)


def _boxes(vec: pd.DataFrame, uncertain: list[str], *, seed: int, dims: int, peel: float, mass: float) -> pd.DataFrame:
    """boxes.csv: PRIM's boxes for each target of :func:`box_targets` over the ``uncertain`` parameters (none: no box)."""
    boxes = []
    for name, y in (box_targets(vec) if uncertain else {}).items():
        frame = discover(vec, uncertain, y, seed=seed, dims=dims, peel=peel, mass=mass)
        if frame.empty:
            limits = "no vector of interest" if not y.any() else "every vector"
            boxes.append(pd.DataFrame([{"target": name, "share_of_vectors": float(np.mean(y)), "box": -1, "limits": limits}]))
            continue
        frame.insert(0, "target", name)
        frame.insert(1, "share_of_vectors", float(np.mean(y)))
        boxes.append(frame)
    return pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame(columns=list(BOX_COLUMNS))


def box_targets(vectors: pd.DataFrame) -> dict[str, np.ndarray]:
    """The targets of scenario discovery, one flag per parameter vector (columns ``p_deal``, ``p_escalation``)."""
    return {
        "deal more likely than escalation": (vectors["p_deal"] > vectors["p_escalation"]).to_numpy(),
        "escalation above 50%": (vectors["p_escalation"] > 0.5).to_numpy(),
    }


def discover(
    vectors: pd.DataFrame,
    uncertain: list[str],
    y: np.ndarray,
    *,
    seed: int,
    dims: int = 8,
    peel: float = 0.05,
    mass: float = 0.05,
) -> pd.DataFrame:
    """PRIM's peeling trajectory for target ``y`` over the parameter ``vectors`` (:func:`sim.analysis.gsa.prim`).

    Scenario discovery as EMA Workbench's workflow has it: feature scoring
    picks the ``dims`` uncertainties that matter most for the target, PRIM
    boxes them (on all 100-odd, peeling shaves every one a little by chance).
    """
    candidates = list(uncertain)
    if len(candidates) > dims and 0 < y.sum() < len(y):
        ranked = gsa.feature_scores(vectors[candidates], y.astype(float), seed=seed).sort_values(ascending=False)
        candidates = list(ranked.index[:dims])
    frame, _ = gsa.prim(vectors[candidates], y, peel_alpha=peel, mass_min=mass)
    return frame


def top_parameters(indices: pd.DataFrame, outcome: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` parameters with the largest first-order index on ``outcome`` (the dummy left out)."""
    rows = indices[(indices["outcome"] == outcome) & (indices["parameter"] != DUMMY)]
    return rows.sort_values("s1", ascending=False).head(k)


def chosen_boxes(boxes: pd.DataFrame) -> pd.DataFrame:
    if boxes.empty or "chosen" not in boxes:
        return pd.DataFrame()
    return boxes[boxes["chosen"].fillna(False).astype(bool)]
