"""Monte Carlo runs: many replications of one scenario, in seeded blocks.

Replications run in blocks of ``block_size``; block ``b`` of a run with master
seed ``s`` is seeded by ``SeedSequence(s, spawn_key=(b,))``, so a block's
results depend only on the master seed, the block size and its index: they
are the same whether the blocks run in one process or are spread over many.
The block size is therefore part of what identifies a run (like the seed), and
the summary records it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from sim.core.interrupt import Interrupted as Interrupted  # raised here; defined apart for a light import
from sim.core.memory import tune_allocator
from sim.core.model import DEAL_TYPES, OUTCOMES, NegotiationModel, cause_names
from sim.core.params import ConfigError, Scenario
from sim.core.pool import WorkerPool, deferred_signals
from sim.core.stats import summarize

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
    return run_blocks(scenario, [(block, n)], seed)[0]


#: At most this many replications of several blocks in one batch (:func:`run_blocks`): memory grows with it.
JOINT_ROWS = 100_000


def has_arrays(value) -> bool:
    """Whether a scenario (or any part of it) holds a parameter drawn per replication (an array, issue 12)."""
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(has_arrays(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return any(has_arrays(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_arrays(v) for v in value)
    return False


@functools.cache
def _blas():
    """threadpoolctl's view of the BLAS libraries loaded (looked up once: it walks the process's libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS runs on one thread: the model's products are (R, I) @ (I,), a few microseconds of
    work per thousand rows, and OpenBLAS's threads waiting for each other on a busy machine cost up to 20 times
    that (each row's sum is computed alike whatever the number of threads: the same numbers)."""
    return _blas().limit(limits=1, user_api="blas")


def run_blocks(scenario: Scenario, blocks: list[tuple[int, int]], seed: int) -> list[dict[str, np.ndarray]]:
    """Run blocks ``(index, size)`` of one run together in one batch; return each block's per-replication arrays.

    Each block draws from its own seeded streams exactly what it draws when run
    alone, so its arrays are those of ``run_block`` bit for bit; together they
    share what a round costs whatever the number of rows (most of a block's
    time once few of its replications are left: one round is a week and the
    last replications run to round 55-87). Only for a scenario without
    parameters drawn per replication (those arrays belong to one block).
    """
    tune_allocator()
    with one_blas_thread():
        model = NegotiationModel(scenario, blocks=[(block_seed(seed, b), n) for b, n in blocks]).run()
    weights = 1 << np.arange(len(scenario.issues), dtype=np.int64)
    scope_code = np.where(model.final_settled, model.final_agenda @ weights, -1)
    arrays: dict[str, np.ndarray] = {
        "outcome": model.outcome,
        "round": model.end_round,
        "cause": model.cause,
        "scope_code": scope_code,
        "final_tension": model.final_tension.astype(np.float32),
        "terms": np.where(model.outcome[:, None] == 0, model.terms, np.nan).astype(np.float32),
        "on_agenda": model.final_agenda & model.final_settled[:, None],
        "any_strike": model.any_strike,
        "severity": model.severity,
        "resumed": model.resumed,
        "deal_type": model.deal_type,
        "first_strike": model.first_strike,
        "force_value": model.force_value.astype(np.float32),
        "continue_value": model.continue_value.astype(np.float32),
        "ratification_failures": model.ratification_failures,
        "pauses": model.pauses,
        "coercion_steps": model.coercion_steps,
        "ultimatum_lapsed": model.ultimatum_lapsed,
        "joined_strike": model.joined_strike,
        "backed_down": model.backed_down,
    }
    if len(blocks) == 1:
        return [arrays]
    starts = model.block_starts
    return [{k: v[starts[j] : starts[j + 1]].copy() for k, v in arrays.items()} for j in range(len(blocks))]


def block_groups(blocks: list[int], sizes: list[int], parts: int = 1, rows: int | None = None) -> list[list[int]]:
    """Cut blocks into consecutive groups of about equal size run together (:func:`run_blocks`): as many as
    needed to keep each to about ``rows`` replications, and at least ``parts`` (one per worker) when there
    are that many blocks."""
    if not blocks:
        return []
    rows = JOINT_ROWS if rows is None else rows
    count = max(min(parts, len(blocks)), -(-sum(sizes[b] for b in blocks) // rows))
    return [[int(b) for b in part] for part in np.array_split(np.asarray(blocks), min(count, len(blocks)))]


def scope_label(scenario: Scenario, code: int) -> str:
    """Readable agenda scope for a bitmask code (-1: the agenda was never settled)."""
    if code < 0:
        return "unsettled"
    return scenario.scope_label(i.name for k, i in enumerate(scenario.issues) if code >> k & 1)


def episodes_frame(scenario: Scenario, blocks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One row per replication: outcome, round, cause, agenda scope, final tension, strikes, deal terms.

    ``any_strike``: a strike (or a spiral or collapse into confrontation)
    happened during the talks; ``severity``: the highest rung of the
    escalation ladder reached (0 none, 1 limited strike, 2 retaliation, 3 war);
    ``resumed``: the talks resumed after a strike; ``first_strike``: who
    struck first (a cause label; empty without a strike by an actor); ``deal_type``: full or
    interim (empty without a deal); ``force_value`` and ``continue_value``: for
    an escalation decided by a principal or a spoiler, the value of force and
    of continuing as that actor judged them at the moment it struck;
    ``ratification_failures``: packages both signed that a side's veto players
    then rejected (a cause ``<name>_ratification`` when one ended the talks).
    ``pauses``: weeks (rounds) the talks were paused by scheduled transitions;
    ``coercion_steps``: rungs below war taken (sabotage, new sanctions,
    enrichment steps); ``ultimatum_lapsed``: an ultimatum's deadline lapsed;
    ``joined_strike``: the ally that joined a strike (a cause label; empty if none);
    ``backed_down``: the week a principal first dropped its stated public position (mapping rule 22,
    ``rules.backs_down``), 0 if none did.
    """
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
            "any_strike": cols["any_strike"],
            "severity": cols["severity"],
            "resumed": cols["resumed"],
            "first_strike": pd.Categorical.from_codes(cols["first_strike"].astype(np.int64), categories=list(causes)),
            "deal_type": pd.Categorical.from_codes(cols["deal_type"].astype(np.int64), categories=list(DEAL_TYPES)),
            "force_value": cols["force_value"],
            "continue_value": cols["continue_value"],
            "ratification_failures": cols["ratification_failures"],
            "pauses": cols["pauses"],
            "coercion_steps": cols["coercion_steps"],
            "ultimatum_lapsed": cols["ultimatum_lapsed"],
            "joined_strike": pd.Categorical.from_codes(cols["joined_strike"].astype(np.int64), categories=list(causes)),
            "backed_down": cols["backed_down"],
        }
    )
    for k, issue in enumerate(scenario.issue_names):
        frame[f"term_{issue}"] = cols["terms"][:, k]
    for k, issue in enumerate(scenario.issue_names):
        frame[f"on_agenda_{issue}"] = cols["on_agenda"][:, k]
    return frame


class BlockStore(Protocol):
    """Where finished blocks are kept, so that a run that fails part-way loses nothing (see sim.io).

    ``load`` returns a block only if it is exactly block ``block`` of ``n``
    replications of this run; ``save`` is called as soon as a block finishes.
    """

    def load(self, block: int, n: int) -> dict[str, np.ndarray] | None: ...

    def save(self, block: int, arrays: dict[str, np.ndarray]) -> None: ...


@dataclass(repr=False)
class Results:
    """What one Monte Carlo run returns: the per-replication table and its summary.

    Its repr is one line (scenario, replications, seed, odds); in Jupyter it shows as a small table of
    the odds with their 95% intervals (``_repr_html_``).
    """

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

    def __repr__(self) -> str:
        odds = ", ".join(f"{o} {100 * p:.1f}%" for o, p in self.probabilities.items())
        n = self.summary["replications"]
        return f"Results({self.scenario.name}: {n:,} replications, seed {self.seed}; {odds})"

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{o}</td><td>{100 * self.summary[f'p_{o}']:.1f}%</td>"
            f"<td>[{100 * self.summary['ci95'][o][0]:.1f}%, {100 * self.summary['ci95'][o][1]:.1f}%]</td></tr>"
            for o in OUTCOMES
        )
        head = f"{escape(self.scenario.name)}: {self.summary['replications']:,} replications, seed {self.seed}"
        return f"<p><b>{head}</b></p><table><tr><th>outcome</th><th>probability</th><th>95% interval</th></tr>{rows}</table>"


def check_run_size(replications, block_size, workers, seed) -> None:
    """Each of a run's sizes a whole number at or above its least value; ConfigError naming the first that is not."""
    for key, value, low in (
        ("replications", replications, 1),
        ("block_size", block_size, 1),
        ("workers", workers, 1),
        ("seed", seed, 0),
    ):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{key} = {value!r}: use a whole number >= {low}")


class _Progress:
    """A run's blocks as they finish: kept in order, saved to the store when fresh, counted for ``progress``."""

    def __init__(self, sizes: list[int], replications: int, store: BlockStore | None, progress) -> None:
        self.sizes, self.replications, self.store, self.progress = sizes, replications, store, progress
        self.blocks: list[dict] = [{}] * len(sizes)
        self.done = self.finished_blocks = 0

    def finished(self, b: int, arrays: dict, fresh: bool) -> None:
        self.blocks[b] = arrays
        if fresh and self.store is not None:
            self.store.save(b, arrays)
        self.finished_blocks += 1
        self.done += self.sizes[b]
        if self.progress:
            self.progress(self.done, self.replications)

    def to_run(self) -> list[int]:
        """The blocks the store does not hold; those it holds are counted as finished."""
        todo = []
        for b, n in enumerate(self.sizes):
            cached = self.store.load(b, n) if self.store is not None else None
            if cached is None:
                todo.append(b)
            else:
                self.finished(b, cached, fresh=False)
        return todo


def _run_here(scenario: Scenario, groups: list[list[int]], seed: int, run: _Progress) -> None:
    """Run the groups of blocks one after the other in this process."""
    for group in groups:
        for b, arrays in zip(group, run_blocks(scenario, [(b, run.sizes[b]) for b in group], seed), strict=True):
            run.finished(b, arrays, fresh=True)


def _run_in_pool(scenario: Scenario, groups: list[list[int]], seed: int, workers: int, run: _Progress) -> None:
    """Run the groups of blocks in up to ``workers`` processes; a signal ends the workers at once."""
    with deferred_signals() as signalled, WorkerPool(min(workers, len(groups))) as pool:
        pending = {pool.submit(run_blocks, scenario, [(b, run.sizes[b]) for b in group], seed): group for group in groups}
        while pending and not signalled:
            ready, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in ready:
                for b, arrays in zip(pending.pop(fut), fut.result(), strict=True):
                    run.finished(b, arrays, fresh=True)
        if signalled:
            pool.stop()


def simulate(
    scenario: Scenario,
    replications: int,
    seed: int = 0,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    store: BlockStore | None = None,
) -> Results:
    """Run ``replications`` episodes of ``scenario`` and summarise them.

    ``workers`` > 1 spreads the blocks over that many processes; the results
    are identical to ``workers=1``. ``progress(done, total)`` is called with
    the number of replications finished after each block. With a ``store``,
    every finished block is saved as soon as it is done and blocks already in
    the store are not run again, so an interrupted run resumes where it stopped.
    Ctrl-C raises :class:`Interrupted` (a ``KeyboardInterrupt``) with the
    number of blocks finished, after ending the worker processes at once.
    """
    check_run_size(replications, block_size, workers, seed)
    scenario.validate()
    sizes = block_sizes(int(replications), int(block_size))
    start = time.perf_counter()
    run = _Progress(sizes, int(replications), store, progress)
    todo = run.to_run()
    # Blocks run together in groups (the same numbers as one at a time, :func:`run_blocks`), unless the scenario
    # has parameters drawn per replication (arrays over one block's replications).
    joint = not has_arrays(scenario)
    groups = block_groups(todo, sizes, workers) if joint else [[b] for b in todo]
    try:
        if workers == 1 or len(groups) <= 1:
            _run_here(scenario, groups, seed, run)
        else:
            _run_in_pool(scenario, groups, seed, workers, run)
    except KeyboardInterrupt as exc:
        if isinstance(exc, Interrupted):
            raise
        raise Interrupted(run.finished_blocks, len(sizes)) from None
    episodes = episodes_frame(scenario, run.blocks)
    return Results(scenario, int(seed), int(block_size), episodes, time.perf_counter() - start)


def episode(scenario: Scenario, seed: int = 0, *, trace: bool = True, record: bool = True) -> NegotiationModel:
    """Replication 0 of ``simulate(scenario, 1, seed)`` as an ordinary Mesa episode, with narrative and record."""
    return NegotiationModel(scenario, 1, block_seed(seed, 0), trace=trace, record=record).run()
