"""The outside actors: spoilers (Israel), who lobby a principal and may strike, and regional stakeholders (the UAE),
who lower tension and press both principals toward a deal."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import rules
from sim.core.agents.actor import Actor
from sim.core.params import Spoiler
from sim.core.state import at, issue_rows, issue_values


def _bounds(red_lines: dict, issues: tuple[str, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Red lines as (low, high) arrays over issues, (I,) or (n, I); an issue without one is [0, 1]."""
    low = issue_values((red_lines.get(i, (0.0, 1.0))[0] for i in issues), n)
    high = issue_values((red_lines.get(i, (0.0, 1.0))[1] for i in issues), n)
    return low, high


class SpoilerAgent(Actor):
    """A spoiler outside the room (Israel): lobbies its target principal and decides whether to strike."""

    role = "spoiler"
    REP_ARRAYS = ("crossing",)

    def __init__(self, model: mesa.Model, params: Spoiler) -> None:
        super().__init__(model, params)
        self.low, self.high = _bounds(params.red_lines, model.issue_names, self.state.n)
        self.watched = np.isin(model.issue_names, list(params.red_lines))
        self.crossing = np.zeros(self.state.n, dtype=bool)

    def lobby(self) -> None:
        """Harden the target principal's terms: its value of no deal rises by the lobbying weight per round (the
        pressure built up saturates at ``world.pressure_cap``, :func:`rules.saturated_pressure`)."""
        target = self.model.principal(self.params.target)
        target.hardening = target.hardening + self.p("lobbying")

    def watch(self, rows: np.ndarray) -> None:
        """Note where the package on the table (in ``rows``) crosses this spoiler's own red line."""
        s = self.state
        self.crossing = np.zeros(s.m, dtype=bool)
        mask = np.broadcast_to(self.watched, (len(rows), len(self.watched)))
        low, high = issue_rows(s, self.low, rows), issue_rows(s, self.high, rows)
        self.crossing[rows] = ~rules.inside(s.proposal[rows], low, high, mask)

    def _judged(self, rule, cost) -> tuple[np.ndarray, np.ndarray]:
        """A rung's value now and the value of waiting by ``rule``, at the rung's ``cost``, by its own beliefs."""
        s, p = self.state, self.p
        weights = (p("weight_tension"), p("weight_progress"), p("weight_failure"), p("weight_crossing"))
        return rule(weights, cost, s.tension, s.nuclear_progress, s.drag, s.deal_chance * self.crossing)

    def strike_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Its value of striking now and of waiting, by its own beliefs (see :func:`rules.spoiler_strike_values`)."""
        return self._judged(rules.spoiler_strike_values, self.p("strike_threshold"))

    def decide_strike(self, draws: np.ndarray):
        """Strike where striking looks worth more than waiting and the occasion arises; returns (strike, S, W)."""
        strike, wait = self.strike_values()
        return rules.chooses(strike - wait, self.p("strike_noise"), self.p("strike_propensity"), draws), strike, wait

    def decide_sabotage(self, draws: np.ndarray) -> np.ndarray:
        """A covert strike or sabotage, a rung below a strike: where it looks worth more than waiting at its cost.

        :func:`rules.sabotage_values` (its strike values with the sabotage's
        lower cost), chosen by :func:`rules.chooses` when the occasion arises
        (``sabotage_propensity``).
        """
        value, wait = self._judged(rules.sabotage_values, self.p("sabotage_cost"))
        return rules.chooses(value - wait, self.p("strike_noise"), self.p("sabotage_propensity"), draws)

    def decide_strike_now(self, rows: np.ndarray, draws: np.ndarray, *, talks_failed: bool = False) -> np.ndarray:
        """Strike in rows ``rows`` when the occasion is forced on it (its ally struck, an ultimatum lapsed), by its own values.

        Its strike values as ever (:func:`rules.spoiler_strike_values`); with
        ``talks_failed`` the talks have just failed, so its sense that a round
        fails is 1. The occasion is certain for a spoiler that weighs strikes at
        all (``strike_propensity`` > 0: a propensity of 0 shuts its strikes);
        the choice noisy as ever.
        """
        s, p = self.state, self.p
        drag = np.ones(len(rows)) if talks_failed else s.drag[rows]
        strike, wait = rules.spoiler_strike_values(
            (
                at(p("weight_tension"), rows),
                at(p("weight_progress"), rows),
                at(p("weight_failure"), rows),
                at(p("weight_crossing"), rows),
            ),
            at(p("strike_threshold"), rows),
            s.tension[rows],
            s.nuclear_progress[rows],
            drag,
            (s.deal_chance * self.crossing)[rows],
        )
        weighs = (np.asarray(at(p("strike_propensity"), rows)) > 0).astype(float)
        return rules.chooses(strike - wait, at(p("strike_noise"), rows), weighs, draws)


class StakeholderAgent(Actor):
    """A regional stakeholder (the UAE): lowers tension and presses both principals toward a deal."""

    role = "stakeholder"

    @staticmethod
    def combined_incentive(stakeholders: tuple[StakeholderAgent, ...]):
        """What the stakeholders together add to a deal's value (a scalar, or (n,) when one is drawn)."""
        return sum((h.params.incentive for h in stakeholders), 0.0)

    def step(self) -> None:
        """De-escalate, and press both principals: their value of no deal falls by its pressure each round.

        The pressure builds up; its effect saturates at ``world.pressure_cap`` (:func:`rules.saturated_pressure`).
        """
        self.state.relief = self.state.relief + self.p("deescalation")
        for p in self.model.principals:
            p.hardening = p.hardening - self.p("pressure")
