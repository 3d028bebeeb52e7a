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
import time
from collections.abc import Callable, Mapping
from concurrent.futures import as_completed
from pathlib import Path

import numpy as np

from sim.analysis.explore_analysis import (
    BOX_COLUMNS,
    SCORED,
    Analysis,
    analyse,
    box_targets,
    chosen_boxes,
    clustered_share,
    discover,
    top_parameters,
)
from sim.analysis.explore_design import DUMMY, DUMMY_DIST, EXTRA_OUTCOMES, Design, Exploration, scenario_for
from sim.core.memory import tune_allocator
from sim.core.params import OUTCOMES, Scenario
from sim.core.pool import WorkerPool
from sim.core.runner import block_sizes, run_block
from sim.core.uncertainty import with_draws

__all__ = [
    "BOX_COLUMNS",
    "DUMMY",
    "DUMMY_DIST",
    "EXTRA_OUTCOMES",
    "SCORED",
    "Analysis",
    "Design",
    "Exploration",
    "analyse",
    "box_targets",
    "chosen_boxes",
    "clustered_share",
    "discover",
    "explore",
    "run_explore_block",
    "start_writing_draws",
    "summary",
    "top_parameters",
    "write",
    "write_draws",
]

# ---------------------------------------------------------------- running


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
    out = run_block(scenario_for(scenario, design, draws, aliases), n, design.seed, block)
    keep = {k: out[k] for k in ("outcome", "cause", "round", *EXTRA_OUTCOMES) if k in out}
    return block, keep, x


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
        with WorkerPool(min(workers, len(sizes))) as pool:  # Ctrl-C or a failure ends the workers at once
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
