"""Time and the cost of delay: discounting, the risk of breakdown, waiting, holding out for better terms
(with the belief about the other side's resolve that holding out rests on), concessions, interim deals,
the deadline and its extension after a pause."""

from __future__ import annotations

import numpy as np

from sim.core.rules.marker import decision
from sim.core.ufuncs import clip

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
    survive = 1.0 - clip(risk_at_full_tension * tension, 0.0, 1.0)
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
    return 0.25 * (clip(cutoff, lo, hi) - lo)


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
    holds = c1 <= a - q * (clip(c1, lo, hi) - lo)
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
    c = clip(cutoff, lo, hi)
    new_lo = np.where(informative & ~accepted, c, lo)
    new_hi = np.where(informative & accepted, c, hi)
    return new_lo, new_hi


@decision
def belief_acceptance_chance(lo, hi, cutoff) -> np.ndarray:
    """The chance, under a uniform belief [lo, hi] about a principal's resolve, that it accepts (resolve <= cutoff)."""
    width = hi - lo
    return np.where(
        width > 1e-12, clip((cutoff - lo) / np.where(width > 1e-12, width, 1.0), 0.0, 1.0), (cutoff >= lo - 1e-9).astype(float)
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
    return clip(guess, lo, hi)


def concession_share(package_utility, threshold_utility) -> np.ndarray:
    """How far a principal's stated position moves from its ideal toward the package on the table.

    Along the segment from the ideal to the package utility falls linearly
    from 1 to the package's utility, so the position is the point of that
    segment worth exactly the utility it still demands (its acceptance
    threshold), or the package itself when it would accept it: concession
    follows the threshold, not a clock (model spec, "Concession").
    """
    loss = 1.0 - package_utility
    return clip(np.divide(1.0 - threshold_utility, loss, out=np.ones_like(loss), where=loss > 1e-12), 0.0, 1.0)


def concede_positions(ideal, proposal, low, high, conceded) -> np.ndarray:
    """A principal's stated position: ``conceded`` (R,) of the way from its ideal to the proposal, inside its red lines.

    Model spec, "Concession": positions move toward the proposal, never past
    a red line. Linear path (Zeuthen 1930 in its simplest form): assumption.
    """
    position = ideal + clip(conceded, 0.0, 1.0)[:, None] * (proposal - ideal)
    return clip(position, low, high)


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
    least = clip(status_quo, low, np.maximum(low, high))
    return np.where(agenda, least + scale * (package - least), status_quo)


def deadline_lapses(round_, deadline, extension_probability, draws) -> np.ndarray:
    """Whether the talks lapse at their deadline this round: at the deadline, unless extended.

    Model spec, "Time, deadlines": at a deadline the talks are extended with a
    configured probability, or lapse (the 60-day ultimatum of spring 2025; the
    Joint Plan of Action's deadlines of 2014, each extended). ``deadline`` is
    per replication (it moves with each extension); 0 means none.
    """
    return (deadline > 0) & (round_ == deadline) & (draws >= extension_probability)


# ------------------------------------------------------- pauses


def deadline_after_pause(deadline, start, resume) -> np.ndarray:
    """A deadline that falls while the talks are paused (rounds start .. resume - 1) is judged at the resume round.

    Suspended talks cannot lapse (model spec, "Pauses are not ends": a pause
    is time passing, not an outcome); the clock of the talks runs on when
    they resume. Assumption.
    """
    return np.where((deadline >= start) & (deadline < resume), resume, deadline)
