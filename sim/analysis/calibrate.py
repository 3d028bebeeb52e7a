"""History-weighted odds: a posterior over the behavioural parameters from the outcomes of the historical cases.

The method (``../shared/design/retrodiction.md``, protocol step 5; issue 19):

1. **Prior.** K behavioural parameter vectors are drawn from their declared
   ranges (``uncertainty=assumptions``, behaviour kind only: the state of
   every case is the case's own and is never drawn).
2. **Simulation with common random numbers.** Every case is run under every
   vector, M replications each; vector k of case c uses the shocks of block
   ``c`` of the seed, the same for every vector, so two vectors' odds in a
   case differ by their parameters, not by their luck (:func:`run_vectors`
   runs a chunk of vectors in one batch, each vector a block seeded as block
   ``c``: the counts a vector has alone).
3. **Importance weights.** Vector k is weighed by the likelihood of what
   happened, estimated by simulation (times prior over proposal when it was
   not drawn from the prior): ``L_k = prod_c h_kc / M`` with
   ``h_kc`` the replications of case c that reproduce its actual outcome.
   Each factor is an unbiased estimate of P(actual_c | theta_k), and the
   cases' shocks are independent of one another, so the product is an
   unbiased estimate of the likelihood (the "pseudo-marginal" argument of
   Andrieu and Roberts 2009); normalised weights over prior draws are
   self-normalised importance sampling of the posterior.
4. **Effective sample size** (Kish 1965): ``(sum w)^2 / sum w^2``, the
   number of equally weighted draws that would carry the same information.
   Below :data:`MIN_ESS` the posterior rests on too few vectors to trust and
   the report says so.
5. **Leave-one-case-out scoring** (the validity figure): case c is forecast
   by the vectors weighed on the *other* cases, ``P_c(o) = sum_k w_k^(-c)
   p_kc(o)``; its log and Brier scores are set against the uniform forecast
   (ln 1/3) and the Laplace-smoothed base rate of the other cases' outcomes,
   ``(n_o + 1) / (C - 1 + 3)``. An in-sample score is never a validity figure.

Where the vectors come from (``stages``): with one stage all K from the prior,
which collapses when the cases' likelihood is concentrated relative to the
prior ranges (ten cases, 101 parameters: Kish ESS 10.8 of 500, Pareto k-hat
0.92); with more, adaptive importance sampling (:mod:`sim.analysis.importance`
says how and why not pyabc), the weights then carrying prior over proposal.
Kish's ESS and PSIS's Pareto k-hat (``arviz-stats``) say when the weights can
be trusted, for the posterior on all cases and for each held-out one.

Pure functions over arrays and scenarios; no files, no terminal (the command is
:mod:`sim.cli.calibrate`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.analysis.importance import Proposal

from sim.analysis.calibrate_cases import (
    FORECASTS,
    VECTOR_STREAM,
    Target,
    behaviour_specs,
    case_names,
    identity,
    load_targets,
    path_kind,
    prior_draws,
    prior_specs,
    vector_scenario,
    vectors_scenario,
)
from sim.analysis.sbc import sbc_ranks, toy_probabilities, toy_run
from sim.analysis.weighting import (
    forecast,
    kish_ess,
    laplace_base_rate,
    likelihoods,
    loco,
    loco_summary,
    log_weights,
    normalise,
    odds_spread,
    parameter_shifts,
    weighted_quantiles,
)
from sim.config.posterior import MIN_ESS  # (defined below the analysis layer: make run reads it)
from sim.core.params import OUTCOMES, ConfigError
from sim.core.paths import applies_to
from sim.core.uncertainty import Dist, stream, with_draws

#: The calibration's parts live in calibrate_cases (targets, prior), weighting (weights, scores) and sbc (checks);
#: their names are re-exported here, where the notebooks and scripts import them.
__all__ = [
    "FORECASTS",
    "MIN_ESS",
    "VECTOR_STREAM",
    "Calibration",
    "Target",
    "behaviour_specs",
    "calibrate",
    "case_names",
    "forecast",
    "identity",
    "kish_ess",
    "laplace_base_rate",
    "likelihoods",
    "load_targets",
    "loco",
    "loco_summary",
    "log_weights",
    "normalise",
    "odds_spread",
    "parameter_shifts",
    "path_kind",
    "prior_draws",
    "prior_specs",
    "run_vectors",
    "sbc_ranks",
    "stage_sizes",
    "toy_probabilities",
    "toy_run",
    "vector_scenario",
    "vectors_scenario",
    "weighted_quantiles",
]


# ---------------------------------------------------------------- simulation grid


def run_vectors(target: Target, draws: Mapping[str, np.ndarray], lo: int, hi: int, per_vector: int, seed: int, block: int):
    """Outcome counts (hi - lo, 3) of vectors [lo, hi) on ``target``, each ``per_vector`` replications with the
    shocks of block ``block`` (the same for every vector: common random numbers).

    The vectors run in one batch (:func:`sim.core.runner.run_blocks`): the model takes any parameter per
    replication, so each vector's values fill its own ``per_vector`` rows (:func:`vectors_scenario`), and each
    vector is a block of its own seeded as block ``block``, whose rows draw the same keyed numbers as every other
    vector's. The per-round Python, most of a block of 200 replications' time, is paid once per chunk of vectors
    instead of once per vector. A row's numbers depend on its own parameters and key only, so a vector's counts
    are the same whatever the chunk it runs in.
    """
    from sim.core.runner import run_blocks

    blocks = run_blocks(vectors_scenario(target, draws, lo, hi, per_vector), [(block, per_vector)] * (hi - lo), seed)
    counts = np.zeros((hi - lo, len(OUTCOMES)), dtype=np.int32)
    for i, out in enumerate(blocks):
        counts[i] = np.bincount(out["outcome"], minlength=len(OUTCOMES))[: len(OUTCOMES)]
    return counts


# ---------------------------------------------------------------- the whole calibration


@dataclass
class Calibration:
    """Everything the command writes: vectors, grid counts, weights, LOCO table and the forecasts."""

    specs: dict[str, Dist]
    draws: dict[str, np.ndarray]
    cases: list[str]
    actual: list[int]
    forecasts: list[str]
    counts: np.ndarray  # (C + F, K, 3): the cases, then the forecast targets
    per_vector: int
    seed: int
    log_ratio: np.ndarray | None = None  # (K,) log prior / proposal density (None: every vector from the prior)
    stage: np.ndarray | None = None  # (K,) the stage each vector was drawn in (0: the prior)

    @property
    def ratio(self) -> np.ndarray:
        return np.zeros(self.counts.shape[1]) if self.log_ratio is None else np.asarray(self.log_ratio, dtype=np.float64)

    @property
    def log_w(self) -> np.ndarray:
        """(K,) unnormalised log importance weights on all cases: log-likelihood estimate + log prior/proposal."""
        return log_weights(likelihoods(self.case_counts, self.actual, self.per_vector)) + self.ratio

    @property
    def khat(self) -> float:
        from sim.analysis.importance import pareto_khat

        return pareto_khat(self.log_w)

    @property
    def noise(self) -> float:
        from sim.analysis.importance import likelihood_noise

        return likelihood_noise(likelihoods(self.case_counts, self.actual, self.per_vector), self.per_vector, self.weights)

    @property
    def case_counts(self) -> np.ndarray:
        return self.counts[: len(self.cases)]

    @property
    def weights(self) -> np.ndarray:
        return normalise(self.log_w)

    @property
    def prior_weights(self) -> np.ndarray:
        """Equal weights on the vectors drawn from the prior (the first stage), none on the adaptive stages' (drawn
        from proposals fitted to the cases: counting them as prior draws moves the prior toward the posterior)."""
        K = self.counts.shape[1]
        prior = np.ones(K) if self.stage is None else (np.asarray(self.stage) == 0).astype(float)
        return prior / prior.sum()

    @property
    def ess(self) -> float:
        return kish_ess(self.weights)

    def loco(self) -> pd.DataFrame:
        return loco(self.case_counts, self.actual, self.cases, self.per_vector, self.ratio)

    def target_odds(self, name: str) -> dict[str, dict[str, dict[str, float]]]:
        """Prior and posterior odds (with their 5-95% spread across vectors) of a case or forecast target.

        The prior's are those of the vectors drawn from the prior (the first stage): the later stages' come from
        proposals fitted to the cases, and counting them as prior draws would move the prior toward the posterior.
        """
        i = [*self.cases, *self.forecasts].index(name)
        return {"prior": odds_spread(self.counts[i], self.prior_weights), "posterior": odds_spread(self.counts[i], self.weights)}

    def posterior_frame(self) -> pd.DataFrame:
        """posterior.parquet: one row per vector, its parameters, log-likelihood per case, weight."""
        frame = pd.DataFrame({p: np.asarray(v, dtype=np.float64) for p, v in self.draws.items()})
        p = likelihoods(self.case_counts, self.actual, self.per_vector)
        with np.errstate(divide="ignore"):
            for c, name in enumerate(self.cases):
                frame[f"loglik:{name}"] = np.log(p[c])
        frame["log_prior_ratio"] = self.ratio
        frame["stage"] = np.zeros(len(frame), dtype=np.int64) if self.stage is None else np.asarray(self.stage, dtype=np.int64)
        frame["weight"] = self.weights
        return frame


def stage_sizes(vectors: int, stages: int) -> list[int]:
    """How many vectors each stage draws: 40% from the prior, the rest split evenly over the adaptive stages."""
    if stages < 1:
        raise ConfigError(f"stages = {stages}: use a whole number >= 1")
    if stages == 1:
        return [vectors]
    first = max(math.ceil(0.4 * vectors), 1)
    rest = vectors - first
    if rest < stages - 1:
        raise ConfigError(f"vectors = {vectors} is too few for {stages} stages: use at least {first + stages - 1} vectors")
    return [first] + [rest // (stages - 1) + (1 if i < rest % (stages - 1) else 0) for i in range(stages - 1)]


def check_range_ends(targets: Sequence[Target], specs: Mapping[str, Dist]) -> None:
    """Each range's two ends set once on each target, before any work: a value a scenario refuses fails here."""
    for t in targets:
        if t.scenario is None:
            continue
        ends = {p: np.array([d.low, d.high]) for p, d in specs.items() if applies_to(p, t.actors)}
        if ends:
            with_draws(t.scenario, ends, t.aliases)


class Stage(NamedTuple):
    """An adaptive stage: the proposal fitted to the vectors so far, and the new vectors drawn from it."""

    proposal: Proposal
    draws: dict[str, np.ndarray]


def next_stage(
    specs: Mapping[str, Dist],
    draws: Mapping[str, np.ndarray],
    hits: np.ndarray,
    per_vector: int,
    proposals: Sequence[Proposal | None],
    sizes: Sequence[int],
    seed: np.random.SeedSequence,
) -> Stage:
    """The next stage, of ``sizes[-1]`` vectors: a proposal fitted to every vector so far (the earlier stages,
    ``sizes[:-1]``, drawn from ``proposals``; ``hits``: per case and vector, the replications that reproduced it)."""
    from sim.analysis import importance as imp

    paths = list(draws)
    z = imp.to_normal(specs, draws, paths)
    with np.errstate(divide="ignore"):
        loglik = np.log(hits / per_vector)
    ratio = imp.mixture_log_ratio(z, proposals, sizes[:-1])
    proposal = imp.propose(imp.fit_surrogate(z, hits, per_vector), z, loglik, ratio)
    new = imp.from_normal(specs, proposal.sample(sizes[-1], np.random.default_rng(seed)), paths)
    return Stage(proposal, new)


class _Grid:
    """The counts of one calibration's grid as its units (target t, chunk j of vectors) finish."""

    def __init__(self, targets: int, vectors: int, per_vector: int, chunk: int, save, progress) -> None:
        self.counts = np.zeros((targets, vectors, len(OUTCOMES)), dtype=np.int32)
        self.starts: list[int] = []  # global chunk index -> first vector
        self.per_vector, self.chunk, self.save, self.progress = per_vector, chunk, save, progress
        self.total = targets * vectors * per_vector
        self.done = 0

    def finished(self, t: int, j: int, c: np.ndarray, fresh: bool) -> None:
        lo = self.starts[j]
        self.counts[t, lo : lo + len(c)] = c
        if fresh and self.save is not None:
            self.save(t, j, c)
        self.done += len(c) * self.per_vector
        if self.progress:
            self.progress(self.done, self.total)

    def add_stage(self, lo: int, size: int) -> range:
        """The chunks of a stage's vectors ``lo`` to ``lo + size``, numbered after the earlier stages'."""
        first = len(self.starts)
        self.starts += list(range(lo, lo + size, self.chunk))
        return range(first, len(self.starts))

    def pending(self, chunks: range, load) -> list[tuple[int, int]]:
        """The units of ``chunks`` still to run; those ``load`` finds are counted as finished."""
        todo = []
        for t in range(len(self.counts)):
            for j in chunks:
                cached = load(t, j) if load is not None else None
                if cached is not None:
                    self.finished(t, j, cached, fresh=False)
                else:
                    todo.append((t, j))
        return todo

    def run(self, args: dict[tuple[int, int], tuple], run: Callable, workers: int) -> None:
        """Run each unit (``args``: its arguments to ``run``), in ``workers`` processes if more than one."""
        if workers == 1 or len(args) <= 1:
            for (t, j), a in args.items():
                self.finished(t, j, run(*a), fresh=True)
            return
        from concurrent.futures import as_completed

        from sim.core.pool import WorkerPool  # Ctrl-C or a failure ends the workers at once, not after their units

        with WorkerPool(workers) as pool:
            futures = {pool.submit(run, *a): unit for unit, a in args.items()}
            for fut in as_completed(futures):
                t, j = futures[fut]
                self.finished(t, j, fut.result(), fresh=True)


def _calibration(
    targets: Sequence[Target],
    specs: Mapping[str, Dist],
    draws: dict[str, np.ndarray],
    counts: np.ndarray,
    proposals: Sequence[Proposal | None],
    sizes: Sequence[int],
    per_vector: int,
    seed: int,
) -> Calibration:
    """The :class:`Calibration` of a finished grid: the cases first, then the forecasts, each in ``targets``' order."""
    from sim.analysis import importance as imp

    case_idx = [i for i, t in enumerate(targets) if t.actual is not None]
    fc_idx = [i for i, t in enumerate(targets) if t.actual is None]
    log_ratio = None
    if len(sizes) > 1:
        log_ratio = imp.mixture_log_ratio(imp.to_normal(specs, draws, list(draws)), proposals, sizes)
    return Calibration(
        specs=dict(specs),
        draws=draws,
        cases=[targets[i].name for i in case_idx],
        actual=[targets[i].actual_index for i in case_idx],
        forecasts=[targets[i].name for i in fc_idx],
        counts=counts[case_idx + fc_idx],
        per_vector=per_vector,
        seed=seed,
        log_ratio=log_ratio,
        stage=np.repeat(np.arange(len(sizes)), sizes),
    )


def calibrate(
    targets: Sequence[Target],
    specs: Mapping[str, Dist],
    *,
    vectors: int,
    per_vector: int,
    seed: int,
    stages: int = 1,
    chunk: int = 50,
    workers: int = 1,
    load: Callable[[int, int], np.ndarray | None] | None = None,
    save: Callable[[int, int, np.ndarray], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    run: Callable = run_vectors,
) -> Calibration:
    """Run every target under K vectors (common random numbers per target) and return the :class:`Calibration`.

    ``stages`` 1: all K vectors from the prior (plain importance weights over
    the prior). More: the first stage draws 40% of them from the prior, each
    later stage draws its share from a proposal fitted to every vector so far
    (:mod:`sim.analysis.importance`), and the weights pool the stages.

    Work is cut into units (target t, chunk j of vectors, numbered across
    stages); ``load(t, j)`` / ``save(t, j, counts)`` keep finished units
    (resume: a stage's vectors depend only on the seed and the earlier stages'
    counts), ``progress(done, total)`` counts episodes. ``workers`` > 1 runs
    units in processes; the counts do not depend on it (every unit's shocks
    are fixed by its target).
    """
    from sim.core.runner import one_blas_thread

    # The proposals' linear algebra (scipy's eigh and svd of a 100 x 100 matrix, about 55 times in a calibration)
    # on one BLAS thread, as the model's: OpenBLAS's threads waiting for each other on a busy machine made each take
    # 0.3 s instead of 2 ms. The numbers differ in the last bits from those of two threads, and so do the vectors
    # of the adaptive stages drawn from them: a calibration's results change once, then no longer depend on it.
    with one_blas_thread():
        return _calibrate(targets, specs, vectors, per_vector, seed, stages, chunk, workers, load, save, progress, run)


def _calibrate(targets, specs, vectors, per_vector, seed, stages, chunk, workers, load, save, progress, run) -> Calibration:
    from sim.analysis import importance as imp

    if per_vector < 1:
        raise ConfigError(f"per_vector = {per_vector}: use a whole number >= 1")
    sizes = stage_sizes(vectors, stages)
    draws = prior_draws(specs, sizes[0], seed)
    check_range_ends(targets, specs)
    grid = _Grid(len(targets), vectors, per_vector, chunk, save, progress)
    case_idx = [i for i, t in enumerate(targets) if t.actual is not None]
    actual = [targets[i].actual_index for i in case_idx]
    paths = list(draws)
    proposals: list[imp.Proposal | None] = [None]
    lo = 0
    for s, size in enumerate(sizes):
        if s > 0:  # a proposal fitted to every vector so far, its draws appended
            hits = grid.counts[case_idx, :lo][np.arange(len(case_idx)), :, actual]
            proposal, new = next_stage(specs, draws, hits, per_vector, proposals, sizes[: s + 1], stream(seed, VECTOR_STREAM, s))
            draws = {p: np.concatenate([draws[p], new[p]]) for p in paths}
            proposals.append(proposal)
        chunks = grid.add_stage(lo, size)
        todo = grid.pending(chunks, load)
        args = {
            (t, j): (targets[t], draws, grid.starts[j], min(grid.starts[j] + chunk, lo + size), per_vector, seed, t)
            for t, j in todo
        }
        grid.run(args, run, workers)
        lo += size
    return _calibration(targets, specs, draws, grid.counts, proposals, sizes, per_vector, seed)
