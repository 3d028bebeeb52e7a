"""The rules of the negotiation model, one function each.

Every function is pure and vectorised over replications: arrays of shape (R,)
hold one value per replication, (R, I) one per replication and issue, (I,) a
parameter per issue shared by all replications. The Mesa agents and model call
these; nothing here holds state, draws random numbers or knows about files.
Each docstring names the rule's source, or says plainly that it is an
assumption of this project.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit


def decision[F: Callable](rule: F) -> F:
    """Mark a rule as an actor's own judgement: a choice it makes, or the belief that choice rests on.

    Only the agents (:mod:`sim.core.agents`) apply a marked rule; the model
    schedules them and applies the other rules itself (bookkeeping of the
    agenda and the deadline, the world's physics such as tension and nuclear
    progress, the escalation ladder). ``tests/test_layers.py`` fails when
    :mod:`sim.core.model` calls a marked rule. The marker changes nothing
    else: the function is returned as it is.
    """
    rule.agent_decision = True  # type: ignore[attr-defined]
    return rule


def decisions() -> tuple[str, ...]:
    """The names of the rules marked with :func:`decision`, in the order they are defined."""
    return tuple(name for name, value in globals().items() if getattr(value, "agent_decision", False))


# ---------------------------------------------------------------- utilities


def utility(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Utility of packages ``x`` (R, I): 1 minus the salience-weighted distance to the ideal.

    Weighted city-block (L1) loss over issues, the additive spatial utility of
    the expected-utility model of politics (Bueno de Mesquita; replicated by
    Scholz, Calbert and Smith 2011) and of KTAB. Saliences sum to one, so
    utility lies in [0, 1]: 1 at the ideal point, 0 at the far corner.
    ``ideal`` and ``salience`` are (I,), shared by all replications, or
    (R, I), one row per replication (drawn per replication, issue 12).
    """
    return 1.0 - row_dot(np.abs(x - ideal), salience)


def row_dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row sums of ``x`` (R, I) weighted by ``w``: (I,) shared by every row, or (R, I) one per row."""
    if np.ndim(w) < 2:
        return x @ w
    return np.einsum("ri,ri->r", x, w)


def inside(x: np.ndarray, low: np.ndarray, high: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True where every issue of ``mask`` (R, I) in package ``x`` lies inside [low, high].

    Model spec, "Answers": a principal accepts only packages inside its red
    lines; red lines bind the terms a deal sets, i.e. the issues on the agenda.
    """
    ok = (x >= low - 1e-12) & (x <= high + 1e-12)
    return np.all(ok | ~mask, axis=1)


# ------------------------------------------------------- the outside option


def no_deal_value(base, sensitivity: np.ndarray, state: np.ndarray, hardening) -> np.ndarray:
    """A principal's value of no deal after pressure, clipped to [0, 1].

    ``base`` minus pressure: ``sensitivity`` (K,) times the world-state
    variables ``state`` (K, R) it reacts to (sanctions pain, military threat,
    domestic unrest, the other side's nuclear progress), plus the ``hardening``
    (R,) that lobbying has built up (negative where stakeholders pressed it).
    Pressure lowers what walking away is worth and so widens the win-set
    (Putnam 1988, two-level games). Linear form: assumption.
    """
    sens = np.asarray(sensitivity, dtype=float)
    sens = sens[:, None] if sens.ndim == 1 else sens  # (K, 1), or (K, R) when drawn per replication
    return np.clip(base - np.sum(sens * state, axis=0) + hardening, 0.0, 1.0)


def force_value(posture_weight, progress_weight, war_cost, posture, progress) -> np.ndarray:
    """What using force is worth to a principal, on the utility scale.

    Force gains with military posture and with Iran's nuclear progress (for
    Washington the preventive motive: the longer it waits, the stronger Iran's
    future bargaining position, Powell 2006's commitment problem; for Tehran
    the value of a breakout dash) and costs ``war_cost``; a principal deterred
    by the other's posture has a negative posture weight. Fearon (1995): war is
    costly, so it happens only when bargaining fails. Linear form: assumption.
    """
    return posture_weight * posture + progress_weight * progress - war_cost


def resolve_draw(spread, uniform) -> np.ndarray:
    """A principal's private resolve: a shock to its outside option, uniform on [-spread, spread].

    Drawn once per replication from ``uniform`` draws on [0, 1): the type of
    Harsanyi (1967-68) games of incomplete information, as in the bargaining
    models with private reservation values of Fudenberg and Tirole (1983) and
    Cramton (1984); the source of delay and war in Fearon (1995). Model spec:
    "Its resolve ... is private: drawn per replication around the configured
    value with a configured spread". Uniform: assumption, chosen because
    Bayes' rule then keeps every belief uniform on an interval (see
    :func:`update_belief`). A spread of 0 is complete information.
    """
    return spread * (2.0 * uniform - 1.0)


def outside_option(no_deal, force, resolve) -> np.ndarray:
    """The one value of a principal's outside option: the better of no deal and force, plus its resolve.

    Model spec, "One outside option": the disagreement point of the proposal,
    the acceptance threshold, the walk-out rule and the force decision all use
    this value; the bargaining range of Fearon (1995) is the set of packages
    each side prefers to it, and force belongs in it as the threat point of
    Nash (1953, variable threats). Pressure that lowers the value of no deal
    lowers it unless force is worth more.
    """
    return np.maximum(no_deal, force) + resolve


def keep_chance(trust, guarantee) -> np.ndarray:
    """The chance a principal counts on that the other keeps a deal: trust + (1 - trust) x the other's guarantee.

    The other keeps the deal if it means to (``trust``, the belief in its
    intentions, low after the 2015 JCPOA withdrawal: seed) or, not meaning
    to, is bound to by what guarantees it (``guarantee``: a treaty, a UN
    Security Council endorsement, escrowed relief). Commitment problems:
    Fearon (1995), Powell (2006); third-party guarantees of settlements:
    Walter (2002). The "or" of the two: assumption.
    """
    return trust + (1.0 - trust) * guarantee


def deal_value(package_utility, incentive, keep, betrayal_cost, domestic_cost) -> np.ndarray:
    """What signing a package is worth to a principal, on the scale of its outside option (its certainty equivalent).

    Kept (chance ``keep``, :func:`keep_chance`), the deal gives the package's
    utility plus outside ``incentive``; broken after it has implemented its
    side, it leaves the principal at its outside option less
    ``betrayal_cost`` (the sucker's payoff of the commitment problem, Fearon
    1995, Powell 2006); signing costs the leadership ``domestic_cost``
    (sovereignty cost x unrest: Putnam 1988). Signing beats the outside option
    O iff keep (u + incentive) + (1 - keep)(O - betrayal) - domestic >= O, i.e.
    iff u + incentive - ((1 - keep) betrayal + domestic) / keep >= O: this
    value. So private resolve enters one for one whatever the trust (the
    outside option is the same whether or not the deal is later broken: the
    "trust cliff" of issue 18, where resolve counted 1/trust times, is gone),
    and where no credible guarantee exists (keep low) the expected betrayal
    can exceed every package's surplus, an empty zone of agreement even when
    both sides would prefer a kept deal. ``keep`` is floored at 1e-6.
    Linear form: assumption.
    """
    keep = np.maximum(keep, 1e-6)
    return package_utility + incentive - ((1.0 - keep) * betrayal_cost + domestic_cost) / keep


def utility_threshold(outside, incentive, keep, betrayal_cost, domestic_cost) -> np.ndarray:
    """The package utility at which :func:`deal_value` equals ``outside``: the disagreement point in utility terms.

    The inverse of :func:`deal_value`; the mediator uses it as each side's
    disagreement point in the Nash bargaining problem (Nash 1950), so the
    package it proposes is judged on the same scale as the answers. The
    threshold is kept in [-1, 2] (utilities lie in [0, 1]: beyond, a side
    accepts everything or nothing, and no more need be said).
    """
    keep = np.maximum(keep, 1e-6)
    threshold = outside + ((1.0 - keep) * betrayal_cost + domestic_cost) / keep - incentive
    return np.clip(threshold, -1.0, 2.0)


def saturated_pressure(built_up, cap) -> np.ndarray:
    """The effect on a principal's value of no deal of the outside pressure ``built_up`` (signed), bounded by ``cap``.

    cap x (1 - exp(-|x| / cap)) with the sign of x: linear while small (each
    round's pressure counts in full), saturating toward ``cap`` as it
    accumulates, so no actor outside the room moves a principal's outside
    option by more than ``cap`` (model spec, "Pressure from outside
    saturates"). The exponential saturation of a stock that approaches a
    ceiling: assumption (no source measures the ceiling of diplomatic
    pressure); ``cap`` = inf is the unbounded, linear sum.
    """
    if np.ndim(cap) == 0:  # one cap for every replication (the usual case): no masking needed
        if not np.isfinite(cap):
            return built_up
        return np.copysign(-cap * np.expm1(-np.abs(built_up) / cap), built_up)
    cap = np.asarray(cap, dtype=float)
    safe = np.where(np.isfinite(cap), cap, 1.0)
    bounded = np.sign(built_up) * safe * -np.expm1(-np.abs(built_up) / safe)
    return np.where(np.isfinite(cap), bounded, built_up)


# ------------------------------------------------------- domestic ratification


def veto_draw(threshold, spread, uniform) -> np.ndarray:
    """The actual threshold of a principal's domestic veto players: uniform on threshold +- spread, kept in [0, 1].

    Drawn once per replication from its own stream. Putnam (1988): the size
    of each side's win-set is uncertain, to the other side and to the
    negotiator itself; the negotiator knows only ``threshold`` (the mean).
    Uniform: assumption (as for resolve, :func:`resolve_draw`).
    """
    return np.clip(threshold + spread * (2.0 * uniform - 1.0), 0.0, 1.0)


def veto_bar(threshold, sovereignty_cost, unrest, unrest_at_start, keep, keep_at_start) -> np.ndarray:
    """The package utility a principal's veto players demand now, from their ``threshold`` at the opening state.

    threshold x (1 + sovereignty_cost x (unrest - unrest at start)) x
    (2 - keep) / (2 - keep at start), kept in [0, 1]: the bar rises with the
    domestic cost of signing (unrest, through the sovereignty cost, as in
    :func:`deal_value`) and with the chance that the other side breaks the
    deal (its record: trust, and its guarantee, :func:`keep_chance`), falls
    when they ease. Putnam (1988): the win-set moves with domestic politics
    and the other side's conduct. A threshold of 0 ratifies any package.
    Proportional form: assumption.
    """
    moved = (1.0 + sovereignty_cost * (unrest - unrest_at_start)) * (2.0 - keep) / (2.0 - keep_at_start)
    return np.clip(threshold * moved, 0.0, 1.0)


@decision
def ratifies(package_utility, bar) -> np.ndarray:
    """Whether veto players ratify a package signed at the table: its utility to their principal reaches their bar.

    Putnam (1988), two-level games: an agreement at the table (level I) takes
    effect only inside each side's domestic win-set (level II), as the
    Geneva fuel-swap arrangement of October 2009 did not (public source:
    agreed in principle at Geneva, then rejected in Tehran). Tolerance 1e-9.
    """
    return package_utility >= bar - 1e-9


# ------------------------------------------------------- procedure


def stated_red_lines(low, high, stated_low, stated_high) -> tuple:
    """Its red line on an issue while it holds its stated public position there: the two intervals' overlap.

    Mapping rule 22 (docs/history/mapping.md): a term a principal publicly
    demanded as a condition of any agreement (the EU3's and the UN Security
    Council's suspension of enrichment, 2003-2013; "full dismantlement", 2025)
    is, while it holds it, a term it will not sign away: it narrows its red
    line to the stated interval. A stated interval is validated to overlap the
    red line. Fearon (1994): a public commitment ties the hands of the leader
    who made it.
    """
    return np.maximum(low, stated_low), np.minimum(high, stated_high)


@decision
def backs_down(value_off_position, audience_cost, outside) -> np.ndarray:
    """Whether a principal drops its stated position: a deal outside it beats its outside option by the audience cost.

    Fearon (1994), "Domestic Political Audiences and the Escalation of
    International Disputes": backing down from a public commitment costs the
    leader at home (Tomz 2007 measured it in approval), so a leader backs down
    only when what it gains by doing so covers that cost; Putnam (1988): the
    stated position is the announced domestic win-set, which the negotiator can
    widen at a price. ``value_off_position``: the value to it (on its outside
    option's scale) of the deal the mediator would propose were the position
    dropped; ``outside``: its outside option now, private resolve included.
    Pressure that lowers the outside option (sanctions, nuclear progress)
    makes a position held at the start give way later; it never comes back.
    """
    return value_off_position - audience_cost > outside


@decision
def precondition_yield(flexibility_demander, flexibility_other, draws) -> np.ndarray:
    """Whether a demanded precondition is settled this round: the demander drops it or the other side yields.

    Each side yields with its agenda flexibility per round, independently:
    chance 1 - (1 - f_demander)(1 - f_other). Until then the round goes to
    procedure, as in the 2005-06 standoff over suspending enrichment before
    talks (model spec, "Preconditions and sequencing"). Assumption.
    """
    return draws < 1.0 - (1.0 - flexibility_demander) * (1.0 - flexibility_other)


# ------------------------------------------------------- time and the cost of delay


def effective_discount(discount, concession_e) -> np.ndarray:
    """A principal's per-round discount factor, adjusted by its concession style.

    ``discount`` ** ``concession_e``: a Boulware principal (e < 1) is more
    patient (its factor is nearer 1), a Conceder (e > 1) less. Discounting
    makes delay costly (Rubinstein 1982); reading the Faratin, Sierra and
    Jennings (1998) Boulware-Conceder spectrum as patience: assumption.
    """
    return np.power(discount, concession_e)


def perceived_risk(risk_at_full_tension, tension, at_deadline, extension_probability) -> np.ndarray:
    """The chance a principal sees that the talks end before the next round: escalation, or a lapse at a deadline.

    ``risk_at_full_tension`` x tension each round (model spec: "every round
    without a deal carries the risk of escalation that each side perceives");
    at a deadline the talks also lapse unless extended (probability 1 -
    ``extension_probability``), which makes the deadline round costlier to
    let pass: the deadline effect of Roth, Murnighan and Schoumaker (1988).
    Linear in tension: assumption.
    """
    survive = 1.0 - np.clip(risk_at_full_tension * tension, 0.0, 1.0)
    survive = np.where(at_deadline, survive * extension_probability, survive)
    return 1.0 - survive


def waiting_value(discount, risk, expected_next, outside) -> np.ndarray:
    """What refusing now and bargaining on is worth: discount x [(1 - risk) x next round + risk x outside option].

    Rubinstein (1982): a side accepts when the offer is worth at least the
    discounted value of what it expects next; the perceived risk that the
    talks end in the meantime leaves it with its outside option (Binmore,
    Rubinstein and Wolinsky 1986, breakdown risk).
    """
    return discount * ((1.0 - risk) * expected_next + risk * outside)


def holdout_gain(cutoff, lo, hi) -> np.ndarray:
    """What a principal expects to gain next round by refusing, when refusals reveal a resolve above ``cutoff``.

    A refusal tells the mediator that the refuser's resolve exceeds the
    cutoff of :func:`acceptance_cutoff`, so the mediator's uniform belief
    [lo, hi] is truncated there and its mean rises by half the truncation; the
    next Nash package moves toward the refuser by half the rise of its
    disagreement point (the Nash solution splits the surplus equally when
    utility is transferable). One-step look-ahead and the transferable-utility
    approximation: assumption. It is 0 under complete information (lo = hi):
    there is nothing to gain by holding out (Rubinstein 1982).
    """
    return 0.25 * (np.clip(cutoff, lo, hi) - lo)


@decision
def acceptance_cutoff(value, base, lo, hi, discount, risk) -> np.ndarray:
    """The highest resolve at which a principal accepts a package worth ``value``: accept iff resolve <= cutoff.

    A principal of resolve r (outside option O = base + r) accepts iff
    value >= O and value >= waiting_value(discount, risk, value + gain, O)
    (model spec, "Answers"), where the gain of holding out is what the
    mediator learns from a refusal (:func:`holdout_gain` of this very cutoff).
    Both conditions are thresholds in r: value >= O is r <= c1 = value - base;
    the second is r <= A - q x gain with A = value (1 - discount (1 - risk)) /
    (discount x risk) - base and q = (1 - risk) / risk. The cutoff is the
    unique fixed point of c = min(c1, A - q x holdout_gain(c)), the right side
    falling in c; so acceptance is monotone in type and a refusal reveals
    exactly "resolve > cutoff": the screening equilibria of bargaining with
    one-sided private information (Fudenberg and Tirole 1983; Cramton 1984),
    here with one-step look-ahead. Risk is floored at 1e-12 (no risk at all
    and no discounting would make any hope of a gain worth waiting for).
    Under complete information (lo = hi) the gain is 0 and, because A >= c1,
    the cutoff is c1: accept iff the package is worth the outside option.
    """
    risk = np.maximum(risk, 1e-12)
    c1 = value - base
    dr = discount * risk
    a = value * (1.0 - discount * (1.0 - risk)) / np.maximum(dr, 1e-300) - base
    q = 0.25 * (1.0 - risk) / risk
    mid = (a + q * lo) / (1.0 + q)
    fixed = np.where(mid < lo, a, np.where(mid > hi, a - q * (hi - lo), mid))
    holds = c1 <= a - q * (np.clip(c1, lo, hi) - lo)
    return np.where(holds, c1, np.minimum(c1, fixed))


@decision
def accepts(resolve, cutoff, within_red_lines) -> np.ndarray:
    """A principal's answer: accept a package inside its red lines when its resolve does not exceed the cutoff.

    Equivalent to: the package is worth at least its outside option and at
    least the value of waiting (:func:`acceptance_cutoff`). Red lines are
    never crossed (model spec, "Answers"). A tolerance of 1e-9 absorbs
    rounding, so a package worth exactly the outside option is accepted.
    """
    return within_red_lines & (resolve <= cutoff + 1e-9)


@decision
def update_belief(lo, hi, cutoff, accepted, informative) -> tuple[np.ndarray, np.ndarray]:
    """Bayes' rule for a uniform belief [lo, hi] about a principal's resolve after its answer.

    The answer is "accept" iff resolve <= cutoff (:func:`acceptance_cutoff`),
    so a uniform prior stays uniform, truncated: a refusal raises ``lo`` to the
    cutoff, an acceptance lowers ``hi`` to it (model spec: "a refused package
    says the refuser's outside option is worth more than that package to it").
    Where the answer carries no information (no package, or one outside the
    answerer's red lines) the belief is unchanged. Exact Bayes: Fudenberg and
    Tirole (1983), Cramton (1984).
    """
    c = np.clip(cutoff, lo, hi)
    new_lo = np.where(informative & ~accepted, c, lo)
    new_hi = np.where(informative & accepted, c, hi)
    return new_lo, new_hi


@decision
def belief_acceptance_chance(lo, hi, cutoff) -> np.ndarray:
    """The chance, under a uniform belief [lo, hi] about a principal's resolve, that it accepts (resolve <= cutoff)."""
    width = hi - lo
    return np.where(
        width > 1e-12, np.clip((cutoff - lo) / np.where(width > 1e-12, width, 1.0), 0.0, 1.0), (cutoff >= lo - 1e-9).astype(float)
    )


@decision
def estimated_resolve(lo, hi, spread, effectiveness, noise_scale, normal_draws) -> np.ndarray:
    """The mediator's estimate of a principal's resolve: its belief's mean plus an error its effectiveness shrinks.

    The error is (1 - effectiveness) x ``noise_scale`` x a standard normal
    draw, scaled by how much of the prior uncertainty is left ((hi - lo) /
    (2 spread)), and kept inside the belief: a perfect mediator proposes from
    its belief's mean, any mediator proposes exactly under complete
    information (model spec, "Mediator": effectiveness governs how close its
    proposals come to the best compromise). Gaussian error: assumption.
    """
    left = np.where(spread > 0, (hi - lo) / np.where(spread > 0, 2.0 * spread, 1.0), 0.0)
    guess = 0.5 * (lo + hi) + (1.0 - effectiveness) * noise_scale * left * normal_draws
    return np.clip(guess, lo, hi)


def concession_share(package_utility, threshold_utility) -> np.ndarray:
    """How far a principal's stated position moves from its ideal toward the package on the table.

    Along the segment from the ideal to the package utility falls linearly
    from 1 to the package's utility, so the position is the point of that
    segment worth exactly the utility it still demands (its acceptance
    threshold), or the package itself when it would accept it: concession
    follows the threshold, not a clock (model spec, "Concession").
    """
    loss = 1.0 - package_utility
    return np.clip(np.divide(1.0 - threshold_utility, loss, out=np.ones_like(loss), where=loss > 1e-12), 0.0, 1.0)


def concede_positions(ideal, proposal, low, high, conceded) -> np.ndarray:
    """A principal's stated position: ``conceded`` (R,) of the way from its ideal to the proposal, inside its red lines.

    Model spec, "Concession": positions move toward the proposal, never past
    a red line. Linear path (Zeuthen 1930 in its simplest form): assumption.
    """
    position = ideal + np.clip(conceded, 0.0, 1.0)[:, None] * (proposal - ideal)
    return np.clip(position, low, high)


def interim_package(status_quo, package, scale, agenda, low, high) -> np.ndarray:
    """An interim deal: the smallest step both could ever accept, moved ``scale`` of the way toward the package.

    Freeze for relief, as in the Joint Plan of Action of November 2013: part
    of the nuclear limits for part of the sanctions relief, signed when a
    deadline would otherwise end the talks. Each agenda term starts at the
    point of the red-line box [low, high] nearest its status quo (the least
    change inside both red lines) and moves ``scale`` of the way toward the
    package on the table, so it stays inside both red lines. Off-agenda issues
    stay at the status quo. Linear interpolation: assumption.
    """
    least = np.clip(status_quo, low, np.maximum(low, high))
    return np.where(agenda, least + scale * (package - least), status_quo)


def deadline_lapses(round_, deadline, extension_probability, draws) -> np.ndarray:
    """Whether the talks lapse at their deadline this round: at the deadline, unless extended.

    Model spec, "Time, deadlines": at a deadline the talks are extended with a
    configured probability, or lapse (the 60-day ultimatum of spring 2025; the
    Joint Plan of Action's deadlines of 2014, each extended). ``deadline`` is
    per replication (it moves with each extension); 0 means none.
    """
    return (deadline > 0) & (round_ == deadline) & (draws >= extension_probability)


# ------------------------------------------------------------------ proposal


def red_line_box(lows: list[np.ndarray], highs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection of the principals' red lines per issue: (low, high, overlaps).

    Model spec, "Proposal": the mediator proposes inside the intersection of
    the principals' red lines; where it is empty (low > high) it proposes the
    midpoint of the gap, the term that breaks both red lines least. Each red
    line is (I,), or (R, I) when drawn per replication; the box is (R, I) if
    any is.
    """
    low = functools.reduce(np.maximum, lows)
    high = functools.reduce(np.minimum, highs)
    return low, high, low <= high


class Frontier(NamedTuple):
    """The parts of the Nash bargaining problem that do not change during a run (:func:`nash_frontier`).

    Per issue, (I,) when every input is shared by all replications, else
    (R, I). In frontier order (``order``): each issue's gain to b and cost to
    a of moving it from a's clipped ideal to b's, and each side's utility
    change of moving it from the status quo to the frontier's start. In issue
    order: the start (a's clipped ideal, or the midpoint of the gap where the
    red lines do not overlap), the step to b's clipped ideal (0 where they do
    not overlap) and the status quo. ``u_*_sq`` are the utilities of the
    status quo. Per replication, every field is a view of one (R, 8 I + 2)
    array, ``packed``, so that the rows of some replications are taken in one go.
    """

    order: np.ndarray
    gain_b: np.ndarray
    cost_a: np.ndarray
    start_change_a: np.ndarray
    start_change_b: np.ndarray
    start: np.ndarray
    step: np.ndarray
    status_quo: np.ndarray
    u_a_sq: np.ndarray
    u_b_sq: np.ndarray
    packed: np.ndarray | None = None

    @property
    def per_replication(self) -> bool:
        return self.packed is not None

    @classmethod
    def unpack(cls, packed: np.ndarray) -> Frontier:
        """The frontier whose fields are the columns of ``packed`` (R, 8 I + 2)."""
        n_issues = (packed.shape[1] - 2) // 8
        parts: list[np.ndarray] = [packed[:, k * n_issues : (k + 1) * n_issues] for k in range(8)]
        parts[0] = parts[0].astype(np.intp)  # the order, stored exactly as small whole numbers
        return cls._make([*parts, packed[:, -2], packed[:, -1], packed])

    def take(self, pick) -> Frontier:
        """The frontier of some replications, ``pick`` mapping the (R, ...) packed array to their rows."""
        return self if self.packed is None else Frontier.unpack(pick(self.packed))


def nash_frontier(ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo) -> Frontier:
    """The Pareto frontier of :func:`nash_package` in the red-line box, computed once per run.

    Each side's best term inside the box (its ideal clipped to it), the order
    in which issues move from a's clipped ideal to b's (a's cost per unit of
    b's gain, salience_a / salience_b), each issue's gain to b and cost to a,
    and what moving each term from the status quo to the frontier's start
    changes for each side. Where the red lines do not overlap the box is
    empty: both clipped ideals are its low end, so the issue has no gain, cost
    or step, and starts (and stays) at the midpoint of the gap. None of it
    depends on the round: only the disagreement points and the agenda do.
    Inputs are (I,), or (R, I) when drawn per replication (issue 12); the
    frontier is then (R, I), one order per replication.
    """
    inputs = (ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo)
    shape = np.broadcast_shapes(*(np.shape(v) for v in inputs))
    top = np.maximum(low, high)
    c_a = np.clip(ideal_a, low, top)  # each side's best term inside the box
    c_b = np.clip(ideal_b, low, top)
    start = np.where(low <= high, c_a, 0.5 * (low + high))
    sq = np.asarray(status_quo, dtype=float)
    step = c_b - c_a
    span = np.abs(step)
    off_a, off_b = np.abs(sq - ideal_a), np.abs(sq - ideal_b)  # each side's distance from the status quo, per issue

    in_issue_order = (start, step, sq)
    to_sort = (
        salience_b * span,  # b's gain of moving each issue fully
        salience_a * span,  # a's cost
        salience_a * (off_a - np.abs(start - ideal_a)),  # the change of utility of moving from the status quo to start
        salience_b * (off_b - np.abs(start - ideal_b)),
    )
    u_sq = (utility(np.atleast_2d(sq), ideal_a, salience_a), utility(np.atleast_2d(sq), ideal_b, salience_b))
    order = np.argsort(np.broadcast_to(salience_a / np.maximum(salience_b, 1e-300), shape), axis=-1, kind="stable")
    if len(shape) == 1:  # shared by every replication
        return Frontier._make([order, *(x[order] for x in to_sort), *in_issue_order, u_sq[0][0], u_sq[1][0], None])
    # per replication: one (R, 8 I + 2) array, its frontier-order part sorted row by row
    n_rows, n_issues = shape
    packed = np.empty((n_rows, 8 * n_issues + 2))
    packed[:, :n_issues] = order
    flat = (order + np.arange(0, n_rows * n_issues, n_issues)[:, None]).ravel()  # a 1-d take is the fastest sort
    for k, x in enumerate(to_sort, start=1):
        x = np.ascontiguousarray(np.broadcast_to(x, shape), dtype=float)
        packed[:, k * n_issues : (k + 1) * n_issues] = np.take(x.ravel(), flat).reshape(shape)
    for k, x in enumerate(in_issue_order, start=5):
        packed[:, k * n_issues : (k + 1) * n_issues] = x
    packed[:, -2], packed[:, -1] = u_sq
    return Frontier.unpack(packed)


def nash_package(
    ideal_a: np.ndarray,
    salience_a: np.ndarray,
    disagreement_a: np.ndarray,
    ideal_b: np.ndarray,
    salience_b: np.ndarray,
    disagreement_b: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    agenda: np.ndarray,
    status_quo: np.ndarray,
) -> np.ndarray:
    """The Nash bargaining package (Nash 1950) on the agenda issues, inside the red-line box.

    Maximises (u_a - d_a)(u_b - d_b) over packages whose agenda terms lie in
    [low, high] and whose other terms stay at the status quo. With the
    additive utilities of :func:`utility` the Pareto frontier is the chain of
    segments that moves one issue at a time from a's clipped ideal to b's, in
    order of a's cost per unit of b's gain (salience_a / salience_b); on each
    segment the Nash product is a concave quadratic with a closed-form
    maximum, so the solution is exact, not searched. When no point of the
    frontier gives both sides at least their disagreement value, the package
    is the egalitarian point (equal, largest gains; Kalai 1977), which the
    answers will then refuse. Issues whose red lines do not overlap take the
    midpoint of the gap. Off-agenda issues stay at ``status_quo``.

    Per-issue inputs are (I,) or (R, I). The model computes the frontier once
    per run (:func:`nash_frontier`) and solves each round with
    :func:`nash_solve`; this is the two in one call.
    """
    frontier = nash_frontier(ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo)
    return nash_solve(frontier, disagreement_a, disagreement_b, agenda)


@decision
def nash_solve(frontier: Frontier, disagreement_a: np.ndarray, disagreement_b: np.ndarray, agenda: np.ndarray) -> np.ndarray:
    """The package of :func:`nash_package` from its precomputed ``frontier``, for disagreement points and agendas (R, I)."""
    f = frontier
    n_rows = agenda.shape[0]
    flat, g, c, alpha, beta = _segments(f, disagreement_a, disagreement_b, agenda)
    # Nash maximum on each segment: d/ds (alpha + g s)(beta - c s) = 0.
    den = 2.0 * g * c
    s = np.divide(g * beta - c * alpha, den, out=(g > 0).astype(float), where=den > 0)
    np.clip(s, 0.0, 1.0, out=s)
    surplus_b = alpha + g * s
    surplus_a = beta - c * s
    product = np.where((surplus_a >= 0) & (surplus_b >= 0), surplus_a * surplus_b, -np.inf)
    best = np.argmax(product, axis=1)
    rows = np.arange(n_rows)
    no_zone = np.flatnonzero(product[rows, best] == -np.inf)
    if no_zone.size:  # egalitarian point on the frontier: equal surpluses
        al, be, gg, cc = alpha[no_zone], beta[no_zone], g[no_zone], c[no_zone]
        with np.errstate(over="ignore"):  # a vanishing segment: the share is clipped to [0, 1] anyway
            s_eq = np.clip(np.divide(be - al, gg + cc, out=np.zeros_like(al), where=gg + cc > 0), 0.0, 1.0)
        best[no_zone] = np.argmax(np.minimum(al + gg * s_eq, be - cc * s_eq), axis=1)
        s[no_zone] = s_eq
    return _package(f, agenda, flat, best, s)


def _segments(f: Frontier, disagreement_a, disagreement_b, agenda):
    """The frontier's segments for these agendas: (flat, b's gain, a's cost, b's and a's surplus at each segment's start)."""
    n_rows, n_issues = agenda.shape
    flat = None
    # Work in frontier order: issue order[k] is the k-th to move from c_a to c_b.
    if f.per_replication:
        flat = (f.order + np.arange(0, n_rows * n_issues, n_issues)[:, None]).ravel()
        on = np.take(agenda.ravel(), flat).reshape(n_rows, n_issues)
    else:
        on = agenda[:, f.order]
    # Utilities at the frontier's start, as the status-quo package plus the per-issue change of moving each term.
    u_a0 = f.u_a_sq + row_dot(on, f.start_change_a)
    u_b0 = f.u_b_sq + row_dot(on, f.start_change_b)
    g = on * f.gain_b  # (R, I) b's gain and a's cost of moving each issue fully
    c = on * f.cost_a
    alpha = (u_b0 - disagreement_b)[:, None] + (np.cumsum(g, axis=1) - g)  # b's surplus at segment start
    beta = (u_a0 - disagreement_a)[:, None] - (np.cumsum(c, axis=1) - c)  # a's surplus at segment start
    return flat, g, c, alpha, beta


def _package(f: Frontier, agenda, flat, best, s) -> np.ndarray:
    """The package at share ``s[best]`` of segment ``best`` of the frontier (every earlier segment moved fully)."""
    n_rows, n_issues = agenda.shape
    rows = np.arange(n_rows)
    share_sorted = (np.arange(n_issues) < best[:, None]).astype(float)
    share_sorted[rows, best] = s[rows, best]
    share = np.empty_like(share_sorted)
    if f.per_replication:
        np.put(share, flat, share_sorted)
    else:
        share[:, f.order] = share_sorted
    return np.where(agenda, f.start + share * f.step, f.status_quo)


@decision
def proposer_solve(frontier: Frontier, disagreement_a, disagreement_b, agenda, a_proposes: bool) -> np.ndarray:
    """A principal's own offer in direct talks: the package best for it that leaves the other its disagreement point.

    Alternating offers (Rubinstein 1982): the proposer offers the other what
    it expects the other to need (here its estimate of the other's
    disagreement point; the proposer's own is exact, it knows its resolve)
    and keeps the rest of the surplus; under complete information the offer
    is accepted at once. On the Pareto frontier of :func:`nash_frontier`, a
    proposing a moves from its own best point toward b's only until b's
    surplus reaches 0; a proposing b moves from a's best toward its own until
    a's surplus falls to 0. Where that point would leave the proposer below
    its own disagreement point (no zone of agreement by its estimate), it
    offers the Nash package (:func:`nash_solve`) instead, which the answers
    will then judge. Per-round alternation of proposers: Rubinstein (1982);
    the rest: assumption.
    """
    f = frontier
    n_rows, n_issues = agenda.shape
    flat, g, c, alpha, beta = _segments(f, disagreement_a, disagreement_b, agenda)
    rows = np.arange(n_rows)
    if a_proposes:  # the first segment whose end gives b its disagreement point, moved just that far
        reach = alpha + g >= 0
        best = np.argmax(reach, axis=1)
        with np.errstate(over="ignore"):  # a vanishing segment: the share is clipped to [0, 1] anyway
            s = np.clip(np.divide(-alpha, g, out=np.zeros_like(g), where=g > 0), 0.0, 1.0)
        ok = reach[rows, best] & (beta[rows, best] - c[rows, best] * s[rows, best] >= 0)
    else:  # the last segment whose start still gives a its disagreement point, moved as far as a allows
        keeps = beta >= 0
        best = n_issues - 1 - np.argmax(keeps[:, ::-1], axis=1)
        with np.errstate(over="ignore"):
            s = np.clip(np.divide(beta, c, out=np.ones_like(c), where=c > 0), 0.0, 1.0)
        ok = keeps[rows, best] & (alpha[rows, best] + g[rows, best] * s[rows, best] >= 0)
    package = _package(f, agenda, flat, best, s)
    if not ok.all():
        miss = np.flatnonzero(~ok)
        package[miss] = nash_solve(
            f.take(lambda packed: packed[miss]),
            np.asarray(disagreement_a)[miss],
            np.asarray(disagreement_b)[miss],
            agenda[miss],
        )
    return package


# -------------------------------------------------------------------- agenda


def agenda_conflict(insists_a, refuses_a, insists_b, refuses_b):
    """Issues on which one principal insists (or which it requires in any deal) and the other refuses: the scope fight.

    A required issue counts as insisted on, and it can never go to a parallel
    track, so only the refuser's softening ends a conflict over it.

    Stances are bit masks over the issues (bit k: issue k), one per
    replication, or boolean arrays (R, I); the result has the same form.
    Seed: "Iran insists that only nuclear issues be discussed, while the
    United States is seeking to broaden the scope to include Tehran's
    ballistic missile program, its support for regional proxy groups, and
    human rights concerns."
    """
    return (insists_a & refuses_b) | (insists_b & refuses_a)


def settled_scope(refuses_a, refuses_b, all_issues):
    """The agreed agenda once no issue is contested: every issue that neither principal refuses.

    ``all_issues`` is the mask with every issue set (``True`` for boolean
    stances). A principal accepts a scope that respects its agenda stance
    (model spec, "Agenda"); with no contested issue left, the widest such
    scope is the one without the refused issues. Widest scope: assumption.
    """
    return all_issues & ~(refuses_a | refuses_b)


@decision
def parallel_track_acceptance(flexibility: float, mediator_effectiveness: float) -> float:
    """Per-round chance that the insisting side moves its contested issues to a parallel track.

    The mediator proposes "nuclear now, a parallel track later" (model spec,
    "Agenda"); the insisting principal takes it with its agenda flexibility,
    halved by a mediator of no effectiveness and full with a perfect one.
    Assumption.
    """
    return flexibility * (0.5 + 0.5 * mediator_effectiveness)


def parallel_track(agenda, overlap, required) -> np.ndarray:
    """The agenda that bargaining can settle: issues whose red lines overlap, and every required issue.

    Model spec, "Mediator": "An issue whose red lines cannot overlap may go
    to a parallel track rather than sinking every package, but only an issue
    that neither principal requires in a deal". A parked issue stays at its
    status quo in any deal (it is off the agreed agenda); a ``required`` one
    stays on, so red lines that cannot overlap on it leave no deal at all.
    """
    return agenda & (overlap | required)


# ------------------------------------------------------------------- tension


def next_tension(tension, increase, deescalation) -> np.ndarray:
    """Tension after a round: plus what the round added, minus de-escalation, kept in [0, 1].

    Additive bookkeeping of tension: assumption. De-escalation by Oman and the
    UAE follows the seed: "Oman's steady diplomacy has kept channels of
    communication open" and the UAE "publicly urged both ... to pursue a
    diplomatic path".
    """
    return np.clip(tension + increase - deescalation, 0.0, 1.0)


# --------------------------------------------------------------------- force


@decision
def continuation_value(discount, risk, deal_value_now, gain_self, gain_other, outside) -> np.ndarray:
    """What staying in the talks is worth to a principal, by its own beliefs, after this round's answers.

    :func:`waiting_value` with next round's package expected to be worth the
    present one moved by what the mediator learned this round: toward this
    principal by its own holdout gain, away by the other's (the same
    transferable-utility approximation as :func:`holdout_gain`). The same
    discount, risk and outside option as the answers use (model spec, "One
    outside option").
    """
    return waiting_value(discount, risk, deal_value_now + gain_self - gain_other, outside)


@decision
def chooses(advantage, noise, opportunity, draws) -> np.ndarray:
    """A noisy choice, taken when the occasion arises: True with chance ``opportunity`` x P(the option looks better).

    The option looks better with the logit probability
    1 / (1 + exp(-advantage / noise)), the quantal response of McKelvey and
    Palfrey (1995) and the random-utility choice of Signorino (1999) for
    crisis decisions; with ``noise`` = 0 it is the sharp rule advantage > 0,
    so an actor never takes the option when it is worth less. ``opportunity``
    is the chance per round that the decision comes up at all (a
    propensity): assumption. One uniform draw per decision.
    """
    noise = np.asarray(noise, dtype=float)
    safe = np.where(noise > 0, noise, 1.0)
    with np.errstate(over="ignore", divide="ignore"):  # a tiny noise is the sharp rule: expit(+-inf) is 1 or 0
        looks_better = np.where(noise > 0, expit(advantage / safe), (advantage > 0).astype(float))
    return draws < opportunity * looks_better


def failure_estimate(failures, rounds) -> np.ndarray:
    """The chance that a round of talks fails, estimated from ``failures`` failed rounds out of ``rounds``.

    Laplace's rule of succession, (failures + 1) / (rounds + 2): the posterior
    mean under a uniform prior, so one failed week does not read as certain
    failure. Used as the spoiler's sense that the talks are dragging on.
    """
    return (failures + 1.0) / (rounds + 2.0)


@decision
def spoiler_strike_values(weights, strike_threshold, tension, progress, drag, crossing_chance):
    """Israel's value of striking now and of letting the talks go on, by its own beliefs: (strike, wait).

    Striking now is worth more the higher tension and Iran's nuclear
    progress (w_t tension + w_p progress: what a strike forestalls). Waiting
    is worth ``strike_threshold`` (the cost of a strike it avoids), less what
    it expects to lose while the talks drag on (w_f x the estimated chance
    that a round fails, :func:`failure_estimate`) and the chance that the package taking shape is signed
    and crosses its red line (w_x x that chance). Model spec, "Spoiler":
    Israel "decides, by its own beliefs, whether striking now is worth more
    than what the talks are likely to bring"; seed: Israeli officials
    "articulate their own security red lines". Linear form: assumption.
    """
    w_t, w_p, w_f, w_x = weights
    strike = w_t * tension + w_p * progress
    wait = strike_threshold - w_f * drag - w_x * crossing_chance
    return strike, wait


def escalation_ladder(retaliation_probability, resume_probability, draws) -> tuple[np.ndarray, np.ndarray]:
    """Where a strike leads: (severity, talks resume). Severity 1 limited strike, 2 retaliation, 3 war.

    A limited strike draws retaliation with ``retaliation_probability``
    (``draws[:, 0]``); a ceasefire follows, after which the talks resume with
    ``resume_probability`` (``draws[:, 1]``), as after the 13-24 June 2025
    exchange; otherwise the confrontation ends the talks, as war (severity 3)
    when there was retaliation. Model spec, "Force: escalation is a ladder".
    Probabilities: assumption.
    """
    retaliated = draws[:, 0] < retaliation_probability
    resumed = draws[:, 1] < resume_probability
    severity = np.where(retaliated, np.where(resumed, 2, 3), 1).astype(np.int8)
    return severity, resumed


def collapse_escalates(collapse_escalation, tension, draws) -> np.ndarray:
    """Whether collapsed talks turn into military confrontation: chance ``collapse_escalation`` x tension.

    Seed: Washington "remains prepared to apply force should negotiations
    collapse". Proportional to tension: assumption.
    """
    return draws < collapse_escalation * tension


# ------------------------------------------------------- coercion below war


def coercion_shift(trust, delta_self, delta_other) -> np.ndarray:
    """How much a coercive step moves the value of the next package for the coercer, on its deal-value scale.

    A step that lowers the other side's outside option by ``-delta_other``
    (new sanctions against Tehran's value of no deal) or changes one's own by
    ``delta_self`` moves the Nash package (Nash 1953, variable threats: a
    better threat point, a better settlement) toward the coercer by half the
    change of the difference of the disagreement points (transferable-utility
    approximation, as in :func:`holdout_gain`); the package counts at
    ``trust``, the fallback (own outside option) at ``1 - trust``
    (:func:`deal_value`). Assumption in form.
    """
    return trust * 0.5 * (delta_self - delta_other) + (1.0 - trust) * delta_self


@decision
def coercion_advantage(discount, risk, risk_after, expected_next, shift, outside, outside_after) -> np.ndarray:
    """What a coercive step below war is worth to a principal: continuing after it minus continuing without it.

    The same value logic as force (model spec, "Coercion below war": rungs
    below a strike, chosen by the same logic as force): both sides of the
    comparison are :func:`waiting_value`, the value of staying in the talks
    by its own beliefs. The step moves the next package by ``shift``
    (:func:`coercion_shift`), its own outside option to ``outside_after``, and
    the perceived risk that the talks end to ``risk_after`` (the tension it
    adds). It is taken, through :func:`chooses`, when this is positive: Natanz
    (sabotage, 11 Apr 2021), Iran's 60% enrichment (from 16 Apr 2021) and the
    maximum-pressure sanctions designations (2018-21, 2025) came during talks
    that went on. Assumption in form.
    """
    before = waiting_value(discount, risk, expected_next, outside)
    after = waiting_value(discount, risk_after, expected_next + shift, outside_after)
    return after - before


@decision
def sabotage_values(weights, sabotage_cost, tension, progress, drag, crossing_chance):
    """A spoiler's value of a covert strike or sabotage now and of waiting: (sabotage, wait).

    :func:`spoiler_strike_values` with the sabotage's lower cost in place of
    the cost of an overt strike: what it forestalls is judged the same way
    (tension, nuclear progress, failing talks, a package crossing its red
    line), so sabotage is the rung taken when the threat looks worth acting on
    at its price but not at a strike's (Natanz, 11 Apr 2021; Fakhrizadeh,
    27 Nov 2020). Assumption in form.
    """
    return spoiler_strike_values(weights, sabotage_cost, tension, progress, drag, crossing_chance)


# ------------------------------------------------------- ultimatums and allies


@decision
def force_over_no_deal(force, no_deal) -> np.ndarray:
    """What force is worth to a principal against the no deal it is left with when the talks are cut off.

    Used where the alternative to force is not continuing but no deal: at
    the lapse of an ultimatum (a deadline with a threat attached, the 60-day
    window of 2025; model spec, "Ultimatums": the threatener weighs force by
    its own values, escalation when force is worth more, a stalemate when
    not), and for an ally deciding whether to join a strike (model spec,
    "Allies act together": Washington joined Israel's campaign on its ninth
    day, 22 Jun 2025). Both values are those of :func:`no_deal_value` and
    :func:`force_value`; its resolve shifts both alike.
    """
    return force - no_deal


# ------------------------------------------------------- pauses


def deadline_after_pause(deadline, start, resume) -> np.ndarray:
    """A deadline that falls while the talks are paused (rounds start .. resume - 1) is judged at the resume round.

    Suspended talks cannot lapse (model spec, "Pauses are not ends": a pause
    is time passing, not an outcome); the clock of the talks runs on when
    they resume. Assumption.
    """
    return np.where((deadline >= start) & (deadline < resume), resume, deadline)


# ------------------------------------------------------- private red lines (branch belief)


@decision
def giveway_chance(belief, rate) -> np.ndarray:
    """The chance a holder sees that the other side gives way on the held term this round: belief x rate.

    Private red lines: whether the other side's red line admits the term a
    principal holds (the suspension of enrichment, 2003-2013) is the other's
    private information. The holder believes with probability ``belief`` that
    it does (a "soft" other), and that a soft other gives way in any round
    with chance ``rate`` (it may hold for a while in the hope that the holder
    gives way first: Fudenberg and Tirole 1986, the war of attrition with
    private information; Abreu and Gul 2000); a "hard" other never does.
    ``rate`` is the other side's agenda flexibility, the per-round chance with
    which the model already lets it yield a contested stance or a precondition
    (:func:`precondition_yield`): assumption in form.
    """
    return np.asarray(belief, dtype=float) * np.asarray(rate, dtype=float)


@decision
def giveway_update(belief, rate) -> np.ndarray:
    """Bayes' rule for the holder's belief that the other's red line gives, after a round in which the other held.

    P(soft | held) = b (1 - rate) / (b (1 - rate) + 1 - b): a hard other
    always holds, a soft one holds with chance 1 - rate. The belief falls
    with every round of holding, fast when a soft other would give way fast,
    and never rises (Bayes 1763; the updating of Smith and Stam 2004,
    "Bargaining and the Nature of War": beliefs that start apart converge as
    the sides observe each other, and the standoff ends when they have).
    Where the evidence contradicts certainty (b = 1 and rate = 1) the belief
    becomes 0.
    """
    belief = np.asarray(belief, dtype=float)
    soft_holds = belief * (1.0 - np.asarray(rate, dtype=float))
    total = soft_holds + 1.0 - belief
    return np.where(total > 0, soft_holds / np.where(total > 0, total, 1.0), 0.0)


@decision
def holding_value(giveway, value_at_position, value_backing_down, outside, discount, risk) -> np.ndarray:
    """What holding its stated position one more round is worth to a principal, by its beliefs.

    H = g V_own + (1 - g) x waiting_value(discount, risk, B, O): with the
    chance g it sees that the other gives way this round
    (:func:`giveway_chance`), a deal at its own position, worth ``V_own``;
    otherwise a round of delay, discounted and at the risk that the talks end
    meanwhile (its outside option O), after which it can still back down
    (B = the deal outside its position minus the audience cost). The same
    discount and perceived risk as its answers (:func:`waiting_value`; model
    spec, "Time, deadlines and the cost of delay"). Comparing H with backing
    down now is the one-stage look-ahead rule, optimal here because the
    belief only falls while the other holds, so that once backing down beats
    one more round it beats every later plan (a monotone stopping problem:
    Chow, Robbins and Siegmund 1971). Mutual optimism (Blainey 1973; Fearon
    1995) enters as a holder's prior that the other will give way.
    """
    g = np.asarray(giveway, dtype=float)
    return g * value_at_position + (1.0 - g) * waiting_value(discount, risk, value_backing_down, outside)


@decision
def backs_down_believing(value_off_position, audience_cost, outside, holding) -> np.ndarray:
    """Whether a principal drops its stated position: backing down beats its outside option and holding on.

    B = value_off_position - audience_cost (:func:`backs_down`, Fearon 1994);
    it backs down when B > O and B >= H (:func:`holding_value`). With a belief
    of 0 that the other gives way, H = waiting_value(B, O) <= B whenever
    B > O, so the rule is :func:`backs_down` exactly; a higher belief never
    makes it back down sooner where the deal at its own position is worth at
    least backing down.
    """
    backing = value_off_position - audience_cost
    return (backing > outside) & (backing >= holding)


# ------------------------------------------------------- known deadlock (branch belief)


def known_deadlock(overlaps, required, held_stated) -> np.ndarray:
    """The replications whose table is a known deadlock: (R,) from (R, I) flags.

    True where, on some issue that a principal requires in any deal, the
    red-line box is empty (``overlaps`` False, :func:`red_line_box`) and a
    principal still holds a stated public position there that narrows its own
    red line (``held_stated``, :func:`stated_red_lines`). A stated position is
    public, so both sides know that no package can be signed there; red lines
    that fail to overlap without a narrowing stated position are private, and a
    refusal there is still news.
    """
    return (np.asarray(required) & np.asarray(held_stated) & ~np.asarray(overlaps)).any(axis=-1)


def talks_about_talks(refused, deadlocked) -> tuple[np.ndarray, np.ndarray]:
    """A refused package at a known deadlock is not a failed round: returns (failed, procedural).

    Where the stated public positions leave no zone of agreement on a required
    issue (:func:`known_deadlock`), both sides know that any package must be
    refused by one of them; the refusal was certain before it was given, so it
    carries no news (its likelihood is 1 whether the talks are going well or
    badly: Bayes' rule leaves every belief where it was, as
    :func:`update_belief` already does for a package outside the answerer's red
    lines). Such a round is talks about talks: the parties meet and restate
    positions, procedure without bargaining, what the pre-negotiation
    literature calls the phase before the parties have agreed that a
    negotiated settlement is possible (Saunders 1985; Stein 1989, *Getting to
    the Table*; Zartman 1989, *Ripe for Resolution*: without a mutually
    hurting stalemate and a perceived way out the conflict is not ripe, and
    talks continue without converging, neither succeeding nor failing). Parties
    keep such talks for their side effects, contact, information, an image of
    reasonableness before third parties, the avoidance of a break (Iklé 1964,
    *How Nations Negotiate*, ch. 4), and a commitment known to both sides
    is a tactic of distributive bargaining, not a breakdown of it (Walton and
    McKersie 1965). So a refused round in a known deadlock adds no tension
    (``failed_round_tension``) and does not count as a failed round in the
    estimate others make of whether the talks are failing
    (:func:`failure_estimate`: neither a failure nor a success, it is left out
    of the count altogether, ``procedural``). What still moves in a deadlock:
    time and discounting, nuclear progress, coercion below war, events,
    deadlines and the holder's belief that the other gives way (2005-2013: the
    parties met, restated positions, and the talks lapsed or were adjourned;
    tension came from nuclear steps and sanctions). Form: assumption.
    """
    refused = np.asarray(refused, dtype=bool)
    deadlocked = np.asarray(deadlocked, dtype=bool)
    return refused & ~deadlocked, refused & deadlocked
