"""The design of an exploration: which parameter vector each replication of a run draws.

See :mod:`sim.analysis.explore` for the two designs a run is cut into (the
episode design, every replication its own vector; the two-level design, K
vectors of M replications each) and the streams their draws come from.
:class:`Exploration` holds what running a design gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.core.params import Scenario
from sim.core.uncertainty import Dist, parse_dist, sample, stream, with_draws

DUMMY = "dummy (no effect)"
DUMMY_DIST = parse_dist(DUMMY, {"dist": "uniform", "low": 0.0, "high": 1.0})
#: 0/1 outcomes besides the three endings that are analysed when the engine reports them.
EXTRA_OUTCOMES = ("any_strike",)


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


def scenario_for(scenario: Scenario, design: Design, draws: Mapping[str, np.ndarray], aliases) -> Scenario:
    """The scenario of a block: every parameter of ``design`` set to the block's ``draws`` (per replication)."""
    values = {}
    for path, dist in design.specs.items():
        values[path] = draws[path] if (not dist.is_point or design.points_as_arrays) else dist.low
    return with_draws(scenario, values, aliases, check=False) if values else scenario  # supports checked in explore()


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
