"""Monte Carlo runs: many replications of one scenario, in seeded blocks.

Replications run in blocks of ``block_size``; block ``b`` of a run with master
seed ``s`` is seeded by ``SeedSequence(s, spawn_key=(b,))``, so a block's
results depend only on the master seed, the block size and its index: they
are the same whether the blocks run in one process or are spread over many.
The block size is therefore part of what identifies a run (like the seed), and
the summary records it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model import OUTCOMES, NegotiationModel, cause_names
from sim.params import ConfigError, Scenario
from sim.stats import summarize

DEFAULT_BLOCK_SIZE = 10_000


def block_sizes(replications: int, block_size: int) -> list[int]:
    """Sizes of the blocks a run of ``replications`` is cut into (the last one may be shorter)."""
    full, rest = divmod(replications, block_size)
    return [block_size] * full + ([rest] if rest else [])


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    """The seed of one block, derived from the master seed and the block's index only."""
    return np.random.SeedSequence(seed, spawn_key=(block,))


def run_block(scenario: Scenario, n: int, seed: int, block: int) -> dict[str, np.ndarray]:
    """Run one block of ``n`` replications to the end; return its per-replication arrays."""
    model = NegotiationModel(scenario, n, block_seed(seed, block)).run()
    weights = 1 << np.arange(len(scenario.issues), dtype=np.int64)
    scope_code = np.where(model.final_settled, model.final_agenda @ weights, -1)
    return {
        "outcome": model.outcome,
        "round": model.end_round,
        "cause": model.cause,
        "scope_code": scope_code,
        "final_tension": model.final_tension.astype(np.float32),
        "terms": np.where(model.outcome[:, None] == 0, model.terms, np.nan).astype(np.float32),
        "on_agenda": model.final_agenda & model.final_settled[:, None],
    }


def scope_label(scenario: Scenario, code: int) -> str:
    """Readable agenda scope for a bitmask code (-1: the agenda was never settled)."""
    if code < 0:
        return "unsettled"
    return scenario.scope_label(i.name for k, i in enumerate(scenario.issues) if code >> k & 1)


def episodes_frame(scenario: Scenario, blocks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One row per replication: outcome, round, cause, agenda scope, deal terms, final tension."""
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    causes = cause_names(scenario)
    codes = np.unique(cols["scope_code"])
    labels = {int(c): scope_label(scenario, int(c)) for c in codes}
    frame = pd.DataFrame(
        {
            "replication": np.arange(len(cols["outcome"]), dtype=np.int64),
            "outcome": pd.Categorical.from_codes(cols["outcome"].astype(np.int64), categories=list(OUTCOMES)),
            "round": cols["round"],
            "cause": pd.Categorical.from_codes(cols["cause"].astype(np.int64), categories=list(causes)),
            "scope": pd.Categorical([labels[int(c)] for c in codes])[np.searchsorted(codes, cols["scope_code"])],
            "final_tension": cols["final_tension"],
        }
    )
    for k, issue in enumerate(scenario.issue_names):
        frame[f"term_{issue}"] = cols["terms"][:, k]
    for k, issue in enumerate(scenario.issue_names):
        frame[f"on_agenda_{issue}"] = cols["on_agenda"][:, k]
    return frame


@dataclass
class Results:
    """What one Monte Carlo run returns: the per-replication table and its summary."""

    scenario: Scenario
    seed: int
    block_size: int
    episodes: pd.DataFrame
    elapsed_s: float
    summary: dict = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.episodes)
        self.summary = {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "block_size": self.block_size,
            **summarize(self.episodes, self.scenario.issue_names),
            "elapsed_s": self.elapsed_s,
            "episodes_per_s": n / self.elapsed_s if self.elapsed_s > 0 else math.inf,
        }

    @property
    def probabilities(self) -> dict[str, float]:
        return {o: self.summary[f"p_{o}"] for o in OUTCOMES}


def simulate(
    scenario: Scenario,
    replications: int,
    seed: int = 0,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run ``replications`` episodes of ``scenario`` and summarise them.

    ``workers`` > 1 spreads the blocks over that many processes; the results
    are identical to ``workers=1``. ``progress(done, total)`` is called with
    the number of replications finished after each block.
    """
    if not isinstance(replications, int | np.integer) or isinstance(replications, bool) or replications < 1:
        raise ConfigError(f"replications = {replications!r}: use a whole number >= 1")
    if not isinstance(block_size, int | np.integer) or block_size < 1:
        raise ConfigError(f"block_size = {block_size!r}: use a whole number >= 1")
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise ConfigError(f"workers = {workers!r}: use a whole number >= 1")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed = {seed!r}: use a whole number >= 0")
    scenario.validate()
    sizes = block_sizes(int(replications), int(block_size))
    start = time.perf_counter()
    blocks: list[dict] = [{}] * len(sizes)
    done = 0
    if workers == 1 or len(sizes) == 1:
        for b, n in enumerate(sizes):
            blocks[b] = run_block(scenario, n, seed, b)
            done += n
            if progress:
                progress(done, replications)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(sizes))) as pool:
            futures = [pool.submit(run_block, scenario, n, seed, b) for b, n in enumerate(sizes)]
            for b, fut in enumerate(futures):
                blocks[b] = fut.result()
                done += sizes[b]
                if progress:
                    progress(done, replications)
    episodes = episodes_frame(scenario, blocks)
    return Results(scenario, int(seed), int(block_size), episodes, time.perf_counter() - start)


def episode(scenario: Scenario, seed: int = 0, *, trace: bool = True, record: bool = True) -> NegotiationModel:
    """Replication 0 of ``simulate(scenario, 1, seed)`` as an ordinary Mesa episode, with narrative and record."""
    return NegotiationModel(scenario, 1, block_seed(seed, 0), trace=trace, record=record).run()
