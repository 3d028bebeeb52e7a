"""The shared state of a batch of replications: what every agent reads and the model advances.

One :class:`BatchState` holds the world and the talks for the ``m`` replications
of a batch still running, as NumPy arrays with the replications on their first
axis (``world`` has them on its second). Agents read it and write only their own
arrays; the model advances it round by round and drops ended replications from
it (:meth:`compact`). Nothing here draws random numbers or decides anything.
"""

from __future__ import annotations

import numpy as np

from sim.core import rules
from sim.core.params import WORLD_VARS, Scenario
from sim.core.ufuncs import clip


def scalar(value) -> bool:
    """Whether a parameter is one value for every replication (``np.ndim(value) == 0``), quickly for the usual types.

    Parameters are read about a hundred times a round; ``np.ndim`` on a float costs 2 microseconds, as much as
    the arithmetic on a block of 200 replications."""
    kind = type(value)
    if kind is float or kind is int:
        return True
    if kind is np.ndarray:
        return value.ndim == 0
    return not np.ndim(value)


def issue_values(values, n: int) -> np.ndarray:
    """Per-issue parameters as one array: (I,), or (n, I) when any is an array over the n replications (issue 12)."""
    values = list(values)
    if not any(np.ndim(v) for v in values):
        return np.array(values, dtype=float)
    by_issue = np.empty((len(values), n))
    for k, v in enumerate(values):  # contiguous writes, then one transposing copy: far quicker than np.stack here
        by_issue[k] = v
    return np.ascontiguousarray(by_issue.T)


class BatchState:
    """World and talks of the replications of a batch still running."""

    #: Per-replication arrays (first axis over replications), dropped with the replications that end.
    REP_ARRAYS = (
        "settled",
        "agenda",
        "proposal",
        "proposed",
        "proposal_seen",
        "failures",
        "procedural",
        "events_now",
        "deadline",
        "deal_chance",
        "ids",
        "alive",
    )

    def __init__(self, scenario: Scenario, n: int) -> None:
        w = scenario.world
        n_issues = len(scenario.issues)
        self.n = n
        self.m = n
        self.round = 0
        self.issue_names = scenario.issue_names
        # (I,), or (n, I) when drawn per replication (issue 12): rows are read through issue_rows below
        self.status_quo = issue_values([i.status_quo for i in scenario.issues], n)
        self.world = np.array([np.broadcast_to(np.asarray(getattr(w, v), dtype=float), (n,)) for v in WORLD_VARS])
        self.ids = np.arange(n)  # original index of each held replication
        self.compacted = False  # True once a replication has been dropped (ids no longer 0..n-1)
        self._held: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # parameter arrays indexed by ids, per compaction
        # The (n,) parameter arrays read before the first compaction, stacked then into one (K, n) matrix whose
        # held columns each compaction gathers in one go (a hundred separate gathers cost several times more).
        self._read: dict[int, np.ndarray] = {}
        self._stacked: tuple[list[np.ndarray], np.ndarray] | None = None
        self.alive = np.ones(n, dtype=bool)
        self.settled = np.zeros(n, dtype=bool)
        self.agenda = np.zeros((n, n_issues), dtype=bool)
        self.proposal = np.tile(self.status_quo, (n, 1)) if self.status_quo.ndim == 1 else self.status_quo.copy()
        self.proposed = np.zeros(n, dtype=bool)  # a package was on the table this round
        self.proposal_seen = np.zeros(n, dtype=bool)  # a package has been on the table at least once
        self.failures = np.zeros(n)  # rounds that ended without a deal (agenda disputes and refusals)
        self.procedural = np.zeros(n)  # refused rounds at a known deadlock: talks about talks, no failure
        self.events_now = np.zeros((n, len(scenario.events)), dtype=bool)
        self.deadline = np.full(n, int(w.deadline), dtype=np.int32)
        self.deal_chance = np.zeros(n)  # the mediator's belief that this round's package would be signed
        self.relief = 0.0  # tension removed this round by mediators and stakeholders

    def held(self, value):
        """A parameter for the replications held: a scalar as it is, an array over the batch's replications
        (issue 12: parameters drawn per replication) indexed by the original index of those still running.

        Parameters are read many times a round and never written: the array itself while no replication has
        ended, else its rows indexed once per compaction and kept (callers only read what this returns).
        """
        if scalar(value):
            return value
        if not self.compacted:
            if value.shape == (self.n,) and value.dtype == np.float64:  # gathered with the others at each compaction
                self._read.setdefault(id(value), value)
            return value
        hit = self._held.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        rows = np.take(value, self.ids, axis=0)  # for (n, I) arrays several times faster than value[self.ids]
        self._held[id(value)] = (value, rows)
        return rows

    def var(self, name: str) -> np.ndarray:
        return self.world[WORLD_VARS.index(name)]

    def add(self, name: str, delta, rows: np.ndarray | None = None) -> None:
        """Add ``delta`` to world variable ``name`` (kept in [0, 1]): in every held replication, or in rows ``rows``."""
        i = WORLD_VARS.index(name)
        if rows is None:
            self.world[i] = clip(self.world[i] + delta, 0.0, 1.0)
        else:
            self.world[i, rows] = clip(self.world[i, rows] + delta, 0.0, 1.0)

    def set(self, name: str, value: np.ndarray) -> None:
        self.world[WORLD_VARS.index(name)] = value

    @property
    def tension(self) -> np.ndarray:
        return self.var("tension")

    @property
    def nuclear_progress(self) -> np.ndarray:
        return self.var("nuclear_progress")

    @property
    def military_posture(self) -> np.ndarray:
        return self.var("military_posture")

    @property
    def unrest(self) -> np.ndarray:
        return self.var("unrest")

    @property
    def sanctions(self) -> np.ndarray:
        return self.var("sanctions")

    @property
    def drag(self) -> np.ndarray:
        """How likely a round is to fail, judged from the rounds so far (see :func:`rules.failure_estimate`).

        Rounds of talks about talks (a refusal at a known deadlock, :func:`rules.talks_about_talks`) are left out.
        """
        return rules.failure_estimate(self.failures, self.round - self.procedural)

    def compact(self, keep: np.ndarray) -> None:
        """Keep the replications ``keep`` (indices, ascending) in every array, dropping the others."""
        self.world = np.take(self.world, keep, axis=1)
        for name in self.REP_ARRAYS:
            setattr(self, name, np.take(getattr(self, name), keep, axis=0))
        self.m = len(self.ids)
        self.compacted = True
        self._held = {}
        if self._stacked is None and self._read:
            arrays = list(self._read.values())
            self._stacked = (arrays, np.stack(arrays))
        if self._stacked is not None:
            arrays, matrix = self._stacked
            rows = np.take(matrix, self.ids, axis=1)
            self._held = {id(a): (a, rows[k]) for k, a in enumerate(arrays)}


def issue_rows(state: BatchState, value: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """A per-issue parameter for rows ``rows`` of the held replications: (I,) as it is, (n, I) indexed."""
    if np.ndim(value) < 2:
        return value
    if rows is None:
        return state.held(value)
    return np.take(value, state.ids[rows], axis=0)  # straight from the batch's rows: one gather, not two


def at(value, rows: np.ndarray):
    """A parameter for a subset ``rows`` of the held replications: a scalar as it is, an array indexed."""
    return value if scalar(value) else value[rows]


def issue_bits(flags: np.ndarray) -> np.ndarray:
    """Boolean flags over issues (..., I) as bit masks (...,): bit k set when issue k is flagged."""
    return np.asarray(flags, dtype=np.int64) @ (1 << np.arange(np.shape(flags)[-1], dtype=np.int64))


def issue_flags(bits: np.ndarray, n_issues: int) -> np.ndarray:
    """Bit masks (...,) as boolean flags over issues (..., I)."""
    return (np.asarray(bits)[..., None] >> np.arange(n_issues, dtype=np.int64)) & 1 == 1
