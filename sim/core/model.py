"""The Mesa model of the Muscat talks: one model advances a batch of replications.

The model orchestrates; the agents decide (:mod:`sim.core.agents`) and read the shared
:class:`sim.core.state.BatchState`. :meth:`NegotiationModel.step` plays one round
(about a week of talks) in every replication still running, in the order of the
model spec ("A round"): agenda, events, outside actors, proposal, answers and
learning, force (with the escalation ladder), walk-out, deadline and horizon.
With ``n = 1`` it is an ordinary episode that can be stepped and inspected round
by round, with a narrative (``trace=True``, :mod:`sim.narrative`) and a
per-round record through Mesa's DataCollector (``record=True``,
:mod:`sim.reporters`).

Randomness: the model gets a :class:`numpy.random.SeedSequence` and spawns one
stream per mechanism (agenda, events, proposals, force, walk-outs, the private
types, the escalation ladder, deadlines). The types and the veto players'
thresholds are drawn once at the start with a fixed shape; every round's draws
are keyed by replication, stream, round and column (:mod:`sim.core.keyed`), so
only the replications still running are drawn, two configurations run with the
same seed face the same shocks (common random numbers) and a change to one
mechanism does not reshuffle the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from sim.core import keyed, rules
from sim.core.agents import MediatorAgent, PrincipalAgent, SpoilerAgent, StakeholderAgent
from sim.core.narrative import Narrator
from sim.core.params import OUTCOMES, WORLD_VARS, Scenario, Transition
from sim.core.reporters import model_reporters
from sim.core.rows import any_along
from sim.core.state import BatchState, at, issue_flags, issue_rows
from sim.core.ufuncs import clip

RUNNING, DEAL, ESCALATION, STALEMATE = -1, 0, 1, 2
#: New streams go at the end: a SeedSequence's children are numbered, so the earlier streams stay the same.
STREAMS = (
    "agenda",
    "events",
    "proposal",
    "force",
    "walkout",
    "mesa",
    "types",
    "ladder",
    "deadline",
    "coercion",
    "ultimatum",
    "allies",
    "ratification",
)
#: How a deal was struck (episode column ``deal_type``).
DEAL_TYPES = ("full", "interim")


def _effects_matrix(effects: dict, n: int) -> np.ndarray:
    """Effects on the world variables as (V,), or (V, n) when any is an array over the n replications."""
    values = [effects.get(v, 0.0) for v in WORLD_VARS]
    if any(np.ndim(x) for x in values):
        return np.array([np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in values])
    return np.array(values, dtype=float)


def cause_names(scenario: Scenario) -> tuple[str, ...]:
    """Every way an episode can end, in the order causes are coded in results."""
    return (
        "agreement",
        *(s.cause for s in scenario.spoilers),
        *(p.cause for p in scenario.principals),
        "tension_spiral",
        "collapse_to_confrontation",
        *(f"{p.name.lower()}_walkout" for p in scenario.principals),
        *(f"{p.name.lower()}_ratification" for p in scenario.principals),
        "deadline_lapse",
        "horizon",
        # adjourning a held deadlock (world.deadlock_exit): only where it can happen, so other codes never change
        *(
            (f"{p.name.lower()}_adjourns" for p in scenario.principals)
            if scenario.world.deadlock_exit and any(p.stated for p in scenario.principals)
            else ()
        ),
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
        blocks: Sequence[tuple[np.random.SeedSequence, int]] | None = None,
    ) -> None:
        if blocks is None:
            seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
            blocks = [(seq, int(n))]
        # Several blocks in one batch (``blocks``: each block's seed and size, rows one block after another): each
        # block draws from its own streams exactly what it would draw alone, so every replication's result is the
        # one it has in a batch of its block only; the per-round costs that do not grow with the rows (Python,
        # small arrays) are paid once for all of them (sim.core.runner.run_blocks).
        per_block = [
            dict(zip(STREAMS, (np.random.default_rng(s) for s in seq.spawn(len(STREAMS))), strict=True)) for seq, _ in blocks
        ]
        super().__init__(rng=per_block[0].pop("mesa"))
        self._seed_blocks(blocks, per_block)
        self.params = scenario.validate()
        self.n = int(self.block_starts[-1])
        self.state = BatchState(scenario, self.n)
        self.compacting = not (trace or record)
        self.max_rounds = scenario.max_rounds
        self.issue_names = scenario.issue_names
        self.all_issues = (1 << len(self.issue_names)) - 1  # bit mask of every issue
        self._set_events(scenario)
        self.causes = cause_names(scenario)
        self._set_results()
        self._set_agents(scenario)
        self._deadlock = np.zeros(n, dtype=bool)  # this round's known deadlocks (_stated_phase)
        self._set_mechanisms(scenario)

        self.narrator = Narrator(self) if trace else None
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(self)) if record else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _seed_blocks(self, blocks: Sequence[tuple[np.random.SeedSequence, int]], per_block: list[dict]) -> None:
        """Each block's random streams and replication keys, and where each block's rows start."""
        self.streams = {name: [b[name] for b in per_block] for name in STREAMS if name != "mesa"}
        # Every round's draws are keyed (sim.core.keyed): a key per replication from its block's seed and its row.
        self._row_keys = keyed.row_keys([int(seq.generate_state(1, np.uint64)[0]) for seq, _ in blocks], [n for _, n in blocks])
        self._held_keys = self._row_keys
        self._keys_for: np.ndarray | None = None
        self.block_sizes = [int(size) for _, size in blocks]
        self.block_starts = np.concatenate([[0], np.cumsum(self.block_sizes)]).astype(np.int64)

    def _set_events(self, scenario: Scenario) -> None:
        """The events' hazards and their effects on the world variables and trust."""
        # Hazards (E,) and effects (E, V), or per replication (n, E) and, per event, the targets it moves with
        # their effects, a number or (n,), when any is an array over replications (drawn per replication).
        targets = (*WORLD_VARS, "trust")
        hazards = [e.hazard for e in scenario.events]
        effects = [[e.effects.get(k, 0.0) for k in targets] for e in scenario.events]
        if any(np.ndim(h) for h in hazards) or any(np.ndim(v) for row in effects for v in row):
            self.event_hazards = np.stack([np.broadcast_to(h, (self.n,)) for h in hazards], axis=1).astype(float)
            self.effects_by_event = [
                [(targets.index(k), np.asarray(v, dtype=float)) for k, v in e.effects.items() if np.any(v != 0)]
                for e in scenario.events
            ]
        else:
            self.event_hazards = np.array(hazards, dtype=float)
            self.event_effects = np.array(effects, dtype=float).reshape(len(scenario.events), len(targets))

    def _set_results(self) -> None:
        """The per-replication results, filled in as replications end."""
        n_issues = len(self.issue_names)
        self.outcome = np.full(self.n, RUNNING, dtype=np.int8)
        self.end_round = np.zeros(self.n, dtype=np.int16)
        self.cause = np.full(self.n, -1, dtype=np.int16)
        self.final_tension = np.full(self.n, np.nan)
        self.terms = np.full((self.n, n_issues), np.nan)
        self.final_agenda = np.zeros((self.n, n_issues), dtype=bool)
        self.final_settled = np.zeros(self.n, dtype=bool)
        self.any_strike = np.zeros(self.n, dtype=bool)
        self.severity = np.zeros(self.n, dtype=np.int8)
        self.resumed = np.zeros(self.n, dtype=bool)
        self.deal_type = np.full(self.n, -1, dtype=np.int8)
        self.first_strike = np.full(self.n, -1, dtype=np.int16)  # cause code of the first strike, -1: none
        self.force_value = np.full(self.n, np.nan)  # at the decision that ended the talks in escalation
        self.continue_value = np.full(self.n, np.nan)
        self.ratification_failures = np.zeros(self.n, dtype=np.int16)  # packages signed, then rejected at home
        self.pauses = np.zeros(self.n, dtype=np.int16)  # rounds (weeks) the talks were paused
        self.coercion_steps = np.zeros(self.n, dtype=np.int16)  # rungs below war taken (sabotage, sanctions, enrichment)
        self.ultimatum_lapsed = np.zeros(self.n, dtype=bool)
        self.joined_strike = np.full(self.n, -1, dtype=np.int16)  # cause code of the ally that joined a strike, -1: none
        self.backed_down = np.zeros(self.n, dtype=np.int16)  # week a stated position was first dropped, 0: never

    def _set_agents(self, scenario: Scenario) -> None:
        """The principals (with their private types and veto thresholds), mediators, spoilers and stakeholders,
        and what depends only on them: the red-line box, the Nash frontier, the mediators' standing."""
        # The private types: one uniform per principal and replication, drawn once (fixed shape).
        types = np.concatenate([g.random((size, 2)) for g, size in zip(self.streams["types"], self.block_sizes, strict=True)])
        # The veto players' thresholds, one uniform per principal and replication, from their own stream (fixed shape).
        vetoes = np.concatenate(
            [g.random((size, 2)) for g, size in zip(self.streams["ratification"], self.block_sizes, strict=True)]
        )
        self.principals = tuple(PrincipalAgent(self, p, types[:, k], vetoes[:, k]) for k, p in enumerate(scenario.principals))
        a, b = self.principals
        a.meet(b)
        b.meet(a)
        # Mapping rule 23: a stated position held jointly; its co-holders' private resolves, drawn once, after the
        # types (so nothing else draws differently), and only when a principal's position is held jointly.
        for p in self.principals:
            if p.joint_holders > 1:
                k = p.joint_holders - 1
                p.hold_jointly(
                    np.concatenate([g.random((size, k)) for g, size in zip(self.streams["types"], self.block_sizes, strict=True)])
                )
        self.mediators = tuple(MediatorAgent(self, m) for m in scenario.mediators)
        for m in self.mediators:
            m.meet(self.principals)
        self.spoilers = tuple(SpoilerAgent(self, s) for s in scenario.spoilers)
        self.stakeholders = tuple(StakeholderAgent(self, h) for h in scenario.stakeholders)
        # The red-line box and the Nash frontier in it do not change during a run: computed once, (I,) per issue,
        # or (n, I) when red lines, ideals, saliences or the status quo are drawn per replication (issue 12).
        self.box = rules.red_line_box([a.low, b.low], [a.high, b.high])
        self.frontier = rules.nash_frontier(a.ideal, a.salience, b.ideal, b.salience, *self.box[:2], self.state.status_quo)
        self.lead_mediator = MediatorAgent.lead(self.mediators)
        self._standing = MediatorAgent.combined_standing(self.mediators)
        self._incentive = StakeholderAgent.combined_incentive(self.stakeholders)
        self.has_preconditions = any(p.pending.any() for p in self.principals)
        self.has_veto = any(p.has_veto for p in self.principals)
        self.has_stated = any(p.has_stated for p in self.principals)
        # Adjourning a held deadlock (world.deadlock_exit): skipped entirely when off or when nobody states a position.
        self.deadlock_exit = self.has_stated and bool(scenario.world.deadlock_exit)
        self._adjourning = np.zeros(self.n, dtype=bool)
        if self.deadlock_exit:
            for p in self.principals:
                p.start_deadlock_exit()

    def _set_mechanisms(self, scenario: Scenario) -> None:
        """The optional mechanisms (pauses and transitions, coercion, sabotage, allies), each skipped entirely
        when not configured."""
        self.transitions: dict[int, list[Transition]] = {}  # resume round -> the transitions that take effect then
        self.pause_starts: dict[int, Transition] = {}
        self.paused_rounds: set[int] = set()
        # principal -> the round its government's first scheduled change begins (deals signed before it rest on its
        # successor: rules.keep_chance_before_turnover)
        self.turnover_at: dict[str, int] = {}
        for t in scenario.transitions:
            self.turnover_at[t.actor] = min(self.turnover_at.get(t.actor, t.start_round), t.start_round)
            self.transitions.setdefault(t.resume_round, []).append(t)
            self.pause_starts.setdefault(t.start_round, t)
            self.paused_rounds.update(range(t.start_round, t.resume_round))
        # A coercive step's effects on the world variables, (V,), or (V, n) when drawn per replication (issue 12).
        self.coercers = [
            (k, p, _effects_matrix(p.params.coercion_effects, self.n))
            for k, p in enumerate(self.principals)
            if np.any(np.asarray(p.params.coercion_propensity) > 0) and p.params.coercion_effects
        ]
        self.saboteurs = [
            (j, sp)
            for j, sp in enumerate(self.spoilers)
            if np.any(np.asarray(sp.params.sabotage_propensity) > 0) and sp.params.sabotage_effects
        ]
        self.has_allies = any(sp.params.ally for sp in self.spoilers)
        self._ally_draws: np.ndarray | None = None

    # ------------------------------------------------------------ what the agents and the narrative read

    @property
    def standing(self):
        """The mediators' combined standing, for the replications held."""
        return self.state.held(self._standing)

    @property
    def incentive(self):
        """What the stakeholders add to a deal's value, for the replications held."""
        return self.state.held(self._incentive)

    def _w(self, name: str):
        """A world parameter for the replications held (a scalar, or an array over them: issue 12)."""
        return self.state.held(getattr(self.params.world, name))

    @property
    def narrative(self) -> list[str]:
        """The traced episode's story so far, a line per event (empty when not traced)."""
        return self.narrator.lines if self.narrator else []

    def principal(self, name: str) -> PrincipalAgent:
        return next(p for p in self.principals if p.name == name)

    # ------------------------------------------------------------ the round

    def step(self) -> None:
        """Play one round in every replication still running."""
        s = self.state
        s.round += 1
        paused = self._pause_phase() if self.paused_rounds or self.transitions else False
        if self.has_allies:
            self._ally_draws = self._draw("allies", len(self.spoilers) + len(self.principals))
        disputing = self._agenda_phase() if not paused else np.zeros(s.m, dtype=bool)
        self._events_phase()
        self._outside_actors_phase()
        ext = self._w("extension_probability")
        for p in self.principals:
            p.assess(ext)
        if self.has_stated and not paused:
            self._stated_phase()
        refused = self._bargaining_phase(paused)
        s.failures += disputing | refused
        self._force_phase(paused)
        if self.coercers or self.saboteurs:
            self._coercion_phase(paused, ext)
        self._walkout_phase()
        if not paused:
            self._deadline_phase()
        self._finish(s.alive & (s.round >= self.max_rounds), STALEMATE, "horizon")
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.running = bool(s.alive.any())
        if self.compacting and self.running and s.alive.sum() < 0.75 * s.m:
            self._compact()

    def run(self) -> NegotiationModel:
        """Step until every replication has ended (at the latest at the horizon)."""
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------ phases

    def _pause_phase(self) -> bool:
        """0. Transitions: a government that takes office at the end of a pause; whether this round is paused.

        Model spec, "Pauses are not ends": during a pause no agenda, bargaining
        or walk-out happens, but time passes (nuclear progress, events, outside
        actors, spoilers' strikes and sabotage, the horizon); a deadline that
        falls in the pause is judged when the talks resume
        (:func:`rules.deadline_after_pause`). At its end the principal resumes
        with the new government's parameters; the agenda is reopened where its
        stance or red lines changed.
        """
        s = self.state
        for t in self.transitions.get(s.round, ()):
            p = self.principal(t.actor)
            if p.take_office(t.applied_to(p.params), tuple(t.set)):
                s.settled[:] = False
                s.agenda[:] = False
                a, b = self.principals
                self.box = rules.red_line_box([a.low, b.low], [a.high, b.high])
                self.frontier = rules.nash_frontier(
                    a.ideal, a.salience, b.ideal, b.salience, *self.box[:2], self.state.status_quo
                )
            if self.narrator:
                changes = ", ".join(f"{k} {v}" for k, v in t.set.items()) or "the same parameters"
                self.narrator.say(f"talks resume; {t.actor}'s new government ({changes})")
        start = self.pause_starts.get(s.round)
        if start is not None:
            s.deadline = rules.deadline_after_pause(s.deadline, start.start_round, start.resume_round).astype(np.int32)
            if self.narrator:
                self.narrator.say(f"talks paused for {start.pause_weeks} weeks: {start.why or start.actor}")
        if s.round not in self.paused_rounds:
            return False
        self.pauses[s.ids[s.alive]] += 1
        return True

    def _agenda_phase(self) -> np.ndarray:
        """1. Agenda: preconditions first, then settle the scope where nothing is contested, else fight over it.

        While a principal's preconditions are pending the round goes to
        procedure (:func:`rules.precondition_yield`). At settlement an issue
        whose red lines cannot overlap goes to a parallel track unless either
        principal requires it (:func:`rules.parallel_track`); a required issue
        the other refuses is contested until the refuser softens. Where it is
        contested, each principal in turn moves on its stance
        (:meth:`PrincipalAgent.soften_stance`, swayed by the lead mediator).
        """
        s = self.state
        a, b = self.principals
        n_issues = len(self.issue_names)
        disputing = np.zeros(s.m, dtype=bool)
        open_rows = np.flatnonzero(~s.settled & s.alive)
        if open_rows.size == 0:  # settled or ended for good: this stream is never needed again
            return disputing
        # Two more draws per replication only where preconditions are configured (other runs draw as before).
        draws = self._draw("agenda", 2 * (n_issues + 1) + 2 * self.has_preconditions, rows=open_rows)[open_rows]
        if self.has_preconditions:
            procedure = a.pending[open_rows] | b.pending[open_rows]
            rows = open_rows[procedure]
            for k, p in enumerate((a, b)):
                met = p.yields_precondition(rows, draws[procedure, 2 * (n_issues + 1) + k])
                if self.narrator and rows.size and rows[0] == 0:
                    self.narrator.precondition(p, p.pending[0], bool(met[0]))
                p.pending[rows[met]] = False
            disputing[rows] = True
            open_rows, draws = open_rows[~procedure], draws[~procedure]
        demands_a, demands_b = a.demands[open_rows], b.demands[open_rows]
        conflict = rules.agenda_conflict(demands_a, a.refuses[open_rows], demands_b, b.refuses[open_rows])
        contested = conflict != 0
        newly = open_rows[~contested]
        scope = rules.settled_scope(a.refuses[newly], b.refuses[newly], self.all_issues)
        scope = issue_flags(scope, n_issues)
        required = issue_flags(a.requires[newly] | b.requires[newly], n_issues)
        s.agenda[newly] = rules.parallel_track(scope, issue_rows(s, self.box[2], newly), required)
        s.settled[newly] = True
        rows, draws = open_rows[contested], draws[contested]
        disputing[rows] = True
        mediation = self.lead_mediator.sway(rows) if self.lead_mediator else 0.0
        for k, p in enumerate((a, b)):  # in turn: the second sees what the first dropped
            soften_draws = draws[:, 2 + k * n_issues : 2 + (k + 1) * n_issues]
            drop_insist, drop_refuse = p.soften_stance(rows, draws[:, k], soften_draws, mediation)
            if self.narrator and disputing[0] and rows.size and rows[0] == 0:
                self.narrator.agenda_moves(p, issue_flags(drop_insist[0], n_issues), issue_flags(drop_refuse[0], n_issues))
        if self.narrator:
            fighting = np.zeros(s.m, dtype=bool)
            fighting[rows] = True  # over the scope (not procedure): the rows of ``conflict`` that are contested
            self.narrator.agenda(newly, fighting, conflict[contested], scope)
        s.add("tension", disputing * self._w("agenda_dispute_tension"))
        return disputing

    def _events_phase(self) -> None:
        """2. Events: random shocks at their configured hazards; simultaneous effects add up."""
        events = self.params.events
        if not events:
            return
        s = self.state
        draws = self._draw("events", len(events))
        if self.event_hazards.ndim == 2:  # per replication: the held replications' rows
            s.events_now = draws < s.held(self.event_hazards)
            delta = np.zeros((s.m, len(WORLD_VARS) + 1))  # world vars + trust
            for e, effects in enumerate(self.effects_by_event):  # events are rare: add each where it happened
                hit = np.flatnonzero(s.events_now[:, e])
                ids = s.ids[hit]
                for k, effect in effects:
                    delta[hit, k] += effect[ids] if effect.ndim else effect
        else:
            s.events_now = draws < self.event_hazards
            # Events are rare: the arithmetic only where one happened (elsewhere the world, in [0, 1], stays as it is).
            hit = np.flatnonzero(any_along(s.events_now))
            if hit.size:
                delta = s.events_now[hit].astype(float) @ self.event_effects  # (hit, world vars + trust)
                s.world[:, hit] = clip(s.world[:, hit] + delta[:, :-1].T, 0.0, 1.0)
                for p in self.principals:
                    p.trust[hit] = clip(p.trust[hit] + delta[:, -1], 0.0, 1.0)
            if self.narrator:
                self.narrator.events()
            return
        s.world = clip(s.world + delta[:, :-1].T, 0.0, 1.0)
        for p in self.principals:
            p.trust = clip(p.trust + delta[:, -1], 0.0, 1.0)
        if self.narrator:
            self.narrator.events()

    def _outside_actors_phase(self) -> None:
        """3. Outside actors: spoilers lobby; mediators and stakeholders de-escalate, build trust, press."""
        s = self.state
        s.relief = 0.0
        for sp in self.spoilers:
            sp.lobby()
        for m in self.mediators:
            m.step()
        for h in self.stakeholders:
            h.step()
        s.add("nuclear_progress", self._w("progress_rate"))
        increase = self._w("posture_tension") * s.military_posture
        s.set("tension", rules.next_tension(s.tension, increase, s.relief))

    def _stated_phase(self) -> None:
        """3b. Stated positions: where one leaves no zone of agreement on a required issue, its holder weighs dropping it.

        Mapping rule 22: a principal's public position narrows its red lines
        (:func:`rules.stated_red_lines`). Where the narrowed lines of the two
        sides cannot overlap on an issue either requires, no package can be
        signed; there each holder weighs backing down
        (:meth:`PrincipalAgent.reconsider_stated`, with its belief that the
        other's red line gives: private red lines), and the model records it and
        recomputes the red-line box. Skipped entirely when nobody states a position.
        """
        s = self.state
        a, b = self.principals
        n_issues = len(self.issue_names)
        self._deadlock = np.zeros(s.m, dtype=bool)
        rows = np.flatnonzero(s.alive)
        if rows.size == 0:
            return
        required = issue_flags(a.requires[rows] | b.requires[rows], n_issues)
        blocked = any_along(required & ~issue_rows(s, self.box[2], rows))
        if self.deadlock_exit:  # what staying at a deadlock is worth is priced afresh each round
            for p in self.principals:
                assert p.stay is not None
                p.stay[s.ids[rows]] = np.nan
        dropped = False
        for p in self.principals:
            if not p.has_stated:
                continue
            r = rows[blocked & p.holds_stated[s.ids[rows]]]
            if r.size == 0:
                continue
            backs = p.reconsider_stated(r, self.incentive)
            if self.narrator and r[0] == 0 and (backs.size == 0 or backs[0] != 0) and p.giveway_belief[s.ids[0]] > 0:
                self.narrator.say(
                    f"{p.name} holds its stated position: its belief that {p.other.name}'s red line gives is now "
                    f"{float(p.giveway_belief[s.ids[0]]):.2f}"
                )
            if backs.size == 0:
                continue
            ids = s.ids[backs]
            self.backed_down[ids] = np.where(self.backed_down[ids] == 0, s.round, self.backed_down[ids])
            dropped = True
            if self.narrator and backs[0] == 0:
                self.narrator.say(f"{p.name} backs down from its stated position (at an audience cost at home)")
        if dropped:
            self.box = rules.red_line_box([a.low, b.low], [a.high, b.high])
            self.frontier = rules.nash_frontier(a.ideal, a.salience, b.ideal, b.salience, *self.box[:2], s.status_quo)
        # A known deadlock (rules.known_deadlock): a held public position still closes the zone on a required issue.
        held = np.zeros((rows.size, n_issues), dtype=bool)
        for p in self.principals:
            if p.has_stated:  # the issues where its position narrows its own red line, while it holds it
                narrows = (issue_rows(s, p.stated_low, rows) > issue_rows(s, p.fallback_low, rows)) | (
                    issue_rows(s, p.stated_high, rows) < issue_rows(s, p.fallback_high, rows)
                )
                held |= narrows & p.holds_stated[s.ids[rows], None]
        self._deadlock[rows] = rules.known_deadlock(issue_rows(s, self.box[2], rows), required, held)

    def _bargaining_phase(self, paused: bool = False) -> np.ndarray:
        """4-6. Proposal, answers, learning, ratification. Returns the replications whose package was refused.

        The lead mediator proposes; without one the principals alternate
        offers (Rubinstein 1982), the first principal in odd rounds. A package
        both sign goes home to each side's veto players (Putnam 1988): if
        either rejects it, the round failed (:meth:`_ratification`).
        The random draws are keyed per replication (common random numbers) and,
        like the arithmetic, made only in the replications that bargain this round.
        """
        s = self.state
        rows = np.flatnonzero(s.settled & any_along(s.agenda) & s.alive & (not paused))
        draws = self._draw("proposal", 2, normal=True, rows=rows)  # only where a package is proposed
        home = self._draw("ratification", 2, rows=rows) if self.has_veto else None
        s.proposed = np.zeros(s.m, dtype=bool)
        s.deal_chance = np.zeros(s.m)
        for p in self.principals:
            p.gain = np.zeros(s.m)
        if rows.size == 0:
            return s.proposed.copy()
        s.proposed[rows] = True
        s.proposal_seen[rows] = True
        a, b = self.principals
        proposer = self.lead_mediator or self.principals[(s.round - 1) % 2]
        proposal = proposer.propose(rows, draws, self.incentive)
        s.proposal[rows] = proposal
        agenda = s.agenda[rows]
        answers = [p.answer(rows, proposal, agenda, self.incentive, own=p is proposer) for p in self.principals]
        agreed = answers[0] & answers[1]
        if self.narrator and s.proposed[0]:
            self.narrator.proposal([bool(x[0]) for x in answers], proposer.name)
        # Learning: the mediator and each principal update their beliefs from the other's answer.
        if self.lead_mediator is not None:
            s.deal_chance[rows] = self.lead_mediator.learn(rows, answers)
            for m in self.mediators:
                if m is not self.lead_mediator:
                    m.learn(rows, answers)
        else:  # the proposer's own sense, before it learns, that the other would accept
            s.deal_chance[rows] = proposer.acceptance_chance(rows)
        shift_b = a.learn(rows, answers[1])
        shift_a = b.learn(rows, answers[0])
        a.gain[rows], b.gain[rows] = 0.5 * shift_a, 0.5 * shift_b
        if home is not None:
            agreed &= self._ratification(rows, agreed, home)
        deal = np.zeros(s.m, dtype=bool)
        deal[rows[agreed]] = True
        self.terms[s.ids[rows[agreed]]] = proposal[agreed]
        self.deal_type[s.ids[rows[agreed]]] = DEAL_TYPES.index("full")
        self._finish(deal, DEAL, "agreement")
        for sp in self.spoilers:
            sp.watch(rows)
        refused = np.zeros(s.m, dtype=bool)
        refused[rows[~agreed]] = True
        if self.has_stated:  # a refusal at a known deadlock is talks about talks, not a failed round
            refused, procedural = rules.talks_about_talks(refused, self._deadlock)
            s.procedural += procedural
            if self.narrator and procedural[0]:
                self.narrator.say("a known deadlock: the refusal was certain, so it is no news and adds no tension")
        s.add("tension", refused * self._w("failed_round_tension"))
        return refused

    def _ratification(self, rows: np.ndarray, agreed: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """A package signed at the table goes home: where a side's veto players reject it, a ratification failure.

        Over ``rows`` (``agreed`` marks the packages both signed): returns
        which were ratified. A failure costs the rejecting side the other's
        trust (``world.ratification_trust_loss``), teaches its negotiator its
        actual win-set, counts as a failed round, and ends the talks in a
        stalemate with chance ``ratification_exit`` (cause
        ``<name>_ratification``); otherwise the talks go on. ``draws`` (m, 2)
        cover every held replication.
        """
        s = self.state
        signed = rows[agreed]
        ratified = np.ones(rows.size, dtype=bool)
        loss = self._w("ratification_trust_loss")
        for k, p in enumerate(self.principals):
            if not p.has_veto or signed.size == 0:
                continue
            ok = p.ratifies(signed, p.utility[signed])
            rejected = signed[~ok]
            if rejected.size == 0:
                continue
            ratified[np.flatnonzero(agreed)[~ok]] = False
            self.ratification_failures[s.ids[rejected]] += 1
            p.learn_win_set(rejected)
            p.other.trust[rejected] = clip(p.other.trust[rejected] - at(loss, rejected), 0.0, 1.0)
            if self.narrator and rejected[0] == 0:
                self.narrator.ratification(p)
            ends = np.zeros(s.m, dtype=bool)
            ends[rejected] = p.quits_after_rejection(rejected, draws[rejected, k])
            self._finish(ends, STALEMATE, f"{p.name.lower()}_ratification")
        return ratified

    def _force_phase(self, paused: bool = False) -> None:
        """7. Force: spoiler strikes and principals' force, each up the escalation ladder; tension spirals.

        A principal's decision to leave is taken here once: by force (step 7) or
        by walking out (step 8), whichever its outside option is.
        """
        s = self.state
        draws = self._draw("force", len(self.spoilers) + len(self.principals))
        ladder = None  # the ladder's numbers are drawn only in the rows of a strike (_strike)
        struck = np.zeros(s.m, dtype=bool)
        for j, sp in enumerate(self.spoilers):
            fires, strike, wait = sp.decide_strike(draws[:, j])
            fires &= s.alive & ~struck
            hit = np.flatnonzero(fires)
            self._strike(hit, sp.params.cause, strike[hit], wait[hit], ladder, striker=sp)
            struck |= fires
        self._struck = struck
        rows = np.flatnonzero(s.alive & s.proposal_seen & ~struck & (not paused))
        self._exits = []
        deadlocked = None
        if self.deadlock_exit:  # leaving a known deadlock adjourns the round (none while paused: nobody leaves then)
            self._adjourning = self._deadlock & s.alive if not paused else np.zeros(s.m, dtype=bool)
            deadlocked = self._adjourning[rows]
        for j, p in enumerate(self.principals):
            force, walk, outside, staying = p.decide_exit(rows, self.standing, draws[rows, len(self.spoilers) + j], deadlocked)
            by_force = force & s.alive[rows] & ~struck[rows]  # (the other principal's force may have ended some)
            self._strike(rows[by_force], p.params.cause, outside[by_force], staying[by_force], ladder, striker=p)
            struck[rows[by_force]] = True
            leaves = np.zeros(s.m, dtype=bool)
            leaves[rows[walk]] = True
            self._exits.append(leaves)
        spiral = s.tension >= self._w("tension_threshold")
        self._finish(s.alive & spiral, ESCALATION, "tension_spiral", severity=3)

    def _strike(self, hit: np.ndarray, cause: str, force_value, continue_value, ladder, *, striker=None) -> None:
        """A strike in the held replications ``hit``: up the ladder; the talks resume or end in escalation.

        ``force_value`` and ``continue_value`` are the striker's values there
        (one per replication of ``hit``); the arithmetic covers only ``hit``.
        ``ladder`` (m, 2) holds the ladder's uniforms; None: the ``ladder``
        stream's, drawn in the rows ``hit`` only (keyed: the same numbers).
        """
        if hit.size == 0:
            return
        s = self.state
        if ladder is None:
            ladder = self._draw("ladder", 2, rows=hit)
        severity, resumed = rules.escalation_ladder(
            at(self._w("retaliation_probability"), hit), at(self._w("resume_probability"), hit), ladder[hit]
        )
        ids = s.ids[hit]
        first = ids[~self.any_strike[ids]]
        self.first_strike[first] = self.causes.index(cause)
        self.any_strike[ids] = True
        self.severity[ids] = np.maximum(self.severity[ids], severity)
        self.force_value[ids] = force_value
        self.continue_value[ids] = continue_value
        joined = self._allies_join(hit, striker) if self.has_allies and striker is not None else None
        back = hit[resumed]
        self.resumed[s.ids[back]] = True
        s.add("nuclear_progress", -at(self._w("strike_setback"), back), rows=back)  # the setback where the talks resume
        if joined is not None and joined.any():  # the ally's strike destroys as much again
            both = hit[resumed & joined]
            s.add("nuclear_progress", -at(self._w("strike_setback"), both), rows=both)
        ended = np.zeros(s.m, dtype=bool)
        ended[hit[~resumed]] = True
        if self.narrator:
            fires, rungs, again = np.zeros(s.m, dtype=bool), np.zeros(s.m, dtype=np.int8), np.zeros(s.m, dtype=bool)
            fires[hit], rungs[hit], again[hit] = True, severity, resumed
            self.narrator.strike(fires, cause, rungs, again)
        self._finish(ended, ESCALATION, cause)

    def _allies_join(self, hit: np.ndarray, striker) -> np.ndarray:
        """Whether the striker's ally joins the strike in rows ``hit``, each ally by its own values; records who joined.

        Model spec, "Allies act together": a spoiler's ally principal joins when
        force is worth more to it than the no deal left
        (:meth:`PrincipalAgent.decide_force_instead`); a spoiler whose ally
        struck joins when striking is worth more to it than waiting
        (:meth:`SpoilerAgent.decide_strike_now`). Returns the mask over ``hit``.
        """
        s = self.state
        draws = self._ally_draws
        joined = np.zeros(hit.size, dtype=bool)
        if draws is None:
            return joined
        if isinstance(striker, SpoilerAgent):
            allies = [(len(self.spoilers) + k, p) for k, p in enumerate(self.principals) if p.name == striker.params.ally]
        else:
            allies = [(j, sp) for j, sp in enumerate(self.spoilers) if sp.params.ally == striker.name]
        for col, ally in allies:
            if isinstance(ally, SpoilerAgent):
                joins = ally.decide_strike_now(hit, draws[hit, col])
            else:
                joins = ally.decide_force_instead(hit, draws[hit, col])
            ids = s.ids[hit[joins & ~joined]]
            self.joined_strike[ids] = np.where(
                self.joined_strike[ids] < 0, self.causes.index(ally.params.cause), self.joined_strike[ids]
            )
            if self.narrator and hit[0] == 0 and joins[0] and not joined[0]:
                self.narrator.say(f"{ally.name} joins the strike")
            joined |= joins
        return joined

    def _coercion_phase(self, paused: bool, extension_probability) -> None:
        """7b. Coercion below war: sabotage by spoilers, coercive steps by principals; the talks go on.

        Rungs below a strike (model spec, "Coercion below war"): a spoiler that
        did not strike this round may sabotage (:meth:`SpoilerAgent.decide_sabotage`,
        also during a pause); a principal at the table (a package seen, not
        paused) may take its step (:meth:`PrincipalAgent.decide_coercion`).
        Each moves the world by its effects; none ends the talks.
        """
        s = self.state
        draws = self._draw("coercion", len(self.spoilers) + len(self.principals))
        struck = self._struck
        for j, sp in self.saboteurs:
            takes = sp.decide_sabotage(draws[:, j]) & s.alive & ~struck
            self._coerce(np.flatnonzero(takes), sp.params.sabotage_effects, f"{sp.name}: sabotage")
        if paused:
            return
        for k, p, effects in self.coercers:
            at_table = s.alive & s.proposal_seen & ~struck
            rows = p.decide_coercion(at_table, draws[:, len(self.spoilers) + k], effects, extension_probability)
            self._coerce(rows, p.params.coercion_effects, f"{p.name}: a coercive step")

    def _coerce(self, rows: np.ndarray, effects: dict, what: str) -> None:
        """Apply a coercive step's effects in rows ``rows`` and count it."""
        if rows.size == 0:
            return
        s = self.state
        for name, delta in effects.items():
            s.add(name, at(s.held(delta), rows) if np.ndim(delta) else delta, rows=rows)
        self.coercion_steps[s.ids[rows]] += 1
        if self.narrator and rows[0] == 0 and self.narrator.watching:
            self.narrator.say(
                f"{what} ({', '.join(f'{k} {v:+g}' for k, v in effects.items() if not np.ndim(v))}); the talks go on"
            )

    def _walkout_phase(self) -> None:
        """8. Walk-out: a principal for whom no deal is worth more than staying ends the talks."""
        s = self.state
        leaving = np.flatnonzero((self._exits[0] | self._exits[1]) & s.alive) if self._exits else np.zeros(0, dtype=np.intp)
        if leaving.size == 0:
            return
        draws = self._draw("walkout", 1, rows=leaving)  # read only where a principal leaves (keyed: the same numbers)
        escalates = rules.collapse_escalates(self._w("collapse_escalation"), s.tension, draws[:, 0])
        for p, leaves in zip(self.principals, self._exits, strict=True):
            leaves = leaves & s.alive
            if self.deadlock_exit:  # at a known deadlock: an adjournment without a date (rules.deadlock_staying)
                adjourns = leaves & self._adjourning
                self._finish(adjourns, STALEMATE, f"{p.name.lower()}_adjourns")
                leaves &= ~adjourns
            self._finish(leaves & escalates, ESCALATION, "collapse_to_confrontation", severity=3)
            self._finish(leaves & ~escalates, STALEMATE, f"{p.name.lower()}_walkout")

    def _deadline_phase(self) -> None:
        """9. At a deadline: extension (the deadline moves on), an interim deal, or lapse (stalemate).

        Where the talks would lapse and a package has been on the table, the
        mediator proposes an interim deal (:func:`rules.interim_package`); both
        sign it if it is worth their outside option, the alternative being the
        lapse (a deal of type ``interim``).
        """
        s = self.state
        w = self.params.world
        if w.deadline <= 0:  # no deadline: the stream is never used
            return
        due = np.flatnonzero((s.deadline > 0) & (s.deadline == s.round))  # the draws are read only at a deadline
        draws = self._draw("deadline", 1, rows=due)[:, 0]
        lapse = rules.deadline_lapses(s.round, s.deadline, self._w("extension_probability"), draws) & s.alive
        extended = (s.deadline == s.round) & ~lapse
        s.deadline = np.where(extended, s.deadline + w.extension_rounds, s.deadline)
        rows = np.flatnonzero(lapse & s.proposal_seen)
        scale = self._w("interim_scale")
        if np.any(scale > 0) and rows.size:
            low, high, sq = (issue_rows(s, x, rows) for x in (*self.box[:2], s.status_quo))
            interim = rules.interim_package(sq, s.proposal[rows], np.reshape(at(scale, rows), (-1, 1)), s.agenda[rows], low, high)
            signed = np.ones(rows.size, dtype=bool)
            for p in self.principals:
                signed &= p.signs_interim(rows, interim, s.agenda[rows], self.incentive)
            deal = np.zeros(s.m, dtype=bool)
            deal[rows[signed]] = True
            self.terms[s.ids[rows[signed]]] = interim[signed]
            self.deal_type[s.ids[rows[signed]]] = DEAL_TYPES.index("interim")
            if self.narrator and deal[0]:
                self.narrator.say("deadline: the sides sign an interim deal (freeze for relief)")
            self._finish(deal, DEAL, "agreement")
        if w.ultimatum_by:
            lapse = lapse & ~self._ultimatum(lapse & s.alive)  # where a strike's ceasefire lets the talks resume, they do
        self._finish(s.alive & lapse, STALEMATE, "deadline_lapse")

    def _ultimatum(self, lapse: np.ndarray) -> np.ndarray:
        """At the lapse of an ultimatum the threatener, then its allies, weigh force by their own values.

        Model spec, "Ultimatums": escalation where force is worth more to them
        than the no deal the lapse leaves (:meth:`PrincipalAgent.decide_force_instead`;
        a spoiler allied to the threatener by its strike values with the talks
        failed, :meth:`SpoilerAgent.decide_strike_now`), a stalemate where it is
        not. A strike goes up the escalation ladder as any other. Returns where
        a strike was made (over the held replications).
        """
        s = self.state
        rows = np.flatnonzero(lapse)
        struck = np.zeros(s.m, dtype=bool)
        if rows.size == 0:
            return struck
        draws = self._draw("ultimatum", 3 + len(self.spoilers), rows=rows)  # read only where the ultimatum lapses
        self.ultimatum_lapsed[s.ids[rows]] = True
        if self.narrator and rows[0] == 0:
            self.narrator.say(f"the ultimatum of {self.params.world.ultimatum_by} lapses")
        ladder = draws[:, 1:3]
        threatener = self.principal(self.params.world.ultimatum_by)
        fires = threatener.decide_force_instead(rows, draws[rows, 0])
        hit = rows[fires]
        self._strike(hit, threatener.params.cause, threatener.force[hit], threatener.no_deal[hit], ladder, striker=threatener)
        for j, sp in enumerate(self.spoilers):
            rest = rows[s.alive[rows] & ~fires]
            if sp.params.ally != threatener.name or rest.size == 0:
                continue
            strikes = sp.decide_strike_now(rest, draws[rest, 3 + j], talks_failed=True)
            hit = rest[strikes]
            self._strike(hit, sp.params.cause, np.full(hit.size, np.nan), np.full(hit.size, np.nan), ladder, striker=sp)
            fires = fires | np.isin(rows, hit)
        struck[rows[fires]] = True
        return struck

    # ------------------------------------------------------------ bookkeeping

    def _draw(self, stream: str, k: int, *, normal: bool = False, rows: np.ndarray | None = None) -> np.ndarray:
        """Draws (m, k) for the held replications, keyed by replication, stream, round and column (sim.core.keyed).

        Only the rows held are drawn, or only ``rows`` of them when given (the others are zeros, never read):
        each replication's numbers are its own whatever the others do (common random numbers), the same
        whatever the grouping of blocks or the workers.
        """
        s = self.state
        if self._keys_for is not s.ids:
            self._held_keys = self._row_keys if s.m == self.n else np.take(self._row_keys, s.ids)
            self._keys_for = s.ids
        draw = keyed.normals if normal else keyed.uniforms
        if rows is None:
            return draw(self._held_keys, STREAMS.index(stream), s.round, k)
        out = np.zeros((s.m, k), dtype=np.float32)
        out[rows] = draw(self._held_keys[rows], STREAMS.index(stream), s.round, k)
        return out

    def _compact(self) -> None:
        """Drop ended replications from every state array, so later rounds only compute the running ones."""
        keep = np.flatnonzero(self.state.alive)  # indices, found once: each boolean index would scan the mask again
        self.state.compact(keep)
        for agent in (*self.principals, *self.mediators, *self.spoilers, *self.stakeholders):
            agent.compact(keep)

    def _finish(self, mask: np.ndarray, outcome: int, cause: str, *, severity: int = 0) -> None:
        """End the replications in ``mask`` (only those still running) with an outcome and its cause."""
        s = self.state
        mask = mask & s.alive
        rows = np.flatnonzero(mask)  # once: each boolean index below would scan the whole mask again
        if rows.size == 0:
            return
        ids = s.ids[rows]
        self.outcome[ids] = outcome
        self.end_round[ids] = s.round
        self.cause[ids] = self.causes.index(cause)
        self.final_tension[ids] = s.tension[rows]
        self.final_agenda[ids] = s.agenda[rows]
        self.final_settled[ids] = s.settled[rows]
        if severity:
            self.any_strike[ids] = True
            self.severity[ids] = np.maximum(self.severity[ids], severity)
        s.alive[rows] = False
        if self.narrator and mask[0]:
            self.narrator.say(f"talks end in {OUTCOMES[outcome].upper()} ({cause})")
