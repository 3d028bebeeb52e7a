"""The mediator (Oman): proposes packages from its beliefs, learns from the answers, builds trust."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import rules
from sim.core.agents.actor import Actor
from sim.core.state import at
from sim.core.ufuncs import clip


class MediatorAgent(Actor):
    """A mediator (Oman): proposes packages from its beliefs, learns, de-escalates, builds trust."""

    role = "mediator"
    REP_ARRAYS = ("lo", "hi")

    def __init__(self, model: mesa.Model, params) -> None:
        super().__init__(model, params)
        self.lo = np.zeros((self.state.n, 2))
        self.hi = np.zeros((self.state.n, 2))

    @staticmethod
    def lead(mediators: tuple[MediatorAgent, ...]) -> MediatorAgent | None:
        """The mediator that proposes: the most effective (on average over replications), None without one."""
        return max(mediators, key=lambda m: float(np.mean(m.params.effectiveness)), default=None)

    @staticmethod
    def combined_standing(mediators: tuple[MediatorAgent, ...]):
        """The chance that some mediator's standing holds a bad round (a scalar, or (n,) when one is drawn)."""
        unmoved: float | np.ndarray = 1.0  # the chance that no mediator's standing holds it
        for m in mediators:
            unmoved = unmoved * (1.0 - np.asarray(m.params.standing, dtype=float))
        return 1.0 - unmoved

    def sway(self, rows: np.ndarray):
        """How far, as lead mediator, it moves an insisting side toward a parallel track in ``rows``: its
        effectiveness (:func:`rules.parallel_track_acceptance`, :meth:`PrincipalAgent.soften_stance`)."""
        return at(self.p("effectiveness"), rows)

    def meet(self, principals) -> None:
        """Its prior about each principal's resolve: uniform on [-spread, spread]."""
        for k, p in enumerate(principals):
            self.lo[:, k] = -p.params.resolve_spread
            self.hi[:, k] = p.params.resolve_spread

    def step(self) -> None:
        """Keep the channel open: take tension off and build trust between the principals."""
        self.state.relief = self.state.relief + self.p("deescalation")
        for p in self.model.principals:
            p.trust = clip(p.trust + self.p("trust_building"), 0.0, 1.0)

    def propose(self, rows: np.ndarray, normal_draws: np.ndarray, incentive) -> np.ndarray:
        """Packages for replications ``rows``: the Nash package over its estimates of each side's outside option.

        ``normal_draws`` (m, 2) covers every held replication. The frontier is
        the model's, computed once per run (:func:`rules.nash_frontier`): its
        rows for ``rows`` when it is per replication (issue 12).
        """
        model, s = self.model, self.state
        a, b = model.principals
        frontier = model.frontier.take(lambda packed: np.take(packed, s.ids[rows], axis=0))  # one gather per round
        d = []
        effectiveness, noise, incentive = (at(x, rows) for x in (self.p("effectiveness"), self.p("proposal_noise"), incentive))
        for k, pr in enumerate((a, b)):
            guess = rules.estimated_resolve(
                self.lo[rows, k], self.hi[rows, k], at(pr.p("resolve_spread"), rows), effectiveness, noise, normal_draws[rows, k]
            )
            d.append(pr.disagreement(rows, guess, incentive))
        return rules.nash_solve(frontier, d[0], d[1], s.agenda[rows])

    def learn(self, rows: np.ndarray, answers: list[np.ndarray]) -> np.ndarray:
        """Update its beliefs from both answers; return the chance it gave the package of being signed."""
        chance = np.ones(len(rows))
        for k, (p, accepted) in enumerate(zip(self.model.principals, answers, strict=True)):
            lo, hi = self.lo[rows, k], self.hi[rows, k]
            chance = chance * np.where(p.within[rows], rules.belief_acceptance_chance(lo, hi, p.cutoff[rows]), 0.0)
            self.lo[rows, k], self.hi[rows, k] = rules.update_belief(lo, hi, p.cutoff[rows], accepted, p.within[rows])
        return chance
