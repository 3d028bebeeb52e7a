"""A principal (the United States, Iran): its beliefs, its answers and proposals, and its choice between
continuing, walking out and force."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import rules
from sim.core.agents.actor import Actor
from sim.core.params import WORLD_VARS, Principal
from sim.core.rows import any_along
from sim.core.state import at, issue_bits, issue_flags, issue_rows, issue_values
from sim.core.ufuncs import clip


class PrincipalAgent(Actor):
    """A principal at the table (the US, Iran): outside option, answers, beliefs, walk-out and force."""

    role = "principal"
    REP_ARRAYS = (
        "insists",
        "refuses",
        "trust",
        "hardening",
        "resolve",
        "belief_lo",
        "belief_hi",
        "discount",
        "no_deal",
        "force",
        "outside",
        "risk",
        "value",
        "utility",
        "cutoff",
        "within",
        "gain",
        "requires",
        "pending",
        "veto_believed",
        "veto_actual",
        "veto_doubt",
        "keep",
        "bar",
        "bar_safe",
        "unrest_at_start",
        "keep_at_start",
    )

    def __init__(self, model: mesa.Model, params: Principal, resolve_uniform: np.ndarray, veto_uniform: np.ndarray) -> None:
        super().__init__(model, params)
        issues = model.issue_names
        n = self.state.n
        self._set_terms(params)
        # Agenda stances as bit masks over the issues (bit k: issue k), one per replication.
        self.insists = np.full(n, issue_bits(np.isin(issues, params.insists)))
        self.refuses = np.full(n, issue_bits(np.isin(issues, params.refuses)))
        self.requires = np.full(n, issue_bits(np.isin(issues, params.requires)))  # never parked, never dropped
        self.pending = np.full(n, bool(params.preconditions))  # its preconditions not yet met
        # Domestic ratification: the veto players' actual threshold (private, drawn once) and what its negotiator
        # believes it to be (the mean, until a rejected package teaches it the actual one).
        self.has_veto = bool(np.any(np.asarray(params.veto_threshold) > 0) or np.any(np.asarray(params.veto_spread) > 0))
        self.veto_actual = np.broadcast_to(rules.veto_draw(params.veto_threshold, params.veto_spread, veto_uniform), (n,)).copy()
        self.veto_believed = np.broadcast_to(np.asarray(params.veto_threshold, dtype=float), (n,)).copy()
        self.veto_doubt = np.broadcast_to(np.asarray(params.veto_spread, dtype=float), (n,)).copy()  # 0 once learned
        self.unrest_at_start = self.state.unrest.copy()
        self.keep_at_start = np.zeros(n)  # set by meet(), once the other's guarantee is known
        # This round's chance that the other keeps a deal and the domestic bars its negotiator believes in (assess).
        self.keep, self.bar, self.bar_safe = np.zeros(n), np.zeros(n), np.zeros(n)
        self.pressure_vars = [WORLD_VARS.index(k) for k in params.pressure]
        # Sensitivities (K,), or (K, n) when any is drawn per replication (issue 12).
        self.sensitivity = (
            np.array(np.broadcast_arrays(*params.pressure.values()), dtype=float) if params.pressure else np.zeros(0)
        )
        self._sensitivity_rows = self.sensitivity.T  # (n, K): one object, so the held rows are gathered once
        self.trust = np.broadcast_to(np.asarray(params.trust, dtype=float), (n,)).copy()
        self.hardening = np.zeros(n)
        self.resolve = rules.resolve_draw(params.resolve_spread, resolve_uniform)  # private, drawn once
        # What this principal believes about the other's resolve: uniform on [belief_lo, belief_hi].
        self.belief_lo = np.zeros(n)
        self.belief_hi = np.zeros(n)
        self.discount = np.broadcast_to(rules.effective_discount(params.discount, params.concession_e), (n,)).copy()
        zeros = np.zeros(n)  # replaced, never written in place, each round
        self.no_deal, self.force, self.outside, self.risk = zeros, zeros, zeros, zeros
        # Written in place row by row (answer): one array each, so that writing one never changes another.
        self.value, self.utility, self.cutoff, self.gain = np.zeros(n), np.zeros(n), np.full(n, np.inf), np.zeros(n)
        self.within = np.zeros(n, dtype=bool)
        # Mapping rule 23: the shift of its outside option to its hardest co-holder's, per replication id, when its
        # stated position is held jointly (hold_jointly); None when it holds it alone (nothing computed).
        self.joint_shift: np.ndarray | None = None
        # Adjourning a held deadlock (world.deadlock_exit): per replication id, its belief that the other gives way on
        # the position it holds against it, and what staying is worth this round at a known deadlock (NaN: not
        # priced this round); None when the mechanism is off (nothing computed: start_deadlock_exit).
        self.await_belief: np.ndarray | None = None
        self.stay: np.ndarray | None = None
        self._other: PrincipalAgent | None = None

    def _set_terms(self, params: Principal) -> None:
        """Its ideal, saliences and red lines per issue, from ``params`` (at the start and when a government changes)."""
        issues = self.model.issue_names
        n = self.state.n
        # Per issue: (I,), or (n, I) when drawn per replication (issue 12); read through issue_terms and issue.
        bounds: list = [params.red_lines.get(i, (0.0, 1.0)) for i in issues]
        # A stated public position narrows its red lines until it backs down (rules.stated_red_lines); its red lines
        # are then kept per replication, so that one replication can drop the position while another holds it.
        self.has_stated = bool(params.stated)
        if self.has_stated:
            self.fallback_low = issue_values([b[0] for b in bounds], n)
            self.fallback_high = issue_values([b[1] for b in bounds], n)
            stated = [params.stated.get(i, (0.0, 1.0)) for i in issues]
            narrowed = [rules.stated_red_lines(b[0], b[1], st[0], st[1]) for b, st in zip(bounds, stated, strict=True)]
            bounds = [(np.full(n, lo, dtype=float), np.full(n, hi, dtype=float)) for lo, hi in narrowed]
            self.holds_stated = np.ones(n, dtype=bool)  # per replication id: it has not backed down
            self.stated_low = issue_values([st[0] for st in stated], n)
            self.stated_high = issue_values([st[1] for st in stated], n)
            # Private red lines: its belief (per replication id) that the other's red line gives on the held term.
            self.giveway_belief = np.broadcast_to(np.asarray(params.giveway_prior, dtype=float), (n,)).copy()
        fields = (
            [params.ideal[i] for i in issues],
            [params.salience.get(i, 0.0) for i in issues],
            [b[0] for b in bounds],
            [b[1] for b in bounds],
        )
        drawn = [any(np.ndim(v) for v in f) for f in fields]
        # The fields with a value per replication side by side in one (n, k I) array, so that a round gathers their
        # rows once, and each as its own contiguous (n, I) copy; the others stay (I,), shared by every replication.
        drawn_fields = [k for k, d in enumerate(drawn) if d]
        self._terms = issue_values([v for k in drawn_fields for v in fields[k]], n) if drawn_fields else None
        n_issues = len(issues)
        self._columns = {k: slice(j * n_issues, (j + 1) * n_issues) for j, k in enumerate(drawn_fields)}
        self.ideal, self.salience, self.low, self.high = (
            np.ascontiguousarray(self._terms[:, self._columns[k]])
            if self._terms is not None and k in self._columns
            else np.array(f, dtype=float)
            for k, f in enumerate(fields)
        )

    @property
    def joint_holders(self) -> int:
        """How many governments hold its stated position together (mapping rule 23): the most on any issue it states
        a position on (dropping the position needs every one of them); 1 when it holds it alone or states none."""
        stated = self.params.stated
        return max((int(k) for issue, k in self.params.stated_holders.items() if issue in stated), default=1)

    def hold_jointly(self, uniforms: np.ndarray) -> None:
        """Its co-holders' private resolves, from ``uniforms`` (n, holders - 1), drawn once; the shift of its outside
        option to its hardest holder's, per replication id (:func:`rules.hardest_holder`)."""
        spread = np.asarray(self.params.resolve_spread, dtype=float)
        co_holders = rules.resolve_draw(np.reshape(spread, (-1, 1)) if spread.ndim else spread, uniforms)
        self.joint_shift = rules.hardest_holder(self.resolve, co_holders) - self.resolve

    def start_deadlock_exit(self) -> None:
        """Adjourning a held deadlock is on: its belief that the other gives way starts at its ``giveway_prior``."""
        n = self.state.n
        self.await_belief = np.broadcast_to(np.asarray(self.params.giveway_prior, dtype=float), (n,)).copy()
        self.stay = np.full(n, np.nan)

    def back_down(self, ids: np.ndarray) -> None:
        """It drops its stated position in replications ``ids`` (ids, not held rows): its red lines are its own again."""
        self.holds_stated[ids] = False
        for k, value in ((2, self.fallback_low), (3, self.fallback_high)):
            row = value[ids] if np.ndim(value) > 1 else value
            assert self._terms is not None  # the red lines are per replication whenever a position is stated
            self._terms[ids, self._columns[k]] = row
            (self.low if k == 2 else self.high)[ids] = row

    def take_office(self, params: Principal, keys) -> bool:
        """A new government: its parameters replace the old ones; returns whether its agenda stance or red lines changed.

        Model spec, "Pauses are not ends": the talks resume with the principal's
        parameters of the new government. Trust and agenda stances restart from
        the new values; red lines and ideal points are rebuilt (the model then
        recomputes the red-line box). Everything read through :meth:`p` follows.
        ``keys`` are the parameters the transition sets.
        """
        old, self.params = self.params, params
        m = self.state.m
        issues = self.model.issue_names
        if "trust" in keys:
            self.trust = np.broadcast_to(self.state.held(np.asarray(params.trust, dtype=float)), (m,)).copy()
        changed = False
        if {"insists", "refuses"} & set(keys):  # a new stance replaces the one it had come to (softened or not)
            stance = (issue_bits(np.isin(issues, params.insists)), issue_bits(np.isin(issues, params.refuses)))
            changed = stance != (issue_bits(np.isin(issues, old.insists)), issue_bits(np.isin(issues, old.refuses)))
            self.insists, self.refuses = np.full(m, stance[0]), np.full(m, stance[1])
        terms_changed = any(k in keys for k in ("ideal", "salience", "red_lines", "stated"))  # a new government states anew
        if terms_changed:
            self._set_terms(params)
        return bool(changed or terms_changed)

    @property
    def other(self) -> PrincipalAgent:
        """The principal across the table (set by :meth:`meet`)."""
        if self._other is None:
            raise RuntimeError(f"{self.name} has not met the other principal: call meet() first")
        return self._other

    def meet(self, other: PrincipalAgent) -> None:
        """Take the other principal's resolve prior (its configured spread) as this principal's belief."""
        self._other = other
        spread = np.broadcast_to(np.asarray(other.params.resolve_spread, dtype=float), (self.state.n,))
        self.belief_lo = -spread.copy()
        self.belief_hi = spread.copy()
        self.keep_at_start = np.broadcast_to(rules.keep_chance(self.trust, other.params.guarantee), (self.state.n,)).copy()
        self.keep = self.keep_at_start.copy()

    # ------------------------------------------------------------- assessment

    @property
    def domestic_cost(self) -> np.ndarray:
        return self.p("sovereignty_cost") * self.state.unrest

    @property
    def demands(self) -> np.ndarray:
        """The issues it wants on the agenda (bit masks): those it insists on and those it requires in any deal."""
        return self.insists | self.requires

    def domestic_bar(self, rows: np.ndarray | None = None, actual: bool = False, safe: bool = False) -> np.ndarray:
        """The package utility its veto players demand now (in ``rows``, or every held replication): by its
        negotiator's belief (the mean, or with ``safe`` the top of what it believes possible), or the actual one."""
        if actual:
            threshold = self.veto_actual
        elif safe:
            threshold = np.minimum(self.veto_believed + self.veto_doubt, 1.0)
        else:
            threshold = self.veto_believed
        every = slice(None) if rows is None else rows
        return rules.veto_bar(
            threshold[every],
            self.p("sovereignty_cost") if rows is None else at(self.p("sovereignty_cost"), rows),
            self.state.unrest[every],
            self.unrest_at_start[every],
            self.keep[every],
            self.keep_at_start[every],
        )

    def ratifies(self, rows: np.ndarray, utility: np.ndarray) -> np.ndarray:
        """Whether its veto players ratify, in ``rows``, packages of ``utility`` to it that its negotiator signed."""
        if not self.has_veto:
            return np.ones(len(rows), dtype=bool)
        return rules.ratifies(utility, self.domestic_bar(rows, actual=True))

    def learn_win_set(self, rows: np.ndarray) -> None:
        """After its veto players rejected a package: its negotiator now knows their actual threshold."""
        self.veto_believed[rows] = self.veto_actual[rows]
        self.veto_doubt[rows] = 0.0

    def yields_precondition(self, rows: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Whether its preconditions are settled this round in ``rows`` (it drops them or the other side yields)."""
        mine, theirs = at(self.p("agenda_flexibility"), rows), at(self.other.p("agenda_flexibility"), rows)
        return self.pending[rows] & rules.precondition_yield(mine, theirs, draws)

    def soften_stance(
        self, rows: np.ndarray, track_draws: np.ndarray, soften_draws: np.ndarray, mediation
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where the agenda is contested (``rows``), move on it; returns what it dropped (insisted, refused) as bit masks.

        It takes the mediator's parallel track for the issues it insists on and
        the other refuses, with the chance of
        :func:`rules.parallel_track_acceptance` (its agenda flexibility, and the
        lead mediator's ``mediation``: :meth:`MediatorAgent.sway`, 0 without
        one), never for an issue it requires in any deal; and it agrees to
        discuss each issue it refuses and the other demands with chance its
        agenda flexibility. ``track_draws`` (len(rows),) and ``soften_draws``
        (len(rows), I) are the model's uniforms.
        """
        other = self.other
        flex = at(self.p("agenda_flexibility"), rows)
        track = track_draws < rules.parallel_track_acceptance(flex, mediation)
        per_issue = np.reshape(flex, (-1, 1)) if np.ndim(flex) else flex  # per replication: one per row
        soften = issue_bits(soften_draws < per_issue)
        # A parallel track takes only what it insists on, never what it requires in any deal.
        drop_insist = np.where(track, self.insists[rows] & other.refuses[rows] & ~self.requires[rows], 0)
        drop_refuse = soften & self.refuses[rows] & other.demands[rows]
        self.insists[rows] &= ~drop_insist
        self.refuses[rows] &= ~drop_refuse
        return drop_insist, drop_refuse

    def reconsider_stated(self, rows: np.ndarray, incentive) -> np.ndarray:
        """Where no zone of agreement is left on a required issue (``rows``), weigh dropping its stated position;
        returns the rows where it backs down (it has then dropped it: :meth:`back_down`).

        Mapping rule 22: only where its own position is what closes the zone
        (its red lines without it would open one on every required issue). It
        prices the deal the mediator would then propose (the Nash package over
        the wider box, by its belief's mean about the other's resolve) and
        backs down when that is worth more than its outside option by its
        audience cost (:func:`rules.backs_down`). Private red lines: with a
        belief that the other's red line gives on the held term it also weighs
        holding on (:func:`rules.holding_value`: the chance the other gives way
        this round, its belief times the other's agenda flexibility, times the
        deal at its own position, else a round of costly delay) and backs down
        only when that is worth less (:func:`rules.backs_down_believing`); where
        it holds, the other has held too, and its belief falls by Bayes' rule
        (:func:`rules.giveway_update`).
        """
        s, other = self.state, self.other
        r, package = self._deal_without_position(rows, incentive)
        if r.size == 0:
            return r
        incentive = at(incentive, r)
        ideal, salience = self.issue_terms(r)[:2]
        value = self.value_of(r, rules.utility(package, ideal, salience), incentive)
        cost = at(self.p("audience_cost"), r)
        # held jointly (rule 23): it gives way only where its hardest holder would (rules.hardest_holder)
        outside = self.outside[r] if self.joint_shift is None else self.outside[r] + self.joint_shift[s.ids[r]]
        belief = self.giveway_belief[s.ids[r]]
        hold = None
        if belief.any():  # private red lines: it weighs holding on against backing down (rules.holding_value)
            rate = np.broadcast_to(at(other.p("agenda_flexibility"), r), r.shape)
            own = clip(package, issue_rows(s, self.stated_low, r), issue_rows(s, self.stated_high, r))
            value_own = self.value_of(r, rules.utility(own, ideal, salience), incentive)
            chance = rules.giveway_chance(belief, rate)
            hold = rules.holding_value(chance, value_own, value - cost, outside, self.discount[r], self.risk[r])
            drop = rules.backs_down_believing(value, cost, outside, hold)
            # it held and so did the other (whose red line, in the model, is what the configuration says)
            self.giveway_belief[s.ids[r[~drop]]] = rules.giveway_update(belief[~drop], rate[~drop])
        else:
            drop = rules.backs_down(value, cost, outside)
        if self.stay is not None and other.stay is not None and other.await_belief is not None:
            self._price_deadlock(r, drop, hold, package, value - cost, outside, incentive)
        if drop.any():
            self.back_down(s.ids[r[drop]])
        return r[drop]

    def _deal_without_position(self, rows: np.ndarray, incentive) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``rows`` where its own stated position is what closes the zone (its red lines without it would
        open one on every required issue), and there the deal the mediator would propose if it dropped it: the Nash
        package over the wider box, by its belief's mean about the other's resolve."""
        s, other = self.state, self.other
        a, b = self.model.principals
        n_issues = len(self.model.issue_names)
        r = rows
        shape = (r.size, n_issues)
        low = np.broadcast_to(np.maximum(issue_rows(s, self.fallback_low, r), other.issue("low", r)), shape)
        high = np.broadcast_to(np.minimum(issue_rows(s, self.fallback_high, r), other.issue("high", r)), shape)
        req = issue_flags(a.requires[r] | b.requires[r], n_issues)
        opens = ~any_along(req & (low > high))  # its own position is what closes the zone
        if not opens.any():
            return r[:0], np.empty((0, n_issues))
        r, low, high, req = r[opens], low[opens], high[opens], req[opens]
        ia, sa = a.issue_terms(r)[:2]
        ib, sb = b.issue_terms(r)[:2]
        frontier = rules.nash_frontier(ia, sa, ib, sb, low, high, issue_rows(s, s.status_quo, r))
        discussed = ~issue_flags(a.refuses[r] | b.refuses[r], n_issues)
        agenda = np.where(s.settled[r][:, None], s.agenda[r], discussed)
        agenda = rules.parallel_track(agenda, low <= high, req)
        incentive = at(incentive, r)
        guess_other = 0.5 * (self.belief_lo[r] + self.belief_hi[r])  # its belief's mean about the other's resolve
        d_self = self.disagreement(r, self.resolve[r], incentive)
        d_other = other.disagreement(r, guess_other, incentive)
        d_a, d_b = (d_self, d_other) if self is a else (d_other, d_self)
        return r, rules.nash_solve(frontier, d_a, d_b, agenda)

    def _price_deadlock(self, r, drop, hold, package, backing, outside, incentive) -> None:
        """Adjourning a held deadlock (world.deadlock_exit): where it holds its position in rows ``r``, what staying
        is worth to it (holding on, :func:`rules.holding_value`, by the rule it has just applied) and to the other,
        which waits for it to give way (:func:`rules.awaiting_value`: the other's belief that it gives way, updated
        by Bayes' rule now that it has held this round, times its own per-round rate, and the deal the mediator
        would propose once it backs down, ``package``)."""
        s, other = self.state, self.other
        mine, theirs, believed = self.stay, other.stay, other.await_belief
        assert mine is not None and theirs is not None and believed is not None  # the mechanism is on
        held = r[~drop]
        if held.size == 0:
            return
        ids = s.ids[held]
        keep = ~drop
        if hold is None:  # no belief that the other gives way: holding is a round of delay, then backing down
            hold = rules.waiting_value(self.discount[r], self.risk[r], backing, outside)
        mine[ids] = np.fmax(mine[ids], hold[keep])
        rate = np.broadcast_to(at(self.p("agenda_flexibility"), held), held.shape)
        belief = rules.giveway_update(believed[ids], rate)
        believed[ids] = belief
        o_ideal, o_salience = other.issue_terms(held)[:2]
        prize = other.value_of(held, rules.utility(package[keep], o_ideal, o_salience), at(incentive, keep))
        staying = rules.awaiting_value(
            rules.giveway_chance(belief, rate), prize, other.discount[held], other.risk[held], other.outside[held]
        )
        theirs[ids] = np.fmax(theirs[ids], staying)

    def quits_after_rejection(self, rows: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Whether it ends the talks after its veto players rejected the package, in ``rows``: with chance
        ``ratification_exit`` (a stalemate); otherwise the talks go on."""
        return draws < at(self.p("ratification_exit"), rows)

    def acceptance_chance(self, rows: np.ndarray) -> np.ndarray:
        """Its own sense, before it learns, that the other signs the package it offered in ``rows`` (direct talks):
        0 where the package is outside the other's red lines or domestic bar."""
        other = self.other
        chance = rules.belief_acceptance_chance(self.belief_lo[rows], self.belief_hi[rows], other.cutoff[rows])
        return np.where(other.within[rows], chance, 0.0)

    @property
    def base(self) -> np.ndarray:
        """Its outside option without its private resolve (public: what others can compute)."""
        return np.maximum(self.no_deal, self.force)

    def keep_chance(self) -> np.ndarray:
        """The chance it counts on that the other keeps a deal signed this round: before the other's scheduled change
        of government, the successor must honour it too (:func:`rules.keep_chance_before_turnover`)."""
        other = self.other
        turnover = self.model.turnover_at.get(other.name)
        if turnover is not None and self.state.round < turnover:
            return rules.keep_chance_before_turnover(self.trust, other.p("guarantee"), other.p("successor_keeps"))
        return rules.keep_chance(self.trust, other.p("guarantee"))

    def assess(self, extension_probability) -> None:
        """Value its outside option (no deal after pressure, or force) and the risk of waiting, this round."""
        s, p = self.state, self.p
        sensitivity = self.sensitivity if self.sensitivity.ndim < 2 else s.held(self._sensitivity_rows).T
        outside_pressure = rules.saturated_pressure(self.hardening, self.model._w("pressure_cap"))
        self.no_deal = rules.no_deal_value(p("no_deal_value"), sensitivity, s.world[self.pressure_vars], outside_pressure)
        self.force = rules.force_value(
            p("force_posture_weight"), p("force_progress_weight"), p("war_cost"), s.military_posture, s.nuclear_progress
        )
        self.outside = rules.outside_option(self.no_deal, self.force, self.resolve)
        self.keep = self.keep_chance()
        if self.has_veto:  # the bars its negotiator believes in this round (the mean, and the top of the range)
            self.bar, self.bar_safe = self.domestic_bar(), self.domestic_bar(safe=True)
        at_deadline = (s.deadline > 0) & (s.deadline == s.round)
        self.risk = rules.perceived_risk(
            s.held(self.model.params.world.perceived_risk), s.tension, at_deadline, extension_probability
        )

    def issue_terms(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Its ideal, saliences and red lines (low, high) for rows ``rows`` of the held replications, in one gather."""
        terms = [self.ideal, self.salience, self.low, self.high]
        if self._terms is None:
            return tuple(terms)  # type: ignore[return-value]
        taken = np.take(self._terms, self.state.ids[rows], axis=0)  # the fields drawn per replication only
        for k, columns in self._columns.items():
            terms[k] = taken[:, columns]
        return tuple(terms)  # type: ignore[return-value]

    def issue(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Its per-issue parameter ``name`` (ideal, salience, low, high) for rows ``rows`` of the held replications."""
        return issue_rows(self.state, getattr(self, name), rows)

    def threshold_utility(self, resolve_estimate: np.ndarray, incentive) -> np.ndarray:
        """The package utility that is worth its outside option, for a given estimate of its resolve."""
        return rules.utility_threshold(
            self.base + resolve_estimate, incentive, self.keep, self.p("betrayal_cost"), self.domestic_cost
        )

    def disagreement(self, rows: np.ndarray, resolve_estimate: np.ndarray, incentive) -> np.ndarray:
        """Its disagreement point in ``rows`` for a proposer that estimates its resolve: the utility worth its outside
        option, and at least what its veto players might demand by its negotiator's belief (the top of the believed
        range, public: the negotiator says so), so that a proposal is ratified whatever that belief allows."""
        d = rules.utility_threshold(
            self.base[rows] + resolve_estimate,
            incentive,
            self.keep[rows],
            at(self.p("betrayal_cost"), rows),
            self.domestic_cost[rows],
        )
        return np.maximum(d, self.bar_safe[rows]) if self.has_veto else d

    def value_of(self, rows: np.ndarray, u: np.ndarray, incentive) -> np.ndarray:
        """What signing packages of utility ``u`` is worth to it in ``rows``, on the scale of its outside option."""
        return rules.deal_value(u, incentive, self.keep[rows], at(self.p("betrayal_cost"), rows), self.domestic_cost[rows])

    def signable(self, rows: np.ndarray, package: np.ndarray, agenda: np.ndarray, low, high, u) -> np.ndarray:
        """Inside its red lines on the agenda and, by its negotiator's belief, inside its domestic win-set."""
        within = rules.inside(package, low, high, agenda)
        return within & (u >= self.bar[rows] - 1e-9) if self.has_veto else within

    # ------------------------------------------------------------- answers

    def answer(self, rows: np.ndarray, package: np.ndarray, agenda: np.ndarray, incentive, *, own: bool = False) -> np.ndarray:
        """Accept or refuse the package in replications ``rows``; keep its value and cutoff for learning and force.

        ``own``: it proposed the package itself (direct talks), so it stands by it wherever it is worth its outside
        option: there is nothing to gain by refusing its own offer.
        """
        ideal, salience, low, high = self.issue_terms(rows)
        u = rules.utility(package, ideal, salience)
        within = self.signable(rows, package, agenda, low, high, u)
        base = self.base[rows]
        value = self.value_of(rows, u, at(incentive, rows))
        lo, hi = self.other.belief_lo[rows], self.other.belief_hi[rows]  # what the others believe about it
        patience = (self.discount[rows], self.risk[rows])
        cutoff = value - base if own else rules.acceptance_cutoff(value, base, lo, hi, *patience)
        cutoff = np.where(within, cutoff, -np.inf)
        self.utility[rows], self.value[rows], self.within[rows] = u, value, within
        self.cutoff[rows], self.gain[rows] = cutoff, 0.0
        return rules.accepts(self.resolve[rows], cutoff, within)

    def signs_interim(self, rows: np.ndarray, package: np.ndarray, agenda: np.ndarray, incentive) -> np.ndarray:
        """At a lapsing deadline: sign the interim package if it is inside its red lines and worth its outside option.

        The alternative is the lapse, so there is no value of waiting to beat.
        """
        ideal, salience, low, high = self.issue_terms(rows)
        u = rules.utility(package, ideal, salience)
        within = self.signable(rows, package, agenda, low, high, u)
        value = self.value_of(rows, u, at(incentive, rows))
        return rules.accepts(self.resolve[rows], value - self.base[rows], within)

    def propose(self, rows: np.ndarray, normal_draws: np.ndarray, incentive) -> np.ndarray:
        """Without a mediator, its own offer in ``rows`` (alternating offers, :func:`rules.proposer_solve`).

        Its disagreement point is exact (it knows its resolve); the other's
        is estimated from its belief about the other's resolve, with the error
        of a mediator of effectiveness 0 (``world.direct_proposal_noise``).
        ``normal_draws`` (m, 2) covers every held replication.
        """
        model, other = self.model, self.other
        k = model.principals.index(other)
        incentive = at(incentive, rows)
        guess = rules.estimated_resolve(
            self.belief_lo[rows],
            self.belief_hi[rows],
            at(other.p("resolve_spread"), rows),
            0.0,
            at(model._w("direct_proposal_noise"), rows),
            normal_draws[rows, k],
        )
        d = [None, None]
        d[k] = other.disagreement(rows, guess, incentive)
        d[1 - k] = self.disagreement(rows, self.resolve[rows], incentive)
        frontier = model.frontier.take(lambda packed: np.take(packed, self.state.ids[rows], axis=0))
        return rules.proposer_solve(frontier, d[0], d[1], self.state.agenda[rows], a_proposes=k == 1)

    def learn(self, rows: np.ndarray, accepted: np.ndarray) -> np.ndarray:
        """Update its belief about the other from the other's answer; return the mean shift (what it learned)."""
        other = self.other
        lo, hi = self.belief_lo[rows], self.belief_hi[rows]
        informative = other.within[rows]
        new_lo, new_hi = rules.update_belief(lo, hi, other.cutoff[rows], accepted, informative)
        self.belief_lo[rows], self.belief_hi[rows] = new_lo, new_hi
        return 0.5 * (new_lo + new_hi - lo - hi)

    # ------------------------------------------------------------- exit

    def continuing(self, rows: np.ndarray) -> np.ndarray:
        """What staying in the talks is worth to it now, by its beliefs (after this round's learning)."""
        return rules.continuation_value(
            self.discount[rows], self.risk[rows], self.value[rows], self.gain[rows], self.other.gain[rows], self.outside[rows]
        )

    def decide_exit(self, rows: np.ndarray, standing, draws: np.ndarray, deadlocked: np.ndarray | None = None):
        """Leave where its outside option beats continuing; returns (force, walkout, O, C) over ``rows``.

        One decision, taken when the occasion arises (``walkout_propensity``,
        damped by the mediators' standing: model spec, "its standing lowers the
        chance that a bad round ends the talks"), with the noisy choice of
        :func:`rules.chooses` between the one outside option and continuing. It
        leaves by force when force is its outside option (worth more than no
        deal), else it walks out: the form follows the value, so pressure that
        lowers no deal below force changes neither the odds of leaving nor the
        outside option. At a known deadlock with ``world.deadlock_force`` on it
        leaves by force only where force also beats adjourning (staying's value
        there, :func:`rules.force_at_deadlock`), else it adjourns.
        """
        outside = self.outside[rows]
        staying = self.continuing(rows)
        if deadlocked is not None and self.stay is not None:  # adjourning a held deadlock (world.deadlock_exit)
            priced = self.stay[self.state.ids[rows]]
            # where nobody's giving way could open a zone: a round of delay, then the outside option
            at_deadlock = np.where(np.isnan(priced), self.discount[rows] * outside, priced)
            staying = rules.deadlock_staying(deadlocked, staying, at_deadlock)
        occasion = at(self.p("walkout_propensity") * (1.0 - standing), rows)
        leaves = rules.chooses(outside - staying, at(self.p("force_noise"), rows), occasion, draws)
        by_force = self.force[rows] > self.no_deal[rows]
        if deadlocked is not None and self.stay is not None and self.model.params.world.deadlock_force:
            # leaving a known deadlock: force only where it beats adjourning too (rules.force_at_deadlock); its resolve
            # shifts force and no deal alike, as in its outside option
            resolve = self.resolve[rows]
            at_deadlock = rules.force_at_deadlock(self.force[rows] + resolve, self.no_deal[rows] + resolve, staying)
            by_force = np.where(deadlocked, at_deadlock, by_force)
        return leaves & by_force, leaves & ~by_force, outside, staying

    def base_at(self, rows: np.ndarray, world: np.ndarray) -> np.ndarray:
        """Its outside option without resolve in rows ``rows`` of the held replications, in world ``world`` (V, len(rows))."""
        p = self.p
        sensitivity = self.sensitivity if self.sensitivity.ndim < 2 else self.state.held(self._sensitivity_rows)[rows].T
        no_deal = rules.no_deal_value(at(p("no_deal_value"), rows), sensitivity, world[self.pressure_vars], self.hardening[rows])
        posture, progress = (world[WORLD_VARS.index(v)] for v in ("military_posture", "nuclear_progress"))
        force = rules.force_value(
            at(p("force_posture_weight"), rows), at(p("force_progress_weight"), rows), at(p("war_cost"), rows), posture, progress
        )
        return np.maximum(no_deal, force)

    def decide_coercion(self, at_table: np.ndarray, draws: np.ndarray, effects: np.ndarray, extension_probability) -> np.ndarray:
        """Take a coercive step below war where continuing after it looks worth more; returns the rows where it does.

        ``at_table`` (m,) marks the held replications where it may (a package
        seen, not paused, nobody struck this round); ``draws`` (m,) are the
        model's uniforms. ``effects`` (V,), or (V, n) per replication, is what
        the step adds to the world variables. The step's worth is
        :func:`rules.coercion_advantage`: continuing after the step (the other's
        outside option moved, its own, the tension added to the risk of
        waiting) against continuing without it, by its own beliefs; the choice
        is :func:`rules.chooses` with its force noise, when the occasion arises
        (``coercion_propensity``: only those rows are valued).
        """
        rows = np.flatnonzero(at_table & (draws < self.p("coercion_propensity")))
        if rows.size == 0:
            return rows
        draws = draws[rows]
        s, other = self.state, self.other
        world = s.world[:, rows]
        step = effects[:, None] if effects.ndim == 1 else np.take(effects, s.ids[rows], axis=1)
        after = clip(world + step, 0.0, 1.0)
        delta_self = self.base_at(rows, after) - self.base[rows]
        delta_other = other.base_at(rows, after) - other.base[rows]
        shift = rules.coercion_shift(self.trust[rows], delta_self, delta_other)
        at_deadline = (s.deadline[rows] > 0) & (s.deadline[rows] == s.round)
        risk_after = rules.perceived_risk(
            at(s.held(self.model.params.world.perceived_risk), rows),
            after[WORLD_VARS.index("tension")],
            at_deadline,
            at(extension_probability, rows),
        )
        expected_next = self.value[rows] + self.gain[rows] - other.gain[rows]
        advantage = rules.coercion_advantage(
            self.discount[rows],
            self.risk[rows],
            risk_after,
            expected_next,
            shift,
            self.outside[rows],
            self.outside[rows] + delta_self,
        )
        takes = rules.chooses(advantage, at(self.p("force_noise"), rows), at(self.p("coercion_propensity"), rows), draws)
        return rows[takes]

    def decide_force_instead(self, rows: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Use force in rows ``rows`` where the talks are cut off (a lapsed ultimatum, an ally's strike) and force is worth more.

        :func:`rules.force_over_no_deal` with the noisy choice of
        :func:`rules.chooses` (its force noise); the occasion is certain.
        """
        advantage = rules.force_over_no_deal(self.force[rows], self.no_deal[rows])
        return rules.chooses(advantage, at(self.p("force_noise"), rows), 1.0, draws)

    @property
    def position(self) -> np.ndarray:
        """Stated position (R, I): toward the last package as far as its acceptance threshold allows.

        Computed when read, since no decision uses it: what the principal says it
        would settle for, for narratives and the anatomy of an episode.
        """
        s = self.state
        seen = s.proposal_seen[:, None] & s.agenda  # off the agenda: no concession
        ideal = self.issue("ideal")
        proposal = np.where(seen, s.proposal, ideal)
        u = rules.utility(proposal, ideal, self.issue("salience"))
        share = rules.concession_share(u, self.aspiration)
        return rules.concede_positions(ideal, proposal, self.issue("low"), self.issue("high"), share)

    @property
    def aspiration(self) -> np.ndarray:
        """The package utility it still demands: the utility worth its outside option (its own resolve)."""
        return clip(self.threshold_utility(self.resolve, self.model.incentive), 0.0, 1.0)
