"""Odds beyond the configured values: across the assumptions' ranges, and weighted by history.

A plain run gives the odds *as configured*; its intervals are Monte Carlo
noise only. Two small two-level designs put that number in context
(issue 19, "No false precision"):

- **across the assumptions' ranges**: K parameter vectors drawn from the
  ranges of ``uncertainty=assumptions`` (state and behaviour alike, as
  ``python -m sim explore`` draws them), M replications each;
- **history-weighted**: K behavioural vectors resampled by weight from the
  posterior of ``python -m sim calibrate`` (state as the scenario sets it).

Each gives the mean odds and the 5th-95th percentiles of the odds across
vectors (the spread includes the binomial noise of M replications per
vector, about ``sqrt(p (1 - p) / M)``). Replication i of either design meets
the shocks of replication i of the plain run with the same seed (the same
blocks of the same seed), so the three sets of odds differ by their
parameters, not by their luck.

:func:`simulate_posterior` runs a whole scenario with each replication's
behaviour drawn from the posterior (``posterior=history``), block by block
like :func:`sim.core.runner.simulate`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np

from sim.analysis.weighting import weighted_quantiles
from sim.core.params import OUTCOMES, Scenario
from sim.core.paths import applies_to
from sim.core.runner import Results, block_sizes, episodes_frame, run_block
from sim.core.uncertainty import stream, with_draws

#: Spawn keys of the draw streams: the odds' vectors and the posterior run's resampling (apart from explore's 0, 1
#: and calibrate's 2).
ODDS_STREAM = 3
POSTERIOR_STREAM = 4


def vector_odds(
    scenario: Scenario,
    vectors: Mapping[str, np.ndarray],
    per_vector: int,
    seed: int,
    aliases: Mapping[str, str],
    *,
    block_size: int = 10_000,
) -> np.ndarray:
    """(K, 3) odds of each of the K vectors (``vectors``: (K,) per path), ``per_vector`` replications each."""
    K = len(next(iter(vectors.values()))) if vectors else 1
    n = K * per_vector
    which = np.repeat(np.arange(K), per_vector)
    outcomes = []
    start = 0
    for b, size in enumerate(block_sizes(n, block_size)):
        rows = which[start : start + size]
        draws = {p: np.asarray(x)[rows] for p, x in vectors.items()}
        scen = with_draws(scenario, draws, aliases, check=False) if draws else scenario
        outcomes.append(run_block(scen, size, seed, b)["outcome"])
        start += size
    out = np.concatenate(outcomes).reshape(K, per_vector)
    return np.stack([(out == j).mean(axis=1) for j in range(len(OUTCOMES))], axis=1)


def spread(p: np.ndarray) -> dict[str, dict[str, float]]:
    """Per outcome: the mean odds over vectors and their 5th and 95th percentiles."""
    w = np.ones(len(p))
    out = {}
    for j, o in enumerate(OUTCOMES):
        p5, p95 = weighted_quantiles(p[:, j], w, [0.05, 0.95])
        out[o] = {"p": float(p[:, j].mean()), "p5": float(p5), "p95": float(p95)}
    return out


def simulate_posterior(
    scenario: Scenario,
    draw: Callable[[int, np.random.Generator], dict[str, np.ndarray]],
    replications: int,
    seed: int,
    *,
    aliases: Mapping[str, str],
    block_size: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """A run whose replications each draw their behaviour with ``draw(n, rng)`` (e.g. a posterior resampled).

    Block b draws from ``stream(seed, 4, b)`` and meets the shocks of block b
    of the plain run; the same seed gives the same run.
    """
    scenario.validate()
    t0 = time.perf_counter()
    blocks = []
    done = 0
    for b, n in enumerate(block_sizes(int(replications), int(block_size))):
        rng = np.random.default_rng(stream(seed, POSTERIOR_STREAM, b))
        draws = draw(n, rng)
        blocks.append(run_block(with_draws(scenario, draws, aliases, check=False) if draws else scenario, n, seed, b))
        done += n
        if progress:
            progress(done, int(replications))
    return Results(scenario, int(seed), int(block_size), episodes_frame(scenario, blocks), time.perf_counter() - t0)


def held_paths(data: Mapping) -> set[str]:
    """Parameters this configuration sets to other values than the baseline's: its premise, never drawn."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.config.uncertainty import parameters

    values = parameters(data)
    default = parameters(OmegaConf.to_container(compose(["scenario=baseline"]), resolve=True))
    return {p for p, (v, _) in values.items() if p in default and default[p][0] != v}


def posterior_for(data: Mapping, file: str | None = "history"):
    """The posterior a run uses (its vectors restricted to this configuration's actors and free parameters), the
    stale note (or None) and the paths held at the configuration's values."""
    from sim.analysis.calibrate_cases import identity
    from sim.config.posterior import Posterior, read, resolve, stale_note

    path = resolve(file)
    if path is None:
        return None, None, set()
    post = read(path)
    note = stale_note(post, identity())
    actors = {k for k, a in (data.get("actors") or {}).items() if a}
    held = held_paths(data)
    keep = {p: x for p, x in post.draws.items() if p not in held and applies_to(p, actors)}
    return Posterior(post.path, keep, post.weights, post.meta), note, held & set(post.draws)
