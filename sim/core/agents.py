"""The actors as Mesa agents, one class per role.

Each agent holds its parameters and its state as NumPy arrays over the
replications of the batch its model advances: ``trust`` has shape (R,), a
stated ``position`` (R, I). Agents decide by calling the rules in
:mod:`sim.core.rules`; they never draw random numbers themselves: the model hands
them its draws, so that every mechanism keeps its own random stream (common
random numbers across configurations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import rules
from sim.core.params import WORLD_VARS, Principal, Spoiler

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel


def _bounds(red_lines: dict, issues: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Red lines as (low, high) arrays over issues; an issue without one is [0, 1]."""
    low = np.array([red_lines.get(i, (0.0, 1.0))[0] for i in issues], dtype=float)
    high = np.array([red_lines.get(i, (0.0, 1.0))[1] for i in issues], dtype=float)
    return low, high


def issue_bits(flags: np.ndarray) -> np.ndarray:
    """Boolean flags over issues (..., I) as bit masks (...,): bit k set when issue k is flagged."""
    return np.asarray(flags, dtype=np.int64) @ (1 << np.arange(np.shape(flags)[-1], dtype=np.int64))


def issue_flags(bits: np.ndarray, n_issues: int) -> np.ndarray:
    """Bit masks (...,) as boolean flags over issues (..., I)."""
    return (np.asarray(bits)[..., None] >> np.arange(n_issues, dtype=np.int64)) & 1 == 1


class Actor(mesa.Agent):
    """Common base: every actor has a name, a role and its parameters."""

    role = "actor"

    def __init__(self, model: NegotiationModel, params) -> None:
        super().__init__(model)
        self.params = params
        self.name = params.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class PrincipalAgent(Actor):
    """A principal at the table (the US, Iran): agenda stance, aspiration, answers, force."""

    role = "principal"
    REP_ARRAYS = ("insists", "refuses", "trust", "hardening", "reservation", "aspiration",
                  "conceded", "last_utility", "last_within")

    def __init__(self, model: NegotiationModel, params: Principal) -> None:
        super().__init__(model, params)
        issues = model.issue_names
        n = model.n
        self.ideal = np.array([params.ideal[i] for i in issues], dtype=float)
        self.salience = np.array([params.salience.get(i, 0.0) for i in issues], dtype=float)
        self.low, self.high = _bounds(params.red_lines, issues)
        # Agenda stances as bit masks over the issues (bit k: issue k), one per replication.
        self.insists = np.full(n, issue_bits(np.isin(issues, params.insists)))
        self.refuses = np.full(n, issue_bits(np.isin(issues, params.refuses)))
        self.pressure_vars = [WORLD_VARS.index(k) for k in params.pressure]
        self.sensitivity = np.array(list(params.pressure.values()), dtype=float)
        self.trust = np.full(n, params.trust)
        self.hardening = np.zeros(n)
        self.reservation = np.full(n, params.no_deal_value)
        self.aspiration = np.ones(n)
        self.conceded = np.zeros(n)
        self.last_utility = np.zeros(n)
        self.last_within = np.zeros(n, dtype=bool)

    def update_reservation(self, world: np.ndarray) -> None:
        """Recompute the value of no deal from the world state (K, R) and lobbying."""
        self.reservation = rules.no_deal_value(
            self.params.no_deal_value, self.sensitivity, world[self.pressure_vars], self.hardening
        )

    def update_aspiration(self, t: float, push: np.ndarray, unrest: np.ndarray) -> None:
        """Concede along the Faratin curve, pushed by stakeholders, floored by domestic cost."""
        p = self.params
        self.conceded = np.clip(rules.faratin_concession(t, p.concession_k, p.concession_e) + push, 0.0, 1.0)
        floor = np.minimum(1.0, self.reservation + p.sovereignty_cost * unrest)
        self.aspiration = rules.aspiration(floor, self.conceded)

    def evaluate(self, package: np.ndarray, agenda: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Utility of the package and whether its agenda terms respect this principal's red lines."""
        return rules.utility(package, self.ideal, self.salience), rules.inside(package, self.low, self.high, agenda)

    @property
    def position(self) -> np.ndarray:
        """Stated position (R, I): conceded toward the last package on its agenda issues, never past a red line.

        Computed when read, since no decision uses it: it is what the principal
        says it would settle for, for narratives and the anatomy of an episode.
        """
        seen = self.model.proposal_seen[:, None] & self.model.agenda  # off the agenda: no concession
        proposal = np.where(seen, self.model.proposal, self.ideal)
        return rules.concede_positions(self.ideal, proposal, self.low, self.high, self.conceded)

    def value_of_continuing(self, proposed: np.ndarray, incentive: float) -> np.ndarray:
        """What staying in the talks is worth: the trust-discounted package on the table, at least no deal."""
        on_table = np.where(
            proposed & self.last_within,
            self.trust * (self.last_utility + incentive) + (1.0 - self.trust) * self.reservation,
            self.reservation,
        )
        return np.maximum(on_table, self.reservation)

    def force_value(self, posture: np.ndarray, progress: np.ndarray) -> np.ndarray:
        p = self.params
        return rules.force_value(p.force_posture_weight, p.force_progress_weight, p.war_cost, posture, progress)


class MediatorAgent(Actor):
    """A mediator (Oman): proposes packages, de-escalates, builds trust, keeps the channel open."""

    role = "mediator"

    def propose(self, model: NegotiationModel, rows: np.ndarray, normal_draws: np.ndarray, incentive: float):
        """Packages for replications ``rows``: the Nash compromise inside both red lines, degraded by effectiveness."""
        a, b = model.principals
        low, high, overlap = model.box
        agenda = model.agenda[rows]
        nash = rules.nash_package(
            a.ideal, a.salience, a.reservation[rows] - incentive,
            b.ideal, b.salience, b.reservation[rows] - incentive,
            low, high, agenda, model.status_quo,
        )
        p = self.params
        movable = agenda & overlap
        return rules.degrade_proposal(nash, p.effectiveness, p.proposal_noise, normal_draws, low, high, movable)


class SpoilerAgent(Actor):
    """A spoiler outside the room (Israel): lobbies its target principal and may strike."""

    role = "spoiler"
    REP_ARRAYS = ("crossing",)

    def __init__(self, model: NegotiationModel, params: Spoiler) -> None:
        super().__init__(model, params)
        self.low, self.high = _bounds(params.red_lines, model.issue_names)
        self.watched = np.isin(model.issue_names, list(params.red_lines))
        self.crossing = np.zeros(model.m, dtype=bool)

    def lobby(self, model: NegotiationModel) -> None:
        """Harden the target principal's terms: raise its value of no deal by the lobbying weight per round."""
        target = model.principal(self.params.target)
        target.hardening = target.hardening + self.params.lobbying

    def watch(self, package: np.ndarray, rows: np.ndarray) -> None:
        """Note where the package on the table (refused in ``rows``) crosses this spoiler's own red line."""
        self.crossing = np.zeros(len(package), dtype=bool)
        mask = np.broadcast_to(self.watched, (len(rows), len(self.watched)))
        self.crossing[rows] = ~rules.inside(package[rows], self.low, self.high, mask)

    def strike_hazard(self, model: NegotiationModel) -> np.ndarray:
        p = self.params
        return rules.spoiler_strike_hazard(
            p.strike_propensity,
            (p.weight_tension, p.weight_progress, p.weight_failure, p.weight_crossing),
            model.tension, model.nuclear_progress, model.failures / model.max_rounds, self.crossing,
        )


class StakeholderAgent(Actor):
    """A regional stakeholder (the UAE): lowers tension, sweetens a deal, presses both sides to concede."""

    role = "stakeholder"
