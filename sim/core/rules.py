"""The rules of the negotiation model, one function each.

Every function is pure and vectorised over replications: arrays of shape (R,)
hold one value per replication, (R, I) one per replication and issue, (I,) a
parameter per issue shared by all replications. The Mesa agents and model call
these; nothing here holds state, draws random numbers or knows about files.
Each docstring names the rule's source, or says plainly that it is an
assumption of this project.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

# ---------------------------------------------------------------- utilities


def utility(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Utility of packages ``x`` (R, I): 1 minus the salience-weighted distance to the ideal.

    Weighted city-block (L1) loss over issues, the additive spatial utility of
    the expected-utility model of politics (Bueno de Mesquita; replicated by
    Scholz, Calbert and Smith 2011) and of KTAB. Saliences sum to one, so
    utility lies in [0, 1]: 1 at the ideal point, 0 at the far corner.
    """
    return 1.0 - np.abs(x - ideal) @ salience


def inside(x: np.ndarray, low: np.ndarray, high: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True where every issue of ``mask`` (R, I) in package ``x`` lies inside [low, high].

    Model spec, "Answers": a principal accepts only packages inside its red
    lines; red lines bind the terms a deal sets, i.e. the issues on the agenda.
    """
    ok = (x >= low - 1e-12) & (x <= high + 1e-12)
    return np.all(ok | ~mask, axis=1)


# ---------------------------------------------------------- value of no deal


def no_deal_value(base: float, sensitivity: np.ndarray, state: np.ndarray, hardening: np.ndarray) -> np.ndarray:
    """A principal's value of no deal (its reservation value), clipped to [0, 1].

    ``base`` minus pressure: ``sensitivity`` (K,) times the world-state
    variables ``state`` (K, R) it reacts to (sanctions pain, military threat,
    domestic unrest, the other side's nuclear progress), plus the ``hardening``
    (R,) that lobbying has built up. Pressure lowers what walking away is worth
    and so widens the win-set (Putnam 1988, two-level games). Linear form:
    assumption.
    """
    return np.clip(base - sensitivity @ state + hardening, 0.0, 1.0)


# ---------------------------------------------------------------- concession


def faratin_concession(t: np.ndarray | float, k: float, e: float) -> np.ndarray:
    """Share of the distance from ideal to reservation conceded at relative time ``t``.

    Time-dependent tactic of Faratin, Sierra and Jennings (1998):
    f(t) = k + (1 - k) t^(1/e), t in [0, 1]; e < 1 is Boulware (holds firm
    until the deadline), e > 1 Conceder (concedes early).
    """
    t = np.clip(t, 0.0, 1.0)
    return k + (1.0 - k) * np.power(t, 1.0 / e)


def aspiration(reservation: np.ndarray, conceded: np.ndarray) -> np.ndarray:
    """The utility a principal still demands: from 1 (its ideal) down to its reservation value.

    Faratin, Sierra and Jennings (1998): the aspiration moves from the best
    outcome to the reservation value as the concession share goes 0 -> 1.
    """
    return 1.0 - (1.0 - reservation) * np.clip(conceded, 0.0, 1.0)


def accepts(
    package_utility: np.ndarray,
    incentive: float,
    trust: np.ndarray,
    reservation: np.ndarray,
    aspiration_level: np.ndarray,
    within_red_lines: np.ndarray,
) -> np.ndarray:
    """A principal's answer: accept if inside its red lines and the trust-discounted value reaches its aspiration.

    The deal is worth its utility plus outside ``incentive`` if the other
    side keeps it (probability ``trust``) and the value of no deal if it
    reneges: the commitment problem of Fearon (1995) and Powell (2006), with
    trust low after the 2015 JCPOA withdrawal (seed). Acceptance at the
    aspiration level: Faratin, Sierra and Jennings (1998).
    """
    value = trust * (package_utility + incentive) + (1.0 - trust) * reservation
    return within_red_lines & (value >= aspiration_level - 1e-12)


def concede_positions(
    ideal: np.ndarray,
    proposal: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    conceded: np.ndarray,
) -> np.ndarray:
    """A principal's stated position: ``conceded`` (R,) of the way from its ideal to the proposal.

    Positions move toward the mediator's package by the Faratin concession
    share and never past a red line (model spec, "Concession"); the linear
    path is the concession path of Zeuthen (1930) in its simplest form:
    assumption.
    """
    position = ideal + np.clip(conceded, 0.0, 1.0)[:, None] * (proposal - ideal)
    return np.clip(position, low, high)


# ------------------------------------------------------------------ proposal


def red_line_box(lows: list[np.ndarray], highs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection of the principals' red lines per issue: (low, high, overlaps).

    Model spec, "Proposal": the mediator proposes inside the intersection of
    the principals' red lines; where it is empty (low > high) it proposes the
    midpoint of the gap, the term that breaks both red lines least.
    """
    low = np.max(lows, axis=0)
    high = np.min(highs, axis=0)
    return low, high, low <= high


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
    """
    n_rows, n_issues = agenda.shape
    overlap = low <= high
    top = np.maximum(low, high)
    c_a = np.clip(ideal_a, low, top)  # each side's best term inside the box
    c_b = np.clip(ideal_b, low, top)
    gap_mid = 0.5 * (low + high)
    order = np.argsort(salience_a / np.maximum(salience_b, 1e-300), kind="stable")
    # Work in frontier order: issue order[k] is the k-th to move from c_a to c_b.
    on = agenda[:, order]
    free = on & overlap[order] if not overlap.all() else on
    gain_b = (salience_b * np.abs(c_b - c_a))[order]
    cost_a = (salience_a * np.abs(c_b - c_a))[order]
    # Utilities at the frontier's start (a's clipped ideal on free issues), as
    # the status-quo package plus the per-issue change of moving each term.
    def change(ideal, salience, term):
        return (salience * (np.abs(status_quo - ideal) - np.abs(term - ideal)))[order]

    u_a0 = utility(status_quo[None, :], ideal_a, salience_a)[0] + free @ change(ideal_a, salience_a, c_a)
    u_b0 = utility(status_quo[None, :], ideal_b, salience_b)[0] + free @ change(ideal_b, salience_b, c_a)
    if not overlap.all():
        gaps = on & ~free
        u_a0 = u_a0 + gaps @ change(ideal_a, salience_a, gap_mid)
        u_b0 = u_b0 + gaps @ change(ideal_b, salience_b, gap_mid)
    g = free * gain_b  # (R, I) b's gain and a's cost of moving each issue fully
    c = free * cost_a
    alpha = (u_b0 - disagreement_b)[:, None] + (np.cumsum(g, axis=1) - g)  # b's surplus at segment start
    beta = (u_a0 - disagreement_a)[:, None] - (np.cumsum(c, axis=1) - c)  # a's surplus at segment start
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
        s_eq = np.clip(np.divide(be - al, gg + cc, out=np.zeros_like(al), where=gg + cc > 0), 0.0, 1.0)
        best[no_zone] = np.argmax(np.minimum(al + gg * s_eq, be - cc * s_eq), axis=1)
        s[no_zone] = s_eq
    share_sorted = (np.arange(n_issues) < best[:, None]).astype(float)
    share_sorted[rows, best] = s[rows, best]
    share = np.empty_like(share_sorted)
    share[:, order] = share_sorted
    start = np.where(agenda, np.where(overlap, c_a, gap_mid), status_quo)
    return np.where(agenda & overlap, c_a + share * (c_b - c_a), start)


def degrade_proposal(
    package: np.ndarray,
    effectiveness: float,
    noise_scale: float,
    normal_draws: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    movable: np.ndarray,
) -> np.ndarray:
    """The mediator's actual proposal: the compromise plus error that shrinks with its effectiveness.

    Each movable term is displaced by (1 - effectiveness) * noise_scale times a
    standard normal draw and put back inside the red-line box, so a perfectly
    effective mediator proposes the best compromise itself (model spec,
    "Mediator"). Gaussian error: assumption.
    """
    moved = package + (1.0 - effectiveness) * noise_scale * normal_draws
    moved = np.clip(moved, low, np.maximum(low, high))
    return np.where(movable, moved, package)


# -------------------------------------------------------------------- agenda


def agenda_conflict(insists_a, refuses_a, insists_b, refuses_b):
    """Issues on which one principal insists and the other refuses: the scope fight.

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


def parallel_track_acceptance(flexibility: float, mediator_effectiveness: float) -> float:
    """Per-round chance that the insisting side moves its contested issues to a parallel track.

    The mediator proposes "nuclear now, a parallel track later" (model spec,
    "Agenda"); the insisting principal takes it with its agenda flexibility,
    halved by a mediator of no effectiveness and full with a perfect one.
    Assumption.
    """
    return flexibility * (0.5 + 0.5 * mediator_effectiveness)


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


def spoiler_strike_hazard(
    propensity: float,
    weights: tuple[float, float, float, float],
    tension: np.ndarray,
    progress: np.ndarray,
    failure: np.ndarray,
    crossing: np.ndarray,
) -> np.ndarray:
    """Per-round chance that the spoiler strikes unilaterally.

    Grows with tension, Iran's nuclear progress, failing talks (the share of
    the horizon spent in failed rounds) and whether the package on the table
    crosses the spoiler's red line (model spec, "Spoiler"); scaled by the
    spoiler's propensity. Seed: Israel's officials "articulate their own
    security red lines". Linear index: assumption.
    """
    w_t, w_p, w_f, w_x = weights
    index = w_t * tension + w_p * progress + w_f * failure + w_x * crossing
    return propensity * np.clip(index, 0.0, 1.0)


def force_value(posture_weight: float, progress_weight: float, war_cost: float, posture, progress) -> np.ndarray:
    """What using force is worth to a principal, on the utility scale.

    Force gains with military posture and with the other side's nuclear
    progress (a preventive motive, the commitment problem of Powell 2006) and
    costs ``war_cost``; a principal deterred by the other's posture has a
    negative posture weight. Fearon (1995): war is costly, so it happens only
    when bargaining fails. Linear form: assumption.
    """
    return posture_weight * posture + progress_weight * progress - war_cost


def uses_force(value_of_force, value_of_continuing, talks_failing, propensity: float, noise: float, draws) -> np.ndarray:
    """A principal turns to force when talks fail and force looks better than continuing.

    Model spec, "Force" (Fearon 1995: war is costly, so it needs bargaining to
    fail): force needs this round to have failed (a refused package or an
    agenda dispute). Continuing is worth the better of the value of no deal
    and the trust-discounted package on the table. The principal judges force
    against continuing with private noise: it looks better with the logit
    probability 1 / (1 + exp(-(force - continuing) / noise)), the quantal
    response of McKelvey and Palfrey (1995) and the random-utility choice of
    Signorino (1999) for crisis decisions, rather than a sharp threshold that
    would make the odds jump when an assumption moves a little. It then acts
    with its ``propensity``.
    """
    looks_better = expit((value_of_force - value_of_continuing) / noise)
    return talks_failing & (draws < propensity * looks_better)


def walks_out(value_of_staying, value_of_leaving, talks_failing, propensity: float, standing: float, draws) -> np.ndarray:
    """A principal leaves after a failed round when leaving beats the best package on offer.

    Model spec, "Walk-out": leave when the value of leaving exceeds that of
    staying; the mediator's ``standing`` lowers the chance that such a bad round
    ends the talks ("Oman's steady diplomacy has kept channels of
    communication open when other avenues collapsed", seed).
    """
    return talks_failing & (value_of_leaving > value_of_staying) & (draws < propensity * (1.0 - standing))


def collapse_escalates(collapse_escalation: float, tension, draws) -> np.ndarray:
    """Whether collapsed talks turn into military confrontation: chance ``collapse_escalation`` x tension.

    Seed: Washington "remains prepared to apply force should negotiations
    collapse". Proportional to tension: assumption.
    """
    return draws < collapse_escalation * tension
