"""Odds under uncertainty: every assumption drawn per replication, global sensitivity and scenario discovery.

One run of R replications is cut in two designs that share the run's shock
streams (replication r meets the shocks of replication r of a plain run with
the same seed, so with every range collapsed to a point the odds are exactly
the plain run's):

- the *episode design*, replications [0, R - K*M): every replication draws
  its own parameter vector. Its draws and outcomes give the marginal odds and
  the first-order index of each parameter (:func:`sim.analysis.gsa.first_order`,
  cross-checked with RBD-FAST on a subsample);
- the *two-level design*, the last K*M replications: K parameter vectors of M
  replications each. Each vector's odds P(outcome | assumptions) give the
  spread of the odds across assumptions (5th, 50th, 95th percentiles), the
  share of outcome variance the assumptions explain at all (against the sum of
  first-order indices: the rest is interactions), EMA Workbench's feature
  scores, and the PRIM boxes for "deal more likely than escalation"
  (P(deal | theta) > P(escalation | theta)) and "escalation above 50%".

Parameter draws come from their own streams (:mod:`sim.core.uncertainty`):
the episode design's from ``stream(seed, 0, block)``, the vectors from
``stream(seed, 1)``. A dummy parameter, drawn like the others and never used
by the model, checks the noise floor of the indices.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import gsa
from sim.core.memory import tune_allocator
from sim.core.params import OUTCOMES, Scenario
from sim.core.runner import block_sizes, run_block
from sim.core.stats import Z95
from sim.core.uncertainty import Dist, parse_dist, sample, stream, with_draws

DUMMY = "dummy (no effect)"
DUMMY_DIST = parse_dist(DUMMY, {"dist": "uniform", "low": 0.0, "high": 1.0})
#: 0/1 outcomes besides the three endings that are analysed when the engine reports them.
EXTRA_OUTCOMES = ("any_strike",)
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


@dataclass(frozen=True)
class Design:
    """Which parameter vector each replication of a run uses."""

    specs: Mapping[str, Dist]
    seed: int
    replications: int
    vectors: int
    per_vector: int
    points_as_arrays: bool = False  # a point-valued parameter as a constant (n,) array instead of a float

    @property
    def episodes(self) -> int:
        """Replications of the episode design (each its own parameter vector)."""
        return self.replications - self.vectors * self.per_vector

    @property
    def uncertain(self) -> list[str]:
        return [p for p, d in self.specs.items() if not d.is_point]

    def vector_draws(self) -> dict[str, np.ndarray]:
        """The K parameter vectors of the two-level design (with the dummy)."""
        return sample({**self.specs, DUMMY: DUMMY_DIST}, self.vectors, stream(self.seed, 1))

    def block_draws(self, start: int, n: int, block: int) -> dict[str, np.ndarray]:
        """Every parameter's (n,) draws for replications [start, start + n) (block ``block``), with the dummy."""
        specs = {**self.specs, DUMMY: DUMMY_DIST}
        parts = []
        in_a = max(0, min(start + n, self.episodes) - start)
        if in_a:
            parts.append(sample(specs, in_a, stream(self.seed, 0, block)))
        if in_a < n:
            first = start + in_a - self.episodes
            k = (first + np.arange(n - in_a)) // self.per_vector
            table = self.vector_draws()
            parts.append({p: table[p][k] for p in specs})
        if len(parts) == 1:  # the block lies in one design: its draws as they are, without a copy
            return parts[0]
        return {p: np.concatenate([part[p] for part in parts]) for p in specs}


def _scenario_for(scenario: Scenario, design: Design, draws: Mapping[str, np.ndarray], aliases) -> Scenario:
    values = {}
    for path, dist in design.specs.items():
        values[path] = draws[path] if (not dist.is_point or design.points_as_arrays) else dist.low
    return with_draws(scenario, values, aliases, check=False) if values else scenario  # supports checked in explore()


def run_explore_block(
    scenario: Scenario,
    design: Design,
    aliases: Mapping[str, str],
    start: int,
    n: int,
    block: int,
    x: np.ndarray | None = None,
) -> tuple[int, dict[str, np.ndarray], np.ndarray]:
    """One block: draw its parameters, run it with the block's shocks; return outcomes and the float32 draws.

    The draws (n, P + 1) are written into ``x`` when given (the run's matrix, in one process), else into a new
    array (returned by a worker process).
    """
    tune_allocator()  # before the draws: they are the block's first large arrays
    draws = design.block_draws(start, n, block)
    columns = (*design.uncertain, DUMMY)
    if x is None:
        x = np.empty((n, len(columns)), dtype=np.float32, order="F")
    for k, p in enumerate(columns):  # column by column: contiguous writes
        x[:, k] = draws[p]
    out = run_block(_scenario_for(scenario, design, draws, aliases), n, design.seed, block)
    keep = {k: out[k] for k in ("outcome", "cause", "round", *EXTRA_OUTCOMES) if k in out}
    return block, keep, x


@dataclass
class Exploration:
    """Every episode of an exploration: its parameter draws, outcome and cause."""

    scenario: Scenario
    design: Design
    block_size: int
    x: np.ndarray  # (R, P + 1) float32: the uncertain parameters, then the dummy
    columns: list[str]
    arrays: dict[str, np.ndarray]  # outcome, cause, round (+ any_strike): (R,) each
    causes: tuple[str, ...]
    elapsed_s: float


def explore(
    scenario: Scenario,
    design: Design,
    *,
    block_size: int = 10_000,
    workers: int = 1,
    aliases: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Exploration:
    """Run every replication of ``design`` on ``scenario`` in seeded blocks (as :func:`sim.core.runner.simulate`)."""
    from sim.core.model import cause_names

    aliases = dict(aliases or {})
    scenario.validate()
    sizes = block_sizes(design.replications, block_size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    # A range that leaves a parameter's legal interval fails here, before any work: every parameter at the low
    # end of its support, then every one at the high end.
    support = {p: np.array([dist.low, dist.high]) for p, dist in design.specs.items()}
    if support:
        with_draws(scenario, support, aliases)
    t0 = time.perf_counter()
    results: list = [None] * len(sizes)
    done = 0
    jobs = [(scenario, design, aliases, int(starts[b]), n, b) for b, n in enumerate(sizes)]
    x = np.empty((design.replications, len(design.uncertain) + 1), dtype=np.float32, order="F")  # column by column
    if workers == 1 or len(sizes) == 1:
        for job in jobs:  # each block writes its draws into its rows of x
            b, keep, _ = run_explore_block(*job, x=x[job[3] : job[3] + job[4]])
            results[b] = keep
            done += sizes[b]
            if progress:
                progress(done, design.replications)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(sizes))) as pool:
            futures = [pool.submit(run_explore_block, *job) for job in jobs]
            for fut in as_completed(futures):
                b, keep, xb = fut.result()
                results[b] = keep
                x[starts[b] : starts[b] + sizes[b]] = xb
                done += sizes[b]
                if progress:
                    progress(done, design.replications)
    arrays = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
    return Exploration(
        scenario, design, block_size, x, [*design.uncertain, DUMMY], arrays, cause_names(scenario), time.perf_counter() - t0
    )


# ---------------------------------------------------------------- analysis


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

    # First-order indices on the episode design.
    t = time.perf_counter()
    xa = ex.x[: d.episodes]
    dists = [*(d.specs[p] for p in d.uncertain), DUMMY_DIST]
    binners = [gsa.binner(dist) for dist in dists]
    rows = []
    s1s, floors, dummy = {}, {}, {}
    groups: dict[int, list[str]] = {}  # outcomes that share one code array (the three endings) are binned once
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
    timings["indices_s"] = time.perf_counter() - t
    t = time.perf_counter()
    sub = xa[: min(rbd_n, d.episodes)].astype(np.float64)
    ys = np.column_stack([(codes[: len(sub)] == k).astype(np.float64) for codes, _, k in outcomes.values()])
    rbd = gsa.rbd_fast(sub, ys) if len(sub) > 100 else np.full((xa.shape[1], len(outcomes)), np.nan)
    timings["rbd_fast_s"] = time.perf_counter() - t

    # The two-level design: odds per vector, spread, feature scores, PRIM.
    t = time.perf_counter()
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
    timings["spread_and_scores_s"] = time.perf_counter() - t
    for j, name in enumerate(ex.columns):
        dist = dists[j]
        for m, o in enumerate(outcomes):
            rows.append(
                {
                    "parameter": name,
                    "outcome": o,
                    "s1": s1s[o][0][j],
                    "s1_raw": s1s[o][1][j],
                    "s1_se": s1s[o][2][j],
                    "noise_floor": floors[o],
                    "above_floor": bool(s1s[o][0][j] > floors[o]),
                    "rbd_fast": rbd[j, m],
                    "feature_score": float(scores[o].get(name, np.nan)) if o in scores else np.nan,
                    "distribution": dist.describe(),
                    "bins": bins,
                    "n": d.episodes,
                }
            )
    indices = pd.DataFrame(rows)

    t = time.perf_counter()
    boxes = []
    if d.vectors >= 20 and d.uncertain:
        for name, y in box_targets(vec).items():
            frame = discover(vec, d.uncertain, y, seed=seed, dims=prim_dims, peel=prim_peel, mass=prim_mass)
            if frame.empty:
                boxes.append(
                    pd.DataFrame(
                        [
                            {
                                "target": name,
                                "share_of_vectors": float(np.mean(y)),
                                "box": -1,
                                "limits": "no vector of interest" if not y.any() else "every vector",
                            }
                        ]
                    )
                )
                continue
            frame.insert(0, "target", name)
            frame.insert(1, "share_of_vectors", float(np.mean(y)))
            boxes.append(frame)
    timings["prim_s"] = time.perf_counter() - t
    return Analysis(
        marginal=marginal,
        spread=spread,
        indices=indices,
        boxes=pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame(columns=list(BOX_COLUMNS)),
        vectors=vec,
        noise_floor=floors,
        dummy=dummy,
        timings=timings,
    )


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


# ---------------------------------------------------------------- files


def summary(
    ex: Exploration, an: Analysis, *, provenance: Mapping[str, str] | None = None, notes: Mapping[str, object] | None = None
) -> dict:
    d = ex.design
    out = {
        "scenario": ex.scenario.name,
        "seed": d.seed,
        "block_size": ex.block_size,
        "replications": d.replications,
        "design": {"episodes": d.episodes, "vectors": d.vectors, "per_vector": d.per_vector},
        "uncertain_parameters": len(d.uncertain),
        "elapsed_s": ex.elapsed_s,
        "episodes_per_s": d.replications / ex.elapsed_s if ex.elapsed_s > 0 else None,
        **{f"p_{o}": p for o, (p, _) in an.marginal.items()},
        **{f"p_{o}_ci95": h for o, (_, h) in an.marginal.items()},
        "spread": an.spread,
        "noise_floor": an.noise_floor,
        "dummy_index": an.dummy,
        "top_parameters": {o: top_parameters(an.indices, o)[["parameter", "s1"]].to_dict("records") for o in an.marginal},
        "boxes": chosen_boxes(an.boxes).drop(columns=["chosen"], errors="ignore").to_dict("records"),
        "timings": an.timings,
    }
    if notes:
        out["notes"] = dict(notes)
    return out


def write_draws(ex: Exploration, path: str | Path) -> Path:
    """``draws.parquet``: each episode's parameter vector (float32), outcome, cause and vector (-1: episode design).

    Built column by column from the exploration's arrays without copies and
    written uncompressed (random draws do not compress); pyarrow releases the
    GIL, so this can run in a thread beside the analysis (:func:`start_writing_draws`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = ex.design
    cols = {c: pa.array(ex.x[:, j]) for j, c in enumerate(ex.columns)}
    cols["outcome"] = pa.DictionaryArray.from_arrays(pa.array(ex.arrays["outcome"].astype(np.int32)), list(OUTCOMES))
    cols["cause"] = pa.DictionaryArray.from_arrays(pa.array(ex.arrays["cause"].astype(np.int32)), list(ex.causes))
    for extra in EXTRA_OUTCOMES:
        if extra in ex.arrays:
            cols[extra] = pa.array(ex.arrays[extra])
    vector = np.full(d.replications, -1, dtype=np.int32)
    vector[d.episodes :] = np.arange(d.replications - d.episodes) // max(d.per_vector, 1)
    cols["vector"] = pa.array(vector)
    path = Path(path)
    pq.write_table(pa.table(cols), path, compression="none")
    return path


def start_writing_draws(ex: Exploration, directory: str | Path):
    """Write ``draws.parquet`` in a background thread; returns the thread (join it before leaving)."""
    import threading

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=write_draws, args=(ex, directory / "draws.parquet"))
    thread.start()
    return thread


def write(
    ex: Exploration, an: Analysis, directory: str | Path, *, draws: bool = True, notes: Mapping[str, object] | None = None
) -> dict[str, Path]:
    """Write draws.parquet, indices.csv, boxes.csv, vectors.csv, summary.json and the figures into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    if draws:
        paths["draws"] = write_draws(ex, directory / "draws.parquet")
    paths["indices"] = directory / "indices.csv"
    an.indices.to_csv(paths["indices"], index=False)
    paths["boxes"] = directory / "boxes.csv"
    an.boxes.to_csv(paths["boxes"], index=False)
    paths["vectors"] = directory / "vectors.csv"
    an.vectors.to_csv(paths["vectors"], index=False)
    paths["summary"] = directory / "summary.json"
    paths["summary"].write_text(json.dumps(summary(ex, an, notes=notes), indent=2, default=float) + "\n")
    from sim.analysis import explore_plots

    for name, fig in explore_plots.figures(ex, an).items():
        paths[name] = directory / f"{name}.png"
        fig.savefig(paths[name], dpi=110)
    return paths
