"""The Mesa model of the Muscat talks: one model advances a batch of replications.

Every piece of state is a NumPy array over the ``n`` replications of the batch,
and :meth:`NegotiationModel.step` plays one round (about a week of talks) in
every replication still running, in the order of the model spec ("A round"):
agenda, events, outside actors, proposal, answers, concession, force,
walk-out, horizon. With ``n = 1`` it is an ordinary episode that can be
stepped and inspected round by round, with a narrative (``trace=True``) and a
per-round record through Mesa's DataCollector (``record=True``).

Randomness: the model gets a :class:`numpy.random.SeedSequence` and spawns one
stream per mechanism (agenda, events, proposals, force, walk-outs). Each round
draws the same shapes from each stream whatever the parameters, so two
configurations run with the same seed face the same shocks (common random
numbers) and a change to one mechanism does not reshuffle the others.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import rules
from sim.core.agents import MediatorAgent, PrincipalAgent, SpoilerAgent, StakeholderAgent, issue_bits, issue_flags
from sim.core.params import OUTCOMES, WORLD_VARS, Scenario

RUNNING, DEAL, ESCALATION, STALEMATE = -1, 0, 1, 2
STREAMS = ("agenda", "events", "proposal", "force", "walkout", "mesa")


def cause_names(scenario: Scenario) -> tuple[str, ...]:
    """Every way an episode can end, in the order causes are coded in results."""
    return (
        "agreement",
        *(s.cause for s in scenario.spoilers),
        *(p.cause for p in scenario.principals),
        "tension_spiral",
        "collapse_to_confrontation",
        *(f"{p.name.lower()}_walkout" for p in scenario.principals),
        "horizon",
    )


class NegotiationModel(mesa.Model):
    """The negotiation over ``n`` replications of one scenario."""

    def __init__(
        self,
        scenario: Scenario,
        n: int = 1,
        seed: int | np.random.SeedSequence | None = None,
        *,
        trace: bool = False,
        record: bool = False,
    ) -> None:
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        streams = dict(zip(STREAMS, (np.random.default_rng(s) for s in seq.spawn(len(STREAMS))), strict=True))
        super().__init__(rng=streams.pop("mesa"))
        self.streams = streams
        self.params = scenario.validate()
        self.n = int(n)
        self.m = self.n  # replications still held in the state arrays (compacted as they end)
        self.ids = np.arange(self.n)  # original index of each held replication
        self.alive = np.ones(self.n, dtype=bool)
        self.compacting = not (trace or record)
        self.max_rounds = scenario.max_rounds
        self.issue_names = scenario.issue_names
        self.status_quo = np.array([i.status_quo for i in scenario.issues], dtype=float)
        self.round = 0
        self.all_issues = (1 << len(self.issue_names)) - 1  # bit mask of every issue
        self.trace = trace
        self.narrative: list[str] = []

        w = scenario.world
        self.world = np.array([np.full(self.n, float(getattr(w, v))) for v in WORLD_VARS])
        self.settled = np.zeros(self.n, dtype=bool)
        self.agenda = np.zeros((self.n, len(self.issue_names)), dtype=bool)
        self.proposal = np.tile(self.status_quo, (self.n, 1))
        self.proposed = np.zeros(self.n, dtype=bool)
        self.proposal_seen = np.zeros(self.n, dtype=bool)
        self.failures = np.zeros(self.n)
        self.push = np.zeros(self.n)
        self.events_now = np.zeros((self.n, len(scenario.events)), dtype=bool)
        self.event_hazards = np.array([e.hazard for e in scenario.events])
        self.event_effects = np.array(
            [[e.effects.get(k, 0.0) for k in (*WORLD_VARS, "trust")] for e in scenario.events]
        ).reshape(len(scenario.events), len(WORLD_VARS) + 1)

        self.causes = cause_names(scenario)
        self.outcome = np.full(self.n, RUNNING, dtype=np.int8)
        self.end_round = np.zeros(self.n, dtype=np.int16)
        self.cause = np.full(self.n, -1, dtype=np.int16)
        self.final_tension = np.full(self.n, np.nan)
        self.terms = np.full((self.n, len(self.issue_names)), np.nan)
        self.final_agenda = np.zeros((self.n, len(self.issue_names)), dtype=bool)
        self.final_settled = np.zeros(self.n, dtype=bool)

        self.principals = tuple(PrincipalAgent(self, p) for p in scenario.principals)
        self.mediators = tuple(MediatorAgent(self, m) for m in scenario.mediators)
        self.spoilers = tuple(SpoilerAgent(self, s) for s in scenario.spoilers)
        self.stakeholders = tuple(StakeholderAgent(self, h) for h in scenario.stakeholders)
        a, b = self.principals
        self.box = rules.red_line_box([a.low, b.low], [a.high, b.high])
        self.lead_mediator = max(self.mediators, key=lambda m: m.params.effectiveness, default=None)
        self.standing = 1.0 - float(np.prod([1.0 - m.params.standing for m in self.mediators]))
        self.incentive = float(sum(h.params.incentive for h in self.stakeholders))
        self.deescalation = float(sum(x.params.deescalation for x in (*self.mediators, *self.stakeholders)))
        self.trust_building = float(sum(m.params.trust_building for m in self.mediators))
        self.pressure = float(sum(h.params.pressure for h in self.stakeholders))

        self.datacollector = mesa.DataCollector(model_reporters=self._reporters()) if record else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    # ------------------------------------------------------------ measures

    def _var(self, name: str) -> np.ndarray:
        return self.world[WORLD_VARS.index(name)]

    @property
    def tension(self) -> np.ndarray:
        return self._var("tension")

    @property
    def nuclear_progress(self) -> np.ndarray:
        return self._var("nuclear_progress")

    @property
    def military_posture(self) -> np.ndarray:
        return self._var("military_posture")

    @property
    def unrest(self) -> np.ndarray:
        return self._var("unrest")

    @property
    def sanctions(self) -> np.ndarray:
        return self._var("sanctions")

    @property
    def active(self) -> np.ndarray:
        """Which held replications are still running (aligned with the state arrays)."""
        return self.alive

    def principal(self, name: str) -> PrincipalAgent:
        return next(p for p in self.principals if p.name == name)

    # ------------------------------------------------------------ the round

    def step(self) -> None:
        """Play one round in every replication still running."""
        self.round += 1
        t = self.round / self.max_rounds
        active = self.active
        disputing = self._agenda_phase()
        self._events_phase()
        self._outside_actors_phase(disputing)
        for p in self.principals:
            p.update_reservation(self.world)
            p.update_aspiration(t, self.push, self.unrest)
        proposing = self.settled & self.agenda.any(axis=1)
        failing = disputing | self._bargaining_phase(proposing, active)
        self._force_phase(failing)
        self._walkout_phase(failing & proposing)
        self._finish(self.active & (self.round >= self.max_rounds), STALEMATE, "horizon")
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.running = bool(self.alive.any())
        if self.compacting and self.running and self.alive.sum() < 0.75 * self.m:
            self._compact()

    def run(self) -> NegotiationModel:
        """Step until every replication has ended (at the latest at the horizon)."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------ phases

    def _agenda_phase(self) -> np.ndarray:
        """1. Agenda: settle the scope where nothing is contested, else fight over it."""
        a, b = self.principals
        n_issues = len(self.issue_names)
        disputing = np.zeros(self.m, dtype=bool)
        open_rows = np.flatnonzero(~self.settled & self.alive)
        if open_rows.size == 0:  # settled or ended for good: this stream is never needed again
            return disputing
        draws = self._draw("agenda", 2 * (n_issues + 1))[open_rows]
        conflict = rules.agenda_conflict(a.insists[open_rows], a.refuses[open_rows],
                                         b.insists[open_rows], b.refuses[open_rows])
        contested = conflict != 0
        newly = open_rows[~contested]
        scope = rules.settled_scope(a.refuses[newly], b.refuses[newly], self.all_issues)
        self.agenda[newly] = issue_flags(scope, n_issues)
        self.settled[newly] = True
        rows, draws = open_rows[contested], draws[contested]
        disputing[rows] = True
        effectiveness = self.lead_mediator.params.effectiveness if self.lead_mediator else 0.0
        for k, (p, other) in enumerate(((a, b), (b, a))):
            flex = p.params.agenda_flexibility
            track = draws[:, k] < rules.parallel_track_acceptance(flex, effectiveness)
            soften = issue_bits(draws[:, 2 + k * n_issues : 2 + (k + 1) * n_issues] < flex)
            drop_insist = np.where(track, p.insists[rows] & other.refuses[rows], 0)
            drop_refuse = soften & p.refuses[rows] & other.insists[rows]
            if self.trace and disputing[0]:
                self._say_agenda(p, issue_flags(drop_insist[0], n_issues), issue_flags(drop_refuse[0], n_issues))
            p.insists[rows] &= ~drop_insist
            p.refuses[rows] &= ~drop_refuse
        if self.trace and newly.size and newly[0] == 0:
            self._say(f"agenda settled: {self.params.scope_label(np.array(self.issue_names)[self.agenda[0]])}")
        if self.trace and disputing[0]:
            contested_issues = np.array(self.issue_names)[issue_flags(conflict[0], n_issues)]
            self._say(f"agenda dispute over {', '.join(contested_issues)}: no package this round")
        self._add("tension", disputing * self.params.world.agenda_dispute_tension)
        self.failures += disputing
        return disputing

    def _events_phase(self) -> None:
        """2. Events: random shocks at their configured hazards; simultaneous effects add up."""
        events = self.params.events
        if not events:
            return
        draws = self._draw("events", len(events))
        self.events_now = draws < self.event_hazards
        delta = self.events_now.astype(float) @ self.event_effects  # (R, world vars + trust)
        self.world = np.clip(self.world + delta[:, :-1].T, 0.0, 1.0)
        for p in self.principals:
            p.trust = np.clip(p.trust + delta[:, -1], 0.0, 1.0)
        if self.trace and self.active[0]:
            for event, hit in zip(events, self.events_now[0], strict=True):
                if hit:
                    self._say(f"event: {event.name} ({', '.join(f'{k} {v:+g}' for k, v in event.effects.items())})")

    def _outside_actors_phase(self, disputing: np.ndarray) -> None:
        """3. Outside actors: spoilers lobby; mediators and stakeholders de-escalate, build trust, press."""
        w = self.params.world
        for s in self.spoilers:
            s.lobby(self)
        for p in self.principals:
            p.trust = np.clip(p.trust + self.trust_building, 0.0, 1.0)
        self.push = self.push + self.pressure
        self._add("nuclear_progress", w.progress_rate)
        increase = w.posture_tension * self.military_posture
        self._set("tension", rules.next_tension(self.tension, increase, self.deescalation))

    def _bargaining_phase(self, proposing: np.ndarray, active: np.ndarray) -> np.ndarray:
        """4-6. Proposal, answers, concession. Returns the replications whose package was refused.

        The random draws cover every replication (common random numbers); the
        arithmetic only the replications that bargain this round.
        """
        draws = self._draw("proposal", len(self.issue_names), normal=True)
        rows = np.flatnonzero(proposing & active)
        self.proposed = np.zeros(self.m, dtype=bool)
        if self.lead_mediator is None or rows.size == 0:
            return self.proposed.copy()
        self.proposed[rows] = True
        self.proposal_seen[rows] = True
        proposal = self.lead_mediator.propose(self, rows, draws[rows], self.incentive)
        self.proposal[rows] = proposal
        agenda = self.agenda[rows]
        answers = []
        for p in self.principals:
            u, within = p.evaluate(proposal, agenda)
            ok = rules.accepts(u, self.incentive, p.trust[rows], p.reservation[rows], p.aspiration[rows], within)
            p.last_utility[rows], p.last_within[rows] = u, within
            answers.append(ok)
        agreed = answers[0] & answers[1]
        deal = np.zeros(self.m, dtype=bool)
        deal[rows[agreed]] = True
        self.terms[self.ids[rows[agreed]]] = proposal[agreed]
        if self.trace and self.proposed[0]:
            self._say_proposal([bool(a[0]) for a in answers])
        self._finish(deal, DEAL, "agreement")
        refused_rows = rows[~agreed]
        for s in self.spoilers:
            s.watch(self.proposal, refused_rows)
        refused = np.zeros(self.m, dtype=bool)
        refused[refused_rows] = True
        self.failures += refused
        self._add("tension", refused * self.params.world.failed_round_tension)
        return refused

    def _force_phase(self, failing: np.ndarray) -> None:
        """7. Force: spoiler strikes, a principal's decision for force, tension past its threshold."""
        draws = self._draw("force", len(self.spoilers) + len(self.principals))
        for j, s in enumerate(self.spoilers):
            self._finish(self.active & (draws[:, j] < s.strike_hazard(self)), ESCALATION, s.params.cause)
        for j, p in enumerate(self.principals, start=len(self.spoilers)):
            value = p.force_value(self.military_posture, self.nuclear_progress)
            fires = rules.uses_force(value, p.value_of_continuing(self.proposed, self.incentive), failing,
                                     p.params.force_propensity, p.params.force_noise, draws[:, j])
            self._finish(self.active & fires, ESCALATION, p.params.cause)
        spiral = self.tension >= self.params.world.tension_threshold
        self._finish(self.active & spiral, ESCALATION, "tension_spiral")

    def _walkout_phase(self, failing: np.ndarray) -> None:
        """8. Walk-out: a principal for whom leaving beats the package on offer may end the talks."""
        draws = self._draw("walkout", len(self.principals) + 1)
        escalates = rules.collapse_escalates(self.params.world.collapse_escalation, self.tension, draws[:, -1])
        for j, p in enumerate(self.principals):
            staying = np.where(p.last_within, p.last_utility + self.incentive, -np.inf) if failing.any() else 0.0
            leaves = self.active & rules.walks_out(
                staying, p.reservation, failing, p.params.walkout_propensity, self.standing, draws[:, j]
            )
            self._finish(leaves & escalates, ESCALATION, "collapse_to_confrontation")
            self._finish(leaves & ~escalates, STALEMATE, f"{p.name.lower()}_walkout")

    # ------------------------------------------------------------ bookkeeping

    #: Per-replication state arrays of the model (first axis over replications, except ``world``).
    REP_ARRAYS = ("settled", "agenda", "proposal", "proposed", "proposal_seen", "failures", "push", "events_now", "ids", "alive")

    def _draw(self, stream: str, k: int, *, normal: bool = False) -> np.ndarray:
        """Draws for every replication of the batch (fixed shape: common random numbers), held ones kept."""
        rng = self.streams[stream]
        full = rng.standard_normal((self.n, k), dtype=np.float32) if normal else rng.random((self.n, k), np.float32)
        return full if self.m == self.n else full[self.ids]

    def _compact(self) -> None:
        """Drop ended replications from every state array, so later rounds only compute the running ones."""
        keep = self.alive
        self.world = self.world[:, keep]
        for name in self.REP_ARRAYS:
            setattr(self, name, getattr(self, name)[keep])
        for agent in (*self.principals, *self.spoilers):
            for name in agent.REP_ARRAYS:
                setattr(agent, name, getattr(agent, name)[keep])
        self.m = len(self.ids)

    def _add(self, name: str, delta) -> None:
        i = WORLD_VARS.index(name)
        self.world[i] = np.clip(self.world[i] + delta, 0.0, 1.0)

    def _set(self, name: str, value: np.ndarray) -> None:
        self.world[WORLD_VARS.index(name)] = value

    def _finish(self, mask: np.ndarray, outcome: int, cause: str) -> None:
        """End the replications in ``mask`` (only those still running) with an outcome and its cause."""
        mask = mask & self.alive
        if not mask.any():
            return
        ids = self.ids[mask]
        self.outcome[ids] = outcome
        self.end_round[ids] = self.round
        self.cause[ids] = self.causes.index(cause)
        self.final_tension[ids] = self.tension[mask]
        self.final_agenda[ids] = self.agenda[mask]
        self.final_settled[ids] = self.settled[mask]
        self.alive[mask] = False
        if self.trace and mask[0]:
            self._say(f"talks end in {OUTCOMES[outcome].upper()} ({cause})")

    # ------------------------------------------------------------ narrative

    def _say(self, text: str) -> None:
        self.narrative.append(f"round {self.round:>2}: {text}")

    def _say_agenda(self, p: PrincipalAgent, dropped_insist: np.ndarray, dropped_refuse: np.ndarray) -> None:
        names = np.array(self.issue_names)
        if dropped_insist.any():
            self._say(f"{p.name} accepts a parallel track for {', '.join(names[dropped_insist])}")
        if dropped_refuse.any():
            self._say(f"{p.name} agrees to discuss {', '.join(names[dropped_refuse])}")

    def _say_proposal(self, answers: list[np.ndarray]) -> None:
        terms = ", ".join(
            f"{name} {x:.2f}" for name, x, on in zip(self.issue_names, self.proposal[0], self.agenda[0], strict=True) if on
        )
        self._say(f"{self.lead_mediator.name} proposes {terms}")
        for p, ok in zip(self.principals, answers, strict=True):
            if ok:
                self._say(f"  {p.name} accepts (utility {p.last_utility[0]:.2f}, aspiration {p.aspiration[0]:.2f})")
                continue
            if not p.last_within[0]:
                broken = [
                    f"{name} {x:.2f} outside [{lo:g}, {hi:g}]"
                    for name, x, lo, hi, on in zip(
                        self.issue_names, self.proposal[0], p.low, p.high, self.agenda[0], strict=True
                    )
                    if on and not lo - 1e-12 <= x <= hi + 1e-12
                ]
                self._say(f"  {p.name} refuses: red line broken ({'; '.join(broken)})")
            else:
                self._say(
                    f"  {p.name} refuses: utility {p.last_utility[0]:.2f} with trust {p.trust[0]:.2f} "
                    f"falls short of its aspiration {p.aspiration[0]:.2f} (value of no deal {p.reservation[0]:.2f})"
                )

    # ------------------------------------------------------------ recording

    def _reporters(self) -> dict:
        """Per-round measures of replication 0, for the anatomy of one episode."""
        reporters = {
            "round": lambda m: m.round,
            "outcome": lambda m: OUTCOMES[m.outcome[0]] if m.outcome[0] >= 0 else "running",
            "agenda_settled": lambda m: bool(m.settled[0]),
            "agenda": lambda m: (m.params.scope_label(np.array(m.issue_names)[m.agenda[0]]) if m.settled[0] else ""),
            "proposed": lambda m: bool(m.proposed[0]),
            "events": lambda m: ",".join(e.name for e, hit in zip(m.params.events, m.events_now[0], strict=True) if hit),
        }
        for v in WORLD_VARS:
            reporters[v] = lambda m, v=v: float(m._var(v)[0])
        for k, name in enumerate(self.issue_names):
            reporters[f"proposal_{name}"] = lambda m, k=k: float(m.proposal[0, k]) if m.proposed[0] else np.nan
            for p in self.params.principals:
                reporters[f"position_{p.name}_{name}"] = lambda m, k=k, n=p.name: float(m.principal(n).position[0, k])
        for p in self.params.principals:
            reporters[f"aspiration_{p.name}"] = lambda m, n=p.name: float(m.principal(n).aspiration[0])
            reporters[f"no_deal_value_{p.name}"] = lambda m, n=p.name: float(m.principal(n).reservation[0])
            reporters[f"trust_{p.name}"] = lambda m, n=p.name: float(m.principal(n).trust[0])
        return reporters
